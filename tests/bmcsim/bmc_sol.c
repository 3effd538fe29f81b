/* bmc_sol.c — the BMC side of SOL: host output as seq 1..15 packets with retransmit, console input with partial accept and NACK. */
#include <string.h>

#include "bmc_int.h"

#define HDR 4
#define MAX_CHARS 255
#define ST_NACK 0x40
#define ST_DEACTIVATING 0x10
#define OP_NACK 0x40
#define OP_BREAK 0x10

static size_t
min_sz(size_t a, size_t b)
{
	return a < b ? a : b;
}

static struct bmc_sess *
owner(bmc *b)
{
	return b->sol.active && b->sol.owner >= 0 ? &b->sess[b->sol.owner] :
	    NULL;
}

/* One SOL packet to the owner; its characters are the first n bytes of
 * the host output ring. */
static void
send_pkt(bmc *b, uint8_t seq, uint8_t ackseq, uint8_t count, size_t n)
{
	struct bmc_sol *so = &b->sol;
	struct bmc_sess *s = owner(b);
	uint8_t pl[HDR + MAX_CHARS];
	size_t first;

	if (s == NULL)
		return;
	n = min_sz(n, min_sz(so->out_len, MAX_CHARS));
	pl[0] = seq;
	pl[1] = ackseq;
	pl[2] = count;
	pl[3] = so->nack ? ST_NACK : 0;
	first = min_sz(n, BMC_HOST_OUT_CAP - so->out_head);
	memcpy(pl + HDR, so->out + so->out_head, first);
	memcpy(pl + HDR + first, so->out, n - first);
	b->stats.sol_tx++;
	bmc_trace(b, "SOL out: seq %u ack %u/%u status 0x%02x, %zu chars",
		  seq, ackseq, count, pl[3], n);
	bmc_sess_send(b, s, RP_PT_SOL, pl, HDR + n);
}

static void
out_consume(struct bmc_sol *so, size_t n)
{
	so->out_head = (so->out_head + n) % BMC_HOST_OUT_CAP;
	so->out_len -= n;
	if (so->out_len == 0)
		so->out_head = 0;
}

static void
inflight_clear(struct bmc_sol *so)
{
	so->inflight_seq = 0;
	so->inflight_len = 0;
	so->tries = 0;
}

/* Send what is due now: new host output (carrying any ACK we owe), else
 * a bare ACK. */
static void
pump(bmc *b)
{
	struct bmc_sol *so = &b->sol;
	uint8_t seq;

	if (!so->active)
		return;
	if (so->inflight_seq == 0 && so->out_len > 0 && !so->console_nack) {
		seq = so->next_seq < 1 || so->next_seq > 15 ? 1 : so->next_seq;
		so->next_seq = seq == 15 ? 1 : seq + 1;
		so->inflight_seq = seq;
		so->inflight_len = min_sz(so->out_len, b->cfg.sol_tx_chars);
		so->tries = 0;
		so->sent_at = b->now;
		send_pkt(b, seq, so->ack_due ? so->last_rx_seq : 0,
			 so->ack_due ? so->last_rx_count : 0, so->inflight_len);
		so->ack_due = false;
	}
	if (so->ack_due) {
		so->ack_due = false;
		send_pkt(b, 0, so->last_rx_seq, so->last_rx_count, 0);
	}
}

/* Hand buffered console bytes to the host; once they are all gone, lift
 * our NACK with a repeat of the last ACK, status clear (ipmi_sim). */
static void
drain(bmc *b)
{
	struct bmc_sol *so = &b->sol;
	size_t k;

	if (so->in_len > 0) {
		k = b->cfg.host_input != NULL ?
		    b->cfg.host_input(b->cfg.ctx, so->in, so->in_len) :
		    so->in_len;
		k = min_sz(k, so->in_len);
		memmove(so->in, so->in + k, so->in_len - k);
		so->in_len -= k;
		b->stats.sol_bytes_to_host += k;
	}
	if (so->nack && so->in_len == 0) {
		so->nack = false;
		if (so->active)
			send_pkt(b, 0, so->last_rx_seq, so->last_rx_count, 0);
	}
}

void
bmc_sol_activate(bmc *b, struct bmc_sess *s)
{
	struct bmc_sol *so = &b->sol;

	so->active = true;
	so->owner = bmc_slot(b, s);
	inflight_clear(so);
	so->console_nack = false;
	so->ack_due = false;
	so->alerts_deferred = false;
	so->data_pkts = 0;
	so->wedged_seq = 0;
	so->wedged_once = false;
	if (!b->cfg.sol_keep_seq) {
		so->next_seq = 1;
		so->last_rx_seq = 0;
		so->last_rx_count = 0;
	}
}

/* Unacknowledged host output stays buffered for the next activation. */
void
bmc_sol_deactivate(bmc *b, bool notify)
{
	struct bmc_sol *so = &b->sol;
	struct bmc_sess *s = owner(b);
	uint8_t pl[HDR] = { 0, 0, 0, ST_DEACTIVATING };

	if (s == NULL)
		return;
	if (notify && b->cfg.deact_notify) {
		b->stats.sol_tx++;
		bmc_sess_send(b, s, RP_PT_SOL, pl, sizeof(pl));
	}
	so->active = false;
	so->owner = -1;
	inflight_clear(so);
	so->ack_due = false;
}

/* Console characters: a repeat of the last seq is only acknowledged
 * again; a new one is taken as far as the buffer has room. */
static void
accept(bmc *b, uint8_t seq, const uint8_t *chars, size_t n, uint8_t op)
{
	struct bmc_sol *so = &b->sol;
	size_t acc;

	so->ack_due = true;
	if (seq == so->last_rx_seq)
		return;
	acc = min_sz(min_sz(n, b->cfg.sol_inbuf - so->in_len), MAX_CHARS);
	memcpy(so->in + so->in_len, chars, acc);
	so->in_len += acc;
	so->last_rx_seq = seq;
	so->last_rx_count = (uint8_t)acc;
	if (acc < n) {
		so->nack = true;
		b->stats.sol_nacks_sent++;
	}
	if (op & OP_BREAK) {
		b->stats.breaks++;
		if (b->cfg.host_break != NULL)
			b->cfg.host_break(b->cfg.ctx);
	}
}

/*
 * Console characters a quirky BMC neither takes nor acknowledges (the
 * header's ACK fields still count): serialalertsdeferred without deferred
 * alerts, and the solpacketseq wedge, which holds on to one seq until
 * the console moves on to another.
 */
static bool
quirk_ignores(bmc *b, uint8_t seq, size_t nchars)
{
	struct bmc_sol *so = &b->sol;

	if ((b->cfg.quirks & BMC_Q_SERIALALERTSDEFERRED) &&
	    !so->alerts_deferred) {
		bmc_trace(b, "SOL in: seq %u ignored (serial alerts not "
			  "deferred)", seq);
		return true;
	}
	if (!(b->cfg.quirks & BMC_Q_SOLPACKETSEQ))
		return false;
	if (so->wedged_seq != 0) {
		if (seq == so->wedged_seq) {
			bmc_trace(b, "SOL in: seq %u ignored (wedged)", seq);
			return true;
		}
		bmc_trace(b, "SOL in: seq %u unwedges %u", seq, so->wedged_seq);
		so->wedged_seq = 0;
		return false;
	}
	if (nchars > 0 && seq != so->last_rx_seq && !so->wedged_once &&
	    ++so->data_pkts >= b->cfg.quirk_solseq_after) {
		so->wedged_seq = seq;
		so->wedged_once = true;
		bmc_trace(b, "SOL in: wedged on seq %u", seq);
		return true;
	}
	return false;
}

void
bmc_sol_input(bmc *b, struct bmc_sess *s, const uint8_t *pl, size_t len)
{
	struct bmc_sol *so = &b->sol;
	uint8_t seq, ackseq;

	if (!so->active || so->owner != bmc_slot(b, s)) {
		b->stats.sol_stray++;
		return;
	}
	if (len < HDR || ((b->cfg.quirks & BMC_Q_SOLPAYLOADSIZE) &&
	    len > b->cfg.sol_in_size)) {
		/* solpayloadsize: what it reports is not what it takes */
		b->stats.rx_bad++;
		return;
	}
	b->stats.sol_rx++;
	seq = pl[0] & 0x0f;
	ackseq = pl[1] & 0x0f;
	bmc_trace(b, "SOL in: seq %u ack %u/%u op 0x%02x, %zu chars", seq,
		  ackseq, pl[2], pl[3], len - HDR);
	if (ackseq != 0 && ackseq == so->inflight_seq) {
		/* A partial ACK: the rest goes out under a new seq. */
		out_consume(so, min_sz(pl[2], so->inflight_len));
		inflight_clear(so);
	}
	so->console_nack = (pl[3] & OP_NACK) != 0;
	if (seq != 0 && !quirk_ignores(b, seq, len - HDR))
		accept(b, seq, pl + HDR, len - HDR, pl[3]);
	pump(b);
	drain(b);
}

void
bmc_sol_tick(bmc *b)
{
	struct bmc_sol *so = &b->sol;

	if (!so->active)
		return;
	if (so->inflight_seq != 0 && !so->console_nack &&
	    b->now >= so->sent_at + b->cfg.sol_retry_ms) {
		if (so->tries < b->cfg.sol_retries) {
			/* ipmi_sim resends under the same seq with whatever
			 * arrived meanwhile appended. */
			so->tries++;
			if (b->cfg.sol_append)
				so->inflight_len = min_sz(so->out_len,
							  b->cfg.sol_tx_chars);
			so->sent_at = b->now;
			b->stats.sol_retransmits++;
			send_pkt(b, so->inflight_seq, 0, 0, so->inflight_len);
		} else {
			/* Given up: those bytes are lost, as on ipmi_sim. */
			bmc_trace(b, "SOL seq %u given up", so->inflight_seq);
		b->stats.sol_bytes_lost += so->inflight_len;
			out_consume(so, so->inflight_len);
			inflight_clear(so);
		}
	}
	pump(b);
}

uint64_t
bmc_sol_deadline(const bmc *b)
{
	const struct bmc_sol *so = &b->sol;

	if (!so->active || so->inflight_seq == 0 || so->console_nack)
		return BMC_NO_DEADLINE;
	return so->sent_at + b->cfg.sol_retry_ms;
}

size_t
bmc_host_output(bmc *b, const uint8_t *buf, size_t len)
{
	struct bmc_sol *so = &b->sol;
	size_t n, tail, first;

	if (buf == NULL)
		return 0;
	if (!so->active) {
		b->stats.sol_bytes_lost += len;
		return len;
	}
	n = min_sz(len, BMC_HOST_OUT_CAP - so->out_len);
	tail = (so->out_head + so->out_len) % BMC_HOST_OUT_CAP;
	first = min_sz(n, BMC_HOST_OUT_CAP - tail);
	memcpy(so->out + tail, buf, first);
	memcpy(so->out, buf + first, n - first);
	so->out_len += n;
	b->stats.sol_bytes_from_host += n;
	pump(b);
	return n;
}

void
bmc_host_drain(bmc *b)
{
	drain(b);
}

size_t
bmc_host_room(const bmc *b)
{
	return b->sol.active ? BMC_HOST_OUT_CAP - b->sol.out_len :
	    BMC_HOST_OUT_CAP;
}
