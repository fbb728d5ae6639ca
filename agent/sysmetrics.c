/* sysmetrics.c — /proc parsers, rates and the JSON sample of the [sys] input (see
 * sysmetrics.h). */
#include "agent/sysmetrics.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/json.h"
#include "base/err.h"

/* ---- Line and field scanning over (text, len), no NUL needed ---- */

typedef struct scan {
  const char *p, *end;
} scan;

/* Next line into [*ls, *le); false at the end. */
static bool next_line(scan *s, const char **ls, const char **le) {
  if (s->p >= s->end)
    return false;
  *ls = s->p;
  const char *nl = memchr(s->p, '\n', (size_t)(s->end - s->p));
  *le = nl ? nl : s->end;
  s->p = nl ? nl + 1 : s->end;
  return true;
}

static void skip_blanks(const char **p, const char *end) {
  while (*p < end && (**p == ' ' || **p == '\t'))
    (*p)++;
}

/* Unsigned decimal; false when no digit. Saturates instead of wrapping. */
static bool read_u64(const char **p, const char *end, uint64_t *out) {
  skip_blanks(p, end);
  const char *s = *p;
  uint64_t v = 0;
  while (*p < end && **p >= '0' && **p <= '9') {
    uint64_t d = (uint64_t)(**p - '0');
    v = v > (UINT64_MAX - d) / 10 ? UINT64_MAX : v * 10 + d;
    (*p)++;
  }
  *out = v;
  return *p > s;
}

/* "12.34": decimal without exponent or locale. */
static bool read_decimal(const char **p, const char *end, double *out) {
  uint64_t ip, fp = 0;
  if (!read_u64(p, end, &ip))
    return false;
  double v = (double)ip, scale = 1;
  if (*p < end && **p == '.') {
    (*p)++;
    while (*p < end && **p >= '0' && **p <= '9' && scale < 1e15) {
      fp = fp * 10 + (uint64_t)(**p - '0');
      scale *= 10;
      (*p)++;
    }
  }
  *out = v + (double)fp / scale;
  return true;
}

static bool starts(const char *ls, const char *le, const char *prefix) {
  size_t n = strlen(prefix);
  return (size_t)(le - ls) >= n && memcmp(ls, prefix, n) == 0;
}

/* ---- Parsers ---- */

int lw_sys_parse_stat(const char *text, size_t len, lw_sys_cpu *out) {
  memset(out, 0, sizeof(*out));
  scan s = {text, text + len};
  const char *ls, *le;
  bool agg = false;
  while (next_line(&s, &ls, &le)) {
    if (!starts(ls, le, "cpu"))
      continue;
    if (ls + 3 < le && ls[3] >= '0' && ls[3] <= '9') {
      out->cores++;
      continue;
    }
    /* "cpu  user nice system idle iowait irq softirq steal guest guest_nice"; guest time is
     * already inside user, so it is not read. Older kernels stop after idle. */
    const char *p = ls + 3;
    uint64_t *f[8] = {&out->user,   &out->nice, &out->system,  &out->idle,
                      &out->iowait, &out->irq,  &out->softirq, &out->steal};
    int n = 0;
    while (n < 8 && read_u64(&p, le, f[n]))
      n++;
    agg = n >= 4;
  }
  return agg ? LW_OK : LW_ERR_MALFORMED;
}

int lw_sys_parse_loadavg(const char *text, size_t len, double out[3]) {
  const char *p = text, *end = text + len;
  for (int i = 0; i < 3; i++)
    if (!read_decimal(&p, end, &out[i]))
      return LW_ERR_MALFORMED;
  return LW_OK;
}

int lw_sys_parse_meminfo(const char *text, size_t len, uint64_t *total, uint64_t *available) {
  static const char *names[] = {"MemTotal:", "MemAvailable:", "MemFree:", "Buffers:", "Cached:"};
  uint64_t v[5] = {0};
  bool seen[5] = {false};
  scan s = {text, text + len};
  const char *ls, *le;
  while (next_line(&s, &ls, &le))
    for (int i = 0; i < 5; i++)
      if (starts(ls, le, names[i])) {
        const char *p = ls + strlen(names[i]);
        seen[i] = read_u64(&p, le, &v[i]);
      }
  if (!seen[0] || v[0] == 0)
    return LW_ERR_MALFORMED;
  *total = v[0] * 1024; /* the file says kB; it means KiB */
  if (seen[1])
    *available = v[1] * 1024;
  else if (seen[2])
    *available = (v[2] + v[3] + v[4]) * 1024;
  else
    return LW_ERR_MALFORMED;
  return LW_OK;
}

static bool all_digits(const char *s, size_t n) {
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (s[i] < '0' || s[i] > '9')
      return false;
  return true;
}

static bool prefixed(const char *s, size_t n, const char *prefix) {
  size_t k = strlen(prefix);
  return n >= k && memcmp(s, prefix, k) == 0;
}

bool lw_sys_whole_disk(const char *s, size_t n) {
  /* Virtual or layered devices: counted at the physical disks below (or not disks at all). */
  static const char *skip[] = {"loop", "ram", "zram", "dm-", "md", "fd", "nbd"};
  for (size_t i = 0; i < sizeof skip / sizeof *skip; i++)
    if (prefixed(s, n, skip[i]))
      return false;
  /* sdX, hdX, vdX, xvdX: letters are disks, trailing digits are partitions. */
  static const char *letter_families[] = {"xvd", "sd", "hd", "vd"};
  for (size_t i = 0; i < sizeof letter_families / sizeof *letter_families; i++) {
    size_t k = strlen(letter_families[i]);
    if (prefixed(s, n, letter_families[i]) && n > k) {
      for (size_t j = k; j < n; j++)
        if (s[j] < 'a' || s[j] > 'z')
          return false;
      return true;
    }
  }
  /* nvme0n1 / mmcblk0 are disks; nvme0n1p2 / mmcblk0p1 partitions; nvme0c0n1 is a hidden
   * per-controller path of a multipath namespace; mmcblk0boot0 and mmcblk0rpmb are
   * hardware partitions. */
  if (prefixed(s, n, "nvme")) {
    const char *p = s + 4, *end = s + n;
    size_t d = 0;
    while (p + d < end && p[d] >= '0' && p[d] <= '9')
      d++;
    if (!d || p + d >= end || p[d] != 'n')
      return false;
    return all_digits(p + d + 1, (size_t)(end - (p + d + 1)));
  }
  if (prefixed(s, n, "mmcblk"))
    return all_digits(s + 6, n - 6);
  /* Anything else (vda-like names from other drivers, sr0, rbd0): a name ending in
   * "<digit>p<digits>" is a partition. */
  size_t j = n;
  while (j > 0 && s[j - 1] >= '0' && s[j - 1] <= '9')
    j--;
  if (j < n && j >= 2 && s[j - 1] == 'p' && s[j - 2] >= '0' && s[j - 2] <= '9')
    return false;
  return n > 0;
}

int lw_sys_parse_diskstats(const char *text, size_t len, uint64_t *read_bytes,
                           uint64_t *write_bytes) {
  *read_bytes = *write_bytes = 0;
  scan s = {text, text + len};
  const char *ls, *le;
  int lines = 0;
  while (next_line(&s, &ls, &le)) {
    /* major minor name reads merged sectors_read ms writes merged sectors_written ... */
    const char *p = ls;
    uint64_t major, minor, f[7];
    if (!read_u64(&p, le, &major) || !read_u64(&p, le, &minor))
      continue;
    skip_blanks(&p, le);
    const char *name = p;
    while (p < le && *p != ' ' && *p != '\t')
      p++;
    size_t nn = (size_t)(p - name);
    int k = 0;
    while (k < 7 && read_u64(&p, le, &f[k]))
      k++;
    if (k < 7 || nn == 0)
      continue;
    lines++;
    if (!lw_sys_whole_disk(name, nn))
      continue;
    *read_bytes += f[2] * 512; /* sectors are 512 bytes here, whatever the device's */
    *write_bytes += f[6] * 512;
  }
  return lines ? LW_OK : LW_ERR_MALFORMED;
}

int lw_sys_parse_netdev(const char *text, size_t len, uint64_t *rx_bytes, uint64_t *tx_bytes) {
  *rx_bytes = *tx_bytes = 0;
  scan s = {text, text + len};
  const char *ls, *le;
  int lines = 0;
  while (next_line(&s, &ls, &le)) {
    /* "  eth0: rx_bytes packets errs drop fifo frame compressed multicast tx_bytes ..."
     * (the two header lines have no ':' before a number and are skipped). */
    const char *colon = memchr(ls, ':', (size_t)(le - ls));
    if (!colon)
      continue;
    const char *name = ls;
    skip_blanks(&name, colon);
    size_t nn = (size_t)(colon - name);
    const char *p = colon + 1;
    uint64_t f[9];
    int k = 0;
    while (k < 9 && read_u64(&p, le, &f[k]))
      k++;
    if (k < 9)
      continue;
    lines++;
    if (nn == 2 && memcmp(name, "lo", 2) == 0)
      continue;
    *rx_bytes += f[0];
    *tx_bytes += f[8];
  }
  return lines ? LW_OK : LW_ERR_MALFORMED;
}

/* ---- JSON ---- */

static double pct1(uint64_t part, uint64_t total) {
  if (total == 0)
    return 0;
  /* One decimal, rounded half up, without libm. */
  return (double)((part * 2000 + total) / (2 * total)) / 10.0;
}

static uint64_t delta(uint64_t cur, uint64_t prev) {
  return cur >= prev ? cur - prev : 0; /* counters reset (device gone, wrap): no rate */
}

static uint64_t per_sec(uint64_t d, uint64_t dt_us) {
  return dt_us ? (uint64_t)((double)d * 1e6 / (double)dt_us + 0.5) : 0;
}

int lw_sys_json(lw_buf *b, const char *host, const lw_sys_sample *prev, const lw_sys_sample *cur) {
  lw_json j;
  lw_json_init(&j, b);
  char ts[32];
  lw_json_fmt_ts(ts, cur->wall_ms);
  uint64_t dt = prev && cur->mono_us > prev->mono_us ? cur->mono_us - prev->mono_us : 0;
  lw_json_obj_begin(&j);
  lw_json_key(&j, "host");
  lw_json_str(&j, host);
  lw_json_key(&j, "ts");
  lw_json_str(&j, ts);
  if (dt) {
    lw_json_key(&j, "interval_ms");
    lw_json_uint(&j, (dt + 500) / 1000);
  }
  unsigned both = prev && dt ? prev->have & cur->have : 0;
  if (both & LW_SYS_CPU) {
    const lw_sys_cpu *a = &prev->cpu, *c = &cur->cpu;
    uint64_t user = delta(c->user, a->user) + delta(c->nice, a->nice);
    uint64_t sys =
        delta(c->system, a->system) + delta(c->irq, a->irq) + delta(c->softirq, a->softirq);
    uint64_t idle = delta(c->idle, a->idle), iow = delta(c->iowait, a->iowait);
    uint64_t steal = delta(c->steal, a->steal);
    uint64_t total = user + sys + idle + iow + steal;
    lw_json_key(&j, "cpu");
    lw_json_obj_begin(&j);
    lw_json_key(&j, "cores");
    lw_json_int(&j, c->cores);
    lw_json_key(&j, "busy_pct");
    lw_json_double(&j, pct1(total - idle - iow, total));
    lw_json_key(&j, "user_pct");
    lw_json_double(&j, pct1(user, total));
    lw_json_key(&j, "system_pct");
    lw_json_double(&j, pct1(sys, total));
    lw_json_key(&j, "iowait_pct");
    lw_json_double(&j, pct1(iow, total));
    lw_json_key(&j, "steal_pct");
    lw_json_double(&j, pct1(steal, total));
    lw_json_obj_end(&j);
  }
  if (cur->have & LW_SYS_LOAD) {
    lw_json_key(&j, "load");
    lw_json_arr_begin(&j);
    for (int i = 0; i < 3; i++)
      lw_json_double(&j, cur->load[i]);
    lw_json_arr_end(&j);
  }
  if (cur->have & LW_SYS_MEM) {
    lw_json_key(&j, "mem");
    lw_json_obj_begin(&j);
    lw_json_key(&j, "total_bytes");
    lw_json_uint(&j, cur->mem_total);
    lw_json_key(&j, "available_bytes");
    lw_json_uint(&j, cur->mem_available);
    lw_json_key(&j, "used_pct");
    uint64_t avail = cur->mem_available < cur->mem_total ? cur->mem_available : cur->mem_total;
    lw_json_double(&j, pct1(cur->mem_total - avail, cur->mem_total));
    lw_json_obj_end(&j);
  }
  if (both & LW_SYS_DISK) {
    lw_json_key(&j, "disk");
    lw_json_obj_begin(&j);
    lw_json_key(&j, "read_bytes_per_sec");
    lw_json_uint(&j, per_sec(delta(cur->disk_read, prev->disk_read), dt));
    lw_json_key(&j, "write_bytes_per_sec");
    lw_json_uint(&j, per_sec(delta(cur->disk_write, prev->disk_write), dt));
    lw_json_obj_end(&j);
  }
  if (both & LW_SYS_NET) {
    lw_json_key(&j, "net");
    lw_json_obj_begin(&j);
    lw_json_key(&j, "rx_bytes_per_sec");
    lw_json_uint(&j, per_sec(delta(cur->net_rx, prev->net_rx), dt));
    lw_json_key(&j, "tx_bytes_per_sec");
    lw_json_uint(&j, per_sec(delta(cur->net_tx, prev->net_tx), dt));
    lw_json_obj_end(&j);
  }
  lw_json_obj_end(&j);
  return lw_json_finish(&j);
}

/* ---- Reading /proc ---- */

#define PROC_MAX (1u << 20) /* /proc/stat's interrupt lines can be long; what we need is first */

/* Read root/name into b (reset first). A file over the ceiling is cut at its last complete
 * line. Returns LW_OK or LW_ERR_IO. */
static int read_file(const char *root, const char *name, lw_buf *b) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", root, name);
  lw_buf_reset(b);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return LW_ERR_IO;
  int rc = LW_OK;
  for (;;) {
    if (lw_buf_reserve(b, 16384) != LW_OK) {
      uint8_t *nl = b->len ? memrchr(b->data, '\n', b->len) : NULL;
      b->len = nl ? (size_t)(nl - b->data) + 1 : 0;
      b->err = LW_OK;
      break;
    }
    ssize_t r = read(fd, lw_buf_tail(b), b->cap - b->len);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      rc = LW_ERR_IO;
      break;
    }
    if (r == 0)
      break;
    lw_buf_commit(b, (size_t)r);
  }
  close(fd);
  return rc;
}

int lw_sys_read(const char *proc_root, uint64_t mono_us, int64_t wall_ms, lw_sys_sample *out) {
  const char *root = proc_root ? proc_root : "/proc";
  memset(out, 0, sizeof(*out));
  out->mono_us = mono_us;
  out->wall_ms = wall_ms;
  lw_buf b;
  lw_buf_init(&b, PROC_MAX);
  const char *t;
  if (read_file(root, "stat", &b) == LW_OK && (t = (const char *)b.data) &&
      lw_sys_parse_stat(t, b.len, &out->cpu) == LW_OK)
    out->have |= LW_SYS_CPU;
  if (read_file(root, "loadavg", &b) == LW_OK && (t = (const char *)b.data) &&
      lw_sys_parse_loadavg(t, b.len, out->load) == LW_OK)
    out->have |= LW_SYS_LOAD;
  if (read_file(root, "meminfo", &b) == LW_OK && (t = (const char *)b.data) &&
      lw_sys_parse_meminfo(t, b.len, &out->mem_total, &out->mem_available) == LW_OK)
    out->have |= LW_SYS_MEM;
  if (read_file(root, "diskstats", &b) == LW_OK && (t = (const char *)b.data) &&
      lw_sys_parse_diskstats(t, b.len, &out->disk_read, &out->disk_write) == LW_OK)
    out->have |= LW_SYS_DISK;
  if (read_file(root, "net/dev", &b) == LW_OK && (t = (const char *)b.data) &&
      lw_sys_parse_netdev(t, b.len, &out->net_rx, &out->net_tx) == LW_OK)
    out->have |= LW_SYS_NET;
  lw_buf_free(&b);
  return out->have ? LW_OK : LW_ERR_IO;
}

void lw_sys_sampler_init(lw_sys_sampler *s, const char *proc_root) {
  memset(s, 0, sizeof(*s));
  snprintf(s->root, sizeof s->root, "%s", proc_root ? proc_root : "/proc");
}

int lw_sys_sampler_tick(lw_sys_sampler *s, const char *host, uint64_t mono_us, int64_t wall_ms,
                        lw_buf *out) {
  lw_sys_sample cur;
  if (lw_sys_read(s->root, mono_us, wall_ms, &cur) != LW_OK)
    return LW_ERR_IO;
  int rc = LW_ERR_NEED_MORE;
  if (s->have_prev)
    rc = lw_sys_json(out, host, &s->prev, &cur);
  s->prev = cur;
  s->have_prev = true;
  return rc;
}
