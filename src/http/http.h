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
#define HTTP_HEADER_MAX	  (64 * 1024) /* bytes of request line + headers */
#define HTTP_CONN_MAX	  512	      /* open connections */
#define HTTP_CONN_TIMEOUT 60	      /* seconds a connection may idle */
#define HTTP_AUDIT_LIMIT  500	      /* most audit records per page */
#define HTTP_LINKS_LIMIT  500	      /* most inspected links per page */
#define HTTP_NAME_MAX	  64	      /* bytes of a console user name */
#define HTTP_PASSWORD_MIN 8	      /* characters of a console password */
#define HTTP_PASSWORD_MAX 1024	      /* bytes of a console password */

/* server.c */
struct http_server;
/*
 * Checks what http_start would refuse before it binds anything: the
 * [console] listen address. Returns 0, or -1 with e set.
 */
int http_check_config(const struct config *cfg, struct err *e);
/*
 * Starts the console listener on cfg->console_listen with a pool of
 * cfg->threads threads. cfg and st must outlive the server; the server
 * serializes every use of st with one mutex, so the caller must not use st
 * while the server runs. Returns the server, or NULL with e set.
 */
enum http_role {
	HTTP_CONSOLE, /* the console and its API ([console] listen) */
	HTTP_PUBLIC,  /* pages for everyone: the leave-site prompt
		       * ([public] listen; needs [public] leave_key) */
};
struct http_server *http_start(const struct config *cfg, struct store *st,
			       enum http_role role, struct err *e);
/* Stops accepting, finishes the requests in flight and frees s (NULL ok). */
void http_stop(struct http_server *s);

/* session.c */
/*
 * Creates the console account name (1 to HTTP_NAME_MAX bytes of A-Z a-z
 * 0-9 . _ -) with role "viewer", "operator", "auditor" or "admin" and the
 * password (HTTP_PASSWORD_MIN characters up to HTTP_PASSWORD_MAX bytes,
 * stored only as argon2id). Appends an audit record with actor as the one
 * who did it (the password is never recorded). Fails if the name exists.
 * Returns 0, or -1 with e set.
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

/* ---- internal to src/http ---------------------------------------------- */

/* What every request may use: immutable except under lock. */
struct http_ctx {
	const struct config *cfg;
	struct store *st;
	pthread_mutex_t lock; /* held around every use of st */
	char *dummy_hash; /* argon2id hash to verify unknown names against */
	enum http_role role;
	struct buf leave_key; /* HMAC key of /leave links (public) */
};

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
	char *out; /* malloc'ed body, or NULL */
	size_t out_len;
	struct http_hdr *hdrs;
};

/* Roles as bits; a route names the roles it admits (0: no session). */
#define ROLE_VIEWER   1u
#define ROLE_OPERATOR 2u
#define ROLE_AUDITOR  4u
#define ROLE_ADMIN    8u
#define ROLES_ANY     (ROLE_VIEWER | ROLE_OPERATOR | ROLE_AUDITOR | ROLE_ADMIN)
#define ROLES_WRITE   (ROLE_OPERATOR | ROLE_ADMIN)
#define ROLES_AUDIT   (ROLE_AUDITOR | ROLE_ADMIN)

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
 * r->user, role, csrf set; 0 if none or expired; -1 on error. */
int http_session_load(struct http_req *r);
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

/* api_public.c */
/* GET /leave?to=URL&sig=MAC: the leave-site prompt (LINK-3). */
int http_leave(struct http_req *r);

/* static.c */
/* Serves the embedded console file at r->path ("/" is "/index.html"). */
int http_static(struct http_req *r);

#endif
