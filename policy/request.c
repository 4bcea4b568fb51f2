/*
 * NAME
 *	request - Postfix SMTP access policy requests: framing, parsing, replies
 * SYNOPSIS
 *	#include "request.h"
 * DESCRIPTION
 *	See request.h. The attributes vigie reads are one table,
 *	attributes[]: a name, a kind and where the value goes.
 */
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"

#define QUOTE_MAX 40            /* bytes of client input quoted in a message */

enum attr_kind {
    ATTR_STRING,
    ATTR_NUMBER,
    ATTR_STATE,
};

struct attr {
    const char *name;
    enum attr_kind kind;
    size_t offset;              /* in struct policy_request */
};

#define AT(field) offsetof(struct policy_request, field)

/* Sorted by name, for bsearch. */
static const struct attr attributes[] = {
    {"client_address", ATTR_STRING, AT(client_address)},
    {"client_name", ATTR_STRING, AT(client_name)},
    {"client_port", ATTR_STRING, AT(client_port)},
    {"etrn_domain", ATTR_STRING, AT(etrn_domain)},
    {"helo_name", ATTR_STRING, AT(helo_name)},
    {"instance", ATTR_STRING, AT(instance)},
    {"policy_context", ATTR_STRING, AT(policy_context)},
    {"protocol_name", ATTR_STRING, AT(protocol_name)},
    {"protocol_state", ATTR_STATE, AT(state_name)},
    {"queue_id", ATTR_STRING, AT(queue_id)},
    {"recipient", ATTR_STRING, AT(recipient)},
    {"recipient_count", ATTR_NUMBER, AT(recipient_count)},
    {"request", ATTR_STRING, AT(request)},
    {"reverse_client_name", ATTR_STRING, AT(reverse_client_name)},
    {"sasl_method", ATTR_STRING, AT(sasl_method)},
    {"sasl_sender", ATTR_STRING, AT(sasl_sender)},
    {"sasl_username", ATTR_STRING, AT(sasl_username)},
    {"sender", ATTR_STRING, AT(sender)},
    {"server_address", ATTR_STRING, AT(server_address)},
    {"server_port", ATTR_STRING, AT(server_port)},
    {"size", ATTR_NUMBER, AT(size)},
    {"stress", ATTR_STRING, AT(stress)},
};

#define ATTR_COUNT (sizeof(attributes) / sizeof(attributes[0]))

static const char *const state_names[] = {
    [POLICY_STATE_UNKNOWN] = "unknown",
    [POLICY_STATE_CONNECT] = "CONNECT",
    [POLICY_STATE_EHLO] = "EHLO",
    [POLICY_STATE_HELO] = "HELO",
    [POLICY_STATE_MAIL] = "MAIL",
    [POLICY_STATE_RCPT] = "RCPT",
    [POLICY_STATE_DATA] = "DATA",
    [POLICY_STATE_END_OF_MESSAGE] = "END-OF-MESSAGE",
    [POLICY_STATE_VRFY] = "VRFY",
    [POLICY_STATE_ETRN] = "ETRN",
};

/* quote - at most QUOTE_MAX bytes of text, printable ASCII, others as '?' */
static const char *quote(const char *text, char *buf, size_t size)
{
    size_t n = 0;

    for (; *text != '\0' && n + 4 < size && n < QUOTE_MAX; text++)
        buf[n++] = (*text >= 0x20 && *text < 0x7f) ? *text : '?';
    if (*text != '\0' && n + 4 <= size) {
        memcpy(buf + n, "...", 3);
        n += 3;
    }
    buf[n] = '\0';
    return buf;
}

/* policy_framer_reset - ready for the next request */
void policy_framer_reset(struct policy_framer *f)
{
    f->scanned = 0;
    f->line_start = 0;
    f->lines = 0;
}

/* policy_frame - look for the end of the request at the head of buf */
enum policy_frame_status policy_frame(struct policy_framer *f, const char *buf, size_t len,
                                      const struct policy_limits *limits, size_t *request_len,
                                      struct vigie_error *err)
{
    for (size_t i = f->scanned; i < len; i++) {
        size_t line_len;

        if (buf[i] == '\0') {
            error_set(err, "NUL byte in line %u: binary data, not a policy request",
                      f->lines + 1);
            return POLICY_FRAME_ERROR;
        }
        if (buf[i] != '\n')
            continue;
        line_len = i - f->line_start;
        if (line_len > 0 && buf[i - 1] == '\r')
            line_len--;
        if (line_len == 0) {
            f->scanned = i + 1;
            *request_len = i + 1;
            return POLICY_FRAME_DONE;
        }
        if (++f->lines > limits->max_attributes) {
            error_set(err, "more than %u attribute lines (policy_max_attributes)",
                      limits->max_attributes);
            return POLICY_FRAME_ERROR;
        }
        f->line_start = i + 1;
    }
    f->scanned = len;
    if (len >= limits->max_size) {
        error_set(err, "request longer than %zu bytes (policy_max_request)",
                  limits->max_size);
        return POLICY_FRAME_ERROR;
    }
    return POLICY_FRAME_MORE;
}

/* state_parse - a protocol_state name; POLICY_STATE_UNKNOWN when not known */
static enum policy_state state_parse(const char *name)
{
    for (size_t i = 1; i < sizeof(state_names) / sizeof(state_names[0]); i++)
        if (strcmp(name, state_names[i]) == 0)
            return (enum policy_state)i;
    return POLICY_STATE_UNKNOWN;
}

/* number_parse - decimal digits, "" as 0, up to ULONG_MAX; -1 otherwise */
static int number_parse(const char *text, unsigned long *out)
{
    unsigned long n = 0;

    for (; *text != '\0'; text++) {
        unsigned long digit = (unsigned long)(*text - '0');

        if (*text < '0' || *text > '9' || n > (ULONG_MAX - digit) / 10)
            return -1;
        n = n * 10 + digit;
    }
    *out = n;
    return 0;
}

/* attr_compare - bsearch order of a name and an attribute */
static int attr_compare(const void *name, const void *attr)
{
    return strcmp(name, ((const struct attr *)attr)->name);
}

/* attr_set - one name=value; 0, or -1 with err set */
static int attr_set(struct policy_request *req, const char *name, const char *value,
                    unsigned line, struct vigie_error *err)
{
    const struct attr *a = bsearch(name, attributes, ATTR_COUNT, sizeof(attributes[0]),
                                   attr_compare);
    char shown[QUOTE_MAX + 4];
    void *field;

    if (a == NULL)
        return 0;               /* an attribute vigie does not use */
    field = (char *)req + a->offset;
    switch (a->kind) {
    case ATTR_STATE:
        req->state = state_parse(value);
        /* FALLTHROUGH */
    case ATTR_STRING:
        *(const char **)field = value;
        return 0;
    case ATTR_NUMBER:
        if (number_parse(value, field) == 0)
            return 0;
        error_set(err, "line %u: %s=%s: not a number", line, name,
                  quote(value, shown, sizeof(shown)));
        return -1;
    }
    return 0;
}

/* line_check - refuse control bytes in a line; 0, or -1 with err set */
static int line_check(const char *text, unsigned line, struct vigie_error *err)
{
    for (const unsigned char *p = (const unsigned char *)text; *p != '\0'; p++) {
        if ((*p < 0x20 && *p != '\t') || *p == 0x7f) {
            error_set(err, "line %u: control character 0x%02x", line, *p);
            return -1;
        }
    }
    return 0;
}

/* request_init - every string "", every number 0 */
static void request_init(struct policy_request *req)
{
    memset(req, 0, sizeof(*req));
    for (size_t i = 0; i < ATTR_COUNT; i++)
        if (attributes[i].kind != ATTR_NUMBER)
            *(const char **)((char *)req + attributes[i].offset) = "";
}

/* policy_request_parse - split a framed request in place */
int policy_request_parse(char *text, size_t len, struct policy_request *req,
                         struct vigie_error *err)
{
    char *end = text + len;
    char shown[QUOTE_MAX + 4];
    unsigned line = 0;
    char *p = text;

    request_init(req);
    for (;;) {
        char *nl = p < end ? memchr(p, '\n', (size_t)(end - p)) : NULL;
        char *eq;

        if (nl == NULL) {
            error_set(err, "request not ended by an empty line");
            return -1;
        }
        *nl = '\0';
        if (nl > p && nl[-1] == '\r')
            nl[-1] = '\0';
        line++;
        if (*p == '\0')
            break;
        if (line_check(p, line, err) < 0)
            return -1;
        if ((eq = strchr(p, '=')) == NULL) {
            error_set(err, "line %u: no '=' in \"%s\"", line, quote(p, shown, sizeof(shown)));
            return -1;
        }
        if (eq == p) {
            error_set(err, "line %u: empty attribute name", line);
            return -1;
        }
        *eq = '\0';
        if (attr_set(req, p, eq + 1, line, err) < 0)
            return -1;
        p = nl + 1;
    }
    req->attributes = line - 1;
    if (*req->request == '\0') {
        error_set(err, "no request attribute: not a policy request");
        return -1;
    }
    if (strcmp(req->request, "smtpd_access_policy") != 0) {
        error_set(err, "request=%s: not an SMTPD access policy request",
                  quote(req->request, shown, sizeof(shown)));
        return -1;
    }
    return 0;
}

/* policy_state_name - the protocol_state name of state */
const char *policy_state_name(enum policy_state state)
{
    return state_names[state];
}

/* policy_reply - "action=ACTION\n\n" into buf */
size_t policy_reply(const char *action, char *buf)
{
    static const char head[] = "action=";
    size_t n = sizeof(head) - 1;

    memcpy(buf, head, n);
    for (; *action != '\0' && n < POLICY_REPLY_MAX - 2; action++)
        buf[n++] = ((unsigned char)*action < 0x20 || *action == 0x7f) ? ' ' : *action;
    buf[n++] = '\n';
    buf[n++] = '\n';
    return n;
}
