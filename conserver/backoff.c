/* backoff.c — reconnect pacing: exponential backoff with full jitter, and the FIFO of handshake slots. */
#include "backoff.h"

uint32_t
backoff_ceiling(uint32_t floor_ms, uint32_t cap_ms, unsigned attempt)
{
	uint64_t c = floor_ms > 0 ? floor_ms : 1;

	if (cap_ms < c)
		cap_ms = (uint32_t)c;
	/* Shift one step at a time so a large attempt cannot overflow. */
	while (attempt-- > 0 && c < cap_ms)
		c <<= 1;
	return c > cap_ms ? cap_ms : (uint32_t)c;
}

uint32_t
backoff_next(struct backoff *b, uint32_t floor_ms, uint32_t cap_ms,
	     uint32_t rnd)
{
	uint32_t hi = backoff_ceiling(floor_ms, cap_ms, b->attempt);
	uint32_t lo = floor_ms / 2;

	if (lo > hi)
		lo = hi;
	if (b->attempt < 64)
		b->attempt++;
	return lo + (uint32_t)((uint64_t)rnd % ((uint64_t)hi - lo + 1));
}

bool
backoff_link_down(struct backoff *b, uint64_t held_ms, uint32_t reset_ms)
{
	if (held_ms < reset_ms)
		return false;
	b->attempt = 0;
	return true;
}

void
hs_gate_init(struct hs_gate *g, unsigned max)
{
	g->max = max > 0 ? max : 1;
	g->inflight = 0;
	g->nqueued = 0;
	g->head = g->tail = NULL;
}

static void
hs_unlink(struct hs_gate *g, struct hs_wait *w)
{
	if (w->prev != NULL)
		w->prev->next = w->next;
	else
		g->head = w->next;
	if (w->next != NULL)
		w->next->prev = w->prev;
	else
		g->tail = w->prev;
	w->next = w->prev = NULL;
	w->queued = false;
	g->nqueued--;
}

bool
hs_gate_acquire(struct hs_gate *g, struct hs_wait *w)
{
	if (w->holding)
		return true;
	if (w->queued)
		return false;
	/* Newcomers never overtake the queue, even with a slot free. */
	if (g->head == NULL && g->inflight < g->max) {
		g->inflight++;
		w->holding = true;
		return true;
	}
	w->next = NULL;
	w->prev = g->tail;
	if (g->tail != NULL)
		g->tail->next = w;
	else
		g->head = w;
	g->tail = w;
	w->queued = true;
	g->nqueued++;
	return false;
}

void
hs_gate_release(struct hs_gate *g, struct hs_wait *w)
{
	if (w->holding) {
		w->holding = false;
		if (g->inflight > 0)
			g->inflight--;
	} else if (w->queued) {
		hs_unlink(g, w);
	}
}

struct hs_wait *
hs_gate_grant(struct hs_gate *g)
{
	struct hs_wait *w = g->head;

	if (w == NULL || g->inflight >= g->max)
		return NULL;
	hs_unlink(g, w);
	w->holding = true;
	g->inflight++;
	return w;
}

void
hs_gate_set_max(struct hs_gate *g, unsigned max)
{
	g->max = max > 0 ? max : 1;
}
