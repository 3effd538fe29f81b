/* check_bmcsim_peers.c — ipmitool and FreeIPMI agree that ipmux-bmcsim's simulated servers are BMCs: chassis, SDR, sensors, SEL, FRU. */
#include <check.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/checkmain.h"
#include "tests/integ/harness.h"
#include "tests/integ/harness_bmcsim.h"
#include "tests/bmcsim/mgmt.h"

#define USER "admin"
#define PASS "peer-secret"
#define NBMC 2
#define TOOL_MS 40000

struct peers {
	struct harness *h;
	struct harness_proc *sim;
	int port;		/* BMC i answers on port + i */
	char port_s[NBMC][16];
	int seq;
};

static const char *
bmcsim_path(void)
{
	static char path[512];

	snprintf(path, sizeof(path), "%s/bin/ipmux-bmcsim", harness_build_dir());
	return path;
}

/* The simulator is built only once tests/bmcsim/sim*.c exist. */
static bool
skip_without_bmcsim(void)
{
	if (access(bmcsim_path(), X_OK) == 0)
		return false;
	fprintf(stderr, "SKIP: %s not built; this test did nothing\n",
		bmcsim_path());
	return true;
}

static bool
sim_ready(void *arg)
{
	struct peers *p = arg;
	size_t len;
	const unsigned char *out = harness_proc_out(p->sim, &len);

	return strstr((const char *)out, "BMCs listening") != NULL ||
	    strstr(harness_proc_err(p->sim), "BMCs listening") != NULL ||
	    !harness_proc_running(p->sim);
}

static void
peers_start(struct peers *p, const char *name)
{
	char count[16], port[16];
	const char *pw;
	FILE *f;
	int i;

	memset(p, 0, sizeof(*p));
	p->h = harness_new(name);
	ck_assert_ptr_nonnull(p->h);
	pw = harness_path(p->h, "bmcsim.pw");
	ck_assert_ptr_nonnull(f = fopen(pw, "w"));
	fputs(PASS "\n", f);
	fclose(f);
	chmod(pw, 0600);
	ck_assert_int_gt(p->port = harness_bmcsim_free_ports(NBMC), 0);
	snprintf(count, sizeof(count), "%d", NBMC);
	snprintf(port, sizeof(port), "%d", p->port);
	for (i = 0; i < NBMC; i++)
		snprintf(p->port_s[i], sizeof(p->port_s[i]), "%d", p->port + i);
	{
		const char *argv[] = { bmcsim_path(), "--count", count,
			"--port", port, "--user", USER, "--password-file", pw,
			"--host-output", "silent", NULL };

		p->sim = harness_spawn(p->h, "bmcsim", argv, NULL);
	}
	ck_assert_ptr_nonnull(p->sim);
	ck_assert_msg(harness_wait_for(sim_ready, p, 20000) &&
		      harness_proc_running(p->sim),
		      "ipmux-bmcsim did not come up: %s",
		      harness_proc_err(p->sim));
}

static void
peers_stop(struct peers *p)
{
	ck_assert_int_eq(harness_proc_stop(p->sim, 5000), 0);
	harness_free(p->h);
}

/* Run a client to completion; its stdout, which must have exit 0. */
static const char *
run(struct peers *p, const char *const *argv)
{
	struct harness_proc *c;
	char name[32];
	size_t len;
	int rc;

	snprintf(name, sizeof(name), "%s-%d", argv[0], ++p->seq);
	c = harness_spawn(p->h, name, argv, NULL);
	ck_assert_ptr_nonnull(c);
	harness_proc_close_stdin(c);
	rc = harness_proc_wait(c, TOOL_MS);
	if (rc < 0)
		harness_proc_stop(c, 1000);
	ck_assert_msg(rc == 0, "%s: exit %d: %s", name, rc,
		      harness_proc_err(c));
	return (const char *)harness_proc_out(c, &len);
}

static const char *host_port(struct peers *p, int i);

#define IPMITOOL(p, n, suite, ...)					\
	run(p, (const char *const[]){ "ipmitool", "-I", "lanplus",	\
		"-C", suite, "-H", "127.0.0.1", "-p", (p)->port_s[n],	\
		"-U", USER, "-P", PASS, __VA_ARGS__, NULL })

#define FREEIPMI(p, tool, n, ...)					\
	run(p, (const char *const[]){ tool, "-D", "LAN_2_0",		\
		"-h", host_port(p, n), "-u", USER, "-p", PASS,	\
		"-l", "ADMIN", __VA_ARGS__, NULL })

static const char *
host_port(struct peers *p, int i)
{
	static char buf[NBMC][32];

	snprintf(buf[i], sizeof(buf[i]), "127.0.0.1:%s", p->port_s[i]);
	return buf[i];
}

static unsigned
count_lines(const char *s, const char *needle)
{
	unsigned n = 0;
	const char *eol;

	for (; *s != '\0'; s = *eol ? eol + 1 : eol) {
		eol = strchr(s, '\n');
		if (eol == NULL)
			eol = s + strlen(s);
		if (memmem(s, (size_t)(eol - s), needle, strlen(needle)))
			n++;
	}
	return n;
}

static const char *const suites[] = { "17", "3" };

START_TEST(test_ipmitool)
{
	const char *suite = suites[_i], *out;
	char want[64];
	struct peers p;
	double temp;

	if (skip_without_bmcsim())
		return;
	peers_start(&p, "bmcsim_ipmitool");
	out = IPMITOOL(&p, 0, suite, "mc", "info");
	ck_assert_ptr_nonnull(strstr(out, "IPMI Version              : 2.0"));
	ck_assert_ptr_nonnull(strstr(out, "SDR Repository Device"));
	ck_assert_ptr_nonnull(strstr(out, "FRU Inventory Device"));
	out = IPMITOOL(&p, 0, suite, "chassis", "power", "status");
	ck_assert_ptr_nonnull(strstr(out, "Chassis Power is on"));
	IPMITOOL(&p, 0, suite, "chassis", "power", "off");
	out = IPMITOOL(&p, 0, suite, "chassis", "power", "status");
	ck_assert_ptr_nonnull(strstr(out, "Chassis Power is off"));
	IPMITOOL(&p, 0, suite, "chassis", "power", "on");
	out = IPMITOOL(&p, 0, suite, "chassis", "power", "status");
	ck_assert_ptr_nonnull(strstr(out, "Chassis Power is on"));
	out = IPMITOOL(&p, 0, suite, "chassis", "identify", "20");
	ck_assert_ptr_nonnull(strstr(out, "identify interval: 20 seconds"));
	/* Every sensor of the shared repository, all in normal range. */
	out = IPMITOOL(&p, 0, suite, "sdr", "list");
	ck_assert_uint_eq(count_lines(out, "| ok"), 15);
	ck_assert_ptr_nonnull(strstr(out, "CPU Temp "));
	ck_assert_ptr_nonnull(strstr(out, "FAN4 "));
	ck_assert_ptr_nonnull(strstr(out, "PSU2 Status "));
	ck_assert_int_eq(sscanf(strstr(out, "CPU Temp "),
				"CPU Temp | %lf degrees C", &temp), 1);
	ck_assert(temp >= 37 && temp <= 53);
	out = IPMITOOL(&p, 0, suite, "sensor");
	ck_assert_ptr_nonnull(strstr(out, "| 85.000    | 95.000    | 105.000"));
	/* The power events we caused are in the SEL. */
	out = IPMITOOL(&p, 0, suite, "sel", "list");
	ck_assert_uint_ge(count_lines(out, "S5/G2: soft-off"), 1);
	ck_assert_uint_ge(count_lines(out, "S0/G0: working"), 1);
	/* FRU: serials are per BMC index. */
	out = IPMITOOL(&p, 1, suite, "fru");
	snprintf(want, sizeof(want), "Board Serial          : "
		 MGMT_FRU_BOARD_SERIAL_FMT, 1u);
	ck_assert_msg(strstr(out, want) != NULL, "%s", out);
	ck_assert_ptr_nonnull(strstr(out, "Product Name          : "
				     MGMT_FRU_PRODUCT_NAME));
	peers_stop(&p);
}
END_TEST

START_TEST(test_freeipmi)
{
	const char *suite = suites[_i], *out, *cache;
	struct peers p;

	if (skip_without_bmcsim())
		return;
	peers_start(&p, "bmcsim_freeipmi");
	cache = harness_path(p.h, "sdr-cache");
	mkdir(cache, 0700);
	out = FREEIPMI(&p, "ipmi-chassis", 0, "-I", suite, "--get-status");
	ck_assert_msg(strstr(out, "System Power") != NULL &&
		      strstr(out, ": on") != NULL, "%s", out);
	IPMITOOL(&p, 0, "17", "chassis", "power", "off");
	out = FREEIPMI(&p, "ipmi-chassis", 0, "-I", suite, "--get-status");
	ck_assert_msg(strstr(out, ": off") != NULL, "%s", out);
	out = FREEIPMI(&p, "ipmi-sensors", 0, "-I", suite,
		       "--sdr-cache-directory", cache);
	ck_assert_ptr_nonnull(strstr(out, "CPU Temp"));
	ck_assert_ptr_nonnull(strstr(out, "Inlet Temp"));
	ck_assert_uint_eq(count_lines(out, "RPM"), 4);
	ck_assert_uint_ge(count_lines(out, "'OK'"), 10);
	out = FREEIPMI(&p, "ipmi-sel", 0, "-I", suite,
		       "--sdr-cache-directory", cache);
	ck_assert_msg(strstr(out, "ACPI") != NULL, "%s", out);
	out = FREEIPMI(&p, "ipmi-fru", 1, "-I", suite,
		       "--sdr-cache-directory", cache);
	ck_assert_msg(strstr(out, "FRU Board Serial Number: SIMB00000001")
		      != NULL, "%s", out);
	peers_stop(&p);
}
END_TEST

static Suite *
peers_suite(void)
{
	Suite *s = suite_create("bmcsim_peers");
	TCase *tc = tcase_create("peers");

	tcase_set_timeout(tc, 300);
	tcase_add_loop_test(tc, test_ipmitool, 0, 2);
	tcase_add_loop_test(tc, test_freeipmi, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(peers_suite)
