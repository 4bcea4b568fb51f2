/*
 * NAME
 *	cmd_postfix_setup - vigiectl postfix-setup: the main.cf lines
 * SYNOPSIS
 *	vigiectl postfix-setup [-c vigie.conf]
 * DESCRIPTION
 *	Prints the main.cf line that plugs vigie-milter into Postfix, for
 *	the milter_socket of the configuration, then the two that call
 *	vigie-policyd (policy_socket) at RCPT and at end of data, each
 *	followed by comment lines. A socket is written the Postfix way: a
 *	unix socket below
 *	Postfix's queue directory becomes relative to it ("unix:vigie/milter.sock",
 *	which a chrooted smtpd and an unchrooted one both resolve), another
 *	"unix:/path" stays, libmilter's "inet:port@host" becomes
 *	"inet:host:port" (an IPv6 host in brackets).
 *
 *	default_action=accept (milter) and DUNNO (policy service) are
 *	chosen so that mail keeps flowing when a daemon is down (Postfix's
 *	own defaults are tempfail and 451 4.3.5).
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "config.h"

/*
 * postfix_address - milter_socket in Postfix's spelling
 *	Returns 0, or -1 when socket is neither "unix:" nor "inet:port@host"
 *	(config_load accepts nothing else).
 */
static int postfix_address(const char *socket, char *buf, size_t len)
{
    const char *at;

    static const char queue_dir[] = "/var/spool/postfix/";

    if (strncmp(socket, "unix:", 5) == 0
        && strncmp(socket + 5, queue_dir, sizeof(queue_dir) - 1) == 0) {
        snprintf(buf, len, "unix:%s", socket + 5 + sizeof(queue_dir) - 1);
        return 0;
    }
    if (strncmp(socket, "unix:", 5) == 0) {
        snprintf(buf, len, "%s", socket);
        return 0;
    }
    if (strncmp(socket, "inet:", 5) != 0 || (at = strchr(socket, '@')) == NULL)
        return -1;
    snprintf(buf, len, strchr(at + 1, ':') ? "inet:[%s]:%.*s" : "inet:%s:%.*s", at + 1,
             (int)(at - socket - 5), socket + 5);
    return 0;
}

/* chroot_note - a comment when a chrooted smtpd cannot reach address */
static void chroot_note(const char *address)
{
    if (strncmp(address, "unix:/", 6) == 0)
        printf("# A chrooted smtpd (Debian's default, master.cf) cannot reach %s:"
               " put the socket below /var/spool/postfix (the default).\n", address);
}

/* postfix_setup_usage - the synopsis on stderr; the usage-error status */
static int postfix_setup_usage(void)
{
    fprintf(stderr, "usage: vigiectl postfix-setup [-c vigie.conf]\n");
    return 2;
}

/* cmd_postfix_setup - vigiectl postfix-setup */
int cmd_postfix_setup(int argc, char **argv)
{
    const char *config_path = VIGIE_DEFAULT_CONFIG;
    struct vigie_config *config;
    struct vigie_error err;
    char address[512];
    char policy[512];
    int c;

    optind = 1;
    while ((c = getopt(argc, argv, "c:")) != -1) {
        if (c != 'c')
            return postfix_setup_usage();
        config_path = optarg;
    }
    if (optind != argc)
        return postfix_setup_usage();
    if ((config = config_load(config_path, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (postfix_address(config->milter_socket, address, sizeof(address)) < 0
        || postfix_address(config->policy_socket, policy, sizeof(policy)) < 0) {
        fprintf(stderr, "%s: milter_socket %s or policy_socket %s: not a socket Postfix"
                " can reach\n", config->path, config->milter_socket, config->policy_socket);
        config_free(config);
        return 1;
    }
    printf("smtpd_milters = { %s, default_action=accept }\n", address);
    printf("# default_action=accept lets mail flow while vigie-milter is down (milter_default_action,"
           " default tempfail, applies to milters listed without it); add the same to"
           " non_smtpd_milters to filter sendmail(1) mail only if 127.0.0.1 is in"
           " trusted_networks, or the relay guard refuses local mail to other domains.\n");
    chroot_note(address);
    printf("smtpd_recipient_restrictions = check_policy_service { %s, default_action=DUNNO }\n",
           policy);
    printf("smtpd_end_of_data_restrictions = check_policy_service { %s, default_action=DUNNO }\n",
           policy);
    printf("# vigie-policyd (optional) acts at RCPT, before the data is sent. Keep relay control"
           " in smtpd_relay_restrictions (permit_mynetworks, permit_sasl_authenticated,"
           " reject_unauth_destination) and put no permit_sasl_authenticated before"
           " check_policy_service, or authenticated mail never reaches it; add it to your own"
           " smtpd_recipient_restrictions if you have some. With vigie-policyd, set"
           " ratelimit_counter = policyd in vigie.conf.\n");
    chroot_note(policy);
    config_free(config);
    return 0;
}
