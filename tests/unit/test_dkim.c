/*
 * NAME
 *	test_dkim - unit tests for lib/dkim.c and lib/dkimtable.c
 * DESCRIPTION
 *	Keys are made with libcrypto in a temporary directory. Checked:
 *	sign then verify (rsa-sha256) with the header and body streamed
 *	as a milter sees them; ed25519-sha256 signatures (made here with
 *	libopendkim directly) verify; a changed body, a changed
 *	header or an added From fails; unsigned mail, unknown keys, broken
 *	signatures, short keys, too many signatures; keys from a key file
 *	(DKIM_QUERY_FILE) and from a dns_source (zone), with temporary
 *	failures and the time budget; every signing table error.
 *
 *	Interoperability with OpenDKIM: a message signed by
 *	opendkim-testmsg verifies in vigie (as "policy": opendkim-testmsg
 *	can only sign rsa-sha1, which RFC 8301 forbids, so vigie checks it
 *	cryptographically and then refuses the algorithm; a changed body
 *	fails); and a message signed by vigie verifies with libopendkim's
 *	raw-message path, dkim_chunk(), exactly as opendkim-testmsg runs
 *	it, but with the key file: opendkim-testmsg itself can only fetch
 *	keys from live DNS, which tests never touch.
 */
#include <dirent.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <opendkim/dkim.h>

#include "dkim.h"

/*
 * libopendkim leaks when it cannot load a signing key, and with every
 * Ed25519 signature it makes. vigie goes neither way (dkimtable.c
 * checks every key with libcrypto first and refuses Ed25519 keys),
 * but two tests do: LeakSanitizer is told to look away for them.
 */
#ifdef __SANITIZE_ADDRESS__
#include <sanitizer/lsan_interface.h>
#define LIBOPENDKIM_LEAKS_BEGIN() __lsan_disable()
#define LIBOPENDKIM_LEAKS_END() __lsan_enable()
#else
#define LIBOPENDKIM_LEAKS_BEGIN() ((void)0)
#define LIBOPENDKIM_LEAKS_END() ((void)0)
#endif

#define TESTMSG "/usr/sbin/opendkim-testmsg"

static char dir[64];
static struct vdkim_table *table;
static struct vdkim_lib *filelib;      /* keys from the key file */
static struct dns_source *zone;
static char keyfile[128];

struct message {
    const char *headers[8][2];  /* name, value as received after the colon */
    size_t count;
    const char *body;
};

static const struct message base = {
    .headers = {
        {"From", " Joe <joe@example.org>"},
        {"To", " bob@example.net"},
        {"Subject", " hello\r\n\tworld"},
        {"Date", " Mon, 1 Jan 2024 00:00:00 +0000"},
        {"Message-ID", " <1@example.org>"},
    },
    .count = 5,
    .body = "Hello there.\r\n\r\nA second paragraph,   with  spaces.  \r\nBye.\r\n",
};

/* path_in - dir/name into buf */
static const char *path_in(char *buf, size_t size, const char *name)
{
    snprintf(buf, size, "%s/%s", dir, name);
    return buf;
}

/* write_file - text into dir/name with mode */
static void write_file(const char *name, const char *text, mode_t mode)
{
    char path[256];
    int fd = open(path_in(path, sizeof(path), name), O_WRONLY | O_CREAT | O_TRUNC, mode);

    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    assert_int_equal(fchmod(fd, mode), 0);
    close(fd);
}

/* write_key - a private key as PEM into dir/name with mode */
static void write_key(const char *name, EVP_PKEY *key, mode_t mode)
{
    char path[256];
    FILE *fp = fopen(path_in(path, sizeof(path), name), "w");

    assert_non_null(fp);
    assert_int_equal(PEM_write_PrivateKey(fp, key, NULL, NULL, 0, NULL, NULL), 1);
    fclose(fp);
    assert_int_equal(chmod(path, mode), 0);
}

/* public_b64 - the p= value of a key: SubjectPublicKeyInfo, or raw for Ed25519 */
static char *public_b64(EVP_PKEY *key)
{
    unsigned char der[1024], *p = der;
    size_t len = sizeof(der);
    char *out = malloc(2048);
    int n;

    assert_non_null(out);
    if (EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519) {
        assert_int_equal(EVP_PKEY_get_raw_public_key(key, der, &len), 1);
    } else {
        n = i2d_PUBKEY(key, &p);
        assert_true(n > 0);
        len = (size_t)n;
    }
    EVP_EncodeBlock((unsigned char *)out, der, (int)len);
    return out;
}

/* key_record - "v=DKIM1; k=...; p=..." */
static char *key_record(EVP_PKEY *key)
{
    char *p = public_b64(key), *rec = NULL;

    assert_true(asprintf(&rec, "v=DKIM1; k=%s; p=%s",
                         EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519 ? "ed25519" : "rsa", p) > 0);
    free(p);
    return rec;
}

/* settings - key file or zone, with max signatures and minimum bits */
static struct vdkim_settings settings(const char *key_file, unsigned max, unsigned bits)
{
    return (struct vdkim_settings){.timeout_ms = 5000, .key_file = key_file,
                                   .max_signatures = max, .min_key_bits = bits};
}

/* setup - keys, key file, zone, signing table */
static int setup(void **state)
{
    EVP_PKEY *rsa = EVP_RSA_gen(2048), *ed = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
    EVP_PKEY *small = EVP_RSA_gen(1024), *tiny = EVP_RSA_gen(512);
    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    char *r = key_record(rsa), *e = key_record(ed), *s = key_record(small), *text, tpath[256];
    struct vdkim_settings set;
    struct vigie_error err;

    (void)state;
    strcpy(dir, "/tmp/vigie-dkim.XXXXXX");
    assert_non_null(mkdtemp(dir));
    write_key("rsa.private", rsa, 0600);
    write_key("ed.private", ed, 0600);
    write_key("small.private", small, 0600);
    write_key("tiny.private", tiny, 0600);
    write_key("ec.private", ec, 0600);
    write_key("open.private", rsa, 0644);
    write_file("garbage.private", "not a key\n", 0600);
    assert_true(asprintf(&text, "sel._domainkey.example.org %s\ned._domainkey.ed.example.org %s\n"
                         "small._domainkey.small.example.org %s\n", r, e, s) > 0);
    write_file("keys.txt", text, 0644);
    free(text);
    assert_true(asprintf(&text, "sel._domainkey.example.org TXT \"%s\"\n"
                         "bad._domainkey.example.org SERVFAIL\n", r) > 0);
    if ((zone = dns_source_zone_text("dkim-zone", text, strlen(text), &err)) == NULL)
        fprintf(stderr, "%s\n", err.msg);
    free(text);
    write_file("table", "# signing table\n"
               "Example.ORG  sel  rsa.private\n"
               "small.example.org small small.private   # 1024 bits\n", 0644);
    if ((table = vdkim_table_load(path_in(tpath, sizeof(tpath), "table"), &err)) == NULL)
        fprintf(stderr, "%s\n", err.msg);
    path_in(keyfile, sizeof(keyfile), "keys.txt");
    set = settings(keyfile, VDKIM_DEFAULT_MAX_SIGNATURES, VDKIM_DEFAULT_MIN_KEY_BITS);
    if ((filelib = vdkim_lib_new(&set, zone, &err)) == NULL)
        fprintf(stderr, "%s\n", err.msg);
    free(r);
    free(e);
    free(s);
    EVP_PKEY_free(rsa);
    EVP_PKEY_free(ed);
    EVP_PKEY_free(small);
    EVP_PKEY_free(tiny);
    EVP_PKEY_free(ec);
    return zone && table && filelib ? 0 : -1;
}

/* teardown - free everything, remove the directory */
static int teardown(void **state)
{
    DIR *d = opendir(dir);
    struct dirent *de;

    (void)state;
    vdkim_lib_free(filelib);
    vdkim_table_free(table);
    dns_source_free(zone);
    while (d && (de = readdir(d)) != NULL)
        if (de->d_name[0] != '.')
            unlinkat(dirfd(d), de->d_name, 0);
    if (d)
        closedir(d);
    rmdir(dir);
    return 0;
}

/* sign - stream m through a signer for domain's key; the DKIM-Signature value */
static char *sign(struct vdkim_lib *lib, const char *domain, const struct message *m)
{
    const struct vdkim_key *key = vdkim_table_find(table, domain);
    struct vigie_error err;
    struct vdkim_msg *s;
    char *value = NULL;

    assert_non_null(key);
    s = vdkim_sign_start(lib, key, "test", &err);
    assert_non_null(s);
    for (size_t i = 0; i < m->count; i++)
        assert_int_equal(vdkim_header(s, m->headers[i][0], m->headers[i][1], &err), 0);
    assert_int_equal(vdkim_eoh(s, &err), 0);
    assert_int_equal(vdkim_body(s, m->body, strlen(m->body), &err), 0);
    assert_int_equal(vdkim_sign_eom(s, &value, &err), 0);
    vdkim_free(s);
    return value;
}

/* verify - signatures (first) then m, the body in chunks of chunk bytes */
static enum authres_result verify(struct vdkim_lib *lib, const char *const *sigs, size_t nsigs,
                                  const struct message *m, size_t chunk, struct vdkim_results *out)
{
    struct vigie_error err;
    struct vdkim_msg *v = vdkim_verify_start(lib, "test", &err);
    size_t len = strlen(m->body);

    assert_non_null(v);
    for (size_t i = 0; i < nsigs; i++)
        assert_int_equal(vdkim_header(v, "DKIM-Signature", sigs[i], &err), 0);
    for (size_t i = 0; i < m->count; i++)
        assert_int_equal(vdkim_header(v, m->headers[i][0], m->headers[i][1], &err), 0);
    assert_int_equal(vdkim_eoh(v, &err), 0);
    for (size_t off = 0; off < len; off += chunk)
        assert_int_equal(vdkim_body(v, m->body + off, off + chunk < len ? chunk : len - off,
                                    &err), 0);
    assert_int_equal(vdkim_verify_eom(v, out, &err), 0);
    vdkim_free(v);
    return out->result;
}

/* verify1 - one signature, the body in one chunk */
static enum authres_result verify1(struct vdkim_lib *lib, const char *sig, const struct message *m,
                                   struct vdkim_results *out)
{
    return verify(lib, &sig, 1, m, strlen(m->body) + 1, out);
}

/* ed25519_sign - an ed25519-sha256 signature of m by libopendkim itself, folds "\n\t" */
static char *ed25519_sign(const struct message *m)
{
    char path[256], line[512], *pem, *value;
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    unsigned flags = DKIM_LIBFLAGS_FIXCRLF;
    unsigned char *hdr;
    size_t len = 0, j = 0;
    DKIM_STAT st;
    DKIM *d;
    FILE *fp = fopen(path_in(path, sizeof(path), "ed.private"), "r");

    assert_non_null(fp);
    assert_non_null(pem = calloc(1, 4096));
    assert_true(fread(pem, 1, 4095, fp) > 0);
    fclose(fp);
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
    d = dkim_sign(lib, (const unsigned char *)"ed", NULL, (unsigned char *)pem,
                  (const unsigned char *)"ed", (const unsigned char *)"ed.example.org",
                  DKIM_CANON_RELAXED, DKIM_CANON_RELAXED, DKIM_SIGN_ED25519SHA256, -1, &st);
    assert_non_null(d);
    for (size_t i = 0; i < m->count; i++) {
        snprintf(line, sizeof(line), "%s:%s", m->headers[i][0], m->headers[i][1]);
        assert_int_equal(dkim_header(d, (unsigned char *)line, strlen(line)), DKIM_STAT_OK);
    }
    assert_int_equal(dkim_eoh(d), DKIM_STAT_OK);
    assert_int_equal(dkim_body(d, (unsigned char *)m->body, strlen(m->body)), DKIM_STAT_OK);
    LIBOPENDKIM_LEAKS_BEGIN();
    assert_int_equal(dkim_eom(d, NULL), DKIM_STAT_OK);
    LIBOPENDKIM_LEAKS_END();
    assert_int_equal(dkim_getsighdr_d(d, strlen("DKIM-Signature: "), &hdr, &len), DKIM_STAT_OK);
    assert_non_null(value = malloc(len + 1));
    for (size_t i = 0; i < len; i++)
        if (hdr[i] != '\r')
            value[j++] = (char)hdr[i];
    value[j] = '\0';
    dkim_free(d);
    dkim_close(lib);
    OPENSSL_cleanse(pem, 4096);
    free(pem);
    return value;
}

/* test_round_trip - rsa-sha256, relaxed/relaxed, From signed twice; ed25519 verified */
static void test_round_trip(void **state)
{
    struct vdkim_results r;
    char *rsa = sign(filelib, "example.org", &base);
    char *ed = ed25519_sign(&base);

    (void)state;
    assert_non_null(strstr(rsa, "a=rsa-sha256;"));
    assert_non_null(strstr(rsa, "c=relaxed/relaxed;"));
    assert_non_null(strstr(rsa, "d=example.org;"));
    assert_non_null(strstr(rsa, "s=sel;"));
    assert_non_null(strstr(rsa, "From:To:Subject:Date:Message-ID:From"));
    assert_null(strchr(rsa, '\r'));
    assert_int_equal(verify1(filelib, rsa, &base, &r), AUTHRES_PASS);
    assert_int_equal(r.count, 1);
    assert_int_equal(r.sigs[0].result, AUTHRES_PASS);
    assert_string_equal(r.sigs[0].domain, "example.org");
    assert_string_equal(r.sigs[0].selector, "sel");
    assert_string_equal(r.sigs[0].problem, "");
    /* the body in one-byte chunks, as a milter might see it */
    assert_int_equal(verify(filelib, (const char *const *)&rsa, 1, &base, 1, &r), AUTHRES_PASS);
    assert_non_null(strstr(ed, "a=ed25519-sha256;"));
    assert_int_equal(verify1(filelib, ed, &base, &r), AUTHRES_PASS);
    assert_string_equal(r.sigs[0].domain, "ed.example.org");
    assert_string_equal(r.sigs[0].selector, "ed");
    free(rsa);
    free(ed);
}

/* test_tampering - a changed body, a changed header, an added From */
static void test_tampering(void **state)
{
    struct vdkim_results r;
    char *sig = sign(filelib, "example.org", &base);
    struct message m = base;

    (void)state;
    m.body = "Hello there.\r\n\r\nA second paragraph,   with  spaces.  \r\nBye!\r\n";
    assert_int_equal(verify1(filelib, sig, &m, &r), AUTHRES_FAIL);
    assert_string_equal(r.sigs[0].problem, "body hash did not verify");
    m = base;
    m.headers[2][1] = " hello world!";
    assert_int_equal(verify1(filelib, sig, &m, &r), AUTHRES_FAIL);
    assert_string_equal(r.sigs[0].problem, "signature did not verify");
    m = base;
    m.headers[m.count][0] = "From";
    m.headers[m.count++][1] = " Evil <ceo@example.org>";
    assert_int_equal(verify1(filelib, sig, &m, &r), AUTHRES_FAIL);
    /* relaxed canonicalisation forgives white space and header case */
    m = base;
    m.headers[2][1] = "   hello  world";
    m.headers[1][0] = "TO";
    m.body = "Hello there.\r\n\r\nA second paragraph, with spaces.\r\nBye.\r\n\r\n\r\n";
    assert_int_equal(verify1(filelib, sig, &m, &r), AUTHRES_PASS);
    free(sig);
}

/* test_unsigned_and_broken - none, an unknown key, a broken signature */
static void test_unsigned_and_broken(void **state)
{
    struct vdkim_results r;
    char *sig = sign(filelib, "example.org", &base), *other;

    (void)state;
    assert_int_equal(verify(filelib, NULL, 0, &base, 100, &r), AUTHRES_NONE);
    assert_int_equal(r.count, 0);
    other = strdup(sig);
    memcpy(strstr(other, "s=sel;"), "s=nok;", 6);
    assert_int_equal(verify1(filelib, other, &base, &r), AUTHRES_PERMERROR);
    assert_string_equal(r.sigs[0].selector, "nok");
    assert_string_equal(r.sigs[0].problem, dkim_sig_geterrorstr(DKIM_SIGERROR_NOKEY));
    assert_int_equal(verify1(filelib, " v=1; a=rsa-sha256; d=example.org; s=sel; h=From",
                             &base, &r), AUTHRES_PERMERROR);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.sigs[0].problem, dkim_sig_geterrorstr(DKIM_SIGERROR_MISSING_BH));
    assert_int_equal(verify1(filelib, " garbage", &base, &r), AUTHRES_PERMERROR);
    assert_int_equal(r.count, 1);
    /* the best of several results wins */
    {
        const char *two[] = {other, sig};

        assert_int_equal(verify(filelib, two, 2, &base, 100, &r), AUTHRES_PASS);
        assert_int_equal(r.count, 2);
        assert_int_equal(r.sigs[0].result, AUTHRES_PERMERROR);
        assert_int_equal(r.sigs[1].result, AUTHRES_PASS);
    }
    free(other);
    free(sig);
}

/* test_limits - max_signatures; a key shorter than min_key_bits is "policy" */
static void test_limits(void **state)
{
    struct vdkim_settings set = settings(keyfile, 2, 2048);
    struct vigie_error err;
    struct vdkim_lib *lib = vdkim_lib_new(&set, zone, &err);
    struct vdkim_results r;
    char *sig = sign(filelib, "example.org", &base);
    char *small = sign(filelib, "small.example.org", &base);
    const char *three[] = {sig, sig, sig};

    (void)state;
    assert_non_null(lib);
    assert_int_equal(verify(lib, three, 3, &base, 100, &r), AUTHRES_PASS);
    assert_int_equal(r.count, 2);
    assert_int_equal(verify1(filelib, small, &base, &r), AUTHRES_PASS);
    assert_int_equal(verify1(lib, small, &base, &r), AUTHRES_POLICY);
    assert_string_equal(r.sigs[0].problem, dkim_sig_geterrorstr(DKIM_SIGERROR_KEYTOOSMALL));
    vdkim_lib_free(lib);
    set.max_signatures = 0;
    assert_null(vdkim_lib_new(&set, zone, &err));
    assert_string_equal(err.msg, "DKIM: max_signatures 0 is out of range 1..8");
    set.max_signatures = VDKIM_MAX_SIGNATURES + 1;
    assert_null(vdkim_lib_new(&set, zone, &err));
    free(sig);
    free(small);
}

/* test_dns_keys - keys through a dns_source: found, temporary failure, missing, no time */
static void test_dns_keys(void **state)
{
    struct vdkim_settings set = settings("", 5, 1024);
    struct vigie_error err;
    struct vdkim_lib *lib = vdkim_lib_new(&set, zone, &err);
    struct vdkim_results r;
    char *sig = sign(filelib, "example.org", &base), *other = strdup(sig);

    (void)state;
    assert_non_null(lib);
    assert_int_equal(verify1(lib, sig, &base, &r), AUTHRES_PASS);
    memcpy(strstr(other, "s=sel;"), "s=bad;", 6);
    assert_int_equal(verify1(lib, other, &base, &r), AUTHRES_TEMPERROR);
    memcpy(strstr(other, "s=bad;"), "s=nok;", 6);
    assert_int_equal(verify1(lib, other, &base, &r), AUTHRES_PERMERROR);
    vdkim_lib_free(lib);
    set.timeout_ms = 0;
    lib = vdkim_lib_new(&set, zone, &err);
    assert_non_null(lib);
    assert_int_equal(verify1(lib, sig, &base, &r), AUTHRES_TEMPERROR);
    vdkim_lib_free(lib);
    free(sig);
    free(other);
}

/* test_sign_errors - a key libopendkim cannot use; NULL handles */
static void test_sign_errors(void **state)
{
    struct vdkim_key key = {.domain = (char *)"example.org", .selector = (char *)"sel",
                            .path = (char *)"/nowhere", .pem = (unsigned char *)"garbage"};
    struct vigie_error err;
    struct vdkim_msg *s = vdkim_sign_start(filelib, &key, "test", &err);
    char *value = (char *)"untouched";

    (void)state;
    assert_non_null(s);
    assert_int_equal(vdkim_header(s, "From", " joe@example.org", &err), 0);
    assert_int_equal(vdkim_eoh(s, &err), 0);
    assert_int_equal(vdkim_body(s, "x\r\n", 3, &err), 0);
    LIBOPENDKIM_LEAKS_BEGIN();
    assert_int_equal(vdkim_sign_eom(s, &value, &err), -1);
    LIBOPENDKIM_LEAKS_END();
    assert_null(value);
    assert_non_null(strstr(err.msg, "DKIM: cannot sign: "));
    vdkim_free(s);
    vdkim_free(NULL);
    vdkim_lib_free(NULL);
}

/* raw_message - the signature, the header and the body as one LF-terminated text */
static char *raw_message(const char *sig, const struct message *m)
{
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);

    assert_non_null(out);
    if (sig)
        fprintf(out, "DKIM-Signature: %s\n", sig);
    for (size_t i = 0; i < m->count; i++)
        fprintf(out, "%s:%s\n", m->headers[i][0], m->headers[i][1]);
    fprintf(out, "\n%s", m->body);
    fclose(out);
    /* LF line ends, as a file on disk has them */
    for (char *r; (r = strchr(text, '\r')) != NULL;)
        memmove(r, r + 1, strlen(r));
    return text;
}

/* test_opendkim_verifies_vigie - libopendkim's raw-message path verifies our signature */
static void test_opendkim_verifies_vigie(void **state)
{
    char *sig = sign(filelib, "example.org", &base);
    char *text = raw_message(sig, &base);
    DKIM_LIB *lib = dkim_init(NULL, NULL);
    dkim_query_t q = DKIM_QUERY_FILE;
    unsigned flags = DKIM_LIBFLAGS_FIXCRLF;
    DKIM_STAT st;
    DKIM *d;

    (void)state;
    assert_non_null(lib);
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYMETHOD, &q, sizeof(q));
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_QUERYINFO, keyfile, strlen(keyfile));
    dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof(flags));
    d = dkim_verify(lib, (const unsigned char *)"interop", NULL, &st);
    assert_non_null(d);
    assert_int_equal(dkim_chunk(d, (unsigned char *)text, strlen(text)), DKIM_STAT_OK);
    assert_int_equal(dkim_chunk(d, NULL, 0), DKIM_STAT_OK);
    assert_int_equal(dkim_eom(d, NULL), DKIM_STAT_OK);
    dkim_free(d);
    dkim_close(lib);
    free(text);
    free(sig);
}

/* run_testmsg - opendkim-testmsg signs input into output (execv, no shell); exit status */
static int run_testmsg(const char *input, const char *output, const char *key)
{
    char *argv[] = {(char *)"opendkim-testmsg", (char *)"-d", (char *)"example.org",
                    (char *)"-s", (char *)"sel", (char *)"-k", (char *)key,
                    (char *)"-t", dir, NULL};
    int status;
    pid_t pid = fork();

    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(input, O_RDONLY), out = open(output, O_WRONLY | O_CREAT | O_TRUNC, 0600);

        if (in < 0 || out < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0)
            _exit(127);
        execv(TESTMSG, argv);
        _exit(127);
    }
    assert_int_equal(waitpid(pid, &status, 0), pid);
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* parse_message - an LF text into header fields and a CRLF body (the milter's view) */
static void parse_message(char *text, struct message *m, char **names, char **values, char **body)
{
    char *p = text, *end, *b;

    m->count = 0;
    while (*p && *p != '\n') {
        for (end = strchr(p, '\n'); end && (end[1] == ' ' || end[1] == '\t'); end = strchr(end + 1, '\n'))
            ;
        assert_non_null(end);
        *end = '\0';
        names[m->count] = p;
        values[m->count] = strchr(p, ':');
        assert_non_null(values[m->count]);
        *values[m->count]++ = '\0';
        m->headers[m->count][0] = names[m->count];
        m->headers[m->count][1] = values[m->count];
        m->count++;
        p = end + 1;
    }
    b = *body = malloc(2 * strlen(p) + 1);
    assert_non_null(b);
    for (p += *p == '\n'; *p; p++) {
        if (*p == '\n')
            *b++ = '\r';
        *b++ = *p;
    }
    *b = '\0';
    m->body = *body;
}

/* test_vigie_verifies_opendkim - a message signed by opendkim-testmsg */
static void test_vigie_verifies_opendkim(void **state)
{
    char in[256], out[256], key[256], *text = raw_message(NULL, &base), *signed_text, *body;
    char *names[8], *values[8];
    struct message m;
    struct vdkim_results r;
    FILE *fp;
    long size;

    (void)state;
    if (access(TESTMSG, X_OK) != 0)
        skip();
    write_file("unsigned.eml", text, 0600);
    free(text);
    assert_int_equal(run_testmsg(path_in(in, sizeof(in), "unsigned.eml"),
                                 path_in(out, sizeof(out), "signed.eml"),
                                 path_in(key, sizeof(key), "rsa.private")), 0);
    fp = fopen(out, "r");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    size = ftell(fp);
    rewind(fp);
    signed_text = calloc(1, (size_t)size + 1);
    assert_int_equal(fread(signed_text, 1, (size_t)size, fp), (size_t)size);
    fclose(fp);
    parse_message(signed_text, &m, names, values, &body);
    assert_string_equal(m.headers[0][0], "DKIM-Signature");
    assert_int_equal(verify(filelib, NULL, 0, &m, 7, &r), AUTHRES_POLICY);
    assert_int_equal(r.count, 1);
    assert_string_equal(r.sigs[0].domain, "example.org");
    assert_string_equal(r.sigs[0].problem, "rsa-sha1 is not accepted (RFC 8301)");
    body[5] = 'X';
    assert_int_equal(verify(filelib, NULL, 0, &m, 7, &r), AUTHRES_FAIL);
    free(body);
    free(signed_text);
}

/* expect_table_error - a table with this line is refused with message */
static void expect_table_error(const char *line, const char *message)
{
    char path[256], want[512];
    struct vigie_error err;

    write_file("bad-table", line, 0644);
    assert_null(vdkim_table_load(path_in(path, sizeof(path), "bad-table"), &err));
    snprintf(want, sizeof(want), message, dir, dir);
    assert_string_equal(err.msg, want);
}

/* test_table - lookups, absolute paths, and every error */
static void test_table(void **state)
{
    char path[256], line[512];
    struct vigie_error err;
    struct vdkim_table *t;

    (void)state;
    assert_non_null(vdkim_table_find(table, "EXAMPLE.org"));
    assert_null(vdkim_table_find(table, "sub.example.org"));
    assert_string_equal(vdkim_table_find(table, "example.org")->selector, "sel");
    snprintf(line, sizeof(line), "example.net s %s/rsa.private\n", dir);
    write_file("abs-table", line, 0644);
    t = vdkim_table_load(path_in(path, sizeof(path), "abs-table"), &err);
    assert_non_null(t);
    vdkim_table_free(t);
    vdkim_table_free(NULL);
    expect_table_error("example.org sel\n", "%s/bad-table:1: want \"domain selector keyfile\"");
    expect_table_error("\n# c\nexample.org sel rsa.private extra\n",
                       "%s/bad-table:3: want \"domain selector keyfile\"");
    expect_table_error("exa mple.org\n", "%s/bad-table:1: want \"domain selector keyfile\"");
    expect_table_error("ex!ample.org sel rsa.private\n", "%s/bad-table:1: invalid domain \"ex!ample.org\"");
    expect_table_error("example.org s..l rsa.private\n", "%s/bad-table:1: invalid selector \"s..l\"");
    expect_table_error("example.org a rsa.private\nEXAMPLE.org b rsa.private\n",
                       "%s/bad-table:2: domain example.org is given twice");
    expect_table_error("example.org s missing.private\n",
                       "%s/bad-table:1: key file %s/missing.private: No such file or directory");
    expect_table_error("example.org s open.private\n",
                       "%s/bad-table:1: key file %s/open.private: "
                       "readable by others or writable by group or others (chmod 600)");
    expect_table_error("example.org s garbage.private\n",
                       "%s/bad-table:1: key file %s/garbage.private: not an unencrypted PEM private key");
    expect_table_error("example.org s tiny.private\n",
                       "%s/bad-table:1: key file %s/tiny.private: RSA key shorter than 1024 bits");
    expect_table_error("example.org s ec.private\n",
                       "%s/bad-table:1: key file %s/ec.private: not an RSA key");
    expect_table_error("example.org s ed.private\n",
                       "%s/bad-table:1: key file %s/ed.private: Ed25519 keys are not used for"
                       " signing (libopendkim 2.11 leaks memory with each)");
    expect_table_error("example.org s .\n",
                       "%s/bad-table:1: key file %s/.: not a regular file of 1 byte to 64 KiB");
    assert_null(vdkim_table_load("/nonexistent/table", &err));
    assert_string_equal(err.msg, "/nonexistent/table: No such file or directory");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_tampering),
        cmocka_unit_test(test_unsigned_and_broken),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_dns_keys),
        cmocka_unit_test(test_sign_errors),
        cmocka_unit_test(test_opendkim_verifies_vigie),
        cmocka_unit_test(test_vigie_verifies_opendkim),
        cmocka_unit_test(test_table),
    };

    return cmocka_run_group_tests(tests, setup, teardown);
}
