/* fuzz_rmcp.c — libFuzzer: rp_parse under several keys, IPMI parsers, round trips. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "ipmi.h"
#include "rmcp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Keys of vector V3 (suite 3), so the V3 seeds get past the MAC, and a
 * made-up suite 17 pair. */
static const uint8_t v3_k1[20] = {
	0xf3, 0x78, 0x48, 0x4c, 0x20, 0x92, 0x3b, 0x30, 0x0e, 0x14,
	0xe5, 0x96, 0x78, 0x59, 0x1b, 0xff, 0x88, 0x15, 0x58, 0xdd,
};
static const uint8_t v3_k2[20] = {
	0xfe, 0x8b, 0xf0, 0xa7, 0x9d, 0xf9, 0xe3, 0xf8, 0x18, 0x50,
	0x3e, 0xc6, 0xe9, 0xe7, 0x1b, 0x63, 0xa7, 0xf8, 0x93, 0xa8,
};

static rp_keys *keys_none, *keys3, *keys17;

#define CHECK(c) do { if (!(c)) abort(); } while (0)

static rp_keys *
make_keys(int suite, const uint8_t *k1, const uint8_t *k2)
{
	struct rp_suite s;
	rp_keys *k = rp_keys_new();

	CHECK(k != NULL);
	CHECK(rp_suite_lookup(suite, &s) == 0);
	CHECK(rp_keys_set(k, &s, k1, k2) == 0);
	return k;
}

static void
init_once(void)
{
	uint8_t k1[32], k2[32];
	size_t i;

	if (keys_none != NULL)
		return;
	for (i = 0; i < sizeof(k1); i++) {
		k1[i] = (uint8_t)(i * 3 + 1);
		k2[i] = (uint8_t)(i * 5 + 2);
	}
	keys_none = rp_keys_new();
	CHECK(keys_none != NULL);
	keys3 = make_keys(3, v3_k1, v3_k2);
	keys17 = make_keys(17, k1, k2);
}

/* Read every byte the parser said is there, so ASan sees any lie. */
static unsigned
touch(const uint8_t *p, size_t len)
{
	unsigned sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return sum;
}

static void
ipmi_both(const uint8_t *p, size_t len)
{
	struct ipmi_msg m;
	uint8_t out[IPMI_MAX_DATA + 16];
	volatile unsigned sink = 0;
	int n;

	if (ipmi_parse_rsp(p, len, &m) == 0) {
		CHECK(m.len + 8 == len);
		sink += touch(m.data, m.len);
		sink += (unsigned)ipmi_cc_str(m.cc)[0];
	}
	if (ipmi_parse_req(p, len, &m) == 0) {
		CHECK(m.len + 7 == len);
		sink += touch(m.data, m.len);
		/* Answer it as the BMC would; the answer must parse back. */
		n = ipmi_build_rsp(out, sizeof(out), &m, 0xc1, m.data,
		    m.len > IPMI_MAX_DATA ? IPMI_MAX_DATA : m.len);
		if (n > 0) {
			struct ipmi_msg r;

			CHECK(ipmi_parse_rsp(out, (size_t)n, &r) == 0);
			CHECK(r.chk1_ok && r.chk2_ok && r.cc == 0xc1);
			CHECK(r.cmd == m.cmd && r.rq_seq == m.rq_seq);
		}
	}
	(void)sink;
}

static void
parse_with(const uint8_t *data, size_t size, rp_keys *k)
{
	uint8_t scratch[RP_MAX_DGRAM];
	struct rp_packet p;
	volatile unsigned sink;

	if (rp_parse(data, size, k, scratch, sizeof(scratch), &p) != 0) {
		CHECK(p.payload == NULL && p.len == 0);
		return;
	}
	if (p.payload == scratch)
		CHECK(p.encrypted && p.len < sizeof(scratch));
	else
		CHECK(p.payload >= data && p.payload + p.len <= data + size);
	sink = touch(p.payload, p.len);
	(void)sink;
	if (p.ptype == RP_PT_IPMI)
		ipmi_both(p.payload, p.len);
}

/* Use the input as a payload: what we build must parse back to it. */
static void
roundtrip(const uint8_t *data, size_t size)
{
	uint8_t out[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM], iv[RP_AES_BLOCK];
	static const uint8_t types[] = { RP_PT_IPMI, RP_PT_SOL, RP_PT_OPEN_RQ,
	    RP_PT_RAKP3 };
	rp_keys *ks[] = { NULL, keys_none, keys3, keys17 };
	struct rp_packet p;
	uint8_t sel;
	int n;

	if (size < 1)
		return;
	sel = data[0];
	data++;
	size--;
	if (size > 900)
		size = 900;
	memset(iv, sel, sizeof(iv));
	n = rp_build_v20(out, sizeof(out), types[sel & 3], 0x01020304u,
	    sel, data, size, ks[(sel >> 2) & 3], iv);
	if (n < 0)
		return;
	CHECK(rp_parse(out, (size_t)n, ks[(sel >> 2) & 3], scratch,
	    sizeof(scratch), &p) == 0);
	CHECK(p.len == size && memcmp(p.payload, data, size) == 0);
	CHECK(p.ptype == types[sel & 3] && p.seq == sel);
	if (size <= 255) {
		n = rp_build_v15(out, sizeof(out), data, size);
		CHECK(n == (int)(14 + size));
		CHECK(rp_parse(out, (size_t)n, keys3, NULL, 0, &p) == 0);
		CHECK(p.len == size && memcmp(p.payload, data, size) == 0);
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	init_once();
	parse_with(data, size, NULL);
	parse_with(data, size, keys_none);
	parse_with(data, size, keys3);
	parse_with(data, size, keys17);
	(void)rp_is_asf(data, size);
	roundtrip(data, size);
	return 0;
}
