/*
 * NAME
 *	domains - sets of mail domain names
 * SYNOPSIS
 *	#include "domains.h"
 * DESCRIPTION
 *	See domains.h. Names are kept in an array (insertion order) and
 *	indexed by an open-addressing hash table of lower-cased names.
 *	A subdomain entry is stored with its leading dot, so a lookup of
 *	"a.b.example" probes "a.b.example", then ".b.example" and
 *	".example".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "domains.h"

/* name_length - length of name without one trailing dot */
static size_t name_length(const char *name)
{
    size_t len = strlen(name);

    if (len > 0 && name[len - 1] == '.')
        len--;
    return len;
}

/* lower - ASCII lower case of one byte */
static unsigned char lower(unsigned char c)
{
    return c >= 'A' && c <= 'Z' ? (unsigned char)(c - 'A' + 'a') : c;
}

/* name_hash - FNV-1a of the lower-cased len bytes of name */
static uint64_t name_hash(const char *name, size_t len)
{
    uint64_t hash = 14695981039346656037ULL;

    for (size_t i = 0; i < len; i++)
        hash = (hash ^ lower((unsigned char)name[i])) * 1099511628211ULL;
    return hash;
}

/*
 * slot_find - the slot holding name (len bytes), or the empty slot
 *	where it would go. The table must have at least one empty slot.
 */
static size_t slot_find(const struct domainset *set, const char *name, size_t len)
{
    size_t mask = set->slot_count - 1;
    size_t slot = (size_t)name_hash(name, len) & mask;

    while (set->slots[slot] != 0) {
        const char *stored = set->names[set->slots[slot] - 1];

        if (strlen(stored) == len && strncasecmp(stored, name, len) == 0)
            break;
        slot = (slot + 1) & mask;
    }
    return slot;
}

/* slots_grow - double the hash table and re-insert; -1 on allocation failure */
static int slots_grow(struct domainset *set)
{
    size_t slot_count = set->slot_count ? set->slot_count * 2 : 16;
    size_t *slots = calloc(slot_count, sizeof(*slots));
    size_t *old = set->slots;

    if (slots == NULL)
        return -1;
    set->slots = slots;
    set->slot_count = slot_count;
    for (size_t i = 0; i < set->count; i++)
        set->slots[slot_find(set, set->names[i], strlen(set->names[i]))] = i + 1;
    free(old);
    return 0;
}

/* names_reserve - room for one more name; -1 on allocation failure */
static int names_reserve(struct domainset *set)
{
    size_t capacity;
    char **names;

    if (set->count < set->capacity)
        return 0;
    capacity = set->capacity ? set->capacity * 2 : 8;
    if ((names = reallocarray(set->names, capacity, sizeof(*names))) == NULL)
        return -1;
    set->names = names;
    set->capacity = capacity;
    return 0;
}

/*
 * domainset_add - copy name in (lower-cased, one trailing dot removed)
 *	An empty name and a name already in the set are not added.
 *	Returns 0, or -1 on allocation failure (set unchanged).
 */
int domainset_add(struct domainset *set, const char *name)
{
    size_t len = name_length(name);
    size_t slot;
    char *copy;

    if (len == 0)
        return 0;
    if (2 * (set->count + 1) >= set->slot_count && slots_grow(set) < 0)
        return -1;
    slot = slot_find(set, name, len);
    if (set->slots[slot] != 0)
        return 0;
    if (names_reserve(set) < 0 || (copy = strndup(name, len)) == NULL)
        return -1;
    for (char *cp = copy; *cp != '\0'; cp++)
        *cp = (char)lower((unsigned char)*cp);
    set->names[set->count++] = copy;
    set->slots[slot] = set->count;
    return 0;
}

/* domainset_contains - match a domain (any case, trailing dot ignored) */
bool domainset_contains(const struct domainset *set, const char *domain)
{
    size_t len = name_length(domain);

    if (len == 0 || set->count == 0)
        return false;
    if (set->slots[slot_find(set, domain, len)] != 0)
        return true;
    for (size_t i = 1; i < len; i++)
        if (domain[i] == '.' && set->slots[slot_find(set, domain + i, len - i)] != 0)
            return true;
    return false;
}

/* domainset_free - release every name; the set is empty and reusable */
void domainset_free(struct domainset *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->names[i]);
    free(set->names);
    free(set->slots);
    memset(set, 0, sizeof(*set));
}

/* address_domain - the part after the last '@' of address, or "" */
const char *address_domain(const char *address)
{
    const char *at = strrchr(address, '@');

    return at != NULL ? at + 1 : "";
}
