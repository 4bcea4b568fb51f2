/*
 * NAME
 *	config_values - the value parsers of vigie.conf, one per key type
 * DESCRIPTION
 *	See config_internal.h. Each parser checks one value and stores it
 *	in its field of struct vigie_config; every refusal names the file,
 *	the line and the key, and says what was expected.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "alerts.h"
#include "config.h"
#include "redis_sentinel.h"
#include "config_internal.h"
#include "units.h"

#define MSEC_MAX         600000u       /* ten minutes */
#define NAME_MAX_LEN     253
#define SOCKET_PATH_MAX  (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* key_holds_string - the key's field is a char * that config_free releases */
bool config_key_holds_string(enum key_type type)
{
    switch (type) {
    case KEY_STRING:
    case KEY_PATH:
    case KEY_SOCKET:
    case KEY_REDIS:
    case KEY_HOSTNAME:
    case KEY_NAMESERVER:
    case KEY_COMMAND:
    case KEY_SENTINELS:
        return true;
    case KEY_MODE:
    case KEY_MSEC:
    case KEY_ENUM:
    case KEY_DOMAINS:
    case KEY_NETWORKS:
    case KEY_BOOL:
    case KEY_UINT:
    case KEY_DOUBLE:
    case KEY_SIZE:
    case KEY_DURATION:
    case KEY_REPLY:
        return false;
    }
    return false;
}

/* bad_value - the common message for a refused value; returns -1 */
int config_bad_value(const struct value_ctx *ctx, const char *shown, const char *why,
                     struct vigie_error *err)
{
    error_at(err, ctx->file, ctx->line, "bad value for %s: \"%s\": %s",
             ctx->key->name, shown, why);
    return -1;
}

/* out_of_memory - the message for a failed allocation; returns -1 */
int config_out_of_memory(const char *file, struct vigie_error *err)
{
    error_at(err, file, 0, "out of memory");
    return -1;
}

/*
 * name_valid - a host or domain name of len bytes
 *	Dot-separated labels of letters, digits, '-' and '_', a label
 *	neither starting nor ending with '-'; one trailing dot allowed.
 */
static bool name_valid(const char *name, size_t len)
{
    size_t label = 0;           /* bytes of the current label so far */

    if (len > 0 && name[len - 1] == '.')
        len--;
    if (len == 0 || len > NAME_MAX_LEN)
        return false;
    for (size_t i = 0; i < len; i++) {
        char c = name[i];

        if (c == '.' ? label == 0 || name[i - 1] == '-' : c == '-' && label == 0)
            return false;
        if (c == '.')
            label = 0;
        else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
                 || (c >= '0' && c <= '9') || c == '-' || c == '_')
            label++;
        else
            return false;
    }
    return name[len - 1] != '-';
}

/* port_valid - decimal 1..65535 in len bytes */
static bool port_valid(const char *text, size_t len)
{
    unsigned long port = 0;

    if (len == 0 || len > 5)
        return false;
    for (size_t i = 0; i < len; i++) {
        if (text[i] < '0' || text[i] > '9')
            return false;
        port = port * 10 + (unsigned long)(text[i] - '0');
    }
    return port >= 1 && port <= 65535;
}

/* unix_path_valid - an absolute path that fits in a sockaddr_un */
static bool unix_path_valid(const char *path)
{
    return path[0] == '/' && strlen(path) <= SOCKET_PATH_MAX;
}

/* parse_string - any text, copied */
static int parse_string(void *field, char *value, const struct value_ctx *ctx,
                        struct vigie_error *err)
{
    if ((*(char **)field = strdup(value)) == NULL)
        return config_out_of_memory(ctx->file, err);
    return 0;
}

/* parse_path - a file name; a relative one is taken from the config's directory */
static int parse_path(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    const char *slash = strrchr(ctx->file, '/');

    if (value[0] == '\0' || value[0] == '/' || strcmp(value, "-") == 0 || slash == NULL)
        return parse_string(field, value, ctx, err);
    if (asprintf((char **)field, "%.*s/%s", (int)(slash - ctx->file), ctx->file, value) < 0) {
        *(char **)field = NULL;
        return config_out_of_memory(ctx->file, err);
    }
    return 0;
}

/* parse_socket - "unix:/path" or "inet:port@host" */
static int parse_socket(void *field, char *value, const struct value_ctx *ctx,
                        struct vigie_error *err)
{
    const char *at;
    bool valid;

    if (strncmp(value, "unix:", 5) == 0) {
        valid = unix_path_valid(value + 5);
    } else if (strncmp(value, "inet:", 5) == 0 && (at = strchr(value + 5, '@')) != NULL) {
        valid = port_valid(value + 5, (size_t)(at - value - 5))
                && name_valid(at + 1, strlen(at + 1));
    } else {
        valid = false;
    }
    if (!valid)
        return config_bad_value(ctx, value, "expected unix:/absolute/path or inet:port@host", err);
    return parse_string(field, value, ctx, err);
}

/* parse_redis - "host:port", "[ipv6]:port" or "unix:/path" */
static int parse_redis(void *field, char *value, const struct value_ctx *ctx,
                       struct vigie_error *err)
{
    char *colon = strrchr(value, ':');
    struct netaddr addr;
    bool valid;

    if (strncmp(value, "unix:", 5) == 0) {
        valid = unix_path_valid(value + 5);
    } else if (colon == NULL || !port_valid(colon + 1, strlen(colon + 1))) {
        valid = false;
    } else if (value[0] == '[') {
        *colon = '\0';
        valid = colon[-1] == ']' && netaddr_parse(value, &addr) == 0;
        *colon = ':';
    } else {
        valid = name_valid(value, (size_t)(colon - value));
    }
    if (!valid)
        return config_bad_value(ctx, value, "expected host:port, [ipv6]:port or unix:/absolute/path",
                         err);
    return parse_string(field, value, ctx, err);
}

/* parse_mode - octal permissions of unix sockets; others get nothing */
static int parse_mode(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    size_t len = strlen(value);
    unsigned long mode;

    if (len == 0 || len > 4 || strspn(value, "01234567") != len
        || (mode = strtoul(value, NULL, 8)) > 0777)
        return config_bad_value(ctx, value, "expected an octal mode such as 0660", err);
    if (mode & 07)
        return config_bad_value(ctx, value, "others must get no access (at most 0770)", err);
    *(unsigned *)field = (unsigned)mode;
    return 0;
}

/* parse_msec - "500ms", "2s" or "250" (milliseconds), 1ms to 600s */
static int parse_msec(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    size_t digits = strspn(value, "0123456789");
    unsigned long msec;

    if (digits == 0 || digits > 9
        || (strcmp(value + digits, "") != 0 && strcmp(value + digits, "ms") != 0
            && strcmp(value + digits, "s") != 0))
        return config_bad_value(ctx, value, "expected a duration such as 500ms or 2s", err);
    msec = strtoul(value, NULL, 10);
    if (strcmp(value + digits, "s") == 0)
        msec *= 1000;
    if (msec < 1 || msec > MSEC_MAX)
        return config_bad_value(ctx, value, "must be between 1ms and 600s", err);
    *(unsigned *)field = (unsigned)msec;
    return 0;
}

/* parse_enum - one word of the key's choices; the word is kept for config_dump */
static int parse_enum(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    int choice = ctx->key->choice_parse(value);

    if (choice < 0) {
        char why[128];

        snprintf(why, sizeof(why), "expected %s", ctx->key->choices);
        return config_bad_value(ctx, value, why, err);
    }
    memcpy(field, &choice, sizeof(choice));
    for (char *cp = value; *cp != '\0'; cp++)
        if (*cp >= 'A' && *cp <= 'Z')
            *cp = (char)(*cp - 'A' + 'a');
    if ((*ctx->enum_word = strdup(value)) == NULL)
        return config_out_of_memory(ctx->file, err);
    return 0;
}

/* parse_hostname - a host name */
static int parse_hostname(void *field, char *value, const struct value_ctx *ctx,
                          struct vigie_error *err)
{
    if (!name_valid(value, strlen(value)))
        return config_bad_value(ctx, value, "not a host name", err);
    return parse_string(field, value, ctx, err);
}

/* parse_domains - names separated by white space or commas; ".name" for subdomains */
static int parse_domains(void *field, char *value, const struct value_ctx *ctx,
                         struct vigie_error *err)
{
    char *save = NULL;

    for (char *name = strtok_r(value, " \t,", &save); name != NULL;
         name = strtok_r(NULL, " \t,", &save)) {
        const char *bare = name[0] == '.' ? name + 1 : name;

        if (!name_valid(bare, strlen(bare)))
            return config_bad_value(ctx, name, "not a domain name", err);
        if (domainset_add(field, name) < 0)
            return config_out_of_memory(ctx->file, err);
    }
    return 0;
}

/* parse_networks - "addr" or "addr/len" separated by white space or commas */
static int parse_networks(void *field, char *value, const struct value_ctx *ctx,
                          struct vigie_error *err)
{
    struct netnet net;
    char *save = NULL;

    for (char *text = strtok_r(value, " \t,", &save); text != NULL;
         text = strtok_r(NULL, " \t,", &save)) {
        if (netnet_parse(text, &net) < 0)
            return config_bad_value(ctx, text, "not an address or address/length", err);
        if (netlist_add(field, &net) < 0)
            return config_out_of_memory(ctx->file, err);
    }
    return 0;
}

/* parse_bool - yes/no, on/off, true/false, in any case */
static int parse_bool(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    static const char *const yes[] = {"yes", "on", "true"};
    static const char *const no[] = {"no", "off", "false"};

    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (strcasecmp(value, yes[i]) == 0 || strcasecmp(value, no[i]) == 0) {
            *(bool *)field = strcasecmp(value, yes[i]) == 0;
            return 0;
        }
    }
    return config_bad_value(ctx, value, "expected yes or no", err);
}

/* parse_uint - a whole number within the key's range */
static int parse_uint(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    size_t digits = strspn(value, "0123456789");
    unsigned long number;
    char why[64];

    if (digits == 0 || digits > 9 || value[digits] != '\0')
        return config_bad_value(ctx, value, "expected a whole number", err);
    number = strtoul(value, NULL, 10);
    if (number < ctx->key->min || number > ctx->key->max) {
        snprintf(why, sizeof(why), "must be between %u and %u", ctx->key->min, ctx->key->max);
        return config_bad_value(ctx, value, why, err);
    }
    *(unsigned *)field = (unsigned)number;
    return 0;
}

/* parse_nameserver - "" (resolv.conf), or "a.b.c.d" or "a.b.c.d:port" */
static int parse_nameserver(void *field, char *value, const struct value_ctx *ctx,
                            struct vigie_error *err)
{
    char *colon = strchr(value, ':');
    struct in_addr addr;
    bool valid;

    if (colon != NULL)
        *colon = '\0';
    valid = *value == '\0' ? colon == NULL : inet_pton(AF_INET, value, &addr) == 1;
    if (colon != NULL) {
        *colon = ':';
        valid = valid && port_valid(colon + 1, strlen(colon + 1));
    }
    if (!valid)
        return config_bad_value(ctx, value, "expected an IPv4 address, optionally :port", err);
    return parse_string(field, value, ctx, err);
}

/* parse_double - a decimal number ("0.9", "-2", "12.5") within the key's range */
static int parse_double(void *field, char *value, const struct value_ctx *ctx,
                        struct vigie_error *err)
{
    char why[96];
    double number;
    char *end;

    /* strtod alone would also take "nan", "inf", hexadecimal and blanks */
    if (value[strspn(value, "+-.0123456789")] != '\0' || strpbrk(value, "0123456789") == NULL)
        return config_bad_value(ctx, value, "expected a number such as 0.9", err);
    number = strtod(value, &end);
    if (*end != '\0')
        return config_bad_value(ctx, value, "expected a number such as 0.9", err);
    if (number < ctx->key->dmin || number > ctx->key->dmax) {
        snprintf(why, sizeof(why), "must be between %g and %g", ctx->key->dmin, ctx->key->dmax);
        return config_bad_value(ctx, value, why, err);
    }
    *(double *)field = number;
    return 0;
}


/*
 * parse_scaled - digits and an optional unit of table (units.h) into
 *	*number, within the key's min and max. what describes the syntax
 *	for the message.
 */
static int parse_scaled(unsigned long long *number, const char *value,
                        const struct unit_table *table, const char *what,
                        const struct value_ctx *ctx, struct vigie_error *err)
{
    unsigned long long n;
    char why[64];

    if (units_parse(value, table, false, ULLONG_MAX, &n) < 0)
        return config_bad_value(ctx, value, what, err);
    if (n < ctx->key->min || n > ctx->key->max) {
        snprintf(why, sizeof(why), "must be between %u and %u", ctx->key->min, ctx->key->max);
        return config_bad_value(ctx, value, why, err);
    }
    *number = n;
    return 0;
}

/* parse_size - bytes: "65536", "512k", "2M", "1G" (powers of 1024) */
static int parse_size(void *field, char *value, const struct value_ctx *ctx,
                      struct vigie_error *err)
{
    unsigned long long bytes;

    if (parse_scaled(&bytes, value, &units_size, "expected a size such as 65536, 512k or 2M",
                     ctx, err) < 0)
        return -1;
    *(size_t *)field = (size_t)bytes;
    return 0;
}

/* parse_duration - seconds: "300", "300s", "10m", "12h", "180d", "2w" */
static int parse_duration(void *field, char *value, const struct value_ctx *ctx,
                          struct vigie_error *err)
{
    unsigned long long seconds;

    if (parse_scaled(&seconds, value, &units_duration,
                     "expected a duration such as 300s, 10m, 12h or 180d", ctx, err) < 0)
        return -1;
    *(unsigned *)field = (unsigned)seconds;
    return 0;
}

/* parse_command - "" or a program's absolute path and its arguments (alerts.h) */
static int parse_command(void *field, char *value, const struct value_ctx *ctx,
                         struct vigie_error *err)
{
    struct vigie_error sub;

    if (alerts_command_check(value, &sub) < 0) {
        error_at(err, ctx->file, ctx->line, "%s", sub.msg);
        return -1;
    }
    return parse_string(field, value, ctx, err);
}

/* status_valid - an enhanced status code "C.X.Y" of class c (X, Y: 1 to 3 digits) */
static bool status_valid(const char *text, size_t len, char c)
{
    size_t dots = 0;
    size_t run = 0;             /* digits since the last dot */

    if (len < 5 || len >= sizeof(((struct config_reply *)0)->status) || text[0] != c
        || text[1] != '.')
        return false;
    for (size_t i = 2; i < len; i++) {
        if (text[i] == '.' && run > 0 && dots == 0) {
            dots++;
            run = 0;
        } else if (text[i] >= '0' && text[i] <= '9' && run < 3) {
            run++;
        } else {
            return false;
        }
    }
    return dots == 1 && run > 0;
}

/*
 * parse_reply - "CODE X.Y.Z text": a 4XX or 5XX reply code, an
 *	enhanced status code of the same class, and a text that a pair of
 *	double quotes may enclose
 */
static int parse_reply(void *field, char *value, const struct value_ctx *ctx,
                       struct vigie_error *err)
{
    struct config_reply *reply = field;
    char *status = value + strcspn(value, " \t");
    char *text = status + strspn(status, " \t");
    size_t status_len = strcspn(text, " \t");
    size_t len;

    if (status - value != 3 || (value[0] != '4' && value[0] != '5')
        || strspn(value, "0123456789") != 3)
        return config_bad_value(ctx, value, "expected a reply such as 550 5.7.1 Account locked", err);
    if (!status_valid(text, status_len, value[0]))
        return config_bad_value(ctx, value, "expected an enhanced status code of the reply code's"
                         " class, such as 550 5.7.1", err);
    memcpy(reply->code, value, 3);
    reply->code[3] = '\0';
    memcpy(reply->status, text, status_len);
    reply->status[status_len] = '\0';
    text += status_len;
    text += strspn(text, " \t");
    len = strlen(text);
    if (len >= 2 && text[0] == '"' && text[len - 1] == '"') {
        text++;
        len -= 2;
    }
    if (len == 0)
        return config_bad_value(ctx, value, "the reply has no text", err);
    if ((reply->text = strndup(text, len)) == NULL)
        return config_out_of_memory(ctx->file, err);
    return 0;
}

/* parse_sentinels - "" or the addresses of Redis Sentinels (redis_sentinel.h) */
static int parse_sentinels(void *field, char *value, const struct value_ctx *ctx,
                           struct vigie_error *err)
{
    struct sentinel_set *set;
    struct vigie_error sub;

    if (*value != '\0') {
        if ((set = sentinel_set_new(value, "master", 0, 0, &sub)) == NULL) {
            error_at(err, ctx->file, ctx->line, "%s", sub.msg);
            return -1;
        }
        sentinel_set_free(set);
    }
    return parse_string(field, value, ctx, err);
}


value_parser *const config_value_parsers[] = {
    [KEY_STRING] = parse_string,
    [KEY_PATH] = parse_path,
    [KEY_SOCKET] = parse_socket,
    [KEY_REDIS] = parse_redis,
    [KEY_MODE] = parse_mode,
    [KEY_MSEC] = parse_msec,
    [KEY_ENUM] = parse_enum,
    [KEY_HOSTNAME] = parse_hostname,
    [KEY_DOMAINS] = parse_domains,
    [KEY_NETWORKS] = parse_networks,
    [KEY_BOOL] = parse_bool,
    [KEY_UINT] = parse_uint,
    [KEY_NAMESERVER] = parse_nameserver,
    [KEY_DOUBLE] = parse_double,
    [KEY_SIZE] = parse_size,
    [KEY_DURATION] = parse_duration,
    [KEY_COMMAND] = parse_command,
    [KEY_REPLY] = parse_reply,
    [KEY_SENTINELS] = parse_sentinels,
};
