/*
 * NAME
 *	ratelimit_call - one message's part of the rate-limit script call
 * DESCRIPTION
 *	See ratelimit_call.h. The arguments' layout is the script's
 *	(ratelimit_lua.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "domains.h"
#include "log.h"
#include "ratelimit_call.h"

#define CTX_FIELDS 5            /* host queue_id sasl_user sender client_addr */

/* What the script calls each enum limit_count. */
static const char *const kind_code[] = {"m", "r", "b", "d"};

/* ratelimit_call_free - release a call's storage */
void ratelimit_call_free(struct ratelimit_call *c)
{
    free(c->argv);
    free(c->argvlen);
    free(c->num);
    free(c->shape);
    free(c->keys);
    free(c->value_at);
    free(c->domains);
    free(c->domain);
}

/* add - one argument (borrowed) */
static void add(struct ratelimit_call *c, const char *arg)
{
    if (c->argc == c->cap)
        msg_panic("rate limits: %d script arguments miscounted", c->cap);
    c->argv[c->argc] = arg;
    c->argvlen[c->argc] = strlen(arg);
    c->argc++;
}

/* add_pair - a name and its value (both borrowed) */
static void add_pair(struct ratelimit_call *c, const char *name, const char *value)
{
    add(c, name);
    add(c, value);
}

/* add_num - one number argument */
static void add_num(struct ratelimit_call *c, unsigned long long n)
{
    snprintf(c->num[c->nnum], RATELIMIT_NUM_TEXT, "%llu", n);
    add(c, c->num[c->nnum++]);
}

/* compare_strings - qsort order of const char * */
static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* collect_domains - the distinct recipient domains, lower case; -1 when short of memory */
static int collect_domains(struct ratelimit_call *c, const struct message_facts *facts)
{
    size_t room = 1;
    char *p;

    for (size_t i = 0; i < facts->recipient_count; i++)
        room += strlen(address_domain(facts->recipients[i])) + 1;
    c->domains = malloc(room);
    c->domain = calloc(facts->recipient_count + 1, sizeof(*c->domain));
    if (c->domains == NULL || c->domain == NULL)
        return -1;
    p = c->domains;
    for (size_t i = 0; i < facts->recipient_count; i++) {
        const char *d = address_domain(facts->recipients[i]);

        if (*d == '\0')
            continue;
        c->domain[c->ndomains++] = p;
        while (*d != '\0') {
            *p++ = (*d >= 'A' && *d <= 'Z') ? (char)(*d - 'A' + 'a') : *d;
            d++;
        }
        *p++ = '\0';
    }
    qsort(c->domain, c->ndomains, sizeof(*c->domain), compare_strings);
    room = 0;
    for (size_t i = 0; i < c->ndomains; i++)
        if (room == 0 || strcmp(c->domain[room - 1], c->domain[i]) != 0)
            c->domain[room++] = c->domain[i];
    c->ndomains = room;
    return 0;
}

/* call_alloc - room for the arguments of request; -1 when short of memory */
static int call_alloc(struct ratelimit_call *c, const struct ratelimit_request *request)
{
    size_t n = request->limit_count;

    memset(c, 0, sizeof(*c));
    if (collect_domains(c, request->facts) < 0)
        return -1;
    /* keys, 3 fixed, domains, context, limits (9 and the windows each) */
    c->cap = (int)(3 + n + 3 + 1 + c->ndomains + 1 + 2 * CTX_FIELDS
                   + 1 + n * (9 + 2 * RATELIMIT_MAX_WINDOWS));
    c->argv = calloc((size_t)c->cap, sizeof(*c->argv));
    c->argvlen = calloc((size_t)c->cap, sizeof(*c->argvlen));
    c->num = calloc((size_t)c->cap, sizeof(*c->num));
    c->shape = calloc(n + 1, sizeof(*c->shape));
    c->keys = calloc(3 + n, sizeof(*c->keys));
    c->value_at = calloc(n + 1, sizeof(*c->value_at));
    return c->argv && c->argvlen && c->num && c->shape && c->keys && c->value_at ? 0 : -1;
}

/* user_key - PREFIX kind USER into key */
static void user_key(struct rlkey *key, const char *prefix, const char *kind, const char *user)
{
    rlkey_start(key, prefix, kind);
    rlkey_add_value(key, user, true);
}

/*
 * build_keys - the message's keys; the limits that apply get theirs
 *	Returns 0, or -1 with err set when a key overflows. *skip[i] is
 *	set for a limit whose key has an empty part (it does not apply).
 */
static int build_keys(struct ratelimit_call *c, const struct ratelimit_settings *settings,
                      const struct ratelimit_request *request, bool *skip,
                      struct vigie_error *err)
{
    const char *prefix = settings->prefix;
    const char *user = request->facts->sasl_user;

    user_key(&c->keys[0], prefix, RLKEY_LOCK, user);
    user_key(&c->keys[1], prefix, RLKEY_SIG_DOMAINS, user);
    user_key(&c->keys[2], prefix, RLKEY_SIG_ADDRS, user);
    for (size_t i = 0; i < request->limit_count; i++) {
        const struct limit_def *limit = request->limits[i].limit;
        struct rlkey *key = &c->keys[3 + i];
        int rc;

        rlkey_start(key, prefix, RLKEY_LIMIT);
        rlkey_add_raw(key, limit->name);
        rlkey_add_raw(key, ":");
        c->value_at[i] = key->len;
        if ((rc = ratelimit_key_value(limit, request->facts, key)) < 0) {
            error_set(err, "limit %s: key too long", limit->name);
            return -1;
        }
        skip[i] = rc > 0;
    }
    for (size_t i = 0; i < 3; i++) {
        if (rlkey_done(&c->keys[i]) < 0) {
            error_set(err, "rate limits: redis_prefix or SASL user name too long");
            return -1;
        }
    }
    return 0;
}

/* lock_ms - the script's lock argument: -1 no lock, 0 no expiry, else ms */
static long long lock_ms(const struct limit_def *limit)
{
    return limit->lock ? (long long)limit->lock_seconds * 1000 : -1;
}

/* limit_weight - what a message adds to a limit */
static unsigned long long limit_weight(const struct limit_def *limit,
                                       const struct message_facts *facts)
{
    switch (limit->count) {
    case LIMIT_COUNT_RECIPIENTS:
        return facts->recipient_count;
    case LIMIT_COUNT_BYTES:
        return facts->size;
    default:
        return 1;
    }
}

/*
 * shape_of - "KIND MS MS...", the kind and the windows of a limit as
 *	counted, into buf (RATELIMIT_SHAPE_TEXT bytes): the script keeps it in the
 *	hash to see them change
 */
static const char *shape_of(char *buf, const struct limit_def *limit,
                            const struct limit_tier *tier)
{
    size_t len = (size_t)snprintf(buf, RATELIMIT_SHAPE_TEXT, "%s", kind_code[limit->count]);

    for (size_t w = 0; w < tier->window_count; w++)
        len += (size_t)snprintf(buf + len, RATELIMIT_SHAPE_TEXT - len, " %lu",
                                tier->windows[w].seconds * 1000);
    return buf;
}

/*
 * build_args - the message's keys and arguments; c->live receives the index in
 *	request->limits of each limit passed to the script, c->nlive their
 *	number. 0, or -1 with err set.
 */
static int build_args(struct ratelimit_call *c, const struct ratelimit_settings *s,
                      const struct ratelimit_request *request, struct vigie_error *err)
{
    const struct message_facts *facts = request->facts;
    bool skip[RATELIMIT_MAX_APPLY];
    bool has_user = facts->sasl_user[0] != '\0';

    if (build_keys(c, s, request, skip, err) < 0)
        return -1;
    c->nlive = 0;
    for (size_t i = 0; i < request->limit_count; i++)
        if (!skip[i])
            c->live[c->nlive++] = i;
    c->argc = 0;
    for (size_t i = 0; i < 3; i++)
        add(c, c->keys[i].text);
    for (size_t i = 0; i < c->nlive; i++)
        add(c, c->keys[3 + c->live[i]].text);
    c->nkeys = c->argc;
    add(c, has_user ? "1" : "0");
    add_num(c, has_user ? (unsigned long long)request->signal_seconds * 1000 : 0);
    add(c, c->client);
    add_num(c, c->ndomains);
    for (size_t i = 0; i < c->ndomains; i++)
        add(c, c->domain[i]);
    add_num(c, CTX_FIELDS);
    add_pair(c, "host", s->host);
    add_pair(c, "queue_id", request->queue_id);
    add_pair(c, "sasl_user", facts->sasl_user);
    add_pair(c, "sender", facts->sender);
    add_pair(c, "client_addr", c->client);
    add_num(c, c->nlive);
    for (size_t n = 0; n < c->nlive; n++) {
        const struct limit_apply *a = &request->limits[c->live[n]];
        const struct limit_def *limit = a->limit;
        long long lock = lock_ms(limit);

        add(c, limit->name);
        add(c, c->keys[3 + c->live[n]].text + c->value_at[c->live[n]]);
        add(c, kind_code[limit->count]);
        add_num(c, limit_weight(limit, facts));
        add(c, limit->lock ? "lock" : action_kind_name(limit->action.kind));
        if (lock < 0)
            add(c, "-1");
        else
            add_num(c, (unsigned long long)lock);
        add(c, a->tier->name);
        add(c, shape_of(c->shape[n], limit, a->tier));
        add_num(c, a->tier->window_count);
        for (size_t w = 0; w < a->tier->window_count; w++) {
            add_num(c, (unsigned long long)a->tier->windows[w].seconds * 1000);
            add_num(c, a->tier->windows[w].max);
        }
    }
    return 0;
}

/* ratelimit_call_build - one message's keys and arguments */
int ratelimit_call_build(struct ratelimit_call *c, const struct ratelimit_settings *settings,
                         const struct ratelimit_request *request, struct vigie_error *err)
{
    if (call_alloc(c, request) < 0) {
        error_set(err, "rate limits: out of memory");
        return -1;
    }
    if (request->facts->client_ip_known)
        netaddr_format(&request->facts->client_ip, c->client, sizeof(c->client));
    return build_args(c, settings, request, err);
}

/* ratelimit_call_argv - the one script call of the messages sent */
/* put - one argument, and its length, at argv[*k] */
static void put(const char *arg, const char **argv, size_t *argvlen, int *k)
{
    argv[*k] = arg;
    argvlen[(*k)++] = strlen(arg);
}

/* take - arguments [from, to) of call c, with their lengths, at argv[*k] on */
static void take(const struct ratelimit_call *c, int from, int to, const char **argv,
                 size_t *argvlen, int *k)
{
    memcpy(argv + *k, c->argv + from, (size_t)(to - from) * sizeof(*argv));
    memcpy(argvlen + *k, c->argvlen + from, (size_t)(to - from) * sizeof(*argvlen));
    *k += to - from;
}

const char **ratelimit_call_argv(const struct ratelimit_call *calls, size_t n,
                                 const char *common[4], size_t **argvlen, int *argc, int *nkeys)
{
    size_t total = REDISCONN_EVAL_HEAD + 5;     /* the stream, 4 common */
    const char **argv;
    int k;

    for (size_t i = 0; i < n; i++)
        total += calls[i].sent ? (size_t)calls[i].argc : 0;
    argv = calloc(total, sizeof(*argv));
    *argvlen = calloc(total, sizeof(**argvlen));
    if (argv == NULL || *argvlen == NULL) {
        free(argv);
        free(*argvlen);
        return NULL;
    }
    k = REDISCONN_EVAL_HEAD;
    put(common[0], argv, *argvlen, &k);                 /* the alert stream */
    for (size_t i = 0; i < n; i++)
        if (calls[i].sent)
            take(&calls[i], 0, calls[i].nkeys, argv, *argvlen, &k);
    *nkeys = k - REDISCONN_EVAL_HEAD;
    put("check", argv, *argvlen, &k);
    for (int c = 1; c < 4; c++)
        put(common[c], argv, *argvlen, &k);             /* buckets, stream_maxlen, messages */
    for (size_t i = 0; i < n; i++)
        if (calls[i].sent)
            take(&calls[i], calls[i].nkeys, calls[i].argc, argv, *argvlen, &k);
    *argc = k;
    return argv;
}
