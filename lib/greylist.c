/*
 * NAME
 *	greylist - greylisting of (client network, sender, recipient) triplets in Redis
 * SYNOPSIS
 *	#include "greylist.h"
 * DESCRIPTION
 *	See greylist.h. The decision is one Lua script: it reads the
 *	client network's auto-allow counter and the triplet, and updates
 *	both, atomically, on Redis's clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greylist.h"
#include "ratelimit_keys.h"

#define MS 1000ULL

/*
 * KEYS[1] the triplet, KEYS[2] the client network's counter.
 * ARGV: delay, retry window, expiry (ms), auto_allow.
 * Returns {status, wait ms, passes}.
 */
static const struct redis_script greylist_script = {
    .name = "greylist",
    .source =
        "local t = redis.call('TIME')\n"
        "local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)\n"
        "local delay = tonumber(ARGV[1])\n"
        "local retry = tonumber(ARGV[2])\n"
        "local expiry = tonumber(ARGV[3])\n"
        "local auto = tonumber(ARGV[4])\n"
        "if auto > 0 then\n"
        "  local n = tonumber(redis.call('GET', KEYS[2]) or '0')\n"
        "  if n >= auto then\n"
        "    redis.call('PEXPIRE', KEYS[2], expiry)\n"
        "    return {'client', 0, n}\n"
        "  end\n"
        "end\n"
        "local seen = redis.call('HMGET', KEYS[1], 'first', 'passed')\n"
        "if seen[2] then\n"
        "  redis.call('PEXPIRE', KEYS[1], expiry)\n"
        "  return {'pass', 0, 0}\n"
        "end\n"
        "if not seen[1] then\n"
        "  redis.call('HSET', KEYS[1], 'first', now)\n"
        "  redis.call('PEXPIRE', KEYS[1], retry)\n"
        "  return {'defer', delay, 0}\n"
        "end\n"
        "local age = now - tonumber(seen[1])\n"
        "if age < delay then\n"
        "  return {'defer', delay - age, 0}\n"
        "end\n"
        "redis.call('HSET', KEYS[1], 'passed', now)\n"
        "redis.call('PEXPIRE', KEYS[1], expiry)\n"
        "local n = 0\n"
        "if auto > 0 then\n"
        "  n = redis.call('INCR', KEYS[2])\n"
        "  redis.call('PEXPIRE', KEYS[2], expiry)\n"
        "end\n"
        "return {'retry', 0, n}\n",
};

/* is_v4 - an IPv4-mapped address (::ffff:a.b.c.d)? */
static bool is_v4(const struct netaddr *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    return memcmp(addr->bytes, mapped, sizeof(mapped)) == 0;
}

/* greylist_network - the client network of addr */
void greylist_network(const struct netaddr *addr, char *buf, size_t len)
{
    struct netaddr net = *addr;
    char text[GREYLIST_NETWORK_MAX];
    bool v4 = is_v4(addr);

    /* /24 clears the last byte of the IPv4 part, /64 the last 8 bytes */
    if (v4)
        net.bytes[15] = 0;
    else
        memset(net.bytes + 8, 0, 8);
    netaddr_format(&net, text, sizeof(text));
    snprintf(buf, len, "%s/%d", text, v4 ? GREYLIST_NET4 : GREYLIST_NET6);
}

/* status_parse - the script's status word; -1 when unknown */
static int status_parse(const char *word)
{
    static const char *const names[] = {
        [GREYLIST_DEFER] = "defer",
        [GREYLIST_PASS] = "pass",
        [GREYLIST_PASS_RETRY] = "retry",
        [GREYLIST_PASS_CLIENT] = "client",
    };

    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(word, names[i]) == 0)
            return (int)i;
    return -1;
}

/* greylist_status_name - "defer", "pass", "retry", "client" */
const char *greylist_status_name(enum greylist_status status)
{
    switch (status) {
    case GREYLIST_DEFER:
        return "defer";
    case GREYLIST_PASS:
        return "pass";
    case GREYLIST_PASS_RETRY:
        return "retry";
    case GREYLIST_PASS_CLIENT:
        return "client";
    }
    return "?";
}

/* read_reply - the script's {status, wait ms, passes} into out; -1 when malformed */
static int read_reply(const redisReply *r, struct greylist_result *out)
{
    int status;

    if (r->type != REDIS_REPLY_ARRAY || r->elements != 3
        || r->element[0]->type != REDIS_REPLY_STRING
        || r->element[1]->type != REDIS_REPLY_INTEGER
        || r->element[2]->type != REDIS_REPLY_INTEGER
        || (status = status_parse(r->element[0]->str)) < 0)
        return -1;
    out->status = (enum greylist_status)status;
    /* whole seconds, rounded up: a retry after wait seconds passes */
    out->wait = r->element[1]->integer > 0
                ? (unsigned long)((r->element[1]->integer + 999) / 1000) : 0;
    out->passes = r->element[2]->integer > 0 ? (unsigned long)r->element[2]->integer : 0;
    return 0;
}

/* greylist_check - decide for one triplet */
int greylist_check(struct redisconn *rc, const struct greylist_settings *settings,
                   const struct netaddr *client, const char *sender, const char *recipient,
                   struct greylist_result *out, struct vigie_error *err)
{
    struct rlkey triplet, counter;
    char num[4][24];
    const char *argv[REDISCONN_EVAL_HEAD + 6];
    size_t argvlen[REDISCONN_EVAL_HEAD + 6];
    int argc = REDISCONN_EVAL_HEAD;
    redisReply *r;
    int status;

    memset(out, 0, sizeof(*out));
    greylist_network(client, out->network, sizeof(out->network));
    rlkey_start(&triplet, settings->prefix, GREYLIST_KEY_TRIPLET);
    rlkey_add_value(&triplet, out->network, false);
    rlkey_add_raw(&triplet, "|");
    rlkey_add_value(&triplet, *sender != '\0' ? sender : "<>", true);
    rlkey_add_raw(&triplet, "|");
    rlkey_add_value(&triplet, recipient, true);
    rlkey_start(&counter, settings->prefix, GREYLIST_KEY_CLIENT);
    rlkey_add_value(&counter, out->network, false);
    if (rlkey_done(&triplet) < 0 || rlkey_done(&counter) < 0) {
        error_set(err, "greylisting: redis_prefix too long");
        return -1;
    }
    snprintf(num[0], sizeof(num[0]), "%llu", settings->delay * MS);
    snprintf(num[1], sizeof(num[1]), "%llu", settings->retry_window * MS);
    snprintf(num[2], sizeof(num[2]), "%llu", settings->expiry * MS);
    snprintf(num[3], sizeof(num[3]), "%u", settings->auto_allow);
    argv[argc++] = triplet.text;
    argv[argc++] = counter.text;
    for (size_t i = 0; i < 4; i++)
        argv[argc++] = num[i];
    for (int i = REDISCONN_EVAL_HEAD; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
    if ((r = redisconn_eval(rc, &greylist_script, 2, argc, argv, argvlen, err)) == NULL)
        return -1;
    status = read_reply(r, out);
    freeReplyObject(r);
    if (status < 0) {
        error_set(err, "greylisting: unexpected reply from the Redis script");
        return -1;
    }
    return 0;
}
