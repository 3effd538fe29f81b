/* quirks.c — BMC workaround flags: parse and format FreeIPMI-style names. */
#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "sol.h"

static const struct {
	const char *name;
	uint32_t bit;
} quirk_names[] = {
	{ "authcap", SOL_Q_AUTHCAP },
	{ "intel20", SOL_Q_INTEL20 },
	{ "supermicro20", SOL_Q_SUPERMICRO20 },
	{ "sun20", SOL_Q_SUN20 },
	{ "opensesspriv", SOL_Q_OPENSESSPRIV },
	{ "integritycheckvalue", SOL_Q_INTEGRITYCHECKVALUE },
	{ "nochecksumcheck", SOL_Q_NOCHECKSUMCHECK },
	{ "solpayloadsize", SOL_Q_SOLPAYLOADSIZE },
	{ "solport", SOL_Q_SOLPORT },
	{ "solstatus", SOL_Q_SOLSTATUS },
	{ "solchannelsupport", SOL_Q_SOLCHANNELSUPPORT },
	{ "serialalertsdeferred", SOL_Q_SERIALALERTSDEFERRED },
	{ "solpacketseq", SOL_Q_SOLPACKETSEQ },
};
#define NQUIRKS (sizeof(quirk_names) / sizeof(quirk_names[0]))

static int
name_is(const char *s, size_t n, const char *name)
{
	return strlen(name) == n && strncasecmp(s, name, n) == 0;
}

/*
 * Apply one trimmed name (s, n) to *bits. "none" clears what came before
 * it, "default" adds SOL_Q_DEFAULT. Returns 0 or -1 if unknown.
 */
static int
apply_name(const char *s, size_t n, uint32_t *bits)
{
	size_t i;

	if (name_is(s, n, "none")) {
		*bits = 0;
		return 0;
	}
	if (name_is(s, n, "default")) {
		*bits |= SOL_Q_DEFAULT;
		return 0;
	}
	for (i = 0; i < NQUIRKS; i++) {
		if (name_is(s, n, quirk_names[i].name)) {
			*bits |= quirk_names[i].bit;
			return 0;
		}
	}
	return -1;
}

/* On error *bad points into list at the offending name, which runs to the
 * next comma (strcspn(*bad, ",") gives its length). An empty name, as in
 * "a,,b" or a trailing comma, is an error too. */
int
sol_quirks_parse(const char *list, uint32_t *out, const char **bad)
{
	const char *p = list, *s, *e;
	uint32_t bits = 0;

	if (bad != NULL)
		*bad = NULL;
	if (list == NULL)
		return -1;
	/* A blank list means no quirks. */
	while (isspace((unsigned char)*p))
		p++;
	if (*p == '\0') {
		*out = 0;
		return 0;
	}
	for (p = list;; p = e + 1) {
		e = p + strcspn(p, ",");
		for (s = p; s < e && isspace((unsigned char)*s); s++)
			;
		while (e > s && isspace((unsigned char)e[-1]))
			e--;
		if (apply_name(s, (size_t)(e - s), &bits) != 0) {
			if (bad != NULL)
				*bad = s;
			return -1;
		}
		e += strcspn(e, ",");
		if (*e == '\0')
			break;
	}
	*out = bits;
	return 0;
}

/* Names of the set bits, comma-separated, "none" for no bits. Bits without
 * a name are left out. Always NUL-terminates (when len > 0); a name that
 * does not fit is dropped whole rather than cut. */
void
sol_quirks_format(uint32_t bits, char *buf, size_t len)
{
	size_t i, used = 0, n;
	int any = 0;

	if (buf == NULL || len == 0)
		return;
	buf[0] = '\0';
	for (i = 0; i < NQUIRKS; i++) {
		if ((bits & quirk_names[i].bit) == 0)
			continue;
		any = 1;
		n = strlen(quirk_names[i].name) + (used > 0);
		if (used + n >= len)
			break;
		snprintf(buf + used, len - used, "%s%s", used > 0 ? "," : "",
		    quirk_names[i].name);
		used += n;
	}
	if (!any && len > strlen("none"))
		snprintf(buf, len, "none");
}
