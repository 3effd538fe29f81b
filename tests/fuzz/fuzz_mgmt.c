/* fuzz_mgmt.c — libFuzzer target: SDR/SEL/FRU parsers, reading decoders and the three readers fed with arbitrary replies. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sol/mgmt.h"

/*
 * Input: a mode byte, then mode-specific data.
 *   0 SDR record: parse, convert every raw value, render unit, states
 *   1 SEL records: 16-byte slices decoded and rendered
 *   2 FRU image: parse
 *   3 Get Sensor Reading reply (byte 1 = cc) against an SDR in the rest
 *   4/5/6/7 SDR / SEL read / SEL clear / FRU reader: replies, each
 *     "cc, len, data[len]" (len clipped to what is left)
 */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(bool ok)
{
	if (!ok)
		abort();
}

static void
fuzz_sdr(const uint8_t *d, size_t n)
{
	struct ipmi_sdr s;
	struct ipmi_reading rd;
	char buf[256];
	double v;
	int raw, rc;

	rc = ipmi_sdr_parse(d, n, &s);
	check(rc >= -1 && rc <= 1);
	check(memchr(s.name, 0, sizeof(s.name)) != NULL);
	if (rc != 0)
		return;
	for (raw = 0; raw < 256; raw++) {
		rc = ipmi_sensor_convert(&s, (uint8_t)raw, &v);
		check(rc == IPMI_CONV_OK || rc == IPMI_CONV_RAW ||
		      rc == IPMI_CONV_NONE);
		if (rc == IPMI_CONV_OK)
			ipmi_sensor_value_str(v, buf, sizeof(buf));
	}
	ipmi_sensor_unit_str(&s, buf, sizeof(buf));
	ipmi_sensor_states_str(&s, 0x7fff, buf, sizeof(buf));
	check(strlen(buf) < sizeof(buf));
	memset(&rd, 0, sizeof(rd));
	rd.scanning = true;
	rd.has_states = true;
	rd.s1 = n > 0 ? d[n - 1] : 0;
	check(ipmi_sensor_status(&s, &rd) != NULL);
}

static void
fuzz_sel(const uint8_t *d, size_t n)
{
	struct ipmi_sel_rec e;
	struct ipmi_sdr s;
	char buf[256];
	size_t off;

	/* the records' threshold detail against a V4-like full SDR */
	memset(&s, 0, sizeof(s));
	s.type = IPMI_SDR_FULL;
	s.m = 2;
	s.b = -10;
	s.bexp = 1;
	s.rexp = -1;
	s.unit = 1;
	for (off = 0; off < n; off += 16) {
		if (ipmi_sel_decode(d + off, n - off, &e) != 0) {
			check(n - off < 16);
			break;
		}
		ipmi_sel_line(&e, buf, sizeof(buf));
		ipmi_sel_event_str(&e, buf, sizeof(buf));
		ipmi_sel_time_str(e.ts, buf, 12);
		ipmi_sel_threshold_str(&e, &s, buf, sizeof(buf));
	}
}

static void
fuzz_reading(const uint8_t *d, size_t n)
{
	struct ipmi_reading rd;
	struct ipmi_sdr s;

	if (n < 6)
		return;
	if (ipmi_reading_decode(d[0] == 0xff ? -1 : d[0], d + 1, d[1] % 6,
				&rd) == 0) {
		if (ipmi_sdr_parse(d + 6, n - 6, &s) >= 0)
			check(ipmi_sensor_status(&s, &rd) != NULL);
	}
}

/* Next scripted reply; false when the input is used up. */
static bool
reply(const uint8_t **d, size_t *n, int *cc, const uint8_t **p, size_t *len)
{
	if (*n < 2)
		return false;
	*cc = (*d)[0] == 0xfe ? -1 : (*d)[0] < 0x40 ? 0 : (*d)[0];
	*len = (*d)[1];
	*d += 2;
	*n -= 2;
	if (*len > *n)
		*len = *n;
	*p = *d;
	*d += *len;
	*n -= *len;
	return true;
}

static void
fuzz_sdr_reader(const uint8_t *d, size_t n)
{
	ipmi_sdr_reader *r = ipmi_sdr_reader_new();
	struct ipmi_mreq q;
	struct ipmi_sdr s;
	const uint8_t *p, *rec;
	size_t len, i;
	int cc;

	check(r != NULL);
	while (ipmi_sdr_reader_next(r, &q) == IPMI_RD_REQ &&
	       reply(&d, &n, &cc, &p, &len)) {
		check(q.len <= sizeof(q.data));
		ipmi_sdr_reader_feed(r, cc, p, len);
	}
	for (i = 0; i < ipmi_sdr_reader_count(r); i++) {
		rec = ipmi_sdr_reader_record(r, i, &len);
		check(rec != NULL && len >= 5 && len <= 260);
		ipmi_sdr_parse(rec, len, &s);
	}
	ipmi_sdr_reader_free(r);
}

static void
fuzz_sel_reader(const uint8_t *d, size_t n, bool clear)
{
	ipmi_sel_reader *r = ipmi_sel_reader_new(clear);
	struct ipmi_mreq q;
	struct ipmi_sel_rec e;
	const uint8_t *p;
	size_t len, i;
	int cc;

	check(r != NULL);
	if (n > 0 && (d[0] & 1))
		ipmi_sel_reader_after(r, (uint16_t)(d[0] << 4));
	while (ipmi_sel_reader_next(r, &q) == IPMI_RD_REQ &&
	       reply(&d, &n, &cc, &p, &len))
		ipmi_sel_reader_feed(r, cc, p, len);
	for (i = 0; i < ipmi_sel_reader_count(r); i++)
		check(ipmi_sel_decode(ipmi_sel_reader_entry(r, i), 16, &e) == 0);
	ipmi_sel_reader_free(r);
}

static void
fuzz_fru_reader(const uint8_t *d, size_t n)
{
	ipmi_fru_reader *r = ipmi_fru_reader_new(0);
	struct ipmi_mreq q;
	struct ipmi_fru f;
	const uint8_t *p, *img;
	size_t len;
	int cc;

	check(r != NULL);
	while (ipmi_fru_reader_next(r, &q) == IPMI_RD_REQ &&
	       reply(&d, &n, &cc, &p, &len))
		ipmi_fru_reader_feed(r, cc, p, len);
	img = ipmi_fru_reader_image(r, &len);
	check(len <= 65535);
	if (img != NULL)
		ipmi_fru_parse(img, len, &f);
	ipmi_fru_reader_free(r);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ipmi_fru f;

	if (size < 1)
		return 0;
	switch (data[0] % 8) {
	case 0: fuzz_sdr(data + 1, size - 1); break;
	case 1: fuzz_sel(data + 1, size - 1); break;
	case 2: ipmi_fru_parse(data + 1, size - 1, &f); break;
	case 3: fuzz_reading(data + 1, size - 1); break;
	case 4: fuzz_sdr_reader(data + 1, size - 1); break;
	case 5: fuzz_sel_reader(data + 1, size - 1, false); break;
	case 6: fuzz_sel_reader(data + 1, size - 1, true); break;
	case 7: fuzz_fru_reader(data + 1, size - 1); break;
	}
	return 0;
}
