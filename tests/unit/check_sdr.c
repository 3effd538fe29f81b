/* check_sdr.c — SDR records, the SDR reader, sensor conversion and status, chassis and Device ID builders/decoders (sol/sdr.c, sensor.c, chassis.c). */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "tests/checkmain.h"
#include "sol/mgmt.h"
#include "sol/ipmi.h"
#include "tests/bmcsim/mgmt.h"
#include "tests/bmcsim/mgmt_int.h"

/* V4: full SDR for "CPU Temp": M 2, B -10, Bexp 1, Rexp -1. */
static const char v4_sdr_hex[] =
    "010051013320000103017f480101800a800a3838000100000200f6c000f10000"
    "0000ff00a090700000000000000000c84350552054656d70";

static size_t
unhex(const char *h, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (h[0] && h[1] && n < cap) {
		ck_assert_int_eq(sscanf(h, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		h += 2;
	}
	return n;
}

static void
v4_sdr(struct ipmi_sdr *s)
{
	uint8_t rec[64];
	size_t n = unhex(v4_sdr_hex, rec, sizeof(rec));

	ck_assert_uint_eq(n, 56);
	ck_assert_int_eq(ipmi_sdr_parse(rec, n, s), 0);
}

static double
conv(const struct ipmi_sdr *s, uint8_t raw)
{
	double v;

	ck_assert_int_eq(ipmi_sensor_convert(s, raw, &v), IPMI_CONV_OK);
	return v;
}

#define ck_near(a, b) ck_assert_double_eq_tol((a), (b), 1e-9)

START_TEST(test_v4_full)
{
	struct ipmi_sdr s;
	char u[64];

	v4_sdr(&s);
	ck_assert_uint_eq(s.id, 1);
	ck_assert_uint_eq(s.type, IPMI_SDR_FULL);
	ck_assert_uint_eq(s.version, 0x51);
	ck_assert_uint_eq(s.owner, 0x20);
	ck_assert_uint_eq(s.number, 1);
	ck_assert_uint_eq(s.entity, 3);
	ck_assert_uint_eq(s.sensor_type, 0x01);
	ck_assert_uint_eq(s.event_type, 0x01);
	ck_assert_int_eq(s.m, 2);
	ck_assert_int_eq(s.b, -10);
	ck_assert_int_eq(s.bexp, 1);
	ck_assert_int_eq(s.rexp, -1);
	ck_assert_uint_eq(s.format, 0);
	ck_assert_uint_eq(s.linear, 0);
	ck_assert_str_eq(s.name, "CPU Temp");
	ck_assert_str_eq(ipmi_unit_name(s.unit), "degrees C");
	ipmi_sensor_unit_str(&s, u, sizeof(u));
	ck_assert_str_eq(u, "degrees C");
	ck_assert_uint_eq(s.readable, 0x38);
	ck_near(conv(&s, s.th[IPMI_TH_UNC]), 12.4);
	ck_near(conv(&s, s.th[IPMI_TH_UC]), 18.8);
	ck_near(conv(&s, s.th[IPMI_TH_UNR]), 22.0);
	ck_assert(ipmi_sdr_is_sensor(&s));
}
END_TEST

START_TEST(test_v4_reading)
{
	static const uint8_t rsp[4] = { 0x75, 0xc0, 0x08, 0x00 };
	struct ipmi_sdr s;
	struct ipmi_reading rd;
	char buf[32];
	double v;

	v4_sdr(&s);
	ck_assert_int_eq(ipmi_reading_decode(0, rsp, 4, &rd), 0);
	ck_assert(!rd.unavailable);
	ck_assert(rd.scanning);
	ck_assert(rd.events);
	ck_assert_uint_eq(rd.raw, 0x75);
	ck_assert_uint_eq(rd.s1 & (1u << IPMI_TH_UNC), 1u << IPMI_TH_UNC);
	v = conv(&s, rd.raw);
	ck_near(v, 13.4);
	ipmi_sensor_value_str(v, buf, sizeof(buf));
	ck_assert_str_eq(buf, "13.40");
	ipmi_sensor_value_str(29.0, buf, sizeof(buf));
	ck_assert_str_eq(buf, "29");
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "nc");
	ck_assert_str_eq(ipmi_threshold_name(IPMI_TH_UNC), "Upper Non-critical");
}
END_TEST

START_TEST(test_status)
{
	struct ipmi_sdr s;
	struct ipmi_reading rd;
	uint8_t r[4] = { 0x10, 0xc0, 0x00, 0x00 };

	v4_sdr(&s);
	ck_assert_int_eq(ipmi_reading_decode(0, r, 4, &rd), 0);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "ok");
	r[2] = 0x01;		/* LNC */
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "nc");
	r[2] = 0x03;		/* LC (and LNC) */
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "cr");
	r[2] = 0x18;		/* UNC + UC */
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "cr");
	r[2] = 0x3f;
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "nr");
	r[2] = 0x04;		/* LNR alone */
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "nr");
	/* reading unavailable, scanning disabled */
	r[1] = 0xe0;
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert(rd.unavailable);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "ns");
	r[1] = 0x80;
	ipmi_reading_decode(0, r, 4, &rd);
	ck_assert(!rd.scanning);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "ns");
	/* short replies: state bytes are optional */
	r[1] = 0xc0;
	ck_assert_int_eq(ipmi_reading_decode(0, r, 2, &rd), 0);
	ck_assert(!rd.has_states);
	ck_assert_str_eq(ipmi_sensor_status(&s, &rd), "ok");
	ck_assert_int_eq(ipmi_reading_decode(0, r, 1, &rd), -1);
	ck_assert_int_eq(ipmi_reading_decode(0, NULL, 0, &rd), -1);
	/* "no reading" completion codes vs. real failures */
	ck_assert_int_eq(ipmi_reading_decode(0xcb, NULL, 0, &rd), 0);
	ck_assert(rd.unavailable);
	ck_assert_int_eq(ipmi_reading_decode(0xd5, NULL, 0, &rd), 0);
	ck_assert(rd.unavailable);
	ck_assert_int_eq(ipmi_reading_decode(0xc9, NULL, 0, &rd), 0);
	ck_assert_int_eq(ipmi_reading_decode(-1, NULL, 0, &rd), -1);
	ck_assert_int_eq(ipmi_reading_decode(0xc1, NULL, 0, &rd), -1);
}
END_TEST

/* A full record with the given format, linearisation and factors. */
static void
mk_full(struct ipmi_sdr *s, uint8_t format, uint8_t linear, int m, int b,
	int bexp, int rexp)
{
	memset(s, 0, sizeof(*s));
	s->type = IPMI_SDR_FULL;
	s->format = format;
	s->linear = linear;
	s->m = (int16_t)m;
	s->b = (int16_t)b;
	s->bexp = (int8_t)bexp;
	s->rexp = (int8_t)rexp;
}

START_TEST(test_formats)
{
	struct ipmi_sdr s;
	double v;

	mk_full(&s, 0, 0, 1, 0, 0, 0);
	ck_near(conv(&s, 0xfe), 254);
	ck_near(conv(&s, 0x80), 128);
	mk_full(&s, 1, 0, 1, 0, 0, 0);		/* one's complement */
	ck_near(conv(&s, 0xfe), -1);
	ck_near(conv(&s, 0xff), 0);		/* -0 */
	ck_near(conv(&s, 0x80), -127);
	ck_near(conv(&s, 0x7f), 127);
	mk_full(&s, 2, 0, 1, 0, 0, 0);		/* two's complement */
	ck_near(conv(&s, 0xfe), -2);
	ck_near(conv(&s, 0x80), -128);
	ck_near(conv(&s, 0x05), 5);
	mk_full(&s, 3, 0, 1, 0, 0, 0);		/* no analog reading */
	ck_assert_int_eq(ipmi_sensor_convert(&s, 5, &v), IPMI_CONV_NONE);
	/* negative M and B with both exponents */
	mk_full(&s, 2, 0, -3, 7, 2, -2);
	ck_near(conv(&s, 0x0a), (-30 + 700) / 100.0);
	/* compact records cannot be converted */
	mk_full(&s, 0, 0, 1, 0, 0, 0);
	s.type = IPMI_SDR_COMPACT;
	ck_assert_int_eq(ipmi_sensor_convert(&s, 5, &v), IPMI_CONV_NONE);
}
END_TEST

START_TEST(test_linearisation)
{
	struct ipmi_sdr s;
	double v;
	static const struct { uint8_t l; double in, out; } t[] = {
		{ 0x00, 8, 8 }, { 0x01, M_E, 1 }, { 0x02, 100, 2 },
		{ 0x03, 8, 3 }, { 0x04, 0, 1 }, { 0x05, 2, 100 },
		{ 0x06, 3, 8 }, { 0x07, 4, 0.25 }, { 0x08, 3, 9 },
		{ 0x09, 2, 8 }, { 0x0a, 16, 4 }, { 0x0b, 27, 3 },
	};
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		ck_assert_int_eq(ipmi_sensor_linearize(t[i].l, t[i].in, &v), 0);
		ck_assert_double_eq_tol(v, t[i].out, 1e-9);
	}
	ck_assert_int_eq(ipmi_sensor_linearize(0x0c, 1, &v), -1);
	ck_assert_int_eq(ipmi_sensor_linearize(0x01, 0, &v), -1);
	ck_assert_int_eq(ipmi_sensor_linearize(0x07, 0, &v), -1);
	ck_assert_int_eq(ipmi_sensor_linearize(0x0a, -1, &v), -1);
	/* through the conversion: x^2 of (2 * 5) */
	mk_full(&s, 0, 0x08, 2, 0, 0, 0);
	ck_near(conv(&s, 5), 100);
	/* 1/x of 0 has no value */
	mk_full(&s, 0, 0x07, 1, 0, 0, 0);
	ck_assert_int_eq(ipmi_sensor_convert(&s, 0, &v), IPMI_CONV_NONE);
	/* non-linear: the raw value is reported */
	mk_full(&s, 0, 0x70, 2, 5, 0, 0);
	ck_assert_int_eq(ipmi_sensor_convert(&s, 42, &v), IPMI_CONV_RAW);
	ck_near(v, 42);
	mk_full(&s, 0, 0x7f, 2, 5, 0, 0);
	ck_assert_int_eq(ipmi_sensor_convert(&s, 42, &v), IPMI_CONV_RAW);
	/* reserved linearisation codes */
	mk_full(&s, 0, 0x20, 2, 5, 0, 0);
	ck_assert_int_eq(ipmi_sensor_convert(&s, 42, &v), IPMI_CONV_NONE);
}
END_TEST

START_TEST(test_units)
{
	struct ipmi_sdr s;
	char u[64];

	ck_assert_str_eq(ipmi_unit_name(0), "unspecified");
	ck_assert_str_eq(ipmi_unit_name(1), "degrees C");
	ck_assert_str_eq(ipmi_unit_name(2), "degrees F");
	ck_assert_str_eq(ipmi_unit_name(3), "degrees K");
	ck_assert_str_eq(ipmi_unit_name(4), "Volts");
	ck_assert_str_eq(ipmi_unit_name(5), "Amps");
	ck_assert_str_eq(ipmi_unit_name(6), "Watts");
	ck_assert_str_eq(ipmi_unit_name(18), "RPM");
	ck_assert_str_eq(ipmi_unit_name(17), "CFM");
	ck_assert_str_eq(ipmi_unit_name(92), "grams");
	ck_assert_str_eq(ipmi_unit_name(93), "invalid");
	ck_assert_str_eq(ipmi_unit_name(255), "invalid");
	memset(&s, 0, sizeof(s));
	s.unit = 5;
	s.unit_mod = 24;
	s.unit_flags = 0x02;		/* base / modifier */
	ipmi_sensor_unit_str(&s, u, sizeof(u));
	ck_assert_str_eq(u, "Amps/hour");
	s.unit_flags = 0x04 | 0x01;	/* base * modifier, percentage */
	ipmi_sensor_unit_str(&s, u, sizeof(u));
	ck_assert_str_eq(u, "% Amps*hour");
}
END_TEST

START_TEST(test_state_text)
{
	struct ipmi_sdr s;
	char buf[128];

	ck_assert_str_eq(ipmi_event_text(0x01, 0x01, 7),
			 "Upper Non-critical going high");
	ck_assert_str_eq(ipmi_event_text(0x01, 0x01, 0),
			 "Lower Non-critical going low");
	ck_assert_ptr_null(ipmi_event_text(0x01, 0x01, 12));
	ck_assert_str_eq(ipmi_event_text(0, 0x02, 2), "Transition to Busy");
	ck_assert_str_eq(ipmi_event_text(0, 0x03, 1), "State Asserted");
	ck_assert_str_eq(ipmi_event_text(0, 0x07, 2),
			 "Transition to Critical from less severe");
	ck_assert_str_eq(ipmi_event_text(0, 0x08, 1), "Device Present");
	ck_assert_str_eq(ipmi_event_text(0, 0x0b, 1), "Redundancy Lost");
	ck_assert_str_eq(ipmi_event_text(0, 0x0c, 3), "D3 Power State");
	ck_assert_str_eq(ipmi_event_text(0x08, 0x6f, 1), "Failure detected");
	ck_assert_str_eq(ipmi_event_text(0x05, 0x6f, 0),
			 "General Chassis intrusion");
	ck_assert_str_eq(ipmi_event_text(0x07, 0x6f, 7), "Presence detected");
	ck_assert_str_eq(ipmi_event_text(0x0c, 0x6f, 1), "Uncorrectable ECC");
	ck_assert_str_eq(ipmi_event_text(0x0d, 0x6f, 1), "Drive Fault");
	ck_assert_str_eq(ipmi_event_text(0x22, 0x6f, 5), "S5/G2: soft-off");
	ck_assert_str_eq(ipmi_event_text(0x23, 0x6f, 1), "Hard reset");
	ck_assert_str_eq(ipmi_event_text(0x10, 0x6f, 2),
			 "Log area reset/cleared");
	ck_assert_ptr_null(ipmi_event_text(0x08, 0x6f, 14));
	ck_assert_ptr_null(ipmi_event_text(0xc5, 0x6f, 0));
	ck_assert_ptr_null(ipmi_event_text(0x01, 0x70, 0));
	ck_assert_str_eq(ipmi_sensor_type_name(0x01), "Temperature");
	ck_assert_str_eq(ipmi_sensor_type_name(0x08), "Power Supply");
	ck_assert_str_eq(ipmi_sensor_type_name(0x2c), "FRU State");
	ck_assert_str_eq(ipmi_sensor_type_name(0x2d), "Unknown");
	ck_assert_str_eq(ipmi_sensor_type_name(0xc0), "OEM");
	memset(&s, 0, sizeof(s));
	s.sensor_type = 0x08;
	s.event_type = 0x6f;
	ck_assert_int_eq(ipmi_sensor_states_str(&s, 0x0003, buf, sizeof(buf)),
			 2);
	ck_assert_str_eq(buf, "Presence detected, Failure detected");
	ck_assert_int_eq(ipmi_sensor_states_str(&s, 0, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "");
	/* what does not fit is left out whole */
	ck_assert_int_eq(ipmi_sensor_states_str(&s, 0x0003, buf, 20), 1);
	ck_assert_str_eq(buf, "Presence detected");
}
END_TEST

/* Records of the other types, hand-built. */
static size_t
mk_rec(uint8_t *r, uint8_t type, size_t name_at, const char *name)
{
	size_t n = strlen(name);

	memset(r, 0, 64);
	r[0] = 0x34;
	r[1] = 0x12;
	r[2] = 0x51;
	r[3] = type;
	r[5] = 0x20;
	r[name_at] = (uint8_t)(0xc0 | n);
	memcpy(r + name_at + 1, name, n);
	r[4] = (uint8_t)(name_at + 1 + n - 5);
	return name_at + 1 + n;
}

START_TEST(test_other_records)
{
	uint8_t r[64];
	struct ipmi_sdr s;
	size_t n, i;

	n = mk_rec(r, IPMI_SDR_COMPACT, 31, "PSU1 Status");
	r[7] = 0x60;
	r[12] = 0x08;
	r[13] = 0x6f;
	ck_assert_int_eq(ipmi_sdr_parse(r, n, &s), 0);
	ck_assert_uint_eq(s.id, 0x1234);
	ck_assert_uint_eq(s.number, 0x60);
	ck_assert_uint_eq(s.sensor_type, 0x08);
	ck_assert_uint_eq(s.event_type, 0x6f);
	ck_assert_str_eq(s.name, "PSU1 Status");
	ck_assert(ipmi_sdr_is_sensor(&s));
	for (i = 0; i < 32; i++)
		ck_assert_int_eq(ipmi_sdr_parse(r, i, &s), -1);

	n = mk_rec(r, IPMI_SDR_EVENT_ONLY, 16, "Evt");
	r[7] = 0x77;
	r[10] = 0x12;
	r[11] = 0x6f;
	ck_assert_int_eq(ipmi_sdr_parse(r, n, &s), 0);
	ck_assert_uint_eq(s.number, 0x77);
	ck_assert_uint_eq(s.sensor_type, 0x12);
	ck_assert_str_eq(s.name, "Evt");
	ck_assert(!ipmi_sdr_is_sensor(&s));
	for (i = 0; i < 17; i++)
		ck_assert_int_eq(ipmi_sdr_parse(r, i, &s), -1);

	n = mk_rec(r, IPMI_SDR_FRU_LOCATOR, 15, "Builtin FRU");
	r[6] = 0x00;
	r[7] = 0x80;
	ck_assert_int_eq(ipmi_sdr_parse(r, n, &s), 0);
	ck_assert_uint_eq(s.dev_addr, 0x20);
	ck_assert(s.logical_fru);
	ck_assert_str_eq(s.name, "Builtin FRU");

	n = mk_rec(r, IPMI_SDR_MC_LOCATOR, 15, "BMC");
	r[8] = 0xbf;
	ck_assert_int_eq(ipmi_sdr_parse(r, n, &s), 0);
	ck_assert_uint_eq(s.mc_caps, 0xbf);
	ck_assert_str_eq(s.name, "BMC");

	n = mk_rec(r, 0xc0, 15, "OEM");
	ck_assert_int_eq(ipmi_sdr_parse(r, n, &s), 1);
	ck_assert_uint_eq(s.type, 0xc0);
	ck_assert_int_eq(ipmi_sdr_parse(NULL, 0, &s), -1);
}
END_TEST

START_TEST(test_full_truncated)
{
	uint8_t rec[64];
	struct ipmi_sdr s;
	size_t n = unhex(v4_sdr_hex, rec, sizeof(rec)), i;

	for (i = 0; i < 48; i++)
		ck_assert_int_eq(ipmi_sdr_parse(rec, i, &s), -1);
	/* the name may be cut short: the record still parses, nameless */
	for (i = 48; i < n; i++) {
		ck_assert_int_eq(ipmi_sdr_parse(rec, i, &s), 0);
		ck_assert_str_eq(s.name, "");
	}
	/* a length byte longer than the buffer is bounded by the buffer */
	rec[4] = 0xff;
	ck_assert_int_eq(ipmi_sdr_parse(rec, n, &s), 0);
	ck_assert_str_eq(s.name, "CPU Temp");
}
END_TEST

/* A scripted repository: records, faults to inject. */
struct repo {
	uint8_t recs[4][64];
	size_t lens[4];
	unsigned n;
	uint16_t resv;
	unsigned max_len;	/* 0xCA above this */
	unsigned c5_at;		/* cancel the reservation at this Get */
	unsigned c5_count;	/* how many times */
	unsigned gets;
	bool loop;		/* next id points back at itself */
	uint8_t rsp[64];
};

static void
repo_init(struct repo *p)
{
	uint8_t rec[64];
	unsigned i;

	memset(p, 0, sizeof(*p));
	p->max_len = 255;
	p->n = 3;
	for (i = 0; i < p->n; i++) {
		p->lens[i] = unhex(v4_sdr_hex, rec, sizeof(rec));
		rec[0] = (uint8_t)(i + 1);
		rec[7] = (uint8_t)(0x10 + i);
		rec[49] = (uint8_t)('0' + i);
		memcpy(p->recs[i], rec, p->lens[i]);
	}
}

static int
repo_answer(struct repo *p, const struct ipmi_mreq *q, size_t *len)
{
	unsigned idx, off, cnt;
	uint16_t id;

	ck_assert_uint_eq(q->netfn, IPMI_NETFN_STORAGE);
	*len = 0;
	if (q->cmd == 0x20) {
		memset(p->rsp, 0, 14);
		p->rsp[0] = 0x51;
		p->rsp[1] = (uint8_t)p->n;
		p->rsp[5] = 0x11;	/* add timestamp */
		p->rsp[9] = 0x22;	/* erase timestamp */
		*len = 14;
		return 0;
	}
	if (q->cmd == 0x22) {
		p->resv++;
		p->rsp[0] = (uint8_t)p->resv;
		p->rsp[1] = 0;
		*len = 2;
		return 0;
	}
	ck_assert_uint_eq(q->cmd, 0x23);
	ck_assert_uint_eq(q->len, 6);
	p->gets++;
	if (p->c5_count > 0 && p->gets >= p->c5_at) {
		p->c5_count--;
		p->resv++;	/* someone else reserved */
	}
	if ((q->data[0] | q->data[1] << 8) != p->resv)
		return 0xc5;
	id = (uint16_t)(q->data[2] | q->data[3] << 8);
	off = q->data[4];
	cnt = q->data[5];
	if (cnt > p->max_len)
		return 0xca;
	idx = id == 0 ? 0 : id - 1u;
	if (idx >= p->n)
		return 0xcb;
	if (off + cnt > p->lens[idx])
		return 0xc9;
	if (p->loop)
		id = (uint16_t)(idx + 1);
	else
		id = idx + 1 < p->n ? (uint16_t)(idx + 2) : 0xffff;
	p->rsp[0] = (uint8_t)id;
	p->rsp[1] = (uint8_t)(id >> 8);
	memcpy(p->rsp + 2, p->recs[idx] + off, cnt);
	*len = 2 + cnt;
	return 0;
}

/* Run the reader against the repository; returns its final result. */
static int
run_repo(ipmi_sdr_reader *r, struct repo *p, unsigned max)
{
	struct ipmi_mreq q;
	size_t len;
	int rc, cc;

	while ((rc = ipmi_sdr_reader_next(r, &q)) == IPMI_RD_REQ) {
		ck_assert_uint_gt(max--, 0);
		cc = repo_answer(p, &q, &len);
		ipmi_sdr_reader_feed(r, cc, p->rsp, len);
	}
	return rc;
}

static void
check_repo_read(ipmi_sdr_reader *r, struct repo *p)
{
	const uint8_t *rec;
	struct ipmi_sdr s;
	size_t i, len;

	ck_assert_uint_eq(ipmi_sdr_reader_count(r), p->n);
	for (i = 0; i < p->n; i++) {
		rec = ipmi_sdr_reader_record(r, i, &len);
		ck_assert_ptr_nonnull(rec);
		ck_assert_uint_eq(len, p->lens[i]);
		ck_assert_mem_eq(rec, p->recs[i], len);
		ck_assert_int_eq(ipmi_sdr_parse(rec, len, &s), 0);
	}
	ck_assert_ptr_null(ipmi_sdr_reader_record(r, p->n, &len));
}

START_TEST(test_reader_plain)
{
	struct repo p;
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();

	repo_init(&p);
	ck_assert_int_eq(run_repo(r, &p, 100), IPMI_RD_DONE);
	check_repo_read(r, &p);
	ck_assert(!ipmi_sdr_reader_unchanged(r));
	ck_assert_uint_eq(ipmi_sdr_reader_info(r)->add_ts, 0x11);
	/* info, reserve, then per 56-byte record: header + 4 chunks */
	ck_assert_uint_eq(ipmi_sdr_reader_requests(r), 2 + 3 * 5);
	ipmi_sdr_reader_free(r);
	ipmi_sdr_reader_free(NULL);
}
END_TEST

START_TEST(test_reader_shrink)
{
	struct repo p;
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();

	repo_init(&p);
	p.max_len = 8;		/* 16 -> 12 -> 8 */
	ck_assert_int_eq(run_repo(r, &p, 200), IPMI_RD_DONE);
	check_repo_read(r, &p);
	ipmi_sdr_reader_free(r);
	/* a BMC that returns nothing at all fails, without looping */
	r = ipmi_sdr_reader_new();
	repo_init(&p);
	p.max_len = 0;
	ck_assert_int_eq(run_repo(r, &p, 200), IPMI_RD_FAIL);
	ck_assert_ptr_nonnull(ipmi_sdr_reader_error(r));
	ipmi_sdr_reader_free(r);
}
END_TEST

START_TEST(test_reader_reserve)
{
	struct repo p;
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();

	repo_init(&p);
	p.c5_at = 3;		/* mid-record */
	p.c5_count = 2;
	ck_assert_int_eq(run_repo(r, &p, 200), IPMI_RD_DONE);
	check_repo_read(r, &p);
	ipmi_sdr_reader_free(r);
	/* cancelled more than 4 times in a row: give up */
	r = ipmi_sdr_reader_new();
	repo_init(&p);
	p.c5_at = 1;
	p.c5_count = 100;
	ck_assert_int_eq(run_repo(r, &p, 200), IPMI_RD_FAIL);
	ck_assert_uint_eq(ipmi_sdr_reader_count(r), 0);
	ipmi_sdr_reader_free(r);
}
END_TEST

START_TEST(test_reader_cache_and_errors)
{
	struct repo p;
	struct ipmi_sdr_info old;
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();
	struct ipmi_mreq q;

	repo_init(&p);
	ck_assert_int_eq(run_repo(r, &p, 100), IPMI_RD_DONE);
	old = *ipmi_sdr_reader_info(r);
	ipmi_sdr_reader_free(r);
	/* same timestamps: stop after the info request */
	r = ipmi_sdr_reader_new();
	ipmi_sdr_reader_set_cache(r, &old);
	ck_assert_int_eq(run_repo(r, &p, 100), IPMI_RD_DONE);
	ck_assert(ipmi_sdr_reader_unchanged(r));
	ck_assert_uint_eq(ipmi_sdr_reader_requests(r), 1);
	ck_assert_uint_eq(ipmi_sdr_reader_count(r), 0);
	ck_assert(ipmi_sdr_cache_valid(&old, ipmi_sdr_reader_info(r)));
	/* an erase since: read again */
	old.erase_ts++;
	ck_assert(!ipmi_sdr_cache_valid(&old, ipmi_sdr_reader_info(r)));
	ck_assert(!ipmi_sdr_cache_valid(NULL, ipmi_sdr_reader_info(r)));
	ipmi_sdr_reader_free(r);
	r = ipmi_sdr_reader_new();
	ipmi_sdr_reader_set_cache(r, &old);
	ck_assert_int_eq(run_repo(r, &p, 100), IPMI_RD_DONE);
	ck_assert(!ipmi_sdr_reader_unchanged(r));
	ck_assert_uint_eq(ipmi_sdr_reader_count(r), 3);
	ipmi_sdr_reader_free(r);
	/* a chain that never ends */
	r = ipmi_sdr_reader_new();
	repo_init(&p);
	p.loop = true;
	ck_assert_int_eq(run_repo(r, &p, 100), IPMI_RD_FAIL);
	ipmi_sdr_reader_free(r);
	/* a timeout fails the read; short replies too */
	r = ipmi_sdr_reader_new();
	ck_assert_int_eq(ipmi_sdr_reader_next(r, &q), IPMI_RD_REQ);
	ck_assert_int_eq(ipmi_sdr_reader_feed(r, -1, NULL, 0), -1);
	ck_assert_int_eq(ipmi_sdr_reader_next(r, &q), IPMI_RD_FAIL);
	ipmi_sdr_reader_free(r);
	r = ipmi_sdr_reader_new();
	ipmi_sdr_reader_next(r, &q);
	ipmi_sdr_reader_feed(r, 0xc1, NULL, 0);	/* no info: go on */
	ck_assert_int_eq(ipmi_sdr_reader_next(r, &q), IPMI_RD_REQ);
	ck_assert_uint_eq(q.cmd, 0x22);
	ipmi_sdr_reader_feed(r, 0, (const uint8_t *)"\x01\x00", 2);
	ck_assert_int_eq(ipmi_sdr_reader_next(r, &q), IPMI_RD_REQ);
	ck_assert_uint_eq(q.cmd, 0x23);
	ck_assert_int_eq(ipmi_sdr_reader_feed(r, 0, (const uint8_t *)"\xff", 1),
			 -1);
	ipmi_sdr_reader_free(r);
}
END_TEST

/* The simulated BMC of tests/bmcsim, called directly. */
static int
sim_call(mgmt *m, const struct ipmi_mreq *q, uint8_t *rsp, size_t cap,
	 size_t *rlen, uint64_t now)
{
	struct bmc_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.peer = 1;
	rq.bmc_sid = 0x100;
	rq.priv = 4;
	rq.netfn = q->netfn;
	rq.cmd = q->cmd;
	rq.data = q->data;
	rq.len = q->len;
	rq.now = now;
	return mgmt_command(m, &rq, rsp, cap, rlen);
}

static mgmt *
sim_new(void)
{
	struct mgmt_config c;
	mgmt *m;

	memset(&c, 0, sizeof(c));
	c.index = 3;
	c.seed = 77;
	c.power_on = true;
	c.drift_ms = 0;
	m = mgmt_new(&c);
	ck_assert_ptr_nonnull(m);
	return m;
}

static const struct ipmi_sdr *
find_sensor(const struct ipmi_sdr *all, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(all[i].name, name) == 0)
			return &all[i];
	ck_abort_msg("no sensor %s", name);
	return NULL;
}

static void
sim_reading(mgmt *m, const struct ipmi_sdr *s, struct ipmi_reading *rd)
{
	struct ipmi_mreq q;
	uint8_t rsp[64];
	size_t rlen;
	int cc;

	ipmi_req_sensor_reading(&q, s->number);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 1000);
	ck_assert_int_eq(ipmi_reading_decode(cc, rsp, rlen, rd), 0);
}

START_TEST(test_bmcsim_sensors)
{
	mgmt *m = sim_new();
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();
	struct ipmi_sdr all[32];
	const struct ipmi_sdr *s;
	struct ipmi_reading rd;
	struct ipmi_mreq q;
	uint8_t rsp[300];
	const uint8_t *rec;
	size_t rlen, n, i, len;
	char buf[128];
	double v;
	int cc;

	while (ipmi_sdr_reader_next(r, &q) == IPMI_RD_REQ) {
		cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 1000);
		ipmi_sdr_reader_feed(r, cc, rsp, rlen);
	}
	ck_assert_ptr_null(ipmi_sdr_reader_error(r));
	n = ipmi_sdr_reader_count(r);
	ck_assert_uint_eq(n, 2 + MGMT_NSENSORS);
	for (i = 0; i < n; i++) {
		rec = ipmi_sdr_reader_record(r, i, &len);
		ck_assert_int_eq(ipmi_sdr_parse(rec, len, &all[i]), 0);
	}
	ck_assert_uint_eq(all[0].type, IPMI_SDR_MC_LOCATOR);
	ck_assert_str_eq(all[0].name, "BMC");
	ck_assert_uint_eq(all[1].type, IPMI_SDR_FRU_LOCATOR);
	/* CPU Temp: x - 40 degrees C; force 130 -> 90, above UNC (125) */
	s = find_sensor(all, n, "CPU Temp");
	ck_assert_str_eq(ipmi_unit_name(s->unit), "degrees C");
	ck_assert_int_eq(mgmt_set_sensor_raw(m, MGMT_SENSOR_CPU_TEMP, 130, 1000),
			 0);
	sim_reading(m, s, &rd);
	ck_assert_int_eq(ipmi_sensor_convert(s, rd.raw, &v), IPMI_CONV_OK);
	ck_near(v, 90);
	ck_assert_str_eq(ipmi_sensor_status(s, &rd), "nc");
	ck_assert_int_eq(mgmt_set_sensor_raw(m, MGMT_SENSOR_CPU_TEMP, 150, 1000),
			 0);
	sim_reading(m, s, &rd);
	ck_assert_str_eq(ipmi_sensor_status(s, &rd), "nr");
	/* 12V: 0.06x Volts, raw 200 = 12.00 */
	s = find_sensor(all, n, "12V");
	ck_assert_int_eq(mgmt_set_sensor_raw(m, MGMT_SENSOR_12V, 200, 1000), 0);
	sim_reading(m, s, &rd);
	ck_assert_int_eq(ipmi_sensor_convert(s, rd.raw, &v), IPMI_CONV_OK);
	ck_near(v, 12);
	ck_assert_str_eq(ipmi_sensor_status(s, &rd), "ok");
	ipmi_sensor_unit_str(s, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Volts");
	s = find_sensor(all, n, "FAN1");
	ck_assert_str_eq(ipmi_unit_name(s->unit), "RPM");
	/* discrete: PSU1 present; ACPI state S0 */
	s = find_sensor(all, n, "PSU1 Status");
	ck_assert_uint_eq(s->type, IPMI_SDR_COMPACT);
	sim_reading(m, s, &rd);
	ipmi_sensor_states_str(s, rd.states, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Presence detected");
	s = find_sensor(all, n, "ACPI State");
	sim_reading(m, s, &rd);
	ipmi_sensor_states_str(s, rd.states, buf, sizeof(buf));
	ck_assert_str_eq(buf, "S0/G0: working");
	/* an unknown sensor number reads as unavailable */
	ipmi_req_sensor_reading(&q, 0xee);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 1000);
	ck_assert_int_eq(ipmi_reading_decode(cc, rsp, rlen, &rd), 0);
	ck_assert(rd.unavailable);
	ipmi_sdr_reader_free(r);
	mgmt_free(m);
}
END_TEST

START_TEST(test_chassis)
{
	mgmt *m = sim_new();
	struct ipmi_mreq q, b[IPMI_BOOT_NREQ];
	struct ipmi_chassis_status cs;
	struct ipmi_devid id;
	uint8_t rsp[64];
	size_t rlen;
	int cc, dev;
	unsigned i, flags;
	bool valid;

	ipmi_req_devid(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 10);
	ck_assert_int_eq(ipmi_devid_decode(cc, rsp, rlen, &id), 0);
	ck_assert_uint_eq(id.manufacturer, MGMT_MANUFACTURER_ID);
	ck_assert_uint_eq(id.product, MGMT_PRODUCT_ID);
	ck_assert_uint_eq(id.fw_major, MGMT_FW_MAJOR);
	ck_assert_uint_eq(id.fw_minor, MGMT_FW_MINOR);
	ck_assert_uint_eq(id.ipmi_major, 2);
	ck_assert_uint_eq(id.ipmi_minor, 0);
	ck_assert(id.has_aux);
	ck_assert_int_eq(ipmi_devid_decode(0, rsp, 10, &id), -1);
	ck_assert_int_eq(ipmi_devid_decode(0xc1, rsp, rlen, &id), -1);

	ipmi_req_chassis_status(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 10);
	ck_assert_int_eq(ipmi_chassis_status_decode(cc, rsp, rlen, &cs), 0);
	ck_assert(cs.power_on);
	ck_assert_str_eq(ipmi_chassis_policy_str(cs.restore_policy), "previous");
	ck_assert_int_eq(cs.identify, 0);
	ck_assert_int_eq(ipmi_chassis_status_decode(0, rsp, 2, &cs), -1);

	ck_assert_int_eq(ipmi_chassis_op_parse("off"), IPMI_CHASSIS_OFF);
	ck_assert_int_eq(ipmi_chassis_op_parse("soft"), IPMI_CHASSIS_SOFT);
	ck_assert_int_eq(ipmi_chassis_op_parse("diag"), IPMI_CHASSIS_DIAG);
	ck_assert_int_eq(ipmi_chassis_op_parse("bogus"), -1);
	ck_assert_str_eq(ipmi_chassis_op_name(IPMI_CHASSIS_CYCLE), "cycle");
	ck_assert_int_eq(ipmi_req_chassis_control(&q, 6), -1);
	ck_assert_int_eq(ipmi_req_chassis_control(&q, IPMI_CHASSIS_OFF), 0);
	ck_assert_int_eq(sim_call(m, &q, rsp, sizeof(rsp), &rlen, 20), 0);
	ck_assert(!mgmt_power_is_on(m));
	ipmi_req_chassis_status(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 30);
	ipmi_chassis_status_decode(cc, rsp, rlen, &cs);
	ck_assert(!cs.power_on);
	ipmi_req_chassis_control(&q, IPMI_CHASSIS_ON);
	ck_assert_int_eq(sim_call(m, &q, rsp, sizeof(rsp), &rlen, 40), 0);
	ck_assert(mgmt_power_is_on(m));

	/* identify: timed, forced, off */
	ipmi_req_chassis_identify(&q, 30, false);
	ck_assert_uint_eq(q.len, 1);
	ck_assert_uint_eq(q.data[0], 30);
	ck_assert_int_eq(sim_call(m, &q, rsp, sizeof(rsp), &rlen, 50), 0);
	ipmi_req_chassis_status(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 60);
	ipmi_chassis_status_decode(cc, rsp, rlen, &cs);
	ck_assert_int_eq(cs.identify, 1);
	ipmi_req_chassis_identify(&q, 0, true);
	ck_assert_int_eq(sim_call(m, &q, rsp, sizeof(rsp), &rlen, 70), 0);
	ipmi_req_chassis_status(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 80);
	ipmi_chassis_status_decode(cc, rsp, rlen, &cs);
	ck_assert_int_eq(cs.identify, 2);
	ipmi_req_chassis_identify(&q, 0, false);
	ck_assert_int_eq(sim_call(m, &q, rsp, sizeof(rsp), &rlen, 90), 0);
	ipmi_req_chassis_status(&q);
	cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, 100);
	ipmi_chassis_status_decode(cc, rsp, rlen, &cs);
	ck_assert_int_eq(cs.identify, 0);
	ipmi_req_chassis_identify(&q, 1000, false);
	ck_assert_uint_eq(q.data[0], 255);

	/* boot device: pxe, persistent, EFI */
	ck_assert_int_eq(ipmi_bootdev_parse("pxe"), IPMI_BOOT_PXE);
	ck_assert_int_eq(ipmi_bootdev_parse("floppy"), -1);
	ck_assert_int_eq(ipmi_boot_requests(b, 9, 0), -1);
	ck_assert_int_eq(ipmi_boot_requests(b, IPMI_BOOT_PXE,
					    IPMI_BOOT_PERSISTENT | IPMI_BOOT_EFI),
			 IPMI_BOOT_NREQ);
	for (i = 0; i < IPMI_BOOT_NREQ; i++) {
		cc = sim_call(m, &b[i], rsp, sizeof(rsp), &rlen, 110);
		ck_assert(ipmi_boot_step_ok(i, cc));
	}
	ck_assert_uint_eq(m->boot_flags[0], 0x80 | 0x40 | 0x20);
	ck_assert_uint_eq(m->boot_flags[1], 0x04);
	ck_assert_uint_eq(m->boot_in_progress, 0);
	ck_assert_int_eq(ipmi_boot_flags_decode(m->boot_flags, 5, &dev, &flags,
						&valid), 0);
	ck_assert_int_eq(dev, IPMI_BOOT_PXE);
	ck_assert_uint_eq(flags, IPMI_BOOT_PERSISTENT | IPMI_BOOT_EFI);
	ck_assert(valid);
	/* once, legacy: cdrom / bios / disk */
	ipmi_boot_requests(b, IPMI_BOOT_CDROM, 0);
	ck_assert_uint_eq(b[1].data[1], 0x80);
	ck_assert_uint_eq(b[1].data[2], 0x14);
	ipmi_boot_requests(b, IPMI_BOOT_BIOS, 0);
	ck_assert_uint_eq(b[1].data[2], 0x18);
	ipmi_boot_requests(b, IPMI_BOOT_DISK, 0);
	ck_assert_uint_eq(b[1].data[2], 0x08);
	ck_assert(ipmi_boot_step_ok(0, 0x80));
	ck_assert(!ipmi_boot_step_ok(1, 0x80));
	ck_assert(ipmi_boot_step_ok(2, 0x81));
	mgmt_free(m);
}
END_TEST

static Suite *
sdr_suite(void)
{
	Suite *s = suite_create("sdr");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_v4_full);
	tcase_add_test(tc, test_v4_reading);
	tcase_add_test(tc, test_status);
	tcase_add_test(tc, test_formats);
	tcase_add_test(tc, test_linearisation);
	tcase_add_test(tc, test_units);
	tcase_add_test(tc, test_state_text);
	tcase_add_test(tc, test_other_records);
	tcase_add_test(tc, test_full_truncated);
	tcase_add_test(tc, test_reader_plain);
	tcase_add_test(tc, test_reader_shrink);
	tcase_add_test(tc, test_reader_reserve);
	tcase_add_test(tc, test_reader_cache_and_errors);
	tcase_add_test(tc, test_bmcsim_sensors);
	tcase_add_test(tc, test_chassis);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sdr_suite)
