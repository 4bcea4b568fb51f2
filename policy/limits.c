/*
 * NAME
 *	limits - rate limits and account locks in vigie-policyd
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	The limits are those of vigie.rules, run by the shared engine
 *	(ratelimit.h), so a limit is written once for both daemons.
 *
 *	WHO COUNTS. With ratelimit_counter = policyd, vigie-policyd counts:
 *	at RCPT, each recipient in the limits that count recipients or
 *	distinct recipient domains (weight one recipient, so the message
 *	that would cross the limit is refused recipient by recipient,
 *	before its data is sent); at END-OF-MESSAGE, the message in the
 *	limits that count messages or bytes (Postfix then gives the real
 *	size). vigie-milter must then count nothing and only enforce
 *	locks. With ratelimit_counter = milter (the default), the milter
 *	counts everything at end of message and vigie-policyd only
 *	refuses the recipients of a locked account. Either way each
 *	message is counted once.
 *
 *	The signals of the SASL user (distinct recipient domains and
 *	client addresses over signal_window) are recorded at RCPT by the
 *	same script call, when policyd counts.
 *
 *	One Redis round trip per request at most: the counting script
 *	checks the lock itself; without a limit to count, the lock alone
 *	is read (nothing for a client that is not authenticated).
 */
#include <stdio.h>
#include <string.h>

#include "policy.h"
#include "rules_limits.h"

/* counts_here - does a limit counting kind count at RCPT (rcpt) or END-OF-MESSAGE? */
static bool counts_here(enum limit_count kind, bool rcpt)
{
    bool per_recipient = kind == LIMIT_COUNT_RECIPIENTS || kind == LIMIT_COUNT_DOMAINS;

    return per_recipient == rcpt;
}

/* keep_stage - keep in apply[] the limits counted at this stage; their number */
static size_t keep_stage(struct limit_apply *apply, size_t count, bool rcpt)
{
    size_t kept = 0;

    for (size_t i = 0; i < count; i++)
        if (counts_here(apply[i].limit->count, rcpt))
            apply[kept++] = apply[i];
    return kept;
}

/* outcome - what a call of the engine means for the request */
static enum policy_limit_outcome outcome(int status, const struct ratelimit_result *r,
                                         const struct vigie_error *err, char *action,
                                         char *detail, size_t len)
{
    if (status < 0) {
        snprintf(detail, len, "check=ratelimit: %s", err->msg);
        return POLICY_LIMIT_FAILED;
    }
    switch (r->status) {
    case RATELIMIT_PASS:
        return POLICY_LIMIT_PASS;
    case RATELIMIT_UNAVAILABLE:
        snprintf(detail, len, "check=ratelimit: %s", err->msg);
        return POLICY_LIMIT_UNAVAILABLE;
    case RATELIMIT_LOCKED:
        snprintf(detail, len, "check=lock");
        break;
    case RATELIMIT_OVER:
        snprintf(detail, len, "check=limit limit=%s key=%s tier=%s window=%lus count=%llu"
                 " max=%llu%s", r->limit->name, r->key, r->tier->name, r->window, r->count,
                 r->max, r->locked_now ? " locked=yes" : "");
        break;
    }
    policy_action_text(&r->action, action, POLICY_ACTION_MAX);
    return POLICY_LIMIT_OVER;
}

/* lock_only - is the SASL user of facts locked? */
static enum policy_limit_outcome lock_only(struct policy_thread *t,
                                           const struct message_facts *facts, char *action,
                                           char *detail, size_t len)
{
    struct ratelimit_result result;
    struct vigie_error err;
    int status;

    if (*facts->sasl_user == '\0')
        return POLICY_LIMIT_PASS;
    status = ratelimit_lock_check(t->snap->limits, t->rc, facts->sasl_user, &result, &err);
    return outcome(status, &result, &err, action, detail, len);
}

/* count - resolve the limits of this stage for facts and count them */
static enum policy_limit_outcome count(struct policy_thread *t,
                                       const struct message_facts *facts, bool rcpt,
                                       const char *queue_id, char *action, char *detail,
                                       size_t len)
{
    const struct ruleset *rules = t->snap->rules;
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    struct ratelimit_request request;
    struct ratelimit_result result;
    struct vigie_error err;
    size_t n;
    int status;

    if (rules_limits_resolve(rules, facts, apply, &n) < 0) {
        snprintf(detail, len, "check=ratelimit: out of memory");
        return POLICY_LIMIT_FAILED;
    }
    memset(&request, 0, sizeof(request));
    request.facts = facts;
    request.queue_id = queue_id;
    request.limits = apply;
    request.limit_count = keep_stage(apply, n, rcpt);
    request.signal_seconds = rcpt && *facts->sasl_user != '\0' ? rules_signal_window(rules) : 0;
    if (request.limit_count == 0 && request.signal_seconds == 0)
        return rcpt ? lock_only(t, facts, action, detail, len) : POLICY_LIMIT_PASS;
    status = ratelimit_check(t->snap->limits, t->rc, &request, &result, &err);
    return outcome(status, &result, &err, action, detail, len);
}

/* policy_limits_mail - the account lock alone */
enum policy_limit_outcome policy_limits_mail(struct policy_thread *t,
                                             const struct message_facts *facts,
                                             char *action, char *detail, size_t detail_len)
{
    return lock_only(t, facts, action, detail, detail_len);
}

/* policy_limits_rcpt - the lock, and the per-recipient limits when policyd counts */
enum policy_limit_outcome policy_limits_rcpt(struct policy_thread *t,
                                             const struct message_facts *facts,
                                             const char *queue_id, char *action,
                                             char *detail, size_t detail_len)
{
    if (t->snap->config->ratelimit_counter != RATELIMIT_COUNTER_POLICYD)
        return lock_only(t, facts, action, detail, detail_len);
    return count(t, facts, true, queue_id, action, detail, detail_len);
}

/* policy_limits_eom - the message and byte limits when policyd counts */
enum policy_limit_outcome policy_limits_eom(struct policy_thread *t,
                                            const struct message_facts *facts,
                                            const char *queue_id, char *action,
                                            char *detail, size_t detail_len)
{
    if (t->snap->config->ratelimit_counter != RATELIMIT_COUNTER_POLICYD)
        return POLICY_LIMIT_PASS;
    return count(t, facts, false, queue_id, action, detail, detail_len);
}
