/*
 * NAME
 *	test_rules_eval - unit tests for the evaluation of vigie.rules
 * DESCRIPTION
 *	Every fact and operator, multi-valued any/none semantics, case
 *	rules, numbers with suffixes, header lookup (folded values,
 *	missing headers), list matching, forced actions, thresholds,
 *	required, the order of hits, short-circuit evaluation, allocation
 *	failure and concurrent evaluation of one ruleset.
 */
#include <limits.h>
#include <math.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "rules.h"
#include "rules_internal.h"

/* Lists every single-rule test may use. */
static const char prelude[] =
    "list nets = 192.0.2.0/24, 2001:db8::/32\n"
    "list senders = spammer@Example.com, @spam.example, bad.example, .sub.example\n"
    "list doms = example.org, .example.net\n"
    "list users = alice, \"Bob Smith\"\n"
    "list subjects = \"Hello world\", \"Buy now\"\n";

static const char *recipients[] = {"alice@example.org", "bob@mail.example.net"};

static struct header_field headers[] = {
    {"Subject", "Hello world"},
    {"From", "Alice <alice@example.org>"},
    {"Received", "from a"},
    {"received", "from b"},
    {"X-Folded-CRLF", "Hello\r\n\tfolded\r\n world"},
    {"X-Folded-LF", "Hello\n folded"},
    {"X-Broken", "line\r\nbreak"},
    {"X-Empty", ""},
};

/* test_facts - a message from outside with two recipients and headers */
static void test_facts(struct message_facts *f)
{
    facts_init(f);
    f->client_addr = "192.0.2.10";
    assert_int_equal(netaddr_parse(f->client_addr, &f->client_ip), 0);
    f->client_ip_known = true;
    f->client_name = "Host.Example.COM";
    f->helo = "MAIL.Example.ORG";
    f->sender = "Spammer@EXAMPLE.com";
    f->recipients = recipients;
    f->recipient_count = 2;
    f->headers = headers;
    f->header_count = sizeof(headers) / sizeof(headers[0]);
    f->size = 10 * 1024 * 1024;
}

/* parse_text - parse or fail the test */
static struct ruleset *parse_text(const char *text)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_parse("t.rules", text, strlen(text), NULL, &err);

    if (rs == NULL)
        fail_msg("%s", err.msg);
    return rs;
}

/* evaluate - run rs on f; fails the test on error */
static void evaluate(const struct ruleset *rs, const struct message_facts *f, struct verdict *v)
{
    assert_int_equal(rules_evaluate(rs, f, v), 0);
}

/* hits - does "rule T if expr" (after the prelude lists) hit on f? */
static bool hits(const struct message_facts *f, const char *expr)
{
    char text[2048];
    struct ruleset *rs;
    struct verdict v;
    bool hit;

    snprintf(text, sizeof(text), "%srule T if %s", prelude, expr);
    rs = parse_text(text);
    evaluate(rs, f, &v);
    hit = v.hit_count == 1;
    verdict_free(&v);
    rules_free(rs);
    return hit;
}

/* test_bool - authenticated, trusted, not, and, or */
static void test_bool(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    assert_false(hits(&f, "authenticated"));
    assert_false(hits(&f, "trusted"));
    assert_true(hits(&f, "not trusted"));
    assert_true(hits(&f, "not not not trusted"));
    f.authenticated = true;
    assert_true(hits(&f, "authenticated"));
    assert_true(hits(&f, "trusted or authenticated"));
    assert_false(hits(&f, "trusted and authenticated"));
    assert_true(hits(&f, "not (trusted and authenticated)"));
    f.trusted = true;
    assert_true(hits(&f, "trusted and authenticated"));
    assert_false(hits(&f, "not (authenticated or trusted)"));
}

/* test_client_addr - networks, addresses, lists, regex on the text */
static void test_client_addr(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    assert_true(hits(&f, "client_addr == \"192.0.2.10\""));
    assert_true(hits(&f, "client_addr == \"192.0.2.0/24\""));
    assert_false(hits(&f, "client_addr == \"192.0.2.11\""));
    assert_true(hits(&f, "client_addr != \"192.0.2.11\""));
    assert_true(hits(&f, "client_addr in nets"));
    assert_false(hits(&f, "client_addr not in nets"));
    assert_true(hits(&f, "client_addr =~ /^192\\.0\\.2\\./"));
    assert_true(hits(&f, "client_addr !~ /^10\\./"));
    f.client_addr = "::ffff:192.0.2.200";
    assert_int_equal(netaddr_parse(f.client_addr, &f.client_ip), 0);
    assert_true(hits(&f, "client_addr in nets"));
    f.client_addr = "2001:db8::25";
    assert_int_equal(netaddr_parse(f.client_addr, &f.client_ip), 0);
    assert_true(hits(&f, "client_addr in nets"));
    assert_true(hits(&f, "client_addr == \"[2001:db8::25]\""));
    f.client_addr = "2001:db9::25";
    assert_int_equal(netaddr_parse(f.client_addr, &f.client_ip), 0);
    assert_false(hits(&f, "client_addr in nets"));
    /* Unknown address: positive tests fail, negated ones pass. */
    f.client_addr = "unknown";
    f.client_ip_known = false;
    assert_false(hits(&f, "client_addr in nets"));
    assert_true(hits(&f, "client_addr not in nets"));
    assert_false(hits(&f, "client_addr == \"0.0.0.0/0\""));
    assert_true(hits(&f, "client_addr =~ /^unknown$/"));
}

/* test_strings - ==, != and case rules of each string fact */
static void test_strings(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    /* Domains and addresses: any case. */
    assert_true(hits(&f, "helo == \"mail.example.org\""));
    assert_true(hits(&f, "client_name == \"host.example.com\""));
    assert_true(hits(&f, "sender == \"spammer@example.COM\""));
    assert_true(hits(&f, "sender_domain == \"example.com\""));
    assert_false(hits(&f, "sender_domain != \"EXAMPLE.COM\""));
    assert_true(hits(&f, "helo != \"other.example.org\""));
    /* Text: exact. */
    f.sasl_user = "Alice";
    assert_true(hits(&f, "sasl_user == \"Alice\""));
    assert_false(hits(&f, "sasl_user == \"alice\""));
    assert_true(hits(&f, "sasl_user != \"alice\""));
    /* The null sender. */
    f.sender = "";
    assert_true(hits(&f, "sender == \"\""));
    assert_true(hits(&f, "sender_domain == \"\""));
    assert_false(hits(&f, "sender != \"\""));
    /* A NULL string where "" was promised reads as "". */
    f.helo = NULL;
    assert_true(hits(&f, "helo == \"\""));
}

/* test_regex - =~ and !~, flags, UTF-8 and invalid bytes */
static void test_regex(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    assert_true(hits(&f, "helo =~ /^MAIL\\./"));
    assert_false(hits(&f, "helo =~ /^mail\\./"));
    assert_true(hits(&f, "helo =~ /^mail\\./i"));
    assert_true(hits(&f, "helo !~ /^mail\\./"));
    assert_false(hits(&f, "helo !~ /org$/i"));
    f.helo = "[192.0.2.1]";
    assert_true(hits(&f, "helo =~ /^\\[?[0-9.]+\\]?$/"));
    f.helo = "caf\xc3\xa9.example";
    assert_true(hits(&f, "helo =~ /^caf.\\.example$/"));
    assert_true(hits(&f, "helo =~ /CAF\xc3\x89/i"));
    f.helo = "bad\xff\xfe utf8 here";
    assert_true(hits(&f, "helo =~ /utf8/"));
    assert_false(hits(&f, "helo =~ /^bad.. utf8/"));
    /* Catastrophic backtracking stops at the match limit: no match. */
    f.helo = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!";
    assert_false(hits(&f, "helo =~ /^(a|a)*$/"));
}

/* test_multi - rcpt and rcpt_domain: any value for ==, none for != */
static void test_multi(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    assert_true(hits(&f, "rcpt == \"ALICE@example.org\""));
    assert_false(hits(&f, "rcpt != \"alice@example.org\""));
    assert_true(hits(&f, "rcpt != \"carol@example.org\""));
    assert_true(hits(&f, "rcpt =~ /^bob@/"));
    assert_false(hits(&f, "rcpt !~ /^bob@/"));
    assert_true(hits(&f, "rcpt !~ /^carol@/"));
    assert_true(hits(&f, "rcpt_domain == \"mail.example.net\""));
    assert_true(hits(&f, "rcpt_domain in doms"));
    assert_false(hits(&f, "rcpt_domain not in doms"));
    assert_true(hits(&f, "rcpt exists"));
    assert_true(hits(&f, "rcpt_count == 2"));
    recipients[1] = "bob@elsewhere.example";
    assert_true(hits(&f, "rcpt_domain in doms"));
    recipients[0] = "alice@other.example";
    assert_false(hits(&f, "rcpt_domain in doms"));
    assert_true(hits(&f, "rcpt_domain not in doms"));
    recipients[0] = "alice@example.org";
    recipients[1] = "bob@mail.example.net";
    /* No recipient at all. */
    f.recipient_count = 0;
    f.recipients = NULL;
    assert_false(hits(&f, "rcpt == \"alice@example.org\""));
    assert_true(hits(&f, "rcpt != \"alice@example.org\""));
    assert_false(hits(&f, "rcpt =~ //"));
    assert_true(hits(&f, "rcpt !~ //"));
    assert_false(hits(&f, "rcpt in senders"));
    assert_true(hits(&f, "rcpt not in senders"));
    assert_false(hits(&f, "rcpt exists"));
    assert_true(hits(&f, "not rcpt_domain exists"));
    assert_true(hits(&f, "rcpt_count == 0"));
}

/* test_numbers - comparisons and k/M/G suffixes */
static void test_numbers(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);                     /* size = 10 MiB exactly */
    assert_true(hits(&f, "size == 10M"));
    assert_true(hits(&f, "size == 10240k"));
    assert_true(hits(&f, "size == 10485760"));
    assert_false(hits(&f, "size != 10M"));
    assert_false(hits(&f, "size > 10M"));
    assert_true(hits(&f, "size >= 10M"));
    assert_true(hits(&f, "size <= 10M"));
    assert_false(hits(&f, "size < 10M"));
    assert_true(hits(&f, "size < 0.01G"));
    assert_true(hits(&f, "size > 9.5M"));
    f.size = 10 * 1024 * 1024 + 1;
    assert_true(hits(&f, "size > 10M"));
    assert_true(hits(&f, "rcpt_count > 1 and rcpt_count < 3 and rcpt_count >= 2"));
    assert_true(hits(&f, "rcpt_count > -1"));
    assert_true(hits(&f, "header_count == 8"));
    f.header_count = 0;
    assert_true(hits(&f, "header_count == 0"));
}

/* test_unknown_number - bayes unknown (NAN) fails every comparison, != too */
static void test_unknown_number(void **state)
{
    static const char *const comparisons[] = {
        "bayes >= 0.9", "bayes < 0.1", "bayes == 0.5", "bayes != 0.5", "bayes <= 1",
        "bayes > -1", "bayes >= 0.9 or bayes < 0.9",
    };
    struct message_facts f;

    (void)state;
    test_facts(&f);
    for (size_t i = 0; i < sizeof(comparisons) / sizeof(comparisons[0]); i++)
        if (hits(&f, comparisons[i]))
            fail_msg("unknown bayes: %s hit", comparisons[i]);
    assert_true(hits(&f, "not bayes >= 0.9"));
    assert_true(hits(&f, "not (bayes >= 0 and bayes <= 1)"));
    f.bayes = 0.97;
    assert_true(hits(&f, "bayes >= 0.9"));
    assert_true(hits(&f, "bayes != 0.5"));
    assert_false(hits(&f, "bayes < 0.1"));
    assert_false(hits(&f, "not bayes >= 0.9"));
    f.bayes = 0.0;
    assert_true(hits(&f, "bayes == 0"));
    assert_true(hits(&f, "bayes < 0.01"));
}

/* test_lists - each entry form against each kind of fact */
static void test_lists(void **state)
{
    struct message_facts f;

    (void)state;
    test_facts(&f);
    assert_true(hits(&f, "sender in senders"));          /* exact, any case */
    f.sender = "anyone@SPAM.example";
    assert_true(hits(&f, "sender in senders"));          /* @domain */
    f.sender = "anyone@deeper.spam.example";
    assert_false(hits(&f, "sender in senders"));         /* @domain is exact */
    f.sender = "x@bad.example";
    assert_true(hits(&f, "sender in senders"));          /* domain */
    f.sender = "x@a.sub.example";
    assert_true(hits(&f, "sender in senders"));          /* .domain: subdomains */
    f.sender = "x@sub.example";
    assert_false(hits(&f, "sender in senders"));         /* ... not the domain */
    assert_true(hits(&f, "sender not in senders"));
    f.sender = "";
    assert_false(hits(&f, "sender in senders"));
    f.sender = "spammer";
    assert_false(hits(&f, "sender in senders"));
    f.sender = "other@example.com";
    assert_false(hits(&f, "sender in senders"));
    assert_false(hits(&f, "sender_domain in doms"));
    f.sender = "x@EXAMPLE.org";
    assert_true(hits(&f, "sender_domain in doms"));
    assert_false(hits(&f, "helo in doms"));              /* MAIL.Example.ORG */
    f.helo = "mail.example.net.";
    assert_true(hits(&f, "helo in doms"));
    f.client_name = "Example.ORG";
    assert_true(hits(&f, "client_name in doms"));
    f.sasl_user = "alice";
    assert_true(hits(&f, "sasl_user in users"));
    f.sasl_user = "Alice";
    assert_false(hits(&f, "sasl_user in users"));        /* text: exact */
    f.sasl_user = "Bob Smith";
    assert_true(hits(&f, "sasl_user in users"));
    assert_true(hits(&f, "header \"subject\" in subjects"));
    assert_false(hits(&f, "header \"subject\" not in subjects"));
    assert_true(hits(&f, "header \"From\" not in subjects"));
}

/* test_header - lookup by any-case name, all occurrences, folding, absence */
static void test_header(void **state)
{
    struct message_facts f;
    char long_value[2048];
    struct header_field big[] = {{"X-Long", long_value}};
    size_t n = 0;

    (void)state;
    test_facts(&f);
    assert_true(hits(&f, "header \"SUBJECT\" == \"Hello world\""));
    assert_false(hits(&f, "header \"Subject\" == \"hello world\""));     /* value: exact */
    assert_true(hits(&f, "header \"Subject\" =~ /^hello/i"));
    assert_true(hits(&f, "header \"Subject\" exists"));
    assert_true(hits(&f, "header \"RECEIVED\" == \"from b\""));           /* any occurrence */
    assert_true(hits(&f, "header \"Received\" == \"from a\""));
    assert_false(hits(&f, "header \"Received\" != \"from a\""));
    assert_true(hits(&f, "header \"Received\" != \"from c\""));
    assert_true(hits(&f, "header \"X-Empty\" == \"\" and header \"X-Empty\" exists"));
    /* Folded values are unfolded: CRLF or LF before white space goes. */
    assert_true(hits(&f, "header \"X-Folded-CRLF\" == \"Hello\tfolded world\""));
    assert_true(hits(&f, "header \"X-Folded-CRLF\" =~ /^Hello\\sfolded world$/"));
    assert_true(hits(&f, "header \"X-Folded-LF\" == \"Hello folded\""));
    assert_true(hits(&f, "header \"X-Broken\" =~ /line\\r\\nbreak/"));     /* not a fold */
    assert_string_equal(headers[4].value, "Hello\r\n\tfolded\r\n world");  /* untouched */
    /* A missing header: positive tests fail, negated ones pass. */
    assert_false(hits(&f, "header \"X-Missing\" == \"x\""));
    assert_true(hits(&f, "header \"X-Missing\" != \"x\""));
    assert_false(hits(&f, "header \"X-Missing\" =~ //"));
    assert_true(hits(&f, "header \"X-Missing\" !~ /x/"));
    assert_false(hits(&f, "header \"X-Missing\" exists"));
    assert_true(hits(&f, "not header \"X-Missing\" exists"));
    /* A long folded value is unfolded in a heap copy. */
    while (n < 1800) {
        memcpy(long_value + n, "word\r\n ", 7);
        n += 7;
    }
    strcpy(long_value + n, "end");
    f.headers = big;
    f.header_count = 1;
    assert_true(hits(&f, "header \"x-long\" =~ /^word word .* word end$/"));
    assert_false(hits(&f, "header \"x-long\" =~ /\\n/"));
    /* No headers at all (before the data phase). */
    f.headers = NULL;
    f.header_count = 0;
    assert_false(hits(&f, "header \"Subject\" exists"));
    assert_true(hits(&f, "header \"Subject\" !~ /./"));
}

/* Rules for the verdict tests: each one hits when its header exists. */
static const char verdict_rules[] =
    "rule R3 if header \"R3\" exists score 3 describe \"three\"\n"
    "rule R2 if header \"R2\" exists score 2\n"
    "rule R05 if header \"R05\" exists score 0.5\n"
    "rule NEG if header \"NEG\" exists score -10\n"
    "rule BIG if header \"BIG\" exists score 30\n"
    "threshold 12 hold\n"
    "threshold 5 flag\n"
    "threshold 20 reject 554 5.7.1 \"Spam\"\n"
    "threshold 8 rewrite-subject \"[SPAM] \"\n";

/* verdict_for - evaluate verdict_rules (plus extra) with the named headers present */
static void verdict_for(const char *extra, const char *const *names, struct verdict *v,
                        struct ruleset **rs)
{
    static struct header_field fields[16];
    struct message_facts f;
    char text[2048];
    size_t i;

    snprintf(text, sizeof(text), "%s%s", verdict_rules, extra);
    *rs = parse_text(text);
    facts_init(&f);
    for (i = 0; names[i] != NULL; i++) {
        fields[i].name = names[i];
        fields[i].value = "";
    }
    f.headers = fields;
    f.header_count = i;
    evaluate(*rs, &f, v);
}

/* expect_verdict - score and action of a combination of hits */
static void expect_verdict(const char *const *names, double score, enum action_kind kind)
{
    struct ruleset *rs;
    struct verdict v;

    verdict_for("", names, &v, &rs);
    assert_true(v.score == score);
    assert_int_equal(v.action.kind, kind);
    assert_int_equal(v.spam, kind >= ACTION_FLAG);
    assert_true(v.required == 5.0);
    assert_null(v.forced_by);
    verdict_free(&v);
    rules_free(rs);
}

/* test_thresholds - the highest threshold reached decides */
static void test_thresholds(void **state)
{
    static const char *const none[] = {NULL};
    static const char *const r3[] = {"R3", NULL};
    static const char *const r3r2[] = {"R3", "R2", NULL};
    static const char *const r3r2r05[] = {"R3", "R2", "R05", NULL};
    static const char *const r3r2r3[] = {"R3", "R2", "r3", NULL};
    static const char *const big[] = {"BIG", NULL};
    static const char *const bigneg[] = {"BIG", "NEG", NULL};
    static const char *const neg[] = {"NEG", NULL};
    struct ruleset *rs;
    struct verdict v;

    (void)state;
    expect_verdict(none, 0, ACTION_ACCEPT);
    expect_verdict(r3, 3, ACTION_ACCEPT);
    expect_verdict(r3r2, 5, ACTION_FLAG);               /* exactly at the threshold */
    expect_verdict(r3r2r05, 5.5, ACTION_FLAG);
    expect_verdict(r3r2r3, 5, ACTION_FLAG);             /* a rule counts once */
    expect_verdict(big, 30, ACTION_REJECT);
    expect_verdict(bigneg, 20, ACTION_REJECT);
    expect_verdict(neg, -10, ACTION_ACCEPT);
    verdict_for("", big, &v, &rs);
    assert_string_equal(v.action.reply_code, "554");
    assert_string_equal(v.action.status_code, "5.7.1");
    assert_string_equal(v.action.text, "Spam");
    verdict_free(&v);
    rules_free(rs);
    verdict_for("rule R4 if header \"R4\" exists score 4.5", (const char *const[]){"R4", "R3", NULL},
                &v, &rs);
    assert_true(v.score == 7.5);
    assert_int_equal(v.action.kind, ACTION_FLAG);
    verdict_free(&v);
    rules_free(rs);
    verdict_for("rule R4 if header \"R4\" exists score 5", (const char *const[]){"R4", "R3", NULL},
                &v, &rs);
    assert_int_equal(v.action.kind, ACTION_REWRITE_SUBJECT);
    assert_string_equal(v.action.text, "[SPAM] ");
    verdict_free(&v);
    rules_free(rs);
}

/* required_of - the required score of a ruleset text */
static double required_of(const char *text)
{
    struct ruleset *rs = parse_text(text);
    struct message_facts f;
    struct verdict v;
    double required;

    facts_init(&f);
    evaluate(rs, &f, &v);
    required = v.required;
    verdict_free(&v);
    rules_free(rs);
    return required;
}

/* test_required - lowest threshold that flags, INFINITY without one */
static void test_required(void **state)
{
    (void)state;
    assert_true(isinf(required_of("")));
    assert_true(isinf(required_of("threshold 3 accept")));
    assert_true(required_of("threshold 3 accept threshold 6 hold threshold 4.5 flag") == 4.5);
    assert_true(required_of("threshold 7 reject \"x\" threshold 9 flag") == 7);
    assert_true(required_of("threshold -2 rewrite-subject \"x\"") == -2);
}

/* test_forced - the strongest forced action wins, thresholds are ignored */
static void test_forced(void **state)
{
    static const char forced[] =
        "rule ALLOW if header \"ALLOW\" exists action accept\n"
        "rule HOLD if header \"HOLD\" exists score 1 action hold\n"
        "rule REJ1 if header \"REJ1\" exists action reject \"first\"\n"
        "rule REJ2 if header \"REJ2\" exists action reject 554 \"second\"\n"
        "rule TF if header \"TF\" exists action tempfail \"later\"\n";
    struct ruleset *rs;
    struct verdict v;

    (void)state;
    /* A forced accept beats a score past every threshold. */
    verdict_for(forced, (const char *const[]){"BIG", "ALLOW", NULL}, &v, &rs);
    assert_int_equal(v.action.kind, ACTION_ACCEPT);
    assert_false(v.spam);
    assert_true(v.score == 30);
    assert_string_equal(v.forced_by, "ALLOW");
    verdict_free(&v);
    rules_free(rs);
    /* A forced hold beats a score that would reject. */
    verdict_for(forced, (const char *const[]){"BIG", "HOLD", "ALLOW", NULL}, &v, &rs);
    assert_int_equal(v.action.kind, ACTION_HOLD);
    assert_true(v.spam);
    assert_true(v.score == 31);
    assert_string_equal(v.forced_by, "HOLD");
    verdict_free(&v);
    rules_free(rs);
    /* reject > tempfail > hold; among equals the first in file order. */
    verdict_for(forced, (const char *const[]){"TF", "REJ2", "HOLD", "REJ1", NULL}, &v, &rs);
    assert_int_equal(v.action.kind, ACTION_REJECT);
    assert_string_equal(v.forced_by, "REJ1");
    assert_string_equal(v.action.text, "first");
    assert_string_equal(v.action.reply_code, "550");
    verdict_free(&v);
    rules_free(rs);
    verdict_for(forced, (const char *const[]){"TF", "HOLD", NULL}, &v, &rs);
    assert_int_equal(v.action.kind, ACTION_TEMPFAIL);
    assert_string_equal(v.action.reply_code, "451");
    assert_string_equal(v.action.status_code, "4.7.1");
    assert_string_equal(v.forced_by, "TF");
    verdict_free(&v);
    rules_free(rs);
}

/* test_hits - file order, score, description */
static void test_hits(void **state)
{
    struct ruleset *rs;
    struct verdict v;

    (void)state;
    verdict_for("", (const char *const[]){"R05", "NEG", "R3", NULL}, &v, &rs);
    assert_int_equal(v.hit_count, 3);
    assert_string_equal(v.hits[0].name, "R3");
    assert_true(v.hits[0].score == 3);
    assert_string_equal(v.hits[0].description, "three");
    assert_string_equal(v.hits[1].name, "R05");
    assert_true(v.hits[1].score == 0.5);
    assert_string_equal(v.hits[1].description, "");
    assert_string_equal(v.hits[2].name, "NEG");
    assert_true(v.hits[2].score == -10);
    assert_true(v.score == -6.5);
    verdict_free(&v);
    assert_null(v.hits);
    assert_int_equal(v.hit_count, 0);
    verdict_free(&v);
    rules_free(rs);
    verdict_for("", (const char *const[]){NULL}, &v, &rs);
    assert_int_equal(v.hit_count, 0);
    assert_null(v.hits);
    verdict_free(&v);
    rules_free(rs);
}

/* Allocator seam: counts calls and fails call number alloc_fail_at. */
static int alloc_calls;
static int alloc_fail_at;

/* test_alloc - realloc, except for call number alloc_fail_at */
static void *test_alloc(void *ptr, size_t size)
{
    if (alloc_calls++ == alloc_fail_at)
        return NULL;
    return realloc(ptr, size);
}

/* count_allocs - allocations made by one evaluation */
static int count_allocs(struct ruleset *rs, const struct message_facts *f, size_t *hit_count)
{
    struct verdict v;

    rules_set_allocator(rs, test_alloc);
    alloc_calls = 0;
    alloc_fail_at = INT_MAX;
    evaluate(rs, f, &v);
    *hit_count = v.hit_count;
    verdict_free(&v);
    return alloc_calls;
}

/* test_short_circuit - the right operand of and/or is skipped when decided */
static void test_short_circuit(void **state)
{
    struct ruleset *and_rs = parse_text("rule T if trusted and header \"X-Long\" == \"y\"");
    struct ruleset *or_rs = parse_text("rule T if trusted or header \"X-Long\" == \"y\"");
    struct header_field big[] = {{"X-Long", NULL}};
    char value[1024];
    struct message_facts f;
    size_t count;

    (void)state;
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    memcpy(value + 100, "\r\n ", 3);    /* folded and long: unfolding allocates */
    big[0].value = value;
    facts_init(&f);
    f.headers = big;
    f.header_count = 1;
    /* Match data, then the unfolded copy when the header is looked at. */
    assert_int_equal(count_allocs(and_rs, &f, &count), 1);
    assert_int_equal(count, 0);
    assert_int_equal(count_allocs(or_rs, &f, &count), 2);
    assert_int_equal(count, 0);
    f.trusted = true;
    assert_int_equal(count_allocs(and_rs, &f, &count), 2);
    assert_int_equal(count, 0);
    assert_int_equal(count_allocs(or_rs, &f, &count), 2);   /* match data, hits */
    assert_int_equal(count, 1);
    rules_free(and_rs);
    rules_free(or_rs);
}

/* test_out_of_memory - every allocation of an evaluation may fail: -1, out empty */
static void test_out_of_memory(void **state)
{
    struct ruleset *rs;
    struct message_facts f;
    struct header_field big[] = {{"X-Long", NULL}};
    char value[1024];
    char text[2048];
    struct verdict v;
    size_t n = 0;
    size_t count;
    int total;
    int i;

    (void)state;
    for (i = 0; i < 20; i++)            /* enough hits to grow the array twice */
        n += (size_t)snprintf(text + n, sizeof(text) - n, "rule R%d if header \"X-Long\" "
                              "=~ /a/ score 1\n", i);
    rs = parse_text(text);
    memset(value, 'a', sizeof(value) - 1);
    value[sizeof(value) - 1] = '\0';
    memcpy(value + 100, "\n\t", 2);
    big[0].value = value;
    facts_init(&f);
    f.headers = big;
    f.header_count = 1;
    total = count_allocs(rs, &f, &count);
    assert_int_equal(count, 20);
    assert_true(total > 20);            /* one unfolded copy per rule */
    for (i = 0; i < total; i++) {
        alloc_calls = 0;
        alloc_fail_at = i;
        memset(&v, 0xa5, sizeof(v));
        assert_int_equal(rules_evaluate(rs, &f, &v), -1);
        assert_null(v.hits);
        assert_int_equal(v.hit_count, 0);
        assert_true(v.score == 0);
    }
    alloc_calls = 0;
    alloc_fail_at = total;
    evaluate(rs, &f, &v);
    assert_int_equal(v.hit_count, 20);
    verdict_free(&v);
    rules_free(rs);
}

/* shipped_facts - a message that trips several shipped rules */
static void shipped_facts(struct message_facts *f)
{
    static const struct header_field spam_headers[] = {
        {"From", "Lottery Board"},
        {"To", "undisclosed-recipients:;"},
        {"Subject", "YOU WON 5 MILLION DOLLARS AT THE CASINO"},
        {"X-Mailer", "Bulk Mail Pro 2.0"},
    };

    facts_init(f);
    f->client_addr = "198.51.100.7";
    f->client_ip_known = netaddr_parse(f->client_addr, &f->client_ip) == 0;
    f->client_name = "unknown";
    f->helo = "198.51.100.7";
    f->sender = "winner@example.invalid";      /* our_domains in the shipped file */
    f->recipients = recipients;
    f->recipient_count = 2;
    f->headers = spam_headers;
    f->header_count = sizeof(spam_headers) / sizeof(spam_headers[0]);
    f->size = 4096;
}

/* test_shipped_rules - the shipped defaults on a spam and on a logged-in user */
static void test_shipped_rules(void **state)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_load("rules/vigie.rules", &err);
    struct message_facts f;
    struct verdict v;

    (void)state;
    if (rs == NULL)
        fail_msg("%s", err.msg);
    shipped_facts(&f);
    evaluate(rs, &f, &v);
    assert_true(v.score == 17);
    assert_int_equal(v.action.kind, ACTION_REJECT);
    assert_true(v.required == 5.0);
    assert_int_equal(v.hit_count, 11);
    verdict_free(&v);
    /* The same message before the data phase: no header rules yet. */
    f.headers = NULL;
    f.header_count = 0;
    evaluate(rs, &f, &v);
    assert_int_equal(v.hit_count, 3);   /* HELO_BARE_IP, CLIENT_NO_RDNS, FORGED_LOCAL_SENDER */
    assert_true(v.score == 5.5);
    verdict_free(&v);
    /* An authenticated user sending a normal message. */
    shipped_facts(&f);
    f.authenticated = true;
    f.sasl_user = "alice";
    f.helo = "laptop.example.org";
    f.client_name = "laptop.example.org";
    f.headers = headers;
    f.header_count = 2;
    evaluate(rs, &f, &v);
    assert_int_equal(v.hit_count, 0);
    assert_int_equal(v.action.kind, ACTION_ACCEPT);
    verdict_free(&v);
    rules_free(rs);
}

/* shipped_bayes_hits - the shipped rules that hit a plain message with bayes */
static void shipped_bayes_hits(const struct ruleset *rs, double bayes, bool authenticated,
                               struct verdict *v)
{
    static const struct header_field plain[] = {
        {"From", "Ann <ann@example.com>"},
        {"To", "bob@example.org"},
        {"Subject", "Minutes of the meeting"},
        {"Date", "Mon, 2 Mar 2026 10:00:00 +0100"},
        {"Message-ID", "<1@example.com>"},
    };
    struct message_facts f;

    facts_init(&f);
    f.client_addr = "198.51.100.7";
    f.client_ip_known = netaddr_parse(f.client_addr, &f.client_ip) == 0;
    f.client_name = "mail.example.com";
    f.helo = "mail.example.com";
    f.sender = "ann@example.com";
    f.recipients = recipients;
    f.recipient_count = 1;
    f.headers = plain;
    f.header_count = sizeof(plain) / sizeof(plain[0]);
    f.size = 4096;
    f.authenticated = authenticated;
    f.bayes = bayes;
    evaluate(rs, &f, v);
}

/* test_shipped_bayes - one band at most hits; BAYES_99 alone flags; unknown scores 0 */
static void test_shipped_bayes(void **state)
{
    static const struct {
        double bayes;
        const char *rule;               /* NULL: none */
        double score;
    } bands[] = {
        {0.0, "BAYES_00", -1.5}, {0.0099, "BAYES_00", -1.5}, {0.01, "BAYES_05", -0.5},
        {0.2, NULL, 0}, {0.5, "BAYES_50", 0.8}, {0.8, "BAYES_80", 2.0},
        {0.95, "BAYES_95", 3.5}, {0.989, "BAYES_95", 3.5}, {0.99, "BAYES_99", 5.0},
        {1.0, "BAYES_99", 5.0}, {NAN, NULL, 0},
    };
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_load("rules/vigie.rules", &err);
    struct verdict v;

    (void)state;
    if (rs == NULL)
        fail_msg("%s", err.msg);
    for (size_t i = 0; i < sizeof(bands) / sizeof(bands[0]); i++) {
        shipped_bayes_hits(rs, bands[i].bayes, false, &v);
        if (bands[i].rule == NULL) {
            assert_int_equal(v.hit_count, 0);
        } else {
            assert_int_equal(v.hit_count, 1);
            assert_string_equal(v.hits[0].name, bands[i].rule);
        }
        assert_true(v.score == bands[i].score);
        assert_true(v.spam == (bands[i].score >= 5.0));
        verdict_free(&v);
    }
    /* Mail of an authenticated user is not scored by Bayes. */
    shipped_bayes_hits(rs, 1.0, true, &v);
    assert_int_equal(v.hit_count, 0);
    verdict_free(&v);
    rules_free(rs);
}

struct thread_arg {
    const struct ruleset *rules;
    double score;
    int failures;
};

/* evaluate_often - one thread's share of test_threads */
static void *evaluate_often(void *data)
{
    struct thread_arg *arg = data;
    struct message_facts f;
    struct verdict v;
    int i;

    shipped_facts(&f);
    for (i = 0; i < 300; i++) {
        if (rules_evaluate(arg->rules, &f, &v) < 0) {
            arg->failures++;
            continue;
        }
        if (v.score != arg->score)
            arg->failures++;
        verdict_free(&v);
    }
    return NULL;
}

/* test_threads - one ruleset evaluated by several threads at once */
static void test_threads(void **state)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_load("rules/vigie.rules", &err);
    struct thread_arg args[4];
    pthread_t threads[4];
    struct message_facts f;
    struct verdict v;
    int i;

    (void)state;
    assert_non_null(rs);
    shipped_facts(&f);
    evaluate(rs, &f, &v);
    for (i = 0; i < 4; i++) {
        args[i].rules = rs;
        args[i].score = v.score;
        args[i].failures = 0;
        assert_int_equal(pthread_create(&threads[i], NULL, evaluate_often, &args[i]), 0);
    }
    verdict_free(&v);
    for (i = 0; i < 4; i++) {
        assert_int_equal(pthread_join(threads[i], NULL), 0);
        assert_int_equal(args[i].failures, 0);
    }
    rules_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_client_addr),
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_regex),
        cmocka_unit_test(test_multi),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_unknown_number),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_required),
        cmocka_unit_test(test_forced),
        cmocka_unit_test(test_hits),
        cmocka_unit_test(test_short_circuit),
        cmocka_unit_test(test_out_of_memory),
        cmocka_unit_test(test_shipped_rules),
        cmocka_unit_test(test_shipped_bayes),
        cmocka_unit_test(test_threads),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
