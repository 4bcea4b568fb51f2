/*
 * NAME
 *	commands - the subcommands of vigiectl
 * SYNOPSIS
 *	#include "commands.h"
 * DESCRIPTION
 *	Each subcommand lives in its own file ctl/cmd_<name>.c and has
 *	the signature of main() for its own arguments (argv[0] is the
 *	subcommand name). It returns the process exit status: 0 success,
 *	1 failure of what was asked, 2 usage error.
 */
#ifndef VIGIE_CTL_COMMANDS_H
#define VIGIE_CTL_COMMANDS_H

struct command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *usage;          /* one line: arguments and purpose */
};

int cmd_alerts(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_dkim_keygen(int argc, char **argv);
int cmd_learn(int argc, char **argv);
int cmd_lock(int argc, char **argv);
int cmd_postfix_setup(int argc, char **argv);
int cmd_reset(int argc, char **argv);
int cmd_top(int argc, char **argv);
int cmd_unlock(int argc, char **argv);
int cmd_usage(int argc, char **argv);

#endif
