/* check_sel.c — SEL record decoding and text, and the SEL read/clear reader against scripted replies and the simulated BMC (sol/sel.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/checkmain.h"
#include "sol/mgmt.h"
#include "sol/ipmi.h"
#include "tests/bmcsim/mgmt.h"
#include "tests/bmcsim/mgmt_int.h"

/* V4: "Upper Non-critical going high", asserted, trigger 0x75,
 * threshold 0x70, pre-init timestamp 1496. */
static const uint8_t v4_sel[16] = {
	0x01, 0x00, 0x02, 0xd8, 0x05, 0x00, 0x00, 0x20, 0x00, 0x04,
	0x01, 0x01, 0x01, 0x57, 0x75, 0x70,
};
static const char v4_sdr_hex[] =
    "010051013320000103017f480101800a800a3838000100000200f6c000f10000"
    "0000ff00a090700000000000000000c84350552054656d70";

START_TEST(test_v4_record)
{
	struct ipmi_sel_rec e;
	struct ipmi_sdr s;
	uint8_t rec[64];
	char buf[256];
	unsigned v, i;
	double t;

	ck_assert_int_eq(ipmi_sel_decode(v4_sel, 16, &e), 0);
	ck_assert_uint_eq(e.id, 1);
	ck_assert_uint_eq(e.type, 0x02);
	ck_assert_int_eq(e.kind, IPMI_SEL_SYSTEM);
	ck_assert(e.has_ts);
	ck_assert_uint_eq(e.ts, 1496);
	ck_assert_uint_eq(e.generator, 0x0020);
	ck_assert_uint_eq(e.evm_rev, 0x04);
	ck_assert_uint_eq(e.sensor_type, 0x01);
	ck_assert_uint_eq(e.sensor_num, 0x01);
	ck_assert_uint_eq(e.event_type, 0x01);
	ck_assert(e.assert);
	ck_assert_uint_eq(e.offset, 7);
	ck_assert_uint_eq(e.ed2_use, 1);	/* trigger reading */
	ck_assert_uint_eq(e.ed3_use, 1);	/* trigger threshold */
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Upper Non-critical going high");
	/* trigger and threshold through the sensor's SDR */
	for (i = 0; i < 56; i++) {
		ck_assert_int_eq(sscanf(v4_sdr_hex + 2 * i, "%2x", &v), 1);
		rec[i] = (uint8_t)v;
	}
	ck_assert_int_eq(ipmi_sdr_parse(rec, 56, &s), 0);
	ck_assert_int_eq(ipmi_sensor_convert(&s, e.ed[1], &t), IPMI_CONV_OK);
	ck_assert_double_eq_tol(t, 13.4, 1e-9);
	ck_assert_int_eq(ipmi_sensor_convert(&s, e.ed[2], &t), IPMI_CONV_OK);
	ck_assert_double_eq_tol(t, 12.4, 1e-9);
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Reading 13.40 > Threshold 12.40 degrees C");
	e.offset = 0;		/* a "going low" one */
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Reading 13.40 < Threshold 12.40 degrees C");
	e.assert = false;	/* deasserted: ipmitool 1.8.19 turns it round */
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Reading 13.40 > Threshold 12.40 degrees C");
	e.offset = 7;
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Reading 13.40 < Threshold 12.40 degrees C");
	e.assert = true;
	e.ed3_use = 0;		/* no threshold in ED3: the reading alone */
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), 0);
	ck_assert_str_eq(buf, "Reading 13.40");
	e.ed2_use = 0;		/* no trigger reading either */
	ck_assert_int_eq(ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf)), -1);
	ck_assert_str_eq(buf, "");
	e.ed2_use = 1;
	e.ed3_use = 1;
	ipmi_sel_time_str(e.ts, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Pre-Init | 0000001496");
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Pre-Init | 0000001496 | Temperature #0x01 | "
			 "Upper Non-critical going high | Asserted");
	for (i = 0; i < 16; i++)
		ck_assert_int_eq(ipmi_sel_decode(v4_sel, i, &e), -1);
	ck_assert_int_eq(ipmi_sel_decode(NULL, 16, &e), -1);
}
END_TEST

START_TEST(test_times_and_kinds)
{
	uint8_t r[16];
	struct ipmi_sel_rec e;
	char buf[256];

	ipmi_sel_time_str(0xffffffffu, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Unspecified | Unspecified");
	ipmi_sel_time_str(0x20000000u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Pre-Init | 0536870912");
	ipmi_sel_time_str(0x20000001u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "01/05/1987 | 18:48:33");
	ipmi_sel_time_str(1700000000u, buf, sizeof(buf));
	ck_assert_str_eq(buf, "11/14/2023 | 22:13:20");

	/* deassertion, sensor-specific: power supply failure */
	memcpy(r, v4_sel, 16);
	r[3] = 0x00; r[4] = 0xf1; r[5] = 0x53; r[6] = 0x65;	/* 1700000000 */
	r[10] = 0x08;
	r[11] = 0x60;
	r[12] = 0x80 | 0x6f;
	r[13] = 0x01;
	ck_assert_int_eq(ipmi_sel_decode(r, 16, &e), 0);
	ck_assert(!e.assert);
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "11/14/2023 | 22:13:20 | Power Supply #0x60 | "
			 "Failure detected | Deasserted");
	/* an offset no table knows */
	r[13] = 0x0e;
	ipmi_sel_decode(r, 16, &e);
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Unknown event 0x08/0x6f offset 0x0e");

	/* OEM with timestamp: C0-DF */
	memset(r, 0, 16);
	r[0] = 0x05;
	r[2] = 0xc1;
	r[3] = 0xd8; r[4] = 0x05;
	r[7] = 0x57; r[8] = 0x01; r[9] = 0x00;	/* manufacturer 343 */
	r[10] = 0xaa; r[15] = 0xbb;
	ck_assert_int_eq(ipmi_sel_decode(r, 16, &e), 0);
	ck_assert_int_eq(e.kind, IPMI_SEL_OEM_TS);
	ck_assert_uint_eq(e.manufacturer, 343);
	ck_assert_uint_eq(e.ts, 1496);
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Pre-Init | 0000001496 | OEM record c1 | "
			 "570100aa00000000bb");
	/* OEM without: E0-FF, all 13 bytes raw */
	r[2] = 0xe0;
	ck_assert_int_eq(ipmi_sel_decode(r, 16, &e), 0);
	ck_assert_int_eq(e.kind, IPMI_SEL_OEM);
	ck_assert(!e.has_ts);
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OEM record e0 | d80500005701"
			 "00aa00000000bb");
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "OEM record e0");
	/* reserved record type */
	r[2] = 0x10;
	ck_assert_int_eq(ipmi_sel_decode(r, 16, &e), 0);
	ck_assert_int_eq(e.kind, IPMI_SEL_UNKNOWN);
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "OEM record 10"));
	/* small buffers are not overrun */
	ipmi_sel_line(&e, buf, 5);
	ck_assert_uint_eq(strlen(buf), 4);
}
END_TEST

/* A scripted SEL: n entries with ids 10, 20, 30...; faults. */
struct fsel {
	unsigned n;
	uint16_t resv;
	unsigned gets, clears, c5_count, busy_polls;
	bool whole_ca;		/* 0xCA on whole-record reads */
	unsigned max_len;
	bool no_reserve;	/* Reserve answers 0xC1 */
	uint8_t rsp[32];
};

static void
fsel_rec(unsigned i, uint8_t *out)
{
	memcpy(out, v4_sel, 16);
	out[0] = (uint8_t)(10 * (i + 1));
	out[1] = 0;
	out[15] = (uint8_t)i;
}

static int
fsel_answer(struct fsel *f, const struct ipmi_mreq *q, size_t *len)
{
	uint8_t rec[16];
	unsigned id, off, cnt, i;

	*len = 0;
	ck_assert_uint_eq(q->netfn, IPMI_NETFN_STORAGE);
	switch (q->cmd) {
	case 0x40:
		memset(f->rsp, 0, 14);
		f->rsp[0] = 0x51;
		f->rsp[1] = (uint8_t)f->n;
		f->rsp[13] = 0x02;
		*len = 14;
		return 0;
	case 0x42:
		if (f->no_reserve)
			return 0xc1;
		f->resv++;
		f->rsp[0] = (uint8_t)f->resv;
		f->rsp[1] = 0;
		*len = 2;
		return 0;
	case 0x47:
		ck_assert_uint_eq(q->len, 6);
		ck_assert_mem_eq(q->data + 2, "CLR", 3);
		if (f->c5_count > 0) {
			f->c5_count--;
			f->resv++;
		}
		if ((q->data[0] | q->data[1] << 8) != f->resv)
			return 0xc5;
		f->clears++;
		if (q->data[5] == 0xaa)
			f->n = 0;
		else
			ck_assert_uint_eq(q->data[5], 0x00);
		f->rsp[0] = f->busy_polls > 0 ? 0x00 : 0x01;
		if (f->busy_polls > 0)
			f->busy_polls--;
		*len = 1;
		return 0;
	}
	ck_assert_uint_eq(q->cmd, 0x43);
	f->gets++;
	id = (unsigned)(q->data[2] | q->data[3] << 8);
	off = q->data[4];
	cnt = q->data[5];
	if (cnt != 0xff || off != 0) {
		if (f->c5_count > 0) {
			f->c5_count--;
			f->resv++;
		}
		if ((q->data[0] | q->data[1] << 8) != f->resv)
			return 0xc5;
		if (cnt > f->max_len)
			return 0xca;
	} else if (f->whole_ca) {
		return 0xca;
	}
	if (f->n == 0)
		return 0xcb;
	i = id == 0 ? 0 : id == 0xffff ? f->n - 1 : id / 10 - 1;
	if (id % 10 != 0 || i >= f->n)
		return 0xcb;
	fsel_rec(i, rec);
	if (cnt == 0xff)
		cnt = 16;
	if (off + cnt > 16)
		cnt = 16 - off;
	id = i + 1 < f->n ? 10 * (i + 2) : 0xffff;
	f->rsp[0] = (uint8_t)id;
	f->rsp[1] = (uint8_t)(id >> 8);
	memcpy(f->rsp + 2, rec + off, cnt);
	*len = 2 + cnt;
	return 0;
}

static int
run_fsel(ipmi_sel_reader *r, struct fsel *f, unsigned max)
{
	struct ipmi_mreq q;
	size_t len;
	int rc, cc;

	while ((rc = ipmi_sel_reader_next(r, &q)) == IPMI_RD_REQ) {
		ck_assert_uint_gt(max--, 0);
		cc = fsel_answer(f, &q, &len);
		ipmi_sel_reader_feed(r, cc, f->rsp, len);
	}
	return rc;
}

static void
check_entries(ipmi_sel_reader *r, unsigned first, unsigned n)
{
	uint8_t rec[16];
	unsigned i;

	ck_assert_uint_eq(ipmi_sel_reader_count(r), n);
	for (i = 0; i < n; i++) {
		fsel_rec(first + i, rec);
		ck_assert_mem_eq(ipmi_sel_reader_entry(r, i), rec, 16);
	}
	ck_assert_ptr_null(ipmi_sel_reader_entry(r, n));
}

START_TEST(test_reader_scripted)
{
	struct fsel f;
	ipmi_sel_reader *r;

	/* whole-record reads */
	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.max_len = 255;
	r = ipmi_sel_reader_new(false);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	check_entries(r, 0, 5);
	ck_assert_uint_eq(ipmi_sel_reader_info(r)->entries, 5);
	ck_assert_uint_eq(ipmi_sel_reader_requests(r), 2 + 5);
	ipmi_sel_reader_free(r);
	/* whole reads refused, partial reads of at most 6 bytes, and the
	 * reservation cancelled twice on the way */
	memset(&f, 0, sizeof(f));
	f.n = 4;
	f.whole_ca = true;
	f.max_len = 6;
	f.c5_count = 2;
	r = ipmi_sel_reader_new(false);
	ck_assert_int_eq(run_fsel(r, &f, 200), IPMI_RD_DONE);
	check_entries(r, 0, 4);
	ipmi_sel_reader_free(r);
	/* reservations cancelled for ever: fail, bounded */
	memset(&f, 0, sizeof(f));
	f.n = 4;
	f.whole_ca = true;
	f.max_len = 16;
	f.c5_count = 1000;
	r = ipmi_sel_reader_new(false);
	ck_assert_int_eq(run_fsel(r, &f, 200), IPMI_RD_FAIL);
	ck_assert_ptr_nonnull(ipmi_sel_reader_error(r));
	ipmi_sel_reader_free(r);
	/* empty SEL */
	memset(&f, 0, sizeof(f));
	r = ipmi_sel_reader_new(false);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	ck_assert_uint_eq(ipmi_sel_reader_count(r), 0);
	ipmi_sel_reader_free(r);
	/* no Reserve SEL: reservation 0 for whole reads */
	memset(&f, 0, sizeof(f));
	f.n = 2;
	f.no_reserve = true;
	r = ipmi_sel_reader_new(false);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	check_entries(r, 0, 2);
	ipmi_sel_reader_free(r);
	ipmi_sel_reader_free(NULL);
}
END_TEST

START_TEST(test_reader_after)
{
	struct fsel f;
	ipmi_sel_reader *r;

	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.max_len = 255;
	/* only what follows id 30 */
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, 30);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	check_entries(r, 3, 2);
	ck_assert(!ipmi_sel_reader_restarted(r));
	ipmi_sel_reader_free(r);
	/* nothing new */
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, 50);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	ck_assert_uint_eq(ipmi_sel_reader_count(r), 0);
	ipmi_sel_reader_free(r);
	/* the entry is gone (cleared since): everything, from the start */
	f.n = 2;
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, 40);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	ck_assert(ipmi_sel_reader_restarted(r));
	check_entries(r, 0, 2);
	ipmi_sel_reader_free(r);
}
END_TEST

START_TEST(test_clear_scripted)
{
	struct fsel f;
	ipmi_sel_reader *r;
	struct ipmi_mreq q;

	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.busy_polls = 3;	/* "erasure in progress" three times */
	r = ipmi_sel_reader_new(true);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	ck_assert_uint_eq(f.n, 0);
	ck_assert_uint_eq(f.clears, 4);
	ipmi_sel_reader_free(r);
	/* reservation lost once: reserve again and clear */
	memset(&f, 0, sizeof(f));
	f.n = 5;
	f.c5_count = 1;
	r = ipmi_sel_reader_new(true);
	ck_assert_int_eq(run_fsel(r, &f, 100), IPMI_RD_DONE);
	ck_assert_uint_eq(f.n, 0);
	ipmi_sel_reader_free(r);
	/* never completes: give up */
	memset(&f, 0, sizeof(f));
	f.busy_polls = 100000;
	r = ipmi_sel_reader_new(true);
	ck_assert_int_eq(run_fsel(r, &f, 1000), IPMI_RD_FAIL);
	ipmi_sel_reader_free(r);
	/* a timeout fails */
	r = ipmi_sel_reader_new(true);
	ck_assert_int_eq(ipmi_sel_reader_next(r, &q), IPMI_RD_REQ);
	ck_assert_uint_eq(q.cmd, 0x42);
	ck_assert_int_eq(ipmi_sel_reader_feed(r, 0, (const uint8_t *)"\x07\x00",
					      2), 0);
	ck_assert_int_eq(ipmi_sel_reader_next(r, &q), IPMI_RD_REQ);
	ck_assert_uint_eq(q.cmd, 0x47);
	ck_assert_uint_eq(q.data[0], 7);
	ck_assert_uint_eq(q.data[5], 0xaa);
	ck_assert_int_eq(ipmi_sel_reader_feed(r, -1, NULL, 0), -1);
	ck_assert_int_eq(ipmi_sel_reader_next(r, &q), IPMI_RD_FAIL);
	ipmi_sel_reader_free(r);
}
END_TEST

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

static void
sim_run(mgmt *m, ipmi_sel_reader *r, uint64_t now)
{
	struct ipmi_mreq q;
	uint8_t rsp[300];
	size_t rlen;
	int cc;
	unsigned max = 1000;

	while (ipmi_sel_reader_next(r, &q) == IPMI_RD_REQ) {
		ck_assert_uint_gt(max--, 0);
		cc = sim_call(m, &q, rsp, sizeof(rsp), &rlen, now);
		ipmi_sel_reader_feed(r, cc, rsp, rlen);
	}
	ck_assert_ptr_null(ipmi_sel_reader_error(r));
}

START_TEST(test_bmcsim)
{
	struct mgmt_config c;
	struct ipmi_sel_rec e;
	ipmi_sel_reader *r;
	mgmt *m;
	char buf[256];
	size_t n;
	uint16_t last;

	memset(&c, 0, sizeof(c));
	c.index = 1;
	c.seed = 5;
	c.power_on = true;
	m = mgmt_new(&c);
	ck_assert_ptr_nonnull(m);
	/* CPU Temp over its upper non-critical threshold, then power off */
	ck_assert_int_eq(mgmt_set_sensor_raw(m, MGMT_SENSOR_CPU_TEMP, 126, 1000),
			 0);
	mgmt_set_power(m, false, 2000);
	ck_assert_uint_ge(mgmt_sel_count(m), 2);

	r = ipmi_sel_reader_new(false);
	sim_run(m, r, 3000);
	n = ipmi_sel_reader_count(r);
	ck_assert_uint_eq(n, mgmt_sel_count(m));
	ck_assert_int_eq(ipmi_sel_decode(ipmi_sel_reader_entry(r, 0), 16, &e), 0);
	ck_assert_uint_eq(e.sensor_num, MGMT_SENSOR_CPU_TEMP);
	ipmi_sel_line(&e, buf, sizeof(buf));
	ck_assert_ptr_nonnull(strstr(buf, "| Temperature #0x01 | "
				     "Upper Non-critical going high | Asserted"));
	ck_assert_uint_eq(e.ed[1], 126);
	/* the ACPI state change the power-off logged */
	ck_assert_int_eq(ipmi_sel_decode(ipmi_sel_reader_entry(r, n - 1), 16,
					 &e), 0);
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "S5/G2: soft-off");
	ck_assert(e.assert);
	last = e.id;
	ipmi_sel_reader_free(r);

	/* only what is new */
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, last);
	sim_run(m, r, 4000);
	ck_assert_uint_eq(ipmi_sel_reader_count(r), 0);
	ipmi_sel_reader_free(r);
	mgmt_set_power(m, true, 5000);
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, last);
	sim_run(m, r, 6000);
	ck_assert_uint_ge(ipmi_sel_reader_count(r), 1);
	ck_assert(!ipmi_sel_reader_restarted(r));
	ipmi_sel_reader_free(r);

	/* clear: the BMC logs "Log area reset/cleared" right after */
	r = ipmi_sel_reader_new(true);
	sim_run(m, r, 7000);
	ipmi_sel_reader_free(r);
	ck_assert_uint_eq(mgmt_sel_count(m), 1);
	r = ipmi_sel_reader_new(false);
	ipmi_sel_reader_after(r, last);
	sim_run(m, r, 8000);
	ck_assert(ipmi_sel_reader_restarted(r));
	ck_assert_uint_eq(ipmi_sel_reader_count(r), 1);
	ipmi_sel_decode(ipmi_sel_reader_entry(r, 0), 16, &e);
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	ck_assert_str_eq(buf, "Log area reset/cleared");
	ipmi_sel_reader_free(r);
	mgmt_free(m);
}
END_TEST

START_TEST(test_info_decode)
{
	static const uint8_t d[14] = { 0x51, 3, 0, 0x40, 0, 1, 2, 3, 4,
		5, 6, 7, 8, 0x8a };
	struct ipmi_sel_info i;

	ck_assert_int_eq(ipmi_sel_info_decode(0, d, 14, &i), 0);
	ck_assert_uint_eq(i.entries, 3);
	ck_assert_uint_eq(i.free, 0x40);
	ck_assert_uint_eq(i.add_ts, 0x04030201);
	ck_assert_uint_eq(i.erase_ts, 0x08070605);
	ck_assert_uint_eq(i.flags, 0x8a);
	ck_assert_int_eq(ipmi_sel_info_decode(0, d, 13, &i), -1);
	ck_assert_int_eq(ipmi_sel_info_decode(0xc1, d, 14, &i), -1);
}
END_TEST

static Suite *
sel_suite(void)
{
	Suite *s = suite_create("sel");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_v4_record);
	tcase_add_test(tc, test_times_and_kinds);
	tcase_add_test(tc, test_reader_scripted);
	tcase_add_test(tc, test_reader_after);
	tcase_add_test(tc, test_clear_scripted);
	tcase_add_test(tc, test_bmcsim);
	tcase_add_test(tc, test_info_decode);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sel_suite)
