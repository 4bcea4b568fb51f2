/*
 * NAME
 *	rules_limits - the "limit" statements of vigie.rules, applied to a message
 * SYNOPSIS
 *	#include "rules_limits.h"
 * DESCRIPTION
 *	vigie.rules declares rate limits next to its rules (grammar in
 *	rules_limits.c and vigie.rules(5)):
 *
 *	limit NAME
 *	    key PART [, PART]...	sasl_user sender sender_domain
 *					client_addr client_net [N4 [N6]]
 *	    count messages|recipients|bytes|domains
 *	    max N per DURATION [, N per DURATION]...
 *	    tier NAME if EXPR max N per DURATION [, ...]
 *	    if EXPR
 *	    except EXPR
 *	    action ACTION | action lock [for DURATION]
 *
 *	set signal_window DURATION|off	window of the facts
 *					sasl_rcpt_domains, sasl_client_addrs
 *
 *	For one message, rules_limits_resolve() keeps the limits whose
 *	"if" holds and whose "except" does not, each with its first tier
 *	whose condition holds (else its own maxima); ratelimit_check()
 *	does the rest. rules_limits_check() is both, for the daemons:
 *	called at end of message (recipients and size known), before
 *	rules_evaluate(), so that the signals it returns can be copied
 *	into the facts (sasl_rcpt_domains, sasl_client_addrs) that the
 *	rules then see.
 *
 *	The limits belong to the ruleset: a result must not outlive it.
 */
#ifndef VIGIE_RULES_LIMITS_H
#define VIGIE_RULES_LIMITS_H

#include <stddef.h>

#include "compiler.h"
#include "facts.h"
#include "ratelimit.h"
#include "rules.h"

#define RULES_MAX_TIERS 16              /* tiers of one limit */
#define RULES_SIGNAL_WINDOW 3600ul      /* default signal_window, seconds */

/*
 * rules_limits_resolve - the limits of rules that apply to facts
 *	Fills apply[] (room for RATELIMIT_MAX_APPLY) and *count. Returns
 *	0, or -1 when memory ran short while evaluating a condition.
 */
int rules_limits_resolve(const struct ruleset *rules, const struct message_facts *facts,
                         struct limit_apply *apply, size_t *count) WARN_UNUSED;

/* rules_limit_count - how many limit statements rules has */
size_t rules_limit_count(const struct ruleset *rules);

/* rules_signal_window - signal_window in seconds; 0 when off */
unsigned long rules_signal_window(const struct ruleset *rules);

/*
 * rules_limits_check - resolve, then ratelimit_check (one round trip)
 *	Returns as ratelimit_check; -1 also when resolving ran out of
 *	memory.
 */
int rules_limits_check(struct ratelimit_engine *engine, struct redisconn *rc,
                       const struct ruleset *rules, const struct message_facts *facts,
                       const char *queue_id, struct ratelimit_result *result,
                       struct vigie_error *err) WARN_UNUSED;

#endif
