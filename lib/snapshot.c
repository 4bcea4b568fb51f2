/*
 * NAME
 *	snapshot - the configuration, rules and maps in force, swapped whole
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

#include "snapshot.h"

static pthread_mutex_t snapshot_lock = PTHREAD_MUTEX_INITIALIZER;
static struct snapshot *snapshot_current;

/* snapshot_free - release everything a snapshot holds */
static void snapshot_free(struct snapshot *s)
{
    loginmap_free(s->logins);
    rules_free(s->rules);
    config_free(s->config);
    free(s);
}

/* snapshot_build - load config, then the rules and maps it names */
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
            && (s->logins = loginmap_load(s->config->sender_login_maps, err)) == NULL)) {
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
