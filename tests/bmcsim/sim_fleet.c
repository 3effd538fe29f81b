/* sim_fleet.c — ipmux-bmcsim's event plumbing: one UDP socket per BMC, one deadline heap and timer for all, faults, reboots. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rmcp.h"
#include "sim.h"

#define RX_BURST 16		/* datagrams per readiness callback */

/* One receive buffer for the whole fleet: the loop is single-threaded
 * and bmc_input copies what it keeps. */
static uint8_t rxbuf[RP_MAX_DGRAM + 512];

uint64_t
sim_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* The peer cookie is the client's IPv4 address and port, so the cookie
 * itself is the map back to the sockaddr: no per-BMC table needed. */
static uint64_t
peer_pack(const struct sockaddr_in *sa)
{
	return (uint64_t)ntohl(sa->sin_addr.s_addr) << 16 |
	    ntohs(sa->sin_port);
}

static void
peer_unpack(uint64_t peer, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_addr.s_addr = htonl((uint32_t)(peer >> 16));
	sa->sin_port = htons((uint16_t)peer);
}

static void
raw_send(struct sim_bmc *sb, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct sockaddr_in sa;

	peer_unpack(peer, &sa);
	/* A full socket buffer is loss, which the protocol survives. */
	(void)sendto(sb->fd, buf, len, MSG_DONTWAIT, (struct sockaddr *)&sa,
		     sizeof(sa));
}

/* ---- the deadline heap: every BMC with a deadline, earliest first ---- */

static void
heap_swap(struct sim *sim, uint32_t i, uint32_t j)
{
	struct sim_bmc *t = sim->heap[i];

	sim->heap[i] = sim->heap[j];
	sim->heap[j] = t;
	sim->heap[i]->heap_pos = i;
	sim->heap[j]->heap_pos = j;
}

static void
heap_up(struct sim *sim, uint32_t i)
{
	while (i > 0 && sim->heap[(i - 1) / 2]->due > sim->heap[i]->due) {
		heap_swap(sim, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

static void
heap_down(struct sim *sim, uint32_t i)
{
	uint32_t l, m;

	for (;;) {
		l = 2 * i + 1;
		m = i;
		if (l < sim->heap_len && sim->heap[l]->due < sim->heap[m]->due)
			m = l;
		if (l + 1 < sim->heap_len &&
		    sim->heap[l + 1]->due < sim->heap[m]->due)
			m = l + 1;
		if (m == i)
			return;
		heap_swap(sim, i, m);
		i = m;
	}
}

static void
heap_remove(struct sim *sim, struct sim_bmc *sb)
{
	uint32_t i = sb->heap_pos;

	if (i == SIM_NONE)
		return;
	sim->heap_len--;
	if (i != sim->heap_len) {
		heap_swap(sim, i, sim->heap_len);
		heap_up(sim, i);
		heap_down(sim, sim->heap[i]->heap_pos);
	}
	sb->heap_pos = SIM_NONE;
}

static void
heap_set(struct sim *sim, struct sim_bmc *sb, uint64_t due)
{
	if (due == BMC_NO_DEADLINE) {
		heap_remove(sim, sb);
		return;
	}
	sb->due = due;
	if (sb->heap_pos == SIM_NONE) {
		sb->heap_pos = sim->heap_len;
		sim->heap[sim->heap_len++] = sb;
	}
	heap_up(sim, sb->heap_pos);
	heap_down(sim, sb->heap_pos);
}

/* The one libevent timer follows the heap's top. */
static void
arm_timer(struct sim *sim)
{
	struct timeval tv;
	uint64_t due, now;

	if (sim->heap_len == 0) {
		if (sim->timer_at != BMC_NO_DEADLINE)
			evtimer_del(sim->timer);
		sim->timer_at = BMC_NO_DEADLINE;
		return;
	}
	due = sim->heap[0]->due;
	if (due == sim->timer_at)
		return;
	now = sim_now();
	due = due > now ? due - now : 0;
	tv.tv_sec = (time_t)(due / 1000);
	tv.tv_usec = (suseconds_t)(due % 1000) * 1000;
	evtimer_add(sim->timer, &tv);
	sim->timer_at = sim->heap[0]->due;
}

static void
timer_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim *sim = arg;
	uint64_t now = sim_now();

	sim->timer_at = BMC_NO_DEADLINE;
	/* service() files a deadline after now, so this terminates */
	while (sim->heap_len > 0 && sim->heap[0]->due <= now)
		sim_bmc_service(sim->heap[0], now);
	arm_timer(sim);
}

/* ---- the delay fault: a small bounded queue per delayed BMC ---- */

static void
dq_push(struct sim_bmc *sb, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct sim_dq *q = sb->dq;
	struct sim_dq_ent *e;
	uint64_t j = 0;

	if (q->n == SIM_DQ_CAP || len > RP_MAX_DGRAM ||
	    (e = malloc(sizeof(*e) + len)) == NULL) {
		q->dropped++;
		return;
	}
	if (q->jitter_ms > 0)
		j = (uint64_t)rand() % (2 * q->jitter_ms + 1);
	e->due = sim_now() + q->delay_ms + j;
	if (e->due > q->jitter_ms)
		e->due -= q->jitter_ms;
	e->peer = peer;
	e->len = (uint16_t)len;
	memcpy(e->buf, buf, len);
	q->ent[q->n++] = e;
}

/* Release what is due (in due order as far as a scan gives it: jitter
 * may reorder, as on a real path). */
static uint64_t
dq_run(struct sim_bmc *sb, uint64_t now)
{
	struct sim_dq *q = sb->dq;
	uint64_t next = BMC_NO_DEADLINE;
	unsigned i = 0;

	if (q == NULL)
		return BMC_NO_DEADLINE;
	while (i < q->n) {
		struct sim_dq_ent *e = q->ent[i];

		if (e->due <= now) {
			raw_send(sb, e->peer, e->buf, e->len);
			free(e);
			q->ent[i] = q->ent[--q->n];
			continue;
		}
		if (e->due < next)
			next = e->due;
		i++;
	}
	if (q->n == 0 && q->delay_ms == 0) {
		free(q);
		sb->dq = NULL;
	}
	return next;
}

int
sim_set_delay(struct sim_bmc *sb, uint32_t ms, uint32_t jitter)
{
	if (jitter > ms)
		return -1;
	if (sb->dq == NULL && ms == 0)
		return 0;
	if (sb->dq == NULL && (sb->dq = calloc(1, sizeof(*sb->dq))) == NULL)
		return -1;
	sb->dq->delay_ms = ms;
	sb->dq->jitter_ms = jitter;
	return 0;
}

/* ---- the engine's callbacks ---- */

static void
sim_send(void *ctx, uint64_t peer, const uint8_t *buf, size_t len)
{
	struct sim_bmc *sb = ctx;

	if (sb->dq != NULL && sb->dq->delay_ms > 0)
		dq_push(sb, peer, buf, len);
	else
		raw_send(sb, peer, buf, len);
}

static int
sim_command(void *ctx, const struct bmc_request *rq, uint8_t *rsp,
	    size_t cap, size_t *rlen)
{
	struct sim_bmc *sb = ctx;

	if (sb->m == NULL)
		return 0xC1;
	return mgmt_command(sb->m, rq, rsp, cap, rlen);
}

static void
sim_trace(void *ctx, const char *msg)
{
	struct sim_bmc *sb = ctx;

	fprintf(stderr, "bmc %u: %s\n", sb->idx, msg);
}

/* The fleet-wide template every BMC's config starts from. */
void
sim_template(struct sim *sim)
{
	struct bmc_config *c = &sim->tmpl;

	memset(c, 0, sizeof(*c));
	c->users[0].name = sim->opt.user;
	c->users[0].password = sim->password;
	c->users[0].priv_limit = 4;
	c->nusers = 1;
	c->suites = sim->opt.suites;
	c->session_limit = sim->opt.session_limit;
	c->idle_ms = sim->opt.idle_ms;
	c->idle_ipmi_only = sim->opt.idle_ipmi_only;
	c->sol_enabled = true;
	c->sol_retry_ms = sim->opt.sol_retry_ms;
	c->send = sim_send;
	c->host_input = sim_host_input;
	c->host_break = sim_host_break;
	c->command = sim_command;
	if (sim->opt.trace)
		c->trace = sim_trace;
}

int
sim_bmc_create(struct sim_bmc *sb)
{
	struct bmc_config c = sb->sim->tmpl;
	uint32_t i;

	c.ctx = sb;
	/* Distinct ids and nonces per BMC: reproducible with --seed, else
	 * different per run and per reboot (a real BMC never reuses them). */
	c.seed = sb->sim->opt.seed != 0 ? sb->sim->opt.seed :
	    sim_now() << 20 ^ (uint64_t)sb->sim->boots++;
	c.seed = c.seed * 0x9e3779b97f4a7c15ULL + sb->idx;
	for (i = 0; i < 16; i++)
		c.guid[i] = (uint8_t)(i < 12 ? 0xa0 + i : sb->idx >> (8 * (i - 12)));
	if (sb->session_limit != 0)
		c.session_limit = sb->session_limit;
	/* SOL rides on the port the client already talks to */
	c.sol_port = (uint16_t)(sb->sim->opt.addr_range ? sb->sim->opt.port :
	    sb->sim->opt.port + sb->idx);
	if ((sb->b = bmc_new(&c)) == NULL)
		return -1;
	/* a reordered datagram waits for a later one, but not forever: in
	 * a lock-step exchange (the handshake) that would be a loss */
	bmc_faults(sb->b)->hold_ms = SIM_HOLD_MS;
	return 0;
}

/* Recreate the engine (sessions gone), keeping the injected faults. */
static int
sim_bmc_recreate(struct sim_bmc *sb)
{
	struct bmc_faults f = *bmc_faults(sb->b);

	bmc_free(sb->b);
	if (sim_bmc_create(sb) != 0)
		return -1;
	*bmc_faults(sb->b) = f;
	return 0;
}

void
sim_reboot(struct sim_bmc *sb, uint32_t seconds, uint64_t now)
{
	if (sim_bmc_recreate(sb) != 0) {
		fprintf(stderr, "%s: bmc %u: out of memory on reboot\n",
			SIM_NAME, sb->idx);
		exit(1);
	}
	if (seconds > 0) {
		bmc_faults(sb->b)->silent = true;
		sb->reboot_silent = true;
		sb->reboot_until = now + (uint64_t)seconds * 1000;
	}
	sim_bmc_service(sb, now);
}

int
sim_set_session_limit(struct sim_bmc *sb, unsigned n)
{
	if (n < 1 || n > BMC_MAX_SESSIONS)
		return -1;
	sb->session_limit = (uint8_t)n;
	return sim_bmc_recreate(sb);
}

void
sim_set_fault(struct sim_bmc *sb, enum sim_fault f, unsigned pct)
{
	struct bmc_faults *bf = bmc_faults(sb->b);

	switch (f) {
	case SIM_F_LOSS:
		bf->drop_in_pct = bf->drop_out_pct = pct;
		break;
	case SIM_F_DUP:
		bf->dup_in_pct = bf->dup_out_pct = pct;
		break;
	case SIM_F_REORDER:
		bf->reorder_in_pct = bf->reorder_out_pct = pct;
		break;
	}
}

static uint64_t
min64(uint64_t a, uint64_t b)
{
	return a < b ? a : b;
}

void
sim_bmc_service(struct sim_bmc *sb, uint64_t now)
{
	uint64_t due;

	if (sb->reboot_until != 0 && now >= sb->reboot_until) {
		sb->reboot_until = 0;
		if (sb->reboot_silent)
			bmc_faults(sb->b)->silent = false;
		sb->reboot_silent = false;
	}
	due = dq_run(sb, now);
	bmc_tick(sb->b, now);
	if (sb->m != NULL) {
		mgmt_tick(sb->m, now);
		due = min64(due, mgmt_deadline(sb->m));
	}
	bmc_host_drain(sb->b);
	due = min64(due, sim_host_run(sb, now));
	due = min64(due, bmc_deadline(sb->b));
	if (sb->reboot_until != 0)
		due = min64(due, sb->reboot_until);
	if (due <= now)
		due = now + 1;
	heap_set(sb->sim, sb, due);
	arm_timer(sb->sim);
}

static void
read_cb(evutil_socket_t fd, short what, void *arg)
{
	struct sim_bmc *sb = arg;
	struct sockaddr_in sa;
	socklen_t salen;
	uint64_t now = sim_now();
	ssize_t n;
	int i;

	for (i = 0; i < RX_BURST; i++) {
		salen = sizeof(sa);
		n = recvfrom(fd, rxbuf, sizeof(rxbuf), MSG_DONTWAIT,
			     (struct sockaddr *)&sa, &salen);
		if (n < 0)
			break;
		if (salen != sizeof(sa) || sa.sin_family != AF_INET)
			continue;
		bmc_input(sb->b, rxbuf, (size_t)n, now, peer_pack(&sa));
	}
	sim_bmc_service(sb, now);
}

static int
bmc_socket(struct sim_bmc *sb, uint32_t addr, uint16_t port)
{
	struct sockaddr_in sa;
	char a[INET_ADDRSTRLEN];
	int fd;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "%s: socket: %s\n", SIM_NAME, strerror(errno));
		return -1;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(addr);
	sa.sin_port = htons(port);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		inet_ntop(AF_INET, &sa.sin_addr, a, sizeof(a));
		fprintf(stderr, "%s: bmc %u: bind %s:%u: %s\n", SIM_NAME,
			sb->idx, a, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static int
bmc_start(struct sim *sim, struct sim_bmc *sb, uint64_t now)
{
	struct mgmt_config mc;
	uint32_t addr = sim->opt.addr;
	uint32_t port = sim->opt.port;

	if (sim->opt.addr_range)
		addr += sb->idx;
	else
		port += sb->idx;
	if ((sb->fd = bmc_socket(sb, addr, (uint16_t)port)) < 0)
		return -1;
	if (sim_bmc_create(sb) != 0) {
		fprintf(stderr, "%s: bmc %u: cannot create\n", SIM_NAME,
			sb->idx);
		return -1;
	}
	memset(&mc, 0, sizeof(mc));
	mc.index = sb->idx;
	mc.seed = sim->opt.seed + sb->idx;
	mc.power_on = true;
	mc.drift_ms = sim->opt.drift_ms;
	mc.ctx = sb;
	mc.ops.power = sim_host_power;
	mc.ops.diag = sim_host_diag;
	if ((sb->m = mgmt_new(&mc)) == NULL) {
		fprintf(stderr, "%s: bmc %u: mgmt_new failed\n", SIM_NAME,
			sb->idx);
		return -1;
	}
	sim_host_init(sb, mgmt_power_is_on(sb->m), now);
	sim_set_fault(sb, SIM_F_LOSS, sim->opt.loss);
	sim_set_fault(sb, SIM_F_DUP, sim->opt.dup);
	sim_set_fault(sb, SIM_F_REORDER, sim->opt.reorder);
	if (sim_set_delay(sb, sim->opt.delay_ms, sim->opt.jitter_ms) != 0)
		return -1;
	event_assign(&sb->ev, sim->base, sb->fd, EV_READ | EV_PERSIST,
		     read_cb, sb);
	if (event_add(&sb->ev, NULL) != 0)
		return -1;
	sim_bmc_service(sb, now);
	return 0;
}

int
sim_fleet_start(struct sim *sim)
{
	uint64_t now = sim_now();
	uint32_t i;

	sim->timer_at = BMC_NO_DEADLINE;
	if ((sim->timer = evtimer_new(sim->base, timer_cb, sim)) == NULL)
		return -1;
	sim->bmcs = calloc(sim->opt.count, sizeof(*sim->bmcs));
	sim->heap = calloc(sim->opt.count, sizeof(*sim->heap));
	if (sim->bmcs == NULL || sim->heap == NULL)
		return -1;
	for (i = 0; i < sim->opt.count; i++) {
		struct sim_bmc *sb = &sim->bmcs[i];

		sb->sim = sim;
		sb->idx = i;
		sb->fd = -1;
		sb->heap_pos = SIM_NONE;
		sb->host.rec_fd = -1;
	}
	for (i = 0; i < sim->opt.count; i++)
		if (bmc_start(sim, &sim->bmcs[i], now) != 0)
			return -1;
	return 0;
}

void
sim_fleet_stop(struct sim *sim)
{
	uint32_t i;
	unsigned k;

	for (i = 0; sim->bmcs != NULL && i < sim->opt.count; i++) {
		struct sim_bmc *sb = &sim->bmcs[i];

		if (sb->fd < 0)
			continue;
		if (event_initialized(&sb->ev))
			event_del(&sb->ev);
		close(sb->fd);
		bmc_free(sb->b);
		mgmt_free(sb->m);
		sim_host_close(sb);
		for (k = 0; sb->dq != NULL && k < sb->dq->n; k++)
			free(sb->dq->ent[k]);
		free(sb->dq);
	}
	if (sim->timer != NULL)
		event_free(sim->timer);
	free(sim->bmcs);
	free(sim->heap);
	sim->bmcs = NULL;
	sim->heap = NULL;
}
