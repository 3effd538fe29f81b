/* solcat.c — ipmux-solcat: an interactive IPMI SOL console (like "ipmitool sol activate"); options, secrets, main. */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "escape.h"
#include "exitcodes.h"
#include "secret.h"
#include "solcat.h"

#define SOLCAT_DEFAULT_PORT 623
#define SOLCAT_PASSWORD_ENV "IPMUX_PASSWORD"

enum {
	OPT_WEAK = 256,
	OPT_DEAD,
	OPT_KEEPALIVE,
};

static const struct option solcat_longopts[] = {
	{ "host", required_argument, NULL, 'H' },
	{ "user", required_argument, NULL, 'U' },
	{ "cipher", required_argument, NULL, 'C' },
	{ "privilege", required_argument, NULL, 'L' },
	{ "kg-file", required_argument, NULL, 'k' },
	{ "password-file", required_argument, NULL, 'f' },
	{ "workarounds", required_argument, NULL, 'W' },
	{ "steal", required_argument, NULL, 'P' },
	{ "escape", required_argument, NULL, 'e' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "allow-weak-cipher", no_argument, NULL, OPT_WEAK },
	{ "dead-time", required_argument, NULL, OPT_DEAD },
	{ "keepalive", required_argument, NULL, OPT_KEEPALIVE },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

/* File names for the secrets, read once the options are all known. */
struct solcat_files {
	const char *password, *kg;
};

static void
solcat_usage(FILE *fp)
{
	fprintf(fp,
"usage: %s -H host[:port] -U user [-C auto|17|3|0|1|2]\n"
"       [-L user|operator|admin] [-k KG_FILE] [-f PASSWORD_FILE]\n"
"       [-W quirk,...] [-P steal|fail] [-e ESCAPE] [-v]\n"
"       [--allow-weak-cipher] [--dead-time SECONDS] [--keepalive SECONDS]\n"
"\n"
"Interactive IPMI 2.0 Serial-over-LAN console.\n"
"  -H host[:port]   BMC address; port 623 by default ([v6addr]:port)\n"
"  -U user          IPMI user name\n"
"  -C suite         cipher suite: auto (17, then 3; default), 17, 3,\n"
"                   or 0-2 with --allow-weak-cipher\n"
"  -L level         session privilege (default admin)\n"
"  -f file          password file (mode 0600 or stricter); else the\n"
"                   IPMUX_PASSWORD variable; else a prompt on /dev/tty\n"
"  -k file          BMC key Kg, raw or 0x-prefixed hex (mode 0600)\n"
"  -W list          workarounds, added to the defaults (\"none\" clears):\n"
"                   authcap intel20 supermicro20 sun20 opensesspriv\n"
"                   integritycheckvalue nochecksumcheck solpayloadsize\n"
"                   solport solstatus solchannelsupport\n"
"                   serialalertsdeferred solpacketseq\n"
"  -P policy        SOL already active elsewhere: steal (default) or fail\n"
"  -e escape        escape prefix, e.g. '^]' or '^Ex'; 'none' disables\n"
"                   (default ^Ec: ^Ec. quit, ^Ecb break, ^Ec? help)\n"
"  -v               trace the protocol to stderr\n"
"  --dead-time s    silence that declares the BMC dead (default 45)\n"
"  --keepalive s    keepalive period (default 15; at most a third of\n"
"                   the dead time)\n"
"\n"
"Exit status: 0 quit or signal, 1 usage or local error, 2 authentication,\n"
"3 timeout, 4 BMC busy, 5 no common cipher suite, 6 SOL disabled,\n"
"7 SOL already active (-P fail), 8 SOL stolen, 9 protocol error,\n"
"10 SOL deactivated by the BMC, 11 port redirect failed.\n",
	    SOLCAT_NAME);
}

static int
solcat_bad(const char *what, const char *arg)
{
	fprintf(stderr, "%s: bad %s '%s' (try --help)\n", SOLCAT_NAME, what,
	    arg);
	return -1;
}

static int
solcat_cipher(const char *arg, int *out)
{
	char *end;
	long v;

	if (strcasecmp(arg, "auto") == 0) {
		*out = SOL_CIPHER_AUTO;
		return 0;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno != 0 || end == arg || *end != '\0' || v < 0 || v > 255)
		return solcat_bad("cipher suite", arg);
	*out = (int)v;	/* the session says which suites it supports */
	return 0;
}

static int
solcat_priv(const char *arg, int *out)
{
	if (strcasecmp(arg, "user") == 0)
		*out = SOL_PRIV_USER;
	else if (strcasecmp(arg, "operator") == 0)
		*out = SOL_PRIV_OPERATOR;
	else if (strcasecmp(arg, "admin") == 0 ||
	    strcasecmp(arg, "administrator") == 0)
		*out = SOL_PRIV_ADMIN;
	else
		return solcat_bad("privilege level", arg);
	return 0;
}

static int
solcat_steal(const char *arg, enum sol_steal_policy *out)
{
	if (strcmp(arg, "steal") == 0)
		*out = SOL_STEAL;
	else if (strcmp(arg, "fail") == 0)
		*out = SOL_FAIL;
	else
		return solcat_bad("steal policy", arg);
	return 0;
}

/* Seconds, fractions allowed, to milliseconds; 0.1 s .. 1 day. */
static int
solcat_seconds(const char *what, const char *arg, uint32_t *ms)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(arg, &end);
	if (errno != 0 || end == arg || *end != '\0' || !isfinite(v) ||
	    v < 0.1 || v > 86400)
		return solcat_bad(what, arg);
	*ms = (uint32_t)(v * 1000 + 0.5);
	return 0;
}

/* -W adds to the defaults: parse "default,LIST", so "none" in LIST can
 * still clear everything before it. */
static int
solcat_quirks(const char *arg, uint32_t *out)
{
	char list[512];
	const char *bad = NULL;

	if ((size_t)snprintf(list, sizeof(list), "default,%s", arg) >=
	    sizeof(list))
		return solcat_bad("workaround list", arg);
	if (sol_quirks_parse(list, out, &bad) != 0) {
		fprintf(stderr, "%s: unknown workaround '%.*s' (try --help)\n",
		    SOLCAT_NAME, bad != NULL ? (int)strcspn(bad, ",") : 0,
		    bad != NULL ? bad : "");
		return -1;
	}
	return 0;
}

static int
solcat_escape(const char *arg, struct solcat_opts *o)
{
	int r = escape_parse_spec(arg, &o->esc, &o->esc_second);

	if (r < 0)
		return solcat_bad("escape", arg);
	o->escape_on = r == 0;
	return 0;
}

/* One option; returns 0, or -1 on a usage error. */
static int
solcat_option(int c, const char *arg, struct solcat_opts *o,
	      struct solcat_files *f)
{
	char err[300];

	switch (c) {
	case 'H':
		if (net_parse_hostport(arg, o->host, sizeof(o->host),
		    &o->port, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s\n", SOLCAT_NAME, err);
			return -1;
		}
		return 0;
	case 'U':
		o->cfg.user = arg;
		return 0;
	case 'C':
		return solcat_cipher(arg, &o->cfg.cipher);
	case 'L':
		return solcat_priv(arg, &o->cfg.privilege);
	case 'k':
		f->kg = arg;
		return 0;
	case 'f':
		f->password = arg;
		return 0;
	case 'W':
		return solcat_quirks(arg, &o->cfg.quirks);
	case 'P':
		return solcat_steal(arg, &o->cfg.steal);
	case 'e':
		return solcat_escape(arg, o);
	case 'v':
		o->verbose++;
		return 0;
	case OPT_WEAK:
		o->cfg.allow_weak = true;
		return 0;
	case OPT_DEAD:
		return solcat_seconds("dead time", arg, &o->cfg.dead_ms);
	case OPT_KEEPALIVE:
		return solcat_seconds("keepalive", arg, &o->cfg.keepalive_ms);
	}
	fprintf(stderr, "%s: try --help\n", SOLCAT_NAME);
	return -1;
}

/* Returns 0 to go on, 1 after --help, -1 on a usage error. */
static int
solcat_args(int argc, char **argv, struct solcat_opts *o,
	    struct solcat_files *f)
{
	int c;

	while ((c = getopt_long(argc, argv, "H:U:C:L:k:f:W:P:e:vh",
	    solcat_longopts, NULL)) != -1) {
		if (c == 'h') {
			solcat_usage(stdout);
			return 1;
		}
		if (solcat_option(c, optarg, o, f) != 0)
			return -1;
	}
	if (optind < argc) {
		fprintf(stderr, "%s: unexpected argument '%s' (try --help)\n",
		    SOLCAT_NAME, argv[optind]);
		return -1;
	}
	if (o->host[0] == '\0' || o->cfg.user == NULL) {
		fprintf(stderr, "%s: -H host and -U user are required "
		    "(try --help)\n", SOLCAT_NAME);
		return -1;
	}
	if (o->cfg.cipher >= 0 && o->cfg.cipher < 3 && o->cfg.allow_weak)
		fprintf(stderr, "%s: warning: cipher suite %d does not encrypt "
		    "the console; anyone on the path can read%s it\n",
		    SOLCAT_NAME, o->cfg.cipher,
		    o->cfg.cipher < 2 ? " and forge" : "");
	return 0;
}

/* Password from -f, else the environment, else the terminal; the
 * environment copy is wiped and unset whichever is used. */
static int
solcat_secrets(struct solcat_opts *o, const struct solcat_files *f)
{
	char err[512], prompt[320];
	secret *env = NULL;

	if (secret_from_env(SOLCAT_PASSWORD_ENV, "password", SECRET_IPMI_MAX,
	    0, &env, err, sizeof(err)) != 0)
		goto fail;
	if (f->password != NULL) {
		secret_free(env);
		if (secret_from_file(f->password, "password", SECRET_IPMI_MAX,
		    0, &o->password, err, sizeof(err)) != 0)
			goto fail;
	} else if (env != NULL) {
		o->password = env;
	} else {
		snprintf(prompt, sizeof(prompt), "Password for %s%s%s: ",
		    o->cfg.user, o->cfg.user[0] != '\0' ? "@" : "", o->host);
		if (secret_from_tty(prompt, "password", SECRET_IPMI_MAX, 0,
		    &o->password, err, sizeof(err)) != 0) {
			fprintf(stderr, "%s: %s (use -f FILE or %s)\n",
			    SOLCAT_NAME, err, SOLCAT_PASSWORD_ENV);
			return -1;
		}
	}
	if (f->kg != NULL && secret_from_file(f->kg, "Kg", SECRET_IPMI_MAX,
	    SECRET_HEX, &o->kg, err, sizeof(err)) != 0)
		goto fail;
	return 0;
fail:
	fprintf(stderr, "%s: %s\n", SOLCAT_NAME, err);
	return -1;
}

int
main(int argc, char **argv)
{
	struct solcat_opts o;
	struct solcat_files f = { NULL, NULL };
	int r;

	memset(&o, 0, sizeof(o));
	o.port = SOLCAT_DEFAULT_PORT;
	o.cfg.cipher = SOL_CIPHER_AUTO;
	o.cfg.privilege = SOL_PRIV_ADMIN;
	o.cfg.quirks = SOL_Q_DEFAULT;
	o.cfg.steal = SOL_STEAL;
	o.cfg.want_sol = true;
	o.escape_on = true;
	o.esc = ESCAPE_DEFAULT_CHAR;
	o.esc_second = ESCAPE_DEFAULT_SECOND;
	if ((r = solcat_args(argc, argv, &o, &f)) != 0)
		return r > 0 ? SOLCAT_EXIT_OK : SOLCAT_EXIT_LOCAL;
	if (solcat_secrets(&o, &f) != 0) {
		secret_free(o.password);
		secret_free(o.kg);
		return SOLCAT_EXIT_LOCAL;
	}
	r = loop_run(&o);	/* wipes and frees the secrets */
	return r;
}
