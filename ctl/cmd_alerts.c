/*
 * NAME
 *	cmd_alerts - vigiectl alerts: the recent alerts, or follow them live
 * SYNOPSIS
 *	vigiectl alerts [-c vigie.conf] [-n COUNT] [-f]
 * DESCRIPTION
 *	Prints the last COUNT (default 20) entries of the alert stream
 *	(alerts.h), oldest first, one a line: the local time of the entry
 *	then its fields as name=value, as in the log. With -f, keeps
 *	waiting for new entries (XREAD BLOCK) and prints them as they
 *	come, until interrupted; when Redis goes away it says so once,
 *	retries every second and goes on from the last entry seen.
 *
 *	Exit status: 0, 1 when Redis cannot be read (without -f), 2 for
 *	bad usage.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alerts.h"
#include "commands.h"
#include "limits_cmd.h"
#include "ratelimit_keys.h"

#define FOLLOW_BLOCK_MS "5000"          /* one XREAD's wait */
#define FOLLOW_TIMEOUT_MS 7000          /* the connection's, above the wait */

/* alerts_usage - the synopsis on stderr; the usage-error status */
static int alerts_usage(void)
{
    fprintf(stderr, "usage: vigiectl alerts [-c vigie.conf] [-n COUNT] [-f]\n");
    return 2;
}

/* entry_ok - a stream entry [id, [name, value, ...]] */
static bool entry_ok(const redisReply *entry)
{
    return entry->type == REDIS_REPLY_ARRAY && entry->elements == 2
        && entry->element[0]->type == REDIS_REPLY_STRING
        && entry->element[1]->type == REDIS_REPLY_ARRAY;
}

/* print_entry_id - remember the entry's id in last (room for 64 bytes) */
static void print_entry_id(const redisReply *entry, char *last)
{
    if (entry_ok(entry))
        snprintf(last, 64, "%s", entry->element[0]->str);
}

/* print_entry - one stream entry on stdout; its id into last */
static void print_entry(const redisReply *entry, char *last)
{
    const redisReply *fields;
    char when[32], line[4096];
    struct alert alert;

    if (!entry_ok(entry))
        return;
    print_entry_id(entry, last);
    fields = entry->element[1];
    alert_init(&alert);
    for (size_t i = 0; i + 1 < fields->elements; i += 2)
        if (fields->element[i]->type == REDIS_REPLY_STRING
            && fields->element[i + 1]->type == REDIS_REPLY_STRING)
            (void)alert_add(&alert, fields->element[i]->str, fields->element[i + 1]->str);
    alerts_format(&alert, line, sizeof(line));
    limits_cmd_time((time_t)(strtoll(last, NULL, 10) / 1000), when, sizeof(when));
    printf("%s %s\n", when, line);
}

/*
 * recent - print the last count entries, oldest first; last becomes the
 *	newest entry's id even when count is 0. 0, or -1 with err set.
 */
static int recent(struct limits_cmd *lc, const char *key, long count, char *last,
                  struct vigie_error *err)
{
    char fetch[24];
    const char *argv[6] = {"XREVRANGE", key, "+", "-", "COUNT", fetch};
    size_t argvlen[6];
    redisReply *reply;

    snprintf(fetch, sizeof(fetch), "%ld", count > 0 ? count : 1);
    for (int i = 0; i < 6; i++)
        argvlen[i] = strlen(argv[i]);
    if ((reply = redisconn_command(lc->rc, 6, argv, argvlen, err)) == NULL)
        return -1;
    if (reply->type == REDIS_REPLY_ARRAY) {
        for (size_t i = reply->elements < (size_t)count ? reply->elements : (size_t)count; i-- > 0;)
            print_entry(reply->element[i], last);
        if (reply->elements > 0)
            print_entry_id(reply->element[0], last);
    }
    freeReplyObject(reply);
    return 0;
}

/* follow_once - wait up to one block for entries after last; print them */
static int follow_once(struct limits_cmd *lc, const char *key, char *last,
                       struct vigie_error *err)
{
    const char *argv[8] = {"XREAD", "COUNT", "100", "BLOCK", FOLLOW_BLOCK_MS, "STREAMS", key,
                           last};
    size_t argvlen[8];
    redisReply *reply;

    for (int i = 0; i < 8; i++)
        argvlen[i] = strlen(argv[i]);
    if ((reply = redisconn_command(lc->rc, 8, argv, argvlen, err)) == NULL)
        return -1;
    /* [[key, [entry, ...]]], or nil when the block passed */
    if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 1
        && reply->element[0]->type == REDIS_REPLY_ARRAY && reply->element[0]->elements == 2) {
        const redisReply *entries = reply->element[0]->element[1];

        for (size_t i = 0; i < entries->elements; i++)
            print_entry(entries->element[i], last);
        fflush(stdout);
    }
    freeReplyObject(reply);
    return 0;
}

/* follow - print new entries forever; say once when Redis is away */
NORETURN static void follow(struct limits_cmd *lc, const char *key, char *last)
{
    struct vigie_error err;
    bool away = false;

    for (;;) {
        if (follow_once(lc, key, last, &err) == 0) {
            if (away)
                fprintf(stderr, "vigiectl alerts: Redis answers again\n");
            away = false;
            continue;
        }
        if (!away)
            fprintf(stderr, "vigiectl alerts: %s; retrying every second\n", err.msg);
        away = true;
        sleep(1);
    }
}

/* cmd_alerts - vigiectl alerts */
int cmd_alerts(int argc, char **argv)
{
    const char *config_path = NULL;
    long count = LIMITS_CMD_COUNT_DEFAULT;
    char last[64] = "0-0";
    struct vigie_error err;
    struct limits_cmd lc;
    struct rlkey key;
    bool live = false;
    int status = 1;
    int c;

    optind = 1;
    while ((c = getopt(argc, argv, "c:n:f")) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'n':
            if (limits_cmd_count(optarg, 0, &count) < 0)
                return alerts_usage();
            break;
        case 'f':
            live = true;
            break;
        default:
            return alerts_usage();
        }
    }
    if (optind != argc)
        return alerts_usage();
    if (limits_cmd_open(&lc, config_path, live ? FOLLOW_TIMEOUT_MS : 0, &err) == 0) {
        rlkey_start(&key, lc.prefix, RLKEY_ALERTS);
        if (rlkey_done(&key) < 0)
            error_set(&err, "redis_prefix too long");
        else if (recent(&lc, key.text, count, last, &err) == 0)
            status = 0;
        if (status == 0 && live)
            follow(&lc, key.text, last);
    }
    if (status != 0)
        fprintf(stderr, "vigiectl alerts: %s\n", err.msg);
    limits_cmd_close(&lc);
    return status;
}
