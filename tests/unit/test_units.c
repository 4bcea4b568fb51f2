/*
 * NAME
 *	test_units - numbers with a unit letter (lib/units.c)
 * DESCRIPTION
 *	Durations and sizes read with and without a unit, the unit
 *	required or not, overflow and the maximum, junk; and written in
 *	the largest exact unit, from a chosen unit on.
 */
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "units.h"

/* test_parse - what reads, and as what */
static void test_parse(void **state)
{
    static const struct {
        const char *text;
        unsigned long long value;
    } good[] = {
        {"0", 0}, {"300", 300}, {"300s", 300}, {"10m", 600}, {"12h", 43200},
        {"180d", 15552000}, {"2w", 1209600},
    };
    unsigned long long v;

    (void)state;
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(units_parse(good[i].text, &units_duration, false, ULLONG_MAX, &v), 0);
        assert_true(v == good[i].value);
    }
    assert_int_equal(units_parse("512k", &units_size, false, ULLONG_MAX, &v), 0);
    assert_true(v == 512 * 1024);
    assert_int_equal(units_parse("2M", &units_size, false, ULLONG_MAX, &v), 0);
    assert_true(v == 2ull << 20);
    assert_int_equal(units_parse("1g", &units_size, false, ULLONG_MAX, &v), 0);
    assert_true(v == 1ull << 30);
}

/* test_parse_refused - junk, a missing unit when required, the maximum, overflow */
static void test_parse_refused(void **state)
{
    static const char *const junk[] = {"", "s", "10x", "10mm", "-1", " 10", "10 ", "1.5h", "m10"};
    unsigned long long v = 42;

    (void)state;
    for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++)
        assert_int_equal(units_parse(junk[i], &units_duration, false, ULLONG_MAX, &v), -1);
    assert_int_equal(units_parse("600", &units_duration, true, ULLONG_MAX, &v), -1);
    assert_int_equal(units_parse("1h", &units_duration, true, 3600, &v), 0);
    assert_int_equal(units_parse("61m", &units_duration, true, 3600, &v), -1);
    assert_int_equal(units_parse("3601", &units_duration, false, 3600, &v), -1);
    assert_int_equal(units_parse("999999999999999999w", &units_duration, false, ULLONG_MAX,
                                 &v), -1);
    assert_int_equal(units_parse("9999999999999999999", &units_duration, false, ULLONG_MAX,
                                 &v), -1);
    assert_true(v == 3600);         /* untouched by the refusals after the last success */
}

/* test_format - the largest exact unit, from skip on; plain otherwise */
static void test_format(void **state)
{
    char buf[32];

    (void)state;
    units_format(600, &units_duration, 0, "s", buf, sizeof(buf));
    assert_string_equal(buf, "10m");
    units_format(1209600, &units_duration, 0, "s", buf, sizeof(buf));
    assert_string_equal(buf, "2w");
    units_format(1209600, &units_duration, 1, "s", buf, sizeof(buf));
    assert_string_equal(buf, "14d");
    units_format(90, &units_duration, 0, "s", buf, sizeof(buf));
    assert_string_equal(buf, "90s");
    units_format(0, &units_duration, 0, "s", buf, sizeof(buf));
    assert_string_equal(buf, "0s");
    units_format(16384, &units_size, 0, "", buf, sizeof(buf));
    assert_string_equal(buf, "16k");
    units_format(1000, &units_size, 0, "", buf, sizeof(buf));
    assert_string_equal(buf, "1000");
    units_format(3ull << 30, &units_size, 0, "", buf, sizeof(buf));
    assert_string_equal(buf, "3G");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse),
        cmocka_unit_test(test_parse_refused),
        cmocka_unit_test(test_format),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
