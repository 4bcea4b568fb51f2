/*
 * NAME
 *	facts - the facts of a message, and the table of facts rules may test
 * SYNOPSIS
 *	#include "facts.h"
 *	#include "rules_internal.h"
 * DESCRIPTION
 *	facts_init() gives an empty struct message_facts. fact_table[]
 *	lists, one row per fact, the names that vigie.rules may test,
 *	their type and how to read them from a struct message_facts.
 *
 *	Adding a fact: one field in struct message_facts (facts.h), one
 *	getter below, one row in fact_table[], one entry in
 *	vigie.rules(5). An enumerated result (e.g. "pass", "fail") is a
 *	FACT_STRING with MATCH_TEXT; a count is a FACT_NUMBER.
 *
 *	Getters never modify the facts and never allocate; a NULL string
 *	where facts.h promises "" reads as "".
 */
#include <string.h>
#include <strings.h>

#include "domains.h"
#include "facts.h"
#include "rules_internal.h"

/* facts_init - every string "", every count 0, every flag false */
void facts_init(struct message_facts *facts)
{
    memset(facts, 0, sizeof(*facts));
    facts->client_addr = "";
    facts->client_name = "";
    facts->helo = "";
    facts->sasl_user = "";
    facts->sender = "";
}

/* one_value - the walk over a single-valued string fact */
static const char *one_value(const char *value, size_t *cursor)
{
    if (*cursor > 0)
        return NULL;
    *cursor = 1;
    return value != NULL ? value : "";
}

/* get_client_addr - the client address as Postfix gave it */
static const char *get_client_addr(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    (void)arg;
    return one_value(facts->client_addr, cursor);
}

/* get_client_ip - the parsed client address, when it parsed */
static bool get_client_ip(const struct message_facts *facts, struct netaddr *out)
{
    if (!facts->client_ip_known)
        return false;
    *out = facts->client_ip;
    return true;
}

/* get_client_name - the client's reverse name */
static const char *get_client_name(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    (void)arg;
    return one_value(facts->client_name, cursor);
}

/* get_helo - the HELO/EHLO name */
static const char *get_helo(const struct message_facts *facts, const char *arg,
                            size_t *cursor)
{
    (void)arg;
    return one_value(facts->helo, cursor);
}

/* get_sasl_user - the SASL login name */
static const char *get_sasl_user(const struct message_facts *facts, const char *arg,
                                 size_t *cursor)
{
    (void)arg;
    return one_value(facts->sasl_user, cursor);
}

/* get_authenticated - SASL login succeeded */
static bool get_authenticated(const struct message_facts *facts)
{
    return facts->authenticated;
}

/* get_trusted - client in trusted_networks */
static bool get_trusted(const struct message_facts *facts)
{
    return facts->trusted;
}

/* get_sender - the envelope sender */
static const char *get_sender(const struct message_facts *facts, const char *arg,
                              size_t *cursor)
{
    (void)arg;
    return one_value(facts->sender, cursor);
}

/* get_sender_domain - the envelope sender's domain */
static const char *get_sender_domain(const struct message_facts *facts, const char *arg,
                                     size_t *cursor)
{
    (void)arg;
    return one_value(address_domain(facts->sender != NULL ? facts->sender : ""), cursor);
}

/* get_rcpt - each envelope recipient */
static const char *get_rcpt(const struct message_facts *facts, const char *arg,
                            size_t *cursor)
{
    const char *rcpt;

    (void)arg;
    if (*cursor >= facts->recipient_count)
        return NULL;
    rcpt = facts->recipients[(*cursor)++];
    return rcpt != NULL ? rcpt : "";
}

/* get_rcpt_domain - each envelope recipient's domain */
static const char *get_rcpt_domain(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    const char *rcpt = get_rcpt(facts, arg, cursor);

    return rcpt != NULL ? address_domain(rcpt) : NULL;
}

/* get_rcpt_count - number of envelope recipients */
static double get_rcpt_count(const struct message_facts *facts)
{
    return (double)facts->recipient_count;
}

/* get_size - message size in bytes */
static double get_size(const struct message_facts *facts)
{
    return (double)facts->size;
}

/* get_header_count - number of header fields; 0 before the content is known */
static double get_header_count(const struct message_facts *facts)
{
    return (double)facts->header_count;
}

/* get_header - each value of the headers named arg, any case */
static const char *get_header(const struct message_facts *facts, const char *arg,
                              size_t *cursor)
{
    while (*cursor < facts->header_count) {
        const struct header_field *field = &facts->headers[(*cursor)++];

        if (field->name != NULL && strcasecmp(field->name, arg) == 0)
            return field->value != NULL ? field->value : "";
    }
    return NULL;
}

/* header_name_ok - RFC 5322 field name: printable ASCII but ':' */
static bool header_name_ok(const char *name)
{
    if (*name == '\0')
        return false;
    for (; *name != '\0'; name++)
        if (*name < 33 || *name > 126 || *name == ':')
            return false;
    return true;
}

static const struct fact_def fact_table[] = {
    {.name = "client_addr", .type = FACT_ADDRESS,
     .next_string = get_client_addr, .get_address = get_client_ip},
    {.name = "client_name", .type = FACT_STRING, .match = MATCH_DOMAIN,
     .next_string = get_client_name},
    {.name = "helo", .type = FACT_STRING, .match = MATCH_DOMAIN,
     .next_string = get_helo},
    {.name = "sasl_user", .type = FACT_STRING, .match = MATCH_TEXT,
     .next_string = get_sasl_user},
    {.name = "authenticated", .type = FACT_BOOL, .get_bool = get_authenticated},
    {.name = "trusted", .type = FACT_BOOL, .get_bool = get_trusted},
    {.name = "sender", .type = FACT_STRING, .match = MATCH_MAILBOX,
     .next_string = get_sender},
    {.name = "sender_domain", .type = FACT_STRING, .match = MATCH_DOMAIN,
     .next_string = get_sender_domain},
    {.name = "rcpt", .type = FACT_STRING, .match = MATCH_MAILBOX, .multi = true,
     .next_string = get_rcpt},
    {.name = "rcpt_domain", .type = FACT_STRING, .match = MATCH_DOMAIN, .multi = true,
     .next_string = get_rcpt_domain},
    {.name = "rcpt_count", .type = FACT_NUMBER, .get_number = get_rcpt_count},
    {.name = "size", .type = FACT_NUMBER, .get_number = get_size},
    {.name = "header_count", .type = FACT_NUMBER, .get_number = get_header_count},
    {.name = "header", .type = FACT_STRING, .match = MATCH_TEXT, .multi = true,
     .folded = true, .arg_name = "header name", .arg_ok = header_name_ok,
     .next_string = get_header},
};

/* fact_lookup - the table row named name, or NULL */
const struct fact_def *fact_lookup(const char *name)
{
    size_t i;

    for (i = 0; i < sizeof(fact_table) / sizeof(fact_table[0]); i++)
        if (strcmp(fact_table[i].name, name) == 0)
            return &fact_table[i];
    return NULL;
}

/* fact_type_name - "a boolean", "a number", "a string", "an address" for messages */
const char *fact_type_name(enum fact_type type)
{
    switch (type) {
    case FACT_BOOL:
        return "a boolean";
    case FACT_NUMBER:
        return "a number";
    case FACT_STRING:
        return "a string";
    case FACT_ADDRESS:
        return "an address";
    }
    return "?";
}
