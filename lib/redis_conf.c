/*
 * NAME
 *	redis_conf - the Redis connection that vigie.conf describes
 * DESCRIPTION
 *	See redis_conf.h.
 */
#include <string.h>

#include "redis_conf.h"

/* redis_conf_connect - a connection as config says; no I/O */
struct redisconn *redis_conf_connect(const struct vigie_config *config, unsigned timeout_ms,
                                     struct vigie_error *err)
{
    struct redisconn_params params = {
        .address = config->redis_address,
        .password = config->redis_password,
        .connect_timeout_ms = config->redis_connect_timeout_ms,
        .timeout_ms = timeout_ms != 0 ? timeout_ms : config->redis_timeout_ms,
    };
    struct redisconn *rc = redisconn_new(&params, err);

    if (rc != NULL && *config->redis_sentinels != '\0'
        && redisconn_set_sentinels(rc, config->redis_sentinels, config->redis_sentinel_master,
                                   err) < 0) {
        redisconn_free(rc);
        return NULL;
    }
    return rc;
}

/* redis_conf_same - do a and b give the same connection? */
bool redis_conf_same(const struct vigie_config *a, const struct vigie_config *b)
{
    return strcmp(a->redis_address, b->redis_address) == 0
        && strcmp(a->redis_password, b->redis_password) == 0
        && a->redis_connect_timeout_ms == b->redis_connect_timeout_ms
        && a->redis_timeout_ms == b->redis_timeout_ms
        && strcmp(a->redis_sentinels, b->redis_sentinels) == 0
        && strcmp(a->redis_sentinel_master, b->redis_sentinel_master) == 0;
}
