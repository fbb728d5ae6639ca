/* diag.h — problems found while checking user input (config files), collected rather than
 * stopped at, so that one run reports every mistake as "FILE:LINE: KEY: PROBLEM". */
#ifndef LW_DIAG_H
#define LW_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum lw_diag_sev { LW_DIAG_ERROR = 0, LW_DIAG_WARNING = 1 };

/* Ceiling on stored messages; later ones are counted (in `dropped`) but not kept. */
#define LW_DIAG_MAX 200

typedef struct lw_diag_msg {
  int sev;    /* enum lw_diag_sev */
  int line;   /* 0 when the problem concerns the whole file */
  char *text; /* owned: "FILE:LINE: KEY: PROBLEM" (warnings: "FILE:LINE: KEY: warning: ...") */
} lw_diag_msg;

typedef struct lw_diag {
  lw_diag_msg *v; /* owned array, in the order added (or by line after lw_diag_sort) */
  size_t n, cap;
  size_t errors, warnings; /* counts, including dropped messages */
  size_t dropped;          /* messages not stored: ceiling reached or allocation failed */
} lw_diag;

/* Initialise an empty collection. Allocates nothing. */
void lw_diag_init(lw_diag *d);
/* Release every message. The collection can be initialised again afterwards. */
void lw_diag_free(lw_diag *d);

/* Add one message. The text is "FILE:LINE: KEY: PROBLEM"; ":LINE" is left out when line <= 0,
 * "KEY: " when key is NULL, and warnings carry "warning: " before PROBLEM. file and key are
 * copied into the message. */
void lw_diag_add(lw_diag *d, int sev, const char *file, int line, const char *key, const char *fmt,
                 ...) __attribute__((format(printf, 6, 7)));

/* Stable sort by line number, so output reads top to bottom (file-wide messages first). */
void lw_diag_sort(lw_diag *d);

/* True when a message with exactly this text was added. */
bool lw_diag_has(const lw_diag *d, const char *text);

/* Write every message, one per line, then "... and N more" when some were dropped. */
void lw_diag_print(const lw_diag *d, FILE *f);

#endif
