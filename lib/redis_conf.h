/*
 * NAME
 *	redis_conf - the Redis connection that vigie.conf describes
 * SYNOPSIS
 *	#include "redis_conf.h"
 * DESCRIPTION
 *	Every program of vigie reaches Redis the same way: the daemons'
 *	threads, vigiectl's commands. redis_conf_connect is the one
 *	mapping from the redis_* keys of vigie.conf to a redisconn:
 *	redis_address, or the master that the redis_sentinels know as
 *	redis_sentinel_master when redis_sentinels is set (redisconn.h
 *	then follows a fail-over); redis_password; redis_connect_timeout
 *	and redis_timeout.
 *
 *	redis_conf_same tells whether two configurations lead to the same
 *	connection, so that a daemon keeps its connections across a
 *	reload that did not change them.
 */
#ifndef VIGIE_REDIS_CONF_H
#define VIGIE_REDIS_CONF_H

#include <stdbool.h>

#include "compiler.h"
#include "config.h"
#include "error.h"
#include "redisconn.h"

/*
 * redis_conf_connect - a connection as config says; no I/O (it
 *	connects on first use). timeout_ms, when not 0, replaces
 *	redis_timeout (a blocking read needs longer). Nothing of config
 *	is kept. Returns a redisconn the caller frees, or NULL with err
 *	set (memory; a malformed address, which config_load refuses).
 */
struct redisconn *redis_conf_connect(const struct vigie_config *config, unsigned timeout_ms,
                                     struct vigie_error *err) WARN_UNUSED;

/* redis_conf_same - do a and b give the same connection? */
bool redis_conf_same(const struct vigie_config *a, const struct vigie_config *b);

#endif
