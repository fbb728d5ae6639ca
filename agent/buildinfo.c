/* buildinfo.c — the build's identity (see buildinfo.h). The commit comes from
 * $(BUILD)/build_defs.h, which the Makefile rewrites only when the checkout's commit (or
 * PREFIX) changes. */
#include "agent/buildinfo.h"

#include <sys/auxv.h>

#include "build_defs.h"

const char *lw_build_commit(void) {
  return LW_COMMIT;
}

const char *lw_build_docdir(void) {
  return LW_DOCDIR;
}

const char *lw_build_tls(void) {
#if LW_TLS && LW_OSSL_DLOPEN
  return "openssl-on-demand";
#elif LW_TLS
  return "openssl";
#else
  return "none";
#endif
}

bool lw_build_static(void) {
  /* A dynamically linked program is started by the loader, whose base the kernel passes in
   * AT_BASE; a static one has no interpreter, so AT_BASE is 0. */
  return getauxval(AT_BASE) == 0;
}
