/*
 * NAME
 *	bayes - Robinson/Fisher spam probability of a message from token counts
 * SYNOPSIS
 *	#include "bayes.h"
 * DESCRIPTION
 *	The classifier of bogofilter and SpamBayes:
 *
 *	For a token seen in b of the nspam learnt spams and g of the nham
 *	learnt hams, Graham's p(w) = (b/nspam) / (b/nspam + g/nham) is
 *	moved towards a prior x by Robinson's formula
 *		f(w) = (s * x + n * p(w)) / (s + n),	n = b + g,
 *	so that a token seen once or twice counts little. Tokens with
 *	|f(w) - 0.5| < min_dev say nothing and are left out; of the rest,
 *	the max_tokens farthest from 0.5 are kept (0: all). Fisher's
 *	method then combines the N kept values:
 *		H = C(-2 ln prod f(w), 2N),  S = C(-2 ln prod (1 - f(w)), 2N),
 *		probability = (1 + H - S) / 2,
 *	with C the chi-square survival function. With no token kept the
 *	probability is 0.5.
 *
 *	A message is spam when its probability is >= spam_cutoff, ham
 *	when it is <= ham_cutoff, unsure in between; and no verdict is
 *	given until both classes have min_learned learnt messages.
 *
 *	Nothing here allocates or talks to Redis: counts come from
 *	bayes_store.h. The functions are pure and thread-safe.
 */
#ifndef VIGIE_BAYES_H
#define VIGIE_BAYES_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"

/* Message counts of a token, or of learnt messages. */
struct bayes_counts {
    unsigned long spam;
    unsigned long ham;
};

struct bayes_params {
    double robs;                    /* s: weight of the prior, > 0 */
    double robx;                    /* x: f(w) of an unseen token, in (0, 1) */
    double min_dev;                 /* ignore tokens nearer 0.5 than this, [0, 0.5) */
    unsigned max_tokens;            /* most extreme tokens combined; 0 = all */
    double spam_cutoff;             /* probability >= this: spam */
    double ham_cutoff;              /* probability <= this: ham (<= spam_cutoff) */
    unsigned min_learned;           /* learnt messages needed in each class */
    unsigned token_ttl;             /* seconds a rarely seen token lives after its
                                     * last learning; 0 = forever */
    unsigned token_keep;            /* tokens in this many learnt messages never expire */
    unsigned cache_tokens;          /* token counts cached per store; 0 = no cache */
    unsigned cache_ttl;             /* seconds a cached count is trusted */
    bool autolearn;                 /* learn from the rules' verdicts */
    double autolearn_spam_score;    /* rules score >= this: learn as spam */
    double autolearn_ham_score;     /* rules score <= this: learn as ham */
    double autolearn_agree;         /* ... unless Bayes already says so this strongly */
};

/* The defaults, tuned by cross-validation on the training corpus only. */
#define BAYES_PARAMS_DEFAULT { \
        .robs = 1.0, \
        .robx = 0.6, \
        .min_dev = 0.45, \
        .max_tokens = 150, \
        .spam_cutoff = 0.8, \
        .ham_cutoff = 0.2, \
        .min_learned = 200, \
        .token_ttl = 180 * 86400, \
        .token_keep = 3, \
        .cache_tokens = 65536, \
        .cache_ttl = 300, \
        .autolearn = false, \
        .autolearn_spam_score = 12.0, \
        .autolearn_ham_score = 0.1, \
        .autolearn_agree = 0.99, \
    }

enum bayes_verdict {
    BAYES_HAM,
    BAYES_UNSURE,
    BAYES_SPAM,
    BAYES_UNTRAINED,                /* too few learnt messages: no verdict */
};

struct bayes_result {
    double probability;             /* 0 ham .. 1 spam; 0.5 when untrained */
    enum bayes_verdict verdict;
    size_t used;                    /* tokens that entered the combination */
};

/* bayes_params_check - 0, or -1 with err naming the parameter out of range */
int bayes_params_check(const struct bayes_params *p, struct vigie_error *err) WARN_UNUSED;

/* bayes_token_prob - Robinson's f(w) of a token with counts c */
double bayes_token_prob(const struct bayes_params *p, struct bayes_counts c,
                        struct bayes_counts learned);

/* bayes_chi2_q - P(X >= x2) for X chi-square with 2 * n degrees of freedom */
double bayes_chi2_q(double x2, size_t n);

/*
 * bayes_classify - the probability and verdict of a message
 *	tokens: the counts of its n tokens; learned: the learnt message
 *	counts; work: room for n doubles, overwritten (the caller's, so
 *	that nothing is allocated per message).
 */
void bayes_classify(const struct bayes_params *p, const struct bayes_counts *tokens,
                    size_t n, struct bayes_counts learned, double *work,
                    struct bayes_result *result);

enum bayes_autolearn {
    BAYES_AUTOLEARN_NONE,
    BAYES_AUTOLEARN_SPAM,
    BAYES_AUTOLEARN_HAM,
};

/*
 * bayes_autolearn_decide - should a message be learnt from its verdict?
 *	score: the message's rules score WITHOUT the points that Bayes
 *	rules gave (the classifier must not teach itself); result: its
 *	Bayes result. Spam when autolearn is on and score >=
 *	autolearn_spam_score, ham when score <= autolearn_ham_score; but
 *	nothing when Bayes already agrees strongly (probability >=
 *	autolearn_agree for spam, <= 1 - autolearn_agree for ham): such a
 *	message teaches little and would only pile up the same evidence.
 *	An untrained classifier always learns.
 */
enum bayes_autolearn bayes_autolearn_decide(const struct bayes_params *p, double score,
                                            const struct bayes_result *result);

/* bayes_verdict_name - "ham", "unsure", "spam" or "untrained" */
const char *bayes_verdict_name(enum bayes_verdict verdict);

#endif
