/*
 * NAME
 *	alerts_exec - run alert_command for one alert
 * SYNOPSIS
 *	#include "alerts.h"
 *
 *	int alerts_command_check(const char *command, struct vigie_error *err);
 *	int alerts_command_run(const struct alert_settings *settings,
 *			       const struct alert *alert, struct vigie_error *err);
 * DESCRIPTION
 *	The command line is split on blanks into at most ALERT_MAX_ARGS
 *	words; the first is the program's absolute path. It is started
 *	with posix_spawn (so a threaded daemon may call this), with a
 *	default signal mask and dispositions, no descriptor of ours but
 *	standard input (a pipe carrying the JSON), standard output
 *	(/dev/null) and standard error (a pipe whose first
 *	ALERT_STDERR_MAX bytes are kept for the failure message).
 *
 *	The deadline (settings->timeout_ms) covers the whole run: feeding
 *	stdin, reading stderr and waiting for the exit. Past it the child
 *	is killed (SIGKILL) and reaped. SIGPIPE from a child that does not
 *	read its input is blocked in the calling thread while writing and
 *	consumed if it was raised.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alerts.h"

#define ALERT_PATH "PATH=/usr/sbin:/usr/bin:/sbin:/bin"
#define POLL_SLICE_MS 20        /* longest sleep between two checks of the child */

/* split - command's words into words[] (pointers into copy); count, or -1 */
static int split(char *copy, char **words)
{
    char *save = NULL;
    int n = 0;

    /* strtok_r: alerts are run from several threads at once. */
    for (char *w = strtok_r(copy, " \t", &save); w != NULL; w = strtok_r(NULL, " \t", &save)) {
        if (n == ALERT_MAX_ARGS)
            return -1;
        words[n++] = w;
    }
    words[n] = NULL;
    return n;
}

/* alerts_command_check - is command a usable alert_command? */
int alerts_command_check(const char *command, struct vigie_error *err)
{
    char *words[ALERT_MAX_ARGS + 1];
    char *copy = strdup(command);
    int n;
    int rc = -1;

    if (copy == NULL) {
        error_set(err, "alert_command: out of memory");
        return -1;
    }
    n = split(copy, words);
    if (n < 0)
        error_set(err, "alert_command: more than %d words", ALERT_MAX_ARGS);
    else if (n > 0 && words[0][0] != '/')
        error_set(err, "alert_command: \"%s\" is not an absolute path (no shell runs it)",
                  words[0]);
    else
        rc = 0;
    free(copy);
    return rc;
}

/* env_new - VIGIE_ALERT_<NAME>=value for each field, then PATH; NULL when short of memory */
static char **env_new(const struct alert *alert)
{
    char **env = calloc(alert->count + 2, sizeof(*env));
    size_t i;

    if (env == NULL)
        return NULL;
    for (i = 0; i < alert->count; i++) {
        if (asprintf(&env[i], "VIGIE_ALERT_%s=%s", alert->fields[i].name,
                     alert->fields[i].value) < 0) {
            env[i] = NULL;
            break;
        }
        for (char *c = env[i] + 12; *c != '='; c++)
            if (*c >= 'a' && *c <= 'z')
                *c = (char)(*c - 'a' + 'A');
    }
    if (i == alert->count && (env[i] = strdup(ALERT_PATH)) != NULL)
        return env;
    for (i = 0; env[i] != NULL; i++)
        free(env[i]);
    free(env);
    return NULL;
}

/* env_free - release what env_new made */
static void env_free(char **env)
{
    for (size_t i = 0; env[i] != NULL; i++)
        free(env[i]);
    free(env);
}

/* now_ms - a monotonic clock in milliseconds */
static long long now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* One running child and the ends of its pipes that we hold. */
struct child {
    pid_t pid;
    int in;                     /* write end of its stdin, or -1 */
    int err;                    /* read end of its stderr, or -1 */
    const char *json;
    size_t json_left;
    char stderr_text[ALERT_STDERR_MAX + 1];
    size_t stderr_len;
    bool epipe;                 /* a write raised SIGPIPE */
};

/* spawn - start the child; 0, or -1 with err set */
static int spawn(struct child *c, char **words, char **env, struct vigie_error *err)
{
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    sigset_t none, all;
    int in[2], errp[2];
    int rc;

    if (pipe2(in, O_CLOEXEC) < 0) {
        error_set(err, "%s: pipe: %s", words[0], strerror(errno));
        return -1;
    }
    if (pipe2(errp, O_CLOEXEC) < 0) {
        error_set(err, "%s: pipe: %s", words[0], strerror(errno));
        close(in[0]);
        close(in[1]);
        return -1;
    }
    sigemptyset(&none);
    sigfillset(&all);
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    rc = posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    if (rc == 0)
        rc = posix_spawn_file_actions_adddup2(&fa, errp[1], 2);
    if (rc == 0)
        rc = posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    if (rc == 0)
        rc = posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    if (rc == 0)
        rc = posix_spawnattr_setsigmask(&attr, &none);
    if (rc == 0)
        rc = posix_spawnattr_setsigdefault(&attr, &all);
    if (rc == 0)
        rc = posix_spawn(&c->pid, words[0], &fa, &attr, words, env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    close(in[0]);
    close(errp[1]);
    if (rc != 0) {
        error_set(err, "%s: cannot run: %s", words[0], strerror(rc));
        close(in[1]);
        close(errp[0]);
        return -1;
    }
    c->in = in[1];
    c->err = errp[0];
    fcntl(c->in, F_SETFL, O_NONBLOCK);
    fcntl(c->err, F_SETFL, O_NONBLOCK);
    return 0;
}

/* close_fd - close *fd if open */
static void close_fd(int *fd)
{
    if (*fd >= 0)
        close(*fd);
    *fd = -1;
}

/* feed - write what the pipe takes of the JSON; close stdin when done or refused */
static void feed(struct child *c)
{
    ssize_t n = write(c->in, c->json, c->json_left);

    if (n > 0) {
        c->json += n;
        c->json_left -= (size_t)n;
    } else if (n < 0 && errno == EAGAIN) {
        return;
    } else if (n < 0 && errno == EPIPE) {
        c->epipe = true;
    }
    if (c->json_left == 0 || n < 0)
        close_fd(&c->in);
}

/* drain - read the child's stderr, keeping its head */
static void drain(struct child *c)
{
    char buf[512];
    ssize_t n;

    while ((n = read(c->err, buf, sizeof(buf))) > 0) {
        size_t keep = (size_t)n;

        if (keep > ALERT_STDERR_MAX - c->stderr_len)
            keep = ALERT_STDERR_MAX - c->stderr_len;
        memcpy(c->stderr_text + c->stderr_len, buf, keep);
        c->stderr_len += keep;
    }
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
        close_fd(&c->err);
}

/*
 * supervise - feed, drain and wait for the child until deadline
 *	Returns true when it exited (its status in *status), false when
 *	the deadline passed first.
 */
static bool supervise(struct child *c, long long deadline, int *status)
{
    for (;;) {
        struct pollfd fds[2];
        nfds_t nfds = 0;
        long long left = deadline - now_ms();
        pid_t done = waitpid(c->pid, status, WNOHANG);

        if (done == c->pid || (done < 0 && errno != EINTR))
            return true;
        if (left <= 0)
            return false;
        if (c->in >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->in, .events = POLLOUT};
        if (c->err >= 0)
            fds[nfds++] = (struct pollfd){.fd = c->err, .events = POLLIN};
        if (poll(fds, nfds, (int)(left < POLL_SLICE_MS ? left : POLL_SLICE_MS)) <= 0)
            continue;
        for (nfds_t i = 0; i < nfds; i++) {
            if (fds[i].revents == 0)
                continue;
            if (fds[i].fd == c->in)
                feed(c);
            else
                drain(c);
        }
    }
}

/* first_line - the child's stderr up to its first newline, control bytes as '?' */
static const char *first_line(struct child *c)
{
    char *nl;

    c->stderr_text[c->stderr_len] = '\0';
    if ((nl = strchr(c->stderr_text, '\n')) != NULL)
        *nl = '\0';
    for (char *p = c->stderr_text; *p != '\0'; p++)
        if ((unsigned char)*p < ' ' || *p == 0x7f)
            *p = '?';
    return c->stderr_text;
}

/* report - 0 for a clean exit, else -1 with err describing the failure */
static int report(struct child *c, const char *program, bool exited, int status,
                  unsigned timeout_ms, struct vigie_error *err)
{
    const char *text;

    drain(c);
    text = first_line(c);
    if (!exited)
        error_set(err, "%s: no exit after %u ms: killed%s%s", program, timeout_ms,
                  *text ? ": " : "", text);
    else if (WIFSIGNALED(status))
        error_set(err, "%s: killed by signal %d%s%s", program, WTERMSIG(status),
                  *text ? ": " : "", text);
    else if (WIFEXITED(status) && WEXITSTATUS(status) != 0)
        error_set(err, "%s: exit status %d%s%s", program, WEXITSTATUS(status),
                  *text ? ": " : "", text);
    else
        return 0;
    return -1;
}

/* consume_sigpipe - take a pending SIGPIPE raised by our own write */
static void consume_sigpipe(const sigset_t *pipe_set)
{
    struct timespec zero = {0, 0};

    while (sigtimedwait(pipe_set, NULL, &zero) < 0 && errno == EINTR)
        continue;
}

/* alerts_command_run - run the command for alert and wait for it */
int alerts_command_run(const struct alert_settings *settings, const struct alert *alert,
                       struct vigie_error *err)
{
    struct child c = {.pid = -1, .in = -1, .err = -1};
    char *words[ALERT_MAX_ARGS + 1];
    sigset_t pipe_set, old;
    char *copy = strdup(settings->command);
    char *json = alerts_json(alert);
    char **env = env_new(alert);
    bool exited = false;
    int status = 0;
    int rc = -1;

    sigemptyset(&pipe_set);
    sigaddset(&pipe_set, SIGPIPE);
    if (copy == NULL || json == NULL || env == NULL) {
        error_set(err, "out of memory");
    } else if (split(copy, words) <= 0 || words[0][0] != '/') {
        error_set(err, "\"%s\" is not an absolute path followed by at most %d arguments",
                  settings->command, ALERT_MAX_ARGS - 1);
    } else {
        pthread_sigmask(SIG_BLOCK, &pipe_set, &old);
        if (spawn(&c, words, env, err) == 0) {
            c.json = json;
            c.json_left = strlen(json);
            exited = supervise(&c, now_ms() + settings->timeout_ms, &status);
            if (!exited) {
                kill(c.pid, SIGKILL);
                while (waitpid(c.pid, &status, 0) < 0 && errno == EINTR)
                    continue;
            }
            rc = report(&c, words[0], exited, status, settings->timeout_ms, err);
            close_fd(&c.in);
            close_fd(&c.err);
            if (c.epipe)
                consume_sigpipe(&pipe_set);
        }
        pthread_sigmask(SIG_SETMASK, &old, NULL);
    }
    free(copy);
    free(json);
    if (env != NULL)
        env_free(env);
    return rc;
}
