/*
 * NAME
 *	vigiectl - the administrator's command
 * SYNOPSIS
 *	vigiectl command [arguments]
 * DESCRIPTION
 *	Dispatches to one subcommand (commands.h). "vigiectl help" and a
 *	missing or unknown command print the list of commands.
 */
#include <stdio.h>
#include <string.h>

#include "commands.h"

static const struct command commands[] = {
    {"check", cmd_check, "check [-c vigie.conf] [--rules FILE]   validate config and rules"},
    {"learn", cmd_learn,
     "learn [-c vigie.conf] [--forget | --on-error] [--user SCOPE] [-q] spam|ham PATH...   teach Bayes"},
    {"classify", cmd_classify, "classify [-c vigie.conf] [--user SCOPE] PATH...   Bayes verdict of messages"},
    {"dkim-keygen", cmd_dkim_keygen, "dkim-keygen DOMAIN SELECTOR [-d DIR] [-b BITS]   make a DKIM key"},
    {"postfix-setup", cmd_postfix_setup, "postfix-setup [-c vigie.conf]   print the main.cf lines"},
    {"alerts", cmd_alerts, "alerts [-c vigie.conf] [-n COUNT] [-f]   recent alerts; -f follows them"},
    {"usage", cmd_usage, "usage [-c vigie.conf] KEY   a user's (or key's) counts against its limits"},
    {"top", cmd_top, "top [-c vigie.conf] [-n COUNT]   the keys closest to their limits"},
    {"lock", cmd_lock, "lock [-c vigie.conf] [-t DURATION] [-r REASON] [USER]   lock out a SASL user (list locks)"},
    {"unlock", cmd_unlock, "unlock [-c vigie.conf] USER   lift the lock and reset the user's counters"},
    {"reset", cmd_reset, "reset [-c vigie.conf] [-l LIMIT] KEY   forget a key's counters"},
};

/* usage - the list of commands, on out */
static void usage(FILE *out)
{
    fprintf(out, "usage: vigiectl command [arguments]\ncommands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %s\n", commands[i].usage);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    if (strcmp(argv[1], "help") == 0 || strcmp(argv[1], "--help") == 0
        || strcmp(argv[1], "-h") == 0) {
        usage(stdout);
        return 0;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].run(argc - 1, argv + 1);
    fprintf(stderr, "vigiectl: unknown command \"%s\"\n", argv[1]);
    usage(stderr);
    return 2;
}
