/* harness_bmcsim.h — integration-test helpers for ipmux-bmcsim: start a fleet, talk to its control socket, point clients at it. */
#ifndef IPMUX_TESTS_INTEG_HARNESS_BMCSIM_H
#define IPMUX_TESTS_INTEG_HARNESS_BMCSIM_H

#include "harness.h"

/*
 * A running ipmux-bmcsim with count BMCs on consecutive free UDP ports
 * from *port, user HARNESS_ADMIN_USER / HARNESS_ADMIN_PASS, and its
 * control socket in the harness's temp dir. extra: more options,
 * NULL-terminated. Waits for the "listening" line; NULL on failure
 * (the reason on stderr).
 */
struct harness_proc *harness_bmcsim_start(struct harness *h, unsigned count,
    const char *const *extra, int *port);
/* One control line ("loss all 5"); the reply line without its newline
 * (static, valid until the next call), or NULL if none came in 5 s. */
const char *harness_bmcsim_ctl(struct harness *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The control socket's path. */
const char *harness_bmcsim_ctl_path(struct harness *h);

/* ipmux-solcat -H 127.0.0.1:port -U admin -f PWFILE extra... */
struct harness_proc *harness_solcat_port(struct harness *h, int port,
    const char *const *extra);
/* harness_ipmitool_port() is in harness.h. */

/*
 * Run a management peer against the BMC on 127.0.0.1:port, cipher suite
 * 17, as HARNESS_ADMIN_USER with administrator privilege, TZ=UTC, the
 * password never in argv. tool: "ipmitool" (-I lanplus -E), or a FreeIPMI
 * tool (-D LAN_2_0 --config-file; "ipmi-sensors", "ipmi-sel" and
 * "ipmi-fru" also get an SDR cache directory in the temp dir). args:
 * the command, NULL-terminated. Returns the exit code, -1 past
 * timeout_ms; *out and *err (if not NULL) its output, valid until the
 * harness is freed.
 */
int harness_bmcsim_peer(struct harness *h, const char *tool, int port,
    int timeout_ms, const char *const *args, const char **out,
    const char **err);

/* The first of count consecutive free UDP ports on 127.0.0.1, all below
 * 32768 (FreeIPMI keeps the port in a signed 16-bit field); -1 if none. */
int harness_bmcsim_free_ports(unsigned count);

#endif
