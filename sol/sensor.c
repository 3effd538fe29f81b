/* sensor.c — Get Sensor Reading: decoding, the M/B/exponent conversion and linearisation, units, threshold status and event/state text tables. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ipmi.h"
#include "mgmt.h"

#define CMD_SENSOR_READING 0x2D

void
ipmi_req_sensor_reading(struct ipmi_mreq *r, uint8_t number)
{
	memset(r, 0, sizeof(*r));
	r->netfn = IPMI_NETFN_SENSOR;
	r->cmd = CMD_SENSOR_READING;
	r->data[0] = number;
	r->len = 1;
}

/* Completion codes that mean "no reading now", not "broken" (FreeIPMI
 * ipmi-sensor-read.c treats these alike). */
static bool
cc_unavailable(int cc)
{
	switch (cc) {
	case 0xc9: case IPMI_CC_NOT_PRESENT: case IPMI_CC_INVALID_FIELD:
	case IPMI_CC_ILLEGAL: case IPMI_CC_NO_RESPONSE:
	case IPMI_CC_DEST_UNAVAIL: case IPMI_CC_NOT_SUPPORTED_NOW:
		return true;
	}
	return false;
}

int
ipmi_reading_decode(int cc, const uint8_t *d, size_t len,
		    struct ipmi_reading *out)
{
	memset(out, 0, sizeof(*out));
	if (cc_unavailable(cc)) {
		out->unavailable = true;
		return 0;
	}
	/* The state bytes are optional: accept a two-byte reply. */
	if (cc != IPMI_CC_OK || d == NULL || len < 2)
		return -1;
	out->raw = d[0];
	out->events = (d[1] & 0x80) != 0;
	out->scanning = (d[1] & 0x40) != 0;
	out->unavailable = (d[1] & 0x20) != 0;
	if (len >= 3) {
		out->s1 = d[2];
		out->has_states = true;
	}
	if (len >= 4)
		out->s2 = d[3];
	out->states = (uint16_t)(out->s1 | (out->s2 & 0x7f) << 8);
	return 0;
}

static double
pow10i(int e)
{
	double v = 1.0;

	for (; e > 0; e--)
		v *= 10.0;
	for (; e < 0; e++)
		v /= 10.0;
	return v;
}

int
ipmi_sensor_linearize(uint8_t l, double x, double *out)
{
	switch (l) {
	case 0x00: *out = x; return 0;
	case 0x01: if (x <= 0) return -1; *out = log(x); return 0;
	case 0x02: if (x <= 0) return -1; *out = log10(x); return 0;
	case 0x03: if (x <= 0) return -1; *out = log2(x); return 0;
	case 0x04: *out = exp(x); return 0;
	case 0x05: *out = pow(10.0, x); return 0;
	case 0x06: *out = exp2(x); return 0;
	case 0x07: if (x == 0) return -1; *out = 1.0 / x; return 0;
	case 0x08: *out = x * x; return 0;
	case 0x09: *out = x * x * x; return 0;
	case 0x0a: if (x < 0) return -1; *out = sqrt(x); return 0;
	case 0x0b: *out = cbrt(x); return 0;
	}
	return -1;
}

int
ipmi_sensor_convert(const struct ipmi_sdr *s, uint8_t raw, double *out)
{
	double x, v;
	int ix;

	*out = 0;
	if (s->type != IPMI_SDR_FULL)
		return IPMI_CONV_NONE;
	switch (s->format) {
	case 0:
		ix = raw;
		break;
	case 1:			/* one's complement: -0 reads as 0 */
		ix = (raw & 0x80) ? -(int)(uint8_t)~raw : raw;
		break;
	case 2:
		ix = (int8_t)raw;
		break;
	default:
		return IPMI_CONV_NONE;
	}
	/* 0x70-0x7F: non-linear, factors must be read per reading (Get
	 * Sensor Reading Factors); report the raw value instead. */
	if (s->linear >= 0x70) {
		*out = raw;
		return IPMI_CONV_RAW;
	}
	x = ((double)s->m * ix + (double)s->b * pow10i(s->bexp)) *
	    pow10i(s->rexp);
	if (ipmi_sensor_linearize(s->linear, x, &v) != 0 || !isfinite(v))
		return IPMI_CONV_NONE;
	*out = v;
	return IPMI_CONV_OK;
}

/* IPMI 2.0 table 43-15, with the names ipmitool prints. */
static const char *const units[] = {
	"unspecified", "degrees C", "degrees F", "degrees K", "Volts",
	"Amps", "Watts", "Joules", "Coulombs", "VA", "Nits", "lumen",
	"lux", "Candela", "kPa", "PSI", "Newton", "CFM", "RPM", "Hz",
	"microsecond", "millisecond", "second", "minute", "hour", "day",
	"week", "mil", "inches", "feet", "cu in", "cu feet", "mm", "cm",
	"m", "cu cm", "cu m", "liters", "fluid ounce", "radians",
	"steradians", "revolutions", "cycles", "gravities", "ounce",
	"pound", "ft-lb", "oz-in", "gauss", "gilberts", "henry",
	"millihenry", "farad", "microfarad", "ohms", "siemens", "mole",
	"becquerel", "PPM", "reserved", "Decibels", "DbA", "DbC", "gray",
	"sievert", "color temp deg K", "bit", "kilobit", "megabit",
	"gigabit", "byte", "kilobyte", "megabyte", "gigabyte", "word",
	"dword", "qword", "line", "hit", "miss", "retry", "reset",
	"overflow", "underrun", "collision", "packets", "messages",
	"characters", "error", "correctable error", "uncorrectable error",
	"fatal error", "grams",
};

const char *
ipmi_unit_name(uint8_t unit)
{
	if (unit >= sizeof(units) / sizeof(units[0]))
		return "invalid";	/* ipmitool's word for it */
	return units[unit];
}

void
ipmi_sensor_unit_str(const struct ipmi_sdr *s, char *buf, size_t cap)
{
	const char *pct = (s->unit_flags & 0x01) ? "% " : "";

	if (cap == 0)
		return;
	/* units 1 b2:1: 01 base/modifier, 10 base*modifier */
	switch ((s->unit_flags >> 1) & 0x03) {
	case 1:
		snprintf(buf, cap, "%s%s/%s", pct, ipmi_unit_name(s->unit),
			 ipmi_unit_name(s->unit_mod));
		break;
	case 2:
		snprintf(buf, cap, "%s%s*%s", pct, ipmi_unit_name(s->unit),
			 ipmi_unit_name(s->unit_mod));
		break;
	default:
		snprintf(buf, cap, "%s%s", pct, ipmi_unit_name(s->unit));
	}
}

const char *
ipmi_sensor_status(const struct ipmi_sdr *s, const struct ipmi_reading *rd)
{
	uint8_t st;

	if (rd->unavailable || !rd->scanning)
		return "ns";
	if (s->event_type != 0x01 || !rd->has_states)
		return "ok";
	st = rd->s1 & 0x3f;
	if (st & (1u << IPMI_TH_UNR | 1u << IPMI_TH_LNR))
		return "nr";
	if (st & (1u << IPMI_TH_UC | 1u << IPMI_TH_LC))
		return "cr";
	if (st & (1u << IPMI_TH_UNC | 1u << IPMI_TH_LNC))
		return "nc";
	return "ok";
}

void
ipmi_sensor_value_str(double v, char *buf, size_t cap)
{
	/* ipmitool: whole numbers without decimals, the rest with two */
	snprintf(buf, cap, "%.*f", v == floor(v) ? 0 : 2, v);
}

const char *
ipmi_threshold_name(int i)
{
	static const char *const n[IPMI_TH_N] = {
		"Lower Non-critical", "Lower Critical", "Lower Non-recoverable",
		"Upper Non-critical", "Upper Critical", "Upper Non-recoverable",
	};

	return i >= 0 && i < IPMI_TH_N ? n[i] : "Unknown";
}

/* IPMI 2.0 table 42-3, ipmitool's spelling. */
static const char *const sensor_types[] = {
	"reserved", "Temperature", "Voltage", "Current", "Fan",
	"Physical Security", "Platform Security", "Processor",
	"Power Supply", "Power Unit", "Cooling Device", "Other",
	"Memory", "Drive Slot / Bay", "POST Memory Resize",
	"System Firmwares", "Event Logging Disabled", "Watchdog1",
	"System Event", "Critical Interrupt", "Button",
	"Module / Board", "Microcontroller", "Add-in Card", "Chassis",
	"Chip Set", "Other FRU", "Cable / Interconnect", "Terminator",
	"System Boot Initiated", "Boot Error", "OS Boot",
	"OS Critical Stop", "Slot / Connector", "System ACPI Power State",
	"Watchdog2", "Platform Alert", "Entity Presence", "Monitor ASIC",
	"LAN", "Management Subsys Health", "Battery", "Session Audit",
	"Version Change", "FRU State",
};

const char *
ipmi_sensor_type_name(uint8_t type)
{
	if (type >= sizeof(sensor_types) / sizeof(sensor_types[0]))
		return type >= 0xc0 ? "OEM" : "Unknown";
	return sensor_types[type];
}

struct evtab {
	uint8_t code;		/* event/reading type or sensor type */
	uint8_t n;
	const char *const *text;
};

#define TAB(c, a) { c, (uint8_t)(sizeof(a) / sizeof(a[0])), a }

static const char *const ev_threshold[] = {
	"Lower Non-critical going low", "Lower Non-critical going high",
	"Lower Critical going low", "Lower Critical going high",
	"Lower Non-recoverable going low", "Lower Non-recoverable going high",
	"Upper Non-critical going low", "Upper Non-critical going high",
	"Upper Critical going low", "Upper Critical going high",
	"Upper Non-recoverable going low", "Upper Non-recoverable going high",
};
static const char *const ev_02[] = {
	"Transition to Idle", "Transition to Active", "Transition to Busy",
};
static const char *const ev_03[] = { "State Deasserted", "State Asserted" };
static const char *const ev_04[] = {
	"Predictive Failure Deasserted", "Predictive Failure Asserted",
};
static const char *const ev_05[] = { "Limit Not Exceeded", "Limit Exceeded" };
static const char *const ev_06[] = { "Performance Met", "Performance Lags" };
static const char *const ev_07[] = {
	"Transition to OK", "Transition to Non-critical from OK",
	"Transition to Critical from less severe",
	"Transition to Non-recoverable from less severe",
	"Transition to Non-critical from more severe",
	"Transition to Critical from Non-recoverable",
	"Transition to Non-recoverable", "Monitor", "Informational",
};
static const char *const ev_08[] = { "Device Absent", "Device Present" };
static const char *const ev_09[] = { "Device Disabled", "Device Enabled" };
static const char *const ev_0a[] = {
	"Transition to Running", "Transition to In Test",
	"Transition to Power Off", "Transition to On Line",
	"Transition to Off Line", "Transition to Off Duty",
	"Transition to Degraded", "Transition to Power Save",
	"Install Error",
};
static const char *const ev_0b[] = {
	"Fully Redundant", "Redundancy Lost", "Redundancy Degraded",
	"Non-Redundant: Sufficient from Redundant",
	"Non-Redundant: Sufficient from Insufficient",
	"Non-Redundant: Insufficient Resources",
	"Redundancy Degraded from Fully Redundant",
	"Redundancy Degraded from Non-redundant",
};
static const char *const ev_0c[] = {
	"D0 Power State", "D1 Power State", "D2 Power State",
	"D3 Power State",
};

static const struct evtab generic[] = {
	TAB(0x01, ev_threshold), TAB(0x02, ev_02), TAB(0x03, ev_03),
	TAB(0x04, ev_04), TAB(0x05, ev_05), TAB(0x06, ev_06),
	TAB(0x07, ev_07), TAB(0x08, ev_08), TAB(0x09, ev_09),
	TAB(0x0a, ev_0a), TAB(0x0b, ev_0b), TAB(0x0c, ev_0c),
};

static const char *const st_05[] = {
	"General Chassis intrusion", "Drive Bay intrusion",
	"I/O Card area intrusion", "Processor area intrusion",
	"System unplugged from LAN", "Unauthorized dock",
	"FAN area intrusion",
};
static const char *const st_07[] = {
	"IERR", "Thermal Trip", "FRB1/BIST failure",
	"FRB2/Hang in POST failure",
	"FRB3/Processor Startup/Init failure", "Configuration Error",
	"SM BIOS Uncorrectable CPU-complex Error", "Presence detected",
	"Disabled", "Terminator presence detected", "Throttled",
	"Uncorrectable machine check exception",
	"Correctable machine check error",
};
static const char *const st_08[] = {
	"Presence detected", "Failure detected", "Predictive failure",
	"Power Supply AC lost", "AC lost or out-of-range",
	"AC out-of-range, but present", "Config Error",
};
static const char *const st_09[] = {
	"Power off/down", "Power cycle", "240VA power down",
	"Interlock power down", "AC lost", "Soft-power control failure",
	"Failure detected", "Predictive failure",
};
static const char *const st_0c[] = {
	"Correctable ECC", "Uncorrectable ECC", "Parity",
	"Memory Scrub Failed", "Memory Device Disabled",
	"Correctable ECC logging limit reached", "Presence Detected",
	"Configuration Error", "Spare", "Throttled",
	"Critical Overtemperature",
};
static const char *const st_0d[] = {
	"Drive Present", "Drive Fault", "Predictive Failure", "Hot Spare",
	"Parity Check In Progress", "In Critical Array", "In Failed Array",
	"Rebuild In Progress", "Rebuild Aborted",
};
static const char *const st_0f[] = {
	"System Firmware Error", "System Firmware Hang",
	"System Firmware Progress",
};
static const char *const st_10[] = {
	"Correctable memory error logging disabled",
	"Event logging disabled", "Log area reset/cleared",
	"All event logging disabled", "Log full", "Log almost full",
};
static const char *const st_12[] = {
	"System Reconfigured", "OEM System boot event",
	"Undetermined system hardware failure",
	"Entry added to auxiliary log", "PEF Action",
	"Timestamp Clock Sync",
};
static const char *const st_13[] = {
	"NMI/Diag Interrupt", "Bus Timeout", "I/O Channel check NMI",
	"Software NMI", "PCI PERR", "PCI SERR", "EISA failsafe timeout",
	"Bus Correctable error", "Bus Uncorrectable error", "Fatal NMI",
	"Bus Fatal Error", "Bus Degraded",
};
static const char *const st_14[] = {
	"Power Button pressed", "Sleep Button pressed",
	"Reset Button pressed", "FRU Latch", "FRU Service",
};
static const char *const st_1d[] = {
	"Initiated by power up", "Initiated by hard reset",
	"Initiated by warm reset", "User requested PXE boot",
	"Automatic boot to diagnostic", "OS initiated hard reset",
	"OS initiated warm reset", "System Restart",
};
static const char *const st_22[] = {
	"S0/G0: working",
	"S1: sleeping with system hw & processor context maintained",
	"S2: sleeping, processor context lost",
	"S3: sleeping, processor & hw context lost, memory retained",
	"S4: non-volatile sleep/suspend-to-disk", "S5/G2: soft-off",
	"S4/S5: soft-off", "G3: mechanical off",
	"Sleeping in S1/S2/S3 state", "G1: sleeping",
	"S5: entered by override", "Legacy ON state",
	"Legacy OFF state", "Unknown",
};
static const char *const st_23[] = {
	"Timer expired, status only", "Hard reset", "Power down",
	"Power cycle", "reserved", "reserved", "reserved", "reserved",
	"Timer interrupt",
};
static const char *const st_25[] = { "Present", "Absent", "Disabled" };
static const char *const st_29[] = {
	"Low", "Failed", "Presence Detected",
};

static const struct evtab specific[] = {
	TAB(0x05, st_05), TAB(0x07, st_07), TAB(0x08, st_08),
	TAB(0x09, st_09), TAB(0x0c, st_0c), TAB(0x0d, st_0d),
	TAB(0x0f, st_0f), TAB(0x10, st_10), TAB(0x12, st_12),
	TAB(0x13, st_13), TAB(0x14, st_14), TAB(0x1d, st_1d),
	TAB(0x22, st_22), TAB(0x23, st_23), TAB(0x25, st_25),
	TAB(0x29, st_29),
};

static const char *
lookup(const struct evtab *t, size_t n, uint8_t code, uint8_t off)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (t[i].code == code)
			return off < t[i].n ? t[i].text[off] : NULL;
	return NULL;
}

const char *
ipmi_event_text(uint8_t sensor_type, uint8_t event_type, uint8_t offset)
{
	event_type &= 0x7f;
	if (event_type == 0x6f)
		return lookup(specific, sizeof(specific) / sizeof(specific[0]),
			      sensor_type, offset);
	return lookup(generic, sizeof(generic) / sizeof(generic[0]),
		      event_type, offset);
}

int
ipmi_sensor_states_str(const struct ipmi_sdr *s, uint16_t states,
		       char *buf, size_t cap)
{
	const char *t;
	size_t used = 0;
	int b, n = 0, w;

	if (cap == 0)
		return 0;
	buf[0] = '\0';
	for (b = 0; b < 15; b++) {
		if (!(states & (1u << b)))
			continue;
		if ((t = ipmi_event_text(s->sensor_type, s->event_type,
					 (uint8_t)b)) == NULL)
			continue;
		w = snprintf(buf + used, cap - used, "%s%s", n ? ", " : "", t);
		if (w < 0 || (size_t)w >= cap - used)
			break;	/* out of room: keep what fits whole */
		used += (size_t)w;
		n++;
	}
	buf[used] = '\0';
	return n;
}
