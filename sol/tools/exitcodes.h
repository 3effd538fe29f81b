/* exitcodes.h — ipmux-solcat's exit status for each way a session can end, shared with the tests. */
#ifndef IPMUX_SOLCAT_EXITCODES_H
#define IPMUX_SOLCAT_EXITCODES_H

#include "sol.h"

enum solcat_exit {
	SOLCAT_EXIT_OK = 0,		/* escape-quit, signal, clean close */
	SOLCAT_EXIT_LOCAL = 1,		/* usage or local error */
	SOLCAT_EXIT_AUTH = 2,		/* SOL_R_AUTH */
	SOLCAT_EXIT_TIMEOUT = 3,	/* SOL_R_TIMEOUT */
	SOLCAT_EXIT_BUSY = 4,		/* SOL_R_BUSY */
	SOLCAT_EXIT_CIPHER = 5,		/* SOL_R_CIPHER */
	SOLCAT_EXIT_SOL_DISABLED = 6,	/* SOL_R_SOL_DISABLED */
	SOLCAT_EXIT_SOL_ACTIVE = 7,	/* SOL_R_SOL_ACTIVE (-P fail) */
	SOLCAT_EXIT_STOLEN = 8,		/* SOL_R_STOLEN */
	SOLCAT_EXIT_PROTOCOL = 9,	/* SOL_R_PROTOCOL */
	SOLCAT_EXIT_DEACTIVATED = 10,	/* SOL_R_DEACTIVATED */
	SOLCAT_EXIT_PORT = 11,		/* SOL_R_PORT again after one retry */
};

/* The exit status for a session that ended with reason r. */
static inline int
solcat_exit_code(enum sol_reason r)
{
	switch (r) {
	case SOL_R_NONE:
	case SOL_R_LOCAL:
		return SOLCAT_EXIT_OK;
	case SOL_R_AUTH:
		return SOLCAT_EXIT_AUTH;
	case SOL_R_TIMEOUT:
		return SOLCAT_EXIT_TIMEOUT;
	case SOL_R_BUSY:
		return SOLCAT_EXIT_BUSY;
	case SOL_R_CIPHER:
		return SOLCAT_EXIT_CIPHER;
	case SOL_R_SOL_DISABLED:
		return SOLCAT_EXIT_SOL_DISABLED;
	case SOL_R_SOL_ACTIVE:
		return SOLCAT_EXIT_SOL_ACTIVE;
	case SOL_R_STOLEN:
		return SOLCAT_EXIT_STOLEN;
	case SOL_R_PROTOCOL:
		return SOLCAT_EXIT_PROTOCOL;
	case SOL_R_DEACTIVATED:
		return SOLCAT_EXIT_DEACTIVATED;
	case SOL_R_PORT:
		return SOLCAT_EXIT_PORT;
	}
	return SOLCAT_EXIT_LOCAL;
}

#endif
