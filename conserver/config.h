/* config.h — ipmuxd's configuration (libconfig): globals, credential profiles, consoles, ACLs. */
#ifndef IPMUX_CONSERVER_CONFIG_H
#define IPMUX_CONSERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* ACL permissions. */
#define PERM_READ 0x1
#define PERM_WRITE 0x2
#define PERM_POWER 0x4
#define PERM_ADMIN 0x8

enum log_ts { LOG_TS_OFF = 0, LOG_TS_ISO8601 = 1 };
enum log_compress { LOG_COMPRESS_NONE = 0, LOG_COMPRESS_ZSTD = 1,
		    LOG_COMPRESS_GZIP = 2 };

struct cfg_global {
	char *socket;			/* "/run/ipmux/ipmux.sock" */
	char *socket_group;		/* NULL: the daemon's group */
	char *logdir;			/* "/var/log/ipmux" */
	char *statedir;			/* "/var/lib/ipmux" */
	size_t scrollback;		/* bytes per console (1 MiB) */
	size_t client_buffer;		/* per attached client cap (256 KiB) */
	enum log_ts log_timestamps;
	uint64_t log_rotate_size;	/* bytes; 0 = never (64 MiB) */
	uint32_t log_rotate_age;	/* seconds; 0 = never */
	unsigned log_retain;		/* rotated files kept (10) */
	enum log_compress log_compress;	/* zstd */
	uint32_t backoff_min_ms;	/* 1000 */
	uint32_t backoff_max_ms;	/* 300000 */
	uint32_t backoff_reset_ms;	/* link held this long resets (60000) */
	unsigned max_handshakes;	/* handshakes in flight at once (64) */
	uint32_t dead_ms;		/* dead-peer bound (45000) */
	uint32_t keepalive_ms;		/* 15000 */
	uint32_t sensor_poll_ms;	/* sensors + chassis status; 0 off (60000) */
	uint32_t sel_poll_ms;		/* new SEL entries; 0 off (60000) */
	bool sensor_log;		/* LOGDIR/NAME.sensors (false) */
	bool sel_log;			/* LOGDIR/NAME.sel (true) */
	unsigned poll_rate;		/* poll jobs started per second (20) */
	long trusted_uid;		/* may assert a user name; -1 none */
	char *metrics_file;		/* Prometheus text file; NULL none */
};

struct cfg_profile {
	char *name;
	char *user;
	char *password_file;		/* mode must be 0600/0400, daemon-owned */
	char *kg_file;			/* NULL: none */
	int cipher;			/* SOL_CIPHER_AUTO, 17, 3, 0-2 */
	bool allow_weak;
	int privilege;			/* enum sol_priv */
	uint32_t quirks;		/* enum sol_quirk bits */
	int steal;			/* enum sol_steal_policy */
	int line;			/* where it was defined */
};

/* A console's cipher when it does not override its profile's (-1 is
 * SOL_CIPHER_AUTO, a real choice). */
#define CFG_CIPHER_INHERIT (-2)

struct cfg_console {
	char *name;
	char *host;			/* address without port */
	uint16_t port;			/* 623 */
	char *profile_name;
	const struct cfg_profile *profile;
	char *group;			/* NULL: none */
	char **tags;
	size_t ntags;
	/* per-console overrides of the profile */
	int cipher;			/* CFG_CIPHER_INHERIT: the profile's */
	long quirks;			/* -1 inherit */
	int steal;			/* -1 inherit */
	int line;
};

/* "who" is a user name, "@unixgroup" or "*"; "what" is a console name,
 * "group:NAME" or "*". */
struct cfg_acl {
	char *who;
	char *what;
	unsigned perms;
	int line;
};

struct ipmux_config {
	char *path;
	struct cfg_global g;
	struct cfg_profile *profiles;
	size_t nprofiles;
	struct cfg_console *consoles;
	size_t nconsoles;
	struct cfg_acl *acls;
	size_t nacls;
};

/* Load and validate. On error returns NULL and writes "FILE:LINE: message"
 * into err. Checks every password/Kg file exists, is a regular file and is
 * not group/world accessible (contents are not read here). */
struct ipmux_config *config_load(const char *path, char *err, size_t errlen);
void config_free(struct ipmux_config *c);	/* NULL is fine */

const struct cfg_console *config_console(const struct ipmux_config *c,
					 const char *name);
/* Would a session for a need restarting to become b? Compares everything
 * that reaches the BMC: host, port, and the effective profile (user,
 * password/Kg file paths, cipher, privilege, quirks, steal). */
bool config_console_same(const struct cfg_console *a,
			 const struct cfg_console *b);
/* Effective settings after per-console overrides. */
int config_console_cipher(const struct cfg_console *c);
uint32_t config_console_quirks(const struct cfg_console *c);
int config_console_steal(const struct cfg_console *c);

/* Permissions of a user (name and its Unix groups, may be NULL) on a
 * console: the union of every matching ACL entry. No ACL at all in the
 * config means root has everything and nobody else anything. */
unsigned config_perms(const struct ipmux_config *c, const char *user,
		      const char *const *groups, const struct cfg_console *con);

#endif
