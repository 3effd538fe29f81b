/* sdr.c — SDR repository: info, the partial-read reader state machine and record parsing (full, compact, event-only, FRU and MC locators). */
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ipmi.h"
#include "mgmt.h"

#define CMD_SDR_INFO 0x20
#define CMD_SDR_RESERVE 0x22
#define CMD_SDR_GET 0x23

#define SDR_HDR 5
#define SDR_CHUNK 16		/* FreeIPMI's size; ipmi_sim allows <= 32 */
#define SDR_RESERVE_TRIES 4
#define SDR_MAX_RECORDS 4096	/* a BMC that never says 0xFFFF */
#define SDR_LAST 0xffff

enum sdr_state { S_INFO, S_RESERVE, S_READ, S_DONE, S_FAIL };

struct sdr_rec {
	uint8_t *buf;
	size_t len;
};

struct ipmi_sdr_reader {
	enum sdr_state state;
	struct ipmi_sdr_info info, cache;
	bool have_cache, unchanged;
	uint16_t resv, cur_id, next_id;
	uint8_t chunk, asked;		/* chunk size; bytes last asked for */
	unsigned resv_tries, requests;
	uint8_t rec[SDR_HDR + 255];
	size_t got, want;
	struct sdr_rec *recs;
	size_t n, cap;
	const char *err;
};

int
ipmi_sdr_info_decode(int cc, const uint8_t *d, size_t len,
		     struct ipmi_sdr_info *out)
{
	memset(out, 0, sizeof(*out));
	if (cc != IPMI_CC_OK || d == NULL || len < 14)
		return -1;
	out->version = d[0];
	out->count = le16_get(d + 1);
	out->free = le16_get(d + 3);
	out->add_ts = le32_get(d + 5);
	out->erase_ts = le32_get(d + 9);
	out->flags = d[13];
	return 0;
}

bool
ipmi_sdr_cache_valid(const struct ipmi_sdr_info *old,
		     const struct ipmi_sdr_info *now)
{
	return old != NULL && now != NULL && old->add_ts == now->add_ts &&
	    old->erase_ts == now->erase_ts;
}

ipmi_sdr_reader *
ipmi_sdr_reader_new(void)
{
	ipmi_sdr_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->state = S_INFO;
	r->chunk = SDR_CHUNK;
	return r;
}

void
ipmi_sdr_reader_free(ipmi_sdr_reader *r)
{
	size_t i;

	if (r == NULL)
		return;
	for (i = 0; i < r->n; i++)
		free(r->recs[i].buf);
	free(r->recs);
	free(r);
}

void
ipmi_sdr_reader_set_cache(ipmi_sdr_reader *r,
			  const struct ipmi_sdr_info *cached)
{
	if (cached == NULL) {
		r->have_cache = false;
		return;
	}
	r->cache = *cached;
	r->have_cache = true;
}

static int
fail(ipmi_sdr_reader *r, const char *why)
{
	r->state = S_FAIL;
	r->err = why;
	return -1;
}

int
ipmi_sdr_reader_next(ipmi_sdr_reader *r, struct ipmi_mreq *req)
{
	size_t left;

	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_STORAGE;
	switch (r->state) {
	case S_INFO:
		req->cmd = CMD_SDR_INFO;
		break;
	case S_RESERVE:
		req->cmd = CMD_SDR_RESERVE;
		break;
	case S_READ:
		/* The header first (its length byte sizes the rest), then
		 * the body in chunks. */
		left = r->want - r->got;
		r->asked = (uint8_t)(left < r->chunk ? left : r->chunk);
		req->cmd = CMD_SDR_GET;
		le16_put(req->data, r->resv);
		le16_put(req->data + 2, r->cur_id);
		req->data[4] = (uint8_t)r->got;
		req->data[5] = r->asked;
		req->len = 6;
		break;
	case S_DONE:
		return IPMI_RD_DONE;
	default:
		return IPMI_RD_FAIL;
	}
	r->requests++;
	return IPMI_RD_REQ;
}

/* Keep the completed record; move on to the next one or finish. */
static int
record_done(ipmi_sdr_reader *r)
{
	struct sdr_rec *nr;

	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 32;

		if ((nr = realloc(r->recs, nc * sizeof(*nr))) == NULL)
			return fail(r, "out of memory");
		r->recs = nr;
		r->cap = nc;
	}
	if ((r->recs[r->n].buf = malloc(r->got)) == NULL)
		return fail(r, "out of memory");
	memcpy(r->recs[r->n].buf, r->rec, r->got);
	r->recs[r->n++].len = r->got;
	r->resv_tries = 0;
	if (r->next_id == SDR_LAST) {
		r->state = S_DONE;
		return 0;
	}
	/* A chain that points back at itself or never ends. */
	if (r->next_id == r->cur_id || r->n >= SDR_MAX_RECORDS)
		return fail(r, "SDR record chain does not end");
	r->cur_id = r->next_id;
	r->got = 0;
	r->want = SDR_HDR;
	return 0;
}

static int
feed_read(ipmi_sdr_reader *r, int cc, const uint8_t *d, size_t len)
{
	size_t n;

	if (cc == IPMI_CC_RESERVATION) {
		/* Someone else reserved: reserve again, restart the record
		 * (it may have changed). */
		if (++r->resv_tries > SDR_RESERVE_TRIES)
			return fail(r, "SDR reservation keeps being cancelled");
		r->state = S_RESERVE;
		r->got = 0;
		r->want = SDR_HDR;
		return 0;
	}
	if (cc == IPMI_CC_CANT_RETURN || cc == IPMI_CC_UNSPECIFIED) {
		/* The BMC cannot return that many bytes at once. */
		if (r->asked <= 1)
			return fail(r, "BMC cannot return SDR data");
		r->chunk = (uint8_t)(r->asked > 4 ? r->asked - 4 : r->asked - 1);
		return 0;
	}
	if (cc != IPMI_CC_OK)
		return fail(r, cc < 0 ? "Get SDR timed out" : "Get SDR failed");
	if (d == NULL || len < 3)
		return fail(r, "Get SDR reply too short");
	n = len - 2;
	if (n > r->asked)
		n = r->asked;	/* more than asked: ignore the excess */
	r->next_id = le16_get(d);
	memcpy(r->rec + r->got, d + 2, n);
	r->got += n;
	if (r->want == SDR_HDR && r->got >= SDR_HDR)
		r->want = SDR_HDR + (size_t)r->rec[4];
	if (r->got == r->want)
		return record_done(r);
	return 0;
}

int
ipmi_sdr_reader_feed(ipmi_sdr_reader *r, int cc, const uint8_t *d, size_t len)
{
	switch (r->state) {
	case S_INFO:
		if (cc < 0)
			return fail(r, "SDR repository info timed out");
		/* Without info there is no cache check, but the records
		 * can still be read. */
		if (ipmi_sdr_info_decode(cc, d, len, &r->info) == 0 &&
		    r->have_cache && ipmi_sdr_cache_valid(&r->cache, &r->info)) {
			r->unchanged = true;
			r->state = S_DONE;
			return 0;
		}
		r->state = S_RESERVE;
		return 0;
	case S_RESERVE:
		if (cc == IPMI_CC_OK && d != NULL && len >= 2)
			r->resv = le16_get(d);
		else if (cc == IPMI_CC_INVALID_CMD)
			r->resv = 0;	/* no reservations: read without */
		else
			return fail(r, "Reserve SDR repository failed");
		if (r->n == 0 && r->got == 0 && r->want == 0) {
			r->cur_id = 0x0000;	/* first record */
			r->want = SDR_HDR;
		}
		r->state = S_READ;
		return 0;
	case S_READ:
		return feed_read(r, cc, d, len);
	default:
		return -1;
	}
}

bool
ipmi_sdr_reader_unchanged(const ipmi_sdr_reader *r)
{
	return r->unchanged;
}

const char *
ipmi_sdr_reader_error(const ipmi_sdr_reader *r)
{
	return r->err;
}

const struct ipmi_sdr_info *
ipmi_sdr_reader_info(const ipmi_sdr_reader *r)
{
	return &r->info;
}

size_t
ipmi_sdr_reader_count(const ipmi_sdr_reader *r)
{
	return r->n;
}

const uint8_t *
ipmi_sdr_reader_record(const ipmi_sdr_reader *r, size_t i, size_t *len)
{
	if (i >= r->n)
		return NULL;
	*len = r->recs[i].len;
	return r->recs[i].buf;
}

unsigned
ipmi_sdr_reader_requests(const ipmi_sdr_reader *r)
{
	return r->requests;
}

/* Sign-extend the low bits of v. */
static int
sext(unsigned v, unsigned bits)
{
	unsigned m = 1u << (bits - 1);

	v &= (1u << bits) - 1;
	return (int)(v ^ m) - (int)m;
}

static void
sdr_name(const uint8_t *rec, size_t n, size_t at, struct ipmi_sdr *out)
{
	if (at >= n || ipmi_fru_field(rec + at, n - at, out->name,
				      sizeof(out->name)) < 0)
		out->name[0] = '\0';
}

static void
parse_sensor_common(const uint8_t *r, struct ipmi_sdr *out)
{
	out->owner = r[5];
	out->lun = r[6] & 0x03;
	out->channel = r[6] >> 4;
	out->number = r[7];
	out->entity = r[8];
	out->instance = r[9] & 0x7f;
}

static int
parse_full(const uint8_t *r, size_t n, struct ipmi_sdr *out)
{
	unsigned access;

	if (n < 48)
		return -1;
	parse_sensor_common(r, out);
	out->caps = r[11];
	out->sensor_type = r[12];
	out->event_type = r[13];
	out->unit_flags = r[20];
	out->format = r[20] >> 6;
	out->unit = r[21];
	out->unit_mod = r[22];
	out->linear = r[23] & 0x7f;
	out->m = (int16_t)sext((unsigned)r[24] | (unsigned)(r[25] & 0xc0) << 2, 10);
	out->b = (int16_t)sext((unsigned)r[26] | (unsigned)(r[27] & 0xc0) << 2, 10);
	out->rexp = (int8_t)sext(r[29] >> 4, 4);
	out->bexp = (int8_t)sext(r[29] & 0x0f, 4);
	/* Thresholds count only when the sensor says they can be read
	 * (capabilities b3:2 = 01 or 10). */
	access = (r[11] >> 2) & 0x03;
	if (out->event_type == 0x01 && (access == 1 || access == 2))
		out->readable = r[18] & 0x3f;
	out->th[IPMI_TH_UNR] = r[36];
	out->th[IPMI_TH_UC] = r[37];
	out->th[IPMI_TH_UNC] = r[38];
	out->th[IPMI_TH_LNR] = r[39];
	out->th[IPMI_TH_LC] = r[40];
	out->th[IPMI_TH_LNC] = r[41];
	sdr_name(r, n, 47, out);
	return 0;
}

static int
parse_compact(const uint8_t *r, size_t n, struct ipmi_sdr *out)
{
	if (n < 32)
		return -1;
	parse_sensor_common(r, out);
	out->caps = r[11];
	out->sensor_type = r[12];
	out->event_type = r[13];
	out->unit_flags = r[20];
	out->format = 3;	/* compact records carry no conversion */
	out->unit = r[21];
	out->unit_mod = r[22];
	sdr_name(r, n, 31, out);
	return 0;
}

static int
parse_event_only(const uint8_t *r, size_t n, struct ipmi_sdr *out)
{
	if (n < 17)
		return -1;
	parse_sensor_common(r, out);
	out->sensor_type = r[10];
	out->event_type = r[11];
	out->format = 3;
	sdr_name(r, n, 16, out);
	return 0;
}

static int
parse_locator(const uint8_t *r, size_t n, struct ipmi_sdr *out)
{
	if (n < 16)
		return -1;
	out->dev_addr = r[5];
	if (out->type == IPMI_SDR_FRU_LOCATOR) {
		out->fru_id = r[6];
		out->logical_fru = (r[7] & 0x80) != 0;
		out->lun = (r[7] >> 3) & 0x03;
		out->channel = r[8] >> 4;
	} else {
		out->channel = r[6] & 0x0f;
		out->mc_caps = r[8];
	}
	out->entity = r[12];
	out->instance = r[13] & 0x7f;
	out->format = 3;
	sdr_name(r, n, 15, out);
	return 0;
}

int
ipmi_sdr_parse(const uint8_t *rec, size_t len, struct ipmi_sdr *out)
{
	size_t n;

	memset(out, 0, sizeof(*out));
	out->format = 3;
	if (rec == NULL || len < SDR_HDR)
		return -1;
	out->id = le16_get(rec);
	out->version = rec[2];
	out->type = rec[3];
	/* Trust the shorter of the buffer and the record's own length. */
	n = SDR_HDR + (size_t)rec[4];
	if (n > len)
		n = len;
	switch (out->type) {
	case IPMI_SDR_FULL:
		return parse_full(rec, n, out);
	case IPMI_SDR_COMPACT:
		return parse_compact(rec, n, out);
	case IPMI_SDR_EVENT_ONLY:
		return parse_event_only(rec, n, out);
	case IPMI_SDR_FRU_LOCATOR:
	case IPMI_SDR_MC_LOCATOR:
		return parse_locator(rec, n, out);
	}
	return 1;
}

bool
ipmi_sdr_is_sensor(const struct ipmi_sdr *s)
{
	return s->type == IPMI_SDR_FULL || s->type == IPMI_SDR_COMPACT;
}
