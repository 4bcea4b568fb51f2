/*
 * NAME
 *	ratelimit_conf - the rate-limit and alert settings of vigie.conf
 * SYNOPSIS
 *	#include "ratelimit_conf.h"
 * DESCRIPTION
 *	The daemons count and alert, vigiectl locks and records: both must
 *	read vigie.conf alike. ratelimit_conf_settings is the one mapping
 *	from its keys to the engine's settings (ratelimit.h):
 *	    prefix	redis_prefix
 *	    host	authserv_id (the mail host named in alerts)
 *	    alerts	alert_command, alert_timeout, alert_stream_maxlen
 *	    lock_reply	lock_reply: a 4XX code makes it a tempfail, a
 *			5XX a reject
 *
 *	The settings borrow config's strings: config must outlive them
 *	and any engine built on them (a snapshot holds both).
 */
#ifndef VIGIE_RATELIMIT_CONF_H
#define VIGIE_RATELIMIT_CONF_H

#include "config.h"
#include "ratelimit.h"

/* ratelimit_conf_settings - the engine's settings from config (strings borrowed) */
void ratelimit_conf_settings(const struct vigie_config *config,
                             struct ratelimit_settings *settings);

#endif
