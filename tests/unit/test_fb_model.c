/* test_fb_model.c — the broker model's rules (tests/tools/fakebroker/fb_log.c) on crafted
 * batches: sizes (MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE), CRCs, formats per Produce
 * version, idempotence (duplicates answered with their original offsets, gaps, epochs, expired
 * and fenced producers, the INT32_MAX wrap), the record dump, and DescribeConfigs answering the
 * limits those checks use, and InitProducerId (a new id, or KIP-360's epoch bump). The integration
 * tests trust these answers, so each rule is checked here against what Kafka's broker answers. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "proto/describe_configs.h"
#include "proto/init_producer_id.h"
#include "proto/msgset.h"
#include "tests/tools/fakebroker/fb_configs.c"
#include "tests/tools/fakebroker/fb_coord.c"
#include "tests/tools/fakebroker/fb_dump.c"
#include "tests/tools/fakebroker/fb_log.c"

static fb_log g;
static fb_part *pp;
static lw_buf out;
static lw_zctx z;
static fb_limits lim;

static void setup(void) {
  fb_log_init(&g, SIZE_MAX);
  fb_topic *t = fb_topic_create(&g, "t", 1, 2);
  cr_assert(t);
  pp = &t->parts[0];
  lw_buf_init(&out, 16 << 20);
  memset(&z, 0, sizeof z);
  lim = (fb_limits){.version = 12,
                    .acks = -1,
                    .max_message_bytes = 1048588,
                    .segment_bytes = 1073741824,
                    .leader_epoch = 7,
                    .reject_unknown_pid = true};
}
static void teardown(void) {
  fb_log_free(&g);
  lw_buf_free(&out);
  lw_zctx_free(&z);
}
TestSuite(model, .init = setup, .fini = teardown);

/* A batch of n records "v0".."v{n-1}" (value bytes each `size` long at least) from producer
 * pid/epoch starting at seq; pid -1: not idempotent. */
static lw_bytes batch(int n, size_t size, int64_t pid, int16_t epoch, int32_t seq, int codec) {
  lw_buf_reset(&out);
  lw_batch_builder bb;
  cr_assert_eq(lw_batch_begin(&bb, &out, 1000), LW_OK);
  char v[4096];
  for (int i = 0; i < n; i++) {
    int len = snprintf(v, sizeof v, "v%d", i);
    while ((size_t)len < size && (size_t)len < sizeof v)
      v[len++] = 'x';
    cr_assert_eq(lw_batch_append(&bb, 1000 + i, (lw_bytes){NULL, -1},
                                 (lw_bytes){(const uint8_t *)v, len}, NULL, 0),
                 LW_OK);
  }
  lw_batch_seal s = {.ProducerId = pid,
                     .ProducerEpoch = pid < 0 ? -1 : epoch,
                     .BaseSequence = pid < 0 ? -1 : seq,
                     .PartitionLeaderEpoch = -1,
                     .codec = codec,
                     .compress_always = true};
  cr_assert_eq(lw_batch_finish(&bb, &s, &z, NULL), LW_OK);
  return (lw_bytes){out.data, (int32_t)out.len};
}

static int16_t app(lw_bytes r, int64_t *base) {
  return fb_append(&g, pp, &lim, r, base);
}

Test(model, offsets_assigned_and_leader_epoch_stamped) {
  int64_t base;
  cr_assert_eq(app(batch(3, 0, -1, 0, 0, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(base, 0);
  cr_assert_eq(app(batch(2, 0, -1, 0, 0, LW_CODEC_GZIP), &base), 0);
  cr_assert_eq(base, 3);
  cr_assert_eq(pp->next, 5);
  cr_assert_eq(fb_count(fb_topic_find(&g, "t", 1), -1), 5);
  lw_cur c;
  lw_batch b;
  lw_cur_init(&c, pp->log.data + pp->ents[1].pos, pp->ents[1].len);
  cr_assert_eq(lw_batch_decode(&c, &b), LW_OK, "the stored batch keeps a valid CRC");
  cr_assert_eq(b.BaseOffset, 3);
  cr_assert_eq(b.PartitionLeaderEpoch, 7);
}

Test(model, batch_over_max_message_bytes_is_message_too_large) {
  int64_t base;
  lw_bytes r = batch(10, 100, -1, 0, 0, LW_CODEC_NONE);
  lim.max_message_bytes = r.len; /* exactly the limit: accepted */
  cr_assert_eq(app(r, &base), 0);
  lim.max_message_bytes = r.len - 1;
  cr_assert_eq(app(r, &base), LW_KAFKA_MESSAGE_TOO_LARGE);
  cr_assert_eq(base, -1);
  cr_assert(strstr(g.msg, "exceeds the maximum configured value"), "%s", g.msg);
  cr_assert_eq(g.st.too_large, 1);
  cr_assert_eq(pp->next, 10, "nothing appended");
  /* A lone record under the limit is accepted: only whole batches are measured. */
  cr_assert_eq(app(batch(1, 100, -1, 0, 0, LW_CODEC_NONE), &base), 0);
}

Test(model, size_is_checked_before_the_crc) {
  int64_t base;
  lw_bytes r = batch(10, 100, -1, 0, 0, LW_CODEC_NONE);
  out.data[out.len - 1] ^= 1;
  lim.max_message_bytes = 100;
  cr_assert_eq(app(r, &base), LW_KAFKA_MESSAGE_TOO_LARGE);
  lim.max_message_bytes = 1 << 20;
  cr_assert_eq(app(r, &base), LW_KAFKA_CORRUPT_MESSAGE);
  cr_assert_eq(g.st.crc, 1);
}

Test(model, records_over_segment_bytes_are_record_list_too_large) {
  int64_t base;
  lw_bytes r = batch(10, 100, -1, 0, 0, LW_CODEC_NONE);
  lim.segment_bytes = r.len - 1;
  cr_assert_eq(app(r, &base), LW_KAFKA_RECORD_LIST_TOO_LARGE);
  cr_assert_eq(g.st.list_large, 1);
}

Test(model, every_flipped_byte_after_the_crc_is_corrupt) {
  int64_t base;
  lw_bytes r = batch(3, 10, -1, 0, 0, LW_CODEC_GZIP);
  for (int32_t i = 21; i < r.len; i++) {
    out.data[i] ^= 0x10;
    int16_t e = app(r, &base);
    cr_assert(e == LW_KAFKA_CORRUPT_MESSAGE, "byte %d: %d", i, e);
    out.data[i] ^= 0x10;
  }
  cr_assert_eq(pp->next, 0);
  cr_assert_eq(app(r, &base), 0);
}

Test(model, produce_versions_take_their_formats_only) {
  int64_t base;
  lw_bytes r = batch(1, 0, -1, 0, 0, LW_CODEC_NONE);
  lim.version = 2;
  cr_assert_eq(app(r, &base), FB_INVALID_RECORD, "magic 2 in Produce v2");
  lw_buf two;
  lw_buf_init(&two, 1 << 20);
  lw_buf_append(&two, r.p, (size_t)r.len);
  lw_buf_append(&two, r.p, (size_t)r.len);
  lim.version = 3;
  cr_assert_eq(app((lw_bytes){two.data, (int32_t)two.len}, &base), FB_INVALID_RECORD,
               "two batches in Produce v3+");
  lw_buf_free(&two);
  /* A legacy magic 1 set in v2, over the size limit, then within it. */
  lw_buf_reset(&out);
  lw_msgset_builder mb;
  cr_assert_eq(lw_msgset_begin(&mb, &out, 1), LW_OK);
  for (int i = 0; i < 5; i++)
    cr_assert_eq(lw_msgset_append(&mb, 1000, (lw_bytes){NULL, -1},
                                  (lw_bytes){(const uint8_t *)"0123456789", 10}),
                 LW_OK);
  cr_assert_eq(lw_msgset_finish(&mb, LW_CODEC_GZIP, &z, NULL), LW_OK);
  lim.version = 2;
  lim.max_message_bytes = 20;
  cr_assert_eq(app((lw_bytes){out.data, (int32_t)out.len}, &base), LW_KAFKA_MESSAGE_TOO_LARGE);
  lim.max_message_bytes = 1 << 20;
  cr_assert_eq(app((lw_bytes){out.data, (int32_t)out.len}, &base), 0);
  cr_assert_eq(pp->next, 5);
}

Test(model, duplicate_of_the_last_five_answered_with_its_offset) {
  int64_t base, bases[6];
  for (int i = 0; i < 6; i++) {
    cr_assert_eq(app(batch(2, 0, 42, 0, 2 * i, LW_CODEC_NONE), &bases[i]), 0);
    cr_assert_eq(bases[i], 2 * i);
  }
  for (int i = 1; i < 6; i++) {
    cr_assert_eq(app(batch(2, 0, 42, 0, 2 * i, LW_CODEC_NONE), &base), 0);
    cr_assert_eq(base, bases[i], "batch %d: the original offset", i);
  }
  cr_assert_eq(g.st.dup, 5);
  cr_assert_eq(pp->next, 12, "duplicates not appended");
  /* The sixth most recent is forgotten: out of sequence, as Kafka answers it. */
  cr_assert_eq(app(batch(2, 0, 42, 0, 0, LW_CODEC_NONE), &base),
               LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
  /* A batch overlapping a stored one without matching it is out of sequence too. */
  cr_assert_eq(app(batch(3, 0, 42, 0, 10, LW_CODEC_NONE), &base),
               LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
}

Test(model, gap_is_out_of_order_and_nothing_is_appended) {
  int64_t base;
  cr_assert_eq(app(batch(5, 0, 42, 0, 0, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(app(batch(5, 0, 42, 0, 6, LW_CODEC_NONE), &base),
               LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
  cr_assert_eq(base, -1);
  cr_assert(strstr(g.msg, "6 (incoming seq. number), 4 (current end sequence number)"), "%s",
            g.msg);
  cr_assert_eq(app(batch(5, 0, 42, 0, 5, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(base, 5);
  cr_assert_eq(g.st.ooo, 1);
}

Test(model, epochs_new_must_start_at_zero_old_are_fenced) {
  int64_t base;
  cr_assert_eq(app(batch(2, 0, 42, 3, 0, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(app(batch(2, 0, 42, 2, 2, LW_CODEC_NONE), &base), LW_KAFKA_INVALID_PRODUCER_EPOCH);
  cr_assert_eq(app(batch(2, 0, 42, 4, 2, LW_CODEC_NONE), &base),
               LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER, "a new epoch must start at 0");
  cr_assert_eq(app(batch(2, 0, 42, 4, 0, LW_CODEC_NONE), &base), 0, "epoch bump (KIP-360)");
  cr_assert_eq(app(batch(2, 0, 42, 3, 2, LW_CODEC_NONE), &base), LW_KAFKA_INVALID_PRODUCER_EPOCH);
  cr_assert_eq(g.st.fenced, 2);
  /* fence: the broker has seen a newer epoch; the producer's next batch is fenced. */
  cr_assert_eq(fb_fence(&g, 42), 1);
  cr_assert_eq(app(batch(2, 0, 42, 4, 2, LW_CODEC_NONE), &base), LW_KAFKA_INVALID_PRODUCER_EPOCH);
  cr_assert_eq(app(batch(2, 0, 42, 5, 0, LW_CODEC_NONE), &base), 0);
}

Test(model, expired_producer_is_unknown_or_accepted) {
  int64_t base;
  cr_assert_eq(app(batch(2, 0, 42, 0, 0, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(fb_expire(&g, 42), 1);
  cr_assert_eq(app(batch(2, 0, 42, 0, 2, LW_CODEC_NONE), &base), LW_KAFKA_UNKNOWN_PRODUCER_ID);
  cr_assert_eq(g.st.unknown_pid, 1);
  cr_assert_eq(app(batch(2, 0, 42, 0, 0, LW_CODEC_NONE), &base), 0, "sequence 0 starts anew");
  cr_assert_eq(fb_expire(&g, -1), 1);
  lim.reject_unknown_pid = false; /* Kafka 2.5+: any sequence from an unknown producer */
  cr_assert_eq(app(batch(2, 0, 42, 0, 7, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(app(batch(2, 0, 42, 0, 9, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(app(batch(2, 0, 42, 0, 12, LW_CODEC_NONE), &base),
               LW_KAFKA_OUT_OF_ORDER_SEQUENCE_NUMBER);
}

Test(model, sequence_wraps_after_int32_max) {
  int64_t base;
  lim.reject_unknown_pid = false;
  cr_assert_eq(app(batch(2, 0, 42, 0, INT32_MAX - 1, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(app(batch(2, 0, 42, 0, 0, LW_CODEC_NONE), &base), 0, "MAX-1, MAX, then 0");
  cr_assert_eq(app(batch(2, 0, 42, 0, INT32_MAX - 1, LW_CODEC_NONE), &base), 0);
  cr_assert_eq(base, 0, "the duplicate before the wrap keeps its offset");
  cr_assert_eq(pp->next, 4);
}

Test(model, producers_are_kept_per_partition_without_a_cap) {
  int64_t base;
  for (int64_t pid = 1; pid <= 100; pid++)
    cr_assert_eq(app(batch(1, 0, pid, 0, 0, LW_CODEC_NONE), &base), 0);
  for (int64_t pid = 1; pid <= 100; pid++) {
    cr_assert_eq(app(batch(1, 0, pid, 0, 0, LW_CODEC_NONE), &base), 0);
    cr_assert_eq(base, pid - 1, "producer %ld remembered", (long)pid);
  }
}

Test(model, dump_lists_every_record_with_its_metadata) {
  int64_t base;
  lim.acks = 1;
  lim.reject_unknown_pid = false;
  cr_assert_eq(app(batch(2, 0, 42, 1, 5, LW_CODEC_GZIP), &base), 0);
  lim.acks = 0;
  cr_assert_eq(app(batch(1, 0, -1, 0, 0, LW_CODEC_NONE), &base), 0);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  cr_assert_eq(fb_dump(&g, "t", f), 3);
  fclose(f);
  cr_assert_str_eq(text, "t\t0\t0\t42\t1\t5\t2\tgzip\t1\t\\N\tv0\n"
                         "t\t0\t1\t42\t1\t6\t2\tgzip\t1\t\\N\tv1\n"
                         "t\t0\t2\t-1\t-1\t-1\t2\tnone\t0\t\\N\tv0\n");
  free(text);
}

/* DescribeConfigs of one key of one resource through the model's handler; the answer's arrays
 * in `a`, its strings in a static copy of the response (valid until the next call). */
static lw_dc_result describe(fb *f, lw_arena *a, int16_t v, int8_t type, const char *name,
                             const char *key) {
  lw_str k = lw_str_c(key);
  lw_dc_req_resource res = {type, lw_str_c(name), &k, 1};
  lw_dc_req q = {.Resources = &res, .ResourcesCount = 1};
  lw_buf req, resp;
  lw_buf_init(&req, 1 << 16);
  lw_buf_init(&resp, 1 << 16);
  cr_assert_eq(lw_dc_req_encode(&req, v, &q), LW_OK);
  lw_cur c;
  lw_cur_init(&c, req.data, req.len);
  lw_arena_reset(&f->arena);
  cr_assert_eq(fb_h_describe_configs(f, &c, v, 0, &resp), LW_OK);
  static uint8_t copy[1 << 16];
  memcpy(copy, resp.data, resp.len);
  lw_cur_init(&c, copy, resp.len);
  lw_dc_resp r;
  cr_assert_eq(lw_dc_resp_decode(&c, v, a, &r), LW_OK);
  cr_assert_eq(r.ResultsCount, 1);
  lw_buf_free(&req);
  lw_buf_free(&resp);
  return r.Results[0];
}

Test(configs, describe_configs_answers_the_limits_in_force) {
  static fb f;
  memset(&f, 0, sizeof f);
  fb_log_init(&f.g, SIZE_MAX);
  lw_arena_init(&f.arena, 1 << 20);
  lw_arena a;
  lw_arena_init(&a, 1 << 20);
  f.conf = (fb_conf){.message_max_bytes = 1048588, .segment_bytes = 1073741824, .min_isr = 1};
  fb_topic *t = fb_topic_create(&f.g, "lim", 3, 1);
  int64_t v;
  for (int16_t ver = 0; ver <= 4; ver++) {
    lw_dc_result r = describe(&f, &a, ver, LW_RESOURCE_TOPIC, "lim", "max.message.bytes");
    cr_assert_eq(r.ErrorCode, 0);
    cr_assert_eq(lw_dc_result_int(&r, "max.message.bytes", &v), LW_OK);
    cr_assert_eq(v, 1048588, "v%d: the broker's message.max.bytes by default", ver);
    cr_assert_eq(r.ConfigsCount, 1, "only the key asked for");
  }
  f.conf.message_max_bytes = 500000;
  lw_dc_result r = describe(&f, &a, 4, LW_RESOURCE_TOPIC, "lim", "max.message.bytes");
  cr_assert_eq(lw_dc_result_int(&r, "max.message.bytes", &v), LW_OK);
  cr_assert_eq(v, 500000);
  cr_assert_eq(r.Configs[0].ConfigSource, 3, "a changed broker default");
  t->max_message_bytes = 100000;
  r = describe(&f, &a, 4, LW_RESOURCE_TOPIC, "lim", "max.message.bytes");
  cr_assert_eq(lw_dc_result_int(&r, "max.message.bytes", &v), LW_OK);
  cr_assert_eq(v, 100000);
  cr_assert_eq(r.Configs[0].ConfigSource, 1, "a topic override");
  r = describe(&f, &a, 1, LW_RESOURCE_TOPIC, "nope", "max.message.bytes");
  cr_assert_eq(r.ErrorCode, LW_KAFKA_UNKNOWN_TOPIC_OR_PARTITION);
  r = describe(&f, &a, 2, LW_RESOURCE_BROKER, "1", "message.max.bytes");
  cr_assert_eq(lw_dc_result_int(&r, "message.max.bytes", &v), LW_OK);
  cr_assert_eq(v, 500000);
  fb_log_free(&f.g);
  lw_arena_free(&f.arena);
  lw_arena_free(&a);
}

/* InitProducerId through the model's handler. */
static lw_initpid_resp init_pid(fb *f, int16_t v, int64_t pid, int16_t epoch) {
  lw_initpid_req q = {.TransactionalId = LW_STR_NULL,
                      .TransactionTimeoutMs = 60000,
                      .ProducerId = pid,
                      .ProducerEpoch = epoch};
  lw_buf req, resp;
  lw_buf_init(&req, 1 << 12);
  lw_buf_init(&resp, 1 << 12);
  cr_assert_eq(lw_initpid_req_encode(&req, v, &q), LW_OK);
  lw_cur c;
  lw_cur_init(&c, req.data, req.len);
  cr_assert_eq(fb_h_init_pid(f, &c, v, 0, &resp), LW_OK);
  lw_initpid_resp r;
  lw_cur_init(&c, resp.data, resp.len);
  cr_assert_eq(lw_initpid_resp_decode(&c, v, &r), LW_OK);
  lw_buf_free(&req);
  lw_buf_free(&resp);
  return r;
}

Test(coord, init_producer_id_new_ids_or_kip360_bump) {
  static fb f;
  memset(&f, 0, sizeof f);
  f.next_pid = 1000;
  lw_initpid_resp r = init_pid(&f, 4, -1, -1);
  cr_assert(r.ErrorCode == 0 && r.ProducerId == 1000 && r.ProducerEpoch == 0);
  /* Without a TransactionalId Kafka gives a new id even when v3+ names the current one. */
  r = init_pid(&f, 4, 1000, 0);
  cr_assert(r.ErrorCode == 0 && r.ProducerId == 1001 && r.ProducerEpoch == 0);
  f.conf.initpid_bump = true;
  r = init_pid(&f, 3, 1001, 0);
  cr_assert(r.ErrorCode == 0 && r.ProducerId == 1001 && r.ProducerEpoch == 1, "bumped");
  r = init_pid(&f, 3, 1001, 0);
  cr_assert_eq(r.ErrorCode, LW_KAFKA_INVALID_PRODUCER_EPOCH, "a stale epoch");
  r = init_pid(&f, 3, 4242, 0);
  cr_assert_eq(r.ErrorCode, LW_KAFKA_INVALID_PRODUCER_EPOCH, "an id never given");
  r = init_pid(&f, 2, -1, -1);
  cr_assert(r.ErrorCode == 0 && r.ProducerId == 1002 && r.ProducerEpoch == 0, "v2: a new id");
  free(f.pid_epoch);
}
