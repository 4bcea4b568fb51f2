/*
 * NAME
 *	milter_wire - milter packets over a socket, MTA side
 * DESCRIPTION
 *	See milter_wire.h. Timeouts use SO_RCVTIMEO/SO_SNDTIMEO, which
 *	Linux also applies to connect(); writes use MSG_NOSIGNAL so that
 *	a milter closing its end gives an error, not a SIGPIPE. TCP
 *	options are left as Postfix leaves them (no TCP_NODELAY, no
 *	TCP_QUICKACK), so TCP timings are the ones Postfix would see.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#include "milter_wire.h"

#define WIRE_HEADER_LEN 4       /* the length field before the command */
#define WIRE_MIN_BUFFER 16384

/* wire_target_unix - fill target with a unix-domain address */
static int wire_target_unix(const char *path, struct wire_target *target,
                            struct vigie_error *err)
{
    struct sockaddr_un *un = (struct sockaddr_un *)&target->addr;

    if (*path == 0 || strlen(path) >= sizeof(un->sun_path)) {
        error_set(err, "%s: bad unix socket path", target->spec);
        return -1;
    }
    un->sun_family = AF_UNIX;
    strcpy(un->sun_path, path);
    target->addr_len = sizeof(*un);
    return 0;
}

/* wire_target_inet - resolve "port@host" or "host:port" of family */
static int wire_target_inet(const char *rest, int family,
                            struct wire_target *target, struct vigie_error *err)
{
    char buf[256];
    char *host;
    char *port;
    char *sep;
    size_t host_len;
    struct addrinfo hints;
    struct addrinfo *res;
    int rc;

    if (strlen(rest) >= sizeof(buf)) {
        error_set(err, "%s: address too long", target->spec);
        return -1;
    }
    strcpy(buf, rest);
    if ((sep = strchr(buf, '@')) != NULL) {
        *sep = 0;
        port = buf;
        host = sep + 1;
    } else if ((sep = strrchr(buf, ':')) != NULL) {
        *sep = 0;
        host = buf;
        port = sep + 1;
    } else {
        host = buf + strlen(buf);
        port = buf;
    }
    host_len = strlen(host);
    if (host_len >= 2 && host[0] == '[' && host[host_len - 1] == ']') {
        host[host_len - 1] = 0;
        host++;
    }
    if (*port == 0 || strspn(port, "0123456789") != strlen(port)) {
        error_set(err, "%s: bad port \"%s\"", target->spec, port);
        return -1;
    }
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV;
    if (*host == 0)
        rc = getaddrinfo(family == AF_INET6 ? "::1" : "127.0.0.1", port, &hints, &res);
    else
        rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        error_set(err, "%s: %s: %s", target->spec, host, gai_strerror(rc));
        return -1;
    }
    memcpy(&target->addr, res->ai_addr, res->ai_addrlen);
    target->addr_len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

/* wire_target_parse - resolve a socket specification */
int wire_target_parse(const char *spec, struct wire_target *target,
                      struct vigie_error *err)
{
    const char *colon = strchr(spec, ':');
    size_t kind_len = colon ? (size_t)(colon - spec) : 0;

    memset(target, 0, sizeof(*target));
    snprintf(target->spec, sizeof(target->spec), "%s", spec);
    if (colon == NULL) {
        error_set(err, "%s: expected unix:/path, inet:port@host or inet:host:port", spec);
        return -1;
    }
    if ((kind_len == 4 && strncmp(spec, "unix", 4) == 0)
        || (kind_len == 5 && strncmp(spec, "local", 5) == 0))
        return wire_target_unix(colon + 1, target, err);
    if (kind_len == 4 && strncmp(spec, "inet", 4) == 0)
        return wire_target_inet(colon + 1, AF_INET, target, err);
    if (kind_len == 5 && strncmp(spec, "inet6", 5) == 0)
        return wire_target_inet(colon + 1, AF_INET6, target, err);
    error_set(err, "%s: unknown socket type \"%.*s\"", spec, (int)kind_len, spec);
    return -1;
}

/* wire_init - a closed connection, empty buffers */
void wire_init(struct wire *w)
{
    memset(w, 0, sizeof(*w));
    w->fd = -1;
}

/* wire_strerror - errno as text, naming a timeout as such */
static const char *wire_strerror(const struct wire *w, int errnum, char *buf, size_t len)
{
    if (errnum == EAGAIN || errnum == EWOULDBLOCK || errnum == EINPROGRESS) {
        snprintf(buf, len, "timed out after %u ms", w->timeout_ms);
        return buf;
    }
    return strerror_r(errnum, buf, len);
}

/* wire_open - connect, with timeouts on every later read and write */
int wire_open(struct wire *w, const struct wire_target *target,
              unsigned timeout_ms, struct vigie_error *err)
{
    struct timeval tv;
    char ebuf[128];

    wire_close(w);
    w->target = target;
    w->timeout_ms = timeout_ms;
    w->fd = socket(target->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (w->fd < 0) {
        error_set(err, "socket: %s", strerror_r(errno, ebuf, sizeof(ebuf)));
        return -1;
    }
    tv.tv_sec = timeout_ms / 1000;
    tv.tv_usec = (timeout_ms % 1000) * 1000;
    if (setsockopt(w->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) < 0
        || setsockopt(w->fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0) {
        error_set(err, "setsockopt: %s", strerror_r(errno, ebuf, sizeof(ebuf)));
        wire_close(w);
        return -1;
    }
    while (connect(w->fd, (const struct sockaddr *)&target->addr, target->addr_len) < 0) {
        if (errno == EINTR)
            continue;
        error_set(err, "connect to %s: %s", target->spec,
                  wire_strerror(w, errno, ebuf, sizeof(ebuf)));
        wire_close(w);
        return -1;
    }
    return 0;
}

/* wire_close - close, dropping unsent and unread bytes */
void wire_close(struct wire *w)
{
    if (w->fd >= 0)
        close(w->fd);
    w->fd = -1;
    w->out_len = w->pkt_start = 0;
    w->oom = false;
    w->in_start = w->in_end = 0;
}

/* wire_free - close and release the buffers */
void wire_free(struct wire *w)
{
    wire_close(w);
    free(w->out);
    free(w->in);
    wire_init(w);
}

/* wire_reserve - room for len more output bytes; false (and oom) when none */
static bool wire_reserve(struct wire *w, size_t len)
{
    size_t cap;
    unsigned char *p;

    if (w->oom)
        return false;
    if (w->out_cap - w->out_len >= len)
        return true;
    cap = w->out_cap ? w->out_cap : WIRE_MIN_BUFFER;
    while (cap - w->out_len < len)
        cap *= 2;
    if ((p = realloc(w->out, cap)) == NULL) {
        w->oom = true;
        return false;
    }
    w->out = p;
    w->out_cap = cap;
    return true;
}

/* wire_begin - start a packet: room for the length, then the command */
void wire_begin(struct wire *w, int cmd)
{
    w->pkt_start = w->out_len;
    if (!wire_reserve(w, WIRE_HEADER_LEN + 1))
        return;
    memset(w->out + w->out_len, 0, WIRE_HEADER_LEN);
    w->out[w->out_len + WIRE_HEADER_LEN] = (unsigned char)cmd;
    w->out_len += WIRE_HEADER_LEN + 1;
}

/* wire_put - append bytes to the packet */
void wire_put(struct wire *w, const void *data, size_t len)
{
    if (len == 0 || !wire_reserve(w, len))
        return;
    memcpy(w->out + w->out_len, data, len);
    w->out_len += len;
}

/* wire_put_str - append a string with its NUL */
void wire_put_str(struct wire *w, const char *str)
{
    wire_put(w, str, strlen(str) + 1);
}

/* wire_put_u32 - append a 32-bit value, network order */
void wire_put_u32(struct wire *w, uint32_t value)
{
    uint32_t net = htonl(value);

    wire_put(w, &net, sizeof(net));
}

/* wire_put_u16 - append a 16-bit value, network order */
void wire_put_u16(struct wire *w, uint16_t value)
{
    uint16_t net = htons(value);

    wire_put(w, &net, sizeof(net));
}

/* wire_put_byte - append one byte */
void wire_put_byte(struct wire *w, int byte)
{
    unsigned char c = (unsigned char)byte;

    wire_put(w, &c, 1);
}

/* wire_end - fill in the packet length */
int wire_end(struct wire *w, struct vigie_error *err)
{
    uint32_t len;

    if (w->oom) {
        error_set(err, "out of memory building a milter packet");
        w->out_len = w->pkt_start = 0;
        w->oom = false;
        return -1;
    }
    len = htonl((uint32_t)(w->out_len - w->pkt_start - WIRE_HEADER_LEN));
    memcpy(w->out + w->pkt_start, &len, sizeof(len));
    w->pkt_start = w->out_len;
    return 0;
}

/* wire_flush - write every finished packet */
int wire_flush(struct wire *w, struct vigie_error *err)
{
    size_t done = 0;
    ssize_t n;
    char ebuf[128];

    if (w->oom)
        return wire_end(w, err);
    while (done < w->out_len) {
        n = send(w->fd, w->out + done, w->out_len - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            error_set(err, "write to %s: %s", w->target->spec,
                      wire_strerror(w, errno, ebuf, sizeof(ebuf)));
            wire_close(w);
            return -1;
        }
        done += (size_t)n;
    }
    w->out_len = w->pkt_start = 0;
    return 0;
}

/* wire_fill - have at least need unread input bytes buffered */
static int wire_fill(struct wire *w, size_t need, struct vigie_error *err)
{
    size_t cap;
    unsigned char *p;
    ssize_t n;
    char ebuf[128];

    if (w->in_start > 0 && w->in_cap - w->in_start < need) {
        memmove(w->in, w->in + w->in_start, w->in_end - w->in_start);
        w->in_end -= w->in_start;
        w->in_start = 0;
    }
    if (w->in_cap < need) {
        cap = w->in_cap ? w->in_cap : WIRE_MIN_BUFFER;
        while (cap < need)
            cap *= 2;
        if ((p = realloc(w->in, cap)) == NULL) {
            error_set(err, "out of memory reading a milter packet");
            return -1;
        }
        w->in = p;
        w->in_cap = cap;
    }
    while (w->in_end - w->in_start < need) {
        n = recv(w->fd, w->in + w->in_end, w->in_cap - w->in_end, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n == 0) {
            error_set(err, "%s closed the connection", w->target->spec);
            return -1;
        }
        if (n < 0) {
            error_set(err, "read from %s: %s", w->target->spec,
                      wire_strerror(w, errno, ebuf, sizeof(ebuf)));
            return -1;
        }
        w->in_end += (size_t)n;
    }
    return 0;
}

/* wire_read - flush, then read one packet */
int wire_read(struct wire *w, int *cmd, const unsigned char **data,
              size_t *len, struct vigie_error *err)
{
    uint32_t net;
    size_t pkt_len;

    if (w->fd < 0) {
        error_set(err, "not connected");
        return -1;
    }
    if (w->out_len > 0 && wire_flush(w, err) < 0)
        return -1;
    if (wire_fill(w, WIRE_HEADER_LEN, err) < 0)
        goto fail;
    memcpy(&net, w->in + w->in_start, sizeof(net));
    pkt_len = ntohl(net);
    if (pkt_len < 1 || pkt_len > WIRE_MAX_PACKET) {
        error_set(err, "%s sent a packet of bad length %zu", w->target->spec, pkt_len);
        goto fail;
    }
    if (wire_fill(w, WIRE_HEADER_LEN + pkt_len, err) < 0)
        goto fail;
    *cmd = w->in[w->in_start + WIRE_HEADER_LEN];
    *data = w->in + w->in_start + WIRE_HEADER_LEN + 1;
    *len = pkt_len - 1;
    w->in_start += WIRE_HEADER_LEN + pkt_len;
    return 0;

fail:
    wire_close(w);
    return -1;
}
