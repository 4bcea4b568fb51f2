/*
 * NAME
 *	bayes_store - Bayes token counts and learnt messages in Redis
 * DESCRIPTION
 *	See bayes_store.h. The keys of one call are written back to back
 *	into one buffer, and the argument vector points into it; both
 *	grow when a message has more tokens than any before.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bayes_cache.h"
#include "bayes_store.h"

#define PACK 100000000ULL           /* value = spam * PACK + ham */
#define TOKEN_KEY_CHARS 11          /* base64url of 64 bits */
#define MESSAGE_KEY_EXTRA 40        /* "bayes:m:" + 32 hex digits */
#define LEARN_ARGS 5                /* class, operation, ttl, keep, weight cap */

/*
 * The learning script. KEYS: learnt counts, message, tokens...
 * ARGV: "s"|"h", "learn"|"reinforce"|"forget", token ttl, keep
 * threshold, most learnings of one message. The message key holds its
 * class and, once reinforced, how many times it was learnt ("s", "s3").
 * Learning adds one with INCRBY (no read; a count that would overflow
 * is put back); unlearning reads, lowers by the message's weight
 * (never below zero) and writes back. A token below the keep threshold
 * gets the ttl, one reaching it loses its expiry.
 */
static const struct redis_script learn_script = {
    "bayes learn",
    "local M = 100000000\n"
    "local SMAX, HMAX = 90000000, 99999999\n"
    "local ttl, keep = tonumber(ARGV[3]), tonumber(ARGV[4])\n"
    "local function split(v)\n"
    "  local s = math.floor(v / M)\n"
    "  return s, v - s * M\n"
    "end\n"
    "local function up(key, spam, expire)\n"
    "  local delta = spam and M or 1\n"
    "  local s, h = split(redis.call('INCRBY', key, delta))\n"
    "  if (spam and s > SMAX) or (not spam and h == 0) then\n"
    "    s, h = split(redis.call('INCRBY', key, -delta))\n"
    "  end\n"
    "  if expire and ttl > 0 then\n"
    "    if s + h < keep then redis.call('EXPIRE', key, ttl)\n"
    "    elseif s + h == keep then redis.call('PERSIST', key) end\n"
    "  end\n"
    "end\n"
    "local function down(key, spam, expire, n)\n"
    "  local s, h = split(tonumber(redis.call('GET', key)) or 0)\n"
    "  if spam then s = math.max(s - n, 0) else h = math.max(h - n, 0) end\n"
    "  if s + h == 0 then\n"
    "    redis.call('DEL', key)\n"
    "  elseif expire and ttl > 0 and s + h < keep then\n"
    "    redis.call('SET', key, string.format('%.0f', s * M + h), 'EX', ttl)\n"
    "  else\n"
    "    redis.call('SET', key, string.format('%.0f', s * M + h), 'KEEPTTL')\n"
    "  end\n"
    "end\n"
    "local function apply(f, class, n)\n"
    "  local spam = class == 's'\n"
    "  f(KEYS[1], spam, false, n)\n"
    "  for i = 3, #KEYS do f(KEYS[i], spam, true, n) end\n"
    "end\n"
    "local function remember(class, weight)\n"
    "  local v = weight > 1 and class .. weight or class\n"
    "  if ttl > 0 then redis.call('SET', KEYS[2], v, 'EX', ttl)\n"
    "  else redis.call('SET', KEYS[2], v) end\n"
    "end\n"
    "local prev = redis.call('GET', KEYS[2])\n"
    "local class, weight\n"
    "if prev then\n"
    "  class, weight = string.sub(prev, 1, 1), tonumber(string.sub(prev, 2)) or 1\n"
    "end\n"
    "if ARGV[2] == 'forget' then\n"
    "  if not prev then return 'absent' end\n"
    "  apply(down, class, weight)\n"
    "  redis.call('DEL', KEYS[2])\n"
    "  return 'forgotten'\n"
    "end\n"
    "if class == ARGV[1] then\n"
    "  if ARGV[2] ~= 'reinforce' or weight >= tonumber(ARGV[5]) then return 'already' end\n"
    "  apply(up, class)\n"
    "  remember(class, weight + 1)\n"
    "  return 'reinforced'\n"
    "end\n"
    "if prev then apply(down, class, weight) end\n"
    "apply(up, ARGV[1])\n"
    "remember(ARGV[1], 1)\n"
    "if prev then return 'relearnt' end\n"
    "return 'learnt'\n",
};

static const struct {
    const char *reply;
    enum bayes_learn_outcome outcome;
} outcomes[] = {
    {"learnt", BAYES_LEARNT},
    {"relearnt", BAYES_RELEARNT},
    {"already", BAYES_ALREADY},
    {"reinforced", BAYES_REINFORCED},
    {"forgotten", BAYES_FORGOTTEN},
    {"absent", BAYES_NOT_LEARNT},
};

/* One fetch, from its sending to its reply. */
struct fetch_slot {
    const struct token_set *set;    /* the caller's, alive until the reply */
    struct bayes_cache *cache;      /* the cache it reads and fills, or NULL */
    time_t now;
    size_t nmissed;
    size_t *missed;                 /* tokens not found in the cache, by index */
    struct bayes_counts *counts;    /* one per token of the set */
    size_t cap;
};

struct bayes_store {
    struct redisconn *rc;
    char *prefix;
    char ttl[16];
    char keep[16];
    char *keys;                     /* the keys of one call, back to back */
    size_t keys_cap;
    const char **argv;
    size_t *argvlen;
    size_t argv_cap;
    struct bayes_cache *cache;      /* NULL: none */
    struct fetch_slot slots[BAYES_STORE_PIPELINE];
    unsigned first;                 /* the oldest pending fetch */
    unsigned pending;
};

/* bayes_store_new - a store on rc (borrowed), its keys under prefix */
struct bayes_store *bayes_store_new(struct redisconn *rc, const char *prefix,
                                    const struct bayes_params *params,
                                    struct vigie_error *err)
{
    struct bayes_store *store = calloc(1, sizeof(*store));

    if (store == NULL || (store->prefix = strdup(prefix)) == NULL) {
        free(store);
        error_set(err, "bayes: out of memory");
        return NULL;
    }
    if (params->cache_tokens > 0 && params->cache_ttl > 0
        && (store->cache = bayes_cache_new(params->cache_tokens, params->cache_ttl)) == NULL) {
        bayes_store_free(store);
        error_set(err, "bayes: out of memory");
        return NULL;
    }
    store->rc = rc;
    snprintf(store->ttl, sizeof(store->ttl), "%u", params->token_ttl);
    snprintf(store->keep, sizeof(store->keep), "%u", params->token_keep);
    return store;
}

/* bayes_store_free - NULL is allowed; does not free the redisconn */
void bayes_store_free(struct bayes_store *store)
{
    if (store == NULL)
        return;
    free(store->prefix);
    free(store->keys);
    free(store->argv);
    free(store->argvlen);
    for (unsigned i = 0; i < BAYES_STORE_PIPELINE; i++) {
        free(store->slots[i].counts);
        free(store->slots[i].missed);
    }
    bayes_cache_free(store->cache);
    free(store);
}

/* resize - realloc that leaves p alone on failure (NULL is returned then) */
static void *resize(void *p, size_t n, size_t size)
{
    return realloc(p, n * size);
}

/* reserve - room for argc arguments and keys of key_bytes; 0, or -1 with err set */
static int reserve(struct bayes_store *store, size_t argc, size_t key_bytes,
                   struct vigie_error *err)
{
    if (argc > store->argv_cap) {
        const char **argv = resize(store->argv, argc, sizeof(*argv));
        size_t *argvlen;

        if (argv == NULL)
            goto oom;
        store->argv = argv;
        argvlen = resize(store->argvlen, argc, sizeof(*argvlen));
        if (argvlen == NULL)
            goto oom;
        store->argvlen = argvlen;
        store->argv_cap = argc;
    }
    if (key_bytes > store->keys_cap) {
        char *keys = resize(store->keys, key_bytes, 1);

        if (keys == NULL)
            goto oom;
        store->keys = keys;
        store->keys_cap = key_bytes;
    }
    return 0;
oom:
    error_set(err, "bayes: out of memory");
    return -1;
}

/* slot_reserve - room for n tokens in a fetch slot; 0, or -1 with err set */
static int slot_reserve(struct fetch_slot *slot, size_t n, struct vigie_error *err)
{
    struct bayes_counts *counts;
    size_t *missed;

    if (n <= slot->cap)
        return 0;
    counts = resize(slot->counts, n, sizeof(*counts));
    if (counts != NULL) {
        slot->counts = counts;
        missed = resize(slot->missed, n, sizeof(*missed));
        if (missed != NULL) {
            slot->missed = missed;
            slot->cap = n;
            return 0;
        }
    }
    error_set(err, "bayes: out of memory");
    return -1;
}

/* encode_hash - a token hash as 11 base64url characters */
static void encode_hash(uint64_t h, char out[TOKEN_KEY_CHARS])
{
    static const char alphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

    for (int i = 0; i < TOKEN_KEY_CHARS; i++) {
        out[i] = alphabet[h & 63];
        h >>= 6;
    }
}

/*
 * build_keys - write the keys of one call and point argv at them
 *	From argv[first]: the learnt counts key, the message key (when
 *	digest is not NULL), then one key per token: the n tokens of set
 *	listed in pick, or the first n when pick is NULL. Returns how
 *	many keys, or -1 with err set.
 */
static long build_keys(struct bayes_store *store, size_t first, size_t extra_args,
                       const char *scope, const struct token_set *set, const size_t *pick,
                       size_t n, const unsigned char *digest, struct vigie_error *err)
{
    char ns[BAYES_SCOPE_MAX + 512];
    size_t ns_len, nkeys = n + 1 + (digest != NULL);
    char *k;
    size_t a = first;

    if (scope != NULL && scope[0] != '\0') {
        if (strlen(scope) > BAYES_SCOPE_MAX) {
            error_set(err, "bayes: scope longer than %d bytes", BAYES_SCOPE_MAX);
            return -1;
        }
        ns_len = (size_t)snprintf(ns, sizeof(ns), "%.500su:%s:", store->prefix, scope);
    } else {
        ns_len = (size_t)snprintf(ns, sizeof(ns), "%.500s", store->prefix);
    }
    if (reserve(store, first + nkeys + extra_args,
                (ns_len + MESSAGE_KEY_EXTRA) * 2 + (ns_len + 2 + TOKEN_KEY_CHARS) * n, err) < 0)
        return -1;
    k = store->keys;
    store->argv[a] = k;
    k += sprintf(k, "%sbayes:n", ns);
    store->argvlen[a] = (size_t)(k - store->argv[a]);
    a++;
    if (digest != NULL) {
        store->argv[a] = k;
        k += sprintf(k, "%sbayes:m:", ns);
        for (int i = 0; i < MIME_DIGEST_LEN; i++)
            k += sprintf(k, "%02x", digest[i]);
        store->argvlen[a] = (size_t)(k - store->argv[a]);
        a++;
    }
    for (size_t i = 0; i < n; i++, a++) {
        store->argv[a] = k;
        memcpy(k, ns, ns_len);
        memcpy(k + ns_len, "t:", 2);
        encode_hash(set->items[pick != NULL ? pick[i] : i].hash, k + ns_len + 2);
        store->argvlen[a] = ns_len + 2 + TOKEN_KEY_CHARS;
        k += store->argvlen[a];
    }
    return (long)nkeys;
}

/* unpack - a packed value (string reply or nil) into counts */
static struct bayes_counts unpack(const redisReply *r)
{
    struct bayes_counts c = {0, 0};
    unsigned long long v;

    if (r->type != REDIS_REPLY_STRING || r->len == 0 || r->len > 20)
        return c;
    v = strtoull(r->str, NULL, 10);
    c.spam = (unsigned long)(v / PACK);
    c.ham = (unsigned long)(v % PACK);
    return c;
}

/* idle - fail with err unless no fetch is pending */
static int idle(const struct bayes_store *store, struct vigie_error *err)
{
    if (store->pending == 0)
        return 0;
    error_set(err, "bayes: %u fetches are still pending", store->pending);
    return -1;
}

/* bayes_store_fetch_send - queue a fetch of the counts of set */
int bayes_store_fetch_send(struct bayes_store *store, const char *scope,
                           const struct token_set *set, struct vigie_error *err)
{
    struct fetch_slot *slot;
    long nkeys;

    if (store->pending == BAYES_STORE_PIPELINE) {
        error_set(err, "bayes: more than %d fetches pending", BAYES_STORE_PIPELINE);
        return -1;
    }
    slot = &store->slots[(store->first + store->pending) % BAYES_STORE_PIPELINE];
    if (slot_reserve(slot, set->count, err) < 0)
        return -1;
    slot->set = set;
    /* the cache holds the shared statistics only */
    slot->cache = scope == NULL || scope[0] == '\0' ? store->cache : NULL;
    slot->now = time(NULL);
    slot->nmissed = 0;
    for (size_t i = 0; i < set->count; i++)
        if (slot->cache == NULL
            || !bayes_cache_get(slot->cache, set->items[i].hash, slot->now, &slot->counts[i]))
            slot->missed[slot->nmissed++] = i;
    nkeys = build_keys(store, 1, 0, scope, set, slot->missed, slot->nmissed, NULL, err);
    if (nkeys < 0)
        return -1;
    store->argv[0] = "MGET";
    store->argvlen[0] = 4;
    if (redisconn_send(store->rc, (int)nkeys + 1, store->argv, store->argvlen, err) < 0) {
        store->pending = 0;     /* the connection is gone, and their replies with it */
        return -1;
    }
    store->pending++;
    return 0;
}

/* bayes_store_fetch_receive - the counts of the oldest fetch queued */
int bayes_store_fetch_receive(struct bayes_store *store, const struct bayes_counts **counts,
                              struct bayes_counts *learned, struct vigie_error *err)
{
    struct fetch_slot *slot = &store->slots[store->first];
    redisReply *reply;

    if (store->pending == 0) {
        error_set(err, "bayes: no fetch pending");
        return -1;
    }
    store->first = (store->first + 1) % BAYES_STORE_PIPELINE;
    store->pending--;
    reply = redisconn_receive(store->rc, err);
    if (reply != NULL && (reply->type != REDIS_REPLY_ARRAY
                          || reply->elements != slot->nmissed + 1)) {
        error_set(err, "bayes: unexpected reply to MGET");
        freeReplyObject(reply);
        reply = NULL;
    }
    if (reply == NULL) {
        /* what else is pending can no longer be matched to its reply */
        redisconn_reset(store->rc);
        store->pending = 0;
        return -1;
    }
    *learned = unpack(reply->element[0]);
    for (size_t k = 0; k < slot->nmissed; k++) {
        size_t i = slot->missed[k];

        slot->counts[i] = unpack(reply->element[k + 1]);
        if (slot->cache != NULL)
            bayes_cache_put(slot->cache, slot->set->items[i].hash, slot->now, slot->counts[i]);
    }
    freeReplyObject(reply);
    *counts = slot->counts;
    return 0;
}

/* bayes_store_fetch - counts of the tokens of set, and learnt counts */
int bayes_store_fetch(struct bayes_store *store, const char *scope,
                      const struct token_set *set, const struct bayes_counts **counts,
                      struct bayes_counts *learned, struct vigie_error *err)
{
    if (idle(store, err) < 0 || bayes_store_fetch_send(store, scope, set, err) < 0)
        return -1;
    return bayes_store_fetch_receive(store, counts, learned, err);
}

/* bayes_store_learn - learn, reinforce or forget one message */
int bayes_store_learn(struct bayes_store *store, const char *scope,
                      const struct token_set *set,
                      const unsigned char digest[MIME_DIGEST_LEN], bool spam,
                      enum bayes_learn_op op, enum bayes_learn_outcome *outcome,
                      struct vigie_error *err)
{
    static const char *const op_names[] = {
        [BAYES_OP_LEARN] = "learn",
        [BAYES_OP_REINFORCE] = "reinforce",
        [BAYES_OP_FORGET] = "forget",
    };
    const char *args[LEARN_ARGS] = {spam ? "s" : "h", op_names[op], store->ttl, store->keep,
                                    STRINGIFY(BAYES_REINFORCE_MAX)};
    long nkeys;
    size_t a;
    redisReply *reply;

    if (idle(store, err) < 0)
        return -1;
    nkeys = build_keys(store, REDISCONN_EVAL_HEAD, LEARN_ARGS, scope, set, NULL, set->count,
                       digest, err);
    if (nkeys < 0)
        return -1;
    a = REDISCONN_EVAL_HEAD + (size_t)nkeys;
    for (int i = 0; i < LEARN_ARGS; i++, a++) {
        store->argv[a] = args[i];
        store->argvlen[a] = strlen(args[i]);
    }
    reply = redisconn_eval(store->rc, &learn_script, (int)nkeys, (int)a, store->argv,
                           store->argvlen, err);
    if (reply == NULL)
        return -1;
    for (size_t i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++) {
        if (reply->type == REDIS_REPLY_STATUS || reply->type == REDIS_REPLY_STRING) {
            if (strcmp(reply->str, outcomes[i].reply) == 0) {
                *outcome = outcomes[i].outcome;
                freeReplyObject(reply);
                for (size_t k = 0; store->cache != NULL && k < set->count; k++)
                    bayes_cache_forget(store->cache, set->items[k].hash);
                return 0;
            }
        }
    }
    error_set(err, "bayes: unexpected reply from the learning script");
    freeReplyObject(reply);
    return -1;
}

/* bayes_store_learned - the learnt message counts; 0, or -1 with err set */
int bayes_store_learned(struct bayes_store *store, const char *scope,
                        struct bayes_counts *learned, struct vigie_error *err)
{
    struct token_set none = {NULL, 0, false};
    redisReply *reply;

    if (idle(store, err) < 0 || build_keys(store, 1, 0, scope, &none, NULL, 0, NULL, err) < 0)
        return -1;
    store->argv[0] = "GET";
    store->argvlen[0] = 3;
    reply = redisconn_command(store->rc, 2, store->argv, store->argvlen, err);
    if (reply == NULL)
        return -1;
    *learned = unpack(reply);
    freeReplyObject(reply);
    return 0;
}

/* bayes_outcome_name - the outcome in words */
const char *bayes_outcome_name(enum bayes_learn_outcome outcome)
{
    switch (outcome) {
    case BAYES_LEARNT:
        return "learnt";
    case BAYES_RELEARNT:
        return "relearnt";
    case BAYES_ALREADY:
        return "already learnt";
    case BAYES_REINFORCED:
        return "reinforced";
    case BAYES_FORGOTTEN:
        return "forgotten";
    case BAYES_NOT_LEARNT:
        break;
    }
    return "not learnt";
}
