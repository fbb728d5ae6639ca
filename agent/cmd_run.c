/* cmd_run.c — `logwire run`: the agent. */
#include <stdio.h>

#include "agent/cmds.h"

int lw_cmd_run(int argc, char **argv) {
  (void)argc, (void)argv;
  fprintf(stderr, "logwire run: the agent is not built yet\n");
  return 2;
}
