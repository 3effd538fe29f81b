/* secret.c — secret readers (private file, environment, no-echo terminal prompt) that wipe what they touch. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <termios.h>
#include <unistd.h>

#include "secret.h"

struct secret {
	size_t len;
	uint8_t data[];
};

/* Raw input buffer: hex digits, "0x" and a "\r\n" for the largest secret,
 * plus one byte to notice overlong input. */
#define SECRET_RAW (2 * SECRET_MAX + 5)

const uint8_t *
secret_data(const secret *s)
{
	return s->data;
}

size_t
secret_len(const secret *s)
{
	return s->len;
}

void
secret_free(secret *s)
{
	if (s == NULL)
		return;
	explicit_bzero(s->data, s->len);
	free(s);
}

static int
secret_hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Decode "0x..." hex into s->data; the caller checked the length fits. */
static int
secret_unhex(secret *s, const uint8_t *hex, size_t n, const char *what,
	     char *err, size_t errlen)
{
	size_t i;

	if (n == 0 || n % 2 != 0) {
		snprintf(err, errlen, "%s: hex form needs an even, non-zero "
		    "number of digits after 0x", what);
		return -1;
	}
	for (i = 0; i < n; i += 2) {
		int hi = secret_hexval(hex[i]), lo = secret_hexval(hex[i + 1]);

		if (hi < 0 || lo < 0) {
			snprintf(err, errlen, "%s: not a hex digit after 0x",
			    what);
			return -1;
		}
		s->data[i / 2] = (uint8_t)(hi << 4 | lo);
	}
	s->len = n / 2;
	return 0;
}

int
secret_from_buf(const uint8_t *buf, size_t len, const char *what,
		size_t maxlen, unsigned flags, secret **out, char *err,
		size_t errlen)
{
	secret *s;
	int hex;

	*out = NULL;
	if (maxlen > SECRET_MAX) {
		snprintf(err, errlen, "%s: maximum length too large", what);
		return -1;
	}
	if (len > 0 && buf[len - 1] == '\n') {
		len--;
		if (len > 0 && buf[len - 1] == '\r')
			len--;
	}
	hex = (flags & SECRET_HEX) && len >= 2 && buf[0] == '0' &&
	    (buf[1] == 'x' || buf[1] == 'X');
	if ((hex ? (len - 2) / 2 : len) > maxlen) {
		snprintf(err, errlen, "%s is longer than %zu bytes", what,
		    maxlen);
		return -1;
	}
	if ((s = calloc(1, sizeof(*s) + maxlen + 1)) == NULL) {
		snprintf(err, errlen, "%s: out of memory", what);
		return -1;
	}
	if (hex) {
		if (secret_unhex(s, buf + 2, len - 2, what, err, errlen) != 0) {
			secret_free(s);
			return -1;
		}
	} else {
		memcpy(s->data, buf, len);
		s->len = len;
	}
	*out = s;
	return 0;
}

/* Read the whole (small) file into raw; returns its length or -1. */
static ssize_t
secret_read_fd(int fd, uint8_t *raw, size_t cap)
{
	size_t n = 0;
	ssize_t r;

	while (n < cap) {
		r = read(fd, raw + n, cap - n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -1;
		if (r == 0)
			break;
		n += (size_t)r;
	}
	return (ssize_t)n;
}

int
secret_from_file(const char *path, const char *what, size_t maxlen,
		 unsigned flags, secret **out, char *err, size_t errlen)
{
	uint8_t raw[SECRET_RAW];
	struct stat st;
	ssize_t n;
	int fd, rc = -1;

	*out = NULL;
	/* O_NONBLOCK: a FIFO must not hang us before fstat refuses it. */
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		snprintf(err, errlen, "%s file %s: %s", what, path,
		    strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "%s file %s: %s", what, path,
		    strerror(errno));
	} else if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s file %s: not a regular file", what,
		    path);
	} else if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s file %s: mode %04o lets group or "
		    "others access it; chmod 600 it", what, path,
		    (unsigned)(st.st_mode & 07777));
	} else if ((n = secret_read_fd(fd, raw, sizeof(raw))) < 0) {
		snprintf(err, errlen, "%s file %s: %s", what, path,
		    strerror(errno));
	} else {
		char label[256];

		snprintf(label, sizeof(label), "%s file %s", what, path);
		rc = secret_from_buf(raw, (size_t)n, label, maxlen, flags, out,
		    err, errlen);
		explicit_bzero(raw, sizeof(raw));
	}
	close(fd);
	return rc;
}

int
secret_from_env(const char *name, const char *what, size_t maxlen,
		unsigned flags, secret **out, char *err, size_t errlen)
{
	char *v;
	size_t n;
	int rc;

	*out = NULL;
	if ((v = getenv(name)) == NULL)
		return 0;
	n = strlen(v);
	rc = secret_from_buf((const uint8_t *)v, n, what, maxlen, flags, out,
	    err, errlen);
	/* Wipe the copy in the environment block (also what
	 * /proc/PID/environ shows), then drop the variable. */
	explicit_bzero(v, n);
	unsetenv(name);
	return rc;
}

static volatile sig_atomic_t secret_signo;

static void
secret_catch(int sig)
{
	secret_signo = sig;
}

static const int secret_sigs[] = { SIGINT, SIGHUP, SIGTERM, SIGQUIT };
#define SECRET_NSIGS (sizeof(secret_sigs) / sizeof(secret_sigs[0]))

/* Read one line from the terminal into raw; -1 on error or signal, else
 * the length (cap means "too long": the rest of the line is discarded). */
static ssize_t
secret_read_line(int fd, uint8_t *raw, size_t cap)
{
	size_t n = 0;
	uint8_t c;
	ssize_t r;

	for (;;) {
		r = read(fd, &c, 1);
		if (r < 0 || secret_signo != 0)
			return -1;
		if (r == 0 || c == '\n')
			break;
		if (n < cap)
			raw[n++] = c;
	}
	explicit_bzero(&c, sizeof(c));
	return (ssize_t)n;
}

/* Best effort: a lost prompt does not stop the read. */
static void
secret_put(int fd, const char *str)
{
	size_t len = strlen(str);
	ssize_t r;

	while (len > 0) {
		r = write(fd, str, len);
		if (r <= 0)
			return;
		str += r;
		len -= (size_t)r;
	}
}

static void
secret_sigs_set(struct sigaction *old)
{
	struct sigaction sa;
	size_t i;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = secret_catch;	/* no SA_RESTART: read must stop */
	sigemptyset(&sa.sa_mask);
	secret_signo = 0;
	for (i = 0; i < SECRET_NSIGS; i++)
		sigaction(secret_sigs[i], &sa, &old[i]);
}

static void
secret_sigs_restore(const struct sigaction *old)
{
	size_t i;

	for (i = 0; i < SECRET_NSIGS; i++)
		sigaction(secret_sigs[i], &old[i], NULL);
}

int
secret_from_tty(const char *prompt, const char *what, size_t maxlen,
		unsigned flags, secret **out, char *err, size_t errlen)
{
	struct sigaction old[SECRET_NSIGS];
	struct termios saved, quiet;
	uint8_t raw[SECRET_RAW];
	ssize_t n;
	int fd, rc = -1, sig;

	*out = NULL;
	if ((fd = open("/dev/tty", O_RDWR | O_NOCTTY | O_CLOEXEC)) < 0) {
		snprintf(err, errlen, "%s: cannot open /dev/tty: %s", what,
		    strerror(errno));
		return -1;
	}
	if (tcgetattr(fd, &saved) != 0) {
		snprintf(err, errlen, "%s: /dev/tty: %s", what,
		    strerror(errno));
		close(fd);
		return -1;
	}
	secret_sigs_set(old);
	quiet = saved;
	quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHOE | ECHOK | ECHONL);
	quiet.c_lflag |= ICANON;
	if (tcsetattr(fd, TCSAFLUSH, &quiet) != 0) {
		snprintf(err, errlen, "%s: /dev/tty: %s", what,
		    strerror(errno));
		goto out;
	}
	secret_put(fd, prompt);
	n = secret_read_line(fd, raw, sizeof(raw));
	tcsetattr(fd, TCSAFLUSH, &saved);
	secret_put(fd, "\n");	/* the user's Enter was not echoed */
	if (n < 0)
		snprintf(err, errlen, "%s: %s", what, secret_signo != 0 ?
		    "interrupted" : strerror(errno));
	else
		rc = secret_from_buf(raw, (size_t)n, what, maxlen, flags,
		    out, err, errlen);
	explicit_bzero(raw, sizeof(raw));
out:
	tcsetattr(fd, TCSAFLUSH, &saved);
	close(fd);
	sig = secret_signo;
	secret_sigs_restore(old);
	if (sig != 0)
		raise(sig);	/* the terminal is sane again; act on it now */
	return rc;
}
