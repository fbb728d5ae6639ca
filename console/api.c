/* api.c — the console's JSON API and its page (docs/CONSOLE.md lists every call).
 *
 * Every call but the page, its assets and POST /api/login needs a session cookie; every call
 * that writes also needs the session's CSRF token in X-CSRF-Token, a JSON body, the admin role,
 * and is recorded under <prefix>/audit/ in the same etcd transaction as the change. Writes to a
 * configuration are compare-and-swap on the revision the browser read, and pass the checker of
 * `logwire run --check` first. Values go to the browser with their secrets masked. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/json.h"
#include "console/assets.h"
#include "console/console.h"
#include "console/text.h"
#include "fleet/layout.h"
#include "base/err.h"

#define COOKIE      "lw_session"
#define HISTORY_MAX 20
#define AUDIT_MAX   100
#define JSON_TOKENS 64

/* ---- Small helpers ---- */

static void reply_buf(lw_con_conn *c, int status, lw_buf *b, const char *extra) {
  if (b->err)
    lw_con_reply_error(c, 500, "answer too large");
  else
    lw_con_reply(c, status, "application/json", extra, b->data ? (const char *)b->data : "",
                 b->len);
}

/* {"line": N, "message": "KEY: PROBLEM"}: the message without its "FILE:LINE: " (the page
 * shows the line its own way). */
static void diag_item(lw_json *j, const lw_diag_msg *m) {
  const char *t = m->text, *sep = strstr(t, ": ");
  lw_json_obj_begin(j);
  lw_json_key(j, "line");
  lw_json_int(j, m->line);
  lw_json_key(j, "message");
  lw_json_str(j, sep ? sep + 2 : t);
  lw_json_obj_end(j);
}

static void reply_diag(lw_con_conn *c, int status, const lw_diag *d, const char *error) {
  lw_buf b;
  lw_buf_init(&b, 1u << 20);
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "ok");
  lw_json_bool(&j, d->errors == 0);
  if (error) {
    lw_json_key(&j, "error");
    lw_json_str(&j, error);
  }
  lw_json_key(&j, "errors");
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < d->n; i++) {
    if (d->v[i].sev != LW_DIAG_ERROR)
      continue;
    diag_item(&j, &d->v[i]);
  }
  lw_json_arr_end(&j);
  lw_json_key(&j, "warnings");
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < d->n; i++) {
    if (d->v[i].sev != LW_DIAG_WARNING)
      continue;
    diag_item(&j, &d->v[i]);
  }
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  reply_buf(c, status, &b, NULL);
  lw_buf_free(&b);
}

static void reply_conflict(lw_con_conn *c, int64_t cur) {
  char body[160];
  int n = snprintf(body, sizeof body,
                   "{\"error\":\"changed by someone else since it was read\","
                   "\"current_revision\":%" PRId64 "}",
                   cur);
  lw_con_reply(c, 409, "application/json", NULL, body, (size_t)n);
}

static void config_key(const lw_console *con, const char *host, char *out, size_t n) {
  snprintf(out, n, "%s/config/%s", con->prefix, host);
}

/* The value of `name` in a query string ("a=1&b=2"), as an integer; dflt when absent. */
static int64_t query_int(const char *q, const char *name, int64_t dflt) {
  size_t nl = strlen(name);
  for (const char *p = q; p && *p;) {
    if (!strncmp(p, name, nl) && p[nl] == '=')
      return strtoll(p + nl + 1, NULL, 10);
    p = strchr(p, '&');
    if (p)
      p++;
  }
  return dflt;
}

/* ---- Sessions ---- */

static lw_con_session *session_of(lw_console *con, const lw_con_req *r) {
  const char *p = r->cookie;
  size_t cl = strlen(COOKIE);
  while (p && *p) {
    while (*p == ' ' || *p == ';')
      p++;
    if (!strncmp(p, COOKIE, cl) && p[cl] == '=') {
      const char *v = p + cl + 1;
      size_t n = strcspn(v, "; ");
      return lw_con_session_find(&con->auth, v, n, lw_loop_wall_ms(con->loop));
    }
    p = strchr(p, ';');
  }
  return NULL;
}

/* A write must come with the session's CSRF token, from the page's own origin, as JSON. */
static bool write_allowed(lw_con_conn *c, const lw_con_req *r, const lw_con_session *s,
                          bool needs_body) {
  if (!lw_con_csrf_ok(s, r->csrf, strlen(r->csrf))) {
    lw_con_reply_error(c, 403, "missing or wrong CSRF token (X-CSRF-Token)");
    return false;
  }
  if (r->origin[0]) {
    const char *o = strstr(r->origin, "://");
    if (!o || strcmp(o + 3, r->host) != 0) {
      lw_con_reply_error(c, 403, "cross-origin request refused");
      return false;
    }
  }
  if (s->role != LW_CON_ADMIN) {
    lw_con_reply_error(c, 403, "read-only user");
    return false;
  }
  if (needs_body && strncmp(r->ctype, "application/json", 16) != 0) {
    lw_con_reply_error(c, 415, "send Content-Type: application/json");
    return false;
  }
  return true;
}

static void session_json(lw_json *j, const lw_con_session *s) {
  lw_json_obj_begin(j);
  lw_json_key(j, "user");
  lw_json_str(j, s->user);
  lw_json_key(j, "role");
  lw_json_str(j, s->role == LW_CON_ADMIN ? "admin" : "readonly");
  lw_json_key(j, "csrf");
  lw_json_str(j, s->csrf);
  lw_json_obj_end(j);
}

static void do_login(lw_console *con, lw_con_conn *c, const lw_con_req *r) {
  int64_t now = lw_loop_wall_ms(con->loop);
  int64_t wait = lw_con_throttled(&con->auth, r->peer, now);
  if (wait > 0) {
    char extra[64], msg[96];
    snprintf(extra, sizeof extra, "Retry-After: %" PRId64 "\r\n", (wait + 999) / 1000);
    int n =
        snprintf(msg, sizeof msg, "{\"error\":\"too many failed logins; retry in %" PRId64 " s\"}",
                 (wait + 999) / 1000);
    lw_con_reply(c, 429, "application/json", extra, msg, (size_t)n);
    return;
  }
  if (strncmp(r->ctype, "application/json", 16) != 0) {
    lw_con_reply_error(c, 415, "send Content-Type: application/json");
    return;
  }
  lw_jtok t[JSON_TOKENS];
  lw_jdoc d;
  char user[64], pw[256];
  if (lw_json_parse(&d, r->body, r->body_len, t, JSON_TOKENS, 4) != LW_OK ||
      lw_jdoc_strz(&d, lw_jdoc_get(&d, 0, "user"), user, sizeof user) != LW_OK ||
      lw_jdoc_strz(&d, lw_jdoc_get(&d, 0, "password"), pw, sizeof pw) != LW_OK) {
    lw_con_reply_error(c, 400, "expected {\"user\": ..., \"password\": ...}");
    return;
  }
  const lw_con_user *u = lw_con_login(&con->auth, user, pw);
  memset(pw, 0, sizeof pw);
  if (!u) {
    lw_con_login_failed(&con->auth, r->peer, now);
    fprintf(stderr, "console: failed login for '%s' from %s\n", user, r->peer);
    lw_con_reply_error(c, 401, "wrong user name or password");
    return;
  }
  lw_con_login_ok(&con->auth, r->peer);
  lw_con_session *s = lw_con_session_new(&con->auth, u, now);
  if (!s) {
    lw_con_reply_error(c, 503, "no randomness for a session");
    return;
  }
  char extra[256];
  snprintf(extra, sizeof extra, "Set-Cookie: %s=%s; Path=/; HttpOnly; SameSite=Strict%s\r\n",
           COOKIE, s->id, con->tls ? "; Secure" : "");
  lw_buf b;
  lw_buf_init(&b, 4096);
  lw_json j;
  lw_json_init(&j, &b);
  session_json(&j, s);
  reply_buf(c, 200, &b, extra);
  lw_buf_free(&b);
}

/* ---- Asynchronous operations on one host's key ---- */

typedef struct op {
  lw_console *con;
  lw_con_conn *c;
  int kind;
  char host[256];
  char key[512];
  char user[64];
  char *text; /* owned: the edited value (PUT, check) */
  size_t text_len;
  int64_t expect;   /* the mod_revision the browser read */
  int64_t revision; /* rollback: the revision to bring back; history: the next to read */
  lw_buf out;       /* history: the answer being built */
  lw_json j;
  int count;
} op;

enum { OP_GET, OP_PUT, OP_CHECK, OP_DELETE, OP_ROLLBACK, OP_HISTORY, OP_CONVERT };

static const char *const op_names[] = {"get",      "put",     "check",  "delete",
                                       "rollback", "history", "convert"};

static op *op_new(lw_console *con, lw_con_conn *c, int kind, const char *host,
                  const lw_con_session *s) {
  op *o = calloc(1, sizeof *o);
  if (!o) {
    lw_con_reply_error(c, 503, "out of memory");
    return NULL;
  }
  o->con = con;
  o->c = c;
  o->kind = kind;
  snprintf(o->host, sizeof o->host, "%s", host);
  snprintf(o->user, sizeof o->user, "%s", s->user);
  config_key(con, host, o->key, sizeof o->key);
  lw_buf_init(&o->out, 1u << 20);
  return o;
}

static void op_free(op *o) {
  free(o->text);
  lw_buf_free(&o->out);
  free(o);
}

static void op_fail(op *o, int rc, const char *err) {
  lw_con_reply_error(o->c, rc == LW_ERR_NOT_FOUND ? 404 : 502, err ? err : "etcd failed");
  op_free(o);
}

static void audit_record(op *o, const char *action, char *key, size_t keyn, lw_buf *val) {
  lw_console *con = o->con;
  int64_t now = lw_loop_wall_ms(con->loop);
  snprintf(key, keyn, "%s/audit/%013" PRId64 "-%05u", con->prefix, now, con->audit_seq++ % 100000);
  lw_json j;
  lw_json_init(&j, val);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "time_ms");
  lw_json_int(&j, now);
  lw_json_key(&j, "user");
  lw_json_str(&j, o->user);
  lw_json_key(&j, "action");
  lw_json_str(&j, action);
  lw_json_key(&j, "host");
  lw_json_str(&j, o->host);
  lw_json_key(&j, "from_revision");
  lw_json_int(&j, o->expect);
  if (o->kind == OP_ROLLBACK) {
    lw_json_key(&j, "to_revision");
    lw_json_int(&j, o->revision);
  }
  lw_json_obj_end(&j);
  lw_buf_put_u8(val, 0);
}

static void on_cas(void *ud, int rc, const char *err, bool done, int64_t rev, int64_t cur) {
  op *o = ud;
  if (rc != LW_OK) {
    op_fail(o, rc, err);
    return;
  }
  if (!done) {
    reply_conflict(o->c, cur);
    op_free(o);
    return;
  }
  fprintf(stderr, "console: %s %s by %s: revision %" PRId64 "\n", op_names[o->kind], o->key,
          o->user, rev);
  char body[96];
  int n = snprintf(body, sizeof body, "{\"ok\":true,\"mod_revision\":%" PRId64 "}", rev);
  lw_con_reply(o->c, 200, "application/json", NULL, body, (size_t)n);
  op_free(o);
}

static void write_value(op *o, const char *value, size_t len) {
  char akey[512];
  lw_buf aval;
  lw_buf_init(&aval, 8192);
  const char *action = o->kind == OP_DELETE     ? "delete"
                       : o->kind == OP_ROLLBACK ? "rollback"
                       : o->expect == 0         ? "create"
                                                : "put";
  audit_record(o, action, akey, sizeof akey, &aval);
  int rc = aval.err ? aval.err
                    : lw_con_store_cas(o->con->store, o->key, value, len, o->expect, akey,
                                       (const char *)aval.data, on_cas, o);
  lw_buf_free(&aval);
  if (rc != LW_OK)
    op_fail(o, rc, "etcd request failed");
}

/* The edited text is whole: check it and (PUT, rollback) write it. */
static void check_then_write(op *o, const char *text, size_t len) {
  lw_diag d;
  lw_diag_init(&d);
  if (len > LW_CON_MAX_VALUE) {
    lw_con_reply_error(o->c, 413, "configuration larger than 64 KiB");
    op_free(o);
    lw_diag_free(&d);
    return;
  }
  lw_con_check(o->con, o->host, text, len, &d);
  if (d.errors > 0 || o->kind == OP_CHECK) {
    reply_diag(o->c, d.errors ? (o->kind == OP_CHECK ? 200 : 422) : 200, &d,
               d.errors ? "the configuration has problems" : NULL);
    lw_diag_free(&d);
    op_free(o);
    return;
  }
  lw_diag_free(&d);
  write_value(o, text, len);
}

static void kv_json(lw_json *j, const char *host, const lw_con_kv *kv) {
  lw_buf red;
  lw_buf_init(&red, LW_CON_MAX_VALUE * 2);
  lw_con_redact(&red, kv->value, kv->value_len);
  lw_json_obj_begin(j);
  lw_json_key(j, "host");
  lw_json_str(j, host);
  lw_json_key(j, "value");
  lw_json_strn(j, red.data ? (const char *)red.data : "", red.err ? 0 : red.len);
  lw_json_key(j, "format");
  lw_json_str(j, lw_fleet_is_json(kv->value, kv->value_len) ? "json" : "ini");
  lw_json_key(j, "mod_revision");
  lw_json_int(j, kv->mod_revision);
  lw_json_key(j, "create_revision");
  lw_json_int(j, kv->create_revision);
  lw_json_key(j, "version");
  lw_json_int(j, kv->version);
  lw_json_obj_end(j);
  lw_buf_free(&red);
}

static void history_next(op *o);

static void on_read(void *ud, int rc, const char *err, int64_t rev, const lw_con_kv *kvs,
                    size_t n) {
  (void)rev;
  op *o = ud;
  if (o->kind == OP_HISTORY) {
    if (rc == LW_OK && n == 1) {
      lw_json_obj_begin(&o->j);
      lw_json_key(&o->j, "mod_revision");
      lw_json_int(&o->j, kvs[0].mod_revision);
      lw_json_key(&o->j, "version");
      lw_json_int(&o->j, kvs[0].version);
      lw_json_key(&o->j, "current");
      lw_json_bool(&o->j, o->count == 0);
      lw_json_obj_end(&o->j);
      o->count++;
      o->revision = kvs[0].version > 1 && o->count < HISTORY_MAX ? kvs[0].mod_revision - 1 : 0;
      if (o->revision > 0) {
        history_next(o);
        return;
      }
    }
    lw_json_arr_end(&o->j);
    lw_json_key(&o->j, "compacted");
    lw_json_bool(&o->j, rc == LW_ERR_NOT_FOUND);
    lw_json_obj_end(&o->j);
    reply_buf(o->c, 200, &o->out, NULL);
    op_free(o);
    return;
  }
  if (rc != LW_OK) {
    op_fail(o, rc, rc == LW_ERR_NOT_FOUND ? "that revision was compacted by etcd" : err);
    return;
  }
  const lw_con_kv *kv = n ? &kvs[0] : NULL;
  switch (o->kind) {
    case OP_GET:
      if (!kv) {
        lw_con_reply_error(o->c, 404, "no configuration for this host");
      } else {
        lw_json j;
        lw_json_init(&j, &o->out);
        kv_json(&j, o->host, kv);
        reply_buf(o->c, 200, &o->out, NULL);
      }
      op_free(o);
      return;
    case OP_CONVERT: {
      char why[256];
      if (!kv || !lw_fleet_is_json(kv->value, kv->value_len)) {
        lw_con_reply_error(o->c, 404, "no JSON-layout value for this host");
      } else if (lw_fleet_json_to_ini(kv->value, kv->value_len, &o->out, why, sizeof why) !=
                 LW_OK) {
        lw_con_reply_error(o->c, 422, why);
      } else {
        lw_buf b;
        lw_buf_init(&b, 1u << 20);
        lw_json j;
        lw_json_init(&j, &b);
        lw_json_obj_begin(&j);
        lw_json_key(&j, "value");
        lw_json_strn(&j, o->out.data, o->out.len);
        lw_json_obj_end(&j);
        reply_buf(o->c, 200, &b, NULL);
        lw_buf_free(&b);
      }
      op_free(o);
      return;
    }
    case OP_PUT:
    case OP_CHECK: {
      int64_t cur = kv ? kv->mod_revision : 0;
      if (o->kind == OP_PUT && cur != o->expect) {
        reply_conflict(o->c, cur);
        op_free(o);
        return;
      }
      lw_buf full;
      lw_buf_init(&full, LW_CON_MAX_VALUE * 2);
      lw_con_unredact(&full, o->text, o->text_len, kv ? kv->value : "", kv ? kv->value_len : 0);
      if (full.err) {
        lw_con_reply_error(o->c, 413, "configuration too large");
        op_free(o);
      } else {
        check_then_write(o, full.data ? (const char *)full.data : "", full.len);
      }
      lw_buf_free(&full);
      return;
    }
    case OP_ROLLBACK:
      if (!kv) {
        lw_con_reply_error(o->c, 404, "the key did not exist at that revision");
        op_free(o);
        return;
      }
      check_then_write(o, kv->value, kv->value_len);
      return;
    default:
      op_free(o);
      return;
  }
}

static void history_next(op *o) {
  if (lw_con_store_range(o->con->store, o->key, false, o->revision, 1, false, on_read, o) != LW_OK)
    op_fail(o, LW_ERR_IO, "etcd request failed");
}

/* Parse {"value": "...", "mod_revision": N} (either may be optional) into the op. */
static bool op_body(op *o, const lw_con_req *r, bool want_value, const char *rev_name) {
  lw_jtok t[JSON_TOKENS];
  lw_jdoc d;
  if (lw_json_parse(&d, r->body, r->body_len, t, JSON_TOKENS, 4) != LW_OK ||
      d.t[0].type != LW_JOBJ) {
    lw_con_reply_error(o->c, 400, "expected a JSON object");
    return false;
  }
  if (want_value) {
    lw_buf v;
    lw_buf_init(&v, LW_CON_MAX_VALUE);
    int iv = lw_jdoc_get(&d, 0, "value");
    if (lw_jdoc_type(&d, iv) != LW_JSTR || lw_jdoc_str(&d, iv, &v) != LW_OK ||
        memchr(v.data ? (char *)v.data : "", 0, v.len)) {
      lw_buf_free(&v);
      lw_con_reply_error(o->c, v.err == LW_ERR_TOO_LARGE ? 413 : 400,
                         "expected \"value\": the configuration text (at most 64 KiB)");
      return false;
    }
    o->text = malloc(v.len + 1);
    if (o->text) {
      memcpy(o->text, v.data ? (char *)v.data : "", v.len);
      o->text[v.len] = 0;
      o->text_len = v.len;
    }
    lw_buf_free(&v);
    if (!o->text) {
      lw_con_reply_error(o->c, 503, "out of memory");
      return false;
    }
  }
  if (rev_name && lw_jdoc_i64(&d, lw_jdoc_get(&d, 0, rev_name), &o->expect) != LW_OK) {
    lw_con_reply_error(o->c, 400, "expected \"mod_revision\": the revision read (0 to create)");
    return false;
  }
  if (o->kind == OP_ROLLBACK &&
      (lw_jdoc_i64(&d, lw_jdoc_get(&d, 0, "revision"), &o->revision) != LW_OK ||
       o->revision <= 0)) {
    lw_con_reply_error(o->c, 400, "expected \"revision\": the revision to bring back");
    return false;
  }
  return true;
}

static void host_call(lw_console *con, lw_con_conn *c, const lw_con_req *r, lw_con_session *s,
                      const char *what, const char *host) {
  const char *m = r->method;
  bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
  int kind;
  if (!strcmp(what, "config"))
    kind = get ? OP_GET : !strcmp(m, "PUT") ? OP_PUT : !strcmp(m, "DELETE") ? OP_DELETE : -1;
  else if (!strcmp(what, "check"))
    kind = !strcmp(m, "POST") ? OP_CHECK : -1;
  else if (!strcmp(what, "rollback"))
    kind = !strcmp(m, "POST") ? OP_ROLLBACK : -1;
  else if (!strcmp(what, "history"))
    kind = get ? OP_HISTORY : -1;
  else if (!strcmp(what, "convert"))
    kind = get ? OP_CONVERT : -1;
  else {
    lw_con_reply_error(c, 404, "no such API call");
    return;
  }
  if (kind < 0) {
    lw_con_reply_error(c, 405, "method not allowed here");
    return;
  }
  if (!lw_con_host_ok(host)) {
    lw_con_reply_error(c, 400, "host names are 1-253 characters of A-Z a-z 0-9 . _ -");
    return;
  }
  bool writes = kind == OP_PUT || kind == OP_DELETE || kind == OP_ROLLBACK;
  if (writes && !write_allowed(c, r, s, kind != OP_DELETE))
    return;
  if (kind == OP_CHECK && !lw_con_csrf_ok(s, r->csrf, strlen(r->csrf))) {
    lw_con_reply_error(c, 403, "missing or wrong CSRF token (X-CSRF-Token)");
    return;
  }
  op *o = op_new(con, c, kind, host, s);
  if (!o)
    return;
  int rc = LW_OK;
  switch (kind) {
    case OP_GET:
      rc = lw_con_store_range(con->store, o->key, false, query_int(r->query, "revision", 0), 1,
                              false, on_read, o);
      break;
    case OP_CONVERT:
      rc = lw_con_store_range(con->store, o->key, false, 0, 1, false, on_read, o);
      break;
    case OP_PUT:
    case OP_CHECK:
      if (!op_body(o, r, true, kind == OP_PUT ? "mod_revision" : NULL)) {
        op_free(o);
        return;
      }
      rc = lw_con_store_range(con->store, o->key, false, 0, 1, false, on_read, o);
      break;
    case OP_DELETE:
      o->expect = query_int(r->query, "mod_revision", -1);
      if (o->expect <= 0) {
        lw_con_reply_error(c, 400, "expected ?mod_revision=N, the revision read");
        op_free(o);
        return;
      }
      write_value(o, NULL, 0);
      return;
    case OP_ROLLBACK:
      if (!op_body(o, r, false, "mod_revision")) {
        op_free(o);
        return;
      }
      rc = lw_con_store_range(con->store, o->key, false, o->revision, 1, false, on_read, o);
      break;
    case OP_HISTORY:
      lw_json_init(&o->j, &o->out);
      lw_json_obj_begin(&o->j);
      lw_json_key(&o->j, "host");
      lw_json_str(&o->j, host);
      lw_json_key(&o->j, "revisions");
      lw_json_arr_begin(&o->j);
      o->revision = 0;
      history_next(o);
      return;
  }
  if (rc != LW_OK)
    op_fail(o, rc, "etcd request failed");
}

/* ---- Audit ---- */

typedef struct audit_op {
  lw_con_conn *c;
} audit_op;

static void on_audit(void *ud, int rc, const char *err, int64_t rev, const lw_con_kv *kvs,
                     size_t n) {
  (void)rev;
  audit_op *a = ud;
  if (rc != LW_OK) {
    lw_con_reply_error(a->c, 502, err ? err : "etcd failed");
    free(a);
    return;
  }
  lw_buf b;
  lw_buf_init(&b, 4u << 20);
  lw_json j;
  lw_json_init(&j, &b);
  lw_json_obj_begin(&j);
  lw_json_key(&j, "records");
  lw_json_arr_begin(&j);
  for (size_t i = 0; i < n; i++) {
    lw_jtok t[JSON_TOKENS];
    lw_jdoc d;
    if (lw_json_parse(&d, kvs[i].value, kvs[i].value_len, t, JSON_TOKENS, 4) != LW_OK ||
        d.t[0].type != LW_JOBJ || kvs[i].value[kvs[i].value_len - 1] != '}')
      continue;
    /* The record as stored, with the revision it was written at added. */
    lw_json_raw(&j, kvs[i].value, kvs[i].value_len - 1);
    char tail[48];
    int tl = snprintf(tail, sizeof tail, ",\"revision\":%" PRId64 "}", kvs[i].mod_revision);
    lw_buf_append(&b, tail, (size_t)tl);
  }
  lw_json_arr_end(&j);
  lw_json_obj_end(&j);
  reply_buf(a->c, 200, &b, NULL);
  lw_buf_free(&b);
  free(a);
}

/* ---- Routing ---- */

static void serve_asset(lw_con_conn *c, const char *name) {
  for (const lw_con_asset *a = lw_con_assets; a->name; a++) {
    if (strcmp(a->name, name) != 0)
      continue;
    const char *dot = strrchr(name, '.');
    const char *ct = !dot                    ? "application/octet-stream"
                     : !strcmp(dot, ".html") ? "text/html; charset=utf-8"
                     : !strcmp(dot, ".css")  ? "text/css; charset=utf-8"
                     : !strcmp(dot, ".js")   ? "text/javascript; charset=utf-8"
                     : !strcmp(dot, ".png")  ? "image/png"
                                             : "application/octet-stream";
    lw_con_reply(c, 200, ct, NULL, a->data, a->len);
    return;
  }
  lw_con_reply_error(c, 404, "not found");
}

void lw_con_handle(void *ud, lw_con_conn *c, const lw_con_req *r) {
  lw_console *con = ud;
  const char *p = r->path, *m = r->method;
  bool get = !strcmp(m, "GET") || !strcmp(m, "HEAD");
  if (memchr(r->body, 0, r->body_len)) {
    lw_con_reply_error(c, 400, "NUL byte in the body");
    return;
  }
  if (strncmp(p, "/api/", 5) != 0) {
    if (!get) {
      lw_con_reply_error(c, 405, "method not allowed");
      return;
    }
    serve_asset(c, !strcmp(p, "/") ? "index.html" : p + 1);
    return;
  }
  p += 5;
  if (!strcmp(p, "login")) {
    if (strcmp(m, "POST") != 0)
      lw_con_reply_error(c, 405, "POST only");
    else
      do_login(con, c, r);
    return;
  }
  lw_con_session *s = session_of(con, r);
  if (!s) {
    lw_con_reply_error(c, 401, "log in first");
    return;
  }
  if (!strcmp(p, "session") && get) {
    lw_buf b;
    lw_buf_init(&b, 4096);
    lw_json j;
    lw_json_init(&j, &b);
    session_json(&j, s);
    reply_buf(c, 200, &b, NULL);
    lw_buf_free(&b);
    return;
  }
  if (!strcmp(p, "logout") && !strcmp(m, "POST")) {
    if (!lw_con_csrf_ok(s, r->csrf, strlen(r->csrf))) {
      lw_con_reply_error(c, 403, "missing or wrong CSRF token (X-CSRF-Token)");
      return;
    }
    lw_con_session_end(s);
    lw_con_reply(c, 200, "application/json",
                 "Set-Cookie: " COOKIE "=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict\r\n",
                 "{\"ok\":true}", 11);
    return;
  }
  if (!strcmp(p, "events") && get) {
    lw_con_live_subscribe(con, c);
    return;
  }
  if ((!strcmp(p, "agents") || !strcmp(p, "configs")) && get) {
    lw_buf b;
    lw_buf_init(&b, 16u << 20);
    lw_con_live_json(con, &b);
    reply_buf(c, con->synced ? 200 : 503, &b, NULL);
    lw_buf_free(&b);
    return;
  }
  if (!strcmp(p, "audit") && get) {
    audit_op *a = calloc(1, sizeof *a);
    char key[300];
    snprintf(key, sizeof key, "%s/audit/", con->prefix);
    if (!a) {
      lw_con_reply_error(c, 503, "out of memory");
      return;
    }
    a->c = c;
    if (lw_con_store_range(con->store, key, true, 0, AUDIT_MAX, true, on_audit, a) != LW_OK) {
      free(a);
      lw_con_reply_error(c, 502, "etcd request failed");
    }
    return;
  }
  const char *slash = strchr(p, '/');
  if (slash && slash - p < 16) {
    char what[16];
    memcpy(what, p, (size_t)(slash - p));
    what[slash - p] = 0;
    host_call(con, c, r, s, what, slash + 1);
    return;
  }
  lw_con_reply_error(c, 404, "no such API call");
}
