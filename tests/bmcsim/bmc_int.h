/* bmc_int.h — the simulated BMC object shared by bmc.c, bmc_rakp.c, bmc_cmd.c and bmc_sol.c. */
#ifndef IPMUX_TESTS_BMC_INT_H
#define IPMUX_TESTS_BMC_INT_H

#include "bmc.h"
#include "crypto.h"
#include "ipmi.h"
#include "rmcp.h"
#include "seqwin.h"

#define BMC_PRIV_USER 2
#define BMC_PRIV_ADMIN 4
#define BMC_PRIV_OEM 5

enum bmc_sess_state {
	BS_FREE = 0,
	BS_OPEN,		/* Open Session answered, waiting for RAKP 1 */
	BS_RAKP2,		/* RAKP 2 sent, waiting for RAKP 3 */
	BS_ACTIVE,		/* RAKP 4 sent: IPMI and SOL flow */
};

struct bmc_sess {
	enum bmc_sess_state state;
	uint64_t peer;
	uint64_t last_act;	/* activity; creation time while half-open */
	uint8_t tag;
	uint8_t open_priv;	/* maximum asked in Open Session, 0 = any */
	uint8_t role_priv;	/* asked in RAKP 1: the session's ceiling */
	uint8_t rakp1_role;	/* RAKP 1's role byte as received */
	uint8_t rakp1_ulen;	/* RAKP 1's name length as received */
	uint8_t priv;		/* current privilege */
	int user;
	struct rp_suite suite;
	struct rp_rakp rakp;	/* holds both session ids and the password */
	uint8_t sik[RP_MAX_DIGEST];
	rp_keys *keys;		/* allocated when the session is established */
	uint32_t out_seq;
	struct seqwin win;
};

/* The one SOL payload instance. Console -> BMC bytes wait in in[] until
 * the host takes them; host output waits in out[] until acknowledged. */
struct bmc_sol {
	bool active;
	int owner;		/* session slot, -1 none */
	/* BMC -> console */
	uint8_t out[BMC_HOST_OUT_CAP];
	size_t out_head, out_len;
	uint8_t next_seq;	/* 1..15 */
	uint8_t inflight_seq;	/* 0 = nothing unacknowledged */
	size_t inflight_len;
	unsigned tries;
	uint64_t sent_at;
	bool console_nack;	/* the console asked us to hold off */
	/* console -> BMC */
	uint8_t in[BMC_SOL_INBUF_MAX];
	size_t in_len;
	uint8_t last_rx_seq;	/* 0 = none */
	uint8_t last_rx_count;	/* what we accepted of it */
	bool ack_due;
	bool nack;		/* we refused bytes; clear it once drained */
	/* quirks */
	bool alerts_deferred;	/* Activate asked for deferred alerts */
	unsigned data_pkts;	/* console data packets this activation */
	uint8_t wedged_seq;	/* solpacketseq: the seq ignored, 0 none */
	bool wedged_once;	/* wedged already in this activation */
};

struct bmc {
	struct bmc_config cfg;
	char names[BMC_MAX_USERS][17];
	uint8_t passwords[BMC_MAX_USERS][RP_KEY_LEN];
	uint8_t kg[RP_KEY_LEN];
	bool have_kg;
	uint64_t rng;
	uint64_t now;
	struct bmc_faults faults;
	struct bmc_stats stats;
	struct bmc_sess sess[BMC_MAX_SESSIONS];
	int close_after;	/* slot to free once its reply is sent */
	struct bmc_sol sol;

	/* datagrams held back by the reorder faults: released after the
	 * next one, or by bmc_tick after faults.hold_ms when that is set */
	bool hold_in_used, hold_out_used;
	uint64_t hold_in_at, hold_out_at;
	uint64_t hold_in_peer, hold_out_peer;
	size_t hold_in_len, hold_out_len;
	uint8_t hold_in[RP_MAX_DGRAM];
	uint8_t hold_out[RP_MAX_DGRAM];

	uint8_t tx[RP_MAX_DGRAM];
	uint8_t msg[RP_MAX_DGRAM];
	uint8_t scratch[RP_MAX_DGRAM];
};

/* bmc.c */
uint64_t bmc_rand(bmc *b);
void bmc_rand_bytes(bmc *b, uint8_t *buf, size_t len);
uint32_t bmc_get32(const uint8_t *p);
void bmc_put32(uint8_t *p, uint32_t v);
void bmc_trace(bmc *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bmc_out(bmc *b, uint64_t peer, const uint8_t *buf, size_t len);
void bmc_sess_send(bmc *b, struct bmc_sess *s, uint8_t ptype,
		   const uint8_t *pl, size_t len);
void bmc_sess_free(bmc *b, struct bmc_sess *s);
struct bmc_sess *bmc_sess_by_id(bmc *b, uint32_t bmc_sid);
int bmc_slot(const bmc *b, const struct bmc_sess *s);

/* bmc_rakp.c */
void bmc_hs_open(bmc *b, const uint8_t *p, size_t len, uint64_t peer);
void bmc_hs_rakp1(bmc *b, const uint8_t *p, size_t len, uint64_t peer);
void bmc_hs_rakp3(bmc *b, const uint8_t *p, size_t len, uint64_t peer);

/* bmc_cmd.c: s NULL for session-less requests (v15: IPMI 1.5 framing) */
void bmc_cmd_input(bmc *b, struct bmc_sess *s, const uint8_t *msg,
		   size_t len, uint64_t peer, bool v15);

/* bmc_sol.c */
void bmc_sol_activate(bmc *b, struct bmc_sess *s);
void bmc_sol_deactivate(bmc *b, bool notify);
void bmc_sol_input(bmc *b, struct bmc_sess *s, const uint8_t *pl,
		   size_t len);
void bmc_sol_tick(bmc *b);
uint64_t bmc_sol_deadline(const bmc *b);

#endif
