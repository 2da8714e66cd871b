/*
 * fuzz_mail_journal.c: libFuzzer harness for govsec-milter's journal
 * lines (src/mail/journal.c), read back at start-up after a crash. The
 * input is one line without its '\n'. Checks that a line that parses
 * keeps every field within what the store takes, and that formatting the
 * parsed record and parsing it again gives the same record (the journal
 * loses nothing of what it was given).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mail/journal.h"

#include "fuzz.h"

static int
same(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	       (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mail_flow_rec *r, *r2;
	struct buf out = BUF_INIT(MAIL_JOURNAL_LINE_MAX * 4);
	struct err e;
	char *s;

	if (size > 200000)
		return 0;
	s = xmalloc(size + 1);
	memcpy(s, data, size);
	s[size] = '\0';
	r = xmalloc(sizeof(*r));
	r2 = xmalloc(sizeof(*r2));
	if (mail_journal_parse(s, size, r, &e) == 0) {
		CHECK(strlen(r->hop) < 64 && strlen(r->queue_id) < 32);
		CHECK(strlen(r->sender) < MAIL_ADDR_MAX);
		CHECK(r->nroles <= MAIL_FLOW_ROLES_MAX);
		for (size_t i = 0; i < r->nroles; i++)
			CHECK(r->roles[i].roles >= 1 &&
			      r->roles[i].roles <= 7 &&
			      r->roles[i].addr[0] != '\0');
		mail_journal_format(r, &out);
		CHECK(out.len > 0 && out.data[out.len - 1] == '\n');
		CHECK(memchr(out.data, '\n', out.len - 1) == NULL);
		out.data[--out.len] = '\0';
		CHECK(mail_journal_parse(out.data, out.len, r2, &e) == 0);
		CHECK(same(r->id, r2->id) && r->at == r2->at);
		CHECK(same(r->hop, r2->hop) && same(r->queue_id, r2->queue_id));
		CHECK(same(r->client, r2->client) &&
		      same(r->sender, r2->sender));
		CHECK(same(r->message_id, r2->message_id));
		CHECK(same(r->rcpts, r2->rcpts) &&
		      same(r->signals, r2->signals));
		CHECK(r->score == r2->score && same(r->decision, r2->decision));
		CHECK(same(r->reason, r2->reason) && r->nroles == r2->nroles);
		for (size_t i = 0; i < r->nroles; i++)
			CHECK(same(r->roles[i].addr, r2->roles[i].addr) &&
			      r->roles[i].roles == r2->roles[i].roles);
	}
	buf_cleanup(&out);
	free(r2);
	free(r);
	free(s);
	return 0;
}
