/* harness_fleet.h — integration-test scaffolding for ipmuxd: N ipmi_sim + hostsim nodes, the daemon, its CLI and raw control-socket clients. */
#ifndef IPMUX_TESTS_INTEG_HARNESS_FLEET_H
#define IPMUX_TESTS_INTEG_HARNESS_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

#include "harness.h"

/*
 * A fleet is one "daemon" harness (its temp dir holds ipmuxd's config,
 * control socket, logdir, statedir and password files, and the daemon's
 * and CLI's output) plus one harness per node: each node is an ipmi_sim
 * BMC with a hostsim behind its serial port (see harness.h). Node i is
 * console "nNN" in the config. Everything dies with the test process.
 *
 * Waits go through fleet_wait(), which also reads every open control
 * client (except those told to stall), so attached clients keep
 * draining while the test waits for something else.
 */

struct fleet;
struct fleet_client;

/* The profiles fleet_write_config() defines. */
#define FLEET_PROFILE_ADMIN "adm"	/* HARNESS_ADMIN_USER, privilege admin */
#define FLEET_PROFILE_OPER "oper"	/* HARNESS_OPER_USER, operator */

struct fleet *fleet_new(const char *test_name);
/* Stops the daemon (SIGTERM, then SIGKILL), then every node. NULL is fine. */
void fleet_free(struct fleet *f);
struct harness *fleet_harness(struct fleet *f);

/* Missing ipmuxd or ipmux: prints a SKIP line and returns true (a Check
 * failure instead when $CI is set). */
bool fleet_skip_without_daemon(void);

/* ---- nodes ---- */

/* Start n more nodes, each hostsim with args (NULL-terminated, may be
 * NULL). Returns the index of the first new node, or -1. */
int fleet_add_nodes(struct fleet *f, int n, const char *const *hostsim_args);
int fleet_nnodes(const struct fleet *f);
struct harness *fleet_node(struct fleet *f, int i);
const char *fleet_node_name(const struct fleet *f, int i);
/* Per-node config: listed in consoles (default true), profile (default
 * FLEET_PROFILE_ADMIN), port override (0 = the node's BMC port). */
void fleet_node_set_listed(struct fleet *f, int i, bool listed);
void fleet_node_set_profile(struct fleet *f, int i, const char *profile);
void fleet_node_set_port(struct fleet *f, int i, int port);
/* A hostsim control command that must answer "ok". */
bool fleet_node_cmd(struct fleet *f, int i, const char *cmd);
/* SOL payload instance 1 active on the node's BMC, asked with ipmitool
 * (Get Payload Activation Status): 1 active, 0 not, -1 could not ask. */
int fleet_node_sol_active(struct fleet *f, int i);

/* ---- config and paths ---- */

/* Extra lines inside `ipmux = { ... }` (e.g. "dead_time = 6000;"),
 * replacing earlier ones. */
void fleet_set_global(struct fleet *f, const char *lines);
void fleet_set_logdir(struct fleet *f, const char *dir);
/* Write the config for the current node settings (atomically: temp file
 * and rename). 0 or -1. */
int fleet_write_config(struct fleet *f);
const char *fleet_config_path(struct fleet *f);
const char *fleet_socket_path(struct fleet *f);
const char *fleet_logdir(struct fleet *f);
/* LOGDIR/NAME.log of node i. */
const char *fleet_log_path(struct fleet *f, int i);

/* ---- daemon and CLI ---- */

/* ipmuxd -c CONFIG -F; waits until the control socket accepts. 0 or -1
 * (with the daemon's stderr on ours). */
int fleet_start_daemon(struct fleet *f);
struct harness_proc *fleet_daemon(struct fleet *f);
bool fleet_daemon_running(struct fleet *f);
/*
 * Run build/bin/ipmux -S SOCKET args... to completion. Returns its exit
 * code (-1 on timeout, after killing it); *out and *err (if not NULL)
 * point at its output, valid until the harness is freed.
 */
int fleet_cli(struct fleet *f, int timeout_ms, const char **out,
    const char **err, const char *const *args);
/* Start build/bin/ipmux -S SOCKET args... and leave it running (stdin,
 * stdout and stderr are pipes; see harness_proc_*). */
struct harness_proc *fleet_cli_spawn(struct fleet *f, const char *name,
    const char *const *args);
/* `ipmux list --json`, parsed; NULL (with the reason on stderr) if the
 * CLI failed or printed something that is not a JSON array. Caller puts. */
json_object *fleet_list(struct fleet *f);
/* The entry for a console in a list, or NULL. */
json_object *fleet_list_find(json_object *list, const char *name);
/* A string member of an entry ("" when absent or not a string). */
const char *fleet_entry_str(json_object *entry, const char *key);

/*
 * Wait until every node in idx[0..n) (all nodes when idx is NULL) is in
 * state, which may list alternatives ("absent|stopped"; "absent" means
 * not listed at all), or with not_state, in none of them. Polls the CLI
 * at most every 200 ms. *why (if given) describes the consoles that did
 * not match at the last look; owned by the fleet.
 */
bool fleet_wait_states(struct fleet *f, const int *idx, int n,
    const char *state, bool not_state, int timeout_ms, const char **why);

/* Pumps the harness children and every reading client until fn holds. */
bool fleet_wait(struct fleet *f, harness_cond_fn fn, void *arg,
    int timeout_ms);
/* harness_wait_file_has / _len, reading clients meanwhile. */
bool fleet_wait_file_has(struct fleet *f, const char *path,
    const char *needle, int timeout_ms);
bool fleet_wait_file_len(struct fleet *f, const char *path, size_t len,
    int timeout_ms);
/* Pump on purpose for ms (clients read, children drained). */
void fleet_pump(struct fleet *f, int ms);

/* ---- consoles on ipmux-bmcsim (harness_bmcsim.h) ---- */

/*
 * Config for consoles "node1".."nodeN" on BMCs port..port+n-1 of an
 * ipmux-bmcsim started with harness_bmcsim_start() on this fleet's
 * harness: profile "sim" (HARNESS_ADMIN_USER, suite 17, admin, the
 * simulator's password file), group "rack". global: more lines inside
 * `ipmux = { }` (NULL: none); acls: the body of `acls = ( )` (NULL: no
 * acls list). Written atomically. 0 or -1.
 */
int fleet_write_bmcsim_config(struct fleet *f, int port, int n,
    const char *global, const char *acls);
/* ipmux ARGS...: its stdout parsed as JSON (NULL if it is not JSON),
 * the exit code in *rc, stderr in *err (if not NULL). Caller puts. */
json_object *fleet_cli_json(struct fleet *f, int timeout_ms, int *rc,
    const char **err, const char *const *args);
/* A member of an object as a double; false if absent or not a number. */
bool fleet_entry_num(json_object *entry, const char *key, double *out);

/* ---- raw control-socket clients (common/proto.h framing, done here
 * independently so the tests check the daemon against the spec) ---- */

struct fleet_msg {
	uint16_t type;
	uint8_t version;
	unsigned char *payload;		/* NUL-terminated copy */
	size_t len;
};

/* Connect without saying anything. NULL on failure. */
struct fleet_client *fleet_client_connect(struct fleet *f);
/* Connect and do HELLO / HELLO_OK. NULL on failure (reason on stderr). */
struct fleet_client *fleet_client_hello(struct fleet *f);
/* Close and forget (NULL is fine); also done by fleet_free. */
void fleet_client_free(struct fleet_client *c);
/* Stop (or resume) reading: the socket is left to fill up. */
void fleet_client_stall(struct fleet_client *c, bool stall);
/* Send one framed message (type, payload) with PROTO_VERSION. */
bool fleet_client_send(struct fleet_client *c, uint16_t type,
    const void *payload, size_t len);
bool fleet_client_send_json(struct fleet_client *c, uint16_t type,
    const char *json);
/* Raw bytes, no framing (garbage, bad headers). */
bool fleet_client_send_raw(struct fleet_client *c, const void *buf,
    size_t len);
/* A header with explicit fields, then payload bytes. */
bool fleet_client_send_hdr(struct fleet_client *c, uint32_t len,
    uint16_t type, uint8_t version, const void *payload, size_t plen);
/* Read whatever is there now; false once the peer closed. */
bool fleet_client_read(struct fleet_client *c);
bool fleet_client_closed(const struct fleet_client *c);
/*
 * Wait for the next message of type (earlier ones of other types are
 * kept for fleet_client_events / data). Returns a message owned by the
 * client (valid until the next wait), or NULL on timeout or close.
 */
const struct fleet_msg *fleet_client_wait_type(struct fleet_client *c,
    uint16_t type, int timeout_ms);
/* Wait until the daemon closes the connection. */
bool fleet_client_wait_closed(struct fleet_client *c, int timeout_ms);
/* Every PROTO_DATA byte received so far, NUL-terminated. */
const unsigned char *fleet_client_data(struct fleet_client *c, size_t *len);
bool fleet_client_wait_data(struct fleet_client *c, const char *needle,
    int timeout_ms);
bool fleet_client_wait_data_len(struct fleet_client *c, size_t len,
    int timeout_ms);
/* Count of messages of a type received so far; text of every PROTO_EVENT
 * and PROTO_ERROR payload (concatenated, newline-separated). */
int fleet_client_count(const struct fleet_client *c, uint16_t type);
const char *fleet_client_events(struct fleet_client *c);
bool fleet_client_wait_event(struct fleet_client *c, const char *needle,
    int timeout_ms);

/* ---- logs ---- */

/*
 * The host bytes of a log after its last marker matching after_marker
 * (NULL: the whole file), with every ipmux marker line removed (a line
 * starting "[ipmux " up to and including its '\n'). Caller frees.
 */
unsigned char *fleet_log_host_bytes(const char *path, const char *after_marker,
    size_t *len);
/* Remove marker lines from buf in place; returns the new length. */
size_t fleet_strip_markers(unsigned char *buf, size_t len);
/*
 * The same for host output whose lines all end in CR LF (the numbered
 * streams): a marker that came mid-line follows an LF the daemon added
 * to put it on a line of its own, and that LF goes too (a bare LF
 * before the marker, or, between the host's CR and LF, the first of two
 * LFs around it), so the result is the host's bytes exactly.
 */
size_t fleet_strip_markers_crlf(unsigned char *buf, size_t len);
/*
 * NAME.log plus its rotated files (NAME.log.N, .N.zst, .N.gz), oldest
 * first, decompressed and concatenated. NULL if a rotated file could not
 * be read or decompressed or is still being compressed (both NAME.log.N
 * and a compressed NAME.log.N.* present); *why says which.
 */
unsigned char *fleet_log_archive(const char *logdir, const char *name,
    size_t *len, int *nfiles, const char **why);

/* Byte-exact comparison; on mismatch fills why (owned by a static buffer)
 * with where it differs. */
bool fleet_same(const unsigned char *got, size_t got_len,
    const unsigned char *want, size_t want_len, const char **why);

#endif
