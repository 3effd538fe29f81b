/* ring.h — a console's scrollback: the last N bytes, with an ever-growing byte offset. */
#ifndef IPMUX_CONSERVER_RING_H
#define IPMUX_CONSERVER_RING_H

#include <stddef.h>
#include <stdint.h>

typedef struct ring ring;

ring *ring_new(size_t cap);
void ring_free(ring *r);		/* NULL is fine */
void ring_write(ring *r, const uint8_t *buf, size_t len);
/* Bytes ever written (the offset just past the newest byte). */
uint64_t ring_total(const ring *r);
size_t ring_len(const ring *r);		/* bytes held, <= cap */
/* Copy the last n bytes (n clamped to ring_len) into dst, oldest first.
 * Returns the bytes copied. */
size_t ring_tail(const ring *r, size_t n, uint8_t *dst);

#endif
