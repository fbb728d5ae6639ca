/* cmd_stats.c — `logwire stats`: fetch /stats or /metrics from a running agent's HTTP
 * endpoint ([agent] http) and print it. A short-lived command, so a blocking socket with
 * timeouts is used. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "agent/cmds.h"
#include "agent/http.h"
#include "base/buf.h"
#include "base/err.h"

#define DEFAULT_ADDR "127.0.0.1:9642"
#define TIMEOUT_MS   5000
#define RESPONSE_MAX (64u << 20)

static void usage(FILE *f) {
  fprintf(f, "usage: logwire stats [-a HOST:PORT] [--prometheus] [--raw]\n"
             "  -a, --addr HOST:PORT  the agent's [agent] http address (default " DEFAULT_ADDR ")\n"
             "      --prometheus      Prometheus text format (/metrics) instead of JSON (/stats)\n"
             "      --raw             the JSON as served, on one line (for scripts)\n");
}

/* Connect with a deadline. Returns a blocking socket with send/receive timeouts, or -1 with
 * the reason in err. */
static int dial(const char *host, int port, char *err, size_t errlen) {
  char portstr[8];
  snprintf(portstr, sizeof portstr, "%d", port);
  struct addrinfo hints = {
      .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV};
  struct addrinfo *ai = NULL;
  int gai = getaddrinfo(host, portstr, &hints, &ai);
  if (gai != 0) {
    snprintf(err, errlen, "%s", gai_strerror(gai));
    return -1;
  }
  int fd = -1;
  snprintf(err, errlen, "no address");
  for (struct addrinfo *a = ai; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      snprintf(err, errlen, "%s", strerror(errno));
      continue;
    }
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      struct pollfd p = {.fd = fd, .events = POLLOUT};
      int soerr = 0;
      socklen_t sl = sizeof soerr;
      int n;
      while ((n = poll(&p, 1, TIMEOUT_MS)) < 0 && errno == EINTR) {
      }
      if (n == 0)
        soerr = ETIMEDOUT;
      else if (n < 0 || getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0)
        soerr = errno;
      rc = soerr ? -1 : 0;
      errno = soerr;
    }
    if (rc != 0) {
      snprintf(err, errlen, "%s", strerror(errno));
      close(fd);
      fd = -1;
      continue;
    }
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
    struct timeval tv = {.tv_sec = TIMEOUT_MS / 1000, .tv_usec = (TIMEOUT_MS % 1000) * 1000};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  }
  freeaddrinfo(ai);
  return fd;
}

/* GET path from addr. Returns LW_OK with the status code and body, or an error with the
 * reason in err. */
static int fetch(const char *addr, const char *path, int *status, lw_buf *body, char *err,
                 size_t errlen) {
  char host[256];
  int port;
  if (lw_http_split_addr(addr, host, sizeof host, &port) != LW_OK) {
    snprintf(err, errlen, "bad address %s (expected HOST:PORT)", addr);
    return LW_ERR_CONFIG;
  }
  char why[160];
  int fd = dial(host, port, why, sizeof why);
  if (fd < 0) {
    snprintf(err, errlen, "cannot connect to %s: %s", addr, why);
    return LW_ERR_CONNECT;
  }
  int rc = LW_ERR_IO;
  lw_buf in;
  lw_buf_init(&in, RESPONSE_MAX);
  char req[512];
  int n = snprintf(req, sizeof req,
                   "GET %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: logwire\r\nAccept: */*\r\n"
                   "Connection: close\r\n\r\n",
                   path, addr);
  for (int off = 0; off < n;) {
    ssize_t w = send(fd, req + off, (size_t)(n - off), MSG_NOSIGNAL);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0) {
      snprintf(err, errlen, "sending to %s: %s", addr, strerror(errno));
      goto out;
    }
    off += (int)w;
  }
  for (;;) {
    if (lw_buf_reserve(&in, 65536) != LW_OK) {
      snprintf(err, errlen, "response from %s too large", addr);
      goto out;
    }
    ssize_t r = recv(fd, lw_buf_tail(&in), in.cap - in.len, 0);
    if (r < 0 && errno == EINTR)
      continue;
    if (r < 0) {
      snprintf(err, errlen, "reading from %s: %s", addr,
               errno == EAGAIN ? "timed out" : strerror(errno));
      goto out;
    }
    if (r == 0)
      break;
    lw_buf_commit(&in, (size_t)r);
  }
  /* "HTTP/1.x NNN reason", headers, empty line, body (Content-Length bytes if given). */
  lw_buf_put_u8(&in, 0);
  in.len--;
  const char *t = (const char *)in.data;
  const char *sep = t ? strstr(t, "\r\n\r\n") : NULL;
  if (!t || strncmp(t, "HTTP/1.", 7) != 0 || in.len < 12 || !sep) {
    snprintf(err, errlen, "%s did not answer HTTP", addr);
    goto out;
  }
  *status = atoi(t + 9);
  size_t off = (size_t)(sep + 4 - t), len = in.len - off;
  for (const char *h = strstr(t, "\r\n") + 2; h < sep; h = strstr(h, "\r\n") + 2)
    if (strncasecmp(h, "Content-Length:", 15) == 0) {
      size_t cl = (size_t)strtoull(h + 15, NULL, 10);
      if (cl < len)
        len = cl;
    } else if (strncasecmp(h, "Transfer-Encoding:", 18) == 0) {
      snprintf(err, errlen, "%s answered with a transfer encoding (not supported)", addr);
      goto out;
    }
  lw_buf_append(body, t + off, len);
  rc = body->err;
  if (rc)
    snprintf(err, errlen, "response too large");
out:
  lw_buf_free(&in);
  close(fd);
  return rc;
}

/* Print JSON text indented, two spaces a level, for people; strings are copied as they are. */
static void print_pretty(const uint8_t *p, size_t n, FILE *f) {
  int depth = 0;
  bool in_str = false, esc = false;
  for (size_t i = 0; i < n; i++) {
    uint8_t ch = p[i];
    if (in_str) {
      fputc(ch, f);
      if (esc)
        esc = false;
      else if (ch == '\\')
        esc = true;
      else if (ch == '"')
        in_str = false;
      continue;
    }
    switch (ch) {
      case '"':
        in_str = true;
        fputc(ch, f);
        break;
      case '{':
      case '[':
        fputc(ch, f);
        /* keep empty containers on one line */
        if (i + 1 < n && (p[i + 1] == '}' || p[i + 1] == ']')) {
          fputc(p[++i], f);
          break;
        }
        depth++;
        fprintf(f, "\n%*s", depth * 2, "");
        break;
      case '}':
      case ']':
        depth = depth > 0 ? depth - 1 : 0;
        fprintf(f, "\n%*s%c", depth * 2, "", ch);
        break;
      case ',':
        fprintf(f, ",\n%*s", depth * 2, "");
        break;
      case ':':
        fputs(": ", f);
        break;
      case '\n':
        break;
      default:
        fputc(ch, f);
    }
  }
  fputc('\n', f);
}

int lw_cmd_stats(int argc, char **argv) {
  const char *addr = DEFAULT_ADDR, *path = "/stats";
  bool raw = false;
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    if ((strcmp(a, "-a") == 0 || strcmp(a, "--addr") == 0) && i + 1 < argc) {
      addr = argv[++i];
    } else if (strncmp(a, "--addr=", 7) == 0) {
      addr = a + 7;
    } else if (strcmp(a, "--prometheus") == 0) {
      path = "/metrics";
    } else if (strcmp(a, "--raw") == 0) {
      raw = true;
    } else if (!strcmp(a, "-d") || !strcmp(a, "-q") || !strcmp(a, "--debug") ||
               !strcmp(a, "--quiet") || !strcmp(a, "--trace")) {
      /* the global options: nothing to log or trace here */
    } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
      usage(stdout);
      return 0;
    } else {
      fprintf(stderr, "logwire stats: unknown option \"%s\"\n", a);
      usage(stderr);
      return 2;
    }
  }
  if (lw_http_split_addr(addr, NULL, 0, NULL) != LW_OK) {
    fprintf(stderr, "logwire stats: bad address \"%s\" (expected HOST:PORT, [IPv6]:PORT)\n", addr);
    return 2;
  }
  lw_buf body;
  lw_buf_init(&body, RESPONSE_MAX);
  char err[512];
  int status = 0, code = 1;
  int frc = fetch(addr, path, &status, &body, err, sizeof err);
  if (frc == LW_ERR_CONNECT) {
    fprintf(stderr,
            "logwire stats: %s\n"
            "logwire stats: is the agent running with its statistics endpoint on? Set\n"
            "  [agent]\n  http = %s\n"
            "in its configuration (reloaded on change), or give its address with -a HOST:PORT.\n",
            err, addr);
  } else if (frc != LW_OK) {
    fprintf(stderr, "logwire stats: %s\n", err);
  } else if (status != 200) {
    fprintf(stderr, "logwire stats: %s answered %d for %s\n", addr, status, path);
  } else if (!raw && strcmp(path, "/stats") == 0 && body.len) {
    print_pretty(body.data, body.len, stdout);
    code = fflush(stdout) == 0 ? 0 : 1;
  } else {
    fwrite(body.data ? (const void *)body.data : "", 1, body.len, stdout);
    if (body.len && body.data[body.len - 1] != '\n')
      putchar('\n');
    code = fflush(stdout) == 0 ? 0 : 1;
  }
  lw_buf_free(&body);
  return code;
}
