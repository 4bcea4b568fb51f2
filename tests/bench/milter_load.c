/*
 * NAME
 *	milter_load - replay a mail corpus to a milter, as Postfix would, and time it
 * SYNOPSIS
 *	milter_load -s socket [-c connections] [-n passes | -d seconds]
 *		[-m messages_per_connection] [-t timeout_ms] [-f sender]
 *		[-r recipient] [-a sasl_login] [-i client_addr] [-H helo]
 *		[-q] [-v] [path ...]
 * DESCRIPTION
 *	Loads every message file under the paths (default
 *	../shared/corpus/test/ham and ../shared/corpus/test/spam), then
 *	runs one thread per connection; each takes the next message of
 *	the corpus and sends it over its own milter connection (see
 *	milter_client.h), opening one connection per message unless -m
 *	lets several messages share a session, as several mail
 *	transactions share one SMTP session in Postfix. It stops after
 *	-n passes over the corpus, or after -d seconds.
 *
 *	A message's latency runs from the start of its exchange (opening
 *	the connection, or SMFIC_MAIL on a reused one) to the final reply
 *	(normally the one to SMFIC_BODYEOB). The report gives messages
 *	sent, messages per second, p50/p99/max latency, the count of each
 *	verdict and of each edit. -q prints the same as one line of
 *	key=value pairs; -v adds one line per message.
 *
 *	Exit status: 0, 1 when any message got an error instead of a
 *	verdict (the first ten are shown), 2 for bad usage or a corpus
 *	that cannot be read.
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_corpus.h"
#include "milter_client.h"
#include "milter_wire.h"

#define MAX_CONNECTIONS 1024
#define MAX_ERRORS_SHOWN 10

/* What every worker shares; read-only once the workers run, but for the atomics and the lock. */
struct run {
    const struct bench_corpus *corpus;
    const struct client_env *env;
    unsigned long total;        /* messages to send when not timed */
    bool timed;                 /* stop at the deadline instead */
    struct timespec deadline;
    unsigned per_session;       /* messages per connection; 0 = no limit */
    bool verbose;
    atomic_ulong next;          /* next message number to send */
    pthread_mutex_t lock;       /* stdout (-v) and error lines */
    unsigned long errors_shown;
};

/* One connection's thread and its own figures. */
struct worker {
    pthread_t thread;
    unsigned id;
    struct run *run;
    uint64_t *latency_ns;       /* one per message that got a verdict */
    size_t nlatency;
    size_t latency_cap;
    bool latency_oom;           /* some latencies could not be kept */
    unsigned long verdicts[VERDICT_COUNT];
    unsigned long edits[EDIT_COUNT];
    unsigned long progress;
};

/* now_ns - monotonic clock in nanoseconds */
static uint64_t now_ns(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* past_deadline - true once the timed run is over */
static bool past_deadline(const struct run *run)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec > run->deadline.tv_sec
        || (ts.tv_sec == run->deadline.tv_sec && ts.tv_nsec >= run->deadline.tv_nsec);
}

/* keep_latency - append one latency; on allocation failure note it and drop it */
static void keep_latency(struct worker *w, uint64_t ns)
{
    uint64_t *p;
    size_t cap;

    if (w->nlatency == w->latency_cap) {
        cap = w->latency_cap ? w->latency_cap * 2 : 4096;
        if ((p = realloc(w->latency_ns, cap * sizeof(*p))) == NULL) {
            w->latency_oom = true;
            return;
        }
        w->latency_ns = p;
        w->latency_cap = cap;
    }
    w->latency_ns[w->nlatency++] = ns;
}

/* report_message - the -v line, or an error line (the first few only) */
static void report_message(struct run *run, const struct bench_msg *msg,
                           const struct client_result *res, uint64_t ns,
                           const struct vigie_error *err)
{
    pthread_mutex_lock(&run->lock);
    if (res->verdict == VERDICT_ERROR && run->errors_shown++ < MAX_ERRORS_SHOWN)
        fprintf(stderr, "milter_load: %s: %s\n", msg->path, err->msg);
    if (run->verbose)
        printf("%s %s %.3f ms %s%s%s\n", res->queue_id, verdict_names[res->verdict],
               (double)ns / 1e6, msg->path, *res->reply ? " " : "", res->reply);
    pthread_mutex_unlock(&run->lock);
}

/* worker_main - send messages until the run is over */
static void *worker_main(void *arg)
{
    struct worker *w = arg;
    struct run *run = w->run;
    struct client client;
    struct client_result res;
    struct vigie_error err;
    const struct bench_msg *msg;
    unsigned long i;
    unsigned in_session = 0;
    uint64_t t0;
    uint64_t ns;

    client_init(&client, run->env, w->id);
    for (;;) {
        i = atomic_fetch_add(&run->next, 1);
        if (run->timed ? past_deadline(run) : i >= run->total)
            break;
        msg = &run->corpus->msgs[i % run->corpus->count];
        t0 = now_ns();
        if (client_message(&client, msg, &res, &err) == 0)
            keep_latency(w, ns = now_ns() - t0);
        else
            ns = now_ns() - t0;
        w->verdicts[res.verdict]++;
        w->progress += res.progress;
        for (int e = 0; e < EDIT_COUNT; e++)
            w->edits[e] += res.edits[e];
        if (run->verbose || res.verdict == VERDICT_ERROR)
            report_message(run, msg, &res, ns, &err);
        in_session = client.in_session ? in_session + 1 : 0;
        if (run->per_session != 0 && in_session >= run->per_session) {
            client_end_session(&client);
            in_session = 0;
        }
    }
    client_free(&client);
    return NULL;
}

/* u64_cmp - qsort order of latencies */
static int u64_cmp(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a;
    uint64_t y = *(const uint64_t *)b;

    return x < y ? -1 : x > y;
}

/* percentile_ms - nearest-rank percentile pct of n sorted values, in ms */
static double percentile_ms(const uint64_t *sorted, size_t n, unsigned pct)
{
    size_t rank = (pct * n + 99) / 100;

    if (n == 0)
        return 0.0;
    return (double)sorted[(rank < 1 ? 1 : rank) - 1] / 1e6;
}

/* report - merge the workers' figures and print them */
static void report(const struct run *run, struct worker *workers, unsigned nworkers,
                   double seconds, bool terse)
{
    unsigned long verdicts[VERDICT_COUNT] = {0};
    unsigned long edits[EDIT_COUNT] = {0};
    unsigned long progress = 0;
    unsigned long sent = 0;
    uint64_t *all;
    size_t n = 0;
    size_t at = 0;
    bool oom = false;
    double p50;
    double p99;
    double max;
    double rate;

    for (unsigned k = 0; k < nworkers; k++) {
        n += workers[k].nlatency;
        oom |= workers[k].latency_oom;
        progress += workers[k].progress;
        for (int v = 0; v < VERDICT_COUNT; v++)
            verdicts[v] += workers[k].verdicts[v];
        for (int e = 0; e < EDIT_COUNT; e++)
            edits[e] += workers[k].edits[e];
    }
    for (int v = 0; v < VERDICT_COUNT; v++)
        sent += verdicts[v];
    if ((all = malloc((n ? n : 1) * sizeof(*all))) == NULL) {
        oom = true;
        n = 0;
    }
    for (unsigned k = 0; n > 0 && k < nworkers; k++) {
        if (workers[k].nlatency > 0)
            memcpy(all + at, workers[k].latency_ns, workers[k].nlatency * sizeof(*all));
        at += workers[k].nlatency;
    }
    if (n > 0)
        qsort(all, n, sizeof(*all), u64_cmp);
    p50 = percentile_ms(all, n, 50);
    p99 = percentile_ms(all, n, 99);
    max = n ? (double)all[n - 1] / 1e6 : 0.0;
    rate = seconds > 0 ? (double)(sent - verdicts[VERDICT_ERROR]) / seconds : 0.0;
    free(all);

    if (terse) {
        printf("messages=%lu errors=%lu seconds=%.3f rate=%.1f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f",
               sent, verdicts[VERDICT_ERROR], seconds, rate, p50, p99, max);
        for (int v = 0; v < VERDICT_ERROR; v++)
            printf(" %s=%lu", verdict_names[v], verdicts[v]);
        for (int e = 0; e < EDIT_COUNT; e++)
            printf(" %s=%lu", edit_names[e], edits[e]);
        printf("\n");
    } else {
        printf("milter_load: %s, %zu message files, %u connection%s, ",
               run->env->target->spec, run->corpus->count, nworkers, nworkers == 1 ? "" : "s");
        if (run->per_session == 0)
            printf("one session per connection\n");
        else
            printf("%u message%s per connection\n", run->per_session,
                   run->per_session == 1 ? "" : "s");
        printf("messages   %lu sent in %.3f s, %lu errors\n", sent, seconds, verdicts[VERDICT_ERROR]);
        printf("rate       %.1f messages/s\n", rate);
        printf("latency    p50 %.3f ms   p99 %.3f ms   max %.3f ms\n", p50, p99, max);
        printf("verdicts  ");
        for (int v = 0; v < VERDICT_COUNT; v++)
            printf(" %s %lu", verdict_names[v], verdicts[v]);
        printf("\nedits     ");
        for (int e = 0; e < EDIT_COUNT; e++)
            printf(" %s %lu", edit_names[e], edits[e]);
        printf("\nprogress   %lu SMFIR_PROGRESS replies\n", progress);
    }
    if (oom)
        fprintf(stderr, "milter_load: out of memory: latency figures cover only part of the run\n");
    if (verdicts[VERDICT_ERROR] > MAX_ERRORS_SHOWN)
        fprintf(stderr, "milter_load: %lu errors, the first %d shown\n",
                verdicts[VERDICT_ERROR], MAX_ERRORS_SHOWN);
}

/* usage - the synopsis on stderr, exit 2 */
static void usage(void)
{
    fprintf(stderr,
            "usage: milter_load -s socket [options] [path ...]\n"
            "  -s socket   milter socket: unix:/path, inet:port@host or inet:host:port\n"
            "  -c N        concurrent connections, one thread each (default 1)\n"
            "  -n N        passes over the corpus (default 1)\n"
            "  -d SECONDS  run this long instead, cycling over the corpus\n"
            "  -m N        messages per milter connection (default 1; 0 = no limit)\n"
            "  -t MS       timeout of each connect, read and write (default 30000)\n"
            "  -f ADDR     envelope sender (default sender@example.org)\n"
            "  -r ADDR     envelope recipient (default user@example.com)\n"
            "  -a LOGIN    SASL login sent as {auth_authen} (default: none)\n"
            "  -i ADDR     SMTP client address (default 192.0.2.10)\n"
            "  -H NAME     HELO name (default client.example.org)\n"
            "  -q          one line of key=value figures\n"
            "  -v          one line per message: queue id, verdict, latency, file\n"
            "  path        message files or directories (default\n"
            "              ../shared/corpus/test/ham ../shared/corpus/test/spam)\n");
    exit(2);
}

/* number - parse a decimal option value within [min, max], or exit 2 */
static unsigned long number(int opt, const char *text, unsigned long min, unsigned long max)
{
    char *end;
    unsigned long v;

    errno = 0;
    v = strtoul(text, &end, 10);
    if (errno != 0 || end == text || *end != 0 || *text == '-' || v < min || v > max) {
        fprintf(stderr, "milter_load: -%c %s: expected a number from %lu to %lu\n",
                opt, text, min, max);
        exit(2);
    }
    return v;
}

/* main - options, corpus, workers, report */
int main(int argc, char **argv)
{
    static char *default_paths[] = {"../shared/corpus/test/ham", "../shared/corpus/test/spam"};
    struct client_env env = {
        .timeout_ms = 30000, .myhostname = "mx.example.com", .client_name = "unknown",
        .client_addr = "192.0.2.10", .client_port = 49152, .helo = "client.example.org",
        .sender = "sender@example.org", .recipient = "user@example.com", .auth_login = "",
    };
    struct run run = {.total = 0, .per_session = 1};
    struct wire_target target;
    struct bench_corpus corpus;
    struct vigie_error err;
    struct worker *workers;
    const char *socket_spec = NULL;
    unsigned long passes = 1;
    unsigned long seconds = 0;
    unsigned nworkers = 1;
    unsigned started;
    bool terse = false;
    uint64_t t0;
    double elapsed;
    int ch;
    int rc;

    while ((ch = getopt(argc, argv, "s:c:n:d:m:t:f:r:a:i:H:qv")) != -1) {
        switch (ch) {
        case 's': socket_spec = optarg; break;
        case 'c': nworkers = (unsigned)number(ch, optarg, 1, MAX_CONNECTIONS); break;
        case 'n': passes = number(ch, optarg, 1, 1000000); break;
        case 'd': seconds = number(ch, optarg, 1, 86400); break;
        case 'm': run.per_session = (unsigned)number(ch, optarg, 0, 1000000); break;
        case 't': env.timeout_ms = (unsigned)number(ch, optarg, 1, 3600000); break;
        case 'f': env.sender = optarg; break;
        case 'r': env.recipient = optarg; break;
        case 'a': env.auth_login = optarg; break;
        case 'i': env.client_addr = optarg; break;
        case 'H': env.helo = optarg; break;
        case 'q': terse = true; break;
        case 'v': run.verbose = true; break;
        default: usage();
        }
    }
    if (socket_spec == NULL)
        usage();
    if (wire_target_parse(socket_spec, &target, &err) < 0) {
        fprintf(stderr, "milter_load: %s\n", err.msg);
        return 2;
    }
    env.target = &target;
    if (optind < argc)
        rc = corpus_load(&corpus, argv + optind, (size_t)(argc - optind), &err);
    else
        rc = corpus_load(&corpus, default_paths, 2, &err);
    if (rc < 0) {
        fprintf(stderr, "milter_load: %s\n", err.msg);
        return 2;
    }
    if ((workers = calloc(nworkers, sizeof(*workers))) == NULL) {
        fprintf(stderr, "milter_load: out of memory\n");
        corpus_free(&corpus);
        return 2;
    }
    run.corpus = &corpus;
    run.env = &env;
    run.total = passes * corpus.count;
    atomic_init(&run.next, 0);
    pthread_mutex_init(&run.lock, NULL);
    if (seconds > 0) {
        run.timed = true;
        clock_gettime(CLOCK_MONOTONIC, &run.deadline);
        run.deadline.tv_sec += (time_t)seconds;
    }

    t0 = now_ns();
    for (started = 0; started < nworkers; started++) {
        workers[started].id = started;
        workers[started].run = &run;
        if ((rc = pthread_create(&workers[started].thread, NULL, worker_main, &workers[started])) != 0) {
            fprintf(stderr, "milter_load: cannot start thread %u: %s\n", started, strerror(rc));
            break;
        }
    }
    for (unsigned k = 0; k < started; k++)
        pthread_join(workers[k].thread, NULL);
    elapsed = (double)(now_ns() - t0) / 1e9;

    report(&run, workers, started, elapsed, terse);
    rc = 0;
    for (unsigned k = 0; k < started; k++) {
        if (workers[k].verdicts[VERDICT_ERROR] > 0)
            rc = 1;
        free(workers[k].latency_ns);
    }
    free(workers);
    pthread_mutex_destroy(&run.lock);
    corpus_free(&corpus);
    return started == 0 ? 2 : rc;
}
