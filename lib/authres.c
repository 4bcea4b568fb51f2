/*
 * NAME
 *	authres - Authentication-Results and Received-SPF header fields
 * DESCRIPTION
 *	See authres.h. Output is built in an open_memstream() buffer; a
 *	write error there can only be an allocation failure. Every byte
 *	that comes from outside goes through put_pvalue(), put_kvvalue()
 *	or put_ctext(), which never emit a control character.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authres.h"

static const char *const result_names[] = {
    [AUTHRES_NONE] = "none",
    [AUTHRES_PASS] = "pass",
    [AUTHRES_FAIL] = "fail",
    [AUTHRES_SOFTFAIL] = "softfail",
    [AUTHRES_NEUTRAL] = "neutral",
    [AUTHRES_POLICY] = "policy",
    [AUTHRES_TEMPERROR] = "temperror",
    [AUTHRES_PERMERROR] = "permerror",
};

/* authres_result_name - the RFC 8601 name of a result */
const char *authres_result_name(enum authres_result result)
{
    if ((size_t)result >= sizeof(result_names) / sizeof(result_names[0]))
        return "permerror";
    return result_names[result];
}

/* is_tspecial - RFC 2045 tspecials */
static bool is_tspecial(int c)
{
    return c != 0 && strchr("()<>@,;:\\\"/[]?=", c) != NULL;
}

/* is_token_char - RFC 2045 token character */
static bool is_token_char(int c)
{
    return c > 0x20 && c < 0x7f && !is_tspecial(c);
}

/* is_atext - RFC 5322 atext */
static bool is_atext(int c)
{
    return isalnum(c) || (c != 0 && strchr("!#$%&'*+-/=?^_`{|}~", c) != NULL);
}

/* is_token - a non-empty RFC 2045 token */
static bool is_token(const char *s)
{
    if (*s == '\0')
        return false;
    for (; *s; s++)
        if (!is_token_char((unsigned char)*s))
            return false;
    return true;
}

/* is_dot_atom - RFC 5322 dot-atom-text: atext runs joined by single dots */
static bool is_dot_atom(const char *s, const char *end)
{
    bool want_atext = true;

    if (s == end)
        return false;
    for (; s < end; s++) {
        if (*s == '.') {
            if (want_atext)
                return false;
            want_atext = true;
        } else if (is_atext((unsigned char)*s)) {
            want_atext = false;
        } else {
            return false;
        }
    }
    return !want_atext;
}

/* is_domain_name - letters, digits, '-', '_' in dot-separated labels */
static bool is_domain_name(const char *s)
{
    bool want_label = true;

    if (*s == '\0')
        return false;
    for (; *s; s++) {
        if (*s == '.') {
            if (want_label)
                return false;
            want_label = true;
        } else if (isalnum((unsigned char)*s) || *s == '-' || *s == '_') {
            want_label = false;
        } else {
            return false;
        }
    }
    return !want_label;
}

/* is_plain_address - [local-part] "@" domain-name, local-part a dot-atom */
static bool is_plain_address(const char *s)
{
    const char *at = strrchr(s, '@');

    if (at == NULL || !is_domain_name(at + 1))
        return false;
    return at == s || is_dot_atom(s, at);
}

/* put_quoted - s as a quoted-string; controls and 8-bit bytes become '?' */
static void put_quoted(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '"' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c < 0x20 || c >= 0x7f) {
            fputc('?', out);
        } else {
            fputc(c, out);
        }
    }
    fputc('"', out);
}

/* put_pvalue - an RFC 8601 pvalue: token, plain address or quoted-string */
static void put_pvalue(FILE *out, const char *s)
{
    if (is_token(s) || is_plain_address(s))
        fputs(s, out);
    else
        put_quoted(out, s);
}

/* put_kvvalue - an RFC 7208 key-value-pair value: dot-atom or quoted-string */
static void put_kvvalue(FILE *out, const char *s)
{
    if (is_dot_atom(s, s + strlen(s)))
        fputs(s, out);
    else
        put_quoted(out, s);
}

/* put_ctext - text inside a comment: parentheses and backslashes escaped */
static void put_ctext(FILE *out, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;

        if (c == '(' || c == ')' || c == '\\') {
            fputc('\\', out);
            fputc(c, out);
        } else if (c < 0x20 || c >= 0x7f) {
            fputc('?', out);
        } else {
            fputc(c, out);
        }
    }
}

/* stream_open - a memstream, or -1 with err set */
static FILE *stream_open(char **buf, size_t *len, struct vigie_error *err)
{
    FILE *out;

    *buf = NULL;
    out = open_memstream(buf, len);
    if (out == NULL)
        error_set(err, "out of memory formatting a header");
    return out;
}

/* stream_close - finish the memstream; 0, or -1 with err and *buf freed */
static int stream_close(FILE *out, char **buf, struct vigie_error *err)
{
    bool failed = ferror(out) != 0;

    if (fclose(out) != 0)
        failed = true;
    if (failed) {
        free(*buf);
        *buf = NULL;
        error_set(err, "out of memory formatting a header");
        return -1;
    }
    return 0;
}

/* put_method - "method=result reason=... ptype.property=value ..." */
static void put_method(FILE *out, const struct authres_method *m)
{
    fprintf(out, "%s=%s", m->method, authres_result_name(m->result));
    if (m->reason != NULL) {
        fputs(" reason=", out);
        put_quoted(out, m->reason);
    }
    for (size_t i = 0; i < m->prop_count; i++) {
        fprintf(out, " %s.%s=", m->props[i].ptype, m->props[i].property);
        put_pvalue(out, m->props[i].value);
    }
}

/* method_valid - names we print unquoted must be tokens */
static bool method_valid(const struct authres_method *m, struct vigie_error *err)
{
    if (!is_token(m->method)) {
        error_set(err, "Authentication-Results: method name is not a token");
        return false;
    }
    if (m->prop_count > AUTHRES_MAX_PROPS) {
        error_set(err, "Authentication-Results: %s: more than %d properties",
                  m->method, AUTHRES_MAX_PROPS);
        return false;
    }
    for (size_t i = 0; i < m->prop_count; i++) {
        if (!is_token(m->props[i].ptype) || !is_token(m->props[i].property)) {
            error_set(err, "Authentication-Results: %s: property name is not a token",
                      m->method);
            return false;
        }
    }
    return true;
}

/* authres_format - see authres.h */
int authres_format(const char *authserv_id, const struct authres_method *methods,
                   size_t count, char **value, struct vigie_error *err)
{
    size_t len;
    FILE *out;

    *value = NULL;
    for (size_t i = 0; i < count; i++)
        if (!method_valid(&methods[i], err))
            return -1;
    if ((out = stream_open(value, &len, err)) == NULL)
        return -1;
    put_pvalue(out, authserv_id);
    if (count == 0)
        fputs("; none", out);
    for (size_t i = 0; i < count; i++) {
        fputs(";\n\t", out);
        put_method(out, &methods[i]);
    }
    return stream_close(out, value, err);
}

/* put_spf_comment - the human-readable part of Received-SPF */
static void put_spf_comment(FILE *out, const struct authres_spf *spf)
{
    const char *who = strcmp(spf->identity, "helo") == 0 ? spf->helo : spf->envelope_from;

    fputc('(', out);
    put_ctext(out, spf->receiver);
    fputs(": ", out);
    switch (spf->result) {
    case AUTHRES_PASS:
        fputs("domain of ", out);
        put_ctext(out, who);
        fputs(" designates ", out);
        put_ctext(out, spf->client_ip);
        fputs(" as permitted sender", out);
        break;
    case AUTHRES_FAIL:
    case AUTHRES_SOFTFAIL:
        fputs("domain of ", out);
        put_ctext(out, who);
        fputs(" does not designate ", out);
        put_ctext(out, spf->client_ip);
        fputs(" as permitted sender", out);
        break;
    case AUTHRES_NEUTRAL:
        put_ctext(out, spf->client_ip);
        fputs(" is neither permitted nor denied by domain of ", out);
        put_ctext(out, who);
        break;
    default:
        fputs(authres_result_name(spf->result), out);
        fputs(" for ", out);
        put_ctext(out, who);
        if (spf->problem != NULL && *spf->problem) {
            fputs(": ", out);
            put_ctext(out, spf->problem);
        }
        break;
    }
    fputc(')', out);
}

/* authres_received_spf - see authres.h */
int authres_received_spf(const struct authres_spf *spf, char **value,
                         struct vigie_error *err)
{
    size_t len;
    FILE *out;

    if ((out = stream_open(value, &len, err)) == NULL)
        return -1;
    fprintf(out, "%s ", authres_result_name(spf->result));
    put_spf_comment(out, spf);
    fputs("\n\tclient-ip=", out);
    put_kvvalue(out, spf->client_ip);
    if (*spf->envelope_from) {
        fputs("; envelope-from=", out);
        put_kvvalue(out, spf->envelope_from);
    }
    if (*spf->helo) {
        fputs("; helo=", out);
        put_kvvalue(out, spf->helo);
    }
    fputs(";\n\treceiver=", out);
    put_kvvalue(out, spf->receiver);
    fputs("; identity=", out);
    put_kvvalue(out, spf->identity);
    fputc(';', out);
    return stream_close(out, value, err);
}

/* skip_cfws - spaces, tabs, line breaks and (nested (comments)); NULL if unclosed */
static const char *skip_cfws(const char *s)
{
    unsigned depth = 0;

    for (; *s; s++) {
        if (*s == '\\' && depth > 0) {
            if (s[1] == '\0')
                return NULL;
            s++;
        } else if (*s == '(') {
            depth++;
        } else if (*s == ')' && depth > 0) {
            depth--;
        } else if (depth == 0 && *s != ' ' && *s != '\t' && *s != '\r' && *s != '\n') {
            return s;
        }
    }
    return depth == 0 ? s : NULL;
}

/* quoted_equals - does the quoted-string at s (after '"') spell id; *end set */
static bool quoted_equals(const char *s, const char *id, const char **end)
{
    const char *want = id;
    bool same = true;

    for (; *s && *s != '"'; s++) {
        if (*s == '\\' && s[1] != '\0')
            s++;
        if (*want == '\0' || tolower((unsigned char)*s) != tolower((unsigned char)*want))
            same = false;
        else
            want++;
    }
    *end = *s == '"' ? s + 1 : NULL;
    return same && *want == '\0';
}

/* authres_is_ours - see authres.h */
bool authres_is_ours(const char *value, const char *authserv_id)
{
    const char *s = skip_cfws(value);
    const char *end;
    size_t idlen = strlen(authserv_id);
    bool same;

    if (s == NULL || *s == '\0' || idlen == 0)
        return false;
    if (*s == '"') {
        same = quoted_equals(s + 1, authserv_id, &end);
        if (end == NULL)
            return false;
    } else {
        for (end = s; *end && is_token_char((unsigned char)*end); end++)
            ;
        same = (size_t)(end - s) == idlen && strncasecmp(s, authserv_id, idlen) == 0;
    }
    /* the id must end there; whatever follows (a version, garbage) does not matter */
    return same && (*end == '\0' || *end == ';' || *end == '(' || *end == ' '
                    || *end == '\t' || *end == '\r' || *end == '\n');
}
