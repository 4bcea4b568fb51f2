/*
 * NAME
 *	test_redis_conf - unit tests for lib/redis_conf.c, against a real Redis
 * DESCRIPTION
 *	A connection made from vigie.conf's keys: address and password
 *	(AUTH), redis_timeout and the caller's longer timeout, the
 *	sentinels taking precedence over redis_address, and
 *	redis_conf_same for each key it compares. Skipped when
 *	redis-server is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "config.h"
#include "redis_conf.h"
#include "redis_server.h"

#define PASSWORD "pass#word"

static struct redis_server server;
static bool have_server;

static int setup(void **state)
{
    (void)state;
    return redis_server_group_setup(&server, PASSWORD, &have_server);
}

static int teardown(void **state)
{
    (void)state;
    if (have_server)
        redis_server_stop(&server);
    return 0;
}

/* load - a configuration from text (printf-like); fails the test on error */
static struct vigie_config *load(const char *fmt, ...)
{
    struct vigie_error err;
    struct vigie_config *config;
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if ((config = config_parse("test.conf", text, strlen(text), false, &err)) == NULL)
        fail_msg("%s", err.msg);
    return config;
}

/* run - "PING" or "DEBUG SLEEP 0.3" on rc; the reply's string or status, or the error */
static const char *run(struct redisconn *rc, const char *command)
{
    static char out[sizeof(((struct vigie_error *)0)->msg) + 8];
    char copy[64];
    const char *argv[4];
    size_t argvlen[4];
    int argc = 0;
    struct vigie_error err;
    redisReply *r;

    snprintf(copy, sizeof(copy), "%s", command);
    for (char *save, *w = strtok_r(copy, " ", &save); w != NULL && argc < 4;
         w = strtok_r(NULL, " ", &save)) {
        argv[argc] = w;
        argvlen[argc++] = strlen(w);
    }
    r = redisconn_command(rc, argc, argv, argvlen, &err);

    if (r == NULL) {
        snprintf(out, sizeof(out), "error: %s", err.msg);
        return out;
    }
    snprintf(out, sizeof(out), "%s", r->str ? r->str : "?");
    freeReplyObject(r);
    return out;
}

/* test_address - redis_address with redis_password: AUTH is sent */
static void test_address(void **state)
{
    struct vigie_config *config;
    struct vigie_config *wrong;
    struct vigie_error err;
    struct redisconn *rc;

    (void)state;
    if (!have_server)
        skip();
    config = load("redis_address = %s\nredis_password = " PASSWORD "\n", server.address);
    assert_non_null(rc = redis_conf_connect(config, 0, &err));
    assert_string_equal(run(rc, "PING"), "PONG");
    redisconn_free(rc);

    wrong = load("redis_address = %s\n", server.unix_address);
    assert_non_null(rc = redis_conf_connect(wrong, 0, &err));
    assert_non_null(strstr(run(rc, "PING"), "NOAUTH"));
    redisconn_free(rc);
    config_free(wrong);
    config_free(config);
}

/* test_timeout - redis_timeout applies, unless the caller asks for longer */
static void test_timeout(void **state)
{
    struct vigie_config *config;
    struct vigie_error err;
    struct redisconn *rc;

    (void)state;
    if (!have_server)
        skip();
    config = load("redis_address = %s\nredis_password = " PASSWORD "\nredis_timeout = 50ms\n",
                  server.address);
    assert_non_null(rc = redis_conf_connect(config, 0, &err));
    assert_non_null(strstr(run(rc, "DEBUG SLEEP 0.3"), "error: "));
    redisconn_free(rc);
    assert_non_null(rc = redis_conf_connect(config, 2000, &err));
    assert_string_equal(run(rc, "DEBUG SLEEP 0.3"), "OK");
    redisconn_free(rc);
    config_free(config);
}

/* test_sentinels - with redis_sentinels, the master's address is asked of them */
static void test_sentinels(void **state)
{
    struct vigie_config *config;
    struct vigie_error err;
    struct redisconn *rc;
    char expected[128];

    (void)state;
    if (!have_server)
        skip();
    /* A plain Redis knows no SENTINEL command: the address given is not used. */
    config = load("redis_address = %s\nredis_password = " PASSWORD "\nredis_sentinels = %s\n"
                  "redis_sentinel_master = mymaster\n", server.address, server.address);
    assert_non_null(rc = redis_conf_connect(config, 0, &err));
    snprintf(expected, sizeof(expected), "error: sentinel %s: knows no master \"mymaster\"",
             server.address);
    assert_string_equal(run(rc, "PING"), expected);
    redisconn_free(rc);
    config_free(config);
}

/* test_same - each key redis_conf_same compares makes a difference */
static void test_same(void **state)
{
#define SENTINELS "redis_sentinels = 127.0.0.1:26379\nredis_sentinel_master = n\n"
    static const char *const variants[] = {
        SENTINELS "redis_address = 127.0.0.1:6380\n",
        SENTINELS "redis_password = other\n",
        SENTINELS "redis_connect_timeout = 1s\n",
        SENTINELS "redis_timeout = 1s\n",
        "redis_sentinels = 127.0.0.1:26380\nredis_sentinel_master = n\n",
        "redis_sentinels = 127.0.0.1:26379\nredis_sentinel_master = m\n",
        "",
    };
    struct vigie_config *base = load(SENTINELS);
    struct vigie_config *other;

    (void)state;
    other = load(SENTINELS "redis_prefix = elsewhere:\nfail_policy = tempfail\n");
    assert_true(redis_conf_same(base, other));
    config_free(other);
    for (size_t i = 0; i < sizeof(variants) / sizeof(variants[0]); i++) {
        other = load("%s", variants[i]);
        assert_false(redis_conf_same(base, other));
        assert_false(redis_conf_same(other, base));
        config_free(other);
    }
    config_free(base);
#undef SENTINELS
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_sentinels),
        cmocka_unit_test(test_same),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
