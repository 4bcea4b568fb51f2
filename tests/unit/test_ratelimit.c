/*
 * NAME
 *	test_ratelimit - unit tests of rate limits without Redis
 * DESCRIPTION
 *	Window arithmetic (durations read and written), key values
 *	(escaping, case folding, combined keys, client networks, long
 *	values, empty parts), the "limit" statements of vigie.rules and
 *	every error message of their grammar, the signal_window setting,
 *	tier and exception resolution, and the signal facts in rules.
 *	The Redis side is test_ratelimit_redis.c.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "ratelimit.h"
#include "rules_limits.h"

/* test_durations - every unit, the bounds, and what is refused */
static void test_durations(void **state)
{
    static const struct {
        const char *text;
        unsigned long seconds;
    } good[] = {
        {"1s", 1}, {"90s", 90}, {"10m", 600}, {"2h", 7200}, {"1d", 86400},
        {"1w", 604800}, {"366d", 366ul * 86400},
    };
    static const char *const bad[] = {
        "", "10", "m", "0s", "0d", "1x", "1.5h", "-1m", "10mm", "367d", "53w", "1 d",
        "99999999999999999999s",
    };
    unsigned long s;
    char buf[16];

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(ratelimit_duration_parse(good[i].text, &s), 0);
        assert_int_equal(s, good[i].seconds);
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(ratelimit_duration_parse(bad[i], &s), -1);
    ratelimit_duration_format(600, buf, sizeof(buf));
    assert_string_equal(buf, "10m");
    ratelimit_duration_format(86400, buf, sizeof(buf));
    assert_string_equal(buf, "1d");
    ratelimit_duration_format(1209600, buf, sizeof(buf));
    assert_string_equal(buf, "2w");
    ratelimit_duration_format(5400, buf, sizeof(buf));
    assert_string_equal(buf, "90m");
    ratelimit_duration_format(61, buf, sizeof(buf));
    assert_string_equal(buf, "61s");
    ratelimit_duration_format(0, buf, sizeof(buf));
    assert_string_equal(buf, "0s");
}

/* facts_of - facts of an authenticated message from 192.0.2.130 */
static struct message_facts facts_of(const char *user, const char *sender)
{
    struct message_facts f;

    facts_init(&f);
    f.sasl_user = user;
    f.authenticated = *user != '\0';
    f.sender = sender;
    assert_int_equal(netaddr_parse("192.0.2.130", &f.client_ip), 0);
    f.client_ip_known = true;
    return f;
}

/* key_of - the key value of a limit on parts for facts; NULL when it does not apply */
static const char *key_of(const struct message_facts *f, size_t n, const enum limit_key_part *parts,
                          unsigned net4, unsigned net6)
{
    static struct rlkey key;
    struct limit_def l = {.name = "x", .key_count = n, .net4 = net4, .net6 = net6};

    memcpy(l.key, parts, n * sizeof(*parts));
    rlkey_start(&key, "", "");
    switch (ratelimit_key_value(&l, f, &key)) {
    case 0:
        return key.text;
    case 1:
        return NULL;
    default:
        return "overflow";
    }
}

/* test_key_values - escaping, folding, combinations, networks, empty parts */
static void test_key_values(void **state)
{
    static const enum limit_key_part user[] = {LIMIT_KEY_SASL_USER};
    static const enum limit_key_part sender[] = {LIMIT_KEY_SENDER};
    static const enum limit_key_part dom[] = {LIMIT_KEY_SENDER_DOMAIN};
    static const enum limit_key_part addr[] = {LIMIT_KEY_CLIENT_ADDR};
    static const enum limit_key_part net[] = {LIMIT_KEY_CLIENT_NET};
    static const enum limit_key_part combo[] = {LIMIT_KEY_SASL_USER, LIMIT_KEY_CLIENT_NET};
    struct message_facts f = facts_of("Alice Smith|x", "Alice@Example.ORG");
    char longname[600];
    char k[RLKEY_MAX];

    (void)state;
    assert_string_equal(key_of(&f, 1, user, 24, 64), "alice%20smith%7Cx");
    assert_string_equal(key_of(&f, 1, sender, 24, 64), "alice@example.org");
    assert_string_equal(key_of(&f, 1, dom, 24, 64), "example.org");
    assert_string_equal(key_of(&f, 1, addr, 24, 64), "192.0.2.130");
    assert_string_equal(key_of(&f, 1, net, 24, 64), "192.0.2.0/24");
    assert_string_equal(key_of(&f, 1, net, 25, 64), "192.0.2.128/25");
    assert_string_equal(key_of(&f, 1, net, 0, 64), "0.0.0.0/0");
    assert_string_equal(key_of(&f, 2, combo, 16, 64), "alice%20smith%7Cx|192.0.0.0/16");
    assert_int_equal(netaddr_parse("2001:db8:1:2:3::4", &f.client_ip), 0);
    assert_string_equal(key_of(&f, 1, net, 24, 64), "2001:db8:1:2::/64");
    assert_string_equal(key_of(&f, 1, net, 24, 44), "2001:db8::/44");
    assert_string_equal(key_of(&f, 1, addr, 24, 64), "2001:db8:1:2:3::4");
    f.sasl_user = "caf\xc3\xa9\n";
    assert_string_equal(key_of(&f, 1, user, 24, 64), "caf%C3%A9%0A");

    /* An empty part: the limit does not apply. */
    f.sasl_user = "";
    assert_null(key_of(&f, 2, combo, 24, 64));
    f.sender = "";
    assert_null(key_of(&f, 1, sender, 24, 64));
    assert_null(key_of(&f, 1, dom, 24, 64));
    f.sender = "postmaster";
    assert_null(key_of(&f, 1, dom, 24, 64));
    f.client_ip_known = false;
    assert_null(key_of(&f, 1, addr, 24, 64));

    /* A long value keeps its head and a digest of the whole. */
    memset(longname, 'A', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    f.sasl_user = longname;
    snprintf(k, sizeof(k), "%s", key_of(&f, 1, user, 24, 64));
    assert_int_equal(strlen(k), 398 + 17);
    assert_int_equal(k[398], '~');
    assert_int_equal(strspn(k, "a"), 398);
    longname[10] = 'B';
    assert_string_not_equal(key_of(&f, 1, user, 24, 64) + 399, k + 399);
}

/* test_keys - key building, overflow and glob escaping */
static void test_keys(void **state)
{
    char prefix[RLKEY_MAX + 10];
    char glob[16];
    struct rlkey key;

    (void)state;
    rlkey_start(&key, "vigie:", RLKEY_LOCK);
    rlkey_add_value(&key, "Bob", true);
    assert_int_equal(rlkey_done(&key), 0);
    assert_string_equal(key.text, "vigie:lock:bob");
    memset(prefix, 'p', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    rlkey_start(&key, prefix, RLKEY_LOCK);
    assert_int_equal(rlkey_done(&key), -1);
    assert_int_equal(rlkey_glob("a*b?[c]\\", glob, sizeof(glob)), 0);
    assert_string_equal(glob, "a\\*b\\?\\[c\\]\\\\");
    assert_int_equal(rlkey_glob("abc", glob, 3), -1);
    assert_int_equal(rlkey_glob("abc", glob, 4), 0);
}

/* parse - rules from text; NULL with the message in err */
static struct ruleset *parse(const char *text, struct vigie_error *err)
{
    return rules_parse("t.rules", text, strlen(text), NULL, err);
}

/* expect_error - text must fail with exactly message */
static void expect_error(const char *text, const char *message)
{
    struct vigie_error err = {""};
    struct ruleset *rs = parse(text, &err);

    if (rs != NULL) {
        rules_free(rs);
        fail_msg("no error for: %s", text);
    }
    assert_string_equal(err.msg, message);
}

#define LIMIT "limit l key sasl_user "

/* test_limit_errors - every message of the limit grammar */
static void test_limit_errors(void **state)
{
    char many[4096] = "";

    (void)state;
    expect_error("limit", "t.rules:1:6: expected a limit name, found end of file");
    expect_error("limit and", "t.rules:1:7: \"and\" is a reserved word and cannot name a limit");
    expect_error(LIMIT "max 1 per 1h limit l", "t.rules:1:42: duplicate limit \"l\" "
                 "(first defined at line 1)");
    expect_error(LIMIT "max 1 per 1h score 1", "t.rules:1:36: expected key, count, max, "
                 "tier, if, except or action in limit \"l\", found \"score\"");
    expect_error(LIMIT "key sender", "t.rules:1:23: key given twice in limit \"l\"");
    expect_error("limit l key uid", "t.rules:1:13: unknown key \"uid\" (expected sasl_user, "
                 "sender, sender_domain, client_addr or client_net)");
    expect_error("limit l key 1", "t.rules:1:13: expected a key (sasl_user, sender, "
                 "sender_domain, client_addr or client_net), found \"1\"");
    expect_error("limit l key sender, sender", "t.rules:1:21: key sender given twice");
    expect_error("limit l key sasl_user, sender, sender_domain, client_addr, client_net",
                 "t.rules:1:60: too many key parts (at most 4)");
    expect_error("limit l key client_net 33", "t.rules:1:24: bad IPv4 prefix length \"33\" "
                 "(0 to 32)");
    expect_error("limit l key client_net 24 129", "t.rules:1:27: bad IPv6 prefix length "
                 "\"129\" (0 to 128)");
    expect_error(LIMIT "count mails", "t.rules:1:29: unknown count \"mails\" (expected "
                 "messages, recipients, bytes or domains)");
    expect_error(LIMIT "count 1", "t.rules:1:29: expected what to count (messages, "
                 "recipients, bytes or domains), found \"1\"");
    expect_error(LIMIT "max many", "t.rules:1:27: expected a maximum (a whole number), "
                 "found \"many\"");
    expect_error(LIMIT "max 1.5 per 1h", "t.rules:1:27: bad maximum \"1.5\" (a whole number "
                 "from 0 to 2^53)");
    expect_error(LIMIT "max 10 1h", "t.rules:1:30: expected per after the maximum, found "
                 "\"1h\"");
    expect_error(LIMIT "max 10 per 10x", "t.rules:1:34: bad duration \"10x\" (a whole number "
                 "and s, m, h, d or w, from 1s to 366d)");
    expect_error(LIMIT "max 10 per", "t.rules:1:33: expected a duration such as 10m or 1d, "
                 "found end of file");
    expect_error(LIMIT "max 1 per 1h, 2 per 60m", "t.rules:1:37: window 1h given twice");
    expect_error(LIMIT "max 1 per 1s, 1 per 2s, 1 per 3s, 1 per 4s, 1 per 5s",
                 "t.rules:1:67: too many windows (at most 4)");
    expect_error(LIMIT "max 1 per 1h tier if", "t.rules:1:41: expected a tier name, found "
                 "\"if\"");
    expect_error(LIMIT "max 1 per 1h tier default if trusted max 1 per 1h",
                 "t.rules:1:41: \"default\" names the limit's own maxima, not a tier");
    expect_error(LIMIT "max 1 per 1h tier t max 2 per 1h", "t.rules:1:43: expected if after "
                 "the tier name, found \"max\"");
    expect_error(LIMIT "max 1 per 1h tier t if trusted 2 per 1h", "t.rules:1:54: expected "
                 "max after the tier's condition, found \"2\"");
    expect_error(LIMIT "max 1 per 1h tier t if trusted max 2 per 1h tier t if trusted max 3 "
                 "per 1h", "t.rules:1:72: duplicate tier \"t\" in limit \"l\"");
    expect_error(LIMIT "max 1 per 1h if nosuch", "t.rules:1:39: unknown fact \"nosuch\"");
    expect_error(LIMIT "max 1 per 1h action lock for ever", "t.rules:1:52: bad duration "
                 "\"ever\" (a whole number and s, m, h, d or w, from 1s to 366d)");
    expect_error(LIMIT "max 1 per 1h action scold", "t.rules:1:43: unknown action \"scold\" "
                 "(expected accept, flag, rewrite-subject, hold, tempfail or reject)");
    expect_error("limit l key sender max 1 per 1h action lock", "t.rules:1:7: limit \"l\": "
                 "action lock needs sasl_user in its key");
    expect_error("limit l max 1 per 1h", "t.rules:1:7: limit \"l\" has no key");
    expect_error(LIMIT "count bytes", "t.rules:1:7: limit \"l\" has no max");
    expect_error("set signal_window 1h set signal_window 2h", "t.rules:1:26: setting "
                 "signal_window given twice");
    expect_error("set signal_window forever", "t.rules:1:19: bad value \"forever\" for "
                 "signal_window (expected a duration such as 1h, or off)");
    expect_error("set signal_window \"1h\"", "t.rules:1:19: expected a duration or off, "
                 "found string \"1h\"");
    expect_error("set warp on", "t.rules:1:5: unknown setting \"warp\"");
    for (int i = 0; i <= RATELIMIT_MAX_APPLY; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many),
                 "limit l%02d key sender max 1 per 1h\n", i);
    expect_error(many, "t.rules:33:7: too many limits (at most 32)");
    many[0] = '\0';
    for (int i = 0; i <= RULES_MAX_TIERS; i++)
        snprintf(many + strlen(many), sizeof(many) - strlen(many),
                 " tier t%02d if trusted max 1 per 1h", i);
    memmove(many + strlen(LIMIT "max 1 per 1h"), many, strlen(many) + 1);
    memcpy(many, LIMIT "max 1 per 1h", strlen(LIMIT "max 1 per 1h"));
    expect_error(many, "t.rules:1:569: too many tiers in limit \"l\" (at most 16)");
}

static const char tiers_rules[] =
    "list bulk_senders = newsletter@example.org\n"
    "list vips = boss\n"
    "limit per_user\n"
    "    key sasl_user\n"
    "    max 100 per 10m, 500 per 1d\n"
    "    tier bulk if sender in bulk_senders max 1000 per 1h\n"
    "    tier vip if sasl_user in vips max 5000 per 1d\n"
    "    except sasl_user == \"robot\"\n"
    "    action lock for 1d\n"
    "limit outbound_rcpts\n"
    "    if authenticated\n"
    "    key sender, client_net 16 48\n"
    "    count recipients\n"
    "    max 10k per 1h\n"
    "    action reject 554 5.7.1 \"Too many recipients\"\n"
    "rule MANY_ADDRS if sasl_client_addrs > 3 and sasl_rcpt_domains >= 20 score 2\n";

/* resolve - the limits that apply to f, as "limit/tier ..." */
static const char *resolve(const struct ruleset *rs, const struct message_facts *f)
{
    static char out[256];
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    size_t n;

    out[0] = '\0';
    assert_int_equal(rules_limits_resolve(rs, f, apply, &n), 0);
    for (size_t i = 0; i < n; i++)
        snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%s/%s", i ? " " : "",
                 apply[i].limit->name, apply[i].tier->name);
    return out;
}

/* test_limit_parse - a full statement, read back */
static void test_limit_parse(void **state)
{
    struct vigie_error err;
    struct ruleset *rs = parse(tiers_rules, &err);
    struct message_facts f = facts_of("alice", "alice@example.org");
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    const struct limit_def *l;
    size_t n;

    (void)state;
    if (rs == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(rules_limit_count(rs), 2);
    assert_int_equal(rules_signal_window(rs), 3600);
    assert_int_equal(rules_limits_resolve(rs, &f, apply, &n), 0);
    assert_int_equal(n, 2);
    l = apply[0].limit;
    assert_string_equal(l->name, "per_user");
    assert_int_equal(l->key_count, 1);
    assert_int_equal(l->key[0], LIMIT_KEY_SASL_USER);
    assert_int_equal(l->count, LIMIT_COUNT_MESSAGES);
    assert_int_equal(l->base.window_count, 2);
    assert_int_equal(l->base.windows[0].seconds, 600);
    assert_int_equal(l->base.windows[0].max, 100);
    assert_int_equal(l->base.windows[1].seconds, 86400);
    assert_int_equal(l->base.windows[1].max, 500);
    assert_true(l->lock);
    assert_int_equal(l->lock_seconds, 86400);
    l = apply[1].limit;
    assert_int_equal(l->key_count, 2);
    assert_int_equal(l->key[1], LIMIT_KEY_CLIENT_NET);
    assert_int_equal(l->net4, 16);
    assert_int_equal(l->net6, 48);
    assert_int_equal(l->count, LIMIT_COUNT_RECIPIENTS);
    assert_int_equal(l->base.windows[0].max, 10240);
    assert_false(l->lock);
    assert_int_equal(l->action.kind, ACTION_REJECT);
    assert_string_equal(l->action.reply_code, "554");
    assert_string_equal(l->action.text, "Too many recipients");
    assert_string_equal(limit_key_part_name(l->key[1]), "client_net");
    assert_string_equal(limit_count_name(l->count), "recipients");
    rules_free(rs);

    /* Defaults: messages, tempfail 451 4.7.1; signal_window off. */
    rs = parse("set signal_window off limit d key client_addr max 0 per 1m", &err);
    if (rs == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(rules_signal_window(rs), 0);
    assert_int_equal(rules_limits_resolve(rs, &f, apply, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(apply[0].limit->count, LIMIT_COUNT_MESSAGES);
    assert_int_equal(apply[0].limit->action.kind, ACTION_TEMPFAIL);
    assert_string_equal(apply[0].limit->action.reply_code, "451");
    assert_string_equal(apply[0].limit->action.status_code, "4.7.1");
    assert_int_equal(apply[0].limit->net4, RATELIMIT_NET4);
    rules_free(rs);
    rs = parse("set signal_window 1d rule R if trusted", &err);
    assert_non_null(rs);
    assert_int_equal(rules_signal_window(rs), 86400);
    assert_int_equal(rules_limit_count(rs), 0);
    rules_free(rs);
}

/* test_tier_resolution - if, except, and the first tier that holds */
static void test_tier_resolution(void **state)
{
    struct vigie_error err;
    struct ruleset *rs = parse(tiers_rules, &err);
    struct message_facts f;

    (void)state;
    assert_non_null(rs);
    f = facts_of("alice", "alice@example.org");
    assert_string_equal(resolve(rs, &f), "per_user/default outbound_rcpts/default");
    f = facts_of("alice", "Newsletter@Example.org");
    assert_string_equal(resolve(rs, &f), "per_user/bulk outbound_rcpts/default");
    f = facts_of("boss", "boss@example.org");
    assert_string_equal(resolve(rs, &f), "per_user/vip outbound_rcpts/default");
    f = facts_of("boss", "newsletter@example.org");
    assert_string_equal(resolve(rs, &f), "per_user/bulk outbound_rcpts/default");
    f = facts_of("robot", "robot@example.org");
    assert_string_equal(resolve(rs, &f), "outbound_rcpts/default");
    f = facts_of("", "someone@example.net");
    assert_string_equal(resolve(rs, &f), "per_user/default");
    rules_free(rs);
}

/* test_signal_facts - rules see the signals of the SASL user */
static void test_signal_facts(void **state)
{
    struct vigie_error err;
    struct ruleset *rs = parse(tiers_rules, &err);
    struct message_facts f = facts_of("alice", "alice@example.org");
    struct verdict v;

    (void)state;
    assert_non_null(rs);
    f.sasl_client_addrs = 4;
    f.sasl_rcpt_domains = 19;
    assert_int_equal(rules_evaluate(rs, &f, &v), 0);
    assert_int_equal(v.hit_count, 0);
    verdict_free(&v);
    f.sasl_rcpt_domains = 20;
    assert_int_equal(rules_evaluate(rs, &f, &v), 0);
    assert_int_equal(v.hit_count, 1);
    assert_string_equal(v.hits[0].name, "MANY_ADDRS");
    verdict_free(&v);
    rules_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_durations),
        cmocka_unit_test(test_key_values),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_limit_errors),
        cmocka_unit_test(test_limit_parse),
        cmocka_unit_test(test_tier_resolution),
        cmocka_unit_test(test_signal_facts),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
