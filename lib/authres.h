/*
 * NAME
 *	authres - Authentication-Results and Received-SPF header fields
 * SYNOPSIS
 *	#include "authres.h"
 * DESCRIPTION
 *	enum authres_result names the results of RFC 8601's registry; the
 *	SPF, DKIM and DMARC checks report in it, and the rules see its
 *	names ("pass", "fail", ...).
 *
 *	authres_format() writes the value of one Authentication-Results
 *	header field (RFC 8601) for our authserv-id; authres_received_spf()
 *	the value of a Received-SPF field (RFC 7208 9.1). Values taken from
 *	the message or the SMTP session (addresses, domains, HELO names)
 *	are written as RFC 8601 "pvalue"s: as they are when they are a
 *	plain token or address, otherwise as a quoted string in which
 *	every control character (CR and LF included) has become '?'. The
 *	only line breaks in the output are the folds this module adds
 *	("\n\t", the form libmilter takes for continuation lines).
 *
 *	authres_is_ours() tells whether an existing Authentication-Results
 *	field claims our authserv-id, so that the milter can remove it
 *	from inbound mail (RFC 8601 section 5, forgery protection).
 */
#ifndef VIGIE_AUTHRES_H
#define VIGIE_AUTHRES_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"

enum authres_result {
    AUTHRES_NONE,               /* no policy or signature to evaluate */
    AUTHRES_PASS,
    AUTHRES_FAIL,
    AUTHRES_SOFTFAIL,           /* SPF only */
    AUTHRES_NEUTRAL,            /* SPF only */
    AUTHRES_POLICY,             /* DKIM: valid, but not acceptable here */
    AUTHRES_TEMPERROR,          /* DNS trouble: a later try may succeed */
    AUTHRES_PERMERROR,          /* broken record or message */
};

/* authres_result_name - "none", "pass", ... ("permerror") */
const char *authres_result_name(enum authres_result result);

#define AUTHRES_MAX_PROPS 3

/* One property of a method result, e.g. smtp.mailfrom=user@example.org. */
struct authres_prop {
    const char *ptype;          /* "smtp", "header", "policy" */
    const char *property;       /* "mailfrom", "helo", "d", "s", "from" */
    const char *value;          /* from the message: rendered safely */
};

/* One "method=result" clause. Strings are borrowed. */
struct authres_method {
    const char *method;         /* "spf", "dkim", "dmarc": a token */
    enum authres_result result;
    const char *reason;         /* NULL, or text for reason="..." */
    struct authres_prop props[AUTHRES_MAX_PROPS];
    size_t prop_count;
};

/*
 * authres_format - the value of one Authentication-Results field
 *	"authserv-id; method=result props;\n\tmethod=result ...", or
 *	"authserv-id; none" when count is 0. Returns 0 with *value a new
 *	string (caller frees), or -1 with err set when a method name is
 *	not a token, prop_count is too large, or memory runs out.
 */
int authres_format(const char *authserv_id, const struct authres_method *methods,
                   size_t count, char **value, struct vigie_error *err) WARN_UNUSED;

/* The facts of one SPF evaluation, for Received-SPF. Strings borrowed. */
struct authres_spf {
    enum authres_result result;
    const char *identity;       /* "mailfrom" or "helo" */
    const char *client_ip;
    const char *envelope_from;  /* "" when the identity is helo */
    const char *helo;
    const char *receiver;       /* our host name */
    const char *problem;        /* NULL or why temperror/permerror/none */
};

/*
 * authres_received_spf - the value of a Received-SPF field
 *	"pass (receiver: comment) client-ip=...; envelope-from=...;
 *	helo=...; receiver=...; identity=...". Returns 0 with *value a new
 *	string (caller frees), or -1 with err set when memory runs out.
 */
int authres_received_spf(const struct authres_spf *spf, char **value,
                         struct vigie_error *err) WARN_UNUSED;

/*
 * authres_is_ours - does this Authentication-Results value claim our id
 *	value: the field body as received (comments and folding allowed).
 *	True when its authserv-id (a token or a quoted string, after any
 *	comments) equals ours, ignoring case, whatever follows it: a
 *	forged field need not be well-formed to be removed. An unclosed
 *	comment or quoted string before or in the id is not ours.
 */
bool authres_is_ours(const char *value, const char *authserv_id);

#endif
