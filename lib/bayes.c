/*
 * NAME
 *	bayes - Robinson/Fisher spam probability of a message from token counts
 * DESCRIPTION
 *	See bayes.h. The chi-square survival function for even degrees of
 *	freedom is the Poisson sum e^-m * sum(m^i / i!, i < n), m = x2/2;
 *	it is summed directly while e^-m is representable and in the log
 *	domain beyond, so that long messages (large m and n) neither
 *	underflow to 0 nor lose their value.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "bayes.h"

#define DIRECT_SUM_LIMIT 700.0      /* e^-700 is still a normal double */

int bayes_params_check(const struct bayes_params *p, struct vigie_error *err)
{
    if (!(p->robs > 0.0)) {
        error_set(err, "bayes: robs must be greater than 0");
        return -1;
    }
    if (!(p->robx > 0.0 && p->robx < 1.0)) {
        error_set(err, "bayes: robx must be between 0 and 1 (exclusive)");
        return -1;
    }
    if (!(p->min_dev >= 0.0 && p->min_dev < 0.5)) {
        error_set(err, "bayes: min_dev must be at least 0 and less than 0.5");
        return -1;
    }
    if (!(p->spam_cutoff > 0.0 && p->spam_cutoff <= 1.0)) {
        error_set(err, "bayes: spam_cutoff must be in (0, 1]");
        return -1;
    }
    if (!(p->ham_cutoff >= 0.0 && p->ham_cutoff <= p->spam_cutoff)) {
        error_set(err, "bayes: ham_cutoff must be in [0, spam_cutoff]");
        return -1;
    }
    if (!(p->autolearn_ham_score < p->autolearn_spam_score)) {
        error_set(err, "bayes: autolearn_ham_score must be below autolearn_spam_score");
        return -1;
    }
    if (!(p->autolearn_agree > 0.5 && p->autolearn_agree <= 1.0)) {
        error_set(err, "bayes: autolearn_agree must be in (0.5, 1]");
        return -1;
    }
    return 0;
}

/* bayes_token_prob - Robinson's f(w) of a token with counts c */
double bayes_token_prob(const struct bayes_params *p, struct bayes_counts c,
                        struct bayes_counts learned)
{
    double b, g, n;

    n = (double)c.spam + (double)c.ham;
    if (n == 0.0 || learned.spam == 0 || learned.ham == 0)
        return p->robx;
    b = fmin((double)c.spam / (double)learned.spam, 1.0);
    g = fmin((double)c.ham / (double)learned.ham, 1.0);
    return (p->robs * p->robx + n * (b / (b + g))) / (p->robs + n);
}

/* bayes_chi2_q - P(X >= x2) for X chi-square with 2 * n degrees of freedom */
double bayes_chi2_q(double x2, size_t n)
{
    double m = x2 / 2.0;
    double term, sum, log_term, log_sum;

    if (n == 0)
        return 1.0;
    if (m < DIRECT_SUM_LIMIT) {
        sum = term = exp(-m);
        for (size_t i = 1; i < n; i++) {
            term *= m / (double)i;
            sum += term;
            if ((double)i > m && term < sum * DBL_EPSILON)
                break;
        }
        return fmin(sum, 1.0);
    }
    log_sum = log_term = -m;
    for (size_t i = 1; i < n; i++) {
        log_term += log(m / (double)i);
        if (log_term > log_sum)
            log_sum = log_term + log1p(exp(log_sum - log_term));
        else
            log_sum += log1p(exp(log_term - log_sum));
        if ((double)i > m && log_term < log_sum + log(DBL_EPSILON))
            break;
    }
    return fmin(exp(log_sum), 1.0);
}

/* by_deviation - qsort order: farthest from 0.5 first, then by value */
static int by_deviation(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    double dx = fabs(x - 0.5), dy = fabs(y - 0.5);

    if (dx != dy)
        return dx > dy ? -1 : 1;
    return (x > y) - (x < y);
}

/* bayes_classify - the probability and verdict of a message */
void bayes_classify(const struct bayes_params *p, const struct bayes_counts *tokens,
                    size_t n, struct bayes_counts learned, double *work,
                    struct bayes_result *result)
{
    double log_f = 0.0, log_not_f = 0.0, h, s;
    size_t k = 0;

    if (learned.spam < p->min_learned || learned.ham < p->min_learned
        || learned.spam == 0 || learned.ham == 0) {
        result->probability = 0.5;
        result->verdict = BAYES_UNTRAINED;
        result->used = 0;
        return;
    }
    for (size_t i = 0; i < n; i++) {
        double f = bayes_token_prob(p, tokens[i], learned);

        if (fabs(f - 0.5) >= p->min_dev)
            work[k++] = f;
    }
    if (p->max_tokens > 0 && k > p->max_tokens) {
        qsort(work, k, sizeof(*work), by_deviation);
        k = p->max_tokens;
    }
    for (size_t i = 0; i < k; i++) {
        log_f += log(work[i]);
        log_not_f += log1p(-work[i]);
    }
    if (k == 0) {
        result->probability = 0.5;
    } else {
        h = bayes_chi2_q(-2.0 * log_f, k);
        s = bayes_chi2_q(-2.0 * log_not_f, k);
        result->probability = (1.0 + h - s) / 2.0;
    }
    result->used = k;
    if (result->probability >= p->spam_cutoff)
        result->verdict = BAYES_SPAM;
    else if (result->probability <= p->ham_cutoff)
        result->verdict = BAYES_HAM;
    else
        result->verdict = BAYES_UNSURE;
}

/* bayes_autolearn_decide - should a message be learnt from its verdict? */
enum bayes_autolearn bayes_autolearn_decide(const struct bayes_params *p, double score,
                                            const struct bayes_result *result)
{
    bool untrained = result->verdict == BAYES_UNTRAINED;

    if (!p->autolearn)
        return BAYES_AUTOLEARN_NONE;
    if (score >= p->autolearn_spam_score
        && (untrained || result->probability < p->autolearn_agree))
        return BAYES_AUTOLEARN_SPAM;
    if (score <= p->autolearn_ham_score
        && (untrained || result->probability > 1.0 - p->autolearn_agree))
        return BAYES_AUTOLEARN_HAM;
    return BAYES_AUTOLEARN_NONE;
}

/* bayes_verdict_name - "ham", "unsure", "spam" or "untrained" */
const char *bayes_verdict_name(enum bayes_verdict verdict)
{
    switch (verdict) {
    case BAYES_HAM:
        return "ham";
    case BAYES_UNSURE:
        return "unsure";
    case BAYES_SPAM:
        return "spam";
    case BAYES_UNTRAINED:
        break;
    }
    return "untrained";
}
