/*
 * NAME
 *	fuzz_rules - libFuzzer target for the vigie.rules parser
 * DESCRIPTION
 *	Feeds arbitrary bytes to rules_parse(); a ruleset that parses is
 *	evaluated once against fixed facts (folded headers, several
 *	recipients), then freed. Relative list files are looked up in a
 *	directory that does not exist, so that the fuzzer does not wander
 *	the file system (absolute paths still work: only regular files
 *	are read, bounded). Any crash, leak, hang or undefined behaviour
 *	is a bug; a refused input is not.
 */
#include <stddef.h>
#include <stdint.h>

#include "rules.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* evaluate - run a parsed ruleset on fixed facts */
static void evaluate(const struct ruleset *rules)
{
    static const char *const recipients[] = {"a@example.org", "B@Example.NET", ""};
    static const struct header_field headers[] = {
        {"Subject", "Hello\r\n\tworld"},
        {"subject", ""},
        {"From", "Someone <someone@example.com>"},
        {"X-Folded", "a\n b\r\n c"},
    };
    struct message_facts facts;
    struct verdict verdict;

    facts_init(&facts);
    facts.client_addr = "192.0.2.1";
    facts.client_ip_known = netaddr_parse(facts.client_addr, &facts.client_ip) == 0;
    facts.client_name = "host.example.com";
    facts.helo = "[192.0.2.1]";
    facts.sender = "someone@example.com";
    facts.recipients = recipients;
    facts.recipient_count = sizeof(recipients) / sizeof(recipients[0]);
    facts.headers = headers;
    facts.header_count = sizeof(headers) / sizeof(headers[0]);
    facts.size = 12345;
    if (rules_evaluate(rules, &facts, &verdict) == 0)
        verdict_free(&verdict);
}

/* LLVMFuzzerTestOneInput - one input, one parse */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct vigie_error err;
    struct ruleset *rules;

    rules = rules_parse("fuzz.rules", (const char *)data, size, "/nonexistent/vigie-fuzz",
                        &err);
    if (rules != NULL)
        evaluate(rules);
    rules_free(rules);
    return 0;
}
