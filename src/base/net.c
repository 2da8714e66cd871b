/*
 * net.c: listen addresses from the configuration ("127.0.0.1:8440",
 * "[::1]:8441", "localhost:8440"), trusted as the operator's but checked.
 */
#include <netdb.h>
#include <string.h>
#include <sys/socket.h>

#include "base/base.h"

int
net_listen_addr(const char *what, const char *listen, int numeric,
		struct sockaddr_storage *ss, socklen_t *sslen, struct err *e)
{
	char host[128];
	const char *colon, *port;
	struct addrinfo hints, *res = NULL;
	long long n;
	int rc;

	if (listen[0] == '[') {
		const char *end = strchr(listen, ']');

		if (end == NULL || end[1] != ':' ||
		    (size_t)(end - listen - 1) >= sizeof(host))
			goto bad;
		memcpy(host, listen + 1, (size_t)(end - listen - 1));
		host[end - listen - 1] = '\0';
		port = end + 2;
	} else {
		colon = strrchr(listen, ':');
		if (colon == NULL || (size_t)(colon - listen) >= sizeof(host))
			goto bad;
		memcpy(host, listen, (size_t)(colon - listen));
		host[colon - listen] = '\0';
		port = colon + 1;
	}
	if (host[0] == '\0' || str_to_ll(port, 1, 65535, &n) < 0)
		goto bad;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags =
	    AI_PASSIVE | AI_NUMERICSERV | (numeric ? AI_NUMERICHOST : 0);
	rc = getaddrinfo(host, port, &hints, &res);
	if (rc != 0 || res == NULL) {
		err_set(e, "%s '%s': cannot resolve '%s'%s: %s", what, listen,
			host, numeric ? " (a numeric address is needed)" : "",
			gai_strerror(rc));
		return -1;
	}
	if (res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		goto bad;
	}
	memset(ss, 0, sizeof(*ss));
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	if (sslen != NULL)
		*sslen = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
bad:
	err_set(e,
		"%s '%s' is not HOST:PORT or [IPV6]:PORT with a port from 1 "
		"to 65535",
		what, listen);
	return -1;
}
