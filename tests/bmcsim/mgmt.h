/* mgmt.h — the managed server behind a simulated BMC: chassis power, identify, boot device, SDR, sensors, SEL, FRU. */
#ifndef IPMUX_TESTS_MGMT_H
#define IPMUX_TESTS_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bmc.h"

/*
 * One mgmt is the server side of one simulated BMC: it answers the
 * chassis, sensor/event, storage (SDR, SEL, FRU) and Get Device ID
 * commands the bmc engine leaves to its command hook, and runs the power
 * state machine that drives the simulated host.  Sans-I/O like bmc: the
 * caller ticks it.  Per-BMC state is small (readings are computed from a
 * seed and the clock; the SDR repository is shared, read-only data), so a
 * process can hold 10,000 of them.
 */
typedef struct mgmt mgmt;

struct mgmt_ops {
	/* The host's power changed: on = true means boot (replay the boot
	 * log), false means silence. Optional. */
	void (*power)(void *ctx, bool on);
	/* A serial break or diagnostic interrupt reached the host. Optional. */
	void (*diag)(void *ctx);
};

struct mgmt_config {
	uint32_t index;		/* BMC number in the fleet: serials, drift phase */
	uint64_t seed;
	bool power_on;		/* initial power state (true) */
	uint32_t drift_ms;	/* sensor update period (1000; 0 = frozen) */
	void *ctx;
	struct mgmt_ops ops;
};

mgmt *mgmt_new(const struct mgmt_config *cfg);
void mgmt_free(mgmt *m);	/* NULL is fine */

/* Answer one request the bmc engine handed to its command hook (same
 * contract as struct bmc_config.command): returns the completion code,
 * with *rlen response bytes in rsp; 0xC1 for commands it does not know. */
int mgmt_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		 size_t cap, size_t *rlen);
/* Timers: power cycle/soft-off completion, identify timeout, sensor
 * drift and the SEL entries threshold crossings raise. */
void mgmt_tick(mgmt *m, uint64_t now);
uint64_t mgmt_deadline(const mgmt *m);

bool mgmt_power_is_on(const mgmt *m);
/* Set power from outside (control channel): same effects as Chassis
 * Control, recorded in the SEL. */
void mgmt_set_power(mgmt *m, bool on, uint64_t now);
/* Force a sensor reading (control channel / tests): sensor number, raw. */
int mgmt_set_sensor_raw(mgmt *m, uint8_t sensor, uint8_t raw, uint64_t now);
/* Append a SEL entry (16 bytes; id and timestamp filled in). */
int mgmt_sel_add(mgmt *m, const uint8_t rec[16], uint64_t now);
unsigned mgmt_sel_count(const mgmt *m);

#endif
