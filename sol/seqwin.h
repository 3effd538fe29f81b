/* seqwin.h — inbound RMCP+ session sequence window with a seen-bitmap. */
#ifndef IPMUX_SOL_SEQWIN_H
#define IPMUX_SOL_SEQWIN_H

#include <stdbool.h>
#include <stdint.h>

/* Accept up to SEQWIN_AHEAD above the highest seen, or up to SEQWIN_BEHIND
 * below it if not yet seen; 0 and duplicates are refused. The first
 * packet sets the base. Gaps are allowed (some BMCs skip numbers). */
#define SEQWIN_AHEAD 32
#define SEQWIN_BEHIND 32

struct seqwin {
	uint32_t highest;
	uint64_t seen;		/* bit i: highest - i was seen */
	bool started;
};

void seqwin_reset(struct seqwin *w);
/* Would seq be accepted? Does not change the window. */
bool seqwin_check(const struct seqwin *w, uint32_t seq);
/* Record seq as seen (call after the packet's MAC checked out). */
void seqwin_mark(struct seqwin *w, uint32_t seq);

#endif
