/*
 * NAME
 *	redisconn - one thread's connection to Redis, reconnecting on failure
 * SYNOPSIS
 *	#include "redisconn.h"
 * DESCRIPTION
 *	A redisconn wraps a hiredis context with the settings of
 *	vigie.conf: address ("host:port", "[v6]:port" or "unix:/path"),
 *	password (sent with AUTH after each connect; never logged nor put
 *	in an error message), connect and command timeouts. It connects
 *	lazily, on the first command. After an I/O error or a timeout the
 *	context is dropped, because its replies can no longer be matched
 *	to its commands; the next command reconnects, but not sooner than
 *	REDISCONN_RETRY_MS after a failed connect, so that a Redis that is
 *	down costs one connect timeout per interval, not one per message.
 *
 *	Commands are never retried: whether a command that failed on the
 *	wire was executed is unknown, and only the caller knows whether
 *	doing it twice is harmless.
 *
 *	Lua scripts are run with EVALSHA; the digest of each script is
 *	learnt with SCRIPT LOAD on first use and again when Redis answers
 *	NOSCRIPT (it restarted or flushed its scripts).
 *
 *	With Redis Sentinel (redisconn_set_sentinels), the address is
 *	asked of the sentinels at each connect (redis_sentinel.h), and a
 *	connection is kept only when ROLE says it reaches the master. A
 *	fail-over then costs the commands that fail while the master is
 *	down, then one reconnection: the sentinels close the old master's
 *	connections, and an answer READONLY (a master turned replica) also
 *	drops the connection.
 *
 *	Thread safety: NONE. A redisconn belongs to one thread at a time;
 *	each milter thread (or each connection context) has its own. Two
 *	threads sharing one would interleave commands on one socket and
 *	read each other's replies.
 */
#ifndef VIGIE_REDISCONN_H
#define VIGIE_REDISCONN_H

#include <hiredis/hiredis.h>

#include "compiler.h"
#include "error.h"

#define REDISCONN_RETRY_MS 1000     /* least time between two failed connects */
#define REDISCONN_EVAL_HEAD 3       /* argv slots redisconn_eval fills in */
#define REDISCONN_SCRIPTS 8         /* distinct scripts one redisconn remembers */

struct redisconn_params {
    const char *address;            /* copied */
    const char *password;           /* copied; "" or NULL = no AUTH */
    unsigned connect_timeout_ms;    /* 0 = the system's */
    unsigned timeout_ms;            /* per command; 0 = none */
};

/* A Lua script; define one static const per script. */
struct redis_script {
    const char *name;               /* for error messages */
    const char *source;
};

struct redisconn;

/*
 * redisconn_new - check the address and copy the settings; no I/O
 *	Returns NULL with err set when the address is malformed or memory
 *	is short.
 */
struct redisconn *redisconn_new(const struct redisconn_params *params,
                                struct vigie_error *err) WARN_UNUSED;

/*
 * redisconn_set_sentinels - find the master through Redis Sentinels
 *	addresses: "host:port, ..." of the sentinels; master: the name
 *	they know the master by. Replaces the address given to
 *	redisconn_new. Returns 0, or -1 with err set (nothing changed).
 */
int redisconn_set_sentinels(struct redisconn *rc, const char *addresses, const char *master,
                            struct vigie_error *err) WARN_UNUSED;

/* redisconn_free - close and free; NULL is allowed */
void redisconn_free(struct redisconn *rc);

/*
 * redisconn_command - run one command (binary-safe arguments)
 *	Returns the reply (caller frees with freeReplyObject), or NULL with
 *	err set when Redis cannot be reached, the connection failed, or
 *	Redis answered with an error.
 */
redisReply *redisconn_command(struct redisconn *rc, int argc, const char **argv,
                              const size_t *argvlen, struct vigie_error *err) WARN_UNUSED;

/*
 * redisconn_run - run a command of NUL-terminated words, its reply discarded
 *	For commands whose reply does not matter (HSET, DEL, XADD, ...).
 *	Returns 0, or -1 with err set as redisconn_command.
 */
int redisconn_run(struct redisconn *rc, int argc, const char **argv,
                  struct vigie_error *err) WARN_UNUSED;

/*
 * redisconn_send - pipelining: queue one command and return at once
 *	Commands queued are written out together when a reply is next
 *	read: a batch of sends costs one write. Each reply is read by
 *	redisconn_receive, in order. Until all replies are read, only
 *	redisconn_send and redisconn_receive may be called (another
 *	command aborts: a bug). Returns 0, or -1 with
 *	err set (the connection is dropped, with the replies still due:
 *	send nothing more in this batch, or a new connection's replies
 *	would be read for the old commands).
 */
int redisconn_send(struct redisconn *rc, int argc, const char **argv, const size_t *argvlen,
                   struct vigie_error *err) WARN_UNUSED;

/* redisconn_receive - the reply to the oldest command sent; as redisconn_command */
redisReply *redisconn_receive(struct redisconn *rc, struct vigie_error *err) WARN_UNUSED;

/* redisconn_reset - drop the connection (and any reply still due); reconnect on next use */
void redisconn_reset(struct redisconn *rc);

/*
 * redisconn_eval - run a Lua script
 *	argv[0 .. REDISCONN_EVAL_HEAD-1] are filled in here (EVALSHA, the
 *	digest, the key count) and must point at nothing the caller needs;
 *	then come nkeys keys and the other arguments, argc slots in all.
 *	argvlen likewise. Returns as redisconn_command.
 */
redisReply *redisconn_eval(struct redisconn *rc, const struct redis_script *script,
                           int nkeys, int argc, const char **argv, size_t *argvlen,
                           struct vigie_error *err) WARN_UNUSED;

#endif
