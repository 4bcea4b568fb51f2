/*
 * NAME
 *	test_bayes_store - unit tests for lib/bayes_store.c, against a real Redis
 * DESCRIPTION
 *	Learns a handful of crafted messages into a private redis-server,
 *	then checks the counts fetched back, the learn / already /
 *	relearn / forget bookkeeping, token expiry, per-user scopes, the
 *	count cache, pipelined fetches, recovery after SCRIPT FLUSH,
 *	every error message, and a full classification of a learnt
 *	message. Skipped when redis-server is
 *	not installed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "bayes_store.h"
#include "redis_server.h"

#define TTL 1000

static const char spam_a[] = "Subject: cheap pills\n\nbuy cheap pills now shared\n";
static const char spam_b[] = "Subject: cheap watches\n\nbuy cheap watches today shared\n";
static const char ham_a[] = "Subject: meeting\n\nthe meeting notes are attached shared\n";

struct fixture {
    struct redis_server server;
    struct redisconn *rc;
    struct bayes_store *store;
    struct tokenizer *tokenizer;
};

static struct fixture fx;
static bool have_server;

static int setup(void **state)
{
    struct tokenize_params tp = TOKENIZE_PARAMS_DEFAULT;
    struct bayes_params bp = BAYES_PARAMS_DEFAULT;
    struct redisconn_params rp = {NULL, NULL, 1000, 2000};
    struct vigie_error err;

    (void)state;
    if (redis_server_group_setup(&fx.server, NULL, &have_server) < 0)
        return -1;
    if (!have_server)
        return 0;
    bp.token_ttl = TTL;
    bp.token_keep = 3;
    bp.cache_tokens = 0;        /* test_cache has its own store with a cache */
    rp.address = fx.server.address;
    fx.rc = redisconn_new(&rp, &err);
    fx.store = fx.rc != NULL ? bayes_store_new(fx.rc, "vt:", &bp, &err) : NULL;
    fx.tokenizer = tokenizer_new(&tp, &err);
    return fx.store != NULL && fx.tokenizer != NULL ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    tokenizer_free(fx.tokenizer);
    bayes_store_free(fx.store);
    redisconn_free(fx.rc);
    if (have_server)
        redis_server_stop(&fx.server);
    return 0;
}

/* flush - an empty database before each test */
static int flush(void **state)
{
    const char *argv[1] = {"FLUSHALL"};
    size_t argvlen[1] = {8};
    struct vigie_error err;
    redisReply *r;

    (void)state;
    if (!have_server)
        return 0;
    r = redisconn_command(fx.rc, 1, argv, argvlen, &err);
    if (r == NULL)
        return -1;
    freeReplyObject(r);
    return 0;
}

/* tokens - the tokens and digest of msg */
static const struct token_set *tokens(const char *msg, unsigned char digest[MIME_DIGEST_LEN])
{
    tokenizer_reset(fx.tokenizer);
    tokenizer_write(fx.tokenizer, msg, strlen(msg));
    return tokenizer_finish(fx.tokenizer, digest);
}

/* index_of - where token text is in set (it must be there) */
static size_t index_of(const struct token_set *set, const char *text)
{
    for (size_t i = 0; i < set->count; i++)
        if (set->items[i].len == strlen(text) && memcmp(set->items[i].text, text, strlen(text)) == 0)
            return i;
    fail_msg("token %s not in the message", text);
    return 0;
}

/* learn - learn msg and return the outcome */
static enum bayes_learn_outcome learn(const char *scope, const char *msg, bool spam,
                                      enum bayes_learn_op op)
{
    unsigned char digest[MIME_DIGEST_LEN];
    const struct token_set *set = tokens(msg, digest);
    enum bayes_learn_outcome outcome;
    struct vigie_error err;

    assert_int_equal(bayes_store_learn(fx.store, scope, set, digest, spam, op, &outcome,
                                       &err), 0);
    return outcome;
}

/* count_of - the counts of token text as fetched for msg (which must hold it) */
static struct bayes_counts count_of(const char *scope, const char *msg, const char *text,
                                    struct bayes_counts *learned)
{
    const struct token_set *set = tokens(msg, NULL);
    const struct bayes_counts *counts;
    struct vigie_error err;

    assert_int_equal(bayes_store_fetch(fx.store, scope, set, &counts, learned, &err), 0);
    return counts[index_of(set, text)];
}

/* command - run a command given as words; the integer reply */
static long long command(int argc, const char **argv)
{
    size_t argvlen[8];
    struct vigie_error err;
    redisReply *r;
    long long value;

    for (int i = 0; i < argc; i++)
        argvlen[i] = strlen(argv[i]);
    r = redisconn_command(fx.rc, argc, argv, argvlen, &err);
    assert_non_null(r);
    value = r->type == REDIS_REPLY_INTEGER ? r->integer : r->type == REDIS_REPLY_ARRAY
            ? (long long)r->elements : -999;
    freeReplyObject(r);
    return value;
}

#define COUNTS(c, s, h) do { assert_int_equal((c).spam, (s)); assert_int_equal((c).ham, (h)); } while (0)

/* test_learn_fetch - counts after learning spam and ham */
static void test_learn_fetch(void **state)
{
    struct bayes_counts learned;

    (void)state;
    if (!have_server)
        skip();
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 0);
    COUNTS(learned, 0, 0);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, spam_b, true, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_LEARN), BAYES_LEARNT);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 1, 0);
    COUNTS(learned, 2, 1);
    COUNTS(count_of(NULL, spam_a, "cheap", &learned), 2, 0);
    COUNTS(count_of(NULL, spam_a, "subject:cheap", &learned), 2, 0);
    COUNTS(count_of(NULL, ham_a, "shared", &learned), 2, 1);
    COUNTS(count_of(NULL, ham_a, "meeting", &learned), 0, 1);
}

/* test_bookkeeping - already learnt, relearnt in the other class, forgotten */
static void test_bookkeeping(void **state)
{
    struct bayes_counts learned;
    const char *keys[] = {"KEYS", "vt:t:*"};

    (void)state;
    if (!have_server)
        skip();
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_ALREADY);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 1, 0);
    COUNTS(learned, 1, 1);
    /* moved from spam to ham: the spam learning is undone */
    assert_int_equal(learn(NULL, spam_a, false, BAYES_OP_LEARN), BAYES_RELEARNT);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 1);
    COUNTS(learned, 0, 2);
    COUNTS(count_of(NULL, spam_a, "shared", &learned), 0, 2);
    /* forgotten: back to the ham message alone; its keys are gone */
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_FORGET), BAYES_FORGOTTEN);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 0);
    COUNTS(learned, 0, 1);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_FORGET), BAYES_NOT_LEARNT);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_FORGET), BAYES_FORGOTTEN);
    assert_int_equal(command(2, keys), 0);
    assert_string_equal(bayes_outcome_name(BAYES_LEARNT), "learnt");
    assert_string_equal(bayes_outcome_name(BAYES_RELEARNT), "relearnt");
    assert_string_equal(bayes_outcome_name(BAYES_ALREADY), "already learnt");
    assert_string_equal(bayes_outcome_name(BAYES_REINFORCED), "reinforced");
    assert_string_equal(bayes_outcome_name(BAYES_FORGOTTEN), "forgotten");
    assert_string_equal(bayes_outcome_name(BAYES_NOT_LEARNT), "not learnt");
}

/*
 * test_reinforce - train on error: each reinforcement counts once more,
 *	up to BAYES_REINFORCE_MAX; moving or forgetting undoes them all
 */
static void test_reinforce(void **state)
{
    struct bayes_counts learned;
    const char *keys[] = {"KEYS", "vt:*"};

    (void)state;
    if (!have_server)
        skip();
    /* a message never learnt is simply learnt */
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_REINFORCE), BAYES_LEARNT);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_REINFORCE), BAYES_REINFORCED);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 2, 0);
    COUNTS(count_of(NULL, spam_a, "shared", &learned), 2, 1);
    COUNTS(learned, 2, 1);
    /* a plain learning of a reinforced message changes nothing */
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_ALREADY);
    for (int i = 2; i < BAYES_REINFORCE_MAX; i++)
        assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_REINFORCE), BAYES_REINFORCED);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_REINFORCE), BAYES_ALREADY);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), BAYES_REINFORCE_MAX, 0);
    COUNTS(learned, BAYES_REINFORCE_MAX, 1);
    /* moved to ham: every spam learning is undone, and it counts once */
    assert_int_equal(learn(NULL, spam_a, false, BAYES_OP_REINFORCE), BAYES_RELEARNT);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 1);
    COUNTS(count_of(NULL, spam_a, "shared", &learned), 0, 2);
    COUNTS(learned, 0, 2);
    assert_int_equal(learn(NULL, spam_a, false, BAYES_OP_REINFORCE), BAYES_REINFORCED);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 2);
    /* forgetting undoes both ham learnings; the other message goes too: nothing left */
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_FORGET), BAYES_FORGOTTEN);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 0);
    COUNTS(count_of(NULL, spam_a, "shared", &learned), 0, 1);
    COUNTS(learned, 0, 1);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_FORGET), BAYES_FORGOTTEN);
    assert_int_equal(command(2, keys), 0);
}

/* test_expiry - rare tokens expire, common ones (token_keep) do not */
static void test_expiry(void **state)
{
    static const char *const msgs[] = {
        "\nalpha common words here\n", "\nbeta common words there\n",
        "\ngamma common words everywhere\n",
    };
    const char *keys[] = {"KEYS", "vt:t:*"};
    const char *counts_ttl[] = {"TTL", "vt:bayes:n"};
    struct vigie_error err;
    const char *argv[2] = {"TTL", NULL};
    size_t argvlen[2] = {3, 0};
    const char *list[] = {"KEYS", "vt:t:*"};
    size_t listlen[] = {4, 6};
    redisReply *all;
    int persistent = 0, expiring = 0;

    (void)state;
    if (!have_server)
        skip();
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(learn(NULL, msgs[i], false, BAYES_OP_LEARN), BAYES_LEARNT);
    /* distinct: alpha beta gamma here there everywhere, common, words, pairs */
    assert_true(command(2, keys) > 8);
    assert_int_equal(command(2, counts_ttl), -1);
    all = redisconn_command(fx.rc, 2, list, listlen, &err);
    assert_non_null(all);
    for (size_t i = 0; i < all->elements; i++) {
        long long ttl;

        argv[1] = all->element[i]->str;
        argvlen[1] = all->element[i]->len;
        redisReply *r = redisconn_command(fx.rc, 2, argv, argvlen, &err);

        assert_non_null(r);
        ttl = r->integer;
        freeReplyObject(r);
        if (ttl == -1)
            persistent++;
        else if (ttl > 0 && ttl <= TTL)
            expiring++;
    }
    freeReplyObject(all);
    /* "common", "words" and the pair "common words" are in all three */
    assert_int_equal(persistent, 3);
    assert_int_equal(expiring + persistent, (int)command(2, keys));
}

/* test_scopes - per-user statistics are separate from the shared ones */
static void test_scopes(void **state)
{
    struct bayes_counts learned;
    char long_scope[BAYES_SCOPE_MAX + 2];
    const struct token_set *set = tokens(spam_a, NULL);
    const struct bayes_counts *counts;
    struct vigie_error err;

    (void)state;
    if (!have_server)
        skip();
    assert_int_equal(learn("alice@example.org", spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    COUNTS(count_of("alice@example.org", spam_a, "pills", &learned), 1, 0);
    COUNTS(learned, 1, 0);
    COUNTS(count_of(NULL, spam_a, "pills", &learned), 0, 0);
    COUNTS(count_of("", spam_a, "pills", &learned), 0, 0);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    memset(long_scope, 'x', sizeof(long_scope) - 1);
    long_scope[sizeof(long_scope) - 1] = '\0';
    assert_int_equal(bayes_store_fetch(fx.store, long_scope, set, &counts, &learned, &err), -1);
    assert_string_equal(err.msg, "bayes: scope longer than 256 bytes");
}

/* test_cache - cached counts until learnt through the same store */
static void test_cache(void **state)
{
    struct bayes_params bp = BAYES_PARAMS_DEFAULT;
    struct vigie_error err;
    struct bayes_store *cached;
    const struct token_set *set;
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    size_t cheap;
    unsigned char digest[MIME_DIGEST_LEN];
    enum bayes_learn_outcome outcome;

    (void)state;
    if (!have_server)
        skip();
    cached = bayes_store_new(fx.rc, "vt:", &bp, &err);
    assert_non_null(cached);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    set = tokens(spam_a, digest);
    cheap = index_of(set, "cheap");
    assert_int_equal(bayes_store_fetch(cached, NULL, set, &counts, &learned, &err), 0);
    COUNTS(counts[cheap], 1, 0);
    /* learnt elsewhere: this store still trusts its cache, but not for learnt counts */
    assert_int_equal(learn(NULL, spam_b, true, BAYES_OP_LEARN), BAYES_LEARNT);
    set = tokens(spam_a, digest);
    assert_int_equal(bayes_store_fetch(cached, NULL, set, &counts, &learned, &err), 0);
    COUNTS(counts[cheap], 1, 0);
    COUNTS(learned, 2, 0);
    /* a scope bypasses the cache */
    assert_int_equal(bayes_store_fetch(cached, "x", set, &counts, &learned, &err), 0);
    COUNTS(counts[cheap], 0, 0);
    /* learnt through this store: its tokens are fetched afresh */
    assert_int_equal(bayes_store_learn(cached, NULL, set, digest, false, BAYES_OP_LEARN, &outcome, &err), 0);
    assert_int_equal(outcome, BAYES_RELEARNT);
    assert_int_equal(bayes_store_fetch(cached, NULL, set, &counts, &learned, &err), 0);
    COUNTS(counts[cheap], 1, 1);
    bayes_store_free(cached);
}

/* test_pipeline - two fetches in flight, replies in order, misuse refused */
static void test_pipeline(void **state)
{
    struct tokenize_params tp = TOKENIZE_PARAMS_DEFAULT;
    struct tokenizer *other = tokenizer_new(&tp, NULL);
    const struct token_set *a, *b;
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    enum bayes_learn_outcome outcome;
    struct vigie_error err;
    unsigned char digest[MIME_DIGEST_LEN] = {0};

    (void)state;
    if (!have_server)
        skip();
    assert_non_null(other);
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    a = tokens(spam_a, NULL);
    tokenizer_reset(other);
    tokenizer_write(other, ham_a, strlen(ham_a));
    b = tokenizer_finish(other, NULL);
    assert_int_equal(bayes_store_fetch_send(fx.store, NULL, a, &err), 0);
    assert_int_equal(bayes_store_fetch_send(fx.store, NULL, b, &err), 0);
    assert_int_equal(bayes_store_fetch_send(fx.store, NULL, a, &err), -1);
    assert_string_equal(err.msg, "bayes: more than 2 fetches pending");
    assert_int_equal(bayes_store_learn(fx.store, NULL, a, digest, true, BAYES_OP_LEARN, &outcome, &err), -1);
    assert_string_equal(err.msg, "bayes: 2 fetches are still pending");
    assert_int_equal(bayes_store_fetch(fx.store, NULL, a, &counts, &learned, &err), -1);
    assert_string_equal(err.msg, "bayes: 2 fetches are still pending");
    assert_int_equal(bayes_store_learned(fx.store, NULL, &learned, &err), -1);
    assert_int_equal(bayes_store_fetch_receive(fx.store, &counts, &learned, &err), 0);
    COUNTS(counts[index_of(a, "pills")], 1, 0);
    assert_int_equal(bayes_store_fetch_receive(fx.store, &counts, &learned, &err), 0);
    COUNTS(counts[index_of(b, "meeting")], 0, 0);
    COUNTS(counts[index_of(b, "header:subject")], 1, 0);
    COUNTS(learned, 1, 0);
    assert_int_equal(bayes_store_fetch_receive(fx.store, &counts, &learned, &err), -1);
    assert_string_equal(err.msg, "bayes: no fetch pending");
    tokenizer_free(other);
}

/* test_script_flush - learning survives a Redis that forgot its scripts */
static void test_script_flush(void **state)
{
    const char *flush_scripts[] = {"SCRIPT", "FLUSH"};
    size_t lens[] = {6, 5};
    struct vigie_error err;
    redisReply *r;

    (void)state;
    if (!have_server)
        skip();
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    r = redisconn_command(fx.rc, 2, flush_scripts, lens, &err);
    assert_non_null(r);
    freeReplyObject(r);
    assert_int_equal(learn(NULL, spam_b, true, BAYES_OP_LEARN), BAYES_LEARNT);
}

/* test_redis_down - every call reports the connection failure */
static void test_redis_down(void **state)
{
    struct bayes_params bp = BAYES_PARAMS_DEFAULT;
    char address[32];
    struct redisconn_params rp = {address, NULL, 200, 200};
    struct vigie_error err;
    struct redisconn *rc;
    struct bayes_store *store;
    const struct token_set *set = tokens(spam_a, NULL);
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    enum bayes_learn_outcome outcome;
    char expected[96];
    unsigned char digest[MIME_DIGEST_LEN] = {0};

    (void)state;
    snprintf(address, sizeof(address), "127.0.0.1:%d", free_port());
    snprintf(expected, sizeof(expected), "redis %s: Connection refused", address);
    rc = redisconn_new(&rp, &err);
    assert_non_null(rc);
    store = bayes_store_new(rc, "vt:", &bp, &err);
    assert_non_null(store);
    assert_int_equal(bayes_store_fetch(store, NULL, set, &counts, &learned, &err), -1);
    assert_string_equal(err.msg, expected);
    snprintf(expected, sizeof(expected),
             "redis %s: unreachable at the last attempt; not retrying yet", address);
    assert_int_equal(bayes_store_learn(store, NULL, set, digest, true, BAYES_OP_LEARN, &outcome, &err), -1);
    assert_string_equal(err.msg, expected);
    assert_int_equal(bayes_store_learned(store, NULL, &learned, &err), -1);
    assert_string_equal(err.msg, expected);
    bayes_store_free(store);
    redisconn_free(rc);
}

/* test_classify - a learnt spam, fetched and combined, is called spam */
static void test_classify(void **state)
{
    struct bayes_params p = BAYES_PARAMS_DEFAULT;
    const struct token_set *set;
    const struct bayes_counts *counts;
    struct bayes_counts learned;
    struct bayes_result result;
    struct vigie_error err;
    double work[64];

    (void)state;
    if (!have_server)
        skip();
    p.min_learned = 1;
    p.min_dev = 0.1;            /* three messages give no token past the defaults */
    p.robx = 0.5;
    assert_int_equal(learn(NULL, spam_a, true, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, spam_b, true, BAYES_OP_LEARN), BAYES_LEARNT);
    assert_int_equal(learn(NULL, ham_a, false, BAYES_OP_LEARN), BAYES_LEARNT);
    set = tokens("Subject: cheap pills\n\nbuy cheap pills\n", NULL);
    assert_true(set->count <= 64);
    assert_int_equal(bayes_store_fetch(fx.store, NULL, set, &counts, &learned, &err), 0);
    bayes_classify(&p, counts, set->count, learned, work, &result);
    assert_true(result.probability > 0.9);
    set = tokens("Subject: meeting\n\nthe meeting notes\n", NULL);
    assert_int_equal(bayes_store_fetch(fx.store, NULL, set, &counts, &learned, &err), 0);
    bayes_classify(&p, counts, set->count, learned, work, &result);
    assert_true(result.probability < 0.1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup(test_learn_fetch, flush),
        cmocka_unit_test_setup(test_bookkeeping, flush),
        cmocka_unit_test_setup(test_reinforce, flush),
        cmocka_unit_test_setup(test_expiry, flush),
        cmocka_unit_test_setup(test_scopes, flush),
        cmocka_unit_test_setup(test_cache, flush),
        cmocka_unit_test_setup(test_pipeline, flush),
        cmocka_unit_test_setup(test_script_flush, flush),
        cmocka_unit_test(test_redis_down),
        cmocka_unit_test_setup(test_classify, flush),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
