/*
 * NAME
 *	limits_cmd - what vigiectl alerts, usage, top, lock, unlock and reset share
 * SYNOPSIS
 *	#include "limits_cmd.h"
 * DESCRIPTION
 *	limits_cmd_open reads vigie.conf and opens a connection as the
 *	daemons do (redis_conf.h: address or sentinels, password,
 *	timeouts); timeout_ms, when not 0, replaces redis_timeout (a
 *	blocking XREAD needs longer). It reads the rate-limit settings as
 *	the daemons do too (ratelimit_conf.h: alert_stream_maxlen, ...).
 *	The helpers print times and durations the same way in every
 *	command.
 */
#ifndef VIGIE_CTL_LIMITS_CMD_H
#define VIGIE_CTL_LIMITS_CMD_H

#include <stddef.h>
#include <time.h>

#include "config.h"
#include "ratelimit.h"
#include "redisconn.h"

struct limits_cmd {
    struct vigie_config *config;
    struct redisconn *rc;
    const char *prefix;         /* config->redis_prefix */
    struct ratelimit_settings settings;     /* from config (strings borrowed) */
};

/* limits_cmd_open - load config_path (NULL: the default) and connect lazily; 0 or -1 */
int limits_cmd_open(struct limits_cmd *lc, const char *config_path, unsigned timeout_ms,
                    struct vigie_error *err);

/* limits_cmd_close - free what limits_cmd_open built (also after a failed open) */
void limits_cmd_close(struct limits_cmd *lc);

/* limits_cmd_time - "YYYY-MM-DD HH:MM:SS" local time into buf */
void limits_cmd_time(time_t when, char *buf, size_t size);

/* limits_cmd_header - the title line of a table of counters */
void limits_cmd_header(void);

/* limits_cmd_row - one line of the table: window w of a counter */
void limits_cmd_row(const struct limit_usage *u, size_t w);

/* limits_cmd_fill - how full window w is, in percent (max 0: 100 when used) */
double limits_cmd_fill(const struct limit_usage *u, size_t w);

/* limits_cmd_admin - who runs vigiectl: $SUDO_USER, else the login name, else the uid */
const char *limits_cmd_admin(void);

#define LIMITS_CMD_COUNT_DEFAULT 20 /* lines shown by alerts and top */
#define LIMITS_CMD_COUNT_MAX 100000

/*
 * limits_cmd_count - the number of lines asked by "-n text": 0 with
 *	*count set, or -1 when text is not a whole number from min to
 *	LIMITS_CMD_COUNT_MAX
 */
int limits_cmd_count(const char *text, long min, long *count);

#endif
