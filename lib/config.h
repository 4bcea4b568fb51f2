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

/*
 * Which daemon counts the rate limits when both run (vigie-policyd(8)):
 * the other one only enforces account locks, so nothing is counted twice.
 */
enum ratelimit_counter {
    RATELIMIT_COUNTER_MILTER,   /* vigie-milter counts at end of message */
    RATELIMIT_COUNTER_POLICYD,  /* vigie-policyd counts at RCPT and END-OF-MESSAGE */
};

/* What the shipped rules do with a DMARC failure under p=quarantine. */
enum dmarc_quarantine {
    DMARC_QUARANTINE_HOLD,      /* Postfix's hold queue */
    DMARC_QUARANTINE_SCORE,     /* a score towards the spam thresholds */
};

/* Which header fields give Bayes tokens (tokenize.h). */
enum bayes_headers {
    BAYES_HEADERS_NONE,
    BAYES_HEADERS_BASIC,        /* Subject, From, To, Content-Type, ... */
    BAYES_HEADERS_ALL,          /* all but per-copy and spam-filter fields */
};

/* An SMTP reply vigie gives itself: "550 5.7.1 text". */
struct config_reply {
    char code[4];               /* 4XX or 5XX */
    char status[12];            /* enhanced status code of the same class, "5.7.1" */
    char *text;
};

/* Whose Bayes statistics classify a message. */
enum bayes_per_user {
    BAYES_PER_USER_OFF,         /* one set, shared by everybody */
    BAYES_PER_USER_RECIPIENT,   /* the recipient's own */
    BAYES_PER_USER_DOMAIN,      /* the recipient domain's */
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

    /* vigie-policyd (see vigie-policyd(8)) */
    char *policy_socket_group;  /* group of its unix socket; "" = the run-as group */
    unsigned policy_threads;    /* serving threads, each with its own Redis link */
    unsigned policy_max_connections;    /* open Postfix connections at most */
    unsigned policy_idle_timeout;       /* seconds before an idle connection is closed */
    size_t policy_max_request;  /* bytes of one request at most */
    unsigned policy_max_attributes;     /* attribute lines of one request at most */
    bool policy_spf;            /* SPF at RCPT (off when the milter does SPF) */
    enum ratelimit_counter ratelimit_counter;
    bool greylist_enable;
    unsigned greylist_delay;    /* seconds before a retry passes */
    unsigned greylist_retry_window;     /* seconds a first attempt is remembered */
    unsigned greylist_expiry;   /* seconds a passed triplet or client is remembered */
    unsigned greylist_auto_allow;       /* passes that allow a client network; 0 = off */

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
    char *redis_sentinels;      /* "" = none; else "host:port, ..." (redis_sentinel.h) */
    char *redis_sentinel_master;        /* the master's name; set when sentinels are */

    /* policy */
    enum fail_policy fail_policy;
    struct domainset local_domains;
    struct netlist trusted_networks;
    bool local_domains_from_postfix;     /* true when taken from postconf */
    bool trusted_networks_from_postfix;

    /* headers */
    char *authserv_id;          /* hostname used in generated headers */

    /* SPF, DKIM and DMARC */
    unsigned dns_timeout_ms;    /* DNS budget of one check */
    char *dns_nameserver;       /* "" = resolv.conf, else "a.b.c.d[:port]" */
    char *dns_zone_file;        /* "" = DNS; else every lookup from this file */
    bool spf_enable;
    bool received_spf_header;   /* add Received-SPF too */
    bool dkim_verify;
    char *dkim_signing_table;   /* "" = no signing */
    char *dkim_key_file;        /* "" = DKIM keys from DNS; else this key file */
    unsigned dkim_max_signatures;       /* 1..VDKIM_MAX_SIGNATURES */
    unsigned dkim_min_key_bits;
    bool dmarc_enable;
    char *public_suffix_list;
    enum dmarc_quarantine dmarc_quarantine;

    /* Bayes (see bayes.h and tokenize.h for what each one does) */
    bool bayes_enable;
    double bayes_robs;
    double bayes_robx;
    double bayes_min_dev;
    unsigned bayes_max_tokens;  /* tokens combined; 0 = all */
    double bayes_spam_cutoff;
    double bayes_ham_cutoff;    /* <= bayes_spam_cutoff */
    unsigned bayes_min_learned; /* per class, before any verdict */
    unsigned bayes_token_ttl;   /* seconds; 0 = tokens never expire */
    unsigned bayes_token_keep;
    unsigned bayes_cache_tokens;        /* per milter thread; 0 = no cache */
    unsigned bayes_cache_ttl;   /* seconds */
    enum bayes_headers bayes_header_tokens;
    bool bayes_word_pairs;
    size_t bayes_max_bytes;     /* of a message tokenized; 0 = all */
    enum bayes_per_user bayes_per_user;
    bool bayes_autolearn;
    double bayes_autolearn_spam_score;  /* > bayes_autolearn_ham_score */
    double bayes_autolearn_ham_score;
    double bayes_autolearn_agree;

    /* rate limits, locks and alerts (ratelimit.h, locks.h, alerts.h) */
    char *alert_command;        /* "" = none; absolute path and arguments, no shell */
    unsigned alert_timeout_ms;
    unsigned alert_stream_maxlen;       /* entries kept in the alert stream, about */
    unsigned lock_default_expiry;       /* seconds; 0 = until unlocked */
    struct config_reply lock_reply;     /* to a locked account's mail */
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
