/*
 * NAME
 *	config - vigie.conf: the daemon settings
 * SYNOPSIS
 *	#include "config.h"
 * DESCRIPTION
 *	See config.h. Every key is one row of config_keys[]: its name, its
 *	type, its default text and where its value goes in struct
 *	vigie_config. A value, from the file or the default, goes through
 *	the parser of its type; adding a key is one field in config.h and
 *	one row here (and its line in vigie.conf and vigie.conf.5).
 *
 *	Syntax: "key = value" lines; a line whose first non-blank byte is
 *	'#' is a comment; a '#' elsewhere is part of the value, as in
 *	Postfix's main.cf, so that a password may contain one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "postconf.h"

#define CONFIG_FILE_MAX  (1024 * 1024)
#define MSEC_MAX         600000u       /* ten minutes */
#define NAME_MAX_LEN     253
#define SOCKET_PATH_MAX  (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

enum key_type {
    KEY_STRING,                 /* any text */
    KEY_PATH,                   /* a file name, relative to the config file */
    KEY_SOCKET,                 /* "unix:/path" or "inet:port@host" */
    KEY_REDIS,                  /* "host:port", "[ipv6]:port" or "unix:/path" */
    KEY_MODE,                   /* octal permissions, nothing for others */
    KEY_MSEC,                   /* a duration: "500ms", "2s", "250" (ms) */
    KEY_ENUM,                   /* one word, through the key's choice_parse */
    KEY_HOSTNAME,               /* a host name (no default: gethostname) */
    KEY_DOMAINS,                /* domain names (no default: Postfix or none) */
    KEY_NETWORKS,               /* networks (no default: Postfix or none) */
};

#define KEY_NONEMPTY 1u         /* "" is refused */
#define KEY_SECRET   2u         /* never shown: config_dump masks it */

struct config_key {
    const char *name;
    enum key_type type;
    const char *def;            /* default text; NULL: see the type */
    size_t offset;              /* of the field in struct vigie_config */
    unsigned flags;
    int (*choice_parse)(const char *word);      /* KEY_ENUM: value or -1 */
    const char *choices;        /* KEY_ENUM: for messages */
};

static int fail_policy_parse(const char *word);

#define FIELD(name) offsetof(struct vigie_config, name)

static const struct config_key config_keys[] = {
    {.name = "milter_socket", .type = KEY_SOCKET, .def = "unix:/var/spool/postfix/vigie/milter.sock",
     .offset = FIELD(milter_socket)},
    {.name = "policy_socket", .type = KEY_SOCKET, .def = "unix:/var/spool/postfix/vigie/policy.sock",
     .offset = FIELD(policy_socket)},
    {.name = "socket_mode", .type = KEY_MODE, .def = "0660", .offset = FIELD(socket_mode)},
    {.name = "user", .type = KEY_STRING, .def = "vigie", .offset = FIELD(user)},
    {.name = "group", .type = KEY_STRING, .def = "", .offset = FIELD(group)},
    {.name = "pid_file", .type = KEY_PATH, .def = "", .offset = FIELD(pid_file)},
    {.name = "rules_file", .type = KEY_PATH, .def = "/etc/vigie/vigie.rules",
     .offset = FIELD(rules_file), .flags = KEY_NONEMPTY},
    {.name = "sender_login_maps", .type = KEY_PATH, .def = "",
     .offset = FIELD(sender_login_maps)},
    {.name = "log_level", .type = KEY_ENUM, .def = "info", .offset = FIELD(log_level),
     .choice_parse = log_level_parse, .choices = "error, warn, info or debug"},
    {.name = "syslog_facility", .type = KEY_ENUM, .def = "mail",
     .offset = FIELD(syslog_facility), .choice_parse = log_facility_parse,
     .choices = "mail, daemon, user or local0 to local7"},
    {.name = "log_file", .type = KEY_PATH, .def = "", .offset = FIELD(log_file)},
    {.name = "redis_address", .type = KEY_REDIS, .def = "127.0.0.1:6379",
     .offset = FIELD(redis_address)},
    {.name = "redis_password", .type = KEY_STRING, .def = "",
     .offset = FIELD(redis_password), .flags = KEY_SECRET},
    {.name = "redis_connect_timeout", .type = KEY_MSEC, .def = "500ms",
     .offset = FIELD(redis_connect_timeout_ms)},
    {.name = "redis_timeout", .type = KEY_MSEC, .def = "250ms",
     .offset = FIELD(redis_timeout_ms)},
    {.name = "redis_prefix", .type = KEY_STRING, .def = "vigie:", .offset = FIELD(redis_prefix)},
    {.name = "fail_policy", .type = KEY_ENUM, .def = "accept", .offset = FIELD(fail_policy),
     .choice_parse = fail_policy_parse, .choices = "accept or tempfail"},
    {.name = "local_domains", .type = KEY_DOMAINS, .offset = FIELD(local_domains)},
    {.name = "trusted_networks", .type = KEY_NETWORKS, .offset = FIELD(trusted_networks)},
    {.name = "authserv_id", .type = KEY_HOSTNAME, .offset = FIELD(authserv_id)},
};

#define KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* The enum fields are set through an int. */
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum log_level is not an int");
_Static_assert(sizeof(enum fail_policy) == sizeof(int), "enum fail_policy is not an int");

/* The public configuration and what only this module needs. */
struct config_private {
    struct vigie_config pub;    /* first: a vigie_config pointer is this */
    char *enum_word[KEY_COUNT]; /* KEY_ENUM: the word given, for config_dump */
};

/* Where a value comes from, for messages and relative paths. */
struct value_ctx {
    const char *file;
    unsigned line;              /* 0 for a default */
    const struct config_key *key;
    char **enum_word;           /* this key's slot in enum_word[] */
};

/* fail_policy_parse - "accept" or "tempfail"; -1 otherwise */
static int fail_policy_parse(const char *word)
{
    if (strcasecmp(word, "accept") == 0)
        return FAIL_ACCEPT;
    if (strcasecmp(word, "tempfail") == 0)
        return FAIL_TEMPFAIL;
    return -1;
}

/* bad_value - the common message for a refused value; returns -1 */
static int bad_value(const struct value_ctx *ctx, const char *shown, const char *why,
                     struct vigie_error *err)
{
    error_at(err, ctx->file, ctx->line, "bad value for %s: \"%s\": %s",
             ctx->key->name, shown, why);
    return -1;
}

/* out_of_memory - the message for a failed allocation; returns -1 */
static int out_of_memory(const char *file, struct vigie_error *err)
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
        return out_of_memory(ctx->file, err);
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
        return out_of_memory(ctx->file, err);
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
        return bad_value(ctx, value, "expected unix:/absolute/path or inet:port@host", err);
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
        return bad_value(ctx, value, "expected host:port, [ipv6]:port or unix:/absolute/path",
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
        return bad_value(ctx, value, "expected an octal mode such as 0660", err);
    if (mode & 07)
        return bad_value(ctx, value, "others must get no access (at most 0770)", err);
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
        return bad_value(ctx, value, "expected a duration such as 500ms or 2s", err);
    msec = strtoul(value, NULL, 10);
    if (strcmp(value + digits, "s") == 0)
        msec *= 1000;
    if (msec < 1 || msec > MSEC_MAX)
        return bad_value(ctx, value, "must be between 1ms and 600s", err);
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
        return bad_value(ctx, value, why, err);
    }
    memcpy(field, &choice, sizeof(choice));
    for (char *cp = value; *cp != '\0'; cp++)
        if (*cp >= 'A' && *cp <= 'Z')
            *cp = (char)(*cp - 'A' + 'a');
    if ((*ctx->enum_word = strdup(value)) == NULL)
        return out_of_memory(ctx->file, err);
    return 0;
}

/* parse_hostname - a host name */
static int parse_hostname(void *field, char *value, const struct value_ctx *ctx,
                          struct vigie_error *err)
{
    if (!name_valid(value, strlen(value)))
        return bad_value(ctx, value, "not a host name", err);
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
            return bad_value(ctx, name, "not a domain name", err);
        if (domainset_add(field, name) < 0)
            return out_of_memory(ctx->file, err);
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
            return bad_value(ctx, text, "not an address or address/length", err);
        if (netlist_add(field, &net) < 0)
            return out_of_memory(ctx->file, err);
    }
    return 0;
}

typedef int value_parser(void *field, char *value, const struct value_ctx *ctx,
                         struct vigie_error *err);

static value_parser *const parsers[] = {
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
};

/* config_set - parse value (modified in place) into the field of key */
static int config_set(struct config_private *priv, size_t index, char *value,
                      const char *file, unsigned line, struct vigie_error *err)
{
    const struct config_key *key = &config_keys[index];
    const struct value_ctx ctx = {file, line, key, &priv->enum_word[index]};

    if ((key->flags & KEY_NONEMPTY) && value[0] == '\0')
        return bad_value(&ctx, value, "must not be empty", err);
    return parsers[key->type]((char *)&priv->pub + key->offset, value, &ctx, err);
}

/* key_find - index of a key in config_keys, or -1 */
static int key_find(const char *name)
{
    for (size_t i = 0; i < KEY_COUNT; i++)
        if (strcmp(config_keys[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* trim - drop leading and trailing blanks, in place */
static char *trim(char *text)
{
    size_t len;

    text += strspn(text, " \t");
    len = strlen(text);
    while (len > 0 && (text[len - 1] == ' ' || text[len - 1] == '\t'))
        text[--len] = '\0';
    return text;
}

/* line_has_control - a control byte other than TAB (NUL included) */
static bool line_has_control(const char *line, size_t len)
{
    for (size_t i = 0; i < len; i++)
        if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
            return true;
    return false;
}

/*
 * config_line - one line (NUL-terminated, modifiable)
 *	seen[] records the keys given so far. Returns 0 or -1 with err set.
 */
static int config_line(struct config_private *priv, char *text, const char *file,
                       unsigned line, bool *seen, struct vigie_error *err)
{
    char *key = trim(text);
    char *key_end;
    char *eq;
    int index;

    if (*key == '\0' || *key == '#')
        return 0;
    key_end = key + strcspn(key, " \t=");
    eq = trim(key_end);
    if (*eq != '=' || key_end == key) {
        error_at(err, file, line, "expected \"key = value\"");
        return -1;
    }
    *key_end = '\0';
    if ((index = key_find(key)) < 0) {
        error_at(err, file, line, "unknown key \"%s\"", key);
        return -1;
    }
    if (seen[index]) {
        error_at(err, file, line, "key \"%s\" given twice", key);
        return -1;
    }
    seen[index] = true;
    return config_set(priv, (size_t)index, trim(eq + 1), file, line, err);
}

/* config_defaults - give every key not in the file its default */
static int config_defaults(struct config_private *priv, const char *file,
                           const bool *seen, struct vigie_error *err)
{
    char host[256];
    char *copy;
    int status;

    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];

        if (seen[i] || key->type == KEY_DOMAINS || key->type == KEY_NETWORKS)
            continue;
        if (key->type == KEY_HOSTNAME) {
            if (gethostname(host, sizeof(host)) < 0) {
                error_at(err, file, 0, "cannot get the host name for %s: %s",
                         key->name, strerror(errno));
                return -1;
            }
            host[sizeof(host) - 1] = '\0';
        }
        if ((copy = strdup(key->type == KEY_HOSTNAME ? host : key->def)) == NULL)
            return out_of_memory(file, err);
        status = config_set(priv, i, copy, file, 0, err);
        free(copy);
        if (status < 0)
            return -1;
    }
    return 0;
}

/* config_from_postfix - fill the domain and network lists the file left unset */
static int config_from_postfix(struct vigie_config *config, const bool *seen,
                               struct vigie_error *err)
{
    bool want_domains = !seen[key_find("local_domains")];
    bool want_networks = !seen[key_find("trusted_networks")];
    struct vigie_error sub;
    int status;

    if (!want_domains && !want_networks)
        return 0;
    status = postconf_import(want_domains ? &config->local_domains : NULL,
                             want_networks ? &config->trusted_networks : NULL, &sub);
    if (status < 0) {
        error_at(err, config->path, 0, "%s", sub.msg);
        return -1;
    }
    config->local_domains_from_postfix = want_domains && status > 0;
    config->trusted_networks_from_postfix = want_networks && status > 0;
    return 0;
}

/* config_parse - parse text; see config.h */
struct vigie_config *config_parse(const char *name, const char *text, size_t len,
                                  bool use_postconf, struct vigie_error *err)
{
    struct config_private *priv = calloc(1, sizeof(*priv));
    bool seen[KEY_COUNT] = {false};
    const char *end = text + len;
    const char *eol;
    unsigned line = 0;
    char *copy;
    int status = 0;

    if (priv == NULL) {
        out_of_memory(name, err);
        return NULL;
    }
    if ((priv->pub.path = strdup(name)) == NULL) {
        out_of_memory(name, err);
        config_free(&priv->pub);
        return NULL;
    }
    for (const char *cp = text; status == 0 && cp < end; cp = eol + 1) {
        size_t line_len;

        eol = memchr(cp, '\n', (size_t)(end - cp));
        if (eol == NULL)
            eol = end;
        line_len = (size_t)(eol - cp);
        if (line_len > 0 && cp[line_len - 1] == '\r')
            line_len--;
        line++;
        if (line_has_control(cp, line_len)) {
            error_at(err, name, line, "unexpected control character");
            status = -1;
        } else if ((copy = strndup(cp, line_len)) == NULL) {
            status = out_of_memory(name, err);
        } else {
            status = config_line(priv, copy, name, line, seen, err);
            free(copy);
        }
    }
    if (status == 0)
        status = config_defaults(priv, name, seen, err);
    if (status == 0 && use_postconf)
        status = config_from_postfix(&priv->pub, seen, err);
    if (status < 0) {
        config_free(&priv->pub);
        return NULL;
    }
    return &priv->pub;
}

/* config_load - read path and parse it; see config.h */
struct vigie_config *config_load(const char *path, struct vigie_error *err)
{
    struct vigie_config *config = NULL;
    char *buf;
    size_t len;
    FILE *fp;

    if ((fp = fopen(path, "re")) == NULL) {
        error_at(err, path, 0, "cannot open: %s", strerror(errno));
        return NULL;
    }
    if ((buf = malloc(CONFIG_FILE_MAX + 1)) == NULL) {
        out_of_memory(path, err);
    } else if ((len = fread(buf, 1, CONFIG_FILE_MAX + 1, fp)) > CONFIG_FILE_MAX) {
        error_at(err, path, 0, "larger than %d bytes", CONFIG_FILE_MAX);
    } else if (ferror(fp)) {
        error_at(err, path, 0, "cannot read: %s", strerror(errno));
    } else {
        config = config_parse(path, buf, len, true, err);
    }
    free(buf);
    fclose(fp);
    return config;
}

/* config_free - release everything; NULL is allowed */
void config_free(struct vigie_config *config)
{
    struct config_private *priv = (struct config_private *)config;

    if (config == NULL)
        return;
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];
        void *field = (char *)config + key->offset;

        if (key->type == KEY_DOMAINS)
            domainset_free(field);
        else if (key->type == KEY_NETWORKS)
            netlist_free(field);
        else if (key->type != KEY_MODE && key->type != KEY_MSEC && key->type != KEY_ENUM)
            free(*(char **)field);
        free(priv->enum_word[i]);
    }
    free(config->path);
    free(config);
}

/*
 * dump_network - one network in a form netnet_parse reads back
 *	netaddr_format writes an IPv4-mapped address as a dotted quad; its
 *	prefix is then shown in IPv4 terms.
 */
static void dump_network(const struct netnet *net, FILE *out)
{
    char buf[64];

    netaddr_format(&net->addr, buf, sizeof(buf));
    if (strchr(buf, ':') == NULL)
        fprintf(out, "%s/%u", buf, net->prefix - 96);
    else
        fprintf(out, "[%s]/%u", buf, net->prefix);
}

/* config_dump - print every key with its effective value (secrets masked) */
void config_dump(const struct vigie_config *config, FILE *out)
{
    const struct config_private *priv = (const struct config_private *)config;

    fprintf(out, "# read from %s\n", config->path);
    for (size_t i = 0; i < KEY_COUNT; i++) {
        const struct config_key *key = &config_keys[i];
        const void *field = (const char *)config + key->offset;
        const struct domainset *domains = field;
        const struct netlist *networks = field;

        if ((key->type == KEY_DOMAINS && config->local_domains_from_postfix)
            || (key->type == KEY_NETWORKS && config->trusted_networks_from_postfix))
            fprintf(out, "# %s: taken from Postfix (postconf)\n", key->name);
        fprintf(out, "%s =", key->name);
        if (key->type == KEY_DOMAINS) {
            for (size_t j = 0; j < domains->count; j++)
                fprintf(out, "%s%s", j ? ", " : " ", domains->names[j]);
        } else if (key->type == KEY_NETWORKS) {
            for (size_t j = 0; j < networks->count; j++) {
                fputs(j ? ", " : " ", out);
                dump_network(&networks->items[j], out);
            }
        } else if (key->type == KEY_MODE) {
            fprintf(out, " %04o", *(const unsigned *)field);
        } else if (key->type == KEY_MSEC) {
            fprintf(out, " %ums", *(const unsigned *)field);
        } else if (key->type == KEY_ENUM) {
            fprintf(out, " %s", priv->enum_word[i]);
        } else if ((key->flags & KEY_SECRET) && **(char *const *)field != '\0') {
            fputs(" ********", out);
        } else if (**(char *const *)field != '\0') {
            fprintf(out, " %s", *(char *const *)field);
        }
        fputc('\n', out);
    }
}
