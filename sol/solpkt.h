/* solpkt.h — SOL payload engine: packet seq/ack/nack, partial accept, retransmit. */
#ifndef IPMUX_SOL_SOLPKT_H
#define IPMUX_SOL_SOLPKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * The SOL payload layer of one activation, independent of the session
 * below it so that it can be driven on a fake clock.  The header of every
 * SOL packet is: seq (1-15, 0 = ack only), ack seq (0 = none), accepted
 * character count, operation/status, then the characters.
 *
 * Console -> BMC: at most one packet with data is unacknowledged.  Bytes
 * stay in the out ring until the BMC accepts them; a partial accept sends
 * the rest under a new seq; a NACK (or "transfer unavailable") pauses
 * until the BMC says otherwise.  A packet not acknowledged in retry_ms is
 * sent again (same seq, same bytes), up to retries times; then, if
 * bump_seq is set, once more under the next seq; then the engine reports
 * SOLPKT_DEAD and the caller re-establishes.
 *
 * BMC -> console: every packet is accepted whole and acknowledged with its
 * full length.  A repeat of the last seq delivers only the bytes beyond
 * those already delivered (BMCs retransmit with data appended).
 */

#define SOLPKT_OUT_CAP 8192	/* console input buffered toward the BMC */
#define SOLPKT_MAX_CHARS 255
#define SOLPKT_HDR 4

/* Console -> BMC operation bits. */
#define SOLPKT_OP_NACK 0x40
#define SOLPKT_OP_RING 0x20
#define SOLPKT_OP_BREAK 0x10
#define SOLPKT_OP_CTS_PAUSE 0x08
#define SOLPKT_OP_DROP_DCD 0x04
#define SOLPKT_OP_FLUSH_IN 0x02
#define SOLPKT_OP_FLUSH_OUT 0x01

/* BMC -> console status bits. NACK or UNAVAIL pauses our sending until a
 * packet arrives with both clear. */
#define SOLPKT_ST_NACK 0x40
#define SOLPKT_ST_UNAVAIL 0x20		/* character transfer unavailable */
#define SOLPKT_ST_DEACTIVATING 0x10
#define SOLPKT_ST_OVERRUN 0x08
#define SOLPKT_ST_BREAK 0x04

struct solpkt_cb {
	void (*data)(void *ctx, const uint8_t *buf, size_t len);
	void (*status)(void *ctx, unsigned bits);	/* may be NULL */
};

enum solpkt_result {
	SOLPKT_OK = 0,
	SOLPKT_DEAD = 1,	/* retries (and the seq bump) exhausted */
	SOLPKT_DEACTIVATING = 2,/* BMC set the "SOL deactivating" bit */
};

struct solpkt {
	/* configuration */
	size_t max_chars;	/* characters per outbound packet */
	uint32_t retry_ms;
	unsigned retries;
	bool bump_seq;
	struct solpkt_cb cb;
	void *ctx;

	/* console -> BMC */
	uint8_t out[SOLPKT_OUT_CAP];	/* ring: unacknowledged input */
	size_t out_head, out_len;
	uint8_t next_seq;		/* 1..15 */
	uint8_t inflight_seq;		/* 0 = nothing in flight */
	size_t inflight_len;
	uint8_t inflight_ops;
	bool inflight_prime;		/* the empty seq-1 packet: never fatal */
	unsigned tries;			/* retransmits of the in-flight seq */
	bool bumped;
	bool resend;			/* bumped seq not yet sent */
	uint64_t sent_at;
	uint64_t hold_until;		/* after an ACK accepting nothing */
	uint8_t pending_ops;		/* break etc., for the next packet */
	bool paused;			/* NACK / transfer unavailable */
	bool prime;			/* send the empty seq-1 packet */

	/* BMC -> console */
	uint8_t last_rx_seq;		/* 0 = none since activation */
	size_t last_rx_len;		/* bytes of that seq delivered */
	bool ack_due;			/* we owe an ACK for last_rx_seq */
	uint8_t ack_count;		/* the count that ACK carries */
	unsigned last_status;

	/* counters */
	uint64_t bytes_in, bytes_out, retransmits, nacks;
};

/* Set up for a new activation. prime: first send an empty packet with
 * seq 1 (ipmi_sim keeps its last seq across activations); it is
 * retransmitted like data but dropped, not fatal, if never acknowledged.
 * max_chars 0 or above 255 means 255; retry_ms 0 means 1. */
void solpkt_init(struct solpkt *p, size_t max_chars, uint32_t retry_ms,
		 unsigned retries, bool bump_seq, bool prime,
		 const struct solpkt_cb *cb, void *ctx);
/* For a re-activation: forget the in-flight packet, seqs, pause and
 * status, but keep the buffered input (unaccepted bytes are sent on the
 * new activation) and a pending break. solpkt_init empties everything. */
void solpkt_restart(struct solpkt *p, bool prime);

/* Queue console input. Returns bytes taken (capped by free space). */
size_t solpkt_write(struct solpkt *p, const uint8_t *buf, size_t len);
/* Ask for a break on the next packet. */
void solpkt_break(struct solpkt *p);
/* Unacknowledged bytes in the out ring. */
size_t solpkt_pending(const struct solpkt *p);

/* One SOL payload from the BMC. Returns SOLPKT_OK, SOLPKT_DEACTIVATING,
 * or -1 when malformed (dropped, nothing changed). */
int solpkt_input(struct solpkt *p, const uint8_t *pl, size_t len,
		 uint64_t now);
/* Next payload to send now, if any: a new data packet, a retransmit, a
 * break, or an ACK-only packet. Returns its length (0: nothing to send).
 * Call until it returns 0. */
size_t solpkt_emit(struct solpkt *p, uint64_t now, uint8_t *out, size_t cap);
/* Timers: returns SOLPKT_DEAD when the peer stopped acknowledging. */
int solpkt_tick(struct solpkt *p, uint64_t now);
/* When solpkt_tick/solpkt_emit next has work because of a timer (a
 * retransmit, the seq bump, the hold after an ACK accepting nothing);
 * UINT64_MAX if none.  Work that exists right away (new input, a break,
 * an ACK we owe) is not reported here: call solpkt_emit after every
 * solpkt_input, solpkt_write, solpkt_break and solpkt_tick. */
uint64_t solpkt_deadline(const struct solpkt *p);

#endif
