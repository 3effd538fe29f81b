/* sol.h — public API of the sans-I/O IPMI 2.0 LAN+ (RMCP+) and SOL engine. */
#ifndef IPMUX_SOL_H
#define IPMUX_SOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One sol_session is one RMCP+ session to one BMC.  It never touches a
 * socket, timer or thread: the caller feeds it datagrams (sol_session_input)
 * and the clock (sol_session_tick), it answers through callbacks and tells
 * the caller when it next wants to be ticked (sol_session_deadline).
 * Times are milliseconds on any monotonic clock the caller chooses.
 */
typedef struct sol_session sol_session;

#define SOL_NO_DEADLINE UINT64_MAX

/* Where the session is.  Ordered: every state after SOL_ST_AUTHCAP and
 * before SOL_ST_CLOSED is "handshake in progress" until SOL_ST_READY. */
enum sol_state {
	SOL_ST_IDLE = 0,	/* created, not started */
	SOL_ST_AUTHCAP,		/* Get Channel Authentication Capabilities */
	SOL_ST_CIPHERS,		/* Get Channel Cipher Suites (auto only) */
	SOL_ST_OPEN,		/* Open Session */
	SOL_ST_RAKP1,		/* RAKP 1 sent, waiting for RAKP 2 */
	SOL_ST_RAKP3,		/* RAKP 3 sent, waiting for RAKP 4 */
	SOL_ST_SETPRIV,		/* Set Session Privilege Level */
	SOL_ST_READY,		/* session up; IPMI requests flow */
	SOL_ST_SOL_STATUS,	/* Get Payload Activation Status */
	SOL_ST_SOL_DEACT,	/* deactivating a stale SOL instance */
	SOL_ST_SOL_ACT,		/* Activate Payload */
	SOL_ST_SOL_ACTIVE,	/* SOL payload running */
	SOL_ST_CLOSING,		/* deactivate + Close Session sent */
	SOL_ST_CLOSED,		/* ended cleanly or with an error (see reason) */
};

/* Why a session failed or ended; what the caller can act on. */
enum sol_reason {
	SOL_R_NONE = 0,
	SOL_R_AUTH,		/* bad user, password, Kg or privilege */
	SOL_R_TIMEOUT,		/* BMC unreachable or stopped answering */
	SOL_R_BUSY,		/* BMC out of sessions/resources */
	SOL_R_CIPHER,		/* no cipher suite both sides accept */
	SOL_R_SOL_DISABLED,	/* SOL disabled or not permitted */
	SOL_R_SOL_ACTIVE,	/* payload already active (policy: fail) */
	SOL_R_STOLEN,		/* another session took the SOL payload */
	SOL_R_DEACTIVATED,	/* BMC deactivated SOL */
	SOL_R_PROTOCOL,		/* malformed or unexpected answers */
	SOL_R_PORT,		/* BMC asks for SOL on another UDP port */
	SOL_R_LOCAL,		/* closed by the caller */
};

/* Workaround flags, named as FreeIPMI names them (see sol/quirks.c). */
enum sol_quirk {
	SOL_Q_AUTHCAP = 1u << 0,
	SOL_Q_INTEL20 = 1u << 1,
	SOL_Q_SUPERMICRO20 = 1u << 2,
	SOL_Q_SUN20 = 1u << 3,
	SOL_Q_OPENSESSPRIV = 1u << 4,
	SOL_Q_INTEGRITYCHECKVALUE = 1u << 5,
	SOL_Q_NOCHECKSUMCHECK = 1u << 6,
	SOL_Q_SOLPAYLOADSIZE = 1u << 7,
	SOL_Q_SOLPORT = 1u << 8,
	SOL_Q_SOLSTATUS = 1u << 9,
	SOL_Q_SOLCHANNELSUPPORT = 1u << 10,
	SOL_Q_SERIALALERTSDEFERRED = 1u << 11,
	SOL_Q_SOLPACKETSEQ = 1u << 12,
};
#define SOL_Q_DEFAULT (SOL_Q_OPENSESSPRIV | SOL_Q_SOLCHANNELSUPPORT)

/* Parse "a,b,c" into quirk bits ("none" clears, "default" = SOL_Q_DEFAULT).
 * Returns 0, or -1 with *bad pointing at the offending name. */
int sol_quirks_parse(const char *list, uint32_t *out, const char **bad);
/* Write the names of set bits, comma-separated, into buf. */
void sol_quirks_format(uint32_t bits, char *buf, size_t len);

enum sol_cipher_pref {
	SOL_CIPHER_AUTO = -1,	/* 17, then 3 */
	/* otherwise the suite number: 17, 3, or 0-2 with allow_weak */
};

enum sol_steal_policy { SOL_STEAL = 0, SOL_FAIL = 1 };

enum sol_priv { SOL_PRIV_USER = 2, SOL_PRIV_OPERATOR = 3, SOL_PRIV_ADMIN = 4 };

/* BMC -> console SOL status bits, as in the SOL packet header. */
#define SOL_STATUS_NACK 0x40
#define SOL_STATUS_UNAVAILABLE 0x20
#define SOL_STATUS_DEACTIVATING 0x10
#define SOL_STATUS_OVERRUN 0x08
#define SOL_STATUS_BREAK 0x04

struct sol_config {
	const char *user;		/* <= 16 bytes */
	const uint8_t *password;	/* <= 20 bytes; copied, caller wipes */
	size_t password_len;
	const uint8_t *kg;		/* BMC key or NULL; <= 20 bytes; copied */
	size_t kg_len;
	int cipher;			/* SOL_CIPHER_AUTO, 17, 3, 0, 1, 2 */
	bool allow_weak;		/* permit suites 0-2 */
	int privilege;			/* enum sol_priv */
	uint32_t quirks;		/* enum sol_quirk bits */
	enum sol_steal_policy steal;
	bool want_sol;			/* activate SOL once the session is up */
	uint16_t port;			/* UDP port the caller sends to (solport) */
	/* Timing, milliseconds; 0 picks the default. */
	uint32_t retry_ms;		/* first retransmit of a request (1000) */
	uint32_t request_budget_ms;	/* give up on one request (8000) */
	uint32_t keepalive_ms;		/* keepalive period (15000, +0..5 s jitter) */
	uint32_t dead_ms;		/* silence that declares the BMC dead (45000) */
	uint32_t sol_retry_ms;		/* SOL packet retransmit (700) */
	unsigned sol_retries;		/* SOL retransmits before seq bump (8) */
};

/* Statistics counters; never reset while the session object lives. */
struct sol_stats {
	uint64_t rx_packets, tx_packets;
	uint64_t rx_bad;		/* malformed, bad MAC, bad pad, bad checksum */
	uint64_t rx_seq_drop;		/* outside window or duplicate */
	uint64_t rx_stray;		/* replies matching no request */
	uint64_t sol_bytes_in, sol_bytes_out;
	uint64_t sol_retransmits, req_retransmits;
	uint64_t sol_nacks;
	uint64_t reestablish;		/* SOL re-activations in this session */
};

/* Callbacks run inside sol_session_* calls.  They must not call back into
 * the same session (no free, start, close, write): act after the call
 * returns, e.g. by checking sol_session_state(). */
struct sol_callbacks {
	/* Send one datagram to the BMC (the current port). Required. */
	void (*send)(void *ctx, const uint8_t *buf, size_t len);
	/* The session moved to a new state; reason is set on SOL_ST_CLOSED
	 * (and SOL_R_NONE elsewhere); detail is a short human string. */
	void (*state)(void *ctx, enum sol_state st, enum sol_reason reason,
		      const char *detail);
	/* Console bytes from the host, in order, each byte exactly once. */
	void (*data)(void *ctx, const uint8_t *buf, size_t len);
	/* SOL status bits changed (SOL_STATUS_*). Optional. */
	void (*status)(void *ctx, unsigned bits);
	/* Answer to sol_session_request: cc is the completion code, or -1
	 * when the request timed out or the session went away. Optional. */
	void (*response)(void *ctx, uint32_t tag, int cc, const uint8_t *data,
			 size_t len);
	/* Human-readable trace of handshake steps and drops. Optional. */
	void (*trace)(void *ctx, const char *msg);
	/* Random bytes; NULL uses OpenSSL RAND_bytes. Tests make it
	 * deterministic. Returns 0 on success. */
	int (*random)(void *ctx, uint8_t *buf, size_t len);
};

/* Create a session. Copies config (and secrets, which it wipes on free).
 * Returns NULL on bad config (message in err, if given). */
sol_session *sol_session_new(const struct sol_config *cfg,
			     const struct sol_callbacks *cb, void *ctx,
			     char *err, size_t errlen);
/* Close nothing, send nothing, wipe keys and free. NULL is fine. */
void sol_session_free(sol_session *s);

/* Begin the handshake (or restart it after SOL_ST_CLOSED). */
void sol_session_start(sol_session *s, uint64_t now);
/* One datagram from the BMC. Never fails: bad input is counted, dropped. */
void sol_session_input(sol_session *s, const uint8_t *buf, size_t len,
		       uint64_t now);
/* Run timers due at or before now. */
void sol_session_tick(sol_session *s, uint64_t now);
/* When sol_session_tick next has work; SOL_NO_DEADLINE if none. */
uint64_t sol_session_deadline(const sol_session *s);

/* Queue console input for the host. Returns bytes taken (may be fewer than
 * len when the internal buffer is full; try again after data moves). */
size_t sol_session_write(sol_session *s, const uint8_t *buf, size_t len,
			 uint64_t now);
/* Bytes queued but not yet acknowledged by the BMC. */
size_t sol_session_pending(const sol_session *s);
/* Send a serial break to the host. Returns 0, or -1 if SOL is not active. */
int sol_session_send_break(sol_session *s, uint64_t now);
/* Queue an IPMI request (netfn, cmd, data) on the session; the answer comes
 * to callbacks.response with tag. Returns 0, -1 if the queue is full or
 * the session cannot carry requests now. */
int sol_session_request(sol_session *s, uint8_t netfn, uint8_t cmd,
			const uint8_t *data, size_t len, uint32_t tag,
			uint64_t now);
/* Deactivate SOL and close the session (fire and forget), then go to
 * SOL_ST_CLOSED with SOL_R_LOCAL. */
void sol_session_close(sol_session *s, uint64_t now);

/* Change the UDP port recorded for solport checks (after SOL_R_PORT, the
 * caller reconnects to the redirect port, sets it here and starts again). */
void sol_session_set_port(sol_session *s, uint16_t port);

enum sol_state sol_session_state(const sol_session *s);
enum sol_reason sol_session_reason(const sol_session *s);
/* Suite actually negotiated (valid from SOL_ST_RAKP1 on), else -1. */
int sol_session_cipher(const sol_session *s);
/* Our (console) and the BMC's session ids; 0 before Open Session. */
uint32_t sol_session_console_id(const sol_session *s);
uint32_t sol_session_bmc_id(const sol_session *s);
/* The UDP port the BMC asked for in Activate Payload when SOL_R_PORT. */
uint16_t sol_session_redirect_port(const sol_session *s);
const struct sol_stats *sol_session_stats(const sol_session *s);

const char *sol_state_name(enum sol_state st);
const char *sol_reason_name(enum sol_reason r);

#endif
