/*
 * NAME
 *	dnsres - one DNS question to the system resolver, as a libspf2 RR set
 * SYNOPSIS
 *	#include "dnsres.h"
 * DESCRIPTION
 *	dnsres_query() asks with glibc's res_nquery() on a resolver state
 *	of its own, made for this one query (so any thread may call it):
 *	the name servers of resolv.conf, or the one given; one attempt per
 *	server, with the timeout split between them (at least one second
 *	each: glibc counts whole seconds). The answer section becomes the
 *	RR set libspf2 evaluates. Used by dnszone.c; see dnszone.h for the
 *	meaning of the herrno values.
 */
#ifndef VIGIE_DNSRES_H
#define VIGIE_DNSRES_H

#include <sys/types.h>
#include <netinet/in.h>         /* before spf2/spf.h, which needs it */

#include <spf2/spf.h>

#include "compiler.h"

/* dnsres_server_parse - "a.b.c.d" or "a.b.c.d:port" into *server; 0, or -1 */
int dnsres_server_parse(const char *text, struct sockaddr_in *server) WARN_UNUSED;

/*
 * dnsres_query - ask name's records of type (A, AAAA, MX, PTR or TXT)
 *	server: sin_family AF_INET for that server, 0 for resolv.conf.
 *	Returns a new RR set (free with SPF_dns_rr_free), or NULL when
 *	memory runs out.
 */
SPF_dns_rr_t *dnsres_query(const struct sockaddr_in *server, long timeout_ms,
                           const char *name, ns_type type) WARN_UNUSED;

#endif
