/*
 * NAME
 *	locks - SASL accounts locked out of sending, kept in Redis
 * DESCRIPTION
 *	See locks.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "locks.h"
#include "ratelimit_keys.h"

/* lock_key - PREFIX lock: USER into key; 0, or -1 with err set */
static int lock_key(struct rlkey *key, const char *prefix, const char *user,
                    struct vigie_error *err)
{
    rlkey_start(key, prefix, RLKEY_LOCK);
    rlkey_add_value(key, user, true);
    if (rlkey_done(key) < 0) {
        error_set(err, "lock key: redis_prefix too long");
        return -1;
    }
    return 0;
}

/* copy_field - a reply string into a fixed buffer, truncated */
static void copy_field(char *dst, size_t size, const redisReply *value)
{
    size_t n = value->len < size - 1 ? value->len : size - 1;

    memcpy(dst, value->str, n);
    dst[n] = '\0';
}

/* read_hash - the fields of an HGETALL reply into info */
static void read_hash(const redisReply *reply, struct lock_info *info)
{
    memset(info, 0, sizeof(*info));
    info->locked = reply->elements > 0;
    for (size_t i = 0; i + 1 < reply->elements; i += 2) {
        const redisReply *name = reply->element[i];
        const redisReply *value = reply->element[i + 1];

        if (name->type != REDIS_REPLY_STRING || value->type != REDIS_REPLY_STRING)
            continue;
        if (strcmp(name->str, "by") == 0)
            copy_field(info->by, sizeof(info->by), value);
        else if (strcmp(name->str, "reason") == 0)
            copy_field(info->reason, sizeof(info->reason), value);
        else if (strcmp(name->str, "since") == 0)
            info->since = strtoll(value->str, NULL, 10);
        else if (strcmp(name->str, "until") == 0)
            info->until = strtoll(value->str, NULL, 10);
    }
}

/* get_key - HGETALL of a lock key into info; 0, or -1 with err set */
static int get_key(struct redisconn *rc, const char *key, struct lock_info *info,
                   struct vigie_error *err)
{
    const char *argv[2] = {"HGETALL", key};
    size_t argvlen[2] = {7, strlen(key)};
    redisReply *reply = redisconn_command(rc, 2, argv, argvlen, err);

    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_ARRAY) {
        error_set(err, "redis: unexpected reply to HGETALL %s", key);
        freeReplyObject(reply);
        return -1;
    }
    read_hash(reply, info);
    freeReplyObject(reply);
    return 0;
}

/* locks_get - is user locked? */
int locks_get(struct redisconn *rc, const char *prefix, const char *user,
              struct lock_info *info, struct vigie_error *err)
{
    struct rlkey key;

    if (lock_key(&key, prefix, user, err) < 0)
        return -1;
    return get_key(rc, key.text, info, err);
}

/* locks_set - lock user for seconds (0: until unlocked) */
int locks_set(struct redisconn *rc, const char *prefix, const char *user,
              unsigned long seconds, const char *by, const char *reason,
              struct vigie_error *err)
{
    long long now = (long long)time(NULL);
    char since[24], until[24];
    struct rlkey key;
    const char *del[2] = {"DEL", key.text};
    const char *hset[10] = {"HSET", key.text, "by", by, "reason", reason,
                            "since", since, "until", until};
    const char *expire[3] = {"EXPIREAT", key.text, until};

    if (lock_key(&key, prefix, user, err) < 0)
        return -1;
    snprintf(since, sizeof(since), "%lld", now);
    snprintf(until, sizeof(until), "%lld", seconds ? now + (long long)seconds : 0);
    if (redisconn_run(rc, 2, del, err) < 0 || redisconn_run(rc, 10, hset, err) < 0
        || (seconds > 0 && redisconn_run(rc, 3, expire, err) < 0))
        return -1;
    return 0;
}

/* locks_clear - unlock user; 1 when it was locked */
int locks_clear(struct redisconn *rc, const char *prefix, const char *user,
                struct vigie_error *err)
{
    struct rlkey key;
    redisReply *reply;
    const char *argv[2] = {"DEL", key.text};
    size_t argvlen[2];
    int was;

    if (lock_key(&key, prefix, user, err) < 0)
        return -1;
    argvlen[0] = 3;
    argvlen[1] = key.len;
    if ((reply = redisconn_command(rc, 2, argv, argvlen, err)) == NULL)
        return -1;
    was = reply->type == REDIS_REPLY_INTEGER && reply->integer > 0;
    freeReplyObject(reply);
    return was;
}

/* State of locks_list's walk. */
struct list_walk {
    struct redisconn *rc;
    size_t skip;                /* length of PREFIX lock: */
    void (*fn)(const char *user, const struct lock_info *info, void *arg);
    void *arg;
    int count;
};

/* list_one - one key found by the scan */
static int list_one(const char *key, void *arg, struct vigie_error *err)
{
    struct list_walk *walk = arg;
    struct lock_info info;

    if (get_key(walk->rc, key, &info, err) < 0)
        return -1;
    if (info.locked) {              /* not expired between SCAN and HGETALL */
        walk->fn(key + walk->skip, &info, walk->arg);
        walk->count++;
    }
    return 0;
}

/* locks_list - call fn for every lock */
int locks_list(struct redisconn *rc, const char *prefix,
               void (*fn)(const char *user, const struct lock_info *info, void *arg),
               void *arg, struct vigie_error *err)
{
    struct list_walk walk = {.rc = rc, .fn = fn, .arg = arg};
    char pattern[RLKEY_MAX + 2];
    struct rlkey key;

    rlkey_start(&key, prefix, RLKEY_LOCK);
    if (rlkey_done(&key) < 0 || rlkey_glob(key.text, pattern, sizeof(pattern) - 1) < 0) {
        error_set(err, "lock key: redis_prefix too long");
        return -1;
    }
    strcat(pattern, "*");
    walk.skip = key.len;
    if (rlkey_scan(rc, pattern, list_one, &walk, err) < 0)
        return -1;
    return walk.count;
}
