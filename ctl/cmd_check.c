/*
 * NAME
 *	cmd_check - vigiectl check: validate the configuration and rules
 * SYNOPSIS
 *	vigiectl check [-c vigie.conf] [--rules FILE]
 * DESCRIPTION
 *	Loads everything vigie-milter loads at start-up (configuration,
 *	rules, sender login map) exactly as the daemon does, prints
 *	"ok: N rules" and exits 0, or prints the first error
 *	("file:line: what is wrong") on stderr and exits 1.
 *
 *	--rules FILE alone checks just that rules file; with -c it
 *	replaces the configured rules_file, as vigie-milter -r does.
 */
#include <getopt.h>
#include <stdio.h>

#include "commands.h"
#include "snapshot.h"

/* check_usage - the synopsis on stderr; the usage-error status */
static int check_usage(void)
{
    fprintf(stderr, "usage: vigiectl check [-c vigie.conf] [--rules FILE]\n");
    return 2;
}

/* check_rules_only - load one rules file */
static int check_rules_only(const char *path)
{
    struct vigie_error err;
    struct ruleset *rules;

    if ((rules = rules_load(path, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    printf("ok: %zu rules\n", rules_count(rules));
    rules_free(rules);
    return 0;
}

/* check_all - load the configuration and what it names, like the daemon */
static int check_all(const char *config_path, const char *rules_path)
{
    struct vigie_error err;
    struct snapshot *s;

    if ((s = snapshot_build(config_path, rules_path, &err)) == NULL) {
        fprintf(stderr, "%s\n", err.msg);
        return 1;
    }
    if (rules_get_settings(s->rules)->sender_login_check && s->logins == NULL)
        fprintf(stderr, "warning: sender_login_check is on but sender_login_maps is not"
                        " set in %s: the check is not enforced\n", s->config->path);
    printf("ok: %zu rules\n", rules_count(s->rules));
    snapshot_release(s);
    return 0;
}

/* cmd_check - vigiectl check */
int cmd_check(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"rules", required_argument, NULL, 'r'},
        {NULL, 0, NULL, 0},
    };
    const char *config_path = NULL;
    const char *rules_path = NULL;
    int c;

    optind = 1;
    while ((c = getopt_long(argc, argv, "c:", longopts, NULL)) != -1) {
        switch (c) {
        case 'c':
            config_path = optarg;
            break;
        case 'r':
            rules_path = optarg;
            break;
        default:
            return check_usage();
        }
    }
    if (optind != argc)
        return check_usage();
    if (rules_path != NULL && config_path == NULL)
        return check_rules_only(rules_path);
    return check_all(config_path ? config_path : VIGIE_DEFAULT_CONFIG, rules_path);
}
