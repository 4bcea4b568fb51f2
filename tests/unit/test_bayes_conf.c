/*
 * NAME
 *	test_bayes_conf - unit tests for lib/bayes_conf.c
 * DESCRIPTION
 *	The defaults of vigie.conf give the engine's built-in defaults;
 *	every bayes_* key reaches its parameter; the per-user scope of a
 *	message for each bayes_per_user setting and recipient mix.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "bayes_conf.h"

/* parse - config_parse of text, or fail the test */
static struct vigie_config *parse(const char *text)
{
    struct vigie_error err = {{0}};
    struct vigie_config *config = config_parse("t.conf", text, strlen(text), false, &err);

    if (config == NULL)
        fail_msg("%s", err.msg);
    return config;
}

/* test_defaults - vigie.conf's defaults are the built-in ones (bayes.h, tokenize.h) */
static void test_defaults(void **state)
{
    static const struct bayes_params bayes_defaults = BAYES_PARAMS_DEFAULT;
    static const struct tokenize_params tokenize_defaults = TOKENIZE_PARAMS_DEFAULT;
    struct vigie_config *config = parse("");
    struct bayes_params bp;
    struct tokenize_params tp;
    struct vigie_error err = {{0}};

    (void)state;
    bayes_conf_params(config, &bp, &tp);
    assert_true(bp.robs == bayes_defaults.robs);
    assert_true(bp.robx == bayes_defaults.robx);
    assert_true(bp.min_dev == bayes_defaults.min_dev);
    assert_int_equal(bp.max_tokens, bayes_defaults.max_tokens);
    assert_true(bp.spam_cutoff == bayes_defaults.spam_cutoff);
    assert_true(bp.ham_cutoff == bayes_defaults.ham_cutoff);
    assert_int_equal(bp.min_learned, bayes_defaults.min_learned);
    assert_int_equal(bp.token_ttl, bayes_defaults.token_ttl);
    assert_int_equal(bp.token_keep, bayes_defaults.token_keep);
    assert_int_equal(bp.cache_tokens, bayes_defaults.cache_tokens);
    assert_int_equal(bp.cache_ttl, bayes_defaults.cache_ttl);
    assert_int_equal(bp.autolearn, bayes_defaults.autolearn);
    assert_true(bp.autolearn_spam_score == bayes_defaults.autolearn_spam_score);
    assert_true(bp.autolearn_ham_score == bayes_defaults.autolearn_ham_score);
    assert_true(bp.autolearn_agree == bayes_defaults.autolearn_agree);
    assert_int_equal(tp.headers, tokenize_defaults.headers);
    assert_int_equal(tp.word_pairs, tokenize_defaults.word_pairs);
    assert_int_equal(tp.min_len, tokenize_defaults.min_len);
    assert_int_equal(tp.max_len, tokenize_defaults.max_len);
    assert_int_equal(tp.max_tokens, tokenize_defaults.max_tokens);
    assert_int_equal(tp.max_bytes, tokenize_defaults.max_bytes);
    assert_int_equal(tp.max_depth, tokenize_defaults.max_depth);
    assert_int_equal(bayes_params_check(&bp, &err), 0);
    config_free(config);
}

/* test_every_key - each bayes_* key reaches its parameter */
static void test_every_key(void **state)
{
    static const struct tokenize_params tokenize_defaults = TOKENIZE_PARAMS_DEFAULT;
    struct vigie_config *config = parse(
        "bayes_robs = 0.5\n"
        "bayes_robx = 0.4\n"
        "bayes_min_dev = 0.1\n"
        "bayes_max_tokens = 0\n"
        "bayes_spam_cutoff = 0.95\n"
        "bayes_ham_cutoff = 0.05\n"
        "bayes_min_learned = 10\n"
        "bayes_token_ttl = 2d\n"
        "bayes_token_keep = 7\n"
        "bayes_cache_tokens = 1024\n"
        "bayes_cache_ttl = 1m\n"
        "bayes_header_tokens = basic\n"
        "bayes_word_pairs = no\n"
        "bayes_max_bytes = 64k\n"
        "bayes_autolearn = yes\n"
        "bayes_autolearn_spam_score = 9\n"
        "bayes_autolearn_ham_score = -1\n"
        "bayes_autolearn_agree = 0.9\n");
    struct bayes_params bp;
    struct tokenize_params tp;

    (void)state;
    bayes_conf_params(config, &bp, &tp);
    assert_true(bp.robs == 0.5);
    assert_true(bp.robx == 0.4);
    assert_true(bp.min_dev == 0.1);
    assert_int_equal(bp.max_tokens, 0);
    assert_true(bp.spam_cutoff == 0.95);
    assert_true(bp.ham_cutoff == 0.05);
    assert_int_equal(bp.min_learned, 10);
    assert_int_equal(bp.token_ttl, 2 * 86400);
    assert_int_equal(bp.token_keep, 7);
    assert_int_equal(bp.cache_tokens, 1024);
    assert_int_equal(bp.cache_ttl, 60);
    assert_true(bp.autolearn);
    assert_true(bp.autolearn_spam_score == 9.0);
    assert_true(bp.autolearn_ham_score == -1.0);
    assert_true(bp.autolearn_agree == 0.9);
    assert_int_equal(tp.headers, TOKENIZE_HEADERS_BASIC);
    assert_false(tp.word_pairs);
    assert_int_equal(tp.max_bytes, 64 * 1024);
    /* What vigie.conf does not expose keeps its default. */
    assert_int_equal(tp.min_len, tokenize_defaults.min_len);
    assert_int_equal(tp.max_len, tokenize_defaults.max_len);
    assert_int_equal(tp.max_tokens, tokenize_defaults.max_tokens);
    assert_int_equal(tp.max_depth, tokenize_defaults.max_depth);
    config_free(config);

    config = parse("bayes_header_tokens = none\n");
    bayes_conf_params(config, &bp, &tp);
    assert_int_equal(tp.headers, TOKENIZE_HEADERS_NONE);
    config_free(config);
}

/* expect_scope - the scope for recipients under per_user */
static void expect_scope(const char *per_user, const char *const *rcpts, size_t n,
                         size_t size, const char *want)
{
    char text[64];
    char scope[64] = "garbage";
    struct vigie_config *config;

    snprintf(text, sizeof(text), "bayes_per_user = %s\n", per_user);
    config = parse(text);
    assert_ptr_equal(bayes_conf_scope(config, rcpts, n, scope, size), scope);
    assert_string_equal(scope, want);
    config_free(config);
}

/* test_scope - one recipient, several, mixed case, none, too long */
static void test_scope(void **state)
{
    static const char *const one[] = {"Alice@Example.ORG"};
    static const char *const same[] = {"alice@example.org", "ALICE@example.org"};
    static const char *const two[] = {"alice@example.org", "Bob@EXAMPLE.org"};
    static const char *const domains[] = {"alice@example.org", "bob@example.net"};
    static const char *const no_domain[] = {"postmaster"};

    (void)state;
    expect_scope("off", one, 1, 64, "");
    expect_scope("recipient", one, 1, 64, "alice@example.org");
    expect_scope("recipient", same, 2, 64, "alice@example.org");
    expect_scope("recipient", two, 2, 64, "");
    expect_scope("recipient", one, 0, 64, "");
    expect_scope("domain", one, 1, 64, "example.org");
    expect_scope("domain", two, 2, 64, "example.org");
    expect_scope("domain", domains, 2, 64, "");
    expect_scope("domain", no_domain, 1, 64, "");
    expect_scope("recipient", no_domain, 1, 64, "postmaster");
    /* A scope that does not fit: the shared statistics. */
    expect_scope("recipient", one, 1, 17, "");
    expect_scope("recipient", one, 1, 18, "alice@example.org");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_every_key),
        cmocka_unit_test(test_scope),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
