/* logtime.c — time parsing for "ipmux log": the ISO-8601 stamps in log files and --since/--until arguments. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ipmux.h"

/* n decimal digits at s into *v; false if any is not a digit. */
static bool
digits(const char *s, size_t n, int *v)
{
	size_t i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)s[i]))
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* "+HH:MM", "+HHMM", "+HH" or "Z" at s: seconds east of UTC in *off.
 * Returns the bytes used, 0 if there is no zone. */
static size_t
zone(const char *s, size_t len, long *off)
{
	int hh, mm = 0;
	size_t n = 3;

	if (len >= 1 && s[0] == 'Z') {
		*off = 0;
		return 1;
	}
	if (len < 3 || (s[0] != '+' && s[0] != '-') || !digits(s + 1, 2, &hh))
		return 0;
	if (len >= 6 && s[3] == ':' && digits(s + 4, 2, &mm))
		n = 6;
	else if (len >= 5 && digits(s + 3, 2, &mm))
		n = 5;
	*off = (long)(hh * 3600 + mm * 60) * (s[0] == '-' ? -1 : 1);
	return n;
}

/* Date and clock at s: "YYYY-MM-DD" then 'T' or ' ' and "HH:MM[:SS]".
 * Fills tm; returns the bytes used or 0. date_only allows the date alone. */
static size_t
datetime(const char *s, size_t len, struct tm *tm, bool date_only)
{
	int y, mo, d, h, mi, sec = 0;
	size_t n;

	if (len < 10 || !digits(s, 4, &y) || s[4] != '-' ||
	    !digits(s + 5, 2, &mo) || s[7] != '-' || !digits(s + 8, 2, &d) ||
	    mo < 1 || mo > 12 || d < 1 || d > 31)
		return 0;
	memset(tm, 0, sizeof(*tm));
	tm->tm_year = y - 1900;
	tm->tm_mon = mo - 1;
	tm->tm_mday = d;
	tm->tm_isdst = -1;
	if (len < 16 || (s[10] != 'T' && s[10] != ' ') ||
	    !digits(s + 11, 2, &h) || s[13] != ':' || !digits(s + 14, 2, &mi))
		return date_only ? 10 : 0;
	n = 16;
	if (len >= 19 && s[16] == ':' && digits(s + 17, 2, &sec))
		n = 19;
	if (h > 23 || mi > 59 || sec > 60)
		return 0;
	tm->tm_hour = h;
	tm->tm_min = mi;
	tm->tm_sec = sec;
	return n;
}

/* The rest after the clock: optional fraction, optional zone. */
static size_t
finish(const char *s, size_t len, size_t n, struct tm *tm, bool utc,
       int64_t *out)
{
	long off = 0;
	size_t z;

	if (n < len && (s[n] == '.' || s[n] == ',')) {
		size_t f = n + 1;

		while (f < len && isdigit((unsigned char)s[f]))
			f++;
		if (f > n + 1)
			n = f;
	}
	if ((z = zone(s + n, len - n, &off)) > 0) {
		n += z;
		*out = (int64_t)timegm(tm) - off;
	} else {
		*out = utc ? (int64_t)timegm(tm) : (int64_t)mktime(tm);
	}
	return n;
}

size_t
logtime_parse_iso(const char *s, size_t len, bool utc_default, int64_t *out)
{
	struct tm tm;
	size_t n = datetime(s, len, &tm, false);

	if (n == 0)
		return 0;
	return finish(s, len, n, &tm, utc_default, out);
}

int
logtime_parse_arg(const char *s, int64_t now, int64_t *out)
{
	size_t len = strlen(s), n;
	struct tm tm;
	time_t t = (time_t)now;
	char *end;
	long long v;
	int h, mi, sec = 0;

	if (strcmp(s, "now") == 0) {
		*out = now;
		return 0;
	}
	if (s[0] == '@' || s[0] == '-') {
		v = strtoll(s + 1, &end, 10);
		if (end == s + 1 || v < 0)
			return -1;
		if (s[0] == '@') {
			*out = v;
			return *end == '\0' ? 0 : -1;
		}
		switch (*end) {
		case 's': break;
		case 'm': v *= 60; break;
		case 'h': v *= 3600; break;
		case 'd': v *= 86400; break;
		case 'w': v *= 7 * 86400; break;
		default: return -1;
		}
		if (end[1] != '\0')
			return -1;
		*out = now - v;
		return 0;
	}
	/* "HH:MM[:SS]": that time today, local. */
	if ((len == 5 || len == 8) && digits(s, 2, &h) && s[2] == ':' &&
	    digits(s + 3, 2, &mi) &&
	    (len == 5 || (s[5] == ':' && digits(s + 6, 2, &sec)))) {
		if (localtime_r(&t, &tm) == NULL || h > 23 || mi > 59 ||
		    sec > 60)
			return -1;
		tm.tm_hour = h;
		tm.tm_min = mi;
		tm.tm_sec = sec;
		tm.tm_isdst = -1;
		*out = (int64_t)mktime(&tm);
		return 0;
	}
	if ((n = datetime(s, len, &tm, true)) == 0)
		return -1;
	if (n == 10 && len == 10) {
		*out = (int64_t)mktime(&tm);
		return 0;
	}
	return finish(s, len, n, &tm, false, out) == len ? 0 : -1;
}
