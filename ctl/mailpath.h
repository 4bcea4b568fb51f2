/*
 * NAME
 *	mailpath - the messages under a path: file, mbox, Maildir, directory
 * SYNOPSIS
 *	#include "mailpath.h"
 * DESCRIPTION
 *	mailpath_walk calls ops->message once per message found under a
 *	path given on vigiectl's command line:
 *	- a file that starts with "From " is an mbox: it is cut at every
 *	  line that starts with "From " (one message if there is one);
 *	  any other file is one message;
 *	- a Maildir folder (a directory with cur/ and new/) gives the
 *	  files of cur/ and new/, not its subfolders;
 *	- another directory gives its files and, recursively, its
 *	  subdirectories (at most MAILPATH_DEPTH deep), in name order;
 *	  names starting with '.' are skipped;
 *	- "-" is the standard input, read whole (at most
 *	  MAILPATH_STDIN_MAX bytes), a message or an mbox: what a Dovecot
 *	  sieve pipe or a procmail rule hands over.
 *
 *	A message in a file is handed over as a read-only memory mapping
 *	of the file, not copied. Its label is the file's path, with ":N" (the
 *	1-based position) for the messages of an mbox holding several.
 *	What cannot be read is reported to ops->problem and skipped.
 */
#ifndef VIGIE_CTL_MAILPATH_H
#define VIGIE_CTL_MAILPATH_H

#include <stddef.h>

#define MAILPATH_DEPTH 16
#define MAILPATH_STDIN_MAX (64UL * 1024 * 1024)

struct mailpath_ops {
    /* message - one message; 0 to go on, -1 to stop the walk */
    int (*message)(void *arg, const char *label, const char *data, size_t len);
    /* problem - path could not be read, because of what; the walk goes on */
    void (*problem)(void *arg, const char *path, const char *what);
};

/* mailpath_walk - 0 when the walk ended, -1 when ops->message stopped it */
int mailpath_walk(const char *path, const struct mailpath_ops *ops, void *arg);

#endif
