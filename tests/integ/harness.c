/* harness.c — integration-test scaffolding: temp dirs, ports, ipmi_sim + hostsim, client processes, deadline waits. */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"

/* How often waits look at their condition; also the pipe poll timeout. */
#define HARNESS_TICK_MS 10
#define HARNESS_MAX_POLL 128

struct harness_proc {
	struct harness *h;
	struct harness_proc *next;
	char name[64];
	pid_t pid;
	int in_fd, out_fd, err_fd;	/* our pipe ends, -1 when closed */
	int out_log, err_log;		/* copies in the temp dir */
	struct harness_buf out, err;
	bool exited;
	int status;			/* exit code or 128 + signal */
};

struct harness {
	struct harness *next_live;
	char *dir;
	char **paths;
	size_t npaths;
	struct harness_proc *procs;
	struct harness_proc *bmc, *hostsim;
	int bmc_port, hs_port, ctl_port;
	unsigned int history;
	bool telnet, conf_written;
	const char *emu, *conf_extra;	/* NULL: the defaults */
	int seq;			/* names for password files and runs */
	char reply[512];
};

/* Every harness alive in this process; waits pump all of their children. */
static struct harness *harness_live;

int64_t
harness_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*
 * $IPMUX_BUILD, else the build dir this test binary lives in
 * (BUILD/tests/integ/NAME), so `make asan-check` tests its own build,
 * else "build".
 */
const char *
harness_build_dir(void)
{
	static char dir[4096];
	const char *b = getenv("IPMUX_BUILD");
	char *cut = NULL, *q;
	ssize_t n;

	if (b != NULL && *b != '\0')
		return b;
	if (dir[0] != '\0')
		return dir;
	n = readlink("/proc/self/exe", dir, sizeof(dir) - 1);
	if (n > 0) {
		dir[n] = '\0';
		for (q = dir; (q = strstr(q, "/tests/integ/")) != NULL; q++)
			cut = q;
		if (cut != NULL && strchr(cut + 13, '/') == NULL) {
			*cut = '\0';
			return dir;
		}
	}
	snprintf(dir, sizeof(dir), "build");
	return dir;
}

static bool
harness_in_path(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];

	if (path == NULL)
		path = "/usr/bin:/bin";
	while (*path != '\0') {
		size_t n = strcspn(path, ":");

		snprintf(buf, sizeof(buf), "%.*s/%s", (int)n, path, prog);
		if (access(buf, X_OK) == 0)
			return true;
		path += n;
		if (*path == ':')
			path++;
	}
	return false;
}

bool
harness_skip_without(const char *prog, const char *package)
{
	const char *ci = getenv("CI");

	if (harness_in_path(prog))
		return false;
	if (ci != NULL && *ci != '\0')
		ck_abort_msg("%s is not installed and CI is set: a missing peer "
		    "is a failure (apt-get install %s)", prog, package);
	fprintf(stderr, "SKIP: %s not installed (apt-get install %s); this "
	    "test did nothing\n", prog, package);
	return true;
}

bool
harness_skip_without_ipmisim(void)
{
	return harness_skip_without("ipmi_sim", "openipmi");
}

void
harness_buf_add(struct harness_buf *b, const void *p, size_t len)
{
	if (b->len + len + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		unsigned char *np;

		while (cap < b->len + len + 1)
			cap *= 2;
		np = realloc(b->p, cap);
		ck_assert_msg(np != NULL, "out of memory");
		b->p = np;
		b->cap = cap;
	}
	if (len > 0)
		memcpy(b->p + b->len, p, len);
	b->len += len;
	b->p[b->len] = '\0';
}

static void
write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (fd >= 0 && len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c += n;
		len -= (size_t)n;
	}
}

struct harness *
harness_new(const char *test_name)
{
	struct harness *h = calloc(1, sizeof(*h));
	const char *tmp = getenv("TMPDIR");
	char tmpl[4096];

	ck_assert_msg(h != NULL, "out of memory");
	/* a child that died must not kill us when we write its stdin */
	signal(SIGPIPE, SIG_IGN);
	snprintf(tmpl, sizeof(tmpl), "%s/ipmux-%s-XXXXXX",
	    tmp != NULL && *tmp != '\0' ? tmp : "/tmp", test_name);
	ck_assert_msg(mkdtemp(tmpl) != NULL, "mkdtemp %s: %s", tmpl,
	    strerror(errno));
	h->dir = strdup(tmpl);
	h->bmc_port = h->hs_port = h->ctl_port = -1;
	h->next_live = harness_live;
	harness_live = h;
	fprintf(stderr, "harness: %s in %s\n", test_name, h->dir);
	return h;
}

const char *
harness_dir(const struct harness *h)
{
	return h->dir;
}

/* Keep a malloc'd string until harness_free. */
static const char *
harness_own(struct harness *h, char *p)
{
	char **np;

	ck_assert_msg(p != NULL, "out of memory");
	np = realloc(h->paths, (h->npaths + 1) * sizeof(*np));
	ck_assert_msg(np != NULL, "out of memory");
	h->paths = np;
	h->paths[h->npaths++] = p;
	return p;
}

const char *
harness_path(struct harness *h, const char *name)
{
	char *p;

	if (asprintf(&p, "%s/%s", h->dir, name) < 0)
		p = NULL;
	return harness_own(h, p);
}

int
harness_free_port(int socktype)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, port = -1;

	fd = socket(AF_INET, socktype | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &sl) == 0)
		port = ntohs(sa.sin_port);
	close(fd);
	return port;
}

void
harness_set_history(struct harness *h, unsigned int size)
{
	h->history = size;
}

void
harness_set_telnet(struct harness *h, bool telnet)
{
	h->telnet = telnet;
}

void
harness_set_emu(struct harness *h, const char *text)
{
	h->emu = text != NULL ? harness_own(h, strdup(text)) : NULL;
}

void
harness_set_conf_extra(struct harness *h, const char *lines)
{
	h->conf_extra = lines != NULL ? harness_own(h, strdup(lines)) : NULL;
}

const char *
harness_bmc_state_dir(struct harness *h)
{
	return harness_path(h, "bmc-state");
}

int
harness_bmc_port(const struct harness *h)
{
	return h->bmc_port;
}

/* ---- child processes ---- */

static int
decode_status(int st)
{
	if (WIFEXITED(st))
		return WEXITSTATUS(st);
	if (WIFSIGNALED(st))
		return 128 + WTERMSIG(st);
	return -1;
}

/* Read what is there now; at EOF the fd is closed and set to -1. */
static void
proc_drain(struct harness_proc *p, int *fd, struct harness_buf *b, int log)
{
	unsigned char buf[65536];

	while (*fd >= 0) {
		ssize_t n = read(*fd, buf, sizeof(buf));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n <= 0) {
			close(*fd);
			*fd = -1;
			return;
		}
		harness_buf_add(b, buf, (size_t)n);
		write_all(log, buf, (size_t)n);
	}
}

static void
proc_reap(struct harness_proc *p)
{
	int st;

	if (p->exited || p->pid <= 0)
		return;
	if (waitpid(p->pid, &st, WNOHANG) != p->pid)
		return;
	p->exited = true;
	p->status = decode_status(st);
	proc_drain(p, &p->out_fd, &p->out, p->out_log);
	proc_drain(p, &p->err_fd, &p->err, p->err_log);
}

/* One round: poll every open pipe for up to timeout_ms, read, reap. */
static void
pump_once(int timeout_ms)
{
	struct pollfd pfd[HARNESS_MAX_POLL];
	struct harness_proc *who[HARNESS_MAX_POLL];
	struct harness *h;
	struct harness_proc *p;
	nfds_t n = 0, i;

	for (h = harness_live; h != NULL; h = h->next_live) {
		for (p = h->procs; p != NULL; p = p->next) {
			if (p->out_fd >= 0 && n < HARNESS_MAX_POLL) {
				who[n] = p;
				pfd[n++] = (struct pollfd){ p->out_fd, POLLIN, 0 };
			}
			if (p->err_fd >= 0 && n < HARNESS_MAX_POLL) {
				who[n] = p;
				pfd[n++] = (struct pollfd){ p->err_fd, POLLIN, 0 };
			}
		}
	}
	if (poll(pfd, n, timeout_ms) > 0) {
		for (i = 0; i < n; i++) {
			if (pfd[i].revents == 0)
				continue;
			p = who[i];
			if (pfd[i].fd == p->out_fd)
				proc_drain(p, &p->out_fd, &p->out, p->out_log);
			else if (pfd[i].fd == p->err_fd)
				proc_drain(p, &p->err_fd, &p->err, p->err_log);
		}
	}
	for (h = harness_live; h != NULL; h = h->next_live)
		for (p = h->procs; p != NULL; p = p->next)
			proc_reap(p);
}

void
harness_pump(int ms)
{
	int64_t end = harness_now_ms() + ms;
	int64_t left;

	while ((left = end - harness_now_ms()) > 0)
		pump_once(left < HARNESS_TICK_MS ? (int)left : HARNESS_TICK_MS);
}

bool
harness_wait_for(harness_cond_fn fn, void *arg, int timeout_ms)
{
	int64_t deadline = harness_now_ms() + timeout_ms;

	for (;;) {
		int64_t left;

		if (fn(arg))
			return true;
		left = deadline - harness_now_ms();
		if (left <= 0)
			return false;
		pump_once(left < HARNESS_TICK_MS ? (int)left : HARNESS_TICK_MS);
	}
}

/* In the child: own session, die with the parent, exec. */
static void
child_exec(pid_t parent, const int fds[3], const char *const *argv,
    const char *const *env)
{
	sigset_t all;
	size_t i;

	setsid();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
	for (i = 0; i < 3; i++)
		if (dup2(fds[i], (int)i) < 0)
			_exit(127);
	close_range(3, ~0U, 0);
	signal(SIGPIPE, SIG_DFL);
	sigemptyset(&all);
	sigprocmask(SIG_SETMASK, &all, NULL);
	unsetenv("IPMUX_PASSWORD");
	unsetenv("IPMI_PASSWORD");
	for (i = 0; env != NULL && env[i] != NULL; i++)
		putenv((char *)env[i]);
	execvp(argv[0], (char *const *)argv);
	dprintf(2, "harness: exec %s: %s\n", argv[0], strerror(errno));
	_exit(127);
}

static int
open_log(struct harness *h, const char *name, const char *ext)
{
	char fn[128];

	snprintf(fn, sizeof(fn), "%s.%s", name, ext);
	return open(harness_path(h, fn), O_WRONLY | O_CREAT | O_TRUNC |
	    O_CLOEXEC, 0644);
}

/* NAME.cmd: the command line, to rerun a child by hand. */
static void
log_cmd(struct harness *h, const char *name, const char *const *argv)
{
	int fd = open_log(h, name, "cmd");
	size_t i;

	for (i = 0; argv[i] != NULL; i++) {
		write_all(fd, i > 0 ? " '" : "'", i > 0 ? 2 : 1);
		write_all(fd, argv[i], strlen(argv[i]));
		write_all(fd, "'", 1);
	}
	write_all(fd, "\n", 1);
	if (fd >= 0)
		close(fd);
}

/*
 * Fork and exec. With pipes, stdin/stdout/stderr are pipes we keep;
 * without, stdout/stderr go straight to NAME.out/NAME.err and stdin is a
 * pipe that stays open and silent (ipmi_sim's console needs one).
 */
static struct harness_proc *
spawn(struct harness *h, const char *name, const char *const *argv,
    const char *const *env, bool pipes)
{
	struct harness_proc *p = calloc(1, sizeof(*p));
	int in[2], out[2] = { -1, -1 }, err[2] = { -1, -1 }, cfds[3];
	pid_t parent = getpid();

	ck_assert_msg(p != NULL, "out of memory");
	p->h = h;
	snprintf(p->name, sizeof(p->name), "%s", name);
	log_cmd(h, name, argv);
	p->out_log = open_log(h, name, "out");
	p->err_log = open_log(h, name, "err");
	ck_assert_msg(pipe2(in, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
	if (pipes) {
		ck_assert_msg(pipe2(out, O_CLOEXEC) == 0 &&
		    pipe2(err, O_CLOEXEC) == 0, "pipe: %s", strerror(errno));
		cfds[1] = out[1];
		cfds[2] = err[1];
	} else {
		cfds[1] = p->out_log;
		cfds[2] = p->err_log;
	}
	cfds[0] = in[0];
	p->pid = fork();
	ck_assert_msg(p->pid >= 0, "fork: %s", strerror(errno));
	if (p->pid == 0)
		child_exec(parent, cfds, argv, env);
	close(in[0]);
	p->in_fd = in[1];
	fcntl(p->in_fd, F_SETFL, O_NONBLOCK);
	p->out_fd = out[0];
	p->err_fd = err[0];
	if (pipes) {
		close(out[1]);
		close(err[1]);
		fcntl(p->out_fd, F_SETFL, O_NONBLOCK);
		fcntl(p->err_fd, F_SETFL, O_NONBLOCK);
	}
	p->next = h->procs;
	h->procs = p;
	return p;
}

struct harness_proc *
harness_spawn(struct harness *h, const char *name, const char *const *argv,
    const char *const *env)
{
	return spawn(h, name, argv, env, true);
}

bool
harness_proc_write(struct harness_proc *p, const void *buf, size_t len)
{
	const unsigned char *c = buf;
	int64_t deadline = harness_now_ms() + 10000;

	while (len > 0) {
		ssize_t n;

		if (p->in_fd < 0 || harness_now_ms() > deadline)
			return false;
		n = write(p->in_fd, c, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			pump_once(HARNESS_TICK_MS);
			continue;
		}
		if (n < 0)
			return false;
		c += n;
		len -= (size_t)n;
	}
	return true;
}

void
harness_proc_close_stdin(struct harness_proc *p)
{
	if (p->in_fd >= 0)
		close(p->in_fd);
	p->in_fd = -1;
}

const unsigned char *
harness_proc_out(struct harness_proc *p, size_t *len)
{
	if (len != NULL)
		*len = p->out.len;
	return p->out.p != NULL ? p->out.p : (const unsigned char *)"";
}

const char *
harness_proc_err(struct harness_proc *p)
{
	return p->err.p != NULL ? (const char *)p->err.p : "";
}

pid_t
harness_proc_pid(const struct harness_proc *p)
{
	return p->pid;
}

bool
harness_proc_running(struct harness_proc *p)
{
	proc_reap(p);
	return !p->exited;
}

void
harness_proc_signal(struct harness_proc *p, int sig)
{
	if (p->exited || p->pid <= 0)
		return;
	if (killpg(p->pid, sig) < 0)
		kill(p->pid, sig);
}

static bool
cond_exited(void *arg)
{
	struct harness_proc *p = arg;

	proc_reap(p);
	return p->exited;
}

int
harness_proc_wait(struct harness_proc *p, int timeout_ms)
{
	if (!harness_wait_for(cond_exited, p, timeout_ms))
		return -1;
	return p->status;
}

int
harness_proc_stop(struct harness_proc *p, int grace_ms)
{
	int rc;

	if (!harness_proc_running(p))
		return p->status;
	harness_proc_signal(p, SIGTERM);
	rc = harness_proc_wait(p, grace_ms);
	if (rc >= 0)
		return rc;
	harness_proc_signal(p, SIGKILL);
	return harness_proc_wait(p, 5000);
}

static void
proc_free(struct harness_proc *p)
{
	/* the group may still hold grandchildren (script's ipmitool) */
	if (p->pid > 0)
		killpg(p->pid, SIGKILL);
	harness_proc_close_stdin(p);
	if (p->out_fd >= 0)
		close(p->out_fd);
	if (p->err_fd >= 0)
		close(p->err_fd);
	if (p->out_log >= 0)
		close(p->out_log);
	if (p->err_log >= 0)
		close(p->err_log);
	free(p->out.p);
	free(p->err.p);
	free(p);
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	remove(path);
	return 0;
}

void
harness_free(struct harness *h)
{
	struct harness **pp;
	struct harness_proc *p;
	const char *keep = getenv("IPMUX_KEEP_TMP");
	size_t i;

	if (h == NULL)
		return;
	/* newest first: clients, then ipmi_sim, then hostsim; each is
	 * stopped while still listed, so the pump keeps draining it */
	while ((p = h->procs) != NULL) {
		if (harness_proc_running(p))
			harness_proc_stop(p, 3000);
		h->procs = p->next;
		proc_free(p);
	}
	for (pp = &harness_live; *pp != NULL; pp = &(*pp)->next_live) {
		if (*pp == h) {
			*pp = h->next_live;
			break;
		}
	}
	if (keep == NULL || *keep == '\0' || strcmp(keep, "0") == 0)
		nftw(h->dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	else
		fprintf(stderr, "harness: kept %s\n", h->dir);
	for (i = 0; i < h->npaths; i++)
		free(h->paths[i]);
	free(h->paths);
	free(h->dir);
	free(h);
}

/* ---- files ---- */

unsigned char *
harness_read_file(const char *path, size_t *len)
{
	struct harness_buf b = { NULL, 0, 0 };
	unsigned char buf[65536];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (len != NULL)
		*len = 0;
	if (fd < 0)
		return NULL;
	harness_buf_add(&b, "", 0);
	while ((n = read(fd, buf, sizeof(buf))) > 0 || (n < 0 && errno == EINTR))
		if (n > 0)
			harness_buf_add(&b, buf, (size_t)n);
	close(fd);
	if (len != NULL)
		*len = b.len;
	return b.p;
}

size_t
harness_file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? (size_t)st.st_size : 0;
}

int
harness_file_count(const char *path, const char *needle)
{
	size_t len, nl = strlen(needle);
	unsigned char *d = harness_read_file(path, &len);
	const unsigned char *at;
	int count = 0;

	if (d == NULL || nl == 0) {
		free(d);
		return 0;
	}
	for (at = d; (at = memmem(at, len - (size_t)(at - d), needle, nl)) != NULL;
	    at += nl)
		count++;
	free(d);
	return count;
}

static int
write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	write_all(fd, text, strlen(text));
	fchmod(fd, mode);
	return close(fd);
}

/* ---- the simulated BMC and host ---- */

const char *
harness_sent_file(struct harness *h)
{
	return harness_path(h, "host.sent");
}

const char *
harness_record_file(struct harness *h)
{
	return harness_path(h, "host.record");
}

const char *
harness_events_file(struct harness *h)
{
	return harness_path(h, "host.events");
}

int
harness_hostsim_connects(struct harness *h)
{
	return harness_file_count(harness_events_file(h), " connect ");
}

static bool
cond_file_exists(void *arg)
{
	return access(arg, F_OK) == 0;
}

static int
read_port_file(const char *path)
{
	unsigned char *d = harness_read_file(path, NULL);
	int port = d != NULL ? atoi((char *)d) : -1;

	free(d);
	return port > 0 && port < 65536 ? port : -1;
}

int
harness_start_hostsim(struct harness *h, const char *const *args)
{
	const char *argv[64];
	char hs[4096];
	const char *pf = harness_path(h, "host.port");
	const char *cf = harness_path(h, "host.ctlport");
	size_t n = 0, i;

	snprintf(hs, sizeof(hs), "%s/tests/tools/hostsim", harness_build_dir());
	if (access(hs, X_OK) != 0) {
		fprintf(stderr, "harness: %s not built\n", hs);
		return -1;
	}
	argv[n++] = hs;
	argv[n++] = "--port-file";
	argv[n++] = pf;
	argv[n++] = "--ctl-port-file";
	argv[n++] = cf;
	argv[n++] = "--record";
	argv[n++] = harness_record_file(h);
	argv[n++] = "--sent";
	argv[n++] = harness_sent_file(h);
	argv[n++] = "--events";
	argv[n++] = harness_events_file(h);
	if (h->telnet)
		argv[n++] = "--telnet";
	for (i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	h->hostsim = spawn(h, "hostsim", argv, NULL, false);
	/* the BMC port file is written last, once both sockets listen */
	if (!harness_wait_for(cond_file_exists, (void *)pf, 5000)) {
		fprintf(stderr, "harness: hostsim did not start\n");
		return -1;
	}
	h->hs_port = read_port_file(pf);
	h->ctl_port = read_port_file(cf);
	return h->hs_port > 0 && h->ctl_port > 0 ? 0 : -1;
}

static int
write_bmc_config(struct harness *h)
{
	char conf[4096], hist[32] = "";

	if (h->conf_written)
		return 0;
	if ((h->bmc_port = harness_free_port(SOCK_DGRAM)) < 0)
		return -1;
	if (h->history > 0)
		snprintf(hist, sizeof(hist), " history=%u", h->history);
	snprintf(conf, sizeof(conf),
	    "# ipmi_sim config written by tests/integ/harness.c\n"
	    "name \"ipmuxsim\"\n"
	    "set_working_mc 0x20\n"
	    "  startlan 1\n"
	    "    addr 127.0.0.1 %d\n"
	    "    priv_limit admin\n"
	    "    allowed_auths_callback none md2 md5 straight\n"
	    "    allowed_auths_user none md2 md5 straight\n"
	    "    allowed_auths_operator none md2 md5 straight\n"
	    "    allowed_auths_admin none md2 md5 straight\n"
	    "    guid a123456789abcdefa123456789abcdef\n"
	    "  endlan\n"
	    "  sol \"%s:127.0.0.1:%d\" 115200%s\n"
	    "  user 2 true \"%s\" \"%s\" admin 10 none md2 md5 straight\n"
	    "  user 3 true \"%s\" \"%s\" operator 10 none md2 md5 straight\n"
	    "%s",
	    h->bmc_port, h->telnet ? "telnet" : "tcp", h->hs_port, hist,
	    HARNESS_ADMIN_USER, HARNESS_ADMIN_PASS,
	    HARNESS_OPER_USER, HARNESS_OPER_PASS,
	    h->conf_extra != NULL ? h->conf_extra : "");
	if (write_file(harness_path(h, "lan.conf"), conf, 0644) < 0 ||
	    write_file(harness_path(h, "bmc.emu"), h->emu != NULL ? h->emu :
		"mc_setbmc 0x20\n"
		"mc_add 0x20 0 no-device-sdrs 0x23 9 8 0x9f 0x1291 0xf02\n"
		"mc_enable 0x20\n", 0644) < 0 ||
	    (mkdir(harness_path(h, "bmc-state"), 0755) < 0 && errno != EEXIST))
		return -1;
	h->conf_written = true;
	return 0;
}

/* Get Channel Auth Caps, IPMI 1.5 framing, channel E, admin; any RMCP
 * answer means ipmi_sim's LAN side is up. */
static bool
bmc_answers(int port)
{
	unsigned char q[23] = { 0x06, 0x00, 0xff, 0x07, 0x00,
	    0, 0, 0, 0, 0, 0, 0, 0, 0x09,
	    0x20, 0x18, 0xc8, 0x81, 0x04, 0x38, 0x8e, 0x04, 0x00 };
	unsigned char r[512];
	struct sockaddr_in sa;
	struct pollfd pfd;
	unsigned int sum = 0;
	size_t i;
	ssize_t n = -1;
	int fd;

	for (i = 17; i < 22; i++)
		sum += q[i];
	q[22] = (unsigned char)(0x100 - (sum & 0xff));
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    send(fd, q, sizeof(q), 0) == (ssize_t)sizeof(q)) {
		pfd = (struct pollfd){ fd, POLLIN, 0 };
		if (poll(&pfd, 1, 100) > 0)
			n = recv(fd, r, sizeof(r), 0);
	}
	close(fd);
	return n >= 4 && r[0] == 0x06 && r[3] == 0x07;
}

struct bmc_ready {
	struct harness *h;
	int connects_before;
	bool lan;
};

static bool
cond_bmc_ready(void *arg)
{
	struct bmc_ready *r = arg;

	if (!harness_proc_running(r->h->bmc))
		return true;	/* checked by the caller */
	if (!r->lan)
		r->lan = bmc_answers(r->h->bmc_port);
	return r->lan && harness_hostsim_connects(r->h) > r->connects_before;
}

static int
start_bmc_once(struct harness *h, struct bmc_ready *r)
{
	const char *dbg = getenv("IPMUX_SIM_DEBUG");
	bool debug = dbg != NULL && *dbg != '\0' && strcmp(dbg, "0") != 0;
	const char *argv[] = { "ipmi_sim", "-c", NULL, "-f", NULL, "-s", NULL,
	    debug ? "-d" : "-n", NULL };

	if (write_bmc_config(h) < 0) {
		fprintf(stderr, "harness: ipmi_sim config: %s\n", strerror(errno));
		return -1;
	}
	argv[2] = harness_path(h, "lan.conf");
	argv[4] = harness_path(h, "bmc.emu");
	argv[6] = harness_path(h, "bmc-state");
	r->h = h;
	r->lan = false;
	r->connects_before = harness_hostsim_connects(h);
	/* with -n, stdin is ignored; with -d it is the (silent) console */
	h->bmc = spawn(h, "bmc", argv, NULL, false);
	if (harness_wait_for(cond_bmc_ready, r, 15000) &&
	    harness_proc_running(h->bmc))
		return 0;
	return -1;
}

int
harness_start_bmc(struct harness *h)
{
	struct bmc_ready r = { h, 0, false };
	unsigned char *err;
	/* a restart keeps its port; a first start may lose the race for the
	 * free port we picked (ipmi_sim then exits), so pick another */
	int tries = h->conf_written ? 1 : 3;

	if (h->hs_port <= 0) {
		fprintf(stderr, "harness: start hostsim before ipmi_sim\n");
		return -1;
	}
	while (tries-- > 0) {
		if (start_bmc_once(h, &r) == 0)
			return 0;
		if (harness_proc_running(h->bmc))
			break;
		h->conf_written = false;
	}
	err = harness_read_file(harness_path(h, "bmc.err"), NULL);
	fprintf(stderr, "harness: ipmi_sim not ready (lan %s, sol %s, %s): %s\n",
	    r.lan ? "up" : "down",
	    harness_hostsim_connects(h) > r.connects_before ? "up" : "down",
	    harness_proc_running(h->bmc) ? "running" : "exited",
	    err != NULL ? (char *)err : "");
	free(err);
	return -1;
}

void
harness_stop_bmc(struct harness *h, int sig)
{
	if (h->bmc == NULL || !harness_proc_running(h->bmc))
		return;
	harness_proc_signal(h->bmc, sig);
	if (harness_proc_wait(h->bmc, 5000) < 0) {
		harness_proc_signal(h->bmc, SIGKILL);
		harness_proc_wait(h->bmc, 5000);
	}
}

const char *
harness_hostsim(struct harness *h, const char *fmt, ...)
{
	char line[1024];
	struct sockaddr_in sa;
	struct timeval tv = { 5, 0 };
	va_list ap;
	size_t got = 0;
	int fd, n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || n >= (int)sizeof(line) - 1 || h->ctl_port <= 0)
		return NULL;
	line[n++] = '\n';
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)h->ctl_port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return NULL;
	}
	write_all(fd, line, (size_t)n);
	while (got + 1 < sizeof(h->reply)) {
		ssize_t r = read(fd, h->reply + got, 1);

		if (r <= 0 || h->reply[got] == '\n')
			break;
		got++;
	}
	close(fd);
	h->reply[got] = '\0';
	return got > 0 ? h->reply : NULL;
}

/* ---- clients ---- */

struct harness_proc *
harness_solcat(struct harness *h, const char *user, const char *pass,
    const char *const *extra)
{
	const char *argv[64];
	char bin[4096], hostport[64], name[32];
	const char *pw;
	size_t n = 0, i;

	snprintf(bin, sizeof(bin), "%s/bin/ipmux-solcat", harness_build_dir());
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "harness: %s not built\n", bin);
		return NULL;
	}
	h->seq++;
	snprintf(name, sizeof(name), "pw-%d", h->seq);
	pw = harness_path(h, name);
	if (write_file(pw, pass, 0600) < 0)
		return NULL;
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", h->bmc_port);
	argv[n++] = bin;
	argv[n++] = "-H";
	argv[n++] = hostport;
	argv[n++] = "-U";
	argv[n++] = user;
	argv[n++] = "-C";
	argv[n++] = "3";
	argv[n++] = "-f";
	argv[n++] = pw;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "solcat-%d", h->seq);
	return spawn(h, name, argv, NULL, true);
}

struct harness_proc *
harness_ipmitool_sol(struct harness *h, const char *user, const char *pass)
{
	char cmd[512], name[32], *env0;
	const char *env[2], *argv[] = { "script", "-qfc", cmd, "/dev/null", NULL };
	int n;

	/* sol activate insists on a tty; script(1) gives it one */
	snprintf(cmd, sizeof(cmd), "exec ipmitool -I lanplus -C 3 -H 127.0.0.1 "
	    "-p %d -U '%s' -E sol activate", h->bmc_port, user);
	n = asprintf(&env0, "IPMI_PASSWORD=%s", pass);
	env[0] = harness_own(h, n < 0 ? NULL : env0);
	env[1] = NULL;
	h->seq++;
	snprintf(name, sizeof(name), "ipmitool-sol-%d", h->seq);
	return spawn(h, name, argv, env, true);
}

int
harness_ipmitool_port(struct harness *h, int port, const char *suite,
    int timeout_ms, const char *const *args, struct harness_proc **out)
{
	const char *argv[64], *env[] = { "IPMI_PASSWORD=" HARNESS_ADMIN_PASS,
	    NULL };
	char portstr[16], name[32];
	struct harness_proc *p;
	size_t n = 0, i;
	int rc;

	snprintf(portstr, sizeof(portstr), "%d", port);
	argv[n++] = "ipmitool";
	argv[n++] = "-I";
	argv[n++] = "lanplus";
	argv[n++] = "-C";
	argv[n++] = suite;
	argv[n++] = "-H";
	argv[n++] = "127.0.0.1";
	argv[n++] = "-p";
	argv[n++] = portstr;
	argv[n++] = "-U";
	argv[n++] = HARNESS_ADMIN_USER;
	argv[n++] = "-E";
	for (i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	h->seq++;
	snprintf(name, sizeof(name), "ipmitool-%d", h->seq);
	if ((p = spawn(h, name, argv, env, true)) == NULL)
		return -1;
	harness_proc_close_stdin(p);
	rc = harness_proc_wait(p, timeout_ms);
	if (rc < 0)
		harness_proc_stop(p, 1000);
	if (out != NULL)
		*out = p;
	return rc;
}

int
harness_ipmitool(struct harness *h, int timeout_ms, const char *const *args)
{
	return harness_ipmitool_port(h, h->bmc_port, "3", timeout_ms, args,
	    NULL);
}

/* ---- waits ---- */

struct out_match {
	struct harness_proc *p;
	const char *needle;
	size_t len;
	bool err;
};

static bool
cond_out_has(void *arg)
{
	struct out_match *m = arg;
	const struct harness_buf *b = m->err ? &m->p->err : &m->p->out;

	return b->p != NULL && memmem(b->p, b->len, m->needle,
	    strlen(m->needle)) != NULL;
}

bool
harness_wait_out(struct harness_proc *p, const char *needle, int timeout_ms)
{
	struct out_match m = { p, needle, 0, false };

	return harness_wait_for(cond_out_has, &m, timeout_ms);
}

bool
harness_wait_err(struct harness_proc *p, const char *needle, int timeout_ms)
{
	struct out_match m = { p, needle, 0, true };

	return harness_wait_for(cond_out_has, &m, timeout_ms);
}

static bool
cond_out_len(void *arg)
{
	struct out_match *m = arg;

	return m->p->out.len >= m->len;
}

bool
harness_wait_out_len(struct harness_proc *p, size_t len, int timeout_ms)
{
	struct out_match m = { p, NULL, len, false };

	return harness_wait_for(cond_out_len, &m, timeout_ms);
}

struct file_match {
	const char *path;
	const char *needle;
	size_t len;
};

static bool
cond_file_len(void *arg)
{
	struct file_match *m = arg;

	return harness_file_size(m->path) >= m->len;
}

bool
harness_wait_file_len(const char *path, size_t len, int timeout_ms)
{
	struct file_match m = { path, NULL, len };

	return harness_wait_for(cond_file_len, &m, timeout_ms);
}

static bool
cond_file_has(void *arg)
{
	struct file_match *m = arg;

	return harness_file_count(m->path, m->needle) > 0;
}

bool
harness_wait_file_has(const char *path, const char *needle, int timeout_ms)
{
	struct file_match m = { path, needle, 0 };

	return harness_wait_for(cond_file_has, &m, timeout_ms);
}
