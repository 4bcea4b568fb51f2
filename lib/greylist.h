/*
 * NAME
 *	greylist - greylisting of (client network, sender, recipient) triplets in Redis
 * SYNOPSIS
 *	#include "greylist.h"
 * DESCRIPTION
 *	The first delivery attempt of a triplet - the client's network
 *	(its /24 for IPv4, its /64 for IPv6, so that a sender's pool of
 *	outgoing hosts counts as one), the envelope sender, the recipient
 *	- is deferred. A real MTA retries: when it does after the delay
 *	and within the retry window, the triplet passes and is remembered
 *	for the expiry, renewed at each later pass. Spam software that
 *	never retries never gets through.
 *
 *	Auto-allow: each triplet that passes by retrying counts once for
 *	its client network; a network that has done so auto_allow times
 *	is no longer greylisted at all (for the expiry, renewed at each
 *	message), so that a regular correspondent's new triplets are not
 *	delayed.
 *
 *	Who is greylisted is the caller's decision: vigie-policyd never
 *	greylists authenticated or trusted clients (see vigie-policyd(8)).
 *
 *	KEYS (ratelimit_keys.h escaping; PREFIX is redis_prefix):
 *	PREFIX gl:t: NET|SENDER|RECIPIENT	hash: first (ms, when first
 *		seen), passed (ms, when it passed); expires after the retry
 *		window while waiting, after the expiry once passed
 *	PREFIX gl:c: NET	counter: triplets of NET that passed by
 *		retrying; expires after the expiry
 *	SENDER is "<>" for the null sender; addresses are folded to lower
 *	case. One Lua script call (one round trip) decides and updates
 *	atomically; time is Redis's clock (TIME), shared by every host.
 *
 *	Errors: Redis down or a script failure returns -1 with err set;
 *	the caller applies fail_policy. Nothing is logged here.
 *
 *	Thread safety: as the caller's redisconn (one per thread).
 */
#ifndef VIGIE_GREYLIST_H
#define VIGIE_GREYLIST_H

#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "netaddr.h"
#include "redisconn.h"

#define GREYLIST_KEY_TRIPLET "gl:t:"
#define GREYLIST_KEY_CLIENT  "gl:c:"
#define GREYLIST_NET4 24                /* prefix length of an IPv4 client network */
#define GREYLIST_NET6 64                /* prefix length of an IPv6 client network */
#define GREYLIST_NETWORK_MAX 64         /* bytes of "2001:db8:1:2::/64" and NUL */

/* Settings (vigie.conf keys in parentheses). */
struct greylist_settings {
    const char *prefix;                 /* (redis_prefix) borrowed */
    unsigned long delay;                /* (greylist_delay) seconds, >= 1 */
    unsigned long retry_window;         /* (greylist_retry_window) seconds, > delay */
    unsigned long expiry;               /* (greylist_expiry) seconds, >= 1 */
    unsigned auto_allow;                /* (greylist_auto_allow) passes; 0 = never */
};

enum greylist_status {
    GREYLIST_DEFER,             /* new triplet, or retried too early */
    GREYLIST_PASS,              /* the triplet passed before */
    GREYLIST_PASS_RETRY,        /* this retry makes the triplet pass */
    GREYLIST_PASS_CLIENT,       /* the client network is auto-allowed */
};

struct greylist_result {
    enum greylist_status status;
    unsigned long wait;                 /* DEFER: seconds until a retry passes */
    unsigned long passes;               /* PASS_RETRY, PASS_CLIENT: the network's count */
    char network[GREYLIST_NETWORK_MAX]; /* the client network, e.g. "192.0.2.0/24" */
};

/*
 * greylist_network - the client network of addr, e.g. "192.0.2.0/24",
 *	"2001:db8:1:2::/64", into buf (at least GREYLIST_NETWORK_MAX bytes).
 */
void greylist_network(const struct netaddr *addr, char *buf, size_t len);

/*
 * greylist_check - decide for one triplet and record the attempt (one round trip)
 *	sender: without <>, "" for the null sender. Returns 0 with *out
 *	filled, or -1 with err set (Redis failed, a key too long).
 */
int greylist_check(struct redisconn *rc, const struct greylist_settings *settings,
                   const struct netaddr *client, const char *sender, const char *recipient,
                   struct greylist_result *out, struct vigie_error *err) WARN_UNUSED;

/* greylist_status_name - "defer", "pass", "retry", "client" for logs */
const char *greylist_status_name(enum greylist_status status);

#endif
