/*
 * NAME
 *	rules - vigie.rules: the rules language, loaded and evaluated
 * SYNOPSIS
 *	#include "rules.h"
 * DESCRIPTION
 *	A ruleset is parsed from a file into an immutable tree (lists,
 *	rules, thresholds, settings) and evaluated against the facts of a
 *	message. The grammar is documented in vigie.rules(5) and taught
 *	by rules/vigie.rules.
 *
 *	Errors are reported "file:line:col: message"; a list loaded from
 *	a file reports "listfile:line: message".
 *
 *	Evaluation never modifies the ruleset, so one ruleset is shared by
 *	every thread without locking.
 */
#ifndef VIGIE_RULES_H
#define VIGIE_RULES_H

#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "error.h"
#include "facts.h"

/* Actions, from mildest to strongest; the order is used to compare them. */
enum action_kind {
    ACTION_ACCEPT,              /* deliver; X-Spam-* headers still added */
    ACTION_FLAG,                /* deliver marked as spam (X-Spam-Flag: YES) */
    ACTION_REWRITE_SUBJECT,     /* flag and prefix the Subject */
    ACTION_HOLD,                /* flag and put in Postfix's hold queue */
    ACTION_TEMPFAIL,            /* 4xx reply */
    ACTION_REJECT,              /* 5xx reply */
};

struct action {
    enum action_kind kind;
    const char *reply_code;     /* "451", "550": tempfail and reject only */
    const char *status_code;    /* enhanced status "4.7.1": tempfail and reject only */
    const char *text;           /* reply text, or the subject prefix */
};

struct rule_hit {
    const char *name;           /* the rule's name */
    double score;               /* what it added */
    const char *description;    /* "" when none */
};

/*
 * The outcome of one evaluation. Strings point into the ruleset: a
 * verdict must not outlive the ruleset it came from. hits is owned by
 * the verdict (verdict_free).
 */
struct verdict {
    double score;               /* sum of the scores of the rules that hit */
    double required;            /* score at which mail is flagged as spam */
    bool spam;                  /* action at least ACTION_FLAG */
    struct action action;       /* what to do */
    const char *forced_by;      /* the rule that forced the action, or NULL */
    struct rule_hit *hits;
    size_t hit_count;
};

struct rules_settings {
    bool relay_guard;           /* refuse unauthenticated relaying (default on) */
    bool sender_login_check;    /* enforce sender_login_maps (default on) */
};

struct ruleset;

/* rules_load - parse a file; NULL with err set on failure */
struct ruleset *rules_load(const char *path, struct vigie_error *err) WARN_UNUSED;

/*
 * rules_parse - parse from memory
 *	name is used in messages; list files named with a relative path
 *	are looked up relative to base_dir (NULL: the current directory).
 */
struct ruleset *rules_parse(const char *name, const char *text, size_t len,
                            const char *base_dir, struct vigie_error *err) WARN_UNUSED;

/* rules_free - release a ruleset; NULL is allowed */
void rules_free(struct ruleset *rules);

/* rules_get_settings - the "set" statements, with defaults filled in */
const struct rules_settings *rules_get_settings(const struct ruleset *rules);

/* rules_count - number of rules (for the start-up log line) */
size_t rules_count(const struct ruleset *rules);

/*
 * rules_evaluate - score facts; fill *out
 *	Returns 0, or -1 on allocation failure (out is then empty and
 *	needs no verdict_free).
 */
int rules_evaluate(const struct ruleset *rules, const struct message_facts *facts,
                   struct verdict *out) WARN_UNUSED;

/* verdict_free - release what rules_evaluate allocated */
void verdict_free(struct verdict *verdict);

/* action_kind_name - "accept", "flag", ... for logs */
const char *action_kind_name(enum action_kind kind);

#endif
