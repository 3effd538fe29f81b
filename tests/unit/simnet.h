/* simnet.h — a sol_session client or three and a simulated BMC wired by in-memory datagram queues on a fake clock. */
#ifndef SIMNET_H
#define SIMNET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "tests/bmcsim/bmc.h"
#include "rmcp.h"
#include "sol.h"

#define SIMNET_MAX_CLIENTS 3
#define SIMNET_BUFCAP (256 * 1024)	/* console/host capture room */
#define SIMNET_MAX_SEEN 16384
#define SIMNET_RAW_PEER 99	/* replies to it: captured, not queued */
#define SIMNET_TO_BMC (-1)

struct simnet_dg {
	uint64_t peer;
	int to;			/* client index, or SIMNET_TO_BMC */
	size_t len;
	uint8_t buf[RP_MAX_DGRAM];
};

struct simnet_req {
	uint64_t t;
	uint32_t sid;
	uint8_t netfn, cmd;
};

struct simnet;

/* Client idx talks as BMC peer idx + 1. */
struct simnet_client {
	struct simnet *net;
	sol_session *s;
	int idx;
	uint64_t peer;
	bool frozen;		/* neither ticked nor fed */
	uint64_t rng;
	enum sol_state st;
	unsigned states;	/* bit per state entered */
	uint64_t closed_at;
	unsigned status;
	uint8_t rx[SIMNET_BUFCAP];	/* what the console received */
	size_t rx_len;
	const uint8_t *tx_src;	/* console input still to write */
	size_t tx_len, tx_pos;
	int rsp_count, rsp_cc;
	uint8_t rsp_data[64];
	size_t rsp_len;
};

struct simnet {
	uint64_t now;
	bmc *b;
	struct bmc_config bcfg;	/* adjust between simnet_new and _boot */
	struct simnet_client cl[SIMNET_MAX_CLIENTS];
	int nclients;
	struct simnet_dg *q;
	size_t qcap, qhead, qlen;
	bool overflow;
	struct simnet_dg cur;	/* the datagram being delivered */
	size_t bufcap;		/* rx/host_in overflow limit */
	unsigned long max_same;	/* steps without the clock moving */
	/* the host behind the BMC's serial port */
	uint8_t host_in[SIMNET_BUFCAP];
	size_t host_in_len;
	size_t host_room;		/* bytes the host takes per call */
	unsigned host_breaks;
	const uint8_t *host_src;	/* output stream still to push */
	size_t host_src_len, host_src_pos;
	uint64_t host_period, host_next;	/* a line every period */
	unsigned host_lines;
	/* captures */
	uint8_t to_c0[RP_MAX_DGRAM];	/* last datagram to client 0 */
	size_t to_c0_len;
	uint8_t raw[RP_MAX_DGRAM];	/* last datagram to SIMNET_RAW_PEER */
	size_t raw_len;
	unsigned raw_count;
	struct simnet_req seen[SIMNET_MAX_SEEN];	/* what the BMC saw */
	size_t nseen;
	bool trace;		/* IPMUX_TEST_TRACE set: log to stderr */
	void *user;		/* the test's own state */
};

typedef bool (*simnet_cond)(struct simnet *n, const void *arg);

struct simnet *simnet_new(int nclients, size_t qcap);
void simnet_free(struct simnet *n);
void simnet_boot(struct simnet *n);
struct sol_config simnet_client_cfg(uint32_t quirks);
struct simnet_client *simnet_client_start(struct simnet *n, int idx,
    const struct sol_config *cfg);
bool simnet_client_live(const struct simnet_client *c);
bool simnet_run_until(struct simnet *n, simnet_cond cond, const void *arg,
    uint64_t until);
void simnet_run_for(struct simnet *n, uint64_t ms);
void simnet_make_stream(uint8_t *buf, size_t len, char tag,
    const char *tail);
void simnet_assert_same(const uint8_t *got, size_t got_len,
    const uint8_t *want, size_t want_len, const char *what);

#endif /* SIMNET_H */
