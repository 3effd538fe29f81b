/* escape.c — conserver-style escape sequence parser: a three-state machine over the input bytes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "escape.h"

enum escape_state {
	ESC_ST_NORMAL = 0,	/* nothing held */
	ESC_ST_ESC,		/* holding the escape byte */
	ESC_ST_PREFIX,		/* holding escape + second: next is a command */
};

struct escape {
	uint8_t esc, second;
	enum escape_state st;
	char extra[32];		/* caller's extra command bytes */
};

static int
escape_reserved(uint8_t c)
{
	return c == '.' || c == 'b' || c == '?';
}

escape *
escape_new(uint8_t esc, uint8_t second, const char *extra)
{
	escape *e;
	size_t i, n = extra == NULL ? 0 : strlen(extra);

	if (n >= sizeof(e->extra) || escape_reserved(second))
		return NULL;
	for (i = 0; i < n; i++) {
		uint8_t c = (uint8_t)extra[i];

		if (escape_reserved(c) || c == second)
			return NULL;
	}
	if ((e = calloc(1, sizeof(*e))) == NULL)
		return NULL;
	e->esc = esc;
	e->second = second;
	if (n > 0)
		memcpy(e->extra, extra, n);
	return e;
}

void
escape_free(escape *e)
{
	free(e);
}

static void
escape_command(const escape *e, uint8_t c, struct escape_event *ev)
{
	ev->ch = c;
	if (c == '.')
		ev->cmd = ESCAPE_QUIT;
	else if (c == 'b')
		ev->cmd = ESCAPE_BREAK;
	else if (c == '?')
		ev->cmd = ESCAPE_HELP;
	else if (c != '\0' && strchr(e->extra, c) != NULL)
		ev->cmd = ESCAPE_OTHER;
	else
		ev->cmd = ESCAPE_UNKNOWN;
}

size_t
escape_feed(escape *e, const uint8_t *in, size_t len, uint8_t *out,
	    size_t *outlen, struct escape_event *ev)
{
	size_t i, o = 0;

	ev->cmd = ESCAPE_NONE;
	ev->ch = 0;
	for (i = 0; i < len; i++) {
		uint8_t c = in[i];

		switch (e->st) {
		case ESC_ST_NORMAL:
			if (c == e->esc)
				e->st = ESC_ST_ESC;
			else
				out[o++] = c;
			break;
		case ESC_ST_ESC:
			/* Test second first: esc == second must still work. */
			if (c == e->second) {
				e->st = ESC_ST_PREFIX;
			} else if (c == e->esc) {
				out[o++] = e->esc;	/* still holding one */
			} else {
				out[o++] = e->esc;
				out[o++] = c;
				e->st = ESC_ST_NORMAL;
			}
			break;
		case ESC_ST_PREFIX:
			e->st = ESC_ST_NORMAL;
			if (c == e->second) {
				/* prefix + second: the prefix itself, literally */
				out[o++] = e->esc;
				out[o++] = e->second;
				break;
			}
			escape_command(e, c, ev);
			*outlen = o;
			return i + 1;
		}
	}
	*outlen = o;
	return len;
}

size_t
escape_flush(escape *e, uint8_t *out)
{
	size_t o = 0;

	if (e->st != ESC_ST_NORMAL)
		out[o++] = e->esc;
	if (e->st == ESC_ST_PREFIX)
		out[o++] = e->second;
	e->st = ESC_ST_NORMAL;
	return o;
}

size_t
escape_held(const escape *e)
{
	return e->st == ESC_ST_NORMAL ? 0 : e->st == ESC_ST_ESC ? 1 : 2;
}

/* One byte in caret notation ("^E", "^]", "^?") or literally; returns the
 * number of characters used, 0 if malformed. */
static size_t
escape_parse_char(const char *s, uint8_t *c)
{
	if (s[0] == '\0')
		return 0;
	if (s[0] != '^' || s[1] == '\0') {
		*c = (uint8_t)s[0];
		return 1;
	}
	if (s[1] == '?') {
		*c = 0x7f;
		return 2;
	}
	if ((s[1] >= '@' && s[1] <= '_') || (s[1] >= 'a' && s[1] <= 'z')) {
		*c = (uint8_t)s[1] & 0x1f;
		return 2;
	}
	return 0;
}

int
escape_parse_spec(const char *spec, uint8_t *esc, uint8_t *second)
{
	uint8_t e, s = ESCAPE_DEFAULT_SECOND;
	size_t n;

	if (strcmp(spec, "none") == 0)
		return 1;
	if ((n = escape_parse_char(spec, &e)) == 0)
		return -1;
	spec += n;
	if (*spec != '\0') {
		if ((n = escape_parse_char(spec, &s)) == 0 || spec[n] != '\0')
			return -1;
	}
	if (escape_reserved(s))
		return -1;
	*esc = e;
	*second = s;
	return 0;
}

static int
escape_format_char(uint8_t c, char *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (c < 0x20)
		return snprintf(buf, len, "^%c", c | 0x40);
	if (c == 0x7f)
		return snprintf(buf, len, "^?");
	if (c < 0x7f)
		return snprintf(buf, len, "%c", c);
	return snprintf(buf, len, "\\x%02x", c);
}

void
escape_format(uint8_t esc, uint8_t second, char *buf, size_t len)
{
	int n;

	if (len == 0)
		return;
	n = escape_format_char(esc, buf, len);
	if (n >= 0 && (size_t)n < len)
		escape_format_char(second, buf + n, len - (size_t)n);
}

void
escape_format_byte(uint8_t c, char *buf, size_t len)
{
	escape_format_char(c, buf, len);
}
