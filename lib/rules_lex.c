/*
 * NAME
 *	rules_lex - the tokens of vigie.rules
 * SYNOPSIS
 *	#include "rules_internal.h"
 *
 *	void lex_init(struct lexer *lx, const char *name, const char *text,
 *		      size_t len);
 *	int lex_next(struct lexer *lx, struct token *tok,
 *		     struct vigie_error *err);
 *	int lex_entry(struct lexer *lx, struct token *tok,
 *		      struct vigie_error *err);
 *	void token_describe(const struct token *tok, char *buf, size_t size);
 * DESCRIPTION
 *	White space and newlines separate tokens and mean nothing else;
 *	'#' starts a comment that runs to the end of the line. Lines and
 *	columns count from 1; a column counts bytes.
 *
 *	Tokens: words [A-Za-z_][A-Za-z0-9_.-]* (at most RULES_MAX_NAME
 *	bytes); numbers, which start with a digit or '-' and run over
 *	[A-Za-z0-9._] (the parser checks their form); "strings" with the
 *	escapes \" and \\ only, on one line, without control characters;
 *	/regexes/ ended by an unescaped '/' on the same line and followed
 *	by flags among i, m, s, x; the operators == != =~ !~ < <= > >=
 *	and ( ) , =. Strings, regexes and list entries hold at most
 *	RULES_MAX_TOKEN bytes.
 *
 *	A list entry (lex_entry) is a "string" or a run of characters up
 *	to white space, ',' or '#': "192.0.2.0/24" and "@example.org" are
 *	not tokens of the language otherwise.
 *
 *	Errors: "file:line:col: message" at the start of the bad token.
 */
#include <stdio.h>
#include <string.h>

#include "rules_internal.h"

/* lex_init - start lexing text[0..len) */
void lex_init(struct lexer *lx, const char *name, const char *text, size_t len)
{
    lx->name = name;
    lx->p = text;
    lx->end = text + len;
    lx->line = 1;
    lx->col = 1;
    lx->buf[0] = '\0';
}

/* peek - the byte at offset ahead, or -1 past the end */
static int peek(const struct lexer *lx, size_t ahead)
{
    if ((size_t)(lx->end - lx->p) <= ahead)
        return -1;
    return (unsigned char)lx->p[ahead];
}

/* bump - consume one byte, tracking line and column */
static void bump(struct lexer *lx)
{
    if (*lx->p == '\n') {
        lx->line++;
        lx->col = 1;
    } else {
        lx->col++;
    }
    lx->p++;
}

/* skip_blanks - white space and comments */
static void skip_blanks(struct lexer *lx)
{
    int c;

    while ((c = peek(lx, 0)) != -1) {
        if (c == '#') {
            while ((c = peek(lx, 0)) != -1 && c != '\n')
                bump(lx);
        } else if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
                   || c == '\v') {
            bump(lx);
        } else {
            break;
        }
    }
}

/* is_word_start - the first character of a word */
static bool is_word_start(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* is_word_char - the other characters of a word */
static bool is_word_char(int c)
{
    return is_word_start(c) || (c >= '0' && c <= '9') || c == '.' || c == '-';
}

/* is_number_char - the characters a number token runs over */
static bool is_number_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_';
}

/* start_token - the token begins here */
static void start_token(struct lexer *lx, struct token *tok, enum token_kind kind)
{
    tok->kind = kind;
    tok->line = lx->line;
    tok->col = lx->col;
    tok->text = lx->buf;
    tok->len = 0;
    tok->regex_flags = 0;
    lx->buf[0] = '\0';
}

/* append - add a byte to the token text; -1 when it gets too long */
static int append(struct lexer *lx, struct token *tok, int c, size_t limit)
{
    if (tok->len >= limit)
        return -1;
    lx->buf[tok->len++] = (char)c;
    lx->buf[tok->len] = '\0';
    return 0;
}

/* too_long - the message for an over-long token */
static int too_long(struct lexer *lx, const struct token *tok, const char *what,
                    size_t limit, struct vigie_error *err)
{
    error_at_col(err, lx->name, tok->line, tok->col, "%s too long (limit %zu bytes)",
                 what, limit);
    return -1;
}

/* lex_run - consume a word or a number */
static int lex_run(struct lexer *lx, struct token *tok, bool (*keep)(int),
                   struct vigie_error *err)
{
    int c;

    while ((c = peek(lx, 0)) != -1 && keep(c)) {
        if (append(lx, tok, c, RULES_MAX_NAME) < 0)
            return too_long(lx, tok, tok->kind == TOK_WORD ? "name" : "number",
                            RULES_MAX_NAME, err);
        bump(lx);
    }
    return 0;
}

/* lex_string - "..." with \" and \\ */
static int lex_string(struct lexer *lx, struct token *tok, struct vigie_error *err)
{
    int c;

    bump(lx);                                   /* opening quote */
    for (;;) {
        c = peek(lx, 0);
        if (c == -1 || c == '\n' || c == '\r') {
            error_at_col(err, lx->name, tok->line, tok->col, "unterminated string");
            return -1;
        }
        if (c == '"') {
            bump(lx);
            return 0;
        }
        if (c == '\\') {
            int next = peek(lx, 1);

            if (next != '"' && next != '\\') {
                error_at_col(err, lx->name, lx->line, lx->col,
                             "bad escape in string (only \\\" and \\\\ are allowed)");
                return -1;
            }
            bump(lx);
            c = next;
        } else if ((c < 32 && c != '\t') || c == 127) {
            error_at_col(err, lx->name, lx->line, lx->col,
                         "control character in string");
            return -1;
        }
        if (append(lx, tok, c, RULES_MAX_TOKEN) < 0)
            return too_long(lx, tok, "string", RULES_MAX_TOKEN, err);
        bump(lx);
    }
}

/* lex_regex - /pattern/flags; "\/" stays in the pattern (PCRE2 reads it as '/') */
static int lex_regex(struct lexer *lx, struct token *tok, struct vigie_error *err)
{
    static const char flag_letters[] = "imsx";
    const char *f;
    int c;

    bump(lx);                                   /* opening slash */
    for (;;) {
        c = peek(lx, 0);
        if (c == -1 || c == '\n' || c == '\r') {
            error_at_col(err, lx->name, tok->line, tok->col, "unterminated regex");
            return -1;
        }
        if (c == '/')
            break;
        if (c == '\\' && peek(lx, 1) != -1 && peek(lx, 1) != '\n' && peek(lx, 1) != '\r') {
            if (append(lx, tok, c, RULES_MAX_TOKEN) < 0)
                return too_long(lx, tok, "regex", RULES_MAX_TOKEN, err);
            bump(lx);
            c = peek(lx, 0);
        }
        if (append(lx, tok, c, RULES_MAX_TOKEN) < 0)
            return too_long(lx, tok, "regex", RULES_MAX_TOKEN, err);
        bump(lx);
    }
    bump(lx);                                   /* closing slash */
    while ((c = peek(lx, 0)) != -1 && is_word_char(c)) {
        f = c != '\0' ? strchr(flag_letters, c) : NULL;
        if (f == NULL) {
            error_at_col(err, lx->name, lx->line, lx->col,
                         "unknown regex flag '%c' (allowed: i m s x)", c);
            return -1;
        }
        tok->regex_flags |= 1u << (f - flag_letters);
        bump(lx);
    }
    return 0;
}

/* lex_operator - punctuation; 0, or -1 for a character of no token */
static int lex_operator(struct lexer *lx, struct token *tok, struct vigie_error *err)
{
    static const struct {
        char text[3];
        enum token_kind kind;
    } ops[] = {                 /* two-character operators first */
        {"==", TOK_EQ}, {"!=", TOK_NE}, {"=~", TOK_MATCH}, {"!~", TOK_NOMATCH},
        {"<=", TOK_LE}, {">=", TOK_GE}, {"<", TOK_LT}, {">", TOK_GT},
        {"(", TOK_LPAREN}, {")", TOK_RPAREN}, {",", TOK_COMMA}, {"=", TOK_ASSIGN},
    };
    int c = peek(lx, 0);
    int c2 = peek(lx, 1);
    size_t i;

    for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        if (ops[i].text[0] != c || (ops[i].text[1] != '\0' && ops[i].text[1] != c2))
            continue;
        tok->kind = ops[i].kind;
        bump(lx);
        if (ops[i].text[1] != '\0')
            bump(lx);
        snprintf(lx->buf, sizeof(lx->buf), "%s", ops[i].text);
        tok->len = strlen(lx->buf);
        return 0;
    }
    if (c > 32 && c < 127)
        error_at_col(err, lx->name, tok->line, tok->col, "unexpected character '%c'", c);
    else
        error_at_col(err, lx->name, tok->line, tok->col,
                     "unexpected character '\\x%02x'", (unsigned)c);
    return -1;
}

/* lex_next - next token; 0, or -1 with err set */
int lex_next(struct lexer *lx, struct token *tok, struct vigie_error *err)
{
    int c;

    skip_blanks(lx);
    c = peek(lx, 0);
    start_token(lx, tok, TOK_EOF);
    if (c == -1)
        return 0;
    if (is_word_start(c)) {
        tok->kind = TOK_WORD;
        return lex_run(lx, tok, is_word_char, err);
    }
    if ((c >= '0' && c <= '9') || (c == '-' && peek(lx, 1) >= '0' && peek(lx, 1) <= '9')) {
        tok->kind = TOK_NUMBER;
        if (append(lx, tok, c, RULES_MAX_NAME) < 0)
            return too_long(lx, tok, "number", RULES_MAX_NAME, err);
        bump(lx);
        return lex_run(lx, tok, is_number_char, err);
    }
    if (c == '"') {
        tok->kind = TOK_STRING;
        return lex_string(lx, tok, err);
    }
    if (c == '/') {
        tok->kind = TOK_REGEX;
        return lex_regex(lx, tok, err);
    }
    return lex_operator(lx, tok, err);
}

/* lex_entry - next list entry, a "string" or a run of characters */
int lex_entry(struct lexer *lx, struct token *tok, struct vigie_error *err)
{
    int c;

    skip_blanks(lx);
    c = peek(lx, 0);
    start_token(lx, tok, TOK_EOF);
    if (c == -1)
        return 0;
    if (c == ',')
        return lex_operator(lx, tok, err);
    if (c == '"') {
        if (lex_string(lx, tok, err) < 0)
            return -1;
        tok->kind = TOK_ENTRY;
        return 0;
    }
    tok->kind = TOK_ENTRY;
    while ((c = peek(lx, 0)) != -1 && c > 32 && c != 127 && c != ',' && c != '#') {
        if (append(lx, tok, c, RULES_MAX_TOKEN) < 0)
            return too_long(lx, tok, "list entry", RULES_MAX_TOKEN, err);
        bump(lx);
    }
    if (tok->len == 0) {
        error_at_col(err, lx->name, tok->line, tok->col,
                     "unexpected character '\\x%02x'", (unsigned)c);
        return -1;
    }
    return 0;
}

/* token_describe - "\"foo\"", "'=='", "end of file"... for messages */
void token_describe(const struct token *tok, char *buf, size_t size)
{
    switch (tok->kind) {
    case TOK_EOF:
        snprintf(buf, size, "end of file");
        break;
    case TOK_STRING:
        snprintf(buf, size, "string \"%.40s%s\"", tok->text, tok->len > 40 ? "..." : "");
        break;
    case TOK_REGEX:
        snprintf(buf, size, "regex /%.40s%s/", tok->text, tok->len > 40 ? "..." : "");
        break;
    case TOK_WORD:
    case TOK_NUMBER:
    case TOK_ENTRY:
        snprintf(buf, size, "\"%.40s%s\"", tok->text, tok->len > 40 ? "..." : "");
        break;
    default:
        snprintf(buf, size, "'%s'", tok->text);
        break;
    }
}
