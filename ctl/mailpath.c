/*
 * NAME
 *	mailpath - the messages under a path: file, mbox, Maildir, directory
 * DESCRIPTION
 *	See mailpath.h.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mailpath.h"

static int walk(const char *path, const struct mailpath_ops *ops, void *arg, unsigned depth);

/* next_from_line - offset of the next line starting "From " after pos, or len */
static size_t next_from_line(const char *data, size_t len, size_t pos)
{
    while (pos < len) {
        const char *nl = memchr(data + pos, '\n', len - pos);

        if (nl == NULL)
            return len;
        pos = (size_t)(nl - data) + 1;
        if (len - pos >= 5 && memcmp(data + pos, "From ", 5) == 0)
            return pos;
    }
    return len;
}

/* split_mbox - each message of an mbox */
static int split_mbox(const char *path, const char *data, size_t len,
                      const struct mailpath_ops *ops, void *arg)
{
    size_t start = 0;
    size_t end = next_from_line(data, len, 0);
    char label[PATH_MAX + 32];

    if (end == len)
        return ops->message(arg, path, data, len);
    for (unsigned n = 1; start < len; n++) {
        snprintf(label, sizeof(label), "%s:%u", path, n);
        if (ops->message(arg, label, data + start, end - start) < 0)
            return -1;
        start = end;
        end = next_from_line(data, len, start);
    }
    return 0;
}

/* file - the message(s) of one regular file */
static int file(const char *path, const struct mailpath_ops *ops, void *arg)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    struct stat st;
    void *map;
    int status;

    if (fd < 0) {
        ops->problem(arg, path, strerror(errno));
        return 0;
    }
    if (fstat(fd, &st) < 0 || st.st_size == 0) {
        ops->problem(arg, path, st.st_size == 0 ? "empty file" : strerror(errno));
        close(fd);
        return 0;
    }
    map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    close(fd);
    if (map == MAP_FAILED) {
        ops->problem(arg, path, strerror(errno));
        return 0;
    }
    madvise(map, (size_t)st.st_size, MADV_SEQUENTIAL);
    if ((size_t)st.st_size >= 5 && memcmp(map, "From ", 5) == 0)
        status = split_mbox(path, map, (size_t)st.st_size, ops, arg);
    else
        status = ops->message(arg, path, map, (size_t)st.st_size);
    munmap(map, (size_t)st.st_size);
    return status;
}

/* is_dir - path names a directory */
static bool is_dir(const char *path)
{
    struct stat st;

    return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* is_maildir - path is a Maildir folder: it has cur/ and new/ */
static bool is_maildir(const char *path)
{
    char sub[PATH_MAX];

    snprintf(sub, sizeof(sub), "%s/cur", path);
    if (!is_dir(sub))
        return false;
    snprintf(sub, sizeof(sub), "%s/new", path);
    return is_dir(sub);
}

/* not_hidden - scandir filter: names not starting with '.' */
static int not_hidden(const struct dirent *d)
{
    return d->d_name[0] != '.';
}

/* directory - the entries of a directory; files only when files_only */
static int directory(const char *path, bool files_only, const struct mailpath_ops *ops,
                     void *arg, unsigned depth)
{
    struct dirent **names;
    char child[PATH_MAX];
    int n = scandir(path, &names, not_hidden, alphasort);
    int status = 0;

    if (n < 0) {
        ops->problem(arg, path, strerror(errno));
        return 0;
    }
    for (int i = 0; i < n; i++) {
        if (status == 0) {
            if ((size_t)snprintf(child, sizeof(child), "%s/%s", path, names[i]->d_name)
                >= sizeof(child))
                ops->problem(arg, names[i]->d_name, "path too long");
            else if (!(files_only && is_dir(child)))
                status = walk(child, ops, arg, depth + 1);
        }
        free(names[i]);
    }
    free(names);
    return status;
}

/* walk - one path of any kind */
static int walk(const char *path, const struct mailpath_ops *ops, void *arg, unsigned depth)
{
    struct stat st;
    char sub[PATH_MAX];

    if (stat(path, &st) < 0) {
        ops->problem(arg, path, strerror(errno));
        return 0;
    }
    if (S_ISREG(st.st_mode))
        return file(path, ops, arg);
    if (!S_ISDIR(st.st_mode)) {
        ops->problem(arg, path, "not a file or a directory");
        return 0;
    }
    if (depth >= MAILPATH_DEPTH) {
        ops->problem(arg, path, "directories nested too deep");
        return 0;
    }
    if (is_maildir(path)) {
        snprintf(sub, sizeof(sub), "%s/cur", path);
        if (directory(sub, true, ops, arg, depth) < 0)
            return -1;
        snprintf(sub, sizeof(sub), "%s/new", path);
        return directory(sub, true, ops, arg, depth);
    }
    return directory(path, false, ops, arg, depth);
}

/* standard_input - the message (or mbox) on stdin, read whole */
static int standard_input(const struct mailpath_ops *ops, void *arg)
{
    char *data = NULL;
    size_t len = 0, cap = 0;
    int status;

    for (;;) {
        ssize_t n;

        if (len == cap) {
            char *bigger = cap < MAILPATH_STDIN_MAX ? realloc(data, cap ? 2 * cap : 65536) : NULL;

            if (bigger == NULL) {
                ops->problem(arg, "-", cap < MAILPATH_STDIN_MAX ? "out of memory"
                                                                 : "message too large");
                free(data);
                return 0;
            }
            data = bigger;
            cap = cap ? 2 * cap : 65536;
        }
        n = read(STDIN_FILENO, data + len, cap - len);
        if (n == 0)
            break;
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            ops->problem(arg, "-", strerror(errno));
            free(data);
            return 0;
        }
        len += (size_t)n;
    }
    if (len == 0) {
        ops->problem(arg, "-", "empty input");
        status = 0;
    } else if (len >= 5 && memcmp(data, "From ", 5) == 0) {
        status = split_mbox("-", data, len, ops, arg);
    } else {
        status = ops->message(arg, "-", data, len);
    }
    free(data);
    return status;
}

/* mailpath_walk - 0 when the walk ended, -1 when ops->message stopped it */
int mailpath_walk(const char *path, const struct mailpath_ops *ops, void *arg)
{
    if (strcmp(path, "-") == 0)
        return standard_input(ops, arg);
    return walk(path, ops, arg, 0);
}
