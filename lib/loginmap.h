/*
 * NAME
 *	loginmap - which SASL logins may use which envelope senders
 * SYNOPSIS
 *	#include "loginmap.h"
 * DESCRIPTION
 *	The file has the format of Postfix's smtpd_sender_login_maps in a
 *	plain table: one entry a line, "address  login[, login...]" or
 *	"@domain  login[, login...]"; '#' comments and blank lines are
 *	ignored; keys match without regard to case. A sender is looked up
 *	by its full address first, then by "@domain".
 */
#ifndef VIGIE_LOGINMAP_H
#define VIGIE_LOGINMAP_H

#include <stdbool.h>

#include "compiler.h"
#include "error.h"

struct loginmap;

/* loginmap_load - read a map file; NULL with err "file:line: ..." on failure */
struct loginmap *loginmap_load(const char *path, struct vigie_error *err) WARN_UNUSED;

/*
 * loginmap_allows - may login send as sender?
 *	The null sender ("") is always allowed. A sender with no entry is
 *	refused (as Postfix's reject_authenticated_sender_login_mismatch).
 */
bool loginmap_allows(const struct loginmap *map, const char *sender, const char *login);

/* loginmap_free - NULL is allowed */
void loginmap_free(struct loginmap *map);

#endif
