/*
 * cmd_mail.c: govsec mail trace | except | prune: the mail-flow records
 * govsec-milter keeps (MAIL-3) and its forwarding exceptions (MAIL-1);
 * mail audit is cmd_mailaudit.c's.
 */
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "cli.h"
#include "mail/mail.h"

#define TRACE_USAGE                                                            \
	"govsec mail trace [--address A] [--message-id M] [--since T]\n"       \
	"                  [--until T] [--limit N] [--json]"
#define EXCEPT_USAGE                                                           \
	"govsec mail except add ADDRESS|@DOMAIN --until DATE --reason TEXT\n"  \
	"       govsec mail except list | rm ADDRESS|@DOMAIN"

struct trace_out {
	int json;
	long long n;
};

static const char *const trace_cols[] = {
    "id",	  "at",	   "hop",     "queue_id", "client",   "sender",
    "message_id", "rcpts", "signals", "score",	  "decision", "reason"};

static int
trace_row(void *arg, struct store_row *r)
{
	struct trace_out *o = arg;
	char at[32];

	time_fmt((time_t)store_row_int(r, 1), at, sizeof(at));
	if (o->json) {
		fputs(o->n ? ",\n {" : "\n {", stdout);
		for (int i = 0; i < (int)ARRAY_SIZE(trace_cols); i++) {
			printf("%s\"%s\":", i ? "," : "", trace_cols[i]);
			if (i == 1)
				str_json_put(stdout, at);
			else if (i == 9)
				printf("%lld", store_row_int(r, i));
			else
				str_json_put(stdout, store_row_text(r, i));
		}
		putchar('}');
	} else {
		const char *mid = store_row_text(r, 6);
		const char *sig = store_row_text(r, 8);
		char *s[12];

		/* what the milter stored came from the network: printed
		 * sanitized (no control characters reach the terminal) */
		for (int i = 0; i < 12; i++)
			s[i] = str_utf8_sanitize(store_row_text(r, i) != NULL
						     ? store_row_text(r, i)
						     : "");
		printf("%s  %-10s  hop %s  queue %s  flow %s\n", at, s[10],
		       s[2][0] ? s[2] : "-", s[3][0] ? s[3] : "-", s[0]);
		printf("  from <%s>  client %s\n  to %s\n", s[5],
		       s[4][0] ? s[4] : "-", s[7]);
		if (mid != NULL)
			printf("  message-id <%s>\n", s[6]);
		printf("  signals %s (score %lld): %s\n",
		       sig != NULL && sig[0] ? s[8] : "none",
		       store_row_int(r, 9), s[11]);
		for (int i = 0; i < 12; i++)
			free(s[i]);
	}
	o->n++;
	return 0;
}

/* Parses a --since/--until value; until of a bare date is the day's end. */
static int
trace_time(const char *opt, const char *s, int end, time_t *t)
{
	if (time_parse(s, t) < 0) {
		cli_error("--%s: '%s' is not a date (YYYY-MM-DD) or RFC 3339 "
			  "time",
			  opt, s);
		return -1;
	}
	if (end && time_is_date(s))
		*t += 86399;
	return 0;
}

static int
mail_trace(struct cli *c, int argc, char **argv)
{
	const char *addr = NULL, *mid = NULL, *since = NULL, *until = NULL,
		   *limit = NULL;
	int json = 0;
	const struct opt opts[] = {
	    {"address", 1, &addr, NULL}, {"message-id", 1, &mid, NULL},
	    {"since", 1, &since, NULL},	 {"until", 1, &until, NULL},
	    {"limit", 1, &limit, NULL},	 {"json", 0, NULL, &json},
	    {NULL, 0, NULL, NULL}};
	struct mail_trace_q q = {0};
	struct trace_out o = {0};
	long long n = 100;
	struct err e;

	if (cli_parse(argc, argv, opts, NULL, 0, TRACE_USAGE) < 0)
		return EXIT_USAGE;
	if (limit != NULL && str_to_ll(limit, 1, 100000, &n) < 0) {
		cli_error("--limit: '%s' is not a number in 1..100000", limit);
		return EXIT_USAGE;
	}
	if ((since != NULL && trace_time("since", since, 0, &q.since) < 0) ||
	    (until != NULL && trace_time("until", until, 1, &q.until) < 0))
		return EXIT_USAGE;
	q.address = addr;
	q.message_id = mid;
	q.limit = n;
	o.json = json || cli_json(c);
	if (cli_store(c) < 0)
		return EXIT_USAGE;
	if (o.json)
		fputs("[", stdout);
	if (mail_flow_trace(c->st, &q, trace_row, &o, &e) < 0) {
		if (o.json)
			fputs("]\n", stdout);
		cli_error("%s", e.msg);
		return EXIT_USAGE;
	}
	if (o.json)
		fputs(o.n ? "\n]\n" : "]\n", stdout);
	else if (o.n == 0)
		printf("no mail-flow records match\n");
	return 0;
}

static int
exc_row(void *arg, struct store_row *r)
{
	int json = *(int *)arg;
	char until[32], created[32];
	const char *reason = store_row_text(r, 2);
	char *rs = str_utf8_sanitize(reason != NULL ? reason : "");
	int expired = store_row_int(r, 1) <= (long long)time_now();

	time_fmt((time_t)store_row_int(r, 1), until, sizeof(until));
	time_fmt((time_t)store_row_int(r, 3), created, sizeof(created));
	if (json) {
		printf("{\"address\":");
		str_json_put(stdout, store_row_text(r, 0));
		printf(",\"until\":\"%s\",\"expired\":%s,\"reason\":", until,
		       expired ? "true" : "false");
		str_json_put(stdout, reason);
		printf(",\"created\":\"%s\",\"created_by\":", created);
		str_json_put(stdout, store_row_text(r, 4));
		puts("}");
	} else {
		printf("%s  until %s%s  %s (%s, %s)\n", store_row_text(r, 0),
		       until, expired ? " (expired)" : "", rs,
		       store_row_text(r, 4), created);
	}
	free(rs);
	return 0;
}

static int
mail_except(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;

	if (!strcmp(verb, "add")) {
		const char *until = NULL, *reason = NULL, *pos[1];
		const struct opt opts[] = {{"until", 1, &until, NULL},
					   {"reason", 1, &reason, NULL},
					   {NULL, 0, NULL, NULL}};
		time_t t;

		if (cli_parse(argc - 1, argv + 1, opts, pos, 1, EXCEPT_USAGE) !=
			1 ||
		    until == NULL || reason == NULL || reason[0] == '\0') {
			cli_error("usage: %s", EXCEPT_USAGE);
			return EXIT_USAGE;
		}
		if (trace_time("until", until, 0, &t) < 0)
			return EXIT_USAGE;
		if (time_is_date(until))
			t += 86400; /* through that day */
		if (t <= time_now()) {
			cli_error("--until: '%s' is already past", until);
			return EXIT_USAGE;
		}
		if (strlen(reason) > 500 ||
		    !str_utf8_valid(reason, strlen(reason))) {
			cli_error("--reason: at most 500 bytes of UTF-8 text");
			return EXIT_USAGE;
		}
		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (mail_exc_add(c->st, pos[0], t, reason, c->actor, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("exception for %s until %s added\n", pos[0], until);
		return 0;
	}
	if (!strcmp(verb, "list") && argc == 2) {
		int json = cli_json(c);

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		if (mail_exc_list(c->st, exc_row, &json, &e) < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		return 0;
	}
	if (!strcmp(verb, "rm") && argc == 3) {
		int rc;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		rc = mail_exc_rm(c->st, argv[2], c->actor, &e);
		if (rc < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		if (rc > 0) {
			cli_error("no exception for '%s'", argv[2]);
			return EXIT_FINDINGS;
		}
		printf("exception for %s removed\n", argv[2]);
		return 0;
	}
	cli_error("usage: %s", EXCEPT_USAGE);
	return EXIT_USAGE;
}

int
cmd_mail(struct cli *c, int argc, char **argv)
{
	const char *verb = argc > 1 ? argv[1] : "";
	struct err e;

	if (!strcmp(verb, "trace"))
		return mail_trace(c, argc - 1, argv + 1);
	if (!strcmp(verb, "except"))
		return mail_except(c, argc - 1, argv + 1);
	if (!strcmp(verb, "audit"))
		return cmd_mail_audit(c, argc - 1, argv + 1);
	if (!strcmp(verb, "prune") && argc == 2) {
		long long n;
		int days;

		if (cli_store(c) < 0)
			return EXIT_USAGE;
		days = audit_retention(c->st);
		if (days < AUDIT_MIN_RETENTION)
			days = AUDIT_MIN_RETENTION; /* as mail_flow_prune */
		n = mail_flow_prune(c->st, days, c->actor, &e);
		if (n < 0) {
			cli_error("%s", e.msg);
			return EXIT_USAGE;
		}
		printf("pruned %lld mail-flow records older than %d days\n", n,
		       days);
		return 0;
	}
	cli_error("usage: govsec mail trace ... | except ... | prune | "
		  "audit ... (govsec mail --help)");
	return EXIT_USAGE;
}
