/* fru.c — FRU inventory: the chunked reader state machine and the parser for the common header and chassis, board and product areas. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bytes.h"
#include "ipmi.h"
#include "mgmt.h"

#define CMD_FRU_INFO 0x10
#define CMD_FRU_READ 0x11

#define FRU_CHUNK 16
#define FRU_RETRIES 4		/* busy (0x81) or timeout answers per read */
#define FRU_CC_BUSY 0x81
/* 1996-01-01 00:00 UTC, the epoch of board manufacturing dates. */
#define FRU_EPOCH 820454400

enum fru_state { S_INFO, S_READ, S_DONE, S_FAIL };

struct ipmi_fru_reader {
	enum fru_state state;
	uint8_t fru_id;
	bool words;		/* the device is addressed in 16-bit words */
	uint8_t chunk, asked;
	unsigned retries;
	uint8_t *img;
	size_t size, got;
	const char *err;
};

ipmi_fru_reader *
ipmi_fru_reader_new(uint8_t fru_id)
{
	ipmi_fru_reader *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	r->fru_id = fru_id;
	r->chunk = FRU_CHUNK;
	return r;
}

void
ipmi_fru_reader_free(ipmi_fru_reader *r)
{
	if (r == NULL)
		return;
	free(r->img);
	free(r);
}

static int
fail(ipmi_fru_reader *r, const char *why)
{
	r->state = S_FAIL;
	r->err = why;
	return -1;
}

int
ipmi_fru_reader_next(ipmi_fru_reader *r, struct ipmi_mreq *req)
{
	size_t left, off;

	memset(req, 0, sizeof(*req));
	req->netfn = IPMI_NETFN_STORAGE;
	req->data[0] = r->fru_id;
	switch (r->state) {
	case S_INFO:
		req->cmd = CMD_FRU_INFO;
		req->len = 1;
		break;
	case S_READ:
		left = r->size - r->got;
		r->asked = (uint8_t)(left < r->chunk ? left : r->chunk);
		off = r->got;
		req->cmd = CMD_FRU_READ;
		if (r->words) {
			off /= 2;
			r->asked = (uint8_t)((r->asked + 1) / 2);
		}
		le16_put(req->data + 1, (uint16_t)off);
		req->data[3] = r->asked;
		req->len = 4;
		break;
	case S_DONE:
		return IPMI_RD_DONE;
	default:
		return IPMI_RD_FAIL;
	}
	return IPMI_RD_REQ;
}

static int
feed_info(ipmi_fru_reader *r, int cc, const uint8_t *d, size_t len)
{
	if (cc != IPMI_CC_OK || d == NULL || len < 3)
		return fail(r, cc < 0 ? "FRU inventory info timed out" :
			    "FRU inventory info failed");
	r->size = le16_get(d);
	r->words = (d[2] & 0x01) != 0;
	if (r->size == 0) {
		r->state = S_DONE;
		return 0;
	}
	if ((r->img = calloc(1, r->size)) == NULL)
		return fail(r, "out of memory");
	r->state = S_READ;
	return 0;
}

static int
feed_read(ipmi_fru_reader *r, int cc, const uint8_t *d, size_t len)
{
	size_t n;

	if (cc == FRU_CC_BUSY || cc == IPMI_CC_TIMEOUT ||
	    cc == IPMI_CC_NODE_BUSY) {
		if (++r->retries > FRU_RETRIES)
			return fail(r, "FRU device stays busy");
		return 0;
	}
	if (cc == IPMI_CC_CANT_RETURN || cc == IPMI_CC_REQ_LEN ||
	    cc == IPMI_CC_UNSPECIFIED) {
		if (r->chunk <= 4 || (r->words && r->chunk <= 2))
			return fail(r, "BMC cannot return FRU data");
		r->chunk = (uint8_t)(r->chunk - 4);
		return 0;
	}
	if (cc != IPMI_CC_OK)
		return fail(r, cc < 0 ? "Read FRU Data timed out" :
			    "Read FRU Data failed");
	if (d == NULL || len < 2 || d[0] == 0)
		return fail(r, "Read FRU Data returned nothing");
	/* The count is in words on word-addressed devices. */
	n = r->words ? (size_t)d[0] * 2 : d[0];
	if (n > len - 1)
		n = len - 1;
	if (n > r->size - r->got)
		n = r->size - r->got;
	memcpy(r->img + r->got, d + 1, n);
	r->got += n;
	r->retries = 0;
	if (r->got >= r->size)
		r->state = S_DONE;
	return 0;
}

int
ipmi_fru_reader_feed(ipmi_fru_reader *r, int cc, const uint8_t *d, size_t len)
{
	switch (r->state) {
	case S_INFO:
		return feed_info(r, cc, d, len);
	case S_READ:
		return feed_read(r, cc, d, len);
	default:
		return -1;
	}
}

const char *
ipmi_fru_reader_error(const ipmi_fru_reader *r)
{
	return r->err;
}

const uint8_t *
ipmi_fru_reader_image(const ipmi_fru_reader *r, size_t *len)
{
	*len = r->state == S_DONE ? r->size : r->got;
	return r->img;
}

static void
put_char(char *out, size_t cap, size_t *o, char c)
{
	if (*o + 1 < cap)
		out[(*o)++] = c;
}

int
ipmi_fru_field(const uint8_t *p, size_t n, char *out, size_t cap)
{
	static const char bcd[] = "0123456789 -.:,_";
	static const char hexd[] = "0123456789abcdef";
	size_t len, i, o = 0;
	unsigned bits = 0, acc = 0;

	if (cap > 0)
		out[0] = '\0';
	if (n < 1)
		return -1;
	if (p[0] == 0xc1)
		return 0;
	len = p[0] & 0x3f;
	if (len > n - 1)
		return -1;
	p++;
	switch (p[-1] >> 6) {
	case 0:			/* binary or unspecified: hex */
		for (i = 0; i < len; i++) {
			put_char(out, cap, &o, hexd[p[i] >> 4]);
			put_char(out, cap, &o, hexd[p[i] & 0x0f]);
		}
		break;
	case 1:			/* BCD plus: two digits a byte */
		for (i = 0; i < len; i++) {
			put_char(out, cap, &o, bcd[p[i] >> 4]);
			put_char(out, cap, &o, bcd[p[i] & 0x0f]);
		}
		break;
	case 2:			/* 6-bit ASCII, packed LSB first */
		for (i = 0; i < len; i++) {
			acc |= (unsigned)p[i] << bits;
			bits += 8;
			while (bits >= 6) {
				put_char(out, cap, &o,
					 (char)(0x20 + (acc & 0x3f)));
				acc >>= 6;
				bits -= 6;
			}
		}
		break;
	default:		/* 8-bit: keep it printable */
		for (i = 0; i < len; i++)
			put_char(out, cap, &o, p[i] >= 0x20 && p[i] < 0x7f ?
				 (char)p[i] : '.');
	}
	if (cap > 0)
		out[o] = '\0';
	return (int)(1 + len);
}

static bool
sum_ok(const uint8_t *p, size_t n)
{
	uint8_t s = 0;
	size_t i;

	for (i = 0; i < n; i++)
		s = (uint8_t)(s + p[i]);
	return s == 0;
}

/* Fields of one area, in order, into the given outputs; extra ones
 * (custom fields) into extra when given. Returns -1 if the list is
 * truncated (no end marker inside the area). */
static int
area_fields(const uint8_t *p, size_t n, char *const *dst, size_t ndst,
	    char (*extra)[IPMI_FRU_STR], size_t nextra)
{
	char scratch[IPMI_FRU_STR];
	size_t k = 0, off = 0;
	int used;

	for (;;) {
		char *o = k < ndst ? dst[k] : k - ndst < nextra ?
		    extra[k - ndst] : scratch;

		used = ipmi_fru_field(p + off, n - off, o, IPMI_FRU_STR);
		if (used < 0)
			return -1;
		if (used == 0)
			return 0;
		off += (size_t)used;
		k++;
	}
}

/* Locate area at header offset byte h; NULL (and error bits) when it
 * does not fit or fails its checks. *n gets its length. */
static const uint8_t *
area_at(const uint8_t *img, size_t len, uint8_t h, size_t *n,
	unsigned ebit, unsigned *errors)
{
	size_t off = (size_t)h * 8, alen;

	if (off + 2 > len) {
		*errors |= IPMI_FRU_E_TRUNCATED | ebit;
		return NULL;
	}
	alen = (size_t)img[off + 1] * 8;
	if (alen < 8 || (img[off] & 0x0f) != 0x01)
		*errors |= ebit;	/* version 1 only */
	if (alen < 2) {
		*errors |= ebit;
		return NULL;
	}
	if (off + alen > len) {
		*errors |= IPMI_FRU_E_TRUNCATED | ebit;
		alen = len - off;	/* parse what is there */
	} else if (!sum_ok(img + off, alen)) {
		*errors |= ebit;
	}
	*n = alen;
	return img + off;
}

static void
parse_chassis(const uint8_t *a, size_t n, struct ipmi_fru *f)
{
	char *dst[] = { f->chassis_part, f->chassis_serial };

	if (n < 3) {
		f->errors |= IPMI_FRU_E_CHASSIS;
		return;
	}
	f->has_chassis = true;
	f->chassis_type = a[2];
	if (area_fields(a + 3, n - 3, dst, 2, f->chassis_extra,
			IPMI_FRU_EXTRA) != 0)
		f->errors |= IPMI_FRU_E_CHASSIS;
}

static void
parse_board(const uint8_t *a, size_t n, struct ipmi_fru *f)
{
	char *dst[] = { f->board_mfr, f->board_product, f->board_serial,
		f->board_part, f->board_fru_file };

	if (n < 6) {
		f->errors |= IPMI_FRU_E_BOARD;
		return;
	}
	f->has_board = true;
	f->board_mfg_minutes = (uint32_t)a[3] | (uint32_t)a[4] << 8 |
	    (uint32_t)a[5] << 16;
	if (f->board_mfg_minutes != 0)
		f->board_mfg_time = FRU_EPOCH +
		    (int64_t)f->board_mfg_minutes * 60;
	if (area_fields(a + 6, n - 6, dst, 5, NULL, 0) != 0)
		f->errors |= IPMI_FRU_E_BOARD;
}

static void
parse_product(const uint8_t *a, size_t n, struct ipmi_fru *f)
{
	char *dst[] = { f->product_mfr, f->product_name, f->product_part,
		f->product_version, f->product_serial, f->product_asset,
		f->product_fru_file };

	if (n < 3) {
		f->errors |= IPMI_FRU_E_PRODUCT;
		return;
	}
	f->has_product = true;
	if (area_fields(a + 3, n - 3, dst, 7, NULL, 0) != 0)
		f->errors |= IPMI_FRU_E_PRODUCT;
}

int
ipmi_fru_parse(const uint8_t *img, size_t len, struct ipmi_fru *out)
{
	const uint8_t *a;
	size_t n;

	memset(out, 0, sizeof(*out));
	if (img == NULL || len < 8) {
		out->errors |= IPMI_FRU_E_TRUNCATED | IPMI_FRU_E_HEADER;
		return -1;
	}
	if ((img[0] & 0x0f) != 0x01 || !sum_ok(img, 8))
		out->errors |= IPMI_FRU_E_HEADER;
	/* Bytes 2, 3, 4: chassis, board, product offsets in 8-byte units
	 * (0 = absent).  A bad header checksum is reported, and the areas
	 * are still tried: their own checksums say whether to trust them. */
	if (img[2] != 0 &&
	    (a = area_at(img, len, img[2], &n, IPMI_FRU_E_CHASSIS,
			 &out->errors)) != NULL)
		parse_chassis(a, n, out);
	if (img[3] != 0 &&
	    (a = area_at(img, len, img[3], &n, IPMI_FRU_E_BOARD,
			 &out->errors)) != NULL)
		parse_board(a, n, out);
	if (img[4] != 0 &&
	    (a = area_at(img, len, img[4], &n, IPMI_FRU_E_PRODUCT,
			 &out->errors)) != NULL)
		parse_product(a, n, out);
	return 0;
}

/* SMBIOS 3.x chassis types, as ipmitool names them. */
static const char *const chassis_types[] = {
	"Unspecified", "Other", "Unknown", "Desktop", "Low Profile Desktop",
	"Pizza Box", "Mini Tower", "Tower", "Portable", "LapTop",
	"Notebook", "Hand Held", "Docking Station", "All in One",
	"Sub Notebook", "Space-saving", "Lunch Box", "Main Server Chassis",
	"Expansion Chassis", "SubChassis", "Bus Expansion Chassis",
	"Peripheral Chassis", "RAID Chassis", "Rack Mount Chassis",
	"Sealed-case PC", "Multi-system Chassis", "Compact PCI",
	"Advanced TCA", "Blade", "Blade Enclosure", "Tablet",
	"Convertible", "Detachable", "IoT Gateway", "Embedded PC",
	"Mini PC", "Stick PC",
};

const char *
ipmi_fru_chassis_type_name(uint8_t t)
{
	if (t >= sizeof(chassis_types) / sizeof(chassis_types[0]))
		return "Unknown";
	return chassis_types[t];
}
