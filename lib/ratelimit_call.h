/*
 * NAME
 *	ratelimit_call - one message's part of the rate-limit script call
 * SYNOPSIS
 *	#include "ratelimit_call.h"	(ratelimit.c only)
 * DESCRIPTION
 *	ratelimit_call_build() turns one message's request into its keys
 *	(its SASL user's lock and signals, then the counters of each
 *	limit that applies) and its other arguments, as ratelimit_lua.h
 *	lays them out. ratelimit_call_argv() joins the calls of a batch
 *	into the argument vector of ONE script call: the alert stream,
 *	every message's keys, the common arguments, every message's
 *	other arguments.
 *	Ownership: a call's strings are its own, or borrowed from the
 *	request and the settings, which must outlive it; free it with
 *	ratelimit_call_free().
 */
#ifndef VIGIE_RATELIMIT_CALL_H
#define VIGIE_RATELIMIT_CALL_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "ratelimit.h"

#define RATELIMIT_NUM_TEXT 24   /* room for one number as text */
#define RATELIMIT_SHAPE_TEXT (2 + RATELIMIT_MAX_WINDOWS * RATELIMIT_NUM_TEXT) /* "r 600000 86400000" */

/*
 * One message's part of a script call, and its storage: its keys, then
 * its other arguments (see ratelimit_lua.h).
 */
struct ratelimit_call {
    const char **argv;
    size_t *argvlen;
    int argc;
    int nkeys;                  /* argv[0 .. nkeys-1] are keys */
    int cap;
    char (*num)[RATELIMIT_NUM_TEXT];      /* numbers as text */
    int nnum;
    char (*shape)[RATELIMIT_SHAPE_TEXT];  /* per limit: its kind and windows (ms) */
    struct rlkey *keys;         /* lock, two signals, then the limits */
    size_t *value_at;           /* where each limit key's value starts */
    char *domains;              /* the recipient domains, lower case, NUL-separated */
    const char **domain;        /* distinct, sorted */
    size_t ndomains;
    char client[64];            /* the client address as text; "" when unknown */
    size_t live[RATELIMIT_MAX_APPLY];   /* request->limits index of each limit passed */
    size_t nlive;
    bool sent;                  /* in the batch's script call (ratelimit.c sets it) */
};

/*
 * ratelimit_call_build - c for request (c zeroed first)
 *	Returns 0, or -1 with err set when memory is short or a key would
 *	be too long; free c either way.
 */
int ratelimit_call_build(struct ratelimit_call *c, const struct ratelimit_settings *settings,
                         const struct ratelimit_request *request,
                         struct vigie_error *err) WARN_UNUSED;

/* ratelimit_call_free - release c's storage (not c itself) */
void ratelimit_call_free(struct ratelimit_call *c);

/*
 * ratelimit_call_argv - the argument vector of one script call for the
 *	calls marked sent among calls[0..n-1]: REDISCONN_EVAL_HEAD slots
 *	left for redisconn_eval, common[0] (the alert stream), each
 *	message's keys, "check", common[1..3] (buckets, stream_maxlen,
 *	messages), each message's other arguments. *argvlen (the caller
 *	frees it, with the vector), *argc and *nkeys are set. NULL when
 *	memory is short.
 */
const char **ratelimit_call_argv(const struct ratelimit_call *calls, size_t n,
                                 const char *common[4], size_t **argvlen, int *argc,
                                 int *nkeys);

#endif
