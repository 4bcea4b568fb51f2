/*
 * NAME
 *	milter_redis - each libmilter worker thread's Redis connection
 * DESCRIPTION
 *	See milter_redis.h. A thread's slot keeps a copy of the settings
 *	its connection was made with; comparing them on each request
 *	costs a few string compares. The password copy is wiped when the
 *	slot is freed.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "milter_redis.h"
#include "redis_conf.h"

/* One thread's connection and the settings it was made with. */
struct thread_redis {
    struct redisconn *rc;
    char *address;
    char *password;
    char *sentinels;            /* redis_sentinels */
    char *master;               /* redis_sentinel_master */
    unsigned connect_timeout_ms;
    unsigned timeout_ms;
    unsigned long generation;
};

static pthread_key_t slot_key;
static pthread_once_t slot_once = PTHREAD_ONCE_INIT;
static bool slot_key_ok;
static atomic_ulong generations;        /* the last generation handed out */
static atomic_bool redis_down;          /* an outage was logged and has not ended */

/* slot_clear - free a slot's connection and settings; the slot stays */
static void slot_clear(struct thread_redis *slot)
{
    redisconn_free(slot->rc);
    free(slot->address);
    if (slot->password != NULL) {
        explicit_bzero(slot->password, strlen(slot->password));
        free(slot->password);
    }
    free(slot->sentinels);
    free(slot->master);
    slot->rc = NULL;
    slot->address = NULL;
    slot->password = NULL;
    slot->sentinels = NULL;
    slot->master = NULL;
}

/* slot_free - pthread key destructor: the thread is ending */
static void slot_free(void *arg)
{
    struct thread_redis *slot = arg;

    slot_clear(slot);
    free(slot);
}

/* slot_key_create - make the key once, for every thread */
static void slot_key_create(void)
{
    slot_key_ok = pthread_key_create(&slot_key, slot_free) == 0;
}

/* same_settings - was slot's connection made with config's settings? */
static bool same_settings(const struct thread_redis *slot, const struct vigie_config *config)
{
    return slot->rc != NULL && strcmp(slot->address, config->redis_address) == 0
           && strcmp(slot->password, config->redis_password) == 0
           && strcmp(slot->sentinels, config->redis_sentinels) == 0
           && strcmp(slot->master, config->redis_sentinel_master) == 0
           && slot->connect_timeout_ms == config->redis_connect_timeout_ms
           && slot->timeout_ms == config->redis_timeout_ms;
}

/* slot_connect - (re)make slot's connection from config; 0, or -1 with err set */
static int slot_connect(struct thread_redis *slot, const struct vigie_config *config,
                        struct vigie_error *err)
{
    slot_clear(slot);
    if ((slot->rc = redis_conf_connect(config, 0, err)) == NULL)
        return -1;
    slot->address = strdup(config->redis_address);
    slot->password = strdup(config->redis_password);
    slot->sentinels = strdup(config->redis_sentinels);
    slot->master = strdup(config->redis_sentinel_master);
    if (slot->address == NULL || slot->password == NULL || slot->sentinels == NULL
        || slot->master == NULL) {
        slot_clear(slot);
        error_set(err, "redis: out of memory");
        return -1;
    }
    slot->connect_timeout_ms = config->redis_connect_timeout_ms;
    slot->timeout_ms = config->redis_timeout_ms;
    slot->generation = atomic_fetch_add(&generations, 1) + 1;
    return 0;
}

/* milter_redis_get - this thread's connection, for config's settings */
struct redisconn *milter_redis_get(const struct vigie_config *config,
                                   unsigned long *generation, struct vigie_error *err)
{
    struct thread_redis *slot;

    pthread_once(&slot_once, slot_key_create);
    if (!slot_key_ok) {
        error_set(err, "redis: cannot create the per-thread connection key");
        return NULL;
    }
    if ((slot = pthread_getspecific(slot_key)) == NULL) {
        if ((slot = calloc(1, sizeof(*slot))) == NULL) {
            error_set(err, "redis: out of memory");
            return NULL;
        }
        if (pthread_setspecific(slot_key, slot) != 0) {
            free(slot);
            error_set(err, "redis: cannot keep the per-thread connection");
            return NULL;
        }
    }
    if (!same_settings(slot, config) && slot_connect(slot, config, err) < 0)
        return NULL;
    *generation = slot->generation;
    return slot->rc;
}

/* milter_redis_failed - a request failed for want of Redis */
void milter_redis_failed(const struct vigie_config *config, const char *queue_id,
                         const struct vigie_error *err)
{
    if (atomic_exchange(&redis_down, true))
        return;
    msg_warn("%s: Redis unavailable: %s; until it answers, the checks that need it are"
             " skipped and mail is %s (fail_policy = %s)", queue_id, err->msg,
             config->fail_policy == FAIL_TEMPFAIL ? "tempfailed" : "accepted without them",
             config->fail_policy == FAIL_TEMPFAIL ? "tempfail" : "accept");
}

/* milter_redis_ok - a request succeeded; ends an outage (one info line) */
void milter_redis_ok(const char *queue_id)
{
    if (atomic_load(&redis_down) && atomic_exchange(&redis_down, false))
        msg_info("%s: Redis answers again: the checks that need it run again", queue_id);
}
