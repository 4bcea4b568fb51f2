/*
 * NAME
 *	vigie-milter - the vigie milter daemon
 * SYNOPSIS
 *	vigie-milter [-n] [-c vigie.conf] [-r vigie.rules]
 *	vigie-milter -V | -h
 * DESCRIPTION
 *	One fixed start-up order, each step fatal on error:
 *	options -> snapshot (config, rules, login map) -> logging ->
 *	smfi_register -> smfi_setconn -> smfi_opensocket (mode from
 *	socket_mode, owner the run-as user) -> pid file -> drop
 *	privileges -> signal handlers -> smfi_main in its own thread.
 *	The daemon stays in the foreground (systemd Type=simple).
 *
 *	The main thread then waits on a self-pipe fed by the signal
 *	handlers: SIGHUP builds a new snapshot and publishes it (on error
 *	the old one stays in force and the error is logged); SIGTERM and
 *	SIGINT stop libmilter and end the process.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "log.h"
#include "milter.h"
#include "sockdir.h"

struct options {
    const char *config_path;
    const char *rules_override;     /* NULL: the config's rules_file */
    bool check_only;                /* -n */
};

struct run_as {
    bool change;                    /* switch identity after binding */
    uid_t uid;
    gid_t gid;
};

static int signal_pipe[2] = {-1, -1};
static bool logging_to_stderr = true;  /* the log target is the terminal already */

/* usage - the synopsis on out */
static void usage(FILE *out)
{
    fprintf(out, "usage: %s [-n] [-c vigie.conf] [-r vigie.rules]\n"
                 "       %s -V | -h\n"
                 "  -c FILE  configuration file (default %s)\n"
                 "  -n       check the configuration, rules and login map, then exit\n"
                 "  -r FILE  use this rules file instead of the configured rules_file\n"
                 "  -V       print the version\n"
                 "  -h       print this help\n",
            MILTER_NAME, MILTER_NAME, VIGIE_DEFAULT_CONFIG);
}

/* parse_options - fill opts; exits for -V, -h and usage errors */
static void parse_options(int argc, char **argv, struct options *opts)
{
    int c;

    opts->config_path = VIGIE_DEFAULT_CONFIG;
    opts->rules_override = NULL;
    opts->check_only = false;
    while ((c = getopt(argc, argv, "c:hnr:V")) != -1) {
        switch (c) {
        case 'c':
            opts->config_path = optarg;
            break;
        case 'n':
            opts->check_only = true;
            break;
        case 'r':
            opts->rules_override = optarg;
            break;
        case 'V':
            printf("%s %s\n", MILTER_NAME, VIGIE_VERSION);
            exit(0);
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        usage(stderr);
        exit(2);
    }
}

/* warn_login_map - the sender-login check is on but has no map to enforce */
static void warn_login_map(const struct snapshot *s)
{
    if (rules_get_settings(s->rules)->sender_login_check && s->logins == NULL)
        msg_warn("sender_login_check is on but sender_login_maps is not set in %s:"
                 " the check is not enforced", s->config->path);
}

/* setup_logging - log where the configuration says */
static void setup_logging(const struct vigie_config *config)
{
    logging_to_stderr = strcmp(config->log_file, "-") == 0;
    if (log_setup(MILTER_NAME, config->syslog_facility, config->log_level,
                  config->log_file) < 0) {
        logging_to_stderr = true;
        msg_warn("cannot open log file %s: %s; logging to stderr", config->log_file,
                 strerror(errno));
    }
}

/*
 * startup_fatal - a start-up error: on stderr too, then msg_fatal
 *	Someone starting the daemon by hand sees why it did not start
 *	even when the log goes to syslog or a file.
 */
static void PRINTF_LIKE(1, 2) NORETURN startup_fatal(const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (!logging_to_stderr)
        fprintf(stderr, "%s: fatal: %s\n", MILTER_NAME, text);
    msg_fatal("%s", text);
}

/* resolve_run_as - who to become after binding; fatal on a bad user or group */
static void resolve_run_as(const struct vigie_config *config, struct run_as *who)
{
    const struct passwd *pw;
    const struct group *gr;

    who->change = false;
    who->uid = geteuid();
    who->gid = getegid();
    if (*config->user == '\0') {
        if (geteuid() == 0)
            msg_warn("user is empty: running as root (meant for tests only)");
        return;
    }
    if ((pw = getpwnam(config->user)) == NULL)
        startup_fatal("%s: user %s: no such user", config->path, config->user);
    if (pw->pw_uid == 0)
        startup_fatal("%s: user %s: refusing to run as root; name an unprivileged user"
                  " (or leave user empty to keep the current identity, for tests)",
                  config->path, config->user);
    who->uid = pw->pw_uid;
    who->gid = pw->pw_gid;
    if (*config->group != '\0') {
        if ((gr = getgrnam(config->group)) == NULL)
            startup_fatal("%s: group %s: no such group", config->path, config->group);
        who->gid = gr->gr_gid;
    }
    if (geteuid() == who->uid && getegid() == who->gid)
        return;
    if (geteuid() != 0)
        startup_fatal("must be started as root to switch to user %s", config->user);
    who->change = true;
}

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
static void open_socket(const struct vigie_config *config, const struct run_as *who)
{
    const char *path = unix_socket_path(config->milter_socket);
    struct vigie_error err;
    mode_t old_mask;
    int status;

    if (smfi_setconn(config->milter_socket) == MI_FAILURE)
        startup_fatal("%s: milter_socket %s: not a valid milter socket", config->path,
                  config->milter_socket);
    if (path != NULL && sockdir_prepare(path, who->change, who->uid, who->gid, &err) < 0)
        startup_fatal("%s", err.msg);
    old_mask = umask((mode_t)((0777 & ~config->socket_mode) | 0002));
    errno = 0;
    status = smfi_opensocket(true);
    umask(old_mask);
    if (status == MI_FAILURE)
        startup_fatal("cannot open milter socket %s: %s", config->milter_socket,
                  errno ? strerror(errno) : "see libmilter's message above");
    if (path != NULL && who->change && chown(path, who->uid, who->gid) < 0)
        startup_fatal("cannot chown %s: %s", path, strerror(errno));
}

/* write_pid_file - record our pid when pid_file is set */
static void write_pid_file(const struct vigie_config *config)
{
    char text[32];
    int fd;
    int n;

    if (*config->pid_file == '\0')
        return;
    fd = open(config->pid_file, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0)
        startup_fatal("cannot create pid file %s: %s", config->pid_file, strerror(errno));
    n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (write(fd, text, (size_t)n) != n || close(fd) < 0)
        startup_fatal("cannot write pid file %s: %s", config->pid_file, strerror(errno));
}

/* drop_privileges - become the run-as user for good */
static void drop_privileges(const struct vigie_config *config, const struct run_as *who)
{
    if (!who->change)
        return;
    if (initgroups(config->user, who->gid) < 0
        || setresgid(who->gid, who->gid, who->gid) < 0
        || setresuid(who->uid, who->uid, who->uid) < 0)
        startup_fatal("cannot switch to user %s: %s", config->user, strerror(errno));
}

/* on_signal - hand the signal number to the main loop */
static void on_signal(int signo)
{
    int saved = errno;
    unsigned char byte = (unsigned char)signo;

    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* The pipe is full: a wake-up is already pending. */
    }
    errno = saved;
}

/*
 * setup_signals - SIGHUP, SIGTERM and SIGINT go to on_signal()
 *
 *	Why this thread, and not libmilter, handles these signals:
 *	smfi_main() starts a thread that blocks SIGHUP, SIGTERM and
 *	SIGINT and sigwait()s for them, and it treats SIGHUP as "stop",
 *	which would turn every reload into a shutdown. smfi_main() runs
 *	in its own thread (started with the three signals blocked, as are
 *	all the threads libmilter creates from it), while this main thread
 *	keeps them unblocked with handlers. Linux delivers a
 *	process-directed signal to the main thread (the thread group
 *	leader) whenever that thread does not block it, so libmilter's
 *	sigwait thread never sees them. The handlers only write the
 *	signal number to a pipe; the work is done by main_loop().
 */
static void setup_signals(void)
{
    struct sigaction sa;

    if (pipe2(signal_pipe, O_CLOEXEC) < 0
        || fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) < 0)
        startup_fatal("cannot create the signal pipe: %s", strerror(errno));
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGHUP, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0
        || sigaction(SIGINT, &sa, NULL) < 0)
        startup_fatal("cannot set signal handlers: %s", strerror(errno));
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0)
        startup_fatal("cannot ignore SIGPIPE: %s", strerror(errno));
}

/* milter_thread - run libmilter; wake the main loop when it returns */
static void *milter_thread(void *arg)
{
    unsigned char byte = 0;
    int status;

    (void)arg;
    status = smfi_main();
    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* The pipe is full: the main loop is awake anyway. */
    }
    return (void *)(intptr_t)status;
}

/* start_milter - smfi_main() in a thread that blocks the handled signals */
static pthread_t start_milter(void)
{
    sigset_t block;
    sigset_t old;
    pthread_t tid;
    int err;

    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    err = pthread_create(&tid, NULL, milter_thread, NULL);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (err != 0)
        startup_fatal("cannot start the milter thread: %s", strerror(err));
    return tid;
}

/* warn_if_changed - a setting that needs a restart was changed */
static void warn_if_changed(const char *key, const char *running, const char *loaded)
{
    if (strcmp(running, loaded) != 0)
        msg_warn("reload: %s changed from \"%s\" to \"%s\": it takes effect only after a"
                 " restart", key, running, loaded);
}

/*
 * reload - build and publish a new snapshot
 *	On error the snapshot in force stays, and the error is logged.
 *	running is the configuration the process started with.
 */
static void reload(const struct options *opts, const struct vigie_config *running)
{
    struct vigie_error err;
    struct snapshot *s;
    char mode[2][16];

    if ((s = snapshot_build(opts->config_path, opts->rules_override, &err)) == NULL) {
        msg_error("reload failed: %s; keeping the configuration and rules in force",
                  err.msg);
        return;
    }
    setup_logging(s->config);
    warn_if_changed("milter_socket", running->milter_socket, s->config->milter_socket);
    snprintf(mode[0], sizeof(mode[0]), "%04o", running->socket_mode);
    snprintf(mode[1], sizeof(mode[1]), "%04o", s->config->socket_mode);
    warn_if_changed("socket_mode", mode[0], mode[1]);
    warn_if_changed("user", running->user, s->config->user);
    warn_if_changed("group", running->group, s->config->group);
    warn_if_changed("pid_file", running->pid_file, s->config->pid_file);
    warn_login_map(s);
    msg_info("reloaded %s: %zu rules", s->config->path, rules_count(s->rules));
    snapshot_publish(s);
}

/*
 * main_loop - act on signals until asked to stop or libmilter ends
 *	Returns true when the stop was asked for (SIGTERM, SIGINT).
 */
static bool main_loop(const struct options *opts, const struct vigie_config *running)
{
    unsigned char byte;
    ssize_t n;

    for (;;) {
        if ((n = read(signal_pipe[0], &byte, 1)) < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            msg_fatal("signal pipe: %s", n < 0 ? strerror(errno) : "closed");
        switch (byte) {
        case SIGHUP:
            msg_info("SIGHUP: reloading");
            reload(opts, running);
            break;
        case SIGTERM:
        case SIGINT:
            msg_info("%s: stopping", byte == SIGTERM ? "SIGTERM" : "SIGINT");
            smfi_stop();
            return true;
        default:
            return false;           /* smfi_main() returned by itself */
        }
    }
}

int main(int argc, char **argv)
{
    struct options opts;
    struct vigie_error err;
    struct snapshot *boot;
    struct run_as who;
    pthread_t tid;
    void *result;
    bool asked;

    parse_options(argc, argv, &opts);
    if ((boot = snapshot_build(opts.config_path, opts.rules_override, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        if (opts.check_only)
            return 1;
        if (log_setup(MILTER_NAME, LOG_MAIL, LOG_LEVEL_ERROR, NULL) == 0)
            msg_error("not starting: %s", err.msg);
        return 1;
    }
    if (opts.check_only) {
        warn_login_map(boot);
        printf("%s: configuration OK: %zu rules\n", boot->config->path,
               rules_count(boot->rules));
        snapshot_release(boot);
        return 0;
    }
    setup_logging(boot->config);
    warn_login_map(boot);
    resolve_run_as(boot->config, &who);
    if (smfi_register(milter_desc) == MI_FAILURE)
        startup_fatal("smfi_register failed");
    open_socket(boot->config, &who);
    write_pid_file(boot->config);
    drop_privileges(boot->config, &who);
    setup_signals();
    /* boot stays referenced: it is the running configuration reloads compare with. */
    snapshot_publish(boot);
    boot = snapshot_acquire();
    msg_info("starting %s %s on %s: %zu rules", MILTER_NAME, VIGIE_VERSION,
             boot->config->milter_socket, rules_count(boot->rules));
    tid = start_milter();
    asked = main_loop(&opts, boot->config);
    pthread_join(tid, &result);
    if (!asked) {
        msg_error("libmilter stopped on its own (smfi_main returned %ld)",
                  (long)(intptr_t)result);
        return 1;
    }
    if ((intptr_t)result != MI_SUCCESS) {
        msg_error("libmilter reported an error while stopping");
        return 1;
    }
    msg_info("stopped");
    snapshot_publish(NULL);
    snapshot_release(boot);
    return 0;
}
