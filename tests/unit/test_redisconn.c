/*
 * NAME
 *	test_redisconn - unit tests for lib/redisconn.c, against a real Redis
 * DESCRIPTION
 *	Address parsing (every error message), commands over TCP and a
 *	unix socket, error replies, AUTH (the password never appears in
 *	a message), a refused connection and the retry delay, a command
 *	timeout followed by a reconnection, pipelined commands, and Lua
 *	scripts (including recovery after SCRIPT FLUSH). The tests needing
 *	Redis are skipped when redis-server is not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "redis_server.h"
#include "redisconn.h"

static struct redis_server server;
static bool have_server;

static const struct redis_script echo_script = {"echo", "return ARGV[1]"};
static const struct redis_script broken_script = {"broken", "return redis.call('NOSUCH')"};

static int setup(void **state)
{
    (void)state;
    return redis_server_group_setup(&server, NULL, &have_server);
}

static int teardown(void **state)
{
    (void)state;
    if (have_server)
        redis_server_stop(&server);
    return 0;
}

/* connect_to - a redisconn to address with short timeouts */
static struct redisconn *connect_to(const char *address, const char *password,
                                    unsigned timeout_ms)
{
    struct redisconn_params p = {address, password, 500, timeout_ms};
    struct vigie_error err;
    struct redisconn *rc = redisconn_new(&p, &err);

    assert_non_null(rc);
    return rc;
}

/* run - one command from words; NULL on error */
static redisReply *run(struct redisconn *rc, struct vigie_error *err, int argc, ...)
{
    const char *argv[8];
    size_t argvlen[8];
    va_list ap;

    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        argv[i] = va_arg(ap, const char *);
        argvlen[i] = strlen(argv[i]);
    }
    va_end(ap);
    return redisconn_command(rc, argc, argv, argvlen, err);
}

/* test_bad_addresses - each malformed address has its message */
static void test_bad_addresses(void **state)
{
    static const struct {
        const char *address;
        const char *msg;
    } bad[] = {
        {"unix:relative", "redis address \"unix:relative\": a unix socket needs an absolute path"},
        {"localhost", "redis address \"localhost\": expected host:port, [ipv6]:port or unix:/path"},
        {":6379", "redis address \":6379\": expected host:port, [ipv6]:port or unix:/path"},
        {"[::1:6379", "redis address \"[::1:6379\": unbalanced brackets"},
        {"::1:6379", "redis address \"::1:6379\": write an IPv6 address as [addr]:port"},
        {"host:", "redis address \"host:\": bad port"},
        {"host:70000", "redis address \"host:70000\": bad port"},
        {"host:12x", "redis address \"host:12x\": bad port"},
    };
    struct vigie_error err;

    (void)state;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct redisconn_params p = {bad[i].address, NULL, 100, 100};

        assert_null(redisconn_new(&p, &err));
        assert_string_equal(err.msg, bad[i].msg);
    }
}

/* test_commands - TCP and unix socket; error replies */
static void test_commands(void **state)
{
    const char *addresses[2] = {server.address, server.unix_address};
    struct vigie_error err;
    redisReply *r;

    (void)state;
    if (!have_server)
        skip();
    for (int i = 0; i < 2; i++) {
        struct redisconn *rc = connect_to(addresses[i], NULL, 1000);

        r = run(rc, &err, 3, "SET", "k", "v");
        assert_non_null(r);
        freeReplyObject(r);
        r = run(rc, &err, 2, "GET", "k");
        assert_non_null(r);
        assert_string_equal(r->str, "v");
        freeReplyObject(r);
        assert_null(run(rc, &err, 1, "NOSUCHCOMMAND"));
        assert_non_null(strstr(err.msg, "ERR unknown command"));
        assert_memory_equal(err.msg, "redis ", 6);
        redisconn_free(rc);
    }
}

/* test_run - commands of C strings whose reply is discarded */
static void test_run(void **state)
{
    const char *set[3] = {"SET", "runkey", "ran"}, *bad[1] = {"NOSUCHCOMMAND"};
    struct redisconn *rc;
    struct vigie_error err;
    redisReply *r;

    (void)state;
    if (!have_server)
        skip();
    rc = connect_to(server.address, NULL, 1000);
    assert_int_equal(redisconn_run(rc, 3, set, &err), 0);
    r = run(rc, &err, 2, "GET", "runkey");
    assert_non_null(r);
    assert_string_equal(r->str, "ran");
    freeReplyObject(r);
    assert_int_equal(redisconn_run(rc, 1, bad, &err), -1);
    assert_non_null(strstr(err.msg, "ERR unknown command"));
    redisconn_free(rc);
}

/* test_refused - connection refused, then the retry delay */
static void test_refused(void **state)
{
    char address[32];
    struct redisconn *rc;
    struct vigie_error err;
    char expected[128];

    (void)state;
    snprintf(address, sizeof(address), "127.0.0.1:%d", free_port());
    rc = connect_to(address, NULL, 100);
    assert_null(run(rc, &err, 1, "PING"));
    snprintf(expected, sizeof(expected), "redis %s: Connection refused", address);
    assert_string_equal(err.msg, expected);
    assert_null(run(rc, &err, 1, "PING"));
    snprintf(expected, sizeof(expected),
             "redis %s: unreachable at the last attempt; not retrying yet", address);
    assert_string_equal(err.msg, expected);
    redisconn_free(rc);
}

/* test_auth - wrong and right passwords; the password is never shown */
static void test_auth(void **state)
{
    struct redis_server secured;
    struct redisconn *rc;
    struct vigie_error err;
    redisReply *r;
    char expected[512];

    (void)state;
    if (!have_server)
        skip();
    assert_int_equal(redis_server_start(&secured, "s3cret-pw"), 0);
    rc = connect_to(secured.address, "wrong-pw", 1000);
    assert_null(run(rc, &err, 1, "PING"));
    snprintf(expected, sizeof(expected), "redis %s: authentication failed: WRONGPASS",
             secured.address);
    assert_memory_equal(err.msg, expected, strlen(expected));
    assert_null(strstr(err.msg, "wrong-pw"));
    redisconn_free(rc);
    rc = connect_to(secured.address, NULL, 1000);
    assert_null(run(rc, &err, 1, "GET"));
    assert_null(strstr(err.msg, "s3cret"));
    redisconn_free(rc);
    rc = connect_to(secured.address, "s3cret-pw", 1000);
    r = run(rc, &err, 1, "PING");
    assert_non_null(r);
    assert_string_equal(r->str, "PONG");
    freeReplyObject(r);
    redisconn_free(rc);
    redis_server_stop(&secured);
}

/* test_timeout - a slow command fails; the next one reconnects */
static void test_timeout(void **state)
{
    struct redisconn *rc;
    struct vigie_error err;
    redisReply *r;

    (void)state;
    if (!have_server)
        skip();
    rc = connect_to(server.address, NULL, 100);
    assert_null(run(rc, &err, 3, "DEBUG", "SLEEP", "0.4"));
    assert_memory_equal(err.msg, "redis 127.0.0.1:", 16);
    nanosleep(&(struct timespec){0, 500 * 1000000L}, NULL);
    r = run(rc, &err, 1, "PING");
    assert_non_null(r);
    freeReplyObject(r);
    redisconn_free(rc);
}

/* test_pipeline - replies in order; none after a reset */
static void test_pipeline(void **state)
{
    const char *argv[2] = {"ECHO", NULL};
    size_t argvlen[2] = {4, 1};
    struct redisconn *rc;
    struct vigie_error err;
    redisReply *r;
    char expected[128];

    (void)state;
    if (!have_server)
        skip();
    rc = connect_to(server.address, NULL, 1000);
    argv[1] = "1";
    assert_int_equal(redisconn_send(rc, 2, argv, argvlen, &err), 0);
    argv[1] = "2";
    assert_int_equal(redisconn_send(rc, 2, argv, argvlen, &err), 0);
    for (int i = 1; i <= 2; i++) {
        r = redisconn_receive(rc, &err);
        assert_non_null(r);
        assert_int_equal(r->str[0], '0' + i);
        freeReplyObject(r);
    }
    assert_int_equal(redisconn_send(rc, 2, argv, argvlen, &err), 0);
    redisconn_reset(rc);
    assert_null(redisconn_receive(rc, &err));
    snprintf(expected, sizeof(expected), "redis %s: the connection was lost", server.address);
    assert_string_equal(err.msg, expected);
    redisconn_free(rc);
}

/* test_eval - scripts, reloading after SCRIPT FLUSH, script errors */
static void test_eval(void **state)
{
    struct redisconn *rc;
    struct vigie_error err;
    const char *argv[REDISCONN_EVAL_HEAD + 1];
    size_t argvlen[REDISCONN_EVAL_HEAD + 1];
    redisReply *r;

    (void)state;
    if (!have_server)
        skip();
    rc = connect_to(server.address, NULL, 1000);
    for (int round = 0; round < 2; round++) {
        argv[REDISCONN_EVAL_HEAD] = "hello";
        argvlen[REDISCONN_EVAL_HEAD] = 5;
        r = redisconn_eval(rc, &echo_script, 0, REDISCONN_EVAL_HEAD + 1, argv, argvlen, &err);
        assert_non_null(r);
        assert_string_equal(r->str, "hello");
        freeReplyObject(r);
        r = run(rc, &err, 2, "SCRIPT", "FLUSH");
        assert_non_null(r);
        freeReplyObject(r);
    }
    r = redisconn_eval(rc, &broken_script, 0, REDISCONN_EVAL_HEAD, argv, argvlen, &err);
    assert_null(r);
    assert_memory_equal(err.msg, "redis ", 6);
    assert_non_null(strstr(err.msg, ": broken: ERR"));
    redisconn_free(rc);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_addresses),
        cmocka_unit_test(test_commands),
        cmocka_unit_test(test_run),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_auth),
        cmocka_unit_test(test_timeout),
        cmocka_unit_test(test_pipeline),
        cmocka_unit_test(test_eval),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
