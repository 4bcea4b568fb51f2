/*
 * NAME
 *	ratelimit_keys - names of the Redis keys of limits, locks and alerts
 * SYNOPSIS
 *	#include "ratelimit_keys.h"
 * DESCRIPTION
 *	Every key vigie's rate limiting stores is built here, so that the
 *	daemons, the Lua script and vigiectl agree on one layout (PREFIX
 *	is redis_prefix of vigie.conf, "vigie:" by default):
 *
 *	PREFIX rl: LIMIT : VALUE	hash: the counters of one limit for
 *					one key value (see ratelimit.h)
 *	PREFIX lock: USER		hash: a locked SASL user (locks.h)
 *	PREFIX alerts			stream: the alerts (alerts.h)
 *	PREFIX sig:d: USER		sorted set: recipient domains a SASL
 *					user sent to, by time
 *	PREFIX sig:a: USER		sorted set: client addresses a SASL
 *					user sent from, by time
 *
 *	A VALUE is the key value of a message (a SASL user, an address, a
 *	domain, a client address or network, or several of these joined
 *	by '|'), escaped: letters, digits and @ . _ + - = : / stand for
 *	themselves, every other byte is %XX (upper-case hex). An escaped
 *	value therefore holds no space, no control character, no '|' and
 *	no glob character: it is safe in a log line and in a SCAN
 *	pattern. Addresses, domains and SASL user names are folded to
 *	lower case (ASCII), so that "Alice" cannot escape the limits of
 *	"alice". A value longer than RLKEY_VALUE_MAX escaped bytes keeps
 *	its head and ends in "~" and a 64-bit FNV-1a digest of the whole.
 *
 *	Keys are built in a struct rlkey, a fixed buffer: a key that
 *	would not fit (only a redis_prefix of hundreds of bytes can cause
 *	that) sets overflow, and rlkey_done() reports it.
 *
 *	rlkey_scan() walks the keys that match a pattern, for vigiectl.
 */
#ifndef VIGIE_RATELIMIT_KEYS_H
#define VIGIE_RATELIMIT_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "redisconn.h"

#define RLKEY_MAX       1024    /* bytes of a key name, NUL included */
#define RLKEY_VALUE_MAX 400     /* escaped bytes of one value before the digest */

#define RLKEY_LIMIT   "rl:"
#define RLKEY_LOCK    "lock:"
#define RLKEY_ALERTS  "alerts"
#define RLKEY_SIG_DOMAINS "sig:d:"
#define RLKEY_SIG_ADDRS   "sig:a:"

struct rlkey {
    char text[RLKEY_MAX];       /* NUL-terminated */
    size_t len;
    bool overflow;
};

/* rlkey_start - key = prefix kind (e.g. RLKEY_LOCK) */
void rlkey_start(struct rlkey *key, const char *prefix, const char *kind);

/* rlkey_add_raw - append text as it is (names of limits, separators) */
void rlkey_add_raw(struct rlkey *key, const char *text);

/* rlkey_add_value - append value escaped; fold: to lower case first */
void rlkey_add_value(struct rlkey *key, const char *value, bool fold);

/* rlkey_done - 0, or -1 when the key overflowed (its text is then unusable) */
int rlkey_done(const struct rlkey *key) WARN_UNUSED;

/*
 * rlkey_glob - text with the glob characters of SCAN MATCH (* ? [ ] \)
 *	escaped by a backslash, into out (size bytes); -1 when it does
 *	not fit.
 */
int rlkey_glob(const char *text, char *out, size_t size) WARN_UNUSED;

/*
 * rlkey_scan - call fn(key, arg) for each key matching pattern (SCAN
 *	MATCH, so a key may come twice if the keyspace is resized
 *	meanwhile); fn returns 0 to go on, or -1 to stop with err set.
 *	Returns 0, or -1 with err set.
 */
int rlkey_scan(struct redisconn *rc, const char *pattern,
               int (*fn)(const char *key, void *arg, struct vigie_error *err), void *arg,
               struct vigie_error *err) WARN_UNUSED;

#endif
