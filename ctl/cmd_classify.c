/*
 * NAME
 *	cmd_classify - vigiectl classify: the Bayes verdict of messages
 * SYNOPSIS
 *	vigiectl classify [-c vigie.conf] [--user SCOPE] PATH...
 * DESCRIPTION
 *	Prints one line per message under each PATH (see mailpath.h):
 *
 *		label TAB probability TAB spam|ham|unsure
 *
 *	with the spam probability to six decimals, computed as the milter
 *	computes it: the message's tokens, their counts fetched from
 *	Redis in one round trip, Robinson's f(w) and Fisher's combining
 *	(bayes.h). While either class has fewer learnt messages than the
 *	classifier needs, every message is "unsure" at 0.5 and a warning
 *	says so on stderr. --user SCOPE reads the per-user statistics of
 *	SCOPE.
 *
 *	Messages are classified two at a time: while Redis looks up the
 *	counts of one, the next is read and tokenized (the output keeps
 *	the order of the input).
 *
 *	Exit status: 0 when every message was classified, 1 when Redis
 *	failed (classifying stops there) or a path could not be read, 2 on
 *	a usage error.
 */
#include <getopt.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "bayes_cmd.h"
#include "commands.h"
#include "mailpath.h"

/* A message whose counts are on their way. */
struct in_flight {
    const struct token_set *set;
    char label[PATH_MAX + 32];
};

struct classify_run {
    struct bayes_cmd bayes;
    const char *scope;
    bool warned;                    /* the untrained warning was given */
    struct in_flight flights[BAYES_STORE_PIPELINE];
    unsigned oldest;                /* of the messages in flight */
    unsigned in_flight;
    unsigned long problems;
    struct vigie_error err;
    bool failed;
};

/* classify_usage - the synopsis on stderr; the usage-error status */
static int classify_usage(void)
{
    fprintf(stderr, "usage: vigiectl classify [-c vigie.conf] [--user SCOPE] PATH...\n");
    return 2;
}

/* land - receive the counts of the oldest message in flight, print its verdict */
static int land(struct classify_run *r)
{
    struct in_flight *f = &r->flights[r->oldest];
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    struct bayes_result result;

    r->oldest = (r->oldest + 1) % BAYES_STORE_PIPELINE;
    r->in_flight--;
    if (bayes_store_fetch_receive(r->bayes.store, &counts, &learned, &r->err) < 0
        || bayes_cmd_classify(&r->bayes, counts, f->set->count, learned, &result, &r->err) < 0) {
        r->failed = true;
        fprintf(stderr, "vigiectl classify: %s: %s\n", f->label, r->err.msg);
        return -1;
    }
    if (result.verdict == BAYES_UNTRAINED) {
        if (!r->warned)
            fprintf(stderr, "vigiectl classify: warning: only %lu spam and %lu ham learnt;"
                            " the classifier needs %u of each\n",
                    learned.spam, learned.ham, r->bayes.params.min_learned);
        r->warned = true;
        result.verdict = BAYES_UNSURE;
    }
    printf("%s\t%.6f\t%s\n", f->label, result.probability, bayes_verdict_name(result.verdict));
    return 0;
}

/*
 * classify_message - mailpath callback: tokenize a message and send for
 *	its counts; land the oldest one when the pipeline is full
 */
static int classify_message(void *arg, const char *label, const char *data, size_t len)
{
    struct classify_run *r = arg;
    unsigned slot = (r->oldest + r->in_flight) % BAYES_STORE_PIPELINE;
    struct in_flight *f = &r->flights[slot];

    f->set = bayes_cmd_tokenize(&r->bayes, slot, data, len, NULL);
    snprintf(f->label, sizeof(f->label), "%s", label);
    if (bayes_store_fetch_send(r->bayes.store, r->scope, f->set, &r->err) < 0) {
        r->failed = true;
        fprintf(stderr, "vigiectl classify: %s: %s\n", label, r->err.msg);
        return -1;
    }
    r->in_flight++;
    if (r->in_flight == BAYES_STORE_PIPELINE)
        return land(r);
    return 0;
}

/* classify_problem - mailpath callback: a path that cannot be read */
static void classify_problem(void *arg, const char *path, const char *what)
{
    struct classify_run *r = arg;

    r->problems++;
    fprintf(stderr, "vigiectl classify: %s: %s\n", path, what);
}

/* cmd_classify - vigiectl classify */
int cmd_classify(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"user", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    static const struct mailpath_ops ops = {classify_message, classify_problem};
    const char *config_path = VIGIE_DEFAULT_CONFIG;
    struct classify_run r;
    int c;

    memset(&r, 0, sizeof(r));
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'u':
            r.scope = optarg;
            break;
        default:
            return classify_usage();
        }
    }
    if (optind == argc)
        return classify_usage();
    if (bayes_cmd_open(&r.bayes, config_path, &r.err) < 0) {
        fprintf(stderr, "vigiectl classify: %s\n", r.err.msg);
        bayes_cmd_close(&r.bayes);
        return 1;
    }
    for (; optind < argc && !r.failed; optind++)
        if (mailpath_walk(argv[optind], &ops, &r) < 0)
            break;
    while (!r.failed && r.in_flight > 0)
        land(&r);
    if (fflush(stdout) != 0) {
        perror("vigiectl classify: stdout");
        r.failed = true;
    }
    bayes_cmd_close(&r.bayes);
    return r.failed || r.problems > 0 ? 1 : 0;
}
