/* harness.h — integration-test scaffolding: temp dirs, ports, ipmi_sim + hostsim, client processes, deadline waits. */
#ifndef IPMUX_TESTS_INTEG_HARNESS_H
#define IPMUX_TESTS_INTEG_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * One struct harness per test: a temp dir holding ipmi_sim's config and
 * state, hostsim's records and every child's output. Children run in
 * their own session (so a whole tree can be signalled) with a parent-death
 * signal, so they die with the test process even when a failed assertion
 * makes Check's forked child _exit() without running the teardown.
 *
 * Binaries come from $IPMUX_BUILD (default "build") relative to the
 * current directory: bin/ipmux-solcat and tests/tools/hostsim.
 * IPMUX_KEEP_TMP=1 keeps the temp dir; IPMUX_SIM_DEBUG=1 runs ipmi_sim
 * with -d, its packet dump going to bmc.out in the temp dir.
 */

struct harness;
struct harness_proc;

/* The users harness_start_bmc() configures. */
#define HARNESS_ADMIN_USER "ipmiusr"
#define HARNESS_ADMIN_PASS "test"
#define HARNESS_OPER_USER "operusr"
#define HARNESS_OPER_PASS "opertest"

/* A growable byte buffer, always NUL-terminated (p may be NULL while
 * empty); the tests' collectors of output, logs and messages. */
struct harness_buf {
	unsigned char *p;
	size_t len, cap;
};
void harness_buf_add(struct harness_buf *b, const void *p, size_t len);

/* Condition for harness_wait_for(); return true when satisfied. */
typedef bool (*harness_cond_fn)(void *arg);

/* Missing ipmi_sim: prints a SKIP line and returns true, unless $CI is
 * set, in which case it reports a Check failure. Call first in a test. */
bool harness_skip_without_ipmisim(void);
/* True (after a SKIP line) when prog is not in PATH; under CI a missing
 * peer fails the test instead. */
bool harness_skip_without(const char *prog, const char *package);

/* Setup and teardown. harness_free(NULL) is safe. */
struct harness *harness_new(const char *test_name);
void harness_free(struct harness *h);

const char *harness_dir(const struct harness *h);
/* "dir/name", owned by the harness. */
const char *harness_path(struct harness *h, const char *name);
const char *harness_build_dir(void);
/* A port on 127.0.0.1 that was free a moment ago (SOCK_DGRAM/STREAM). */
int harness_free_port(int socktype);
int64_t harness_now_ms(void);

/* Before harness_start_bmc(): SOL history size (0 = none, the default)
 * and whether ipmi_sim talks to hostsim with telnet escaping. */
void harness_set_history(struct harness *h, unsigned int size);
void harness_set_telnet(struct harness *h, bool telnet);
/* Before harness_start_bmc(): the emu file's text instead of the default
 * (one bare BMC at 0x20), and lines appended to lan.conf (inside the
 * BMC's section, e.g. chassis_control). NULL restores the default. */
void harness_set_emu(struct harness *h, const char *text);
void harness_set_conf_extra(struct harness *h, const char *lines);
/* ipmi_sim's -s state dir; it keeps its files (sdr.20.main, sel.20) in
 * STATE/ipmi_sim/ipmuxsim. */
const char *harness_bmc_state_dir(struct harness *h);

/*
 * Start hostsim: argv is extra options after the harness's own (port
 * files, --record/--sent/--events in the temp dir, --telnet if set),
 * NULL-terminated. Waits until it listens. 0 or -1.
 */
int harness_start_hostsim(struct harness *h, const char *const *args);
/* Write lan.conf + emu (first call), start ipmi_sim, wait until it answers
 * Get Channel Auth Caps on its UDP port and its SOL has connected to
 * hostsim. 0 or -1 (with the reason on stderr). */
int harness_start_bmc(struct harness *h);
/* Signal ipmi_sim and reap it (SIGKILL after 5 s if sig doesn't do it). */
void harness_stop_bmc(struct harness *h, int sig);
int harness_bmc_port(const struct harness *h);
/* Send one control line to hostsim; returns its reply (harness-owned,
 * valid until the next call) or NULL. */
const char *harness_hostsim(struct harness *h, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* hostsim's files in the temp dir. */
const char *harness_sent_file(struct harness *h);
const char *harness_record_file(struct harness *h);
const char *harness_events_file(struct harness *h);
/* How many times ipmi_sim's SOL has connected to hostsim. */
int harness_hostsim_connects(struct harness *h);

/*
 * Spawn a program with pipes on stdin/stdout/stderr. env: NULL or
 * "NAME=value" strings, NULL-terminated, added to the environment.
 * stdout/stderr are read whenever the harness waits and also copied to
 * NAME.out / NAME.err in the temp dir.
 */
struct harness_proc *harness_spawn(struct harness *h, const char *name,
    const char *const *argv, const char *const *env);
/* ipmux-solcat -H 127.0.0.1:PORT -U user -C 3 -f PWFILE extra...;
 * the password goes into a fresh 0600 file. extra is NULL-terminated. */
struct harness_proc *harness_solcat(struct harness *h, const char *user,
    const char *pass, const char *const *extra);
/* ipmitool -I lanplus -C 3 ... sol activate, under script(1) for a tty. */
struct harness_proc *harness_ipmitool_sol(struct harness *h, const char *user,
    const char *pass);
/* Run ipmitool -I lanplus -C 3 -H -p -U -P args... to completion as the
 * admin user; returns its exit code, or -1 if it ran past timeout_ms. */
int harness_ipmitool(struct harness *h, int timeout_ms, const char *const *args);
/* ipmitool -I lanplus -C suite -H 127.0.0.1 -p port (admin) args...,
 * run to completion: exit code, -1 past timeout_ms. The process stays
 * readable through *out if out is not NULL. */
int harness_ipmitool_port(struct harness *h, int port, const char *suite,
    int timeout_ms, const char *const *args, struct harness_proc **out);

/* Child process handles; owned by the harness, valid until harness_free. */
bool harness_proc_write(struct harness_proc *p, const void *buf, size_t len);
void harness_proc_close_stdin(struct harness_proc *p);
/* Everything read so far; NUL-terminated after len for convenience. */
const unsigned char *harness_proc_out(struct harness_proc *p, size_t *len);
const char *harness_proc_err(struct harness_proc *p);
pid_t harness_proc_pid(const struct harness_proc *p);
bool harness_proc_running(struct harness_proc *p);
/* Signal the child's process group. */
void harness_proc_signal(struct harness_proc *p, int sig);
/* Wait for exit: exit code, 128 + signal, or -1 on timeout. */
int harness_proc_wait(struct harness_proc *p, int timeout_ms);
/* SIGTERM, then SIGKILL after grace_ms; returns as harness_proc_wait. */
int harness_proc_stop(struct harness_proc *p, int grace_ms);

/*
 * Waiting. Every wait pumps the pipes of all running children and reaps
 * them, polling every few milliseconds until the condition holds or the
 * deadline passes. Never a bare sleep.
 */
bool harness_wait_for(harness_cond_fn fn, void *arg, int timeout_ms);
bool harness_wait_out(struct harness_proc *p, const char *needle, int timeout_ms);
bool harness_wait_err(struct harness_proc *p, const char *needle, int timeout_ms);
bool harness_wait_out_len(struct harness_proc *p, size_t len, int timeout_ms);
bool harness_wait_file_len(const char *path, size_t len, int timeout_ms);
bool harness_wait_file_has(const char *path, const char *needle, int timeout_ms);
/* Pump output for a while on purpose (e.g. to prove something does NOT
 * happen during an idle period). */
void harness_pump(int ms);

/* Whole file, NUL-terminated; NULL if unreadable. Caller frees. */
unsigned char *harness_read_file(const char *path, size_t *len);
/* Bytes in a file, or 0 if missing. */
size_t harness_file_size(const char *path);
/* Count occurrences of needle in the file. */
int harness_file_count(const char *path, const char *needle);

#endif
