/* rmcp.c — RMCP / IPMI 1.5 / RMCP+ datagrams: building and bounded parsing. */
#include <string.h>

#include "bytes.h"
#include "rmcp.h"

#define RMCP_VERSION 0x06
#define RMCP_SEQ_NOACK 0xFF
#define RMCP_CLASS_ASF 0x06
#define RMCP_CLASS_IPMI 0x07
#define RMCP_HDR 4

#define V15_HDR (RMCP_HDR + 1 + 4 + 4 + 1)	/* ... authtype seq sid len */
#define V20_HDR (RMCP_HDR + 1 + 1 + 4 + 4 + 2)	/* type pt sid seq len */
#define V20_NEXT_HEADER 0x07

/* IPMI 1.5 auth types other than none: MD2, MD5, straight password, OEM. */
#define V15_AUTH_MD2 0x01
#define V15_AUTH_MD5 0x02
#define V15_AUTH_PASSWORD 0x04
#define V15_AUTH_OEM 0x05

const char *
rp_err_str(int err)
{
	switch (err) {
	case 0:
		return "ok";
	case RP_E_SHORT:
		return "truncated datagram";
	case RP_E_HDR:
		return "bad RMCP/IPMI header";
	case RP_E_LEN:
		return "length field disagrees with datagram";
	case RP_E_MAC:
		return "AuthCode missing or wrong";
	case RP_E_PAD:
		return "bad integrity or confidentiality pad";
	case RP_E_NOKEY:
		return "protected packet without keys in force";
	case RP_E_UNSUP:
		return "unsupported authentication or payload type";
	default:
		return "unknown error";
	}
}

static void
put_rmcp_hdr(uint8_t *p)
{
	p[0] = RMCP_VERSION;
	p[1] = 0x00;
	p[2] = RMCP_SEQ_NOACK;
	p[3] = RMCP_CLASS_IPMI;
}

int
rp_build_v15(uint8_t *out, size_t cap, const uint8_t *msg, size_t len)
{
	/* No legacy pad byte: ipmitool only adds one for a few total sizes
	 * no session-less command here reaches, and ipmi_sim ignores it. */
	if (len > 0xff || cap < V15_HDR + len)
		return -1;
	put_rmcp_hdr(out);
	out[4] = RP_AUTHTYPE_NONE;
	le32_put(out + 5, 0);		/* session seq */
	le32_put(out + 9, 0);		/* session id */
	out[13] = (uint8_t)len;
	if (len > 0)
		memmove(out + V15_HDR, msg, len);
	return (int)(V15_HDR + len);
}

/* Setup payloads travel in the clear, whatever keys are in force. */
static int
is_setup_type(uint8_t pt)
{
	return pt >= RP_PT_OPEN_RQ && pt <= RP_PT_RAKP4;
}

/* Integrity pad so that AuthType .. Next Header is a multiple of 4. */
static size_t
integ_pad_len(size_t payload_end)
{
	/* bytes from AuthType through Next Header = payload_end - 4 + p + 2 */
	return (4 - (payload_end - RMCP_HDR + 2) % 4) % 4;
}

/* Append FF.. | p | 07 | AuthCode after the payload ending at off. */
static int
add_trailer(uint8_t *out, size_t cap, size_t off, rp_keys *keys)
{
	size_t p = integ_pad_len(off), ilen = rp_integ_len(rp_keys_integ(keys));

	if (cap < off + p + 2 + ilen)
		return -1;
	memset(out + off, 0xff, p);
	off += p;
	out[off++] = (uint8_t)p;
	out[off++] = V20_NEXT_HEADER;
	if (rp_keys_mac(keys, out + RMCP_HDR, off - RMCP_HDR, out + off) != 0)
		return -1;
	return (int)(off + ilen);
}

int
rp_build_v20(uint8_t *out, size_t cap, uint8_t ptype, uint32_t sid,
    uint32_t seq, const uint8_t *payload, size_t len, rp_keys *keys,
    const uint8_t *iv)
{
	int enc = 0, auth = 0, n;
	size_t plen;

	ptype &= 0x3f;
	if (!is_setup_type(ptype)) {
		enc = rp_keys_conf(keys) != RP_CONF_NONE;
		auth = rp_keys_integ(keys) != RP_INTEG_NONE;
	}
	if (cap < V20_HDR || len > 0xffff)
		return -1;
	if (enc) {
		n = rp_keys_encrypt(keys, iv, payload, len, out + V20_HDR,
		    cap - V20_HDR);
		if (n < 0)
			return -1;
		plen = (size_t)n;
	} else {
		if (cap - V20_HDR < len)
			return -1;
		if (len > 0)
			memmove(out + V20_HDR, payload, len);
		plen = len;
	}
	if (plen > 0xffff)
		return -1;
	put_rmcp_hdr(out);
	out[4] = RP_AUTHTYPE_RMCPP;
	out[5] = ptype | (enc ? RP_PT_ENCRYPTED : 0) |
	    (auth ? RP_PT_AUTHENTICATED : 0);
	le32_put(out + 6, sid);
	le32_put(out + 10, seq);
	out[14] = plen & 0xff;
	out[15] = (plen >> 8) & 0xff;
	if (!auth)
		return (int)(V20_HDR + plen);
	return add_trailer(out, cap, V20_HDR + plen, keys);
}

static int
parse_v15(const uint8_t *in, size_t len, struct rp_packet *out)
{
	size_t mlen;

	if (len < V15_HDR)
		return RP_E_SHORT;
	mlen = in[13];
	/* Trailing bytes are tolerated: some senders add a legacy pad. */
	if (V15_HDR + mlen > len)
		return RP_E_LEN;
	out->v20 = 0;
	out->ptype = RP_PT_IPMI;
	out->seq = le32_get(in + 5);
	out->sid = le32_get(in + 9);
	out->payload = in + V15_HDR;
	out->len = mlen;
	return 0;
}

/*
 * Check the integrity trailer after the payload (ending at off) and the
 * AuthCode, in constant time, before anything else looks at the payload.
 */
static int
check_trailer(const uint8_t *in, size_t len, size_t off, rp_keys *keys)
{
	size_t ilen = rp_integ_len(rp_keys_integ(keys)), p, i;

	if (len < off + 2 + ilen)
		return RP_E_MAC;
	p = len - off - 2 - ilen;
	if (p != integ_pad_len(off))
		return RP_E_PAD;
	if (rp_keys_verify(keys, in + RMCP_HDR, off + p + 2 - RMCP_HDR,
	    in + off + p + 2) != 0)
		return RP_E_MAC;
	/* Authenticated now; the layout bytes must still be right. */
	for (i = 0; i < p; i++)
		if (in[off + i] != 0xff)
			return RP_E_PAD;
	if (in[off + p] != p || in[off + p + 1] != V20_NEXT_HEADER)
		return RP_E_PAD;
	return 0;
}

/* Known payload types; OEM ones are recognised only to be refused. */
static int
check_ptype(uint8_t pt)
{
	if (pt == RP_PT_IPMI || pt == RP_PT_SOL || is_setup_type(pt))
		return 0;
	if (pt == RP_PT_OEM || (pt >= 0x20 && pt <= 0x27))
		return RP_E_UNSUP;
	return RP_E_HDR;
}

static int
parse_v20(const uint8_t *in, size_t len, rp_keys *keys, uint8_t *scratch,
    size_t scratch_cap, struct rp_packet *out)
{
	size_t plen, end;
	uint8_t pt;
	int enc, auth, rc;

	if (len < RMCP_HDR + 2)
		return RP_E_SHORT;
	pt = in[5] & 0x3f;
	enc = (in[5] & RP_PT_ENCRYPTED) != 0;
	auth = (in[5] & RP_PT_AUTHENTICATED) != 0;
	if ((rc = check_ptype(pt)) != 0)
		return rc;
	/* Setup payloads are never protected; flags on one are garbage. */
	if (is_setup_type(pt) && (enc || auth))
		return RP_E_HDR;
	if (len < V20_HDR)
		return RP_E_SHORT;
	plen = (size_t)in[14] | (size_t)in[15] << 8;
	end = V20_HDR + plen;
	if (end > len)
		return RP_E_LEN;
	if (auth) {
		if (rp_keys_integ(keys) == RP_INTEG_NONE)
			return RP_E_NOKEY;
		if ((rc = check_trailer(in, len, end, keys)) != 0)
			return rc;
	} else {
		if (end != len)
			return RP_E_LEN;
		/* With integrity in force a plain IPMI or SOL packet can only
		 * be an injection attempt (and must not reach the decryptor:
		 * that would be a pad oracle). */
		if (rp_keys_integ(keys) != RP_INTEG_NONE && !is_setup_type(pt))
			return RP_E_MAC;
	}
	out->v20 = 1;
	out->ptype = pt;
	out->encrypted = enc;
	out->authenticated = auth;
	out->sid = le32_get(in + 6);
	out->seq = le32_get(in + 10);
	out->payload = in + V20_HDR;
	out->len = plen;
	if (!enc)
		return 0;
	if (rp_keys_conf(keys) == RP_CONF_NONE)
		return RP_E_NOKEY;
	if (plen < 2 * RP_AES_BLOCK || plen % RP_AES_BLOCK != 0)
		return RP_E_LEN;
	if (scratch == NULL || scratch_cap < plen - RP_AES_BLOCK)
		return RP_E_LEN;
	if ((rc = rp_keys_decrypt(keys, in + V20_HDR, plen, scratch,
	    scratch_cap)) < 0) {
		memset(scratch, 0, plen - RP_AES_BLOCK);
		return RP_E_PAD;
	}
	out->payload = scratch;
	out->len = (size_t)rc;
	return 0;
}

int
rp_parse(const uint8_t *in, size_t len, rp_keys *keys, uint8_t *scratch,
    size_t scratch_cap, struct rp_packet *out)
{
	int rc;

	memset(out, 0, sizeof(*out));
	if (in == NULL || len < RMCP_HDR + 1)
		return RP_E_SHORT;
	/* IPMI over RMCP never asks for RMCP ACKs: seq is always FF. These
	 * bytes are outside the AuthCode, so they are checked exactly. */
	if (in[0] != RMCP_VERSION || in[1] != 0x00 ||
	    in[2] != RMCP_SEQ_NOACK || in[3] != RMCP_CLASS_IPMI)
		return RP_E_HDR;
	switch (in[4]) {
	case RP_AUTHTYPE_NONE:
		rc = parse_v15(in, len, out);
		break;
	case RP_AUTHTYPE_RMCPP:
		rc = parse_v20(in, len, keys, scratch, scratch_cap, out);
		break;
	case V15_AUTH_MD2:
	case V15_AUTH_MD5:
	case V15_AUTH_PASSWORD:
	case V15_AUTH_OEM:
		rc = RP_E_UNSUP;
		break;
	default:
		rc = RP_E_HDR;
		break;
	}
	/* Leave nothing half-filled for a caller that ignores the result. */
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

int
rp_is_asf(const uint8_t *in, size_t len)
{
	return len >= RMCP_HDR && in[0] == RMCP_VERSION &&
	    in[3] == RMCP_CLASS_ASF;
}
