/*
 * NAME
 *	alerts - tell an administrator that a limit was crossed
 * SYNOPSIS
 *	#include "alerts.h"
 * DESCRIPTION
 *	An alert is a short list of name=value fields (kind, limit, key,
 *	window, count, max, action, host, queue_id, sasl_user, ...; see
 *	vigiectl(8)). It goes, in the same form, to three places:
 *
 *	syslog	one line at warning level that starts with the fixed tag
 *		ALERT_TAG, then the fields as name=value (a value holding
 *		a blank, a quote, '=' or nothing is written in double
 *		quotes with \" and \\ escapes; control bytes become '?').
 *		"grep vigie-alert: /var/log/mail.log" finds every alert.
 *	Redis	an entry of the capped stream PREFIX alerts (XADD MAXLEN ~
 *		alert_stream_maxlen), read by "vigiectl alerts [-f]". A
 *		limit crossing is added by the rate-limit script itself, in
 *		the round trip that detected it (ratelimit.h); other alerts
 *		with alerts_stream_add().
 *	command	optionally alert_command, run with execve (never through a
 *		shell): the program's absolute path followed by arguments
 *		separated by blanks, without any quoting. It gets the fields
 *		as environment variables VIGIE_ALERT_<NAME> (NAME in upper
 *		case), PATH=/usr/sbin:/usr/bin:/sbin:/bin and nothing else,
 *		and the same fields as one JSON object (every value a
 *		string) on standard input; its standard output is
 *		discarded. It must finish within alert_timeout, or it is
 *		killed. A failure (cannot start, non-zero exit, signal,
 *		timeout) is logged with the first line of its standard
 *		error.
 *
 *	Deciding that an alert is due (once per key and window, not once
 *	per message) is the caller's job; see ratelimit.h.
 *
 *	Ownership: an alert borrows its names and values; they must live
 *	until the call that uses it returns. alerts_raise() copies what the
 *	command needs before returning.
 *
 *	Thread safety: every function may be called from any thread.
 */
#ifndef VIGIE_ALERTS_H
#define VIGIE_ALERTS_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "redisconn.h"

#define ALERT_TAG        "vigie-alert:"
#define ALERT_MAX_FIELDS 24
#define ALERT_MAX_ARGS   16     /* words of alert_command */
#define ALERT_STDERR_MAX 200    /* bytes of the command's stderr kept for the log */

/*
 * Settings (vigie.conf keys in parentheses):
 *	command		(alert_command) "" = none
 *	timeout_ms	(alert_timeout) default ALERT_DEFAULT_TIMEOUT_MS
 *	stream_maxlen	(alert_stream_maxlen) default ALERT_DEFAULT_STREAM_MAXLEN
 */
#define ALERT_DEFAULT_TIMEOUT_MS     10000u
#define ALERT_DEFAULT_STREAM_MAXLEN  10000ul

struct alert_settings {
    const char *command;        /* borrowed */
    unsigned timeout_ms;
    unsigned long stream_maxlen;
};

struct alert_field {
    const char *name;           /* [a-z_]+ */
    const char *value;
};

struct alert {
    struct alert_field fields[ALERT_MAX_FIELDS];
    size_t count;
};

/* alert_settings_default - the defaults above, no command */
void alert_settings_default(struct alert_settings *settings);

/* alert_init - an alert without fields */
void alert_init(struct alert *alert);

/*
 * alert_add - append a field (both strings borrowed)
 *	Returns 0, or -1 when the alert already has ALERT_MAX_FIELDS
 *	(a caller's bug: the field is not added).
 */
int alert_add(struct alert *alert, const char *name, const char *value);

/* alert_get - the value of the first field called name, or NULL */
const char *alert_get(const struct alert *alert, const char *name);

/*
 * alerts_format - the fields as "name=value ..." (quoting as above)
 *	into buf (size bytes, NUL-terminated, truncated if need be).
 */
void alerts_format(const struct alert *alert, char *buf, size_t size);

/*
 * alerts_json - the fields as one JSON object, values as strings
 *	Invalid UTF-8 bytes become U+FFFD. Returns a string the caller
 *	frees, or NULL when memory is short.
 */
char *alerts_json(const struct alert *alert) WARN_UNUSED;

/*
 * alerts_command_check - is command a usable alert_command?
 *	"" is (no command). 0, or -1 with err set: not an absolute path,
 *	too many words.
 */
int alerts_command_check(const char *command, struct vigie_error *err) WARN_UNUSED;

/*
 * alerts_command_run - run the command for alert and wait for it
 *	Returns 0 when it exited with status 0 within the timeout, or -1
 *	with err set (the child is then killed and reaped).
 */
int alerts_command_run(const struct alert_settings *settings, const struct alert *alert,
                       struct vigie_error *err) WARN_UNUSED;

/*
 * alerts_stream_add - XADD the alert to PREFIX alerts, capped
 *	Returns 0, or -1 with err set.
 */
int alerts_stream_add(struct redisconn *rc, const char *prefix, unsigned long maxlen,
                      const struct alert *alert, struct vigie_error *err) WARN_UNUSED;

/*
 * alerts_raise - log the alert (warning, ALERT_TAG) and start the
 *	command, if any, in a detached thread that logs its failure.
 *	Does not touch Redis. Never fails; a command that cannot be
 *	started is logged.
 */
void alerts_raise(const struct alert_settings *settings, const struct alert *alert);

#endif
