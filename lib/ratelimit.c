/*
 * NAME
 *	ratelimit - sending limits shared through Redis, one round trip a message
 * DESCRIPTION
 *	See ratelimit.h. This file makes the script call (ratelimit_lua.h)
 *	of a batch of messages, turns its reply into results, and keeps
 *	the outage state. The call's arguments are ratelimit_call.c; key
 *	values and durations, ratelimit_text.c.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "locks.h"
#include "log.h"
#include "ratelimit.h"
#include "ratelimit_call.h"
#include "ratelimit_lua.h"

#define NUM_TEXT 24             /* room for one number as text */

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
static void read_reply(const struct ratelimit_engine *engine, const struct ratelimit_call *c,
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
                    struct ratelimit_call *c)
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
    if (ratelimit_call_build(c, engine->settings, request, &job->err) < 0) {
        job->status = -1;
        return false;
    }
    return c->nlive > 0 || has_user;    /* else no key: nothing to ask */
}

/* conclude - a job from its part of the script's reply (NULL: Redis failed, err says why) */
static void conclude(struct ratelimit_engine *engine, struct redisconn *rc,
                     struct ratelimit_job *job, const struct ratelimit_call *c, const redisReply *reply,
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

/* run_script - the script call of every message sent; each job concluded */
static void run_script(struct ratelimit_engine *engine, struct redisconn *rc,
                       struct ratelimit_job *jobs, const struct ratelimit_call *calls, size_t n,
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
    else if ((argv = ratelimit_call_argv(calls, n, common, &argvlen, &argc, &nkeys)) == NULL)
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
    struct ratelimit_call *calls = calloc(n, sizeof(*calls));
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
        ratelimit_call_free(&calls[i]);
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
