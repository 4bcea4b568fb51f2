/*
 * NAME
 *	daemon - what every vigie daemon does around its protocol loop
 * SYNOPSIS
 *	#include "daemon.h"
 * DESCRIPTION
 *	See daemon.h. The signal pipe and the "where does the log go"
 *	flag are process-wide, as the signals themselves are.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"

static const char *program = "vigie";    /* daemon_options names it */
static int signal_pipe[2] = {-1, -1};
static bool logging_to_stderr = true;  /* the log target is the terminal already */

/* usage - the synopsis of program name on out */
static void usage(const char *name, FILE *out)
{
    fprintf(out, "usage: %s [-n] [-c vigie.conf] [-r vigie.rules]\n"
                 "       %s -V | -h\n"
                 "  -c FILE  configuration file (default %s)\n"
                 "  -n       check the configuration, rules and login map, then exit\n"
                 "  -r FILE  use this rules file instead of the configured rules_file\n"
                 "  -V       print the version\n"
                 "  -h       print this help\n",
            name, name, VIGIE_DEFAULT_CONFIG);
}

/* daemon_options - fill opts; exits for -V, -h and usage errors */
void daemon_options(const char *name, int argc, char **argv, struct daemon_options *opts)
{
    int c;

    program = name;
    opts->name = name;
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
            printf("%s %s\n", name, VIGIE_VERSION);
            exit(0);
        case 'h':
            usage(name, stdout);
            exit(0);
        default:
            usage(name, stderr);
            exit(2);
        }
    }
    if (optind != argc) {
        usage(name, stderr);
        exit(2);
    }
}

/* daemon_logging - log where the configuration says */
void daemon_logging(const char *ident, const struct vigie_config *config)
{
    logging_to_stderr = strcmp(config->log_file, "-") == 0;
    if (log_setup(ident, config->syslog_facility, config->log_level, config->log_file) < 0) {
        logging_to_stderr = true;
        msg_warn("cannot open log file %s: %s; logging to stderr", config->log_file,
                 strerror(errno));
    }
}

/* daemon_fatal - a start-up error: on stderr too, then msg_fatal */
void daemon_fatal(const char *fmt, ...)
{
    char text[1024];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    if (!logging_to_stderr)
        fprintf(stderr, "%s: fatal: %s\n", program, text);
    msg_fatal("%s", text);
}

/* daemon_warn_login_map - the sender-login check is on but has no map to enforce */
void daemon_warn_login_map(const struct snapshot *s)
{
    if (rules_get_settings(s->rules)->sender_login_check && s->logins == NULL)
        msg_warn("sender_login_check is on but sender_login_maps is not set in %s:"
                 " the check is not enforced", s->config->path);
}

/* daemon_identity - who to become after binding */
int daemon_identity(const struct vigie_config *config, struct daemon_identity *who,
                    struct vigie_error *err)
{
    const struct passwd *pw;
    const struct group *gr;

    who->change = false;
    who->uid = geteuid();
    who->gid = getegid();
    if (*config->user == '\0') {
        if (geteuid() == 0)
            msg_warn("user is empty: running as root (meant for tests only)");
        return 0;
    }
    if ((pw = getpwnam(config->user)) == NULL) {
        error_set(err, "%s: user %s: no such user", config->path, config->user);
        return -1;
    }
    if (pw->pw_uid == 0) {
        error_set(err, "%s: user %s: refusing to run as root; name an unprivileged user"
                  " (or leave user empty to keep the current identity, for tests)",
                  config->path, config->user);
        return -1;
    }
    who->uid = pw->pw_uid;
    who->gid = pw->pw_gid;
    if (*config->group != '\0') {
        if ((gr = getgrnam(config->group)) == NULL) {
            error_set(err, "%s: group %s: no such group", config->path, config->group);
            return -1;
        }
        who->gid = gr->gr_gid;
    }
    if (geteuid() == who->uid && getegid() == who->gid)
        return 0;
    if (geteuid() != 0) {
        error_set(err, "must be started as root to switch to user %s", config->user);
        return -1;
    }
    who->change = true;
    return 0;
}

/* daemon_pid_file - record our pid when path is set */
int daemon_pid_file(const char *path, struct vigie_error *err)
{
    char text[32];
    int fd;
    int n;

    if (*path == '\0')
        return 0;
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, 0644);
    if (fd < 0) {
        error_set(err, "cannot create pid file %s: %s", path, strerror(errno));
        return -1;
    }
    n = snprintf(text, sizeof(text), "%ld\n", (long)getpid());
    if (write(fd, text, (size_t)n) != n) {
        error_set(err, "cannot write pid file %s: %s", path, strerror(errno));
        close(fd);
        return -1;
    }
    if (close(fd) < 0) {
        error_set(err, "cannot write pid file %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* daemon_become - become the run-as user for good */
int daemon_become(const char *user, const struct daemon_identity *who,
                  struct vigie_error *err)
{
    if (!who->change)
        return 0;
    if (initgroups(user, who->gid) < 0 || setresgid(who->gid, who->gid, who->gid) < 0
        || setresuid(who->uid, who->uid, who->uid) < 0) {
        error_set(err, "cannot switch to user %s: %s", user, strerror(errno));
        return -1;
    }
    return 0;
}

/* on_signal - hand the signal number to daemon_signal_next() */
static void on_signal(int signo)
{
    int saved = errno;
    unsigned char byte = (unsigned char)signo;

    if (write(signal_pipe[1], &byte, 1) < 0) {
        /* The pipe is full: a wake-up is already pending. */
    }
    errno = saved;
}

/* daemon_signals - the handlers and their pipe */
int daemon_signals(struct vigie_error *err)
{
    struct sigaction sa;

    if (pipe2(signal_pipe, O_CLOEXEC) < 0 || fcntl(signal_pipe[1], F_SETFL, O_NONBLOCK) < 0) {
        error_set(err, "cannot create the signal pipe: %s", strerror(errno));
        return -1;
    }
    memset(&sa, 0, sizeof(sa));
    sigemptyset(&sa.sa_mask);
    sa.sa_handler = on_signal;
    sa.sa_flags = SA_RESTART;
    if (sigaction(SIGHUP, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0
        || sigaction(SIGINT, &sa, NULL) < 0) {
        error_set(err, "cannot set signal handlers: %s", strerror(errno));
        return -1;
    }
    sa.sa_handler = SIG_IGN;
    if (sigaction(SIGPIPE, &sa, NULL) < 0) {
        error_set(err, "cannot ignore SIGPIPE: %s", strerror(errno));
        return -1;
    }
    return 0;
}

/* daemon_block_signals - block the handled signals in this thread */
void daemon_block_signals(sigset_t *old)
{
    sigset_t block;

    sigemptyset(&block);
    sigaddset(&block, SIGHUP);
    sigaddset(&block, SIGTERM);
    sigaddset(&block, SIGINT);
    pthread_sigmask(SIG_BLOCK, &block, old);
}

/* daemon_signal_next - the next signal number, 0 for a wake-up */
int daemon_signal_next(void)
{
    unsigned char byte;
    ssize_t n;

    while ((n = read(signal_pipe[0], &byte, 1)) < 0 && errno == EINTR)
        continue;
    if (n <= 0)
        msg_fatal("signal pipe: %s", n < 0 ? strerror(errno) : "closed");
    return byte;
}

/* daemon_signal_wake - wake daemon_signal_next() with 0 */
void daemon_signal_wake(void)
{
    on_signal(0);
}

/* daemon_wait_signals - act on signals until asked to stop; see daemon.h */
bool daemon_wait_signals(daemon_reload_fn *reload, const struct daemon_options *opts,
                         const struct vigie_config *running)
{
    int signo;

    for (;;) {
        switch (signo = daemon_signal_next()) {
        case SIGHUP:
            msg_info("SIGHUP: reloading");
            reload(opts, running);
            break;
        case SIGTERM:
        case SIGINT:
            msg_info("%s: stopping", signo == SIGTERM ? "SIGTERM" : "SIGINT");
            return true;
        default:
            return false;
        }
    }
}

/* daemon_warn_if_changed - a setting that needs a restart was changed */
void daemon_warn_if_changed(const char *key, const char *running, const char *loaded)
{
    if (strcmp(running, loaded) != 0)
        msg_warn("reload: %s changed from \"%s\" to \"%s\": it takes effect only after a"
                 " restart", key, running, loaded);
}

/* daemon_reload - build a new snapshot for SIGHUP */
struct snapshot *daemon_reload(const struct daemon_options *opts,
                               const struct vigie_config *running)
{
    struct vigie_error err;
    struct snapshot *s;
    char mode[2][16];

    if ((s = snapshot_build(opts->config_path, opts->rules_override, &err)) == NULL) {
        msg_error("reload failed: %s; keeping the configuration and rules in force",
                  err.msg);
        return NULL;
    }
    daemon_logging(opts->name, s->config);
    snprintf(mode[0], sizeof(mode[0]), "%04o", running->socket_mode);
    snprintf(mode[1], sizeof(mode[1]), "%04o", s->config->socket_mode);
    daemon_warn_if_changed("socket_mode", mode[0], mode[1]);
    daemon_warn_if_changed("user", running->user, s->config->user);
    daemon_warn_if_changed("group", running->group, s->config->group);
    daemon_warn_if_changed("pid_file", running->pid_file, s->config->pid_file);
    daemon_warn_login_map(s);
    return s;
}
