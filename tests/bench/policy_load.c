/*
 * NAME
 *	policy_load - a Postfix-like load client for SMTP access policy services
 * SYNOPSIS
 *	policy_load (-u PATH | -t HOST:PORT) [-c CONNECTIONS] [-d SECONDS] [-U USERS]
 * DESCRIPTION
 *	Opens CONNECTIONS (default 100) persistent connections to a policy
 *	service, as that many Postfix smtpd processes would, and keeps
 *	each busy for SECONDS (default 5): one RCPT request (the attributes
 *	Postfix 3.7 sends, an authenticated user among USERS, default
 *	1000, a new recipient each time), its reply, the next request.
 *	One thread drives every connection through epoll, so the client
 *	costs little next to the service measured.
 *
 *	Prints one line:
 *	    policy_load: C connections, N requests in S s: R req/s,
 *	    p50 X ms, p99 Y ms, DUNNO n, other n, errors n
 *	and then "RESULT rps=R p99_ms=Y" for scripts. A connection the
 *	service closes counts as an error and is not reopened. Exits 1
 *	when no request was answered.
 */
#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define REQUEST_MAX 2048
#define REPLY_MAX 1024

struct conn {
    int fd;
    unsigned id;
    unsigned long seq;          /* requests sent */
    double sent_at;             /* when the pending request went out */
    char reply[REPLY_MAX];
    size_t reply_len;
};

struct stats {
    double *latency;            /* ms of each answered request */
    size_t count;
    size_t cap;
    unsigned long dunno;
    unsigned long other;
    unsigned long errors;
};

/* now_ms - monotonic milliseconds */
static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

/* usage - the synopsis; exits 2 */
static void usage(void)
{
    fprintf(stderr, "usage: policy_load (-u PATH | -t HOST:PORT) [-c CONNECTIONS]"
                    " [-d SECONDS] [-U USERS]\n");
    exit(2);
}

/* connect_to - a blocking connection to the unix path or "host:port"; -1 on error */
static int connect_to(const char *unix_path, const char *tcp)
{
    struct addrinfo hints, *res;
    struct sockaddr_un sun;
    char host[256];
    const char *colon;
    int fd;

    if (unix_path != NULL) {
        memset(&sun, 0, sizeof(sun));
        sun.sun_family = AF_UNIX;
        snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", unix_path);
        if ((fd = socket(AF_UNIX, SOCK_STREAM, 0)) < 0)
            return -1;
        if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
            close(fd);
            return -1;
        }
        return fd;
    }
    if ((colon = strrchr(tcp, ':')) == NULL)
        return -1;
    snprintf(host, sizeof(host), "%.*s", (int)(colon - tcp), tcp);
    memset(&hints, 0, sizeof(hints));
    hints.ai_socktype = SOCK_STREAM;
    if (getaddrinfo(host, colon + 1, &hints, &res) != 0)
        return -1;
    fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
    if (fd >= 0 && connect(fd, res->ai_addr, res->ai_addrlen) < 0) {
        close(fd);
        fd = -1;
    }
    freeaddrinfo(res);
    return fd;
}

/* send_request - the next RCPT request of c; -1 when the write fails */
static int send_request(struct conn *c, unsigned users)
{
    char req[REQUEST_MAX];
    unsigned user = (unsigned)((c->id * 7919u + c->seq) % users);
    int n;

    c->seq++;
    n = snprintf(req, sizeof(req),
                 "request=smtpd_access_policy\nprotocol_state=RCPT\nprotocol_name=ESMTP\n"
                 "helo_name=client%u.example\nqueue_id=\nsender=user%u@test.example\n"
                 "recipient=rcpt%lu@far%u.example\nrecipient_count=0\n"
                 "client_address=198.51.100.%u\nclient_name=client%u.example\n"
                 "reverse_client_name=client%u.example\ninstance=%x.%lx\n"
                 "sasl_method=PLAIN\nsasl_username=user%u@test.example\nsasl_sender=\n"
                 "size=2048\nccert_subject=\nccert_issuer=\nccert_fingerprint=\n"
                 "encryption_protocol=TLSv1.3\nencryption_cipher=TLS_AES_256_GCM_SHA384\n"
                 "encryption_keysize=256\netrn_domain=\nstress=\nccert_pubkey_fingerprint=\n"
                 "client_port=%u\npolicy_context=\nserver_address=127.0.0.1\n"
                 "server_port=587\ncompatibility_level=3.6\nmail_version=3.7.11\n\n",
                 c->id, user, c->seq, (unsigned)(c->seq % 50), c->id % 250 + 1, c->id,
                 c->id, c->id, c->seq, user, 40000 + c->id % 20000);
    c->sent_at = now_ms();
    c->reply_len = 0;
    return write(c->fd, req, (size_t)n) == n ? 0 : -1;
}

/* record - one answered request */
static void record(struct stats *st, const struct conn *c)
{
    double *grown;

    if (st->count == st->cap) {
        st->cap = st->cap ? st->cap * 2 : 65536;
        if ((grown = realloc(st->latency, st->cap * sizeof(*grown))) == NULL) {
            perror("policy_load: realloc");
            exit(1);
        }
        st->latency = grown;
    }
    st->latency[st->count++] = now_ms() - c->sent_at;
    if (strncasecmp(c->reply, "action=DUNNO\n", 13) == 0)
        st->dunno++;
    else
        st->other++;
}

/* readable - read a reply; 1 when complete, 0 when partial, -1 when closed */
static int readable(struct conn *c)
{
    ssize_t n = read(c->fd, c->reply + c->reply_len, sizeof(c->reply) - 1 - c->reply_len);

    if (n <= 0)
        return n < 0 && errno == EINTR ? 0 : -1;
    c->reply_len += (size_t)n;
    c->reply[c->reply_len] = '\0';
    if (strstr(c->reply, "\n\n") != NULL)
        return 1;
    return c->reply_len + 1 >= sizeof(c->reply) ? -1 : 0;
}

/* compare - qsort order of doubles */
static int compare(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return x < y ? -1 : x > y;
}

/* percentile - the p-th percentile of the sorted latencies */
static double percentile(const struct stats *st, double p)
{
    size_t i = (size_t)(p / 100.0 * (double)(st->count - 1));

    return st->latency[i];
}

int main(int argc, char **argv)
{
    const char *unix_path = NULL, *tcp = NULL;
    unsigned conns = 100, users = 1000, open_conns = 0;
    double seconds = 5, start, end;
    struct stats st = {0};
    struct epoll_event ev, events[256];
    struct conn *c;
    int epfd, opt;

    while ((opt = getopt(argc, argv, "c:d:t:u:U:")) != -1) {
        switch (opt) {
        case 'c':
            conns = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'd':
            seconds = strtod(optarg, NULL);
            break;
        case 't':
            tcp = optarg;
            break;
        case 'u':
            unix_path = optarg;
            break;
        case 'U':
            users = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            usage();
        }
    }
    if ((unix_path == NULL) == (tcp == NULL) || conns == 0 || users == 0 || seconds <= 0)
        usage();
    if ((c = calloc(conns, sizeof(*c))) == NULL || (epfd = epoll_create1(0)) < 0) {
        perror("policy_load");
        return 1;
    }
    start = now_ms();
    for (unsigned i = 0; i < conns; i++) {
        c[i].id = i;
        if ((c[i].fd = connect_to(unix_path, tcp)) < 0) {
            fprintf(stderr, "policy_load: connection %u: %s\n", i, strerror(errno));
            return 1;
        }
        ev.events = EPOLLIN;
        ev.data.ptr = &c[i];
        if (epoll_ctl(epfd, EPOLL_CTL_ADD, c[i].fd, &ev) < 0 || send_request(&c[i], users) < 0) {
            perror("policy_load: first request");
            return 1;
        }
        open_conns++;
    }
    end = start + seconds * 1000.0;
    while (open_conns > 0 && now_ms() < end) {
        int n = epoll_wait(epfd, events, 256, 100);

        for (int i = 0; i < n; i++) {
            struct conn *k = events[i].data.ptr;
            int status = readable(k);

            if (status == 1) {
                record(&st, k);
                status = send_request(k, users);
            }
            if (status < 0) {
                st.errors++;
                epoll_ctl(epfd, EPOLL_CTL_DEL, k->fd, NULL);
                close(k->fd);
                open_conns--;
            }
        }
    }
    end = now_ms();
    if (st.count == 0) {
        fprintf(stderr, "policy_load: no request was answered (%lu errors)\n", st.errors);
        return 1;
    }
    qsort(st.latency, st.count, sizeof(*st.latency), compare);
    printf("policy_load: %u connections, %zu requests in %.1f s: %.0f req/s, p50 %.3f ms,"
           " p99 %.3f ms, DUNNO %lu, other %lu, errors %lu\n", conns, st.count,
           (end - start) / 1000.0, (double)st.count * 1000.0 / (end - start),
           percentile(&st, 50), percentile(&st, 99), st.dunno, st.other, st.errors);
    printf("RESULT rps=%.0f p99_ms=%.3f\n", (double)st.count * 1000.0 / (end - start),
           percentile(&st, 99));
    for (unsigned i = 0; i < conns; i++)
        close(c[i].fd);
    free(st.latency);
    free(c);
    return 0;
}
