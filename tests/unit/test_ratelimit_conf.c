/*
 * NAME
 *	test_ratelimit_conf - unit tests for lib/ratelimit_conf.c
 * DESCRIPTION
 *	The engine's settings as vigie.conf gives them: the defaults
 *	(which must be ratelimit.h's documented ones), every key mapped,
 *	and a 4XX lock_reply turned into a tempfail.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "ratelimit_conf.h"

/* load - a configuration from text; fails the test on error */
static struct vigie_config *load(const char *text)
{
    struct vigie_error err;
    struct vigie_config *config = config_parse("test.conf", text, strlen(text), false, &err);

    if (config == NULL)
        fail_msg("%s", err.msg);
    return config;
}

/* test_defaults - an empty vigie.conf gives the engine's own defaults */
static void test_defaults(void **state)
{
    struct vigie_config *config = load("authserv_id = mx.example.org\n");
    struct ratelimit_settings builtin;
    struct ratelimit_settings s;

    (void)state;
    ratelimit_settings_default(&builtin);
    ratelimit_conf_settings(config, &s);
    assert_string_equal(s.prefix, builtin.prefix);
    assert_string_equal(s.host, "mx.example.org");
    assert_string_equal(s.alerts.command, "");
    assert_int_equal(s.alerts.timeout_ms, builtin.alerts.timeout_ms);
    assert_int_equal(s.alerts.stream_maxlen, builtin.alerts.stream_maxlen);
    assert_int_equal(s.lock_reply.kind, builtin.lock_reply.kind);
    assert_string_equal(s.lock_reply.reply_code, builtin.lock_reply.reply_code);
    assert_string_equal(s.lock_reply.status_code, builtin.lock_reply.status_code);
    assert_string_equal(s.lock_reply.text, builtin.lock_reply.text);
    config_free(config);
}

/* test_values - every key reaches its setting; the strings are config's */
static void test_values(void **state)
{
    struct vigie_config *config = load("redis_prefix = mx1:\n"
                                       "authserv_id = mx1.example.org\n"
                                       "alert_command = /usr/bin/logger -t vigie\n"
                                       "alert_timeout = 1500ms\n"
                                       "alert_stream_maxlen = 500\n"
                                       "lock_reply = 452 4.7.0 \"Sending paused\"\n");
    struct ratelimit_settings s;

    (void)state;
    ratelimit_conf_settings(config, &s);
    assert_ptr_equal(s.prefix, config->redis_prefix);
    assert_string_equal(s.prefix, "mx1:");
    assert_ptr_equal(s.host, config->authserv_id);
    assert_ptr_equal(s.alerts.command, config->alert_command);
    assert_string_equal(s.alerts.command, "/usr/bin/logger -t vigie");
    assert_int_equal(s.alerts.timeout_ms, 1500);
    assert_int_equal(s.alerts.stream_maxlen, 500);
    assert_int_equal(s.lock_reply.kind, ACTION_TEMPFAIL);
    assert_string_equal(s.lock_reply.reply_code, "452");
    assert_string_equal(s.lock_reply.status_code, "4.7.0");
    assert_string_equal(s.lock_reply.text, "Sending paused");
    config_free(config);

    config = load("lock_reply = 554 5.7.1 Locked\n");
    ratelimit_conf_settings(config, &s);
    assert_int_equal(s.lock_reply.kind, ACTION_REJECT);
    assert_string_equal(s.lock_reply.reply_code, "554");
    config_free(config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_values),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
