/* harness_ipmisim_mgmt.h — an ipmi_sim BMC with an sdrcomp-built SDR repository, injected SEL events and a chassis_control program, and the peer tools' (ipmitool, FreeIPMI) output split into fields. */
#ifndef IPMUX_TESTS_INTEG_HARNESS_IPMISIM_MGMT_H
#define IPMUX_TESTS_INTEG_HARNESS_IPMISIM_MGMT_H

#include <stdbool.h>
#include <stddef.h>

#include "harness.h"

/*
 * The BMC: tests/integ/data/mgmt.sdrs compiled with `sdrcomp -8` into
 * ipmi_sim's state dir as its main SDR repository, mgmt.emu as its emu
 * file (sensors, readings, SEL events), and in lan.conf a
 * chassis_control program (data/chassis_control) keeping the power state
 * in a dir of the temp dir and logging every call to chassis.log there,
 * plus ipmi_sim's command console on a TCP port.
 *
 * The data dir is $IPMUX_SRCDIR/tests/integ/data, else tests/integ/data
 * under the current directory (make runs tests from the tree's root),
 * else found by walking up from the build dir.
 */

/* Missing sdrcomp: SKIP line and true (a Check failure if $CI is set). */
bool mgmt_skip_without_sdrcomp(void);
const char *mgmt_data_dir(void);
/* Compile the SDRs, configure, start hostsim and ipmi_sim. 0 or -1 with
 * the reason on stderr. */
int mgmt_bmc_start(struct harness *h);
/* The chassis_control program's dir (power, identify, chassis.log). */
const char *mgmt_chassis_dir(struct harness *h);
/* The lines the chassis_control program logged so far ("set identify 5
 * 0"...), NUL-terminated; caller frees. Never NULL. */
char *mgmt_chassis_log(struct harness *h);
/* Run one emu command on ipmi_sim's console ("sel_add 0x20 ..."); true
 * once ipmi_sim has answered with its next prompt. */
bool mgmt_bmc_cmd(struct harness *h, const char *cmd);

/*
 * Peers, run to completion with TZ=UTC, as the admin user over suite 3;
 * the password goes through the environment (ipmitool -E) or a 0600
 * FreeIPMI config file, never argv. Returns stdout (valid until the
 * harness is freed), or NULL with the tool's exit code and stderr on our
 * stderr.
 */
const char *mgmt_ipmitool(struct harness *h, const char *const *args);
/* ipmi-sensors / ipmi-sel / ipmi-chassis ... with an SDR cache in the
 * temp dir. */
const char *mgmt_freeipmi(struct harness *h, const char *tool,
    const char *const *args);

/*
 * Tool output as rows of fields: each non-empty line split at sep, every
 * field trimmed of blanks (and, for FreeIPMI, of its single quotes).
 */
#define MGMT_MAX_ROWS 64
#define MGMT_MAX_FIELDS 10
#define MGMT_FIELD_LEN 160

struct mgmt_row {
	int n;
	char f[MGMT_MAX_FIELDS][MGMT_FIELD_LEN];
};

struct mgmt_table {
	int n;
	struct mgmt_row r[MGMT_MAX_ROWS];
};

/* Parse text into t; returns the row count, -1 if there are more rows
 * or fields than fit. */
int mgmt_table_parse(const char *text, char sep, struct mgmt_table *t);
/* The first row whose field col equals key, or NULL. */
const struct mgmt_row *mgmt_table_find(const struct mgmt_table *t, int col,
    const char *key);
/* The value on the first line of text whose label (before the first
 * ':', trimmed) is label, trimmed, into out; false if there is none. */
bool mgmt_label_value(const char *text, const char *label, char *out,
    size_t cap);
/* Decimals in a number as a tool printed it ("11.26" → 2, "45" → 0). */
int mgmt_decimals(const char *num);

#endif
