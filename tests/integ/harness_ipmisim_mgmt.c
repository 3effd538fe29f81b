/* harness_ipmisim_mgmt.c — an ipmi_sim BMC with an sdrcomp-built SDR repository, injected SEL events and a chassis_control program, and the peer tools' (ipmitool, FreeIPMI) output split into fields. */

#include <check.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "harness_ipmisim_mgmt.h"

#define MGMT_TOOL_MS 30000	/* one peer command, SDR cache included */
#define MGMT_SIM_NAME "ipmuxsim"	/* harness.c's lan.conf "name" */

bool
mgmt_skip_without_sdrcomp(void)
{
	return harness_skip_without("sdrcomp", "openipmi");
}

static bool
mgmt_is_data_dir(const char *dir)
{
	char p[PATH_MAX];

	if (snprintf(p, sizeof(p), "%s/mgmt.sdrs", dir) >= (int)sizeof(p))
		return false;
	return access(p, R_OK) == 0;
}

const char *
mgmt_data_dir(void)
{
	static char dir[PATH_MAX];
	const char *src = getenv("IPMUX_SRCDIR");
	char *cut;

	if (dir[0] != '\0')
		return dir;
	if (src != NULL && *src != '\0') {
		snprintf(dir, sizeof(dir), "%s/tests/integ/data", src);
		return dir;
	}
	if (getcwd(dir, sizeof(dir) - 32) != NULL) {
		strcat(dir, "/tests/integ/data");
		if (mgmt_is_data_dir(dir))
			return dir;
	}
	/* BUILD may be build/asan: climb until the tree shows up */
	if (realpath(harness_build_dir(), dir) != NULL) {
		while ((cut = strrchr(dir, '/')) != NULL && cut != dir) {
			char try[PATH_MAX];

			*cut = '\0';
			if (snprintf(try, sizeof(try), "%s/tests/integ/data",
			    dir) < (int)sizeof(try) && mgmt_is_data_dir(try)) {
				snprintf(dir, sizeof(dir), "%s", try);
				return dir;
			}
		}
	}
	snprintf(dir, sizeof(dir), "tests/integ/data");
	return dir;
}

const char *
mgmt_chassis_dir(struct harness *h)
{
	return harness_path(h, "chassis");
}

char *
mgmt_chassis_log(struct harness *h)
{
	char p[PATH_MAX];
	unsigned char *d;

	snprintf(p, sizeof(p), "%s/chassis.log", mgmt_chassis_dir(h));
	d = harness_read_file(p, NULL);
	return d != NULL ? (char *)d : strdup("");
}

/* Run a program to completion: 0 or -1 (its stderr on ours). */
static int
mgmt_run(struct harness *h, const char *name, const char *const *argv,
    const char *const *env, struct harness_proc **out)
{
	struct harness_proc *p = harness_spawn(h, name, argv, env);
	int rc;

	if (p == NULL)
		return -1;
	harness_proc_close_stdin(p);
	rc = harness_proc_wait(p, MGMT_TOOL_MS);
	if (rc < 0)
		harness_proc_stop(p, 1000);
	if (out != NULL)
		*out = p;
	if (rc != 0) {
		fprintf(stderr, "mgmt: %s: exit %d: %s\n", name, rc,
		    harness_proc_err(p));
		return -1;
	}
	return 0;
}

static int
mgmt_mkdirs(struct harness *h, char *sdr, size_t cap)
{
	const char *st = harness_bmc_state_dir(h);
	char p[PATH_MAX];

	snprintf(p, sizeof(p), "%s/ipmi_sim", st);
	if ((mkdir(st, 0755) < 0 && errno != EEXIST) ||
	    (mkdir(p, 0755) < 0 && errno != EEXIST))
		return -1;
	snprintf(p, sizeof(p), "%s/ipmi_sim/%s", st, MGMT_SIM_NAME);
	if (mkdir(p, 0755) < 0 && errno != EEXIST)
		return -1;
	if (snprintf(sdr, cap, "%s/sdr.20.main", p) >= (int)cap) {
		errno = ENAMETOOLONG;
		return -1;
	}
	if (mkdir(mgmt_chassis_dir(h), 0755) < 0 && errno != EEXIST)
		return -1;
	return 0;
}

int
mgmt_bmc_start(struct harness *h)
{
	char sdr[PATH_MAX], src[PATH_MAX], emu[PATH_MAX], extra[2048];
	const char *data = mgmt_data_dir();
	unsigned char *text;
	int cport;
	FILE *fp;

	snprintf(src, sizeof(src), "%s/mgmt.sdrs", data);
	snprintf(emu, sizeof(emu), "%s/mgmt.emu", data);
	if (mgmt_mkdirs(h, sdr, sizeof(sdr)) < 0) {
		fprintf(stderr, "mgmt: state dirs: %s\n", strerror(errno));
		return -1;
	}
	/* -8: ID strings in 8-bit ASCII; ipmitool prints 6-bit packed ones
	 * as raw bytes, so names would not be comparable */
	if (mgmt_run(h, "sdrcomp", (const char *const[]){ "sdrcomp", "-8",
	    "-o", sdr, src, NULL }, NULL, NULL) < 0)
		return -1;
	if ((text = harness_read_file(emu, NULL)) == NULL) {
		fprintf(stderr, "mgmt: cannot read %s\n", emu);
		return -1;
	}
	harness_set_emu(h, (const char *)text);
	free(text);
	if ((cport = harness_free_port(SOCK_STREAM)) < 0)
		return -1;
	snprintf(extra, sizeof(extra),
	    "  console 127.0.0.1 %d\n"
	    "  chassis_control \"sh %s/chassis_control %s\"\n",
	    cport, data, mgmt_chassis_dir(h));
	harness_set_conf_extra(h, extra);
	if ((fp = fopen(harness_path(h, "console.port"), "w")) == NULL)
		return -1;
	fprintf(fp, "%d\n", cport);
	fclose(fp);
	if (harness_start_hostsim(h, NULL) < 0 || harness_start_bmc(h) < 0)
		return -1;
	return 0;
}

/* Read from fd until the console's "> " prompt ends what arrived. */
static bool
mgmt_console_prompt(int fd, int timeout_ms)
{
	char buf[4096];
	size_t have = 0;
	int64_t end = harness_now_ms() + timeout_ms;

	for (;;) {
		struct pollfd pfd = { fd, POLLIN, 0 };
		int64_t left = end - harness_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&pfd, 1, (int)left) <= 0)
			return false;
		n = read(fd, buf + have, sizeof(buf) - 1 - have);
		if (n <= 0)
			return false;
		have += (size_t)n;
		buf[have] = '\0';
		if (have >= 2 && strcmp(buf + have - 2, "> ") == 0)
			return true;
		if (have > sizeof(buf) / 2) {	/* keep the tail only */
			memmove(buf, buf + have - 16, 16);
			have = 16;
		}
	}
}

bool
mgmt_bmc_cmd(struct harness *h, const char *cmd)
{
	unsigned char *ps = harness_read_file(harness_path(h, "console.port"),
	    NULL);
	struct sockaddr_in sa;
	int fd, port = ps != NULL ? atoi((char *)ps) : -1;
	bool ok = false;

	free(ps);
	if (port <= 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return false;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    mgmt_console_prompt(fd, 5000)) {
		size_t len = strlen(cmd);

		ok = write(fd, cmd, len) == (ssize_t)len &&
		    write(fd, "\n", 1) == 1 && mgmt_console_prompt(fd, 5000);
	}
	close(fd);
	return ok;
}

const char *
mgmt_ipmitool(struct harness *h, const char *const *args)
{
	static const char *const env[] = { "IPMI_PASSWORD=" HARNESS_ADMIN_PASS,
	    "TZ=UTC", NULL };
	const char *argv[64];
	char port[16], name[48];
	struct harness_proc *p = NULL;
	static int seq;
	size_t n = 0, i;

	snprintf(port, sizeof(port), "%d", harness_bmc_port(h));
	argv[n++] = "ipmitool";
	argv[n++] = "-I";
	argv[n++] = "lanplus";
	argv[n++] = "-C";
	argv[n++] = "3";		/* ipmi_sim has no suite 17 */
	argv[n++] = "-H";
	argv[n++] = "127.0.0.1";
	argv[n++] = "-p";
	argv[n++] = port;
	argv[n++] = "-U";
	argv[n++] = HARNESS_ADMIN_USER;
	argv[n++] = "-E";
	for (i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "mgmt-ipmitool-%d", ++seq);
	if (mgmt_run(h, name, argv, env, &p) < 0)
		return NULL;
	return (const char *)harness_proc_out(p, NULL);
}

/* FreeIPMI's config file: the credentials stay out of argv. */
static const char *
mgmt_freeipmi_conf(struct harness *h)
{
	const char *path = harness_path(h, "freeipmi.conf");
	FILE *fp;

	if (access(path, R_OK) == 0)
		return path;
	if ((fp = fopen(path, "w")) == NULL)
		return NULL;
	chmod(path, 0600);
	fprintf(fp, "username %s\npassword %s\n", HARNESS_ADMIN_USER,
	    HARNESS_ADMIN_PASS);
	return fclose(fp) == 0 ? path : NULL;
}

const char *
mgmt_freeipmi(struct harness *h, const char *tool, const char *const *args)
{
	static const char *const env[] = { "TZ=UTC", NULL };
	const char *argv[64], *conf = mgmt_freeipmi_conf(h);
	const char *cache = harness_path(h, "sdr-cache");
	char hostport[48], name[48];
	struct harness_proc *p = NULL;
	static int seq;
	size_t n = 0, i;

	if (conf == NULL || (mkdir(cache, 0700) < 0 && errno != EEXIST))
		return NULL;
	snprintf(hostport, sizeof(hostport), "127.0.0.1:%d",
	    harness_bmc_port(h));
	argv[n++] = tool;
	argv[n++] = "-h";
	argv[n++] = hostport;
	argv[n++] = "--config-file";
	argv[n++] = conf;
	/* no -D LAN_2_0: with it ipmi_sim refuses the privilege level */
	argv[n++] = "-I";
	argv[n++] = "3";
	argv[n++] = "-l";
	argv[n++] = "admin";
	if (strcmp(tool, "ipmi-chassis") != 0) {
		argv[n++] = "--sdr-cache-directory";
		argv[n++] = cache;
		argv[n++] = "--quiet-cache";
	}
	for (i = 0; args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	snprintf(name, sizeof(name), "mgmt-%s-%d", tool, ++seq);
	if (mgmt_run(h, name, argv, env, &p) < 0)
		return NULL;
	return (const char *)harness_proc_out(p, NULL);
}

/* Copy [s, s + len) trimmed of blanks and FreeIPMI's quotes. */
static void
mgmt_field(char *dst, const char *s, size_t len)
{
	while (len > 0 && (*s == ' ' || *s == '\t'))
		s++, len--;
	while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t' ||
	    s[len - 1] == '\r'))
		len--;
	if (len >= 2 && s[0] == '\'' && s[len - 1] == '\'')
		s++, len -= 2;
	if (len >= MGMT_FIELD_LEN)
		len = MGMT_FIELD_LEN - 1;
	memcpy(dst, s, len);
	dst[len] = '\0';
}

int
mgmt_table_parse(const char *text, char sep, struct mgmt_table *t)
{
	const char *line = text;

	memset(t, 0, sizeof(*t));
	while (line != NULL && *line != '\0') {
		const char *eol = strchr(line, '\n');
		size_t llen = eol != NULL ? (size_t)(eol - line) : strlen(line);
		struct mgmt_row *r;
		const char *f = line;

		if (llen == 0 || strspn(line, " \t\r") >= llen) {
			line = eol != NULL ? eol + 1 : NULL;
			continue;
		}
		if (t->n == MGMT_MAX_ROWS)
			return -1;
		r = &t->r[t->n++];
		for (;;) {
			const char *end = memchr(f, sep, llen - (size_t)(f - line));

			if (r->n == MGMT_MAX_FIELDS)
				return -1;
			if (end == NULL)
				end = line + llen;
			mgmt_field(r->f[r->n++], f, (size_t)(end - f));
			if (end == line + llen)
				break;
			f = end + 1;
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	return t->n;
}

const struct mgmt_row *
mgmt_table_find(const struct mgmt_table *t, int col, const char *key)
{
	int i;

	for (i = 0; i < t->n; i++)
		if (col < t->r[i].n && strcmp(t->r[i].f[col], key) == 0)
			return &t->r[i];
	return NULL;
}

int
mgmt_decimals(const char *num)
{
	const char *dot = strchr(num, '.');

	return dot != NULL ? (int)strspn(dot + 1, "0123456789") : 0;
}

bool
mgmt_label_value(const char *text, const char *label, char *out, size_t cap)
{
	const char *line = text;
	size_t llen = strlen(label);

	while (line != NULL && *line != '\0') {
		const char *eol = strchr(line, '\n'), *p = line;
		size_t len = eol != NULL ? (size_t)(eol - line) : strlen(line);
		const char *colon = memchr(line, ':', len);

		while (p < line + len && (*p == ' ' || *p == '\t'))
			p++;
		if (colon != NULL && (size_t)(colon - p) >= llen &&
		    strncmp(p, label, llen) == 0 &&
		    strspn(p + llen, " \t") == (size_t)(colon - p - llen)) {
			char field[MGMT_FIELD_LEN];

			mgmt_field(field, colon + 1, (size_t)(line + len -
			    colon - 1));
			snprintf(out, cap, "%s", field);
			return true;
		}
		line = eol != NULL ? eol + 1 : NULL;
	}
	return false;
}
