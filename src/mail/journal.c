/*
 * journal.c: govsec-milter's journal of accepted messages (journal.h).
 * One line per record, written with one write(2) to a file opened with
 * O_APPEND before the milter answers Postfix: the record then survives a
 * crash of the milter as a committed store transaction does (the store
 * runs SQLite's WAL with synchronous = NORMAL: neither is forced to the
 * disk at each message; docs/mail.md). The writer thread commits the
 * lines in batches and empties the file they were in. A journal line is
 * the milter's own output, but its fields come from what the MTA sent:
 * the parser checks every field (fuzzed: tests/fuzz/fuzz_mail_journal.c).
 *
 * A line: "g1", then tab-separated: id, at, hop, queue id, client,
 * sender, Message-ID (empty: none), recipients' text, signals, score,
 * decision, reason, roles ("ROLES:ADDR" items separated by spaces); each
 * text percent-encoded (RFC 3986 unreserved characters as they are), so
 * no field holds a tab, space or newline.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/journal.h"

#define JOURNAL_VERSION "g1"
#define JOURNAL_FIELDS	14 /* the version, 12 columns, the roles */

void
mail_journal_format(const struct mail_flow_rec *r, struct buf *out)
{
	buf_addstr(out, JOURNAL_VERSION);
	buf_printf(out, "\t%s\t%lld\t", r->id, r->at);
	buf_add_pct(out, r->hop);
	buf_addch(out, '\t');
	buf_add_pct(out, r->queue_id);
	buf_addch(out, '\t');
	buf_add_pct(out, r->client);
	buf_addch(out, '\t');
	buf_add_pct(out, r->sender);
	buf_addch(out, '\t');
	if (r->message_id != NULL)
		buf_add_pct(out, r->message_id);
	buf_addch(out, '\t');
	buf_add_pct(out, r->rcpts);
	buf_addch(out, '\t');
	buf_add_pct(out, r->signals);
	buf_printf(out, "\t%d\t", r->score);
	buf_add_pct(out, r->decision);
	buf_addch(out, '\t');
	buf_add_pct(out, r->reason);
	buf_addch(out, '\t');
	for (size_t i = 0; i < r->nroles; i++) {
		buf_printf(out, "%s%d:", i ? " " : "", r->roles[i].roles);
		buf_add_pct(out, r->roles[i].addr);
	}
	buf_addch(out, '\n');
}

/* Decodes s (NUL-terminated) in place; -1 on a bad escape or a NUL. */
static int
pct_decode(char *s)
{
	char *o = s;

	for (; *s != '\0'; s++) {
		if (*s != '%') {
			*o++ = *s;
			continue;
		}
		int a = hex_value((unsigned char)s[1]);
		int b = a >= 0 ? hex_value((unsigned char)s[2]) : -1;

		if (b < 0 || (a == 0 && b == 0))
			return -1;
		*o++ = (char)(a * 16 + b);
		s += 2;
	}
	*o = '\0';
	return 0;
}

/* Splits s at sep into at most max parts (NUL-terminating each); returns
 * how many there were (max + 1 when there were more). */
static size_t
split(char *s, char sep, char **parts, size_t max)
{
	size_t n = 0;

	for (;;) {
		char *end = strchr(s, sep);

		if (n == max)
			return max + 1;
		parts[n++] = s;
		if (end == NULL)
			return n;
		*end = '\0';
		s = end + 1;
	}
}

int
mail_journal_parse(char *line, size_t n, struct mail_flow_rec *r, struct err *e)
{
	char *f[JOURNAL_FIELDS], *items[MAIL_FLOW_ROLES_MAX];
	static const char *const decisions[] = {"accept", "reject",
						"quarantine", "discard"};
	size_t nf, ni;
	long long at, score;
	int ok = 0;

	if (n >= MAIL_JOURNAL_LINE_MAX || memchr(line, '\0', n) != NULL ||
	    line[n] != '\0') {
		err_set(e, "a line too long or with a NUL byte");
		return -1;
	}
	nf = split(line, '\t', f, JOURNAL_FIELDS);
	if (nf != JOURNAL_FIELDS || strcmp(f[0], JOURNAL_VERSION) != 0) {
		err_set(e, "not a journal line of this version (%zu fields)",
			nf);
		return -1;
	}
	for (int i = 3; i < 13; i++)
		if (pct_decode(f[i]) < 0) {
			err_set(e, "field %d: a bad %%-escape", i);
			return -1;
		}
	if (strlen(f[1]) < 8 || strlen(f[1]) > 32 ||
	    strspn(f[1], "0123456789abcdef") != strlen(f[1])) {
		err_set(e, "a bad record id");
		return -1;
	}
	if (str_to_ll(f[2], 0, 1LL << 40, &at) < 0 ||
	    str_to_ll(f[10], -100000, 100000, &score) < 0) {
		err_set(e, "a bad time or score");
		return -1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(decisions); i++)
		ok |= !strcmp(f[11], decisions[i]);
	if (!ok) {
		err_set(e, "a bad decision");
		return -1;
	}
	if (strlen(f[3]) >= sizeof(((struct mail_msg *)0)->hop) ||
	    strlen(f[4]) >= sizeof(((struct mail_msg *)0)->queue_id) ||
	    strlen(f[5]) >= sizeof(((struct mail_msg *)0)->client) ||
	    strlen(f[6]) >= MAIL_ADDR_MAX || strlen(f[7]) > MAIL_MSGID_MAX ||
	    strlen(f[9]) >= MAIL_SIGNALS_MAX) {
		err_set(e, "a field longer than the milter writes");
		return -1;
	}
	r->id = f[1];
	r->at = at;
	r->hop = f[3];
	r->queue_id = f[4];
	r->client = f[5];
	r->sender = f[6];
	r->message_id = f[7][0] != '\0' ? f[7] : NULL;
	r->rcpts = f[8];
	r->signals = f[9];
	r->score = (int)score;
	r->decision = f[11];
	r->reason = f[12];
	r->nroles = 0;
	if (f[13][0] == '\0')
		return 0;
	ni = split(f[13], ' ', items, MAIL_FLOW_ROLES_MAX);
	if (ni > MAIL_FLOW_ROLES_MAX) {
		err_set(e, "more addresses than a record has");
		return -1;
	}
	for (size_t i = 0; i < ni; i++) {
		char *colon = strchr(items[i], ':');
		long long roles;

		if (colon == NULL)
			goto bad;
		*colon = '\0';
		if (str_to_ll(items[i], 1, 7, &roles) < 0 ||
		    pct_decode(colon + 1) < 0 || colon[1] == '\0' ||
		    strlen(colon + 1) >= MAIL_ADDR_MAX)
			goto bad;
		r->roles[r->nroles].addr = colon + 1;
		r->roles[r->nroles++].roles = (int)roles;
	}
	return 0;
bad:
	err_set(e, "a bad address item");
	return -1;
}

int
mail_journal_open(struct mail_journal *j, const char *path, struct err *e)
{
	j->fd[0] = j->fd[1] = -1;
	j->active = 0;
	for (int i = 0; i < 2; i++) {
		if (str_fmt(j->path[i], sizeof(j->path[i]), "%s.%d", path, i) <
		    0) {
			err_set(e, "journal path '%.64s' is too long", path);
			goto fail;
		}
		j->fd[i] = open(j->path[i],
				O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
		if (j->fd[i] < 0) {
			err_set(e, "cannot open the journal %s: %s", j->path[i],
				strerror(errno));
			goto fail;
		}
	}
	return 0;
fail:
	mail_journal_close(j);
	return -1;
}

void
mail_journal_close(struct mail_journal *j)
{
	for (int i = 0; i < 2; i++) {
		if (j->fd[i] >= 0)
			close(j->fd[i]);
		j->fd[i] = -1;
	}
}

int
mail_journal_append(struct mail_journal *j, const char *line, size_t len,
		    struct err *e)
{
	ssize_t n = write(j->fd[j->active], line, len);

	if (n == (ssize_t)len)
		return 0;
	/* a short write leaves a line without its '\n' (dropped at replay:
	 * its message was not accepted); the next line must start afresh */
	if (n > 0 && write(j->fd[j->active], "\n", 1) < 0)
		n = -1;
	err_set(e, "cannot write the journal %s: %s", j->path[j->active],
		n < 0 ? strerror(errno) : "short write");
	return -1;
}

int
mail_journal_switch(struct mail_journal *j)
{
	int was = j->active;

	j->active ^= 1;
	return was;
}

int
mail_journal_clear(struct mail_journal *j, int i, struct err *e)
{
	if (ftruncate(j->fd[i], 0) < 0) {
		err_set(e, "cannot empty the journal %s: %s", j->path[i],
			strerror(errno));
		return -1;
	}
	return 0;
}

/* Commits the complete lines of file i; the count added, or -1. */
static long long
replay_file(struct mail_journal *j, int i, struct store *st, struct err *e)
{
	struct buf b = BUF_INIT((size_t)1 << 34);
	struct mail_flow_rec *r = xmalloc(sizeof(*r));
	long long added = 0, lineno = 0;
	char *p, *end, *nl;
	int rc = -1;

	if (buf_read_file(&b, j->path[i], e) < 0)
		goto done;
	if (b.len == 0) {
		rc = 0;
		goto done;
	}
	if (store_begin(st, e) < 0)
		goto done;
	for (p = b.data, end = b.data + b.len; p < end; p = nl + 1) {
		int put;

		nl = memchr(p, '\n', (size_t)(end - p));
		if (nl == NULL)
			break; /* torn: never acknowledged */
		*nl = '\0';
		lineno++;
		if (nl == p)
			continue; /* after a short write */
		if (mail_journal_parse(p, (size_t)(nl - p), r, e) < 0 ||
		    (put = mail_flow_put(st, r, 1, e)) < 0) {
			store_rollback(st);
			err_prefix(e, "%s:%lld", j->path[i], lineno);
			goto done;
		}
		added += put == 0;
	}
	if (store_commit(st, e) < 0)
		goto done;
	rc = 0;
done:
	free(r);
	buf_cleanup(&b);
	return rc < 0 ? -1 : added;
}

long long
mail_journal_replay(struct mail_journal *j, struct store *st, struct err *e)
{
	long long total = 0;

	for (int i = 0; i < 2; i++) {
		long long n = replay_file(j, i, st, e);

		if (n < 0)
			return -1;
		total += n;
	}
	for (int i = 0; i < 2; i++)
		if (mail_journal_clear(j, i, e) < 0)
			return -1;
	j->active = 0;
	return total;
}
