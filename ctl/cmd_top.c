/*
 * NAME
 *	cmd_top - vigiectl top: the keys closest to their limits now
 * SYNOPSIS
 *	vigiectl top [-c vigie.conf] [-n COUNT]
 * DESCRIPTION
 *	Reads every rate-limit counter (SCAN, then the script's read-only
 *	mode) and prints the COUNT (default 20) fullest, one line each:
 *	the window of the counter that is fullest, its count against its
 *	maximum, fullest first. A key at 100% is refused until its window
 *	moves on.
 *
 *	Exit status: 0, 1 when Redis cannot be read, 2 for bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "limits_cmd.h"
#include "ratelimit.h"


/* A counter kept for sorting: its fullest window and copies of its names. */
struct top_row {
    struct limit_usage u;
    size_t fullest;
    double fill;
    char *strings;              /* limit, key and tier, NUL-separated; owned */
};

struct top_rows {
    struct top_row *rows;
    size_t count;
    size_t cap;
};

/* top_usage - the synopsis on stderr; the usage-error status */
static int top_usage(void)
{
    fprintf(stderr, "usage: vigiectl top [-c vigie.conf] [-n COUNT]\n");
    return 2;
}

/* keep - ratelimit_usage_scan callback: copy the counter */
static int keep(const struct limit_usage *u, void *arg, struct vigie_error *err)
{
    struct top_rows *t = arg;
    size_t l1 = strlen(u->limit) + 1, l2 = strlen(u->key) + 1, l3 = strlen(u->tier) + 1;
    struct top_row *r;

    if (t->count == t->cap) {
        size_t ncap = t->cap ? 2 * t->cap : 256;
        struct top_row *grown = reallocarray(t->rows, ncap, sizeof(*grown));

        if (grown == NULL) {
            error_set(err, "out of memory");
            return -1;
        }
        t->rows = grown;
        t->cap = ncap;
    }
    r = &t->rows[t->count];
    if ((r->strings = malloc(l1 + l2 + l3)) == NULL) {
        error_set(err, "out of memory");
        return -1;
    }
    r->u = *u;
    r->u.limit = memcpy(r->strings, u->limit, l1);
    r->u.key = memcpy(r->strings + l1, u->key, l2);
    r->u.tier = memcpy(r->strings + l1 + l2, u->tier, l3);
    r->fullest = 0;
    r->fill = -1;
    for (size_t w = 0; w < u->window_count; w++) {
        if (limits_cmd_fill(u, w) > r->fill) {
            r->fill = limits_cmd_fill(u, w);
            r->fullest = w;
        }
    }
    t->count++;
    return 0;
}

/* fuller_first - qsort order: fullest first, then by key */
static int fuller_first(const void *a, const void *b)
{
    const struct top_row *x = a, *y = b;

    if (x->fill != y->fill)
        return x->fill > y->fill ? -1 : 1;
    return strcmp(x->u.key, y->u.key);
}

/* cmd_top - vigiectl top */
int cmd_top(int argc, char **argv)
{
    const char *config_path = NULL;
    struct top_rows t = {0};
    struct vigie_error err;
    struct limits_cmd lc;
    long count = LIMITS_CMD_COUNT_DEFAULT;
    int status = 1;
    int c;

    optind = 1;
    while ((c = getopt(argc, argv, "c:n:")) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'n':
            if (limits_cmd_count(optarg, 1, &count) < 0)
                return top_usage();
            break;
        default:
            return top_usage();
        }
    }
    if (optind != argc)
        return top_usage();
    if (limits_cmd_open(&lc, config_path, 0, &err) == 0
        && ratelimit_usage_scan(lc.rc, lc.prefix, NULL, keep, &t, &err) == 0) {
        qsort(t.rows, t.count, sizeof(*t.rows), fuller_first);
        if (t.count == 0)
            printf("no counter: nothing counted within any window\n");
        else
            limits_cmd_header();
        for (size_t i = 0; i < t.count && i < (size_t)count; i++)
            limits_cmd_row(&t.rows[i].u, t.rows[i].fullest);
        status = 0;
    } else {
        fprintf(stderr, "vigiectl top: %s\n", err.msg);
    }
    for (size_t i = 0; i < t.count; i++)
        free(t.rows[i].strings);
    free(t.rows);
    limits_cmd_close(&lc);
    return status;
}
