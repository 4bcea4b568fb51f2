/*
 * NAME
 *	rules_internal - private interfaces of the rules engine
 * SYNOPSIS
 *	#include "rules_internal.h"
 * DESCRIPTION
 *	Shared by lib/facts.c (the fact table) and lib/rules_*.c. Nothing
 *	outside the rules engine and its unit tests includes this file.
 *
 *	The pieces, bottom up:
 *	fact table (facts.c)	the names a rule may test, their type and
 *				getters;
 *	rules_file.c		bounded reading of regular files;
 *	rules_lex.c		tokens of vigie.rules;
 *	rules_lists.c		named lists: entries, list files, matching;
 *	rules_expr.c		the expression grammar and its tree;
 *	rules_action.c		actions and their reply codes;
 *	rules_parse.c		statements and the ruleset life cycle;
 *	rules_limits.c		"limit" statements (rules_limits.h);
 *	rules_eval.c		evaluation and the verdict.
 */
#ifndef VIGIE_RULES_INTERNAL_H
#define VIGIE_RULES_INTERNAL_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "compiler.h"
#include "domains.h"
#include "error.h"
#include "facts.h"
#include "netaddr.h"
#include "rules.h"

/* Limits against hostile or broken input. */
#define RULES_MAX_FILE      (16u * 1024 * 1024) /* rules file and list files */
#define RULES_MAX_TOKEN     4096        /* string, regex, list entry, list file line */
#define RULES_MAX_NAME      128         /* words (names, keywords) and numbers */
#define RULES_MAX_DEPTH     64          /* nesting of ( ) and not */
#define RULES_MAX_THRESHOLDS 64
#define RULES_MAX_SCORE     1000000     /* |score| and |threshold| */
#define RULES_REGEX_MATCH_LIMIT 1000000 /* PCRE2 match limit per match */

/*
 * Fact table (facts.c). A fact is read through the getter of its type:
 *	FACT_BOOL	get_bool
 *	FACT_NUMBER	get_number
 *	FACT_STRING	next_string
 *	FACT_ADDRESS	get_address (and next_string for its text form)
 * next_string walks the values: *cursor starts at 0; each call returns
 * the next value and advances it, or NULL when there is none left. A
 * single-valued fact has exactly one value. arg is the fact's argument
 * (the header name) or NULL.
 */
enum fact_type {
    FACT_BOOL,
    FACT_NUMBER,
    FACT_STRING,
    FACT_ADDRESS,               /* an IP address: lists of networks */
};

/* How == and in compare a string fact's values. */
enum fact_match {
    MATCH_TEXT,                 /* exact, case-sensitive; list entries as written */
    MATCH_MAILBOX,              /* any case; entries user@dom, @dom, dom, .dom */
    MATCH_DOMAIN,               /* any case; entries dom, .dom */
};

struct fact_def {
    const char *name;           /* as written in vigie.rules */
    enum fact_type type;
    enum fact_match match;      /* FACT_STRING only */
    bool multi;                 /* any number of values (0..n) */
    bool folded;                /* values may hold header folds (CRLF WSP) */
    const char *arg_name;       /* "header name" when the fact takes an argument */
    bool (*arg_ok)(const char *arg);
    bool (*get_bool)(const struct message_facts *facts);
    double (*get_number)(const struct message_facts *facts);
    const char *(*next_string)(const struct message_facts *facts, const char *arg,
                               size_t *cursor);
    bool (*get_address)(const struct message_facts *facts, struct netaddr *out);
};

/* fact_lookup - the table row named name, or NULL */
const struct fact_def *fact_lookup(const char *name);

/* fact_type_name - "a boolean", "a number", "a string", "an address" for messages */
const char *fact_type_name(enum fact_type type);

/* Bounded file reading (rules_file.c). */
enum rules_file_status {
    RULES_FILE_OK,
    RULES_FILE_OPEN,            /* open failed: see errnum */
    RULES_FILE_READ,            /* read failed: see errnum */
    RULES_FILE_NOT_REGULAR,
    RULES_FILE_TOO_LARGE,
    RULES_FILE_NOMEM,
};

/*
 * rules_file_read - whole regular file into memory, at most RULES_MAX_FILE
 *	On RULES_FILE_OK *text (NUL-terminated, caller frees) and *len are
 *	set; otherwise nothing is allocated and *errnum holds errno where
 *	it applies.
 */
enum rules_file_status rules_file_read(const char *path, char **text, size_t *len,
                                       int *errnum) WARN_UNUSED;

/* rules_file_describe - "cannot open <what> \"path\": reason" into buf */
void rules_file_describe(enum rules_file_status status, int errnum, const char *what,
                         const char *path, char *buf, size_t size);

/* Tokens (rules_lex.c). */
enum token_kind {
    TOK_EOF,
    TOK_WORD,                   /* keyword, name: [A-Za-z_][A-Za-z0-9_.-]* */
    TOK_NUMBER,                 /* starts with a digit or '-': checked by the parser */
    TOK_STRING,                 /* "..." with \" and \\ escapes, decoded */
    TOK_REGEX,                  /* /.../flags; text is the pattern */
    TOK_ENTRY,                  /* a list entry (lex_entry only) */
    TOK_EQ, TOK_NE, TOK_MATCH, TOK_NOMATCH,
    TOK_LT, TOK_LE, TOK_GT, TOK_GE,
    TOK_LPAREN, TOK_RPAREN, TOK_COMMA, TOK_ASSIGN,
};

/* Regex flags after the closing slash. */
enum {
    REGEX_FLAG_I = 1,
    REGEX_FLAG_M = 2,
    REGEX_FLAG_S = 4,
    REGEX_FLAG_X = 8,
};

struct token {
    enum token_kind kind;
    unsigned line;
    unsigned col;
    const char *text;           /* NUL-terminated; valid until the next lex call */
    size_t len;                 /* may hold NUL bytes (regex) */
    unsigned regex_flags;
};

struct lexer {
    const char *name;           /* file name for messages */
    const char *p;
    const char *end;
    unsigned line;
    unsigned col;
    char buf[RULES_MAX_TOKEN + 1];
};

/* lex_init - start lexing text[0..len) */
void lex_init(struct lexer *lx, const char *name, const char *text, size_t len);

/* lex_next - next token; 0, or -1 with err set ("file:line:col: ...") */
int lex_next(struct lexer *lx, struct token *tok, struct vigie_error *err) WARN_UNUSED;

/*
 * lex_entry - next list entry: a "string", or the characters up to
 *	white space, ',' or '#'. Gives TOK_ENTRY, or TOK_EOF/TOK_COMMA when
 *	no entry is there (for the caller's message).
 */
int lex_entry(struct lexer *lx, struct token *tok, struct vigie_error *err) WARN_UNUSED;

/* token_describe - "\"foo\"", "'=='", "end of file"... for messages */
void token_describe(const struct token *tok, char *buf, size_t size);

/* Named lists (rules_lists.c). */
enum list_entry_class {
    ENTRY_NETWORK,              /* 192.0.2.0/24, 2001:db8::1 */
    ENTRY_MAILBOX,              /* user@example.org */
    ENTRY_AT_DOMAIN,            /* @example.org */
    ENTRY_DOMAIN,               /* example.org, .example.org */
    ENTRY_TEXT,                 /* anything else */
    ENTRY_CLASS_COUNT,
};

struct rules_list {
    char *name;
    unsigned line;              /* where it was declared */
    struct netlist networks;
    struct domainset domains;   /* dom, .dom, and dom of @dom */
    char **mailboxes;           /* lower-cased, sorted once sealed */
    size_t mailbox_count;
    size_t mailbox_cap;
    char **texts;               /* every entry as written, sorted once sealed */
    size_t text_count;
    size_t text_cap;
    char *example[ENTRY_CLASS_COUNT];   /* first entry of each class, or NULL */
};

/* list_new - an empty list; NULL on allocation failure */
struct rules_list *list_new(const char *name, unsigned line);

/* list_free - release a list; NULL is allowed */
void list_free(struct rules_list *list);

/*
 * list_add - classify and store one entry
 *	Returns 0; -1 with *problem set to a static message for a bad
 *	entry, or with *problem NULL on allocation failure.
 */
int list_add(struct rules_list *list, const char *entry, const char **problem) WARN_UNUSED;

/*
 * list_load_file - add the entries of a list file
 *	Entry errors are reported "path:line: message"; an unreadable file
 *	returns -1 with *file_status set (and err untouched) so that the
 *	caller can point at the statement.
 */
int list_load_file(struct rules_list *list, const char *path,
                   enum rules_file_status *file_status, int *errnum,
                   struct vigie_error *err) WARN_UNUSED;

/* list_seal - sort for lookups; call once, after the last list_add */
void list_seal(struct rules_list *list);

/*
 * list_check_fact - can list be tested against fact (a string or address fact)?
 *	NULL when it can, else a description of the first entry that
 *	does not fit, written into buf.
 */
const char *list_check_fact(const struct rules_list *list, const struct fact_def *fact,
                            char *buf, size_t size);

/* list_match_string - value of a FACT_STRING fact in list (fact->match rules) */
bool list_match_string(const struct rules_list *list, enum fact_match match,
                       const char *value);

/* list_match_address - IP address in a list of networks */
bool list_match_address(const struct rules_list *list, const struct netaddr *addr);

/* Expressions (rules_expr.c). */
enum expr_kind {
    EXPR_OR,
    EXPR_AND,
    EXPR_NOT,
    EXPR_TEST,
};

enum test_op {
    OP_TRUE,                    /* boolean fact alone */
    OP_EQ,
    OP_MATCH,
    OP_IN,
    OP_LT,
    OP_LE,
    OP_GT,
    OP_GE,
    OP_EXISTS,
};

struct expr {
    enum expr_kind kind;
    struct expr **kids;         /* or, and: two or more; not: one */
    size_t kid_count;
    /* EXPR_TEST */
    const struct fact_def *fact;
    char *arg;                  /* header name, or NULL */
    enum test_op op;
    bool negate;                /* != !~ "not in" */
    union {
        char *string;           /* OP_EQ on a string fact */
        struct netnet network;  /* OP_EQ on an address fact */
        double number;          /* OP_EQ and comparisons on a number fact */
        pcre2_code *regex;      /* OP_MATCH */
        const struct rules_list *list;  /* OP_IN */
    } value;
};

/* expr_free - release a tree; NULL is allowed */
void expr_free(struct expr *expr);

/* Rules, thresholds and the ruleset (rules_parse.c). */
struct rule {
    char *name;
    unsigned line;
    struct expr *expr;
    long long score;            /* thousandths of a point */
    bool has_action;
    struct action action;       /* strings owned by the rule */
    char *description;          /* "" when none */
};

struct threshold {
    long long score;            /* thousandths of a point */
    unsigned line;
    struct action action;       /* strings owned by the threshold */
};

/*
 * Allocation during evaluation goes through alloc (realloc semantics;
 * free() releases). It is realloc unless a unit test replaces it with
 * rules_set_allocator to reach the out-of-memory paths.
 */
typedef void *(*rules_alloc_fn)(void *ptr, size_t size);

struct rules_limits;            /* rules_limits.c */

struct ruleset {
    struct rules_settings settings;
    struct rule **rules;        /* in file order */
    size_t rule_count;
    size_t rule_cap;
    struct rules_list **lists;
    size_t list_count;
    size_t list_cap;
    struct threshold *thresholds;       /* sorted by score once parsed */
    size_t threshold_count;
    size_t threshold_cap;
    pcre2_match_context *match_context; /* limits; read-only after parsing */
    pcre2_general_context *eval_context;    /* match data allocated through alloc */
    rules_alloc_fn alloc;
    struct rules_limits *limits;        /* NULL: no limit, default settings */
};

/* rules_eval_init - evaluation contexts of a new ruleset; 0, or -1 (no memory) */
int rules_eval_init(struct ruleset *rules) WARN_UNUSED;

/* rules_eval_fini - release what rules_eval_init made */
void rules_eval_fini(struct ruleset *rules);

/*
 * rules_eval_expr - one expression (a limit's condition) against facts
 *	Returns 1, 0, or -1 when memory ran short.
 */
int rules_eval_expr(const struct ruleset *rules, const struct expr *expr,
                    const struct message_facts *facts) WARN_UNUSED;

/* rules_set_allocator - test seam: allocator used by rules_evaluate */
void rules_set_allocator(struct ruleset *rules, rules_alloc_fn alloc);

/* The parser state shared by rules_parse.c and rules_expr.c. */
struct parser {
    struct lexer lex;
    struct token tok;           /* the current token */
    struct ruleset *rs;
    const char *base_dir;
    struct vigie_error *err;
    void *list_index;           /* tsearch tree of struct rules_list * by name */
    void *rule_index;           /* tsearch tree of struct rule * by name */
    unsigned depth;             /* expression nesting */
    unsigned settings_seen;     /* bit i: settings[i] given */
};

/* parse_advance - read the next token into p->tok; 0 or -1 */
int parse_advance(struct parser *p) WARN_UNUSED;

/* parse_error - "file:line:col: message" at tok */
void parse_error(struct parser *p, const struct token *tok, const char *fmt, ...)
    PRINTF_LIKE(3, 4);

/* parse_expected - "expected WHAT, found <current token>" */
void parse_expected(struct parser *p, const char *what);

/* parse_is_keyword - a word of the language (reserved: no rule or list has it as name) */
bool parse_is_keyword(const char *word);

/* parse_at_statement - does the current token start a top-level statement (or end the file)? */
bool parse_at_statement(const struct parser *p);

/* parse_is_word - is the current token the word w? */
bool parse_is_word(const struct parser *p, const char *w);

/* parse_find_list - a list declared earlier, or NULL */
const struct rules_list *parse_find_list(const struct parser *p, const char *name);

/* parse_number - a NUMBER token to a value; suffix k/M/G allowed if asked; 0 or -1 */
int parse_number(struct parser *p, bool allow_suffix, double *out) WARN_UNUSED;

/* parse_expr - "EXPR" at the current token; the tree, or NULL with err set */
struct expr *parse_expr(struct parser *p);

/* parse_action - ACTION at the current token; 0, or -1 (release *action either way) */
int parse_action(struct parser *p, struct action *action) WARN_UNUSED;

/* action_release - free the strings of a parsed action */
void action_release(struct action *action);

/* Limits (rules_limits.c). */

/* parse_limit - "limit NAME clauses" at the current ("limit") token; 0 or -1 */
int parse_limit(struct parser *p) WARN_UNUSED;

/*
 * parse_limit_setting - "set NAME value" for a setting of the limits,
 *	the current token being NAME: 0, -1 with err set, or 1 when NAME
 *	is no such setting (nothing consumed).
 */
int parse_limit_setting(struct parser *p) WARN_UNUSED;

/* limits_free - release a ruleset's limits; NULL is allowed */
void limits_free(struct rules_limits *limits);

#endif
