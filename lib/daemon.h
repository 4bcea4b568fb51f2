/*
 * NAME
 *	daemon - what every vigie daemon does around its protocol loop
 * SYNOPSIS
 *	#include "daemon.h"
 * DESCRIPTION
 *	vigie-milter and vigie-policyd share one start-up order: options
 *	(daemon_options), snapshot, logging (daemon_logging), run-as
 *	identity (daemon_identity), bind their socket, pid file
 *	(daemon_pid_file), drop privileges (daemon_become), signal
 *	handlers (daemon_signals), then serve while the main thread waits
 *	for signals (daemon_signal_next) and reloads on SIGHUP
 *	(daemon_reload). Each daemon keeps only its protocol.
 *
 *	Start-up errors go through daemon_fatal(), which also writes them
 *	on stderr when the log goes elsewhere, so that someone starting
 *	the daemon by hand sees why it did not start.
 *
 *	Threads: everything here is for the main thread, before the
 *	serving threads start, except daemon_signal_wake().
 */
#ifndef VIGIE_DAEMON_H
#define VIGIE_DAEMON_H

#include <signal.h>
#include <stdbool.h>
#include <sys/types.h>

#include "compiler.h"
#include "config.h"
#include "error.h"
#include "snapshot.h"

#define VIGIE_VERSION "0.1"

/* Command-line options common to the daemons. */
struct daemon_options {
    const char *name;               /* program name, for usage and logs */
    const char *config_path;
    const char *rules_override;     /* NULL: the config's rules_file */
    bool check_only;                /* -n */
};

/* Who the daemon becomes after binding its socket. */
struct daemon_identity {
    bool change;                    /* switch identity after binding */
    uid_t uid;
    gid_t gid;
};

/*
 * daemon_options - parse [-n] [-c vigie.conf] [-r vigie.rules] | -V | -h
 *	name: the program name (kept in opts). Exits for -V, -h (status
 *	0) and usage errors (status 2).
 */
void daemon_options(const char *name, int argc, char **argv, struct daemon_options *opts);

/*
 * daemon_logging - log where config says (ident: opts->name)
 *	When the log file cannot be opened, logs to stderr with a warning.
 *	Called again on reload.
 */
void daemon_logging(const char *ident, const struct vigie_config *config);

/* daemon_fatal - a start-up error: on stderr too, then msg_fatal */
void daemon_fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

/* daemon_warn_login_map - sender_login_check is on but no map is loaded */
void daemon_warn_login_map(const struct snapshot *s);

/*
 * daemon_identity - who to become after binding (config's user, group)
 *	An empty user keeps the current identity (tests). Returns 0, or
 *	-1 with err set: no such user or group, a user that is root, or a
 *	switch that needs root.
 */
int daemon_identity(const struct vigie_config *config, struct daemon_identity *who,
                    struct vigie_error *err) WARN_UNUSED;

/* daemon_pid_file - write our pid to path ("" = none); 0, or -1 with err set */
int daemon_pid_file(const char *path, struct vigie_error *err) WARN_UNUSED;

/*
 * daemon_become - switch to who for good (a no-op unless who->change)
 *	user: the name for initgroups. Returns 0, or -1 with err set.
 */
int daemon_become(const char *user, const struct daemon_identity *who,
                  struct vigie_error *err) WARN_UNUSED;

/*
 * daemon_signals - SIGHUP, SIGTERM and SIGINT to a self-pipe; SIGPIPE ignored
 *	The handlers only write the signal number to a pipe, read back
 *	by daemon_signal_next(). Threads started afterwards should block
 *	the three signals (daemon_block_signals), so that the main thread
 *	receives them. Returns 0, or -1 with err set.
 */
int daemon_signals(struct vigie_error *err) WARN_UNUSED;

/*
 * daemon_block_signals - block SIGHUP, SIGTERM and SIGINT in this thread
 *	old receives the previous mask (restore it with pthread_sigmask).
 */
void daemon_block_signals(sigset_t *old);

/*
 * daemon_signal_next - wait for the next signal
 *	Returns its number, or 0 when daemon_signal_wake() was called.
 *	Fatal when the pipe fails.
 */
int daemon_signal_next(void);

/* daemon_signal_wake - make daemon_signal_next return 0 (any thread) */
void daemon_signal_wake(void);

/* A daemon's SIGHUP handler: build, check and publish a new snapshot. */
typedef void daemon_reload_fn(const struct daemon_options *opts,
                              const struct vigie_config *running);

/*
 * daemon_wait_signals - the main thread's loop once the daemon serves
 *	SIGHUP calls reload (which logs its own outcome). Returns true on
 *	SIGTERM or SIGINT (logged), false when daemon_signal_wake() was
 *	called: the service stopped by itself.
 */
bool daemon_wait_signals(daemon_reload_fn *reload, const struct daemon_options *opts,
                         const struct vigie_config *running);

/* daemon_warn_if_changed - a setting that needs a restart was changed */
void daemon_warn_if_changed(const char *key, const char *running, const char *loaded);

/*
 * daemon_reload - SIGHUP: build a new snapshot, not yet published
 *	Logging follows the new configuration; the settings every daemon
 *	needs a restart for (socket_mode, user, group, pid_file) are
 *	compared with running, with a warning when changed. Returns the
 *	snapshot (the caller adds its own checks, then publishes it), or
 *	NULL when it cannot be built: the error is logged and the
 *	snapshot in force stays.
 */
struct snapshot *daemon_reload(const struct daemon_options *opts,
                               const struct vigie_config *running) WARN_UNUSED;

#endif
