/* console.c — `logwire console`: read the options (flags or a console.conf), the users file and
 * the etcd settings, then serve the page and the API on the event loop until SIGINT/SIGTERM.
 * `logwire console --hash-password` prints a hash for the users file. */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "agent/diag.h"
#include "agent/ini.h"
#include "console/console.h"
#include "console/lw_console.h"
#include "base/err.h"

#define MAX_ENDPOINTS 8

static void usage(FILE *f) {
  fprintf(f, "usage: logwire console [-c FILE] [--etcd URL[,URL...]] [--prefix PREFIX]\n"
             "                       [--listen HOST:PORT] [--users FILE] [--cert FILE --key FILE]\n"
             "       logwire console --hash-password [--iterations N]   (password on stdin)\n"
             "\n"
             "The fleet's web console: live agents, per-host configuration with validation,\n"
             "history and rollback, over etcd. Listens on 127.0.0.1:9643 unless told otherwise;\n"
             "serves TLS when --cert is given. docs/CONSOLE.md has the details.\n");
}

typedef struct opts {
  char *conf, *etcd, *prefix, *listen, *users, *cert, *key;
  char *etcd_user, *etcd_password, *etcd_ca;
  bool hash;
  unsigned iter;
} opts;

static int hash_password(unsigned iter) {
  char pw[1024];
  bool tty = isatty(STDIN_FILENO);
  struct termios old, quiet;
  if (tty) {
    fprintf(stderr, "Password: ");
    tcgetattr(STDIN_FILENO, &old);
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  }
  bool got = fgets(pw, sizeof pw, stdin) != NULL;
  if (tty) {
    tcsetattr(STDIN_FILENO, TCSANOW, &old);
    fprintf(stderr, "\n");
  }
  if (!got) {
    fprintf(stderr, "logwire console: no password on stdin\n");
    return 2;
  }
  pw[strcspn(pw, "\r\n")] = 0;
  if (!pw[0]) {
    fprintf(stderr, "logwire console: empty password\n");
    return 2;
  }
  char out[256], err[256];
  int rc = lw_con_hash_password(pw, iter, out, sizeof out, err, sizeof err);
  memset(pw, 0, sizeof pw);
  if (rc != LW_OK) {
    fprintf(stderr, "logwire console: %s\n", err);
    return 1;
  }
  printf("%s\n", out);
  return 0;
}

static void set(char **dst, const char *v) {
  if (!*dst)
    *dst = strdup(v);
}

/* Fill what the flags left unset from console.conf ([console] and [etcd]). */
static int read_conf(opts *o) {
  lw_ini ini = {0};
  lw_diag d;
  lw_diag_init(&d);
  int rc = lw_ini_load(&ini, o->conf, &d);
  static const struct {
    const char *sec, *key;
    size_t off;
  } keys[] = {
      {"console", "listen", offsetof(opts, listen)},
      {"console", "users_file", offsetof(opts, users)},
      {"console", "cert_file", offsetof(opts, cert)},
      {"console", "key_file", offsetof(opts, key)},
      {"etcd", "endpoints", offsetof(opts, etcd)},
      {"etcd", "prefix", offsetof(opts, prefix)},
      {"etcd", "username", offsetof(opts, etcd_user)},
      {"etcd", "password", offsetof(opts, etcd_password)},
      {"etcd", "ca_file", offsetof(opts, etcd_ca)},
  };
  for (size_t s = 0; s < ini.n; s++) {
    const lw_ini_section *sec = &ini.sections[s];
    if (strcmp(sec->name, "console") != 0 && strcmp(sec->name, "etcd") != 0) {
      lw_diag_add(&d, LW_DIAG_ERROR, o->conf, sec->line, sec->name,
                  "unknown section (console.conf has [console] and [etcd])");
      continue;
    }
    for (size_t e = 0; e < sec->n; e++) {
      const lw_ini_entry *en = &sec->entries[e];
      size_t k = 0;
      while (k < sizeof keys / sizeof keys[0] &&
             (strcmp(keys[k].sec, sec->name) || strcmp(keys[k].key, en->key)))
        k++;
      if (k == sizeof keys / sizeof keys[0])
        lw_diag_add(&d, LW_DIAG_ERROR, o->conf, en->line, en->key, "unknown key in [%s]",
                    sec->name);
      else
        set((char **)((char *)o + keys[k].off), en->value);
    }
  }
  if (d.errors)
    rc = LW_ERR_CONFIG;
  lw_diag_sort(&d);
  lw_diag_print(&d, stderr);
  lw_diag_free(&d);
  lw_ini_free(&ini);
  return rc;
}

static void on_signal(lw_loop *l, int signo, void *ud) {
  (void)signo, (void)ud;
  lw_loop_stop(l);
}

int lw_cmd_console(int argc, char **argv) {
  opts o = {0};
  int rc = 2;
  lw_console con;
  memset(&con, 0, sizeof con);
  lw_con_auth_init(&con.auth);
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    char **dst = !strcmp(a, "-c") || !strcmp(a, "--config") ? &o.conf
                 : !strcmp(a, "--etcd")                     ? &o.etcd
                 : !strcmp(a, "--prefix")                   ? &o.prefix
                 : !strcmp(a, "--listen")                   ? &o.listen
                 : !strcmp(a, "--users")                    ? &o.users
                 : !strcmp(a, "--cert")                     ? &o.cert
                 : !strcmp(a, "--key")                      ? &o.key
                                                            : NULL;
    if (dst && i + 1 < argc) {
      free(*dst);
      *dst = strdup(argv[++i]);
    } else if (!strcmp(a, "--hash-password")) {
      o.hash = true;
    } else if (!strcmp(a, "--iterations") && i + 1 < argc) {
      o.iter = (unsigned)strtoul(argv[++i], NULL, 10);
    } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
      usage(stdout);
      rc = 0;
      goto out;
    } else {
      fprintf(stderr, "logwire console: unknown or incomplete option '%s'\n", a);
      usage(stderr);
      goto out;
    }
  }
  if (o.hash) {
    rc = hash_password(o.iter);
    goto out;
  }
  if (o.conf && read_conf(&o) != LW_OK)
    goto out;
  set(&o.listen, "127.0.0.1:9643");
  set(&o.prefix, "/logwire");
  if (!o.etcd) {
    fprintf(stderr, "logwire console: no etcd endpoint (--etcd URL or [etcd] endpoints)\n");
    goto out;
  }
  if (!o.users) {
    fprintf(stderr, "logwire console: no users file (--users FILE or [console] users_file); "
                    "make hashes with `logwire console --hash-password`\n");
    goto out;
  }
  if (o.key && !o.cert) {
    fprintf(stderr, "logwire console: --key without --cert\n");
    goto out;
  }
  lw_diag d;
  lw_diag_init(&d);
  int urc = lw_con_users_load(&con.auth, o.users, &d);
  lw_diag_print(&d, stderr);
  lw_diag_free(&d);
  if (urc != LW_OK)
    goto out;
  if (con.auth.nusers == 0) {
    fprintf(stderr, "logwire console: %s lists no users\n", o.users);
    goto out;
  }
  snprintf(con.prefix, sizeof con.prefix, "%s", o.prefix);
  size_t pl = strlen(con.prefix);
  while (pl > 0 && con.prefix[pl - 1] == '/')
    con.prefix[--pl] = 0;
  if (con.prefix[0] != '/') {
    fprintf(stderr, "logwire console: the prefix must start with '/'\n");
    goto out;
  }
  const char *eps[MAX_ENDPOINTS];
  size_t neps = 0;
  for (char *save = NULL, *t = strtok_r(o.etcd, ", ", &save); t && neps < MAX_ENDPOINTS;
       t = strtok_r(NULL, ", ", &save))
    eps[neps++] = t;
  rc = 1;
  if (lw_loop_new(&con.loop) != LW_OK) {
    fprintf(stderr, "logwire console: cannot create the event loop\n");
    goto out;
  }
  char err[512] = "";
  if (lw_con_store_new(con.loop, eps, neps, o.etcd_user, o.etcd_password, o.etcd_ca, &con.store,
                       err, sizeof err) != LW_OK) {
    fprintf(stderr, "logwire console: etcd: %s\n", err);
    goto out;
  }
  con.tls = o.cert != NULL;
  lw_con_server_opts so = {.cert = o.cert, .key = o.key};
  if (lw_con_server_new(con.loop, o.listen, &so, lw_con_handle, &con, &con.srv, err, sizeof err) !=
      LW_OK) {
    fprintf(stderr, "logwire console: %s\n", err);
    goto out;
  }
  lw_loop_signal(con.loop, SIGINT, on_signal, NULL);
  lw_loop_signal(con.loop, SIGTERM, on_signal, NULL);
  lw_con_live_start(&con);
  /* One line tests and scripts can wait for; the port matters when 0 was asked for. */
  printf("console: listening on %s://%s (port %d), etcd %s, prefix %s\n",
         con.tls ? "https" : "http", o.listen, lw_con_server_port(con.srv), eps[0], con.prefix);
  fflush(stdout);
  rc = lw_loop_run(con.loop) == LW_OK ? 0 : 1;
  lw_con_live_stop(&con);
out:
  lw_con_server_free(con.srv);
  lw_con_store_free(con.store);
  if (con.loop)
    lw_loop_free(con.loop);
  lw_con_auth_free(&con.auth);
  free(o.conf), free(o.etcd), free(o.prefix), free(o.listen), free(o.users), free(o.cert);
  free(o.key), free(o.etcd_user), free(o.etcd_password), free(o.etcd_ca);
  return rc;
}
