/* fb_dump.c — the broker model's record dump (test-only): every stored record, one line each,
 * with what the scripts verify (partition, offset, producer id/epoch/sequence, the batch's
 * compression attribute, the Acks of the request that wrote it). */
#include <string.h>

#include "proto/compress.h"
#include "tests/tools/fakebroker/fb_log.h"

#define DUMP_MAX_PLAIN (64u << 20) /* decompressed records of one batch */

static void put_escaped(FILE *out, lw_bytes v) {
  if (v.len < 0 || !v.p) {
    fputs("\\N", out);
    return;
  }
  for (int32_t i = 0; i < v.len; i++) {
    char c = (char)v.p[i];
    if (c == '\\')
      fputs("\\\\", out);
    else if (c == '\t')
      fputs("\\t", out);
    else if (c == '\n')
      fputs("\\n", out);
    else if (c == '\r')
      fputs("\\r", out);
    else
      fputc(c, out);
  }
}

static const char *codec_name(int codec) {
  static const char *names[] = {"none", "gzip", "snappy", "lz4", "zstd"};
  return codec >= 0 && codec < 5 ? names[codec] : "unknown";
}

/* One stored entry's records; returns how many, or -1 when it does not decode. */
static long dump_entry(fb_log *g, const fb_topic *t, int32_t part, const fb_entry *e, FILE *out) {
  lw_records_iter it;
  lw_records_iter_init(&it, t->parts[part].log.data + e->pos, e->len, DUMP_MAX_PLAIN, NULL, &g->z);
  lw_record r;
  const lw_batch *b;
  long n = 0;
  int rc;
  while ((rc = lw_records_next(&it, &r, &b)) == LW_OK) {
    bool v2 = b->Magic == 2;
    int64_t pid = v2 ? b->ProducerId : -1;
    int32_t seq = -1;
    if (v2 && b->BaseSequence >= 0)
      seq = (int32_t)(((uint32_t)b->BaseSequence + (uint32_t)r.OffsetDelta) & 0x7fffffff);
    fprintf(out, "%s\t%d\t%lld\t%lld\t%d\t%d\t%d\t%s\t%d\t", t->name, part, (long long)r.Offset,
            (long long)pid, v2 ? b->ProducerEpoch : -1, seq, b->Magic,
            codec_name(b->Attributes & LW_BATCH_ATTR_CODEC_MASK), e->acks);
    put_escaped(out, r.Key);
    fputc('\t', out);
    put_escaped(out, r.Value);
    fputc('\n', out);
    n++;
  }
  lw_records_iter_free(&it);
  return rc == LW_ERR_NOT_FOUND ? n : -1;
}

long fb_dump(fb_log *g, const char *topic, FILE *out) {
  long total = 0;
  for (int i = 0; i < g->ntopics; i++) {
    const fb_topic *t = g->topics[i];
    if (topic && strcmp(topic, t->name))
      continue;
    for (int32_t j = 0; j < t->nparts; j++)
      for (size_t k = 0; k < t->parts[j].nents; k++) {
        long n = dump_entry(g, t, j, &t->parts[j].ents[k], out);
        if (n < 0)
          return -1;
        total += n;
      }
  }
  return total;
}
