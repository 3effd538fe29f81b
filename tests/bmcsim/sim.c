/* sim.c — ipmux-bmcsim: options, the password, resource limits, signals and main for a fleet of simulated BMCs. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <openssl/crypto.h>

#include "secret.h"
#include "sim.h"

#define MAX_COUNT 65536
#define FD_SPARE 64		/* control socket, record files, stdio */

enum {
	OPT_ADDR = 256, OPT_RANGE, OPT_HOST, OPT_BAUD, OPT_SUITES, OPT_WEAK,
	OPT_SEED, OPT_CONTROL, OPT_LOSS, OPT_DUP, OPT_REORDER, OPT_DELAY,
	OPT_IDLE_IPMI, OPT_IDLE, OPT_LIMIT, OPT_RECORD, OPT_NOECHO,
	OPT_DRIFT, OPT_QUIRK, OPT_TRACE, OPT_RATE, OPT_RETRY,
};

static const struct option longopts[] = {
	{ "count", required_argument, NULL, 'n' },
	{ "port", required_argument, NULL, 'p' },
	{ "user", required_argument, NULL, 'U' },
	{ "password-file", required_argument, NULL, 'f' },
	{ "addr", required_argument, NULL, OPT_ADDR },
	{ "addr-range", required_argument, NULL, OPT_RANGE },
	{ "host-output", required_argument, NULL, OPT_HOST },
	{ "baud", required_argument, NULL, OPT_BAUD },
	{ "suites", required_argument, NULL, OPT_SUITES },
	{ "weak-suites", no_argument, NULL, OPT_WEAK },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "control", required_argument, NULL, OPT_CONTROL },
	{ "loss", required_argument, NULL, OPT_LOSS },
	{ "dup", required_argument, NULL, OPT_DUP },
	{ "reorder", required_argument, NULL, OPT_REORDER },
	{ "delay", required_argument, NULL, OPT_DELAY },
	{ "idle-ipmi-only", no_argument, NULL, OPT_IDLE_IPMI },
	{ "idle-timeout", required_argument, NULL, OPT_IDLE },
	{ "session-limit", required_argument, NULL, OPT_LIMIT },
	{ "record-dir", required_argument, NULL, OPT_RECORD },
	{ "no-echo", no_argument, NULL, OPT_NOECHO },
	{ "drift-ms", required_argument, NULL, OPT_DRIFT },
	{ "quirk", required_argument, NULL, OPT_QUIRK },
	{ "trace", no_argument, NULL, OPT_TRACE },
	{ "rate", required_argument, NULL, OPT_RATE },
	{ "sol-retry-ms", required_argument, NULL, OPT_RETRY },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

/* Quirk names for --quirk (see enum sim_quirk), as the client names the
 * workaround each one needs; --quirk may be given more than once. */
static const struct {
	const char *name;
	uint32_t bit;
} quirk_names[] = {
	{ "none", SIM_QUIRK_NONE },
	{ "authcap", SIM_QUIRK_AUTHCAP },
	{ "intel20", SIM_QUIRK_INTEL20 },
	{ "supermicro20", SIM_QUIRK_SUPERMICRO20 },
	{ "sun20", SIM_QUIRK_SUN20 },
	{ "opensesspriv", SIM_QUIRK_OPENSESSPRIV },
	{ "integritycheckvalue", SIM_QUIRK_INTEGRITYCHECKVALUE },
	{ "nochecksumcheck", SIM_QUIRK_NOCHECKSUMCHECK },
	{ "solpayloadsize", SIM_QUIRK_SOLPAYLOADSIZE },
	{ "solport", SIM_QUIRK_SOLPORT },
	{ "solstatus", SIM_QUIRK_SOLSTATUS },
	{ "serialalertsdeferred", SIM_QUIRK_SERIALALERTSDEFERRED },
	{ "solpacketseq", SIM_QUIRK_SOLPACKETSEQ },
};

static void
usage(FILE *f)
{
	fprintf(f,
"usage: %s --count N --port P --user U --password-file F\n"
"       [--addr A | --addr-range FIRST] [--host-output bootlog|numbered|silent]\n"
"       [--baud B] [--rate BYTES_PER_S] [--sol-retry-ms MS]\n"
"       [--suites 3,17] [--weak-suites] [--seed S]\n"
"       [--control PATH] [--loss PCT] [--dup PCT] [--reorder PCT]\n"
"       [--delay MS[:JITTER]] [--idle-timeout SECONDS] [--idle-ipmi-only]\n"
"       [--session-limit N] [--record-dir DIR] [--no-echo] [--drift-ms MS]\n"
"       [--quirk NAME]... [--trace]\n"
"A fleet of simulated IPMI 2.0 BMCs (RMCP+, SOL) in one process.\n"
"Quirks (misbehave as the BMCs the client workaround of that name is\n"
"for): authcap intel20 supermicro20 sun20 opensesspriv\n"
"integritycheckvalue nochecksumcheck solpayloadsize solport solstatus\n"
"serialalertsdeferred solpacketseq.\n"
"BMC i listens on A:(P+i) (default A 127.0.0.1), or with --addr-range on\n"
"FIRST+i:P. See tests/bmcsim/README.md for the control socket protocol.\n",
	    SIM_NAME);
}

static int
parse_u32(const char *what, const char *s, uint32_t min, uint32_t max,
	  uint32_t *out)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || *s == '-' || v < min ||
	    v > max) {
		fprintf(stderr, "%s: bad %s '%s' (%u..%u)\n", SIM_NAME, what,
		    s, min, max);
		return -1;
	}
	*out = (uint32_t)v;
	return 0;
}

static int
parse_suites(struct sim_opts *o, char *s)
{
	char *t, *save = NULL;
	uint32_t n;

	o->suites = 0;
	for (t = strtok_r(s, ",", &save); t != NULL;
	     t = strtok_r(NULL, ",", &save)) {
		if (parse_u32("cipher suite", t, 0, 17, &n) != 0)
			return -1;
		if (n > 3 && n != 17) {
			fprintf(stderr, "%s: suite %u not offered (0-3, 17)\n",
			    SIM_NAME, n);
			return -1;
		}
		o->suites |= 1u << n;
	}
	return o->suites != 0 ? 0 : -1;
}

static int
parse_delay(struct sim_opts *o, char *s)
{
	char *j = strchr(s, ':');

	if (j != NULL)
		*j++ = '\0';
	if (parse_u32("delay", s, 0, 60000, &o->delay_ms) != 0 ||
	    (j != NULL && parse_u32("jitter", j, 0, o->delay_ms,
	    &o->jitter_ms) != 0))
		return -1;
	return 0;
}

static int
parse_quirk(struct sim_opts *o, const char *s)
{
	size_t i;

	for (i = 0; i < sizeof(quirk_names) / sizeof(quirk_names[0]); i++)
		if (strcmp(s, quirk_names[i].name) == 0) {
			o->quirks |= quirk_names[i].bit;
			return 0;
		}
	fprintf(stderr, "%s: unknown quirk '%s'\n", SIM_NAME, s);
	return -1;
}

static int
parse_host(struct sim_opts *o, const char *s)
{
	if (strcmp(s, "bootlog") == 0)
		o->host_mode = SIM_HOST_BOOTLOG;
	else if (strcmp(s, "numbered") == 0)
		o->host_mode = SIM_HOST_NUMBERED;
	else if (strcmp(s, "silent") == 0)
		o->host_mode = SIM_HOST_SILENT;
	else {
		fprintf(stderr, "%s: bad --host-output '%s'\n", SIM_NAME, s);
		return -1;
	}
	return 0;
}

static int
parse_addr(const char *s, uint32_t *out)
{
	struct in_addr a;

	if (inet_pton(AF_INET, s, &a) != 1) {
		fprintf(stderr, "%s: bad IPv4 address '%s'\n", SIM_NAME, s);
		return -1;
	}
	*out = ntohl(a.s_addr);
	return 0;
}

static int
parse_one(struct sim_opts *o, int c, char *arg)
{
	uint32_t v;

	switch (c) {
	case 'n':
		return parse_u32("count", arg, 1, MAX_COUNT, &o->count);
	case 'p':
		return parse_u32("port", arg, 1, 65535, &o->port);
	case 'U':
		o->user = arg;
		return strlen(arg) <= 16 ? 0 : -1;
	case 'f':
		o->password_file = arg;
		return 0;
	case OPT_ADDR:
		return parse_addr(arg, &o->addr);
	case OPT_RANGE:
		o->addr_range = true;
		return parse_addr(arg, &o->addr);
	case OPT_HOST:
		return parse_host(o, arg);
	case OPT_BAUD:
		return parse_u32("baud", arg, 300, 115200, &o->baud);
	case OPT_SUITES:
		return parse_suites(o, arg);
	case OPT_WEAK:
		o->weak_suites = true;
		return 0;
	case OPT_SEED:
		if (parse_u32("seed", arg, 0, UINT32_MAX, &v) != 0)
			return -1;
		o->seed = v;
		return 0;
	case OPT_CONTROL:
		o->control = arg;
		return 0;
	case OPT_LOSS:
		return parse_u32("loss", arg, 0, 100, &o->loss);
	case OPT_DUP:
		return parse_u32("dup", arg, 0, 100, &o->dup);
	case OPT_REORDER:
		return parse_u32("reorder", arg, 0, 100, &o->reorder);
	case OPT_DELAY:
		return parse_delay(o, arg);
	case OPT_IDLE_IPMI:
		o->idle_ipmi_only = true;
		return 0;
	case OPT_IDLE:
		if (parse_u32("idle timeout", arg, 1, 86400, &v) != 0)
			return -1;
		o->idle_ms = v * 1000;
		return 0;
	case OPT_LIMIT:
		return parse_u32("session limit", arg, 1, BMC_MAX_SESSIONS,
		    &o->session_limit);
	case OPT_RECORD:
		o->record_dir = arg;
		return 0;
	case OPT_NOECHO:
		o->echo = false;
		return 0;
	case OPT_DRIFT:
		return parse_u32("drift", arg, 0, 3600000, &o->drift_ms);
	case OPT_QUIRK:
		return parse_quirk(o, arg);
	case OPT_TRACE:
		o->trace = true;
		return 0;
	case OPT_RATE:
		return parse_u32("rate", arg, 1, 100000000, &o->rate);
	case OPT_RETRY:
		return parse_u32("SOL retry", arg, 10, 60000,
		    &o->sol_retry_ms);
	}
	return -1;
}

static int
parse_opts(struct sim_opts *o, int argc, char **argv)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->addr = 0x7f000001;
	o->baud = 115200;
	o->suites = 1u << 3 | 1u << 17;
	o->echo = true;
	o->drift_ms = 1000;
	while ((c = getopt_long(argc, argv, "n:p:U:f:h", longopts, NULL)) !=
	    -1) {
		if (c == 'h') {
			usage(stdout);
			exit(0);
		}
		if (c == '?' || parse_one(o, c, optarg) != 0) {
			if (c == 'U')
				fprintf(stderr, "%s: user name over 16 bytes\n",
				    SIM_NAME);
			usage(stderr);
			return -1;
		}
	}
	if (optind != argc || o->count == 0 || o->port == 0 ||
	    o->user == NULL || o->password_file == NULL) {
		fprintf(stderr, "%s: --count, --port, --user and "
		    "--password-file are required\n", SIM_NAME);
		usage(stderr);
		return -1;
	}
	if ((o->suites & 0x7) != 0 && !o->weak_suites) {
		fprintf(stderr, "%s: suites 0-2 need --weak-suites\n",
		    SIM_NAME);
		return -1;
	}
	if ((!o->addr_range && o->port + o->count - 1 > 65535) ||
	    (o->addr_range && ((o->addr >> 24) != 127 ||
	    (o->addr & 0xffffff) + o->count - 1 > 0xffffff))) {
		fprintf(stderr, "%s: %u BMCs do not fit from there\n",
		    SIM_NAME, o->count);
		return -1;
	}
	return 0;
}

/* One socket per BMC: lift the soft limit to the hard one. */
static int
raise_nofile(uint32_t count)
{
	struct rlimit rl;
	rlim_t need = (rlim_t)count + FD_SPARE;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return -1;
	if (rl.rlim_cur < need && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		(void)setrlimit(RLIMIT_NOFILE, &rl);
		(void)getrlimit(RLIMIT_NOFILE, &rl);
	}
	if (rl.rlim_cur < need) {
		fprintf(stderr, "%s: %u BMCs need %llu file descriptors; the "
		    "limit is %llu (hard %llu): raise it (ulimit -Hn)\n",
		    SIM_NAME, count, (unsigned long long)need,
		    (unsigned long long)rl.rlim_cur,
		    (unsigned long long)rl.rlim_max);
		return -1;
	}
	return 0;
}

static int
read_password(struct sim *sim)
{
	char err[256];
	secret *s = NULL;

	if (secret_from_file(sim->opt.password_file, "password",
	    SECRET_IPMI_MAX, 0, &s, err, sizeof(err)) != 0) {
		fprintf(stderr, "%s: %s\n", SIM_NAME, err);
		return -1;
	}
	memcpy(sim->password, secret_data(s), secret_len(s));
	sim->password[secret_len(s)] = '\0';
	if (strlen(sim->password) != secret_len(s)) {
		fprintf(stderr, "%s: password contains a NUL byte\n",
		    SIM_NAME);
		secret_free(s);
		return -1;
	}
	secret_free(s);
	return 0;
}

void
sim_quit(struct sim *sim)
{
	event_base_loopbreak(sim->base);
}

static void
signal_cb(evutil_socket_t sig, short what, void *arg)
{
	sim_quit(arg);
}

static void
print_listening(const struct sim *sim)
{
	struct in_addr a, z;
	char first[INET_ADDRSTRLEN], last[INET_ADDRSTRLEN];

	a.s_addr = htonl(sim->opt.addr);
	inet_ntop(AF_INET, &a, first, sizeof(first));
	if (sim->opt.addr_range) {
		z.s_addr = htonl(sim->opt.addr + sim->opt.count - 1);
		inet_ntop(AF_INET, &z, last, sizeof(last));
		printf("%s: %u BMCs listening on %s..%s:%u\n", SIM_NAME,
		    sim->opt.count, first, last, sim->opt.port);
	} else {
		printf("%s: %u BMCs listening on %s:%u..%u\n", SIM_NAME,
		    sim->opt.count, first, sim->opt.port,
		    sim->opt.port + sim->opt.count - 1);
	}
	fflush(stdout);
}

static int
run(struct sim *sim)
{
	sim_template(sim);
	/* enum sim_quirk bits are the engine's (enum bmc_quirk) */
	sim->tmpl.quirks = sim->opt.quirks;
	if (sim_fleet_start(sim) != 0)
		return 1;
	if (sim->opt.control != NULL &&
	    (sim->ctl = sim_ctl_new(sim, sim->opt.control)) == NULL)
		return 1;
	sim->sig_term = evsignal_new(sim->base, SIGTERM, signal_cb, sim);
	sim->sig_int = evsignal_new(sim->base, SIGINT, signal_cb, sim);
	if (sim->sig_term == NULL || sim->sig_int == NULL ||
	    event_add(sim->sig_term, NULL) != 0 ||
	    event_add(sim->sig_int, NULL) != 0)
		return 1;
	print_listening(sim);
	if (event_base_dispatch(sim->base) < 0)
		return 1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct sim sim;
	int rc;

	memset(&sim, 0, sizeof(sim));
	signal(SIGPIPE, SIG_IGN);
	if (parse_opts(&sim.opt, argc, argv) != 0)
		return 1;
	if (read_password(&sim) != 0 || raise_nofile(sim.opt.count) != 0)
		return 1;
	if ((sim.base = event_base_new()) == NULL) {
		fprintf(stderr, "%s: event_base_new failed\n", SIM_NAME);
		return 1;
	}
	rc = run(&sim);
	sim_ctl_free(sim.ctl);
	sim_fleet_stop(&sim);
	if (sim.sig_term != NULL)
		event_free(sim.sig_term);
	if (sim.sig_int != NULL)
		event_free(sim.sig_int);
	event_base_free(sim.base);
	OPENSSL_cleanse(sim.password, sizeof(sim.password));
	OPENSSL_cleanse(&sim.tmpl, sizeof(sim.tmpl));
	return rc;
}
