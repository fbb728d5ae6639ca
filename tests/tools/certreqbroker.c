/* certreqbroker.c — test-only: a TLS listener that requires a client certificate the way a
 * Kafka broker on the JVM (SSLEngine, ssl.client.auth=required) refuses a client without one:
 * it sends a CertificateRequest, and when the client answers with no certificate it ends the
 * connection without an alert the client could name. Nothing after the handshake is served.
 *
 *   certreqbroker -c CERT -k KEY [-v 1.2|1.3] [-m close|record] [-L LOGFILE]
 *
 * -v fixes the TLS version (1.3 by default: the client has finished its handshake when it is
 * refused, and meets the refusal at its first read; 1.2: it is refused in the middle of it).
 * -m says how the refusal looks: `close` (the default) ends the TCP stream with no alert and
 * no close_notify; `record` first sends a handshake record the client does not expect there
 * (a ServerHello), as a broker writing something else than an alert does. OpenSSL's own alert
 * is dropped either way: the session writes into a memory BIO that this tool copies to the
 * socket only while the handshake goes on. A client presenting a certificate (any) completes
 * the handshake; its connection is then closed with close_notify.
 *
 * Prints "listening=127.0.0.1:PORT" once ready; each connection is one line in LOGFILE:
 * "refused conn=N" (no certificate), "accepted conn=N" (one was presented) or "gone conn=N"
 * (the client left first). One process per connection, killed with the parent. Built
 * without OpenSSL (make TLS=0) it only says so and exits with status 77. */
#if LW_TLS

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "tests/tools/forkserve.h"

static FILE *log_fp;
static int conn_id;

static void logline(const char *what) {
  if (!log_fp)
    return;
  fprintf(log_fp, "%s conn=%d\n", what, conn_id);
  fflush(log_fp);
}

static int accept_any(int ok, X509_STORE_CTX *store) {
  (void)ok, (void)store;
  return 1; /* only whether a certificate came matters here */
}

static int write_all(int fd, const void *p, size_t n) {
  const char *c = p;
  while (n) {
    ssize_t w = write(fd, c, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    c += w;
    n -= (size_t)w;
  }
  return 0;
}

/* Copy what the session wrote into the memory BIO to the socket. */
static int flush_out(BIO *wbio, int fd) {
  char buf[16384];
  int n;
  while ((n = BIO_read(wbio, buf, sizeof buf)) > 0)
    if (write_all(fd, buf, (size_t)n) != 0)
      return -1;
  return 0;
}

/* End the stream the way the broker does: FIN, then read until the client closes (a close
 * with unread input would send a reset instead), at most 5 s. */
static void hang_up(int fd) {
  shutdown(fd, SHUT_WR);
  char buf[4096];
  struct pollfd p = {.fd = fd, .events = POLLIN};
  while (poll(&p, 1, 5000) > 0 && read(fd, buf, sizeof buf) > 0) {
  }
  close(fd);
}

/* A TLS 1.2 record (type handshake) holding a ServerHello header: no message a client
 * expects once it sent its Finished. */
static const unsigned char stray_record[] = {22, 3, 3, 0, 8, 2, 0, 0, 4, 3, 3, 0, 0};

static void serve(SSL_CTX *ctx, int fd, bool send_record) {
  SSL *ssl = SSL_new(ctx);
  BIO *rbio = BIO_new(BIO_s_mem()), *wbio = BIO_new(BIO_s_mem());
  if (!ssl || !rbio || !wbio)
    _exit(1);
  SSL_set_bio(ssl, rbio, wbio);
  SSL_set_accept_state(ssl);
  char buf[16384];
  for (;;) {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl);
    if (r == 1) {
      flush_out(wbio, fd);
      logline("accepted");
      SSL_shutdown(ssl);
      flush_out(wbio, fd);
      hang_up(fd);
      return;
    }
    int e = SSL_get_error(ssl, r);
    if (e != SSL_ERROR_WANT_READ) {
      /* Refused (no certificate): OpenSSL's alert stays in the memory BIO, unsent. */
      logline("refused");
      if (send_record)
        write_all(fd, stray_record, sizeof stray_record);
      hang_up(fd);
      return;
    }
    if (flush_out(wbio, fd) != 0)
      break;
    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0)
      break;
    BIO_write(rbio, buf, (int)n);
  }
  logline("gone");
  close(fd);
}

struct served {
  SSL_CTX *ctx;
  bool record;
};

static void serve_conn(int fd, int id, void *ud) {
  const struct served *how = ud;
  conn_id = id;
  serve(how->ctx, fd, how->record);
}

int main(int argc, char **argv) {
  const char *cert = NULL, *key = NULL, *ver = "1.3", *mode = "close", *logpath = NULL;
  int opt;
  while ((opt = getopt(argc, argv, "c:k:v:m:L:h")) != -1) {
    switch (opt) {
      case 'c':
        cert = optarg;
        break;
      case 'k':
        key = optarg;
        break;
      case 'v':
        ver = optarg;
        break;
      case 'm':
        mode = optarg;
        break;
      case 'L':
        logpath = optarg;
        break;
      default:
        fprintf(stderr, "usage: certreqbroker -c CERT -k KEY [-v 1.2|1.3] [-m close|record] "
                        "[-L LOGFILE]\n");
        return 2;
    }
  }
  bool v12 = strcmp(ver, "1.2") == 0, record = strcmp(mode, "record") == 0;
  if (!cert || !key || (!v12 && strcmp(ver, "1.3")) || (!record && strcmp(mode, "close"))) {
    fprintf(stderr, "certreqbroker: -c CERT and -k KEY needed; -v 1.2|1.3; -m close|record\n");
    return 2;
  }
  if (logpath && !(log_fp = fopen(logpath, "a"))) {
    perror(logpath);
    return 1;
  }
  SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
  int v = v12 ? TLS1_2_VERSION : TLS1_3_VERSION;
  if (!ctx || !SSL_CTX_set_min_proto_version(ctx, v) || !SSL_CTX_set_max_proto_version(ctx, v) ||
      SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1) {
    fprintf(stderr, "certreqbroker: cannot load %s / %s\n", cert, key);
    ERR_print_errors_fp(stderr);
    return 1;
  }
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, accept_any);
  /* One ticket less to write: nothing but the handshake is looked at. */
  SSL_CTX_set_num_tickets(ctx, 0);

  int lfd = fork_listen("certreqbroker", 0);
  if (lfd < 0)
    return 1;
  struct served how = {ctx, record};
  return fork_serve(lfd, "certreqbroker", serve_conn, &how);
}

#else

#include <stdio.h>

int main(void) {
  fprintf(stderr, "certreqbroker: built without OpenSSL (make TLS=0)\n");
  return 77;
}

#endif
