/*
 * NAME
 *	domains - sets of mail domain names
 * SYNOPSIS
 *	#include "domains.h"
 * DESCRIPTION
 *	See domains.h. A set is a plain array searched in order: the sets
 *	vigie holds (local domains) are a handful to a few hundred names,
 *	and one lookup costs a few string comparisons per recipient.
 */
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

/* entry_matches - does the stored entry match domain (len bytes)? */
static bool entry_matches(const char *entry, const char *domain, size_t len)
{
    size_t entry_len = strlen(entry);

    if (entry[0] == '.')
        return len > entry_len
               && strncasecmp(domain + len - entry_len, entry, entry_len) == 0;
    return len == entry_len && strncasecmp(domain, entry, len) == 0;
}

/*
 * domainset_add - copy name in (lower-cased, one trailing dot removed)
 *	An empty name and a name already in the set are not added.
 *	Returns 0, or -1 on allocation failure (set unchanged).
 */
int domainset_add(struct domainset *set, const char *name)
{
    size_t len = name_length(name);
    char *copy;

    if (len == 0)
        return 0;
    for (size_t i = 0; i < set->count; i++)
        if (strlen(set->names[i]) == len && strncasecmp(set->names[i], name, len) == 0)
            return 0;
    if (set->count == set->capacity) {
        size_t capacity = set->capacity ? set->capacity * 2 : 8;
        char **names = reallocarray(set->names, capacity, sizeof(*names));

        if (names == NULL)
            return -1;
        set->names = names;
        set->capacity = capacity;
    }
    if ((copy = strndup(name, len)) == NULL)
        return -1;
    for (char *cp = copy; *cp != '\0'; cp++)
        if (*cp >= 'A' && *cp <= 'Z')
            *cp = (char)(*cp - 'A' + 'a');
    set->names[set->count++] = copy;
    return 0;
}

/* domainset_contains - match a domain (any case, trailing dot ignored) */
bool domainset_contains(const struct domainset *set, const char *domain)
{
    size_t len = name_length(domain);

    if (len == 0)
        return false;
    for (size_t i = 0; i < set->count; i++)
        if (entry_matches(set->names[i], domain, len))
            return true;
    return false;
}

/* domainset_free - release every name; the set is empty and reusable */
void domainset_free(struct domainset *set)
{
    for (size_t i = 0; i < set->count; i++)
        free(set->names[i]);
    free(set->names);
    set->names = NULL;
    set->count = 0;
    set->capacity = 0;
}

/* address_domain - the part after the last '@' of address, or "" */
const char *address_domain(const char *address)
{
    const char *at = strrchr(address, '@');

    return at != NULL ? at + 1 : "";
}
