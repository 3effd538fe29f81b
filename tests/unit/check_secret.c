/* check_secret.c — unit tests for the secret readers (common/secret.c): file modes, newline, length, hex Kg, env, tty. */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "secret.h"
#include "../checkmain.h"

static char dir[64];
static char path[128];

static void
setup(void)
{
	strcpy(dir, "/tmp/check_secret.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/pw", dir);
}

static void
teardown(void)
{
	char p[160];

	unlink(path);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	unlink(p);
	snprintf(p, sizeof(p), "%s/sub", dir);
	rmdir(p);
	rmdir(dir);
}

/* Write len bytes to path with the given mode (chmod'ed explicitly, so the
 * umask does not matter). */
static void
put(const void *buf, size_t len, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, buf, len), (ssize_t)len);
	ck_assert_int_eq(close(fd), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

/* Read path; expect success and exactly want/wantlen. */
static void
expect_file(unsigned flags, const void *want, size_t wantlen)
{
	char err[256] = "";
	secret *s = NULL;

	ck_assert_msg(secret_from_file(path, "password", SECRET_IPMI_MAX,
	    flags, &s, err, sizeof(err)) == 0, "unexpected error: %s", err);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(secret_len(s), wantlen);
	ck_assert_int_eq(memcmp(secret_data(s), want, wantlen), 0);
	secret_free(s);
}

/* Read path; expect failure with a message containing needle and never the
 * secret text. */
static void
expect_file_fail(const char *p, unsigned flags, const char *needle,
		 const char *content)
{
	char err[256] = "";
	secret *s = (secret *)1;

	ck_assert_int_eq(secret_from_file(p, "Kg", SECRET_IPMI_MAX, flags,
	    &s, err, sizeof(err)), -1);
	ck_assert_ptr_null(s);
	ck_assert_msg(strstr(err, needle) != NULL, "'%s' lacks '%s'", err,
	    needle);
	ck_assert_msg(strstr(err, p) != NULL, "'%s' lacks the path", err);
	ck_assert_ptr_nonnull(strstr(err, "Kg"));
	if (content != NULL)
		ck_assert_ptr_null(strstr(err, content));
}

START_TEST(test_file_basic)
{
	put("hunter2\n", 8, 0600);
	expect_file(0, "hunter2", 7);
	put("hunter2", 7, 0400);
	expect_file(0, "hunter2", 7);
	put("hunter2\r\n", 9, 0600);
	expect_file(0, "hunter2", 7);
	put("two\n\n", 5, 0600);		/* only one newline goes */
	expect_file(0, "two\n", 4);
	put("", 0, 0600);			/* empty: IPMI null password */
	expect_file(0, "", 0);
	put("\n", 1, 0600);
	expect_file(0, "", 0);
	put("a\0b", 3, 0600);			/* raw bytes are kept as is */
	expect_file(0, "a\0b", 3);
}
END_TEST

START_TEST(test_file_modes)
{
	static const mode_t bad[] = { 0640, 0604, 0660, 0644, 0610, 0601,
	    0602, 0620, 0777 };
	char want[16];
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		put("topsecret\n", 10, bad[i]);
		snprintf(want, sizeof(want), "mode %04o", (unsigned)bad[i]);
		expect_file_fail(path, 0, want, "topsecret");
	}
	put("topsecret\n", 10, 0700);		/* owner bits are fine */
	expect_file(0, "topsecret", 9);
}
END_TEST

START_TEST(test_file_not_regular)
{
	char p[160];

	snprintf(p, sizeof(p), "%s/sub", dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	expect_file_fail(p, 0, "not a regular file", NULL);
	snprintf(p, sizeof(p), "%s/fifo", dir);
	ck_assert_int_eq(mkfifo(p, 0600), 0);
	/* Must not hang waiting for a writer. */
	expect_file_fail(p, 0, "not a regular file", NULL);
	expect_file_fail(path, 0, strerror(ENOENT), NULL);
}
END_TEST

START_TEST(test_file_length)
{
	put("12345678901234567890\n", 21, 0600);	/* 20: the limit */
	expect_file(0, "12345678901234567890", 20);
	put("123456789012345678901", 21, 0600);
	expect_file_fail(path, 0, "longer than 20", "123456789012345678901");
	put("123456789012345678901\n", 22, 0600);
	expect_file_fail(path, 0, "longer than 20", NULL);
	{
		char big[2000];

		memset(big, 'x', sizeof(big));
		put(big, sizeof(big), 0600);
		expect_file_fail(path, 0, "longer than 20", NULL);
	}
}
END_TEST

START_TEST(test_kg_hex)
{
	static const char kg20[] = "0x4b674b674b674b674b674b674b674b674b674b67";
	char buf[64];

	snprintf(buf, sizeof(buf), "%s\n", kg20);
	put(buf, strlen(buf), 0600);
	expect_file(SECRET_HEX, "KgKgKgKgKgKgKgKgKgKg", 20);
	/* Without SECRET_HEX the text is the key. */
	put("0x41", 4, 0600);
	expect_file(0, "0x41", 4);
	put("0XaBcD", 6, 0600);
	expect_file(SECRET_HEX, "\xab\xcd", 2);
	put("raw-kg", 6, 0600);			/* no 0x: raw */
	expect_file(SECRET_HEX, "raw-kg", 6);
	put("0x414", 5, 0600);
	expect_file_fail(path, SECRET_HEX, "even", NULL);
	put("0x", 2, 0600);
	expect_file_fail(path, SECRET_HEX, "even", NULL);
	put("0x41zz", 6, 0600);
	expect_file_fail(path, SECRET_HEX, "hex digit", NULL);
	snprintf(buf, sizeof(buf), "%s41\n", kg20);	/* 21 bytes */
	put(buf, strlen(buf), 0600);
	expect_file_fail(path, SECRET_HEX, "longer than 20", NULL);
}
END_TEST

START_TEST(test_buf_limits)
{
	char err[128];
	secret *s;

	ck_assert_int_eq(secret_from_buf((const uint8_t *)"abc", 3, "pw",
	    SECRET_MAX + 1, 0, &s, err, sizeof(err)), -1);
	ck_assert_int_eq(secret_from_buf((const uint8_t *)"abc", 3, "pw", 2,
	    0, &s, err, sizeof(err)), -1);
	ck_assert_str_eq(err, "pw is longer than 2 bytes");
	ck_assert_int_eq(secret_from_buf((const uint8_t *)"ab\n", 3, "pw", 2,
	    0, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(secret_len(s), 2);
	secret_free(s);
	secret_free(NULL);
}
END_TEST

START_TEST(test_env)
{
	char err[128];
	secret *s = (secret *)1;
	char *v;

	unsetenv("CHECK_SECRET_PW");
	ck_assert_int_eq(secret_from_env("CHECK_SECRET_PW", "password",
	    SECRET_IPMI_MAX, 0, &s, err, sizeof(err)), 0);
	ck_assert_ptr_null(s);

	ck_assert_int_eq(setenv("CHECK_SECRET_PW", "hunter2", 1), 0);
	v = getenv("CHECK_SECRET_PW");
	ck_assert_int_eq(secret_from_env("CHECK_SECRET_PW", "password",
	    SECRET_IPMI_MAX, 0, &s, err, sizeof(err)), 0);
	ck_assert_ptr_nonnull(s);
	ck_assert_uint_eq(secret_len(s), 7);
	ck_assert_int_eq(memcmp(secret_data(s), "hunter2", 7), 0);
	secret_free(s);
	ck_assert_ptr_null(getenv("CHECK_SECRET_PW"));
	/* glibc keeps setenv strings alive; the value must be zeroed. */
	ck_assert_int_eq(memcmp(v, "\0\0\0\0\0\0\0", 7), 0);

	/* Too long: refused, but still wiped and unset. */
	ck_assert_int_eq(setenv("CHECK_SECRET_PW",
	    "0123456789abcdefghijXYZ", 1), 0);
	v = getenv("CHECK_SECRET_PW");
	ck_assert_int_eq(secret_from_env("CHECK_SECRET_PW", "password",
	    SECRET_IPMI_MAX, 0, &s, err, sizeof(err)), -1);
	ck_assert_ptr_null(s);
	ck_assert_ptr_null(getenv("CHECK_SECRET_PW"));
	ck_assert_uint_eq(v[0], 0);
	ck_assert_ptr_null(strstr(err, "0123"));

	ck_assert_int_eq(setenv("CHECK_SECRET_KG", "0x4b67", 1), 0);
	ck_assert_int_eq(secret_from_env("CHECK_SECRET_KG", "Kg",
	    SECRET_IPMI_MAX, SECRET_HEX, &s, err, sizeof(err)), 0);
	ck_assert_uint_eq(secret_len(s), 2);
	ck_assert_int_eq(memcmp(secret_data(s), "Kg", 2), 0);
	secret_free(s);
}
END_TEST

/* Read from the pty master until needle shows up or the deadline passes;
 * returns whether it did.  All output read so far is kept in acc. */
static int
pty_wait(int master, char *acc, size_t cap, size_t *n, const char *needle,
	 int ms)
{
	struct timespec t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		ssize_t r;
		long spent;

		acc[*n] = '\0';
		if (needle != NULL && strstr(acc, needle) != NULL)
			return 1;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		spent = (t1.tv_sec - t0.tv_sec) * 1000 +
		    (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (spent >= ms)
			return 0;
		if (poll(&p, 1, (int)(ms - spent)) <= 0)
			continue;
		r = read(master, acc + *n, cap - 1 - *n);
		if (r <= 0)
			return 0;	/* EIO: the child closed the slave */
		*n += (size_t)r;
	}
}

/* Child side: become session leader with the pty as controlling terminal,
 * read the password, and report through the exit status. */
static void
tty_child(const char *slave)
{
	struct termios t;
	char err[128];
	secret *s;
	int fd, rc;

	setsid();
	if ((fd = open(slave, O_RDWR)) < 0)
		_exit(10);
	rc = secret_from_tty("Password: ", "password", SECRET_IPMI_MAX, 0,
	    &s, err, sizeof(err));
	if (rc != 0)
		_exit(11);
	if (secret_len(s) != 7 || memcmp(secret_data(s), "hunter2", 7) != 0)
		_exit(12);
	secret_free(s);
	if (tcgetattr(fd, &t) != 0 || !(t.c_lflag & ECHO))
		_exit(13);	/* echo must be back on */
	_exit(0);
}

START_TEST(test_tty_prompt)
{
	char acc[512], *slave;
	size_t n = 0;
	int master, status;
	pid_t pid;

	master = posix_openpt(O_RDWR | O_NOCTTY);
	ck_assert_int_ge(master, 0);
	ck_assert_int_eq(grantpt(master), 0);
	ck_assert_int_eq(unlockpt(master), 0);
	ck_assert_ptr_nonnull(slave = ptsname(master));
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0)
		tty_child(slave);
	ck_assert(pty_wait(master, acc, sizeof(acc), &n, "Password: ", 5000));
	ck_assert_int_eq(write(master, "hunter2\n", 8), 8);
	pty_wait(master, acc, sizeof(acc), &n, NULL, 300);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	pty_wait(master, acc, sizeof(acc), &n, NULL, 50);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0,
	    "child status %d", status);
	ck_assert_msg(strstr(acc, "hunter2") == NULL, "echoed: %s", acc);
	close(master);
}
END_TEST

static Suite *
secret_suite(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("file");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_file_basic);
	tcase_add_test(tc, test_file_modes);
	tcase_add_test(tc, test_file_not_regular);
	tcase_add_test(tc, test_file_length);
	tcase_add_test(tc, test_kg_hex);
	suite_add_tcase(s, tc);
	tc = tcase_create("other");
	tcase_add_test(tc, test_buf_limits);
	tcase_add_test(tc, test_env);
	tcase_add_test(tc, test_tty_prompt);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(secret_suite)
