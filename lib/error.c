/*
 * NAME
 *	error - a caller-owned buffer that carries one error message
 * DESCRIPTION
 *	See error.h. Messages are truncated to the buffer size, never
 *	overflowed.
 */
#include <stdarg.h>
#include <stdio.h>

#include "error.h"

/* error_vformat - prefix, then the caller's message */
static void error_vformat(struct vigie_error *err, const char *prefix,
                          const char *fmt, va_list ap)
{
    int n = snprintf(err->msg, sizeof(err->msg), "%s", prefix);

    if (n < 0 || (size_t)n >= sizeof(err->msg))
        return;
    vsnprintf(err->msg + n, sizeof(err->msg) - (size_t)n, fmt, ap);
}

void error_set(struct vigie_error *err, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL)
        return;
    va_start(ap, fmt);
    error_vformat(err, "", fmt, ap);
    va_end(ap);
}

void error_at(struct vigie_error *err, const char *file, unsigned line,
              const char *fmt, ...)
{
    char prefix[512];
    va_list ap;

    if (err == NULL)
        return;
    if (line > 0)
        snprintf(prefix, sizeof(prefix), "%s:%u: ", file, line);
    else
        snprintf(prefix, sizeof(prefix), "%s: ", file);
    va_start(ap, fmt);
    error_vformat(err, prefix, fmt, ap);
    va_end(ap);
}

void error_at_col(struct vigie_error *err, const char *file, unsigned line,
                  unsigned col, const char *fmt, ...)
{
    char prefix[512];
    va_list ap;

    if (err == NULL)
        return;
    snprintf(prefix, sizeof(prefix), "%s:%u:%u: ", file, line, col);
    va_start(ap, fmt);
    error_vformat(err, prefix, fmt, ap);
    va_end(ap);
}
