/* fuzz_session.c — libFuzzer target: hostile datagrams into a sol_session, live or mid-handshake, driven against the simulated BMC. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bmc_int.h"
#include "sol.h"

/*
 * Input: a mode byte, then operations until the input runs out.
 *   mode bit 0 clear: run a clean handshake to SOL_ACTIVE first;
 *   mode bit 0 set:   start the session and fuzz the handshake itself
 *                     (the real BMC packets wait in a queue that the
 *                     input releases with op 2, so every state is hit).
 *   mode bit 1 set:   cipher suite 17 instead of 3.
 * Operations (first byte % 8):
 *   0 raw datagram (u16 length) into the session
 *   1 advance the clock (byte * 10 ms; 0xff: to the next deadline), tick
 *   2 deliver up to N queued real datagrams, both ways
 *   3 the last real BMC datagram with bytes XORed in at an offset
 *   4 a payload sealed with the BMC's session keys (SOL or IPMI), so the
 *     fuzz gets past the MAC into the SOL and IPMI layers
 *   5 console input, break, an IPMI request, or close
 *   6 host output through the BMC
 *   7 the last real BMC datagram truncated
 */

#define QCAP 64
#define MAX_OPS 4000

struct dg {
	bool to_bmc;
	size_t len;
	uint8_t buf[RP_MAX_DGRAM];
};

struct fz {
	uint64_t now;
	bmc *b;
	sol_session *s;
	uint64_t rng;
	struct dg q[QCAP];
	size_t qhead, qlen;
	struct dg cur;
	uint8_t last[RP_MAX_DGRAM];	/* last BMC -> client datagram */
	size_t last_len;
};

static void
push(struct fz *f, bool to_bmc, const uint8_t *buf, size_t len)
{
	struct dg *d;

	if (f->qlen == QCAP || len > RP_MAX_DGRAM)
		return;			/* a full link drops, like UDP */
	d = &f->q[(f->qhead + f->qlen) % QCAP];
	f->qlen++;
	d->to_bmc = to_bmc;
	d->len = len;
	memcpy(d->buf, buf, len);
}

static void
c_send(void *ctx, const uint8_t *buf, size_t len)
{
	push(ctx, true, buf, len);
}

static int
c_random(void *ctx, uint8_t *buf, size_t len)
{
	struct fz *f = ctx;
	size_t i;

	for (i = 0; i < len; i++) {
		f->rng ^= f->rng << 13;
		f->rng ^= f->rng >> 7;
		f->rng ^= f->rng << 17;
		buf[i] = (uint8_t)f->rng;
	}
	return 0;
}

static void
b_send(void *ctx, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct fz *f = ctx;

	(void)peer;
	if (len <= sizeof(f->last)) {
		memcpy(f->last, buf, len);
		f->last_len = len;
	}
	push(f, false, buf, len);
}

static void
deliver_one(struct fz *f)
{
	f->cur = f->q[f->qhead];
	f->qhead = (f->qhead + 1) % QCAP;
	f->qlen--;
	if (f->cur.to_bmc)
		bmc_input(f->b, f->cur.buf, f->cur.len, f->now, 1);
	else
		sol_session_input(f->s, f->cur.buf, f->cur.len, f->now);
}

static uint64_t
next_deadline(const struct fz *f)
{
	uint64_t a = sol_session_deadline(f->s), b = bmc_deadline(f->b);

	return a < b ? a : b;
}

/* Tick both; a deadline still due after a few ticks would spin an event
 * loop forever, so it counts as a finding. */
static void
tick(struct fz *f)
{
	int i;

	for (i = 0; i < 4; i++) {
		sol_session_tick(f->s, f->now);
		bmc_tick(f->b, f->now);
		if (next_deadline(f) > f->now)
			return;
		while (f->qlen > 0)
			deliver_one(f);
	}
	fprintf(stderr, "deadline stuck at %llu (session %s)\n",
		(unsigned long long)f->now,
		sol_state_name(sol_session_state(f->s)));
	abort();
}

/* Clean run until the session is active or gives up (bounded). */
static void
handshake(struct fz *f)
{
	int i;
	uint64_t d;

	for (i = 0; i < 10000; i++) {
		if (sol_session_state(f->s) == SOL_ST_SOL_ACTIVE ||
		    sol_session_state(f->s) == SOL_ST_CLOSED)
			break;
		if (f->qlen > 0) {
			deliver_one(f);
			continue;
		}
		if ((d = next_deadline(f)) == SOL_NO_DEADLINE)
			break;
		if (d > f->now)
			f->now = d;
		tick(f);
	}
	while (f->qlen > 0)
		deliver_one(f);
}

static bool
setup(struct fz *f, uint8_t mode)
{
	struct bmc_config bc;
	struct sol_config sc;
	struct sol_callbacks cb = { .send = c_send, .random = c_random };

	memset(&bc, 0, sizeof(bc));
	bc.users[0] = (struct bmc_user){ "admin", "secret", 4 };
	bc.nusers = 1;
	bc.sol_enabled = true;
	bc.sol_append = true;
	bc.seed = 7;
	bc.ctx = f;
	bc.send = b_send;
	memset(&sc, 0, sizeof(sc));
	sc.user = "admin";
	sc.password = (const uint8_t *)"secret";
	sc.password_len = 6;
	sc.cipher = (mode & 2) ? 17 : 3;
	sc.privilege = SOL_PRIV_ADMIN;
	sc.quirks = SOL_Q_DEFAULT;
	sc.want_sol = true;
	sc.port = 623;
	f->now = 1000;
	f->rng = 0x9e3779b97f4a7c15ULL;
	if ((f->b = bmc_new(&bc)) == NULL)
		return false;
	if ((f->s = sol_session_new(&sc, &cb, f, NULL, 0)) == NULL)
		return false;
	sol_session_start(f->s, f->now);
	if (!(mode & 1))
		handshake(f);
	return true;
}

/* Cursor over the fuzz input. */
struct in {
	const uint8_t *p;
	size_t n;
};

static uint8_t
take8(struct in *in)
{
	if (in->n == 0)
		return 0;
	in->n--;
	return *in->p++;
}

static size_t
take_len(struct in *in, size_t max)
{
	size_t l = take8(in);

	l |= (size_t)take8(in) << 8;
	l %= max + 1;
	return l < in->n ? l : in->n;
}

static const uint8_t *
take(struct in *in, size_t len)
{
	const uint8_t *p = in->p;

	in->p += len;
	in->n -= len;
	return p;
}

static void
op_mutate(struct fz *f, struct in *in)
{
	uint8_t buf[RP_MAX_DGRAM];
	size_t off, len, i, n = f->last_len;
	const uint8_t *x;

	if (n == 0)
		return;
	memcpy(buf, f->last, n);
	off = take8(in) % n;
	len = take8(in) % 17;
	if (len > in->n)
		len = in->n;
	x = take(in, len);
	for (i = 0; i < len && off + i < n; i++)
		buf[off + i] ^= x[i];
	sol_session_input(f->s, buf, n, f->now);
}

static void
op_sealed(struct fz *f, struct in *in)
{
	struct bmc_sess *bs = bmc_sess_by_id(f->b, sol_session_bmc_id(f->s));
	uint8_t kind = take8(in);
	size_t len = take_len(in, 600);
	const uint8_t *p = take(in, len);

	if (bs == NULL || bs->state != BS_ACTIVE)
		return;
	bmc_sess_send(f->b, bs, (kind & 1) ? RP_PT_SOL : RP_PT_IPMI, p, len);
	while (f->qlen > 0)
		deliver_one(f);
}

static void
op_console(struct fz *f, struct in *in)
{
	uint8_t kind = take8(in);
	size_t len = take8(in);

	if (len > in->n)
		len = in->n;
	switch (kind % 8) {
	case 0:
		sol_session_send_break(f->s, f->now);
		break;
	case 1: {
		uint8_t netfn = take8(in) & 0x3f, cmd = take8(in);

		if (len > in->n)
			len = in->n;
		sol_session_request(f->s, netfn, cmd, take(in, len), len, kind,
				    f->now);
		break;
	}
	case 2:
		if (kind == 0xfa)	/* rarely: the caller closes */
			sol_session_close(f->s, f->now);
		break;
	default:
		sol_session_write(f->s, take(in, len), len, f->now);
	}
}

static void
run_op(struct fz *f, struct in *in)
{
	uint8_t op = take8(in), b;
	size_t len, k;

	switch (op % 8) {
	case 0:
		len = take_len(in, RP_MAX_DGRAM);
		sol_session_input(f->s, take(in, len), len, f->now);
		break;
	case 1:
		b = take8(in);
		if (b == 0xff) {
			uint64_t d = next_deadline(f);

			if (d != SOL_NO_DEADLINE && d > f->now)
				f->now = d;
		} else {
			f->now += (uint64_t)b * 10;
		}
		tick(f);
		break;
	case 2:
		for (k = take8(in) % 8 + 1; k > 0 && f->qlen > 0; k--)
			deliver_one(f);
		break;
	case 3:
		op_mutate(f, in);
		break;
	case 4:
		op_sealed(f, in);
		break;
	case 5:
		op_console(f, in);
		break;
	case 6:
		len = take8(in);
		if (len > in->n)
			len = in->n;
		bmc_host_output(f->b, take(in, len), len);
		break;
	default:
		len = take_len(in, f->last_len);
		sol_session_input(f->s, f->last, len, f->now);
		break;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct fz f;
	struct in in = { data, size };
	int ops = 0;

	memset(&f, 0, sizeof(f));
	if (setup(&f, take8(&in))) {
		while (in.n > 0 && ops++ < MAX_OPS)
			run_op(&f, &in);
		/* Let whatever the input started settle, bounded. */
		for (ops = 0; ops < 200 && f.qlen > 0; ops++)
			deliver_one(&f);
	}
	sol_session_free(f.s);
	bmc_free(f.b);
	return 0;
}
