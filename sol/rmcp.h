/* rmcp.h — RMCP / IPMI 1.5 / RMCP+ datagram framing, both directions, both roles. */
#ifndef IPMUX_SOL_RMCP_H
#define IPMUX_SOL_RMCP_H

#include <stddef.h>
#include <stdint.h>

#include "crypto.h"

/* Payload types (low 6 bits of the RMCP+ payload type byte). */
enum rp_ptype {
	RP_PT_IPMI = 0x00,
	RP_PT_SOL = 0x01,
	RP_PT_OEM = 0x02,
	RP_PT_OPEN_RQ = 0x10,
	RP_PT_OPEN_RS = 0x11,
	RP_PT_RAKP1 = 0x12,
	RP_PT_RAKP2 = 0x13,
	RP_PT_RAKP3 = 0x14,
	RP_PT_RAKP4 = 0x15,
};
#define RP_PT_ENCRYPTED 0x80
#define RP_PT_AUTHENTICATED 0x40

#define RP_AUTHTYPE_NONE 0x00
#define RP_AUTHTYPE_RMCPP 0x06

/* Largest datagram we build or accept. */
#define RP_MAX_DGRAM 1024

/* Parse errors (negative return values of rp_parse). */
enum rp_err {
	RP_E_SHORT = -1,	/* truncated */
	RP_E_HDR = -2,		/* not RMCP/IPMI, unknown auth type or class */
	RP_E_LEN = -3,		/* length field disagrees with datagram */
	RP_E_MAC = -4,		/* AuthCode missing or wrong */
	RP_E_PAD = -5,		/* bad integrity pad or AES pad */
	RP_E_NOKEY = -6,	/* protected packet but no keys in force */
	RP_E_UNSUP = -7,	/* IPMI 1.5 with authentication, OEM payloads */
};
const char *rp_err_str(int err);

/* A parsed inbound datagram. payload points into the input datagram, or
 * into the caller's scratch buffer when it had to be decrypted. */
struct rp_packet {
	int v20;		/* 1 for RMCP+ (auth type 6), 0 for IPMI 1.5 */
	uint8_t ptype;		/* payload type, flags stripped */
	int encrypted, authenticated;
	uint32_t sid;
	uint32_t seq;
	const uint8_t *payload;
	size_t len;
};

/* Session-less IPMI 1.5 packet (auth type none, seq 0, SID 0) carrying one
 * IPMI message. Returns the datagram length, or -1 if cap is too small. */
int rp_build_v15(uint8_t *out, size_t cap, const uint8_t *msg, size_t len);

/* RMCP+ packet. keys NULL, or keys with no algorithms in force, sends the
 * payload in the clear without trailer; otherwise it is encrypted (when
 * confidentiality is in force) and authenticated. iv is used only when
 * encrypting (16 fresh random bytes). Returns the length or -1. */
int rp_build_v20(uint8_t *out, size_t cap, uint8_t ptype, uint32_t sid,
		 uint32_t seq, const uint8_t *payload, size_t len,
		 rp_keys *keys, const uint8_t *iv);

/* Parse and, where flagged, verify (constant time) then decrypt one
 * datagram. A packet flagged authenticated needs keys with integrity in
 * force; one flagged encrypted needs confidentiality. Returns 0 or an
 * rp_err. Never reads past len. */
int rp_parse(const uint8_t *in, size_t len, rp_keys *keys, uint8_t *scratch,
	     size_t scratch_cap, struct rp_packet *out);

/* An RMCP ASF presence ping (for completeness of the codec; unused by
 * the client). Returns nonzero if the datagram is an RMCP ASF message. */
int rp_is_asf(const uint8_t *in, size_t len);

#endif
