/*
 * NAME
 *	redis_sentinel - where the Redis master is, asked of Redis Sentinels
 * DESCRIPTION
 *	See redis_sentinel.h. Each question is a short hiredis connection:
 *	connect, one command, close. It is asked only when vigie
 *	(re)connects to Redis, so no connection is kept open.
 */
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "redis_sentinel.h"

#define HOST_MAX 256

struct sentinel {
    char host[HOST_MAX];
    int port;
};

struct sentinel_set {
    struct sentinel nodes[SENTINEL_MAX];
    size_t count;
    size_t first;               /* the one to ask first */
    char *master;
    unsigned connect_timeout_ms;
    unsigned timeout_ms;
};

/* parse_one - "host:port" or "[v6]:port" of len bytes into s; 0 or -1 */
static int parse_one(const char *text, size_t len, struct sentinel *s)
{
    const char *colon = NULL;
    const char *host = text;
    size_t host_len;
    long port = 0;

    for (size_t i = 0; i < len; i++)
        if (text[i] == ':')
            colon = text + i;
    if (colon == NULL || colon == text || colon == text + len - 1)
        return -1;
    host_len = (size_t)(colon - text);
    if (text[0] == '[') {
        if (colon[-1] != ']' || host_len < 3)
            return -1;
        host++;
        host_len -= 2;
    } else if (memchr(text, ':', host_len) != NULL) {
        return -1;
    }
    for (const char *p = colon + 1; p < text + len; p++) {
        if (*p < '0' || *p > '9' || (port = port * 10 + (*p - '0')) > 65535)
            return -1;
    }
    if (port < 1 || host_len >= sizeof(s->host))
        return -1;
    memcpy(s->host, host, host_len);
    s->host[host_len] = '\0';
    s->port = (int)port;
    return 0;
}

/* sentinel_set_new - parse the sentinels' addresses */
struct sentinel_set *sentinel_set_new(const char *addresses, const char *master,
                                      unsigned connect_timeout_ms, unsigned timeout_ms,
                                      struct vigie_error *err)
{
    struct sentinel_set *set = calloc(1, sizeof(*set));
    const char *p = addresses;

    if (set == NULL || (set->master = strdup(master)) == NULL) {
        error_set(err, "redis sentinels: out of memory");
        sentinel_set_free(set);
        return NULL;
    }
    set->connect_timeout_ms = connect_timeout_ms;
    set->timeout_ms = timeout_ms;
    while (*(p += strspn(p, ", \t")) != '\0') {
        size_t len = strcspn(p, ", \t");

        if (set->count == SENTINEL_MAX) {
            error_set(err, "redis sentinels: more than %d", SENTINEL_MAX);
            sentinel_set_free(set);
            return NULL;
        }
        if (parse_one(p, len, &set->nodes[set->count]) < 0) {
            error_set(err, "redis sentinel \"%.*s\": expected host:port or [ipv6]:port",
                      (int)len, p);
            sentinel_set_free(set);
            return NULL;
        }
        set->count++;
        p += len;
    }
    if (set->count == 0 || *master == '\0') {
        error_set(err, set->count == 0 ? "redis sentinels: no address"
                                       : "redis sentinels: no master name");
        sentinel_set_free(set);
        return NULL;
    }
    return set;
}

/* sentinel_set_free - NULL is allowed */
void sentinel_set_free(struct sentinel_set *set)
{
    if (set == NULL)
        return;
    free(set->master);
    free(set);
}

/* sentinel_set_name - the master's name */
const char *sentinel_set_name(const struct sentinel_set *set)
{
    return set->master;
}

/* ms_timeval - milliseconds as a struct timeval */
static struct timeval ms_timeval(unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

    return tv;
}

/* ask - one sentinel; 0 with the address, or -1 with err set */
static int ask(const struct sentinel_set *set, const struct sentinel *s, char *host,
               size_t size, int *port, struct vigie_error *err)
{
    const char *argv[3] = {"SENTINEL", "get-master-addr-by-name", set->master};
    size_t argvlen[3] = {8, 23, strlen(set->master)};
    redisContext *c = redisConnectWithTimeout(s->host, s->port, ms_timeval(set->connect_timeout_ms));
    redisReply *r = NULL;
    int status = -1;

    if (c == NULL || c->err != 0) {
        error_set(err, "sentinel %s:%d: %s", s->host, s->port, c ? c->errstr : "out of memory");
    } else if (redisSetTimeout(c, ms_timeval(set->timeout_ms)) != REDIS_OK
               || (r = redisCommandArgv(c, 3, argv, argvlen)) == NULL) {
        error_set(err, "sentinel %s:%d: %s", s->host, s->port, c->errstr);
    } else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2
               || r->element[0]->type != REDIS_REPLY_STRING
               || r->element[1]->type != REDIS_REPLY_STRING || r->element[0]->len >= size) {
        error_set(err, "sentinel %s:%d: knows no master \"%s\"", s->host, s->port, set->master);
    } else {
        memcpy(host, r->element[0]->str, r->element[0]->len + 1);
        *port = atoi(r->element[1]->str);
        status = 0;
    }
    if (r != NULL)
        freeReplyObject(r);
    if (c != NULL)
        redisFree(c);
    return status;
}

/* sentinel_master - the master's address, as a sentinel knows it */
int sentinel_master(struct sentinel_set *set, char *host, size_t size, int *port,
                    struct vigie_error *err)
{
    for (size_t n = 0; n < set->count; n++) {
        size_t i = (set->first + n) % set->count;

        if (ask(set, &set->nodes[i], host, size, port, err) == 0) {
            set->first = i;
            return 0;
        }
    }
    return -1;
}
