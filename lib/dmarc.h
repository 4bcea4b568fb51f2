/*
 * NAME
 *	dmarc - DMARC (RFC 7489): identifier alignment and the sender domain's policy
 * SYNOPSIS
 *	#include "dmarc.h"
 * DESCRIPTION
 *	dmarc_check() takes the From header field(s) of a message and the
 *	SPF and DKIM results, finds the DMARC record of the From domain
 *	(or of its organisational domain) in DNS through a dns_source
 *	(see dnszone.h), checks identifier alignment and reports:
 *
 *	- result: pass (an aligned SPF or DKIM pass), fail, none (no
 *	  record, no From domain, or several records), temperror (DNS
 *	  trouble while looking for the record, or no aligned pass but an
 *	  aligned identifier with a temporary error), permerror (an
 *	  invalid record, several From fields, several From domains);
 *	- published: the p= (or, for a subdomain whose record was found at
 *	  the organisational domain, the sp=) policy;
 *	- policy: what to do with a message that fails, after pct=: a
 *	  message outside the sample gets the next milder policy (reject
 *	  becomes quarantine, quarantine becomes none; RFC 7489 6.6.4).
 *
 *	The organisational domain comes from the public suffix list
 *	(Debian's publicsuffix package, read with libpsl; both its ICANN
 *	and private sections, as OpenDMARC does). A loaded list is
 *	read-only and shared by every thread.
 */
#ifndef VIGIE_DMARC_H
#define VIGIE_DMARC_H

#include <stdbool.h>
#include <stddef.h>

#include "authres.h"
#include "compiler.h"
#include "dnszone.h"
#include "error.h"

#define DMARC_DEFAULT_PSL "/usr/share/publicsuffix/public_suffix_list.dat"
#define DMARC_DEFAULT_TIMEOUT_MS 5000

struct dmarc_psl;

/* dmarc_psl_load - read the public suffix list; NULL with err set */
struct dmarc_psl *dmarc_psl_load(const char *path, struct vigie_error *err) WARN_UNUSED;

/* dmarc_psl_free - release the list; NULL is allowed */
void dmarc_psl_free(struct dmarc_psl *psl);

/*
 * dmarc_org_domain - the organisational domain (RFC 7489 3.2), lower case
 *	A domain that is itself a public suffix is its own organisational
 *	domain. Returns 0, or -1 when domain is not a domain name or does
 *	not fit in len.
 */
int dmarc_org_domain(const struct dmarc_psl *psl, const char *domain,
                     char *out, size_t len) WARN_UNUSED;

enum dmarc_from_status {
    DMARC_FROM_FOUND,           /* one domain, in out */
    DMARC_FROM_ABSENT,          /* no mailbox with a domain */
    DMARC_FROM_INVALID,         /* not one From field, unparsable, several domains */
};

/*
 * dmarc_from_domain - the RFC5322.From domain, lower case
 *	values: the body of each From header field, as received (comments,
 *	quoted strings, folding and several mailboxes are understood).
 *	Several mailboxes of one domain give that domain. *problem gets a
 *	static text unless the status is DMARC_FROM_FOUND.
 */
enum dmarc_from_status dmarc_from_domain(const char *const *values, size_t count,
                                         char *out, size_t len, const char **problem);

enum dmarc_policy {
    DMARC_POLICY_NONE,
    DMARC_POLICY_QUARANTINE,
    DMARC_POLICY_REJECT,
};

/* dmarc_policy_name - "none", "quarantine" or "reject" */
const char *dmarc_policy_name(enum dmarc_policy policy);

/* A DMARC policy record (RFC 7489 6.3); unknown tags are ignored. */
struct dmarc_record {
    enum dmarc_policy p;
    enum dmarc_policy sp;       /* p when there is no valid sp= */
    unsigned pct;               /* 0..100, default 100 */
    bool strict_dkim;           /* adkim=s */
    bool strict_spf;            /* aspf=s */
};

/*
 * dmarc_record_parse - one TXT record
 *	Returns 0 for a valid record, 1 when text is not a DMARC record
 *	(it does not start with v=DMARC1), -1 when it is an invalid one
 *	(*problem then says why; a static text).
 */
int dmarc_record_parse(const char *text, struct dmarc_record *rec, const char **problem);

/* An authenticated identifier: SPF's MAIL FROM domain or a DKIM d=. */
struct dmarc_identity {
    const char *domain;
    enum authres_result result;
};

/* What dmarc_check() looks at. Strings are borrowed. */
struct dmarc_input {
    const char *const *from;    /* the body of each From header field */
    size_t from_count;
    struct dmarc_identity spf;  /* domain SPF evaluated for MAIL FROM (HELO's for <>) */
    const struct dmarc_identity *dkim;  /* one per DKIM signature */
    size_t dkim_count;
    unsigned sample;            /* uniform 0..99, compared with pct= (dmarc_sample()) */
};

struct dmarc_settings {
    unsigned timeout_ms;        /* DNS budget of one check; default DMARC_DEFAULT_TIMEOUT_MS */
};

struct dmarc_result {
    enum authres_result result; /* none pass fail temperror permerror */
    char from_domain[256];      /* header.from; "" when there is none */
    char record_domain[256];    /* where the record was found; "" when none */
    enum dmarc_policy published;
    enum dmarc_policy policy;   /* published, after pct= */
    unsigned pct;
    bool spf_aligned;           /* an SPF pass aligned with From */
    bool dkim_aligned;          /* a DKIM pass aligned with From */
    char problem[128];          /* why none, temperror or permerror; "" otherwise */
};

/* dmarc_sample - a uniform random number 0..99 for dmarc_input.sample */
unsigned dmarc_sample(void);

/*
 * dmarc_check - evaluate DMARC for one message
 *	Returns 0 with *out filled, or -1 with err set when memory runs
 *	out (*out then says temperror).
 */
int dmarc_check(const struct dns_source *dns, const struct dmarc_psl *psl,
                const struct dmarc_settings *settings, const struct dmarc_input *in,
                struct dmarc_result *out, struct vigie_error *err) WARN_UNUSED;

#endif
