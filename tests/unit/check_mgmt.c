/* check_mgmt.c — the simulated managed server: power, identify, boot options, SDR, sensors, SEL, FRU. */
#include <check.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "tests/checkmain.h"
#include "tests/bmcsim/mgmt.h"
#include "tests/bmcsim/mgmt_int.h"

#define NF_CHASSIS 0x00
#define NF_SENSOR 0x04
#define NF_APP 0x06
#define NF_STORAGE 0x0a

struct fx {
	mgmt *m;
	int ups, downs, diags;
	char calls[64];		/* power calls in order: '1' on, '0' off */
	size_t ncalls;
	uint8_t rsp[256];
	size_t rlen;
	uint8_t priv;
};

static void
on_power(void *ctx, bool on)
{
	struct fx *f = ctx;

	if (on)
		f->ups++;
	else
		f->downs++;
	if (f->ncalls < sizeof(f->calls) - 1)
		f->calls[f->ncalls++] = on ? '1' : '0';
}

static void
on_diag(void *ctx)
{
	((struct fx *)ctx)->diags++;
}

static void
fx_init(struct fx *f, uint32_t index, bool on, uint32_t drift_ms)
{
	struct mgmt_config c;

	memset(f, 0, sizeof(*f));
	memset(&c, 0, sizeof(c));
	c.index = index;
	c.seed = 0x1234 + index;
	c.power_on = on;
	c.drift_ms = drift_ms;
	c.ctx = f;
	c.ops.power = on_power;
	c.ops.diag = on_diag;
	f->m = mgmt_new(&c);
	f->priv = 4;
	ck_assert_ptr_nonnull(f->m);
}

/* Send one request; returns the completion code. */
static int
cmd(struct fx *f, uint8_t netfn, uint8_t c, const uint8_t *d, size_t n,
    uint64_t now)
{
	struct bmc_request rq;

	memset(&rq, 0, sizeof(rq));
	rq.peer = 1;
	rq.bmc_sid = 0x100;
	rq.priv = f->priv;
	rq.netfn = netfn;
	rq.cmd = c;
	rq.data = d;
	rq.len = n;
	rq.now = now;
	memset(f->rsp, 0xee, sizeof(f->rsp));
	f->rlen = 999;
	return mgmt_command(f->m, &rq, f->rsp, sizeof(f->rsp), &f->rlen);
}

static int
control(struct fx *f, uint8_t op, uint64_t now)
{
	return cmd(f, NF_CHASSIS, 0x02, &op, 1, now);
}

static uint8_t
status(struct fx *f, int byte, uint64_t now)
{
	ck_assert_int_eq(cmd(f, NF_CHASSIS, 0x01, NULL, 0, now), 0);
	ck_assert_uint_eq(f->rlen, 4);
	return f->rsp[byte];
}

/* The newest SEL entry, through Get SEL Entry 0xFFFF. */
static void
last_sel(struct fx *f, uint8_t e[16])
{
	static const uint8_t rq[6] = { 0, 0, 0xff, 0xff, 0, 0xff };

	ck_assert_int_eq(cmd(f, NF_STORAGE, 0x43, rq, 6, 0), 0);
	ck_assert_uint_eq(f->rlen, 18);
	ck_assert_uint_eq(f->rsp[0] | f->rsp[1] << 8, 0xffff);
	memcpy(e, f->rsp + 2, 16);
}

START_TEST(test_size)
{
	/* 10,000 of them must be cheap: the SEL ring is most of it. */
	ck_assert_uint_le(sizeof(struct mgmt), 2048);
	mgmt_free(NULL);
}
END_TEST

START_TEST(test_device_id)
{
	struct fx f;

	fx_init(&f, 0, true, 1000);
	ck_assert_int_eq(cmd(&f, NF_APP, 0x01, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 15);
	ck_assert_uint_eq(f.rsp[0], 0x20);
	ck_assert_uint_eq(f.rsp[1] & 0x80, 0);		/* no device SDRs */
	ck_assert_uint_eq(f.rsp[2], MGMT_FW_MAJOR);
	ck_assert_uint_eq(f.rsp[3], MGMT_FW_MINOR);
	ck_assert_uint_eq(f.rsp[4], 0x02);
	ck_assert_uint_eq(f.rsp[5] & 0x0e, 0x0e);	/* FRU, SEL, SDR */
	ck_assert_uint_eq(f.rsp[5] & 0x80, 0x80);	/* chassis */
	ck_assert_uint_eq(f.rsp[6] | f.rsp[7] << 8 | f.rsp[8] << 16,
			  MGMT_MANUFACTURER_ID);
	ck_assert_uint_eq(f.rsp[9] | f.rsp[10] << 8, MGMT_PRODUCT_ID);
	ck_assert_int_eq(cmd(&f, NF_APP, 0x55, NULL, 0, 0), 0xc1);
	ck_assert_int_eq(cmd(&f, 0x2c, 0x00, NULL, 0, 0), 0xc1);
	mgmt_free(f.m);
}
END_TEST

START_TEST(test_power_on_off)
{
	struct fx f;
	uint8_t e[16];
	unsigned n0;

	fx_init(&f, 3, false, 1000);
	ck_assert(!mgmt_power_is_on(f.m));
	ck_assert_uint_eq(status(&f, 0, 0) & 0x01, 0);
	/* Only on/off make sense while off. */
	ck_assert_int_eq(control(&f, 2, 0), 0xd5);
	ck_assert_int_eq(control(&f, 3, 0), 0xd5);
	ck_assert_int_eq(control(&f, 5, 0), 0xd5);
	ck_assert_int_eq(control(&f, 9, 0), 0xcc);
	ck_assert_int_eq(f.ups + f.downs, 0);
	n0 = mgmt_sel_count(f.m);
	ck_assert_int_eq(control(&f, 1, 100), 0);
	ck_assert_int_eq(f.ups, 1);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_uint_eq(status(&f, 0, 100) & 0x01, 1);
	ck_assert_uint_eq(status(&f, 1, 100) & 0x10, 0x10);	/* by IPMI */
	/* The power event is in the SEL: ACPI S0/G0 asserted. */
	ck_assert_uint_eq(mgmt_sel_count(f.m), n0 + 1);
	last_sel(&f, e);
	ck_assert_uint_eq(e[2], 0x02);
	ck_assert_uint_eq(e[10], 0x22);
	ck_assert_uint_eq(e[11], MGMT_SENSOR_ACPI);
	ck_assert_uint_eq(e[12], 0x6f);
	ck_assert_uint_eq(e[13] & 0x0f, 0x00);
	/* On again: nothing happens. */
	ck_assert_int_eq(control(&f, 1, 200), 0);
	ck_assert_int_eq(f.ups, 1);
	ck_assert_int_eq(control(&f, 0, 300), 0);
	ck_assert_int_eq(f.downs, 1);
	ck_assert(!mgmt_power_is_on(f.m));
	last_sel(&f, e);
	ck_assert_uint_eq(e[13] & 0x0f, 0x05);		/* S5/G2 soft off */
	ck_assert_uint_eq(mgmt_sel_count(f.m), n0 + 2);
	/* From outside (the control channel): same effects. */
	mgmt_set_power(f.m, true, 400);
	ck_assert_int_eq(f.ups, 2);
	ck_assert_uint_eq(mgmt_sel_count(f.m), n0 + 3);
	ck_assert_str_eq(f.calls, "101");
	mgmt_free(f.m);
}
END_TEST

START_TEST(test_power_cycle_soft_reset)
{
	struct fx f;

	fx_init(&f, 0, true, 0);
	ck_assert_uint_eq(mgmt_deadline(f.m), BMC_NO_DEADLINE);
	/* Cycle: off now, on again after MGMT_CYCLE_MS. */
	ck_assert_int_eq(control(&f, 2, 1000), 0);
	ck_assert_str_eq(f.calls, "0");
	ck_assert(!mgmt_power_is_on(f.m));
	ck_assert_uint_eq(mgmt_deadline(f.m), 1000 + MGMT_CYCLE_MS);
	mgmt_tick(f.m, 1000 + MGMT_CYCLE_MS - 1);
	ck_assert(!mgmt_power_is_on(f.m));
	mgmt_tick(f.m, 1000 + MGMT_CYCLE_MS);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_str_eq(f.calls, "01");
	ck_assert_uint_eq(mgmt_deadline(f.m), BMC_NO_DEADLINE);
	/* Soft off: the OS takes a while to shut down. */
	ck_assert_int_eq(control(&f, 5, 5000), 0);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_uint_eq(mgmt_deadline(f.m), 5000 + MGMT_SOFT_OFF_MS);
	mgmt_tick(f.m, 5000 + MGMT_SOFT_OFF_MS - 1);
	ck_assert(mgmt_power_is_on(f.m));
	mgmt_tick(f.m, 5000 + MGMT_SOFT_OFF_MS);
	ck_assert(!mgmt_power_is_on(f.m));
	ck_assert_str_eq(f.calls, "010");
	/* Soft off, then a hard on before the OS finished: stays on. */
	ck_assert_int_eq(control(&f, 1, 10000), 0);
	ck_assert_int_eq(control(&f, 5, 10001), 0);
	ck_assert_int_eq(control(&f, 1, 10002), 0);
	mgmt_tick(f.m, 20000);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_str_eq(f.calls, "0101");
	/* Hard reset: the host goes silent and boots again. */
	ck_assert_int_eq(control(&f, 3, 21000), 0);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_str_eq(f.calls, "010101");
	/* Diagnostic interrupt reaches the host. */
	ck_assert_int_eq(control(&f, 4, 22000), 0);
	ck_assert_int_eq(f.diags, 1);
	/* Operator privilege needed. */
	f.priv = 2;
	ck_assert_int_eq(control(&f, 0, 23000), 0xd4);
	ck_assert(mgmt_power_is_on(f.m));
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x02, NULL, 0, 0), 0xd4);
	f.priv = 4;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x02, NULL, 0, 0), 0xc7);
	mgmt_free(f.m);
}
END_TEST

START_TEST(test_identify)
{
	struct fx f;
	uint8_t d[2];

	fx_init(&f, 0, true, 0);
	ck_assert_uint_eq(status(&f, 2, 0) & 0x70, 0x40);	/* supported, off */
	d[0] = 5;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x04, d, 1, 1000), 0);
	ck_assert_uint_eq(status(&f, 2, 1000) & 0x30, 0x10);	/* timed on */
	ck_assert_uint_eq(mgmt_deadline(f.m), 6000);
	mgmt_tick(f.m, 5999);
	ck_assert_uint_eq(status(&f, 2, 5999) & 0x30, 0x10);
	mgmt_tick(f.m, 6000);
	ck_assert_uint_eq(status(&f, 2, 6000) & 0x30, 0x00);
	ck_assert_uint_eq(mgmt_deadline(f.m), BMC_NO_DEADLINE);
	/* No data: the default 15 s. */
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x04, NULL, 0, 10000), 0);
	ck_assert_uint_eq(mgmt_deadline(f.m), 10000 + MGMT_IDENTIFY_S * 1000);
	/* Force: on until turned off. */
	d[0] = 0;
	d[1] = 1;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x04, d, 2, 11000), 0);
	mgmt_tick(f.m, 1000000);
	ck_assert_uint_eq(status(&f, 2, 1000000) & 0x30, 0x20);
	d[1] = 0;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x04, d, 2, 1000001), 0);
	ck_assert_uint_eq(status(&f, 2, 1000001) & 0x30, 0x00);
	d[1] = 2;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x04, d, 2, 1000002), 0xcc);
	mgmt_free(f.m);
}
END_TEST

static void
boot_get(struct fx *f, uint8_t param, size_t n, uint8_t *out)
{
	uint8_t d[3] = { param, 0, 0 };

	ck_assert_int_eq(cmd(f, NF_CHASSIS, 0x09, d, 3, 0), 0);
	ck_assert_uint_eq(f->rlen, 2 + n);
	ck_assert_uint_eq(f->rsp[0], 0x01);
	ck_assert_uint_eq(f->rsp[1], param);
	memcpy(out, f->rsp + 2, n);
}

START_TEST(test_boot_options)
{
	/* ipmitool chassis bootdev pxe options=efiboot: param 0, 4, 5. */
	static const uint8_t inprog[2] = { 0x00, 0x01 };
	static const uint8_t ack[3] = { 0x04, 0x01, 0x00 };
	static const uint8_t pxe[6] = { 0x05, 0xa0, 0x04, 0x00, 0x00, 0x00 };
	static const uint8_t disk[6] = { 0x05, 0xc0, 0x08, 0x00, 0x00, 0x00 };
	uint8_t out[16];
	struct fx f;

	fx_init(&f, 0, true, 0);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, inprog, 2, 0), 0);
	boot_get(&f, 0, 1, out);
	ck_assert_uint_eq(out[0], 0x01);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, ack, 3, 0), 0);
	boot_get(&f, 4, 2, out);
	ck_assert_uint_eq(out[1], 0x00);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, pxe, 6, 0), 0);
	boot_get(&f, 5, 5, out);
	ck_assert_mem_eq(out, pxe + 1, 5);
	/* Once: a boot uses it up (valid bit cleared). */
	ck_assert_int_eq(control(&f, 3, 100), 0);
	boot_get(&f, 5, 5, out);
	ck_assert_uint_eq(out[0], 0x20);
	ck_assert_uint_eq(out[1], 0x04);
	/* Persistent: survives boots. */
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, disk, 6, 0), 0);
	ck_assert_int_eq(control(&f, 2, 200), 0);
	mgmt_tick(f.m, 200 + MGMT_CYCLE_MS);
	ck_assert(mgmt_power_is_on(f.m));
	boot_get(&f, 5, 5, out);
	ck_assert_mem_eq(out, disk + 1, 5);
	/* Parameters 1-3 and 6 round trip; others are unsupported. */
	out[0] = 0x03;
	out[1] = 0x2a;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, out, 2, 0), 0);
	boot_get(&f, 3, 1, out);
	ck_assert_uint_eq(out[0], 0x2a);
	out[0] = 0x30;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, out, 2, 0), 0x80);
	out[0] = 0x30;
	out[1] = out[2] = 0;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x09, out, 3, 0), 0x80);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x08, pxe, 3, 0), 0xc7);
	mgmt_free(f.m);
}
END_TEST

/* An SDR walk like FreeIPMI's: header, then 16-byte chunks. */
struct sdr {
	uint8_t rec[32][64];
	size_t len[32];
	unsigned n;
};

static uint16_t
reserve(struct fx *f, uint8_t c)
{
	ck_assert_int_eq(cmd(f, NF_STORAGE, c, NULL, 0, 0), 0);
	ck_assert_uint_eq(f->rlen, 2);
	return (uint16_t)(f->rsp[0] | f->rsp[1] << 8);
}

static int
sdr_read(struct fx *f, uint16_t resv, uint16_t id, uint8_t off, uint8_t cnt)
{
	uint8_t d[6] = { (uint8_t)resv, (uint8_t)(resv >> 8), (uint8_t)id,
			 (uint8_t)(id >> 8), off, cnt };

	return cmd(f, NF_STORAGE, 0x23, d, 6, 0);
}

static void
sdr_walk(struct fx *f, struct sdr *s)
{
	uint16_t resv = reserve(f, 0x22), id = 0, next;
	size_t len, off, n;

	memset(s, 0, sizeof(*s));
	while (id != 0xffff) {
		ck_assert_uint_lt(s->n, 32);
		ck_assert_int_eq(sdr_read(f, resv, id, 0, 5), 0);
		ck_assert_uint_eq(f->rlen, 7);
		next = (uint16_t)(f->rsp[0] | f->rsp[1] << 8);
		memcpy(s->rec[s->n], f->rsp + 2, 5);
		ck_assert_uint_eq(s->rec[s->n][2], 0x51);
		len = 5 + (size_t)s->rec[s->n][4];
		ck_assert_uint_le(len, 64);
		for (off = 5; off < len; off += n) {
			n = len - off < 16 ? len - off : 16;
			ck_assert_int_eq(sdr_read(f, resv, id, (uint8_t)off,
						  (uint8_t)n), 0);
			ck_assert_uint_eq(f->rlen, 2 + n);
			ck_assert_uint_eq(f->rsp[0] | f->rsp[1] << 8, next);
			memcpy(s->rec[s->n] + off, f->rsp + 2, n);
		}
		s->len[s->n++] = len;
		id = next;
	}
}

START_TEST(test_sdr_walk)
{
	unsigned i, count, types[0x13] = { 0 };
	struct fx f;
	struct sdr s;
	uint16_t r1, r2;

	fx_init(&f, 0, true, 1000);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x20, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 14);
	ck_assert_uint_eq(f.rsp[0], 0x51);
	ck_assert_uint_eq(f.rsp[13] & 0x02, 0x02);
	count = (unsigned)(f.rsp[1] | f.rsp[2] << 8);
	sdr_walk(&f, &s);
	ck_assert_uint_eq(s.n, count);
	ck_assert_uint_eq(s.n, 2 + MGMT_NSENSORS);
	for (i = 0; i < s.n; i++) {
		ck_assert_uint_eq(s.rec[i][0] | s.rec[i][1] << 8, i + 1);
		ck_assert_uint_lt(s.rec[i][3], 0x13);
		types[s.rec[i][3]]++;
	}
	ck_assert_uint_eq(types[0x12], 1);	/* MC locator */
	ck_assert_uint_eq(types[0x11], 1);	/* FRU locator */
	ck_assert_uint_ge(types[0x01], 8);	/* full */
	ck_assert_uint_ge(types[0x02], 3);	/* compact */
	/* MC locator: the BMC; FRU locator: logical FRU 0 */
	ck_assert_uint_eq(s.rec[0][5], 0x20);
	ck_assert_uint_eq(s.rec[1][6], 0x00);
	ck_assert_uint_eq(s.rec[1][7] & 0x80, 0x80);
	/* A new reservation cancels the old one. */
	r1 = reserve(&f, 0x22);
	ck_assert_int_eq(sdr_read(&f, r1, 3, 5, 16), 0);
	r2 = reserve(&f, 0x22);
	ck_assert_uint_ne(r1, r2);
	ck_assert_int_eq(sdr_read(&f, r1, 3, 5, 16), 0xc5);
	ck_assert_int_eq(sdr_read(&f, r2, 3, 5, 16), 0);
	ck_assert_int_eq(sdr_read(&f, 0, 3, 5, 16), 0xc5);
	/* Whole-record reads work without one ... */
	ck_assert_int_eq(sdr_read(&f, 0, 3, 0, 64), 0);
	ck_assert_uint_eq(f.rlen, 2 + s.len[2]);
	ck_assert_mem_eq(f.rsp + 2, s.rec[2], s.len[2]);
	/* ... but "everything" (0xFF) is refused: clients fall back. */
	ck_assert_int_eq(sdr_read(&f, r2, 3, 0, 0xff), 0xca);
	ck_assert_int_eq(sdr_read(&f, r2, 999, 0, 5), 0xcb);
	ck_assert_int_eq(sdr_read(&f, r2, 3, 200, 5), 0xc9);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x23, NULL, 0, 0), 0xc7);
	/* 0xFFFF is the last record. */
	ck_assert_int_eq(sdr_read(&f, r2, 0xffff, 0, 5), 0);
	ck_assert_uint_eq(f.rsp[2] | f.rsp[3] << 8, s.n);
	mgmt_free(f.m);
}
END_TEST

static double
pow10i(int e)
{
	double v = 1;

	for (; e > 0; e--)
		v *= 10;
	for (; e < 0; e++)
		v /= 10;
	return v;
}

static int
sign_extend(unsigned v, unsigned bits)
{
	return (v & (1u << (bits - 1))) ? (int)v - (1 << bits) : (int)v;
}

/* value = (M x + B 10^Bexp) 10^Rexp, from the record's own bytes. */
static double
decode(const uint8_t *r, uint8_t raw)
{
	int m = sign_extend(r[24] | (r[25] & 0xc0) << 2, 10);
	int b = sign_extend(r[26] | (r[27] & 0xc0) << 2, 10);
	int rexp = sign_extend(r[29] >> 4, 4), bexp = sign_extend(r[29] & 15, 4);

	return (m * raw + b * pow10i(bexp)) * pow10i(rexp);
}

static void
check_range(const uint8_t *r, double v)
{
	char name[17] = { 0 };

	memcpy(name, r + 48, r[47] & 0x1f);
	switch (r[21]) {
	case 1:		/* degrees C */
		ck_assert_msg(v > 10 && v < 70, "%s %f", name, v);
		break;
	case 4:		/* volts */
		if (strcmp(name, "12V") == 0)
			ck_assert_msg(v > 11.4 && v < 12.6, "%s %f", name, v);
		else if (strcmp(name, "5V") == 0)
			ck_assert_msg(v > 4.75 && v < 5.25, "%s %f", name, v);
		else
			ck_assert_msg(v > 3.13 && v < 3.47, "%s %f", name, v);
		break;
	case 6:		/* watts */
		ck_assert_msg(v > 100 && v < 400, "%s %f", name, v);
		break;
	case 18:	/* RPM */
		ck_assert_msg(v > 5000 && v < 10000, "%s %f", name, v);
		break;
	default:
		ck_abort_msg("%s: unit %u", name, r[21]);
	}
}

START_TEST(test_sensor_readings)
{
	static const uint8_t want_names = 10;
	struct fx f;
	struct sdr s;
	unsigned i, full = 0, changed = 0;
	uint64_t t;
	uint8_t first[32];

	fx_init(&f, 5, true, 1000);
	sdr_walk(&f, &s);
	for (t = 0; t <= 600000; t += 7000) {
		for (i = 0; i < s.n; i++) {
			const uint8_t *r = s.rec[i];

			if (r[3] != 0x01 && r[3] != 0x02)
				continue;
			ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x2d, r + 7, 1, t), 0);
			ck_assert_uint_eq(f.rlen, 4);
			ck_assert_uint_eq(f.rsp[1] & 0xe0, 0xc0);
			if (r[3] != 0x01)
				continue;
			if (t == 0) {
				full++;
				first[i] = f.rsp[0];
			} else if (f.rsp[0] != first[i]) {
				changed++;
			}
			ck_assert_uint_eq(f.rsp[2] & 0x3f, 0);	/* all ok */
			check_range(r, decode(r, f.rsp[0]));
		}
	}
	ck_assert_uint_eq(full, want_names);
	ck_assert_uint_gt(changed, 0);			/* it drifts */
	/* The formula itself, on CPU Temp: x - 40. */
	ck_assert(decode(s.rec[2], 85) > 44.9 && decode(s.rec[2], 85) < 45.1);
	/* Thresholds agree with the record. */
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x27, s.rec[2] + 7, 1, 0), 0);
	ck_assert_uint_eq(f.rlen, 7);
	ck_assert_uint_eq(f.rsp[0], s.rec[2][18]);
	ck_assert_uint_eq(f.rsp[4], s.rec[2][38]);	/* UNC */
	ck_assert_uint_eq(f.rsp[5], s.rec[2][37]);	/* UC */
	ck_assert_uint_eq(f.rsp[6], s.rec[2][36]);	/* UNR */
	/* Unknown sensors and discrete thresholds. */
	first[0] = 0x99;
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x2d, first, 1, 0), 0xcb);
	first[0] = MGMT_SENSOR_PSU1;
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x27, first, 1, 0), 0xcd);
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x2d, first, 1, 0), 0);
	ck_assert_uint_eq(f.rsp[2], 0x01);		/* PSU present */
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x2d, NULL, 0, 0), 0xc7);
	mgmt_free(f.m);
}
END_TEST

START_TEST(test_drift_deterministic)
{
	struct fx a, b, c;
	uint8_t num = MGMT_SENSOR_CPU_TEMP, ra, rb;
	unsigned diff = 0;
	uint64_t t;

	fx_init(&a, 9, true, 1000);
	fx_init(&b, 9, true, 1000);
	fx_init(&c, 10, true, 1000);
	for (t = 0; t < 300000; t += 1000) {
		ck_assert_int_eq(cmd(&a, NF_SENSOR, 0x2d, &num, 1, t), 0);
		ra = a.rsp[0];
		ck_assert_int_eq(cmd(&b, NF_SENSOR, 0x2d, &num, 1, t), 0);
		rb = b.rsp[0];
		ck_assert_uint_eq(ra, rb);
		ck_assert_int_eq(cmd(&c, NF_SENSOR, 0x2d, &num, 1, t), 0);
		diff += c.rsp[0] != ra;
		mgmt_tick(a.m, t);
	}
	ck_assert_uint_gt(diff, 0);
	/* Drift stays inside the thresholds: no SEL entries. */
	ck_assert_uint_eq(mgmt_sel_count(a.m), 0);
	ck_assert_uint_eq(mgmt_deadline(a.m), 300000);
	mgmt_free(a.m);
	mgmt_free(b.m);
	mgmt_free(c.m);
}
END_TEST

START_TEST(test_threshold_sel)
{
	struct fx f;
	uint8_t e[16], num = MGMT_SENSOR_CPU_TEMP;
	uint32_t ts;

	fx_init(&f, 0, true, 1000);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 0);
	/* 126 = 86 C: over UNC (125), under UC (135): one event. */
	ck_assert_int_eq(mgmt_set_sensor_raw(f.m, num, 126, 5000), 0);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 1);
	last_sel(&f, e);
	ck_assert_uint_eq(e[0] | e[1] << 8, 1);
	ck_assert_uint_eq(e[2], 0x02);
	ts = (uint32_t)(e[3] | e[4] << 8 | e[5] << 16 | (uint32_t)e[6] << 24);
	ck_assert_uint_ge(ts, (uint32_t)time(NULL) - 60);
	ck_assert_uint_le(ts, (uint32_t)time(NULL) + 60);
	ck_assert_uint_eq(e[7] | e[8] << 8, 0x0020);
	ck_assert_uint_eq(e[9], 0x04);
	ck_assert_uint_eq(e[10], 0x01);			/* temperature */
	ck_assert_uint_eq(e[11], num);
	ck_assert_uint_eq(e[12], 0x01);			/* asserted, threshold */
	ck_assert_uint_eq(e[13], 0x57);			/* UNC going high */
	ck_assert_uint_eq(e[14], 126);
	ck_assert_uint_eq(e[15], 125);
	/* The reading says so too, and ticks add nothing more. */
	ck_assert_int_eq(cmd(&f, NF_SENSOR, 0x2d, &num, 1, 6000), 0);
	ck_assert_uint_eq(f.rsp[0], 126);
	ck_assert_uint_eq(f.rsp[2], 0x08);
	mgmt_tick(f.m, 6000);
	mgmt_tick(f.m, 60000);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 1);
	/* Released: back to normal, deasserted. */
	mgmt_release_sensor(f.m, num, 61000);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 2);
	last_sel(&f, e);
	ck_assert_uint_eq(e[12], 0x81);
	ck_assert_uint_eq(e[13], 0x57);
	/* A fan stopping crosses all three lower thresholds. */
	ck_assert_int_eq(mgmt_set_sensor_raw(f.m, MGMT_SENSOR_FAN1, 5, 62000), 0);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 5);
	last_sel(&f, e);
	ck_assert_uint_eq(e[10], 0x04);
	ck_assert_uint_eq(e[13], 0x54);			/* LNR going low */
	/* Discrete: a PSU failure. */
	ck_assert_int_eq(mgmt_set_sensor_raw(f.m, MGMT_SENSOR_PSU1, 0x03, 63000),
			 0);
	ck_assert_uint_eq(mgmt_sel_count(f.m), 6);
	last_sel(&f, e);
	ck_assert_uint_eq(e[10], 0x08);
	ck_assert_uint_eq(e[12], 0x6f);
	ck_assert_uint_eq(e[13], 0x01);
	ck_assert_int_eq(mgmt_set_sensor_raw(f.m, 0x99, 1, 0), -1);
	mgmt_free(f.m);
}
END_TEST

static int
sel_read(struct fx *f, uint16_t resv, uint16_t id, uint8_t off, uint8_t cnt)
{
	uint8_t d[6] = { (uint8_t)resv, (uint8_t)(resv >> 8), (uint8_t)id,
			 (uint8_t)(id >> 8), off, cnt };

	return cmd(f, NF_STORAGE, 0x43, d, 6, 0);
}

START_TEST(test_sel)
{
	uint8_t rec[16] = { 0 }, clr[6] = { 0, 0, 'C', 'L', 'R', 0xaa };
	unsigned i, n;
	uint16_t resv, id, ids[80];
	struct fx f;
	uint32_t t;

	fx_init(&f, 0, true, 1000);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x40, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 14);
	ck_assert_uint_eq(f.rsp[0], 0x51);
	ck_assert_uint_eq(f.rsp[1] | f.rsp[2] << 8, 0);
	ck_assert_uint_eq(f.rsp[3] | f.rsp[4] << 8, MGMT_SEL_CAP * 16);
	ck_assert_int_eq(sel_read(&f, 0, 0, 0, 0xff), 0xcb);	/* empty */
	rec[2] = 0x02;
	rec[10] = 0x07;
	for (i = 0; i < 3; i++) {
		rec[13] = (uint8_t)i;
		ids[i] = (uint16_t)mgmt_sel_add(f.m, rec, 1000 * i);
	}
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x40, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rsp[1] | f.rsp[2] << 8, 3);
	/* Walk: 0 first, next ids, 0xFFFF at the end. */
	for (id = 0, n = 0; id != 0xffff; n++) {
		ck_assert_int_eq(sel_read(&f, 0, id, 0, 0xff), 0);
		ck_assert_uint_eq(f.rlen, 18);
		ck_assert_uint_eq(f.rsp[2] | f.rsp[3] << 8, ids[n]);
		ck_assert_uint_eq(f.rsp[15], n);
		id = (uint16_t)(f.rsp[0] | f.rsp[1] << 8);
	}
	ck_assert_uint_eq(n, 3);
	/* Partial reads need the current reservation. */
	ck_assert_int_eq(sel_read(&f, 0, ids[1], 13, 3), 0xc5);
	resv = reserve(&f, 0x42);
	ck_assert_int_eq(sel_read(&f, resv, ids[1], 13, 3), 0);
	ck_assert_uint_eq(f.rlen, 5);
	ck_assert_uint_eq(f.rsp[2], 0x01);
	ck_assert_uint_eq(reserve(&f, 0x42), (uint16_t)(resv + 1));
	ck_assert_int_eq(sel_read(&f, resv, ids[1], 13, 3), 0xc5);
	ck_assert_int_eq(sel_read(&f, 0, 0x4242, 0, 0xff), 0xcb);
	/* Clear: reservation, 'CLR', initiate, then status. */
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x47, clr, 6, 5000), 0xc5);
	resv = reserve(&f, 0x42);
	clr[0] = (uint8_t)resv;
	clr[1] = (uint8_t)(resv >> 8);
	clr[2] = 'X';
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x47, clr, 6, 5000), 0xcc);
	clr[2] = 'C';
	f.priv = 2;
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x47, clr, 6, 5000), 0xd4);
	f.priv = 4;
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x47, clr, 6, 5000), 0);
	ck_assert_uint_eq(f.rsp[0] & 0x0f, 0x01);
	clr[5] = 0x00;
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x47, clr, 6, 5001), 0);
	ck_assert_uint_eq(f.rsp[0] & 0x0f, 0x01);
	/* Only the "log area reset/cleared" entry remains. */
	ck_assert_uint_eq(mgmt_sel_count(f.m), 1);
	ck_assert_int_eq(sel_read(&f, 0, 0, 0, 0xff), 0);
	ck_assert_uint_eq(f.rsp[2 + 10], 0x10);
	ck_assert_uint_eq(f.rsp[2 + 13], 0x02);
	/* Add SEL Entry, then a full ring: the oldest go. */
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x44, rec, 16, 6000), 0);
	ck_assert_uint_eq(f.rlen, 2);
	for (i = 0; i < 70; i++)
		mgmt_sel_add(f.m, rec, 7000);
	ck_assert_uint_eq(mgmt_sel_count(f.m), MGMT_SEL_CAP);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x40, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rsp[1] | f.rsp[2] << 8, MGMT_SEL_CAP);
	ck_assert_uint_eq(f.rsp[3] | f.rsp[4] << 8, 0);
	ck_assert_uint_eq(f.rsp[13] & 0x80, 0x80);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x41, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 9);
	/* SEL time is wall-clock time. */
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x48, NULL, 0, 0), 0);
	t = (uint32_t)(f.rsp[0] | f.rsp[1] << 8 | f.rsp[2] << 16 |
		       (uint32_t)f.rsp[3] << 24);
	ck_assert_uint_ge(t, (uint32_t)time(NULL) - 60);
	ck_assert_uint_le(t, (uint32_t)time(NULL) + 60);
	mgmt_free(f.m);
}
END_TEST

static uint8_t
sum8(const uint8_t *p, size_t n)
{
	uint8_t s = 0;

	while (n-- > 0)
		s = (uint8_t)(s + *p++);
	return s;
}

/* Read FRU 0 in 16-byte chunks, as FreeIPMI does. */
static size_t
fru_read(struct fx *f, uint8_t *img, size_t cap)
{
	uint8_t d[4] = { 0, 0, 0, 16 };
	size_t size, off;

	ck_assert_int_eq(cmd(f, NF_STORAGE, 0x10, d, 1, 0), 0);
	ck_assert_uint_eq(f->rlen, 3);
	size = (size_t)(f->rsp[0] | f->rsp[1] << 8);
	ck_assert_uint_le(size, cap);
	for (off = 0; off < size; off += 16) {
		d[1] = (uint8_t)off;
		d[2] = (uint8_t)(off >> 8);
		ck_assert_int_eq(cmd(f, NF_STORAGE, 0x11, d, 4, 0), 0);
		ck_assert_uint_eq(f->rsp[0], 16);
		memcpy(img + off, f->rsp + 1, 16);
	}
	return size;
}

/* The n-th type/length field of the area at a, after skip fixed bytes. */
static void
fru_field(const uint8_t *a, size_t skip, unsigned n, char *out)
{
	const uint8_t *p = a + skip;

	while (n-- > 0)
		p += 1 + (*p & 0x3f);
	ck_assert_uint_eq(*p & 0xc0, 0xc0);
	memcpy(out, p + 1, *p & 0x3f);
	out[*p & 0x3f] = '\0';
}

START_TEST(test_fru)
{
	uint8_t img[512], img2[512], d[4] = { 1, 0, 0, 16 };
	char s[64], want[64];
	size_t size, i;
	struct fx f, g;

	fx_init(&f, 42, true, 1000);
	size = fru_read(&f, img, sizeof(img));
	ck_assert_uint_eq(img[0], 0x01);
	ck_assert_uint_eq(sum8(img, 8), 0);
	for (i = 2; i <= 4; i++) {		/* chassis, board, product */
		const uint8_t *a = img + img[i] * 8;

		ck_assert_uint_ne(img[i], 0);
		ck_assert_uint_le(img[i] * 8 + a[1] * 8, size);
		ck_assert_uint_eq(a[0], 0x01);
		ck_assert_uint_eq(sum8(a, a[1] * 8), 0);
	}
	fru_field(img + img[3] * 8, 6, 0, s);
	ck_assert_str_eq(s, MGMT_FRU_MFG);
	fru_field(img + img[3] * 8, 6, 1, s);
	ck_assert_str_eq(s, MGMT_FRU_BOARD_PRODUCT);
	fru_field(img + img[3] * 8, 6, 2, s);
	snprintf(want, sizeof(want), MGMT_FRU_BOARD_SERIAL_FMT, 42u);
	ck_assert_str_eq(s, want);
	fru_field(img + img[3] * 8, 6, 3, s);
	ck_assert_str_eq(s, MGMT_FRU_BOARD_PART);
	fru_field(img + img[4] * 8, 3, 4, s);
	snprintf(want, sizeof(want), MGMT_FRU_PRODUCT_SERIAL_FMT, 42u);
	ck_assert_str_eq(s, want);
	fru_field(img + img[2] * 8, 3, 1, s);
	snprintf(want, sizeof(want), MGMT_FRU_CHASSIS_SERIAL_FMT, 42u);
	ck_assert_str_eq(s, want);
	/* Another BMC: another serial, same layout. */
	fx_init(&g, 43, true, 1000);
	ck_assert_uint_eq(fru_read(&g, img2, sizeof(img2)), size);
	ck_assert_mem_eq(img2, img, 8);
	ck_assert(memcmp(img2, img, size) != 0);
	/* Only FRU 0; reads past the end are clipped or refused. */
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x10, d, 1, 0), 0xcb);
	d[0] = 0;
	d[1] = (uint8_t)(size - 4);
	d[2] = (uint8_t)((size - 4) >> 8);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x11, d, 4, 0), 0);
	ck_assert_uint_eq(f.rsp[0], 4);
	d[1] = (uint8_t)size;
	d[2] = (uint8_t)(size >> 8);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x11, d, 4, 0), 0xc9);
	ck_assert_int_eq(cmd(&f, NF_STORAGE, 0x11, d, 3, 0), 0xc7);
	mgmt_free(f.m);
	mgmt_free(g.m);
}
END_TEST

START_TEST(test_caps_poh)
{
	struct fx f;
	uint8_t d;

	fx_init(&f, 0, false, 0);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x00, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 5);
	ck_assert_uint_eq(f.rsp[1], 0x20);
	ck_assert_int_eq(control(&f, 1, 60000), 0);
	ck_assert_int_eq(control(&f, 0, 60000 + 3 * 60000), 0);
	ck_assert_int_eq(control(&f, 1, 1000000), 0);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x0f, NULL, 0, 1000000 + 120000),
			 0);
	ck_assert_uint_eq(f.rlen, 5);
	ck_assert_uint_eq(f.rsp[1], 5);		/* minutes powered on */
	/* Restart cause: by command now. */
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x07, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rlen, 2);
	ck_assert_uint_eq(f.rsp[0], 0x01);
	mgmt_free(f.m);
	/* A server that started powered on counts from the first clock it
	 * sees, not from clock 0; its restart cause is the policy. */
	fx_init(&f, 0, true, 0);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x07, NULL, 0, 7200000), 0);
	ck_assert_uint_eq(f.rsp[0], 0x07);
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x0f, NULL, 0, 7200000 + 60000),
			 0);
	ck_assert_uint_eq(f.rsp[1], 1);
	/* Power restore policy: set, reflected in Chassis Status. */
	ck_assert_uint_eq(status(&f, 0, 0) & 0x60, 0x20);	/* previous */
	d = 2;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x06, &d, 1, 0), 0);
	ck_assert_uint_eq(f.rsp[0], 0x07);
	ck_assert_uint_eq(status(&f, 0, 0) & 0x60, 0x40);	/* always on */
	d = 3;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x06, &d, 1, 0), 0);
	ck_assert_uint_eq(status(&f, 0, 0) & 0x60, 0x40);
	d = 5;
	ck_assert_int_eq(cmd(&f, NF_CHASSIS, 0x06, &d, 1, 0), 0xcc);
	/* Self test: passed. */
	ck_assert_int_eq(cmd(&f, NF_APP, 0x04, NULL, 0, 0), 0);
	ck_assert_uint_eq(f.rsp[0], 0x55);
	mgmt_free(f.m);
}
END_TEST

/* Random requests: never a crash, an overrun (ASan) or an answer
 * longer than the room given. */
START_TEST(test_garbage)
{
	static const uint8_t netfns[] = { 0x00, 0x04, 0x06, 0x0a, 0x0c };
	uint8_t data[40], rsp[32 + 8];
	struct bmc_request rq;
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	struct fx f;
	size_t rlen, j;
	int i, cc;

	fx_init(&f, 1, true, 1000);
	for (i = 0; i < 200000; i++) {
		x ^= x << 13;
		x ^= x >> 7;
		x ^= x << 17;
		memset(&rq, 0, sizeof(rq));
		rq.netfn = netfns[x % sizeof(netfns)];
		rq.cmd = (uint8_t)(x >> 8);
		if (rq.netfn == 0x0a && (x & 0x10000))
			rq.cmd = (uint8_t)(0x10 + ((x >> 8) & 0x3f));
		rq.len = (size_t)((x >> 20) % (sizeof(data) + 1));
		rq.priv = (uint8_t)(1 + (x >> 28) % 4);
		rq.now = (uint64_t)i * 50;
		for (j = 0; j < rq.len; j++)
			data[j] = (uint8_t)(x >> (j % 56));
		/* Data at the very end of the buffer: ASan sees overreads. */
		rq.data = rq.len ? data + sizeof(data) - rq.len : NULL;
		memset(rsp, 0xa5, sizeof(rsp));
		rlen = 0;
		cc = mgmt_command(f.m, &rq, rsp, 32, &rlen);
		ck_assert_int_ge(cc, 0);
		ck_assert_int_le(cc, 0xff);
		if (cc == 0)
			ck_assert_uint_le(rlen, 32);
		for (j = 32; j < sizeof(rsp); j++)
			ck_assert_uint_eq(rsp[j], 0xa5);
		if ((i & 1023) == 0)
			mgmt_tick(f.m, rq.now);
	}
	mgmt_free(f.m);
}
END_TEST

static Suite *
mgmt_suite(void)
{
	Suite *s = suite_create("mgmt");
	TCase *tc = tcase_create("core");

	/* Only a guard against a hang: the garbage walk takes seconds under
	 * ASan on a busy CI machine, past Check's 4 s default. */
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_size);
	tcase_add_test(tc, test_device_id);
	tcase_add_test(tc, test_power_on_off);
	tcase_add_test(tc, test_power_cycle_soft_reset);
	tcase_add_test(tc, test_identify);
	tcase_add_test(tc, test_boot_options);
	tcase_add_test(tc, test_sdr_walk);
	tcase_add_test(tc, test_sensor_readings);
	tcase_add_test(tc, test_drift_deterministic);
	tcase_add_test(tc, test_threshold_sel);
	tcase_add_test(tc, test_sel);
	tcase_add_test(tc, test_fru);
	tcase_add_test(tc, test_caps_poh);
	tcase_add_test(tc, test_garbage);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(mgmt_suite)
