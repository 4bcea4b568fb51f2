/*
 * NAME
 *	redis_sentinel - where the Redis master is, asked of Redis Sentinels
 * SYNOPSIS
 *	#include "redis_sentinel.h"
 * DESCRIPTION
 *	With Redis Sentinel (Debian's redis-sentinel), vigie is given the
 *	addresses of the sentinels and the name of the master they watch
 *	instead of one Redis address. sentinel_master() asks the sentinels
 *	in turn (SENTINEL get-master-addr-by-name) for the master's
 *	address; the first that answers is asked first the next time. A
 *	connection made to that address must then be checked with ROLE
 *	(redisconn does it): during a fail-over a sentinel may still name
 *	the old master.
 *
 *	Addresses are "host:port" or "[ipv6]:port", separated by commas
 *	and/or blanks. Sentinels are asked without a password.
 *
 *	Thread safety: none; a sentinel set belongs to one redisconn.
 */
#ifndef VIGIE_REDIS_SENTINEL_H
#define VIGIE_REDIS_SENTINEL_H

#include "compiler.h"
#include "error.h"

#define SENTINEL_MAX 16         /* sentinels in one set */

struct sentinel_set;

/*
 * sentinel_set_new - parse the sentinels' addresses; no I/O
 *	Timeouts in ms apply to each sentinel asked. Returns NULL with err
 *	set when an address is malformed, there are none or too many, the
 *	master name is empty, or memory is short.
 */
struct sentinel_set *sentinel_set_new(const char *addresses, const char *master,
                                      unsigned connect_timeout_ms, unsigned timeout_ms,
                                      struct vigie_error *err) WARN_UNUSED;

/* sentinel_set_free - NULL is allowed */
void sentinel_set_free(struct sentinel_set *set);

/* sentinel_set_name - the master's name, for messages */
const char *sentinel_set_name(const struct sentinel_set *set);

/*
 * sentinel_master - the master's address, as a sentinel knows it
 *	Fills host (size bytes) and *port. Returns 0, or -1 with err set
 *	when no sentinel answered with an address.
 */
int sentinel_master(struct sentinel_set *set, char *host, size_t size, int *port,
                    struct vigie_error *err) WARN_UNUSED;

#endif
