/* check_codec.c — RMCP+/IPMI framing: V3 byte-exact, round trips, bad input. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "tests/checkmain.h"
#include "crypto.h"
#include "ipmi.h"
#include "rmcp.h"

static size_t
unhex(const char *s, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned v;

	while (*s != '\0') {
		if (*s == ' ') {
			s++;
			continue;
		}
		ck_assert_msg(n < cap, "hex longer than buffer");
		ck_assert_int_eq(sscanf(s, "%2x", &v), 1);
		out[n++] = (uint8_t)v;
		s += 2;
	}
	return n;
}

/* Vector V3: suite 3 Get Device ID to ipmi_sim, and its answer. */
#define V3_K1 "f378484c20923b300e14e59678591bff881558dd"
#define V3_K2 "fe8bf0a79df9e3f818503ec6e9e71b63a7f893a8"
#define V3_REQ "0600ff0706c0820200000100000020000001020304050607" \
	"08090a0b0c0d0e0f4888835ff2a41f7abd194a60a641fd67" \
	"ffff0207" "45baec7a30208f4dda109588"
#define V3_RSP "0600ff0706c0a4a3a2a0010000003000" \
	"dfb9b13a434f3e3db1fc0cde9fa9904a" \
	"a11f805c93b45cb750e5245885876258e045405738c4f1cd8bae449c141e90e6" \
	"ffff0207" "41eecb2f2065d58d789f414c"
#define V3_RSP_CLEAR "811c632004010000830908029f911200020f00000000f2"

#define V1_K1 "d363042ab4121d7d4ec5dabc1b8e6e2f5f4d357e"
#define V1_K2 "bd3294674c2fd8f54b1a5b0512687b2432f468cb"
#define V2_K1 "dcf9948a37c20b0f88a288486a6b49091a0662f534973a03667fc4bf291c303d"
#define V2_K2 "8cf7fe5602a1380c235067c46ea70004ce93bfb916809beec5f93f8b3379e7e5"

static rp_keys *
keys_for(int suite, const char *k1hex, const char *k2hex)
{
	uint8_t k1[RP_MAX_DIGEST], k2[RP_MAX_DIGEST];
	struct rp_suite s;
	rp_keys *k = rp_keys_new();

	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(rp_suite_lookup(suite, &s), 0);
	unhex(k1hex, k1, sizeof(k1));
	unhex(k2hex, k2, sizeof(k2));
	ck_assert_int_eq(rp_keys_set(k, &s, k1, k2), 0);
	return k;
}

/* Keys for any implemented suite, from the V1/V2 key material. */
static rp_keys *
keys_suite(int suite)
{
	if (suite == 17)
		return keys_for(17, V2_K1, V2_K2);
	return keys_for(suite, V1_K1, V1_K2);
}

START_TEST(test_v3_request_exact)
{
	rp_keys *k = keys_for(3, V3_K1, V3_K2);
	uint8_t msg[64], iv[16], out[RP_MAX_DGRAM], want[128];
	size_t wn = unhex(V3_REQ, want, sizeof(want));
	int n, mlen;

	mlen = ipmi_build_req(msg, sizeof(msg), IPMI_NETFN_APP,
	    IPMI_CMD_GET_DEVICE_ID, 1, NULL, 0);
	ck_assert_int_eq(mlen, 7);
	unhex("2018c88104017a", want + 100, 7);
	ck_assert_mem_eq(msg, want + 100, 7);
	unhex("000102030405060708090a0b0c0d0e0f", iv, 16);
	unhex(V3_REQ, want, sizeof(want));
	n = rp_build_v20(out, sizeof(out), RP_PT_IPMI, 0x282, 1, msg,
	    (size_t)mlen, k, iv);
	ck_assert_int_eq(n, (int)wn);
	ck_assert_mem_eq(out, want, wn);
	rp_keys_free(k);
}
END_TEST

START_TEST(test_v3_response_exact)
{
	rp_keys *k = keys_for(3, V3_K1, V3_K2);
	uint8_t rsp[128], clear[64], scratch[RP_MAX_DGRAM];
	size_t rn = unhex(V3_RSP, rsp, sizeof(rsp));
	size_t cn = unhex(V3_RSP_CLEAR, clear, sizeof(clear));
	struct rp_packet p;
	struct ipmi_msg m;

	ck_assert_int_eq(rp_parse(rsp, rn, k, scratch, sizeof(scratch), &p),
	    0);
	ck_assert_int_eq(p.v20, 1);
	ck_assert_int_eq(p.ptype, RP_PT_IPMI);
	ck_assert_int_eq(p.encrypted, 1);
	ck_assert_int_eq(p.authenticated, 1);
	ck_assert_uint_eq(p.sid, 0xa0a2a3a4);
	ck_assert_uint_eq(p.seq, 1);
	ck_assert_uint_eq(p.len, cn);
	ck_assert_mem_eq(p.payload, clear, cn);
	ck_assert_ptr_eq(p.payload, scratch);

	ck_assert_int_eq(ipmi_parse_rsp(p.payload, p.len, &m), 0);
	ck_assert_uint_eq(m.rq_addr, IPMI_REMOTE_SWID);
	ck_assert_uint_eq(m.rs_addr, IPMI_BMC_ADDR);
	ck_assert_uint_eq(m.netfn, IPMI_NETFN_APP + 1);
	ck_assert_uint_eq(m.rq_seq, 1);
	ck_assert_uint_eq(m.cmd, IPMI_CMD_GET_DEVICE_ID);
	ck_assert_int_eq(m.cc, 0);
	ck_assert_uint_eq(m.len, cn - 8);
	ck_assert_int_eq(m.chk1_ok, 1);
	ck_assert_int_eq(m.chk2_ok, 1);
	rp_keys_free(k);
}
END_TEST

/* Any single changed byte, anywhere, is refused. */
START_TEST(test_v3_response_flips)
{
	rp_keys *k = keys_for(3, V3_K1, V3_K2);
	uint8_t rsp[128], scratch[RP_MAX_DGRAM];
	size_t rn = unhex(V3_RSP, rsp, sizeof(rsp)), i;
	static const uint8_t xors[] = { 0x01, 0x80, 0xff, 0x10 };
	struct rp_packet p;
	size_t x;

	for (i = 0; i < rn; i++) {
		for (x = 0; x < sizeof(xors); x++) {
			rsp[i] ^= xors[x];
			ck_assert_msg(rp_parse(rsp, rn, k, scratch,
			    sizeof(scratch), &p) < 0,
			    "flip ^%02x at %zu accepted", xors[x], i);
			ck_assert_ptr_null(p.payload);
			rsp[i] ^= xors[x];
		}
	}
	ck_assert_int_eq(rp_parse(rsp, rn, k, scratch, sizeof(scratch), &p),
	    0);
	rp_keys_free(k);
}
END_TEST

/* Every truncation fails cleanly; run under ASan to catch over-reads,
 * each prefix is copied to an exactly-sized heap buffer. */
START_TEST(test_v3_response_truncations)
{
	rp_keys *k = keys_for(3, V3_K1, V3_K2);
	uint8_t rsp[128], scratch[RP_MAX_DGRAM], *cut;
	size_t rn = unhex(V3_RSP, rsp, sizeof(rsp)), i;
	struct rp_packet p;

	for (i = 0; i < rn; i++) {
		cut = malloc(i > 0 ? i : 1);
		ck_assert_ptr_nonnull(cut);
		memcpy(cut, rsp, i);
		ck_assert_msg(rp_parse(cut, i, k, scratch, sizeof(scratch),
		    &p) < 0, "truncation to %zu accepted", i);
		free(cut);
	}
	/* An extra byte after the AuthCode is refused too. */
	rsp[rn] = 0;
	ck_assert_int_lt(rp_parse(rsp, rn + 1, k, scratch, sizeof(scratch),
	    &p), 0);
	ck_assert_int_lt(rp_parse(NULL, 0, k, scratch, sizeof(scratch), &p),
	    0);
	rp_keys_free(k);
}
END_TEST

/* The response must not be accepted under the wrong keys or none. */
START_TEST(test_v3_response_wrong_keys)
{
	rp_keys *k = keys_for(3, V1_K1, V1_K2);
	rp_keys *k17 = keys_for(17, V2_K1, V2_K2);
	rp_keys *k2 = keys_for(2, V3_K1, V3_K2);
	rp_keys *none = rp_keys_new();
	uint8_t rsp[128], scratch[RP_MAX_DGRAM];
	size_t rn = unhex(V3_RSP, rsp, sizeof(rsp));
	struct rp_packet p;

	ck_assert_int_eq(rp_parse(rsp, rn, k, scratch, sizeof(scratch), &p),
	    RP_E_MAC);
	ck_assert_int_lt(rp_parse(rsp, rn, k17, scratch, sizeof(scratch), &p),
	    0);
	ck_assert_int_eq(rp_parse(rsp, rn, none, scratch, sizeof(scratch),
	    &p), RP_E_NOKEY);
	ck_assert_int_eq(rp_parse(rsp, rn, NULL, scratch, sizeof(scratch),
	    &p), RP_E_NOKEY);
	/* Right K1 but no confidentiality in force: authentic, unreadable. */
	ck_assert_int_eq(rp_parse(rsp, rn, k2, scratch, sizeof(scratch), &p),
	    RP_E_NOKEY);
	/* Scratch too small for the plaintext. */
	rp_keys_free(k);
	k = keys_for(3, V3_K1, V3_K2);
	ck_assert_int_lt(rp_parse(rsp, rn, k, scratch, 31, &p), 0);
	ck_assert_int_lt(rp_parse(rsp, rn, k, NULL, 0, &p), 0);
	ck_assert_int_eq(rp_parse(rsp, rn, k, scratch, 32, &p), 0);
	rp_keys_free(k);
	rp_keys_free(k17);
	rp_keys_free(k2);
	rp_keys_free(none);
}
END_TEST

START_TEST(test_v15_roundtrip)
{
	uint8_t msg[300], out[RP_MAX_DGRAM];
	struct rp_packet p;
	struct ipmi_msg m;
	static const uint8_t want[] = {
		0x06, 0x00, 0xff, 0x07, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x09,
		0x20, 0x18, 0xc8, 0x81, 0x04, 0x38, 0x8e, 0x04, 0xb1,
	};
	uint8_t data[2] = { 0x8e, 0x04 };
	int n, mlen;
	size_t len;

	/* Get Channel Authentication Capabilities, as sent before a session. */
	mlen = ipmi_build_req(msg, sizeof(msg), IPMI_NETFN_APP,
	    IPMI_CMD_GET_CHAN_AUTH_CAP, 1, data, 2);
	ck_assert_int_eq(mlen, 9);
	n = rp_build_v15(out, sizeof(out), msg, (size_t)mlen);
	ck_assert_int_eq(n, (int)sizeof(want));
	ck_assert_mem_eq(out, want, sizeof(want));
	ck_assert_int_eq(rp_parse(out, (size_t)n, NULL, NULL, 0, &p), 0);
	ck_assert_int_eq(p.v20, 0);
	ck_assert_int_eq(p.ptype, RP_PT_IPMI);
	ck_assert_uint_eq(p.sid, 0);
	ck_assert_uint_eq(p.seq, 0);
	ck_assert_uint_eq(p.len, 9);
	ck_assert_mem_eq(p.payload, msg, 9);
	ck_assert_int_eq(ipmi_parse_req(p.payload, p.len, &m), 0);
	ck_assert_uint_eq(m.cmd, IPMI_CMD_GET_CHAN_AUTH_CAP);
	/* Legacy pad byte after the message is tolerated. */
	out[n] = 0;
	ck_assert_int_eq(rp_parse(out, (size_t)n + 1, NULL, NULL, 0, &p), 0);
	ck_assert_uint_eq(p.len, 9);
	/* Keys in force don't matter to session-less 1.5 packets. */
	{
		rp_keys *k = keys_suite(3);

		ck_assert_int_eq(rp_parse(out, (size_t)n, k, NULL, 0, &p), 0);
		rp_keys_free(k);
	}
	/* Every message length 0..255; 256 is refused. */
	for (len = 0; len <= 256; len++) {
		memset(msg, (int)len, len);
		n = rp_build_v15(out, sizeof(out), msg, len);
		if (len > 255) {
			ck_assert_int_eq(n, -1);
			continue;
		}
		ck_assert_int_eq(n, (int)(14 + len));
		ck_assert_int_eq(rp_parse(out, (size_t)n, NULL, NULL, 0, &p),
		    0);
		ck_assert_uint_eq(p.len, len);
		ck_assert_mem_eq(p.payload, msg, len);
	}
	/* Capacity one short fails, exact fits. */
	ck_assert_int_eq(rp_build_v15(out, 14 + 8, msg, 9), -1);
	ck_assert_int_eq(rp_build_v15(out, 14 + 9, msg, 9), 23);
}
END_TEST

START_TEST(test_v15_malformed)
{
	uint8_t msg[16] = { 1, 2, 3 }, out[64];
	struct rp_packet p;
	int n = rp_build_v15(out, sizeof(out), msg, 9);
	size_t i;

	ck_assert_int_eq(n, 23);
	for (i = 0; i < 14; i++)
		ck_assert_int_eq(rp_parse(out, i, NULL, NULL, 0, &p),
		    RP_E_SHORT);
	for (i = 14; i < 23; i++)
		ck_assert_int_eq(rp_parse(out, i, NULL, NULL, 0, &p),
		    RP_E_LEN);
	out[13] = 200;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_LEN);
	out[13] = 9;
	/* 1.5 with authentication (MD2, MD5, password, OEM): unsupported. */
	out[4] = 0x02;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[4] = 0x01;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[4] = 0x04;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[4] = 0x05;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[4] = 0x03;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_HDR);
	out[4] = 0x00;
	/* Not RMCP version 6, not class IPMI, an RMCP ACK request. */
	out[0] = 0x07;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_HDR);
	out[0] = 0x06;
	out[3] = 0x06;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_HDR);
	ck_assert_int_ne(rp_is_asf(out, 23), 0);
	out[3] = 0x87;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_HDR);
	out[3] = 0x07;
	ck_assert_int_eq(rp_is_asf(out, 23), 0);
	ck_assert_int_eq(rp_is_asf(out, 3), 0);
	out[2] = 0x05;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), RP_E_HDR);
	out[2] = 0xff;
	ck_assert_int_eq(rp_parse(out, 23, NULL, NULL, 0, &p), 0);
}
END_TEST

/* Build then parse every payload type, for every suite and many lengths. */
static void
roundtrip_suite(int suite)
{
	rp_keys *k = keys_suite(suite);
	uint8_t pl[400], out[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM], iv[16];
	static const uint8_t types[] = { RP_PT_IPMI, RP_PT_SOL, RP_PT_OPEN_RQ,
	    RP_PT_RAKP4 };
	struct rp_suite s;
	struct rp_packet p;
	size_t len, t, i, ilen;
	int n, setup, enc, auth;

	ck_assert_int_eq(rp_suite_lookup(suite, &s), 0);
	ilen = rp_integ_len(s.integ);
	for (i = 0; i < sizeof(pl); i++)
		pl[i] = (uint8_t)(i * 13 + suite);
	for (t = 0; t < sizeof(types); t++) {
		for (len = 0; len <= 300; len += (len < 40 ? 1 : 37)) {
			setup = types[t] >= RP_PT_OPEN_RQ;
			enc = !setup && s.conf != RP_CONF_NONE;
			auth = !setup && s.integ != RP_INTEG_NONE;
			memset(iv, (int)len, sizeof(iv));
			n = rp_build_v20(out, sizeof(out), types[t], 0x11223344,
			    (uint32_t)len + 1, pl, len, k, iv);
			ck_assert_int_gt(n, 0);
			ck_assert_int_eq(out[4], 0x06);
			ck_assert_int_eq(out[5], types[t] | (enc ? 0x80 : 0) |
			    (auth ? 0x40 : 0));
			if (auth) {
				/* AuthType .. Next Header is a multiple of 4,
				 * next header is 07, pad length matches. */
				ck_assert_int_eq((n - 4 - (int)ilen) % 4, 0);
				ck_assert_int_eq(out[n - ilen - 1], 0x07);
				ck_assert_int_le(out[n - ilen - 2], 3);
			} else if (!enc) {
				ck_assert_int_eq(n, (int)(16 + len));
			}
			ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch,
			    sizeof(scratch), &p), 0);
			ck_assert_int_eq(p.v20, 1);
			ck_assert_int_eq(p.ptype, types[t]);
			ck_assert_int_eq(p.encrypted, enc);
			ck_assert_int_eq(p.authenticated, auth);
			ck_assert_uint_eq(p.sid, 0x11223344);
			ck_assert_uint_eq(p.seq, len + 1);
			ck_assert_uint_eq(p.len, len);
			ck_assert_mem_eq(p.payload, pl, len);
		}
	}
	/* Capacity: every cap below the need fails, the exact need fits. */
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 1, 1, pl, 21, k, iv);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < (size_t)n; i++)
		ck_assert_int_eq(rp_build_v20(out, i, RP_PT_SOL, 1, 1, pl, 21,
		    k, iv), -1);
	ck_assert_int_eq(rp_build_v20(out, (size_t)n, RP_PT_SOL, 1, 1, pl, 21,
	    k, iv), n);
	/* Encrypting without an IV is a caller error. */
	if (s.conf != RP_CONF_NONE)
		ck_assert_int_eq(rp_build_v20(out, sizeof(out), RP_PT_SOL, 1,
		    1, pl, 21, k, NULL), -1);
	rp_keys_free(k);
}

START_TEST(test_v20_roundtrip)
{
	static const int suites[] = { 0, 1, 2, 3, 17 };

	roundtrip_suite(suites[_i]);
}
END_TEST

/* keys == NULL sends in the clear, like suite 0. */
START_TEST(test_v20_null_keys)
{
	uint8_t pl[8] = "abcdefg", out[64], want[24];
	struct rp_packet p;
	int n;

	n = rp_build_v20(out, sizeof(out), RP_PT_OPEN_RQ, 0, 0, pl, 8, NULL,
	    NULL);
	ck_assert_int_eq(n, 24);
	unhex("0600ff070610000000000000000008006162636465666700", want, 24);
	ck_assert_mem_eq(out, want, 24);
	ck_assert_int_eq(rp_parse(out, 24, NULL, NULL, 0, &p), 0);
	ck_assert_ptr_eq(p.payload, out + 16);
	/* The flag bits passed in ptype are not trusted; keys decide. */
	n = rp_build_v20(out, sizeof(out), RP_PT_IPMI | 0xc0, 5, 6, pl, 8,
	    NULL, NULL);
	ck_assert_int_eq(out[5], 0x00);
	ck_assert_int_eq(rp_parse(out, (size_t)n, NULL, NULL, 0, &p), 0);
}
END_TEST

/* An attacker must not inject plain packets into an authenticated
 * session, nor protected packets into one without keys. */
START_TEST(test_v20_injection)
{
	rp_keys *k = keys_suite(3), *k2 = keys_suite(2);
	uint8_t pl[20] = { 1, 2, 3 }, out[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM];
	uint8_t iv[16] = { 0 };
	struct rp_packet p;
	int n;

	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 9, 9, pl, 20, NULL,
	    NULL);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_MAC);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k2, scratch, sizeof(scratch),
	    &p), RP_E_MAC);
	n = rp_build_v20(out, sizeof(out), RP_PT_IPMI, 9, 9, pl, 20, NULL,
	    NULL);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_MAC);
	/* Plain but flagged encrypted: never reaches the decryptor. */
	out[5] |= RP_PT_ENCRYPTED;
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_MAC);
	/* Setup payloads stay acceptable in the clear... */
	n = rp_build_v20(out, sizeof(out), RP_PT_RAKP2, 9, 0, pl, 20, k, iv);
	ck_assert_int_eq(n, 36);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), 0);
	/* ...but never with protection flags. */
	out[5] |= RP_PT_AUTHENTICATED;
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_HDR);
	/* Authenticated without keys: NOKEY, with or without encryption. */
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 9, 9, pl, 20, k2, iv);
	ck_assert_int_eq(rp_parse(out, (size_t)n, NULL, scratch,
	    sizeof(scratch), &p), RP_E_NOKEY);
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 9, 9, pl, 20, k, iv);
	ck_assert_int_eq(rp_parse(out, (size_t)n, NULL, scratch,
	    sizeof(scratch), &p), RP_E_NOKEY);
	rp_keys_free(k);
	rp_keys_free(k2);
}
END_TEST

START_TEST(test_v20_oem_and_types)
{
	uint8_t out[64];
	struct rp_packet p;
	int n;

	n = rp_build_v20(out, sizeof(out), RP_PT_IPMI, 0, 0, NULL, 0, NULL,
	    NULL);
	ck_assert_int_eq(n, 16);
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), 0);
	ck_assert_uint_eq(p.len, 0);
	out[5] = RP_PT_OEM;
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[5] = 0x20;
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), RP_E_UNSUP);
	out[5] = 0x03;
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), RP_E_HDR);
	out[5] = 0x16;
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), RP_E_HDR);
	out[5] = 0x3f;
	ck_assert_int_eq(rp_parse(out, 16, NULL, NULL, 0, &p), RP_E_HDR);
}
END_TEST

START_TEST(test_v20_bad_length)
{
	rp_keys *k = keys_suite(17);
	uint8_t pl[40] = { 0 }, out[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM];
	uint8_t iv[16] = { 0 };
	struct rp_packet p;
	int n;
	size_t i;

	/* Clear packet: length field too big, too small, header cut. */
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 1, 1, pl, 10, NULL,
	    NULL);
	ck_assert_int_eq(n, 26);
	for (i = 6; i < 16; i++)
		ck_assert_int_eq(rp_parse(out, i, NULL, NULL, 0, &p),
		    RP_E_SHORT);
	for (i = 16; i < 26; i++)
		ck_assert_int_eq(rp_parse(out, i, NULL, NULL, 0, &p),
		    RP_E_LEN);
	out[14] = 11;
	ck_assert_int_eq(rp_parse(out, 26, NULL, NULL, 0, &p), RP_E_LEN);
	out[14] = 9;
	ck_assert_int_eq(rp_parse(out, 26, NULL, NULL, 0, &p), RP_E_LEN);
	out[14] = 10;
	out[15] = 1;
	ck_assert_int_eq(rp_parse(out, 26, NULL, NULL, 0, &p), RP_E_LEN);
	out[15] = 0;
	ck_assert_int_eq(rp_parse(out, 26, NULL, NULL, 0, &p), 0);

	/* Protected packet: any other length field fails (MAC, pad or len). */
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 1, 1, pl, 40, k, iv);
	ck_assert_int_gt(n, 0);
	for (i = 0; i < 0x200; i++) {
		uint8_t lo = out[14], hi = out[15];

		if (i == (size_t)(lo | hi << 8))
			continue;
		out[14] = i & 0xff;
		out[15] = (uint8_t)(i >> 8);
		ck_assert_int_lt(rp_parse(out, (size_t)n, k, scratch,
		    sizeof(scratch), &p), 0);
		out[14] = lo;
		out[15] = hi;
	}
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), 0);
	rp_keys_free(k);
}
END_TEST

/* Rewrite the AuthCode after tampering, so the MAC is right and the
 * layout check itself must catch the damage. */
static void
remac(rp_keys *k, uint8_t *out, size_t n)
{
	size_t ilen = rp_integ_len(rp_keys_integ(k));

	ck_assert_int_eq(rp_keys_mac(k, out + 4, n - ilen - 4, out + n - ilen),
	    0);
}

START_TEST(test_v20_bad_integrity_pad)
{
	rp_keys *k = keys_suite(2);
	uint8_t pl[8] = { 0 }, out[RP_MAX_DGRAM], good[RP_MAX_DGRAM];
	struct rp_packet p;
	int n;

	/* 12 header + 8 payload + 2 = 22: pad 2. */
	n = rp_build_v20(good, sizeof(good), RP_PT_SOL, 1, 1, pl, 8, k, NULL);
	ck_assert_int_eq(n, 16 + 8 + 2 + 2 + 12);
	ck_assert_int_eq(good[24], 0xff);
	ck_assert_int_eq(good[25], 0xff);
	ck_assert_int_eq(good[26], 2);
	ck_assert_int_eq(good[27], 0x07);
	ck_assert_int_eq(rp_parse(good, (size_t)n, k, NULL, 0, &p), 0);

	memcpy(out, good, (size_t)n);
	out[24] = 0x00;		/* pad byte not FF */
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, NULL, 0, &p), RP_E_PAD);
	memcpy(out, good, (size_t)n);
	out[26] = 1;		/* pad length disagrees */
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, NULL, 0, &p), RP_E_PAD);
	memcpy(out, good, (size_t)n);
	out[27] = 0x06;		/* next header */
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, NULL, 0, &p), RP_E_PAD);
	/* Pad length 6 (two words too many): misaligned trailer. */
	memcpy(out, good, 26);
	memset(out + 26, 0xff, 4);
	out[30] = 6;
	out[31] = 0x07;
	remac(k, out, 32 + 12);
	ck_assert_int_eq(rp_parse(out, 32 + 12, k, NULL, 0, &p), RP_E_PAD);
	/* Same bytes but wrong MAC: the MAC is what gets reported. */
	memcpy(out, good, (size_t)n);
	out[n - 1] ^= 1;
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, NULL, 0, &p), RP_E_MAC);
	/* AuthCode cut short. */
	ck_assert_int_lt(rp_parse(good, (size_t)n - 1, k, NULL, 0, &p), 0);
	ck_assert_int_eq(rp_parse(good, 16 + 8 + 1, k, NULL, 0, &p), RP_E_MAC);
	rp_keys_free(k);
}
END_TEST

/* A correctly authenticated packet whose AES pad is wrong. */
START_TEST(test_v20_bad_aes_pad)
{
	rp_keys *k = keys_suite(3);
	uint8_t pl[15] = { 0 }, out[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM];
	uint8_t iv[16] = { 0 }, blk[16] = { 0 }, ct[64];
	struct rp_packet p;
	int n;

	/* CBC: the first block of IV | E(blk) | E(pad) decrypts to blk on its
	 * own. blk ends in 05 after four zeros: a pad of length 5 that does
	 * not read 01 02 03 04 05. */
	blk[15] = 0x05;
	ck_assert_int_eq(rp_keys_encrypt(k, iv, blk, 16, ct, sizeof(ct)), 48);
	/* 15 bytes of payload encrypt to exactly IV + one block, so the
	 * packet has room for IV | E(blk); then make the MAC right. */
	n = rp_build_v20(out, sizeof(out), RP_PT_SOL, 1, 1, pl, 15, k, iv);
	ck_assert_int_eq(out[14], 32);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), 0);
	ck_assert_uint_eq(p.len, 15);
	memcpy(out + 16, ct, 32);
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_PAD);
	ck_assert_ptr_null(p.payload);
	/* Pad length byte of 16 or more. */
	blk[15] = 0x10;
	ck_assert_int_eq(rp_keys_encrypt(k, iv, blk, 16, ct, sizeof(ct)), 48);
	memcpy(out + 16, ct, 32);
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), RP_E_PAD);
	/* A good pad built the same way parses: 01 02 03 04 05 | 05. */
	memcpy(blk + 10, "\x01\x02\x03\x04\x05\x05", 6);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, blk, 16, ct, sizeof(ct)), 48);
	memcpy(out + 16, ct, 32);
	remac(k, out, (size_t)n);
	ck_assert_int_eq(rp_parse(out, (size_t)n, k, scratch, sizeof(scratch),
	    &p), 0);
	ck_assert_uint_eq(p.len, 10);
	rp_keys_free(k);
}
END_TEST

START_TEST(test_err_str)
{
	int e;

	for (e = 0; e >= -8; e--) {
		ck_assert_ptr_nonnull(rp_err_str(e));
		ck_assert_int_gt(strlen(rp_err_str(e)), 0);
	}
	ck_assert_str_ne(rp_err_str(RP_E_MAC), rp_err_str(RP_E_PAD));
}
END_TEST

START_TEST(test_checksum)
{
	static const uint8_t a[] = { 0x20, 0x18 };
	static const uint8_t b[] = { 0x81, 0x04, 0x38, 0x8e, 0x04 };
	uint8_t buf[300];
	size_t i;

	ck_assert_uint_eq(ipmi_checksum(a, 2), 0xc8);
	ck_assert_uint_eq(ipmi_checksum(b, 5), 0xb1);
	ck_assert_uint_eq(ipmi_checksum(a, 0), 0);
	for (i = 0; i < sizeof(buf) - 1; i++)
		buf[i] = (uint8_t)(i * 31 + 7);
	buf[sizeof(buf) - 1] = ipmi_checksum(buf, sizeof(buf) - 1);
	ck_assert_uint_eq(ipmi_checksum(buf, sizeof(buf)), 0);
}
END_TEST

START_TEST(test_ipmi_req_rsp)
{
	uint8_t data[IPMI_MAX_DATA + 1], msg[400], rsp[400];
	struct ipmi_msg rq, rs;
	int n, m;
	size_t i;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)i;
	n = ipmi_build_req(msg, sizeof(msg), IPMI_NETFN_TRANSPORT,
	    IPMI_CMD_GET_SOL_CONFIG, 63, data, 4);
	ck_assert_int_eq(n, 11);
	ck_assert_uint_eq(msg[0], 0x20);
	ck_assert_uint_eq(msg[1], 0x0c << 2);
	ck_assert_uint_eq(msg[3], 0x81);
	ck_assert_uint_eq(msg[4], 63 << 2);
	ck_assert_uint_eq(msg[5], 0x22);

	/* The BMC side: parse the request, answer it. */
	ck_assert_int_eq(ipmi_parse_req(msg, (size_t)n, &rq), 0);
	ck_assert_uint_eq(rq.rs_addr, 0x20);
	ck_assert_uint_eq(rq.rq_addr, 0x81);
	ck_assert_uint_eq(rq.netfn, IPMI_NETFN_TRANSPORT);
	ck_assert_uint_eq(rq.rq_seq, 63);
	ck_assert_uint_eq(rq.cmd, IPMI_CMD_GET_SOL_CONFIG);
	ck_assert_int_eq(rq.cc, -1);
	ck_assert_uint_eq(rq.len, 4);
	ck_assert_mem_eq(rq.data, data, 4);
	ck_assert_int_eq(rq.chk1_ok, 1);
	ck_assert_int_eq(rq.chk2_ok, 1);

	m = ipmi_build_rsp(rsp, sizeof(rsp), &rq, IPMI_CC_OK, data + 10, 3);
	ck_assert_int_eq(m, 11);
	ck_assert_uint_eq(rsp[0], 0x81);
	ck_assert_uint_eq(rsp[1], 0x0d << 2);
	ck_assert_uint_eq(rsp[3], 0x20);
	ck_assert_uint_eq(rsp[4], 63 << 2);
	ck_assert_int_eq(ipmi_parse_rsp(rsp, (size_t)m, &rs), 0);
	ck_assert_uint_eq(rs.netfn, IPMI_NETFN_TRANSPORT + 1);
	ck_assert_uint_eq(rs.rq_seq, 63);
	ck_assert_uint_eq(rs.cmd, IPMI_CMD_GET_SOL_CONFIG);
	ck_assert_int_eq(rs.cc, 0);
	ck_assert_uint_eq(rs.len, 3);
	ck_assert_mem_eq(rs.data, data + 10, 3);
	ck_assert_int_eq(rs.chk1_ok, 1);
	ck_assert_int_eq(rs.chk2_ok, 1);

	/* LUNs travel back in the right places. */
	msg[1] |= 2;
	msg[2] = ipmi_checksum(msg, 2);
	msg[4] |= 1;
	msg[n - 1] = ipmi_checksum(msg + 3, (size_t)n - 4);
	ck_assert_int_eq(ipmi_parse_req(msg, (size_t)n, &rq), 0);
	ck_assert_uint_eq(rq.rs_lun, 2);
	ck_assert_uint_eq(rq.rq_lun, 1);
	m = ipmi_build_rsp(rsp, sizeof(rsp), &rq, 0xc1, NULL, 0);
	ck_assert_int_eq(m, 8);
	ck_assert_int_eq(ipmi_parse_rsp(rsp, (size_t)m, &rs), 0);
	ck_assert_uint_eq(rs.rq_lun, 1);
	ck_assert_uint_eq(rs.rs_lun, 2);
	ck_assert_int_eq(rs.cc, 0xc1);
	ck_assert_uint_eq(rs.len, 0);

	/* Bad checksums are reported, not enforced. */
	rsp[2] ^= 1;
	ck_assert_int_eq(ipmi_parse_rsp(rsp, (size_t)m, &rs), 0);
	ck_assert_int_eq(rs.chk1_ok, 0);
	ck_assert_int_eq(rs.chk2_ok, 1);
	rsp[2] ^= 1;
	rsp[6] ^= 1;
	ck_assert_int_eq(ipmi_parse_rsp(rsp, (size_t)m, &rs), 0);
	ck_assert_int_eq(rs.chk1_ok, 1);
	ck_assert_int_eq(rs.chk2_ok, 0);

	/* Largest data, one over, and capacity. */
	ck_assert_int_eq(ipmi_build_req(msg, sizeof(msg), 6, 1, 0, data,
	    IPMI_MAX_DATA), IPMI_MAX_DATA + 7);
	ck_assert_int_eq(ipmi_build_req(msg, sizeof(msg), 6, 1, 0, data,
	    IPMI_MAX_DATA + 1), -1);
	ck_assert_int_eq(ipmi_build_req(msg, 10, 6, 1, 0, data, 4), -1);
	ck_assert_int_eq(ipmi_build_req(msg, 11, 6, 1, 0, data, 4), 11);
	ck_assert_int_eq(ipmi_build_rsp(rsp, 10, &rq, 0, data, 3), -1);
	ck_assert_int_eq(ipmi_build_rsp(rsp, 11, &rq, 0, data, 3), 11);
	ck_assert_int_eq(ipmi_build_rsp(rsp, sizeof(rsp), &rq, 0, data,
	    IPMI_MAX_DATA + 1), -1);
	/* rqSeq is six bits. */
	ck_assert_int_eq(ipmi_build_req(msg, sizeof(msg), 6, 1, 64 + 5, NULL,
	    0), 7);
	ck_assert_uint_eq(msg[4] >> 2, 5);
}
END_TEST

START_TEST(test_ipmi_short)
{
	uint8_t msg[16];
	struct ipmi_msg m;
	size_t i;
	int n;

	n = ipmi_build_req(msg, sizeof(msg), 6, 1, 1, NULL, 0);
	ck_assert_int_eq(n, 7);
	for (i = 0; i < 7; i++)
		ck_assert_int_eq(ipmi_parse_req(msg, i, &m), -1);
	ck_assert_int_eq(ipmi_parse_req(msg, 7, &m), 0);
	ck_assert_uint_eq(m.len, 0);
	for (i = 0; i < 8; i++)
		ck_assert_int_eq(ipmi_parse_rsp(msg, i, &m), -1);
	ck_assert_int_eq(ipmi_parse_req(NULL, 0, &m), -1);
}
END_TEST

START_TEST(test_cc_str)
{
	int cc;

	ck_assert_str_eq(ipmi_cc_str(0xc1), "0xC1 invalid command");
	ck_assert_ptr_nonnull(strstr(ipmi_cc_str(IPMI_CC_PRIV), "privilege"));
	ck_assert_ptr_nonnull(strstr(ipmi_cc_str(IPMI_CC_INVALID_FIELD),
	    "0xCC"));
	for (cc = -1; cc <= 0x100; cc++)
		ck_assert_ptr_nonnull(ipmi_cc_str(cc));
	for (cc = 0xc0; cc <= 0xd5; cc++)
		ck_assert_msg(strstr(ipmi_cc_str(cc), "unknown") == NULL,
		    "cc %#x has no text", cc);
}
END_TEST

static Suite *
codec_suite(void)
{
	Suite *s = suite_create("codec");
	TCase *v3 = tcase_create("v3");
	TCase *rmcp = tcase_create("rmcp");
	TCase *ipmi = tcase_create("ipmi");

	tcase_add_test(v3, test_v3_request_exact);
	tcase_add_test(v3, test_v3_response_exact);
	tcase_add_test(v3, test_v3_response_flips);
	tcase_add_test(v3, test_v3_response_truncations);
	tcase_add_test(v3, test_v3_response_wrong_keys);
	suite_add_tcase(s, v3);

	tcase_add_test(rmcp, test_v15_roundtrip);
	tcase_add_test(rmcp, test_v15_malformed);
	tcase_add_loop_test(rmcp, test_v20_roundtrip, 0, 5);
	tcase_add_test(rmcp, test_v20_null_keys);
	tcase_add_test(rmcp, test_v20_injection);
	tcase_add_test(rmcp, test_v20_oem_and_types);
	tcase_add_test(rmcp, test_v20_bad_length);
	tcase_add_test(rmcp, test_v20_bad_integrity_pad);
	tcase_add_test(rmcp, test_v20_bad_aes_pad);
	tcase_add_test(rmcp, test_err_str);
	suite_add_tcase(s, rmcp);

	tcase_add_test(ipmi, test_checksum);
	tcase_add_test(ipmi, test_ipmi_req_rsp);
	tcase_add_test(ipmi, test_ipmi_short);
	tcase_add_test(ipmi, test_cc_str);
	suite_add_tcase(s, ipmi);
	return s;
}

CHECK_MAIN(codec_suite)
