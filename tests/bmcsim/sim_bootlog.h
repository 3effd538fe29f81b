/* sim_bootlog.h — the shared boot log text the simulated hosts replay. */
#ifndef IPMUX_TESTS_SIM_BOOTLOG_H
#define IPMUX_TESTS_SIM_BOOTLOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct sim_seg {
	const char *text;
	size_t len;
	uint16_t pause_ms;	/* after it */
};

extern const struct sim_seg sim_bootlog[];
extern const unsigned sim_bootlog_nseg;

/* What the tests look for: the first and the last thing the log shows. */
#define SIM_BOOTLOG_FIRST "BMCSIM UEFI Firmware"
#define SIM_BOOTLOG_KERNEL "Linux version 6.1.0-13-amd64"
#define SIM_BOOTLOG_LOGIN "bmcsim login: "

/*
 * The numbered stream: lines of SIM_NUM_LINE bytes, "NNNNNNNN <padding>\r\n",
 * line k carrying k (mod 10^8), so a loss, duplicate or reordering shows
 * in a byte compare.  Shared with the tests that check it.
 */
#define SIM_NUM_LINE 64
#define SIM_NUM_PAD "numbered stream from ipmux-bmcsim, line padding " \
	"abcdefghijklmnopqrstuvwxyz"

static inline void
sim_numbered_line(uint64_t k, char buf[SIM_NUM_LINE + 1])
{
	snprintf(buf, SIM_NUM_LINE + 1, "%08llu %-*.*s\r\n",
	    (unsigned long long)(k % 100000000ULL), SIM_NUM_LINE - 11,
	    SIM_NUM_LINE - 11, SIM_NUM_PAD);
}

#endif
