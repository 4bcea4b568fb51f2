/*
 * NAME
 *	postconf - local domains and trusted networks as Postfix sees them
 * SYNOPSIS
 *	#include "postconf.h"
 * DESCRIPTION
 *	postconf_import() runs Postfix's postconf(1) as
 *
 *	    postconf -hx mydestination virtual_mailbox_domains relay_domains mynetworks
 *
 *	(execve, no shell) and turns its output into a domain set and a
 *	network list. The binary is $VIGIE_POSTCONF when that is set (for
 *	tests), else /usr/sbin/postconf, else the first "postconf" on $PATH.
 *
 *	In the values, plain names and networks are taken as they are,
 *	"/path/name" entries are read (names or networks separated by
 *	white space or commas, '#' comments) when readable, and table
 *	references ("hash:/etc/postfix/x") are skipped with a warning:
 *	their contents cannot be listed, so vigie.conf must then name
 *	those domains or networks itself. A negated entry ("!x") is an
 *	error, because leaving it out would widen the set.
 */
#ifndef VIGIE_POSTCONF_H
#define VIGIE_POSTCONF_H

#include "compiler.h"
#include "domains.h"
#include "error.h"
#include "netaddr.h"

/* Environment variable naming the postconf binary (tests). */
#define POSTCONF_ENV "VIGIE_POSTCONF"

/*
 * postconf_import - add Postfix's local domains and mynetworks
 *	domains receives mydestination, virtual_mailbox_domains and
 *	relay_domains; networks receives mynetworks. Either may be NULL
 *	to leave that part out.
 *	Returns 1 when postconf ran and its output was used; 0 when no
 *	postconf binary exists (nothing added); -1 with err set when
 *	postconf failed or its output is unusable. After -1 some entries
 *	may have been added: the caller still owns and frees both sets.
 */
int postconf_import(struct domainset *domains, struct netlist *networks,
                    struct vigie_error *err) WARN_UNUSED;

#endif
