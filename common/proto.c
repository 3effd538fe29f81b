/* proto.c — the control protocol's framing: encode and check the 8-byte message header. */
#include <stddef.h>
#include <stdint.h>

#include "proto.h"

void
proto_hdr_encode(uint8_t hdr[PROTO_HDR_LEN], uint16_t type, size_t len)
{
	uint32_t l = (uint32_t)len;

	hdr[0] = (uint8_t)(l & 0xff);
	hdr[1] = (uint8_t)((l >> 8) & 0xff);
	hdr[2] = (uint8_t)((l >> 16) & 0xff);
	hdr[3] = (uint8_t)((l >> 24) & 0xff);
	hdr[4] = (uint8_t)(type & 0xff);
	hdr[5] = (uint8_t)(type >> 8);
	hdr[6] = PROTO_VERSION;
	hdr[7] = 0;
}

long
proto_parse(const uint8_t *buf, size_t len, struct proto_msg *msg,
	    const char **why)
{
	uint32_t plen;
	uint16_t type;
	const char *dummy;

	if (why == NULL)
		why = &dummy;
	*why = NULL;
	if (len < PROTO_HDR_LEN)
		return PROTO_NEED_MORE;
	plen = (uint32_t)buf[0] | (uint32_t)buf[1] << 8 |
	    (uint32_t)buf[2] << 16 | (uint32_t)buf[3] << 24;
	type = (uint16_t)(buf[4] | buf[5] << 8);
	/* Judge the header before waiting for the payload: a bad peer is
	 * told at once instead of after we buffered up to its claimed size. */
	if (buf[6] != PROTO_VERSION) {
		*why = "unsupported protocol version";
		return PROTO_BAD;
	}
	if (buf[7] != 0) {
		*why = "nonzero reserved header byte";
		return PROTO_BAD;
	}
	if (type == 0 || type > PROTO_TYPE_MAX) {
		*why = "unknown message type";
		return PROTO_BAD;
	}
	if (plen > PROTO_MAX_PAYLOAD) {
		*why = "message too long";
		return PROTO_BAD;
	}
	if (len - PROTO_HDR_LEN < plen)
		return PROTO_NEED_MORE;
	if (msg != NULL) {
		msg->type = type;
		msg->version = buf[6];
		msg->payload = buf + PROTO_HDR_LEN;
		msg->len = plen;
	}
	return (long)(PROTO_HDR_LEN + plen);
}

const char *
proto_type_name(uint16_t type)
{
	static const char *const names[PROTO_TYPE_MAX + 1] = {
		[PROTO_HELLO] = "HELLO",
		[PROTO_HELLO_OK] = "HELLO_OK",
		[PROTO_ERROR] = "ERROR",
		[PROTO_LIST] = "LIST",
		[PROTO_LIST_REPLY] = "LIST_REPLY",
		[PROTO_ATTACH] = "ATTACH",
		[PROTO_ATTACH_OK] = "ATTACH_OK",
		[PROTO_DATA] = "DATA",
		[PROTO_INPUT] = "INPUT",
		[PROTO_BREAK] = "BREAK",
		[PROTO_DETACH] = "DETACH",
		[PROTO_EVENT] = "EVENT",
		[PROTO_MODE] = "MODE",
		[PROTO_REPLAY] = "REPLAY",
		[PROTO_TAIL] = "TAIL",
		[PROTO_STATUS] = "STATUS",
		[PROTO_STATUS_REPLY] = "STATUS_REPLY",
		[PROTO_RELOAD] = "RELOAD",
		[PROTO_RELOAD_REPLY] = "RELOAD_REPLY",
		[PROTO_METRICS] = "METRICS",
		[PROTO_METRICS_REPLY] = "METRICS_REPLY",
		[PROTO_DETACHED] = "DETACHED",
		[PROTO_MGMT] = "MGMT",
		[PROTO_MGMT_REPLY] = "MGMT_REPLY",
	};

	if (type == 0 || type > PROTO_TYPE_MAX || names[type] == NULL)
		return "UNKNOWN";
	return names[type];
}
