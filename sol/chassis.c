/* chassis.c — Get Device ID, Chassis Status/Control/Identify and boot-device override: request builders and reply decoders. */
#include <string.h>

#include "bytes.h"
#include "ipmi.h"
#include "mgmt.h"

#define CMD_CHASSIS_STATUS 0x01
#define CMD_CHASSIS_CONTROL 0x02
#define CMD_CHASSIS_IDENTIFY 0x04
#define CMD_SET_BOOT_OPTS 0x08

/* Boot option parameters (IPMI 2.0 table 28-14). */
#define BOOT_PARAM_IN_PROGRESS 0x00
#define BOOT_PARAM_FLAGS 0x05
/* Boot flags byte 1: valid, persistent, EFI; byte 2: device b5:2. */
#define BF_VALID 0x80
#define BF_PERSISTENT 0x40
#define BF_EFI 0x20

static void
mreq(struct ipmi_mreq *r, uint8_t netfn, uint8_t cmd)
{
	memset(r, 0, sizeof(*r));
	r->netfn = netfn;
	r->cmd = cmd;
}

void
ipmi_req_devid(struct ipmi_mreq *r)
{
	mreq(r, IPMI_NETFN_APP, IPMI_CMD_GET_DEVICE_ID);
}

int
ipmi_devid_decode(int cc, const uint8_t *d, size_t len, struct ipmi_devid *out)
{
	memset(out, 0, sizeof(*out));
	if (cc != IPMI_CC_OK || d == NULL || len < 11)
		return -1;
	out->device_id = d[0];
	out->device_rev = d[1] & 0x0f;
	out->provides_sdrs = (d[1] & 0x80) != 0;
	out->fw_major = d[2] & 0x7f;
	/* b7 set: device busy with a firmware update or self-init */
	out->available = (d[2] & 0x80) == 0;
	out->fw_minor = d[3];
	out->ipmi_major = d[4] & 0x0f;
	out->ipmi_minor = d[4] >> 4;
	out->support = d[5];
	out->manufacturer = (uint32_t)d[6] | (uint32_t)d[7] << 8 |
	    (uint32_t)(d[8] & 0x0f) << 16;
	out->product = le16_get(d + 9);
	if (len >= 15) {
		out->has_aux = true;
		memcpy(out->aux, d + 11, 4);
	}
	return 0;
}

static const char *const chassis_ops[] = {
	"off", "on", "cycle", "reset", "diag", "soft",
};

int
ipmi_chassis_op_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(chassis_ops) / sizeof(chassis_ops[0]); i++)
		if (strcmp(s, chassis_ops[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ipmi_chassis_op_name(int op)
{
	if (op < 0 || op > IPMI_CHASSIS_SOFT)
		return "unknown";
	return chassis_ops[op];
}

void
ipmi_req_chassis_status(struct ipmi_mreq *r)
{
	mreq(r, IPMI_NETFN_CHASSIS, CMD_CHASSIS_STATUS);
}

int
ipmi_chassis_status_decode(int cc, const uint8_t *d, size_t len,
			   struct ipmi_chassis_status *out)
{
	memset(out, 0, sizeof(*out));
	out->identify = -1;
	if (cc != IPMI_CC_OK || d == NULL || len < 3)
		return -1;
	out->power_on = (d[0] & 0x01) != 0;
	out->overload = (d[0] & 0x02) != 0;
	out->interlock = (d[0] & 0x04) != 0;
	out->power_fault = (d[0] & 0x08) != 0;
	out->control_fault = (d[0] & 0x10) != 0;
	out->restore_policy = (d[0] >> 5) & 0x03;
	out->last_event = d[1];
	out->intrusion = (d[2] & 0x01) != 0;
	out->front_lockout = (d[2] & 0x02) != 0;
	out->drive_fault = (d[2] & 0x04) != 0;
	out->fan_fault = (d[2] & 0x08) != 0;
	/* b6: identify state reported in b5:4 (3 is reserved) */
	if ((d[2] & 0x40) && ((d[2] >> 4) & 0x03) != 3)
		out->identify = (d[2] >> 4) & 0x03;
	if (len >= 4) {
		out->has_front_panel = true;
		out->front_panel = d[3];
	}
	return 0;
}

const char *
ipmi_chassis_policy_str(uint8_t policy)
{
	static const char *const p[] = {
		"always-off", "previous", "always-on", "unknown",
	};

	return p[policy & 0x03];
}

int
ipmi_req_chassis_control(struct ipmi_mreq *r, int op)
{
	if (op < 0 || op > IPMI_CHASSIS_SOFT)
		return -1;
	mreq(r, IPMI_NETFN_CHASSIS, CMD_CHASSIS_CONTROL);
	r->data[0] = (uint8_t)op;
	r->len = 1;
	return 0;
}

void
ipmi_req_chassis_identify(struct ipmi_mreq *r, unsigned seconds, bool force)
{
	mreq(r, IPMI_NETFN_CHASSIS, CMD_CHASSIS_IDENTIFY);
	if (force) {
		/* Byte 2 is optional in the spec: send it only when needed,
		 * so a plain timed or off request works on every BMC. */
		r->data[0] = 0;
		r->data[1] = 0x01;
		r->len = 2;
		return;
	}
	r->data[0] = (uint8_t)(seconds > 255 ? 255 : seconds);
	r->len = 1;
}

static const char *const bootdevs[] = {
	"none", "pxe", "disk", "bios", "cdrom",
};
/* Device selector values, b5:2 of flags byte 2. */
static const uint8_t bootdev_sel[] = { 0x00, 0x04, 0x08, 0x18, 0x14 };

int
ipmi_bootdev_parse(const char *s)
{
	size_t i;

	if (s == NULL)
		return -1;
	for (i = 0; i < sizeof(bootdevs) / sizeof(bootdevs[0]); i++)
		if (strcmp(s, bootdevs[i]) == 0)
			return (int)i;
	return -1;
}

const char *
ipmi_bootdev_name(int dev)
{
	if (dev < 0 || dev > IPMI_BOOT_CDROM)
		return "unknown";
	return bootdevs[dev];
}

static void
boot_param(struct ipmi_mreq *r, uint8_t param, const uint8_t *d, uint8_t n)
{
	mreq(r, IPMI_NETFN_CHASSIS, CMD_SET_BOOT_OPTS);
	r->data[0] = param;		/* b7 clear: parameter valid */
	memcpy(r->data + 1, d, n);
	r->len = (uint8_t)(1 + n);
}

int
ipmi_boot_requests(struct ipmi_mreq out[IPMI_BOOT_NREQ], int dev,
		   unsigned flags)
{
	uint8_t f[5] = { 0 };
	static const uint8_t in_progress = 0x01, complete = 0x00;

	if (dev < 0 || dev > IPMI_BOOT_CDROM)
		return -1;
	if (dev != IPMI_BOOT_NONE) {
		f[0] = BF_VALID;
		if (flags & IPMI_BOOT_PERSISTENT)
			f[0] |= BF_PERSISTENT;
		if (flags & IPMI_BOOT_EFI)
			f[0] |= BF_EFI;
		f[1] = bootdev_sel[dev];
	}
	boot_param(&out[0], BOOT_PARAM_IN_PROGRESS, &in_progress, 1);
	boot_param(&out[1], BOOT_PARAM_FLAGS, f, 5);
	boot_param(&out[2], BOOT_PARAM_IN_PROGRESS, &complete, 1);
	return IPMI_BOOT_NREQ;
}

bool
ipmi_boot_step_ok(unsigned i, int cc)
{
	if (cc == IPMI_CC_OK)
		return true;
	if (i == 1)
		return false;
	/* 0x80 parameter not supported, 0x81 set already in progress */
	return cc == 0x80 || cc == 0x81;
}

int
ipmi_boot_flags_decode(const uint8_t *d, size_t len, int *dev,
		       unsigned *flags, bool *valid)
{
	size_t i;

	if (d == NULL || len < 5)
		return -1;
	*valid = (d[0] & BF_VALID) != 0;
	*flags = ((d[0] & BF_PERSISTENT) ? IPMI_BOOT_PERSISTENT : 0) |
	    ((d[0] & BF_EFI) ? IPMI_BOOT_EFI : 0);
	*dev = -1;
	for (i = 0; i < sizeof(bootdev_sel); i++)
		if ((d[1] & 0x3c) == bootdev_sel[i])
			*dev = (int)i;
	return 0;
}
