/*
 * NAME
 *	dnsres - one DNS question to the system resolver, as a libspf2 RR set
 * DESCRIPTION
 *	See dnsres.h. The answer buffer is as large as a DNS message can
 *	be, so res_nquery() never truncates; records of other types in the
 *	answer section (the CNAMEs of a chain) are skipped.
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <ctype.h>
#include <netdb.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>

#include <spf2/spf.h>

#include "dnsres.h"

#define ANSWER_MAX      65536   /* the largest DNS message */

/* dnsres_server_parse - see dnsres.h */
int dnsres_server_parse(const char *text, struct sockaddr_in *sin)
{
    char addr[INET_ADDRSTRLEN];
    const char *colon = strchr(text, ':');
    size_t n = colon ? (size_t)(colon - text) : strlen(text);
    unsigned long port = NS_DEFAULTPORT;
    char *end;

    if (n >= sizeof(addr))
        return -1;
    memcpy(addr, text, n);
    addr[n] = '\0';
    if (colon && (!isdigit((unsigned char)colon[1])
                  || (port = strtoul(colon + 1, &end, 10)) == 0 || port > 65535 || *end))
        return -1;
    memset(sin, 0, sizeof(*sin));
    if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1)
        return -1;
    sin->sin_family = AF_INET;
    sin->sin_port = htons((unsigned short)port);
    return 0;
}

/* add_txt - join the character-strings of a TXT rdata; 0, 1 malformed, -1 no memory */
static int add_txt(SPF_dns_rr_t *rr, int idx, const unsigned char *rdata, size_t rdlen)
{
    char *out;

    if (SPF_dns_rr_buf_realloc(rr, idx, rdlen + 1) != SPF_E_SUCCESS)
        return -1;
    out = (char *)rr->rr[idx];
    while (rdlen > 0) {
        size_t n = *rdata++;

        if (n >= rdlen)
            return 1;           /* a string runs past the record */
        rdlen -= n + 1;
        for (; n > 0; n--, rdata++)
            *out++ = *rdata ? (char)*rdata : '?';   /* keep a NUL from ending the text */
    }
    *out = '\0';
    return 0;
}

/* add_rdata - one answer record into rr->rr[idx]; 0 added, 1 malformed, -1 no memory */
static int add_rdata(SPF_dns_rr_t *rr, int idx, const ns_msg *msg, const ns_rr *rec)
{
    const unsigned char *rdata = ns_rr_rdata(*rec);
    size_t rdlen = ns_rr_rdlen(*rec);
    char host[NS_MAXDNAME];

    switch (rr->rr_type) {
    case ns_t_a:
    case ns_t_aaaa:
        if (rdlen != (rr->rr_type == ns_t_a ? sizeof(struct in_addr) : sizeof(struct in6_addr)))
            return 1;
        if (SPF_dns_rr_buf_realloc(rr, idx, rdlen) != SPF_E_SUCCESS)
            return -1;
        memcpy(rr->rr[idx], rdata, rdlen);
        return 0;
    case ns_t_mx:
    case ns_t_ptr:
        if (rr->rr_type == ns_t_mx) {
            if (rdlen < NS_INT16SZ + 1)
                return 1;
            rdata += NS_INT16SZ;
        }
        if (ns_name_uncompress(ns_msg_base(*msg), ns_msg_end(*msg), rdata,
                               host, sizeof(host)) < 0)
            return 1;
        if (SPF_dns_rr_buf_realloc(rr, idx, strlen(host) + 1) != SPF_E_SUCCESS)
            return -1;
        memcpy(rr->rr[idx], host, strlen(host) + 1);
        return 0;
    default:
        return add_txt(rr, idx, rdata, rdlen);
    }
}

/* parse_answer - the answer section's records of the asked type; NULL if no memory */
static SPF_dns_rr_t *parse_answer(const unsigned char *answer, int len,
                                  const char *name, ns_type type)
{
    SPF_dns_rr_t *rr = SPF_dns_rr_new_init(NULL, name, type, 0, NETDB_SUCCESS);
    ns_msg msg;
    ns_rr rec;
    int count = 0;

    if (rr == NULL)
        return NULL;
    if (ns_initparse(answer, len, &msg) < 0) {
        rr->herrno = NO_RECOVERY;
        return rr;
    }
    for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
        int rc;

        if (ns_parserr(&msg, ns_s_an, i, &rec) < 0) {
            rr->herrno = NO_RECOVERY;
            break;
        }
        if (ns_rr_type(rec) != type || ns_rr_class(rec) != ns_c_in)
            continue;           /* a CNAME on the way, or a stray record */
        if ((rc = add_rdata(rr, count, &msg, &rec)) < 0) {
            SPF_dns_rr_free(rr);
            return NULL;
        }
        if (rc == 0)
            rr->num_rr = ++count;
    }
    if (count == 0 && rr->herrno == NETDB_SUCCESS)
        rr->herrno = NO_DATA;
    return rr;
}

/* dnsres_query - see dnsres.h */
SPF_dns_rr_t *dnsres_query(const struct sockaddr_in *server, long timeout_ms,
                           const char *name, ns_type type)
{
    struct __res_state res;
    unsigned char *answer;
    SPF_dns_rr_t *rr;
    int len;

    memset(&res, 0, sizeof(res));
    if (res_ninit(&res) != 0)
        return SPF_dns_rr_new_init(NULL, name, type, 0, TRY_AGAIN);
    if (server->sin_family == AF_INET) {
        res.nsaddr_list[0] = *server;
        res.nscount = 1;
    }
    res.retry = 1;
    res.retrans = (int)(timeout_ms / 1000 / (res.nscount > 0 ? res.nscount : 1));
    if (res.retrans < 1)
        res.retrans = 1;
    if ((answer = malloc(ANSWER_MAX)) == NULL) {
        res_nclose(&res);
        return NULL;
    }
    len = res_nquery(&res, name, ns_c_in, type, answer, ANSWER_MAX);
    if (len < 0) {
        int herrno = res.res_h_errno;

        rr = SPF_dns_rr_new_init(NULL, name, type, 0,
                                 herrno == HOST_NOT_FOUND || herrno == NO_DATA
                                 || herrno == NO_RECOVERY ? herrno : TRY_AGAIN);
    } else {
        rr = parse_answer(answer, len < ANSWER_MAX ? len : ANSWER_MAX, name, type);
    }
    free(answer);
    res_nclose(&res);
    return rr;
}

