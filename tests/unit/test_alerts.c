/*
 * NAME
 *	test_alerts - unit tests for lib/alerts.c and lib/alerts_exec.c
 * DESCRIPTION
 *	The alert's fields, its log-line form (quoting, control bytes),
 *	its JSON form (escapes, invalid UTF-8), alert_command checks, and
 *	runs of real programs: the JSON on stdin and the fields in a
 *	minimal environment, a non-zero exit with its stderr, a signal, a
 *	timeout (the child killed), a program that does not read its
 *	input, a missing program; and alerts_raise (log line with the tag,
 *	command in the background). The stream entry is tested against
 *	Redis in test_ratelimit_redis.c.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "alerts.h"
#include "log.h"

static char tmpdir[64];

/* tmp_path - a file in the temp directory (static buffer) */
static const char *tmp_path(const char *name)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* write_script - an executable /bin/sh script in the temp dir; its path */
static const char *write_script(const char *name, const char *body)
{
    const char *path = tmp_path(name);
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    fprintf(fp, "#!/bin/sh\n%s\n", body);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, 0700), 0);
    return path;
}

/* slurp - a whole small file (static buffer), "" when missing */
static const char *slurp(const char *path)
{
    static char buf[8192];
    FILE *fp = fopen(path, "r");
    size_t n = 0;

    if (fp != NULL) {
        n = fread(buf, 1, sizeof(buf) - 1, fp);
        fclose(fp);
    }
    buf[n] = '\0';
    return buf;
}

static int setup(void **state)
{
    (void)state;
    strcpy(tmpdir, "/tmp/vigie-test-alerts.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    return log_setup("test", LOG_MAIL, LOG_LEVEL_INFO, tmp_path("log")) < 0 ? -1 : 0;
}

static int teardown(void **state)
{
    static const char *const files[] = {"log", "env", "in", "ok.sh", "fail.sh", "sig.sh",
                                        "slow.sh", "deaf.sh", "bg.sh", "bg.out"};

    (void)state;
    for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++)
        unlink(tmp_path(files[i]));
    rmdir(tmpdir);
    return 0;
}

/* sample - an alert with awkward values */
static void sample(struct alert *a)
{
    alert_init(a);
    assert_int_equal(alert_add(a, "kind", "limit"), 0);
    assert_int_equal(alert_add(a, "limit", "per_user"), 0);
    assert_int_equal(alert_add(a, "sender", "a \"b\"\\c"), 0);
    assert_int_equal(alert_add(a, "queue_id", ""), 0);
    assert_int_equal(alert_add(a, "text", "x=y\r\nz\x7f"), 0);
    assert_int_equal(alert_add(a, "user", "caf\xc3\xa9 \xff\xc3"), 0);
}

/* test_fields - adding, reading, the limit on fields */
static void test_fields(void **state)
{
    struct alert a;

    (void)state;
    alert_init(&a);
    for (int i = 0; i < ALERT_MAX_FIELDS; i++)
        assert_int_equal(alert_add(&a, "n", "v"), 0);
    assert_int_equal(alert_add(&a, "one", "too many"), -1);
    assert_int_equal(a.count, ALERT_MAX_FIELDS);
    sample(&a);
    assert_string_equal(alert_get(&a, "limit"), "per_user");
    assert_null(alert_get(&a, "nosuch"));
}

/* test_format - the log line: plain words bare, others quoted, controls as '?' */
static void test_format(void **state)
{
    struct alert a;
    char line[256];
    char tiny[12];

    (void)state;
    sample(&a);
    alerts_format(&a, line, sizeof(line));
    assert_string_equal(line, "kind=limit limit=per_user sender=\"a \\\"b\\\"\\\\c\" queue_id=\"\" "
                        "text=\"x=y??z?\" user=\"caf\xc3\xa9 \xff\xc3\"");
    alerts_format(&a, tiny, sizeof(tiny));
    assert_string_equal(tiny, "kind=limit ");
}

/* test_json - string escapes and invalid UTF-8 */
static void test_json(void **state)
{
    struct alert a;
    char *json;

    (void)state;
    sample(&a);
    json = alerts_json(&a);
    assert_non_null(json);
    assert_string_equal(json, "{\"kind\":\"limit\",\"limit\":\"per_user\",\"sender\":"
                        "\"a \\\"b\\\"\\\\c\",\"queue_id\":\"\",\"text\":\"x=y\\u000d\\u000az"
                        "\\u007f\",\"user\":\"caf\xc3\xa9 \\ufffd\\ufffd\"}");
    free(json);
    alert_init(&a);
    (void)alert_add(&a, "v", "\xe0\x80\x80 \xed\xa0\x80 \xf4\x90\x80\x80 \xf0\x9f\x98\x80");
    json = alerts_json(&a);
    assert_string_equal(json, "{\"v\":\"\\ufffd\\ufffd\\ufffd \\ufffd\\ufffd\\ufffd "
                        "\\ufffd\\ufffd\\ufffd\\ufffd \xf0\x9f\x98\x80\"}");
    free(json);
}

/* test_command_check - what alert_command may be */
static void test_command_check(void **state)
{
    char many[256] = "/bin/x";
    struct vigie_error err;

    (void)state;
    assert_int_equal(alerts_command_check("", &err), 0);
    assert_int_equal(alerts_command_check("/usr/local/bin/notify -v  --to root", &err), 0);
    assert_int_equal(alerts_command_check("notify", &err), -1);
    assert_string_equal(err.msg, "alert_command: \"notify\" is not an absolute path "
                        "(no shell runs it)");
    for (int i = 0; i < ALERT_MAX_ARGS; i++)
        strcat(many, " a");
    assert_int_equal(alerts_command_check(many, &err), -1);
    assert_string_equal(err.msg, "alert_command: more than 16 words");
}

/* run - alerts_command_run of command on the sample alert; its status */
static int run(const char *command, unsigned timeout_ms, struct vigie_error *err)
{
    struct alert_settings s = {command, timeout_ms, 100};
    struct alert a;

    sample(&a);
    return alerts_command_run(&s, &a, err);
}

/* test_command_ok - JSON on stdin, fields in a minimal environment, arguments */
static void test_command_ok(void **state)
{
    char command[512], in[128], env_path[128];
    struct vigie_error err;
    const char *env;

    (void)state;
    snprintf(in, sizeof(in), "%s", tmp_path("in"));
    snprintf(env_path, sizeof(env_path), "%s", tmp_path("env"));
    snprintf(command, sizeof(command), "%s %s  %s",
             write_script("ok.sh", "cat > \"$1\"; env > \"$2\""), in, env_path);
    assert_int_equal(run(command, 5000, &err), 0);
    assert_string_equal(slurp(tmp_path("in")), "{\"kind\":\"limit\",\"limit\":\"per_user\","
                        "\"sender\":\"a \\\"b\\\"\\\\c\",\"queue_id\":\"\",\"text\":"
                        "\"x=y\\u000d\\u000az\\u007f\",\"user\":\"caf\xc3\xa9 \\ufffd\\ufffd\"}");
    env = slurp(tmp_path("env"));
    assert_non_null(strstr(env, "VIGIE_ALERT_LIMIT=per_user\n"));
    assert_non_null(strstr(env, "VIGIE_ALERT_QUEUE_ID=\n"));
    assert_non_null(strstr(env, "PATH=/usr/sbin:/usr/bin:/sbin:/bin\n"));
    assert_null(strstr(env, "HOME="));
}

/* test_command_failures - exit status, signal, timeout, deaf child, missing program */
static void test_command_failures(void **state)
{
    char big[200];
    struct vigie_error err;
    const char *path;
    struct timespec t0, t1;

    (void)state;
    path = write_script("fail.sh", "echo 'mailer down' >&2; echo second line >&2; exit 3");
    assert_int_equal(run(path, 5000, &err), -1);
    snprintf(big, sizeof(big), "%s: exit status 3: mailer down", path);
    assert_string_equal(err.msg, big);

    path = write_script("sig.sh", "kill -TERM $$");
    assert_int_equal(run(path, 5000, &err), -1);
    snprintf(big, sizeof(big), "%s: killed by signal 15", path);
    assert_string_equal(err.msg, big);

    path = write_script("slow.sh", "echo waiting >&2; exec sleep 10");
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_int_equal(run(path, 300, &err), -1);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    snprintf(big, sizeof(big), "%s: no exit after 300 ms: killed: waiting", path);
    assert_string_equal(err.msg, big);
    assert_true(t1.tv_sec - t0.tv_sec < 3);

    /* A child that never reads its input still gets a clean run. */
    path = write_script("deaf.sh", "exec 0<&-; exit 0");
    assert_int_equal(run(path, 5000, &err), 0);

    assert_int_equal(run("/nonexistent/notify", 5000, &err), -1);
    assert_string_equal(err.msg, "/nonexistent/notify: cannot run: No such file or directory");
    assert_int_equal(run("relative", 5000, &err), -1);
    assert_string_equal(err.msg, "\"relative\" is not an absolute path followed by at most "
                        "15 arguments");
}

/* test_raise - the tagged log line, the command in the background */
static void test_raise(void **state)
{
    char command[512], out[128];
    struct alert_settings s;
    struct alert a;

    (void)state;
    alert_settings_default(&s);
    assert_int_equal(s.timeout_ms, ALERT_DEFAULT_TIMEOUT_MS);
    assert_int_equal(s.stream_maxlen, ALERT_DEFAULT_STREAM_MAXLEN);
    snprintf(out, sizeof(out), "%s", tmp_path("bg.out"));
    snprintf(command, sizeof(command), "%s %s",
             write_script("bg.sh", "printf '%s' \"$VIGIE_ALERT_LIMIT\" > \"$1\""), out);
    s.command = command;
    alert_init(&a);
    (void)alert_add(&a, "kind", "limit");
    (void)alert_add(&a, "limit", "per_user");
    alerts_raise(&s, &a);
    assert_non_null(strstr(slurp(tmp_path("log")),
                           "warning: vigie-alert: kind=limit limit=per_user\n"));
    for (int i = 0; i < 200 && strcmp(slurp(tmp_path("bg.out")), "per_user") != 0; i++)
        usleep(10000);
    assert_string_equal(slurp(tmp_path("bg.out")), "per_user");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields),
        cmocka_unit_test(test_format),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_command_check),
        cmocka_unit_test(test_command_ok),
        cmocka_unit_test(test_command_failures),
        cmocka_unit_test(test_raise),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
