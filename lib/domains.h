/*
 * NAME
 *	domains - sets of mail domain names
 * SYNOPSIS
 *	#include "domains.h"
 * DESCRIPTION
 *	Domain names are stored lower-cased without a trailing dot. An
 *	entry "example.org" matches that domain only; an entry
 *	".example.org" matches every subdomain of example.org (not the
 *	domain itself), like Postfix's table syntax.
 *
 *	Lookups cost one hash probe per label of the domain looked up,
 *	whatever the size of the set (block lists hold many thousands).
 */
#ifndef VIGIE_DOMAINS_H
#define VIGIE_DOMAINS_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"

struct domainset {
    char **names;               /* in insertion order, for listing */
    size_t count;
    size_t capacity;
    size_t *slots;              /* hash table: index into names + 1, 0 = empty */
    size_t slot_count;          /* a power of two, > 2 * count; 0 before the first add */
};

/* domainset_add - copy name in (lower-cased); 0, or -1 on allocation failure */
int domainset_add(struct domainset *set, const char *name) WARN_UNUSED;

/* domainset_contains - match a domain (any case, trailing dot ignored) */
bool domainset_contains(const struct domainset *set, const char *domain);

/* domainset_free - release every name; the set is empty afterwards */
void domainset_free(struct domainset *set);

/* address_domain - the part after the last '@' of an address, or "" */
const char *address_domain(const char *address);

#endif
