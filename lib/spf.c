/*
 * NAME
 *	spf - Sender Policy Framework (RFC 7208) for the HELO and MAIL FROM identities
 * DESCRIPTION
 *	See spf.h. libspf2 queries DNS through a "guard" layer made for
 *	one call, which asks the dns_source (dnszone.h) within the call's
 *	time budget, keeps the RFC 7208 4.6.4 accounting, and answers exp=
 *	lookups itself.
 *
 *	Counting terms from the queries: the check_host() record lookup
 *	(the first TXT query) is not a term; a later TXT query is an
 *	include: or redirect=. An MX or PTR query is a term whose answer
 *	libspf2 then resolves name by name, in order: an A/AAAA query for
 *	the next of those names belongs to that term; any other A/AAAA
 *	query starts a new term (a, exists).
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <spf2/spf.h>

#include "log.h"
#include "spf.h"

#define SPF_MAX_TERMS   10      /* RFC 7208 4.6.4 */
#define SPF_MAX_VOIDS   2       /* RFC 7208 4.6.4 */
#define SPF_MAX_PENDING 10      /* libspf2 resolves at most 10 MX or PTR names */
#define SPF_NAME_MAX    256

/* Per-call DNS layer; libspf2 sees &layer, whose hook points back here. */
struct spf_guard {
    SPF_dns_server_t layer;
    const struct dns_source *dns;
    struct dns_deadline deadline;
    unsigned terms;             /* terms that queried DNS */
    unsigned voids;             /* of those, the ones that found nothing */
    bool record_fetched;        /* the check_host() record lookup is done */
    bool timed_out;
    bool out_of_memory;
    char pending[SPF_MAX_PENDING][SPF_NAME_MAX];        /* last MX/PTR answer */
    size_t pending_count;
    size_t pending_next;
};

/* spf_identity_name - see spf.h */
const char *spf_identity_name(enum spf_identity identity)
{
    return identity == SPF_IDENTITY_HELO ? "helo" : "mailfrom";
}

/* log_libspf2_error - libspf2 found itself inconsistent: a bug */
NORETURN static void log_libspf2_error(const char *file, int line, const char *msg)
{
    msg_panic("libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

/* log_libspf2_warning - libspf2's warnings */
static void log_libspf2_warning(const char *file, int line, const char *msg)
{
    msg_warn("libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

/* log_libspf2_debug - libspf2's info and debug messages */
static void log_libspf2_debug(const char *file, int line, const char *msg)
{
    msg_debug("libspf2 %s:%d: %s", file ? file : "?", line, msg);
}

/* spf_setup - see spf.h */
void spf_setup(void)
{
    SPF_error_handler = log_libspf2_error;
    SPF_warning_handler = log_libspf2_warning;
    SPF_info_handler = log_libspf2_debug;
    SPF_debug_handler = log_libspf2_debug;
}

/* guard_is_term - account one query: does it start a new term? */
static bool guard_is_term(struct spf_guard *g, const char *domain, ns_type type)
{
    if (type == ns_t_txt && !g->record_fetched) {
        g->record_fetched = true;
        return false;
    }
    if ((type == ns_t_a || type == ns_t_aaaa) && g->pending_next < g->pending_count
        && strcasecmp(domain, g->pending[g->pending_next]) == 0) {
        g->pending_next++;
        return false;
    }
    g->pending_count = g->pending_next = 0;
    return true;
}

/* guard_remember - the names of an MX or PTR answer, resolved next */
static void guard_remember(struct spf_guard *g, const SPF_dns_rr_t *rr, ns_type type)
{
    g->pending_count = g->pending_next = 0;
    for (int i = 0; i < rr->num_rr && g->pending_count < SPF_MAX_PENDING; i++)
        snprintf(g->pending[g->pending_count++], SPF_NAME_MAX, "%s",
                 type == ns_t_mx ? rr->rr[i]->mx : rr->rr[i]->ptr);
}

/* guard_lookup - the SPF_dns_lookup_t of the guard layer */
static SPF_dns_rr_t *guard_lookup(SPF_dns_server_t *layer, const char *domain,
                                  ns_type type, int should_cache)
{
    struct spf_guard *g = layer->hook;
    bool term = guard_is_term(g, domain, type);
    SPF_dns_rr_t *rr;

    (void)should_cache;
    if (term)
        g->terms++;
    if (g->terms > SPF_MAX_TERMS || g->voids > SPF_MAX_VOIDS)
        return SPF_dns_rr_new_init(layer, domain, type, 0, HOST_NOT_FOUND);
    if (dns_deadline_passed(&g->deadline)) {
        g->timed_out = true;
        return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
    }
    if ((rr = dns_query(g->dns, &g->deadline, domain, type)) == NULL) {
        g->out_of_memory = true;        /* libspf2 cannot take NULL: try a smaller answer */
        return SPF_dns_rr_new_init(layer, domain, type, 0, TRY_AGAIN);
    }
    if (rr->herrno == HOST_NOT_FOUND || rr->herrno == NO_DATA
        || (rr->herrno == NETDB_SUCCESS && rr->num_rr == 0)) {
        if (term)
            g->voids++;
    } else if (rr->herrno == NETDB_SUCCESS && (type == ns_t_mx || type == ns_t_ptr)) {
        guard_remember(g, rr, type);
    }
    return rr;
}

/* guard_get_exp - exp= is never fetched; libspf2 gets a fixed text */
static SPF_errcode_t guard_get_exp(SPF_server_t *server, const char *domain,
                                   char **buf, size_t *buflen)
{
    static const char text[] = "explanation not retrieved";

    (void)server;
    (void)domain;
    if (*buf == NULL || *buflen < sizeof(text)) {
        char *grown = realloc(*buf, sizeof(text));

        if (grown == NULL)
            return SPF_E_NO_MEMORY;
        *buf = grown;
        *buflen = sizeof(text);
    }
    memcpy(*buf, text, sizeof(text));
    return SPF_E_SUCCESS;
}

/* guard_init - a guard that asks dns, with a fresh time budget */
static void guard_init(struct spf_guard *g, const struct dns_source *dns, unsigned timeout_ms)
{
    memset(g, 0, sizeof(*g));
    g->layer.lookup = guard_lookup;
    g->layer.get_exp = guard_get_exp;
    g->layer.name = "vigie-guard";
    g->layer.hook = g;
    g->dns = dns;
    dns_deadline_start(&g->deadline, timeout_ms);
}

/* domain_usable - a multi-label domain name check_host() may evaluate (RFC 7208 4.3) */
static bool domain_usable(const char *d)
{
    return dns_name_valid(d) && strchr(d, '.') != NULL;
}

/* set_result - fill *out */
static void set_result(struct spf_result *out, enum authres_result result, const char *problem)
{
    out->result = result;
    snprintf(out->problem, sizeof(out->problem), "%s", problem);
}

/* set_client - the client address into the request; 0, or -1 when unparsable */
static int set_client(SPF_request_t *sreq, const char *text)
{
    struct in_addr v4;
    struct in6_addr v6;

    if (inet_pton(AF_INET, text, &v4) == 1)
        return SPF_request_set_ipv4(sreq, v4) == SPF_E_SUCCESS ? 0 : -1;
    if (inet_pton(AF_INET6, text, &v6) != 1)
        return -1;
    if (IN6_IS_ADDR_V4MAPPED(&v6)) {
        memcpy(&v4, &v6.s6_addr[12], sizeof(v4));
        return SPF_request_set_ipv4(sreq, v4) == SPF_E_SUCCESS ? 0 : -1;
    }
    return SPF_request_set_ipv6(sreq, v6) == SPF_E_SUCCESS ? 0 : -1;
}

/* map_result - libspf2's result to ours */
static enum authres_result map_result(SPF_result_t r)
{
    switch (r) {
    case SPF_RESULT_PASS:
        return AUTHRES_PASS;
    case SPF_RESULT_FAIL:
        return AUTHRES_FAIL;
    case SPF_RESULT_SOFTFAIL:
        return AUTHRES_SOFTFAIL;
    case SPF_RESULT_NEUTRAL:
        return AUTHRES_NEUTRAL;
    case SPF_RESULT_NONE:
        return AUTHRES_NONE;
    case SPF_RESULT_TEMPERROR:
        return AUTHRES_TEMPERROR;
    default:
        return AUTHRES_PERMERROR;
    }
}

/* syntax_refused - did libspf2 reject a record's syntax (not merely find none)? */
static SPF_errcode_t syntax_refused(SPF_response_t *resp)
{
    for (int i = 0; i < SPF_response_messages(resp); i++) {
        SPF_error_t *e = SPF_response_message(resp, i);

        if (SPF_error_errorp(e) && SPF_error_code(e) != SPF_E_NOT_SPF)
            return SPF_error_code(e);
    }
    return SPF_E_SUCCESS;
}

/*
 * classify - libspf2's answer as our result
 *	libspf2 leaves the result unset when it never got to evaluate a
 *	record: the record lookup failed (err SPF_E_DNS_ERROR), or there
 *	was no record, or its syntax was refused (both SPF_E_NOT_SPF).
 */
static void classify(SPF_response_t *resp, SPF_errcode_t err, struct spf_result *out)
{
    SPF_result_t r = SPF_response_result(resp);
    SPF_errcode_t why = SPF_response_errcode(resp);

    if (r == SPF_RESULT_INVALID) {
        SPF_errcode_t refused = syntax_refused(resp);

        why = err;
        if (err == SPF_E_DNS_ERROR) {
            r = SPF_RESULT_TEMPERROR;
        } else if (err == SPF_E_NOT_SPF && refused == SPF_E_SUCCESS) {
            r = SPF_RESULT_NONE;
        } else {
            r = SPF_RESULT_PERMERROR;
            if (refused != SPF_E_SUCCESS)
                why = refused;
        }
    }
    out->result = map_result(r);
    if (out->result == AUTHRES_TEMPERROR || out->result == AUTHRES_PERMERROR
        || out->result == AUTHRES_NONE)
        set_result(out, out->result, SPF_strerror(why));
}

/* evaluate - run libspf2; 0, or -1 when memory runs out */
static int evaluate(struct spf_guard *g, const struct spf_request *req, const char *env_from,
                    struct spf_result *out)
{
    SPF_server_t *server = SPF_server_new_dns(&g->layer, 0);
    SPF_request_t *sreq = server ? SPF_request_new(server) : NULL;
    SPF_response_t *resp = NULL;
    SPF_errcode_t err;
    int rc = -1;

    if (sreq == NULL)
        goto done;
    if (set_client(sreq, req->client_addr) != 0) {
        set_result(out, AUTHRES_NONE, "client address is not an IP address");
        rc = 0;
        goto done;
    }
    if ((*req->helo && SPF_request_set_helo_dom(sreq, req->helo) != SPF_E_SUCCESS)
        || (env_from && SPF_request_set_env_from(sreq, env_from) != 0))
        goto done;
    err = SPF_request_query_mailfrom(sreq, &resp);
    if (resp == NULL)
        goto done;
    classify(resp, err, out);
    rc = 0;

done:
    if (resp)
        SPF_response_free(resp);
    if (sreq)
        SPF_request_free(sreq);
    if (server)
        SPF_server_free(server);
    return rc;
}

/* spf_check - see spf.h */
int spf_check(const struct dns_source *dns, const struct spf_settings *settings,
              enum spf_identity identity, const struct spf_request *req,
              struct spf_result *out, struct vigie_error *err)
{
    struct spf_guard guard;
    const char *env_from = NULL;
    const char *domain = req->helo;
    const char *at;

    memset(out, 0, sizeof(*out));
    if (identity == SPF_IDENTITY_MAILFROM && *req->sender) {
        env_from = req->sender;
        domain = (at = strrchr(req->sender, '@')) ? at + 1 : req->sender;
    }
    if (!domain_usable(domain)) {
        set_result(out, AUTHRES_NONE, env_from ? "sender domain is not a domain name"
                                               : "HELO name is not a domain name");
        return 0;
    }
    for (size_t i = 0; domain[i] && i + 1 < sizeof(out->domain); i++)
        out->domain[i] = (char)tolower((unsigned char)domain[i]);

    guard_init(&guard, dns, settings->timeout_ms);
    if (evaluate(&guard, req, env_from, out) != 0 || guard.out_of_memory) {
        set_result(out, AUTHRES_TEMPERROR, "out of memory");
        error_set(err, "SPF %s %s: out of memory", spf_identity_name(identity), out->domain);
        return -1;
    }
    if (guard.terms > SPF_MAX_TERMS)
        set_result(out, AUTHRES_PERMERROR, "more than 10 DNS-querying terms");
    else if (guard.voids > SPF_MAX_VOIDS)
        set_result(out, AUTHRES_PERMERROR, "more than 2 void DNS lookups");
    else if (guard.timed_out)
        set_result(out, AUTHRES_TEMPERROR, "DNS time budget exhausted");
    return 0;
}
