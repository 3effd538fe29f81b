/* fuzz_solpkt.c — libFuzzer target: drive the SOL payload engine with an op stream, check its invariants. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "solpkt.h"

/*
 * Input: 4 config bytes (max_chars, retry_ms, retries, flags), then ops.
 * Each op is one byte, op % 8, followed by its arguments:
 *   0 input  L, then L % 48 payload bytes (short ones are malformed)
 *   1 write  L: L bytes of a known pattern
 *   2 emit   C: one emit into a buffer of exactly C % 300 bytes
 *   3 tick   D: advance the clock by D * 8 ms, then tick
 *   4 clock  D: advance by D ms
 *   5 break
 *   6 restart F: prime = F & 1
 *   7 drain: emit until nothing, into a full-size buffer
 */

struct fz {
	struct solpkt p;
	uint64_t now;
	uint64_t written;	/* bytes accepted by solpkt_write */
	uint64_t rx_chars;	/* chars in well-formed BMC data packets */
	uint64_t delivered;	/* chars handed to cb.data */
	bool dead;
};

static struct fz fz;
static struct solpkt before;

static void
check(bool ok)
{
	if (!ok)
		abort();
}

/* Console input is a pattern of its stream offset, so whatever goes out
 * can be checked against where it must have come from. */
static uint8_t
pat(uint64_t off)
{
	return (uint8_t)(off * 31 + (off >> 9) + 7);
}

static void
fz_data(void *ctx, const uint8_t *buf, size_t len)
{
	struct fz *f = ctx;

	check(len > 0);
	for (size_t i = 0; i < len; i++)
		(void)*(volatile const uint8_t *)(buf + i);
	f->delivered += len;
}

static void
fz_status(void *ctx, unsigned bits)
{
	check((bits & ~0x7Cu) == 0);
}

static void
check_state(const struct fz *f)
{
	const struct solpkt *p = &f->p;

	check(p->out_len <= SOLPKT_OUT_CAP);
	check(p->out_head < SOLPKT_OUT_CAP);
	check(p->inflight_len <= p->out_len);
	check(p->inflight_len <= p->max_chars);
	check(p->inflight_seq <= 15);
	check(p->next_seq >= 1 && p->next_seq <= 15);
	check(p->last_rx_seq <= 15);
	check(f->written == p->out_len + p->bytes_out);
	check(f->delivered <= f->rx_chars);
	check(f->delivered == p->bytes_in);
}

static void
check_pkt(const struct fz *f, const uint8_t *out, size_t n, size_t cap)
{
	const struct solpkt *p = &f->p;

	check(n <= cap);
	if (n == 0)
		return;
	check(n >= SOLPKT_HDR && n - SOLPKT_HDR <= p->max_chars);
	check(out[0] <= 15 && out[1] <= 15);
	if (out[0] == 0) {
		check(n == SOLPKT_HDR);	/* ACK only */
		return;
	}
	/* Data goes out from the head of the unaccepted stream. */
	check(out[0] == p->inflight_seq);
	check(n - SOLPKT_HDR == p->inflight_len);
	for (size_t i = SOLPKT_HDR; i < n; i++)
		check(out[i] == pat(p->bytes_out + i - SOLPKT_HDR));
}

static void
op_input(const uint8_t *d, size_t len)
{
	int r;

	before = fz.p;
	r = solpkt_input(&fz.p, d, len, fz.now);
	if (len < SOLPKT_HDR) {
		check(r == -1);
		check(memcmp(&before, &fz.p, sizeof(before)) == 0);
		return;
	}
	check(r == SOLPKT_OK || r == SOLPKT_DEACTIVATING);
	check((r == SOLPKT_DEACTIVATING) == ((d[3] & 0x10) != 0));
	if ((d[0] & 0x0F) != 0)
		fz.rx_chars += len - SOLPKT_HDR;
}

static void
op_write(size_t len)
{
	uint8_t buf[256];
	size_t n;

	for (size_t i = 0; i < len; i++)
		buf[i] = pat(fz.written + i);
	n = solpkt_write(&fz.p, buf, len);
	check(n <= len);
	check(n == len || fz.p.out_len == SOLPKT_OUT_CAP);
	fz.written += n;
}

static void
op_emit(size_t cap)
{
	/* Exactly cap bytes on the heap, so ASan sees any overrun. */
	uint8_t *out = malloc(cap ? cap : 1);
	size_t n;

	check(out != NULL);
	n = solpkt_emit(&fz.p, fz.now, out, cap);
	check_pkt(&fz, out, n, cap);
	free(out);
}

static void
op_drain(void)
{
	uint8_t out[SOLPKT_HDR + SOLPKT_MAX_CHARS];
	size_t n;
	int rounds = 0;

	while ((n = solpkt_emit(&fz.p, fz.now, out, sizeof(out))) > 0) {
		check_pkt(&fz, out, n, sizeof(out));
		/* A new packet, an ACK, a retransmit: never a loop. */
		check(++rounds <= 4);
	}
}

static void
op_tick(void)
{
	uint64_t d = solpkt_deadline(&fz.p);
	int r = solpkt_tick(&fz.p, fz.now);

	check(r == SOLPKT_OK || r == SOLPKT_DEAD);
	if (r == SOLPKT_DEAD) {
		/* Only when a timer actually ran out. */
		check(d <= fz.now);
		fz.dead = true;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct solpkt_cb cb = { fz_data, fz_status };
	size_t i = 4, a;

	if (size < 4)
		return 0;
	memset(&fz, 0, sizeof(fz));
	fz.now = 1;
	solpkt_init(&fz.p, data[0], 1 + data[1] % 64, data[2] % 6,
	    data[3] & 1, data[3] & 2, &cb, &fz);
	check_state(&fz);

	while (i < size) {
		uint8_t op = data[i++] % 8;

		a = i < size ? data[i] : 0;
		switch (op) {
		case 0: {
			size_t start = ++i < size ? i : size;

			a %= 48;
			if (a > size - start)
				a = size - start;
			op_input(data + start, a);
			i = start + a;
			break;
		}
		case 1:
			i++;
			op_write(a);
			break;
		case 2:
			i++;
			op_emit(a % 300);
			break;
		case 3:
			i++;
			fz.now += a * 8;
			op_tick();
			break;
		case 4:
			i++;
			fz.now += a;
			break;
		case 5:
			solpkt_break(&fz.p);
			break;
		case 6:
			i++;
			solpkt_restart(&fz.p, a & 1);
			break;
		default:
			op_drain();
			break;
		}
		check_state(&fz);
		(void)solpkt_deadline(&fz.p);
	}
	return 0;
}
