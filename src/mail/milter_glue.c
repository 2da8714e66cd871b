/*
 * milter_glue.c: govsec-milter's server. Postfix connects (a connection
 * per SMTP session); two event loops (epoll) read what it sends and hand
 * it to mproto.c (the milter protocol, without libmilter: bench/README.md
 * says why), which feeds the message to milter.c; at the end of the
 * message the verdict is recorded and applied: a stop (or an exception)
 * in the store at once with its audit record (flow.c), an accepted
 * message in the journal (journal.c: one write, committed to the store in
 * batches by the writer thread, off the answer's path); then 550 5.7.1, a
 * quarantine (Postfix puts the message on hold) or a discard with an
 * alert. What Postfix sends is untrusted and bounded by mproto.c and
 * milter.c. The process state is the static structs below (STYLE 4): the
 * configuration, the store (one connection, one writer at a time), the
 * policy (rebuilt from the configuration and the store every
 * POLICY_SECONDS and swapped), the journal and the loops.
 */
#include <syslog.h>
/* syslog.h and base.h both name LOG_INFO and LOG_DEBUG: keep base.h's */
static const int alert_prio = LOG_MAIL | LOG_ALERT;
#undef LOG_INFO
#undef LOG_DEBUG

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "mail/handoff.h"
#include "mail/journal.h"
#include "mail/mail.h"
#include "mail/mproto.h"

#define POLICY_SECONDS 60    /* exceptions and domains reloaded */
#define PRUNE_SECONDS  86400 /* records past the retention deleted */

#define PENDING_MAX 100000 /* records waiting for the store, at most */
#define BATCH_MS    50	   /* the writer commits at most this often */

/* An accepted message's journal line waiting for the writer's commit. */
struct pending {
	struct pending *next;
	size_t len;
	char line[];
};

static struct {
	const struct config *cfg;
	struct store *st;
	pthread_mutex_t st_mu; /* the store: one writer */
	pthread_rwlock_t pol_mu;
	struct mail_policy *pol;
	time_t pol_at;	   /* when pol was built */
	time_t next_prune; /* under st_mu */
	/* the journal and the records waiting for the writer (q_mu) */
	pthread_mutex_t q_mu;
	pthread_cond_t q_more;
	struct mail_journal j;
	struct pending *head, *tail;
	size_t npending; /* appended, not yet committed */
	int stopping;
	pthread_t writer;
	/* random bytes of record ids, drawn 4 KiB at a time: OpenSSL sets up
	 * a generator for each new thread that asks, and libmilter makes
	 * threads all the time (rnd_mu) */
	pthread_mutex_t rnd_mu;
	unsigned char rnd[4096];
	size_t rnd_used;
	/* the main smtpd's accepted envelopes for the hop (handoff.h) */
	struct mail_handoff handoff;
} G = {.st_mu = PTHREAD_MUTEX_INITIALIZER,
       .pol_mu = PTHREAD_RWLOCK_INITIALIZER,
       .q_mu = PTHREAD_MUTEX_INITIALIZER,
       .q_more = PTHREAD_COND_INITIALIZER,
       .j = {.fd = {-1, -1}},
       .rnd_mu = PTHREAD_MUTEX_INITIALIZER,
       .rnd_used = sizeof(G.rnd)};

int
milter_policy(const struct config *c, struct store *st, struct mail_policy *p,
	      struct err *e)
{
	mail_policy_init(p);
	p->threshold = c->milter_threshold;
	str_copy(p->hop, c->milter_hop, sizeof(p->hop));
	if (mail_action_parse(c->milter_action, &p->action) < 0 ||
	    p->action == MAIL_ACCEPT) {
		err_set(e,
			"[milter] action '%s' is not reject, quarantine "
			"or discard",
			c->milter_action);
		goto fail;
	}
	if (mail_policy_add_domains(p, c->milter_domains, e) < 0) {
		err_prefix(e, "[milter] local_domains");
		goto fail;
	}
	if (mail_policy_add_exceptions(p, c->milter_exceptions, e) < 0) {
		err_prefix(e, "[milter] exceptions");
		goto fail;
	}
	if (mail_policy_set_weights(p, c->milter_weights, e) < 0) {
		err_prefix(e, "[milter] weights");
		goto fail;
	}
	if (st != NULL && mail_policy_load_store(p, st, time_now(), e) < 0)
		goto fail;
	if (p->ndomains == 0) {
		err_set(e, "no local domains: set [milter] local_domains or "
			   "import the registry's domains");
		goto fail;
	}
	return 0;
fail:
	mail_policy_cleanup(p);
	return -1;
}

/* Rebuilds the policy when it is older than POLICY_SECONDS; a failure
 * keeps the old one (logged). */
static void
policy_refresh(void)
{
	struct mail_policy *p, *old;
	time_t now = time_now();
	struct err e;
	int rc;

	pthread_rwlock_rdlock(&G.pol_mu);
	rc = now - G.pol_at < POLICY_SECONDS;
	pthread_rwlock_unlock(&G.pol_mu);
	if (rc)
		return;
	p = xmalloc(sizeof(*p));
	pthread_mutex_lock(&G.st_mu);
	rc = milter_policy(G.cfg, G.st, p, &e);
	pthread_mutex_unlock(&G.st_mu);
	pthread_rwlock_wrlock(&G.pol_mu);
	if (rc < 0) {
		G.pol_at = now; /* retried after POLICY_SECONDS */
		pthread_rwlock_unlock(&G.pol_mu);
		log_error("milter: policy not reloaded: %s", e.msg);
		free(p);
		return;
	}
	old = G.pol;
	G.pol = p;
	G.pol_at = now;
	pthread_rwlock_unlock(&G.pol_mu);
	mail_policy_cleanup(old);
	free(old);
}

/* mproto: a RCPT (argv: the address, then its ESMTP parameters). */
static void
on_rcpt(void *arg, struct mail_msg *m, char **argv)
{
	(void)arg;
	policy_refresh();
	pthread_rwlock_rdlock(&G.pol_mu);
	/* not logged as given: it is the client's bytes */
	if (mail_msg_rcpt(m, G.pol, argv[0], argv + 1) < 0)
		log_warn("milter: a recipient from %s does not parse",
			 m->client);
	pthread_rwlock_unlock(&G.pol_mu);
}

/* Prunes the records past the retention once a day (under st_mu). */
static void
prune_maybe(time_t now)
{
	struct err e;
	long long n;

	if (now < G.next_prune)
		return;
	G.next_prune = now + PRUNE_SECONDS;
	n = mail_flow_prune(G.st, audit_retention(G.st), "milter", &e);
	if (n < 0)
		log_error("milter: pruning the mail-flow records: %s", e.msg);
	else if (n > 0)
		log_info("milter: %lld mail-flow records past the retention "
			 "removed",
			 n);
}

/* Commits the lines of batch in one transaction (a line is parsed from a
 * copy: a batch that failed is tried again as it was). 0 or -1. */
static int
commit_batch(const struct pending *batch, struct buf *scratch,
	     struct mail_flow_rec *r, struct err *e)
{
	if (store_begin(G.st, e) < 0)
		return -1;
	for (const struct pending *p = batch; p != NULL; p = p->next) {
		buf_reset(scratch);
		/* without its '\n' */
		if (buf_add(scratch, p->line, p->len - 1) < 0) {
			err_set(e, "a journal line of %zu bytes", p->len);
			goto fail;
		}
		if (mail_journal_parse(scratch->data, scratch->len, r, e) < 0 ||
		    mail_flow_put(G.st, r, 0, e) < 0)
			goto fail;
	}
	return store_commit(G.st, e);
fail:
	store_rollback(G.st);
	return -1;
}

/*
 * The writer: takes every line appended meanwhile, switches the journal's
 * file, commits the lines in one transaction and empties the file they
 * were in. A commit that fails is tried again every second with the same
 * lines (they stay in the journal; new ones go to the other file and
 * wait, up to PENDING_MAX, after which messages are refused for a
 * while); at a stop, what is not committed stays in the journal for the
 * next start.
 */
static void *
writer_main(void *arg)
{
	struct buf scratch = BUF_INIT(MAIL_JOURNAL_LINE_MAX);
	struct mail_flow_rec *r = xmalloc(sizeof(*r));
	struct pending *batch, *next;
	struct err e;
	size_t n;
	int was, rc;

	(void)arg;
	pthread_mutex_lock(&G.q_mu);
	for (;;) {
		struct timespec until;

		while (G.head == NULL && !G.stopping)
			pthread_cond_wait(&G.q_more, &G.q_mu);
		if (G.head == NULL)
			break;
		/* what comes in the next BATCH_MS shares the commit */
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += BATCH_MS * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!G.stopping &&
		       pthread_cond_timedwait(&G.q_more, &G.q_mu, &until) == 0)
			;
		batch = G.head;
		G.head = G.tail = NULL;
		was = mail_journal_switch(&G.j);
		pthread_mutex_unlock(&G.q_mu);
		n = 0;
		for (const struct pending *p = batch; p != NULL; p = p->next)
			n++;
		for (;;) {
			pthread_mutex_lock(&G.st_mu);
			rc = commit_batch(batch, &scratch, r, &e);
			prune_maybe(time_now());
			pthread_mutex_unlock(&G.st_mu);
			if (rc == 0)
				break;
			log_error("milter: %zu mail-flow records wait in the "
				  "journal %s: %s",
				  n, G.j.path[was], e.msg);
			pthread_mutex_lock(&G.q_mu);
			rc = G.stopping;
			pthread_mutex_unlock(&G.q_mu);
			if (rc)
				break;
			sleep(1);
		}
		if (rc == 0 && mail_journal_clear(&G.j, was, &e) < 0)
			log_error("milter: %s", e.msg);
		for (; batch != NULL; batch = next) {
			next = batch->next;
			free(batch);
		}
		pthread_mutex_lock(&G.q_mu);
		G.npending -= n;
		if (rc != 0)
			break; /* stopping: the rest stays in the journal */
	}
	pthread_mutex_unlock(&G.q_mu);
	buf_cleanup(&scratch);
	free(r);
	return NULL;
}

/* A new record id for time at (see G.rnd). 0 or -1. */
static int
flow_id(time_t at, char id[33], struct err *e)
{
	unsigned char rnd[4];

	pthread_mutex_lock(&G.rnd_mu);
	if (G.rnd_used + sizeof(rnd) > sizeof(G.rnd)) {
		if (rand_bytes(G.rnd, sizeof(G.rnd)) < 0) {
			pthread_mutex_unlock(&G.rnd_mu);
			err_set(e, "no random bytes for a mail-flow id");
			return -1;
		}
		G.rnd_used = 0;
	}
	memcpy(rnd, G.rnd + G.rnd_used, sizeof(rnd));
	G.rnd_used += sizeof(rnd);
	pthread_mutex_unlock(&G.rnd_mu);
	return mail_flow_id(at, rnd, id, e);
}

/* Records m: a stop (or an exception) at once with its audit record, an
 * accepted message as a line of the journal (committed to the store by
 * the writer). 0 or -1. */
static int
record(const struct mail_msg *m, const struct mail_verdict *v, time_t at,
       char id[33], struct err *e)
{
	struct buf rcpts = BUF_INIT(MAIL_RCPT_MAX * 2 * MAIL_ADDR_MAX);
	struct buf line = BUF_INIT(MAIL_JOURNAL_LINE_MAX);
	struct mail_flow_rec *r;
	struct pending *p = NULL;
	int rc = -1;

	if (v->action != MAIL_ACCEPT || v->exception[0] != '\0') {
		pthread_mutex_lock(&G.st_mu);
		rc = mail_flow_record(G.st, m, v, at, id, e);
		if (rc == 0)
			audit_checkpoint(G.st, 0, NULL);
		pthread_mutex_unlock(&G.st_mu);
		return rc;
	}
	if (flow_id(at, id, e) < 0)
		return -1;
	r = xmalloc(sizeof(*r));
	mail_flow_make(m, v, at, id, &rcpts, r);
	mail_journal_format(r, &line);
	if (line.data == NULL || line.len < 2 ||
	    line.data[line.len - 1] != '\n') {
		err_set(e, "the record does not fit a journal line");
		goto done;
	}
	p = xmalloc(sizeof(*p) + line.len);
	p->next = NULL;
	p->len = line.len;
	memcpy(p->line, line.data, line.len);
	pthread_mutex_lock(&G.q_mu);
	if (G.npending >= PENDING_MAX)
		err_set(e, "%zu mail-flow records wait for the store",
			G.npending);
	else if (mail_journal_append(&G.j, p->line, p->len, e) == 0)
		rc = 0;
	if (rc == 0) {
		if (G.tail != NULL) {
			G.tail->next = p;
		} else {
			G.head = p;
			/* the first of a batch wakes the writer */
			pthread_cond_signal(&G.q_more);
		}
		G.tail = p;
		G.npending++;
		p = NULL;
	}
	pthread_mutex_unlock(&G.q_mu);
done:
	free(p);
	free(r);
	buf_cleanup(&line);
	buf_cleanup(&rcpts);
	return rc;
}

/* 1 if m came through the outbound hop (its {daemon_name}). */
static int
on_hop(const struct mail_msg *m)
{
	int hop;

	pthread_rwlock_rdlock(&G.pol_mu);
	hop = G.pol->hop[0] != '\0' && !strcmp(m->hop, G.pol->hop);
	pthread_rwlock_unlock(&G.pol_mu);
	return hop;
}

/*
 * mproto: DATA. On the hop, a message whose envelope has no signal and
 * is the one the main smtpd accepted after judging its headers
 * (handoff.h) is recorded with that message's Message-ID and accepted
 * here (1): Postfix's cleanup then runs no milter for it. Anything else
 * goes on to the end of the message (0), judged with its headers.
 */
static int
on_data(void *arg, struct mail_msg *m)
{
	struct mail_verdict v;
	char id[33], flow[33];
	struct err e;
	time_t now = time_now();

	(void)arg;
	if (!on_hop(m))
		return 0;
	pthread_rwlock_rdlock(&G.pol_mu);
	mail_judge(G.pol, m, now, &v);
	pthread_rwlock_unlock(&G.pol_mu);
	if (v.action != MAIL_ACCEPT || v.signals != 0 ||
	    v.exception[0] != '\0' ||
	    !mail_handoff_take(&G.handoff, m, now, m->message_id, flow))
		return 0;
	str_fmt(v.reason, sizeof(v.reason),
		"no envelope signal; headers judged by the main smtpd "
		"(flow %s)",
		flow);
	if (record(m, &v, now, id, &e) < 0) {
		/* judged again at the end, with the headers */
		log_error("milter: %s: cannot record the message at DATA: %s",
			  m->queue_id, e.msg);
		m->message_id[0] = '\0';
		return 0;
	}
	return 1;
}

/* mproto: the end of a message: judged, recorded, answered. */
static void
on_eom(void *arg, struct mail_msg *m, struct mproto_verdict *out)
{
	struct mail_verdict v;
	char id[33];
	struct err e;
	time_t now = time_now();
	int hop = on_hop(m);

	(void)arg;
	pthread_rwlock_rdlock(&G.pol_mu);
	mail_judge(G.pol, m, now, &v);
	pthread_rwlock_unlock(&G.pol_mu);
	if (hop)
		mail_handoff_drop(&G.handoff, m, now);
	if (record(m, &v, now, id, &e) < 0) {
		/* MAIL-3: no message passes unrecorded; Postfix retries */
		log_error("milter: %s: cannot record the message: %s",
			  m->queue_id, e.msg);
		out->tempfail = 1;
		str_copy(out->text, "mail-flow record failed, try again later",
			 sizeof(out->text));
		return;
	}
	out->action = v.action;
	if (v.action == MAIL_ACCEPT) {
		/* judged with its headers: the hop need not read them again */
		if (!hop && v.exception[0] == '\0')
			mail_handoff_put(&G.handoff, m, id, now);
		return;
	}
	log_warn("milter: %s %s: from <%s> (%s), flow %s", m->queue_id,
		 mail_action_name(v.action), m->sender, v.names, id);
	switch (v.action) {
	case MAIL_REJECT:
		str_copy(out->text, mail_reject_text(m->smtputf8),
			 sizeof(out->text));
		break;
	case MAIL_QUARANTINE:
		str_fmt(out->why, sizeof(out->why),
			"govsec: automatic forwarding (%.60s), flow %s",
			v.names, id);
		break;
	case MAIL_DISCARD:
		syslog(alert_prio,
		       "automatic forwarding discarded: queue %s from <%s> "
		       "signals %s flow %s",
		       m->queue_id, m->sender, v.names, id);
		break;
	case MAIL_ACCEPT:
		break;
	}
}

/*
 * The server: LOOPS threads, each with its own epoll set and sessions;
 * the listening socket is in every set (EPOLLEXCLUSIVE: one loop wakes
 * for a new connection and takes it). A session reads what its MTA sent,
 * in any pieces, hands the whole packets to mproto and writes the
 * answers; one wake-up serves every packet that has arrived (libmilter
 * read each packet with a poll and two reads, and handed the session
 * between threads per packet: bench/README.md). The end of a message is
 * judged in the loop: an accepted one costs a journal write; a stop
 * writes its record and audit record to the store at once, which holds
 * up the other sessions of that loop meanwhile (stops are rare).
 */
#define LOOPS	   2
#define READ_CHUNK 65536

struct sess {
	struct sess *next, *prev;
	int fd, want_out;
	time_t last; /* when the MTA last sent something */
	struct mproto p;
	struct buf in, out;
};

struct loop {
	pthread_t thread;
	int ep;
	struct sess *head;
};

static struct {
	int lfd, wake; /* the listening socket, an eventfd for the stop */
	struct loop loops[LOOPS];
} S = {.lfd = -1, .wake = -1};

static void
sess_close(struct loop *l, struct sess *s)
{
	epoll_ctl(l->ep, EPOLL_CTL_DEL, s->fd, NULL);
	close(s->fd);
	if (s->prev != NULL)
		s->prev->next = s->next;
	else
		l->head = s->next;
	if (s->next != NULL)
		s->next->prev = s->prev;
	mproto_cleanup(&s->p);
	buf_cleanup(&s->in);
	buf_cleanup(&s->out);
	free(s);
}

static void
sess_new(struct loop *l, int fd)
{
	struct sess *s = xcalloc(1, sizeof(*s));
	struct epoll_event ev = {.events = EPOLLIN, .data.ptr = s};

	s->fd = fd;
	s->last = time(NULL);
	mproto_init(&s->p);
	s->p.rcpt = on_rcpt;
	s->p.data = on_data;
	s->p.eom = on_eom;
	buf_init(&s->in, MPROTO_PACKET_MAX + 5 + READ_CHUNK);
	buf_init(&s->out, (size_t)64 << 20);
	s->next = l->head;
	if (l->head != NULL)
		l->head->prev = s;
	l->head = s;
	if (epoll_ctl(l->ep, EPOLL_CTL_ADD, fd, &ev) < 0) {
		log_error("milter: epoll: %s", strerror(errno));
		sess_close(l, s);
	}
}

/* Writes what waits in s->out; 0, or -1 when the MTA is gone. */
static int
sess_flush(struct loop *l, struct sess *s)
{
	size_t off = 0;
	int want;

	while (off < s->out.len) {
		ssize_t n = send(s->fd, s->out.data + off, s->out.len - off,
				 MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	if (off > 0) {
		memmove(s->out.data, s->out.data + off, s->out.len - off);
		s->out.len -= off;
	}
	want = s->out.len > 0;
	if (want != s->want_out) {
		struct epoll_event ev = {
		    .events = EPOLLIN | (want ? EPOLLOUT : 0u), .data.ptr = s};

		epoll_ctl(l->ep, EPOLL_CTL_MOD, s->fd, &ev);
		s->want_out = want;
	}
	return 0;
}

/* Reads and answers; 0, or -1 when the session is over. */
static int
sess_read(struct loop *l, struct sess *s)
{
	char chunk[READ_CHUNK];
	size_t used;
	struct err e;
	int rc, eof = 0;

	for (;;) {
		ssize_t n = read(s->fd, chunk, sizeof(chunk));

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		if (n <= 0) {
			eof = 1;
			break;
		}
		if (buf_add(&s->in, chunk, (size_t)n) < 0) {
			log_warn("milter: a client sent more than a packet "
				 "holds");
			return -1;
		}
		if ((size_t)n < sizeof(chunk))
			break;
	}
	s->last = time(NULL);
	rc = mproto_feed(&s->p, (const unsigned char *)s->in.data, s->in.len,
			 &used, &s->out, &e);
	if (used > 0) {
		memmove(s->in.data, s->in.data + used, s->in.len - used);
		s->in.len -= used;
	}
	if (rc < 0)
		log_warn("milter: connection from the MTA closed: %s", e.msg);
	if (sess_flush(l, s) < 0 || rc != 0)
		return -1;
	return eof ? -1 : 0;
}

static void
accept_all(struct loop *l)
{
	for (;;) {
		int fd = accept(S.lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			if (errno != EAGAIN && errno != EWOULDBLOCK)
				log_warn("milter: accept: %s", strerror(errno));
			return;
		}
		if (fcntl(fd, F_SETFL, O_NONBLOCK) < 0 ||
		    fcntl(fd, F_SETFD, FD_CLOEXEC) < 0) {
			close(fd);
			continue;
		}
		sess_new(l, fd);
	}
}

static void *
loop_main(void *arg)
{
	struct loop *l = arg;
	struct epoll_event ev[64];
	time_t swept = time(NULL);

	for (;;) {
		int n = epoll_wait(l->ep, ev, (int)ARRAY_SIZE(ev), 1000);
		time_t now;

		if (n < 0 && errno != EINTR) {
			log_error("milter: epoll_wait: %s", strerror(errno));
			break;
		}
		for (int i = 0; i < n; i++) {
			struct sess *s = ev[i].data.ptr;

			if (s == (void *)&S.lfd) {
				accept_all(l);
				continue;
			}
			if (s == (void *)&S.wake)
				goto out;
			if ((ev[i].events & (EPOLLIN | EPOLLHUP | EPOLLERR) &&
			     sess_read(l, s) < 0) ||
			    (ev[i].events & EPOLLOUT && sess_flush(l, s) < 0))
				sess_close(l, s);
		}
		/* [milter] timeout: an MTA silent that long is gone */
		now = time(NULL);
		if (now != swept) {
			struct sess *s, *next;

			swept = now;
			for (s = l->head; s != NULL; s = next) {
				next = s->next;
				if (now - s->last > G.cfg->milter_timeout)
					sess_close(l, s);
			}
		}
	}
out:
	while (l->head != NULL)
		sess_close(l, l->head);
	return NULL;
}

/* The listening socket of [milter] listen: "inet:PORT@HOST",
 * "inet6:PORT@HOST" or "unix:PATH" (also "local:PATH"), libmilter's
 * forms. The descriptor (non-blocking), or -1 with e set. */
static int
listen_on(const char *spec, struct err *e)
{
	static const char what[] = "[milter] listen";
	const char *at = strchr(spec, '@');
	char addr[300];
	int fd = -1;

	if (str_starts(spec, "unix:") || str_starts(spec, "local:")) {
		/* rw for owner and group: the postfix group reaches it */
		fd =
		    net_listen_unix(what, strchr(spec, ':') + 1, 0660, NULL, e);
	} else if ((str_starts(spec, "inet:") || str_starts(spec, "inet6:")) &&
		   at != NULL) {
		const char *port = strchr(spec, ':') + 1;
		int v6 = str_starts(spec, "inet6:");

		if (str_fmt(addr, sizeof(addr), "%s%s%s:%.*s", v6 ? "[" : "",
			    at + 1, v6 ? "]" : "", (int)(at - port),
			    port) < 0) {
			err_set(e, "%s '%.64s' is too long", what, spec);
			return -1;
		}
		fd = net_listen_tcp(what, addr, e);
	} else {
		err_set(e,
			"%s '%.64s' is not inet:PORT@HOST, inet6:PORT@HOST or "
			"unix:PATH",
			what, spec);
		return -1;
	}
	if (fd >= 0 && fcntl(fd, F_SETFL, O_NONBLOCK) < 0) {
		err_set(e, "%s: %s", what, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts the loops, waits for SIGTERM or SIGINT (blocked in every thread:
 * taken here), stops the loops. 0, or -1 with e set. */
static int
serve(struct err *e)
{
	struct epoll_event lev = {.events = EPOLLIN | EPOLLEXCLUSIVE,
				  .data.ptr = &S.lfd},
			   wev = {.events = EPOLLIN, .data.ptr = &S.wake};
	sigset_t sigs;
	int started = 0, sig, rc = 0;
	uint64_t one = 1;

	S.wake = eventfd(0, EFD_CLOEXEC);
	if (S.wake < 0) {
		err_set(e, "eventfd: %s", strerror(errno));
		return -1;
	}
	for (; started < LOOPS; started++) {
		struct loop *l = &S.loops[started];

		l->head = NULL;
		l->ep = epoll_create1(EPOLL_CLOEXEC);
		if (l->ep < 0 ||
		    epoll_ctl(l->ep, EPOLL_CTL_ADD, S.lfd, &lev) < 0 ||
		    epoll_ctl(l->ep, EPOLL_CTL_ADD, S.wake, &wev) < 0 ||
		    pthread_create(&l->thread, NULL, loop_main, l) != 0) {
			err_set(e, "cannot start the milter's threads: %s",
				strerror(errno));
			if (l->ep >= 0)
				close(l->ep);
			rc = -1;
			break;
		}
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	while (rc == 0) {
		if (sigwait(&sigs, &sig) != 0)
			continue;
		if (sig != SIGHUP)
			break;
		log_info("milter: SIGHUP ignored (the policy reloads by "
			 "itself every %d s)",
			 POLICY_SECONDS);
	}
	if (write(S.wake, &one, sizeof(one)) < 0)
		log_error("milter: cannot wake the loops: %s", strerror(errno));
	for (int i = 0; i < started; i++) {
		pthread_join(S.loops[i].thread, NULL);
		close(S.loops[i].ep);
	}
	close(S.wake);
	S.wake = -1;
	return rc;
}

int
milter_run(const struct milter_opts *o, struct err *e)
{
	struct mail_policy *p;
	sigset_t block;
	int rc = 1, writer = 0;

	openlog("govsec-milter", LOG_PID, LOG_MAIL);
	G.cfg = o->cfg;
	G.st = store_open(o->store_path, e);
	if (G.st == NULL)
		return 1;
	mail_handoff_init(&G.handoff);
	if (store_migrate(G.st, e) < 0 ||
	    audit_init(o->cfg, o->store_path, G.st, e) < 0)
		goto done;
	if (mail_journal_open(&G.j, o->journal_path, e) < 0)
		goto done;
	{
		long long n = mail_journal_replay(&G.j, G.st, e);

		if (n < 0) {
			err_prefix(e, "the journal was not committed");
			goto done;
		}
		if (n > 0)
			log_info(
			    "milter: %lld mail-flow records of the journal "
			    "committed",
			    n);
	}
	p = xmalloc(sizeof(*p));
	if (milter_policy(o->cfg, G.st, p, e) < 0) {
		free(p);
		goto done;
	}
	G.pol = p;
	G.pol_at = time_now();
	G.next_prune = 0;
	/* the signals go to serve()'s sigwait, in no other thread */
	sigemptyset(&block);
	sigaddset(&block, SIGHUP);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	pthread_sigmask(SIG_BLOCK, &block, NULL);
	S.lfd = listen_on(o->cfg->milter_listen, e);
	if (S.lfd < 0)
		goto done;
	if (pthread_create(&G.writer, NULL, writer_main, NULL) != 0) {
		err_set(e, "cannot start the mail-flow writer thread");
		goto done;
	}
	writer = 1;
	log_info("milter: listening on %s, %zu local domains, action %s",
		 o->cfg->milter_listen, G.pol->ndomains,
		 mail_action_name(G.pol->action));
	rc = serve(e) == 0 ? 0 : 1;
done:
	if (S.lfd >= 0) {
		close(S.lfd);
		S.lfd = -1;
		if (str_starts(o->cfg->milter_listen, "unix:") ||
		    str_starts(o->cfg->milter_listen, "local:"))
			unlink(strchr(o->cfg->milter_listen, ':') + 1);
	}
	if (writer) {
		pthread_mutex_lock(&G.q_mu);
		G.stopping = 1;
		pthread_cond_signal(&G.q_more);
		pthread_mutex_unlock(&G.q_mu);
		pthread_join(G.writer, NULL);
	}
	mail_journal_close(&G.j);
	pthread_mutex_lock(&G.st_mu);
	audit_checkpoint(G.st, 1, NULL);
	store_free(G.st);
	G.st = NULL;
	pthread_mutex_unlock(&G.st_mu);
	if (G.pol != NULL) {
		mail_policy_cleanup(G.pol);
		free(G.pol);
		G.pol = NULL;
	}
	audit_cleanup();
	mail_handoff_cleanup(&G.handoff);
	return rc;
}
