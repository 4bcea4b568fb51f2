/*
 * NAME
 *	bench_corpus - raw message files, split as Postfix hands them to a milter
 * DESCRIPTION
 *	See bench_corpus.h. Header recognition follows Postfix's
 *	is_header(): a name of printable ASCII other than ':', optional
 *	blanks, then ':'.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_corpus.h"

#define CORPUS_MAX_DEPTH 16     /* directory nesting followed */

/* A growable list of file paths. */
struct pathlist {
    char **items;
    size_t count;
    size_t cap;
};

/* line_end - length of the line at p (without LF or CRLF); *next = next line */
static size_t line_end(const char *p, const char *end, const char **next)
{
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    size_t len;

    if (nl == NULL) {
        *next = end;
        return (size_t)(end - p);
    }
    *next = nl + 1;
    len = (size_t)(nl - p);
    if (len > 0 && p[len - 1] == '\r')
        len--;
    return len;
}

/* header_name_len - length of the field name when line is a header, else 0 */
static size_t header_name_len(const char *line, size_t len, size_t *colon)
{
    size_t i = 0;
    size_t name_len;

    while (i < len && line[i] > ' ' && line[i] < 127 && line[i] != ':')
        i++;
    name_len = i;
    while (i < len && (line[i] == ' ' || line[i] == '\t'))
        i++;
    if (name_len == 0 || i >= len || line[i] != ':')
        return 0;
    *colon = i;
    return name_len;
}

/* memdup_str - a NUL-terminated copy of len bytes, or NULL */
static char *memdup_str(const char *p, size_t len)
{
    char *s = malloc(len + 1);

    if (s != NULL) {
        memcpy(s, p, len);
        s[len] = 0;
    }
    return s;
}

/* parse_header - one field starting at line p; returns the next line or NULL (no memory) */
static const char *parse_header(struct bench_header *hdr, const char *p, const char *end,
                                size_t name_len, size_t colon)
{
    const char *next;
    const char *q;
    size_t len = line_end(p, end, &next);
    size_t vlen = len - colon - 1;
    size_t clen;
    char *v;

    /* Size the value: the rest of the first line plus "\n" + each continuation. */
    for (q = next; q < end && (*q == ' ' || *q == '\t'); )
        vlen += 1 + line_end(q, end, &q);
    if ((hdr->name = memdup_str(p, name_len)) == NULL
        || (hdr->value = v = malloc(vlen + 1)) == NULL) {
        free(hdr->name);
        hdr->name = NULL;
        return NULL;
    }
    memcpy(v, p + colon + 1, len - colon - 1);
    v += len - colon - 1;
    while (next < end && (*next == ' ' || *next == '\t')) {
        q = next;
        clen = line_end(q, end, &next);
        *v++ = '\n';
        memcpy(v, q, clen);
        v += clen;
    }
    *v = 0;
    return next;
}

/* parse_body - copy the bytes from p to end with every line ended by CRLF */
static int parse_body(struct bench_msg *msg, const char *p, const char *end)
{
    size_t lines = 0;
    const char *next;
    size_t len;
    char *b;

    for (const char *q = p; q < end; q++)
        lines += *q == '\n';
    if ((msg->body = b = malloc((size_t)(end - p) + lines + 2)) == NULL)
        return -1;
    while (p < end) {
        len = line_end(p, end, &next);
        memcpy(b, p, len);
        b += len;
        *b++ = '\r';
        *b++ = '\n';
        p = next;
    }
    msg->body_len = (size_t)(b - msg->body);
    return 0;
}

/* corpus_parse - split one raw message */
int corpus_parse(struct bench_msg *msg, const char *path, const char *raw,
                 size_t len, struct vigie_error *err)
{
    const char *p = raw;
    const char *end = raw + len;
    const char *next;
    size_t line_len;
    size_t name_len;
    size_t colon;
    size_t cap = 0;
    struct bench_header *h;

    memset(msg, 0, sizeof(*msg));
    if ((msg->path = strdup(path)) == NULL)
        goto oom;
    if (len >= 5 && memcmp(p, "From ", 5) == 0)
        (void)line_end(p, end, &p);
    while (p < end) {
        line_len = line_end(p, end, &next);
        if (line_len == 0) {
            p = next;
            break;
        }
        if ((name_len = header_name_len(p, line_len, &colon)) == 0)
            break;
        if (msg->nheaders == cap) {
            cap = cap ? cap * 2 : 32;
            if ((h = realloc(msg->headers, cap * sizeof(*h))) == NULL)
                goto oom;
            msg->headers = h;
        }
        if ((p = parse_header(&msg->headers[msg->nheaders], p, end, name_len, colon)) == NULL)
            goto oom;
        msg->nheaders++;
    }
    if (parse_body(msg, p, end) < 0)
        goto oom;
    return 0;

oom:
    corpus_msg_free(msg);
    error_set(err, "%s: out of memory", path);
    return -1;
}

/* pathlist_add - append a copy of path; -1 when out of memory */
static int pathlist_add(struct pathlist *list, const char *path)
{
    char **items;

    if (list->count == list->cap) {
        list->cap = list->cap ? list->cap * 2 : 256;
        if ((items = realloc(list->items, list->cap * sizeof(*items))) == NULL)
            return -1;
        list->items = items;
    }
    if ((list->items[list->count] = strdup(path)) == NULL)
        return -1;
    list->count++;
    return 0;
}

/* pathlist_free - release the paths and the array */
static void pathlist_free(struct pathlist *list)
{
    for (size_t i = 0; i < list->count; i++)
        free(list->items[i]);
    free(list->items);
    memset(list, 0, sizeof(*list));
}

/* collect - add path, or the regular files under it, to list */
static int collect(struct pathlist *list, const char *path, int depth,
                   struct vigie_error *err)
{
    struct stat st;
    DIR *dir;
    struct dirent *de;
    char *child;
    int rc = 0;

    if (stat(path, &st) < 0) {
        error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    if (S_ISREG(st.st_mode)) {
        if (pathlist_add(list, path) < 0) {
            error_set(err, "%s: out of memory", path);
            return -1;
        }
        return 0;
    }
    if (!S_ISDIR(st.st_mode) || depth >= CORPUS_MAX_DEPTH)
        return 0;
    if ((dir = opendir(path)) == NULL) {
        error_set(err, "%s: %s", path, strerror(errno));
        return -1;
    }
    while (rc == 0 && (de = readdir(dir)) != NULL) {
        if (de->d_name[0] == '.')
            continue;
        if (asprintf(&child, "%s/%s", path, de->d_name) < 0) {
            error_set(err, "%s: out of memory", path);
            rc = -1;
            break;
        }
        rc = collect(list, child, depth + 1, err);
        free(child);
    }
    closedir(dir);
    return rc;
}

/* read_file - the whole file in a new buffer (caller frees); NULL with err set */
static char *read_file(const char *path, size_t *len, struct vigie_error *err)
{
    int fd;
    struct stat st;
    char *buf = NULL;
    size_t done = 0;
    ssize_t n;

    if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0 || fstat(fd, &st) < 0) {
        error_set(err, "%s: %s", path, strerror(errno));
        goto fail;
    }
    if ((buf = malloc((size_t)st.st_size + 1)) == NULL) {
        error_set(err, "%s: out of memory", path);
        goto fail;
    }
    while (done < (size_t)st.st_size) {
        n = read(fd, buf + done, (size_t)st.st_size - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            error_set(err, "%s: %s", path, n < 0 ? strerror(errno) : "file shrank while read");
            goto fail;
        }
        done += (size_t)n;
    }
    close(fd);
    *len = done;
    return buf;

fail:
    if (fd >= 0)
        close(fd);
    free(buf);
    return NULL;
}

/* path_cmp - qsort order of paths */
static int path_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* corpus_load - read every message file under paths */
int corpus_load(struct bench_corpus *corpus, char *const *paths, size_t npaths,
                struct vigie_error *err)
{
    struct pathlist list = {0};
    char *raw;
    size_t len;

    memset(corpus, 0, sizeof(*corpus));
    for (size_t i = 0; i < npaths; i++)
        if (collect(&list, paths[i], 0, err) < 0)
            goto fail;
    if (list.count == 0) {
        error_set(err, "%s: no message file found", npaths ? paths[0] : "(none)");
        goto fail;
    }
    qsort(list.items, list.count, sizeof(*list.items), path_cmp);
    if ((corpus->msgs = calloc(list.count, sizeof(*corpus->msgs))) == NULL) {
        error_set(err, "out of memory for %zu messages", list.count);
        goto fail;
    }
    for (size_t i = 0; i < list.count; i++) {
        if ((raw = read_file(list.items[i], &len, err)) == NULL)
            goto fail;
        if (corpus_parse(&corpus->msgs[i], list.items[i], raw, len, err) < 0) {
            free(raw);
            goto fail;
        }
        free(raw);
        corpus->count++;
    }
    pathlist_free(&list);
    return 0;

fail:
    pathlist_free(&list);
    corpus_free(corpus);
    return -1;
}

/* corpus_msg_free - release one message */
void corpus_msg_free(struct bench_msg *msg)
{
    for (size_t i = 0; i < msg->nheaders; i++) {
        free(msg->headers[i].name);
        free(msg->headers[i].value);
    }
    free(msg->headers);
    free(msg->body);
    free(msg->path);
    memset(msg, 0, sizeof(*msg));
}

/* corpus_free - release every message */
void corpus_free(struct bench_corpus *corpus)
{
    for (size_t i = 0; i < corpus->count; i++)
        corpus_msg_free(&corpus->msgs[i]);
    free(corpus->msgs);
    memset(corpus, 0, sizeof(*corpus));
}
