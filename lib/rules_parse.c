/*
 * NAME
 *	rules_parse - vigie.rules statements and the ruleset life cycle
 * SYNOPSIS
 *	#include "rules.h"
 *
 *	struct ruleset *rules_load(const char *path, struct vigie_error *err);
 *	struct ruleset *rules_parse(const char *name, const char *text,
 *				    size_t len, const char *base_dir,
 *				    struct vigie_error *err);
 *	void rules_free(struct ruleset *rules);
 * DESCRIPTION
 *	Top-level statements, each started by its keyword:
 *
 *	list NAME = ENTRY, ENTRY, ...	list NAME from "file"
 *	set SETTING on|off
 *	rule NAME  if EXPR  [score N]  [action ACTION]  [describe "text"]
 *	threshold N ACTION
 *	limit NAME CLAUSE...		(rules_limits.c)
 *
 *	A rule's clauses come in any order, each at most once, and run to
 *	the next top-level keyword. A list must be declared before a rule
 *	uses it. Rule and list names are unique; keywords are reserved.
 *	Scores are kept in thousandths of a point so that sums compare
 *	exactly with thresholds.
 *
 *	The first error stops parsing: "file:line:col: message", and
 *	nothing is returned (a partial ruleset is freed).
 */
#include <ctype.h>
#include <search.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_internal.h"

/* parse_is_keyword - a word of the language */
bool parse_is_keyword(const char *word)
{
    static const char *const keywords[] = {
        "and", "or", "not", "in", "exists", "if", "score", "action", "describe",
        "list", "set", "rule", "threshold", "from", "limit",
    };
    size_t i;

    for (i = 0; i < sizeof(keywords) / sizeof(keywords[0]); i++)
        if (strcmp(word, keywords[i]) == 0)
            return true;
    return false;
}

/* parse_error - "file:line:col: message" at tok */
void parse_error(struct parser *p, const struct token *tok, const char *fmt, ...)
{
    char msg[sizeof(p->err->msg)];
    va_list ap;

    if (p->err == NULL)
        return;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_at_col(p->err, p->lex.name, tok->line, tok->col, "%s", msg);
}

/* parse_expected - "expected WHAT, found <current token>" */
void parse_expected(struct parser *p, const char *what)
{
    char found[80];

    token_describe(&p->tok, found, sizeof(found));
    parse_error(p, &p->tok, "expected %s, found %s", what, found);
}

/* parse_advance - read the next token into p->tok */
int parse_advance(struct parser *p)
{
    return lex_next(&p->lex, &p->tok, p->err);
}

/* parse_is_word - is the current token the word w? */
bool parse_is_word(const struct parser *p, const char *w)
{
    return p->tok.kind == TOK_WORD && strcmp(p->tok.text, w) == 0;
}

/* parse_at_statement - the current token ends the previous statement */
bool parse_at_statement(const struct parser *p)
{
    return p->tok.kind == TOK_EOF || parse_is_word(p, "list") || parse_is_word(p, "set")
        || parse_is_word(p, "rule") || parse_is_word(p, "threshold")
        || parse_is_word(p, "limit");
}

/* parse_number - a NUMBER token to a value, k/M/G multiplying by 1024^n */
int parse_number(struct parser *p, bool allow_suffix, double *out)
{
    static const char suffixes[] = "kKmMgG";
    const char *s = p->tok.text;
    const char *suffix;
    double value;
    bool negative = *s == '-';
    size_t n = 0;

    if (negative)
        s++;
    for (; isdigit((unsigned char)s[n]); n++)
        continue;
    if (n == 0 || n > 15)
        goto bad;
    /* strtod rounds to the nearest double: 0.95 compares equal to a computed 0.95 */
    value = strtod(s, NULL);
    s += n;
    if (*s == '.') {
        if (!isdigit((unsigned char)*++s))
            goto bad;
        while (isdigit((unsigned char)*s))
            s++;
    }
    if (allow_suffix && *s != '\0' && (suffix = strchr(suffixes, *s)) != NULL) {
        for (n = 0; n <= (size_t)(suffix - suffixes) / 2; n++)
            value *= 1024;
        s++;
    }
    if (*s != '\0')
        goto bad;
    *out = negative ? -value : value;
    return 0;
bad:
    parse_error(p, &p->tok, "bad number \"%s\"", p->tok.text);
    return -1;
}

/* parse_score - a score or threshold in thousandths; advances past it */
static int parse_score(struct parser *p, long long *milli)
{
    double value;

    if (p->tok.kind != TOK_NUMBER) {
        parse_expected(p, "a number");
        return -1;
    }
    if (parse_number(p, false, &value) < 0)
        return -1;
    if (value > RULES_MAX_SCORE || value < -RULES_MAX_SCORE) {
        parse_error(p, &p->tok, "score %s out of range (limit %d)", p->tok.text,
                    RULES_MAX_SCORE);
        return -1;
    }
    *milli = (long long)(value * 1000 + (value < 0 ? -0.5 : 0.5));
    return parse_advance(p);
}

/* grow - array with room for one more element (maybe moved); NULL with err set */
static void *grow(struct parser *p, void *array, size_t *cap, size_t count, size_t size)
{
    void *bigger;
    size_t ncap;

    if (count < *cap)
        return array;
    ncap = *cap ? *cap * 2 : 16;
    if ((bigger = reallocarray(array, ncap, size)) == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return NULL;
    }
    *cap = ncap;
    return bigger;
}

/* compare_list_names - order of the list index */
static int compare_list_names(const void *a, const void *b)
{
    return strcmp(((const struct rules_list *)a)->name, ((const struct rules_list *)b)->name);
}

/* compare_rule_names - order of the rule index */
static int compare_rule_names(const void *a, const void *b)
{
    return strcmp(((const struct rule *)a)->name, ((const struct rule *)b)->name);
}

/* parse_find_list - a list declared earlier, or NULL */
const struct rules_list *parse_find_list(const struct parser *p, const char *name)
{
    struct rules_list key = {.name = (char *)name};
    void *const *node = tfind(&key, &p->list_index, compare_list_names);

    return node != NULL ? *node : NULL;
}

/*
 * index_name - add item to a name index
 *	Returns item, or the item of that name already there, or NULL
 *	with err set on allocation failure.
 */
static void *index_name(struct parser *p, void **root, void *item,
                        int (*compare)(const void *, const void *))
{
    void **node = tsearch(item, root, compare);

    if (node == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return NULL;
    }
    return *node;
}

/* read_name - the name after "rule" or "list" at the current token */
static int read_name(struct parser *p, const char *what)
{
    char expected[32];

    if (p->tok.kind == TOK_WORD && !parse_is_keyword(p->tok.text))
        return 0;
    if (p->tok.kind == TOK_WORD) {
        parse_error(p, &p->tok, "\"%s\" is a reserved word and cannot name a %s",
                    p->tok.text, what);
        return -1;
    }
    snprintf(expected, sizeof(expected), "a %s name", what);
    parse_expected(p, expected);
    return -1;
}

/* list_path - a list file name resolved against base_dir; caller frees */
static char *list_path(const struct parser *p, const char *name)
{
    char *path;

    if (name[0] == '/' || p->base_dir == NULL)
        return strdup(name);
    if (asprintf(&path, "%s/%s", p->base_dir, name) < 0)
        return NULL;
    return path;
}

/* parse_list_file - "from "file"": load the entries */
static int parse_list_file(struct parser *p, struct rules_list *list)
{
    enum rules_file_status status;
    char msg[512];
    char *path;
    int errnum;
    int rc;

    if (p->tok.kind != TOK_STRING) {
        parse_expected(p, "a file name in quotes");
        return -1;
    }
    if ((path = list_path(p, p->tok.text)) == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    rc = list_load_file(list, path, &status, &errnum, p->err);
    if (rc < 0 && status != RULES_FILE_OK) {
        rules_file_describe(status, errnum, "list file", path, msg, sizeof(msg));
        parse_error(p, &p->tok, "%s", msg);
    }
    free(path);
    return rc < 0 ? -1 : parse_advance(p);
}

/* parse_list_entries - "= entry, entry, ..." */
static int parse_list_entries(struct parser *p, struct rules_list *list)
{
    const char *problem;

    do {
        if (lex_entry(&p->lex, &p->tok, p->err) < 0)
            return -1;
        if (p->tok.kind != TOK_ENTRY) {
            parse_expected(p, "a list entry");
            return -1;
        }
        if (list_add(list, p->tok.text, &problem) < 0) {
            if (problem != NULL)
                parse_error(p, &p->tok, "bad list entry \"%s\": %s", p->tok.text, problem);
            else
                parse_error(p, &p->tok, "out of memory");
            return -1;
        }
        if (parse_advance(p) < 0)
            return -1;
    } while (p->tok.kind == TOK_COMMA);
    return 0;
}

/* parse_list - list NAME = entries | list NAME from "file" */
static int parse_list(struct parser *p)
{
    struct rules_list **lists;
    struct rules_list *list;
    struct rules_list *first;
    struct ruleset *rs = p->rs;
    int rc;

    if (parse_advance(p) < 0 || read_name(p, "list") < 0)
        return -1;
    if ((lists = grow(p, rs->lists, &rs->list_cap, rs->list_count, sizeof(*lists))) == NULL)
        return -1;
    rs->lists = lists;
    if ((list = list_new(p->tok.text, p->tok.line)) == NULL) {
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    rs->lists[rs->list_count++] = list;
    if ((first = index_name(p, &p->list_index, list, compare_list_names)) != list) {
        if (first != NULL)
            parse_error(p, &p->tok, "duplicate list \"%s\" (first defined at line %u)",
                        list->name, first->line);
        return -1;
    }
    if (parse_advance(p) < 0)
        return -1;
    if (p->tok.kind == TOK_ASSIGN)
        rc = parse_list_entries(p, list);
    else if (parse_is_word(p, "from"))
        rc = parse_advance(p) < 0 ? -1 : parse_list_file(p, list);
    else {
        parse_expected(p, "= or from after the list name");
        rc = -1;
    }
    if (rc == 0)
        list_seal(list);
    return rc;
}

/* Settings: name and place in struct rules_settings (all on/off). */
static const struct {
    const char *name;
    size_t offset;
} settings[] = {
    {"relay_guard", offsetof(struct rules_settings, relay_guard)},
    {"sender_login_check", offsetof(struct rules_settings, sender_login_check)},
};

/* parse_set - set NAME on|off */
static int parse_set(struct parser *p)
{
    size_t i;
    bool on;
    int rc;

    if (parse_advance(p) < 0)
        return -1;
    if (p->tok.kind != TOK_WORD) {
        parse_expected(p, "a setting name");
        return -1;
    }
    if ((rc = parse_limit_setting(p)) <= 0)
        return rc;
    for (i = 0; i < sizeof(settings) / sizeof(settings[0]); i++)
        if (strcmp(p->tok.text, settings[i].name) == 0)
            break;
    if (i == sizeof(settings) / sizeof(settings[0])) {
        parse_error(p, &p->tok, "unknown setting \"%s\"", p->tok.text);
        return -1;
    }
    if (p->settings_seen & (1u << i)) {
        parse_error(p, &p->tok, "setting %s given twice", settings[i].name);
        return -1;
    }
    p->settings_seen |= 1u << i;
    if (parse_advance(p) < 0)
        return -1;
    if (parse_is_word(p, "on") || parse_is_word(p, "off")) {
        on = parse_is_word(p, "on");
        *(bool *)((char *)&p->rs->settings + settings[i].offset) = on;
        return parse_advance(p);
    }
    if (p->tok.kind == TOK_WORD)
        parse_error(p, &p->tok, "bad value \"%s\" for %s (expected on or off)", p->tok.text,
                    settings[i].name);
    else
        parse_expected(p, "on or off");
    return -1;
}

/* parse_clause - one clause of a rule at the current (keyword) token */
static int parse_clause(struct parser *p, struct rule *r, bool *seen_score,
                        bool *seen_describe)
{
    static const char *const clauses[] = {"if", "score", "action", "describe"};
    bool given[4] = {r->expr != NULL, *seen_score, r->has_action, *seen_describe};
    size_t i;

    for (i = 0; i < 4; i++)
        if (parse_is_word(p, clauses[i]))
            break;
    if (i == 4) {
        char what[200];

        snprintf(what, sizeof(what), "if, score, action or describe in rule \"%s\"",
                 r->name);
        parse_expected(p, what);
        return -1;
    }
    if (given[i]) {
        parse_error(p, &p->tok, "%s given twice in rule \"%s\"", clauses[i], r->name);
        return -1;
    }
    if (parse_advance(p) < 0)
        return -1;
    switch (i) {
    case 0:
        return (r->expr = parse_expr(p)) != NULL ? 0 : -1;
    case 1:
        *seen_score = true;
        return parse_score(p, &r->score);
    case 2:
        r->has_action = true;
        return parse_action(p, &r->action);
    default:
        *seen_describe = true;
        if (p->tok.kind != TOK_STRING) {
            parse_expected(p, "a description in quotes");
            return -1;
        }
        if ((r->description = strdup(p->tok.text)) == NULL) {
            parse_error(p, &p->tok, "out of memory");
            return -1;
        }
        return parse_advance(p);
    }
}

/* parse_rule - rule NAME clauses */
static int parse_rule(struct parser *p)
{
    struct ruleset *rs = p->rs;
    struct token name_tok;
    struct rule **rules;
    struct rule *first;
    struct rule *r;
    bool seen_score = false;
    bool seen_describe = false;

    if (parse_advance(p) < 0 || read_name(p, "rule") < 0)
        return -1;
    if ((rules = grow(p, rs->rules, &rs->rule_cap, rs->rule_count, sizeof(*rules))) == NULL)
        return -1;
    rs->rules = rules;
    if ((r = calloc(1, sizeof(*r))) == NULL || (r->name = strdup(p->tok.text)) == NULL) {
        free(r);
        parse_error(p, &p->tok, "out of memory");
        return -1;
    }
    r->line = p->tok.line;
    rs->rules[rs->rule_count++] = r;
    if ((first = index_name(p, &p->rule_index, r, compare_rule_names)) != r) {
        if (first != NULL)
            parse_error(p, &p->tok, "duplicate rule \"%s\" (first defined at line %u)",
                        r->name, first->line);
        return -1;
    }
    name_tok = p->tok;
    if (parse_advance(p) < 0)
        return -1;
    while (!parse_at_statement(p))
        if (parse_clause(p, r, &seen_score, &seen_describe) < 0)
            return -1;
    if (r->expr == NULL) {
        parse_error(p, &name_tok, "rule \"%s\" has no if", r->name);
        return -1;
    }
    return 0;
}

/* parse_threshold - threshold SCORE ACTION */
static int parse_threshold(struct parser *p)
{
    struct ruleset *rs = p->rs;
    struct token keyword = p->tok;
    struct token number;
    struct threshold *t;
    long long score;
    size_t i;

    if (parse_advance(p) < 0)
        return -1;
    number = p->tok;
    if (parse_score(p, &score) < 0)
        return -1;
    for (i = 0; i < rs->threshold_count; i++) {
        if (rs->thresholds[i].score == score) {
            parse_error(p, &number, "duplicate threshold %g (first at line %u)",
                        (double)score / 1000, rs->thresholds[i].line);
            return -1;
        }
    }
    if (rs->threshold_count >= RULES_MAX_THRESHOLDS) {
        parse_error(p, &number, "too many thresholds (limit %d)", RULES_MAX_THRESHOLDS);
        return -1;
    }
    if (parse_at_statement(p)) {
        parse_error(p, &keyword, "threshold without action");
        return -1;
    }
    t = grow(p, rs->thresholds, &rs->threshold_cap, rs->threshold_count, sizeof(*t));
    if (t == NULL)
        return -1;
    rs->thresholds = t;
    t = &rs->thresholds[rs->threshold_count];
    t->score = score;
    t->line = keyword.line;
    if (parse_action(p, &t->action) < 0) {
        action_release(&t->action);
        return -1;
    }
    rs->threshold_count++;
    return 0;
}

/* parse_statement - one top-level statement at the current token */
static int parse_statement(struct parser *p)
{
    if (parse_is_word(p, "rule"))
        return parse_rule(p);
    if (parse_is_word(p, "list"))
        return parse_list(p);
    if (parse_is_word(p, "set"))
        return parse_set(p);
    if (parse_is_word(p, "threshold"))
        return parse_threshold(p);
    if (parse_is_word(p, "limit"))
        return parse_limit(p);
    if (p->tok.kind == TOK_WORD)
        parse_error(p, &p->tok, "unknown statement \"%s\" (expected list, set, rule, "
                    "threshold or limit)", p->tok.text);
    else
        parse_expected(p, "a statement (list, set, rule, threshold or limit)");
    return -1;
}

/* compare_thresholds - ascending score */
static int compare_thresholds(const void *a, const void *b)
{
    long long x = ((const struct threshold *)a)->score;
    long long y = ((const struct threshold *)b)->score;

    return (x > y) - (x < y);
}

/* keep_item - tdestroy callback: the index does not own its items */
static void keep_item(void *item)
{
    (void)item;
}

/* ruleset_new - empty ruleset with default settings; NULL on allocation failure */
static struct ruleset *ruleset_new(void)
{
    struct ruleset *rs = calloc(1, sizeof(*rs));

    if (rs == NULL)
        return NULL;
    rs->settings.relay_guard = true;
    rs->settings.sender_login_check = true;
    if (rules_eval_init(rs) < 0) {
        rules_free(rs);
        return NULL;
    }
    return rs;
}

/* rules_parse - parse from memory */
struct ruleset *rules_parse(const char *name, const char *text, size_t len,
                            const char *base_dir, struct vigie_error *err)
{
    struct parser *p = calloc(1, sizeof(*p));
    struct ruleset *rs = ruleset_new();
    int rc;

    if (p == NULL || rs == NULL) {
        error_at(err, name, 0, "out of memory");
        free(p);
        rules_free(rs);
        return NULL;
    }
    p->rs = rs;
    p->err = err;
    p->base_dir = base_dir;
    lex_init(&p->lex, name, text, len);
    rc = parse_advance(p);
    while (rc == 0 && p->tok.kind != TOK_EOF)
        rc = parse_statement(p);
    tdestroy(p->list_index, keep_item);
    tdestroy(p->rule_index, keep_item);
    free(p);
    if (rc < 0) {
        rules_free(rs);
        return NULL;
    }
    if (rs->threshold_count > 1)
        qsort(rs->thresholds, rs->threshold_count, sizeof(*rs->thresholds),
              compare_thresholds);
    return rs;
}

/* rules_load - parse a file; list files are relative to its directory */
struct ruleset *rules_load(const char *path, struct vigie_error *err)
{
    enum rules_file_status status;
    struct ruleset *rs;
    char msg[sizeof(err->msg)];
    char *slash;
    char *dir;
    char *text;
    size_t len;
    int errnum;

    status = rules_file_read(path, &text, &len, &errnum);
    if (status != RULES_FILE_OK) {
        rules_file_describe(status, errnum, "rules file", path, msg, sizeof(msg));
        error_set(err, "%s", msg);
        return NULL;
    }
    if ((dir = strdup(path)) == NULL) {
        free(text);
        error_at(err, path, 0, "out of memory");
        return NULL;
    }
    if ((slash = strrchr(dir, '/')) != NULL)
        slash[slash == dir] = '\0';            /* "/x" -> "/", "a/b/x" -> "a/b" */
    rs = rules_parse(path, text, len, slash != NULL ? dir : NULL, err);
    free(dir);
    free(text);
    return rs;
}

/* rules_free - release a ruleset; NULL is allowed */
void rules_free(struct ruleset *rules)
{
    size_t i;

    if (rules == NULL)
        return;
    for (i = 0; i < rules->rule_count; i++) {
        struct rule *r = rules->rules[i];

        expr_free(r->expr);
        action_release(&r->action);
        free(r->description);
        free(r->name);
        free(r);
    }
    free(rules->rules);
    for (i = 0; i < rules->list_count; i++)
        list_free(rules->lists[i]);
    free(rules->lists);
    for (i = 0; i < rules->threshold_count; i++)
        action_release(&rules->thresholds[i].action);
    free(rules->thresholds);
    limits_free(rules->limits);
    rules_eval_fini(rules);
    free(rules);
}

/* rules_get_settings - the "set" statements, with defaults filled in */
const struct rules_settings *rules_get_settings(const struct ruleset *rules)
{
    return &rules->settings;
}

/* rules_count - number of rules */
size_t rules_count(const struct ruleset *rules)
{
    return rules->rule_count;
}
