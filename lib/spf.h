/*
 * NAME
 *	spf - Sender Policy Framework (RFC 7208) for the HELO and MAIL FROM identities
 * SYNOPSIS
 *	#include "spf.h"
 * DESCRIPTION
 *	spf_check() evaluates one identity of one SMTP session with
 *	libspf2, on the DNS data of a struct dns_source (the resolver or
 *	a local zone, see dnszone.h), and reports one of the RFC 8601
 *	results none, pass, fail, softfail, neutral, temperror, permerror.
 *	DNS trouble is a result (temperror), never an error of the call.
 *
 *	The HELO identity is checked as "postmaster@HELO" when HELO is a
 *	domain name (an address literal or a bare word gives "none"). The
 *	MAIL FROM identity is the envelope sender; for the null sender it
 *	is "postmaster@HELO" (RFC 7208 2.4). libspf2 gives loopback
 *	clients (127.0.0.0/8, ::1) "pass" without looking at DNS.
 *
 *	vigie enforces RFC 7208 4.6.4 itself, because libspf2 counts DNS
 *	lookups per record (not across include:) and not void lookups at
 *	all: more than 10 terms that query DNS (a, mx, ptr, exists,
 *	include, redirect) or more than 2 of them that find nothing give
 *	permerror; once a limit is passed no further query is sent. A %{p}
 *	macro is counted as one more term. exp= explanations are never
 *	fetched (vigie does not show them to anyone). Each call has its
 *	own DNS time budget (settings->timeout_ms, see dnszone.h); when it
 *	runs out the result is temperror.
 *
 *	Known libspf2 1.2.10 defect: a %{dN} or %{lNr-} macro whose N
 *	covers every part of the name loses one character (shevek/libspf2
 *	issue #42); records that use such macros may evaluate wrongly.
 *
 *	Threads: each call builds and frees its own libspf2 server and
 *	request; only the dns_source is shared (see dnszone.h).
 */
#ifndef VIGIE_SPF_H
#define VIGIE_SPF_H

#include "authres.h"
#include "compiler.h"
#include "dnszone.h"
#include "error.h"

#define SPF_DEFAULT_TIMEOUT_MS 5000

/* Settings (from vigie.conf). */
struct spf_settings {
    unsigned timeout_ms;        /* DNS budget of one call; default SPF_DEFAULT_TIMEOUT_MS */
};

/* What the session told us. Strings are borrowed, never NULL. */
struct spf_request {
    const char *client_addr;    /* "192.0.2.1", "2001:db8::1", "::ffff:192.0.2.1" */
    const char *helo;           /* "" when none was given */
    const char *sender;         /* MAIL FROM without <>; "" for the null sender */
};

enum spf_identity {
    SPF_IDENTITY_HELO,
    SPF_IDENTITY_MAILFROM,
};

struct spf_result {
    enum authres_result result;
    char domain[256];           /* the domain evaluated, lower case; "" when none */
    char problem[128];          /* why temperror, permerror or none; "" otherwise */
};

/* spf_identity_name - "helo" or "mailfrom" (RFC 7208 9.1 identity=) */
const char *spf_identity_name(enum spf_identity identity);

/*
 * spf_setup - send libspf2's own messages to vigie's logger
 *	Call once at start-up, before threads. libspf2 calls its error
 *	handler only for internal inconsistencies; vigie then panics.
 */
void spf_setup(void);

/*
 * spf_check - evaluate one identity
 *	Returns 0 with *out filled, or -1 with err set when memory runs
 *	out (*out then says temperror).
 */
int spf_check(const struct dns_source *dns, const struct spf_settings *settings,
              enum spf_identity identity, const struct spf_request *req,
              struct spf_result *out, struct vigie_error *err) WARN_UNUSED;

#endif
