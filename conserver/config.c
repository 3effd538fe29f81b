/* config.c — load and validate ipmuxd's libconfig file (globals, profiles, consoles, ACLs) and answer ACL questions. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <libconfig.h>
#include <limits.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "config.h"
#include "sol.h"

/*
 * A console's cipher override when it has none. Not -1: that is
 * SOL_CIPHER_AUTO, which a console may set over a profile's fixed suite.
 */

#define CFG_NAME_MAX 64
#define PERM_ALL (PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN)

/* Largest password / Kg files worth reading: 20 bytes (40 hex digits plus
 * "0x" for a Kg) and a CRLF. Checked by size only; contents are read by the
 * daemon at session start. */
#define PW_FILE_MAX (20 + 2)
#define KG_FILE_MAX (2 + 40 + 2)

/* Text of one source file, kept to double-check integer literals. */
struct srctext {
	char *file;
	char *text;
};

struct loader {
	const char *path;		/* the main file, as given */
	char *dir;			/* its directory, absolute */
	char *err;
	size_t errlen;
	struct ipmux_config *c;
	struct srctext *texts;
	size_t ntexts;
};

static const char *const top_keys[] = {
	"ipmux", "profiles", "consoles", "acls", NULL
};
static const char *const global_keys[] = {
	"socket", "socket_group", "logdir", "statedir", "scrollback",
	"client_buffer", "log_timestamps", "log_rotate_size", "log_rotate_age",
	"log_retain", "log_compress", "backoff_min", "backoff_max",
	"backoff_reset", "max_handshakes", "dead_time", "keepalive",
	"sensor_poll", "sel_poll", "sensor_log", "sel_log", "poll_rate",
	"trusted_uid", "metrics_file", NULL
};
static const char *const profile_keys[] = {
	"name", "user", "password_file", "kg_file", "cipher",
	"allow_weak_cipher", "privilege", "workarounds", "steal", NULL
};
static const char *const console_keys[] = {
	"name", "host", "profile", "group", "tags", "cipher", "workarounds",
	"steal", NULL
};
static const char *const acl_keys[] = { "who", "what", "perms", NULL };

/* ---- errors ---- */

static int
lerr(struct loader *l, const config_setting_t *s, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* libconfig names an @include'd file as written, relative to the include
 * directory (the main file's); make it a path that works from anywhere. */
static const char *
src_path(const struct loader *l, const char *file, char *buf, size_t len)
{
	if (file[0] == '/' || strcmp(file, l->path) == 0 || l->dir == NULL)
		return file;
	snprintf(buf, len, "%s/%s", l->dir, file);
	return buf;
}

/* "FILE:LINE: message" (or "FILE: message" without a setting); returns -1
 * so callers can `return lerr(...)`. */
static int
lerr(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
	char msg[768], fbuf[PATH_MAX];
	const char *file = l->path;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (l->err == NULL || l->errlen == 0)
		return -1;
	if (s != NULL && config_setting_source_file(s) != NULL)
		file = src_path(l, config_setting_source_file(s), fbuf,
		    sizeof(fbuf));
	if (s != NULL)
		snprintf(l->err, l->errlen, "%s:%u: %s", file,
		    config_setting_source_line(s), msg);
	else
		snprintf(l->err, l->errlen, "%s: %s", file, msg);
	return -1;
}

/* Unknown keys are errors at every level; the message lists the valid ones
 * so a typo is a one-look fix. */
static int
check_keys(struct loader *l, const config_setting_t *grp,
	   const char *const *allowed, const char *where)
{
	char list[512];
	size_t used = 0;
	int i, j, n = config_setting_length(grp);

	for (i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(grp, i);
		const char *name = config_setting_name(s);

		for (j = 0; allowed[j] != NULL; j++)
			if (name != NULL && strcmp(name, allowed[j]) == 0)
				break;
		if (allowed[j] != NULL)
			continue;
		list[0] = '\0';
		for (j = 0; allowed[j] != NULL && used < sizeof(list); j++)
			used += (size_t)snprintf(list + used, sizeof(list) - used,
			    "%s%s", j > 0 ? ", " : "", allowed[j]);
		return lerr(l, s, "unknown key '%s' in %s (allowed: %s)",
		    name != NULL ? name : "?", where, list);
	}
	return 0;
}

/* ---- integer literals ---- */

/* The text of file, read once. NULL if unreadable (the check is skipped). */
static const char *
src_text(struct loader *l, const char *file)
{
	struct srctext *t;
	char fbuf[PATH_MAX];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, len = 0, n;
	size_t i;

	for (i = 0; i < l->ntexts; i++)
		if (strcmp(l->texts[i].file, file) == 0)
			return l->texts[i].text;
	if ((f = fopen(src_path(l, file, fbuf, sizeof(fbuf)), "r")) == NULL)
		return NULL;
	for (;;) {
		if (len + 4096 + 1 > cap) {
			char *nb = realloc(buf, cap = len + 65536);

			if (nb == NULL)
				break;
			buf = nb;
		}
		if ((n = fread(buf + len, 1, cap - len - 1, f)) == 0)
			break;
		len += n;
	}
	fclose(f);
	if (buf == NULL || (t = realloc(l->texts,
	    (l->ntexts + 1) * sizeof(*t))) == NULL) {
		free(buf);
		return NULL;
	}
	buf[len] = '\0';
	l->texts = t;
	t[l->ntexts].file = strdup(file);
	t[l->ntexts].text = buf;
	if (t[l->ntexts].file == NULL) {
		free(buf);
		return NULL;
	}
	return t[l->ntexts++].text;
}

static bool
hex_literal(const char *q)
{
	if (*q == '-' || *q == '+')
		q++;
	return q[0] == '0' && (q[1] == 'x' || q[1] == 'X');
}

/*
 * libconfig 1.5 silently wraps decimal integers above 2^31-1 that lack an
 * L suffix (5000000000 reads as 705032704). Re-read the literal from the
 * source line and compare: a mismatch means the value was mangled.
 * Returns false only when a mangled literal was found.
 */
static bool
int_literal_ok(struct loader *l, const config_setting_t *s, long long v,
	       char *lit, size_t litlen)
{
	const char *file = config_setting_source_file(s);
	const char *name = config_setting_name(s);
	const char *t, *p, *eol;
	unsigned line = config_setting_source_line(s);
	size_t nlen;

	if (config_setting_type(s) != CONFIG_TYPE_INT || name == NULL)
		return true;
	if ((t = src_text(l, file != NULL ? file : l->path)) == NULL)
		return true;
	for (; line > 1 && t != NULL; line--)
		if ((t = strchr(t, '\n')) != NULL)
			t++;
	if (t == NULL)
		return true;
	eol = t + strcspn(t, "\n");
	nlen = strlen(name);
	for (p = t; (p = strstr(p, name)) != NULL && p < eol; p += nlen) {
		const char *q = p + nlen;
		char *end;
		long long parsed;

		if (p > t && (isalnum((unsigned char)p[-1]) || p[-1] == '_'))
			continue;
		q += strspn(q, " \t");
		if (*q != '=' && *q != ':')
			continue;
		q++;
		q += strspn(q, " \t");
		if (q >= eol)
			return true;
		/* Decimal unless 0x: libconfig has no octal. */
		errno = 0;
		parsed = strtoll(q, &end, hex_literal(q) ? 16 : 10);
		if (end == q)
			return true;
		snprintf(lit, litlen, "%.*s", (int)(end - q), q);
		return errno == 0 && parsed == v;
	}
	return true;
}

/* ---- typed getters: 1 found, 0 absent, -1 error ---- */

static const char *
type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP: return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64: return "an integer";
	case CONFIG_TYPE_FLOAT: return "a float";
	case CONFIG_TYPE_STRING: return "a string";
	case CONFIG_TYPE_BOOL: return "a boolean";
	case CONFIG_TYPE_ARRAY: return "an array";
	case CONFIG_TYPE_LIST: return "a list";
	default: return "nothing";
	}
}

static int
get_str(struct loader *l, const config_setting_t *grp, const char *key,
	const char *what, bool required, const char **out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	*out = NULL;
	if (s == NULL) {
		if (required)
			return lerr(l, grp, "%s is missing required key '%s'",
			    what, key);
		return 0;
	}
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return lerr(l, s, "%s must be a string, not %s", key,
		    type_name(s));
	*out = config_setting_get_string(s);
	return 1;
}

/* A copy of a string setting; absent leaves *out alone. */
static int
dup_str(struct loader *l, const config_setting_t *grp, const char *key,
	const char *what, bool required, char **out)
{
	const char *v;
	int r = get_str(l, grp, key, what, required, &v);

	if (r <= 0)
		return r;
	if (*v == '\0')
		return lerr(l, config_setting_get_member(grp, key),
		    "%s must not be empty", key);
	free(*out);
	if ((*out = strdup(v)) == NULL)
		return lerr(l, grp, "out of memory");
	return 1;
}

static int
get_int(struct loader *l, const config_setting_t *grp, const char *key,
	long long min, long long max, long long *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	char lit[64] = "";
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return lerr(l, s, "%s must be an integer from %lld to %lld, "
		    "not %s", key, min, max, type_name(s));
	v = config_setting_get_int64(s);
	if (!int_literal_ok(l, s, v, lit, sizeof(lit)))
		return lerr(l, s, "%s: %s does not fit in 32 bits; write it "
		    "with an L suffix (%sL)", key, lit, lit);
	if (v < min || v > max)
		return lerr(l, s, "%s must be an integer from %lld to %lld, "
		    "not %lld", key, min, max, v);
	*out = v;
	return 1;
}

/* Bytes: an integer, or a string with a binary K/M/G/T suffix ("64M"). */
static int
get_size(struct loader *l, const config_setting_t *grp, const char *key,
	 unsigned long long min, unsigned long long max,
	 unsigned long long *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	unsigned long long v, mul = 1;
	const char *str, *p;
	char *end;
	long long iv;
	int r;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING) {
		if ((r = get_int(l, grp, key, 0, LLONG_MAX, &iv)) < 0)
			return r;
		v = (unsigned long long)iv;
		goto range;
	}
	str = config_setting_get_string(s);
	if (!isdigit((unsigned char)*str))
		goto bad;
	errno = 0;
	v = strtoull(str, &end, 10);
	p = end;
	if (errno != 0)
		goto bad;
	switch (toupper((unsigned char)*p)) {
	case 'K': mul = 1ULL << 10; p++; break;
	case 'M': mul = 1ULL << 20; p++; break;
	case 'G': mul = 1ULL << 30; p++; break;
	case 'T': mul = 1ULL << 40; p++; break;
	default: break;
	}
	if (*p != '\0' || (v != 0 && mul > ULLONG_MAX / v))
		goto bad;
	v *= mul;
range:
	if (v < min || v > max)
		return lerr(l, s, "%s must be from %llu to %llu bytes, not %llu",
		    key, min, max, v);
	*out = v;
	return 1;
bad:
	return lerr(l, s, "%s must be a size in bytes: an integer or a string "
	    "such as \"256K\", \"64M\", \"1G\"", key);
}

static int
get_bool(struct loader *l, const config_setting_t *grp, const char *key,
	 bool *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return lerr(l, s, "%s must be true or false, not %s", key,
		    type_name(s));
	*out = config_setting_get_bool(s) != 0;
	return 1;
}

/* One of a fixed set of words; *out gets its index. */
static int
get_word(struct loader *l, const config_setting_t *grp, const char *key,
	 const char *const *words, const char *choices, int *out)
{
	const config_setting_t *s = config_setting_get_member(grp, key);
	const char *v;
	int i;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) != CONFIG_TYPE_STRING)
		return lerr(l, s, "%s must be one of %s, not %s", key, choices,
		    type_name(s));
	v = config_setting_get_string(s);
	for (i = 0; words[i] != NULL; i++) {
		if (strcasecmp(v, words[i]) == 0) {
			*out = i;
			return 1;
		}
	}
	return lerr(l, s, "%s must be one of %s, not \"%s\"", key, choices,
	    v);
}

/* ---- names and paths ---- */

/* Console names become log file names: [A-Za-z0-9._-], no leading '.'. */
static bool
name_ok(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CFG_NAME_MAX || s[0] == '.')
		return false;
	return strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") == n;
}

static int
get_name(struct loader *l, const config_setting_t *grp, const char *key,
	 const char *what, bool required, char **out)
{
	int r = dup_str(l, grp, key, what, required, out);

	if (r <= 0)
		return r;
	/* Only console names become file names, but one rule for all
	 * names keeps them easy to quote, log and type. */
	if (!name_ok(*out))
		return lerr(l, config_setting_get_member(grp, key),
		    "%s name '%s' is not %s: use at most %d of A-Z a-z 0-9 "
		    ". _ - (not starting with '.')", what, *out,
		    strcmp(what, "console") == 0 ? "safe as a file name" :
		    "valid", CFG_NAME_MAX);
	return 1;
}

/* Relative paths are taken from the config file's directory, so the daemon
 * may chdir and a test may keep everything in one temporary directory. */
static int
get_path(struct loader *l, const config_setting_t *grp, const char *key,
	 bool required, const char *what, char **out)
{
	char *abs;
	int r = dup_str(l, grp, key, what, required, out);

	if (r <= 0 || (*out)[0] == '/')
		return r;
	if (asprintf(&abs, "%s/%s", l->dir, *out) < 0)
		return lerr(l, grp, "out of memory");
	free(*out);
	*out = abs;
	return 1;
}

/* Password and Kg files: present, regular, ours, private, plausible size.
 * stat only: secrets are read when a session starts, never here. */
static int
check_secret_file(struct loader *l, const config_setting_t *s,
		  const char *what, const char *path, off_t maxsize)
{
	struct stat st;

	if (stat(path, &st) != 0) {
		if (errno == ENOENT)
			return lerr(l, s, "%s %s does not exist", what, path);
		return lerr(l, s, "%s %s: %s", what, path, strerror(errno));
	}
	if (!S_ISREG(st.st_mode))
		return lerr(l, s, "%s %s is not a regular file", what, path);
	if ((st.st_mode & 077) != 0)
		return lerr(l, s, "%s %s is mode %04o; it must not be readable "
		    "by group or others", what, path,
		    (unsigned)(st.st_mode & 07777));
	if (st.st_uid != geteuid())
		return lerr(l, s, "%s %s is owned by uid %u; it must belong to "
		    "the daemon's user (uid %u)", what, path,
		    (unsigned)st.st_uid, (unsigned)geteuid());
	if (st.st_size > maxsize)
		return lerr(l, s, "%s %s is %lld bytes, too long for IPMI "
		    "(at most %lld)", what, path, (long long)st.st_size,
		    (long long)maxsize);
	return 0;
}

/* An IPv6 literal, optionally with a "%scope" (fe80::1%eth0). */
static bool
v6_ok(const char *s, size_t len)
{
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 1];
	const char *pct = memchr(s, '%', len);
	size_t alen = pct != NULL ? (size_t)(pct - s) : len;

	if (alen == 0 || alen >= sizeof(buf))
		return false;
	if (pct != NULL && (len - alen < 2 || len - alen > 16))
		return false;
	memcpy(buf, s, alen);
	buf[alen] = '\0';
	return inet_pton(AF_INET6, buf, &a6) == 1;
}

/*
 * "addr", "addr:port", "[v6]" or "[v6]:port"; a bare IPv6 address (two or
 * more colons) takes the default port. Returns NULL or why it is bad.
 */
static const char *
parse_host(const char *s, char **host, uint16_t *port)
{
	static const char hostchars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "abcdefghijklmnopqrstuvwxyz0123456789.-_";
	const char *h = s, *p = NULL, *colon, *rb;
	size_t hlen;
	char *end;
	unsigned long v;

	*port = 623;
	if (s[0] == '[') {
		if ((rb = strchr(s, ']')) == NULL)
			return "'[' without ']'";
		h = s + 1;
		hlen = (size_t)(rb - h);
		if (rb[1] == ':')
			p = rb + 2;
		else if (rb[1] != '\0')
			return "expected ':port' after ']'";
		if (!v6_ok(h, hlen))
			return "bad IPv6 address in [ ]";
	} else if ((colon = strchr(s, ':')) != NULL &&
	    strchr(colon + 1, ':') != NULL) {
		hlen = strlen(s);
		if (!v6_ok(s, hlen))
			return "not an IPv6 address (write [addr]:port to "
			    "give a port)";
	} else {
		hlen = colon != NULL ? (size_t)(colon - s) : strlen(s);
		if (colon != NULL)
			p = colon + 1;
		if (hlen == 0 || strspn(s, hostchars) != hlen)
			return "not a host name or address";
	}
	if (p != NULL) {
		errno = 0;
		v = isdigit((unsigned char)*p) ? strtoul(p, &end, 10) : 0;
		if (!isdigit((unsigned char)*p) || *end != '\0' || errno != 0 ||
		    v < 1 || v > 65535)
			return "port must be 1-65535";
		*port = (uint16_t)v;
	}
	if ((*host = strndup(h, hlen)) == NULL)
		return "out of memory";
	return NULL;
}

/* ---- the ipmux = { } group ---- */

static void
global_defaults(struct cfg_global *g)
{
	g->scrollback = 1u << 20;
	g->client_buffer = 256u << 10;
	g->log_timestamps = LOG_TS_OFF;
	g->log_rotate_size = 64ull << 20;
	g->log_rotate_age = 0;
	g->log_retain = 10;
	g->log_compress = LOG_COMPRESS_ZSTD;
	g->backoff_min_ms = 1000;
	g->backoff_max_ms = 300000;
	g->backoff_reset_ms = 60000;
	g->max_handshakes = 64;
	g->dead_ms = 45000;
	g->keepalive_ms = 15000;
	g->sensor_poll_ms = 60000;
	g->sel_poll_ms = 60000;
	g->sensor_log = false;
	g->sel_log = true;
	g->poll_rate = 20;
	g->trusted_uid = -1;
}

static int
global_strings(struct loader *l, const config_setting_t *grp)
{
	struct cfg_global *g = &l->c->g;

	if (get_path(l, grp, "socket", false, "ipmux", &g->socket) < 0 ||
	    dup_str(l, grp, "socket_group", "ipmux", false,
	    &g->socket_group) < 0 ||
	    get_path(l, grp, "logdir", false, "ipmux", &g->logdir) < 0 ||
	    get_path(l, grp, "statedir", false, "ipmux", &g->statedir) < 0 ||
	    get_path(l, grp, "metrics_file", false, "ipmux",
	    &g->metrics_file) < 0)
		return -1;
	if (strlen(g->socket) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return lerr(l, config_setting_get_member(grp, "socket"),
		    "socket path %s is too long for a Unix socket (at most "
		    "%zu bytes)", g->socket,
		    sizeof(((struct sockaddr_un *)0)->sun_path) - 1);
	return 0;
}

static int
global_sizes(struct loader *l, const config_setting_t *grp)
{
	static const char *const ts[] = { "off", "iso8601", NULL };
	static const char *const comp[] = { "none", "zstd", "gzip", NULL };
	struct cfg_global *g = &l->c->g;
	unsigned long long u;
	long long v;
	int w, r;

	if ((r = get_size(l, grp, "scrollback", 4096, 1ull << 30, &u)) < 0)
		return -1;
	if (r > 0)
		g->scrollback = (size_t)u;
	if ((r = get_size(l, grp, "client_buffer", 4096, 1ull << 30, &u)) < 0)
		return -1;
	if (r > 0)
		g->client_buffer = (size_t)u;
	if ((r = get_size(l, grp, "log_rotate_size", 0, 1ull << 50, &u)) < 0)
		return -1;
	if (r > 0)
		g->log_rotate_size = u;
	if ((r = get_int(l, grp, "log_rotate_age", 0, UINT32_MAX, &v)) < 0)
		return -1;
	if (r > 0)
		g->log_rotate_age = (uint32_t)v;
	if ((r = get_int(l, grp, "log_retain", 0, 100000, &v)) < 0)
		return -1;
	if (r > 0)
		g->log_retain = (unsigned)v;
	if ((r = get_word(l, grp, "log_timestamps", ts,
	    "\"off\", \"iso8601\"", &w)) < 0)
		return -1;
	if (r > 0)
		g->log_timestamps = w == 1 ? LOG_TS_ISO8601 : LOG_TS_OFF;
	if ((r = get_word(l, grp, "log_compress", comp,
	    "\"zstd\", \"gzip\", \"none\"", &w)) < 0)
		return -1;
	if (r > 0)
		g->log_compress = w == 1 ? LOG_COMPRESS_ZSTD :
		    w == 2 ? LOG_COMPRESS_GZIP : LOG_COMPRESS_NONE;
	return 0;
}

/* An integer setting into a uint32_t field; absent keeps the default. */
static int
get_u32(struct loader *l, const config_setting_t *grp, const char *key,
	long long min, long long max, uint32_t *out)
{
	long long v;
	int r = get_int(l, grp, key, min, max, &v);

	if (r > 0)
		*out = (uint32_t)v;
	return r;
}

static int
global_timing(struct loader *l, const config_setting_t *grp)
{
	struct cfg_global *g = &l->c->g;
	const long long day = 86400000;
	long long v;
	int r, ka;

	if (get_u32(l, grp, "backoff_min", 1, day, &g->backoff_min_ms) < 0 ||
	    get_u32(l, grp, "backoff_max", 1, day, &g->backoff_max_ms) < 0 ||
	    get_u32(l, grp, "backoff_reset", 0, day, &g->backoff_reset_ms) < 0)
		return -1;
	if (g->backoff_max_ms < g->backoff_min_ms)
		return lerr(l, config_setting_get_member(grp,
		    config_setting_get_member(grp, "backoff_max") != NULL ?
		    "backoff_max" : "backoff_min"),
		    "backoff_max (%" PRIu32 " ms) must not be below backoff_min "
		    "(%" PRIu32 " ms)", g->backoff_max_ms, g->backoff_min_ms);
	if ((r = get_int(l, grp, "max_handshakes", 1, 100000, &v)) < 0)
		return -1;
	if (r > 0)
		g->max_handshakes = (unsigned)v;
	if (get_u32(l, grp, "dead_time", 1000, 3600000, &g->dead_ms) < 0 ||
	    (ka = get_u32(l, grp, "keepalive", 100, 3600000,
	    &g->keepalive_ms)) < 0)
		return -1;
	/* An unset keepalive follows a short dead_time down, so setting
	 * dead_time alone (as tests do) is enough. */
	if (ka == 0 && g->keepalive_ms > g->dead_ms / 3)
		g->keepalive_ms = g->dead_ms / 3;
	if (ka > 0 && g->keepalive_ms >= g->dead_ms)
		return lerr(l, config_setting_get_member(grp, "keepalive"),
		    "keepalive (%" PRIu32 " ms) must be shorter than dead_time "
		    "(%" PRIu32 " ms)", g->keepalive_ms, g->dead_ms);
	if ((r = get_int(l, grp, "sensor_poll", 0, day, &v)) < 0)
		return -1;
	if (r > 0 && v != 0 && v < 1000)
		return lerr(l, config_setting_get_member(grp, "sensor_poll"),
		    "sensor_poll must be 0 (off) or at least 1000 ms");
	if (r > 0)
		g->sensor_poll_ms = (uint32_t)v;
	return 0;
}

/* Management polling: intervals, the fleet-wide rate, the data logs. */
static int
global_polling(struct loader *l, const config_setting_t *grp)
{
	struct cfg_global *g = &l->c->g;
	const long long day = 86400000;
	long long v;
	int r;

	if ((r = get_int(l, grp, "sel_poll", 0, day, &v)) < 0)
		return -1;
	if (r > 0 && v != 0 && v < 1000)
		return lerr(l, config_setting_get_member(grp, "sel_poll"),
		    "sel_poll must be 0 (off) or at least 1000 ms");
	if (r > 0)
		g->sel_poll_ms = (uint32_t)v;
	if ((r = get_int(l, grp, "poll_rate", 1, 100000, &v)) < 0)
		return -1;
	if (r > 0)
		g->poll_rate = (unsigned)v;
	if (get_bool(l, grp, "sensor_log", &g->sensor_log) < 0 ||
	    get_bool(l, grp, "sel_log", &g->sel_log) < 0)
		return -1;
	return 0;
}

/* A uid, -1 for none, or a user name looked up now. */
static int
global_trusted(struct loader *l, const config_setting_t *grp)
{
	const config_setting_t *s = config_setting_get_member(grp,
	    "trusted_uid");
	const struct passwd *pw;
	long long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		pw = getpwnam(config_setting_get_string(s));
		if (pw == NULL)
			return lerr(l, s, "trusted_uid: no such user '%s'",
			    config_setting_get_string(s));
		l->c->g.trusted_uid = (long)pw->pw_uid;
		return 0;
	}
	if (get_int(l, grp, "trusted_uid", -1, INT_MAX, &v) < 0)
		return -1;
	l->c->g.trusted_uid = (long)v;
	return 0;
}

static int
parse_global(struct loader *l, const config_setting_t *root)
{
	struct cfg_global *g = &l->c->g;
	const config_setting_t *grp = config_setting_get_member(root, "ipmux");

	global_defaults(g);
	if ((g->socket = strdup("/run/ipmux/ipmux.sock")) == NULL ||
	    (g->logdir = strdup("/var/log/ipmux")) == NULL ||
	    (g->statedir = strdup("/var/lib/ipmux")) == NULL)
		return lerr(l, NULL, "out of memory");
	if (grp == NULL)
		return 0;
	if (!config_setting_is_group(grp))
		return lerr(l, grp, "ipmux must be a group { ... }, not %s",
		    type_name(grp));
	if (check_keys(l, grp, global_keys, "ipmux") < 0 ||
	    global_strings(l, grp) < 0 || global_sizes(l, grp) < 0 ||
	    global_timing(l, grp) < 0 || global_polling(l, grp) < 0 ||
	    global_trusted(l, grp) < 0)
		return -1;
	return 0;
}

/* ---- settings shared by profiles and consoles ---- */

/* "auto", 17, 3, 0-2, as an integer or a string of digits. weak_ok tells
 * whether suites 0-2 (no or weak integrity/encryption) are allowed. */
static int
get_cipher(struct loader *l, const config_setting_t *grp, bool weak_ok,
	   int *out)
{
	const config_setting_t *s = config_setting_get_member(grp, "cipher");
	const char *str;
	char *end;
	long v;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_INT) {
		v = config_setting_get_int(s);
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		str = config_setting_get_string(s);
		if (strcasecmp(str, "auto") == 0) {
			*out = SOL_CIPHER_AUTO;
			return 1;
		}
		errno = 0;
		v = strtol(str, &end, 10);
		if (end == str || *end != '\0' || errno != 0)
			v = -1;
	} else {
		v = -1;
	}
	if (v != 17 && v != 3 && (v < 0 || v > 2))
		return lerr(l, s, "cipher must be \"auto\", 17, 3, or 0, 1, 2 "
		    "(with allow_weak_cipher)");
	if (v < 3 && !weak_ok)
		return lerr(l, s, "cipher %ld is weak; set allow_weak_cipher = "
		    "true in the profile to use it", v);
	*out = (int)v;
	return 1;
}

/* workarounds = "a,b" or ["a", "b"], added to SOL_Q_DEFAULT ("none"
 * clears what comes before it), as ipmux-solcat's -W does. */
static int
get_quirks(struct loader *l, const config_setting_t *grp, uint32_t *out)
{
	const config_setting_t *s = config_setting_get_member(grp,
	    "workarounds");
	const config_setting_t *e;
	const char *bad, *str;
	char list[1024] = "default";
	size_t used = strlen(list);
	int i, n;

	if (s == NULL)
		return 0;
	if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		str = config_setting_get_string(s);
		/* "" adds nothing: the defaults stand. */
		if (str[strspn(str, " \t")] != '\0')
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, ",%s", str);
	} else if (config_setting_is_array(s) || config_setting_is_list(s)) {
		n = config_setting_length(s);
		for (i = 0; i < n && used < sizeof(list); i++) {
			e = config_setting_get_elem(s, (unsigned)i);
			if (config_setting_type(e) != CONFIG_TYPE_STRING)
				goto type;
			used += (size_t)snprintf(list + used,
			    sizeof(list) - used, ",%s",
			    config_setting_get_string(e));
		}
	} else {
		goto type;
	}
	if (used >= sizeof(list))
		return lerr(l, s, "workarounds: list too long");
	if (sol_quirks_parse(list, out, &bad) != 0)
		return lerr(l, s, "unknown workaround '%.*s' (known: authcap, "
		    "intel20, supermicro20, sun20, opensesspriv, "
		    "integritycheckvalue, nochecksumcheck, solpayloadsize, "
		    "solport, solstatus, solchannelsupport, "
		    "serialalertsdeferred, solpacketseq, default, none)",
		    bad != NULL ? (int)strcspn(bad, ",") : 0,
		    bad != NULL ? bad : "");
	return 1;
type:
	return lerr(l, s, "workarounds must be a string \"a,b\" or a list of "
	    "strings");
}

static int
get_steal(struct loader *l, const config_setting_t *grp, int *out)
{
	static const char *const words[] = { "steal", "fail", NULL };
	int w, r = get_word(l, grp, "steal", words, "\"steal\", \"fail\"", &w);

	if (r > 0)
		*out = w == 0 ? SOL_STEAL : SOL_FAIL;
	return r;
}

/* ---- profiles ---- */

static int
parse_profile(struct loader *l, const config_setting_t *grp,
	      struct cfg_profile *p)
{
	static const char *const privs[] = { "user", "operator", "admin",
	    NULL };
	const char *user;
	int r, w;

	p->line = (int)config_setting_source_line(grp);
	p->cipher = SOL_CIPHER_AUTO;
	p->privilege = SOL_PRIV_ADMIN;
	p->quirks = SOL_Q_DEFAULT;
	p->steal = SOL_STEAL;
	if (!config_setting_is_group(grp))
		return lerr(l, grp, "each entry of profiles must be a group "
		    "{ ... }, not %s", type_name(grp));
	if (check_keys(l, grp, profile_keys, "profile") < 0 ||
	    get_name(l, grp, "name", "profile", true, &p->name) < 0)
		return -1;
	if (get_str(l, grp, "user", "profile", true, &user) < 0)
		return -1;
	/* The empty user name is IPMI's anonymous login. */
	if ((p->user = strdup(user)) == NULL)
		return lerr(l, grp, "out of memory");
	if (strlen(p->user) > 16)
		return lerr(l, config_setting_get_member(grp, "user"),
		    "user must be at most 16 bytes (IPMI limit)");
	if (get_path(l, grp, "password_file", true, "profile",
	    &p->password_file) < 0 ||
	    check_secret_file(l, config_setting_get_member(grp,
	    "password_file"), "password file", p->password_file,
	    PW_FILE_MAX) < 0)
		return -1;
	if ((r = get_path(l, grp, "kg_file", false, "profile",
	    &p->kg_file)) < 0)
		return -1;
	if (r > 0 && check_secret_file(l, config_setting_get_member(grp,
	    "kg_file"), "Kg file", p->kg_file, KG_FILE_MAX) < 0)
		return -1;
	if (get_bool(l, grp, "allow_weak_cipher", &p->allow_weak) < 0 ||
	    get_cipher(l, grp, p->allow_weak, &p->cipher) < 0 ||
	    get_quirks(l, grp, &p->quirks) < 0 ||
	    get_steal(l, grp, &p->steal) < 0)
		return -1;
	if ((r = get_word(l, grp, "privilege", privs,
	    "\"user\", \"operator\", \"admin\"", &w)) < 0)
		return -1;
	if (r > 0)
		p->privilege = SOL_PRIV_USER + w;
	return 0;
}

static int
parse_profiles(struct loader *l, const config_setting_t *root)
{
	const config_setting_t *lst = config_setting_get_member(root,
	    "profiles");
	struct ipmux_config *c = l->c;
	size_t i, j;
	int n;

	if (lst == NULL)
		return 0;
	if (!config_setting_is_list(lst))
		return lerr(l, lst, "profiles must be a list ( { ... }, ... ), "
		    "not %s", type_name(lst));
	if ((n = config_setting_length(lst)) == 0)
		return 0;
	if ((c->profiles = calloc((size_t)n, sizeof(*c->profiles))) == NULL)
		return lerr(l, lst, "out of memory");
	c->nprofiles = (size_t)n;
	for (i = 0; i < c->nprofiles; i++) {
		const config_setting_t *e = config_setting_get_elem(lst,
		    (unsigned)i);

		if (parse_profile(l, e, &c->profiles[i]) < 0)
			return -1;
		for (j = 0; j < i; j++)
			if (strcmp(c->profiles[j].name, c->profiles[i].name)
			    == 0)
				return lerr(l, e, "duplicate profile name '%s' "
				    "(first at line %d)", c->profiles[i].name,
				    c->profiles[j].line);
	}
	return 0;
}

static const struct cfg_profile *
find_profile(const struct ipmux_config *c, const char *name)
{
	size_t i;

	for (i = 0; i < c->nprofiles; i++)
		if (strcmp(c->profiles[i].name, name) == 0)
			return &c->profiles[i];
	return NULL;
}

/* ---- consoles ---- */

/* Tags are free-form labels, but shown in listings and matched by
 * clients, so keep them to one printable word. */
static bool
tag_ok(const char *s)
{
	size_t n = strlen(s);

	return n > 0 && n <= CFG_NAME_MAX && strspn(s,
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._:=/@+-") == n;
}

static int
console_tags(struct loader *l, const config_setting_t *grp,
	     struct cfg_console *con)
{
	const config_setting_t *s = config_setting_get_member(grp, "tags");
	const config_setting_t *e;
	int i, n;

	if (s == NULL)
		return 0;
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return lerr(l, s, "tags must be a list of strings [\"a\", "
		    "\"b\"], not %s", type_name(s));
	n = config_setting_length(s);
	if (n > 0 && (con->tags = calloc((size_t)n, sizeof(char *))) == NULL)
		return lerr(l, s, "out of memory");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return lerr(l, s, "tags must be a list of strings");
		if (!tag_ok(config_setting_get_string(e)))
			return lerr(l, s, "tag '%s' must be 1-%d of A-Z a-z "
			    "0-9 . _ : = / @ + -",
			    config_setting_get_string(e), CFG_NAME_MAX);
		if ((con->tags[i] = strdup(config_setting_get_string(e)))
		    == NULL)
			return lerr(l, s, "out of memory");
		con->ntags++;
	}
	return 0;
}

static int
parse_console(struct loader *l, const config_setting_t *grp,
	      struct cfg_console *con)
{
	const config_setting_t *s;
	const char *str, *why;
	uint32_t q;
	int r;

	con->line = (int)config_setting_source_line(grp);
	con->cipher = CFG_CIPHER_INHERIT;
	con->quirks = -1;
	con->steal = -1;
	if (!config_setting_is_group(grp))
		return lerr(l, grp, "each entry of consoles must be a group "
		    "{ ... }, not %s", type_name(grp));
	if (check_keys(l, grp, console_keys, "console") < 0 ||
	    get_name(l, grp, "name", "console", true, &con->name) < 0 ||
	    get_str(l, grp, "host", "console", true, &str) < 0)
		return -1;
	s = config_setting_get_member(grp, "host");
	if ((why = parse_host(str, &con->host, &con->port)) != NULL)
		return lerr(l, s, "host \"%s\": %s", str, why);
	if (dup_str(l, grp, "profile", "console", true,
	    &con->profile_name) < 0)
		return -1;
	if ((con->profile = find_profile(l->c, con->profile_name)) == NULL)
		return lerr(l, config_setting_get_member(grp, "profile"),
		    "console '%s' names unknown profile '%s'", con->name,
		    con->profile_name);
	if (get_name(l, grp, "group", "group", false, &con->group) < 0 ||
	    console_tags(l, grp, con) < 0 ||
	    get_cipher(l, grp, con->profile->allow_weak, &con->cipher) < 0 ||
	    get_steal(l, grp, &con->steal) < 0)
		return -1;
	if ((r = get_quirks(l, grp, &q)) < 0)
		return -1;
	if (r > 0)
		con->quirks = (long)q;
	return 0;
}

/* By name, then by line, so duplicates sit together in file order. */
static int
console_cmp(const void *a, const void *b)
{
	const struct cfg_console *x = a, *y = b;
	int r = strcmp(x->name, y->name);

	return r != 0 ? r : (x->line > y->line) - (x->line < y->line);
}

/*
 * Consoles are kept sorted by name: config_console() is a binary search,
 * which a reload of 10,000 consoles (one lookup each) needs. Of several
 * duplicates, report the one earliest in the file.
 */
static int
sort_consoles(struct loader *l, const config_setting_t *lst)
{
	struct ipmux_config *c = l->c;
	const struct cfg_console *dup = NULL;
	size_t i;

	if (c->nconsoles < 2)
		return 0;
	qsort(c->consoles, c->nconsoles, sizeof(*c->consoles), console_cmp);
	for (i = 1; i < c->nconsoles; i++) {
		if (strcmp(c->consoles[i - 1].name, c->consoles[i].name) != 0)
			continue;
		if (dup == NULL || c->consoles[i].line < dup->line)
			dup = &c->consoles[i];
	}
	if (dup == NULL)
		return 0;
	/* Find the group setting for the file name (includes). */
	for (i = 0; i < (size_t)config_setting_length(lst); i++) {
		const config_setting_t *e = config_setting_get_elem(lst,
		    (unsigned)i);

		if ((int)config_setting_source_line(e) == dup->line)
			break;
	}
	return lerr(l, config_setting_get_elem(lst, (unsigned)i),
	    "duplicate console name '%s' (first at line %d)", dup->name,
	    (dup - 1)->line);
}

static int
parse_consoles(struct loader *l, const config_setting_t *root)
{
	const config_setting_t *lst = config_setting_get_member(root,
	    "consoles");
	struct ipmux_config *c = l->c;
	size_t i;
	int n;

	if (lst == NULL)
		return 0;
	if (!config_setting_is_list(lst))
		return lerr(l, lst, "consoles must be a list ( { ... }, ... ), "
		    "not %s", type_name(lst));
	if ((n = config_setting_length(lst)) == 0)
		return 0;
	if ((c->consoles = calloc((size_t)n, sizeof(*c->consoles))) == NULL)
		return lerr(l, lst, "out of memory");
	c->nconsoles = (size_t)n;
	for (i = 0; i < c->nconsoles; i++)
		if (parse_console(l, config_setting_get_elem(lst, (unsigned)i),
		    &c->consoles[i]) < 0)
			return -1;
	return sort_consoles(l, lst);
}

/* ---- ACLs ---- */

static bool
group_used(const struct ipmux_config *c, const char *group)
{
	size_t i;

	for (i = 0; i < c->nconsoles; i++)
		if (c->consoles[i].group != NULL &&
		    strcmp(c->consoles[i].group, group) == 0)
			return true;
	return false;
}

static int
acl_perm_word(struct loader *l, const config_setting_t *s, const char *w,
	      unsigned *perms)
{
	static const struct {
		const char *name;
		unsigned bits;
	} words[] = {
		{ "read", PERM_READ }, { "write", PERM_WRITE },
		{ "power", PERM_POWER }, { "admin", PERM_ADMIN },
		{ "all", PERM_ALL },
	};
	size_t i;

	for (i = 0; i < sizeof(words) / sizeof(words[0]); i++) {
		if (strcmp(w, words[i].name) == 0) {
			*perms |= words[i].bits;
			return 0;
		}
	}
	return lerr(l, s, "unknown permission '%s' (allowed: read, write, "
	    "power, admin, all)", w);
}

static int
acl_perms(struct loader *l, const config_setting_t *grp, unsigned *perms)
{
	const config_setting_t *s = config_setting_get_member(grp, "perms");
	const config_setting_t *e;
	int i, n;

	if (s == NULL)
		return lerr(l, grp, "acl is missing required key 'perms'");
	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return acl_perm_word(l, s, config_setting_get_string(s), perms);
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return lerr(l, s, "perms must be a list of strings such as "
		    "[\"read\", \"write\"], not %s", type_name(s));
	if ((n = config_setting_length(s)) == 0)
		return lerr(l, s, "perms must not be empty");
	for (i = 0; i < n; i++) {
		e = config_setting_get_elem(s, (unsigned)i);
		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return lerr(l, s, "perms must be a list of strings");
		if (acl_perm_word(l, s, config_setting_get_string(e),
		    perms) < 0)
			return -1;
	}
	return 0;
}

/* who: user, "@unixgroup" or "*"; what: console, "group:NAME" or "*". A
 * target naming nothing in this config is a typo that would silently
 * grant nothing, so it is an error. */
static int
parse_acl(struct loader *l, const config_setting_t *grp, struct cfg_acl *a)
{
	const config_setting_t *s;

	a->line = (int)config_setting_source_line(grp);
	if (!config_setting_is_group(grp))
		return lerr(l, grp, "each entry of acls must be a group "
		    "{ ... }, not %s", type_name(grp));
	if (check_keys(l, grp, acl_keys, "acl") < 0 ||
	    dup_str(l, grp, "who", "acl", true, &a->who) < 0 ||
	    dup_str(l, grp, "what", "acl", true, &a->what) < 0)
		return -1;
	s = config_setting_get_member(grp, "who");
	if (strcmp(a->who, "@") == 0 || strpbrk(a->who, " \t:") != NULL)
		return lerr(l, s, "who must be a user name, \"@group\" or "
		    "\"*\", not \"%s\"", a->who);
	s = config_setting_get_member(grp, "what");
	if (strncmp(a->what, "group:", 6) == 0) {
		if (!group_used(l->c, a->what + 6))
			return lerr(l, s, "acl names group '%s', which no "
			    "console is in", a->what + 6);
	} else if (strcmp(a->what, "*") != 0 &&
	    config_console(l->c, a->what) == NULL) {
		return lerr(l, s, "acl names unknown console '%s' (what is a "
		    "console name, \"group:NAME\" or \"*\")", a->what);
	}
	return acl_perms(l, grp, &a->perms);
}

static int
parse_acls(struct loader *l, const config_setting_t *root)
{
	const config_setting_t *lst = config_setting_get_member(root, "acls");
	struct ipmux_config *c = l->c;
	size_t i;
	int n;

	if (lst == NULL)
		return 0;
	if (!config_setting_is_list(lst))
		return lerr(l, lst, "acls must be a list ( { ... }, ... ), "
		    "not %s", type_name(lst));
	if ((n = config_setting_length(lst)) == 0)
		return 0;
	if ((c->acls = calloc((size_t)n, sizeof(*c->acls))) == NULL)
		return lerr(l, lst, "out of memory");
	c->nacls = (size_t)n;
	for (i = 0; i < c->nacls; i++)
		if (parse_acl(l, config_setting_get_elem(lst, (unsigned)i),
		    &c->acls[i]) < 0)
			return -1;
	return 0;
}

/* ---- load / free ---- */

static int
loader_init(struct loader *l, const char *path)
{
	char *copy, *slash, *real;

	if ((slash = strrchr(path, '/')) == NULL)
		copy = strdup(".");
	else
		copy = strdup(path);
	if (copy == NULL)
		return lerr(l, NULL, "out of memory");
	if ((slash = strrchr(copy, '/')) == NULL)
		;
	else if (slash == copy)
		slash[1] = '\0';
	else
		*slash = '\0';
	real = realpath(copy, NULL);
	free(copy);
	if (real == NULL)
		return lerr(l, NULL, "%s", strerror(errno));
	l->dir = real;
	return 0;
}

static void
loader_done(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->ntexts; i++) {
		free(l->texts[i].file);
		free(l->texts[i].text);
	}
	free(l->texts);
	free(l->dir);
}

static int
load_into(struct loader *l, config_t *cf)
{
	const config_setting_t *root;
	FILE *f;

	/* libconfig only says "file I/O error"; say which. */
	if ((f = fopen(l->path, "r")) == NULL)
		return lerr(l, NULL, "%s", strerror(errno));
	fclose(f);
	if (loader_init(l, l->path) < 0)
		return -1;
	config_set_include_dir(cf, l->dir);
	if (config_read_file(cf, l->path) != CONFIG_TRUE) {
		char fbuf[PATH_MAX];

		if (l->err != NULL && l->errlen > 0)
			snprintf(l->err, l->errlen, "%s:%d: %s",
			    config_error_file(cf) != NULL ?
			    src_path(l, config_error_file(cf), fbuf,
			    sizeof(fbuf)) : l->path,
			    config_error_line(cf), config_error_text(cf));
		return -1;
	}
	root = config_root_setting(cf);
	if (check_keys(l, root, top_keys, "the top level") < 0 ||
	    parse_global(l, root) < 0 || parse_profiles(l, root) < 0 ||
	    parse_consoles(l, root) < 0 || parse_acls(l, root) < 0)
		return -1;
	return 0;
}

struct ipmux_config *
config_load(const char *path, char *err, size_t errlen)
{
	struct loader l;
	config_t cf;
	int r;

	memset(&l, 0, sizeof(l));
	l.path = path;
	l.err = err;
	l.errlen = errlen;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((l.c = calloc(1, sizeof(*l.c))) == NULL ||
	    (l.c->path = strdup(path)) == NULL) {
		free(l.c);
		lerr(&l, NULL, "out of memory");
		return NULL;
	}
	config_init(&cf);
	r = load_into(&l, &cf);
	config_destroy(&cf);
	loader_done(&l);
	if (r < 0) {
		config_free(l.c);
		return NULL;
	}
	return l.c;
}

void
config_free(struct ipmux_config *c)
{
	size_t i, j;

	if (c == NULL)
		return;
	free(c->g.socket);
	free(c->g.socket_group);
	free(c->g.logdir);
	free(c->g.statedir);
	free(c->g.metrics_file);
	for (i = 0; i < c->nprofiles; i++) {
		free(c->profiles[i].name);
		free(c->profiles[i].user);
		free(c->profiles[i].password_file);
		free(c->profiles[i].kg_file);
	}
	free(c->profiles);
	for (i = 0; i < c->nconsoles; i++) {
		struct cfg_console *con = &c->consoles[i];

		free(con->name);
		free(con->host);
		free(con->profile_name);
		free(con->group);
		for (j = 0; j < con->ntags; j++)
			free(con->tags[j]);
		free(con->tags);
	}
	free(c->consoles);
	for (i = 0; i < c->nacls; i++) {
		free(c->acls[i].who);
		free(c->acls[i].what);
	}
	free(c->acls);
	free(c->path);
	free(c);
}

/* ---- queries ---- */

static int
console_key_cmp(const void *key, const void *elem)
{
	const struct cfg_console *con = elem;

	return strcmp(key, con->name);
}

const struct cfg_console *
config_console(const struct ipmux_config *c, const char *name)
{
	if (c == NULL || name == NULL || c->nconsoles == 0)
		return NULL;
	return bsearch(name, c->consoles, c->nconsoles, sizeof(*c->consoles),
	    console_key_cmp);
}

static bool
str_same(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

/* Group and tags are left out: they change no byte sent to the BMC. A
 * password changed inside the same file is read at the next reconnect. */
bool
config_console_same(const struct cfg_console *a, const struct cfg_console *b)
{
	const struct cfg_profile *pa = a->profile, *pb = b->profile;

	return str_same(a->host, b->host) && a->port == b->port &&
	    str_same(pa->user, pb->user) &&
	    str_same(pa->password_file, pb->password_file) &&
	    str_same(pa->kg_file, pb->kg_file) &&
	    pa->allow_weak == pb->allow_weak &&
	    pa->privilege == pb->privilege &&
	    config_console_cipher(a) == config_console_cipher(b) &&
	    config_console_quirks(a) == config_console_quirks(b) &&
	    config_console_steal(a) == config_console_steal(b);
}

int
config_console_cipher(const struct cfg_console *c)
{
	return c->cipher != CFG_CIPHER_INHERIT ? c->cipher : c->profile->cipher;
}

uint32_t
config_console_quirks(const struct cfg_console *c)
{
	return c->quirks >= 0 ? (uint32_t)c->quirks : c->profile->quirks;
}

int
config_console_steal(const struct cfg_console *c)
{
	return c->steal >= 0 ? c->steal : c->profile->steal;
}

static bool
acl_who_matches(const struct cfg_acl *a, const char *user,
		const char *const *groups)
{
	if (strcmp(a->who, "*") == 0)
		return true;
	if (a->who[0] == '@') {
		for (; groups != NULL && *groups != NULL; groups++)
			if (strcmp(*groups, a->who + 1) == 0)
				return true;
		return false;
	}
	return user != NULL && strcmp(a->who, user) == 0;
}

/* con NULL asks about the daemon as a whole (reload, status): only entries
 * whose what is "*" count. */
static bool
acl_what_matches(const struct cfg_acl *a, const struct cfg_console *con)
{
	if (strcmp(a->what, "*") == 0)
		return true;
	if (con == NULL)
		return false;
	if (strncmp(a->what, "group:", 6) == 0)
		return con->group != NULL && strcmp(con->group, a->what + 6) == 0;
	return strcmp(a->what, con->name) == 0;
}

unsigned
config_perms(const struct ipmux_config *c, const char *user,
	     const char *const *groups, const struct cfg_console *con)
{
	unsigned perms = 0;
	size_t i;

	if (c == NULL)
		return 0;
	if (c->nacls == 0)
		return user != NULL && strcmp(user, "root") == 0 ? PERM_ALL : 0;
	for (i = 0; i < c->nacls; i++)
		if (acl_who_matches(&c->acls[i], user, groups) &&
		    acl_what_matches(&c->acls[i], con))
			perms |= c->acls[i].perms;
	return perms;
}
