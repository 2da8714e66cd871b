/*
 * gate.h: the public face of src/gate, the access gateway behind nginx's
 * auth_request (SEC-3, SEC-4, AUTH-1..4): the policy engine (ordered rules,
 * first match wins, default deny), its parts (CIDR tries with longest-prefix
 * lookup, time windows, GeoIP countries), TOTP (RFC 6238), the gate's
 * tables in the store, and the `gate` listener of govsecd (auth_request
 * endpoint and login portal). Policy documents, cookies, headers and form
 * bodies are untrusted; the configuration and the store are trusted.
 */
#ifndef GOVSEC_GATE_H
#define GOVSEC_GATE_H

#include <stdint.h>
#include <time.h>

#include <jansson.h>

#include "base/base.h"
#include "store/store.h"

/* Limits on what a policy document may hold (docs/gate.md). */
#define GATE_POLICY_MAX	   (1 << 20) /* bytes of a policy document */
#define GATE_RULES_MAX	   1000
#define GATE_NETWORKS_MAX  256	/* named sets */
#define GATE_CIDRS_MAX	   4096 /* prefixes per named set */
#define GATE_LIST_MAX	   256	/* entries of a rule's list */
#define GATE_NAME_MAX	   64	/* bytes of a rule, set or user name */
#define GATE_REGEX_MAX	   1024 /* bytes of a path regex */
#define GATE_WHITELIST_MAX 1000
#define GATE_WINDOW_MAX	   256 /* bytes of a time window */
#define GATE_TIMES_MAX	   8   /* hh:mm ranges in one window */
#define GATE_DEFAULT_TZ	   "Asia/Shanghai"

/* cidr.c */
/*
 * A binary trie of IP prefixes with an integer value each; lookups return
 * the value of the longest prefix containing the address. IPv4 lives in
 * the IPv4-mapped part of the IPv6 space (::ffff:0:0/96), so "10.0.0.0/8"
 * also matches "::ffff:10.1.2.3".
 */
struct gate_trie;
struct gate_trie *gate_trie_new(void);
void gate_trie_free(struct gate_trie *t);
/* Parses a numeric IPv4 or IPv6 address (no zone, no port) into 16 bytes
 * (IPv4 mapped); 0, or -1 if s is not one. */
int gate_addr_parse(const char *s, unsigned char out[16]);
/*
 * Adds "ADDR/LEN" or a bare address (a host prefix) with value (!= 0);
 * bits past LEN must be zero. A prefix added twice keeps the last value.
 * Returns 0, or -1 with e set on a malformed prefix or when the trie holds
 * 2^24 nodes already.
 */
int gate_trie_add(struct gate_trie *t, const char *cidr, int value,
		  struct err *e);
/* Adds the inclusive range [lo, hi] as the fewest prefixes; 0 or -1. */
int gate_trie_add_range(struct gate_trie *t, const unsigned char lo[16],
			const unsigned char hi[16], int value, struct err *e);
/* Value of the longest prefix containing addr, 0 if none. */
int gate_trie_lookup(const struct gate_trie *t, const unsigned char addr[16]);
/* Nodes held (for limits and memory reports). */
size_t gate_trie_nodes(const struct gate_trie *t);

/*
 * What prefixes add up to, judged by the addresses they cover and not by
 * how they are written (SEC-3): 0.0.0.0/1 with 128.0.0.0/1 is all of
 * IPv4, and ::ffff:0:0/96 or 64:ff9b::/96 (NAT64) are IPv4 too. A
 * gate_addrs is a set of addresses as sorted disjoint ranges.
 */
struct gate_addrs;
struct gate_addrs *gate_addrs_new(void);
void gate_addrs_free(struct gate_addrs *a);
/* Adds the addresses of t whose longest prefix has a value > 0 (a named
 * set: "!prefix" entries carry -1). */
void gate_addrs_add_trie(struct gate_addrs *a, const struct gate_trie *t);
/* 1 if every address of a is in b, else 0 (linear in both sizes). */
int gate_addrs_within(const struct gate_addrs *a, const struct gate_addrs *b);
/* a = a with b; a = a without b. */
void gate_addrs_union(struct gate_addrs *a, const struct gate_addrs *b);
void gate_addrs_minus(struct gate_addrs *a, const struct gate_addrs *b);
/* Coverage per family as the prefix length of one block holding at least
 * as many addresses: 0 is everything, 32 (IPv4) or 128 (IPv6) a single
 * address, -1 none. "Covers more than a /N" is v < N. */
struct gate_cover {
	int v4, v6;
};
void gate_addrs_cover(const struct gate_addrs *a, struct gate_cover *c);
/* The internal addresses (RFC 1918, loopback, IPv4 link-local, ULA,
 * IPv6 link-local): none of them reaches a server from the Internet or
 * from abroad. A new set. */
struct gate_addrs *gate_addrs_internal(void);
/* The coverage of n prefixes read as a named set (longest prefix wins,
 * "!prefix" carves out). Flags: GATE_COVER_LOOSE reads "10.0.0.1/8" as
 * the /8 it lies in (else refused), GATE_COVER_PUBLIC leaves internal
 * addresses out. 0, or -1 with e set on a bad prefix. */
#define GATE_COVER_LOOSE  1
#define GATE_COVER_PUBLIC 2
int gate_cover_list(const char *const *prefixes, size_t n, int flags,
		    struct gate_cover *c, struct err *e);

/* window.c */
/*
 * A time window: "[DAYS] [HH:MM-HH:MM[,...]] [FROM..UNTIL] [ZONE]" in any
 * order, each part at most once and at least one part. DAYS is "daily" or
 * a comma list of "mon".."sun" and ranges like "mon-fri"; a time range
 * whose end is before its start runs over midnight and "24:00" is the end
 * of a day; FROM..UNTIL are local dates, both inclusive; ZONE is an IANA
 * name from /usr/share/zoneinfo ("Asia/Shanghai" when absent) or "UTC".
 * Days and times are checked against the local time of the instant.
 */
struct gate_window {
	uint8_t days;		      /* bit 0 = Sunday .. bit 6 = Saturday */
	int ntimes;		      /* 0: all day */
	int16_t from[GATE_TIMES_MAX]; /* minutes after local midnight */
	int16_t to[GATE_TIMES_MAX];   /* exclusive; may be < from */
	long date_from, date_to;      /* local days since 1970-01-01, inclusive;
					 LONG_MIN / LONG_MAX when open */
	char zone[64];
};
/* Parses s (at most GATE_WINDOW_MAX bytes); 0, or -1 with e set. */
int gate_window_parse(struct gate_window *w, const char *s, struct err *e);
/* 1 if the instant t lies in w, 0 if not, -1 if the zone cannot be read. */
int gate_window_contains(const struct gate_window *w, time_t t);
/*
 * Offset of zone from UTC at t in seconds (east positive). Thread-safe:
 * a cache per zone and hour, filled under a mutex through the C library's
 * TZ handling (see docs/gate.md). 0 or -1 if the zone is unknown.
 */
int gate_tz_offset(const char *zone, time_t t, long *off);
/* Call once before threads start: makes later TZ switches safe for
 * concurrent getenv() callers (TZ is set in place, never added). */
void gate_tz_init(void);

/* totp.c */
#define GATE_TOTP_SECRET_LEN 20 /* bytes (160 bits, RFC 4226 advice) */
#define GATE_TOTP_STEP	     30
/* RFC 6238 code for counter (t / step) with the key; digits 6..8. */
int gate_hotp(const unsigned char *key, size_t keylen, uint64_t counter,
	      int digits, const char *alg);
/* Base32 (RFC 4648, no padding) of n bytes into out (size >= 8n/5+2). */
int gate_base32_encode(const unsigned char *in, size_t n, char *out,
		       size_t outlen);
/* Decodes base32 (case-insensitive, '=' and spaces ignored); length or
 * -1. */
int gate_base32_decode(const char *in, unsigned char *out, size_t outlen);
/*
 * Checks a 6-digit code against the base32 secret at t with a tolerance
 * of one step either way. Only counters above *last are accepted, so a
 * code works once; on success *last is set to the matching counter.
 * Returns 1 on a match, 0 if not.
 */
int gate_totp_check(const char *secret_b32, const char *code, time_t t,
		    long long *last);
/* A new random secret (GATE_TOTP_SECRET_LEN bytes) in base32; 0 or -1. */
int gate_totp_secret(char secret_b32[40]);
/* otpauth:// URI for issuer, account and secret into b. */
int gate_totp_uri(struct buf *b, const char *issuer, const char *account,
		  const char *secret_b32);
/*
 * gate_totp_check() on a secret sealed by secret_seal() under k with
 * context (e.g. "gate_users.totp_secret:NAME"): 1 on a match, 0 if not,
 * -1 with e saying why the secret cannot be opened (in clear, another key
 * or context, changed).
 */
int gate_totp_check_sealed(const struct secret_key *k, const char *context,
			   const char *sealed, const char *code, time_t t,
			   long long *last, struct err *e);
#define GATE_RECOVERY_N 10 /* recovery codes made at once */
/*
 * GATE_RECOVERY_N new recovery codes ("xxxx-xxxx") into rec and the JSON
 * array of their SM3 digests, what the store keeps, into *digests
 * (free()). 0, or -1 with nothing allocated.
 */
int gate_recovery_new(char rec[GATE_RECOVERY_N][10], char **digests);
/*
 * What the store keeps of a new TOTP enrolment of name: secret_b32 sealed
 * by secret_seal() under k with context into *sealed, and new recovery
 * codes into rec with their digests into *digests (gate_recovery_new).
 * 0 with both set (free() them), or -1 with e set and nothing allocated.
 */
int gate_totp_seal(const struct secret_key *k, const char *context,
		   const char *name, const char *secret_b32,
		   char rec[GATE_RECOVERY_N][10], char **sealed, char **digests,
		   struct err *e);
/*
 * 1 if code is one of the digests (a JSON array as gate_recovery_new made
 * it); *rest is then the array without it (free()), to be stored. 0 if
 * not (or on failure), *rest NULL.
 */
int gate_recovery_spend(const char *digests, const char *code, char **rest);
/* The URI as a QR code in UTF-8 half blocks (terminal); 0 or -1. */
int gate_qr_text(struct buf *b, const char *text);
/* The same as an inline SVG element (dark modules as one path) with
 * the accessible name label (HTML-escaped here); 0 or -1. */
int gate_qr_svg(struct buf *b, const char *text, const char *label);

/* geo.c */
/*
 * Country lookup: a MaxMind DB (country.iso_code) and/or CSV range lists
 * ("first,last,CC" per line, # comments). Either path may be NULL or "".
 */
struct gate_geo;
struct gate_geo *gate_geo_open(const char *mmdb, const char *csv,
			       struct err *e);
void gate_geo_free(struct gate_geo *g);
/* The ISO country code of ip into cc[3] ("" if unknown); CSV ranges win
 * over the MaxMind DB. */
void gate_geo_country(const struct gate_geo *g, const char *ip, char cc[3]);

/* regex.c */
#define REGEX_COST_MAX 4096 /* compiled atoms (each a few microseconds) */
#define REGEX_DUP_MAX  255  /* the largest count of x{m,n} (POSIX's least) */
/*
 * 0 if the POSIX extended regular expression re is cheap enough for
 * regcomp: at most REGEX_COST_MAX atoms once repetitions are unrolled as
 * glibc does (x+ twice, x{m,n} n times, nested ones multiplied), counts
 * up to REGEX_DUP_MAX, no repetition of a repetition (a+*, a**:
 * undefined in POSIX, and slow), at most 32 groups open at once; -1 if
 * not. Whether re is valid at all is regcomp's to say.
 */
int regex_bounded(const char *re);

/* policy.c */
enum gate_action {
	GATE_DENY,
	GATE_BYPASS,
	GATE_ONE_FACTOR,
	GATE_TWO_FACTOR,
};
const char *gate_action_name(enum gate_action a);

struct gate_policy;

/* What a decision is about; any field may be NULL / 0 when unknown. */
struct gate_input {
	const char *host;   /* from X-Original-URL, without port */
	const char *path;   /* without the query */
	const char *method; /* "GET" ... */
	const char *ip;	    /* numeric client address */
	const char *user;   /* NULL: not logged in */
	const char *groups; /* comma-separated groups of user */
	const char *device; /* an approved device id of user, or NULL */
	time_t now;
};

struct gate_decision {
	enum gate_action action; /* what the matching rule asks for */
	int rule;		 /* its index, -1 for the default */
	const char *rule_name;	 /* "default" for the default deny */
	int background;		 /* the rule marks background requests */
	int need_user; /* a rule could match but needs the user to know */
	char reason[256];
};

/*
 * Parses and compiles a policy document (JSON, docs/gate.md) of at most
 * GATE_POLICY_MAX bytes. Unknown keys, bad prefixes, windows, regexes,
 * duplicate names and references to undefined network sets are errors.
 * Returns the policy (gate_policy_free), or NULL with e set.
 */
struct gate_policy *gate_policy_parse(const char *doc, size_t len,
				      struct err *e);
void gate_policy_free(struct gate_policy *p);
/* Number of rules. */
int gate_policy_rules(const struct gate_policy *p);
/* Name of rule i, "default" for i out of range (the default deny). */
const char *gate_policy_rule_name(const struct gate_policy *p, int i);
/* The canonical JSON of the policy (what export writes; json_decref). */
json_t *gate_policy_json(const struct gate_policy *p);
/*
 * Decides in: the first rule whose conditions all hold wins; none: deny.
 * A rule with subjects or devices that would match except that the user
 * is unknown stops the walk with need_user set (log in first). geo may be
 * NULL (country conditions then see ""). Never fails; thread-safe.
 */
void gate_policy_decide(const struct gate_policy *p, const struct gate_geo *geo,
			const struct gate_input *in, struct gate_decision *d);

/* db.c */
#define GATE_DAYS_KEEP 400 /* days of per-day decision counts kept */
/* Tells the gates of the other instances on the store that something
 * they hold in memory changed (a logout's revocation): at the commit of
 * the transaction under way, at once outside one; a no-op on SQLite. */
int gate_db_changed(struct store *st, struct err *e);
/*
 * A connection that listens for those changes (PostgreSQL LISTEN), for the
 * gate's poller; NULL for a store without notifications (SQLite: one
 * instance). gate_db_wait waits up to ms: 1 when a change was signalled
 * (or the listening connection was made again: changes may have been
 * missed), 0 when not, or at once when wake_fd (an eventfd or pipe, -1:
 * none) is readable (a stop; not read); a lost connection is made again
 * at most every 5 s, meanwhile it just waits (the poller then reads once
 * a second).
 */
struct gate_db_listener;
struct gate_db_listener *gate_db_listen(const char *store_path);
int gate_db_wait(struct gate_db_listener *l, int ms, int wake_fd);
void gate_db_listen_free(struct gate_db_listener *l);
/*
 * Adds a rule's decisions at time at to its lifetime counters
 * (gate_rule_stats) and to those of at's UTC day (gate_rule_days, what
 * `govsec check` reads). 0, or -1 with e set.
 */
int gate_db_stats_add(struct store *st, const char *rule, long long allows,
		      long long denies, time_t at, struct err *e);
/* Records that the gate was running at time at (setting gate.reported,
 * read by `govsec check` to tell stale evidence) and prunes day counts
 * older than GATE_DAYS_KEEP. 0, or -1 with e set. */
int gate_db_reported(struct store *st, time_t at, struct err *e);
/* Loads the stored policy (an empty policy if none: deny all); NULL with e
 * set on failure. */
struct gate_policy *gate_db_policy(struct store *st, struct err *e);
/* Validates doc and stores it as the live policy, with an audit record by
 * actor. 0 or -1 with e set (the stored policy is then unchanged). */
int gate_db_policy_save(struct store *st, const char *doc, size_t len,
			const char *actor, struct err *e);
/* The stored document as a heap string (free) or NULL if none. */
char *gate_db_policy_doc(struct store *st);
/* Adds a gate user (name, display name, comma-separated groups, password
 * of 8..1024 bytes stored as argon2id); 0 or -1 with e set. */
int gate_db_user_add(struct store *st, const char *name, const char *display,
		     const char *groups, const char *password,
		     const char *actor, struct err *e);
/* Enrols TOTP for name with secret_b32 (gate_totp_secret), stored
 * sealed under key (context "gate_users.totp_secret:NAME"), codes up to
 * counter last already used (0: none), and ten new recovery codes into
 * rec (10 x 10 bytes, "xxxx-xxxx"); ends an invitation to enrol. 0 or -1
 * with e set (no such user). */
int gate_db_totp_set(struct store *st, const struct secret_key *key,
		     const char *name, const char *secret_b32, long long last,
		     char rec[10][10], const char *actor, struct err *e);
/* The context a gate user's TOTP secret is sealed with, into out. */
void gate_db_totp_context(const char *name, char *out, size_t n);
/* Seals the TOTP secrets an older govsec stored in clear, under
 * key; the count sealed, or -1 with e set. */
int gate_db_seal_secrets(struct store *st, const struct secret_key *key,
			 struct err *e);
/* Lets name enrol a second factor at the login portal until the Unix time
 * until (0 withdraws the invitation); 0 or -1 with e set. */
int gate_db_invite(struct store *st, const char *name, long long until,
		   const char *actor, struct err *e);
/* Sets whether name may log in only from approved devices (AUTH-4). */
int gate_db_user_bind(struct store *st, const char *name, int bound,
		      const char *actor, struct err *e);
/* Approves device id (AUTH-4); 0 or -1 with e set (unknown id). */
int gate_db_device_approve(struct store *st, const char *id, const char *actor,
			   struct err *e);
/* Withdraws the approval of device id (it is pending again; the gate
 * stops counting it as approved within a second); 0 or -1 with e set
 * (unknown id). */
int gate_db_device_unapprove(struct store *st, const char *id,
			     const char *actor, struct err *e);
/* Deletes device id and revokes the sessions made on it; 0 or -1 with e
 * set (unknown id). */
int gate_db_device_delete(struct store *st, const char *id, const char *actor,
			  struct err *e);
/* Pending devices a user may have at once; a new one replaces the oldest. */
#define GATE_DEVICES_PENDING_MAX 3
/*
 * Registers device id of user, pending approval: key_hash is the hex
 * SHA-256 of its secret, label the user agent (NULL: none), factors the
 * factors of the login that registered it (1 or 2), ip the client
 * address. A user has at most GATE_DEVICES_PENDING_MAX pending devices:
 * the oldest are deleted (sessions on them revoked) to make room. One
 * transaction, audited as actor; the caller serialises use of st. 0 or -1
 * with e set.
 */
int gate_db_device_register(struct store *st, const char *id, const char *user,
			    const char *key_hash, const char *label,
			    int factors, const char *ip, const char *actor,
			    struct err *e);
/*
 * Disables (disabled != 0) or enables gate user name. Disabling revokes
 * every session of the user in the same transaction (the gate drops them
 * within a second) and the portal then answers the user's logins like a
 * wrong password. 0 or -1 with e set ("no gate user 'NAME'").
 */
int gate_db_user_disable(struct store *st, const char *name, int disabled,
			 const char *actor, struct err *e);
/* Deletes gate user name with its devices, security keys and lockout
 * counter, and revokes its sessions; 0 or -1 with e set. */
int gate_db_user_delete(struct store *st, const char *name, const char *actor,
			struct err *e);
/* Sets a new password (8..1024 bytes, argon2id) for name, revokes the
 * user's sessions and clears its account lockout; 0 or -1 with e set. */
int gate_db_user_password(struct store *st, const char *name,
			  const char *password, const char *actor,
			  struct err *e);
/* Revokes every session of user; the gate drops them within a second. */
int gate_db_revoke(struct store *st, const char *user, const char *actor,
		   struct err *e);
/* A session's public id: the first 16 hex digits of its token's SHA-256
 * (says nothing about the token). */
#define GATE_SESSION_ID_LEN 16
#define GATE_SESSION_ID_SQL "substr(token_hash, 1, 16)"
/* 1 if id is 16 lower-case hex digits. */
int gate_session_id_valid(const char *id);
/* Revokes the one live session with that id; 0, or -1 with e set (a
 * malformed id, or "no gate session 'ID'"). */
int gate_db_session_revoke(struct store *st, const char *id, const char *actor,
			   struct err *e);
/* SELECT of the sessions not revoked, newest first (1000 at most), as
 * console and CLI list them, columns named id, user, device, factors,
 * created, seen (the last activity, saved every 30 s), idle_expires,
 * expires, state ("active", "idle", "expired"); bind the current time as
 * its one parameter. */
extern const char gate_db_sessions_sql[];
/* Removes a security key (WebAuthn credential id, base64url), e.g. a lost
 * one; 0, or -1 with e set ("no gate security key 'ID'"). */
int gate_db_key_remove(struct store *st, const char *id, const char *actor,
		       struct err *e);
/* Clears the lockouts of an account or address; 0 or -1. */
int gate_db_unlock(struct store *st, const char *key, const char *actor,
		   struct err *e);

/* parse.c */
/*
 * Request parsing for the gate; all input untrusted. Each returns 0, or -1
 * when the input is malformed or over its limit (the caller denies).
 */
/* The value of cookie name in a Cookie header (at most 8 KiB) into out. */
int gate_cookie_get(const char *header, const char *name, char *out,
		    size_t outlen);
/*
 * Splits an X-Original-URL ("http[s]://host[:port]/path?query", at most
 * 8 KiB) into scheme, host (lower case, without port and without one
 * trailing dot), and the decoded path without query. Refused: a path with
 * an empty segment inside ("//"), a segment that is empty or only dots
 * once a ";parameter" is cut off (".", "..", "..;x", ";x"), a backslash
 * (raw or encoded), an encoded '/', NUL or control bytes; a host with an
 * empty label or other bytes than letters, digits and ".-:[]".
 */
struct gate_url {
	char scheme[6];
	char host[256];
	char hostport[264];
	char path[8192];
};
int gate_url_parse(const char *url, struct gate_url *u);
/* 1 if the Host values (or URL authorities) a and b name the same host
 * as gate_url_parse judges it: case, port and one trailing dot aside;
 * 0 if not or if either is NULL or malformed. */
int gate_host_same(const char *a, const char *b);
/* The peer of a connection on a unix: listener: a local proxy, trusted
 * because the socket's owner, group and mode say who may connect. */
#define GATE_PEER_UNIX "unix"
/* 1 if peer (a numeric address or GATE_PEER_UNIX) is a trusted proxy. */
int gate_peer_trusted(const struct gate_trie *proxies, const char *peer);
/*
 * The client address: peer itself unless peer is a trusted proxy
 * (gate_peer_trusted); then the rightmost X-Forwarded-For entry that is
 * not a trusted proxy (xff may be NULL: the peer; a unix: peer must send
 * one). out gets a numeric address (>= 46 bytes). 0, or -1 if malformed.
 */
int gate_client_addr(const struct gate_trie *proxies, const char *peer,
		     const char *xff, char *out, size_t outlen);
/* Value of field name in an application/x-www-form-urlencoded body,
 * decoded into out; -1 if absent, malformed or too long. */
int gate_form_get(const char *body, const char *name, char *out, size_t outlen);

/* server.c */
struct gate_server;
/* Checks the [gate] settings (listen, proxies, GeoIP files); 0 or -1. */
int gate_check_config(const struct config *cfg, struct err *e);
/*
 * Starts the gate listener on cfg->gate_listen when set (NULL and no error
 * when it is empty). cfg and st must outlive the server; the server uses
 * st only under its own mutex, so the caller must not use st concurrently
 * (govsecd opens one store per listener). key (the store's key file, see
 * store_key_open) opens the sealed TOTP secrets and must outlive the
 * server too. Returns the server or NULL.
 */
struct gate_server *gate_start(const struct config *cfg, struct store *st,
			       const struct secret_key *key, struct err *e);
void gate_stop(struct gate_server *g);

#endif
