/*
 * NAME
 *	server - vigie-policyd's serving threads
 * SYNOPSIS
 *	#include "policy.h"
 * DESCRIPTION
 *	Every smtpd process of Postfix keeps one persistent connection to
 *	the policy service, so hundreds of connections are usual, most of
 *	them idle. policy_threads threads serve them, each with its own
 *	epoll set and its own Redis connection; each accepts from the
 *	shared listening socket (EPOLLEXCLUSIVE: one thread wakes per new
 *	connection) and keeps the connections it accepted. A request is
 *	decided as soon as it is complete, except its rate-limit check:
 *	the requests that arrived in one wake-up wait for theirs together,
 *	and the thread runs them as one batch (ratelimit_check_batch: one
 *	script call, one round trip to Redis for all), then answers them. A
 *	connection's own requests are still answered one after the other,
 *	in order. A thread blocks only for Redis (and for SPF's DNS and
 *	greylisting, when they are on).
 *
 *	Limits, so that memory stays bounded and a bad client cannot hurt
 *	the others:
 *	- policy_max_connections connections at most (fewer if the open
 *	  files limit cannot be raised for them): one more is closed at
 *	  once (Postfix then applies its default_action) and logged;
 *	- a connection holds one request at most, policy_max_request bytes
 *	  and policy_max_attributes lines (request.h); more, a NUL byte or
 *	  a malformed line: the client is logged and disconnected, without
 *	  a reply, as SMTPD_POLICY_README asks;
 *	- a connection idle for policy_idle_timeout is closed;
 *	- a client that does not read its replies is not read from either.
 *
 *	Replies are written at once; a reply that does not fit in the
 *	socket buffer waits for EPOLLOUT. Requests sent ahead of their
 *	replies (pipelining) are answered in order.
 *
 *	The sizes and the timeout come from the snapshot in force, read at
 *	each wake-up; the socket, the thread count and the connection limit
 *	are fixed at start-up.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "daemon.h"
#include "log.h"
#include "policy.h"

#define EVENTS_MAX 64           /* epoll events taken at once */
#define ACCEPT_BATCH 16         /* connections accepted per wake-up */
#define INPUT_FIRST 2048        /* first size of an input buffer */
#define FULL_LOG_SECONDS 10     /* at most one "too many connections" line this often */
#define PEER_MAX 64
#define FILES_SPARE 64          /* descriptors beside the connections: Redis, logs, alerts */

struct conn {
    int fd;
    char *in;                   /* what the client sent, not yet answered */
    size_t in_len;
    size_t in_cap;
    struct policy_framer framer;
    char out[POLICY_REPLY_MAX]; /* a reply not written yet */
    size_t out_len;
    size_t out_off;
    time_t last;                /* monotonic seconds of the last byte read */
    struct conn *prev;          /* the worker's list, least recently active first */
    struct conn *next;
    char peer[PEER_MAX];        /* who, for logs */
    struct policy_session session;
    bool waiting;               /* a request waits in the worker's batch ... */
    size_t waiting_len;         /* ... its bytes at the start of in[] */
    struct policy_pending pending;
};

struct worker {
    struct policy_server *server;
    pthread_t tid;
    bool started;
    int epfd;
    struct policy_thread thread;
    struct conn *head;
    struct conn *tail;
    /* connections waiting for their rate-limit check: at most one per
     * event of a wake-up, so at most EVENTS_MAX */
    struct conn *batch[EVENTS_MAX];
    size_t nbatch;
    struct ratelimit_job jobs[EVENTS_MAX];
};

struct policy_server {
    struct policy_listener listener;
    int stop_fd;                /* eventfd, readable once stopping */
    struct worker *workers;
    unsigned worker_count;
    unsigned max_connections;
    atomic_uint connections;
    atomic_llong full_logged;   /* when "too many connections" was last logged */
};

/* Markers of the two descriptors that are not connections, in epoll data. */
static char listen_marker, stop_marker;

/* now_seconds - monotonic seconds */
static time_t now_seconds(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec;
}

/* policy_server_open - bind and listen */
struct policy_server *policy_server_open(const struct vigie_config *config, uid_t uid,
                                         gid_t gid, bool chown_socket,
                                         struct vigie_error *err)
{
    struct policy_server *server = calloc(1, sizeof(*server));
    int status;

    if (server == NULL) {
        error_set(err, "out of memory");
        return NULL;
    }
    server->stop_fd = -1;
    status = policy_listener_open(&server->listener, config, uid, gid, chown_socket, err);
    if (status == 0 && (server->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK)) < 0) {
        error_set(err, "eventfd: %s", strerror(errno));
        status = -1;
    }
    if (status < 0) {
        policy_server_stop(server);
        return NULL;
    }
    return server;
}

/* list_unlink - take c out of the worker's list */
static void list_unlink(struct worker *w, struct conn *c)
{
    if (c->prev != NULL)
        c->prev->next = c->next;
    else
        w->head = c->next;
    if (c->next != NULL)
        c->next->prev = c->prev;
    else
        w->tail = c->prev;
    c->prev = c->next = NULL;
}

/* list_append - put c at the end (most recently active) */
static void list_append(struct worker *w, struct conn *c)
{
    c->prev = w->tail;
    c->next = NULL;
    if (w->tail != NULL)
        w->tail->next = c;
    else
        w->head = c;
    w->tail = c;
}

/* conn_close - close and free c */
static void conn_close(struct worker *w, struct conn *c)
{
    list_unlink(w, c);
    close(c->fd);
    free(c->in);
    free(c);
    atomic_fetch_sub(&w->server->connections, 1);
}

/* refuse_full - too many connections: close fd, log now and then */
static void refuse_full(struct policy_server *server, int fd)
{
    long long now = (long long)now_seconds();
    long long last = atomic_load(&server->full_logged);

    close(fd);
    if (now - last >= FULL_LOG_SECONDS
        && atomic_compare_exchange_strong(&server->full_logged, &last, now))
        msg_warn("%u connections open, the most allowed (policy_max_connections, open files"
                 " limit): refusing new ones; Postfix applies its default_action to them",
                 server->max_connections);
}

/* accept_some - accept what is waiting, up to ACCEPT_BATCH */
static void accept_some(struct worker *w)
{
    struct policy_server *server = w->server;

    for (int i = 0; i < ACCEPT_BATCH; i++) {
        int fd = accept4(server->listener.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        struct epoll_event ev;
        struct conn *c;

        if (fd < 0) {
            if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR
                && errno != ECONNABORTED)
                msg_warn("accept: %s", strerror(errno));
            return;
        }
        if (atomic_fetch_add(&server->connections, 1) >= server->max_connections) {
            atomic_fetch_sub(&server->connections, 1);
            refuse_full(server, fd);
            continue;
        }
        if ((c = calloc(1, sizeof(*c))) == NULL) {
            msg_warn("out of memory for a new connection: closing it");
            close(fd);
            atomic_fetch_sub(&server->connections, 1);
            continue;
        }
        c->fd = fd;
        c->last = now_seconds();
        policy_peer_name(&server->listener, fd, c->peer, sizeof(c->peer));
        list_append(w, c);
        ev.events = EPOLLIN;
        ev.data.ptr = c;
        if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
            msg_warn("epoll_ctl: %s: closing connection from %s", strerror(errno), c->peer);
            conn_close(w, c);
        }
    }
}

/* want_output - watch fd for writability (on) or for input only */
static int want_output(struct worker *w, struct conn *c, bool on)
{
    struct epoll_event ev;

    ev.events = on ? EPOLLOUT : EPOLLIN;
    ev.data.ptr = c;
    return epoll_ctl(w->epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/*
 * flush - write what is left of the reply
 *	Returns 1 when all is written, 0 when the rest waits for EPOLLOUT,
 *	-1 when the connection failed (logged).
 */
static int flush(struct worker *w, struct conn *c)
{
    while (c->out_off < c->out_len) {
        ssize_t n = write(c->fd, c->out + c->out_off, c->out_len - c->out_off);

        if (n > 0) {
            c->out_off += (size_t)n;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            return want_output(w, c, true) < 0 ? -1 : 0;
        } else {
            msg_info("client %s: write: %s", c->peer, strerror(errno));
            return -1;
        }
    }
    c->out_len = c->out_off = 0;
    return 1;
}

/*
 * respond - send the action of the request of len bytes at the start of
 *	c's input, and drop that request. Returns as flush.
 */
static int respond(struct worker *w, struct conn *c, const char *action, size_t len)
{
    c->out_len = policy_reply(action, c->out);
    c->out_off = 0;
    memmove(c->in, c->in + len, c->in_len - len);
    c->in_len -= len;
    policy_framer_reset(&c->framer);
    return flush(w, c);
}

/*
 * answer - decide every complete request held, writing each reply; one
 *	that needs its rate-limit check joins the worker's batch, and the
 *	requests after it wait for its answer.
 *	Returns 0 to go on, -1 when the connection must be closed (logged).
 */
static int answer(struct worker *w, struct conn *c)
{
    const struct vigie_config *config = w->thread.snap->config;
    const struct policy_limits limits = {config->policy_max_request,
                                         config->policy_max_attributes};
    struct policy_request req;
    struct vigie_error err;
    char action[POLICY_ACTION_MAX];
    size_t len;
    int status;

    while (c->out_len == 0 && !c->waiting) {
        switch (policy_frame(&c->framer, c->in, c->in_len, &limits, &len, &err)) {
        case POLICY_FRAME_MORE:
            return 0;
        case POLICY_FRAME_ERROR:
            msg_warn("client %s: %s: disconnecting", c->peer, err.msg);
            return -1;
        case POLICY_FRAME_DONE:
            break;
        }
        if (policy_request_parse(c->in, len, &req, &err) < 0) {
            msg_warn("client %s: malformed request: %s: disconnecting", c->peer, err.msg);
            return -1;
        }
        if (!policy_decide_start(&w->thread, &c->session, &req, &c->pending, action)) {
            if (w->nbatch == EVENTS_MAX)
                msg_panic("policy batch: more than %d requests waiting", EVENTS_MAX);
            c->waiting = true;
            c->waiting_len = len;
            w->batch[w->nbatch++] = c;
            return 0;
        }
        if ((status = respond(w, c, action, len)) <= 0)
            return status;
    }
    return 0;
}

/*
 * run_batch - run the rate-limit checks of the connections waiting,
 *	answer them, and go on with the requests they hold (which may
 *	fill the batch again)
 */
static void run_batch(struct worker *w)
{
    struct conn *batch[EVENTS_MAX];
    size_t n = w->nbatch;
    char action[POLICY_ACTION_MAX];

    memcpy(batch, w->batch, n * sizeof(*batch));
    w->nbatch = 0;
    for (size_t i = 0; i < n; i++)
        w->jobs[i].request = &batch[i]->pending.check.request;
    ratelimit_check_batch(w->thread.snap->limits, w->thread.rc, w->jobs, n);
    for (size_t i = 0; i < n; i++) {
        struct conn *c = batch[i];
        int status;

        policy_decide_finish(&w->thread, &c->session, &c->pending, &w->jobs[i], action);
        c->waiting = false;
        status = respond(w, c, action, c->waiting_len);
        if (status > 0)
            status = answer(w, c);
        if (status < 0)
            conn_close(w, c);
    }
}

/*
 * room - make room in c's input buffer, up to max bytes in all
 *	Returns 0, or -1 when memory is short (logged).
 */
static int room(struct conn *c, size_t max)
{
    size_t cap;
    char *in;

    if (c->in_len < c->in_cap || c->in_cap >= max)
        return 0;
    cap = c->in_cap == 0 ? INPUT_FIRST : c->in_cap * 2;
    if (cap > max)
        cap = max;
    if ((in = realloc(c->in, cap)) == NULL) {
        msg_warn("client %s: out of memory for its request: disconnecting", c->peer);
        return -1;
    }
    c->in = in;
    c->in_cap = cap;
    return 0;
}

/* readable - read what came and answer it; -1 when c must be closed */
static int readable(struct worker *w, struct conn *c)
{
    size_t max = w->thread.snap->config->policy_max_request;
    ssize_t n;

    if (room(c, max) < 0)
        return -1;
    if (c->in_len >= c->in_cap) {
        /* a smaller policy_max_request since a reload: the framer says so */
        return answer(w, c);
    }
    n = read(c->fd, c->in + c->in_len, c->in_cap - c->in_len);
    if (n < 0)
        return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
    if (n == 0) {
        if (c->in_len > 0)
            msg_warn("client %s: disconnected in the middle of a request (%zu bytes)",
                     c->peer, c->in_len);
        return -1;
    }
    c->in_len += (size_t)n;
    c->last = now_seconds();
    list_unlink(w, c);
    list_append(w, c);
    return answer(w, c);
}

/* writable - the rest of a reply can go; then the requests held */
static int writable(struct worker *w, struct conn *c)
{
    int status = flush(w, c);

    if (status <= 0)
        return status;
    if (want_output(w, c, false) < 0)
        return -1;
    return answer(w, c);
}

/* expire_idle - close the connections idle for policy_idle_timeout */
static void expire_idle(struct worker *w)
{
    time_t limit = now_seconds() - (time_t)w->thread.snap->config->policy_idle_timeout;

    while (w->head != NULL && w->head->last <= limit) {
        msg_debug("client %s: idle for %us: closing", w->head->peer,
                  w->thread.snap->config->policy_idle_timeout);
        conn_close(w, w->head);
    }
}

/* serve - one thread's loop, until the stop event */
static void *serve(void *arg)
{
    struct worker *w = arg;
    struct epoll_event events[EVENTS_MAX];

    for (;;) {
        int n = epoll_wait(w->epfd, events, EVENTS_MAX, 1000);
        bool stopping = false;

        if (n < 0 && errno != EINTR) {
            msg_error("epoll_wait: %s: a serving thread stops", strerror(errno));
            break;
        }
        policy_thread_refresh(&w->thread);
        for (int i = 0; i < n; i++) {
            void *p = events[i].data.ptr;
            uint32_t e = events[i].events;
            struct conn *c = p;
            int status = 0;

            if (p == &stop_marker) {
                stopping = true;
                continue;
            }
            if (p == &listen_marker) {
                accept_some(w);
                continue;
            }
            /* a connection waiting to write is watched for EPOLLOUT only */
            if (c->out_len > 0)
                status = e & (EPOLLOUT | EPOLLHUP | EPOLLERR) ? writable(w, c) : 0;
            else
                status = e & (EPOLLIN | EPOLLHUP | EPOLLERR) ? readable(w, c) : 0;
            if (status < 0)
                conn_close(w, c);
        }
        while (w->nbatch > 0)
            run_batch(w);
        if (stopping)
            return NULL;
        expire_idle(w);
    }
    return NULL;
}

/*
 * file_limit - raise the open files limit for max_connections connections
 *	Returns how many connections the limit leaves room for: fewer
 *	than max_connections (with a warning) when it cannot be raised
 *	enough, so that accept() never fails for want of descriptors.
 */
static unsigned file_limit(unsigned max_connections, unsigned threads)
{
    rlim_t spare = 2 * (rlim_t)threads + FILES_SPARE;
    rlim_t want = max_connections + spare;
    struct rlimit rl;

    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
        return max_connections;
    rl.rlim_cur = rl.rlim_max == RLIM_INFINITY || rl.rlim_max >= want ? want : rl.rlim_max;
    if (setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want)
        return max_connections;
    if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur <= spare)
        rl.rlim_cur = spare + 1;
    msg_warn("the open files limit (%lu) leaves room for %lu connections, not"
             " policy_max_connections = %u: raise LimitNOFILE", (unsigned long)rl.rlim_cur,
             (unsigned long)(rl.rlim_cur - spare), max_connections);
    return (unsigned)(rl.rlim_cur - spare);
}

/* worker_init - the epoll set and the thread state of w */
static int worker_init(struct worker *w, struct policy_server *server, struct vigie_error *err)
{
    struct epoll_event ev;

    w->server = server;
    if ((w->epfd = epoll_create1(EPOLL_CLOEXEC)) < 0) {
        error_set(err, "epoll_create1: %s", strerror(errno));
        return -1;
    }
    ev.events = EPOLLIN | EPOLLEXCLUSIVE;
    ev.data.ptr = &listen_marker;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, server->listener.fd, &ev) < 0) {
        error_set(err, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    ev.events = EPOLLIN;
    ev.data.ptr = &stop_marker;
    if (epoll_ctl(w->epfd, EPOLL_CTL_ADD, server->stop_fd, &ev) < 0) {
        error_set(err, "epoll_ctl: %s", strerror(errno));
        return -1;
    }
    return policy_thread_init(&w->thread, err);
}

/* policy_server_start - the serving threads */
int policy_server_start(struct policy_server *server, const struct vigie_config *config,
                        struct vigie_error *err)
{
    sigset_t old;
    int status = 0;

    server->max_connections = file_limit(config->policy_max_connections,
                                         config->policy_threads);
    if ((server->workers = calloc(config->policy_threads, sizeof(*server->workers))) == NULL) {
        error_set(err, "out of memory");
        return -1;
    }
    for (unsigned i = 0; i < config->policy_threads; i++)
        server->workers[i].epfd = -1;
    server->worker_count = config->policy_threads;
    daemon_block_signals(&old);
    for (unsigned i = 0; i < server->worker_count && status == 0; i++) {
        struct worker *w = &server->workers[i];

        if ((status = worker_init(w, server, err)) == 0
            && (status = pthread_create(&w->tid, NULL, serve, w)) != 0) {
            error_set(err, "cannot start a serving thread: %s", strerror(status));
            status = -1;
        }
        w->started = status == 0;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    return status;
}

/* policy_server_stop - stop, close, remove; frees server (NULL is allowed) */
void policy_server_stop(struct policy_server *server)
{
    uint64_t one = 1;

    if (server == NULL)
        return;
    if (server->stop_fd >= 0 && write(server->stop_fd, &one, sizeof(one)) < 0)
        msg_warn("cannot wake the serving threads: %s", strerror(errno));
    for (unsigned i = 0; i < server->worker_count; i++) {
        struct worker *w = &server->workers[i];

        if (w->started)
            pthread_join(w->tid, NULL);
        while (w->head != NULL)
            conn_close(w, w->head);
        if (w->thread.snap != NULL)
            policy_thread_fini(&w->thread);
        if (w->epfd >= 0)
            close(w->epfd);
    }
    free(server->workers);
    policy_listener_close(&server->listener);
    if (server->stop_fd >= 0)
        close(server->stop_fd);
    free(server);
}
