/*
 * NAME
 *	rules_eval - evaluate a ruleset against the facts of a message
 * SYNOPSIS
 *	#include "rules.h"
 *
 *	int rules_evaluate(const struct ruleset *rules,
 *			   const struct message_facts *facts,
 *			   struct verdict *out);
 *	void verdict_free(struct verdict *verdict);
 * DESCRIPTION
 *	Every rule is tested in file order; and/or short-circuit. A test
 *	on a multi-valued fact (rcpt, rcpt_domain, header) is true when
 *	any value passes the positive test (== =~ in); != !~ "not in" are
 *	its negation, so they are true when no value (or no value at all)
 *	passes. Header values are unfolded (CRLF or LF before a space or
 *	tab removed) in a per-call copy; the facts are never modified. A
 *	regex that hits a PCRE2 limit does not match. A number fact whose
 *	value is unknown (NAN, e.g. bayes when Bayes did not run) fails
 *	every comparison, != included.
 *
 *	Verdict: score is the sum of the scores of the rules that hit. If
 *	any rule that hit has an action, the strongest one wins (the
 *	first in file order among equals) and thresholds are ignored;
 *	otherwise the highest threshold at or below the score decides, and
 *	without one the message is accepted. required is the lowest
 *	threshold whose action is flag or stronger, or INFINITY when there
 *	is none (X-Spam-Status then never reads spam by score).
 *
 *	Thread safety: the ruleset is only read. Match data for PCRE2 is
 *	allocated per call, through the ruleset's allocator.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "rules_internal.h"

/* Header values up to this size are unfolded on the stack. */
#define UNFOLD_STACK 512

struct eval_ctx {
    const struct ruleset *rules;
    const struct message_facts *facts;
    pcre2_match_data *match;
};

/* eval_malloc - PCRE2's memory, through the ruleset's allocator */
static void *eval_malloc(size_t size, void *data)
{
    const struct ruleset *rules = data;

    return rules->alloc(NULL, size);
}

/* eval_free - release what eval_malloc gave */
static void eval_free(void *ptr, void *data)
{
    (void)data;
    free(ptr);
}

/* rules_eval_init - evaluation contexts of a new ruleset */
int rules_eval_init(struct ruleset *rules)
{
    rules->alloc = realloc;
    rules->match_context = pcre2_match_context_create(NULL);
    rules->eval_context = pcre2_general_context_create(eval_malloc, eval_free, rules);
    if (rules->match_context == NULL || rules->eval_context == NULL)
        return -1;
    if (pcre2_set_match_limit(rules->match_context, RULES_REGEX_MATCH_LIMIT) != 0)
        return -1;
    return 0;
}

/* rules_eval_fini - release what rules_eval_init made */
void rules_eval_fini(struct ruleset *rules)
{
    pcre2_match_context_free(rules->match_context);
    pcre2_general_context_free(rules->eval_context);
    rules->match_context = NULL;
    rules->eval_context = NULL;
}

/* rules_set_allocator - test seam: allocator used by rules_evaluate */
void rules_set_allocator(struct ruleset *rules, rules_alloc_fn alloc)
{
    rules->alloc = alloc;
}

/* value_test - one string value against the positive test: 1, 0, or -1 (no memory) */
static int value_test(const struct eval_ctx *ctx, const struct expr *e, const char *value)
{
    int rc;

    switch (e->op) {
    case OP_EQ:
        if (e->fact->match == MATCH_TEXT)
            return strcmp(value, e->value.string) == 0;
        return strcasecmp(value, e->value.string) == 0;
    case OP_MATCH:
        rc = pcre2_match(e->value.regex, (PCRE2_SPTR)value, strlen(value), 0, 0, ctx->match,
                         ctx->rules->match_context);
        if (rc == PCRE2_ERROR_NOMEMORY)
            return -1;
        return rc >= 0;
    case OP_IN:
        return list_match_string(e->value.list, e->fact->match, value);
    default:
        return 0;
    }
}

/* unfold - copy value without the CRLF/LF of its folds; out holds strlen(value) + 1 */
static void unfold(const char *value, char *out)
{
    while (*value != '\0') {
        if (value[0] == '\r' && value[1] == '\n' && (value[2] == ' ' || value[2] == '\t'))
            value += 2;
        else if (value[0] == '\n' && (value[1] == ' ' || value[1] == '\t'))
            value += 1;
        else
            *out++ = *value++;
    }
    *out = '\0';
}

/* folded_test - value_test on the unfolded value */
static int folded_test(const struct eval_ctx *ctx, const struct expr *e, const char *value)
{
    char local[UNFOLD_STACK];
    size_t len;
    char *copy;
    int rc;

    if (strchr(value, '\n') == NULL)
        return value_test(ctx, e, value);
    len = strlen(value);
    copy = len < sizeof(local) ? local : ctx->rules->alloc(NULL, len + 1);
    if (copy == NULL)
        return -1;
    unfold(value, copy);
    rc = value_test(ctx, e, copy);
    if (copy != local)
        free(copy);
    return rc;
}

/* any_value - does any value of a string fact pass the positive test? */
static int any_value(const struct eval_ctx *ctx, const struct expr *e)
{
    const struct fact_def *fact = e->fact;
    size_t cursor = 0;
    const char *value;
    int rc;

    if (e->op == OP_EXISTS)
        return fact->next_string(ctx->facts, e->arg, &cursor) != NULL;
    while ((value = fact->next_string(ctx->facts, e->arg, &cursor)) != NULL) {
        rc = fact->folded ? folded_test(ctx, e, value) : value_test(ctx, e, value);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/* address_test - == or in on an address fact; false when the address is unknown */
static bool address_test(const struct eval_ctx *ctx, const struct expr *e)
{
    struct netaddr addr;

    if (!e->fact->get_address(ctx->facts, &addr))
        return false;
    if (e->op == OP_EQ)
        return netnet_contains(&e->value.network, &addr);
    return list_match_address(e->value.list, &addr);
}

/* number_test - a comparison on the (known) value of a number fact */
static bool number_test(const struct expr *e, double value)
{
    double want = e->value.number;

    switch (e->op) {
    case OP_EQ:
        return value == want;
    case OP_LT:
        return value < want;
    case OP_LE:
        return value <= want;
    case OP_GT:
        return value > want;
    case OP_GE:
        return value >= want;
    default:
        return false;
    }
}

/* eval_test - one test: 1, 0, or -1 (no memory) */
static int eval_test(const struct eval_ctx *ctx, const struct expr *e)
{
    double value;
    int rc;

    switch (e->fact->type) {
    case FACT_BOOL:
        rc = e->fact->get_bool(ctx->facts);
        break;
    case FACT_NUMBER:
        value = e->fact->get_number(ctx->facts);
        if (isnan(value))
            return 0;           /* unknown: no comparison holds, not even != */
        rc = number_test(e, value);
        break;
    default:
        if (e->fact->type == FACT_ADDRESS && e->op != OP_MATCH)
            rc = address_test(ctx, e);
        else if ((rc = any_value(ctx, e)) < 0)
            return -1;
        break;
    }
    return e->negate ? !rc : rc;
}

/* eval_expr - a tree: 1, 0, or -1 (no memory); depth bounded by the parser */
static int eval_expr(const struct eval_ctx *ctx, const struct expr *e)
{
    size_t i;
    int rc;

    switch (e->kind) {
    case EXPR_OR:
        for (i = 0; i < e->kid_count; i++)
            if ((rc = eval_expr(ctx, e->kids[i])) != 0)
                return rc;
        return 0;
    case EXPR_AND:
        for (i = 0; i < e->kid_count; i++)
            if ((rc = eval_expr(ctx, e->kids[i])) <= 0)
                return rc;
        return 1;
    case EXPR_NOT:
        rc = eval_expr(ctx, e->kids[0]);
        return rc < 0 ? rc : !rc;
    case EXPR_TEST:
        return eval_test(ctx, e);
    }
    return 0;
}

/* rules_eval_expr - one expression against facts: 1, 0, or -1 (no memory) */
int rules_eval_expr(const struct ruleset *rules, const struct expr *expr,
                    const struct message_facts *facts)
{
    struct eval_ctx ctx = {.rules = rules, .facts = facts};
    int rc;

    if ((ctx.match = pcre2_match_data_create(1, rules->eval_context)) == NULL)
        return -1;
    rc = eval_expr(&ctx, expr);
    pcre2_match_data_free(ctx.match);
    return rc;
}

/* add_hit - append a rule to the hits; 0, or -1 (no memory) */
static int add_hit(const struct ruleset *rules, struct verdict *out, size_t *cap,
                   const struct rule *r)
{
    struct rule_hit *hit;

    if (out->hit_count == *cap) {
        size_t ncap = *cap ? *cap * 2 : 8;
        struct rule_hit *grown = rules->alloc(out->hits, ncap * sizeof(*grown));

        if (grown == NULL)
            return -1;
        out->hits = grown;
        *cap = ncap;
    }
    hit = &out->hits[out->hit_count++];
    hit->name = r->name;
    hit->score = (double)r->score / 1000;
    hit->description = r->description != NULL ? r->description : "";
    return 0;
}

/* decide - the action when no rule forced one: the highest threshold reached */
static struct action decide(const struct ruleset *rules, long long score)
{
    static const struct action accept = {.kind = ACTION_ACCEPT};
    const struct threshold *best = NULL;
    size_t i;

    for (i = 0; i < rules->threshold_count && rules->thresholds[i].score <= score; i++)
        best = &rules->thresholds[i];
    return best != NULL ? best->action : accept;
}

/* required - the lowest threshold that flags, or INFINITY */
static double required(const struct ruleset *rules)
{
    size_t i;

    for (i = 0; i < rules->threshold_count; i++)
        if (rules->thresholds[i].action.kind >= ACTION_FLAG)
            return (double)rules->thresholds[i].score / 1000;
    return INFINITY;
}

/* rules_evaluate - score facts; fill *out */
int rules_evaluate(const struct ruleset *rules, const struct message_facts *facts,
                   struct verdict *out)
{
    struct eval_ctx ctx = {.rules = rules, .facts = facts};
    const struct rule *forced = NULL;
    long long score = 0;
    size_t cap = 0;
    size_t i;
    int rc;

    memset(out, 0, sizeof(*out));
    ctx.match = pcre2_match_data_create(1, rules->eval_context);
    if (ctx.match == NULL)
        return -1;
    for (i = 0; i < rules->rule_count; i++) {
        const struct rule *r = rules->rules[i];

        if ((rc = eval_expr(&ctx, r->expr)) < 0 || (rc > 0 && add_hit(rules, out, &cap, r) < 0))
            goto fail;
        if (rc == 0)
            continue;
        score += r->score;
        if (r->has_action && (forced == NULL || r->action.kind > forced->action.kind))
            forced = r;
    }
    pcre2_match_data_free(ctx.match);
    out->score = (double)score / 1000;
    out->required = required(rules);
    out->action = forced != NULL ? forced->action : decide(rules, score);
    out->forced_by = forced != NULL ? forced->name : NULL;
    out->spam = out->action.kind >= ACTION_FLAG;
    return 0;
fail:
    pcre2_match_data_free(ctx.match);
    free(out->hits);
    memset(out, 0, sizeof(*out));
    return -1;
}

/* verdict_free - release what rules_evaluate allocated */
void verdict_free(struct verdict *verdict)
{
    free(verdict->hits);
    verdict->hits = NULL;
    verdict->hit_count = 0;
}
