/*
 * NAME
 *	cmd_dkim_keygen - vigiectl dkim-keygen: make a DKIM key pair
 * SYNOPSIS
 *	vigiectl dkim-keygen DOMAIN SELECTOR [-d DIR] [-b BITS]
 * DESCRIPTION
 *	Generates an RSA private key of BITS bits (2048 by default) with
 *	libcrypto and writes it as PEM to DIR/SELECTOR.private
 *	(DIR defaults to the current directory) with mode 0600; an
 *	existing file is never overwritten. Prints, on stdout, the DNS TXT
 *	record to publish at SELECTOR._domainkey.DOMAIN (zone file syntax,
 *	strings of at most 255 characters) and the signing table line.
 *	The private key is never printed. (No Ed25519: see dkim.h.)
 *
 *	Exit status: 0 done, 1 failure, 2 usage error (a message on stderr).
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "commands.h"
#include "dnszone.h"

#define TXT_CHUNK 255           /* the longest DNS character-string */

/* keygen_usage - the synopsis on stderr; the usage-error status */
static int keygen_usage(void)
{
    fprintf(stderr, "usage: vigiectl dkim-keygen DOMAIN SELECTOR [-d DIR] [-b BITS]\n");
    return 2;
}

/* keygen_fail - one error line on stderr; the failure status */
static int keygen_fail(const char *what, const char *detail)
{
    fprintf(stderr, "vigiectl dkim-keygen: %s%s%s\n", what, detail ? ": " : "",
            detail ? detail : "");
    return 1;
}

/* public_key - the p= value: the SubjectPublicKeyInfo in base64; NULL on failure */
static char *public_key(EVP_PKEY *key)
{
    unsigned char *der = NULL, *p;
    char *b64 = NULL;
    int n = i2d_PUBKEY(key, NULL);

    if (n <= 0 || (der = malloc((size_t)n)) == NULL)
        return NULL;
    p = der;
    if (i2d_PUBKEY(key, &p) == n && (b64 = malloc(4 * (((size_t)n + 2) / 3) + 1)) != NULL)
        EVP_EncodeBlock((unsigned char *)b64, der, n);
    free(der);
    return b64;
}

/* write_all - the whole buffer to fd; 0, or -1 with errno */
static int write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);

        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* write_private - the key as PEM into a new file of mode 0600; 0, or -1 with *why */
static int write_private(const char *path, EVP_PKEY *key, const char **why)
{
    BIO *mem = BIO_new(BIO_s_mem());
    char *pem = NULL;
    long len = 0;
    int fd = -1, rc = -1;

    if (mem == NULL || PEM_write_bio_PrivateKey(mem, key, NULL, NULL, 0, NULL, NULL) != 1
        || (len = BIO_get_mem_data(mem, &pem)) <= 0) {
        *why = "cannot encode the key";
    } else if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                          S_IRUSR | S_IWUSR)) < 0) {
        *why = errno == EEXIST ? "file exists; remove it first to make a new key" : strerror(errno);
    } else if (fchmod(fd, S_IRUSR | S_IWUSR) != 0 || write_all(fd, pem, (size_t)len) != 0
               || fsync(fd) != 0) {
        *why = strerror(errno);
    } else {
        rc = 0;
    }
    if (fd >= 0 && close(fd) != 0 && rc == 0) {
        *why = strerror(errno);
        rc = -1;
    }
    if (fd >= 0 && rc != 0)
        unlink(path);
    if (pem != NULL)
        OPENSSL_cleanse(pem, (size_t)len);
    BIO_free(mem);
    return rc;
}

/* print_record - the TXT record in zone file syntax, and the signing table line */
static void print_record(const char *domain, const char *selector, const char *path,
                         const char *p)
{
    size_t len = strlen(p);

    printf("; private key: %s (mode 0600)\n", path);
    printf("; signing table line: %s %s %s\n", domain, selector, path);
    printf("%s._domainkey.%s. IN TXT ( \"v=DKIM1; k=rsa; \"", selector, domain);
    printf("\n\t\"p=%.*s\"", (int)(len < TXT_CHUNK - 2 ? len : TXT_CHUNK - 2), p);
    for (size_t off = TXT_CHUNK - 2; off < len; off += TXT_CHUNK)
        printf("\n\t\"%.*s\"", (int)(len - off < TXT_CHUNK ? len - off : TXT_CHUNK), p + off);
    printf(" )\n");
}

/* parse_bits - -b BITS: 1024..8192; 0, or -1 */
static int parse_bits(const char *text, unsigned *bits)
{
    char *end;
    unsigned long n;

    if (!isdigit((unsigned char)*text))
        return -1;
    n = strtoul(text, &end, 10);
    if (*end || n < 1024 || n > 8192)
        return -1;
    *bits = (unsigned)n;
    return 0;
}

/* keygen - make, write and publish one key */
static int keygen(char *domain, const char *selector, const char *dir, unsigned bits)
{
    char path[PATH_MAX], abs[PATH_MAX];
    const char *why = NULL;
    EVP_PKEY *key;
    char *pub;
    int rc;

    for (char *c = domain; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    if ((size_t)snprintf(path, sizeof(path), "%s/%s.private", dir, selector) >= sizeof(path))
        return keygen_fail("directory name too long", dir);
    if ((key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)bits)) == NULL)
        return keygen_fail("key generation failed", NULL);
    if ((pub = public_key(key)) == NULL) {
        EVP_PKEY_free(key);
        return keygen_fail("cannot encode the public key", NULL);
    }
    if ((rc = write_private(path, key, &why)) != 0) {
        keygen_fail(path, why);
    } else {
        /* the table resolves relative names from its own directory: print an absolute one */
        if (realpath(dir, abs) != NULL
            && (size_t)snprintf(path, sizeof(path), "%s/%s.private", abs, selector) >= sizeof(path))
            snprintf(path, sizeof(path), "%s/%s.private", dir, selector);
        print_record(domain, selector, path, pub);
    }
    free(pub);
    EVP_PKEY_free(key);
    return rc == 0 ? 0 : 1;
}

/* cmd_dkim_keygen - vigiectl dkim-keygen */
int cmd_dkim_keygen(int argc, char **argv)
{
    const char *dir = ".";
    unsigned bits = 2048;
    int c;

    optind = 1;
    while ((c = getopt(argc, argv, "d:b:")) != -1) {
        switch (c) {
        case 'd':
            dir = optarg;
            break;
        case 'b':
            if (parse_bits(optarg, &bits) != 0) {
                keygen_fail("-b wants a number of bits from 1024 to 8192", optarg);
                return 2;
            }
            break;
        default:
            return keygen_usage();
        }
    }
    if (argc - optind != 2)
        return keygen_usage();
    if (!dns_name_valid(argv[optind]) || strchr(argv[optind], '.') == NULL)
        return keygen_fail("not a domain name", argv[optind]);
    if (!dns_name_valid(argv[optind + 1]))
        return keygen_fail("not a valid selector", argv[optind + 1]);
    return keygen(argv[optind], argv[optind + 1], dir, bits);
}
