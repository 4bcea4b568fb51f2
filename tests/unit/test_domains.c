/*
 * NAME
 *	test_domains - unit tests for lib/domains.c
 * DESCRIPTION
 *	Exact entries, ".sub" entries, case, trailing dots, duplicates,
 *	growth and address_domain().
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "domains.h"

/* test_exact - an entry matches its own domain only */
static void test_exact(void **state)
{
    struct domainset set = {0};

    (void)state;
    assert_false(domainset_contains(&set, "example.org"));
    assert_int_equal(domainset_add(&set, "example.org"), 0);
    assert_true(domainset_contains(&set, "example.org"));
    assert_false(domainset_contains(&set, "mail.example.org"));
    assert_false(domainset_contains(&set, "xexample.org"));
    assert_false(domainset_contains(&set, "example.org.uk"));
    assert_false(domainset_contains(&set, "example.or"));
    assert_false(domainset_contains(&set, ""));
    domainset_free(&set);
}

/* test_subdomains - ".example.org" matches below it, not itself */
static void test_subdomains(void **state)
{
    struct domainset set = {0};

    (void)state;
    assert_int_equal(domainset_add(&set, ".example.org"), 0);
    assert_true(domainset_contains(&set, "mail.example.org"));
    assert_true(domainset_contains(&set, "a.b.example.org"));
    assert_false(domainset_contains(&set, "example.org"));
    assert_false(domainset_contains(&set, "badexample.org"));
    assert_false(domainset_contains(&set, "org"));
    domainset_free(&set);
}

/* test_case_and_dot - stored lower-cased; trailing dots ignored */
static void test_case_and_dot(void **state)
{
    struct domainset set = {0};

    (void)state;
    assert_int_equal(domainset_add(&set, "Example.ORG."), 0);
    assert_string_equal(set.names[0], "example.org");
    assert_true(domainset_contains(&set, "EXAMPLE.org"));
    assert_true(domainset_contains(&set, "example.org."));
    assert_int_equal(domainset_add(&set, ".Sub.Example.NET"), 0);
    assert_string_equal(set.names[1], ".sub.example.net");
    assert_true(domainset_contains(&set, "A.SUB.example.net."));
    assert_false(domainset_contains(&set, "."));
    domainset_free(&set);
}

/* test_duplicates_and_empty - neither grows the set */
static void test_duplicates_and_empty(void **state)
{
    struct domainset set = {0};

    (void)state;
    assert_int_equal(domainset_add(&set, "example.org"), 0);
    assert_int_equal(domainset_add(&set, "EXAMPLE.org."), 0);
    assert_int_equal(domainset_add(&set, ""), 0);
    assert_int_equal(domainset_add(&set, "."), 0);
    assert_int_equal(set.count, 1);
    domainset_free(&set);
}

/* test_growth_and_free - many names; free leaves a reusable empty set */
static void test_growth_and_free(void **state)
{
    struct domainset set = {0};
    char name[32];

    (void)state;
    for (unsigned i = 0; i < 50000; i++) {
        snprintf(name, sizeof(name), i % 2 ? "d%u.example" : ".s%u.example", i);
        assert_int_equal(domainset_add(&set, name), 0);
        assert_int_equal(domainset_add(&set, name), 0);
    }
    assert_int_equal(set.count, 50000);
    assert_true(domainset_contains(&set, "D1.example"));
    assert_true(domainset_contains(&set, "d49999.example"));
    assert_false(domainset_contains(&set, "d50001.example"));
    assert_true(domainset_contains(&set, "a.b.s49998.example"));
    assert_false(domainset_contains(&set, "s49998.example"));
    assert_false(domainset_contains(&set, "a.d2.example"));
    domainset_free(&set);
    assert_int_equal(set.count, 0);
    assert_null(set.names);
    assert_false(domainset_contains(&set, "d0.example"));
    assert_int_equal(domainset_add(&set, "again.example"), 0);
    assert_true(domainset_contains(&set, "again.example"));
    domainset_free(&set);
}

/* test_address_domain - after the last '@', or "" */
static void test_address_domain(void **state)
{
    (void)state;
    assert_string_equal(address_domain("alice@example.org"), "example.org");
    assert_string_equal(address_domain("\"a@b\"@example.org"), "example.org");
    assert_string_equal(address_domain("alice"), "");
    assert_string_equal(address_domain(""), "");
    assert_string_equal(address_domain("alice@"), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exact),
        cmocka_unit_test(test_subdomains),
        cmocka_unit_test(test_case_and_dot),
        cmocka_unit_test(test_duplicates_and_empty),
        cmocka_unit_test(test_growth_and_free),
        cmocka_unit_test(test_address_domain),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
