/* crypto.h — RMCP+ algorithms: RAKP HMACs, SIK/K1/K2, per-packet MAC and AES-CBC-128. */
#ifndef IPMUX_SOL_CRYPTO_H
#define IPMUX_SOL_CRYPTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Algorithm numbers as carried in Open Session records. */
enum rp_auth { RP_AUTH_NONE = 0, RP_AUTH_HMAC_SHA1 = 1, RP_AUTH_HMAC_MD5 = 2,
	       RP_AUTH_HMAC_SHA256 = 3 };
enum rp_integ { RP_INTEG_NONE = 0, RP_INTEG_HMAC_SHA1_96 = 1,
		RP_INTEG_HMAC_MD5_128 = 2, RP_INTEG_MD5_128 = 3,
		RP_INTEG_HMAC_SHA256_128 = 4 };
enum rp_conf { RP_CONF_NONE = 0, RP_CONF_AES_CBC_128 = 1 };

#define RP_MAX_DIGEST 32	/* SHA256 */
#define RP_KEY_LEN 20		/* Kuid / Kg are NUL-padded to 20 bytes */
#define RP_AES_BLOCK 16

struct rp_suite {
	int id;
	uint8_t auth, integ, conf;
};

/* Fill *out for a cipher suite id we implement (0, 1, 2, 3, 17).
 * Returns 0, or -1 if we do not implement that suite. */
int rp_suite_lookup(int id, struct rp_suite *out);

/* Digest length of the RAKP authentication HMAC (20, 32; 0 for none). */
size_t rp_auth_digest_len(uint8_t auth);
/* Length of the RAKP 4 integrity check value (12 SHA1, 16 SHA256, 0). */
size_t rp_auth_icv_len(uint8_t auth);
/* Length of the per-packet AuthCode (12 SHA1-96, 16 SHA256-128, 0). */
size_t rp_integ_len(uint8_t integ);

/* HMAC with the authentication algorithm's hash (SHA1 or SHA256).
 * Writes rp_auth_digest_len(auth) bytes. Returns 0 or -1. */
int rp_hmac(uint8_t auth, const uint8_t *key, size_t klen,
	    const uint8_t *data, size_t len, uint8_t *out);

/* Everything the RAKP exchange hashes. role is the byte sent in RAKP 1
 * (privilege | 0x10 for name-only lookup); user is not NUL-terminated. */
struct rp_rakp {
	uint8_t auth;			/* enum rp_auth */
	uint32_t console_sid, bmc_sid;
	uint8_t rm[16], rc[16], guid[16];
	uint8_t role;
	uint8_t ulen;
	uint8_t user[16];
	uint8_t kuid[RP_KEY_LEN];	/* password, NUL-padded */
	uint8_t kg[RP_KEY_LEN];		/* BMC key, NUL-padded */
	bool have_kg;
};

/* The RAKP 2 key exchange auth code the BMC sends (full digest). */
int rp_rakp2_keac(const struct rp_rakp *r, uint8_t *out);
/* The RAKP 3 key exchange auth code the console sends (full digest). */
int rp_rakp3_keac(const struct rp_rakp *r, uint8_t *out);
/* Session integrity key: HMAC(Kg or Kuid, Rm|Rc|role|ulen|user). */
int rp_sik(const struct rp_rakp *r, uint8_t *sik);
/* K1 (n = 1) and K2 (n = 2): HMAC(SIK, n x 20). */
int rp_derive_k(uint8_t auth, const uint8_t *sik, uint8_t n, uint8_t *k);
/* The RAKP 4 integrity check value: HMAC(SIK, Rm|bmcSID|GUID), truncated
 * to rp_auth_icv_len(). */
int rp_rakp4_icv(const struct rp_rakp *r, const uint8_t *sik, uint8_t *icv);

/* Constant-time comparison; 0 when equal. */
int rp_memeq_ct(const uint8_t *a, const uint8_t *b, size_t len);

/*
 * Keyed per-session contexts for the steady state.  Allocated once; each
 * packet reuses them, so nothing is allocated per packet.
 */
typedef struct rp_keys rp_keys;

rp_keys *rp_keys_new(void);
void rp_keys_free(rp_keys *k);		/* wipes; NULL is fine */
/* Load K1 (integrity) and K2 (confidentiality) for a suite. Returns 0/-1. */
int rp_keys_set(rp_keys *k, const struct rp_suite *suite, const uint8_t *k1,
		const uint8_t *k2);
void rp_keys_clear(rp_keys *k);		/* back to no integrity, no conf */
uint8_t rp_keys_integ(const rp_keys *k);	/* enum rp_integ in force */
uint8_t rp_keys_conf(const rp_keys *k);		/* enum rp_conf in force */
/* AuthCode over data; writes rp_integ_len() bytes. Returns 0/-1. */
int rp_keys_mac(rp_keys *k, const uint8_t *data, size_t len, uint8_t *out);
/* Constant-time check of an AuthCode. Returns 0 when it matches. */
int rp_keys_verify(rp_keys *k, const uint8_t *data, size_t len,
		   const uint8_t *mac);
/* AES-CBC-128 with the IPMI pad (01 02 .. n, n): out = IV | ciphertext.
 * Returns the output length, or -1 (cap too small). */
int rp_keys_encrypt(rp_keys *k, const uint8_t iv[RP_AES_BLOCK],
		    const uint8_t *in, size_t len, uint8_t *out, size_t cap);
/* Reverse of rp_keys_encrypt, checking the pad. in = IV | ciphertext.
 * Returns the plaintext length, or -1 (bad length or pad). */
int rp_keys_decrypt(rp_keys *k, const uint8_t *in, size_t len, uint8_t *out,
		    size_t cap);

#endif
