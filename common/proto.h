/* proto.h — the ipmuxd control protocol: typed, versioned, length-framed messages on a Unix stream socket. */
#ifndef IPMUX_COMMON_PROTO_H
#define IPMUX_COMMON_PROTO_H

#include <stddef.h>
#include <stdint.h>

/*
 * Every message is an 8-byte header and a payload:
 *   u32 length of the payload (little-endian), u16 type, u8 version, u8 0.
 * Structured payloads are one JSON object (json-c builds and parses them;
 * no hand-made escaping); console bytes travel raw in PROTO_DATA/INPUT.
 * A peer that sends a wrong version, an unknown type or a payload over
 * PROTO_MAX_PAYLOAD is sent one PROTO_ERROR and dropped.
 *
 * Conversation: the client opens with PROTO_HELLO {"version":1,
 * "client":"ipmux"[, "user":NAME]} ("user" is honoured only from the
 * configured trusted uid, the SSH front end); the daemon answers
 * PROTO_HELLO_OK {"version":1,"server":"ipmuxd VERSION","user":NAME}.
 * Then requests, each answered by its _REPLY (or PROTO_ERROR
 * {"error":TEXT}), except on an attached connection where the daemon
 * also pushes PROTO_DATA and PROTO_EVENT at any time.
 */
#define PROTO_VERSION 1
#define PROTO_HDR_LEN 8
#define PROTO_MAX_PAYLOAD (1024 * 1024)

enum proto_type {
	PROTO_HELLO = 1,	/* c->d JSON, see above */
	PROTO_HELLO_OK = 2,	/* d->c JSON */
	PROTO_ERROR = 3,	/* d->c JSON {"error":TEXT} */
	PROTO_LIST = 4,		/* c->d {} */
	PROTO_LIST_REPLY = 5,	/* d->c {"consoles":[{name,group,tags,state,
				 *  since,reason,host,attached:[{user,mode}]}]} */
	PROTO_ATTACH = 6,	/* c->d {"console":N,"mode":"ro"|"rw"|"force",
				 *  "replay":BYTES} */
	PROTO_ATTACH_OK = 7,	/* d->c {"console":N,"mode":"ro"|"rw",
				 *  "writer":USER|null,"state":S} */
	PROTO_DATA = 8,		/* d->c raw console bytes */
	PROTO_INPUT = 9,	/* c->d raw bytes for the console (writer) */
	PROTO_BREAK = 10,	/* c->d {} serial break (writer) */
	PROTO_DETACH = 11,	/* c->d {} */
	PROTO_EVENT = 12,	/* d->c {"event":"demoted"|"promoted"|"state"|
				 *  "lagging"|"attached"|"detached"|...,...} */
	PROTO_MODE = 13,	/* c->d {"mode":"ro"|"rw"|"force"} while attached */
	PROTO_REPLAY = 14,	/* c->d {"bytes":N}: scrollback as PROTO_DATA */
	PROTO_TAIL = 15,	/* c->d {"console":N,"bytes":N,"follow":BOOL} */
	PROTO_STATUS = 16,	/* c->d {} */
	PROTO_STATUS_REPLY = 17,/* d->c {"version","pid","uptime","consoles",
				 *  "by_state":{...},"logdir","clients"} */
	PROTO_RELOAD = 18,	/* c->d {} */
	PROTO_RELOAD_REPLY = 19,/* d->c {"ok":BOOL,"error":TEXT,"added":N,
				 *  "removed":N,"changed":N,"unchanged":N} */
	PROTO_METRICS = 20,	/* c->d {} */
	PROTO_METRICS_REPLY = 21,/* d->c Prometheus text (raw) */
	PROTO_DETACHED = 22,	/* d->c {"reason":TEXT}: attachment ended */
	PROTO_MGMT = 23,	/* c->d {"console":N,"op":OP,...}; see below */
	PROTO_MGMT_REPLY = 24,	/* d->c {"console":N,"op":OP,"ok":BOOL,
				 *  "error":TEXT,...}; errors for a named
				 *  console come here, not as PROTO_ERROR, so a
				 *  client can pipeline requests */
	PROTO_TYPE_MAX = 24,
};

/*
 * Management ops (PROTO_MGMT "op"), all over the console's own session.
 * Every reply carries "console", "op", "ok" and, when !ok, "error".
 *  "power"    "action": on|off|cycle|reset|soft|diag|status.  ACL power
 *             (status: read).  Reply "power":"on"|"off" for status.
 *  "identify" "action": on|off|"" with "seconds":N (0..255, default 15).
 *             ACL power.
 *  "bootdev"  "device": pxe|disk|bios|cdrom|none, "persistent":BOOL,
 *             "efi":BOOL.  ACL power.
 *  "sensors"  "cached":BOOL (answer from the last poll without asking the
 *             BMC).  Reply "time":UNIX, "sensors":[{"name","number",
 *             "type" (sensor type text),"value" (number or null;
 *             null for discrete sensors),"unit" ("discrete" for them),
 *             "status" (ok|nc|cr|nr|ns as ipmitool sdr list; discrete
 *             sensors ok or ns),"reading" (ipmitool's text: "13.40",
 *             "0x01" discrete: the low state byte, "no reading"),
 *             "states":[TEXT...] (asserted discrete states / crossed
 *             thresholds),"history":[{"time",
 *             "value"}...] (last polled values, up to 16, oldest first,
 *             cached only)}].  Cached with no poll done yet: !ok.
 *             ACL read.
 *  "sel"      "clear":BOOL (ACL admin, reply once erased),
 *             "follow":BOOL (after the reply this connection also gets
 *             PROTO_EVENT "sel" for the console's new entries).
 *             Reply "entries":[SELENTRY...] oldest first.  ACL read.
 *  "fru"      "id":N (default 0).  Reply "fru":{"chassis_type",
 *             "chassis_part","chassis_serial","board_mfg_time" (UNIX or
 *             null),"board_mfr","board_product","board_serial",
 *             "board_part","product_mfr","product_name","product_part",
 *             "product_version","product_serial","product_asset"} (absent
 *             areas leave their keys out), "errors":[TEXT...].  ACL read.
 *  "health"   answered from the daemon's cache, no BMC traffic, for any
 *             state.  Reply "state", "power" (on|off|null), "worst"
 *             (nr > cr > nc > ok > ns; ns only when no sensor reads;
 *             unknown before the first poll), "worst_sensor" (name when
 *             nc/cr/nr, else null), "sensors_time" (UNIX or 0),
 *             "sel_count" (entries at the last SEL poll), "sel_last"
 *             (SELENTRY or null).  ACL read.
 * SELENTRY: {"id" (number),"time" (ipmitool's "11/25/2026 16:44:08" or
 * "Pre-Init 0000001496"; "" for OEM records without one),"timestamp"
 * (raw u32, 0 without one),"sensor" (ipmitool "sel list" text
 * "Temperature #0x01"; "OEM record e0" for OEM records),"sensor_name"
 * (from the SDR, or null),"event" ("Upper Non-critical going high"),
 * "direction" ("Asserted" | "Deasserted"; "" for OEM records),"detail"
 * ("Reading 13.40 > Threshold 12.40 degrees C" or ""),"raw" (32 hex
 * digits)}.
 * PROTO_EVENT {"event":"sel","console":N,"entry":SELENTRY} goes to every
 * client attached to the console and every "follow" subscriber when a
 * poll finds a new entry.
 */

struct proto_msg {
	uint16_t type;
	uint8_t version;
	const uint8_t *payload;	/* points into the caller's buffer */
	size_t len;
};

enum proto_parse_result {
	PROTO_NEED_MORE = 0,	/* no whole message yet */
	PROTO_BAD = -1,		/* wrong version, unknown type, too long */
};

/* Write a header for a payload of len bytes. */
void proto_hdr_encode(uint8_t hdr[PROTO_HDR_LEN], uint16_t type, size_t len);
/* Look at the front of buf: returns the bytes the next whole message
 * spans (header + payload) and fills *msg, or PROTO_NEED_MORE, or
 * PROTO_BAD with a reason in why. */
long proto_parse(const uint8_t *buf, size_t len, struct proto_msg *msg,
		 const char **why);
const char *proto_type_name(uint16_t type);

#endif
