/* sim.h — ipmux-bmcsim: a fleet of simulated BMCs in one process, their hosts and the control channel. */
#ifndef IPMUX_TESTS_SIM_H
#define IPMUX_TESTS_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/event_struct.h>

#include "bmc.h"
#include "mgmt.h"

#define SIM_NAME "ipmux-bmcsim"
#define SIM_NONE UINT32_MAX	/* not in the deadline heap */
#define SIM_DQ_CAP 16		/* datagrams a delayed BMC holds back */
#define SIM_HOLD_MS 30		/* longest a reordered datagram waits */

enum sim_host_mode {
	SIM_HOST_BOOTLOG = 0,
	SIM_HOST_NUMBERED,
	SIM_HOST_SILENT,
};

/*
 * Vendor quirks a BMC can imitate, mirroring the client's workaround
 * flags (sol/quirks.c).  The extension point: add a bit here, a name in
 * sim.c's quirk table, and act on sim.quirks where the BMC's behaviour
 * is configured (sim_bmc_create builds each bmc_config from the
 * template) or in the send path (sim_send).  The engine's own quirks
 * (enum bmc_quirk) pass through unchanged: the template's quirks are
 * opt.quirks.
 */
enum sim_quirk {
	SIM_QUIRK_NONE = 0,
	SIM_QUIRK_AUTHCAP = BMC_Q_AUTHCAP,
	SIM_QUIRK_INTEL20 = BMC_Q_INTEL20,
	SIM_QUIRK_SUPERMICRO20 = BMC_Q_SUPERMICRO20,
	SIM_QUIRK_SUN20 = BMC_Q_SUN20,
	SIM_QUIRK_OPENSESSPRIV = BMC_Q_OPENSESSPRIV,
	SIM_QUIRK_INTEGRITYCHECKVALUE = BMC_Q_INTEGRITYCHECKVALUE,
	SIM_QUIRK_NOCHECKSUMCHECK = BMC_Q_NOCHECKSUMCHECK,
	SIM_QUIRK_SOLPAYLOADSIZE = BMC_Q_SOLPAYLOADSIZE,
	SIM_QUIRK_SOLPORT = BMC_Q_SOLPORT,
	SIM_QUIRK_SOLSTATUS = BMC_Q_SOLSTATUS,
	SIM_QUIRK_SERIALALERTSDEFERRED = BMC_Q_SERIALALERTSDEFERRED,
	SIM_QUIRK_SOLPACKETSEQ = BMC_Q_SOLPACKETSEQ,
};

/* The host behind one BMC: a few counters and a cursor into shared,
 * static text; no output buffer of its own. */
struct sim_host {
	uint8_t state;		/* enum in sim_host.c */
	uint8_t line_len;	/* characters typed on the current line */
	uint16_t seg;		/* boot log segment */
	uint16_t milli;		/* credit below one byte, in 1/1000 bytes */
	uint32_t off;		/* offset in it, or in the numbered line */
	uint64_t line;		/* numbered stream: the current line */
	uint64_t last;		/* output credit computed up to here */
	uint64_t hold_until;	/* a pause in the boot log */
	uint32_t credit;	/* bytes the line may carry now */
	const char *pend;	/* canned reply (static text) still to send */
	uint16_t pend_len, pend_off;
	int rec_fd;		/* --record-dir: console input, -1 closed */
};

/* One held-back datagram of the delay fault. */
struct sim_dq_ent {
	uint64_t due;
	uint64_t peer;
	uint16_t len;
	uint8_t buf[];		/* RP_MAX_DGRAM */
};

/* The delay fault's queue, allocated only while a delay is set. */
struct sim_dq {
	uint32_t delay_ms, jitter_ms;
	unsigned n;
	uint64_t dropped;
	struct sim_dq_ent *ent[SIM_DQ_CAP];
};

struct sim;

struct sim_bmc {
	struct sim *sim;
	bmc *b;
	mgmt *m;
	uint32_t idx;
	int fd;
	uint32_t heap_pos;
	uint64_t due;		/* its key in the heap */
	uint64_t reboot_until;	/* silent until then; 0 = not rebooting */
	uint8_t session_limit;	/* 0: the fleet's */
	bool reboot_silent;	/* silent because of the reboot */
	struct sim_dq *dq;
	struct sim_host host;
	struct event ev;	/* readable */
};

struct sim_opts {
	uint32_t count;
	uint32_t port;
	uint32_t addr;		/* IPv4, host order */
	bool addr_range;
	const char *user;
	const char *password_file;
	enum sim_host_mode host_mode;
	uint32_t baud;
	uint32_t rate;		/* host output bytes/s; 0: baud / 10 */
	uint32_t sol_retry_ms;	/* 0: the engine's (1000) */
	uint32_t suites;
	bool weak_suites;
	uint64_t seed;
	const char *control;
	const char *record_dir;
	bool echo;
	bool idle_ipmi_only;
	uint32_t idle_ms;
	unsigned session_limit;
	uint32_t drift_ms;
	unsigned loss, dup, reorder;
	uint32_t delay_ms, jitter_ms;
	uint32_t quirks;
	bool trace;
};

struct sim {
	struct sim_opts opt;
	struct event_base *base;
	struct event *timer, *sig_term, *sig_int;
	uint64_t timer_at;
	struct sim_bmc *bmcs;
	struct sim_bmc **heap;
	uint32_t heap_len;
	struct bmc_config tmpl;	/* each BMC's config, before its seed */
	char password[21];
	struct sim_ctl *ctl;
	uint32_t boots;		/* engines created, for unseeded runs */
};

/* sim.c */
void sim_quit(struct sim *sim);

/* sim_fleet.c */
uint64_t sim_now(void);
void sim_template(struct sim *sim);
int sim_fleet_start(struct sim *sim);
void sim_fleet_stop(struct sim *sim);
int sim_bmc_create(struct sim_bmc *sb);
/* Run its timers and the host, then file its next deadline. */
void sim_bmc_service(struct sim_bmc *sb, uint64_t now);
enum sim_fault { SIM_F_LOSS, SIM_F_DUP, SIM_F_REORDER };
/* A fault percentage in both directions (the engine applies it). */
void sim_set_fault(struct sim_bmc *sb, enum sim_fault f, unsigned pct);
/* Hold its outbound datagrams ms +- jitter; 0 turns the delay off. */
int sim_set_delay(struct sim_bmc *sb, uint32_t ms, uint32_t jitter);
void sim_reboot(struct sim_bmc *sb, uint32_t seconds, uint64_t now);
int sim_set_session_limit(struct sim_bmc *sb, unsigned n);

/* sim_host.c */
void sim_host_init(struct sim_bmc *sb, bool on, uint64_t now);
void sim_host_power(void *ctx, bool on);
void sim_host_diag(void *ctx);
void sim_host_break(void *ctx);
size_t sim_host_input(void *ctx, const uint8_t *buf, size_t len);
/* Emit output that is due; returns when it next wants to run. */
uint64_t sim_host_run(struct sim_bmc *sb, uint64_t now);
void sim_host_close(struct sim_bmc *sb);

/* sim_ctl.c */
struct sim_ctl;
struct sim_ctl *sim_ctl_new(struct sim *sim, const char *path);
void sim_ctl_free(struct sim_ctl *c);

#endif
