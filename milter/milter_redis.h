/*
 * NAME
 *	milter_redis - each libmilter worker thread's Redis connection
 * SYNOPSIS
 *	#include "milter_redis.h"
 * DESCRIPTION
 *	libmilter runs any connection's callbacks on any thread of its
 *	pool, and a redisconn must never be shared between threads
 *	(redisconn.h). So each worker thread gets its own connection,
 *	kept with a pthread key and freed when the thread ends. It is made
 *	on the thread's first request, from the Redis settings of the
 *	snapshot the requesting SMTP connection holds, and made anew when
 *	a request brings other settings (a reload changed them). Between
 *	those, redisconn reconnects by itself after a failure, at most
 *	once per REDISCONN_RETRY_MS while Redis is down.
 *
 *	What a caller builds on a thread's connection (a Bayes store, for
 *	instance) must be rebuilt when the connection is replaced: each
 *	connection has a generation number, unique in the process, that
 *	milter_redis_get returns.
 *
 *	Outages: milter_redis_failed and milter_redis_ok keep, across all
 *	threads, whether Redis answers, so that an outage is logged once
 *	when it starts (a warning, with what fail_policy does meanwhile)
 *	and once when it ends, not once per message. Each message's own
 *	log line says what was skipped.
 */
#ifndef VIGIE_MILTER_REDIS_H
#define VIGIE_MILTER_REDIS_H

#include "compiler.h"
#include "config.h"
#include "error.h"
#include "redisconn.h"

/*
 * milter_redis_get - this thread's connection, for config's settings
 *	Sets *generation to the connection's generation. Returns the
 *	connection (owned by the thread: never free it, never keep it
 *	past the current callback), or NULL with err set when memory is
 *	short or the settings are unusable.
 */
struct redisconn *milter_redis_get(const struct vigie_config *config,
                                   unsigned long *generation, struct vigie_error *err) WARN_UNUSED;

/*
 * milter_redis_failed - a request failed for want of Redis
 *	The first failure of an outage logs a warning with err's text;
 *	later ones log nothing. queue_id is for that warning.
 */
void milter_redis_failed(const struct vigie_config *config, const char *queue_id,
                         const struct vigie_error *err);

/* milter_redis_ok - a request succeeded; ends an outage (one info line) */
void milter_redis_ok(const char *queue_id);

#endif
