/* check_crypto.c — RAKP vectors V1/V2, rp_keys MAC and AES, key reuse, wiping. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "tests/checkmain.h"
#include "crypto.h"
#include "rmcp.h"

/* Decode hex (spaces allowed) into out; returns the byte count. */
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

#define ck_assert_hex(buf, hex) do {					\
	uint8_t want_[256];						\
	size_t wn_ = unhex((hex), want_, sizeof(want_));		\
	ck_assert_mem_eq((buf), want_, wn_);				\
} while (0)

/* The RAKP inputs of vectors V1 and V2 (only the hash differs). */
static void
v1_rakp(struct rp_rakp *r, uint8_t auth)
{
	memset(r, 0, sizeof(*r));
	r->auth = auth;
	r->console_sid = 0xa0a2a3a4;
	r->bmc_sid = 0x00000186;
	unhex("000102030405060708090a0b0c0d0e0f", r->rm, 16);
	unhex("97002ac4313646e4f14a0a19b3409aac", r->rc, 16);
	unhex("a123456789abcdefa123456789abcdef", r->guid, 16);
	r->role = 0x14;
	r->ulen = 7;
	memcpy(r->user, "ipmiusr", 7);
	memcpy(r->kuid, "test", 4);
}

static rp_keys *keys_for(int suite, const char *k1hex, const char *k2hex);

#define V1_K1 "d363042ab4121d7d4ec5dabc1b8e6e2f5f4d357e"
#define V1_K2 "bd3294674c2fd8f54b1a5b0512687b2432f468cb"
#define V2_K1 "dcf9948a37c20b0f88a288486a6b49091a0662f534973a03667fc4bf291c303d"
#define V2_K2 "8cf7fe5602a1380c235067c46ea70004ce93bfb916809beec5f93f8b3379e7e5"

/* OpenSSL allocations, counted through CRYPTO_set_mem_functions. */
static unsigned long ossl_allocs;

static void *
count_malloc(size_t n, const char *file, int line)
{
	ossl_allocs++;
	return malloc(n);
}

static void *
count_realloc(void *p, size_t n, const char *file, int line)
{
	ossl_allocs++;
	return realloc(p, n);
}

static void
count_free(void *p, const char *file, int line)
{
	free(p);
}

/*
 * The steady state allocates nothing of its own: once the keys are loaded,
 * AES allocates nothing at all, and a MAC costs only what OpenSSL 3.0's
 * HMAC does inside (it duplicates its digest state on re-init and on
 * final: at most 2), far less than a context per packet would.  This must
 * run before anything else in the process touches OpenSSL (it is the
 * first test; Check forks each test by default).
 */
#define MAC_ALLOCS_MAX 2	/* OpenSSL-internal, per MAC computed */

START_TEST(test_no_alloc_per_packet)
{
	rp_keys *k3, *k17;
	uint8_t buf[RP_MAX_DGRAM], scratch[RP_MAX_DGRAM], iv[16] = { 1 };
	uint8_t pl[100], mac[RP_MAX_DIGEST], key[20] = { 7 };
	struct rp_packet p;
	unsigned long before, oneshot;
	int i, n;

	ck_assert_msg(CRYPTO_set_mem_functions(count_malloc, count_realloc,
	    count_free) == 1, "OpenSSL was used before this test; "
	    "run with CK_FORK unset or this test first");
	k3 = keys_for(3, V1_K1, V1_K2);
	k17 = keys_for(17, V2_K1, V2_K2);
	memset(pl, 0x5a, sizeof(pl));
	/* Warm up once: first use may cache provider state. */
	ck_assert_int_eq(rp_keys_mac(k3, pl, 10, mac), 0);
	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_SHA1, key, 20, pl, 10, mac), 0);
	/* The counter counts: a one-shot HMAC allocates a whole context. */
	before = ossl_allocs;
	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_SHA1, key, 20, pl, 10, mac), 0);
	oneshot = ossl_allocs - before;
	ck_assert_uint_gt(oneshot, MAC_ALLOCS_MAX);

	before = ossl_allocs;
	for (i = 0; i < 100; i++) {
		rp_keys *k = (i & 1) ? k17 : k3;

		n = rp_keys_encrypt(k, iv, pl, (size_t)i, buf, sizeof(buf));
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(rp_keys_decrypt(k, buf, (size_t)n, scratch,
		    sizeof(scratch)), i);
	}
	ck_assert_uint_eq(ossl_allocs, before);

	before = ossl_allocs;
	for (i = 0; i < 100; i++) {
		rp_keys *k = (i & 1) ? k17 : k3;

		ck_assert_int_eq(rp_keys_mac(k, pl, (size_t)i, mac), 0);
		ck_assert_int_eq(rp_keys_verify(k, pl, (size_t)i, mac), 0);
		n = rp_build_v20(buf, sizeof(buf), RP_PT_SOL, 7,
		    (uint32_t)i + 1, pl, (size_t)i, k, iv);
		ck_assert_int_gt(n, 0);
		ck_assert_int_eq(rp_parse(buf, (size_t)n, k, scratch,
		    sizeof(scratch), &p), 0);
		ck_assert_uint_eq(p.len, (size_t)i);
	}
	/* Four MACs per round: mac, verify, build, parse. */
	ck_assert_uint_le(ossl_allocs - before, 100 * 4 * MAC_ALLOCS_MAX);
	rp_keys_free(k3);
	rp_keys_free(k17);
}
END_TEST

START_TEST(test_suite_lookup)
{
	struct rp_suite s;
	static const int ok[] = { 0, 1, 2, 3, 17 };
	static const int bad[] = { -1, 4, 5, 6, 7, 8, 12, 15, 16, 18, 255 };
	size_t i;

	for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		ck_assert_int_eq(rp_suite_lookup(ok[i], &s), 0);
		ck_assert_int_eq(s.id, ok[i]);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_int_eq(rp_suite_lookup(bad[i], &s), -1);
	ck_assert_int_eq(rp_suite_lookup(3, &s), 0);
	ck_assert_int_eq(s.auth, RP_AUTH_HMAC_SHA1);
	ck_assert_int_eq(s.integ, RP_INTEG_HMAC_SHA1_96);
	ck_assert_int_eq(s.conf, RP_CONF_AES_CBC_128);
	ck_assert_int_eq(rp_suite_lookup(17, &s), 0);
	ck_assert_int_eq(s.auth, RP_AUTH_HMAC_SHA256);
	ck_assert_int_eq(s.integ, RP_INTEG_HMAC_SHA256_128);
	ck_assert_int_eq(s.conf, RP_CONF_AES_CBC_128);
	ck_assert_int_eq(rp_suite_lookup(2, &s), 0);
	ck_assert_int_eq(s.conf, RP_CONF_NONE);
	ck_assert_int_eq(s.integ, RP_INTEG_HMAC_SHA1_96);
	ck_assert_int_eq(rp_suite_lookup(0, &s), 0);
	ck_assert_int_eq(s.auth, RP_AUTH_NONE);
}
END_TEST

START_TEST(test_lengths)
{
	ck_assert_uint_eq(rp_auth_digest_len(RP_AUTH_NONE), 0);
	ck_assert_uint_eq(rp_auth_digest_len(RP_AUTH_HMAC_SHA1), 20);
	ck_assert_uint_eq(rp_auth_digest_len(RP_AUTH_HMAC_SHA256), 32);
	ck_assert_uint_eq(rp_auth_digest_len(RP_AUTH_HMAC_MD5), 0);
	ck_assert_uint_eq(rp_auth_icv_len(RP_AUTH_HMAC_SHA1), 12);
	ck_assert_uint_eq(rp_auth_icv_len(RP_AUTH_HMAC_SHA256), 16);
	ck_assert_uint_eq(rp_auth_icv_len(RP_AUTH_NONE), 0);
	ck_assert_uint_eq(rp_integ_len(RP_INTEG_NONE), 0);
	ck_assert_uint_eq(rp_integ_len(RP_INTEG_HMAC_SHA1_96), 12);
	ck_assert_uint_eq(rp_integ_len(RP_INTEG_HMAC_SHA256_128), 16);
	ck_assert_uint_eq(rp_integ_len(RP_INTEG_MD5_128), 0);
}
END_TEST

START_TEST(test_md5_unimplemented)
{
	uint8_t out[RP_MAX_DIGEST], key[20] = { 1 };
	struct rp_rakp r;
	struct rp_suite s = { 99, RP_AUTH_HMAC_MD5, RP_INTEG_HMAC_MD5_128,
	    RP_CONF_NONE };
	rp_keys *k = rp_keys_new();

	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_MD5, key, 20, key, 20, out), -1);
	ck_assert_int_eq(rp_hmac(RP_AUTH_NONE, key, 20, key, 20, out), -1);
	v1_rakp(&r, RP_AUTH_HMAC_MD5);
	ck_assert_int_eq(rp_rakp2_keac(&r, out), -1);
	ck_assert_int_eq(rp_derive_k(RP_AUTH_HMAC_MD5, key, 1, out), -1);
	ck_assert_ptr_nonnull(k);
	ck_assert_int_eq(rp_keys_set(k, &s, key, key), -1);
	ck_assert_int_eq(rp_keys_integ(k), RP_INTEG_NONE);
	rp_keys_free(k);
}
END_TEST

START_TEST(test_v1_suite3)
{
	struct rp_rakp r;
	uint8_t out[RP_MAX_DIGEST], sik[RP_MAX_DIGEST];

	v1_rakp(&r, RP_AUTH_HMAC_SHA1);
	ck_assert_int_eq(rp_rakp2_keac(&r, out), 0);
	ck_assert_hex(out, "7ba0cf0512266d429e96f9ffb45741d390eb2ab3");
	ck_assert_int_eq(rp_rakp3_keac(&r, out), 0);
	ck_assert_hex(out, "51ae381b5a9064fb1596fdad88ca442f9c35c869");
	ck_assert_int_eq(rp_sik(&r, sik), 0);
	ck_assert_hex(sik, "baabe3cab5a6ca47f0dd9be9a8c4a19644c91f3e");
	ck_assert_int_eq(rp_derive_k(r.auth, sik, 1, out), 0);
	ck_assert_hex(out, "d363042ab4121d7d4ec5dabc1b8e6e2f5f4d357e");
	ck_assert_int_eq(rp_derive_k(r.auth, sik, 2, out), 0);
	ck_assert_hex(out, "bd3294674c2fd8f54b1a5b0512687b2432f468cb");
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(rp_rakp4_icv(&r, sik, out), 0);
	ck_assert_hex(out, "ebb487411cc9753d949949cb");
	/* Truncated to 12: the rest of the buffer is untouched. */
	ck_assert_int_eq(out[12], 0xee);

	memcpy(r.kg, "KgKgKgKgKgKgKgKgKgKg", 20);
	r.have_kg = true;
	ck_assert_int_eq(rp_sik(&r, sik), 0);
	ck_assert_hex(sik, "828341880925511ae11bab057d0f5e7cf028d966");
	/* Kg changes only the SIK; the KEACs stay keyed by Kuid. */
	ck_assert_int_eq(rp_rakp2_keac(&r, out), 0);
	ck_assert_hex(out, "7ba0cf0512266d429e96f9ffb45741d390eb2ab3");
}
END_TEST

START_TEST(test_v2_suite17)
{
	struct rp_rakp r;
	uint8_t out[RP_MAX_DIGEST], sik[RP_MAX_DIGEST];

	v1_rakp(&r, RP_AUTH_HMAC_SHA256);
	ck_assert_int_eq(rp_rakp2_keac(&r, out), 0);
	ck_assert_hex(out, "5d7f7d9b45da9f01628c430573fd882d"
	    "c8b075d7dc644ac5aee7fa990d11cad6");
	ck_assert_int_eq(rp_rakp3_keac(&r, out), 0);
	ck_assert_hex(out, "504650cbd49ca3336cba592a3b0e04ed"
	    "ba3149a0722c6f99fb1d80f459a73a1b");
	ck_assert_int_eq(rp_sik(&r, sik), 0);
	ck_assert_hex(sik, "f6602b6c4b945f6345f7065d4865147a"
	    "5a5293b5d0cbc478ef74cce7e84d35ed");
	ck_assert_int_eq(rp_derive_k(r.auth, sik, 1, out), 0);
	ck_assert_hex(out, "dcf9948a37c20b0f88a288486a6b4909"
	    "1a0662f534973a03667fc4bf291c303d");
	ck_assert_int_eq(rp_derive_k(r.auth, sik, 2, out), 0);
	ck_assert_hex(out, "8cf7fe5602a1380c235067c46ea70004"
	    "ce93bfb916809beec5f93f8b3379e7e5");
	memset(out, 0xee, sizeof(out));
	ck_assert_int_eq(rp_rakp4_icv(&r, sik, out), 0);
	ck_assert_hex(out, "7d48cc75debddde06d6605d8b42fd0b9");
	ck_assert_int_eq(out[16], 0xee);
}
END_TEST

START_TEST(test_rakp_bad_ulen)
{
	struct rp_rakp r;
	uint8_t out[RP_MAX_DIGEST];

	v1_rakp(&r, RP_AUTH_HMAC_SHA1);
	r.ulen = 17;
	ck_assert_int_eq(rp_rakp2_keac(&r, out), -1);
	ck_assert_int_eq(rp_rakp3_keac(&r, out), -1);
	ck_assert_int_eq(rp_sik(&r, out), -1);
}
END_TEST

/* RFC 2202 / RFC 4231 test case 2, so rp_hmac is checked independently
 * of the IPMI vectors. */
START_TEST(test_hmac_rfc)
{
	const uint8_t *key = (const uint8_t *)"Jefe";
	const uint8_t *msg = (const uint8_t *)"what do ya want for nothing?";
	uint8_t out[RP_MAX_DIGEST];

	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_SHA1, key, 4, msg, 28, out), 0);
	ck_assert_hex(out, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_SHA256, key, 4, msg, 28, out),
	    0);
	ck_assert_hex(out, "5bdcc146bf60754e6a042426089575c7"
	    "5a003f089d2739839dec58b964ec3843");
}
END_TEST

START_TEST(test_memeq_ct)
{
	uint8_t a[8] = { 1, 2, 3, 4, 5, 6, 7, 8 }, b[8];
	size_t i;

	memcpy(b, a, 8);
	ck_assert_int_eq(rp_memeq_ct(a, b, 8), 0);
	ck_assert_int_eq(rp_memeq_ct(a, b, 0), 0);
	for (i = 0; i < 8; i++) {
		b[i] ^= 0x80;
		ck_assert_int_ne(rp_memeq_ct(a, b, 8), 0);
		b[i] ^= 0x80;
	}
}
END_TEST

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

/* The per-packet MAC equals a one-shot HMAC with the full K1, packet after
 * packet: re-initialising with a NULL key really reuses the key. */
static void
check_mac_reuse(int suite, uint8_t auth, const char *k1hex, const char *k2hex)
{
	rp_keys *k = keys_for(suite, k1hex, k2hex);
	uint8_t k1[RP_MAX_DIGEST], data[100], mac[RP_MAX_DIGEST];
	uint8_t ref[RP_MAX_DIGEST];
	size_t klen = unhex(k1hex, k1, sizeof(k1));
	size_t ilen = rp_integ_len(rp_keys_integ(k)), i, n;

	for (i = 0; i < sizeof(data); i++)
		data[i] = (uint8_t)(i * 7 + 3);
	for (n = 0; n < sizeof(data); n += 9) {
		ck_assert_int_eq(rp_keys_mac(k, data, n, mac), 0);
		ck_assert_int_eq(rp_hmac(auth, k1, klen, data, n, ref), 0);
		ck_assert_mem_eq(mac, ref, ilen);
		ck_assert_int_eq(rp_keys_verify(k, data, n, ref), 0);
		ref[ilen - 1] ^= 1;
		ck_assert_int_ne(rp_keys_verify(k, data, n, ref), 0);
		ref[0] ^= 0x40;
		ref[ilen - 1] ^= 1;
		ck_assert_int_ne(rp_keys_verify(k, data, n, ref), 0);
	}
	rp_keys_free(k);
}

START_TEST(test_keys_mac_reuse)
{
	check_mac_reuse(3, RP_AUTH_HMAC_SHA1, V1_K1, V1_K2);
	check_mac_reuse(2, RP_AUTH_HMAC_SHA1, V1_K1, V1_K2);
	check_mac_reuse(17, RP_AUTH_HMAC_SHA256, V2_K1, V2_K2);
}
END_TEST

/* Zero key: the MAC must differ from one keyed with K1 (a NULL-key re-init
 * that silently dropped the key would hash with an empty key). */
START_TEST(test_keys_mac_not_empty_key)
{
	rp_keys *k = keys_for(3, V1_K1, V1_K2);
	uint8_t data[20] = { 0 }, mac[RP_MAX_DIGEST], ref[RP_MAX_DIGEST];
	uint8_t zero[1] = { 0 };

	ck_assert_int_eq(rp_keys_mac(k, data, sizeof(data), mac), 0);
	ck_assert_int_eq(rp_keys_mac(k, data, sizeof(data), mac), 0);
	ck_assert_int_eq(rp_hmac(RP_AUTH_HMAC_SHA1, zero, 1, data,
	    sizeof(data), ref), 0);
	ck_assert_int_ne(memcmp(mac, ref, 12), 0);
	rp_keys_free(k);
}
END_TEST

START_TEST(test_aes_known_answer)
{
	/* V3's request payload: encrypting it with K2 and IV 00..0f gives the
	 * ciphertext ipmi_sim accepted. */
	rp_keys *k = keys_for(3, "f378484c20923b300e14e59678591bff881558dd",
	    "fe8bf0a79df9e3f818503ec6e9e71b63a7f893a8");
	uint8_t iv[16], msg[7], out[64], back[64];
	int n;

	unhex("000102030405060708090a0b0c0d0e0f", iv, 16);
	unhex("2018c88104017a", msg, 7);
	n = rp_keys_encrypt(k, iv, msg, 7, out, sizeof(out));
	ck_assert_int_eq(n, 32);
	ck_assert_hex(out, "000102030405060708090a0b0c0d0e0f"
	    "4888835ff2a41f7abd194a60a641fd67");
	n = rp_keys_decrypt(k, out, 32, back, sizeof(back));
	ck_assert_int_eq(n, 7);
	ck_assert_mem_eq(back, msg, 7);
	/* Again after other traffic: the IV-only re-init keeps K2 (a lost key
	 * would still round-trip, but not match the known answer). */
	for (n = 0; n < 3; n++) {
		uint8_t junk[48];

		ck_assert_int_eq(rp_keys_encrypt(k, out, msg, 3, junk,
		    sizeof(junk)), 32);
		ck_assert_int_eq(rp_keys_decrypt(k, junk, 32, back,
		    sizeof(back)), 3);
		ck_assert_int_eq(rp_keys_encrypt(k, iv, msg, 7, out,
		    sizeof(out)), 32);
		ck_assert_hex(out + 16, "4888835ff2a41f7abd194a60a641fd67");
	}
	rp_keys_free(k);
}
END_TEST

/* Every length 0..70: pad rule, round trip, and encrypt/decrypt interleaved
 * on the same keys (the two directions keep separate key schedules). */
static void
check_aes_roundtrip(int suite, const char *k1, const char *k2)
{
	rp_keys *k = keys_for(suite, k1, k2);
	uint8_t iv[16], in[80], out[128], back[128];
	size_t len, i;
	int n, m;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(0xa5 ^ i);
	for (len = 0; len <= 70; len++) {
		memset(iv, (int)len, sizeof(iv));
		n = rp_keys_encrypt(k, iv, in, len, out, sizeof(out));
		ck_assert_int_ge(n, 32);
		ck_assert_int_eq((n - 16) % 16, 0);
		ck_assert_uint_eq((size_t)n - 16, (len + 1 + 15) / 16 * 16);
		ck_assert_mem_eq(out, iv, 16);
		m = rp_keys_decrypt(k, out, (size_t)n, back, sizeof(back));
		ck_assert_int_eq(m, (int)len);
		ck_assert_mem_eq(back, in, len);
		/* The plaintext pad is 01 02 .. n, n. */
		{
			size_t clen = (size_t)n - 16, p = back[clen - 1];

			ck_assert_uint_eq(p, clen - 1 - len);
			for (i = 0; i < p; i++)
				ck_assert_uint_eq(back[len + i], i + 1);
		}
	}
	rp_keys_free(k);
}

START_TEST(test_aes_roundtrip)
{
	check_aes_roundtrip(3, V1_K1, V1_K2);
	check_aes_roundtrip(17, V2_K1, V2_K2);
}
END_TEST

/* Encrypt in place (in == out + 16 is what rp_build_v20 could pass). */
START_TEST(test_aes_in_place)
{
	rp_keys *k = keys_for(3, V1_K1, V1_K2);
	uint8_t buf[64], ref[64], iv[16] = { 9 }, back[64];
	int n;

	memcpy(buf, "hello, world", 12);
	n = rp_keys_encrypt(k, iv, buf, 12, ref, sizeof(ref));
	ck_assert_int_eq(n, 32);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, buf, 12, buf, sizeof(buf)),
	    32);
	ck_assert_mem_eq(buf, ref, 32);
	ck_assert_int_eq(rp_keys_decrypt(k, buf, 32, back, sizeof(back)), 12);
	ck_assert_mem_eq(back, "hello, world", 12);
	rp_keys_free(k);
}
END_TEST

/* Reference AES-128-CBC without padding: out = IV | AES(K2[0:16], in). */
static void
raw_cbc(const char *k2hex, const uint8_t *iv, const uint8_t *in, size_t len,
    uint8_t *out)
{
	uint8_t k2[RP_MAX_DIGEST];
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int outl = 0;

	unhex(k2hex, k2, sizeof(k2));
	ck_assert_ptr_nonnull(c);
	ck_assert_int_eq(EVP_EncryptInit_ex(c, EVP_aes_128_cbc(), NULL, k2,
	    iv), 1);
	EVP_CIPHER_CTX_set_padding(c, 0);
	memcpy(out, iv, 16);
	ck_assert_int_eq(EVP_EncryptUpdate(c, out + 16, &outl, in, (int)len),
	    1);
	ck_assert_int_eq(outl, (int)len);
	EVP_CIPHER_CTX_free(c);
}

START_TEST(test_aes_bad_inputs)
{
	rp_keys *k = keys_for(3, V1_K1, V1_K2);
	uint8_t iv[16] = { 0 }, in[64] = { 0 }, out[128], back[128];
	uint8_t pt[32], ct[48];
	int n, outl;
	size_t i;

	/* Caller's buffer too small. */
	ck_assert_int_eq(rp_keys_encrypt(k, iv, in, 15, out, 31), -1);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, in, 15, out, 32), 32);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, in, 16, out, 47), -1);
	n = rp_keys_encrypt(k, iv, in, 16, out, sizeof(out));
	ck_assert_int_eq(n, 48);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 48, back, 31), -1);
	/* Bad lengths: shorter than IV + block, not whole blocks. */
	ck_assert_int_eq(rp_keys_decrypt(k, out, 0, back, sizeof(back)), -1);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 16, back, sizeof(back)), -1);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 31, back, sizeof(back)), -1);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 33, back, sizeof(back)), -1);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 47, back, sizeof(back)), -1);

	/* Hand-made plaintexts, encrypted with raw AES-CBC, pad checked. */
	for (i = 0; i < 6; i++) {
		memset(pt, 0x55, sizeof(pt));
		switch (i) {
		case 0:		/* pad length 16: too long */
			pt[31] = 16;
			break;
		case 1:		/* pad length 255 */
			pt[31] = 255;
			break;
		case 2:		/* pad 01 03, n = 2 */
			pt[29] = 1;
			pt[30] = 3;
			pt[31] = 2;
			break;
		case 3:		/* pad 00 02 03, n = 3 */
			pt[28] = 0;
			pt[29] = 2;
			pt[30] = 3;
			pt[31] = 3;
			break;
		case 4:		/* good: 01 02 03, n = 3 */
			pt[28] = 1;
			pt[29] = 2;
			pt[30] = 3;
			pt[31] = 3;
			break;
		case 5:		/* good: n = 15, last block all pad */
			for (n = 0; n < 15; n++)
				pt[16 + n] = (uint8_t)(n + 1);
			pt[31] = 15;
			break;
		}
		raw_cbc(V1_K2, iv, pt, sizeof(pt), ct);
		outl = rp_keys_decrypt(k, ct, sizeof(ct), back, sizeof(back));
		if (i < 4)
			ck_assert_int_eq(outl, -1);
		else
			ck_assert_int_eq(outl, 32 - 1 - pt[31]);
	}
	rp_keys_free(k);
}
END_TEST

START_TEST(test_keys_clear_and_free)
{
	rp_keys *k = keys_for(3, V1_K1, V1_K2);
	uint8_t iv[16] = { 0 }, out[64], mac[RP_MAX_DIGEST], d[4] = { 0 };
	struct rp_suite s0;

	ck_assert_int_eq(rp_keys_integ(k), RP_INTEG_HMAC_SHA1_96);
	ck_assert_int_eq(rp_keys_conf(k), RP_CONF_AES_CBC_128);
	rp_keys_clear(k);
	ck_assert_int_eq(rp_keys_integ(k), RP_INTEG_NONE);
	ck_assert_int_eq(rp_keys_conf(k), RP_CONF_NONE);
	ck_assert_int_eq(rp_keys_mac(k, d, 4, mac), -1);
	ck_assert_int_ne(rp_keys_verify(k, d, 4, mac), 0);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, d, 4, out, sizeof(out)), -1);
	ck_assert_int_eq(rp_keys_decrypt(k, out, 32, out, sizeof(out)), -1);
	/* Keys can be loaded again after a clear. */
	rp_keys_free(k);
	k = keys_for(17, V2_K1, V2_K2);
	ck_assert_int_eq(rp_keys_mac(k, d, 4, mac), 0);
	ck_assert_int_eq(rp_keys_encrypt(k, iv, d, 4, out, sizeof(out)), 32);
	/* Suite 0 loads nothing and needs no keys. */
	ck_assert_int_eq(rp_suite_lookup(0, &s0), 0);
	ck_assert_int_eq(rp_keys_set(k, &s0, NULL, NULL), 0);
	ck_assert_int_eq(rp_keys_integ(k), RP_INTEG_NONE);
	ck_assert_int_eq(rp_keys_conf(k), RP_CONF_NONE);
	rp_keys_free(k);
	rp_keys_free(NULL);
	rp_keys_clear(NULL);
	ck_assert_int_eq(rp_keys_integ(NULL), RP_INTEG_NONE);
}
END_TEST

/* Re-keying replaces the old key in both the MAC and the cipher. */
START_TEST(test_keys_rekey)
{
	rp_keys *a = keys_for(3, V1_K1, V1_K2);
	rp_keys *b = keys_for(3, "f378484c20923b300e14e59678591bff881558dd",
	    "fe8bf0a79df9e3f818503ec6e9e71b63a7f893a8");
	uint8_t k1[20], k2[20], iv[16] = { 0 }, d[5] = "abcde";
	uint8_t ma[RP_MAX_DIGEST], mb[RP_MAX_DIGEST], ca[64], cb[64];
	struct rp_suite s;

	ck_assert_int_eq(rp_keys_mac(a, d, 5, ma), 0);
	ck_assert_int_eq(rp_keys_encrypt(a, iv, d, 5, ca, sizeof(ca)), 32);
	unhex("f378484c20923b300e14e59678591bff881558dd", k1, 20);
	unhex("fe8bf0a79df9e3f818503ec6e9e71b63a7f893a8", k2, 20);
	ck_assert_int_eq(rp_suite_lookup(3, &s), 0);
	ck_assert_int_eq(rp_keys_set(a, &s, k1, k2), 0);
	ck_assert_int_eq(rp_keys_mac(a, d, 5, ma), 0);
	ck_assert_int_eq(rp_keys_mac(b, d, 5, mb), 0);
	ck_assert_mem_eq(ma, mb, 12);
	ck_assert_int_eq(rp_keys_encrypt(a, iv, d, 5, ca, sizeof(ca)), 32);
	ck_assert_int_eq(rp_keys_encrypt(b, iv, d, 5, cb, sizeof(cb)), 32);
	ck_assert_mem_eq(ca, cb, 32);
	rp_keys_free(a);
	rp_keys_free(b);
}
END_TEST

static Suite *
crypto_suite(void)
{
	Suite *s = suite_create("crypto");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_no_alloc_per_packet);	/* first */
	tcase_add_test(tc, test_suite_lookup);
	tcase_add_test(tc, test_lengths);
	tcase_add_test(tc, test_md5_unimplemented);
	tcase_add_test(tc, test_v1_suite3);
	tcase_add_test(tc, test_v2_suite17);
	tcase_add_test(tc, test_rakp_bad_ulen);
	tcase_add_test(tc, test_hmac_rfc);
	tcase_add_test(tc, test_memeq_ct);
	tcase_add_test(tc, test_keys_mac_reuse);
	tcase_add_test(tc, test_keys_mac_not_empty_key);
	tcase_add_test(tc, test_aes_known_answer);
	tcase_add_test(tc, test_aes_roundtrip);
	tcase_add_test(tc, test_aes_in_place);
	tcase_add_test(tc, test_aes_bad_inputs);
	tcase_add_test(tc, test_keys_clear_and_free);
	tcase_add_test(tc, test_keys_rekey);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(crypto_suite)
