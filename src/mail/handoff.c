/*
 * handoff.c: the main smtpd's accepted envelopes waiting for the outbound
 * hop (handoff.h). A ring of HANDOFF_MAX entries: a put overwrites the
 * oldest; a take scans the ring (a 64-bit hash compared first; 4096
 * entries are a few microseconds) and takes an entry only when it is the
 * one live entry with that envelope.
 */
#include <stdlib.h>
#include <string.h>

#include "mail/handoff.h"

void
mail_handoff_init(struct mail_handoff *h)
{
	memset(h->ent, 0, sizeof(h->ent));
	h->next = 0;
	pthread_mutex_init(&h->mu, NULL);
}

static void
ent_free(struct handoff_ent *x)
{
	free(x->key);
	free(x->msgid);
	memset(x, 0, sizeof(*x));
}

void
mail_handoff_cleanup(struct mail_handoff *h)
{
	for (size_t i = 0; i < HANDOFF_MAX; i++)
		ent_free(&h->ent[i]);
	pthread_mutex_destroy(&h->mu);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int
mail_handoff_key(const struct mail_msg *m, int outside_only, struct buf *out)
{
	const char **v;
	size_t n = 0;

	buf_reset(out);
	if (m->rcpt_dropped > 0 || m->rcpt_bad > 0 || m->sender_bad ||
	    m->nrcpt == 0)
		return -1;
	v = xmalloc(m->nrcpt * sizeof(*v));
	for (size_t i = 0; i < m->nrcpt; i++)
		if (!outside_only || m->rcpt[i].external)
			v[n++] = m->rcpt[i].addr;
	if (n == 0) {
		free(v);
		return -1;
	}
	qsort(v, n, sizeof(*v), cmp_str);
	buf_addstr(out, m->sender);
	for (size_t i = 0; i < n; i++)
		if (i == 0 || strcmp(v[i], v[i - 1]) != 0) {
			buf_addch(out, '\n');
			buf_addstr(out, v[i]);
		}
	free(v);
	return out->data != NULL ? 0 : -1;
}

/* FNV-1a, never 0 (0 marks a free slot). */
static unsigned long long
key_hash(const char *s)
{
	unsigned long long x = 0xcbf29ce484222325ULL;

	for (; *s != '\0'; s++)
		x = (x ^ (unsigned char)*s) * 0x100000001b3ULL;
	return x != 0 ? x : 1;
}

void
mail_handoff_put(struct mail_handoff *h, const struct mail_msg *m,
		 const char *flow, time_t now)
{
	struct buf key = BUF_INIT(MAIL_RCPT_MAX * MAIL_ADDR_MAX * 2);
	struct handoff_ent *x;

	if (mail_handoff_key(m, 1, &key) < 0) {
		buf_cleanup(&key);
		return;
	}
	pthread_mutex_lock(&h->mu);
	x = &h->ent[h->next];
	h->next = (h->next + 1) % HANDOFF_MAX;
	ent_free(x);
	x->hash = key_hash(key.data);
	x->at = now;
	x->key = xstrdup(key.data);
	x->msgid = xstrdup(m->message_id);
	str_copy(x->flow, flow, sizeof(x->flow));
	pthread_mutex_unlock(&h->mu);
	buf_cleanup(&key);
}

/* The live entries with key (and msgid, unless NULL): how many, the last
 * in *found. Under mu. */
static size_t
find(struct mail_handoff *h, const char *key, const char *msgid, time_t now,
     struct handoff_ent **found)
{
	unsigned long long hash = key_hash(key);
	size_t n = 0;

	for (size_t i = 0; i < HANDOFF_MAX; i++) {
		struct handoff_ent *x = &h->ent[i];

		if (x->hash != hash || strcmp(x->key, key) != 0)
			continue;
		if (now - x->at > HANDOFF_TTL || now < x->at - HANDOFF_TTL) {
			ent_free(x); /* expired */
			continue;
		}
		if (msgid != NULL && strcmp(x->msgid, msgid) != 0)
			continue;
		n++;
		*found = x;
	}
	return n;
}

int
mail_handoff_take(struct mail_handoff *h, const struct mail_msg *m, time_t now,
		  char *msgid, char flow[33])
{
	struct buf key = BUF_INIT(MAIL_RCPT_MAX * MAIL_ADDR_MAX * 2);
	struct handoff_ent *x = NULL;
	int rc = 0;

	if (mail_handoff_key(m, 0, &key) < 0) {
		buf_cleanup(&key);
		return 0;
	}
	pthread_mutex_lock(&h->mu);
	if (find(h, key.data, NULL, now, &x) == 1) {
		str_copy(msgid, x->msgid, MAIL_MSGID_MAX + 1);
		str_copy(flow, x->flow, 33);
		ent_free(x);
		rc = 1;
	}
	pthread_mutex_unlock(&h->mu);
	buf_cleanup(&key);
	return rc;
}

void
mail_handoff_drop(struct mail_handoff *h, const struct mail_msg *m, time_t now)
{
	struct buf key = BUF_INIT(MAIL_RCPT_MAX * MAIL_ADDR_MAX * 2);
	struct handoff_ent *x = NULL;

	if (mail_handoff_key(m, 0, &key) < 0) {
		buf_cleanup(&key);
		return;
	}
	pthread_mutex_lock(&h->mu);
	if (find(h, key.data, m->message_id, now, &x) > 0)
		ent_free(x);
	pthread_mutex_unlock(&h->mu);
	buf_cleanup(&key);
}
