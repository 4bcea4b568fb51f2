/*
 * NAME
 *	rules_limits - "limit" statements and the signal_window setting
 * SYNOPSIS
 *	#include "rules_internal.h"
 *	#include "rules_limits.h"
 * DESCRIPTION
 *	The grammar (see rules_limits.h for the whole statement):
 *
 *	limit NAME CLAUSE...	clauses in any order, up to the next
 *				top-level keyword; key and max required;
 *				each once but tier, which may repeat.
 *	key PART [, PART]...	what the count is kept per: several
 *				parts make one combined key.
 *				client_net takes the IPv4 and IPv6
 *				prefix lengths (default 24 and 64).
 *	count WHAT		messages (default), recipients, bytes,
 *				domains (distinct recipient domains).
 *	max N per D, ...	the windows; N a whole number (k, M, G
 *				allowed), D a duration: 90s 10m 2h 1d 1w.
 *	tier NAME if EXPR max ...	other maxima where EXPR holds;
 *				the first tier that holds wins.
 *	if EXPR / except EXPR	when the limit applies / does not.
 *	action ACTION		what crossing does (default tempfail 451
 *				4.7.1 "Sending limit reached, try again
 *				later"); "action lock [for D]" refuses
 *				and locks the SASL user (its key must hold
 *				sasl_user).
 *
 *	set signal_window D|off	the window of the signal facts
 *				(default 1h).
 *
 *	Errors are "file:line:col: message" like the rest of the
 *	language; limit names are unique and may not be keywords.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"
#include "rules_limits.h"

#define DEFAULT_TEXT "Sending limit reached, try again later"
#define MAX_LIMIT_VALUE 9007199254740992.0      /* 2^53: exact in Lua */

/* One "limit" statement. */
struct limit_stmt {
    struct limit_def def;       /* name and action strings owned */
    unsigned line;
    struct expr *cond;          /* "if", or NULL */
    struct expr *except;        /* "except", or NULL */
    struct limit_tier tiers[RULES_MAX_TIERS];   /* names owned */
    struct expr *tier_cond[RULES_MAX_TIERS];
    size_t tier_count;
};

struct rules_limits {
    struct limit_stmt *items[RATELIMIT_MAX_APPLY];
    size_t count;
    unsigned long signal_window;        /* seconds; 0 = off */
    bool signal_window_set;
};

/* Key parts as written, in enum limit_key_part order. */
static const char *const key_names[] = {"sasl_user", "sender", "sender_domain",
                                        "client_addr", "client_net"};

/* Counts as written, in enum limit_count order. */
static const char *const count_names[] = {"messages", "recipients", "bytes", "domains"};

/* oom - report an allocation failure at the current token; -1 */
static int oom(struct parser *p)
{
    parse_error(p, &p->tok, "out of memory");
    return -1;
}

/* limits_of - the ruleset's limits, created on first use; NULL with err set */
static struct rules_limits *limits_of(struct parser *p)
{
    if (p->rs->limits == NULL) {
        if ((p->rs->limits = calloc(1, sizeof(*p->rs->limits))) == NULL) {
            oom(p);
            return NULL;
        }
        p->rs->limits->signal_window = RULES_SIGNAL_WINDOW;
    }
    return p->rs->limits;
}

/* stmt_free - release one statement */
static void stmt_free(struct limit_stmt *s)
{
    free((char *)s->def.name);
    action_release(&s->def.action);
    expr_free(s->cond);
    expr_free(s->except);
    for (size_t i = 0; i < s->tier_count; i++) {
        free((char *)s->tiers[i].name);
        expr_free(s->tier_cond[i]);
    }
    free(s);
}

/* limits_free - release the limits of a ruleset; NULL is allowed */
void limits_free(struct rules_limits *limits)
{
    if (limits == NULL)
        return;
    for (size_t i = 0; i < limits->count; i++)
        stmt_free(limits->items[i]);
    free(limits);
}

/* word_index - index of the current word in names[], or -1 */
static int word_index(const struct parser *p, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (parse_is_word(p, names[i]))
            return (int)i;
    return -1;
}

/* parse_prefix_len - an optional client_net prefix length at most max_bits */
static int parse_prefix_len(struct parser *p, const char *family, unsigned max_bits,
                            unsigned *out)
{
    double value;

    if (p->tok.kind != TOK_NUMBER)
        return 0;
    if (parse_number(p, false, &value) < 0)
        return -1;
    if (value < 0 || value > max_bits || value != floor(value)) {
        parse_error(p, &p->tok, "bad %s prefix length \"%s\" (0 to %u)", family, p->tok.text,
                    max_bits);
        return -1;
    }
    *out = (unsigned)value;
    return parse_advance(p);
}

/* parse_key - key PART [, PART]... */
static int parse_key(struct parser *p, struct limit_def *def)
{
    do {
        int part;

        if (def->key_count > 0 && parse_advance(p) < 0)
            return -1;
        if ((part = word_index(p, key_names, sizeof(key_names) / sizeof(key_names[0]))) < 0) {
            if (p->tok.kind == TOK_WORD)
                parse_error(p, &p->tok, "unknown key \"%s\" (expected sasl_user, sender, "
                            "sender_domain, client_addr or client_net)", p->tok.text);
            else
                parse_expected(p, "a key (sasl_user, sender, sender_domain, client_addr "
                               "or client_net)");
            return -1;
        }
        for (size_t i = 0; i < def->key_count; i++) {
            if (def->key[i] == (enum limit_key_part)part) {
                parse_error(p, &p->tok, "key %s given twice", key_names[part]);
                return -1;
            }
        }
        if (def->key_count == RATELIMIT_MAX_KEY_PARTS) {
            parse_error(p, &p->tok, "too many key parts (at most %d)", RATELIMIT_MAX_KEY_PARTS);
            return -1;
        }
        def->key[def->key_count++] = (enum limit_key_part)part;
        if (parse_advance(p) < 0)
            return -1;
        if (part == LIMIT_KEY_CLIENT_NET
            && (parse_prefix_len(p, "IPv4", 32, &def->net4) < 0
                || parse_prefix_len(p, "IPv6", 128, &def->net6) < 0))
            return -1;
    } while (p->tok.kind == TOK_COMMA);
    return 0;
}

/* parse_count - count messages|recipients|bytes|domains */
static int parse_count(struct parser *p, struct limit_def *def)
{
    int i = word_index(p, count_names, sizeof(count_names) / sizeof(count_names[0]));

    if (i < 0) {
        if (p->tok.kind == TOK_WORD)
            parse_error(p, &p->tok, "unknown count \"%s\" (expected messages, recipients, "
                        "bytes or domains)", p->tok.text);
        else
            parse_expected(p, "what to count (messages, recipients, bytes or domains)");
        return -1;
    }
    def->count = (enum limit_count)i;
    return parse_advance(p);
}

/* parse_duration - a DURATION token to seconds; advances past it */
static int parse_duration(struct parser *p, unsigned long *seconds)
{
    if ((p->tok.kind != TOK_NUMBER && p->tok.kind != TOK_WORD)
        || ratelimit_duration_parse(p->tok.text, seconds) < 0) {
        if (p->tok.kind == TOK_NUMBER || p->tok.kind == TOK_WORD)
            parse_error(p, &p->tok, "bad duration \"%s\" (a whole number and s, m, h, d or w, "
                        "from 1s to 366d)", p->tok.text);
        else
            parse_expected(p, "a duration such as 10m or 1d");
        return -1;
    }
    return parse_advance(p);
}

/* parse_window - N per DURATION into w */
static int parse_window(struct parser *p, struct limit_window *w)
{
    double value;

    if (p->tok.kind != TOK_NUMBER) {
        parse_expected(p, "a maximum (a whole number)");
        return -1;
    }
    if (parse_number(p, true, &value) < 0)
        return -1;
    if (value < 0 || value != floor(value) || value > MAX_LIMIT_VALUE) {
        parse_error(p, &p->tok, "bad maximum \"%s\" (a whole number from 0 to 2^53)",
                    p->tok.text);
        return -1;
    }
    w->max = (unsigned long long)value;
    if (parse_advance(p) < 0)
        return -1;
    if (!parse_is_word(p, "per")) {
        parse_expected(p, "per after the maximum");
        return -1;
    }
    return parse_advance(p) < 0 ? -1 : parse_duration(p, &w->seconds);
}

/* parse_windows - N per D [, N per D]... into tier (at the token after "max") */
static int parse_windows(struct parser *p, struct limit_tier *tier)
{
    do {
        struct token at;
        char shown[16];

        if (tier->window_count > 0 && parse_advance(p) < 0)
            return -1;
        if (tier->window_count == RATELIMIT_MAX_WINDOWS) {
            parse_error(p, &p->tok, "too many windows (at most %d)", RATELIMIT_MAX_WINDOWS);
            return -1;
        }
        at = p->tok;
        if (parse_window(p, &tier->windows[tier->window_count]) < 0)
            return -1;
        for (size_t i = 0; i < tier->window_count; i++) {
            if (tier->windows[i].seconds == tier->windows[tier->window_count].seconds) {
                ratelimit_duration_format(tier->windows[i].seconds, shown, sizeof(shown));
                parse_error(p, &at, "window %s given twice", shown);
                return -1;
            }
        }
        tier->window_count++;
    } while (p->tok.kind == TOK_COMMA);
    return 0;
}

/* parse_tier - tier NAME if EXPR max WINDOWS */
static int parse_tier(struct parser *p, struct limit_stmt *s)
{
    struct limit_tier *tier = &s->tiers[s->tier_count];

    if (s->tier_count == RULES_MAX_TIERS) {
        parse_error(p, &p->tok, "too many tiers in limit \"%s\" (at most %d)", s->def.name,
                    RULES_MAX_TIERS);
        return -1;
    }
    if (p->tok.kind != TOK_WORD || parse_is_keyword(p->tok.text)) {
        parse_expected(p, "a tier name");
        return -1;
    }
    for (size_t i = 0; i < s->tier_count; i++) {
        if (strcmp(s->tiers[i].name, p->tok.text) == 0) {
            parse_error(p, &p->tok, "duplicate tier \"%s\" in limit \"%s\"", p->tok.text,
                        s->def.name);
            return -1;
        }
    }
    if (strcmp(p->tok.text, "default") == 0) {
        parse_error(p, &p->tok, "\"default\" names the limit's own maxima, not a tier");
        return -1;
    }
    memset(tier, 0, sizeof(*tier));
    if ((tier->name = strdup(p->tok.text)) == NULL)
        return oom(p);
    s->tier_count++;
    if (parse_advance(p) < 0)
        return -1;
    if (!parse_is_word(p, "if")) {
        parse_expected(p, "if after the tier name");
        return -1;
    }
    if (parse_advance(p) < 0 || (s->tier_cond[s->tier_count - 1] = parse_expr(p)) == NULL)
        return -1;
    if (!parse_is_word(p, "max")) {
        parse_expected(p, "max after the tier's condition");
        return -1;
    }
    return parse_advance(p) < 0 ? -1 : parse_windows(p, tier);
}

/* parse_limit_action - action lock [for D] | action ACTION */
static int parse_limit_action(struct parser *p, struct limit_def *def)
{
    if (!parse_is_word(p, "lock")) {
        action_release(&def->action);
        return parse_action(p, &def->action);
    }
    def->lock = true;
    if (parse_advance(p) < 0)
        return -1;
    if (!parse_is_word(p, "for"))
        return 0;
    return parse_advance(p) < 0 ? -1 : parse_duration(p, &def->lock_seconds);
}

/* Clauses of a limit, in the order of the bits of "seen". */
static const char *const clauses[] = {"key", "count", "max", "if", "except", "action", "tier"};

/* parse_clause - one clause at the current (keyword) token */
static int parse_clause(struct parser *p, struct limit_stmt *s, unsigned *seen)
{
    int i = word_index(p, clauses, sizeof(clauses) / sizeof(clauses[0]));
    char what[200];

    if (i < 0) {
        snprintf(what, sizeof(what), "key, count, max, tier, if, except or action in "
                 "limit \"%s\"", s->def.name);
        parse_expected(p, what);
        return -1;
    }
    if (strcmp(clauses[i], "tier") != 0 && (*seen & (1u << i))) {
        parse_error(p, &p->tok, "%s given twice in limit \"%s\"", clauses[i], s->def.name);
        return -1;
    }
    *seen |= 1u << i;
    if (parse_advance(p) < 0)
        return -1;
    switch (i) {
    case 0:
        return parse_key(p, &s->def);
    case 1:
        return parse_count(p, &s->def);
    case 2:
        return parse_windows(p, &s->def.base);
    case 3:
        return (s->cond = parse_expr(p)) != NULL ? 0 : -1;
    case 4:
        return (s->except = parse_expr(p)) != NULL ? 0 : -1;
    case 5:
        return parse_limit_action(p, &s->def);
    default:
        return parse_tier(p, s);
    }
}

/* stmt_new - a limit named name with the defaults; NULL on allocation failure */
static struct limit_stmt *stmt_new(const char *name, unsigned line)
{
    struct limit_stmt *s = calloc(1, sizeof(*s));

    if (s == NULL)
        return NULL;
    s->line = line;
    s->def.base.name = "default";
    s->def.net4 = RATELIMIT_NET4;
    s->def.net6 = RATELIMIT_NET6;
    s->def.action.kind = ACTION_TEMPFAIL;
    s->def.name = strdup(name);
    s->def.action.reply_code = strdup("451");
    s->def.action.status_code = strdup("4.7.1");
    s->def.action.text = strdup(DEFAULT_TEXT);
    if (s->def.name == NULL || s->def.action.reply_code == NULL
        || s->def.action.status_code == NULL || s->def.action.text == NULL) {
        stmt_free(s);
        return NULL;
    }
    return s;
}

/* has_key - does def's key hold part? */
static bool has_key(const struct limit_def *def, enum limit_key_part part)
{
    for (size_t i = 0; i < def->key_count; i++)
        if (def->key[i] == part)
            return true;
    return false;
}

/* check_stmt - what a complete limit needs; error at the name token */
static int check_stmt(struct parser *p, const struct limit_stmt *s, const struct token *name)
{
    if (s->def.key_count == 0)
        parse_error(p, name, "limit \"%s\" has no key", s->def.name);
    else if (s->def.base.window_count == 0)
        parse_error(p, name, "limit \"%s\" has no max", s->def.name);
    else if (s->def.lock && !has_key(&s->def, LIMIT_KEY_SASL_USER))
        parse_error(p, name, "limit \"%s\": action lock needs sasl_user in its key",
                    s->def.name);
    else
        return 0;
    return -1;
}

/* parse_limit - limit NAME CLAUSE... at the current ("limit") token */
int parse_limit(struct parser *p)
{
    struct rules_limits *limits;
    struct limit_stmt *s;
    struct token name;
    unsigned seen = 0;

    if (parse_advance(p) < 0 || (limits = limits_of(p)) == NULL)
        return -1;
    if (p->tok.kind != TOK_WORD || parse_is_keyword(p->tok.text)) {
        if (p->tok.kind == TOK_WORD)
            parse_error(p, &p->tok, "\"%s\" is a reserved word and cannot name a limit",
                        p->tok.text);
        else
            parse_expected(p, "a limit name");
        return -1;
    }
    for (size_t i = 0; i < limits->count; i++) {
        if (strcmp(limits->items[i]->def.name, p->tok.text) == 0) {
            parse_error(p, &p->tok, "duplicate limit \"%s\" (first defined at line %u)",
                        p->tok.text, limits->items[i]->line);
            return -1;
        }
    }
    if (limits->count == RATELIMIT_MAX_APPLY) {
        parse_error(p, &p->tok, "too many limits (at most %d)", RATELIMIT_MAX_APPLY);
        return -1;
    }
    if ((s = stmt_new(p->tok.text, p->tok.line)) == NULL)
        return oom(p);
    limits->items[limits->count++] = s;
    name = p->tok;
    if (parse_advance(p) < 0)
        return -1;
    while (!parse_at_statement(p))
        if (parse_clause(p, s, &seen) < 0)
            return -1;
    return check_stmt(p, s, &name);
}

/* parse_limit_setting - "set signal_window D|off"; 1 when the name is another setting */
int parse_limit_setting(struct parser *p)
{
    struct rules_limits *limits;

    if (!parse_is_word(p, "signal_window"))
        return 1;
    if ((limits = limits_of(p)) == NULL)
        return -1;
    if (limits->signal_window_set) {
        parse_error(p, &p->tok, "setting signal_window given twice");
        return -1;
    }
    limits->signal_window_set = true;
    if (parse_advance(p) < 0)
        return -1;
    if (parse_is_word(p, "off")) {
        limits->signal_window = 0;
        return parse_advance(p);
    }
    if ((p->tok.kind == TOK_NUMBER || p->tok.kind == TOK_WORD)
        && ratelimit_duration_parse(p->tok.text, &limits->signal_window) == 0)
        return parse_advance(p);
    if (p->tok.kind == TOK_NUMBER || p->tok.kind == TOK_WORD)
        parse_error(p, &p->tok, "bad value \"%s\" for signal_window (expected a duration "
                    "such as 1h, or off)", p->tok.text);
    else
        parse_expected(p, "a duration or off");
    return -1;
}

/* holds - does expr hold for facts? 1, 0, or -1 (no memory); a missing expr: dflt */
static int holds(const struct ruleset *rules, const struct expr *expr,
                 const struct message_facts *facts, int dflt)
{
    return expr == NULL ? dflt : rules_eval_expr(rules, expr, facts);
}

/* applies - the limit's "if" holds and its "except" does not: 1, 0, or -1 (no memory) */
static int applies(const struct ruleset *rules, const struct limit_stmt *s,
                   const struct message_facts *facts)
{
    int rc = holds(rules, s->cond, facts, 1);

    if (rc <= 0)
        return rc;
    rc = holds(rules, s->except, facts, 0);
    return rc < 0 ? -1 : !rc;
}

/* rules_limits_resolve - the limits of rules that apply to facts */
int rules_limits_resolve(const struct ruleset *rules, const struct message_facts *facts,
                         struct limit_apply *apply, size_t *count)
{
    const struct rules_limits *limits = rules->limits;

    *count = 0;
    for (size_t i = 0; limits != NULL && i < limits->count; i++) {
        const struct limit_stmt *s = limits->items[i];
        const struct limit_tier *tier = &s->def.base;
        int rc;

        if ((rc = applies(rules, s, facts)) <= 0) {
            if (rc < 0)
                return -1;
            continue;
        }
        for (size_t t = 0; t < s->tier_count; t++) {
            if ((rc = holds(rules, s->tier_cond[t], facts, 0)) < 0)
                return -1;
            if (rc > 0) {
                tier = &s->tiers[t];
                break;
            }
        }
        apply[(*count)++] = (struct limit_apply){&s->def, tier};
    }
    return 0;
}

/* rules_limit_count - how many limit statements rules has */
size_t rules_limit_count(const struct ruleset *rules)
{
    return rules->limits != NULL ? rules->limits->count : 0;
}

/* rules_signal_window - signal_window in seconds; 0 when off */
unsigned long rules_signal_window(const struct ruleset *rules)
{
    return rules->limits != NULL ? rules->limits->signal_window : RULES_SIGNAL_WINDOW;
}

/* rules_limits_check - resolve, then ratelimit_check */
int rules_limits_check(struct ratelimit_engine *engine, struct redisconn *rc,
                       const struct ruleset *rules, const struct message_facts *facts,
                       const char *queue_id, struct ratelimit_result *result,
                       struct vigie_error *err)
{
    struct limit_apply apply[RATELIMIT_MAX_APPLY];
    struct ratelimit_request request = {
        .facts = facts, .queue_id = queue_id, .limits = apply,
        .signal_seconds = rules_signal_window(rules),
    };

    if (rules_limits_resolve(rules, facts, apply, &request.limit_count) < 0) {
        memset(result, 0, sizeof(*result));
        result->status = RATELIMIT_PASS;
        error_set(err, "rate limits: out of memory evaluating conditions");
        return -1;
    }
    return ratelimit_check(engine, rc, &request, result, err);
}
