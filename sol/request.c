/* request.c — IPMI requests on a session: one in flight, a fixed queue, retransmit with backoff. */
#include <string.h>

#include "session_int.h"

/* Build the request into s->msg and send it in the framing of the moment:
 * IPMI 1.5 session-less before the session exists, RMCP+ after. */
static void
transmit(sol_session *s, uint8_t netfn, uint8_t cmd, uint8_t rqseq,
	 const uint8_t *data, size_t len)
{
	int n = ipmi_build_req(s->msg, sizeof(s->msg), netfn, cmd, rqseq,
			       data, len);
	if (n < 0)
		return;
	if (s->v15) {
		int d = rp_build_v15(s->tx, sizeof(s->tx), s->msg, (size_t)n);
		if (d < 0)
			return;
		s->stats.tx_packets++;
		s->cb.send(s->ctx, s->tx, (size_t)d);
		return;
	}
	sess_send_payload(s, RP_PT_IPMI, s->msg, (size_t)n);
}

/* rqSeq is 6 bits; 0 is skipped so a zeroed reply never matches. */
static uint8_t
take_rqseq(sol_session *s)
{
	uint8_t q = s->next_rqseq;

	if (q == 0 || q > 0x3f)
		q = 1;
	s->next_rqseq = (uint8_t)(q + 1);
	return q;
}

/* Retransmits never push the give-up point past the request's budget. */
static uint64_t
budget_clamp(const sol_session *s, uint64_t t)
{
	uint64_t end = s->cur_first + s->cfg.request_budget_ms;

	return t < end ? t : end;
}

static void
start(sol_session *s, const struct sess_req *r, uint64_t now)
{
	s->cur = *r;
	s->cur_active = true;
	s->cur_rqseq = take_rqseq(s);
	s->cur_first = now;
	s->cur_wait = s->cfg.retry_ms;
	s->cur_next = budget_clamp(s, now + s->cur_wait);
	transmit(s, r->netfn, r->cmd, s->cur_rqseq, r->data, r->len);
}

static void
start_next(sol_session *s, uint64_t now)
{
	struct sess_req r;

	if (s->cur_active || s->q_len == 0 || s->state == SOL_ST_CLOSED)
		return;
	r = s->queue[s->q_head];
	s->q_head = (s->q_head + 1) % SESS_REQ_QUEUE;
	s->q_len--;
	start(s, &r, now);
}

int
req_submit(sol_session *s, uint8_t netfn, uint8_t cmd, const uint8_t *data,
	   size_t len, uint32_t tag, sess_done_fn done, uint64_t now)
{
	struct sess_req r;

	if (len > SESS_REQ_DATA || (len > 0 && data == NULL))
		return -1;
	memset(&r, 0, sizeof(r));
	r.netfn = netfn;
	r.cmd = cmd;
	if (len > 0)
		memcpy(r.data, data, len);
	r.len = (uint8_t)len;
	r.tag = tag;
	r.done = done;
	if (!s->cur_active && s->q_len == 0) {
		start(s, &r, now);
		return 0;
	}
	if (s->q_len == SESS_REQ_QUEUE)
		return -1;
	s->queue[(s->q_head + s->q_len) % SESS_REQ_QUEUE] = r;
	s->q_len++;
	return 0;
}

/* Hand a finished request to its owner; rsp NULL means it timed out. */
static void
finish(sol_session *s, const struct sess_req *r, const struct ipmi_msg *rsp,
       uint64_t now)
{
	if (r->done != NULL) {
		r->done(s, rsp, now);
	} else if (s->cb.response != NULL) {
		if (rsp != NULL)
			s->cb.response(s->ctx, r->tag, rsp->cc, rsp->data,
				       rsp->len);
		else
			s->cb.response(s->ctx, r->tag, -1, NULL, 0);
	}
}

void
req_input(sol_session *s, const struct ipmi_msg *rsp, uint64_t now)
{
	struct sess_req r;

	if (!s->cur_active || rsp->rq_seq != s->cur_rqseq ||
	    rsp->netfn != (uint8_t)(s->cur.netfn + 1) ||
	    rsp->cmd != s->cur.cmd) {
		s->stats.rx_stray++;
		return;
	}
	r = s->cur;
	s->cur_active = false;
	finish(s, &r, rsp, now);
	start_next(s, now);
}

void
req_tick(sol_session *s, uint64_t now)
{
	struct sess_req r;
	uint32_t cap = s->cfg.retry_ms * 4;

	if (!s->cur_active || now < s->cur_next)
		return;
	if (now - s->cur_first >= s->cfg.request_budget_ms) {
		sess_trace(s, "request netfn 0x%02x cmd 0x%02x: no answer",
			   s->cur.netfn, s->cur.cmd);
		r = s->cur;
		s->cur_active = false;
		finish(s, &r, NULL, now);
		start_next(s, now);
		return;
	}
	/* Same rqSeq (a late first reply still matches), new session seq;
	 * exponential backoff with up to a quarter of jitter. */
	s->stats.req_retransmits++;
	transmit(s, s->cur.netfn, s->cur.cmd, s->cur_rqseq, s->cur.data,
		 s->cur.len);
	s->cur_wait = s->cur_wait * 2 > cap ? cap : s->cur_wait * 2;
	s->cur_next = budget_clamp(s, now + s->cur_wait +
	    sess_random_u32(s) % (s->cur_wait / 4 + 1));
}

uint64_t
req_deadline(const sol_session *s)
{
	return s->cur_active ? s->cur_next : SOL_NO_DEADLINE;
}

void
req_send_oneshot(sol_session *s, uint8_t netfn, uint8_t cmd,
		 const uint8_t *data, size_t len)
{
	transmit(s, netfn, cmd, take_rqseq(s), data, len);
}

/* The session went away: callers' requests fail, internal ones vanish. */
void
req_flush(sol_session *s)
{
	bool had = s->cur_active;
	struct sess_req cur = s->cur;

	s->cur_active = false;
	if (had && cur.done == NULL && s->cb.response != NULL)
		s->cb.response(s->ctx, cur.tag, -1, NULL, 0);
	while (s->q_len > 0) {
		struct sess_req r = s->queue[s->q_head];
		s->q_head = (s->q_head + 1) % SESS_REQ_QUEUE;
		s->q_len--;
		if (r.done == NULL && s->cb.response != NULL)
			s->cb.response(s->ctx, r.tag, -1, NULL, 0);
	}
}
