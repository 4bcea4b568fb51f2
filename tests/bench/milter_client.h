/*
 * NAME
 *	milter_client - the MTA side of a milter conversation, as Postfix holds it
 * SYNOPSIS
 *	#include "milter_client.h"
 * DESCRIPTION
 *	Plays one Postfix smtpd/cleanup pair talking to one milter, with
 *	milter protocol version 6 and the events, macros and framing of
 *	Postfix 3.7's milter8.c:
 *
 *	session    connect; SMFIC_OPTNEG offering every version 6 action
 *	           and event flag; the milter's macro lists
 *	           (SMFIR_SETSYMLIST) replace Postfix's defaults stage by
 *	           stage; SMFIC_CONNECT; SMFIC_HELO.
 *	message    SMFIC_MAIL, SMFIC_RCPT, SMFIC_DATA, one SMFIC_HEADER
 *	           per field, SMFIC_EOH, SMFIC_BODY chunks of at most
 *	           65535 bytes, SMFIC_BODYEOB; each preceded by its
 *	           SMFIC_MACRO packet; events the milter declined
 *	           (SMFIP_NO*) are not sent and replies it declined
 *	           (SMFIP_NR_*) are not awaited; SMFIR_SKIP stops events
 *	           of its kind. Then SMFIC_ABORT, as Postfix's mail_reset().
 *	end        SMFIC_QUIT and close.
 *
 *	A final reply (accept, reject, tempfail, discard, reply code) ends
 *	the message early as it would in Postfix; one given to CONNECT or
 *	HELO, or SMFIR_SHUTDOWN, ends the session too. Replies are checked:
 *	a malformed or unexpected one, an edit the milter did not
 *	negotiate, a timeout or a closed socket is an error for the
 *	message and closes the connection; it never stops the program.
 *
 *	The queue id macro "i" is sent once the first recipient was
 *	accepted, as with Postfix's smtpd_delay_open_until_valid_rcpt.
 */
#ifndef VIGIE_MILTER_CLIENT_H
#define VIGIE_MILTER_CLIENT_H

#include <stdbool.h>
#include <stdint.h>

#include "bench_corpus.h"
#include "compiler.h"
#include "error.h"
#include "milter_wire.h"

#define CLIENT_MACRO_STAGES 7   /* SMFIM_CONNECT .. SMFIM_EOH */

/* The final outcome of one message, as the MTA would act on it. */
enum verdict {
    VERDICT_ACCEPT,             /* SMFIR_ACCEPT */
    VERDICT_CONTINUE,           /* SMFIR_CONTINUE to the end of the message */
    VERDICT_REJECT,             /* SMFIR_REJECT, or a 5xx SMFIR_REPLYCODE */
    VERDICT_TEMPFAIL,           /* SMFIR_TEMPFAIL, SMFIR_SHUTDOWN, a 4xx SMFIR_REPLYCODE */
    VERDICT_QUARANTINE,         /* SMFIR_QUARANTINE, then accept or continue */
    VERDICT_DISCARD,            /* SMFIR_DISCARD */
    VERDICT_ERROR,              /* no verdict: see the error */
    VERDICT_COUNT
};

/* Message edits requested at end of message, counted. */
enum edit {
    EDIT_ADDHEADER,             /* SMFIR_ADDHEADER */
    EDIT_CHGHEADER,             /* SMFIR_CHGHEADER */
    EDIT_INSHEADER,             /* SMFIR_INSHEADER */
    EDIT_CHGFROM,               /* SMFIR_CHGFROM */
    EDIT_ADDRCPT,               /* SMFIR_ADDRCPT, SMFIR_ADDRCPT_PAR */
    EDIT_DELRCPT,               /* SMFIR_DELRCPT */
    EDIT_REPLBODY,              /* SMFIR_REPLBODY */
    EDIT_COUNT
};

extern const char *const verdict_names[VERDICT_COUNT];
extern const char *const edit_names[EDIT_COUNT];

struct client_result {
    enum verdict verdict;
    int stage;                  /* the SMFIC_* event whose reply decided */
    unsigned edits[EDIT_COUNT];
    unsigned progress;          /* SMFIR_PROGRESS replies seen */
    char queue_id[16];          /* the "i" macro of this message */
    char reply[128];            /* SMFIR_REPLYCODE text (first line), else "" */
};

/* The simulated SMTP client and Postfix host; shared read-only by threads. */
struct client_env {
    const struct wire_target *target;
    unsigned timeout_ms;        /* each connect, read and write */
    const char *myhostname;     /* macros j, {daemon_name} */
    const char *client_name;    /* "unknown" when the address has no name */
    const char *client_addr;    /* IPv4 or IPv6 text */
    unsigned client_port;
    const char *helo;
    const char *sender;         /* envelope sender, no brackets; "" = null sender */
    const char *recipient;      /* envelope recipient, no brackets */
    const char *auth_login;     /* SASL login ({auth_authen}); "" = none */
};

/* One milter connection; used by one thread at a time. */
struct client {
    const struct client_env *env;
    struct wire wire;
    bool in_session;            /* CONNECT and HELO done, connection open */
    uint32_t version;           /* negotiated with the milter */
    uint32_t actions;           /* SMFIF_* the milter may use */
    uint32_t events;            /* SMFIP_* the milter asked for */
    int skip_event;             /* SMFIC_* to skip after SMFIR_SKIP, or 0 */
    bool quarantined;           /* this message got SMFIR_QUARANTINE */
    bool drop_session;          /* the milter ended the session (connect-stage verdict, shutdown) */
    char *macro_lists[CLIENT_MACRO_STAGES];     /* from the milter; NULL = default */
    unsigned id;                /* distinguishes the queue ids of threads */
    unsigned long seq;          /* messages sent, for queue ids */
    bool have_queue_id;         /* "i" is defined (a recipient was accepted) */
    char queue_id[16];
};

/* client_init - a client with no connection yet (no allocation) */
void client_init(struct client *c, const struct client_env *env, unsigned id);

/*
 * client_message - send one message, opening a session first when none
 *	is open. Returns 0 with res filled (verdict other than
 *	VERDICT_ERROR), or -1 with err set and res->verdict VERDICT_ERROR
 *	(the connection is then closed). After a final reply to CONNECT
 *	or HELO, or SMFIR_SHUTDOWN, the session is closed as well.
 */
int client_message(struct client *c, const struct bench_msg *msg,
                   struct client_result *res, struct vigie_error *err) WARN_UNUSED;

/* client_end_session - SMFIC_QUIT (when a session is open), then close */
void client_end_session(struct client *c);

/* client_free - end the session and release everything */
void client_free(struct client *c);

#endif
