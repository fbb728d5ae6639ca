/* test_scram.c — the SCRAM client against the published test vectors (RFC 5802's SCRAM-SHA-1
 * example through the same generic code, RFC 7677's SCRAM-SHA-256 example) and a SCRAM-SHA-512
 * exchange computed independently with Python's hashlib/hmac; a wrong server signature, a
 * server "e=" error, bad server-first messages and the iteration floor are refused; PLAIN's
 * message bytes; user name escaping; base64. Built without OpenSSL the SCRAM tests check that
 * SCRAM reports LW_ERR_UNSUPPORTED. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "net/scram.h"
#include "base/err.h"

TestSuite(scram);

static bool buf_is(const lw_buf *b, const char *s) {
  return b->len == strlen(s) && (b->len == 0 || memcmp(b->data, s, b->len) == 0);
}

#define NEED_OPENSSL()                                                                             \
  do {                                                                                             \
    if (!LW_TLS) {                                                                                 \
      lw_scram t;                                                                                  \
      cr_assert_eq(lw_scram_init(&t, "SCRAM-SHA-256"), LW_ERR_UNSUPPORTED);                        \
      lw_scram_free(&t);                                                                           \
      cr_skip_test("built without OpenSSL");                                                       \
    }                                                                                              \
  } while (0)

typedef struct vector {
  const char *mech, *user, *password, *cnonce;
  const char *client_first, *server_first, *client_final, *server_final;
} vector;

static const vector rfc5802 = {
    "SCRAM-SHA-1",
    "user",
    "pencil",
    "fyko+d2lbbFgONRv9qkxdawL",
    "n,,n=user,r=fyko+d2lbbFgONRv9qkxdawL",
    "r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,s=QSXCR+Q6sek8bf92,i=4096",
    "c=biws,r=fyko+d2lbbFgONRv9qkxdawL3rfcNHYJY1ZVvWVs7j,p=v0X8v3Bz2T0CJGbJQyF0X+HI4Ts=",
    "v=rmF9pqV8S7suAoZWja4dJRkFsKQ=",
};

static const vector rfc7677 = {
    "SCRAM-SHA-256",
    "user",
    "pencil",
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=",
    "v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=",
};

/* The RFC 7677 exchange with SHA-512, computed with Python 3's hashlib.pbkdf2_hmac and hmac. */
static const vector sha512 = {
    "SCRAM-SHA-512",
    "user",
    "pencil",
    "rOprNGfwEbeRWgbNEkqO",
    "n,,n=user,r=rOprNGfwEbeRWgbNEkqO",
    "r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096",
    "c=biws,r=rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0,"
    "p=gMGXRcevScNtxZ6/8lQYpGtnsNAc3mGcmNomv+xnoOMw+3R2xNJdMNnzMlTN8PPC6wdp6dybEmDYXYTxwnYPJQ==",
    "v=ZQnYEgWQMFmmsM8aQMF0nDDCy/AgCzkwk8CmMZYcMg0vSVlKDanekLtifDSeVGT4+5ZxXnJq199RVG2rR7N7Zw==",
};

/* A user name with '=' and ',' and a non-ASCII password (UTF-8 bytes, no SASLprep), same
 * independent computation. */
static const vector escaped = {
    "SCRAM-SHA-512",
    "us=er,x",
    "p\xc3\xa4$$w0rd",
    "abc",
    "n,,n=us=3Der=2Cx,r=abc",
    "r=abcdef,s=c2FsdHNhbHQ=,i=4096",
    "c=biws,r=abcdef,"
    "p=zQx3Vg0uoxjy3KqxP0AE9uDqWrqrm1NYlEJZrT3BhrmFakPVakjyuXhO6QZ3LOk7ddkIO+bwxuZJFrBkiTT53g==",
    "v=H2YNrb0yT0Z0Vj30K+UavRHJvIPf4xHgS4dtRZUFxFFvRs4NP79D61YZSe4S9j3yZTekBHfBjWZOIume+6d9Vg==",
};

static void run_vector(const vector *v) {
  lw_scram s;
  lw_buf out;
  char err[256] = "";
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_scram_init(&s, v->mech), LW_OK, "%s", v->mech);
  cr_assert_eq(lw_scram_client_first(&s, v->user, v->cnonce, &out), LW_OK);
  cr_assert(buf_is(&out, v->client_first), "client-first %.*s", (int)out.len, out.data);
  lw_buf_reset(&out);
  int rc = lw_scram_client_final(&s, v->password, (const uint8_t *)v->server_first,
                                 strlen(v->server_first), &out, err, sizeof err);
  cr_assert_eq(rc, LW_OK, "%s", err);
  cr_assert(buf_is(&out, v->client_final), "%s client-final\n got %.*s\nwant %s", v->mech,
            (int)out.len, out.data, v->client_final);
  rc = lw_scram_server_final(&s, (const uint8_t *)v->server_final, strlen(v->server_final), err,
                             sizeof err);
  cr_assert_eq(rc, LW_OK, "%s", err);
  lw_scram_free(&s);
  lw_buf_free(&out);
}

Test(scram, rfc5802_sha1_vector) {
  NEED_OPENSSL();
  run_vector(&rfc5802);
}

Test(scram, rfc7677_sha256_vector) {
  NEED_OPENSSL();
  run_vector(&rfc7677);
}

Test(scram, sha512_independent_vector) {
  NEED_OPENSSL();
  run_vector(&sha512);
}

Test(scram, escaped_user_and_utf8_password) {
  NEED_OPENSSL();
  run_vector(&escaped);
}

/* Run the RFC 7677 exchange up to the server-final message and return the verdict on `final`. */
static int final_verdict(const char *final, char *err, size_t errlen) {
  lw_scram s;
  lw_buf out;
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_scram_init(&s, "SCRAM-SHA-256"), LW_OK);
  cr_assert_eq(lw_scram_client_first(&s, "user", rfc7677.cnonce, &out), LW_OK);
  cr_assert_eq(lw_scram_client_final(&s, "pencil", (const uint8_t *)rfc7677.server_first,
                                     strlen(rfc7677.server_first), &out, err, errlen),
               LW_OK);
  int rc = lw_scram_server_final(&s, (const uint8_t *) final, strlen(final), err, errlen);
  lw_scram_free(&s);
  lw_buf_free(&out);
  return rc;
}

Test(scram, wrong_server_signature_is_refused) {
  NEED_OPENSSL();
  char err[256] = "";
  /* one character changed */
  cr_assert_eq(final_verdict("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjm95G4=", err, sizeof err),
               LW_ERR_AUTH);
  cr_assert(strstr(err, "server signature"), "%s", err);
  /* the same bytes with non-zero bits under the padding: not canonical base64 */
  cr_assert_eq(final_verdict("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G5=", err, sizeof err),
               LW_ERR_AUTH);
  /* the signature of another password */
  cr_assert_eq(final_verdict("v=dHzbZapWIk4jUhN+Ute9ytag9zjfMHgsqmmiz7AndVQ=", err, sizeof err),
               LW_ERR_AUTH);
  /* truncated, empty, not base64, missing */
  cr_assert_eq(final_verdict("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl9", err, sizeof err),
               LW_ERR_AUTH);
  cr_assert_eq(final_verdict("v=", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(final_verdict("v=!!!!", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(final_verdict("", err, sizeof err), LW_ERR_AUTH);
  /* the server's own error */
  cr_assert_eq(final_verdict("e=invalid-proof", err, sizeof err), LW_ERR_AUTH);
  cr_assert(strstr(err, "invalid-proof"), "%s", err);
  /* the right one, with an extension after it */
  cr_assert_eq(final_verdict("v=6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4=,x=y", err, sizeof err),
               LW_OK, "%s", err);
}

static int first_verdict(const char *server_first, char *err, size_t errlen) {
  lw_scram s;
  lw_buf out;
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_scram_init(&s, "SCRAM-SHA-256"), LW_OK);
  cr_assert_eq(lw_scram_client_first(&s, "user", "abc", &out), LW_OK);
  int rc = lw_scram_client_final(&s, "pencil", (const uint8_t *)server_first, strlen(server_first),
                                 &out, err, errlen);
  lw_scram_free(&s);
  lw_buf_free(&out);
  return rc;
}

Test(scram, bad_server_first_messages_are_refused) {
  NEED_OPENSSL();
  char err[256];
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=4096", err, sizeof err), LW_OK, "%s", err);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=4096,ext=1", err, sizeof err), LW_OK);
  /* iteration floor and ceiling */
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=4095", err, sizeof err), LW_ERR_AUTH);
  cr_assert(strstr(err, "4095"), "%s", err);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=1", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=99999999999999999999", err, sizeof err),
               LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2FsdA==,i=4o96", err, sizeof err), LW_ERR_AUTH);
  /* the server's nonce must extend ours */
  cr_assert_eq(first_verdict("r=xbcXYZ,s=c2FsdA==,i=4096", err, sizeof err), LW_ERR_AUTH);
  cr_assert(strstr(err, "nonce"), "%s", err);
  cr_assert_eq(first_verdict("r=abc,s=c2FsdA==,i=4096", err, sizeof err), LW_ERR_AUTH);
  /* order, salt, mandatory extension, garbage */
  cr_assert_eq(first_verdict("s=c2FsdA==,r=abcXYZ,i=4096", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abcXYZ,s=c2Fsd,i=4096", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abcXYZ,s=,i=4096", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("m=ext,r=abcXYZ,s=c2FsdA==,i=4096", err, sizeof err), LW_ERR_AUTH);
  cr_assert(strstr(err, "m="), "%s", err);
  cr_assert_eq(first_verdict("", err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(first_verdict("r=abc\x01XYZ,s=c2FsdA==,i=4096", err, sizeof err), LW_ERR_AUTH);
}

Test(scram, steps_out_of_order_and_unknown_mechanisms) {
  NEED_OPENSSL();
  lw_scram s;
  lw_buf out;
  char err[128];
  lw_buf_init(&out, 4096);
  cr_assert_eq(lw_scram_init(&s, "SCRAM-MD5"), LW_ERR_INVALID_ARG);
  lw_scram_free(&s);
  cr_assert_eq(lw_scram_init(&s, "SCRAM-SHA-512"), LW_OK);
  cr_assert_eq(lw_scram_server_final(&s, (const uint8_t *)"v=", 2, err, sizeof err), LW_ERR_AUTH);
  cr_assert_eq(lw_scram_client_first(&s, "u", "has,comma", &out), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_scram_client_first(&s, "u", "", &out), LW_ERR_INVALID_ARG);
  cr_assert_eq(lw_scram_client_first(&s, "u", NULL, &out), LW_OK);
  cr_assert_eq(lw_scram_client_first(&s, "u", NULL, &out), LW_ERR_INVALID_ARG);
  lw_scram_free(&s);
  lw_buf_free(&out);
}

Test(scram, random_nonces_are_fresh_and_printable) {
  NEED_OPENSSL();
  char first[2][128];
  for (int k = 0; k < 2; k++) {
    lw_scram s;
    lw_buf out;
    lw_buf_init(&out, 4096);
    cr_assert_eq(lw_scram_init(&s, "SCRAM-SHA-256"), LW_OK);
    cr_assert_eq(lw_scram_client_first(&s, "user", NULL, &out), LW_OK);
    cr_assert_eq(strncmp((char *)out.data, "n,,n=user,r=", 12), 0);
    cr_assert_eq(out.len, 12 + 32, "32 base64 characters of nonce");
    for (size_t i = 12; i < out.len; i++)
      cr_assert(out.data[i] > 0x20 && out.data[i] < 0x7f && out.data[i] != ',');
    snprintf(first[k], sizeof first[k], "%.*s", (int)out.len, out.data);
    lw_scram_free(&s);
    lw_buf_free(&out);
  }
  cr_assert_str_neq(first[0], first[1]);
}

Test(scram, plain_message_bytes) {
  lw_buf b;
  lw_buf_init(&b, 256);
  cr_assert_eq(lw_sasl_plain(&b, "alice", "s3cr=t,x"), LW_OK);
  const uint8_t want[] = {0, 'a', 'l', 'i', 'c', 'e', 0, 's', '3', 'c', 'r', '=', 't', ',', 'x'};
  cr_assert_eq(b.len, sizeof want);
  cr_assert_arr_eq(b.data, want, sizeof want);
  lw_buf_free(&b);
}

Test(scram, saslname_escaping) {
  lw_buf b;
  lw_buf_init(&b, 256);
  cr_assert_eq(lw_scram_saslname(&b, "a=b,c==,,d"), LW_OK);
  cr_assert(buf_is(&b, "a=3Db=2Cc=3D=3D=2C=2Cd"), "%.*s", (int)b.len, b.data);
  lw_buf_reset(&b);
  cr_assert_eq(lw_scram_saslname(&b, "plain-user_1"), LW_OK);
  cr_assert(buf_is(&b, "plain-user_1"));
  lw_buf_free(&b);
}

Test(scram, base64_round_trips_and_rejects) {
  const char *plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
  const char *enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
  for (int i = 0; i < 7; i++) {
    lw_buf b;
    lw_buf_init(&b, 64);
    cr_assert_eq(lw_base64_encode(&b, (const uint8_t *)plain[i], strlen(plain[i])), LW_OK);
    cr_assert(buf_is(&b, enc[i]), "%s", plain[i]);
    uint8_t d[16];
    long n = lw_base64_decode(enc[i], strlen(enc[i]), d, sizeof d);
    cr_assert_eq(n, (long)strlen(plain[i]));
    cr_assert_eq(memcmp(d, plain[i], (size_t)n), 0);
    lw_buf_free(&b);
  }
  uint8_t d[4];
  cr_assert_eq(lw_base64_decode("Zm9", 3, d, sizeof d), -1);
  cr_assert_eq(lw_base64_decode("Z=9v", 4, d, sizeof d), -1);
  cr_assert_eq(lw_base64_decode("Zm=v", 4, d, sizeof d), -1);
  cr_assert_eq(lw_base64_decode("Zm9v!A==", 8, d, sizeof d), -1);
  cr_assert_eq(lw_base64_decode("Zg==Zg==", 8, d, sizeof d), -1);
  cr_assert_eq(lw_base64_decode("Zm9vYmFy", 8, d, 3), -1, "output too small");
  cr_assert_eq(lw_base64_decode("Zh==", 4, d, sizeof d), -1, "bits under the padding");
  cr_assert_eq(lw_base64_decode("Zm9=", 4, d, sizeof d), -1, "bits under the padding");
}
