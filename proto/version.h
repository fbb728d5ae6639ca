/* version.h — logwire's version, sent as ClientSoftwareVersion in ApiVersions v3+. */
#ifndef LW_VERSION_H
#define LW_VERSION_H

#define LW_VERSION "0.1.0"

#endif
