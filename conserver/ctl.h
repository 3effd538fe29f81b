/* ctl.h — ipmuxd's control socket: clients, their identity and permissions, requests, attachments. */
#ifndef IPMUX_CONSERVER_CTL_H
#define IPMUX_CONSERVER_CTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/queue.h>
#include <sys/types.h>

#include <json-c/json.h>

#include "daemon.h"

struct bufferevent;
struct event;
struct console;
struct ctl;

/* One connection on the control socket. */
struct ctl_client {
	TAILQ_ENTRY(ctl_client) link;	/* every client of the server */
	TAILQ_ENTRY(ctl_client) clink;	/* the console's attached clients */
	struct ctl *ctl;
	struct bufferevent *bev;
	uint64_t id;
	uid_t uid;
	pid_t pid;
	char *user;			/* set by HELLO */
	char **groups;			/* NULL-terminated Unix group names */
	bool hello;
	bool asserted;			/* user named by the trusted uid */
	bool closing;			/* flush the output, then free */
	struct event *ev_linger;	/* closing: the deadline */
	bool read_paused;		/* too much unread output */
	struct console *con;		/* attached to, or NULL */
	bool follow;			/* attached by tail -f: no markers */
	bool lagging;
	uint64_t skipped;		/* bytes skipped while lagging */
};

/*
 * Create the listening socket at path: a stale socket file is removed only
 * when nothing answers on it (a live daemon makes this fail). Mode 0660,
 * group group (NULL: the daemon's). NULL with a message in err.
 */
struct ctl *ctl_new(struct ipmuxd *d, const char *path, const char *group,
		    char *err, size_t errlen);
/* Tell every client the daemon is going, close them, unlink the socket. */
void ctl_free(struct ctl *ctl);
size_t ctl_nclients(const struct ctl *ctl);

/* Console fan-out: bytes for one attached client (skipped when lagging). */
void ctl_client_data(struct ctl_client *cl, const uint8_t *buf, size_t len);
/* Tell every client attached to c its new state. */
void ctl_console_state(struct console *c);
/* End cl's attachment: PROTO_DETACHED {"reason":why} (no log marker). */
void ctl_client_detach(struct ctl_client *cl, const char *why);

/* Send a PROTO_MGMT_REPLY (reference taken) to the client with that id;
 * dropped silently when it has gone. */
void ctl_mgmt_send(struct ipmuxd *d, uint64_t client, json_object *reply);
/* A PROTO_EVENT (reference taken) for every client attached to c and
 * every client in ids not attached to it; ids of clients that have gone
 * are removed (*nids shrinks). */
void ctl_sel_event(struct console *c, json_object *ev, uint64_t *ids,
		   size_t *nids);

#endif
