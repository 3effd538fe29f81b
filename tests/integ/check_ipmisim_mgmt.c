/* check_ipmisim_mgmt.c — ipmux sensors, sel, fru, power and identify through ipmuxd against ipmi_sim with an sdrcomp-built SDR repository, compared with ipmitool and FreeIPMI on the same BMC. */

#include <check.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>

#include "tests/checkmain.h"
#include "harness_fleet.h"
#include "harness_ipmisim_mgmt.h"

#define CONSOLE "bmc1"
#define UP_MS 20000		/* handshake + SOL activation */
#define CLI_MS 60000		/* a whole SDR walk over one session */
#define NSENSORS 9		/* readable sensors in data/mgmt.sdrs */
#define NSEL 7			/* 6 in data/mgmt.emu + 1 injected */

/* A SEL event injected at run time, after `sel time set now`, so that
 * it carries a real timestamp: FAN1 lower non-critical going low,
 * deasserted, reading 20 (1000 RPM) at threshold 20. */
#define SEL_LIVE "sel_add 0x20 0x02 0 0 0 0 0x20 0x00 0x04 0x04 0x05 0x81" \
	" 0x50 0x14 0x14"

static struct fleet *f;
static struct harness *h;

/* Every mismatch found, one per line; asserted empty at the end so one
 * run shows them all. */
static char report[8192];
static int nmiss;

static void miss(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void
miss(const char *fmt, ...)
{
	size_t used = strlen(report);
	va_list ap;

	nmiss++;
	if (used + 2 >= sizeof(report))
		return;
	va_start(ap, fmt);
	vsnprintf(report + used, sizeof(report) - used - 1, fmt, ap);
	va_end(ap);
	strcat(report, "\n");
}

static void
report_check(const char *what)
{
	if (nmiss > 0)
		fprintf(stderr, "%s: %d mismatch(es):\n%s", what, nmiss, report);
	ck_assert_msg(nmiss == 0, "%s: %d mismatch(es):\n%s", what, nmiss,
	    report);
}

static void
write_config(void)
{
	FILE *fp = fopen(fleet_config_path(f), "w");

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "ipmux = { socket = \"%s\"; logdir = \"%s\";"
	    " statedir = \"%s\"; log_timestamps = \"off\"; };\n"
	    "profiles = ( { name = \"sim\"; user = \"%s\";"
	    " password_file = \"%s\"; cipher = 3; privilege = \"admin\"; } );\n"
	    "consoles = ( { name = \"%s\"; host = \"127.0.0.1:%d\";"
	    " profile = \"sim\"; } );\n", fleet_socket_path(f),
	    fleet_logdir(f), harness_path(h, "state"), HARNESS_ADMIN_USER,
	    harness_path(h, "adm.pw"), CONSOLE, harness_bmc_port(h));
	ck_assert_int_eq(fclose(fp), 0);
}

static bool
console_active(void *arg)
{
	json_object *l = fleet_list(arg), *e;
	bool up;

	e = l != NULL ? fleet_list_find(l, CONSOLE) : NULL;
	up = e != NULL && strcmp(fleet_entry_str(e, "state"), "active") == 0;
	json_object_put(l);
	return up;
}

/* ipmi_sim with the SDRs and SEL, one extra SEL entry with a real
 * timestamp, then ipmuxd with one console on it, active. */
static void
setup(void)
{
	report[0] = '\0';
	nmiss = 0;
	f = NULL;
	if (harness_skip_without_ipmisim() || mgmt_skip_without_sdrcomp() ||
	    fleet_skip_without_daemon())
		return;
	/* the daemon, the CLI and the peers all print times in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	f = fleet_new("ipmisim-mgmt");
	h = fleet_harness(f);
	ck_assert_msg(mgmt_bmc_start(h) == 0, "ipmi_sim did not start");
	ck_assert_ptr_nonnull(mgmt_ipmitool(h, (const char *const[]){
	    "sel", "time", "set", "now", NULL }));
	ck_assert_msg(mgmt_bmc_cmd(h, SEL_LIVE), "ipmi_sim console: sel_add");
	write_config();
	ck_assert_int_eq(fleet_start_daemon(f), 0);
	ck_assert_msg(fleet_wait(f, console_active, f, UP_MS),
	    "console %s did not become active", CONSOLE);
}

static void
teardown(void)
{
	fleet_free(f);
	f = NULL;
}

/* ---- JSON ---- */

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL)
		return NULL;
	return json_object_get_string(v);
}

static const char *
jstr0(json_object *o, const char *key)
{
	const char *s = jstr(o, key);

	return s != NULL ? s : "(null)";
}

/* Member key as a number; false when absent or null. */
static bool
jnum(json_object *o, const char *key, double *out)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || v == NULL ||
	    !(json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

/* The states array joined with ", " (ipmitool's elist style). */
static void
jstates(json_object *o, char *buf, size_t cap)
{
	json_object *a;
	size_t i, n;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, "states", &a) ||
	    !json_object_is_type(a, json_type_array))
		return;
	n = json_object_array_length(a);
	for (i = 0; i < n; i++) {
		size_t used = strlen(buf);

		snprintf(buf + used, cap - used, "%s%s", i ? ", " : "",
		    json_object_get_string(json_object_array_get_idx(a, i)));
	}
}

/* ipmux ARGS...: the parsed JSON array it printed. */
static json_object *
cli_json(const char *const *args)
{
	const char *out = NULL, *err = NULL;
	json_object *o;
	int rc;

	rc = fleet_cli(f, CLI_MS, &out, &err, args);
	o = out != NULL ? json_tokener_parse(out) : NULL;
	ck_assert_msg(rc == 0 && o != NULL &&
	    json_object_is_type(o, json_type_array),
	    "ipmux %s %s: exit %d, not a JSON array: out '%.500s' err '%.500s'",
	    args[0], args[1], rc, out != NULL ? out : "",
	    err != NULL ? err : "");
	return o;
}

static json_object *
find_named(json_object *arr, const char *name)
{
	size_t i, n = json_object_array_length(arr);

	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);
		const char *s = jstr(e, "name");

		if (s != NULL && strcmp(s, name) == 0)
			return e;
	}
	return NULL;
}

/* ---- sensors ---- */

/* One `ipmitool sdr list` row "NAME | READING [UNIT] | STATUS" against
 * ipmux's entry. */
static void
sensor_vs_ipmitool(const struct mgmt_row *r, json_object *e)
{
	const char *name = r->f[0], *text = r->f[1], *st = r->f[2];
	const char *reading = jstr0(e, "reading"), *unit = jstr0(e, "unit");
	char num[64], want_unit[MGMT_FIELD_LEN], got[64];
	double v;
	bool has_v = jnum(e, "value", &v);

	if (strcmp(jstr0(e, "status"), st) != 0)
		miss("sensor %s: status ipmux '%s', ipmitool '%s'", name,
		    jstr0(e, "status"), st);
	if (strcmp(text, "no reading") == 0 || strncmp(text, "0x", 2) == 0) {
		/* no value (unavailable) or a discrete state byte */
		if (has_v)
			miss("sensor %s: ipmux value %g, ipmitool '%s'", name,
			    v, text);
		if (strcmp(reading, text) != 0)
			miss("sensor %s: reading ipmux '%s', ipmitool '%s'",
			    name, reading, text);
		return;
	}
	if (sscanf(text, "%63s", num) != 1)
		num[0] = '\0';
	snprintf(want_unit, sizeof(want_unit), "%s", text + strlen(num) +
	    (text[strlen(num)] == ' '));
	if (!has_v) {
		miss("sensor %s: ipmux value null, ipmitool '%s'", name, text);
		return;
	}
	snprintf(got, sizeof(got), "%.*f", mgmt_decimals(num), v);
	if (strcmp(got, num) != 0)
		miss("sensor %s: value ipmux %s (%.6g), ipmitool %s", name,
		    got, v, num);
	if (strcmp(reading, num) != 0)
		miss("sensor %s: reading ipmux '%s', ipmitool '%s'", name,
		    reading, num);
	if (strcmp(unit, want_unit) != 0)
		miss("sensor %s: unit ipmux '%s', ipmitool '%s'", name, unit,
		    want_unit);
}

/* `ipmitool sdr elist all` "NAME | NNh | st | E.I | TEXT": the sensor
 * number, and for discrete sensors the state text. */
static void
sensor_vs_elist(const struct mgmt_row *r, json_object *e)
{
	char states[512];
	double num;
	long want = strtol(r->f[1], NULL, 16);

	if (!jnum(e, "number", &num) || (long)num != want)
		miss("sensor %s: number ipmux %s, ipmitool %s", r->f[0],
		    jstr0(e, "number"), r->f[1]);
	if (strncmp(jstr0(e, "reading"), "0x", 2) != 0)
		return;
	jstates(e, states, sizeof(states));
	if (strcmp(states, r->f[4]) != 0)
		miss("sensor %s: states ipmux '%s', ipmitool elist '%s'",
		    r->f[0], states, r->f[4]);
}

/* FreeIPMI's event text as the ipmitool status it means. */
static const char *
freeipmi_status(const char *event, bool discrete)
{
	if (strcmp(event, "N/A") == 0)
		return "ns";
	if (discrete || strcmp(event, "OK") == 0)
		return "ok";
	if (strstr(event, "Non-Recoverable") != NULL)
		return "nr";
	if (strstr(event, "Non-Critical") != NULL)
		return "nc";
	if (strstr(event, "Critical") != NULL)
		return "cr";
	return event;
}

/* One `ipmi-sensors` CSV row "ID,Name,Type,Reading,Units,Event". */
static void
sensor_vs_freeipmi(const struct mgmt_row *r, json_object *e)
{
	const char *name = r->f[1], *rd = r->f[3], *units = r->f[4];
	bool discrete = strncmp(jstr0(e, "reading"), "0x", 2) == 0;
	const char *want = freeipmi_status(r->f[5], discrete);
	char got[64];
	double v;
	bool has_v = jnum(e, "value", &v);

	if (strcmp(jstr0(e, "type"), r->f[2]) != 0)
		miss("sensor %s: type ipmux '%s', ipmi-sensors '%s'", name,
		    jstr0(e, "type"), r->f[2]);
	if (strcmp(rd, "N/A") == 0) {
		if (has_v)
			miss("sensor %s: ipmux value %g, ipmi-sensors N/A",
			    name, v);
	} else {
		snprintf(got, sizeof(got), "%.2f", has_v ? v : NAN);
		if (!has_v || strcmp(got, rd) != 0)
			miss("sensor %s: value ipmux %s, ipmi-sensors %s",
			    name, has_v ? got : "null", rd);
	}
	if (strcmp(units, "N/A") != 0 && strcmp(jstr0(e, "unit"), units) != 0)
		miss("sensor %s: unit ipmux '%s', ipmi-sensors '%s'", name,
		    jstr0(e, "unit"), units);
	if (strcmp(jstr0(e, "status"), want) != 0)
		miss("sensor %s: status ipmux '%s', ipmi-sensors '%s'", name,
		    jstr0(e, "status"), r->f[5]);
}

START_TEST(test_sensors)
{
	struct mgmt_table list, elist, fi;
	json_object *arr, *e;
	const char *out;
	int i;

	if (f == NULL)
		return;
	arr = cli_json((const char *const[]){ "sensors", CONSOLE, "--json",
	    NULL });
	out = mgmt_ipmitool(h, (const char *const[]){ "sdr", "list", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, '|', &list), NSENSORS);
	out = mgmt_ipmitool(h, (const char *const[]){ "sdr", "elist", "all",
	    NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_gt(mgmt_table_parse(out, '|', &elist), NSENSORS);
	out = mgmt_freeipmi(h, "ipmi-sensors", (const char *const[]){
	    "--comma-separated-output", "--no-header-output",
	    "--non-abbreviated-units", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, ',', &fi), NSENSORS);

	if ((int)json_object_array_length(arr) != list.n)
		miss("sensor count: ipmux %d, ipmitool sdr list %d",
		    (int)json_object_array_length(arr), list.n);
	for (i = 0; i < list.n; i++) {
		const struct mgmt_row *r = &list.r[i];

		ck_assert_int_eq(r->n, 3);
		if ((e = find_named(arr, r->f[0])) == NULL) {
			miss("sensor %s: in ipmitool sdr list, not in ipmux",
			    r->f[0]);
			continue;
		}
		sensor_vs_ipmitool(r, e);
		if ((r = mgmt_table_find(&elist, 0, r->f[0])) != NULL &&
		    r->n == 5)
			sensor_vs_elist(r, e);
		else
			miss("sensor %s: not in ipmitool sdr elist", list.r[i].f[0]);
		if ((r = mgmt_table_find(&fi, 1, list.r[i].f[0])) != NULL &&
		    r->n == 6)
			sensor_vs_freeipmi(r, e);
		else
			miss("sensor %s: not in ipmi-sensors", list.r[i].f[0]);
	}
	json_object_put(arr);
	fprintf(stderr, "sensors: %d compared with ipmitool sdr list/elist "
	    "and ipmi-sensors, %d mismatches\n", list.n, nmiss);
	report_check("sensors");
}
END_TEST

/* The readings move: ipmux answers with what the BMC says now. */
START_TEST(test_sensors_change)
{
	struct mgmt_table list;
	json_object *arr, *e;
	const struct mgmt_row *r;
	const char *out;

	if (f == NULL)
		return;
	/* CPU Temp 45 -> 85 degrees C: above UNC (80), below UC (90) */
	ck_assert(mgmt_bmc_cmd(h, "sensor_set_value 0x20 0 1 85 0"));
	arr = cli_json((const char *const[]){ "sensors", CONSOLE, "--json",
	    NULL });
	out = mgmt_ipmitool(h, (const char *const[]){ "sdr", "list", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, '|', &list), NSENSORS);
	r = mgmt_table_find(&list, 0, "CPU Temp");
	ck_assert_ptr_nonnull(r);
	ck_assert_str_eq(r->f[1], "85 degrees C");
	ck_assert_str_eq(r->f[2], "nc");
	e = find_named(arr, "CPU Temp");
	ck_assert_msg(e != NULL, "no CPU Temp in ipmux sensors");
	sensor_vs_ipmitool(r, e);
	json_object_put(arr);
	report_check("sensors after a change");
}
END_TEST

/* ---- SEL ---- */

/* ipmitool's "11/25/26" "18:20:46 UTC" (TZ=UTC) as a UNIX time. */
static bool
ipmitool_time(const char *date, const char *tod, time_t *out)
{
	struct tm tm;
	char buf[128];
	const char *end;

	memset(&tm, 0, sizeof(tm));
	snprintf(buf, sizeof(buf), "%s %s", date, tod);
	if ((end = strptime(buf, "%m/%d/%y %H:%M:%S", &tm)) == NULL &&
	    (end = strptime(buf, "%m/%d/%Y %H:%M:%S", &tm)) == NULL)
		return false;
	*out = timegm(&tm);
	return true;
}

/* Time, timestamp and id of entry e against `ipmitool sel list` row r. */
static void
sel_time_vs_ipmitool(const struct mgmt_row *r, json_object *e, int i)
{
	char want[64];
	double ts = -1;
	time_t t;
	struct tm tm;

	jnum(e, "timestamp", &ts);
	if (strcmp(r->f[1], "Pre-Init") == 0) {
		snprintf(want, sizeof(want), "Pre-Init %s", r->f[2]);
		if ((long long)ts != strtoll(r->f[2], NULL, 10))
			miss("sel %d: timestamp ipmux %.0f, ipmitool %s", i,
			    ts, r->f[2]);
	} else if (ipmitool_time(r->f[1], r->f[2], &t)) {
		/* the contract's format (proto.h SELENTRY) for the instant
		 * ipmitool printed */
		gmtime_r(&t, &tm);
		strftime(want, sizeof(want), "%m/%d/%Y %H:%M:%S", &tm);
		if ((long long)ts != (long long)t)
			miss("sel %d: timestamp ipmux %.0f, ipmitool '%s %s' "
			    "= %lld", i, ts, r->f[1], r->f[2], (long long)t);
	} else {
		miss("sel %d: cannot read ipmitool's time '%s %s'", i,
		    r->f[1], r->f[2]);
		return;
	}
	if (strcmp(jstr0(e, "time"), want) != 0)
		miss("sel %d: time ipmux '%s', ipmitool '%s | %s' (want '%s')",
		    i, jstr0(e, "time"), r->f[1], r->f[2], want);
}

/* Entry e against `ipmitool sel list` row r and `sel elist` row x. */
static void
sel_vs_ipmitool(const struct mgmt_row *r, const struct mgmt_row *x,
    json_object *e, int i)
{
	const char *name = jstr(e, "sensor_name"), *hash;
	char want[2 * MGMT_FIELD_LEN];
	double id = -1;

	jnum(e, "id", &id);
	if ((long)id != strtol(r->f[0], NULL, 16))	/* ipmitool: hex */
		miss("sel %d: id ipmux %.0f, ipmitool %s", i, id, r->f[0]);
	sel_time_vs_ipmitool(r, e, i);
	if (strcmp(jstr0(e, "sensor"), r->f[3]) != 0)
		miss("sel %d: sensor ipmux '%s', ipmitool '%s'", i,
		    jstr0(e, "sensor"), r->f[3]);
	if (strcmp(jstr0(e, "event"), r->f[4]) != 0)
		miss("sel %d: event ipmux '%s', ipmitool '%s'", i,
		    jstr0(e, "event"), r->f[4]);
	if (strcmp(jstr0(e, "direction"), r->f[5]) != 0)
		miss("sel %d: direction ipmux '%s', ipmitool '%s'", i,
		    jstr0(e, "direction"), r->f[5]);
	/* elist names the sensor from the SDR: "Temperature Sys Temp" */
	hash = strstr(r->f[3], " #0x");
	if (name != NULL && hash != NULL)
		snprintf(want, sizeof(want), "%.*s %s", (int)(hash - r->f[3]),
		    r->f[3], name);
	else
		snprintf(want, sizeof(want), "%s", r->f[3]);
	if (strcmp(x->f[3], want) != 0)
		miss("sel %d: sensor_name ipmux '%s', ipmitool elist '%s'", i,
		    name != NULL ? name : "(null)", x->f[3]);
	snprintf(want, sizeof(want), "%s", x->n > 6 ? x->f[6] : "");
	if (strcmp(jstr0(e, "detail"), want) != 0)
		miss("sel %d: detail ipmux '%s', ipmitool elist '%s'", i,
		    jstr0(e, "detail"), want);
}

/* The two numbers in "Reading 13.40 > Threshold 12.40 degrees C" or
 * "Sensor Reading = 13.40 degrees C ; Threshold = 12.40 degrees C". */
static int
reading_threshold(const char *s, double *rd, double *th)
{
	const char *a = strstr(s, "Reading"), *b = strstr(s, "Threshold");

	if (a == NULL || b == NULL)
		return 0;
	a += strcspn(a, "-0123456789");
	b += strcspn(b, "-0123456789");
	*rd = strtod(a, NULL);
	*th = strtod(b, NULL);
	return 2;
}

/* Entry e against an `ipmi-sel -v` CSV row
 * "ID,Date,Time,Name,Type,Direction,Event". */
static void
sel_vs_freeipmi(const struct mgmt_row *r, json_object *e, int i)
{
	const char *name = jstr(e, "sensor_name"), *dir = jstr0(e, "direction");
	double id = -1, ts = -1, r1, t1, r2, t2;
	int n1, n2;

	jnum(e, "id", &id);
	jnum(e, "timestamp", &ts);
	if ((long)id != strtol(r->f[0], NULL, 10))
		miss("sel %d: id ipmux %.0f, ipmi-sel %s", i, id, r->f[0]);
	if ((strcmp(r->f[1], "PostInit") == 0) != (ts <= 0x20000000))
		miss("sel %d: timestamp ipmux %.0f, ipmi-sel '%s %s'", i, ts,
		    r->f[1], r->f[2]);
	if (name != NULL && strcmp(name, r->f[3]) != 0)
		miss("sel %d: sensor_name ipmux '%s', ipmi-sel '%s'", i, name,
		    r->f[3]);
	if ((strcmp(dir, "Asserted") == 0) !=
	    (strcmp(r->f[5], "Assertion Event") == 0))
		miss("sel %d: direction ipmux '%s', ipmi-sel '%s'", i, dir,
		    r->f[5]);
	n1 = reading_threshold(jstr0(e, "detail"), &r1, &t1);
	n2 = reading_threshold(r->f[6], &r2, &t2);
	if (n1 != n2 || (n1 == 2 && (fabs(r1 - r2) > 0.005 ||
	    fabs(t1 - t2) > 0.005)))
		miss("sel %d: detail ipmux '%s', ipmi-sel '%s'", i,
		    jstr0(e, "detail"), r->f[6]);
}

/* ipmux sel against ipmitool sel list / elist and ipmi-sel -v. */
static void
sel_compare(void)
{
	struct mgmt_table list, elist, fi;
	json_object *arr;
	const char *out;
	int i, n;

	arr = cli_json((const char *const[]){ "sel", CONSOLE, "--json",
	    NULL });
	out = mgmt_ipmitool(h, (const char *const[]){ "sel", "list", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, '|', &list), NSEL);
	out = mgmt_ipmitool(h, (const char *const[]){ "sel", "elist", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, '|', &elist), NSEL);
	out = mgmt_freeipmi(h, "ipmi-sel", (const char *const[]){
	    "--comma-separated-output", "--no-header-output",
	    "--non-abbreviated-units", "-v", NULL });
	ck_assert_ptr_nonnull(out);
	ck_assert_int_eq(mgmt_table_parse(out, ',', &fi), NSEL);

	n = (int)json_object_array_length(arr);
	if (n != list.n)
		miss("sel count: ipmux %d, ipmitool sel list %d, ipmi-sel %d",
		    n, list.n, fi.n);
	for (i = 0; i < n && i < list.n; i++) {
		json_object *e = json_object_array_get_idx(arr, i);

		ck_assert_int_eq(list.r[i].n, 6);
		ck_assert_int_ge(elist.r[i].n, 6);
		ck_assert_int_eq(fi.r[i].n, 7);
		sel_vs_ipmitool(&list.r[i], &elist.r[i], e, i);
		sel_vs_freeipmi(&fi.r[i], e, i);
	}
	json_object_put(arr);
	fprintf(stderr, "sel: %d entries compared with ipmitool sel list/elist "
	    "and ipmi-sel, %d mismatches\n", n, nmiss);
}

/* Right after the console came up: the daemon may not have read the
 * SDR repository yet, but ipmitool's elist names sensors from it, so
 * ipmux must too. */
START_TEST(test_sel)
{
	if (f == NULL)
		return;
	sel_compare();
	report_check("sel (first request)");
}
END_TEST

/* After `ipmux sensors` has read the SDR repository. */
START_TEST(test_sel_after_sensors)
{
	json_object *arr;

	if (f == NULL)
		return;
	arr = cli_json((const char *const[]){ "sensors", CONSOLE, "--json",
	    NULL });
	json_object_put(arr);
	sel_compare();
	report_check("sel (after sensors)");
}
END_TEST

/* ---- chassis ---- */

/* "System Power : on" from `ipmitool chassis status`. */
static const char *
ipmitool_power(void)
{
	static char v[MGMT_FIELD_LEN];
	struct mgmt_table t;
	const struct mgmt_row *r;
	const char *out = mgmt_ipmitool(h, (const char *const[]){ "chassis",
	    "status", NULL });

	ck_assert_ptr_nonnull(out);
	ck_assert_int_gt(mgmt_table_parse(out, ':', &t), 0);
	r = mgmt_table_find(&t, 0, "System Power");
	ck_assert_msg(r != NULL && r->n == 2, "chassis status: %s", out);
	snprintf(v, sizeof(v), "%s", r->f[1]);
	return v;
}

static const char *
ipmux_power(void)
{
	static char v[32];
	json_object *a = cli_json((const char *const[]){ "power", CONSOLE,
	    "status", "--json", NULL });

	ck_assert_int_eq((int)json_object_array_length(a), 1);
	snprintf(v, sizeof(v), "%s",
	    jstr0(json_object_array_get_idx(a, 0), "power"));
	json_object_put(a);
	return v;
}

static void
ipmux_ok(const char *const *args)
{
	const char *out = NULL, *err = NULL;
	int rc = fleet_cli(f, CLI_MS, &out, &err, args);

	ck_assert_msg(rc == 0, "ipmux %s %s %s: exit %d: %s", args[0],
	    args[1], args[2] != NULL ? args[2] : "", rc, err);
}

/* The chassis_control program's newest line. */
static const char *
last_chassis_call(void)
{
	static char line[128];
	char *log = mgmt_chassis_log(h), *end;
	size_t len = strlen(log);

	while (len > 0 && log[len - 1] == '\n')
		log[--len] = '\0';
	end = strrchr(log, '\n');
	snprintf(line, sizeof(line), "%s", end != NULL ? end + 1 : log);
	free(log);
	return line;
}

/* ipmux identify ARG and ipmitool chassis identify PEER reach ipmi_sim
 * as the same chassis_control call. */
static void
identify_same(const char *arg, const char *peer)
{
	char ours[128];

	ipmux_ok((const char *const[]){ "identify", CONSOLE, arg, NULL });
	snprintf(ours, sizeof(ours), "%s", last_chassis_call());
	ck_assert_ptr_nonnull(mgmt_ipmitool(h, (const char *const[]){
	    "chassis", "identify", peer, NULL }));
	if (strcmp(ours, last_chassis_call()) != 0)
		miss("identify %s: ipmux made ipmi_sim call '%s', ipmitool "
		    "chassis identify %s '%s'", arg, ours, peer,
		    last_chassis_call());
}

/* ipmux power ACTION and ipmitool chassis power ACTION reach ipmi_sim as
 * the same chassis_control call. */
static void
power_same(const char *action)
{
	char ours[128];

	ipmux_ok((const char *const[]){ "power", CONSOLE, action, "--yes",
	    NULL });
	snprintf(ours, sizeof(ours), "%s", last_chassis_call());
	ck_assert_ptr_nonnull(mgmt_ipmitool(h, (const char *const[]){
	    "chassis", "power", action, NULL }));
	if (strcmp(ours, last_chassis_call()) != 0)
		miss("power %s: ipmux made ipmi_sim call '%s', ipmitool '%s'",
		    action, ours, last_chassis_call());
}

static bool
chassis_log_has(void *arg)
{
	char *log = mgmt_chassis_log(h);
	bool yes = strstr(log, arg) != NULL;

	free(log);
	return yes;
}

START_TEST(test_chassis)
{
	const char *out;

	if (f == NULL)
		return;
	ck_assert_str_eq(ipmitool_power(), "on");
	ck_assert_str_eq(ipmux_power(), "on");
	out = mgmt_freeipmi(h, "ipmi-chassis", (const char *const[]){
	    "--get-status", NULL });
	ck_assert_msg(out != NULL && strstr(out, "System Power") &&
	    strstr(out, ": on"), "ipmi-chassis: %s", out ? out : "");

	/* off through ipmux: the BMC agrees */
	ipmux_ok((const char *const[]){ "power", CONSOLE, "off", "--yes",
	    NULL });
	ck_assert_str_eq(last_chassis_call(), "set power 0");
	ck_assert_str_eq(ipmitool_power(), "off");
	ck_assert_str_eq(ipmux_power(), "off");
	/* on through ipmitool: ipmux sees it */
	ck_assert_ptr_nonnull(mgmt_ipmitool(h, (const char *const[]){
	    "chassis", "power", "on", NULL }));
	ck_assert_str_eq(ipmux_power(), "on");
	ck_assert_str_eq(ipmitool_power(), "on");

	/* ipmi_sim's Get Chassis Status has no identify state, so the
	 * chassis_control program's log is the witness */
	out = mgmt_ipmitool(h, (const char *const[]){ "chassis", "status",
	    NULL });
	ck_assert_msg(out != NULL && strstr(out, "Chassis Identify") == NULL,
	    "ipmi_sim now reports the identify state; compare it: %s", out);
	identify_same("5", "5");
	identify_same("on", "force");
	identify_same("off", "0");

	power_same("reset");		/* "set reset 1" */
	power_same("soft");		/* "set shutdown 1" */
	/* diag: ipmi_sim has no diag interrupt (0xCC); both must fail */
	ck_assert_int_ne(fleet_cli(f, CLI_MS, NULL, NULL, (const char *const[]){
	    "power", CONSOLE, "diag", "--yes", NULL }), 0);
	ck_assert_ptr_null(mgmt_ipmitool(h, (const char *const[]){ "chassis",
	    "power", "diag", NULL }));
	/* cycle: off now, ipmi_sim's own timer turns it on a second later */
	ck_assert_int_eq(truncate(harness_path(h, "chassis/chassis.log"), 0),
	    0);
	ipmux_ok((const char *const[]){ "power", CONSOLE, "cycle", "--yes",
	    NULL });
	ck_assert_msg(fleet_wait(f, chassis_log_has, "set power 0\n", 5000) &&
	    fleet_wait(f, chassis_log_has, "set power 1\n", 5000),
	    "power cycle: chassis_control calls '%s'", mgmt_chassis_log(h));
	ck_assert_str_eq(ipmitool_power(), "on");
	ck_assert_str_eq(ipmux_power(), "on");
	report_check("chassis");
}
END_TEST

/* ---- FRU ---- */

/* ipmux fru key, ipmitool fru print label, ipmi-fru label. */
static const struct {
	const char *key, *ipmitool, *freeipmi;
} fru_fields[] = {
	{ "chassis_type", "Chassis Type", "FRU Chassis Type" },
	{ "chassis_part", "Chassis Part Number", "FRU Chassis Part Number" },
	{ "chassis_serial", "Chassis Serial", "FRU Chassis Serial Number" },
	{ "board_mfr", "Board Mfg", "FRU Board Manufacturer" },
	{ "board_product", "Board Product", "FRU Board Product Name" },
	{ "board_serial", "Board Serial", "FRU Board Serial Number" },
	{ "board_part", "Board Part Number", "FRU Board Part Number" },
	{ "product_mfr", "Product Manufacturer",
	    "FRU Product Manufacturer Name" },
	{ "product_name", "Product Name", "FRU Product Name" },
	{ "product_part", "Product Part Number",
	    "FRU Product Part/Model Number" },
	{ "product_version", "Product Version", "FRU Product Version" },
	{ "product_serial", "Product Serial", "FRU Product Serial Number" },
	{ "product_asset", "Product Asset Tag", "FRU Product Asset Tag" },
};

/* The board's manufacturing time: ipmitool prints "Fri Mar  1 12:30:00
 * 2024 UTC", ipmi-fru "03/01/24 - 12:30:00" (both TZ=UTC). */
static void
fru_mfg_time(json_object *fru, const char *ipmitool, const char *freeipmi)
{
	char v[MGMT_FIELD_LEN];
	struct tm tm;
	double got = -1;
	time_t t;

	jnum(fru, "board_mfg_time", &got);
	if (mgmt_label_value(ipmitool, "Board Mfg Date", v, sizeof(v))) {
		memset(&tm, 0, sizeof(tm));
		if (strptime(v, "%a %b %d %H:%M:%S %Y", &tm) == NULL ||
		    (long long)(t = timegm(&tm)) != (long long)got)
			miss("fru: board_mfg_time ipmux %.0f, ipmitool '%s'",
			    got, v);
	} else if (got >= 0)
		miss("fru: board_mfg_time ipmux %.0f, ipmitool none", got);
	if (mgmt_label_value(freeipmi, "FRU Board Manufacturing Date/Time", v,
	    sizeof(v))) {
		memset(&tm, 0, sizeof(tm));
		if (strptime(v, "%m/%d/%y - %H:%M:%S", &tm) == NULL ||
		    (long long)(t = timegm(&tm)) != (long long)got)
			miss("fru: board_mfg_time ipmux %.0f, ipmi-fru '%s'",
			    got, v);
	}
}

START_TEST(test_fru)
{
	const char *it, *fi, *got;
	char want[MGMT_FIELD_LEN];
	json_object *a, *fru;
	size_t i;

	if (f == NULL)
		return;
	a = cli_json((const char *const[]){ "fru", CONSOLE, "--json", NULL });
	ck_assert_int_eq((int)json_object_array_length(a), 1);
	/* the CLI puts the fields next to "name"; the protocol's reply
	 * has them in "fru" */
	fru = json_object_array_get_idx(a, 0);
	if (jstr(fru, "fru") != NULL)
		json_object_object_get_ex(fru, "fru", &fru);
	it = mgmt_ipmitool(h, (const char *const[]){ "fru", "print", "0",
	    NULL });
	fi = mgmt_freeipmi(h, "ipmi-fru", (const char *const[]){ NULL });
	ck_assert_ptr_nonnull(it);
	ck_assert_ptr_nonnull(fi);
	for (i = 0; i < sizeof(fru_fields) / sizeof(fru_fields[0]); i++) {
		got = jstr(fru, fru_fields[i].key);
		if (!mgmt_label_value(it, fru_fields[i].ipmitool, want,
		    sizeof(want)))
			ck_abort_msg("ipmitool fru print has no '%s': %s",
			    fru_fields[i].ipmitool, it);
		if (got == NULL || strcmp(got, want) != 0)
			miss("fru: %s ipmux '%s', ipmitool '%s'",
			    fru_fields[i].key, got != NULL ? got : "(null)",
			    want);
		/* ipmi-fru reads BCD plus one digit per byte and calls our
		 * packed "1.02" invalid; ipmitool is the witness there */
		if (mgmt_label_value(fi, fru_fields[i].freeipmi, want,
		    sizeof(want)) && strncmp(want, "Error '", 7) != 0 &&
		    (got == NULL || strcmp(got, want) != 0))
			miss("fru: %s ipmux '%s', ipmi-fru '%s'",
			    fru_fields[i].key, got != NULL ? got : "(null)",
			    want);
	}
	fru_mfg_time(fru, it, fi);
	json_object_put(a);
	fprintf(stderr, "fru: %zu fields + board time compared with ipmitool "
	    "fru print and ipmi-fru, %d mismatches\n", i, nmiss);
	report_check("fru");
}
END_TEST

static Suite *
ipmisim_mgmt_suite(void)
{
	Suite *s = suite_create("ipmisim_mgmt");
	TCase *tc = tcase_create("mgmt");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_sensors);
	tcase_add_test(tc, test_sensors_change);
	tcase_add_test(tc, test_sel);
	tcase_add_test(tc, test_sel_after_sensors);
	tcase_add_test(tc, test_chassis);
	tcase_add_test(tc, test_fru);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(ipmisim_mgmt_suite)
