/*
 * flow.c: the mail-flow records (MAIL-3) and the milter's forwarding
 * exceptions in the store. A record is written per message and hop in one
 * transaction with its audit record (when something was stopped); lookups
 * by address go through mail_flow_addr (one row per address and message,
 * keyed by address and time), by Message-ID and by time through indexes,
 * so a trace is an index range scan at any table size (bench/mail). The
 * message fields were bounded by milter.c; SQL is portable and every value
 * is bound.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "mail/journal.h"
#include "mail/mail.h"

#define PRUNE_BATCH 10000 /* records deleted per statement */

static void
role_add(struct mail_flow_rec *r, const char *addr, int bit)
{
	if (addr[0] == '\0')
		return;
	for (size_t i = 0; i < r->nroles; i++)
		if (!strcmp(r->roles[i].addr, addr)) {
			r->roles[i].roles |= bit;
			return;
		}
	if (r->nroles < MAIL_FLOW_ROLES_MAX) {
		r->roles[r->nroles].addr = addr;
		r->roles[r->nroles++].roles = bit;
	}
}

int
mail_flow_id(time_t at, const unsigned char *rnd, char id[33], struct err *e)
{
	unsigned char own[4];
	char rhex[9];

	if (rnd == NULL) {
		if (rand_bytes(own, sizeof(own)) < 0) {
			err_set(e, "no random bytes for a mail-flow id");
			return -1;
		}
		rnd = own;
	}
	hex_encode(rnd, 4, rhex);
	str_fmt(id, 33, "%08llx%s", (unsigned long long)at & 0xffffffffULL,
		rhex);
	return 0;
}

void
mail_flow_make(const struct mail_msg *m, const struct mail_verdict *v,
	       time_t at, const char *id, struct buf *rcpts,
	       struct mail_flow_rec *r)
{
	buf_reset(rcpts);
	for (size_t i = 0; i < m->nrcpt; i++) {
		const struct mail_rcpt *rc = &m->rcpt[i];

		buf_printf(rcpts, "%s%s", i ? " " : "", rc->addr);
		if (rc->orcpt[0] != '\0' && strcmp(rc->orcpt, rc->addr) != 0)
			buf_printf(rcpts, "(%s)", rc->orcpt);
	}
	if (m->rcpt_dropped > 0)
		buf_printf(rcpts, " +%zu more", m->rcpt_dropped);
	r->id = id;
	r->at = (long long)at;
	r->hop = m->hop;
	r->queue_id = m->queue_id;
	r->client = m->client;
	r->sender = m->sender;
	r->message_id = m->message_id[0] ? m->message_id : NULL;
	r->rcpts = rcpts->data != NULL ? rcpts->data : "";
	r->signals = v->names;
	r->score = v->score;
	r->decision = mail_action_name(v->action);
	r->reason = v->reason;
	r->nroles = 0;
	role_add(r, m->sender, 1);
	for (size_t i = 0; i < m->nrcpt; i++) {
		role_add(r, m->rcpt[i].addr, 2);
		role_add(r, m->rcpt[i].orcpt, 4);
	}
}

int
mail_flow_put(struct store *st, const struct mail_flow_rec *r, int replay,
	      struct err *e)
{
	static const char ins[] =
	    "INSERT INTO mail_flow (id, at, hop, queue_id, client, sender,"
	    " message_id, rcpts, signals, score, decision, reason)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
	static const char ins_replay[] =
	    "INSERT INTO mail_flow (id, at, hop, queue_id, client, sender,"
	    " message_id, rcpts, signals, score, decision, reason)"
	    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	    " ON CONFLICT (id) DO NOTHING";
	static const char ins_addr[] =
	    "INSERT INTO mail_flow_addr (addr, at, flow, roles)"
	    " VALUES (?, ?, ?, ?)";
	const struct store_val vals[] = {
	    SV_TEXT(r->id),	    SV_INT(r->at),	  SV_TEXT(r->hop),
	    SV_TEXT(r->queue_id),   SV_TEXT(r->client),	  SV_TEXT(r->sender),
	    SV_TEXT(r->message_id), SV_TEXT(r->rcpts),	  SV_TEXT(r->signals),
	    SV_INT(r->score),	    SV_TEXT(r->decision), SV_TEXT(r->reason),
	};

	if (store_exec(st, replay ? ins_replay : ins, vals,
		       (int)ARRAY_SIZE(vals), e) < 0)
		return -1;
	if (replay && store_changes(st) == 0)
		return 1;
	for (size_t i = 0; i < r->nroles; i++) {
		const struct store_val av[] = {SV_TEXT(r->roles[i].addr),
					       SV_INT(r->at), SV_TEXT(r->id),
					       SV_INT(r->roles[i].roles)};

		if (store_exec(st, ins_addr, av, 4, e) < 0)
			return -1;
	}
	return 0;
}

int
mail_flow_insert(struct store *st, const struct mail_msg *m,
		 const struct mail_verdict *v, time_t at, char id[33],
		 struct buf *rcpts, struct err *e)
{
	struct mail_flow_rec *r = xmalloc(sizeof(*r));
	int rc = -1;

	if (mail_flow_id(at, NULL, id, e) == 0) {
		mail_flow_make(m, v, at, id, rcpts, r);
		rc = mail_flow_put(st, r, 0, e);
	}
	free(r);
	return rc;
}

int
mail_flow_record(struct store *st, const struct mail_msg *m,
		 const struct mail_verdict *v, time_t at, char id[33],
		 struct err *e)
{
	struct buf rcpts = BUF_INIT(MAIL_RCPT_MAX * 2 * MAIL_ADDR_MAX);
	int rc = -1;

	if (store_begin(st, e) < 0)
		goto done;
	if (mail_flow_insert(st, m, v, at, id, &rcpts, e) < 0) {
		store_rollback(st);
		goto done;
	}
	if (v->action == MAIL_ACCEPT && v->exception[0] == '\0') {
		rc = store_commit(st, e);
		goto done;
	}
	{
		/* stopped, or let through by an exception: in the chain */
		struct buf after = BUF_INIT(8192);
		char object[64], action[32];

		str_fmt(object, sizeof(object), "mail:%s", id);
		str_fmt(action, sizeof(action), "mail.%s",
			v->action == MAIL_ACCEPT ? "exception"
						 : mail_action_name(v->action));
		buf_printf(&after,
			   "hop=%s queue=%s from=<%s> to=%s message-id=<%s> "
			   "signals=%s score=%d reason=%s",
			   m->hop, m->queue_id, m->sender,
			   rcpts.data != NULL ? rcpts.data : "", m->message_id,
			   v->names, v->score, v->reason);
		rc = audit_commit(st, "milter", action, object, NULL,
				  after.data, e);
		buf_cleanup(&after);
	}
done:
	buf_cleanup(&rcpts);
	return rc;
}

#define FLOW_COLS                                                              \
	"f.id, f.at, f.hop, f.queue_id, f.client, f.sender, f.message_id,"     \
	" f.rcpts, f.signals, f.score, f.decision, f.reason"

int
mail_flow_trace(struct store *st, const struct mail_trace_q *q, store_row_fn fn,
		void *arg, struct err *e)
{
	struct store_val v[5];
	char addr[MAIL_ADDR_MAX], msgid[MAIL_MSGID_MAX + 1];
	long long since = q->since > 0 ? (long long)q->since : 0;
	long long until = q->until > 0 ? (long long)q->until : (1LL << 62);
	long long limit = q->limit;
	const char *sql;
	int nv = 0;

	if (limit < 1 || limit > 100000) {
		err_set(e, "limit %lld is not within 1..100000", limit);
		return -1;
	}
	if (q->message_id != NULL) {
		size_t a = 0, n = strlen(q->message_id);

		if (n > 0 && q->message_id[0] == '<' &&
		    q->message_id[n - 1] == '>') {
			a = 1;
			n -= 2;
		}
		if (n == 0 || n > MAIL_MSGID_MAX) {
			err_set(e, "message-id '%.64s' is empty or too long",
				q->message_id);
			return -1;
		}
		memcpy(msgid, q->message_id + a, n);
		msgid[n] = '\0';
	}
	if (q->address != NULL) {
		if (mail_addr_norm(q->address, addr) < 0 || addr[0] == '\0') {
			err_set(e, "'%.64s' is not a mail address", q->address);
			return -1;
		}
		v[nv++] = SV_TEXT(addr);
		v[nv++] = SV_INT(since);
		v[nv++] = SV_INT(until);
		if (q->message_id != NULL) {
			v[nv++] = SV_TEXT(msgid);
			sql = "SELECT " FLOW_COLS
			      " FROM mail_flow_addr a JOIN mail_flow f"
			      " ON f.id = a.flow WHERE a.addr = ? AND"
			      " a.at >= ? AND a.at <= ? AND f.message_id = ?"
			      " ORDER BY a.at DESC, a.flow DESC LIMIT ?";
		} else {
			sql = "SELECT " FLOW_COLS
			      " FROM mail_flow_addr a JOIN mail_flow f"
			      " ON f.id = a.flow WHERE a.addr = ? AND"
			      " a.at >= ? AND a.at <= ?"
			      " ORDER BY a.at DESC, a.flow DESC LIMIT ?";
		}
	} else if (q->message_id != NULL) {
		v[nv++] = SV_TEXT(msgid);
		v[nv++] = SV_INT(since);
		v[nv++] = SV_INT(until);
		sql = "SELECT " FLOW_COLS " FROM mail_flow f"
		      " WHERE f.message_id = ? AND f.at >= ? AND f.at <= ?"
		      " ORDER BY f.at DESC, f.id DESC LIMIT ?";
	} else {
		v[nv++] = SV_INT(since);
		v[nv++] = SV_INT(until);
		sql = "SELECT " FLOW_COLS " FROM mail_flow f"
		      " WHERE f.at >= ? AND f.at <= ?"
		      " ORDER BY f.at DESC, f.id DESC LIMIT ?";
	}
	v[nv++] = SV_INT(limit);
	return store_query(st, sql, v, nv, fn, arg, e);
}

long long
mail_flow_prune(struct store *st, int days, const char *actor, struct err *e)
{
	long long cutoff, total = 0, n;

	if (days < AUDIT_MIN_RETENTION)
		days = AUDIT_MIN_RETENTION; /* SEC-5: a year at least */
	cutoff = (long long)audit_now() - (long long)days * 86400;
	const struct store_val v[] = {SV_INT(cutoff)};

	do {
		if (store_begin(st, e) < 0)
			return -1;
		if (store_exec(st,
			       "DELETE FROM mail_flow_addr WHERE flow IN"
			       " (SELECT id FROM mail_flow WHERE at < ?"
			       " ORDER BY at LIMIT 10000)",
			       v, 1, e) < 0 ||
		    store_exec(st,
			       "DELETE FROM mail_flow WHERE id IN"
			       " (SELECT id FROM mail_flow WHERE at < ?"
			       " ORDER BY at LIMIT 10000)",
			       v, 1, e) < 0) {
			store_rollback(st);
			return -1;
		}
		n = store_changes(st);
		if (store_commit(st, e) < 0)
			return -1;
		total += n;
	} while (n == PRUNE_BATCH);
	if (total > 0) {
		char after[64];

		str_fmt(after, sizeof(after), "removed=%lld days=%d", total,
			days);
		if (store_begin(st, e) < 0 ||
		    audit_commit(st, actor, "mail.prune", "mail_flow", NULL,
				 after, e) < 0)
			return -1;
	}
	return total;
}

int
mail_exc_add(struct store *st, const char *addr, time_t until,
	     const char *reason, const char *actor, struct err *e)
{
	struct mail_policy p;
	char after[MAIL_ADDR_MAX + 600], when[32], object[MAIL_ADDR_MAX + 16];

	/* the same check as the milter's: an address or @domain */
	mail_policy_init(&p);
	if (mail_policy_add_exception(&p, addr, until, e) < 0) {
		mail_policy_cleanup(&p);
		return -1;
	}
	{
		const struct store_val v[] = {
		    SV_TEXT(p.exc[0].addr), SV_INT(until), SV_TEXT(reason),
		    SV_INT(audit_now()), SV_TEXT(actor)};

		time_fmt(until, when, sizeof(when));
		str_fmt(object, sizeof(object), "mail-exception:%s",
			p.exc[0].addr);
		str_fmt(after, sizeof(after), "until=%s reason=%.500s", when,
			reason);
		if (store_begin(st, e) < 0)
			goto fail;
		if (store_exec(st,
			       "INSERT INTO mail_exceptions (address, until,"
			       " reason, created, created_by)"
			       " VALUES (?, ?, ?, ?, ?) ON CONFLICT (address)"
			       " DO UPDATE SET until = excluded.until,"
			       " reason = excluded.reason,"
			       " created = excluded.created,"
			       " created_by = excluded.created_by",
			       v, 5, e) < 0) {
			store_rollback(st);
			goto fail;
		}
	}
	if (audit_commit(st, actor, "mail.exception.add", object, NULL, after,
			 e) < 0)
		goto fail;
	mail_policy_cleanup(&p);
	return 0;
fail:
	mail_policy_cleanup(&p);
	return -1;
}

int
mail_exc_list(struct store *st, store_row_fn fn, void *arg, struct err *e)
{
	return store_query(st,
			   "SELECT address, until, reason, created, created_by"
			   " FROM mail_exceptions ORDER BY address",
			   NULL, 0, fn, arg, e);
}

int
mail_exc_rm(struct store *st, const char *addr, const char *actor,
	    struct err *e)
{
	char norm[MAIL_ADDR_MAX], object[MAIL_ADDR_MAX + 16];
	const struct store_val v[] = {SV_TEXT(norm)};

	if (addr[0] == '@') {
		str_copy(norm, addr, sizeof(norm));
		for (char *c = norm; *c != '\0'; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
	} else if (mail_addr_norm(addr, norm) < 0 || norm[0] == '\0') {
		err_set(e, "'%.64s' is not an address or @domain", addr);
		return -1;
	}
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st, "DELETE FROM mail_exceptions WHERE address = ?", v,
		       1, e) < 0) {
		store_rollback(st);
		return -1;
	}
	if (store_changes(st) == 0) {
		store_rollback(st);
		return 1;
	}
	str_fmt(object, sizeof(object), "mail-exception:%s", norm);
	return audit_commit(st, actor, "mail.exception.rm", object, NULL, NULL,
			    e);
}

struct load_ctx {
	struct mail_policy *p;
	struct err *e;
};

static int
load_exc(void *arg, struct store_row *r)
{
	struct load_ctx *x = arg;
	const char *addr = store_row_text(r, 0);

	if (addr == NULL ||
	    mail_policy_add_exception(x->p, addr, (time_t)store_row_int(r, 1),
				      x->e) < 0)
		return -1;
	return 0;
}

static int
load_domain(void *arg, struct store_row *r)
{
	struct load_ctx *x = arg;
	const char *d = store_row_text(r, 0);

	/* a registry name the milter cannot use is skipped, not fatal */
	if (d != NULL && mail_policy_add_domains(x->p, d, x->e) < 0)
		log_warn("milter: registry domain skipped: %s", x->e->msg);
	return 0;
}

int
mail_policy_load_store(struct mail_policy *p, struct store *st, time_t now,
		       struct err *e)
{
	struct load_ctx x = {p, e};
	const struct store_val v[] = {SV_INT(now)};

	if (store_query(st,
			"SELECT address, until FROM mail_exceptions"
			" WHERE until > ? ORDER BY address",
			v, 1, load_exc, &x, e) < 0)
		return -1;
	if (store_query(st, "SELECT name FROM domains ORDER BY name", NULL, 0,
			load_domain, &x, e) < 0)
		return -1;
	return 0;
}

/* MAIL-3's evidence (mail_flow_evidence): the newest record per domain,
 * read newest first a page at a time (the PostgreSQL backend fetches a
 * result whole, so a page is bounded), stopping when every group has a
 * domain found. */
#define EV_PAGE 5000

struct ev_scan {
	struct map idx; /* domain -> its first index into ev->seen */
	size_t *next;	/* the next index of the same domain, SIZE_MAX */
	const size_t *group;
	unsigned char *done; /* per group: a domain of it was found */
	struct mail_flow_ev *ev;
	size_t left;	/* groups without a domain found */
	size_t n;	/* domains */
	long long rows; /* rows of this page */
	long long at;	/* the last row read: (at, id) */
	char id[64];
	long long max; /* of the scalar queries */
	int found_max;
};

/* The group of domain i (its own when there are none or it is off). */
static size_t
group_of(const struct ev_scan *s, size_t i)
{
	return s->group != NULL && s->group[i] < s->n ? s->group[i] : i;
}

/* fn with the domain of the address of n bytes at p (after its last
 * '@', not empty); 1 if there was one. */
static size_t
domain_of(const char *p, size_t n,
	  void (*fn)(void *arg, const char *dom, size_t n), void *arg)
{
	const char *at = NULL;

	for (size_t i = 0; i < n; i++)
		if (p[i] == '@')
			at = p + i;
	if (at == NULL || at + 1 == p + n)
		return 0;
	fn(arg, at + 1, (size_t)(p + n - at - 1));
	return 1;
}

size_t
mail_flow_domains(const char *text,
		  void (*fn)(void *arg, const char *dom, size_t n), void *arg)
{
	size_t count = 0;

	while (text != NULL && *text != '\0') {
		size_t n = strcspn(text, " ");
		const char *open = memchr(text, '(', n), *close = NULL;

		if (open != NULL)
			close = memchr(open, ')', n - (size_t)(open - text));
		count += domain_of(
		    text, open != NULL ? (size_t)(open - text) : n, fn, arg);
		if (close != NULL)
			count += domain_of(open + 1, (size_t)(close - open - 1),
					   fn, arg);
		text += n;
		text += *text == ' ';
	}
	return count;
}

/* A domain of the record read last (at s->at). */
static void
ev_domain(void *arg, const char *p, size_t n)
{
	struct ev_scan *s = arg;
	char dom[MAIL_ADDR_MAX];
	long long k;

	if (n >= sizeof(dom))
		return;
	memcpy(dom, p, n);
	dom[n] = '\0';
	if (map_get(&s->idx, dom, &k) < 0 || s->ev->seen[k] != 0)
		return; /* not wanted, or found in a newer record */
	for (size_t i = (size_t)k; i != SIZE_MAX; i = s->next[i]) {
		size_t g = group_of(s, i);

		s->ev->seen[i] = (time_t)s->at;
		if (!s->done[g]) {
			s->done[g] = 1;
			s->left--;
		}
	}
}

/* A row of mail_flow: at, id, sender, rcpts. */
static int
ev_row(void *arg, struct store_row *r)
{
	struct ev_scan *s = arg;
	const char *id = store_row_text(r, 1);

	s->rows++;
	s->ev->scanned++;
	s->at = store_row_int(r, 0);
	str_copy(s->id, id != NULL ? id : "", sizeof(s->id));
	s->ev->read_back = (time_t)s->at;
	mail_flow_domains(store_row_text(r, 2), ev_domain, s);
	mail_flow_domains(store_row_text(r, 3), ev_domain, s);
	return s->left == 0 ? 1 : 0;
}

static int
ev_scalar(void *arg, struct store_row *r)
{
	struct ev_scan *s = arg;

	if (!store_row_null(r, 0)) {
		s->max = store_row_int(r, 0);
		s->found_max = 1;
	}
	return 1;
}

/* The newest mail.prune since horizon that removed the youngest records:
 * its time and the days it kept ("removed=N days=D"). */
static int
ev_prune(void *arg, struct store_row *r)
{
	struct mail_flow_ev *ev = arg;
	const char *at = store_row_text(r, 0), *after = store_row_text(r, 1);
	const char *d = after != NULL ? strstr(after, "days=") : NULL;
	long long days;
	time_t t;

	if (at == NULL || d == NULL || time_parse(at, &t) < 0 ||
	    str_to_ll(d + 5, 0, 36500, &days) < 0)
		return 0;
	if (ev->prune_at == 0 ||
	    t - days * 86400 > ev->prune_at - (time_t)ev->prune_days * 86400) {
		ev->prune_at = t;
		ev->prune_days = (int)days;
	}
	return 0;
}

static int
ev_stop(void *arg, struct store_row *r)
{
	struct mail_flow_ev *ev = arg;
	const char *at = store_row_text(r, 0), *obj = store_row_text(r, 1);
	time_t t;

	if (at != NULL && obj != NULL && strncmp(obj, "mail:", 5) == 0 &&
	    time_parse(at, &t) == 0) {
		ev->stop_at = t;
		str_copy(ev->stop_id, obj + 5, sizeof(ev->stop_id));
	}
	return 1;
}

int
mail_flow_evidence(struct store *st, const char *const *domains,
		   const size_t *group, size_t ndomains, time_t horizon,
		   long long max_rows, struct mail_flow_ev *ev, struct err *e)
{
	struct ev_scan s;
	char from[32], until[32];
	int rc = -1;

	memset(ev, 0, sizeof(*ev));
	memset(&s, 0, sizeof(s));
	ev->seen = xcalloc(ndomains + 1, sizeof(*ev->seen));
	ev->keep_days = audit_retention(st);
	if (ev->keep_days < AUDIT_MIN_RETENTION)
		ev->keep_days = AUDIT_MIN_RETENTION; /* as mail_flow_prune */
	s.ev = ev;
	map_init(&s.idx);
	/* the oldest and the newest record: one index end each */
	if (store_query(st, "SELECT min(at) FROM mail_flow", NULL, 0, ev_scalar,
			&s, e) < 0)
		goto done;
	ev->first = s.found_max ? (time_t)s.max : 0;
	s.found_max = 0;
	if (store_query(st, "SELECT max(at) FROM mail_flow", NULL, 0, ev_scalar,
			&s, e) < 0)
		goto done;
	ev->last = s.found_max ? (time_t)s.max : 0;
	s.group = group;
	s.next = xcalloc(ndomains + 1, sizeof(*s.next));
	s.done = xcalloc(ndomains + 1, 1);
	s.n = ndomains;
	for (size_t i = 0; i < ndomains; i++) {
		long long k;

		s.next[i] = SIZE_MAX;
		if (map_put(&s.idx, domains[i], (long long)i, &k) == 1) {
			s.next[i] = s.next[k]; /* chained after the first */
			s.next[k] = i;
		}
		if (!s.done[group_of(&s, i)]) {
			s.done[group_of(&s, i)] = 1; /* counted */
			s.left++;
		}
	}
	memset(s.done, 0, ndomains + 1);
	/* newest first, a page at a time, keyed by (at, id) */
	ev->read_all = 1;
	for (int page = 0; s.left > 0 && ev->last != 0; page++) {
		struct store_val v[4];
		int nv = 0;

		if (ev->scanned >= max_rows) {
			ev->read_all = 0;
			break;
		}
		if (page > 0) {
			v[nv++] = SV_INT(s.at);
			v[nv++] = SV_INT(s.at);
			v[nv++] = SV_TEXT(s.id);
		}
		v[nv++] = SV_INT(EV_PAGE);
		s.rows = 0;
		if (store_query(st,
				page == 0 ? "SELECT at, id, sender, rcpts"
					    " FROM mail_flow ORDER BY at DESC,"
					    " id DESC LIMIT ?"
					  : "SELECT at, id, sender, rcpts"
					    " FROM mail_flow WHERE at <= ? AND"
					    " (at < ? OR id < ?) ORDER BY at"
					    " DESC, id DESC LIMIT ?",
				v, nv, ev_row, &s, e) < 0)
			goto done;
		if (s.rows < EV_PAGE)
			break; /* the oldest record was read (or all found) */
	}
	/* what was pruned, and records gone without a prune: the newest
	 * stop in the audit chain older than the oldest record */
	time_fmt(horizon, from, sizeof(from));
	{
		const struct store_val v[] = {SV_TEXT(from)};

		if (store_query(st,
				"SELECT at, after FROM audit WHERE action ="
				" 'mail.prune' AND at >= ? ORDER BY at",
				v, 1, ev_prune, ev, e) < 0)
			goto done;
	}
	if (ev->first != 0) {
		time_fmt(ev->first, until, sizeof(until));
		const struct store_val v[] = {SV_TEXT(from), SV_TEXT(until)};

		if (store_query(st,
				"SELECT at, object FROM audit WHERE action IN"
				" ('mail.reject', 'mail.quarantine',"
				" 'mail.discard', 'mail.exception') AND at >= ?"
				" AND at < ? ORDER BY at DESC LIMIT 1",
				v, 2, ev_stop, ev, e) < 0)
			goto done;
		if (ev->stop_at != 0) {
			const struct store_val w[] = {SV_TEXT(ev->stop_id)};

			if (store_query_int(st,
					    "SELECT count(*) FROM mail_flow"
					    " WHERE id = ?",
					    w, 1, 0) != 0)
				ev->stop_at = 0; /* kept after all (clocks) */
		}
	}
	rc = 0;
done:
	map_cleanup(&s.idx);
	free(s.next);
	free(s.done);
	if (rc < 0)
		mail_flow_ev_cleanup(ev);
	return rc;
}

void
mail_flow_ev_cleanup(struct mail_flow_ev *ev)
{
	free(ev->seen);
	ev->seen = NULL;
}
