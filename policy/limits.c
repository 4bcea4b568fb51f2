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

/* policy_limits_prepare - the rate-limit check a request needs, into check */
enum policy_limit_outcome policy_limits_prepare(struct policy_thread *t,
                                                const struct message_facts *facts,
                                                enum policy_stage stage, const char *queue_id,
                                                struct policy_limit_check *check,
                                                char *detail, size_t detail_len)
{
    const struct ruleset *rules = t->snap->rules;
    bool counting = t->snap->config->ratelimit_counter == RATELIMIT_COUNTER_POLICYD
                    && stage != POLICY_STAGE_MAIL;
    bool rcpt = stage == POLICY_STAGE_RCPT;
    bool has_user = *facts->sasl_user != '\0';
    size_t n = 0;

    if (counting && rules_limits_resolve(rules, facts, check->apply, &n) < 0) {
        snprintf(detail, detail_len, "check=ratelimit: out of memory");
        return POLICY_LIMIT_FAILED;
    }
    memset(&check->request, 0, sizeof(check->request));
    check->request.facts = facts;
    check->request.queue_id = queue_id;
    check->request.limits = check->apply;
    check->request.limit_count = keep_stage(check->apply, n, rcpt);
    check->request.signal_seconds = counting && rcpt && has_user ? rules_signal_window(rules) : 0;
    /* with nothing to count, the script reads the lock alone (not at END-OF-MESSAGE) */
    if (check->request.limit_count == 0 && check->request.signal_seconds == 0
        && (!has_user || stage == POLICY_STAGE_EOM))
        return POLICY_LIMIT_PASS;
    return POLICY_LIMIT_PENDING;
}

/* policy_limits_outcome - what a check's job means for the request */
enum policy_limit_outcome policy_limits_outcome(const struct ratelimit_job *job, char *action,
                                                char *detail, size_t len)
{
    const struct ratelimit_result *r = &job->result;

    if (job->status < 0) {
        snprintf(detail, len, "check=ratelimit: %s", job->err.msg);
        return POLICY_LIMIT_FAILED;
    }
    switch (r->status) {
    case RATELIMIT_PASS:
        return POLICY_LIMIT_PASS;
    case RATELIMIT_UNAVAILABLE:
        snprintf(detail, len, "check=ratelimit: %s", job->err.msg);
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
