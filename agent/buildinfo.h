/* buildinfo.h — what this binary is: version, the commit it was built from, and its features
 * (TLS, static linking), for `logwire --version` and logwire_build_info in /metrics. */
#ifndef LW_BUILDINFO_H
#define LW_BUILDINFO_H

#include <stdbool.h>

/* The commit (git describe --always --dirty) the build came from, or "unknown". Static. */
const char *lw_build_commit(void);
/* Where `make install` puts the docs (PREFIX/share/doc/logwire). Static. */
const char *lw_build_docdir(void);
/* "openssl" (linked), "openssl-on-demand" (loaded on first use) or "none". Static. */
const char *lw_build_tls(void);
/* True when the running executable is statically linked (no dynamic loader mapped). */
bool lw_build_static(void);

#endif
