/* check_daemon_mgmt.c — ipmux power and identify through ipmuxd over each console's live session, against ipmux-bmcsim. */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <pwd.h>

#include <json-c/json.h>

#include "tests/bmcsim/sim_bootlog.h"
#include "tests/checkmain.h"
#include "harness_bmcsim.h"
#include "harness_fleet.h"
#include "proto.h"

#define NBMC 3
#define UP_MS 20000		/* handshakes of the whole fleet */
#define CLI_MS 20000
#define BOOT_MS 15000		/* the boot log's first screen */

static struct fleet *f;
static struct harness *h;
static int port;

/* node1..node3 on the simulator's BMCs 0..2; alice may power, bob only
 * read, carol administer node3; this uid may assert names (the SSH front
 * end's mechanism). */
static void
write_config(void)
{
	FILE *fp = fopen(fleet_config_path(f), "w");
	int i;

	ck_assert_ptr_nonnull(fp);
	fprintf(fp, "ipmux = { socket = \"%s\"; logdir = \"%s\";"
	    " statedir = \"%s\"; log_timestamps = \"off\";"
	    " trusted_uid = %ld; };\n"
	    "profiles = ( { name = \"sim\"; user = \"%s\";"
	    " password_file = \"%s\"; cipher = 17; privilege = \"admin\"; } );\n"
	    "consoles = (\n", fleet_socket_path(f), fleet_logdir(f),
	    harness_path(h, "state"), (long)getuid(), HARNESS_ADMIN_USER,
	    harness_path(h, "bmcsim.pw"));
	for (i = 0; i < NBMC; i++)
		fprintf(fp, "%s  { name = \"node%d\"; host = \"127.0.0.1:%d\";"
		    " profile = \"sim\"; group = \"rack\"; }", i ? ",\n" : "",
		    i + 1, port + i);
	fprintf(fp, "\n);\nacls = (\n"
	    "  { who = \"alice\"; what = \"*\";"
	    " perms = [\"read\", \"write\", \"power\"]; },\n"
	    "  { who = \"bob\"; what = \"*\"; perms = [\"read\"]; },\n"
	    "  { who = \"carol\"; what = \"node3\";"
	    " perms = [\"read\", \"admin\"]; }\n);\n");
	ck_assert_int_eq(fclose(fp), 0);
}

static bool
all_active(void *arg)
{
	json_object *l = fleet_list(arg), *e;
	int i, n = 0;
	char name[16];

	for (i = 0; l != NULL && i < NBMC; i++) {
		snprintf(name, sizeof(name), "node%d", i + 1);
		e = fleet_list_find(l, name);
		if (e != NULL && strcmp(fleet_entry_str(e, "state"),
		    "active") == 0)
			n++;
	}
	json_object_put(l);
	return n == NBMC;
}

/* ipmux ARGS... --json: the parsed array, the exit code in *rc. */
static json_object *
cli_json(int *rc, const char *const *args)
{
	const char *out = NULL, *err = NULL;
	json_object *o;

	*rc = fleet_cli(f, CLI_MS, &out, &err, args);
	o = out != NULL ? json_tokener_parse(out) : NULL;
	ck_assert_msg(o != NULL && json_object_is_type(o, json_type_array),
	    "ipmux %s %s: not a JSON array: out '%s' err '%s'", args[0],
	    args[1], out != NULL ? out : "", err != NULL ? err : "");
	return o;
}

static const char *
jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && v != NULL ?
	    json_object_get_string(v) : "";
}

/* The chassis power as a separate ipmitool session sees it. */
static bool
bmc_says(int idx, const char *want)
{
	static const char *const args[] = { "chassis", "power", "status",
	    NULL };
	struct harness_proc *p = NULL;
	const unsigned char *out;
	size_t len;
	int rc;

	rc = harness_ipmitool_port(h, port + idx, "17", 10000, args, &p);
	out = p != NULL ? harness_proc_out(p, &len) : NULL;
	return rc == 0 && out != NULL && strstr((const char *)out, want);
}

static off_t
file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 ? st.st_size : -1;
}

/* A named user asserted by the trusted uid, over the raw protocol. */
static const char *
mgmt_as(const char *user, const char *req)
{
	static char reply[512];
	struct fleet_client *c = fleet_client_connect(f);
	const struct fleet_msg *m;
	char hello[128];

	ck_assert_ptr_nonnull(c);
	snprintf(hello, sizeof(hello), "{\"version\":1,\"client\":\"test\","
	    "\"user\":\"%s\"}", user);
	ck_assert(fleet_client_send_json(c, PROTO_HELLO, hello));
	ck_assert_ptr_nonnull(fleet_client_wait_type(c, PROTO_HELLO_OK, 5000));
	ck_assert(fleet_client_send_json(c, PROTO_MGMT, req));
	m = fleet_client_wait_type(c, PROTO_MGMT_REPLY, CLI_MS);
	ck_assert_msg(m != NULL, "no MGMT_REPLY for %s", user);
	snprintf(reply, sizeof(reply), "%s", (const char *)m->payload);
	fleet_client_free(c);
	return reply;
}

START_TEST(test_power_identify)
{
	static const char *const sim_args[] = { "--host-output", "bootlog",
	    "--baud", "9600", NULL };
	const char *log, *out = NULL, *err = NULL, *r;
	const struct passwd *pw = getpwuid(getuid());
	char off_mark[96], on_mark[96];
	json_object *a, *e;
	struct harness_proc *sim;
	unsigned char *host;
	size_t hlen;
	off_t before;
	int rc, i;

	if (fleet_skip_without_daemon())
		return;
	ck_assert_ptr_nonnull(pw);
	/* the action and who did it, in the console log */
	snprintf(off_mark, sizeof(off_mark), "power off by %s]", pw->pw_name);
	snprintf(on_mark, sizeof(on_mark), "power on by %s]", pw->pw_name);
	f = fleet_new("daemon-mgmt");
	h = fleet_harness(f);
	sim = harness_bmcsim_start(h, NBMC, sim_args, &port);
	ck_assert_msg(sim != NULL, "ipmux-bmcsim did not start");
	write_config();
	ck_assert_int_eq(fleet_start_daemon(f), 0);
	ck_assert_msg(fleet_wait(f, all_active, f, UP_MS),
	    "the consoles did not all come up");
	log = harness_path(h, "logs/node1.log");
	ck_assert_str_eq(fleet_logdir(f), harness_path(h, "logs"));
	ck_assert(fleet_wait_file_has(f, log, SIM_BOOTLOG_FIRST, BOOT_MS));

	/* status */
	a = cli_json(&rc, (const char *const[]){ "power", "node1", "status",
	    "--json", NULL });
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq((int)json_object_array_length(a), 1);
	e = json_object_array_get_idx(a, 0);
	ck_assert_str_eq(jstr(e, "name"), "node1");
	ck_assert_str_eq(jstr(e, "power"), "on");
	json_object_put(a);

	/* a glob covers every console, in parallel on one connection */
	a = cli_json(&rc, (const char *const[]){ "power", "node*", "status",
	    "--json", NULL });
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq((int)json_object_array_length(a), NBMC);
	for (i = 0; i < NBMC; i++)
		ck_assert_str_eq(jstr(json_object_array_get_idx(a, i),
		    "power"), "on");
	json_object_put(a);

	/* off, without a terminal, on several consoles needs --yes */
	rc = fleet_cli(f, CLI_MS, &out, &err, (const char *const[]){
	    "power", "node2", "node3", "off", NULL });
	ck_assert_int_eq(rc, 1);
	ck_assert_msg(strstr(err, "--yes") != NULL, "err: %s", err);
	ck_assert(bmc_says(1, "is on"));

	/* off: the BMC agrees and the host falls silent */
	rc = fleet_cli(f, CLI_MS, &out, &err, (const char *const[]){
	    "power", "node1", "off", "--yes", NULL });
	ck_assert_msg(rc == 0, "power off: %d %s", rc, err);
	ck_assert_msg(fleet_wait_file_has(f, log, off_mark, 5000),
	    "no '%s' marker in the console log", off_mark);
	ck_assert_msg(bmc_says(0, "is off"), "the BMC is not off");
	fleet_pump(f, 300);
	before = file_size(log);
	fleet_pump(f, 1500);	/* 9600 baud would add ~1400 bytes */
	ck_assert_msg(file_size(log) - before < 64,
	    "host output went on after power off (%lld bytes)",
	    (long long)(file_size(log) - before));
	a = cli_json(&rc, (const char *const[]){ "power", "node1", "status",
	    "--json", NULL });
	ck_assert_str_eq(jstr(json_object_array_get_idx(a, 0), "power"),
	    "off");
	json_object_put(a);

	/* on: the boot log again, after the marker */
	rc = fleet_cli(f, CLI_MS, &out, &err, (const char *const[]){
	    "power", "node1", "on", NULL });
	ck_assert_msg(rc == 0, "power on: %d %s", rc, err);
	ck_assert_msg(fleet_wait_file_has(f, log, on_mark, 5000),
	    "no '%s' marker in the console log", on_mark);
	ck_assert(bmc_says(0, "is on"));
	host = NULL;
	for (i = 0; i < BOOT_MS / 200; i++) {
		free(host);
		host = fleet_log_host_bytes(log, on_mark, &hlen);
		if (host != NULL && strstr((char *)host, SIM_BOOTLOG_FIRST))
			break;
		fleet_pump(f, 200);
	}
	ck_assert_msg(host != NULL && strstr((char *)host, SIM_BOOTLOG_FIRST),
	    "no boot log after the power on marker");
	free(host);

	/* identify */
	rc = fleet_cli(f, CLI_MS, &out, &err, (const char *const[]){
	    "identify", "node1", "5", NULL });
	ck_assert_msg(rc == 0, "identify: %d %s", rc, err);

	/* ACL: bob may read (status) but not power; alice may */
	r = mgmt_as("bob", "{\"console\":\"node2\",\"op\":\"power\","
	    "\"action\":\"off\"}");
	ck_assert_msg(strstr(r, "permission denied") && strstr(r, "false"),
	    "bob: %s", r);
	r = mgmt_as("bob", "{\"console\":\"node2\",\"op\":\"power\","
	    "\"action\":\"status\"}");
	ck_assert_msg(strstr(r, "\"on\"") != NULL, "bob status: %s", r);
	ck_assert(bmc_says(1, "is on"));
	r = mgmt_as("alice", "{\"console\":\"node2\",\"op\":\"identify\","
	    "\"action\":\"off\"}");
	ck_assert_msg(strstr(r, "true") != NULL, "alice: %s", r);
	r = mgmt_as("alice", "{\"console\":\"node2\",\"op\":\"power\","
	    "\"action\":\"off\"}");
	ck_assert_msg(strstr(r, "true") != NULL, "alice off: %s", r);
	ck_assert_msg(fleet_wait_file_has(f, harness_path(h, "logs/node2.log"),
	    "power off by alice]", 5000), "no 'power off by alice' marker");
	ck_assert(bmc_says(1, "is off"));
	r = mgmt_as("alice", "{\"console\":\"node2\",\"op\":\"power\","
	    "\"action\":\"on\"}");
	ck_assert_msg(strstr(r, "true") != NULL, "alice on: %s", r);
	ck_assert_msg(fleet_wait_file_has(f, harness_path(h, "logs/node2.log"),
	    "power on by alice]", 5000), "no 'power on by alice' marker");
	ck_assert(bmc_says(1, "is on"));

	/* ACL: boot device needs power, SEL clear admin, reading read */
	r = mgmt_as("bob", "{\"console\":\"node3\",\"op\":\"bootdev\","
	    "\"device\":\"pxe\"}");
	ck_assert_msg(strstr(r, "permission denied") != NULL, "bob boot: %s", r);
	r = mgmt_as("bob", "{\"console\":\"node3\",\"op\":\"identify\","
	    "\"action\":\"on\"}");
	ck_assert_msg(strstr(r, "permission denied") != NULL, "bob id: %s", r);
	r = mgmt_as("alice", "{\"console\":\"node3\",\"op\":\"sel\","
	    "\"clear\":true}");
	ck_assert_msg(strstr(r, "permission denied") != NULL, "alice clear: %s",
	    r);
	r = mgmt_as("bob", "{\"console\":\"node3\",\"op\":\"sel\"}");
	ck_assert_msg(strstr(r, "\"entries\"") != NULL &&
	    strstr(r, "\"error\"") == NULL, "bob sel: %s", r);
	r = mgmt_as("alice", "{\"console\":\"node3\",\"op\":\"bootdev\","
	    "\"device\":\"pxe\"}");
	ck_assert_msg(strstr(r, "true") != NULL && strstr(r, "\"error\"") ==
	    NULL, "alice boot: %s", r);
	ck_assert_msg(fleet_wait_file_has(f, harness_path(h, "logs/node3.log"),
	    "bootdev pxe by alice]", 5000), "no 'bootdev pxe by alice' marker");
	r = mgmt_as("carol", "{\"console\":\"node3\",\"op\":\"sel\","
	    "\"clear\":true}");
	ck_assert_msg(strstr(r, "true") != NULL && strstr(r, "\"error\"") ==
	    NULL, "carol clear: %s", r);
	ck_assert_msg(fleet_wait_file_has(f, harness_path(h, "logs/node3.log"),
	    "sel clear by carol]", 5000), "no 'sel clear by carol' marker");
	r = mgmt_as("carol", "{\"console\":\"node2\",\"op\":\"sel\"}");
	ck_assert_msg(strstr(r, "no such console") != NULL, "carol node2: %s",
	    r);

	/* unknown console: failure, exit 1 */
	rc = fleet_cli(f, CLI_MS, &out, &err, (const char *const[]){
	    "power", "nosuch", "status", NULL });
	ck_assert_int_eq(rc, 1);

	fleet_free(f);
	f = NULL;
}
END_TEST

static Suite *
daemon_mgmt_suite(void)
{
	Suite *s = suite_create("daemon_mgmt");
	TCase *tc = tcase_create("power");

	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_power_identify);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(daemon_mgmt_suite)
