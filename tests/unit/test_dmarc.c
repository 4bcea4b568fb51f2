/*
 * NAME
 *	test_dmarc - unit tests for lib/dmarc.c
 * DESCRIPTION
 *	Organisational domains from Debian's public suffix list; From
 *	field parsing; record parsing; and dmarc_check() on a local zone:
 *	relaxed and strict alignment of SPF and DKIM, p= and sp=, pct=
 *	sampling, none, temperror and permerror. No test touches the
 *	network.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dmarc.h"

static const char zone[] =
    "_dmarc.example.org      TXT \"v=DMARC1; p=reject; sp=quarantine; rua=mailto:d@example.org\"\n"
    "_dmarc.strict.example   TXT \"v=DMARC1; p=reject; adkim=s; aspf=s\"\n"
    "_dmarc.half.example     TXT \"v=DMARC1; p=reject; pct=50\"\n"
    "_dmarc.quar.example     TXT \"v=DMARC1; p=quarantine; pct=0\"\n"
    "_dmarc.none.example     TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.two.example      TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.two.example      TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.spfonly.example  TXT \"v=spf1 -all\"\n"
    "_dmarc.mixed.example    TXT \"v=spf1 -all\"\n"
    "_dmarc.mixed.example    TXT \"v=DMARC1; p=reject\"\n"
    "_dmarc.broken.example   TXT \"v=DMARC1; p=bogus\"\n"
    "_dmarc.temp.example     SERVFAIL\n"
    "_dmarc.exact.example    TXT \"v=DMARC1; p=reject; sp=reject\"\n"
    "_dmarc.sub.exact.example TXT \"v=DMARC1; p=none\"\n"
    "_dmarc.example.co.uk    TXT \"v=DMARC1; p=reject\"\n";

static struct dns_source *dns;
static struct dmarc_psl *psl;

/* setup - the zone and the public suffix list, once */
static int setup(void **state)
{
    struct vigie_error err;

    (void)state;
    if ((dns = dns_source_zone_text("dmarc-zone", zone, strlen(zone), &err)) == NULL
        || (psl = dmarc_psl_load(DMARC_DEFAULT_PSL, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return -1;
    }
    return 0;
}

/* teardown - free them */
static int teardown(void **state)
{
    (void)state;
    dns_source_free(dns);
    dmarc_psl_free(psl);
    return 0;
}

/* org - the organisational domain of d, or "(error)" */
static const char *org(const char *d)
{
    static char out[256];

    if (dmarc_org_domain(psl, d, out, sizeof(out)) != 0)
        return "(error)";
    return out;
}

/* test_org_domain - from Debian's public suffix list */
static void test_org_domain(void **state)
{
    char small[8];

    (void)state;
    assert_string_equal(org("mail.example.com"), "example.com");
    assert_string_equal(org("example.com"), "example.com");
    assert_string_equal(org("a.b.example.co.uk"), "example.co.uk");
    assert_string_equal(org("Mail.EXAMPLE.org."), "example.org");
    assert_string_equal(org("foo.unknowntld"), "foo.unknowntld");
    assert_string_equal(org("co.uk"), "co.uk");
    assert_string_equal(org("com"), "com");
    assert_string_equal(org("x.blogspot.com"), "x.blogspot.com");
    assert_string_equal(org("a..example.com"), "(error)");
    assert_string_equal(org(""), "(error)");
    assert_string_equal(org("ex ample.com"), "(error)");
    assert_int_equal(dmarc_org_domain(psl, "mail.example.com", small, sizeof(small)), -1);
}

/* from1 - the domain of one From field, or "(absent)" / "(invalid)" */
static const char *from1(const char *value)
{
    static char out[256];
    const char *problem = "";

    switch (dmarc_from_domain(&value, 1, out, sizeof(out), &problem)) {
    case DMARC_FROM_FOUND:
        return out;
    case DMARC_FROM_ABSENT:
        return "(absent)";
    default:
        return "(invalid)";
    }
}

/* test_from - mailbox syntax, groups, several mailboxes, errors */
static void test_from(void **state)
{
    const char *two[] = {"a@example.org", "b@example.org"};
    const char *problem = "";
    char out[256];

    (void)state;
    assert_string_equal(from1("joe@Example.ORG"), "example.org");
    assert_string_equal(from1("Joe <joe@example.org>"), "example.org");
    assert_string_equal(from1("\"Joe, Q. <x@evil.example>\" <joe@example.org>"), "example.org");
    assert_string_equal(from1("(a comment, with @ and (nesting)) joe@example.org (Joe)"),
                        "example.org");
    assert_string_equal(from1("joe@evil.example <joe@good.example>"), "good.example");
    assert_string_equal(from1("\"a@b\"@example.org"), "example.org");
    assert_string_equal(from1("Joe\r\n <joe@example.org>"), "example.org");
    assert_string_equal(from1("<@relay.example,@r2.example:joe@example.org>"), "example.org");
    assert_string_equal(from1("joe @ example.org"), "example.org");
    assert_string_equal(from1("a@example.org, B <b@EXAMPLE.org.>"), "example.org");
    assert_string_equal(from1("Team: a@example.org, b@example.org;"), "example.org");
    assert_string_equal(from1("undisclosed-recipients:;"), "(absent)");
    assert_string_equal(from1("root"), "(absent)");
    assert_string_equal(from1(""), "(absent)");
    assert_string_equal(from1("a@example.org, b@example.net"), "(invalid)");
    assert_string_equal(from1("Joe <joe@example.org"), "(invalid)");
    assert_string_equal(from1("\"Joe <joe@example.org>"), "(invalid)");
    assert_string_equal(from1("(Joe <joe@example.org>"), "(invalid)");
    assert_string_equal(from1("joe@[192.0.2.1]"), "(invalid)");
    assert_string_equal(from1("joe@"), "(invalid)");
    assert_string_equal(from1("joe@exa!mple.org"), "(invalid)");
    assert_int_equal(dmarc_from_domain(NULL, 0, out, sizeof(out), &problem), DMARC_FROM_ABSENT);
    assert_string_equal(problem, "no From field");
    assert_int_equal(dmarc_from_domain(two, 2, out, sizeof(out), &problem), DMARC_FROM_INVALID);
    assert_string_equal(problem, "several From fields");
    assert_int_equal(dmarc_from_domain(two, 1, out, 5, &problem), DMARC_FROM_INVALID);
    assert_string_equal(problem, "From domain is too long");
}

/* test_from_problems - the texts *problem gets */
static void test_from_problems(void **state)
{
    static const struct {
        const char *value, *problem;
    } cases[] = {
        {"a@example.org, b@example.net", "From has mailboxes in several domains"},
        {"<joe@example.org", "From field does not parse"},
        {"joe@[192.0.2.1]", "From domain is not a domain name"},
        {"root", "From has no domain"},
    };
    char out[256];

    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *problem = "";

        (void)dmarc_from_domain(&cases[i].value, 1, out, sizeof(out), &problem);
        assert_string_equal(problem, cases[i].problem);
    }
}

/* test_record - the record parser */
static void test_record(void **state)
{
    struct dmarc_record rec;
    const char *problem = "";

    (void)state;
    assert_int_equal(dmarc_record_parse(" v = DMARC1 ;P=Reject; sp=none; pct=25; adkim=s;"
                                        " aspf=S; unknown=tag; ;", &rec, &problem), 0);
    assert_int_equal(rec.p, DMARC_POLICY_REJECT);
    assert_int_equal(rec.sp, DMARC_POLICY_NONE);
    assert_int_equal(rec.pct, 25);
    assert_true(rec.strict_dkim);
    assert_true(rec.strict_spf);
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=quarantine", &rec, &problem), 0);
    assert_int_equal(rec.sp, DMARC_POLICY_QUARANTINE);
    assert_int_equal(rec.pct, 100);
    assert_false(rec.strict_dkim);
    assert_false(rec.strict_spf);
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=none; pct=101", &rec, &problem), 0);
    assert_int_equal(rec.pct, 100);
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=none; pct=x", &rec, &problem), 0);
    assert_int_equal(rec.pct, 100);
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=none; pct=0", &rec, &problem), 0);
    assert_int_equal(rec.pct, 0);
    /* not DMARC records */
    assert_int_equal(dmarc_record_parse("v=spf1 -all", &rec, &problem), 1);
    assert_int_equal(dmarc_record_parse("v=dmarc1; p=reject", &rec, &problem), 1);
    assert_int_equal(dmarc_record_parse("p=reject; v=DMARC1", &rec, &problem), 1);
    assert_int_equal(dmarc_record_parse("", &rec, &problem), 1);
    /* invalid ones */
    assert_int_equal(dmarc_record_parse("v=DMARC1", &rec, &problem), -1);
    assert_string_equal(problem, "DMARC record has no valid p= tag");
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=bogus", &rec, &problem), -1);
    assert_string_equal(problem, "DMARC record has no valid p= tag");
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=reject; sp=bogus", &rec, &problem), -1);
    assert_string_equal(problem, "DMARC record has an invalid sp= tag");
    /* an invalid p= with a report address acts as p=none */
    assert_int_equal(dmarc_record_parse("v=DMARC1; p=bogus; sp=reject; rua=mailto:a@b.example",
                                        &rec, &problem), 0);
    assert_int_equal(rec.p, DMARC_POLICY_NONE);
    assert_int_equal(rec.sp, DMARC_POLICY_NONE);
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_NONE), "none");
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_QUARANTINE), "quarantine");
    assert_string_equal(dmarc_policy_name(DMARC_POLICY_REJECT), "reject");
}

/* check - dmarc_check with one From, an SPF identity and up to one DKIM signature */
static enum authres_result check(const char *from, const char *spf_domain, enum authres_result spf,
                                 const char *dkim_domain, enum authres_result dkim,
                                 unsigned sample, struct dmarc_result *out)
{
    struct dmarc_identity sig = {.domain = dkim_domain, .result = dkim};
    struct dmarc_input in = {
        .from = &from, .from_count = 1,
        .spf = {.domain = spf_domain, .result = spf},
        .dkim = &sig, .dkim_count = dkim_domain ? 1 : 0,
        .sample = sample,
    };
    struct dmarc_settings settings = {.timeout_ms = 5000};
    struct vigie_error err;

    assert_int_equal(dmarc_check(dns, psl, &settings, &in, out, &err), 0);
    return out->result;
}

/* test_relaxed - SPF or DKIM aligned through the organisational domain */
static void test_relaxed(void **state)
{
    struct dmarc_result r;

    (void)state;
    assert_int_equal(check("Joe <joe@example.org>", "bounce.example.org", AUTHRES_PASS,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_PASS);
    assert_true(r.spf_aligned);
    assert_false(r.dkim_aligned);
    assert_string_equal(r.from_domain, "example.org");
    assert_string_equal(r.record_domain, "example.org");
    assert_int_equal(r.published, DMARC_POLICY_REJECT);
    assert_string_equal(r.problem, "");
    assert_int_equal(check("joe@example.org", "other.example", AUTHRES_PASS,
                           "mail.example.org", AUTHRES_PASS, 0, &r), AUTHRES_PASS);
    assert_false(r.spf_aligned);
    assert_true(r.dkim_aligned);
    /* passes of other domains do not count */
    assert_int_equal(check("joe@example.org", "other.example", AUTHRES_PASS,
                           "other.example", AUTHRES_PASS, 0, &r), AUTHRES_FAIL);
    assert_int_equal(r.policy, DMARC_POLICY_REJECT);
    /* aligned, but not passing */
    assert_int_equal(check("joe@example.org", "example.org", AUTHRES_SOFTFAIL,
                           "example.org", AUTHRES_FAIL, 0, &r), AUTHRES_FAIL);
}

/* test_strict - adkim=s and aspf=s want the From domain itself */
static void test_strict(void **state)
{
    struct dmarc_result r;

    (void)state;
    assert_int_equal(check("joe@strict.example", "bounce.strict.example", AUTHRES_PASS,
                           "mail.strict.example", AUTHRES_PASS, 0, &r), AUTHRES_FAIL);
    assert_int_equal(check("joe@strict.example", "STRICT.example.", AUTHRES_PASS,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_PASS);
    assert_int_equal(check("joe@strict.example", "other.example", AUTHRES_FAIL,
                           "strict.example", AUTHRES_PASS, 0, &r), AUTHRES_PASS);
}

/* test_subdomain_policy - sp= for a subdomain found at the organisational domain */
static void test_subdomain_policy(void **state)
{
    struct dmarc_result r;

    (void)state;
    assert_int_equal(check("joe@news.example.org", "x.example", AUTHRES_FAIL,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_FAIL);
    assert_string_equal(r.from_domain, "news.example.org");
    assert_string_equal(r.record_domain, "example.org");
    assert_int_equal(r.published, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r.policy, DMARC_POLICY_QUARANTINE);
    /* a record of the subdomain itself wins, with its p= */
    assert_int_equal(check("joe@sub.exact.example", "x.example", AUTHRES_FAIL,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_FAIL);
    assert_string_equal(r.record_domain, "sub.exact.example");
    assert_int_equal(r.published, DMARC_POLICY_NONE);
    /* a subdomain under a two-label public suffix */
    assert_int_equal(check("joe@mail.example.co.uk", "x.example", AUTHRES_FAIL,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_FAIL);
    assert_string_equal(r.record_domain, "example.co.uk");
    assert_int_equal(r.published, DMARC_POLICY_REJECT);
}

/* test_pct - messages outside the sample get the next milder policy */
static void test_pct(void **state)
{
    struct dmarc_result r;

    (void)state;
    check("joe@half.example", "x.example", AUTHRES_FAIL, NULL, AUTHRES_NONE, 49, &r);
    assert_int_equal(r.pct, 50);
    assert_int_equal(r.published, DMARC_POLICY_REJECT);
    assert_int_equal(r.policy, DMARC_POLICY_REJECT);
    check("joe@half.example", "x.example", AUTHRES_FAIL, NULL, AUTHRES_NONE, 50, &r);
    assert_int_equal(r.policy, DMARC_POLICY_QUARANTINE);
    check("joe@quar.example", "x.example", AUTHRES_FAIL, NULL, AUTHRES_NONE, 0, &r);
    assert_int_equal(r.published, DMARC_POLICY_QUARANTINE);
    assert_int_equal(r.policy, DMARC_POLICY_NONE);
    check("joe@none.example", "x.example", AUTHRES_FAIL, NULL, AUTHRES_NONE, 99, &r);
    assert_int_equal(r.policy, DMARC_POLICY_NONE);
}

/* test_none - no record, only non-DMARC records, several records, no From domain */
static void test_none(void **state)
{
    struct dmarc_result r;

    (void)state;
    assert_int_equal(check("joe@nowhere.example", "nowhere.example", AUTHRES_PASS,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_NONE);
    assert_string_equal(r.problem, "no DMARC record");
    assert_string_equal(r.from_domain, "nowhere.example");
    assert_string_equal(r.record_domain, "");
    assert_int_equal(check("joe@spfonly.example", NULL, AUTHRES_NONE,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_NONE);
    assert_int_equal(check("joe@two.example", NULL, AUTHRES_NONE,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_NONE);
    assert_string_equal(r.problem, "several DMARC records");
    assert_int_equal(check("root", NULL, AUTHRES_NONE, NULL, AUTHRES_NONE, 0, &r),
                     AUTHRES_NONE);
    assert_string_equal(r.problem, "From has no domain");
    assert_int_equal(check("joe@co.uk", NULL, AUTHRES_NONE, NULL, AUTHRES_NONE, 0, &r),
                     AUTHRES_NONE);
    /* a non-DMARC record beside the DMARC one is ignored */
    assert_int_equal(check("joe@mixed.example", "mixed.example", AUTHRES_PASS,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_PASS);
}

/* test_temperror - DNS failure, no time, or an aligned identifier's temporary error */
static void test_temperror(void **state)
{
    const char *from = "joe@example.org";
    struct dmarc_input in = {.from = &from, .from_count = 1};
    struct dmarc_settings settings = {.timeout_ms = 0};
    struct dmarc_result r;
    struct vigie_error err;

    (void)state;
    assert_int_equal(check("joe@temp.example", NULL, AUTHRES_NONE, NULL, AUTHRES_NONE, 0, &r),
                     AUTHRES_TEMPERROR);
    assert_string_equal(r.problem, "DNS failure looking up the DMARC record");
    assert_int_equal(dmarc_check(dns, psl, &settings, &in, &r, &err), 0);
    assert_int_equal(r.result, AUTHRES_TEMPERROR);
    assert_int_equal(check("joe@example.org", "x.example", AUTHRES_FAIL,
                           "example.org", AUTHRES_TEMPERROR, 0, &r), AUTHRES_TEMPERROR);
    assert_string_equal(r.problem, "an aligned SPF or DKIM check had a temporary error");
    assert_int_equal(check("joe@example.org", "example.org", AUTHRES_TEMPERROR,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_TEMPERROR);
    /* an unaligned temporary error does not matter */
    assert_int_equal(check("joe@example.org", "x.example", AUTHRES_TEMPERROR,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_FAIL);
    /* an aligned pass wins over an aligned temporary error */
    assert_int_equal(check("joe@example.org", "example.org", AUTHRES_TEMPERROR,
                           "example.org", AUTHRES_PASS, 0, &r), AUTHRES_PASS);
}

/* test_permerror - an invalid record, several From fields or domains */
static void test_permerror(void **state)
{
    const char *froms[] = {"a@example.org", "b@example.org"};
    struct dmarc_input in = {.from = froms, .from_count = 2};
    struct dmarc_settings settings = {.timeout_ms = 5000};
    struct dmarc_result r;
    struct vigie_error err;

    (void)state;
    assert_int_equal(check("joe@broken.example", NULL, AUTHRES_NONE, NULL, AUTHRES_NONE, 0, &r),
                     AUTHRES_PERMERROR);
    assert_string_equal(r.problem, "DMARC record has no valid p= tag");
    assert_string_equal(r.record_domain, "broken.example");
    assert_int_equal(check("a@example.org, b@example.net", NULL, AUTHRES_NONE,
                           NULL, AUTHRES_NONE, 0, &r), AUTHRES_PERMERROR);
    assert_string_equal(r.problem, "From has mailboxes in several domains");
    assert_int_equal(dmarc_check(dns, psl, &settings, &in, &r, &err), 0);
    assert_int_equal(r.result, AUTHRES_PERMERROR);
    assert_string_equal(r.problem, "several From fields");
}

/* test_psl_load_error - a file that is not there */
static void test_psl_load_error(void **state)
{
    struct vigie_error err;

    (void)state;
    assert_null(dmarc_psl_load("/nonexistent/public_suffix_list.dat", &err));
    assert_string_equal(err.msg, "/nonexistent/public_suffix_list.dat: "
                        "cannot load a public suffix list from this file");
    dmarc_psl_free(NULL);
}

/* test_sample - 0..99, and not constant */
static void test_sample(void **state)
{
    unsigned lo = 100, hi = 0;

    (void)state;
    for (int i = 0; i < 2000; i++) {
        unsigned s = dmarc_sample();

        assert_true(s < 100);
        lo = s < lo ? s : lo;
        hi = s > hi ? s : hi;
    }
    assert_true(lo < 10);
    assert_true(hi > 89);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_org_domain),
        cmocka_unit_test(test_from),
        cmocka_unit_test(test_from_problems),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_relaxed),
        cmocka_unit_test(test_strict),
        cmocka_unit_test(test_subdomain_policy),
        cmocka_unit_test(test_pct),
        cmocka_unit_test(test_none),
        cmocka_unit_test(test_temperror),
        cmocka_unit_test(test_permerror),
        cmocka_unit_test(test_psl_load_error),
        cmocka_unit_test(test_sample),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
