/*
 * NAME
 *	vigie-policyd - the vigie SMTP access policy service for Postfix
 * SYNOPSIS
 *	vigie-policyd [-n] [-c vigie.conf] [-r vigie.rules]
 *	vigie-policyd -V | -h
 * DESCRIPTION
 *	One fixed start-up order, each step fatal on error (lib/daemon.h):
 *	options -> snapshot (config, rules, login map, DNS data, rate-limit
 *	engine) -> logging -> run-as identity -> bind policy_socket (mode
 *	socket_mode, owner the run-as user, group policy_socket_group) ->
 *	pid file -> drop privileges -> signal handlers -> serving threads
 *	(server.c). The daemon stays in the foreground (systemd
 *	Type=simple).
 *
 *	The main thread then waits for signals: SIGHUP builds a new
 *	snapshot and publishes it (on error the old one stays in force and
 *	the error is logged); the serving threads take it at their next
 *	wake-up. SIGTERM and SIGINT close every connection, remove the
 *	unix socket and end the process.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "daemon.h"
#include "log.h"
#include "policy.h"
#include "rules_limits.h"

/* warn_settings - settings that do not do what one may think */
static void warn_settings(const struct snapshot *s)
{
    const struct vigie_config *config = s->config;

    daemon_warn_login_map(s);
    if (config->ratelimit_counter == RATELIMIT_COUNTER_MILTER && rules_limit_count(s->rules) > 0)
        msg_info("ratelimit_counter = milter: vigie-milter counts the rate limits;"
                 " vigie-policyd only refuses locked accounts");
    if (config->policy_spf && config->spf_enable)
        msg_info("policy_spf and spf_enable are both on: SPF is checked twice when"
                 " vigie-milter runs too");
}

/* number_changed - daemon_warn_if_changed for a number */
static void number_changed(const char *key, unsigned running, unsigned loaded)
{
    char text[2][16];

    snprintf(text[0], sizeof(text[0]), "%u", running);
    snprintf(text[1], sizeof(text[1]), "%u", loaded);
    daemon_warn_if_changed(key, text[0], text[1]);
}

/* reload - build and publish a new snapshot; running: the start-up configuration */
static void reload(const struct daemon_options *opts, const struct vigie_config *running)
{
    struct snapshot *s;

    if ((s = daemon_reload(opts, running)) == NULL)
        return;
    daemon_warn_if_changed("policy_socket", running->policy_socket, s->config->policy_socket);
    daemon_warn_if_changed("policy_socket_group", running->policy_socket_group,
                           s->config->policy_socket_group);
    number_changed("policy_threads", running->policy_threads, s->config->policy_threads);
    number_changed("policy_max_connections", running->policy_max_connections,
                   s->config->policy_max_connections);
    warn_settings(s);
    msg_info("reloaded %s: %zu rules, %zu limits", s->config->path, rules_count(s->rules),
             rules_limit_count(s->rules));
    snapshot_publish(s);
}

int main(int argc, char **argv)
{
    struct daemon_options opts;
    struct daemon_identity who;
    struct policy_server *server;
    struct vigie_error err;
    struct snapshot *boot;

    daemon_options(POLICYD_NAME, argc, argv, &opts);
    if ((boot = snapshot_build(opts.config_path, opts.rules_override, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        if (!opts.check_only && log_setup(POLICYD_NAME, LOG_MAIL, LOG_LEVEL_ERROR, NULL) == 0)
            msg_error("not starting: %s", err.msg);
        return 1;
    }
    if (opts.check_only) {
        daemon_warn_login_map(boot);
        printf("%s: configuration OK: %zu rules, %zu limits\n", boot->config->path,
               rules_count(boot->rules), rules_limit_count(boot->rules));
        snapshot_release(boot);
        return 0;
    }
    daemon_logging(POLICYD_NAME, boot->config);
    spf_setup();
    warn_settings(boot);
    if (daemon_identity(boot->config, &who, &err) < 0
        || (server = policy_server_open(boot->config, who.uid, who.gid, who.change,
                                        &err)) == NULL)
        daemon_fatal("%s", err.msg);
    if (daemon_pid_file(boot->config->pid_file, &err) < 0
        || daemon_become(boot->config->user, &who, &err) < 0 || daemon_signals(&err) < 0)
        daemon_fatal("%s", err.msg);
    /* boot stays referenced: it is the running configuration reloads compare with. */
    snapshot_publish(boot);
    boot = snapshot_acquire();
    if (policy_server_start(server, boot->config, &err) < 0)
        daemon_fatal("%s", err.msg);
    msg_info("starting %s %s on %s: %zu rules, %zu limits, %u threads", POLICYD_NAME,
             VIGIE_VERSION, boot->config->policy_socket, rules_count(boot->rules),
             rules_limit_count(boot->rules), boot->config->policy_threads);
    (void)daemon_wait_signals(reload, &opts, boot->config);
    policy_server_stop(server);
    msg_info("stopped");
    snapshot_publish(NULL);
    snapshot_release(boot);
    return 0;
}
