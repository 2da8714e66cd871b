/*
 * internal.h: what the files of the gate listener share (server.c: the
 * HTTP glue, sessions, the store poller and the auth_request endpoint;
 * portal.c: the login portal, lockout and devices). Not for other parts.
 */
#ifndef GOVSEC_GATE_INTERNAL_H
#define GOVSEC_GATE_INTERNAL_H

#include <pthread.h>

#include "gate/gate.h"

#define GATE_COOKIE	   "__Host-govsec"
#define GATE_DEVICE_COOKIE "__Host-govsec-device"
#define GATE_TOKEN_BYTES   32 /* 256-bit session tokens */
#define GATE_BODY_MAX	   8192
#define GATE_SHARDS	   64
#define GATE_BUCKETS	   (1u << 17)
#define GATE_LAT_BUCKETS   10000 /* microseconds, last one is overflow */
#define GATE_SESSIONS_MAX  1000000

struct gate_sess {
	unsigned char key[32]; /* SHA-256 of the token */
	char user[GATE_NAME_MAX + 1];
	char *groups, *display;
	char device[GATE_NAME_MAX + 1]; /* "" if none */
	unsigned char devkey[32];	/* SHA-256 of the device secret */
	int level;			/* 1 or 2 factors */
	time_t created, seen;
	time_t saved; /* the seen the store has (sweep writes newer ones) */
	struct gate_sess *next;
};

/* A ceremony under way at the portal: a TOTP enrolment (its secret), a
 * security key's registration or login (the challenge, base64url). */
#define GATE_PENDING_MAX    256
#define GATE_REPORT_SECONDS 60	/* gate.reported is renewed this often */
#define GATE_PENDING_TTL    600 /* seconds */
enum gate_pending_kind { PEND_TOTP = 1, PEND_KEY_REGISTER, PEND_KEY_LOGIN };
struct gate_pending {
	unsigned char key[32]; /* SHA-256 of the handle */
	enum gate_pending_kind kind;
	char user[GATE_NAME_MAX + 1];
	char secret[96];
	time_t expires; /* 0: a free slot */
};

struct gate_server {
	const struct config *cfg;
	struct store *st;
	const struct secret_key *key; /* opens sealed TOTP secrets */
	pthread_mutex_t st_lock;      /* every use of st */
	/* the store is shared with other govsecd (PostgreSQL): a session
	 * not in memory may be another instance's, a logout revokes rather
	 * than deletes, revocations stay for the others to see */
	int shared;
	struct gate_db_listener *lst; /* told of other instances' changes */
	struct wire_server *d;
	int unix_socket; /* listening on a unix: socket (unlinked at the end) */
	pthread_mutex_t pend_lock;
	struct gate_pending pending[GATE_PENDING_MAX];
	struct gate_trie *proxies;
	struct gate_trie *portal_nets; /* [gate] portal_networks, NULL: all */
	int warned_xfh; /* an old snippet without X-Forwarded-Host was seen */
	struct gate_geo *geo;
	char *dummy_hash;

	pthread_rwlock_t pol_lock; /* policy, stats, approved */
	struct gate_pfpolicy *pf;  /* [gate] postfix_policy, or NULL */
	struct gate_policy *policy;
	long long policy_serial;
	time_t reported;	    /* last gate_db_reported (poller only) */
	long long *allows, *denies; /* per rule, [nrules] is the default */
	int nstats;
	struct map approved; /* approved device ids -> 1 */
	struct map bound;    /* users bound to approved devices -> 1 */

	pthread_mutex_t shard[GATE_SHARDS];
	struct gate_sess **bucket;
	long long nsess;

	unsigned long long lat[GATE_LAT_BUCKETS];
	unsigned long long decisions, sample;

	pthread_t poller;
	pthread_mutex_t stop_lock;
	pthread_cond_t stop_cond;
	int stop_fd; /* an eventfd, readable once stopping (the poller's
		      * wait on the store's socket ends at once) */
	int stopping, poller_started;
};

/* A request as the gate handlers see it; strings live as long as it. */
struct gate_req {
	struct gate_server *g;
	const struct wire_req *rq;
	const char *method, *path, *peer;
	const char *body; /* NUL-terminated, "" when none */
	int status;
	char *out; /* malloc'ed body */
	size_t out_len;
	const char *ctype;
	char hdr_name[8][32];
	char *hdr_val[8]; /* malloc'ed */
	int nhdr;
	int to_proxy; /* an answer to nginx's auth_request, not a browser */
};

/* server.c */
void gate_req_header(struct gate_req *r, const char *name, const char *value);
const char *gate_req_in(struct gate_req *r, const char *name);
void gate_req_body(struct gate_req *r, int status, const char *ctype,
		   struct buf *b);
/* Creates a session and puts it in memory and the store, unless user is
 * disabled or gone by then; device may be NULL (none). Writes the cookie
 * value (hex token) into token (size >= 65). 0 or -1. */
int gate_sess_create(struct gate_server *g, const char *user,
		     const char *groups, const char *display,
		     const char *device, const unsigned char devkey[32],
		     int level, char token[65]);
/* What verify needs from a session, copied out under the shard lock. */
struct sess_view {
	char user[GATE_NAME_MAX + 1];
	char groups[1024], display[256];
	char device[GATE_NAME_MAX + 1];
	unsigned char devkey[32];
	int level;
};
/* The live session the request's cookie names, on the device it logged
 * in from: 1 with v and key (the token's SHA-256) set, else 0. */
int gate_sess_of(struct gate_req *r, time_t now, struct sess_view *v,
		 unsigned char key[32]);
/* Drops the session named by a token (logout). */
void gate_sess_drop(struct gate_server *g, const char *token);
/* SHA-256 of s. */
void gate_sha256(const void *s, size_t n, unsigned char out[32]);
/* store_query on the gate's store under st_lock. */
int gate_query(struct gate_server *g, const char *sql,
	       const struct store_val *v, int nv, store_row_fn fn, void *arg,
	       struct err *e);
/* Audits one event (takes st_lock). */
void gate_audit(struct gate_server *g, const char *actor, const char *action,
		const char *object, const char *after);

/* portal.c */
/*
 * Counts a login attempt against account user and address ip before the
 * password is checked (one transaction: of any number of parallel
 * attempts exactly as many as the limits allow are admitted). 0 if
 * admitted, 1 if locked, -1 on error.
 */
int gate_attempt_begin(struct gate_server *g, const char *user, const char *ip,
		       time_t now);
/* A successful login takes its attempt back (the account starts afresh,
 * the address loses one count). */
void gate_attempt_success(struct gate_server *g, const char *user,
			  const char *ip);
/* mailpol.c: POST /api/mail-policy, Dovecot's auth policy requests */
void gate_mail_policy(struct gate_req *r);
/* Whether user may log in to mail from ip by protocol (imap, smtp...):
 * 1 yes, 0 refused (audited as gate.deny), -1 on error. */
int gate_mail_login_allowed(struct gate_server *g, const char *user,
			    const char *ip, const char *protocol);
/* pfpolicy.c: the Postfix policy server of [gate] postfix_policy (NULL
 * when unset, or on error with e set) */
struct gate_pfpolicy;
/*
 * Parses one Postfix policy request (its "name=value" lines, the empty
 * line cut off; req is written): *user is the SASL user (NULL when the
 * session did not authenticate) and *ip the client's numeric address.
 * 0, or -1 if it is not a well-formed smtpd_access_policy request.
 */
int gate_pf_parse(char *req, const char **user, const char **ip);
struct gate_pfpolicy *gate_pfpolicy_start(struct gate_server *g, struct err *e);
void gate_pfpolicy_stop(struct gate_pfpolicy *p);
int gate_portal_get(struct gate_req *r);
int gate_portal_login(struct gate_req *r);
int gate_portal_logout(struct gate_req *r);
/* POST {portal}/enrol: the code that confirms a TOTP enrolment. */
int gate_portal_enrol(struct gate_req *r);
/* POST {portal}/key/{login,register}/{begin,finish}: WebAuthn security
 * keys (JSON in and out); GET {portal}/portal.js, their browser side. */
int gate_portal_key(struct gate_req *r, const char *what);
int gate_portal_js(struct gate_req *r);
/* The device credential the request carries (device cookie "ID.SECRET",
 * or the trusted device header): 1 with id and the SHA-256 of the secret
 * set, 0 if none or malformed. Does not look at the store. */
int gate_device_read(struct gate_req *r, char id[GATE_NAME_MAX + 1],
		     unsigned char key[32]);

#endif
