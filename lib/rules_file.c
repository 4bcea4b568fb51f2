/*
 * NAME
 *	rules_file - read a rules file or a list file, bounded
 * SYNOPSIS
 *	#include "rules_internal.h"
 *
 *	enum rules_file_status rules_file_read(const char *path, char **text,
 *					       size_t *len, int *errnum);
 *	void rules_file_describe(enum rules_file_status status, int errnum,
 *				 const char *what, const char *path,
 *				 char *buf, size_t size);
 * DESCRIPTION
 *	Only regular files are read (a FIFO or a device named by mistake
 *	would block or never end), and at most RULES_MAX_FILE bytes.
 *	The file is opened non-blocking so that naming a FIFO cannot hang.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_internal.h"

/* read_all - read fd until EOF into buf[0..cap); bytes read, or -1 */
static ssize_t read_all(int fd, char *buf, size_t cap)
{
    size_t got = 0;

    while (got < cap) {
        ssize_t n = read(fd, buf + got, cap - got);

        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -1;
        if (n == 0)
            break;
        got += (size_t)n;
    }
    return (ssize_t)got;
}

/* rules_file_read - whole regular file into memory, at most RULES_MAX_FILE */
enum rules_file_status rules_file_read(const char *path, char **text, size_t *len,
                                       int *errnum)
{
    struct stat st;
    char *buf;
    ssize_t n;
    int fd;

    *errnum = 0;
    fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        *errnum = errno;
        return RULES_FILE_OPEN;
    }
    if (fstat(fd, &st) < 0) {
        *errnum = errno;
        close(fd);
        return RULES_FILE_READ;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        return RULES_FILE_NOT_REGULAR;
    }
    if (st.st_size > (off_t)RULES_MAX_FILE) {
        close(fd);
        return RULES_FILE_TOO_LARGE;
    }
    /* A file that grows meanwhile is read up to the size seen by fstat. */
    buf = malloc((size_t)st.st_size + 1);
    if (buf == NULL) {
        close(fd);
        return RULES_FILE_NOMEM;
    }
    n = read_all(fd, buf, (size_t)st.st_size);
    if (n < 0) {
        *errnum = errno;
        free(buf);
        close(fd);
        return RULES_FILE_READ;
    }
    close(fd);
    buf[n] = '\0';
    *text = buf;
    *len = (size_t)n;
    return RULES_FILE_OK;
}

/* rules_file_describe - "cannot open <what> \"path\": reason" into buf */
void rules_file_describe(enum rules_file_status status, int errnum, const char *what,
                         const char *path, char *buf, size_t size)
{
    switch (status) {
    case RULES_FILE_OK:         /* nothing to say */
        if (size > 0)
            buf[0] = '\0';
        break;
    case RULES_FILE_OPEN:
        snprintf(buf, size, "cannot open %s \"%s\": %s", what, path, strerror(errnum));
        break;
    case RULES_FILE_READ:
        snprintf(buf, size, "cannot read %s \"%s\": %s", what, path, strerror(errnum));
        break;
    case RULES_FILE_NOT_REGULAR:
        snprintf(buf, size, "%s \"%s\" is not a regular file", what, path);
        break;
    case RULES_FILE_TOO_LARGE:
        snprintf(buf, size, "%s \"%s\" is too large (limit %u MiB)", what, path,
                 RULES_MAX_FILE / (1024 * 1024));
        break;
    case RULES_FILE_NOMEM:
        snprintf(buf, size, "cannot read %s \"%s\": out of memory", what, path);
        break;
    }
}
