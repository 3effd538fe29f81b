/* ipmi.c — IPMI message framing, both directions and roles; completion codes. */
#include <string.h>

#include "ipmi.h"

#define IPMI_REQ_OVERHEAD 7	/* rsAddr netFn chk1 rqAddr rqSeq cmd chk2 */
#define IPMI_RSP_OVERHEAD 8	/* the same plus the completion code */

uint8_t
ipmi_checksum(const uint8_t *p, size_t len)
{
	uint8_t sum = 0;
	size_t i;

	for (i = 0; i < len; i++)
		sum += p[i];
	return (uint8_t)-sum;
}

/* Lay out addr, netFn/LUN, chk1, addr, seq/LUN, cmd; the caller appends. */
static void
put_hdr(uint8_t *out, uint8_t a1, uint8_t netfn, uint8_t lun1, uint8_t a2,
    uint8_t seq, uint8_t lun2, uint8_t cmd)
{
	out[0] = a1;
	out[1] = (uint8_t)((netfn & 0x3f) << 2 | (lun1 & 3));
	out[2] = ipmi_checksum(out, 2);
	out[3] = a2;
	out[4] = (uint8_t)((seq & 0x3f) << 2 | (lun2 & 3));
	out[5] = cmd;
}

int
ipmi_build_req(uint8_t *out, size_t cap, uint8_t netfn, uint8_t cmd,
    uint8_t rqseq, const uint8_t *data, size_t len)
{
	size_t n;

	if (len > IPMI_MAX_DATA || cap < IPMI_REQ_OVERHEAD + len)
		return -1;
	put_hdr(out, IPMI_BMC_ADDR, netfn, 0, IPMI_REMOTE_SWID, rqseq, 0, cmd);
	if (len > 0)
		memmove(out + 6, data, len);
	n = 6 + len;
	out[n] = ipmi_checksum(out + 3, n - 3);
	return (int)(n + 1);
}

int
ipmi_build_rsp(uint8_t *out, size_t cap, const struct ipmi_msg *req,
    uint8_t cc, const uint8_t *data, size_t len)
{
	size_t n;

	if (len > IPMI_MAX_DATA || cap < IPMI_RSP_OVERHEAD + len)
		return -1;
	/* Addressed back to the requester: rqAddr, netFn+1/rqLUN, ...,
	 * rsAddr, rqSeq/rsLUN. */
	put_hdr(out, req->rq_addr, (uint8_t)(req->netfn + 1), req->rq_lun,
	    req->rs_addr, req->rq_seq, req->rs_lun, req->cmd);
	out[6] = cc;
	if (len > 0)
		memmove(out + 7, data, len);
	n = 7 + len;
	out[n] = ipmi_checksum(out + 3, n - 3);
	return (int)(n + 1);
}

/* Sum of a checksummed range including its checksum byte is zero. */
static int
sums_to_zero(const uint8_t *p, size_t len)
{
	return ipmi_checksum(p, len) == 0;
}

int
ipmi_parse_rsp(const uint8_t *in, size_t len, struct ipmi_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (in == NULL || len < IPMI_RSP_OVERHEAD)
		return -1;
	out->rq_addr = in[0];
	out->netfn = in[1] >> 2;
	out->rq_lun = in[1] & 3;
	out->rs_addr = in[3];
	out->rq_seq = in[4] >> 2;
	out->rs_lun = in[4] & 3;
	out->cmd = in[5];
	out->cc = in[6];
	out->data = in + 7;
	out->len = len - IPMI_RSP_OVERHEAD;
	out->chk1_ok = sums_to_zero(in, 3);
	out->chk2_ok = sums_to_zero(in + 3, len - 3);
	return 0;
}

int
ipmi_parse_req(const uint8_t *in, size_t len, struct ipmi_msg *out)
{
	memset(out, 0, sizeof(*out));
	if (in == NULL || len < IPMI_REQ_OVERHEAD)
		return -1;
	out->rs_addr = in[0];
	out->netfn = in[1] >> 2;
	out->rs_lun = in[1] & 3;
	out->rq_addr = in[3];
	out->rq_seq = in[4] >> 2;
	out->rq_lun = in[4] & 3;
	out->cmd = in[5];
	out->cc = -1;
	out->data = in + 6;
	out->len = len - IPMI_REQ_OVERHEAD;
	out->chk1_ok = sums_to_zero(in, 3);
	out->chk2_ok = sums_to_zero(in + 3, len - 3);
	return 0;
}

const char *
ipmi_cc_str(int cc)
{
	switch (cc) {
	case -1:
		return "no response (timed out)";
	case IPMI_CC_OK:
		return "0x00 success";
	case IPMI_CC_NODE_BUSY:
		return "0xC0 node busy";
	case IPMI_CC_INVALID_CMD:
		return "0xC1 invalid command";
	case 0xC2:
		return "0xC2 command invalid for given LUN";
	case IPMI_CC_TIMEOUT:
		return "0xC3 timeout while processing command";
	case IPMI_CC_OUT_OF_SPACE:
		return "0xC4 out of space";
	case IPMI_CC_RESERVATION:
		return "0xC5 reservation cancelled or invalid";
	case IPMI_CC_REQ_TRUNCATED:
		return "0xC6 request data truncated";
	case IPMI_CC_REQ_LEN:
		return "0xC7 request data length invalid";
	case 0xC8:
		return "0xC8 request data field length limit exceeded";
	case 0xC9:
		return "0xC9 parameter out of range";
	case IPMI_CC_CANT_RETURN:
		return "0xCA cannot return number of requested data bytes";
	case IPMI_CC_NOT_PRESENT:
		return "0xCB requested sensor, data or record not present";
	case IPMI_CC_INVALID_FIELD:
		return "0xCC invalid data field in request";
	case IPMI_CC_ILLEGAL:
		return "0xCD command illegal for sensor or record type";
	case IPMI_CC_NO_RESPONSE:
		return "0xCE command response could not be provided";
	case IPMI_CC_DUPLICATE:
		return "0xCF cannot execute duplicated request";
	case IPMI_CC_SDR_UPDATE:
		return "0xD0 SDR repository in update mode";
	case IPMI_CC_FW_UPDATE:
		return "0xD1 device in firmware update mode";
	case IPMI_CC_INIT:
		return "0xD2 BMC initialization in progress";
	case IPMI_CC_DEST_UNAVAIL:
		return "0xD3 destination unavailable";
	case IPMI_CC_PRIV:
		return "0xD4 insufficient privilege level";
	case IPMI_CC_NOT_SUPPORTED_NOW:
		return "0xD5 not supported in present state";
	case 0xD6:
		return "0xD6 sub-function disabled or unavailable";
	case IPMI_CC_UNSPECIFIED:
		return "0xFF unspecified error";
	}
	if (cc >= 0x01 && cc <= 0x7E)
		return "OEM completion code";
	if (cc >= 0x80 && cc <= 0xBE)
		return "command-specific completion code";
	return "unknown completion code";
}
