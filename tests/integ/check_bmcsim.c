/* check_bmcsim.c — ipmux-solcat and ipmitool against ipmux-bmcsim: suites 17/3/auto, lossless SOL under faults, BMC reboot. */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/bmcsim/sim_bootlog.h"
#include "tests/checkmain.h"
#include "harness_bmcsim.h"

#define ACTIVE_MS 20000		/* handshake + activation */
#define BOOT_MS 30000		/* the whole boot log at 115200 baud */
#define SOLCAT_ACTIVE "[ipmux-solcat: SOL active on"
#define STREAM_BYTES (64 * 1024 + 64 * 16)
#define TYPED_BYTES 4096

static struct harness *h;
static struct harness_proc *sim;
static int port;

static void
setup(void)
{
	h = harness_new("bmcsim");
}

static void
teardown(void)
{
	harness_free(h);
	h = NULL;
}

static void
start_sim(unsigned count, const char *const *extra)
{
	sim = harness_bmcsim_start(h, count, extra, &port);
	ck_assert_msg(sim != NULL, "ipmux-bmcsim did not start (is it built?)");
}

/* SIGTERM ends the simulator cleanly (and under ASan, leak-free). */
static void
stop_sim(void)
{
	int rc = harness_proc_stop(sim, 10000);

	ck_assert_msg(rc == 0, "ipmux-bmcsim exit %d: %s", rc,
	    harness_proc_err(sim));
}

/* solcat on BMC idx with extra options; waits until SOL is active and
 * checks the cipher suite it reports. */
static struct harness_proc *
solcat_active(unsigned idx, const char *const *extra, int want_suite)
{
	struct harness_proc *p = harness_solcat_port(h, port + (int)idx,
	    extra);
	char want[64];

	ck_assert_msg(p != NULL, "%s/bin/ipmux-solcat is not built",
	    harness_build_dir());
	if (!harness_wait_err(p, SOLCAT_ACTIVE, ACTIVE_MS))
		ck_abort_msg("SOL did not come up within %d ms (solcat %s, "
		    "exit %d); stderr: %s", ACTIVE_MS,
		    harness_proc_running(p) ? "running" : "exited",
		    harness_proc_wait(p, 0), harness_proc_err(p));
	snprintf(want, sizeof(want), "cipher suite %d;", want_suite);
	ck_assert_msg(strstr(harness_proc_err(p), want) != NULL,
	    "wanted %s, solcat says: %s", want, harness_proc_err(p));
	return p;
}

static void
ctl_ok(const char *cmd)
{
	const char *r = harness_bmcsim_ctl(h, "%s", cmd);

	ck_assert_msg(r != NULL && strncmp(r, "ok", 2) == 0,
	    "control '%s' answered '%s'", cmd, r != NULL ? r : "(nothing)");
}

/* Power-cycle the host through the control socket: the boot log from its
 * first screen to the login prompt must reach the console, in order. */
static void
check_boot_log(struct harness_proc *p)
{
	const unsigned char *o;
	const char *a, *b, *c;
	size_t len;

	ctl_ok("power 0 off");
	ctl_ok("power 0 on");
	ck_assert_msg(harness_wait_out(p, SIM_BOOTLOG_FIRST, BOOT_MS),
	    "no firmware screen after power on");
	ck_assert_msg(harness_wait_out(p, "GNU GRUB", BOOT_MS), "no GRUB");
	ck_assert_msg(harness_wait_out(p, SIM_BOOTLOG_KERNEL, BOOT_MS),
	    "no kernel messages");
	ck_assert_msg(harness_wait_out(p, "multi-user.target", BOOT_MS),
	    "no systemd");
	o = harness_proc_out(p, &len);
	a = strstr((const char *)o, SIM_BOOTLOG_FIRST);
	b = strstr((const char *)o, SIM_BOOTLOG_KERNEL);
	c = strstr((const char *)o, "\x1b[2J");
	ck_assert(a != NULL && b != NULL && c != NULL && a < b);
}

START_TEST(suite17_bootlog)
{
	const char *const extra[] = { "-C", "17", NULL };
	struct harness_proc *p;
	size_t len;

	start_sim(1, NULL);
	p = solcat_active(0, extra, 17);
	check_boot_log(p);
	ck_assert_msg(harness_wait_out(p, SIM_BOOTLOG_LOGIN, BOOT_MS),
	    "no login prompt");
	/* the fake login echoes the name and asks for a password */
	harness_proc_out(p, &len);
	ck_assert(harness_proc_write(p, "root\r", 5));
	ck_assert_msg(harness_wait_out(p, "root\r\nPassword: ", 10000),
	    "typed text not echoed: %s", harness_proc_out(p, &len) +
	    (len > 200 ? len - 200 : 0));
	/* a serial break (solcat's ^Ecb) shows in the host's output */
	ck_assert(harness_proc_write(p, "\x05" "cb", 3));
	ck_assert_msg(harness_wait_out(p, "[host: BREAK received]", 10000),
	    "break not seen by the host");
	ck_assert_int_eq(harness_proc_stop(p, 5000), 0);
	stop_sim();
}
END_TEST

START_TEST(suite3)
{
	const char *const extra[] = { "-C", "3", NULL };
	struct harness_proc *p;

	start_sim(2, NULL);
	p = solcat_active(1, extra, 3);
	ck_assert_msg(harness_wait_out(p, SIM_BOOTLOG_LOGIN, BOOT_MS),
	    "no login prompt");
	ck_assert_int_eq(harness_proc_stop(p, 5000), 0);
	stop_sim();
}
END_TEST

START_TEST(suite_auto)
{
	const char *const extra[] = { "-C", "auto", NULL };
	struct harness_proc *p;

	start_sim(1, NULL);
	p = solcat_active(0, extra, 17);
	ck_assert_msg(harness_wait_out(p, SIM_BOOTLOG_LOGIN, BOOT_MS),
	    "no login prompt");
	ck_assert_int_eq(harness_proc_stop(p, 5000), 0);
	stop_sim();
}
END_TEST

/* The console output is the numbered stream from line 0, byte-exact. */
static void
check_numbered(const unsigned char *o, size_t len)
{
	char line[SIM_NUM_LINE + 1];
	size_t off;

	for (off = 0; off + SIM_NUM_LINE <= len; off += SIM_NUM_LINE) {
		sim_numbered_line(off / SIM_NUM_LINE, line);
		if (memcmp(o + off, line, SIM_NUM_LINE) != 0)
			ck_abort_msg("stream differs in line %zu: got '%.*s'",
			    off / SIM_NUM_LINE, SIM_NUM_LINE, o + off);
	}
}

struct typed {
	const char *path;
	size_t len;
};

static bool
typed_arrived(void *arg)
{
	struct typed *t = arg;

	return harness_file_size(t->path) >= t->len;
}

START_TEST(lossless_faults)
{
	const char *const sim_extra[] = { "--host-output", "numbered",
	    "--no-echo", "--record-dir", harness_dir(h), "--rate", "40000",
	    "--sol-retry-ms", "250", "--seed", "7", NULL };
	const char *const extra[] = { "-C", "17", "-e", "none", NULL };
	struct typed t = { .path = harness_path(h, "bmc0.in"),
	    .len = TYPED_BYTES };
	unsigned char typed[TYPED_BYTES], *rec;
	const unsigned char *o;
	struct harness_proc *p;
	const char *st;
	size_t i, len, rlen;

	for (i = 0; i < sizeof(typed); i++)
		typed[i] = (unsigned char)(' ' + (i * 7 + i / 95) % 95);
	start_sim(1, sim_extra);
	p = solcat_active(0, extra, 17);
	/* Faults from here on: this is about SOL, not the handshake. */
	ctl_ok("loss 0 5");
	ctl_ok("dup 0 5");
	ctl_ok("reorder 0 5");
	ck_assert(harness_proc_write(p, typed, sizeof(typed)));
	ck_assert_msg(harness_wait_out_len(p, STREAM_BYTES, 90000),
	    "only %zu of %d stream bytes arrived",
	    (harness_proc_out(p, &len), len), STREAM_BYTES);
	ck_assert_msg(harness_wait_for(typed_arrived, &t, 60000),
	    "only %zu of %d typed bytes reached the host",
	    harness_file_size(t.path), TYPED_BYTES);
	o = harness_proc_out(p, &len);
	check_numbered(o, len);
	rec = harness_read_file(t.path, &rlen);
	ck_assert(rec != NULL);
	ck_assert_uint_eq(rlen, TYPED_BYTES);
	ck_assert_msg(memcmp(rec, typed, TYPED_BYTES) == 0,
	    "typed bytes reached the host altered");
	free(rec);
	/* the faults really happened */
	st = harness_bmcsim_ctl(h, "stats 0");
	ck_assert(st != NULL);
	ck_assert_msg(strstr(st, " faults_dropped=0 ") == NULL &&
	    strstr(st, " faults_duped=0 ") == NULL &&
	    strstr(st, " faults_reordered=0 ") == NULL, "no faults: %s", st);
	ck_assert_int_eq(harness_proc_stop(p, 5000), 0);
	stop_sim();
}
END_TEST

START_TEST(reboot_then_reconnect)
{
	const char *const extra[] = { "-C", "17", "--dead-time", "3", NULL };
	struct harness_proc *p;
	int64_t t0, took;
	int rc, tries;

	start_sim(1, NULL);
	p = solcat_active(0, extra, 17);
	t0 = harness_now_ms();
	ctl_ok("reboot 0 6");
	rc = harness_proc_wait(p, 10000);
	took = harness_now_ms() - t0;
	ck_assert_msg(rc == 3, "solcat exit %d after the reboot, want 3 "
	    "(timeout); stderr: %s", rc, harness_proc_err(p));
	ck_assert_msg(took <= 3000 + 2500, "loss noticed after %lld ms",
	    (long long)took);
	/* The BMC comes back after its 6 s: a new session works. A client
	 * started while it is still silent may give up; try again. */
	for (tries = 0; tries < 4; tries++) {
		p = harness_solcat_port(h, port, extra);
		ck_assert(p != NULL);
		if (harness_wait_err(p, SOLCAT_ACTIVE, ACTIVE_MS))
			break;
		ck_assert_msg(harness_proc_wait(p, 10000) >= 0,
		    "solcat neither came up nor gave up");
	}
	ck_assert_msg(tries < 4, "no session after the reboot");
	ck_assert(harness_proc_write(p, "x", 1));
	ck_assert_msg(harness_wait_out(p, "x", 10000), "no echo after reboot");
	ck_assert_int_eq(harness_proc_stop(p, 5000), 0);
	stop_sim();
}
END_TEST

static void
ipmitool_mc_info(const char *suite)
{
	const char *const args[] = { "mc", "info", NULL };
	struct harness_proc *p = NULL;
	size_t len;
	int rc;

	rc = harness_ipmitool_port(h, port, suite, 20000, args, &p);
	ck_assert_msg(rc == 0, "ipmitool -C %s mc info: exit %d: %s", suite,
	    rc, p != NULL ? harness_proc_err(p) : "");
	ck_assert_msg(strstr((const char *)harness_proc_out(p, &len),
	    "IPMI Version") != NULL, "no device info: %s",
	    harness_proc_out(p, &len));
}

START_TEST(ipmitool_accepts)
{
	start_sim(1, NULL);
	ipmitool_mc_info("17");
	ipmitool_mc_info("3");
	stop_sim();
}
END_TEST

/* The control socket refuses what it cannot do, and silent/delay act. */
START_TEST(control_socket)
{
	const char *const quick[] = { "-R", "1", "-N", "1", "mc", "info",
	    NULL };
	const char *r;

	start_sim(2, NULL);
	r = harness_bmcsim_ctl(h, "bogus 0");
	ck_assert_msg(r != NULL && strncmp(r, "error: ", 7) == 0, "%s", r);
	r = harness_bmcsim_ctl(h, "loss 2 5");
	ck_assert_msg(r != NULL && strncmp(r, "error: ", 7) == 0, "%s", r);
	r = harness_bmcsim_ctl(h, "loss 0 101");
	ck_assert_msg(r != NULL && strncmp(r, "error: ", 7) == 0, "%s", r);
	r = harness_bmcsim_ctl(h, "sessionlimit 0 9");
	ck_assert_msg(r != NULL && strncmp(r, "error: ", 7) == 0, "%s", r);
	ctl_ok("silent 1 on");
	ck_assert_int_ne(harness_ipmitool_port(h, port + 1, "17", 30000,
	    quick, NULL), 0);
	ctl_ok("silent 1 off");
	ck_assert_int_eq(harness_ipmitool_port(h, port + 1, "17", 30000,
	    quick, NULL), 0);
	/* slow but answering: 300 +- 100 ms per datagram out */
	ctl_ok("delay 0 300 100");
	ctl_ok("sessionlimit 0 1");
	ipmitool_mc_info("17");
	r = harness_bmcsim_ctl(h, "stats 0");
	ck_assert_msg(r != NULL && strstr(r, " sessions_opened=1 ") != NULL,
	    "%s", r);
	stop_sim();
}
END_TEST

static Suite *
bmcsim_suite(void)
{
	Suite *s = suite_create("bmcsim");
	TCase *tc;

	tc = tcase_create("suites");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 90);
	tcase_add_test(tc, suite17_bootlog);
	tcase_add_test(tc, suite3);
	tcase_add_test(tc, suite_auto);
	suite_add_tcase(s, tc);

	tc = tcase_create("lossless");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, lossless_faults);
	suite_add_tcase(s, tc);

	tc = tcase_create("reboot");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, reboot_then_reconnect);
	suite_add_tcase(s, tc);

	tc = tcase_create("ipmitool");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, ipmitool_accepts);
	tcase_add_test(tc, control_socket);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(bmcsim_suite)
