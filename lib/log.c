/*
 * NAME
 *	log - graded logging to syslog, a file or stderr
 * DESCRIPTION
 *	See log.h. The target is process-wide; writes to a file or stderr
 *	are one write(2) per line so that lines from concurrent threads
 *	never interleave.
 */
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static enum log_level log_threshold = LOG_LEVEL_INFO;
static int log_fd = STDERR_FILENO;     /* -1: syslog */
static char log_ident[64] = "vigie";

static const struct {
    const char *name;
    int facility;
} facility_names[] = {
    {"mail", LOG_MAIL},     {"daemon", LOG_DAEMON}, {"user", LOG_USER},
    {"local0", LOG_LOCAL0}, {"local1", LOG_LOCAL1}, {"local2", LOG_LOCAL2},
    {"local3", LOG_LOCAL3}, {"local4", LOG_LOCAL4}, {"local5", LOG_LOCAL5},
    {"local6", LOG_LOCAL6}, {"local7", LOG_LOCAL7},
};

static const char *const level_names[] = {"error", "warn", "info", "debug"};

int log_level_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(level_names) / sizeof(level_names[0]); i++)
        if (strcasecmp(name, level_names[i]) == 0)
            return (int)i;
    if (strcasecmp(name, "warning") == 0)
        return LOG_LEVEL_WARN;
    return -1;
}

int log_facility_parse(const char *name)
{
    for (size_t i = 0; i < sizeof(facility_names) / sizeof(facility_names[0]); i++)
        if (strcasecmp(name, facility_names[i].name) == 0)
            return facility_names[i].facility;
    return -1;
}

int log_setup(const char *ident, int facility, enum log_level level,
              const char *target)
{
    int status = 0;
    int new_fd;

    pthread_mutex_lock(&log_lock);
    snprintf(log_ident, sizeof(log_ident), "%s", ident);
    log_threshold = level;
    if (log_fd > STDERR_FILENO)
        close(log_fd);
    if (target == NULL || *target == '\0') {
        openlog(log_ident, LOG_PID | LOG_NDELAY, facility);
        new_fd = -1;
    } else if (strcmp(target, "-") == 0) {
        new_fd = STDERR_FILENO;
    } else {
        new_fd = open(target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
        if (new_fd < 0) {
            new_fd = STDERR_FILENO;
            status = -1;
        }
    }
    log_fd = new_fd;
    pthread_mutex_unlock(&log_lock);
    return status;
}

void log_set_level(enum log_level level)
{
    pthread_mutex_lock(&log_lock);
    log_threshold = level;
    pthread_mutex_unlock(&log_lock);
}

/* log_emit - format one line and send it to the current target */
static void log_emit(enum log_level level, int priority, const char *tag,
                     const char *fmt, va_list ap)
{
    char text[2048];
    char line[2300];
    struct tm tm;
    time_t now;
    int n;

    pthread_mutex_lock(&log_lock);
    if (level > log_threshold) {
        pthread_mutex_unlock(&log_lock);
        return;
    }
    vsnprintf(text, sizeof(text), fmt, ap);
    if (log_fd < 0) {
        syslog(priority, "%s%s", tag, text);
    } else {
        now = time(NULL);
        localtime_r(&now, &tm);
        n = snprintf(line, sizeof(line), "%04d-%02d-%02dT%02d:%02d:%02d %s[%ld]: %s%s\n",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, log_ident, (long)getpid(), tag, text);
        if (n > (int)sizeof(line) - 1)
            n = (int)sizeof(line) - 1;
        if (write(log_fd, line, (size_t)n) < 0) {
            /* Nowhere left to report a logging failure. */
        }
    }
    pthread_mutex_unlock(&log_lock);
}

#define LOG_FUNCTION(name, level, priority, tag)     \
    void name(const char *fmt, ...)                  \
    {                                                \
        va_list ap;                                  \
        va_start(ap, fmt);                           \
        log_emit(level, priority, tag, fmt, ap);     \
        va_end(ap);                                  \
    }

LOG_FUNCTION(msg_debug, LOG_LEVEL_DEBUG, LOG_DEBUG, "debug: ")
LOG_FUNCTION(msg_info, LOG_LEVEL_INFO, LOG_INFO, "")
LOG_FUNCTION(msg_warn, LOG_LEVEL_WARN, LOG_WARNING, "warning: ")
LOG_FUNCTION(msg_error, LOG_LEVEL_ERROR, LOG_ERR, "error: ")

void msg_fatal(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit(LOG_LEVEL_ERROR, LOG_CRIT, "fatal: ", fmt, ap);
    va_end(ap);
    exit(1);
}

void msg_panic(const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    log_emit(LOG_LEVEL_ERROR, LOG_CRIT, "panic: ", fmt, ap);
    va_end(ap);
    abort();
}
