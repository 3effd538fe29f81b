/* health.c — ipmuxd's per-console management engine: jobs over the console's own session, caches, polling, SEL events and data logs. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <json-c/json.h>

#include "console.h"
#include "ctl.h"
#include "health.h"
#include "ipmi.h"
#include "log.h"
#include "mgmt.h"

#define H_HIST 16		/* readings kept per sensor for trends */
#define H_QUEUE_MAX 64		/* user jobs waiting per console */
#define H_SEL_BASE_MS 3000	/* the first SEL read: soon after start */

enum hkind {
	J_SIMPLE,		/* one request: power, identify, status */
	J_BOOTDEV,
	J_SENSORS,		/* SDR (cached) + a reading per sensor */
	J_SEL,			/* read (whole, or after the last id) */
	J_SELCLEAR,
	J_FRU,
};

enum hsimple { S_STATUS, S_CONTROL, S_IDENTIFY };
enum hphase { P_SDR, P_READ, P_CHASSIS, P_DONE };
enum hpoll { POLL_NONE = -1, POLL_SENSORS = 0, POLL_SEL = 1, POLL_N };

struct hjob {
	TAILQ_ENTRY(hjob) link;
	enum hkind kind;
	int poll;		/* enum hpoll: POLL_NONE for a user's job */
	uint64_t client;
	char op[16];
	bool inflight;
	uint32_t tag;
	int sub;		/* enum hsimple */
	int cop;		/* chassis op */
	struct ipmi_mreq req[IPMI_BOOT_NREQ];
	unsigned step;
	int power;		/* status: -1, 0, 1 */
	bool follow;
	enum hphase phase;
	size_t idx;
	ipmi_sdr_reader *sdr;
	ipmi_sel_reader *sel;
	ipmi_fru_reader *fru;
	char err[192];		/* set: the job failed */
	char soft_err[192];	/* bootdev: failed, but finish the steps */
};
TAILQ_HEAD(hjob_list, hjob);

struct hsensor {
	struct ipmi_sdr sdr;
	bool have;		/* a reading was taken */
	struct ipmi_reading rd;
	int conv;
	double value;
	struct { time_t t; double v; bool valid; } hist[H_HIST];
	unsigned nhist, hpos;
};

/* A poll that fell due, waiting in the fleet's FIFO. */
struct hdue {
	TAILQ_ENTRY(hdue) link;
	struct health *h;
	int kind;		/* enum hpoll */
	bool queued;
};

struct health {
	struct console *c;
	struct hjob_list user, polls, running;
	size_t nuser, nrunning;
	uint32_t seq;
	uint64_t gen;		/* bumped when the session goes */
	struct event *ev_kick;
	struct event *ev_poll[POLL_N];
	struct hdue due[POLL_N];
	bool busy[POLL_N];	/* a poll of this kind queued or running */
	bool up;
	/* caches: they survive the session */
	bool sdr_have;
	struct ipmi_sdr_info sdr_info;
	struct hsensor *sensors;
	size_t nsensors;
	time_t sensors_time;
	int power;		/* -1 unknown */
	bool sel_base, sel_have_last;
	uint16_t sel_last_id;
	unsigned sel_count;
	bool sel_newest_have;
	uint8_t sel_newest[16];
	uint64_t *followers;
	size_t nfollowers;
	/* The job holding a repository reservation: a BMC keeps one per
	 * session, so two readers at once cancel each other for ever. */
	struct hjob *resv;
};

struct health_fleet {
	struct ipmuxd *d;
	TAILQ_HEAD(, hdue) fifo;
	size_t nwaiting;
	double tokens;
	uint64_t refilled;
	struct event *ev;
	struct health_stats st;
};

static void h_kick(struct health *h);
static void resv_release(struct health *h, struct hjob *j);
static void h_schedule(struct health *h, int kind, bool first);

/* ---- small helpers ---- */

static struct health_fleet *
h_fleet(struct health *h)
{
	return h->c->d->hf;
}

/* The fleet's counters (a scratch copy without a fleet). */
static struct health_stats *
h_st(struct health *h)
{
	static struct health_stats scratch;

	return h_fleet(h) != NULL ? &h_fleet(h)->st : &scratch;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

static bool
jbool(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    json_object_get_boolean(v);
}

/* An integer member: dflt when absent, -1 (bad) when not an integer. */
static int64_t
jint(json_object *o, const char *key, int64_t dflt, bool *bad)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return dflt;
	if (!json_object_is_type(v, json_type_int)) {
		*bad = true;
		return dflt;
	}
	return json_object_get_int64(v);
}

static void
iso_time(time_t t, char *buf, size_t cap)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void
hexstr(const uint8_t *p, size_t n, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* A reply skeleton: console, op, ok, error. */
static json_object *
reply_new(struct health *h, const char *op, const char *error)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "console",
	    json_object_new_string(h->c->name));
	json_object_object_add(o, "op", json_object_new_string(op));
	json_object_object_add(o, "ok", json_object_new_boolean(error == NULL));
	if (error != NULL)
		json_object_object_add(o, "error",
		    json_object_new_string(error));
	return o;
}

static void
reply_error(struct health *h, uint64_t client, const char *op,
	    const char *error)
{
	h_st(h)->failures++;
	ctl_mgmt_send(h->c->d, client, reply_new(h, op, error));
}

/* ---- SDR cache ---- */

static const struct ipmi_sdr *
sdr_by_number(const struct health *h, uint8_t owner, uint8_t num)
{
	const struct ipmi_sdr *any = NULL;
	size_t i;

	for (i = 0; i < h->nsensors; i++) {
		if (h->sensors[i].sdr.number != num)
			continue;
		if (h->sensors[i].sdr.owner == owner)
			return &h->sensors[i].sdr;
		if (any == NULL)
			any = &h->sensors[i].sdr;
	}
	return any;
}

/* A fresh repository: parse it, keeping the history of sensors that
 * stayed. */
static void
sdr_rebuild(struct health *h, const ipmi_sdr_reader *r)
{
	size_t n = ipmi_sdr_reader_count(r), i, k = 0, j, len;
	struct hsensor *ns = calloc(n > 0 ? n : 1, sizeof(*ns));
	const uint8_t *rec;
	struct ipmi_sdr s;

	if (ns == NULL)
		return;
	for (i = 0; i < n; i++) {
		if ((rec = ipmi_sdr_reader_record(r, i, &len)) == NULL ||
		    ipmi_sdr_parse(rec, len, &s) != 0 ||
		    (s.type != IPMI_SDR_FULL && s.type != IPMI_SDR_COMPACT &&
		    s.type != IPMI_SDR_EVENT_ONLY))
			continue;
		ns[k].sdr = s;
		for (j = 0; j < h->nsensors; j++)
			if (h->sensors[j].sdr.number == s.number &&
			    h->sensors[j].sdr.owner == s.owner &&
			    strcmp(h->sensors[j].sdr.name, s.name) == 0) {
				memcpy(ns[k].hist, h->sensors[j].hist,
				    sizeof(ns[k].hist));
				ns[k].nhist = h->sensors[j].nhist;
				ns[k].hpos = h->sensors[j].hpos;
				break;
			}
		k++;
	}
	free(h->sensors);
	h->sensors = ns;
	h->nsensors = k;
	h->sdr_info = *ipmi_sdr_reader_info(r);
	h->sdr_have = true;
}

static void
sensor_store(struct hsensor *s, const struct ipmi_reading *rd, time_t now)
{
	s->have = true;
	s->rd = *rd;
	s->conv = rd->unavailable ? IPMI_CONV_NONE :
	    ipmi_sensor_convert(&s->sdr, rd->raw, &s->value);
	s->hist[s->hpos].t = now;
	s->hist[s->hpos].valid = s->conv != IPMI_CONV_NONE &&
	    s->sdr.event_type == 0x01;
	s->hist[s->hpos].v = s->value;
	s->hpos = (s->hpos + 1) % H_HIST;
	if (s->nhist < H_HIST)
		s->nhist++;
}

static bool
sensor_analog(const struct hsensor *s)
{
	return s->sdr.event_type == 0x01 && s->sdr.type == IPMI_SDR_FULL &&
	    s->sdr.format != 3;
}

static const char *
sensor_status(const struct hsensor *s)
{
	return s->have ? ipmi_sensor_status(&s->sdr, &s->rd) : "ns";
}

static bool
sensor_has_value(const struct hsensor *s)
{
	return s->have && !s->rd.unavailable && s->rd.scanning &&
	    sensor_analog(s) && s->conv != IPMI_CONV_NONE;
}

static void
sensor_reading_str(const struct hsensor *s, char *buf, size_t cap)
{
	if (!s->have || s->rd.unavailable || !s->rd.scanning)
		snprintf(buf, cap, "no reading");
	else if (sensor_has_value(s))
		ipmi_sensor_value_str(s->value, buf, cap);
	else	/* discrete: the low state byte, as ipmitool shows it */
		snprintf(buf, cap, "0x%02x", s->rd.has_states ? s->rd.s1 :
		    s->rd.raw);
}

static void
sensor_unit(const struct hsensor *s, char *buf, size_t cap)
{
	if (sensor_analog(s))
		ipmi_sensor_unit_str(&s->sdr, buf, cap);
	else
		snprintf(buf, cap, "discrete");
}

static json_object *
sensor_states(const struct hsensor *s)
{
	json_object *a = json_object_new_array();
	const char *t;
	char buf[32];
	int i;

	if (!s->have || s->rd.unavailable || !s->rd.has_states)
		return a;
	if (s->sdr.event_type == 0x01) {
		for (i = 0; i < IPMI_TH_N; i++)
			if (s->rd.s1 & (1u << i))
				json_object_array_add(a, json_object_new_string(
				    ipmi_threshold_name(i)));
		return a;
	}
	for (i = 0; i < 15; i++) {
		if (!(s->rd.states & (1u << i)))
			continue;
		t = ipmi_event_text(s->sdr.sensor_type, s->sdr.event_type,
		    (uint8_t)i);
		if (t == NULL) {
			snprintf(buf, sizeof(buf), "state %d", i);
			t = buf;
		}
		json_object_array_add(a, json_object_new_string(t));
	}
	return a;
}

static json_object *
sensor_json(const struct hsensor *s, bool history)
{
	json_object *o = json_object_new_object(), *a, *e;
	char buf[96];
	unsigned i, k;

	json_object_object_add(o, "name", json_object_new_string(s->sdr.name));
	json_object_object_add(o, "number", json_object_new_int(s->sdr.number));
	json_object_object_add(o, "type", json_object_new_string(
	    ipmi_sensor_type_name(s->sdr.sensor_type)));
	sensor_reading_str(s, buf, sizeof(buf));
	/* The value serialised as ipmitool rounds it: 12.12, not
	 * 12.120000000000001. */
	json_object_object_add(o, "value", sensor_has_value(s) ?
	    json_object_new_double_s(s->value, buf) : NULL);
	json_object_object_add(o, "reading", json_object_new_string(buf));
	sensor_unit(s, buf, sizeof(buf));
	json_object_object_add(o, "unit", json_object_new_string(buf));
	json_object_object_add(o, "status",
	    json_object_new_string(sensor_status(s)));
	json_object_object_add(o, "states", sensor_states(s));
	if (!history)
		return o;
	a = json_object_new_array();
	for (i = 0; i < s->nhist; i++) {
		k = (s->hpos + H_HIST - s->nhist + i) % H_HIST;
		e = json_object_new_object();
		json_object_object_add(e, "time",
		    json_object_new_int64(s->hist[k].t));
		ipmi_sensor_value_str(s->hist[k].v, buf, sizeof(buf));
		json_object_object_add(e, "value", s->hist[k].valid ?
		    json_object_new_double_s(s->hist[k].v, buf) : NULL);
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "history", a);
	return o;
}

static json_object *
sensors_json(struct health *h, bool history)
{
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < h->nsensors; i++)
		if (ipmi_sdr_is_sensor(&h->sensors[i].sdr))
			json_object_array_add(a,
			    sensor_json(&h->sensors[i], history));
	return a;
}

/* ---- SEL ---- */

static json_object *
sel_entry_json(struct health *h, const uint8_t *raw)
{
	json_object *o = json_object_new_object();
	const struct ipmi_sdr *s = NULL;
	struct ipmi_sel_rec e;
	char buf[256], hex[33], *bar;

	if (ipmi_sel_decode(raw, 16, &e) != 0)
		return o;
	json_object_object_add(o, "id", json_object_new_int(e.id));
	if (e.has_ts)
		ipmi_sel_time_str(e.ts, buf, sizeof(buf));
	else
		buf[0] = '\0';
	/* "11/25/2026 | 16:44:08" (the sel list columns) → one field */
	if ((bar = strstr(buf, " | ")) != NULL)
		memmove(bar + 1, bar + 3, strlen(bar + 3) + 1);
	json_object_object_add(o, "time", json_object_new_string(buf));
	json_object_object_add(o, "timestamp",
	    json_object_new_int64(e.has_ts ? e.ts : 0));
	if (e.kind == IPMI_SEL_SYSTEM) {
		s = sdr_by_number(h, (uint8_t)(e.generator & 0xff),
		    e.sensor_num);
		/* ipmitool leaves out "#0x00" */
		snprintf(buf, sizeof(buf), e.sensor_num != 0 ? "%s #0x%02x" :
		    "%s", ipmi_sensor_type_name(e.sensor_type), e.sensor_num);
	} else {
		snprintf(buf, sizeof(buf), "OEM record %02x", e.type);
	}
	json_object_object_add(o, "sensor", json_object_new_string(buf));
	json_object_object_add(o, "sensor_name", s != NULL ?
	    json_object_new_string(s->name) : NULL);
	ipmi_sel_event_str(&e, buf, sizeof(buf));
	json_object_object_add(o, "event", json_object_new_string(buf));
	json_object_object_add(o, "direction", json_object_new_string(
	    e.kind != IPMI_SEL_SYSTEM ? "" : e.assert ? "Asserted" :
	    "Deasserted"));
	if (s == NULL || ipmi_sel_threshold_str(&e, s, buf, sizeof(buf)) != 0)
		buf[0] = '\0';
	json_object_object_add(o, "detail", json_object_new_string(buf));
	hexstr(raw, 16, hex);
	json_object_object_add(o, "raw", json_object_new_string(hex));
	return o;
}

static void
data_path(struct health *h, const char *ext, char *buf, size_t cap)
{
	snprintf(buf, cap, "%s/%s.%s", h->c->d->logdir, h->c->name, ext);
}

/* Open a data log for appending, as private as the console logs. */
static FILE *
data_open(struct health *h, const char *ext, char *path, size_t cap)
{
	FILE *fp;
	int fd;

	data_path(h, ext, path, cap);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0 || (fp = fdopen(fd, "a")) == NULL) {
		log_msg(LOGL_WARN, "%s: %s: %s", h->c->name, path,
		    strerror(errno));
		if (fd >= 0)
			close(fd);
		return NULL;
	}
	return fp;
}

/* The raw hex of the last entry NAME.sel recorded, or "" (the last
 * tab-separated field of its last line). */
static void
sel_file_last(struct health *h, char out[33])
{
	char path[4096], buf[1024], *nl, *tab;
	ssize_t n;
	off_t sz;
	int fd;

	out[0] = '\0';
	data_path(h, "sel", path, sizeof(path));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return;
	sz = lseek(fd, 0, SEEK_END);
	if (sz > 0 && (n = pread(fd, buf, sizeof(buf) - 1,
	    sz > (off_t)sizeof(buf) - 1 ? sz - (off_t)sizeof(buf) + 1 : 0)) > 0) {
		buf[n] = '\0';
		while (n > 0 && buf[n - 1] == '\n')
			buf[--n] = '\0';
		nl = strrchr(buf, '\n');
		tab = strrchr(nl != NULL ? nl : buf, '\t');
		if (tab != NULL && strlen(tab + 1) == 32)
			memcpy(out, tab + 1, 33);
	}
	close(fd);
}

/* Append entries [from, n) of the reader to NAME.sel. */
static void
sel_log(struct health *h, const ipmi_sel_reader *r, size_t from)
{
	char path[4096], ts[32], line[256], hex[33];
	const uint8_t *raw;
	struct ipmi_sel_rec e;
	size_t i, n = ipmi_sel_reader_count(r);
	FILE *fp;

	if (!h->c->d->cfg->g.sel_log || from >= n)
		return;
	if ((fp = data_open(h, "sel", path, sizeof(path))) == NULL)
		return;
	iso_time(time(NULL), ts, sizeof(ts));
	for (i = from; i < n; i++) {
		raw = ipmi_sel_reader_entry(r, i);
		if (raw == NULL || ipmi_sel_decode(raw, 16, &e) != 0)
			continue;
		ipmi_sel_line(&e, line, sizeof(line));
		hexstr(raw, 16, hex);
		fprintf(fp, "%s\t%04x\t%s\t%s\n", ts, e.id, line, hex);
	}
	if (fclose(fp) != 0)
		log_msg(LOGL_WARN, "%s: %s: %s", h->c->name, path,
		    strerror(errno));
}

static void
sel_event(struct health *h, const uint8_t *raw)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "event", json_object_new_string("sel"));
	json_object_object_add(o, "console",
	    json_object_new_string(h->c->name));
	json_object_object_add(o, "entry", sel_entry_json(h, raw));
	ctl_sel_event(h->c, o, h->followers, &h->nfollowers);
}

static void
sel_note_newest(struct health *h, const ipmi_sel_reader *r)
{
	const struct ipmi_sel_info *info = ipmi_sel_reader_info(r);
	size_t n = ipmi_sel_reader_count(r);
	const uint8_t *raw;

	if (info != NULL)
		h->sel_count = info->entries;
	if (n > 0 && (raw = ipmi_sel_reader_entry(r, n - 1)) != NULL) {
		memcpy(h->sel_newest, raw, 16);
		h->sel_newest_have = true;
		h->sel_last_id = (uint16_t)(raw[0] | raw[1] << 8);
		h->sel_have_last = true;
	} else if (ipmi_sel_reader_restarted(r) || !h->sel_have_last) {
		/* read from the start and found nothing: empty */
		h->sel_newest_have = false;
		h->sel_have_last = false;
	}
}

/* A poll's SEL read: the baseline, or the entries since the last one. */
static void
sel_poll_done(struct health *h, const ipmi_sel_reader *r)
{
	size_t n = ipmi_sel_reader_count(r), i, from = 0;
	const uint8_t *raw;
	char last[33], hex[33];

	if (!h->sel_base) {
		/* Entries a previous run recorded are not recorded again:
		 * from the one matching the file's last line on. */
		sel_file_last(h, last);
		for (i = n; last[0] != '\0' && i > 0; i--) {
			if ((raw = ipmi_sel_reader_entry(r, i - 1)) == NULL)
				continue;
			hexstr(raw, 16, hex);
			if (strcmp(hex, last) == 0) {
				from = i;
				break;
			}
		}
		sel_log(h, r, from);
		h->sel_base = true;
		sel_note_newest(h, r);
		return;
	}
	sel_log(h, r, 0);
	for (i = 0; i < n; i++)
		if ((raw = ipmi_sel_reader_entry(r, i)) != NULL) {
			h_st(h)->sel_new++;
			sel_event(h, raw);
		}
	sel_note_newest(h, r);
}

/* ---- sensor log ---- */

static void
sensors_log(struct health *h)
{
	char path[4096], ts[32], val[48], unit[96];
	struct hsensor *s;
	size_t i;
	FILE *fp;

	if (!h->c->d->cfg->g.sensor_log)
		return;
	if ((fp = data_open(h, "sensors", path, sizeof(path))) == NULL)
		return;
	iso_time(h->sensors_time, ts, sizeof(ts));
	for (i = 0; i < h->nsensors; i++) {
		s = &h->sensors[i];
		if (!ipmi_sdr_is_sensor(&s->sdr))
			continue;
		if (sensor_has_value(s))
			ipmi_sensor_value_str(s->value, val, sizeof(val));
		else
			snprintf(val, sizeof(val), "na");
		sensor_unit(s, unit, sizeof(unit));
		fprintf(fp, "%s\t%s\t%s\t%s\t%s\n", ts, s->sdr.name, val, unit,
		    sensor_status(s));
	}
	if (fclose(fp) != 0)
		log_msg(LOGL_WARN, "%s: %s: %s", h->c->name, path,
		    strerror(errno));
}

/* ---- jobs: the next request, the answer ---- */

static int
job_fail(struct hjob *j, const char *why)
{
	if (j->err[0] == '\0')
		snprintf(j->err, sizeof(j->err), "%s", why);
	return IPMI_RD_FAIL;
}

/* A reader's verdict as a job result. */
static int
job_reader(struct hjob *j, int r, const char *err)
{
	if (r == IPMI_RD_FAIL)
		return job_fail(j, err != NULL ? err : "failed");
	return r;
}

/* Sensors the session can read directly: owned by the BMC itself (slave
 * address 0x20) on LUN 0.  Others need IPMB bridging or another LUN,
 * which requests on the session do not carry yet; asking the BMC for
 * the same number would return some other sensor's reading, so they
 * stay "no reading" instead. */
static bool
sensor_due(const struct hsensor *s)
{
	return ipmi_sdr_is_sensor(&s->sdr) && s->sdr.owner == 0x20 &&
	    s->sdr.lun == 0;
}

/* The SDR cache brought up to date: one request when unchanged. */
static int
job_next_sdr(struct health *h, struct hjob *j, struct ipmi_mreq *req)
{
	int r;

	if (j->sdr == NULL) {
		if ((j->sdr = ipmi_sdr_reader_new()) == NULL)
			return job_fail(j, "out of memory");
		if (h->sdr_have)
			ipmi_sdr_reader_set_cache(j->sdr, &h->sdr_info);
	}
	r = ipmi_sdr_reader_next(j->sdr, req);
	if (r != IPMI_RD_DONE)
		return job_reader(j, r, ipmi_sdr_reader_error(j->sdr));
	if (!ipmi_sdr_reader_unchanged(j->sdr))
		sdr_rebuild(h, j->sdr);
	return IPMI_RD_DONE;
}

static int
job_next_sensors(struct health *h, struct hjob *j, struct ipmi_mreq *req)
{
	int r;

	if (j->phase == P_SDR) {
		if ((r = job_next_sdr(h, j, req)) != IPMI_RD_DONE)
			return r;
		j->phase = P_READ;
		j->idx = 0;
	}
	if (j->phase == P_READ) {
		while (j->idx < h->nsensors && !sensor_due(&h->sensors[j->idx]))
			j->idx++;
		if (j->idx < h->nsensors) {
			ipmi_req_sensor_reading(req,
			    h->sensors[j->idx].sdr.number);
			return IPMI_RD_REQ;
		}
		h->sensors_time = time(NULL);
		j->phase = j->poll == POLL_SENSORS ? P_CHASSIS : P_DONE;
		if (j->phase == P_CHASSIS) {
			ipmi_req_chassis_status(req);
			return IPMI_RD_REQ;
		}
	}
	return IPMI_RD_DONE;
}

static void
job_feed_sensors(struct health *h, struct hjob *j, int cc, const uint8_t *d,
		 size_t len)
{
	struct ipmi_chassis_status st;
	struct ipmi_reading rd;

	if (j->phase == P_SDR) {
		ipmi_sdr_reader_feed(j->sdr, cc, d, len);
	} else if (j->phase == P_READ) {
		memset(&rd, 0, sizeof(rd));
		if (ipmi_reading_decode(cc, d, len, &rd) != 0)
			rd.unavailable = true;	/* this sensor only */
		if (j->idx < h->nsensors)
			sensor_store(&h->sensors[j->idx], &rd, time(NULL));
		j->idx++;
	} else if (j->phase == P_CHASSIS) {
		if (ipmi_chassis_status_decode(cc, d, len, &st) == 0)
			h->power = st.power_on;
		j->phase = P_DONE;
	}
}

static int
job_next(struct health *h, struct hjob *j, struct ipmi_mreq *req)
{
	if (j->err[0] != '\0')
		return IPMI_RD_FAIL;
	switch (j->kind) {
	case J_SIMPLE:
		if (j->step > 0)
			return IPMI_RD_DONE;
		*req = j->req[0];
		return IPMI_RD_REQ;
	case J_BOOTDEV:
		if (j->step >= IPMI_BOOT_NREQ)
			return IPMI_RD_DONE;
		*req = j->req[j->step];
		return IPMI_RD_REQ;
	case J_SENSORS:
		return job_next_sensors(h, j, req);
	case J_SEL:
		/* The SDR first, for sensor names and threshold details; a
		 * failure there only costs the names. */
		if (j->phase == P_SDR) {
			if (job_next_sdr(h, j, req) == IPMI_RD_REQ)
				return IPMI_RD_REQ;
			j->err[0] = '\0';
			j->phase = P_READ;
		}
		/* FALLTHROUGH */
	case J_SELCLEAR:
		return job_reader(j, ipmi_sel_reader_next(j->sel, req),
		    ipmi_sel_reader_error(j->sel));
	case J_FRU:
		return job_reader(j, ipmi_fru_reader_next(j->fru, req),
		    ipmi_fru_reader_error(j->fru));
	}
	return IPMI_RD_FAIL;
}

static const char *
cc_text(int cc)
{
	return cc < 0 ? "no answer from the BMC (timeout)" : ipmi_cc_str(cc);
}

static void
job_feed(struct health *h, struct hjob *j, int cc, const uint8_t *d,
	 size_t len)
{
	struct ipmi_chassis_status st;

	switch (j->kind) {
	case J_SIMPLE:
		j->step++;
		if (cc != 0) {
			job_fail(j, cc_text(cc));
		} else if (j->sub == S_STATUS) {
			if (ipmi_chassis_status_decode(cc, d, len, &st) != 0)
				job_fail(j, "malformed Chassis Status reply");
			else
				h->power = j->power = st.power_on;
		}
		break;
	case J_BOOTDEV:
		/* A failed step still lets the last one unlock the
		 * parameters; its error is the one reported. */
		if (!ipmi_boot_step_ok(j->step, cc)) {
			if (j->soft_err[0] == '\0')
				snprintf(j->soft_err, sizeof(j->soft_err),
				    "Set System Boot Options step %u: %s",
				    j->step + 1, cc_text(cc));
			if (j->step < IPMI_BOOT_NREQ - 1) {
				j->step = IPMI_BOOT_NREQ - 1;
				break;
			}
		}
		j->step++;
		break;
	case J_SENSORS:
		if (cc < 0 && j->phase == P_SDR)
			job_fail(j, cc_text(cc));
		else
			job_feed_sensors(h, j, cc, d, len);
		break;
	case J_SEL:
	case J_SELCLEAR:
		if (j->phase == P_SDR)
			ipmi_sdr_reader_feed(j->sdr, cc, d, len);
		else
			ipmi_sel_reader_feed(j->sel, cc, d, len);
		break;
	case J_FRU:
		ipmi_fru_reader_feed(j->fru, cc, d, len);
		break;
	}
}

/* ---- job lifecycle ---- */

static void
job_free(struct hjob *j)
{
	ipmi_sdr_reader_free(j->sdr);
	ipmi_sel_reader_free(j->sel);
	ipmi_fru_reader_free(j->fru);
	free(j);
}

static void
fru_add(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

static json_object *
fru_json(const struct ipmi_fru *f)
{
	json_object *o = json_object_new_object();

	if (f->has_chassis) {
		fru_add(o, "chassis_type",
		    ipmi_fru_chassis_type_name(f->chassis_type));
		fru_add(o, "chassis_part", f->chassis_part);
		fru_add(o, "chassis_serial", f->chassis_serial);
	}
	if (f->has_board) {
		json_object_object_add(o, "board_mfg_time",
		    f->board_mfg_minutes != 0 ?
		    json_object_new_int64(f->board_mfg_time) : NULL);
		fru_add(o, "board_mfr", f->board_mfr);
		fru_add(o, "board_product", f->board_product);
		fru_add(o, "board_serial", f->board_serial);
		fru_add(o, "board_part", f->board_part);
	}
	if (f->has_product) {
		fru_add(o, "product_mfr", f->product_mfr);
		fru_add(o, "product_name", f->product_name);
		fru_add(o, "product_part", f->product_part);
		fru_add(o, "product_version", f->product_version);
		fru_add(o, "product_serial", f->product_serial);
		fru_add(o, "product_asset", f->product_asset);
	}
	return o;
}

static json_object *
fru_errors(unsigned e)
{
	static const struct { unsigned bit; const char *text; } t[] = {
		{ IPMI_FRU_E_HEADER, "bad common header" },
		{ IPMI_FRU_E_CHASSIS, "bad chassis info area" },
		{ IPMI_FRU_E_BOARD, "bad board info area" },
		{ IPMI_FRU_E_PRODUCT, "bad product info area" },
		{ IPMI_FRU_E_TRUNCATED, "an area runs past the FRU data" },
	};
	json_object *a = json_object_new_array();
	size_t i;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++)
		if (e & t[i].bit)
			json_object_array_add(a,
			    json_object_new_string(t[i].text));
	return a;
}

/* Reply "fru"; NULL error, or why there is nothing to show. */
static const char *
reply_fru(struct hjob *j, json_object *o)
{
	struct ipmi_fru *f;
	const uint8_t *img;
	size_t len = 0;

	img = ipmi_fru_reader_image(j->fru, &len);
	if ((f = calloc(1, sizeof(*f))) == NULL)
		return "out of memory";
	if (img == NULL || ipmi_fru_parse(img, len, f) != 0) {
		free(f);
		return "no FRU data (no valid common header)";
	}
	json_object_object_add(o, "fru", fru_json(f));
	json_object_object_add(o, "errors", fru_errors(f->errors));
	free(f);
	return NULL;
}

static void
follower_add(struct health *h, uint64_t id)
{
	uint64_t *n;
	size_t i;

	for (i = 0; i < h->nfollowers; i++)
		if (h->followers[i] == id)
			return;
	n = realloc(h->followers, (h->nfollowers + 1) * sizeof(*n));
	if (n == NULL)
		return;
	h->followers = n;
	h->followers[h->nfollowers++] = id;
}

/* A user's job ended: its reply. */
static void
job_reply(struct health *h, struct hjob *j)
{
	const char *err = j->err[0] ? j->err : j->soft_err[0] ? j->soft_err :
	    NULL;
	json_object *o, *a;
	size_t i, n;

	if (err == NULL && j->kind == J_FRU) {
		o = reply_new(h, j->op, NULL);
		if ((err = reply_fru(j, o)) == NULL) {
			ctl_mgmt_send(h->c->d, j->client, o);
			return;
		}
		json_object_put(o);
	}
	if (err != NULL) {
		if ((j->kind == J_SIMPLE && j->sub == S_CONTROL) ||
		    j->kind == J_BOOTDEV || j->kind == J_SELCLEAR)
			log_msg(LOGL_WARN, "%s: %s failed: %s", h->c->name,
			    j->op, err);
		reply_error(h, j->client, j->op, err);
		return;
	}
	o = reply_new(h, j->op, NULL);
	switch (j->kind) {
	case J_SIMPLE:
		if (j->sub == S_STATUS)
			json_object_object_add(o, "power",
			    json_object_new_string(j->power ? "on" : "off"));
		break;
	case J_SENSORS:
		json_object_object_add(o, "time",
		    json_object_new_int64(h->sensors_time));
		json_object_object_add(o, "sensors", sensors_json(h, false));
		break;
	case J_SEL:
		a = json_object_new_array();
		n = ipmi_sel_reader_count(j->sel);
		for (i = 0; i < n; i++)
			json_object_array_add(a, sel_entry_json(h,
			    ipmi_sel_reader_entry(j->sel, i)));
		json_object_object_add(o, "entries", a);
		if (j->follow)
			follower_add(h, j->client);
		break;
	case J_SELCLEAR:
		h->sel_count = 0;
		h->sel_newest_have = false;
		h->sel_have_last = false;
		break;
	default:
		break;
	}
	ctl_mgmt_send(h->c->d, j->client, o);
}

/* A poll ended: caches and data logs are up to date. */
static void
job_poll_done(struct health *h, struct hjob *j)
{
	if (j->err[0] != '\0') {
		h_st(h)->poll_failures++;
		log_msg(LOGL_DEBUG, "%s: %s poll failed: %s", h->c->name,
		    j->poll == POLL_SEL ? "SEL" : "sensor", j->err);
		return;
	}
	if (j->poll == POLL_SENSORS)
		sensors_log(h);
	else
		sel_poll_done(h, j->sel);
}

static void
job_end(struct health *h, struct hjob *j)
{
	int poll = j->poll;

	TAILQ_REMOVE(&h->running, j, link);
	h->nrunning--;
	resv_release(h, j);
	if (poll == POLL_NONE)
		job_reply(h, j);
	else
		job_poll_done(h, j);
	job_free(j);
	if (poll != POLL_NONE) {
		h->busy[poll] = false;
		h_schedule(h, poll, false);
	}
	h_kick(h);
}

/* Send the job's next request, or end it. */
/* Whether j's next step reads under an SDR or SEL reservation. */
static bool
job_needs_resv(const struct hjob *j)
{
	if (j->err[0] != '\0')
		return false;
	switch (j->kind) {
	case J_SENSORS:
		return j->phase == P_SDR;
	case J_SEL:
	case J_SELCLEAR:
		return true;
	default:
		return false;
	}
}

/* j must wait: another job holds the reservation. */
static bool
job_blocked(const struct health *h, const struct hjob *j)
{
	return job_needs_resv(j) && h->resv != NULL && h->resv != j;
}

static void
resv_release(struct health *h, struct hjob *j)
{
	if (h->resv == j) {
		h->resv = NULL;
		h_kick(h);	/* wake a job waiting for it */
	}
}

static void
job_advance(struct health *h, struct hjob *j)
{
	struct ipmi_mreq req;
	const char *why = "cannot queue the request";
	uint64_t gen = h->gen;
	int r;

	memset(&req, 0, sizeof(req));
	if (job_needs_resv(j))
		h->resv = j;
	r = job_next(h, j, &req);
	if (!job_needs_resv(j) || r != IPMI_RD_REQ)
		resv_release(h, j);
	if (r == IPMI_RD_REQ) {
		if (++h->seq == 0)
			++h->seq;
		j->tag = h->seq;
		j->inflight = true;
		if (console_request(h->c, req.netfn, req.cmd, req.data,
		    req.len, j->tag, &why) == 0 || gen != h->gen)
			return;
		j->inflight = false;
		job_fail(j, why);
	}
	job_end(h, j);
}

static void
h_on_kick(evutil_socket_t fd, short what, void *arg)
{
	struct health *h = arg;
	uint64_t gen = h->gen;
	struct hjob *j;

again:
	TAILQ_FOREACH(j, &h->running, link)
		if (!j->inflight && !job_blocked(h, j)) {
			job_advance(h, j);
			if (gen != h->gen)
				return;
			goto again;
		}
	/* Users go ahead of polls. */
	while (h->up && h->nrunning < CONSOLE_MGMT_MAX) {
		if ((j = TAILQ_FIRST(&h->user)) != NULL) {
			TAILQ_REMOVE(&h->user, j, link);
			h->nuser--;
		} else if ((j = TAILQ_FIRST(&h->polls)) != NULL) {
			TAILQ_REMOVE(&h->polls, j, link);
		} else {
			break;
		}
		TAILQ_INSERT_TAIL(&h->running, j, link);
		h->nrunning++;
		if (job_blocked(h, j))
			continue;	/* starts when the reservation frees */
		job_advance(h, j);
		if (gen != h->gen)
			return;
	}
}

/* Continue from the loop, never inside a session callback. */
static void
h_kick(struct health *h)
{
	if (h->ev_kick != NULL)
		event_active(h->ev_kick, EV_TIMEOUT, 1);
}

void
health_response(struct console *c, uint32_t tag, int cc,
		const uint8_t *data, size_t len)
{
	struct health *h = c->health;
	struct hjob *j;

	if (h == NULL)
		return;
	TAILQ_FOREACH(j, &h->running, link)
		if (j->inflight && j->tag == tag)
			break;
	if (j == NULL)
		return;
	j->inflight = false;
	job_feed(h, j, cc, data, len);
	h_kick(h);
}

/* ---- polling and the fleet's rate ---- */

static void
fleet_unqueue(struct hdue *due)
{
	struct health_fleet *f = h_fleet(due->h);

	if (!due->queued || f == NULL)
		return;
	TAILQ_REMOVE(&f->fifo, due, link);
	f->nwaiting--;
	due->queued = false;
}

static void
h_start_poll(struct health *h, int kind)
{
	struct hjob *j;

	if (!h->up || h->busy[kind])
		return;
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		h_schedule(h, kind, false);
		return;
	}
	j->poll = kind;
	if (kind == POLL_SENSORS) {
		j->kind = J_SENSORS;
		snprintf(j->op, sizeof(j->op), "sensors");
	} else {
		j->kind = J_SEL;
		snprintf(j->op, sizeof(j->op), "sel");
		if ((j->sel = ipmi_sel_reader_new(false)) == NULL) {
			free(j);
			h_schedule(h, kind, false);
			return;
		}
		if (h->sel_base && h->sel_have_last)
			ipmi_sel_reader_after(j->sel, h->sel_last_id);
		/* polls leave the SDR to the sensor poll once it is cached */
		j->phase = h->sdr_have ? P_READ : P_SDR;
	}
	h->busy[kind] = true;
	h_st(h)->polls++;
	TAILQ_INSERT_TAIL(&h->polls, j, link);
	h_kick(h);
}

static void
fleet_pump(struct health_fleet *f)
{
	double rate = f->d->cfg->g.poll_rate > 0 ? f->d->cfg->g.poll_rate : 1;
	uint64_t now = ipmuxd_now_ms(), ms;
	struct timeval tv;
	struct hdue *due;

	f->tokens += (double)(now - f->refilled) * rate / 1000.0;
	if (f->tokens > rate)
		f->tokens = rate;	/* a second's worth of burst */
	f->refilled = now;
	while (f->tokens >= 1 && (due = TAILQ_FIRST(&f->fifo)) != NULL) {
		fleet_unqueue(due);
		f->tokens -= 1;
		h_start_poll(due->h, due->kind);
	}
	if (TAILQ_EMPTY(&f->fifo))
		return;
	ms = (uint64_t)((1.0 - f->tokens) * 1000.0 / rate) + 1;
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(f->ev, &tv);
}

static void
fleet_on_timer(evutil_socket_t fd, short what, void *arg)
{
	fleet_pump(arg);
}

/* A console's poll fell due: it waits for the fleet's rate. */
static void
h_on_poll(evutil_socket_t fd, short what, void *arg)
{
	struct hdue *due = arg;
	struct health *h = due->h;
	struct health_fleet *f = h_fleet(h);

	if (!h->up)
		return;
	if (h->busy[due->kind]) {
		h_schedule(h, due->kind, false);
		return;
	}
	if (f == NULL) {
		h_start_poll(h, due->kind);
		return;
	}
	if (!due->queued) {
		TAILQ_INSERT_TAIL(&f->fifo, due, link);
		f->nwaiting++;
		due->queued = true;
	}
	fleet_pump(f);
}

static void
h_schedule(struct health *h, int kind, bool first)
{
	const struct cfg_global *g = &h->c->d->cfg->g;
	uint32_t iv = kind == POLL_SENSORS ? g->sensor_poll_ms : g->sel_poll_ms;
	uint32_t ms = iv;
	struct timeval tv;

	if (!h->up || iv == 0 || h->ev_poll[kind] == NULL)
		return;
	/* Staggered: the first poll at a random point of the interval; the
	 * SEL's baseline soon, so later entries count as new. */
	if (first)
		ms = kind == POLL_SEL && !h->sel_base ?
		    arc4random_uniform(iv < H_SEL_BASE_MS ? iv : H_SEL_BASE_MS) :
		    arc4random_uniform(iv);
	tv.tv_sec = (time_t)(ms / 1000);
	tv.tv_usec = (suseconds_t)(ms % 1000) * 1000;
	evtimer_add(h->ev_poll[kind], &tv);
}

void
health_reconfigure(struct console *c)
{
	struct health *h = c->health;
	int k;

	if (h == NULL || !h->up)
		return;
	for (k = 0; k < POLL_N; k++)
		if (!h->busy[k] && !h->due[k].queued &&
		    !evtimer_pending(h->ev_poll[k], NULL))
			h_schedule(h, k, true);
}

void
health_session_up(struct console *c)
{
	struct health *h = c->health;
	int k;

	if (h == NULL)
		return;
	h->up = true;
	for (k = 0; k < POLL_N; k++)
		if (!h->busy[k] && !h->due[k].queued)
			h_schedule(h, k, true);
	h_kick(h);
}

/* Drop every job; users hear why. */
static void
h_flush(struct health *h, struct hjob_list *l, const char *why)
{
	struct hjob *j;

	while ((j = TAILQ_FIRST(l)) != NULL) {
		TAILQ_REMOVE(l, j, link);
		if (j->poll == POLL_NONE && why != NULL)
			reply_error(h, j->client, j->op, why);
		else if (j->poll != POLL_NONE)
			h->busy[j->poll] = false;
		job_free(j);
	}
}

void
health_session_down(struct console *c, const char *why)
{
	struct health *h = c->health;
	int k;

	if (h == NULL)
		return;
	h->gen++;
	h->up = false;
	h->resv = NULL;
	h_flush(h, &h->running, why);
	h_flush(h, &h->user, why);
	h_flush(h, &h->polls, why);
	h->nrunning = h->nuser = 0;
	for (k = 0; k < POLL_N; k++) {
		if (h->ev_poll[k] != NULL)
			evtimer_del(h->ev_poll[k]);
		fleet_unqueue(&h->due[k]);
	}
}

/* ---- requests ---- */

static int
status_rank(const char *st)
{
	static const char *const order[] = { "ns", "ok", "nc", "cr", "nr" };
	int i;

	for (i = 4; i >= 0; i--)
		if (strcmp(st, order[i]) == 0)
			return i;
	return 0;
}

/* "health": from the caches only, whatever the console's state. */
static void
reply_health(struct health *h, uint64_t client)
{
	json_object *o = reply_new(h, "health", NULL);
	const struct hsensor *worst = NULL;
	const char *st;
	int best = -1, r;
	size_t i;

	json_object_object_add(o, "state",
	    json_object_new_string(console_state_name(h->c->state)));
	json_object_object_add(o, "power", h->power < 0 ? NULL :
	    json_object_new_string(h->power ? "on" : "off"));
	for (i = 0; h->sensors_time != 0 && i < h->nsensors; i++) {
		if (!ipmi_sdr_is_sensor(&h->sensors[i].sdr) ||
		    !h->sensors[i].have)
			continue;
		if ((r = status_rank(sensor_status(&h->sensors[i]))) > best) {
			best = r;
			worst = &h->sensors[i];
		}
	}
	st = worst == NULL ? "unknown" : sensor_status(worst);
	json_object_object_add(o, "worst", json_object_new_string(st));
	json_object_object_add(o, "worst_sensor", worst != NULL &&
	    best > 1 ? json_object_new_string(worst->sdr.name) : NULL);
	json_object_object_add(o, "sensors_time",
	    json_object_new_int64(h->sensors_time));
	json_object_object_add(o, "sel_count",
	    json_object_new_int64(h->sel_count));
	json_object_object_add(o, "sel_last", h->sel_newest_have ?
	    sel_entry_json(h, h->sel_newest) : NULL);
	ctl_mgmt_send(h->c->d, client, o);
}

static void
reply_cached_sensors(struct health *h, uint64_t client)
{
	json_object *o;

	if (!h->sdr_have || h->sensors_time == 0) {
		reply_error(h, client, "sensors", "no cached sensor readings "
		    "(sensor polling off, or no poll has run yet)");
		return;
	}
	o = reply_new(h, "sensors", NULL);
	json_object_object_add(o, "time",
	    json_object_new_int64(h->sensors_time));
	json_object_object_add(o, "sensors", sensors_json(h, true));
	ctl_mgmt_send(h->c->d, client, o);
}

static const char *
setup_power(struct hjob *j, json_object *req, unsigned *need)
{
	const char *action = jstr(req, "action");

	j->kind = J_SIMPLE;
	if (action == NULL)
		return "missing \"action\"";
	if (strcmp(action, "status") == 0) {
		j->sub = S_STATUS;
		ipmi_req_chassis_status(&j->req[0]);
		return NULL;
	}
	j->sub = S_CONTROL;
	*need = PERM_POWER;
	if ((j->cop = ipmi_chassis_op_parse(action)) < 0 ||
	    ipmi_req_chassis_control(&j->req[0], j->cop) != 0)
		return "unknown power action";
	return NULL;
}

static const char *
setup_identify(struct hjob *j, json_object *req, unsigned *need)
{
	const char *action = jstr(req, "action");
	bool bad = false;
	int64_t secs = jint(req, "seconds", 15, &bad);

	j->kind = J_SIMPLE;
	j->sub = S_IDENTIFY;
	*need = PERM_POWER;
	if (action == NULL || action[0] == '\0') {
		if (bad || secs < 0 || secs > 255)
			return "identify seconds must be 0..255";
		ipmi_req_chassis_identify(&j->req[0], (unsigned)secs, false);
	} else if (strcmp(action, "on") == 0) {
		ipmi_req_chassis_identify(&j->req[0], 0, true);
	} else if (strcmp(action, "off") == 0) {
		ipmi_req_chassis_identify(&j->req[0], 0, false);
	} else {
		return "identify action must be on, off or empty";
	}
	return NULL;
}

static const char *
setup_bootdev(struct hjob *j, json_object *req, unsigned *need)
{
	const char *dev = jstr(req, "device");
	unsigned flags = 0;
	int d;

	j->kind = J_BOOTDEV;
	*need = PERM_POWER;
	if (dev == NULL || (d = ipmi_bootdev_parse(dev)) < 0)
		return "device must be pxe, disk, bios, cdrom or none";
	if (jbool(req, "persistent"))
		flags |= IPMI_BOOT_PERSISTENT;
	if (jbool(req, "efi"))
		flags |= IPMI_BOOT_EFI;
	if (ipmi_boot_requests(j->req, d, flags) != IPMI_BOOT_NREQ)
		return "bad boot device";
	return NULL;
}

/* The job for op; NULL, or why not. */
static const char *
job_setup(struct hjob *j, const char *op, json_object *req, unsigned *need)
{
	bool bad = false;
	int64_t id;

	*need = PERM_READ;
	if (strcmp(op, "power") == 0)
		return setup_power(j, req, need);
	if (strcmp(op, "identify") == 0)
		return setup_identify(j, req, need);
	if (strcmp(op, "bootdev") == 0)
		return setup_bootdev(j, req, need);
	if (strcmp(op, "sensors") == 0) {
		j->kind = J_SENSORS;
		return NULL;
	}
	if (strcmp(op, "sel") == 0) {
		j->kind = jbool(req, "clear") ? J_SELCLEAR : J_SEL;
		if (j->kind == J_SELCLEAR) {
			*need = PERM_ADMIN;
			j->phase = P_READ;	/* no SDR needed */
		}
		j->follow = j->kind == J_SEL && jbool(req, "follow");
		j->sel = ipmi_sel_reader_new(j->kind == J_SELCLEAR);
		return j->sel != NULL ? NULL : "out of memory";
	}
	if (strcmp(op, "fru") == 0) {
		j->kind = J_FRU;
		id = jint(req, "id", 0, &bad);
		if (bad || id < 0 || id > 255)
			return "fru id must be 0..255";
		j->fru = ipmi_fru_reader_new((uint8_t)id);
		return j->fru != NULL ? NULL : "out of memory";
	}
	return "unknown management op";
}

/* Power actions, boot device and SEL clear: who did what, in the console
 * log before the request (the host's reaction follows) and the daemon's. */
static void
job_audit(struct health *h, struct hjob *j, json_object *req,
	  const char *user)
{
	char what[96];

	if (j->kind == J_SIMPLE && j->sub == S_CONTROL)
		snprintf(what, sizeof(what), "power %s",
		    ipmi_chassis_op_name(j->cop));
	else if (j->kind == J_BOOTDEV)
		snprintf(what, sizeof(what), "bootdev %s%s%s",
		    jstr(req, "device"), jbool(req, "persistent") ?
		    " persistent" : "", jbool(req, "efi") ? " efi" : "");
	else if (j->kind == J_SELCLEAR)
		snprintf(what, sizeof(what), "sel clear");
	else
		return;
	console_marker(h->c, "%s by %s", what, user);
	log_msg(LOGL_INFO, "%s: %s by %s", h->c->name, what, user);
}

void
health_request(struct console *c, uint64_t client, const char *user,
	       unsigned perms, json_object *req)
{
	struct health *h = c->health;
	const char *op = jstr(req, "op"), *why;
	char err[320];
	unsigned need;
	struct hjob *j;

	if (h == NULL)
		return;
	h_st(h)->requests++;
	if (strcmp(op, "health") == 0) {
		reply_health(h, client);
		return;
	}
	if (strcmp(op, "sensors") == 0 && jbool(req, "cached")) {
		reply_cached_sensors(h, client);
		return;
	}
	if ((j = calloc(1, sizeof(*j))) == NULL) {
		reply_error(h, client, op, "out of memory");
		return;
	}
	j->poll = POLL_NONE;
	j->client = client;
	snprintf(j->op, sizeof(j->op), "%s", op);
	if ((why = job_setup(j, op, req, &need)) != NULL) {
		reply_error(h, client, op, why);
		job_free(j);
		return;
	}
	if ((perms & need) != need) {
		log_msg(LOGL_INFO, "%s: %s by %s refused: no %s permission",
		    c->name, op, user, need == PERM_ADMIN ? "admin" :
		    need == PERM_POWER ? "power" : "read");
		reply_error(h, client, op, "permission denied");
		job_free(j);
		return;
	}
	if (!h->up || c->state != CON_ACTIVE) {
		snprintf(err, sizeof(err), "no session (state %s%s%s)",
		    console_state_name(c->state), c->reason[0] ? ": " : "",
		    c->reason);
		reply_error(h, client, op, err);
		job_free(j);
		return;
	}
	if (h->nuser >= H_QUEUE_MAX) {
		reply_error(h, client, op,
		    "too many management requests queued");
		job_free(j);
		return;
	}
	job_audit(h, j, req, user);
	TAILQ_INSERT_TAIL(&h->user, j, link);
	h->nuser++;
	h_kick(h);
}

/* ---- life cycle ---- */

struct health *
health_new(struct console *c)
{
	struct health *h = calloc(1, sizeof(*h));
	int k;

	if (h == NULL)
		return NULL;
	h->c = c;
	h->power = -1;
	TAILQ_INIT(&h->user);
	TAILQ_INIT(&h->polls);
	TAILQ_INIT(&h->running);
	h->ev_kick = event_new(c->d->base, -1, 0, h_on_kick, h);
	for (k = 0; k < POLL_N; k++) {
		h->due[k].h = h;
		h->due[k].kind = k;
		h->ev_poll[k] = evtimer_new(c->d->base, h_on_poll, &h->due[k]);
	}
	if (h->ev_kick == NULL || h->ev_poll[0] == NULL ||
	    h->ev_poll[1] == NULL) {
		health_free(h);
		return NULL;
	}
	return h;
}

void
health_free(struct health *h)
{
	int k;

	if (h == NULL)
		return;
	health_session_down(h->c, NULL);
	if (h->ev_kick != NULL)
		event_free(h->ev_kick);
	for (k = 0; k < POLL_N; k++)
		if (h->ev_poll[k] != NULL)
			event_free(h->ev_poll[k]);
	free(h->sensors);
	free(h->followers);
	free(h);
}

struct health_fleet *
health_fleet_new(struct ipmuxd *d)
{
	struct health_fleet *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return NULL;
	f->d = d;
	TAILQ_INIT(&f->fifo);
	f->tokens = d->cfg->g.poll_rate;
	f->refilled = ipmuxd_now_ms();
	if ((f->ev = evtimer_new(d->base, fleet_on_timer, f)) == NULL) {
		free(f);
		return NULL;
	}
	return f;
}

void
health_fleet_free(struct health_fleet *f)
{
	struct hdue *due;

	if (f == NULL)
		return;
	while ((due = TAILQ_FIRST(&f->fifo)) != NULL) {
		TAILQ_REMOVE(&f->fifo, due, link);
		due->queued = false;
	}
	event_free(f->ev);
	free(f);
}

void
health_stats(struct ipmuxd *d, struct health_stats *out)
{
	memset(out, 0, sizeof(*out));
	if (d->hf == NULL)
		return;
	*out = d->hf->st;
	out->waiting = d->hf->nwaiting;
}
