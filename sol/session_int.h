/* session_int.h — the session object shared by session.c, handshake.c, request.c and solctl.c. */
#ifndef IPMUX_SOL_SESSION_INT_H
#define IPMUX_SOL_SESSION_INT_H

#include "crypto.h"
#include "ipmi.h"
#include "rmcp.h"
#include "seqwin.h"
#include "sol.h"
#include "solpkt.h"

#define SESS_REQ_QUEUE 16	/* queued IPMI requests per session */
#define SESS_REQ_DATA 40	/* data bytes of one queued request */
#define SESS_STEAL_MAX 5	/* SOL takeovers before giving up */
#define SESS_PAUSE_MAX_MS 3000	/* a NACK pause longer than this is retried */

struct sess_req;
typedef void (*sess_done_fn)(sol_session *s, const struct ipmi_msg *rsp,
			     uint64_t now);

/* One IPMI request. done == NULL: a caller's request, answered through
 * callbacks.response; otherwise an internal step of the state machine,
 * whose done() gets NULL when the request timed out. */
struct sess_req {
	uint8_t netfn, cmd;
	uint8_t data[SESS_REQ_DATA];
	uint8_t len;
	uint32_t tag;
	sess_done_fn done;
};

struct sol_session {
	struct sol_config cfg;
	struct sol_callbacks cb;
	void *ctx;
	char user[17];

	enum sol_state state;
	enum sol_reason reason;
	char detail[160];

	/* handshake */
	struct rp_suite suite;
	bool suite_valid;
	int suites[2];			/* suites to try, in order */
	int nsuites;
	int try_idx;			/* index into suites[] */
	uint8_t cs_idx;			/* Get Channel Cipher Suites chunk */
	uint8_t cs_buf[128];		/* the suite records so far */
	size_t cs_len;
	struct rp_rakp rakp;
	uint8_t sik[RP_MAX_DIGEST];
	uint8_t open_tag;
	uint8_t chan;
	uint64_t hs_deadline;		/* setup step timer, or NO_DEADLINE */
	uint32_t hs_wait_ms;		/* setup step timeout */
	unsigned hs_attempts;		/* Open Sessions in this handshake */
	bool suites_listed;		/* the BMC listed the suites we try */
	uint64_t hs_started;		/* start of this handshake */
	rp_keys *keys;
	bool established;		/* RAKP 4 checked; IPMI/SOL flow */
	uint32_t out_seq;
	struct seqwin win;
	uint32_t sol_data_seq;		/* session seq of the last SOL data */

	/* IPMI requests: one in flight, the rest queued */
	struct sess_req queue[SESS_REQ_QUEUE];
	unsigned q_head, q_len;
	struct sess_req cur;
	bool cur_active;
	uint8_t cur_rqseq;
	uint8_t next_rqseq;
	uint64_t cur_first, cur_next;
	uint32_t cur_wait;
	bool v15;			/* send requests IPMI 1.5 session-less */

	/* liveness */
	uint64_t last_rx;
	uint64_t next_keepalive;
	bool keepalive_pending;
	bool instinfo_unsupported;	/* fall back to Get Device ID */

	/* SOL */
	struct solpkt sp;
	bool sol_up;
	uint64_t pause_since;		/* when the BMC last paused us */
	unsigned steals;
	uint64_t sol_since;
	uint16_t redirect_port;

	struct sol_stats stats;
	uint8_t tx[RP_MAX_DGRAM];
	uint8_t msg[RP_MAX_DGRAM];
	uint8_t scratch[RP_MAX_DGRAM];
};

/* session.c */
void sess_set_state(sol_session *s, enum sol_state st);
void sess_fail(sol_session *s, enum sol_reason r, uint64_t now,
	       const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void sess_trace(sol_session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
uint32_t sess_random_u32(sol_session *s);
int sess_random(sol_session *s, uint8_t *buf, size_t len);
void sess_send_payload(sol_session *s, uint8_t ptype, const uint8_t *pl,
		       size_t len);
void sess_schedule_keepalive(sol_session *s, uint64_t now);

/* handshake.c */
void hs_begin(sol_session *s, uint64_t now);
void hs_input(sol_session *s, const struct rp_packet *pk, uint64_t now);
void hs_tick(sol_session *s, uint64_t now);

/* request.c */
int req_submit(sol_session *s, uint8_t netfn, uint8_t cmd,
	       const uint8_t *data, size_t len, uint32_t tag,
	       sess_done_fn done, uint64_t now);
void req_input(sol_session *s, const struct ipmi_msg *rsp, uint64_t now);
void req_tick(sol_session *s, uint64_t now);
uint64_t req_deadline(const sol_session *s);
void req_send_oneshot(sol_session *s, uint8_t netfn, uint8_t cmd,
		      const uint8_t *data, size_t len);
void req_flush(sol_session *s);

/* solctl.c */
void solctl_begin(sol_session *s, uint64_t now);
void solctl_input(sol_session *s, const uint8_t *pl, size_t len,
		  uint64_t now);
void solctl_tick(sol_session *s, uint64_t now);
void solctl_emit(sol_session *s, uint64_t now);
void solctl_keepalive(sol_session *s, uint64_t now);
void solctl_shutdown(sol_session *s);

#endif
