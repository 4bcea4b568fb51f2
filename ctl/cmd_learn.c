/*
 * NAME
 *	cmd_learn - vigiectl learn: teach the Bayes classifier spam or ham
 * SYNOPSIS
 *	vigiectl learn [-c vigie.conf] [--forget | --on-error] [--user SCOPE] [-q]
 *		spam|ham PATH...
 * DESCRIPTION
 *	Learns every message under each PATH (a message file, an mbox, a
 *	Maildir folder, a directory of those, or "-" for the standard
 *	input: see mailpath.h) as spam or ham, in the Redis named by
 *	vigie.conf. A message already learnt in that class (same content
 *	digest) is skipped; one learnt in the other class is moved. With
 *	--forget, the earlier learning of each message is undone,
 *	whatever its class.
 *
 *	With --on-error (train on error), each message is classified
 *	first, and learnt only when the classifier does not already give
 *	it its class (spam at or above bayes_spam_cutoff, ham at or below
 *	bayes_ham_cutoff): a new message is learnt, one learnt in the
 *	other class is moved, and one already learnt in this class is
 *	reinforced, learnt once more (bayes_store.h). Run after a plain
 *	learning of the same messages, a pass or two of --on-error over
 *	both classes (train to exhaustion) sharpens the statistics on
 *	the messages they got wrong. While the classifier is untrained
 *	(bayes_min_learned) every message is learnt, never reinforced.
 *
 *	--user SCOPE works on the per-user statistics of SCOPE (a
 *	recipient address or domain) instead of the shared ones.
 *
 *	On a terminal, a progress line is kept up to date on stderr (-q:
 *	none). At the end one summary line goes to stdout. Exit status:
 *	0 when every message was handled, 1 when Redis failed (learning
 *	stops there) or a path could not be read, 2 on a usage error.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bayes_cmd.h"
#include "commands.h"
#include "mailpath.h"

#define PROGRESS_MS 200             /* least time between two progress lines */
#define OUTCOMES (BAYES_NOT_LEARNT + 1)

struct learn_run {
    struct bayes_cmd bayes;
    const char *scope;
    const char *class_name;         /* "spam" or "ham" */
    bool spam;
    enum bayes_learn_op op;
    bool on_error;
    unsigned long sure;             /* --on-error: already given their class */
    bool progress;
    unsigned long messages;
    unsigned long outcomes[OUTCOMES];
    unsigned long problems;
    struct timespec shown;          /* when the progress line was last drawn */
    struct vigie_error err;
    bool failed;
};

/* learn_usage - the synopsis on stderr; the usage-error status */
static int learn_usage(void)
{
    fprintf(stderr, "usage: vigiectl learn [-c vigie.conf] [--forget | --on-error]"
                    " [--user SCOPE] [-q] spam|ham PATH...\n");
    return 2;
}

/* show_progress - redraw the progress line, at most every PROGRESS_MS */
static void show_progress(struct learn_run *r)
{
    struct timespec now;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (now.tv_sec - r->shown.tv_sec) * 1000 + (now.tv_nsec - r->shown.tv_nsec) / 1000000;
    if (ms < PROGRESS_MS)
        return;
    r->shown = now;
    fprintf(stderr, "\r%s %s: %lu messages", r->op == BAYES_OP_FORGET ? "forget" : "learn",
            r->class_name, r->messages);
}

/*
 * learn_op - for --on-error, what to do with a message: -1 with r->err
 *	set when Redis failed or memory ran short; 0 when the classifier
 *	already gives it its class; 1 with *op set otherwise
 */
static int learn_op(struct learn_run *r, const struct token_set *set, enum bayes_learn_op *op)
{
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    struct bayes_result result;

    if (bayes_store_fetch(r->bayes.store, r->scope, set, &counts, &learned, &r->err) < 0
        || bayes_cmd_classify(&r->bayes, counts, set->count, learned, &result, &r->err) < 0)
        return -1;
    if (result.verdict == (r->spam ? BAYES_SPAM : BAYES_HAM))
        return 0;
    *op = result.verdict == BAYES_UNTRAINED ? BAYES_OP_LEARN : BAYES_OP_REINFORCE;
    return 1;
}

/* learn_message - mailpath callback: learn one message */
static int learn_message(void *arg, const char *label, const char *data, size_t len)
{
    struct learn_run *r = arg;
    unsigned char digest[MIME_DIGEST_LEN];
    const struct token_set *set = bayes_cmd_tokenize(&r->bayes, 0, data, len, digest);
    enum bayes_learn_op op = r->op;
    enum bayes_learn_outcome outcome;
    int wanted = r->on_error ? learn_op(r, set, &op) : 1;

    if (wanted > 0 && bayes_store_learn(r->bayes.store, r->scope, set, digest, r->spam, op,
                                        &outcome, &r->err) < 0)
        wanted = -1;
    if (wanted < 0) {
        r->failed = true;
        fprintf(stderr, "%svigiectl learn: %s: %s\n", r->progress ? "\r\033[K" : "", label,
                r->err.msg);
        return -1;
    }
    if (wanted == 0)
        r->sure++;
    else
        r->outcomes[outcome]++;
    r->messages++;
    if (r->progress)
        show_progress(r);
    return 0;
}

/* learn_problem - mailpath callback: a path that cannot be read */
static void learn_problem(void *arg, const char *path, const char *what)
{
    struct learn_run *r = arg;

    r->problems++;
    fprintf(stderr, "%svigiectl learn: %s: %s\n", r->progress ? "\r\033[K" : "", path, what);
}

/* summary - the closing line on stdout */
static void summary(struct learn_run *r)
{
    struct bayes_counts learned;

    if (r->progress)
        fputs("\r\033[K", stderr);
    if (r->op == BAYES_OP_FORGET)
        printf("forget %s: %lu messages: %lu forgotten, %lu not learnt", r->class_name,
               r->messages, r->outcomes[BAYES_FORGOTTEN], r->outcomes[BAYES_NOT_LEARNT]);
    else
        printf("learn %s: %lu messages: %lu learnt, %lu relearnt, %lu already learnt",
               r->class_name, r->messages, r->outcomes[BAYES_LEARNT],
               r->outcomes[BAYES_RELEARNT], r->outcomes[BAYES_ALREADY]);
    if (r->on_error)
        printf(", %lu reinforced, %lu already classified %s", r->outcomes[BAYES_REINFORCED],
               r->sure, r->class_name);
    printf(", %lu unreadable", r->problems);
    if (!r->failed && bayes_store_learned(r->bayes.store, r->scope, &learned, &r->err) == 0)
        printf("; now %lu spam and %lu ham learnt", learned.spam, learned.ham);
    printf("\n");
}

/* cmd_learn - vigiectl learn */
int cmd_learn(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"forget", no_argument, NULL, 'f'},
        {"on-error", no_argument, NULL, 'e'},
        {"user", required_argument, NULL, 'u'},
        {NULL, 0, NULL, 0},
    };
    static const struct mailpath_ops ops = {learn_message, learn_problem};
    const char *config_path = VIGIE_DEFAULT_CONFIG;
    struct learn_run r;
    bool quiet = false;
    int c;

    memset(&r, 0, sizeof(r));
    optind = 1;
    while ((c = getopt_long(argc, argv, "c:q", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'f':
            r.op = BAYES_OP_FORGET;
            break;
        case 'e':
            r.on_error = true;
            break;
        case 'u':
            r.scope = optarg;
            break;
        case 'q':
            quiet = true;
            break;
        default:
            return learn_usage();
        }
    }
    if (argc - optind < 2 || (r.on_error && r.op == BAYES_OP_FORGET))
        return learn_usage();
    r.class_name = argv[optind++];
    if (strcmp(r.class_name, "spam") == 0)
        r.spam = true;
    else if (strcmp(r.class_name, "ham") != 0)
        return learn_usage();
    r.progress = !quiet && isatty(STDERR_FILENO);
    if (bayes_cmd_open(&r.bayes, config_path, &r.err) < 0) {
        fprintf(stderr, "vigiectl learn: %s\n", r.err.msg);
        bayes_cmd_close(&r.bayes);
        return 1;
    }
    for (; optind < argc && !r.failed; optind++)
        if (mailpath_walk(argv[optind], &ops, &r) < 0)
            break;
    summary(&r);
    bayes_cmd_close(&r.bayes);
    return r.failed || r.problems > 0 ? 1 : 0;
}
