/* mgmt.h — sans-I/O IPMI management: request builders, reply decoders and readers for chassis, Device ID, SDR, sensors, SEL and FRU. */
#ifndef IPMUX_SOL_MGMT_H
#define IPMUX_SOL_MGMT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Nothing here does I/O.  Builders fill a struct ipmi_mreq the caller
 * sends with sol_session_request(); decoders take what came back to
 * callbacks.response (cc, data after the completion code, len; cc -1 for
 * a timeout).  The SDR, SEL and FRU readers are small state machines:
 * ask _next() for the request to send, _feed() it the answer, repeat
 * until _next() returns 0 (done) or -1 (failed, see _error()).
 */

/* One request: network function, command, data. */
struct ipmi_mreq {
	uint8_t netfn, cmd;
	uint8_t len;
	uint8_t data[16];
};

/* Reader results. */
#define IPMI_RD_REQ 1		/* *req holds the next request */
#define IPMI_RD_DONE 0
#define IPMI_RD_FAIL (-1)

/* ---- Get Device ID (App 0x01) ---- */
struct ipmi_devid {
	uint8_t device_id, device_rev;
	uint8_t fw_major, fw_minor;	/* minor is BCD: 0x23 = "23" */
	uint8_t ipmi_major, ipmi_minor;
	uint8_t support;		/* additional device support bits */
	uint32_t manufacturer;		/* 20-bit IANA number */
	uint16_t product;
	bool has_aux;
	uint8_t aux[4];
	bool provides_sdrs, available;
};
void ipmi_req_devid(struct ipmi_mreq *r);
/* 0, or -1 on a failed or short reply. */
int ipmi_devid_decode(int cc, const uint8_t *d, size_t len,
		      struct ipmi_devid *out);

/* ---- Chassis (netfn 0x00) ---- */
enum ipmi_chassis_op {
	IPMI_CHASSIS_OFF = 0,
	IPMI_CHASSIS_ON = 1,
	IPMI_CHASSIS_CYCLE = 2,
	IPMI_CHASSIS_RESET = 3,		/* hard reset */
	IPMI_CHASSIS_DIAG = 4,		/* pulse diagnostic interrupt (NMI) */
	IPMI_CHASSIS_SOFT = 5,		/* soft off via ACPI */
};
/* "on" "off" "cycle" "reset" "soft" "diag" → op, or -1. */
int ipmi_chassis_op_parse(const char *s);
const char *ipmi_chassis_op_name(int op);

struct ipmi_chassis_status {
	bool power_on, overload, interlock, power_fault, control_fault;
	uint8_t restore_policy;		/* 0 off, 1 previous, 2 on, 3 unknown */
	uint8_t last_event;		/* byte 2 as sent */
	bool intrusion, front_lockout, drive_fault, fan_fault;
	int identify;			/* -1 not reported, 0 off, 1 timed,
					 * 2 indefinite */
	bool has_front_panel;
	uint8_t front_panel;
};
void ipmi_req_chassis_status(struct ipmi_mreq *r);
int ipmi_chassis_status_decode(int cc, const uint8_t *d, size_t len,
			       struct ipmi_chassis_status *out);
/* "always-off" "previous" "always-on" "unknown", as ipmitool prints. */
const char *ipmi_chassis_policy_str(uint8_t policy);
/* 0, or -1 for an unknown op. */
int ipmi_req_chassis_control(struct ipmi_mreq *r, int op);
/* Identify: seconds 1..255 lights it that long, 0 turns it off, force
 * lights it until turned off (the seconds are then ignored). */
void ipmi_req_chassis_identify(struct ipmi_mreq *r, unsigned seconds,
			       bool force);

/* Boot device override (Set System Boot Options parameter 5). */
enum ipmi_bootdev {
	IPMI_BOOT_NONE = 0,		/* no override: clear the flags */
	IPMI_BOOT_PXE,
	IPMI_BOOT_DISK,
	IPMI_BOOT_BIOS,			/* BIOS setup */
	IPMI_BOOT_CDROM,
};
#define IPMI_BOOT_PERSISTENT 0x01	/* every boot, not just the next */
#define IPMI_BOOT_EFI 0x02		/* EFI, not legacy BIOS boot */
/* "none" "pxe" "disk" "bios" "cdrom" → device, or -1. */
int ipmi_bootdev_parse(const char *s);
const char *ipmi_bootdev_name(int dev);
#define IPMI_BOOT_NREQ 3
/* The sequence to send in order: "set in progress", the boot flags,
 * "set complete".  Returns IPMI_BOOT_NREQ, or -1 on a bad device.  If
 * the flags step fails, still send the last one so the parameters are
 * not left locked. */
int ipmi_boot_requests(struct ipmi_mreq out[IPMI_BOOT_NREQ], int dev,
		       unsigned flags);
/* Whether step i's completion code counts as success: the two
 * set-in-progress steps are optional (0x80 not supported, 0x81 already
 * in progress). */
bool ipmi_boot_step_ok(unsigned i, int cc);
/* Decode the 5 boot-flag bytes of parameter 5 (from Get System Boot
 * Options data after version and parameter bytes). */
int ipmi_boot_flags_decode(const uint8_t *d, size_t len, int *dev,
			   unsigned *flags, bool *valid);

/* ---- SDR repository (Storage 0x20/0x22/0x23) ---- */
struct ipmi_sdr_info {
	uint8_t version;
	uint16_t count, free;
	uint32_t add_ts, erase_ts;
	uint8_t flags;
};
int ipmi_sdr_info_decode(int cc, const uint8_t *d, size_t len,
			 struct ipmi_sdr_info *out);
/* True when a cache made under old is still good for now (neither an
 * add nor an erase happened since). */
bool ipmi_sdr_cache_valid(const struct ipmi_sdr_info *old,
			  const struct ipmi_sdr_info *now);

typedef struct ipmi_sdr_reader ipmi_sdr_reader;
ipmi_sdr_reader *ipmi_sdr_reader_new(void);
void ipmi_sdr_reader_free(ipmi_sdr_reader *r);	/* NULL is fine */
/* Tell the reader the timestamps of a cache the caller holds: if the
 * repository info matches, it stops after the info request with
 * ipmi_sdr_reader_unchanged() true. */
void ipmi_sdr_reader_set_cache(ipmi_sdr_reader *r,
			       const struct ipmi_sdr_info *cached);
int ipmi_sdr_reader_next(ipmi_sdr_reader *r, struct ipmi_mreq *req);
/* The answer to the request _next() gave last. Returns 0, or -1 when
 * the reader has failed (then _next() returns IPMI_RD_FAIL too). */
int ipmi_sdr_reader_feed(ipmi_sdr_reader *r, int cc, const uint8_t *d,
			 size_t len);
bool ipmi_sdr_reader_unchanged(const ipmi_sdr_reader *r);
const char *ipmi_sdr_reader_error(const ipmi_sdr_reader *r);
const struct ipmi_sdr_info *ipmi_sdr_reader_info(const ipmi_sdr_reader *r);
size_t ipmi_sdr_reader_count(const ipmi_sdr_reader *r);
/* Record i (whole, header included), or NULL past the end. */
const uint8_t *ipmi_sdr_reader_record(const ipmi_sdr_reader *r, size_t i,
				      size_t *len);
/* Requests sent so far (tests, statistics). */
unsigned ipmi_sdr_reader_requests(const ipmi_sdr_reader *r);

/* SDR record types. */
#define IPMI_SDR_FULL 0x01
#define IPMI_SDR_COMPACT 0x02
#define IPMI_SDR_EVENT_ONLY 0x03
#define IPMI_SDR_FRU_LOCATOR 0x11
#define IPMI_SDR_MC_LOCATOR 0x12

/* Threshold indexes, in Get Sensor Reading state-bit order. */
enum ipmi_th { IPMI_TH_LNC, IPMI_TH_LC, IPMI_TH_LNR, IPMI_TH_UNC,
	IPMI_TH_UC, IPMI_TH_UNR, IPMI_TH_N };

#define IPMI_SDR_NAME_MAX 64
struct ipmi_sdr {
	uint16_t id;
	uint8_t type, version;
	/* sensors (full, compact, event-only) */
	uint8_t owner, lun, number, entity, instance;
	uint8_t sensor_type, event_type;
	uint8_t caps;			/* sensor capabilities byte */
	/* full records: conversion */
	uint8_t format;			/* 0 unsigned, 1 one's, 2 two's, 3 none */
	uint8_t unit_flags;		/* units 1 byte as sent */
	uint8_t unit, unit_mod;
	uint8_t linear;
	int16_t m, b;
	int8_t bexp, rexp;
	uint8_t readable;		/* thresholds present, bit per ipmi_th */
	uint8_t th[IPMI_TH_N];		/* raw thresholds */
	/* locators */
	uint8_t dev_addr, fru_id, channel, mc_caps;
	bool logical_fru;
	char name[IPMI_SDR_NAME_MAX];
};
/* Parse one whole record. 0, 1 for a type it does not decode (id, type
 * and version filled in), -1 when malformed or truncated. */
int ipmi_sdr_parse(const uint8_t *rec, size_t len, struct ipmi_sdr *out);
/* Whether the record describes a sensor with a reading. */
bool ipmi_sdr_is_sensor(const struct ipmi_sdr *s);

/* ---- Sensors (Sensor/Event 0x2D) ---- */
void ipmi_req_sensor_reading(struct ipmi_mreq *r, uint8_t number);

struct ipmi_reading {
	bool unavailable;		/* "reading unavailable" or a cc that
					 * means no reading (C9, CB, ...) */
	bool scanning, events;		/* scanning / event messages enabled */
	uint8_t raw;
	uint8_t s1, s2;			/* state bytes (0 when absent) */
	uint16_t states;		/* discrete: 15-bit state map */
	bool has_states;
};
/* 0, or -1 when the reply is a real failure (timeout, short). */
int ipmi_reading_decode(int cc, const uint8_t *d, size_t len,
			struct ipmi_reading *out);

/* Conversion results. */
#define IPMI_CONV_OK 0
#define IPMI_CONV_RAW 1		/* non-linear (0x70+): *out is the raw */
#define IPMI_CONV_NONE (-1)	/* no analog reading, or bad factors */
int ipmi_sensor_convert(const struct ipmi_sdr *s, uint8_t raw,
			double *out);
/* Apply linearisation function l (0x00-0x0B) to x; -1 for unknown l or
 * a value outside its domain. */
int ipmi_sensor_linearize(uint8_t l, double x, double *out);
/* "degrees C", "Volts", "RPM", ... (ipmitool's names); "invalid" past
 * the table, as ipmitool says. */
const char *ipmi_unit_name(uint8_t unit);
/* The full unit of a sensor: "Watts", "% RPM", "Amps/hour"... */
void ipmi_sensor_unit_str(const struct ipmi_sdr *s, char *buf, size_t cap);
/* Threshold status as ipmitool "sdr list" shows it: "ok", "nc", "cr",
 * "nr"; "ns" when unavailable or scanning disabled. */
const char *ipmi_sensor_status(const struct ipmi_sdr *s,
			       const struct ipmi_reading *rd);
/* Value text as ipmitool prints it: "13.40", "29" (integral values
 * without decimals). */
void ipmi_sensor_value_str(double v, char *buf, size_t cap);
/* "Upper Non-critical" etc., threshold i. */
const char *ipmi_threshold_name(int i);
/* "Temperature", "Power Supply", ... ; "Unknown" outside the table. */
const char *ipmi_sensor_type_name(uint8_t type);
/* Text for an event/state offset: threshold (event type 0x01), generic
 * (0x02-0x0C), sensor-specific (0x6F, by sensor type). NULL if unknown. */
const char *ipmi_event_text(uint8_t sensor_type, uint8_t event_type,
			    uint8_t offset);
/* The asserted discrete states as "Presence detected, Failure detected";
 * returns the number of states written. */
int ipmi_sensor_states_str(const struct ipmi_sdr *s, uint16_t states,
			   char *buf, size_t cap);

/* ---- SEL (Storage 0x40-0x47) ---- */
struct ipmi_sel_info {
	uint8_t version;
	uint16_t entries, free;
	uint32_t add_ts, erase_ts;
	uint8_t flags;			/* b7 overflow, b1 reserve supported */
};
int ipmi_sel_info_decode(int cc, const uint8_t *d, size_t len,
			 struct ipmi_sel_info *out);

typedef struct ipmi_sel_reader ipmi_sel_reader;
/* Read the whole SEL, or with clear set, clear it (reserve, clear,
 * poll until erasure completes). */
ipmi_sel_reader *ipmi_sel_reader_new(bool clear);
void ipmi_sel_reader_free(ipmi_sel_reader *r);	/* NULL is fine */
/* Fetch only entries after last_id (the newest one seen before); if it
 * is gone (the SEL was cleared), read from the start. */
void ipmi_sel_reader_after(ipmi_sel_reader *r, uint16_t last_id);
int ipmi_sel_reader_next(ipmi_sel_reader *r, struct ipmi_mreq *req);
int ipmi_sel_reader_feed(ipmi_sel_reader *r, int cc, const uint8_t *d,
			 size_t len);
const char *ipmi_sel_reader_error(const ipmi_sel_reader *r);
const struct ipmi_sel_info *ipmi_sel_reader_info(const ipmi_sel_reader *r);
size_t ipmi_sel_reader_count(const ipmi_sel_reader *r);
const uint8_t *ipmi_sel_reader_entry(const ipmi_sel_reader *r, size_t i);
/* True when the entry after last_id restarted from the beginning. */
bool ipmi_sel_reader_restarted(const ipmi_sel_reader *r);
unsigned ipmi_sel_reader_requests(const ipmi_sel_reader *r);

#define IPMI_SEL_TS_UNSPECIFIED 0xffffffffu
#define IPMI_SEL_TS_PREINIT_MAX 0x20000000u

enum ipmi_sel_kind {
	IPMI_SEL_SYSTEM,		/* type 0x02 */
	IPMI_SEL_OEM_TS,		/* C0-DF: timestamp + OEM bytes */
	IPMI_SEL_OEM,			/* E0-FF: 13 OEM bytes */
	IPMI_SEL_UNKNOWN,
};
struct ipmi_sel_rec {
	uint16_t id;
	uint8_t type;
	int kind;			/* enum ipmi_sel_kind */
	bool has_ts;
	uint32_t ts;
	/* system event records */
	uint16_t generator;
	uint8_t evm_rev, sensor_type, sensor_num, event_type;
	bool assert;			/* direction bit clear */
	uint8_t offset;			/* ED1 b3:0 */
	uint8_t ed[3];
	/* ED2/ED3 usage from ED1 b7:6 and b5:4 (threshold: 1 = reading,
	 * resp. threshold). */
	uint8_t ed2_use, ed3_use;
	uint32_t manufacturer;		/* C0-DF */
	const uint8_t *raw;		/* the 16 bytes */
};
/* Decode 16 bytes; -1 when shorter. */
int ipmi_sel_decode(const uint8_t *rec, size_t len, struct ipmi_sel_rec *out);
/* "Upper Non-critical going high"; OEM or unknown offsets get
 * "Unknown event 0x.." style text. */
void ipmi_sel_event_str(const struct ipmi_sel_rec *e, char *buf, size_t cap);
/* "Pre-Init 0000001496", "Unspecified", or "11/25/2026 16:44:08" (UTC),
 * matching ipmitool's date and time columns. */
void ipmi_sel_time_str(uint32_t ts, char *buf, size_t cap);
/* For threshold events that carry a trigger reading in ED2, ipmitool's
 * "sel elist" detail through the sensor's full SDR: "Reading 13.40 >
 * Threshold 12.40 degrees C" ("<" for going-low offsets; a deassertion
 * turns it round), or "Reading 13.40" without a threshold in ED3.
 * Returns -1 (buf empty) when the record or SDR does not allow it. */
int ipmi_sel_threshold_str(const struct ipmi_sel_rec *e,
			   const struct ipmi_sdr *s, char *buf, size_t cap);
/* One ipmitool "sel list" style line without the id:
 * "11/25/2026 | 16:44:08 | Temperature #0x01 |
 *  Upper Non-critical going high | Asserted";
 * OEM records as hex. */
void ipmi_sel_line(const struct ipmi_sel_rec *e, char *buf, size_t cap);

/* ---- FRU (Storage 0x10/0x11) ---- */
typedef struct ipmi_fru_reader ipmi_fru_reader;
ipmi_fru_reader *ipmi_fru_reader_new(uint8_t fru_id);
void ipmi_fru_reader_free(ipmi_fru_reader *r);	/* NULL is fine */
int ipmi_fru_reader_next(ipmi_fru_reader *r, struct ipmi_mreq *req);
int ipmi_fru_reader_feed(ipmi_fru_reader *r, int cc, const uint8_t *d,
			 size_t len);
const char *ipmi_fru_reader_error(const ipmi_fru_reader *r);
const uint8_t *ipmi_fru_reader_image(const ipmi_fru_reader *r, size_t *len);

/* Parse errors, reported not fatal. */
#define IPMI_FRU_E_HEADER 0x01		/* bad header checksum/version */
#define IPMI_FRU_E_CHASSIS 0x02		/* chassis area checksum/format */
#define IPMI_FRU_E_BOARD 0x04
#define IPMI_FRU_E_PRODUCT 0x08
#define IPMI_FRU_E_TRUNCATED 0x10	/* an area runs past the image */

#define IPMI_FRU_STR 128
#define IPMI_FRU_EXTRA 4
struct ipmi_fru {
	unsigned errors;
	bool has_chassis, has_board, has_product;
	uint8_t chassis_type;
	char chassis_part[IPMI_FRU_STR], chassis_serial[IPMI_FRU_STR];
	char chassis_extra[IPMI_FRU_EXTRA][IPMI_FRU_STR];
	uint32_t board_mfg_minutes;	/* since 1996-01-01 00:00 UTC, 0 unset */
	int64_t board_mfg_time;		/* Unix time of the above */
	char board_mfr[IPMI_FRU_STR], board_product[IPMI_FRU_STR];
	char board_serial[IPMI_FRU_STR], board_part[IPMI_FRU_STR];
	char board_fru_file[IPMI_FRU_STR];
	char product_mfr[IPMI_FRU_STR], product_name[IPMI_FRU_STR];
	char product_part[IPMI_FRU_STR], product_version[IPMI_FRU_STR];
	char product_serial[IPMI_FRU_STR], product_asset[IPMI_FRU_STR];
	char product_fru_file[IPMI_FRU_STR];
};
/* 0 when a common header was found (check errors for the rest), -1 if
 * not even that. */
int ipmi_fru_parse(const uint8_t *img, size_t len, struct ipmi_fru *out);
/* Decode one type/length field at p (n bytes available) into text:
 * binary as hex, BCD plus, 6-bit packed ASCII, 8-bit (non-printable
 * bytes become '.').  Returns bytes consumed, 0 at the end marker
 * (0xC1), -1 when truncated. */
int ipmi_fru_field(const uint8_t *p, size_t n, char *out, size_t cap);
/* "Rack Mount Chassis" etc. (SMBIOS chassis types). */
const char *ipmi_fru_chassis_type_name(uint8_t t);

#endif
