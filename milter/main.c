/*
 * NAME
 *	vigie-milter - the vigie milter daemon
 * SYNOPSIS
 *	vigie-milter [-n] [-c vigie.conf] [-r vigie.rules]
 *	vigie-milter -V | -h
 * DESCRIPTION
 *	One fixed start-up order, each step fatal on error:
 *	options -> snapshot (config, rules, login map, SPF/DKIM/DMARC
 *	data) -> logging (libspf2's messages too) -> smfi_register ->
 *	smfi_setconn -> smfi_opensocket (mode from socket_mode, owner the
 *	run-as user) -> pid file -> drop privileges -> signal handlers ->
 *	smfi_main in its own thread.
 *	The daemon stays in the foreground (systemd Type=simple). The steps
 *	shared with vigie-policyd live in lib/daemon.c.
 *
 *	The main thread then waits on a self-pipe fed by the signal
 *	handlers: SIGHUP builds a new snapshot and publishes it (on error
 *	the old one stays in force and the error is logged); SIGTERM and
 *	SIGINT stop libmilter and end the process.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "milter.h"
#include "sockdir.h"
#include "spf.h"

/* unix_socket_path - the file of a "unix:/path" socket, or NULL for inet */
static const char *unix_socket_path(const char *conn)
{
    return strncmp(conn, "unix:", 5) == 0 ? conn + 5 : NULL;
}

/*
 * open_socket - bind the milter socket
 *	A unix socket is created with socket_mode (never writable by
 *	others) through the umask, then given to the run-as user.
 */
static void open_socket(const struct vigie_config *config, const struct daemon_identity *who)
{
    const char *path = unix_socket_path(config->milter_socket);
    struct vigie_error err;
    mode_t old_mask;
    int status;

    if (smfi_setconn(config->milter_socket) == MI_FAILURE)
        daemon_fatal("%s: milter_socket %s: not a valid milter socket", config->path,
                     config->milter_socket);
    if (path != NULL && sockdir_prepare(path, who->change, who->uid, who->gid, &err) < 0)
        daemon_fatal("%s", err.msg);
    old_mask = umask((mode_t)((0777 & ~config->socket_mode) | 0002));
    errno = 0;
    status = smfi_opensocket(true);
    umask(old_mask);
    if (status == MI_FAILURE)
        daemon_fatal("cannot open milter socket %s: %s", config->milter_socket,
                     errno ? strerror(errno) : "see libmilter's message above");
    if (path != NULL && who->change && chown(path, who->uid, who->gid) < 0)
        daemon_fatal("cannot chown %s: %s", path, strerror(errno));
}

/*
 * Why the main thread, and not libmilter, handles SIGHUP, SIGTERM and
 * SIGINT (daemon_signals): smfi_main() starts a thread that blocks
 * these signals and sigwait()s for them, and it treats SIGHUP as "stop",
 * which would turn every reload into a shutdown. smfi_main() runs in
 * its own thread (started with the three signals blocked, as are all
 * the threads libmilter creates from it), while the main thread keeps
 * them unblocked with handlers. Linux delivers a process-directed
 * signal to the main thread (the thread group leader) whenever that
 * thread does not block it, so libmilter's sigwait thread never sees
 * them. The work is done by daemon_wait_signals().
 */

static atomic_bool milter_returned;      /* smfi_main() has returned */

/* milter_thread - run libmilter; wake the main loop when it returns */
static void *milter_thread(void *arg)
{
    int status;

    (void)arg;
    status = smfi_main();
    atomic_store(&milter_returned, true);
    daemon_signal_wake();
    return (void *)(intptr_t)status;
}

/* start_milter - smfi_main() in a thread that blocks the handled signals */
static pthread_t start_milter(void)
{
    sigset_t old;
    pthread_t tid;
    int err;

    daemon_block_signals(&old);
    err = pthread_create(&tid, NULL, milter_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0)
        daemon_fatal("cannot start the milter thread: %s", strerror(err));
    return tid;
}

/* nudge_handler - nothing: SIGUSR1 only interrupts libmilter's poll() */
static void nudge_handler(int signo)
{
    (void)signo;
}

/* nudge_thread - SIGUSR1 to the milter thread every 50 ms until it returns */
static void *nudge_thread(void *arg)
{
    const pthread_t *milter_tid = arg;
    const struct timespec pause = {.tv_sec = 0, .tv_nsec = 50 * 1000 * 1000};

    while (!atomic_load(&milter_returned)) {
        pthread_kill(*milter_tid, SIGUSR1);
        nanosleep(&pause, NULL);
    }
    return NULL;
}

/*
 * stop_milter - smfi_stop() and wait for smfi_main() to return its status
 *	libmilter's listener holds its lock while it poll()s for new
 *	connections, 5 seconds at a time, and smfi_stop() needs that lock:
 *	a plain stop takes up to 5 seconds. A poll() interrupted by a
 *	signal (EINTR) makes the listener release the lock and check for
 *	the stop at once, so a helper thread nudges the milter thread with
 *	SIGUSR1 (whose handler does nothing) until smfi_main() returns.
 */
static intptr_t stop_milter(pthread_t milter_tid)
{
    struct sigaction sa = {.sa_handler = nudge_handler};
    pthread_t nudger;
    void *result;
    bool nudging;

    sigemptyset(&sa.sa_mask);
    nudging = sigaction(SIGUSR1, &sa, NULL) == 0
              && pthread_create(&nudger, NULL, nudge_thread, &milter_tid) == 0;
    smfi_stop();
    pthread_join(milter_tid, &result);
    if (nudging)
        pthread_join(nudger, NULL);
    return (intptr_t)result;
}

/*
 * reload - build and publish a new snapshot
 *	On error the snapshot in force stays, and the error is logged.
 *	running is the configuration the process started with.
 */
static void reload(const struct daemon_options *opts, const struct vigie_config *running)
{
    struct snapshot *s;

    if ((s = daemon_reload(opts, running)) == NULL)
        return;
    daemon_warn_if_changed("milter_socket", running->milter_socket,
                           s->config->milter_socket);
    msg_info("reloaded %s: %zu rules", s->config->path, rules_count(s->rules));
    snapshot_publish(s);
}

int main(int argc, char **argv)
{
    struct daemon_options opts;
    struct vigie_error err;
    struct snapshot *boot;
    struct daemon_identity who;
    pthread_t tid;
    void *result;

    daemon_options(MILTER_NAME, argc, argv, &opts);
    if ((boot = snapshot_build(opts.config_path, opts.rules_override, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        if (opts.check_only)
            return 1;
        if (log_setup(MILTER_NAME, LOG_MAIL, LOG_LEVEL_ERROR, NULL) == 0)
            msg_error("not starting: %s", err.msg);
        return 1;
    }
    if (opts.check_only) {
        daemon_warn_login_map(boot);
        printf("%s: configuration OK: %zu rules\n", boot->config->path,
               rules_count(boot->rules));
        snapshot_release(boot);
        return 0;
    }
    daemon_logging(MILTER_NAME, boot->config);
    spf_setup();
    daemon_warn_login_map(boot);
    if (daemon_identity(boot->config, &who, &err) < 0)
        daemon_fatal("%s", err.msg);
    if (smfi_register(milter_desc) == MI_FAILURE)
        daemon_fatal("smfi_register failed");
    open_socket(boot->config, &who);
    if (daemon_pid_file(boot->config->pid_file, &err) < 0
        || daemon_become(boot->config->user, &who, &err) < 0 || daemon_signals(&err) < 0)
        daemon_fatal("%s", err.msg);
    /* boot stays referenced: it is the running configuration reloads compare with. */
    snapshot_publish(boot);
    boot = snapshot_acquire();
    msg_info("starting %s %s on %s: %zu rules", MILTER_NAME, VIGIE_VERSION,
             boot->config->milter_socket, rules_count(boot->rules));
    tid = start_milter();
    if (!daemon_wait_signals(reload, &opts, boot->config)) {
        pthread_join(tid, &result);
        msg_error("libmilter stopped on its own (smfi_main returned %ld)",
                  (long)(intptr_t)result);
        return 1;
    }
    if (stop_milter(tid) != MI_SUCCESS) {
        msg_error("libmilter reported an error while stopping");
        return 1;
    }
    msg_info("stopped");
    snapshot_publish(NULL);
    snapshot_release(boot);
    return 0;
}
