/*
 * http.h: the public face of src/http, the console listener of govsecd: an
 * HTTP server (libmicrohttpd) serving the embedded web console and the JSON
 * API of docs/api.md. Everything a client sends is untrusted; the
 * configuration and the store are trusted. The second half of this header
 * is the contract between the files of the part (router, handlers); only
 * http_start, http_stop, http_check_config and http_user_add are meant for
 * callers outside src/http.
 */
#ifndef GOVSEC_HTTP_H
#define GOVSEC_HTTP_H

#include <pthread.h>
#include <stddef.h>

#include <jansson.h>

#include "base/base.h"
#include "registry/registry.h"
#include "store/store.h"

/* Hard limits besides [console] body_max (documented in govsecd(8)). */
#define HTTP_HEADER_MAX	  (64 * 1024) /* memory per connection; heads 1/2 */
#define HTTP_AUDIT_LIMIT  500	      /* most audit records per page */
#define HTTP_LINKS_LIMIT  500	      /* most inspected links per page */
#define HTTP_NAME_MAX	  64	      /* bytes of a console user name */
#define HTTP_PASSWORD_MIN 8	      /* characters of a console password */
#define HTTP_PASSWORD_MAX 1024	      /* bytes of a console password */
#define HTTP_CODE_SECONDS 300	      /* a login may wait for its code */
#define HTTP_PW_HISTORY	  5	      /* passwords that may not be reused */

/* server.c */
struct http_server;
struct insp_jobs;
/*
 * Checks what http_start would refuse before it binds anything: the
 * [console] listen address. Returns 0, or -1 with e set.
 */
int http_check_config(const struct config *cfg, struct err *e);
/*
 * Starts the console (or public) listener on cfg->console_listen (or
 * public_listen) with a pool of cfg->threads threads and the limits of
 * cfg->console_limits (or public_limits); one more thread closes
 * connections past their head or body deadline. cfg and st must outlive
 * the server; the server
 * serializes every use of st with one mutex, so the caller must not use st
 * while the server runs. key (the store's key file, store_key_open) opens
 * the console's sealed TOTP secrets and complainants' contacts, and seals
 * those the public listener takes in (NULL there: a complaint with a
 * contact is refused); it must outlive the server. Returns the server, or
 * NULL with e set.
 */
enum http_role {
	HTTP_CONSOLE, /* the console and its API ([console] listen) */
	HTTP_PUBLIC,  /* pages for everyone: the leave-site prompt
		       * ([public] listen; needs [public] leave_key), the
		       * complaint form (its contacts sealed under key) */
};
struct http_server *http_start(const struct config *cfg, struct store *st,
			       const struct secret_key *key,
			       enum http_role role, struct err *e);
/* Stops accepting, finishes the requests in flight and frees s (NULL ok). */
void http_stop(struct http_server *s);
/* Hands the console the inspections it may start (inspect/jobs.c); they
 * stay the caller's, to free after http_stop. */
void http_set_jobs(struct http_server *s, struct insp_jobs *jobs);

/* session.c */
/*
 * Creates the console account name (1 to HTTP_NAME_MAX bytes of A-Z a-z
 * 0-9 . _ -) with role "viewer", "operator", "auditor", "admin" or
 * "issuer" and the password (HTTP_PASSWORD_MIN characters up to
 * HTTP_PASSWORD_MAX bytes, stored only as argon2id). Appends an audit record
 * with actor as the one who did it (the password is never recorded). Fails if
 * the name exists. Returns 0, or -1 with e set.
 */
int http_user_add(struct store *st, const char *name, const char *password,
		  const char *role, const char *actor, struct err *e);

/* scope.c */
/*
 * Sets the scope of the console account name (issue 8, item 13): unit (a
 * registered unit's credit code), region (a GB/T 2260 code or its 2- or
 * 4-digit prefix) or neither (all units). Inside the caller's transaction
 * if any, so http_user_add and this can be one change. Audited with actor.
 * Returns 0, or -1 with e set.
 */
int http_user_scope(struct store *st, const char *name, const char *unit,
		    const char *region, const char *actor, struct err *e);
/* account.c */
/*
 * Sets the password of console account name after the rules of
 * pwrule_check() ([console] password_min_length) and that it is none of
 * the account's last HTTP_PW_HISTORY passwords (the current one and
 * those before it, kept as argon2id hashes); restarts the clock of
 * [console] password_max_days, clears a forced change and ends the
 * account's sessions except the one whose token digest is keep (NULL:
 * all). Audited with actor. 0, or -1 with e saying which rule it breaks.
 */
int http_user_passwd(struct store *st, const struct config *cfg,
		     const char *name, const char *password, const char *keep,
		     const char *actor, struct err *e);
/* Makes name change its password at the next login, before anything
 * else (a temporary password); audited. 0, or -1 with e set. */
int http_user_expire(struct store *st, const char *name, const char *actor,
		     struct err *e);
/*
 * Enrols TOTP for console account name: a new secret into secret_b32
 * (sealed under key in the store, context "console_users.totp_secret:
 * NAME") and GATE_RECOVERY_N recovery codes into rec (stored as digests);
 * earlier ones stop working. Audited with actor. 0, or -1 with e set.
 */
int http_user_totp(struct store *st, const struct secret_key *key,
		   const char *name, char secret_b32[40], char rec[10][10],
		   const char *actor, struct err *e);

/* ---- internal to src/http ---------------------------------------------- */

/* What every request may use: immutable except under lock. */
struct http_ctx {
	const struct config *cfg;
	struct store *st;
	pthread_mutex_t lock; /* held around every use of st */
	char *dummy_hash; /* argon2id hash to verify unknown names against */
	struct http_ghost *ghosts; /* failures of unknown names (session.c) */
	const struct secret_key *key; /* opens sealed TOTP secrets */
	enum http_role role;
	struct buf leave_key;	/* HMAC key of /leave links (public) */
	struct ecert_ca *ecert; /* the CA with its keys, once loaded (public) */
	struct insp_jobs *jobs; /* inspections started here (console) */
};

struct ecert_ca;
struct MHD_Connection;
struct http_hdr {
	const char *name, *value;
	struct http_hdr *next;
};

/*
 * One request and its response. All strings hang off arena and die with
 * the request; out is heap memory handed to the HTTP library.
 */
struct http_req {
	struct arena arena;
	struct http_ctx *ctx;
	struct MHD_Connection *conn;
	const char *method; /* "GET", ...; HEAD is routed as GET */
	const char *path;   /* decoded path without the query */
	const char *peer;   /* client address, numeric */
	const char *body;   /* NUL-terminated, body_len bytes, never NULL */
	size_t body_len;
	const char *arg[2]; /* the {kind} and * segments of the route */
	int locked;	    /* ctx->lock held by this request */
	/* the session, set by the router for routes that need one */
	const char *user, *role, *csrf;
	/* the account's scope as stored (NULL: none), and as loaded by the
	 * router once per request: every handler keeps to r->scope */
	const char *scope_unit, *scope_region;
	struct scope scope;
	/* the response */
	int status;
	const char *ctype;
	const char *csp; /* Content-Security-Policy instead of the
			  * listener's, or NULL (a static string) */
	char *out;	 /* malloc'ed body, or NULL */
	size_t out_len;
	struct http_hdr *hdrs;
};

/* Roles as bits; a route names the roles it admits (0: no session). */
#define ROLE_VIEWER   1u
#define ROLE_OPERATOR 2u
#define ROLE_AUDITOR  4u
#define ROLE_ADMIN    8u
/* the establishment department: decides online names, issues and revokes
 * certificates and logos, registers operators (docs/ecert.md "Console") */
#define ROLE_ISSUER 16u
#define ROLES_ANY                                                              \
	(ROLE_VIEWER | ROLE_OPERATOR | ROLE_AUDITOR | ROLE_ADMIN | ROLE_ISSUER)
#define ROLES_WRITE (ROLE_OPERATOR | ROLE_ADMIN)
#define ROLES_AUDIT (ROLE_AUDITOR | ROLE_ADMIN)

/*
 * How a route keeps to the scope of a scoped account (the fifth column of
 * the route table). A route that declares nothing is refused to scoped
 * accounts (403): a new route is closed until its handler keeps to
 * r->scope. Unscoped accounts are never restricted by this.
 */
enum route_scope {
	RS_UNDECLARED, /* refused to scoped accounts */
	RS_OPEN,       /* shows no unit's data (login, rules, the console) */
	RS_UNITS,      /* the handler keeps to r->scope */
	RS_GLOBAL,     /* cannot be mapped to units: unscoped accounts only */
};

/* A handler sets the response through the helpers below and returns 0, or
 * returns -1 on an internal failure (the router answers 500). */
typedef int (*http_handler)(struct http_req *r);

/* door.c */
struct http_door;
struct sockaddr;
struct MHD_Daemon;
/*
 * Starts the door of a listener: a thread that accepts on the listening
 * socket lfd (made non-blocking, not taken over), refuses connections
 * over lim->connections or lim->per_address, answers a request head that
 * is malformed (400), has a target over 8 KiB (414), is over 32 KiB (431)
 * or is not HTTP/1.0 or 1.1 (505) itself, with the header lines headers
 * ("Name: value\r\n" each; kept by the caller), closes a head not complete
 * within lim->header_timeout, and hands a complete good one to d
 * (MHD_add_connection). Sets *out before the first hand-over. Returns 0,
 * or -1 with e set. lim, section and headers must outlive the door.
 */
int http_door_start(struct http_door **out, int lfd, struct MHD_Daemon *d,
		    const struct listen_limits *lim, const char *section,
		    const char *headers, struct err *e);
/*
 * Judges the n bytes at b (not NUL-terminated), the start of a request:
 * 0 if the head is not complete yet, 1 if it is complete and good (CRLF
 * lines, a token method, a target of visible ASCII up to 8 KiB, HTTP/1.0
 * or 1.1, token header names right before the colon, no control bytes in
 * values, one Host (HTTP/1.1), at most one decimal Content-Length and not
 * with Transfer-Encoding, which can only be "chunked", 32 KiB in all), or
 * the status to answer: 400, 414, 431 or 505. Reads only b[0..n).
 */
int http_door_head_check(const char *b, size_t n);
/* d's notices that a connection handed over has opened or closed, sa its
 * peer: the door counts it against the limits while it is open. */
void http_door_opened(struct http_door *dr, const struct sockaddr *sa);
void http_door_closed(struct http_door *dr, const struct sockaddr *sa);
/* Stops accepting and closes the connections still at the door. */
void http_door_stop(struct http_door *dr);
/* Stops and frees dr once d has stopped (NULL ok). */
void http_door_free(struct http_door *dr);

/* router.c */
/* Routes r (method, path, body set) and fills in its response. */
void http_dispatch(struct http_req *r);
/* Sets a JSON response; takes ownership of o. Returns 0 (-1 if o is NULL or
 * cannot be encoded, with no response set). */
int http_json(struct http_req *r, int status, json_t *o);
/* Sets the JSON error body of docs/api.md; the code follows from status.
 * Returns 0 so handlers can `return http_error(...)`. */
int http_error(struct http_req *r, int status, const char *fmt, ...)
    PRINTF_LIKE(3, 4);
/* Logs what went wrong (never shown to the client) and sets a 500
 * response. Returns 0. */
int http_internal(struct http_req *r, const char *what);
/* Sets an empty response (e.g. 204). Returns 0. */
int http_empty(struct http_req *r, int status);
/* Adds a response header (both strings are copied). */
void http_header_add(struct http_req *r, const char *name, const char *value);
/* A request header or query argument (decoded), or NULL. */
const char *http_req_header(struct http_req *r, const char *name);
const char *http_query(struct http_req *r, const char *name);
/* The body as a JSON object (new reference in *out). On failure sets a
 * 400/415 response and returns -1. */
int http_body_object(struct http_req *r, json_t **out);
/* 0 if every member of the body o is one of the n names in known, else -1
 * with 422 "$.NAME: unknown field" set. */
int http_body_known(struct http_req *r, json_t *o, const char *const *known,
		    size_t n);
/*
 * The string member name of the body o. NULL without a reply if it is
 * absent and not required; NULL with 422 set and *bad = 1 if it is
 * required and absent or not a string.
 */
const char *http_body_str(struct http_req *r, json_t *o, const char *name,
			  int required, int *bad);
/* Takes / releases ctx->lock (the store) for r. */
void http_lock(struct http_req *r);
void http_unlock(struct http_req *r);
/* JSON string of s, or JSON null when s is NULL or not UTF-8. */
json_t *http_jstr(const char *s);
/* Role name to bit (0 if unknown) and back. */
unsigned http_role_bit(const char *role);

/* session.c */
/* Prepares what sessions need (the dummy hash); 0 or -1 with e set. */
int http_session_init(struct http_ctx *ctx, struct err *e);
void http_session_cleanup(struct http_ctx *ctx);
/* Loads the session named by the request's cookie (store locked): 1 and
 * r->user, role, csrf set; 0 if none, expired or not yet a full session
 * (a login waiting for its code or a new password); -1 on error. */
int http_session_load(struct http_req *r);
/* Stages of a session (console_sessions.stage): full, waiting for the
 * second factor (HTTP_CODE_SECONDS at most), waiting for a new password. */
#define HTTP_STAGE_FULL	    ""
#define HTTP_STAGE_CODE	    "code"
#define HTTP_STAGE_PASSWORD "password"
/* http_session_load() of a session in that stage. */
int http_session_load_stage(struct http_req *r, const char *stage);
/* Keeps a WebAuthn challenge (base64url) with the request's session, or
 * takes it back once (NULL if none); store locked. */
int http_session_put_challenge(struct http_req *r, const char *challenge);
char *http_session_take_challenge(struct http_req *r);
/* Ends the session named by the request's cookie (store locked); 0/-1. */
int http_session_drop(struct http_req *r);
/*
 * Starts a session of name in stage (store locked) and answers the login:
 * {"user", "role", "csrf"} and "next": stage unless full; a session
 * waiting for its code gets only "user" and "next", keeps the failures
 * counted and is not audited as a login. Returns 0.
 */
int http_session_start(struct http_req *r, const char *name, const char *role,
		       const char *stage);
/* A failed login step of name (store locked, the attempt counted): 401
 * saying why, or 429 when this one locks the account. Returns 0. */
int http_login_failed(struct http_req *r, const char *name, const char *why);
/* 429 with Retry-After: seconds; returns 0. */
int http_locked_reply(struct http_req *r, long long seconds);
/* 1 if the X-CSRF-Token header equals the session's token. */
int http_csrf_ok(struct http_req *r);
int http_login(struct http_req *r);
int http_logout(struct http_req *r);
int http_me(struct http_req *r);

/* scope.c */
/* Loads r->scope from the session's account (store locked); 0, or -1
 * after logging why. */
int http_scope_load(struct http_req *r);
/* r->scope as JSON for /api/me: null, or {"kind", "code", "name"}. */
json_t *http_scope_json(struct http_req *r);
/* 1 if the account is scoped (to a unit or a region). */
int http_scoped(const struct http_req *r);
/* account.c */
/*
 * After the right password of name (store locked): refuses an account
 * without the second factor [console] two_factor wants, or starts the
 * session in its stage (code, password, full). Returns 0.
 */
int http_login_next(struct http_req *r, const char *name, const char *role,
		    int has_totp, long long changed, int must_change);
/* POST /api/login/code {"code"}: the second step of a login. */
int http_login_code(struct http_req *r);
/* POST /api/password {"current", "password"}: a new password. */
int http_password(struct http_req *r);
/* Counts a login step of name before it is checked (store locked): 1,
 * or 0 with a 429 reply set when the account is locked (its waiting login
 * ends), or -1 with a 500 reply set. */
int http_attempt_reserve(struct http_req *r, const char *name);
/* The rest of a login after its last factor (store locked): the session
 * in stage password or full. Returns 0. */
int http_login_finish(struct http_req *r, const char *name, const char *role);

/* keys.c: the console's own security keys (WebAuthn) */
int http_keys(struct http_req *r);
int http_key_begin(struct http_req *r);
int http_key_finish(struct http_req *r);
int http_key_delete(struct http_req *r);
int http_login_key_begin(struct http_req *r);
int http_login_key_finish(struct http_req *r);

/* api_registry.c */
int http_registry_list(struct http_req *r);
int http_registry_get(struct http_req *r);
int http_registry_post(struct http_req *r);
int http_registry_put(struct http_req *r);
int http_registry_delete(struct http_req *r);

/* api_check.c */
int http_findings(struct http_req *r);
int http_findings_ack(struct http_req *r);
int http_dashboard(struct http_req *r);
int http_rules(struct http_req *r);

/* api_attest.c */
int http_attestations(struct http_req *r);
int http_attest_post(struct http_req *r);
int http_attest_revoke(struct http_req *r);

/* api_audit.c */
int http_audit_list(struct http_req *r);
int http_audit_verify(struct http_req *r);

/* api_mail.c: mail-flow records (MAIL-3) */
int http_mail_trace(struct http_req *r);

/* api_gate.c: administration of the access gateway (src/gate) */
int http_gate_policy_get(struct http_req *r);
int http_gate_policy_put(struct http_req *r);
int http_gate_users(struct http_req *r);
int http_gate_devices(struct http_req *r);
int http_gate_approve(struct http_req *r);
int http_gate_unapprove(struct http_req *r);
int http_gate_device_delete(struct http_req *r);
int http_gate_user_bind(struct http_req *r);
int http_gate_user_unbind(struct http_req *r);
int http_gate_user_disable(struct http_req *r);
int http_gate_user_enable(struct http_req *r);
int http_gate_user_delete(struct http_req *r);
int http_gate_user_password(struct http_req *r);
int http_gate_lockouts(struct http_req *r);
int http_gate_unlock(struct http_req *r);
int http_gate_sessions(struct http_req *r);
int http_gate_session_revoke(struct http_req *r);
int http_gate_invite(struct http_req *r);
int http_gate_keys(struct http_req *r);
int http_gate_key_remove(struct http_req *r);
int http_gate_revoke(struct http_req *r);
int http_gate_stats(struct http_req *r);
int http_gate_decisions(struct http_req *r);

/* api_inspect.c: read-only views of portal inspections (src/inspect) */
int http_inspections(struct http_req *r);
int http_inspection(struct http_req *r);
int http_inspection_links(struct http_req *r);
int http_inspection_diff(struct http_req *r);
/* inspections started from the console (inspect/jobs.c) */
int http_inspect_jobs(struct http_req *r);
int http_inspect_job(struct http_req *r);
int http_inspect_job_start(struct http_req *r);
int http_inspect_job_cancel(struct http_req *r);

/* api_public.c */
/* GET /leave?to=URL&sig=MAC: the leave-site prompt (LINK-3). */
/* api_ecert.c: the verification service (public listener) */
int http_v1_ca(struct http_req *r);
int http_v1_crl(struct http_req *r);
int http_v1_challenge(struct http_req *r);
int http_v1_verify(struct http_req *r);
int http_v1_tlog(struct http_req *r); /* head, proof, consistency, entries */
int http_v1_logo(struct http_req *r); /* the page and the badge */
/* The CA with its keys, loaded once per listener (store locked); NULL
 * with a 503 set when there is none or its key-encryption key is
 * missing. */
struct ecert_ca *http_ecert_ca(struct http_req *r);
/* The query argument name as a whole number in [min, max], def when
 * absent (required when def < min); -1 with 400 set. */
int http_query_ll(struct http_req *r, const char *name, long long min,
		  long long max, long long def, long long *out);

/* api_ecert_admin.c: the establishment department's console routes */
int http_ecert_certs(struct http_req *r);
int http_ecert_cert(struct http_req *r);
int http_ecert_cert_issue(struct http_req *r);
int http_ecert_cert_revoke(struct http_req *r);
int http_ecert_names(struct http_req *r);
int http_ecert_name_apply(struct http_req *r);
int http_ecert_name_decide(struct http_req *r); /* approve, reject */
int http_ecert_logos(struct http_req *r);
int http_ecert_logo_issue(struct http_req *r);
int http_ecert_logo_revoke(struct http_req *r);
int http_ecert_logo_svg(struct http_req *r);
int http_ecert_operators(struct http_req *r);
int http_ecert_operator_add(struct http_req *r);
int http_ecert_operator_key(struct http_req *r);
int http_ecert_operator_disable(struct http_req *r);
int http_ecert_key_revoke(struct http_req *r);
int http_ecert_tlog(struct http_req *r); /* head, entries, proof */
int http_leave(struct http_req *r);

/* api_counterfeit.c: the complaint form, its API and the warning page
 * (public listener); hits, cases, complaints, takedown (console) */
int http_cf_form(struct http_req *r);
int http_cf_form_js(struct http_req *r);
int http_cf_track_page(struct http_req *r);
int http_cf_warning(struct http_req *r); /* also every other GET path */
int http_cf_challenge(struct http_req *r);
int http_cf_complaint_post(struct http_req *r);
int http_cf_complaint_status(struct http_req *r);
int http_cf_hits(struct http_req *r);
int http_cf_scans(struct http_req *r);
int http_cf_cases(struct http_req *r);
int http_cf_case(struct http_req *r);
int http_cf_case_open(struct http_req *r);
int http_cf_case_step(struct http_req *r);
int http_cf_complaints(struct http_req *r);
int http_cf_takedown(struct http_req *r);
int http_cf_notice(struct http_req *r);

/* rate.c: token buckets per caller (an API key, an address) */
struct http_bucket {
	char key[48];
	double tokens;
	long long last_ms;
};
/*
 * 0 if key may make a call now (one token taken from its bucket in tab, n
 * buckets, zeroed at first), else the whole seconds to wait. A bucket
 * holds at most cap tokens and gains cap of them every period_ms; a new
 * key gets a full bucket, the least recently used one when all are taken.
 */
int http_rate_take(struct http_bucket *tab, size_t n, const char *key, int cap,
		   long long period_ms);

/* static.c */
/* Serves the embedded console file at r->path ("/" is "/index.html"). */
int http_static(struct http_req *r);

#endif
