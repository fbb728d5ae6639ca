/* trace.c — `--trace`: every request and response printed field by field, with its API,
 * version, byte offsets and values, decoded by the same proto/ decoders the client uses. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "agent/cli.h"
#include "proto/api.h"
#include "base/err.h"

typedef struct tctx {
  FILE *out;
} tctx;

static void on_field(void *ud, int depth, size_t off, size_t len, const char *name,
                     const char *type, const char *value) {
  tctx *t = ud;
  char range[40];
  snprintf(range, sizeof range, "%zu..%zu", off, off + len);
  fprintf(t->out, "  %-13s %*s%-*s %-14s %s\n", range, depth * 2, "",
          28 - depth * 2 > 8 ? 28 - depth * 2 : 8, name, type, value);
}

void lw_trace_print(FILE *out, const char *peer, bool outgoing, int16_t api, int16_t ver,
                    const uint8_t *frame, size_t len) {
  tctx t = {.out = out};
  lw_trace tr = {.field = on_field, .ud = &t, .depth = 0};
  lw_cur c;
  lw_cur_init(&c, frame, len);
  c.tr = &tr;
  lw_arena a;
  lw_arena_init(&a, 64u * 1024 * 1024);
  int32_t corr = len >= 4 && !outgoing
                     ? (int32_t)((uint32_t)frame[0] << 24 | (uint32_t)frame[1] << 16 |
                                 (uint32_t)frame[2] << 8 | frame[3])
                     : -1;
  if (outgoing && len >= 8)
    corr = (int32_t)((uint32_t)frame[4] << 24 | (uint32_t)frame[5] << 16 | (uint32_t)frame[6] << 8 |
                     frame[7]);
  fprintf(out, "%s %s %s v%d %s, correlation id %" PRId32 ", %zu bytes %s %s\n",
          outgoing ? ">>>" : "<<<", outgoing ? "send" : "recv", lw_api_name(api), ver,
          outgoing ? "request" : "response", corr, len, outgoing ? "to" : "from", peer);
  int rc;
  if (outgoing) {
    lw_req_header h;
    rc = lw_req_header_decode(&c, &h);
  } else {
    int32_t got;
    rc = lw_resp_header_decode(&c, api, ver, &got);
  }
  if (rc == LW_OK) {
    lw_rd_group(&c, outgoing ? "RequestBody" : "ResponseBody");
    rc = lw_api_decode_body(&c, api, ver, outgoing, &a);
    lw_rd_group_end(&c);
  }
  if (rc != LW_OK)
    fprintf(out, "  !! decoding stopped at byte %zu: %s (%s)\n", c.pos, lw_err_name(rc),
            lw_err_str(rc));
  lw_arena_free(&a);
  fflush(out);
}

void lw_trace_frame(void *ud, const lw_conn *c, bool outgoing, int16_t api, int16_t ver,
                    const uint8_t *frame, size_t len) {
  lw_cli *cli = ud;
  char peer[340];
  snprintf(peer, sizeof peer, "%s (node %d)", lw_conn_name(c), (int)lw_conn_node_id(c));
  lw_trace_print(cli->trace_out ? cli->trace_out : stderr, peer, outgoing, api, ver, frame, len);
}
