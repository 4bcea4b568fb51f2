/*
 * NAME
 *	snapshot - the configuration, rules, maps and check data in force, swapped whole
 * SYNOPSIS
 *	#include "snapshot.h"
 * DESCRIPTION
 *	A snapshot bundles everything loaded from files: the
 *	configuration, the rules, the login map, and what the SPF, DKIM
 *	and DMARC checks read (the DNS source, the public suffix list, the
 *	libopendkim library handle and the DKIM signing table). It is
 *	built completely before it is published, so a reload either
 *	replaces all of it or nothing. Each connection acquires the
 *	current snapshot when it starts and releases it when it ends; a
 *	snapshot is freed when the last user releases it.
 *
 *	Everything a snapshot holds is read-only once built and shared by
 *	every thread (see dnszone.h, dmarc.h and dkim.h for why each of
 *	the check objects may be).
 *
 *	The rate-limit engine (ratelimit.h) is built with the snapshot,
 *	on settings taken from its configuration (ratelimit_conf.h), so
 *	that a reload changes alert_command or lock_reply too. Its only
 *	state, whether Redis is known to be down, is atomic; a reload
 *	starts a new engine, which may warn once more about an outage.
 */
#ifndef VIGIE_SNAPSHOT_H
#define VIGIE_SNAPSHOT_H

#include "compiler.h"
#include "config.h"
#include "dkim.h"
#include "dmarc.h"
#include "dnszone.h"
#include "error.h"
#include "loginmap.h"
#include "ratelimit.h"
#include "rules.h"

struct snapshot {
    struct vigie_config *config;
    struct ruleset *rules;
    struct loginmap *logins;    /* NULL when sender_login_maps is unset */
    struct dns_source *dns;     /* resolver or dns_zone_file: for SPF, DKIM, DMARC */
    struct dmarc_psl *psl;      /* NULL when dmarc_enable is off */
    struct vdkim_lib *dkim;     /* NULL when DKIM neither verifies nor signs */
    struct vdkim_table *signing;        /* NULL when dkim_signing_table is unset */
    struct ratelimit_settings limit_settings;   /* from config (strings borrowed) */
    struct ratelimit_engine *limits;    /* rate limits, locks and alerts */
    unsigned refs;              /* managed by snapshot_acquire/release only */
};

/*
 * snapshot_build - load config, then the rules, maps and check data it names
 *	rules_override: a rules file to use instead of config's (NULL: none).
 *	Returns a snapshot with one reference held by the caller, or NULL
 *	with err set.
 */
struct snapshot *snapshot_build(const char *config_path, const char *rules_override,
                                struct vigie_error *err) WARN_UNUSED;

/* snapshot_publish - make s current; takes over the caller's reference */
void snapshot_publish(struct snapshot *s);

/* snapshot_acquire - the current snapshot with a new reference, or NULL */
struct snapshot *snapshot_acquire(void);

/* snapshot_release - drop a reference; frees at zero; NULL is allowed */
void snapshot_release(struct snapshot *s);

#endif
