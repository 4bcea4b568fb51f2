/*
 * NAME
 *	dmarc - DMARC (RFC 7489): identifier alignment and the sender domain's policy
 * DESCRIPTION
 *	See dmarc.h. Four parts: the From field scanner, the record
 *	parser, policy discovery in DNS (RFC 7489 6.6.3), and the
 *	evaluation. The From scanner allocates nothing: it walks the field
 *	once, keeping track of comments, quoted strings, domain literals
 *	and angle brackets, and keeps the text after the last '@' of each
 *	mailbox.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libpsl.h>

#include "dmarc.h"

#define DOMAIN_MAX 253

struct dmarc_psl {
    psl_ctx_t *ctx;
};

/* dmarc_psl_load - see dmarc.h */
struct dmarc_psl *dmarc_psl_load(const char *path, struct vigie_error *err)
{
    struct dmarc_psl *psl = calloc(1, sizeof(*psl));

    if (psl == NULL) {
        error_set(err, "out of memory");
        return NULL;
    }
    if ((psl->ctx = psl_load_file(path)) == NULL) {
        error_at(err, path, 0, "cannot load a public suffix list from this file");
        free(psl);
        return NULL;
    }
    return psl;
}

/* dmarc_psl_free - see dmarc.h */
void dmarc_psl_free(struct dmarc_psl *psl)
{
    if (psl == NULL)
        return;
    psl_free(psl->ctx);
    free(psl);
}

/* normalise_domain - lower case, no trailing dot, validated; 0, or -1 */
static int normalise_domain(const char *domain, char *out, size_t len)
{
    size_t n = strlen(domain);

    if (n > 0 && domain[n - 1] == '.')
        n--;
    if (n == 0 || n >= len)
        return -1;
    for (size_t i = 0; i < n; i++)
        out[i] = (char)tolower((unsigned char)domain[i]);
    out[n] = '\0';
    return dns_name_valid(out) ? 0 : -1;
}

/* dmarc_org_domain - see dmarc.h */
int dmarc_org_domain(const struct dmarc_psl *psl, const char *domain, char *out, size_t len)
{
    char norm[DOMAIN_MAX + 1];
    const char *reg;

    if (normalise_domain(domain, norm, sizeof(norm)) != 0)
        return -1;
    reg = psl_registrable_domain(psl->ctx, norm);
    if (reg == NULL)
        reg = norm;
    if (strlen(reg) >= len)
        return -1;
    strcpy(out, reg);
    return 0;
}

/* Scanner state for one From field. */
struct from_scan {
    unsigned comment;           /* nesting depth */
    bool quoted, literal, angle;
    bool angle_seen;            /* this mailbox has an <addr-spec> */
    bool in_domain;             /* collecting after an '@' */
    bool bare_at, angle_at;     /* an '@' was seen outside / inside <> */
    char bare[DOMAIN_MAX + 2];  /* after the last '@' outside <> */
    char inangle[DOMAIN_MAX + 2];       /* after the last '@' inside <> */
    size_t bare_len, inangle_len;
    bool too_long;
};

/* scan_reset - start a new mailbox */
static void scan_reset(struct from_scan *s)
{
    s->angle_seen = s->in_domain = s->too_long = s->bare_at = s->angle_at = false;
    s->bare_len = s->inangle_len = 0;
    s->bare[0] = s->inangle[0] = '\0';
}

/* scan_collect - one character of a domain being collected */
static void scan_collect(struct from_scan *s, char c)
{
    char *buf = s->angle ? s->inangle : s->bare;
    size_t *len = s->angle ? &s->inangle_len : &s->bare_len;

    if (*len + 1 >= sizeof(s->bare)) {
        s->too_long = true;
        return;
    }
    buf[(*len)++] = c;
    buf[*len] = '\0';
}

/* scan_at - an '@' outside quotes: the domain starts again after it */
static void scan_at(struct from_scan *s)
{
    if (s->angle) {
        s->inangle_len = 0;
        s->inangle[0] = '\0';
        s->angle_at = true;
    } else {
        s->bare_len = 0;
        s->bare[0] = '\0';
        s->bare_at = true;
    }
    s->in_domain = true;
}

/*
 * scan_mailbox_end - the mailbox's domain joins the others
 *	Returns 0 (none, or the same domain), or -1 with *problem.
 */
static int scan_mailbox_end(struct from_scan *s, char *out, size_t len, bool *found,
                            const char **problem)
{
    const char *domain = s->angle_seen ? s->inangle : s->bare;
    bool at = s->angle_seen ? s->angle_at : s->bare_at;
    char norm[DOMAIN_MAX + 1];

    if (!at)
        return 0;               /* a group name, or a mailbox without a domain */
    if (s->too_long || normalise_domain(domain, norm, sizeof(norm)) != 0) {
        *problem = "From domain is not a domain name";
        return -1;
    }
    if (*found && strcmp(out, norm) != 0) {
        *problem = "From has mailboxes in several domains";
        return -1;
    }
    if (strlen(norm) >= len) {
        *problem = "From domain is too long";
        return -1;
    }
    strcpy(out, norm);
    *found = true;
    return 0;
}

/* scan_char - one character at the top level of a mailbox; 0, or -1 with *problem */
static int scan_char(struct from_scan *s, char c, char *out, size_t len, bool *found,
                     const char **problem)
{
    switch (c) {
    case '"':
        s->quoted = true;
        return 0;
    case '(':
        s->comment = 1;
        return 0;
    case '[':
        s->literal = true;
        break;
    case '<':
        if (s->angle)
            break;
        s->angle = s->angle_seen = true;
        s->in_domain = false;
        return 0;
    case '>':
        s->angle = false;
        s->in_domain = false;
        return 0;
    case '@':
        scan_at(s);
        return 0;
    case ',':
    case ';':
    case ':':
        if (s->angle)
            break;
        if (scan_mailbox_end(s, out, len, found, problem) != 0)
            return -1;
        scan_reset(s);
        return 0;
    case ' ':
    case '\t':
    case '\r':
    case '\n':
        return 0;
    default:
        break;
    }
    if (s->in_domain)
        scan_collect(s, c);
    return 0;
}

/* scan_field - every mailbox of one From field; 0, or -1 with *problem */
static int scan_field(const char *v, char *out, size_t len, bool *found, const char **problem)
{
    struct from_scan s;

    memset(&s, 0, sizeof(s));
    scan_reset(&s);
    for (; *v; v++) {
        if (s.comment > 0) {
            if (*v == '\\' && v[1])
                v++;
            else if (*v == '(')
                s.comment++;
            else if (*v == ')')
                s.comment--;
        } else if (s.quoted) {
            if (*v == '\\' && v[1])
                v++;
            else if (*v == '"')
                s.quoted = false;
        } else if (s.literal) {
            if (s.in_domain)
                scan_collect(&s, *v);
            if (*v == ']')
                s.literal = false;
        } else if (scan_char(&s, *v, out, len, found, problem) != 0) {
            return -1;
        }
    }
    if (s.comment > 0 || s.quoted || s.literal || s.angle) {
        *problem = "From field does not parse";
        return -1;
    }
    return scan_mailbox_end(&s, out, len, found, problem);
}

/* dmarc_from_domain - see dmarc.h */
enum dmarc_from_status dmarc_from_domain(const char *const *values, size_t count,
                                         char *out, size_t len, const char **problem)
{
    bool found = false;

    *out = '\0';
    if (count == 0) {
        *problem = "no From field";
        return DMARC_FROM_ABSENT;
    }
    if (count > 1) {
        *problem = "several From fields";
        return DMARC_FROM_INVALID;
    }
    if (scan_field(values[0], out, len, &found, problem) != 0) {
        *out = '\0';
        return DMARC_FROM_INVALID;
    }
    if (!found) {
        *problem = "From has no domain";
        return DMARC_FROM_ABSENT;
    }
    return DMARC_FROM_FOUND;
}

static const char *const policy_names[] = {
    [DMARC_POLICY_NONE] = "none",
    [DMARC_POLICY_QUARANTINE] = "quarantine",
    [DMARC_POLICY_REJECT] = "reject",
};

/* dmarc_policy_name - see dmarc.h */
const char *dmarc_policy_name(enum dmarc_policy policy)
{
    return (size_t)policy < sizeof(policy_names) / sizeof(policy_names[0])
           ? policy_names[policy] : "none";
}

/* trim - [*s, *e) without surrounding blanks */
static void trim(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

/* is_value - does [s, e) spell word, ignoring case */
static bool is_value(const char *s, const char *e, const char *word)
{
    return (size_t)(e - s) == strlen(word) && strncasecmp(s, word, (size_t)(e - s)) == 0;
}

/* parse_policy - "none" | "quarantine" | "reject"; 0, or -1 */
static int parse_policy(const char *s, const char *e, enum dmarc_policy *p)
{
    for (size_t i = 0; i < sizeof(policy_names) / sizeof(policy_names[0]); i++) {
        if (is_value(s, e, policy_names[i])) {
            *p = (enum dmarc_policy)i;
            return 0;
        }
    }
    return -1;
}

/* Which tags a record had, and whether p= and sp= were valid. */
struct record_seen {
    bool p, p_bad, sp, sp_bad, rua;
};

/* record_tag - one "tag=value" of a record */
static void record_tag(const char *t, const char *te, const char *v, const char *ve,
                       struct dmarc_record *rec, struct record_seen *seen)
{
    char *end;
    unsigned long n;

    if (is_value(t, te, "p") && !seen->p && !seen->p_bad) {
        if (parse_policy(v, ve, &rec->p) == 0)
            seen->p = true;
        else
            seen->p_bad = true;
    } else if (is_value(t, te, "sp") && !seen->sp && !seen->sp_bad) {
        if (parse_policy(v, ve, &rec->sp) == 0)
            seen->sp = true;
        else
            seen->sp_bad = true;
    } else if (is_value(t, te, "pct") && v < ve && isdigit((unsigned char)*v)) {
        n = strtoul(v, &end, 10);
        if (end == ve && n <= 100)
            rec->pct = (unsigned)n;
    } else if (is_value(t, te, "adkim")) {
        rec->strict_dkim = is_value(v, ve, "s");
    } else if (is_value(t, te, "aspf")) {
        rec->strict_spf = is_value(v, ve, "s");
    } else if (is_value(t, te, "rua")) {
        seen->rua = memchr(v, ':', (size_t)(ve - v)) != NULL;
    }
}

/* dmarc_record_parse - see dmarc.h */
int dmarc_record_parse(const char *text, struct dmarc_record *rec, const char **problem)
{
    struct record_seen seen = {0};
    const char *s = text;
    bool first = true;

    memset(rec, 0, sizeof(*rec));
    rec->pct = 100;
    while (*s) {
        const char *e = strchr(s, ';'), *eq, *t = s, *te, *v, *ve;

        if (e == NULL)
            e = s + strlen(s);
        eq = memchr(s, '=', (size_t)(e - s));
        te = eq ? eq : e;
        v = eq ? eq + 1 : e;
        ve = e;
        trim(&t, &te);
        trim(&v, &ve);
        if (first) {
            if (eq == NULL || !is_value(t, te, "v") || (size_t)(ve - v) != 6
                || strncmp(v, "DMARC1", 6) != 0)
                return 1;
            first = false;
        } else if (eq != NULL) {
            record_tag(t, te, v, ve, rec, &seen);
        }
        s = *e ? e + 1 : e;
    }
    if (first)
        return 1;
    if (!seen.p || seen.sp_bad) {
        if (!seen.rua) {
            *problem = seen.sp_bad ? "DMARC record has an invalid sp= tag"
                                   : "DMARC record has no valid p= tag";
            return -1;
        }
        rec->p = DMARC_POLICY_NONE;     /* RFC 7489 6.6.3 step 6 */
        seen.sp = false;
    }
    if (!seen.sp)
        rec->sp = rec->p;
    return 0;
}

enum fetch_status {
    FETCH_ERROR = -1,           /* memory ran out */
    FETCH_FOUND,
    FETCH_NONE,                 /* no record: look at the organisational domain */
    FETCH_SEVERAL,              /* several records: no DMARC for this message */
    FETCH_TEMPFAIL,
    FETCH_INVALID,
};

/* fetch_record - the DMARC record of _dmarc.domain */
static enum fetch_status fetch_record(const struct dns_source *dns, const struct dns_deadline *dl,
                                      const char *domain, struct dmarc_record *rec,
                                      const char **problem, struct vigie_error *err)
{
    char name[DOMAIN_MAX + 16];
    struct dns_txt txt;
    struct dmarc_record one;
    enum fetch_status status = FETCH_NONE;
    const char *why = NULL;

    snprintf(name, sizeof(name), "_dmarc.%s", domain);
    switch (dns_txt_lookup(dns, dl, name, &txt, err)) {
    case DNS_ERROR:
        return FETCH_ERROR;
    case DNS_TEMPFAIL:
        *problem = "DNS failure looking up the DMARC record";
        return FETCH_TEMPFAIL;
    case DNS_NOT_FOUND:
        return FETCH_NONE;
    case DNS_FOUND:
        break;
    }
    for (size_t i = 0; i < txt.count; i++) {
        int rc = dmarc_record_parse(txt.records[i], &one, &why);

        if (rc == 1)
            continue;
        if (status != FETCH_NONE) {
            status = FETCH_SEVERAL;
            *problem = "several DMARC records";
            break;
        }
        status = rc == 0 ? FETCH_FOUND : FETCH_INVALID;
        *rec = one;
        if (rc != 0)
            *problem = why;
    }
    dns_txt_free(&txt);
    return status;
}

/* aligned - RFC 7489 3.1: same domain (strict) or same organisational domain */
static bool aligned(const struct dmarc_psl *psl, const char *domain, const char *from,
                    const char *from_org, bool strict)
{
    char norm[DOMAIN_MAX + 1];

    if (domain == NULL || normalise_domain(domain, norm, sizeof(norm)) != 0)
        return false;
    if (strict)
        return strcmp(norm, from) == 0;
    return dmarc_org_domain(psl, norm, norm, sizeof(norm)) == 0 && strcmp(norm, from_org) == 0;
}

/* evaluate - alignment and result, once the record is known */
static void evaluate(const struct dmarc_psl *psl, const struct dmarc_input *in,
                     const struct dmarc_record *rec, const char *from_org,
                     struct dmarc_result *out)
{
    bool temp = false;

    if (aligned(psl, in->spf.domain, out->from_domain, from_org, rec->strict_spf)) {
        out->spf_aligned = in->spf.result == AUTHRES_PASS;
        temp = in->spf.result == AUTHRES_TEMPERROR;
    }
    for (size_t i = 0; i < in->dkim_count; i++) {
        if (!aligned(psl, in->dkim[i].domain, out->from_domain, from_org, rec->strict_dkim))
            continue;
        if (in->dkim[i].result == AUTHRES_PASS)
            out->dkim_aligned = true;
        else if (in->dkim[i].result == AUTHRES_TEMPERROR)
            temp = true;
    }
    if (out->spf_aligned || out->dkim_aligned) {
        out->result = AUTHRES_PASS;
    } else if (temp) {
        out->result = AUTHRES_TEMPERROR;
        snprintf(out->problem, sizeof(out->problem), "%s",
                 "an aligned SPF or DKIM check had a temporary error");
    } else {
        out->result = AUTHRES_FAIL;
    }
    out->policy = out->published;
    if (in->sample >= rec->pct && out->policy != DMARC_POLICY_NONE)
        out->policy = (enum dmarc_policy)(out->policy - 1);
}

/* finish - set a result that ends the check early */
static int finish(struct dmarc_result *out, enum authres_result result, const char *problem)
{
    out->result = result;
    snprintf(out->problem, sizeof(out->problem), "%s", problem);
    return 0;
}

/* dmarc_check - see dmarc.h */
int dmarc_check(const struct dns_source *dns, const struct dmarc_psl *psl,
                const struct dmarc_settings *settings, const struct dmarc_input *in,
                struct dmarc_result *out, struct vigie_error *err)
{
    char org[DOMAIN_MAX + 1];
    const char *problem = "";
    struct dns_deadline dl;
    struct dmarc_record rec;
    enum fetch_status st;
    const char *where;

    memset(out, 0, sizeof(*out));
    switch (dmarc_from_domain(in->from, in->from_count, out->from_domain,
                              sizeof(out->from_domain), &problem)) {
    case DMARC_FROM_ABSENT:
        return finish(out, AUTHRES_NONE, problem);
    case DMARC_FROM_INVALID:
        return finish(out, AUTHRES_PERMERROR, problem);
    case DMARC_FROM_FOUND:
        break;
    }
    if (dmarc_org_domain(psl, out->from_domain, org, sizeof(org)) != 0)
        return finish(out, AUTHRES_PERMERROR, "From domain is not a domain name");
    dns_deadline_start(&dl, settings->timeout_ms);
    where = out->from_domain;
    st = fetch_record(dns, &dl, where, &rec, &problem, err);
    if (st == FETCH_NONE && strcmp(org, out->from_domain) != 0) {
        where = org;            /* RFC 7489 6.6.3 step 4: the organisational domain */
        st = fetch_record(dns, &dl, where, &rec, &problem, err);
    }
    switch (st) {
    case FETCH_ERROR:
        finish(out, AUTHRES_TEMPERROR, "out of memory");
        return -1;
    case FETCH_NONE:
        return finish(out, AUTHRES_NONE, "no DMARC record");
    case FETCH_SEVERAL:
        return finish(out, AUTHRES_NONE, problem);
    case FETCH_TEMPFAIL:
        return finish(out, AUTHRES_TEMPERROR, problem);
    case FETCH_INVALID:
        snprintf(out->record_domain, sizeof(out->record_domain), "%s", where);
        return finish(out, AUTHRES_PERMERROR, problem);
    case FETCH_FOUND:
        break;
    }
    snprintf(out->record_domain, sizeof(out->record_domain), "%s", where);
    out->published = where == org ? rec.sp : rec.p;    /* sp= is for subdomains */
    out->pct = rec.pct;
    evaluate(psl, in, &rec, org, out);
    return 0;
}

/* dmarc_sample - see dmarc.h */
unsigned dmarc_sample(void)
{
    return arc4random_uniform(100);
}
