/*
 * NAME
 *	milter_client - the MTA side of a milter conversation, as Postfix holds it
 * DESCRIPTION
 *	See milter_client.h. The order of checks in event_begin() and the
 *	reply handling in read_reply() follow milter8_event(); the macro
 *	lists are Postfix 3.7's defaults (postconf -d milter_*_macros).
 */
#include <arpa/inet.h>
#include <libmilter/mfapi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "milter_client.h"

#define CLIENT_VERSION 6
#define CLIENT_CHUNK 65535      /* MILTER_CHUNK_SIZE, as Postfix */

#define CLIENT_ACTIONS ((uint32_t)(SMFIF_ADDHDRS | SMFIF_CHGBODY | SMFIF_ADDRCPT \
        | SMFIF_DELRCPT | SMFIF_CHGHDRS | SMFIF_QUARANTINE | SMFIF_CHGFROM \
        | SMFIF_ADDRCPT_PAR | SMFIF_SETSYMLIST))
#define CLIENT_NOSEND ((uint32_t)(SMFIP_NOCONNECT | SMFIP_NOHELO | SMFIP_NOMAIL \
        | SMFIP_NORCPT | SMFIP_NOBODY | SMFIP_NOHDRS | SMFIP_NOEOH \
        | SMFIP_NOUNKNOWN | SMFIP_NODATA))
#define CLIENT_NOREPLY ((uint32_t)(SMFIP_NR_CONN | SMFIP_NR_HELO | SMFIP_NR_MAIL \
        | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_UNKN | SMFIP_NR_HDR \
        | SMFIP_NR_EOH | SMFIP_NR_BODY))
#define CLIENT_EVENTS (CLIENT_NOSEND | CLIENT_NOREPLY | (uint32_t)(SMFIP_SKIP \
        | SMFIP_RCPT_REJ | SMFIP_HDR_LEADSPC))

/* What read_reply() tells the caller to do next. */
enum step {
    STEP_NEXT = 0,              /* go on with the next event */
    STEP_SKIP,                  /* go on, skipping further events of this kind */
    STEP_FINAL,                 /* the message has its verdict */
};

const char *const verdict_names[VERDICT_COUNT] = {
    "accept", "continue", "reject", "tempfail", "quarantine", "discard", "errors",
};

const char *const edit_names[EDIT_COUNT] = {
    "addheader", "chgheader", "insheader", "chgfrom", "addrcpt", "delrcpt", "replbody",
};

/* Postfix 3.7 defaults, indexed by SMFIM_* stage. */
static const char *const default_macros[CLIENT_MACRO_STAGES] = {
    [SMFIM_CONNECT] = "j {daemon_name} {daemon_addr} v _",
    [SMFIM_HELO] = "{tls_version} {cipher} {cipher_bits} {cert_subject} {cert_issuer}",
    [SMFIM_ENVFROM] = "i {auth_type} {auth_authen} {auth_author} {mail_addr} {mail_host} {mail_mailer}",
    [SMFIM_ENVRCPT] = "i {rcpt_addr} {rcpt_host} {rcpt_mailer}",
    [SMFIM_DATA] = "i",
    [SMFIM_EOM] = "i",
    [SMFIM_EOH] = "i",
};

struct code_name {
    int code;
    const char *name;
};

static const struct code_name command_table[] = {
    {SMFIC_OPTNEG, "SMFIC_OPTNEG"}, {SMFIC_CONNECT, "SMFIC_CONNECT"},
    {SMFIC_HELO, "SMFIC_HELO"}, {SMFIC_MAIL, "SMFIC_MAIL"}, {SMFIC_RCPT, "SMFIC_RCPT"},
    {SMFIC_DATA, "SMFIC_DATA"}, {SMFIC_HEADER, "SMFIC_HEADER"}, {SMFIC_EOH, "SMFIC_EOH"},
    {SMFIC_BODY, "SMFIC_BODY"}, {SMFIC_BODYEOB, "SMFIC_BODYEOB"}, {0, NULL},
};

static const struct code_name reply_table[] = {
    {SMFIR_ADDRCPT, "SMFIR_ADDRCPT"}, {SMFIR_DELRCPT, "SMFIR_DELRCPT"},
    {SMFIR_ADDRCPT_PAR, "SMFIR_ADDRCPT_PAR"}, {SMFIR_SHUTDOWN, "SMFIR_SHUTDOWN"},
    {SMFIR_ACCEPT, "SMFIR_ACCEPT"}, {SMFIR_REPLBODY, "SMFIR_REPLBODY"},
    {SMFIR_CONTINUE, "SMFIR_CONTINUE"}, {SMFIR_DISCARD, "SMFIR_DISCARD"},
    {SMFIR_CHGFROM, "SMFIR_CHGFROM"}, {SMFIR_CONN_FAIL, "SMFIR_CONN_FAIL"},
    {SMFIR_ADDHEADER, "SMFIR_ADDHEADER"}, {SMFIR_INSHEADER, "SMFIR_INSHEADER"},
    {SMFIR_SETSYMLIST, "SMFIR_SETSYMLIST"}, {SMFIR_CHGHEADER, "SMFIR_CHGHEADER"},
    {SMFIR_PROGRESS, "SMFIR_PROGRESS"}, {SMFIR_QUARANTINE, "SMFIR_QUARANTINE"},
    {SMFIR_REJECT, "SMFIR_REJECT"}, {SMFIR_SKIP, "SMFIR_SKIP"},
    {SMFIR_TEMPFAIL, "SMFIR_TEMPFAIL"}, {SMFIR_REPLYCODE, "SMFIR_REPLYCODE"},
    {SMFIC_OPTNEG, "SMFIC_OPTNEG"}, {0, NULL},
};

/*
 * The end-of-message edits: the action the milter must have negotiated,
 * the data layout ('i' 32-bit index, 'n' header name: a non-empty
 * string, 's' string, '?' optional string, 'b' any bytes) and what is
 * counted.
 */
struct edit_rule {
    int reply;
    uint32_t action;
    const char *layout;
    enum edit edit;
};

static const struct edit_rule edit_rules[] = {
    {SMFIR_ADDHEADER, SMFIF_ADDHDRS, "ns", EDIT_ADDHEADER},
    {SMFIR_CHGHEADER, SMFIF_CHGHDRS, "ins", EDIT_CHGHEADER},
    {SMFIR_INSHEADER, SMFIF_ADDHDRS, "ins", EDIT_INSHEADER},
    {SMFIR_CHGFROM, SMFIF_CHGFROM, "s?", EDIT_CHGFROM},
    {SMFIR_ADDRCPT, SMFIF_ADDRCPT, "s", EDIT_ADDRCPT},
    {SMFIR_ADDRCPT_PAR, SMFIF_ADDRCPT_PAR, "s?", EDIT_ADDRCPT},
    {SMFIR_DELRCPT, SMFIF_DELRCPT, "s", EDIT_DELRCPT},
    {SMFIR_REPLBODY, SMFIF_CHGBODY, "b", EDIT_REPLBODY},
    {0, 0, NULL, EDIT_COUNT},
};

/* code_name - the symbolic name of a command or reply code */
static const char *code_name(const struct code_name *table, int code, char *buf, size_t len)
{
    for (; table->name != NULL; table++)
        if (table->code == code)
            return table->name;
    snprintf(buf, len, "0x%02x", (unsigned)code & 0xff);
    return buf;
}

/* macro_value - what Postfix's smtpd would give for name, or NULL (not sent) */
static const char *macro_value(const struct client *c, const char *name, char *buf, size_t len)
{
    const struct client_env *env = c->env;
    const char *at;

    if (strcmp(name, "j") == 0 || strcmp(name, "{daemon_name}") == 0)
        return env->myhostname;
    if (strcmp(name, "{daemon_addr}") == 0)
        return "127.0.0.1";
    if (strcmp(name, "{daemon_port}") == 0)
        return "25";
    if (strcmp(name, "v") == 0)
        return "Postfix 3.7.11";
    if (strcmp(name, "_") == 0) {
        snprintf(buf, len, "%s [%s]", env->client_name, env->client_addr);
        return buf;
    }
    if (strcmp(name, "{client_addr}") == 0)
        return env->client_addr;
    if (strcmp(name, "{client_name}") == 0 || strcmp(name, "{client_ptr}") == 0)
        return env->client_name;
    if (strcmp(name, "{client_port}") == 0) {
        snprintf(buf, len, "%u", env->client_port);
        return buf;
    }
    if (strcmp(name, "i") == 0)
        return c->have_queue_id ? c->queue_id : NULL;
    if (*env->auth_login != 0 && strcmp(name, "{auth_type}") == 0)
        return "PLAIN";
    if (*env->auth_login != 0 && strcmp(name, "{auth_authen}") == 0)
        return env->auth_login;
    if (strcmp(name, "{mail_addr}") == 0)
        return env->sender;
    if (strcmp(name, "{mail_host}") == 0)
        return (at = strrchr(env->sender, '@')) != NULL ? at + 1 : NULL;
    if (strcmp(name, "{mail_mailer}") == 0)
        return "smtp";
    if (strcmp(name, "{rcpt_addr}") == 0)
        return env->recipient;
    if (strcmp(name, "{rcpt_host}") == 0)
        return env->myhostname;
    if (strcmp(name, "{rcpt_mailer}") == 0)
        return "local";
    return NULL;
}

/* put_macros - the SMFIC_MACRO packet for event: every macro of stage that has a value */
static int put_macros(struct client *c, int event, int stage, struct vigie_error *err)
{
    const char *list = c->macro_lists[stage] ? c->macro_lists[stage] : default_macros[stage];
    const char *value;
    char name[64];
    char buf[300];
    size_t n;

    wire_begin(&c->wire, SMFIC_MACRO);
    wire_put_byte(&c->wire, event);
    for (;;) {
        list += strspn(list, " ,\t\r\n");
        if ((n = strcspn(list, " ,\t\r\n")) == 0)
            break;
        if (n < sizeof(name)) {
            memcpy(name, list, n);
            name[n] = 0;
            if ((value = macro_value(c, name, buf, sizeof(buf))) != NULL) {
                wire_put_str(&c->wire, name);
                wire_put_str(&c->wire, value);
            }
        }
        list += n;
    }
    return wire_end(&c->wire, err);
}

/*
 * event_begin - what milter8_event() does before an event's data. Returns
 *	1 when the event packet was begun (the caller adds its data and calls
 *	event_finish), 0 (STEP_NEXT) when the event is not sent, -1 with err
 *	set.
 */
static int event_begin(struct client *c, int event, int stage, uint32_t no_flag,
                       struct vigie_error *err)
{
    if (c->skip_event != 0) {
        if (event == c->skip_event)
            return 0;
        c->skip_event = 0;
    }
    if (put_macros(c, event, stage, err) < 0)
        return -1;
    if ((c->events & no_flag) != 0)
        return 0;
    wire_begin(&c->wire, event);
    return 1;
}

/* final_verdict - record the verdict that event's reply gave */
static int final_verdict(struct client *c, struct client_result *res, int event, enum verdict v)
{
    if (c->quarantined && (v == VERDICT_ACCEPT || v == VERDICT_CONTINUE))
        v = VERDICT_QUARANTINE;
    res->verdict = v;
    res->stage = event;
    if (event == SMFIC_CONNECT || event == SMFIC_HELO)
        c->drop_session = true;
    return STEP_FINAL;
}

/* nul_terminated - true when the len bytes at data are one string and its NUL */
static bool nul_terminated(const unsigned char *data, size_t len)
{
    return len > 0 && memchr(data, 0, len) == data + len - 1;
}

/* reply_code - check an SMFIR_REPLYCODE as Postfix does and take its verdict */
static int reply_code(struct client *c, struct client_result *res, int event,
                      const unsigned char *data, size_t len, struct vigie_error *err)
{
    const char *text = (const char *)data;
    size_t i;
    size_t o = 0;

    if (!nul_terminated(data, len) || len < 5
        || (text[0] != '4' && text[0] != '5')
        || text[1] < '0' || text[1] > '9' || text[2] < '0' || text[2] > '9'
        || (text[3] != ' ' && text[3] != '-')
        || (text[4] >= '0' && text[4] <= '9' && text[4] != text[0])) {
        error_set(err, "malformed SMFIR_REPLYCODE \"%.60s\"", nul_terminated(data, len) ? text : "");
        return -1;
    }
    /* The first line, "%%" undoubled as Postfix does, controls replaced. */
    for (i = 0; o < sizeof(res->reply) - 1 && text[i] != 0 && text[i] != '\r' && text[i] != '\n'; i++) {
        if (text[i] == '%' && text[i + 1] == '%')
            i++;
        res->reply[o++] = text[i] >= ' ' && text[i] < 127 ? text[i] : '?';
    }
    res->reply[o] = 0;
    return final_verdict(c, res, event, text[0] == '4' ? VERDICT_TEMPFAIL : VERDICT_REJECT);
}

/* edit_rule_for - the rule for reply code cmd, or NULL when cmd is no edit */
static const struct edit_rule *edit_rule_for(int cmd)
{
    const struct edit_rule *rule;

    for (rule = edit_rules; rule->layout != NULL; rule++)
        if (rule->reply == cmd)
            return rule;
    return NULL;
}

/* read_edit - check and count one end-of-message edit request */
static int read_edit(struct client *c, struct client_result *res, const struct edit_rule *rule,
                     const unsigned char *data, size_t len, struct vigie_error *err)
{
    char buf[16];
    const char *name = code_name(reply_table, rule->reply, buf, sizeof(buf));
    const unsigned char *nul;

    if ((c->actions & rule->action) == 0) {
        error_set(err, "%s without the matching SMFIF_ action negotiated", name);
        return -1;
    }
    for (const char *l = rule->layout; *l != 0; l++) {
        if (*l == '?' && len == 0)
            break;
        if (*l == 'b') {
            len = 0;
        } else if (*l == 'i') {
            if (len < 4)
                goto malformed;
            data += 4;
            len -= 4;
        } else {
            if ((nul = memchr(data, 0, len)) == NULL || (*l == 'n' && nul == data))
                goto malformed;
            len -= (size_t)(nul + 1 - data);
            data = nul + 1;
        }
    }
    if (len != 0)
        goto malformed;
    res->edits[rule->edit]++;
    return 0;

malformed:
    error_set(err, "malformed %s", name);
    return -1;
}

/*
 * read_reply - read replies to event until one decides what comes next:
 *	STEP_NEXT, STEP_SKIP, STEP_FINAL (res has the verdict), or -1 with
 *	err set.
 */
static int read_reply(struct client *c, struct client_result *res, int event,
                      struct vigie_error *err)
{
    struct vigie_error werr;
    char ebuf[16];
    char rbuf[16];
    const struct edit_rule *rule;
    const unsigned char *data;
    size_t len;
    int cmd;

    for (;;) {
        if (wire_read(&c->wire, &cmd, &data, &len, &werr) < 0) {
            error_set(err, "reply to %s: %s",
                      code_name(command_table, event, ebuf, sizeof(ebuf)), werr.msg);
            return -1;
        }
        if (len != 0 && cmd != 0 && strchr("pcsartd4", cmd) != NULL)
            goto unexpected;
        switch (cmd) {
        case SMFIR_PROGRESS:
            res->progress++;
            continue;
        case SMFIR_CONTINUE:
            if (event == SMFIC_BODYEOB)
                return final_verdict(c, res, event, VERDICT_CONTINUE);
            return STEP_NEXT;
        case SMFIR_SKIP:
            if (event == SMFIC_BODYEOB)
                return final_verdict(c, res, event, VERDICT_CONTINUE);
            c->skip_event = event;
            return STEP_SKIP;
        case SMFIR_ACCEPT:
            return final_verdict(c, res, event, VERDICT_ACCEPT);
        case SMFIR_REJECT:
            return final_verdict(c, res, event, VERDICT_REJECT);
        case SMFIR_TEMPFAIL:
            return final_verdict(c, res, event, VERDICT_TEMPFAIL);
        case SMFIR_SHUTDOWN:
            c->drop_session = true;
            return final_verdict(c, res, event, VERDICT_TEMPFAIL);
        case SMFIR_DISCARD:
            if (event == SMFIC_CONNECT || event == SMFIC_HELO)
                goto unexpected;
            return final_verdict(c, res, event, VERDICT_DISCARD);
        case SMFIR_REPLYCODE:
            return reply_code(c, res, event, data, len, err);
        case SMFIR_QUARANTINE:
            if (!nul_terminated(data, len))
                goto unexpected;
            c->quarantined = true;
            continue;
        default:
            if (event != SMFIC_BODYEOB || (rule = edit_rule_for(cmd)) == NULL)
                goto unexpected;
            if (read_edit(c, res, rule, data, len, err) < 0)
                return -1;
            continue;
        }
    }

unexpected:
    error_set(err, "unexpected reply %s (%zu data bytes) to %s",
              code_name(reply_table, cmd, rbuf, sizeof(rbuf)), len,
              code_name(command_table, event, ebuf, sizeof(ebuf)));
    return -1;
}

/* event_finish - end the event packet, then read its reply unless the milter declined it */
static int event_finish(struct client *c, struct client_result *res, int event,
                        uint32_t no_reply_flag, struct vigie_error *err)
{
    if (wire_end(&c->wire, err) < 0)
        return -1;
    if ((c->events & no_reply_flag) != 0)
        return STEP_NEXT;
    return read_reply(c, res, event, err);
}

/* negotiate - SMFIC_OPTNEG and the milter's answer, with its macro lists */
static int negotiate(struct client *c, struct vigie_error *err)
{
    struct vigie_error werr;
    char rbuf[16];
    const unsigned char *data;
    const unsigned char *nul;
    size_t len;
    uint32_t v[3];
    uint32_t stage;
    int cmd;

    wire_begin(&c->wire, SMFIC_OPTNEG);
    wire_put_u32(&c->wire, CLIENT_VERSION);
    wire_put_u32(&c->wire, CLIENT_ACTIONS);
    wire_put_u32(&c->wire, CLIENT_EVENTS);
    if (wire_end(&c->wire, err) < 0)
        return -1;
    if (wire_read(&c->wire, &cmd, &data, &len, &werr) < 0) {
        error_set(err, "reply to SMFIC_OPTNEG: %s", werr.msg);
        return -1;
    }
    if (cmd != SMFIC_OPTNEG || len < sizeof(v)) {
        error_set(err, "unexpected reply %s (%zu data bytes) to SMFIC_OPTNEG",
                  code_name(reply_table, cmd, rbuf, sizeof(rbuf)), len);
        return -1;
    }
    memcpy(v, data, sizeof(v));
    c->version = ntohl(v[0]);
    c->actions = ntohl(v[1]);
    c->events = ntohl(v[2]);
    if (c->version < 2 || c->version > CLIENT_VERSION) {
        error_set(err, "milter protocol version %u, expected 2 to %d", c->version, CLIENT_VERSION);
        return -1;
    }
    if ((c->actions & ~CLIENT_ACTIONS) != 0) {
        error_set(err, "milter requests actions 0x%x beyond those offered (0x%x)",
                  c->actions, CLIENT_ACTIONS);
        return -1;
    }
    for (int i = 0; i < CLIENT_MACRO_STAGES; i++) {
        free(c->macro_lists[i]);
        c->macro_lists[i] = NULL;
    }
    data += sizeof(v);
    len -= sizeof(v);
    while (len > 0) {
        if (len < 5 || (nul = memchr(data + 4, 0, len - 4)) == NULL) {
            error_set(err, "malformed macro list in the reply to SMFIC_OPTNEG");
            return -1;
        }
        memcpy(&stage, data, sizeof(stage));
        stage = ntohl(stage);
        if (stage < CLIENT_MACRO_STAGES && nul > data + 4) {
            free(c->macro_lists[stage]);
            if ((c->macro_lists[stage] = strdup((const char *)data + 4)) == NULL) {
                error_set(err, "out of memory");
                return -1;
            }
        }
        len -= (size_t)(nul + 1 - data);
        data = nul + 1;
    }
    return 0;
}

/* session_open - connect, negotiate, then the CONNECT and HELO events */
static int session_open(struct client *c, struct client_result *res, struct vigie_error *err)
{
    const struct client_env *env = c->env;
    unsigned char addr[16];
    char bracketed[80];
    const char *name = env->client_name;
    int family = SMFIA_UNKNOWN;
    int rc;

    if (wire_open(&c->wire, env->target, env->timeout_ms, err) < 0 || negotiate(c, err) < 0)
        return -1;
    c->in_session = true;
    c->skip_event = 0;
    if (inet_pton(AF_INET, env->client_addr, addr) == 1)
        family = SMFIA_INET;
    else if (inet_pton(AF_INET6, env->client_addr, addr) == 1)
        family = SMFIA_INET6;
    if (strcmp(name, "unknown") == 0 && family != SMFIA_UNKNOWN) {
        snprintf(bracketed, sizeof(bracketed), "[%s]", env->client_addr);
        name = bracketed;
    }
    if ((rc = event_begin(c, SMFIC_CONNECT, SMFIM_CONNECT, SMFIP_NOCONNECT, err)) == 1) {
        wire_put_str(&c->wire, name);
        wire_put_byte(&c->wire, family);
        if (family != SMFIA_UNKNOWN) {
            wire_put_u16(&c->wire, (uint16_t)env->client_port);
            wire_put_str(&c->wire, env->client_addr);
        }
        rc = event_finish(c, res, SMFIC_CONNECT, SMFIP_NR_CONN, err);
    }
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    if ((rc = event_begin(c, SMFIC_HELO, SMFIM_HELO, SMFIP_NOHELO, err)) == 1) {
        wire_put_str(&c->wire, env->helo);
        rc = event_finish(c, res, SMFIC_HELO, SMFIP_NR_HELO, err);
    }
    return rc;
}

/* put_address - an envelope address in angle brackets, NUL-terminated */
static void put_address(struct wire *w, const char *address)
{
    wire_put(w, "<", 1);
    wire_put(w, address, strlen(address));
    wire_put_str(w, ">");
}

/* envelope - MAIL, RCPT and DATA */
static int envelope(struct client *c, struct client_result *res, struct vigie_error *err)
{
    int rc;

    if ((rc = event_begin(c, SMFIC_MAIL, SMFIM_ENVFROM, SMFIP_NOMAIL, err)) == 1) {
        put_address(&c->wire, c->env->sender);
        rc = event_finish(c, res, SMFIC_MAIL, SMFIP_NR_MAIL, err);
    }
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    if ((rc = event_begin(c, SMFIC_RCPT, SMFIM_ENVRCPT, SMFIP_NORCPT, err)) == 1) {
        put_address(&c->wire, c->env->recipient);
        rc = event_finish(c, res, SMFIC_RCPT, SMFIP_NR_RCPT, err);
    }
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    c->have_queue_id = true;
    if (c->version < 4)
        return STEP_NEXT;
    if ((rc = event_begin(c, SMFIC_DATA, SMFIM_DATA, SMFIP_NODATA, err)) == 1)
        rc = event_finish(c, res, SMFIC_DATA, SMFIP_NR_DATA, err);
    return rc;
}

/* content - the headers, end of headers, body chunks and end of body */
static int content(struct client *c, const struct bench_msg *msg, struct client_result *res,
                   struct vigie_error *err)
{
    const char *value;
    size_t off;
    size_t n;
    int rc = STEP_NEXT;

    for (size_t i = 0; (c->events & SMFIP_NOHDRS) == 0 && i < msg->nheaders; i++) {
        if ((rc = event_begin(c, SMFIC_HEADER, SMFIM_EOH, 0, err)) != 1)
            break;
        value = msg->headers[i].value;
        if ((c->events & SMFIP_HDR_LEADSPC) == 0 && *value == ' ')
            value++;
        wire_put_str(&c->wire, msg->headers[i].name);
        wire_put_str(&c->wire, value);
        if ((rc = event_finish(c, res, SMFIC_HEADER, SMFIP_NR_HDR, err)) != STEP_NEXT)
            break;
    }
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    if ((c->events & SMFIP_NOEOH) == 0
        && (rc = event_begin(c, SMFIC_EOH, SMFIM_EOH, 0, err)) == 1)
        rc = event_finish(c, res, SMFIC_EOH, SMFIP_NR_EOH, err);
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    for (off = 0; (c->events & SMFIP_NOBODY) == 0 && off < msg->body_len; off += n) {
        n = msg->body_len - off < CLIENT_CHUNK ? msg->body_len - off : CLIENT_CHUNK;
        if ((rc = event_begin(c, SMFIC_BODY, SMFIM_EOM, 0, err)) != 1)
            break;
        wire_put(&c->wire, msg->body + off, n);
        if ((rc = event_finish(c, res, SMFIC_BODY, SMFIP_NR_BODY, err)) != STEP_NEXT)
            break;
    }
    if (rc < 0 || rc == STEP_FINAL)
        return rc;
    if ((rc = event_begin(c, SMFIC_BODYEOB, SMFIM_EOM, 0, err)) == 1)
        rc = event_finish(c, res, SMFIC_BODYEOB, 0, err);
    return rc;
}

/* client_init - a client with no connection yet */
void client_init(struct client *c, const struct client_env *env, unsigned id)
{
    memset(c, 0, sizeof(*c));
    c->env = env;
    c->id = id;
    wire_init(&c->wire);
}

/* client_message - one message, in a session opened when needed */
int client_message(struct client *c, const struct bench_msg *msg,
                   struct client_result *res, struct vigie_error *err)
{
    int rc = STEP_NEXT;

    memset(res, 0, sizeof(*res));
    res->verdict = VERDICT_ERROR;
    c->seq++;
    c->have_queue_id = false;
    c->quarantined = false;
    c->drop_session = false;
    snprintf(c->queue_id, sizeof(c->queue_id), "%03X%07lX", c->id & 0xfffu, c->seq & 0xfffffffUL);
    memcpy(res->queue_id, c->queue_id, sizeof(res->queue_id));
    if (!c->in_session)
        rc = session_open(c, res, err);
    if (rc == STEP_NEXT || rc == STEP_SKIP)
        rc = envelope(c, res, err);
    if (rc == STEP_NEXT || rc == STEP_SKIP)
        rc = content(c, msg, res, err);
    if (rc >= 0 && !c->drop_session) {
        /* Postfix's mail_reset(): the milter forgets this message. */
        wire_begin(&c->wire, SMFIC_ABORT);
        rc = wire_end(&c->wire, err);
    }
    if (rc < 0 || c->drop_session) {
        wire_close(&c->wire);
        c->in_session = false;
    }
    if (rc < 0) {
        res->verdict = VERDICT_ERROR;
        return -1;
    }
    return 0;
}

/* client_end_session - SMFIC_QUIT and close, as when the SMTP client leaves */
void client_end_session(struct client *c)
{
    struct vigie_error moot;    /* a milter already gone needs no QUIT */
    int rc;

    if (c->in_session) {
        wire_begin(&c->wire, SMFIC_QUIT);
        if ((rc = wire_end(&c->wire, &moot)) == 0)
            rc = wire_flush(&c->wire, &moot);
        (void)rc;
    }
    wire_close(&c->wire);
    c->in_session = false;
}

/* client_free - end the session, release everything */
void client_free(struct client *c)
{
    client_end_session(c);
    wire_free(&c->wire);
    for (int i = 0; i < CLIENT_MACRO_STAGES; i++)
        free(c->macro_lists[i]);
    memset(c, 0, sizeof(*c));
}
