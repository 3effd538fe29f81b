/* backoff.h — reconnect pacing: exponential backoff with full jitter, and the FIFO of handshake slots. */
#ifndef IPMUX_CONSERVER_BACKOFF_H
#define IPMUX_CONSERVER_BACKOFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Backoff: attempt n (0-based) waits a uniformly random time in
 * [floor/2, min(cap, floor * 2^n)] ("full jitter", with a lower bound so a
 * flapping BMC is never hammered in a tight loop). The attempt count only
 * resets when a session held for at least reset_ms: a BMC that accepts a
 * session and drops it at once keeps backing off.
 */
struct backoff {
	unsigned attempt;
};

/* The upper bound of attempt n's window. */
uint32_t backoff_ceiling(uint32_t floor_ms, uint32_t cap_ms, unsigned attempt);
/* The delay for the next attempt, given a random 32-bit value; counts the
 * attempt. */
uint32_t backoff_next(struct backoff *b, uint32_t floor_ms, uint32_t cap_ms,
		      uint32_t rnd);
/* A session that was up for held_ms ended: reset if it held long enough.
 * Returns true when it reset. */
bool backoff_link_down(struct backoff *b, uint64_t held_ms, uint32_t reset_ms);

/*
 * Handshake gate: at most max consoles handshake at once; the others wait
 * in arrival order. Waiters are intrusive nodes embedded in the caller's
 * object. A node is idle, queued or holding a slot.
 */
struct hs_wait {
	struct hs_wait *next, *prev;
	bool queued;
	bool holding;
};

struct hs_gate {
	unsigned max;
	unsigned inflight;
	size_t nqueued;
	struct hs_wait *head, *tail;
};

void hs_gate_init(struct hs_gate *g, unsigned max);
/* Ask for a slot: true if w holds one now, false if it was queued (or
 * already queued). Asking while holding returns true. */
bool hs_gate_acquire(struct hs_gate *g, struct hs_wait *w);
/* Give up w's slot or its place in the queue (no-op when idle). */
void hs_gate_release(struct hs_gate *g, struct hs_wait *w);
/* Hand a free slot to the oldest waiter: returns it (now holding) or NULL
 * when no slot is free or nobody waits. Call until NULL. */
struct hs_wait *hs_gate_grant(struct hs_gate *g);
/* Change the limit (a reload); call hs_gate_grant afterwards. */
void hs_gate_set_max(struct hs_gate *g, unsigned max);

#endif
