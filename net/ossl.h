/* ossl.h — OpenSSL for tls.c and scram.c (and the console's password hashes).
 *
 * The normal build does not link OpenSSL: libssl and libcrypto are loaded the first time TLS or
 * SCRAM is used (lw_ossl_load), so that plaintext users do not pay for mapping and relocating
 * them (about 2 MB of resident memory). The functions are then called through a table; the
 * macros below make the calls in tls.c and scram.c read as ordinary OpenSSL calls. The static
 * build (make static, LW_OSSL_DLOPEN=0) links OpenSSL directly and the table does not exist. */
#ifndef LW_OSSL_H
#define LW_OSSL_H

#include <stddef.h>

#if LW_TLS
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

/* Make OpenSSL usable. Linked: nothing to do. Loaded: the first call opens libssl.so.3 and
 * libcrypto.so.3 and resolves every function below; later calls return the first outcome.
 * Returns LW_OK, or LW_ERR_TLS with the reason in err. */
int lw_ossl_load(char *err, size_t errlen);

#if LW_TLS && LW_OSSL_DLOPEN

/* Every OpenSSL function logwire calls (after OpenSSL's own macros expand). */
#define LW_OSSL_FUNCS(X)                                                                           \
  X(ASN1_STRING_get0_data)                                                                         \
  X(ASN1_TIME_to_tm)                                                                               \
  X(CRYPTO_memcmp)                                                                                 \
  X(ERR_clear_error)                                                                               \
  X(ERR_get_error)                                                                                 \
  X(ERR_peek_error)                                                                                \
  X(ERR_reason_error_string)                                                                       \
  X(EVP_Digest)                                                                                    \
  X(EVP_MD_get_size)                                                                               \
  X(EVP_sha1)                                                                                      \
  X(EVP_sha256)                                                                                    \
  X(EVP_sha512)                                                                                    \
  X(GENERAL_NAMES_free)                                                                            \
  X(HMAC)                                                                                          \
  X(OPENSSL_cleanse)                                                                               \
  X(OPENSSL_init_ssl)                                                                              \
  X(OPENSSL_sk_num)                                                                                \
  X(OPENSSL_sk_value)                                                                              \
  X(PKCS5_PBKDF2_HMAC)                                                                             \
  X(RAND_bytes)                                                                                    \
  X(SSL_CTX_check_private_key)                                                                     \
  X(SSL_CTX_ctrl)                                                                                  \
  X(SSL_CTX_free)                                                                                  \
  X(SSL_CTX_get_verify_mode)                                                                       \
  X(SSL_CTX_load_verify_locations)                                                                 \
  X(SSL_CTX_new)                                                                                   \
  X(SSL_CTX_set_default_passwd_cb)                                                                 \
  X(SSL_CTX_set_default_passwd_cb_userdata)                                                        \
  X(SSL_CTX_set_default_verify_paths)                                                              \
  X(SSL_CTX_set_options)                                                                           \
  X(SSL_CTX_set_verify)                                                                            \
  X(SSL_CTX_use_PrivateKey_file)                                                                   \
  X(SSL_CTX_use_certificate_chain_file)                                                            \
  X(SSL_do_handshake)                                                                              \
  X(SSL_ctrl)                                                                                      \
  X(SSL_free)                                                                                      \
  X(SSL_get0_param)                                                                                \
  X(SSL_get_error)                                                                                 \
  X(SSL_get_ex_data)                                                                               \
  X(SSL_get_ex_data_X509_STORE_CTX_idx)                                                            \
  X(SSL_get_verify_result)                                                                         \
  X(SSL_is_init_finished)                                                                          \
  X(SSL_new)                                                                                       \
  X(SSL_read_ex)                                                                                   \
  X(SSL_set1_host)                                                                                 \
  X(SSL_set_accept_state)                                                                          \
  X(SSL_set_connect_state)                                                                         \
  X(SSL_set_ex_data)                                                                               \
  X(SSL_set_fd)                                                                                    \
  X(SSL_shutdown)                                                                                  \
  X(SSL_write_ex)                                                                                  \
  X(TLS_client_method)                                                                             \
  X(TLS_server_method)                                                                             \
  X(X509_NAME_oneline)                                                                             \
  X(X509_STORE_CTX_get_current_cert)                                                               \
  X(X509_STORE_CTX_get_error_depth)                                                                \
  X(X509_STORE_CTX_get_ex_data)                                                                    \
  X(X509_VERIFY_PARAM_set1_ip_asc)                                                                 \
  X(X509_VERIFY_PARAM_set_hostflags)                                                               \
  X(X509_get0_notAfter)                                                                            \
  X(X509_get0_notBefore)                                                                           \
  X(X509_get_ext_d2i)                                                                              \
  X(X509_get_subject_name)                                                                         \
  X(X509_verify_cert_error_string)

typedef struct lw_ossl_fns {
#define LW_OSSL_FIELD(f) __typeof__(&f) f;
  LW_OSSL_FUNCS(LW_OSSL_FIELD)
#undef LW_OSSL_FIELD
} lw_ossl_fns;

extern lw_ossl_fns lw_ossl;

#ifndef LW_OSSL_NO_REDIRECT
#define ASN1_STRING_get0_data                  lw_ossl.ASN1_STRING_get0_data
#define ASN1_TIME_to_tm                        lw_ossl.ASN1_TIME_to_tm
#define CRYPTO_memcmp                          lw_ossl.CRYPTO_memcmp
#define ERR_clear_error                        lw_ossl.ERR_clear_error
#define ERR_get_error                          lw_ossl.ERR_get_error
#define ERR_peek_error                         lw_ossl.ERR_peek_error
#define ERR_reason_error_string                lw_ossl.ERR_reason_error_string
#define EVP_Digest                             lw_ossl.EVP_Digest
#define EVP_MD_get_size                        lw_ossl.EVP_MD_get_size
#define EVP_sha1                               lw_ossl.EVP_sha1
#define EVP_sha256                             lw_ossl.EVP_sha256
#define EVP_sha512                             lw_ossl.EVP_sha512
#define GENERAL_NAMES_free                     lw_ossl.GENERAL_NAMES_free
#define HMAC                                   lw_ossl.HMAC
#define OPENSSL_cleanse                        lw_ossl.OPENSSL_cleanse
#define OPENSSL_init_ssl                       lw_ossl.OPENSSL_init_ssl
#define OPENSSL_sk_num                         lw_ossl.OPENSSL_sk_num
#define OPENSSL_sk_value                       lw_ossl.OPENSSL_sk_value
#define PKCS5_PBKDF2_HMAC                      lw_ossl.PKCS5_PBKDF2_HMAC
#define RAND_bytes                             lw_ossl.RAND_bytes
#define SSL_CTX_check_private_key              lw_ossl.SSL_CTX_check_private_key
#define SSL_CTX_ctrl                           lw_ossl.SSL_CTX_ctrl
#define SSL_CTX_free                           lw_ossl.SSL_CTX_free
#define SSL_CTX_get_verify_mode                lw_ossl.SSL_CTX_get_verify_mode
#define SSL_CTX_load_verify_locations          lw_ossl.SSL_CTX_load_verify_locations
#define SSL_CTX_new                            lw_ossl.SSL_CTX_new
#define SSL_CTX_set_default_passwd_cb          lw_ossl.SSL_CTX_set_default_passwd_cb
#define SSL_CTX_set_default_passwd_cb_userdata lw_ossl.SSL_CTX_set_default_passwd_cb_userdata
#define SSL_CTX_set_default_verify_paths       lw_ossl.SSL_CTX_set_default_verify_paths
#define SSL_CTX_set_options                    lw_ossl.SSL_CTX_set_options
#define SSL_CTX_set_verify                     lw_ossl.SSL_CTX_set_verify
#define SSL_CTX_use_PrivateKey_file            lw_ossl.SSL_CTX_use_PrivateKey_file
#define SSL_CTX_use_certificate_chain_file     lw_ossl.SSL_CTX_use_certificate_chain_file
#define SSL_do_handshake                       lw_ossl.SSL_do_handshake
#define SSL_ctrl                               lw_ossl.SSL_ctrl
#define SSL_free                               lw_ossl.SSL_free
#define SSL_get0_param                         lw_ossl.SSL_get0_param
#define SSL_get_error                          lw_ossl.SSL_get_error
#define SSL_get_ex_data                        lw_ossl.SSL_get_ex_data
#define SSL_get_ex_data_X509_STORE_CTX_idx     lw_ossl.SSL_get_ex_data_X509_STORE_CTX_idx
#define SSL_get_verify_result                  lw_ossl.SSL_get_verify_result
#define SSL_is_init_finished                   lw_ossl.SSL_is_init_finished
#define SSL_new                                lw_ossl.SSL_new
#define SSL_read_ex                            lw_ossl.SSL_read_ex
#define SSL_set1_host                          lw_ossl.SSL_set1_host
#define SSL_set_accept_state                   lw_ossl.SSL_set_accept_state
#define SSL_set_connect_state                  lw_ossl.SSL_set_connect_state
#define SSL_set_ex_data                        lw_ossl.SSL_set_ex_data
#define SSL_set_fd                             lw_ossl.SSL_set_fd
#define SSL_shutdown                           lw_ossl.SSL_shutdown
#define SSL_write_ex                           lw_ossl.SSL_write_ex
#define TLS_client_method                      lw_ossl.TLS_client_method
#define TLS_server_method                      lw_ossl.TLS_server_method
#define X509_NAME_oneline                      lw_ossl.X509_NAME_oneline
#define X509_STORE_CTX_get_current_cert        lw_ossl.X509_STORE_CTX_get_current_cert
#define X509_STORE_CTX_get_error_depth         lw_ossl.X509_STORE_CTX_get_error_depth
#define X509_STORE_CTX_get_ex_data             lw_ossl.X509_STORE_CTX_get_ex_data
#define X509_VERIFY_PARAM_set1_ip_asc          lw_ossl.X509_VERIFY_PARAM_set1_ip_asc
#define X509_VERIFY_PARAM_set_hostflags        lw_ossl.X509_VERIFY_PARAM_set_hostflags
#define X509_get0_notAfter                     lw_ossl.X509_get0_notAfter
#define X509_get0_notBefore                    lw_ossl.X509_get0_notBefore
#define X509_get_ext_d2i                       lw_ossl.X509_get_ext_d2i
#define X509_get_subject_name                  lw_ossl.X509_get_subject_name
#define X509_verify_cert_error_string          lw_ossl.X509_verify_cert_error_string
#endif

#endif /* LW_OSSL_DLOPEN */
#endif
