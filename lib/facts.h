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
};

/* facts_init - every string "", every count 0, every flag false */
void facts_init(struct message_facts *facts);

#endif
