/*
 * NAME
 *	test_greylist - unit tests for lib/greylist.c against a real Redis
 * DESCRIPTION
 *	Client networks; the life of a triplet (deferred, retried too
 *	early, passed, remembered); its keys and their lifetimes; the
 *	auto-allow of client networks; case folding and the null sender;
 *	Redis down. The Redis is private (redis_server.h); without
 *	redis-server installed, the Redis tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "greylist.h"
#include "ratelimit_keys.h"
#include "redis_server.h"

struct fixture {
    struct redis_server server;
    struct redisconn *rc;       /* to the server */
    redisContext *raw;          /* to look at keys */
};

static const struct greylist_settings settings = {
    .prefix = "test:",
    .delay = 1,
    .retry_window = 60,
    .expiry = 3600,
    .auto_allow = 2,
};

/* addr - a parsed address */
static struct netaddr addr(const char *text)
{
    struct netaddr a;

    assert_int_equal(netaddr_parse(text, &a), 0);
    return a;
}

/* check - greylist_check that must succeed */
static struct greylist_result check(struct fixture *fx, const struct greylist_settings *s,
                                    const char *client, const char *sender, const char *rcpt)
{
    struct netaddr a = addr(client);
    struct greylist_result r;
    struct vigie_error err;

    if (greylist_check(fx->rc, s, &a, sender, rcpt, &r, &err) < 0)
        fail_msg("greylist_check: %s", err.msg);
    return r;
}

/* pttl - milliseconds left to key, as Redis says */
static long long pttl(struct fixture *fx, const char *key)
{
    redisReply *r = redisCommand(fx->raw, "PTTL %s", key);
    long long ms;

    assert_non_null(r);
    ms = r->integer;
    freeReplyObject(r);
    return ms;
}

/* wait_ms - sleep */
static void wait_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    nanosleep(&ts, NULL);
}

/* setup - a private Redis and two connections to it */
static int setup(void **state)
{
    struct fixture *fx = calloc(1, sizeof(*fx));
    struct redisconn_params rp = {0};
    struct vigie_error err;
    int status;

    if (fx == NULL)
        return -1;
    if ((status = redis_server_start(&fx->server, NULL)) != 0) {
        free(fx);
        if (status > 0)
            skip();
        return -1;
    }
    rp.address = fx->server.address;
    rp.timeout_ms = 2000;
    fx->rc = redisconn_new(&rp, &err);
    fx->raw = redisConnectUnix(fx->server.socket);
    *state = fx;
    return fx->rc != NULL && fx->raw != NULL && fx->raw->err == 0 ? 0 : -1;
}

/* teardown - stop the Redis */
static int teardown(void **state)
{
    struct fixture *fx = *state;

    redisconn_free(fx->rc);
    if (fx->raw != NULL)
        redisFree(fx->raw);
    redis_server_stop(&fx->server);
    free(fx);
    return 0;
}

/* flush - an empty Redis before each test */
static int flush(void **state)
{
    struct fixture *fx = *state;
    redisReply *r = redisCommand(fx->raw, "FLUSHALL");

    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* test_network - /24 for IPv4 (mapped too), /64 for IPv6 */
static void test_network(void **state)
{
    static const struct {
        const char *addr, *net;
    } cases[] = {
        {"192.0.2.77", "192.0.2.0/24"},
        {"::ffff:192.0.2.1", "192.0.2.0/24"},
        {"2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"},
        {"::1", "::/64"},
    };
    char buf[GREYLIST_NETWORK_MAX];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct netaddr a = addr(cases[i].addr);

        greylist_network(&a, buf, sizeof(buf));
        assert_string_equal(buf, cases[i].net);
    }
    assert_string_equal(greylist_status_name(GREYLIST_DEFER), "defer");
    assert_string_equal(greylist_status_name(GREYLIST_PASS), "pass");
    assert_string_equal(greylist_status_name(GREYLIST_PASS_RETRY), "retry");
    assert_string_equal(greylist_status_name(GREYLIST_PASS_CLIENT), "client");
}

/* test_triplet - deferred, too early, passed after the delay, then remembered */
static void test_triplet(void **state)
{
    static const char key[] = "test:gl:t:192.0.2.0/24|a@b.example|c@d.example";
    struct fixture *fx = *state;
    struct greylist_result r;

    r = check(fx, &settings, "192.0.2.7", "a@b.example", "c@d.example");
    assert_int_equal(r.status, GREYLIST_DEFER);
    assert_int_equal(r.wait, 1);
    assert_string_equal(r.network, "192.0.2.0/24");
    /* waiting: remembered for the retry window */
    assert_in_range(pttl(fx, key), 59000, 60000);
    r = check(fx, &settings, "192.0.2.7", "a@b.example", "c@d.example");
    assert_int_equal(r.status, GREYLIST_DEFER);
    assert_in_range(r.wait, 1, 1);
    wait_ms(1050);
    /* another host of the same /24 retries: the network is what counts */
    r = check(fx, &settings, "192.0.2.200", "A@B.example", "C@d.EXAMPLE");
    assert_int_equal(r.status, GREYLIST_PASS_RETRY);
    assert_int_equal(r.passes, 1);
    assert_in_range(pttl(fx, key), 3599000, 3600000);
    r = check(fx, &settings, "192.0.2.7", "a@b.example", "c@d.example");
    assert_int_equal(r.status, GREYLIST_PASS);
    /* other triplets are still new */
    assert_int_equal(check(fx, &settings, "192.0.3.7", "a@b.example", "c@d.example").status,
                     GREYLIST_DEFER);
    assert_int_equal(check(fx, &settings, "192.0.2.7", "x@b.example", "c@d.example").status,
                     GREYLIST_DEFER);
    assert_int_equal(check(fx, &settings, "192.0.2.7", "", "c@d.example").status,
                     GREYLIST_DEFER);
    assert_in_range(pttl(fx, "test:gl:t:192.0.2.0/24|%3C%3E|c@d.example"), 59000, 60000);
}

/* test_auto_allow - a network that passed auto_allow triplets is let through */
static void test_auto_allow(void **state)
{
    struct fixture *fx = *state;
    struct greylist_settings off = settings;
    struct greylist_result r;

    assert_int_equal(check(fx, &settings, "2001:db8::1", "a@x", "1@y").status, GREYLIST_DEFER);
    assert_int_equal(check(fx, &settings, "2001:db8::1", "a@x", "2@y").status, GREYLIST_DEFER);
    assert_int_equal(check(fx, &settings, "2001:db8::1", "a@x", "3@y").status, GREYLIST_DEFER);
    wait_ms(1050);
    r = check(fx, &settings, "2001:db8::1", "a@x", "1@y");
    assert_int_equal(r.status, GREYLIST_PASS_RETRY);
    assert_int_equal(r.passes, 1);
    /* auto-allow off: nothing is counted, the next retry is a plain retry */
    off.auto_allow = 0;
    r = check(fx, &off, "2001:db8::1", "a@x", "3@y");
    assert_int_equal(r.status, GREYLIST_PASS_RETRY);
    assert_int_equal(r.passes, 0);
    r = check(fx, &settings, "2001:db8::1", "a@x", "2@y");
    assert_int_equal(r.status, GREYLIST_PASS_RETRY);
    assert_int_equal(r.passes, 2);
    assert_in_range(pttl(fx, "test:gl:c:2001:db8::/64"), 3599000, 3600000);
    /* now any triplet of the network passes at once, without a key of its own */
    r = check(fx, &settings, "2001:db8::99", "new@x", "new@y");
    assert_int_equal(r.status, GREYLIST_PASS_CLIENT);
    assert_int_equal(r.passes, 2);
    assert_int_equal(pttl(fx, "test:gl:t:2001:db8::/64|new@x|new@y"), -2);
    /* unless auto-allow is turned off */
    assert_int_equal(check(fx, &off, "2001:db8::99", "new@x", "new@y").status, GREYLIST_DEFER);
}

/* test_redis_down - an error, not a decision */
static void test_redis_down(void **state)
{
    struct redisconn_params rp = {0};
    struct greylist_result r;
    struct vigie_error err = {{0}};
    struct netaddr a = addr("192.0.2.1");
    struct redisconn *rc;
    char address[32];

    (void)state;
    snprintf(address, sizeof(address), "127.0.0.1:%d", free_port());
    rp.address = address;
    rp.connect_timeout_ms = 500;
    assert_non_null(rc = redisconn_new(&rp, &err));
    assert_int_equal(greylist_check(rc, &settings, &a, "a@b", "c@d", &r, &err), -1);
    assert_non_null(strstr(err.msg, "Connection refused"));
    redisconn_free(rc);
}

/* test_prefix_too_long - the key would not fit */
static void test_prefix_too_long(void **state)
{
    struct fixture *fx = *state;
    struct greylist_settings s = settings;
    struct greylist_result r;
    struct vigie_error err = {{0}};
    struct netaddr a = addr("192.0.2.1");
    char prefix[RLKEY_MAX + 1];

    memset(prefix, 'p', sizeof(prefix) - 1);
    prefix[sizeof(prefix) - 1] = '\0';
    s.prefix = prefix;
    assert_int_equal(greylist_check(fx->rc, &s, &a, "a@b", "c@d", &r, &err), -1);
    assert_string_equal(err.msg, "greylisting: redis_prefix too long");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_network),
        cmocka_unit_test_setup(test_triplet, flush),
        cmocka_unit_test_setup(test_auto_allow, flush),
        cmocka_unit_test(test_redis_down),
        cmocka_unit_test_setup(test_prefix_too_long, flush),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
