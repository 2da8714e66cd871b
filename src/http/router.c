/*
 * router.c: the route table of the console (method, path pattern, handler,
 * roles admitted, scope policy), dispatch with Host, session, role, scope
 * and CSRF checks, and the response helpers every handler uses, including
 * the JSON error body of docs/api.md. The method, path, headers, query and
 * body are untrusted.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <microhttpd.h>

#include "http/http.h"
#include "registry/registry.h"

#define ERROR_MSG_MAX 1024

/*
 * Patterns are matched segment by segment: "*" is any non-empty segment,
 * "{kind}" a registry kind ("units", ...), "**" the rest of the path. Both
 * capture into r->arg in order. The first route whose method and pattern
 * match wins; a pattern that matches with another method gives 405.
 */
struct route {
	const char *method;
	const char *pattern;
	http_handler fn;
	unsigned roles;		/* 0: no session needed */
	enum route_scope scope; /* how it keeps to a scoped account's units */
};

static const struct route routes[] = {
    {"POST", "/api/login", http_login, 0, RS_OPEN},
    {"POST", "/api/login/code", http_login_code, 0, RS_OPEN}, /* own session */
    {"POST", "/api/password", http_password, 0, RS_OPEN},     /* own session */
    {"POST", "/api/login/key/begin", http_login_key_begin, 0, RS_OPEN},
    {"POST", "/api/login/key/finish", http_login_key_finish, 0, RS_OPEN},
    {"GET", "/api/keys", http_keys, ROLES_ANY, RS_OPEN},
    {"POST", "/api/keys/begin", http_key_begin, ROLES_ANY, RS_OPEN},
    {"POST", "/api/keys/finish", http_key_finish, ROLES_ANY, RS_OPEN},
    {"DELETE", "/api/keys/*", http_key_delete, ROLES_ANY, RS_OPEN},
    {"POST", "/api/logout", http_logout, ROLES_ANY, RS_OPEN},
    {"GET", "/api/me", http_me, ROLES_ANY, RS_OPEN},
    {"GET", "/api/findings", http_findings, ROLES_ANY, RS_UNITS},
    {"POST", "/api/findings/ack", http_findings_ack, ROLES_WRITE, RS_UNITS},
    {"GET", "/api/dashboard", http_dashboard, ROLES_ANY, RS_UNITS},
    {"GET", "/api/rules", http_rules, ROLES_ANY, RS_OPEN},
    {"GET", "/api/audit", http_audit_list, ROLES_AUDIT, RS_UNITS},
    {"GET", "/api/audit/verify", http_audit_verify, ROLES_AUDIT, RS_GLOBAL},
    {"GET", "/api/mail/trace", http_mail_trace, ROLES_AUDIT, RS_GLOBAL},
    {"GET", "/api/gate/policy", http_gate_policy_get, ROLES_ANY, RS_GLOBAL},
    {"PUT", "/api/gate/policy", http_gate_policy_put, ROLE_ADMIN, RS_GLOBAL},
    {"GET", "/api/gate/users", http_gate_users, ROLES_ANY, RS_GLOBAL},
    {"POST", "/api/gate/users/*/revoke", http_gate_revoke, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/invite", http_gate_invite, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/bind", http_gate_user_bind, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/unbind", http_gate_user_unbind, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/disable", http_gate_user_disable, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/enable", http_gate_user_enable, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/users/*/password", http_gate_user_password, ROLE_ADMIN,
     RS_GLOBAL},
    {"DELETE", "/api/gate/users/*", http_gate_user_delete, ROLE_ADMIN,
     RS_GLOBAL},
    {"GET", "/api/gate/keys", http_gate_keys, ROLES_ANY, RS_GLOBAL},
    {"DELETE", "/api/gate/keys/*", http_gate_key_remove, ROLE_ADMIN, RS_GLOBAL},
    {"GET", "/api/gate/devices", http_gate_devices, ROLES_ANY, RS_GLOBAL},
    {"POST", "/api/gate/devices/*/approve", http_gate_approve, ROLE_ADMIN,
     RS_GLOBAL},
    {"POST", "/api/gate/devices/*/unapprove", http_gate_unapprove, ROLE_ADMIN,
     RS_GLOBAL},
    {"DELETE", "/api/gate/devices/*", http_gate_device_delete, ROLE_ADMIN,
     RS_GLOBAL},
    {"GET", "/api/gate/lockouts", http_gate_lockouts, ROLES_ANY, RS_GLOBAL},
    {"DELETE", "/api/gate/lockouts/*", http_gate_unlock, ROLE_ADMIN, RS_GLOBAL},
    {"GET", "/api/gate/sessions", http_gate_sessions, ROLES_ANY, RS_GLOBAL},
    {"DELETE", "/api/gate/sessions/*", http_gate_session_revoke, ROLE_ADMIN,
     RS_GLOBAL},
    {"GET", "/api/gate/stats", http_gate_stats, ROLES_ANY, RS_GLOBAL},
    {"GET", "/api/gate/decisions", http_gate_decisions, ROLES_AUDIT, RS_GLOBAL},
    {"GET", "/api/inspections", http_inspections, ROLES_ANY, RS_UNITS},
    {"GET", "/api/inspections/*", http_inspection, ROLES_ANY, RS_UNITS},
    {"GET", "/api/inspections/*/links", http_inspection_links, ROLES_ANY,
     RS_UNITS},
    {"GET", "/api/inspections/*/diff", http_inspection_diff, ROLES_ANY,
     RS_UNITS},
    {"GET", "/api/inspection-jobs", http_inspect_jobs, ROLES_ANY, RS_UNITS},
    {"POST", "/api/inspection-jobs", http_inspect_job_start, ROLES_WRITE,
     RS_UNITS},
    {"GET", "/api/inspection-jobs/*", http_inspect_job, ROLES_ANY, RS_UNITS},
    {"POST", "/api/inspection-jobs/*/cancel", http_inspect_job_cancel,
     ROLES_WRITE, RS_UNITS},
    {"GET", "/api/attestations", http_attestations, ROLES_ANY, RS_UNITS},
    {"POST", "/api/attestations", http_attest_post, ROLES_WRITE, RS_UNITS},
    {"DELETE", "/api/attestations/*", http_attest_revoke, ROLES_WRITE,
     RS_UNITS},
    /* e-certificates (api_ecert_admin.c): the issuer decides and issues */
    {"GET", "/api/ecert/certificates", http_ecert_certs, ROLES_ANY, RS_UNITS},
    {"POST", "/api/ecert/certificates", http_ecert_cert_issue, ROLE_ISSUER,
     RS_UNITS},
    {"GET", "/api/ecert/certificates/*", http_ecert_cert, ROLES_ANY, RS_UNITS},
    {"POST", "/api/ecert/certificates/*/revoke", http_ecert_cert_revoke,
     ROLE_ISSUER, RS_UNITS},
    {"GET", "/api/ecert/names", http_ecert_names, ROLES_ANY, RS_UNITS},
    {"POST", "/api/ecert/names", http_ecert_name_apply,
     ROLES_WRITE | ROLE_ISSUER, RS_UNITS},
    {"POST", "/api/ecert/names/*/approve", http_ecert_name_decide, ROLE_ISSUER,
     RS_UNITS},
    {"POST", "/api/ecert/names/*/reject", http_ecert_name_decide, ROLE_ISSUER,
     RS_UNITS},
    {"GET", "/api/ecert/logos", http_ecert_logos, ROLES_ANY, RS_UNITS},
    {"POST", "/api/ecert/logos", http_ecert_logo_issue, ROLE_ISSUER, RS_UNITS},
    {"GET", "/api/ecert/logos/*/svg", http_ecert_logo_svg, ROLES_ANY, RS_UNITS},
    {"POST", "/api/ecert/logos/*/revoke", http_ecert_logo_revoke, ROLE_ISSUER,
     RS_UNITS},
    {"GET", "/api/ecert/operators", http_ecert_operators, ROLES_ANY, RS_GLOBAL},
    {"POST", "/api/ecert/operators", http_ecert_operator_add, ROLE_ISSUER,
     RS_GLOBAL},
    {"POST", "/api/ecert/operators/*/keys", http_ecert_operator_key,
     ROLE_ISSUER, RS_GLOBAL},
    {"POST", "/api/ecert/operators/*/disable", http_ecert_operator_disable,
     ROLE_ISSUER, RS_GLOBAL},
    {"POST", "/api/ecert/keys/*/revoke", http_ecert_key_revoke, ROLE_ISSUER,
     RS_GLOBAL},
    {"GET", "/api/ecert/tlog/*", http_ecert_tlog, ROLES_ANY, RS_GLOBAL},
    {"GET", "/api/counterfeit/hits", http_cf_hits, ROLES_ANY, RS_GLOBAL},
    {"GET", "/api/counterfeit/scans", http_cf_scans, ROLES_ANY, RS_GLOBAL},
    {"GET", "/api/counterfeit/cases", http_cf_cases, ROLES_ANY, RS_GLOBAL},
    {"POST", "/api/counterfeit/cases", http_cf_case_open, ROLES_WRITE,
     RS_GLOBAL},
    {"GET", "/api/counterfeit/cases/*", http_cf_case, ROLES_ANY, RS_GLOBAL},
    {"POST", "/api/counterfeit/cases/*/*", http_cf_case_step, ROLES_WRITE,
     RS_GLOBAL},
    {"GET", "/api/counterfeit/complaints", http_cf_complaints, ROLES_ANY,
     RS_GLOBAL},
    {"GET", "/api/counterfeit/takedown", http_cf_takedown, ROLES_ANY,
     RS_GLOBAL},
    {"GET", "/api/counterfeit/notices/*", http_cf_notice, ROLES_ANY, RS_GLOBAL},
    {"GET", "/api/{kind}", http_registry_list, ROLES_ANY, RS_UNITS},
    {"POST", "/api/{kind}", http_registry_post, ROLES_WRITE, RS_UNITS},
    {"GET", "/api/{kind}/*", http_registry_get, ROLES_ANY, RS_UNITS},
    {"PUT", "/api/{kind}/*", http_registry_put, ROLES_WRITE, RS_UNITS},
    {"DELETE", "/api/{kind}/*", http_registry_delete, ROLES_WRITE, RS_UNITS},
    {"GET", "/**", http_static, 0, RS_OPEN},
};

/* The public listener: pages for everyone and the operators' verification
 * service (API keys, no sessions; its own store connection). */
static const struct route public_routes[] = {
    {"GET", "/leave", http_leave, 0, RS_OPEN},
    {"GET", "/v1/ca", http_v1_ca, 0, RS_OPEN},
    {"GET", "/v1/crl", http_v1_crl, 0, RS_OPEN},
    {"POST", "/v1/challenge", http_v1_challenge, 0, RS_OPEN},
    {"POST", "/v1/verify", http_v1_verify, 0, RS_OPEN},
    {"GET", "/v1/tlog/*", http_v1_tlog, 0, RS_OPEN},
    {"GET", "/v1/logo/*", http_v1_logo, 0, RS_OPEN},
    {"GET", "/complaint", http_cf_form, 0, RS_OPEN},
    {"GET", "/complaint.js", http_cf_form_js, 0, RS_OPEN},
    {"GET", "/complaint/track", http_cf_track_page, 0, RS_OPEN},
    {"POST", "/v1/complaints/challenge", http_cf_challenge, 0, RS_OPEN},
    {"POST", "/v1/complaints", http_cf_complaint_post, 0, RS_OPEN},
    {"GET", "/v1/complaints/status", http_cf_complaint_status, 0, RS_OPEN},
    /* the warning page of stopped names (any other path) */
    {"GET", "/**", http_cf_warning, 0, RS_OPEN},
};

static const struct {
	int status;
	const char *code;
} codes[] = {
    {400, "bad_request"},
    {401, "unauthenticated"},
    {403, "forbidden"},
    {404, "not_found"},
    {405, "method_not_allowed"},
    {409, "conflict"},
    {413, "too_large"},
    {415, "unsupported_media_type"},
    {421, "misdirected"},
    {422, "invalid"},
    {429, "locked"},
    {500, "internal"},
    {503, "unavailable"},
};

static const struct {
	const char *name;
	unsigned bit;
} roles[] = {
    {"viewer", ROLE_VIEWER},   {"operator", ROLE_OPERATOR},
    {"auditor", ROLE_AUDITOR}, {"admin", ROLE_ADMIN},
    {"issuer", ROLE_ISSUER},
};

unsigned
http_role_bit(const char *role)
{
	if (role == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(roles); i++)
		if (strcmp(roles[i].name, role) == 0)
			return roles[i].bit;
	return 0;
}

json_t *
http_jstr(const char *s)
{
	json_t *j;

	if (s == NULL)
		return json_null();
	j = json_string(s);
	return j != NULL ? j : json_null();
}

static void
set_out(struct http_req *r, int status, const char *ctype, char *out,
	size_t len)
{
	free(r->out);
	r->status = status;
	r->ctype = ctype;
	r->out = out;
	r->out_len = len;
}

int
http_json(struct http_req *r, int status, json_t *o)
{
	char *s;

	if (o == NULL)
		return -1;
	s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return -1;
	set_out(r, status, "application/json; charset=utf-8", s, strlen(s));
	return 0;
}

int
http_empty(struct http_req *r, int status)
{
	set_out(r, status, NULL, NULL, 0);
	return 0;
}

static const char *
status_code(int status)
{
	for (size_t i = 0; i < ARRAY_SIZE(codes); i++)
		if (codes[i].status == status)
			return codes[i].code;
	return "error";
}

int
http_error(struct http_req *r, int status, const char *fmt, ...)
{
	char msg[ERROR_MSG_MAX];
	json_t *o, *inner;
	va_list ap;

	va_start(ap, fmt);
	if (vsnprintf(msg, sizeof(msg), fmt, ap) < 0)
		msg[0] = '\0';
	va_end(ap);
	if (!str_utf8_valid(msg, strlen(msg)))
		str_copy(msg, "(message not valid UTF-8)", sizeof(msg));
	inner = json_object();
	json_object_set_new(inner, "status", json_integer(status));
	json_object_set_new(inner, "code", json_string(status_code(status)));
	json_object_set_new(inner, "message", http_jstr(msg));
	o = json_object();
	json_object_set_new(o, "error", inner);
	if (http_json(r, status, o) < 0) {
		/* Only out of memory gets here; answer without a body. */
		set_out(r, status, NULL, NULL, 0);
	}
	return 0;
}

int
http_internal(struct http_req *r, const char *what)
{
	log_error("%s %s: %s", r->method, r->path, what);
	return http_error(r, 500, "internal error");
}

void
http_header_add(struct http_req *r, const char *name, const char *value)
{
	struct http_hdr *h = arena_alloc(&r->arena, sizeof(*h));

	h->name = arena_strdup(&r->arena, name);
	h->value = arena_strdup(&r->arena, value);
	h->next = r->hdrs;
	r->hdrs = h;
}

const char *
http_req_header(struct http_req *r, const char *name)
{
	if (r->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

const char *
http_query(struct http_req *r, const char *name)
{
	if (r->conn == NULL)
		return NULL;
	return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND,
					   name);
}

/* 1 if the Content-Type names application/json (parameters allowed). */
static int
is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL)
		return 0;
	while (*ct == ' ' || *ct == '\t')
		ct++;
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

int
http_body_object(struct http_req *r, json_t **out)
{
	json_error_t je;
	json_t *o;

	*out = NULL;
	if (!is_json_type(http_req_header(r, "Content-Type"))) {
		http_error(r, 415,
			   "the request body must be JSON with Content-Type "
			   "application/json");
		return -1;
	}
	if (r->body_len == 0) {
		http_error(r, 400,
			   "the request body is empty; expected a "
			   "JSON object");
		return -1;
	}
	o = json_loadb(r->body, r->body_len, JSON_REJECT_DUPLICATES, &je);
	if (o == NULL) {
		http_error(r, 400, "malformed JSON at line %d column %d: %s",
			   je.line, je.column, je.text);
		return -1;
	}
	if (!json_is_object(o)) {
		json_decref(o);
		http_error(r, 400, "expected a JSON object");
		return -1;
	}
	*out = o;
	return 0;
}

int
http_body_known(struct http_req *r, json_t *o, const char *const *known,
		size_t n)
{
	const char *key;
	json_t *v;

	json_object_foreach(o, key, v)
	{
		size_t i;

		for (i = 0; i < n; i++)
			if (strcmp(key, known[i]) == 0)
				break;
		if (i == n) {
			http_error(r, 422, "$.%s: unknown field", key);
			return -1;
		}
	}
	return 0;
}

const char *
http_body_str(struct http_req *r, json_t *o, const char *name, int required,
	      int *bad)
{
	json_t *v = json_object_get(o, name);

	if (v == NULL && !required)
		return NULL;
	if (!json_is_string(v)) {
		http_error(r, 422, "$.%s: %s", name,
			   v == NULL ? "missing required field"
				     : "expected a string");
		*bad = 1;
		return NULL;
	}
	return json_string_value(v);
}

void
http_lock(struct http_req *r)
{
	if (!r->locked) {
		pthread_mutex_lock(&r->ctx->lock);
		r->locked = 1;
	}
}

void
http_unlock(struct http_req *r)
{
	if (r->locked) {
		r->locked = 0;
		pthread_mutex_unlock(&r->ctx->lock);
	}
}

static int
is_kind(const char *seg)
{
	const struct entity *ent = reg_entity(seg);

	return ent != NULL && ent->plural != NULL &&
	       strcmp(ent->plural, seg) == 0;
}

/* 1 if path matches pattern; captures go to arg (at most two). */
static int
match(struct http_req *r, const char *pattern, const char *path,
      const char *arg[2])
{
	int n = 0;

	arg[0] = arg[1] = NULL;
	while (*pattern == '/' && *path == '/') {
		const char *pe, *se;
		size_t plen, slen;

		pattern++;
		path++;
		pe = strchr(pattern, '/');
		se = strchr(path, '/');
		if (pe == NULL)
			pe = pattern + strlen(pattern);
		if (se == NULL)
			se = path + strlen(path);
		plen = (size_t)(pe - pattern);
		slen = (size_t)(se - path);
		if (plen == 2 && memcmp(pattern, "**", 2) == 0)
			return 1;
		if (slen == 0)
			return 0;
		if ((plen == 1 && *pattern == '*') ||
		    (plen == 6 && memcmp(pattern, "{kind}", 6) == 0)) {
			char *seg = arena_alloc(&r->arena, slen + 1);

			memcpy(seg, path, slen);
			if (*pattern == '{' && !is_kind(seg))
				return 0;
			if (n < 2)
				arg[n++] = seg;
		} else if (plen != slen || memcmp(pattern, path, slen) != 0)
			return 0;
		pattern = pe;
		path = se;
	}
	return *pattern == '\0' && *path == '\0';
}

static int
is_api(const char *path)
{
	return strcmp(path, "/api") == 0 || str_starts(path, "/api/");
}

static int
method_is(const char *want, const char *method)
{
	if (strcmp(want, method) == 0)
		return 1;
	return strcmp(want, "GET") == 0 && strcmp(method, "HEAD") == 0;
}

/* Finds the route; NULL with a 404 or 405 response set if none. */
static const struct route *
find_route(struct http_req *r)
{
	char allow[64] = "";
	int api = is_api(r->path);
	int pub = r->ctx->role == HTTP_PUBLIC;
	const struct route *table = pub ? public_routes : routes;
	size_t nroutes = pub ? ARRAY_SIZE(public_routes) : ARRAY_SIZE(routes);

	for (size_t i = 0; i < nroutes; i++) {
		const struct route *rt = &table[i];
		const char *arg[2];

		if (api && strcmp(rt->pattern, "/**") == 0)
			continue;
		if (!match(r, rt->pattern, r->path, arg))
			continue;
		if (method_is(rt->method, r->method)) {
			r->arg[0] = arg[0];
			r->arg[1] = arg[1];
			return rt;
		}
		if (strstr(allow, rt->method) == NULL) {
			size_t n = strlen(allow);

			str_fmt(allow + n, sizeof(allow) - n, "%s%s",
				n ? ", " : "", rt->method);
		}
	}
	if (allow[0] != '\0') {
		http_header_add(r, "Allow", allow);
		http_error(r, 405,
			   "method %s is not allowed on '%s' (allowed: %s)",
			   r->method, r->path, allow);
	} else
		http_error(r, 404, "no such resource '%s'", r->path);
	return NULL;
}

/* 1 if p is empty or ":" and a port number. */
static int
port_ok(const char *p)
{
	size_t n;

	if (*p == '\0')
		return 1;
	n = strspn(p + 1, "0123456789");
	return p[0] == ':' && n >= 1 && n <= 5 && p[1 + n] == '\0';
}

/*
 * 1 if host, a Host header, names the console: localhost, a numeric
 * address, or one of [console] hosts (separated by commas or spaces). A
 * port is ignored; case and a trailing dot do not matter. A page served
 * under another name (DNS rebinding) sends that name and is refused.
 */
static int
host_allowed(const struct config *cfg, const char *host)
{
	char name[256];
	const char *end, *p;
	struct in6_addr a6;
	struct in_addr a4;
	size_t n;

	if (host[0] == '[') {
		end = strchr(host, ']');
		if (end == NULL || (size_t)(end - host - 1) >= sizeof(name))
			return 0;
		n = (size_t)(end - host - 1);
		memcpy(name, host + 1, n);
		name[n] = '\0';
		return inet_pton(AF_INET6, name, &a6) == 1 && port_ok(end + 1);
	}
	end = strchr(host, ':');
	n = end != NULL ? (size_t)(end - host) : strlen(host);
	if (n == 0 || n >= sizeof(name) || !port_ok(host + n))
		return 0;
	memcpy(name, host, n);
	name[n] = '\0';
	if (name[n - 1] == '.')
		name[--n] = '\0';
	if (n == 0)
		return 0;
	if (inet_pton(AF_INET, name, &a4) == 1 ||
	    strcasecmp(name, "localhost") == 0)
		return 1;
	for (p = cfg->console_hosts; *p != '\0';) {
		size_t len;

		p += strspn(p, ", \t");
		len = strcspn(p, ", \t");
		if (len > 0 && p[len - 1] == '.')
			len--; /* "name." in the setting */
		if (len == n && strncasecmp(p, name, n) == 0)
			return 1;
		p += strcspn(p, ", \t");
	}
	return 0;
}

void
http_dispatch(struct http_req *r)
{
	const struct route *rt;
	int rc;

	scope_init(&r->scope);
	if (!str_utf8_valid(r->path, strlen(r->path))) {
		http_error(r, 400, "the request path is not valid UTF-8");
		return;
	}
	if (r->ctx->role == HTTP_CONSOLE) {
		const char *host = http_req_header(r, "Host");

		/* HTTP/1.0 may leave Host out; a browser never does. */
		if (host != NULL && !host_allowed(r->ctx->cfg, host)) {
			http_error(r, 421,
				   "host '%.200s' is not a name of the console "
				   "([console] hosts)",
				   host);
			return;
		}
	}
	rt = find_route(r);
	if (rt == NULL)
		return;
	if (is_api(r->path))
		http_lock(r);
	if (rt->roles != 0) {
		rc = http_session_load(r);
		if (rc < 0) {
			http_internal(r, "cannot load session");
			goto done;
		}
		if (rc == 0) {
			http_error(r, 401, "not logged in or session expired");
			goto done;
		}
		if (strcmp(rt->method, "GET") != 0 && !http_csrf_ok(r)) {
			http_error(r, 403,
				   "missing or wrong X-CSRF-Token "
				   "header");
			goto done;
		}
		if ((http_role_bit(r->role) & rt->roles) == 0) {
			http_error(r, 403, "role '%s' may not do this",
				   r->role);
			goto done;
		}
		if (http_scope_load(r) < 0) {
			http_internal(r, "cannot load the account's scope");
			goto done;
		}
		if (http_scoped(r) && rt->scope != RS_OPEN &&
		    rt->scope != RS_UNITS) {
			http_error(r, 403,
				   "an account scoped to %s '%s' may not do "
				   "this",
				   scope_kind_name(r->scope.kind),
				   r->scope.code);
			goto done;
		}
	}
	if (rt->fn(r) < 0)
		http_internal(r, "handler failed");
done:
	http_unlock(r);
	scope_cleanup(&r->scope);
}
