/* test_sysmetrics.c — the [sys] input on fixed /proc texts (written for this test in the
 * kernel's formats): each parser, which devices count as whole disks, the rates and
 * percentages of two samples, and the sampler reading a directory laid out like /proc. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "agent/sysmetrics.h"
#include "base/err.h"

static const char stat1[] = "cpu  10000 200 3000 80000 400 50 50 0 0 0\n"
                            "cpu0 5000 100 1500 40000 200 25 25 0 0 0\n"
                            "cpu1 5000 100 1500 40000 200 25 25 0 0 0\n"
                            "intr 123456 0 9 0 0 0 0 0 0 1 0 0 0 0\n"
                            "ctxt 987654\n"
                            "btime 1700000000\n"
                            "processes 4321\n";
/* One interval later, over 1000 jiffies in all: user 300 + nice 100, system 60 + irq 20 +
 * softirq 20, idle 400, iowait 50, steal 50. */
static const char stat2[] = "cpu  10300 300 3060 80400 450 70 70 50 0 0\n"
                            "cpu0 5150 150 1530 40200 225 35 35 25 0 0\n"
                            "cpu1 5150 150 1530 40200 225 35 35 25 0 0\n"
                            "intr 123999 0 9 0 0 0 0 0 0 1 0 0 0 0\n";

static const char loadavg[] = "0.52 1.25 10.00 2/345 6789\n";

static const char meminfo[] = "MemTotal:        8000000 kB\n"
                              "MemFree:          500000 kB\n"
                              "MemAvailable:    2000000 kB\n"
                              "Buffers:          100000 kB\n"
                              "Cached:          1000000 kB\n"
                              "SwapCached:            0 kB\n";

static const char meminfo_old[] = "MemTotal:        8000000 kB\n"
                                  "MemFree:          500000 kB\n"
                                  "Buffers:          100000 kB\n"
                                  "Cached:          1000000 kB\n";

/* major minor name reads merged sectors_read ms writes merged sectors_written ms ... */
static const char disk1[] =
    "   7       0 loop0 100 0 80000 10 0 0 0 0 0 10 10\n"
    "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0\n"
    "   8       0 sda 1000 10 100000 500 2000 20 200000 900 0 800 1400 0 0 0 0\n"
    "   8       1 sda1 900 10 90000 450 1900 20 190000 850 0 700 1300 0 0 0 0\n"
    " 259       0 nvme0n1 500 0 50000 100 700 0 70000 200 0 300 300\n"
    " 259       1 nvme0n1p1 500 0 50000 100 700 0 70000 200 0 300 300\n"
    " 253       0 dm-0 1400 0 140000 600 2600 0 260000 1100 0 900 1700\n";
/* Two seconds later: sda read 4096 sectors, wrote 8192; nvme0n1 read 2048, wrote 0.
 * Partitions, loop and dm-0 change too but must not count. */
static const char disk2[] =
    "   7       0 loop0 100 0 999999 10 0 0 0 0 0 10 10\n"
    "   1       0 ram0 0 0 0 0 0 0 0 0 0 0 0\n"
    "   8       0 sda 1100 10 104096 500 2100 20 208192 900 0 800 1400 0 0 0 0\n"
    "   8       1 sda1 1000 10 94096 450 2000 20 198192 850 0 700 1300 0 0 0 0\n"
    " 259       0 nvme0n1 600 0 52048 100 700 0 70000 200 0 300 300\n"
    " 259       1 nvme0n1p1 600 0 52048 100 700 0 70000 200 0 300 300\n"
    " 253       0 dm-0 1500 0 146144 600 2700 0 268192 1100 0 900 1700\n";

static const char net1[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 9000000   1000    0    0    0     0          0         0  9000000    1000    0 "
    "   0    0     0       0          0\n"
    "  eth0: 1000000    800    0    0    0     0          0         0   500000     600    0 "
    "   0    0     0       0          0\n"
    " wlan0:   20000     10    0    0    0     0          0         0    10000       5    0 "
    "   0    0     0       0          0\n";
/* Two seconds later: eth0 +4000000 rx, +2000000 tx; wlan0 +100000 rx, +0 tx; lo +lots. */
static const char net2[] =
    "Inter-|   Receive                                                |  Transmit\n"
    " face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs "
    "drop fifo colls carrier compressed\n"
    "    lo: 99000000   1000    0    0    0     0          0         0  99000000    1000    0 "
    "   0    0     0       0          0\n"
    "  eth0:5000000    800    0    0    0     0          0         0  2500000     600    0 "
    "   0    0     0       0          0\n"
    " wlan0:  120000     10    0    0    0     0          0         0    10000       5    0 "
    "   0    0     0       0          0\n";

#define LEN(s) (sizeof(s) - 1)

Test(sys, stat) {
  lw_sys_cpu c;
  cr_assert_eq(lw_sys_parse_stat(stat1, LEN(stat1), &c), LW_OK);
  cr_assert_eq(c.user, 10000);
  cr_assert_eq(c.nice, 200);
  cr_assert_eq(c.system, 3000);
  cr_assert_eq(c.idle, 80000);
  cr_assert_eq(c.iowait, 400);
  cr_assert_eq(c.irq, 50);
  cr_assert_eq(c.softirq, 50);
  cr_assert_eq(c.steal, 0);
  cr_assert_eq(c.cores, 2);
  const char old[] = "cpu  1 2 3 4\n";
  cr_assert_eq(lw_sys_parse_stat(old, LEN(old), &c), LW_OK);
  cr_assert_eq(c.idle, 4);
  cr_assert_eq(c.iowait, 0);
  cr_assert_eq(lw_sys_parse_stat("intr 1 2\n", 9, &c), LW_ERR_MALFORMED);
  cr_assert_eq(lw_sys_parse_stat("cpu  1 2\n", 9, &c), LW_ERR_MALFORMED);
}

Test(sys, loadavg_and_meminfo) {
  double l[3];
  cr_assert_eq(lw_sys_parse_loadavg(loadavg, LEN(loadavg), l), LW_OK);
  cr_assert_float_eq(l[0], 0.52, 1e-12);
  cr_assert_float_eq(l[1], 1.25, 1e-12);
  cr_assert_float_eq(l[2], 10.0, 1e-12);
  cr_assert_eq(lw_sys_parse_loadavg("0.5 x", 5, l), LW_ERR_MALFORMED);

  uint64_t total, avail;
  cr_assert_eq(lw_sys_parse_meminfo(meminfo, LEN(meminfo), &total, &avail), LW_OK);
  cr_assert_eq(total, 8000000ull * 1024);
  cr_assert_eq(avail, 2000000ull * 1024);
  cr_assert_eq(lw_sys_parse_meminfo(meminfo_old, LEN(meminfo_old), &total, &avail), LW_OK);
  cr_assert_eq(avail, 1600000ull * 1024, "free + buffers + cached without MemAvailable");
  cr_assert_eq(lw_sys_parse_meminfo("Cached: 1 kB\n", 13, &total, &avail), LW_ERR_MALFORMED);
}

Test(sys, whole_disks) {
  const char *yes[] = {"sda",     "sdab",     "vda",     "xvdf", "hdc",
                       "nvme0n1", "nvme12n3", "mmcblk0", "sr0",  "rbd0"};
  const char *no[] = {"sda1",      "sdab12",       "vda2",  "xvdf1", "nvme0n1p1", "nvme0c0n1",
                      "mmcblk0p1", "mmcblk0boot0", "loop3", "ram0",  "zram0",     "dm-0",
                      "md127",     "fd0",          "nbd0",  "rbd0p1"};
  for (size_t i = 0; i < sizeof yes / sizeof *yes; i++)
    cr_assert(lw_sys_whole_disk(yes[i], strlen(yes[i])), "%s is a disk", yes[i]);
  for (size_t i = 0; i < sizeof no / sizeof *no; i++)
    cr_assert(!lw_sys_whole_disk(no[i], strlen(no[i])), "%s is not", no[i]);
}

Test(sys, diskstats_and_netdev) {
  uint64_t r, w;
  cr_assert_eq(lw_sys_parse_diskstats(disk1, LEN(disk1), &r, &w), LW_OK);
  cr_assert_eq(r, (100000ull + 50000) * 512, "sda + nvme0n1 only");
  cr_assert_eq(w, (200000ull + 70000) * 512);
  cr_assert_eq(lw_sys_parse_diskstats("garbage\n", 8, &r, &w), LW_ERR_MALFORMED);

  uint64_t rx, tx;
  cr_assert_eq(lw_sys_parse_netdev(net1, LEN(net1), &rx, &tx), LW_OK);
  cr_assert_eq(rx, 1020000, "eth0 + wlan0, not lo");
  cr_assert_eq(tx, 510000);
  cr_assert_eq(lw_sys_parse_netdev(net2, LEN(net2), &rx, &tx), LW_OK);
  cr_assert_eq(rx, 5120000, "\"eth0:5000000\" without a space");
  cr_assert_eq(lw_sys_parse_netdev("Inter-|\n face |\n", 16, &rx, &tx), LW_ERR_MALFORMED);
}

static void fill(lw_sys_sample *s, const char *st, size_t stn, const char *dk, size_t dkn,
                 const char *nt, size_t ntn, uint64_t mono, int64_t wall) {
  memset(s, 0, sizeof(*s));
  s->mono_us = mono;
  s->wall_ms = wall;
  cr_assert_eq(lw_sys_parse_stat(st, stn, &s->cpu), LW_OK);
  cr_assert_eq(lw_sys_parse_loadavg(loadavg, LEN(loadavg), s->load), LW_OK);
  cr_assert_eq(lw_sys_parse_meminfo(meminfo, LEN(meminfo), &s->mem_total, &s->mem_available),
               LW_OK);
  cr_assert_eq(lw_sys_parse_diskstats(dk, dkn, &s->disk_read, &s->disk_write), LW_OK);
  cr_assert_eq(lw_sys_parse_netdev(nt, ntn, &s->net_rx, &s->net_tx), LW_OK);
  s->have = LW_SYS_CPU | LW_SYS_LOAD | LW_SYS_MEM | LW_SYS_DISK | LW_SYS_NET;
}

#define WANT_JSON                                                                                  \
  "{\"host\":\"web-1\",\"ts\":\"2026-11-22T17:06:42.123Z\",\"interval_ms\":2000,"                  \
  "\"cpu\":{\"cores\":2,\"busy_pct\":55,\"user_pct\":40,\"system_pct\":10,\"iowait_pct\":5,"       \
  "\"steal_pct\":5},"                                                                              \
  "\"load\":[0.52,1.25,10],"                                                                       \
  "\"mem\":{\"total_bytes\":8192000000,\"available_bytes\":2048000000,\"used_pct\":75},"           \
  "\"disk\":{\"read_bytes_per_sec\":1572864,\"write_bytes_per_sec\":2097152},"                     \
  "\"net\":{\"rx_bytes_per_sec\":2050000,\"tx_bytes_per_sec\":1000000}}"

Test(sys, rates_and_percentages) {
  lw_sys_sample a, b;
  fill(&a, stat1, LEN(stat1), disk1, LEN(disk1), net1, LEN(net1), 1000000, 1795367200123);
  fill(&b, stat2, LEN(stat2), disk2, LEN(disk2), net2, LEN(net2), 3000000, 1795367202123);
  lw_buf out;
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_sys_json(&out, "web-1", &a, &b), LW_OK);
  lw_buf_put_u8(&out, 0);
  /* busy = 1000 - idle 400 - iowait 50; system = 60 + 20 + 20; disk read = (4096 + 2048)
   * sectors x 512 / 2 s; write = 8192 x 512 / 2 s; rx = (4000000 + 100000) / 2 s. */
  cr_assert_str_eq((const char *)out.data, WANT_JSON);

  /* Without a previous sample: no rates, no interval. */
  lw_buf_reset(&out);
  cr_assert_eq(lw_sys_json(&out, "web-1", NULL, &b), LW_OK);
  lw_buf_put_u8(&out, 0);
  cr_assert_str_eq((const char *)out.data,
                   "{\"host\":\"web-1\",\"ts\":\"2026-11-22T17:06:42.123Z\","
                   "\"load\":[0.52,1.25,10],\"mem\":{\"total_bytes\":8192000000,"
                   "\"available_bytes\":2048000000,\"used_pct\":75}}");

  /* Counters that went backwards (device removed) give 0, never a huge rate. */
  lw_buf_reset(&out);
  cr_assert_eq(lw_sys_json(&out, "web-1", &b,
                           &(lw_sys_sample){
                               .mono_us = 4000000, .have = LW_SYS_NET, .net_rx = 1, .net_tx = 1}),
               LW_OK);
  lw_buf_put_u8(&out, 0);
  cr_assert(strstr((const char *)out.data, "\"rx_bytes_per_sec\":0,\"tx_bytes_per_sec\":0"), "%s",
            (const char *)out.data);
  lw_buf_free(&out);
}

static void put(const char *dir, const char *name, const char *text) {
  char path[256];
  snprintf(path, sizeof path, "%s/%s", dir, name);
  FILE *f = fopen(path, "w");
  cr_assert(f, "%s", path);
  fputs(text, f);
  fclose(f);
}

Test(sys, sampler_reads_a_proc_directory) {
  char dir[] = "/tmp/lw-proc-XXXXXX";
  cr_assert(mkdtemp(dir));
  char sub[64];
  snprintf(sub, sizeof sub, "%s/net", dir);
  cr_assert_eq(mkdir(sub, 0700), 0);
  put(dir, "stat", stat1);
  put(dir, "loadavg", loadavg);
  put(dir, "meminfo", meminfo);
  put(dir, "diskstats", disk1);
  put(dir, "net/dev", net1);
  lw_sys_sampler s;
  lw_sys_sampler_init(&s, dir);
  lw_buf out;
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_sys_sampler_tick(&s, "web-1", 1000000, 1795367200123, &out), LW_ERR_NEED_MORE);
  cr_assert_eq(out.len, 0, "the first tick is only a baseline");
  put(dir, "stat", stat2);
  put(dir, "diskstats", disk2);
  put(dir, "net/dev", net2);
  cr_assert_eq(lw_sys_sampler_tick(&s, "web-1", 3000000, 1795367202123, &out), LW_OK);
  lw_buf_put_u8(&out, 0);
  cr_assert_str_eq((const char *)out.data, WANT_JSON);

  /* A missing file leaves its part out. */
  char path[256];
  snprintf(path, sizeof path, "%s/diskstats", dir);
  unlink(path);
  lw_buf_reset(&out);
  cr_assert_eq(lw_sys_sampler_tick(&s, "web-1", 5000000, 1795367204123, &out), LW_OK);
  lw_buf_put_u8(&out, 0);
  cr_assert_null(strstr((const char *)out.data, "\"disk\""));
  cr_assert(strstr((const char *)out.data, "\"net\""));
  lw_buf_free(&out);

  const char *names[] = {"stat", "loadavg", "meminfo", "net/dev"};
  for (size_t i = 0; i < 4; i++) {
    snprintf(path, sizeof path, "%s/%s", dir, names[i]);
    unlink(path);
  }
  rmdir(sub);
  rmdir(dir);
  lw_sys_sampler_init(&s, "/nonexistent");
  cr_assert_eq(lw_sys_sampler_tick(&s, "h", 1, 1, &out), LW_ERR_IO);
}

Test(sys, reads_the_real_proc) {
  lw_sys_sample s;
  cr_assert_eq(lw_sys_read(NULL, 1, 1, &s), LW_OK);
  cr_assert(s.have & LW_SYS_CPU);
  cr_assert(s.have & LW_SYS_MEM);
  cr_assert_gt(s.cpu.cores, 0);
  cr_assert_gt(s.mem_total, 0);
}
