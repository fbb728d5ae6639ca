/* assets.h — the console's page, style and script, compiled into the binary from
 * console/assets/ by scripts/embed-assets.sh (the Makefile runs it). */
#ifndef LW_CON_ASSETS_H
#define LW_CON_ASSETS_H

#include <stddef.h>

typedef struct lw_con_asset {
  const char *name;          /* file name: "index.html", "app.js", ... */
  const unsigned char *data; /* NUL-terminated (the NUL is not counted in len) */
  size_t len;
} lw_con_asset;

/* Every asset, ended by an entry whose name is NULL. */
extern const lw_con_asset lw_con_assets[];

#endif
