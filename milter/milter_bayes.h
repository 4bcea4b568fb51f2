/*
 * NAME
 *	milter_bayes - the Bayes classifier fed from milter callbacks
 * SYNOPSIS
 *	#include "milter_bayes.h"
 * DESCRIPTION
 *	Glue between the callbacks and lib/tokenize.c, bayes_store.c and
 *	bayes.c. Each header field and body chunk goes to the tokenizer as
 *	it arrives (nothing of the message is kept for Bayes; past
 *	bayes_max_bytes the body is not looked at). At end of message the
 *	counts of its tokens come from Redis in one round trip (one MGET,
 *	through this thread's connection: milter_redis.h), the message is
 *	classified, and its probability becomes the fact "bayes" of the
 *	rules; after the verdict, autolearning may learn it.
 *
 *	State: struct milter_bayes, one per SMTP connection (in struct
 *	milter_msg), made at its first message when bayes_enable is on;
 *	it holds the connection's tokenizer (made for the connection's
 *	snapshot, so that one message is tokenized with one set of
 *	settings) and the outcome of the current message. The Redis
 *	store, its token cache and the classifier's scratch space belong
 *	to the worker thread that runs end of message, like its Redis
 *	connection (a libmilter connection moves between threads).
 *
 *	Outcomes, as logged (bayes=...): the probability ("0.973");
 *	"untrained" (fewer than bayes_min_learned learnt messages of a
 *	class: no probability); "skipped" (Redis failed, or memory ran
 *	short); "off" (bayes_enable = no). Only a probability gives the
 *	rules a known "bayes".
 *
 *	Whose statistics (bayes_per_user): see bayes_conf.h.
 *
 *	Autolearning (bayes_autolearn): the rules are evaluated once more
 *	with "bayes" unknown, so that the classifier never learns from its
 *	own score; bayes_autolearn_decide then decides, and the message is
 *	learnt in the statistics that classified it, through the store's
 *	learning script (a message already learnt in that class, by its
 *	content digest, is not learnt again).
 */
#ifndef VIGIE_MILTER_BAYES_H
#define VIGIE_MILTER_BAYES_H

#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "facts.h"
#include "milter.h"

struct milter_bayes;

/*
 * milter_bayes_header, milter_bayes_eoh, milter_bayes_body - the
 *	message as it arrives: each header field (value without the
 *	leading space the MTA may send), the end of the header, each body
 *	chunk. A context that cannot be made marks the message failed
 *	(the fail policy then decides at its end).
 */
void milter_bayes_header(struct milter_conn *conn, const char *name, const char *value);
void milter_bayes_eoh(struct milter_conn *conn);
void milter_bayes_body(struct milter_conn *conn, const unsigned char *chunk, size_t len);

/*
 * milter_bayes_eom - classify the message, before the rules run
 *	Returns 0 (a probability, untrained, or off), or -1 with err set
 *	when Bayes had to be skipped (Redis unavailable or slow, memory
 *	short): the caller applies fail_policy. A Redis outage is logged
 *	once (milter_redis.h); a shortage of memory each time.
 */
int milter_bayes_eom(struct milter_conn *conn, struct vigie_error *err) WARN_UNUSED;

/* milter_bayes_probability - the fact "bayes": the probability, or NAN; b may be NULL */
double milter_bayes_probability(const struct milter_bayes *b);

/*
 * milter_bayes_autolearn - learn the message from its verdict, if asked
 *	facts: the facts the verdict was made from. Failures are logged
 *	(a Redis outage once); the message is not affected.
 */
void milter_bayes_autolearn(struct milter_conn *conn, const struct message_facts *facts);

/*
 * milter_bayes_log - the outcome for the log line: "0.973", "untrained",
 *	"skipped" or "off", then " autolearn=spam|ham" when the message was
 *	learnt. b may be NULL (off). Returns buf.
 */
const char *milter_bayes_log(const struct milter_bayes *b, char *buf, size_t size);

/*
 * milter_bayes_skipped - "bayes" when Bayes was skipped for want of
 *	Redis (for spamheaders_format: X-Spam-Status then says the message
 *	was not fully checked), else NULL
 */
const char *milter_bayes_skipped(const struct milter_bayes *b);

/* milter_bayes_reset - forget the current message; b may be NULL */
void milter_bayes_reset(struct milter_bayes *b);

/* milter_bayes_free - at the end of the connection; NULL is allowed */
void milter_bayes_free(struct milter_bayes *b);

#endif
