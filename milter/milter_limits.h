/*
 * NAME
 *	milter_limits - rate limits and account locks in vigie-milter
 * SYNOPSIS
 *	#include "milter_limits.h"
 * DESCRIPTION
 *	Glue between the callbacks and lib/ratelimit.c, through the
 *	engine of the connection's snapshot and the worker thread's Redis
 *	connection (milter_redis.h).
 *
 *	At MAIL FROM, milter_limits_mail refuses the mail of a locked
 *	SASL account with lock_reply (one Redis read; none for a client
 *	that did not authenticate). When Redis does not answer, the mail
 *	goes on: the lock is checked again at end of message, where
 *	fail_policy applies.
 *
 *	At end of message, before the rules, milter_limits_eom checks and
 *	counts the message against every limit of the rules that applies
 *	to it (one Redis round trip: rules_limits.h) and gives the rules
 *	the signals of the SASL user (sasl_rcpt_domains,
 *	sasl_client_addrs). After the rules, milter_limits_verdict makes
 *	the limit's action the verdict's when it is stronger: a limit
 *	whose action is accept only raises its alert. When Redis is down
 *	or slow the limits are skipped, or the message is tempfailed
 *	(451 4.3.0) under fail_policy = tempfail; the engine warns once
 *	per outage, not once per message.
 *
 *	With ratelimit_counter = policyd, vigie-policyd counts and the
 *	milter only enforces locks (at MAIL FROM), so that nothing is
 *	counted twice.
 *
 *	Log fields (milter_limits_log), in the message's summary line:
 *	    limit=NAME key=KEY window=10m count=N max=M [locked=yes]
 *				a limit was crossed (the strongest one)
 *	    limits=locked	the account is locked
 *	    limits=unavailable	Redis failed, or memory ran short
 *	and nothing when every limit passed.
 */
#ifndef VIGIE_MILTER_LIMITS_H
#define VIGIE_MILTER_LIMITS_H

#include <stdbool.h>
#include <stddef.h>

#include "facts.h"
#include "milter.h"
#include "ratelimit.h"
#include "rules.h"

/* What the limits concluded about one message. */
struct milter_limits {
    bool failed;                /* not checked: Redis or memory; fail_policy applies */
    struct ratelimit_result result;     /* valid unless failed */
};

/*
 * milter_limits_mail - refuse the mail of a locked account
 *	Call once the SASL user and the sender are known. Returns
 *	SMFIS_CONTINUE, or SMFIS_REJECT or SMFIS_TEMPFAIL (as lock_reply
 *	says) with the reply set and the refusal logged.
 */
sfsistat milter_limits_mail(SMFICTX *ctx, const struct milter_conn *conn);

/*
 * milter_limits_eom - check and count the message, before the rules
 *	facts: the message's; the SASL user's signals are written into
 *	it. Fills *out. Never fails: a problem sets out->failed (and is
 *	logged when it is not a Redis outage, which the engine logs once).
 */
void milter_limits_eom(const struct milter_conn *conn, struct message_facts *facts,
                       struct milter_limits *out);

/*
 * milter_limits_verdict - the limits' action, when stronger, becomes
 *	the verdict's: a crossed limit's or the lock reply; under
 *	fail_policy = tempfail, a tempfail when the limits could not be
 *	checked. The verdict's strings then point into the snapshot.
 */
void milter_limits_verdict(const struct milter_limits *limits, const struct milter_conn *conn,
                           struct verdict *verdict);

/*
 * milter_limits_log - the log fields above, with a leading space, or
 *	"" into buf (size bytes). Returns buf.
 */
const char *milter_limits_log(const struct milter_limits *limits, char *buf, size_t size);

#endif
