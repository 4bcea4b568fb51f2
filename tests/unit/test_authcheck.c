/*
 * NAME
 *	test_authcheck - unit tests for lib/authcheck.c (and its snapshot data)
 * DESCRIPTION
 *	Snapshots are built from files in a temporary directory: vigie.conf,
 *	a rules file, a zone file (SPF and DMARC records, a DKIM key) and a
 *	signing table with an RSA key made here with libcrypto. A message
 *	goes through authcheck in SMTP order, as the milter drives it.
 *	Checked: inbound SPF, DKIM and DMARC results as facts and in
 *	Authentication-Results and Received-SPF; outbound signing, and the
 *	signature verifying inbound; a forged From of a p=reject domain; a
 *	body changed after signing; p=quarantine and pct=; DNS failures as
 *	temperror; checks turned off; no CR or LF from the session in the
 *	headers; the log summary; snapshot errors for bad check data.
 */
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "authcheck.h"

static char tmpdir[64];
static char *dkim_record;       /* "v=DKIM1; k=rsa; p=..." of the signing key */

/* path_in - dir/name into buf */
static const char *path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", tmpdir, name);
    return buf;
}

/* write_file - name in the temporary directory, with mode */
static void write_file(const char *name, const char *text, mode_t mode)
{
    char path[256];
    FILE *fp = fopen(path_in(path, sizeof(path), name), "w");

    assert_non_null(fp);
    assert_true(fputs(text, fp) >= 0);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, mode), 0);
}

/* make_key - an RSA key: the private key to key.pem, its DNS record kept */
static void make_key(void)
{
    EVP_PKEY *key = EVP_RSA_gen(1024);
    unsigned char der[1024];
    unsigned char *p = der;
    char b64[2048];
    char path[256];
    FILE *fp;
    int n;

    assert_non_null(key);
    assert_non_null(fp = fopen(path_in(path, sizeof(path), "key.pem"), "w"));
    assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(chmod(path, 0600), 0);
    n = i2d_PUBKEY(key, &p);
    assert_true(n > 0 && n < (int)sizeof(der));
    EVP_EncodeBlock((unsigned char *)b64, der, n);
    assert_true(asprintf(&dkim_record, "v=DKIM1; k=rsa; p=%s", b64) > 0);
    EVP_PKEY_free(key);
}

/* setup - the temporary directory, key, zone, signing table and rules */
static int setup(void **state)
{
    char *zone;

    (void)state;
    snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_authcheck.XXXXXX");
    if (mkdtemp(tmpdir) == NULL)
        return -1;
    make_key();
    assert_true(asprintf(&zone,
        "example.net TXT \"v=spf1 ip4:198.51.100.0/24 -all\"\n"
        "_dmarc.example.net TXT \"v=DMARC1; p=reject\"\n"
        "mail.example.net A 198.51.100.4\n"
        "mail.example.net TXT \"v=spf1 a -all\"\n"
        "sel._domainkey.example.net TXT \"%s\"\n"
        "quarantine.example TXT \"v=spf1 -all\"\n"
        "_dmarc.quarantine.example TXT \"v=DMARC1; p=quarantine\"\n"
        "sampled.example TXT \"v=spf1 -all\"\n"
        "_dmarc.sampled.example TXT \"v=DMARC1; p=reject; pct=0\"\n"
        "broken.example SERVFAIL\n"
        "_dmarc.broken.example SERVFAIL\n", dkim_record) > 0);
    write_file("test.zone", zone, 0644);
    free(zone);
    write_file("signing.table", "example.net sel key.pem\n", 0644);
    write_file("vigie.rules", "threshold 5 flag\n", 0644);
    write_file("bad.zone", "example.net TXT\n", 0644);
    return 0;
}

/* teardown - remove what setup and the tests made */
static int teardown(void **state)
{
    static const char *const names[] = {
        "key.pem", "test.zone", "signing.table", "vigie.rules", "vigie.conf", "bad.zone",
    };
    char path[256];

    (void)state;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        unlink(path_in(path, sizeof(path), names[i]));
    free(dkim_record);
    return rmdir(tmpdir);
}

/* build - a snapshot from vigie.conf: extra lines, then the test defaults they leave */
static struct snapshot *build(const char *extra, struct vigie_error *err)
{
    char text[2048];
    char path[256];

    snprintf(text, sizeof(text),
             "rules_file = vigie.rules\n"
             "local_domains = example.org\n"
             "trusted_networks = 192.0.2.0/24\n"
             "authserv_id = mx.example.org\n"
             "%s%s%s", extra,
             strstr(extra, "dns_zone_file") ? "" : "dns_zone_file = test.zone\n",
             strstr(extra, "dkim_signing_table") ? "" : "dkim_signing_table = signing.table\n");
    write_file("vigie.conf", text, 0644);
    return snapshot_build(path_in(path, sizeof(path), "vigie.conf"), NULL, err);
}

/* snap_of - build() that must succeed */
static struct snapshot *snap_of(const char *extra)
{
    struct vigie_error err = {{0}};
    struct snapshot *snap = build(extra, &err);

    if (snap == NULL)
        fail_msg("%s", err.msg);
    return snap;
}

/* A message as the milter hands it over. */
struct message {
    const char *client;
    const char *helo;
    const char *sender;
    struct header_field fields[8];      /* values as received: leading space */
    size_t count;
    const char *body;
};

/* run - one message through authcheck; ac is left for inspection */
static void run(struct authcheck *ac, const struct snapshot *snap, bool inbound,
                const struct message *m)
{
    const struct spf_request session = {m->client, m->helo, m->sender};
    struct vigie_error err = {{0}};

    authcheck_begin(ac, snap, inbound);
    if (authcheck_mail(ac, &session, &err) < 0)
        fail_msg("mail: %s", err.msg);
    if (authcheck_eoh(ac, m->fields, m->count, "TEST", &err) < 0)
        fail_msg("eoh: %s", err.msg);
    if (authcheck_body(ac, m->body, strlen(m->body), &err) < 0)
        fail_msg("body: %s", err.msg);
    if (authcheck_eom(ac, &err) < 0)
        fail_msg("eom: %s", err.msg);
}

/* facts_of - run m inbound through ac, then its facts (freshly initialized) */
static void facts_of(struct authcheck *ac, const struct snapshot *snap, const struct message *m,
                     struct message_facts *facts)
{
    run(ac, snap, true, m);
    facts_init(facts);
    authcheck_facts(ac, facts);
}

/* headers_of - authcheck_headers that must succeed */
static struct authcheck_headers headers_of(const struct authcheck *ac)
{
    struct authcheck_headers h;
    struct vigie_error err = {{0}};

    if (authcheck_headers(ac, &h, &err) < 0)
        fail_msg("%s", err.msg);
    return h;
}

static const struct message plain = {
    "198.51.100.4", "mail.example.net", "alice@example.net",
    {{"From", " Alice <alice@example.net>"}, {"To", " bob@example.org"},
     {"Subject", " lunch"}, {"Message-ID", " <1@example.net>"}},
    4, "Hello Bob,\r\nlunch at noon?\r\n",
};

/* signed_copy - plain as sent by vigie for example.net, signature on top */
static char *signed_copy(const struct snapshot *snap, struct message *m)
{
    struct authcheck ac;
    struct authcheck_headers h;
    char *sig;

    run(&ac, snap, false, &plain);
    h = headers_of(&ac);
    assert_null(h.auth_results);        /* nothing was checked */
    assert_non_null(h.dkim_signature);
    assert_true(asprintf(&sig, " %s", h.dkim_signature) > 0);
    authcheck_headers_free(&h);
    authcheck_reset(&ac);
    *m = plain;
    memmove(&m->fields[1], &m->fields[0], m->count * sizeof(m->fields[0]));
    m->fields[0] = (struct header_field){"DKIM-Signature", sig};
    m->count++;
    return sig;
}

/* test_inbound_pass - SPF, DKIM and DMARC pass: facts, headers, summary */
static void test_inbound_pass(void **state)
{
    struct snapshot *snap = snap_of("received_spf_header = yes\n");
    struct message m;
    char *sig = signed_copy(snap, &m);
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;
    char line[256];

    (void)state;
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.spf, "pass");
    assert_string_equal(facts.spf_helo, "pass");
    assert_string_equal(facts.dkim, "pass");
    assert_int_equal(facts.dkim_count, 1);
    assert_string_equal(facts.dkim_sigs[0].domain, "example.net");
    assert_string_equal(facts.dkim_sigs[0].result, "pass");
    assert_string_equal(facts.dmarc, "pass");
    assert_string_equal(facts.dmarc_policy, "reject");
    assert_string_equal(facts.from_domain, "example.net");
    assert_string_equal(facts.dmarc_quarantine, "hold");

    h = headers_of(&ac);
    assert_string_equal(h.auth_results,
                        "mx.example.org;\n"
                        "\tspf=pass smtp.mailfrom=alice@example.net;\n"
                        "\tspf=pass smtp.helo=mail.example.net;\n"
                        "\tdkim=pass header.d=example.net header.s=sel;\n"
                        "\tdmarc=pass header.from=example.net");
    assert_non_null(h.received_spf);
    assert_true(strncmp(h.received_spf, "pass (mx.example.org: domain of alice@example.net "
                        "designates 198.51.100.4 as permitted sender)", 90) == 0);
    assert_null(h.dkim_signature);
    authcheck_headers_free(&h);
    assert_null(h.auth_results);

    authcheck_summary(&ac, line, sizeof(line));
    assert_string_equal(line, "spf=pass spf_helo=pass dkim=pass dmarc=pass dmarc_policy=reject");
    authcheck_summary(&ac, line, 20);
    assert_string_equal(line, "spf=pass spf_helo=p");
    authcheck_summary(&ac, line, 9);
    assert_string_equal(line, "spf=pass");
    authcheck_summary(&ac, line, 4);
    assert_string_equal(line, "spf");
    authcheck_reset(&ac);
    free(sig);
    snapshot_release(snap);
}

/* test_signing - outbound mail is signed; no signature without a key */
static void test_signing(void **state)
{
    struct snapshot *snap = snap_of("");
    struct message other = plain;
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;
    char line[256];

    (void)state;
    run(&ac, snap, false, &plain);
    assert_int_equal(ac.dkim_mode, AUTHCHECK_DKIM_SIGN);
    facts_init(&facts);
    authcheck_facts(&ac, &facts);
    assert_string_equal(facts.spf, "");         /* not checked: outbound */
    assert_string_equal(facts.dkim, "");
    assert_string_equal(facts.dmarc, "");
    assert_string_equal(facts.from_domain, "example.net");
    h = headers_of(&ac);
    assert_null(h.auth_results);
    assert_null(h.received_spf);
    assert_non_null(strstr(h.dkim_signature, "d=example.net;"));
    assert_non_null(strstr(h.dkim_signature, "s=sel;"));
    assert_non_null(strstr(h.dkim_signature, "h=From:To:Subject:Message-ID:From;"));
    assert_null(strchr(h.dkim_signature, '\r'));
    authcheck_headers_free(&h);
    authcheck_summary(&ac, line, sizeof(line));
    assert_string_equal(line, "dkim=signed/example.net/sel");
    authcheck_reset(&ac);

    /* A From domain without a key: verified (unsigned: none), not signed. */
    other.fields[0] = (struct header_field){"From", " carol@example.org"};
    run(&ac, snap, false, &other);
    assert_int_equal(ac.dkim_mode, AUTHCHECK_DKIM_VERIFY);
    h = headers_of(&ac);
    assert_string_equal(h.auth_results, "mx.example.org;\n\tdkim=none");
    assert_null(h.dkim_signature);
    authcheck_headers_free(&h);
    authcheck_reset(&ac);
    snapshot_release(snap);
}

/* test_tampered - a body changed after signing: dkim fail, DMARC still passes on SPF */
static void test_tampered(void **state)
{
    struct snapshot *snap = snap_of("");
    struct message m;
    char *sig = signed_copy(snap, &m);
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;

    (void)state;
    m.body = "Hello Bob,\r\nlunch at one?\r\n";
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.dkim, "fail");
    assert_int_equal(facts.dkim_count, 1);
    assert_string_equal(facts.dmarc, "pass");
    h = headers_of(&ac);
    assert_non_null(strstr(h.auth_results, "\tdkim=fail reason=\"body hash did not verify\""
                           " header.d=example.net header.s=sel;\n"));
    authcheck_headers_free(&h);
    authcheck_reset(&ac);
    free(sig);
    snapshot_release(snap);
}

/* test_forged_from - a stranger using the From of a p=reject domain */
static void test_forged_from(void **state)
{
    struct snapshot *snap = snap_of("");
    struct message m = plain;
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;

    (void)state;
    m.client = "203.0.113.9";
    m.helo = "mx.forger.test";
    m.sender = "bounce@forger.test";
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.spf, "none");
    assert_string_equal(facts.dkim, "none");
    assert_string_equal(facts.dmarc, "fail");
    assert_string_equal(facts.dmarc_policy, "reject");
    h = headers_of(&ac);
    assert_string_equal(h.auth_results,
                        "mx.example.org;\n"
                        "\tspf=none smtp.mailfrom=bounce@forger.test;\n"
                        "\tspf=none smtp.helo=mx.forger.test;\n"
                        "\tdkim=none;\n"
                        "\tdmarc=fail header.from=example.net");
    authcheck_headers_free(&h);
    authcheck_reset(&ac);

    /* SPF fails too when the envelope sender is the domain's. */
    m.sender = "alice@example.net";
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.spf, "fail");
    assert_string_equal(facts.dmarc, "fail");
    authcheck_reset(&ac);
    snapshot_release(snap);
}

/* test_policies - p=quarantine, pct=0 and the dmarc_quarantine setting */
static void test_policies(void **state)
{
    struct snapshot *snap = snap_of("dmarc_quarantine = score\n");
    struct message m = plain;
    struct message_facts facts;
    struct authcheck ac;

    (void)state;
    m.client = "203.0.113.9";
    m.fields[0] = (struct header_field){"From", " news@quarantine.example"};
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.dmarc, "fail");
    assert_string_equal(facts.dmarc_policy, "quarantine");
    assert_string_equal(facts.dmarc_quarantine, "score");
    authcheck_reset(&ac);

    /* pct=0: every message is outside the sample, reject becomes quarantine. */
    m.fields[0] = (struct header_field){"From", " news@sampled.example"};
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.dmarc, "fail");
    assert_string_equal(facts.dmarc_policy, "quarantine");
    authcheck_reset(&ac);

    /* No From at all: none, and no policy. */
    m.fields[0] = (struct header_field){"Sender", " news@sampled.example"};
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.dmarc, "none");
    assert_string_equal(facts.dmarc_policy, "");
    assert_string_equal(facts.from_domain, "");
    authcheck_reset(&ac);
    snapshot_release(snap);
}

/* test_dns_trouble - SERVFAIL: temperror, with the reason in the header */
static void test_dns_trouble(void **state)
{
    struct snapshot *snap = snap_of("");
    struct message m = plain;
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;

    (void)state;
    m.sender = "x@broken.example";
    m.fields[0] = (struct header_field){"From", " x@broken.example"};
    facts_of(&ac, snap, &m, &facts);
    assert_string_equal(facts.spf, "temperror");
    assert_string_equal(facts.dmarc, "temperror");
    h = headers_of(&ac);
    assert_non_null(strstr(h.auth_results, "\tspf=temperror reason=\""));
    assert_non_null(strstr(h.auth_results, "\tdmarc=temperror reason=\""));
    authcheck_headers_free(&h);
    authcheck_reset(&ac);
    snapshot_release(snap);
}

/* test_turned_off - checks that are off leave their facts empty */
static void test_turned_off(void **state)
{
    struct snapshot *snap = snap_of("spf_enable = no\ndkim_verify = no\ndmarc_enable = no\n");
    struct message_facts facts;
    struct authcheck_headers h;
    struct authcheck ac;
    char line[64];

    (void)state;
    assert_null(snap->psl);
    facts_of(&ac, snap, &plain, &facts);
    assert_string_equal(facts.spf, "");
    assert_string_equal(facts.spf_helo, "");
    assert_string_equal(facts.dkim, "");
    assert_string_equal(facts.dmarc, "");
    assert_string_equal(facts.from_domain, "example.net");
    h = headers_of(&ac);
    assert_null(h.auth_results);
    assert_null(h.received_spf);
    assert_null(h.dkim_signature);
    authcheck_summary(&ac, line, sizeof(line));
    assert_string_equal(line, "");
    authcheck_reset(&ac);

    /* Before authcheck_begin, or after reset: no facts at all. */
    facts_init(&facts);
    authcheck_facts(&ac, &facts);
    assert_string_equal(facts.dmarc_quarantine, "");
    snapshot_release(snap);

    /* Nothing to check and nothing to sign: no DNS source either. */
    snap = snap_of("spf_enable = no\ndkim_verify = no\ndmarc_enable = no\n"
                   "dkim_signing_table =\n");
    assert_null(snap->dns);
    assert_null(snap->dkim);
    snapshot_release(snap);
}

/* test_no_line_breaks - CR and LF from the session never reach a header */
static void test_no_line_breaks(void **state)
{
    struct snapshot *snap = snap_of("received_spf_header = yes\n");
    struct message m = plain;
    struct authcheck_headers h;
    struct authcheck ac;
    char line[256];

    (void)state;
    m.helo = "evil\r\nX-Injected: yes";
    m.sender = "a\r\nX-Injected: yes@example.net";
    run(&ac, snap, true, &m);
    h = headers_of(&ac);
    assert_null(strchr(h.auth_results, '\r'));
    assert_null(strstr(h.auth_results, "\nX-"));
    assert_null(strchr(h.received_spf, '\r'));
    assert_null(strstr(h.received_spf, "\nX-"));
    assert_non_null(strstr(h.auth_results, "smtp.helo=\"evil??X-Injected: yes\""));
    authcheck_summary(&ac, line, sizeof(line));
    assert_null(strpbrk(line, "\r\n"));
    authcheck_headers_free(&h);
    authcheck_reset(&ac);
    snapshot_release(snap);
}

/* expect_build_error - build(extra) fails with message (after the temp dir) */
static void expect_build_error(const char *extra, const char *file, const char *message)
{
    struct vigie_error err = {{0}};
    char expected[512];

    if (build(extra, &err) != NULL)
        fail_msg("accepted: %s", extra);
    snprintf(expected, sizeof(expected), "%s/%s%s", tmpdir, file, message);
    assert_string_equal(err.msg, expected);
}

/* test_snapshot_errors - bad check data stops the snapshot */
static void test_snapshot_errors(void **state)
{
    (void)state;
    expect_build_error("dns_zone_file = missing.zone\n", "missing.zone",
                       ": No such file or directory");
    expect_build_error("dns_zone_file = bad.zone\n", "bad.zone", ":1: TXT needs data");
    expect_build_error("public_suffix_list = missing.dat\n", "missing.dat",
                       ": cannot load a public suffix list from this file");
    expect_build_error("dkim_signing_table = missing.table\n", "missing.table",
                       ": No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_inbound_pass),
        cmocka_unit_test(test_signing),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_forged_from),
        cmocka_unit_test(test_policies),
        cmocka_unit_test(test_dns_trouble),
        cmocka_unit_test(test_turned_off),
        cmocka_unit_test(test_no_line_breaks),
        cmocka_unit_test(test_snapshot_errors),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
