/* check_logfile.c — unit tests for console log files (conserver/logfile.c): bytes, stamps, markers, rotation, compression, disk full. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "log.h"
#include "logfile.h"
#include "../checkmain.h"

#define T0 1795615323		/* 2026-11-25T14:02:03Z */
#define STAMP0 "2026-11-25T14:02:03Z "

static char tdir[64];
static unsigned nerrors;		/* LOGL_ERROR messages seen */

static void
setup(void)
{
	snprintf(tdir, sizeof(tdir), "/tmp/ipmux-logtest.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(tdir));
	nerrors = 0;
}

static void
teardown(void)
{
	DIR *d = opendir(tdir);
	struct dirent *de;

	if (d != NULL) {
		while ((de = readdir(d)) != NULL)
			if (strcmp(de->d_name, ".") != 0 &&
			    strcmp(de->d_name, "..") != 0)
				unlinkat(dirfd(d), de->d_name, 0);
		closedir(d);
	}
	rmdir(tdir);
}

static struct logfile_opts
opts(void)
{
	struct logfile_opts o = {
		.dir = tdir,
		.name = "node1",
		.timestamps = LOG_TS_OFF,
		.retain = 5,
		.compress = LOG_COMPRESS_NONE,
	};

	return o;
}

static logfile *
must_open(const struct logfile_opts *o)
{
	char err[256] = "";
	logfile *l = logfile_open(o, err, sizeof(err));

	ck_assert_msg(l != NULL, "logfile_open: %s", err);
	return l;
}

/* The whole of DIR/name into a malloc'd buffer (NUL-terminated). */
static char *
slurp(const char *name, size_t *lenp)
{
	char path[512];
	struct stat st;
	char *buf;
	int fd;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	fd = open(path, O_RDONLY);
	ck_assert_msg(fd >= 0, "%s: %s", path, strerror(errno));
	ck_assert_int_eq(fstat(fd, &st), 0);
	buf = malloc((size_t)st.st_size + 1);
	ck_assert_ptr_nonnull(buf);
	ck_assert_int_eq(read(fd, buf, (size_t)st.st_size), st.st_size);
	buf[st.st_size] = '\0';
	close(fd);
	if (lenp != NULL)
		*lenp = (size_t)st.st_size;
	return buf;
}

static bool
exists(const char *name)
{
	char path[512];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	return lstat(path, &st) == 0;
}

static void
assert_file(const char *name, const char *want)
{
	size_t len;
	char *got = slurp(name, &len);

	ck_assert_msg(len == strlen(want) && memcmp(got, want, len) == 0,
	    "%s:\n got [%s]\nwant [%s]", name, got, want);
	free(got);
}

static void
wr(logfile *l, const char *s, time_t now)
{
	logfile_write(l, (const uint8_t *)s, strlen(s), now);
}

/* Send sig to every child of this process (0: count them). */
static unsigned
signal_children(int sig)
{
	char path[128];
	unsigned n = 0;
	long pid;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/self/task/%ld/children",
	    (long)gettid());
	ck_assert_ptr_nonnull(f = fopen(path, "r"));
	while (fscanf(f, "%ld", &pid) == 1) {
		ck_assert_int_eq(kill((pid_t)pid, sig), 0);
		n++;
	}
	fclose(f);
	return n;
}

/* Compression done: every child exited (reaped as the daemon would on
 * SIGCHLD), no plain rotated file, no temp left.  Polls with a deadline. */
static void
wait_compressed(const char *name)
{
	struct timespec ts = { 0, 10 * 1000 * 1000 };
	time_t deadline = time(NULL) + 20;

	for (;;) {
		DIR *d;
		struct dirent *de;
		bool busy;
		char prefix[128];

		logfile_reap();
		busy = signal_children(0) > 0;
		snprintf(prefix, sizeof(prefix), "%s.log.", name);
		ck_assert_ptr_nonnull(d = opendir(tdir));
		while ((de = readdir(d)) != NULL) {
			const char *p = de->d_name;
			size_t n = strlen(prefix);

			if (p[0] == '.' && strstr(p, ".tmp") != NULL)
				busy = true;
			if (strncmp(p, prefix, n) == 0 &&
			    strspn(p + n, "0123456789") == strlen(p + n))
				busy = true;
		}
		closedir(d);
		if (!busy)
			break;
		ck_assert_msg(time(NULL) < deadline,
		    "compression children did not finish");
		nanosleep(&ts, NULL);
	}
	logfile_reap();
}

static char *
unzstd(const char *name, size_t *outlen)
{
	size_t len, cap = 1 << 16, n = 0;
	char *in = slurp(name, &len), *out = malloc(cap);
	ZSTD_DCtx *dc = ZSTD_createDCtx();
	ZSTD_inBuffer ib = { in, len, 0 };

	ck_assert_ptr_nonnull(out);
	ck_assert_ptr_nonnull(dc);
	while (ib.pos < ib.size) {
		ZSTD_outBuffer ob;
		size_t r;

		if (cap - n < 4096) {
			cap *= 2;
			ck_assert_ptr_nonnull(out = realloc(out, cap));
		}
		ob.dst = out + n;
		ob.size = cap - n;
		ob.pos = 0;
		r = ZSTD_decompressStream(dc, &ob, &ib);
		ck_assert_msg(!ZSTD_isError(r), "%s: %s", name,
		    ZSTD_getErrorName(r));
		n += ob.pos;
	}
	ZSTD_freeDCtx(dc);
	free(in);
	*outlen = n;
	return out;
}

static char *
ungzip(const char *name, size_t *outlen)
{
	char path[512];
	size_t cap = 1 << 16, n = 0;
	char *out = malloc(cap);
	gzFile gz;
	int r;

	snprintf(path, sizeof(path), "%s/%s", tdir, name);
	ck_assert_ptr_nonnull(gz = gzopen(path, "rb"));
	ck_assert_ptr_nonnull(out);
	for (;;) {
		if (cap - n < 4096) {
			cap *= 2;
			ck_assert_ptr_nonnull(out = realloc(out, cap));
		}
		r = gzread(gz, out + n, (unsigned)(cap - n));
		ck_assert_int_ge(r, 0);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	ck_assert_int_eq(gzclose(gz), Z_OK);
	*outlen = n;
	return out;
}

/* Rotated file K in whatever form it has, decompressed; NULL if none. */
static char *
rotated(const char *name, unsigned k, size_t *len)
{
	char fn[128];

	snprintf(fn, sizeof(fn), "%s.log.%u.zst", name, k);
	if (exists(fn))
		return unzstd(fn, len);
	snprintf(fn, sizeof(fn), "%s.log.%u.gz", name, k);
	if (exists(fn))
		return ungzip(fn, len);
	snprintf(fn, sizeof(fn), "%s.log.%u", name, k);
	if (exists(fn))
		return slurp(fn, len);
	return NULL;
}

START_TEST(test_exact_bytes)
{
	struct logfile_opts o = opts();
	logfile *l = must_open(&o);
	uint8_t all[256 * 3];
	size_t i, len;
	char *got;

	for (i = 0; i < sizeof(all); i++)
		all[i] = (uint8_t)(i * 7);
	for (i = 0; i < sizeof(all); i += 61)
		logfile_write(l, all + i, sizeof(all) - i < 61 ?
		    sizeof(all) - i : 61, T0);
	logfile_write(l, all, 0, T0);
	ck_assert_uint_eq(logfile_bytes(l), sizeof(all));
	ck_assert_uint_eq(logfile_dropped(l), 0);
	ck_assert_int_eq(logfile_flush(l, true), 0);
	got = slurp("node1.log", &len);
	ck_assert_uint_eq(len, sizeof(all));
	ck_assert_mem_eq(got, all, sizeof(all));
	free(got);
	logfile_close(l);
	logfile_close(NULL);
	{
		struct stat st;
		char path[512];

		snprintf(path, sizeof(path), "%s/node1.log", tdir);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_uint_eq(st.st_mode & 0777, 0640);
	}
}
END_TEST

/* A stamp goes before each line's first byte, at the time that byte came,
 * however the lines are split across writes. */
START_TEST(test_stamps)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.timestamps = LOG_TS_ISO8601;
	l = must_open(&o);
	wr(l, "ab", T0);
	wr(l, "c\nd", T0 + 1);
	wr(l, "e\n", T0 + 2);
	wr(l, "\n", T0 + 3);
	wr(l, "\n", T0 + 3);
	wr(l, "x\ny\nz", T0 + 4);
	assert_file("node1.log",
	    STAMP0 "abc\n"
	    "2026-11-25T14:02:04Z de\n"
	    "2026-11-25T14:02:06Z \n"
	    "2026-11-25T14:02:06Z \n"
	    "2026-11-25T14:02:07Z x\n"
	    "2026-11-25T14:02:07Z y\n"
	    "2026-11-25T14:02:07Z z");
	ck_assert_uint_eq(logfile_bytes(l), 14);
	logfile_close(l);
}
END_TEST

START_TEST(test_markers)
{
	struct logfile_opts o = opts();
	logfile *l = must_open(&o);

	logfile_marker(l, T0, "session up (suite %d)", 3);
	wr(l, "login: ", T0 + 1);
	logfile_marker(l, T0 + 2, "session lost: %s", "BMC timeout");
	wr(l, "root\n", T0 + 3);
	logfile_marker(l, T0 + 4, "attach %s rw", "alice");
	/* A newline inside a marker cannot forge a line of its own. */
	logfile_marker(l, T0 + 5, "detach %s", "bob\n[ipmux fake]");
	assert_file("node1.log",
	    "[ipmux 2026-11-25T14:02:03Z session up (suite 3)]\n"
	    "login: \n"
	    "[ipmux 2026-11-25T14:02:05Z session lost: BMC timeout]\n"
	    "root\n"
	    "[ipmux 2026-11-25T14:02:07Z attach alice rw]\n"
	    "[ipmux 2026-11-25T14:02:08Z detach bob [ipmux fake]]\n");
	ck_assert_uint_eq(logfile_bytes(l), 12);
	logfile_close(l);
}
END_TEST

/* Markers are not stamped (they carry their time) and leave the next host
 * byte at a line start, so it is stamped. */
START_TEST(test_markers_with_stamps)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.timestamps = LOG_TS_ISO8601;
	l = must_open(&o);
	wr(l, "abc", T0);
	logfile_marker(l, T0, "break by %s", "alice");
	wr(l, "def\n", T0);
	logfile_marker(l, T0, "daemon stopping");
	assert_file("node1.log",
	    STAMP0 "abc\n"
	    "[ipmux 2026-11-25T14:02:03Z break by alice]\n"
	    STAMP0 "def\n"
	    "[ipmux 2026-11-25T14:02:03Z daemon stopping]\n");
	logfile_close(l);
}
END_TEST

/* Reopening a file that ends mid-line: the first marker starts a line. */
START_TEST(test_reopen_midline)
{
	struct logfile_opts o = opts();
	logfile *l = must_open(&o);

	wr(l, "partial", T0);
	logfile_close(l);
	l = must_open(&o);
	logfile_marker(l, T0, "session up (suite 17)");
	wr(l, "more\n", T0);
	assert_file("node1.log", "partial\n"
	    "[ipmux 2026-11-25T14:02:03Z session up (suite 17)]\nmore\n");
	logfile_close(l);
}
END_TEST

/* Size rotation keeps retain compressed files, shifted oldest-highest. */
START_TEST(test_rotate_size_retain)
{
	struct logfile_opts o = opts();
	logfile *l;
	char line[64], fn[64];
	unsigned i, k;

	o.rotate_size = 100;
	o.retain = 3;
	o.compress = LOG_COMPRESS_ZSTD;
	l = must_open(&o);
	for (i = 0; i < 20; i++) {
		snprintf(line, sizeof(line), "chunk %02u %50s\n", i, "x");
		ck_assert_uint_eq(strlen(line), 60);
		wr(l, line, T0);
		/* Two chunks a file: 120 >= 100 rotates after each second. */
		wait_compressed("node1");
	}
	logfile_close(l);
	wait_compressed("node1");
	ck_assert(exists("node1.log"));
	for (k = 1; k <= 3; k++) {
		snprintf(fn, sizeof(fn), "node1.log.%u.zst", k);
		ck_assert_msg(exists(fn), "%s missing", fn);
	}
	ck_assert(!exists("node1.log.4.zst"));
	ck_assert(!exists("node1.log.4"));
	/* 20 chunks, 10 rotations: the current file is empty, .1 holds
	 * chunks 18-19, .3 chunks 14-15. */
	assert_file("node1.log", "");
	{
		size_t len;
		char *s = rotated("node1", 3, &len);

		ck_assert_uint_eq(len, 120);
		ck_assert_mem_eq(s, "chunk 14", 8);
		ck_assert_mem_eq(s + 60, "chunk 15", 8);
		free(s);
	}
}
END_TEST

/* Age rotation (fake clock): the file's age counts from its first use. */
START_TEST(test_rotate_age)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.rotate_age = 60;
	l = must_open(&o);
	wr(l, "first\n", T0);
	wr(l, "second\n", T0 + 30);
	logfile_maybe_rotate(l, T0 + 59);
	ck_assert(!exists("node1.log.1"));
	logfile_maybe_rotate(l, T0 + 60);
	ck_assert(exists("node1.log.1"));
	assert_file("node1.log.1", "first\nsecond\n");
	assert_file("node1.log", "");
	/* An empty file does not rotate; its age restarts. */
	logfile_maybe_rotate(l, T0 + 200);
	ck_assert(!exists("node1.log.2"));
	wr(l, "third\n", T0 + 230);
	logfile_maybe_rotate(l, T0 + 259);
	ck_assert(!exists("node1.log.2"));
	wr(l, "fourth\n", T0 + 260);	/* the write itself rotates */
	ck_assert(exists("node1.log.2"));
	assert_file("node1.log.1", "third\nfourth\n");
	assert_file("node1.log.2", "first\nsecond\n");
	logfile_close(l);
}
END_TEST

static void
check_compressed_roundtrip(enum log_compress how, const char *suffix)
{
	struct logfile_opts o = opts();
	logfile *l;
	char *want = malloc(200000), *got, fn[64];
	size_t i, len;

	ck_assert_ptr_nonnull(want);
	for (i = 0; i < 200000; i++)	/* compressible but not trivial */
		want[i] = (char)("abcdefgh\r\n\x1b[0m"[(i * i) % 15] ^
		    (i % 1000 == 0 ? 0x80 : 0));
	o.compress = how;
	o.rotate_size = 200000;
	l = must_open(&o);
	logfile_write(l, (const uint8_t *)want, 200000, T0);
	wait_compressed("node1");
	snprintf(fn, sizeof(fn), "node1.log.1%s", suffix);
	ck_assert_msg(exists(fn), "%s missing", fn);
	ck_assert(!exists("node1.log.1"));
	got = how == LOG_COMPRESS_GZIP ? ungzip(fn, &len) : unzstd(fn, &len);
	ck_assert_uint_eq(len, 200000);
	ck_assert_mem_eq(got, want, len);
	{
		struct stat st;
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", tdir, fn);
		ck_assert_int_eq(stat(path, &st), 0);
		ck_assert_int_lt(st.st_size, 200000 / 4);
	}
	free(got);
	free(want);
	logfile_close(l);
}

START_TEST(test_compress_zstd)
{
	check_compressed_roundtrip(LOG_COMPRESS_ZSTD, ".zst");
}
END_TEST

START_TEST(test_compress_gzip)
{
	check_compressed_roundtrip(LOG_COMPRESS_GZIP, ".gz");
}
END_TEST

/*
 * Numbered lines in chunks that split lines, rotating every ~700 bytes
 * while children compress concurrently: the rotated files (oldest first)
 * and the current one concatenate to exactly what was written.  A
 * rotation may be postponed while a child holds the lock, so the writer
 * goes on until the 30th rotated file exists (bounded).
 */
#define LOSS_LINES 100000

static void
check_no_loss(enum log_compress how, enum log_ts ts)
{
	struct logfile_opts o = opts();
	logfile *l;
	char *want, *all;
	size_t wlen = 0, alen = 0, off, len, step = 0;
	unsigned i, k, nrot = 0;
	static const size_t steps[] = { 37, 1, 101, 13, 250, 7 };

	o.compress = how;
	o.timestamps = ts;
	o.rotate_size = 700;
	o.retain = 200;
	ck_assert_ptr_nonnull(want = malloc(LOSS_LINES * 12 + 1));
	for (i = 0; i < LOSS_LINES; i++)
		wlen += (size_t)sprintf(want + wlen, "line %06u\n", i);
	l = must_open(&o);
	for (off = 0; off < wlen; off += len) {
		len = steps[step++ % 6];
		if (len > wlen - off)
			len = wlen - off;
		logfile_write(l, (const uint8_t *)want + off, len, T0);
		logfile_reap();		/* the daemon's SIGCHLD */
		if (off > 30000 && (exists("node1.log.30") ||
		    exists("node1.log.30.zst") || exists("node1.log.30.gz"))) {
			wlen = off + len;
			break;
		}
	}
	logfile_close(l);
	if (how != LOG_COMPRESS_NONE)
		wait_compressed("node1");
	ck_assert_ptr_nonnull(all = malloc(wlen * 4));
	for (k = 200; k >= 1; k--) {
		char *s = rotated("node1", k, &len);

		if (s == NULL) {
			ck_assert_msg(nrot == 0, "hole at node1.log.%u", k);
			continue;
		}
		nrot++;
		memcpy(all + alen, s, len);
		alen += len;
		free(s);
	}
	{
		char *s = slurp("node1.log", &len);

		memcpy(all + alen, s, len);
		alen += len;
		free(s);
	}
	ck_assert_uint_ge(nrot, 30);
	if (ts == LOG_TS_ISO8601) {
		/* Strip the stamps back off: each line must have exactly one. */
		size_t r = 0, w = 0;

		while (r < alen) {
			ck_assert_msg(alen - r > 21 &&
			    memcmp(all + r, STAMP0, 21) == 0,
			    "line without stamp at %zu", r);
			r += 21;
			while (r < alen && all[r] != '\n')
				all[w++] = all[r++];
			if (r < alen)
				all[w++] = all[r++];
		}
		alen = w;
	}
	ck_assert_uint_eq(alen, wlen);
	ck_assert_msg(memcmp(all, want, wlen) == 0, "content differs");
	free(all);
	free(want);
}

START_TEST(test_no_loss_zstd)
{
	check_no_loss(LOG_COMPRESS_ZSTD, LOG_TS_OFF);
}
END_TEST

START_TEST(test_no_loss_gzip_stamped)
{
	check_no_loss(LOG_COMPRESS_GZIP, LOG_TS_ISO8601);
}
END_TEST

START_TEST(test_no_loss_plain)
{
	check_no_loss(LOG_COMPRESS_NONE, LOG_TS_OFF);
}
END_TEST

/* While a child holds the lock the rotation waits for a later write; no
 * byte goes anywhere but NAME.log meanwhile. */
START_TEST(test_rotate_postponed)
{
	struct logfile_opts o = opts();
	logfile *l;
	char path[512];
	int fd;

	o.rotate_size = 10;
	l = must_open(&o);
	snprintf(path, sizeof(path), "%s/.node1.log.lock", tdir);
	ck_assert_int_ge(fd = open(path, O_RDONLY | O_CREAT, 0600), 0);
	ck_assert_int_eq(flock(fd, LOCK_SH), 0);
	wr(l, "0123456789\n", T0);
	wr(l, "abc\n", T0);
	ck_assert(!exists("node1.log.1"));
	assert_file("node1.log", "0123456789\nabc\n");
	close(fd);
	wr(l, "def\n", T0);
	ck_assert(exists("node1.log.1"));
	assert_file("node1.log.1", "0123456789\nabc\ndef\n");
	assert_file("node1.log", "");
	logfile_close(l);
}
END_TEST

/* Rotated files beyond a (since lowered) retain go at the next rotation. */
START_TEST(test_retain_lowered)
{
	struct logfile_opts o = opts();
	logfile *l;
	const char *const old[] = { "node1.log.3.zst", "node1.log.4",
	    "node1.log.5.gz", "node1.log.6.zst" };
	unsigned i;

	for (i = 0; i < 4; i++) {
		char path[512];
		int fd;

		snprintf(path, sizeof(path), "%s/%s", tdir, old[i]);
		ck_assert_int_ge(fd = open(path, O_WRONLY | O_CREAT, 0600), 0);
		close(fd);
	}
	o.rotate_size = 1;
	o.retain = 2;
	l = must_open(&o);
	wr(l, "x\n", T0);
	logfile_close(l);
	assert_file("node1.log.1", "x\n");
	for (i = 0; i < 4; i++)
		ck_assert_msg(!exists(old[i]), "%s still there", old[i]);
}
END_TEST

/* Reap until only n children are left (deadline). */
static void
wait_children(unsigned n)
{
	struct timespec ts = { 0, 5 * 1000 * 1000 };
	time_t deadline = time(NULL) + 20;

	for (;;) {
		logfile_reap();
		if (signal_children(0) <= n)
			return;
		ck_assert_msg(time(NULL) < deadline, "children did not exit");
		nanosleep(&ts, NULL);
	}
}

/*
 * A slow child: stopped while compressing a big rotated file, it resumes
 * after the parent has rotated more (shifting its source to .3), or so
 * often that its source fell out of retention.  Either way it must not
 * overwrite or remove any other file.
 */
static void
check_slow_child(unsigned retain, unsigned small)
{
	struct logfile_opts o = opts();
	logfile *l;
	size_t biglen = 16u << 20, n = 0, len;
	char *big = malloc(biglen + 32), *got, line[32];
	unsigned i;
	time_t now = T0;

	ck_assert_ptr_nonnull(big);
	for (i = 0; n < biglen; i++)
		n += (size_t)sprintf(big + n, "big %08u\n", i);
	o.compress = LOG_COMPRESS_ZSTD;
	o.rotate_age = 10;
	o.retain = retain;
	l = must_open(&o);
	logfile_write(l, (const uint8_t *)big, n, now);
	logfile_maybe_rotate(l, now += 10);
	ck_assert_uint_ge(signal_children(SIGSTOP), 1);
	for (i = 0; i < small; i++) {
		snprintf(line, sizeof(line), "small %u\n", i);
		wr(l, line, now);
		logfile_maybe_rotate(l, now += 10);
		/* Its child runs (the big one's is stopped): let it finish,
		 * so the next rotation finds the lock free. */
		wait_children(1);
		ck_assert(exists("node1.log.1.zst"));
	}
	signal_children(SIGCONT);
	wait_compressed("node1");
	logfile_close(l);
	for (i = 0; i < small && i < retain; i++) {
		got = rotated("node1", i + 1, &len);
		ck_assert_ptr_nonnull(got);
		snprintf(line, sizeof(line), "small %u\n", small - 1 - i);
		ck_assert_uint_eq(len, strlen(line));
		ck_assert_mem_eq(got, line, len);
		free(got);
	}
	got = rotated("node1", small + 1, &len);
	if (small + 1 <= retain) {
		ck_assert_ptr_nonnull(got);
		ck_assert_uint_eq(len, n);
		ck_assert(memcmp(got, big, n) == 0);
	} else {
		ck_assert_ptr_null(got);
		ck_assert_ptr_null(rotated("node1", retain + 1, &len));
	}
	free(got);
	free(big);
}

START_TEST(test_slow_child_shifted)
{
	check_slow_child(4, 2);
}
END_TEST

START_TEST(test_slow_child_expired)
{
	check_slow_child(2, 3);
}
END_TEST

/* ---- disk full ---- */

static int full_errno;			/* nonzero: writes fail with it */
static size_t full_budget = (size_t)-1;	/* bytes that still fit */

static long
fake_write(int fd, const void *buf, size_t len)
{
	long n;

	if (full_errno != 0 && full_budget == 0) {
		errno = full_errno;
		return -1;
	}
	if (len > full_budget)
		len = full_budget;
	/* Short writes on purpose: the caller must loop. */
	if (len > 5)
		len = len / 2 + 1;
	n = (long)write(fd, buf, len);
	if (n > 0 && full_budget != (size_t)-1)
		full_budget -= (size_t)n;
	return n;
}

static void
count_sink(void *ctx, enum log_level level, const char *func, const char *msg)
{
	if (level == LOGL_ERROR)
		nerrors++;
}

START_TEST(test_disk_full)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.write_fn = fake_write;
	log_set_sink(count_sink, NULL);
	l = must_open(&o);
	wr(l, "hello\n", T0);
	full_errno = ENOSPC;
	full_budget = 0;
	wr(l, "0123456789", T0 + 1);
	wr(l, "01234567890123456789", T0 + 2);
	logfile_marker(l, T0 + 2, "session lost: %s", "x");
	wr(l, "012345678901234567890123456789", T0 + 3);
	ck_assert_uint_eq(logfile_dropped(l), 60);
	ck_assert_uint_eq(logfile_bytes(l), 6);
	ck_assert_uint_eq(nerrors, 1);
	full_errno = 0;
	full_budget = (size_t)-1;
	wr(l, "back\n", T0 + 4);
	wr(l, "again\n", T0 + 5);
	assert_file("node1.log", "hello\n"
	    "[ipmux 2026-11-25T14:02:07Z 60 bytes lost: "
	    "No space left on device]\n"
	    "back\nagain\n");
	ck_assert_uint_eq(logfile_dropped(l), 60);
	ck_assert_uint_eq(logfile_bytes(l), 17);
	ck_assert_uint_eq(nerrors, 1);
	logfile_close(l);
	log_set_sink(NULL, NULL);
}
END_TEST

/* The disk fills in the middle of a write: the part that fit stays, the
 * rest is counted, and the gap marker starts its own line. */
START_TEST(test_disk_full_midwrite)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.write_fn = fake_write;
	log_set_sink(count_sink, NULL);
	l = must_open(&o);
	full_errno = EIO;
	full_budget = 4;
	wr(l, "abcdef", T0);
	ck_assert_uint_eq(logfile_bytes(l), 4);
	ck_assert_uint_eq(logfile_dropped(l), 2);
	full_errno = 0;
	full_budget = (size_t)-1;
	wr(l, "gh\n", T0);
	assert_file("node1.log", "abcd\n"
	    "[ipmux 2026-11-25T14:02:03Z 2 bytes lost: Input/output error]\n"
	    "gh\n");
	ck_assert_uint_eq(nerrors, 1);
	logfile_close(l);
	log_set_sink(NULL, NULL);
}
END_TEST

/* With stamps, the count is of host bytes, not stamp bytes. */
START_TEST(test_disk_full_stamped)
{
	struct logfile_opts o = opts();
	logfile *l;

	o.write_fn = fake_write;
	o.timestamps = LOG_TS_ISO8601;
	log_set_sink(count_sink, NULL);
	l = must_open(&o);
	full_errno = ENOSPC;
	full_budget = 30;	/* "STAMP ab\n" (24) and 6 bytes of a stamp */
	wr(l, "ab\ncd\n", T0);
	ck_assert_uint_eq(logfile_bytes(l), 3);
	ck_assert_uint_eq(logfile_dropped(l), 3);
	full_errno = 0;
	full_budget = (size_t)-1;
	wr(l, "ef\n", T0);
	assert_file("node1.log", STAMP0 "ab\n2026-1\n"
	    "[ipmux 2026-11-25T14:02:03Z 3 bytes lost: "
	    "No space left on device]\n" STAMP0 "ef\n");
	logfile_close(l);
	log_set_sink(NULL, NULL);
}
END_TEST

/* An external logrotate renamed the file; SIGUSR1 reopens NAME.log. */
START_TEST(test_reopen_after_rename)
{
	struct logfile_opts o = opts();
	logfile *l = must_open(&o);
	char a[512], b[512];

	wr(l, "one\n", T0);
	snprintf(a, sizeof(a), "%s/node1.log", tdir);
	snprintf(b, sizeof(b), "%s/node1.log-20261125", tdir);
	ck_assert_int_eq(rename(a, b), 0);
	wr(l, "two\n", T0);
	ck_assert_int_eq(logfile_reopen(l), 0);
	wr(l, "three\n", T0);
	assert_file("node1.log-20261125", "one\ntwo\n");
	assert_file("node1.log", "three\n");
	ck_assert_uint_eq(logfile_bytes(l), 14);
	logfile_close(l);
}
END_TEST

START_TEST(test_open_errors)
{
	struct logfile_opts o = opts();
	char err[256] = "";

	o.name = "../evil";
	ck_assert_ptr_null(logfile_open(&o, err, sizeof(err)));
	ck_assert_str_ne(err, "");
	o = opts();
	o.dir = "/nonexistent/ipmux-test";
	err[0] = '\0';
	ck_assert_ptr_null(logfile_open(&o, err, sizeof(err)));
	ck_assert_ptr_nonnull(strstr(err, "No such file"));
}
END_TEST

static Suite *
logfile_suite(void)
{
	Suite *s = suite_create("logfile");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_exact_bytes);
	tcase_add_test(tc, test_stamps);
	tcase_add_test(tc, test_markers);
	tcase_add_test(tc, test_markers_with_stamps);
	tcase_add_test(tc, test_reopen_midline);
	tcase_add_test(tc, test_rotate_size_retain);
	tcase_add_test(tc, test_rotate_age);
	tcase_add_test(tc, test_compress_zstd);
	tcase_add_test(tc, test_compress_gzip);
	tcase_add_test(tc, test_no_loss_zstd);
	tcase_add_test(tc, test_no_loss_gzip_stamped);
	tcase_add_test(tc, test_no_loss_plain);
	tcase_add_test(tc, test_rotate_postponed);
	tcase_add_test(tc, test_retain_lowered);
	tcase_add_test(tc, test_slow_child_shifted);
	tcase_add_test(tc, test_slow_child_expired);
	tcase_add_test(tc, test_disk_full);
	tcase_add_test(tc, test_disk_full_midwrite);
	tcase_add_test(tc, test_disk_full_stamped);
	tcase_add_test(tc, test_reopen_after_rename);
	tcase_add_test(tc, test_open_errors);
	tcase_set_timeout(tc, 60);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(logfile_suite)
