/* check_cli.c — tests of the ipmux CLI binary against a fake daemon on a temp Unix socket (incl. the management commands), and of "ipmux log" over a temp dir. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <zlib.h>
#include <zstd.h>

#include "proto.h"
#include "protoio.h"
#include "../checkmain.h"

#define WAIT_MS 5000

/* One run of the CLI: the child, its pipes, and our end of its socket. */
struct run {
	char dir[64];
	char sock[128];
	int lfd;		/* listening socket */
	int conn;		/* the CLI's connection, once accepted */
	protoio_rd *rd;
	pid_t pid;
	int in_w, out_r, err_r;
	char out[65536], err[8192];
	size_t outlen, errlen;
	int status;		/* exit status, -1 if not exited normally */
};

static struct run R;

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* $IPMUX_BUILD, else the build dir holding this binary
 * (BUILD/tests/unit/check_cli), else "build". */
static const char *
build_dir(void)
{
	static char dir[4096];
	const char *b = getenv("IPMUX_BUILD");
	char *cut;
	ssize_t n;

	if (b != NULL && *b != '\0')
		return b;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n > 0) {
		dir[n] = '\0';
		if ((cut = strstr(dir, "/tests/unit/")) != NULL) {
			*cut = '\0';
			return dir;
		}
	}
	return "build";
}

static void
setup(void)
{
	struct sockaddr_un sun;

	memset(&R, 0, sizeof(R));
	R.conn = R.lfd = R.in_w = R.out_r = R.err_r = -1;
	R.status = -1;
	strcpy(R.dir, "/tmp/check_cli.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(R.dir));
	snprintf(R.sock, sizeof(R.sock), "%s/s", R.dir);
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	strcpy(sun.sun_path, R.sock);
	R.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	ck_assert_int_ge(R.lfd, 0);
	ck_assert_int_eq(bind(R.lfd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	ck_assert_int_eq(listen(R.lfd, 4), 0);
	signal(SIGPIPE, SIG_IGN);
}

static void
teardown(void)
{
	char cmd[128];

	if (R.pid > 0) {
		kill(R.pid, SIGKILL);
		waitpid(R.pid, NULL, 0);
	}
	protoio_rd_free(R.rd);
	if (R.conn >= 0)
		close(R.conn);
	close(R.lfd);
	unlink(R.sock);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", R.dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup of %s failed\n", R.dir);
}

/* Start "ipmux -S SOCK args..." with pipes for stdout and stderr, and
 * for stdin unless tty_fd >= 0 (then that is its stdin). */
static void
run_start_tty(const char *const *args, int tty_fd)
{
	char bin[4200];
	const char *argv[32];
	int in[2], out[2], err[2];
	size_t n = 0;

	snprintf(bin, sizeof(bin), "%s/bin/ipmux", build_dir());
	ck_assert_msg(access(bin, X_OK) == 0, "no CLI binary at %s", bin);
	argv[n++] = bin;
	argv[n++] = "-S";
	argv[n++] = R.sock;
	while (*args != NULL && n < 31)
		argv[n++] = *args++;
	argv[n] = NULL;
	ck_assert_int_eq(pipe2(in, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(out, O_CLOEXEC), 0);
	ck_assert_int_eq(pipe2(err, O_CLOEXEC), 0);
	R.pid = fork();
	ck_assert_int_ge(R.pid, 0);
	if (R.pid == 0) {
		dup2(tty_fd >= 0 ? tty_fd : in[0], 0);
		dup2(out[1], 1);
		dup2(err[1], 2);
		unsetenv("IPMUX_SOCKET");
		execv(bin, (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	close(err[1]);
	R.in_w = in[1];
	R.out_r = out[0];
	R.err_r = err[0];
}

static void
run_start(const char *const *args)
{
	run_start_tty(args, -1);
}

/* Read what is there from fd into buf (keeps it NUL-terminated). */
static bool
drain(int *fd, char *buf, size_t cap, size_t *len)
{
	ssize_t n;

	if (*fd < 0)
		return false;
	n = read(*fd, buf + *len, cap - 1 - *len);
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return false;
	}
	*len += (size_t)n;
	buf[*len] = '\0';
	return true;
}

/* Collect stdout and stderr until the text appears in the one chosen
 * (or both close); false on the deadline. */
static bool
wait_output(bool on_err, const char *text)
{
	int64_t end = now_ms() + WAIT_MS;
	struct pollfd p[2];

	for (;;) {
		if (text != NULL && strstr(on_err ? R.err : R.out, text))
			return true;
		if (R.out_r < 0 && R.err_r < 0)
			return text == NULL;
		if (now_ms() >= end)
			return false;
		p[0] = (struct pollfd){ .fd = R.out_r, .events = POLLIN };
		p[1] = (struct pollfd){ .fd = R.err_r, .events = POLLIN };
		if (poll(p, 2, 100) <= 0)
			continue;
		if (p[0].revents)
			drain(&R.out_r, R.out, sizeof(R.out), &R.outlen);
		if (p[1].revents)
			drain(&R.err_r, R.err, sizeof(R.err), &R.errlen);
	}
}

/* Wait for the CLI to exit (all output collected); its exit status. */
static int
run_wait(void)
{
	int64_t end = now_ms() + WAIT_MS;
	int st;
	pid_t r;

	ck_assert_msg(wait_output(false, NULL), "CLI output never ended; "
	    "stdout [%s] stderr [%s]", R.out, R.err);
	while ((r = waitpid(R.pid, &st, WNOHANG)) == 0 && now_ms() < end)
		poll(NULL, 0, 10);
	ck_assert_msg(r == R.pid, "CLI did not exit; stderr [%s]", R.err);
	R.pid = 0;
	close(R.in_w);
	R.in_w = -1;
	R.status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	return R.status;
}

/* The CLI exits with want; stderr is in the message if not. */
#define expect_exit(want) do {						\
	int st_ = run_wait();						\
	ck_assert_msg(st_ == (want), "exit %d, wanted %d; stderr [%s]",	\
	    st_, (want), R.err);					\
} while (0)

static void
srv_accept(void)
{
	struct pollfd p = { .fd = R.lfd, .events = POLLIN };

	ck_assert_msg(poll(&p, 1, WAIT_MS) == 1, "the CLI never connected");
	R.conn = accept4(R.lfd, NULL, NULL, SOCK_CLOEXEC);
	ck_assert_int_ge(R.conn, 0);
	R.rd = protoio_rd_new(R.conn);
}

/* The next message from the CLI must be of this type; its JSON payload
 * (NULL for raw types), the raw message in *raw if wanted. */
static struct json_object *
srv_expect(uint16_t type, struct proto_msg *raw)
{
	struct proto_msg m;
	char err[256];
	int rc = protoio_recv(R.rd, WAIT_MS, &m, err, sizeof(err));

	ck_assert_msg(rc == 1, "no message from the CLI (%s); stderr [%s]",
	    rc == 0 ? "closed" : err, R.err);
	ck_assert_msg(m.type == type, "CLI sent %s, wanted %s",
	    proto_type_name(m.type), proto_type_name(type));
	if (raw != NULL)
		*raw = m;
	if (type == PROTO_INPUT)
		return NULL;
	return protoio_json(&m);
}

static void
srv_send(uint16_t type, const char *payload)
{
	ck_assert_int_eq(protoio_send(R.conn, type, payload,
	    strlen(payload)), 0);
}

static void
srv_hello(void)
{
	struct json_object *o, *v;

	srv_accept();
	o = srv_expect(PROTO_HELLO, NULL);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "version", &v));
	ck_assert_int_eq(json_object_get_int(v), PROTO_VERSION);
	ck_assert(json_object_object_get_ex(o, "client", &v));
	ck_assert_str_eq(json_object_get_string(v), "ipmux");
	json_object_put(o);
	srv_send(PROTO_HELLO_OK, "{\"version\":1,\"server\":\"ipmuxd test\","
	    "\"user\":\"alice\"}");
}

static const char LIST_REPLY[] =
	"{\"consoles\":["
	"{\"name\":\"node1\",\"group\":\"rack1\",\"tags\":[\"gpu\"],"
	"\"state\":\"active\",\"since\":1764079323,\"reason\":\"\","
	"\"host\":\"10.0.0.11:623\",\"attached\":[{\"user\":\"alice\","
	"\"mode\":\"rw\"},{\"user\":\"bob\",\"mode\":\"ro\"}]},"
	"{\"name\":\"node2\",\"group\":\"rack2\",\"state\":\"failed\","
	"\"reason\":\"authentication failed\"}]}";

START_TEST(test_list_json)
{
	const char *args[] = { "list", "--json", NULL };
	static const char *const keys[] = { "name", "group", "state",
	    "reason", "since", "tags", "attached" };
	struct json_object *arr, *c, *v;
	size_t i;

	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	expect_exit(0);
	arr = json_tokener_parse(R.out);
	ck_assert_msg(arr != NULL && json_object_is_type(arr, json_type_array),
	    "not a JSON array: %s", R.out);
	ck_assert_uint_eq(json_object_array_length(arr), 2);
	for (i = 0; i < 2; i++) {
		size_t k;

		c = json_object_array_get_idx(arr, i);
		for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
			ck_assert_msg(json_object_object_get_ex(c, keys[k],
			    NULL), "console %zu lacks %s", i, keys[k]);
	}
	c = json_object_array_get_idx(arr, 0);
	json_object_object_get_ex(c, "name", &v);
	ck_assert_str_eq(json_object_get_string(v), "node1");
	json_object_object_get_ex(c, "attached", &v);
	ck_assert_uint_eq(json_object_array_length(v), 2);
	c = json_object_array_get_idx(arr, 1);
	json_object_object_get_ex(c, "state", &v);
	ck_assert_str_eq(json_object_get_string(v), "failed");
	json_object_object_get_ex(c, "reason", &v);
	ck_assert_str_eq(json_object_get_string(v), "authentication failed");
	json_object_object_get_ex(c, "tags", &v);
	ck_assert(json_object_is_type(v, json_type_array));
	json_object_object_get_ex(c, "since", &v);
	ck_assert_ptr_null(v);
	json_object_put(arr);
	ck_assert_str_eq(R.err, "");
}
END_TEST

START_TEST(test_list_table)
{
	const char *args[] = { "list", NULL };
	char *l2, *l3;

	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	expect_exit(0);
	ck_assert_msg(strncmp(R.out, "NAME ", 5) == 0, "[%s]", R.out);
	ck_assert_ptr_nonnull(strstr(R.out, " GROUP "));
	ck_assert_ptr_nonnull(strstr(R.out, " STATE "));
	ck_assert_ptr_nonnull(strstr(R.out, " SINCE "));
	ck_assert_ptr_nonnull(strstr(R.out, " REASON "));
	ck_assert_ptr_nonnull(strstr(R.out, " ATTACHED\n"));
	l2 = strchr(R.out, '\n') + 1;
	l3 = strchr(l2, '\n') + 1;
	ck_assert_msg(strncmp(l2, "node1 ", 6) == 0, "[%s]", R.out);
	ck_assert_ptr_nonnull(strstr(l2, " rack1 "));
	ck_assert_ptr_nonnull(strstr(l2, " active "));
	ck_assert_ptr_nonnull(strstr(l2, " alice(rw),bob(ro)\n"));
	ck_assert_msg(strncmp(l3, "node2 ", 6) == 0, "[%s]", R.out);
	ck_assert_ptr_nonnull(strstr(l3, " failed "));
	ck_assert_ptr_nonnull(strstr(l3, " authentication failed "));
	/* Columns line up: STATE starts at the same offset in each row. */
	ck_assert_int_eq(strstr(R.out, "STATE") - R.out,
	    strstr(l2, "active") - l2);
	ck_assert_int_eq(strstr(R.out, "STATE") - R.out,
	    strstr(l3, "failed") - l3);
}
END_TEST

START_TEST(test_error_reply)
{
	const char *args[] = { "list", NULL };

	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_ERROR, "{\"error\":\"permission denied\"}");
	expect_exit(1);
	ck_assert_str_eq(R.err, "ipmux: permission denied\n");
	ck_assert_str_eq(R.out, "");
}
END_TEST

START_TEST(test_wrong_version)
{
	const char *args[] = { "status", NULL };
	const char *p = "{\"version\":2,\"server\":\"ipmuxd 9\"}";
	uint8_t msg[128];
	size_t n = PROTO_HDR_LEN + strlen(p);

	run_start(args);
	srv_accept();
	json_object_put(srv_expect(PROTO_HELLO, NULL));
	/* One write: the CLI may hang up as soon as it sees the header. */
	proto_hdr_encode(msg, PROTO_HELLO_OK, strlen(p));
	msg[6] = 2;
	memcpy(msg + PROTO_HDR_LEN, p, strlen(p));
	ck_assert_int_eq(write(R.conn, msg, n), (ssize_t)n);
	expect_exit(1);
	ck_assert_msg(strstr(R.err, "version 2") != NULL, "[%s]", R.err);
	/* One line. */
	ck_assert_ptr_eq(strchr(R.err, '\n'), R.err + strlen(R.err) - 1);
}
END_TEST

START_TEST(test_no_daemon)
{
	const char *args[] = { "status", NULL };

	close(R.lfd);
	R.lfd = -1;
	unlink(R.sock);
	run_start(args);
	expect_exit(1);
	ck_assert_ptr_nonnull(strstr(R.err, R.sock));
}
END_TEST

START_TEST(test_usage)
{
	const char *a1[] = { "frobnicate", NULL };
	const char *a2[] = { "attach", NULL };
	const char *a3[] = { "tail", "x", "-n", "lots", NULL };

	run_start(a1);
	expect_exit(2);
	ck_assert_ptr_nonnull(strstr(R.err, "usage:"));
	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(a2);
	expect_exit(2);
	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(a3);
	expect_exit(2);
}
END_TEST

START_TEST(test_status_reload_metrics)
{
	const char *a1[] = { "status", NULL };
	const char *a2[] = { "reload", NULL };
	const char *a3[] = { "metrics", NULL };
	const char *metrics = "# TYPE ipmux_consoles gauge\n"
	    "ipmux_consoles{state=\"active\"} 48\n";
	struct proto_msg m;

	run_start(a1);
	srv_hello();
	json_object_put(srv_expect(PROTO_STATUS, NULL));
	srv_send(PROTO_STATUS_REPLY, "{\"version\":\"ipmuxd 0.1\",\"pid\":42,"
	    "\"uptime\":90061,\"consoles\":50,\"by_state\":{\"active\":48,"
	    "\"backoff\":2},\"logdir\":\"/var/log/ipmux\",\"clients\":3}");
	expect_exit(0);
	ck_assert_ptr_nonnull(strstr(R.out,
	    "ipmuxd 0.1, pid 42, up 1d 01:01:01"));
	ck_assert_ptr_nonnull(strstr(R.out, "50 (active 48, backoff 2)"));
	ck_assert_ptr_nonnull(strstr(R.out, "clients:  3"));
	protoio_rd_free(R.rd);
	R.rd = NULL;
	close(R.conn);

	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(a2);
	srv_hello();
	json_object_put(srv_expect(PROTO_RELOAD, NULL));
	srv_send(PROTO_RELOAD_REPLY, "{\"ok\":true,\"added\":5,\"removed\":4,"
	    "\"changed\":3,\"unchanged\":38}");
	expect_exit(0);
	ck_assert_str_eq(R.out, "reloaded: 5 added, 4 removed, 3 changed, "
	    "38 unchanged\n");
	protoio_rd_free(R.rd);
	R.rd = NULL;
	close(R.conn);

	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(a2);
	srv_hello();
	json_object_put(srv_expect(PROTO_RELOAD, NULL));
	srv_send(PROTO_RELOAD_REPLY, "{\"ok\":false,\"error\":"
	    "\"ipmux.conf:7: unknown key 'hots'\"}");
	expect_exit(1);
	ck_assert_str_eq(R.err, "ipmux: reload failed: ipmux.conf:7: unknown "
	    "key 'hots'\n");
	protoio_rd_free(R.rd);
	R.rd = NULL;
	close(R.conn);

	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(a3);
	srv_hello();
	json_object_put(srv_expect(PROTO_METRICS, &m));
	srv_send(PROTO_METRICS_REPLY, metrics);
	expect_exit(0);
	ck_assert_str_eq(R.out, metrics);
}
END_TEST

START_TEST(test_tail)
{
	const char *args[] = { "tail", "node1", "-n", "100", NULL };
	struct json_object *o, *v;

	run_start(args);
	srv_hello();
	o = srv_expect(PROTO_TAIL, NULL);
	ck_assert(json_object_object_get_ex(o, "console", &v));
	ck_assert_str_eq(json_object_get_string(v), "node1");
	ck_assert(json_object_object_get_ex(o, "bytes", &v));
	ck_assert_int_eq(json_object_get_int(v), 100);
	ck_assert(json_object_object_get_ex(o, "follow", &v));
	ck_assert(!json_object_get_boolean(v));
	json_object_put(o);
	srv_send(PROTO_DATA, "login: ");
	srv_send(PROTO_DATA, "root\r\n");
	srv_send(PROTO_DETACHED, "{\"reason\":\"end of scrollback\"}");
	expect_exit(0);
	ck_assert_str_eq(R.out, "login: root\r\n");
}
END_TEST

/* Bytes the CLI sends as PROTO_INPUT until want has all arrived. */
static void
expect_input(const char *want)
{
	char got[256];
	size_t n = 0, wl = strlen(want);
	struct proto_msg m;

	while (n < wl) {
		srv_expect(PROTO_INPUT, &m);
		ck_assert_uint_le(n + m.len, wl);
		memcpy(got + n, m.payload, m.len);
		n += m.len;
	}
	ck_assert_mem_eq(got, want, wl);
}

static void
type_in(const char *s)
{
	ck_assert_int_eq(write(R.in_w, s, strlen(s)), (ssize_t)strlen(s));
}

START_TEST(test_attach)
{
	const char *args[] = { "attach", "node1", NULL };
	struct json_object *o, *v;

	run_start(args);
	srv_hello();
	o = srv_expect(PROTO_ATTACH, NULL);
	ck_assert(json_object_object_get_ex(o, "console", &v));
	ck_assert_str_eq(json_object_get_string(v), "node1");
	ck_assert(json_object_object_get_ex(o, "mode", &v));
	ck_assert_str_eq(json_object_get_string(v), "rw");
	json_object_put(o);
	srv_send(PROTO_ATTACH_OK, "{\"console\":\"node1\",\"mode\":\"rw\","
	    "\"writer\":\"alice\",\"state\":\"active\"}");
	srv_send(PROTO_DATA, "hello from host\r\n");
	ck_assert_msg(wait_output(false, "hello from host\r\n"), "[%s]", R.out);

	/* Keystrokes go through; escapes act in stream order. */
	type_in("ls -l\r");
	expect_input("ls -l\r");
	type_in("a\x05" "cbz");
	expect_input("a");
	json_object_put(srv_expect(PROTO_BREAK, NULL));
	expect_input("z");
	type_in("\x05" "cf");
	o = srv_expect(PROTO_MODE, NULL);
	ck_assert(json_object_object_get_ex(o, "mode", &v));
	ck_assert_str_eq(json_object_get_string(v), "force");
	json_object_put(o);
	/* ^Ec c sends the prefix itself. */
	type_in("\x05" "cc");
	expect_input("\x05" "c");

	/* Demoted: a notice, and keystrokes no longer go out. */
	srv_send(PROTO_EVENT, "{\"event\":\"demoted\",\"by\":\"bob\"}");
	ck_assert_msg(wait_output(true, "[ipmux: bob took write access; you "
	    "are now read-only]"), "[%s]", R.err);
	type_in("dropped");
	type_in("\x05" "c.");
	json_object_put(srv_expect(PROTO_DETACH, NULL));
	expect_exit(0);
	ck_assert_ptr_nonnull(strstr(R.err, "read-only, input dropped"));
	ck_assert_ptr_null(strstr(R.out, "dropped"));
}
END_TEST

START_TEST(test_attach_refused)
{
	const char *args[] = { "attach", "nodeX", "--ro", NULL };
	struct json_object *o, *v;

	run_start(args);
	srv_hello();
	o = srv_expect(PROTO_ATTACH, NULL);
	ck_assert(json_object_object_get_ex(o, "mode", &v));
	ck_assert_str_eq(json_object_get_string(v), "ro");
	json_object_put(o);
	srv_send(PROTO_ERROR, "{\"error\":\"no such console: nodeX\"}");
	expect_exit(1);
	ck_assert_str_eq(R.err, "ipmux: nodeX: no such console: nodeX\n");
}
END_TEST

START_TEST(test_attach_daemon_ends)
{
	const char *args[] = { "attach", "node1", "-e", "^]", "--replay",
	    "2k", NULL };
	struct json_object *o, *v;

	run_start(args);
	srv_hello();
	o = srv_expect(PROTO_ATTACH, NULL);
	ck_assert(json_object_object_get_ex(o, "replay", &v));
	ck_assert_int_eq(json_object_get_int(v), 2048);
	json_object_put(o);
	srv_send(PROTO_ATTACH_OK, "{\"console\":\"node1\",\"mode\":\"ro\","
	    "\"writer\":\"bob\",\"state\":\"active\"}");
	/* The other prefix: ^] c r asks for a replay of --replay bytes. */
	type_in("\x1d" "cr");
	o = srv_expect(PROTO_REPLAY, NULL);
	ck_assert(json_object_object_get_ex(o, "bytes", &v));
	ck_assert_int_eq(json_object_get_int(v), 2048);
	json_object_put(o);
	srv_send(PROTO_DATA, "scrollback");
	srv_send(PROTO_DETACHED, "{\"reason\":\"console removed\"}");
	expect_exit(3);
	ck_assert_str_eq(R.out, "scrollback");
	ck_assert_ptr_nonnull(strstr(R.err, "console removed"));
}
END_TEST

/* With a terminal on stdin: raw while attached, restored however the
 * attachment ends (here: the daemon ends it, or a SIGTERM). */
static void
tty_case(bool by_signal)
{
	const char *args[] = { "attach", "node1", NULL };
	struct termios before, during, after;
	int m, s;

	m = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(m, 0);
	ck_assert_int_eq(grantpt(m), 0);
	ck_assert_int_eq(unlockpt(m), 0);
	s = open(ptsname(m), O_RDWR | O_NOCTTY);
	ck_assert_int_ge(s, 0);
	ck_assert_int_eq(tcgetattr(s, &before), 0);
	ck_assert(before.c_lflag & ICANON);
	run_start_tty(args, s);
	srv_hello();
	json_object_put(srv_expect(PROTO_ATTACH, NULL));
	srv_send(PROTO_ATTACH_OK, "{\"console\":\"node1\",\"mode\":\"rw\","
	    "\"writer\":\"alice\",\"state\":\"active\"}");
	ck_assert(wait_output(true, "attached to node1"));
	ck_assert_int_eq(tcgetattr(s, &during), 0);
	ck_assert(!(during.c_lflag & (ICANON | ECHO)));
	/* Keystrokes from the terminal reach the console. */
	ck_assert_int_eq(write(m, "q", 1), 1);
	expect_input("q");
	if (by_signal) {
		kill(R.pid, SIGTERM);
		json_object_put(srv_expect(PROTO_DETACH, NULL));
		expect_exit(128 + SIGTERM);
	} else {
		srv_send(PROTO_DETACHED, "{\"reason\":\"daemon stopping\"}");
		expect_exit(3);
	}
	ck_assert_int_eq(tcgetattr(s, &after), 0);
	ck_assert_uint_eq(after.c_lflag, before.c_lflag);
	ck_assert_uint_eq(after.c_iflag, before.c_iflag);
	ck_assert_uint_eq(after.c_oflag, before.c_oflag);
	ck_assert_uint_eq(after.c_cflag, before.c_cflag);
	close(s);
	close(m);
}

START_TEST(test_attach_tty_restored)
{
	tty_case(false);
}
END_TEST

START_TEST(test_attach_tty_restored_signal)
{
	tty_case(true);
}
END_TEST

/* ---- management commands (power, identify, bootdev, sensors, sel, fru,
 * health) against the fake daemon ---- */

/* Forget the last run's output and connection, for the next one. */
static void
run_reset(void)
{
	protoio_rd_free(R.rd);
	R.rd = NULL;
	if (R.conn >= 0)
		close(R.conn);
	R.conn = -1;
	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
}

static const char *
js(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && v != NULL ?
	    json_object_get_string(v) : "";
}

/* n PROTO_MGMT requests, all read before any reply is sent: a CLI that
 * waited for each reply before the next request would fail here. */
static void
srv_mgmt_reqs(struct json_object **req, size_t n, const char *op)
{
	size_t i;

	for (i = 0; i < n; i++) {
		req[i] = srv_expect(PROTO_MGMT, NULL);
		ck_assert_ptr_nonnull(req[i]);
		ck_assert_str_eq(js(req[i], "op"), op);
	}
}

static void
put_reqs(struct json_object **req, size_t n)
{
	while (n-- > 0)
		json_object_put(req[n]);
}

/* The CLI's stdout as a JSON array of n elements (caller puts it). */
static struct json_object *
out_array(size_t n)
{
	struct json_object *a = json_tokener_parse(R.out);

	ck_assert_msg(a != NULL && json_object_is_type(a, json_type_array),
	    "not a JSON array: [%s]", R.out);
	ck_assert_uint_eq(json_object_array_length(a), n);
	return a;
}

START_TEST(test_mgmt_usage)
{
	static const char *const bad[][6] = {
		{ "bootdev", "node1", NULL },
		{ "bootdev", "node1", "floppy", NULL },
		{ "bootdev", "node1", "pxe", "--once", "--persistent", NULL },
		{ "sensors", NULL },
		{ "sensors", "node1", "--clear", NULL },
		{ "sel", "node1", "--efi", NULL },
		{ "fru", "node1", "--yes", NULL },
		{ "power", "node1", "explode", NULL },
		{ "power", "on", NULL },
		{ "identify", "node1", "300", NULL },
		{ "health", "--frobnicate", NULL },
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		run_reset();
		run_start(bad[i]);
		expect_exit(2);
		ck_assert_msg(strstr(R.err, "usage:") != NULL, "%s: [%s]",
		    bad[i][0], R.err);
		/* The usage line names the command. */
		ck_assert_ptr_nonnull(strstr(R.err, bad[i][0]));
	}
}
END_TEST

START_TEST(test_power_glob_parallel)
{
	const char *args[] = { "power", "node*", "status", "--json", NULL };
	struct json_object *req[2], *a, *e;

	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	srv_mgmt_reqs(req, 2, "power");
	ck_assert_str_eq(js(req[0], "console"), "node1");
	ck_assert_str_eq(js(req[1], "console"), "node2");
	ck_assert_str_eq(js(req[0], "action"), "status");
	put_reqs(req, 2);
	/* Out of order, and a reply for another op on node1 that must not
	 * be taken for the power answer (matched by console and op). */
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[]}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"power\","
	    "\"ok\":true,\"power\":\"off\"}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"power\","
	    "\"ok\":true,\"power\":\"on\"}");
	expect_exit(0);
	a = out_array(2);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(js(e, "name"), "node1");
	ck_assert_str_eq(js(e, "power"), "on");
	e = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(js(e, "name"), "node2");
	ck_assert_str_eq(js(e, "power"), "off");
	json_object_put(a);
	ck_assert_str_eq(R.err, "");
}
END_TEST

START_TEST(test_power_partial_failure)
{
	const char *args[] = { "power", "node1", "node2", "status", NULL };
	const char *a2[] = { "power", "nodeX*", "status", NULL };
	struct json_object *req[2];

	run_start(args);
	srv_hello();
	srv_mgmt_reqs(req, 2, "power");
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"power\","
	    "\"ok\":false,\"error\":\"BMC did not answer\"}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"power\","
	    "\"ok\":true,\"power\":\"on\"}");
	expect_exit(1);
	ck_assert_str_eq(R.out, "node1: on\n");
	ck_assert_str_eq(R.err, "ipmux: node2: BMC did not answer\n");

	/* A glob that matches nothing is an error of its own. */
	run_reset();
	run_start(a2);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	expect_exit(1);
	ck_assert_str_eq(R.err, "ipmux: nodeX*: no console matches\n");
}
END_TEST

/* Without a terminal and without --yes the CLI asks nothing and sends
 * nothing: the connection ends after the hello. */
static void
expect_refusal(const char *const *args, const char *what)
{
	struct proto_msg m;
	char err[128];

	run_reset();
	run_start(args);
	srv_hello();
	expect_exit(1);
	ck_assert_msg(strstr(R.err, what) && strstr(R.err, "--yes"), "[%s]",
	    R.err);
	ck_assert_int_eq(protoio_recv(R.rd, WAIT_MS, &m, err, sizeof(err)), 0);
}

START_TEST(test_confirm_refused)
{
	const char *a1[] = { "power", "node1", "node2", "off", NULL };
	const char *a2[] = { "sel", "node1", "node2", "--clear", NULL };
	const char *a3[] = { "sel", "node1", "node2", "--clear", "--yes",
	    "--json", NULL };
	struct json_object *req[2], *a;

	expect_refusal(a1, "power off on 2 consoles");
	expect_refusal(a2, "sel --clear on 2 consoles");
	run_reset();
	run_start(a3);
	srv_hello();
	srv_mgmt_reqs(req, 2, "sel");
	ck_assert(json_object_get_boolean(json_object_object_get(req[0],
	    "clear")));
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[]}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"sel\","
	    "\"ok\":false,\"error\":\"permission denied\"}");
	expect_exit(1);
	a = out_array(2);
	ck_assert(json_object_get_boolean(json_object_object_get(
	    json_object_array_get_idx(a, 0), "ok")));
	ck_assert_str_eq(js(json_object_array_get_idx(a, 1), "error"),
	    "permission denied");
	json_object_put(a);
	ck_assert_str_eq(R.err, "ipmux: node2: permission denied\n");
}
END_TEST

START_TEST(test_bootdev_identify)
{
	const char *a1[] = { "bootdev", "node1", "pxe", "--persistent",
	    "--efi", NULL };
	const char *a2[] = { "bootdev", "--json", "node1", "disk", NULL };
	const char *a3[] = { "identify", "node1", "42", NULL };
	struct json_object *req, *a;

	run_start(a1);
	srv_hello();
	srv_mgmt_reqs(&req, 1, "bootdev");
	ck_assert_str_eq(js(req, "device"), "pxe");
	ck_assert(json_object_get_boolean(json_object_object_get(req,
	    "persistent")));
	ck_assert(json_object_get_boolean(json_object_object_get(req, "efi")));
	json_object_put(req);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"bootdev\","
	    "\"ok\":true}");
	expect_exit(0);
	ck_assert_str_eq(R.out, "node1: ok\n");

	run_reset();
	run_start(a2);
	srv_hello();
	srv_mgmt_reqs(&req, 1, "bootdev");
	ck_assert_str_eq(js(req, "device"), "disk");
	/* --once is the default. */
	ck_assert(json_object_object_get_ex(req, "persistent", NULL));
	ck_assert(!json_object_get_boolean(json_object_object_get(req,
	    "persistent")));
	json_object_put(req);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"bootdev\","
	    "\"ok\":false,\"error\":\"boot options not supported\"}");
	expect_exit(1);
	a = out_array(1);
	ck_assert_str_eq(js(json_object_array_get_idx(a, 0), "name"), "node1");
	ck_assert_str_eq(js(json_object_array_get_idx(a, 0), "error"),
	    "boot options not supported");
	json_object_put(a);

	run_reset();
	run_start(a3);
	srv_hello();
	srv_mgmt_reqs(&req, 1, "identify");
	ck_assert_str_eq(js(req, "action"), "");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(req,
	    "seconds")), 42);
	json_object_put(req);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"identify\","
	    "\"ok\":true}");
	expect_exit(0);
}
END_TEST

static const char SENSORS_1[] = "{\"console\":\"node1\",\"op\":\"sensors\","
	"\"ok\":true,\"time\":1764089048,\"sensors\":["
	"{\"name\":\"CPU Temp\",\"number\":1,\"type\":\"Temperature\","
	"\"value\":39,\"unit\":\"degrees C\",\"status\":\"ok\","
	"\"reading\":\"39\",\"states\":[]},"
	"{\"name\":\"PSU1 Status\",\"number\":81,\"type\":\"Power Supply\","
	"\"value\":null,\"unit\":\"\",\"status\":\"ok\",\"reading\":"
	"\"0x01\",\"states\":[\"Presence detected\"]}]}";
static const char SENSORS_2[] = "{\"console\":\"node2\",\"op\":\"sensors\","
	"\"ok\":true,\"time\":1764089048,\"sensors\":["
	"{\"name\":\"Inlet Temp\",\"number\":2,\"type\":\"Temperature\","
	"\"value\":13.4,\"unit\":\"degrees C\",\"status\":\"nc\","
	"\"reading\":\"13.40\",\"states\":[\"Upper Non-critical\"]}]}";

START_TEST(test_sensors)
{
	const char *a1[] = { "sensors", "node*", "--json", "--cached", NULL };
	const char *a2[] = { "sensors", "node1", "node2", NULL };
	struct json_object *req[2], *a, *e;

	run_start(a1);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	srv_mgmt_reqs(req, 2, "sensors");
	ck_assert(json_object_get_boolean(json_object_object_get(req[1],
	    "cached")));
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, SENSORS_2);
	srv_send(PROTO_MGMT_REPLY, SENSORS_1);
	expect_exit(0);
	/* One flat array, target order, each with the fixed keys. */
	a = out_array(3);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(js(e, "console"), "node1");
	ck_assert_str_eq(js(e, "name"), "CPU Temp");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(e,
	    "value")), 39);
	ck_assert_str_eq(js(e, "unit"), "degrees C");
	ck_assert_str_eq(js(e, "status"), "ok");
	e = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(js(e, "name"), "PSU1 Status");
	ck_assert(json_object_object_get_ex(e, "value", NULL));
	ck_assert_ptr_null(json_object_object_get(e, "value"));
	ck_assert(json_object_object_get_ex(e, "states", NULL));
	e = json_object_array_get_idx(a, 2);
	ck_assert_str_eq(js(e, "console"), "node2");
	ck_assert(json_object_get_double(json_object_object_get(e, "value"))
	    == 13.4);
	json_object_put(a);

	/* Text as "ipmitool sdr list" has it, a header per console. */
	run_reset();
	run_start(a2);
	srv_hello();
	srv_mgmt_reqs(req, 2, "sensors");
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, SENSORS_1);
	srv_send(PROTO_MGMT_REPLY, SENSORS_2);
	expect_exit(0);
	ck_assert_str_eq(R.out, "node1:\n"
	    "CPU Temp         | 39 degrees C      | ok\n"
	    "PSU1 Status      | 0x01              | ok\n"
	    "\nnode2:\n"
	    "Inlet Temp       | 13.40 degrees C   | nc\n");
}
END_TEST

#define SEL_E1 "{\"id\":1,\"time\":\"11/25/2026 16:44:08\"," \
	"\"timestamp\":1764089048,\"sensor\":\"Temperature #0x01\"," \
	"\"sensor_name\":\"CPU Temp\",\"event\":\"Upper Non-critical " \
	"going high\",\"direction\":\"Asserted\",\"detail\":\"\"," \
	"\"raw\":\"0100029812266920000401015751ff00\"}"
#define SEL_E2 "{\"id\":26,\"time\":\"11/25/2026 16:45:00\"," \
	"\"timestamp\":1764089100,\"sensor\":\"Temperature #0x01\"," \
	"\"sensor_name\":\"CPU Temp\",\"event\":\"Upper Critical going " \
	"high\",\"direction\":\"Deasserted\",\"detail\":\"\"," \
	"\"raw\":\"1a00029812266920000401015751ff00\"}"

START_TEST(test_sel)
{
	const char *a1[] = { "sel", "node1", NULL };
	const char *a2[] = { "sel", "node1", "node2", "--json", NULL };
	struct json_object *req[2], *a, *e;

	run_start(a1);
	srv_hello();
	srv_mgmt_reqs(req, 1, "sel");
	ck_assert(!json_object_get_boolean(json_object_object_get(req[0],
	    "clear")));
	ck_assert(!json_object_get_boolean(json_object_object_get(req[0],
	    "follow")));
	put_reqs(req, 1);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[" SEL_E1 "," SEL_E2 "]}");
	expect_exit(0);
	/* ipmitool "sel list": the id in hex, 4 wide. */
	ck_assert_str_eq(R.out, "   1 | 11/25/2026 | 16:44:08 | "
	    "Temperature #0x01 | Upper Non-critical going high | Asserted\n"
	    "  1a | 11/25/2026 | 16:45:00 | Temperature #0x01 | "
	    "Upper Critical going high | Deasserted\n");

	run_reset();
	run_start(a2);
	srv_hello();
	srv_mgmt_reqs(req, 2, "sel");
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[" SEL_E2 "]}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[" SEL_E1 "]}");
	expect_exit(0);
	a = out_array(2);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(js(e, "console"), "node1");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(e, "id")),
	    1);
	ck_assert_str_eq(js(e, "time"), "11/25/2026 16:44:08");
	ck_assert_str_eq(js(e, "sensor"), "Temperature #0x01");
	ck_assert_str_eq(js(e, "event"), "Upper Non-critical going high");
	ck_assert_str_eq(js(e, "direction"), "Asserted");
	e = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(js(e, "console"), "node2");
	ck_assert_int_eq(json_object_get_int(json_object_object_get(e, "id")),
	    26);
	json_object_put(a);
}
END_TEST

START_TEST(test_sel_follow)
{
	const char *a1[] = { "sel", "node1", "node2", "--follow", NULL };
	const char *a2[] = { "sel", "node1", "--follow", "--json", NULL };
	struct json_object *req[2], *o;
	char *nl;

	run_start(a1);
	srv_hello();
	srv_mgmt_reqs(req, 2, "sel");
	ck_assert(json_object_get_boolean(json_object_object_get(req[0],
	    "follow")));
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[" SEL_E1 "]}");
	/* An event for node1 before node2's reply: shown after the list. */
	srv_send(PROTO_EVENT, "{\"event\":\"sel\",\"console\":\"node1\","
	    "\"entry\":" SEL_E2 "}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[]}");
	ck_assert_msg(wait_output(false, "node1:    1 | 11/25/2026 | 16:44:08"
	    " | Temperature #0x01 | Upper Non-critical going high | Asserted\n"
	    "node1:   1a | "), "[%s]", R.out);
	/* Still following: a new entry of node2 arrives and is printed. */
	srv_send(PROTO_EVENT, "{\"event\":\"state\",\"console\":\"node2\"}");
	srv_send(PROTO_EVENT, "{\"event\":\"sel\",\"console\":\"node2\","
	    "\"entry\":" SEL_E1 "}");
	ck_assert_msg(wait_output(false, "node2:    1 | 11/25/2026"), "[%s]",
	    R.out);
	ck_assert_int_eq(waitpid(R.pid, NULL, WNOHANG), 0);
	/* The daemon going away ends it; the targets had succeeded. */
	close(R.conn);
	R.conn = -1;
	expect_exit(0);
	ck_assert_ptr_nonnull(strstr(R.err, "closed the connection"));

	/* --json: JSON lines, the current entries then the new one. */
	run_reset();
	run_start(a2);
	srv_hello();
	srv_mgmt_reqs(req, 1, "sel");
	put_reqs(req, 1);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"sel\","
	    "\"ok\":true,\"entries\":[" SEL_E1 "]}");
	srv_send(PROTO_EVENT, "{\"event\":\"sel\",\"console\":\"node1\","
	    "\"entry\":" SEL_E2 "}");
	ck_assert_msg(wait_output(false, "\"Deasserted\""), "[%s]", R.out);
	ck_assert_msg(wait_output(false, "}\n"), "[%s]", R.out);
	nl = strchr(R.out, '\n');
	ck_assert_ptr_nonnull(nl);
	*nl = '\0';
	o = json_tokener_parse(R.out);
	ck_assert_msg(o != NULL, "line 1 not JSON: [%s]", R.out);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "id")),
	    1);
	ck_assert_str_eq(js(o, "console"), "node1");
	json_object_put(o);
	o = json_tokener_parse(nl + 1);
	ck_assert_msg(o != NULL, "line 2 not JSON: [%s]", nl + 1);
	ck_assert_int_eq(json_object_get_int(json_object_object_get(o, "id")),
	    26);
	json_object_put(o);
	kill(R.pid, SIGINT);
}
END_TEST

START_TEST(test_fru)
{
	const char *a1[] = { "fru", "node1", NULL };
	const char *a2[] = { "fru", "node1", "--json", NULL };
	const char *reply = "{\"console\":\"node1\",\"op\":\"fru\",\"ok\":true,"
	    "\"fru\":{\"chassis_type\":\"Rack Mount Chassis\","
	    "\"chassis_part\":\"SIM-CH-2U\",\"board_mfg_time\":1705305600,"
	    "\"board_mfr\":\"ipmux Labs\",\"board_product\":\"SIM-X1 "
	    "Mainboard\",\"board_serial\":\"SIMB00000000\",\"board_part\":"
	    "\"SIM-MB-0001\",\"product_mfr\":\"ipmux Labs\",\"product_name\":"
	    "\"SIM-X1 Server\"},\"errors\":[]}";
	struct json_object *req, *a, *e;

	run_start(a1);
	srv_hello();
	srv_mgmt_reqs(&req, 1, "fru");
	json_object_put(req);
	srv_send(PROTO_MGMT_REPLY, reply);
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "FRU Device Description : Builtin FRU Device (ID 0)\n"
	    " Chassis Type          : Rack Mount Chassis\n"
	    " Chassis Part Number   : SIM-CH-2U\n"
	    " Board Mfg Date        : Mon Jan 15 08:00:00 2024 UTC\n"
	    " Board Mfg             : ipmux Labs\n"
	    " Board Product         : SIM-X1 Mainboard\n"
	    " Board Serial          : SIMB00000000\n"
	    " Board Part Number     : SIM-MB-0001\n"
	    " Product Manufacturer  : ipmux Labs\n"
	    " Product Name          : SIM-X1 Server\n");

	run_reset();
	run_start(a2);
	srv_hello();
	srv_mgmt_reqs(&req, 1, "fru");
	json_object_put(req);
	srv_send(PROTO_MGMT_REPLY, reply);
	expect_exit(0);
	a = out_array(1);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(js(e, "name"), "node1");
	ck_assert_str_eq(js(e, "board_serial"), "SIMB00000000");
	ck_assert_int_eq(json_object_get_int64(json_object_object_get(e,
	    "board_mfg_time")), 1705305600);
	ck_assert(json_object_object_get_ex(e, "errors", NULL));
	json_object_put(a);
}
END_TEST

START_TEST(test_health)
{
	const char *a1[] = { "health", "rack1", NULL };
	const char *a2[] = { "health", "--json", NULL };
	struct json_object *req[2], *a, *e;
	const char *l2;

	/* A group name selects its consoles. */
	run_start(a1);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	srv_mgmt_reqs(req, 1, "health");
	ck_assert_str_eq(js(req[0], "console"), "node1");
	put_reqs(req, 1);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"health\","
	    "\"ok\":true,\"state\":\"active\",\"power\":\"on\",\"worst\":"
	    "\"nc\",\"worst_sensor\":\"CPU Temp\",\"sensors_time\":1764089048,"
	    "\"sel_count\":2,\"sel_last\":" SEL_E2 "}");
	expect_exit(0);
	ck_assert_msg(strncmp(R.out, "NAME   STATE   POWER  SENSORS        "
	    "LAST SEL\n", 45) == 0, "[%s]", R.out);
	l2 = strchr(R.out, '\n') + 1;
	ck_assert_str_eq(l2, "node1  active  on     nc (CPU Temp)  "
	    "11/25/2026 16:45:00 | Temperature #0x01 | Upper Critical going "
	    "high | Deasserted\n");

	/* No argument: every console; JSON with the daemon's keys. */
	run_reset();
	run_start(a2);
	srv_hello();
	json_object_put(srv_expect(PROTO_LIST, NULL));
	srv_send(PROTO_LIST_REPLY, LIST_REPLY);
	srv_mgmt_reqs(req, 2, "health");
	put_reqs(req, 2);
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node2\",\"op\":\"health\","
	    "\"ok\":true,\"state\":\"failed\",\"power\":null,\"worst\":"
	    "\"unknown\",\"worst_sensor\":null,\"sensors_time\":0,"
	    "\"sel_count\":0,\"sel_last\":null}");
	srv_send(PROTO_MGMT_REPLY, "{\"console\":\"node1\",\"op\":\"health\","
	    "\"ok\":true,\"state\":\"active\",\"power\":\"on\",\"worst\":"
	    "\"ok\",\"worst_sensor\":null,\"sensors_time\":1764089048,"
	    "\"sel_count\":0,\"sel_last\":null}");
	expect_exit(0);
	a = out_array(2);
	e = json_object_array_get_idx(a, 1);
	ck_assert_str_eq(js(e, "name"), "node2");
	ck_assert_str_eq(js(e, "state"), "failed");
	ck_assert(json_object_object_get_ex(e, "power", NULL));
	ck_assert(json_object_object_get_ex(e, "sel_last", NULL));
	ck_assert_ptr_null(json_object_object_get(e, "console"));
	json_object_put(a);
}
END_TEST

START_TEST(test_attach_sel_event)
{
	const char *args[] = { "attach", "node1", NULL };

	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_ATTACH, NULL));
	srv_send(PROTO_ATTACH_OK, "{\"console\":\"node1\",\"mode\":\"rw\","
	    "\"writer\":\"alice\",\"state\":\"active\"}");
	srv_send(PROTO_EVENT, "{\"event\":\"sel\",\"console\":\"node1\","
	    "\"entry\":" SEL_E1 "}");
	ck_assert_msg(wait_output(true, "[ipmux: SEL 11/25/2026 16:44:08: "
	    "Temperature #0x01 | Upper Non-critical going high | Asserted]\n"),
	    "[%s]", R.err);
	srv_send(PROTO_DETACHED, "{\"reason\":\"daemon stopping\"}");
	expect_exit(3);
	ck_assert_str_eq(R.out, "");
}
END_TEST

/* ---- ipmux log over a temp dir ---- */

static void
put_file(const char *name, const char *text, time_t mtime)
{
	char path[256];
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", R.dir, name);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	ck_assert_uint_eq(fwrite(text, 1, strlen(text), f), strlen(text));
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
put_gz(const char *name, const char *text, time_t mtime)
{
	char path[256];
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	gzFile g;

	snprintf(path, sizeof(path), "%s/%s", R.dir, name);
	ck_assert_ptr_nonnull(g = gzopen(path, "wb"));
	ck_assert_int_eq(gzwrite(g, text, (unsigned)strlen(text)),
	    (int)strlen(text));
	ck_assert_int_eq(gzclose(g), Z_OK);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

static void
put_zst(const char *name, const char *text, time_t mtime)
{
	char buf[4096], path[256];
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	size_t n = ZSTD_compress(buf, sizeof(buf), text, strlen(text), 3);
	int fd;

	ck_assert(!ZSTD_isError(n));
	snprintf(path, sizeof(path), "%s/%s", R.dir, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, n), (ssize_t)n);
	close(fd);
	ck_assert_int_eq(utimensat(AT_FDCWD, path, ts, 0), 0);
}

#define MARK7 "[ipmux 2026-01-01T00:00:07Z attach alice rw]"

/* 2026-01-01T00:00:00Z */
#define T0 1767225600

static void
stamped_archive(void)
{
	put_gz("n1.log.3.gz",
	    "2026-01-01T00:00:01Z boot\n"
	    "2026-01-01T00:00:02Z ERR1\n", T0 + 2);
	put_zst("n1.log.2.zst",
	    "2026-01-01T00:00:03Z three\n"
	    "2026-01-01T00:00:04Z ERR2\n", T0 + 4);
	/* A leftover half-compressed file next to its plain original. */
	put_file("n1.log.1.zst", "garbage", T0 + 6);
	put_file("n1.log.1",
	    "2026-01-01T00:00:05Z five\n"
	    "2026-01-01T00:00:06Z six\n", T0 + 6);
	put_file("n1.log",
	    "2026-01-01T00:00:07Z " MARK7 "\n"
	    "2026-01-01T00:00:08Z ERR3\n"
	    "2026-01-01T00:00:09Z nine", T0 + 9);
	put_file("n10.log", "other console\n", T0 + 9);
	put_file("n1.logx", "not ours\n", T0 + 9);
}

static void
run_log(const char *a, const char *b, const char *c, const char *d)
{
	const char *args[] = { "log", "n1", "--logdir", R.dir, a, b, c, d,
	    NULL };

	R.outlen = R.errlen = 0;
	R.out[0] = R.err[0] = '\0';
	run_start(args);
}

START_TEST(test_log_all)
{
	stamped_archive();
	run_log(NULL, NULL, NULL, NULL);
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "2026-01-01T00:00:01Z boot\n"
	    "2026-01-01T00:00:02Z ERR1\n"
	    "2026-01-01T00:00:03Z three\n"
	    "2026-01-01T00:00:04Z ERR2\n"
	    "2026-01-01T00:00:05Z five\n"
	    "2026-01-01T00:00:06Z six\n"
	    "2026-01-01T00:00:07Z " MARK7 "\n"
	    "2026-01-01T00:00:08Z ERR3\n"
	    "2026-01-01T00:00:09Z nine");
	ck_assert_str_eq(R.err, "");
}
END_TEST

START_TEST(test_log_grep)
{
	stamped_archive();
	run_log("--grep", "ERR[0-9]$", NULL, NULL);
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "2026-01-01T00:00:02Z ERR1\n"
	    "2026-01-01T00:00:04Z ERR2\n"
	    "2026-01-01T00:00:08Z ERR3\n");
	run_log("--grep", "(", NULL, NULL);
	expect_exit(2);
}
END_TEST

START_TEST(test_log_since_until)
{
	stamped_archive();
	run_log("--since", "2026-01-01T00:00:04Z", "--until",
	    "2026-01-01T00:00:07Z");
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "2026-01-01T00:00:04Z ERR2\n"
	    "2026-01-01T00:00:05Z five\n"
	    "2026-01-01T00:00:06Z six\n"
	    "2026-01-01T00:00:07Z " MARK7 "\n");
	/* Combined with --grep, and an offset zone. */
	run_log("--since", "2026-01-01T01:00:03+01:00", "--grep", "ERR");
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "2026-01-01T00:00:04Z ERR2\n"
	    "2026-01-01T00:00:08Z ERR3\n");
	run_log("--since", "yesterday-ish", NULL, NULL);
	expect_exit(2);
}
END_TEST

/* Without line stamps, markers give the times. */
START_TEST(test_log_markers)
{
	put_gz("n1.log.1.gz",
	    "[ipmux 2026-01-01T00:00:00Z session up (suite 3)]\n"
	    "old a\nold b\n", T0 + 100);
	put_file("n1.log",
	    "before marker\n"
	    "[ipmux 2026-01-01T00:10:00Z session lost: BMC timeout]\n"
	    "[ipmux 2026-01-01T00:20:00Z session up (suite 17)]\n"
	    "late a\nlate b\n", T0 + 1300);
	run_log("--since", "@1767226800", NULL, NULL);	/* 00:20:00 */
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "[ipmux 2026-01-01T00:20:00Z session up (suite 17)]\n"
	    "late a\nlate b\n");
	/* Lines before the live file's first marker take the rotated
	 * file's mtime (00:01:40). */
	run_log("--since", "2026-01-01T00:01:00Z", "--until",
	    "2026-01-01T00:05:00Z");
	expect_exit(0);
	ck_assert_str_eq(R.out, "before marker\n");
	run_log("--until", "2026-01-01T00:00:30Z", NULL, NULL);
	expect_exit(0);
	ck_assert_str_eq(R.out,
	    "[ipmux 2026-01-01T00:00:00Z session up (suite 3)]\n"
	    "old a\nold b\n");
}
END_TEST

START_TEST(test_log_missing)
{
	run_log(NULL, NULL, NULL, NULL);
	expect_exit(1);
	ck_assert_ptr_nonnull(strstr(R.err, "no log for n1"));
}
END_TEST

/* Without --logdir the directory comes from the daemon's status. */
START_TEST(test_log_dir_from_status)
{
	const char *args[] = { "log", "n1", NULL };
	char reply[256];

	put_file("n1.log", "from the daemon's logdir\n", T0);
	run_start(args);
	srv_hello();
	json_object_put(srv_expect(PROTO_STATUS, NULL));
	snprintf(reply, sizeof(reply), "{\"logdir\":\"%s\"}", R.dir);
	srv_send(PROTO_STATUS_REPLY, reply);
	expect_exit(0);
	ck_assert_str_eq(R.out, "from the daemon's logdir\n");
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("daemon");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_list_json);
	tcase_add_test(tc, test_list_table);
	tcase_add_test(tc, test_error_reply);
	tcase_add_test(tc, test_wrong_version);
	tcase_add_test(tc, test_no_daemon);
	tcase_add_test(tc, test_usage);
	tcase_add_test(tc, test_status_reload_metrics);
	tcase_add_test(tc, test_tail);
	tcase_add_test(tc, test_attach);
	tcase_add_test(tc, test_attach_refused);
	tcase_add_test(tc, test_attach_daemon_ends);
	tcase_add_test(tc, test_attach_tty_restored);
	tcase_add_test(tc, test_attach_tty_restored_signal);
	tcase_add_test(tc, test_attach_sel_event);
	suite_add_tcase(s, tc);
	tc = tcase_create("mgmt");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_mgmt_usage);
	tcase_add_test(tc, test_power_glob_parallel);
	tcase_add_test(tc, test_power_partial_failure);
	tcase_add_test(tc, test_confirm_refused);
	tcase_add_test(tc, test_bootdev_identify);
	tcase_add_test(tc, test_sensors);
	tcase_add_test(tc, test_sel);
	tcase_add_test(tc, test_sel_follow);
	tcase_add_test(tc, test_fru);
	tcase_add_test(tc, test_health);
	suite_add_tcase(s, tc);
	tc = tcase_create("log");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_log_all);
	tcase_add_test(tc, test_log_grep);
	tcase_add_test(tc, test_log_since_until);
	tcase_add_test(tc, test_log_markers);
	tcase_add_test(tc, test_log_missing);
	tcase_add_test(tc, test_log_dir_from_status);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(cli_suite)
