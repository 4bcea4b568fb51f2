/*
 * NAME
 *	test_rules_parse - unit tests for the vigie.rules parser
 * DESCRIPTION
 *	Every construct of the language (statements, clauses, operators,
 *	values, actions, lists inline and from files), the shipped
 *	rules/vigie.rules, and every error message with its line:col.
 *	Run from the repository root (the Makefile does).
 */
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "rules.h"
#include "rules_internal.h"

/* Scratch directory for list files, made by setup_dir. */
static char tmpdir[64];

/* parse_in - parse text with list files under dir; fails the test on error */
static struct ruleset *parse_in(const char *text, const char *dir)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_parse("t.rules", text, strlen(text), dir, &err);

    if (rs == NULL)
        fail_msg("unexpected error: %s", err.msg);
    return rs;
}

/* parse - parse text (no list directory) */
static struct ruleset *parse(const char *text)
{
    return parse_in(text, NULL);
}

/* error_of - the message of a text that must not parse (static buffer) */
static const char *error_of(const char *text, size_t len)
{
    static struct vigie_error err;
    struct ruleset *rs;

    memset(&err, 0, sizeof(err));
    rs = rules_parse("t.rules", text, len, tmpdir, &err);
    if (rs != NULL) {
        rules_free(rs);
        fail_msg("parsed, but should not: %s", text);
    }
    return err.msg;
}

/* expect_error - text must fail with exactly msg */
static void expect_error(const char *text, const char *msg)
{
    assert_string_equal(error_of(text, strlen(text)), msg);
}

/* write_file - create dir/name with content */
static void write_file(const char *name, const char *content)
{
    char path[256];
    FILE *fp;

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fputs(content, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
}

/* setup_dir - make the scratch directory */
static int setup_dir(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_rules_parse.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* remove_entry - nftw callback: remove one file or directory */
static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* teardown_dir - remove the scratch directory and everything in it */
static int teardown_dir(void **state)
{
    (void)state;
    return nftw(tmpdir, remove_entry, 8, FTW_DEPTH | FTW_PHYS);
}

/* test_empty - nothing but comments: no rules, default settings */
static void test_empty(void **state)
{
    struct ruleset *rs = parse("# only a comment\n\n   # another\n");

    (void)state;
    assert_int_equal(rules_count(rs), 0);
    assert_true(rules_get_settings(rs)->relay_guard);
    assert_true(rules_get_settings(rs)->sender_login_check);
    assert_int_equal(rs->threshold_count, 0);
    rules_free(rs);
    rules_free(NULL);
}

/* test_settings - set ... on|off */
static void test_settings(void **state)
{
    struct ruleset *rs = parse("set relay_guard off\nset sender_login_check off");

    (void)state;
    assert_false(rules_get_settings(rs)->relay_guard);
    assert_false(rules_get_settings(rs)->sender_login_check);
    rules_free(rs);
    rs = parse("set relay_guard on");
    assert_true(rules_get_settings(rs)->relay_guard);
    rules_free(rs);
}

/* test_rule_clauses - clauses in any order, free-form layout */
static void test_rule_clauses(void **state)
{
    struct ruleset *rs = parse(
        "rule B describe \"second\" score -1.25 action hold if trusted\n"
        "rule A.b-c_1\n\tif authenticated   # comment inside a rule\n\tscore 3\n"
        "rule C if trusted");
    const struct rule *r;

    (void)state;
    assert_int_equal(rules_count(rs), 3);
    r = rs->rules[0];
    assert_string_equal(r->name, "B");
    assert_string_equal(r->description, "second");
    assert_int_equal(r->score, -1250);
    assert_true(r->has_action);
    assert_int_equal(r->action.kind, ACTION_HOLD);
    assert_null(r->action.text);
    assert_int_equal(r->line, 1);
    r = rs->rules[1];
    assert_string_equal(r->name, "A.b-c_1");
    assert_int_equal(r->score, 3000);
    assert_false(r->has_action);
    assert_null(r->description);
    assert_int_equal(r->line, 2);
    assert_int_equal(rs->rules[2]->score, 0);
    rules_free(rs);
}

/* test_precedence - not > and > or; chains are one node */
static void test_precedence(void **state)
{
    struct ruleset *rs = parse("rule A if trusted or authenticated and not trusted or "
                               "not (trusted or authenticated) and authenticated");
    const struct expr *e = rs->rules[0]->expr;

    (void)state;
    assert_int_equal(e->kind, EXPR_OR);
    assert_int_equal(e->kid_count, 3);
    assert_int_equal(e->kids[0]->kind, EXPR_TEST);
    assert_string_equal(e->kids[0]->fact->name, "trusted");
    assert_int_equal(e->kids[1]->kind, EXPR_AND);
    assert_int_equal(e->kids[1]->kid_count, 2);
    assert_int_equal(e->kids[1]->kids[1]->kind, EXPR_NOT);
    assert_int_equal(e->kids[2]->kind, EXPR_AND);
    assert_int_equal(e->kids[2]->kids[0]->kind, EXPR_NOT);
    assert_int_equal(e->kids[2]->kids[0]->kids[0]->kind, EXPR_OR);
    rules_free(rs);
}

/* test_operators - each operator parses to its test */
static void test_operators(void **state)
{
    static const struct {
        const char *expr;
        enum test_op op;
        bool negate;
    } cases[] = {
        {"helo == \"x\"", OP_EQ, false},   {"helo != \"x\"", OP_EQ, true},
        {"helo =~ /x/", OP_MATCH, false},  {"helo !~ /x/", OP_MATCH, true},
        {"helo in l", OP_IN, false},       {"helo not in l", OP_IN, true},
        {"size < 1", OP_LT, false},        {"size <= 1", OP_LE, false},
        {"size > 1", OP_GT, false},        {"size >= 1", OP_GE, false},
        {"size == 1", OP_EQ, false},       {"size != 1", OP_EQ, true},
        {"rcpt exists", OP_EXISTS, false}, {"header \"X\" exists", OP_EXISTS, false},
        {"trusted", OP_TRUE, false},
        {"client_addr == \"192.0.2.0/24\"", OP_EQ, false},
        {"client_addr in nets", OP_IN, false},
        {"client_addr =~ /^192\\./", OP_MATCH, false},
    };
    char text[256];
    size_t i;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        struct ruleset *rs;

        snprintf(text, sizeof(text), "list l = example.org\nlist nets = 192.0.2.0/24\n"
                 "rule A if %s", cases[i].expr);
        rs = parse(text);
        assert_int_equal(rs->rules[0]->expr->kind, EXPR_TEST);
        assert_int_equal(rs->rules[0]->expr->op, cases[i].op);
        assert_int_equal(rs->rules[0]->expr->negate, cases[i].negate);
        rules_free(rs);
    }
}

/* test_numbers - suffixes are powers of 1024; scores in thousandths */
static void test_numbers(void **state)
{
    static const struct {
        const char *text;
        double value;
    } cases[] = {
        {"10", 10}, {"10k", 10240}, {"10K", 10240}, {"2M", 2097152}, {"2m", 2097152},
        {"1G", 1073741824.0}, {"1.5k", 1536}, {"0.25", 0.25}, {"-3", -3},
        {"007", 7},
    };
    char text[128];
    size_t i;
    struct ruleset *rs;

    (void)state;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        snprintf(text, sizeof(text), "rule A if size > %s", cases[i].text);
        rs = parse(text);
        assert_true(rs->rules[0]->expr->value.number == cases[i].value);
        rules_free(rs);
    }
    rs = parse("rule A if trusted score 0.1 rule B if trusted score -0.0005 "
               "rule C if trusted score 1000000 rule D if trusted score 1.9999");
    assert_int_equal(rs->rules[0]->score, 100);
    assert_int_equal(rs->rules[1]->score, -1);
    assert_int_equal(rs->rules[2]->score, 1000000000LL);
    assert_int_equal(rs->rules[3]->score, 2000);
    rules_free(rs);
}

/* test_regex_flags - flags map to PCRE2 options; "\/" stays a slash */
static void test_regex_flags(void **state)
{
    struct ruleset *rs = parse("rule A if helo =~ /a\\/b/imsx rule B if helo =~ /\\//");
    uint32_t options;

    (void)state;
    assert_int_equal(pcre2_pattern_info(rs->rules[0]->expr->value.regex,
                                        PCRE2_INFO_ARGOPTIONS, &options), 0);
    assert_true(options & PCRE2_CASELESS);
    assert_true(options & PCRE2_MULTILINE);
    assert_true(options & PCRE2_DOTALL);
    assert_true(options & PCRE2_EXTENDED);
    assert_true(options & PCRE2_UTF);
    assert_int_equal(pcre2_pattern_info(rs->rules[1]->expr->value.regex,
                                        PCRE2_INFO_ARGOPTIONS, &options), 0);
    assert_false(options & PCRE2_CASELESS);
    rules_free(rs);
}

/* test_header - header "Name" with a value or exists */
static void test_header(void **state)
{
    struct ruleset *rs = parse("rule A if header \"X-Spam-Flag\" == \"YES\" "
                               "rule B if header \"Subject\" exists");

    (void)state;
    assert_string_equal(rs->rules[0]->expr->arg, "X-Spam-Flag");
    assert_string_equal(rs->rules[0]->expr->value.string, "YES");
    assert_string_equal(rs->rules[1]->expr->arg, "Subject");
    assert_int_equal(rs->rules[1]->expr->op, OP_EXISTS);
    rules_free(rs);
}

/* test_actions - every action, default and explicit codes */
static void test_actions(void **state)
{
    struct ruleset *rs = parse(
        "rule A if trusted action accept\n"
        "rule B if trusted action flag\n"
        "rule C if trusted action rewrite-subject \"[SPAM] \"\n"
        "rule D if trusted action hold\n"
        "rule E if trusted action tempfail \"Later\"\n"
        "rule F if trusted action tempfail 450 \"Later\"\n"
        "rule G if trusted action tempfail 421 4.3.2 \"Busy\"\n"
        "rule H if trusted action reject \"No\"\n"
        "rule I if trusted action reject 554 \"No\"\n"
        "rule J if trusted action reject 550 5.123.456 \"No\"\n");
    const struct action *a;

    (void)state;
    assert_int_equal(rs->rules[0]->action.kind, ACTION_ACCEPT);
    assert_int_equal(rs->rules[1]->action.kind, ACTION_FLAG);
    a = &rs->rules[2]->action;
    assert_int_equal(a->kind, ACTION_REWRITE_SUBJECT);
    assert_string_equal(a->text, "[SPAM] ");
    assert_null(a->reply_code);
    assert_int_equal(rs->rules[3]->action.kind, ACTION_HOLD);
    a = &rs->rules[4]->action;
    assert_int_equal(a->kind, ACTION_TEMPFAIL);
    assert_string_equal(a->reply_code, "451");
    assert_string_equal(a->status_code, "4.7.1");
    assert_string_equal(a->text, "Later");
    a = &rs->rules[5]->action;
    assert_string_equal(a->reply_code, "450");
    assert_string_equal(a->status_code, "4.7.1");
    a = &rs->rules[6]->action;
    assert_string_equal(a->reply_code, "421");
    assert_string_equal(a->status_code, "4.3.2");
    a = &rs->rules[7]->action;
    assert_int_equal(a->kind, ACTION_REJECT);
    assert_string_equal(a->reply_code, "550");
    assert_string_equal(a->status_code, "5.7.1");
    assert_string_equal(rs->rules[8]->action.reply_code, "554");
    assert_string_equal(rs->rules[9]->action.status_code, "5.123.456");
    rules_free(rs);
}

/* test_action_names - action_kind_name */
static void test_action_names(void **state)
{
    (void)state;
    assert_string_equal(action_kind_name(ACTION_ACCEPT), "accept");
    assert_string_equal(action_kind_name(ACTION_FLAG), "flag");
    assert_string_equal(action_kind_name(ACTION_REWRITE_SUBJECT), "rewrite-subject");
    assert_string_equal(action_kind_name(ACTION_HOLD), "hold");
    assert_string_equal(action_kind_name(ACTION_TEMPFAIL), "tempfail");
    assert_string_equal(action_kind_name(ACTION_REJECT), "reject");
    assert_string_equal(action_kind_name((enum action_kind)42), "unknown");
}

/* test_thresholds - sorted by score, with their actions */
static void test_thresholds(void **state)
{
    struct ruleset *rs = parse("threshold 12 hold\nthreshold 5.0 flag\n"
                               "threshold -1 accept threshold 20 reject 550 5.7.1 \"Spam\"");

    (void)state;
    assert_int_equal(rs->threshold_count, 4);
    assert_int_equal(rs->thresholds[0].score, -1000);
    assert_int_equal(rs->thresholds[0].action.kind, ACTION_ACCEPT);
    assert_int_equal(rs->thresholds[1].score, 5000);
    assert_int_equal(rs->thresholds[1].line, 2);
    assert_int_equal(rs->thresholds[2].action.kind, ACTION_HOLD);
    assert_string_equal(rs->thresholds[3].action.text, "Spam");
    rules_free(rs);
}

/* test_lists_inline - entry classes, quoted entries, list across lines */
static void test_lists_inline(void **state)
{
    struct ruleset *rs = parse(
        "list l = 192.0.2.0/24, 2001:db8::1, user@Example.org, @example.net,\n"
        "         example.com, .example.com, \"two words\", exa$mple ,x\n"
        "list m = \"quoted@example.org\"\n");
    const struct rules_list *l = rs->lists[0];

    (void)state;
    assert_int_equal(rs->list_count, 2);
    assert_string_equal(l->name, "l");
    assert_int_equal(l->networks.count, 2);
    assert_int_equal(l->mailbox_count, 1);
    assert_int_equal(l->domains.count, 4);  /* example.net, example.com, .example.com, x */
    assert_int_equal(l->text_count, 9);
    assert_string_equal(l->example[ENTRY_NETWORK], "192.0.2.0/24");
    assert_string_equal(l->example[ENTRY_MAILBOX], "user@Example.org");
    assert_string_equal(l->example[ENTRY_AT_DOMAIN], "@example.net");
    assert_string_equal(l->example[ENTRY_DOMAIN], "example.com");
    assert_string_equal(l->example[ENTRY_TEXT], "two words");
    assert_int_equal(rs->lists[1]->mailbox_count, 1);
    rules_free(rs);
}

/* test_list_kinds - which lists each kind of fact accepts */
static void test_list_kinds(void **state)
{
    struct ruleset *rs = parse(
        "list nets = 192.0.2.0/24, ::1\n"
        "list addrs = a@example.org, @example.org, example.org, .example.org\n"
        "list doms = example.org, .example.org\n"
        "list any = \"x y\", 192.0.2.1, a@b.c\n"
        "rule A if client_addr in nets\n"
        "rule B if sender in addrs or rcpt not in doms\n"
        "rule C if helo in doms or client_name in doms or sender_domain in doms\n"
        "rule D if rcpt_domain in doms\n"
        "rule E if sasl_user in any or header \"X\" in any or sasl_user in nets\n");

    (void)state;
    assert_int_equal(rules_count(rs), 5);
    rules_free(rs);
}

/* test_list_files - relative and absolute paths, comments, blanks, CRLF */
static void test_list_files(void **state)
{
    char text[512];
    struct ruleset *rs;

    (void)state;
    write_file("a.list", "# staff\n192.0.2.0/24\n\n  2001:db8::/32  # office\r\n"
               "\t@example.org\nno final newline");
    write_file("empty.list", "");
    rs = parse_in("list a from \"a.list\" list e from \"empty.list\"\n"
                  "rule A if sasl_user in a or client_addr in e", tmpdir);
    assert_int_equal(rs->lists[0]->networks.count, 2);
    assert_int_equal(rs->lists[0]->domains.count, 1);
    assert_int_equal(rs->lists[0]->text_count, 4);
    assert_int_equal(rs->lists[1]->text_count, 0);
    rules_free(rs);
    snprintf(text, sizeof(text), "list a from \"%s/a.list\"", tmpdir);
    rs = parse_in(text, "/nonexistent");
    assert_int_equal(rs->lists[0]->networks.count, 2);
    rules_free(rs);
}

/* test_load - rules_load reads lists relative to the rules file */
static void test_load(void **state)
{
    struct vigie_error err = {{0}};
    char path[128];
    struct ruleset *rs;

    (void)state;
    write_file("vip.list", "vip@example.org\n");
    write_file("main.rules", "list vip from \"vip.list\"\nrule VIP if sender in vip\n");
    snprintf(path, sizeof(path), "%s/main.rules", tmpdir);
    rs = rules_load(path, &err);
    if (rs == NULL)
        fail_msg("%s", err.msg);
    assert_int_equal(rs->lists[0]->mailbox_count, 1);
    rules_free(rs);
}

/* test_shipped_rules - rules/vigie.rules parses and has its defaults */
static void test_shipped_rules(void **state)
{
    struct vigie_error err = {{0}};
    struct ruleset *rs = rules_load("rules/vigie.rules", &err);
    size_t i;

    (void)state;
    if (rs == NULL)
        fail_msg("%s", err.msg);
    assert_true(rules_count(rs) >= 10);
    assert_true(rules_get_settings(rs)->relay_guard);
    assert_true(rules_get_settings(rs)->sender_login_check);
    assert_int_equal(rs->thresholds[0].score, 5000);
    assert_int_equal(rs->thresholds[0].action.kind, ACTION_FLAG);
    for (i = 0; i < rules_count(rs); i++)
        assert_non_null(rs->rules[i]->description);
    rules_free(rs);
}

/* test_depth - 64 levels of ( ) or not parse; 65 do not */
static void test_depth(void **state)
{
    char text[1024];
    size_t n;
    struct ruleset *rs;

    (void)state;
    n = (size_t)snprintf(text, sizeof(text), "rule A if ");
    memset(text + n, '(', 64);
    n += 64;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "trusted");
    memset(text + n, ')', 64);
    text[n + 64] = '\0';
    rs = parse(text);
    rules_free(rs);
    text[10] = '(';
    memmove(text + 11, text + 10, strlen(text + 10) + 1);
    strcat(text, ")");
    assert_string_equal(error_of(text, strlen(text)),
                        "t.rules:1:75: expression nested too deeply (limit 64)");

    n = (size_t)snprintf(text, sizeof(text), "rule A if ");
    for (int i = 0; i < 65; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "not ");
    snprintf(text + n, sizeof(text) - n, "trusted");
    assert_string_equal(error_of(text, strlen(text)),
                        "t.rules:1:267: expression nested too deeply (limit 64)");
    memmove(text + 10, text + 14, strlen(text + 14) + 1);
    rs = parse(text);
    rules_free(rs);
}

/* test_long_chain - a very long "or" chain is one flat node */
static void test_long_chain(void **state)
{
    size_t count = 20000;
    size_t size = 16 + count * 11;
    char *text = malloc(size);
    size_t n;
    struct ruleset *rs;

    (void)state;
    assert_non_null(text);
    n = (size_t)snprintf(text, size, "rule A if trusted");
    for (size_t i = 1; i < count; i++)
        n += (size_t)snprintf(text + n, size - n, " or trusted");
    rs = parse(text);
    assert_int_equal(rs->rules[0]->expr->kid_count, count);
    rules_free(rs);
    free(text);
}

/* test_lex_errors - every message of the lexer */
static void test_lex_errors(void **state)
{
    char text[RULES_MAX_TOKEN + 64];

    (void)state;
    expect_error("rule A if helo == \"abc", "t.rules:1:19: unterminated string");
    expect_error("rule A if helo == \"abc\ndef\"", "t.rules:1:19: unterminated string");
    expect_error("rule A if helo =~ /abc", "t.rules:1:19: unterminated regex");
    expect_error("rule A if helo =~ /abc\\\n/", "t.rules:1:19: unterminated regex");
    expect_error("rule A if helo == \"a\\qb\"",
                 "t.rules:1:21: bad escape in string (only \\\" and \\\\ are allowed)");
    expect_error("rule A if helo == \"a\x01\"", "t.rules:1:21: control character in string");
    expect_error("rule A if helo =~ /a/ig",
                 "t.rules:1:23: unknown regex flag 'g' (allowed: i m s x)");
    expect_error("rule A if helo == @", "t.rules:1:19: unexpected character '@'");
    expect_error("rule A if helo ! \"x\"", "t.rules:1:16: unexpected character '!'");
    expect_error("\n\n  rule A\x01", "t.rules:3:9: unexpected character '\\x01'");
    assert_string_equal(error_of("rule A\0", 7), "t.rules:1:7: unexpected character '\\x00'");
    expect_error("list a = \x01", "t.rules:1:10: unexpected character '\\x01'");

    snprintf(text, sizeof(text), "rule %0129d", 0);
    memset(text + 5, 'A', 129);
    expect_error(text, "t.rules:1:6: name too long (limit 128 bytes)");
    snprintf(text, sizeof(text), "threshold 1%0128d", 0);
    expect_error(text, "t.rules:1:11: number too long (limit 128 bytes)");
    snprintf(text, sizeof(text), "rule A describe \"%0*d\"", RULES_MAX_TOKEN + 1, 0);
    expect_error(text, "t.rules:1:17: string too long (limit 4096 bytes)");
    snprintf(text, sizeof(text), "rule A if helo =~ /%0*d/", RULES_MAX_TOKEN + 1, 0);
    expect_error(text, "t.rules:1:19: regex too long (limit 4096 bytes)");
    snprintf(text, sizeof(text), "list a = %0*d", RULES_MAX_TOKEN + 1, 0);
    expect_error(text, "t.rules:1:10: list entry too long (limit 4096 bytes)");
}

/* test_statement_errors - top level, names, clauses */
static void test_statement_errors(void **state)
{
    (void)state;
    expect_error("hello", "t.rules:1:1: unknown statement \"hello\" "
                 "(expected list, set, rule, threshold or limit)");
    expect_error("\"x\"", "t.rules:1:1: expected a statement (list, set, rule, "
                 "threshold or limit), found string \"x\"");
    expect_error("rule", "t.rules:1:5: expected a rule name, found end of file");
    expect_error("rule 1A if trusted", "t.rules:1:6: expected a rule name, found \"1A\"");
    expect_error("rule and if trusted",
                 "t.rules:1:6: \"and\" is a reserved word and cannot name a rule");
    expect_error("list from = x",
                 "t.rules:1:6: \"from\" is a reserved word and cannot name a list");
    expect_error("list", "t.rules:1:5: expected a list name, found end of file");
    expect_error("rule A if trusted\nrule A if trusted",
                 "t.rules:2:6: duplicate rule \"A\" (first defined at line 1)");
    expect_error("list a = x\n\nlist a = y",
                 "t.rules:3:6: duplicate list \"a\" (first defined at line 1)");
    expect_error("rule A score 1", "t.rules:1:6: rule \"A\" has no if");
    expect_error("rule A\n", "t.rules:1:6: rule \"A\" has no if");
    expect_error("rule A if trusted if trusted",
                 "t.rules:1:19: if given twice in rule \"A\"");
    expect_error("rule A if trusted score 1 score 2",
                 "t.rules:1:27: score given twice in rule \"A\"");
    expect_error("rule A if trusted action hold action flag",
                 "t.rules:1:31: action given twice in rule \"A\"");
    expect_error("rule A if trusted describe \"a\" describe \"b\"",
                 "t.rules:1:32: describe given twice in rule \"A\"");
    expect_error("rule A if trusted blah", "t.rules:1:19: expected if, score, action or "
                 "describe in rule \"A\", found \"blah\"");
    expect_error("rule A if trusted not trusted", "t.rules:1:19: expected if, score, "
                 "action or describe in rule \"A\", found \"not\"");
    expect_error("rule A describe x if trusted",
                 "t.rules:1:17: expected a description in quotes, found \"x\"");
    expect_error("rule A if trusted score", "t.rules:1:24: expected a number, found end of file");
    expect_error("rule A if trusted score 1.2.3", "t.rules:1:25: bad number \"1.2.3\"");
    expect_error("rule A if trusted score 1.", "t.rules:1:25: bad number \"1.\"");
    expect_error("rule A if trusted score 10k", "t.rules:1:25: bad number \"10k\"");
    expect_error("rule A if trusted score 1234567890123456",
                 "t.rules:1:25: bad number \"1234567890123456\"");
    expect_error("rule A if trusted score 2000000",
                 "t.rules:1:25: score 2000000 out of range (limit 1000000)");
    expect_error("rule A if trusted score -1000000.5",
                 "t.rules:1:25: score -1000000.5 out of range (limit 1000000)");
}

/* test_expr_errors - facts, operators, values */
static void test_expr_errors(void **state)
{
    (void)state;
    expect_error("rule A if foo", "t.rules:1:11: unknown fact \"foo\"");
    expect_error("rule A if score 1", "t.rules:1:11: expected an expression, found \"score\"");
    expect_error("rule A if", "t.rules:1:10: expected an expression, found end of file");
    expect_error("rule A if trusted and", "t.rules:1:22: expected an expression, found end of file");
    expect_error("rule A if == \"x\"", "t.rules:1:11: expected an expression, found '=='");
    expect_error("rule A if sender in nolist", "t.rules:1:21: unknown list \"nolist\"");
    expect_error("rule A if sender in l\nlist l = x", "t.rules:1:21: unknown list \"l\"");
    expect_error("list l = example.com, 192.0.2.1\nrule A if client_addr in l",
                 "t.rules:2:26: list \"l\" cannot be used with client_addr: "
                 "\"example.com\" is not an IP address or network");
    expect_error("list l = example.com, 192.0.2.1\nrule A if sender in l",
                 "t.rules:2:21: list \"l\" cannot be used with sender: "
                 "\"192.0.2.1\" is not an address, @domain or domain");
    expect_error("list l = \"a b\"\nrule A if rcpt not in l",
                 "t.rules:2:23: list \"l\" cannot be used with rcpt: "
                 "\"a b\" is not an address, @domain or domain");
    expect_error("list l = example.com, a@example.com\nrule A if helo in l",
                 "t.rules:2:19: list \"l\" cannot be used with helo: "
                 "\"a@example.com\" is not a domain");
    expect_error("list l = @example.com\nrule A if rcpt_domain in l",
                 "t.rules:2:26: list \"l\" cannot be used with rcpt_domain: "
                 "\"@example.com\" is not a domain");
    expect_error("rule A if size =~ /x/",
                 "t.rules:1:16: operator =~ does not apply to size (a number)");
    expect_error("rule A if helo > 3",
                 "t.rules:1:16: operator > does not apply to helo (a string)");
    expect_error("rule A if client_addr <= 3",
                 "t.rules:1:23: operator <= does not apply to client_addr (an address)");
    expect_error("rule A if authenticated == \"x\"",
                 "t.rules:1:25: operator == does not apply to authenticated (a boolean)");
    expect_error("rule A if trusted exists",
                 "t.rules:1:19: operator exists does not apply to trusted (a boolean)");
    expect_error("rule A if helo exists",
                 "t.rules:1:16: operator exists does not apply to helo (single-valued)");
    expect_error("list l = x\nrule A if size not in l",
                 "t.rules:2:20: operator not in does not apply to size (a number)");
    expect_error("rule A if helo =~ \"x\"",
                 "t.rules:1:19: expected a /regex/ after =~, found string \"x\"");
    expect_error("rule A if helo !~ x", "t.rules:1:19: expected a /regex/ after !~, found \"x\"");
    expect_error("rule A if helo not in \"x\"",
                 "t.rules:1:23: expected a list name after not in, found string \"x\"");
    expect_error("rule A if size > \"x\"",
                 "t.rules:1:18: expected a number after >, found string \"x\"");
    expect_error("rule A if size > 10X", "t.rules:1:18: bad number \"10X\"");
    expect_error("rule A if size > 1.5.", "t.rules:1:18: bad number \"1.5.\"");
    expect_error("rule A if helo == x",
                 "t.rules:1:19: expected a string in quotes after ==, found \"x\"");
    expect_error("rule A if helo ==",
                 "t.rules:1:18: expected a string in quotes after ==, found end of file");
    expect_error("rule A if client_addr != 1",
                 "t.rules:1:26: expected an IP address in quotes after !=, found \"1\"");
    expect_error("rule A if client_addr == \"foo\"",
                 "t.rules:1:26: bad IP address or network \"foo\"");
    expect_error("rule A if header Subject",
                 "t.rules:1:18: expected a header name in quotes after header, found \"Subject\"");
    expect_error("rule A if header \"Sub ject\" exists",
                 "t.rules:1:18: bad header name \"Sub ject\"");
    expect_error("rule A if header \"Subject:\" exists",
                 "t.rules:1:18: bad header name \"Subject:\"");
    expect_error("rule A if header \"\" exists", "t.rules:1:18: bad header name \"\"");
    expect_error("rule A if header \"X\"",
                 "t.rules:1:21: expected an operator after header, found end of file");
    expect_error("rule A if helo score 1",
                 "t.rules:1:16: expected an operator after helo, found \"score\"");
    expect_error("rule A if helo not \"x\"",
                 "t.rules:1:20: expected in after not, found string \"x\"");
    expect_error("rule A if (trusted", "t.rules:1:19: expected ')', found end of file");
    expect_error("rule A if (trusted score 1",
                 "t.rules:1:20: expected ')', found \"score\"");
    expect_error("rule A if helo =~ /(/",
                 "t.rules:1:19: bad regex: missing closing parenthesis");
    expect_error("rule A\n  if helo =~ /a{2,1}/",
                 "t.rules:2:14: bad regex: numbers out of order in {} quantifier");
}

/* test_action_errors - actions and reply codes */
static void test_action_errors(void **state)
{
    (void)state;
    expect_error("rule A if trusted action drop",
                 "t.rules:1:26: unknown action \"drop\" (expected accept, flag, "
                 "rewrite-subject, hold, tempfail or reject)");
    expect_error("rule A if trusted action \"x\"",
                 "t.rules:1:26: expected an action, found string \"x\"");
    expect_error("rule A if trusted action",
                 "t.rules:1:25: expected an action, found end of file");
    expect_error("rule A if trusted action reject 451 \"x\"",
                 "t.rules:1:33: bad reply code \"451\" for reject (expected 5XX)");
    expect_error("rule A if trusted action tempfail 550 \"x\"",
                 "t.rules:1:35: bad reply code \"550\" for tempfail (expected 4XX)");
    expect_error("rule A if trusted action reject 5500 \"x\"",
                 "t.rules:1:33: bad reply code \"5500\" for reject (expected 5XX)");
    expect_error("rule A if trusted action reject 5.7.1 \"x\"",
                 "t.rules:1:33: bad reply code \"5.7.1\" for reject (expected 5XX)");
    expect_error("rule A if trusted action reject 550 4.7.1 \"x\"",
                 "t.rules:1:37: bad status code \"4.7.1\" for reject (expected 5.X.X)");
    expect_error("rule A if trusted action reject 550 5.7 \"x\"",
                 "t.rules:1:37: bad status code \"5.7\" for reject (expected 5.X.X)");
    expect_error("rule A if trusted action reject 550 5.1234.1 \"x\"",
                 "t.rules:1:37: bad status code \"5.1234.1\" for reject (expected 5.X.X)");
    expect_error("rule A if trusted action tempfail 451 4.7.1x \"x\"",
                 "t.rules:1:39: bad status code \"4.7.1x\" for tempfail (expected 4.X.X)");
    expect_error("rule A if trusted action reject 550",
                 "t.rules:1:36: expected the reply text in quotes, found end of file");
    expect_error("rule A if trusted action reject",
                 "t.rules:1:32: expected the reply text in quotes, found end of file");
    expect_error("rule A if trusted action rewrite-subject",
                 "t.rules:1:41: expected the subject prefix in quotes, found end of file");
}

/* test_setting_errors - set */
static void test_setting_errors(void **state)
{
    (void)state;
    expect_error("set foo on", "t.rules:1:5: unknown setting \"foo\"");
    expect_error("set relay_guard on set relay_guard off",
                 "t.rules:1:24: setting relay_guard given twice");
    expect_error("set relay_guard maybe",
                 "t.rules:1:17: bad value \"maybe\" for relay_guard (expected on or off)");
    expect_error("set relay_guard 1", "t.rules:1:17: expected on or off, found \"1\"");
    expect_error("set relay_guard", "t.rules:1:16: expected on or off, found end of file");
    expect_error("set \"x\"", "t.rules:1:5: expected a setting name, found string \"x\"");
}

/* test_threshold_errors - threshold */
static void test_threshold_errors(void **state)
{
    char text[2048];
    size_t n = 0;

    (void)state;
    expect_error("threshold 5", "t.rules:1:1: threshold without action");
    expect_error("rule A if trusted\n  threshold 5\nrule B if trusted",
                 "t.rules:2:3: threshold without action");
    expect_error("threshold flag", "t.rules:1:11: expected a number, found \"flag\"");
    expect_error("threshold 5k flag", "t.rules:1:11: bad number \"5k\"");
    expect_error("threshold 5 flag\nthreshold 5.0 hold",
                 "t.rules:2:11: duplicate threshold 5 (first at line 1)");
    expect_error("threshold 5 bounce", "t.rules:1:13: unknown action \"bounce\" (expected "
                 "accept, flag, rewrite-subject, hold, tempfail or reject)");
    for (int i = 0; i <= RULES_MAX_THRESHOLDS; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "threshold %d flag\n", i);
    assert_string_equal(error_of(text, n), "t.rules:65:11: too many thresholds (limit 64)");
}

/* test_list_errors - inline lists and list files */
static void test_list_errors(void **state)
{
    char msg[512];
    char path[256];
    int fd;

    (void)state;
    expect_error("list a b", "t.rules:1:8: expected = or from after the list name, found \"b\"");
    expect_error("list a = ,", "t.rules:1:10: expected a list entry, found ','");
    expect_error("list a = x,", "t.rules:1:12: expected a list entry, found end of file");
    expect_error("list a =", "t.rules:1:9: expected a list entry, found end of file");
    expect_error("list a = @", "t.rules:1:10: bad list entry \"@\": no domain after @");
    expect_error("list a = x, user@", "t.rules:1:13: bad list entry \"user@\": no domain after @");
    expect_error("list a = x, \"\"", "t.rules:1:13: bad list entry \"\": empty entry");
    expect_error("list a = \"x", "t.rules:1:10: unterminated string");
    expect_error("list a from x", "t.rules:1:13: expected a file name in quotes, found \"x\"");

    snprintf(msg, sizeof(msg), "t.rules:1:13: cannot open list file \"%s/nope.list\": "
             "No such file or directory", tmpdir);
    expect_error("list a from \"nope.list\"", msg);
    snprintf(msg, sizeof(msg), "t.rules:2:13: list file \"%s/.\" is not a regular file",
             tmpdir);
    expect_error("\nlist a from \".\"", msg);
    snprintf(path, sizeof(path), "%s/big.list", tmpdir);
    fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)RULES_MAX_FILE + 1), 0);
    close(fd);
    snprintf(msg, sizeof(msg), "t.rules:1:13: list file \"%s\" is too large (limit 16 MiB)",
             path);
    expect_error("list a from \"big.list\"", msg);

    write_file("bad1.list", "ok.example\n# comment\n@\n");
    snprintf(msg, sizeof(msg), "%s/bad1.list:3: bad entry \"@\": no domain after @", tmpdir);
    expect_error("list a from \"bad1.list\"", msg);
    write_file("bad2.list", "ok.example\nbad\x01here\n");
    snprintf(msg, sizeof(msg), "%s/bad2.list:2: control character in entry", tmpdir);
    expect_error("list a from \"bad2.list\"", msg);
    {
        char line[RULES_MAX_TOKEN + 8];

        memset(line, 'x', RULES_MAX_TOKEN + 1);
        strcpy(line + RULES_MAX_TOKEN + 1, "\n");
        write_file("bad3.list", line);
    }
    snprintf(msg, sizeof(msg), "%s/bad3.list:1: line too long (limit 4096 bytes)", tmpdir);
    expect_error("list a from \"bad3.list\"", msg);
}

/* test_load_errors - rules_load on what cannot be read */
static void test_load_errors(void **state)
{
    struct vigie_error err = {{0}};
    char msg[512];

    (void)state;
    assert_null(rules_load("/nonexistent/vigie.rules", &err));
    assert_string_equal(err.msg, "cannot open rules file \"/nonexistent/vigie.rules\": "
                        "No such file or directory");
    assert_null(rules_load(tmpdir, &err));
    snprintf(msg, sizeof(msg), "rules file \"%s\" is not a regular file", tmpdir);
    assert_string_equal(err.msg, msg);
    write_file("bad.rules", "rule A if trusted\nrule B\n");
    snprintf(msg, sizeof(msg), "%s/bad.rules", tmpdir);
    assert_null(rules_load(msg, &err));
    snprintf(msg, sizeof(msg), "%s/bad.rules:2:6: rule \"B\" has no if", tmpdir);
    assert_string_equal(err.msg, msg);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_rule_clauses),
        cmocka_unit_test(test_precedence),
        cmocka_unit_test(test_operators),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_regex_flags),
        cmocka_unit_test(test_header),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_action_names),
        cmocka_unit_test(test_thresholds),
        cmocka_unit_test(test_lists_inline),
        cmocka_unit_test(test_list_kinds),
        cmocka_unit_test(test_list_files),
        cmocka_unit_test(test_load),
        cmocka_unit_test(test_shipped_rules),
        cmocka_unit_test(test_depth),
        cmocka_unit_test(test_long_chain),
        cmocka_unit_test(test_lex_errors),
        cmocka_unit_test(test_statement_errors),
        cmocka_unit_test(test_expr_errors),
        cmocka_unit_test(test_action_errors),
        cmocka_unit_test(test_setting_errors),
        cmocka_unit_test(test_threshold_errors),
        cmocka_unit_test(test_list_errors),
        cmocka_unit_test(test_load_errors),
    };

    return cmocka_run_group_tests(tests, setup_dir, teardown_dir);
}
