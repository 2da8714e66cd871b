/*
 * pfpolicy.c: the gate as a Postfix policy server (SMTPD_POLICY_README):
 * `check_policy_service` in smtpd_recipient_restrictions asks it about
 * each recipient of a session, in "name=value" lines ended by an empty
 * line; it answers "action=DUNNO" (go on with the other restrictions) or
 * "action=REJECT 5.7.1 ...". A session that authenticated (SASL) is a
 * staff login from the client's address: decided by the gate's policy as
 * a request for https://{[gate] mail_host}/smtp by the SASL user, as mail
 * logins through Dovecot are (mailpol.c), so that SEC-3 and SEC-4 hold
 * for submission whatever SASL backend Postfix uses. Mail without SASL
 * (another server delivering to us) is not a login: DUNNO.
 *
 * One thread serves every connection with poll(): Postfix keeps a few
 * connections open per smtpd process and each request is answered from
 * memory (and the user row), so no request waits on another for long.
 */
#define _GNU_SOURCE /* accept4, pipe2 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "audit/audit.h"
#include "gate/internal.h"

#define PF_CONNS   128	      /* connections at once (more: refused) */
#define PF_REQ_MAX (16 << 10) /* one request's bytes */

struct pf_conn {
	int fd;
	size_t len;
	char buf[PF_REQ_MAX + 1];
};

struct gate_pfpolicy {
	struct gate_server *g;
	int lfd, wake[2];
	char path[128]; /* unix socket to unlink, or "" */
	pthread_t th;
	struct pf_conn *c[PF_CONNS];
};

/* The value of attribute name in a request (lines "name=value"). */
static const char *
attr(char *const *names, char *const *values, int n, const char *name)
{
	for (int i = 0; i < n; i++)
		if (strcmp(names[i], name) == 0)
			return values[i];
	return NULL;
}

int
gate_pf_parse(char *req, const char **user, const char **ip)
{
	char *names[64], *values[64], *save = NULL;
	const char *type;
	unsigned char addr[16];
	int n = 0;

	*user = *ip = NULL;
	for (char *l = strtok_r(req, "\n", &save); l != NULL;
	     l = strtok_r(NULL, "\n", &save)) {
		char *eq = strchr(l, '=');

		if (eq == NULL || n == (int)ARRAY_SIZE(names))
			return -1;
		*eq = '\0';
		names[n] = l;
		values[n++] = eq + 1;
	}
	type = attr(names, values, n, "request");
	if (type == NULL || strcmp(type, "smtpd_access_policy") != 0)
		return -1;
	*user = attr(names, values, n, "sasl_username");
	if (*user == NULL || **user == '\0') {
		*user = NULL;
		return 0;
	}
	*ip = attr(names, values, n, "client_address");
	if (*ip == NULL || gate_addr_parse(*ip, addr) < 0)
		return -1;
	return 0;
}

/* Decides one request into out; -1 for a malformed request (the
 * connection is closed: Postfix then applies its default_action, a
 * temporary error). */
static int
decide_request(struct gate_server *g, char *req, char *out, size_t outlen)
{
	const char *user, *ip;

	if (gate_pf_parse(req, &user, &ip) < 0)
		return -1;
	if (user == NULL || gate_mail_login_allowed(g, user, ip, "smtp") == 1)
		str_copy(out, "action=DUNNO\n\n", outlen);
	else /* SMTP replies are ASCII (RFC 5321 4.2) */
		str_copy(out,
			 "action=REJECT 5.7.1 refused by the access policy\n\n",
			 outlen);
	return 0;
}

static void
conn_close(struct gate_pfpolicy *p, int i)
{
	close(p->c[i]->fd);
	free(p->c[i]);
	p->c[i] = NULL;
}

/* Reads what came on connection i; answers each whole request. */
static void
conn_read(struct gate_pfpolicy *p, int i)
{
	struct pf_conn *c = p->c[i];
	ssize_t k = read(c->fd, c->buf + c->len, PF_REQ_MAX - c->len);
	char *end;

	if (k <= 0) {
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		conn_close(p, i);
		return;
	}
	c->len += (size_t)k;
	c->buf[c->len] = '\0';
	while ((end = strstr(c->buf, "\n\n")) != NULL) {
		char out[256];
		size_t used = (size_t)(end - c->buf) + 2;

		end[1] = '\0';
		if (decide_request(p->g, c->buf, out, sizeof(out)) < 0 ||
		    write(c->fd, out, strlen(out)) != (ssize_t)strlen(out)) {
			conn_close(p, i);
			return;
		}
		memmove(c->buf, c->buf + used, c->len - used + 1);
		c->len -= used;
	}
	if (c->len == PF_REQ_MAX)
		conn_close(p, i); /* a request larger than any Postfix sends */
}

static void *
serve(void *arg)
{
	struct gate_pfpolicy *p = arg;

	for (;;) {
		struct pollfd fds[PF_CONNS + 2];
		int idx[PF_CONNS + 2], n = 0;

		fds[n].fd = p->wake[0];
		fds[n++].events = POLLIN;
		fds[n].fd = p->lfd;
		fds[n++].events = POLLIN;
		for (int i = 0; i < PF_CONNS; i++)
			if (p->c[i] != NULL) {
				idx[n] = i;
				fds[n].fd = p->c[i]->fd;
				fds[n++].events = POLLIN;
			}
		if (poll(fds, (nfds_t)n, -1) < 0) {
			if (errno == EINTR)
				continue;
			log_error("gate: postfix policy: poll: %s",
				  strerror(errno));
			break;
		}
		if (fds[0].revents != 0)
			break; /* gate_pfpolicy_stop */
		for (int j = 2; j < n; j++)
			if (fds[j].revents != 0)
				conn_read(p, idx[j]);
		if (fds[1].revents & POLLIN) {
			int fd = accept4(p->lfd, NULL, NULL,
					 SOCK_NONBLOCK | SOCK_CLOEXEC);
			int slot = -1;

			for (int i = 0; fd >= 0 && i < PF_CONNS && slot < 0;
			     i++)
				if (p->c[i] == NULL)
					slot = i;
			if (fd >= 0 && slot < 0) {
				close(fd); /* Postfix retries, then defers */
			} else if (fd >= 0) {
				p->c[slot] = xcalloc(1, sizeof(*p->c[slot]));
				p->c[slot]->fd = fd;
			}
		}
	}
	return NULL;
}

struct gate_pfpolicy *
gate_pfpolicy_start(struct gate_server *g, struct err *e)
{
	const struct config *cfg = g->cfg;
	const char *l = cfg->gate_pfpolicy;
	struct gate_pfpolicy *p;

	if (l[0] == '\0')
		return NULL;
	p = xcalloc(1, sizeof(*p));
	p->g = g;
	p->wake[0] = p->wake[1] = -1;
	if (!strncmp(l, "unix:", 5)) {
		p->lfd = net_listen_unix("[gate] postfix_policy", l + 5,
					 cfg->gate_socket_mode,
					 cfg->gate_socket_group, e);
		str_copy(p->path, l + 5, sizeof(p->path));
	} else {
		p->lfd = net_listen_tcp("[gate] postfix_policy", l, e);
	}
	if (p->lfd < 0 || pipe2(p->wake, O_CLOEXEC) < 0 ||
	    fcntl(p->lfd, F_SETFL, O_NONBLOCK) < 0) {
		if (p->lfd >= 0)
			err_set(e, "[gate] postfix_policy: %s",
				strerror(errno));
		goto fail;
	}
	if (pthread_create(&p->th, NULL, serve, p) != 0) {
		err_set(e, "[gate] postfix_policy: cannot start its thread");
		goto fail;
	}
	log_info("gate: postfix policy listening on %s", l);
	return p;
fail:
	if (p->lfd >= 0)
		close(p->lfd);
	for (int i = 0; i < 2; i++)
		if (p->wake[i] >= 0)
			close(p->wake[i]);
	free(p);
	return NULL;
}

void
gate_pfpolicy_stop(struct gate_pfpolicy *p)
{
	if (p == NULL)
		return;
	if (write(p->wake[1], "x", 1) != 1)
		log_warn("gate: postfix policy: cannot wake its thread");
	pthread_join(p->th, NULL);
	for (int i = 0; i < PF_CONNS; i++)
		if (p->c[i] != NULL)
			conn_close(p, i);
	close(p->lfd);
	if (p->path[0] != '\0')
		unlink(p->path);
	close(p->wake[0]);
	close(p->wake[1]);
	free(p);
}
