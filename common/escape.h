/* escape.h — conserver-style console escape sequences (^Ec. and friends) parsed from a byte stream. */
#ifndef IPMUX_ESCAPE_H
#define IPMUX_ESCAPE_H

#include <stddef.h>
#include <stdint.h>

/*
 * The escape is a two-byte prefix, by default ^E c, followed by one command
 * byte.  It is recognised anywhere in the stream, not only at line start,
 * as conserver does; so it never collides with ssh's line-start "~.".
 *
 *   prefix .     ESCAPE_QUIT      detach / quit
 *   prefix b     ESCAPE_BREAK     send a serial break
 *   prefix ?     ESCAPE_HELP      show help
 *   prefix X     ESCAPE_OTHER     X is one of the caller's extra commands
 *                                 (e.g. "fsr": force, spy, replay)
 *   prefix Y     ESCAPE_UNKNOWN   any other Y; swallowed, caller may hint
 *   prefix c     (second byte again) sends the prefix itself literally,
 *                so "^E c c" reaches the host as "^E c"
 *   ^E x         (x not the second byte) passes through unchanged
 *   ^E ^E        the first ^E passes through; the second may start a prefix
 *
 * Bytes of a possible prefix are held back until the next byte decides;
 * at most ESCAPE_HOLD bytes are held, so an output buffer of len +
 * ESCAPE_HOLD bytes always suffices for len input bytes.
 */
#define ESCAPE_HOLD 2

#define ESCAPE_DEFAULT_CHAR 0x05	/* ^E */
#define ESCAPE_DEFAULT_SECOND 'c'

enum escape_cmd {
	ESCAPE_NONE = 0,	/* no command: input ran out */
	ESCAPE_QUIT,
	ESCAPE_BREAK,
	ESCAPE_HELP,
	ESCAPE_OTHER,		/* one of the caller's extra command bytes */
	ESCAPE_UNKNOWN,		/* prefix followed by an undefined byte */
};

struct escape_event {
	enum escape_cmd cmd;
	uint8_t ch;		/* the command byte (ESCAPE_OTHER/UNKNOWN too) */
};

typedef struct escape escape;

/* A parser for prefix (esc, second) with extra command bytes (may be NULL
 * or ""; they must not be '.', 'b', '?' or second).  Returns NULL on a bad
 * combination or out of memory. */
escape *escape_new(uint8_t esc, uint8_t second, const char *extra);
void escape_free(escape *e);

/*
 * Parse up to len input bytes.  Pass-through bytes go to out (room for
 * len + ESCAPE_HOLD bytes), their count to *outlen.  Stops right after a
 * command so the caller can act on it in stream order: returns the number
 * of input bytes consumed (< len only when a command was found), with
 * ev->cmd set, or ESCAPE_NONE when all input was consumed.
 */
size_t escape_feed(escape *e, const uint8_t *in, size_t len, uint8_t *out,
		   size_t *outlen, struct escape_event *ev);
/* Release held prefix bytes (e.g. at end of input). Writes at most
 * ESCAPE_HOLD bytes to out and returns their count. */
size_t escape_flush(escape *e, uint8_t *out);
/* Bytes currently held back (0..ESCAPE_HOLD). */
size_t escape_held(const escape *e);

/* Parse an escape spec: "^E", "^]", "^Ex" (caret notation or one literal
 * byte, optionally followed by the second byte; default second 'c'). "none"
 * returns 1 (escape disabled); 0 on success; -1 if malformed. */
int escape_parse_spec(const char *spec, uint8_t *esc, uint8_t *second);
/* Human form of the prefix, e.g. "^Ec", into buf (12 bytes always suffice). */
void escape_format(uint8_t esc, uint8_t second, char *buf, size_t len);
/* One byte in the same notation ("^E", "c", "^?", "\\x80"). */
void escape_format_byte(uint8_t c, char *buf, size_t len);

#endif
