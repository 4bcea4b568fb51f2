/*
 * NAME
 *	facts - what is known about one message (or one policy request)
 * SYNOPSIS
 *	#include "facts.h"
 * DESCRIPTION
 *	The protocol adapters (milter/, policy/) fill a struct
 *	message_facts; checks add their results to it; the rules engine
 *	reads it. Nothing here knows a wire protocol.
 *
 *	Ownership: every pointer is borrowed from the adapter, which keeps
 *	the strings alive until the verdict has been acted on. Strings are
 *	NUL-terminated and never NULL ("" when unknown), except where
 *	noted.
 *
 *	Facts seen by rules (the names used in vigie.rules) are declared
 *	in one table in facts.c: adding a fact is one field here, one
 *	getter and one table row there.
 */
#ifndef VIGIE_FACTS_H
#define VIGIE_FACTS_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "netaddr.h"

struct header_field {
    const char *name;           /* as received, e.g. "Subject" */
    const char *value;          /* unfolded is not guaranteed; may hold "\r\n\t" folds */
};

/* One verified DKIM signature, as the rules see it. */
struct dkim_fact {
    const char *domain;         /* d= */
    const char *result;         /* "pass", "fail", "policy", "temperror", "permerror" */
};

struct message_facts {
    /* connection */
    const char *client_addr;    /* text as given by Postfix */
    struct netaddr client_ip;   /* parsed client_addr */
    bool client_ip_known;       /* false when client_addr did not parse */
    const char *client_name;    /* reverse name, or "unknown" */
    const char *helo;
    bool authenticated;         /* SASL login (or XCLIENT LOGIN) succeeded */
    const char *sasl_user;      /* "" when not authenticated */
    bool trusted;               /* client in trusted_networks */

    /* envelope */
    const char *sender;         /* without <>; "" for the null sender */
    const char *const *recipients;  /* without <> */
    size_t recipient_count;

    /* content; header_count 0 and size 0 before the data phase */
    const struct header_field *headers;
    size_t header_count;
    unsigned long size;         /* bytes of header and body */

    /*
     * Authentication (authcheck.h): RFC 8601 result names, "" when the
     * check did not run (turned off, an authenticated or trusted
     * client, or too early: DKIM and DMARC are known at end of message).
     */
    const char *spf;            /* MAIL FROM identity */
    const char *spf_helo;       /* HELO identity */
    const char *dkim;           /* the best of the signatures; "none" when unsigned */
    const struct dkim_fact *dkim_sigs;  /* each signature verified */
    size_t dkim_count;
    const char *dmarc;
    const char *dmarc_policy;   /* policy to apply, after pct=; "" without a record */
    const char *from_domain;    /* the RFC5322.From domain; "" when none was found */
    const char *dmarc_quarantine;       /* vigie.conf: "hold" or "score" */

    /*
     * Signals of the SASL user over signal_window (rules_limits.h),
     * this message included; 0 when not known (no SASL user, Redis
     * down, signal_window off).
     */
    unsigned long sasl_rcpt_domains;    /* distinct recipient domains */
    unsigned long sasl_client_addrs;    /* distinct client addresses */

    /*
     * Bayes spam probability, 0 (ham) to 1 (spam); NAN when unknown:
     * Bayes off or skipped (Redis down), too few learnt messages, or
     * before the end of the message. Rules treat NAN as unknown.
     */
    double bayes;
};

/* facts_init - every string "", every count 0, every flag false, bayes NAN */
void facts_init(struct message_facts *facts);

#endif
