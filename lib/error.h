/*
 * NAME
 *	error - a caller-owned buffer that carries one error message
 * SYNOPSIS
 *	#include "error.h"
 * DESCRIPTION
 *	Library functions return a status and, on failure, write one
 *	human-readable message into a struct vigie_error supplied by the
 *	caller. The caller decides whether and how to log it (once).
 *	Messages about files are written "file:line: text" or
 *	"file:line:col: text" so that editors can jump to them.
 */
#ifndef VIGIE_ERROR_H
#define VIGIE_ERROR_H

#include "compiler.h"

struct vigie_error {
    char msg[1024];
};

/* error_set - format a message into err (NULL err is allowed: ignored) */
void error_set(struct vigie_error *err, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* error_at - "file:line: message"; line 0 omits the line part */
void error_at(struct vigie_error *err, const char *file, unsigned line,
              const char *fmt, ...) PRINTF_LIKE(4, 5);

/* error_at_col - "file:line:col: message" */
void error_at_col(struct vigie_error *err, const char *file, unsigned line,
                  unsigned col, const char *fmt, ...) PRINTF_LIKE(5, 6);

#endif
