/*
 * NAME
 *	bayes_store - Bayes token counts and learnt messages in Redis
 * SYNOPSIS
 *	#include "bayes_store.h"
 * DESCRIPTION
 *	Keys (P is redis_prefix; S is "" for the shared statistics, or
 *	"u:SCOPE:" for the statistics of one user or domain):
 *
 *	P S t:HHHHHHHHHHH  one token: HHHHHHHHHHH is its 64-bit hash in
 *			   11 base64url characters. The value is the integer
 *			   spam * 10^8 + ham (the messages it was learnt in),
 *			   which Redis stores inside the key's object: no
 *			   second allocation. A token learnt in fewer than
 *			   token_keep messages expires token_ttl seconds
 *			   after its last learning, so rare tokens fade and
 *			   common ones stay.
 *	P S bayes:n	   learnt messages, spam * 10^8 + ham; never expires.
 *	P S bayes:m:DIGEST a learnt message: its class ("s" or "h"),
 *			   followed by the number of times it was learnt
 *			   once reinforced ("s3"); DIGEST its content digest
 *			   in hex (mime.h); expires with token_ttl.
 *
 *	Counts saturate at 9 * 10^7 spam and 10^8 - 1 ham, so that the
 *	packed value stays exact in Lua's doubles.
 *
 *	bayes_store_fetch reads the counts of every token of a message
 *	and the learnt message counts in ONE round trip (one MGET), but
 *	for the tokens of the shared statistics whose counts it fetched
 *	less than cache_ttl seconds ago (bayes_cache.h; cache_tokens 0:
 *	no cache). Learning through the store drops its cached tokens.
 *	bayes_store_learn is one Lua script, atomic: learning a message
 *	already learnt in that class does nothing; learning it in the
 *	other class first undoes the earlier learning; forgetting undoes
 *	whichever learning was recorded. Reinforcing (train on error, for
 *	a message the classifier still gets wrong after it was learnt)
 *	learns it once more in the same class, up to BAYES_REINFORCE_MAX
 *	times in all; every count then holds learnings rather than
 *	messages, and moving or forgetting the message undoes all of them.
 *	(Undoing uses the tokens of the message as given now; with the
 *	same tokenizer settings they are the same.)
 *
 *	Thread safety: a store belongs to the thread of its redisconn.
 *	Memory: key and argument buffers grow to the largest message seen
 *	and are reused.
 */
#ifndef VIGIE_BAYES_STORE_H
#define VIGIE_BAYES_STORE_H

#include <stdbool.h>

#include "bayes.h"
#include "compiler.h"
#include "error.h"
#include "mime.h"
#include "redisconn.h"
#include "tokenize.h"

#define BAYES_SCOPE_MAX 256         /* bytes of a per-user scope */
#define BAYES_STORE_PIPELINE 2      /* fetches that may be pending at once */
#define BAYES_REINFORCE_MAX 10      /* most learnings of one message */

enum bayes_learn_op {
    BAYES_OP_LEARN,                 /* learn once in the class given */
    BAYES_OP_REINFORCE,             /* the same, or once more if learnt in it already */
    BAYES_OP_FORGET,                /* undo the learning recorded, whatever its class */
};

enum bayes_learn_outcome {
    BAYES_LEARNT,                   /* new message, learnt */
    BAYES_RELEARNT,                 /* had been learnt in the other class: moved */
    BAYES_ALREADY,                  /* had been learnt in this class: nothing done */
    BAYES_REINFORCED,               /* reinforce: learnt once more in its class */
    BAYES_FORGOTTEN,                /* forget: the earlier learning was undone */
    BAYES_NOT_LEARNT,               /* forget: the message had not been learnt */
};

struct bayes_store;

/*
 * bayes_store_new - a store using rc (borrowed: it must outlive the
 *	store), keys under prefix (copied), expiry and cache from params
 *	(token_ttl, token_keep, cache_tokens, cache_ttl). Returns NULL
 *	with err set when memory is short.
 */
struct bayes_store *bayes_store_new(struct redisconn *rc, const char *prefix,
                                    const struct bayes_params *params,
                                    struct vigie_error *err) WARN_UNUSED;

/* bayes_store_free - NULL is allowed; does not free the redisconn */
void bayes_store_free(struct bayes_store *store);

/*
 * bayes_store_fetch - counts of the tokens of set, and learnt counts
 *	scope: NULL or "" for the shared statistics. On success *counts
 *	points at set->count entries, in the order of set->items, owned
 *	by the store and valid until its next call. Returns 0, or -1
 *	with err set (Redis error, out of memory, or fetches pending).
 */
int bayes_store_fetch(struct bayes_store *store, const char *scope,
                      const struct token_set *set, const struct bayes_counts **counts,
                      struct bayes_counts *learned, struct vigie_error *err) WARN_UNUSED;

/*
 * bayes_store_fetch_send, bayes_store_fetch_receive - the same in two
 *	halves, so that a batch can tokenize the next message while Redis
 *	answers for this one: at most BAYES_STORE_PIPELINE fetches may be
 *	pending; replies come back in order; set must stay untouched until
 *	its reply is received, and *counts is then valid until that slot
 *	is reused. While fetches are pending the store (and its
 *	redisconn) accepts nothing else. A failed receive drops the
 *	connection and every pending fetch. Both return 0, or -1 with err
 *	set.
 */
int bayes_store_fetch_send(struct bayes_store *store, const char *scope,
                           const struct token_set *set, struct vigie_error *err) WARN_UNUSED;
int bayes_store_fetch_receive(struct bayes_store *store, const struct bayes_counts **counts,
                              struct bayes_counts *learned, struct vigie_error *err) WARN_UNUSED;

/*
 * bayes_store_learn - learn, reinforce or forget one message
 *	spam: the class to learn (ignored by forget). Reinforcing a
 *	message learnt BAYES_REINFORCE_MAX times already gives
 *	BAYES_ALREADY. Returns 0 with *outcome set, or -1 with err set.
 */
int bayes_store_learn(struct bayes_store *store, const char *scope,
                      const struct token_set *set,
                      const unsigned char digest[MIME_DIGEST_LEN], bool spam,
                      enum bayes_learn_op op, enum bayes_learn_outcome *outcome,
                      struct vigie_error *err) WARN_UNUSED;

/* bayes_store_learned - the learnt message counts; 0, or -1 with err set */
int bayes_store_learned(struct bayes_store *store, const char *scope,
                        struct bayes_counts *learned, struct vigie_error *err) WARN_UNUSED;

/* bayes_outcome_name - "learnt", "relearnt", "already learnt", ... */
const char *bayes_outcome_name(enum bayes_learn_outcome outcome);

#endif
