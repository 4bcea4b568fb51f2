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
 *	Header values. vigie negotiates SMFIP_HDR_LEADSPC when the MTA
 *	offers it (Postfix does), so that header values arrive exactly as
 *	received, the white space after the colon included: DKIM's
 *	"simple" canonicalisation needs it. Each header is kept twice, as
 *	received (for DKIM) and without that one leading space (for the
 *	rules, as libmilter would give it otherwise). With
 *	SMFIP_HDR_LEADSPC the MTA also expects vigie's own header values
 *	to carry their leading space: milter_hdr.c adds it.
 *
 *	Modules: milter_ctx.c (the context), milter_act.c (a verdict
 *	turned into milter actions and a log line), milter_auth.c (the
 *	SPF, DKIM and DMARC checks fed and their header fields written),
 *	milter_hdr.c (header edits), milter_bayes.c (the Bayes classifier
 *	fed and consulted), milter_redis.c (each worker thread's Redis
 *	connection), callbacks.c (the xxfi_* callbacks), main.c (start-up,
 *	signals, reload).
 */
#ifndef VIGIE_MILTER_H
#define VIGIE_MILTER_H

#include <libmilter/mfapi.h>
#include <stdbool.h>
#include <stddef.h>

#include "authcheck.h"
#include "compiler.h"
#include "daemon.h"
#include "facts.h"
#include "rules.h"
#include "snapshot.h"

#define MILTER_NAME "vigie-milter"

struct milter_msg {
    bool active;                /* MAIL FROM seen */
    bool failed;                /* an internal error: the fail policy decides at EOM */
    char *sender;               /* without <>; "" for the null sender */
    char **recipients;          /* accepted recipients, without <> */
    size_t rcpt_count;
    size_t rcpt_capacity;
    struct header_field *headers;   /* for the rules: values without the leading space */
    struct header_field *received;  /* the same fields as received; owns the copies */
    size_t header_count;
    size_t header_capacity;         /* of both arrays */
    unsigned long size;         /* header and body bytes */
    char queue_id[32];          /* "" until Postfix tells it */
    struct authcheck auth;      /* SPF, DKIM and DMARC; begun at MAIL FROM */
    struct milter_bayes *bayes; /* Bayes (milter_bayes.h); NULL until used */
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
    bool leadspc;               /* SMFIP_HDR_LEADSPC negotiated: see DESCRIPTION */
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

/*
 * milter_msg_add_header - copy a header in; -1 on allocation failure
 *	leadspc: value comes with its leading white space (see DESCRIPTION).
 */
int milter_msg_add_header(struct milter_msg *msg, const char *name, const char *value,
                          bool leadspc) WARN_UNUSED;

/* milter_msg_find_header - the first value of header name (any case), or NULL */
const char *milter_msg_find_header(const struct milter_msg *msg, const char *name);

/* milter_conn_facts - fill facts from conn and its checks (pointers borrowed from conn) */
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
 * milter_auth_mail - SPF at MAIL FROM (inbound mail); begins the checks
 *	Call once the sender is known. Problems are logged; never fails.
 */
void milter_auth_mail(struct milter_conn *conn);

/* milter_auth_eoh - the header is complete: DKIM signs or verifies it */
void milter_auth_eoh(struct milter_conn *conn);

/* milter_auth_body - a body chunk for DKIM */
void milter_auth_body(struct milter_conn *conn, const unsigned char *chunk, size_t len);

/* milter_auth_eom - end of message: DKIM results or signature, DMARC */
void milter_auth_eom(struct milter_conn *conn);

/*
 * milter_auth_headers - the checks' header edits, at end of message
 *	Removes Authentication-Results fields that claim our authserv_id,
 *	then inserts at the top DKIM-Signature, Received-SPF and
 *	Authentication-Results as the checks produced them. Returns 0, or
 *	-1 when memory ran out or the MTA refused an edit.
 */
int milter_auth_headers(SMFICTX *ctx, const struct milter_conn *conn) WARN_UNUSED;

/*
 * milter_hdr_add, milter_hdr_insert, milter_hdr_change - header edits
 *	smfi_addheader, smfi_insheader and smfi_chgheader, with the
 *	leading space the MTA expects when SMFIP_HDR_LEADSPC was
 *	negotiated. A NULL value for milter_hdr_change deletes the field.
 *	Return 0, or -1 when memory ran out or libmilter refused.
 */
int milter_hdr_add(SMFICTX *ctx, const struct milter_conn *conn, const char *name,
                   const char *value) WARN_UNUSED;
int milter_hdr_insert(SMFICTX *ctx, const struct milter_conn *conn, int index,
                      const char *name, const char *value) WARN_UNUSED;
int milter_hdr_change(SMFICTX *ctx, const struct milter_conn *conn, const char *name,
                      int index, const char *value) WARN_UNUSED;

/*
 * milter_reply - smfi_setreply with text made safe
 *	'%' is doubled and control characters become spaces. When
 *	libmilter refuses the reply (a malformed code from the rules) a
 *	warning is logged and the MTA answers with its default text.
 */
void milter_reply(SMFICTX *ctx, const char *code, const char *status, const char *text);

#endif
