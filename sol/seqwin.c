/* seqwin.c — inbound RMCP+ sequence window: highest seen plus a seen-bitmap. */
#include <string.h>

#include "seqwin.h"

/* The bitmap must reach back at least as far as the window does. */
_Static_assert(SEQWIN_BEHIND < 64, "seen-bitmap too small for the window");
_Static_assert(SEQWIN_AHEAD < 0x80000000u, "window wider than half the space");

void
seqwin_reset(struct seqwin *w)
{
	memset(w, 0, sizeof(*w));
}

/*
 * Signed distance from highest to seq, modulo 2^32, so the window slides
 * across the wrap (senders skip 0: 0xFFFFFFFF is followed by 1).
 */
static int64_t
seq_dist(uint32_t highest, uint32_t seq)
{
	uint32_t d = seq - highest;

	return d < 0x80000000u ? (int64_t)d : (int64_t)d - 0x100000000LL;
}

bool
seqwin_check(const struct seqwin *w, uint32_t seq)
{
	int64_t d;

	if (seq == 0)
		return false;
	if (!w->started)
		return true;
	d = seq_dist(w->highest, seq);
	if (d > 0)
		return d <= SEQWIN_AHEAD;
	if (d < -(int64_t)SEQWIN_BEHIND)
		return false;
	/* d == 0 is bit 0, always set: a duplicate of the highest. */
	return (w->seen & (UINT64_C(1) << -d)) == 0;
}

void
seqwin_mark(struct seqwin *w, uint32_t seq)
{
	int64_t d;

	/* Marking something the window refuses would corrupt it. */
	if (!seqwin_check(w, seq))
		return;
	if (!w->started) {
		w->started = true;
		w->highest = seq;
		w->seen = 1;
		return;
	}
	d = seq_dist(w->highest, seq);
	if (d > 0) {
		w->seen = d >= 64 ? 0 : w->seen << d;
		w->seen |= 1;
		w->highest = seq;
	} else {
		w->seen |= UINT64_C(1) << -d;
	}
}
