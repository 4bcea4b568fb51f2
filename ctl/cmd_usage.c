/*
 * NAME
 *	cmd_usage - vigiectl usage: where one account stands against its limits
 * SYNOPSIS
 *	vigiectl usage [-c vigie.conf] KEY
 * DESCRIPTION
 *	KEY is a key value as the limits use it: a SASL user name, an
 *	envelope sender, a domain, a client address or network (any
 *	case). Prints whether KEY is locked (as a SASL user), its signals
 *	(distinct recipient domains and client addresses within
 *	signal_window), then every counter whose key is KEY or starts
 *	with KEY (a combined key such as "alice|192.0.2.0/24"): each
 *	window's count against its maximum, as the next message would be
 *	judged. Counters that are empty are not shown.
 *
 *	Exit status: 0, 1 when Redis cannot be read, 2 for bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "limits_cmd.h"
#include "locks.h"
#include "ratelimit.h"

/* usage_usage - the synopsis on stderr; the usage-error status */
static int usage_usage(void)
{
    fprintf(stderr, "usage: vigiectl usage [-c vigie.conf] KEY\n");
    return 2;
}

/* print_counter - ratelimit_usage_scan callback: every window of a counter */
static int print_counter(const struct limit_usage *u, void *arg, struct vigie_error *err)
{
    size_t *rows = arg;

    (void)err;
    if ((*rows)++ == 0)
        limits_cmd_header();
    for (size_t w = 0; w < u->window_count; w++)
        limits_cmd_row(u, w);
    return 0;
}

/* print_lock - the lock state of user; 0 or -1 with err set */
static int print_lock(struct limits_cmd *lc, const char *user, struct vigie_error *err)
{
    struct lock_info info;
    char since[32], until[32];

    if (locks_get(lc->rc, lc->prefix, user, &info, err) < 0)
        return -1;
    if (!info.locked) {
        printf("%s: not locked\n", user);
        return 0;
    }
    limits_cmd_time((time_t)info.since, since, sizeof(since));
    if (info.until > 0)
        limits_cmd_time((time_t)info.until, until, sizeof(until));
    else
        snprintf(until, sizeof(until), "vigiectl unlock");
    printf("%s: LOCKED by %s since %s until %s: %s\n", user, info.by, since, until, info.reason);
    return 0;
}

/* signal_count - members of a signal set of user; -1 with err set */
static long long signal_count(struct limits_cmd *lc, const char *kind, const char *user,
                              struct vigie_error *err)
{
    struct rlkey key;
    const char *argv[2] = {"ZCARD", key.text};
    size_t argvlen[2];
    redisReply *reply;
    long long n;

    rlkey_start(&key, lc->prefix, kind);
    rlkey_add_value(&key, user, true);
    if (rlkey_done(&key) < 0) {
        error_set(err, "key too long");
        return -1;
    }
    argvlen[0] = 5;
    argvlen[1] = key.len;
    if ((reply = redisconn_command(lc->rc, 2, argv, argvlen, err)) == NULL)
        return -1;
    n = reply->type == REDIS_REPLY_INTEGER ? reply->integer : 0;
    freeReplyObject(reply);
    return n;
}

/* report - lock, signals and counters of key; 0 or -1 with err set */
static int report(struct limits_cmd *lc, const char *key, struct vigie_error *err)
{
    long long domains, addrs;
    size_t rows = 0;

    if (print_lock(lc, key, err) < 0
        || (domains = signal_count(lc, RLKEY_SIG_DOMAINS, key, err)) < 0
        || (addrs = signal_count(lc, RLKEY_SIG_ADDRS, key, err)) < 0)
        return -1;
    if (domains > 0 || addrs > 0)
        printf("signals: %lld recipient domains, %lld client addresses\n", domains, addrs);
    if (ratelimit_usage_scan(lc->rc, lc->prefix, key, print_counter, &rows, err) < 0)
        return -1;
    if (rows == 0)
        printf("no counter: nothing of %s within any window\n", key);
    return 0;
}

/* cmd_usage - vigiectl usage */
int cmd_usage(int argc, char **argv)
{
    const char *config_path = NULL;
    struct vigie_error err;
    struct limits_cmd lc;
    int status = 1;
    int c;

    optind = 1;
    while ((c = getopt(argc, argv, "c:")) != -1) {
        if (c != 'c')
            return usage_usage();
        config_path = optarg;
    }
    if (optind != argc - 1 || argv[optind][0] == '\0')
        return usage_usage();
    if (limits_cmd_open(&lc, config_path, 0, &err) == 0 && report(&lc, argv[optind], &err) == 0)
        status = 0;
    else
        fprintf(stderr, "vigiectl usage: %s\n", err.msg);
    limits_cmd_close(&lc);
    return status;
}
