/* test_batch.c — RecordBatch v2 against the Kafka 4.1.0 captures (tests/fixtures/batches):
 * every header field and record decoded, uncompressed batches re-encoded byte for byte,
 * compressed ones re-encoded and decoded again, Fetch batches equal to the produced ones;
 * then builder round trips, restamping, truncations, flipped bytes and bad lengths. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdbool.h>
#include <string.h>

#include "proto/batch.h"
#include "proto/crc.h"
#include "rec_fixtures.h"

#define FX "tests/fixtures/batches/"

/* A decoded record, copied out of the iterator. */
typedef struct trec {
  int64_t Offset, Timestamp, TimestampDelta;
  int32_t OffsetDelta;
  int kl, vl, nh;
  char key[64], val[64];
  char hk[2][16], hv[2][16];
  int hvl[2];
} trec;

typedef struct tset {
  trec r[64];
  int n;
  lw_batch b[16]; /* headers of the batches the records came from (records not kept) */
  int nb;
  int end; /* what ended the iteration */
} tset;

static void copy_bytes(char *dst, size_t cap, lw_bytes v) {
  cr_assert_lt((size_t)(v.len < 0 ? 0 : v.len), cap);
  if (v.len > 0)
    memcpy(dst, v.p, (size_t)v.len);
  dst[v.len > 0 ? v.len : 0] = 0;
}

static void collect(const uint8_t *p, size_t n, tset *s, lw_trace *tr) {
  lw_arena a;
  lw_zctx z = {0};
  lw_records_iter it;
  lw_record rec;
  const lw_batch *b;
  memset(s, 0, sizeof(*s));
  lw_arena_init(&a, 1 << 20);
  lw_records_iter_init(&it, p, n, 1 << 20, &a, &z);
  it.c.tr = tr;
  while ((s->end = lw_records_next(&it, &rec, &b)) == LW_OK) {
    cr_assert_lt(s->n, 64);
    trec *t = &s->r[s->n++];
    t->Offset = rec.Offset;
    t->Timestamp = rec.Timestamp;
    t->TimestampDelta = rec.TimestampDelta;
    t->OffsetDelta = rec.OffsetDelta;
    t->kl = rec.Key.len;
    t->vl = rec.Value.len;
    copy_bytes(t->key, sizeof t->key, rec.Key);
    copy_bytes(t->val, sizeof t->val, rec.Value);
    t->nh = rec.HeadersCount;
    cr_assert_leq(t->nh, 2);
    for (int i = 0; i < t->nh; i++) {
      copy_bytes(t->hk[i], sizeof t->hk[i],
                 (lw_bytes){(const uint8_t *)rec.Headers[i].Key.p, rec.Headers[i].Key.len});
      copy_bytes(t->hv[i], sizeof t->hv[i], rec.Headers[i].Value);
      t->hvl[i] = rec.Headers[i].Value.len;
    }
    if (s->nb == 0 || s->b[s->nb - 1].Crc != b->Crc ||
        s->b[s->nb - 1].BaseOffset != b->BaseOffset) {
      cr_assert_lt(s->nb, 16);
      s->b[s->nb] = *b;
      s->b[s->nb].records = NULL;
      s->nb++;
    }
  }
  lw_records_iter_free(&it);
  lw_zctx_free(&z);
  lw_arena_free(&a);
}

/* What each producer capture holds (README: key-N, "fixture line N", header fx-hdr=vN for
 * Java, fx-hdr=kcat for kcat). */
typedef struct fx {
  const char *file;
  int32_t PartitionLeaderEpoch;
  int16_t Attributes;
  int64_t BaseTimestamp, MaxTimestamp, ProducerId;
  int16_t ProducerEpoch;
  int32_t BaseSequence;
  int count;
  int lines[5];  /* N of each record */
  int64_t td[5]; /* TimestampDelta of each record */
  bool keyed;
  const char *hdr; /* "v" (fx-hdr=vN), "kcat", or NULL */
} fx;

/* clang-format off */
static const fx fixtures[] = {
  /* file, PartitionLeaderEpoch, Attributes, BaseTimestamp, MaxTimestamp, ProducerId,
   * ProducerEpoch, BaseSequence, count, lines, TimestampDeltas, keyed, header */
  {"006-java-producer-none-Produce-v13-p1.bin", -1, 0, 1795281313031, 1795281313056, 0, 0, 0,
   5, {1, 2, 3, 4, 5}, {0, 25, 25, 25, 25}, false, NULL},
  {"011-java-producer-none-keys-Produce-v13-p0.bin", -1, 0, 1795281317546, 1795281317558, 1, 0,
   0, 2, {1, 4}, {0, 12}, true, "v"},
  {"011-java-producer-none-keys-Produce-v13-p2.bin", -1, 0, 1795281317557, 1795281317558, 1, 0,
   0, 3, {2, 3, 5}, {0, 1, 1}, true, "v"},
  {"016-java-producer-gzip-Produce-v13-p2.bin", -1, 1, 1795281321782, 1795281321796, 2, 0, 0,
   5, {1, 2, 3, 4, 5}, {0, 14, 14, 14, 14}, false, NULL},
  {"021-java-producer-gzip-keys-Produce-v13-p0.bin", -1, 1, 1795281326041, 1795281326055, 3, 0,
   0, 2, {1, 4}, {0, 14}, true, "v"},
  {"021-java-producer-gzip-keys-Produce-v13-p2.bin", -1, 1, 1795281326055, 1795281326056, 3, 0,
   0, 3, {2, 3, 5}, {0, 0, 1}, true, "v"},
  {"026-java-producer-lz4-Produce-v13-p0.bin", -1, 3, 1795281330534, 1795281330570, 4, 0, 0,
   5, {1, 2, 3, 4, 5}, {0, 34, 36, 36, 36}, false, NULL},
  {"031-java-producer-lz4-keys-Produce-v13-p0.bin", -1, 3, 1795281335138, 1795281335168, 5, 0,
   0, 2, {1, 4}, {0, 30}, true, "v"},
  {"031-java-producer-lz4-keys-Produce-v13-p2.bin", -1, 3, 1795281335167, 1795281335168, 5, 0,
   0, 3, {2, 3, 5}, {0, 1, 1}, true, "v"},
  {"035-java-producer-acks0-Produce-v13-p1.bin", -1, 0, 1795281339371, 1795281339381, -1, -1,
   -1, 5, {1, 2, 3, 4, 5}, {0, 10, 10, 10, 10}, false, NULL},
  {"039-java-producer-acks1-Produce-v13-p2.bin", -1, 0, 1795281343731, 1795281343742, -1, -1,
   -1, 5, {1, 2, 3, 4, 5}, {0, 11, 11, 11, 11}, false, NULL},
  {"042-kcat-producer-Produce-v7-p0.bin", 0, 3, 1795281346326, 1795281346326, -1, -1, -1,
   3, {2, 4, 5}, {0, 0, 0}, false, NULL},
  {"043-kcat-producer-Produce-v7-p2.bin", 0, 0, 1795281346326, 1795281346326, -1, -1, -1,
   2, {1, 3}, {0, 0}, false, NULL},
  {"046-kcat-producer-keys-Produce-v7-p1.bin", 0, 0, 1795281348528, 1795281348528, -1, -1, -1,
   1, {4}, {0}, true, "kcat"},
  {"047-kcat-producer-keys-Produce-v7-p2.bin", 0, 3, 1795281348528, 1795281348528, -1, -1, -1,
   2, {1, 3}, {0, 0}, true, "kcat"},
  {"048-kcat-producer-keys-Produce-v7-p0.bin", 0, 3, 1795281348528, 1795281348528, -1, -1, -1,
   2, {2, 5}, {0, 0}, true, "kcat"},
};
/* clang-format on */
#define NFX (sizeof fixtures / sizeof *fixtures)

static void check_fixture_records(const fx *f, const tset *s) {
  cr_assert_eq(s->end, LW_ERR_NOT_FOUND, "%s", f->file);
  cr_assert_eq(s->n, f->count, "%s", f->file);
  for (int i = 0; i < f->count; i++) {
    const trec *t = &s->r[i];
    char want[64];
    snprintf(want, sizeof want, "fixture line %d", f->lines[i]);
    cr_assert_str_eq(t->val, want, "%s record %d", f->file, i);
    cr_assert_eq(t->Offset, i);
    cr_assert_eq(t->OffsetDelta, i);
    cr_assert_eq(t->TimestampDelta, f->td[i], "%s record %d", f->file, i);
    cr_assert_eq(t->Timestamp, f->BaseTimestamp + f->td[i]);
    if (f->keyed) {
      snprintf(want, sizeof want, "key-%d", f->lines[i]);
      cr_assert_str_eq(t->key, want);
    } else {
      cr_assert_eq(t->kl, -1, "null key");
    }
    cr_assert_eq(t->nh, f->hdr ? 1 : 0);
    if (f->hdr) {
      cr_assert_str_eq(t->hk[0], "fx-hdr");
      if (strcmp(f->hdr, "v") == 0)
        snprintf(want, sizeof want, "v%d", f->lines[i]);
      else
        snprintf(want, sizeof want, "%s", f->hdr);
      cr_assert_str_eq(t->hv[0], want);
    }
  }
}

static void check_fixture_header(const fx *f, const lw_batch *b, size_t len) {
  cr_assert_eq(b->BaseOffset, 0);
  cr_assert_eq((size_t)b->BatchLength + 12, len, "%s", f->file);
  cr_assert_eq(b->PartitionLeaderEpoch, f->PartitionLeaderEpoch);
  cr_assert_eq(b->Magic, 2);
  cr_assert_eq(b->Attributes, f->Attributes, "%s", f->file);
  cr_assert_eq(b->LastOffsetDelta, f->count - 1);
  cr_assert_eq(b->BaseTimestamp, f->BaseTimestamp);
  cr_assert_eq(b->MaxTimestamp, f->MaxTimestamp);
  cr_assert_eq(b->ProducerId, f->ProducerId, "%s", f->file);
  cr_assert_eq(b->ProducerEpoch, f->ProducerEpoch);
  cr_assert_eq(b->BaseSequence, f->BaseSequence);
  cr_assert_eq(b->RecordsCount, f->count);
}

Test(batch, fixtures_decode_every_field) {
  for (size_t i = 0; i < NFX; i++) {
    const fx *f = &fixtures[i];
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", f->file);
    uint8_t *p = fixture_read(path, &n);
    lw_cur c;
    lw_batch b;
    lw_cur_init(&c, p, n);
    cr_assert_eq(lw_batch_decode(&c, &b), LW_OK, "%s", f->file);
    cr_assert_eq(lw_cur_done(&c), LW_OK);
    cr_assert_eq(b.Crc, lw_crc32c(0, p + 21, n - 21), "CRC valid");
    check_fixture_header(f, &b, n);
    cr_assert_eq(b.records, p + 61);
    tset s;
    collect(p, n, &s, NULL);
    check_fixture_records(f, &s);
    cr_assert_eq(s.nb, 1);
    free(p);
  }
}

/* Build a batch from the decoded records of fixture f with the given codec. */
static void rebuild(const fx *f, const tset *s, int codec, lw_buf *out, lw_zctx *z,
                    lw_buf *scratch) {
  lw_batch_builder bb;
  cr_assert_eq(lw_batch_begin(&bb, out, f->BaseTimestamp), LW_OK);
  for (int i = 0; i < s->n; i++) {
    const trec *t = &s->r[i];
    lw_rec_header h[2];
    for (int k = 0; k < t->nh; k++) {
      h[k].Key = lw_str_c(t->hk[k]);
      h[k].Value = (lw_bytes){(const uint8_t *)t->hv[k], t->hvl[k]};
    }
    lw_bytes key = {(const uint8_t *)t->key, t->kl}, val = {(const uint8_t *)t->val, t->vl};
    size_t before = out->len;
    cr_assert_eq(lw_batch_append(&bb, f->BaseTimestamp + t->TimestampDelta, key, val, h, t->nh),
                 LW_OK);
    cr_assert_eq(out->len - before, lw_batch_record_size(t->TimestampDelta, i, key, val, h, t->nh));
  }
  lw_batch_seal seal = {.ProducerId = f->ProducerId,
                        .ProducerEpoch = f->ProducerEpoch,
                        .BaseSequence = f->BaseSequence,
                        .PartitionLeaderEpoch = f->PartitionLeaderEpoch,
                        .codec = codec,
                        .compress_always = true};
  cr_assert_eq(lw_batch_finish(&bb, &seal, z, scratch), LW_OK);
}

/* The builder against the bytes the Java client and librdkafka wrote. */
Test(batch, uncompressed_fixtures_reencode_byte_for_byte) {
  int done = 0;
  for (size_t i = 0; i < NFX; i++) {
    const fx *f = &fixtures[i];
    if (f->Attributes != 0)
      continue;
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", f->file);
    uint8_t *p = fixture_read(path, &n);
    tset s;
    collect(p, n, &s, NULL);
    lw_buf out;
    lw_buf_init(&out, 1 << 20);
    rebuild(f, &s, LW_CODEC_NONE, &out, NULL, NULL);
    cr_assert_eq(out.len, n, "%s", f->file);
    cr_assert_arr_eq(out.data, p, n, "%s differs", f->file);
    lw_buf_free(&out);
    free(p);
    done++;
  }
  cr_assert_eq(done, 7);
}

/* Compressed payloads need not be byte-equal across implementations (compressor versions and
 * settings differ), so compressed batches are rebuilt with the same codec and must decode to
 * the same records and header fields. The frame/stream headers are ours to match exactly. */
Test(batch, compressed_fixtures_reencode_to_same_records) {
  lw_zctx z = {0};
  lw_buf scratch;
  lw_buf_init(&scratch, 1 << 20);
  int done = 0;
  for (size_t i = 0; i < NFX; i++) {
    const fx *f = &fixtures[i];
    if (f->Attributes == 0)
      continue;
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", f->file);
    uint8_t *p = fixture_read(path, &n);
    tset s, s2;
    collect(p, n, &s, NULL);
    check_fixture_records(f, &s);
    lw_buf out;
    lw_buf_init(&out, 1 << 20);
    rebuild(f, &s, f->Attributes, &out, &z, &scratch);
    collect(out.data, out.len, &s2, NULL);
    check_fixture_records(f, &s2);
    lw_cur c;
    lw_batch b;
    lw_cur_init(&c, out.data, out.len);
    cr_assert_eq(lw_batch_decode(&c, &b), LW_OK);
    check_fixture_header(f, &b, out.len);
    /* gzip member header (10 bytes) and LZ4 frame descriptor (7 bytes) as Java writes them. */
    cr_assert_arr_eq(out.data + 61, p + 61, f->Attributes == LW_CODEC_GZIP ? 10 : 7);
    lw_buf_free(&out);
    free(p);
    done++;
  }
  cr_assert_eq(done, 9);
  lw_buf_free(&scratch);
  lw_zctx_free(&z);
}

/* The Fetch responses carry the produced batches unchanged except for BaseOffset and
 * PartitionLeaderEpoch, which the broker assigns (neither is under the CRC). */
Test(batch, fetch_batches_are_the_produced_batches) {
  static const struct {
    const char *file;
    int nb;
    const char *src[8];
  } fetch[] = {
      {"077-java-consumer-Fetch-v18-resp-p0.bin",
       6,
       {"011-java-producer-none-keys-Produce-v13-p0.bin",
        "021-java-producer-gzip-keys-Produce-v13-p0.bin",
        "026-java-producer-lz4-Produce-v13-p0.bin", "031-java-producer-lz4-keys-Produce-v13-p0.bin",
        "042-kcat-producer-Produce-v7-p0.bin", "048-kcat-producer-keys-Produce-v7-p0.bin"}},
      {"077-java-consumer-Fetch-v18-resp-p1.bin",
       3,
       {"006-java-producer-none-Produce-v13-p1.bin", "035-java-producer-acks0-Produce-v13-p1.bin",
        "046-kcat-producer-keys-Produce-v7-p1.bin"}},
      {"077-java-consumer-Fetch-v18-resp-p2.bin",
       7,
       {"011-java-producer-none-keys-Produce-v13-p2.bin",
        "016-java-producer-gzip-Produce-v13-p2.bin",
        "021-java-producer-gzip-keys-Produce-v13-p2.bin",
        "031-java-producer-lz4-keys-Produce-v13-p2.bin",
        "039-java-producer-acks1-Produce-v13-p2.bin", "043-kcat-producer-Produce-v7-p2.bin",
        "047-kcat-producer-keys-Produce-v7-p2.bin"}},
  };
  for (size_t k = 0; k < 3; k++) {
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", fetch[k].file);
    uint8_t *p = fixture_read(path, &n);
    size_t pos = 0;
    int64_t next_offset = 0;
    for (int j = 0; j < fetch[k].nb; j++) {
      size_t m;
      snprintf(path, sizeof path, FX "%s", fetch[k].src[j]);
      uint8_t *q = fixture_read(path, &m);
      cr_assert_leq(pos + m, n);
      cr_assert_arr_eq(p + pos + 16, q + 16, m - 16, "%s batch %d", fetch[k].file, j);
      lw_cur c;
      lw_batch b;
      lw_cur_init(&c, p + pos, n - pos);
      cr_assert_eq(lw_batch_decode(&c, &b), LW_OK);
      cr_assert_eq(b.BaseOffset, next_offset);
      cr_assert_eq(b.PartitionLeaderEpoch, 0);
      next_offset += b.LastOffsetDelta + 1;
      pos += m;
      free(q);
    }
    cr_assert_eq(pos, n);
    tset s;
    collect(p, n, &s, NULL);
    cr_assert_eq(s.end, LW_ERR_NOT_FOUND);
    cr_assert_eq(s.n, next_offset);
    cr_assert_eq(s.nb, fetch[k].nb);
    for (int i = 0; i < s.n; i++)
      cr_assert_eq(s.r[i].Offset, i, "offsets run on across batches");
    free(p);
  }
}

/* Every prefix of every fixture: the iteration ends cleanly (a partial batch at the end is
 * not an error) after exactly the records of the complete batches. */
Test(batch, every_truncated_prefix_ends_cleanly) {
  const char *files[NFX + 3];
  for (size_t k = 0; k < NFX; k++)
    files[k] = fixtures[k].file;
  files[NFX] = "077-java-consumer-Fetch-v18-resp-p0.bin";
  files[NFX + 1] = "077-java-consumer-Fetch-v18-resp-p1.bin";
  files[NFX + 2] = "077-java-consumer-Fetch-v18-resp-p2.bin";
  for (size_t k = 0; k < NFX + 3; k++) {
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", files[k]);
    uint8_t *p = fixture_read(path, &n);
    for (size_t len = 0; len <= n; len++) {
      uint8_t *cut = malloc(len ? len : 1); /* exact size: ASan sees any overread */
      memcpy(cut, p, len);
      int want = 0;
      for (size_t pos = 0; pos + 12 <= len;) {
        size_t bl = 12 + ((size_t)p[pos + 8] << 24 | (size_t)p[pos + 9] << 16 |
                          (size_t)p[pos + 10] << 8 | p[pos + 11]);
        if (pos + bl > len)
          break;
        want += (int)((uint32_t)p[pos + 57] << 24 | (uint32_t)p[pos + 58] << 16 |
                      (uint32_t)p[pos + 59] << 8 | p[pos + 60]);
        pos += bl;
      }
      tset s;
      collect(cut, len, &s, NULL);
      cr_assert_eq(s.end, LW_ERR_NOT_FOUND, "%s cut at %zu: %d", files[k], len, s.end);
      cr_assert_eq(s.n, want, "%s cut at %zu", files[k], len);
      lw_cur c;
      lw_batch b;
      lw_cur_init(&c, cut, len);
      if (len < n && k < NFX) /* single-batch files */
        cr_assert_neq(lw_batch_decode(&c, &b), LW_OK, "a cut batch never decodes");
      free(cut);
    }
    free(p);
  }
}

/* A flipped byte under the CRC (Attributes .. end) or in the CRC itself is LW_ERR_CRC; in
 * Magic it is LW_ERR_UNSUPPORTED; in BatchLength some error; in BaseOffset or
 * PartitionLeaderEpoch (not under the CRC) the batch still decodes. */
Test(batch, flipped_bytes) {
  for (size_t k = 0; k < NFX; k++) {
    const char *file = fixtures[k].file;
    size_t n;
    char path[256];
    snprintf(path, sizeof path, FX "%s", file);
    uint8_t *p = fixture_read(path, &n);
    for (size_t i = 0; i < n; i++) {
      for (int bit = 0; bit < 8; bit += 3) {
        p[i] ^= (uint8_t)(1 << bit);
        lw_cur c;
        lw_batch b;
        lw_cur_init(&c, p, n);
        int err = lw_batch_decode(&c, &b);
        if (i >= 17)
          cr_assert_eq(err, LW_ERR_CRC, "%s byte %zu", file, i);
        else if (i == 16)
          cr_assert_eq(err, LW_ERR_UNSUPPORTED);
        else if (i >= 8 && i < 12)
          cr_assert_neq(err, LW_OK, "byte %zu", i);
        else
          cr_assert_eq(err, LW_OK, "byte %zu", i);
        tset s;
        collect(p, n, &s, NULL);
        if (i >= 16)
          cr_assert(s.end != LW_OK && s.end != LW_ERR_NOT_FOUND, "iterator reports byte %zu", i);
        p[i] ^= (uint8_t)(1 << bit);
      }
    }
    free(p);
  }
}

/* Every header field and record field reaches the tracer, inside the input's bounds. */
static char traced[4096];
static size_t traced_len;
static void trace_field(void *ud, int depth, size_t off, size_t len, const char *name,
                        const char *type, const char *value) {
  size_t limit = *(size_t *)ud;
  (void)depth;
  (void)type;
  (void)value;
  if (strcmp(type, "note") != 0 && strcmp(type, "struct") != 0)
    cr_assert_leq(off + len, limit, "%s", name);
  int k = snprintf(traced + traced_len, sizeof traced - traced_len, ",%s,", name);
  if (k > 0 && traced_len + (size_t)k < sizeof traced)
    traced_len += (size_t)k;
}

Test(batch, tracer_sees_every_field) {
  size_t n;
  uint8_t *p = fixture_read(FX "011-java-producer-none-keys-Produce-v13-p0.bin", &n);
  lw_trace tr = {trace_field, &n, 0};
  tset s;
  traced_len = 0;
  collect(p, n, &s, &tr);
  cr_assert_eq(s.n, 2);
  const char *names[] = {"RecordBatch",
                         "BaseOffset",
                         "BatchLength",
                         "PartitionLeaderEpoch",
                         "Magic",
                         "CRC",
                         "Attributes",
                         "LastOffsetDelta",
                         "BaseTimestamp",
                         "MaxTimestamp",
                         "ProducerId",
                         "ProducerEpoch",
                         "BaseSequence",
                         "RecordsCount",
                         "Record",
                         "Length",
                         "TimestampDelta",
                         "OffsetDelta",
                         "KeyLength",
                         "Key",
                         "ValueLength",
                         "Value",
                         "HeadersCount",
                         "Header",
                         "HeaderKeyLength",
                         "HeaderKey",
                         "HeaderValueLength",
                         "HeaderValue"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char pat[40];
    snprintf(pat, sizeof pat, ",%s,", names[i]);
    cr_assert_not_null(strstr(traced, pat), "%s traced", names[i]);
  }
  cr_assert_eq(tr.depth, 0, "groups balanced");
  free(p);
}

/* Every fixture in tests/fixtures/batches/ is a byte slice of a frame in the repository:
 * tests/fixtures/batches/README.md's table names the frame, the offset and the length of each,
 * and every .bin in that directory must have a row whose slice is the file, byte for byte (so
 * none depends on captures kept elsewhere; extract.py re-derives them all). */
Test(batch, fixtures_cut_from_frames) {
  size_t rn;
  uint8_t *readme = fixture_read("tests/fixtures/batches/README.md", &rn);
  char *text = malloc(rn + 1);
  cr_assert_not_null(text);
  memcpy(text, readme, rn);
  text[rn] = 0;
  int rows = 0;
  char listed[64][128];
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    char file[128], frame[128];
    unsigned long off, len;
    if (sscanf(line, "| %127[^ |] | %127[^ |] | %lu | %lu |", file, frame, &off, &len) != 4)
      continue;
    char rel[512];
    snprintf(rel, sizeof rel, "tests/fixtures/batches/%s", file);
    size_t bn, fn;
    uint8_t *b = fixture_read(rel, &bn);
    snprintf(rel, sizeof rel, "tests/fixtures/kafka-4.1.0/%s", frame);
    uint8_t *f = fixture_read(rel, &fn);
    cr_assert_eq(bn, len, "%s: %zu bytes, the table says %lu", file, bn, len);
    cr_assert(off + len <= fn, "%s: slice %lu+%lu past the end of %s", file, off, len, frame);
    cr_assert(memcmp(f + off, b, len) == 0, "%s differs from %s at %lu+%lu", file, frame, off, len);
    free(b);
    free(f);
    cr_assert_lt(rows, 64);
    snprintf(listed[rows++], sizeof listed[0], "%s", file);
  }
  cr_assert_geq(rows, 19, "only %d rows in the table", rows);
  /* The other way: no .bin without a row. */
  const char *root = getenv("LW_ROOT");
  char dir[1024];
  snprintf(dir, sizeof dir, "%s/tests/fixtures/batches", root ? root : ".");
  DIR *d = opendir(dir);
  cr_assert_not_null(d, "cannot open %s", dir);
  struct dirent *e;
  while ((e = readdir(d))) {
    size_t n = strlen(e->d_name);
    if (n < 4 || strcmp(e->d_name + n - 4, ".bin") != 0)
      continue;
    bool found = false;
    for (int i = 0; i < rows && !found; i++)
      found = strcmp(listed[i], e->d_name) == 0;
    cr_assert(found, "%s has no row in batches/README.md", e->d_name);
  }
  closedir(d);
  free(text);
  free(readme);
}
