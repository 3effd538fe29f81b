/* sel.c — System Event Log: info, the read/clear reader state machine, event record decoding and ipmitool-style text. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bytes.h"
#include "ipmi.h"
#include "mgmt.h"

#define CMD_SEL_INFO 0x40
#define CMD_SEL_RESERVE 0x42
#define CMD_SEL_GET 0x43
#define CMD_SEL_CLEAR 0x47

#define SEL_REC 16
#define SEL_LAST 0xffff
#define SEL_RESERVE_TRIES 4
#define SEL_CLEAR_POLLS 64	/* "erasure in progress" answers we wait out */
#define SEL_MAX_ENTRIES 16384
#define SEL_INFO_RESERVE 0x02	/* info flags: Reserve SEL supported */

enum sel_state { S_INFO, S_RESERVE, S_GET, S_CLEAR, S_POLL, S_DONE, S_FAIL };

struct ipmi_sel_reader {
	enum sel_state state;
	bool clear, after, restarted;
	uint16_t after_id;
	struct ipmi_sel_info info;
	uint16_t resv, cur_id, next_id;
	uint8_t chunk, asked, got;	/* chunk 0: whole-record reads */
	uint8_t rec[SEL_REC];
	unsigned resv_tries, polls, requests;
	uint8_t (*ents)[SEL_REC];
	size_t n, cap;
	const char *err;
};

int
ipmi_sel_info_decode(int cc, const uint8_t *d, size_t len,
		     struct ipmi_sel_info *out)
{
	memset(out, 0, sizeof(*out));
	if (cc != IPMI_CC_OK || d == NULL || len < 14)
		return -1;
	out->version = d[0];
	out->entries = le16_get(d + 1);
	out->free = le16_get(d + 3);
	out->add_ts = le32_get(d + 5);
	out->erase_ts = le32_get(d + 9);
	out->flags = d[13];
	return 0;
}

ipmi_sel_reader *
ipmi_sel_reader_new(bool clear)
{
	ipmi_sel_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->clear = clear;
	r->state = clear ? S_RESERVE : S_INFO;
	return r;
}

void
ipmi_sel_reader_free(ipmi_sel_reader *r)
{
	if (r == NULL)
		return;
	free(r->ents);
	free(r);
}

void
ipmi_sel_reader_after(ipmi_sel_reader *r, uint16_t last_id)
{
	/* 0 and 0xFFFF are "first" and "last", not ids of entries */
	if (last_id == 0 || last_id == SEL_LAST)
		return;
	r->after = true;
	r->after_id = last_id;
}

static int
fail(ipmi_sel_reader *r, const char *why)
{
	r->state = S_FAIL;
	r->err = why;
	return -1;
}

static void
clear_req(ipmi_sel_reader *r, struct ipmi_mreq *req, uint8_t op)
{
	req->cmd = CMD_SEL_CLEAR;
	le16_put(req->data, r->resv);
	memcpy(req->data + 2, "CLR", 3);
	req->data[5] = op;	/* 0xAA initiate, 0x00 get status */
	req->len = 6;
}

int
ipmi_sel_reader_next(ipmi_sel_reader *r, struct ipmi_mreq *req)
{
	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_STORAGE;
	switch (r->state) {
	case S_INFO:
		req->cmd = CMD_SEL_INFO;
		break;
	case S_RESERVE:
		req->cmd = CMD_SEL_RESERVE;
		break;
	case S_GET:
		req->cmd = CMD_SEL_GET;
		le16_put(req->data, r->resv);
		le16_put(req->data + 2, r->cur_id);
		if (r->chunk == 0) {
			r->asked = SEL_REC;
			req->data[5] = 0xff;	/* the whole record */
		} else {
			r->asked = (uint8_t)(SEL_REC - r->got < r->chunk ?
					     SEL_REC - r->got : r->chunk);
			req->data[4] = r->got;
			req->data[5] = r->asked;
		}
		req->len = 6;
		break;
	case S_CLEAR:
		clear_req(r, req, 0xaa);
		break;
	case S_POLL:
		clear_req(r, req, 0x00);
		break;
	case S_DONE:
		return IPMI_RD_DONE;
	default:
		return IPMI_RD_FAIL;
	}
	r->requests++;
	return IPMI_RD_REQ;
}

static int
keep_entry(ipmi_sel_reader *r)
{
	uint8_t (*ne)[SEL_REC];

	if (r->after && le16_get(r->rec) == r->after_id && r->n == 0 &&
	    !r->restarted)
		return 0;	/* the one the caller already has */
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 32;

		if ((ne = realloc(r->ents, nc * SEL_REC)) == NULL)
			return fail(r, "out of memory");
		r->ents = ne;
		r->cap = nc;
	}
	memcpy(r->ents[r->n++], r->rec, SEL_REC);
	return 0;
}

static int
entry_done(ipmi_sel_reader *r)
{
	if (keep_entry(r) != 0)
		return -1;
	r->resv_tries = 0;
	r->got = 0;
	if (r->next_id == SEL_LAST) {
		r->state = S_DONE;
		return 0;
	}
	if (r->next_id == r->cur_id || r->n >= SEL_MAX_ENTRIES)
		return fail(r, "SEL entry chain does not end");
	r->cur_id = r->next_id;
	return 0;
}

/* Reservation lost: reserve again (a few times), redo the entry. */
static int
re_reserve(ipmi_sel_reader *r)
{
	if (++r->resv_tries > SEL_RESERVE_TRIES)
		return fail(r, "SEL reservation keeps being cancelled");
	r->got = 0;
	r->state = S_RESERVE;
	return 0;
}

static int
feed_get(ipmi_sel_reader *r, int cc, const uint8_t *d, size_t len)
{
	size_t n;

	if (cc == IPMI_CC_RESERVATION)
		return re_reserve(r);
	if (cc == IPMI_CC_NOT_PRESENT && r->got == 0) {
		if (r->after && r->cur_id == r->after_id && r->n == 0 &&
		    !r->restarted) {
			/* Our last entry is gone: the SEL was cleared. */
			r->restarted = true;
			r->cur_id = 0x0000;
			return 0;
		}
		if (r->cur_id == 0x0000) {	/* empty SEL */
			r->state = S_DONE;
			return 0;
		}
	}
	if (cc == IPMI_CC_CANT_RETURN || cc == IPMI_CC_UNSPECIFIED) {
		if (r->asked <= 1)
			return fail(r, "BMC cannot return SEL data");
		r->chunk = (uint8_t)(r->asked > 4 ? r->asked - 4 : r->asked - 1);
		return 0;
	}
	if (cc != IPMI_CC_OK)
		return fail(r, cc < 0 ? "Get SEL Entry timed out" :
			    "Get SEL Entry failed");
	if (d == NULL || len < 3)
		return fail(r, "Get SEL Entry reply too short");
	n = len - 2;
	if (n > r->asked)
		n = r->asked;
	r->next_id = le16_get(d);
	memcpy(r->rec + r->got, d + 2, n);
	r->got = (uint8_t)(r->got + n);
	/* A whole-record read that came back short is finished in parts. */
	if (r->got < SEL_REC && r->chunk == 0)
		r->chunk = SEL_REC;
	return r->got == SEL_REC ? entry_done(r) : 0;
}

static int
feed_reserve(ipmi_sel_reader *r, int cc, const uint8_t *d, size_t len)
{
	if (cc == IPMI_CC_OK && d != NULL && len >= 2)
		r->resv = le16_get(d);
	else if (cc == IPMI_CC_INVALID_CMD || cc == IPMI_CC_PRIV)
		r->resv = 0;	/* spec: unsupported → 0; D4 → 0 for reads */
	else
		return fail(r, "Reserve SEL failed");
	if (r->clear) {
		if (r->resv == 0 && cc != IPMI_CC_INVALID_CMD)
			return fail(r, "no SEL reservation for clearing");
		r->state = S_CLEAR;
	} else {
		r->state = S_GET;
	}
	return 0;
}

static int
feed_clear(ipmi_sel_reader *r, int cc, const uint8_t *d, size_t len)
{
	if (cc == IPMI_CC_RESERVATION)
		return re_reserve(r);
	if (cc != IPMI_CC_OK || d == NULL || len < 1)
		return fail(r, cc < 0 ? "Clear SEL timed out" :
			    "Clear SEL failed");
	if ((d[0] & 0x0f) == 0x01) {	/* erasure completed */
		r->state = S_DONE;
		return 0;
	}
	if (++r->polls > SEL_CLEAR_POLLS)
		return fail(r, "SEL erasure does not complete");
	r->state = S_POLL;
	return 0;
}

int
ipmi_sel_reader_feed(ipmi_sel_reader *r, int cc, const uint8_t *d, size_t len)
{
	switch (r->state) {
	case S_INFO:
		if (ipmi_sel_info_decode(cc, d, len, &r->info) != 0)
			return fail(r, cc < 0 ? "Get SEL Info timed out" :
				    "Get SEL Info failed");
		r->cur_id = r->after ? r->after_id : 0x0000;
		r->state = (r->info.flags & SEL_INFO_RESERVE) ? S_RESERVE :
		    S_GET;
		return 0;
	case S_RESERVE:
		return feed_reserve(r, cc, d, len);
	case S_GET:
		return feed_get(r, cc, d, len);
	case S_CLEAR:
	case S_POLL:
		return feed_clear(r, cc, d, len);
	default:
		return -1;
	}
}

const char *
ipmi_sel_reader_error(const ipmi_sel_reader *r)
{
	return r->err;
}

const struct ipmi_sel_info *
ipmi_sel_reader_info(const ipmi_sel_reader *r)
{
	return &r->info;
}

size_t
ipmi_sel_reader_count(const ipmi_sel_reader *r)
{
	return r->n;
}

const uint8_t *
ipmi_sel_reader_entry(const ipmi_sel_reader *r, size_t i)
{
	return i < r->n ? r->ents[i] : NULL;
}

bool
ipmi_sel_reader_restarted(const ipmi_sel_reader *r)
{
	return r->restarted;
}

unsigned
ipmi_sel_reader_requests(const ipmi_sel_reader *r)
{
	return r->requests;
}

int
ipmi_sel_decode(const uint8_t *rec, size_t len, struct ipmi_sel_rec *out)
{
	memset(out, 0, sizeof(*out));
	if (rec == NULL || len < SEL_REC)
		return -1;
	out->raw = rec;
	out->id = le16_get(rec);
	out->type = rec[2];
	if (out->type >= 0xe0) {
		out->kind = IPMI_SEL_OEM;
		return 0;
	}
	out->has_ts = true;
	out->ts = le32_get(rec + 3);
	if (out->type >= 0xc0) {
		out->kind = IPMI_SEL_OEM_TS;
		out->manufacturer = (uint32_t)rec[7] | (uint32_t)rec[8] << 8 |
		    (uint32_t)rec[9] << 16;
		return 0;
	}
	if (out->type != 0x02) {
		out->kind = IPMI_SEL_UNKNOWN;
		return 0;
	}
	out->kind = IPMI_SEL_SYSTEM;
	out->generator = le16_get(rec + 7);
	out->evm_rev = rec[9];
	out->sensor_type = rec[10];
	out->sensor_num = rec[11];
	out->assert = (rec[12] & 0x80) == 0;
	out->event_type = rec[12] & 0x7f;
	memcpy(out->ed, rec + 13, 3);
	out->offset = rec[13] & 0x0f;
	out->ed2_use = rec[13] >> 6;
	out->ed3_use = (rec[13] >> 4) & 0x03;
	return 0;
}

void
ipmi_sel_event_str(const struct ipmi_sel_rec *e, char *buf, size_t cap)
{
	const char *t;

	if (e->kind != IPMI_SEL_SYSTEM) {
		snprintf(buf, cap, "OEM record %02x", e->type);
		return;
	}
	t = ipmi_event_text(e->sensor_type, e->event_type, e->offset);
	if (t != NULL)
		snprintf(buf, cap, "%s", t);
	else
		snprintf(buf, cap, "Unknown event 0x%02x/0x%02x offset 0x%02x",
			 e->sensor_type, e->event_type, e->offset);
}

/* Date and time columns, separated by " | ". */
void
ipmi_sel_time_str(uint32_t ts, char *buf, size_t cap)
{
	struct tm tm;
	time_t t = (time_t)ts;

	if (ts == IPMI_SEL_TS_UNSPECIFIED)
		snprintf(buf, cap, "Unspecified | Unspecified");
	else if (ts <= IPMI_SEL_TS_PREINIT_MAX)
		snprintf(buf, cap, "Pre-Init | %010u", (unsigned)ts);
	else if (gmtime_r(&t, &tm) == NULL ||
		 strftime(buf, cap, "%m/%d/%Y | %H:%M:%S", &tm) == 0)
		snprintf(buf, cap, "%u", (unsigned)ts);
}

void
ipmi_sel_line(const struct ipmi_sel_rec *e, char *buf, size_t cap)
{
	char ts[48], ev[96], num[8], hex[3 * SEL_REC + 1];
	int i;

	if (e->kind == IPMI_SEL_SYSTEM) {
		ipmi_sel_time_str(e->ts, ts, sizeof(ts));
		ipmi_sel_event_str(e, ev, sizeof(ev));
		/* ipmitool leaves out sensor number 0 ("Event Logging
		 * Disabled | Log area reset/cleared") */
		if (e->sensor_num != 0)
			snprintf(num, sizeof(num), " #0x%02x", e->sensor_num);
		else
			num[0] = '\0';
		snprintf(buf, cap, "%s | %s%s | %s | %s", ts,
			 ipmi_sensor_type_name(e->sensor_type), num, ev,
			 e->assert ? "Asserted" : "Deasserted");
		return;
	}
	/* OEM and unknown records: the bytes after the header, raw. */
	for (i = 0; i < SEL_REC - 3; i++)
		snprintf(hex + 2 * i, sizeof(hex) - 2 * (size_t)i, "%02x",
			 e->raw[3 + i]);
	if (e->has_ts) {
		ipmi_sel_time_str(e->ts, ts, sizeof(ts));
		snprintf(buf, cap, "%s | OEM record %02x | %s", ts, e->type,
			 hex + 8);
	} else {
		snprintf(buf, cap, "OEM record %02x | %s", e->type, hex);
	}
}

int
ipmi_sel_threshold_str(const struct ipmi_sel_rec *e, const struct ipmi_sdr *s,
		       char *buf, size_t cap)
{
	char rd[32], th[32], unit[96];
	double r, t;
	bool high;

	if (cap > 0)
		buf[0] = '\0';
	if (e->kind != IPMI_SEL_SYSTEM || e->event_type != 0x01 ||
	    e->ed2_use != 1 ||
	    ipmi_sensor_convert(s, e->ed[1], &r) != IPMI_CONV_OK)
		return -1;
	ipmi_sensor_value_str(r, rd, sizeof(rd));
	/* without a threshold in ED3, ipmitool shows the reading alone */
	if (e->ed3_use != 1 ||
	    ipmi_sensor_convert(s, e->ed[2], &t) != IPMI_CONV_OK) {
		snprintf(buf, cap, "Reading %s", rd);
		return 0;
	}
	ipmi_sensor_value_str(t, th, sizeof(th));
	ipmi_sensor_unit_str(s, unit, sizeof(unit));
	/* Odd offsets are the "going high" ones; a deassertion turns the
	 * comparison round, as ipmitool 1.8.19's elist prints it (checked
	 * against Debian 12's ipmitool and ipmi_sim in check_ipmisim_mgmt). */
	high = (e->offset & 1) != 0;
	if (!e->assert)
		high = !high;
	snprintf(buf, cap, "Reading %s %s Threshold %s %s", rd,
		 high ? ">" : "<", th, unit);
	return 0;
}
