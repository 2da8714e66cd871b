/*
 * test_mail_journal.c: unit tests of govsec-milter's journal of accepted
 * messages (src/mail/journal.c): a record made from a message (with the
 * bytes an MTA may send: spaces, '%', quotes, no Message-ID) formats into
 * one line and parses back the same; bad lines are refused with a reason;
 * the start-up replay commits complete lines to a real store (a record
 * already stored is not written twice, a torn last line is dropped, the
 * files are emptied) and keeps the files when a line does not parse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "testutil.h"

#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mail/journal.h"

#define NOW 1719792000 /* 2024-07-01T00:00:00Z */

static char tmpdir[4096];

static void
policy(struct mail_policy *p)
{
	struct err e;

	mail_policy_init(p);
	if (mail_policy_add_domains(p, "gov.test", &e) < 0)
		fail_msg("%s", e.msg);
}

/* A message from sender to "addr|orcpt" recipients, judged. */
static void
msg(struct mail_msg *m, struct mail_verdict *v, const char *sender,
    const char *rcpt, const char *orcpt_param, const char *msgid)
{
	struct mail_policy p;
	char param[128], *params[] = {param, NULL};

	str_copy(param, orcpt_param != NULL ? orcpt_param : "", sizeof(param));
	policy(&p);
	mail_msg_init(m);
	str_copy(m->hop, "govsec-outbound", sizeof(m->hop));
	str_copy(m->client, "127.0.0.1", sizeof(m->client));
	str_copy(m->queue_id, "4ABC%12", sizeof(m->queue_id));
	mail_msg_sender(m, sender, NULL);
	assert_int_equal(
	    mail_msg_rcpt(m, &p, rcpt, orcpt_param != NULL ? params : NULL), 0);
	if (msgid != NULL)
		mail_msg_header(m, "Message-ID", msgid);
	mail_judge(&p, m, NOW, v);
	mail_policy_cleanup(&p);
}

static void
same_rec(const struct mail_flow_rec *a, const struct mail_flow_rec *b)
{
	assert_string_equal(a->id, b->id);
	assert_int_equal(a->at, b->at);
	assert_string_equal(a->hop, b->hop);
	assert_string_equal(a->queue_id, b->queue_id);
	assert_string_equal(a->client, b->client);
	assert_string_equal(a->sender, b->sender);
	if (a->message_id == NULL)
		assert_null(b->message_id);
	else
		assert_string_equal(a->message_id, b->message_id);
	assert_string_equal(a->rcpts, b->rcpts);
	assert_string_equal(a->signals, b->signals);
	assert_int_equal(a->score, b->score);
	assert_string_equal(a->decision, b->decision);
	assert_string_equal(a->reason, b->reason);
	assert_int_equal(a->nroles, b->nroles);
	for (size_t i = 0; i < a->nroles; i++) {
		assert_string_equal(a->roles[i].addr, b->roles[i].addr);
		assert_int_equal(a->roles[i].roles, b->roles[i].roles);
	}
}

/* Formats m's record; the line (with its '\n') is left in line. */
static void
make_line(const struct mail_msg *m, const struct mail_verdict *v, char id[33],
	  struct buf *rcpts, struct mail_flow_rec *r, struct buf *line)
{
	struct err e;

	if (mail_flow_id(NOW, NULL, id, &e) < 0)
		fail_msg("%s", e.msg);
	mail_flow_make(m, v, NOW, id, rcpts, r);
	buf_reset(line);
	mail_journal_format(r, line);
}

static void
test_roundtrip(void **state)
{
	struct buf rcpts = BUF_INIT(1 << 20), line = BUF_INIT(1 << 20);
	struct mail_flow_rec *r = malloc(sizeof(*r)), *r2 = malloc(sizeof(*r2));
	struct mail_verdict v;
	struct mail_msg m;
	struct err e;
	char id[33];

	(void)state;
	msg(&m, &v, "<\"a b%c\"@out.test>", "<y@out.test>",
	    "ORCPT=rfc822;alice@gov.test", " <m 1%41\t@x> ");
	make_line(&m, &v, id, &rcpts, r, &line);
	assert_string_equal(r->decision, "quarantine");
	/* one line: no tab, space or newline inside a field */
	assert_int_equal(line.data[line.len - 1], '\n');
	assert_null(memchr(line.data, '\n', line.len - 1));
	/* spaces only between the address items of the last field */
	assert_true(strchr(line.data, ' ') > strrchr(line.data, '\t'));
	line.data[--line.len] = '\0';
	if (mail_journal_parse(line.data, line.len, r2, &e) < 0)
		fail_msg("%s", e.msg);
	same_rec(r, r2);
	assert_int_equal(r2->nroles, 3); /* sender, rcpt, orcpt */
	mail_msg_cleanup(&m);

	msg(&m, &v, "<>", "<alice@gov.test>", NULL, NULL);
	make_line(&m, &v, id, &rcpts, r, &line);
	assert_null(r->message_id);
	line.data[--line.len] = '\0';
	assert_int_equal(mail_journal_parse(line.data, line.len, r2, &e), 0);
	same_rec(r, r2);
	assert_int_equal(r2->nroles, 1); /* the null sender has no row */
	mail_msg_cleanup(&m);
	buf_cleanup(&rcpts);
	buf_cleanup(&line);
	free(r);
	free(r2);
}

static void
bad(const char *text, const char *why)
{
	struct mail_flow_rec *r = malloc(sizeof(*r));
	char *s = strdup(text);
	struct err e;

	assert_int_equal(mail_journal_parse(s, strlen(s), r, &e), -1);
	if (strstr(e.msg, why) == NULL)
		fail_msg("'%s': '%s' has no '%s'", text, e.msg, why);
	free(s);
	free(r);
}

#define GOOD_HEAD "g1\t0123456789abcdef\t1719792000\th\tq\tc\ts%40gov.test\t"

static void
test_bad_lines(void **state)
{
	(void)state;
	bad("", "version");
	bad("g2\tx", "version");
	bad(GOOD_HEAD "\t\t\t0\taccept\tr", "version"); /* 13 fields */
	bad(GOOD_HEAD "\t\t\t0\taccept\tr\t\tmore", "version");
	bad("g1\tXYZ\t1\th\tq\tc\ts\t\t\t\t0\taccept\tr\t", "id");
	bad("g1\t0123456789abcdef\tsoon\th\tq\tc\ts\t\t\t\t0\taccept\tr\t",
	    "time");
	bad(GOOD_HEAD "\t\t\t0\tmaybe\tr\t", "decision");
	bad(GOOD_HEAD "m%0\t\t\t0\taccept\tr\t", "escape");
	bad(GOOD_HEAD "m%00x\t\t\t0\taccept\tr\t", "escape");
	bad(GOOD_HEAD "\t\t\t0\taccept\tr\t9:a%40b", "address item");
	bad(GOOD_HEAD "\t\t\t0\taccept\tr\t1:", "address item");
	bad(GOOD_HEAD "\t\t\t0\taccept\tr\t1a%40b", "address item");
}

static void
write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static off_t
file_size(const char *path)
{
	struct stat sb;

	assert_int_equal(stat(path, &sb), 0);
	return sb.st_size;
}

static long long
count(struct store *st, const char *sql)
{
	return store_query_int(st, sql, NULL, 0, -1);
}

static void
test_replay(void **state)
{
	struct buf rcpts = BUF_INIT(1 << 20), l1 = BUF_INIT(1 << 20),
		   l2 = BUF_INIT(1 << 20), text = BUF_INIT(1 << 22);
	struct mail_flow_rec *r = malloc(sizeof(*r));
	struct mail_journal j;
	struct mail_verdict v;
	struct mail_msg m;
	struct store *st;
	struct err e;
	char path[4200], db[4200], id1[33], id2[33];

	(void)state;
	assert_int_equal(tu_mkdtemp(tmpdir, sizeof(tmpdir), "test_journal"), 0);
	str_fmt(db, sizeof(db), "%s/db.sqlite", tmpdir);
	st = store_open(tu_store(db), &e);
	assert_non_null(st);
	assert_int_equal(store_migrate(st, &e), 0);
	msg(&m, &v, "<alice@gov.test>", "<x@out.test>", NULL, "<a@gov.test>");
	make_line(&m, &v, id1, &rcpts, r, &l1);
	/* the first is in the store already (committed, not yet cleared) */
	assert_int_equal(store_begin(st, &e), 0);
	assert_int_equal(mail_flow_put(st, r, 0, &e), 0);
	assert_int_equal(store_commit(st, &e), 0);
	mail_msg_cleanup(&m);
	msg(&m, &v, "<bob@gov.test>", "<y@out.test>", NULL, NULL);
	make_line(&m, &v, id2, &rcpts, r, &l2);
	mail_msg_cleanup(&m);
	assert_string_not_equal(id1, id2);

	str_fmt(path, sizeof(path), "%s/j", tmpdir);
	assert_int_equal(mail_journal_open(&j, path, &e), 0);
	/* file 0: the stored one, the new one, a torn line; file 1: the
	 * new one again (a crash between a commit and the clearing) */
	buf_addstr(&text, l1.data);
	buf_addstr(&text, l2.data);
	buf_add(&text, l2.data, l2.len / 2);
	write_file(j.path[0], text.data);
	write_file(j.path[1], l2.data);
	assert_int_equal(mail_journal_replay(&j, st, &e), 1);
	assert_int_equal(count(st, "SELECT count(*) FROM mail_flow"), 2);
	assert_int_equal(count(st, "SELECT count(*) FROM mail_flow_addr"), 4);
	assert_int_equal(file_size(j.path[0]), 0);
	assert_int_equal(file_size(j.path[1]), 0);

	/* appends go to the active file; a switch hands back the other */
	assert_int_equal(mail_journal_append(&j, l1.data, l1.len, &e), 0);
	assert_int_equal(mail_journal_switch(&j), 0);
	assert_int_equal(file_size(j.path[0]), (off_t)l1.len);
	assert_int_equal(mail_journal_clear(&j, 0, &e), 0);
	assert_int_equal(file_size(j.path[0]), 0);

	/* a line that does not parse: nothing committed, files kept */
	write_file(j.path[1], "g1\tbad\n");
	assert_int_equal(mail_journal_replay(&j, st, &e), -1);
	assert_non_null(strstr(e.msg, "j.1:1"));
	assert_int_equal(file_size(j.path[1]), 7);
	mail_journal_close(&j);
	store_free(st);
	tu_rmdir(tmpdir);
	buf_cleanup(&rcpts);
	buf_cleanup(&l1);
	buf_cleanup(&l2);
	buf_cleanup(&text);
	free(r);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_bad_lines),
	    cmocka_unit_test(test_replay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
