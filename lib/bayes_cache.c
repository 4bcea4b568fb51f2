/*
 * NAME
 *	bayes_cache - recently fetched token counts, kept for a while
 * DESCRIPTION
 *	See bayes_cache.h. An entry with hash 0 is empty (token hashes
 *	are never 0, see tokenize.h). Counts above UINT32_MAX are stored
 *	as UINT32_MAX; the store saturates far below that anyway.
 */
#include <stdlib.h>

#include "bayes_cache.h"

struct cache_entry {
    uint64_t hash;
    uint32_t spam;
    uint32_t ham;
    time_t fetched;
};

struct bayes_cache {
    size_t mask;
    unsigned ttl;
    struct cache_entry *entries;
};

/* bayes_cache_new - a cache of entries tokens (a power of two), trusted ttl seconds */
struct bayes_cache *bayes_cache_new(size_t entries, unsigned ttl)
{
    struct bayes_cache *cache = calloc(1, sizeof(*cache));
    size_t n = 1;

    while (n < entries)
        n *= 2;
    if (cache == NULL || (cache->entries = calloc(n, sizeof(*cache->entries))) == NULL) {
        free(cache);
        return NULL;
    }
    cache->mask = n - 1;
    cache->ttl = ttl;
    return cache;
}

/* bayes_cache_free - NULL is allowed */
void bayes_cache_free(struct bayes_cache *cache)
{
    if (cache == NULL)
        return;
    free(cache->entries);
    free(cache);
}

/* bayes_cache_get - the counts of a token fetched less than ttl ago */
bool bayes_cache_get(const struct bayes_cache *cache, uint64_t hash, time_t now,
                     struct bayes_counts *counts)
{
    const struct cache_entry *e = &cache->entries[hash & cache->mask];

    if (e->hash != hash || now - e->fetched >= (time_t)cache->ttl || now < e->fetched)
        return false;
    counts->spam = e->spam;
    counts->ham = e->ham;
    return true;
}

/* clamp - a count as stored in an entry */
static uint32_t clamp(unsigned long count)
{
    return count > UINT32_MAX ? UINT32_MAX : (uint32_t)count;
}

/* bayes_cache_put - remember the counts of a token fetched at now */
void bayes_cache_put(struct bayes_cache *cache, uint64_t hash, time_t now,
                     struct bayes_counts counts)
{
    struct cache_entry *e = &cache->entries[hash & cache->mask];

    e->hash = hash;
    e->spam = clamp(counts.spam);
    e->ham = clamp(counts.ham);
    e->fetched = now;
}

/* bayes_cache_forget - drop a token whose counts just changed */
void bayes_cache_forget(struct bayes_cache *cache, uint64_t hash)
{
    struct cache_entry *e = &cache->entries[hash & cache->mask];

    if (e->hash == hash)
        e->hash = 0;
}
