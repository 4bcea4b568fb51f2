/*
 * NAME
 *	milter_bayes - the Bayes classifier fed from milter callbacks
 * DESCRIPTION
 *	See milter_bayes.h. A worker thread's store is rebuilt when the
 *	thread's Redis connection is replaced, or when a message comes
 *	with other key prefix, expiry or cache settings (after a reload):
 *	a store's cache is only good for the keys it was filled from.
 */
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bayes.h"
#include "bayes_conf.h"
#include "bayes_store.h"
#include "log.h"
#include "milter_bayes.h"
#include "milter_redis.h"
#include "tokenize.h"

enum outcome {
    OUTCOME_OFF,                    /* not classified (yet) */
    OUTCOME_SKIPPED,                /* Redis or memory failed */
    OUTCOME_UNTRAINED,              /* too few learnt messages */
    OUTCOME_CLASSIFIED,             /* result.probability is known */
};

struct milter_bayes {
    struct tokenizer *tokenizer;    /* the connection's, for its snapshot */
    struct tokenize_params params;  /* what it was made with */
    bool feeding;                   /* the current message reaches the tokenizer */
    size_t body_bytes;              /* body bytes given to the tokenizer */
    enum outcome outcome;
    struct bayes_result result;
    const struct token_set *set;    /* the tokenizer's, after end of message */
    unsigned char digest[MIME_DIGEST_LEN];
    char scope[BAYES_SCOPE_MAX + 1];    /* whose statistics; "" shared */
    enum bayes_autolearn learnt;    /* what autolearning did */
};

/* One worker thread's store, and what it was built with. */
struct thread_bayes {
    struct bayes_store *store;
    unsigned long generation;       /* of the Redis connection it uses */
    char *prefix;
    struct bayes_params params;     /* the expiry and cache settings in force */
    double *work;                   /* bayes_classify's scratch */
    size_t work_cap;
};

static pthread_key_t thread_key;
static pthread_once_t thread_once = PTHREAD_ONCE_INIT;
static bool thread_key_ok;

/*
 * Tokenizers of ended connections, kept for the next ones: a new one
 * costs a few hundred KiB of zeroed memory, and an MX sees one message
 * per connection.
 */
#define POOL_MAX 16

static struct pooled {
    struct tokenizer *tokenizer;
    struct tokenize_params params;
} pool[POOL_MAX];
static size_t pool_count;
static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;

/* same_params - were two tokenizers made alike? */
static bool same_params(const struct tokenize_params *a, const struct tokenize_params *b)
{
    return a->headers == b->headers && a->word_pairs == b->word_pairs
           && a->min_len == b->min_len && a->max_len == b->max_len
           && a->max_tokens == b->max_tokens && a->max_bytes == b->max_bytes
           && a->max_depth == b->max_depth;
}

/*
 * pool_take - a pooled tokenizer made with params, or a new one; NULL
 *	with err set when memory is short. Pooled tokenizers made with
 *	other params (before a reload) are freed on the way.
 */
static struct tokenizer *pool_take(const struct tokenize_params *params,
                                   struct vigie_error *err)
{
    struct tokenizer *found = NULL;
    struct tokenizer *stale[POOL_MAX];
    size_t nstale = 0;

    pthread_mutex_lock(&pool_lock);
    while (found == NULL && pool_count > 0) {
        struct pooled *last = &pool[--pool_count];

        if (same_params(&last->params, params))
            found = last->tokenizer;
        else
            stale[nstale++] = last->tokenizer;
    }
    pthread_mutex_unlock(&pool_lock);
    for (size_t i = 0; i < nstale; i++)
        tokenizer_free(stale[i]);
    return found != NULL ? found : tokenizer_new(params, err);
}

/* pool_give - keep a tokenizer for another connection, or free it when the pool is full */
static void pool_give(struct tokenizer *tokenizer, const struct tokenize_params *params)
{
    bool kept = false;

    tokenizer_reset(tokenizer);
    pthread_mutex_lock(&pool_lock);
    if (pool_count < POOL_MAX) {
        pool[pool_count].tokenizer = tokenizer;
        pool[pool_count].params = *params;
        pool_count++;
        kept = true;
    }
    pthread_mutex_unlock(&pool_lock);
    if (!kept)
        tokenizer_free(tokenizer);
}

/* thread_free - pthread key destructor (the store does not own the connection) */
static void thread_free(void *arg)
{
    struct thread_bayes *tb = arg;

    bayes_store_free(tb->store);
    free(tb->prefix);
    free(tb->work);
    free(tb);
}

/* thread_key_create - make the key once, for every thread */
static void thread_key_create(void)
{
    thread_key_ok = pthread_key_create(&thread_key, thread_free) == 0;
}

/* store_current - was tb's store built for this connection, prefix and params? */
static bool store_current(const struct thread_bayes *tb, unsigned long generation,
                          const char *prefix, const struct bayes_params *p)
{
    return tb->store != NULL && tb->generation == generation && strcmp(tb->prefix, prefix) == 0
           && tb->params.token_ttl == p->token_ttl && tb->params.token_keep == p->token_keep
           && tb->params.cache_tokens == p->cache_tokens && tb->params.cache_ttl == p->cache_ttl;
}

/*
 * thread_store - this thread's store for config and p, with room for n
 *	tokens in the scratch space. Returns NULL with err set when memory
 *	is short.
 */
static struct thread_bayes *thread_store(const struct vigie_config *config,
                                         const struct bayes_params *p, size_t n,
                                         struct vigie_error *err)
{
    struct thread_bayes *tb;
    struct redisconn *rc;
    unsigned long generation;

    pthread_once(&thread_once, thread_key_create);
    if (!thread_key_ok) {
        error_set(err, "bayes: cannot create the per-thread store key");
        return NULL;
    }
    if ((tb = pthread_getspecific(thread_key)) == NULL) {
        if ((tb = calloc(1, sizeof(*tb))) == NULL || pthread_setspecific(thread_key, tb) != 0) {
            free(tb);
            error_set(err, "bayes: out of memory");
            return NULL;
        }
    }
    if ((rc = milter_redis_get(config, &generation, err)) == NULL)
        return NULL;
    if (!store_current(tb, generation, config->redis_prefix, p)) {
        bayes_store_free(tb->store);
        free(tb->prefix);
        tb->prefix = NULL;
        if ((tb->store = bayes_store_new(rc, config->redis_prefix, p, err)) == NULL)
            return NULL;
        if ((tb->prefix = strdup(config->redis_prefix)) == NULL) {
            bayes_store_free(tb->store);
            tb->store = NULL;
            error_set(err, "bayes: out of memory");
            return NULL;
        }
        tb->generation = generation;
        tb->params = *p;
    }
    if (n > tb->work_cap) {
        double *work = realloc(tb->work, n * sizeof(*work));

        if (work == NULL) {
            error_set(err, "bayes: out of memory");
            return NULL;
        }
        tb->work = work;
        tb->work_cap = n;
    }
    return tb;
}

/*
 * feed - the message's Bayes context, started on its first call for
 *	this message; NULL when Bayes is off or the context cannot be
 *	made (the message is then marked failed)
 */
static struct milter_bayes *feed(struct milter_conn *conn)
{
    const struct vigie_config *config = conn->snap->config;
    struct milter_bayes *b = conn->msg.bayes;
    struct bayes_params bp;
    struct vigie_error err;

    if (!config->bayes_enable || conn->msg.failed)
        return NULL;
    if (b == NULL) {
        if ((b = calloc(1, sizeof(*b))) == NULL) {
            conn->msg.failed = true;
            return NULL;
        }
        conn->msg.bayes = b;
    }
    if (b->tokenizer == NULL) {
        bayes_conf_params(config, &bp, &b->params);
        if ((b->tokenizer = pool_take(&b->params, &err)) == NULL) {
            msg_warn("%s: %s", milter_queue_id(conn), err.msg);
            conn->msg.failed = true;
            return NULL;
        }
    }
    b->feeding = true;
    return b;
}

/* milter_bayes_header - one header field */
void milter_bayes_header(struct milter_conn *conn, const char *name, const char *value)
{
    struct milter_bayes *b = feed(conn);

    if (b != NULL)
        tokenizer_header(b->tokenizer, name, value);
}

/* milter_bayes_eoh - the end of the header */
void milter_bayes_eoh(struct milter_conn *conn)
{
    struct milter_bayes *b = feed(conn);

    if (b != NULL)
        tokenizer_end_headers(b->tokenizer);
}

/* milter_bayes_body - one body chunk, up to bayes_max_bytes of body */
void milter_bayes_body(struct milter_conn *conn, const unsigned char *chunk, size_t len)
{
    size_t max = conn->snap->config->bayes_max_bytes;
    struct milter_bayes *b = feed(conn);

    if (b == NULL || (max > 0 && b->body_bytes >= max))
        return;
    if (max > 0 && len > max - b->body_bytes)
        len = max - b->body_bytes;
    tokenizer_write(b->tokenizer, (const char *)chunk, len);
    b->body_bytes += len;
}

/*
 * fetch - the counts of b's tokens; 0, or -1 with err set
 *	MGET only reads, so a fetch that failed at once is tried again: a
 *	thread's connection that sat idle through a Redis restart fails on
 *	first use, and the retry connects afresh (or fails fast while
 *	Redis is down). A fetch that failed slowly (a timeout) is not:
 *	Redis is slow, and asking twice would only double the wait.
 */
static int fetch(struct bayes_store *store, const struct vigie_config *config,
                 const struct milter_bayes *b, const struct bayes_counts **counts,
                 struct bayes_counts *learned, struct vigie_error *err)
{
    struct timespec start, end;
    double ms;

    clock_gettime(CLOCK_MONOTONIC, &start);
    if (bayes_store_fetch(store, b->scope, b->set, counts, learned, err) == 0)
        return 0;
    clock_gettime(CLOCK_MONOTONIC, &end);
    ms = (double)(end.tv_sec - start.tv_sec) * 1e3 + (double)(end.tv_nsec - start.tv_nsec) / 1e6;
    if (config->redis_timeout_ms > 0 && ms >= config->redis_timeout_ms / 2.0)
        return -1;
    return bayes_store_fetch(store, b->scope, b->set, counts, learned, err);
}

/* milter_bayes_eom - classify the message, before the rules run */
int milter_bayes_eom(struct milter_conn *conn, struct vigie_error *err)
{
    const struct vigie_config *config = conn->snap->config;
    struct milter_bayes *b = conn->msg.bayes;
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    struct tokenize_params tp;
    struct bayes_params bp;
    struct thread_bayes *tb;

    if (b == NULL || !b->feeding)
        return 0;
    b->set = tokenizer_finish(b->tokenizer, b->digest);
    bayes_conf_params(config, &bp, &tp);
    bayes_conf_scope(config, (const char *const *)conn->msg.recipients, conn->msg.rcpt_count,
                     b->scope, sizeof(b->scope));
    b->outcome = OUTCOME_SKIPPED;
    if ((tb = thread_store(config, &bp, b->set->count, err)) == NULL) {
        msg_warn("%s: %s (Bayes skipped)", milter_queue_id(conn), err->msg);
        return -1;
    }
    if (fetch(tb->store, config, b, &counts, &learned, err) < 0) {
        milter_redis_failed(config, milter_queue_id(conn), err);
        return -1;
    }
    milter_redis_ok(milter_queue_id(conn));
    bayes_classify(&bp, counts, b->set->count, learned, tb->work, &b->result);
    b->outcome = b->result.verdict == BAYES_UNTRAINED ? OUTCOME_UNTRAINED : OUTCOME_CLASSIFIED;
    return 0;
}

/* milter_bayes_probability - the fact "bayes": the probability, or NAN */
double milter_bayes_probability(const struct milter_bayes *b)
{
    return b != NULL && b->outcome == OUTCOME_CLASSIFIED ? b->result.probability : NAN;
}

/* milter_bayes_autolearn - learn the message from its verdict, if asked */
void milter_bayes_autolearn(struct milter_conn *conn, const struct message_facts *facts)
{
    const struct vigie_config *config = conn->snap->config;
    struct milter_bayes *b = conn->msg.bayes;
    struct message_facts without = *facts;
    enum bayes_learn_outcome outcome;
    enum bayes_autolearn decision;
    struct tokenize_params tp;
    struct bayes_params bp;
    struct thread_bayes *tb;
    struct vigie_error err;
    struct verdict verdict;

    if (!config->bayes_autolearn || b == NULL
        || (b->outcome != OUTCOME_CLASSIFIED && b->outcome != OUTCOME_UNTRAINED))
        return;
    /* The score the message gets without Bayes: the classifier must not teach itself. */
    without.bayes = NAN;
    if (rules_evaluate(conn->snap->rules, &without, &verdict) < 0) {
        msg_warn("%s: out of memory while evaluating the rules for autolearning",
                 milter_queue_id(conn));
        return;
    }
    bayes_conf_params(config, &bp, &tp);
    decision = bayes_autolearn_decide(&bp, verdict.score, &b->result);
    verdict_free(&verdict);
    if (decision == BAYES_AUTOLEARN_NONE)
        return;
    if ((tb = thread_store(config, &bp, 0, &err)) == NULL) {
        msg_warn("%s: %s (no autolearning)", milter_queue_id(conn), err.msg);
        return;
    }
    if (bayes_store_learn(tb->store, b->scope, b->set, b->digest,
                          decision == BAYES_AUTOLEARN_SPAM, BAYES_OP_LEARN, &outcome,
                          &err) < 0) {
        milter_redis_failed(config, milter_queue_id(conn), &err);
        return;
    }
    if (outcome == BAYES_LEARNT || outcome == BAYES_RELEARNT)
        b->learnt = decision;
}

/* milter_bayes_log - the outcome for the log line */
const char *milter_bayes_log(const struct milter_bayes *b, char *buf, size_t size)
{
    static const char *const names[] = {
        [OUTCOME_OFF] = "off",
        [OUTCOME_SKIPPED] = "skipped",
        [OUTCOME_UNTRAINED] = "untrained",
    };
    const char *learnt = "";

    if (b != NULL && b->learnt != BAYES_AUTOLEARN_NONE)
        learnt = b->learnt == BAYES_AUTOLEARN_SPAM ? " autolearn=spam" : " autolearn=ham";
    if (b != NULL && b->outcome == OUTCOME_CLASSIFIED)
        snprintf(buf, size, "%.3f%s", b->result.probability, learnt);
    else
        snprintf(buf, size, "%s%s", names[b != NULL ? b->outcome : OUTCOME_OFF], learnt);
    return buf;
}

/* milter_bayes_skipped - "bayes" or NULL; see milter_bayes.h */
const char *milter_bayes_skipped(const struct milter_bayes *b)
{
    return b != NULL && b->outcome == OUTCOME_SKIPPED ? "bayes" : NULL;
}

/* milter_bayes_reset - forget the current message */
void milter_bayes_reset(struct milter_bayes *b)
{
    if (b == NULL)
        return;
    if (b->tokenizer != NULL)
        tokenizer_reset(b->tokenizer);
    b->feeding = false;
    b->body_bytes = 0;
    b->outcome = OUTCOME_OFF;
    b->set = NULL;
    b->scope[0] = '\0';
    b->learnt = BAYES_AUTOLEARN_NONE;
}

/* milter_bayes_free - at the end of the connection */
void milter_bayes_free(struct milter_bayes *b)
{
    if (b == NULL)
        return;
    if (b->tokenizer != NULL)
        pool_give(b->tokenizer, &b->params);
    free(b);
}
