/* check_bmcsim_sol_peers.c — independent SOL clients (ipmitool sol activate, FreeIPMI ipmiconsole) against ipmux-bmcsim, driven in tmux; plain ipmitool's cipher-suite probe. */
#include <check.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tests/checkmain.h"
#include "tests/integ/harness.h"
#include "tests/integ/harness_bmcsim.h"
#include "tests/integ/harness_tmux.h"

#define COLS 120
#define ROWS 40
#define BANNER_MS 20000		/* session up and SOL active */
#define BOOT_MS 30000		/* one marker of the boot log (~5 s in all) */
#define ECHO_MS 10000
#define EXIT_MS 15000
#define STATS_MS 10000
/*
 * Plain ipmitool (no -C) must finish mc info well before this. Not a
 * benchmark: it normally takes tens of milliseconds; a BMC that ignores
 * Get Channel Cipher Suites in RMCP+ framing costs ipmitool a 10 s
 * timeout before it falls back, and that is what this bound catches.
 */
#define PROBE_BOUND_MS 5000

/* Markers of the boot log (tests/bmcsim/sim_bootlog.c), in order. */
static const char *const boot_markers[] = {
	"BMCSIM UEFI Firmware   Version 2.22.1287",
	"GNU GRUB  version 2.06-13+deb12u1",
	"Linux version 6.1.0-13-amd64",
	"Reached target multi-user.target",
	"bmcsim login:",
};

struct solp {
	struct harness *h;
	struct harness_proc *sim;
	int port;
	char port_s[16];
	char hostport[32];
};

/* A client of a console: how to start it, what it says, how it quits. */
struct console_client {
	const char *banner;	/* SOL is up */
	const char *escape;	/* typed after a newline: quit */
	const char *bye;	/* printed on the way out */
};

static const struct console_client ipmitool_client = {
	"[SOL Session operational.", "~.", "[terminated ipmitool]",
};

static const struct console_client ipmiconsole_client = {
	"[SOL established]", "&.", "[closing the connection]",
};

static bool
missing(const char *what, bool present)
{
	if (present)
		return false;
	if (getenv("CI") != NULL)
		ck_abort_msg("%s missing", what);
	fprintf(stderr, "SKIP: %s missing; this test did nothing\n", what);
	return true;
}

static bool
skip_test(const char *client)
{
	char bmcsim[4096];

	snprintf(bmcsim, sizeof(bmcsim), "%s/bin/ipmux-bmcsim",
	    harness_build_dir());
	return missing(bmcsim, access(bmcsim, X_OK) == 0) ||
	    missing("tmux", harness_tmux_have("tmux")) ||
	    missing(client, harness_tmux_have(client));
}

/* IPMUX_BMCSIM_TRACE=1: bmcsim logs every packet to bmcsim-N.err in the
 * temp dir (kept when a test fails). */
static void
solp_start(struct solp *p, const char *name, const char *const *extra)
{
	const char *args[16];
	size_t n = 0;

	while (extra != NULL && extra[n] != NULL && n < 14) {
		args[n] = extra[n];
		n++;
	}
	if (getenv("IPMUX_BMCSIM_TRACE") != NULL)
		args[n++] = "--trace";
	args[n] = NULL;
	memset(p, 0, sizeof(*p));
	ck_assert_ptr_nonnull(p->h = harness_new(name));
	p->sim = harness_bmcsim_start(p->h, 1, args, &p->port);
	ck_assert_msg(p->sim != NULL, "ipmux-bmcsim did not start");
	/* FreeIPMI keeps the port in a signed 16-bit field. */
	ck_assert_int_le(p->port, 32767);
	snprintf(p->port_s, sizeof(p->port_s), "%d", p->port);
	snprintf(p->hostport, sizeof(p->hostport), "127.0.0.1:%d", p->port);
}

static void
solp_stop(struct solp *p)
{
	ck_assert_int_eq(harness_proc_stop(p->sim, 5000), 0);
	harness_free(p->h);
}

static void
ctl_ok(struct solp *p, const char *cmd)
{
	const char *r = harness_bmcsim_ctl(p->h, "%s", cmd);

	ck_assert_msg(r != NULL && strcmp(r, "ok") == 0, "%s: %s", cmd,
	    r != NULL ? r : "(no reply)");
}

struct stats_want {
	struct solp *p;
	bool sol_active;
	char last[2048];
};

/* The BMC's view: SOL owned by a session or not, no session left. */
static bool
stats_match(void *arg)
{
	struct stats_want *w = arg;
	const char *r = harness_bmcsim_ctl(w->p->h, "stats 0");
	bool idle;

	if (r == NULL)
		return false;
	snprintf(w->last, sizeof(w->last), "%s", r);
	idle = strstr(r, " sol_owner=0x00000000") != NULL;
	if (w->sol_active)
		return !idle && strstr(r, " sol_owner=0x") != NULL;
	return idle && strstr(r, " sessions=0 ") != NULL;
}

static void
wait_stats(struct solp *p, bool sol_active)
{
	struct stats_want w = { .p = p, .sol_active = sol_active };

	ck_assert_msg(harness_wait_for(stats_match, &w, STATS_MS),
	    "bmcsim stats never showed SOL %s: %s",
	    sol_active ? "active" : "closed", w.last);
}

/* Check's messages are short: the screen goes to stderr. */
static void
dump_screen(struct harness_tmux *t, const char *why)
{
	char *screen = harness_tmux_capture(t);
	size_t len = screen != NULL ? strlen(screen) : 0;

	fprintf(stderr, "--- %s; the console (last 4 KiB):\n%s\n---\n", why,
	    screen != NULL ? screen + (len > 4096 ? len - 4096 : 0) :
	    "(no capture)");
	free(screen);
}

static void
assert_screen_lacks(struct harness_tmux *t, const char *text)
{
	char *screen = harness_tmux_capture(t);
	bool found;

	ck_assert_ptr_nonnull(screen);
	found = strstr(screen, text) != NULL;
	free(screen);
	if (found)
		dump_screen(t, text);
	ck_assert_msg(!found, "unexpected \"%s\" on the console", text);
}

static void
assert_wait_text(struct harness_tmux *t, const char *text, int ms)
{
	if (harness_tmux_wait_text(t, text, ms))
		return;
	dump_screen(t, text);
	ck_abort_msg("\"%s\" not on the console (%d ms, or the client "
	    "exited)", text, ms);
}

/*
 * The host starts powered off, so everything on the console after the
 * client's banner is ours: power on, watch the whole boot log scroll by,
 * type at the login prompt and see the echo, quit with the escape.
 */
static void
drive_console(struct solp *p, const struct console_client *c,
    const char *const *argv, const char *tag)
{
	struct harness_tmux *t;
	char token[64];
	int64_t t0 = harness_now_ms();
	size_t i;
	int rc;

	ck_assert_ptr_nonnull(t = harness_tmux_start(p->h, COLS, ROWS, argv));
	assert_wait_text(t, c->banner, BANNER_MS);
	wait_stats(p, true);
	fprintf(stderr, "%s: SOL up after %" PRId64 " ms\n", tag,
	    harness_now_ms() - t0);
	assert_screen_lacks(t, boot_markers[0]);
	ctl_ok(p, "power 0 on");
	t0 = harness_now_ms();
	for (i = 0; i < sizeof(boot_markers) / sizeof(boot_markers[0]); i++)
		assert_wait_text(t, boot_markers[i], BOOT_MS);
	fprintf(stderr, "%s: boot log to the login prompt in %" PRId64 " ms\n",
	    tag, harness_now_ms() - t0);
	/* No Enter: the echo must follow the prompt on its line. */
	snprintf(token, sizeof(token), "echo-%s-%d", tag, (int)getpid());
	ck_assert(harness_tmux_send_text(t, token));
	{
		char want[128];

		snprintf(want, sizeof(want), "bmcsim login: %s", token);
		assert_wait_text(t, want, ECHO_MS);
	}
	/* The escape counts only after a newline; C-j sends LF, which the
	 * host ignores (a CR would end the login line). */
	ck_assert(harness_tmux_send_key(t, "C-j"));
	ck_assert(harness_tmux_send_text(t, c->escape));
	if ((rc = harness_tmux_wait_exit(t, EXIT_MS)) != 0) {
		dump_screen(t, "no clean exit");
		ck_abort_msg("%s exited %d", tag, rc);
	}
	assert_wait_text(t, c->bye, 1000);
	/* It deactivated SOL and closed its session on the way out. */
	wait_stats(p, false);
	harness_tmux_free(t);
}

static const char *const suites[] = { "17", "3" };

START_TEST(test_ipmitool_sol)
{
	const char *suite = suites[_i];
	char tag[32];
	struct solp p;

	if (skip_test("ipmitool"))
		return;
	solp_start(&p, "bmcsim_sol_ipmitool", NULL);
	ctl_ok(&p, "power 0 off");
	snprintf(tag, sizeof(tag), "ipmitool-C%s", suite);
	{
		const char *argv[] = { "ipmitool", "-I", "lanplus", "-C", suite,
		    "-H", "127.0.0.1", "-p", p.port_s, "-U", HARNESS_ADMIN_USER,
		    "-f", harness_path(p.h, "bmcsim.pw"), "sol", "activate",
		    NULL };

		drive_console(&p, &ipmitool_client, argv, tag);
	}
	solp_stop(&p);
}
END_TEST

/* FreeIPMI reads the password from a config file, not argv. */
static const char *
freeipmi_conf(struct solp *p)
{
	const char *path = harness_path(p->h, "freeipmi.conf");
	FILE *f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_eq(fchmod(fileno(f), 0600), 0);
	fputs("username " HARNESS_ADMIN_USER "\n"
	      "password " HARNESS_ADMIN_PASS "\n", f);
	ck_assert_int_eq(fclose(f), 0);
	return path;
}

/* "" = ipmiconsole's default cipher suite (3). */
static const char *const console_suites[] = { "", "17" };

START_TEST(test_ipmiconsole)
{
	const char *suite = console_suites[_i], *argv[16];
	char tag[32];
	struct solp p;
	size_t n = 0;

	if (skip_test("ipmiconsole"))
		return;
	solp_start(&p, "bmcsim_sol_ipmiconsole", NULL);
	ctl_ok(&p, "power 0 off");
	snprintf(tag, sizeof(tag), "ipmiconsole-I%s",
	    *suite != '\0' ? suite : "default");
	argv[n++] = "ipmiconsole";
	argv[n++] = "-h";
	argv[n++] = p.hostport;
	argv[n++] = "-u";
	argv[n++] = HARNESS_ADMIN_USER;
	argv[n++] = "--config-file";
	argv[n++] = freeipmi_conf(&p);
	if (*suite != '\0') {
		argv[n++] = "-I";
		argv[n++] = suite;
	}
	argv[n] = NULL;
	drive_console(&p, &ipmiconsole_client, argv, tag);
	solp_stop(&p);
}
END_TEST

/* Offered suites, and the one ipmitool must then pick by itself. */
static const char *const probe_offer[] = { "3,17", "3" };
static const char *const probe_pick[] = { "17", "3" };

START_TEST(test_ipmitool_probe)
{
	const char *extra[] = { "--suites", probe_offer[_i], NULL };
	struct harness_proc *c;
	char want[64];
	struct solp p;
	int64_t t0, ms;
	size_t len;
	const char *out, *err;
	int rc;

	if (skip_test("ipmitool"))
		return;
	solp_start(&p, "bmcsim_ipmitool_probe", extra);
	{
		/* No -C: ipmitool asks for the cipher suites and picks. */
		const char *argv[] = { "ipmitool", "-v", "-v", "-I", "lanplus",
		    "-H", "127.0.0.1", "-p", p.port_s, "-U",
		    HARNESS_ADMIN_USER, "-f", harness_path(p.h, "bmcsim.pw"),
		    "mc", "info", NULL };

		t0 = harness_now_ms();
		ck_assert_ptr_nonnull(c = harness_spawn(p.h, "ipmitool-probe",
		    argv, NULL));
		harness_proc_close_stdin(c);
		rc = harness_proc_wait(c, 4 * PROBE_BOUND_MS);
		ms = harness_now_ms() - t0;
	}
	if (rc < 0)
		harness_proc_stop(c, 1000);
	out = (const char *)harness_proc_out(c, &len);
	err = harness_proc_err(c);
	fprintf(stderr, "ipmitool without -C, BMC offering %s: mc info in "
	    "%" PRId64 " ms (exit %d)\n", probe_offer[_i], ms, rc);
	ck_assert_msg(rc == 0, "exit %d: %s", rc, err);
	ck_assert_ptr_nonnull(strstr(out, "IPMI Version              : 2.0"));
	snprintf(want, sizeof(want), "Using best available cipher suite %s\n",
	    probe_pick[_i]);
	ck_assert_msg(strstr(err, want) != NULL || strstr(out, want) != NULL,
	    "ipmitool did not pick suite %s:\n%s", probe_pick[_i], err);
	ck_assert_msg(ms < PROBE_BOUND_MS, "mc info took %" PRId64 " ms", ms);
	solp_stop(&p);
}
END_TEST

static Suite *
sol_peers_suite(void)
{
	Suite *s = suite_create("bmcsim_sol_peers");
	TCase *tc = tcase_create("sol_peers");

	tcase_set_timeout(tc, 180);
	tcase_add_loop_test(tc, test_ipmitool_sol, 0, 2);
	tcase_add_loop_test(tc, test_ipmiconsole, 0, 2);
	tcase_add_loop_test(tc, test_ipmitool_probe, 0, 2);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(sol_peers_suite)
