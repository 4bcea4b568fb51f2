/*
 * NAME
 *	alerts - tell an administrator that a limit was crossed
 * DESCRIPTION
 *	See alerts.h. This file holds the alert itself, its text forms
 *	(log line, JSON), the stream entry and alerts_raise(); running
 *	alert_command is alerts_exec.c.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alerts.h"
#include "log.h"
#include "ratelimit_keys.h"

/* alert_settings_default - the documented defaults, no command */
void alert_settings_default(struct alert_settings *settings)
{
    settings->command = "";
    settings->timeout_ms = ALERT_DEFAULT_TIMEOUT_MS;
    settings->stream_maxlen = ALERT_DEFAULT_STREAM_MAXLEN;
}

/* alert_init - an alert without fields */
void alert_init(struct alert *alert)
{
    alert->count = 0;
}

/* alert_add - append a field; -1 when full */
int alert_add(struct alert *alert, const char *name, const char *value)
{
    if (alert->count >= ALERT_MAX_FIELDS)
        return -1;
    alert->fields[alert->count].name = name;
    alert->fields[alert->count].value = value;
    alert->count++;
    return 0;
}

/* alert_get - the value of the first field called name, or NULL */
const char *alert_get(const struct alert *alert, const char *name)
{
    for (size_t i = 0; i < alert->count; i++)
        if (strcmp(alert->fields[i].name, name) == 0)
            return alert->fields[i].value;
    return NULL;
}

/* needs_quotes - a value that is not one plain word */
static bool needs_quotes(const char *value)
{
    if (*value == '\0')
        return true;
    for (; *value != '\0'; value++)
        if ((unsigned char)*value <= ' ' || *value == '"' || *value == '=' || *value == '\\'
            || *value == 0x7f)
            return true;
    return false;
}

/* put - append c to buf[*n] if room remains (one byte kept for the NUL) */
static void put(char *buf, size_t size, size_t *n, char c)
{
    if (*n + 1 < size)
        buf[(*n)++] = c;
}

/* alerts_format - the fields as "name=value ..." */
void alerts_format(const struct alert *alert, char *buf, size_t size)
{
    size_t n = 0;

    if (size == 0)
        return;
    for (size_t i = 0; i < alert->count; i++) {
        const char *v = alert->fields[i].value;
        bool quoted = needs_quotes(v);

        if (i > 0)
            put(buf, size, &n, ' ');
        for (const char *s = alert->fields[i].name; *s != '\0'; s++)
            put(buf, size, &n, *s);
        put(buf, size, &n, '=');
        if (quoted)
            put(buf, size, &n, '"');
        for (; *v != '\0'; v++) {
            unsigned char c = (unsigned char)*v;

            if (c == '"' || c == '\\')
                put(buf, size, &n, '\\');
            put(buf, size, &n, c < ' ' || c == 0x7f ? '?' : (char)c);
        }
        if (quoted)
            put(buf, size, &n, '"');
    }
    buf[n] = '\0';
}

/*
 * utf8_length - length of the valid UTF-8 sequence at s, or 0
 *	Overlong forms, surrogates and code points past U+10FFFF are
 *	invalid.
 */
static size_t utf8_length(const unsigned char *s)
{
    size_t len;
    unsigned long cp;

    if (s[0] < 0x80)
        return 1;
    if (s[0] >= 0xc2 && s[0] <= 0xdf) {
        len = 2;
        cp = s[0] & 0x1f;
    } else if (s[0] >= 0xe0 && s[0] <= 0xef) {
        len = 3;
        cp = s[0] & 0x0f;
    } else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
        len = 4;
        cp = s[0] & 0x07;
    } else {
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if ((s[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (s[i] & 0x3f);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff)))
        || (len == 4 && (cp < 0x10000 || cp > 0x10ffff)))
        return 0;
    return len;
}

/* json_string - s as a JSON string at out (room: 6 bytes per input byte + 3) */
static char *json_string(char *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;

    *out++ = '"';
    while (*p != '\0') {
        size_t len = utf8_length(p);

        if (len == 0) {
            out += sprintf(out, "\\ufffd");
            p++;
        } else if (*p == '"' || *p == '\\') {
            *out++ = '\\';
            *out++ = (char)*p++;
        } else if (*p < 0x20 || *p == 0x7f) {
            out += sprintf(out, "\\u%04x", *p++);
        } else {
            memcpy(out, p, len);
            out += len;
            p += len;
        }
    }
    *out++ = '"';
    return out;
}

/* alerts_json - the fields as one JSON object; caller frees */
char *alerts_json(const struct alert *alert)
{
    size_t room = 3;
    char *json;
    char *out;

    for (size_t i = 0; i < alert->count; i++)
        room += 6 * (strlen(alert->fields[i].name) + strlen(alert->fields[i].value)) + 8;
    if ((json = malloc(room)) == NULL)
        return NULL;
    out = json;
    *out++ = '{';
    for (size_t i = 0; i < alert->count; i++) {
        if (i > 0)
            *out++ = ',';
        out = json_string(out, alert->fields[i].name);
        *out++ = ':';
        out = json_string(out, alert->fields[i].value);
    }
    *out++ = '}';
    *out = '\0';
    return json;
}

/* alerts_stream_add - XADD the alert to PREFIX alerts, capped */
int alerts_stream_add(struct redisconn *rc, const char *prefix, unsigned long maxlen,
                      const struct alert *alert, struct vigie_error *err)
{
    const char *argv[6 + 2 * ALERT_MAX_FIELDS];
    char maxbuf[24];
    struct rlkey key;
    int argc = 0;

    rlkey_start(&key, prefix, RLKEY_ALERTS);
    if (rlkey_done(&key) < 0) {
        error_set(err, "alert stream: redis_prefix too long");
        return -1;
    }
    snprintf(maxbuf, sizeof(maxbuf), "%lu", maxlen);
    argv[argc++] = "XADD";
    argv[argc++] = key.text;
    argv[argc++] = "MAXLEN";
    argv[argc++] = "~";
    argv[argc++] = maxbuf;
    argv[argc++] = "*";
    for (size_t i = 0; i < alert->count; i++) {
        argv[argc++] = alert->fields[i].name;
        argv[argc++] = alert->fields[i].value;
    }
    return redisconn_run(rc, argc, argv, err);
}

/*
 * A private copy of what the command thread needs: the settings'
 * command and the alert's strings, in one block.
 */
struct alert_job {
    struct alert_settings settings;
    struct alert alert;
    char strings[];
};

/* job_new - copy settings and alert into one allocation; NULL when short of memory */
static struct alert_job *job_new(const struct alert_settings *settings,
                                 const struct alert *alert)
{
    size_t room = strlen(settings->command) + 1;
    struct alert_job *job;
    char *p;

    for (size_t i = 0; i < alert->count; i++)
        room += strlen(alert->fields[i].name) + strlen(alert->fields[i].value) + 2;
    if ((job = malloc(sizeof(*job) + room)) == NULL)
        return NULL;
    job->settings = *settings;
    p = job->strings;
    job->settings.command = strcpy(p, settings->command);
    p += strlen(p) + 1;
    alert_init(&job->alert);
    for (size_t i = 0; i < alert->count; i++) {
        const char *name = strcpy(p, alert->fields[i].name);

        p += strlen(p) + 1;
        (void)alert_add(&job->alert, name, strcpy(p, alert->fields[i].value));
        p += strlen(p) + 1;
    }
    return job;
}

/* job_thread - run the command of one alert, log its failure, free the job */
static void *job_thread(void *arg)
{
    struct alert_job *job = arg;
    struct vigie_error err;

    if (alerts_command_run(&job->settings, &job->alert, &err) < 0)
        msg_warn("alert_command: %s", err.msg);
    free(job);
    return NULL;
}

/* start_command - the command in a detached thread; failures logged */
static void start_command(const struct alert_settings *settings, const struct alert *alert)
{
    struct alert_job *job = job_new(settings, alert);
    pthread_attr_t attr;
    pthread_t tid;
    int rc;

    if (job == NULL) {
        msg_warn("alert_command not run: out of memory");
        return;
    }
    if ((rc = pthread_attr_init(&attr)) == 0) {
        rc = pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        if (rc == 0)
            rc = pthread_create(&tid, &attr, job_thread, job);
        pthread_attr_destroy(&attr);
    }
    if (rc != 0) {
        msg_warn("alert_command not run: cannot start a thread: %s", strerror(rc));
        free(job);
    }
}

/* alerts_raise - log the alert and start its command */
void alerts_raise(const struct alert_settings *settings, const struct alert *alert)
{
    char line[2048];

    alerts_format(alert, line, sizeof(line));
    msg_warn("%s %s", ALERT_TAG, line);
    if (settings->command != NULL && settings->command[0] != '\0')
        start_command(settings, alert);
}
