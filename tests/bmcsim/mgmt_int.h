/* mgmt_int.h — the managed-server object shared by mgmt.c, mgmt_sensor.c and mgmt_store.c. */
#ifndef IPMUX_TESTS_MGMT_INT_H
#define IPMUX_TESTS_MGMT_INT_H

#include "ipmi.h"
#include "mgmt.h"

#define MGMT_PRIV_USER 2
#define MGMT_PRIV_OPERATOR 3

#define MGMT_SEL_CAP 64		/* entries in the per-BMC SEL ring */
#define MGMT_NSENSORS 15	/* sensors that have a reading */

#define MGMT_SOFT_OFF_MS 3000	/* "the OS shuts down" after a soft off */
#define MGMT_CYCLE_MS 1000	/* off time of a power cycle */
#define MGMT_IDENTIFY_S 15	/* Chassis Identify without data */

#define MGMT_GEN_BMC 0x0020	/* SEL generator id: the BMC, LUN 0 */

enum mgmt_pending {
	MP_NONE = 0,
	MP_ON,			/* power cycle: power returns at pending_at */
	MP_OFF,			/* soft off: the OS has shut down at pending_at */
};

struct mgmt {
	struct mgmt_config cfg;
	bool on;
	uint8_t pending;	/* enum mgmt_pending */
	uint8_t last_event;	/* Get Chassis Status byte 2 */
	uint8_t policy;		/* power restore: 0 off, 1 previous, 2 on */
	uint8_t restart_cause;	/* Get System Restart Cause */
	uint64_t pending_at;
	uint64_t on_since, poh_ms;	/* power-on hours counter */
	/* Chassis Identify: until identify_until, or forever if forced. */
	bool identify_force;
	uint64_t identify_until;	/* 0: off */
	/* System boot options (IPMI 2.0 table 28-14). */
	uint8_t boot_in_progress;	/* param 0 */
	uint8_t boot_svc_sel, boot_svc_scan, boot_clear;	/* params 1-3 */
	uint8_t boot_ack[2];		/* param 4 */
	uint8_t boot_flags[5];		/* param 5 */
	uint8_t boot_init[9];		/* param 6 */
	/* Sensors: forced readings and the last sampled event state. */
	uint32_t forced;		/* bit i: sensor slot i forced */
	uint8_t forced_raw[MGMT_NSENSORS];
	uint16_t state[MGMT_NSENSORS];
	uint64_t next_drift;
	/* Repositories. */
	uint16_t sdr_resv, sel_resv;
	/* SEL ring: sel[(sel_head + i) % CAP] is the i-th oldest entry. */
	uint8_t sel_head, sel_count;
	bool sel_overflow;
	uint16_t sel_next_id;
	uint32_t sel_add_ts, sel_erase_ts;
	bool clock_set;			/* unix_off is known */
	int64_t unix_off;		/* Unix seconds at clock 0 ms */
	uint8_t sel[MGMT_SEL_CAP][16];
};

/* A handler: returns a completion code, *rlen response bytes in rsp. */
typedef int (*mgmt_cmd_fn)(mgmt *m, const struct bmc_request *rq,
			   uint8_t *rsp, size_t cap, size_t *rlen);

/* mgmt.c */
void mgmt_clock(mgmt *m, uint64_t now);
uint32_t mgmt_unix_time(mgmt *m, uint64_t now);
uint16_t mgmt_get16(const uint8_t *p);
void mgmt_put16(uint8_t *p, uint16_t v);
void mgmt_put32(uint8_t *p, uint32_t v);

/* mgmt_sensor.c: the shared SDR repository and sensor readings. */
int mgmt_sdr_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		     size_t cap, size_t *rlen);
int mgmt_sensor_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
			size_t cap, size_t *rlen);
/* Sample every sensor at now; with log, record SEL entries for state
 * changes. */
void mgmt_sensors_eval(mgmt *m, uint64_t now, bool log);
int mgmt_sensor_slot(uint8_t num);

/* mgmt_store.c: SEL and FRU. */
int mgmt_sel_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		     size_t cap, size_t *rlen);
int mgmt_fru_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		     size_t cap, size_t *rlen);
/* Append a system event record from the BMC. */
void mgmt_sel_event(mgmt *m, uint64_t now, uint8_t stype, uint8_t snum,
		    uint8_t dir_type, const uint8_t ed[3]);

#endif
