/* check_proto.c — unit tests for the control protocol framing (common/proto.c) and client I/O (common/protoio.c). */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <json-c/json.h>

#include "proto.h"
#include "protoio.h"
#include "../checkmain.h"

/* A header and payload in buf; returns the total length. */
static size_t
frame(uint8_t *buf, uint16_t type, const void *payload, size_t len)
{
	proto_hdr_encode(buf, type, len);
	if (len > 0)
		memcpy(buf + PROTO_HDR_LEN, payload, len);
	return PROTO_HDR_LEN + len;
}

START_TEST(test_header_layout)
{
	uint8_t h[PROTO_HDR_LEN];

	proto_hdr_encode(h, PROTO_STATUS_REPLY, 0x01020304);
	ck_assert_uint_eq(h[0], 0x04);
	ck_assert_uint_eq(h[1], 0x03);
	ck_assert_uint_eq(h[2], 0x02);
	ck_assert_uint_eq(h[3], 0x01);
	ck_assert_uint_eq(h[4], PROTO_STATUS_REPLY);
	ck_assert_uint_eq(h[5], 0);
	ck_assert_uint_eq(h[6], PROTO_VERSION);
	ck_assert_uint_eq(h[7], 0);
}
END_TEST

START_TEST(test_round_trip_every_type)
{
	uint8_t buf[64];
	struct proto_msg m;
	const char *why = "x";
	uint16_t t;

	for (t = 1; t <= PROTO_TYPE_MAX; t++) {
		size_t n = frame(buf, t, "{\"a\":1}", 7);
		long r = proto_parse(buf, n, &m, &why);

		ck_assert_int_eq(r, (long)n);
		ck_assert_uint_eq(m.type, t);
		ck_assert_uint_eq(m.version, PROTO_VERSION);
		ck_assert_uint_eq(m.len, 7);
		ck_assert_ptr_eq(m.payload, buf + PROTO_HDR_LEN);
		ck_assert_mem_eq(m.payload, "{\"a\":1}", 7);
		ck_assert_ptr_null(why);
		ck_assert_str_ne(proto_type_name(t), "UNKNOWN");
	}
	ck_assert_str_eq(proto_type_name(0), "UNKNOWN");
	ck_assert_str_eq(proto_type_name(PROTO_TYPE_MAX + 1), "UNKNOWN");
	ck_assert_str_eq(proto_type_name(PROTO_DATA), "DATA");
}
END_TEST

START_TEST(test_empty_payload)
{
	uint8_t buf[PROTO_HDR_LEN];
	struct proto_msg m;

	frame(buf, PROTO_DETACH, NULL, 0);
	ck_assert_int_eq(proto_parse(buf, sizeof(buf), &m, NULL),
	    PROTO_HDR_LEN);
	ck_assert_uint_eq(m.len, 0);
	ck_assert_uint_eq(m.type, PROTO_DETACH);
}
END_TEST

/* Two messages back to back, offered one more byte at a time: never a
 * message before all of it is there, then exactly it. */
START_TEST(test_split_every_byte)
{
	uint8_t buf[128];
	struct proto_msg m;
	size_t n1 = frame(buf, PROTO_DATA, "hello, world", 12);
	size_t n2 = frame(buf + n1, PROTO_INPUT, "xyz", 3);
	size_t k;
	long r;

	for (k = 0; k < n1; k++)
		ck_assert_int_eq(proto_parse(buf, k, &m, NULL),
		    PROTO_NEED_MORE);
	for (k = n1; k <= n1 + n2; k++) {
		r = proto_parse(buf, k, &m, NULL);
		ck_assert_int_eq(r, (long)n1);
		ck_assert_uint_eq(m.type, PROTO_DATA);
		ck_assert_mem_eq(m.payload, "hello, world", 12);
	}
	for (k = 0; k < n2; k++)
		ck_assert_int_eq(proto_parse(buf + n1, k, &m, NULL),
		    PROTO_NEED_MORE);
	ck_assert_int_eq(proto_parse(buf + n1, n2, &m, NULL), (long)n2);
	ck_assert_uint_eq(m.type, PROTO_INPUT);
	ck_assert_mem_eq(m.payload, "xyz", 3);
}
END_TEST

START_TEST(test_bad_version)
{
	uint8_t buf[16];
	struct proto_msg m;
	const char *why = NULL;

	frame(buf, PROTO_LIST, "{}", 2);
	buf[6] = 2;
	ck_assert_int_eq(proto_parse(buf, 10, &m, &why), PROTO_BAD);
	ck_assert_ptr_nonnull(why);
	ck_assert_ptr_nonnull(strstr(why, "version"));
	buf[6] = 0;
	ck_assert_int_eq(proto_parse(buf, 10, &m, &why), PROTO_BAD);
	/* Judged on the header alone, before the payload arrives. */
	buf[6] = 9;
	ck_assert_int_eq(proto_parse(buf, PROTO_HDR_LEN, &m, &why), PROTO_BAD);
}
END_TEST

START_TEST(test_bad_type)
{
	uint8_t buf[16];
	const char *why = NULL;

	frame(buf, 0, "{}", 2);
	ck_assert_int_eq(proto_parse(buf, 10, NULL, &why), PROTO_BAD);
	ck_assert_ptr_nonnull(strstr(why, "type"));
	frame(buf, PROTO_TYPE_MAX + 1, "{}", 2);
	ck_assert_int_eq(proto_parse(buf, 10, NULL, &why), PROTO_BAD);
	frame(buf, 0xffff, "{}", 2);
	ck_assert_int_eq(proto_parse(buf, 10, NULL, &why), PROTO_BAD);
	/* A type in the high byte only is unknown too. */
	frame(buf, 0x0100 | PROTO_LIST, "{}", 2);
	ck_assert_int_eq(proto_parse(buf, 10, NULL, &why), PROTO_BAD);
}
END_TEST

START_TEST(test_bad_pad)
{
	uint8_t buf[16];
	const char *why = NULL;

	frame(buf, PROTO_LIST, "{}", 2);
	buf[7] = 1;
	ck_assert_int_eq(proto_parse(buf, 10, NULL, &why), PROTO_BAD);
	ck_assert_ptr_nonnull(why);
}
END_TEST

START_TEST(test_max_size)
{
	uint8_t *buf = calloc(1, PROTO_HDR_LEN + PROTO_MAX_PAYLOAD + 1);
	struct proto_msg m;
	const char *why = NULL;

	ck_assert_ptr_nonnull(buf);
	proto_hdr_encode(buf, PROTO_DATA, PROTO_MAX_PAYLOAD);
	ck_assert_int_eq(proto_parse(buf, PROTO_HDR_LEN + PROTO_MAX_PAYLOAD - 1,
	    &m, &why), PROTO_NEED_MORE);
	ck_assert_int_eq(proto_parse(buf, PROTO_HDR_LEN + PROTO_MAX_PAYLOAD,
	    &m, &why), PROTO_HDR_LEN + PROTO_MAX_PAYLOAD);
	ck_assert_uint_eq(m.len, PROTO_MAX_PAYLOAD);
	/* One over: refused from the header, no need to buffer a megabyte. */
	proto_hdr_encode(buf, PROTO_DATA, PROTO_MAX_PAYLOAD + 1);
	ck_assert_int_eq(proto_parse(buf, PROTO_HDR_LEN, &m, &why), PROTO_BAD);
	ck_assert_ptr_nonnull(strstr(why, "long"));
	/* And the largest u32 too. */
	memset(buf, 0xff, 4);
	ck_assert_int_eq(proto_parse(buf, PROTO_HDR_LEN, &m, &why), PROTO_BAD);
	free(buf);
}
END_TEST

/* protoio over a socketpair: messages written in odd pieces come out whole. */
START_TEST(test_protoio_pieces)
{
	uint8_t buf[256];
	struct proto_msg m;
	char err[256];
	int sv[2];
	size_t n = 0, k;
	protoio_rd *r;
	struct json_object *o, *v;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	n += frame(buf + n, PROTO_LIST_REPLY, "{\"consoles\":[]}", 15);
	n += frame(buf + n, PROTO_DATA, "ab\0c", 4);
	for (k = 0; k < n; k += 3)
		ck_assert_int_eq(write(sv[1], buf + k, n - k < 3 ? n - k : 3),
		    (ssize_t)(n - k < 3 ? n - k : 3));
	r = protoio_rd_new(sv[0]);
	ck_assert_ptr_nonnull(r);
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), 1);
	ck_assert_uint_eq(m.type, PROTO_LIST_REPLY);
	o = protoio_json(&m);
	ck_assert_ptr_nonnull(o);
	ck_assert(json_object_object_get_ex(o, "consoles", &v));
	json_object_put(o);
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), 1);
	ck_assert_uint_eq(m.type, PROTO_DATA);
	ck_assert_uint_eq(m.len, 4);
	ck_assert_mem_eq(m.payload, "ab\0c", 4);
	ck_assert_ptr_null(protoio_json(&m));
	/* Nothing more: a timeout, then end of file. */
	ck_assert_int_eq(protoio_recv(r, 50, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "timed out"));
	close(sv[1]);
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), 0);
	protoio_rd_free(r);
	close(sv[0]);
}
END_TEST

START_TEST(test_protoio_send_and_errors)
{
	uint8_t buf[64];
	struct proto_msg m;
	char err[256], text[128];
	int sv[2];
	protoio_rd *r;
	struct json_object *o = json_object_new_object();
	ssize_t got;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	json_object_object_add(o, "error", json_object_new_string("no such "
	    "console: x"));
	ck_assert_int_eq(protoio_send_json(sv[1], PROTO_ERROR, o), 0);
	json_object_put(o);
	ck_assert_int_eq(protoio_send_json(sv[1], PROTO_LIST, NULL), 0);
	r = protoio_rd_new(sv[0]);
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), 1);
	ck_assert_uint_eq(m.type, PROTO_ERROR);
	ck_assert_str_eq(protoio_error_text(&m, text, sizeof(text)),
	    "no such console: x");
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), 1);
	ck_assert_uint_eq(m.type, PROTO_LIST);
	ck_assert_mem_eq(m.payload, "{}", 2);
	/* A version-2 peer is named as such. */
	frame(buf, PROTO_LIST_REPLY, "{}", 2);
	buf[6] = 2;
	ck_assert_int_eq(write(sv[1], buf, 10), 10);
	ck_assert_int_eq(protoio_recv(r, 2000, &m, err, sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "version 2"));
	protoio_rd_free(r);
	/* Payload too big is refused before anything is written. */
	ck_assert_int_eq(protoio_send(sv[0], PROTO_DATA, buf,
	    PROTO_MAX_PAYLOAD + 1), -1);
	ck_assert_int_eq(errno, EMSGSIZE);
	close(sv[1]);
	got = protoio_send(sv[0], PROTO_DATA, "x", 1);
	ck_assert_int_eq(got, -1);
	close(sv[0]);
}
END_TEST

START_TEST(test_protoio_json_strict)
{
	struct proto_msg m = { .type = PROTO_LIST_REPLY };
	struct json_object *o;

	m.payload = (const uint8_t *)"{\"a\":1}";
	m.len = 7;
	o = protoio_json(&m);
	ck_assert_ptr_nonnull(o);
	json_object_put(o);
	m.payload = (const uint8_t *)"{\"a\":1}junk";
	m.len = 11;
	ck_assert_ptr_null(protoio_json(&m));
	m.payload = (const uint8_t *)"[1,2]";
	m.len = 5;
	ck_assert_ptr_null(protoio_json(&m));
	m.payload = (const uint8_t *)"{\"a\":";
	m.len = 5;
	ck_assert_ptr_null(protoio_json(&m));
}
END_TEST

START_TEST(test_connect_missing)
{
	char err[256];

	ck_assert_int_eq(protoio_connect("/nonexistent/ipmux.sock", err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "/nonexistent/ipmux.sock"));
	setenv("IPMUX_SOCKET", "/tmp/x.sock", 1);
	ck_assert_str_eq(protoio_default_socket(), "/tmp/x.sock");
	unsetenv("IPMUX_SOCKET");
	ck_assert_str_eq(protoio_default_socket(), PROTOIO_DEFAULT_SOCKET);
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("framing");

	tcase_add_test(tc, test_header_layout);
	tcase_add_test(tc, test_round_trip_every_type);
	tcase_add_test(tc, test_empty_payload);
	tcase_add_test(tc, test_split_every_byte);
	tcase_add_test(tc, test_bad_version);
	tcase_add_test(tc, test_bad_type);
	tcase_add_test(tc, test_bad_pad);
	tcase_add_test(tc, test_max_size);
	suite_add_tcase(s, tc);
	tc = tcase_create("protoio");
	tcase_add_test(tc, test_protoio_pieces);
	tcase_add_test(tc, test_protoio_send_and_errors);
	tcase_add_test(tc, test_protoio_json_strict);
	tcase_add_test(tc, test_connect_missing);
	suite_add_tcase(s, tc);
	return s;
}

CHECK_MAIN(proto_suite)
