/*
 * NAME
 *	ratelimit_keys - names of the Redis keys of limits, locks and alerts
 * DESCRIPTION
 *	See ratelimit_keys.h.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "ratelimit_keys.h"

/* rlkey_start - key = prefix kind */
void rlkey_start(struct rlkey *key, const char *prefix, const char *kind)
{
    key->len = 0;
    key->overflow = false;
    key->text[0] = '\0';
    rlkey_add_raw(key, prefix);
    rlkey_add_raw(key, kind);
}

/* add_bytes - append n bytes, or mark the key overflowed */
static void add_bytes(struct rlkey *key, const char *bytes, size_t n)
{
    if (key->overflow || n >= sizeof(key->text) - key->len) {
        key->overflow = true;
        return;
    }
    memcpy(key->text + key->len, bytes, n);
    key->len += n;
    key->text[key->len] = '\0';
}

/* rlkey_add_raw - append text as it is */
void rlkey_add_raw(struct rlkey *key, const char *text)
{
    add_bytes(key, text, strlen(text));
}

/* plain - a byte that stands for itself in an escaped value */
static bool plain(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || strchr("@._+-=:/", c) != NULL;
}

/* fnv1a - 64-bit FNV-1a digest of value, folded like the key */
static uint64_t fnv1a(const char *value, bool fold)
{
    uint64_t h = 0xcbf29ce484222325ULL;

    for (; *value != '\0'; value++) {
        unsigned char c = (unsigned char)*value;

        if (fold && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        h = (h ^ c) * 0x100000001b3ULL;
    }
    return h;
}

/* rlkey_add_value - append value escaped; fold: to lower case first */
void rlkey_add_value(struct rlkey *key, const char *value, bool fold)
{
    static const char hex[] = "0123456789ABCDEF";
    char buf[RLKEY_VALUE_MAX + 3];
    char digest[20];
    size_t n = 0;
    const char *p;

    for (p = value; *p != '\0'; p++) {
        unsigned char c = (unsigned char)*p;

        if (fold && c >= 'A' && c <= 'Z')
            c = (unsigned char)(c - 'A' + 'a');
        if (n + 3 > RLKEY_VALUE_MAX)
            break;
        if (plain(c)) {
            buf[n++] = (char)c;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[c >> 4];
            buf[n++] = hex[c & 15];
        }
    }
    add_bytes(key, buf, n);
    if (*p != '\0') {
        snprintf(digest, sizeof(digest), "~%016llx", (unsigned long long)fnv1a(value, fold));
        rlkey_add_raw(key, digest);
    }
}

/* rlkey_done - 0, or -1 when the key overflowed */
int rlkey_done(const struct rlkey *key)
{
    return key->overflow ? -1 : 0;
}

/* rlkey_glob - text with * ? [ ] \ escaped for SCAN MATCH */
int rlkey_glob(const char *text, char *out, size_t size)
{
    size_t n = 0;

    for (; *text != '\0'; text++) {
        if (strchr("*?[]\\", *text) != NULL) {
            if (n + 1 >= size)
                return -1;
            out[n++] = '\\';
        }
        if (n + 1 >= size)
            return -1;
        out[n++] = *text;
    }
    if (n >= size)
        return -1;
    out[n] = '\0';
    return 0;
}

/* rlkey_scan - call fn for each key matching pattern */
int rlkey_scan(struct redisconn *rc, const char *pattern,
               int (*fn)(const char *key, void *arg, struct vigie_error *err), void *arg,
               struct vigie_error *err)
{
    char cursor[32] = "0";
    const char *argv[6] = {"SCAN", cursor, "MATCH", pattern, "COUNT", "1000"};
    size_t argvlen[6];
    redisReply *reply;
    int rc_fn = 0;

    do {
        for (int i = 0; i < 6; i++)
            argvlen[i] = strlen(argv[i]);
        if ((reply = redisconn_command(rc, 6, argv, argvlen, err)) == NULL)
            return -1;
        if (reply->type != REDIS_REPLY_ARRAY || reply->elements != 2
            || reply->element[0]->type != REDIS_REPLY_STRING
            || reply->element[0]->len >= sizeof(cursor)
            || reply->element[1]->type != REDIS_REPLY_ARRAY) {
            error_set(err, "redis: unexpected reply to SCAN");
            freeReplyObject(reply);
            return -1;
        }
        memcpy(cursor, reply->element[0]->str, reply->element[0]->len + 1);
        for (size_t i = 0; i < reply->element[1]->elements && rc_fn == 0; i++) {
            const redisReply *k = reply->element[1]->element[i];

            if (k->type == REDIS_REPLY_STRING)
                rc_fn = fn(k->str, arg, err);
        }
        freeReplyObject(reply);
    } while (rc_fn == 0 && strcmp(cursor, "0") != 0);
    return rc_fn;
}
