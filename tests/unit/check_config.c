/* check_config.c — unit tests for the config loader (conserver/config.c): errors with file:line, defaults, overrides, reload comparison, ACLs, the shipped example. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "sol.h"
#include "../checkmain.h"

static char dir[64];
static char cfgpath[128];

/* Files the tests create in dir, removed by teardown. */
static const char *const scratch[] = {
	"ipmux.conf", "other.conf", "inc.conf", "bmc.pw", "two.pw", "kg",
	"open.pw", "big.pw", "supermicro.pw", "legacy.pw", "legacy.kg",
	"theirs.pw", NULL
};

static void
put_file(const char *name, const char *text, mode_t mode)
{
	char p[160];
	int fd;

	snprintf(p, sizeof(p), "%s/%s", dir, name);
	fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(p, mode), 0);
}

static void
setup(void)
{
	strcpy(dir, "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(cfgpath, sizeof(cfgpath), "%s/ipmux.conf", dir);
	put_file("bmc.pw", "secret\n", 0600);
	put_file("two.pw", "other\n", 0400);
	put_file("kg", "0x0102030405060708090a0b0c0d0e0f1011121314\n", 0600);
}

static void
teardown(void)
{
	char p[160];
	size_t i;

	for (i = 0; scratch[i] != NULL; i++) {
		snprintf(p, sizeof(p), "%s/%s", dir, scratch[i]);
		unlink(p);
	}
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
}

/* text with every "@D@" replaced by the test directory; caller frees. */
static char *
subst(const char *text, const char *from, const char *to)
{
	size_t fl = strlen(from), tl = strlen(to), n = 0;
	const char *p;
	char *out, *o;

	for (p = text; (p = strstr(p, from)) != NULL; p += fl)
		n++;
	out = malloc(strlen(text) + n * tl + 1);
	ck_assert_ptr_nonnull(out);
	for (o = out, p = text; *p != '\0';) {
		if (strncmp(p, from, fl) == 0) {
			memcpy(o, to, tl);
			o += tl;
			p += fl;
		} else {
			*o++ = *p++;
		}
	}
	*o = '\0';
	return out;
}

static void
write_conf(const char *name, const char *text)
{
	char *t = subst(text, "@D@", dir);

	put_file(name, t, 0644);
	free(t);
}

static struct ipmux_config *
load_ok(const char *text)
{
	struct ipmux_config *c;
	char err[1024] = "";

	write_conf("ipmux.conf", text);
	c = config_load(cfgpath, err, sizeof(err));
	ck_assert_msg(c != NULL, "unexpected error: %s", err);
	ck_assert_str_eq(err, "");
	return c;
}

/* Loading must fail with exactly "DIR/ipmux.conf:LINE: ..." containing
 * needle (itself after @D@ substitution). */
static void
expect_err_in(const char *file, const char *text, int line,
	      const char *needle)
{
	char err[1024] = "", prefix[256];
	char *want = subst(needle, "@D@", dir);
	struct ipmux_config *c;

	write_conf("ipmux.conf", text);
	c = config_load(cfgpath, err, sizeof(err));
	ck_assert_msg(c == NULL, "loaded, expected '%s'", want);
	snprintf(prefix, sizeof(prefix), "%s/%s:%d: ", dir, file, line);
	ck_assert_msg(strncmp(err, prefix, strlen(prefix)) == 0,
	    "'%s' does not start with '%s'", err, prefix);
	ck_assert_msg(strstr(err + strlen(prefix), want) != NULL,
	    "'%s' lacks '%s'", err, want);
	free(want);
}

static void
expect_err(const char *text, int line, const char *needle)
{
	expect_err_in("ipmux.conf", text, line, needle);
}

/* Line 1: a valid profile. */
#define PROF "profiles = ( { name = \"p\"; user = \"u\"; " \
	"password_file = \"@D@/bmc.pw\"; } );\n"
/* Line 2: one console with extra settings X. */
#define CONS(X) "consoles = ( { name = \"n1\"; host = \"10.0.0.1\"; " \
	"profile = \"p\"; " X " } );\n"
#define PROFX(X) "profiles = ( { name = \"p\"; user = \"u\"; " \
	"password_file = \"@D@/bmc.pw\"; " X " } );\n"

static const struct bad_case {
	const char *text;
	int line;
	const char *msg;
} bad_cases[] = {
	/* syntax */
	{ PROF "consoles = ( { name = ; } );\n", 2, "syntax error" },
	{ "ipmux = {\n socket = \"/x\";\n logdir = ;\n};\n", 3,
	  "syntax error" },
	/* unknown keys at every level, with the allowed ones listed */
	{ PROF "colsones = ();\n", 2, "unknown key 'colsones' in the top "
	  "level (allowed: ipmux, profiles, consoles, acls)" },
	{ "ipmux = {\n  logdri = \"/x\";\n};\n", 2, "unknown key 'logdri' "
	  "in ipmux (allowed: socket, socket_group, logdir," },
	{ PROFX("pasword = \"x\";"), 1, "unknown key 'pasword' in profile "
	  "(allowed: name, user, password_file, kg_file, cipher, "
	  "allow_weak_cipher, privilege, workarounds, steal)" },
	{ PROF CONS("port = 624;"), 2, "unknown key 'port' in console "
	  "(allowed: name, host, profile, group, tags, cipher, workarounds, "
	  "steal)" },
	{ PROF CONS("") "acls = ( { who = \"a\"; what = \"*\"; "
	  "perms = \"read\"; when = \"now\"; } );\n", 3,
	  "unknown key 'when' in acl (allowed: who, what, perms)" },
	/* structure and types */
	{ "ipmux = 5;\n", 1, "ipmux must be a group" },
	{ "profiles = { name = \"p\"; };\n", 1, "profiles must be a list" },
	{ PROF "consoles = ( \"n1\" );\n", 2, "each entry of consoles must be "
	  "a group" },
	{ "ipmux = {\n scrollback = \"lots\"; };\n", 2,
	  "scrollback must be a size in bytes" },
	{ "ipmux = {\n scrollback = 1.5; };\n", 2,
	  "scrollback must be an integer" },
	{ "ipmux = {\n scrollback = 100; };\n", 2,
	  "scrollback must be from 4096 to 1073741824 bytes, not 100" },
	{ "ipmux = {\n client_buffer = \"2G\"; };\n", 2,
	  "client_buffer must be from 4096 to 1073741824 bytes" },
	{ "ipmux = {\n max_handshakes = 0; };\n", 2,
	  "max_handshakes must be an integer from 1 to 100000, not 0" },
	{ "ipmux = {\n dead_time = \"45s\"; };\n", 2,
	  "dead_time must be an integer from 1000 to 3600000, not a string" },
	{ "ipmux = {\n log_retain = -1; };\n", 2,
	  "log_retain must be an integer from 0 to 100000, not -1" },
	{ "ipmux = {\n socket = 5; };\n", 2, "socket must be a string" },
	{ "ipmux = {\n logdir = \"\"; };\n", 2, "logdir must not be empty" },
	{ "ipmux = {\n log_rotate_size = 5000000000; };\n", 2,
	  "log_rotate_size: 5000000000 does not fit in 32 bits; write it "
	  "with an L suffix (5000000000L)" },
	{ "ipmux = { backoff_min = 5000;\n backoff_max = 4000; };\n", 2,
	  "backoff_max (4000 ms) must not be below backoff_min (5000 ms)" },
	{ "ipmux = { dead_time = 10000;\n keepalive = 10000; };\n", 2,
	  "keepalive (10000 ms) must be shorter than dead_time (10000 ms)" },
	{ "ipmux = {\n sensor_poll = 10; };\n", 2,
	  "sensor_poll must be 0 (off) or at least 1000 ms" },
	{ "ipmux = {\n sel_poll = 999; };\n", 2,
	  "sel_poll must be 0 (off) or at least 1000 ms" },
	{ "ipmux = {\n sel_poll = -1; };\n", 2,
	  "sel_poll must be an integer from 0 to 86400000, not -1" },
	{ "ipmux = {\n sel_poll = \"1m\"; };\n", 2,
	  "sel_poll must be an integer from 0 to 86400000, not a string" },
	{ "ipmux = {\n poll_rate = 0; };\n", 2,
	  "poll_rate must be an integer from 1 to 100000, not 0" },
	{ "ipmux = {\n poll_rate = 100001; };\n", 2,
	  "poll_rate must be an integer from 1 to 100000, not 100001" },
	{ "ipmux = {\n sensor_log = 1; };\n", 2,
	  "sensor_log must be true or false, not an integer" },
	{ "ipmux = {\n sel_log = \"yes\"; };\n", 2,
	  "sel_log must be true or false, not a string" },
	{ "ipmux = {\n trusted_uid = \"no-such-user-xyz\"; };\n", 2,
	  "trusted_uid: no such user 'no-such-user-xyz'" },
	{ "ipmux = {\n trusted_uid = -2; };\n", 2,
	  "trusted_uid must be an integer from -1 to" },
	{ "ipmux = {\n socket = \"/tmp/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	  "/ipmux.sock\"; };\n", 2, "is too long for a Unix socket" },
	{ PROFX("allow_weak_cipher = 1;"), 1,
	  "allow_weak_cipher must be true or false, not an integer" },
	{ PROF CONS("tags = \"gpu\";"), 2, "tags must be a list of strings" },
	{ PROF CONS("tags = [ \"a b\" ];"), 2, "tag 'a b' must be" },
	/* bad values */
	{ "ipmux = {\n log_timestamps = \"yes\"; };\n", 2,
	  "log_timestamps must be one of \"off\", \"iso8601\", not \"yes\"" },
	{ "ipmux = {\n log_compress = \"bzip2\"; };\n", 2,
	  "log_compress must be one of \"zstd\", \"gzip\", \"none\", not "
	  "\"bzip2\"" },
	{ PROFX("cipher = 4;"), 1, "cipher must be \"auto\", 17, 3, or 0, 1, "
	  "2 (with allow_weak_cipher)" },
	{ PROFX("cipher = \"fast\";"), 1, "cipher must be \"auto\", 17, 3" },
	{ PROFX("cipher = 1;"), 1, "cipher 1 is weak; set allow_weak_cipher "
	  "= true in the profile to use it" },
	{ PROF CONS("cipher = 0;"), 2, "cipher 0 is weak" },
	{ PROFX("privilege = \"root\";"), 1, "privilege must be one of "
	  "\"user\", \"operator\", \"admin\", not \"root\"" },
	{ PROFX("steal = \"maybe\";"), 1, "steal must be one of \"steal\", "
	  "\"fail\", not \"maybe\"" },
	{ PROF CONS("steal = true;"), 2, "steal must be one of" },
	{ PROFX("workarounds = \"intel20,bogus\";"), 1,
	  "unknown workaround 'bogus' (known: authcap," },
	{ PROF CONS("workarounds = [ \"sun20\", \"nope\" ];"), 2,
	  "unknown workaround 'nope'" },
	{ PROF CONS("workarounds = ( \"sun20\", 5 );"), 2,
	  "workarounds must be a string \"a,b\" or a list of strings" },
	{ "profiles = ( { name = \"p\"; user = \"seventeen-letters\"; "
	  "password_file = \"@D@/bmc.pw\"; } );\n", 1,
	  "user must be at most 16 bytes" },
	/* duplicates and references */
	{ PROF "consoles = (\n { name = \"n1\"; host = \"a\"; profile = \"p\"; },"
	  "\n { name = \"n2\"; host = \"b\"; profile = \"p\"; },"
	  "\n { name = \"n1\"; host = \"c\"; profile = \"p\"; },"
	  "\n { name = \"n2\"; host = \"d\"; profile = \"p\"; } );\n", 5,
	  "duplicate console name 'n1' (first at line 3)" },
	{ "profiles = (\n { name = \"p\"; user = \"u\"; "
	  "password_file = \"@D@/bmc.pw\"; },\n { name = \"p\"; user = \"v\"; "
	  "password_file = \"@D@/bmc.pw\"; } );\n", 3,
	  "duplicate profile name 'p' (first at line 2)" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"h\";\n"
	  "  profile = \"q\"; } );\n", 3,
	  "console 'n1' names unknown profile 'q'" },
	/* missing required keys */
	{ PROF "consoles = ( { host = \"h\"; profile = \"p\"; } );\n", 2,
	  "console is missing required key 'name'" },
	{ PROF "consoles = ( { name = \"n1\"; profile = \"p\"; } );\n", 2,
	  "console is missing required key 'host'" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"h\"; } );\n", 2,
	  "console is missing required key 'profile'" },
	{ "profiles = ( { user = \"u\"; password_file = \"/x\"; } );\n", 1,
	  "profile is missing required key 'name'" },
	{ "profiles = ( { name = \"p\"; password_file = \"/x\"; } );\n", 1,
	  "profile is missing required key 'user'" },
	{ "profiles = ( { name = \"p\"; user = \"u\"; } );\n", 1,
	  "profile is missing required key 'password_file'" },
	/* names that are no file names */
	{ PROF "consoles = ( { name = \"../etc/passwd\"; host = \"h\"; "
	  "profile = \"p\"; } );\n", 2, "console name '../etc/passwd' is not "
	  "safe as a file name" },
	{ PROF "consoles = ( { name = \".hidden\"; host = \"h\"; "
	  "profile = \"p\"; } );\n", 2, "console name '.hidden' is not safe" },
	{ PROF "consoles = ( { name = \"a b\"; host = \"h\"; "
	  "profile = \"p\"; } );\n", 2, "console name 'a b' is not safe" },
	{ PROF "consoles = ( { name = \"x123456789x123456789x123456789x12345"
	  "6789x123456789x123456789x1234\"; host = \"h\"; profile = \"p\"; "
	  "} );\n", 2, "is not safe as a file name: use at most 64" },
	{ PROF "consoles = ( { name = \"\"; host = \"h\"; "
	  "profile = \"p\"; } );\n", 2, "name must not be empty" },
	{ PROF CONS("group = \"rack/1\";"), 2, "group name 'rack/1' is not "
	  "valid: use at most 64" },
	{ "profiles = ( { name = \"my profile\"; user = \"u\"; "
	  "password_file = \"@D@/bmc.pw\"; } );\n", 1,
	  "profile name 'my profile' is not valid" },
	/* host[:port] */
	{ PROF "consoles = ( { name = \"n1\"; host = \"10.0.0.1:0\"; "
	  "profile = \"p\"; } );\n", 2, "host \"10.0.0.1:0\": port must be "
	  "1-65535" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"10.0.0.1:65536\"; "
	  "profile = \"p\"; } );\n", 2, "port must be 1-65535" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"10.0.0.1:\"; "
	  "profile = \"p\"; } );\n", 2, "port must be 1-65535" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"h:62x\"; "
	  "profile = \"p\"; } );\n", 2, "port must be 1-65535" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"[::1\"; "
	  "profile = \"p\"; } );\n", 2, "host \"[::1\": '[' without ']'" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"[::1]623\"; "
	  "profile = \"p\"; } );\n", 2, "expected ':port' after ']'" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"[10.0.0.1]:623\"; "
	  "profile = \"p\"; } );\n", 2, "bad IPv6 address in [ ]" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"fe80::1:623x\"; "
	  "profile = \"p\"; } );\n", 2, "not an IPv6 address (write "
	  "[addr]:port to give a port)" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"a host\"; "
	  "profile = \"p\"; } );\n", 2, "not a host name or address" },
	{ PROF "consoles = ( { name = \"n1\"; host = \"\"; "
	  "profile = \"p\"; } );\n", 2, "not a host name or address" },
	/* secret files (stat only) */
	{ "profiles = ( { name = \"p\"; user = \"u\";\n"
	  " password_file = \"@D@/nope.pw\"; } );\n", 2,
	  "password file @D@/nope.pw does not exist" },
	{ "profiles = ( { name = \"p\"; user = \"u\";\n"
	  " password_file = \"@D@\"; } );\n", 2,
	  "password file @D@ is not a regular file" },
	{ "profiles = ( { name = \"p\"; user = \"u\";\n"
	  " password_file = \"@D@/open.pw\"; } );\n", 2,
	  "password file @D@/open.pw is mode 0644; it must not be readable "
	  "by group or others" },
	{ "profiles = ( { name = \"p\"; user = \"u\"; password_file = "
	  "\"@D@/bmc.pw\";\n kg_file = \"@D@/open.pw\"; } );\n", 2,
	  "Kg file @D@/open.pw is mode 0644; it must not be readable" },
	{ "profiles = ( { name = \"p\"; user = \"u\"; password_file = "
	  "\"@D@/bmc.pw\";\n kg_file = \"@D@/nokg\"; } );\n", 2,
	  "Kg file @D@/nokg does not exist" },
	{ "profiles = ( { name = \"p\"; user = \"u\";\n"
	  " password_file = \"@D@/big.pw\"; } );\n", 2,
	  "password file @D@/big.pw is 40 bytes, too long for IPMI" },
	/* ACLs */
	{ PROF CONS("group = \"r1\";") "acls = ( { who = \"a\"; "
	  "what = \"n2\"; perms = \"read\"; } );\n", 3,
	  "acl names unknown console 'n2'" },
	{ PROF CONS("group = \"r1\";") "acls = ( { who = \"a\"; "
	  "what = \"group:r2\"; perms = \"read\"; } );\n", 3,
	  "acl names group 'r2', which no console is in" },
	{ PROF CONS("") "acls = ( { who = \"a\"; what = \"*\";\n"
	  " perms = [ \"read\", \"sudo\" ]; } );\n", 4,
	  "unknown permission 'sudo' (allowed: read, write, power, admin, "
	  "all)" },
	{ PROF CONS("") "acls = ( { who = \"a\"; what = \"*\";\n"
	  " perms = [ ]; } );\n", 4, "perms must not be empty" },
	{ PROF CONS("") "acls = ( { who = \"a\"; what = \"*\"; } );\n", 3,
	  "acl is missing required key 'perms'" },
	{ PROF CONS("") "acls = ( { what = \"*\"; perms = \"read\"; } );\n",
	  3, "acl is missing required key 'who'" },
	{ PROF CONS("") "acls = ( { who = \"@\"; what = \"*\"; "
	  "perms = \"read\"; } );\n", 3, "who must be a user name, \"@group\" "
	  "or \"*\"" },
};

START_TEST(test_errors)
{
	const struct bad_case *bc = &bad_cases[_i];

	put_file("open.pw", "secret\n", 0644);
	put_file("big.pw", "0123456789012345678901234567890123456789", 0600);
	expect_err(bc->text, bc->line, bc->msg);
}
END_TEST

START_TEST(test_errors_misc)
{
	char err[512] = "", want[256];
	char p[160];

	/* A file that is not there: "FILE: reason", no line. */
	snprintf(p, sizeof(p), "%s/absent.conf", dir);
	ck_assert_ptr_null(config_load(p, err, sizeof(err)));
	snprintf(want, sizeof(want), "%s: %s", p, strerror(ENOENT));
	ck_assert_str_eq(err, want);
	/* Errors inside an @include name the included file. */
	write_conf("inc.conf", "\nipmux = { bogus = 1; };\n");
	expect_err_in("inc.conf", "@include \"inc.conf\"\n", 2,
	    "unknown key 'bogus' in ipmux");
	write_conf("inc.conf", "ipmux = {\n socket = ; };\n");
	expect_err_in("inc.conf", "@include \"inc.conf\"\n", 2,
	    "syntax error");
	/* A NULL or zero-length err is fine. */
	ck_assert_ptr_null(config_load(p, NULL, 0));
	/* 0640 and 0604 are refused as well as 0644; 0400 is fine. */
	put_file("open.pw", "x\n", 0640);
	expect_err("profiles = ( { name = \"p\"; user = \"u\"; password_file = "
	    "\"@D@/open.pw\"; } );\n", 1, "is mode 0640");
	put_file("open.pw", "x\n", 0604);
	expect_err("profiles = ( { name = \"p\"; user = \"u\"; password_file = "
	    "\"@D@/open.pw\"; } );\n", 1, "is mode 0604");
	config_free(load_ok("profiles = ( { name = \"p\"; user = \"u\"; "
	    "password_file = \"@D@/two.pw\"; } );\n"));
	/* A password file owned by someone else, when we can make one. */
	if (geteuid() == 0) {
		put_file("theirs.pw", "x\n", 0600);
		snprintf(p, sizeof(p), "%s/theirs.pw", dir);
		ck_assert_int_eq(chown(p, 65534, 65534), 0);
		expect_err("profiles = ( { name = \"p\"; user = \"u\"; "
		    "password_file = \"@D@/theirs.pw\"; } );\n", 1,
		    "is owned by uid 65534; it must belong to the daemon's "
		    "user (uid 0)");
	}
	config_free(NULL);
}
END_TEST

START_TEST(test_defaults)
{
	struct ipmux_config *c = load_ok(PROF CONS(""));
	const struct cfg_global *g = &c->g;
	const struct cfg_console *con;

	ck_assert_str_eq(c->path, cfgpath);
	ck_assert_str_eq(g->socket, "/run/ipmux/ipmux.sock");
	ck_assert_ptr_null(g->socket_group);
	ck_assert_str_eq(g->logdir, "/var/log/ipmux");
	ck_assert_str_eq(g->statedir, "/var/lib/ipmux");
	ck_assert_uint_eq(g->scrollback, 1u << 20);
	ck_assert_uint_eq(g->client_buffer, 256u << 10);
	ck_assert_int_eq(g->log_timestamps, LOG_TS_OFF);
	ck_assert_uint_eq(g->log_rotate_size, 64ull << 20);
	ck_assert_uint_eq(g->log_rotate_age, 0);
	ck_assert_uint_eq(g->log_retain, 10);
	ck_assert_int_eq(g->log_compress, LOG_COMPRESS_ZSTD);
	ck_assert_uint_eq(g->backoff_min_ms, 1000);
	ck_assert_uint_eq(g->backoff_max_ms, 300000);
	ck_assert_uint_eq(g->backoff_reset_ms, 60000);
	ck_assert_uint_eq(g->max_handshakes, 64);
	ck_assert_uint_eq(g->dead_ms, 45000);
	ck_assert_uint_eq(g->keepalive_ms, 15000);
	ck_assert_uint_eq(g->sensor_poll_ms, 60000);
	ck_assert_uint_eq(g->sel_poll_ms, 60000);
	ck_assert(!g->sensor_log);
	ck_assert(g->sel_log);
	ck_assert_uint_eq(g->poll_rate, 20);
	ck_assert_int_eq(g->trusted_uid, -1);
	ck_assert_ptr_null(g->metrics_file);

	ck_assert_uint_eq(c->nprofiles, 1);
	ck_assert_str_eq(c->profiles[0].name, "p");
	ck_assert_str_eq(c->profiles[0].user, "u");
	ck_assert_ptr_null(c->profiles[0].kg_file);
	ck_assert_int_eq(c->profiles[0].cipher, SOL_CIPHER_AUTO);
	ck_assert(!c->profiles[0].allow_weak);
	ck_assert_int_eq(c->profiles[0].privilege, SOL_PRIV_ADMIN);
	ck_assert_uint_eq(c->profiles[0].quirks, SOL_Q_DEFAULT);
	ck_assert_int_eq(c->profiles[0].steal, SOL_STEAL);
	ck_assert_int_eq(c->profiles[0].line, 1);

	ck_assert_uint_eq(c->nconsoles, 1);
	con = config_console(c, "n1");
	ck_assert_ptr_eq(con, &c->consoles[0]);
	ck_assert_str_eq(con->host, "10.0.0.1");
	ck_assert_uint_eq(con->port, 623);
	ck_assert_str_eq(con->profile_name, "p");
	ck_assert_ptr_eq(con->profile, &c->profiles[0]);
	ck_assert_ptr_null(con->group);
	ck_assert_uint_eq(con->ntags, 0);
	ck_assert_int_eq(con->line, 2);
	ck_assert_int_eq(config_console_cipher(con), SOL_CIPHER_AUTO);
	ck_assert_uint_eq(config_console_quirks(con), SOL_Q_DEFAULT);
	ck_assert_int_eq(config_console_steal(con), SOL_STEAL);
	ck_assert_ptr_null(config_console(c, "n2"));
	ck_assert_ptr_null(config_console(c, NULL));
	ck_assert_uint_eq(c->nacls, 0);
	config_free(c);

	/* An empty file is a daemon with nothing to do. */
	c = load_ok("");
	ck_assert_uint_eq(c->nconsoles, 0);
	ck_assert_uint_eq(c->nprofiles, 0);
	ck_assert_ptr_null(config_console(c, "n1"));
	config_free(c);
}
END_TEST

START_TEST(test_global_overrides)
{
	struct ipmux_config *c;
	const struct cfg_global *g;
	char want[256];

	c = load_ok("ipmux = {\n"
	    " socket = \"run/ipmux.sock\"; socket_group = \"wheel\";\n"
	    " logdir = \"@D@/log\"; statedir = \"state\";\n"
	    " scrollback = \"2M\"; client_buffer = 65536;\n"
	    " log_timestamps = \"iso8601\"; log_rotate_size = 5000000000L;\n"
	    " log_rotate_age = 86400; log_retain = 0; log_compress = \"gzip\";\n"
	    " backoff_min = 500; backoff_max = 20000; backoff_reset = 0;\n"
	    " max_handshakes = 2; dead_time = 6000; keepalive = 1500;\n"
	    " sensor_poll = 0; trusted_uid = 1000;\n"
	    " sel_poll = 1000; sensor_log = true; sel_log = false;\n"
	    " poll_rate = 3;\n"
	    " metrics_file = \"m.prom\";\n"
	    "};\n");
	g = &c->g;
	/* Relative paths are from the config file's directory. */
	snprintf(want, sizeof(want), "%s/run/ipmux.sock", dir);
	ck_assert_str_eq(g->socket, want);
	ck_assert_str_eq(g->socket_group, "wheel");
	snprintf(want, sizeof(want), "%s/log", dir);
	ck_assert_str_eq(g->logdir, want);
	snprintf(want, sizeof(want), "%s/state", dir);
	ck_assert_str_eq(g->statedir, want);
	snprintf(want, sizeof(want), "%s/m.prom", dir);
	ck_assert_str_eq(g->metrics_file, want);
	ck_assert_uint_eq(g->scrollback, 2u << 20);
	ck_assert_uint_eq(g->client_buffer, 65536);
	ck_assert_int_eq(g->log_timestamps, LOG_TS_ISO8601);
	ck_assert_uint_eq(g->log_rotate_size, 5000000000ull);
	ck_assert_uint_eq(g->log_rotate_age, 86400);
	ck_assert_uint_eq(g->log_retain, 0);
	ck_assert_int_eq(g->log_compress, LOG_COMPRESS_GZIP);
	ck_assert_uint_eq(g->backoff_min_ms, 500);
	ck_assert_uint_eq(g->backoff_max_ms, 20000);
	ck_assert_uint_eq(g->backoff_reset_ms, 0);
	ck_assert_uint_eq(g->max_handshakes, 2);
	ck_assert_uint_eq(g->dead_ms, 6000);
	ck_assert_uint_eq(g->keepalive_ms, 1500);
	ck_assert_uint_eq(g->sensor_poll_ms, 0);
	ck_assert_uint_eq(g->sel_poll_ms, 1000);
	ck_assert(g->sensor_log);
	ck_assert(!g->sel_log);
	ck_assert_uint_eq(g->poll_rate, 3);
	ck_assert_int_eq(g->trusted_uid, 1000);
	config_free(c);

	/* A short dead_time alone pulls the default keepalive down. */
	c = load_ok("ipmux = { dead_time = 3000; log_compress = \"none\";\n"
	    " trusted_uid = \"root\"; log_rotate_size = \"0\";\n"
	    " scrollback = \"64k\"; client_buffer = \"1G\"; };\n");
	ck_assert_uint_eq(c->g.dead_ms, 3000);
	ck_assert_uint_eq(c->g.keepalive_ms, 1000);
	ck_assert_int_eq(c->g.log_compress, LOG_COMPRESS_NONE);
	ck_assert_int_eq(c->g.trusted_uid, 0);
	ck_assert_uint_eq(c->g.log_rotate_size, 0);
	ck_assert_uint_eq(c->g.scrollback, 64u << 10);
	ck_assert_uint_eq(c->g.client_buffer, 1u << 30);
	config_free(c);

	/* Hex literals are no false alarm for the 32-bit check. */
	c = load_ok("ipmux = {\n scrollback = 0x10000; };\n");
	ck_assert_uint_eq(c->g.scrollback, 0x10000);
	config_free(c);
}
END_TEST

START_TEST(test_profile_console_overrides)
{
	struct ipmux_config *c;
	const struct cfg_profile *w, *k;
	const struct cfg_console *con;
	char want[256];

	c = load_ok("profiles = (\n"
	    " { name = \"weak\"; user = \"\"; password_file = \"bmc.pw\";\n"
	    "   cipher = 2; allow_weak_cipher = true; privilege = \"user\";\n"
	    "   workarounds = \"intel20, sun20\"; steal = \"fail\"; },\n"
	    " { name = \"k\"; user = \"sixteen-letters!\";\n"
	    "   password_file = \"@D@/two.pw\"; kg_file = \"kg\";\n"
	    "   cipher = \"3\"; privilege = \"OPERATOR\";\n"
	    "   workarounds = [ \"none\", \"solport\" ]; }\n"
	    ");\n"
	    "consoles = (\n"
	    " { name = \"zeta\"; host = \"[2001:db8::1]:6230\"; profile = \"k\";\n"
	    "   group = \"r1\"; tags = [ \"gpu\", \"role=db\" ];\n"
	    "   cipher = \"auto\"; workarounds = \"authcap\"; steal = \"steal\"; },\n"
	    " { name = \"alpha\"; host = \"2001:db8::2\"; profile = \"weak\";\n"
	    "   cipher = 0; tags = ( \"x\" ); },\n"
	    " { name = \"mid.node-1_a\"; host = \"bmc.example.net:1623\";\n"
	    "   profile = \"k\"; cipher = 17; workarounds = \"none\"; },\n"
	    " { name = \"v6s\"; host = \"[fe80::1%eth0]\"; profile = \"k\"; }\n"
	    ");\n");
	w = &c->profiles[0];
	k = &c->profiles[1];
	ck_assert_str_eq(w->user, "");
	snprintf(want, sizeof(want), "%s/bmc.pw", dir);
	ck_assert_str_eq(w->password_file, want);
	ck_assert_int_eq(w->cipher, 2);
	ck_assert(w->allow_weak);
	ck_assert_int_eq(w->privilege, SOL_PRIV_USER);
	ck_assert_uint_eq(w->quirks, SOL_Q_DEFAULT | SOL_Q_INTEL20 |
	    SOL_Q_SUN20);
	ck_assert_int_eq(w->steal, SOL_FAIL);
	ck_assert_int_eq(w->line, 2);
	snprintf(want, sizeof(want), "%s/kg", dir);
	ck_assert_str_eq(k->kg_file, want);
	ck_assert_int_eq(k->cipher, 3);
	ck_assert_int_eq(k->privilege, SOL_PRIV_OPERATOR);
	ck_assert_uint_eq(k->quirks, SOL_Q_SOLPORT);
	ck_assert_int_eq(k->steal, SOL_STEAL);

	/* Sorted by name, whatever the file order. */
	ck_assert_uint_eq(c->nconsoles, 4);
	ck_assert_str_eq(c->consoles[0].name, "alpha");
	ck_assert_str_eq(c->consoles[1].name, "mid.node-1_a");
	ck_assert_str_eq(c->consoles[2].name, "v6s");
	ck_assert_str_eq(c->consoles[3].name, "zeta");

	con = config_console(c, "zeta");
	ck_assert_ptr_nonnull(con);
	ck_assert_str_eq(con->host, "2001:db8::1");
	ck_assert_uint_eq(con->port, 6230);
	ck_assert_ptr_eq(con->profile, k);
	ck_assert_str_eq(con->group, "r1");
	ck_assert_uint_eq(con->ntags, 2);
	ck_assert_str_eq(con->tags[0], "gpu");
	ck_assert_str_eq(con->tags[1], "role=db");
	ck_assert_int_eq(con->line, 11);
	/* "auto" on the console beats the profile's fixed suite. */
	ck_assert_int_eq(config_console_cipher(con), SOL_CIPHER_AUTO);
	ck_assert_uint_eq(config_console_quirks(con), SOL_Q_DEFAULT |
	    SOL_Q_AUTHCAP);
	ck_assert_int_eq(config_console_steal(con), SOL_STEAL);

	con = config_console(c, "alpha");
	ck_assert_str_eq(con->host, "2001:db8::2");
	ck_assert_uint_eq(con->port, 623);
	ck_assert_int_eq(config_console_cipher(con), 0);
	ck_assert_uint_eq(config_console_quirks(con), w->quirks);
	ck_assert_int_eq(config_console_steal(con), SOL_FAIL);
	ck_assert_uint_eq(con->ntags, 1);

	con = config_console(c, "mid.node-1_a");
	ck_assert_str_eq(con->host, "bmc.example.net");
	ck_assert_uint_eq(con->port, 1623);
	ck_assert_int_eq(config_console_cipher(con), 17);
	ck_assert_uint_eq(config_console_quirks(con), 0);

	con = config_console(c, "v6s");
	ck_assert_str_eq(con->host, "fe80::1%eth0");
	ck_assert_uint_eq(con->port, 623);
	ck_assert_int_eq(config_console_cipher(con), 3);
	config_free(c);
}
END_TEST

/* Four consoles, each in its own profile so a profile change touches one;
 * the %s slots take per-console edits. */
static const char same_fmt[] =
    "profiles = (\n"
    " { name = \"p0\"; %s },\n"
    " { name = \"p1\"; %s },\n"
    " { name = \"p2\"; %s },\n"
    " { name = \"p3\"; %s }\n"
    ");\n"
    "consoles = (\n"
    " { name = \"c0\"; profile = \"p0\"; %s },\n"
    " { name = \"c1\"; profile = \"p1\"; %s },\n"
    " { name = \"c2\"; profile = \"p2\"; %s },\n"
    " { name = \"c3\"; profile = \"p3\"; %s }\n"
    ");\n";

static struct ipmux_config *
load_fmt(const char *const p[4], const char *const con[4])
{
	char text[4096];

	snprintf(text, sizeof(text), same_fmt, p[0], p[1], p[2], p[3],
	    con[0], con[1], con[2], con[3]);
	return load_ok(text);
}

/* Old config: c0..c3 as in base; new: the same but one console's (or its
 * profile's) settings edited. Returns config_console_same(old, new). */
static bool
same_after(const char *pedit, const char *cedit)
{
#define PW "user = \"u\"; password_file = \"@D@/bmc.pw\";"
	static const char *const pb[4] = { PW, PW, PW, PW };
	char pe[256];
	static const char *const cb[4] = {
		"host = \"10.0.0.1\";", "host = \"10.0.0.2\";",
		"host = \"10.0.0.3\";", "host = \"10.0.0.4\";"
	};
	const char *pn[4] = { pb[0], pb[1], pe, pb[3] };
	const char *cn[4] = { cb[0], cb[1], cedit, cb[3] };
	struct ipmux_config *a = load_fmt(pb, cb), *b;
	bool same, others = true;
	int i;

	/* An edit of user or password file is the whole profile body; any
	 * other comes on top of the base. */
	snprintf(pe, sizeof(pe), "%s %s", strstr(pedit, "user =") != NULL ||
	    strstr(pedit, "password_file") != NULL ? "" : PW, pedit);
	b = load_fmt(pn, cn);
	for (i = 0; i < 4; i++) {
		char name[4];

		snprintf(name, sizeof(name), "c%d", i);
		if (i != 2)
			others &= config_console_same(config_console(a, name),
			    config_console(b, name));
	}
	ck_assert_msg(others, "an unedited console differs");
	same = config_console_same(config_console(a, "c2"),
	    config_console(b, "c2"));
	config_free(a);
	config_free(b);
	return same;
}

START_TEST(test_console_same)
{
	/* Unchanged: nothing, or only what never reaches the BMC. */
	ck_assert(same_after("", "host = \"10.0.0.3\";"));
	ck_assert(same_after("", "host = \"10.0.0.3:623\";"));
	ck_assert(same_after("", "host = \"10.0.0.3\"; group = \"g\"; "
	    "tags = [ \"t\" ];"));
	/* Overrides equal to what they override change nothing. */
	ck_assert(same_after("", "host = \"10.0.0.3\"; cipher = \"auto\"; "
	    "steal = \"steal\"; workarounds = \"\";"));
	/* Changed: address, port, every effective session setting. */
	ck_assert(!same_after("", "host = \"10.0.0.9\";"));
	ck_assert(!same_after("", "host = \"10.0.0.3:624\";"));
	ck_assert(!same_after("user = \"v\"; password_file = \"@D@/bmc.pw\";",
	    "host = \"10.0.0.3\";"));
	ck_assert(!same_after("user = \"u\"; password_file = \"@D@/two.pw\";",
	    "host = \"10.0.0.3\";"));
	ck_assert(!same_after("kg_file = \"@D@/kg\";", "host = \"10.0.0.3\";"));
	ck_assert(!same_after("cipher = 3;", "host = \"10.0.0.3\";"));
	ck_assert(!same_after("", "host = \"10.0.0.3\"; cipher = 17;"));
	ck_assert(!same_after("privilege = \"operator\";",
	    "host = \"10.0.0.3\";"));
	ck_assert(!same_after("allow_weak_cipher = true;",
	    "host = \"10.0.0.3\";"));
	ck_assert(!same_after("workarounds = \"sun20\";",
	    "host = \"10.0.0.3\";"));
	ck_assert(!same_after("", "host = \"10.0.0.3\"; "
	    "workarounds = \"none\";"));
	ck_assert(!same_after("steal = \"fail\";", "host = \"10.0.0.3\";"));
	ck_assert(!same_after("", "host = \"10.0.0.3\"; steal = \"fail\";"));
}
END_TEST

START_TEST(test_console_same_profile_swap)
{
	struct ipmux_config *a, *b;

	/* Moving a console to another profile with identical settings is no
	 * change; to one with another password file is. */
	a = load_ok("profiles = (\n"
	    " { name = \"p\"; user = \"u\"; password_file = \"@D@/bmc.pw\"; },\n"
	    " { name = \"q\"; user = \"u\"; password_file = \"@D@/bmc.pw\"; },\n"
	    " { name = \"r\"; user = \"u\"; password_file = \"@D@/two.pw\"; });\n"
	    "consoles = ( { name = \"n\"; host = \"h\"; profile = \"p\"; } );\n");
	b = load_ok("profiles = (\n"
	    " { name = \"q\"; user = \"u\"; password_file = \"@D@/bmc.pw\"; },\n"
	    " { name = \"r\"; user = \"u\"; password_file = \"@D@/two.pw\"; });\n"
	    "consoles = ( { name = \"n\"; host = \"h\"; profile = \"q\"; },\n"
	    " { name = \"m\"; host = \"h\"; profile = \"r\"; } );\n");
	ck_assert(config_console_same(config_console(a, "n"),
	    config_console(b, "n")));
	ck_assert(!config_console_same(config_console(a, "n"),
	    config_console(b, "m")));
	ck_assert(config_console_same(config_console(b, "m"),
	    config_console(b, "m")));
	config_free(a);
	config_free(b);
}
END_TEST

START_TEST(test_perms)
{
	static const char *const wheel[] = { "users", "wheel", NULL };
	static const char *const ops[] = { "ops", NULL };
	struct ipmux_config *c;
	const struct cfg_console *n1, *n2, *n3;

	c = load_ok(PROF
	    "consoles = (\n"
	    " { name = \"n1\"; host = \"h1\"; profile = \"p\"; group = \"r1\"; },\n"
	    " { name = \"n2\"; host = \"h2\"; profile = \"p\"; group = \"r2\"; },\n"
	    " { name = \"n3\"; host = \"h3\"; profile = \"p\"; } );\n"
	    "acls = (\n"
	    " { who = \"alice\"; what = \"group:r1\"; perms = [ \"read\", "
	    "\"write\" ]; },\n"
	    " { who = \"alice\"; what = \"n2\"; perms = [ \"read\" ]; },\n"
	    " { who = \"@wheel\"; what = \"*\"; perms = \"all\"; },\n"
	    " { who = \"*\"; what = \"n3\"; perms = [ \"read\" ]; },\n"
	    " { who = \"@ops\"; what = \"group:r2\"; perms = ( \"power\" ); },\n"
	    " { who = \"carol\"; what = \"*\"; perms = [ \"admin\" ]; }\n"
	    ");\n");
	n1 = config_console(c, "n1");
	n2 = config_console(c, "n2");
	n3 = config_console(c, "n3");
	ck_assert_uint_eq(c->nacls, 6);
	ck_assert_int_eq(c->acls[2].line, 9);
	ck_assert_uint_eq(config_perms(c, "alice", NULL, n1),
	    PERM_READ | PERM_WRITE);
	ck_assert_uint_eq(config_perms(c, "alice", NULL, n2), PERM_READ);
	ck_assert_uint_eq(config_perms(c, "alice", NULL, n3), PERM_READ);
	/* Union across entries: user, group membership, "*". */
	ck_assert_uint_eq(config_perms(c, "alice", ops, n2),
	    PERM_READ | PERM_POWER);
	ck_assert_uint_eq(config_perms(c, "bob", wheel, n1),
	    PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN);
	ck_assert_uint_eq(config_perms(c, "bob", ops, n1), 0);
	ck_assert_uint_eq(config_perms(c, "bob", ops, n3), PERM_READ);
	ck_assert_uint_eq(config_perms(c, "bob", NULL, n2), 0);
	/* Names match exactly: no prefixes, no case folding, a user named
	 * like a group is not the group. */
	ck_assert_uint_eq(config_perms(c, "alic", NULL, n1), 0);
	ck_assert_uint_eq(config_perms(c, "Alice", NULL, n1), 0);
	ck_assert_uint_eq(config_perms(c, "wheel", NULL, n1), 0);
	ck_assert_uint_eq(config_perms(c, "@wheel", NULL, n1), 0);
	/* With ACLs, root is just a user. */
	ck_assert_uint_eq(config_perms(c, "root", NULL, n1), 0);
	ck_assert_uint_eq(config_perms(c, "root", NULL, n3), PERM_READ);
	/* No console: the daemon as a whole; only "*" entries count. */
	ck_assert_uint_eq(config_perms(c, "carol", NULL, NULL), PERM_ADMIN);
	ck_assert_uint_eq(config_perms(c, "alice", NULL, NULL), 0);
	ck_assert_uint_eq(config_perms(c, "x", wheel, NULL),
	    PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN);
	ck_assert_uint_eq(config_perms(c, NULL, NULL, n3), PERM_READ);
	ck_assert_uint_eq(config_perms(c, NULL, NULL, n1), 0);
	config_free(c);

	/* No ACL at all: root has everything, nobody else anything. */
	c = load_ok(PROF CONS(""));
	n1 = config_console(c, "n1");
	ck_assert_uint_eq(config_perms(c, "root", NULL, n1),
	    PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN);
	ck_assert_uint_eq(config_perms(c, "root", NULL, NULL),
	    PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN);
	ck_assert_uint_eq(config_perms(c, "alice", wheel, n1), 0);
	ck_assert_uint_eq(config_perms(c, NULL, NULL, n1), 0);
	config_free(c);
}
END_TEST

/* The shipped example, with its /etc/ipmux/ secrets moved into dir. */
static char *
read_example(void)
{
	static const char *const tries[] = { "etc/ipmux.conf",
	    "../etc/ipmux.conf", "../../etc/ipmux.conf", NULL };
	char p[512], *buf;
	const char *src = getenv("IPMUX_SRCDIR");
	FILE *f = NULL;
	size_t n;
	int i;

	if (src != NULL) {
		snprintf(p, sizeof(p), "%s/etc/ipmux.conf", src);
		f = fopen(p, "r");
	}
	for (i = 0; f == NULL && tries[i] != NULL; i++)
		f = fopen(tries[i], "r");
	ck_assert_msg(f != NULL, "etc/ipmux.conf not found (run from the "
	    "source tree or set IPMUX_SRCDIR)");
	buf = malloc(65536);
	ck_assert_ptr_nonnull(buf);
	n = fread(buf, 1, 65535, f);
	buf[n] = '\0';
	fclose(f);
	ck_assert_uint_gt(n, 0);
	return buf;
}

START_TEST(test_example)
{
	static const char *const keys[] = {
		"socket", "socket_group", "logdir", "statedir", "scrollback",
		"client_buffer", "log_timestamps", "log_rotate_size",
		"log_rotate_age", "log_retain", "log_compress", "backoff_min",
		"backoff_max", "backoff_reset", "max_handshakes", "dead_time",
		"keepalive", "sensor_poll", "sel_poll", "sensor_log",
		"sel_log", "poll_rate", "trusted_uid", "metrics_file",
		"name", "user", "password_file", "kg_file", "cipher",
		"allow_weak_cipher", "privilege", "workarounds", "steal",
		"host", "profile", "group", "tags", "who", "what", "perms",
		NULL
	};
	static const char *const adm[] = { "ipmux-admins", NULL };
	char *text = read_example(), *moved, needle[64], d[80];
	struct ipmux_config *c;
	const struct cfg_console *con;
	size_t i;

	/* Every key appears, set (not just mentioned in a comment). */
	for (i = 0; keys[i] != NULL; i++) {
		snprintf(needle, sizeof(needle), "%s = ", keys[i]);
		ck_assert_msg(strstr(text, needle) != NULL,
		    "etc/ipmux.conf does not show '%s'", keys[i]);
	}
	put_file("supermicro.pw", "pw\n", 0600);
	put_file("legacy.pw", "pw\n", 0600);
	put_file("legacy.kg", "kg\n", 0400);
	snprintf(d, sizeof(d), "%s/", dir);
	moved = subst(text, "/etc/ipmux/", d);
	c = load_ok(moved);
	free(moved);
	free(text);

	ck_assert_uint_eq(c->nprofiles, 3);
	ck_assert_uint_eq(c->nconsoles, 6);
	ck_assert_uint_eq(c->nacls, 4);
	/* Its ipmux settings are the defaults, as it says. */
	ck_assert_uint_eq(c->g.scrollback, 1u << 20);
	ck_assert_uint_eq(c->g.client_buffer, 256u << 10);
	ck_assert_uint_eq(c->g.log_rotate_size, 64ull << 20);
	ck_assert_uint_eq(c->g.log_retain, 10);
	ck_assert_int_eq(c->g.log_compress, LOG_COMPRESS_ZSTD);
	ck_assert_uint_eq(c->g.backoff_min_ms, 1000);
	ck_assert_uint_eq(c->g.backoff_max_ms, 300000);
	ck_assert_uint_eq(c->g.backoff_reset_ms, 60000);
	ck_assert_uint_eq(c->g.max_handshakes, 64);
	ck_assert_uint_eq(c->g.dead_ms, 45000);
	ck_assert_uint_eq(c->g.keepalive_ms, 15000);
	ck_assert_uint_eq(c->g.sensor_poll_ms, 60000);
	ck_assert_uint_eq(c->g.sel_poll_ms, 60000);
	ck_assert(!c->g.sensor_log);
	ck_assert(c->g.sel_log);
	ck_assert_uint_eq(c->g.poll_rate, 20);
	ck_assert_int_eq(c->g.trusted_uid, -1);
	ck_assert_str_eq(c->g.socket, "/run/ipmux/ipmux.sock");

	con = config_console(c, "node3");
	ck_assert_ptr_nonnull(con);
	ck_assert_str_eq(con->host, "bmc-node3.example.net");
	ck_assert_uint_eq(con->port, 6230);
	ck_assert_int_eq(config_console_cipher(con), 3);
	ck_assert_int_eq(config_console_steal(con), SOL_FAIL);
	con = config_console(c, "storage1");
	ck_assert_str_eq(con->host, "2001:db8::21");
	ck_assert_uint_eq(config_console_quirks(con), SOL_Q_SOLPORT);
	con = config_console(c, "db1");
	ck_assert_str_eq(con->profile->name, "legacy");
	ck_assert_ptr_nonnull(con->profile->kg_file);
	ck_assert_int_eq(config_console_cipher(con), 17);
	ck_assert_uint_eq(config_perms(c, "alice", NULL,
	    config_console(c, "node2")), PERM_READ | PERM_WRITE | PERM_POWER);
	ck_assert_uint_eq(config_perms(c, "alice", NULL, con), PERM_READ);
	ck_assert_uint_eq(config_perms(c, "bob", NULL,
	    config_console(c, "node1")), PERM_READ);
	ck_assert_uint_eq(config_perms(c, "eve", NULL, NULL), 0);
	ck_assert_uint_eq(config_perms(c, "eve", adm, NULL),
	    PERM_READ | PERM_WRITE | PERM_POWER | PERM_ADMIN);
	config_free(c);
}
END_TEST

/* A fleet-sized file loads, and lookups find every console. */
START_TEST(test_many_consoles)
{
	enum { N = 10000 };
	size_t cap = 128 + N * 96, len;
	char *text = malloc(cap), name[32];
	struct ipmux_config *c;
	int i;

	ck_assert_ptr_nonnull(text);
	len = (size_t)snprintf(text, cap, PROF "consoles = (\n");
	for (i = 0; i < N; i++)
		len += (size_t)snprintf(text + len, cap - len,
		    " { name = \"node%d\"; host = \"10.%d.%d.%d\"; "
		    "profile = \"p\"; }%s\n", i, i >> 16, (i >> 8) & 255,
		    i & 255, i + 1 < N ? "," : "");
	snprintf(text + len, cap - len, ");\n");
	c = load_ok(text);
	free(text);
	ck_assert_uint_eq(c->nconsoles, N);
	for (i = 0; i < N; i += 97) {
		snprintf(name, sizeof(name), "node%d", i);
		ck_assert_ptr_nonnull(config_console(c, name));
		ck_assert_str_eq(config_console(c, name)->name, name);
		ck_assert_int_eq(config_console(c, name)->line, i + 3);
	}
	config_free(c);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite *s = suite_create("config");
	TCase *tc = tcase_create("config");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_errors, 0,
	    (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
	tcase_add_test(tc, test_errors_misc);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_global_overrides);
	tcase_add_test(tc, test_profile_console_overrides);
	tcase_add_test(tc, test_console_same);
	tcase_add_test(tc, test_console_same_profile_swap);
	tcase_add_test(tc, test_perms);
	tcase_add_test(tc, test_example);
	tcase_add_test(tc, test_many_consoles);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(config_suite)
