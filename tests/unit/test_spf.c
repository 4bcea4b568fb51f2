/*
 * NAME
 *	test_spf - unit tests for lib/spf.c
 * DESCRIPTION
 *	The RFC 7208 result matrix through libspf2's zone layer (a zone
 *	text loaded by dnszone): every result for the MAIL FROM and HELO
 *	identities, macros, the include/redirect and lookup limits, void
 *	lookups, the time budget. No test touches the network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "spf.h"

static const char zone[] =
    "# basic results\n"
    "pass.example      TXT \"v=spf1 ip4:192.0.2.0/24 -all\"\n"
    "soft.example      TXT \"v=spf1 ip4:192.0.2.0/24 ~all\"\n"
    "neutral.example   TXT \"v=spf1 ip4:192.0.2.0/24 ?all\"\n"
    "falloff.example   TXT \"v=spf1 ip4:203.0.113.9\"\n"
    "noterr.example    TXT \"v=spf10 -all\"\n"
    "noterr.example    TXT \"some verification token\"\n"
    "norecord.example  A 192.0.2.1\n"
    "v6.example        TXT \"v=spf1 ip6:2001:db8::/32 -all\"\n"
    "# errors\n"
    "broken.example    SERVFAIL\n"
    "tempinc.example   TXT \"v=spf1 include:broken.example -all\"\n"
    "tempa.example     TXT \"v=spf1 a:broken.example -all\"\n"
    "syntax.example    TXT \"v=spf1 frobnicate:x.example -all\"\n"
    "two.example       TXT \"v=spf1 -all\"\n"
    "two.example       TXT \"v=spf1 +all\"\n"
    "incnone.example   TXT \"v=spf1 include:norecord.example -all\"\n"
    "redirnone.example TXT \"v=spf1 redirect=norecord.example\"\n"
    "loop1.example     TXT \"v=spf1 include:loop2.example -all\"\n"
    "loop2.example     TXT \"v=spf1 include:loop1.example -all\"\n"
    "redir.example     TXT \"v=spf1 redirect=pass.example\"\n"
    "exp.example       TXT \"v=spf1 -all exp=explain.example\"\n"
    "explain.example   TXT \"go away %{i}\"\n"
    "# HELO and mechanisms\n"
    "mail.helo.example TXT \"v=spf1 a -all\"\n"
    "mail.helo.example A 192.0.2.7\n"
    "mx.example        TXT \"v=spf1 mx -all\"\n"
    "mx.example        MX 10 mx1.mx.example\n"
    "mx.example        MX 20 mx2.mx.example\n"
    "mx1.mx.example    A 198.51.100.1\n"
    "mx2.mx.example    A 192.0.2.25\n"
    "ptr.example       TXT \"v=spf1 ptr -all\"\n"
    "25.2.0.192.in-addr.arpa PTR host.ptr.example\n"
    "host.ptr.example  A 192.0.2.25\n"
    "# macros\n"
    "mac.example       TXT \"v=spf1 exists:%{i}.%{l}._spf.mac.example -all\"\n"
    "192.0.2.1.bob._spf.mac.example A 127.0.0.2\n"
    "sub.macro2.example TXT \"v=spf1 exists:%{ir}.%{d2}.%{h}.%{l1r-}.m.example -all\"\n"
    "1.2.0.192.macro2.example.mail.helo.example.joe.m.example A 127.0.0.2\n"
    "# limits: an include chain of 10 and of 11, 10 and 11 a terms\n"
    "n1.example A 198.51.100.1\nn2.example A 198.51.100.2\nn3.example A 198.51.100.3\n"
    "n4.example A 198.51.100.4\nn5.example A 198.51.100.5\nn6.example A 198.51.100.6\n"
    "n7.example A 198.51.100.7\nn8.example A 198.51.100.8\nn9.example A 198.51.100.9\n"
    "n10.example A 198.51.100.10\nn11.example A 198.51.100.11\n"
    "chain10.example   TXT \"v=spf1 include:c1.example -all\"\n"
    "chain11.example   TXT \"v=spf1 include:c0.example -all\"\n"
    "c0.example        TXT \"v=spf1 include:c1.example -all\"\n"
    "c1.example        TXT \"v=spf1 include:c2.example -all\"\n"
    "c2.example        TXT \"v=spf1 include:c3.example -all\"\n"
    "c3.example        TXT \"v=spf1 include:c4.example -all\"\n"
    "c4.example        TXT \"v=spf1 include:c5.example -all\"\n"
    "c5.example        TXT \"v=spf1 include:c6.example -all\"\n"
    "c6.example        TXT \"v=spf1 include:c7.example -all\"\n"
    "c7.example        TXT \"v=spf1 include:c8.example -all\"\n"
    "c8.example        TXT \"v=spf1 include:c9.example -all\"\n"
    "c9.example        TXT \"v=spf1 include:c10.example -all\"\n"
    "c10.example       TXT \"v=spf1 ip4:192.0.2.1 -all\"\n"
    "a10.example       TXT \"v=spf1 a:n1.example a:n2.example a:n3.example a:n4.example"
    " a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example a:n10.example"
    " ip4:192.0.2.1 -all\"\n"
    "a11.example       TXT \"v=spf1 a:n1.example a:n2.example a:n3.example a:n4.example"
    " a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example a:n10.example"
    " a:n11.example ip4:192.0.2.1 -all\"\n"
    "spread.example    TXT \"v=spf1 include:two-a.example include:two-a.example"
    " include:two-a.example include:two-a.example ip4:192.0.2.1 -all\"\n"
    "two-a.example     TXT \"v=spf1 a:n1.example a:n2.example ?all\"\n"
    "mx10.example      TXT \"v=spf1 mx:ten.example a:n1.example a:n2.example a:n3.example"
    " a:n4.example a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example"
    " ip4:192.0.2.1 -all\"\n"
    "redir11.example   TXT \"v=spf1 a:n1.example a:n2.example a:n3.example a:n4.example"
    " a:n5.example a:n6.example a:n7.example a:n8.example a:n9.example"
    " redirect=redir11b.example\"\n"
    "redir11b.example  TXT \"v=spf1 a:n10.example ip4:192.0.2.1 -all\"\n"
    "# void lookups\n"
    "void2.example     TXT \"v=spf1 a:x1.example a:x2.example ip4:192.0.2.1 -all\"\n"
    "void3.example     TXT \"v=spf1 a:x1.example a:x2.example a:x3.example ip4:192.0.2.1 -all\"\n"
    "voidmx.example    TXT \"v=spf1 mx:hollow.example a:x1.example ip4:192.0.2.1 -all\"\n"
    "hollow.example    MX 10 h1.hollow.example\n"
    "hollow.example    MX 20 h2.hollow.example\n"
    "hollow.example    MX 30 h3.hollow.example\n";

static struct dns_source *dns;

/* setup - load the zone once */
static int setup(void **state)
{
    struct vigie_error err;

    (void)state;
    dns = dns_source_zone_text("test-zone", zone, strlen(zone), &err);
    if (dns == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

/* teardown - free the zone */
static int teardown(void **state)
{
    (void)state;
    dns_source_free(dns);
    return 0;
}

/* check - evaluate one identity with a 5 s budget; the result */
static enum authres_result check(enum spf_identity id, const char *ip, const char *helo,
                                 const char *sender, struct spf_result *out)
{
    struct spf_settings settings = {.timeout_ms = 5000};
    struct spf_request req = {.client_addr = ip, .helo = helo, .sender = sender};
    struct vigie_error err;

    assert_int_equal(spf_check(dns, &settings, id, &req, out, &err), 0);
    return out->result;
}

/* from - MAIL FROM check of sender from ip, HELO mail.helo.example */
static enum authres_result from(const char *ip, const char *sender)
{
    struct spf_result r;

    return check(SPF_IDENTITY_MAILFROM, ip, "mail.helo.example", sender, &r);
}

/* test_basic_results - pass, fail, softfail, neutral */
static void test_basic_results(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@pass.example", &r), AUTHRES_PASS);
    assert_string_equal(r.domain, "pass.example");
    assert_string_equal(r.problem, "");
    assert_int_equal(from("198.51.100.1", "joe@pass.example"), AUTHRES_FAIL);
    assert_int_equal(from("198.51.100.1", "joe@soft.example"), AUTHRES_SOFTFAIL);
    assert_int_equal(from("198.51.100.1", "joe@neutral.example"), AUTHRES_NEUTRAL);
    assert_int_equal(from("198.51.100.1", "joe@falloff.example"), AUTHRES_NEUTRAL);
    assert_int_equal(from("192.0.2.1", "joe@redir.example"), AUTHRES_PASS);
    assert_int_equal(from("198.51.100.1", "joe@redir.example"), AUTHRES_FAIL);
}

/* test_none - no record, no domain, not an SPF record, unusable names */
static void test_none(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@norecord.example", &r), AUTHRES_NONE);
    assert_string_not_equal(r.problem, "");
    assert_int_equal(from("192.0.2.1", "joe@nonexistent.example"), AUTHRES_NONE);
    assert_int_equal(from("192.0.2.1", "joe@noterr.example"), AUTHRES_NONE);
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@localhost", &r), AUTHRES_NONE);
    assert_string_equal(r.problem, "sender domain is not a domain name");
    assert_string_equal(r.domain, "");
    assert_int_equal(from("192.0.2.1", "joe@[192.0.2.1]"), AUTHRES_NONE);
    assert_int_equal(from("192.0.2.1", "joe@"), AUTHRES_NONE);
    assert_int_equal(from("192.0.2.1", "joe@a..example"), AUTHRES_NONE);
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "not-an-ip", "x.example",
                           "joe@pass.example", &r), AUTHRES_NONE);
    assert_string_equal(r.problem, "client address is not an IP address");
}

/* test_temperror - SERVFAIL at the record, in an include, in a mechanism */
static void test_temperror(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@broken.example", &r), AUTHRES_TEMPERROR);
    assert_string_not_equal(r.problem, "");
    assert_int_equal(from("192.0.2.1", "joe@tempinc.example"), AUTHRES_TEMPERROR);
    assert_int_equal(from("192.0.2.1", "joe@tempa.example"), AUTHRES_TEMPERROR);
}

/* test_permerror - syntax, two records, includes that find nothing, loops */
static void test_permerror(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@syntax.example", &r), AUTHRES_PERMERROR);
    assert_string_not_equal(r.problem, "");
    assert_int_equal(from("192.0.2.1", "joe@two.example"), AUTHRES_PERMERROR);
    assert_int_equal(from("192.0.2.1", "joe@incnone.example"), AUTHRES_PERMERROR);
    assert_int_equal(from("192.0.2.1", "joe@redirnone.example"), AUTHRES_PERMERROR);
    assert_int_equal(from("192.0.2.1", "joe@loop1.example"), AUTHRES_PERMERROR);
}

/* test_helo - the HELO identity, and the null sender using it */
static void test_helo(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(check(SPF_IDENTITY_HELO, "192.0.2.7", "mail.helo.example", "", &r),
                     AUTHRES_PASS);
    assert_string_equal(r.domain, "mail.helo.example");
    assert_int_equal(check(SPF_IDENTITY_HELO, "192.0.2.8", "mail.helo.example",
                           "joe@pass.example", &r), AUTHRES_FAIL);
    assert_int_equal(check(SPF_IDENTITY_HELO, "192.0.2.7", "[192.0.2.7]", "", &r),
                     AUTHRES_NONE);
    assert_string_equal(r.problem, "HELO name is not a domain name");
    assert_int_equal(check(SPF_IDENTITY_HELO, "192.0.2.7", "localhost", "", &r),
                     AUTHRES_NONE);
    assert_int_equal(check(SPF_IDENTITY_HELO, "192.0.2.7", "", "", &r), AUTHRES_NONE);
    /* null sender: MAIL FROM is postmaster@HELO */
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.7", "Mail.Helo.Example", "", &r),
                     AUTHRES_PASS);
    assert_string_equal(r.domain, "mail.helo.example");
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.9", "mail.helo.example", "", &r),
                     AUTHRES_FAIL);
    /* a sender without a local part is postmaster@domain */
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x", "pass.example", &r),
                     AUTHRES_PASS);
    assert_string_equal(r.domain, "pass.example");
}

/* test_mechanisms - mx, ptr, ip6, IPv4-mapped clients, exp= ignored */
static void test_mechanisms(void **state)
{
    (void)state;
    assert_int_equal(from("192.0.2.25", "joe@mx.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.26", "joe@mx.example"), AUTHRES_FAIL);
    assert_int_equal(from("192.0.2.25", "joe@ptr.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.26", "joe@ptr.example"), AUTHRES_FAIL);
    assert_int_equal(from("2001:db8::25", "joe@v6.example"), AUTHRES_PASS);
    assert_int_equal(from("2001:db9::25", "joe@v6.example"), AUTHRES_FAIL);
    assert_int_equal(from("::ffff:192.0.2.1", "joe@pass.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.1", "joe@exp.example"), AUTHRES_FAIL);
}

/*
 * test_macros - %{i} %{l} %{ir} %{d2} %{h} %{l1r-}
 *	Not %{dN} or %{lNr-} where N covers every part: libspf2 1.2.10
 *	drops a character there (shevek/libspf2 issue #42).
 */
static void test_macros(void **state)
{
    (void)state;
    assert_int_equal(from("192.0.2.1", "bob@mac.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.1", "alice@mac.example"), AUTHRES_FAIL);
    assert_int_equal(from("192.0.2.2", "bob@mac.example"), AUTHRES_FAIL);
    assert_int_equal(from("192.0.2.1", "joe-list@sub.macro2.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.1", "jim-list@sub.macro2.example"), AUTHRES_FAIL);
    assert_int_equal(from("192.0.2.3", "joe-list@sub.macro2.example"), AUTHRES_FAIL);
}

/* test_term_limit - 10 DNS terms pass, 11 are permerror, across include and redirect */
static void test_term_limit(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(from("192.0.2.1", "joe@chain10.example"), AUTHRES_PASS);
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@chain11.example", &r), AUTHRES_PERMERROR);
    assert_string_equal(r.problem, "more than 10 DNS-querying terms");
    assert_int_equal(from("192.0.2.1", "joe@a10.example"), AUTHRES_PASS);
    assert_int_equal(from("192.0.2.1", "joe@a11.example"), AUTHRES_PERMERROR);
    /* 4 includes of 2 a terms each: 12 terms, though no record has more than 4 */
    assert_int_equal(from("192.0.2.1", "joe@spread.example"), AUTHRES_PERMERROR);
    /* 9 a terms then a redirect to one more a term: 11 */
    assert_int_equal(from("192.0.2.1", "joe@redir11.example"), AUTHRES_PERMERROR);
}

/* test_mx_lookups_not_terms - the address lookups of an mx term are not terms */
static void test_mx_lookups_not_terms(void **state)
{
    char text[8192];
    size_t n = 0;
    struct dns_source *saved = dns;
    struct vigie_error err;

    (void)state;
    n += (size_t)snprintf(text + n, sizeof(text) - n, "%s", zone);
    for (int i = 1; i <= 10; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n,
                              "ten.example MX %d m%d.ten.example\nm%d.ten.example A 198.51.100.%d\n",
                              i, i, i, i);
    n += (size_t)snprintf(text + n, sizeof(text) - n, "eleven.example TXT \"v=spf1 mx -all\"\n");
    for (int i = 1; i <= 11; i++)
        n += (size_t)snprintf(text + n, sizeof(text) - n, "eleven.example MX %d m%d.ten.example\n",
                              i, i);
    assert_true(n < sizeof(text));
    dns = dns_source_zone_text("mx-zone", text, n, &err);
    assert_non_null(dns);
    /* mx:ten.example (10 names) plus 9 a terms: 10 terms, pass */
    assert_int_equal(from("192.0.2.1", "joe@mx10.example"), AUTHRES_PASS);
    /* an MX with more than 10 names is a permerror */
    assert_int_equal(from("192.0.2.1", "joe@eleven.example"), AUTHRES_PERMERROR);
    dns_source_free(dns);
    dns = saved;
}

/* test_void_lookups - two terms that find nothing are fine, three are permerror */
static void test_void_lookups(void **state)
{
    struct spf_result r;

    (void)state;
    assert_int_equal(from("192.0.2.1", "joe@void2.example"), AUTHRES_PASS);
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "joe@void3.example", &r), AUTHRES_PERMERROR);
    assert_string_equal(r.problem, "more than 2 void DNS lookups");
    /* an mx term's address lookups that find nothing are not void lookups */
    assert_int_equal(from("192.0.2.1", "joe@voidmx.example"), AUTHRES_PASS);
}

/* test_time_budget - no time left is temperror, without asking DNS */
static void test_time_budget(void **state)
{
    struct spf_settings settings = {.timeout_ms = 0};
    struct spf_request req = {.client_addr = "192.0.2.1", .helo = "x.example",
                              .sender = "joe@pass.example"};
    struct spf_result r;
    struct vigie_error err;

    (void)state;
    assert_int_equal(spf_check(dns, &settings, SPF_IDENTITY_MAILFROM, &req, &r, &err), 0);
    assert_int_equal(r.result, AUTHRES_TEMPERROR);
    assert_string_equal(r.problem, "DNS time budget exhausted");
}

/* test_names - identity names and case folding of the domain */
static void test_names(void **state)
{
    struct spf_result r;

    (void)state;
    assert_string_equal(spf_identity_name(SPF_IDENTITY_HELO), "helo");
    assert_string_equal(spf_identity_name(SPF_IDENTITY_MAILFROM), "mailfrom");
    assert_int_equal(check(SPF_IDENTITY_MAILFROM, "192.0.2.1", "x.example",
                           "Joe@PASS.Example", &r), AUTHRES_PASS);
    assert_string_equal(r.domain, "pass.example");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_basic_results),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_temperror),
        cmocka_unit_test(test_permerror),
        cmocka_unit_test(test_helo),
        cmocka_unit_test(test_mechanisms),
        cmocka_unit_test(test_macros),
        cmocka_unit_test(test_term_limit),
        cmocka_unit_test(test_mx_lookups_not_terms),
        cmocka_unit_test(test_void_lookups),
        cmocka_unit_test(test_time_budget),
        cmocka_unit_test(test_names),
    };

    spf_setup();
    return cmocka_run_group_tests(tests, setup, teardown);
}
