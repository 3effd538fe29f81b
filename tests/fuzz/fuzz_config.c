/* fuzz_config.c — libFuzzer target: ipmuxd's configuration loader on arbitrary files. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
const char *__lsan_default_suppressions(void);

/* libconfig 1.5 itself leaks its string buffer when a file ends inside a
 * string literal (strbuf_append, on the parser's error path); that is the
 * library's, not ours, so LeakSanitizer is told to skip frames in it. */
const char *
__lsan_default_suppressions(void)
{
	return "leak:libconfig.so\n";
}

/* config_load reads a path (libconfig parses files), so each input is
 * written to one temp file. A bad config must give an error text that
 * names the file, never a crash. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	char err[512];
	struct ipmux_config *c;
	FILE *f;

	if (path[0] == '\0')
		snprintf(path, sizeof(path), "/tmp/ipmux-fuzz-config-%ld.conf",
			 (long)getpid());
	if ((f = fopen(path, "wb")) == NULL)
		return 0;
	if (size > 0 && fwrite(data, 1, size, f) != size) {
		fclose(f);
		return 0;
	}
	fclose(f);
	err[0] = '\0';
	c = config_load(path, err, sizeof(err));
	if (c == NULL && strncmp(err, path, strlen(path)) != 0 &&
	    strstr(err, path) == NULL)
		__builtin_trap();	/* every error names the file */
	if (c != NULL) {
		for (size_t i = 0; i < c->nconsoles; i++) {
			(void)config_console(c, c->consoles[i].name);
			(void)config_console_same(&c->consoles[i],
						  &c->consoles[0]);
			(void)config_perms(c, "alice", NULL, &c->consoles[i]);
		}
	}
	config_free(c);
	return 0;
}
