/* check_daemon_peers.c — ipmux sensors, sel, fru, power, identify and bootdev through ipmuxd agree with ipmitool and FreeIPMI on the same ipmux-bmcsim BMC (suite 17). */

#include <check.h>
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tests/bmcsim/mgmt.h"
#include "tests/checkmain.h"
#include "harness_bmcsim.h"
#include "harness_fleet.h"

#define NBMC 2
#define UP_MS 20000		/* handshakes of the whole fleet */
#define CLI_MS 20000
#define PEER_MS 20000
#define MAXROWS 1024
#define MAXF 8

static struct fleet *f;
static struct harness *h;
static int port;

/*
 * Mismatches are collected, not fatal one by one: a failing run lists
 * every differing sensor and entry with both sides' text.
 */
static char diffs[32768];
static size_t ndiffs;

static void
mismatch(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
mismatch(const char *fmt, ...)
{
	size_t used = strlen(diffs);
	va_list ap;

	ndiffs++;
	if (used + 2 >= sizeof(diffs))
		return;
	va_start(ap, fmt);
	vsnprintf(diffs + used, sizeof(diffs) - used - 1, fmt, ap);
	va_end(ap);
	strcat(diffs, "\n");
}

static void
assert_no_mismatch(const char *what)
{
	ck_assert_msg(ndiffs == 0, "%s: %zu mismatch(es):\n%s", what, ndiffs,
	    diffs);
}

/* ---- peers ---- */

/* A peer's stdout; the peer must succeed. */
static const char *
peer(const char *tool, int idx, const char *const *args)
{
	const char *out = NULL, *err = NULL;
	int rc = harness_bmcsim_peer(h, tool, port + idx, PEER_MS, args, &out,
	    &err);

	ck_assert_msg(rc == 0, "%s %s: exit %d: %s", tool, args[0], rc,
	    err != NULL ? err : "");
	return out;
}

static void
sim_ok(const char *cmd)
{
	const char *r = harness_bmcsim_ctl(h, "%s", cmd);

	ck_assert_msg(r != NULL && strcmp(r, "ok") == 0, "bmcsim '%s': %s",
	    cmd, r != NULL ? r : "no reply");
}

/* ---- text helpers ---- */

static char *
trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

/* Split a copy of line at sep into at most max trimmed fields (the last
 * one takes the rest). */
static int
split(char *line, char sep, char **fld, int max)
{
	int n = 0;
	char *p = line, *q;

	while (n < max) {
		q = n + 1 < max ? strchr(p, sep) : NULL;
		if (q != NULL)
			*q = '\0';
		fld[n++] = trim(p);
		if (q == NULL)
			break;
		p = q + 1;
	}
	return n;
}

/* Lines of text, each a malloc'd copy, at most MAXROWS. */
struct rows {
	int n;
	char *line[MAXROWS];
};

static void
rows_read(struct rows *r, const char *text)
{
	const char *p = text, *nl;

	r->n = 0;
	while (p != NULL && *p != '\0' && r->n < MAXROWS) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		if (nl > p)
			r->line[r->n++] = strndup(p, (size_t)(nl - p));
		p = *nl != '\0' ? nl + 1 : nl;
	}
}

static void
rows_free(struct rows *r)
{
	while (r->n > 0)
		free(r->line[--r->n]);
}

/* Case-insensitive: does a contain b? */
static bool
icontains(const char *a, const char *b)
{
	return strcasestr(a, b) != NULL;
}

/* Case-insensitive equality ignoring '-' vs ' ' ("Units-based" and
 * "Units Based"). */
static bool
loose_eq(const char *a, const char *b)
{
	for (; *a != '\0' && *b != '\0'; a++, b++) {
		char ca = *a == '-' ? ' ' : (char)tolower((unsigned char)*a);
		char cb = *b == '-' ? ' ' : (char)tolower((unsigned char)*b);

		if (ca != cb)
			return false;
	}
	return *a == *b;
}

/* ---- ipmux JSON ---- */

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (o == NULL || !json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static const char *
jstr0(json_object *o, const char *key)
{
	const char *s = jstr(o, key);

	return s != NULL ? s : "";
}

static bool
jnull(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v == NULL;
}

static long long
jint(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return -1;
	return json_object_get_int64(v);
}

/* ipmux ARGS... --json for one console: the array of items under key
 * (the CLI may print the items directly or one object per console
 * holding them under key). A new reference; fails the test otherwise. */
static json_object *
cli_items(const char *key, const char *const *args)
{
	const char *err = NULL;
	json_object *a, *e, *in;
	int rc;

	a = fleet_cli_json(f, CLI_MS, &rc, &err, args);
	ck_assert_msg(a != NULL && rc == 0 &&
	    json_object_is_type(a, json_type_array),
	    "ipmux %s %s: exit %d, no JSON array; err '%s'", args[0], args[1],
	    rc, err != NULL ? err : "");
	if (json_object_array_length(a) == 1 &&
	    (e = json_object_array_get_idx(a, 0)) != NULL &&
	    json_object_object_get_ex(e, key, &in) &&
	    json_object_is_type(in, json_type_array)) {
		json_object_get(in);
		json_object_put(a);
		return in;
	}
	return a;
}

static json_object *
find_by(json_object *a, const char *key, const char *val)
{
	size_t i, n = json_object_array_length(a);

	for (i = 0; i < n; i++)
		if (strcmp(jstr0(json_object_array_get_idx(a, i), key),
		    val) == 0)
			return json_object_array_get_idx(a, i);
	return NULL;
}

static const char *
states_str(json_object *s, char *buf, size_t cap)
{
	json_object *st;
	size_t i, n;

	buf[0] = '\0';
	if (!json_object_object_get_ex(s, "states", &st) ||
	    !json_object_is_type(st, json_type_array))
		return buf;
	n = json_object_array_length(st);
	for (i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(st, i)));
	}
	return buf;
}

static int
nstates(json_object *s)
{
	json_object *st;

	return json_object_object_get_ex(s, "states", &st) &&
	    json_object_is_type(st, json_type_array) ?
	    (int)json_object_array_length(st) : -1;
}

static const char *
state_at(json_object *s, int i)
{
	json_object *st;

	json_object_object_get_ex(s, "states", &st);
	return json_object_get_string(json_object_array_get_idx(st, (size_t)i));
}

/* ---- sensors ---- */

/* ipmitool sdr list: "CPU Temp | 88 degrees C | nc". */
static void
cmp_sdr_list(json_object *sens, const char *out)
{
	char *fl[MAXF], *sp, *rd, *unit, st[256];
	struct rows r;
	json_object *s;
	double v;
	int i;

	rows_read(&r, out);
	if ((size_t)r.n != json_object_array_length(sens))
		mismatch("sdr list: %d sensors, ipmux %zu", r.n,
		    json_object_array_length(sens));
	for (i = 0; i < r.n; i++) {
		char *line = strdup(r.line[i]);

		if (split(line, '|', fl, 3) != 3) {
			mismatch("sdr list: unparsed line '%s'", r.line[i]);
			free(line);
			continue;
		}
		if ((s = find_by(sens, "name", fl[0])) == NULL) {
			mismatch("sdr list '%s': no such sensor in ipmux",
			    r.line[i]);
			free(line);
			continue;
		}
		rd = fl[1];
		unit = "";
		if (strcmp(rd, "no reading") != 0 &&
		    (sp = strchr(rd, ' ')) != NULL) {
			*sp = '\0';
			unit = sp + 1;
		}
		if (strcmp(jstr0(s, "reading"), rd) != 0 ||
		    (*unit != '\0' && strcmp(jstr0(s, "unit"), unit) != 0) ||
		    strcmp(jstr0(s, "status"), fl[2]) != 0)
			mismatch("sdr list '%s' vs ipmux reading '%s' unit "
			    "'%s' status '%s' (states '%s')", r.line[i],
			    jstr0(s, "reading"), jstr0(s, "unit"),
			    jstr0(s, "status"), states_str(s, st, sizeof(st)));
		if (strncmp(rd, "0x", 2) == 0 ||
		    strcmp(rd, "no reading") == 0) {
			if (!jnull(s, "value"))
				mismatch("sdr list '%s': ipmux value %s, want "
				    "null", r.line[i], jstr0(s, "value"));
		} else if (!fleet_entry_num(s, "value", &v) ||
		    fabs(v - strtod(rd, NULL)) > 0.0051) {
			mismatch("sdr list '%s': ipmux value %s", r.line[i],
			    jstr0(s, "value"));
		}
		free(line);
	}
	rows_free(&r);
}

static const char *
elist_threshold(const char *st)
{
	static const char *const map[][2] = {
		{ "lnc", "Lower Non-critical" }, { "lcr", "Lower Critical" },
		{ "lnr", "Lower Non-recoverable" },
		{ "unc", "Upper Non-critical" }, { "ucr", "Upper Critical" },
		{ "unr", "Upper Non-recoverable" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(st, map[i][0]) == 0)
			return map[i][1];
	return NULL;
}

/* ipmitool sdr elist: "PSU2 Status | 61h | ok | 10.2 | Presence detected,
 * Failure detected"; threshold sensors "CPU Temp | 01h | unc | 3.1 |
 * 88 degrees C". Sensor numbers, discrete states exactly, and the most
 * severe crossed threshold. */
static void
cmp_sdr_elist(json_object *sens, const char *out)
{
	char *fl[MAXF], st[512];
	const char *th;
	struct rows r;
	json_object *s;
	int i;

	rows_read(&r, out);
	for (i = 0; i < r.n; i++) {
		char *line = strdup(r.line[i]);

		if (split(line, '|', fl, 5) != 5 ||
		    (s = find_by(sens, "name", fl[0])) == NULL) {
			mismatch("sdr elist '%s': unparsed or not in ipmux",
			    r.line[i]);
			free(line);
			continue;
		}
		states_str(s, st, sizeof(st));
		if (jint(s, "number") != strtol(fl[1], NULL, 16))
			mismatch("sdr elist '%s': ipmux number %lld", r.line[i],
			    jint(s, "number"));
		if (jnull(s, "value")) {	/* discrete: the state text */
			if (strcmp(st, fl[4]) != 0)
				mismatch("sdr elist '%s': ipmux states '%s'",
				    r.line[i], st);
		} else if (strcmp(fl[2], "ok") == 0) {
			if (nstates(s) != 0)
				mismatch("sdr elist '%s': ipmux states '%s', "
				    "want none", r.line[i], st);
		} else if ((th = elist_threshold(fl[2])) == NULL ||
		    !icontains(st, th)) {
			mismatch("sdr elist '%s': ipmux states '%s' lack '%s'",
			    r.line[i], st, th != NULL ? th : fl[2]);
		}
		free(line);
	}
	rows_free(&r);
}

/* FreeIPMI's unit abbreviations for ipmitool's unit names. */
static const char *
fi_unit(const char *unit)
{
	static const char *const map[][2] = {
		{ "degrees C", "C" }, { "Volts", "V" }, { "Watts", "W" },
		{ "RPM", "RPM" }, { "Amps", "A" }, { "degrees F", "F" },
	};
	size_t i;

	for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (strcmp(unit, map[i][0]) == 0)
			return map[i][1];
	return unit;
}

/* FreeIPMI's event column: 'A' 'B' ... into items. */
static int
fi_events(char *ev, char **item, int max)
{
	int n = 0;
	char *p = ev, *q;

	while (n < max && (p = strchr(p, '\'')) != NULL &&
	    (q = strchr(p + 1, '\'')) != NULL) {
		*q = '\0';
		item[n++] = p + 1;
		p = q + 1;
	}
	return n;
}

static void
cmp_fi_events(json_object *s, const char *line, char *ev)
{
	char *item[MAXF], st[512], *a, *b;
	int n = fi_events(ev, item, MAXF), i;

	states_str(s, st, sizeof(st));
	if (n == 1 && strcmp(item[0], "OK") == 0) {
		if (nstates(s) != 0)
			mismatch("ipmi-sensors '%s': ipmux states '%s'", line,
			    st);
		return;
	}
	if (!jnull(s, "value")) {
		/* "At or Above (>=) Upper Non-Critical Threshold": the most
		 * severe crossed threshold */
		if (n != 1 || (a = strstr(item[0], ") ")) == NULL ||
		    (b = strstr(a, " Threshold")) == NULL) {
			mismatch("ipmi-sensors '%s': unparsed event", line);
			return;
		}
		*b = '\0';
		if (!icontains(st, a + 2))
			mismatch("ipmi-sensors '%s': ipmux states '%s'", line,
			    st);
		return;
	}
	/* Discrete: the same states, worded a little differently
	 * ("Power Supply Failure detected" / "Failure detected"). */
	if (n != nstates(s)) {
		mismatch("ipmi-sensors '%s': %d states, ipmux '%s'", line, n,
		    st);
		return;
	}
	for (i = 0; i < n; i++)
		if (!icontains(item[i], state_at(s, i)) &&
		    !icontains(state_at(s, i), item[i]))
			mismatch("ipmi-sensors '%s': state '%s' vs ipmux '%s'",
			    line, item[i], state_at(s, i));
}

/* ipmi-sensors --comma-separated-output --no-header-output:
 * "3,CPU Temp,Temperature,88.00,C,'At or Above (>=) ...'". */
static void
cmp_ipmi_sensors(json_object *sens, const char *out)
{
	char *fl[MAXF];
	struct rows r;
	json_object *s;
	double v;
	int i;

	rows_read(&r, out);
	if ((size_t)r.n != json_object_array_length(sens))
		mismatch("ipmi-sensors: %d sensors, ipmux %zu", r.n,
		    json_object_array_length(sens));
	for (i = 0; i < r.n; i++) {
		char *line = strdup(r.line[i]);

		if (split(line, ',', fl, 6) != 6 ||
		    (s = find_by(sens, "name", fl[1])) == NULL) {
			mismatch("ipmi-sensors '%s': unparsed or not in ipmux",
			    r.line[i]);
			free(line);
			continue;
		}
		if (strcmp(fl[3], "N/A") == 0) {
			if (!jnull(s, "value"))
				mismatch("ipmi-sensors '%s': ipmux value %s",
				    r.line[i], jstr0(s, "value"));
		} else if (!fleet_entry_num(s, "value", &v) ||
		    fabs(v - strtod(fl[3], NULL)) > 0.0051 ||
		    strcmp(fi_unit(jstr0(s, "unit")), fl[4]) != 0) {
			mismatch("ipmi-sensors '%s': ipmux value %s unit '%s'",
			    r.line[i], jstr0(s, "value"), jstr0(s, "unit"));
		}
		cmp_fi_events(s, r.line[i], fl[5]);
		free(line);
	}
	rows_free(&r);
}

/* ipmitool -v sdr list: "Sensor ID : CPU Temp (0x1)" then " Sensor Type
 * (Threshold)  : Temperature (0x01)": ipmux's type text is ipmitool's
 * (FreeIPMI words some differently: "Other Units Based Sensor"). */
static void
cmp_sdr_types(json_object *sens, const char *out)
{
	char name[128], *p, *q;
	struct rows r;
	json_object *s = NULL;
	int i, n = 0;

	rows_read(&r, out);
	for (i = 0; i < r.n; i++) {
		if (strncmp(r.line[i], "Sensor ID", 9) == 0 &&
		    (p = strchr(r.line[i], ':')) != NULL &&
		    (q = strrchr(p, '(')) != NULL && q > p + 2) {
			snprintf(name, sizeof(name), "%.*s", (int)(q - p - 3),
			    p + 2);
			if ((s = find_by(sens, "name", name)) == NULL)
				mismatch("sdr -v '%s': not in ipmux",
				    r.line[i]);
			else if (jint(s, "number") != strtol(q + 1, NULL, 16))
				mismatch("sdr -v '%s': ipmux number %lld",
				    r.line[i], jint(s, "number"));
		} else if (strstr(r.line[i], " Sensor Type (") == r.line[i] &&
		    s != NULL && (p = strstr(r.line[i], ": ")) != NULL &&
		    (q = strrchr(p, '(')) != NULL && q > p + 2) {
			n++;
			if (strlen(jstr0(s, "type")) != (size_t)(q - p - 3) ||
			    strncmp(jstr0(s, "type"), p + 2,
			    (size_t)(q - p - 3)) != 0)
				mismatch("sdr -v '%s' (%s): ipmux type '%s'",
				    r.line[i], jstr0(s, "name"),
				    jstr0(s, "type"));
			s = NULL;
		}
	}
	if ((size_t)n != json_object_array_length(sens))
		mismatch("sdr -v: %d sensor types, ipmux %zu sensors", n,
		    json_object_array_length(sens));
	rows_free(&r);
}

static void
compare_sensors(int idx)
{
	static const char *const fi_args[] = { "--comma-separated-output",
	    "--no-header-output", NULL };
	json_object *sens;

	sens = cli_items("sensors", (const char *const[]){ "sensors",
	    idx == 0 ? "node1" : "node2", "--json", NULL });
	cmp_sdr_list(sens, peer("ipmitool", idx,
	    (const char *const[]){ "sdr", "list", NULL }));
	cmp_sdr_elist(sens, peer("ipmitool", idx,
	    (const char *const[]){ "sdr", "elist", NULL }));
	cmp_sdr_types(sens, peer("ipmitool", idx,
	    (const char *const[]){ "-v", "sdr", "list", NULL }));
	cmp_ipmi_sensors(sens, peer("ipmi-sensors", idx, fi_args));
	fprintf(stderr, "sensors node%d: %zu compared with ipmitool sdr "
	    "list/elist and ipmi-sensors\n", idx + 1,
	    json_object_array_length(sens));
	json_object_put(sens);
}

/* ---- SEL ---- */

static bool
gm(json_object *e, struct tm *tm)
{
	time_t t = (time_t)jint(e, "timestamp");

	return t > 0 && gmtime_r(&t, tm) != NULL;
}

/* "Temperature #0x01" → "Temperature". */
static void
sensor_type_of(json_object *e, char *buf, size_t cap)
{
	const char *s = jstr0(e, "sensor"), *hash = strstr(s, " #0x");

	snprintf(buf, cap, "%.*s", hash != NULL ? (int)(hash - s) :
	    (int)strlen(s), s);
}

/* ipmitool sel list / elist: "   1 | 11/25/26 | 18:17:37 UTC |
 * Temperature #0x01 | Upper Non-critical going high | Asserted" (elist:
 * "Temperature CPU Temp" and a 7th detail field). */
static void
cmp_sel_ipmitool(json_object *ents, const char *out, bool elist)
{
	char *fl[MAXF], want[192], type[64], *sp;
	struct rows r;
	json_object *e;
	struct tm tm;
	int i, nf;

	rows_read(&r, out);
	if (r.n == 1 && strstr(r.line[0], "no entries") != NULL)
		rows_free(&r);
	if ((size_t)r.n != json_object_array_length(ents))
		mismatch("ipmitool sel %s: %d entries, ipmux %zu",
		    elist ? "elist" : "list", r.n,
		    json_object_array_length(ents));
	for (i = 0; i < r.n && (size_t)i < json_object_array_length(ents);
	    i++) {
		char *line = strdup(r.line[i]);

		e = json_object_array_get_idx(ents, (size_t)i);
		nf = split(line, '|', fl, 7);
		if (nf < 6 || !gm(e, &tm)) {
			mismatch("sel '%s': unparsed, or ipmux timestamp %lld",
			    r.line[i], jint(e, "timestamp"));
			free(line);
			continue;
		}
		if ((sp = strchr(fl[2], ' ')) != NULL)
			*sp = '\0';	/* "18:17:37 UTC" */
		if (jint(e, "id") != strtol(fl[0], NULL, 16))
			mismatch("sel '%s': ipmux id %lld", r.line[i],
			    jint(e, "id"));
		/* ipmitool 1.8.19 prints a two-digit year */
		snprintf(want, sizeof(want), "%02d/%02d/%02d", tm.tm_mon + 1,
		    tm.tm_mday, tm.tm_year % 100);
		if (strcmp(want, fl[1]) != 0)
			mismatch("sel '%s': ipmux date %s", r.line[i], want);
		strftime(want, sizeof(want), "%H:%M:%S", &tm);
		if (strcmp(want, fl[2]) != 0)
			mismatch("sel '%s': ipmux time %s", r.line[i], want);
		strftime(want, sizeof(want), "%m/%d/%Y %H:%M:%S", &tm);
		if (strcmp(want, jstr0(e, "time")) != 0)
			mismatch("sel '%s': ipmux \"time\" '%s', its "
			    "timestamp says '%s'", r.line[i],
			    jstr0(e, "time"), want);
		/* elist names the sensor from the SDR when there is one */
		sensor_type_of(e, type, sizeof(type));
		if (elist && jstr(e, "sensor_name") != NULL)
			snprintf(want, sizeof(want), "%s %s", type,
			    jstr(e, "sensor_name"));
		else
			snprintf(want, sizeof(want), "%s", jstr0(e, "sensor"));
		if (strcmp(want, fl[3]) != 0)
			mismatch("sel '%s': ipmux sensor '%s' name '%s'",
			    r.line[i], jstr0(e, "sensor"),
			    jstr0(e, "sensor_name"));
		if (strcmp(jstr0(e, "event"), fl[4]) != 0 ||
		    strcmp(jstr0(e, "direction"), fl[5]) != 0)
			mismatch("sel '%s': ipmux event '%s' direction '%s'",
			    r.line[i], jstr0(e, "event"),
			    jstr0(e, "direction"));
		if (elist && strcmp(jstr0(e, "detail"), nf > 6 ? fl[6] : "")
		    != 0)
			mismatch("sel elist '%s': ipmux detail '%s'", r.line[i],
			    jstr0(e, "detail"));
		free(line);
	}
	rows_free(&r);
}

/* "... ; Sensor Reading = 88.00 C ; Threshold = 85.00 C" and ipmux's
 * "Reading 88 > Threshold 85 degrees C": the same two numbers. */
static void
cmp_sel_numbers(json_object *e, const char *line, const char *ev)
{
	const char *fr = strstr(ev, "Sensor Reading = "),
	    *ft = strstr(ev, "Threshold = "), *d = jstr0(e, "detail"),
	    *ir = strstr(d, "Reading "), *it = strstr(d, "Threshold ");

	if (fr == NULL && ft == NULL)
		return;
	if (fr == NULL || ft == NULL || ir == NULL || it == NULL ||
	    fabs(strtod(fr + 17, NULL) - strtod(ir + 8, NULL)) > 0.0051 ||
	    fabs(strtod(ft + 12, NULL) - strtod(it + 10, NULL)) > 0.0051)
		mismatch("ipmi-sel '%s': ipmux detail '%s'", line, d);
}

/* ipmi-sel CSV: "1,Nov-25-2026,18:17:37,CPU Temp,Temperature,Upper
 * Non-critical - going high ; Sensor Reading = 88.00 C ; Threshold =
 * 85.00 C". */
static void
cmp_sel_freeipmi(json_object *ents, const char *out)
{
	char *fl[MAXF], want[64], type[64], ev[256], *semi, *dash;
	struct rows r;
	json_object *e;
	struct tm tm;
	int i;

	rows_read(&r, out);
	if ((size_t)r.n != json_object_array_length(ents))
		mismatch("ipmi-sel: %d entries, ipmux %zu", r.n,
		    json_object_array_length(ents));
	for (i = 0; i < r.n && (size_t)i < json_object_array_length(ents);
	    i++) {
		char *line = strdup(r.line[i]);

		e = json_object_array_get_idx(ents, (size_t)i);
		if (split(line, ',', fl, 6) != 6 || !gm(e, &tm)) {
			mismatch("ipmi-sel '%s': unparsed", r.line[i]);
			free(line);
			continue;
		}
		if (jint(e, "id") != strtol(fl[0], NULL, 10))
			mismatch("ipmi-sel '%s': ipmux id %lld", r.line[i],
			    jint(e, "id"));
		strftime(want, sizeof(want), "%b-%d-%Y", &tm);
		if (strcmp(want, fl[1]) != 0)
			mismatch("ipmi-sel '%s': ipmux date %s", r.line[i],
			    want);
		strftime(want, sizeof(want), "%H:%M:%S", &tm);
		if (strcmp(want, fl[2]) != 0)
			mismatch("ipmi-sel '%s': ipmux time %s", r.line[i],
			    want);
		if (jstr(e, "sensor_name") != NULL &&
		    strcmp(jstr(e, "sensor_name"), fl[3]) != 0)
			mismatch("ipmi-sel '%s': ipmux sensor_name '%s'",
			    r.line[i], jstr(e, "sensor_name"));
		sensor_type_of(e, type, sizeof(type));
		if (!loose_eq(type, fl[4]))
			mismatch("ipmi-sel '%s': ipmux sensor type '%s'",
			    r.line[i], type);
		/* "Upper Non-critical - going high" → without " -" */
		snprintf(ev, sizeof(ev), "%s", fl[5]);
		if ((semi = strstr(ev, " ;")) != NULL)
			*semi = '\0';
		if ((dash = strstr(ev, " - ")) != NULL)
			memmove(dash, dash + 2, strlen(dash + 2) + 1);
		if (!icontains(jstr0(e, "event"), ev) &&
		    !icontains(ev, jstr0(e, "event")))
			mismatch("ipmi-sel '%s': ipmux event '%s'", r.line[i],
			    jstr0(e, "event"));
		cmp_sel_numbers(e, r.line[i], fl[5]);
		free(line);
	}
	rows_free(&r);
}

static size_t
compare_sel(void)
{
	static const char *const fi_args[] = { "--comma-separated-output",
	    "--no-header-output", NULL };
	json_object *ents;
	size_t n;

	ents = cli_items("entries", (const char *const[]){ "sel", "node1",
	    "--json", NULL });
	cmp_sel_ipmitool(ents, peer("ipmitool", 0,
	    (const char *const[]){ "sel", "list", NULL }), false);
	cmp_sel_ipmitool(ents, peer("ipmitool", 0,
	    (const char *const[]){ "sel", "elist", NULL }), true);
	cmp_sel_freeipmi(ents, peer("ipmi-sel", 0, fi_args));
	n = json_object_array_length(ents);
	json_object_put(ents);
	return n;
}

/* ---- FRU ---- */

static void
compare_fru(void)
{
	static const char *const map[][2] = {
		{ "Chassis Part Number", "chassis_part" },
		{ "Chassis Serial", "chassis_serial" },
		{ "Board Mfg", "board_mfr" },
		{ "Board Product", "board_product" },
		{ "Board Serial", "board_serial" },
		{ "Board Part Number", "board_part" },
		{ "Product Manufacturer", "product_mfr" },
		{ "Product Name", "product_name" },
		{ "Product Part Number", "product_part" },
		{ "Product Version", "product_version" },
		{ "Product Serial", "product_serial" },
		{ "Product Asset Tag", "product_asset" },
	};
	const char *out = peer("ipmitool", 0, (const char *const[]){ "fru",
	    "print", "0", NULL });
	json_object *a, *fru, *v;
	char *fl[MAXF];
	struct rows r;
	struct tm tm;
	size_t k;
	int i, rc, seen = 0;

	a = fleet_cli_json(f, CLI_MS, &rc, NULL, (const char *const[]){
	    "fru", "node1", "--json", NULL });
	ck_assert_msg(a != NULL && rc == 0, "ipmux fru --json: exit %d", rc);
	if (json_object_is_type(a, json_type_array))
		fru = json_object_array_get_idx(a, 0);
	else
		fru = a;
	if (json_object_object_get_ex(fru, "fru", &v))
		fru = v;
	ck_assert_msg(fru != NULL && json_object_is_type(fru,
	    json_type_object), "ipmux fru --json: no object: %s",
	    json_object_to_json_string(a));
	rows_read(&r, out);
	for (i = 0; i < r.n; i++) {
		char *line = strdup(r.line[i]);

		if (split(line, ':', fl, 2) != 2) {
			free(line);
			continue;
		}
		if (strcmp(fl[0], "Chassis Type") == 0) {
			seen++;
			if (strcmp(jstr0(fru, "chassis_type"), fl[1]) != 0)
				mismatch("fru '%s': ipmux chassis_type '%s'",
				    r.line[i], jstr0(fru, "chassis_type"));
		} else if (strcmp(fl[0], "Board Mfg Date") == 0) {
			memset(&tm, 0, sizeof(tm));
			seen++;
			if (strptime(fl[1], "%a %b %d %H:%M:%S %Y", &tm) ==
			    NULL || jint(fru, "board_mfg_time") != timegm(&tm))
				mismatch("fru '%s': ipmux board_mfg_time %lld",
				    r.line[i], jint(fru, "board_mfg_time"));
		}
		for (k = 0; k < sizeof(map) / sizeof(map[0]); k++) {
			if (strcmp(fl[0], map[k][0]) != 0)
				continue;
			seen++;
			if (strcmp(jstr0(fru, map[k][1]), fl[1]) != 0)
				mismatch("fru '%s': ipmux %s '%s'", r.line[i],
				    map[k][1], jstr0(fru, map[k][1]));
		}
		free(line);
	}
	/* and nothing ipmitool does not show */
	for (k = 0; k < sizeof(map) / sizeof(map[0]); k++)
		if (jstr(fru, map[k][1]) != NULL && *jstr(fru, map[k][1]) &&
		    strstr(out, map[k][0]) == NULL)
			mismatch("fru: ipmux has %s '%s', ipmitool nothing",
			    map[k][1], jstr(fru, map[k][1]));
	if (seen != 13)
		mismatch("fru: %d of 13 expected ipmitool fields seen:\n%s",
		    seen, out);
	rows_free(&r);
	json_object_put(a);
}

/* ---- chassis ---- */

/* ipmux power status vs ipmitool chassis status, for one BMC. */
static void
compare_power(int idx)
{
	char name[16], want[32];
	const char *out, *p;
	json_object *a;
	int rc;

	snprintf(name, sizeof(name), "node%d", idx + 1);
	a = fleet_cli_json(f, CLI_MS, &rc, NULL, (const char *const[]){
	    "power", name, "status", "--json", NULL });
	ck_assert_msg(a != NULL && rc == 0 && json_object_array_length(a) == 1,
	    "ipmux power %s status --json: exit %d", name, rc);
	p = jstr0(json_object_array_get_idx(a, 0), "power");
	out = peer("ipmitool", idx, (const char *const[]){ "chassis",
	    "status", NULL });
	snprintf(want, sizeof(want), "System Power         : %s\n", p);
	if (strstr(out, want) == NULL)
		mismatch("power %s: ipmux '%s', ipmitool chassis status:\n%s",
		    name, p, out);
	json_object_put(a);
}

/* The identify state FreeIPMI reads (ipmitool 1.8.19's chassis status
 * does not print it), and the raw Get Chassis Status bits 5:4 of byte 3
 * through ipmitool (0 off, 1 timed, 2 indefinite). */
static void
expect_identify(const char *args2, const char *want, unsigned bits)
{
	const char *err = NULL, *out;
	unsigned b[4];
	char line[96];
	int rc;

	rc = fleet_cli(f, CLI_MS, NULL, &err, (const char *const[]){
	    "identify", "node1", args2, NULL });
	ck_assert_msg(rc == 0, "ipmux identify node1 %s: %d %s", args2, rc,
	    err);
	out = peer("ipmi-chassis", 0, (const char *const[]){ "--get-status",
	    NULL });
	snprintf(line, sizeof(line), "Chassis Identify state%14s: %s\n",
	    "", want);
	if (strstr(out, line) == NULL)
		mismatch("identify %s: want '%s', ipmi-chassis:\n%s", args2,
		    want, out);
	out = peer("ipmitool", 0, (const char *const[]){ "raw", "0x00", "0x01",
	    NULL });
	if (sscanf(out, "%x %x %x %x", &b[0], &b[1], &b[2], &b[3]) != 4 ||
	    (b[2] >> 4 & 3) != bits)
		mismatch("identify %s: ipmitool raw chassis status '%s', want "
		    "identify bits %u", args2, out, bits);
}

/* ipmux bootdev, then ipmitool chassis bootparam get 5. */
static void
expect_bootdev(const char *const *args, const char *const *want)
{
	const char *err = NULL, *out;
	int rc, i;

	rc = fleet_cli(f, CLI_MS, NULL, &err, args);
	ck_assert_msg(rc == 0, "ipmux bootdev %s: %d %s", args[2], rc, err);
	out = peer("ipmitool", 0, (const char *const[]){ "chassis",
	    "bootparam", "get", "5", NULL });
	for (i = 0; want[i] != NULL; i++)
		if (strstr(out, want[i]) == NULL)
			mismatch("bootdev %s: no '%s' in:\n%s", args[2],
			    want[i], out);
}

/* ---- the test ---- */

static bool
all_active(void *arg)
{
	json_object *l = fleet_list(arg), *e;
	int i, n = 0;
	char name[16];

	for (i = 0; l != NULL && i < NBMC; i++) {
		snprintf(name, sizeof(name), "node%d", i + 1);
		e = fleet_list_find(l, name);
		if (e != NULL && strcmp(fleet_entry_str(e, "state"),
		    "active") == 0)
			n++;
	}
	json_object_put(l);
	return n == NBMC;
}

/* Readings pinned (--drift-ms 0), then states the comparison covers:
 * one threshold sensor per severity in both directions, discrete
 * states, and the SEL entries all of this logs. */
static void
set_scene(void)
{
	sim_ok("sensor 0 1 128");	/* CPU Temp 88 C: upper non-critical */
	sim_ok("power 0 off");		/* ACPI S5/G2 */
	sim_ok("power 0 on");		/* ACPI S0/G0 */
	sim_ok("sensor 0 1 auto");	/* pinned again: deasserted */
	sim_ok("sensor 0 1 128");
	sim_ok("sensor 0 2 200");	/* Inlet 98 C: UNC, UC, UNR */
	sim_ok("sensor 0 0x41 140");	/* 5V 4.20 V: LNC, LC */
	sim_ok("sensor 0 0x61 3");	/* PSU2: presence + failure */
	sim_ok("sensor 0 0x70 1");	/* intrusion */
	sim_ok("sensor 0 0x31 9");	/* FAN2 630 RPM: LNC, LC, LNR */
}

START_TEST(test_suite17_peers)
{
	static const char *const sim_args[] = { "--host-output", "silent",
	    "--drift-ms", "0", NULL };
	const char *err = NULL;
	struct harness_proc *sim;
	size_t n;
	int rc;

	if (fleet_skip_without_daemon())
		return;
	f = fleet_new("daemon-peers");
	h = fleet_harness(f);
	sim = harness_bmcsim_start(h, NBMC, sim_args, &port);
	ck_assert_msg(sim != NULL, "ipmux-bmcsim did not start");
	/* no polls: what is compared is what each request read (polls
	 * meeting requests are check_daemon_health's business) */
	ck_assert_int_eq(fleet_write_bmcsim_config(f, port, NBMC,
	    "  sensor_poll = 0;\n  sel_poll = 0;", NULL), 0);
	ck_assert_int_eq(fleet_start_daemon(f), 0);
	ck_assert_msg(fleet_wait(f, all_active, f, UP_MS),
	    "the consoles did not all come up");
	set_scene();

	compare_sensors(0);
	compare_sensors(1);	/* untouched: all in range */
	n = compare_sel();
	fprintf(stderr, "sel node1: %zu entries compared with ipmitool sel "
	    "list/elist and ipmi-sel\n", n);
	compare_fru();
	compare_power(0);
	sim_ok("power 1 off");
	compare_power(1);
	sim_ok("power 1 on");
	compare_power(1);
	expect_identify("on", "Indefinite on", 2);
	expect_identify("20", "Timed on", 1);
	expect_identify("off", "off", 0);
	expect_bootdev((const char *const[]){ "bootdev", "node1", "pxe",
	    "--persistent", "--efi", NULL }, (const char *const[]){
	    "Boot Flag Valid", "Options apply to all future boots",
	    "BIOS EFI boot", "Boot Device Selector : Force PXE", NULL });
	expect_bootdev((const char *const[]){ "bootdev", "node1", "disk",
	    "--once", NULL }, (const char *const[]){ "Boot Flag Valid",
	    "Options apply to only next boot", "BIOS PC Compatible (legacy)",
	    "Boot Device Selector : Force Boot from default Hard-Drive",
	    NULL });

	/* clear: the BMC logs the clearing itself, and both sides agree */
	rc = fleet_cli(f, CLI_MS, NULL, &err, (const char *const[]){ "sel",
	    "node1", "--clear", NULL });
	ck_assert_msg(rc == 0, "ipmux sel node1 --clear: %d %s", rc, err);
	n = compare_sel();
	if (n != 1)
		mismatch("sel after --clear: %zu entries, want 1", n);
	assert_no_mismatch("ipmux vs ipmitool/FreeIPMI");
	fleet_free(f);
	f = NULL;
}
END_TEST

static Suite *
daemon_peers_suite(void)
{
	Suite *s = suite_create("daemon_peers");
	TCase *tc = tcase_create("suite17");

	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, test_suite17_peers);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(daemon_peers_suite)
