/*
 * NAME
 *	ratelimit_bench - how fast is one rate-limit check against Redis?
 * SYNOPSIS
 *	ratelimit_bench -r REDIS_ADDRESS [-f RULES] [-n CHECKS] [-u USERS] [-t THREADS]
 * DESCRIPTION
 *	Runs CHECKS (default 20000) rules_limits_check() calls, as
 *	vigie-milter makes one per message at end of data, spread over
 *	THREADS threads (default 1), each with its own Redis connection.
 *	Messages come from USERS (default 1000) SASL users, three
 *	recipients in two domains each. The limits are those of RULES
 *	(default: the built-in set below, three limits of two windows
 *	each, as a small server would have), with maxima high enough
 *	that nothing is refused: every check does the full work of
 *	counting. Prints one line:
 *	    checks=N errors=N over=N rate=N p50_ms=X p99_ms=X max_ms=X
 *	Exit status: 0, 1 when a check failed, 2 for bad usage.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "rules_limits.h"

static const char builtin_rules[] =
    "limit user_messages key sasl_user max 100000 per 10m, 1000000 per 1d\n"
    "limit user_recipients key sasl_user count recipients max 100000 per 1h, 1000000 per 1d\n"
    "limit user_domains key sasl_user count domains max 100000 per 1h, 1000000 per 1d\n";

struct job {
    const struct ruleset *rules;
    struct ratelimit_engine *engine;
    const char *address;
    unsigned first, checks, users;
    double *latency_ms;         /* one per check, filled by the thread */
    unsigned errors, over;
};

/* now_ms - a monotonic clock in milliseconds */
static double now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000 + (double)ts.tv_nsec / 1e6;
}

/* worker - the checks of one thread */
static void *worker(void *arg)
{
    static const char *const rcpts[] = {"a@one.example", "b@one.example", "c@two.example"};
    struct redisconn_params p = {0};
    struct job *job = arg;
    struct ratelimit_result r;
    struct message_facts facts;
    struct vigie_error err;
    struct redisconn *rc;
    char user[32];

    p.address = job->address;
    p.connect_timeout_ms = 1000;
    p.timeout_ms = 1000;
    if ((rc = redisconn_new(&p, &err)) == NULL) {
        fprintf(stderr, "ratelimit_bench: %s\n", err.msg);
        job->errors = job->checks;
        return NULL;
    }
    facts_init(&facts);
    facts.authenticated = true;
    facts.sasl_user = user;
    facts.sender = "sender@example.org";
    facts.recipients = rcpts;
    facts.recipient_count = 3;
    facts.size = 4096;
    facts.client_ip_known = netaddr_parse("192.0.2.10", &facts.client_ip) == 0;
    for (unsigned i = 0; i < job->checks; i++) {
        double t0;

        snprintf(user, sizeof(user), "user%u", (job->first + i) % job->users);
        t0 = now_ms();
        if (rules_limits_check(job->engine, rc, job->rules, &facts, "BENCH", &r, &err) < 0
            || r.status == RATELIMIT_UNAVAILABLE) {
            if (job->errors++ == 0)
                fprintf(stderr, "ratelimit_bench: %s\n", err.msg);
        }
        job->over += r.status == RATELIMIT_OVER;
        job->latency_ms[i] = now_ms() - t0;
    }
    redisconn_free(rc);
    return NULL;
}

/* compare_doubles - qsort order */
static int compare_doubles(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;

    return (x > y) - (x < y);
}

/* load_rules - the rules file, or the built-in limits */
static struct ruleset *load_rules(const char *path)
{
    struct vigie_error err;
    struct ruleset *rules = path != NULL
        ? rules_load(path, &err)
        : rules_parse("builtin", builtin_rules, strlen(builtin_rules), NULL, &err);

    if (rules == NULL)
        fprintf(stderr, "ratelimit_bench: %s\n", err.msg);
    return rules;
}

/* usage - the synopsis on stderr */
static int usage(void)
{
    fprintf(stderr, "usage: ratelimit_bench -r REDIS_ADDRESS [-f RULES] [-n CHECKS] "
            "[-u USERS] [-t THREADS]\n");
    return 2;
}

int main(int argc, char **argv)
{
    const char *address = NULL, *rules_path = NULL;
    unsigned checks = 20000, users = 1000, threads = 1;
    struct ratelimit_settings settings;
    struct ratelimit_engine *engine;
    struct job jobs[64];
    pthread_t tids[64];
    struct ruleset *rules;
    struct vigie_error err;
    unsigned errors = 0, over = 0;
    double *latency, t0, elapsed;
    int c;

    while ((c = getopt(argc, argv, "r:f:n:u:t:")) != -1) {
        switch (c) {
        case 'r':
            address = optarg;
            break;
        case 'f':
            rules_path = optarg;
            break;
        case 'n':
            checks = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 'u':
            users = (unsigned)strtoul(optarg, NULL, 10);
            break;
        case 't':
            threads = (unsigned)strtoul(optarg, NULL, 10);
            break;
        default:
            return usage();
        }
    }
    if (address == NULL || optind != argc || checks == 0 || users == 0 || threads == 0
        || threads > 64 || checks < threads)
        return usage();
    if ((rules = load_rules(rules_path)) == NULL)
        return 1;
    ratelimit_settings_default(&settings);
    settings.prefix = "bench:";
    if ((engine = ratelimit_engine_new(&settings, &err)) == NULL
        || (latency = calloc(checks, sizeof(*latency))) == NULL) {
        fprintf(stderr, "ratelimit_bench: out of memory\n");
        return 1;
    }
    t0 = now_ms();
    for (unsigned i = 0; i < threads; i++) {
        jobs[i] = (struct job){rules, engine, address, i * (checks / threads), checks / threads,
                               users, latency + i * (checks / threads), 0, 0};
        if (pthread_create(&tids[i], NULL, worker, &jobs[i]) != 0)
            return 1;
    }
    for (unsigned i = 0; i < threads; i++) {
        pthread_join(tids[i], NULL);
        errors += jobs[i].errors;
        over += jobs[i].over;
    }
    elapsed = now_ms() - t0;
    checks = threads * (checks / threads);
    qsort(latency, checks, sizeof(*latency), compare_doubles);
    printf("checks=%u errors=%u over=%u rate=%.0f p50_ms=%.3f p99_ms=%.3f max_ms=%.3f\n",
           checks, errors, over, checks / (elapsed / 1000), latency[checks / 2],
           latency[(size_t)(checks * 0.99)], latency[checks - 1]);
    free(latency);
    ratelimit_engine_free(engine);
    rules_free(rules);
    return errors > 0;
}
