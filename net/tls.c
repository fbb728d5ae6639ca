/* tls.c — TLS through OpenSSL 3 on non-blocking sockets (make TLS=1), or the build without TLS
 * support where every entry point reports that it is missing (make TLS=0). */
#include "net/tls.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "net/secret.h"
#include "base/err.h"

static const char insecure[] =
    "ssl_verify = false: the brokers' certificates and host names are NOT verified; anyone on "
    "the network path can impersonate the brokers and read what logwire sends";

#if LW_TLS

#include <arpa/inet.h>
#include "net/ossl.h"
#include <stdlib.h>
#include <time.h>

#define WCHUNK (16 * 1024) /* one TLS record of plaintext at most */

/* What lw_tls_ctx_new returns. */
typedef struct tls_ctx {
  SSL_CTX *ssl;
  bool verify;
  bool warned; /* the ssl_verify = false warning was handed out */
} tls_ctx;

struct lw_tls {
  SSL *ssl;
  bool want_write;
  bool verify_failed; /* the verify callback saw the first failure */
  bool cert_asked;    /* the broker sent a CertificateRequest and logwire has no certificate */
  bool got_data;      /* application data was read: the broker accepted the session */
  int vdepth;         /* its depth in the chain (0: the broker's own certificate) */
  char vsubject[200]; /* subject of the certificate that failed */
  char vnotbefore[32], vnotafter[32];
  char vnames[256]; /* the names the broker's certificate holds (subjectAltName) */
  char host[256];
  char err[512];
};

/* ---- Context ---- */

/* The earliest reason in OpenSSL's error queue (the root cause), then clear the queue. */
static void ssl_reason(char *out, size_t n) {
  unsigned long e = ERR_get_error();
  const char *r = e ? ERR_reason_error_string(e) : NULL;
  if (e && ERR_SYSTEM_ERROR(e)) /* a system call failed (no such file...): errno's text */
    snprintf(out, n, "%s", strerror((int)ERR_GET_REASON(e)));
  else if (r)
    snprintf(out, n, "%s", r);
  else if (e)
    snprintf(out, n, "OpenSSL error %lu", e);
  else
    snprintf(out, n, "unknown error");
  ERR_clear_error();
}

static int key_password_cb(char *buf, int size, int rwflag, void *u) {
  (void)rwflag;
  const char *pw = u;
  if (!pw || size <= 0)
    return 0;
  size_t n = strlen(pw);
  if (n > (size_t)size)
    n = (size_t)size;
  memcpy(buf, pw, n);
  return (int)n;
}

static void fmt_time(const ASN1_TIME *t, char *out, size_t n) {
  struct tm tm;
  if (t && ASN1_TIME_to_tm(t, &tm) == 1)
    strftime(out, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
  else
    snprintf(out, n, "?");
}

/* The names the certificate holds (subjectAltName DNS and IP entries), for a mismatch. */
static void cert_names(X509 *cert, char *out, size_t n) {
  out[0] = 0;
  GENERAL_NAMES *gens = cert ? X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL) : NULL;
  size_t len = 0;
  /* OPENSSL_sk_* rather than the sk_GENERAL_NAME_* inline wrappers, which would call OpenSSL
   * directly instead of through ossl.h. */
  const OPENSSL_STACK *st = (const OPENSSL_STACK *)gens;
  for (int i = 0; gens && i < OPENSSL_sk_num(st) && len + 64 < n; i++) {
    const GENERAL_NAME *g = OPENSSL_sk_value(st, i);
    if (g->type == GEN_DNS) {
      len += (size_t)snprintf(out + len, n - len, "%sDNS:%.60s", len ? ", " : "",
                              (const char *)ASN1_STRING_get0_data(g->d.dNSName));
    } else if (g->type == GEN_IPADD) {
      const ASN1_OCTET_STRING *ip = g->d.iPAddress;
      char a[INET6_ADDRSTRLEN] = "?";
      if (ip->length == 4 || ip->length == 16)
        inet_ntop(ip->length == 4 ? AF_INET : AF_INET6, ip->data, a, sizeof a);
      len += (size_t)snprintf(out + len, n - len, "%sIP:%s", len ? ", " : "", a);
    }
  }
  GENERAL_NAMES_free(gens);
  if (!out[0] && cert)
    X509_NAME_oneline(X509_get_subject_name(cert), out, (int)n);
}

/* The broker asked for a client certificate and none is configured: remember it, so that a
 * handshake that then fails says why (brokers do not all end it with the certificate_required
 * alert; some answer with a record the client does not expect). Returns 0: no certificate. */
static int client_cert_cb(SSL *ssl, X509 **x509, EVP_PKEY **pkey) {
  (void)x509, (void)pkey;
  lw_tls *t = SSL_get_app_data(ssl);
  if (t)
    t->cert_asked = true;
  return 0;
}

/* Record the first certificate that failed verification, to name it in the error. */
static int verify_cb(int ok, X509_STORE_CTX *store) {
  if (ok)
    return ok;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  lw_tls *t = ssl ? SSL_get_app_data(ssl) : NULL;
  if (t && !t->verify_failed) {
    t->verify_failed = true;
    t->vdepth = X509_STORE_CTX_get_error_depth(store);
    X509 *cert = X509_STORE_CTX_get_current_cert(store);
    t->vsubject[0] = 0;
    if (cert) {
      X509_NAME_oneline(X509_get_subject_name(cert), t->vsubject, sizeof t->vsubject);
      fmt_time(X509_get0_notBefore(cert), t->vnotbefore, sizeof t->vnotbefore);
      fmt_time(X509_get0_notAfter(cert), t->vnotafter, sizeof t->vnotafter);
      if (t->vdepth == 0)
        cert_names(cert, t->vnames, sizeof t->vnames);
    }
  }
  return ok;
}

int lw_tls_ctx_new(void **out, const lw_producer_conf *conf, char *err, size_t errlen) {
  const char *key;
  return lw_tls_ctx_new_key(out, conf, &key, err, errlen);
}

int lw_tls_ctx_new_key(void **out, const lw_producer_conf *conf, const char **bad, char *err,
                       size_t errlen) {
  *out = NULL;
  *bad = "security_protocol";
  char why[256];
  char *keypw = NULL;
  int rc = LW_ERR_TLS;
  tls_ctx *tc = calloc(1, sizeof *tc);
  if (!tc)
    return LW_ERR_NOMEM;
  /* First use of OpenSSL in the process: nothing was loaded or initialised before this point. */
  if (lw_ossl_load(err, errlen) != LW_OK)
    goto fail;
  if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) !=
      1) {
    snprintf(err, errlen, "cannot initialise OpenSSL");
    goto fail;
  }
  ERR_clear_error();
  SSL_CTX *ctx = tc->ssl = SSL_CTX_new(TLS_client_method());
  if (!ctx) {
    ssl_reason(why, sizeof why);
    snprintf(err, errlen, "cannot create a TLS context: %s", why);
    goto fail;
  }
  tc->verify = conf->ssl_verify;
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  rc = LW_ERR_CONFIG;
  const char *cafile = conf->ssl_ca_file && conf->ssl_ca_file[0] ? conf->ssl_ca_file : NULL;
  const char *capath = conf->ssl_ca_path && conf->ssl_ca_path[0] ? conf->ssl_ca_path : NULL;
  if (cafile || capath) {
    *bad = cafile ? "ssl_ca_file" : "ssl_ca_path";
    if (SSL_CTX_load_verify_locations(ctx, cafile, capath) != 1) {
      ssl_reason(why, sizeof why);
      snprintf(err, errlen, "cannot load CA certificates from %s%s%s: %s", cafile ? cafile : "",
               cafile && capath ? " and " : "", capath ? capath : "", why);
      goto fail;
    }
  } else if (conf->ssl_verify && (*bad = "ssl_ca_file") &&
             SSL_CTX_set_default_verify_paths(ctx) != 1) {
    ssl_reason(why, sizeof why);
    snprintf(err, errlen, "cannot use the system's CA store: %s (set ssl_ca_file)", why);
    goto fail;
  }
  SSL_CTX_set_verify(ctx, conf->ssl_verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE,
                     conf->ssl_verify ? verify_cb : NULL);
  const char *cert = conf->ssl_cert_file && conf->ssl_cert_file[0] ? conf->ssl_cert_file : NULL;
  const char *key = conf->ssl_key_file && conf->ssl_key_file[0] ? conf->ssl_key_file : cert;
  if (!cert)
    SSL_CTX_set_client_cert_cb(ctx, client_cert_cb);
  if (cert) {
    *bad = "ssl_cert_file";
    if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
      ssl_reason(why, sizeof why);
      snprintf(err, errlen, "cannot load the client certificate %s: %s", cert, why);
      goto fail;
    }
    int src =
        lw_secret_get(conf->ssl_key_password, conf->ssl_key_password_file, &keypw, err, errlen);
    if (src != LW_OK) {
      *bad = conf->ssl_key_password_file && conf->ssl_key_password_file[0] ? "ssl_key_password_file"
                                                                           : "ssl_key_password";
      rc = src;
      goto fail;
    }
    *bad = key == cert ? "ssl_cert_file" : "ssl_key_file";
    /* The key password is handed to OpenSSL only while the key is read. */
    SSL_CTX_set_default_passwd_cb(ctx, key_password_cb);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, keypw);
    int ok = SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM);
    SSL_CTX_set_default_passwd_cb_userdata(ctx, NULL);
    if (ok != 1) {
      ssl_reason(why, sizeof why);
      snprintf(err, errlen, "cannot load the client private key %s: %s%s", key, why,
               strstr(why, "decrypt") || strstr(why, "bad password") ? " (ssl_key_password?)" : "");
      goto fail;
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
      ssl_reason(why, sizeof why);
      snprintf(err, errlen, "the private key %s does not match the certificate %s: %s", key, cert,
               why);
      goto fail;
    }
  }
  lw_secret_free(keypw);
  *bad = NULL;
  *out = tc;
  return LW_OK;
fail:
  lw_secret_free(keypw);
  SSL_CTX_free(tc->ssl);
  free(tc);
  return rc;
}

void lw_tls_ctx_free(void *ctx) {
  tls_ctx *tc = ctx;
  if (!tc)
    return;
  SSL_CTX_free(tc->ssl);
  free(tc);
}

const char *lw_tls_ctx_warning(void *ctx) {
  tls_ctx *tc = ctx;
  if (!tc || tc->verify || tc->warned)
    return NULL;
  tc->warned = true;
  return insecure;
}

/* A server context for the console: certificate chain and key, TLS 1.2 at least, no client
 * certificates asked for. */
int lw_tls_server_ctx_new(void **out, const char *cert, const char *key, char *err, size_t errlen) {
  *out = NULL;
  char why[256];
  if (lw_ossl_load(why, sizeof why) != LW_OK) {
    snprintf(err, errlen, "%s", why);
    return LW_ERR_TLS;
  }
  if (OPENSSL_init_ssl(OPENSSL_INIT_LOAD_SSL_STRINGS | OPENSSL_INIT_LOAD_CRYPTO_STRINGS, NULL) !=
      1) {
    snprintf(err, errlen, "OpenSSL failed to initialise");
    return LW_ERR_TLS;
  }
  tls_ctx *tc = calloc(1, sizeof *tc);
  if (!tc)
    return LW_ERR_NOMEM;
  tc->verify = true; /* no warning to hand out: clients are not verified by a server */
  SSL_CTX *ctx = tc->ssl = SSL_CTX_new(TLS_server_method());
  if (!ctx) {
    ssl_reason(why, sizeof why);
    snprintf(err, errlen, "cannot create a TLS context: %s", why);
    goto fail;
  }
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
                            SSL_MODE_RELEASE_BUFFERS);
  if (SSL_CTX_use_certificate_chain_file(ctx, cert) != 1) {
    ssl_reason(why, sizeof why);
    snprintf(err, errlen, "cannot load the certificate %s: %s", cert, why);
    goto fail;
  }
  if (SSL_CTX_use_PrivateKey_file(ctx, key ? key : cert, SSL_FILETYPE_PEM) != 1 ||
      SSL_CTX_check_private_key(ctx) != 1) {
    ssl_reason(why, sizeof why);
    snprintf(err, errlen, "cannot use the private key %s: %s", key ? key : cert, why);
    goto fail;
  }
  *out = tc;
  return LW_OK;
fail:
  SSL_CTX_free(tc->ssl);
  free(tc);
  return LW_ERR_TLS;
}

int lw_tls_new_server(lw_tls **out, void *vctx, int fd) {
  *out = NULL;
  lw_tls *t = calloc(1, sizeof *t);
  if (!t)
    return LW_ERR_NOMEM;
  ERR_clear_error();
  t->ssl = SSL_new(((tls_ctx *)vctx)->ssl);
  if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1) {
    ERR_clear_error();
    if (t->ssl)
      SSL_free(t->ssl);
    free(t);
    return LW_ERR_TLS;
  }
  SSL_set_app_data(t->ssl, t);
  SSL_set_accept_state(t->ssl);
  *out = t;
  return LW_OK;
}

/* ---- Session ---- */

int lw_tls_new(lw_tls **out, void *vctx, int fd, const char *host) {
  *out = NULL;
  SSL_CTX *ctx = ((tls_ctx *)vctx)->ssl;
  lw_tls *t = calloc(1, sizeof *t);
  if (!t)
    return LW_ERR_NOMEM;
  snprintf(t->host, sizeof t->host, "%s", host);
  ERR_clear_error();
  t->ssl = SSL_new(ctx);
  if (!t->ssl || SSL_set_fd(t->ssl, fd) != 1)
    goto fail;
  SSL_set_app_data(t->ssl, t);
  SSL_set_connect_state(t->ssl);
  struct in6_addr a6;
  bool ip = inet_pton(AF_INET, host, &a6) == 1 || inet_pton(AF_INET6, host, &a6) == 1;
  if (SSL_CTX_get_verify_mode(ctx) & SSL_VERIFY_PEER) {
    X509_VERIFY_PARAM *vp = SSL_get0_param(t->ssl);
    X509_VERIFY_PARAM_set_hostflags(vp, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
    if (ip ? X509_VERIFY_PARAM_set1_ip_asc(vp, host) != 1 : SSL_set1_host(t->ssl, host) != 1)
      goto fail;
  }
  if (!ip && SSL_set_tlsext_host_name(t->ssl, host) != 1) /* SNI: host names only (RFC 6066) */
    goto fail;
  *out = t;
  return LW_OK;
fail:
  ERR_clear_error();
  if (t->ssl)
    SSL_free(t->ssl);
  free(t);
  return LW_ERR_TLS;
}

void lw_tls_free(lw_tls *t) {
  if (!t)
    return;
  if (SSL_is_init_finished(t->ssl))
    SSL_shutdown(t->ssl); /* one attempt at close_notify; the socket closes right after */
  SSL_free(t->ssl);
  ERR_clear_error();
  free(t);
}

/* Name the cause of a failed certificate verification. */
static void verify_error(lw_tls *t, long vr) {
  const char *vs = X509_verify_cert_error_string(vr);
  const char *who = t->vdepth == 0 ? "the broker's certificate" : "a CA certificate of its chain";
  switch (vr) {
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED:
      snprintf(t->err, sizeof t->err,
               "unknown CA: %s (%s) is not signed by a trusted CA (%s); set ssl_ca_file to the "
               "CA that signed it",
               who, t->vsubject, vs);
      return;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH:
      snprintf(t->err, sizeof t->err,
               "host name mismatch: the broker's certificate is not valid for \"%.200s\" (it names "
               "%.200s)",
               t->host, t->vnames[0] ? t->vnames : "nothing");
      return;
    case X509_V_ERR_CERT_HAS_EXPIRED:
      snprintf(t->err, sizeof t->err, "certificate expired: %s (%s) expired on %s", who,
               t->vsubject, t->vnotafter);
      return;
    case X509_V_ERR_CERT_NOT_YET_VALID:
      snprintf(t->err, sizeof t->err,
               "certificate not yet valid: %s (%s) is valid from %s (is the clock right?)", who,
               t->vsubject, t->vnotbefore);
      return;
    default:
      snprintf(t->err, sizeof t->err, "certificate verification failed: %s (%s, %s)", vs, who,
               t->vsubject);
  }
}

/* Name the cause of a failed SSL call (handshake or I/O) in t->err. Returns LW_ERR_TLS. */
static int failure(lw_tls *t, int sslerr, const char *during) {
  unsigned long e = ERR_peek_error();
  int reason = e && ERR_GET_LIB(e) == ERR_LIB_SSL ? ERR_GET_REASON(e) : 0;
  char why[256];
  long vr = SSL_get_verify_result(t->ssl);
  if ((reason == SSL_R_CERTIFICATE_VERIFY_FAILED || (!reason && t->verify_failed)) &&
      vr != X509_V_OK) {
    ERR_clear_error();
    verify_error(t, vr);
    return LW_ERR_TLS;
  }
  if (t->cert_asked) {
    /* What the broker did instead of accepting: an alert or a record OpenSSL names, or (a JVM
     * broker) a plain close or reset. */
    int en = errno;
    if (e)
      ssl_reason(why, sizeof why);
    else if (sslerr == SSL_ERROR_SYSCALL && en)
      snprintf(why, sizeof why, "%s", strerror(en));
    else
      snprintf(why, sizeof why, "the broker closed the connection without an alert");
    snprintf(t->err, sizeof t->err,
             "the broker requires a client certificate (it asked for one, logwire has none): set "
             "ssl_cert_file and ssl_key_file (%s %s)",
             why, during[0] ? during : "after the TLS handshake");
    return LW_ERR_TLS;
  }
  /* A plaintext listener hangs up on a ClientHello (a Kafka broker reads it as a huge size). */
  const char *hint = during[0] ? ": is this port a TLS listener?" : "";
  if (sslerr == SSL_ERROR_ZERO_RETURN || (sslerr == SSL_ERROR_SYSCALL && !e && errno == 0)) {
    snprintf(t->err, sizeof t->err, "connection closed by the broker %s%s", during, hint);
    return LW_ERR_TLS;
  }
  if (sslerr == SSL_ERROR_SYSCALL && !e) {
    int en = errno;
    snprintf(t->err, sizeof t->err, "%s %s%s", strerror(en), during,
             en == ECONNRESET || en == EPIPE ? hint : "");
    return LW_ERR_TLS;
  }
  ssl_reason(why, sizeof why);
  switch (reason) {
    case SSL_R_UNSUPPORTED_PROTOCOL:
    case SSL_R_TLSV1_ALERT_PROTOCOL_VERSION:
    case SSL_R_NO_PROTOCOLS_AVAILABLE:
      snprintf(t->err, sizeof t->err,
               "protocol version: the broker and logwire share no TLS version (logwire speaks "
               "TLS 1.2 and 1.3): %s",
               why);
      break;
    case SSL_R_WRONG_VERSION_NUMBER:
    case SSL_R_PACKET_LENGTH_TOO_LONG:
    case SSL_R_HTTP_REQUEST:
      snprintf(t->err, sizeof t->err,
               "the broker does not speak TLS on this port (%s): a plaintext listener?", why);
      break;
    case SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED:
      snprintf(t->err, sizeof t->err,
               "the broker requires a client certificate (mutual TLS): set ssl_cert_file and "
               "ssl_key_file (%s)",
               why);
      break;
    case SSL_R_SSLV3_ALERT_BAD_CERTIFICATE:
    case SSL_R_SSLV3_ALERT_CERTIFICATE_EXPIRED:
    case SSL_R_TLSV1_ALERT_UNKNOWN_CA:
      snprintf(t->err, sizeof t->err, "the broker rejected logwire's client certificate (%s)", why);
      break;
    case SSL_R_SSLV3_ALERT_HANDSHAKE_FAILURE:
      snprintf(t->err, sizeof t->err,
               "the broker refused the handshake (%s): no common cipher, or it requires a client "
               "certificate (ssl_cert_file, ssl_key_file)",
               why);
      break;
    default:
      snprintf(t->err, sizeof t->err, "%s %s", why, during);
  }
  return LW_ERR_TLS;
}

int lw_tls_handshake(lw_tls *t) {
  ERR_clear_error();
  errno = 0;
  int r = SSL_do_handshake(t->ssl); /* connect or accept, as the session was set up */
  if (r == 1) {
    t->want_write = false;
    return LW_OK;
  }
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    t->want_write = e == SSL_ERROR_WANT_WRITE;
    return LW_ERR_NEED_MORE;
  }
  return failure(t, e, "during the TLS handshake");
}

bool lw_tls_wants_write(const lw_tls *t) {
  return t->want_write;
}

const char *lw_tls_error(const lw_tls *t) {
  return t ? t->err : "";
}

bool lw_tls_refused(const lw_tls *t) {
  return t && t->cert_asked && !t->got_data;
}

/* Map an SSL I/O failure to errno (see tls.h). */
static ssize_t io_fail(lw_tls *t, int r) {
  int e = SSL_get_error(t->ssl, r);
  if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
    t->want_write = e == SSL_ERROR_WANT_WRITE;
    errno = EAGAIN;
    return -1;
  }
  if (lw_tls_refused(t)) {
    /* TLS 1.3 without the client certificate the broker asked for: whatever ends the session
     * before the broker's first byte of data is its refusal, however it is made. */
    failure(t, e, "");
    errno = EPROTO;
    return -1;
  }
  if (e == SSL_ERROR_ZERO_RETURN)
    return 0; /* close_notify, or (SSL_OP_IGNORE_UNEXPECTED_EOF) a plain end of stream */
  int saved = errno;
  if (e == SSL_ERROR_SYSCALL && !ERR_peek_error() && saved) {
    snprintf(t->err, sizeof t->err, "%s", strerror(saved));
    errno = saved;
    return -1;
  }
  failure(t, e, "");
  errno = EPROTO;
  return -1;
}

/* Fill the buffer as far as the session has data, so that a short count means the socket is
 * drained (the connection reads until then; data left inside OpenSSL would never wake epoll). */
ssize_t lw_tls_read(lw_tls *t, void *p, size_t n) {
  size_t got = 0;
  while (got < n) {
    size_t k = 0;
    ERR_clear_error();
    errno = 0;
    int r = SSL_read_ex(t->ssl, (char *)p + got, n - got, &k);
    if (r != 1) {
      if (got)
        return (ssize_t)got; /* report the bytes; the condition shows again on the next call */
      return io_fail(t, r);
    }
    t->got_data = true;
    got += k;
  }
  return (ssize_t)got;
}

/* TLS has no gather write: the iovecs are copied into records of up to 16 KiB. A write that
 * must wait is retried by the caller with the same leading bytes (the connection re-presents
 * what was not counted as written), as SSL_write requires. */
ssize_t lw_tls_writev(lw_tls *t, const struct iovec *iov, int n) {
  uint8_t chunk[WCHUNK];
  size_t total = 0;
  int i = 0;
  size_t off = 0; /* within iov[i] */
  while (i < n) {
    size_t len = 0;
    int j = i;
    size_t o = off;
    while (j < n && len < sizeof chunk) {
      size_t take = iov[j].iov_len - o;
      if (take > sizeof chunk - len)
        take = sizeof chunk - len;
      memcpy(chunk + len, (const char *)iov[j].iov_base + o, take);
      len += take;
      o += take;
      if (o == iov[j].iov_len) {
        j++;
        o = 0;
      }
    }
    if (len == 0)
      break;
    size_t w = 0;
    ERR_clear_error();
    errno = 0;
    int r = SSL_write_ex(t->ssl, chunk, len, &w);
    if (r != 1) {
      if (total)
        return (ssize_t)total;
      return io_fail(t, r);
    }
    total += w;
    /* Advance (i, off) by w bytes (w == len unless the write was partial). */
    while (w > 0) {
      size_t left = iov[i].iov_len - off;
      if (w < left) {
        off += w;
        w = 0;
      } else {
        w -= left;
        i++;
        off = 0;
      }
    }
    while (i < n && iov[i].iov_len == 0)
      i++;
  }
  return (ssize_t)total;
}

#else /* built without OpenSSL */

int lw_tls_ctx_new(void **out, const lw_producer_conf *conf, char *err, size_t errlen) {
  (void)conf;
  *out = NULL;
  snprintf(err, errlen, "this logwire was built without OpenSSL (make TLS=0): no TLS");
  return LW_ERR_UNSUPPORTED;
}
int lw_tls_ctx_new_key(void **out, const lw_producer_conf *conf, const char **key, char *err,
                       size_t errlen) {
  *key = "security_protocol";
  return lw_tls_ctx_new(out, conf, err, errlen);
}
void lw_tls_ctx_free(void *ctx) {
  (void)ctx;
}
int lw_tls_server_ctx_new(void **out, const char *cert, const char *key, char *err, size_t errlen) {
  (void)cert, (void)key;
  *out = NULL;
  snprintf(err, errlen, "this logwire was built without OpenSSL (make TLS=0): no TLS");
  return LW_ERR_UNSUPPORTED;
}
int lw_tls_new_server(lw_tls **out, void *ctx, int fd) {
  (void)ctx, (void)fd;
  *out = NULL;
  return LW_ERR_UNSUPPORTED;
}
const char *lw_tls_ctx_warning(void *ctx) {
  (void)ctx;
  (void)insecure;
  return NULL;
}
int lw_tls_new(lw_tls **out, void *ctx, int fd, const char *host) {
  (void)ctx, (void)fd, (void)host;
  *out = NULL;
  return LW_ERR_UNSUPPORTED;
}
void lw_tls_free(lw_tls *t) {
  (void)t;
}
int lw_tls_handshake(lw_tls *t) {
  (void)t;
  return LW_ERR_UNSUPPORTED;
}
bool lw_tls_wants_write(const lw_tls *t) {
  (void)t;
  return false;
}
const char *lw_tls_error(const lw_tls *t) {
  (void)t;
  return "built without OpenSSL";
}
bool lw_tls_refused(const lw_tls *t) {
  (void)t;
  return false;
}
ssize_t lw_tls_read(lw_tls *t, void *p, size_t n) {
  (void)t, (void)p, (void)n;
  errno = ENOTSUP;
  return -1;
}
ssize_t lw_tls_writev(lw_tls *t, const struct iovec *iov, int n) {
  (void)t, (void)iov, (void)n;
  errno = ENOTSUP;
  return -1;
}

#endif
