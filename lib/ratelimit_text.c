/*
 * NAME
 *	ratelimit_text - key values of limits, durations and names
 * SYNOPSIS
 *	#include "ratelimit.h"
 *
 *	int ratelimit_key_value(const struct limit_def *limit,
 *				const struct message_facts *facts,
 *				struct rlkey *key);
 *	int ratelimit_duration_parse(const char *text, unsigned long *seconds);
 *	void ratelimit_duration_format(unsigned long seconds, char *buf,
 *				       size_t size);
 *	const char *limit_count_name(enum limit_count count);
 *	const char *limit_key_part_name(enum limit_key_part part);
 * DESCRIPTION
 *	The text forms that the daemons, the rules parser and vigiectl
 *	share. A key value joins its parts with '|', each part escaped
 *	(ratelimit_keys.h); a client network is written "addr/len".
 */
#include <stdio.h>
#include <string.h>

#include "domains.h"
#include "ratelimit.h"
#include "units.h"

/* is_v4 - an IPv4-mapped address (netaddr.h keeps IPv4 so) */
static bool is_v4(const struct netaddr *addr)
{
    static const unsigned char mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

    return memcmp(addr->bytes, mapped, sizeof(mapped)) == 0;
}

/* client_net - the client's network "addr/len" into buf */
static void client_net(const struct limit_def *limit, const struct netaddr *addr, char *buf,
                       size_t size)
{
    struct netaddr net = *addr;
    bool v4 = is_v4(addr);
    unsigned bits = v4 ? 96 + limit->net4 : limit->net6;
    size_t n;

    for (unsigned i = 0; i < 16; i++) {
        if (bits >= 8 * (i + 1))
            continue;
        net.bytes[i] &= bits <= 8 * i ? 0 : (unsigned char)(0xff << (8 - bits % 8));
    }
    netaddr_format(&net, buf, size);
    n = strlen(buf);
    snprintf(buf + n, size - n, "/%u", v4 ? limit->net4 : limit->net6);
}

/* ratelimit_key_value - the key value of limit for facts, escaped, appended to key */
int ratelimit_key_value(const struct limit_def *limit, const struct message_facts *facts,
                        struct rlkey *key)
{
    char text[80];

    for (size_t i = 0; i < limit->key_count; i++) {
        const char *value = text;
        bool fold = true;

        switch (limit->key[i]) {
        case LIMIT_KEY_SASL_USER:
            value = facts->sasl_user;
            break;
        case LIMIT_KEY_SENDER:
            value = facts->sender;
            break;
        case LIMIT_KEY_SENDER_DOMAIN:
            value = address_domain(facts->sender);
            break;
        case LIMIT_KEY_CLIENT_ADDR:
        case LIMIT_KEY_CLIENT_NET:
            if (!facts->client_ip_known)
                return 1;
            if (limit->key[i] == LIMIT_KEY_CLIENT_ADDR)
                netaddr_format(&facts->client_ip, text, sizeof(text));
            else
                client_net(limit, &facts->client_ip, text, sizeof(text));
            fold = false;
            break;
        }
        if (value == NULL || value[0] == '\0')
            return 1;
        if (i > 0)
            rlkey_add_raw(key, "|");
        rlkey_add_value(key, value, fold);
    }
    return rlkey_done(key);
}

/* ratelimit_duration_parse - "10m" and the like to seconds */
int ratelimit_duration_parse(const char *text, unsigned long *seconds)
{
    unsigned long long n;

    if (units_parse(text, &units_duration, true, RATELIMIT_MAX_WINDOW, &n) < 0 || n == 0)
        return -1;
    *seconds = (unsigned long)n;
    return 0;
}

/* ratelimit_duration_format - seconds in the largest exact unit */
void ratelimit_duration_format(unsigned long seconds, char *buf, size_t size)
{
    units_format(seconds, &units_duration, 0, "s", buf, size);
}

/* limit_count_name - "messages", "recipients", "bytes", "domains" */
const char *limit_count_name(enum limit_count count)
{
    static const char *const names[] = {"messages", "recipients", "bytes", "domains"};

    return names[count];
}

/* limit_key_part_name - the name of a key part in vigie.rules */
const char *limit_key_part_name(enum limit_key_part part)
{
    static const char *const names[] = {"sasl_user", "sender", "sender_domain",
                                        "client_addr", "client_net"};

    return names[part];
}
