/*
 * NAME
 *	snapshot - the configuration, rules and maps in force, swapped whole
 * SYNOPSIS
 *	#include "snapshot.h"
 * DESCRIPTION
 *	A snapshot bundles everything loaded from files. It is built
 *	completely before it is published, so a reload either replaces
 *	all of it or nothing. Each connection acquires the current
 *	snapshot when it starts and releases it when it ends; a snapshot
 *	is freed when the last user releases it.
 */
#ifndef VIGIE_SNAPSHOT_H
#define VIGIE_SNAPSHOT_H

#include "compiler.h"
#include "config.h"
#include "error.h"
#include "loginmap.h"
#include "rules.h"

struct snapshot {
    struct vigie_config *config;
    struct ruleset *rules;
    struct loginmap *logins;    /* NULL when sender_login_maps is unset */
    unsigned refs;              /* managed by snapshot_acquire/release only */
};

/*
 * snapshot_build - load config, then the rules and maps it names
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
