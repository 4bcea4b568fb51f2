/*
 * NAME
 *	relay - the open-relay guard and the sender-login check
 * SYNOPSIS
 *	#include "relay.h"
 * DESCRIPTION
 *	See relay.h. These are the same decisions Postfix makes with
 *	permit_mynetworks, permit_sasl_authenticated,
 *	reject_unauth_destination and
 *	reject_authenticated_sender_login_mismatch, taken a second time
 *	behind Postfix so that a slip in main.cf does not make an open
 *	relay.
 *
 *	A recipient without a domain ("postmaster") counts as local, as
 *	RFC 5321 requires it to be accepted and Postfix qualifies it with
 *	a local domain.
 */
#include <stdio.h>

#include "domains.h"
#include "relay.h"

/* relay_client_trusted - is addr inside the configured trusted networks? */
bool relay_client_trusted(const struct vigie_config *config, const struct netaddr *addr)
{
    return netlist_contains(&config->trusted_networks, addr);
}

/* relay_recipient_allowed - the open-relay guard */
bool relay_recipient_allowed(const struct vigie_config *config,
                             const struct rules_settings *settings,
                             const struct message_facts *facts,
                             const char *recipient, char *reason, size_t reason_len)
{
    const char *domain;

    if (!settings->relay_guard || facts->authenticated || facts->trusted)
        return true;
    domain = address_domain(recipient);
    if (*domain == '\0' || domainset_contains(&config->local_domains, domain))
        return true;
    snprintf(reason, reason_len,
             "<%s>: Relay access denied: vigie accepts mail for other domains"
             " only from authenticated users or trusted networks", recipient);
    return false;
}

/* relay_sender_allowed - the sender-login check */
bool relay_sender_allowed(const struct loginmap *logins,
                          const struct rules_settings *settings,
                          const struct message_facts *facts,
                          char *reason, size_t reason_len)
{
    if (!settings->sender_login_check || logins == NULL || !facts->authenticated)
        return true;
    if (loginmap_allows(logins, facts->sender, facts->sasl_user))
        return true;
    snprintf(reason, reason_len, "<%s>: Sender address rejected: not owned by user %s",
             facts->sender, facts->sasl_user);
    return false;
}
