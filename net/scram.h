/* scram.h — the client side of SASL SCRAM-SHA-256 / SCRAM-SHA-512 (RFC 5802, RFC 7677) as
 * Kafka speaks it (KIP-84), and SASL PLAIN's single message (RFC 4616). Sans-I/O: each step
 * takes the server's message and appends the client's next one to a caller-owned lw_buf.
 *
 * Kafka's profile of SCRAM, followed exactly: GS2 header "n,," (no channel binding, no
 * authorization id), so the channel-binding attribute is always "c=biws"; no SASLprep (user
 * name and password are taken as UTF-8 bytes, as Kafka's ScramFormatter does); '=' and ',' in
 * the user name sent as "=3D" and "=2C"; no extensions sent; an iteration count below 4096 is
 * refused, and so is one above 65536 (Kafka itself allows at most 16384), which bounds the time
 * a hostile server can make PBKDF2 take. The server's signature is always verified.
 *
 * Hashes, HMAC, PBKDF2 and the nonce come from OpenSSL's libcrypto. Built without OpenSSL
 * (make TLS=0), lw_scram_init fails with LW_ERR_UNSUPPORTED; PLAIN needs no OpenSSL. */
#ifndef LW_SCRAM_H
#define LW_SCRAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/buf.h"

#define LW_SCRAM_MIN_ITERATIONS 4096
#define LW_SCRAM_MAX_ITERATIONS 65536
#define LW_SCRAM_MAX_HASH       64 /* SHA-512 */

typedef struct lw_scram {
  const void *md; /* the digest (an OpenSSL EVP_MD); NULL before lw_scram_init */
  size_t hlen;    /* its length in bytes: 20, 32 or 64 */
  int step;       /* 0 ready, 1 client-first written, 2 client-final written, 3 verified */
  char nonce[64]; /* client nonce, NUL-terminated */
  lw_buf am;      /* AuthMessage: client-first-bare "," server-first "," client-final-bare */
  uint8_t server_sig[LW_SCRAM_MAX_HASH]; /* the ServerSignature the server must send */
} lw_scram;

/* Prepare for one exchange with "SCRAM-SHA-256" or "SCRAM-SHA-512" ("SCRAM-SHA-1" is accepted
 * too, for RFC 5802's test vector only: Kafka does not offer it). Returns LW_OK,
 * LW_ERR_INVALID_ARG for another name, or LW_ERR_UNSUPPORTED when built without OpenSSL.
 * Release with lw_scram_free (also after a failure). */
int lw_scram_init(lw_scram *s, const char *mechanism);
/* Wipe the exchange's secrets and release its memory. Safe on a zeroed struct. */
void lw_scram_free(lw_scram *s);

/* Append the client-first message "n,,n=USER,r=NONCE" to out. nonce NULL draws 24 random
 * bytes (RAND_bytes) and base64-encodes them; tests pass a fixed nonce (printable ASCII, no
 * ','). Returns LW_OK, LW_ERR_INVALID_ARG (bad nonce, or not at step 0), LW_ERR_IO (no
 * randomness) or out->err. */
int lw_scram_client_first(lw_scram *s, const char *user, const char *nonce, lw_buf *out);

/* Read the server-first message ("r=NONCE,s=SALT,i=COUNT"), derive the keys from password and
 * append the client-final message "c=biws,r=NONCE,p=PROOF" to out. Returns LW_OK, or LW_ERR_AUTH
 * with the reason in err (malformed message, nonce not extending ours, iteration count out of
 * bounds, mandatory extension), or out->err. */
int lw_scram_client_final(lw_scram *s, const char *password, const uint8_t *msg, size_t len,
                          lw_buf *out, char *err, size_t errlen);

/* Check the server-final message: "v=SIGNATURE" must carry the expected ServerSignature
 * (compared in constant time); "e=ERROR" is the server's refusal. Returns LW_OK (the server
 * proved it knows the password) or LW_ERR_AUTH with the reason in err. */
int lw_scram_server_final(lw_scram *s, const uint8_t *msg, size_t len, char *err, size_t errlen);

/* Append the user name as a SCRAM saslname: '=' as "=3D", ',' as "=2C". Returns out->err. */
int lw_scram_saslname(lw_buf *out, const char *user);

/* Append PLAIN's message: authzid (empty) NUL user NUL password. Returns out->err. */
int lw_sasl_plain(lw_buf *out, const char *user, const char *password);

/* Base64 (RFC 4648, with padding). Encode appends to out and returns out->err; decode writes
 * at most outcap bytes and returns their count, or -1 for bad input or too small a buffer. */
int lw_base64_encode(lw_buf *out, const uint8_t *p, size_t n);
long lw_base64_decode(const char *s, size_t n, uint8_t *out, size_t outcap);

#endif
