/* bytes.h — little-endian field access for IPMI wire formats (all IPMI integers are LE). */
#ifndef IPMUX_SOL_BYTES_H
#define IPMUX_SOL_BYTES_H

#include <stdint.h>

static inline uint16_t
le16_get(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
le32_get(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
	    (uint32_t)p[3] << 24;
}

static inline void
le16_put(uint8_t *p, uint16_t v)
{
	p[0] = v & 0xff;
	p[1] = (uint8_t)(v >> 8);
}

static inline void
le32_put(uint8_t *p, uint32_t v)
{
	p[0] = v & 0xff;
	p[1] = (v >> 8) & 0xff;
	p[2] = (v >> 16) & 0xff;
	p[3] = (v >> 24) & 0xff;
}

#endif
