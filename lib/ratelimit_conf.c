/*
 * NAME
 *	ratelimit_conf - the rate-limit and alert settings of vigie.conf
 * DESCRIPTION
 *	See ratelimit_conf.h.
 */
#include "ratelimit_conf.h"

/* ratelimit_conf_settings - the engine's settings from config */
void ratelimit_conf_settings(const struct vigie_config *config,
                             struct ratelimit_settings *settings)
{
    const struct config_reply *reply = &config->lock_reply;

    settings->prefix = config->redis_prefix;
    settings->host = config->authserv_id;
    settings->alerts.command = config->alert_command;
    settings->alerts.timeout_ms = config->alert_timeout_ms;
    settings->alerts.stream_maxlen = config->alert_stream_maxlen;
    settings->lock_reply = (struct action){
        .kind = reply->code[0] == '4' ? ACTION_TEMPFAIL : ACTION_REJECT,
        .reply_code = reply->code,
        .status_code = reply->status,
        .text = reply->text,
    };
}
