/*
 * NAME
 *	loginmap - which SASL logins may use which envelope senders
 * SYNOPSIS
 *	#include "loginmap.h"
 * DESCRIPTION
 *	See loginmap.h. The file follows Postfix's table syntax: a line
 *	whose first non-blank character is '#' is a comment, and a line
 *	that starts with a blank continues the previous entry (more
 *	logins). Logins are separated by commas and/or blanks. Keys are
 *	"user@domain" or "@domain"; a key given twice is an error.
 *
 *	Keys are stored lower-cased in an array sorted once at load, so a
 *	lookup is a binary search and the map is read-only afterwards:
 *	any number of threads may look up at once. Login names compare
 *	without regard to case, as in Postfix.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "loginmap.h"

struct loginmap_entry {
    char *key;                  /* lower-cased "user@domain" or "@domain" */
    char **logins;
    size_t login_count;
    unsigned line;              /* where the key was defined */
};

struct loginmap {
    struct loginmap_entry *entries;
    size_t count;
    size_t capacity;
};

#define BLANKS " \t\r\n"
#define LOGIN_SEPARATORS ", \t\r\n"

/* loginmap_free - release a map; NULL is allowed */
void loginmap_free(struct loginmap *map)
{
    if (map == NULL)
        return;
    for (size_t i = 0; i < map->count; i++) {
        for (size_t j = 0; j < map->entries[i].login_count; j++)
            free(map->entries[i].logins[j]);
        free(map->entries[i].logins);
        free(map->entries[i].key);
    }
    free(map->entries);
    free(map);
}

/* valid_key - "user@domain" or "@domain", nothing else */
static bool valid_key(const char *key)
{
    const char *at = strrchr(key, '@');

    return at != NULL && at[1] != '\0' && strchr(key, '@') == at;
}

/* entry_add_logins - append the logins found in text; -1 on allocation failure */
static int entry_add_logins(struct loginmap_entry *entry, char *text)
{
    char *save = NULL;

    for (char *name = strtok_r(text, LOGIN_SEPARATORS, &save); name != NULL;
         name = strtok_r(NULL, LOGIN_SEPARATORS, &save)) {
        char **logins = realloc(entry->logins, (entry->login_count + 1) * sizeof(*logins));

        if (logins == NULL)
            return -1;
        entry->logins = logins;
        if ((logins[entry->login_count] = strdup(name)) == NULL)
            return -1;
        entry->login_count++;
    }
    return 0;
}

/* map_add_entry - a new entry for key; NULL on allocation failure */
static struct loginmap_entry *map_add_entry(struct loginmap *map, const char *key,
                                            unsigned line)
{
    struct loginmap_entry *entry;

    if (map->count == map->capacity) {
        size_t capacity = map->capacity ? map->capacity * 2 : 16;
        struct loginmap_entry *entries = realloc(map->entries, capacity * sizeof(*entries));

        if (entries == NULL)
            return NULL;
        map->entries = entries;
        map->capacity = capacity;
    }
    entry = &map->entries[map->count];
    memset(entry, 0, sizeof(*entry));
    if ((entry->key = strdup(key)) == NULL)
        return NULL;
    for (char *p = entry->key; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    entry->line = line;
    map->count++;
    return entry;
}

/*
 * parse_line - one line of the file
 *	Returns 0, or -1 with err set. *current is the entry that a
 *	continuation line extends.
 */
static int parse_line(struct loginmap *map, const char *path, unsigned lineno,
                      char *line, struct loginmap_entry **current,
                      struct vigie_error *err)
{
    char *start = line + strspn(line, BLANKS);
    char *key;
    size_t key_len;

    if (*start == '\0' || *start == '#')
        return 0;
    if (start != line) {
        if (*current == NULL) {
            error_at(err, path, lineno, "continuation line without an entry before it");
            return -1;
        }
        if (entry_add_logins(*current, start) < 0) {
            error_at(err, path, lineno, "out of memory");
            return -1;
        }
        return 0;
    }
    key_len = strcspn(line, BLANKS);
    key = line;
    start = line + key_len;
    if (*start != '\0')
        *start++ = '\0';
    if (!valid_key(key)) {
        error_at(err, path, lineno, "bad key \"%s\": expected user@domain or @domain", key);
        return -1;
    }
    if ((*current = map_add_entry(map, key, lineno)) == NULL
        || entry_add_logins(*current, start) < 0) {
        error_at(err, path, lineno, "out of memory");
        return -1;
    }
    return 0;
}

/* entry_compare - qsort order of entries: by key */
static int entry_compare(const void *a, const void *b)
{
    const struct loginmap_entry *x = a;
    const struct loginmap_entry *y = b;

    return strcmp(x->key, y->key);
}

/* map_finish - sort, then reject duplicate keys and keys without logins */
static int map_finish(struct loginmap *map, const char *path, struct vigie_error *err)
{
    for (size_t i = 0; i < map->count; i++) {
        if (map->entries[i].login_count == 0) {
            error_at(err, path, map->entries[i].line, "no login name for \"%s\"",
                     map->entries[i].key);
            return -1;
        }
    }
    if (map->count > 0)
        qsort(map->entries, map->count, sizeof(map->entries[0]), entry_compare);
    for (size_t i = 1; i < map->count; i++) {
        const struct loginmap_entry *a = &map->entries[i - 1];
        const struct loginmap_entry *b = &map->entries[i];

        if (strcmp(a->key, b->key) == 0) {
            error_at(err, path, a->line > b->line ? a->line : b->line,
                     "duplicate key \"%s\" (first at line %u)", a->key,
                     a->line < b->line ? a->line : b->line);
            return -1;
        }
    }
    return 0;
}

/* loginmap_load - read a map file */
struct loginmap *loginmap_load(const char *path, struct vigie_error *err)
{
    struct loginmap_entry *current = NULL;
    struct loginmap *map;
    char *line = NULL;
    size_t size = 0;
    unsigned lineno = 0;
    int status = 0;
    FILE *fp;

    if ((fp = fopen(path, "r")) == NULL) {
        error_at(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if ((map = calloc(1, sizeof(*map))) == NULL) {
        error_at(err, path, 0, "out of memory");
        fclose(fp);
        return NULL;
    }
    errno = 0;
    while (status == 0 && getline(&line, &size, fp) >= 0)
        status = parse_line(map, path, ++lineno, line, &current, err);
    if (status == 0 && ferror(fp)) {
        error_at(err, path, 0, "read error: %s", strerror(errno));
        status = -1;
    }
    free(line);
    fclose(fp);
    if (status == 0)
        status = map_finish(map, path, err);
    if (status < 0) {
        loginmap_free(map);
        return NULL;
    }
    return map;
}

/* key_compare - bsearch order: a lookup key of any case against an entry */
static int key_compare(const void *key, const void *elem)
{
    const struct loginmap_entry *entry = elem;

    return strcasecmp(key, entry->key);
}

/* map_find - the entry for key (any case), or NULL */
static const struct loginmap_entry *map_find(const struct loginmap *map, const char *key)
{
    if (map->count == 0)
        return NULL;
    return bsearch(key, map->entries, map->count, sizeof(map->entries[0]), key_compare);
}

/* loginmap_allows - may login send as sender? */
bool loginmap_allows(const struct loginmap *map, const char *sender, const char *login)
{
    const struct loginmap_entry *entry;
    const char *at;

    if (*sender == '\0')
        return true;
    entry = map_find(map, sender);
    if (entry == NULL && (at = strrchr(sender, '@')) != NULL)
        entry = map_find(map, at);      /* "@domain": the '@' is part of the key */
    if (entry == NULL)
        return false;
    for (size_t i = 0; i < entry->login_count; i++)
        if (strcasecmp(entry->logins[i], login) == 0)
            return true;
    return false;
}
