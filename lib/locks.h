/*
 * NAME
 *	locks - SASL accounts locked out of sending, kept in Redis
 * SYNOPSIS
 *	#include "locks.h"
 * DESCRIPTION
 *	A locked account may not send: every message from that SASL user
 *	is refused (vigie-milter checks at MAIL FROM, and the rate-limit
 *	script at end of message) until an administrator runs "vigiectl
 *	unlock USER" or the lock's optional expiry passes.
 *
 *	A lock is the hash PREFIX lock: USER (ratelimit_keys.h; USER
 *	escaped and in lower case) with the fields
 *	    by		who locked: a limit's name, or "vigiectl"
 *	    reason	free text
 *	    since	when, in seconds since the epoch
 *	    until	when it ends (0: never); Redis expires the key then
 *	The rate-limit script (ratelimit_lua.h) writes the same fields
 *	when a limit whose action is "lock" is crossed.
 *
 *	Every function is one or a few Redis commands on the caller's
 *	connection; errors are returned with err set, never logged.
 */
#ifndef VIGIE_LOCKS_H
#define VIGIE_LOCKS_H

#include <stdbool.h>

#include "compiler.h"
#include "error.h"
#include "redisconn.h"

struct lock_info {
    bool locked;
    char by[128];
    char reason[256];
    long long since;            /* seconds since the epoch */
    long long until;            /* 0: no expiry */
};

/*
 * locks_get - is user locked? (one HGETALL)
 *	Returns 0 with *info filled (info->locked false when not), or -1
 *	with err set when Redis fails or the key is too long.
 */
int locks_get(struct redisconn *rc, const char *prefix, const char *user,
              struct lock_info *info, struct vigie_error *err) WARN_UNUSED;

/*
 * locks_set - lock user for seconds (0: until unlocked)
 *	Replaces any lock user had. Returns 0, or -1 with err set.
 */
int locks_set(struct redisconn *rc, const char *prefix, const char *user,
              unsigned long seconds, const char *by, const char *reason,
              struct vigie_error *err) WARN_UNUSED;

/*
 * locks_clear - unlock user
 *	Returns 1 when it was locked, 0 when it was not, -1 with err set.
 */
int locks_clear(struct redisconn *rc, const char *prefix, const char *user,
                struct vigie_error *err) WARN_UNUSED;

/*
 * locks_list - call fn for every lock (SCAN; the user as stored, escaped)
 *	Returns the number of locks, or -1 with err set.
 */
int locks_list(struct redisconn *rc, const char *prefix,
               void (*fn)(const char *user, const struct lock_info *info, void *arg),
               void *arg, struct vigie_error *err) WARN_UNUSED;

#endif
