/*
 * NAME
 *	test_authres - unit tests for lib/authres.c
 * DESCRIPTION
 *	Golden Authentication-Results and Received-SPF values; values from
 *	the message that need quoting; no CR or LF from input ever reaches
 *	the output (only the module's own "\n\t" folds); every error
 *	message; and the recogniser of our own authserv-id.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "authres.h"

/* assert_no_input_breaks - every CR or LF in v is one of our "\n\t" folds */
static void assert_no_input_breaks(const char *v)
{
    for (const char *p = v; *p; p++) {
        assert_true(*p != '\r');
        if (*p == '\n')
            assert_int_equal(p[1], '\t');
        assert_true((unsigned char)*p >= 0x20 || *p == '\n' || *p == '\t');
    }
}

/* test_names - every result has its RFC 8601 name */
static void test_names(void **state)
{
    (void)state;
    assert_string_equal(authres_result_name(AUTHRES_NONE), "none");
    assert_string_equal(authres_result_name(AUTHRES_PASS), "pass");
    assert_string_equal(authres_result_name(AUTHRES_FAIL), "fail");
    assert_string_equal(authres_result_name(AUTHRES_SOFTFAIL), "softfail");
    assert_string_equal(authres_result_name(AUTHRES_NEUTRAL), "neutral");
    assert_string_equal(authres_result_name(AUTHRES_POLICY), "policy");
    assert_string_equal(authres_result_name(AUTHRES_TEMPERROR), "temperror");
    assert_string_equal(authres_result_name(AUTHRES_PERMERROR), "permerror");
    assert_string_equal(authres_result_name((enum authres_result)42), "permerror");
}

/* test_format - spf, dkim and dmarc in one field */
static void test_format(void **state)
{
    struct authres_method m[] = {
        {.method = "spf", .result = AUTHRES_PASS, .prop_count = 2,
         .props = {{"smtp", "mailfrom", "joe@example.org"}, {"smtp", "helo", "mail.example.org"}}},
        {.method = "dkim", .result = AUTHRES_FAIL, .reason = "body hash did not verify",
         .prop_count = 2, .props = {{"header", "d", "example.org"}, {"header", "s", "sel-2024"}}},
        {.method = "dmarc", .result = AUTHRES_PASS, .prop_count = 1,
         .props = {{"header", "from", "example.org"}}},
    };
    struct vigie_error err;
    char *v;

    (void)state;
    assert_int_equal(authres_format("mx.example.net", m, 3, &v, &err), 0);
    assert_string_equal(v, "mx.example.net;\n"
                        "\tspf=pass smtp.mailfrom=joe@example.org smtp.helo=mail.example.org;\n"
                        "\tdkim=fail reason=\"body hash did not verify\" header.d=example.org"
                        " header.s=sel-2024;\n"
                        "\tdmarc=pass header.from=example.org");
    free(v);
    assert_int_equal(authres_format("mx.example.net", NULL, 0, &v, &err), 0);
    assert_string_equal(v, "mx.example.net; none");
    free(v);
}

/* test_quoting - values from the message are quoted and cleaned when they must be */
static void test_quoting(void **state)
{
    struct authres_method m = {
        .method = "spf", .result = AUTHRES_SOFTFAIL, .reason = "a \"quoted\"\r\nreason\\",
        .prop_count = 3,
        .props = {{"smtp", "mailfrom", "\"joe smith\"@example.org\r\nX-Evil: yes"},
                  {"smtp", "helo", "[192.0.2.1]"},
                  {"smtp", "mailfrom", "caf\xc3\xa9@example.org"}},
    };
    struct vigie_error err;
    char *v;

    (void)state;
    assert_int_equal(authres_format("mx host", &m, 1, &v, &err), 0);
    assert_string_equal(v, "\"mx host\";\n"
                        "\tspf=softfail reason=\"a \\\"quoted\\\"??reason\\\\\""
                        " smtp.mailfrom=\"\\\"joe smith\\\"@example.org??X-Evil: yes\""
                        " smtp.helo=\"[192.0.2.1]\""
                        " smtp.mailfrom=\"caf??@example.org\"");
    assert_no_input_breaks(v);
    free(v);
}

/* test_plain_values - tokens and addresses stay as they are; the rest is quoted */
static void test_plain_values(void **state)
{
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"example.org", "example.org"},
        {"joe.smith+tag@example.org", "joe.smith+tag@example.org"},
        {"@example.org", "@example.org"},
        {"joe..smith@example.org", "\"joe..smith@example.org\""},
        {"joe@example..org", "\"joe@example..org\""},
        {"joe@", "\"joe@\""},
        {"", "\"\""},
        {"a;b", "\"a;b\""},
    };
    struct vigie_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct authres_method m = {.method = "dkim", .result = AUTHRES_PASS, .prop_count = 1,
                                   .props = {{"header", "d", cases[i].in}}};
        char want[128], *v;

        assert_int_equal(authres_format("id", &m, 1, &v, &err), 0);
        snprintf(want, sizeof(want), "id;\n\tdkim=pass header.d=%s", cases[i].out);
        assert_string_equal(v, want);
        free(v);
    }
}

/* test_format_errors - names we would print unquoted must be tokens */
static void test_format_errors(void **state)
{
    struct authres_method m = {.method = "sp f", .result = AUTHRES_PASS};
    struct vigie_error err;
    char *v = (char *)"untouched";

    (void)state;
    assert_int_equal(authres_format("id", &m, 1, &v, &err), -1);
    assert_null(v);
    assert_string_equal(err.msg, "Authentication-Results: method name is not a token");
    m.method = "";
    assert_int_equal(authres_format("id", &m, 1, &v, &err), -1);
    m.method = "spf";
    m.prop_count = AUTHRES_MAX_PROPS + 1;
    assert_int_equal(authres_format("id", &m, 1, &v, &err), -1);
    assert_string_equal(err.msg, "Authentication-Results: spf: more than 3 properties");
    m.prop_count = 1;
    m.props[0] = (struct authres_prop){"smtp", "mail from", "x"};
    assert_int_equal(authres_format("id", &m, 1, &v, &err), -1);
    assert_string_equal(err.msg, "Authentication-Results: spf: property name is not a token");
    m.props[0] = (struct authres_prop){"smtp\n", "mailfrom", "x"};
    assert_int_equal(authres_format("id", &m, 1, &v, &err), -1);
}

/* spf - a Received-SPF value */
static char *spf(enum authres_result result, const char *identity, const char *problem)
{
    struct authres_spf s = {
        .result = result, .identity = identity, .client_ip = "192.0.2.1",
        .envelope_from = strcmp(identity, "helo") == 0 ? "" : "joe@example.org",
        .helo = "mail.example.org", .receiver = "mx.example.net", .problem = problem,
    };
    struct vigie_error err;
    char *v;

    assert_int_equal(authres_received_spf(&s, &v, &err), 0);
    assert_no_input_breaks(v);
    return v;
}

/* test_received_spf - every result's comment, the helo identity, the keys */
static void test_received_spf(void **state)
{
    static const struct {
        enum authres_result result;
        const char *comment;
    } cases[] = {
        {AUTHRES_PASS, "domain of joe@example.org designates 192.0.2.1 as permitted sender"},
        {AUTHRES_FAIL, "domain of joe@example.org does not designate 192.0.2.1 as permitted sender"},
        {AUTHRES_SOFTFAIL, "domain of joe@example.org does not designate 192.0.2.1 as permitted sender"},
        {AUTHRES_NEUTRAL, "192.0.2.1 is neither permitted nor denied by domain of joe@example.org"},
        {AUTHRES_NONE, "none for joe@example.org"},
        {AUTHRES_PERMERROR, "permerror for joe@example.org: too many lookups"},
    };
    char want[512], *v;

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        v = spf(cases[i].result, "mailfrom",
                cases[i].result == AUTHRES_PERMERROR ? "too many lookups" : NULL);
        snprintf(want, sizeof(want), "%s (mx.example.net: %s)\n"
                 "\tclient-ip=192.0.2.1; envelope-from=\"joe@example.org\"; helo=mail.example.org;\n"
                 "\treceiver=mx.example.net; identity=mailfrom;",
                 authres_result_name(cases[i].result), cases[i].comment);
        assert_string_equal(v, want);
        free(v);
    }
    v = spf(AUTHRES_TEMPERROR, "helo", "");
    assert_string_equal(v, "temperror (mx.example.net: temperror for mail.example.org)\n"
                        "\tclient-ip=192.0.2.1; helo=mail.example.org;\n"
                        "\treceiver=mx.example.net; identity=helo;");
    free(v);
}

/* test_received_spf_hostile - input that would break the header or the comment */
static void test_received_spf_hostile(void **state)
{
    struct authres_spf s = {
        .result = AUTHRES_FAIL, .identity = "mailfrom", .client_ip = "2001:db8::1",
        .envelope_from = "a(b)c\\@example.org\r\nX-Evil: 1", .helo = "evil)\r\n(",
        .receiver = "mx.example.net", .problem = NULL,
    };
    struct vigie_error err;
    char *v;

    (void)state;
    assert_int_equal(authres_received_spf(&s, &v, &err), 0);
    assert_string_equal(v, "fail (mx.example.net: domain of a\\(b\\)c\\\\@example.org??X-Evil: 1"
                        " does not designate 2001:db8::1 as permitted sender)\n"
                        "\tclient-ip=\"2001:db8::1\"; envelope-from=\"a(b)c\\\\@example.org??X-Evil: 1\";"
                        " helo=\"evil)?" "?(\";\n"
                        "\treceiver=mx.example.net; identity=mailfrom;");
    assert_no_input_breaks(v);
    free(v);
}

/* test_is_ours - the recogniser */
static void test_is_ours(void **state)
{
    const char *id = "mx.example.net";

    (void)state;
    assert_true(authres_is_ours("mx.example.net; spf=pass smtp.mailfrom=a@b.example", id));
    assert_true(authres_is_ours("MX.Example.NET;spf=pass", id));
    assert_true(authres_is_ours(" (forged (nested) \\) comment)\r\n\tmx.example.net; none", id));
    assert_true(authres_is_ours("\"mx.example.net\"; dkim=pass", id));
    assert_true(authres_is_ours("\"mx.ex\\ample.net\" 1; dkim=pass", id));
    assert_true(authres_is_ours("mx.example.net 1; dkim=pass", id));
    assert_true(authres_is_ours("mx.example.net(comment); dkim=pass", id));
    assert_true(authres_is_ours("mx.example.net garbage", id));
    assert_true(authres_is_ours("mx.example.net", id));
    assert_false(authres_is_ours("mx.example.net.evil; spf=pass", id));
    assert_false(authres_is_ours("evil.mx.example.net; spf=pass", id));
    assert_false(authres_is_ours("mx.example.ne; spf=pass", id));
    assert_false(authres_is_ours("mx.example.net/x; spf=pass", id));
    assert_false(authres_is_ours("\"mx.example.net x\"; spf=pass", id));
    assert_false(authres_is_ours("\"mx.example.ne\"; spf=pass", id));
    assert_false(authres_is_ours("\"mx.example.net", id));
    assert_false(authres_is_ours("(unclosed mx.example.net; spf=pass", id));
    assert_false(authres_is_ours("(a \\", id));
    assert_false(authres_is_ours("", id));
    assert_false(authres_is_ours("   ", id));
    assert_false(authres_is_ours("; spf=pass", id));
    assert_false(authres_is_ours("mx.example.net; spf=pass", ""));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_quoting),
        cmocka_unit_test(test_plain_values),
        cmocka_unit_test(test_format_errors),
        cmocka_unit_test(test_received_spf),
        cmocka_unit_test(test_received_spf_hostile),
        cmocka_unit_test(test_is_ours),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
