/* bmc.h — a sans-I/O simulated BMC: the LAN+ (RMCP+) server role and the BMC side of SOL. */
#ifndef IPMUX_TESTS_BMC_H
#define IPMUX_TESTS_BMC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One bmc is one simulated BMC with its sessions and its one SOL payload
 * instance.  Like sol_session it never touches a socket, timer or thread:
 * the caller feeds it datagrams tagged with an opaque peer cookie (the
 * client address), the clock, and the host's serial output; it answers
 * through callbacks.  Everything lives in one fixed-size object (no
 * allocation per packet, no globals) so that one process can run many:
 * per established session it also holds one crypto context.
 * Times are milliseconds on the caller's monotonic clock.
 */
typedef struct bmc bmc;

#define BMC_NO_DEADLINE UINT64_MAX

#define BMC_MAX_USERS 8
#define BMC_MAX_SESSIONS 8
#define BMC_HOST_OUT_CAP 4096	/* host output buffered toward the console */
#define BMC_SOL_INBUF_MAX 256	/* largest console -> host buffer */

struct bmc_user {
	const char *name;	/* <= 16 bytes; "" is the null user */
	const char *password;	/* <= 20 bytes */
	int priv_limit;		/* 2 user, 3 operator, 4 admin */
};

/* An IPMI request as the observe and command hooks see it. */
struct bmc_request {
	uint64_t peer;
	uint32_t bmc_sid;	/* the session it came in, 0 session-less */
	uint8_t priv;		/* that session's current privilege */
	uint8_t netfn, cmd;
	const uint8_t *data;
	size_t len;
	uint64_t now;
};

/* The hook's answer when it wants no reply sent at all. */
#define BMC_CMD_NO_REPLY (-1)

/*
 * Vendor misbehaviour on demand, one bit per client workaround flag it
 * exists for; the bits are those of enum sol_quirk (sol/sol.h), so the
 * two can be passed across unchanged.  0: a well-behaved BMC.
 */
enum bmc_quirk {
	BMC_Q_AUTHCAP = 1u << 0,	/* wrong user and Kg status bits in
					 * Get Channel Auth Capabilities */
	BMC_Q_INTEL20 = 1u << 1,	/* name NUL-padded to 16 in RAKP 2 and
					 * the SIK; RAKP 3 checked with the
					 * name-only bit clear */
	BMC_Q_SUPERMICRO20 = 1u << 2,	/* RAKP 2 KEAC one byte too long */
	BMC_Q_SUN20 = 1u << 3,		/* RAKP 2 KEAC one byte too long,
					 * tag bits in the Open Session reply's
					 * algorithms, a bad cipher record */
	BMC_Q_OPENSESSPRIV = 1u << 4,	/* keys hashed with the Open Session
					 * privilege, not RAKP 1's */
	BMC_Q_INTEGRITYCHECKVALUE = 1u << 5, /* suite 0: RAKP 4 carries a
					 * 12-byte ICV anyway */
	BMC_Q_NOCHECKSUMCHECK = 1u << 6, /* IPMI replies: bad data checksum */
	BMC_Q_SOLPAYLOADSIZE = 1u << 7,	/* Activate reports quirk_sol_size as
					 * both payload sizes; console SOL
					 * packets over sol_in_size are dropped */
	BMC_Q_SOLPORT = 1u << 8,	/* Activate reports BMC_QUIRK_SOL_PORT
					 * while SOL stays on this port */
	BMC_Q_SOLSTATUS = 1u << 9,	/* Get Payload Activation Status: 0xCC */
	BMC_Q_SERIALALERTSDEFERRED = 1u << 11, /* console characters are never
					 * taken nor acknowledged unless
					 * Activate asked for deferred serial
					 * alerts (aux b3:2 = 01) */
	BMC_Q_SOLPACKETSEQ = 1u << 12,	/* after quirk_solseq_after console data
					 * packets the BMC wedges: it ignores
					 * that seq (no ACK, characters not
					 * taken) until a different seq comes */
};
#define BMC_QUIRK_SOL_PORT 0x1234

struct bmc_config {
	struct bmc_user users[BMC_MAX_USERS];
	unsigned nusers;
	const uint8_t *kg;		/* BMC key or NULL; <= 20 bytes */
	size_t kg_len;
	uint8_t guid[16];
	uint8_t channel;		/* LAN channel number (0 means 1) */
	/* Cipher suites offered and accepted: bit n = suite n (0-3, 17).
	 * 0 means suites 3 and 17. */
	uint32_t suites;
	/* Suites Get Channel Cipher Suites lists, when not those accepted
	 * (some BMCs list a suite they then refuse); 0: the same. */
	uint32_t suites_listed;
	unsigned session_limit;		/* 1..BMC_MAX_SESSIONS; 0 = 4 */
	uint32_t idle_ms;		/* established session idle timeout (60000) */
	uint32_t setup_ms;		/* half-open session timeout (5000) */
	bool idle_ipmi_only;		/* like ipmi_sim: SOL is not activity */
	/* SOL */
	bool sol_enabled;
	uint16_t sol_in_size;		/* reported inbound payload size (259) */
	uint16_t sol_out_size;		/* reported outbound payload size (259) */
	uint16_t sol_port;		/* reported SOL port (623) */
	size_t sol_tx_chars;		/* characters per packet we send (255) */
	size_t sol_inbuf;		/* console -> host buffer (32, max 256) */
	uint32_t sol_retry_ms;		/* retransmit period (1000) */
	unsigned sol_retries;		/* retransmits before giving up (4) */
	bool sol_append;		/* retransmits carry newly arrived data */
	bool sol_keep_seq;		/* ipmi_sim: seq state survives reactivation */
	bool deact_notify;		/* tell a deactivated owner (status 0x10) */
	uint32_t quirks;		/* enum bmc_quirk bits */
	uint16_t quirk_sol_size;	/* solpayloadsize: reported verbatim */
	unsigned quirk_solseq_after;	/* solpacketseq: wedge on this data
					 * packet of an activation (0 = 3) */
	uint64_t seed;			/* PRNG for ids, Rc, IVs and faults */

	/* Callbacks; ctx is passed to all of them. send is required. */
	void *ctx;
	void (*send)(void *ctx, uint64_t peer, const uint8_t *buf, size_t len);
	/* Console bytes for the host's serial input; returns bytes the host
	 * took (the rest stay buffered: call bmc_host_drain later). NULL
	 * means the host takes everything. */
	size_t (*host_input)(void *ctx, const uint8_t *buf, size_t len);
	/* The console asked for a serial break. Optional. */
	void (*host_break)(void *ctx);
	/* Every IPMI request seen inside a session or session-less, before
	 * it is handled (tests count keepalives with it). Optional. */
	void (*observe)(void *ctx, const struct bmc_request *rq);
	/* Commands the engine does not implement: write up to cap response
	 * data bytes (after the completion code) to rsp, set *rlen, return
	 * the completion code or BMC_CMD_NO_REPLY. NULL answers 0xC1. */
	int (*command)(void *ctx, const struct bmc_request *rq, uint8_t *rsp,
		       size_t cap, size_t *rlen);
	/* Human-readable trace of sessions and SOL packets. Optional. */
	void (*trace)(void *ctx, const char *msg);
};

/* Faults applied to datagrams from ("in") and to ("out") the clients.
 * Percentages are 0..100 and drawn from the seeded PRNG. */
struct bmc_faults {
	unsigned drop_in_next, drop_out_next;	/* drop the next N */
	unsigned drop_in_pct, drop_out_pct;
	unsigned dup_in_pct, dup_out_pct;	/* deliver twice */
	unsigned reorder_in_pct, reorder_out_pct; /* hold one, release it
						   * after the next */
	/* ...or once it has waited this long (bmc_tick); 0 = only after
	 * the next, so in a lock-step exchange a held datagram is a loss */
	uint32_t hold_ms;
	bool silent;				/* a dead BMC: no input,
						 * no output */
};

struct bmc_stats {
	uint64_t rx, tx;			/* datagrams after faults */
	uint64_t rx_bad;			/* unparsable, bad MAC, checksum */
	uint64_t rx_seq_drop, rx_unknown_sid;
	uint64_t faults_dropped, faults_duped, faults_reordered;
	uint64_t ipmi_requests;			/* in-session IPMI requests */
	uint64_t sessions_opened, sessions_closed, sessions_expired;
	uint64_t close_session, deactivate, activate;
	uint64_t sol_rx, sol_tx, sol_retransmits;
	uint64_t sol_stray;			/* SOL from a non-owner session */
	uint64_t sol_nacks_sent;
	uint64_t sol_bytes_to_host, sol_bytes_from_host;
	uint64_t sol_bytes_lost;		/* given up after retries, or
						 * output with SOL inactive */
	uint64_t breaks;
};

/* Create a BMC; NULL on bad config. Copies the config (names and
 * passwords too). */
bmc *bmc_new(const struct bmc_config *cfg);
/* Wipe keys and free. NULL is fine. */
void bmc_free(bmc *b);

/* One datagram from a client. Bad input is counted and dropped. */
void bmc_input(bmc *b, const uint8_t *dgram, size_t len, uint64_t now,
	       uint64_t peer);
/* Run timers: SOL retransmits, session idle and setup timeouts. */
void bmc_tick(bmc *b, uint64_t now);
/* When bmc_tick next has work; BMC_NO_DEADLINE if none. */
uint64_t bmc_deadline(const bmc *b);

/* Host serial output toward the console. Returns the bytes taken (fewer
 * when the buffer is full). With SOL inactive the bytes are discarded,
 * as on a serial port nobody listens to, and all are "taken".  Uses the
 * clock of the last bmc_input/bmc_tick. */
size_t bmc_host_output(bmc *b, const uint8_t *buf, size_t len);
/* The host can take more input: hand it buffered console bytes and, when
 * the buffer has drained, lift a NACK. */
void bmc_host_drain(bmc *b);
/* Free room for bmc_host_output. */
size_t bmc_host_room(const bmc *b);

/* Fault injection: the returned object may be changed at any time. */
struct bmc_faults *bmc_faults(bmc *b);
const struct bmc_stats *bmc_stats(const bmc *b);

/* Introspection for tests. */
unsigned bmc_session_count(const bmc *b);	/* established or half-open */
uint32_t bmc_sol_owner(const bmc *b);		/* BMC session id, 0 none */
/* Current privilege of the session with that BMC id, or -1. */
int bmc_session_priv(const bmc *b, uint32_t bmc_sid);
/* Drop a session as if its idle timer fired (deactivating its SOL). */
void bmc_expire_session(bmc *b, uint32_t bmc_sid);

#endif
