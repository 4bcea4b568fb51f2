/*
 * NAME
 *	test_spamheaders - unit tests for lib/spamheaders.c
 * DESCRIPTION
 *	The X-Spam-* values for spam and ham verdicts, the star cap,
 *	negative zero, folding of long X-Spam-Status values, the Subject
 *	rewrite, and that no CR/LF from rule names, the version or a
 *	subject prefix can reach a header.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "spamheaders.h"

/* make_verdict - a verdict with the given hits (names borrowed) */
static struct verdict make_verdict(double score, double required, bool spam,
                                   struct rule_hit *hits, size_t count)
{
    struct verdict v;

    memset(&v, 0, sizeof(v));
    v.score = score;
    v.required = required;
    v.spam = spam;
    v.action.kind = spam ? ACTION_FLAG : ACTION_ACCEPT;
    v.hits = hits;
    v.hit_count = count;
    return v;
}

/* assert_header_safe - only "\n\t" folds; no other control character */
static void assert_header_safe(const char *value)
{
    for (const char *p = value; *p; p++) {
        if (*p == '\n') {
            assert_int_equal(p[1], '\t');
            p++;
            continue;
        }
        assert_true((unsigned char)*p >= 0x20 && *p != 0x7f);
    }
}

/* test_spam - the SpamAssassin forms for a spam verdict */
static void test_spam(void **state)
{
    struct rule_hit hits[] = {{"RULE_A", 5.0, ""}, {"RULE_B", 2.5, "b"}};
    struct verdict v = make_verdict(7.5, 5.0, true, hits, 2);
    struct spam_headers h;

    (void)state;
    assert_int_equal(spamheaders_format(&v, "vigie-0.1", NULL, &h), 0);
    assert_string_equal(h.flag, "YES");
    assert_string_equal(h.score, "7.5");
    assert_string_equal(h.level, "*******");
    /* With "X-Spam-Status: " the line would pass 78 columns: folded. */
    assert_string_equal(h.status, "Yes, score=7.5 required=5.0 tests=RULE_A,RULE_B"
                                  "\n\tversion=vigie-0.1");
    spamheaders_free(&h);
    assert_null(h.status);
}

/* test_ham - no hits, a negative score, negative zero */
static void test_ham(void **state)
{
    struct rule_hit hit = {"GOOD", -1.04, ""};
    struct verdict v = make_verdict(-1.04, 5.0, false, &hit, 1);
    struct spam_headers h;

    (void)state;
    assert_int_equal(spamheaders_format(&v, "vigie-0.1", NULL, &h), 0);
    assert_string_equal(h.flag, "NO");
    assert_string_equal(h.score, "-1.0");
    assert_string_equal(h.level, "");
    assert_string_equal(h.status, "No, score=-1.0 required=5.0 tests=GOOD version=vigie-0.1");
    spamheaders_free(&h);

    v = make_verdict(-0.04, 5.0, false, NULL, 0);
    assert_int_equal(spamheaders_format(&v, "vigie-0.1", NULL, &h), 0);
    assert_string_equal(h.score, "0.0");
    assert_string_equal(h.status, "No, score=0.0 required=5.0 tests=none version=vigie-0.1");
    spamheaders_free(&h);
}

/* test_no_threshold - without a flagging threshold "required=" is left out */
static void test_no_threshold(void **state)
{
    struct verdict v = make_verdict(2.0, INFINITY, false, NULL, 0);
    struct spam_headers h;

    (void)state;
    assert_int_equal(spamheaders_format(&v, "vigie-0.1", NULL, &h), 0);
    assert_string_equal(h.status, "No, score=2.0 tests=none version=vigie-0.1");
    spamheaders_free(&h);
}

/* test_skipped - a skipped check ends X-Spam-Status, after the version */
static void test_skipped(void **state)
{
    struct verdict v = make_verdict(2.0, 5.0, false, NULL, 0);
    struct spam_headers h;

    (void)state;
    assert_int_equal(spamheaders_format(&v, "v1", "bayes", &h), 0);
    assert_string_equal(h.status, "No, score=2.0 required=5.0 tests=none version=v1 bayes=skipped");
    spamheaders_free(&h);
}

/* test_level - one star per whole point, capped */
static void test_level(void **state)
{
    struct verdict v = make_verdict(0.99, 5.0, false, NULL, 0);
    struct spam_headers h;
    char stars[SPAMHEADERS_MAX_STARS + 1];

    (void)state;
    assert_int_equal(spamheaders_format(&v, "v", NULL, &h), 0);
    assert_string_equal(h.level, "");
    spamheaders_free(&h);
    v.score = 1.0;
    assert_int_equal(spamheaders_format(&v, "v", NULL, &h), 0);
    assert_string_equal(h.level, "*");
    spamheaders_free(&h);
    v.score = 1234.5;
    assert_int_equal(spamheaders_format(&v, "v", NULL, &h), 0);
    memset(stars, '*', SPAMHEADERS_MAX_STARS);
    stars[SPAMHEADERS_MAX_STARS] = '\0';
    assert_string_equal(h.level, stars);
    assert_string_equal(h.score, "1234.5");
    spamheaders_free(&h);
}

/* test_folding - long test lists fold after a comma; lines stay short */
static void test_folding(void **state)
{
    static const char *const names[] = {
        "A_RATHER_LONG_RULE_NAME_ONE", "A_RATHER_LONG_RULE_NAME_TWO",
        "A_RATHER_LONG_RULE_NAME_THREE", "A_RATHER_LONG_RULE_NAME_FOUR",
        "A_RATHER_LONG_RULE_NAME_FIVE", "SHORT",
    };
    struct rule_hit hits[6];
    struct verdict v;
    struct spam_headers h;
    size_t column = strlen("X-Spam-Status: ");
    char unfolded[1024];
    size_t n = 0;
    int folds = 0;

    (void)state;
    for (size_t i = 0; i < 6; i++)
        hits[i] = (struct rule_hit){names[i], 1.0, ""};
    v = make_verdict(6.0, 5.0, true, hits, 6);
    assert_int_equal(spamheaders_format(&v, "vigie-0.1", NULL, &h), 0);
    assert_header_safe(h.status);
    for (const char *p = h.status; *p; p++) {
        if (*p == '\n') {
            assert_true(p[-1] != ' ');     /* no trailing blank before a fold */
            folds++;
            column = 0;
            continue;
        }
        column++;
        assert_true(column <= 78);
        if (*p != '\t')
            unfolded[n++] = *p;
    }
    unfolded[n] = '\0';
    assert_true(folds >= 2);
    /* A fold inside the list loses nothing; one before "version=" eats the space. */
    assert_non_null(strstr(unfolded, "tests=A_RATHER_LONG_RULE_NAME_ONE,A_RATHER_LONG_RULE_NAME_TWO,"
                                     "A_RATHER_LONG_RULE_NAME_THREE,A_RATHER_LONG_RULE_NAME_FOUR,"
                                     "A_RATHER_LONG_RULE_NAME_FIVE,SHORT"));
    assert_null(strstr(h.status, "\n\t,"));
    assert_null(strstr(h.status, "tests=\n"));
    spamheaders_free(&h);
}

/* test_injection - CR/LF in rule names or the version never reach the value */
static void test_injection(void **state)
{
    struct rule_hit hits[] = {
        {"EVIL\r\nX-Injected: 1", 3.0, ""},
        {"\n\tNOT_A_FOLD", 3.0, ""},
        {"OK", 0.0, ""},
    };
    struct verdict v = make_verdict(6.0, 5.0, true, hits, 3);
    struct spam_headers h;

    (void)state;
    assert_int_equal(spamheaders_format(&v, "vigie\r\nBcc: victim@example.org", NULL, &h), 0);
    assert_header_safe(h.status);
    assert_null(strchr(h.status, '\r'));
    assert_null(strstr(h.status, "X-Injected:"));
    assert_null(strstr(h.status, "Bcc:"));
    assert_non_null(strstr(h.status, "EVIL__X-Injected__1"));
    assert_non_null(strstr(h.status, "__NOT_A_FOLD"));
    assert_non_null(strstr(h.status, "version=vigie__Bcc__victim_example.org"));
    spamheaders_free(&h);
}

/* test_subject - prefix added once; missing Subject created */
static void test_subject(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(spamheaders_subject("hello", "[SPAM] ", &out), 0);
    assert_string_equal(out, "[SPAM] hello");
    free(out);
    assert_int_equal(spamheaders_subject(NULL, "[SPAM] ", &out), 0);
    assert_string_equal(out, "[SPAM]");
    free(out);
    /* Already prefixed, in any case and after blanks: left alone. */
    assert_int_equal(spamheaders_subject("[SPAM] hello", "[SPAM] ", &out), 0);
    assert_null(out);
    assert_int_equal(spamheaders_subject("  [spam]hello", "[SPAM] ", &out), 0);
    assert_null(out);
    /* An empty prefix changes nothing. */
    assert_int_equal(spamheaders_subject("hello", "  ", &out), 0);
    assert_null(out);
}

/* test_subject_folds - folds kept in milter form; stray CR/LF removed */
static void test_subject_folds(void **state)
{
    char *out;

    (void)state;
    assert_int_equal(spamheaders_subject("first\r\n\tsecond", "[S] ", &out), 0);
    assert_string_equal(out, "[S] first\n\tsecond");
    free(out);
    assert_int_equal(spamheaders_subject("a\n b", "[S] ", &out), 0);
    assert_string_equal(out, "[S] a\n b");
    free(out);
    assert_int_equal(spamheaders_subject("a\rb\nc\r\nBcc: x", "[S] ", &out), 0);
    assert_string_equal(out, "[S] a b c Bcc: x");
    free(out);
    assert_int_equal(spamheaders_subject("hi", "[S]\r\nBcc: victim ", &out), 0);
    assert_string_equal(out, "[S]  Bcc: victim hi");
    assert_header_safe(out);
    free(out);
}

/* test_clean - control characters become spaces */
static void test_clean(void **state)
{
    char text[] = "a\rb\nc\td\x7f" "e\x01";

    (void)state;
    spamheaders_clean(text);
    assert_string_equal(text, "a b c d e ");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_spam),
        cmocka_unit_test(test_ham),
        cmocka_unit_test(test_no_threshold),
        cmocka_unit_test(test_skipped),
        cmocka_unit_test(test_level),
        cmocka_unit_test(test_folding),
        cmocka_unit_test(test_injection),
        cmocka_unit_test(test_subject),
        cmocka_unit_test(test_subject_folds),
        cmocka_unit_test(test_clean),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
