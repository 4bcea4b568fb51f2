/*
 * NAME
 *	test_dnszone - unit tests for lib/dnszone.c
 * DESCRIPTION
 *	The zone file syntax and every error message, TXT lookups
 *	(found, not found, temporary failure, deadline), wildcards,
 *	loading from a file, and the name server argument of a resolver
 *	source. Queries to a resolver are tested in test_dnsres.c.
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

#include "dnszone.h"

/* load - parse text; the source, or NULL with err */
static struct dns_source *load(const char *text, struct vigie_error *err)
{
    return dns_source_zone_text("zone", text, strlen(text), err);
}

/* lookup - TXT lookup with a generous deadline */
static enum dns_status lookup(struct dns_source *src, const char *name, struct dns_txt *out)
{
    struct dns_deadline dl;
    struct vigie_error err;

    dns_deadline_start(&dl, 5000);
    return dns_txt_lookup(src, &dl, name, out, &err);
}

/* test_txt_lookup - found, joined strings, several records, not found, SERVFAIL */
static void test_txt_lookup(void **state)
{
    struct vigie_error err;
    struct dns_txt txt;
    struct dns_source *src = load(
        "# a comment\n"
        "\n"
        "example.org.  txt \"v=DMARC1; \" \"p=reject\"   # joined\n"
        "two.example   TXT first\n"
        "two.example   TXT \"second \\\"quoted\\\" \\\\ # not a comment\"\n"
        "addr.example  A 192.0.2.1\n"
        "empty.example TXT \"\"\n"
        "bad.example   SERVFAIL\n", &err);

    (void)state;
    assert_non_null(src);
    assert_int_equal(lookup(src, "example.org", &txt), DNS_FOUND);
    assert_int_equal(txt.count, 1);
    assert_string_equal(txt.records[0], "v=DMARC1; p=reject");
    dns_txt_free(&txt);
    assert_int_equal(txt.count, 0);
    assert_null(txt.records);
    assert_int_equal(lookup(src, "EXAMPLE.ORG.", &txt), DNS_FOUND);
    dns_txt_free(&txt);
    assert_int_equal(lookup(src, "two.example", &txt), DNS_FOUND);
    assert_int_equal(txt.count, 2);
    assert_string_equal(txt.records[0], "first");
    assert_string_equal(txt.records[1], "second \"quoted\" \\ # not a comment");
    dns_txt_free(&txt);
    assert_int_equal(lookup(src, "empty.example", &txt), DNS_FOUND);
    assert_string_equal(txt.records[0], "");
    dns_txt_free(&txt);
    assert_int_equal(lookup(src, "addr.example", &txt), DNS_NOT_FOUND);
    assert_int_equal(lookup(src, "nowhere.example", &txt), DNS_NOT_FOUND);
    assert_int_equal(txt.count, 0);
    assert_int_equal(lookup(src, "bad.example", &txt), DNS_TEMPFAIL);
    dns_source_free(src);
}

/* test_wildcard - "*." entries match below, after the specific ones */
static void test_wildcard(void **state)
{
    struct vigie_error err;
    struct dns_txt txt;
    struct dns_source *src = load("a.w.example TXT specific\n*.w.example TXT wild\n", &err);

    (void)state;
    assert_non_null(src);
    assert_int_equal(lookup(src, "a.w.example", &txt), DNS_FOUND);
    assert_string_equal(txt.records[0], "specific");
    dns_txt_free(&txt);
    assert_int_equal(lookup(src, "b.c.w.example", &txt), DNS_FOUND);
    assert_string_equal(txt.records[0], "wild");
    dns_txt_free(&txt);
    dns_source_free(src);
}

/* test_deadline - a passed deadline fails lookups without asking */
static void test_deadline(void **state)
{
    struct vigie_error err;
    struct dns_deadline dl;
    struct dns_txt txt;
    struct dns_source *src = load("example.org TXT x\n", &err);

    (void)state;
    assert_non_null(src);
    dns_deadline_start(&dl, 0);
    assert_true(dns_deadline_passed(&dl));
    assert_int_equal(dns_txt_lookup(src, &dl, "example.org", &txt, &err), DNS_TEMPFAIL);
    dns_deadline_start(&dl, 60000);
    assert_false(dns_deadline_passed(&dl));
    dns_deadline_start(&dl, 1500);
    assert_false(dns_deadline_passed(&dl));
    dns_source_free(src);
}

/* test_all_types - every record type loads */
static void test_all_types(void **state)
{
    struct vigie_error err;
    struct dns_source *src = load(
        "a.example A 192.0.2.1\n"
        "a.example AAAA 2001:db8::1\n"
        "a.example MX 10 mx.a.example.\n"
        "1.2.0.192.in-addr.arpa PTR a.example\n"
        "_dmarc.a.example TXT \"v=DMARC1; p=none\"\n", &err);

    (void)state;
    assert_non_null(src);
    dns_source_free(src);
    dns_source_free(NULL);
}

/* expect_error - text must be refused with exactly message */
static void expect_error(const char *text, const char *message)
{
    struct vigie_error err;
    struct dns_source *src = dns_source_zone_text("z", text, strlen(text), &err);

    if (src != NULL)
        dns_source_free(src);
    assert_null(src);
    assert_string_equal(err.msg, message);
}

/* test_errors - every message of the zone parser */
static void test_errors(void **state)
{
    char longname[300];

    (void)state;
    memset(longname, 'a', sizeof(longname) - 1);
    longname[sizeof(longname) - 1] = '\0';
    expect_error(longname, "z:1: name longer than 253 characters");
    expect_error("ok.example TXT x\nbad..example TXT x\n", "z:2: invalid domain name \"bad..example\"");
    expect_error("bad!.example TXT x\n", "z:1: invalid domain name \"bad!.example\"");
    expect_error("example.org\n", "z:1: missing or unknown record type after \"example.org\"");
    expect_error("example.org CNAME x.example\n", "z:1: unknown record type \"CNAME\"");
    expect_error("example.org A 300.1.1.1\n", "z:1: A needs one IPv4 address");
    expect_error("example.org A 192.0.2.1 192.0.2.2\n", "z:1: A needs one IPv4 address");
    expect_error("example.org AAAA 192.0.2.1\n", "z:1: AAAA needs one IPv6 address");
    expect_error("example.org MX mx.example\n", "z:1: MX needs a preference 0..65535 and a host name");
    expect_error("example.org MX 70000 mx.example\n", "z:1: MX needs a preference 0..65535 and a host name");
    expect_error("example.org MX 10\n", "z:1: MX needs a preference 0..65535 and a host name");
    expect_error("example.org MX 10 bad..host\n", "z:1: invalid host name \"bad..host\"");
    expect_error("x.in-addr.arpa PTR\n", "z:1: PTR needs one host name");
    expect_error("x.in-addr.arpa PTR a.example b.example\n", "z:1: PTR needs one host name");
    expect_error("example.org SERVFAIL now\n", "z:1: SERVFAIL takes no data");
    expect_error("example.org SERVFAIL\nEXAMPLE.org SERVFAIL\n",
                 "z:2: SERVFAIL given twice for \"EXAMPLE.org\"");
    expect_error("example.org TXT \"open\n", "z:1: unterminated quoted string");
    expect_error("example.org TXT \"a\" b\n", "z:1: unexpected text after the TXT data");
    expect_error("example.org TXT\n", "z:1: TXT needs data");
    expect_error("example.org TXT # nothing\n", "z:1: TXT needs data");
}

/* test_nul - a NUL byte anywhere refuses the text */
static void test_nul(void **state)
{
    static const char text[] = "example.org TXT x\0y\n";
    struct vigie_error err;

    (void)state;
    assert_null(dns_source_zone_text("z", text, sizeof(text) - 1, &err));
    assert_string_equal(err.msg, "z: NUL byte in zone text");
}

/* test_txt_too_long - more than 65535 bytes of TXT data */
static void test_txt_too_long(void **state)
{
    size_t n = 70000;
    char *text = malloc(n + 32);
    struct vigie_error err;

    (void)state;
    assert_non_null(text);
    strcpy(text, "big.example TXT \"");
    memset(text + strlen(text), 'x', n);
    strcpy(text + 17 + n, "\"\n");
    assert_null(dns_source_zone_text("z", text, strlen(text), &err));
    assert_string_equal(err.msg, "z:1: TXT data longer than 65535 bytes, or out of memory");
    free(text);
}

/* test_zone_file - from a file; a missing file and a directory are errors */
static void test_zone_file(void **state)
{
    char path[] = "/tmp/vigie-test-zone.XXXXXX";
    struct vigie_error err;
    struct dns_source *src;
    struct dns_txt txt;
    int fd = mkstemp(path);
    const char text[] = "example.org TXT \"from a file\"\n";

    (void)state;
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, sizeof(text) - 1), (ssize_t)(sizeof(text) - 1));
    close(fd);
    src = dns_source_zone_file(path, &err);
    assert_non_null(src);
    assert_int_equal(lookup(src, "example.org", &txt), DNS_FOUND);
    assert_string_equal(txt.records[0], "from a file");
    dns_txt_free(&txt);
    dns_source_free(src);
    unlink(path);
    assert_null(dns_source_zone_file(path, &err));
    assert_non_null(strstr(err.msg, "No such file or directory"));
    assert_null(dns_source_zone_file("/tmp", &err));
    assert_string_equal(err.msg, "/tmp: not a regular file of at most 16 MiB");
}

/* test_resolver_source - the name server argument */
static void test_resolver_source(void **state)
{
    static const char *const bad[] = {"localhost", "192.0.2.1:", "192.0.2.1:0",
                                      "192.0.2.1:65536", "192.0.2.1:53x", "::1",
                                      "192.0.2.1111111111111111:53"};
    struct vigie_error err;
    struct dns_source *src;
    char want[128];

    (void)state;
    assert_non_null(src = dns_source_resolver(NULL, &err));
    dns_source_free(src);
    assert_non_null(src = dns_source_resolver("", &err));
    dns_source_free(src);
    assert_non_null(src = dns_source_resolver("127.0.0.1:5353", &err));
    dns_source_free(src);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(dns_source_resolver(bad[i], &err));
        snprintf(want, sizeof(want),
                 "invalid name server \"%s\": want an IPv4 address, optionally :port", bad[i]);
        assert_string_equal(err.msg, want);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txt_lookup),
        cmocka_unit_test(test_wildcard),
        cmocka_unit_test(test_deadline),
        cmocka_unit_test(test_all_types),
        cmocka_unit_test(test_errors),
        cmocka_unit_test(test_nul),
        cmocka_unit_test(test_txt_too_long),
        cmocka_unit_test(test_zone_file),
        cmocka_unit_test(test_resolver_source),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
