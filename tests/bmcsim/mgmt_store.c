/* mgmt_store.c — the per-BMC SEL ring and the FRU inventory image of a simulated server. */
#include <stdio.h>
#include <string.h>

#include "mgmt_int.h"

/* Storage commands (netfn 0x0A). */
#define CMD_FRU_INFO 0x10
#define CMD_FRU_READ 0x11
#define CMD_SEL_INFO 0x40
#define CMD_SEL_ALLOC 0x41
#define CMD_SEL_RESERVE 0x42
#define CMD_SEL_GET 0x43
#define CMD_SEL_ADD 0x44
#define CMD_SEL_CLEAR 0x47
#define CMD_SEL_GET_TIME 0x48
#define CMD_SEL_SET_TIME 0x49

#define FRU_SIZE 256
/* Board manufacturing date: minutes since 1996-01-01, 2024-01-15 08:00. */
#define FRU_MFG_MINUTES 14747520u

/* The i-th oldest entry. */
static uint8_t *
sel_at(mgmt *m, unsigned i)
{
	return m->sel[(m->sel_head + i) % MGMT_SEL_CAP];
}

int
mgmt_sel_add(mgmt *m, const uint8_t rec[16], uint64_t now)
{
	uint8_t *e;
	uint16_t id;

	if (m->sel_count == MGMT_SEL_CAP) {	/* a ring: drop the oldest */
		m->sel_head = (uint8_t)((m->sel_head + 1) % MGMT_SEL_CAP);
		m->sel_count--;
		m->sel_overflow = true;
	}
	e = sel_at(m, m->sel_count++);
	memcpy(e, rec, 16);
	id = m->sel_next_id;
	if (++m->sel_next_id == 0xffff)
		m->sel_next_id = 1;
	mgmt_put16(e, id);
	m->sel_add_ts = mgmt_unix_time(m, now);
	if (e[2] < 0xe0)		/* E0-FF carry no timestamp */
		mgmt_put32(e + 3, m->sel_add_ts);
	return id;
}

unsigned
mgmt_sel_count(const mgmt *m)
{
	return m->sel_count;
}

void
mgmt_sel_event(mgmt *m, uint64_t now, uint8_t stype, uint8_t snum,
	       uint8_t dir_type, const uint8_t ed[3])
{
	uint8_t r[16] = { 0 };

	r[2] = 0x02;			/* system event record */
	mgmt_put16(r + 7, MGMT_GEN_BMC);
	r[9] = 0x04;			/* IPMI 2.0 event message format */
	r[10] = stype;
	r[11] = snum;
	r[12] = dir_type;
	memcpy(r + 13, ed, 3);
	mgmt_sel_add(m, r, now);
}

/* Index of the entry with record id (0 first, 0xFFFF last), or -1. */
static int
sel_find(mgmt *m, uint16_t id)
{
	unsigned i;

	if (m->sel_count == 0)
		return -1;
	if (id == 0x0000)
		return 0;
	if (id == 0xffff)
		return m->sel_count - 1;
	for (i = 0; i < m->sel_count; i++)
		if (mgmt_get16(sel_at(m, i)) == id)
			return (int)i;
	return -1;
}

static int
sel_get(mgmt *m, const struct bmc_request *rq, uint8_t *rsp, size_t *rlen)
{
	uint16_t resv;
	uint8_t off, cnt;
	int i;

	if (rq->len < 6)
		return IPMI_CC_REQ_LEN;
	resv = mgmt_get16(rq->data);
	off = rq->data[4];
	cnt = rq->data[5];
	/* Only partial reads need a reservation (IPMI 2.0 31.5). */
	if ((resv != 0 || off != 0 || cnt != 0xff) &&
	    (resv != m->sel_resv || resv == 0))
		return IPMI_CC_RESERVATION;
	if ((i = sel_find(m, mgmt_get16(rq->data + 2))) < 0)
		return IPMI_CC_NOT_PRESENT;
	if (off > 16)
		return 0xc9;		/* parameter out of range */
	if (cnt > 16 - off)
		cnt = (uint8_t)(16 - off);
	mgmt_put16(rsp, (unsigned)i + 1 < m->sel_count ?
		   mgmt_get16(sel_at(m, (unsigned)i + 1)) : 0xffff);
	memcpy(rsp + 2, sel_at(m, (unsigned)i) + off, cnt);
	*rlen = 2 + (size_t)cnt;
	return IPMI_CC_OK;
}

static int
sel_clear(mgmt *m, const struct bmc_request *rq, uint8_t *rsp, size_t *rlen)
{
	static const uint8_t cleared[3] = { 0x02, 0xff, 0xff };

	if (rq->len < 6)
		return IPMI_CC_REQ_LEN;
	if (mgmt_get16(rq->data) != m->sel_resv || m->sel_resv == 0)
		return IPMI_CC_RESERVATION;
	if (memcmp(rq->data + 2, "CLR", 3) != 0)
		return IPMI_CC_INVALID_FIELD;
	if (rq->data[5] == 0xaa) {
		m->sel_count = 0;
		m->sel_head = 0;
		m->sel_overflow = false;
		m->sel_erase_ts = mgmt_unix_time(m, rq->now);
		/* As real BMCs do: "Event Logging Disabled: log area
		 * reset/cleared" (sensor type 0x10, offset 2). */
		mgmt_sel_event(m, rq->now, 0x10, 0x00, 0x6f, cleared);
	} else if (rq->data[5] != 0x00) {
		return IPMI_CC_INVALID_FIELD;
	}
	rsp[0] = 0x01;			/* erasure completed */
	*rlen = 1;
	return IPMI_CC_OK;
}

static int
sel_info(mgmt *m, uint8_t *rsp, size_t *rlen)
{
	rsp[0] = 0x51;
	mgmt_put16(rsp + 1, m->sel_count);
	mgmt_put16(rsp + 3, (uint16_t)((MGMT_SEL_CAP - m->sel_count) * 16));
	mgmt_put32(rsp + 5, m->sel_count ? m->sel_add_ts : 0xffffffffu);
	mgmt_put32(rsp + 9, m->sel_erase_ts ? m->sel_erase_ts : 0xffffffffu);
	/* reserve and allocation info supported; b7 overflow */
	rsp[13] = (uint8_t)((m->sel_overflow ? 0x80 : 0) | 0x03);
	*rlen = 14;
	return IPMI_CC_OK;
}

int
mgmt_sel_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		 size_t cap, size_t *rlen)
{
	bool oper = rq->priv >= MGMT_PRIV_OPERATOR;
	int id;

	switch (rq->cmd) {
	case CMD_SEL_INFO:
		return sel_info(m, rsp, rlen);
	case CMD_SEL_ALLOC:
		mgmt_put16(rsp, MGMT_SEL_CAP);
		mgmt_put16(rsp + 2, 16);
		mgmt_put16(rsp + 4, (uint16_t)(MGMT_SEL_CAP - m->sel_count));
		mgmt_put16(rsp + 6, (uint16_t)(MGMT_SEL_CAP - m->sel_count));
		rsp[8] = 1;
		*rlen = 9;
		return IPMI_CC_OK;
	case CMD_SEL_RESERVE:
		if (++m->sel_resv == 0)
			m->sel_resv = 1;
		mgmt_put16(rsp, m->sel_resv);
		*rlen = 2;
		return IPMI_CC_OK;
	case CMD_SEL_GET:
		return sel_get(m, rq, rsp, rlen);
	case CMD_SEL_ADD:
		if (!oper)
			return IPMI_CC_PRIV;
		if (rq->len < 16)
			return IPMI_CC_REQ_LEN;
		id = mgmt_sel_add(m, rq->data, rq->now);
		mgmt_put16(rsp, (uint16_t)id);
		*rlen = 2;
		return IPMI_CC_OK;
	case CMD_SEL_CLEAR:
		return oper ? sel_clear(m, rq, rsp, rlen) : IPMI_CC_PRIV;
	case CMD_SEL_GET_TIME:
		mgmt_put32(rsp, mgmt_unix_time(m, rq->now));
		*rlen = 4;
		return IPMI_CC_OK;
	case CMD_SEL_SET_TIME:
		if (!oper)
			return IPMI_CC_PRIV;
		if (rq->len < 4)
			return IPMI_CC_REQ_LEN;
		m->clock_set = true;
		m->unix_off = (int64_t)(rq->data[0] | rq->data[1] << 8 |
					rq->data[2] << 16 |
					(uint32_t)rq->data[3] << 24) -
		    (int64_t)(rq->now / 1000);
		return IPMI_CC_OK;
	}
	return IPMI_CC_INVALID_CMD;
}

/* FRU area writer: 8-bit ASCII type/length fields. */
struct fru_area {
	uint8_t *p;
	size_t n;
};

static void
area_str(struct fru_area *a, const char *s)
{
	size_t n = strlen(s);

	a->p[a->n++] = (uint8_t)(0xc0 | n);
	memcpy(a->p + a->n, s, n);
	a->n += n;
}

/* End fields, pad to 8 bytes with the checksum last; returns length. */
static size_t
area_end(struct fru_area *a)
{
	uint8_t sum = 0;
	size_t i;

	a->p[a->n++] = 0xc1;
	while ((a->n + 1) % 8 != 0)
		a->p[a->n++] = 0x00;
	a->p[1] = (uint8_t)((a->n + 1) / 8);
	for (i = 0; i < a->n; i++)
		sum = (uint8_t)(sum + a->p[i]);
	a->p[a->n++] = (uint8_t)(0x100 - sum);
	return a->n;
}

static size_t
fru_chassis(uint8_t *p, uint32_t index)
{
	struct fru_area a = { p, 3 };
	char serial[32];

	p[0] = 0x01;
	p[2] = 0x17;			/* rack mount chassis */
	snprintf(serial, sizeof(serial), MGMT_FRU_CHASSIS_SERIAL_FMT, index);
	area_str(&a, MGMT_FRU_CHASSIS_PART);
	area_str(&a, serial);
	return area_end(&a);
}

static size_t
fru_board(uint8_t *p, uint32_t index)
{
	struct fru_area a = { p, 6 };
	char serial[32];

	p[0] = 0x01;
	p[2] = 0x00;			/* English */
	p[3] = FRU_MFG_MINUTES & 0xff;
	p[4] = (FRU_MFG_MINUTES >> 8) & 0xff;
	p[5] = (FRU_MFG_MINUTES >> 16) & 0xff;
	snprintf(serial, sizeof(serial), MGMT_FRU_BOARD_SERIAL_FMT, index);
	area_str(&a, MGMT_FRU_MFG);
	area_str(&a, MGMT_FRU_BOARD_PRODUCT);
	area_str(&a, serial);
	area_str(&a, MGMT_FRU_BOARD_PART);
	area_str(&a, "");		/* FRU file id */
	return area_end(&a);
}

static size_t
fru_product(uint8_t *p, uint32_t index)
{
	struct fru_area a = { p, 3 };
	char serial[32];

	p[0] = 0x01;
	p[2] = 0x00;			/* English */
	snprintf(serial, sizeof(serial), MGMT_FRU_PRODUCT_SERIAL_FMT, index);
	area_str(&a, MGMT_FRU_MFG);
	area_str(&a, MGMT_FRU_PRODUCT_NAME);
	area_str(&a, MGMT_FRU_PRODUCT_PART);
	area_str(&a, MGMT_FRU_PRODUCT_VERSION);
	area_str(&a, serial);
	area_str(&a, "");		/* asset tag */
	area_str(&a, "");		/* FRU file id */
	return area_end(&a);
}

/* The whole FRU image of BMC index (computed: it is per-BMC only in the
 * serial numbers). */
static void
fru_image(uint32_t index, uint8_t img[FRU_SIZE])
{
	size_t off = 8;
	uint8_t sum = 0;
	int i;

	memset(img, 0, FRU_SIZE);
	img[0] = 0x01;			/* format version */
	img[2] = (uint8_t)(off / 8);
	off += fru_chassis(img + off, index);
	img[3] = (uint8_t)(off / 8);
	off += fru_board(img + off, index);
	img[4] = (uint8_t)(off / 8);
	fru_product(img + off, index);
	for (i = 0; i < 7; i++)
		sum = (uint8_t)(sum + img[i]);
	img[7] = (uint8_t)(0x100 - sum);
}

int
mgmt_fru_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		 size_t cap, size_t *rlen)
{
	uint8_t img[FRU_SIZE];
	size_t off, cnt;

	if (rq->len < (rq->cmd == CMD_FRU_INFO ? 1u : 4u))
		return IPMI_CC_REQ_LEN;
	if (rq->data[0] != 0)
		return IPMI_CC_NOT_PRESENT;
	if (rq->cmd == CMD_FRU_INFO) {
		mgmt_put16(rsp, FRU_SIZE);
		rsp[2] = 0x00;		/* byte access */
		*rlen = 3;
		return IPMI_CC_OK;
	}
	off = mgmt_get16(rq->data + 1);
	cnt = rq->data[3];
	if (off >= FRU_SIZE)
		return 0xc9;		/* parameter out of range */
	if (cnt > FRU_SIZE - off)
		cnt = FRU_SIZE - off;
	if (cnt > cap - 1)
		cnt = cap - 1;
	fru_image(m->cfg.index, img);
	rsp[0] = (uint8_t)cnt;
	memcpy(rsp + 1, img + off, cnt);
	*rlen = 1 + cnt;
	return IPMI_CC_OK;
}
