/* harness_fleet.c — integration-test scaffolding for ipmuxd: N ipmi_sim + hostsim nodes, the daemon, its CLI and raw control-socket clients. */

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "harness_fleet.h"
#include "proto.h"

#define FLEET_LIST_EVERY_MS 200
#define FLEET_MAX_MSG (16u * 1024 * 1024)
#define FLEET_HDR PROTO_HDR_LEN

struct fleet_node {
	struct harness *h;
	char name[16];
	char profile[32];
	bool listed;
	int port;
};

struct fleet_client {
	struct fleet *f;
	struct fleet_client *next;
	int fd;
	bool closed, stalled, bad;
	struct harness_buf in;			/* unparsed bytes */
	struct harness_buf data;		/* every PROTO_DATA payload */
	struct harness_buf events;		/* EVENT / ERROR payloads, one a line */
	struct fleet_msg *msgs;		/* non-DATA messages, in order */
	bool *used;
	size_t nmsgs;
	int counts[64];
	struct fleet_msg last;		/* what wait_type returned */
};

struct fleet {
	struct harness *h;
	struct fleet_node *nodes;
	int n, cap;
	char *global;
	char *logdir;
	struct harness_proc *daemon;
	struct fleet_client *clients;
	int cli_seq;
	char **strs;			/* strings handed out, freed with us */
	size_t nstrs;
	char why[16384];
};

static void
fleet_buf_consume(struct harness_buf *b, size_t n)
{
	memmove(b->p, b->p + n, b->len - n);
	b->len -= n;
	b->p[b->len] = '\0';
}

static int
fleet_write_file(const char *path, const char *text, mode_t mode)
{
	size_t len = strlen(text), off = 0;
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);

	if (fd < 0)
		return -1;
	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			close(fd);
			return -1;
		}
		off += (size_t)n;
	}
	if (fchmod(fd, mode) < 0) {
		close(fd);
		return -1;
	}
	return close(fd);
}

/* ---- setup ---- */

struct fleet *
fleet_new(const char *test_name)
{
	struct fleet *f = calloc(1, sizeof(*f));

	ck_assert_msg(f != NULL, "out of memory");
	f->h = harness_new(test_name);
	ck_assert_msg(fleet_write_file(harness_path(f->h, "adm.pw"),
	    HARNESS_ADMIN_PASS, 0600) == 0 &&
	    fleet_write_file(harness_path(f->h, "oper.pw"),
	    HARNESS_OPER_PASS, 0600) == 0, "password files: %s",
	    strerror(errno));
	ck_assert(mkdir(harness_path(f->h, "logs"), 0755) == 0);
	ck_assert(mkdir(harness_path(f->h, "state"), 0755) == 0);
	return f;
}

struct harness *
fleet_harness(struct fleet *f)
{
	return f->h;
}

static const char *
fleet_bin(const char *name)
{
	static char path[2][4096];
	static int i;

	i = !i;
	snprintf(path[i], sizeof(path[i]), "%s/bin/%s", harness_build_dir(),
	    name);
	return path[i];
}

bool
fleet_skip_without_daemon(void)
{
	const char *ci = getenv("CI");
	bool d = access(fleet_bin("ipmuxd"), X_OK) == 0;
	bool c = access(fleet_bin("ipmux"), X_OK) == 0;

	if (d && c)
		return false;
	if (ci != NULL && *ci != '\0')
		ck_abort_msg("%s/bin/ipmuxd or ipmux is not built and CI is set",
		    harness_build_dir());
	fprintf(stderr, "SKIP: %s/bin/%s not built; this test did nothing\n",
	    harness_build_dir(), d ? "ipmux" : "ipmuxd");
	return true;
}

void
fleet_client_free(struct fleet_client *c)
{
	struct fleet_client **pp;
	size_t i;

	if (c == NULL)
		return;
	for (pp = &c->f->clients; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	if (c->fd >= 0)
		close(c->fd);
	for (i = 0; i < c->nmsgs; i++)
		free(c->msgs[i].payload);
	free(c->msgs);
	free(c->used);
	free(c->last.payload);
	free(c->in.p);
	free(c->data.p);
	free(c->events.p);
	free(c);
}

void
fleet_free(struct fleet *f)
{
	int i;

	if (f == NULL)
		return;
	while (f->clients != NULL)
		fleet_client_free(f->clients);
	if (f->daemon != NULL && harness_proc_stop(f->daemon, 5000) < 0)
		fprintf(stderr, "fleet: ipmuxd did not exit\n");
	harness_free(f->h);
	for (i = 0; i < f->n; i++)
		harness_free(f->nodes[i].h);
	free(f->nodes);
	for (i = 0; i < (int)f->nstrs; i++)
		free(f->strs[i]);
	free(f->strs);
	free(f->global);
	free(f->logdir);
	free(f);
}

/* ---- nodes ---- */

int
fleet_add_nodes(struct fleet *f, int n, const char *const *hostsim_args)
{
	int first = f->n, i;
	char tn[64];

	for (i = 0; i < n; i++) {
		struct fleet_node *nd;

		if (f->n == f->cap) {
			int cap = f->cap ? f->cap * 2 : 64;
			struct fleet_node *np = realloc(f->nodes,
			    (size_t)cap * sizeof(*np));

			ck_assert_msg(np != NULL, "out of memory");
			f->nodes = np;
			f->cap = cap;
		}
		nd = &f->nodes[f->n];
		memset(nd, 0, sizeof(*nd));
		snprintf(nd->name, sizeof(nd->name), "n%02d", f->n);
		snprintf(nd->profile, sizeof(nd->profile), "%s",
		    FLEET_PROFILE_ADMIN);
		nd->listed = true;
		snprintf(tn, sizeof(tn), "node-%s", nd->name);
		nd->h = harness_new(tn);
		f->n++;
		if (harness_start_hostsim(nd->h, hostsim_args) < 0 ||
		    harness_start_bmc(nd->h) < 0) {
			fprintf(stderr, "fleet: node %s did not start\n",
			    nd->name);
			return -1;
		}
	}
	return first;
}

int
fleet_nnodes(const struct fleet *f)
{
	return f->n;
}

struct harness *
fleet_node(struct fleet *f, int i)
{
	ck_assert_msg(i >= 0 && i < f->n, "no node %d", i);
	return f->nodes[i].h;
}

const char *
fleet_node_name(const struct fleet *f, int i)
{
	ck_assert_msg(i >= 0 && i < f->n, "no node %d", i);
	return f->nodes[i].name;
}

void
fleet_node_set_listed(struct fleet *f, int i, bool listed)
{
	ck_assert_msg(i >= 0 && i < f->n, "no node %d", i);
	f->nodes[i].listed = listed;
}

void
fleet_node_set_profile(struct fleet *f, int i, const char *profile)
{
	ck_assert_msg(i >= 0 && i < f->n, "no node %d", i);
	snprintf(f->nodes[i].profile, sizeof(f->nodes[i].profile), "%s",
	    profile);
}

void
fleet_node_set_port(struct fleet *f, int i, int port)
{
	ck_assert_msg(i >= 0 && i < f->n, "no node %d", i);
	f->nodes[i].port = port;
}

bool
fleet_node_cmd(struct fleet *f, int i, const char *cmd)
{
	const char *r = harness_hostsim(fleet_node(f, i), "%s", cmd);

	if (r != NULL && strncmp(r, "ok", 2) == 0)
		return true;
	fprintf(stderr, "fleet: %s hostsim `%s` answered %s\n",
	    fleet_node_name(f, i), cmd, r != NULL ? r : "nothing");
	return false;
}

int
fleet_node_sol_active(struct fleet *f, int i)
{
	struct harness *h = fleet_node(f, i);
	char port[16];
	const char *argv[] = { "ipmitool", "-I", "lanplus", "-C", "3",
	    "-H", "127.0.0.1", "-p", port, "-U", HARNESS_ADMIN_USER, "-E",
	    "raw", "0x06", "0x4a", "0x01", NULL };
	const char *env[] = { "IPMI_PASSWORD=" HARNESS_ADMIN_PASS, NULL };
	struct harness_proc *p;
	unsigned int cap, b1, b2;
	int rc;

	snprintf(port, sizeof(port), "%d", harness_bmc_port(h));
	p = harness_spawn(h, "payload-status", argv, env);
	harness_proc_close_stdin(p);
	rc = harness_proc_wait(p, 10000);
	if (rc != 0) {
		if (rc < 0)
			harness_proc_stop(p, 1000);
		fprintf(stderr, "fleet: %s payload status: ipmitool exit %d: "
		    "%s\n", fleet_node_name(f, i), rc, harness_proc_err(p));
		return -1;
	}
	if (sscanf((const char *)harness_proc_out(p, NULL), "%x %x %x", &cap,
	    &b1, &b2) != 3)
		return -1;
	return (b1 & 1) != 0;
}

/* ---- config ---- */

void
fleet_set_global(struct fleet *f, const char *lines)
{
	free(f->global);
	f->global = lines != NULL ? strdup(lines) : NULL;
}

void
fleet_set_logdir(struct fleet *f, const char *dir)
{
	free(f->logdir);
	f->logdir = dir != NULL ? strdup(dir) : NULL;
}

const char *
fleet_config_path(struct fleet *f)
{
	return harness_path(f->h, "ipmuxd.conf");
}

const char *
fleet_socket_path(struct fleet *f)
{
	return harness_path(f->h, "ipmux.sock");
}

const char *
fleet_logdir(struct fleet *f)
{
	return f->logdir != NULL ? f->logdir : harness_path(f->h, "logs");
}

const char *
fleet_log_path(struct fleet *f, int i)
{
	char *p, **np;

	if (asprintf(&p, "%s/%s.log", fleet_logdir(f), fleet_node_name(f, i)) < 0)
		p = NULL;
	ck_assert_msg(p != NULL, "out of memory");
	np = realloc(f->strs, (f->nstrs + 1) * sizeof(*np));
	ck_assert_msg(np != NULL, "out of memory");
	f->strs = np;
	f->strs[f->nstrs++] = p;
	return p;
}

/* Close the memstream m (its buffer lands in *text only then) and put
 * the config in place atomically: the daemon never reads a half-written
 * file on reload. */
static int
fleet_config_commit(struct fleet *f, FILE *m, char **text)
{
	const char *tmp = harness_path(f->h, "ipmuxd.conf.tmp");
	int rc;

	if (fclose(m) != 0) {
		free(*text);
		return -1;
	}
	rc = fleet_write_file(tmp, *text, 0644);
	free(*text);
	if (rc == 0)
		rc = rename(tmp, fleet_config_path(f));
	return rc;
}

int
fleet_write_config(struct fleet *f)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *m = open_memstream(&text, &tlen);
	int i;

	if (m == NULL)
		return -1;
	fprintf(m, "# ipmuxd config written by tests/integ/harness_fleet.c\n"
	    "ipmux = {\n"
	    "  socket = \"%s\";\n  logdir = \"%s\";\n  statedir = \"%s\";\n"
	    "  log_timestamps = \"off\";\n%s%s"
	    "};\n"
	    "profiles = (\n"
	    "  { name = \"%s\"; user = \"%s\"; password_file = \"%s\";"
	    " cipher = 3; privilege = \"admin\"; },\n"
	    "  { name = \"%s\"; user = \"%s\"; password_file = \"%s\";"
	    " cipher = 3; privilege = \"operator\"; }\n"
	    ");\n"
	    "consoles = (\n",
	    fleet_socket_path(f), fleet_logdir(f), harness_path(f->h, "state"),
	    f->global != NULL ? f->global : "",
	    f->global != NULL && *f->global != '\0' ? "\n" : "",
	    FLEET_PROFILE_ADMIN, HARNESS_ADMIN_USER,
	    harness_path(f->h, "adm.pw"),
	    FLEET_PROFILE_OPER, HARNESS_OPER_USER,
	    harness_path(f->h, "oper.pw"));
	{
		bool first = true;

		for (i = 0; i < f->n; i++) {
			const struct fleet_node *nd = &f->nodes[i];

			if (!nd->listed)
				continue;
			fprintf(m, "%s  { name = \"%s\"; host = \"127.0.0.1:%d\";"
			    " profile = \"%s\"; group = \"fleet\"; }",
			    first ? "" : ",\n", nd->name,
			    nd->port > 0 ? nd->port : harness_bmc_port(nd->h),
			    nd->profile);
			first = false;
		}
	}
	fprintf(m, "\n);\n");
	return fleet_config_commit(f, m, &text);
}

int
fleet_write_bmcsim_config(struct fleet *f, int port, int n, const char *global,
    const char *acls)
{
	char *text = NULL;
	size_t tlen = 0;
	FILE *m = open_memstream(&text, &tlen);
	int i;

	if (m == NULL)
		return -1;
	fprintf(m, "# ipmuxd config for ipmux-bmcsim, by harness_fleet.c\n"
	    "ipmux = {\n  socket = \"%s\";\n  logdir = \"%s\";\n"
	    "  statedir = \"%s\";\n  log_timestamps = \"off\";\n%s%s};\n"
	    "profiles = ( { name = \"sim\"; user = \"%s\";"
	    " password_file = \"%s\"; cipher = 17;"
	    " privilege = \"admin\"; } );\n"
	    "consoles = (\n", fleet_socket_path(f), fleet_logdir(f),
	    harness_path(f->h, "state"), global != NULL ? global : "",
	    global != NULL && *global != '\0' ? "\n" : "",
	    HARNESS_ADMIN_USER, harness_path(f->h, "bmcsim.pw"));
	for (i = 0; i < n; i++)
		fprintf(m, "%s  { name = \"node%d\"; host = \"127.0.0.1:%d\";"
		    " profile = \"sim\"; group = \"rack\"; }", i ? ",\n" : "",
		    i + 1, port + i);
	fprintf(m, "\n);\n");
	if (acls != NULL)
		fprintf(m, "acls = (\n%s\n);\n", acls);
	return fleet_config_commit(f, m, &text);
}

/* ---- waits ---- */

static void fleet_pump_clients(struct fleet *f);

struct fleet_cond {
	struct fleet *f;
	harness_cond_fn fn;
	void *arg;
};

static bool
fleet_cond_wrap(void *arg)
{
	struct fleet_cond *c = arg;

	fleet_pump_clients(c->f);
	return c->fn(c->arg);
}

bool
fleet_wait(struct fleet *f, harness_cond_fn fn, void *arg, int timeout_ms)
{
	struct fleet_cond c = { f, fn, arg };

	return harness_wait_for(fleet_cond_wrap, &c, timeout_ms);
}

struct fleet_file {
	const char *path;
	const char *needle;
	size_t len;
};

static bool
fleet_cond_file(void *arg)
{
	struct fleet_file *w = arg;

	if (w->needle != NULL)
		return harness_file_count(w->path, w->needle) > 0;
	return harness_file_size(w->path) >= w->len;
}

bool
fleet_wait_file_has(struct fleet *f, const char *path, const char *needle,
    int timeout_ms)
{
	struct fleet_file w = { path, needle, 0 };

	return fleet_wait(f, fleet_cond_file, &w, timeout_ms);
}

bool
fleet_wait_file_len(struct fleet *f, const char *path, size_t len,
    int timeout_ms)
{
	struct fleet_file w = { path, NULL, len };

	return fleet_wait(f, fleet_cond_file, &w, timeout_ms);
}

static bool
fleet_never(void *arg)
{
	return false;
}

void
fleet_pump(struct fleet *f, int ms)
{
	(void)fleet_wait(f, fleet_never, NULL, ms);
}

/* ---- daemon and CLI ---- */

static int
fleet_unix_connect(const char *path)
{
	struct sockaddr_un sa;
	int fd;

	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa.sun_path))
		return -1;
	strcpy(sa.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool
fleet_cond_daemon_up(void *arg)
{
	struct fleet *f = arg;
	int fd;

	if (!harness_proc_running(f->daemon))
		return true;
	fd = fleet_unix_connect(fleet_socket_path(f));
	if (fd < 0)
		return false;
	close(fd);
	return true;
}

int
fleet_start_daemon(struct fleet *f)
{
	const char *v = getenv("IPMUX_DAEMON_VERBOSE");
	const char *argv[] = { fleet_bin("ipmuxd"), "-c", fleet_config_path(f),
	    "-F", v != NULL && *v != '\0' && strcmp(v, "0") != 0 ? "-v" : NULL,
	    NULL };

	f->daemon = harness_spawn(f->h, "ipmuxd", argv, NULL);
	if (fleet_wait(f, fleet_cond_daemon_up, f, 10000) &&
	    harness_proc_running(f->daemon))
		return 0;
	fprintf(stderr, "fleet: ipmuxd did not come up (%s); stderr: %s\n",
	    harness_proc_running(f->daemon) ? "running, socket not accepting" :
	    "exited", harness_proc_err(f->daemon));
	return -1;
}

struct harness_proc *
fleet_daemon(struct fleet *f)
{
	return f->daemon;
}

bool
fleet_daemon_running(struct fleet *f)
{
	return f->daemon != NULL && harness_proc_running(f->daemon);
}

static bool
fleet_cond_exited(void *arg)
{
	return !harness_proc_running(arg);
}

struct harness_proc *
fleet_cli_spawn(struct fleet *f, const char *name, const char *const *args)
{
	const char *argv[64];
	size_t n = 0, i;

	argv[n++] = fleet_bin("ipmux");
	argv[n++] = "-S";
	argv[n++] = fleet_socket_path(f);
	for (i = 0; args != NULL && args[i] != NULL && n < 63; i++)
		argv[n++] = args[i];
	argv[n] = NULL;
	return harness_spawn(f->h, name, argv, NULL);
}

int
fleet_cli(struct fleet *f, int timeout_ms, const char **out, const char **err,
    const char *const *args)
{
	char name[32];
	struct harness_proc *p;
	int rc;

	snprintf(name, sizeof(name), "cli-%d", ++f->cli_seq);
	p = fleet_cli_spawn(f, name, args);
	harness_proc_close_stdin(p);
	if (fleet_wait(f, fleet_cond_exited, p, timeout_ms))
		rc = harness_proc_wait(p, 0);
	else {
		harness_proc_stop(p, 1000);
		rc = -1;
	}
	if (out != NULL)
		*out = (const char *)harness_proc_out(p, NULL);
	if (err != NULL)
		*err = harness_proc_err(p);
	return rc;
}

json_object *
fleet_list(struct fleet *f)
{
	static const char *const args[] = { "list", "--json", NULL };
	const char *out, *err;
	json_object *j;
	int rc = fleet_cli(f, 5000, &out, &err, args);

	if (rc != 0) {
		fprintf(stderr, "fleet: ipmux list --json: exit %d: %s\n", rc,
		    err);
		return NULL;
	}
	j = json_tokener_parse(out);
	if (j == NULL || !json_object_is_type(j, json_type_array)) {
		fprintf(stderr, "fleet: ipmux list --json printed no JSON "
		    "array: %.300s\n", out);
		json_object_put(j);
		return NULL;
	}
	return j;
}

json_object *
fleet_cli_json(struct fleet *f, int timeout_ms, int *rc, const char **err,
    const char *const *args)
{
	const char *out = NULL;
	json_object *j;
	enum json_tokener_error jerr;

	*rc = fleet_cli(f, timeout_ms, &out, err, args);
	if (out == NULL || *out == '\0')
		return NULL;
	j = json_tokener_parse_verbose(out, &jerr);
	return jerr == json_tokener_success ? j : NULL;
}

bool
fleet_entry_num(json_object *entry, const char *key, double *out)
{
	json_object *v;

	if (entry == NULL || !json_object_object_get_ex(entry, key, &v) ||
	    !(json_object_is_type(v, json_type_int) ||
	    json_object_is_type(v, json_type_double)))
		return false;
	*out = json_object_get_double(v);
	return true;
}

json_object *
fleet_list_find(json_object *list, const char *name)
{
	size_t i, n;

	if (list == NULL)
		return NULL;
	n = json_object_array_length(list);
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);

		if (strcmp(fleet_entry_str(e, "name"), name) == 0)
			return e;
	}
	return NULL;
}

const char *
fleet_entry_str(json_object *entry, const char *key)
{
	json_object *v;

	if (entry == NULL || !json_object_object_get_ex(entry, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

/* Is st one of the '|'-separated alternatives in want? */
static bool
fleet_state_in(const char *st, const char *want)
{
	size_t sl = strlen(st);

	while (*want != '\0') {
		size_t n = strcspn(want, "|");

		if (n == sl && strncmp(want, st, n) == 0)
			return true;
		want += n;
		if (*want == '|')
			want++;
	}
	return false;
}

struct fleet_states {
	struct fleet *f;
	const int *idx;
	int n;
	const char *state;
	bool not_state;
	int64_t last;
};

static bool
fleet_cond_states(void *arg)
{
	struct fleet_states *s = arg;
	struct fleet *f = s->f;
	json_object *list;
	size_t off = 0;
	int k, bad = 0;

	if (harness_now_ms() - s->last < FLEET_LIST_EVERY_MS)
		return false;
	s->last = harness_now_ms();
	if ((list = fleet_list(f)) == NULL) {
		snprintf(f->why, sizeof(f->why), "ipmux list --json failed");
		return false;
	}
	f->why[0] = '\0';
	for (k = 0; k < s->n; k++) {
		int i = s->idx != NULL ? s->idx[k] : k;
		json_object *e = fleet_list_find(list, fleet_node_name(f, i));
		const char *st = e != NULL ? fleet_entry_str(e, "state") :
		    "absent";
		bool in = fleet_state_in(st, s->state);

		if (in != s->not_state)
			continue;
		bad++;
		if (off < sizeof(f->why) - 128)
			off += (size_t)snprintf(f->why + off, sizeof(f->why) -
			    off, "%s%s=%s(%s)", bad > 1 ? ", " : "",
			    fleet_node_name(f, i), st,
			    fleet_entry_str(e, "reason"));
	}
	json_object_put(list);
	return bad == 0;
}

bool
fleet_wait_states(struct fleet *f, const int *idx, int n, const char *state,
    bool not_state, int timeout_ms, const char **why)
{
	struct fleet_states s = { f, idx, idx != NULL ? n : f->n, state,
	    not_state, 0 };
	bool ok;

	f->why[0] = '\0';
	ok = fleet_wait(f, fleet_cond_states, &s, timeout_ms);
	/* one last look exactly at the deadline */
	if (!ok) {
		s.last = 0;
		ok = fleet_cond_states(&s);
	}
	if (why != NULL)
		*why = f->why;
	return ok;
}

/* ---- control-socket clients ---- */

struct fleet_client *
fleet_client_connect(struct fleet *f)
{
	struct fleet_client *c;
	int fd = fleet_unix_connect(fleet_socket_path(f));

	if (fd < 0) {
		fprintf(stderr, "fleet: connect %s: %s\n", fleet_socket_path(f),
		    strerror(errno));
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	ck_assert_msg(c != NULL, "out of memory");
	fcntl(fd, F_SETFL, O_NONBLOCK);
	c->f = f;
	c->fd = fd;
	harness_buf_add(&c->data, "", 0);
	harness_buf_add(&c->events, "", 0);
	c->next = f->clients;
	f->clients = c;
	return c;
}

struct fleet_client *
fleet_client_hello(struct fleet *f)
{
	struct fleet_client *c = fleet_client_connect(f);
	const struct fleet_msg *m;

	if (c == NULL)
		return NULL;
	if (!fleet_client_send_json(c, PROTO_HELLO,
	    "{\"version\":1,\"client\":\"check_daemon\"}")) {
		fleet_client_free(c);
		return NULL;
	}
	m = fleet_client_wait_type(c, PROTO_HELLO_OK, 5000);
	if (m == NULL) {
		fprintf(stderr, "fleet: no HELLO_OK (closed %d, events: %s)\n",
		    c->closed, fleet_client_events(c));
		fleet_client_free(c);
		return NULL;
	}
	return c;
}

void
fleet_client_stall(struct fleet_client *c, bool stall)
{
	c->stalled = stall;
}

bool
fleet_client_send_raw(struct fleet_client *c, const void *buf, size_t len)
{
	const unsigned char *p = buf;
	int64_t deadline = harness_now_ms() + 5000;

	while (len > 0) {
		ssize_t n;

		if (c->fd < 0 || harness_now_ms() > deadline)
			return false;
		n = send(c->fd, p, len, MSG_NOSIGNAL);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			/* keep reading meanwhile so neither side deadlocks */
			if (!c->stalled)
				fleet_client_read(c);
			harness_pump(5);
			continue;
		}
		if (n < 0)
			return false;
		p += n;
		len -= (size_t)n;
	}
	return true;
}

bool
fleet_client_send_hdr(struct fleet_client *c, uint32_t len, uint16_t type,
    uint8_t version, const void *payload, size_t plen)
{
	unsigned char hdr[FLEET_HDR] = {
		(unsigned char)len, (unsigned char)(len >> 8),
		(unsigned char)(len >> 16), (unsigned char)(len >> 24),
		(unsigned char)type, (unsigned char)(type >> 8), version, 0
	};

	return fleet_client_send_raw(c, hdr, sizeof(hdr)) &&
	    (plen == 0 || fleet_client_send_raw(c, payload, plen));
}

bool
fleet_client_send(struct fleet_client *c, uint16_t type, const void *payload,
    size_t len)
{
	return fleet_client_send_hdr(c, (uint32_t)len, type, PROTO_VERSION,
	    payload, len);
}

bool
fleet_client_send_json(struct fleet_client *c, uint16_t type, const char *json)
{
	return fleet_client_send(c, type, json, strlen(json));
}

static void
fleet_client_keep(struct fleet_client *c, uint16_t type, uint8_t version,
    const unsigned char *payload, size_t len)
{
	struct fleet_msg *nm;
	bool *nu;

	if (type < 64)
		c->counts[type]++;
	if (type == PROTO_DATA) {
		harness_buf_add(&c->data, payload, len);
		return;
	}
	if (type == PROTO_EVENT || type == PROTO_ERROR ||
	    type == PROTO_DETACHED) {
		harness_buf_add(&c->events, payload, len);
		harness_buf_add(&c->events, "\n", 1);
	}
	nm = realloc(c->msgs, (c->nmsgs + 1) * sizeof(*nm));
	ck_assert_msg(nm != NULL, "out of memory");
	c->msgs = nm;
	nu = realloc(c->used, (c->nmsgs + 1) * sizeof(*nu));
	ck_assert_msg(nu != NULL, "out of memory");
	c->used = nu;
	nm[c->nmsgs].type = type;
	nm[c->nmsgs].version = version;
	nm[c->nmsgs].len = len;
	nm[c->nmsgs].payload = malloc(len + 1);
	ck_assert_msg(nm[c->nmsgs].payload != NULL, "out of memory");
	memcpy(nm[c->nmsgs].payload, payload, len);
	nm[c->nmsgs].payload[len] = '\0';
	nu[c->nmsgs] = false;
	c->nmsgs++;
}

/* Split whole messages off the input buffer. */
static void
fleet_client_parse(struct fleet_client *c)
{
	while (!c->bad && c->in.len >= FLEET_HDR) {
		const unsigned char *h = c->in.p;
		uint32_t len = (uint32_t)h[0] | (uint32_t)h[1] << 8 |
		    (uint32_t)h[2] << 16 | (uint32_t)h[3] << 24;
		uint16_t type = (uint16_t)(h[4] | h[5] << 8);

		if (len > FLEET_MAX_MSG) {
			fprintf(stderr, "fleet: daemon sent a %u-byte message "
			    "(type %u)\n", len, type);
			c->bad = true;
			return;
		}
		if (c->in.len < FLEET_HDR + (size_t)len)
			return;
		fleet_client_keep(c, type, h[6], h + FLEET_HDR, len);
		fleet_buf_consume(&c->in, FLEET_HDR + (size_t)len);
	}
}

bool
fleet_client_read(struct fleet_client *c)
{
	unsigned char buf[65536];

	while (c->fd >= 0 && !c->closed) {
		ssize_t n = recv(c->fd, buf, sizeof(buf), 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			c->closed = true;
			break;
		}
		harness_buf_add(&c->in, buf, (size_t)n);
		fleet_client_parse(c);
	}
	fleet_client_parse(c);
	return !c->closed;
}

static void
fleet_pump_clients(struct fleet *f)
{
	struct fleet_client *c;

	for (c = f->clients; c != NULL; c = c->next)
		if (!c->stalled)
			fleet_client_read(c);
}

bool
fleet_client_closed(const struct fleet_client *c)
{
	return c->closed;
}

struct fleet_type_wait {
	struct fleet_client *c;
	uint16_t type;
	size_t at;
};

static bool
fleet_cond_type(void *arg)
{
	struct fleet_type_wait *w = arg;
	struct fleet_client *c = w->c;
	size_t i;

	fleet_client_read(c);
	for (i = 0; i < c->nmsgs; i++) {
		if (!c->used[i] && c->msgs[i].type == w->type) {
			w->at = i;
			return true;
		}
	}
	return c->closed;
}

const struct fleet_msg *
fleet_client_wait_type(struct fleet_client *c, uint16_t type, int timeout_ms)
{
	struct fleet_type_wait w = { c, type, (size_t)-1 };

	if (!fleet_wait(c->f, fleet_cond_type, &w, timeout_ms) ||
	    w.at == (size_t)-1)
		return NULL;
	c->used[w.at] = true;
	free(c->last.payload);
	c->last = c->msgs[w.at];
	c->last.payload = malloc(c->last.len + 1);
	ck_assert_msg(c->last.payload != NULL, "out of memory");
	memcpy(c->last.payload, c->msgs[w.at].payload, c->last.len + 1);
	return &c->last;
}

static bool
fleet_cond_closed(void *arg)
{
	struct fleet_client *c = arg;

	fleet_client_read(c);
	return c->closed;
}

bool
fleet_client_wait_closed(struct fleet_client *c, int timeout_ms)
{
	return fleet_wait(c->f, fleet_cond_closed, c, timeout_ms);
}

const unsigned char *
fleet_client_data(struct fleet_client *c, size_t *len)
{
	if (len != NULL)
		*len = c->data.len;
	return c->data.p;
}

struct fleet_data_wait {
	struct fleet_client *c;
	const char *needle;
	size_t len;
	bool events;
};

static bool
fleet_cond_data(void *arg)
{
	struct fleet_data_wait *w = arg;
	const struct harness_buf *b = w->events ? &w->c->events : &w->c->data;

	fleet_client_read(w->c);
	if (w->needle == NULL)
		return b->len >= w->len;
	return memmem(b->p, b->len, w->needle, strlen(w->needle)) != NULL;
}

bool
fleet_client_wait_data(struct fleet_client *c, const char *needle,
    int timeout_ms)
{
	struct fleet_data_wait w = { c, needle, 0, false };

	return fleet_wait(c->f, fleet_cond_data, &w, timeout_ms);
}

bool
fleet_client_wait_data_len(struct fleet_client *c, size_t len, int timeout_ms)
{
	struct fleet_data_wait w = { c, NULL, len, false };

	return fleet_wait(c->f, fleet_cond_data, &w, timeout_ms);
}

int
fleet_client_count(const struct fleet_client *c, uint16_t type)
{
	return type < 64 ? c->counts[type] : 0;
}

const char *
fleet_client_events(struct fleet_client *c)
{
	return (const char *)c->events.p;
}

bool
fleet_client_wait_event(struct fleet_client *c, const char *needle,
    int timeout_ms)
{
	struct fleet_data_wait w = { c, needle, 0, true };

	return fleet_wait(c->f, fleet_cond_data, &w, timeout_ms);
}

/* ---- logs ---- */

size_t
fleet_strip_markers(unsigned char *buf, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		bool at_line = r == 0 || buf[r - 1] == '\n';

		if (at_line && len - r >= 7 && memcmp(buf + r, "[ipmux ", 7) == 0) {
			unsigned char *nl = memchr(buf + r, '\n', len - r);

			r = nl != NULL ? (size_t)(nl - buf) + 1 : len;
			continue;
		}
		buf[w++] = buf[r++];
	}
	if (buf != NULL)
		buf[w] = '\0';
	return w;
}

size_t
fleet_strip_markers_crlf(unsigned char *buf, size_t len)
{
	size_t r = 0, w = 0;

	while (r < len) {
		bool at_line = r == 0 || buf[r - 1] == '\n';

		if (at_line && len - r >= 7 &&
		    memcmp(buf + r, "[ipmux ", 7) == 0) {
			unsigned char *nl = memchr(buf + r, '\n', len - r);

			r = nl != NULL ? (size_t)(nl - buf) + 1 : len;
			/* The daemon starts a marker on a line of its own:
			 * mid-line, a bare LF before it is the daemon's; after
			 * a lone CR, that LF looks like the host's CR LF and
			 * the host's own LF follows the marker. */
			if (w > 0 && buf[w - 1] == '\n' &&
			    (w < 2 || buf[w - 2] != '\r'))
				w--;
			else if (w >= 2 && buf[w - 1] == '\n' &&
			    buf[w - 2] == '\r' && r < len && buf[r] == '\n')
				r++;
			continue;
		}
		buf[w++] = buf[r++];
	}
	if (buf != NULL)
		buf[w] = '\0';
	return w;
}

/* Offset just past the line of the last marker that contains needle. */
static size_t
fleet_after_marker(const unsigned char *buf, size_t len, const char *needle,
    bool *found)
{
	size_t off = 0, after = 0, nl_len = strlen(needle);

	*found = false;
	while (off < len) {
		const unsigned char *nl = memchr(buf + off, '\n', len - off);
		size_t end = nl != NULL ? (size_t)(nl - buf) + 1 : len;

		if (end - off >= 7 && memcmp(buf + off, "[ipmux ", 7) == 0 &&
		    memmem(buf + off, end - off, needle, nl_len) != NULL) {
			after = end;
			*found = true;
		}
		off = end;
	}
	return after;
}

unsigned char *
fleet_log_host_bytes(const char *path, const char *after_marker, size_t *len)
{
	size_t n, from = 0;
	unsigned char *d = harness_read_file(path, &n);
	bool found = true;

	*len = 0;
	if (d == NULL)
		return NULL;
	if (after_marker != NULL)
		from = fleet_after_marker(d, n, after_marker, &found);
	if (!found) {
		free(d);
		return NULL;
	}
	memmove(d, d + from, n - from + 1);
	*len = fleet_strip_markers(d, n - from);
	return d;
}

static bool
fleet_read_zstd(const char *path, struct harness_buf *out, const char **why)
{
	size_t n, ret = 1;
	unsigned char *src = harness_read_file(path, &n);
	ZSTD_DStream *ds = ZSTD_createDStream();
	ZSTD_inBuffer in = { src, n, 0 };
	unsigned char buf[65536];

	if (src == NULL || ds == NULL) {
		*why = "cannot read a .zst file";
		free(src);
		ZSTD_freeDStream(ds);
		return false;
	}
	ZSTD_initDStream(ds);
	while (in.pos < in.size) {
		ZSTD_outBuffer o = { buf, sizeof(buf), 0 };

		ret = ZSTD_decompressStream(ds, &o, &in);
		if (ZSTD_isError(ret)) {
			*why = ZSTD_getErrorName(ret);
			break;
		}
		harness_buf_add(out, buf, o.pos);
	}
	/* drain what is left in the decoder */
	while (!ZSTD_isError(ret) && ret != 0) {
		ZSTD_outBuffer o = { buf, sizeof(buf), 0 };

		ret = ZSTD_decompressStream(ds, &o, &in);
		if (!ZSTD_isError(ret))
			harness_buf_add(out, buf, o.pos);
		if (o.pos == 0 && ret != 0) {
			*why = "truncated .zst file (still being written?)";
			ret = (size_t)-1;
			break;
		}
	}
	ZSTD_freeDStream(ds);
	free(src);
	return ret == 0;
}

static bool
fleet_read_gz(const char *path, struct harness_buf *out, const char **why)
{
	gzFile g = gzopen(path, "rb");
	unsigned char buf[65536];
	int n, err;

	if (g == NULL) {
		*why = "cannot open a .gz file";
		return false;
	}
	while ((n = gzread(g, buf, sizeof(buf))) > 0)
		harness_buf_add(out, buf, (size_t)n);
	if (n < 0)
		*why = gzerror(g, &err);
	gzclose(g);
	return n == 0;
}

static bool
fleet_exists(const char *path)
{
	return access(path, F_OK) == 0;
}

/* Highest N of NAME.log.N[.ext] in dir; 0 if none. */
static int
fleet_max_rotated(const char *logdir, const char *name)
{
	DIR *d = opendir(logdir);
	struct dirent *e;
	char pfx[256];
	size_t pl;
	int max = 0;

	if (d == NULL)
		return 0;
	snprintf(pfx, sizeof(pfx), "%s.log.", name);
	pl = strlen(pfx);
	while ((e = readdir(d)) != NULL) {
		if (strncmp(e->d_name, pfx, pl) == 0) {
			int k = atoi(e->d_name + pl);

			if (k > max)
				max = k;
		}
	}
	closedir(d);
	return max;
}

unsigned char *
fleet_log_archive(const char *logdir, const char *name, size_t *len,
    int *nfiles, const char **why)
{
	struct harness_buf out = { NULL, 0, 0 };
	char p[4096], pz[4200], pg[4200];
	int k, max = fleet_max_rotated(logdir, name);
	unsigned char *live;
	size_t ll;
	bool ok = true;

	*len = 0;
	*nfiles = 0;
	*why = NULL;
	harness_buf_add(&out, "", 0);
	for (k = max; k >= 1 && ok; k--) {
		bool plain, zst, gz;

		snprintf(p, sizeof(p), "%s/%s.log.%d", logdir, name, k);
		snprintf(pz, sizeof(pz), "%s.zst", p);
		snprintf(pg, sizeof(pg), "%s.gz", p);
		plain = fleet_exists(p);
		zst = fleet_exists(pz);
		gz = fleet_exists(pg);
		if (plain + zst + gz > 1) {
			*why = "a rotated file is still being compressed";
			ok = false;
		} else if (zst)
			ok = fleet_read_zstd(pz, &out, why);
		else if (gz)
			ok = fleet_read_gz(pg, &out, why);
		else if (plain) {
			size_t n;
			unsigned char *d = harness_read_file(p, &n);

			if (d != NULL)
				harness_buf_add(&out, d, n);
			free(d);
		} else {
			*why = "a rotated file is missing (gap in the numbering)";
			ok = false;
		}
		(*nfiles)++;
	}
	snprintf(p, sizeof(p), "%s/%s.log", logdir, name);
	live = harness_read_file(p, &ll);
	if (ok && live != NULL) {
		harness_buf_add(&out, live, ll);
		(*nfiles)++;
	}
	free(live);
	if (!ok) {
		free(out.p);
		return NULL;
	}
	*len = out.len;
	return out.p;
}

bool
fleet_same(const unsigned char *got, size_t got_len, const unsigned char *want,
    size_t want_len, const char **why)
{
	static char msg[1024];
	size_t i, n = got_len < want_len ? got_len : want_len, from, k;
	size_t off;

	for (i = 0; i < n && got[i] == want[i]; i++)
		;
	if (got_len == want_len && i == n)
		return true;
	from = i > 24 ? i - 24 : 0;
	off = (size_t)snprintf(msg, sizeof(msg), "got %zu bytes, want %zu; "
	    "first difference at offset %zu; got \"", got_len, want_len, i);
	for (k = from; k < from + 60 && k < got_len && off < 500; k++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off,
		    got[k] >= 0x20 && got[k] < 0x7f ? "%c" : "\\x%02x", got[k]);
	off += (size_t)snprintf(msg + off, sizeof(msg) - off, "\" want \"");
	for (k = from; k < from + 60 && k < want_len && off < 1000; k++)
		off += (size_t)snprintf(msg + off, sizeof(msg) - off,
		    want[k] >= 0x20 && want[k] < 0x7f ? "%c" : "\\x%02x",
		    want[k]);
	if (off < sizeof(msg) - 2)
		snprintf(msg + off, sizeof(msg) - off, "\"");
	*why = msg;
	return false;
}
