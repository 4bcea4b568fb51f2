/*
 * NAME
 *	test_ratelimit_redis - rate limits, locks and alerts against a real Redis
 * DESCRIPTION
 *	Starts a private redis-server (redis_server.h: random loopback
 *	port, temp directory) and checks lib/ratelimit.c with its script:
 *	exact counts of messages, recipients, bytes and distinct domains;
 *	four processes hammering one key admit exactly the limit; windows
 *	expire and keys carry TTLs; tiers and combined keys; one alert per
 *	key and window (stream, log line, alert_command); lock-out, lock
 *	check and unlock; the signals; vigiectl's usage scan; and a Redis
 *	restart in the middle: the messages meanwhile pass (fail open),
 *	one warning and one alert for the outage, then the engine recovers
 *	by itself (reconnect, script reloaded) with its counters intact.
 *	Skipped when redis-server is not installed.
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

#include "locks.h"
#include "log.h"
#include "ratelimit.h"
#include "redis_server.h"

static struct redis_server server;
static bool have_server;
static char tmpdir[64];
static struct ratelimit_settings settings;

/* tmp_path - a file in the test's temp directory (static buffer) */
static const char *tmp_path(const char *name)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* count_in_file - lines of path containing text (0 when there is no file) */
static int count_in_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "r");
    char line[4096];
    int n = 0;

    if (fp == NULL)
        return 0;
    while (fgets(line, sizeof(line), fp) != NULL)
        n += strstr(line, text) != NULL;
    fclose(fp);
    return n;
}

/* pause_ms - sleep */
static void pause_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};

    while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
        continue;
}

static int setup(void **state)
{
    FILE *fp;

    (void)state;
    strcpy(tmpdir, "/tmp/vigie-test-rl.XXXXXX");
    if (redis_server_group_setup(&server, NULL, &have_server) < 0 || mkdtemp(tmpdir) == NULL)
        return -1;
    if (log_setup("test", LOG_MAIL, LOG_LEVEL_INFO, tmp_path("log")) < 0)
        return -1;
    /* An alert_command that appends its JSON input to a file. */
    if ((fp = fopen(tmp_path("alert.sh"), "w")) == NULL)
        return -1;
    fprintf(fp, "#!/bin/sh\ncat >> %s\necho >> %s\n", tmp_path("alerts.json"),
            tmp_path("alerts.json"));
    fclose(fp);
    chmod(tmp_path("alert.sh"), 0700);
    return 0;
}

static int teardown(void **state)
{
    static const char *const files[] = {"log", "alert.sh", "alerts.json"};
    char dump[REDIS_SERVER_DIR_MAX + 16];

    (void)state;
    if (have_server) {
        snprintf(dump, sizeof(dump), "%s/dump.rdb", server.dir);
        unlink(dump);
        redis_server_stop(&server);
    }
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tmp_path(files[i]));
    rmdir(tmpdir);
    return 0;
}

/* new_rc - a connection to the test server */
static struct redisconn *new_rc(void)
{
    struct redisconn_params p = {server.address, NULL, 500, 500};
    struct vigie_error err;
    struct redisconn *rc = redisconn_new(&p, &err);

    assert_non_null(rc);
    return rc;
}

/* run - one command from words; the reply (caller frees) */
static redisReply *run(struct redisconn *rc, int argc, ...)
{
    const char *argv[8];
    size_t argvlen[8];
    struct vigie_error err;
    redisReply *reply;
    va_list ap;

    va_start(ap, argc);
    for (int i = 0; i < argc; i++) {
        argv[i] = va_arg(ap, const char *);
        argvlen[i] = strlen(argv[i]);
    }
    va_end(ap);
    reply = redisconn_command(rc, argc, argv, argvlen, &err);
    if (reply == NULL)
        fail_msg("%s", err.msg);
    return reply;
}

/* integer - the integer reply of a command */
static long long integer(struct redisconn *rc, int argc, const char *a, const char *b)
{
    redisReply *reply = run(rc, argc, a, b);
    long long n;

    assert_int_equal(reply->type, REDIS_REPLY_INTEGER);
    n = reply->integer;
    freeReplyObject(reply);
    return n;
}

/* Per-test state: a clean Redis, a connection and an engine. */
struct fixture {
    struct redisconn *rc;
    struct ratelimit_engine *engine;
    struct message_facts facts;
};

static int fixture_setup(void **state)
{
    static struct fixture fx;
    struct vigie_error err;

    if (!have_server)
        return 0;
    ratelimit_settings_default(&settings);
    settings.prefix = "t:";
    settings.host = "mx1.test";
    fx.rc = new_rc();
    freeReplyObject(run(fx.rc, 1, "FLUSHALL"));
    fx.engine = ratelimit_engine_new(&settings, &err);
    assert_non_null(fx.engine);
    facts_init(&fx.facts);
    fx.facts.sasl_user = "Alice";
    fx.facts.sender = "alice@example.org";
    fx.facts.authenticated = true;
    assert_int_equal(netaddr_parse("192.0.2.7", &fx.facts.client_ip), 0);
    fx.facts.client_ip_known = true;
    *state = &fx;
    return 0;
}

static int fixture_teardown(void **state)
{
    struct fixture *fx = *state;

    if (fx != NULL) {
        redisconn_free(fx->rc);
        ratelimit_engine_free(fx->engine);
    }
    return 0;
}

#define SKIP_WITHOUT_REDIS() do { if (!have_server) skip(); } while (0)

/* limit - a limit on key with one window (more with add_window) */
static struct limit_def limit(const char *name, enum limit_key_part key, enum limit_count count,
                              unsigned long seconds, unsigned long long max)
{
    struct limit_def l = {
        .name = name, .key = {key}, .key_count = 1, .net4 = 24, .net6 = 64, .count = count,
        .base = {.name = "default", .windows = {{seconds, max}}, .window_count = 1},
        .action = {.kind = ACTION_TEMPFAIL, .reply_code = "451", .status_code = "4.7.1",
                   .text = "Sending limit reached"},
    };

    return l;
}

/* check - one message against n limits (base tiers); the result's status */
static enum ratelimit_status check(struct fixture *fx, const struct limit_def *limits, size_t n,
                                   struct ratelimit_result *result)
{
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    struct ratelimit_request req = {&fx->facts, "QID1", apply, n, 0};
    struct vigie_error err;

    for (size_t i = 0; i < n; i++)
        apply[i] = (struct limit_apply){&limits[i], &limits[i].base};
    if (ratelimit_check(fx->engine, fx->rc, &req, result, &err) < 0)
        fail_msg("%s", err.msg);
    return result->status;
}

/* test_messages_exact - max 5: five pass, then OVER with one alert */
static void test_messages_exact(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("per_user", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 600, 5);
    struct ratelimit_result r;
    int lines_before;

    static char command[128];

    SKIP_WITHOUT_REDIS();
    snprintf(command, sizeof(command), "%s", tmp_path("alert.sh"));
    settings.alerts.command = command;
    lines_before = count_in_file(tmp_path("log"), ALERT_TAG);
    for (int i = 0; i < 5; i++)
        assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_OVER);
        assert_ptr_equal(r.limit, &l);
        assert_int_equal(r.window, 600);
        assert_int_equal(r.count, 5);
        assert_int_equal(r.max, 5);
        assert_string_equal(r.key, "alice");
        assert_int_equal(r.action.kind, ACTION_TEMPFAIL);
        assert_false(r.locked_now);
    }
    assert_int_equal(integer(fx->rc, 2, "XLEN", "t:alerts"), 1);
    assert_int_equal(count_in_file(tmp_path("log"), ALERT_TAG) - lines_before, 1);
    assert_int_equal(count_in_file(tmp_path("log"),
                                   "kind=limit limit=per_user key=alice tier=default window=600 "
                                   "count=5 adds=1 max=5 action=tempfail"), 1);
    for (int i = 0; i < 100 && count_in_file(tmp_path("alerts.json"), "per_user") == 0; i++)
        pause_ms(20);
    assert_int_equal(count_in_file(tmp_path("alerts.json"),
                                   "\"limit\":\"per_user\",\"key\":\"alice\""), 1);
    assert_int_equal(count_in_file(tmp_path("alerts.json"), "\"sasl_user\":\"Alice\""), 1);
    settings.alerts.command = "";
}

/* hammer - child: attempts checks on one key; writes how many passed */
static void hammer(int fd, const struct limit_def *l, int attempts)
{
    struct ratelimit_engine *engine;
    struct ratelimit_result r;
    struct message_facts facts;
    struct limit_apply apply = {l, &l->base};
    struct ratelimit_request req = {&facts, "", &apply, 1, 0};
    struct vigie_error err;
    struct redisconn *rc = new_rc();
    int passed = 0;

    facts_init(&facts);
    facts.sasl_user = "bob";
    engine = ratelimit_engine_new(&settings, &err);
    for (int i = 0; i < attempts; i++) {
        if (ratelimit_check(engine, rc, &req, &r, &err) < 0 || r.status == RATELIMIT_UNAVAILABLE)
            _exit(2);
        passed += r.status == RATELIMIT_PASS;
    }
    if (write(fd, &passed, sizeof(passed)) != sizeof(passed))
        _exit(3);
    _exit(0);
}

/* test_concurrent_exact - four processes on one key admit exactly max */
static void test_concurrent_exact(void **state)
{
    struct limit_def l = limit("burst", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 3600, 100);
    pid_t pids[4];
    int fds[2];
    int total = 0;

    (void)state;
    SKIP_WITHOUT_REDIS();
    assert_int_equal(pipe(fds), 0);
    for (int i = 0; i < 4; i++) {
        if ((pids[i] = fork()) == 0)
            hammer(fds[1], &l, 60);
        assert_true(pids[i] > 0);
    }
    close(fds[1]);
    for (int i = 0; i < 4; i++) {
        int passed, status;

        assert_int_equal(read(fds[0], &passed, sizeof(passed)), sizeof(passed));
        total += passed;
        assert_int_equal(waitpid(pids[i], &status, 0), pids[i]);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    close(fds[0]);
    assert_int_equal(total, 100);
}

/* test_expiry - a 1 s window frees itself; the hash carries a TTL and goes */
static void test_expiry(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("short", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 1, 2);
    struct ratelimit_result r;
    long long ttl;

    SKIP_WITHOUT_REDIS();
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_OVER);
    ttl = integer(fx->rc, 2, "PTTL", "t:rl:short:alice");
    assert_true(ttl > 1000 && ttl <= 1000 + 34 + 1000);
    /* A unit counts for at least the window and at most one bucket (34 ms) more. */
    pause_ms(900);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_OVER);
    pause_ms(200);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    pause_ms(2100);
    assert_int_equal(integer(fx->rc, 2, "EXISTS", "t:rl:short:alice"), 0);
}

/*
 * test_batch - checks sent together run in order, each atomic: three
 *	users against max 2; after SCRIPT FLUSH the batch reloads the
 *	script and runs its calls again; a batch against a Redis that is
 *	down is UNAVAILABLE throughout; a job in error fails alone
 */
static void test_batch(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("pair", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 600, 2);
    struct limit_apply apply = {&l, &l.base};
    static const char *const users[] = {"a", "a", "b", "a", "b", "c", "b"};
    static const enum ratelimit_status want[] = {
        RATELIMIT_PASS, RATELIMIT_PASS, RATELIMIT_PASS, RATELIMIT_OVER,
        RATELIMIT_PASS, RATELIMIT_PASS, RATELIMIT_OVER};
    enum { N = sizeof(users) / sizeof(users[0]) };
    struct message_facts facts[N];
    struct ratelimit_request reqs[N];
    struct ratelimit_job jobs[N];
    struct redisconn_params p = {"127.0.0.1:1", NULL, 100, 100};
    struct vigie_error err;
    struct redisconn *dead;

    SKIP_WITHOUT_REDIS();
    for (size_t i = 0; i < N; i++) {
        facts[i] = fx->facts;
        facts[i].sasl_user = users[i];
        reqs[i] = (struct ratelimit_request){&facts[i], "", &apply, 1, 0};
        jobs[i] = (struct ratelimit_job){.request = &reqs[i]};
    }
    ratelimit_check_batch(fx->engine, fx->rc, jobs, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(jobs[i].status, 0);
        assert_int_equal(jobs[i].result.status, want[i]);
    }
    assert_int_equal(jobs[3].result.count, 2);
    assert_string_equal(jobs[3].result.key, "a");

    freeReplyObject(run(fx->rc, 2, "SCRIPT", "FLUSH"));
    facts[0].sasl_user = facts[1].sasl_user = "d";
    ratelimit_check_batch(fx->engine, fx->rc, jobs, 2);
    assert_int_equal(jobs[0].result.status, RATELIMIT_PASS);
    assert_int_equal(jobs[1].result.status, RATELIMIT_PASS);
    assert_int_equal(integer(fx->rc, 2, "HLEN", "t:rl:pair:d") > 0, 1);

    /* the job's request is read no further than its limit count */
    reqs[1].limit_count = RATELIMIT_MAX_APPLY + 1;
    ratelimit_check_batch(fx->engine, fx->rc, jobs, 3);
    assert_int_equal(jobs[0].result.status, RATELIMIT_OVER);
    assert_int_equal(jobs[1].status, -1);
    assert_string_equal(jobs[1].err.msg, "rate limits: more than 32 limits apply");
    assert_int_equal(jobs[2].result.status, RATELIMIT_OVER);

    reqs[1].limit_count = 1;
    dead = redisconn_new(&p, &err);
    assert_non_null(dead);
    ratelimit_check_batch(fx->engine, dead, jobs, N);
    for (size_t i = 0; i < N; i++) {
        assert_int_equal(jobs[i].status, 0);
        assert_int_equal(jobs[i].result.status, RATELIMIT_UNAVAILABLE);
        assert_non_null(strstr(jobs[i].err.msg, "127.0.0.1:1"));
    }
    redisconn_free(dead);
    /* the next call that reaches Redis ends the outage */
    ratelimit_check_batch(fx->engine, fx->rc, jobs, 1);
    assert_int_equal(jobs[0].result.status, RATELIMIT_OVER);
}

/* test_weights - recipients, bytes and distinct recipient domains */
static void test_weights(void **state)
{
    struct fixture *fx = *state;
    struct limit_def rcpt = limit("rcpt", LIMIT_KEY_SENDER, LIMIT_COUNT_RECIPIENTS, 600, 10);
    struct limit_def bytes = limit("bytes", LIMIT_KEY_SENDER_DOMAIN, LIMIT_COUNT_BYTES, 600, 1000);
    struct limit_def doms = limit("doms", LIMIT_KEY_SASL_USER, LIMIT_COUNT_DOMAINS, 600, 3);
    const char *four[] = {"a@x.test", "b@x.test", "c@y.test", "d@y.test"};
    const char *ab[] = {"u@A.test", "v@b.test"}, *bc[] = {"u@b.test", "u@c.test"};
    const char *d[] = {"u@d.test"}, *ac[] = {"u@a.test", "w@C.TEST"};
    struct ratelimit_result r;

    SKIP_WITHOUT_REDIS();
    fx->facts.recipients = four;
    fx->facts.recipient_count = 4;
    assert_int_equal(check(fx, &rcpt, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &rcpt, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &rcpt, 1, &r), RATELIMIT_OVER);
    assert_int_equal(r.count, 8);
    assert_string_equal(r.key, "alice@example.org");

    fx->facts.size = 600;
    assert_int_equal(check(fx, &bytes, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &bytes, 1, &r), RATELIMIT_OVER);
    assert_string_equal(r.key, "example.org");

    fx->facts.recipients = ab;
    fx->facts.recipient_count = 2;
    assert_int_equal(check(fx, &doms, 1, &r), RATELIMIT_PASS);
    fx->facts.recipients = bc;
    assert_int_equal(check(fx, &doms, 1, &r), RATELIMIT_PASS);
    fx->facts.recipients = d;
    fx->facts.recipient_count = 1;
    assert_int_equal(check(fx, &doms, 1, &r), RATELIMIT_OVER);
    assert_int_equal(r.count, 3);
    fx->facts.recipients = ac;
    fx->facts.recipient_count = 2;
    assert_int_equal(check(fx, &doms, 1, &r), RATELIMIT_PASS);

    /* All or nothing: a message over one limit is counted in none. */
    fx->facts.size = 100;
    assert_int_equal(check(fx, (struct limit_def[]){doms, bytes}, 2, &r), RATELIMIT_PASS);
    fx->facts.size = 400;
    assert_int_equal(check(fx, (struct limit_def[]){doms, bytes}, 2, &r), RATELIMIT_OVER);
    assert_string_equal(r.limit->name, "bytes");
    assert_int_equal(r.over_count, 1);
}

/* usage_row - ratelimit_usage_scan callback: copy the first row */
static int usage_row(const struct limit_usage *u, void *arg, struct vigie_error *err)
{
    struct limit_usage *out = arg;
    static char limit[64], key[128], tier[64];

    (void)err;
    *out = *u;
    snprintf(limit, sizeof(limit), "%s", u->limit);
    snprintf(key, sizeof(key), "%s", u->key);
    snprintf(tier, sizeof(tier), "%s", u->tier);
    out->limit = limit;
    out->key = key;
    out->tier = tier;
    return 0;
}

/*
 * hash_state - read a counter hash: the running sum of window ms (-1 when
 *	absent), the sum of its bucket fields, how many there are, the oldest
 *	index the sum covers, the lowest bucket index present, and whether any
 *	field of another window is left
 */
struct hash_state {
    long long sum, buckets_sum, first;
    size_t buckets;
    long long oldest;
    bool foreign;
};

static struct hash_state hash_state(struct redisconn *rc, const char *key, const char *ms)
{
    redisReply *reply = run(rc, 2, "HGETALL", key);
    struct hash_state h = {-1, 0, -1, 0, -1, false};
    size_t mslen = strlen(ms);

    assert_int_equal(reply->type, REDIS_REPLY_ARRAY);
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const char *f = reply->element[i]->str;
        long long v = atoll(reply->element[i + 1]->str);
        bool mine = strncmp(f + 1, ms, mslen) == 0 && (f[1 + mslen] == ':' || f[1 + mslen] == 0);

        if (strchr("bsoma", f[0]) == NULL)
            continue;
        if (!mine) {
            h.foreign = true;
        } else if (f[0] == 's') {
            h.sum = v;
        } else if (f[0] == 'o') {
            h.oldest = v;
        } else if (f[0] == 'b') {
            long long index = atoll(f + 2 + mslen);

            h.buckets_sum += v;
            h.buckets++;
            if (h.first < 0 || index < h.first)
                h.first = index;
        }
    }
    freeReplyObject(reply);
    return h;
}

/*
 * test_running_sum - over several windows of traffic, the running sum is
 *	the sum of the buckets kept, no bucket older than the window is kept,
 *	and vigiectl's usage (which adds the buckets up) agrees; a change of
 *	windows drops the old window's fields
 */
static void test_running_sum(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("roll", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 1, 1000);
    struct limit_def longer = limit("roll", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 2, 1000);
    struct ratelimit_result r;
    struct limit_usage u;
    struct vigie_error err;
    struct hash_state h;

    SKIP_WITHOUT_REDIS();
    /* 1 s in 30 buckets of 34 ms: 2.5 s of traffic crosses every bucket */
    for (int i = 0; i < 100; i++) {
        assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
        h = hash_state(fx->rc, "t:rl:roll:alice", "1000");
        assert_int_equal(h.sum, h.buckets_sum);
        assert_true(h.buckets <= RATELIMIT_BUCKETS + 1);
        assert_true(h.first >= h.oldest);
        assert_false(h.foreign);
        pause_ms(25);
    }
    assert_true(h.sum > 0 && h.sum < 100);
    /* idle longer than the window: every bucket falls out at once */
    pause_ms(1200);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    h = hash_state(fx->rc, "t:rl:roll:alice", "1000");
    assert_int_equal(h.sum, 1);
    assert_int_equal(h.buckets, 1);
    assert_int_equal(ratelimit_usage_scan(fx->rc, "t:", "alice", usage_row, &u, &err), 0);
    assert_int_equal(u.window_count, 1);
    assert_int_equal(u.windows[0].count, 1);

    assert_int_equal(check(fx, &longer, 1, &r), RATELIMIT_PASS);
    h = hash_state(fx->rc, "t:rl:roll:alice", "2000");
    assert_int_equal(h.sum, 1);
    assert_false(h.foreign);
}

/* test_tier_combined_key - a tier's maxima, a user|network key, usage read back */
static void test_tier_combined_key(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("combo", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 600, 1);
    struct limit_tier bulk = {.name = "bulk", .windows = {{60, 2}, {86400, 3}}, .window_count = 2};
    struct limit_apply apply = {&l, &bulk};
    struct ratelimit_request req = {&fx->facts, "", &apply, 1, 0};
    struct limit_usage u = {0};
    struct ratelimit_result r;
    struct vigie_error err;

    SKIP_WITHOUT_REDIS();
    l.key[1] = LIMIT_KEY_CLIENT_NET;
    l.key_count = 2;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(ratelimit_check(fx->engine, fx->rc, &req, &r, &err), 0);
        assert_int_equal(r.status, i < 2 ? RATELIMIT_PASS : RATELIMIT_OVER);
    }
    assert_ptr_equal(r.tier, &bulk);
    assert_int_equal(r.window, 60);
    assert_string_equal(r.key, "alice|192.0.2.0/24");
    assert_int_equal(ratelimit_usage_scan(fx->rc, "t:", "ALICE", usage_row, &u, &err), 0);
    assert_string_equal(u.limit, "combo");
    assert_string_equal(u.key, "alice|192.0.2.0/24");
    assert_string_equal(u.tier, "bulk");
    assert_int_equal(u.window_count, 2);
    assert_int_equal(u.windows[0].seconds, 60);
    assert_int_equal(u.windows[0].count, 2);
    assert_int_equal(u.windows[0].max, 2);
    assert_int_equal(u.windows[1].seconds, 86400);
    u.limit = NULL;
    assert_int_equal(ratelimit_usage_scan(fx->rc, "t:", "alic", usage_row, &u, &err), 0);
    assert_null(u.limit);
}

/* count_lock - locks_list callback */
static void count_lock(const char *user, const struct lock_info *info, void *arg)
{
    (void)user;
    (void)info;
    (*(int *)arg)++;
}

/* test_lock - a lock limit locks; later mail is refused until unlocked */
static void test_lock(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("locker", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 600, 2);
    struct ratelimit_result r;
    struct lock_info info;
    struct vigie_error err;
    int n = 0;

    SKIP_WITHOUT_REDIS();
    l.lock = true;
    l.lock_seconds = 0;
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_OVER);
    assert_true(r.locked_now);
    assert_string_equal(r.action.reply_code, "550");
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_LOCKED);
    assert_int_equal(ratelimit_lock_check(fx->engine, fx->rc, "ALICE", &r, &err), 0);
    assert_int_equal(r.status, RATELIMIT_LOCKED);
    assert_int_equal(locks_get(fx->rc, "t:", "alice", &info, &err), 0);
    assert_true(info.locked);
    assert_string_equal(info.by, "locker");
    assert_int_equal(info.until, 0);
    assert_int_equal(integer(fx->rc, 2, "TTL", "t:lock:alice"), -1);
    assert_int_equal(locks_list(fx->rc, "t:", count_lock, &n, &err), 1);
    assert_int_equal(n, 1);
    assert_int_equal(locks_clear(fx->rc, "t:", "Alice", &err), 1);
    assert_int_equal(locks_clear(fx->rc, "t:", "Alice", &err), 0);
    assert_int_equal(ratelimit_lock_check(fx->engine, fx->rc, "alice", &r, &err), 0);
    assert_int_equal(r.status, RATELIMIT_PASS);
    assert_int_equal(ratelimit_lock_check(fx->engine, fx->rc, "", &r, &err), 0);
    assert_int_equal(r.status, RATELIMIT_PASS);

    /* A lock with an expiry, set by hand. */
    assert_int_equal(locks_set(fx->rc, "t:", "carol", 3600, "vigiectl", "test", &err), 0);
    assert_int_equal(locks_get(fx->rc, "t:", "carol", &info, &err), 0);
    assert_true(info.locked && info.until >= info.since + 3600);
    assert_string_equal(info.reason, "test");
    assert_in_range(integer(fx->rc, 2, "TTL", "t:lock:carol"), 3590, 3600);
}

/* test_signals - distinct recipient domains and client addresses of a SASL user */
static void test_signals(void **state)
{
    struct fixture *fx = *state;
    struct ratelimit_request req = {&fx->facts, "", NULL, 0, 3600};
    const char *r1[] = {"a@one.test", "b@two.test"}, *r2[] = {"c@three.test", "d@ONE.test"};
    struct ratelimit_result r;
    struct vigie_error err;

    SKIP_WITHOUT_REDIS();
    fx->facts.recipients = r1;
    fx->facts.recipient_count = 2;
    assert_int_equal(ratelimit_check(fx->engine, fx->rc, &req, &r, &err), 0);
    assert_int_equal(r.signal_domains, 2);
    assert_int_equal(r.signal_addrs, 1);
    fx->facts.recipients = r2;
    assert_int_equal(netaddr_parse("2001:db8::5", &fx->facts.client_ip), 0);
    assert_int_equal(ratelimit_check(fx->engine, fx->rc, &req, &r, &err), 0);
    assert_int_equal(r.signal_domains, 3);
    assert_int_equal(r.signal_addrs, 2);
    assert_in_range(integer(fx->rc, 2, "TTL", "t:sig:a:alice"), 3590, 3600);
}

/* test_no_redis_needed - no limit applies and no SASL user: no round trip */
static void test_no_redis_needed(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("per_user", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 600, 5);
    struct limit_apply apply = {&l, &l.base};
    struct ratelimit_request req = {&fx->facts, "", &apply, 1, 0};
    struct redisconn_params p = {"127.0.0.1:1", NULL, 100, 100};
    struct ratelimit_result r;
    struct vigie_error err;
    struct redisconn *dead;

    SKIP_WITHOUT_REDIS();
    dead = redisconn_new(&p, &err);
    assert_non_null(dead);
    fx->facts.sasl_user = "";
    assert_int_equal(ratelimit_check(fx->engine, dead, &req, &r, &err), 0);
    assert_int_equal(r.status, RATELIMIT_PASS);
    redisconn_free(dead);
}

/* restart_server - start redis-server again on the same port and directory */
static void restart_server(void)
{
    char port[16], log[REDIS_SERVER_DIR_MAX + 16];
    const char *argv[] = {"redis-server", "--port", port, "--bind", "127.0.0.1",
                          "--unixsocket", server.socket, "--dir", server.dir,
                          "--logfile", log, "--save", "", "--appendonly", "no", NULL};

    snprintf(port, sizeof(port), "%d", server.port);
    snprintf(log, sizeof(log), "%s/redis.log", server.dir);
    server.pid = fork();
    assert_true(server.pid >= 0);
    if (server.pid == 0) {
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    assert_true(redis_server_ready(&server));
}

/* test_restart - Redis restarts mid-test: mail passes, one warning, recovery */
static void test_restart(void **state)
{
    struct fixture *fx = *state;
    struct limit_def l = limit("survivor", LIMIT_KEY_SASL_USER, LIMIT_COUNT_MESSAGES, 3600, 5);
    const char *logf = tmp_path("log");
    struct ratelimit_result r;

    SKIP_WITHOUT_REDIS();
    for (int i = 0; i < 3; i++)
        assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    freeReplyObject(run(fx->rc, 1, "SAVE"));
    kill(server.pid, SIGTERM);
    waitpid(server.pid, NULL, 0);
    server.pid = 0;

    for (int i = 0; i < 4; i++) {
        assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_UNAVAILABLE);
        pause_ms(300);
    }
    assert_int_equal(count_in_file(logf, "rate limits unavailable"), 1);
    assert_int_equal(count_in_file(logf, "kind=redis state=down"), 1);

    restart_server();
    pause_ms(REDISCONN_RETRY_MS + 100);
    /* The counters came back from disk: two more pass, then the limit holds. */
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_PASS);
    assert_int_equal(check(fx, &l, 1, &r), RATELIMIT_OVER);
    assert_int_equal(count_in_file(logf, "rate limits available again"), 1);
    assert_int_equal(count_in_file(logf, "kind=redis state=up"), 1);
    assert_int_equal(integer(fx->rc, 2, "XLEN", "t:alerts"), 2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_messages_exact, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_concurrent_exact, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_expiry, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_running_sum, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_weights, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_tier_combined_key, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_lock, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_signals, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_no_redis_needed, fixture_setup, fixture_teardown),
        cmocka_unit_test_setup_teardown(test_restart, fixture_setup, fixture_teardown),
        /* after test_restart, which counts the outage lines of the log */
        cmocka_unit_test_setup_teardown(test_batch, fixture_setup, fixture_teardown),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
