/* logfile.c — console log files: exact bytes, line stamps, markers, rotation with compression in a child, disk-full survival. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "log.h"
#include "logfile.h"

/*
 * Rotation and the compression children share the directory with one rule:
 * every rename of a rotated file (NAME.log.K, NAME.log.K.zst, NAME.log.K.gz)
 * happens under an flock on DIR/.NAME.log.lock.  The parent's shift takes it
 * exclusive but only tries (LOCK_NB): when busy the rotation is postponed
 * to the next write or tick, so the event loop never waits.  A child
 * compresses its source (an fd it inherited) into a private temp file
 * without the lock, then takes it shared (children publish different
 * inodes, so they need not exclude each other), finds where its source has
 * been shifted to by inode, renames the temp to that name plus ".zst"/".gz"
 * and unlinks the plain file.  If the source was shifted out of retention
 * meanwhile, the child just drops its temp.  So a slow child can never
 * overwrite or lose a file, whatever the parent did in between.
 */

#define LF_STAMP_LEN 21		/* "2026-11-25T14:02:03Z " */
#define LF_MARKER_MAX 1024
#define LF_MAX_CHILDREN 64	/* compressions in flight, all consoles */
#define LF_SCAN_MAX 1000
#define LF_RETRY_SECS 60	/* after a failed rotation */	/* stale rotated files looked for beyond retain */

struct logfile {
	char *dir;
	char *name;
	char *path;			/* DIR/NAME.log */
	int fd;				/* -1: not open, retried on writes */
	enum log_ts ts;
	uint64_t rotate_size;
	uint32_t rotate_age;
	unsigned retain;
	enum log_compress compress;
	long (*write_fn)(int, const void *, size_t);

	bool at_bol;			/* the file's last byte ends a line */
	uint64_t size;			/* bytes in the current file */
	time_t base;			/* age counts from here; 0: next call */
	time_t retry_at;		/* no rotation attempt before */
	uint64_t bytes;			/* host bytes written */
	uint64_t dropped;		/* host bytes lost, ever */
	uint64_t gap;			/* host bytes lost since the last success */
	int gap_err;			/* errno of the failure behind the gap */
	bool failing;			/* a write failed and none succeeded since */

	uint8_t *scratch;		/* stamped output of one call */
	size_t scratch_cap;
};

/* Compression children, across all log files (the daemon reaps them). */
struct lf_child {
	pid_t pid;
	dev_t dev;
	ino_t ino;
};
static struct lf_child lf_children[LF_MAX_CHILDREN];
static unsigned lf_nchildren;

static const char *const lf_suffixes[] = { "", ".zst", ".gz" };
#define LF_NSUFFIXES (sizeof(lf_suffixes) / sizeof(lf_suffixes[0]))

static void
lf_timestr(time_t now, char *buf, size_t len)
{
	struct tm tm;

	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		snprintf(buf, len, "%lld", (long long)now);
}

/* Write it all, looping over short writes.  Returns the bytes written;
 * on an error sets *err (a short count with *err == 0 cannot happen). */
static size_t
lf_put(logfile *l, const void *buf, size_t len, int *err)
{
	const uint8_t *p = buf;
	size_t done = 0;

	*err = 0;
	while (done < len) {
		long n;

		if (l->write_fn != NULL)
			n = l->write_fn(l->fd, p + done, len - done);
		else
			n = (long)write(l->fd, p + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			*err = n < 0 ? errno : EIO;
			break;
		}
		done += (size_t)n;
	}
	if (done > 0) {
		l->size += done;
		l->at_bol = p[done - 1] == '\n';
	}
	return done;
}

/* Does the existing file end mid-line?  A marker must not glue onto it. */
static bool
lf_file_ends_line(const char *path, off_t size)
{
	char c = '\n';
	int fd;

	if (size <= 0)
		return true;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return true;
	if (pread(fd, &c, 1, size - 1) != 1)
		c = '\n';
	close(fd);
	return c == '\n';
}

/* The file's birth time if the file system keeps one: a restarted daemon
 * keeps counting the age of the file it reopens.  0: unknown. */
static time_t
lf_birth(int fd)
{
	struct statx stx;

	if (statx(fd, "", AT_EMPTY_PATH, STATX_BTIME, &stx) == 0 &&
	    (stx.stx_mask & STATX_BTIME) != 0)
		return (time_t)stx.stx_btime.tv_sec;
	return 0;
}

static int
lf_open_file(logfile *l)
{
	struct stat st;
	int fd;

	fd = open(l->path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0)
		return -1;
	if (fstat(fd, &st) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	l->fd = fd;
	l->size = (uint64_t)st.st_size;
	l->at_bol = lf_file_ends_line(l->path, st.st_size);
	l->base = st.st_size > 0 ? lf_birth(fd) : 0;
	return 0;
}

static void lf_compress_leftovers(logfile *l, int dfd);

logfile *
logfile_open(const struct logfile_opts *o, char *err, size_t errlen)
{
	logfile *l;

	if (o->dir == NULL || o->name == NULL || o->name[0] == '\0' ||
	    strchr(o->name, '/') != NULL || o->name[0] == '.' ||
	    strlen(o->name) > NAME_MAX - 32) {
		snprintf(err, errlen, "bad log file name");
		return NULL;
	}
	if ((l = calloc(1, sizeof(*l))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	l->fd = -1;
	if ((l->dir = strdup(o->dir)) == NULL ||
	    (l->name = strdup(o->name)) == NULL ||
	    asprintf(&l->path, "%s/%s.log", o->dir, o->name) < 0) {
		l->path = NULL;
		snprintf(err, errlen, "out of memory");
		logfile_close(l);
		return NULL;
	}
	l->ts = o->timestamps;
	l->rotate_size = o->rotate_size;
	l->rotate_age = o->rotate_age;
	l->retain = o->retain;
	l->compress = o->compress;
	l->write_fn = o->write_fn;
	l->at_bol = true;
	if (lf_open_file(l) != 0) {
		snprintf(err, errlen, "%s: %s", l->path, strerror(errno));
		logfile_close(l);
		return NULL;
	}
	/* Rotated files a crash left uncompressed get their child now. */
	lf_compress_leftovers(l, -1);
	return l;
}

void
logfile_close(logfile *l)
{
	if (l == NULL)
		return;
	if (l->fd >= 0) {
		(void)fsync(l->fd);
		close(l->fd);
	}
	free(l->scratch);
	free(l->path);
	free(l->name);
	free(l->dir);
	free(l);
}

/* A write failed: count what the host lost, say so once per outage. */
static void
lf_fail(logfile *l, size_t host_lost, int err)
{
	l->dropped += host_lost;
	l->gap += host_lost;
	if (!l->failing) {
		l->failing = true;
		l->gap_err = err;
		log_msg(LOGL_ERROR, "%s: %s; dropping console output until "
		    "writes succeed again", l->path, strerror(err));
	}
}

/* Before anything new goes in after an outage, the gap marker does.
 * Returns false if the file is still not writable. */
static bool
lf_resume(logfile *l, time_t now)
{
	char ts[32], buf[LF_MARKER_MAX];
	int n, err;
	size_t put;

	if (l->fd < 0 && lf_open_file(l) != 0) {
		if (!l->failing) {
			l->failing = true;
			l->gap_err = errno;
			log_msg(LOGL_ERROR, "%s: %s; dropping console output "
			    "until it can be opened", l->path,
			    strerror(errno));
		}
		return false;
	}
	if (!l->failing)
		return true;
	lf_timestr(now, ts, sizeof(ts));
	n = snprintf(buf, sizeof(buf), "%s[ipmux %s %llu bytes lost: %s]\n",
	    l->at_bol ? "" : "\n", ts, (unsigned long long)l->gap,
	    strerror(l->gap_err));
	if (n < 0 || (size_t)n >= sizeof(buf))
		n = (int)strlen(buf);
	put = lf_put(l, buf, (size_t)n, &err);
	if (put < (size_t)n)
		return false;
	log_msg(LOGL_WARN, "%s: writing again, %llu bytes of console output "
	    "lost", l->path, (unsigned long long)l->gap);
	l->failing = false;
	l->gap = 0;
	l->gap_err = 0;
	return true;
}

/* Host bytes among the first k output bytes of a stamped write that began
 * at line start bol: the inverse of lf_stamp, for counting losses. */
static size_t
lf_host_before(bool bol, const uint8_t *buf, size_t len, size_t k)
{
	size_t pos = 0, host = 0;

	while (host < len) {
		const uint8_t *nl;
		size_t seg;

		if (bol) {
			if (pos + LF_STAMP_LEN >= k)
				return host;
			pos += LF_STAMP_LEN;
		}
		nl = memchr(buf + host, '\n', len - host);
		seg = nl != NULL ? (size_t)(nl - (buf + host)) + 1 : len - host;
		if (pos + seg >= k)
			return host + (k - pos);
		pos += seg;
		host += seg;
		bol = true;
	}
	return host;
}

/* Copy buf into the scratch buffer with a stamp before each line's first
 * byte.  Returns the output length, or 0 with errno set. */
static size_t
lf_stamp(logfile *l, const uint8_t *buf, size_t len, time_t now)
{
	char ts[32], stamp[LF_STAMP_LEN + 1];
	size_t i, lines = 1, need, out = 0;
	bool bol = l->at_bol;

	for (i = 0; i < len; i++)
		lines += buf[i] == '\n';
	need = len + lines * LF_STAMP_LEN;
	if (need > l->scratch_cap) {
		uint8_t *p = realloc(l->scratch, need);

		if (p == NULL)
			return 0;
		l->scratch = p;
		l->scratch_cap = need;
	}
	lf_timestr(now, ts, sizeof(ts));
	/* Fixed width, so lf_host_before can count without the text. */
	memset(stamp, ' ', LF_STAMP_LEN);
	memcpy(stamp, ts, strnlen(ts, LF_STAMP_LEN - 1));
	i = 0;
	while (i < len) {
		const uint8_t *nl;
		size_t seg;

		if (bol) {
			memcpy(l->scratch + out, stamp, LF_STAMP_LEN);
			out += LF_STAMP_LEN;
		}
		nl = memchr(buf + i, '\n', len - i);
		seg = nl != NULL ? (size_t)(nl - (buf + i)) + 1 : len - i;
		memcpy(l->scratch + out, buf + i, seg);
		out += seg;
		i += seg;
		bol = true;
	}
	return out;
}

void
logfile_write(logfile *l, const uint8_t *buf, size_t len, time_t now)
{
	const uint8_t *out = buf;
	size_t outlen = len, put, host;
	bool bol;
	int err;

	if (len == 0)
		return;
	if (!lf_resume(l, now)) {
		lf_fail(l, len, l->gap_err != 0 ? l->gap_err : EIO);
		return;
	}
	bol = l->at_bol;
	if (l->ts == LOG_TS_ISO8601) {
		if ((outlen = lf_stamp(l, buf, len, now)) == 0) {
			lf_fail(l, len, ENOMEM);
			return;
		}
		out = l->scratch;
	}
	put = lf_put(l, out, outlen, &err);
	host = out == buf ? put : lf_host_before(bol, buf, len, put);
	l->bytes += host;
	if (put < outlen)
		lf_fail(l, len - host, err);
	logfile_maybe_rotate(l, now);
}

void
logfile_marker(logfile *l, time_t now, const char *fmt, ...)
{
	char ts[32], buf[LF_MARKER_MAX];
	va_list ap;
	size_t n, start, put, i;
	int k, err;

	if (!lf_resume(l, now))
		return;
	lf_timestr(now, ts, sizeof(ts));
	k = snprintf(buf, sizeof(buf), "%s[ipmux %s ", l->at_bol ? "" : "\n",
	    ts);
	n = start = (size_t)k;
	va_start(ap, fmt);
	k = vsnprintf(buf + n, sizeof(buf) - n - 2, fmt, ap);
	va_end(ap);
	if (k > 0)
		n += (size_t)k < sizeof(buf) - n - 2 ? (size_t)k :
		    sizeof(buf) - n - 3;
	/* A marker is one line: an embedded newline would forge another. */
	for (i = start; i < n; i++)
		if (buf[i] == '\n' || buf[i] == '\r')
			buf[i] = ' ';
	buf[n++] = ']';
	buf[n++] = '\n';
	put = lf_put(l, buf, n, &err);
	if (put < n)
		lf_fail(l, 0, err);
	logfile_maybe_rotate(l, now);
}

int
logfile_reopen(logfile *l)
{
	if (l->fd >= 0) {
		close(l->fd);
		l->fd = -1;
	}
	if (lf_open_file(l) != 0) {
		log_msg(LOGL_ERROR, "%s: reopen: %s", l->path, strerror(errno));
		return -1;
	}
	return 0;
}

int
logfile_flush(logfile *l, bool do_fsync)
{
	/* Nothing is buffered here: every call reached the kernel already. */
	if (!do_fsync || l->fd < 0)
		return 0;
	return fsync(l->fd) == 0 || errno == EINVAL ? 0 : -1;
}

uint64_t
logfile_bytes(const logfile *l)
{
	return l->bytes;
}

uint64_t
logfile_dropped(const logfile *l)
{
	return l->dropped;
}

/* ---- rotation ---- */

static void
lf_rotname(const logfile *l, unsigned k, const char *suffix, char *buf,
	   size_t len)
{
	snprintf(buf, len, "%s.log.%u%s", l->name, k, suffix);
}

static bool
lf_exists_at(int dfd, const char *name)
{
	struct stat st;

	return fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

/* Make room for a new NAME.log.1: drop what falls out of retention and
 * shift the rest up by one, every form of each (a child may not have
 * compressed it yet).  Runs with the lock held exclusive. */
static void
lf_shift(const logfile *l, int dfd)
{
	char from[PATH_MAX], to[PATH_MAX];
	unsigned k, s;

	/* NAME.log.retain would shift out; so would leftovers of a larger
	 * retain from an earlier configuration. */
	for (k = l->retain > 0 ? l->retain : 1; k <= l->retain + LF_SCAN_MAX;
	    k++) {
		bool any = false;

		for (s = 0; s < LF_NSUFFIXES; s++) {
			lf_rotname(l, k, lf_suffixes[s], from, sizeof(from));
			if (!lf_exists_at(dfd, from))
				continue;
			any = true;
			if (unlinkat(dfd, from, 0) != 0)
				log_msg(LOGL_WARN, "%s/%s: %s", l->dir, from,
				    strerror(errno));
		}
		if (!any && k > l->retain)
			break;
	}
	for (k = l->retain; k-- > 1;) {
		for (s = 0; s < LF_NSUFFIXES; s++) {
			lf_rotname(l, k, lf_suffixes[s], from, sizeof(from));
			lf_rotname(l, k + 1, lf_suffixes[s], to, sizeof(to));
			if (renameat(dfd, from, dfd, to) != 0 &&
			    errno != ENOENT)
				log_msg(LOGL_WARN, "%s/%s: %s", l->dir, from,
				    strerror(errno));
		}
	}
}

/* Open and flock DIR/.NAME.log.lock (in dfd).  Returns its fd or -1. */
static int
lf_lock(const char *name, int dfd, int how)
{
	char lock[PATH_MAX];
	int fd;

	if (snprintf(lock, sizeof(lock), ".%s.log.lock", name) >=
	    (int)sizeof(lock)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = openat(dfd, lock, O_RDONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
	    0640);
	if (fd < 0)
		return -1;
	while (flock(fd, how) != 0) {
		if (errno != EINTR) {
			int e = errno;

			close(fd);
			errno = e;
			return -1;
		}
	}
	return fd;
}

/* Rotate now: shift, NAME.log -> NAME.log.1, a fresh NAME.log, compress.
 * Returns 1 done, 0 postponed (a child holds the lock), -1 failed. */
static int
lf_rotate(logfile *l, time_t now)
{
	char name[PATH_MAX], one[PATH_MAX];
	int dfd, lfd, oldfd;
	bool bol;

	if ((dfd = open(l->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0) {
		log_msg(LOGL_ERROR, "%s: %s", l->dir, strerror(errno));
		return -1;
	}
	if ((lfd = lf_lock(l->name, dfd, LOCK_EX | LOCK_NB)) < 0) {
		int busy = errno == EWOULDBLOCK;

		close(dfd);
		return busy ? 0 : -1;
	}
	snprintf(name, sizeof(name), "%s.log", l->name);
	if (l->retain > 0)
		lf_rotname(l, 1, "", one, sizeof(one));
	else	/* keep nothing: renamed aside, then unlinked */
		snprintf(one, sizeof(one), ".%s.log.dropping", l->name);
	lf_shift(l, dfd);
	if (renameat(dfd, name, dfd, one) != 0) {
		log_msg(LOGL_ERROR, "%s: rotate: %s", l->path, strerror(errno));
		close(lfd);
		close(dfd);
		return -1;
	}
	oldfd = l->fd;
	bol = l->at_bol;
	if (lf_open_file(l) != 0) {
		log_msg(LOGL_ERROR, "%s: rotate: %s", l->path, strerror(errno));
		/* Put the old file back and keep writing to it. */
		(void)renameat(dfd, one, dfd, name);
		close(lfd);
		close(dfd);
		return -1;
	}
	/* The line state carries over: a line split by the rotation gets no
	 * second stamp, so the files concatenate to the exact log. */
	l->at_bol = bol;
	l->base = now;
	close(oldfd);
	if (l->retain == 0)
		(void)unlinkat(dfd, one, 0);
	/* Unlock before forking: a child inheriting this open description
	 * would keep the lock held for its whole life. */
	close(lfd);
	lf_compress_leftovers(l, dfd);
	close(dfd);
	return 1;
}

void
logfile_maybe_rotate(logfile *l, time_t now)
{
	bool by_size, by_age;

	if (l->fd < 0 || now < l->retry_at)
		return;
	if (l->base == 0)
		l->base = now;
	by_size = l->rotate_size > 0 && l->size >= l->rotate_size;
	by_age = l->rotate_age > 0 && now - l->base >= (time_t)l->rotate_age;
	if (!by_size && !by_age)
		return;
	if (l->size == 0) {
		/* Nothing to keep: an empty file only restarts its age. */
		l->base = now;
		return;
	}
	/* Postponed: the next write or tick tries again.  Failed (a rename
	 * refused, say): not on every write, a minute from now. */
	if (lf_rotate(l, now) < 0)
		l->retry_at = now + LF_RETRY_SECS;
}

/* ---- compression children ---- */

static bool
lf_child_busy(dev_t dev, ino_t ino)
{
	unsigned i;

	for (i = 0; i < lf_nchildren; i++)
		if (lf_children[i].dev == dev && lf_children[i].ino == ino)
			return true;
	return false;
}

/* Stream src into the temp file; true if it is complete on disk. */
static bool
lf_zstd(int src, int dst)
{
	static uint8_t in[1 << 16], out[1 << 16];
	ZSTD_CCtx *cc = ZSTD_createCCtx();
	bool ok = cc != NULL;
	ssize_t n;

	if (ok && ZSTD_isError(ZSTD_CCtx_setParameter(cc,
	    ZSTD_c_compressionLevel, 3)))
		ok = false;
	while (ok) {
		ZSTD_inBuffer ib = { in, 0, 0 };
		ZSTD_EndDirective mode;
		size_t rest;

		if ((n = read(src, in, sizeof(in))) < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ok = false;
			break;
		}
		ib.size = (size_t)n;
		mode = n == 0 ? ZSTD_e_end : ZSTD_e_continue;
		do {
			ZSTD_outBuffer ob = { out, sizeof(out), 0 };

			rest = ZSTD_compressStream2(cc, &ob, &ib, mode);
			if (ZSTD_isError(rest) ||
			    (ob.pos > 0 && write(dst, out, ob.pos) !=
			    (ssize_t)ob.pos)) {
				ok = false;
				break;
			}
		} while (ok && (mode == ZSTD_e_end ? rest != 0 :
		    ib.pos < ib.size));
		if (n == 0)
			break;
	}
	ZSTD_freeCCtx(cc);
	return ok;
}

static bool
lf_gzip(int src, int dst)
{
	static uint8_t in[1 << 16];
	gzFile gz;
	ssize_t n;
	bool ok = true;
	int dfd2;

	/* gzclose closes its fd; keep ours for the fsync after. */
	if ((dfd2 = dup(dst)) < 0 || (gz = gzdopen(dfd2, "wb6")) == NULL) {
		if (dfd2 >= 0)
			close(dfd2);
		return false;
	}
	for (;;) {
		if ((n = read(src, in, sizeof(in))) < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			ok = n == 0;
			break;
		}
		if (gzwrite(gz, in, (unsigned)n) != (int)n) {
			ok = false;
			break;
		}
	}
	if (gzclose(gz) != Z_OK)
		ok = false;
	return ok;
}

/* Under the lock, publish tmp under the name the source has now. */
static bool
lf_publish(const char *name, unsigned retain, const char *suffix, int dfd,
	   int src, const char *tmp)
{
	char plain[PATH_MAX], packed[PATH_MAX];
	struct stat s0, st;
	unsigned k;

	if (fstat(src, &s0) != 0)
		return false;
	for (k = 1; k <= retain + 1; k++) {
		snprintf(plain, sizeof(plain), "%s.log.%u", name, k);
		if (fstatat(dfd, plain, &st, AT_SYMLINK_NOFOLLOW) != 0 ||
		    st.st_dev != s0.st_dev || st.st_ino != s0.st_ino)
			continue;
		if (snprintf(packed, sizeof(packed), "%s%s", plain, suffix) >=
		    (int)sizeof(packed))
			return false;
		if (renameat(dfd, tmp, dfd, packed) != 0)
			return false;
		(void)unlinkat(dfd, plain, 0);
		return true;
	}
	/* Shifted out of retention while we worked: nothing to publish. */
	(void)unlinkat(dfd, tmp, 0);
	return true;
}

/* The child: compress, fsync, publish, _exit.  Touches nothing of the
 * daemon's (no logging: its sink may not be fork-safe). */
static void __attribute__((noreturn))
lf_child(const char *name, unsigned retain, enum log_compress how, int dfd,
	 int src)
{
	const char *suffix = how == LOG_COMPRESS_GZIP ? ".gz" : ".zst";
	char tmp[PATH_MAX];
	int dst, lfd;
	bool ok;

	signal(SIGTERM, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	signal(SIGUSR1, SIG_DFL);
	signal(SIGUSR2, SIG_DFL);
	signal(SIGCHLD, SIG_DFL);
	(void)setpriority(PRIO_PROCESS, 0, 10);
	snprintf(tmp, sizeof(tmp), ".%s.log.%ld.tmp", name, (long)getpid());
	dst = openat(dfd, tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (dst < 0)
		_exit(3);
	ok = how == LOG_COMPRESS_GZIP ? lf_gzip(src, dst) : lf_zstd(src, dst);
	if (!ok || fsync(dst) != 0 || close(dst) != 0) {
		(void)unlinkat(dfd, tmp, 0);
		_exit(4);
	}
	if ((lfd = lf_lock(name, dfd, LOCK_SH)) < 0) {
		(void)unlinkat(dfd, tmp, 0);
		_exit(5);
	}
	ok = lf_publish(name, retain, suffix, dfd, src, tmp);
	/* The rotation waits while we hold the lock: sync after. */
	close(lfd);
	(void)fsync(dfd);
	_exit(ok ? 0 : 6);
}

/* Start a child compressing the rotated file called rotated (in dfd). */
static void
lf_spawn(logfile *l, int dfd, const char *rotated)
{
	struct stat st;
	pid_t pid;
	int src;

	if (lf_nchildren == LF_MAX_CHILDREN)
		logfile_reap();
	if (lf_nchildren == LF_MAX_CHILDREN)
		return;		/* left plain; a later rotation retries */
	src = openat(dfd, rotated, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (src < 0)
		return;
	if (fstat(src, &st) != 0 || lf_child_busy(st.st_dev, st.st_ino)) {
		close(src);
		return;
	}
	if ((pid = fork()) < 0) {
		log_msg(LOGL_WARN, "%s: fork for compression: %s", l->path,
		    strerror(errno));
		close(src);
		return;
	}
	if (pid == 0)
		lf_child(l->name, l->retain, l->compress, dfd, src);
	close(src);
	lf_children[lf_nchildren].pid = pid;
	lf_children[lf_nchildren].dev = st.st_dev;
	lf_children[lf_nchildren].ino = st.st_ino;
	lf_nchildren++;
}

/* Rotated files still plain with no child on them (the one just rotated;
 * those a crash, a full child table or a failed child left) get a child.
 * dfd: the log directory, or -1 to open it here. */
static void
lf_compress_leftovers(logfile *l, int dfd)
{
	char plain[PATH_MAX];
	unsigned k;
	int own = -1;

	if (l->compress == LOG_COMPRESS_NONE || l->retain == 0)
		return;
	if (dfd < 0 && (dfd = own = open(l->dir,
	    O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return;
	for (k = 1; k <= l->retain; k++) {
		lf_rotname(l, k, "", plain, sizeof(plain));
		if (lf_exists_at(dfd, plain))
			lf_spawn(l, dfd, plain);
	}
	if (own >= 0)
		close(own);
}

void
logfile_reap(void)
{
	unsigned i = 0;

	while (i < lf_nchildren) {
		int status;
		pid_t r = waitpid(lf_children[i].pid, &status, WNOHANG);

		if (r == 0 || (r < 0 && errno == EINTR)) {
			i++;
			continue;
		}
		if (r > 0 && !(WIFEXITED(status) && WEXITSTATUS(status) == 0))
			log_msg(LOGL_WARN, "log compression child %ld failed "
			    "(status %d); the rotated file stays uncompressed",
			    (long)lf_children[i].pid, status);
		lf_children[i] = lf_children[--lf_nchildren];
	}
}
