/*
 * NAME
 *	bayes_conf - the Bayes settings of vigie.conf, as the engine takes them
 * DESCRIPTION
 *	See bayes_conf.h.
 */
#include <string.h>
#include <strings.h>

#include "bayes_conf.h"
#include "domains.h"

/* bayes_conf_params - the classifier's and the tokenizer's parameters */
void bayes_conf_params(const struct vigie_config *config, struct bayes_params *bayes,
                       struct tokenize_params *tokenize)
{
    static const struct tokenize_params tokenize_defaults = TOKENIZE_PARAMS_DEFAULT;

    bayes->robs = config->bayes_robs;
    bayes->robx = config->bayes_robx;
    bayes->min_dev = config->bayes_min_dev;
    bayes->max_tokens = config->bayes_max_tokens;
    bayes->spam_cutoff = config->bayes_spam_cutoff;
    bayes->ham_cutoff = config->bayes_ham_cutoff;
    bayes->min_learned = config->bayes_min_learned;
    bayes->token_ttl = config->bayes_token_ttl;
    bayes->token_keep = config->bayes_token_keep;
    bayes->cache_tokens = config->bayes_cache_tokens;
    bayes->cache_ttl = config->bayes_cache_ttl;
    bayes->autolearn = config->bayes_autolearn;
    bayes->autolearn_spam_score = config->bayes_autolearn_spam_score;
    bayes->autolearn_ham_score = config->bayes_autolearn_ham_score;
    bayes->autolearn_agree = config->bayes_autolearn_agree;

    *tokenize = tokenize_defaults;
    switch (config->bayes_header_tokens) {
    case BAYES_HEADERS_NONE:
        tokenize->headers = TOKENIZE_HEADERS_NONE;
        break;
    case BAYES_HEADERS_BASIC:
        tokenize->headers = TOKENIZE_HEADERS_BASIC;
        break;
    case BAYES_HEADERS_ALL:
        tokenize->headers = TOKENIZE_HEADERS_ALL;
        break;
    }
    tokenize->word_pairs = config->bayes_word_pairs;
    tokenize->max_bytes = config->bayes_max_bytes;
}

/* scope_of - what one recipient contributes to the scope */
static const char *scope_of(enum bayes_per_user per_user, const char *recipient)
{
    return per_user == BAYES_PER_USER_DOMAIN ? address_domain(recipient) : recipient;
}

/* bayes_conf_scope - the statistics for a message to recipients[0..n) */
const char *bayes_conf_scope(const struct vigie_config *config, const char *const *recipients,
                             size_t n, char *scope, size_t size)
{
    const char *first;
    size_t len;

    scope[0] = '\0';
    if (config->bayes_per_user == BAYES_PER_USER_OFF || n == 0)
        return scope;
    first = scope_of(config->bayes_per_user, recipients[0]);
    for (size_t i = 1; i < n; i++)
        if (strcasecmp(first, scope_of(config->bayes_per_user, recipients[i])) != 0)
            return scope;
    len = strlen(first);
    if (len >= size)
        return scope;
    for (size_t i = 0; i <= len; i++)
        scope[i] = first[i] >= 'A' && first[i] <= 'Z' ? (char)(first[i] - 'A' + 'a') : first[i];
    return scope;
}
