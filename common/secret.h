/* secret.h — read passwords and keys from a private file, the environment or the terminal, and wipe them. */
#ifndef IPMUX_SECRET_H
#define IPMUX_SECRET_H

#include <stddef.h>
#include <stdint.h>

/* A secret byte string.  Its buffer is wiped by secret_free. */
typedef struct secret secret;

#define SECRET_IPMI_MAX 20	/* IPMI 2.0 password and Kg limit */
#define SECRET_MAX 256		/* largest maxlen the readers accept */

/* flags */
#define SECRET_HEX 0x1		/* "0x..." / "0X..." is hex (for a Kg) */

/*
 * Every reader strips one trailing newline ("\n" or "\r\n"), refuses more
 * than maxlen bytes (after hex decoding) and wipes its buffers.  what names
 * the secret in messages ("password", "Kg"); messages never contain it.
 * They return 0 with *out set, or -1 with a message in err.
 */

/* From a file, which must be a regular file with no group or other
 * permission bits (mode & 077 == 0). */
int secret_from_file(const char *path, const char *what, size_t maxlen,
		     unsigned flags, secret **out, char *err, size_t errlen);
/* From environment variable name; then the variable's value is wiped in
 * place and the variable unset.  Unset variable: returns 0, *out = NULL. */
int secret_from_env(const char *name, const char *what, size_t maxlen,
		    unsigned flags, secret **out, char *err, size_t errlen);
/* Prompt on /dev/tty with echo off; the terminal is restored even when a
 * signal interrupts (the signal is then re-raised). */
int secret_from_tty(const char *prompt, const char *what, size_t maxlen,
		    unsigned flags, secret **out, char *err, size_t errlen);
/* From a buffer (same decoding rules); the caller wipes its copy. */
int secret_from_buf(const uint8_t *buf, size_t len, const char *what,
		    size_t maxlen, unsigned flags, secret **out, char *err,
		    size_t errlen);

const uint8_t *secret_data(const secret *s);
size_t secret_len(const secret *s);
/* Wipe and free; NULL is fine. */
void secret_free(secret *s);

#endif
