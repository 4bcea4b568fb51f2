/*
 * NAME
 *	dkimtable - the DKIM signing table: sender domain -> selector and key
 * DESCRIPTION
 *	See dkim.h for the file format. Each key file is read once, its
 *	permissions checked on the open file, and parsed with libcrypto
 *	(refusing an encrypted key, a short RSA key, an Ed25519 key or
 *	anything else) before libopendkim ever sees it. Messages name the
 *	key file, never its content; key buffers are wiped when freed.
 */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkim.h"

#define KEY_MAX_SIZE    65536
#define RSA_MIN_BITS    1024

struct vdkim_table {
    struct vdkim_key *keys;
    size_t count;
};

/* key_clear - wipe and free one key's strings */
static void key_clear(struct vdkim_key *k)
{
    if (k->pem != NULL) {
        OPENSSL_cleanse(k->pem, strlen((const char *)k->pem));
        free(k->pem);
    }
    free(k->domain);
    free(k->selector);
    free(k->path);
    memset(k, 0, sizeof(*k));
}

/* vdkim_table_free - see dkim.h */
void vdkim_table_free(struct vdkim_table *table)
{
    if (table == NULL)
        return;
    for (size_t i = 0; i < table->count; i++)
        key_clear(&table->keys[i]);
    free(table->keys);
    free(table);
}

/* vdkim_table_find - see dkim.h */
const struct vdkim_key *vdkim_table_find(const struct vdkim_table *table, const char *domain)
{
    for (size_t i = 0; i < table->count; i++)
        if (strcasecmp(table->keys[i].domain, domain) == 0)
            return &table->keys[i];
    return NULL;
}

/* no_password - refuse to decrypt: keys must be usable unattended */
static int no_password(char *buf, int size, int rwflag, void *u)
{
    (void)buf;
    (void)size;
    (void)rwflag;
    (void)u;
    return 0;
}

/* key_check - is it an RSA key libopendkim can sign with; 0, or -1 with *why */
static int key_check(const struct vdkim_key *k, const char **why)
{
    BIO *bio = BIO_new_mem_buf(k->pem, -1);
    EVP_PKEY *pkey = bio ? PEM_read_bio_PrivateKey(bio, NULL, no_password, NULL) : NULL;
    int rc = -1;

    if (pkey == NULL)
        *why = "not an unencrypted PEM private key";
    else if (EVP_PKEY_get_base_id(pkey) == EVP_PKEY_ED25519)
        *why = "Ed25519 keys are not used for signing (libopendkim 2.11 leaks memory with each)";
    else if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA)
        *why = "not an RSA key";
    else if (EVP_PKEY_get_bits(pkey) < RSA_MIN_BITS)
        *why = "RSA key shorter than 1024 bits";
    else
        rc = 0;
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return rc;
}

/* key_read - the key file into k->pem; 0, or -1 with *why */
static int key_read(struct vdkim_key *k, const char **why)
{
    struct stat st;
    ssize_t n;
    int rc = -1;
    int fd = open(k->path, O_RDONLY | O_CLOEXEC);

    if (fd < 0 || fstat(fd, &st) != 0) {
        *why = strerror(errno);
    } else if (!S_ISREG(st.st_mode) || st.st_size == 0 || st.st_size > KEY_MAX_SIZE) {
        *why = "not a regular file of 1 byte to 64 KiB";
    } else if (st.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)) {
        *why = "readable by others or writable by group or others (chmod 600)";
    } else if ((k->pem = malloc((size_t)st.st_size + 1)) == NULL) {
        *why = "out of memory";
    } else if ((n = read(fd, k->pem, (size_t)st.st_size)) != (ssize_t)st.st_size) {
        *why = n < 0 ? strerror(errno) : "short read";
        k->pem[0] = '\0';
    } else {
        k->pem[n] = '\0';
        rc = 0;
    }
    if (fd >= 0)
        close(fd);
    return rc;
}

/* key_path - keyfile, relative to the table's directory unless absolute */
static char *key_path(const char *table, const char *keyfile)
{
    char *copy, *path = NULL;

    if (keyfile[0] == '/')
        return strdup(keyfile);
    if ((copy = strdup(table)) == NULL)
        return NULL;
    if (asprintf(&path, "%s/%s", dirname(copy), keyfile) < 0)
        path = NULL;
    free(copy);
    return path;
}

/* table_add - one "domain selector keyfile" line; 0, or -1 with err */
static int table_add(struct vdkim_table *t, const char *file, unsigned line,
                     char *domain, char *selector, char *keyfile, struct vigie_error *err)
{
    struct vdkim_key k = {0};
    struct vdkim_key *grown;
    const char *why = NULL;

    for (char *p = domain; *p; p++)
        *p = (char)tolower((unsigned char)*p);
    if (!dns_name_valid(domain)) {
        error_at(err, file, line, "invalid domain \"%s\"", domain);
        return -1;
    }
    if (!dns_name_valid(selector)) {
        error_at(err, file, line, "invalid selector \"%s\"", selector);
        return -1;
    }
    if (vdkim_table_find(t, domain) != NULL) {
        error_at(err, file, line, "domain %s is given twice", domain);
        return -1;
    }
    if ((k.domain = strdup(domain)) == NULL || (k.selector = strdup(selector)) == NULL
        || (k.path = key_path(file, keyfile)) == NULL) {
        why = "out of memory";
    } else if (key_read(&k, &why) == 0 && key_check(&k, &why) == 0) {
        if ((grown = realloc(t->keys, (t->count + 1) * sizeof(*grown))) != NULL) {
            t->keys = grown;
            t->keys[t->count++] = k;
            return 0;
        }
        why = "out of memory";
    }
    error_at(err, file, line, "key file %s: %s", k.path ? k.path : keyfile, why);
    key_clear(&k);
    return -1;
}

/* table_line - one line of the table; 0, or -1 with err */
static int table_line(struct vdkim_table *t, const char *file, unsigned line, char *text,
                      struct vigie_error *err)
{
    char *field[4], *save = NULL, *hash = strchr(text, '#');
    int n = 0;

    if (hash)
        *hash = '\0';
    for (char *tok = strtok_r(text, " \t\r\n", &save); tok && n < 4;
         tok = strtok_r(NULL, " \t\r\n", &save))
        field[n++] = tok;
    if (n == 0)
        return 0;
    if (n != 3) {
        error_at(err, file, line, "want \"domain selector keyfile\"");
        return -1;
    }
    return table_add(t, file, line, field[0], field[1], field[2], err);
}

/* vdkim_table_load - see dkim.h */
struct vdkim_table *vdkim_table_load(const char *path, struct vigie_error *err)
{
    struct vdkim_table *t = calloc(1, sizeof(*t));
    FILE *fp = fopen(path, "re");
    char *text = NULL;
    size_t size = 0;
    unsigned line = 0;
    int rc = 0;

    if (t == NULL || fp == NULL) {
        error_at(err, path, 0, "%s", t ? strerror(errno) : "out of memory");
        free(t);
        if (fp)
            fclose(fp);
        return NULL;
    }
    while (rc == 0 && getline(&text, &size, fp) >= 0)
        rc = table_line(t, path, ++line, text, err);
    if (rc == 0 && ferror(fp)) {
        error_at(err, path, 0, "read error");
        rc = -1;
    }
    free(text);
    fclose(fp);
    if (rc != 0) {
        vdkim_table_free(t);
        return NULL;
    }
    return t;
}
