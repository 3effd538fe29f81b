/* logcat.c — "ipmux log": a console's log across the live and rotated (plain, zstd, gzip) files, filtered by time and regex. */
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>
#include <zstd.h>

#include "ipmux.h"

#define LC_CHUNK 65536
#define LC_LINE_MAX (1024 * 1024)	/* a longer "line" is cut here */
#define LC_MARKER "[ipmux "

enum lc_kind { LC_PLAIN, LC_ZSTD, LC_GZIP };

struct lc_file {
	unsigned long n;	/* rotation number; 0 is the live file */
	enum lc_kind kind;
	char *path;
	int64_t mtime;
};

struct lc {
	bool filter;		/* any of since/until/grep: work in lines */
	bool has_since, has_until, has_re;
	int64_t since, until;
	regex_t re;
	bool known;		/* cur holds a time */
	int64_t cur;		/* lower bound for the time of the next line */
	char *line;		/* a line not yet ended */
	size_t len;
	char *scratch;		/* a NUL-terminated copy for regexec */
	size_t scratch_cap;
	int status;
};

static void
lc_out(const char *p, size_t len)
{
	if (len > 0)
		fwrite(p, 1, len, stdout);
}

/* The time of this line: its own stamp (a per-line ISO-8601 stamp or an
 * ipmux marker's), else the latest one before it. */
static void
lc_line_time(struct lc *l, const char *p, size_t len)
{
	int64_t t;
	size_t m = sizeof(LC_MARKER) - 1;

	if (logtime_parse_iso(p, len, true, &t) > 0 ||
	    (len > m && memcmp(p, LC_MARKER, m) == 0 &&
	    logtime_parse_iso(p + m, len - m, true, &t) > 0)) {
		l->cur = t;
		l->known = true;
	}
}

static void
lc_line(struct lc *l, const char *p, size_t len)
{
	regmatch_t rm;
	size_t body = len;

	lc_line_time(l, p, len);
	if (l->has_since && (!l->known || l->cur < l->since))
		return;
	if (l->has_until && l->known && l->cur > l->until)
		return;
	if (l->has_re) {
		/* Match without the line end so "$" means end of line. */
		while (body > 0 && (p[body - 1] == '\n' || p[body - 1] == '\r'))
			body--;
		/* regexec wants a C string (sanitizers insist, even with
		 * REG_STARTEND, which still lets a NUL inside match). */
		if (body + 1 > l->scratch_cap) {
			char *ns = realloc(l->scratch, body + 1);

			if (ns == NULL)
				return;
			l->scratch = ns;
			l->scratch_cap = body + 1;
		}
		memcpy(l->scratch, p, body);
		l->scratch[body] = '\0';
		rm.rm_so = 0;
		rm.rm_eo = (regoff_t)body;
		if (regexec(&l->re, l->scratch, 1, &rm, REG_STARTEND) != 0)
			return;
	}
	lc_out(p, len);
}

/* Bytes of the log in order; a line may span chunks and files. */
static int
lc_feed(void *arg, const uint8_t *buf, size_t len)
{
	struct lc *l = arg;
	const char *p = (const char *)buf, *nl;
	char *nb;
	size_t take;

	if (!l->filter) {
		lc_out(p, len);
		return ferror(stdout) ? -1 : 0;
	}
	while (len > 0) {
		nl = memchr(p, '\n', len);
		take = nl != NULL ? (size_t)(nl - p) + 1 : len;
		if (l->len == 0 && nl != NULL) {
			lc_line(l, p, take);	/* whole line in the chunk */
		} else {
			if ((nb = realloc(l->line, l->len + take)) == NULL)
				return -1;
			l->line = nb;
			memcpy(l->line + l->len, p, take);
			l->len += take;
			if (nl != NULL || l->len >= LC_LINE_MAX) {
				lc_line(l, l->line, l->len);
				l->len = 0;
			}
		}
		p += take;
		len -= take;
	}
	return ferror(stdout) ? -1 : 0;
}

typedef int lc_sink(void *arg, const uint8_t *buf, size_t len);

static int
lc_cat_plain(const char *path, lc_sink *sink, void *arg, char *err,
	     size_t errlen)
{
	uint8_t buf[LC_CHUNK];
	FILE *f = fopen(path, "rb");
	size_t n;
	int rc = 0;

	if (f == NULL) {
		snprintf(err, errlen, "%s", strerror(errno));
		return -1;
	}
	while (rc == 0 && (n = fread(buf, 1, sizeof(buf), f)) > 0)
		rc = sink(arg, buf, n);
	if (rc == 0 && ferror(f)) {
		snprintf(err, errlen, "read error");
		rc = -1;
	}
	fclose(f);
	return rc;
}

/* gzread handles multi-member files and so every gzip tool's output. */
static int
lc_cat_gzip(const char *path, lc_sink *sink, void *arg, char *err,
	    size_t errlen)
{
	uint8_t buf[LC_CHUNK];
	gzFile g = gzopen(path, "rb");
	int n, rc = 0, zerr;

	if (g == NULL) {
		snprintf(err, errlen, "%s", errno ? strerror(errno) :
		    "cannot open");
		return -1;
	}
	while (rc == 0 && (n = gzread(g, buf, sizeof(buf))) > 0)
		rc = sink(arg, buf, (size_t)n);
	if (rc == 0 && n < 0) {
		snprintf(err, errlen, "gzip: %s", gzerror(g, &zerr));
		rc = -1;
	}
	gzclose(g);
	return rc;
}

static int
lc_cat_zstd(const char *path, lc_sink *sink, void *arg, char *err,
	    size_t errlen)
{
	uint8_t ibuf[LC_CHUNK], obuf[LC_CHUNK];
	ZSTD_DCtx *z = ZSTD_createDCtx();
	FILE *f = fopen(path, "rb");
	size_t n, r = 0;
	int rc = 0;

	if (z == NULL || f == NULL) {
		snprintf(err, errlen, "%s", f == NULL ? strerror(errno) :
		    "out of memory");
		rc = -1;
		goto out;
	}
	while (rc == 0 && (n = fread(ibuf, 1, sizeof(ibuf), f)) > 0) {
		ZSTD_inBuffer in = { ibuf, n, 0 };

		while (rc == 0 && in.pos < in.size) {
			ZSTD_outBuffer o = { obuf, sizeof(obuf), 0 };

			r = ZSTD_decompressStream(z, &o, &in);
			if (ZSTD_isError(r)) {
				snprintf(err, errlen, "zstd: %s",
				    ZSTD_getErrorName(r));
				rc = -1;
			} else if (o.pos > 0) {
				rc = sink(arg, obuf, o.pos);
			}
		}
	}
	/* Flush what the decoder still holds once input has run out. */
	while (rc == 0 && r != 0 && !ZSTD_isError(r)) {
		ZSTD_inBuffer in = { ibuf, 0, 0 };
		ZSTD_outBuffer o = { obuf, sizeof(obuf), 0 };

		r = ZSTD_decompressStream(z, &o, &in);
		if (ZSTD_isError(r) || o.pos == 0)
			break;
		rc = sink(arg, obuf, o.pos);
	}
	if (rc == 0 && r != 0) {
		snprintf(err, errlen, "zstd: %s", ZSTD_isError(r) ?
		    ZSTD_getErrorName(r) : "truncated file");
		rc = -1;
	}
out:
	if (f != NULL)
		fclose(f);
	ZSTD_freeDCtx(z);
	return rc;
}

/* NAME.log, or NAME.log.N[.zst|.gz]: fills *fp, returns 0; else -1. */
static int
lc_match(const char *name, const char *ent, struct lc_file *fp)
{
	size_t nl = strlen(name);
	const char *p;
	char *end;

	if (strncmp(ent, name, nl) != 0 || strncmp(ent + nl, ".log", 4) != 0)
		return -1;
	p = ent + nl + 4;
	memset(fp, 0, sizeof(*fp));
	if (*p == '\0')
		return 0;
	if (p[0] != '.' || p[1] < '1' || p[1] > '9')
		return -1;
	fp->n = strtoul(p + 1, &end, 10);
	if (*end == '\0')
		fp->kind = LC_PLAIN;
	else if (strcmp(end, ".zst") == 0)
		fp->kind = LC_ZSTD;
	else if (strcmp(end, ".gz") == 0)
		fp->kind = LC_GZIP;
	else
		return -1;
	return 0;
}

/* Oldest first: highest rotation number first, the live file last; for
 * one number, plain before compressed (see lc_list). */
static int
lc_cmp(const void *a, const void *b)
{
	const struct lc_file *x = a, *y = b;

	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return (int)x->kind - (int)y->kind;
}

static int
lc_list(const char *dir, const char *name, struct lc_file **out,
	size_t *count)
{
	struct lc_file *v = NULL, f, *nv;
	size_t n = 0, i, k;
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	*out = NULL;
	*count = 0;
	if (d == NULL) {
		ipmux_err("%s: %s", dir, strerror(errno));
		return -1;
	}
	while ((de = readdir(d)) != NULL) {
		if (lc_match(name, de->d_name, &f) != 0)
			continue;
		if (asprintf(&f.path, "%s/%s", dir, de->d_name) < 0)
			break;
		if (stat(f.path, &st) != 0 || !S_ISREG(st.st_mode) ||
		    (nv = realloc(v, (n + 1) * sizeof(*v))) == NULL) {
			free(f.path);
			continue;
		}
		f.mtime = (int64_t)st.st_mtime;
		v = nv;
		v[n++] = f;
	}
	closedir(d);
	if (n > 1)
		qsort(v, n, sizeof(*v), lc_cmp);
	/* NAME.log.3 next to NAME.log.3.zst: the compressor is still
	 * writing the latter, the plain file is the complete one. */
	for (i = k = 0; i < n; i++) {
		if (k > 0 && v[k - 1].n == v[i].n && v[i].n != 0) {
			free(v[i].path);
			continue;
		}
		v[k++] = v[i];
	}
	*out = v;
	*count = k;
	return 0;
}

static void
lc_cat(struct lc *l, const struct lc_file *f)
{
	char err[256];
	int rc;

	if (f->kind == LC_ZSTD)
		rc = lc_cat_zstd(f->path, lc_feed, l, err, sizeof(err));
	else if (f->kind == LC_GZIP)
		rc = lc_cat_gzip(f->path, lc_feed, l, err, sizeof(err));
	else
		rc = lc_cat_plain(f->path, lc_feed, l, err, sizeof(err));
	if (rc != 0 && !ferror(stdout)) {
		fflush(stdout);
		ipmux_err("%s: %s", f->path, err);
		l->status = IPMUX_EXIT_ERR;
	}
}

/*
 * Files are read oldest first. Time filters use the best lower bound for
 * each line: its own stamp, else the latest stamp or marker before it,
 * else the modification time of the previous (older) file. A file last
 * modified before --since is skipped whole; reading stops at a file that
 * begins after --until.
 */
static void
lc_run(struct lc *l, struct lc_file *v, size_t n)
{
	size_t i;

	for (i = 0; i < n && !ferror(stdout); i++) {
		if (l->has_since && v[i].mtime < l->since)
			continue;
		if (i > 0 && (!l->known || l->cur < v[i - 1].mtime)) {
			l->cur = v[i - 1].mtime;
			l->known = true;
		}
		if (l->has_until && i > 0 && v[i - 1].mtime > l->until)
			break;
		lc_cat(l, &v[i]);
	}
	if (l->len > 0 && !ferror(stdout))
		lc_line(l, l->line, l->len);	/* the unfinished last line */
	l->len = 0;
}

/* The daemon's log directory, from its status reply. */
static char *
lc_logdir_from_daemon(const char *sock)
{
	struct ipmux_conn c;
	struct json_object *r;
	const char *d;
	char *dir = NULL;

	if (ipmux_connect(&c, sock) != 0)
		return NULL;
	r = ipmux_request(&c, PROTO_STATUS, NULL, PROTO_STATUS_REPLY, NULL);
	ipmux_close(&c);
	if (r == NULL)
		return NULL;
	if ((d = ipmux_jstr(r, "logdir", NULL)) == NULL || *d == '\0')
		ipmux_err("the daemon did not say where its logs are; "
		    "use --logdir");
	else
		dir = strdup(d);
	json_object_put(r);
	return dir;
}

static int
lc_parse(struct lc *l, int argc, char **argv, const char **logdir)
{
	static const struct option opts[] = {
		{ "since", required_argument, NULL, 's' },
		{ "until", required_argument, NULL, 'u' },
		{ "grep", required_argument, NULL, 'g' },
		{ "logdir", required_argument, NULL, 'd' },
		{ NULL, 0, NULL, 0 },
	};
	int64_t now = (int64_t)time(NULL);
	char ebuf[256];
	int ch, r;

	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 's':
		case 'u':
			if (logtime_parse_arg(optarg, now, ch == 's' ?
			    &l->since : &l->until) != 0) {
				ipmux_err("bad time: %s", optarg);
				return -1;
			}
			*(ch == 's' ? &l->has_since : &l->has_until) = true;
			break;
		case 'g':
			if (l->has_re)
				regfree(&l->re);
			r = regcomp(&l->re, optarg, REG_EXTENDED | REG_NOSUB);
			if (r != 0) {
				regerror(r, &l->re, ebuf, sizeof(ebuf));
				ipmux_err("bad regex %s: %s", optarg, ebuf);
				return -1;
			}
			l->has_re = true;
			break;
		case 'd':
			*logdir = optarg;
			break;
		default:
			return -1;
		}
	}
	if (optind != argc - 1)
		return -1;
	l->filter = l->has_since || l->has_until || l->has_re;
	return 0;
}

int
cmd_log(const char *sock, int argc, char **argv)
{
	struct lc l;
	struct lc_file *v = NULL;
	const char *logdir = NULL, *name;
	char *dir = NULL;
	size_t n = 0, i;
	int rc;

	memset(&l, 0, sizeof(l));
	if (lc_parse(&l, argc, argv, &logdir) != 0) {
		rc = ipmux_usage_for("log");
		goto out;
	}
	name = argv[optind];
	rc = IPMUX_EXIT_ERR;
	if (*name == '\0' || *name == '.' || strchr(name, '/') != NULL) {
		ipmux_err("bad console name: %s", name);
		goto out;
	}
	dir = logdir != NULL ? strdup(logdir) : lc_logdir_from_daemon(sock);
	if (dir == NULL)
		goto out;
	if (lc_list(dir, name, &v, &n) != 0)
		goto out;
	if (n == 0) {
		ipmux_err("no log for %s in %s", name, dir);
		goto out;
	}
	lc_run(&l, v, n);
	rc = l.status;
	if (fflush(stdout) != 0 || ferror(stdout)) {
		ipmux_err("stdout: %s", strerror(errno));
		rc = IPMUX_EXIT_ERR;
	}
out:
	for (i = 0; i < n; i++)
		free(v[i].path);
	free(v);
	free(dir);
	free(l.line);
	free(l.scratch);
	if (l.has_re)
		regfree(&l.re);
	return rc;
}
