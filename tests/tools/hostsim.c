/* hostsim.c — the simulated host behind ipmi_sim's SOL "serial port": boot log, numbered lines, bursts, echo, byte records. */

/*
 * ipmi_sim's `sol "tcp:ADDR:PORT" BAUD` (or "telnet:ADDR:PORT") makes the
 * simulator connect() to ADDR:PORT once at startup and again every 10 s
 * after a failure or EOF, so we listen and take whatever connection comes.
 * The simulator throws away everything we write while no SOL session is
 * active, which is why every mode waits for a trigger (the first byte
 * typed, a control command or SIGUSR1) unless --autostart is given.
 *
 * A BREAK from the console arrives as the telnet pair IAC BREAK (FF F3)
 * in both tcp: and telnet: modes. In tcp: mode data bytes are not escaped,
 * so a typed FF F3 would look the same; --telnet handles the full escaping.
 *
 * Single-threaded: one ppoll() loop, timers from CLOCK_MONOTONIC, signals
 * only unblocked inside ppoll().
 */

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define HS_MAX_CTL 8
#define HS_IAC 0xff
#define HS_BRK 0xf3
#define HS_SB 0xfa
#define HS_SE 0xf0
#define HS_WILL 0xfb
#define HS_DONT 0xfe
/* Stop generating paced output while this much is still queued. */
#define HS_QUEUE_HIGH (64 * 1024)

enum hs_mode { HS_ECHO, HS_BOOTLOG, HS_NUMBERED, HS_BURST };

/* Telnet / break parser states for bytes coming from the BMC. */
enum hs_in { IN_DATA, IN_IAC, IN_OPT, IN_SB, IN_SB_IAC };

/* Where the fake boot is: waiting for a key, printing, then a login. */
enum hs_boot { BOOT_WAIT, BOOT_RUN, BOOT_LOGIN, BOOT_PASSWORD, BOOT_SHELL };

struct hs_opts {
	enum hs_mode mode;
	const char *addr;
	int port, ctl_port;
	const char *port_file, *ctl_port_file;
	const char *record, *sent, *events;
	bool echo, telnet, autostart;
	unsigned long long bytes, count;
	unsigned int seed, rate, line_len, line_delay_ms, prompt_interval;
};

struct hs_queue {
	unsigned char *p;
	size_t off, len, cap;
};

struct hs_ctl {
	int fd;
	size_t len;
	char line[512];
};

struct hs {
	struct hs_opts o;
	int lfd, cfd, ctl_lfd;
	struct hs_ctl ctl[HS_MAX_CTL];
	int rec_fd, sent_fd, ev_fd;
	struct hs_queue out;
	enum hs_in in_state;
	bool wire_ff;		/* telnet mode: half of an FF FF pair written */
	bool started;
	int64_t t0, next_due, next_prompt;
	int64_t num_origin;	/* when line 0 was (or would have been) due */
	enum hs_boot boot;
	size_t boot_line;
	char line[128];
	size_t line_len;
	bool last_cr;
	unsigned long long num_next, burst_left, burst_pos;
	uint32_t rng;
	unsigned long long rx, tx, breaks, connects;
};

static volatile sig_atomic_t hs_got_term, hs_got_usr1;

static void
hs_on_signal(int sig)
{
	if (sig == SIGUSR1)
		hs_got_usr1 = 1;
	else
		hs_got_term = 1;
}

static int64_t
hs_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void hs_die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
static void hs_event(struct hs *s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
hs_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("hostsim: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

/* write(2) all of it; the record files are append-only logs. */
static void
hs_write_all(int fd, const void *p, size_t len)
{
	const unsigned char *c = p;

	while (fd >= 0 && len > 0) {
		ssize_t n = write(fd, c, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		c += n;
		len -= (size_t)n;
	}
}

/* One line per event: milliseconds since start, a word, optional detail. */
static void
hs_event(struct hs *s, const char *fmt, ...)
{
	char buf[256];
	int n;
	va_list ap;

	n = snprintf(buf, sizeof(buf), "%lld ", (long long)(hs_now() - s->t0));
	va_start(ap, fmt);
	n += vsnprintf(buf + n, sizeof(buf) - (size_t)n - 1, fmt, ap);
	va_end(ap);
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	hs_write_all(s->ev_fd, buf, (size_t)n);
	if (s->ev_fd < 0)
		fwrite(buf, 1, (size_t)n, stderr);
}

static void
hs_queue_raw(struct hs_queue *q, const void *p, size_t len)
{
	if (q->off > 0 && q->off == q->len)
		q->off = q->len = 0;
	if (q->len + len > q->cap) {
		size_t cap = q->cap ? q->cap : 4096;

		if (q->off > 0) {
			memmove(q->p, q->p + q->off, q->len - q->off);
			q->len -= q->off;
			q->off = 0;
		}
		while (cap < q->len + len)
			cap *= 2;
		if (cap != q->cap) {
			unsigned char *np = realloc(q->p, cap);

			if (np == NULL)
				hs_die("out of memory");
			q->p = np;
			q->cap = cap;
		}
	}
	memcpy(q->p + q->len, p, len);
	q->len += len;
}

static size_t
hs_queued(const struct hs *s)
{
	return s->out.len - s->out.off;
}

/* Queue bytes for the BMC; nothing is queued while nobody is connected. */
static void
hs_send(struct hs *s, const void *p, size_t len)
{
	const unsigned char *c = p;
	static const unsigned char ffff[2] = { HS_IAC, HS_IAC };
	size_t i, start = 0;

	if (s->cfd < 0)
		return;
	if (!s->o.telnet) {
		hs_queue_raw(&s->out, p, len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (c[i] != HS_IAC)
			continue;
		hs_queue_raw(&s->out, c + start, i - start);
		hs_queue_raw(&s->out, ffff, 2);
		start = i + 1;
	}
	hs_queue_raw(&s->out, c + start, len - start);
}

static void
hs_sends(struct hs *s, const char *str)
{
	hs_send(s, str, strlen(str));
}

/* Record what went out, as the host meant it (telnet FF FF pairs undone). */
static void
hs_record_sent(struct hs *s, const unsigned char *p, size_t len)
{
	unsigned char buf[4096];
	size_t i, n = 0;

	if (!s->o.telnet) {
		s->tx += len;
		hs_write_all(s->sent_fd, p, len);
		return;
	}
	for (i = 0; i < len; i++) {
		if (p[i] == HS_IAC && !s->wire_ff) {
			s->wire_ff = true;
			continue;
		}
		s->wire_ff = false;
		s->tx++;
		buf[n++] = p[i];
		if (n == sizeof(buf)) {
			hs_write_all(s->sent_fd, buf, n);
			n = 0;
		}
	}
	hs_write_all(s->sent_fd, buf, n);
}

#define C_RST "\033[0m"
#define C_BOLD "\033[1m"
#define C_GRN "\033[32m"
#define C_YEL "\033[33m"
#define C_BLU "\033[1;34m"
#define C_INV "\033[7m"
#define SD_OK "[  " C_GRN "OK" C_RST "  ] "

/* The boot: each line waits `pause` line delays before it is printed. */
static const struct hs_boot_line {
	unsigned int pause;
	const char *text;
} hs_boot_lines[] = {
	{ 1, C_BOLD "HostSim BIOS v2.4.1" C_RST "  (simulated host for ipmux tests)" },
	{ 1, "CPU: Simulated Xeon(R) 8-core @ 2.40GHz" },
	{ 4, "Memory test: 16384 MB " C_GRN "OK" C_RST },
	{ 1, "USB: 2 devices, SATA: 1 disk (sda, 480 GB)" },
	{ 1, "BMC: IPMI 2.0, SOL on COM1 115200 8n1" },
	{ 3, C_YEL "Press <F2> for Setup, <F12> for Network Boot" C_RST },
	{ 6, "" },
	{ 1, C_INV "                   GNU GRUB  version 2.06-13                  " C_RST },
	{ 1, "" },
	{ 1, " *Debian GNU/Linux" },
	{ 1, "  Advanced options for Debian GNU/Linux" },
	{ 4, "" },
	{ 1, "Booting `Debian GNU/Linux'" },
	{ 1, "Loading Linux 6.1.0-18-amd64 ..." },
	{ 6, "Loading initial ramdisk ..." },
	{ 4, "[    0.000000] Linux version 6.1.0-18-amd64 (debian-kernel@lists.debian.org) #1 SMP PREEMPT_DYNAMIC Debian 6.1.76-1" },
	{ 1, "[    0.000000] Command line: BOOT_IMAGE=/vmlinuz-6.1.0-18-amd64 root=/dev/sda1 ro console=ttyS0,115200n8" },
	{ 1, "[    0.000000] BIOS-provided physical RAM map:" },
	{ 1, "[    0.004512] ACPI: Early table checksum verification disabled" },
	{ 1, "[    0.120337] smpboot: CPU0: Simulated Xeon(R) (family: 0x6, model: 0x55)" },
	{ 1, "[    0.410991] Serial: 8250/16550 driver, 4 ports, IRQ sharing enabled" },
	{ 1, "[    0.411560] 00:03: ttyS0 at I/O 0x3f8 (irq = 4, base_baud = 115200) is a 16550A" },
	{ 2, "[    1.031822] ipmi_si IPI0001:00: IPMI kcs interface initialized" },
	{ 2, "[    1.734200] sd 0:0:0:0: [sda] 937703088 512-byte logical blocks" },
	{ 2, "[    2.018634] EXT4-fs (sda1): mounted filesystem with ordered data mode" },
	{ 3, "[    2.501447] systemd[1]: systemd 252.22-1~deb12u1 running in system mode" },
	{ 1, "" },
	{ 1, "Welcome to " C_BLU "Debian GNU/Linux 12 (bookworm)" C_RST "!" },
	{ 1, "" },
	{ 1, SD_OK "Created slice system-getty.slice." },
	{ 1, SD_OK "Started systemd-journald.service - Journal Service." },
	{ 1, SD_OK "Finished systemd-fsck-root.service - File System Check on Root Device." },
	{ 1, SD_OK "Reached target local-fs.target - Local File Systems." },
	{ 2, SD_OK "Started networking.service - Raise network interfaces." },
	{ 1, SD_OK "Started ssh.service - OpenBSD Secure Shell server." },
	{ 1, SD_OK "Started serial-getty@ttyS0.service - Serial Getty on ttyS0." },
	{ 1, SD_OK "Reached target multi-user.target - Multi-User System." },
	{ 3, "" },
	{ 1, "Debian GNU/Linux 12 hostsim ttyS0" },
	{ 1, "" },
};

#define HS_NBOOT (sizeof(hs_boot_lines) / sizeof(hs_boot_lines[0]))

static const char hs_login_prompt[] = "hostsim login: ";
static const char hs_shell_prompt[] = "root@hostsim:~# ";

static void
hs_boot_start(struct hs *s, int64_t now)
{
	s->boot = BOOT_RUN;
	s->boot_line = 0;
	s->next_due = now + s->o.line_delay_ms * hs_boot_lines[0].pause;
	hs_event(s, "boot-start");
}

/* Print every boot line that is due; the login prompt ends the boot. */
static void
hs_boot_tick(struct hs *s, int64_t now)
{
	while (s->boot == BOOT_RUN && now >= s->next_due) {
		hs_sends(s, hs_boot_lines[s->boot_line].text);
		hs_sends(s, "\r\n");
		if (++s->boot_line == HS_NBOOT) {
			hs_sends(s, hs_login_prompt);
			s->boot = BOOT_LOGIN;
			s->line_len = 0;
			hs_event(s, "boot-done");
			return;
		}
		s->next_due += s->o.line_delay_ms *
		    hs_boot_lines[s->boot_line].pause;
	}
}

/* The few "commands" the fake shell knows, so the demo feels alive. */
static void
hs_shell_line(struct hs *s)
{
	char *cmd = s->line;

	cmd[s->line_len] = '\0';
	while (*cmd == ' ')
		cmd++;
	if (strcmp(cmd, "exit") == 0 || strcmp(cmd, "logout") == 0) {
		s->boot = BOOT_LOGIN;
		hs_sends(s, "logout\r\n\r\nDebian GNU/Linux 12 hostsim ttyS0\r\n\r\n");
		hs_sends(s, hs_login_prompt);
		return;
	}
	if (strcmp(cmd, "uname -a") == 0 || strcmp(cmd, "uname") == 0)
		hs_sends(s, "Linux hostsim 6.1.0-18-amd64 #1 SMP PREEMPT_DYNAMIC "
		    "Debian 6.1.76-1 x86_64 GNU/Linux\r\n");
	else if (strcmp(cmd, "reboot") == 0) {
		hs_sends(s, "[  OK  ] Reached target reboot.target - System Reboot.\r\n"
		    "reboot: Restarting system\r\n");
		hs_boot_start(s, hs_now());
		return;
	} else if (strcmp(cmd, "help") == 0)
		hs_sends(s, "This is ipmux's simulated host. Commands: uname, "
		    "reboot, exit. Everything you type is echoed.\r\n");
	else if (*cmd != '\0') {
		hs_sends(s, "-bash: ");
		hs_sends(s, cmd);
		hs_sends(s, ": command not found\r\n");
	}
	hs_sends(s, hs_shell_prompt);
}

/* End of a typed line at the login, password or shell prompt. */
static void
hs_line_done(struct hs *s)
{
	if (s->boot != BOOT_PASSWORD)
		hs_sends(s, "\r\n");
	switch (s->boot) {
	case BOOT_LOGIN:
		if (s->line_len == 0) {
			hs_sends(s, hs_login_prompt);
			break;
		}
		hs_sends(s, "Password: ");
		s->boot = BOOT_PASSWORD;
		break;
	case BOOT_PASSWORD:
		hs_sends(s, "\r\nLinux hostsim 6.1.0-18-amd64 #1 SMP x86_64\r\n"
		    "Last login: (simulated) on ttyS0\r\n");
		hs_sends(s, hs_shell_prompt);
		s->boot = BOOT_SHELL;
		break;
	case BOOT_SHELL:
		hs_shell_line(s);
		break;
	default:
		break;
	}
	s->line_len = 0;
}

/* A tiny line discipline: echo (except passwords), backspace, CR/LF. */
static void
hs_boot_input(struct hs *s, unsigned char c)
{
	if (s->boot == BOOT_WAIT) {
		hs_boot_start(s, hs_now());
		return;
	}
	if (s->boot == BOOT_RUN) {
		if (s->o.echo)
			hs_send(s, &c, 1);
		return;
	}
	if (c == '\n' && s->last_cr) {
		s->last_cr = false;	/* CR LF is one Enter */
		return;
	}
	s->last_cr = c == '\r';
	if (c == '\r' || c == '\n') {
		hs_line_done(s);
		return;
	}
	if (c == 0x7f || c == 0x08) {
		if (s->line_len > 0) {
			s->line_len--;
			if (s->boot != BOOT_PASSWORD && s->o.echo)
				hs_sends(s, "\b \b");
		}
		return;
	}
	if (s->line_len + 1 < sizeof(s->line))
		s->line[s->line_len++] = (char)c;
	if (s->boot != BOOT_PASSWORD && s->o.echo)
		hs_send(s, &c, 1);
}

/* numbered: "NNNNNNNN " then a pattern that depends on N, then CR LF. */
static void
hs_numbered_line(struct hs *s)
{
	char buf[1024];
	unsigned int len = s->o.line_len, i;
	int n;

	n = snprintf(buf, sizeof(buf), "%08llu ", s->num_next);
	for (i = (unsigned int)n; i + 2 < len; i++)
		buf[i] = (char)('A' + (s->num_next + i) % 26);
	buf[len - 2] = '\r';
	buf[len - 1] = '\n';
	hs_send(s, buf, len);
	s->num_next++;
}

static void
hs_numbered_tick(struct hs *s, int64_t now)
{
	while (s->started && hs_queued(s) < HS_QUEUE_HIGH &&
	    (s->o.count == 0 || s->num_next < s->o.count)) {
		if (s->o.rate > 0 && now < s->next_due)
			return;
		hs_numbered_line(s);
		if (s->o.rate > 0)
			s->next_due = s->num_origin +
			    (int64_t)(s->num_next * 1000ULL / s->o.rate);
	}
	if (s->started && s->o.count != 0 && s->num_next == s->o.count) {
		hs_event(s, "numbered-done %llu", s->num_next);
		s->started = false;
	}
}

/* xorshift32: the same seed always gives the same burst. */
static uint32_t
hs_rand(struct hs *s)
{
	uint32_t x = s->rng;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	s->rng = x;
	return x;
}

/* Printable bytes with CR LF every 80 so a terminal stays readable. */
static void
hs_burst_tick(struct hs *s)
{
	unsigned char buf[4096];
	size_t n;

	while (s->burst_left > 0 && hs_queued(s) < HS_QUEUE_HIGH) {
		for (n = 0; n < sizeof(buf) && s->burst_left > 0; n++) {
			unsigned int col = (unsigned int)(s->burst_pos++ % 80);

			if (col == 78)
				buf[n] = '\r';
			else if (col == 79)
				buf[n] = '\n';
			else
				buf[n] = (unsigned char)(0x20 + hs_rand(s) % 95);
			s->burst_left--;
		}
		hs_send(s, buf, n);
		if (s->burst_left == 0)
			hs_event(s, "burst-queued");
	}
}

static void
hs_burst(struct hs *s, unsigned long long n)
{
	s->burst_left += n;
	hs_event(s, "burst %llu", n);
	hs_burst_tick(s);
}

/* The trigger: first key, `start`, SIGUSR1 or --autostart. */
static void
hs_start(struct hs *s)
{
	int64_t now = hs_now();

	if (s->cfd < 0)
		return;
	switch (s->o.mode) {
	case HS_BOOTLOG:
		hs_boot_start(s, now);
		break;
	case HS_NUMBERED:
		s->started = true;
		s->num_origin = now -
		    (int64_t)(s->num_next * 1000ULL / (s->o.rate ? s->o.rate : 1));
		s->next_due = now;
		hs_event(s, "numbered-start %llu", s->num_next);
		break;
	case HS_BURST:
		s->started = true;
		hs_burst(s, s->o.bytes);
		break;
	case HS_ECHO:
		break;
	}
}

/* Unpaced output (a burst, a rate-0 numbered stream) still to generate:
 * it waits only for room in the send queue. */
static int
hs_more_pending(const struct hs *s)
{
	if (s->burst_left > 0)
		return 1;
	return s->o.mode == HS_NUMBERED && s->started && s->o.rate == 0 &&
	    (s->o.count == 0 || s->num_next < s->o.count);
}

/* Run paced output; return the next time something is due, or -1. */
static int64_t
hs_tick(struct hs *s, int64_t now)
{
	if (s->cfd < 0)
		return -1;
	if (s->o.mode == HS_BOOTLOG && s->boot == BOOT_WAIT &&
	    s->o.prompt_interval > 0) {
		if (now >= s->next_prompt) {
			hs_sends(s, "\rPress any key to boot the simulated host... ");
			s->next_prompt = now + s->o.prompt_interval * 1000LL;
		}
		return s->next_prompt;
	}
	hs_boot_tick(s, now);
	hs_burst_tick(s);
	if (s->o.mode == HS_NUMBERED)
		hs_numbered_tick(s, now);
	if (s->boot == BOOT_RUN)
		return s->next_due;
	if (s->o.mode == HS_NUMBERED && s->started &&
	    hs_queued(s) < HS_QUEUE_HIGH && s->o.rate > 0)
		return s->next_due;
	return -1;
}

/* A data byte from the console, after break and telnet decoding. */
static void
hs_input_byte(struct hs *s, unsigned char c)
{
	switch (s->o.mode) {
	case HS_BOOTLOG:
		hs_boot_input(s, c);
		return;
	case HS_BURST:
		if (s->o.echo)
			hs_send(s, &c, 1);
		if (!s->started)
			hs_start(s);
		return;
	case HS_NUMBERED:
	case HS_ECHO:
		if (s->o.echo)
			hs_send(s, &c, 1);
		return;
	}
}

/*
 * Split the stream from the BMC into data and BREAKs. IAC BREAK is a
 * break in both modes; with --telnet, IAC IAC is a literal FF and option
 * negotiation (ipmi_sim opens with DO/WILL BINARY, DONT/WONT ECHO) and
 * subnegotiation are skipped. Without --telnet any other byte after FF is
 * data, and so is the FF.
 */
static size_t
hs_decode(struct hs *s, const unsigned char *in, size_t len, unsigned char *out)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		unsigned char c = in[i];

		switch (s->in_state) {
		case IN_DATA:
			if (c == HS_IAC)
				s->in_state = IN_IAC;
			else
				out[n++] = c;
			break;
		case IN_IAC:
			s->in_state = IN_DATA;
			if (c == HS_BRK) {
				s->breaks++;
				hs_event(s, "break %llu", s->rx + n);
			} else if (c == HS_IAC && s->o.telnet) {
				out[n++] = HS_IAC;
			} else if (!s->o.telnet) {
				out[n++] = HS_IAC;
				if (c == HS_IAC)
					s->in_state = IN_IAC;
				else
					out[n++] = c;
			} else if (c >= HS_WILL && c <= HS_DONT) {
				s->in_state = IN_OPT;
			} else if (c == HS_SB) {
				s->in_state = IN_SB;
			}
			break;
		case IN_OPT:
			s->in_state = IN_DATA;
			break;
		case IN_SB:
			if (c == HS_IAC)
				s->in_state = IN_SB_IAC;
			break;
		case IN_SB_IAC:
			s->in_state = c == HS_SE ? IN_DATA : IN_SB;
			break;
		}
	}
	return n;
}

static void
hs_conn_close(struct hs *s, const char *why)
{
	if (s->cfd < 0)
		return;
	close(s->cfd);
	s->cfd = -1;
	hs_event(s, "disconnect %s rx=%llu tx=%llu", why, s->rx, s->tx);
	s->out.off = s->out.len = 0;
	s->burst_left = 0;
	s->started = false;
	/* The host itself keeps running: boot and shell state survive. */
}

static void
hs_conn_read(struct hs *s)
{
	unsigned char in[4096], data[4096];
	ssize_t r;
	size_t i, n;

	r = read(s->cfd, in, sizeof(in));
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		hs_conn_close(s, r == 0 ? "eof" : strerror(errno));
		return;
	}
	n = hs_decode(s, in, (size_t)r, data);
	hs_write_all(s->rec_fd, data, n);
	s->rx += n;
	for (i = 0; i < n; i++)
		hs_input_byte(s, data[i]);
}

static void
hs_conn_write(struct hs *s)
{
	ssize_t w;

	while (hs_queued(s) > 0) {
		w = send(s->cfd, s->out.p + s->out.off, hs_queued(s),
		    MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno == EAGAIN)
			return;
		if (w <= 0) {
			hs_conn_close(s, strerror(errno));
			return;
		}
		hs_record_sent(s, s->out.p + s->out.off, (size_t)w);
		s->out.off += (size_t)w;
	}
}

/* A new connection from ipmi_sim replaces any old one. */
static void
hs_accept(struct hs *s)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	char ip[INET_ADDRSTRLEN];
	int fd, one = 1;

	fd = accept4(s->lfd, (struct sockaddr *)&sa, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	hs_conn_close(s, "replaced");
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	s->cfd = fd;
	s->connects++;
	s->in_state = IN_DATA;
	s->wire_ff = false;
	s->next_prompt = hs_now();
	inet_ntop(AF_INET, &sa.sin_addr, ip, sizeof(ip));
	hs_event(s, "connect %s:%u", ip, (unsigned int)ntohs(sa.sin_port));
	if (s->o.autostart)
		hs_start(s);
}

static void hs_ctl_reply(struct hs_ctl *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
hs_ctl_reply(struct hs_ctl *c, const char *fmt, ...)
{
	char buf[256];
	int n;
	va_list ap;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if (n > (int)sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	hs_write_all(c->fd, buf, (size_t)n);
}

/*
 * Control commands, one per line, each answered with "ok ..." or "err ...":
 *   start | stop | boot | burst N | say TEXT | echo on|off | drop | stats |
 *   quit
 */
static void
hs_ctl_command(struct hs *s, struct hs_ctl *c, char *cmd)
{
	char *arg = strchr(cmd, ' ');

	if (arg != NULL)
		*arg++ = '\0';
	if (strcmp(cmd, "stats") == 0) {
		hs_ctl_reply(c, "ok connected=%d connects=%llu rx=%llu tx=%llu "
		    "breaks=%llu queued=%zu lines=%llu", s->cfd >= 0, s->connects,
		    s->rx, s->tx, s->breaks, hs_queued(s), s->num_next);
		return;
	}
	if (strcmp(cmd, "quit") == 0) {
		hs_got_term = 1;
		hs_ctl_reply(c, "ok");
		return;
	}
	if (s->cfd < 0 && strcmp(cmd, "echo") != 0) {
		hs_ctl_reply(c, "err not connected");
		return;
	}
	if (strcmp(cmd, "start") == 0)
		hs_start(s);
	else if (strcmp(cmd, "stop") == 0) {
		s->started = false;
		s->burst_left = 0;
		hs_event(s, "stop lines=%llu", s->num_next);
	} else if (strcmp(cmd, "boot") == 0)
		hs_boot_start(s, hs_now());
	else if (strcmp(cmd, "burst") == 0 && arg != NULL)
		hs_burst(s, strtoull(arg, NULL, 0));
	else if (strcmp(cmd, "say") == 0 && arg != NULL) {
		hs_sends(s, arg);
		hs_sends(s, "\r\n");
	} else if (strcmp(cmd, "echo") == 0 && arg != NULL)
		s->o.echo = strcmp(arg, "on") == 0;
	else if (strcmp(cmd, "drop") == 0)
		hs_conn_close(s, "dropped");
	else {
		hs_ctl_reply(c, "err unknown command");
		return;
	}
	hs_ctl_reply(c, "ok");
}

static void
hs_ctl_read(struct hs *s, struct hs_ctl *c)
{
	ssize_t r;
	char *nl;

	r = read(c->fd, c->line + c->len, sizeof(c->line) - 1 - c->len);
	if (r < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (r <= 0) {
		close(c->fd);
		c->fd = -1;
		c->len = 0;
		return;
	}
	c->len += (size_t)r;
	c->line[c->len] = '\0';
	while ((nl = strchr(c->line, '\n')) != NULL) {
		size_t used = (size_t)(nl - c->line) + 1;

		*nl = '\0';
		if (nl > c->line && nl[-1] == '\r')
			nl[-1] = '\0';
		hs_ctl_command(s, c, c->line);
		memmove(c->line, c->line + used, c->len - used + 1);
		c->len -= used;
	}
	if (c->len == sizeof(c->line) - 1)
		c->len = 0;	/* an overlong line is dropped */
}

static void
hs_ctl_accept(struct hs *s)
{
	int fd, i;

	fd = accept4(s->ctl_lfd, NULL, NULL, SOCK_CLOEXEC);
	if (fd < 0)
		return;
	for (i = 0; i < HS_MAX_CTL; i++) {
		if (s->ctl[i].fd < 0) {
			s->ctl[i].fd = fd;
			s->ctl[i].len = 0;
			return;
		}
	}
	close(fd);
}

/* Listen on addr:port (0 = any free port); report the port in a file. */
static int
hs_listen(const char *addr, int port, const char *port_file)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int fd, one = 1;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
		hs_die("bad address %s", addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		hs_die("socket: %s", strerror(errno));
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 4) < 0)
		hs_die("listen on %s:%d: %s", addr, port, strerror(errno));
	if (getsockname(fd, (struct sockaddr *)&sa, &sl) < 0)
		hs_die("getsockname: %s", strerror(errno));
	if (port_file != NULL) {
		char tmp[4096], num[16];
		int pf, n;

		/* write then rename, so a reader never sees half a number */
		snprintf(tmp, sizeof(tmp), "%s.tmp", port_file);
		n = snprintf(num, sizeof(num), "%u\n", (unsigned int)ntohs(sa.sin_port));
		pf = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (pf < 0)
			hs_die("%s: %s", tmp, strerror(errno));
		hs_write_all(pf, num, (size_t)n);
		close(pf);
		if (rename(tmp, port_file) < 0)
			hs_die("%s: %s", port_file, strerror(errno));
	}
	return fd;
}

/* One ppoll() round: BMC connection, listeners, control clients. */
static void
hs_poll_once(struct hs *s, int timeout_ms, const sigset_t *mask)
{
	struct pollfd pfd[3 + HS_MAX_CTL];
	struct timespec ts, *tsp = NULL;
	int n = 0, i, c_idx = -1, l_idx, k_idx = -1;

	if (timeout_ms >= 0) {
		ts.tv_sec = timeout_ms / 1000;
		ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
		tsp = &ts;
	}
	l_idx = n;
	pfd[n++] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	if (s->ctl_lfd >= 0) {
		k_idx = n;
		pfd[n++] = (struct pollfd){ .fd = s->ctl_lfd, .events = POLLIN };
	}
	if (s->cfd >= 0) {
		c_idx = n;
		pfd[n++] = (struct pollfd){ .fd = s->cfd, .events = (short)(POLLIN |
		    (hs_queued(s) > 0 ? POLLOUT : 0)) };
	}
	for (i = 0; i < HS_MAX_CTL; i++)
		pfd[n++] = (struct pollfd){ .fd = s->ctl[i].fd, .events = POLLIN };
	if (ppoll(pfd, (nfds_t)n, tsp, mask) < 0) {
		if (errno != EINTR)
			hs_die("ppoll: %s", strerror(errno));
		return;
	}
	if (c_idx >= 0 && (pfd[c_idx].revents & POLLOUT))
		hs_conn_write(s);
	if (c_idx >= 0 && s->cfd >= 0 &&
	    (pfd[c_idx].revents & (POLLIN | POLLHUP | POLLERR)))
		hs_conn_read(s);
	for (i = 0; i < HS_MAX_CTL; i++)
		if (s->ctl[i].fd >= 0 && pfd[n - HS_MAX_CTL + i].revents)
			hs_ctl_read(s, &s->ctl[i]);
	if (pfd[l_idx].revents & POLLIN)
		hs_accept(s);
	if (k_idx >= 0 && (pfd[k_idx].revents & POLLIN))
		hs_ctl_accept(s);
}

static void
hs_run(struct hs *s)
{
	sigset_t block, unblocked;
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = hs_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&block);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGUSR1);
	/* signals arrive only inside ppoll(), so none is lost between checks */
	sigprocmask(SIG_BLOCK, &block, &unblocked);
	sigdelset(&unblocked, SIGTERM);
	sigdelset(&unblocked, SIGINT);
	sigdelset(&unblocked, SIGHUP);
	sigdelset(&unblocked, SIGUSR1);

	while (!hs_got_term) {
		int64_t now = hs_now(), due;
		int timeout = -1;

		if (hs_got_usr1) {
			hs_got_usr1 = 0;
			hs_event(s, "sigusr1");
			hs_start(s);
		}
		due = hs_tick(s, now);
		if (s->cfd >= 0 && hs_queued(s) > 0)
			hs_conn_write(s);
		if (due >= 0)
			timeout = due > now ? (int)(due - now) : 0;
		/* The queue drained in one write: generate more right away
		 * (with data queued, POLLOUT wakes us instead). */
		if (s->cfd >= 0 && hs_queued(s) == 0 && hs_more_pending(s))
			timeout = 0;
		hs_poll_once(s, timeout, &unblocked);
	}
	hs_event(s, "exit rx=%llu tx=%llu breaks=%llu", s->rx, s->tx, s->breaks);
}

static void
hs_usage(void)
{
	fprintf(stderr,
"usage: hostsim [options]\n"
"  --mode bootlog|numbered|burst|echo   what the host does (default echo)\n"
"  --addr A --port P --port-file F      where ipmi_sim connects (P 0 = any)\n"
"  --ctl-port P --ctl-port-file F       line commands: start, stop, boot,\n"
"                                       burst N, say TEXT, echo on|off, drop,\n"
"                                       stats, quit\n"
"  --record F   bytes received from the BMC (breaks removed), flushed\n"
"  --sent F     bytes the host sent, as meant (telnet escaping undone)\n"
"  --events F   connect/disconnect/break/... with milliseconds since start\n"
"  --no-echo    do not echo typed input\n"
"  --telnet     the BMC uses sol \"telnet:...\": decode and escape IAC\n"
"  --autostart  start output on connect instead of on the first key,\n"
"               `start` or SIGUSR1 (ipmi_sim drops output while SOL is off)\n"
"  --bytes N --seed S                   burst size and pattern seed\n"
"  --rate L --count N --line-len W      numbered: lines/s (0 = as fast as\n"
"                                       possible), total (0 = forever), width\n"
"  --line-delay-ms D                    bootlog pacing (default 25)\n"
"  --prompt-interval S                  bootlog: repeat a boot prompt every S\n");
	exit(1);
}

static unsigned long long
hs_num(const char *arg, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 0);
	if (errno != 0 || end == arg || *end != '\0')
		hs_die("bad %s: %s", what, arg);
	return v;
}

static void
hs_parse_mode(struct hs_opts *o, const char *m)
{
	if (strcmp(m, "bootlog") == 0)
		o->mode = HS_BOOTLOG;
	else if (strcmp(m, "numbered") == 0)
		o->mode = HS_NUMBERED;
	else if (strcmp(m, "burst") == 0)
		o->mode = HS_BURST;
	else if (strcmp(m, "echo") == 0)
		o->mode = HS_ECHO;
	else
		hs_die("unknown mode %s", m);
}

static void
hs_parse(struct hs_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "mode", 1, NULL, 'm' }, { "addr", 1, NULL, 'a' },
		{ "port", 1, NULL, 'p' }, { "port-file", 1, NULL, 'P' },
		{ "ctl-port", 1, NULL, 'c' }, { "ctl-port-file", 1, NULL, 'C' },
		{ "record", 1, NULL, 'r' }, { "sent", 1, NULL, 's' },
		{ "events", 1, NULL, 'e' }, { "no-echo", 0, NULL, 'E' },
		{ "echo", 0, NULL, 'o' }, { "telnet", 0, NULL, 't' },
		{ "autostart", 0, NULL, 'A' }, { "bytes", 1, NULL, 'b' },
		{ "seed", 1, NULL, 'S' }, { "rate", 1, NULL, 'R' },
		{ "count", 1, NULL, 'n' }, { "line-len", 1, NULL, 'w' },
		{ "line-delay-ms", 1, NULL, 'd' },
		{ "prompt-interval", 1, NULL, 'i' }, { "help", 0, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int ch;

	while ((ch = getopt_long(argc, argv, "", lo, NULL)) != -1) {
		switch (ch) {
		case 'm': hs_parse_mode(o, optarg); break;
		case 'a': o->addr = optarg; break;
		case 'p': o->port = (int)hs_num(optarg, "port"); break;
		case 'P': o->port_file = optarg; break;
		case 'c': o->ctl_port = (int)hs_num(optarg, "port"); break;
		case 'C': o->ctl_port_file = optarg; break;
		case 'r': o->record = optarg; break;
		case 's': o->sent = optarg; break;
		case 'e': o->events = optarg; break;
		case 'E': o->echo = false; break;
		case 'o': o->echo = true; break;
		case 't': o->telnet = true; break;
		case 'A': o->autostart = true; break;
		case 'b': o->bytes = hs_num(optarg, "bytes"); break;
		case 'S': o->seed = (unsigned int)hs_num(optarg, "seed"); break;
		case 'R': o->rate = (unsigned int)hs_num(optarg, "rate"); break;
		case 'n': o->count = hs_num(optarg, "count"); break;
		case 'w': o->line_len = (unsigned int)hs_num(optarg, "width"); break;
		case 'd': o->line_delay_ms = (unsigned int)hs_num(optarg, "delay"); break;
		case 'i': o->prompt_interval = (unsigned int)hs_num(optarg, "interval"); break;
		default: hs_usage();
		}
	}
	if (optind != argc || o->port < 0 || o->port > 65535 ||
	    o->ctl_port < -1 || o->ctl_port > 65535)
		hs_usage();
	if (o->line_len < 12 || o->line_len > 1000)
		hs_die("--line-len must be 12..1000");
}

static int
hs_open_log(const char *path)
{
	int fd;

	if (path == NULL)
		return -1;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
	if (fd < 0)
		hs_die("%s: %s", path, strerror(errno));
	return fd;
}

int
main(int argc, char **argv)
{
	struct hs s;
	int i;

	memset(&s, 0, sizeof(s));
	s.o = (struct hs_opts){ .mode = HS_ECHO, .addr = "127.0.0.1",
	    .ctl_port = -1, .echo = true, .bytes = 65536, .seed = 1,
	    .rate = 10, .line_len = 80, .line_delay_ms = 25 };
	hs_parse(&s.o, argc, argv);
	if (s.o.ctl_port_file != NULL && s.o.ctl_port < 0)
		s.o.ctl_port = 0;
	s.t0 = hs_now();
	s.cfd = -1;
	s.rng = s.o.seed ? s.o.seed : 1;
	for (i = 0; i < HS_MAX_CTL; i++)
		s.ctl[i].fd = -1;
	s.rec_fd = hs_open_log(s.o.record);
	s.sent_fd = hs_open_log(s.o.sent);
	s.ev_fd = hs_open_log(s.o.events);
	s.ctl_lfd = s.o.ctl_port >= 0 ?
	    hs_listen(s.o.addr, s.o.ctl_port, s.o.ctl_port_file) : -1;
	/* the BMC port file last: once it exists, everything is ready */
	s.lfd = hs_listen(s.o.addr, s.o.port, s.o.port_file);
	hs_event(&s, "listen pid=%ld", (long)getpid());
	hs_run(&s);
	free(s.out.p);
	return 0;
}
