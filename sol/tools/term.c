/* term.c — ipmux-solcat's terminal: raw mode on a tty stdin, non-blocking stdout, restored on every exit path. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "solcat.h"

static struct termios term_saved;
static bool term_raw;		/* stdin is a tty we put in raw mode */
static int term_out_flags = -1;	/* stdout's flags before O_NONBLOCK */
static bool term_mid_line;	/* console output may have left the cursor
				 * mid-line: start messages on a new one */

bool
term_is_raw(void)
{
	return term_raw;
}

void
term_note_output(void)
{
	term_mid_line = true;
}

/* Idempotent and safe to call from atexit. */
void
term_restore(void)
{
	if (term_out_flags >= 0) {
		fcntl(STDOUT_FILENO, F_SETFL, term_out_flags);
		term_out_flags = -1;
	}
	if (term_raw) {
		tcsetattr(STDIN_FILENO, TCSADRAIN, &term_saved);
		term_raw = false;
	}
}

int
term_init(void)
{
	struct termios raw;
	int fl;

	if (atexit(term_restore) != 0)
		return -1;
	/* stdout may share its open file description with stdin and stderr
	 * (a tty opened once by the shell): O_NONBLOCK then applies to all,
	 * so every reader and writer here copes with EAGAIN. */
	if ((fl = fcntl(STDOUT_FILENO, F_GETFL)) >= 0 &&
	    (fl & O_NONBLOCK) == 0) {
		if (fcntl(STDOUT_FILENO, F_SETFL, fl | O_NONBLOCK) == 0)
			term_out_flags = fl;
	}
	if (!isatty(STDIN_FILENO))
		return 0;
	if (tcgetattr(STDIN_FILENO, &term_saved) != 0)
		return -1;
	raw = term_saved;
	cfmakeraw(&raw);
	raw.c_cc[VMIN] = 1;
	raw.c_cc[VTIME] = 0;
	/* Set the flag first: a failure halfway must still be undone. */
	term_raw = true;
	if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) != 0) {
		term_restore();
		return -1;
	}
	return 0;
}

/* Write all of buf to stderr, waiting at most about a second in total
 * if it is non-blocking and full. */
static void
term_write_err(const char *buf, size_t len)
{
	int waits = 0;
	ssize_t r;

	while (len > 0) {
		r = write(STDERR_FILENO, buf, len);
		if (r > 0) {
			buf += r;
			len -= (size_t)r;
		} else if (r < 0 && errno == EINTR) {
			continue;
		} else if (r < 0 && errno == EAGAIN && waits++ < 10) {
			struct pollfd p = { .fd = STDERR_FILENO,
			    .events = POLLOUT };

			poll(&p, 1, 100);
		} else {
			return;
		}
	}
}

void
term_say(const char *fmt, ...)
{
	char line[1024];
	const char *eol = term_raw ? "\r\n" : "\n";
	size_t n = 0;
	va_list ap;
	int r;

	if (term_raw && term_mid_line)
		n = (size_t)snprintf(line, sizeof(line), "%s", eol);
	va_start(ap, fmt);
	r = vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	va_end(ap);
	if (r < 0)
		return;
	n += (size_t)r;
	if (n > sizeof(line) - 3)
		n = sizeof(line) - 3;	/* truncated: keep room for eol */
	memcpy(line + n, eol, strlen(eol) + 1);
	term_write_err(line, strlen(line));
	term_mid_line = false;
}
