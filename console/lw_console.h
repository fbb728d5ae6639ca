/* lw_console.h — the `logwire console` command, for main(). */
#ifndef LW_CONSOLE_CMD_H
#define LW_CONSOLE_CMD_H

/* argv[0] is "console". Returns the process exit status (0, 1 runtime error, 2 usage). */
int lw_cmd_console(int argc, char **argv);

#endif
