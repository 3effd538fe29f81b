/* mgmt.c — the managed server behind a simulated BMC: lifecycle, dispatch, Get Device ID, chassis power and identify. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "mgmt_int.h"

/* Chassis commands (netfn 0x00). */
#define CMD_SELF_TEST 0x04	/* App netfn */
#define CMD_CHASSIS_CAPS 0x00
#define CMD_CHASSIS_STATUS 0x01
#define CMD_CHASSIS_CONTROL 0x02
#define CMD_CHASSIS_IDENTIFY 0x04
#define CMD_SET_BOOT_OPTS 0x08
#define CMD_GET_BOOT_OPTS 0x09
#define CMD_SET_POLICY 0x06
#define CMD_RESTART_CAUSE 0x07
#define CMD_GET_POH 0x0F

/* Chassis Status byte 1: power on; restore policy (b6:5) "previous". */
#define CS_POWER_ON 0x01
#define CS_POLICY_PREVIOUS 0x01
/* Byte 2: the last power-on came from an IPMI command. */
#define CS_LAST_ON_IPMI 0x10

uint16_t
mgmt_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

void
mgmt_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

void
mgmt_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)(v >> 16);
	p[3] = (uint8_t)(v >> 24);
}

/* The caller's clock is only known from the first time it is passed
 * in: then tie it to the wall clock (SEL timestamps are real) and start
 * the power-on hours of a server created powered on. */
void
mgmt_clock(mgmt *m, uint64_t now)
{
	if (m->clock_set)
		return;
	m->unix_off = (int64_t)time(NULL) - (int64_t)(now / 1000);
	m->on_since = now;
	m->clock_set = true;
}

uint32_t
mgmt_unix_time(mgmt *m, uint64_t now)
{
	mgmt_clock(m, now);
	return (uint32_t)(m->unix_off + (int64_t)(now / 1000));
}

mgmt *
mgmt_new(const struct mgmt_config *cfg)
{
	mgmt *m;

	if (cfg == NULL || (m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	m->cfg = *cfg;
	m->on = cfg->power_on;
	m->sel_next_id = 1;
	m->policy = CS_POLICY_PREVIOUS;
	m->restart_cause = 0x07;	/* power-up: "restore previous" policy */
	/* Sample the sensors once so that the first changes (a power
	 * event, a forced reading) are logged against a known state. */
	mgmt_sensors_eval(m, 0, false);
	return m;
}

void
mgmt_free(mgmt *m)
{
	free(m);
}

bool
mgmt_power_is_on(const mgmt *m)
{
	return m->on;
}

/* Boot flags valid only for the next boot are used up by a boot. */
static void
boot_consumed(mgmt *m)
{
	if ((m->boot_flags[0] & 0x80) && !(m->boot_flags[0] & 0x40))
		m->boot_flags[0] &= (uint8_t)~0x80;
}

/* The power rail changes: tell the host, count hours, log the event. */
static void
power_change(mgmt *m, bool on, uint64_t now)
{
	mgmt_clock(m, now);
	if (m->on == on)
		return;
	if (on) {
		m->on_since = now;
		boot_consumed(m);
	} else if (now > m->on_since) {
		m->poh_ms += now - m->on_since;
	}
	m->on = on;
	if (m->cfg.ops.power != NULL)
		m->cfg.ops.power(m->cfg.ctx, on);
	mgmt_sensors_eval(m, now, true);	/* ACPI state: SEL entry */
}

void
mgmt_set_power(mgmt *m, bool on, uint64_t now)
{
	m->pending = MP_NONE;
	if (on && !m->on) {
		m->last_event |= CS_LAST_ON_IPMI;
		m->restart_cause = 0x01;	/* chassis control command */
	}
	power_change(m, on, now);
}

/* Chassis Control: 0 off, 1 on, 2 cycle, 3 hard reset, 4 diagnostic
 * interrupt, 5 soft off (ACPI: the OS shuts down a little later). */
static int
chassis_control(mgmt *m, uint8_t op, uint64_t now)
{
	if (op > 5)
		return IPMI_CC_INVALID_FIELD;
	if (op == 0 || op == 1) {
		mgmt_set_power(m, op == 1, now);
		return IPMI_CC_OK;
	}
	/* The rest act on a running host (IPMI 2.0 28.3: D5 when off). */
	if (!m->on)
		return IPMI_CC_NOT_SUPPORTED_NOW;
	switch (op) {
	case 2:
		power_change(m, false, now);
		m->restart_cause = 0x01;
		m->pending = MP_ON;
		m->pending_at = now + MGMT_CYCLE_MS;
		break;
	case 3:
		/* The host restarts: silence, then the boot log again. */
		m->restart_cause = 0x01;
		m->pending = MP_NONE;
		if (m->cfg.ops.power != NULL)
			m->cfg.ops.power(m->cfg.ctx, false);
		boot_consumed(m);
		if (m->cfg.ops.power != NULL)
			m->cfg.ops.power(m->cfg.ctx, true);
		break;
	case 4:
		if (m->cfg.ops.diag != NULL)
			m->cfg.ops.diag(m->cfg.ctx);
		break;
	case 5:
		if (m->pending != MP_OFF) {
			m->pending = MP_OFF;
			m->pending_at = now + MGMT_SOFT_OFF_MS;
		}
		break;
	}
	return IPMI_CC_OK;
}

static bool
identify_active(const mgmt *m, uint64_t now)
{
	return m->identify_force ||
	    (m->identify_until != 0 && now < m->identify_until);
}

static int
chassis_identify(mgmt *m, const struct bmc_request *rq)
{
	unsigned secs = MGMT_IDENTIFY_S;

	if (rq->len >= 1)
		secs = rq->data[0];
	if (rq->len >= 2 && (rq->data[1] & 0xfe) != 0)
		return IPMI_CC_INVALID_FIELD;
	m->identify_force = rq->len >= 2 && (rq->data[1] & 0x01);
	m->identify_until = secs != 0 ? rq->now + (uint64_t)secs * 1000 : 0;
	return IPMI_CC_OK;
}

static int
chassis_status(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
	       size_t *rlen)
{
	uint8_t misc = 0x40;	/* identify command and state supported */

	if (m->identify_force)
		misc |= 0x20;	/* indefinite on */
	else if (identify_active(m, rq->now))
		misc |= 0x10;	/* temporary on */
	if (m->state[mgmt_sensor_slot(MGMT_SENSOR_INTRUSION)] & 0x01)
		misc |= 0x01;	/* chassis intrusion active */
	rsp[0] = (uint8_t)(m->policy << 5 | (m->on ? CS_POWER_ON : 0));
	rsp[1] = m->last_event;
	rsp[2] = misc;
	rsp[3] = 0x00;		/* front panel: no button disabling */
	*rlen = 4;
	return IPMI_CC_OK;
}

/* Set System Boot Options: params 0-6, the ones ipmitool's bootdev and
 * bootparam write. */
static int
boot_set(mgmt *m, const struct bmc_request *rq)
{
	const uint8_t *d = rq->data + 1;
	size_t n = rq->len - 1;
	uint8_t param = rq->data[0] & 0x7f;

	switch (param) {
	case 0:
		if (n < 1 || (d[0] & 0x03) == 0x03)
			return n < 1 ? IPMI_CC_REQ_LEN : IPMI_CC_INVALID_FIELD;
		m->boot_in_progress = d[0] & 0x03;
		return IPMI_CC_OK;
	case 1: case 2: case 3:
		if (n < 1)
			return IPMI_CC_REQ_LEN;
		if (param == 1)
			m->boot_svc_sel = d[0];
		else if (param == 2)
			m->boot_svc_scan = d[0];
		else
			m->boot_clear = d[0];
		return IPMI_CC_OK;
	case 4:
		if (n < 2)
			return IPMI_CC_REQ_LEN;
		/* d[0] is a write mask for the acknowledge bits in d[1]. */
		m->boot_ack[0] = (uint8_t)((m->boot_ack[0] & ~d[0]) |
					   (d[1] & d[0]));
		return IPMI_CC_OK;
	case 5:
		if (n < 5)
			return IPMI_CC_REQ_LEN;
		memcpy(m->boot_flags, d, 5);
		return IPMI_CC_OK;
	case 6:
		if (n < 9)
			return IPMI_CC_REQ_LEN;
		memcpy(m->boot_init, d, 9);
		return IPMI_CC_OK;
	}
	return 0x80;	/* parameter not supported */
}

static int
boot_get(mgmt *m, const struct bmc_request *rq, uint8_t *rsp, size_t *rlen)
{
	uint8_t param = rq->data[0] & 0x7f;
	uint8_t *d = rsp + 2;
	size_t n;

	switch (param) {
	case 0: d[0] = m->boot_in_progress; n = 1; break;
	case 1: d[0] = m->boot_svc_sel; n = 1; break;
	case 2: d[0] = m->boot_svc_scan; n = 1; break;
	case 3: d[0] = m->boot_clear; n = 1; break;
	case 4: d[0] = 0x1f; d[1] = m->boot_ack[0]; n = 2; break;
	case 5: memcpy(d, m->boot_flags, 5); n = 5; break;
	case 6: memcpy(d, m->boot_init, 9); n = 9; break;
	default: return 0x80;	/* parameter not supported */
	}
	rsp[0] = 0x01;		/* parameter version */
	rsp[1] = param;		/* b7 clear: valid/unlocked */
	*rlen = 2 + n;
	return IPMI_CC_OK;
}

static int
chassis_caps(uint8_t *rsp, size_t *rlen)
{
	rsp[0] = 0x00;	/* no intrusion/lockout/interlock/diag flags */
	rsp[1] = 0x20;	/* FRU device address */
	rsp[2] = 0x20;	/* SDR device address */
	rsp[3] = 0x20;	/* SEL device address */
	rsp[4] = 0x20;	/* system management device address */
	*rlen = 5;
	return IPMI_CC_OK;
}

static int
chassis_poh(mgmt *m, uint64_t now, uint8_t *rsp, size_t *rlen)
{
	uint64_t ms = m->poh_ms;

	if (m->on && now > m->on_since)
		ms += now - m->on_since;
	rsp[0] = 1;	/* minutes per count */
	mgmt_put32(rsp + 1, (uint32_t)(ms / 60000));
	*rlen = 5;
	return IPMI_CC_OK;
}

static int
chassis_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
		size_t cap, size_t *rlen)
{
	bool oper = rq->priv >= MGMT_PRIV_OPERATOR;

	switch (rq->cmd) {
	case CMD_CHASSIS_CAPS:
		return chassis_caps(rsp, rlen);
	case CMD_CHASSIS_STATUS:
		return chassis_status(m, rq, rsp, rlen);
	case CMD_CHASSIS_CONTROL:
		if (!oper)
			return IPMI_CC_PRIV;
		if (rq->len < 1)
			return IPMI_CC_REQ_LEN;
		return chassis_control(m, rq->data[0] & 0x0f, rq->now);
	case CMD_CHASSIS_IDENTIFY:
		return oper ? chassis_identify(m, rq) : IPMI_CC_PRIV;
	case CMD_SET_BOOT_OPTS:
		if (!oper)
			return IPMI_CC_PRIV;
		return rq->len < 1 ? IPMI_CC_REQ_LEN : boot_set(m, rq);
	case CMD_GET_BOOT_OPTS:
		if (!oper)
			return IPMI_CC_PRIV;
		return rq->len < 3 ? IPMI_CC_REQ_LEN : boot_get(m, rq, rsp, rlen);
	case CMD_GET_POH:
		return chassis_poh(m, rq->now, rsp, rlen);
	case CMD_RESTART_CAUSE:
		rsp[0] = m->restart_cause;
		rsp[1] = 0x01;		/* channel: LAN */
		*rlen = 2;
		return IPMI_CC_OK;
	case CMD_SET_POLICY:
		if (!oper)
			return IPMI_CC_PRIV;
		if (rq->len < 1)
			return IPMI_CC_REQ_LEN;
		if ((rq->data[0] & 0x07) < 3)	/* 3: no change, just ask */
			m->policy = rq->data[0] & 0x07;
		else if ((rq->data[0] & 0x07) > 3)
			return IPMI_CC_INVALID_FIELD;
		rsp[0] = 0x07;		/* off, previous, on all supported */
		*rlen = 1;
		return IPMI_CC_OK;
	}
	return IPMI_CC_INVALID_CMD;
}

static int
device_id(uint8_t *rsp, size_t *rlen)
{
	static const uint8_t id[15] = {
		0x20,			/* device id */
		0x01,			/* revision; no device SDRs */
		MGMT_FW_MAJOR, MGMT_FW_MINOR,
		0x02,			/* IPMI 2.0 */
		0xbf,			/* chassis, event gen/recv, FRU,
					 * SEL, SDR repository, sensors */
		MGMT_MANUFACTURER_ID & 0xff,
		(MGMT_MANUFACTURER_ID >> 8) & 0xff,
		(MGMT_MANUFACTURER_ID >> 16) & 0x0f,
		MGMT_PRODUCT_ID & 0xff, MGMT_PRODUCT_ID >> 8,
		0x00, 0x00, 0x00, 0x00,	/* auxiliary firmware revision */
	};

	memcpy(rsp, id, sizeof(id));
	*rlen = sizeof(id);
	return IPMI_CC_OK;
}

int
mgmt_command(mgmt *m, const struct bmc_request *rq, uint8_t *rsp,
	     size_t cap, size_t *rlen)
{
	*rlen = 0;
	if (m == NULL || rq == NULL || (rq->len > 0 && rq->data == NULL))
		return IPMI_CC_UNSPECIFIED;
	/* Every answer here fits 32 bytes; longer reads check cap. */
	if (cap < 32)
		return IPMI_CC_CANT_RETURN;
	mgmt_clock(m, rq->now);
	switch (rq->netfn) {
	case IPMI_NETFN_APP:
		if (rq->cmd == IPMI_CMD_GET_DEVICE_ID)
			return device_id(rsp, rlen);
		if (rq->cmd == CMD_SELF_TEST) {
			rsp[0] = 0x55;	/* no error */
			rsp[1] = 0x00;
			*rlen = 2;
			return IPMI_CC_OK;
		}
		break;
	case IPMI_NETFN_CHASSIS:
		return chassis_command(m, rq, rsp, cap, rlen);
	case IPMI_NETFN_SENSOR:
		return mgmt_sensor_command(m, rq, rsp, cap, rlen);
	case IPMI_NETFN_STORAGE:
		if (rq->cmd == 0x10 || rq->cmd == 0x11)
			return mgmt_fru_command(m, rq, rsp, cap, rlen);
		if (rq->cmd >= 0x20 && rq->cmd < 0x30)
			return mgmt_sdr_command(m, rq, rsp, cap, rlen);
		if (rq->cmd >= 0x40 && rq->cmd < 0x50)
			return mgmt_sel_command(m, rq, rsp, cap, rlen);
		break;
	}
	return IPMI_CC_INVALID_CMD;
}

void
mgmt_tick(mgmt *m, uint64_t now)
{
	mgmt_clock(m, now);
	if (m->pending != MP_NONE && now >= m->pending_at) {
		uint8_t p = m->pending;

		m->pending = MP_NONE;
		power_change(m, p == MP_ON, now);
	}
	if (!m->identify_force && m->identify_until != 0 &&
	    now >= m->identify_until)
		m->identify_until = 0;
	if (m->cfg.drift_ms != 0 && now >= m->next_drift)
		mgmt_sensors_eval(m, now, true);
}

uint64_t
mgmt_deadline(const mgmt *m)
{
	uint64_t d = BMC_NO_DEADLINE;

	if (m->pending != MP_NONE)
		d = m->pending_at;
	if (!m->identify_force && m->identify_until != 0 &&
	    m->identify_until < d)
		d = m->identify_until;
	if (m->cfg.drift_ms != 0 && m->next_drift < d)
		d = m->next_drift;
	return d;
}
