/* api.c — API keys, version ranges, flexible versions, request/response headers, framing, and
 * the decode-any-body dispatcher used by --trace, the tests and the fuzzers. */
#include "proto/api.h"

#include "proto/api_versions.h"
#include "proto/codec.h"
#include "proto/describe_configs.h"
#include "proto/fetch.h"
#include "proto/init_producer_id.h"
#include "proto/list_offsets.h"
#include "proto/metadata.h"
#include "proto/produce.h"
#include "proto/sasl.h"

typedef struct {
  int16_t key;
  const char *name;
  int16_t min, max; /* versions logwire implements */
  int16_t flex;     /* first flexible version (Kafka 4.1's flexibleVersions), -1: never */
} api_info;

static const api_info apis[] = {
    {LW_API_PRODUCE, "Produce", 0, 13, 9},
    {LW_API_FETCH, "Fetch", 4, 18, 12},
    {LW_API_LIST_OFFSETS, "ListOffsets", 1, 10, 6},
    {LW_API_METADATA, "Metadata", 0, 13, 9},
    {LW_API_SASL_HANDSHAKE, "SaslHandshake", 0, 1, -1},
    {LW_API_API_VERSIONS, "ApiVersions", 0, 4, 3},
    {LW_API_INIT_PRODUCER_ID, "InitProducerId", 0, 5, 2},
    {LW_API_DESCRIBE_CONFIGS, "DescribeConfigs", 0, 4, 4},
    {LW_API_SASL_AUTHENTICATE, "SaslAuthenticate", 0, 2, 2},
};

static const api_info *find_api(int16_t key) {
  for (size_t i = 0; i < sizeof apis / sizeof *apis; i++)
    if (apis[i].key == key)
      return &apis[i];
  return NULL;
}

/* Names of every API key Kafka 4.1 defines, including those logwire does not implement, so
 * that `logwire versions` and --trace can name whatever a broker advertises. */
static const char *const all_names[] = {
    [0] = "Produce",
    [1] = "Fetch",
    [2] = "ListOffsets",
    [3] = "Metadata",
    [8] = "OffsetCommit",
    [9] = "OffsetFetch",
    [10] = "FindCoordinator",
    [11] = "JoinGroup",
    [12] = "Heartbeat",
    [13] = "LeaveGroup",
    [14] = "SyncGroup",
    [15] = "DescribeGroups",
    [16] = "ListGroups",
    [17] = "SaslHandshake",
    [18] = "ApiVersions",
    [19] = "CreateTopics",
    [20] = "DeleteTopics",
    [21] = "DeleteRecords",
    [22] = "InitProducerId",
    [23] = "OffsetForLeaderEpoch",
    [24] = "AddPartitionsToTxn",
    [25] = "AddOffsetsToTxn",
    [26] = "EndTxn",
    [27] = "WriteTxnMarkers",
    [28] = "TxnOffsetCommit",
    [29] = "DescribeAcls",
    [30] = "CreateAcls",
    [31] = "DeleteAcls",
    [32] = "DescribeConfigs",
    [33] = "AlterConfigs",
    [34] = "AlterReplicaLogDirs",
    [35] = "DescribeLogDirs",
    [36] = "SaslAuthenticate",
    [37] = "CreatePartitions",
    [38] = "CreateDelegationToken",
    [39] = "RenewDelegationToken",
    [40] = "ExpireDelegationToken",
    [41] = "DescribeDelegationToken",
    [42] = "DeleteGroups",
    [43] = "ElectLeaders",
    [44] = "IncrementalAlterConfigs",
    [45] = "AlterPartitionReassignments",
    [46] = "ListPartitionReassignments",
    [47] = "OffsetDelete",
    [48] = "DescribeClientQuotas",
    [49] = "AlterClientQuotas",
    [50] = "DescribeUserScramCredentials",
    [51] = "AlterUserScramCredentials",
    [55] = "DescribeQuorum",
    [57] = "UpdateFeatures",
    [60] = "DescribeCluster",
    [61] = "DescribeProducers",
    [64] = "UnregisterBroker",
    [65] = "DescribeTransactions",
    [66] = "ListTransactions",
    [68] = "ConsumerGroupHeartbeat",
    [69] = "ConsumerGroupDescribe",
    [74] = "ListConfigResources",
    [75] = "DescribeTopicPartitions",
    [76] = "ShareGroupHeartbeat",
    [77] = "ShareGroupDescribe",
    [78] = "ShareFetch",
    [79] = "ShareAcknowledge",
    [80] = "AddRaftVoter",
    [81] = "RemoveRaftVoter",
    [83] = "InitializeShareGroupState",
    [84] = "ReadShareGroupState",
    [85] = "WriteShareGroupState",
    [86] = "DeleteShareGroupState",
    [87] = "ReadShareGroupStateSummary",
    [90] = "DescribeShareGroupOffsets",
    [91] = "AlterShareGroupOffsets",
    [92] = "DeleteShareGroupOffsets",
    [4] = "LeaderAndIsr",
    [5] = "StopReplica",
    [6] = "UpdateMetadata",
    [7] = "ControlledShutdown",
    [52] = "Vote",
    [53] = "BeginQuorumEpoch",
    [54] = "EndQuorumEpoch",
    [56] = "AlterPartition",
    [58] = "Envelope",
    [59] = "FetchSnapshot",
    [62] = "BrokerRegistration",
    [63] = "BrokerHeartbeat",
    [67] = "AllocateProducerIds",
    [70] = "ControllerRegistration",
    [71] = "GetTelemetrySubscriptions",
    [72] = "PushTelemetry",
    [73] = "AssignReplicasToDirs",
    [82] = "UpdateRaftVoter",
};

const char *lw_api_name(int16_t api_key) {
  const api_info *a = find_api(api_key);
  if (a)
    return a->name;
  if (api_key >= 0 && (size_t)api_key < sizeof all_names / sizeof *all_names && all_names[api_key])
    return all_names[api_key];
  return "Unknown";
}

bool lw_api_range(int16_t api_key, int16_t *min, int16_t *max) {
  const api_info *a = find_api(api_key);
  if (!a)
    return false;
  *min = a->min;
  *max = a->max;
  return true;
}

/* Flexibility follows the spec's "N+" rule, also for versions above logwire's range (an
 * ApiVersions request of a newer version is still sent with header v2). */
bool lw_api_flexible(int16_t api_key, int16_t version) {
  const api_info *a = find_api(api_key);
  return a && a->flex >= 0 && version >= a->flex;
}

int lw_req_header_version(int16_t api_key, int16_t version) {
  return lw_api_flexible(api_key, version) ? 2 : 1;
}

int lw_resp_header_version(int16_t api_key, int16_t version) {
  if (api_key == LW_API_API_VERSIONS)
    return 0;
  return lw_api_flexible(api_key, version) ? 1 : 0;
}

int lw_req_header_encode(lw_buf *b, const lw_req_header *h) {
  lw_buf_put_i16(b, h->ApiKey);        /* RequestApiKey, v0+ */
  lw_buf_put_i16(b, h->ApiVersion);    /* RequestApiVersion, v0+ */
  lw_buf_put_i32(b, h->CorrelationId); /* CorrelationId, v0+ */
  lw_put_string(b, h->ClientId);       /* ClientId, v1+: always int16 length, nullable */
  if (lw_req_header_version(h->ApiKey, h->ApiVersion) >= 2)
    lw_put_tags_none(b, true); /* v2+ */
  return b->err;
}

int lw_req_header_decode(lw_cur *c, lw_req_header *h) {
  lw_rd_group(c, "RequestHeader");
  h->ApiKey = lw_rd_i16(c, "RequestApiKey");
  h->ApiVersion = lw_rd_i16(c, "RequestApiVersion");
  h->CorrelationId = lw_rd_i32(c, "CorrelationId");
  h->ClientId = lw_rd_nstring(c, false, "ClientId");
  /* Unknown API keys are read as header v1: logwire cannot know their flexible versions. */
  if (!c->err && lw_req_header_version(h->ApiKey, h->ApiVersion) >= 2)
    lw_rd_tags_skip(c, true);
  lw_rd_group_end(c);
  return c->err;
}

int lw_resp_header_encode(lw_buf *b, int16_t api_key, int16_t version, int32_t correlation_id) {
  lw_buf_put_i32(b, correlation_id); /* CorrelationId, v0+ */
  if (lw_resp_header_version(api_key, version) >= 1)
    lw_put_tags_none(b, true); /* v1+ */
  return b->err;
}

int lw_resp_header_decode(lw_cur *c, int16_t api_key, int16_t version, int32_t *correlation_id) {
  lw_rd_group(c, "ResponseHeader");
  *correlation_id = lw_rd_i32(c, "CorrelationId");
  if (lw_resp_header_version(api_key, version) >= 1)
    lw_rd_tags_skip(c, true);
  lw_rd_group_end(c);
  return c->err;
}

size_t lw_frame_begin(lw_buf *b) {
  size_t off = b->len;
  lw_buf_put_i32(b, 0); /* Size, patched by lw_frame_end */
  return off;
}

int lw_frame_end(lw_buf *b, size_t off) {
  if (b->err)
    return b->err;
  if (off + 4 > b->len) {
    b->err = LW_ERR_INVALID_ARG;
    return b->err;
  }
  size_t n = lw_buf_total_since(b, off) - 4;
  if (n > INT32_MAX) {
    b->err = LW_ERR_TOO_LARGE;
    return b->err;
  }
  lw_buf_patch_i32(b, off, (int32_t)n);
  return b->err;
}

int lw_frame_peek(const uint8_t *p, size_t len, size_t max_size, size_t *frame_len) {
  if (len < 4)
    return LW_ERR_NEED_MORE;
  int32_t size =
      (int32_t)((uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3]);
  if (size < 0)
    return LW_ERR_MALFORMED;
  if ((size_t)size > max_size)
    return LW_ERR_TOO_LARGE;
  if (len - 4 < (size_t)size)
    return LW_ERR_NEED_MORE;
  *frame_len = (size_t)size;
  return LW_OK;
}

/* Every decoded message type, so that the dispatcher needs one object on the stack. */
typedef union {
  lw_apiver_req apiver_req;
  lw_apiver_resp apiver_resp;
  lw_md_req md_req;
  lw_md_resp md_resp;
  lw_produce_req produce_req;
  lw_produce_resp produce_resp;
  lw_initpid_req initpid_req;
  lw_initpid_resp initpid_resp;
  lw_lo_req lo_req;
  lw_lo_resp lo_resp;
  lw_fetch_req fetch_req;
  lw_fetch_resp fetch_resp;
  lw_sasl_handshake_req hs_req;
  lw_sasl_handshake_resp hs_resp;
  lw_sasl_auth_req auth_req;
  lw_sasl_auth_resp auth_resp;
  lw_dc_req dc_req;
  lw_dc_resp dc_resp;
} any_msg;

int lw_api_decode_body(lw_cur *c, int16_t api_key, int16_t version, bool is_request, lw_arena *a) {
  any_msg m;
  /* ApiVersions responses are let through at any version: an UNSUPPORTED_VERSION answer has
   * the v0 layout whatever was asked, and lw_apiver_resp_decode knows how to read it. */
  if (!(api_key == LW_API_API_VERSIONS && !is_request) &&
      lw_codec_check_version(api_key, version) != LW_OK)
    return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  switch (api_key) {
    case LW_API_PRODUCE:
      return is_request ? lw_produce_req_decode(c, version, a, &m.produce_req)
                        : lw_produce_resp_decode(c, version, a, &m.produce_resp);
    case LW_API_FETCH:
      return is_request ? lw_fetch_req_decode(c, version, a, &m.fetch_req)
                        : lw_fetch_resp_decode(c, version, a, &m.fetch_resp);
    case LW_API_LIST_OFFSETS:
      return is_request ? lw_lo_req_decode(c, version, a, &m.lo_req)
                        : lw_lo_resp_decode(c, version, a, &m.lo_resp);
    case LW_API_METADATA:
      return is_request ? lw_md_req_decode(c, version, a, &m.md_req)
                        : lw_md_resp_decode(c, version, a, &m.md_resp);
    case LW_API_SASL_HANDSHAKE:
      return is_request ? lw_sasl_handshake_req_decode(c, version, &m.hs_req)
                        : lw_sasl_handshake_resp_decode(c, version, a, &m.hs_resp);
    case LW_API_API_VERSIONS:
      return is_request ? lw_apiver_req_decode(c, version, &m.apiver_req)
                        : lw_apiver_resp_decode(c, version, a, &m.apiver_resp);
    case LW_API_INIT_PRODUCER_ID:
      return is_request ? lw_initpid_req_decode(c, version, &m.initpid_req)
                        : lw_initpid_resp_decode(c, version, &m.initpid_resp);
    case LW_API_DESCRIBE_CONFIGS:
      return is_request ? lw_dc_req_decode(c, version, a, &m.dc_req)
                        : lw_dc_resp_decode(c, version, a, &m.dc_resp);
    case LW_API_SASL_AUTHENTICATE:
      return is_request ? lw_sasl_auth_req_decode(c, version, &m.auth_req)
                        : lw_sasl_auth_resp_decode(c, version, &m.auth_resp);
    default:
      return lw_cur_fail(c, LW_ERR_UNSUPPORTED);
  }
}
