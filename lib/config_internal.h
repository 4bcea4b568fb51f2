/*
 * NAME
 *	config_internal - what config.c and config_values.c share
 * SYNOPSIS
 *	#include "config_internal.h"
 * DESCRIPTION
 *	The description of a key (struct config_key), where a value comes
 *	from (struct value_ctx), and the value parsers, one per key type,
 *	indexed by enum key_type. Private to the config module.
 */
#ifndef VIGIE_CONFIG_INTERNAL_H
#define VIGIE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>

#include "error.h"

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
    KEY_BOOL,                   /* yes/no, on/off, true/false */
    KEY_UINT,                   /* a whole number from the key's min to max */
    KEY_NAMESERVER,             /* "" or an IPv4 address, optionally ":port" */
    KEY_DOUBLE,                 /* a decimal number from the key's dmin to dmax */
    KEY_SIZE,                   /* bytes, "512k", "2M" (powers of 1024); min to max */
    KEY_DURATION,               /* seconds, "300s", "10m", "12h", "180d"; min to max */
    KEY_COMMAND,                /* "" or an absolute path and arguments (alerts.h) */
    KEY_REPLY,                  /* "CODE X.Y.Z text": struct config_reply */
    KEY_SENTINELS,              /* "" or "host:port, ..." (redis_sentinel.h) */
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
    unsigned min;               /* KEY_UINT, KEY_SIZE, KEY_DURATION: smallest value */
    unsigned max;               /* KEY_UINT, KEY_SIZE, KEY_DURATION: largest value */
    double dmin;                /* KEY_DOUBLE: smallest value */
    double dmax;                /* KEY_DOUBLE: largest value */
};

/* Where a value comes from, for messages and relative paths. */
struct value_ctx {
    const char *file;
    unsigned line;              /* 0 for a default */
    const struct config_key *key;
    char **enum_word;           /* this key's slot in enum_word[] */
};

/*
 * value_parser - parse value (may be modified in place) into field
 *	Returns 0, or -1 with err "file:line: ..." naming the key.
 */
typedef int value_parser(void *field, char *value, const struct value_ctx *ctx,
                         struct vigie_error *err);

/* config_value_parsers - the parser of each key type */
extern value_parser *const config_value_parsers[];

/* config_key_holds_string - the key's field is a char * that config_free releases */
bool config_key_holds_string(enum key_type type);

/* config_bad_value - the common message for a refused value; returns -1 */
int config_bad_value(const struct value_ctx *ctx, const char *shown, const char *why,
                     struct vigie_error *err);

/* config_out_of_memory - the message for a failed allocation; returns -1 */
int config_out_of_memory(const char *file, struct vigie_error *err);

#endif
