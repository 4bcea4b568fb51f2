/*
 * NAME
 *	authcheck - SPF, DKIM and DMARC on one message, in SMTP order
 * SYNOPSIS
 *	#include "authcheck.h"
 * DESCRIPTION
 *	A struct authcheck runs the authentication checks of one message
 *	as its parts arrive, and knows nothing of any wire protocol:
 *
 *	authcheck_begin()	at MAIL FROM: which way the mail goes;
 *	authcheck_mail()	SPF, for the HELO and MAIL FROM identities;
 *	authcheck_eoh()		the header is known: DKIM starts, signing
 *				or verifying, and takes the header fields;
 *	authcheck_body()	each body chunk goes to DKIM (never buffered);
 *	authcheck_eom()		DKIM's results or signature, then DMARC;
 *	authcheck_facts()	the results, as rules facts;
 *	authcheck_headers()	the header fields to add;
 *	authcheck_reset()	the message is over.
 *
 *	Inbound mail (a client neither authenticated nor trusted) gets
 *	SPF (spf_enable), DKIM verification (dkim_verify) and DMARC
 *	(dmarc_enable). Outbound mail (authenticated or trusted) is signed
 *	when the DKIM signing table has a key for its From domain, and
 *	otherwise only verified (dkim_verify). What the checks read (DNS
 *	source, public suffix list, DKIM library and signing table) comes
 *	from the snapshot (snapshot.h).
 *
 *	Errors. A check that cannot complete (memory ran out, libopendkim
 *	failed) gets the result temperror, or leaves the message unsigned;
 *	the call then returns -1 with err set, for the caller to log, and
 *	the message goes on. DNS trouble and broken records or signatures
 *	are results, not errors.
 *
 *	Threads: a struct authcheck belongs to one message, used by one
 *	thread at a time; the snapshot data it reads is shared read-only.
 */
#ifndef VIGIE_AUTHCHECK_H
#define VIGIE_AUTHCHECK_H

#include <stdbool.h>
#include <stddef.h>

#include "authres.h"
#include "compiler.h"
#include "dkim.h"
#include "dmarc.h"
#include "error.h"
#include "facts.h"
#include "snapshot.h"
#include "spf.h"

enum authcheck_dkim {
    AUTHCHECK_DKIM_OFF,         /* neither signing nor verifying */
    AUTHCHECK_DKIM_VERIFY,
    AUTHCHECK_DKIM_SIGN,
};

/* The state of one message; fields are private to authcheck.c. */
struct authcheck {
    const struct snapshot *snap;
    bool inbound;
    struct spf_request session;         /* borrowed at authcheck_mail */
    bool spf_done;
    struct spf_result spf_helo;
    struct spf_result spf_mailfrom;
    const struct header_field *fields;  /* borrowed at authcheck_eoh */
    size_t field_count;
    char from_domain[256];
    enum authcheck_dkim dkim_mode;
    struct vdkim_msg *dkim;
    const struct vdkim_key *key;        /* signing */
    char *signature;                    /* DKIM-Signature value once signed */
    bool dkim_done;                     /* verification results known */
    bool dkim_broken;                   /* verification failed inside vigie */
    struct vdkim_results dkim_results;
    struct dkim_fact dkim_facts[VDKIM_MAX_SIGNATURES];
    bool dmarc_done;
    struct dmarc_result dmarc;
};

/* The header fields to add to the message; each NULL or a new string. */
struct authcheck_headers {
    char *auth_results;         /* Authentication-Results */
    char *received_spf;         /* Received-SPF */
    char *dkim_signature;       /* DKIM-Signature */
};

/*
 * authcheck_begin - a new message
 *	snap: borrowed for the life of the message. inbound: the client
 *	is neither authenticated nor trusted.
 */
void authcheck_begin(struct authcheck *ac, const struct snapshot *snap, bool inbound);

/*
 * authcheck_mail - SPF for the HELO and MAIL FROM identities
 *	Inbound mail only, when spf_enable is on. session: borrowed, its
 *	strings must stay valid until authcheck_reset(). Returns 0, or -1
 *	with err set (the identity that failed is temperror).
 */
int authcheck_mail(struct authcheck *ac, const struct spf_request *session,
                   struct vigie_error *err) WARN_UNUSED;

/*
 * authcheck_eoh - the header is complete: start DKIM
 *	fields: every header field in message order, each value exactly
 *	as received after the colon (leading white space kept, when the
 *	MTA sends it); borrowed, must stay valid and unchanged until
 *	authcheck_reset(). id names the message in libopendkim's
 *	messages. Returns 0, or -1 with err set when signing or
 *	verification could not start (signing is then abandoned; the
 *	verification result becomes temperror).
 */
int authcheck_eoh(struct authcheck *ac, const struct header_field *fields, size_t count,
                  const char *id, struct vigie_error *err) WARN_UNUSED;

/*
 * authcheck_body - one body chunk, CRLF line ends
 *	Returns 0, or -1 with err set when signing had to be abandoned.
 */
int authcheck_body(struct authcheck *ac, const void *chunk, size_t len,
                   struct vigie_error *err) WARN_UNUSED;

/*
 * authcheck_eom - end of message: DKIM results or signature, then DMARC
 *	Returns 0, or -1 with err set (see DESCRIPTION).
 */
int authcheck_eom(struct authcheck *ac, struct vigie_error *err) WARN_UNUSED;

/* authcheck_facts - the results into facts (pointers into ac); nothing before begin */
void authcheck_facts(const struct authcheck *ac, struct message_facts *facts);

/*
 * authcheck_headers - the header field values to add
 *	Authentication-Results when a check ran (SPF, DKIM verification
 *	or DMARC), Received-SPF when SPF ran and received_spf_header is
 *	on, DKIM-Signature when the message was signed. Values are folded
 *	with "\n\t" and carry no CR or LF from the message. Returns 0 with
 *	*out filled (free with authcheck_headers_free), or -1 with err set
 *	and *out empty.
 */
int authcheck_headers(const struct authcheck *ac, struct authcheck_headers *out,
                      struct vigie_error *err) WARN_UNUSED;

/* authcheck_headers_free - release the values; *out is empty afterwards */
void authcheck_headers_free(struct authcheck_headers *out);

/*
 * authcheck_summary - the results for the log line
 *	"spf=pass spf_helo=none dkim=pass dmarc=pass", "dkim=signed
 *	d=example.org s=sel", ...: only the checks that ran; "" when none
 *	did. Truncated to fit len.
 */
void authcheck_summary(const struct authcheck *ac, char *buf, size_t len);

/* authcheck_reset - forget the message and free what it held */
void authcheck_reset(struct authcheck *ac);

#endif
