/*
 * net.c: listen addresses from the configuration ("127.0.0.1:8440",
 * "[::1]:8441", "localhost:8440", "unix:/run/govsec/gate.sock"), trusted
 * as the operator's but checked.
 */
#include <errno.h>
#include <grp.h>
#include <netdb.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

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

int
net_listen_tcp(const char *what, const char *addr, struct err *e)
{
	struct sockaddr_storage ss;
	socklen_t sslen;
	int fd, one = 1;

	if (net_listen_addr(what, addr, 1, &ss, &sslen, e) < 0)
		return -1;
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) <
		 0) ||
	    bind(fd, (struct sockaddr *)&ss, sslen) < 0 ||
	    listen(fd, 1024) < 0) {
		err_set(e, "cannot listen on %s '%s': %s", what, addr,
			strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int
net_unix_check(const char *what, const char *path, const char *group,
	       struct sockaddr_un *sun, gid_t *gid, struct err *e)
{
	struct group *gr;

	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	if (path[0] != '/' ||
	    str_copy(sun->sun_path, path, sizeof(sun->sun_path)) < 0) {
		err_set(e,
			"%s 'unix:%s' needs an absolute path of at most %zu "
			"bytes",
			what, path, sizeof(sun->sun_path) - 1);
		return -1;
	}
	*gid = (gid_t)-1;
	if (group == NULL || group[0] == '\0')
		return 0;
	gr = getgrnam(group);
	if (gr == NULL) {
		err_set(e, "%s: no group '%s' for the socket", what, group);
		return -1;
	}
	*gid = gr->gr_gid;
	return 0;
}

int
net_listen_unix(const char *what, const char *path, int mode, const char *group,
		struct err *e)
{
	struct sockaddr_un sun;
	struct stat sb;
	gid_t gid;
	int fd = -1;

	if (net_unix_check(what, path, group, &sun, &gid, e) < 0)
		return -1;
	/* a stale socket of an earlier run may go, nothing else */
	if (lstat(path, &sb) == 0) {
		if (!S_ISSOCK(sb.st_mode)) {
			err_set(e, "%s 'unix:%s' exists and is not a socket",
				what, path);
			return -1;
		}
		if (unlink(path) < 0)
			goto fail;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0)
		goto fail;
	if ((gid != (gid_t)-1 && chown(path, (uid_t)-1, gid) < 0) ||
	    chmod(path, (mode_t)mode) < 0 || listen(fd, 1024) < 0)
		goto fail;
	return fd;
fail:
	err_set(e, "%s 'unix:%s': %s", what, path, strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
	return -1;
}
