/*
 * NAME
 *	sockdir - the directory that holds a daemon's unix socket
 * SYNOPSIS
 *	#include "sockdir.h"
 * DESCRIPTION
 *	Debian's Postfix runs smtpd chrooted in /var/spool/postfix, so
 *	vigie's sockets live in a directory of their own below it
 *	(/var/spool/postfix/vigie). The daemons create that directory at
 *	start-up, before they drop privileges, when it does not exist yet.
 */
#ifndef VIGIE_SOCKDIR_H
#define VIGIE_SOCKDIR_H

#include <stdbool.h>
#include <sys/types.h>

#include "compiler.h"
#include "error.h"

/*
 * sockdir_prepare - make sure the parent directory of socket_path exists
 *	A missing directory is created with mode 0750 and, when chown_to is
 *	true, given to uid:gid (the run-as user and the group that Postfix
 *	shares with it). An existing directory is left as it is. Returns
 *	0, or -1 with err set.
 */
int sockdir_prepare(const char *socket_path, bool chown_to, uid_t uid, gid_t gid,
                    struct vigie_error *err) WARN_UNUSED;

#endif
