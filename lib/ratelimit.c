/*
 * NAME
 *	ratelimit - sending limits shared through Redis, one round trip a message
 * DESCRIPTION
 *	See ratelimit.h. This file turns a request into the arguments of
 *	the script (ratelimit_lua.h), its reply into a result, and keeps
 *	the outage state. Key values and durations are ratelimit_text.c.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "domains.h"
#include "locks.h"
#include "log.h"
#include "ratelimit.h"
#include "ratelimit_lua.h"

#define CTX_FIELDS 5            /* host queue_id sasl_user sender client_addr */
#define NUM_TEXT 24             /* room for one number as text */
#define SHAPE_TEXT (2 + RATELIMIT_MAX_WINDOWS * NUM_TEXT)  /* "r 600000 86400000" */

/* What the script calls each enum limit_count. */
static const char *const kind_code[] = {"m", "r", "b", "d"};

const struct redis_script ratelimit_script = {"ratelimit", RATELIMIT_LUA};

struct ratelimit_engine {
    const struct ratelimit_settings *settings;
    atomic_bool down;           /* Redis failed, and has not answered since */
    atomic_llong down_since;    /* when it failed (seconds since the epoch) */
};

/* ratelimit_settings_default - the documented defaults */
void ratelimit_settings_default(struct ratelimit_settings *settings)
{
    static char host[256];

    if (host[0] == '\0' && gethostname(host, sizeof(host) - 1) < 0)
        strcpy(host, "localhost");
    settings->prefix = "vigie:";
    settings->host = host;
    alert_settings_default(&settings->alerts);
    settings->lock_reply = (struct action){
        .kind = ACTION_REJECT, .reply_code = "550", .status_code = "5.7.1",
        .text = "Account locked: contact your mail administrator"};
}

/* ratelimit_engine_new - an engine using settings (borrowed) */
struct ratelimit_engine *ratelimit_engine_new(const struct ratelimit_settings *settings,
                                              struct vigie_error *err)
{
    struct ratelimit_engine *engine = calloc(1, sizeof(*engine));

    if (engine == NULL) {
        error_set(err, "rate limits: out of memory");
        return NULL;
    }
    engine->settings = settings;
    atomic_init(&engine->down, false);
    atomic_init(&engine->down_since, 0);
    return engine;
}

/* ratelimit_engine_free - NULL is allowed */
void ratelimit_engine_free(struct ratelimit_engine *engine)
{
    free(engine);
}

/* outage_begins - Redis failed: warn and alert once per outage */
static void outage_begins(struct ratelimit_engine *engine, const struct vigie_error *why)
{
    char since[NUM_TEXT];
    struct alert alert;
    long long now = (long long)time(NULL);

    if (atomic_exchange(&engine->down, true))
        return;
    atomic_store(&engine->down_since, now);
    msg_warn("rate limits unavailable (%s): messages pass unchecked or are tempfailed as "
             "fail_policy says, until Redis answers again", why->msg);
    snprintf(since, sizeof(since), "%lld", now);
    alert_init(&alert);
    (void)alert_add(&alert, "kind", "redis");
    (void)alert_add(&alert, "state", "down");
    (void)alert_add(&alert, "error", why->msg);
    (void)alert_add(&alert, "time", since);
    (void)alert_add(&alert, "host", engine->settings->host);
    alerts_raise(&engine->settings->alerts, &alert);
}

/* outage_ends - Redis answered: after an outage, say so everywhere */
static void outage_ends(struct ratelimit_engine *engine, struct redisconn *rc)
{
    char now_text[NUM_TEXT], lasted[NUM_TEXT];
    struct vigie_error err;
    struct alert alert;
    long long now;

    if (!atomic_load(&engine->down) || !atomic_exchange(&engine->down, false))
        return;
    now = (long long)time(NULL);
    snprintf(now_text, sizeof(now_text), "%lld", now);
    snprintf(lasted, sizeof(lasted), "%lld", now - atomic_load(&engine->down_since));
    msg_info("rate limits available again: Redis answers after %s s", lasted);
    alert_init(&alert);
    (void)alert_add(&alert, "kind", "redis");
    (void)alert_add(&alert, "state", "up");
    (void)alert_add(&alert, "down_seconds", lasted);
    (void)alert_add(&alert, "time", now_text);
    (void)alert_add(&alert, "host", engine->settings->host);
    alerts_raise(&engine->settings->alerts, &alert);
    if (alerts_stream_add(rc, engine->settings->prefix, engine->settings->alerts.stream_maxlen,
                          &alert, &err) < 0)
        msg_warn("alert stream: %s", err.msg);
}

/*
 * One message's part of a script call, and its storage: its keys, then
 * its other arguments (see ratelimit_lua.h).
 */
struct call {
    const char **argv;
    size_t *argvlen;
    int argc;
    int nkeys;                  /* argv[0 .. nkeys-1] are keys */
    int cap;
    char (*num)[NUM_TEXT];      /* numbers as text */
    int nnum;
    char (*shape)[SHAPE_TEXT];  /* per limit: its kind and windows (ms) */
    struct rlkey *keys;         /* lock, two signals, then the limits */
    size_t *value_at;           /* where each limit key's value starts */
    char *domains;              /* the recipient domains, lower case, NUL-separated */
    const char **domain;        /* distinct, sorted */
    size_t ndomains;
    char client[64];            /* the client address as text; "" when unknown */
    size_t live[RATELIMIT_MAX_APPLY];   /* request->limits index of each limit passed */
    size_t nlive;
    bool sent;                  /* part of the script call */
};

/* call_free - release a call's storage */
static void call_free(struct call *c)
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
static void add(struct call *c, const char *arg)
{
    if (c->argc == c->cap)
        msg_panic("rate limits: %d script arguments miscounted", c->cap);
    c->argv[c->argc] = arg;
    c->argvlen[c->argc] = strlen(arg);
    c->argc++;
}

/* add_pair - a name and its value (both borrowed) */
static void add_pair(struct call *c, const char *name, const char *value)
{
    add(c, name);
    add(c, value);
}

/* add_num - one number argument */
static void add_num(struct call *c, unsigned long long n)
{
    snprintf(c->num[c->nnum], NUM_TEXT, "%llu", n);
    add(c, c->num[c->nnum++]);
}

/* compare_strings - qsort order of const char * */
static int compare_strings(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* collect_domains - the distinct recipient domains, lower case; -1 when short of memory */
static int collect_domains(struct call *c, const struct message_facts *facts)
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
static int call_alloc(struct call *c, const struct ratelimit_request *request)
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
static int build_keys(struct call *c, const struct ratelimit_engine *engine,
                      const struct ratelimit_request *request, bool *skip,
                      struct vigie_error *err)
{
    const char *prefix = engine->settings->prefix;
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
 *	counted, into buf (SHAPE_TEXT bytes): the script keeps it in the
 *	hash to see them change
 */
static const char *shape_of(char *buf, const struct limit_def *limit,
                            const struct limit_tier *tier)
{
    size_t len = (size_t)snprintf(buf, SHAPE_TEXT, "%s", kind_code[limit->count]);

    for (size_t w = 0; w < tier->window_count; w++)
        len += (size_t)snprintf(buf + len, SHAPE_TEXT - len, " %lu",
                                tier->windows[w].seconds * 1000);
    return buf;
}

/*
 * build_args - the message's keys and arguments; c->live receives the index in
 *	request->limits of each limit passed to the script, c->nlive their
 *	number. 0, or -1 with err set.
 */
static int build_args(struct call *c, const struct ratelimit_engine *engine,
                      const struct ratelimit_request *request, struct vigie_error *err)
{
    const struct message_facts *facts = request->facts;
    const struct ratelimit_settings *s = engine->settings;
    bool skip[RATELIMIT_MAX_APPLY];
    bool has_user = facts->sasl_user[0] != '\0';

    if (build_keys(c, engine, request, skip, err) < 0)
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

/* strength - how strong a crossed limit's answer is (lock strongest) */
static int strength(const struct limit_def *limit)
{
    return limit->lock ? ACTION_REJECT + 1 : (int)limit->action.kind;
}

/* raise_alert - log and run the command for the fields the script returned */
static void raise_alert(const struct ratelimit_engine *engine, const redisReply *fields)
{
    struct alert alert;

    alert_init(&alert);
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING
            && fields->element[i + 1]->type == REDIS_REPLY_STRING)
            (void)alert_add(&alert, fields->element[i]->str, fields->element[i + 1]->str);
    alerts_raise(&engine->settings->alerts, &alert);
}

/* reply_ok - the shape the script returns (see ratelimit_lua.h) */
static bool reply_ok(const redisReply *r, size_t nlive)
{
    if (r->type != REDIS_REPLY_ARRAY || r->elements != 5
        || r->element[0]->type != REDIS_REPLY_STRING
        || r->element[1]->type != REDIS_REPLY_INTEGER
        || r->element[2]->type != REDIS_REPLY_INTEGER
        || r->element[4]->type != REDIS_REPLY_ARRAY)
        return false;
    if (strcmp(r->element[0]->str, "locked") == 0)
        return true;
    if (r->element[4]->elements != nlive)
        return false;
    for (size_t i = 0; i < nlive; i++) {
        const redisReply *l = r->element[4]->element[i];

        if (l->type != REDIS_REPLY_ARRAY || l->elements != 3
            || l->element[0]->type != REDIS_REPLY_INTEGER
            || l->element[1]->type != REDIS_REPLY_INTEGER
            || l->element[2]->type != REDIS_REPLY_ARRAY)
            return false;
    }
    return true;
}

/* natural - an integer reply, negative values as 0 */
static unsigned long long natural(const redisReply *r)
{
    return r->integer > 0 ? (unsigned long long)r->integer : 0;
}

/* read_reply - the script's reply into result; alerts raised */
static void read_reply(const struct ratelimit_engine *engine, const struct call *c,
                       const struct ratelimit_request *request, const redisReply *r,
                       struct ratelimit_result *result)
{
    result->signal_domains = (unsigned long)natural(r->element[1]);
    result->signal_addrs = (unsigned long)natural(r->element[2]);
    if (strcmp(r->element[0]->str, "locked") == 0) {
        result->status = RATELIMIT_LOCKED;
        result->action = engine->settings->lock_reply;
        return;
    }
    for (size_t n = 0; n < c->nlive; n++) {
        const redisReply *l = r->element[4]->element[n];
        const struct limit_apply *a = &request->limits[c->live[n]];
        long long over = l->element[0]->integer;

        if (l->element[2]->elements > 0)
            raise_alert(engine, l->element[2]);
        if (over < 1 || (size_t)over > a->tier->window_count)
            continue;
        result->over_count++;
        if (result->limit != NULL && strength(a->limit) <= strength(result->limit))
            continue;
        result->status = RATELIMIT_OVER;
        result->limit = a->limit;
        result->tier = a->tier;
        result->window = a->tier->windows[over - 1].seconds;
        result->max = a->tier->windows[over - 1].max;
        result->count = natural(l->element[1]);
        snprintf(result->key, sizeof(result->key), "%s",
                 c->keys[3 + c->live[n]].text + c->value_at[c->live[n]]);
        result->locked_now = a->limit->lock && request->facts->sasl_user[0] != '\0';
        result->action = result->locked_now ? engine->settings->lock_reply : a->limit->action;
    }
}

/* result_init - PASS, nothing crossed, no signal */
static void result_init(struct ratelimit_result *result)
{
    memset(result, 0, sizeof(*result));
    result->status = RATELIMIT_PASS;
}

/*
 * prepare - the script call of one job, built in c
 *	Returns true when the call is to be made; false when the job is
 *	decided without Redis (job->status set: 0, or -1 with job->err).
 */
static bool prepare(const struct ratelimit_engine *engine, struct ratelimit_job *job,
                    struct call *c)
{
    const struct ratelimit_request *request = job->request;
    bool has_user = request->facts->sasl_user[0] != '\0';

    result_init(&job->result);
    job->status = 0;
    if (request->limit_count > RATELIMIT_MAX_APPLY) {
        error_set(&job->err, "rate limits: more than %d limits apply", RATELIMIT_MAX_APPLY);
        job->status = -1;
        return false;
    }
    if (request->limit_count == 0 && !has_user)
        return false;
    if (call_alloc(c, request) < 0) {
        error_set(&job->err, "rate limits: out of memory");
        job->status = -1;
        return false;
    }
    if (request->facts->client_ip_known)
        netaddr_format(&request->facts->client_ip, c->client, sizeof(c->client));
    if (build_args(c, engine, request, &job->err) < 0) {
        job->status = -1;
        return false;
    }
    return c->nlive > 0 || has_user;    /* else no key: nothing to ask */
}

/* conclude - a job from its part of the script's reply (NULL: Redis failed, err says why) */
static void conclude(struct ratelimit_engine *engine, struct redisconn *rc,
                     struct ratelimit_job *job, const struct call *c, const redisReply *reply,
                     const struct vigie_error *err)
{
    if (reply == NULL) {
        job->result.status = RATELIMIT_UNAVAILABLE;
        job->err = *err;
        outage_begins(engine, err);
        return;
    }
    if (!reply_ok(reply, c->nlive)) {
        error_set(&job->err, "rate limits: unexpected reply from the script");
        job->status = -1;
    } else {
        outage_ends(engine, rc);
        read_reply(engine, c, job->request, reply, &job->result);
    }
}

/*
 * script_argv - the one script call of the messages sent: head slots,
 *	the alert stream, each message's keys, the common arguments, each
 *	message's arguments. NULL when memory is short.
 */
static const char **script_argv(const struct call *calls, size_t n, const char *common[4],
                                size_t **argvlen, int *argc, int *nkeys)
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
    argv[k++] = common[0];                              /* the alert stream */
    for (size_t i = 0; i < n; i++)
        for (int a = 0; calls[i].sent && a < calls[i].nkeys; a++)
            argv[k++] = calls[i].argv[a];
    *nkeys = k - REDISCONN_EVAL_HEAD;
    argv[k++] = "check";
    argv[k++] = common[1];                              /* buckets */
    argv[k++] = common[2];                              /* stream_maxlen */
    argv[k++] = common[3];                              /* messages */
    for (size_t i = 0; i < n; i++)
        for (int a = calls[i].nkeys; calls[i].sent && a < calls[i].argc; a++)
            argv[k++] = calls[i].argv[a];
    for (int a = REDISCONN_EVAL_HEAD; a < k; a++)
        (*argvlen)[a] = strlen(argv[a]);
    *argc = k;
    return argv;
}

/* run_script - the script call of every message sent; each job concluded */
static void run_script(struct ratelimit_engine *engine, struct redisconn *rc,
                       struct ratelimit_job *jobs, const struct call *calls, size_t n,
                       size_t nsent)
{
    char buckets[NUM_TEXT], maxlen[NUM_TEXT], messages[NUM_TEXT];
    const char *common[4] = {NULL, buckets, maxlen, messages};
    struct vigie_error err;
    struct rlkey alerts;
    redisReply *reply = NULL;
    size_t *argvlen = NULL;
    const char **argv = NULL;
    int argc, nkeys;
    bool failed = true;         /* err applies to every job */
    size_t k = 0;

    rlkey_start(&alerts, engine->settings->prefix, RLKEY_ALERTS);
    common[0] = alerts.text;
    snprintf(buckets, sizeof(buckets), "%d", RATELIMIT_BUCKETS);
    snprintf(maxlen, sizeof(maxlen), "%lu", (unsigned long)engine->settings->alerts.stream_maxlen);
    snprintf(messages, sizeof(messages), "%zu", nsent);
    if (rlkey_done(&alerts) < 0)
        error_set(&err, "rate limits: redis_prefix too long");
    else if ((argv = script_argv(calls, n, common, &argvlen, &argc, &nkeys)) == NULL)
        error_set(&err, "rate limits: out of memory");
    else if ((reply = redisconn_eval(rc, &ratelimit_script, nkeys, argc, argv, argvlen,
                                     &err)) != NULL
             && (reply->type != REDIS_REPLY_ARRAY || reply->elements != nsent))
        error_set(&err, "rate limits: unexpected reply from the script");
    else
        failed = false;         /* a reply, or Redis failed: each job says so */
    for (size_t i = 0; i < n; i++) {
        if (!calls[i].sent)
            continue;
        if (failed) {
            jobs[i].err = err;
            jobs[i].status = -1;
        } else {
            conclude(engine, rc, &jobs[i], &calls[i],
                     reply != NULL ? reply->element[k++] : NULL, &err);
        }
    }
    if (reply != NULL)
        freeReplyObject(reply);
    free(argv);
    free(argvlen);
}

/* ratelimit_check_batch - ratelimit_check for each of n jobs, in one script call */
void ratelimit_check_batch(struct ratelimit_engine *engine, struct redisconn *rc,
                           struct ratelimit_job *jobs, size_t n)
{
    struct call *calls = calloc(n, sizeof(*calls));
    size_t nsent = 0;

    for (size_t i = 0; i < n; i++) {
        if (calls == NULL) {
            result_init(&jobs[i].result);
            error_set(&jobs[i].err, "rate limits: out of memory");
            jobs[i].status = -1;
        } else if (prepare(engine, &jobs[i], &calls[i])) {
            calls[i].sent = true;
            nsent++;
        }
    }
    if (nsent > 0)
        run_script(engine, rc, jobs, calls, n, nsent);
    for (size_t i = 0; calls != NULL && i < n; i++)
        call_free(&calls[i]);
    free(calls);
}

/* ratelimit_check - check and count one message */
int ratelimit_check(struct ratelimit_engine *engine, struct redisconn *rc,
                    const struct ratelimit_request *request,
                    struct ratelimit_result *result, struct vigie_error *err)
{
    struct ratelimit_job job = {.request = request};

    ratelimit_check_batch(engine, rc, &job, 1);
    *result = job.result;
    if (job.status < 0 || result->status == RATELIMIT_UNAVAILABLE)
        *err = job.err;
    return job.status;
}

/* ratelimit_lock_check - is this SASL user locked? */
int ratelimit_lock_check(struct ratelimit_engine *engine, struct redisconn *rc,
                         const char *sasl_user, struct ratelimit_result *result,
                         struct vigie_error *err)
{
    struct lock_info info;

    result_init(result);
    if (sasl_user[0] == '\0')
        return 0;
    if (locks_get(rc, engine->settings->prefix, sasl_user, &info, err) < 0) {
        result->status = RATELIMIT_UNAVAILABLE;
        outage_begins(engine, err);
        return 0;
    }
    outage_ends(engine, rc);
    if (info.locked) {
        result->status = RATELIMIT_LOCKED;
        result->action = engine->settings->lock_reply;
    }
    return 0;
}
