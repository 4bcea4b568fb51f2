/*
 * NAME
 *	config - vigie.conf: the daemon settings
 * SYNOPSIS
 *	#include "config.h"
 * DESCRIPTION
 *	See config.h. Every key is one row of config_keys[]: its name, its
 *	type, its default text and where its value goes in struct
 *	vigie_config. A value, from the file or the default, goes through
 *	the parser of its type (config_values.c); adding a key is one field
 *	in config.h and one row here (and its line in vigie.conf and
 *	vigie.conf.5).
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
#include <unistd.h>

#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "postconf.h"
#include "ratelimit.h"
#include "config_internal.h"
#include "units.h"

#define CONFIG_FILE_MAX  (1024 * 1024)

static int fail_policy_parse(const char *word);
static int ratelimit_counter_parse(const char *word);
static int dmarc_quarantine_parse(const char *word);
static int bayes_headers_parse(const char *word);
static int bayes_per_user_parse(const char *word);

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
    {.name = "policy_socket_group", .type = KEY_STRING, .def = "",
     .offset = FIELD(policy_socket_group)},
    {.name = "policy_threads", .type = KEY_UINT, .def = "4", .offset = FIELD(policy_threads),
     .min = 1, .max = 64},
    {.name = "policy_max_connections", .type = KEY_UINT, .def = "1000",
     .offset = FIELD(policy_max_connections), .min = 1, .max = 100000},
    {.name = "policy_idle_timeout", .type = KEY_DURATION, .def = "600s",
     .offset = FIELD(policy_idle_timeout), .min = 1, .max = 86400},
    {.name = "policy_max_request", .type = KEY_SIZE, .def = "16k",
     .offset = FIELD(policy_max_request), .min = 1024, .max = 1u << 20},
    {.name = "policy_max_attributes", .type = KEY_UINT, .def = "100",
     .offset = FIELD(policy_max_attributes), .min = 32, .max = 10000},
    {.name = "policy_spf", .type = KEY_BOOL, .def = "no", .offset = FIELD(policy_spf)},
    {.name = "ratelimit_counter", .type = KEY_ENUM, .def = "milter",
     .offset = FIELD(ratelimit_counter), .choice_parse = ratelimit_counter_parse,
     .choices = "milter or policyd"},
    {.name = "greylist_enable", .type = KEY_BOOL, .def = "no", .offset = FIELD(greylist_enable)},
    {.name = "greylist_delay", .type = KEY_DURATION, .def = "5m",
     .offset = FIELD(greylist_delay), .min = 1, .max = 86400},
    {.name = "greylist_retry_window", .type = KEY_DURATION, .def = "2d",
     .offset = FIELD(greylist_retry_window), .min = 2, .max = 30 * 86400},
    {.name = "greylist_expiry", .type = KEY_DURATION, .def = "35d",
     .offset = FIELD(greylist_expiry), .min = 1, .max = 366 * 86400},
    {.name = "greylist_auto_allow", .type = KEY_UINT, .def = "5",
     .offset = FIELD(greylist_auto_allow), .min = 0, .max = 1000000},
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
    {.name = "redis_sentinels", .type = KEY_SENTINELS, .def = "",
     .offset = FIELD(redis_sentinels)},
    {.name = "redis_sentinel_master", .type = KEY_STRING, .def = "",
     .offset = FIELD(redis_sentinel_master)},
    {.name = "fail_policy", .type = KEY_ENUM, .def = "accept", .offset = FIELD(fail_policy),
     .choice_parse = fail_policy_parse, .choices = "accept or tempfail"},
    {.name = "local_domains", .type = KEY_DOMAINS, .offset = FIELD(local_domains)},
    {.name = "trusted_networks", .type = KEY_NETWORKS, .offset = FIELD(trusted_networks)},
    {.name = "authserv_id", .type = KEY_HOSTNAME, .offset = FIELD(authserv_id)},
    {.name = "dns_timeout", .type = KEY_MSEC, .def = "5s", .offset = FIELD(dns_timeout_ms)},
    {.name = "dns_nameserver", .type = KEY_NAMESERVER, .def = "",
     .offset = FIELD(dns_nameserver)},
    {.name = "dns_zone_file", .type = KEY_PATH, .def = "", .offset = FIELD(dns_zone_file)},
    {.name = "spf_enable", .type = KEY_BOOL, .def = "yes", .offset = FIELD(spf_enable)},
    {.name = "received_spf_header", .type = KEY_BOOL, .def = "no",
     .offset = FIELD(received_spf_header)},
    {.name = "dkim_verify", .type = KEY_BOOL, .def = "yes", .offset = FIELD(dkim_verify)},
    {.name = "dkim_signing_table", .type = KEY_PATH, .def = "",
     .offset = FIELD(dkim_signing_table)},
    {.name = "dkim_key_file", .type = KEY_PATH, .def = "", .offset = FIELD(dkim_key_file)},
    {.name = "dkim_max_signatures", .type = KEY_UINT, .def = "5",
     .offset = FIELD(dkim_max_signatures), .min = 1, .max = VDKIM_MAX_SIGNATURES},
    {.name = "dkim_min_key_bits", .type = KEY_UINT, .def = "1024",
     .offset = FIELD(dkim_min_key_bits), .min = 1024, .max = 16384},
    {.name = "dmarc_enable", .type = KEY_BOOL, .def = "yes", .offset = FIELD(dmarc_enable)},
    {.name = "public_suffix_list", .type = KEY_PATH, .def = DMARC_DEFAULT_PSL,
     .offset = FIELD(public_suffix_list), .flags = KEY_NONEMPTY},
    {.name = "dmarc_quarantine", .type = KEY_ENUM, .def = "hold",
     .offset = FIELD(dmarc_quarantine), .choice_parse = dmarc_quarantine_parse,
     .choices = "hold or score"},
    {.name = "bayes_enable", .type = KEY_BOOL, .def = "yes", .offset = FIELD(bayes_enable)},
    {.name = "bayes_robs", .type = KEY_DOUBLE, .def = "1.0", .offset = FIELD(bayes_robs),
     .dmin = 0.001, .dmax = 1000},
    {.name = "bayes_robx", .type = KEY_DOUBLE, .def = "0.6", .offset = FIELD(bayes_robx),
     .dmin = 0.01, .dmax = 0.99},
    {.name = "bayes_min_dev", .type = KEY_DOUBLE, .def = "0.45", .offset = FIELD(bayes_min_dev),
     .dmin = 0, .dmax = 0.49},
    {.name = "bayes_max_tokens", .type = KEY_UINT, .def = "150",
     .offset = FIELD(bayes_max_tokens), .min = 0, .max = 100000},
    {.name = "bayes_spam_cutoff", .type = KEY_DOUBLE, .def = "0.8",
     .offset = FIELD(bayes_spam_cutoff), .dmin = 0.01, .dmax = 1},
    {.name = "bayes_ham_cutoff", .type = KEY_DOUBLE, .def = "0.2",
     .offset = FIELD(bayes_ham_cutoff), .dmin = 0, .dmax = 1},
    {.name = "bayes_min_learned", .type = KEY_UINT, .def = "200",
     .offset = FIELD(bayes_min_learned), .min = 0, .max = 100000000},
    {.name = "bayes_token_ttl", .type = KEY_DURATION, .def = "180d",
     .offset = FIELD(bayes_token_ttl), .min = 0, .max = 3650 * 86400},
    {.name = "bayes_token_keep", .type = KEY_UINT, .def = "3",
     .offset = FIELD(bayes_token_keep), .min = 1, .max = 1000000},
    {.name = "bayes_cache_tokens", .type = KEY_UINT, .def = "65536",
     .offset = FIELD(bayes_cache_tokens), .min = 0, .max = 1 << 22},
    {.name = "bayes_cache_ttl", .type = KEY_DURATION, .def = "300s",
     .offset = FIELD(bayes_cache_ttl), .min = 0, .max = 86400},
    {.name = "bayes_header_tokens", .type = KEY_ENUM, .def = "all",
     .offset = FIELD(bayes_header_tokens), .choice_parse = bayes_headers_parse,
     .choices = "none, basic or all"},
    {.name = "bayes_word_pairs", .type = KEY_BOOL, .def = "yes",
     .offset = FIELD(bayes_word_pairs)},
    {.name = "bayes_max_bytes", .type = KEY_SIZE, .def = "512k",
     .offset = FIELD(bayes_max_bytes), .min = 0, .max = 1u << 30},
    {.name = "bayes_per_user", .type = KEY_ENUM, .def = "off", .offset = FIELD(bayes_per_user),
     .choice_parse = bayes_per_user_parse, .choices = "off, recipient or domain"},
    {.name = "bayes_autolearn", .type = KEY_BOOL, .def = "no", .offset = FIELD(bayes_autolearn)},
    {.name = "bayes_autolearn_spam_score", .type = KEY_DOUBLE, .def = "12.0",
     .offset = FIELD(bayes_autolearn_spam_score), .dmin = -1000, .dmax = 1000},
    {.name = "bayes_autolearn_ham_score", .type = KEY_DOUBLE, .def = "0.1",
     .offset = FIELD(bayes_autolearn_ham_score), .dmin = -1000, .dmax = 1000},
    {.name = "bayes_autolearn_agree", .type = KEY_DOUBLE, .def = "0.99",
     .offset = FIELD(bayes_autolearn_agree), .dmin = 0.51, .dmax = 1},
    {.name = "alert_command", .type = KEY_COMMAND, .def = "", .offset = FIELD(alert_command)},
    {.name = "alert_timeout", .type = KEY_MSEC, .def = "10s", .offset = FIELD(alert_timeout_ms)},
    {.name = "alert_stream_maxlen", .type = KEY_UINT, .def = "10000",
     .offset = FIELD(alert_stream_maxlen), .min = 10, .max = 10000000},
    {.name = "lock_default_expiry", .type = KEY_DURATION, .def = "0",
     .offset = FIELD(lock_default_expiry), .min = 0, .max = RATELIMIT_MAX_WINDOW},
    {.name = "lock_reply", .type = KEY_REPLY,
     .def = "550 5.7.1 Account locked: contact your mail administrator",
     .offset = FIELD(lock_reply)},
};

#define KEY_COUNT (sizeof(config_keys) / sizeof(config_keys[0]))

/* The enum fields are set through an int. */
_Static_assert(sizeof(enum log_level) == sizeof(int), "enum log_level is not an int");
_Static_assert(sizeof(enum fail_policy) == sizeof(int), "enum fail_policy is not an int");
_Static_assert(sizeof(enum ratelimit_counter) == sizeof(int),
               "enum ratelimit_counter is not an int");
_Static_assert(sizeof(enum dmarc_quarantine) == sizeof(int),
               "enum dmarc_quarantine is not an int");
_Static_assert(sizeof(enum bayes_headers) == sizeof(int), "enum bayes_headers is not an int");
_Static_assert(sizeof(enum bayes_per_user) == sizeof(int), "enum bayes_per_user is not an int");

/* The public configuration and what only this module needs. */
struct config_private {
    struct vigie_config pub;    /* first: a vigie_config pointer is this */
    char *enum_word[KEY_COUNT]; /* KEY_ENUM: the word given, for config_dump */
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

/* ratelimit_counter_parse - "milter" or "policyd"; -1 otherwise */
static int ratelimit_counter_parse(const char *word)
{
    if (strcasecmp(word, "milter") == 0)
        return RATELIMIT_COUNTER_MILTER;
    if (strcasecmp(word, "policyd") == 0)
        return RATELIMIT_COUNTER_POLICYD;
    return -1;
}

/* dmarc_quarantine_parse - "hold" or "score"; -1 otherwise */
static int dmarc_quarantine_parse(const char *word)
{
    if (strcasecmp(word, "hold") == 0)
        return DMARC_QUARANTINE_HOLD;
    if (strcasecmp(word, "score") == 0)
        return DMARC_QUARANTINE_SCORE;
    return -1;
}

/* bayes_headers_parse - "none", "basic" or "all"; -1 otherwise */
static int bayes_headers_parse(const char *word)
{
    if (strcasecmp(word, "none") == 0)
        return BAYES_HEADERS_NONE;
    if (strcasecmp(word, "basic") == 0)
        return BAYES_HEADERS_BASIC;
    if (strcasecmp(word, "all") == 0)
        return BAYES_HEADERS_ALL;
    return -1;
}

/* bayes_per_user_parse - "off", "recipient" or "domain"; -1 otherwise */
static int bayes_per_user_parse(const char *word)
{
    if (strcasecmp(word, "off") == 0)
        return BAYES_PER_USER_OFF;
    if (strcasecmp(word, "recipient") == 0)
        return BAYES_PER_USER_RECIPIENT;
    if (strcasecmp(word, "domain") == 0)
        return BAYES_PER_USER_DOMAIN;
    return -1;
}


/* config_set - parse value (modified in place) into the field of key */
static int config_set(struct config_private *priv, size_t index, char *value,
                      const char *file, unsigned line, struct vigie_error *err)
{
    const struct config_key *key = &config_keys[index];
    const struct value_ctx ctx = {file, line, key, &priv->enum_word[index]};

    if ((key->flags & KEY_NONEMPTY) && value[0] == '\0')
        return config_bad_value(&ctx, value, "must not be empty", err);
    return config_value_parsers[key->type]((char *)&priv->pub + key->offset, value, &ctx, err);
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
            return config_out_of_memory(file, err);
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

/* config_check - relations between keys, which no single value can break */
static int config_check(const struct vigie_config *config, struct vigie_error *err)
{
    if (config->greylist_retry_window <= config->greylist_delay) {
        error_at(err, config->path, 0, "greylist_retry_window (%us) must be longer than"
                 " greylist_delay (%us)", config->greylist_retry_window,
                 config->greylist_delay);
        return -1;
    }
    if (config->bayes_ham_cutoff > config->bayes_spam_cutoff) {
        error_at(err, config->path, 0, "bayes_ham_cutoff (%g) must not be above"
                 " bayes_spam_cutoff (%g)", config->bayes_ham_cutoff,
                 config->bayes_spam_cutoff);
        return -1;
    }
    if (config->bayes_autolearn_ham_score >= config->bayes_autolearn_spam_score) {
        error_at(err, config->path, 0, "bayes_autolearn_ham_score (%g) must be below"
                 " bayes_autolearn_spam_score (%g)", config->bayes_autolearn_ham_score,
                 config->bayes_autolearn_spam_score);
        return -1;
    }
    if (*config->redis_sentinels != '\0' && *config->redis_sentinel_master == '\0') {
        error_at(err, config->path, 0, "redis_sentinels is set: redis_sentinel_master must"
                 " name the master the sentinels watch");
        return -1;
    }
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
        config_out_of_memory(name, err);
        return NULL;
    }
    if ((priv->pub.path = strdup(name)) == NULL) {
        config_out_of_memory(name, err);
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
            status = config_out_of_memory(name, err);
        } else {
            status = config_line(priv, copy, name, line, seen, err);
            free(copy);
        }
    }
    if (status == 0)
        status = config_defaults(priv, name, seen, err);
    if (status == 0)
        status = config_check(&priv->pub, err);
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
        config_out_of_memory(path, err);
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
        else if (key->type == KEY_REPLY)
            free(((struct config_reply *)field)->text);
        else if (config_key_holds_string(key->type))
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

/* dump_units - " VALUE" in the largest exact unit of table from skip on (units.h) */
static void dump_units(unsigned long long value, const struct unit_table *table, size_t skip,
                       const char *plain, FILE *out)
{
    char text[32];

    units_format(value, table, skip, plain, text, sizeof(text));
    fprintf(out, " %s", text);
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
        } else if (key->type == KEY_BOOL) {
            fputs(*(const bool *)field ? " yes" : " no", out);
        } else if (key->type == KEY_UINT) {
            fprintf(out, " %u", *(const unsigned *)field);
        } else if (key->type == KEY_DOUBLE) {
            fprintf(out, " %g", *(const double *)field);
        } else if (key->type == KEY_SIZE) {
            dump_units(*(const size_t *)field, &units_size, 0, "", out);
        } else if (key->type == KEY_DURATION) {
            dump_units(*(const unsigned *)field, &units_duration, 1, "s", out);  /* no weeks */
        } else if (key->type == KEY_REPLY) {
            const struct config_reply *reply = field;

            fprintf(out, " %s %s %s", reply->code, reply->status, reply->text);
        } else if ((key->flags & KEY_SECRET) && **(char *const *)field != '\0') {
            fputs(" ********", out);
        } else if (**(char *const *)field != '\0') {
            fprintf(out, " %s", *(char *const *)field);
        }
        fputc('\n', out);
    }
}
