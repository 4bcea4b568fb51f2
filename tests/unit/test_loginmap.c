/*
 * NAME
 *	test_loginmap - unit tests for lib/loginmap.c
 * DESCRIPTION
 *	Parsing of the Postfix-style table (comments, continuation lines,
 *	comma/blank separated logins), lookups (full address before
 *	@domain, case, null sender) and every error message.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "loginmap.h"

static char tmpdir[64];

/* tmp_path - a name inside the temporary directory (static buffer) */
static const char *tmp_path(const char *name)
{
    static char path[128];

    snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
    return path;
}

/* write_map - create a map file; returns its path (static buffer) */
static const char *write_map(const char *text)
{
    const char *path = tmp_path("logins");
    FILE *fp = fopen(path, "w");

    assert_non_null(fp);
    assert_int_equal(fputs(text, fp) >= 0, 1);
    assert_int_equal(fclose(fp), 0);
    return path;
}

/* load_error - load text, expect failure, return the message (static buffer) */
static const char *load_error(const char *text)
{
    static struct vigie_error err;

    memset(&err, 0, sizeof(err));
    assert_null(loginmap_load(write_map(text), &err));
    return err.msg;
}

/* test_lookups - address entries, domain entries, several logins */
static void test_lookups(void **state)
{
    struct vigie_error err;
    struct loginmap *map;

    (void)state;
    map = loginmap_load(write_map("# who may send as whom\n"
                                  "\n"
                                  "alice@example.org   alice\n"
                                  "   # an indented comment\n"
                                  "sales@example.org   alice, bob carol\n"
                                  "@example.net        dave\n"
                                  "info@example.net    erin\n"),
                        &err);
    assert_non_null(map);
    assert_true(loginmap_allows(map, "alice@example.org", "alice"));
    assert_false(loginmap_allows(map, "alice@example.org", "bob"));
    assert_true(loginmap_allows(map, "sales@example.org", "alice"));
    assert_true(loginmap_allows(map, "sales@example.org", "bob"));
    assert_true(loginmap_allows(map, "sales@example.org", "carol"));
    assert_false(loginmap_allows(map, "sales@example.org", "dave"));
    /* "@domain" covers the domain's other addresses... */
    assert_true(loginmap_allows(map, "anyone@example.net", "dave"));
    /* ...but a full-address entry is found first. */
    assert_true(loginmap_allows(map, "info@example.net", "erin"));
    assert_false(loginmap_allows(map, "info@example.net", "dave"));
    /* No entry at all: refused. */
    assert_false(loginmap_allows(map, "bob@example.org", "bob"));
    assert_false(loginmap_allows(map, "nodomain", "alice"));
    assert_false(loginmap_allows(map, "x@sub.example.net", "dave"));
    loginmap_free(map);
}

/* test_case_and_null_sender - keys and logins in any case; <> always allowed */
static void test_case_and_null_sender(void **state)
{
    struct vigie_error err;
    struct loginmap *map;

    (void)state;
    map = loginmap_load(write_map("Alice@Example.ORG Alice\n@EXAMPLE.net Dave\n"), &err);
    assert_non_null(map);
    assert_true(loginmap_allows(map, "ALICE@example.org", "alice"));
    assert_true(loginmap_allows(map, "alice@EXAMPLE.ORG", "ALICE"));
    assert_true(loginmap_allows(map, "x@Example.Net", "dave"));
    assert_true(loginmap_allows(map, "", "anybody"));
    loginmap_free(map);
}

/* test_continuation - a line starting with a blank adds logins */
static void test_continuation(void **state)
{
    struct vigie_error err;
    struct loginmap *map;

    (void)state;
    map = loginmap_load(write_map("team@example.org alice,\n"
                                  "\tbob\n"
                                  "  carol, dave\n"
                                  "solo@example.org\n"
                                  "    erin\n"),
                        &err);
    assert_non_null(map);
    assert_true(loginmap_allows(map, "team@example.org", "alice"));
    assert_true(loginmap_allows(map, "team@example.org", "bob"));
    assert_true(loginmap_allows(map, "team@example.org", "dave"));
    assert_true(loginmap_allows(map, "solo@example.org", "erin"));
    assert_false(loginmap_allows(map, "solo@example.org", "alice"));
    loginmap_free(map);
}

/* test_empty - an empty map refuses every non-null sender */
static void test_empty(void **state)
{
    struct vigie_error err;
    struct loginmap *map;

    (void)state;
    map = loginmap_load(write_map("# nothing yet\n"), &err);
    assert_non_null(map);
    assert_false(loginmap_allows(map, "a@example.org", "a"));
    assert_true(loginmap_allows(map, "", "a"));
    loginmap_free(map);
    loginmap_free(NULL);
}

/* test_errors - each message, with file and line */
static void test_errors(void **state)
{
    char expect[512];
    struct vigie_error err;

    (void)state;
    snprintf(expect, sizeof(expect), "%s:2: bad key \"alice\": expected user@domain or @domain",
             tmp_path("logins"));
    assert_string_equal(load_error("a@example.org a\nalice alice\n"), expect);

    snprintf(expect, sizeof(expect), "%s:1: bad key \"a@b@c\": expected user@domain or @domain",
             tmp_path("logins"));
    assert_string_equal(load_error("a@b@c x\n"), expect);

    snprintf(expect, sizeof(expect), "%s:1: bad key \"user@\": expected user@domain or @domain",
             tmp_path("logins"));
    assert_string_equal(load_error("user@ x\n"), expect);

    snprintf(expect, sizeof(expect), "%s:2: no login name for \"b@example.org\"",
             tmp_path("logins"));
    assert_string_equal(load_error("a@example.org a\nb@example.org\n# end\n"), expect);

    snprintf(expect, sizeof(expect), "%s:3: duplicate key \"a@example.org\" (first at line 1)",
             tmp_path("logins"));
    assert_string_equal(load_error("a@example.org a\n@example.org x\nA@Example.org b\n"),
                        expect);

    snprintf(expect, sizeof(expect), "%s:2: continuation line without an entry before it",
             tmp_path("logins"));
    assert_string_equal(load_error("# comment\n  alice\n"), expect);

    snprintf(expect, sizeof(expect), "%s: cannot open: No such file or directory",
             tmp_path("missing"));
    assert_null(loginmap_load(tmp_path("missing"), &err));
    assert_string_equal(err.msg, expect);

    snprintf(expect, sizeof(expect), "%s: read error: Is a directory", tmpdir);
    assert_null(loginmap_load(tmpdir, &err));
    assert_string_equal(err.msg, expect);
}

/* setup - a private temporary directory */
static int setup(void **state)
{
    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_loginmap.XXXXXX");
    return mkdtemp(tmpdir) == NULL ? -1 : 0;
}

/* teardown - remove it */
static int teardown(void **state)
{
    (void)state;
    unlink(tmp_path("logins"));
    return rmdir(tmpdir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lookups),
        cmocka_unit_test(test_case_and_null_sender),
        cmocka_unit_test(test_continuation),
        cmocka_unit_test(test_empty),
        cmocka_unit_test(test_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
