/*
 * NAME
 *	postconf - local domains and trusted networks as Postfix sees them
 * SYNOPSIS
 *	#include "postconf.h"
 * DESCRIPTION
 *	See postconf.h. postconf runs as a child process (fork, execve,
 *	no shell) with stdin on /dev/null and stdout on a pipe; its
 *	output is bounded in size and time, and the child is always
 *	waited for. Only async-signal-safe calls happen between fork and
 *	execve, so this is safe in a threaded daemon (reload).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"
#include "postconf.h"

#define POSTCONF_DEFAULT_PATH "/usr/sbin/postconf"
#define POSTCONF_OUTPUT_MAX   (1024 * 1024)
#define POSTCONF_TIMEOUT_MS   10000
#define POSTCONF_FILE_DEPTH   4     /* "/file" entries inside files */

extern char **environ;

/* What one Postfix parameter feeds, and which vigie.conf key replaces it. */
struct import_target {
    const char *param;
    const char *vigie_key;
    struct domainset *domains;  /* exactly one of domains/networks is used */
    struct netlist *networks;
};

/* postconf_find - the binary to run, in buf; NULL when there is none */
static const char *postconf_find(char *buf, size_t len)
{
    const char *env = getenv(POSTCONF_ENV);
    const char *path;
    const char *end;

    if (env != NULL && *env != '\0')
        return access(env, X_OK) == 0 ? env : NULL;
    if (access(POSTCONF_DEFAULT_PATH, X_OK) == 0)
        return POSTCONF_DEFAULT_PATH;
    for (path = getenv("PATH"); path != NULL && *path != '\0'; path = end + 1) {
        end = strchrnul(path, ':');
        if (end > path && snprintf(buf, len, "%.*s/postconf", (int)(end - path), path)
            < (int)len && access(buf, X_OK) == 0)
            return buf;
        if (*end == '\0')
            break;
    }
    return NULL;
}

/*
 * postconf_spawn - start path with argv, stdout on a pipe
 *	Returns the child's pid and the pipe's read end in *fd, or -1
 *	with err set.
 */
static pid_t postconf_spawn(const char *path, char *const *argv, int *fd,
                            struct vigie_error *err)
{
    int pipefd[2];
    int null_fd;
    pid_t pid;

    if (pipe2(pipefd, O_CLOEXEC) < 0) {
        error_set(err, "postconf: cannot create a pipe: %s", strerror(errno));
        return -1;
    }
    if ((pid = fork()) < 0) {
        error_set(err, "postconf: cannot fork: %s", strerror(errno));
        close(pipefd[0]);
        close(pipefd[1]);
        return -1;
    }
    if (pid == 0) {
        /* Child: async-signal-safe calls only. dup2 clears FD_CLOEXEC. */
        if (pipefd[1] == STDOUT_FILENO ? fcntl(STDOUT_FILENO, F_SETFD, 0) < 0
            : dup2(pipefd[1], STDOUT_FILENO) < 0)
            _exit(126);
        if ((null_fd = open("/dev/null", O_RDONLY)) < 0
            || dup2(null_fd, STDIN_FILENO) < 0)
            _exit(126);
        execve(path, argv, environ);
        _exit(127);
    }
    close(pipefd[1]);
    *fd = pipefd[0];
    return pid;
}

/*
 * postconf_collect - read the child's whole output, bounded
 *	Returns a NUL-terminated buffer (caller frees), or NULL with err
 *	set (too long, too slow, read error, no memory).
 */
static char *postconf_collect(int fd, struct vigie_error *err)
{
    size_t len = 0;
    size_t cap = 4096;
    char *buf = malloc(cap);
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    ssize_t n;
    int ready;

    if (buf == NULL) {
        error_set(err, "postconf: out of memory");
        return NULL;
    }
    for (;;) {
        if (len + 1 == cap) {
            char *bigger;

            if (cap >= POSTCONF_OUTPUT_MAX) {
                error_set(err, "postconf: output longer than %d bytes", POSTCONF_OUTPUT_MAX);
                break;
            }
            if ((bigger = realloc(buf, cap * 2)) == NULL) {
                error_set(err, "postconf: out of memory");
                break;
            }
            buf = bigger;
            cap *= 2;
        }
        if ((ready = poll(&pfd, 1, POSTCONF_TIMEOUT_MS)) == 0) {
            error_set(err, "postconf: no answer within %d seconds", POSTCONF_TIMEOUT_MS / 1000);
            break;
        }
        n = ready > 0 ? read(fd, buf + len, cap - len - 1) : -1;
        if (n > 0) {
            len += (size_t)n;
            continue;
        }
        if (n == 0) {
            buf[len] = '\0';
            return buf;
        }
        if (errno != EINTR) {
            error_set(err, "postconf: cannot read its output: %s", strerror(errno));
            break;
        }
    }
    free(buf);
    return NULL;
}

/* postconf_wait - reap the child; 0 when it exited with status 0 */
static int postconf_wait(pid_t pid, const char *path, struct vigie_error *err)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            error_set(err, "%s: cannot wait for it: %s", path, strerror(errno));
            return -1;
        }
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
        return 0;
    if (WIFEXITED(status))
        error_set(err, "%s: exited with status %d", path, WEXITSTATUS(status));
    else
        error_set(err, "%s: killed by signal %d", path, WTERMSIG(status));
    return -1;
}

/* postconf_run - run path with argv; its stdout (caller frees), or NULL with err set */
static char *postconf_run(const char *path, char *const *argv, struct vigie_error *err)
{
    struct vigie_error wait_err;
    char *output;
    pid_t pid;
    int fd;

    if ((pid = postconf_spawn(path, argv, &fd, err)) < 0)
        return NULL;
    if ((output = postconf_collect(fd, err)) == NULL)
        kill(pid, SIGKILL);
    close(fd);
    if (postconf_wait(pid, path, &wait_err) < 0 && output != NULL) {
        *err = wait_err;
        free(output);
        return NULL;
    }
    return output;
}

static int import_value(const struct import_target *target, char *value,
                        unsigned depth, struct vigie_error *err);

/* import_file - entries of a "/path/name" element; unreadable: warn, skip */
static int import_file(const struct import_target *target, const char *path,
                       unsigned depth, struct vigie_error *err)
{
    FILE *fp;
    char *line = NULL;
    size_t cap = 0;
    int status = 0;

    if (depth >= POSTCONF_FILE_DEPTH) {
        msg_warn("postconf %s: skipping %s: files nested too deep", target->param, path);
        return 0;
    }
    if ((fp = fopen(path, "re")) == NULL) {
        msg_warn("postconf %s: skipping %s: %s; name its entries in %s in vigie.conf",
                 target->param, path, strerror(errno), target->vigie_key);
        return 0;
    }
    while (status == 0 && getline(&line, &cap, fp) >= 0) {
        line[strcspn(line, "#")] = '\0';
        status = import_value(target, line, depth + 1, err);
    }
    free(line);
    fclose(fp);
    return status;
}

/* import_element - one name, network, "/file" or table reference */
static int import_element(const struct import_target *target, const char *elem,
                          unsigned depth, struct vigie_error *err)
{
    struct netnet net;
    int added;

    if (elem[0] == '!') {
        error_set(err, "postconf %s: negated entry \"%s\" is not supported; set %s in vigie.conf",
                  target->param, elem, target->vigie_key);
        return -1;
    }
    if (elem[0] == '/')
        return import_file(target, elem, depth, err);
    if (target->networks != NULL && netnet_parse(elem, &net) == 0) {
        added = netlist_add(target->networks, &net);
    } else if (strchr(elem, ':') != NULL) {
        msg_warn("postconf %s: skipping table %s: its entries cannot be listed; "
                 "name them in %s in vigie.conf", target->param, elem, target->vigie_key);
        return 0;
    } else if (target->networks != NULL) {
        error_set(err, "postconf %s: bad network \"%s\"; set %s in vigie.conf",
                  target->param, elem, target->vigie_key);
        return -1;
    } else {
        added = domainset_add(target->domains, elem);
    }
    if (added < 0) {
        error_set(err, "postconf: out of memory");
        return -1;
    }
    return 0;
}

/* import_value - every element of a list separated by white space or commas */
static int import_value(const struct import_target *target, char *value,
                        unsigned depth, struct vigie_error *err)
{
    char *save = NULL;

    for (char *elem = strtok_r(value, " \t\r\n,", &save); elem != NULL;
         elem = strtok_r(NULL, " \t\r\n,", &save))
        if (import_element(target, elem, depth, err) < 0)
            return -1;
    return 0;
}

/* postconf_import - add Postfix's local domains and mynetworks */
int postconf_import(struct domainset *domains, struct netlist *networks,
                    struct vigie_error *err)
{
    const struct import_target targets[] = {
        {"mydestination", "local_domains", domains, NULL},
        {"virtual_mailbox_domains", "local_domains", domains, NULL},
        {"relay_domains", "local_domains", domains, NULL},
        {"mynetworks", "trusted_networks", NULL, networks},
    };
    enum { ntargets = sizeof(targets) / sizeof(targets[0]) };
    const char *argv[ntargets + 3] = {"postconf", "-hx"};
    char path_buf[4096];
    const char *path;
    char *output;
    char *line;
    char *next;
    size_t i;
    int status = 1;

    if ((path = postconf_find(path_buf, sizeof(path_buf))) == NULL)
        return 0;
    for (i = 0; i < ntargets; i++)
        argv[i + 2] = targets[i].param;
    if ((output = postconf_run(path, (char *const *)argv, err)) == NULL)
        return -1;
    for (i = 0, line = output; i < ntargets && *line != '\0'; i++, line = next) {
        if ((next = strchr(line, '\n')) == NULL) {
            next = line + strlen(line);
        } else {
            *next++ = '\0';
        }
        if ((targets[i].domains != NULL || targets[i].networks != NULL)
            && import_value(&targets[i], line, 0, err) < 0) {
            status = -1;
            break;
        }
    }
    if (status > 0 && (i < ntargets || *line != '\0')) {
        error_set(err, "%s: unexpected output: expected %d lines", path, ntargets);
        status = -1;
    }
    free(output);
    return status;
}
