/* console.h — `logwire console`: the state shared by its parts (api.c answers requests, live.c
 * keeps the agents' and configurations' state from an etcd watch and streams it to browsers,
 * console.c reads the options and runs the loop). */
#ifndef LW_CONSOLE_H
#define LW_CONSOLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "console/auth.h"
#include "console/server.h"
#include "console/store.h"
#include "net/loop.h"
#include "base/buf.h"

#define LW_CON_MAX_HOSTS   4096 /* agents and configurations kept in memory */
#define LW_CON_MAX_STREAMS 32   /* browsers listening at once */
#define LW_CON_MAX_VALUE   (64u << 10)

typedef struct lw_con_host {
  char name[256];
  char *status;       /* owned: the agent's status JSON, the last one seen (NULL: never) */
  bool live;          /* its status key exists (its lease holds) */
  int64_t config_rev; /* mod_revision of <prefix>/config/<name>, 0 when none */
} lw_con_host;

typedef struct lw_console {
  lw_loop *loop;
  lw_con_server *srv;
  lw_con_store *store;
  lw_con_auth auth;
  char prefix[256]; /* "/logwire", no trailing slash */
  bool tls;
  /* live.c */
  lw_con_host *hosts; /* owned, sorted by name */
  size_t nhosts;
  bool synced; /* the first read is done; the watch runs */
  int64_t rev; /* the store revision the state reflects */
  lw_con_conn *streams[LW_CON_MAX_STREAMS];
  int nstreams;
  lw_timer heartbeat, resync;
  unsigned audit_seq;
} lw_console;

/* api.c: the request handler given to the server. */
void lw_con_handle(void *ud, lw_con_conn *c, const lw_con_req *r);

/* live.c */
int lw_con_live_start(lw_console *con);
void lw_con_live_stop(lw_console *con);
/* Stream the state to a new event-stream client (GET /api/events). */
void lw_con_live_subscribe(lw_console *con, lw_con_conn *c);
/* Append the state as JSON {"revision", "agents": [...], "configs": [...]}. */
void lw_con_live_json(const lw_console *con, lw_buf *b);
/* The hosts with a configuration, for GET /api/configs. */
const lw_con_host *lw_con_live_host(const lw_console *con, const char *name);

/* config check: the same checker as `logwire run --check`, on a host's configuration text.
 * Problems go to diag with their lines. Returns LW_OK or LW_ERR_CONFIG. */
int lw_con_check(const lw_console *con, const char *host, const char *text, size_t len,
                 lw_diag *diag);

#endif
