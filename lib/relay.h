/*
 * NAME
 *	relay - the open-relay guard and the sender-login check
 * SYNOPSIS
 *	#include "relay.h"
 * DESCRIPTION
 *	Decisions only: the adapters turn a refusal into a protocol reply
 *	using the text written into reason.
 */
#ifndef VIGIE_RELAY_H
#define VIGIE_RELAY_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "facts.h"
#include "loginmap.h"
#include "rules.h"

/* relay_client_trusted - is addr inside the configured trusted networks? */
bool relay_client_trusted(const struct vigie_config *config, const struct netaddr *addr);

/*
 * relay_recipient_allowed - the open-relay guard
 *	Allowed when the guard is off, the client is authenticated or
 *	trusted, or the recipient's domain is a local domain. Otherwise
 *	false, with a reply text (without code) in reason.
 */
bool relay_recipient_allowed(const struct vigie_config *config,
                             const struct rules_settings *settings,
                             const struct message_facts *facts,
                             const char *recipient, char *reason, size_t reason_len);

/*
 * relay_sender_allowed - the sender-login check
 *	Allowed when the check is off, no map is loaded, the client is not
 *	authenticated, or the map lets sasl_user use sender. Otherwise
 *	false with a reply text in reason.
 */
bool relay_sender_allowed(const struct loginmap *logins,
                          const struct rules_settings *settings,
                          const struct message_facts *facts,
                          char *reason, size_t reason_len);

#endif
