/*
 * mailpol.c: the gate's policy for mail logins (REQUIREMENTS.md SEC-3,
 * SEC-4, AUTH-3 and AUTH-4 for e-mail systems; interp. Q15). Dovecot asks
 * its authentication policy server (auth_policy_server_url) before each
 * IMAP, POP3, ManageSieve or submission login, and through Dovecot's SASL
 * Postfix's SMTP AUTH too: POST JSON to {url}?command=allow, and after
 * the password check ?command=report with "success". The gate answers
 * from the policy, networks, countries, whitelist windows, device binding
 * and lockout counters it keeps for web logins, as if the login were a
 * request for https://{[gate] mail_host}/{protocol}, and writes the same
 * audit records. docs/gate.md "Mail logins" has Dovecot's settings.
 */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "gate/internal.h"
#include "gate/wire.h"

#define MAILPOL_BODY_MAX 8192 /* Dovecot's request is a few hundred bytes */

/* Dovecot's answer: status -1 refuses, 0 lets the login go on. */
static void
answer(struct gate_req *r, int status, const char *msg)
{
	struct buf b = BUF_INIT(4096);
	json_t *o = json_pack("{s:i,s:s}", "status", status, "msg", msg);
	char *s = json_dumps(o, JSON_COMPACT);

	json_decref(o);
	buf_addstr(&b, s != NULL ? s : "{\"status\":-1,\"msg\":\"\"}");
	free(s);
	gate_req_body(r, 200, "application/json", &b);
}

struct mail_user {
	int found, bound, disabled;
	char groups[1024];
};

static int
mail_user_row(void *arg, struct store_row *row)
{
	struct mail_user *u = arg;

	u->found = 1;
	str_copy(u->groups,
		 store_row_text(row, 0) != NULL ? store_row_text(row, 0) : "",
		 sizeof(u->groups));
	u->bound = (int)store_row_int(row, 1);
	u->disabled = (int)store_row_int(row, 2);
	return 1;
}

/* The policy's decision for a login, and its counts for `check`. */
static void
decide(struct gate_server *g, const char *login, const char *groups,
       const char *ip, const char *protocol, time_t now,
       struct gate_decision *d)
{
	char path[64];
	struct gate_input in;

	str_fmt(path, sizeof(path), "/%s", protocol);
	memset(&in, 0, sizeof(in));
	in.host = g->cfg->gate_mail_host;
	in.path = path;
	in.method = "LOGIN";
	in.ip = ip;
	in.user = login;
	in.groups = groups;
	in.now = now;
	pthread_rwlock_rdlock(&g->pol_lock);
	gate_policy_decide(g->policy, g->geo, &in, d);
	__atomic_add_fetch(
	    d->action == GATE_DENY
		? &g->denies[d->rule + (d->rule < 0 ? g->nstats : 0)]
		: &g->allows[d->rule + (d->rule < 0 ? g->nstats : 0)],
	    1, __ATOMIC_RELAXED);
	pthread_rwlock_unlock(&g->pol_lock);
}

/* A login name as the portal cleans it: anything else never matches a
 * user and is still counted. */
static void
clean_login(char *s)
{
	for (char *c = s; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || strchr("._-@+", *c) != NULL))
			*c = '_';
}

int
gate_mail_login_allowed(struct gate_server *g, const char *who, const char *ip,
			const char *proto)
{
	char login[GATE_NAME_MAX + 1], object[192], after[320];
	struct gate_decision d;
	struct mail_user u = {0};
	struct err e;

	if (str_copy(login, who, sizeof(login)) < 0)
		return 0;
	clean_login(login);
	str_fmt(object, sizeof(object), "gate user '%s' from %s (%s)", login,
		ip, proto);
	if (gate_query(g,
		       "SELECT groups, bound, disabled FROM gate_users WHERE "
		       "name = ?",
		       (struct store_val[]){SV_TEXT(login)}, 1, mail_user_row,
		       &u, &e) < 0) {
		log_error("gate: mail policy: %s", e.msg);
		return -1;
	}
	decide(g, login, u.found ? u.groups : NULL, ip, proto, time_now(), &d);
	if (d.action == GATE_DENY || d.need_user) {
		str_fmt(after, sizeof(after), "rule '%s': %s", d.rule_name,
			d.reason);
		gate_audit(g, "gate", "gate.deny", object, after);
		return 0;
	}
	if (d.action == GATE_TWO_FACTOR || (u.found && u.bound) ||
	    (u.found && u.disabled)) {
		str_fmt(after, sizeof(after), "rule '%s': %s", d.rule_name,
			d.action == GATE_TWO_FACTOR
			    ? "two factors required, which mail logins cannot "
			      "give"
			: u.disabled ? "account disabled"
				     : "account is bound to approved devices");
		gate_audit(g, "gate", "gate.deny", object, after);
		return 0;
	}
	return 1;
}

void
gate_mail_policy(struct gate_req *r)
{
	struct gate_server *g = r->g;
	char cmd[16], login[GATE_NAME_MAX + 1], ip[64], proto[24], object[192];
	unsigned char addr[16];
	struct mail_user u = {0};
	json_t *in;
	json_error_t je;
	const char *s;
	time_t now = time_now();
	struct err e;
	int rc;

	if (g->cfg->gate_mail_host[0] == '\0') {
		r->status = 404; /* [gate] mail_host unset: no mail policy */
		return;
	}
	/* Dovecot is a trusted peer like nginx: a client that could reach
	 * this route could otherwise lock any account */
	if (!gate_peer_trusted(g->proxies, r->peer)) {
		r->status = 403;
		return;
	}
	if (strcmp(r->method, "POST") != 0) {
		r->status = 405;
		return;
	}
	if (gate_form_get(r->rq->query, "command", cmd, sizeof(cmd)) < 0 ||
	    (strcmp(cmd, "allow") != 0 && strcmp(cmd, "report") != 0)) {
		r->status = 400;
		return;
	}
	if (r->rq->body_len > MAILPOL_BODY_MAX ||
	    (in = json_loadb(r->body, r->rq->body_len, JSON_REJECT_DUPLICATES,
			     &je)) == NULL ||
	    !json_is_object(in)) {
		r->status = 400;
		return;
	}
	s = json_string_value(json_object_get(in, "login"));
	if (s == NULL || *s == '\0' || str_copy(login, s, sizeof(login)) < 0 ||
	    (s = json_string_value(json_object_get(in, "remote"))) == NULL ||
	    gate_addr_parse(s, addr) < 0 || str_copy(ip, s, sizeof(ip)) < 0) {
		json_decref(in);
		r->status = 400;
		return;
	}
	s = json_string_value(json_object_get(in, "protocol"));
	str_copy(proto, s != NULL && *s != '\0' ? s : "mail", sizeof(proto));
	for (char *c = proto; *c; c++)
		if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9')))
			*c = '_';
	clean_login(login);
	str_fmt(object, sizeof(object), "gate user '%s' from %s (%s)", login,
		ip, proto);
	if (strcmp(cmd, "report") == 0) {
		json_t *ok = json_object_get(in, "success");
		json_t *pr = json_object_get(in, "policy_reject");

		if (json_is_true(ok)) {
			gate_attempt_success(g, login, ip);
			gate_audit(g, "gate", "gate.login", object, "password");
		} else if (!json_is_true(pr)) {
			/* (a refusal by this policy was audited when made)
			 * names the gate does not know are counted per
			 * address, as at the portal */
			if (gate_query(g,
				       "SELECT groups, bound, disabled FROM "
				       "gate_users WHERE name = ?",
				       (struct store_val[]){SV_TEXT(login)}, 1,
				       mail_user_row, &u, &e) < 0 ||
			    u.found ||
			    auditq_count("gate", "gate.login.unknown", ip) < 0)
				gate_audit(g, "gate", "gate.login.fail", object,
					   "wrong password or unknown user");
		}
		json_decref(in);
		answer(r, 0, "");
		return;
	}
	json_decref(in);
	rc = gate_mail_login_allowed(g, login, ip, proto);
	if (rc != 1) {
		answer(r, -1,
		       rc == 0 ? "refused by the access policy"
			       : "internal error");
		return;
	}
	/* counted before the password is checked, as at the portal: of any
	 * number of parallel guesses exactly the limit is admitted */
	rc = gate_attempt_begin(g, login, ip, now);
	if (rc != 0) {
		if (rc > 0)
			gate_audit(g, "gate", "gate.login.locked", object,
				   NULL);
		answer(r, -1, rc > 0 ? "locked" : "internal error");
		return;
	}
	answer(r, 0, "");
}
