/*
 * NAME
 *	redisconn - one thread's connection to Redis, reconnecting on failure
 * DESCRIPTION
 *	See redisconn.h. Every error message names the address as it was
 *	configured; none carries the password.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "redis_sentinel.h"
#include "redisconn.h"

#define SHA_HEX 40

struct redisconn {
    char *address;                  /* as configured, for messages */
    char *host;                     /* TCP host, or NULL for a unix socket */
    char *path;                     /* unix socket path, or NULL */
    int port;
    char *password;                 /* NULL = no AUTH */
    unsigned connect_timeout_ms;
    unsigned timeout_ms;
    redisContext *ctx;              /* NULL = not connected */
    unsigned due;                   /* replies of commands sent, not read yet */
    struct timespec retry_after;    /* no connect attempt before this */
    unsigned nscripts;
    struct {
        const struct redis_script *script;
        char sha[SHA_HEX + 1];
    } scripts[REDISCONN_SCRIPTS];
    char nkeys[16];                 /* EVALSHA key count, as text */
    struct sentinel_set *sentinels; /* NULL: host/port or path are the address */
};

/* parse_address - split "host:port", "[v6]:port" or "unix:/path" into rc */
static int parse_address(struct redisconn *rc, const char *address, struct vigie_error *err)
{
    const char *colon, *host = address;
    size_t host_len;
    char *end;
    long port;

    if (strncmp(address, "unix:", 5) == 0) {
        if (address[5] != '/') {
            error_set(err, "redis address \"%s\": a unix socket needs an absolute path", address);
            return -1;
        }
        rc->path = strdup(address + 5);
        return rc->path == NULL ? -2 : 0;
    }
    colon = strrchr(address, ':');
    if (colon == NULL || colon == address) {
        error_set(err, "redis address \"%s\": expected host:port, [ipv6]:port or unix:/path",
                  address);
        return -1;
    }
    host_len = (size_t)(colon - address);
    if (address[0] == '[') {
        if (colon[-1] != ']' || host_len < 3) {
            error_set(err, "redis address \"%s\": unbalanced brackets", address);
            return -1;
        }
        host++;
        host_len -= 2;
    } else if (memchr(address, ':', host_len) != NULL) {
        error_set(err, "redis address \"%s\": write an IPv6 address as [addr]:port", address);
        return -1;
    }
    port = strtol(colon + 1, &end, 10);
    if (colon[1] == '\0' || *end != '\0' || port < 1 || port > 65535) {
        error_set(err, "redis address \"%s\": bad port", address);
        return -1;
    }
    rc->port = (int)port;
    rc->host = strndup(host, host_len);
    return rc->host == NULL ? -2 : 0;
}

/* redisconn_new - check the address and copy the settings; no I/O */
struct redisconn *redisconn_new(const struct redisconn_params *params, struct vigie_error *err)
{
    struct redisconn *rc = calloc(1, sizeof(*rc));
    int status;

    if (rc == NULL) {
        error_set(err, "redis: out of memory");
        return NULL;
    }
    rc->connect_timeout_ms = params->connect_timeout_ms;
    rc->timeout_ms = params->timeout_ms;
    rc->address = strdup(params->address);
    if (params->password != NULL && params->password[0] != '\0')
        rc->password = strdup(params->password);
    status = rc->address == NULL ? -2 : parse_address(rc, params->address, err);
    if (status == 0 && params->password != NULL && params->password[0] != '\0'
        && rc->password == NULL)
        status = -2;
    if (status != 0) {
        if (status == -2)
            error_set(err, "redis: out of memory");
        redisconn_free(rc);
        return NULL;
    }
    return rc;
}

/* redisconn_free - close and free; NULL is allowed */
void redisconn_free(struct redisconn *rc)
{
    if (rc == NULL)
        return;
    if (rc->ctx != NULL)
        redisFree(rc->ctx);
    sentinel_set_free(rc->sentinels);
    free(rc->address);
    free(rc->host);
    free(rc->path);
    if (rc->password != NULL) {
        explicit_bzero(rc->password, strlen(rc->password));
        free(rc->password);
    }
    free(rc);
}

/* ms_timeval - milliseconds as a struct timeval */
static struct timeval ms_timeval(unsigned ms)
{
    struct timeval tv = {(time_t)(ms / 1000), (suseconds_t)(ms % 1000) * 1000};

    return tv;
}

/* drop - forget a context whose state is unknown */
static void drop(struct redisconn *rc)
{
    redisFree(rc->ctx);
    rc->ctx = NULL;
    rc->due = 0;
}

/* authenticate - AUTH on a fresh context; 0 or -1 with err set */
static int authenticate(struct redisconn *rc, struct vigie_error *err)
{
    const char *argv[2] = {"AUTH", rc->password};
    size_t argvlen[2] = {4, strlen(rc->password)};
    redisReply *reply = redisCommandArgv(rc->ctx, 2, argv, argvlen);
    int status = 0;

    if (reply == NULL) {
        error_set(err, "redis %s: AUTH: %s", rc->address, rc->ctx->errstr);
        status = -1;
    } else if (reply->type == REDIS_REPLY_ERROR) {
        /* Redis's text names no secret: "WRONGPASS invalid username-password pair" */
        error_set(err, "redis %s: authentication failed: %s", rc->address, reply->str);
        status = -1;
    }
    if (reply != NULL)
        freeReplyObject(reply);
    return status;
}

/* find_master - with sentinels: their master's address into host and port */
static int find_master(struct redisconn *rc, struct vigie_error *err)
{
    char host[256];
    char *copy;

    if (sentinel_master(rc->sentinels, host, sizeof(host), &rc->port, err) < 0)
        return -1;
    if ((copy = strdup(host)) == NULL) {
        error_set(err, "redis %s: out of memory", rc->address);
        return -1;
    }
    free(rc->host);
    rc->host = copy;
    return 0;
}

/* is_master - with sentinels: does the new connection lead to the master? */
static int is_master(struct redisconn *rc, struct vigie_error *err)
{
    redisReply *reply = redisCommand(rc->ctx, "ROLE");
    bool master = reply != NULL && reply->type == REDIS_REPLY_ARRAY && reply->elements > 0
        && reply->element[0]->type == REDIS_REPLY_STRING
        && strcmp(reply->element[0]->str, "master") == 0;

    if (!master)
        error_set(err, "redis %s: %s:%d is not the master (yet)", rc->address, rc->host,
                  rc->port);
    if (reply != NULL)
        freeReplyObject(reply);
    return master ? 0 : -1;
}

/* open_ctx - a new context, ready for commands, in rc->ctx; 0, or -1 with err set */
static int open_ctx(struct redisconn *rc, struct vigie_error *err)
{
    struct timeval tv = ms_timeval(rc->connect_timeout_ms);

    if (rc->sentinels != NULL && find_master(rc, err) < 0)
        return -1;
    if (rc->path != NULL)
        rc->ctx = rc->connect_timeout_ms > 0 ? redisConnectUnixWithTimeout(rc->path, tv)
                                             : redisConnectUnix(rc->path);
    else
        rc->ctx = rc->connect_timeout_ms > 0 ? redisConnectWithTimeout(rc->host, rc->port, tv)
                                             : redisConnect(rc->host, rc->port);
    if (rc->ctx == NULL) {
        error_set(err, "redis %s: out of memory", rc->address);
    } else if (rc->ctx->err != 0) {
        error_set(err, "redis %s: %s", rc->address, rc->ctx->errstr);
        drop(rc);
    } else if (rc->timeout_ms > 0 && redisSetTimeout(rc->ctx, ms_timeval(rc->timeout_ms)) != REDIS_OK) {
        error_set(err, "redis %s: cannot set the timeout", rc->address);
        drop(rc);
    } else if ((rc->password != NULL && authenticate(rc, err) < 0)
               || (rc->sentinels != NULL && is_master(rc, err) < 0)) {
        drop(rc);
    }
    return rc->ctx != NULL ? 0 : -1;
}

/* connect_now - connect unless connected; 0, or -1 with err set */
static int connect_now(struct redisconn *rc, struct vigie_error *err)
{
    struct timespec now;

    if (rc->ctx != NULL)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &now);
    if (now.tv_sec < rc->retry_after.tv_sec
        || (now.tv_sec == rc->retry_after.tv_sec && now.tv_nsec < rc->retry_after.tv_nsec)) {
        error_set(err, "redis %s: unreachable at the last attempt; not retrying yet",
                  rc->address);
        return -1;
    }
    if (open_ctx(rc, err) == 0)
        return 0;
    rc->retry_after = now;
    rc->retry_after.tv_nsec += (long)(REDISCONN_RETRY_MS % 1000) * 1000000L;
    rc->retry_after.tv_sec += REDISCONN_RETRY_MS / 1000 + rc->retry_after.tv_nsec / 1000000000L;
    rc->retry_after.tv_nsec %= 1000000000L;
    return -1;
}

/* io_error - report the context's error and drop it */
static void io_error(struct redisconn *rc, struct vigie_error *err)
{
    error_set(err, "redis %s: %s", rc->address,
              rc->ctx->err != 0 ? rc->ctx->errstr : "out of memory");
    drop(rc);
}

/*
 * send_command - queue a command without waiting for its reply
 *	It is written out with whatever else is queued when a reply is
 *	next read (hiredis flushes its output first): a batch of commands
 *	costs one write.
 */
static int send_command(struct redisconn *rc, int argc, const char **argv,
                        const size_t *argvlen, struct vigie_error *err)
{
    if (connect_now(rc, err) < 0)
        return -1;
    if (redisAppendCommandArgv(rc->ctx, argc, argv, argvlen) != REDIS_OK) {
        io_error(rc, err);
        return -1;
    }
    rc->due++;
    return 0;
}

/* receive - the next reply; an error reply is returned, not turned into NULL */
static redisReply *receive(struct redisconn *rc, struct vigie_error *err)
{
    void *reply;

    if (rc->ctx == NULL) {
        error_set(err, "redis %s: the connection was lost", rc->address);
        return NULL;
    }
    if (redisGetReply(rc->ctx, &reply) != REDIS_OK) {
        io_error(rc, err);
        return NULL;
    }
    rc->due--;
    if (((redisReply *)reply)->type == REDIS_REPLY_ERROR
        && strncmp(((redisReply *)reply)->str, "READONLY", 8) == 0)
        drop(rc);                   /* a replica now (fail-over): find the master again */
    return reply;
}

/* command - one round trip; an error reply is returned, not turned into NULL */
static redisReply *command(struct redisconn *rc, int argc, const char **argv,
                           const size_t *argvlen, struct vigie_error *err)
{
    if (rc->due > 0)
        msg_panic("redis %s: a command sent while %u replies are due", rc->address, rc->due);
    if (send_command(rc, argc, argv, argvlen, err) < 0)
        return NULL;
    return receive(rc, err);
}

/* error_reply - turn an error reply into NULL with err set */
static redisReply *error_reply(struct redisconn *rc, redisReply *reply, const char *what,
                               struct vigie_error *err)
{
    if (reply == NULL || reply->type != REDIS_REPLY_ERROR)
        return reply;
    error_set(err, "redis %s: %s%s%s", rc->address, what, *what ? ": " : "", reply->str);
    freeReplyObject(reply);
    return NULL;
}

/* redisconn_command - run one command (binary-safe arguments) */
redisReply *redisconn_command(struct redisconn *rc, int argc, const char **argv,
                              const size_t *argvlen, struct vigie_error *err)
{
    return error_reply(rc, command(rc, argc, argv, argvlen, err), "", err);
}

/* redisconn_run - run a command of NUL-terminated words, its reply discarded */
int redisconn_run(struct redisconn *rc, int argc, const char **argv, struct vigie_error *err)
{
    size_t *argvlen = malloc((size_t)argc * sizeof(*argvlen));
    redisReply *reply = NULL;

    if (argvlen == NULL) {
        error_set(err, "redis %s: out of memory", rc->address);
        return -1;
    }
    for (int i = 0; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
    reply = redisconn_command(rc, argc, argv, argvlen, err);
    free(argvlen);
    if (reply == NULL)
        return -1;
    freeReplyObject(reply);
    return 0;
}

/* redisconn_send - pipelining: queue one command and return at once */
int redisconn_send(struct redisconn *rc, int argc, const char **argv, const size_t *argvlen,
                   struct vigie_error *err)
{
    return send_command(rc, argc, argv, argvlen, err);
}

/* redisconn_receive - the reply to the oldest command sent; as redisconn_command */
redisReply *redisconn_receive(struct redisconn *rc, struct vigie_error *err)
{
    return error_reply(rc, receive(rc, err), "", err);
}

/* redisconn_reset - drop the connection (and any reply still due); reconnect on next use */
void redisconn_reset(struct redisconn *rc)
{
    if (rc->ctx != NULL)
        drop(rc);
}

/* script_load - SCRIPT LOAD into slot i; 0, or -1 with err set */
static int script_load(struct redisconn *rc, unsigned i, struct vigie_error *err)
{
    const char *argv[3] = {"SCRIPT", "LOAD", rc->scripts[i].script->source};
    size_t argvlen[3] = {6, 4, strlen(rc->scripts[i].script->source)};
    redisReply *reply = error_reply(rc, command(rc, 3, argv, argvlen, err),
                                    rc->scripts[i].script->name, err);
    int status = 0;

    if (reply == NULL)
        return -1;
    if (reply->type != REDIS_REPLY_STRING || reply->len != SHA_HEX) {
        error_set(err, "redis %s: %s: unexpected reply to SCRIPT LOAD", rc->address,
                  rc->scripts[i].script->name);
        status = -1;
    } else {
        memcpy(rc->scripts[i].sha, reply->str, SHA_HEX + 1);
    }
    freeReplyObject(reply);
    return status;
}

/* script_slot - the slot of script, loading it when new; -1 with err set */
static int script_slot(struct redisconn *rc, const struct redis_script *script,
                       struct vigie_error *err)
{
    unsigned i;

    for (i = 0; i < rc->nscripts; i++)
        if (rc->scripts[i].script == script)
            return (int)i;
    if (rc->nscripts < REDISCONN_SCRIPTS)
        i = rc->nscripts++;
    else
        i = 0;
    rc->scripts[i].script = script;
    rc->scripts[i].sha[0] = '\0';
    if (script_load(rc, i, err) < 0) {
        rc->scripts[i].script = NULL;
        return -1;
    }
    return (int)i;
}

/* redisconn_set_sentinels - find the master through sentinels from now on */
int redisconn_set_sentinels(struct redisconn *rc, const char *addresses, const char *master,
                            struct vigie_error *err)
{
    struct sentinel_set *set = sentinel_set_new(addresses, master, rc->connect_timeout_ms,
                                                rc->timeout_ms, err);
    char *label;

    if (set == NULL)
        return -1;
    if (asprintf(&label, "master %s (sentinels)", master) < 0) {
        sentinel_set_free(set);
        error_set(err, "redis: out of memory");
        return -1;
    }
    sentinel_set_free(rc->sentinels);
    rc->sentinels = set;
    free(rc->address);
    rc->address = label;
    free(rc->path);
    rc->path = NULL;
    if (rc->ctx != NULL)
        drop(rc);
    return 0;
}

/* redisconn_eval - run a Lua script */
redisReply *redisconn_eval(struct redisconn *rc, const struct redis_script *script,
                           int nkeys, int argc, const char **argv, size_t *argvlen,
                           struct vigie_error *err)
{
    int slot = script_slot(rc, script, err);
    redisReply *reply;

    if (slot < 0)
        return NULL;
    snprintf(rc->nkeys, sizeof(rc->nkeys), "%d", nkeys);
    argv[0] = "EVALSHA";
    argvlen[0] = 7;
    argv[1] = rc->scripts[slot].sha;
    argvlen[1] = SHA_HEX;
    argv[2] = rc->nkeys;
    argvlen[2] = strlen(rc->nkeys);
    reply = command(rc, argc, argv, argvlen, err);
    if (reply != NULL && reply->type == REDIS_REPLY_ERROR
        && strncmp(reply->str, "NOSCRIPT", 8) == 0) {
        freeReplyObject(reply);
        if (script_load(rc, (unsigned)slot, err) < 0)
            return NULL;
        reply = command(rc, argc, argv, argvlen, err);
    }
    return error_reply(rc, reply, script->name, err);
}
