/*
 * NAME
 *	bayes_cache - recently fetched token counts, kept for a while
 * SYNOPSIS
 *	#include "bayes_cache.h"
 * DESCRIPTION
 *	Common words come back in nearly every message: a small cache of
 *	the counts fetched from Redis spares most of the lookups (about
 *	half of them on the test corpus) on both sides of the connection.
 *	An entry is trusted for ttl seconds; counts learnt elsewhere (by
 *	another thread, process or host) show within that delay, which
 *	for token statistics built from thousands of messages is of no
 *	consequence. Learning through a store forgets the entries of the
 *	tokens it changed.
 *
 *	The cache is direct-mapped on the token hash: a lookup is one
 *	probe, a newer token evicts an older one. Its size is fixed when
 *	it is made (a power of two, 24 bytes an entry).
 *
 *	Thread safety: a cache belongs to one thread (to its store).
 */
#ifndef VIGIE_BAYES_CACHE_H
#define VIGIE_BAYES_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "bayes.h"
#include "compiler.h"

struct bayes_cache;

/*
 * bayes_cache_new - room for entries tokens (rounded up to a power of
 *	two), each trusted ttl seconds. Returns NULL when out of memory.
 */
struct bayes_cache *bayes_cache_new(size_t entries, unsigned ttl) WARN_UNUSED;

/* bayes_cache_free - NULL is allowed */
void bayes_cache_free(struct bayes_cache *cache);

/* bayes_cache_get - the counts of a token fetched less than ttl ago */
bool bayes_cache_get(const struct bayes_cache *cache, uint64_t hash, time_t now,
                     struct bayes_counts *counts);

/* bayes_cache_put - remember the counts of a token fetched at now */
void bayes_cache_put(struct bayes_cache *cache, uint64_t hash, time_t now,
                     struct bayes_counts counts);

/* bayes_cache_forget - drop a token whose counts just changed */
void bayes_cache_forget(struct bayes_cache *cache, uint64_t hash);

#endif
