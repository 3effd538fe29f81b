/* ipmi.h — IPMI message framing (request/response, checksums) and command constants. */
#ifndef IPMUX_SOL_IPMI_H
#define IPMUX_SOL_IPMI_H

#include <stddef.h>
#include <stdint.h>

#define IPMI_BMC_ADDR 0x20
#define IPMI_REMOTE_SWID 0x81

/* Network functions (request codes; the response is netfn + 1). */
#define IPMI_NETFN_CHASSIS 0x00
#define IPMI_NETFN_SENSOR 0x04
#define IPMI_NETFN_APP 0x06
#define IPMI_NETFN_STORAGE 0x0A
#define IPMI_NETFN_TRANSPORT 0x0C

/* App commands used by the session and SOL layers. */
#define IPMI_CMD_GET_DEVICE_ID 0x01
#define IPMI_CMD_GET_CHAN_AUTH_CAP 0x38
#define IPMI_CMD_SET_SESSION_PRIV 0x3B
#define IPMI_CMD_CLOSE_SESSION 0x3C
#define IPMI_CMD_ACTIVATE_PAYLOAD 0x48
#define IPMI_CMD_DEACTIVATE_PAYLOAD 0x49
#define IPMI_CMD_GET_PAYLOAD_ACT_STATUS 0x4A
#define IPMI_CMD_GET_PAYLOAD_INST_INFO 0x4B
#define IPMI_CMD_GET_CHAN_PAYLOAD_SUPPORT 0x4E
#define IPMI_CMD_GET_CHAN_CIPHER_SUITES 0x54
#define IPMI_CMD_GET_SOL_CONFIG 0x22	/* transport netfn */

/* Completion codes with meaning to the session layer. */
#define IPMI_CC_OK 0x00
#define IPMI_CC_NODE_BUSY 0xC0
#define IPMI_CC_INVALID_CMD 0xC1
#define IPMI_CC_TIMEOUT 0xC3
#define IPMI_CC_OUT_OF_SPACE 0xC4
#define IPMI_CC_RESERVATION 0xC5
#define IPMI_CC_REQ_TRUNCATED 0xC6
#define IPMI_CC_REQ_LEN 0xC7
#define IPMI_CC_CANT_RETURN 0xCA
#define IPMI_CC_NOT_PRESENT 0xCB
#define IPMI_CC_INVALID_FIELD 0xCC
#define IPMI_CC_ILLEGAL 0xCD
#define IPMI_CC_NO_RESPONSE 0xCE
#define IPMI_CC_DUPLICATE 0xCF
#define IPMI_CC_SDR_UPDATE 0xD0
#define IPMI_CC_FW_UPDATE 0xD1
#define IPMI_CC_INIT 0xD2
#define IPMI_CC_DEST_UNAVAIL 0xD3
#define IPMI_CC_PRIV 0xD4
#define IPMI_CC_NOT_SUPPORTED_NOW 0xD5
#define IPMI_CC_UNSPECIFIED 0xFF

/* Largest data part of a request or response we handle. */
#define IPMI_MAX_DATA 272

/* Two's-complement checksum: the byte that makes the sum zero. */
uint8_t ipmi_checksum(const uint8_t *p, size_t len);

/* Request from a remote console (rqAddr 0x81) to the BMC (0x20), LUN 0.
 * Returns the message length, or -1 if cap is too small. */
int ipmi_build_req(uint8_t *out, size_t cap, uint8_t netfn, uint8_t cmd,
		   uint8_t rqseq, const uint8_t *data, size_t len);

struct ipmi_msg {
	uint8_t rs_addr, netfn, rs_lun, rq_addr, rq_seq, rq_lun, cmd;
	int cc;			/* responses only; -1 for requests */
	const uint8_t *data;	/* after cc (responses) or cmd (requests) */
	size_t len;
	int chk1_ok, chk2_ok;
};

/* Parse a response (cc present). Returns 0, or -1 when too short.
 * Checksum results are reported, not enforced (nochecksumcheck). */
int ipmi_parse_rsp(const uint8_t *in, size_t len, struct ipmi_msg *out);
/* Parse a request (no cc). Returns 0, or -1 when too short. */
int ipmi_parse_req(const uint8_t *in, size_t len, struct ipmi_msg *out);
/* Response to a parsed request: netfn+1, same rqSeq/cmd, cc, data.
 * Returns the length, or -1 if cap is too small. */
int ipmi_build_rsp(uint8_t *out, size_t cap, const struct ipmi_msg *req,
		   uint8_t cc, const uint8_t *data, size_t len);

/* "0xC1 invalid command" style text for a completion code. */
const char *ipmi_cc_str(int cc);

#endif
