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

/* Stop forcing a sensor: it drifts again. -1 if there is no such
 * sensor. */
int mgmt_release_sensor(mgmt *m, uint8_t sensor, uint64_t now);

/* What the simulated server reports, for tests that compare a client's
 * output with it.  The serial formats take the BMC index (unsigned). */
#define MGMT_MANUFACTURER_ID 49622u	/* IANA: OpenBMC project */
#define MGMT_PRODUCT_ID 0x0d51u
#define MGMT_FW_MAJOR 1
#define MGMT_FW_MINOR 0x23		/* BCD: firmware 1.23 */
#define MGMT_FRU_MFG "ipmux Labs"
#define MGMT_FRU_BOARD_PRODUCT "SIM-X1 Mainboard"
#define MGMT_FRU_BOARD_PART "SIM-MB-0001"
#define MGMT_FRU_BOARD_SERIAL_FMT "SIMB%08u"
#define MGMT_FRU_CHASSIS_PART "SIM-CH-2U"
#define MGMT_FRU_CHASSIS_SERIAL_FMT "SIMC%08u"
#define MGMT_FRU_PRODUCT_NAME "SIM-X1 Server"
#define MGMT_FRU_PRODUCT_PART "SIM-X1-0001"
#define MGMT_FRU_PRODUCT_VERSION "1.0"
#define MGMT_FRU_PRODUCT_SERIAL_FMT "SIMP%08u"

/* Sensor numbers in the SDR repository. */
#define MGMT_SENSOR_CPU_TEMP 0x01
#define MGMT_SENSOR_INLET_TEMP 0x02
#define MGMT_SENSOR_FAN1 0x30		/* FAN1..FAN4: 0x30..0x33 */
#define MGMT_SENSOR_12V 0x40
#define MGMT_SENSOR_5V 0x41
#define MGMT_SENSOR_3V3 0x42
#define MGMT_SENSOR_POWER 0x50
#define MGMT_SENSOR_PSU1 0x60		/* PSU1, PSU2: 0x60, 0x61 */
#define MGMT_SENSOR_INTRUSION 0x70
#define MGMT_SENSOR_WATCHDOG 0x71
#define MGMT_SENSOR_ACPI 0x72

#endif
