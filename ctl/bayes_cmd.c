/*
 * NAME
 *	bayes_cmd - what vigiectl learn and vigiectl classify share
 * DESCRIPTION
 *	See bayes_cmd.h.
 */
#include <stdlib.h>
#include <string.h>

#include "bayes_cmd.h"
#include "bayes_conf.h"
#include "redis_conf.h"

/* bayes_cmd_open - load config_path and build everything; 0, or -1 with err set */
int bayes_cmd_open(struct bayes_cmd *b, const char *config_path, struct vigie_error *err)
{
    struct tokenize_params tp;

    memset(b, 0, sizeof(*b));
    if ((b->config = config_load(config_path, err)) == NULL)
        return -1;
    bayes_conf_params(b->config, &b->params, &tp);
    if (bayes_params_check(&b->params, err) < 0
        || (b->rc = redis_conf_connect(b->config,
                                       b->config->redis_timeout_ms > BAYES_CMD_TIMEOUT_MS
                                       ? b->config->redis_timeout_ms : BAYES_CMD_TIMEOUT_MS,
                                       err)) == NULL
        || (b->store = bayes_store_new(b->rc, b->config->redis_prefix, &b->params, err)) == NULL)
        return -1;
    for (unsigned i = 0; i < BAYES_STORE_PIPELINE; i++)
        if ((b->tokenizers[i] = tokenizer_new(&tp, err)) == NULL)
            return -1;
    return 0;
}

/* bayes_cmd_close - free what bayes_cmd_open built (also after a failed open) */
void bayes_cmd_close(struct bayes_cmd *b)
{
    for (unsigned i = 0; i < BAYES_STORE_PIPELINE; i++)
        tokenizer_free(b->tokenizers[i]);
    free(b->work);
    bayes_store_free(b->store);
    redisconn_free(b->rc);
    config_free(b->config);
    memset(b, 0, sizeof(*b));
}

/* bayes_cmd_tokenize - the tokens (and digest) of one raw message */
const struct token_set *bayes_cmd_tokenize(struct bayes_cmd *b, unsigned which,
                                           const char *data, size_t len,
                                           unsigned char digest[MIME_DIGEST_LEN])
{
    struct tokenizer *t = b->tokenizers[which];

    tokenizer_reset(t);
    tokenizer_write(t, data, len);
    return tokenizer_finish(t, digest);
}

/* bayes_cmd_classify - the Bayes result of n tokens; 0, or -1 with err set */
int bayes_cmd_classify(struct bayes_cmd *b, const struct bayes_counts *counts, size_t n,
                       struct bayes_counts learned, struct bayes_result *result,
                       struct vigie_error *err)
{
    if (n > b->work_cap) {
        double *work = realloc(b->work, n * sizeof(*work));

        if (work == NULL) {
            error_set(err, "out of memory");
            return -1;
        }
        b->work = work;
        b->work_cap = n;
    }
    bayes_classify(&b->params, counts, n, learned, b->work, result);
    return 0;
}
