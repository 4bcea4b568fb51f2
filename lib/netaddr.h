/*
 * NAME
 *	netaddr - IPv4/IPv6 addresses and CIDR networks
 * SYNOPSIS
 *	#include "netaddr.h"
 * DESCRIPTION
 *	Addresses are kept as 16 bytes; IPv4 is stored IPv4-mapped
 *	(::ffff:a.b.c.d) so that one comparison serves both families and
 *	"::ffff:192.0.2.1" (as Postfix may report it) matches 192.0.2.0/24.
 *	Text forms accepted: "192.0.2.1", "2001:db8::1", "[2001:db8::1]",
 *	"IPv6:2001:db8::1" (SMTP literal), and for networks a "/len"
 *	suffix, also after a bracket ("[::1]/128", Postfix mynetworks style).
 */
#ifndef VIGIE_NETADDR_H
#define VIGIE_NETADDR_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

struct netaddr {
    unsigned char bytes[16];
};

struct netnet {
    struct netaddr addr;        /* host bits cleared */
    unsigned prefix;            /* 0..128, counted on the 16-byte form */
};

/* A growable list of networks. Zero-initialised is an empty list. */
struct netlist {
    struct netnet *items;
    size_t count;
    size_t capacity;
};

/* netaddr_parse - text to address; 0 on success, -1 when malformed */
int netaddr_parse(const char *text, struct netaddr *out) WARN_UNUSED;

/* netaddr_format - address to canonical text (IPv4 dotted for mapped) */
void netaddr_format(const struct netaddr *addr, char *buf, size_t len);

/* netnet_parse - "addr" or "addr/len" (len counted in the address's own family) */
int netnet_parse(const char *text, struct netnet *out) WARN_UNUSED;

/* netnet_contains - true when addr lies inside net */
bool netnet_contains(const struct netnet *net, const struct netaddr *addr);

/* netlist_add - append; 0, or -1 on allocation failure (list unchanged) */
int netlist_add(struct netlist *list, const struct netnet *net) WARN_UNUSED;

/* netlist_contains - true when any network of the list holds addr */
bool netlist_contains(const struct netlist *list, const struct netaddr *addr);

/* netlist_free - release the items; the list is empty afterwards */
void netlist_free(struct netlist *list);

#endif
