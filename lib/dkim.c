/*
 * NAME
 *	dkim - DKIM (RFC 6376) verification and signing, streamed, with libopendkim
 * DESCRIPTION
 *	See dkim.h. The signing table lives in dkimtable.c. libopendkim
 *	calls back into this file for two things, both through the user
 *	context of its handle (our vdkim_msg): prescreen(), which ignores
 *	signatures past max_signatures, and key_lookup(), which asks the
 *	dns_source for "selector._domainkey.domain" within the message's
 *	time budget.
 *
 *	libopendkim stops a whole verification when a key lookup callback
 *	answers "try again"; so key_lookup() answers "not found" for a
 *	temporary failure too, notes the signature, and the result of that
 *	signature becomes temperror at the end.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "dkim.h"

struct vdkim_lib {
    DKIM_LIB *dkim;
    const struct dns_source *dns;
    unsigned timeout_ms;
    unsigned max_signatures;
};

struct vdkim_msg {
    struct vdkim_lib *lib;
    DKIM *dkim;
    bool nosig;                 /* verifying, and the header has no signature */
    const char *refused;        /* libopendkim refused the header or body */
    bool out_of_memory;         /* ... or vigie ran out of memory: temperror */
    DKIM_SIGINFO *tempfailed[VDKIM_MAX_SIGNATURES];     /* key lookup failed for now */
    size_t tempfailed_count;
    bool deadline_started;
    struct dns_deadline deadline;       /* of the key lookups */
    char *line;                 /* "Name: value" being handed over */
    size_t line_size;
};

/* prescreen - ignore the signatures past max_signatures */
static DKIM_CBSTAT prescreen(DKIM *dkim, DKIM_SIGINFO **sigs, int nsigs)
{
    struct vdkim_msg *m = dkim_get_user_context(dkim);

    for (int i = (int)m->lib->max_signatures; i < nsigs; i++)
        dkim_sig_ignore(sigs[i]);
    return DKIM_CBSTAT_CONTINUE;
}

/* key_lookup - the key record from the dns_source, within the time budget */
static DKIM_CBSTAT key_lookup(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
    struct vdkim_msg *m = dkim_get_user_context(dkim);
    const char *selector = (const char *)dkim_sig_getselector(sig);
    const char *domain = (const char *)dkim_sig_getdomain(sig);
    char name[600];
    struct dns_txt txt;
    struct vigie_error err;
    DKIM_CBSTAT status;

    if (!m->deadline_started) {
        dns_deadline_start(&m->deadline, m->lib->timeout_ms);
        m->deadline_started = true;
    }
    if (selector == NULL || domain == NULL
        || (size_t)snprintf(name, sizeof(name), "%s._domainkey.%s", selector, domain)
           >= sizeof(name))
        return DKIM_CBSTAT_NOTFOUND;
    switch (dns_txt_lookup(m->lib->dns, &m->deadline, name, &txt, &err)) {
    case DNS_FOUND:
        /* RFC 6376 3.6.2.2: with several records, use one */
        status = strlen(txt.records[0]) < buflen ? DKIM_CBSTAT_CONTINUE : DKIM_CBSTAT_NOTFOUND;
        if (status == DKIM_CBSTAT_CONTINUE)
            strcpy((char *)buf, txt.records[0]);
        dns_txt_free(&txt);
        return status;
    case DNS_NOT_FOUND:
        return DKIM_CBSTAT_NOTFOUND;
    default:                    /* DNS_TEMPFAIL, or memory ran out */
        if (m->tempfailed_count < VDKIM_MAX_SIGNATURES)
            m->tempfailed[m->tempfailed_count++] = sig;
        return DKIM_CBSTAT_NOTFOUND;
    }
}

/* set_option - one dkim_options() call; 0, or -1 with err */
static int set_option(DKIM_LIB *dkim, int opt, void *data, size_t len, struct vigie_error *err)
{
    if (dkim_options(dkim, DKIM_OP_SETOPT, opt, data, len) != DKIM_STAT_OK) {
        error_set(err, "libopendkim refused option %d", opt);
        return -1;
    }
    return 0;
}

/* lib_setup - vigie's options on a new library handle; 0, or -1 with err */
static int lib_setup(DKIM_LIB *dkim, const struct vdkim_settings *s, struct vigie_error *err)
{
    static const char *oversign[] = {"From", NULL};
    static const char *sign[] = {       /* RFC 6376 5.4.1, and Message-ID */
        "From", "Reply-To", "Subject", "Date", "Message-ID", "To", "Cc", "MIME-Version",
        "Resent-Date", "Resent-From", "Resent-Sender", "Resent-To", "Resent-Cc",
        "In-Reply-To", "References", "List-Id", "List-Help", "List-Unsubscribe",
        "List-Subscribe", "List-Post", "List-Owner", "List-Archive", NULL,
    };
    unsigned flags = DKIM_LIBFLAGS_FIXCRLF | DKIM_LIBFLAGS_BADSIGHANDLES;
    unsigned bits = s->min_key_bits;
    dkim_query_t method = DKIM_QUERY_FILE;

    if (set_option(dkim, DKIM_OPTS_FLAGS, &flags, sizeof(flags), err) != 0
        || set_option(dkim, DKIM_OPTS_MINKEYBITS, &bits, sizeof(bits), err) != 0
        || set_option(dkim, DKIM_OPTS_OVERSIGNHDRS, oversign, sizeof(char **), err) != 0
        || set_option(dkim, DKIM_OPTS_SIGNHDRS, sign, sizeof(char **), err) != 0)
        return -1;
    if (dkim_set_prescreen(dkim, prescreen) != DKIM_STAT_OK) {
        error_set(err, "libopendkim refused the prescreen callback");
        return -1;
    }
    if (s->key_file != NULL && *s->key_file) {
        if (set_option(dkim, DKIM_OPTS_QUERYMETHOD, &method, sizeof(method), err) != 0)
            return -1;
        return set_option(dkim, DKIM_OPTS_QUERYINFO, (void *)s->key_file,
                          strlen(s->key_file), err);
    }
    if (dkim_set_key_lookup(dkim, key_lookup) != DKIM_STAT_OK) {
        error_set(err, "libopendkim refused the key lookup callback");
        return -1;
    }
    return 0;
}

/* vdkim_lib_new - see dkim.h */
struct vdkim_lib *vdkim_lib_new(const struct vdkim_settings *settings,
                                const struct dns_source *dns, struct vigie_error *err)
{
    struct vdkim_lib *lib;

    if (settings->max_signatures < 1 || settings->max_signatures > VDKIM_MAX_SIGNATURES) {
        error_set(err, "DKIM: max_signatures %u is out of range 1..%d",
                  settings->max_signatures, VDKIM_MAX_SIGNATURES);
        return NULL;
    }
    if ((lib = calloc(1, sizeof(*lib))) == NULL || (lib->dkim = dkim_init(NULL, NULL)) == NULL) {
        free(lib);
        error_set(err, "DKIM: out of memory");
        return NULL;
    }
    lib->dns = dns;
    lib->timeout_ms = settings->timeout_ms;
    lib->max_signatures = settings->max_signatures;
    if (lib_setup(lib->dkim, settings, err) != 0) {
        vdkim_lib_free(lib);
        return NULL;
    }
    return lib;
}

/* vdkim_lib_free - see dkim.h */
void vdkim_lib_free(struct vdkim_lib *lib)
{
    if (lib == NULL)
        return;
    dkim_close(lib->dkim);
    free(lib);
}

/* msg_new - a handle around a libopendkim handle, or NULL with err */
static struct vdkim_msg *msg_new(struct vdkim_lib *lib, DKIM *dkim, DKIM_STAT st,
                                 struct vigie_error *err)
{
    struct vdkim_msg *m;

    if (dkim == NULL) {
        error_set(err, "DKIM: %s", dkim_getresultstr(st));
        return NULL;
    }
    if ((m = calloc(1, sizeof(*m))) == NULL) {
        dkim_free(dkim);
        error_set(err, "DKIM: out of memory");
        return NULL;
    }
    m->lib = lib;
    m->dkim = dkim;
    dkim_set_user_context(dkim, m);
    return m;
}

/* vdkim_verify_start - see dkim.h */
struct vdkim_msg *vdkim_verify_start(struct vdkim_lib *lib, const char *id,
                                     struct vigie_error *err)
{
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM *dkim = dkim_verify(lib->dkim, (const unsigned char *)id, NULL, &st);

    return msg_new(lib, dkim, st, err);
}

/* vdkim_sign_start - see dkim.h */
struct vdkim_msg *vdkim_sign_start(struct vdkim_lib *lib, const struct vdkim_key *key,
                                   const char *id, struct vigie_error *err)
{
    DKIM_STAT st = DKIM_STAT_OK;
    DKIM *dkim = dkim_sign(lib->dkim, (const unsigned char *)id, NULL, key->pem,
                           (const unsigned char *)key->selector,
                           (const unsigned char *)key->domain,
                           DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_RSASHA256,
                           -1, &st);

    if (dkim == NULL) {
        error_set(err, "DKIM: cannot sign for %s with %s: %s", key->domain, key->path,
                  dkim_getresultstr(st));
        return NULL;
    }
    return msg_new(lib, dkim, st, err);
}

/* set_line - "name: value" into m->line, every bare LF made CRLF; its length, or 0 */
static size_t set_line(struct vdkim_msg *m, const char *name, const char *value)
{
    const char *sep = (*value == ' ' || *value == '\t') ? ":" : ": ";
    size_t need = strlen(name) + strlen(sep) + 1, n;

    for (const char *p = value; *p; p++)
        need += 1 + (*p == '\n' && (p == value || p[-1] != '\r'));
    if (need > m->line_size) {
        char *grown = realloc(m->line, need);

        if (grown == NULL)
            return 0;
        m->line = grown;
        m->line_size = need;
    }
    n = (size_t)snprintf(m->line, m->line_size, "%s%s", name, sep);
    for (const char *p = value; *p; p++) {
        if (*p == '\n' && (p == value || p[-1] != '\r'))
            m->line[n++] = '\r';
        m->line[n++] = *p;
    }
    m->line[n] = '\0';
    return n;
}

/* vdkim_header - see dkim.h */
int vdkim_header(struct vdkim_msg *m, const char *name, const char *value,
                 struct vigie_error *err)
{
    size_t len;
    DKIM_STAT st;

    if (m->refused)
        return 0;
    if ((len = set_line(m, name, value)) == 0) {
        m->refused = "out of memory";
        m->out_of_memory = true;
        error_set(err, "DKIM: out of memory");
        return -1;
    }
    /* libopendkim's FIXCRLF mends the body, not header fields: hence set_line() */
    st = dkim_header(m->dkim, (unsigned char *)m->line, len);
    if (st == DKIM_STAT_SYNTAX && dkim_getmode(m->dkim) == DKIM_MODE_VERIFY
        && strcasecmp(name, DKIM_SIGNHEADER) == 0)
        return 0;               /* BADSIGHANDLES: it is reported as a broken signature */
    if (st != DKIM_STAT_OK) {
        m->refused = dkim_getresultstr(st);
        error_set(err, "DKIM: header %s: %s", name, m->refused);
        return -1;
    }
    return 0;
}

/* vdkim_eoh - see dkim.h */
int vdkim_eoh(struct vdkim_msg *m, struct vigie_error *err)
{
    DKIM_STAT st;

    if (m->refused)
        return 0;
    st = dkim_eoh(m->dkim);
    if (st == DKIM_STAT_NOSIG && dkim_getmode(m->dkim) == DKIM_MODE_VERIFY) {
        m->nosig = true;
        return 0;
    }
    if (st != DKIM_STAT_OK) {
        m->refused = dkim_getresultstr(st);
        error_set(err, "DKIM: end of header: %s", m->refused);
        return -1;
    }
    return 0;
}

/* vdkim_body - see dkim.h */
int vdkim_body(struct vdkim_msg *m, const void *chunk, size_t len, struct vigie_error *err)
{
    DKIM_STAT st;

    if (m->refused || m->nosig || len == 0)
        return 0;
    /* libopendkim does not write to the chunk; its prototype is not const */
    st = dkim_body(m->dkim, (unsigned char *)chunk, len);
    if (st != DKIM_STAT_OK) {
        m->refused = dkim_getresultstr(st);
        error_set(err, "DKIM: body: %s", m->refused);
        return -1;
    }
    return 0;
}

/* sig_result - one signature's result and problem */
static enum authres_result sig_result(const struct vdkim_msg *m, DKIM_SIGINFO *sig,
                                      const char **problem)
{
    unsigned flags = dkim_sig_getflags(sig);
    int bh = dkim_sig_getbh(sig);
    DKIM_SIGERROR e = dkim_sig_geterror(sig);
    dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

    for (size_t i = 0; i < m->tempfailed_count; i++) {
        if (m->tempfailed[i] == sig) {
            *problem = "key lookup failed for now";
            return AUTHRES_TEMPERROR;
        }
    }
    *problem = "";
    if ((flags & DKIM_SIGFLAG_PASSED) && bh == DKIM_SIGBH_MATCH) {
        if (dkim_sig_getsignalg(sig, &alg) == DKIM_STAT_OK && alg == DKIM_SIGN_RSASHA1) {
            *problem = "rsa-sha1 is not accepted (RFC 8301)";
            return AUTHRES_POLICY;
        }
        return AUTHRES_PASS;
    }
    if (e == DKIM_SIGERROR_OK || e == DKIM_SIGERROR_BADSIG) {
        *problem = bh == DKIM_SIGBH_MISMATCH ? "body hash did not verify"
                                             : "signature did not verify";
        return AUTHRES_FAIL;
    }
    *problem = dkim_sig_geterrorstr(e) ? dkim_sig_geterrorstr(e) : "unknown error";
    if (e == DKIM_SIGERROR_KEYFAIL)
        return AUTHRES_TEMPERROR;
    if (e == DKIM_SIGERROR_KEYTOOSMALL)
        return AUTHRES_POLICY;
    return AUTHRES_PERMERROR;
}

/* summarise - the best result: pass, temperror, fail, policy, permerror */
static enum authres_result summarise(const struct vdkim_results *out)
{
    static const enum authres_result order[] = {
        AUTHRES_PASS, AUTHRES_TEMPERROR, AUTHRES_FAIL, AUTHRES_POLICY, AUTHRES_PERMERROR,
    };

    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++)
        for (size_t j = 0; j < out->count; j++)
            if (out->sigs[j].result == order[i])
                return order[i];
    return AUTHRES_NONE;
}

/* copy_name - a libopendkim string (maybe NULL) into a fixed buffer */
static void copy_name(char *dst, size_t size, const unsigned char *src)
{
    snprintf(dst, size, "%s", src ? (const char *)src : "");
}

/* vdkim_verify_eom - see dkim.h */
int vdkim_verify_eom(struct vdkim_msg *m, struct vdkim_results *out, struct vigie_error *err)
{
    DKIM_SIGINFO **sigs = NULL;
    int nsigs = 0;
    DKIM_STAT st;

    memset(out, 0, sizeof(*out));
    out->result = AUTHRES_NONE;
    out->problem = "";
    if (m->nosig)
        return 0;
    if (m->refused) {
        out->result = m->out_of_memory ? AUTHRES_TEMPERROR : AUTHRES_PERMERROR;
        out->problem = m->refused;
        return 0;
    }
    st = dkim_eom(m->dkim, NULL);
    if (st == DKIM_STAT_NORESOURCE || st == DKIM_STAT_INTERNAL) {
        error_set(err, "DKIM: end of message: %s", dkim_getresultstr(st));
        return -1;
    }
    if (dkim_getsiglist(m->dkim, &sigs, &nsigs) != DKIM_STAT_OK)
        nsigs = 0;
    for (int i = 0; i < nsigs && out->count < VDKIM_MAX_SIGNATURES; i++) {
        struct vdkim_signature *s = &out->sigs[out->count];

        if (dkim_sig_getflags(sigs[i]) & DKIM_SIGFLAG_IGNORE)
            continue;
        s->result = sig_result(m, sigs[i], &s->problem);
        copy_name(s->domain, sizeof(s->domain), dkim_sig_getdomain(sigs[i]));
        copy_name(s->selector, sizeof(s->selector), dkim_sig_getselector(sigs[i]));
        out->count++;
    }
    out->result = summarise(out);
    if (out->count == 0 && st != DKIM_STAT_NOSIG) {
        out->result = AUTHRES_PERMERROR;
        out->problem = dkim_getresultstr(st);
    }
    return 0;
}

/* vdkim_sign_eom - see dkim.h */
int vdkim_sign_eom(struct vdkim_msg *m, char **value, struct vigie_error *err)
{
    unsigned char *hdr = NULL;
    size_t len = 0;
    DKIM_STAT st;

    *value = NULL;
    if (m->refused) {
        error_set(err, "DKIM: cannot sign: %s", m->refused);
        return -1;
    }
    st = dkim_eom(m->dkim, NULL);
    if (st == DKIM_STAT_OK)
        st = dkim_getsighdr_d(m->dkim, strlen(DKIM_SIGNHEADER ": "), &hdr, &len);
    if (st != DKIM_STAT_OK) {
        error_set(err, "DKIM: cannot sign: %s", dkim_getresultstr(st));
        return -1;
    }
    if ((*value = malloc(len + 1)) == NULL) {
        error_set(err, "DKIM: out of memory");
        return -1;
    }
    for (size_t i = 0, j = 0; i <= len; i++)       /* folds as libmilter wants them: "\n\t" */
        if (i == len || hdr[i] != '\r')
            (*value)[j++] = i == len ? '\0' : (char)hdr[i];
    return 0;
}

/* vdkim_free - see dkim.h */
void vdkim_free(struct vdkim_msg *m)
{
    if (m == NULL)
        return;
    dkim_free(m->dkim);
    free(m->line);
    free(m);
}
