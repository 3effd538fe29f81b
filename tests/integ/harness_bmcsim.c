/* harness_bmcsim.c — integration-test helpers for ipmux-bmcsim: a fleet on free ports, its control socket, clients aimed at it. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "harness_bmcsim.h"

#define LISTEN_MS 20000
#define CTL_MS 5000
#define PORT_TRIES 50

static int hb_seq;	/* names for the logs of the processes we start */

/* Is UDP port p on 127.0.0.1 free right now? */
static bool
udp_free(int p)
{
	struct sockaddr_in sa;
	int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	sa.sin_port = htons((uint16_t)p);
	ok = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	close(fd);
	return ok;
}

/* count consecutive free ports below 32768 (FreeIPMI's limit). */
int
harness_bmcsim_free_ports(unsigned count)
{
	int t, base;
	unsigned i;

	for (t = 0; t < PORT_TRIES; t++) {
		base = 20000 + (int)((unsigned)rand() % (12000 - count));
		for (i = 0; i < count && udp_free(base + (int)i); i++)
			;
		if (i == count)
			return base;
	}
	return -1;
}

static int
write_secret(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t n = strlen(text);
	bool ok;

	if (fd < 0)
		return -1;
	ok = write(fd, text, n) == (ssize_t)n;
	close(fd);
	return ok ? 0 : -1;
}

static const char *
pw_file(struct harness *h)
{
	const char *pw = harness_path(h, "bmcsim.pw");

	if (access(pw, R_OK) != 0 &&
	    write_secret(pw, HARNESS_ADMIN_PASS) != 0)
		return NULL;
	return pw;
}

const char *
harness_bmcsim_ctl_path(struct harness *h)
{
	return harness_path(h, "bmcsim.ctl");
}

struct harness_proc *
harness_bmcsim_start(struct harness *h, unsigned count,
    const char *const *extra, int *port)
{
	const char *argv[64], *pw = pw_file(h);
	char bin[4096], cnt[16], portstr[16], name[32];
	struct harness_proc *p;
	size_t n = 0, i;
	int base;

	snprintf(bin, sizeof(bin), "%s/bin/ipmux-bmcsim", harness_build_dir());
	if (access(bin, X_OK) != 0) {
		fprintf(stderr, "harness: %s not built\n", bin);
		return NULL;
	}
	srand((unsigned)getpid() ^ (unsigned)harness_now_ms());
	if (pw == NULL || (base = harness_bmcsim_free_ports(count)) < 0) {
		fprintf(stderr, "harness: no password file or free ports\n");
		return NULL;
	}
	snprintf(cnt, sizeof(cnt), "%u", count);
	snprintf(portstr, sizeof(portstr), "%d", base);
	argv[n++] = bin;
	argv[n++] = "--count";
	argv[n++] = cnt;
	argv[n++] = "--port";
	argv[n++] = portstr;
	argv[n++] = "--user";
	argv[n++] = HARNESS_ADMIN_USER;
	argv[n++] = "--password-file";
	argv[n++] = pw;
	argv[n++] = "--control";
	argv[n++] = harness_bmcsim_ctl_path(h);
	for (i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "bmcsim-%d", ++hb_seq);
	if ((p = harness_spawn(h, name, argv, NULL)) == NULL)
		return NULL;
	if (!harness_wait_out(p, "BMCs listening on", LISTEN_MS)) {
		fprintf(stderr, "harness: ipmux-bmcsim did not come up: %s\n",
		    harness_proc_err(p));
		return NULL;
	}
	*port = base;
	return p;
}

/* Read one line from fd within the deadline. */
static bool
read_line(int fd, char *buf, size_t cap)
{
	int64_t end = harness_now_ms() + CTL_MS;
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	size_t len = 0;
	ssize_t r;

	while (len + 1 < cap) {
		int64_t left = end - harness_now_ms();

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		if ((r = read(fd, buf + len, 1)) <= 0)
			return false;
		if (buf[len] == '\n') {
			buf[len] = '\0';
			return true;
		}
		len++;
	}
	return false;
}

const char *
harness_bmcsim_ctl(struct harness *h, const char *fmt, ...)
{
	static char reply[2048];
	char line[512];
	struct sockaddr_un sun;
	const char *path = harness_bmcsim_ctl_path(h);
	va_list ap;
	int fd, n;
	bool ok;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line) - 1 ||
	    strlen(path) >= sizeof(sun.sun_path))
		return NULL;
	line[n++] = '\n';
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	memcpy(sun.sun_path, path, strlen(path));
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return NULL;
	ok = connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == 0 &&
	    write(fd, line, (size_t)n) == n &&
	    read_line(fd, reply, sizeof(reply));
	close(fd);
	return ok ? reply : NULL;
}

struct harness_proc *
harness_solcat_port(struct harness *h, int port, const char *const *extra)
{
	const char *argv[64], *pw = pw_file(h);
	char bin[4096], hostport[64], name[32];
	size_t n = 0, i;

	snprintf(bin, sizeof(bin), "%s/bin/ipmux-solcat", harness_build_dir());
	if (pw == NULL || access(bin, X_OK) != 0)
		return NULL;
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
	argv[n++] = bin;
	argv[n++] = "-H";
	argv[n++] = hostport;
	argv[n++] = "-U";
	argv[n++] = HARNESS_ADMIN_USER;
	argv[n++] = "-f";
	argv[n++] = pw;
	for (i = 0; extra != NULL && extra[i] != NULL && n < 63; i++)
		argv[n++] = extra[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "solcat-b%d", ++hb_seq);
	return harness_spawn(h, name, argv, NULL);
}


/* FreeIPMI reads the user and password from a config file, not argv. */
static const char *
freeipmi_conf(struct harness *h)
{
	const char *path = harness_path(h, "freeipmi.conf");

	if (access(path, R_OK) != 0 && write_secret(path, "username "
	    HARNESS_ADMIN_USER "\npassword " HARNESS_ADMIN_PASS "\n") != 0)
		return NULL;
	return path;
}

static bool
sdr_tool(const char *tool)
{
	return strcmp(tool, "ipmi-sensors") == 0 ||
	    strcmp(tool, "ipmi-sel") == 0 || strcmp(tool, "ipmi-fru") == 0;
}

int
harness_bmcsim_peer(struct harness *h, const char *tool, int port,
    int timeout_ms, const char *const *args, const char **out,
    const char **err)
{
	const char *argv[64], *env[] = { "TZ=UTC",
	    "IPMI_PASSWORD=" HARNESS_ADMIN_PASS, NULL }, *conf = NULL;
	char portstr[16], hostport[48], name[48];
	const char *cache = harness_path(h, "sdr-cache");
	struct harness_proc *p;
	size_t n = 0, i;
	int rc;

	snprintf(portstr, sizeof(portstr), "%d", port);
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d", port);
	argv[n++] = tool;
	if (strcmp(tool, "ipmitool") == 0) {
		static const char *const a[] = { "-I", "lanplus", "-C", "17",
		    "-H", "127.0.0.1", "-U", HARNESS_ADMIN_USER, "-E", "-p" };

		for (i = 0; i < sizeof(a) / sizeof(a[0]); i++)
			argv[n++] = a[i];
		argv[n++] = portstr;
	} else {
		if ((conf = freeipmi_conf(h)) == NULL)
			return -1;
		argv[n++] = "-D";
		argv[n++] = "LAN_2_0";
		argv[n++] = "-I";
		argv[n++] = "17";
		argv[n++] = "-l";
		argv[n++] = "ADMIN";
		argv[n++] = "--config-file";
		argv[n++] = conf;
		argv[n++] = "-h";
		argv[n++] = hostport;
		if (sdr_tool(tool)) {
			(void)mkdir(cache, 0700);
			argv[n++] = "--sdr-cache-directory";
			argv[n++] = cache;
		}
	}
	for (i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "%s-b%d", tool, ++hb_seq);
	if ((p = harness_spawn(h, name, argv, env)) == NULL)
		return -1;
	harness_proc_close_stdin(p);
	rc = harness_proc_wait(p, timeout_ms);
	if (rc < 0)
		harness_proc_stop(p, 1000);
	if (out != NULL)
		*out = (const char *)harness_proc_out(p, NULL);
	if (err != NULL)
		*err = harness_proc_err(p);
	return rc;
}
