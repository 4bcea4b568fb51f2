/*
 * NAME
 *	authcheck - SPF, DKIM and DMARC on one message, in SMTP order
 * SYNOPSIS
 *	#include "authcheck.h"
 * DESCRIPTION
 *	See authcheck.h. This file decides which check runs and feeds each
 *	the parts of the message it needs; spf.c, dkim.c and dmarc.c do
 *	the checking, authres.c the formatting of the header fields.
 *
 *	DKIM in verify mode keeps going whatever libopendkim thinks of a
 *	header field or body chunk: dkim.c remembers the refusal and
 *	reports it as the signature's result (permerror) at the end. In
 *	sign mode the first failure abandons the signature.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "authcheck.h"

#define MAX_FROM_FIELDS 2       /* DMARC needs one; two already make it permerror */

/* authcheck_begin - a new message */
void authcheck_begin(struct authcheck *ac, const struct snapshot *snap, bool inbound)
{
    memset(ac, 0, sizeof(*ac));
    ac->snap = snap;
    ac->inbound = inbound;
}

/* spf_identity - one SPF check; on failure the identity is temperror */
static int spf_identity(struct authcheck *ac, enum spf_identity identity,
                        struct spf_result *out, struct vigie_error *err)
{
    const struct spf_settings settings = {.timeout_ms = ac->snap->config->dns_timeout_ms};

    return spf_check(ac->snap->dns, &settings, identity, &ac->session, out, err);
}

/* authcheck_mail - SPF for the HELO and MAIL FROM identities */
int authcheck_mail(struct authcheck *ac, const struct spf_request *session,
                   struct vigie_error *err)
{
    struct vigie_error second;
    int status;

    if (!ac->inbound || !ac->snap->config->spf_enable || ac->snap->dns == NULL)
        return 0;
    ac->session = *session;
    ac->spf_done = true;
    status = spf_identity(ac, SPF_IDENTITY_HELO, &ac->spf_helo, err);
    if (spf_identity(ac, SPF_IDENTITY_MAILFROM, &ac->spf_mailfrom,
                     status < 0 ? &second : err) < 0)
        status = -1;
    return status;
}

/* from_fields - the values of the first From fields; how many there are */
static size_t from_fields(const struct authcheck *ac, const char **values)
{
    size_t n = 0;

    for (size_t i = 0; i < ac->field_count; i++) {
        if (strcasecmp(ac->fields[i].name, "From") != 0)
            continue;
        if (n < MAX_FROM_FIELDS)
            values[n] = ac->fields[i].value;
        n++;
    }
    return n;
}

/* dkim_start - choose signing or verifying, and open the libopendkim handle */
static int dkim_start(struct authcheck *ac, const char *id, struct vigie_error *err)
{
    const struct snapshot *snap = ac->snap;

    if (!ac->inbound && snap->signing != NULL && *ac->from_domain != '\0'
        && (ac->key = vdkim_table_find(snap->signing, ac->from_domain)) != NULL) {
        ac->dkim_mode = AUTHCHECK_DKIM_SIGN;
        ac->dkim = vdkim_sign_start(snap->dkim, ac->key, id, err);
    } else if (snap->config->dkim_verify && snap->dkim != NULL) {
        ac->dkim_mode = AUTHCHECK_DKIM_VERIFY;
        ac->dkim = vdkim_verify_start(snap->dkim, id, err);
    } else {
        return 0;
    }
    return ac->dkim != NULL ? 0 : -1;
}

/*
 * dkim_failed - a DKIM step failed: abandon signing, or make the
 *	verification a temperror. Returns -1 for the caller.
 */
static int dkim_failed(struct authcheck *ac)
{
    vdkim_free(ac->dkim);
    ac->dkim = NULL;
    if (ac->dkim_mode == AUTHCHECK_DKIM_VERIFY) {
        ac->dkim_done = true;
        ac->dkim_broken = true;
        ac->dkim_results.result = AUTHRES_TEMPERROR;
        ac->dkim_results.problem = "internal error";
    }
    return -1;
}

/* authcheck_eoh - the header is complete: start DKIM */
int authcheck_eoh(struct authcheck *ac, const struct header_field *fields, size_t count,
                  const char *id, struct vigie_error *err)
{
    const char *from[MAX_FROM_FIELDS];
    const char *problem;
    size_t n;

    ac->fields = fields;
    ac->field_count = count;
    n = from_fields(ac, from);
    if (dmarc_from_domain(from, n < MAX_FROM_FIELDS ? n : MAX_FROM_FIELDS, ac->from_domain,
                          sizeof(ac->from_domain), &problem) != DMARC_FROM_FOUND)
        ac->from_domain[0] = '\0';
    if (dkim_start(ac, id, err) < 0)
        return dkim_failed(ac);
    if (ac->dkim == NULL)
        return 0;
    for (size_t i = 0; i < count; i++)
        if (vdkim_header(ac->dkim, fields[i].name, fields[i].value, err) < 0
            && ac->dkim_mode == AUTHCHECK_DKIM_SIGN)
            return dkim_failed(ac);
    if (vdkim_eoh(ac->dkim, err) < 0 && ac->dkim_mode == AUTHCHECK_DKIM_SIGN)
        return dkim_failed(ac);
    return 0;
}

/* authcheck_body - one body chunk */
int authcheck_body(struct authcheck *ac, const void *chunk, size_t len,
                   struct vigie_error *err)
{
    if (ac->dkim != NULL && vdkim_body(ac->dkim, chunk, len, err) < 0
        && ac->dkim_mode == AUTHCHECK_DKIM_SIGN)
        return dkim_failed(ac);
    return 0;
}

/* dkim_finish - the signature, or the verification results and their facts */
static int dkim_finish(struct authcheck *ac, struct vigie_error *err)
{
    struct vdkim_results *r = &ac->dkim_results;

    if (ac->dkim == NULL)
        return 0;
    if (ac->dkim_mode == AUTHCHECK_DKIM_SIGN) {
        if (vdkim_sign_eom(ac->dkim, &ac->signature, err) < 0)
            return dkim_failed(ac);
        return 0;
    }
    if (vdkim_verify_eom(ac->dkim, r, err) < 0)
        return dkim_failed(ac);
    ac->dkim_done = true;
    for (size_t i = 0; i < r->count; i++) {
        ac->dkim_facts[i].domain = r->sigs[i].domain;
        ac->dkim_facts[i].result = authres_result_name(r->sigs[i].result);
    }
    return 0;
}

/* dmarc_run - DMARC from the From fields and the SPF and DKIM results */
static int dmarc_run(struct authcheck *ac, struct vigie_error *err)
{
    const struct dmarc_settings settings = {.timeout_ms = ac->snap->config->dns_timeout_ms};
    struct dmarc_identity dkim[VDKIM_MAX_SIGNATURES];
    const char *from[MAX_FROM_FIELDS];
    struct dmarc_input in = {.from = from, .dkim = dkim, .sample = dmarc_sample()};
    size_t n = from_fields(ac, from);

    if (!ac->inbound || !ac->snap->config->dmarc_enable || ac->snap->psl == NULL)
        return 0;
    in.from_count = n < MAX_FROM_FIELDS ? n : MAX_FROM_FIELDS;
    in.spf.domain = ac->spf_done ? ac->spf_mailfrom.domain : "";
    in.spf.result = ac->spf_done ? ac->spf_mailfrom.result : AUTHRES_NONE;
    for (size_t i = 0; ac->dkim_done && i < ac->dkim_results.count; i++) {
        dkim[i].domain = ac->dkim_results.sigs[i].domain;
        dkim[i].result = ac->dkim_results.sigs[i].result;
        in.dkim_count++;
    }
    ac->dmarc_done = true;
    if (dmarc_check(ac->snap->dns, ac->snap->psl, &settings, &in, &ac->dmarc, err) < 0)
        return -1;
    /* A signature vigie could not check might have passed: not a failure. */
    if (ac->dmarc.result == AUTHRES_FAIL && ac->dkim_broken) {
        ac->dmarc.result = AUTHRES_TEMPERROR;
        snprintf(ac->dmarc.problem, sizeof(ac->dmarc.problem), "DKIM could not be verified");
    }
    return 0;
}

/* authcheck_eom - end of message: DKIM results or signature, then DMARC */
int authcheck_eom(struct authcheck *ac, struct vigie_error *err)
{
    struct vigie_error second;
    int status = dkim_finish(ac, err);

    if (dmarc_run(ac, status < 0 ? &second : err) < 0)
        status = -1;
    return status;
}

/* authcheck_facts - the results into facts */
void authcheck_facts(const struct authcheck *ac, struct message_facts *facts)
{
    if (ac->snap == NULL)
        return;
    facts->dmarc_quarantine =
        ac->snap->config->dmarc_quarantine == DMARC_QUARANTINE_HOLD ? "hold" : "score";
    facts->from_domain = ac->from_domain;
    if (ac->spf_done) {
        facts->spf = authres_result_name(ac->spf_mailfrom.result);
        facts->spf_helo = authres_result_name(ac->spf_helo.result);
    }
    if (ac->dkim_done) {
        facts->dkim = authres_result_name(ac->dkim_results.result);
        facts->dkim_sigs = ac->dkim_facts;
        facts->dkim_count = ac->dkim_results.count;
    }
    if (ac->dmarc_done) {
        facts->dmarc = authres_result_name(ac->dmarc.result);
        if (*ac->dmarc.record_domain != '\0')
            facts->dmarc_policy = dmarc_policy_name(ac->dmarc.policy);
    }
}

/* problem_of - the reason shown with an error or policy result, or NULL */
static const char *problem_of(enum authres_result result, const char *problem)
{
    if (problem == NULL || *problem == '\0'
        || (result != AUTHRES_TEMPERROR && result != AUTHRES_PERMERROR
            && result != AUTHRES_POLICY))
        return NULL;
    return problem;
}

/* add_prop - one ptype.property=value on method m, when value is not empty */
static void add_prop(struct authres_method *m, const char *ptype, const char *property,
                     const char *value)
{
    if (value == NULL || *value == '\0' || m->prop_count >= AUTHRES_MAX_PROPS)
        return;
    m->props[m->prop_count].ptype = ptype;
    m->props[m->prop_count].property = property;
    m->props[m->prop_count].value = value;
    m->prop_count++;
}

/*
 * spf_methods - the two spf clauses; postmaster: room for the MAIL
 *	FROM identity of the null sender. Returns how many were added.
 */
static size_t spf_methods(const struct authcheck *ac, struct authres_method *m,
                          char *postmaster, size_t len)
{
    const char *mailfrom = ac->session.sender;

    if (*mailfrom == '\0' && *ac->spf_mailfrom.domain != '\0') {
        snprintf(postmaster, len, "postmaster@%s", ac->spf_mailfrom.domain);
        mailfrom = postmaster;
    }
    m[0] = (struct authres_method){.method = "spf", .result = ac->spf_mailfrom.result,
                                   .reason = problem_of(ac->spf_mailfrom.result,
                                                        ac->spf_mailfrom.problem)};
    add_prop(&m[0], "smtp", "mailfrom", mailfrom);
    m[1] = (struct authres_method){.method = "spf", .result = ac->spf_helo.result,
                                   .reason = problem_of(ac->spf_helo.result,
                                                        ac->spf_helo.problem)};
    add_prop(&m[1], "smtp", "helo", ac->session.helo);
    return 2;
}

/* dkim_methods - one dkim clause per signature, or one for the message */
static size_t dkim_methods(const struct authcheck *ac, struct authres_method *m)
{
    const struct vdkim_results *r = &ac->dkim_results;

    if (r->count == 0) {
        m[0] = (struct authres_method){.method = "dkim", .result = r->result,
                                       .reason = problem_of(r->result, r->problem)};
        return 1;
    }
    for (size_t i = 0; i < r->count; i++) {
        const struct vdkim_signature *sig = &r->sigs[i];

        m[i] = (struct authres_method){.method = "dkim", .result = sig->result,
                                       .reason = sig->result == AUTHRES_FAIL
                                                     ? sig->problem
                                                     : problem_of(sig->result, sig->problem)};
        add_prop(&m[i], "header", "d", sig->domain);
        add_prop(&m[i], "header", "s", sig->selector);
    }
    return r->count;
}

/* auth_results - the Authentication-Results value, or NULL when no check ran */
static int auth_results(const struct authcheck *ac, char **value, struct vigie_error *err)
{
    struct authres_method m[2 + VDKIM_MAX_SIGNATURES + 1];
    char postmaster[300];
    size_t n = 0;

    *value = NULL;
    if (ac->spf_done)
        n += spf_methods(ac, m, postmaster, sizeof(postmaster));
    if (ac->dkim_done)
        n += dkim_methods(ac, m + n);
    if (ac->dmarc_done) {
        m[n] = (struct authres_method){.method = "dmarc", .result = ac->dmarc.result,
                                       .reason = problem_of(ac->dmarc.result,
                                                            ac->dmarc.problem)};
        add_prop(&m[n], "header", "from", ac->dmarc.from_domain);
        n++;
    }
    if (n == 0)
        return 0;
    return authres_format(ac->snap->config->authserv_id, m, n, value, err);
}

/* received_spf - the Received-SPF value, or NULL when not wanted */
static int received_spf(const struct authcheck *ac, char **value, struct vigie_error *err)
{
    const struct authres_spf spf = {
        .result = ac->spf_mailfrom.result,
        .identity = spf_identity_name(SPF_IDENTITY_MAILFROM),
        .client_ip = ac->session.client_addr,
        .envelope_from = ac->session.sender,
        .helo = ac->session.helo,
        .receiver = ac->snap->config->authserv_id,
        .problem = ac->spf_mailfrom.problem,
    };

    *value = NULL;
    if (!ac->spf_done || !ac->snap->config->received_spf_header)
        return 0;
    return authres_received_spf(&spf, value, err);
}

/* authcheck_headers - the header field values to add */
int authcheck_headers(const struct authcheck *ac, struct authcheck_headers *out,
                      struct vigie_error *err)
{
    memset(out, 0, sizeof(*out));
    if (auth_results(ac, &out->auth_results, err) < 0
        || received_spf(ac, &out->received_spf, err) < 0)
        goto fail;
    if (ac->signature != NULL && (out->dkim_signature = strdup(ac->signature)) == NULL) {
        error_set(err, "out of memory");
        goto fail;
    }
    return 0;

fail:
    authcheck_headers_free(out);
    return -1;
}

/* authcheck_headers_free - release the values */
void authcheck_headers_free(struct authcheck_headers *out)
{
    free(out->auth_results);
    free(out->received_spf);
    free(out->dkim_signature);
    memset(out, 0, sizeof(*out));
}

/* put_word - append " name=value" to buf, bytes of value outside printable ASCII as '?' */
static void put_word(char *buf, size_t len, size_t *used, const char *name, const char *value)
{
    int n = snprintf(buf + *used, len - *used, "%s%s=", *used ? " " : "", name);

    if (n < 0 || (size_t)n >= len - *used) {
        *used = len - 1;
        return;
    }
    *used += (size_t)n;
    for (; *value != '\0' && *used + 1 < len; value++) {
        unsigned char c = (unsigned char)*value;

        buf[(*used)++] = c < 0x21 || c > 0x7e ? '?' : (char)c;
    }
    buf[*used] = '\0';
}

/* authcheck_summary - the results for the log line */
void authcheck_summary(const struct authcheck *ac, char *buf, size_t len)
{
    char signed_by[600];
    size_t used = 0;

    if (len == 0)
        return;
    buf[0] = '\0';
    if (ac->spf_done) {
        put_word(buf, len, &used, "spf", authres_result_name(ac->spf_mailfrom.result));
        put_word(buf, len, &used, "spf_helo", authres_result_name(ac->spf_helo.result));
    }
    if (ac->dkim_done)
        put_word(buf, len, &used, "dkim", authres_result_name(ac->dkim_results.result));
    if (ac->signature != NULL) {
        snprintf(signed_by, sizeof(signed_by), "signed/%s/%s", ac->key->domain,
                 ac->key->selector);
        put_word(buf, len, &used, "dkim", signed_by);
    }
    if (ac->dmarc_done) {
        put_word(buf, len, &used, "dmarc", authres_result_name(ac->dmarc.result));
        if (*ac->dmarc.record_domain != '\0')
            put_word(buf, len, &used, "dmarc_policy", dmarc_policy_name(ac->dmarc.policy));
    }
}

/* authcheck_reset - forget the message and free what it held */
void authcheck_reset(struct authcheck *ac)
{
    vdkim_free(ac->dkim);
    free(ac->signature);
    authcheck_begin(ac, NULL, false);
}
