/* check_fru.c — FRU type/length fields, area parsing with checksum and truncation errors, and the FRU reader against scripted replies and the simulated BMC (sol/fru.c). */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/checkmain.h"
#include "sol/mgmt.h"
#include "sol/ipmi.h"
#include "tests/bmcsim/mgmt.h"
#include "tests/bmcsim/mgmt_int.h"

/* Image writer for tests: fields of any encoding. */
struct w {
	uint8_t *p;
	size_t n;
};

static void
w8(struct w *w, const char *s)
{
	size_t n = strlen(s);

	w->p[w->n++] = (uint8_t)(0xc0 | n);
	memcpy(w->p + w->n, s, n);
	w->n += n;
}

/* 6-bit packed ASCII (upper case, space..underscore). */
static void
w6(struct w *w, const char *s)
{
	size_t n = strlen(s), i, len = (n * 6 + 7) / 8;
	unsigned acc = 0, bits = 0;
	size_t at = w->n + 1;

	w->p[w->n] = (uint8_t)(0x80 | len);
	memset(w->p + at, 0, len);
	for (i = 0; i < n; i++) {
		acc |= (unsigned)(s[i] - 0x20) << bits;
		bits += 6;
		while (bits >= 8) {
			w->p[at++] = (uint8_t)acc;
			acc >>= 8;
			bits -= 8;
		}
	}
	if (bits > 0)
		w->p[at++] = (uint8_t)acc;
	w->n += 1 + len;
}

/* BCD plus from nibbles given as a hex string. */
static void
wbcd(struct w *w, const char *hex)
{
	size_t n = strlen(hex) / 2, i;
	unsigned v;

	w->p[w->n++] = (uint8_t)(0x40 | n);
	for (i = 0; i < n; i++) {
		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &v), 1);
		w->p[w->n++] = (uint8_t)v;
	}
}

static void
wsum(uint8_t *p, size_t n)
{
	uint8_t s = 0;
	size_t i;

	for (i = 0; i + 1 < n; i++)
		s = (uint8_t)(s + p[i]);
	p[n - 1] = (uint8_t)(0x100 - s);
}

/* Close an area: end marker, pad, length, checksum. Returns its size. */
static size_t
wend(struct w *w)
{
	w->p[w->n++] = 0xc1;
	while ((w->n + 1) % 8)
		w->p[w->n++] = 0;
	w->n++;
	w->p[1] = (uint8_t)(w->n / 8);
	wsum(w->p, w->n);
	return w->n;
}

/* Header at 0, chassis at 8, then board, then product. */
static size_t
build_image(uint8_t *img, size_t cap)
{
	struct w w;
	size_t off = 8;

	memset(img, 0, cap);
	img[0] = 0x01;
	img[2] = 1;
	w.p = img + off;
	w.n = 3;
	w.p[0] = 0x01;
	w.p[2] = 0x17;
	w6(&w, "CH-PART 42");
	wbcd(&w, "12ab3c");		/* "12 -3." */
	w8(&w, "custom");
	off += wend(&w);
	img[3] = (uint8_t)(off / 8);
	w.p = img + off;
	w.n = 6;
	w.p[0] = 0x01;
	w.p[3] = 0x80;			/* 14747520 minutes = 0xE10780 */
	w.p[4] = 0x07;
	w.p[5] = 0xe1;
	w8(&w, "ipmux Labs");
	w8(&w, "Board\x01X");		/* non-printable */
	w8(&w, "B123");
	w.p[w.n++] = 0x02;		/* binary, 2 bytes */
	w.p[w.n++] = 0xde;
	w.p[w.n++] = 0xad;
	w8(&w, "");
	off += wend(&w);
	img[4] = (uint8_t)(off / 8);
	w.p = img + off;
	w.n = 3;
	w.p[0] = 0x01;
	w8(&w, "ipmux Labs");
	w8(&w, "Product");
	w8(&w, "PN-1");
	w8(&w, "1.0");
	w8(&w, "PS-9");
	w8(&w, "ASSET");
	w8(&w, "");
	off += wend(&w);
	wsum(img, 8);
	return off;
}

START_TEST(test_fields)
{
	uint8_t p[32];
	char out[128];
	struct w w = { p, 0 };

	w6(&w, "IPMI");
	ck_assert_uint_eq(w.n, 4);
	ck_assert_int_eq(ipmi_fru_field(p, w.n, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "IPMI");
	w.n = 0;
	wbcd(&w, "0123456789abcdef");
	ck_assert_int_eq(ipmi_fru_field(p, w.n, out, sizeof(out)), 9);
	ck_assert_str_eq(out, "0123456789 -.:,_");
	p[0] = 0x03; p[1] = 0x00; p[2] = 0x7f; p[3] = 0xff;
	ck_assert_int_eq(ipmi_fru_field(p, 4, out, sizeof(out)), 4);
	ck_assert_str_eq(out, "007fff");
	p[0] = 0xc1;
	ck_assert_int_eq(ipmi_fru_field(p, 1, out, sizeof(out)), 0);
	ck_assert_str_eq(out, "");
	ck_assert_int_eq(ipmi_fru_field(p, 0, out, sizeof(out)), -1);
	p[0] = 0xc5;
	memcpy(p + 1, "abcde", 5);
	ck_assert_int_eq(ipmi_fru_field(p, 5, out, sizeof(out)), -1);
	ck_assert_int_eq(ipmi_fru_field(p, 6, out, sizeof(out)), 6);
	/* output bounded by cap */
	ck_assert_int_eq(ipmi_fru_field(p, 6, out, 3), 6);
	ck_assert_str_eq(out, "ab");
	ck_assert_str_eq(ipmi_fru_chassis_type_name(0x17), "Rack Mount Chassis");
	ck_assert_str_eq(ipmi_fru_chassis_type_name(0xee), "Unknown");
}
END_TEST

START_TEST(test_parse_image)
{
	uint8_t img[256];
	size_t n = build_image(img, sizeof(img));
	struct ipmi_fru f;

	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	ck_assert(f.has_chassis && f.has_board && f.has_product);
	ck_assert_uint_eq(f.chassis_type, 0x17);
	ck_assert_str_eq(f.chassis_part, "CH-PART 42");
	ck_assert_str_eq(f.chassis_serial, "12 -3.");
	ck_assert_str_eq(f.chassis_extra[0], "custom");
	ck_assert_str_eq(f.chassis_extra[1], "");
	ck_assert_uint_eq(f.board_mfg_minutes, 14747520);
	ck_assert_int_eq(f.board_mfg_time, 1705305600);	/* 2024-01-15 08:00 */
	ck_assert_str_eq(f.board_mfr, "ipmux Labs");
	ck_assert_str_eq(f.board_product, "Board.X");
	ck_assert_str_eq(f.board_serial, "B123");
	ck_assert_str_eq(f.board_part, "dead");
	ck_assert_str_eq(f.product_name, "Product");
	ck_assert_str_eq(f.product_part, "PN-1");
	ck_assert_str_eq(f.product_version, "1.0");
	ck_assert_str_eq(f.product_serial, "PS-9");
	ck_assert_str_eq(f.product_asset, "ASSET");
}
END_TEST

START_TEST(test_bad_checksums)
{
	uint8_t img[256];
	size_t n = build_image(img, sizeof(img));
	struct ipmi_fru f;

	/* header checksum: reported, areas still read */
	img[7] ^= 0x01;
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert_uint_eq(f.errors, IPMI_FRU_E_HEADER);
	ck_assert_str_eq(f.board_mfr, "ipmux Labs");
	img[7] ^= 0x01;
	/* a byte in the board area: only the board is flagged */
	img[(size_t)img[3] * 8 + 7] ^= 0x20;
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert_uint_eq(f.errors, IPMI_FRU_E_BOARD);
	ck_assert_str_eq(f.product_name, "Product");
	ck_assert_str_eq(f.chassis_part, "CH-PART 42");
	img[(size_t)img[3] * 8 + 7] ^= 0x20;
	/* an area that points past the image */
	img[4] = 0x30;
	wsum(img, 8);
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert_uint_eq(f.errors, IPMI_FRU_E_TRUNCATED | IPMI_FRU_E_PRODUCT);
	ck_assert(!f.has_product);
	/* a zero-length area, a bad version */
	img[4] = img[3];
	img[3] = 0;
	img[(size_t)img[4] * 8] = 0x02;
	wsum(img, 8);
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert(!f.has_board);
	ck_assert(f.errors & IPMI_FRU_E_PRODUCT);
	ck_assert_int_eq(ipmi_fru_parse(img, 7, &f), -1);
	ck_assert_int_eq(ipmi_fru_parse(NULL, 0, &f), -1);
}
END_TEST

START_TEST(test_truncated)
{
	uint8_t img[256], cut[256];
	size_t n = build_image(img, sizeof(img)), i;
	struct ipmi_fru f;

	/* every prefix: no crash (ASan checks the reads), errors said */
	for (i = 8; i < n; i++) {
		memcpy(cut, img, i);
		ck_assert_int_eq(ipmi_fru_parse(cut, i, &f), 0);
		ck_assert(f.errors & IPMI_FRU_E_TRUNCATED);
	}
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	/* fields that run past their area's end marker-less */
	memset(img + (size_t)img[4] * 8 + 3, 0xc5, 5 * 8 - 4);
	ck_assert_int_eq(ipmi_fru_parse(img, n, &f), 0);
	ck_assert(f.errors & IPMI_FRU_E_PRODUCT);
}
END_TEST

/* Scripted FRU device. */
struct fdev {
	uint8_t img[300];
	size_t size;
	bool words;
	unsigned max_cnt, busy, gets;
	uint8_t rsp[64];
};

static int
fdev_answer(struct fdev *d, const struct ipmi_mreq *q, size_t *len)
{
	size_t off, cnt;

	*len = 0;
	ck_assert_uint_eq(q->netfn, IPMI_NETFN_STORAGE);
	ck_assert_uint_eq(q->data[0], 0);
	if (q->cmd == 0x10) {
		d->rsp[0] = (uint8_t)d->size;
		d->rsp[1] = (uint8_t)(d->size >> 8);
		d->rsp[2] = d->words ? 1 : 0;
		*len = 3;
		return 0;
	}
	ck_assert_uint_eq(q->cmd, 0x11);
	d->gets++;
	if (d->busy > 0) {
		d->busy--;
		return 0x81;
	}
	off = (size_t)(q->data[1] | q->data[2] << 8);
	cnt = q->data[3];
	if (cnt > d->max_cnt)
		return 0xca;
	if (d->words) {
		off *= 2;
		cnt *= 2;
	}
	if (off >= d->size)
		return 0xc9;
	if (cnt > d->size - off)
		cnt = d->size - off;
	d->rsp[0] = (uint8_t)(d->words ? cnt / 2 : cnt);
	memcpy(d->rsp + 1, d->img + off, cnt);
	*len = 1 + cnt;
	return 0;
}

static int
run_fdev(ipmi_fru_reader *r, struct fdev *d, unsigned max)
{
	struct ipmi_mreq q;
	size_t len;
	int rc, cc;

	while ((rc = ipmi_fru_reader_next(r, &q)) == IPMI_RD_REQ) {
		ck_assert_uint_gt(max--, 0);
		cc = fdev_answer(d, &q, &len);
		ipmi_fru_reader_feed(r, cc, d->rsp, len);
	}
	return rc;
}

START_TEST(test_reader_scripted)
{
	struct fdev d;
	ipmi_fru_reader *r;
	const uint8_t *img;
	size_t len;
	struct ipmi_fru f;

	memset(&d, 0, sizeof(d));
	d.size = build_image(d.img, sizeof(d.img));
	d.max_cnt = 255;
	r = ipmi_fru_reader_new(0);
	ck_assert_int_eq(run_fdev(r, &d, 100), IPMI_RD_DONE);
	img = ipmi_fru_reader_image(r, &len);
	ck_assert_uint_eq(len, d.size);
	ck_assert_mem_eq(img, d.img, len);
	ck_assert_uint_eq(d.gets, (d.size + 15) / 16);
	ck_assert_int_eq(ipmi_fru_parse(img, len, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	ipmi_fru_reader_free(r);
	/* 0xCA above 8 bytes, busy answers, word access */
	memset(&d, 0, sizeof(d));
	d.size = build_image(d.img, sizeof(d.img));
	d.max_cnt = 4;		/* words: 8 bytes */
	d.words = true;
	d.busy = 3;
	r = ipmi_fru_reader_new(0);
	ck_assert_int_eq(run_fdev(r, &d, 300), IPMI_RD_DONE);
	img = ipmi_fru_reader_image(r, &len);
	ck_assert_uint_eq(len, d.size);
	ck_assert_mem_eq(img, d.img, len);
	ipmi_fru_reader_free(r);
	/* always busy, never any data: fail */
	memset(&d, 0, sizeof(d));
	d.size = 64;
	d.max_cnt = 255;
	d.busy = 1000;
	r = ipmi_fru_reader_new(0);
	ck_assert_int_eq(run_fdev(r, &d, 300), IPMI_RD_FAIL);
	ck_assert_ptr_nonnull(ipmi_fru_reader_error(r));
	ipmi_fru_reader_free(r);
	memset(&d, 0, sizeof(d));
	d.size = 64;
	d.max_cnt = 0;
	r = ipmi_fru_reader_new(0);
	ck_assert_int_eq(run_fdev(r, &d, 300), IPMI_RD_FAIL);
	ipmi_fru_reader_free(r);
	/* a zero count reply fails rather than spinning */
	r = ipmi_fru_reader_new(0);
	ipmi_fru_reader_feed(r, 0, (const uint8_t *)"\x40\x00\x00", 3);
	ck_assert_int_eq(ipmi_fru_reader_feed(r, 0, (const uint8_t *)"\x00", 1),
			 -1);
	ipmi_fru_reader_free(r);
	/* empty device: done at once */
	memset(&d, 0, sizeof(d));
	r = ipmi_fru_reader_new(0);
	ck_assert_int_eq(run_fdev(r, &d, 10), IPMI_RD_DONE);
	ipmi_fru_reader_image(r, &len);
	ck_assert_uint_eq(len, 0);
	ipmi_fru_reader_free(r);
	ipmi_fru_reader_free(NULL);
}
END_TEST

START_TEST(test_bmcsim)
{
	struct mgmt_config c;
	struct bmc_request rq;
	struct ipmi_mreq q;
	struct ipmi_fru f;
	ipmi_fru_reader *r;
	const uint8_t *img;
	uint8_t rsp[300];
	char want[64];
	size_t rlen, len;
	mgmt *m;
	int cc;

	memset(&c, 0, sizeof(c));
	c.index = 7;
	c.power_on = true;
	m = mgmt_new(&c);
	ck_assert_ptr_nonnull(m);
	r = ipmi_fru_reader_new(0);
	while (ipmi_fru_reader_next(r, &q) == IPMI_RD_REQ) {
		memset(&rq, 0, sizeof(rq));
		rq.priv = 4;
		rq.netfn = q.netfn;
		rq.cmd = q.cmd;
		rq.data = q.data;
		rq.len = q.len;
		rq.now = 1000;
		cc = mgmt_command(m, &rq, rsp, sizeof(rsp), &rlen);
		ipmi_fru_reader_feed(r, cc, rsp, rlen);
	}
	ck_assert_ptr_null(ipmi_fru_reader_error(r));
	img = ipmi_fru_reader_image(r, &len);
	ck_assert_uint_eq(len, 256);
	ck_assert_int_eq(ipmi_fru_parse(img, len, &f), 0);
	ck_assert_uint_eq(f.errors, 0);
	ck_assert_str_eq(ipmi_fru_chassis_type_name(f.chassis_type),
			 "Rack Mount Chassis");
	ck_assert_str_eq(f.chassis_part, MGMT_FRU_CHASSIS_PART);
	snprintf(want, sizeof(want), MGMT_FRU_CHASSIS_SERIAL_FMT, 7u);
	ck_assert_str_eq(f.chassis_serial, want);
	ck_assert_str_eq(f.board_mfr, MGMT_FRU_MFG);
	ck_assert_str_eq(f.board_product, MGMT_FRU_BOARD_PRODUCT);
	ck_assert_str_eq(f.board_part, MGMT_FRU_BOARD_PART);
	snprintf(want, sizeof(want), MGMT_FRU_BOARD_SERIAL_FMT, 7u);
	ck_assert_str_eq(f.board_serial, want);
	ck_assert_int_eq(f.board_mfg_time, 1705305600);
	ck_assert_str_eq(f.product_mfr, MGMT_FRU_MFG);
	ck_assert_str_eq(f.product_name, MGMT_FRU_PRODUCT_NAME);
	ck_assert_str_eq(f.product_part, MGMT_FRU_PRODUCT_PART);
	ck_assert_str_eq(f.product_version, MGMT_FRU_PRODUCT_VERSION);
	snprintf(want, sizeof(want), MGMT_FRU_PRODUCT_SERIAL_FMT, 7u);
	ck_assert_str_eq(f.product_serial, want);
	ipmi_fru_reader_free(r);
	mgmt_free(m);
}
END_TEST

static Suite *
fru_suite(void)
{
	Suite *s = suite_create("fru");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_parse_image);
	tcase_add_test(tc, test_bad_checksums);
	tcase_add_test(tc, test_truncated);
	tcase_add_test(tc, test_reader_scripted);
	tcase_add_test(tc, test_bmcsim);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(fru_suite)
