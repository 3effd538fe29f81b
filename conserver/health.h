/* health.h — ipmuxd's per-console management engine: jobs over the console's session, caches, polling, SEL events and data logs. */
#ifndef IPMUX_CONSERVER_HEALTH_H
#define IPMUX_CONSERVER_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <json-c/json.h>

struct console;
struct ipmuxd;
struct health;
struct health_fleet;

/* Per console: caches and jobs. The caches outlive sessions. */
struct health *health_new(struct console *c);
void health_free(struct health *h);		/* NULL is fine */

/* The console's session came up (SOL active): polls get scheduled. */
void health_session_up(struct console *c);
/* A reload may have turned polling on: schedule what is not. */
void health_reconfigure(struct console *c);
/* The session is going away (before it is freed): every job fails with
 * why, its client gets a reply; polls stop until it is back. */
void health_session_down(struct console *c, const char *why);
/* The answer to a request the engine queued (from the session callback:
 * never calls back into the session). */
void health_response(struct console *c, uint32_t tag, int cc,
		     const uint8_t *data, size_t len);

/*
 * A PROTO_MGMT request for c from client (id, user, its permissions on c,
 * read already checked). Always answered, now or when the job ends,
 * through ctl_mgmt_send().
 */
void health_request(struct console *c, uint64_t client, const char *user,
		    unsigned perms, json_object *req);

/* The fleet-wide poll rate limiter. */
struct health_fleet *health_fleet_new(struct ipmuxd *d);
void health_fleet_free(struct health_fleet *f);	/* NULL is fine */

/* Counters for metrics. */
struct health_stats {
	uint64_t requests, failures;	/* user management requests */
	uint64_t polls, poll_failures;
	uint64_t sel_new;		/* new SEL entries found by polls */
	uint64_t waiting;		/* polls due, waiting for the rate */
};
void health_stats(struct ipmuxd *d, struct health_stats *out);

#endif
