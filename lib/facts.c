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
#include <math.h>
#include <string.h>
#include <strings.h>

#include "dnszone.h"
#include "domains.h"
#include "facts.h"
#include "rules_internal.h"

/* facts_init - every string "", every count 0, every flag false, bayes NAN */
void facts_init(struct message_facts *facts)
{
    memset(facts, 0, sizeof(*facts));
    facts->client_addr = "";
    facts->client_name = "";
    facts->helo = "";
    facts->sasl_user = "";
    facts->sender = "";
    facts->spf = "";
    facts->spf_helo = "";
    facts->dkim = "";
    facts->dmarc = "";
    facts->dmarc_policy = "";
    facts->from_domain = "";
    facts->dmarc_quarantine = "";
    facts->bayes = NAN;
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

/* get_spf - the SPF result of the MAIL FROM identity */
static const char *get_spf(const struct message_facts *facts, const char *arg, size_t *cursor)
{
    (void)arg;
    return one_value(facts->spf, cursor);
}

/* get_spf_helo - the SPF result of the HELO identity */
static const char *get_spf_helo(const struct message_facts *facts, const char *arg,
                                size_t *cursor)
{
    (void)arg;
    return one_value(facts->spf_helo, cursor);
}

/* get_dkim - the best DKIM result of the message */
static const char *get_dkim(const struct message_facts *facts, const char *arg,
                            size_t *cursor)
{
    (void)arg;
    return one_value(facts->dkim, cursor);
}

/* get_dkim_domain - the d= of each signature that passed */
static const char *get_dkim_domain(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    (void)arg;
    while (*cursor < facts->dkim_count) {
        const struct dkim_fact *sig = &facts->dkim_sigs[(*cursor)++];

        if (sig->result != NULL && strcmp(sig->result, "pass") == 0)
            return sig->domain != NULL ? sig->domain : "";
    }
    return NULL;
}

/* signed_by - does the message carry a signature of domain? */
static bool signed_by(const struct message_facts *facts, const char *domain)
{
    for (size_t i = 0; i < facts->dkim_count; i++)
        if (facts->dkim_sigs[i].domain != NULL
            && strcasecmp(facts->dkim_sigs[i].domain, domain) == 0)
            return true;
    return false;
}

/*
 * get_dkim_result - the result of each signature of domain arg
 *	"none" when the message has no signature of that domain; no value
 *	at all when DKIM did not verify the message. The cursor walks the
 *	signatures; "none" is the value at cursor dkim_count.
 */
static const char *get_dkim_result(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    if (facts->dkim == NULL || *facts->dkim == '\0')
        return NULL;
    while (*cursor < facts->dkim_count) {
        const struct dkim_fact *sig = &facts->dkim_sigs[(*cursor)++];

        if (sig->domain != NULL && strcasecmp(sig->domain, arg) == 0)
            return sig->result != NULL ? sig->result : "";
    }
    if (*cursor > facts->dkim_count || signed_by(facts, arg))
        return NULL;
    (*cursor)++;
    return "none";
}

/* get_dmarc - the DMARC result */
static const char *get_dmarc(const struct message_facts *facts, const char *arg,
                             size_t *cursor)
{
    (void)arg;
    return one_value(facts->dmarc, cursor);
}

/* get_dmarc_policy - the From domain's policy for this message */
static const char *get_dmarc_policy(const struct message_facts *facts, const char *arg,
                                    size_t *cursor)
{
    (void)arg;
    return one_value(facts->dmarc_policy, cursor);
}

/* get_from_domain - the domain of the From header field */
static const char *get_from_domain(const struct message_facts *facts, const char *arg,
                                   size_t *cursor)
{
    (void)arg;
    return one_value(facts->from_domain, cursor);
}

/* get_dmarc_quarantine - what vigie.conf says to do under p=quarantine */
static const char *get_dmarc_quarantine(const struct message_facts *facts, const char *arg,
                                        size_t *cursor)
{
    (void)arg;
    return one_value(facts->dmarc_quarantine, cursor);
}

/* get_sasl_rcpt_domains - distinct recipient domains of the SASL user lately */
static double get_sasl_rcpt_domains(const struct message_facts *facts)
{
    return (double)facts->sasl_rcpt_domains;
}

/* get_sasl_client_addrs - distinct client addresses of the SASL user lately */
static double get_sasl_client_addrs(const struct message_facts *facts)
{
    return (double)facts->sasl_client_addrs;
}

/* get_bayes - the Bayes spam probability; NAN (unknown) when Bayes gave none */
static double get_bayes(const struct message_facts *facts)
{
    return facts->bayes;
}

/* domain_arg_ok - a domain name for dkim_result */
static bool domain_arg_ok(const char *arg)
{
    return dns_name_valid(arg);
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
    {.name = "spf", .type = FACT_STRING, .match = MATCH_TEXT, .next_string = get_spf},
    {.name = "spf_helo", .type = FACT_STRING, .match = MATCH_TEXT,
     .next_string = get_spf_helo},
    {.name = "dkim", .type = FACT_STRING, .match = MATCH_TEXT, .next_string = get_dkim},
    {.name = "dkim_domain", .type = FACT_STRING, .match = MATCH_DOMAIN, .multi = true,
     .next_string = get_dkim_domain},
    {.name = "dkim_result", .type = FACT_STRING, .match = MATCH_TEXT, .multi = true,
     .arg_name = "domain name", .arg_ok = domain_arg_ok, .next_string = get_dkim_result},
    {.name = "dmarc", .type = FACT_STRING, .match = MATCH_TEXT, .next_string = get_dmarc},
    {.name = "dmarc_policy", .type = FACT_STRING, .match = MATCH_TEXT,
     .next_string = get_dmarc_policy},
    {.name = "from_domain", .type = FACT_STRING, .match = MATCH_DOMAIN,
     .next_string = get_from_domain},
    {.name = "dmarc_quarantine", .type = FACT_STRING, .match = MATCH_TEXT,
     .next_string = get_dmarc_quarantine},
    {.name = "sasl_rcpt_domains", .type = FACT_NUMBER, .get_number = get_sasl_rcpt_domains},
    {.name = "sasl_client_addrs", .type = FACT_NUMBER, .get_number = get_sasl_client_addrs},
    {.name = "bayes", .type = FACT_NUMBER, .get_number = get_bayes},
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
