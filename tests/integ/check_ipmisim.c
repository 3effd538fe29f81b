/* check_ipmisim.c — acceptance tests: ipmux-solcat against OpenIPMI's real ipmi_sim (cipher suite 3) with hostsim as the host. */

#include <check.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/checkmain.h"
#include "harness.h"

/*
 * IPMUX_INTEG_CLIENT=ipmitool runs the tests that make sense for it with
 * `ipmitool -I lanplus -C 3 sol activate` (under script(1)) instead of
 * ipmux-solcat: a check that the harness and the tests work, independent
 * of our client. Tests about solcat's own exit codes and policies skip.
 */

#define ACTIVE_MS 20000		/* handshake + activation */
#define SOLCAT_ACTIVE "[ipmux-solcat: SOL active on"
#define IPMITOOL_ACTIVE "[SOL Session operational."

static struct harness *h;

static void
setup(void)
{
	h = harness_new("ipmisim");
}

static void
teardown(void)
{
	harness_free(h);
	h = NULL;
}

static bool
use_ipmitool(void)
{
	const char *c = getenv("IPMUX_INTEG_CLIENT");

	return c != NULL && strcmp(c, "ipmitool") == 0;
}

#define REQUIRE_SIM()                                                     \
	do {                                                              \
		if (harness_skip_without_ipmisim())                       \
			return;                                           \
	} while (0)

#define REQUIRE_SOLCAT()                                                  \
	do {                                                              \
		if (use_ipmitool()) {                                     \
			fprintf(stderr, "SKIP: %.*s needs ipmux-solcat\n",\
			    (int)strlen(__func__) - 3, __func__);         \
			return;                                           \
		}                                                         \
	} while (0)

static void
start_sim(const char *const *hostsim_args)
{
	ck_assert_msg(harness_start_hostsim(h, hostsim_args) == 0,
	    "hostsim did not start (is it built?)");
	ck_assert_msg(harness_start_bmc(h) == 0, "ipmi_sim did not come up");
}

static struct harness_proc *
client_spawn(const char *user, const char *pass, const char *const *extra)
{
	struct harness_proc *p;

	if (use_ipmitool())
		p = harness_ipmitool_sol(h, user, pass);
	else
		p = harness_solcat(h, user, pass, extra);
	ck_assert_msg(p != NULL, "%s/bin/ipmux-solcat is not built",
	    harness_build_dir());
	return p;
}

static bool
client_wait_active(struct harness_proc *p, int timeout_ms)
{
	if (use_ipmitool())
		return harness_wait_out(p, IPMITOOL_ACTIVE, timeout_ms);
	return harness_wait_err(p, SOLCAT_ACTIVE, timeout_ms);
}

/* Start a client as the admin user and wait until SOL is up. */
static struct harness_proc *
client_start(const char *const *extra)
{
	struct harness_proc *p = client_spawn(HARNESS_ADMIN_USER,
	    HARNESS_ADMIN_PASS, extra);

	if (!client_wait_active(p, ACTIVE_MS))
		ck_abort_msg("SOL did not come up within %d ms (client %s, "
		    "exit %d); stderr: %s", ACTIVE_MS,
		    harness_proc_running(p) ? "running" : "exited",
		    harness_proc_wait(p, 0), harness_proc_err(p));
	return p;
}

/* Host bytes on the client's stdout (after ipmitool's banner line). */
static const unsigned char *
client_data(struct harness_proc *p, size_t *len)
{
	const unsigned char *o = harness_proc_out(p, len), *m;

	if (!use_ipmitool())
		return o;
	m = memmem(o, *len, "for help]", 9);
	if (m == NULL) {
		*len = 0;
		return o;
	}
	m += 9;
	if (m < o + *len && *m == '\r')
		m++;
	if (m < o + *len && *m == '\n')
		m++;
	*len -= (size_t)(m - o);
	return m;
}

/* Send a break; returns the bytes this put in front of it on the wire
 * (ipmitool only knows ~B right after a CR, and the CR goes through). */
static const char *
client_break(struct harness_proc *p)
{
	if (use_ipmitool()) {
		ck_assert(harness_proc_write(p, "\r~B", 3));
		return "\r";
	}
	ck_assert(harness_proc_write(p, "\x05" "cb", 3));
	return "";
}

static void
host_cmd(const char *cmd)
{
	const char *r = harness_hostsim(h, "%s", cmd);

	ck_assert_msg(r != NULL && strncmp(r, "ok", 2) == 0,
	    "hostsim `%s` answered %s", cmd, r != NULL ? r : "nothing");
}

static void
host_say(const char *text)
{
	const char *r = harness_hostsim(h, "say %s", text);

	ck_assert_msg(r != NULL && strncmp(r, "ok", 2) == 0,
	    "hostsim say answered %s", r != NULL ? r : "nothing");
}

/* Byte-exact comparison that says where it went wrong. */
static void
assert_same(const char *what, const unsigned char *got, size_t got_len,
    const unsigned char *want, size_t want_len)
{
	size_t i, n = got_len < want_len ? got_len : want_len;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	ck_assert_msg(got_len == want_len && i == n,
	    "%s: got %zu bytes, want %zu; first difference at offset %zu "
	    "(got 0x%02x, want 0x%02x)", what, got_len, want_len, i,
	    i < got_len ? got[i] : 0, i < want_len ? want[i] : 0);
}

struct data_len {
	struct harness_proc *p;
	size_t len;
};

static bool
cond_data_len(void *arg)
{
	struct data_len *d = arg;
	size_t n;

	client_data(d->p, &n);
	return n >= d->len;
}

static bool
wait_data_len(struct harness_proc *p, size_t len, int timeout_ms)
{
	struct data_len d = { p, len };

	return harness_wait_for(cond_data_len, &d, timeout_ms);
}

/* The client's data must equal everything hostsim sent. */
static void
assert_client_got_sent(struct harness_proc *p, int timeout_ms)
{
	size_t want_len, got_len;
	unsigned char *want = harness_read_file(harness_sent_file(h), &want_len);
	const unsigned char *got;

	ck_assert_msg(want != NULL && want_len > 0, "hostsim sent nothing");
	/* wait for the client's data to catch up, then compare */
	(void)wait_data_len(p, want_len, timeout_ms);
	got = client_data(p, &got_len);
	assert_same("client stdout vs hostsim --sent", got, got_len, want,
	    want_len);
	free(want);
}

/* 1. Suite 3 session comes up; the host's boot log arrives byte-exact. */
START_TEST(test_session_bootlog)
{
	static const char *const hs[] = { "--mode", "bootlog",
	    "--line-delay-ms", "5", NULL };
	struct harness_proc *p;
	int rc;

	REQUIRE_SIM();
	start_sim(hs);
	p = client_start(NULL);
	host_cmd("start");
	ck_assert_msg(harness_wait_file_has(harness_events_file(h), "boot-done",
	    10000), "hostsim never finished the boot log");
	ck_assert_msg(harness_wait_out(p, "hostsim login: ", 15000),
	    "login prompt never reached the client; stderr: %s",
	    harness_proc_err(p));
	ck_assert(harness_wait_out(p, "Linux version 6.1.0", 0));
	assert_client_got_sent(p, 5000);
	if (use_ipmitool())
		return;
	/* SIGTERM: close the session, exit 0 */
	harness_proc_signal(p, SIGTERM);
	rc = harness_proc_wait(p, 5000);
	ck_assert_msg(rc == 0, "SIGTERM: exit %d (want 0); stderr: %s", rc,
	    harness_proc_err(p));
}
END_TEST

/* 2. A 64 KiB burst from the host arrives byte-exact and in order. */
START_TEST(test_burst_64k)
{
	static const char *const hs[] = { "--mode", "burst", "--bytes",
	    "65536", "--no-echo", NULL };
	struct harness_proc *p;
	int64_t t0, t1;
	size_t len;

	REQUIRE_SIM();
	start_sim(hs);
	p = client_start(NULL);
	t0 = harness_now_ms();
	host_cmd("start");
	ck_assert_msg(harness_wait_file_len(harness_sent_file(h), 65536, 30000),
	    "hostsim could not hand 64 KiB to ipmi_sim in 30 s (sent %zu)",
	    harness_file_size(harness_sent_file(h)));
	if (!wait_data_len(p, 65536, 30000)) {
		client_data(p, &len);
		ck_abort_msg("only %zu of 65536 burst bytes reached the client "
		    "in 30 s; stderr: %s", len, harness_proc_err(p));
	}
	t1 = harness_now_ms();
	fprintf(stderr, "burst: 65536 bytes in %lld ms (%.1f KiB/s)\n",
	    (long long)(t1 - t0), 64.0 * 1000.0 / (double)(t1 - t0 + 1));
	/* a trailer after the burst: any duplicate would show up before it */
	host_say("END-OF-BURST");
	ck_assert(harness_wait_out(p, "END-OF-BURST\r\n", 10000));
	assert_client_got_sent(p, 1000);
}
END_TEST

/* Every byte but 0x05 (solcat's escape), '~' (ipmitool's) and 0xFF
 * (ipmi_sim's tcp: port writes BREAK as FF F3 and does not escape FF). */
static size_t
typed_pattern(unsigned char *buf, size_t len)
{
	size_t i, n = 0;

	for (i = 0; n < len; i++) {
		unsigned char c = (unsigned char)((i * 7 + i / 256) & 0xff);

		if (c == 0x05 || c == '~' || c == 0xff)
			continue;
		buf[n++] = c;
	}
	return n;
}

/* 3. Typed input reaches the host byte-exact (and its echo comes back). */
START_TEST(test_typed_input)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	unsigned char typed[3000], *rec;
	struct harness_proc *p;
	size_t n = typed_pattern(typed, sizeof(typed)), off, len;

	REQUIRE_SIM();
	start_sim(hs);
	p = client_start(NULL);
	/* uneven chunks: some smaller, some larger than ipmi_sim's 32-byte
	 * inbound buffer, so the partial-accept/NACK path runs too */
	for (off = 0; off < n; off += len) {
		len = 1 + (off * 13) % 97;
		if (len > n - off)
			len = n - off;
		ck_assert(harness_proc_write(p, typed + off, len));
	}
	if (!harness_wait_file_len(harness_record_file(h), n, 20000))
		ck_abort_msg("host received %zu of %zu typed bytes in 20 s; "
		    "stderr: %s", harness_file_size(harness_record_file(h)), n,
		    harness_proc_err(p));
	rec = harness_read_file(harness_record_file(h), &len);
	assert_same("host --record vs typed", rec, len, typed, n);
	free(rec);
	assert_client_got_sent(p, 10000);
}
END_TEST

static long break_offset(void);

/* 3b. The same over ipmi_sim's "telnet:" port, where FF is escaped, so
 * every byte value but the escape character must arrive, and a break
 * typed in the middle lands between the right two bytes. */
START_TEST(test_typed_input_telnet)
{
	static const char *const hs[] = { "--mode", "echo", "--no-echo", NULL };
	unsigned char typed[600], *rec;
	struct harness_proc *p;
	size_t i, n = 0, len;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	for (i = 0; n < sizeof(typed) / 2; i++)
		if ((i & 0xff) != 0x05)
			typed[n++] = (unsigned char)(i & 0xff);
	harness_set_telnet(h, true);
	start_sim(hs);
	p = client_start(NULL);
	ck_assert(harness_proc_write(p, typed, n));
	ck_assert(harness_wait_file_len(harness_record_file(h), n, 20000));
	(void)client_break(p);
	for (i = 0; i < n; i++)
		typed[n + i] = typed[n - 1 - i];
	ck_assert(harness_proc_write(p, typed + n, n));
	if (!harness_wait_file_len(harness_record_file(h), 2 * n, 20000))
		ck_abort_msg("host received %zu of %zu typed bytes; stderr: %s",
		    harness_file_size(harness_record_file(h)), 2 * n,
		    harness_proc_err(p));
	rec = harness_read_file(harness_record_file(h), &len);
	assert_same("host --record vs typed (telnet)", rec, len, typed, 2 * n);
	free(rec);
	ck_assert_int_eq(harness_file_count(harness_events_file(h), " break "), 1);
	ck_assert_int_eq(break_offset(), (long)n);
}
END_TEST

/* The offset (in bytes received) at which hostsim logged the first break. */
static long
break_offset(void)
{
	size_t len;
	unsigned char *ev = harness_read_file(harness_events_file(h), &len);
	const char *at = ev != NULL ? strstr((char *)ev, " break ") : NULL;
	long off = at != NULL ? strtol(at + 7, NULL, 10) : -1;

	free(ev);
	return off;
}

/*
 * 4. A break reaches the host. ipmi_sim turns the SOL break bit into the
 * telnet pair IAC BREAK on its tcp: port, but only queues it: it goes out
 * with the next data the console sends. So: "a", break, "z".
 */
START_TEST(test_break)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	struct harness_proc *p;
	const char *pre;
	char want[8];
	unsigned char *rec;
	size_t len;

	REQUIRE_SIM();
	start_sim(hs);
	p = client_start(NULL);
	ck_assert(harness_proc_write(p, "a", 1));
	ck_assert(harness_wait_file_len(harness_record_file(h), 1, 10000));
	pre = client_break(p);
	ck_assert(harness_proc_write(p, "z", 1));
	snprintf(want, sizeof(want), "a%sz", pre);
	ck_assert_msg(harness_wait_file_len(harness_record_file(h),
	    strlen(want), 10000), "the byte after the break never arrived");
	ck_assert_msg(harness_wait_file_has(harness_events_file(h), " break ",
	    5000), "no break reached the host; stderr: %s",
	    harness_proc_err(p));
	ck_assert_int_eq(harness_file_count(harness_events_file(h), " break "), 1);
	/* right after the "a" (ipmitool sends its CR after the break) */
	ck_assert_int_eq(break_offset(), 1);
	rec = harness_read_file(harness_record_file(h), &len);
	assert_same("host --record", rec, len, (const unsigned char *)want,
	    strlen(want));
	free(rec);
}
END_TEST

/* Keep saying PREFIX<n> every 500 ms until one shows up on the client:
 * ipmi_sim drops host output while nobody has SOL, so a single marker
 * could be lost in the gap before the client has taken SOL back. */
struct say_until {
	struct harness_proc *p;
	const char *prefix;
	int64_t next;
	int n;
};

static bool
cond_say_until_seen(void *arg)
{
	struct say_until *s = arg;
	size_t len;
	const unsigned char *d = client_data(s->p, &len);

	if (memmem(d, len, s->prefix, strlen(s->prefix)) != NULL)
		return true;
	if (harness_now_ms() >= s->next) {
		char m[64];

		snprintf(m, sizeof(m), "%s%d", s->prefix, s->n++);
		host_say(m);
		s->next = harness_now_ms() + 500;
	}
	return false;
}

static bool
say_until_seen(struct harness_proc *p, const char *prefix, int timeout_ms)
{
	struct say_until s = { p, prefix, 0, 0 };

	return harness_wait_for(cond_say_until_seen, &s, timeout_ms);
}

static void
ipmitool_ok(const char *const *args)
{
	int rc = harness_ipmitool(h, 15000, args);

	ck_assert_msg(rc == 0, "ipmitool %s %s: exit %d", args[0],
	    args[1] != NULL ? args[1] : "", rc);
}

/* 5a. -P steal: another session deactivates SOL; solcat takes it back. */
START_TEST(test_steal_back_after_deactivate)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const extra[] = { "-P", "steal", "--keepalive", "2",
	    NULL };
	static const char *const deact[] = { "sol", "deactivate", NULL };
	struct harness_proc *p;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_start(extra);
	ck_assert(say_until_seen(p, "BEFORE-", 10000));
	ipmitool_ok(deact);
	ck_assert_msg(say_until_seen(p, "TAKEN-BACK-", 30000),
	    "host output never resumed after a foreign deactivate (client %s); "
	    "stderr: %s", harness_proc_running(p) ? "running" : "exited",
	    harness_proc_err(p));
	ck_assert(harness_proc_running(p));
}
END_TEST

/* 5b. -P steal: another console activates SOL; solcat takes it back. */
START_TEST(test_steal_back_from_ipmitool)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const extra[] = { "-P", "steal", "--keepalive", "2",
	    NULL };
	static const char *const deact[] = { "sol", "deactivate", NULL };
	struct harness_proc *p, *thief;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_start(extra);
	ck_assert(say_until_seen(p, "BEFORE-", 10000));
	ipmitool_ok(deact);
	thief = harness_ipmitool_sol(h, HARNESS_ADMIN_USER, HARNESS_ADMIN_PASS);
	/* solcat may already have taken SOL back before ipmitool asked; then
	 * ipmitool just fails with "already active". Either way: */
	(void)harness_wait_out(thief, IPMITOOL_ACTIVE, 10000);
	ck_assert_msg(say_until_seen(p, "TAKEN-BACK-", 30000),
	    "host output never came back to solcat after ipmitool took SOL; "
	    "stderr: %s", harness_proc_err(p));
	ck_assert(harness_proc_running(p));
}
END_TEST

/* 5c. -P fail: another console takes SOL; solcat exits 8 (stolen). */
START_TEST(test_stolen_fail)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const extra[] = { "-P", "fail", "--keepalive", "2",
	    NULL };
	static const char *const deact[] = { "sol", "deactivate", NULL };
	struct harness_proc *p, *thief;
	int rc;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_start(extra);
	ipmitool_ok(deact);
	thief = harness_ipmitool_sol(h, HARNESS_ADMIN_USER, HARNESS_ADMIN_PASS);
	ck_assert_msg(harness_wait_out(thief, IPMITOOL_ACTIVE, 15000),
	    "ipmitool could not activate SOL: %s",
	    (const char *)harness_proc_out(thief, NULL));
	rc = harness_proc_wait(p, 30000);
	ck_assert_msg(rc == 8, "want exit 8 (stolen), got %d; stderr: %s", rc,
	    harness_proc_err(p));
}
END_TEST

static int
count_lines(const char *s)
{
	int n = 0;

	for (; *s != '\0'; s++)
		n += *s == '\n';
	return n;
}

/* 6. Wrong password or user: exit 2 and a one-line error. */
START_TEST(test_wrong_password)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	struct harness_proc *p;
	int rc;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_spawn(HARNESS_ADMIN_USER, "not-the-password", NULL);
	rc = harness_proc_wait(p, 30000);
	ck_assert_msg(rc == 2, "wrong password: exit %d (want 2); stderr: %s",
	    rc, harness_proc_err(p));
	ck_assert_msg(count_lines(harness_proc_err(p)) == 1 &&
	    strlen(harness_proc_err(p)) > 1,
	    "want a one-line error, got: \"%s\"", harness_proc_err(p));
	ck_assert(strstr(harness_proc_err(p), SOLCAT_ACTIVE) == NULL);

	p = client_spawn("nosuchuser", HARNESS_ADMIN_PASS, NULL);
	rc = harness_proc_wait(p, 30000);
	ck_assert_msg(rc == 2, "wrong user: exit %d (want 2); stderr: %s", rc,
	    harness_proc_err(p));
	ck_assert_msg(count_lines(harness_proc_err(p)) == 1,
	    "want a one-line error, got: \"%s\"", harness_proc_err(p));
}
END_TEST

/* The operator user gets SOL at operator privilege. */
START_TEST(test_operator_user)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const extra[] = { "-L", "operator", NULL };
	struct harness_proc *p;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_spawn(HARNESS_OPER_USER, HARNESS_OPER_PASS, extra);
	ck_assert_msg(client_wait_active(p, ACTIVE_MS),
	    "operator SOL did not come up; stderr: %s", harness_proc_err(p));
	ck_assert(say_until_seen(p, "OPERATOR-", 10000));
}
END_TEST

/* 7. BMC killed: exit 3 within --dead-time (+ slack); a restarted BMC
 * takes a new session. */
#define DEAD_TIME_S 6
#define DEAD_SLACK_MS 4000

START_TEST(test_bmc_killed)
{
	static const char *const hs[] = { "--mode", "echo", NULL };
	static const char *const extra[] = { "--dead-time", "6",
	    "--keepalive", "2", NULL };
	struct harness_proc *p;
	int64_t t0, ms;
	int rc;
	const char *err, *after;

	REQUIRE_SIM();
	REQUIRE_SOLCAT();
	start_sim(hs);
	p = client_start(extra);
	ck_assert(say_until_seen(p, "ALIVE-", 10000));
	t0 = harness_now_ms();
	harness_stop_bmc(h, SIGKILL);
	rc = harness_proc_wait(p, DEAD_TIME_S * 1000 + 20000);
	ms = harness_now_ms() - t0;
	fprintf(stderr, "bmc-killed: solcat exit %d after %lld ms "
	    "(--dead-time %d s)\n", rc, (long long)ms, DEAD_TIME_S);
	ck_assert_msg(rc == 3, "want exit 3 (timeout), got %d after %lld ms; "
	    "stderr: %s", rc, (long long)ms, harness_proc_err(p));
	ck_assert_msg(ms <= DEAD_TIME_S * 1000 + DEAD_SLACK_MS,
	    "took %lld ms, bound %d ms", (long long)ms,
	    DEAD_TIME_S * 1000 + DEAD_SLACK_MS);
	/* the reason is printed after the active line */
	err = harness_proc_err(p);
	after = strstr(err, SOLCAT_ACTIVE);
	ck_assert(after != NULL && strchr(after, '\n') != NULL &&
	    strchr(after, '\n')[1] != '\0');

	ck_assert_msg(harness_start_bmc(h) == 0, "ipmi_sim did not restart");
	p = client_start(NULL);
	ck_assert(say_until_seen(p, "AGAIN-", 10000));
}
END_TEST

/*
 * 8. Soak: 150 s of constant host output, 120 s idle, then more output.
 * ipmi_sim closes a session after 30 s without IPMI (type 0) traffic, and
 * SOL packets do not count, so only real keepalives get through this.
 */
#define SOAK_STREAM_MS 150000
#define SOAK_IDLE_MS 120000

START_TEST(test_soak_keepalive)
{
	static const char *const hs[] = { "--mode", "numbered", "--rate", "20",
	    "--line-len", "64", "--no-echo", NULL };
	const char *slow = getenv("IPMUX_SLOW_TESTS");
	struct harness_proc *p;
	const char *stats, *at;
	unsigned long long lines;
	char last[32];
	int rc;

	if (slow == NULL || strcmp(slow, "1") != 0) {
		fprintf(stderr, "SKIP: test_soak_keepalive (5 min) runs only "
		    "with IPMUX_SLOW_TESTS=1, e.g. `make check-slow`\n");
		return;
	}
	REQUIRE_SIM();
	start_sim(hs);
	p = client_start(NULL);
	host_cmd("start");
	rc = harness_proc_wait(p, SOAK_STREAM_MS);
	ck_assert_msg(rc == -1, "client died while streaming (exit %d); "
	    "stderr: %s", rc, harness_proc_err(p));
	host_cmd("stop");
	stats = harness_hostsim(h, "stats");
	at = stats != NULL ? strstr(stats, "lines=") : NULL;
	ck_assert(at != NULL);
	lines = strtoull(at + 6, NULL, 10);
	ck_assert_msg(lines >= SOAK_STREAM_MS / 1000 * 20 * 9 / 10,
	    "hostsim only produced %llu lines", lines);
	snprintf(last, sizeof(last), "%08llu ", lines - 1);
	ck_assert_msg(harness_wait_out(p, last, 30000),
	    "line %llu never arrived", lines - 1);
	assert_client_got_sent(p, 5000);
	fprintf(stderr, "soak: %llu lines streamed byte-exact; idling\n", lines);

	rc = harness_proc_wait(p, SOAK_IDLE_MS);
	ck_assert_msg(rc == -1, "client died while idle (exit %d); stderr: %s",
	    rc, harness_proc_err(p));
	host_say("SOAK-END");
	ck_assert_msg(harness_wait_out(p, "SOAK-END\r\n", 10000),
	    "session dead after the idle period; stderr: %s",
	    harness_proc_err(p));
	assert_client_got_sent(p, 5000);
}
END_TEST

static TCase *
tcase(const char *name, double timeout_s)
{
	TCase *tc = tcase_create(name);

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, timeout_s);
	return tc;
}

static Suite *
ipmisim_suite(void)
{
	Suite *s = suite_create("ipmisim");
	TCase *tc;

	tc = tcase("session", 90);
	tcase_add_test(tc, test_session_bootlog);
	tcase_add_test(tc, test_burst_64k);
	tcase_add_test(tc, test_typed_input);
	tcase_add_test(tc, test_typed_input_telnet);
	tcase_add_test(tc, test_break);
	suite_add_tcase(s, tc);

	tc = tcase("steal", 120);
	tcase_add_test(tc, test_steal_back_after_deactivate);
	tcase_add_test(tc, test_steal_back_from_ipmitool);
	tcase_add_test(tc, test_stolen_fail);
	suite_add_tcase(s, tc);

	tc = tcase("auth", 90);
	tcase_add_test(tc, test_wrong_password);
	tcase_add_test(tc, test_operator_user);
	suite_add_tcase(s, tc);

	tc = tcase("bmc-death", 120);
	tcase_add_test(tc, test_bmc_killed);
	suite_add_tcase(s, tc);

	/* 150 s streaming + 120 s idle + setup and checks: only in the slow
	 * tier (`make check-slow`), so a normal run does not count it. */
	if (getenv("IPMUX_SLOW_TESTS") != NULL) {
		tc = tcase("soak", 420);
		tcase_add_test(tc, test_soak_keepalive);
		suite_add_tcase(s, tc);
	}
	return s;
}

CHECK_MAIN(ipmisim_suite)
