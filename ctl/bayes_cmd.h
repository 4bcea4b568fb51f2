/*
 * NAME
 *	bayes_cmd - what vigiectl learn and vigiectl classify share
 * SYNOPSIS
 *	#include "bayes_cmd.h"
 * DESCRIPTION
 *	bayes_cmd_open reads vigie.conf and builds the Bayes engine as
 *	the milter runs it: tokenizers, a Redis connection and a store,
 *	with the Bayes and tokenizer parameters of vigie.conf
 *	(bayes_conf.h), so that what is learnt here is what the milter
 *	reads. There is one tokenizer per
 *	fetch the store can have pending (BAYES_STORE_PIPELINE), so that
 *	a batch can tokenize a message while the counts of the previous
 *	one are on their way.
 *
 *	The command timeout is the configured redis_timeout, but at least
 *	BAYES_CMD_TIMEOUT_MS: the milter's timeout is sized for one
 *	message's lookup, while learning a large message runs a script
 *	over thousands of keys.
 */
#ifndef VIGIE_CTL_BAYES_CMD_H
#define VIGIE_CTL_BAYES_CMD_H

#include "bayes.h"
#include "bayes_store.h"
#include "config.h"
#include "redisconn.h"
#include "tokenize.h"

#define BAYES_CMD_TIMEOUT_MS 10000

struct bayes_cmd {
    struct vigie_config *config;
    struct bayes_params params;
    struct redisconn *rc;
    struct bayes_store *store;
    struct tokenizer *tokenizers[BAYES_STORE_PIPELINE];
    double *work;                   /* bayes_classify's scratch */
    size_t work_cap;
};

/* bayes_cmd_open - load config_path and build everything; 0, or -1 with err set */
int bayes_cmd_open(struct bayes_cmd *b, const char *config_path, struct vigie_error *err);

/* bayes_cmd_close - free what bayes_cmd_open built (also after a failed open) */
void bayes_cmd_close(struct bayes_cmd *b);

/*
 * bayes_cmd_tokenize - the tokens (and digest, unless NULL) of one raw
 *	message, by tokenizer number which; valid until that tokenizer is
 *	used again
 */
const struct token_set *bayes_cmd_tokenize(struct bayes_cmd *b, unsigned which,
                                           const char *data, size_t len,
                                           unsigned char digest[MIME_DIGEST_LEN]);

/*
 * bayes_cmd_classify - the Bayes result of the n tokens whose counts
 *	are given, as the milter computes it. Returns 0, or -1 with err
 *	set when memory is short.
 */
int bayes_cmd_classify(struct bayes_cmd *b, const struct bayes_counts *counts, size_t n,
                       struct bayes_counts learned, struct bayes_result *result,
                       struct vigie_error *err);

#endif
