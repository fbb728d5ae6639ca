/* cmds.h — logwire's subcommands. Each takes the arguments from the command's name on
 * (argv[0] is "stats" for `logwire stats ...`) and returns the process's exit status. */
#ifndef LW_CMDS_H
#define LW_CMDS_H

/* logwire stats [-a HOST:PORT] [--prometheus]: print a running agent's /stats (JSON) or
 * /metrics (Prometheus text). Exit 0, 1 when the agent is unreachable or answers an error,
 * 2 for bad usage. */
int lw_cmd_stats(int argc, char **argv);

#endif
