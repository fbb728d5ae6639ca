/* sysmetrics.h — the [sys] input: samples of CPU, load, memory, disk and network from /proc,
 * one JSON object per sample:
 *   {"host":"web-1","ts":"2026-11-21T17:20:00.123Z","interval_ms":10000,
 *    "cpu":{"cores":4,"busy_pct":55,"user_pct":40,"system_pct":15,"iowait_pct":5,
 *           "steal_pct":0},
 *    "load":[0.5,0.4,0.3],
 *    "mem":{"total_bytes":..,"available_bytes":..,"used_pct":61.2},
 *    "disk":{"read_bytes_per_sec":..,"write_bytes_per_sec":..},
 *    "net":{"rx_bytes_per_sec":..,"tx_bytes_per_sec":..}}
 * CPU percentages, disk and network rates are over the time since the previous sample; an
 * object whose source could not be read is left out. Percentages have one decimal.
 *
 * The parsers take file contents (sans-I/O, tested on fixed texts); lw_sys_read is the thin
 * layer over /proc, and lw_sys_sampler keeps the previous sample for the rates. Disks: whole
 * physical disks only (sda, vda, xvda, nvme0n1, mmcblk0, ...), so partitions, device-mapper
 * (LVM, dm-crypt) and md RAID devices, whose I/O also shows on the disks below them, are not
 * counted twice; loop, ram and zram devices are ignored. Network: every interface but lo. */
#ifndef LW_SYSMETRICS_H
#define LW_SYSMETRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

typedef struct lw_sys_cpu {
  /* Jiffies (USER_HZ) of the aggregate "cpu" line of /proc/stat. */
  uint64_t user, nice, system, idle, iowait, irq, softirq, steal;
  int cores; /* "cpuN" lines */
} lw_sys_cpu;

enum { LW_SYS_CPU = 1, LW_SYS_LOAD = 2, LW_SYS_MEM = 4, LW_SYS_DISK = 8, LW_SYS_NET = 16 };

typedef struct lw_sys_sample {
  uint64_t mono_us; /* monotonic time of the sample (rates) */
  int64_t wall_ms;  /* wall clock (the "ts" field) */
  unsigned have;    /* LW_SYS_* parts that were read */
  lw_sys_cpu cpu;
  double load[3];
  uint64_t mem_total, mem_available; /* bytes */
  uint64_t disk_read, disk_write;    /* bytes since boot, summed over whole disks */
  uint64_t net_rx, net_tx;           /* bytes since boot, summed over interfaces but lo */
} lw_sys_sample;

/* Parsers: LW_OK, or LW_ERR_MALFORMED when the text lacks what is needed. */
int lw_sys_parse_stat(const char *text, size_t len, lw_sys_cpu *out);
int lw_sys_parse_loadavg(const char *text, size_t len, double out[3]);
/* MemTotal and MemAvailable (MemFree + Buffers + Cached on kernels without it), in bytes. */
int lw_sys_parse_meminfo(const char *text, size_t len, uint64_t *total, uint64_t *available);
/* Sectors read and written (x 512 bytes) over whole disks. */
int lw_sys_parse_diskstats(const char *text, size_t len, uint64_t *read_bytes,
                           uint64_t *write_bytes);
int lw_sys_parse_netdev(const char *text, size_t len, uint64_t *rx_bytes, uint64_t *tx_bytes);
/* Whether a /proc/diskstats device name is a whole physical disk (see above). */
bool lw_sys_whole_disk(const char *name, size_t len);

/* Append the JSON object for `cur`, with rates against `prev` (NULL: no rates). Returns
 * b->err. */
int lw_sys_json(lw_buf *b, const char *host, const lw_sys_sample *prev, const lw_sys_sample *cur);

/* Read proc_root/{stat,loadavg,meminfo,diskstats,net/dev} (proc_root NULL: "/proc") into out,
 * stamped with the given times. Returns LW_OK when at least one part was read, else
 * LW_ERR_IO. Blocking reads of /proc files: fast, no disk I/O. */
int lw_sys_read(const char *proc_root, uint64_t mono_us, int64_t wall_ms, lw_sys_sample *out);

typedef struct lw_sys_sampler {
  char root[200];
  lw_sys_sample prev;
  bool have_prev;
} lw_sys_sampler;

/* proc_root NULL means "/proc" (tests point it at a directory of sample files). */
void lw_sys_sampler_init(lw_sys_sampler *s, const char *proc_root);
/* Take a sample (call every interval_s from a loop timer). Appends one JSON object to out
 * and returns LW_OK; the first call only records a baseline and returns LW_ERR_NEED_MORE;
 * LW_ERR_IO when nothing could be read; out's error when it is full. */
int lw_sys_sampler_tick(lw_sys_sampler *s, const char *host, uint64_t mono_us, int64_t wall_ms,
                        lw_buf *out);

#endif
