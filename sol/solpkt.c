/* solpkt.c — SOL payload engine: one unacked packet, partial accept, NACK pause, retransmit and seq bump. */
#include <string.h>

#include "solpkt.h"

/* What the BMC reports in the op/status byte that matters to the engine. */
#define ST_BLOCKED (SOLPKT_ST_NACK | SOLPKT_ST_UNAVAIL)
#define ST_REPORTED (SOLPKT_ST_NACK | SOLPKT_ST_UNAVAIL | \
	SOLPKT_ST_DEACTIVATING | SOLPKT_ST_OVERRUN | SOLPKT_ST_BREAK)

static size_t
min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

/* t + d without wrapping: a fuzzed or far-future clock must not make a
 * deadline land in the past. */
static uint64_t
add_sat(uint64_t t, uint32_t d)
{
	return t > UINT64_MAX - d ? UINT64_MAX : t + d;
}

static uint8_t
seq_alloc(struct solpkt *p)
{
	uint8_t s = p->next_seq;

	if (s < 1 || s > 15)
		s = 1;
	p->next_seq = s == 15 ? 1 : s + 1;
	return s;
}

/* Copy the first n buffered bytes (they may wrap) to dst. */
static void
ring_peek(const struct solpkt *p, uint8_t *dst, size_t n)
{
	size_t first = min_sz(n, SOLPKT_OUT_CAP - p->out_head);

	memcpy(dst, p->out + p->out_head, first);
	memcpy(dst + first, p->out, n - first);
}

static void
ring_consume(struct solpkt *p, size_t n)
{
	p->out_head = (p->out_head + n) % SOLPKT_OUT_CAP;
	p->out_len -= n;
	if (p->out_len == 0)
		p->out_head = 0;
}

static void
inflight_clear(struct solpkt *p)
{
	p->inflight_seq = 0;
	p->inflight_len = 0;
	p->inflight_ops = 0;
	p->inflight_prime = false;
	p->tries = 0;
	p->bumped = false;
	p->resend = false;
}

void
solpkt_init(struct solpkt *p, size_t max_chars, uint32_t retry_ms,
	    unsigned retries, bool bump_seq, bool prime,
	    const struct solpkt_cb *cb, void *ctx)
{
	memset(p, 0, sizeof(*p));
	if (max_chars == 0 || max_chars > SOLPKT_MAX_CHARS)
		max_chars = SOLPKT_MAX_CHARS;
	p->max_chars = max_chars;
	/* 0 would make every emit() call a retransmit. */
	p->retry_ms = retry_ms ? retry_ms : 1;
	p->retries = retries;
	p->bump_seq = bump_seq;
	if (cb != NULL)
		p->cb = *cb;
	p->ctx = ctx;
	solpkt_restart(p, prime);
}

void
solpkt_restart(struct solpkt *p, bool prime)
{
	/* The ring and pending_ops survive: input typed during a
	 * re-activation is sent on the new one. */
	inflight_clear(p);
	p->next_seq = 1;
	p->sent_at = 0;
	p->hold_until = 0;
	p->paused = false;
	p->prime = prime;
	p->last_rx_seq = 0;
	p->last_rx_len = 0;
	p->ack_due = false;
	p->ack_count = 0;
	p->last_status = 0;
}

size_t
solpkt_write(struct solpkt *p, const uint8_t *buf, size_t len)
{
	size_t tail, first;

	if (buf == NULL)
		return 0;
	len = min_sz(len, SOLPKT_OUT_CAP - p->out_len);
	tail = (p->out_head + p->out_len) % SOLPKT_OUT_CAP;
	first = min_sz(len, SOLPKT_OUT_CAP - tail);
	memcpy(p->out + tail, buf, first);
	memcpy(p->out, buf + first, len - first);
	p->out_len += len;
	return len;
}

void
solpkt_break(struct solpkt *p)
{
	p->pending_ops |= SOLPKT_OP_BREAK;
}

size_t
solpkt_pending(const struct solpkt *p)
{
	return p->out_len;
}

/*
 * An acknowledgement from the BMC.  Only the in-flight seq counts: a repeat
 * ACK for a seq already settled (ipmi_sim repeats its NACKed ack with NACK
 * clear once it drains) must not consume bytes a second time.
 */
static void
take_ack(struct solpkt *p, uint8_t ackseq, uint8_t count, bool blocked,
	 uint64_t now)
{
	size_t c;
	bool none;

	if (ackseq == 0 || ackseq != p->inflight_seq)
		return;
	c = min_sz(count, p->inflight_len);
	none = c == 0 && p->inflight_len > 0;
	ring_consume(p, c);
	p->bytes_out += c;
	inflight_clear(p);
	/* Accepted nothing and no NACK to wait on: retry the bytes under a
	 * new seq, but only after retry_ms, not in a tight loop. */
	if (none && !blocked)
		p->hold_until = add_sat(now, p->retry_ms);
}

/* BMC -> console characters; returns where the new bytes start in chars. */
static size_t
take_data(struct solpkt *p, uint8_t seq, size_t n)
{
	size_t from = 0;

	if (seq == p->last_rx_seq)
		from = min_sz(p->last_rx_len, n);
	if (seq != p->last_rx_seq || n > p->last_rx_len)
		p->last_rx_len = n;
	p->last_rx_seq = seq;
	/* The count field is one byte; a longer packet can only be acked
	 * up to 255 (no BMC sends more per packet). */
	p->ack_count = (uint8_t)min_sz(n, 255);
	p->ack_due = true;
	p->bytes_in += n - from;
	return from;
}

int
solpkt_input(struct solpkt *p, const uint8_t *pl, size_t len, uint64_t now)
{
	uint8_t seq, st, reported;
	bool blocked, status_changed;
	size_t from = 0, n;

	if (pl == NULL || len < SOLPKT_HDR)
		return -1;
	seq = pl[0] & 0x0F;
	st = pl[3];
	blocked = (st & ST_BLOCKED) != 0;
	n = len - SOLPKT_HDR;

	take_ack(p, pl[1] & 0x0F, pl[2], blocked, now);

	if (blocked && !p->paused) {
		p->paused = true;
		p->nacks++;
	} else if (!blocked && p->paused) {
		p->paused = false;
		/* The retransmit timer was stopped; give the packet a
		 * full period from now rather than firing at once. */
		if (p->inflight_seq != 0)
			p->sent_at = now;
	}

	if (seq != 0)
		from = take_data(p, seq, n);

	reported = st & ST_REPORTED;
	status_changed = reported != p->last_status;
	p->last_status = reported;

	/* Callbacks last, with the state settled: they may call back in. */
	if (status_changed && p->cb.status != NULL)
		p->cb.status(p->ctx, reported);
	if (seq != 0 && n > from && p->cb.data != NULL)
		p->cb.data(p->ctx, pl + SOLPKT_HDR + from, n - from);
	return (st & SOLPKT_ST_DEACTIVATING) ? SOLPKT_DEACTIVATING : SOLPKT_OK;
}

static bool
can_send_new(const struct solpkt *p, uint64_t now)
{
	if (p->paused || p->inflight_seq != 0 || now < p->hold_until)
		return false;
	return p->prime || p->out_len > 0 || p->pending_ops != 0;
}

/* A new packet: the prime, or data and/or pending ops, with any ACK owed. */
static size_t
emit_new(struct solpkt *p, uint64_t now, uint8_t *out, size_t cap)
{
	size_t n = 0;
	uint8_t ops = 0;
	bool prime = p->prime;

	if (!prime) {
		n = min_sz(min_sz(p->out_len, p->max_chars), cap - SOLPKT_HDR);
		ops = p->pending_ops;
		if (n == 0 && ops == 0)
			return 0;	/* cap too small for any data */
	}
	inflight_clear(p);
	p->prime = false;
	p->pending_ops = 0;
	p->inflight_seq = seq_alloc(p);
	p->inflight_len = n;
	p->inflight_ops = ops;
	p->inflight_prime = prime;
	p->sent_at = now;
	p->hold_until = 0;

	out[0] = p->inflight_seq;
	out[1] = p->ack_due ? p->last_rx_seq : 0;
	out[2] = p->ack_due ? p->ack_count : 0;
	out[3] = ops;
	p->ack_due = false;
	ring_peek(p, out + SOLPKT_HDR, n);
	return SOLPKT_HDR + n;
}

/* The in-flight packet again: same seq (or the bumped one), same bytes. */
static size_t
emit_again(struct solpkt *p, uint64_t now, uint8_t *out, size_t cap)
{
	if (cap - SOLPKT_HDR < p->inflight_len)
		return 0;
	if (p->resend)
		p->resend = false;	/* first send of a bumped seq */
	else
		p->tries++;
	p->retransmits++;
	p->sent_at = now;
	out[0] = p->inflight_seq;
	out[1] = 0;
	out[2] = 0;
	out[3] = p->inflight_ops;
	ring_peek(p, out + SOLPKT_HDR, p->inflight_len);
	return SOLPKT_HDR + p->inflight_len;
}

size_t
solpkt_emit(struct solpkt *p, uint64_t now, uint8_t *out, size_t cap)
{
	size_t n;

	if (out == NULL || cap < SOLPKT_HDR)
		return 0;
	if (can_send_new(p, now)) {
		n = emit_new(p, now, out, cap);
		if (n > 0)
			return n;
	}
	if (p->ack_due) {
		out[0] = 0;
		out[1] = p->last_rx_seq;
		out[2] = p->ack_count;
		out[3] = 0;
		p->ack_due = false;
		return SOLPKT_HDR;
	}
	if (p->inflight_seq != 0 && !p->paused &&
	    (p->resend || (now >= add_sat(p->sent_at, p->retry_ms) &&
	    p->tries < p->retries)))
		return emit_again(p, now, out, cap);
	return 0;
}

int
solpkt_tick(struct solpkt *p, uint64_t now)
{
	if (p->inflight_seq == 0 || p->paused || p->resend)
		return SOLPKT_OK;
	if (now < add_sat(p->sent_at, p->retry_ms) || p->tries < p->retries)
		return SOLPKT_OK;	/* nothing due, or emit() retransmits */
	if (p->inflight_prime) {
		/* Some BMCs never ACK an empty packet: not worth dying for. */
		inflight_clear(p);
		return SOLPKT_OK;
	}
	if (p->bump_seq && !p->bumped) {
		p->inflight_seq = seq_alloc(p);
		p->tries = 0;
		p->bumped = true;
		p->resend = true;
		return SOLPKT_OK;
	}
	return SOLPKT_DEAD;
}

uint64_t
solpkt_deadline(const struct solpkt *p)
{
	if (p->paused)
		return UINT64_MAX;
	if (p->inflight_seq != 0)
		return p->resend ? p->sent_at : add_sat(p->sent_at, p->retry_ms);
	if (p->hold_until != 0 && (p->out_len > 0 || p->pending_ops != 0))
		return p->hold_until;
	return UINT64_MAX;
}
