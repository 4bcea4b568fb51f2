/*
 * NAME
 *	limits_cmd - what the rate-limit commands of vigiectl share
 * DESCRIPTION
 *	See limits_cmd.h.
 */
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "limits_cmd.h"
#include "ratelimit_conf.h"
#include "redis_conf.h"

/* limits_cmd_open - load config_path and make the connection */
int limits_cmd_open(struct limits_cmd *lc, const char *config_path, unsigned timeout_ms,
                    struct vigie_error *err)
{
    memset(lc, 0, sizeof(*lc));
    if ((lc->config = config_load(config_path ? config_path : VIGIE_DEFAULT_CONFIG, err)) == NULL)
        return -1;
    ratelimit_conf_settings(lc->config, &lc->settings);
    lc->prefix = lc->config->redis_prefix;
    return (lc->rc = redis_conf_connect(lc->config, timeout_ms, err)) != NULL ? 0 : -1;
}

/* limits_cmd_close - free what limits_cmd_open built */
void limits_cmd_close(struct limits_cmd *lc)
{
    redisconn_free(lc->rc);
    config_free(lc->config);
    memset(lc, 0, sizeof(*lc));
}

/* limits_cmd_time - local time as text */
void limits_cmd_time(time_t when, char *buf, size_t size)
{
    struct tm tm;

    localtime_r(&when, &tm);
    strftime(buf, size, "%Y-%m-%d %H:%M:%S", &tm);
}

/* limits_cmd_admin - who runs vigiectl */
const char *limits_cmd_admin(void)
{
    static char uid[24];
    const char *sudo = getenv("SUDO_USER");
    struct passwd *pw;

    if (sudo != NULL && *sudo != '\0')
        return sudo;
    if ((pw = getpwuid(getuid())) != NULL)
        return pw->pw_name;
    snprintf(uid, sizeof(uid), "uid %u", (unsigned)getuid());
    return uid;
}

/* limits_cmd_header - the title line of a table of counters */
void limits_cmd_header(void)
{
    printf("%-20s %-32s %-12s %6s %12s %12s %5s\n", "LIMIT", "KEY", "TIER", "WINDOW", "COUNT",
           "MAX", "USE");
}

/* limits_cmd_fill - how full window w is, in percent */
double limits_cmd_fill(const struct limit_usage *u, size_t w)
{
    if (u->windows[w].max == 0)
        return u->windows[w].count > 0 ? 100 : 0;
    return 100.0 * (double)u->windows[w].count / (double)u->windows[w].max;
}

/* limits_cmd_row - one line of the table: window w of a counter */
void limits_cmd_row(const struct limit_usage *u, size_t w)
{
    char window[16];

    ratelimit_duration_format(u->windows[w].seconds, window, sizeof(window));
    printf("%-20s %-32s %-12s %6s %12llu %12llu %4.0f%%\n", u->limit, u->key, u->tier, window,
           u->windows[w].count, u->windows[w].max, limits_cmd_fill(u, w));
}

/* limits_cmd_count - the number of lines asked by "-n text"; 0, or -1 */
int limits_cmd_count(const char *text, long min, long *count)
{
    char *end;
    long n = strtol(text, &end, 10);

    if (*text == '\0' || *end != '\0' || n < min || n > LIMITS_CMD_COUNT_MAX)
        return -1;
    *count = n;
    return 0;
}
