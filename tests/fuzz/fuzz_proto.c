/* fuzz_proto.c — libFuzzer target: control-protocol framing and JSON payloads from an untrusted peer. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "proto.h"
#include "protoio.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The input is a byte stream as a client would send it: walk it message
 * by message exactly as the daemon does, parse JSON payloads strictly and
 * touch the fields the daemon reads. */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;

	while (off < size) {
		struct proto_msg msg;
		const char *why = NULL;
		long n = proto_parse(data + off, size - off, &msg, &why);

		if (n == PROTO_NEED_MORE)
			break;
		if (n < 0) {
			if (why == NULL)
				__builtin_trap();	/* a reason is promised */
			break;
		}
		if ((size_t)n < PROTO_HDR_LEN || (size_t)n > size - off ||
		    msg.len != (size_t)n - PROTO_HDR_LEN)
			__builtin_trap();
		(void)proto_type_name(msg.type);
		if (msg.type != PROTO_DATA && msg.type != PROTO_INPUT &&
		    msg.type != PROTO_METRICS_REPLY) {
			struct json_object *o = protoio_json(&msg), *v;

			if (o != NULL) {
				if (json_object_object_get_ex(o, "console", &v))
					(void)json_object_get_string(v);
				if (json_object_object_get_ex(o, "mode", &v))
					(void)json_object_get_string(v);
				if (json_object_object_get_ex(o, "bytes", &v))
					(void)json_object_get_int64(v);
				json_object_put(o);
			}
		}
		off += (size_t)n;
	}
	return 0;
}
