/* mgmt_sensor.c — the shared read-only SDR repository, drifting sensor readings and the SEL entries their crossings raise. */
#include <string.h>

#include "mgmt_int.h"

/* Storage commands (netfn 0x0A) for the SDR repository. */
#define CMD_SDR_INFO 0x20
#define CMD_SDR_RESERVE 0x22
#define CMD_SDR_GET 0x23
/* Sensor/Event commands (netfn 0x04). */
#define CMD_SENSOR_HYST 0x25
#define CMD_SENSOR_THRESH 0x27
#define CMD_SENSOR_EVENT_EN 0x29
#define CMD_SENSOR_READING 0x2D

/* When the repository was "last changed": fixed, as the repository is
 * the same for every BMC, so SDR caches (FreeIPMI) stay valid. */
#define SDR_TIMESTAMP 1704067200u	/* 2024-01-01 */
#define SDR_MAX 64			/* longest record we build */

enum {
	TH_LNC, TH_LC, TH_LNR, TH_UNC, TH_UC, TH_UNR,	/* s1 bit order */
};

/* One sensor; full threshold records carry conversion factors and
 * thresholds (raw), compact discrete records a state mask. */
struct sensor_def {
	uint8_t type;		/* SDR record type: 1 full, 2 compact */
	uint8_t num, entity, inst, stype, etype;
	uint16_t amask, dmask, rmask;	/* discrete event/reading masks */
	uint8_t unit;		/* base unit (units 2) */
	int16_t m, b;		/* 10-bit signed */
	int8_t bexp, rexp;	/* 4-bit signed */
	uint8_t nominal, amp;	/* drift: centre and half-swing, raw */
	uint8_t readable;	/* thresholds present, s1 bit order */
	uint8_t th[6];		/* raw thresholds, s1 bit order */
	uint16_t state0;	/* discrete: the normal state */
	const char *name;
};

#define FULL(n, ent, st, u, M, B, be, re, nom, a, rd, lnc, lc, lnr, unc, uc, \
	     unr, nm)							\
	{ 1, n, ent, 1, st, 0x01, 0, 0, 0, u, M, B, be, re, nom, a, rd,	\
	  { lnc, lc, lnr, unc, uc, unr }, 0, nm }
#define COMPACT(n, ent, in, st, am, dm, rm, s0, nm)			\
	{ 2, n, ent, in, st, 0x6f, am, dm, rm, 0, 0, 0, 0, 0, 0, 0, 0,	\
	  { 0 }, s0, nm }

/* Units: 1 degrees C, 4 volts, 6 watts, 18 RPM.  Entities: 3 processor,
 * 7 system board, 10 power supply, 23 chassis, 29 fan, 55 air inlet. */
static const struct sensor_def sensors[MGMT_NSENSORS] = {
	/* x - 40 degrees C */
	FULL(MGMT_SENSOR_CPU_TEMP, 0x03, 0x01, 1, 1, -4, 1, 0, 85, 8, 0x38,
	     0, 0, 0, 125, 135, 145, "CPU Temp"),
	/* (5x - 20) / 10 degrees C */
	FULL(MGMT_SENSOR_INLET_TEMP, 0x37, 0x01, 1, 5, -20, 0, -1, 48, 4, 0x3b,
	     14, 8, 0, 84, 94, 104, "Inlet Temp"),
	/* 70x RPM */
	FULL(MGMT_SENSOR_FAN1, 0x1d, 0x04, 18, 7, 0, 0, 1, 120, 6, 0x07,
	     30, 20, 10, 0, 0, 0, "FAN1"),
	FULL(MGMT_SENSOR_FAN1 + 1, 0x1d, 0x04, 18, 7, 0, 0, 1, 118, 6, 0x07,
	     30, 20, 10, 0, 0, 0, "FAN2"),
	FULL(MGMT_SENSOR_FAN1 + 2, 0x1d, 0x04, 18, 7, 0, 0, 1, 123, 6, 0x07,
	     30, 20, 10, 0, 0, 0, "FAN3"),
	FULL(MGMT_SENSOR_FAN1 + 3, 0x1d, 0x04, 18, 7, 0, 0, 1, 116, 6, 0x07,
	     30, 20, 10, 0, 0, 0, "FAN4"),
	/* 0.06x, 0.03x, 0.02x volts */
	FULL(MGMT_SENSOR_12V, 0x07, 0x02, 4, 6, 0, 0, -2, 200, 2, 0x1b,
	     190, 180, 0, 210, 220, 0, "12V"),
	FULL(MGMT_SENSOR_5V, 0x07, 0x02, 4, 3, 0, 0, -2, 167, 2, 0x1b,
	     158, 150, 0, 175, 183, 0, "5V"),
	FULL(MGMT_SENSOR_3V3, 0x07, 0x02, 4, 2, 0, 0, -2, 165, 2, 0x1b,
	     157, 148, 0, 173, 182, 0, "3.3V"),
	/* 4x watts */
	FULL(MGMT_SENSOR_POWER, 0x07, 0x0b, 6, 4, 0, 0, 0, 55, 8, 0x18,
	     0, 0, 0, 200, 225, 0, "Pwr Consumption"),
	/* presence, failure, predictive failure, AC lost */
	COMPACT(MGMT_SENSOR_PSU1, 0x0a, 1, 0x08, 0x000f, 0x000f, 0x000f,
		0x0001, "PSU1 Status"),
	COMPACT(MGMT_SENSOR_PSU1 + 1, 0x0a, 2, 0x08, 0x000f, 0x000f, 0x000f,
		0x0001, "PSU2 Status"),
	COMPACT(MGMT_SENSOR_INTRUSION, 0x17, 1, 0x05, 0x0001, 0x0001, 0x0001,
		0x0000, "Intrusion"),
	/* expired, hard reset, power down, power cycle, interrupt */
	COMPACT(MGMT_SENSOR_WATCHDOG, 0x07, 1, 0x23, 0x010f, 0x0000, 0x010f,
		0x0000, "Watchdog"),
	/* S0/G0 working, S5/G2 soft off; the state follows the power */
	COMPACT(MGMT_SENSOR_ACPI, 0x07, 1, 0x22, 0x0021, 0x0000, 0x0021,
		0x0001, "ACPI State"),
};

/* Records: MC locator, FRU locator, then one per sensor. */
#define SDR_COUNT (2 + MGMT_NSENSORS)

int
mgmt_sensor_slot(uint8_t num)
{
	int i;

	for (i = 0; i < MGMT_NSENSORS; i++)
		if (sensors[i].num == num)
			return i;
	return -1;
}

static size_t
put_id(uint8_t *p, const char *name)
{
	size_t n = strlen(name);

	p[0] = (uint8_t)(0xc0 | n);	/* 8-bit ASCII */
	memcpy(p + 1, name, n);
	return 1 + n;
}

static size_t
build_full(const struct sensor_def *s, uint8_t *r)
{
	uint16_t ev = 0;
	int t;

	for (t = 0; t < 6; t++)		/* lower: going low; upper: high */
		if (s->readable & (1u << t))
			ev |= (uint16_t)(1u << (t < 3 ? 2 * t : 2 * t + 1));
	r[10] = 0x7f;			/* init: scanning, events, ... */
	r[11] = 0x44;			/* auto re-arm, thresholds readable */
	mgmt_put16(r + 14, (uint16_t)(ev | (s->readable & 0x07) << 12));
	mgmt_put16(r + 16, (uint16_t)(ev | (s->readable & 0x38) << 9));
	r[18] = s->readable;		/* readable thresholds */
	r[19] = 0x00;			/* settable: none */
	r[21] = s->unit;
	r[24] = (uint8_t)(s->m & 0xff);
	r[25] = (uint8_t)((s->m >> 2) & 0xc0);
	r[26] = (uint8_t)(s->b & 0xff);
	r[27] = (uint8_t)((s->b >> 2) & 0xc0);
	r[29] = (uint8_t)((s->rexp & 0x0f) << 4 | (s->bexp & 0x0f));
	r[30] = 0x07;			/* nominal, normal max/min given */
	r[31] = s->nominal;
	r[32] = (uint8_t)(s->nominal + s->amp);
	r[33] = (uint8_t)(s->nominal - s->amp);
	r[34] = 0xff;			/* sensor maximum */
	r[36] = s->th[TH_UNR];
	r[37] = s->th[TH_UC];
	r[38] = s->th[TH_UNC];
	r[39] = s->th[TH_LNR];
	r[40] = s->th[TH_LC];
	r[41] = s->th[TH_LNC];
	return 47 + put_id(r + 47, s->name);
}

static size_t
build_compact(const struct sensor_def *s, uint8_t *r)
{
	r[10] = 0x67;			/* init: scanning, events, type */
	r[11] = 0x40;			/* auto re-arm, no thresholds */
	mgmt_put16(r + 14, s->amask);
	mgmt_put16(r + 16, s->dmask);
	mgmt_put16(r + 18, s->rmask);
	r[20] = 0xc0;			/* no analog reading */
	r[23] = 0x01;			/* share count 1 */
	return 31 + put_id(r + 31, s->name);
}

/* Record i (0-based; record id i + 1) into r; returns its length. */
static size_t
sdr_build(unsigned i, uint8_t r[SDR_MAX])
{
	const struct sensor_def *s;
	size_t n;

	memset(r, 0, SDR_MAX);
	mgmt_put16(r, (uint16_t)(i + 1));
	r[2] = 0x51;
	r[5] = 0x20;			/* owner / device address: the BMC */
	if (i == 0) {			/* management controller locator */
		r[3] = 0x12;
		r[8] = 0xbf;		/* same capabilities as Device ID */
		r[12] = 0x06;		/* entity: system management module */
		r[13] = 0x01;
		n = 15 + put_id(r + 15, "BMC");
	} else if (i == 1) {		/* FRU device locator: FRU 0 */
		r[3] = 0x11;
		r[7] = 0x80;		/* logical FRU device */
		r[10] = 0x10;		/* FRU inventory device behind MC */
		r[12] = 0x07;		/* entity: system board */
		r[13] = 0x01;
		n = 15 + put_id(r + 15, "Builtin FRU");
	} else {
		s = &sensors[i - 2];
		r[3] = s->type;
		r[7] = s->num;
		r[8] = s->entity;
		r[9] = s->inst;
		r[12] = s->stype;
		r[13] = s->etype;
		n = s->type == 1 ? build_full(s, r) : build_compact(s, r);
	}
	r[4] = (uint8_t)(n - 5);
	return n;
}

static uint64_t
mix64(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* The drifting raw reading of threshold sensor slot i: a triangle wave
 * of per-BMC, per-sensor period and phase, within nominal +- amp. */
static uint8_t
drift_raw(const mgmt *m, int i, uint64_t now)
{
	const struct sensor_def *s = &sensors[i];
	uint64_t h = mix64(m->cfg.seed ^ mix64(m->cfg.index) ^ (uint64_t)i);
	uint64_t step = m->cfg.drift_ms ? now / m->cfg.drift_ms : 0;
	unsigned period = 4u * (16 + (unsigned)(h % 32));	/* steps */
	unsigned pos = (unsigned)((step + (h >> 16)) % period);
	unsigned q = period / 4, a = s->amp;
	int off;

	/* pos 0..period: up from 0 to +amp, down to -amp, back to 0 */
	if (pos < q)
		off = (int)(a * pos / q);
	else if (pos < 3 * q)
		off = (int)a - (int)(2 * a * (pos - q) / (2 * q));
	else
		off = -(int)a + (int)(a * (pos - 3 * q) / q);
	return (uint8_t)((int)s->nominal + off);
}

static uint8_t
sensor_raw(const mgmt *m, int i, uint64_t now)
{
	if (m->forced & (1u << i))
		return m->forced_raw[i];
	if (sensors[i].type == 1)
		return drift_raw(m, i, now);
	if (sensors[i].num == MGMT_SENSOR_ACPI)
		return m->on ? 0x01 : 0x20;
	return (uint8_t)sensors[i].state0;
}

/* Event state: threshold comparison bits (s1) or the discrete state. */
static uint16_t
sensor_state(const struct sensor_def *s, uint8_t raw)
{
	uint16_t st = 0;
	int t;

	if (s->type != 1)
		return raw;
	for (t = 0; t < 6; t++) {
		if (!(s->readable & (1u << t)))
			continue;
		if (t < 3 ? raw <= s->th[t] : raw >= s->th[t])
			st |= (uint16_t)(1u << t);
	}
	return st;
}

/* SEL entries for the bits that changed from old to new. */
static void
log_changes(mgmt *m, int i, uint16_t old, uint16_t new, uint8_t raw,
	    uint64_t now)
{
	const struct sensor_def *s = &sensors[i];
	uint8_t ed[3], off;
	bool assert;
	int b;

	for (b = 0; b < 15; b++) {
		if (((old ^ new) & (1u << b)) == 0)
			continue;
		assert = (new & (1u << b)) != 0;
		if (s->type == 1) {
			off = (uint8_t)(b < 3 ? 2 * b : 2 * b + 1);
			ed[0] = (uint8_t)(0x50 | off);	/* reading, threshold */
			ed[1] = raw;
			ed[2] = s->th[b];
		} else {
			off = (uint8_t)b;
			ed[0] = off;
			ed[1] = ed[2] = 0xff;
		}
		/* Threshold sensors enable every event they can raise. */
		if (s->type != 1 &&
		    !((assert ? s->amask : s->dmask) & (1u << off)))
			continue;
		mgmt_sel_event(m, now, s->stype, s->num,
			       (uint8_t)((assert ? 0x00 : 0x80) | s->etype), ed);
	}
}

void
mgmt_sensors_eval(mgmt *m, uint64_t now, bool log)
{
	uint16_t st;
	uint8_t raw;
	int i;

	for (i = 0; i < MGMT_NSENSORS; i++) {
		raw = sensor_raw(m, i, now);
		st = sensor_state(&sensors[i], raw);
		if (log && st != m->state[i])
			log_changes(m, i, m->state[i], st, raw, now);
		m->state[i] = st;
	}
	if (m->cfg.drift_ms != 0)
		m->next_drift = now - now % m->cfg.drift_ms + m->cfg.drift_ms;
}

int
mgmt_set_sensor_raw(mgmt *m, uint8_t sensor, uint8_t raw, uint64_t now)
{
	int i = mgmt_sensor_slot(sensor);

	if (i < 0)
		return -1;
	m->forced |= 1u << i;
	m->forced_raw[i] = raw;
	mgmt_sensors_eval(m, now, true);
	return 0;
}

int
mgmt_release_sensor(mgmt *m, uint8_t sensor, uint64_t now)
{
	int i = mgmt_sensor_slot(sensor);

	if (i < 0)
		return -1;
	if (!(m->forced & (1u << i)))
		return 0;
	m->forced &= ~(1u << i);
	mgmt_sensors_eval(m, now, true);
	return 0;
}

static int
sensor_reading(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
	       size_t *rlen)
{
	int i = rq->len >= 1 ? mgmt_sensor_slot(rq->data[0]) : -1;
	uint16_t st;
	uint8_t raw;

	if (rq->len < 1)
		return IPMI_CC_REQ_LEN;
	if (i < 0)
		return IPMI_CC_NOT_PRESENT;
	raw = sensor_raw(m, i, rq->now);
	st = sensor_state(&sensors[i], raw);
	rsp[0] = sensors[i].type == 1 ? raw : 0x00;
	rsp[1] = 0xc0;			/* events and scanning enabled */
	rsp[2] = (uint8_t)st;
	rsp[3] = sensors[i].type == 1 ? 0x00 : (uint8_t)(0x80 | st >> 8);
	*rlen = 4;
	return IPMI_CC_OK;
}

int
mgmt_sensor_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		    size_t cap, size_t *rlen)
{
	const struct sensor_def *s;
	int i;

	if (rq->cmd == CMD_SENSOR_READING)
		return sensor_reading(m, rq, rsp, rlen);
	if (rq->cmd != CMD_SENSOR_THRESH && rq->cmd != CMD_SENSOR_HYST &&
	    rq->cmd != CMD_SENSOR_EVENT_EN)
		return IPMI_CC_INVALID_CMD;
	if (rq->len < 1)
		return IPMI_CC_REQ_LEN;
	if ((i = mgmt_sensor_slot(rq->data[0])) < 0)
		return IPMI_CC_NOT_PRESENT;
	s = &sensors[i];
	if (rq->cmd == CMD_SENSOR_EVENT_EN) {
		rsp[0] = 0xc0;		/* all events, scanning enabled */
		memset(rsp + 1, 0, 4);
		if (s->type == 1) {
			uint8_t r[SDR_MAX];

			sdr_build((unsigned)i + 2, r);
			memcpy(rsp + 1, r + 14, 4);
			rsp[2] &= 0x0f;
			rsp[4] &= 0x0f;
		} else {
			mgmt_put16(rsp + 1, s->amask);
			mgmt_put16(rsp + 3, s->dmask);
		}
		*rlen = 5;
		return IPMI_CC_OK;
	}
	if (s->type != 1)
		return IPMI_CC_ILLEGAL;
	if (rq->cmd == CMD_SENSOR_HYST) {
		rsp[0] = rsp[1] = 0x00;	/* no hysteresis */
		*rlen = 2;
		return IPMI_CC_OK;
	}
	rsp[0] = s->readable;
	memcpy(rsp + 1, s->th, 6);
	for (i = 0; i < 6; i++)
		if (!(s->readable & (1u << i)))
			rsp[1 + i] = 0;
	*rlen = 7;
	return IPMI_CC_OK;
}

static int
sdr_get(mgmt *m, const struct bmc_request *rq, uint8_t *rsp, size_t cap,
	size_t *rlen)
{
	uint8_t r[SDR_MAX];
	uint16_t resv, id;
	uint8_t off, cnt;
	size_t n;

	if (rq->len < 6)
		return IPMI_CC_REQ_LEN;
	resv = mgmt_get16(rq->data);
	id = mgmt_get16(rq->data + 2);
	off = rq->data[4];
	cnt = rq->data[5];
	/* Partial reads need the current reservation; a whole-record read
	 * may go without one (IPMI 2.0 33.12). */
	if ((resv != 0 || off != 0) && (resv != m->sdr_resv || resv == 0))
		return IPMI_CC_RESERVATION;
	if (id == 0x0000)
		id = 1;
	else if (id == 0xffff)
		id = SDR_COUNT;
	if (id > SDR_COUNT)
		return IPMI_CC_NOT_PRESENT;
	/* Like ipmi_sim, refuse "the whole record" (0xFF): clients must
	 * fall back to smaller reads. */
	if (cnt == 0xff || (size_t)cnt + 2 > cap)
		return IPMI_CC_CANT_RETURN;
	n = sdr_build(id - 1u, r);
	if (off > n)
		return 0xc9;		/* parameter out of range */
	if (cnt > n - off)
		cnt = (uint8_t)(n - off);
	mgmt_put16(rsp, id < SDR_COUNT ? (uint16_t)(id + 1) : 0xffff);
	memcpy(rsp + 2, r + off, cnt);
	*rlen = 2 + (size_t)cnt;
	return IPMI_CC_OK;
}

int
mgmt_sdr_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		 size_t cap, size_t *rlen)
{
	switch (rq->cmd) {
	case CMD_SDR_INFO:
		rsp[0] = 0x51;
		mgmt_put16(rsp + 1, SDR_COUNT);
		mgmt_put16(rsp + 3, 0x0000);	/* no free space */
		mgmt_put32(rsp + 5, SDR_TIMESTAMP);
		mgmt_put32(rsp + 9, SDR_TIMESTAMP);
		rsp[13] = 0x02;			/* reserve supported */
		*rlen = 14;
		return IPMI_CC_OK;
	case CMD_SDR_RESERVE:
		if (++m->sdr_resv == 0)
			m->sdr_resv = 1;
		mgmt_put16(rsp, m->sdr_resv);
		*rlen = 2;
		return IPMI_CC_OK;
	case CMD_SDR_GET:
		return sdr_get(m, rq, rsp, cap, rlen);
	}
	return IPMI_CC_INVALID_CMD;
}
