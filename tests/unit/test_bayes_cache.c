/*
 * NAME
 *	test_bayes_cache - unit tests for lib/bayes_cache.c
 * DESCRIPTION
 *	Hits, misses, expiry after ttl (and a clock that went back),
 *	eviction by a colliding token, forgetting, and counts too large
 *	for an entry.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "bayes_cache.h"

/* test_hit_and_expiry - an entry lives ttl seconds */
static void test_hit_and_expiry(void **state)
{
    struct bayes_cache *c = bayes_cache_new(10, 60);
    struct bayes_counts got;

    (void)state;
    assert_non_null(c);
    assert_false(bayes_cache_get(c, 42, 1000, &got));
    bayes_cache_put(c, 42, 1000, (struct bayes_counts){3, 7});
    assert_true(bayes_cache_get(c, 42, 1059, &got));
    assert_int_equal(got.spam, 3);
    assert_int_equal(got.ham, 7);
    assert_false(bayes_cache_get(c, 42, 1060, &got));
    assert_false(bayes_cache_get(c, 42, 999, &got));
    bayes_cache_free(c);
    bayes_cache_free(NULL);
}

/* test_collision_and_forget - 16 entries: 5 and 21 share a slot */
static void test_collision_and_forget(void **state)
{
    struct bayes_cache *c = bayes_cache_new(16, 60);
    struct bayes_counts got;

    (void)state;
    assert_non_null(c);
    bayes_cache_put(c, 5, 0, (struct bayes_counts){1, 1});
    bayes_cache_put(c, 21, 0, (struct bayes_counts){2, 2});
    assert_false(bayes_cache_get(c, 5, 0, &got));
    assert_true(bayes_cache_get(c, 21, 0, &got));
    assert_int_equal(got.spam, 2);
    bayes_cache_forget(c, 5);
    assert_true(bayes_cache_get(c, 21, 0, &got));
    bayes_cache_forget(c, 21);
    assert_false(bayes_cache_get(c, 21, 0, &got));
    bayes_cache_put(c, 6, 0, (struct bayes_counts){5000000000UL, 0});
    assert_true(bayes_cache_get(c, 6, 0, &got));
    assert_int_equal(got.spam, UINT32_MAX);
    bayes_cache_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hit_and_expiry),
        cmocka_unit_test(test_collision_and_forget),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
