/*
 * NAME
 *	test_facts - unit tests for the authentication facts of lib/facts.c
 * DESCRIPTION
 *	The facts spf, spf_helo, dkim, dkim_domain, dkim_result "domain",
 *	dmarc, dmarc_policy, from_domain and dmarc_quarantine, tested as
 *	the rules see them: a one-rule ruleset per expression, evaluated
 *	on facts filled as authcheck_facts() fills them. Checked: empty
 *	facts, every fact's values, case rules, the multi-valued ones
 *	(any/none semantics, "none" for a domain without a signature,
 *	nothing when DKIM did not run) and the argument's errors.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"

static const struct dkim_fact sigs[] = {
    {"Example.NET", "pass"},
    {"lists.example.org", "fail"},
    {"example.net", "fail"},
};

/* auth_facts - a message that passed SPF, DKIM (one of two domains) and DMARC */
static void auth_facts(struct message_facts *f)
{
    facts_init(f);
    f->spf = "pass";
    f->spf_helo = "none";
    f->dkim = "pass";
    f->dkim_sigs = sigs;
    f->dkim_count = sizeof(sigs) / sizeof(sigs[0]);
    f->dmarc = "pass";
    f->dmarc_policy = "reject";
    f->from_domain = "example.net";
    f->dmarc_quarantine = "hold";
}

/* hits - does the rule "if EXPR" hit on f? */
static bool hits(const char *expr, const struct message_facts *f)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs;
    struct verdict v;
    char text[512];
    bool hit;

    snprintf(text, sizeof(text), "list partners = .example.net, example.net\n"
                                 "rule R if %s score 1\n", expr);
    if ((rs = rules_parse("t.rules", text, strlen(text), NULL, &err)) == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(rules_evaluate(rs, f, &v), 0);
    hit = v.hit_count == 1;
    verdict_free(&v);
    rules_free(rs);
    return hit;
}

/* test_empty - before any check ran every result is "" */
static void test_empty(void **state)
{
    static const char *const empty[] = {
        "spf == \"\"", "spf_helo == \"\"", "dkim == \"\"", "dmarc == \"\"",
        "dmarc_policy == \"\"", "from_domain == \"\"", "dmarc_quarantine == \"\"",
        "not dkim_domain exists", "not dkim_result \"example.net\" exists",
        "dkim_result \"example.net\" != \"none\"",
    };
    struct message_facts f;

    (void)state;
    facts_init(&f);
    for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++)
        if (!hits(empty[i], &f))
            fail_msg("does not hit on empty facts: %s", empty[i]);
}

/* test_values - each fact's value, and the case rules */
static void test_values(void **state)
{
    static const char *const hit[] = {
        "spf == \"pass\"", "spf_helo == \"none\"", "dkim == \"pass\"",
        "dmarc == \"pass\"", "dmarc_policy == \"reject\"", "dmarc_quarantine == \"hold\"",
        "from_domain == \"EXAMPLE.net\"", "from_domain in partners",
        "spf =~ /^pa/", "dmarc_policy != \"quarantine\"",
    };
    static const char *const miss[] = {
        "spf == \"PASS\"", "spf == \"fail\"", "dkim == \"fail\"", "dmarc == \"fail\"",
        "dmarc_policy == \"none\"", "from_domain == \"example.org\"",
    };
    struct message_facts f;

    (void)state;
    auth_facts(&f);
    for (size_t i = 0; i < sizeof(hit) / sizeof(hit[0]); i++)
        if (!hits(hit[i], &f))
            fail_msg("does not hit: %s", hit[i]);
    for (size_t i = 0; i < sizeof(miss) / sizeof(miss[0]); i++)
        if (hits(miss[i], &f))
            fail_msg("hits: %s", miss[i]);
}

/* test_dkim_domain - the domains of the signatures that passed, only */
static void test_dkim_domain(void **state)
{
    struct message_facts f;

    (void)state;
    auth_facts(&f);
    assert_true(hits("dkim_domain == \"example.net\"", &f));
    assert_true(hits("dkim_domain in partners", &f));
    assert_false(hits("dkim_domain == \"lists.example.org\"", &f));
    assert_true(hits("dkim_domain != \"lists.example.org\"", &f));
    assert_true(hits("dkim_domain exists", &f));
    f.dkim_count = 0;
    assert_false(hits("dkim_domain exists", &f));
}

/* test_dkim_result - per signing domain, any case; "none" when unsigned by it */
static void test_dkim_result(void **state)
{
    struct message_facts f;

    (void)state;
    auth_facts(&f);
    assert_true(hits("dkim_result \"example.net\" == \"pass\"", &f));
    assert_true(hits("dkim_result \"EXAMPLE.NET\" == \"fail\"", &f));  /* two signatures */
    assert_true(hits("dkim_result \"lists.example.org\" == \"fail\"", &f));
    assert_false(hits("dkim_result \"lists.example.org\" == \"pass\"", &f));
    assert_true(hits("dkim_result \"other.example\" == \"none\"", &f));
    assert_false(hits("dkim_result \"other.example\" == \"pass\"", &f));
    assert_false(hits("dkim_result \"example.net\" == \"none\"", &f));

    /* Verified, unsigned: every domain is "none". */
    f.dkim = "none";
    f.dkim_count = 0;
    assert_true(hits("dkim_result \"example.net\" == \"none\"", &f));
}

/* expect_parse_error - rule text must fail with message */
static void expect_parse_error(const char *text, const char *message)
{
    struct vigie_error err = {{0}};

    if (rules_parse("t.rules", text, strlen(text), NULL, &err) != NULL)
        fail_msg("accepted: %s", text);
    assert_string_equal(err.msg, message);
}

/* test_arg_errors - dkim_result needs a domain name in quotes */
static void test_arg_errors(void **state)
{
    (void)state;
    expect_parse_error("rule R if dkim_result \"not a domain\" == \"pass\" score 1",
                       "t.rules:1:23: bad domain name \"not a domain\"");
    expect_parse_error("rule R if dkim_result \"example.net.\" == \"pass\" score 1",
                       "t.rules:1:23: bad domain name \"example.net.\"");
    expect_parse_error("rule R if dkim_result == \"pass\" score 1",
                       "t.rules:1:23: expected a domain name in quotes after dkim_result,"
                       " found '=='");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_dkim_domain),
        cmocka_unit_test(test_dkim_result),
        cmocka_unit_test(test_arg_errors),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
