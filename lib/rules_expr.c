/*
 * NAME
 *	rules_expr - the expressions of vigie.rules ("if ...")
 * SYNOPSIS
 *	#include "rules_internal.h"
 *
 *	struct expr *parse_expr(struct parser *p);
 *	void expr_free(struct expr *expr);
 * DESCRIPTION
 *	EXPR := EXPR or EXPR | EXPR and EXPR | not EXPR | ( EXPR ) | TEST
 *	(not binds tighter than and, and tighter than or).
 *	TEST := BOOLFACT | FACT OP VALUE | FACT "arg" OP VALUE
 *	      | MULTIFACT exists | FACT "arg" exists
 *
 *	Each test is type-checked against the fact table when parsed:
 *	the operator must apply to the fact's type, the value must be of
 *	the operator's kind, a list must suit the fact, a regex must
 *	compile. "a or b or c" is one node with three children, so the
 *	tree is only as deep as the nesting of "(" and "not", which is
 *	limited to RULES_MAX_DEPTH: evaluating and freeing a tree recurse
 *	at most that deep.
 *
 *	Errors go to p->err as "file:line:col: message"; on error every
 *	node built so far is freed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* expr_free - release a tree; NULL is allowed */
void expr_free(struct expr *expr)
{
    size_t i;

    if (expr == NULL)
        return;
    for (i = 0; i < expr->kid_count; i++)
        expr_free(expr->kids[i]);
    free(expr->kids);
    if (expr->kind == EXPR_TEST) {
        free(expr->arg);
        if (expr->op == OP_MATCH)
            pcre2_code_free(expr->value.regex);
        else if (expr->op == OP_EQ && expr->fact->type == FACT_STRING)
            free(expr->value.string);
    }
    free(expr);
}

/* new_node - a zeroed node of a kind; NULL with err set */
static struct expr *new_node(struct parser *p, enum expr_kind kind)
{
    struct expr *e = calloc(1, sizeof(*e));

    if (e == NULL)
        parse_error(p, &p->tok, "out of memory");
    else
        e->kind = kind;
    return e;
}

/* add_kid - append a child, taking it; 0, or -1 (kid freed) */
static int add_kid(struct parser *p, struct expr *e, struct expr *kid)
{
    struct expr **grown = reallocarray(e->kids, e->kid_count + 1, sizeof(*grown));

    if (grown == NULL) {
        expr_free(kid);
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    e->kids = grown;
    e->kids[e->kid_count++] = kid;
    return 0;
}

/* Operators as written, for messages; indexed by enum test_op. */
static const char *const op_names[] = {
    [OP_TRUE] = "", [OP_EQ] = "==", [OP_MATCH] = "=~", [OP_IN] = "in",
    [OP_LT] = "<", [OP_LE] = "<=", [OP_GT] = ">", [OP_GE] = ">=", [OP_EXISTS] = "exists",
};

/* op_name - the operator as the user wrote it */
static const char *op_name(const struct expr *e)
{
    if (e->negate)
        return e->op == OP_EQ ? "!=" : e->op == OP_MATCH ? "!~" : "not in";
    return op_names[e->op];
}

/* read_operator - the operator at the current token: 0, 1 when none is there, -1 */
static int read_operator(struct parser *p, struct expr *e)
{
    static const struct {
        enum token_kind kind;
        enum test_op op;
        bool negate;
    } ops[] = {
        {TOK_EQ, OP_EQ, false}, {TOK_NE, OP_EQ, true},
        {TOK_MATCH, OP_MATCH, false}, {TOK_NOMATCH, OP_MATCH, true},
        {TOK_LT, OP_LT, false}, {TOK_LE, OP_LE, false},
        {TOK_GT, OP_GT, false}, {TOK_GE, OP_GE, false},
    };
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (p->tok.kind == ops[i].kind) {
            e->op = ops[i].op;
            e->negate = ops[i].negate;
            return 0;
        }
    }
    if (parse_is_word(p, "in")) {
        e->op = OP_IN;
        return 0;
    }
    if (parse_is_word(p, "exists")) {
        e->op = OP_EXISTS;
        return 0;
    }
    if (parse_is_word(p, "not")) {
        if (parse_advance(p) < 0)
            return -1;
        if (!parse_is_word(p, "in")) {
            parse_expected(p, "in after not");
            return -1;
        }
        e->op = OP_IN;
        e->negate = true;
        return 0;
    }
    return 1;
}

/* op_applies - may e->op be used on e->fact? */
static bool op_applies(const struct expr *e)
{
    switch (e->fact->type) {
    case FACT_BOOL:
        return false;
    case FACT_NUMBER:
        return e->op != OP_MATCH && e->op != OP_IN && e->op != OP_EXISTS;
    case FACT_STRING:
    case FACT_ADDRESS:
        if (e->op == OP_EXISTS)
            return e->fact->multi;
        return e->op == OP_EQ || e->op == OP_MATCH || e->op == OP_IN;
    }
    return false;
}

/* read_regex - compile the regex at the current token */
static int read_regex(struct parser *p, struct expr *e)
{
    uint32_t options = PCRE2_UTF | PCRE2_MATCH_INVALID_UTF;
    PCRE2_UCHAR msg[256];
    PCRE2_SIZE offset;
    int code;

    if (p->tok.regex_flags & REGEX_FLAG_I)
        options |= PCRE2_CASELESS;
    if (p->tok.regex_flags & REGEX_FLAG_M)
        options |= PCRE2_MULTILINE;
    if (p->tok.regex_flags & REGEX_FLAG_S)
        options |= PCRE2_DOTALL;
    if (p->tok.regex_flags & REGEX_FLAG_X)
        options |= PCRE2_EXTENDED;
    e->value.regex = pcre2_compile((PCRE2_SPTR)p->tok.text, p->tok.len, options, &code,
                                   &offset, NULL);
    if (e->value.regex == NULL) {
        if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
            strcpy((char *)msg, "cannot compile");
        parse_error(p, &p->tok, "bad regex: %s", (char *)msg);
        return -1;
    }
    /* JIT speeds matching up; without it (unsupported, no memory) PCRE2 interprets. */
    (void)pcre2_jit_compile(e->value.regex, PCRE2_JIT_COMPLETE);
    return 0;
}

/* read_list - the list named at the current token, checked against the fact */
static int read_list(struct parser *p, struct expr *e)
{
    const char *why;
    char buf[160];

    e->value.list = parse_find_list(p, p->tok.text);
    if (e->value.list == NULL) {
        parse_error(p, &p->tok, "unknown list \"%s\"", p->tok.text);
        return -1;
    }
    why = list_check_fact(e->value.list, e->fact, buf, sizeof(buf));
    if (why != NULL) {
        parse_error(p, &p->tok, "list \"%s\" cannot be used with %s: %s", p->tok.text,
                    e->fact->name, why);
        return -1;
    }
    return 0;
}

/* read_value - the value after the operator, of the kind the operator needs */
static int read_value(struct parser *p, struct expr *e)
{
    char what[64];

    if (e->op == OP_MATCH) {
        if (p->tok.kind == TOK_REGEX)
            return read_regex(p, e);
        snprintf(what, sizeof(what), "a /regex/ after %s", op_name(e));
    } else if (e->op == OP_IN) {
        if (p->tok.kind == TOK_WORD)
            return read_list(p, e);
        snprintf(what, sizeof(what), "a list name after %s", op_name(e));
    } else if (e->fact->type == FACT_NUMBER) {
        if (p->tok.kind == TOK_NUMBER)
            return parse_number(p, true, &e->value.number);
        snprintf(what, sizeof(what), "a number after %s", op_name(e));
    } else if (e->fact->type == FACT_ADDRESS) {
        if (p->tok.kind == TOK_STRING) {
            if (netnet_parse(p->tok.text, &e->value.network) == 0)
                return 0;
            parse_error(p, &p->tok, "bad IP address or network \"%s\"", p->tok.text);
            return -1;
        }
        snprintf(what, sizeof(what), "an IP address in quotes after %s", op_name(e));
    } else {
        if (p->tok.kind == TOK_STRING) {
            e->value.string = strdup(p->tok.text);
            if (e->value.string != NULL)
                return 0;
            parse_error(p, &p->tok, "out of memory");
            return -1;
        }
        snprintf(what, sizeof(what), "a string in quotes after %s", op_name(e));
    }
    parse_expected(p, what);
    return -1;
}

/* read_arg - the fact's argument (a header name) at the current token */
static int read_arg(struct parser *p, struct expr *e)
{
    char what[64];

    if (p->tok.kind != TOK_STRING) {
        snprintf(what, sizeof(what), "a %s in quotes after %s", e->fact->arg_name,
                 e->fact->name);
        parse_expected(p, what);
        return -1;
    }
    if (!e->fact->arg_ok(p->tok.text)) {
        parse_error(p, &p->tok, "bad %s \"%s\"", e->fact->arg_name, p->tok.text);
        return -1;
    }
    e->arg = strdup(p->tok.text);
    if (e->arg == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    return parse_advance(p);
}

/* parse_test_body - everything after the fact name; 0, or -1 */
static int parse_test_body(struct parser *p, struct expr *e)
{
    char what[64];
    int rc;

    if (e->fact->arg_name != NULL && read_arg(p, e) < 0)
        return -1;
    /* "trusted not in" is no test: leave "not" to the caller. */
    if (e->fact->type == FACT_BOOL && parse_is_word(p, "not"))
        rc = 1;
    else if ((rc = read_operator(p, e)) < 0)
        return -1;
    if (rc > 0) {
        if (e->fact->type == FACT_BOOL) {
            e->op = OP_TRUE;
            return 0;
        }
        snprintf(what, sizeof(what), "an operator after %s", e->fact->name);
        parse_expected(p, what);
        return -1;
    }
    if (!op_applies(e)) {
        parse_error(p, &p->tok, "operator %s does not apply to %s (%s)", op_name(e),
                    e->fact->name, e->op == OP_EXISTS && e->fact->type != FACT_BOOL
                    ? "single-valued" : fact_type_name(e->fact->type));
        return -1;
    }
    if (parse_advance(p) < 0)
        return -1;
    if (e->op == OP_EXISTS)
        return 0;
    if (read_value(p, e) < 0)
        return -1;
    return parse_advance(p);
}

/* parse_test - one test at the current token */
static struct expr *parse_test(struct parser *p)
{
    const struct fact_def *fact;
    struct expr *e;

    if (p->tok.kind != TOK_WORD || parse_is_keyword(p->tok.text)) {
        parse_expected(p, "an expression");
        return NULL;
    }
    if ((fact = fact_lookup(p->tok.text)) == NULL) {
        parse_error(p, &p->tok, "unknown fact \"%s\"", p->tok.text);
        return NULL;
    }
    if ((e = new_node(p, EXPR_TEST)) == NULL)
        return NULL;
    e->fact = fact;
    if (parse_advance(p) < 0 || parse_test_body(p, e) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/* parse_unary - not EXPR, ( EXPR ), or a test */
static struct expr *parse_unary(struct parser *p)
{
    struct expr *e = NULL;
    struct expr *kid;
    bool is_not = parse_is_word(p, "not");

    if (!is_not && p->tok.kind != TOK_LPAREN)
        return parse_test(p);
    if (p->depth >= RULES_MAX_DEPTH) {
        parse_error(p, &p->tok, "expression nested too deeply (limit %d)", RULES_MAX_DEPTH);
        return NULL;
    }
    if (parse_advance(p) < 0)
        return NULL;
    p->depth++;
    kid = is_not ? parse_unary(p) : parse_expr(p);
    p->depth--;
    if (kid == NULL)
        return NULL;
    if (!is_not) {
        if (p->tok.kind == TOK_RPAREN && parse_advance(p) == 0)
            return kid;
        if (p->tok.kind != TOK_RPAREN)
            parse_expected(p, "')'");
        expr_free(kid);
        return NULL;
    }
    if ((e = new_node(p, EXPR_NOT)) == NULL) {
        expr_free(kid);
        return NULL;
    }
    if (add_kid(p, e, kid) < 0) {
        expr_free(e);
        return NULL;
    }
    return e;
}

/* parse_chain - sub (word sub)*: one node with every operand as a child */
static struct expr *parse_chain(struct parser *p, enum expr_kind kind, const char *word,
                                struct expr *(*sub)(struct parser *))
{
    struct expr *first = sub(p);
    struct expr *e;
    struct expr *kid;

    if (first == NULL || !parse_is_word(p, word))
        return first;
    if ((e = new_node(p, kind)) == NULL) {
        expr_free(first);
        return NULL;
    }
    if (add_kid(p, e, first) < 0) {
        expr_free(e);
        return NULL;
    }
    while (parse_is_word(p, word)) {
        if (parse_advance(p) < 0 || (kid = sub(p)) == NULL || add_kid(p, e, kid) < 0) {
            expr_free(e);
            return NULL;
        }
    }
    return e;
}

/* parse_and - unary (and unary)* */
static struct expr *parse_and(struct parser *p)
{
    return parse_chain(p, EXPR_AND, "and", parse_unary);
}

/* parse_expr - "EXPR" at the current token; the tree, or NULL with err set */
struct expr *parse_expr(struct parser *p)
{
    return parse_chain(p, EXPR_OR, "or", parse_and);
}
