/* ossl.c — loading OpenSSL on first use (see ossl.h). */
#define LW_OSSL_NO_REDIRECT
#include "net/ossl.h"

#include <stdio.h>

#include "base/err.h"

#if LW_TLS && LW_OSSL_DLOPEN

#include <dlfcn.h>

lw_ossl_fns lw_ossl;

/* 0 not tried, 1 loaded, -1 failed (reason kept). Process-wide by nature, like the library. */
static int state;
static char why[256];

static void *open_lib(const char *const *names) {
  void *h = NULL;
  for (int i = 0; names[i] && !h; i++)
    h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
  return h;
}

int lw_ossl_load(char *err, size_t errlen) {
  if (state == 0) {
    static const char *const crypto_names[] = {"libcrypto.so.3", "libcrypto.so", NULL};
    static const char *const ssl_names[] = {"libssl.so.3", "libssl.so", NULL};
    void *crypto = open_lib(crypto_names);
    void *ssl = crypto ? open_lib(ssl_names) : NULL;
    state = ssl ? 1 : -1;
    if (!ssl)
      snprintf(why, sizeof why, "OpenSSL 3 (libssl.so.3, libcrypto.so.3) cannot be loaded: %s",
               dlerror());
#define LW_OSSL_LOAD(f)                                                                            \
  if (state == 1) {                                                                                \
    void *sym = dlsym(ssl, #f);                                                                    \
    if (!sym)                                                                                      \
      sym = dlsym(crypto, #f);                                                                     \
    if (!sym) {                                                                                    \
      state = -1;                                                                                  \
      snprintf(why, sizeof why, "the loaded OpenSSL has no %s", #f);                               \
    }                                                                                              \
    *(void **)&lw_ossl.f = sym;                                                                    \
  }
    LW_OSSL_FUNCS(LW_OSSL_LOAD)
#undef LW_OSSL_LOAD
  }
  if (state == 1)
    return LW_OK;
  snprintf(err, errlen, "%s", why);
  return LW_ERR_TLS;
}

#else /* linked directly, or built without OpenSSL */

int lw_ossl_load(char *err, size_t errlen) {
#if LW_TLS
  (void)err, (void)errlen;
  return LW_OK;
#else
  snprintf(err, errlen, "this logwire was built without OpenSSL");
  return LW_ERR_UNSUPPORTED;
#endif
}

#endif
