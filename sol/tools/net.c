/* net.c — ipmux-solcat's UDP side: parse host[:port], resolve, connect, and re-point at a redirect port. */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "solcat.h"

static int
net_parse_port(const char *s, uint16_t *port)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || v < 1 || v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

int
net_parse_hostport(const char *arg, char *host, size_t hostlen,
		   uint16_t *port, char *err, size_t errlen)
{
	const char *h = arg, *p = NULL, *colon;
	size_t n;

	if (arg[0] == '[') {
		/* [v6addr] or [v6addr]:port */
		const char *close = strchr(arg, ']');

		if (close == NULL || (close[1] != '\0' && close[1] != ':')) {
			snprintf(err, errlen, "bad host '%s'", arg);
			return -1;
		}
		h = arg + 1;
		n = (size_t)(close - h);
		if (close[1] == ':')
			p = close + 2;
	} else if ((colon = strchr(arg, ':')) != NULL &&
	    strchr(colon + 1, ':') == NULL) {
		n = (size_t)(colon - arg);		/* host:port */
		p = colon + 1;
	} else {
		n = strlen(arg);	/* a name, v4 or bare v6 address */
	}
	if (n == 0 || n >= hostlen) {
		snprintf(err, errlen, "bad host '%s'", arg);
		return -1;
	}
	memcpy(host, h, n);
	host[n] = '\0';
	if (p != NULL && net_parse_port(p, port) != 0) {
		snprintf(err, errlen, "bad port in '%s'", arg);
		return -1;
	}
	return 0;
}

int
net_connect(const char *host, uint16_t port, struct sockaddr_storage *sa,
	    socklen_t *salen, char *err, size_t errlen)
{
	struct addrinfo hints, *res, *ai;
	char portstr[8];
	int fd = -1, rc, saved = 0;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_ADDRCONFIG;
	snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
	if ((rc = getaddrinfo(host, portstr, &hints, &res)) != 0) {
		snprintf(err, errlen, "%s: %s", host, gai_strerror(rc));
		return -1;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_NONBLOCK |
		    SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0) {
			saved = errno;
			continue;
		}
		/* connect: the kernel filters out datagrams from anyone
		 * else, and send/recv need no address. */
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0 &&
		    ai->ai_addrlen <= sizeof(*sa)) {
			memcpy(sa, ai->ai_addr, ai->ai_addrlen);
			*salen = ai->ai_addrlen;
			break;
		}
		saved = errno;
		close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	if (fd < 0)
		snprintf(err, errlen, "%s: %s", host, strerror(saved));
	return fd;
}

int
net_reconnect(int fd, struct sockaddr_storage *sa, socklen_t salen,
	      uint16_t port)
{
	if (sa->ss_family == AF_INET6)
		((struct sockaddr_in6 *)sa)->sin6_port = htons(port);
	else if (sa->ss_family == AF_INET)
		((struct sockaddr_in *)sa)->sin_port = htons(port);
	else
		return -1;
	return connect(fd, (struct sockaddr *)sa, salen);
}

void
net_format(const char *host, uint16_t port, char *buf, size_t len)
{
	if (strchr(host, ':') != NULL)
		snprintf(buf, len, "[%s]:%u", host, (unsigned)port);
	else
		snprintf(buf, len, "%s:%u", host, (unsigned)port);
}
