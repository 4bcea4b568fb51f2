/*
 * NAME
 *	bayes_cmd - what vigiectl learn and vigiectl classify share
 * DESCRIPTION
 *	See bayes_cmd.h.
 */
#include <string.h>

#include "bayes_cmd.h"

/* bayes_cmd_open - load config_path and build everything; 0, or -1 with err set */
int bayes_cmd_open(struct bayes_cmd *b, const char *config_path, struct vigie_error *err)
{
    static const struct bayes_params bayes_defaults = BAYES_PARAMS_DEFAULT;
    static const struct tokenize_params tokenize_defaults = TOKENIZE_PARAMS_DEFAULT;
    struct redisconn_params rp;

    memset(b, 0, sizeof(*b));
    b->params = bayes_defaults;
    if ((b->config = config_load(config_path, err)) == NULL)
        return -1;
    rp.address = b->config->redis_address;
    rp.password = b->config->redis_password;
    rp.connect_timeout_ms = b->config->redis_connect_timeout_ms;
    rp.timeout_ms = b->config->redis_timeout_ms > BAYES_CMD_TIMEOUT_MS
                    ? b->config->redis_timeout_ms : BAYES_CMD_TIMEOUT_MS;
    if (bayes_params_check(&b->params, err) < 0
        || (b->rc = redisconn_new(&rp, err)) == NULL
        || (b->store = bayes_store_new(b->rc, b->config->redis_prefix, &b->params, err)) == NULL)
        return -1;
    for (unsigned i = 0; i < BAYES_STORE_PIPELINE; i++)
        if ((b->tokenizers[i] = tokenizer_new(&tokenize_defaults, err)) == NULL)
            return -1;
    return 0;
}

/* bayes_cmd_close - free what bayes_cmd_open built (also after a failed open) */
void bayes_cmd_close(struct bayes_cmd *b)
{
    for (unsigned i = 0; i < BAYES_STORE_PIPELINE; i++)
        tokenizer_free(b->tokenizers[i]);
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
