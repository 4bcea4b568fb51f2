/*
 * NAME
 *	bayes_conf - the Bayes settings of vigie.conf, as the engine takes them
 * SYNOPSIS
 *	#include "bayes_conf.h"
 * DESCRIPTION
 *	vigiectl learn, vigiectl classify and vigie-milter must tokenize
 *	and classify alike, or learning would not teach what classifying
 *	reads: bayes_conf_params is the one mapping from the bayes_* keys
 *	of vigie.conf to the classifier's and the tokenizer's parameters.
 *	What vigie.conf does not expose (word lengths, tokens per message,
 *	MIME depth) keeps its built-in default (bayes.h, tokenize.h).
 *
 *	bayes_conf_scope chooses whose statistics classify a message
 *	(bayes_per_user): the recipient's (its address in lower case) or
 *	the recipient domain's (in lower case) when every recipient of
 *	the message shares it; the shared statistics ("") otherwise, and
 *	always with bayes_per_user = off. A message to several people
 *	cannot be classified with one person's statistics, and an
 *	envelope with recipients in several domains is usually a list or
 *	a forward: the shared statistics suit it best. vigiectl learn
 *	--user takes the same scope text.
 */
#ifndef VIGIE_BAYES_CONF_H
#define VIGIE_BAYES_CONF_H

#include <stddef.h>

#include "bayes.h"
#include "config.h"
#include "tokenize.h"

/* bayes_conf_params - the classifier's and the tokenizer's parameters */
void bayes_conf_params(const struct vigie_config *config, struct bayes_params *bayes,
                       struct tokenize_params *tokenize);

/*
 * bayes_conf_scope - the statistics for a message to recipients[0..n)
 *	Writes the scope (NUL-terminated, "" for the shared statistics)
 *	into scope, which holds size bytes; a scope that does not fit
 *	falls back to "". Returns scope.
 */
const char *bayes_conf_scope(const struct vigie_config *config, const char *const *recipients,
                             size_t n, char *scope, size_t size);

#endif
