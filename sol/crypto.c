/* crypto.c — RMCP+ algorithms on OpenSSL 3 EVP: RAKP, key derivation, MAC, AES. */
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "bytes.h"
#include "crypto.h"

/* The K1/K2 derivation constant is 20 bytes for every hash (FreeIPMI,
 * ipmitool and ipmi_sim agree), even where the digest is 32. */
#define RP_KCONST_LEN 20

/* Bound on what we encrypt or decrypt: an RMCP+ payload length is a u16,
 * and it keeps the int conversions OpenSSL needs in range. */
#define RP_MAX_CRYPT 65536u

/* Suites we implement: (id, auth, integ, conf). MD5 ones are left out. */
static const struct rp_suite rp_suites[] = {
	{ 0, RP_AUTH_NONE, RP_INTEG_NONE, RP_CONF_NONE },
	{ 1, RP_AUTH_HMAC_SHA1, RP_INTEG_NONE, RP_CONF_NONE },
	{ 2, RP_AUTH_HMAC_SHA1, RP_INTEG_HMAC_SHA1_96, RP_CONF_NONE },
	{ 3, RP_AUTH_HMAC_SHA1, RP_INTEG_HMAC_SHA1_96, RP_CONF_AES_CBC_128 },
	{ 17, RP_AUTH_HMAC_SHA256, RP_INTEG_HMAC_SHA256_128,
	  RP_CONF_AES_CBC_128 },
};

int
rp_suite_lookup(int id, struct rp_suite *out)
{
	size_t i;

	for (i = 0; i < sizeof(rp_suites) / sizeof(rp_suites[0]); i++) {
		if (rp_suites[i].id == id) {
			*out = rp_suites[i];
			return 0;
		}
	}
	return -1;
}

/* OpenSSL digest name of an authentication algorithm; NULL if unsupported. */
static const char *
auth_digest(uint8_t auth)
{
	switch (auth) {
	case RP_AUTH_HMAC_SHA1:
		return "SHA1";
	case RP_AUTH_HMAC_SHA256:
		return "SHA256";
	default:
		return NULL;
	}
}

/* OpenSSL digest name of an integrity algorithm; NULL if unsupported. */
static const char *
integ_digest(uint8_t integ)
{
	switch (integ) {
	case RP_INTEG_HMAC_SHA1_96:
		return "SHA1";
	case RP_INTEG_HMAC_SHA256_128:
		return "SHA256";
	default:
		return NULL;
	}
}

size_t
rp_auth_digest_len(uint8_t auth)
{
	switch (auth) {
	case RP_AUTH_HMAC_SHA1:
		return 20;
	case RP_AUTH_HMAC_SHA256:
		return 32;
	default:
		return 0;
	}
}

size_t
rp_auth_icv_len(uint8_t auth)
{
	switch (auth) {
	case RP_AUTH_HMAC_SHA1:
		return 12;
	case RP_AUTH_HMAC_SHA256:
		return 16;
	default:
		return 0;
	}
}

size_t
rp_integ_len(uint8_t integ)
{
	switch (integ) {
	case RP_INTEG_HMAC_SHA1_96:
		return 12;
	case RP_INTEG_HMAC_SHA256_128:
		return 16;
	default:
		return 0;
	}
}

int
rp_hmac(uint8_t auth, const uint8_t *key, size_t klen, const uint8_t *data,
    size_t len, uint8_t *out)
{
	const char *md = auth_digest(auth);
	size_t want = rp_auth_digest_len(auth), got = 0;

	if (md == NULL || key == NULL || klen == 0)
		return -1;
	if (EVP_Q_mac(NULL, "HMAC", NULL, md, NULL, key, klen, data, len,
	    out, want, &got) == NULL || got != want)
		return -1;
	return 0;
}

/* Append ROLE | ulen | user, the tail every RAKP hash shares. */
static size_t
put_role_user(uint8_t *p, const struct rp_rakp *r)
{
	p[0] = r->role;
	p[1] = r->ulen;
	memcpy(p + 2, r->user, r->ulen);
	return 2 + (size_t)r->ulen;
}

int
rp_rakp2_keac(const struct rp_rakp *r, uint8_t *out)
{
	uint8_t buf[4 + 4 + 16 + 16 + 16 + 2 + 16];
	size_t n = 0;

	if (r->ulen > sizeof(r->user))
		return -1;
	le32_put(buf + n, r->console_sid);
	n += 4;
	le32_put(buf + n, r->bmc_sid);
	n += 4;
	memcpy(buf + n, r->rm, 16);
	n += 16;
	memcpy(buf + n, r->rc, 16);
	n += 16;
	memcpy(buf + n, r->guid, 16);
	n += 16;
	n += put_role_user(buf + n, r);
	return rp_hmac(r->auth, r->kuid, RP_KEY_LEN, buf, n, out);
}

int
rp_rakp3_keac(const struct rp_rakp *r, uint8_t *out)
{
	uint8_t buf[16 + 4 + 2 + 16];
	size_t n = 0;

	if (r->ulen > sizeof(r->user))
		return -1;
	memcpy(buf + n, r->rc, 16);
	n += 16;
	le32_put(buf + n, r->console_sid);
	n += 4;
	n += put_role_user(buf + n, r);
	return rp_hmac(r->auth, r->kuid, RP_KEY_LEN, buf, n, out);
}

int
rp_sik(const struct rp_rakp *r, uint8_t *sik)
{
	uint8_t buf[16 + 16 + 2 + 16];
	size_t n = 0;

	if (r->ulen > sizeof(r->user))
		return -1;
	memcpy(buf + n, r->rm, 16);
	n += 16;
	memcpy(buf + n, r->rc, 16);
	n += 16;
	n += put_role_user(buf + n, r);
	return rp_hmac(r->auth, r->have_kg ? r->kg : r->kuid, RP_KEY_LEN,
	    buf, n, sik);
}

int
rp_derive_k(uint8_t auth, const uint8_t *sik, uint8_t n, uint8_t *k)
{
	uint8_t cst[RP_KCONST_LEN];
	size_t slen = rp_auth_digest_len(auth);

	if (slen == 0)
		return -1;
	memset(cst, n, sizeof(cst));
	return rp_hmac(auth, sik, slen, cst, sizeof(cst), k);
}

int
rp_rakp4_icv(const struct rp_rakp *r, const uint8_t *sik, uint8_t *icv)
{
	uint8_t buf[16 + 4 + 16], full[RP_MAX_DIGEST];
	size_t slen = rp_auth_digest_len(r->auth);
	int rc;

	if (slen == 0)
		return -1;
	memcpy(buf, r->rm, 16);
	le32_put(buf + 16, r->bmc_sid);
	memcpy(buf + 20, r->guid, 16);
	rc = rp_hmac(r->auth, sik, slen, buf, sizeof(buf), full);
	if (rc == 0)
		memcpy(icv, full, rp_auth_icv_len(r->auth));
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int
rp_memeq_ct(const uint8_t *a, const uint8_t *b, size_t len)
{
	return CRYPTO_memcmp(a, b, len) == 0 ? 0 : 1;
}

/*
 * Steady-state keys.  The MAC and cipher contexts are keyed once in
 * rp_keys_set and re-initialised per packet without a key, which reuses
 * the key schedule and allocates nothing.  Encryption and decryption use
 * separate cipher contexts: AES's decryption key schedule differs from
 * the encryption one, and an IV-only re-init cannot switch direction.
 */
struct rp_keys {
	uint8_t integ, conf;
	EVP_MAC *mac;
	EVP_MAC_CTX *mctx;
	EVP_CIPHER *aes;
	EVP_CIPHER_CTX *ectx, *dctx;
};

rp_keys *
rp_keys_new(void)
{
	rp_keys *k;

	if ((k = calloc(1, sizeof(*k))) == NULL)
		return NULL;
	k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
	k->aes = EVP_CIPHER_fetch(NULL, "AES-128-CBC", NULL);
	if (k->mac != NULL)
		k->mctx = EVP_MAC_CTX_new(k->mac);
	k->ectx = EVP_CIPHER_CTX_new();
	k->dctx = EVP_CIPHER_CTX_new();
	if (k->mctx == NULL || k->aes == NULL || k->ectx == NULL ||
	    k->dctx == NULL) {
		rp_keys_free(k);
		return NULL;
	}
	return k;
}

void
rp_keys_free(rp_keys *k)
{
	if (k == NULL)
		return;
	/* Freeing the provider contexts cleanses the key material in them. */
	EVP_MAC_CTX_free(k->mctx);
	EVP_MAC_free(k->mac);
	EVP_CIPHER_CTX_free(k->ectx);
	EVP_CIPHER_CTX_free(k->dctx);
	EVP_CIPHER_free(k->aes);
	OPENSSL_cleanse(k, sizeof(*k));
	free(k);
}

void
rp_keys_clear(rp_keys *k)
{
	if (k == NULL)
		return;
	k->integ = RP_INTEG_NONE;
	k->conf = RP_CONF_NONE;
	/* The HMAC context keeps the padded key; drop it rather than trust a
	 * re-key to overwrite it. A failed re-create is retried on set. */
	EVP_MAC_CTX_free(k->mctx);
	k->mctx = EVP_MAC_CTX_new(k->mac);
	EVP_CIPHER_CTX_reset(k->ectx);
	EVP_CIPHER_CTX_reset(k->dctx);
}

/* Key the HMAC context with K1 for the integrity algorithm. */
static int
keys_set_mac(rp_keys *k, uint8_t integ, const uint8_t *k1, size_t k1len)
{
	OSSL_PARAM params[2];
	const char *md = integ_digest(integ);

	if (md == NULL || k1 == NULL || k1len == 0)
		return -1;
	if (k->mctx == NULL && (k->mctx = EVP_MAC_CTX_new(k->mac)) == NULL)
		return -1;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST,
	    (char *)md, 0);
	params[1] = OSSL_PARAM_construct_end();
	return EVP_MAC_init(k->mctx, k1, k1len, params) == 1 ? 0 : -1;
}

/* Key both AES contexts with K2[0:16], padding off (we pad ourselves). */
static int
keys_set_aes(rp_keys *k, const uint8_t *k2)
{
	if (k2 == NULL)
		return -1;
	if (EVP_EncryptInit_ex(k->ectx, k->aes, NULL, k2, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(k->ectx, 0) != 1)
		return -1;
	if (EVP_DecryptInit_ex(k->dctx, k->aes, NULL, k2, NULL) != 1 ||
	    EVP_CIPHER_CTX_set_padding(k->dctx, 0) != 1)
		return -1;
	return 0;
}

int
rp_keys_set(rp_keys *k, const struct rp_suite *suite, const uint8_t *k1,
    const uint8_t *k2)
{
	if (k == NULL || suite == NULL)
		return -1;
	rp_keys_clear(k);
	if (suite->integ != RP_INTEG_NONE) {
		if (keys_set_mac(k, suite->integ, k1,
		    rp_auth_digest_len(suite->auth)) != 0)
			goto fail;
	}
	if (suite->conf != RP_CONF_NONE) {
		if (suite->conf != RP_CONF_AES_CBC_128 ||
		    keys_set_aes(k, k2) != 0)
			goto fail;
	}
	k->integ = suite->integ;
	k->conf = suite->conf;
	return 0;
 fail:
	rp_keys_clear(k);
	return -1;
}

uint8_t
rp_keys_integ(const rp_keys *k)
{
	return k == NULL ? RP_INTEG_NONE : k->integ;
}

uint8_t
rp_keys_conf(const rp_keys *k)
{
	return k == NULL ? RP_CONF_NONE : k->conf;
}

/* Full-length HMAC over data with the session key; *olen gets its size. */
static int
keys_full_mac(rp_keys *k, const uint8_t *data, size_t len, uint8_t *out,
    size_t *olen)
{
	/* A NULL key re-initialises with the key already loaded. */
	if (EVP_MAC_init(k->mctx, NULL, 0, NULL) != 1 ||
	    EVP_MAC_update(k->mctx, data, len) != 1 ||
	    EVP_MAC_final(k->mctx, out, olen, RP_MAX_DIGEST) != 1)
		return -1;
	return 0;
}

int
rp_keys_mac(rp_keys *k, const uint8_t *data, size_t len, uint8_t *out)
{
	uint8_t full[RP_MAX_DIGEST];
	size_t flen = 0, want;

	if (k == NULL || (want = rp_integ_len(k->integ)) == 0)
		return -1;
	if (keys_full_mac(k, data, len, full, &flen) != 0 || flen < want)
		return -1;
	memcpy(out, full, want);
	OPENSSL_cleanse(full, sizeof(full));
	return 0;
}

int
rp_keys_verify(rp_keys *k, const uint8_t *data, size_t len, const uint8_t *mac)
{
	uint8_t full[RP_MAX_DIGEST];
	size_t flen = 0, want;
	int rc;

	if (k == NULL || (want = rp_integ_len(k->integ)) == 0)
		return -1;
	if (keys_full_mac(k, data, len, full, &flen) != 0 || flen < want)
		return -1;
	rc = CRYPTO_memcmp(full, mac, want) == 0 ? 0 : -1;
	OPENSSL_cleanse(full, sizeof(full));
	return rc;
}

int
rp_keys_encrypt(rp_keys *k, const uint8_t iv[RP_AES_BLOCK], const uint8_t *in,
    size_t len, uint8_t *out, size_t cap)
{
	size_t n, total, i;
	int outl = 0;
	uint8_t *ct;

	if (k == NULL || k->conf != RP_CONF_AES_CBC_128 || iv == NULL)
		return -1;
	/* data | 01 02 .. n | n, a whole number of blocks. */
	n = (RP_AES_BLOCK - (len + 1) % RP_AES_BLOCK) % RP_AES_BLOCK;
	total = len + n + 1;
	if (len > RP_MAX_CRYPT || cap < RP_AES_BLOCK + total)
		return -1;
	ct = out + RP_AES_BLOCK;
	/* in may alias out; move the data first, then lay the IV down. */
	if (len > 0)
		memmove(ct, in, len);
	memcpy(out, iv, RP_AES_BLOCK);
	for (i = 0; i < n; i++)
		ct[len + i] = (uint8_t)(i + 1);
	ct[len + n] = (uint8_t)n;
	if (EVP_EncryptInit_ex(k->ectx, NULL, NULL, NULL, iv) != 1 ||
	    EVP_EncryptUpdate(k->ectx, ct, &outl, ct, (int)total) != 1 ||
	    (size_t)outl != total)
		return -1;
	return (int)(RP_AES_BLOCK + total);
}

int
rp_keys_decrypt(rp_keys *k, const uint8_t *in, size_t len, uint8_t *out,
    size_t cap)
{
	size_t clen, n, i;
	unsigned bad = 0;
	int outl = 0;

	if (k == NULL || k->conf != RP_CONF_AES_CBC_128)
		return -1;
	if (len < 2 * RP_AES_BLOCK || len % RP_AES_BLOCK != 0 ||
	    len > RP_MAX_CRYPT + 2 * RP_AES_BLOCK)
		return -1;
	clen = len - RP_AES_BLOCK;
	if (cap < clen)
		return -1;
	if (EVP_DecryptInit_ex(k->dctx, NULL, NULL, NULL, in) != 1 ||
	    EVP_DecryptUpdate(k->dctx, out, &outl, in + RP_AES_BLOCK,
	    (int)clen) != 1 || (size_t)outl != clen)
		return -1;
	/* The pad length is below a block and the pad reads 01 02 .. n.  The
	 * MAC was checked before we got here, so this is not an oracle. */
	n = out[clen - 1];
	if (n >= RP_AES_BLOCK)
		return -1;
	for (i = 0; i < n; i++)
		bad |= out[clen - 1 - n + i] ^ (uint8_t)(i + 1);
	if (bad != 0)
		return -1;
	return (int)(clen - 1 - n);
}
