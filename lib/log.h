/*
 * NAME
 *	log - graded logging to syslog, a file or stderr
 * SYNOPSIS
 *	#include "log.h"
 * DESCRIPTION
 *	One process-wide logger, set up once at start-up by log_setup()
 *	and safe to call from any thread afterwards. Grades follow
 *	Postfix: msg_info for what happened, msg_warn for a problem that
 *	vigie works around, msg_error for a failed operation, msg_fatal
 *	for an environment problem that stops the program (exit 1) and
 *	msg_panic for a bug (abort).
 *
 *	Per-message lines start with the Postfix queue id; that is the
 *	caller's job (the logger adds nothing to the text but, for file
 *	and stderr targets, a timestamp and the program name).
 */
#ifndef VIGIE_LOG_H
#define VIGIE_LOG_H

#include <stdbool.h>

#include "compiler.h"

enum log_level {
    LOG_LEVEL_ERROR,
    LOG_LEVEL_WARN,
    LOG_LEVEL_INFO,
    LOG_LEVEL_DEBUG,
};

/*
 * log_setup - choose where messages go
 *	ident: program name. facility: a syslog LOG_* facility.
 *	target: NULL or "" for syslog, "-" for stderr, else a file path
 *	opened for append. Returns 0, or -1 when the file cannot be opened
 *	(logging then stays on stderr). May be called again (reload).
 */
int log_setup(const char *ident, int facility, enum log_level level,
              const char *target) WARN_UNUSED;

/* log_set_level - change the threshold (reload) */
void log_set_level(enum log_level level);

/* log_level_parse - "error"|"warn"|"info"|"debug"; -1 when unknown */
int log_level_parse(const char *name);

/* log_facility_parse - "mail", "daemon", "local0".."local7"...; -1 when unknown */
int log_facility_parse(const char *name);

void msg_debug(const char *fmt, ...) PRINTF_LIKE(1, 2);
void msg_info(const char *fmt, ...) PRINTF_LIKE(1, 2);
void msg_warn(const char *fmt, ...) PRINTF_LIKE(1, 2);
void msg_error(const char *fmt, ...) PRINTF_LIKE(1, 2);
void msg_fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;
void msg_panic(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

#endif
