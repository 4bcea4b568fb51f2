/*
 * NAME
 *	snapshot - the configuration, rules, maps and check data in force, swapped whole
 * SYNOPSIS
 *	#include "snapshot.h"
 * DESCRIPTION
 *	See snapshot.h. One mutex guards both the "current" pointer and
 *	every reference count: acquiring must read the pointer and count
 *	the new reference in one step, or a reload could free the
 *	snapshot between the two. The lock is held for a few instructions
 *	per connection; freeing a snapshot happens outside it.
 */
#include <pthread.h>
#include <stdlib.h>

#include "ratelimit_conf.h"
#include "snapshot.h"

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snapshot_current;

/* snapshot_free - release everything a snapshot holds (the DNS source last: DKIM uses it) */
static void snapshot_free(struct snapshot *s)
{
    ratelimit_engine_free(s->limits);
    vdkim_table_free(s->signing);
    vdkim_lib_free(s->dkim);
    dmarc_psl_free(s->psl);
    dns_source_free(s->dns);
    loginmap_free(s->logins);
    rules_free(s->rules);
    config_free(s->config);
    free(s);
}

/*
 * checks_build - what the SPF, DKIM and DMARC checks read, as configured
 *	Returns 0, or -1 with err set (the caller frees the snapshot).
 */
static int checks_build(struct snapshot *s, struct vigie_error *err)
{
    const struct vigie_config *c = s->config;
    bool signing = *c->dkim_signing_table != '\0';
    struct vdkim_settings dkim = {
        .timeout_ms = c->dns_timeout_ms,
        .key_file = c->dkim_key_file,
        .max_signatures = c->dkim_max_signatures,
        .min_key_bits = c->dkim_min_key_bits,
    };

    if (!c->spf_enable && !c->dkim_verify && !c->dmarc_enable && !signing)
        return 0;
    s->dns = *c->dns_zone_file ? dns_source_zone_file(c->dns_zone_file, err)
                               : dns_source_resolver(c->dns_nameserver, err);
    if (s->dns == NULL)
        return -1;
    if (c->dmarc_enable && (s->psl = dmarc_psl_load(c->public_suffix_list, err)) == NULL)
        return -1;
    if ((c->dkim_verify || signing) && (s->dkim = vdkim_lib_new(&dkim, s->dns, err)) == NULL)
        return -1;
    if (signing && (s->signing = vdkim_table_load(c->dkim_signing_table, err)) == NULL)
        return -1;
    return 0;
}

/* limits_build - the rate-limit engine on the configuration's settings; 0 or -1 */
static int limits_build(struct snapshot *s, struct vigie_error *err)
{
    ratelimit_conf_settings(s->config, &s->limit_settings);
    s->limits = ratelimit_engine_new(&s->limit_settings, err);
    return s->limits != NULL ? 0 : -1;
}

/* snapshot_build - load config, then the rules, maps and check data it names */
struct snapshot *snapshot_build(const char *config_path, const char *rules_override,
                                struct vigie_error *err)
{
    struct snapshot *s;

    if ((s = calloc(1, sizeof(*s))) == NULL) {
        error_set(err, "out of memory");
        return NULL;
    }
    s->refs = 1;
    if ((s->config = config_load(config_path, err)) == NULL
        || (s->rules = rules_load(rules_override ? rules_override : s->config->rules_file,
                                  err)) == NULL
        || (*s->config->sender_login_maps != '\0'
            && (s->logins = loginmap_load(s->config->sender_login_maps, err)) == NULL)
        || checks_build(s, err) < 0 || limits_build(s, err) < 0) {
        snapshot_free(s);
        return NULL;
    }
    return s;
}

/* snapshot_publish - make s current; takes over the caller's reference */
void snapshot_publish(struct snapshot *s)
{
    struct snapshot *old;

    pthread_mutex_lock(&snapshot_lock);
    old = snapshot_current;
    snapshot_current = s;
    pthread_mutex_unlock(&snapshot_lock);
    snapshot_release(old);
}

/* snapshot_acquire - the current snapshot with a new reference, or NULL */
struct snapshot *snapshot_acquire(void)
{
    struct snapshot *s;

    pthread_mutex_lock(&snapshot_lock);
    if ((s = snapshot_current) != NULL)
        s->refs++;
    pthread_mutex_unlock(&snapshot_lock);
    return s;
}

/* snapshot_release - drop a reference; frees at zero; NULL is allowed */
void snapshot_release(struct snapshot *s)
{
    unsigned refs;

    if (s == NULL)
        return;
    pthread_mutex_lock(&snapshot_lock);
    refs = --s->refs;
    pthread_mutex_unlock(&snapshot_lock);
    if (refs == 0)
        snapshot_free(s);
}
