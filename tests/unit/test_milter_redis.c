/*
 * NAME
 *	test_milter_redis - unit tests for milter/milter_redis.c
 * DESCRIPTION
 *	One connection per thread, kept while the settings stay, made
 *	anew (with a new generation) when they change; another thread
 *	gets its own. An outage is logged once when it starts and once
 *	when it ends, however many requests fail. No Redis is needed:
 *	connections are made lazily.
 */
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"
#include "milter_redis.h"

static char log_path[64];

/* parse - config_parse of text, or fail the test */
static struct vigie_config *parse(const char *text)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config = config_parse("t.conf", text, strlen(text), false, &err);

    if (config == NULL)
        fail_msg("%s", err.msg);
    return config;
}

/* count_lines - lines of the log that contain text */
static int count_lines(const char *text)
{
    char line[1024];
    int n = 0;
    FILE *fp = fopen(log_path, "r");

    assert_non_null(fp);
    while (fgets(line, sizeof(line), fp) != NULL)
        if (strstr(line, text) != NULL)
            n++;
    fclose(fp);
    return n;
}

/* setup - log to a temporary file */
static int setup(void **state)
{
    int fd;

    (void)state;
    snprintf(log_path, sizeof(log_path), "/tmp/test_milter_redis.XXXXXX");
    if ((fd = mkstemp(log_path)) < 0)
        return -1;
    close(fd);
    return log_setup("test", LOG_MAIL, LOG_LEVEL_INFO, log_path);
}

/* teardown - remove the log */
static int teardown(void **state)
{
    (void)state;
    return unlink(log_path);
}

/* test_same_thread - kept while the settings stay, remade when they change */
static void test_same_thread(void **state)
{
    struct vigie_config *a = parse("redis_address = 127.0.0.1:1\n");
    struct vigie_config *a2 = parse("redis_address = 127.0.0.1:1\nredis_prefix = other:\n");
    struct vigie_config *b = parse("redis_address = 127.0.0.1:1\nredis_timeout = 1s\n");
    struct vigie_config *c = parse("redis_address = 127.0.0.1:1\nredis_password = x\n");
    struct vigie_config *d = parse("redis_address = unix:/run/redis.sock\n");
    struct vigie_error err = {{0}};
    unsigned long g1, g2, g3, g4, g5;
    struct redisconn *rc;

    (void)state;
    rc = milter_redis_get(a, &g1, &err);
    assert_non_null(rc);
    /* Same settings (another snapshot, the prefix is no Redis setting): same connection. */
    assert_ptr_equal(milter_redis_get(a2, &g2, &err), rc);
    assert_int_equal(g2, g1);
    assert_non_null(milter_redis_get(b, &g2, &err));
    assert_true(g2 > g1);
    assert_non_null(milter_redis_get(c, &g3, &err));
    assert_true(g3 > g2);
    assert_non_null(milter_redis_get(d, &g4, &err));
    assert_true(g4 > g3);
    assert_non_null(milter_redis_get(d, &g5, &err));
    assert_int_equal(g5, g4);
    config_free(a);
    config_free(a2);
    config_free(b);
    config_free(c);
    config_free(d);
}

struct other {
    const struct vigie_config *config;
    struct redisconn *rc;
    unsigned long generation;
};

/* other_thread - fetch a connection from a thread of its own */
static void *other_thread(void *arg)
{
    struct other *o = arg;
    struct vigie_error err;

    o->rc = milter_redis_get(o->config, &o->generation, &err);
    return NULL;
}

/* test_other_thread - each thread its own connection and generation */
static void test_other_thread(void **state)
{
    struct vigie_config *config = parse("redis_address = 127.0.0.1:1\n");
    struct vigie_error err = {{0}};
    struct other o = {config, NULL, 0};
    struct redisconn *mine;
    unsigned long generation;
    pthread_t thread;

    (void)state;
    mine = milter_redis_get(config, &generation, &err);
    assert_non_null(mine);
    assert_int_equal(pthread_create(&thread, NULL, other_thread, &o), 0);
    assert_int_equal(pthread_join(thread, NULL), 0);
    assert_non_null(o.rc);
    assert_ptr_not_equal(o.rc, mine);
    assert_true(o.generation != generation);
    config_free(config);
}

/* test_outage - one warning when it starts, one line when it ends */
static void test_outage(void **state)
{
    struct vigie_config *accept = parse("");
    struct vigie_config *tempfail = parse("fail_policy = tempfail\n");
    struct vigie_error err = {{0}};

    (void)state;
    milter_redis_ok("Q0");
    assert_int_equal(count_lines("Redis answers again"), 0);
    error_set(&err, "redis 127.0.0.1:1: Connection refused");
    for (int i = 0; i < 5; i++)
        milter_redis_failed(accept, "Q1", &err);
    assert_int_equal(count_lines("warning: Q1: Redis unavailable: redis 127.0.0.1:1: Connection"
                                 " refused; until it answers, the checks that need it are"
                                 " skipped and mail is accepted without them"
                                 " (fail_policy = accept)"), 1);
    assert_int_equal(count_lines("Redis unavailable"), 1);
    milter_redis_ok("Q2");
    milter_redis_ok("Q3");
    assert_int_equal(count_lines("Q2: Redis answers again: the checks that need it run again"), 1);
    assert_int_equal(count_lines("Redis answers again"), 1);
    /* The next outage is logged again, with what tempfail does. */
    milter_redis_failed(tempfail, "Q4", &err);
    milter_redis_failed(tempfail, "Q5", &err);
    assert_int_equal(count_lines("Q4: Redis unavailable: redis 127.0.0.1:1: Connection refused;"
                                 " until it answers, the checks that need it are skipped and"
                                 " mail is tempfailed (fail_policy = tempfail)"), 1);
    assert_int_equal(count_lines("Redis unavailable"), 2);
    milter_redis_ok("Q6");
    config_free(accept);
    config_free(tempfail);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_thread),
        cmocka_unit_test(test_other_thread),
        cmocka_unit_test(test_outage),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
