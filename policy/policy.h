/*
 * NAME
 *	policy - vigie-policyd: the modules of the policy service and how they meet
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	main.c		start-up, signals, reload (lib/daemon.h)
 *	listen.c	the listening socket
 *	server.c	the serving threads: one epoll loop per thread,
 *			many Postfix connections each
 *	request.c	the protocol: framing, parsing, replies (request.h)
 *	session.c	what one connection remembers about the message in
 *			progress (its instance): recipients let through, SPF
 *	decide.c	request -> facts -> checks -> one access(5) action
 *	limits.c	rate limits and account locks at RCPT and
 *			END-OF-MESSAGE (lib/rules_limits.h)
 *
 *	Lifetimes: one struct policy_thread per serving thread (its Redis
 *	connection and the snapshot it uses, whose rate-limit engine it
 *	shares with the other threads); one struct policy_session per
 *	Postfix connection.
 */
#ifndef VIGIE_POLICY_H
#define VIGIE_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "compiler.h"
#include "config.h"
#include "error.h"
#include "facts.h"
#include "ratelimit.h"
#include "redisconn.h"
#include "request.h"
#include "rules.h"
#include "snapshot.h"
#include "spf.h"

#define POLICYD_NAME "vigie-policyd"
#define POLICY_ACTION_MAX 600           /* bytes of one action text */
#define POLICY_INSTANCE_MAX 64          /* bytes of an instance attribute kept */
#define POLICY_SESSION_RCPT_BYTES 16384 /* recipients of one message remembered */
#define POLICY_EOM_RECIPIENTS_MAX 100000        /* recipient_count believed at most */

/* One serving thread: its Redis connection and the snapshot in use. */
struct policy_thread {
    struct snapshot *snap;              /* a reference, renewed by policy_thread_refresh */
    struct redisconn *rc;               /* built from snap's Redis settings */
    bool greylist_down;                 /* Redis failed greylisting: logged once */
};

/* What one connection remembers about the message in progress. */
struct policy_session {
    char instance[POLICY_INSTANCE_MAX]; /* the message (Postfix's instance attribute) */
    char rcpt_buf[POLICY_SESSION_RCPT_BYTES];   /* recipients let through, NUL-ended */
    size_t rcpt_len;
    size_t rcpt_count;
    bool spf_done;                      /* SPF checked for this message */
    struct spf_result spf;
};

/*
 * policy_thread_init - a thread's state on the current snapshot
 *	Returns 0, or -1 with err set (no snapshot, memory).
 */
int policy_thread_init(struct policy_thread *t, struct vigie_error *err) WARN_UNUSED;

/*
 * policy_thread_refresh - move to the current snapshot if it changed
 *	The Redis connection is rebuilt when the Redis settings changed;
 *	if that fails, the old one is kept and the error logged.
 */
void policy_thread_refresh(struct policy_thread *t);

/* policy_thread_fini - release the snapshot and the Redis connection */
void policy_thread_fini(struct policy_thread *t);

/* session: policy_session_begin - follow req's instance; a new message forgets the old */
void policy_session_begin(struct policy_session *s, const struct policy_request *req);

/* session: policy_session_add_rcpt - remember a recipient let through (dropped when full) */
void policy_session_add_rcpt(struct policy_session *s, const char *recipient);

/*
 * session: policy_session_recipients - the message's recipients for
 *	END-OF-MESSAGE facts: *count entries (Postfix's recipient_count,
 *	lowered to POLICY_EOM_RECIPIENTS_MAX), the ones remembered first,
 *	then "" for the others. Returns an array the caller frees, or
 *	NULL when memory is short. *count must not be 0.
 */
const char **policy_session_recipients(const struct policy_session *s, size_t *count);

/* Where in the SMTP dialogue a request was made, for the limits. */
enum policy_stage {
    POLICY_STAGE_MAIL,
    POLICY_STAGE_RCPT,
    POLICY_STAGE_EOM,
};

/* What limits.c concludes. */
enum policy_limit_outcome {
    POLICY_LIMIT_PASS,          /* nothing to say */
    POLICY_LIMIT_PENDING,       /* the check is prepared: run it, then ask again */
    POLICY_LIMIT_OVER,          /* locked, or a limit crossed: action and detail set */
    POLICY_LIMIT_UNAVAILABLE,   /* Redis down (the engine logged it): apply fail_policy */
    POLICY_LIMIT_FAILED,        /* another error, in detail: log it, apply fail_policy */
};

/* A request's rate-limit and lock check, ready for ratelimit_check_batch. */
struct policy_limit_check {
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    struct ratelimit_request request;   /* its limits are apply[] */
};

/*
 * A request whose answer waits for its check. Its strings are those of
 * the request (the connection's input, kept until it is answered).
 */
struct policy_pending {
    struct policy_request req;
    struct message_facts facts;         /* the check's facts */
    const char *rcpt[1];                /* RCPT: the recipient, as facts.recipients */
    const char **rcpts;                 /* END-OF-MESSAGE: every recipient (owned) */
    struct policy_limit_check check;
};

/*
 * policy_decide_start - decide req, or prepare the check it waits for
 *	Returns true with the action in action (POLICY_ACTION_MAX bytes);
 *	or false when the answer needs the rate-limit check p->check: the
 *	caller runs it (ratelimit_check_batch, with other requests') and
 *	calls policy_decide_finish, with req's strings and p unchanged.
 *	Always comes to an action: a check that fails (Redis down,
 *	memory) follows fail_policy. Logs each refusal, deferral or hold.
 */
bool policy_decide_start(struct policy_thread *t, struct policy_session *s,
                         const struct policy_request *req, struct policy_pending *p,
                         char *action);

/* policy_decide_finish - the action of a request, once its check ran as job */
void policy_decide_finish(struct policy_thread *t, struct policy_session *s,
                          struct policy_pending *p, const struct ratelimit_job *job,
                          char *action);

/*
 * limits: policy_limits_prepare - the check a request needs at stage
 *	At MAIL, the account lock alone. At RCPT, the lock, and (with
 *	ratelimit_counter = policyd) the recipient and recipient-domain
 *	limits; facts: of this recipient alone. At END-OF-MESSAGE (policyd
 *	counting), the message and byte limits; facts: every recipient,
 *	size. check->request borrows facts and queue_id. Returns PENDING
 *	(run check->request), PASS (nothing to check) or FAILED (detail).
 */
enum policy_limit_outcome policy_limits_prepare(struct policy_thread *t,
                                                const struct message_facts *facts,
                                                enum policy_stage stage, const char *queue_id,
                                                struct policy_limit_check *check,
                                                char *detail, size_t detail_len);

/* limits: policy_limits_outcome - what a check's job means: PASS, OVER, UNAVAILABLE, FAILED */
enum policy_limit_outcome policy_limits_outcome(const struct ratelimit_job *job, char *action,
                                                char *detail, size_t detail_len);

/*
 * policy_action_text - an engine action as an access(5) action
 *	tempfail and reject: "CODE X.Y.Z text"; hold: "HOLD text";
 *	the milder ones (meaningless before the data): "DUNNO".
 */
void policy_action_text(const struct action *a, char *out, size_t len);

/* listen: the listening socket (listen.c) */
struct policy_listener {
    int fd;                     /* -1 when closed */
    bool inet;                  /* TCP, not a unix socket */
    char *unix_path;            /* removed by policy_listener_close; NULL for TCP */
};

/*
 * listen: policy_listener_open - bind and listen on config's policy_socket
 *	Before privileges are dropped: a unix socket gets socket_mode and
 *	uid:gid (gid replaced by policy_socket_group when set), and the
 *	directory it is in is prepared (sockdir.h). Returns 0, or -1 with
 *	err set; close l either way.
 */
int policy_listener_open(struct policy_listener *l, const struct vigie_config *config,
                         uid_t uid, gid_t gid, bool chown_socket,
                         struct vigie_error *err) WARN_UNUSED;

/* listen: policy_listener_close - close l, and remove its unix socket */
void policy_listener_close(struct policy_listener *l);

/* listen: policy_peer_name - who is on the other side of fd, for logs */
void policy_peer_name(const struct policy_listener *l, int fd, char *buf, size_t len);

/* server: the serving threads (server.c) */
struct policy_server;

/*
 * policy_server_open - the server, listening (policy_listener_open)
 *	Before privileges are dropped. Returns a server, or NULL with err
 *	set.
 */
struct policy_server *policy_server_open(const struct vigie_config *config, uid_t uid,
                                         gid_t gid, bool chown_socket,
                                         struct vigie_error *err) WARN_UNUSED;

/*
 * policy_server_start - start config's policy_threads serving threads
 *	They block the daemon's signals. Returns 0, or -1 with err set.
 */
int policy_server_start(struct policy_server *server, const struct vigie_config *config,
                        struct vigie_error *err) WARN_UNUSED;

/* policy_server_stop - stop the threads, close every connection, remove the socket */
void policy_server_stop(struct policy_server *server);

#endif
