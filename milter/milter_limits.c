/*
 * NAME
 *	milter_limits - rate limits and account locks in vigie-milter
 * DESCRIPTION
 *	See milter_limits.h. Nothing here is kept between callbacks: the
 *	outcome of end of message lives on milter_act_eom's stack.
 */
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "milter_limits.h"
#include "milter_redis.h"
#include "rules_limits.h"

/* What a message gets when the limits cannot be checked under fail_policy = tempfail. */
static const struct action unavailable_action = {
    .kind = ACTION_TEMPFAIL,
    .reply_code = "451",
    .status_code = "4.3.0",
    .text = "Temporary failure in the mail filter, try again later",
};

/* redis_of - this thread's connection for conn's configuration, or NULL with err set */
static struct redisconn *redis_of(const struct milter_conn *conn, struct vigie_error *err)
{
    unsigned long generation;

    return milter_redis_get(conn->snap->config, &generation, err);
}

/* milter_limits_mail - refuse the mail of a locked account */
sfsistat milter_limits_mail(SMFICTX *ctx, const struct milter_conn *conn)
{
    struct ratelimit_result result;
    struct vigie_error err;
    struct redisconn *rc;
    const struct action *a;

    if (*conn->sasl_user == '\0')
        return SMFIS_CONTINUE;
    if ((rc = redis_of(conn, &err)) == NULL) {
        msg_warn("%s: account lock not checked at MAIL FROM: %s", milter_queue_id(conn),
                 err.msg);
        return SMFIS_CONTINUE;
    }
    if (ratelimit_lock_check(conn->snap->limits, rc, conn->sasl_user, &result, &err) < 0
        || result.status != RATELIMIT_LOCKED)
        return SMFIS_CONTINUE;  /* unavailable: see milter_limits.h */
    a = &result.action;
    msg_info("%s: reject: MAIL from %s[%s]: %s %s %s; from=<%s> sasl_user=%s (account locked)",
             milter_queue_id(conn), conn->client_name, conn->client_addr, a->reply_code,
             a->status_code, a->text, conn->msg.sender, conn->sasl_user);
    milter_reply(ctx, a->reply_code, a->status_code, a->text);
    return a->kind == ACTION_TEMPFAIL ? SMFIS_TEMPFAIL : SMFIS_REJECT;
}

/* milter_limits_eom - check and count the message, before the rules */
void milter_limits_eom(const struct milter_conn *conn, struct message_facts *facts,
                       struct milter_limits *out)
{
    struct vigie_error err;
    struct redisconn *rc;

    memset(out, 0, sizeof(*out));
    out->result.status = RATELIMIT_PASS;
    if (conn->snap->config->ratelimit_counter != RATELIMIT_COUNTER_MILTER)
        return;
    if ((rc = redis_of(conn, &err)) == NULL
        || rules_limits_check(conn->snap->limits, rc, conn->snap->rules, facts,
                              conn->msg.queue_id, &out->result, &err) < 0) {
        msg_warn("%s: rate limits not checked: %s", milter_queue_id(conn), err.msg);
        out->failed = true;
        return;
    }
    if (out->result.status == RATELIMIT_UNAVAILABLE) {
        out->failed = true;     /* the engine has logged the outage */
        return;
    }
    facts->sasl_rcpt_domains = out->result.signal_domains;
    facts->sasl_client_addrs = out->result.signal_addrs;
}

/* milter_limits_verdict - the limits' action, when stronger, becomes the verdict's */
void milter_limits_verdict(const struct milter_limits *limits, const struct milter_conn *conn,
                           struct verdict *verdict)
{
    const struct action *a;

    if (limits->failed)
        a = conn->snap->config->fail_policy == FAIL_TEMPFAIL ? &unavailable_action : NULL;
    else if (limits->result.status == RATELIMIT_OVER
             || limits->result.status == RATELIMIT_LOCKED)
        a = &limits->result.action;
    else
        a = NULL;
    if (a != NULL && a->kind > verdict->action.kind)
        verdict->action = *a;
}

/* milter_limits_log - the log fields of the limits, or "" */
const char *milter_limits_log(const struct milter_limits *limits, char *buf, size_t size)
{
    const struct ratelimit_result *r = &limits->result;
    char window[16];

    if (limits->failed) {
        snprintf(buf, size, " limits=unavailable");
    } else if (r->status == RATELIMIT_LOCKED) {
        snprintf(buf, size, " limits=locked");
    } else if (r->status == RATELIMIT_OVER) {
        ratelimit_duration_format(r->window, window, sizeof(window));
        snprintf(buf, size, " limit=%s key=%s window=%s count=%llu max=%llu%s", r->limit->name,
                 r->key, window, r->count, r->max, r->locked_now ? " locked=yes" : "");
    } else {
        buf[0] = '\0';
    }
    return buf;
}
