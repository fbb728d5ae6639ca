/* cmds.h — the subcommands of the logwire binary; each returns the process exit code
 * (0 ok, 1 delivery or runtime failure, 2 usage or configuration error). */
#ifndef LW_CMDS_H
#define LW_CMDS_H

int lw_cmd_produce(int argc, char **argv);
int lw_cmd_consume(int argc, char **argv);
int lw_cmd_metadata(int argc, char **argv);
int lw_cmd_versions(int argc, char **argv);
int lw_cmd_run(int argc, char **argv);
int lw_cmd_stats(int argc, char **argv);
int lw_cmd_fleet(int argc, char **argv);

#endif
