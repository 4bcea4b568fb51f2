/*
 * NAME
 *	dnszone - DNS answers for SPF, DKIM and DMARC: resolver or zone file
 * SYNOPSIS
 *	#include "dnszone.h"
 * DESCRIPTION
 *	A struct dns_source answers the DNS questions of the checks. It
 *	is one of:
 *
 *	- the system resolver (resolv.conf), or one name server given by
 *	  address, queried with glibc's res_nquery();
 *	- a local zone file loaded into libspf2's zone layer, for tests
 *	  and air-gapped checks. Names absent from it do not exist.
 *
 *	Answers come as libspf2 RR sets (SPF_dns_rr_t), the form libspf2
 *	evaluates; dns_txt_lookup() wraps them for TXT questions.
 *
 *	Time bound. Each check starts a struct dns_deadline. A query asks
 *	the resolver with the time left as its timeout (split between the
 *	name servers, one attempt each, at least one second: glibc counts
 *	whole seconds); once the deadline has passed, queries answer
 *	"temporary failure" (TRY_AGAIN) without asking. A check therefore
 *	waits at most its budget, rounded up to a second.
 *
 *	Zone file syntax: one record per line, "NAME TYPE DATA"; '#'
 *	outside a quoted string starts a comment; blank lines are ignored.
 *	NAME is a domain name (a trailing dot is ignored); "*.example.org"
 *	is a libspf2 wildcard, which matches every name below
 *	example.org and must come after the more specific entries. TYPE and
 *	DATA:
 *	    A        an IPv4 address
 *	    AAAA     an IPv6 address
 *	    MX       a preference and a host name: "10 mx.example.org"
 *	    PTR      a host name (NAME is then e.g. 1.2.0.192.in-addr.arpa)
 *	    TXT      one or more "quoted strings" (\" and \\ escape), which
 *	             are joined, or a single unquoted word
 *	    SERVFAIL no DATA: every query for NAME fails temporarily
 *	Errors are reported "file:line: what is wrong".
 *
 *	Threads: a dns_source is immutable once built and is shared by
 *	every thread: libspf2's zone layer only reads its table during
 *	lookups (it returns copies), and each resolver query uses its own
 *	resolver state on the stack.
 */
#ifndef VIGIE_DNSZONE_H
#define VIGIE_DNSZONE_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>
#include <sys/types.h>
#include <netinet/in.h>         /* before spf2/spf.h, which needs it */

#include <spf2/spf.h>

#include "compiler.h"
#include "error.h"

struct dns_source;

/*
 * dns_name_valid - a domain name as vigie accepts one: labels of 1..63
 *	letters, digits, '-' or '_' joined by dots, at most 253 characters,
 *	no trailing dot.
 */
bool dns_name_valid(const char *name);

/*
 * dns_source_resolver - ask the system resolver
 *	nameserver: NULL or "" for the servers of resolv.conf, else one
 *	IPv4 server "a.b.c.d" or "a.b.c.d:port". NULL with err set on a
 *	bad address or when memory runs out.
 */
struct dns_source *dns_source_resolver(const char *nameserver,
                                       struct vigie_error *err) WARN_UNUSED;

/* dns_source_zone_file - load a zone file; NULL with err "file:line: ..." */
struct dns_source *dns_source_zone_file(const char *path,
                                        struct vigie_error *err) WARN_UNUSED;

/* dns_source_zone_text - the same from memory; name is used in messages */
struct dns_source *dns_source_zone_text(const char *name, const char *text, size_t len,
                                        struct vigie_error *err) WARN_UNUSED;

/* dns_source_free - release a source; NULL is allowed */
void dns_source_free(struct dns_source *src);

/* A point in time (CLOCK_MONOTONIC) after which a check stops querying. */
struct dns_deadline {
    struct timespec at;
};

/* dns_deadline_start - now plus timeout_ms */
void dns_deadline_start(struct dns_deadline *dl, unsigned timeout_ms);

/* dns_deadline_passed - true once the deadline is behind us */
bool dns_deadline_passed(const struct dns_deadline *dl);

/*
 * dns_query - one question (type ns_t_a, ns_t_aaaa, ns_t_mx, ns_t_ptr
 *	or ns_t_txt), answered as a new libspf2 RR set that the caller
 *	frees with SPF_dns_rr_free(). Its herrno is NETDB_SUCCESS (with
 *	num_rr > 0), HOST_NOT_FOUND, NO_DATA, TRY_AGAIN (server failure,
 *	timeout, refused, deadline passed) or NO_RECOVERY (an answer that
 *	does not parse, or a server error that asking again will not fix).
 *	NULL when memory runs out.
 */
SPF_dns_rr_t *dns_query(const struct dns_source *src, const struct dns_deadline *dl,
                        const char *name, ns_type type) WARN_UNUSED;

enum dns_status {
    DNS_ERROR = -1,             /* memory ran out: err is set */
    DNS_FOUND,                  /* at least one record */
    DNS_NOT_FOUND,              /* no such name, or no record of that type */
    DNS_TEMPFAIL,               /* server failure, timeout, deadline passed */
};

/* TXT records of one name; each record's strings are joined. */
struct dns_txt {
    char **records;
    size_t count;
};

/*
 * dns_txt_lookup - the TXT records of name
 *	On DNS_FOUND, out holds copies (free with dns_txt_free); otherwise
 *	out is empty. NO_RECOVERY counts as DNS_TEMPFAIL.
 */
enum dns_status dns_txt_lookup(const struct dns_source *src, const struct dns_deadline *dl,
                               const char *name, struct dns_txt *out,
                               struct vigie_error *err) WARN_UNUSED;

/* dns_txt_free - release the records; out is empty afterwards */
void dns_txt_free(struct dns_txt *out);

#endif
