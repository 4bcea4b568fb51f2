/*
 * NAME
 *	milter - vigie-milter's per-connection context and its users
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	libmilter runs each callback on any thread of its pool, so all
 *	state of one SMTP connection lives in a struct milter_conn kept
 *	with smfi_setpriv(): created at connect, freed at close. It holds
 *	a reference to the snapshot (config, rules, login map) that was
 *	current when the connection started, so a reload never changes
 *	the rules under a message.
 *
 *	The per-message part (struct milter_msg) is reset at MAIL FROM,
 *	end of message, abort and close.
 *
 *	Modules: milter_ctx.c (the context), milter_act.c (a verdict
 *	turned into milter actions and a log line), callbacks.c (the
 *	xxfi_* callbacks), main.c (start-up, signals, reload).
 */
#ifndef VIGIE_MILTER_H
#define VIGIE_MILTER_H

#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "facts.h"
#include "rules.h"
#include "snapshot.h"

#define VIGIE_VERSION "0.1"
#define MILTER_NAME "vigie-milter"

struct milter_msg {
    bool active;                /* MAIL FROM seen */
    bool failed;                /* an internal error: the fail policy decides at EOM */
    char *sender;               /* without <>; "" for the null sender */
    char **recipients;          /* accepted recipients, without <> */
    size_t rcpt_count;
    size_t rcpt_capacity;
    struct header_field *headers;   /* copies; name and value owned */
    size_t header_count;
    size_t header_capacity;
    unsigned long size;         /* header and body bytes */
    char queue_id[32];          /* "" until Postfix tells it */
};

struct milter_conn {
    struct snapshot *snap;      /* one reference, released at close */
    char client_addr[64];       /* text form, "" when unknown */
    struct netaddr client_ip;
    bool client_ip_known;
    bool trusted;
    char *client_name;          /* "unknown" when not resolved */
    char *helo;                 /* "" before HELO */
    char *sasl_user;            /* "" when not authenticated */
    bool failed;                /* a copy above failed: every message follows fail_policy */
    struct milter_msg msg;
};

/* The libmilter registration (callbacks.c). */
extern struct smfiDesc milter_desc;

/* milter_conn_new - a context holding snap's reference; NULL on allocation failure */
struct milter_conn *milter_conn_new(struct snapshot *snap) WARN_UNUSED;

/* milter_conn_free - release the context, its message and its snapshot; NULL allowed */
void milter_conn_free(struct milter_conn *conn);

/* milter_conn_set - replace *field with a copy of value; -1 on allocation failure */
int milter_conn_set(char **field, const char *value) WARN_UNUSED;

/* milter_msg_reset - forget the current message (free its copies) */
void milter_msg_reset(struct milter_msg *msg);

/* milter_msg_add_rcpt - copy a recipient in; -1 on allocation failure */
int milter_msg_add_rcpt(struct milter_msg *msg, const char *rcpt) WARN_UNUSED;

/* milter_msg_add_header - copy a header in; -1 on allocation failure */
int milter_msg_add_header(struct milter_msg *msg, const char *name,
                          const char *value) WARN_UNUSED;

/* milter_msg_find_header - the first value of header name (any case), or NULL */
const char *milter_msg_find_header(const struct milter_msg *msg, const char *name);

/* milter_conn_facts - fill facts from conn (pointers borrowed from conn) */
void milter_conn_facts(const struct milter_conn *conn, struct message_facts *facts);

/* milter_queue_id - the queue id for log lines: known id or "NOQUEUE" */
const char *milter_queue_id(const struct milter_conn *conn);

/*
 * milter_act_eom - evaluate the message and act on the verdict
 *	Evaluates the rules, edits headers, sets the reply, logs the
 *	summary line and returns what xxfi_eom must return. Internal
 *	errors follow the configured fail policy.
 */
sfsistat milter_act_eom(SMFICTX *ctx, struct milter_conn *conn);

/*
 * milter_log_summary - the one summary line of a message
 *	"QUEUEID: client=name[addr] sasl_user=U sender=<S> rcpts=N " then
 *	the caller's fields; sasl_user only when authenticated. warning
 *	selects msg_warn instead of msg_info.
 */
void milter_log_summary(const struct milter_conn *conn, bool warning,
                        const char *fmt, ...) PRINTF_LIKE(3, 4);

/*
 * milter_reply - smfi_setreply with text made safe
 *	'%' is doubled and control characters become spaces. When
 *	libmilter refuses the reply (a malformed code from the rules) a
 *	warning is logged and the MTA answers with its default text.
 */
void milter_reply(SMFICTX *ctx, const char *code, const char *status, const char *text);

#endif
