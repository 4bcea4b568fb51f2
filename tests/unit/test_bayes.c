/*
 * NAME
 *	test_bayes - unit tests for lib/bayes.c
 * DESCRIPTION
 *	Robinson's f(w), the chi-square survival function and Fisher's
 *	combining against values computed by hand (written out below),
 *	token selection, verdicts, the autolearn decision, and the
 *	parameter checks.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <cmocka.h>

#include "bayes.h"

#define EPS 1e-9

/* plain - simple parameters for hand computation */
static struct bayes_params plain(void)
{
    struct bayes_params p = BAYES_PARAMS_DEFAULT;

    p.robs = 1.0;
    p.robx = 0.5;
    p.min_dev = 0.0;
    p.max_tokens = 0;
    p.min_learned = 1;
    p.spam_cutoff = 0.9;
    p.ham_cutoff = 0.2;
    return p;
}

/* test_token_prob - f(w) by hand */
static void test_token_prob(void **state)
{
    struct bayes_params p = plain();
    struct bayes_counts learned = {10, 20};

    (void)state;
    /* b = 3/10 = 0.3, g = 2/20 = 0.1, p(w) = 0.75, n = 5: (0.5 + 3.75) / 6 */
    assert_true(fabs(bayes_token_prob(&p, (struct bayes_counts){3, 2}, learned)
                     - 4.25 / 6.0) < EPS);
    /* ham only: p(w) = 0, n = 4: 0.5 / 5 */
    assert_true(fabs(bayes_token_prob(&p, (struct bayes_counts){0, 4}, learned) - 0.1) < EPS);
    /* never seen, or nothing learnt in one class: the prior */
    assert_true(bayes_token_prob(&p, (struct bayes_counts){0, 0}, learned) == 0.5);
    assert_true(bayes_token_prob(&p, (struct bayes_counts){3, 0},
                                 (struct bayes_counts){10, 0}) == 0.5);
    /* counts above the learnt counts (expired messages) are capped at 1 */
    assert_true(fabs(bayes_token_prob(&p, (struct bayes_counts){30, 0}, learned)
                     - (0.5 + 30.0) / 31.0) < EPS);
}

/* test_chi2 - the survival function for 2n degrees of freedom */
static void test_chi2(void **state)
{
    (void)state;
    assert_true(bayes_chi2_q(0.0, 3) == 1.0);
    assert_true(bayes_chi2_q(5.0, 0) == 1.0);
    /* 2 dof: e^-m, m = x2 / 2 */
    assert_true(fabs(bayes_chi2_q(10.0, 1) - exp(-5.0)) < EPS);
    /* 6 dof: e^-m (1 + m + m^2 / 2) */
    assert_true(fabs(bayes_chi2_q(4.0, 3) - exp(-2.0) * (1 + 2 + 2)) < EPS);
    /* past the direct sum (m >= 700) the log-domain sum takes over smoothly */
    assert_true(fabs(bayes_chi2_q(1399.8, 700) - bayes_chi2_q(1400.2, 700)) < 0.01);
    /* mean 2n: about one half (P(Poisson(1000) < 1000) = 0.49579) */
    assert_true(fabs(bayes_chi2_q(2000.0, 1000) - 0.49579) < 0.00001);
    /* far in the tail it is 0, not NaN */
    assert_true(bayes_chi2_q(1e6, 10) == 0.0);
}

/* test_combine - Fisher's method by hand on two tokens */
static void test_combine(void **state)
{
    struct bayes_params p = plain();
    /* learned 10/10; token a: 9 spam 0 ham -> p = 1, f = (0.5 + 9) / 10 = 0.95;
     * token b: 1 spam 3 ham -> p = 0.25, f = (0.5 + 1) / 5 = 0.3 */
    struct bayes_counts tokens[2] = {{9, 0}, {1, 3}};
    struct bayes_counts learned = {10, 10};
    struct bayes_result r;
    double work[2];
    double m_h = -log(0.95 * 0.3);               /* x2 / 2 of H */
    double m_s = -log(0.05 * 0.7);               /* x2 / 2 of S */
    double h = exp(-m_h) * (1 + m_h);
    double s = exp(-m_s) * (1 + m_s);

    (void)state;
    bayes_classify(&p, tokens, 2, learned, work, &r);
    assert_int_equal(r.used, 2);
    assert_true(fabs(r.probability - (1 + h - s) / 2) < EPS);
    assert_int_equal(r.verdict, BAYES_UNSURE);
}

/* test_verdicts - spam, ham, unsure, untrained; min_dev and max_tokens */
static void test_verdicts(void **state)
{
    struct bayes_params p = plain();
    struct bayes_counts spammy[3] = {{90, 0}, {80, 1}, {70, 0}};
    struct bayes_counts hammy[3] = {{0, 90}, {1, 80}, {0, 70}};
    struct bayes_counts mixed[4] = {{90, 0}, {0, 90}, {5, 5}, {0, 0}};
    struct bayes_counts learned = {100, 100};
    struct bayes_result r;
    double work[4];

    (void)state;
    bayes_classify(&p, spammy, 3, learned, work, &r);
    assert_int_equal(r.verdict, BAYES_SPAM);
    assert_true(r.probability > 0.99);
    bayes_classify(&p, hammy, 3, learned, work, &r);
    assert_int_equal(r.verdict, BAYES_HAM);
    assert_true(r.probability < 0.01);
    /* min_dev drops the two neutral tokens; max_tokens 1 keeps one extreme */
    p.min_dev = 0.2;
    bayes_classify(&p, mixed, 4, learned, work, &r);
    assert_int_equal(r.used, 2);
    p.max_tokens = 1;
    bayes_classify(&p, mixed, 4, learned, work, &r);
    assert_int_equal(r.used, 1);
    /* nothing left: 0.5 */
    p.min_dev = 0.499;
    bayes_classify(&p, mixed + 2, 2, learned, work, &r);
    assert_int_equal(r.used, 0);
    assert_true(r.probability == 0.5);
    assert_int_equal(r.verdict, BAYES_UNSURE);
    /* too few learnt messages */
    p.min_learned = 200;
    bayes_classify(&p, spammy, 3, learned, work, &r);
    assert_int_equal(r.verdict, BAYES_UNTRAINED);
    assert_true(r.probability == 0.5);
    assert_string_equal(bayes_verdict_name(BAYES_HAM), "ham");
    assert_string_equal(bayes_verdict_name(BAYES_UNSURE), "unsure");
    assert_string_equal(bayes_verdict_name(BAYES_SPAM), "spam");
    assert_string_equal(bayes_verdict_name(BAYES_UNTRAINED), "untrained");
}

/* test_autolearn - thresholds on the score, and the agreement guard */
static void test_autolearn(void **state)
{
    struct bayes_params p = BAYES_PARAMS_DEFAULT;
    struct bayes_result unsure = {0.5, BAYES_UNSURE, 10};
    struct bayes_result spammy = {0.995, BAYES_SPAM, 10};
    struct bayes_result hammy = {0.001, BAYES_HAM, 10};
    struct bayes_result untrained = {0.5, BAYES_UNTRAINED, 0};

    (void)state;
    assert_int_equal(bayes_autolearn_decide(&p, 20.0, &unsure), BAYES_AUTOLEARN_NONE);
    p.autolearn = true;
    assert_int_equal(bayes_autolearn_decide(&p, 12.0, &unsure), BAYES_AUTOLEARN_SPAM);
    assert_int_equal(bayes_autolearn_decide(&p, 12.0, &hammy), BAYES_AUTOLEARN_SPAM);
    assert_int_equal(bayes_autolearn_decide(&p, 12.0, &spammy), BAYES_AUTOLEARN_NONE);
    assert_int_equal(bayes_autolearn_decide(&p, 11.9, &unsure), BAYES_AUTOLEARN_NONE);
    assert_int_equal(bayes_autolearn_decide(&p, 0.1, &unsure), BAYES_AUTOLEARN_HAM);
    assert_int_equal(bayes_autolearn_decide(&p, -3.0, &spammy), BAYES_AUTOLEARN_HAM);
    assert_int_equal(bayes_autolearn_decide(&p, -3.0, &hammy), BAYES_AUTOLEARN_NONE);
    assert_int_equal(bayes_autolearn_decide(&p, 5.0, &unsure), BAYES_AUTOLEARN_NONE);
    assert_int_equal(bayes_autolearn_decide(&p, 15.0, &untrained), BAYES_AUTOLEARN_SPAM);
    assert_int_equal(bayes_autolearn_decide(&p, -1.0, &untrained), BAYES_AUTOLEARN_HAM);
}

/* test_params_check - the defaults pass; each bad value has its message */
static void test_params_check(void **state)
{
    static const struct {
        double robs, robx, min_dev, spam_cutoff, ham_cutoff;
        const char *msg;
    } bad[] = {
        {0.0, 0.5, 0.1, 0.9, 0.2, "bayes: robs must be greater than 0"},
        {1.0, 1.0, 0.1, 0.9, 0.2, "bayes: robx must be between 0 and 1 (exclusive)"},
        {1.0, 0.5, 0.5, 0.9, 0.2, "bayes: min_dev must be at least 0 and less than 0.5"},
        {1.0, 0.5, 0.1, 0.0, 0.0, "bayes: spam_cutoff must be in (0, 1]"},
        {1.0, 0.5, 0.1, 0.5, 0.6, "bayes: ham_cutoff must be in [0, spam_cutoff]"},
    };
    struct bayes_params p = BAYES_PARAMS_DEFAULT;
    struct vigie_error err;

    (void)state;
    assert_int_equal(bayes_params_check(&p, &err), 0);
    p.autolearn_ham_score = 12.0;
    assert_int_equal(bayes_params_check(&p, &err), -1);
    assert_string_equal(err.msg, "bayes: autolearn_ham_score must be below autolearn_spam_score");
    p.autolearn_ham_score = 0.1;
    p.autolearn_agree = 0.5;
    assert_int_equal(bayes_params_check(&p, &err), -1);
    assert_string_equal(err.msg, "bayes: autolearn_agree must be in (0.5, 1]");
    p.autolearn_agree = 0.99;
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        p.robs = bad[i].robs;
        p.robx = bad[i].robx;
        p.min_dev = bad[i].min_dev;
        p.spam_cutoff = bad[i].spam_cutoff;
        p.ham_cutoff = bad[i].ham_cutoff;
        assert_int_equal(bayes_params_check(&p, &err), -1);
        assert_string_equal(err.msg, bad[i].msg);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_token_prob),
        cmocka_unit_test(test_chi2),
        cmocka_unit_test(test_combine),
        cmocka_unit_test(test_verdicts),
        cmocka_unit_test(test_autolearn),
        cmocka_unit_test(test_params_check),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
