/*
 * NAME
 *	cmd_lock - vigiectl lock, unlock and reset: act on one account or key
 * SYNOPSIS
 *	vigiectl lock [-c vigie.conf] [-t DURATION] [-r REASON] USER
 *	vigiectl lock [-c vigie.conf]
 *	vigiectl unlock [-c vigie.conf] USER
 *	vigiectl reset [-c vigie.conf] [-l LIMIT] KEY
 * DESCRIPTION
 *	lock USER refuses every later message of the SASL user USER,
 *	for DURATION (90s, 10m, 2h, 1d, 1w), by default for
 *	lock_default_expiry of vigie.conf (0: until unlocked). Without
 *	USER, lists the locked accounts.
 *
 *	unlock USER lifts the lock and resets USER's counters (as reset
 *	does): a lock set by a limit would otherwise come back with the
 *	next message, the counters being still full.
 *
 *	reset KEY forgets the counters (and the alert marks) of KEY, as
 *	vigiectl usage KEY lists them, of LIMIT only with -l.
 *
 *	Each action is also recorded in the alert stream (kind=lock,
 *	unlock or reset, by=vigiectl, admin=who ran it), so that
 *	"vigiectl alerts" tells the whole story.
 *
 *	Exit status: 0, 1 when Redis cannot be reached (or, for unlock,
 *	when USER was not locked), 2 for bad usage.
 */
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alerts.h"
#include "commands.h"
#include "limits_cmd.h"
#include "locks.h"
#include "ratelimit.h"

/* lock_usage - the synopsis of a command on stderr; the usage-error status */
static int lock_usage(const char *command)
{
    if (strcmp(command, "lock") == 0)
        fprintf(stderr, "usage: vigiectl lock [-c vigie.conf] [-t DURATION] [-r REASON] "
                "[USER]\n");
    else if (strcmp(command, "unlock") == 0)
        fprintf(stderr, "usage: vigiectl unlock [-c vigie.conf] USER\n");
    else
        fprintf(stderr, "usage: vigiectl reset [-c vigie.conf] [-l LIMIT] KEY\n");
    return 2;
}

/* Options of the three commands. */
struct lock_opts {
    const char *command;        /* "lock", "unlock", "reset" */
    const char *config_path;
    unsigned long seconds;      /* lock -t */
    bool timed;                 /* -t given; else lock_default_expiry */
    const char *reason;         /* lock -r */
    const char *limit;          /* reset -l */
    const char *target;         /* USER or KEY; NULL for lock's list */
};

/* record - add the action to the alert stream; a failure is only reported */
static void record(struct limits_cmd *lc, const struct lock_opts *o, const char *detail)
{
    char now[24], until[24];
    struct vigie_error err;
    struct alert alert;

    snprintf(now, sizeof(now), "%lld", (long long)time(NULL));
    snprintf(until, sizeof(until), "%lld",
             o->seconds > 0 ? (long long)time(NULL) + (long long)o->seconds : 0);
    alert_init(&alert);
    (void)alert_add(&alert, "kind", o->command);
    (void)alert_add(&alert, "key", o->target);
    (void)alert_add(&alert, "by", "vigiectl");
    (void)alert_add(&alert, "admin", limits_cmd_admin());
    (void)alert_add(&alert, "time", now);
    if (strcmp(o->command, "lock") == 0) {
        (void)alert_add(&alert, "until", until);
        (void)alert_add(&alert, "reason", o->reason);
    } else {
        (void)alert_add(&alert, "detail", detail);
    }
    if (alerts_stream_add(lc->rc, lc->prefix, lc->settings.alerts.stream_maxlen, &alert,
                          &err) < 0)
        fprintf(stderr, "vigiectl %s: not recorded in the alert stream: %s\n", o->command,
                err.msg);
}

/* print_lock - locks_list callback: one locked account */
static void print_lock(const char *user, const struct lock_info *info, void *arg)
{
    char since[32], until[32];

    (void)arg;
    limits_cmd_time((time_t)info->since, since, sizeof(since));
    if (info->until > 0)
        limits_cmd_time((time_t)info->until, until, sizeof(until));
    else
        snprintf(until, sizeof(until), "unlocked");
    printf("%s: locked by %s since %s until %s: %s\n", user, info->by, since, until,
           info->reason);
}

/* do_lock - lock the user, or list the locks; exit status */
static int do_lock(struct limits_cmd *lc, const struct lock_opts *o, struct vigie_error *err)
{
    char shown[16];
    int n;

    if (o->target == NULL) {
        if ((n = locks_list(lc->rc, lc->prefix, print_lock, NULL, err)) < 0)
            return 1;
        if (n == 0)
            printf("no account is locked\n");
        return 0;
    }
    if (locks_set(lc->rc, lc->prefix, o->target, o->seconds, "vigiectl", o->reason, err) < 0)
        return 1;
    record(lc, o, "");
    ratelimit_duration_format(o->seconds, shown, sizeof(shown));
    printf("%s: locked%s%s\n", o->target, o->seconds ? " for " : " until unlocked",
           o->seconds ? shown : "");
    return 0;
}

/* do_unlock - unlock the user and reset its counters; exit status */
static int do_unlock(struct limits_cmd *lc, const struct lock_opts *o, struct vigie_error *err)
{
    char detail[64];
    int was, reset;

    if ((was = locks_clear(lc->rc, lc->prefix, o->target, err)) < 0
        || (reset = ratelimit_reset(lc->rc, lc->prefix, o->target, NULL, err)) < 0)
        return 1;
    snprintf(detail, sizeof(detail), "%s; %d counters reset", was ? "unlocked" : "was not locked",
             reset);
    record(lc, o, detail);
    printf("%s: %s\n", o->target, detail);
    return was ? 0 : 1;
}

/* do_reset - forget the counters of a key; exit status */
static int do_reset(struct limits_cmd *lc, const struct lock_opts *o, struct vigie_error *err)
{
    char detail[64];
    int n;

    if ((n = ratelimit_reset(lc->rc, lc->prefix, o->target, o->limit, err)) < 0)
        return 1;
    snprintf(detail, sizeof(detail), "%d counters reset", n);
    record(lc, o, detail);
    printf("%s: %s\n", o->target, detail);
    return 0;
}

/* parse_opts - the options of o->command; 0, or the usage-error status */
static int parse_opts(int argc, char **argv, struct lock_opts *o)
{
    const char *optstring = strcmp(o->command, "lock") == 0 ? "c:t:r:"
                          : strcmp(o->command, "reset") == 0 ? "c:l:" : "c:";
    int c;

    o->reason = "locked by the administrator";
    optind = 1;
    while ((c = getopt(argc, argv, optstring)) != -1) {
        if (c == 'c')
            o->config_path = optarg;
        else if (c == 't' && ratelimit_duration_parse(optarg, &o->seconds) == 0)
            o->timed = true;
        else if (c == 'r')
            o->reason = optarg;
        else if (c == 'l')
            o->limit = optarg;
        else
            return lock_usage(o->command);
    }
    if (optind == argc - 1 && argv[optind][0] != '\0')
        o->target = argv[optind];
    else if (optind != argc || strcmp(o->command, "lock") != 0)
        return lock_usage(o->command);
    return 0;
}

/* run - parse, connect, act */
static int run(int argc, char **argv, const char *command,
               int (*act)(struct limits_cmd *, const struct lock_opts *, struct vigie_error *))
{
    struct lock_opts o = {.command = command};
    struct vigie_error err = {""};
    struct limits_cmd lc;
    int status;

    if ((status = parse_opts(argc, argv, &o)) != 0)
        return status;
    if (limits_cmd_open(&lc, o.config_path, 0, &err) < 0) {
        status = 1;
    } else {
        if (!o.timed)
            o.seconds = lc.config->lock_default_expiry;
        status = act(&lc, &o, &err);
    }
    if (err.msg[0] != '\0')
        fprintf(stderr, "vigiectl %s: %s\n", command, err.msg);
    limits_cmd_close(&lc);
    return status;
}

/* cmd_lock - vigiectl lock */
int cmd_lock(int argc, char **argv)
{
    return run(argc, argv, "lock", do_lock);
}

/* cmd_unlock - vigiectl unlock */
int cmd_unlock(int argc, char **argv)
{
    return run(argc, argv, "unlock", do_unlock);
}

/* cmd_reset - vigiectl reset */
int cmd_reset(int argc, char **argv)
{
    return run(argc, argv, "reset", do_reset);
}
