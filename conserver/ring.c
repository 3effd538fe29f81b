/* ring.c — a console's scrollback: a fixed-size byte ring that keeps the newest bytes and counts all of them. */
#include <stdlib.h>
#include <string.h>

#include "ring.h"

struct ring {
	uint8_t *buf;
	size_t cap;
	size_t head;		/* where the next byte goes */
	size_t len;		/* bytes held, <= cap */
	uint64_t total;		/* bytes ever written */
};

ring *
ring_new(size_t cap)
{
	ring *r;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		return NULL;
	/* A zero-byte scrollback is legal (scrollback disabled): keep a
	 * valid pointer anyway so nothing below needs a special case. */
	if ((r->buf = malloc(cap > 0 ? cap : 1)) == NULL) {
		free(r);
		return NULL;
	}
	r->cap = cap;
	return r;
}

void
ring_free(ring *r)
{
	if (r == NULL)
		return;
	free(r->buf);
	free(r);
}

/* O(len) copy but O(1) bookkeeping: only the last cap bytes of a large
 * write can survive, so the rest is never copied. */
void
ring_write(ring *r, const uint8_t *buf, size_t len)
{
	size_t n, first;

	r->total += len;
	if (r->cap == 0 || len == 0)
		return;
	if (len >= r->cap) {
		memcpy(r->buf, buf + (len - r->cap), r->cap);
		r->head = 0;
		r->len = r->cap;
		return;
	}
	n = len;
	first = r->cap - r->head;
	if (first > n)
		first = n;
	memcpy(r->buf + r->head, buf, first);
	memcpy(r->buf, buf + first, n - first);
	r->head = (r->head + n) % r->cap;
	r->len = r->len + n > r->cap ? r->cap : r->len + n;
}

uint64_t
ring_total(const ring *r)
{
	return r->total;
}

size_t
ring_len(const ring *r)
{
	return r->len;
}

size_t
ring_tail(const ring *r, size_t n, uint8_t *dst)
{
	size_t start, first;

	if (n > r->len)
		n = r->len;
	if (n == 0)
		return 0;
	/* Oldest wanted byte sits n bytes behind head, modulo cap. */
	start = (r->head + r->cap - n) % r->cap;
	first = r->cap - start;
	if (first > n)
		first = n;
	memcpy(dst, r->buf + start, first);
	memcpy(dst + first, r->buf, n - first);
	return n;
}
