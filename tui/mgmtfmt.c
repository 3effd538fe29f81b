/* mgmtfmt.c — the output of ipmux's management commands: ipmitool-like text (sdr list, sel list, fru print), the health table, and JSON. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "ipmux.h"

/* ipmitool "sdr list" pads the name and the reading to these widths. */
#define SDR_NAME_W 16
#define SDR_VALUE_W 17

void
mgmtfmt_json_print(struct json_object *o, bool pretty)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;

	if (pretty)
		flags |= JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED;
	printf("%s\n", json_object_to_json_string_ext(o, flags));
}

/* Copy the keys of from into to, but for those named in skip. */
static void
mgmtfmt_merge(struct json_object *to, struct json_object *from,
	      const char *const *skip)
{
	const char *const *s;

	json_object_object_foreach(from, key, val) {
		for (s = skip; *s != NULL && strcmp(*s, key) != 0; s++)
			;
		if (*s == NULL)
			json_object_object_add(to, key, json_object_get(val));
	}
}

void
mgmtfmt_json_targets(const struct mgmt_run *run)
{
	static const char *const skip[] = { "console", "op", "ok", "error",
	    "fru", NULL };
	struct json_object *arr = json_object_new_array(), *o, *fru;
	const struct mgmt_target *t;
	size_t i;

	for (i = 0; i < run->n; i++) {
		t = &run->t[i];
		o = json_object_new_object();
		json_object_object_add(o, "name",
		    json_object_new_string(t->name));
		json_object_object_add(o, "ok",
		    json_object_new_boolean(t->err == NULL));
		if (t->err != NULL)
			json_object_object_add(o, "error",
			    json_object_new_string(t->err));
		else {
			mgmtfmt_merge(o, t->reply, skip);
			/* fru: its fields at the top, next to "name". */
			if (json_object_object_get_ex(t->reply, "fru", &fru) &&
			    json_object_is_type(fru, json_type_object))
				mgmtfmt_merge(o, fru, skip + 4);
		}
		json_object_array_add(arr, o);
	}
	mgmtfmt_json_print(arr, true);
	json_object_put(arr);
}

/* power, identify, bootdev: "NAME: on" / "NAME: ok". */
void
mgmtfmt_power(const struct mgmt_run *run)
{
	size_t i;

	for (i = 0; i < run->n; i++)
		if (run->t[i].err == NULL)
			printf("%s: %s\n", run->t[i].name,
			    ipmux_jstr(run->t[i].reply, "power", "ok"));
}

/* The array under key in a good target's reply (never NULL). */
static struct json_object *
mgmtfmt_array(const struct mgmt_target *t, const char *key)
{
	static struct json_object *empty;
	struct json_object *v;

	if (t->reply != NULL && json_object_object_get_ex(t->reply, key, &v) &&
	    json_object_is_type(v, json_type_array))
		return v;
	if (empty == NULL)
		empty = json_object_new_array();
	return empty;
}

/* Each object of a flat array: {"console":NAME, its own keys...}. */
static void
mgmtfmt_json_flat(const struct mgmt_run *run, const char *key)
{
	static const char *const skip[] = { NULL };
	struct json_object *all = json_object_new_array(), *arr, *o;
	size_t i, j;

	for (i = 0; i < run->n; i++) {
		if (run->t[i].err != NULL)
			continue;
		arr = mgmtfmt_array(&run->t[i], key);
		for (j = 0; j < json_object_array_length(arr); j++) {
			o = json_object_new_object();
			json_object_object_add(o, "console",
			    json_object_new_string(run->t[i].name));
			mgmtfmt_merge(o, json_object_array_get_idx(arr, j),
			    skip);
			json_object_array_add(all, o);
		}
	}
	mgmtfmt_json_print(all, true);
	json_object_put(all);
}

static bool
mgmtfmt_is_number(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) &&
	    (json_object_is_type(v, json_type_double) ||
	    json_object_is_type(v, json_type_int));
}

/* The middle column of "sdr list": "21.50 degrees C", "0x01",
 * "no reading". */
static void
mgmtfmt_sensor_value(struct json_object *s, char *buf, size_t cap)
{
	const char *reading = ipmux_jstr(s, "reading", NULL);
	const char *unit = ipmux_jstr(s, "unit", "");
	bool num = mgmtfmt_is_number(s, "value");
	struct json_object *v;

	if (reading == NULL && num) {
		json_object_object_get_ex(s, "value", &v);
		snprintf(buf, cap, "%g%s%s", json_object_get_double(v),
		    *unit ? " " : "", unit);
	} else if (reading == NULL)
		snprintf(buf, cap, "no reading");
	else if (num && *unit != '\0' && strncmp(reading, "0x", 2) != 0)
		snprintf(buf, cap, "%s %s", reading, unit);
	else
		snprintf(buf, cap, "%s", reading);
}

static void
mgmtfmt_sensors_of(struct json_object *arr)
{
	int nw = SDR_NAME_W, vw = SDR_VALUE_W, l;
	struct json_object *s;
	char val[128];
	size_t j;

	for (j = 0; j < json_object_array_length(arr); j++) {
		s = json_object_array_get_idx(arr, j);
		if ((l = (int)strlen(ipmux_jstr(s, "name", ""))) > nw)
			nw = l;
		mgmtfmt_sensor_value(s, val, sizeof(val));
		if ((l = (int)strlen(val)) > vw)
			vw = l;
	}
	for (j = 0; j < json_object_array_length(arr); j++) {
		s = json_object_array_get_idx(arr, j);
		mgmtfmt_sensor_value(s, val, sizeof(val));
		printf("%-*s | %-*s | %s\n", nw, ipmux_jstr(s, "name", ""), vw,
		    val, ipmux_jstr(s, "status", "ns"));
	}
}

void
mgmtfmt_sensors(const struct mgmt_run *run, bool json)
{
	bool first = true;
	size_t i;

	if (json) {
		mgmtfmt_json_flat(run, "sensors");
		return;
	}
	for (i = 0; i < run->n; i++) {
		if (run->t[i].err != NULL)
			continue;
		if (run->n > 1)
			printf("%s%s:\n", first ? "" : "\n", run->t[i].name);
		first = false;
		mgmtfmt_sensors_of(mgmtfmt_array(&run->t[i], "sensors"));
	}
}

int
mgmtfmt_name_width(const struct mgmt_run *run)
{
	size_t i;
	int w = 0;

	for (i = 0; i < run->n; i++)
		if ((int)strlen(run->t[i].name) > w)
			w = (int)strlen(run->t[i].name);
	return w;
}

/* The SEL entry's text after the id: "11/25/2026 | 16:44:08 | sensor |
 * event | direction" as "sel list" has it. */
static void
mgmtfmt_sel_text(struct json_object *e, char *buf, size_t cap)
{
	const char *tm = ipmux_jstr(e, "time", "");
	const char *sp = strchr(tm, ' ');
	const char *dir = ipmux_jstr(e, "direction", "");
	int n;

	/* The contract's "DATE TIME" becomes two columns; text already
	 * in columns stays as it is. */
	if (sp != NULL && strstr(tm, " | ") == NULL)
		n = snprintf(buf, cap, "%.*s | %s", (int)(sp - tm), tm, sp + 1);
	else
		n = snprintf(buf, cap, "%s", tm);
	if (n < 0 || (size_t)n >= cap)
		return;
	snprintf(buf + n, cap - (size_t)n, " | %s | %s%s%s",
	    ipmux_jstr(e, "sensor", ""), ipmux_jstr(e, "event", ""),
	    *dir ? " | " : "", dir);
}

void
mgmtfmt_sel_entry(const char *name, int w, struct json_object *e, bool json)
{
	static const char *const skip[] = { NULL };
	struct json_object *o;
	char text[1024];

	if (json) {
		o = json_object_new_object();
		json_object_object_add(o, "console",
		    json_object_new_string(name));
		mgmtfmt_merge(o, e, skip);
		mgmtfmt_json_print(o, false);
		json_object_put(o);
		return;
	}
	if (w > 0)
		printf("%s:%*s", name, w + 1 - (int)strlen(name), "");
	mgmtfmt_sel_text(e, text, sizeof(text));
	/* ipmitool prints the record id in hex, 4 wide. */
	printf("%4llx | %s\n", (unsigned long long)ipmux_jint(e, "id", 0),
	    text);
}

void
mgmtfmt_sel(const struct mgmt_run *run, bool json, bool lines)
{
	int w = run->n > 1 ? mgmtfmt_name_width(run) : 0;
	struct json_object *arr;
	size_t i, j;

	if (json && !lines) {
		mgmtfmt_json_flat(run, "entries");
		return;
	}
	for (i = 0; i < run->n; i++) {
		if (run->t[i].err != NULL)
			continue;
		arr = mgmtfmt_array(&run->t[i], "entries");
		for (j = 0; j < json_object_array_length(arr); j++)
			mgmtfmt_sel_entry(run->t[i].name, w,
			    json_object_array_get_idx(arr, j), json);
	}
}

/* ipmitool "fru print" labels, in its order. */
static const struct {
	const char *key, *label;
} mgmtfmt_fru_fields[] = {
	{ "chassis_type", "Chassis Type" },
	{ "chassis_part", "Chassis Part Number" },
	{ "chassis_serial", "Chassis Serial" },
	{ "board_mfg_time", "Board Mfg Date" },
	{ "board_mfr", "Board Mfg" },
	{ "board_product", "Board Product" },
	{ "board_serial", "Board Serial" },
	{ "board_part", "Board Part Number" },
	{ "product_mfr", "Product Manufacturer" },
	{ "product_name", "Product Name" },
	{ "product_part", "Product Part Number" },
	{ "product_version", "Product Version" },
	{ "product_serial", "Product Serial" },
	{ "product_asset", "Product Asset Tag" },
};

static void
mgmtfmt_fru_of(const struct mgmt_target *t)
{
	struct json_object *fru, *v, *errs;
	char when[64];
	struct tm tm;
	time_t at;
	size_t i;

	json_object_object_get_ex(t->reply, "fru", &fru);
	printf("FRU Device Description : Builtin FRU Device (ID 0)\n");
	for (i = 0; i < sizeof(mgmtfmt_fru_fields) /
	    sizeof(mgmtfmt_fru_fields[0]); i++) {
		if (!json_object_object_get_ex(fru, mgmtfmt_fru_fields[i].key,
		    &v) || v == NULL)
			continue;
		if (i == 3) {
			/* ipmitool: asctime-like, in UTC. */
			at = (time_t)json_object_get_int64(v);
			if (gmtime_r(&at, &tm) == NULL || strftime(when,
			    sizeof(when), "%a %b %e %H:%M:%S %Y UTC", &tm) == 0)
				continue;
			printf(" %-22s: %s\n", mgmtfmt_fru_fields[i].label,
			    when);
		} else if (*json_object_get_string(v) != '\0')
			/* ipmitool leaves empty fields out too. */
			printf(" %-22s: %s\n", mgmtfmt_fru_fields[i].label,
			    json_object_get_string(v));
	}
	errs = mgmtfmt_array(t, "errors");
	for (i = 0; i < json_object_array_length(errs); i++)
		ipmux_err("%s: fru: %s", t->name, json_object_get_string(
		    json_object_array_get_idx(errs, i)));
}

void
mgmtfmt_fru(const struct mgmt_run *run, bool json)
{
	bool first = true;
	size_t i;

	if (json) {
		mgmtfmt_json_targets(run);
		return;
	}
	for (i = 0; i < run->n; i++) {
		if (run->t[i].err != NULL)
			continue;
		if (run->n > 1)
			printf("%s%s:\n", first ? "" : "\n", run->t[i].name);
		first = false;
		mgmtfmt_fru_of(&run->t[i]);
	}
}

#define HEALTH_COLS 5

/* One row of the health table, each cell strdup'd. */
static void
mgmtfmt_health_row(const struct mgmt_target *t, char *cell[HEALTH_COLS])
{
	const char *ws = ipmux_jstr(t->reply, "worst_sensor", NULL);
	struct json_object *last;
	char buf[1024];

	cell[0] = strdup(t->name);
	cell[1] = strdup(ipmux_jstr(t->reply, "state", "?"));
	cell[2] = strdup(ipmux_jstr(t->reply, "power", "-"));
	snprintf(buf, sizeof(buf), "%s%s%s%s",
	    ipmux_jstr(t->reply, "worst", "unknown"), ws ? " (" : "",
	    ws ? ws : "", ws ? ")" : "");
	cell[3] = strdup(buf);
	if (json_object_object_get_ex(t->reply, "sel_last", &last) &&
	    json_object_is_type(last, json_type_object)) {
		snprintf(buf, sizeof(buf), "%s | %s | %s%s%s",
		    ipmux_jstr(last, "time", ""), ipmux_jstr(last, "sensor",
		    ""), ipmux_jstr(last, "event", ""),
		    *ipmux_jstr(last, "direction", "") ? " | " : "",
		    ipmux_jstr(last, "direction", ""));
		cell[4] = strdup(buf);
	} else
		cell[4] = strdup("-");
}

static void
mgmtfmt_health_line(char *const cell[HEALTH_COLS], const int w[HEALTH_COLS])
{
	int i;

	for (i = 0; i < HEALTH_COLS - 1; i++)
		printf("%-*s  ", w[i], cell[i] ? cell[i] : "");
	printf("%s\n", cell[i] ? cell[i] : "");
}

void
mgmtfmt_health(const struct mgmt_run *run, bool json)
{
	static char *const head[HEALTH_COLS] = { "NAME", "STATE", "POWER",
	    "SENSORS", "LAST SEL" };
	char *(*rows)[HEALTH_COLS];
	int w[HEALTH_COLS], k, l;
	size_t i, n = 0;

	if (json) {
		mgmtfmt_json_targets(run);
		return;
	}
	if ((rows = calloc(run->n + 1, sizeof(*rows))) == NULL)
		return;
	for (k = 0; k < HEALTH_COLS; k++)
		w[k] = (int)strlen(head[k]);
	for (i = 0; i < run->n; i++) {
		if (run->t[i].err != NULL)
			continue;
		mgmtfmt_health_row(&run->t[i], rows[n]);
		for (k = 0; k < HEALTH_COLS; k++)
			if (rows[n][k] && (l = (int)strlen(rows[n][k])) > w[k])
				w[k] = l;
		n++;
	}
	if (n > 0)
		mgmtfmt_health_line(head, w);
	for (i = 0; i < n; i++) {
		mgmtfmt_health_line(rows[i], w);
		for (k = 0; k < HEALTH_COLS; k++)
			free(rows[i][k]);
	}
	free(rows);
}
