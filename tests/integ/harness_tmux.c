/* harness_tmux.c — a private tmux server for integration tests: run an interactive console client in a pane, type into it, read its screen. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness_tmux.h"

#define CMD_MS 5000		/* one tmux client command */
#define SERVER_MS 10000		/* the server's socket appears */
#define POLL_MS 50		/* between two looks at the screen */
#define SESSION "console"
#define EXIT_MARK "[harness_tmux: exit "
/* Runs the client and then says how it ended ($? is 128 + signal). */
#define WRAPPER "\"$@\"; echo \"" EXIT_MARK "$?]\""

struct harness_tmux {
	struct harness *h;
	struct harness_proc *server;
	char sock[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

static int tmux_seq;	/* distinguishes servers in one temp dir */

bool
harness_tmux_have(const char *prog)
{
	const char *path = getenv("PATH");
	char buf[4096];
	const char *p, *e;

	for (p = path != NULL ? path : "/usr/bin:/bin"; *p != '\0'; p = e) {
		e = strchr(p, ':');
		if (e == NULL)
			e = p + strlen(p);
		snprintf(buf, sizeof(buf), "%.*s/%s", (int)(e - p), p, prog);
		if (access(buf, X_OK) == 0)
			return true;
		if (*e == ':')
			e++;
	}
	return false;
}

/* Read fd to EOF within the deadline; malloc'd, NUL-terminated. */
static char *
slurp(int fd, int64_t end)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0, cap = 4096;
	char *buf = malloc(cap), *nb;
	ssize_t r;

	while (buf != NULL) {
		int64_t left = end - harness_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			break;
		if (len + 1 >= cap) {
			if ((nb = realloc(buf, cap * 2)) == NULL)
				break;
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len - 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			buf[len] = '\0';
			return buf;
		}
		len += (size_t)r;
	}
	free(buf);
	return NULL;
}

/*
 * Run one tmux client command against our server: "tmux -S SOCK args...".
 * Its stdout in *out (malloc'd) if out is not NULL. True if it exited 0
 * within CMD_MS.
 */
static bool
tmux_cmd(struct harness_tmux *t, char **out, const char *const *args)
{
	const char *argv[64];
	int fds[2], status, devnull;
	int64_t end = harness_now_ms() + CMD_MS;
	char *text;
	size_t n = 0, i;
	pid_t pid;

	argv[n++] = "tmux";
	argv[n++] = "-S";
	argv[n++] = t->sock;
	for (i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return false;
	if ((pid = fork()) < 0) {
		close(fds[0]);
		close(fds[1]);
		return false;
	}
	if (pid == 0) {
		devnull = open("/dev/null", O_RDWR);
		dup2(devnull, 0);
		dup2(fds[1], 1);
		dup2(devnull, 2);
		unsetenv("TMUX");
		execvp(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(fds[1]);
	text = slurp(fds[0], end);
	close(fds[0]);
	if (text == NULL)
		kill(pid, SIGKILL);	/* stuck past its deadline */
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (text == NULL || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		free(text);
		return false;
	}
	if (out != NULL)
		*out = text;
	else
		free(text);
	return true;
}

static bool
sock_exists(void *arg)
{
	struct harness_tmux *t = arg;
	struct stat st;

	return stat(t->sock, &st) == 0 && S_ISSOCK(st.st_mode);
}

/* Our own config: no user file; keep a dead pane for its exit status;
 * scrollback large enough for a whole boot log. */
static const char *
write_conf(struct harness *h, int seq)
{
	char name[32];
	const char *path;
	FILE *f;

	snprintf(name, sizeof(name), "tmux%d.conf", seq);
	path = harness_path(h, name);
	if ((f = fopen(path, "w")) == NULL)
		return NULL;
	fputs("set -g remain-on-exit on\n"
	      "set -g history-limit 50000\n"
	      "set -g status off\n", f);
	return fclose(f) == 0 ? path : NULL;
}

static bool
start_server(struct harness_tmux *t, const char *conf, int seq)
{
	char name[32];
	const char *argv[] = { "tmux", "-D", "-S", t->sock, "-f", conf, NULL };

	snprintf(name, sizeof(name), "tmux-server-%d", seq);
	/* -D: not a daemon, so it stays our child with a parent-death
	 * signal; its panes get SIGHUP when it dies. */
	t->server = harness_spawn(t->h, name, argv, NULL);
	return t->server != NULL &&
	    harness_wait_for(sock_exists, t, SERVER_MS);
}

struct harness_tmux *
harness_tmux_start(struct harness *h, int cols, int rows,
    const char *const *argv)
{
	struct harness_tmux *t = calloc(1, sizeof(*t));
	const char *args[48], *conf;
	char cs[16], rs[16], name[32];
	const char *sock;
	size_t n = 0, i;
	int seq = ++tmux_seq;

	if (t == NULL)
		return NULL;
	t->h = h;
	snprintf(name, sizeof(name), "tmux%d.sock", seq);
	sock = harness_path(h, name);
	if ((conf = write_conf(h, seq)) == NULL ||
	    strlen(sock) >= sizeof(t->sock)) {
		fprintf(stderr, "harness_tmux: no config or socket path\n");
		free(t);
		return NULL;
	}
	memcpy(t->sock, sock, strlen(sock) + 1);
	if (!start_server(t, conf, seq)) {
		fprintf(stderr, "harness_tmux: server did not start\n");
		harness_tmux_free(t);
		return NULL;
	}
	snprintf(cs, sizeof(cs), "%d", cols);
	snprintf(rs, sizeof(rs), "%d", rows);
	args[n++] = "new-session";
	args[n++] = "-d";
	args[n++] = "-s";
	args[n++] = SESSION;
	args[n++] = "-x";
	args[n++] = cs;
	args[n++] = "-y";
	args[n++] = rs;
	/* Several words: tmux execs them without parsing; sh only waits
	 * for the client to report its exit status. */
	args[n++] = "sh";
	args[n++] = "-c";
	args[n++] = WRAPPER;
	args[n++] = "sh";
	for (i = 0; argv[i] != NULL && n < 47; i++)
		args[n++] = argv[i];
	args[n] = NULL;
	if (!tmux_cmd(t, NULL, args)) {
		fprintf(stderr, "harness_tmux: new-session failed\n");
		harness_tmux_free(t);
		return NULL;
	}
	return t;
}

char *
harness_tmux_capture(struct harness_tmux *t)
{
	const char *args[] = { "capture-pane", "-p", "-J", "-S", "-",
	    "-t", SESSION, NULL };
	char *out = NULL;

	return tmux_cmd(t, &out, args) ? out : NULL;
}

bool
harness_tmux_wait_text(struct harness_tmux *t, const char *needle,
    int timeout_ms)
{
	int64_t end = harness_now_ms() + timeout_ms;
	char *screen;
	bool found, gone;

	for (;;) {
		screen = harness_tmux_capture(t);
		found = screen != NULL && strstr(screen, needle) != NULL;
		gone = screen != NULL && strstr(screen, EXIT_MARK) != NULL;
		free(screen);
		if (found)
			return true;
		if (gone || harness_now_ms() >= end)
			return false;	/* the client exited: no more text */
		harness_pump(POLL_MS);
	}
}

bool
harness_tmux_send_text(struct harness_tmux *t, const char *text)
{
	const char *args[] = { "send-keys", "-t", SESSION, "-l", text, NULL };

	return tmux_cmd(t, NULL, args);
}

bool
harness_tmux_send_key(struct harness_tmux *t, const char *key)
{
	const char *args[] = { "send-keys", "-t", SESSION, key, NULL };

	return tmux_cmd(t, NULL, args);
}

/*
 * The wrapper's last line. (tmux's own #{pane_dead_status} is not
 * reliable here: a tmux -D server under the test harness sometimes
 * never reaps the pane's child, which stays a zombie.)
 */
int
harness_tmux_wait_exit(struct harness_tmux *t, int timeout_ms)
{
	int64_t end = harness_now_ms() + timeout_ms;
	const char *at;
	char *screen;
	int rc;

	for (;;) {
		rc = -1;
		screen = harness_tmux_capture(t);
		if (screen != NULL && (at = strstr(screen, EXIT_MARK)) != NULL &&
		    sscanf(at + strlen(EXIT_MARK), "%d", &rc) != 1)
			rc = -1;
		free(screen);
		if (rc >= 0 || harness_now_ms() >= end)
			return rc;
		harness_pump(POLL_MS);
	}
}

void
harness_tmux_free(struct harness_tmux *t)
{
	const char *args[] = { "kill-server", NULL };

	if (t == NULL)
		return;
	if (t->server != NULL && harness_proc_running(t->server)) {
		tmux_cmd(t, NULL, args);
		harness_proc_stop(t->server, 2000);
	}
	free(t);
}
