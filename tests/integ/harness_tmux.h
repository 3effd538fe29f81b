/* harness_tmux.h — drive an interactive console client (ipmitool sol activate, ipmiconsole) in a private tmux server and read its screen. */
#ifndef IPMUX_TESTS_INTEG_HARNESS_TMUX_H
#define IPMUX_TESTS_INTEG_HARNESS_TMUX_H

#include <stdbool.h>

#include "harness.h"

struct harness_tmux;

/* prog (tmux, ipmitool, ...) is on $PATH. */
bool harness_tmux_have(const char *prog);

/*
 * A tmux server of our own (its socket in the harness temp dir, no
 * ~/.tmux.conf), running in the foreground as a harness child so it dies
 * with the test even when a failed assertion skips the teardown. One
 * session of cols x rows runs argv (under a tiny sh wrapper that prints
 * the exit status when it ends); the pane stays after the program exits.
 * NULL on failure. Free with harness_tmux_free().
 */
struct harness_tmux *harness_tmux_start(struct harness *h, int cols,
    int rows, const char *const *argv);
/* The whole pane, scrollback included, wrapped lines joined; caller
 * frees. NULL on failure. */
char *harness_tmux_capture(struct harness_tmux *t);
/* Poll the pane (pumping the harness' children in between) until needle
 * appears; false past timeout_ms, or as soon as the program has exited
 * without showing it. */
bool harness_tmux_wait_text(struct harness_tmux *t, const char *needle,
    int timeout_ms);
/* send-keys: literal text (-l) or key names ("C-j"). */
bool harness_tmux_send_text(struct harness_tmux *t, const char *text);
bool harness_tmux_send_key(struct harness_tmux *t, const char *key);
/* Wait for the pane's program to exit: its exit status, or -1 past
 * timeout_ms. */
int harness_tmux_wait_exit(struct harness_tmux *t, int timeout_ms);
/* Kill the server. NULL-safe. */
void harness_tmux_free(struct harness_tmux *t);

#endif
