/* cmd_fleet.c — `logwire fleet`: the operator's side of the configuration kept in etcd
 * (docs/FLEET.md). Every write is checked first with the same checker as `run --check` and
 * made with a compare-and-swap on the revision read, so two operators cannot overwrite each
 * other's change unseen. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/cli.h"
#include "agent/cmds.h"
#include "agent/config.h"
#include "agent/diag.h"
#include "base/json.h"
#include "fleet/etcd_client.h"
#include "fleet/etcd_msg.h"
#include "fleet/layout.h"
#include "base/err.h"

typedef struct fl {
  lw_loop *loop;
  lw_etcd *etcd;
  const char *prefix;
  lw_jtok *toks;
  lw_buf body; /* the last answer */
} fl;

typedef struct res {
  bool done;
  int err, status;
  char why[400];
  lw_buf *body;
} res;

static void on_done(void *ud, int err, int status, const uint8_t *body, size_t len,
                    const char *why) {
  res *r = ud;
  r->done = true;
  r->err = err;
  r->status = status;
  snprintf(r->why, sizeof r->why, "%s", why);
  lw_buf_reset(r->body);
  lw_buf_append(r->body, body, len);
}

/* POST and wait; parse the answer into *r. Returns LW_OK, or an error already printed. */
static int call(fl *f, const char *path, const lw_buf *req, lw_etcd_resp *r, bool quiet_codes) {
  res x = {.body = &f->body};
  if (req->err || lw_etcd_post(f->etcd, path, req->data, req->len, on_done, &x, NULL) != LW_OK) {
    fprintf(stderr, "logwire fleet: out of memory\n");
    return LW_ERR_NOMEM;
  }
  while (!x.done)
    lw_loop_run_once(f->loop, 100);
  if (x.err != LW_OK) {
    fprintf(stderr, "logwire fleet: %s\n", x.why);
    return x.err;
  }
  if (lw_etcd_resp_parse(r, (const char *)f->body.data, f->body.len, f->toks, LW_ETCD_MAX_TOKENS) !=
      LW_OK) {
    fprintf(stderr, "logwire fleet: etcd answered HTTP %d with something unreadable\n", x.status);
    return LW_ERR_MALFORMED;
  }
  if (r->code) {
    if (!quiet_codes)
      fprintf(stderr, "logwire fleet: etcd: %s\n", r->message);
    return LW_ERR_IO;
  }
  return LW_OK;
}

static void key_of(fl *f, char *out, size_t n, const char *kind, const char *host) {
  lw_fleet_key(out, n, f->prefix, kind, host);
}

/* Read key (at revision rev when > 0): value into val, *mod its mod_revision (0: absent). */
static int get_kv(fl *f, const char *key, int64_t rev, lw_buf *val, int64_t *mod, int64_t *create,
                  bool quiet) {
  lw_buf b;
  lw_buf_init(&b, 8192);
  lw_etcd_range_body(&b, key, false, rev, false);
  lw_etcd_resp r;
  int rc = call(f, "/v3/kv/range", &b, &r, quiet);
  lw_buf_free(&b);
  *mod = 0;
  if (rc != LW_OK)
    return rc;
  int kv = lw_jdoc_at(&r.doc, lw_etcd_kvs(&r, r.root), 0);
  if (kv < 0)
    return LW_OK;
  lw_etcd_kv e;
  lw_buf_init(&e.key, 4096);
  e.value = *val;
  lw_buf_reset(&e.value);
  rc = lw_etcd_kv_decode(&r.doc, kv, &e);
  *val = e.value;
  lw_buf_free(&e.key);
  *mod = e.mod_revision;
  if (create)
    *create = e.create_revision;
  return rc;
}

/* The same check as `run --check` on a fragment; problems as HOST:LINE: KEY: PROBLEM. */
static int check(const char *host, const char *text, size_t len) {
  lw_diag d;
  lw_diag_init(&d);
  int rc;
  if (lw_fleet_is_json(text, len)) {
    lw_buf ini;
    char why[300];
    lw_buf_init(&ini, LW_ETCD_MAX_BODY * 2);
    rc = lw_fleet_json_to_ini(text, len, &ini, why, sizeof why);
    if (rc != LW_OK)
      lw_diag_add(&d, LW_DIAG_ERROR, host, 0, NULL, "%s", why);
    else
      rc = lw_config_check_fragment(host, ini.data ? (const char *)ini.data : "", ini.len, &d);
    lw_buf_free(&ini);
  } else {
    rc = lw_config_check_fragment(host, text, len, &d);
  }
  lw_diag_print(&d, stderr);
  lw_diag_free(&d);
  return rc;
}

/* Compare-and-swap: write val if the key's mod_revision is still `mod`. */
static int cas(fl *f, const char *host, const char *key, const void *val, size_t n, int64_t mod) {
  lw_buf b;
  lw_buf_init(&b, LW_ETCD_MAX_BODY * 2);
  lw_etcd_cas_body(&b, key, val, n, mod);
  lw_etcd_resp r;
  int rc = call(f, "/v3/kv/txn", &b, &r, false);
  lw_buf_free(&b);
  if (rc != LW_OK)
    return LW_EXIT_FAIL;
  if (!lw_etcd_txn_succeeded(&r)) {
    int kv = lw_jdoc_at(&r.doc, lw_etcd_kvs(&r, lw_etcd_txn_response(&r, 0, "response_range")), 0);
    int64_t now = 0;
    lw_jdoc_i64(&r.doc, lw_jdoc_get(&r.doc, kv, "mod_revision"), &now);
    fprintf(stderr,
            "%s: changed by someone else since revision %lld (now %lld): nothing written; get "
            "it again and redo the change\n",
            host, (long long)mod, (long long)now);
    return LW_EXIT_FAIL;
  }
  printf("%s: written at revision %lld\n", host, (long long)r.revision);
  return LW_EXIT_OK;
}

static char *read_input(const char *path, size_t *len) {
  FILE *fp = strcmp(path, "-") ? fopen(path, "rb") : stdin;
  if (!fp)
    return NULL;
  size_t cap = 65536, n = 0;
  char *s = malloc(cap + 1);
  for (size_t r; s && (r = fread(s + n, 1, cap - n, fp)) > 0;) {
    n += r;
    if (n == cap && cap < LW_ETCD_MAX_BODY) {
      char *t = realloc(s, (cap *= 2) + 1);
      if (!t) {
        free(s);
        s = NULL;
      }
      s = t;
    } else if (n == cap) {
      break;
    }
  }
  if (fp != stdin)
    fclose(fp);
  if (s)
    s[n] = 0;
  *len = n;
  return s;
}

static int cmd_put(fl *f, const char *host, const char *path) {
  size_t len;
  char *text = read_input(path, &len);
  if (!text) {
    fprintf(stderr, "logwire fleet: cannot read %s: %s\n", path, strerror(errno));
    return LW_EXIT_USAGE;
  }
  int code = LW_EXIT_USAGE;
  if (check(host, text, len) != LW_OK)
    goto out;
  char key[600];
  key_of(f, key, sizeof key, "config", host);
  lw_buf val;
  lw_buf_init(&val, LW_ETCD_MAX_BODY);
  int64_t mod;
  code = LW_EXIT_FAIL;
  if (get_kv(f, key, 0, &val, &mod, NULL, false) == LW_OK)
    code = cas(f, host, key, text, len, mod);
  lw_buf_free(&val);
out:
  free(text);
  return code;
}

static int cmd_get(fl *f, const char *host) {
  char key[600];
  key_of(f, key, sizeof key, "config", host);
  lw_buf val;
  lw_buf_init(&val, LW_ETCD_MAX_BODY);
  int64_t mod;
  int code = LW_EXIT_FAIL;
  if (get_kv(f, key, 0, &val, &mod, NULL, false) == LW_OK) {
    if (!mod) {
      fprintf(stderr, "%s: no configuration in etcd (%s)\n", host, key);
    } else {
      fwrite(val.data, 1, val.len, stdout);
      fprintf(stderr, "# %s revision %lld\n", key, (long long)mod);
      code = LW_EXIT_OK;
    }
  }
  lw_buf_free(&val);
  return code;
}

static int cmd_edit(fl *f, const char *host) {
  char key[600], tmp[] = "/tmp/logwire-fleet-XXXXXX.conf";
  key_of(f, key, sizeof key, "config", host);
  lw_buf val;
  lw_buf_init(&val, LW_ETCD_MAX_BODY);
  int64_t mod;
  int code = LW_EXIT_FAIL;
  char *text = NULL;
  int fd = -1;
  if (get_kv(f, key, 0, &val, &mod, NULL, false) != LW_OK)
    goto out;
  if ((fd = mkstemps(tmp, 5)) < 0 ||
      (val.len && write(fd, val.data, val.len) != (ssize_t)val.len)) {
    fprintf(stderr, "logwire fleet: cannot write %s: %s\n", tmp, strerror(errno));
    goto out;
  }
  close(fd);
  fd = -1;
  const char *ed = getenv("VISUAL");
  if (!ed || !*ed)
    ed = getenv("EDITOR");
  if (!ed || !*ed)
    ed = "vi";
  char cmdline[8300];
  snprintf(cmdline, sizeof cmdline, "%s '%s'", ed, tmp);
  int st = system(cmdline);
  if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
    fprintf(stderr, "logwire fleet: the editor failed (%s): nothing written; your text is in %s\n",
            ed, tmp);
    goto out_keep;
  }
  size_t len;
  if (!(text = read_input(tmp, &len)))
    goto out;
  if (len == val.len && (!len || memcmp(text, val.data, len) == 0)) {
    fprintf(stderr, "%s: no change\n", host);
    code = LW_EXIT_OK;
    goto out;
  }
  if (check(host, text, len) != LW_OK) {
    fprintf(stderr, "%s: refused: nothing written; your text is in %s\n", host, tmp);
    code = LW_EXIT_USAGE;
    goto out_keep;
  }
  code = cas(f, host, key, text, len, mod);
out:
  unlink(tmp);
out_keep:
  if (fd >= 0)
    close(fd);
  free(text);
  lw_buf_free(&val);
  return code;
}

static int cmd_rm(fl *f, const char *host) {
  char key[600];
  key_of(f, key, sizeof key, "config", host);
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_etcd_delete_body(&b, key);
  lw_etcd_resp r;
  int rc = call(f, "/v3/kv/deleterange", &b, &r, false);
  lw_buf_free(&b);
  if (rc != LW_OK)
    return LW_EXIT_FAIL;
  int64_t n = 0;
  lw_jdoc_i64(&r.doc, lw_jdoc_get(&r.doc, r.root, "deleted"), &n);
  printf(n ? "%s: deleted at revision %lld\n" : "%s: had no configuration\n", host,
         (long long)r.revision);
  return n ? LW_EXIT_OK : LW_EXIT_FAIL;
}

/* Keys under PREFIX/KIND/ (their last part), as a NUL-separated list in out. */
static int list(fl *f, const char *kind, lw_buf *out, size_t *count) {
  char key[600];
  key_of(f, key, sizeof key, kind, "");
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_etcd_range_body(&b, key, true, 0, true);
  lw_etcd_resp r;
  int rc = call(f, "/v3/kv/range", &b, &r, false);
  lw_buf_free(&b);
  *count = 0;
  if (rc != LW_OK)
    return rc;
  int kvs = lw_etcd_kvs(&r, r.root);
  for (uint32_t i = 0; kvs >= 0 && i < r.doc.t[kvs].n; i++) {
    lw_etcd_kv e;
    lw_buf_init(&e.key, 4096);
    lw_buf_init(&e.value, 16);
    if (lw_etcd_kv_decode(&r.doc, lw_jdoc_at(&r.doc, kvs, i), &e) == LW_OK &&
        e.key.len > strlen(key)) {
      lw_buf_append(out, e.key.data + strlen(key), e.key.len - strlen(key));
      lw_buf_put_u8(out, 0);
      (*count)++;
    }
    lw_buf_free(&e.key);
    lw_buf_free(&e.value);
  }
  return LW_OK;
}

static bool in_list(const lw_buf *l, const char *s) {
  for (size_t o = 0; o < l->len; o += strlen((const char *)l->data + o) + 1)
    if (!strcmp((const char *)l->data + o, s))
      return true;
  return false;
}

static int cmd_ls(fl *f) {
  lw_buf cfg, live;
  size_t nc, nl;
  lw_buf_init(&cfg, 16u << 20);
  lw_buf_init(&live, 16u << 20);
  int code = LW_EXIT_FAIL;
  if (list(f, "config", &cfg, &nc) == LW_OK && list(f, "agents", &live, &nl) == LW_OK) {
    printf("%-32s %-7s %s\n", "HOST", "CONFIG", "AGENT");
    for (size_t o = 0; o < cfg.len; o += strlen((const char *)cfg.data + o) + 1) {
      const char *h = (const char *)cfg.data + o;
      printf("%-32s %-7s %s\n", h, "yes",
             !strcmp(h, LW_FLEET_ALL) ? "-"
             : in_list(&live, h)      ? "live"
                                      : "down");
    }
    for (size_t o = 0; o < live.len; o += strlen((const char *)live.data + o) + 1) {
      const char *h = (const char *)live.data + o;
      if (!in_list(&cfg, h))
        printf("%-32s %-7s %s\n", h, "no", "live");
    }
    code = LW_EXIT_OK;
  }
  lw_buf_free(&cfg);
  lw_buf_free(&live);
  return code;
}

static void fmt_uptime(char *out, size_t n, int64_t s) {
  if (s >= 86400)
    snprintf(out, n, "%lldd%lldh", (long long)(s / 86400), (long long)(s % 86400 / 3600));
  else if (s >= 3600)
    snprintf(out, n, "%lldh%lldm", (long long)(s / 3600), (long long)(s % 3600 / 60));
  else
    snprintf(out, n, "%llds", (long long)s);
}

/* One status row from the JSON an agent wrote. */
static void status_row(const char *host, const uint8_t *v, size_t n, bool json_out) {
  if (json_out) {
    fwrite(v, 1, n, stdout);
    putchar('\n');
    return;
  }
  lw_jtok *toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *toks);
  lw_jdoc d;
  if (!toks || lw_json_parse(&d, (const char *)v, n, toks, LW_ETCD_MAX_TOKENS, 32) != LW_OK) {
    printf("%-20s (unreadable status)\n", host);
    free(toks);
    return;
  }
  char ver[32] = "?", up[32], err[200] = "-";
  int64_t upt = 0, rev = 0, lag = 0, errors = 0;
  lw_jdoc_strz(&d, lw_jdoc_get(&d, 0, "version"), ver, sizeof ver);
  lw_jdoc_i64(&d, lw_jdoc_get(&d, 0, "uptime_s"), &upt);
  lw_jdoc_i64(&d, lw_jdoc_get(&d, 0, "config_revision"), &rev);
  fmt_uptime(up, sizeof up, upt);
  double lps = 0;
  int t = lw_jdoc_get(&d, 0, "lines_per_s");
  if (t >= 0)
    lps = strtod(d.src + d.t[t].start, NULL);
  int ins = lw_jdoc_get(&d, lw_jdoc_get(&d, 0, "stats"), "inputs");
  for (uint32_t i = 0; ins >= 0 && i < d.t[ins].n; i++) {
    int in = lw_jdoc_at(&d, ins, i);
    int64_t x = 0;
    if (lw_jdoc_i64(&d, lw_jdoc_get(&d, in, "lag_bytes"), &x) == LW_OK)
      lag += x;
    if (lw_jdoc_i64(&d, lw_jdoc_get(&d, in, "lines_failed"), &x) == LW_OK)
      errors += x;
    if (lw_jdoc_i64(&d, lw_jdoc_get(&d, in, "read_errors"), &x) == LW_OK)
      errors += x;
  }
  int ce = lw_jdoc_get(&d, 0, "config_error");
  if (lw_jdoc_type(&d, ce) == LW_JOBJ) {
    int64_t er = 0;
    char msg[160] = "";
    lw_jdoc_i64(&d, lw_jdoc_get(&d, ce, "revision"), &er);
    lw_jdoc_strz(&d, lw_jdoc_get(&d, ce, "message"), msg, sizeof msg);
    snprintf(err, sizeof err, "rev %lld refused: %s", (long long)er, msg);
  } else if (errors) {
    snprintf(err, sizeof err, "%lld failed lines/read errors", (long long)errors);
  }
  printf("%-20s %-8s %-8s %9.1f %12lld %8lld  %s\n", host, ver, up, lps, (long long)lag,
         (long long)rev, err);
  free(toks);
}

static int cmd_status(fl *f, const char *host, bool json_out) {
  char key[600];
  key_of(f, key, sizeof key, "agents", host ? host : "");
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_etcd_range_body(&b, key, host == NULL, 0, false);
  lw_etcd_resp r;
  int rc = call(f, "/v3/kv/range", &b, &r, false);
  lw_buf_free(&b);
  if (rc != LW_OK)
    return LW_EXIT_FAIL;
  /* The answer's tokens are reused by status_row: copy the values out first. */
  int kvs = lw_etcd_kvs(&r, r.root);
  uint32_t n = kvs >= 0 ? r.doc.t[kvs].n : 0;
  if (!n) {
    fprintf(stderr, host ? "%s: no live agent\n" : "no live agent%s\n", host ? host : "");
    return LW_EXIT_FAIL;
  }
  if (!json_out)
    printf("%-20s %-8s %-8s %9s %12s %8s  %s\n", "HOST", "VERSION", "UPTIME", "LINES/S",
           "LAG_BYTES", "REV", "ERRORS");
  lw_etcd_kv *e = calloc(n, sizeof *e);
  for (uint32_t i = 0; e && i < n; i++) {
    lw_buf_init(&e[i].key, 4096);
    lw_buf_init(&e[i].value, LW_ETCD_MAX_BODY);
    lw_etcd_kv_decode(&r.doc, lw_jdoc_at(&r.doc, kvs, i), &e[i]);
  }
  size_t kl = strlen(key);
  for (uint32_t i = 0; e && i < n; i++) {
    char h[300];
    snprintf(h, sizeof h, "%.*s", (int)(e[i].key.len - (host ? 0 : kl)),
             (const char *)e[i].key.data + (host ? 0 : kl));
    status_row(host ? host : h, e[i].value.data, e[i].value.len, json_out);
    lw_buf_free(&e[i].key);
    lw_buf_free(&e[i].value);
  }
  free(e);
  return LW_EXIT_OK;
}

static int cmd_history(fl *f, const char *host) {
  char key[600];
  key_of(f, key, sizeof key, "config", host);
  lw_buf val;
  lw_buf_init(&val, LW_ETCD_MAX_BODY);
  int64_t mod, create = 0;
  if (get_kv(f, key, 0, &val, &mod, &create, false) != LW_OK) {
    lw_buf_free(&val);
    return LW_EXIT_FAIL;
  }
  if (!mod) {
    fprintf(stderr, "%s: no configuration in etcd\n", host);
    lw_buf_free(&val);
    return LW_EXIT_FAIL;
  }
  printf("%-10s %8s  %s\n", "REVISION", "BYTES", "FIRST LINE");
  for (int shown = 0; mod && shown < 100; shown++) {
    const char *s = val.data ? (const char *)val.data : "";
    size_t w = 0;
    while (w < val.len && s[w] != '\n' && w < 60)
      w++;
    printf("%-10lld %8zu  %.*s%s\n", (long long)mod, val.len, (int)w, s,
           shown ? "" : "  (current)");
    if (mod <= create)
      break;
    int64_t prev = mod - 1, c2;
    if (get_kv(f, key, prev, &val, &mod, &c2, true) != LW_OK) {
      printf("(older revisions compacted away)\n");
      break;
    }
  }
  lw_buf_free(&val);
  return LW_EXIT_OK;
}

static int cmd_rollback(fl *f, const char *host, const char *revs) {
  char key[600], *end;
  long long rev = strtoll(revs, &end, 10);
  if (*end || rev <= 0) {
    fprintf(stderr, "logwire fleet: rollback: REV must be a revision number (see history)\n");
    return LW_EXIT_USAGE;
  }
  key_of(f, key, sizeof key, "config", host);
  lw_buf old, cur;
  lw_buf_init(&old, LW_ETCD_MAX_BODY);
  lw_buf_init(&cur, LW_ETCD_MAX_BODY);
  int64_t omod, cmod;
  int code = LW_EXIT_FAIL;
  if (get_kv(f, key, rev, &old, &omod, NULL, false) != LW_OK ||
      get_kv(f, key, 0, &cur, &cmod, NULL, false) != LW_OK)
    goto out;
  if (!omod) {
    fprintf(stderr, "%s: no configuration at revision %lld\n", host, rev);
    goto out;
  }
  code = LW_EXIT_USAGE;
  if (check(host, old.data ? (const char *)old.data : "", old.len) != LW_OK)
    goto out;
  code = cas(f, host, key, old.data ? (const void *)old.data : "", old.len, cmod);
out:
  lw_buf_free(&old);
  lw_buf_free(&cur);
  return code;
}

static void usage(FILE *fp) {
  fprintf(fp,
          "usage: logwire fleet [--etcd URL[,URL...]] [--prefix P] [--user USER[:PASSWORD]]\n"
          "                     [--ca-file F] [--cert-file F] [--key-file F] COMMAND\n"
          "  ls                  hosts with a configuration, and which agents are live\n"
          "  get HOST            print HOST's configuration (_all: every host's)\n"
          "  put HOST FILE|-     check, then write with a compare-and-swap on the revision read\n"
          "                      (problems as HOST:LINE: KEY: PROBLEM, exit 2)\n"
          "  edit HOST           edit in $EDITOR; checked before it is written\n"
          "  rm HOST             delete HOST's configuration\n"
          "  status [HOST] [--json]  live agents: version, uptime, lines/s, lag, errors, revision\n"
          "  history HOST        earlier revisions still in etcd\n"
          "  rollback HOST REV   write the configuration HOST had at revision REV back\n"
          "--etcd defaults to $LOGWIRE_ETCD, else http://127.0.0.1:2379; --prefix to /logwire.\n");
}

int lw_cmd_fleet(int argc, char **argv) {
  const char *eps = getenv("LOGWIRE_ETCD"), *prefix = "/logwire", *user = NULL;
  const char *ca = NULL, *cert = NULL, *keyf = NULL;
  bool json_out = false;
  int i = 1;
  for (; i < argc && argv[i][0] == '-' && argv[i][1]; i++) {
    const char *o = argv[i];
    if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
      usage(stdout);
      return LW_EXIT_OK;
    }
    if (!strcmp(o, "--json")) {
      json_out = true;
      continue;
    }
    if (i + 1 >= argc) {
      usage(stderr);
      return LW_EXIT_USAGE;
    }
    if (!strcmp(o, "--etcd"))
      eps = argv[++i];
    else if (!strcmp(o, "--prefix"))
      prefix = argv[++i];
    else if (!strcmp(o, "--user"))
      user = argv[++i];
    else if (!strcmp(o, "--ca-file"))
      ca = argv[++i];
    else if (!strcmp(o, "--cert-file"))
      cert = argv[++i];
    else if (!strcmp(o, "--key-file"))
      keyf = argv[++i];
    else {
      usage(stderr);
      return LW_EXIT_USAGE;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return LW_EXIT_USAGE;
  }
  const char *cmd = argv[i];
  char **args = argv + i + 1;
  int nargs = argc - i - 1;
  if (nargs > 0 && !strcmp(args[nargs - 1], "--json")) {
    json_out = true;
    nargs--;
  }
  static const struct {
    const char *name;
    int min, max;
  } cmds[] = {{"ls", 0, 0}, {"get", 1, 1},    {"put", 2, 2},     {"edit", 1, 1},
              {"rm", 1, 1}, {"status", 0, 1}, {"history", 1, 1}, {"rollback", 2, 2}};
  bool known = false;
  for (size_t k = 0; k < sizeof cmds / sizeof *cmds; k++)
    if (!strcmp(cmd, cmds[k].name)) {
      known = true;
      if (nargs < cmds[k].min || nargs > cmds[k].max) {
        usage(stderr);
        return LW_EXIT_USAGE;
      }
    }
  if (!known) {
    fprintf(stderr, "logwire fleet: unknown command \"%s\"\n", cmd);
    usage(stderr);
    return LW_EXIT_USAGE;
  }
  if (nargs > 0 && strcmp(cmd, "status") != 0 && !lw_fleet_valid_host(args[0]) &&
      strcmp(args[0], LW_FLEET_ALL) != 0) {
    fprintf(stderr, "logwire fleet: \"%s\" is not a host name (letters, digits, '.', '-', '_')\n",
            args[0]);
    return LW_EXIT_USAGE;
  }
  /* Endpoints: a comma-separated list. */
  char epbuf[4096];
  snprintf(epbuf, sizeof epbuf, "%s", eps && *eps ? eps : "http://127.0.0.1:2379");
  const char *ep[LW_ETCD_MAX_ENDPOINTS];
  size_t nep = 0;
  for (char *s = strtok(epbuf, ", "); s && nep < LW_ETCD_MAX_ENDPOINTS; s = strtok(NULL, ", "))
    ep[nep++] = s;
  char ubuf[512] = "", *pass = NULL;
  if (user) {
    snprintf(ubuf, sizeof ubuf, "%s", user);
    if ((pass = strchr(ubuf, ':')))
      *pass++ = 0;
    else
      pass = getenv("LOGWIRE_ETCD_PASSWORD");
  }
  fl f = {.prefix = prefix};
  char err[512];
  int code = LW_EXIT_FAIL;
  lw_buf_init(&f.body, LW_ETCD_MAX_BODY + 1);
  f.toks = malloc(LW_ETCD_MAX_TOKENS * sizeof *f.toks);
  lw_etcd_opts o = {.endpoints = ep,
                    .nendpoints = nep,
                    .username = user ? ubuf : NULL,
                    .password = pass,
                    .ca_file = ca,
                    .cert_file = cert,
                    .key_file = keyf,
                    .timeout_ms = 5000};
  if (!f.toks || lw_loop_new(&f.loop) != LW_OK) {
    fprintf(stderr, "logwire fleet: out of memory\n");
    goto out;
  }
  if (lw_etcd_new(&f.etcd, f.loop, &o, err, sizeof err) != LW_OK) {
    fprintf(stderr, "logwire fleet: %s\n", err);
    code = LW_EXIT_USAGE;
    goto out;
  }
  if (!strcmp(cmd, "ls"))
    code = cmd_ls(&f);
  else if (!strcmp(cmd, "get"))
    code = cmd_get(&f, args[0]);
  else if (!strcmp(cmd, "put"))
    code = cmd_put(&f, args[0], args[1]);
  else if (!strcmp(cmd, "edit"))
    code = cmd_edit(&f, args[0]);
  else if (!strcmp(cmd, "rm"))
    code = cmd_rm(&f, args[0]);
  else if (!strcmp(cmd, "status"))
    code = cmd_status(&f, nargs ? args[0] : NULL, json_out);
  else if (!strcmp(cmd, "history"))
    code = cmd_history(&f, args[0]);
  else
    code = cmd_rollback(&f, args[0], args[1]);
out:
  lw_etcd_free(f.etcd);
  if (f.loop)
    lw_loop_free(f.loop);
  free(f.toks);
  lw_buf_free(&f.body);
  return code;
}
