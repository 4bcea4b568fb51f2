/*
 * NAME
 *	ratelimit - sending limits shared through Redis, one round trip a message
 * SYNOPSIS
 *	#include "ratelimit.h"
 * DESCRIPTION
 *	A limit (struct limit_def, declared by "limit" statements of
 *	vigie.rules, see rules_limits.h) counts, per key value, messages,
 *	recipients, bytes or distinct recipient domains over one or more
 *	windows ("100 per 10m, 500 per 1d"). The key is the SASL user,
 *	the envelope sender, its domain, the client address or network,
 *	or several of these together. A tier is another set of maxima for
 *	some key values (a bulk sender). A message crossing a limit gets
 *	the limit's action; "lock" also locks the SASL account (locks.h).
 *
 *	ratelimit_check() takes the limits that apply to one message
 *	(already chosen, with their tier) and runs ONE Lua script call
 *	(EVALSHA, loaded once with SCRIPT LOAD and again after NOSCRIPT;
 *	see redisconn.h) that, atomically:
 *	- refuses at once when the SASL user is locked;
 *	- updates the signals of the SASL user (distinct recipient domains
 *	  and client addresses over a window) and returns them;
 *	- reads every limit; when the message fits in every window of
 *	  every limit, counts it in all of them; otherwise counts it in
 *	  none, raises the alerts that are due and sets the lock of a
 *	  "lock" limit.
 *	All or nothing: a refused message consumes no quota.
 *
 *	ALGORITHM: sliding window of RATELIMIT_BUCKETS buckets. For a
 *	window of W ms, time is cut into buckets of g = ceil(W / B) ms
 *	(B = RATELIMIT_BUCKETS); a message adds its weight (1, its
 *	recipients or its bytes) to the bucket of the present moment, and
 *	the window's count is the sum of the present bucket and the B
 *	before it. A unit counted at time t is thus counted at every
 *	moment before t + W and never at or after t + (B + 1) g.
 *	Error bound: the limit is never exceeded: in ANY interval of
 *	length W at most max units are admitted; the price is that a unit
 *	may keep counting up to g (<= W / B + 1 ms) longer than W: with
 *	B = 30, 20 s too long in a 10 min window, 48 min in a day.
 *	Distinct recipient domains are exact: each domain is stored with
 *	the time it was last admitted, and the count is the number of
 *	domains seen within W (a domain already counted adds nothing).
 *	Time is Redis's clock (TIME), so the mail hosts sharing one Redis
 *	need not agree on the time.
 *
 *	EXACTNESS: a script runs alone in Redis, so two messages for one
 *	key, from any number of threads, processes or hosts, are counted
 *	one after the other: the number admitted never exceeds max.
 *
 *	KEYS (ratelimit_keys.h), each with a time to live:
 *	PREFIX rl: LIMIT : VALUE  hash per limit and key value, fields
 *	    b<W>:<i>	units in bucket i of the window of W ms
 *	    s<W>	the sum of the buckets of that window still counted
 *	    o<W>	the oldest bucket index that sum may hold
 *	    d:<domain>	when the domain was last admitted (ms)
 *	    m<W>	max of the window (what vigiectl usage/top show)
 *	    a<W>	no new alert for this window before this time (ms)
 *	    t, k	the tier applied and the kind counted (m r b d)
 *	    w		the kind and the windows last counted ("r 600000 86400000")
 *	  A check reads s, o and the present bucket of each window, and
 *	  the buckets that fell out of the window since the last message
 *	  (subtracted from s and deleted when the message is counted): its
 *	  cost does not grow with the buckets held. The fields of a window
 *	  the limit no longer has (w changed) are deleted when the hash is
 *	  next written; the hash expires one bucket and 1 s after its
 *	  longest window (every write renews that), so nothing outlives
 *	  its use.
 *	PREFIX sig:d: USER, sig:a: USER  sorted sets of the signals,
 *	  trimmed to the signal window and to RATELIMIT_SIGNAL_CAP members
 *	  (the newest), expiring after the window.
 *	PREFIX lock: USER (locks.h), PREFIX alerts (alerts.h).
 *
 *	ALERTS: one per key value, limit and window: the script adds the
 *	stream entry and marks the window (a<W>) for W; the alert's
 *	fields come back in the reply, and ratelimit_check() logs them
 *	and runs alert_command (alerts_raise). The fields: kind=limit,
 *	limit, key (escaped value), tier, window (seconds), count (in the
 *	window before the message), adds (what the message would have
 *	added), max, action, time, then host, queue_id, sasl_user,
 *	sender, client_addr.
 *
 *	REDIS DOWN OR SLOW: ratelimit_check() reports
 *	RATELIMIT_UNAVAILABLE and the caller applies fail_policy (skip
 *	the limits, or tempfail). The engine logs one warning and raises
 *	one alert (kind=redis state=down) per outage, not per message;
 *	when Redis answers again it logs that, raises kind=redis state=up
 *	with the outage's length, and adds that alert to the stream.
 *	redisconn reconnects by itself and reloads the script after a
 *	restart (NOSCRIPT): no restart of vigie is needed.
 *
 *	Ownership: a limit_def and its strings belong to the ruleset that
 *	declared it; a result points into the limits and the settings and
 *	must not outlive them. The engine copies nothing from its
 *	settings: they must outlive it (keep both in one snapshot).
 *
 *	Thread safety: an engine is shared by every thread (its outage
 *	state is atomic); each thread brings its own redisconn.
 */
#ifndef VIGIE_RATELIMIT_H
#define VIGIE_RATELIMIT_H

#include <stdbool.h>
#include <stddef.h>

#include "alerts.h"
#include "compiler.h"
#include "error.h"
#include "facts.h"
#include "ratelimit_keys.h"
#include "redisconn.h"
#include "rules.h"

#define RATELIMIT_BUCKETS     30        /* buckets of a window: the error bound */
#define RATELIMIT_MAX_WINDOWS 4         /* "max N per W" pairs of one limit or tier */
#define RATELIMIT_MAX_KEY_PARTS 4       /* facts joined into one key */
#define RATELIMIT_MAX_APPLY   32        /* limits that may apply to one message */
#define RATELIMIT_MAX_WINDOW  (366ul * 86400)   /* seconds */
#define RATELIMIT_SIGNAL_CAP  1000      /* members kept per signal set */
#define RATELIMIT_NET4        24        /* default prefix of client_net, IPv4 */
#define RATELIMIT_NET6        64        /* default prefix of client_net, IPv6 */

/* What a key is made of. */
enum limit_key_part {
    LIMIT_KEY_SASL_USER,
    LIMIT_KEY_SENDER,
    LIMIT_KEY_SENDER_DOMAIN,
    LIMIT_KEY_CLIENT_ADDR,
    LIMIT_KEY_CLIENT_NET,       /* the client address masked to net4/net6 bits */
};

/* What a limit counts. */
enum limit_count {
    LIMIT_COUNT_MESSAGES,
    LIMIT_COUNT_RECIPIENTS,
    LIMIT_COUNT_BYTES,
    LIMIT_COUNT_DOMAINS,        /* distinct recipient domains */
};

struct limit_window {
    unsigned long seconds;      /* 1 .. RATELIMIT_MAX_WINDOW */
    unsigned long long max;
};

/* A set of maxima: a limit's own ("default"), or a tier's. */
struct limit_tier {
    const char *name;
    struct limit_window windows[RATELIMIT_MAX_WINDOWS];
    size_t window_count;        /* 1 .. RATELIMIT_MAX_WINDOWS */
};

struct limit_def {
    const char *name;           /* [A-Za-z_][A-Za-z0-9_.-]*: no ':' */
    enum limit_key_part key[RATELIMIT_MAX_KEY_PARTS];
    size_t key_count;           /* 1 .. RATELIMIT_MAX_KEY_PARTS */
    unsigned net4, net6;        /* LIMIT_KEY_CLIENT_NET prefix lengths */
    enum limit_count count;
    struct limit_tier base;     /* name "default" */
    struct action action;       /* what crossing does (not for lock) */
    bool lock;                  /* crossing locks the SASL user */
    unsigned long lock_seconds; /* 0: until unlocked */
};

/* A limit that applies to one message, with the tier chosen for it. */
struct limit_apply {
    const struct limit_def *limit;
    const struct limit_tier *tier;  /* &limit->base or one of its tiers */
};

/*
 * Settings (vigie.conf keys in parentheses, read by ratelimit_conf.h;
 * the same defaults from ratelimit_settings_default):
 *	prefix		(redis_prefix) "vigie:"
 *	host		(authserv_id) this mail host in alerts (gethostname)
 *	alerts		see alerts.h
 *	lock_reply	(lock_reply) reply to a locked account's mail:
 *			reject 550 5.7.1 "Account locked: contact your
 *			mail administrator"
 */
struct ratelimit_settings {
    const char *prefix;
    const char *host;
    struct alert_settings alerts;
    struct action lock_reply;
};

/* What is checked for one message. Everything is borrowed. */
struct ratelimit_request {
    const struct message_facts *facts;
    const char *queue_id;       /* "" when not known yet */
    const struct limit_apply *limits;
    size_t limit_count;         /* 0 .. RATELIMIT_MAX_APPLY */
    unsigned long signal_seconds;   /* window of the signals; 0: none */
};

enum ratelimit_status {
    RATELIMIT_PASS,             /* within every limit; counted */
    RATELIMIT_OVER,             /* a limit is crossed: result.action */
    RATELIMIT_LOCKED,           /* the SASL user is locked: result.action */
    RATELIMIT_UNAVAILABLE,      /* Redis failed: apply fail_policy */
};

struct ratelimit_result {
    enum ratelimit_status status;
    struct action action;       /* OVER, LOCKED: the reply to give */
    /* OVER: the crossed limit with the strongest action, and where */
    const struct limit_def *limit;
    const struct limit_tier *tier;
    unsigned long window;       /* seconds */
    unsigned long long count;   /* in that window, before this message */
    unsigned long long max;
    char key[RLKEY_MAX];        /* its key value, escaped (log-safe) */
    size_t over_count;          /* limits crossed */
    bool locked_now;            /* this message's crossing locked the account */
    /* signals of the SASL user, for the facts of the same names; 0: not tracked */
    unsigned long signal_domains;       /* sasl_rcpt_domains */
    unsigned long signal_addrs;         /* sasl_client_addrs */
};

/* What vigiectl reads back from one counter hash (ratelimit_usage.c). */
struct limit_usage {
    const char *limit;          /* the limit's name */
    const char *key;            /* its key value, escaped */
    const char *tier;           /* the tier last applied */
    enum limit_count count;
    struct {
        unsigned long seconds;
        unsigned long long count;   /* now in the window */
        unsigned long long max;
    } windows[RATELIMIT_MAX_WINDOWS];
    size_t window_count;        /* sorted by length */
};

struct ratelimit_engine;

/* The script (ratelimit_lua.h), shared by ratelimit.c and ratelimit_usage.c. */
extern const struct redis_script ratelimit_script;

/* ratelimit_settings_default - the documented defaults; host from gethostname */
void ratelimit_settings_default(struct ratelimit_settings *settings);

/*
 * ratelimit_engine_new - an engine using settings (borrowed)
 *	Returns NULL with err set when memory is short.
 */
struct ratelimit_engine *ratelimit_engine_new(const struct ratelimit_settings *settings,
                                              struct vigie_error *err) WARN_UNUSED;

/* ratelimit_engine_free - NULL is allowed */
void ratelimit_engine_free(struct ratelimit_engine *engine);

/*
 * ratelimit_check - check and count one message (one round trip)
 *	Returns 0 with *result filled: PASS, OVER, LOCKED, or UNAVAILABLE
 *	(then err says why; the engine has logged the outage once). Returns
 *	-1 with err set on the caller's error or memory shortage (too many
 *	limits, a key too long); the caller logs it and applies
 *	fail_policy. With no limit and no signal, no Redis call is made.
 *	The crossings' alerts are raised before it returns.
 */
int ratelimit_check(struct ratelimit_engine *engine, struct redisconn *rc,
                    const struct ratelimit_request *request,
                    struct ratelimit_result *result, struct vigie_error *err) WARN_UNUSED;

/* One check of a batch (ratelimit_check_batch). */
struct ratelimit_job {
    const struct ratelimit_request *request;    /* in: borrowed until the batch returns */
    int status;                 /* out: what ratelimit_check returns */
    struct ratelimit_result result;             /* out */
    struct vigie_error err;     /* out: why, when status < 0 or result UNAVAILABLE */
};

/*
 * ratelimit_check_batch - ratelimit_check for each of n jobs, in one call
 *	One script call checks the messages one after the other, in the
 *	order of jobs[], each as ratelimit_check would (all of them are
 *	atomic together): one round trip for vigie-policyd's requests that
 *	arrive together, and the script's fixed cost paid once. When Redis
 *	fails, every job sent is UNAVAILABLE; a job that cannot be built
 *	(too many limits, a key too long) fails alone, with status -1.
 */
void ratelimit_check_batch(struct ratelimit_engine *engine, struct redisconn *rc,
                           struct ratelimit_job *jobs, size_t n);

/*
 * ratelimit_lock_check - is this SASL user locked? (one HGETALL)
 *	For MAIL FROM time. Returns 0 with result->status LOCKED (and the
 *	lock reply) or PASS, or UNAVAILABLE as ratelimit_check. An empty
 *	user is never locked and costs no round trip.
 */
int ratelimit_lock_check(struct ratelimit_engine *engine, struct redisconn *rc,
                         const char *sasl_user, struct ratelimit_result *result,
                         struct vigie_error *err) WARN_UNUSED;

/*
 * ratelimit_key_value - the key value of limit for facts, escaped
 *	Appends to key. Returns 0, 1 when the limit does not apply (a part
 *	is empty: no SASL user, the null sender, an unknown client
 *	address), or -1 when the key overflowed.
 */
int ratelimit_key_value(const struct limit_def *limit, const struct message_facts *facts,
                        struct rlkey *key) WARN_UNUSED;

/*
 * ratelimit_duration_parse - "90s", "10m", "2h", "1d", "1w" to seconds
 *	A whole number and one unit; 1 s to RATELIMIT_MAX_WINDOW. Returns
 *	0, or -1 when text is no such duration.
 */
int ratelimit_duration_parse(const char *text, unsigned long *seconds) WARN_UNUSED;

/* ratelimit_duration_format - seconds in the largest exact unit: "10m", "1d", "90s" */
void ratelimit_duration_format(unsigned long seconds, char *buf, size_t size);

/*
 * ratelimit_usage_scan - the counters of every limit for one key value
 *	value: a key value as written (escaped and folded here): counters
 *	whose key is value, or starts with value and '|'; NULL: all
 *	counters. fn gets each (its strings valid during the call only)
 *	and returns 0 to go on or -1 to stop with err set. Counters whose
 *	windows have all emptied are skipped. Returns 0, or -1 with err
 *	set.
 */
int ratelimit_usage_scan(struct redisconn *rc, const char *prefix, const char *value,
                         int (*fn)(const struct limit_usage *usage, void *arg,
                                   struct vigie_error *err),
                         void *arg, struct vigie_error *err) WARN_UNUSED;

/*
 * ratelimit_reset - delete the counters of value, as ratelimit_usage_scan
 *	finds them, of limit only (NULL: of every limit); their alert
 *	marks go with them. Returns how many, or -1 with err set.
 */
int ratelimit_reset(struct redisconn *rc, const char *prefix, const char *value,
                    const char *limit, struct vigie_error *err) WARN_UNUSED;

/* limit_count_name - "messages", "recipients", "bytes", "domains" */
const char *limit_count_name(enum limit_count count);

/* limit_key_part_name - "sasl_user", "sender", ... as written in vigie.rules */
const char *limit_key_part_name(enum limit_key_part part);

#endif
