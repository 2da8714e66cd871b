/*
 * milter_glue.c: govsec-milter's side of libmilter. Postfix connects (one
 * thread per SMTP session, libmilter's); the callbacks feed the message to
 * milter.c, and at the end of the message the verdict is recorded and
 * applied: a stop (or an exception) in the store at once with its audit
 * record (flow.c), an accepted message in the journal (journal.c: one
 * write, committed to the store in batches by the writer thread, off the
 * answer's path); then 550 5.7.1, a quarantine
 * (Postfix puts the message on hold) or a discard with an alert. What
 * Postfix sends is untrusted and bounded by milter.c. libmilter's
 * callbacks take no context argument, so the process state is the one
 * static struct below (STYLE 4): the configuration, the store (one
 * connection, one writer at a time) and the policy (rebuilt from the
 * configuration and the store every POLICY_SECONDS and swapped).
 */
#include <syslog.h>
/* syslog.h and base.h both name LOG_INFO and LOG_DEBUG: keep base.h's */
static const int alert_prio = LOG_MAIL | LOG_ALERT;
#undef LOG_INFO
#undef LOG_DEBUG

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libmilter/mfapi.h>

#include "audit/audit.h"
#include "mail/journal.h"
#include "mail/mail.h"

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
} G = {.st_mu = PTHREAD_MUTEX_INITIALIZER,
       .pol_mu = PTHREAD_RWLOCK_INITIALIZER,
       .q_mu = PTHREAD_MUTEX_INITIALIZER,
       .q_more = PTHREAD_COND_INITIALIZER,
       .j = {.fd = {-1, -1}},
       .rnd_mu = PTHREAD_MUTEX_INITIALIZER,
       .rnd_used = sizeof(G.rnd)};

/* One SMTP session: the message being judged and which stages Postfix
 * agreed to send without waiting for an answer (SMFIP_NR_*). */
struct conn {
	struct mail_msg m;
	unsigned long noreply;
};

/* What a callback answers at a stage: nothing if Postfix does not wait. */
static sfsistat
go_on(const struct conn *c, unsigned long stage)
{
	return (c->noreply & stage) ? SMFIS_NOREPLY : SMFIS_CONTINUE;
}

/* The session's state, made at negotiation (or at connect, when the MTA
 * skipped it). */
static struct conn *
conn_get(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c == NULL) {
		c = xmalloc(sizeof(*c));
		mail_msg_init(&c->m);
		c->noreply = 0;
		smfi_setpriv(ctx, c);
	}
	return c;
}

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

static sfsistat
x_connect(SMFICTX *ctx, char *host, _SOCK_ADDR *sa)
{
	struct conn *c = conn_get(ctx);
	struct mail_msg *m = &c->m;
	const char *hop = smfi_getsymval(ctx, "{daemon_name}");

	if (hop != NULL)
		str_copy(m->hop, hop, sizeof(m->hop));
	if (sa != NULL && sa->sa_family == AF_INET)
		inet_ntop(AF_INET,
			  &((struct sockaddr_in *)(void *)sa)->sin_addr,
			  m->client, sizeof(m->client));
	else if (sa != NULL && sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6,
			  &((struct sockaddr_in6 *)(void *)sa)->sin6_addr,
			  m->client, sizeof(m->client));
	else if (host != NULL)
		str_copy(m->client, host, sizeof(m->client));
	return go_on(c, SMFIP_NR_CONN);
}

static sfsistat
x_envfrom(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct mail_msg *m = &c->m;

	mail_msg_reset(m);
	mail_msg_sender(m, argv[0] != NULL ? argv[0] : "",
			argv[0] != NULL ? argv + 1 : NULL);
	return go_on(c, SMFIP_NR_MAIL);
}

static sfsistat
x_envrcpt(SMFICTX *ctx, char **argv)
{
	struct conn *c = conn_get(ctx);
	struct mail_msg *m = &c->m;

	if (argv[0] == NULL)
		return go_on(c, SMFIP_NR_RCPT);
	policy_refresh();
	pthread_rwlock_rdlock(&G.pol_mu);
	/* not logged as given: it is the client's bytes */
	if (mail_msg_rcpt(m, G.pol, argv[0], argv + 1) < 0)
		log_warn("milter: a recipient from %s does not parse",
			 m->client);
	pthread_rwlock_unlock(&G.pol_mu);
	return go_on(c, SMFIP_NR_RCPT);
}

static sfsistat
x_header(SMFICTX *ctx, char *name, char *value)
{
	struct conn *c = conn_get(ctx);

	mail_msg_header(&c->m, name, value);
	return go_on(c, SMFIP_NR_HDR);
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

static sfsistat
x_eom(SMFICTX *ctx)
{
	struct mail_msg *m = &conn_get(ctx)->m;
	const char *qid = smfi_getsymval(ctx, "i");
	struct mail_verdict v;
	char id[33], why[128];
	struct err e;
	time_t now = time_now();
	int rc;

	if (qid != NULL)
		str_copy(m->queue_id, qid, sizeof(m->queue_id));
	pthread_rwlock_rdlock(&G.pol_mu);
	mail_judge(G.pol, m, now, &v);
	pthread_rwlock_unlock(&G.pol_mu);
	rc = record(m, &v, now, id, &e);
	if (rc < 0) {
		/* MAIL-3: no message passes unrecorded; Postfix retries */
		log_error("milter: %s: cannot record the message: %s",
			  m->queue_id, e.msg);
		smfi_setreply(ctx, "451", "4.3.0",
			      "mail-flow record failed, try again later");
		return SMFIS_TEMPFAIL;
	}
	if (v.action != MAIL_ACCEPT)
		log_warn("milter: %s %s: from <%s> (%s), flow %s", m->queue_id,
			 mail_action_name(v.action), m->sender, v.names, id);
	switch (v.action) {
	case MAIL_ACCEPT:
		return SMFIS_ACCEPT;
	case MAIL_REJECT: {
		char text[512];

		/* libmilter takes a char *, never written */
		str_copy(text, mail_reject_text(m->smtputf8), sizeof(text));
		smfi_setreply(ctx, "550", "5.7.1", text);
	}
		return SMFIS_REJECT;
	case MAIL_QUARANTINE:
		str_fmt(why, sizeof(why),
			"govsec: automatic forwarding (%.60s), flow %s",
			v.names, id);
		if (smfi_quarantine(ctx, why) != MI_SUCCESS) {
			log_error("milter: %s: quarantine refused by the MTA",
				  m->queue_id);
			return SMFIS_TEMPFAIL;
		}
		return SMFIS_ACCEPT;
	case MAIL_DISCARD:
		syslog(alert_prio,
		       "automatic forwarding discarded: queue %s from <%s> "
		       "signals %s flow %s",
		       m->queue_id, m->sender, v.names, id);
		return SMFIS_DISCARD;
	}
	return SMFIS_TEMPFAIL;
}

static sfsistat
x_abort(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL)
		mail_msg_reset(&c->m);
	return SMFIS_CONTINUE;
}

static sfsistat
x_close(SMFICTX *ctx)
{
	struct conn *c = smfi_getpriv(ctx);

	if (c != NULL) {
		mail_msg_cleanup(&c->m);
		free(c);
		smfi_setpriv(ctx, NULL);
	}
	return SMFIS_CONTINUE;
}

/* The macros read (x_connect, x_eom), per stage, instead of Postfix's
 * milter_*_macros (sent for every message, also before each header and
 * for the stages not asked). "{none}" is a name Postfix does not define:
 * it sends no macro there (an empty list would keep its default). */
static const struct {
	int stage;
	const char *macros;
} want_macros[] = {
    {SMFIM_CONNECT, "{daemon_name}"},
    {SMFIM_HELO, "{none}"},
    {SMFIM_ENVFROM, "{none}"},
    {SMFIM_ENVRCPT, "{none}"},
    {SMFIM_DATA, "{none}"},
    {SMFIM_EOH, "{none}"},
    {SMFIM_EOM, "i"},
};

/* Asks Postfix to leave out what is not judged (the body, HELO, DATA, end
 * of headers and unknown commands), not to wait for an answer where the
 * milter never refuses (connect, MAIL, RCPT, each header: SMFIP_NR_*), and
 * to send only the macros read: per message one round trip (the end of
 * message) instead of one per header and envelope command. What this
 * Postfix does not offer is not asked (each flag against f1). */
static sfsistat
x_negotiate(SMFICTX *ctx, unsigned long f0, unsigned long f1, unsigned long f2,
	    unsigned long f3, unsigned long *pf0, unsigned long *pf1,
	    unsigned long *pf2, unsigned long *pf3)
{
	const unsigned long nr =
	    SMFIP_NR_CONN | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_HDR;
	const unsigned long want = SMFIP_NOBODY | SMFIP_NOHELO | SMFIP_NODATA |
				   SMFIP_NOEOH | SMFIP_NOUNKNOWN | nr;
	struct conn *c = conn_get(ctx);

	(void)f2, (void)f3;
	if (!(f0 & SMFIF_QUARANTINE))
		log_warn("milter: the MTA cannot quarantine");
	*pf0 = (SMFIF_QUARANTINE | SMFIF_SETSYMLIST) & f0;
	*pf1 = want & f1;
	*pf2 = 0;
	*pf3 = 0;
	c->noreply = *pf1 & nr;
	if (f0 & SMFIF_SETSYMLIST)
		for (size_t i = 0; i < ARRAY_SIZE(want_macros); i++) {
			char list[32]; /* libmilter takes a char * (copied) */

			str_copy(list, want_macros[i].macros, sizeof(list));
			(void)smfi_setsymlist(ctx, want_macros[i].stage, list);
		}
	return SMFIS_CONTINUE;
}

int
milter_run(const struct milter_opts *o, struct err *e)
{
	struct smfiDesc desc = {
	    .xxfi_name = "govsec-milter",
	    .xxfi_version = SMFI_VERSION,
	    .xxfi_flags = SMFIF_QUARANTINE | SMFIF_SETSYMLIST,
	    .xxfi_connect = x_connect,
	    .xxfi_envfrom = x_envfrom,
	    .xxfi_envrcpt = x_envrcpt,
	    .xxfi_header = x_header,
	    .xxfi_eom = x_eom,
	    .xxfi_abort = x_abort,
	    .xxfi_close = x_close,
	    .xxfi_negotiate = x_negotiate,
	};
	struct mail_policy *p;
	char listen[sizeof(o->cfg->milter_listen)];
	int rc = 1, writer = 0;

	openlog("govsec-milter", LOG_PID, LOG_MAIL);
	G.cfg = o->cfg;
	G.st = store_open(o->store_path, e);
	if (G.st == NULL)
		return 1;
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
	str_copy(listen, o->cfg->milter_listen, sizeof(listen));
	if (smfi_register(desc) != MI_SUCCESS ||
	    smfi_setconn(listen) != MI_SUCCESS ||
	    smfi_settimeout(o->cfg->milter_timeout) != MI_SUCCESS) {
		err_set(e, "[milter] listen '%s' is not usable",
			o->cfg->milter_listen);
		goto done;
	}
	/* a unix socket for the postfix group: rw for owner and group */
	umask(0117);
	if (smfi_opensocket(1) != MI_SUCCESS) {
		err_set(e, "cannot listen on '%s' ([milter] listen)",
			o->cfg->milter_listen);
		goto done;
	}
	{
		/* libmilter's own thread takes the signals: the writer must
		 * not (a SIGTERM there would kill the process unflushed) */
		sigset_t block, old;
		int prc;

		sigemptyset(&block);
		sigaddset(&block, SIGHUP);
		sigaddset(&block, SIGTERM);
		sigaddset(&block, SIGINT);
		pthread_sigmask(SIG_BLOCK, &block, &old);
		prc = pthread_create(&G.writer, NULL, writer_main, NULL);
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		if (prc != 0) {
			err_set(e, "cannot start the mail-flow writer thread");
			goto done;
		}
	}
	writer = 1;
	log_info("milter: listening on %s, %zu local domains, action %s",
		 o->cfg->milter_listen, G.pol->ndomains,
		 mail_action_name(G.pol->action));
	rc = smfi_main() == MI_SUCCESS ? 0 : 1;
	if (rc != 0)
		err_set(e, "libmilter stopped with an error");
done:
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
	return rc;
}
