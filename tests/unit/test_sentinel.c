/*
 * NAME
 *	test_sentinel - Redis Sentinel: finding the master, and a fail-over under traffic
 * DESCRIPTION
 *	lib/redis_sentinel.c's address parsing (every error message), then
 *	a real set-up on random loopback ports: a master and a replica
 *	(redis_server.h) and one sentinel watching them (down after 500
 *	ms). Rate-limit checks go through a redisconn that knows only the
 *	sentinels (the first one dead, to show the next one is asked).
 *	The master is killed (SIGKILL) in the middle: the checks made
 *	during the fail-over are reported unavailable (mail passes), the
 *	sentinel promotes the replica, and the checks work again without
 *	any restart, with the counts made before the kill. Skipped when
 *	redis-server is not installed.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <syslog.h>
#include <time.h>

#include <cmocka.h>

#include "log.h"
#include "ratelimit.h"
#include "redis_sentinel.h"
#include "redis_server.h"

#define MASTER_NAME "vigietest"

static struct redis_server master, replica;
static bool have_servers;
static pid_t sentinel_pid;
static int sentinel_port;
static char sentinel_dir[64];

/* sentinel_file - a file of the sentinel's directory (static buffer) */
static const char *sentinel_file(const char *name)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s", sentinel_dir, name);
    return path;
}

/* pause_ms - sleep */
static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        continue;
}

/* ask - one command to a TCP port (format as redisCommand); the reply, caller frees */
static redisReply *ask(int port, const char *fmt, ...)
{
    redisContext *c = redisConnect("127.0.0.1", port);
    redisReply *r = NULL;
    va_list ap;

    if (c != NULL && c->err == 0) {
        va_start(ap, fmt);
        r = redisvCommand(c, fmt, ap);
        va_end(ap);
    }
    if (c != NULL)
        redisFree(c);
    return r;
}

/* info_has - does INFO section of port contain text? */
static bool info_has(int port, const char *section, const char *text)
{
    redisReply *r = ask(port, "INFO %s", section);
    bool has = r != NULL && r->type == REDIS_REPLY_STRING && strstr(r->str, text) != NULL;

    if (r != NULL)
        freeReplyObject(r);
    return has;
}

/* wait_for - poll pred(port, a, b) every 100 ms for up to seconds */
static bool wait_for(bool (*pred)(int, const char *, const char *), int port, const char *a,
                     const char *b, int seconds)
{
    for (int i = 0; i < seconds * 10; i++) {
        if (pred(port, a, b))
            return true;
        pause_ms(100);
    }
    return false;
}

/* start_sentinel - a sentinel on a free port watching the master; 0 or -1 */
static int start_sentinel(void)
{
    char port[16];
    const char *argv[] = {"redis-server", sentinel_file("sentinel.conf"), "--sentinel", NULL};
    FILE *fp;

    strcpy(sentinel_dir, "/tmp/vigie-test-sentinel.XXXXXX");
    if (mkdtemp(sentinel_dir) == NULL || (sentinel_port = free_port()) < 0)
        return -1;
    snprintf(port, sizeof(port), "%d", sentinel_port);
    if ((fp = fopen(sentinel_file("sentinel.conf"), "w")) == NULL)
        return -1;
    fprintf(fp, "port %d\nbind 127.0.0.1\ndir %s\nlogfile %s\n"
            "sentinel monitor " MASTER_NAME " 127.0.0.1 %d 1\n"
            "sentinel down-after-milliseconds " MASTER_NAME " 500\n"
            "sentinel failover-timeout " MASTER_NAME " 3000\n",
            sentinel_port, sentinel_dir, sentinel_file("sentinel.log"), master.port);
    fclose(fp);
    argv[1] = strdup(sentinel_file("sentinel.conf"));
    if ((sentinel_pid = fork()) == 0) {
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    free((char *)argv[1]);
    return sentinel_pid > 0 ? 0 : -1;
}

/* sentinel_sees_replica - the sentinel has found the replica */
static bool sentinel_sees_replica(int port, const char *a, const char *b)
{
    redisReply *r = ask(port, "SENTINEL replicas " MASTER_NAME);
    bool seen = r != NULL && r->type == REDIS_REPLY_ARRAY && r->elements == 1;

    (void)a;
    (void)b;
    if (r != NULL)
        freeReplyObject(r);
    return seen;
}

/* in_info - INFO predicate for wait_for */
static bool in_info(int port, const char *section, const char *text)
{
    return info_has(port, section, text);
}

static int setup(void **state)
{
    int status = redis_server_start(&master, NULL);
    redisReply *r;

    (void)state;
    if (status == 1) {
        fprintf(stderr, "redis-server is not installed: Sentinel tests skipped\n");
        return 0;
    }
    if (status < 0 || redis_server_start(&replica, NULL) != 0
        || log_setup("test", LOG_MAIL, LOG_LEVEL_ERROR, "-") < 0)
        return -1;
    r = ask(replica.port, "REPLICAOF 127.0.0.1 %d", master.port);
    if (r != NULL)
        freeReplyObject(r);
    if (!wait_for(in_info, replica.port, "replication", "master_link_status:up", 10)
        || start_sentinel() < 0
        || !wait_for(sentinel_sees_replica, sentinel_port, NULL, NULL, 15))
        return -1;
    have_servers = true;
    return 0;
}

/* remove_file - unlink dir/name */
static void remove_file(const char *dir, const char *name)
{
    char path[REDIS_SERVER_DIR_MAX + 32];

    snprintf(path, sizeof(path), "%s/%s", dir, name);
    unlink(path);
}

static int teardown(void **state)
{
    (void)state;
    if (sentinel_pid > 0) {
        kill(sentinel_pid, SIGTERM);
        waitpid(sentinel_pid, NULL, 0);
    }
    if (sentinel_dir[0] != '\0') {
        remove_file(sentinel_dir, "sentinel.conf");
        remove_file(sentinel_dir, "sentinel.log");
        rmdir(sentinel_dir);
    }
    remove_file(master.dir, "dump.rdb");
    remove_file(replica.dir, "dump.rdb");
    if (master.dir[0] != '\0')
        redis_server_stop(&master);
    if (replica.dir[0] != '\0')
        redis_server_stop(&replica);
    return 0;
}

/* bad_set - sentinel_set_new must fail with message */
static void bad_set(const char *addresses, const char *name, const char *message)
{
    struct vigie_error err;

    assert_null(sentinel_set_new(addresses, name, 100, 100, &err));
    assert_string_equal(err.msg, message);
}

/* test_addresses - what a list of sentinels may be */
static void test_addresses(void **state)
{
    char many[512] = "";
    struct vigie_error err;
    struct sentinel_set *set;

    (void)state;
    set = sentinel_set_new(" 127.0.0.1:26379,[::1]:26380  sentinel.example:1 ", "m", 100, 100,
                           &err);
    assert_non_null(set);
    assert_string_equal(sentinel_set_name(set), "m");
    sentinel_set_free(set);
    bad_set("", "m", "redis sentinels: no address");
    bad_set(" , ", "m", "redis sentinels: no address");
    bad_set("127.0.0.1:1", "", "redis sentinels: no master name");
    bad_set("localhost", "m", "redis sentinel \"localhost\": expected host:port or [ipv6]:port");
    bad_set("h:0", "m", "redis sentinel \"h:0\": expected host:port or [ipv6]:port");
    bad_set("h:65536", "m", "redis sentinel \"h:65536\": expected host:port or [ipv6]:port");
    bad_set("h:", "m", "redis sentinel \"h:\": expected host:port or [ipv6]:port");
    bad_set("::1:5", "m", "redis sentinel \"::1:5\": expected host:port or [ipv6]:port");
    bad_set("[::1:5", "m", "redis sentinel \"[::1:5\": expected host:port or [ipv6]:port");
    for (int i = 0; i <= SENTINEL_MAX; i++)
        strcat(many, "h:1 ");
    bad_set(many, "m", "redis sentinels: more than 16");
}

/* test_master - the first sentinel that answers gives the master */
static void test_master(void **state)
{
    char addresses[64], host[64];
    struct vigie_error err;
    struct sentinel_set *set;
    int port = 0;

    (void)state;
    if (!have_servers)
        skip();
    snprintf(addresses, sizeof(addresses), "127.0.0.1:%d, 127.0.0.1:%d", free_port(),
             sentinel_port);
    set = sentinel_set_new(addresses, MASTER_NAME, 200, 500, &err);
    assert_non_null(set);
    assert_int_equal(sentinel_master(set, host, sizeof(host), &port, &err), 0);
    assert_string_equal(host, "127.0.0.1");
    assert_int_equal(port, master.port);
    sentinel_set_free(set);
    snprintf(addresses, sizeof(addresses), "127.0.0.1:%d", sentinel_port);
    set = sentinel_set_new(addresses, "nosuch", 200, 500, &err);
    assert_int_equal(sentinel_master(set, host, sizeof(host), &port, &err), -1);
    snprintf(host, sizeof(host), "sentinel 127.0.0.1:%d: knows no master \"nosuch\"",
             sentinel_port);
    assert_string_equal(err.msg, host);
    sentinel_set_free(set);
}

/* check - one rate-limit check of user bob */
static enum ratelimit_status check(struct ratelimit_engine *engine, struct redisconn *rc,
                                   const struct limit_def *l)
{
    struct limit_apply apply = {l, &l->base};
    struct message_facts facts;
    struct ratelimit_request req = {&facts, "", &apply, 1, 0};
    struct ratelimit_result r;
    struct vigie_error err;

    facts_init(&facts);
    facts.sasl_user = "bob";
    assert_int_equal(ratelimit_check(engine, rc, &req, &r, &err), 0);
    return r.status;
}

/* test_failover - master killed under traffic, replica promoted, limits go on */
static void test_failover(void **state)
{
    struct limit_def l = {
        .name = "failover", .key = {LIMIT_KEY_SASL_USER}, .key_count = 1,
        .base = {.name = "default", .windows = {{3600, 20}}, .window_count = 1},
        .action = {.kind = ACTION_TEMPFAIL, .reply_code = "451", .status_code = "4.7.1",
                   .text = "limit"},
    };
    struct redisconn_params p = {"127.0.0.1:1", NULL, 300, 300};
    struct ratelimit_settings settings;
    struct ratelimit_engine *engine;
    struct vigie_error err;
    struct redisconn *rc;
    char addresses[64];
    enum ratelimit_status st = RATELIMIT_UNAVAILABLE;
    int unavailable = 0, passed = 0;
    redisReply *r;

    (void)state;
    if (!have_servers)
        skip();
    ratelimit_settings_default(&settings);
    engine = ratelimit_engine_new(&settings, &err);
    rc = redisconn_new(&p, &err);
    assert_non_null(rc);
    snprintf(addresses, sizeof(addresses), "127.0.0.1:%d 127.0.0.1:%d", free_port(),
             sentinel_port);
    assert_int_equal(redisconn_set_sentinels(rc, addresses, MASTER_NAME, &err), 0);
    assert_int_equal(redisconn_set_sentinels(rc, "bad", MASTER_NAME, &err), -1);

    for (int i = 0; i < 10; i++)
        assert_int_equal(check(engine, rc, &l), RATELIMIT_PASS);
    r = ask(master.port, "WAIT 1 2000");                /* the replica has the counts */
    assert_true(r != NULL && r->type == REDIS_REPLY_INTEGER && r->integer == 1);
    freeReplyObject(r);

    kill(master.pid, SIGKILL);
    waitpid(master.pid, NULL, 0);
    master.pid = 0;
    for (int i = 0; i < 150 && st == RATELIMIT_UNAVAILABLE; i++) {
        if ((st = check(engine, rc, &l)) == RATELIMIT_UNAVAILABLE) {
            unavailable++;
            pause_ms(100);
        }
    }
    assert_int_equal(st, RATELIMIT_PASS);
    assert_true(unavailable > 0);
    assert_true(info_has(replica.port, "replication", "role:master"));

    /* The eleventh passed above; nine more, then the limit holds. */
    for (st = RATELIMIT_PASS; st == RATELIMIT_PASS && passed < 30; passed++)
        st = check(engine, rc, &l);
    assert_int_equal(st, RATELIMIT_OVER);
    assert_int_equal(passed, 10);
    redisconn_free(rc);
    ratelimit_engine_free(engine);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_master),
        cmocka_unit_test(test_failover),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
