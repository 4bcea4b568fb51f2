/*
 * NAME
 *	config - vigie.conf: the daemon settings
 * SYNOPSIS
 *	#include "config.h"
 * DESCRIPTION
 *	vigie.conf is "key = value" lines; '#' starts a comment; blank
 *	lines are ignored. Keys are declared once in a table (config.c)
 *	with a type and a default; an unknown key, a bad value or a key
 *	given twice is an error "file:line: what is wrong".
 *
 *	A loaded configuration is immutable: it is built once, then
 *	shared read-only (see snapshot.h) and freed whole.
 *
 *	local_domains and trusted_networks, when not set in the file,
 *	come from Postfix (postconf -hx mydestination
 *	virtual_mailbox_domains relay_domains mynetworks) if postconf is
 *	installed; see postconf.h.
 */
#ifndef VIGIE_CONFIG_H
#define VIGIE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "compiler.h"
#include "domains.h"
#include "error.h"
#include "log.h"
#include "netaddr.h"

#define VIGIE_DEFAULT_CONFIG "/etc/vigie/vigie.conf"

enum fail_policy {
    FAIL_ACCEPT,                /* a check that errors is skipped */
    FAIL_TEMPFAIL,              /* a check that errors tempfails the message */
};

struct vigie_config {
    char *path;                 /* the file this was read from */

    /* daemons */
    char *milter_socket;        /* "unix:/path" or "inet:port@host" */
    char *policy_socket;        /* "unix:/path" or "inet:port@host" */
    unsigned socket_mode;       /* permissions of unix sockets, never o+w */
    char *user;                 /* run-as user after binding; "" keeps root (tests) */
    char *group;                /* run-as group; "" = the user's primary group */
    char *pid_file;             /* "" = none */

    /* files */
    char *rules_file;           /* vigie.rules */
    char *sender_login_maps;    /* "" = none; see loginmap.h */

    /* logging */
    enum log_level log_level;
    int syslog_facility;        /* LOG_MAIL etc. */
    char *log_file;             /* "" = syslog, "-" = stderr, else a path */

    /* Redis */
    char *redis_address;        /* "host:port", "[v6]:port" or "unix:/path" */
    char *redis_password;       /* "" = no AUTH; never logged */
    unsigned redis_connect_timeout_ms;
    unsigned redis_timeout_ms;
    char *redis_prefix;         /* prepended to every key */

    /* policy */
    enum fail_policy fail_policy;
    struct domainset local_domains;
    struct netlist trusted_networks;
    bool local_domains_from_postfix;     /* true when taken from postconf */
    bool trusted_networks_from_postfix;

    /* headers */
    char *authserv_id;          /* hostname used in generated headers */
};

/*
 * config_load - read and validate a file
 *	Returns a new configuration (caller frees with config_free), or
 *	NULL with err set ("file:line: ..." or "file: ...").
 */
struct vigie_config *config_load(const char *path, struct vigie_error *err) WARN_UNUSED;

/*
 * config_parse - the same from memory; name is used in messages
 *	use_postconf: when false, unset local_domains/trusted_networks
 *	stay empty instead of asking postconf (tests, fuzzing).
 */
struct vigie_config *config_parse(const char *name, const char *text, size_t len,
                                  bool use_postconf, struct vigie_error *err) WARN_UNUSED;

/* config_free - release everything; NULL is allowed */
void config_free(struct vigie_config *config);

/* config_dump - print every key with its effective value (secrets masked) */
void config_dump(const struct vigie_config *config, FILE *out);

#endif
