/*
 * api_mail.c: the mail-flow records govsec-milter keeps (MAIL-3), for the
 * console's mail page: GET /api/mail/trace with the filters of `govsec
 * mail trace` (address, message_id, since, until: RFC 3339 or a date;
 * limit). Query arguments are untrusted and checked here or by
 * mail_flow_trace(); the records came from the network and leave as JSON
 * strings only. The router holds the store lock.
 */
#include <string.h>

#include "http/http.h"
#include "mail/mail.h"

#define MAIL_TRACE_DEFAULT 100
#define MAIL_TRACE_MAX	   1000

static int
flow_row(void *arg, struct store_row *row)
{
	static const char *const names[] = {
	    "id",	  "at",	   "hop",     "queue_id", "client",   "sender",
	    "message_id", "rcpts", "signals", "score",	  "decision", "reason"};
	json_t *o = json_object();
	char at[32];

	for (int i = 0; i < (int)ARRAY_SIZE(names); i++) {
		json_t *v;

		if (i == 1) {
			time_fmt((time_t)store_row_int(row, 1), at, sizeof(at));
			v = json_string(at);
		} else if (i == 9) {
			v = json_integer(store_row_int(row, 9));
		} else {
			v = http_jstr(store_row_text(row, i));
		}
		json_object_set_new(o, names[i], v);
	}
	return json_array_append_new(arg, o) == 0 ? 0 : -1;
}

/* An optional time argument; the end of the day for a bare date as
 * until. 0 if absent or good, -1 with 400 set. */
static int
query_time(struct http_req *r, const char *name, int end, time_t *out)
{
	const char *s = http_query(r, name);

	*out = 0;
	if (s == NULL || *s == '\0')
		return 0;
	if (time_parse(s, out) < 0) {
		http_error(r, 400,
			   "query argument '%s': '%.64s' is not a date or "
			   "RFC 3339 time",
			   name, s);
		return -1;
	}
	if (end && time_is_date(s))
		*out += 86399;
	return 0;
}

int
http_mail_trace(struct http_req *r)
{
	const char *addr = http_query(r, "address");
	const char *mid = http_query(r, "message_id");
	const char *lim = http_query(r, "limit");
	struct mail_trace_q q = {0};
	long long limit = MAIL_TRACE_DEFAULT;
	json_t *recs, *res;
	struct err e;

	if (lim != NULL && str_to_ll(lim, 1, MAIL_TRACE_MAX, &limit) < 0)
		return http_error(r, 400,
				  "query argument 'limit': '%.32s' is not an "
				  "integer from 1 to %d",
				  lim, MAIL_TRACE_MAX);
	if (query_time(r, "since", 0, &q.since) < 0 ||
	    query_time(r, "until", 1, &q.until) < 0)
		return 0;
	if (addr != NULL && *addr != '\0') {
		char norm[MAIL_ADDR_MAX];

		if (mail_addr_norm(addr, norm) < 0 || norm[0] == '\0')
			return http_error(r, 400,
					  "query argument 'address': '%.64s' "
					  "is not a mail address",
					  addr);
		q.address = addr;
	}
	if (mid != NULL && *mid != '\0') {
		if (strlen(mid) > MAIL_MSGID_MAX + 2)
			return http_error(r, 400,
					  "query argument 'message_id' is "
					  "longer than %d bytes",
					  MAIL_MSGID_MAX);
		q.message_id = mid;
	}
	q.limit = limit;
	recs = json_array();
	if (mail_flow_trace(r->ctx->st, &q, flow_row, recs, &e) < 0) {
		json_decref(recs);
		return http_internal(r, e.msg);
	}
	res = json_object();
	json_object_set_new(res, "records", recs);
	return http_json(r, 200, res);
}
