/*
 * NAME
 *	dnszone - DNS answers for SPF, DKIM and DMARC: resolver or zone file
 * DESCRIPTION
 *	See dnszone.h. Two parts: the zone file parser, and the lookups
 *	that ask the zone layer or the resolver (dnsres.h).
 *
 *	Every zone line is validated here before it reaches
 *	SPF_dns_zone_add_str(), because libspf2 aborts the process on some
 *	misuses (an ANY entry given twice, an unknown type).
 */
#include <sys/types.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <netdb.h>

#include <spf2/spf.h>
#include <spf2/spf_dns_zone.h>

#include "dnsres.h"
#include "dnszone.h"

#define ZONE_MAX_FILE   (16u << 20)     /* bytes: a zone file is small */
#define ZONE_MAX_NAME   253
#define ZONE_MAX_TXT    65535

struct dns_source {
    SPF_dns_server_t *zone;     /* libspf2 zone layer; NULL: ask the resolver */
    char *name;                 /* zone->name points here */
    struct sockaddr_in server;  /* sin_family 0: the servers of resolv.conf */
};

/* Parsing state for one zone text. */
struct zone_parser {
    SPF_dns_server_t *zone;
    const char *file;
    unsigned line;
    char **servfail;            /* names already given SERVFAIL */
    size_t servfail_count;
    struct vigie_error *err;
};

/* source_new - a source named name, with an empty zone layer if zone; NULL with err */
static struct dns_source *source_new(const char *name, bool zone, struct vigie_error *err)
{
    struct dns_source *src = calloc(1, sizeof(*src));

    if (src == NULL || (src->name = strdup(name)) == NULL
        || (zone && (src->zone = SPF_dns_zone_new(NULL, src->name, 0)) == NULL)) {
        if (src)
            free(src->name);
        free(src);
        error_set(err, "out of memory");
        return NULL;
    }
    return src;
}

/* dns_source_resolver - see dnszone.h */
struct dns_source *dns_source_resolver(const char *nameserver, struct vigie_error *err)
{
    struct dns_source *src;

    if (nameserver == NULL || *nameserver == '\0')
        return source_new("resolver", false, err);
    if ((src = source_new(nameserver, false, err)) == NULL)
        return NULL;
    if (dnsres_server_parse(nameserver, &src->server) != 0) {
        error_set(err, "invalid name server \"%s\": want an IPv4 address, optionally :port",
                  nameserver);
        dns_source_free(src);
        return NULL;
    }
    return src;
}

/* dns_source_free - see dnszone.h */
void dns_source_free(struct dns_source *src)
{
    if (src == NULL)
        return;
    if (src->zone)
        SPF_dns_free(src->zone);
    free(src->name);
    free(src);
}

/* zone_error - "file:line: message"; always returns -1 */
static int zone_error(struct zone_parser *zp, const char *what, const char *arg)
{
    error_at(zp->err, zp->file, zp->line, "%s%s%s%s", what, arg ? " \"" : "",
             arg ? arg : "", arg ? "\"" : "");
    return -1;
}

/* skip_space - past blanks */
static const char *skip_space(const char *p)
{
    while (*p == ' ' || *p == '\t' || *p == '\r')
        p++;
    return p;
}

/* at_end - nothing but blanks or a comment left */
static bool at_end(const char *p)
{
    p = skip_space(p);
    return *p == '\0' || *p == '#';
}

/* read_word - copy the next word into buf; 0, or -1 when absent or too long */
static int read_word(const char **pp, char *buf, size_t size)
{
    const char *p = skip_space(*pp);
    size_t n = 0;

    while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#') {
        if (n + 1 >= size)
            return -1;
        buf[n++] = *p++;
    }
    buf[n] = '\0';
    *pp = p;
    return n > 0 ? 0 : -1;
}

/* dns_name_valid - see dnszone.h */
bool dns_name_valid(const char *name)
{
    size_t label = 0;

    if (strlen(name) > ZONE_MAX_NAME)
        return false;
    for (; *name; name++) {
        if (*name == '.') {
            if (label == 0)
                return false;
            label = 0;
        } else if (isalnum((unsigned char)*name) || *name == '-' || *name == '_') {
            if (++label > 63)
                return false;
        } else {
            return false;
        }
    }
    return label > 0;
}

/* valid_name - a domain name, or "*." and one if wildcard_ok */
static bool valid_name(const char *name, bool wildcard_ok)
{
    if (wildcard_ok && strncmp(name, "*.", 2) == 0)
        name += 2;
    return dns_name_valid(name);
}

/* strip_dot - drop one trailing dot */
static void strip_dot(char *name)
{
    size_t n = strlen(name);

    if (n > 1 && name[n - 1] == '.')
        name[n - 1] = '\0';
}

/* txt_append - grow *buf by one byte; 0, or -1 when over the limit or out of memory */
static int txt_append(char **buf, size_t *len, size_t *cap, char c)
{
    if (*len + 1 >= *cap) {
        size_t ncap = *cap * 2;
        char *nbuf;

        if (ncap > ZONE_MAX_TXT + 1)
            ncap = ZONE_MAX_TXT + 1;
        if (*len + 1 >= ncap || (nbuf = realloc(*buf, ncap)) == NULL)
            return -1;
        *buf = nbuf;
        *cap = ncap;
    }
    (*buf)[(*len)++] = c;
    (*buf)[*len] = '\0';
    return 0;
}

/* read_txt - quoted strings joined, or one word; a new string, or NULL with err */
static char *read_txt(struct zone_parser *zp, const char *p)
{
    size_t len = 0, cap = 256;
    char *buf = malloc(cap);
    bool quoted = false;

    if (buf == NULL) {
        zone_error(zp, "out of memory", NULL);
        return NULL;
    }
    buf[0] = '\0';
    for (p = skip_space(p); !at_end(p); p = skip_space(p)) {
        if (*p != '"') {
            if (quoted || len > 0)
                break;
            while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '#')
                if (txt_append(&buf, &len, &cap, *p++) != 0)
                    goto too_long;
            continue;
        }
        quoted = true;
        for (p++; *p != '"'; p++) {
            if (*p == '\\' && p[1] != '\0')
                p++;
            if (*p == '\0') {
                free(buf);
                zone_error(zp, "unterminated quoted string", NULL);
                return NULL;
            }
            if (txt_append(&buf, &len, &cap, *p) != 0)
                goto too_long;
        }
        p++;
    }
    if (!at_end(p)) {
        free(buf);
        zone_error(zp, "unexpected text after the TXT data", NULL);
        return NULL;
    }
    if (len == 0 && !quoted) {
        free(buf);
        zone_error(zp, "TXT needs data", NULL);
        return NULL;
    }
    return buf;

too_long:
    free(buf);
    zone_error(zp, "TXT data longer than 65535 bytes, or out of memory", NULL);
    return NULL;
}

/* add_record - hand one validated record to libspf2 */
static int add_record(struct zone_parser *zp, const char *name, ns_type type,
                      SPF_dns_stat_t herrno, const char *data)
{
    SPF_errcode_t e = SPF_dns_zone_add_str(zp->zone, name, type, herrno, data);

    if (e != SPF_E_SUCCESS)
        return zone_error(zp, SPF_strerror(e), NULL);
    return 0;
}

/* add_servfail - NAME SERVFAIL, at most once per name (libspf2 aborts otherwise) */
static int add_servfail(struct zone_parser *zp, const char *name)
{
    char **grown;

    for (size_t i = 0; i < zp->servfail_count; i++)
        if (strcasecmp(zp->servfail[i], name) == 0)
            return zone_error(zp, "SERVFAIL given twice for", name);
    grown = realloc(zp->servfail, (zp->servfail_count + 1) * sizeof(*grown));
    if (grown == NULL)
        return zone_error(zp, "out of memory", NULL);
    zp->servfail = grown;
    if ((grown[zp->servfail_count] = strdup(name)) == NULL)
        return zone_error(zp, "out of memory", NULL);
    zp->servfail_count++;
    return add_record(zp, name, ns_t_any, TRY_AGAIN, NULL);
}

/* add_address - NAME A|AAAA address */
static int add_address(struct zone_parser *zp, const char *name, ns_type type, const char *p)
{
    char word[INET6_ADDRSTRLEN + 1];
    unsigned char bytes[sizeof(struct in6_addr)];
    int family = type == ns_t_a ? AF_INET : AF_INET6;

    if (read_word(&p, word, sizeof(word)) != 0 || !at_end(p)
        || inet_pton(family, word, bytes) != 1)
        return zone_error(zp, type == ns_t_a ? "A needs one IPv4 address"
                                             : "AAAA needs one IPv6 address", NULL);
    return add_record(zp, name, type, NETDB_SUCCESS, word);
}

/* add_host - NAME MX pref host | NAME PTR host */
static int add_host(struct zone_parser *zp, const char *name, ns_type type, const char *p)
{
    char pref[16], host[ZONE_MAX_NAME + 2], data[sizeof(pref) + sizeof(host) + 1];
    char *end;
    unsigned long n = 0;

    if (type == ns_t_mx) {
        if (read_word(&p, pref, sizeof(pref)) != 0
            || (n = strtoul(pref, &end, 10)) > 65535 || *end || !isdigit((unsigned char)*pref))
            return zone_error(zp, "MX needs a preference 0..65535 and a host name", NULL);
    }
    if (read_word(&p, host, sizeof(host)) != 0 || !at_end(p))
        return zone_error(zp, type == ns_t_mx ? "MX needs a preference 0..65535 and a host name"
                                              : "PTR needs one host name", NULL);
    strip_dot(host);
    if (!valid_name(host, false))
        return zone_error(zp, "invalid host name", host);
    if (type == ns_t_mx)
        snprintf(data, sizeof(data), "%lu %s", n, host);
    else
        snprintf(data, sizeof(data), "%s", host);
    return add_record(zp, name, type, NETDB_SUCCESS, data);
}

/* parse_line - one zone line; 0, or -1 with err */
static int parse_line(struct zone_parser *zp, const char *p)
{
    char name[ZONE_MAX_NAME + 2], type[16];
    char *txt;
    int rc;

    if (at_end(p))
        return 0;
    if (read_word(&p, name, sizeof(name)) != 0)
        return zone_error(zp, "name longer than 253 characters", NULL);
    strip_dot(name);
    if (!valid_name(name, true))
        return zone_error(zp, "invalid domain name", name);
    if (read_word(&p, type, sizeof(type)) != 0)
        return zone_error(zp, "missing or unknown record type after", name);
    if (strcasecmp(type, "A") == 0)
        return add_address(zp, name, ns_t_a, p);
    if (strcasecmp(type, "AAAA") == 0)
        return add_address(zp, name, ns_t_aaaa, p);
    if (strcasecmp(type, "MX") == 0)
        return add_host(zp, name, ns_t_mx, p);
    if (strcasecmp(type, "PTR") == 0)
        return add_host(zp, name, ns_t_ptr, p);
    if (strcasecmp(type, "SERVFAIL") == 0) {
        if (!at_end(p))
            return zone_error(zp, "SERVFAIL takes no data", NULL);
        return add_servfail(zp, name);
    }
    if (strcasecmp(type, "TXT") != 0)
        return zone_error(zp, "unknown record type", type);
    if ((txt = read_txt(zp, p)) == NULL)
        return -1;
    rc = add_record(zp, name, ns_t_txt, NETDB_SUCCESS, txt);
    free(txt);
    return rc;
}

/* parse_text - every line of text into zp->zone; 0, or -1 with err */
static int parse_text(struct zone_parser *zp, const char *text, size_t len)
{
    const char *end = text + len;
    char *line = NULL;
    int rc = 0;

    if (memchr(text, '\0', len) != NULL) {
        zp->line = 0;
        return zone_error(zp, "NUL byte in zone text", NULL);
    }
    for (zp->line = 1; text < end && rc == 0; zp->line++) {
        const char *nl = memchr(text, '\n', (size_t)(end - text));
        size_t n = nl ? (size_t)(nl - text) : (size_t)(end - text);

        free(line);
        if ((line = strndup(text, n)) == NULL)
            return zone_error(zp, "out of memory", NULL);
        rc = parse_line(zp, line);
        text += n + (nl != NULL);
    }
    free(line);
    return rc;
}

/* dns_source_zone_text - see dnszone.h */
struct dns_source *dns_source_zone_text(const char *name, const char *text, size_t len,
                                        struct vigie_error *err)
{
    struct dns_source *src = source_new(name, true, err);
    struct zone_parser zp = {.file = name, .err = err};
    int rc;

    if (src == NULL)
        return NULL;
    zp.zone = src->zone;
    rc = parse_text(&zp, text, len);
    for (size_t i = 0; i < zp.servfail_count; i++)
        free(zp.servfail[i]);
    free(zp.servfail);
    if (rc != 0) {
        dns_source_free(src);
        return NULL;
    }
    return src;
}

/* read_file - a whole small file into memory; NULL with err set */
static char *read_file(const char *path, size_t *len, struct vigie_error *err)
{
    struct stat st;
    char *buf = NULL;
    ssize_t n = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        error_at(err, path, 0, "%s", strerror(errno));
    } else if (!S_ISREG(st.st_mode) || st.st_size > (off_t)ZONE_MAX_FILE) {
        error_at(err, path, 0, "not a regular file of at most 16 MiB");
    } else if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        error_at(err, path, 0, "out of memory");
    } else if ((n = read(fd, buf, (size_t)st.st_size)) != (ssize_t)st.st_size) {
        error_at(err, path, 0, "read: %s", n < 0 ? strerror(errno) : "short read");
        free(buf);
        buf = NULL;
    } else {
        *len = (size_t)n;
    }
    if (fd >= 0)
        close(fd);
    return buf;
}

/* dns_source_zone_file - see dnszone.h */
struct dns_source *dns_source_zone_file(const char *path, struct vigie_error *err)
{
    struct dns_source *src;
    size_t len = 0;
    char *text = read_file(path, &len, err);

    if (text == NULL)
        return NULL;
    src = dns_source_zone_text(path, text, len, err);
    free(text);
    return src;
}

/* dns_deadline_start - see dnszone.h */
void dns_deadline_start(struct dns_deadline *dl, unsigned timeout_ms)
{
    clock_gettime(CLOCK_MONOTONIC, &dl->at);
    dl->at.tv_sec += timeout_ms / 1000;
    dl->at.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (dl->at.tv_nsec >= 1000000000L) {
        dl->at.tv_sec++;
        dl->at.tv_nsec -= 1000000000L;
    }
}

/* dns_deadline_passed - see dnszone.h */
bool dns_deadline_passed(const struct dns_deadline *dl)
{
    struct timespec now;

    clock_gettime(CLOCK_MONOTONIC, &now);
    return now.tv_sec > dl->at.tv_sec
           || (now.tv_sec == dl->at.tv_sec && now.tv_nsec >= dl->at.tv_nsec);
}

/* dns_txt_free - see dnszone.h */
void dns_txt_free(struct dns_txt *out)
{
    for (size_t i = 0; i < out->count; i++)
        free(out->records[i]);
    free(out->records);
    out->records = NULL;
    out->count = 0;
}

/* txt_copy - the records of rr into out; 0, or -1 (out emptied) */
static int txt_copy(const SPF_dns_rr_t *rr, struct dns_txt *out)
{
    if ((out->records = calloc((size_t)rr->num_rr, sizeof(char *))) == NULL)
        return -1;
    for (int i = 0; i < rr->num_rr; i++) {
        if ((out->records[i] = strdup(rr->rr[i]->txt)) == NULL) {
            dns_txt_free(out);
            return -1;
        }
        out->count++;
    }
    return 0;
}

/* remaining_ms - milliseconds until the deadline; 0 once passed */
static long remaining_ms(const struct dns_deadline *dl)
{
    struct timespec now;
    long ms;

    clock_gettime(CLOCK_MONOTONIC, &now);
    ms = (long)(dl->at.tv_sec - now.tv_sec) * 1000 + (dl->at.tv_nsec - now.tv_nsec) / 1000000;
    return ms > 0 ? ms : 0;
}

/* dns_query - see dnszone.h */
SPF_dns_rr_t *dns_query(const struct dns_source *src, const struct dns_deadline *dl,
                        const char *name, ns_type type)
{
    if (dns_deadline_passed(dl))
        return SPF_dns_rr_new_init(NULL, name, type, 0, TRY_AGAIN);
    if (src->zone)
        return SPF_dns_lookup(src->zone, name, type, 0);
    return dnsres_query(&src->server, remaining_ms(dl), name, type);
}

/* dns_txt_lookup - see dnszone.h */
enum dns_status dns_txt_lookup(const struct dns_source *src, const struct dns_deadline *dl,
                               const char *name, struct dns_txt *out,
                               struct vigie_error *err)
{
    SPF_dns_rr_t *rr;
    enum dns_status status;

    out->records = NULL;
    out->count = 0;
    if ((rr = dns_query(src, dl, name, ns_t_txt)) == NULL) {
        error_set(err, "out of memory looking up %s", name);
        return DNS_ERROR;
    }
    if (rr->herrno == NETDB_SUCCESS && rr->num_rr > 0) {
        status = DNS_FOUND;
        if (txt_copy(rr, out) != 0) {
            error_set(err, "out of memory looking up %s", name);
            status = DNS_ERROR;
        }
    } else if (rr->herrno == NETDB_SUCCESS || rr->herrno == HOST_NOT_FOUND
               || rr->herrno == NO_DATA) {
        status = DNS_NOT_FOUND;
    } else {
        status = DNS_TEMPFAIL;
    }
    SPF_dns_rr_free(rr);
    return status;
}
