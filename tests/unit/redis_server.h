/*
 * NAME
 *	redis_server - a private redis-server for unit tests
 * SYNOPSIS
 *	#include "redis_server.h"
 * DESCRIPTION
 *	Included by the tests that need a real Redis; its functions are
 *	static so that each test program carries its own copy and no
 *	library object is needed. redis_server_group_setup is the group
 *	setup most of them share.
 *
 *	redis_server_start runs redis-server (execvp, no shell) on a free
 *	127.0.0.1 port and on a unix socket, with its files in a new
 *	directory under $TMPDIR, no persistence, and optionally a
 *	password. It returns 0 when the server answers, 1 when
 *	redis-server is not installed (the caller skips its tests), -1 on
 *	any other failure. redis_server_stop stops it and removes its
 *	files.
 */
#ifndef VIGIE_TEST_REDIS_SERVER_H
#define VIGIE_TEST_REDIS_SERVER_H

#include <arpa/inet.h>
#include <hiredis/hiredis.h>
#include <limits.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define REDIS_SERVER_DIR_MAX 200

struct redis_server {
    pid_t pid;
    int port;
    char dir[REDIS_SERVER_DIR_MAX];
    char socket[REDIS_SERVER_DIR_MAX + 16];
    char address[32];                       /* "127.0.0.1:port" */
    char unix_address[REDIS_SERVER_DIR_MAX + 24];   /* "unix:/path" */
};

/* redis_server_installed - is redis-server in $PATH? */
static bool redis_server_installed(void)
{
    const char *path = getenv("PATH");
    char candidate[PATH_MAX];

    while (path != NULL && *path != '\0') {
        size_t len = strcspn(path, ":");

        snprintf(candidate, sizeof(candidate), "%.*s/redis-server", (int)len, path);
        if (access(candidate, X_OK) == 0)
            return true;
        path += len + (path[len] == ':');
    }
    return false;
}

/* free_port - a loopback TCP port nobody listens on right now */
static int free_port(void)
{
    struct sockaddr_in sin;
    socklen_t len = sizeof(sin);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int port = -1;

    memset(&sin, 0, sizeof(sin));
    sin.sin_family = AF_INET;
    sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd >= 0 && bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0
        && getsockname(fd, (struct sockaddr *)&sin, &len) == 0)
        port = ntohs(sin.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* redis_server_ready - does the server answer PING within about 5 s? */
static bool redis_server_ready(const struct redis_server *s)
{
    for (int i = 0; i < 100; i++) {
        struct timespec pause = {0, 50 * 1000000L};
        redisContext *c = redisConnectUnix(s->socket);
        redisReply *r = c != NULL && c->err == 0 ? redisCommand(c, "PING") : NULL;

        if (r != NULL)
            freeReplyObject(r);
        if (c != NULL)
            redisFree(c);
        if (r != NULL)
            return true;
        nanosleep(&pause, NULL);
    }
    return false;
}

/* redis_server_stop - stop the server and remove its files */
static void redis_server_stop(struct redis_server *s)
{
    char file[REDIS_SERVER_DIR_MAX + 16];

    if (s->pid > 0) {
        kill(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = 0;
    }
    snprintf(file, sizeof(file), "%s/redis.log", s->dir);
    unlink(file);
    unlink(s->socket);
    rmdir(s->dir);
}

/* redis_server_start - see above; password NULL for none */
static int redis_server_start(struct redis_server *s, const char *password)
{
    const char *tmp = getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp";
    char port[16], log[REDIS_SERVER_DIR_MAX + 16];
    const char *argv[32];
    int argc = 0;

    memset(s, 0, sizeof(*s));
    if (!redis_server_installed())
        return 1;
    if ((size_t)snprintf(s->dir, sizeof(s->dir), "%s/vigie-test-redis.XXXXXX", tmp)
        >= sizeof(s->dir) || mkdtemp(s->dir) == NULL || (s->port = free_port()) < 0)
        return -1;
    snprintf(s->socket, sizeof(s->socket), "%s/redis.sock", s->dir);
    snprintf(s->address, sizeof(s->address), "127.0.0.1:%d", s->port);
    snprintf(s->unix_address, sizeof(s->unix_address), "unix:%s", s->socket);
    snprintf(port, sizeof(port), "%d", s->port);
    snprintf(log, sizeof(log), "%s/redis.log", s->dir);
    argv[argc++] = "redis-server";
    argv[argc++] = "--port";
    argv[argc++] = port;
    argv[argc++] = "--bind";
    argv[argc++] = "127.0.0.1";
    argv[argc++] = "--unixsocket";
    argv[argc++] = s->socket;
    argv[argc++] = "--unixsocketperm";
    argv[argc++] = "700";
    argv[argc++] = "--dir";
    argv[argc++] = s->dir;
    argv[argc++] = "--logfile";
    argv[argc++] = log;
    argv[argc++] = "--save";
    argv[argc++] = "";
    argv[argc++] = "--appendonly";
    argv[argc++] = "no";
    argv[argc++] = "--enable-debug-command";
    argv[argc++] = "yes";
    if (password != NULL) {
        argv[argc++] = "--requirepass";
        argv[argc++] = password;
    }
    argv[argc] = NULL;
    s->pid = fork();
    if (s->pid < 0)
        return -1;
    if (s->pid == 0) {
        execvp("redis-server", (char *const *)argv);
        _exit(127);
    }
    if (!redis_server_ready(s)) {
        redis_server_stop(s);
        return -1;
    }
    return 0;
}

/*
 * redis_server_group_setup - start s for a group of tests
 *	*have says whether it runs; when redis-server is not installed a
 *	note goes to stderr and the tests skip themselves. Returns 0, or
 *	-1 when the server failed otherwise (the group fails). static
 *	inline: not every test program calls it.
 */
static inline int redis_server_group_setup(struct redis_server *s, const char *password,
                                           bool *have)
{
    int status = redis_server_start(s, password);

    if (status == 1)
        fprintf(stderr, "redis-server is not installed: Redis tests skipped\n");
    *have = status == 0;
    return status < 0 ? -1 : 0;
}

#endif
