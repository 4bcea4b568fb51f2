/*
 * NAME
 *	decide - one policy request -> facts -> checks -> one access(5) action
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	The checks by protocol_state, in this order, the first that
 *	refuses giving the action:
 *
 *	MAIL		sender-login check; account lock.
 *	RCPT		relay guard; sender-login check; SPF of MAIL FROM
 *			(policy_spf); greylisting (greylist_enable); account
 *			lock and per-recipient limits (limits.c). Greylisting
 *			and SPF are for inbound mail only: never for an
 *			authenticated or a trusted client.
 *	END-OF-MESSAGE	message and byte limits (limits.c).
 *	others		DUNNO (CONNECT, EHLO, HELO, DATA, VRFY, ETRN, and a
 *			state this version does not know).
 *
 *	Actions: a refusal is "REJECT 5.7.x text" (Postfix answers 554),
 *	or "553 5.7.1 text" for the sender-login check (Postfix's own
 *	code); greylisting answers "DEFER_IF_PERMIT 4.7.1 text", so that
 *	a permanent refusal found later wins; limits and locks answer with
 *	the code and status of their action ("451 4.7.1 text"); anything
 *	else is "DUNNO" (Postfix goes on with its next restriction).
 *
 *	Failures (Redis down, memory short) follow fail_policy: accept
 *	skips the check, tempfail answers "451 4.3.0". Each refusal,
 *	deferral and failure is logged in one line:
 *	"QUEUEID: STATE client=NAME[ADDR] sasl_user=USER sender=<S>
 *	recipient=<R>: CHECK DETAIL: action=ACTION".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "greylist.h"
#include "log.h"
#include "policy.h"
#include "redis_conf.h"
#include "relay.h"

#define DETAIL_MAX 1100
#define FAIL_ACTION "451 4.3.0 Temporary failure in the policy service, try again later"

/* policy_thread_init - the current snapshot and a Redis connection */
int policy_thread_init(struct policy_thread *t, struct vigie_error *err)
{
    memset(t, 0, sizeof(*t));
    if ((t->snap = snapshot_acquire()) == NULL) {
        error_set(err, "no configuration in force");
        return -1;
    }
    if ((t->rc = redis_conf_connect(t->snap->config, 0, err)) == NULL) {
        snapshot_release(t->snap);
        return -1;
    }
    return 0;
}

/* policy_thread_refresh - follow a reload */
void policy_thread_refresh(struct policy_thread *t)
{
    struct snapshot *now = snapshot_acquire();
    struct vigie_error err;
    struct redisconn *rc;

    if (now == NULL || now == t->snap) {
        snapshot_release(now);
        return;
    }
    if (!redis_conf_same(now->config, t->snap->config)) {
        if ((rc = redis_conf_connect(now->config, 0, &err)) == NULL) {
            msg_error("reload: %s; keeping the previous Redis settings", err.msg);
        } else {
            redisconn_free(t->rc);
            t->rc = rc;
        }
    }
    snapshot_release(t->snap);
    t->snap = now;
}

/* policy_thread_fini - release the snapshot and the connection */
void policy_thread_fini(struct policy_thread *t)
{
    redisconn_free(t->rc);
    snapshot_release(t->snap);
    memset(t, 0, sizeof(*t));
}

/* policy_action_text - an engine action as an access(5) action */
void policy_action_text(const struct action *a, char *out, size_t len)
{
    bool temp = a->kind == ACTION_TEMPFAIL;

    switch (a->kind) {
    case ACTION_TEMPFAIL:
    case ACTION_REJECT:
        snprintf(out, len, "%s %s %s", a->reply_code ? a->reply_code : temp ? "451" : "550",
                 a->status_code ? a->status_code : temp ? "4.7.1" : "5.7.1",
                 a->text ? a->text : temp ? "Try again later" : "Refused");
        break;
    case ACTION_HOLD:
        snprintf(out, len, "HOLD %s",
                 a->text ? a->text : "vigie: held for the postmaster to review");
        break;
    default:
        snprintf(out, len, "DUNNO");
        break;
    }
}

/* request_facts - what the request tells, as facts (strings borrowed from req) */
static void request_facts(const struct vigie_config *config, const struct policy_request *req,
                          struct message_facts *facts)
{
    facts_init(facts);
    facts->client_addr = req->client_address;
    facts->client_ip_known = netaddr_parse(req->client_address, &facts->client_ip) == 0;
    facts->client_name = *req->client_name != '\0' ? req->client_name : "unknown";
    facts->helo = req->helo_name;
    facts->sasl_user = req->sasl_username;
    facts->authenticated = *req->sasl_username != '\0';
    facts->trusted = facts->client_ip_known
                     && relay_client_trusted(config, &facts->client_ip);
    facts->sender = req->sender;
    facts->size = req->size;
}

/* log_decision - the one line of a request that was not let through silently */
static void log_decision(bool warning, const struct policy_request *req,
                         const struct message_facts *facts, const char *detail,
                         const char *action)
{
    char line[2048];

    snprintf(line, sizeof(line), "%s: %s client=%s[%s]%s%s sender=<%s>%s%s%s: %s: action=%s",
             *req->queue_id ? req->queue_id : "NOQUEUE", policy_state_name(req->state),
             facts->client_name, facts->client_addr, *facts->sasl_user ? " sasl_user=" : "",
             facts->sasl_user, facts->sender, *req->recipient ? " recipient=<" : "",
             req->recipient, *req->recipient ? ">" : "", detail, action);
    if (warning)
        msg_warn("%s", line);
    else
        msg_info("%s", line);
}

/* failed - a check could not run: fail_policy decides; true when the request is answered */
static bool failed(struct policy_thread *t, const struct policy_request *req,
                   const struct message_facts *facts, const char *detail, bool logged,
                   char *action)
{
    bool tempfail = t->snap->config->fail_policy == FAIL_TEMPFAIL;
    const char *outcome = tempfail ? FAIL_ACTION : "DUNNO (fail_policy = accept)";

    if (!logged || tempfail)
        log_decision(!logged, req, facts, detail, outcome);
    if (!tempfail)
        return false;
    snprintf(action, POLICY_ACTION_MAX, "%s", FAIL_ACTION);
    return true;
}

/* limits_answer - act on what limits.c concluded; true when the request is answered */
static bool limits_answer(struct policy_thread *t, enum policy_limit_outcome o,
                          const struct policy_request *req, const struct message_facts *facts,
                          const char *detail, char *action)
{
    switch (o) {
    case POLICY_LIMIT_PASS:
        return false;
    case POLICY_LIMIT_PENDING:
        msg_panic("a rate-limit check was not run");
    case POLICY_LIMIT_OVER:
        log_decision(false, req, facts, detail, action);
        return strcmp(action, "DUNNO") != 0;
    case POLICY_LIMIT_UNAVAILABLE:
        return failed(t, req, facts, detail, true, action);
    case POLICY_LIMIT_FAILED:
        return failed(t, req, facts, detail, false, action);
    }
    return false;
}

/* sender_refused - the sender-login check; true when refused (action set) */
static bool sender_refused(const struct snapshot *snap, const struct policy_request *req,
                           const struct message_facts *facts, char *action)
{
    char reason[512];

    if (relay_sender_allowed(snap->logins, rules_get_settings(snap->rules), facts, reason,
                             sizeof(reason)))
        return false;
    /* 553, as Postfix's reject_authenticated_sender_login_mismatch and vigie-milter */
    snprintf(action, POLICY_ACTION_MAX, "553 5.7.1 %s", reason);
    log_decision(false, req, facts, "check=sender_login", action);
    return true;
}

/* relay_refused - the open-relay guard; true when refused (action set) */
static bool relay_refused(const struct snapshot *snap, const struct policy_request *req,
                          const struct message_facts *facts, char *action)
{
    char reason[512];

    if (relay_recipient_allowed(snap->config, rules_get_settings(snap->rules), facts,
                                req->recipient, reason, sizeof(reason)))
        return false;
    snprintf(action, POLICY_ACTION_MAX, "REJECT 5.7.1 %s", reason);
    log_decision(false, req, facts, "check=relay", action);
    return true;
}

/*
 * spf_refused - SPF of MAIL FROM, once per message; true when answered
 *	(action set): fail is refused; temperror (DNS trouble) follows
 *	fail_policy, tempfail answering 451 4.4.3 as RFC 7208 8.6 advises.
 */
static bool spf_refused(struct policy_thread *t, struct policy_session *s,
                        const struct policy_request *req, const struct message_facts *facts,
                        char *action)
{
    struct spf_settings settings = {.timeout_ms = t->snap->config->dns_timeout_ms};
    struct spf_request sr = {req->client_address, req->helo_name, req->sender};
    bool tempfail = t->snap->config->fail_policy == FAIL_TEMPFAIL;
    struct vigie_error err;
    char detail[DETAIL_MAX];

    if (!s->spf_done) {
        if (spf_check(t->snap->dns, &settings, SPF_IDENTITY_MAILFROM, &sr, &s->spf, &err) < 0) {
            memset(&s->spf, 0, sizeof(s->spf));
            s->spf.result = AUTHRES_TEMPERROR;
            snprintf(s->spf.problem, sizeof(s->spf.problem), "%.120s", err.msg);
        }
        s->spf_done = true;
        if (s->spf.result == AUTHRES_TEMPERROR && !tempfail) {
            snprintf(detail, sizeof(detail), "check=spf spf=temperror domain=%s: %s",
                     s->spf.domain, s->spf.problem);
            log_decision(true, req, facts, detail, "DUNNO (fail_policy = accept)");
        }
    }
    if (s->spf.result == AUTHRES_FAIL) {
        snprintf(action, POLICY_ACTION_MAX, "REJECT 5.7.23 SPF: %s is not allowed to send mail"
                 " from %s", req->client_address, s->spf.domain);
        snprintf(detail, sizeof(detail), "check=spf spf=fail domain=%s", s->spf.domain);
    } else if (s->spf.result == AUTHRES_TEMPERROR && tempfail) {
        snprintf(action, POLICY_ACTION_MAX, "451 4.4.3 SPF: temporary DNS error checking %s,"
                 " try again later", *s->spf.domain ? s->spf.domain : "the sender's domain");
        snprintf(detail, sizeof(detail), "check=spf spf=temperror domain=%s: %s",
                 s->spf.domain, s->spf.problem);
    } else {
        return false;
    }
    log_decision(false, req, facts, detail, action);
    return true;
}

/* greylisted - the greylisting check; true when the request is answered (action set) */
static bool greylisted(struct policy_thread *t, const struct policy_request *req,
                       const struct message_facts *facts, char *action)
{
    const struct vigie_config *config = t->snap->config;
    struct greylist_settings gs = {
        .prefix = config->redis_prefix,
        .delay = config->greylist_delay,
        .retry_window = config->greylist_retry_window,
        .expiry = config->greylist_expiry,
        .auto_allow = config->greylist_auto_allow,
    };
    struct greylist_result gr;
    struct vigie_error err;
    char detail[DETAIL_MAX];
    bool logged;

    if (!facts->client_ip_known)
        return false;
    if (greylist_check(t->rc, &gs, &facts->client_ip, req->sender, req->recipient, &gr,
                       &err) < 0) {
        snprintf(detail, sizeof(detail), "check=greylist: %s", err.msg);
        /* one warning per outage and thread; then only what fail_policy does */
        logged = t->greylist_down;
        t->greylist_down = true;
        return failed(t, req, facts, detail, logged, action);
    }
    if (t->greylist_down) {
        msg_info("greylisting: Redis answers again");
        t->greylist_down = false;
    }
    snprintf(detail, sizeof(detail), "check=greylist greylist=%s network=%s",
             greylist_status_name(gr.status), gr.network);
    if (gr.status != GREYLIST_DEFER) {
        if (gr.status == GREYLIST_PASS_RETRY)
            log_decision(false, req, facts, detail, "DUNNO");
        return false;
    }
    snprintf(action, POLICY_ACTION_MAX, "DEFER_IF_PERMIT 4.7.1 Greylisted: first attempt"
             " from your network for this sender and recipient, retry in %lu s or later",
             gr.wait);
    log_decision(false, req, facts, detail, action);
    return true;
}

/* rcpt_refused - the checks of RCPT before the limits; true when answered (action set) */
static bool rcpt_refused(struct policy_thread *t, struct policy_session *s,
                         const struct policy_request *req, const struct message_facts *facts,
                         char *action)
{
    const struct vigie_config *config = t->snap->config;
    bool inbound = !facts->authenticated && !facts->trusted;

    return relay_refused(t->snap, req, facts, action)
           || sender_refused(t->snap, req, facts, action)
           || (inbound && config->policy_spf && spf_refused(t, s, req, facts, action))
           || (inbound && config->greylist_enable && greylisted(t, req, facts, action));
}

/*
 * eom_recipients - END-OF-MESSAGE (policyd counting): every recipient into
 *	p->facts; false when memory is short (p->rcpts NULL)
 */
static bool eom_recipients(const struct policy_session *s, struct policy_pending *p)
{
    size_t count = p->req.recipient_count;

    if (count > 0 && (p->rcpts = policy_session_recipients(s, &count)) == NULL)
        return false;
    p->facts.recipients = p->rcpts;
    p->facts.recipient_count = count;
    return true;
}

/*
 * conclude - the action once the limits said o: on a pass, a recipient
 *	let through is remembered and the action is DUNNO
 */
static void conclude(struct policy_thread *t, struct policy_session *s,
                     struct policy_pending *p, enum policy_limit_outcome o, const char *detail,
                     char *action)
{
    if (!limits_answer(t, o, &p->req, &p->facts, detail, action)) {
        if (p->req.state == POLICY_STATE_RCPT)
            policy_session_add_rcpt(s, p->req.recipient);
        snprintf(action, POLICY_ACTION_MAX, "DUNNO");
    }
    free(p->rcpts);
    p->rcpts = NULL;
}

/* policy_decide_start - decide req, or prepare the check it waits for */
bool policy_decide_start(struct policy_thread *t, struct policy_session *s,
                         const struct policy_request *req, struct policy_pending *p,
                         char *action)
{
    struct message_facts *facts = &p->facts;
    enum policy_limit_outcome o;
    enum policy_stage stage;
    char detail[DETAIL_MAX] = "";

    policy_session_begin(s, req);
    p->req = *req;
    p->rcpts = NULL;
    request_facts(t->snap->config, &p->req, facts);
    switch (req->state) {
    case POLICY_STATE_MAIL:
        if (sender_refused(t->snap, req, facts, action))
            return true;
        stage = POLICY_STAGE_MAIL;
        break;
    case POLICY_STATE_RCPT:
        p->rcpt[0] = req->recipient;
        facts->recipients = p->rcpt;
        facts->recipient_count = 1;
        if (rcpt_refused(t, s, req, facts, action))
            return true;
        stage = POLICY_STAGE_RCPT;
        break;
    case POLICY_STATE_END_OF_MESSAGE:
        if (t->snap->config->ratelimit_counter != RATELIMIT_COUNTER_POLICYD) {
            snprintf(action, POLICY_ACTION_MAX, "DUNNO");
            return true;
        }
        if (!eom_recipients(s, p)) {
            conclude(t, s, p, POLICY_LIMIT_FAILED, "check=ratelimit: out of memory", action);
            return true;
        }
        stage = POLICY_STAGE_EOM;
        break;
    case POLICY_STATE_UNKNOWN:
        msg_debug("protocol_state=%s: not a state vigie acts on", req->state_name);
        /* FALLTHROUGH */
    default:
        snprintf(action, POLICY_ACTION_MAX, "DUNNO");
        return true;
    }
    o = policy_limits_prepare(t, facts, stage, p->req.queue_id, &p->check, detail,
                              sizeof(detail));
    if (o == POLICY_LIMIT_PENDING)
        return false;
    conclude(t, s, p, o, detail, action);
    return true;
}

/* policy_decide_finish - the action of a request, once its check ran as job */
void policy_decide_finish(struct policy_thread *t, struct policy_session *s,
                          struct policy_pending *p, const struct ratelimit_job *job,
                          char *action)
{
    char detail[DETAIL_MAX];

    conclude(t, s, p, policy_limits_outcome(job, action, detail, sizeof(detail)), detail,
             action);
}
