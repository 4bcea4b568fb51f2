/*
 * NAME
 *	listen - vigie-policyd's listening socket
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	policy_socket is a unix socket ("unix:/path") or a TCP address
 *	("inet:port@host"). A unix socket is created with no permission
 *	for anyone until it has its owner, group and socket_mode; a
 *	socket file left by a previous run is removed, unless another
 *	process still serves it. A TCP address off loopback is allowed
 *	with a warning: whoever reaches it can query the service.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "log.h"
#include "policy.h"
#include "sockdir.h"

/* socket_group - the gid for the socket: policy_socket_group or gid; -1 with err */
static int socket_group(const struct vigie_config *config, gid_t *gid, struct vigie_error *err)
{
    const struct group *gr;

    if (*config->policy_socket_group == '\0')
        return 0;
    if ((gr = getgrnam(config->policy_socket_group)) == NULL) {
        error_set(err, "%s: policy_socket_group %s: no such group", config->path,
                  config->policy_socket_group);
        return -1;
    }
    *gid = gr->gr_gid;
    return 0;
}

/*
 * clear_stale - remove a socket file left by a previous run
 *	Refuses (-1 with err) when another process still accepts on it.
 */
static int clear_stale(const struct sockaddr_un *sun, struct vigie_error *err)
{
    struct stat st;
    int fd;

    if (lstat(sun->sun_path, &st) < 0)
        return 0;
    if (!S_ISSOCK(st.st_mode)) {
        error_set(err, "%s exists and is not a socket", sun->sun_path);
        return -1;
    }
    if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) >= 0) {
        int status = connect(fd, (const struct sockaddr *)sun, sizeof(*sun));

        close(fd);
        if (status == 0) {
            error_set(err, "%s: another process is serving it", sun->sun_path);
            return -1;
        }
    }
    if (unlink(sun->sun_path) < 0) {
        error_set(err, "cannot remove the old socket %s: %s", sun->sun_path, strerror(errno));
        return -1;
    }
    return 0;
}

/* open_unix - bind path with mode, owned by uid:gid when chown_socket */
static int open_unix(struct policy_listener *l, const struct vigie_config *config,
                     const char *path, uid_t uid, gid_t gid, bool chown_socket,
                     struct vigie_error *err)
{
    struct sockaddr_un sun;
    mode_t old_mask;
    int status;

    memset(&sun, 0, sizeof(sun));
    sun.sun_family = AF_UNIX;
    snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
    if (sockdir_prepare(path, chown_socket, uid, gid, err) < 0 || clear_stale(&sun, err) < 0)
        return -1;
    if ((l->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0)) < 0) {
        error_set(err, "socket: %s", strerror(errno));
        return -1;
    }
    old_mask = umask(0177);    /* nobody else until chmod below */
    status = bind(l->fd, (const struct sockaddr *)&sun, sizeof(sun));
    umask(old_mask);
    if (status < 0) {
        error_set(err, "cannot bind %s: %s", path, strerror(errno));
        return -1;
    }
    if ((l->unix_path = strdup(path)) == NULL) {
        error_set(err, "out of memory");
        return -1;
    }
    if ((chown_socket || *config->policy_socket_group != '\0') && chown(path, uid, gid) < 0) {
        error_set(err, "cannot chown %s: %s", path, strerror(errno));
        return -1;
    }
    if (chmod(path, (mode_t)config->socket_mode) < 0) {
        error_set(err, "cannot chmod %s: %s", path, strerror(errno));
        return -1;
    }
    return 0;
}

/* open_inet - bind "port@host" (host a name or an address) */
static int open_inet(struct policy_listener *l, const char *spec, struct vigie_error *err)
{
    struct addrinfo hints, *res = NULL;
    const char *at = strchr(spec, '@');
    char port[8];
    int one = 1;
    int status;

    snprintf(port, sizeof(port), "%.*s", (int)(at - spec), spec);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    if ((status = getaddrinfo(at + 1, port, &hints, &res)) != 0) {
        error_set(err, "policy_socket inet:%s: %s", spec, gai_strerror(status));
        return -1;
    }
    l->inet = true;
    l->fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC,
                               res->ai_protocol);
    status = l->fd < 0 ? -1
             : setsockopt(l->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0
             ? -1 : bind(l->fd, res->ai_addr, res->ai_addrlen);
    if (status < 0)
        error_set(err, "cannot bind inet:%s: %s", spec, strerror(errno));
    else if (!((res->ai_family == AF_INET
                && ntohl(((struct sockaddr_in *)res->ai_addr)->sin_addr.s_addr) >> 24 == 127)
               || (res->ai_family == AF_INET6
                   && IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr))))
        msg_warn("policy_socket inet:%s is not on loopback: anyone who reaches it can"
                 " query the policy service", spec);
    freeaddrinfo(res);
    return status < 0 ? -1 : 0;
}

/* policy_listener_open - bind and listen on config's policy_socket */
int policy_listener_open(struct policy_listener *l, const struct vigie_config *config,
                         uid_t uid, gid_t gid, bool chown_socket, struct vigie_error *err)
{
    const char *spec = config->policy_socket;
    int status;

    memset(l, 0, sizeof(*l));
    l->fd = -1;
    if (strncmp(spec, "unix:", 5) == 0)
        status = socket_group(config, &gid, err) < 0 ? -1
                 : open_unix(l, config, spec + 5, uid, gid, chown_socket, err);
    else
        status = open_inet(l, spec + 5, err);
    if (status == 0 && listen(l->fd, SOMAXCONN) < 0) {
        error_set(err, "cannot listen on %s: %s", spec, strerror(errno));
        status = -1;
    }
    return status;
}

/* policy_listener_close - close, and remove a unix socket */
void policy_listener_close(struct policy_listener *l)
{
    if (l->fd >= 0)
        close(l->fd);
    l->fd = -1;
    if (l->unix_path != NULL && unlink(l->unix_path) < 0 && errno != ENOENT)
        msg_warn("cannot remove %s: %s", l->unix_path, strerror(errno));
    free(l->unix_path);
    l->unix_path = NULL;
}

/* policy_peer_name - who is on the other side of fd, for logs */
void policy_peer_name(const struct policy_listener *l, int fd, char *buf, size_t len)
{
    struct sockaddr_storage ss;
    socklen_t sslen = sizeof(ss);
    struct ucred cred;
    socklen_t credlen = sizeof(cred);
    char host[INET6_ADDRSTRLEN], port[8];

    snprintf(buf, len, "unknown");
    if (l->inet) {
        if (getpeername(fd, (struct sockaddr *)&ss, &sslen) == 0
            && getnameinfo((struct sockaddr *)&ss, sslen, host, sizeof(host), port,
                           sizeof(port), NI_NUMERICHOST | NI_NUMERICSERV) == 0)
            snprintf(buf, len, "%s:%s", host, port);
    } else if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &credlen) == 0) {
        snprintf(buf, len, "pid %ld", (long)cred.pid);
    }
}
