/*
 * NAME
 *	milter_act - a verdict turned into milter actions and a log line
 * SYNOPSIS
 *	#include "milter.h"
 * DESCRIPTION
 *	At end of message: finish the SPF, DKIM and DMARC checks, classify
 *	the message with Bayes (milter_bayes.h), check and count it against
 *	the rate limits (milter_limits.h), evaluate the rules on the
 *	collected facts (a crossed limit's action prevails when it is the
 *	stronger), remove X-Spam-* headers and
 *	Authentication-Results claiming our authserv_id that came with the
 *	message (a sender must not be able to forge vigie's verdict), add
 *	vigie's own (and the DKIM signature), then rewrite the Subject,
 *	quarantine (Postfix's hold queue), tempfail or reject as the
 *	verdict says, and log one summary line.
 *
 *	A message vigie signs keeps its Subject under rewrite-subject: the
 *	signature covers it. The X-Spam-* headers still mark it.
 *
 *	Any internal error (allocation failure, a header edit libmilter
 *	refuses) is handled by the configured fail policy: accept the
 *	message as it is, with a warning, or tempfail it with 451 4.3.0.
 *	So is Bayes skipped for want of Redis, except that an accepted
 *	message is still scored by the other rules, and X-Spam-Status
 *	notes "bayes=skipped". Mail is never discarded.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "log.h"
#include "milter.h"
#include "milter_bayes.h"
#include "milter_limits.h"
#include "spamheaders.h"

/* Headers vigie writes; copies that arrive with a message are removed. */
static const char *const spam_header_names[] = {
    "X-Spam-Flag", "X-Spam-Score", "X-Spam-Level", "X-Spam-Status",
};

#define N_SPAM_HEADERS (sizeof(spam_header_names) / sizeof(spam_header_names[0]))

/* milter_log_summary - the one summary line of a message */
void milter_log_summary(const struct milter_conn *conn, bool warning, const char *fmt, ...)
{
    char fields[1024];
    char line[1600];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(fields, sizeof(fields), fmt, ap);
    va_end(ap);
    snprintf(line, sizeof(line), "%s: client=%s[%s]%s%s sender=<%s> rcpts=%zu %s",
             milter_queue_id(conn), conn->client_name, conn->client_addr,
             *conn->sasl_user ? " sasl_user=" : "", conn->sasl_user,
             conn->msg.sender ? conn->msg.sender : "", conn->msg.rcpt_count, fields);
    if (warning)
        msg_warn("%s", line);
    else
        msg_info("%s", line);
}

/* milter_reply - smfi_setreply with text made safe */
void milter_reply(SMFICTX *ctx, const char *code, const char *status, const char *text)
{
    char safe[512];
    size_t n = 0;

    /*
     * Sendmail uses the text as a format string and Postfix undoes the
     * doubling, so '%' goes out as "%%"; libmilter refuses CR and LF.
     */
    for (const char *p = text; *p && n + 2 < sizeof(safe); p++) {
        if (*p == '%')
            safe[n++] = '%';
        safe[n++] = *p;
    }
    safe[n] = '\0';
    spamheaders_clean(safe);
    if (smfi_setreply(ctx, (char *)code, (char *)status, safe) != MI_SUCCESS)
        msg_warn("libmilter refused the reply \"%s %s %s\": the MTA sends its default",
                 code, status, safe);
}

/*
 * fail_message - apply the fail policy after an internal error
 *	Logs the summary with what went wrong; returns SMFIS_CONTINUE
 *	(accept) or SMFIS_TEMPFAIL with a 451 4.3.0 reply.
 */
static sfsistat fail_message(SMFICTX *ctx, const struct milter_conn *conn, const char *what)
{
    if (conn->snap->config->fail_policy == FAIL_TEMPFAIL) {
        milter_log_summary(conn, true, "action=tempfail error=\"%s\"", what);
        milter_reply(ctx, "451", "4.3.0", "Temporary failure in the mail filter, try again later");
        return SMFIS_TEMPFAIL;
    }
    milter_log_summary(conn, true, "action=accept error=\"%s\" (fail_policy = accept)", what);
    return SMFIS_CONTINUE;
}

/* join_tests - "A,B,C" (or "none") into buf, truncated with "..." */
static void join_tests(const struct verdict *verdict, char *buf, size_t len)
{
    size_t n = 0;

    snprintf(buf, len, "none");
    for (size_t i = 0; i < verdict->hit_count; i++) {
        int w = snprintf(buf + n, len - n, "%s%s", i ? "," : "", verdict->hits[i].name);

        if (w < 0 || (size_t)w >= len - n) {
            snprintf(buf + (len > 4 ? len - 4 : 0), len > 4 ? 4 : len, "...");
            break;
        }
        n += (size_t)w;
    }
    spamheaders_clean(buf);
}

/* replace_spam_headers - delete X-Spam-* that came in, add vigie's; -1 on failure */
static int replace_spam_headers(SMFICTX *ctx, const struct milter_conn *conn,
                                const struct spam_headers *h)
{
    const char *values[N_SPAM_HEADERS] = {h->flag, h->score, h->level, h->status};
    const struct milter_msg *msg = &conn->msg;

    for (size_t i = 0; i < N_SPAM_HEADERS; i++) {
        int count = 0;

        for (size_t j = 0; j < msg->header_count; j++)
            if (strcasecmp(msg->headers[j].name, spam_header_names[i]) == 0)
                count++;
        /* From the last occurrence down, so that indexes stay valid. */
        for (; count > 0; count--)
            if (milter_hdr_change(ctx, conn, spam_header_names[i], count, NULL) < 0)
                return -1;
    }
    for (size_t i = 0; i < N_SPAM_HEADERS; i++)
        if (milter_hdr_add(ctx, conn, spam_header_names[i], values[i]) < 0)
            return -1;
    return 0;
}

/* rewrite_subject - prefix the Subject (add one if missing); -1 on failure */
static int rewrite_subject(SMFICTX *ctx, const struct milter_conn *conn, const char *prefix)
{
    const char *subject = milter_msg_find_header(&conn->msg, "Subject");
    char *value;
    int status;

    if (conn->msg.auth.signature != NULL)
        return 0;               /* signed by vigie: see DESCRIPTION */
    if (spamheaders_subject(subject, prefix, &value) < 0)
        return -1;
    if (value == NULL)
        return 0;
    status = subject ? milter_hdr_change(ctx, conn, "Subject", 1, value)
                     : milter_hdr_add(ctx, conn, "Subject", value);
    free(value);
    return status;
}

/*
 * act - carry out the verdict's action
 *	Returns what xxfi_eom must return, or -1 when a milter request
 *	failed (the caller applies the fail policy).
 */
static int act(SMFICTX *ctx, const struct milter_conn *conn, const struct verdict *verdict,
               const struct spam_headers *h, const char *tests)
{
    const struct action *action = &verdict->action;
    const char *text = action->text && *action->text ? action->text
                                                     : "Message refused by local policy";
    char reason[600];

    switch (action->kind) {
    case ACTION_TEMPFAIL:
        milter_reply(ctx, action->reply_code ? action->reply_code : "451",
                     action->status_code ? action->status_code : "4.7.1", text);
        return SMFIS_TEMPFAIL;
    case ACTION_REJECT:
        milter_reply(ctx, action->reply_code ? action->reply_code : "550",
                     action->status_code ? action->status_code : "5.7.1", text);
        return SMFIS_REJECT;
    case ACTION_HOLD:
        snprintf(reason, sizeof(reason), "vigie: score=%s tests=%s", h->score, tests);
        spamheaders_clean(reason);
        if (smfi_quarantine(ctx, reason) != MI_SUCCESS)
            return -1;
        break;
    case ACTION_REWRITE_SUBJECT:
        if (rewrite_subject(ctx, conn, action->text ? action->text : "") < 0)
            return -1;
        break;
    case ACTION_ACCEPT:
    case ACTION_FLAG:
        break;
    }
    if (milter_auth_headers(ctx, conn) < 0 || replace_spam_headers(ctx, conn, h) < 0)
        return -1;
    return SMFIS_CONTINUE;
}

/* elapsed_ms - milliseconds since start */
static double elapsed_ms(const struct timespec *start)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - start->tv_sec) * 1e3
           + (double)(now.tv_nsec - start->tv_nsec) / 1e6;
}

/* milter_act_eom - evaluate the message and act on the verdict */
sfsistat milter_act_eom(SMFICTX *ctx, struct milter_conn *conn)
{
    struct message_facts facts;
    struct spam_headers h;
    struct verdict verdict;
    struct timespec start;
    char tests[512];
    char auth[256];
    char bayes[64];
    char limit[RLKEY_MAX + 128];
    struct milter_limits limits;
    struct vigie_error err;
    int status;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (conn->failed || conn->msg.failed)
        return fail_message(ctx, conn, "out of memory while receiving the message");
    milter_auth_eom(conn);
    authcheck_summary(&conn->msg.auth, auth, sizeof(auth));
    if (milter_bayes_eom(conn, &err) < 0 && conn->snap->config->fail_policy == FAIL_TEMPFAIL)
        return fail_message(ctx, conn, err.msg);
    milter_conn_facts(conn, &facts);
    milter_limits_eom(conn, &facts, &limits);
    if (rules_evaluate(conn->snap->rules, &facts, &verdict) < 0)
        return fail_message(ctx, conn, "out of memory while evaluating the rules");
    milter_limits_verdict(&limits, conn, &verdict);
    if (spamheaders_format(&verdict, "vigie-" VIGIE_VERSION,
                           milter_bayes_skipped(conn->msg.bayes), &h) < 0) {
        spamheaders_free(&h);
        verdict_free(&verdict);
        return fail_message(ctx, conn, "out of memory while formatting headers");
    }
    join_tests(&verdict, tests, sizeof(tests));
    status = act(ctx, conn, &verdict, &h, tests);
    if (status < 0) {
        status = fail_message(ctx, conn, "the MTA refused a header change or quarantine"
                                         " (check the milter protocol version)");
    } else {
        milter_bayes_autolearn(conn, &facts);
        milter_log_summary(conn, false,
                           "score=%s tests=%s action=%s%s time=%.2fms%s%s bayes=%s",
                           h.score, tests, action_kind_name(verdict.action.kind),
                           milter_limits_log(&limits, limit, sizeof(limit)),
                           elapsed_ms(&start), *auth ? " " : "", auth,
                           milter_bayes_log(conn->msg.bayes, bayes, sizeof(bayes)));
    }
    spamheaders_free(&h);
    verdict_free(&verdict);
    return (sfsistat)status;
}
