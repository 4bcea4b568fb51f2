/*
 * NAME
 *	test_policy_request - unit tests for policy/request.c
 * DESCRIPTION
 *	Framing (whole, byte by byte, back to back, CRLF, each limit and
 *	each junk), parsing (every attribute and protocol_state, unknown
 *	and repeated attributes, every error message), replies.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "request.h"

static const struct policy_limits limits = {256, 8};

/* frame_all - frame text given whole; returns the status, *len the request's length */
static enum policy_frame_status frame_all(const char *text, size_t *len, struct vigie_error *err)
{
    struct policy_framer f;

    policy_framer_reset(&f);
    return policy_frame(&f, text, strlen(text), &limits, len, err);
}

/* parse_text - frame and parse a copy of text; 0 or -1 (err set) */
static int parse_text(const char *text, char *buf, size_t size, struct policy_request *req,
                      struct vigie_error *err)
{
    size_t len = 0;

    assert_true(strlen(text) < size);
    strcpy(buf, text);
    assert_int_equal(frame_all(buf, &len, err), POLICY_FRAME_DONE);
    return policy_request_parse(buf, len, req, err);
}

/* expect_parse_error - text frames but does not parse, with message */
static void expect_parse_error(const char *text, const char *message)
{
    struct policy_request req;
    struct vigie_error err = {{0}};
    char buf[512];

    assert_int_equal(parse_text(text, buf, sizeof(buf), &req, &err), -1);
    assert_string_equal(err.msg, message);
}

/* expect_frame_error - text is refused while framing, with message */
static void expect_frame_error(const char *text, size_t text_len, const char *message)
{
    struct policy_framer f;
    struct vigie_error err = {{0}};
    size_t len = 0;

    policy_framer_reset(&f);
    assert_int_equal(policy_frame(&f, text, text_len, &limits, &len, &err),
                     POLICY_FRAME_ERROR);
    assert_string_equal(err.msg, message);
}

/* test_frame_whole - one request at once, then with what follows it */
static void test_frame_whole(void **state)
{
    static const char one[] = "request=smtpd_access_policy\nprotocol_state=RCPT\n\n";
    struct vigie_error err;
    size_t len = 0;
    char two[200];

    (void)state;
    assert_int_equal(frame_all(one, &len, &err), POLICY_FRAME_DONE);
    assert_int_equal(len, strlen(one));
    snprintf(two, sizeof(two), "%srequest=smtpd", one);
    assert_int_equal(frame_all(two, &len, &err), POLICY_FRAME_DONE);
    assert_int_equal(len, strlen(one));
    assert_int_equal(frame_all("request=x\n", &len, &err), POLICY_FRAME_MORE);
    assert_int_equal(frame_all("", &len, &err), POLICY_FRAME_MORE);
    /* An empty line alone is an (empty) request: the parser refuses it. */
    assert_int_equal(frame_all("\n", &len, &err), POLICY_FRAME_DONE);
    assert_int_equal(len, 1);
}

/* test_frame_bytewise - the same request arriving one byte at a time */
static void test_frame_bytewise(void **state)
{
    static const char text[] = "request=smtpd_access_policy\r\nsender=a@b\r\n\r\n";
    struct policy_framer f;
    struct vigie_error err;
    size_t len = 0;
    size_t i;

    (void)state;
    policy_framer_reset(&f);
    for (i = 1; i < strlen(text); i++)
        assert_int_equal(policy_frame(&f, text, i, &limits, &len, &err), POLICY_FRAME_MORE);
    assert_int_equal(policy_frame(&f, text, i, &limits, &len, &err), POLICY_FRAME_DONE);
    assert_int_equal(len, strlen(text));
    assert_int_equal(f.lines, 2);
}

/* test_frame_limits - size, lines, NUL */
static void test_frame_limits(void **state)
{
    struct vigie_error err;
    char big[300];
    char lines[200] = "";
    size_t len;

    (void)state;
    memset(big, 'a', sizeof(big));
    expect_frame_error(big, 256, "request longer than 256 bytes (policy_max_request)");
    for (int i = 0; i < 9; i++)
        strcat(lines, "a=b\n");
    expect_frame_error(lines, strlen(lines), "more than 8 attribute lines"
                       " (policy_max_attributes)");
    expect_frame_error("request=smtpd\nsender=a\0b\n\n", 24,
                       "NUL byte in line 2: binary data, not a policy request");
    /* Exactly the limits: accepted. */
    lines[8 * 4] = '\n';
    lines[8 * 4 + 1] = '\0';
    assert_int_equal(frame_all(lines, &len, &err), POLICY_FRAME_DONE);
}

/* test_parse_all - every attribute vigie reads */
static void test_parse_all(void **state)
{
    static const char text[] =
        "request=smtpd_access_policy\n"
        "protocol_state=END-OF-MESSAGE\n"
        "protocol_name=ESMTP\n"
        "helo_name=client.example\n"
        "queue_id=8045F2AB23\n"
        "sender=foo@bar.tld\n"
        "recipient=bar@foo.tld\n"
        "recipient_count=3\n"
        "client_address=1.2.3.4\n"
        "client_name=another.domain.tld\n"
        "reverse_client_name=rev.domain.tld\n"
        "instance=123.456.7\n"
        "sasl_method=plain\n"
        "sasl_username=you\n"
        "sasl_sender=\n"
        "size=12345\n"
        "ccert_subject=solaris9.porcupine.org\n"
        "etrn_domain=\n"
        "stress=yes\n"
        "policy_context=submission\n"
        "client_port=1234\n"
        "server_address=10.3.2.1\n"
        "server_port=54321\n"
        "\n";
    static const struct policy_limits wide = {4096, 100};
    struct policy_framer f;
    struct policy_request req;
    struct vigie_error err;
    char buf[sizeof(text)];
    size_t len;

    (void)state;
    memcpy(buf, text, sizeof(text));
    policy_framer_reset(&f);
    assert_int_equal(policy_frame(&f, buf, strlen(buf), &wide, &len, &err), POLICY_FRAME_DONE);
    assert_int_equal(policy_request_parse(buf, len, &req, &err), 0);
    assert_string_equal(req.request, "smtpd_access_policy");
    assert_int_equal(req.state, POLICY_STATE_END_OF_MESSAGE);
    assert_string_equal(req.state_name, "END-OF-MESSAGE");
    assert_string_equal(req.protocol_name, "ESMTP");
    assert_string_equal(req.helo_name, "client.example");
    assert_string_equal(req.queue_id, "8045F2AB23");
    assert_string_equal(req.sender, "foo@bar.tld");
    assert_string_equal(req.recipient, "bar@foo.tld");
    assert_int_equal(req.recipient_count, 3);
    assert_string_equal(req.client_address, "1.2.3.4");
    assert_string_equal(req.client_name, "another.domain.tld");
    assert_string_equal(req.reverse_client_name, "rev.domain.tld");
    assert_string_equal(req.instance, "123.456.7");
    assert_string_equal(req.sasl_method, "plain");
    assert_string_equal(req.sasl_username, "you");
    assert_string_equal(req.sasl_sender, "");
    assert_int_equal(req.size, 12345);
    assert_string_equal(req.etrn_domain, "");
    assert_string_equal(req.stress, "yes");
    assert_string_equal(req.policy_context, "submission");
    assert_string_equal(req.client_port, "1234");
    assert_string_equal(req.server_address, "10.3.2.1");
    assert_string_equal(req.server_port, "54321");
    assert_int_equal(req.attributes, 23);
}

/* test_parse_defaults - absent attributes are "" and 0; repeats keep the last */
static void test_parse_defaults(void **state)
{
    struct policy_request req;
    struct vigie_error err;
    char buf[512];

    (void)state;
    assert_int_equal(parse_text("request=smtpd_access_policy\nsender=a@x\nsender=b@x\n"
                                "new_attribute_of_postfix_9=whatever=with=equals\n"
                                "size=\n\n", buf, sizeof(buf), &req, &err), 0);
    assert_string_equal(req.sender, "b@x");
    assert_int_equal(req.state, POLICY_STATE_UNKNOWN);
    assert_string_equal(req.state_name, "");
    assert_string_equal(req.recipient, "");
    assert_string_equal(req.sasl_username, "");
    assert_int_equal(req.size, 0);
    assert_int_equal(req.recipient_count, 0);
    assert_int_equal(req.attributes, 5);
    /* CRLF lines and TAB in a value */
    assert_int_equal(parse_text("request=smtpd_access_policy\r\nhelo_name=a\tb\r\n\r\n",
                                buf, sizeof(buf), &req, &err), 0);
    assert_string_equal(req.helo_name, "a\tb");
}

/* test_parse_states - every protocol_state, and one this version does not know */
static void test_parse_states(void **state)
{
    static const struct {
        const char *name;
        enum policy_state state;
    } states[] = {
        {"CONNECT", POLICY_STATE_CONNECT}, {"EHLO", POLICY_STATE_EHLO},
        {"HELO", POLICY_STATE_HELO}, {"MAIL", POLICY_STATE_MAIL},
        {"RCPT", POLICY_STATE_RCPT}, {"DATA", POLICY_STATE_DATA},
        {"END-OF-MESSAGE", POLICY_STATE_END_OF_MESSAGE}, {"VRFY", POLICY_STATE_VRFY},
        {"ETRN", POLICY_STATE_ETRN}, {"BDAT", POLICY_STATE_UNKNOWN},
        {"rcpt", POLICY_STATE_UNKNOWN},
    };
    struct policy_request req;
    struct vigie_error err;
    char text[128], buf[128];

    (void)state;
    for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++) {
        snprintf(text, sizeof(text), "request=smtpd_access_policy\nprotocol_state=%s\n\n",
                 states[i].name);
        assert_int_equal(parse_text(text, buf, sizeof(buf), &req, &err), 0);
        assert_int_equal(req.state, states[i].state);
        assert_string_equal(req.state_name, states[i].name);
        if (states[i].state != POLICY_STATE_UNKNOWN)
            assert_string_equal(policy_state_name(req.state), states[i].name);
    }
    assert_string_equal(policy_state_name(POLICY_STATE_UNKNOWN), "unknown");
}

/* test_parse_errors - every message of policy_request_parse */
static void test_parse_errors(void **state)
{
    (void)state;
    expect_parse_error("request=smtpd_access_policy\nno equals sign here\n\n",
                       "line 2: no '=' in \"no equals sign here\"");
    expect_parse_error("request=smtpd_access_policy\n=value\n\n",
                       "line 2: empty attribute name");
    expect_parse_error("request=smtpd_access_policy\nsender=a\033[31mb\n\n",
                       "line 2: control character 0x1b");
    expect_parse_error("request=smtpd_access_policy\nsender=a\rb\n\n",
                       "line 2: control character 0x0d");
    expect_parse_error("request=smtpd_access_policy\nsize=12k\n\n",
                       "line 2: size=12k: not a number");
    expect_parse_error("request=smtpd_access_policy\nrecipient_count=-1\n\n",
                       "line 2: recipient_count=-1: not a number");
    expect_parse_error("request=smtpd_access_policy\nsize=99999999999999999999999\n\n",
                       "line 2: size=99999999999999999999999: not a number");
    expect_parse_error("sender=a@b\n\n", "no request attribute: not a policy request");
    expect_parse_error("\n", "no request attribute: not a policy request");
    expect_parse_error("request=junk\n\n",
                       "request=junk: not an SMTPD access policy request");
    /* What is quoted is short and printable. */
    expect_parse_error("request=smtpd_access_policy\n"
                       "\xff\xfe long line without an equals sign, longer than forty bytes\n\n",
                       "line 2: no '=' in \"?? long line without an equals sign, lon...\"");
}

/* test_parse_unterminated - a buffer without its empty line */
static void test_parse_unterminated(void **state)
{
    struct policy_request req;
    struct vigie_error err = {{0}};
    char buf[] = "request=smtpd_access_policy\n";

    (void)state;
    assert_int_equal(policy_request_parse(buf, strlen(buf), &req, &err), -1);
    assert_string_equal(err.msg, "request not ended by an empty line");
}

/* test_reply - the reply line, made safe and bounded */
static void test_reply(void **state)
{
    char buf[POLICY_REPLY_MAX];
    char long_action[2 * POLICY_REPLY_MAX];
    size_t n;

    (void)state;
    n = policy_reply("DUNNO", buf);
    assert_int_equal(n, strlen("action=DUNNO\n\n"));
    assert_memory_equal(buf, "action=DUNNO\n\n", n);
    n = policy_reply("REJECT 5.7.1 bad\r\ntext\x7f", buf);
    assert_memory_equal(buf, "action=REJECT 5.7.1 bad  text \n\n", n);
    memset(long_action, 'x', sizeof(long_action) - 1);
    long_action[sizeof(long_action) - 1] = '\0';
    n = policy_reply(long_action, buf);
    assert_int_equal(n, POLICY_REPLY_MAX);
    assert_memory_equal(buf + n - 3, "x\n\n", 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_frame_whole),
        cmocka_unit_test(test_frame_bytewise),
        cmocka_unit_test(test_frame_limits),
        cmocka_unit_test(test_parse_all),
        cmocka_unit_test(test_parse_defaults),
        cmocka_unit_test(test_parse_states),
        cmocka_unit_test(test_parse_errors),
        cmocka_unit_test(test_parse_unterminated),
        cmocka_unit_test(test_reply),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
