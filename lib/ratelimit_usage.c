/*
 * NAME
 *	ratelimit_usage - read rate-limit counters back, for vigiectl
 * SYNOPSIS
 *	#include "ratelimit.h"
 *
 *	int ratelimit_usage_scan(struct redisconn *rc, const char *prefix,
 *				 const char *value, int (*fn)(...), void *arg,
 *				 struct vigie_error *err);
 *	int ratelimit_reset(struct redisconn *rc, const char *prefix,
 *			    const char *value, const char *limit,
 *			    struct vigie_error *err);
 * DESCRIPTION
 *	Finds counter hashes with SCAN and reads them with the script's
 *	"peek" mode, USAGE_BATCH keys a call, so that the counts follow
 *	exactly the arithmetic of the check; nothing is written.
 *	ratelimit_reset deletes the counters it finds the same way. The
 *	hashes describe themselves (tier, kind, windows and maxima are
 *	stored with the counts), so no rules file is needed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ratelimit.h"

#define USAGE_BATCH 100

struct usage_scan {
    struct redisconn *rc;
    size_t skip;                /* length of "PREFIX rl:" */
    const char *value;          /* escaped, or NULL */
    const char *limit;          /* only this limit's counters, or NULL */
    bool delete;                /* DEL the keys instead of reading them */
    int deleted;
    char *keys[USAGE_BATCH];    /* owned */
    size_t count;
    int (*fn)(const struct limit_usage *usage, void *arg, struct vigie_error *err);
    void *arg;
};

/* wanted - does the key's value match the one asked for? */
static bool wanted(const struct usage_scan *s, const char *key)
{
    const char *colon = strchr(key + s->skip, ':');
    size_t n;

    if (colon == NULL)
        return false;
    if (s->limit != NULL && (strlen(s->limit) != (size_t)(colon - key - s->skip)
                             || strncmp(key + s->skip, s->limit, strlen(s->limit)) != 0))
        return false;
    if (s->value == NULL)
        return true;
    n = strlen(s->value);
    return strncmp(colon + 1, s->value, n) == 0 && (colon[1 + n] == '\0' || colon[1 + n] == '|');
}

/* count_kind - the script's kind letter as an enum limit_count */
static enum limit_count count_kind(const char *code)
{
    switch (code[0]) {
    case 'r':
        return LIMIT_COUNT_RECIPIENTS;
    case 'b':
        return LIMIT_COUNT_BYTES;
    case 'd':
        return LIMIT_COUNT_DOMAINS;
    default:
        return LIMIT_COUNT_MESSAGES;
    }
}

/* compare_windows - shortest window first */
static int compare_windows(const void *a, const void *b)
{
    unsigned long x = *(const unsigned long *)a, y = *(const unsigned long *)b;

    return (x > y) - (x < y);
}

/*
 * read_row - one key's row {tier, kind, window_ms, count, max, ...}
 *	into u; false when the row is malformed or every window is empty.
 */
static bool read_row(const redisReply *row, struct limit_usage *u)
{
    bool used = false;

    if (row->type != REDIS_REPLY_ARRAY || row->elements < 2 || (row->elements - 2) % 3 != 0
        || row->element[0]->type != REDIS_REPLY_STRING
        || row->element[1]->type != REDIS_REPLY_STRING)
        return false;
    u->tier = row->element[0]->str;
    u->count = count_kind(row->element[1]->str);
    u->window_count = 0;
    for (size_t i = 2; i + 2 < row->elements; i += 3) {
        const redisReply *w = row->element[i], *c = row->element[i + 1], *m = row->element[i + 2];

        if (w->type != REDIS_REPLY_STRING || c->type != REDIS_REPLY_INTEGER
            || m->type != REDIS_REPLY_INTEGER || u->window_count == RATELIMIT_MAX_WINDOWS)
            return false;
        u->windows[u->window_count].seconds = strtoul(w->str, NULL, 10) / 1000;
        u->windows[u->window_count].count = c->integer > 0 ? (unsigned long long)c->integer : 0;
        u->windows[u->window_count].max = m->integer > 0 ? (unsigned long long)m->integer : 0;
        used |= c->integer > 0;
        u->window_count++;
    }
    qsort(u->windows, u->window_count, sizeof(u->windows[0]), compare_windows);
    return used;
}

/* drop - DEL the batched keys; 0 or -1 */
static int drop(struct usage_scan *s, struct vigie_error *err)
{
    const char *argv[USAGE_BATCH + 1] = {"DEL"};
    size_t argvlen[USAGE_BATCH + 1] = {3};
    redisReply *reply;

    for (size_t i = 0; i < s->count; i++) {
        argv[i + 1] = s->keys[i];
        argvlen[i + 1] = strlen(s->keys[i]);
    }
    if ((reply = redisconn_command(s->rc, (int)s->count + 1, argv, argvlen, err)) == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_INTEGER)
        s->deleted += (int)reply->integer;
    freeReplyObject(reply);
    return 0;
}

/* peek - read the batched keys and hand each row to fn; 0 or -1 */
static int peek(struct usage_scan *s, struct vigie_error *err)
{
    const char *argv[REDISCONN_EVAL_HEAD + USAGE_BATCH + 2];
    size_t argvlen[REDISCONN_EVAL_HEAD + USAGE_BATCH + 2];
    char buckets[16];
    redisReply *reply;
    int argc = REDISCONN_EVAL_HEAD;
    int status = 0;

    snprintf(buckets, sizeof(buckets), "%d", RATELIMIT_BUCKETS);
    for (size_t i = 0; i < s->count; i++)
        argv[argc++] = s->keys[i];
    argv[argc++] = "peek";
    argv[argc++] = buckets;
    for (int i = REDISCONN_EVAL_HEAD; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
    reply = redisconn_eval(s->rc, &ratelimit_script, (int)s->count, argc, argv, argvlen, err);
    if (reply != NULL && (reply->type != REDIS_REPLY_ARRAY || reply->elements != s->count)) {
        error_set(err, "redis: unexpected reply to the rate-limit script");
        status = -1;
    } else if (reply == NULL) {
        status = -1;
    }
    for (size_t i = 0; i < s->count; i++) {
        struct limit_usage u;
        char *key = s->keys[i] + s->skip;
        char *colon = strchr(key, ':');

        if (status == 0 && read_row(reply->element[i], &u)) {
            *colon = '\0';
            u.limit = key;
            u.key = colon + 1;
            status = s->fn(&u, s->arg, err);
        }
    }
    if (reply != NULL)
        freeReplyObject(reply);
    return status;
}

/* flush - handle the batched keys, then forget them; 0 or -1 */
static int flush(struct usage_scan *s, struct vigie_error *err)
{
    int status = 0;

    if (s->count > 0)
        status = s->delete ? drop(s, err) : peek(s, err);
    for (size_t i = 0; i < s->count; i++)
        free(s->keys[i]);
    s->count = 0;
    return status;
}

/* collect - one key found by SCAN: batch it if wanted */
static int collect(const char *key, void *arg, struct vigie_error *err)
{
    struct usage_scan *s = arg;

    if (!wanted(s, key))
        return 0;
    if ((s->keys[s->count] = strdup(key)) == NULL) {
        error_set(err, "out of memory");
        return -1;
    }
    if (++s->count == USAGE_BATCH)
        return flush(s, err);
    return 0;
}

/* walk - scan the counters s selects for value, batch by batch; 0 or -1 */
static int walk(struct usage_scan *s, const char *prefix, const char *value,
                struct vigie_error *err)
{
    char pattern[RLKEY_MAX + 2];
    struct rlkey base, escaped;
    int status;

    rlkey_start(&base, prefix, RLKEY_LIMIT);
    rlkey_start(&escaped, "", "");
    if (value != NULL)
        rlkey_add_value(&escaped, value, true);
    if (rlkey_done(&base) < 0 || rlkey_done(&escaped) < 0
        || rlkey_glob(base.text, pattern, sizeof(pattern) - 1) < 0) {
        error_set(err, "key too long");
        return -1;
    }
    strcat(pattern, "*");
    s->skip = base.len;
    s->value = value != NULL ? escaped.text : NULL;
    status = rlkey_scan(s->rc, pattern, collect, s, err);
    if (status == 0)
        status = flush(s, err);
    for (size_t i = 0; i < s->count; i++)
        free(s->keys[i]);
    return status;
}

/* ratelimit_usage_scan - the counters of every limit for one key value */
int ratelimit_usage_scan(struct redisconn *rc, const char *prefix, const char *value,
                         int (*fn)(const struct limit_usage *usage, void *arg,
                                   struct vigie_error *err),
                         void *arg, struct vigie_error *err)
{
    struct usage_scan s = {.rc = rc, .fn = fn, .arg = arg};

    return walk(&s, prefix, value, err);
}

/* ratelimit_reset - delete the counters of value (of one limit, or all) */
int ratelimit_reset(struct redisconn *rc, const char *prefix, const char *value,
                    const char *limit, struct vigie_error *err)
{
    struct usage_scan s = {.rc = rc, .limit = limit, .delete = true};

    return walk(&s, prefix, value, err) < 0 ? -1 : s.deleted;
}
