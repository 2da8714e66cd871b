/*
 * base.h: the public face of src/base, the helpers every other part uses:
 * bounded buffers, safe strings and numbers, errors, logging, time, random
 * bytes, digests and constant-time comparison. Depends on no other part.
 * Nothing here trusts its input beyond the limits stated per function.
 */
#ifndef GOVSEC_BASE_H
#define GOVSEC_BASE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#if defined(__GNUC__)
#define PRINTF_LIKE(f, a) __attribute__((format(printf, f, a)))
#define VPRINTF_LIKE(f)	  __attribute__((format(printf, f, 0)))
#define NORETURN	  __attribute__((noreturn))
#else
#define PRINTF_LIKE(f, a)
#define VPRINTF_LIKE(f)
#define NORETURN
#endif

/* err.c */
/*
 * One error convention: a function that fails returns -1 (or NULL) and, when
 * given a struct err, writes one lower-case line naming the subject, with no
 * trailing period. Callers print it as is.
 */
struct err {
	char msg[512];
};
void err_set(struct err *e, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* Prepends "prefix: " to an error already set. */
void err_prefix(struct err *e, const char *fmt, ...) PRINTF_LIKE(2, 3);

/* log.c */
enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void log_set_level(enum log_level lvl);
void log_msg(enum log_level lvl, const char *fmt, ...) PRINTF_LIKE(2, 3);
#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)
/* Process glue only: prints "govsec: fatal: ..." and exits with status 2. */
void fatal(const char *fmt, ...) PRINTF_LIKE(1, 2) NORETURN;

/* buf.c */
/*
 * A growable byte buffer with a hard maximum set at creation: growing past
 * max fails with -1 and leaves the contents as they were. data is always
 * NUL-terminated (the terminator is not counted in len).
 */
struct buf {
	char *data;
	size_t len;
	size_t cap;
	size_t max;
};
#define BUF_INIT(maxbytes)                                                     \
	{                                                                      \
		NULL, 0, 0, (maxbytes)                                         \
	}
void buf_init(struct buf *b, size_t max);
void buf_cleanup(struct buf *b);
void buf_reset(struct buf *b);
int buf_add(struct buf *b, const void *data, size_t n);
int buf_addstr(struct buf *b, const char *s);
int buf_addch(struct buf *b, char c);
int buf_printf(struct buf *b, const char *fmt, ...) PRINTF_LIKE(2, 3);
int buf_vprintf(struct buf *b, const char *fmt, va_list ap) VPRINTF_LIKE(2);
/* Appends s escaped for HTML text and attribute values. */
int buf_add_html(struct buf *b, const char *s);
/* Appends s percent-encoded for a URI component (RFC 3986: all but the
 * unreserved characters); 0 or -1. */
int buf_add_pct(struct buf *b, const char *s);
/* Hands the heap string to the caller (free() it); b is reset. */
char *buf_detach(struct buf *b, size_t *len);
/* Reads a whole file of at most max bytes; -1 with e set on failure. */
int buf_read_file(struct buf *b, const char *path, struct err *e);

/* str.c */
/* Copies src into dst of size n; returns -1 if it had to truncate (then at
 * a UTF-8 character boundary). */
int str_copy(char *dst, const char *src, size_t n);
/* snprintf that returns -1 on error or truncation, else the length. */
int str_fmt(char *dst, size_t n, const char *fmt, ...) PRINTF_LIKE(3, 4);
/* Parses a whole decimal integer in [min, max]; -1 if not. */
int str_to_ll(const char *s, long long min, long long max, long long *out);
int str_starts(const char *s, const char *prefix);
int str_ends(const char *s, const char *suffix);
/* 1 if s is valid UTF-8 without NUL or C0 controls other than tab/LF/CR. */
int str_utf8_valid(const char *s, size_t n);
/* 1 if the n bytes at s are well-formed UTF-8 (any code points). */
int str_utf8_wellformed(const void *s, size_t n);
/* Cuts s (len bytes, NUL at len) back to a whole UTF-8 character. */
void str_utf8_trim(char *s, size_t len);
/* s for quoting in a message: itself if at most max bytes, else its first
 * max bytes (cut at a character boundary) and "..."; out holds max + 4. */
const char *str_quote(const char *s, char *out, size_t max);
/* Parses true/yes/on/1 and false/no/off/0 (any case); -1 if neither. */
int str_to_bool(const char *s, int *out);
/* A heap copy of s with each byte that is not valid UTF-8 (or is a
 * control character) replaced by U+FFFD; free() it. */
char *str_utf8_sanitize(const char *s);
/* Writes s to out as a JSON string ("null" for NULL): text that fails
 * str_utf8_valid is sanitized first (str_utf8_sanitize), then quotes,
 * backslashes and tab/LF/CR are escaped. */
void str_json_put(FILE *out, const char *s);
/* Number of code points in valid UTF-8 s. */
size_t str_utf8_len(const char *s);
/* jfast.c */
/*
 * A fast path in front of jansson for JSON text read in bulk (untrusted):
 * jfast_loadb parses the object or array at text[0] (no whitespace
 * before it) within len bytes and returns it as a new jansson value, with
 * *end the offset just past it; or NULL when it declines the text (a
 * syntax error, a real number, an integer of more than 18 digits,
 * "\u0000", a duplicate key, nesting deeper than 64, or anything it is
 * unsure of): parse it with jansson then, which decides and says why.
 * jfast_loads is json_loads(text, 0, NULL) with the fast path first.
 */
struct json_t;
struct json_t *jfast_loadb(const char *text, size_t len, size_t *end);
struct json_t *jfast_loads(const char *text);
/*
 * Reads text (NUL-terminated, untrusted) as an array of objects and calls
 * fn for each with vals[i] the string value of member fields[i] (NULL if
 * absent or not a string; a later duplicate wins), valid during the call.
 * 0 if the whole text was read; -1 if it declined the text (as
 * jfast_loadb, or an element that is not an object), possibly after some
 * calls: then read it with jansson (json_loads) instead.
 */
int jfast_rows(const char *text, const char *const *fields, size_t nfields,
	       void (*fn)(void *arg, const char *const *vals), void *arg);
/* strdup that aborts on allocation failure (out of memory is fatal). */
char *xstrdup(const char *s);
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);

/* timeutil.c */
/* Seconds since the epoch, UTC; GOVSEC_NOW (RFC 3339) overrides for tests. */
time_t time_now(void);
/* Milliseconds of the monotonic clock (for timeouts; not a date). */
long long time_mono_ms(void);
/* Writes RFC 3339 UTC ("2024-07-01T00:00:00Z") into out (>= 21 bytes). */
void time_fmt(time_t t, char *out, size_t n);
/* Writes the date part ("2024-07-01") into out (>= 11 bytes). */
void time_fmt_date(time_t t, char *out, size_t n);
/* Parses "YYYY-MM-DD" (midnight UTC) or RFC 3339; -1 if not valid. */
int time_parse(const char *s, time_t *out);
/* 1 if s is a valid "YYYY-MM-DD" date. */
int time_is_date(const char *s);

/* crypto.c */
#define SM3_LEN 32
/* Fills out with n bytes from the system CSPRNG; -1 on failure. */
int rand_bytes(void *out, size_t n);
/* Writes 2n hex digits and a NUL into out (size >= 2n+1). */
void hex_encode(const void *in, size_t n, char *out);
/* Reads exactly 2n hex digits (either case) and the NUL after them into
 * n bytes at out; -1 if in is anything else. */
int hex_decode(const char *in, void *out, size_t n);
/* The value of one hex digit (either case), or -1. */
int hex_value(int c);
/* SM3 digest of data (GB/T 32905); -1 if the provider lacks SM3. */
int sm3_digest(const void *data, size_t n, unsigned char out[SM3_LEN]);
/* 1 if the n bytes at a and b are equal, in time independent of content. */
int ct_equal(const void *a, const void *b, size_t n);
/* Hashes a password with argon2id into an encoded string (free()). */
char *password_hash(const char *password);
/* 1 if password matches the encoded argon2id hash, 0 if not. */
int password_verify(const char *encoded, const char *password);

/* pwrule.c */
#define PWRULE_MAX_BYTES  1024 /* bytes of a password at most */
#define PWRULE_CLASSES	  3    /* of lower, upper, digit, other */
#define PWRULE_PASSPHRASE 16   /* characters that need no classes */
/*
 * Checks a new password for account name against MLPS level 3 rules: UTF-8
 * of at most PWRULE_MAX_BYTES bytes, at least min_len characters, at least
 * PWRULE_CLASSES character classes unless it has PWRULE_PASSPHRASE
 * characters or more, and not containing name (letters in any case).
 * Returns 0, or -1 with e saying which rule it breaks (never the password).
 */
int pwrule_check(const char *name, const char *pw, int min_len, struct err *e);

/* b64.c */
/*
 * base64url without padding (RFC 4648 section 5).
 * encode writes ceil(4n/3) characters and a NUL into out; it returns that
 * length, or -1 if outlen is too small. decode reads n characters of the
 * URL alphabet only (no padding, no white space, unused bits zero) and
 * returns the number of bytes written to out, or -1 if the input is not
 * canonical base64url or does not fit in outlen.
 */
int b64url_encode(const unsigned char *in, size_t n, char *out, size_t outlen);
int b64url_decode(const char *in, size_t n, unsigned char *out, size_t outlen);

/* qr.c */
/* Appends the SVG path data ("M x yh1v1h-1z" per dark module) of the QR
 * code of text and sets *width (modules a side); 0 or -1. */
int qr_path(struct buf *b, const char *text, int *width);
/* The QR code of text as modules, row by row: *mods (width * width bytes,
 * 1 dark, 0 light; the caller frees it) and *width; 0 or -1 (nothing
 * allocated). */
int qr_modules(const char *text, unsigned char **mods, int *width);

/* secret.c */
/*
 * The key that keeps secrets out of the store's reach: read from a private
 * file ([store] key, default "<store>.key" beside an SQLite store), never
 * stored in the database. Purposes get their own keys by secret_derive().
 */
struct secret_key {
	unsigned char k[SM3_LEN];
	int set;
};
#define SECRET_PLAIN_MAX 2048 /* bytes secret_seal() takes at most */
#define SECRET_SEAL_MAX	 4096 /* bytes of a sealed text at most */
struct config;
/*
 * Checks the open file fd (named path, a what for messages): a regular
 * file owned by the effective user or root (any owner when root reads it)
 * with no bits for group or others. 0, or -1 with e saying what is wrong
 * and how to fix it.
 */
int file_check_private(const char *what, const char *path, int fd,
		       struct err *e);
/*
 * Run by root, gives the file fd (at path) that root owns to the owner and
 * group of its directory when that is not root: a file root's CLI makes
 * beside the daemon user's store (key, audit heads) stays usable by the
 * daemon. Anything else: nothing (a failure is logged).
 */
void file_own_like_dir(int fd, const char *path);
/* HMAC-SM3 of data under key into out; -1 on failure. */
int hmac_sm3(const void *key, size_t keylen, const void *data, size_t n,
	     unsigned char out[SM3_LEN]);
/*
 * Loads k from the key file path: not a link, private (above), 32 to 4096
 * bytes of key material (a trailing newline is ignored). -1 with e naming
 * the file; k is then unset.
 */
int secret_key_load(struct secret_key *k, const char *path, struct err *e);
/* Creates path (must not exist) with mode 0600 and 32 random bytes in hex. */
int secret_key_create(const char *path, struct err *e);
/*
 * The store's key: [store] key if set, else "<store_path>.key" (a
 * PostgreSQL store needs [store] key). With create, a missing default or
 * configured file is created first. -1 with e.
 */
int secret_key_for_store(struct secret_key *k, const struct config *c,
			 const char *store_path, int create, struct err *e);
/* Wipes k. */
void secret_key_wipe(struct secret_key *k);
/* The key for one purpose (a constant label) under k; -1 if k is unset. */
int secret_derive(const struct secret_key *k, const char *purpose,
		  unsigned char out[SM3_LEN]);
/*
 * Seals n bytes (at most SECRET_PLAIN_MAX) for storage: "sm4$" and base64url
 * of IV, SM4-CBC ciphertext and an HMAC-SM3 tag that also covers context
 * (e.g. "gate_users.totp_secret:li", so a sealed value cannot be moved to
 * another row). A new string (free()), or NULL on failure.
 */
char *secret_seal(const struct secret_key *k, const char *context,
		  const void *pt, size_t n);
/* Whether s looks like secret_seal()'s output. */
int secret_is_sealed(const char *s);
/*
 * Opens a sealed text made with the same key and context into out (reset
 * first; wipe it after use). -1 with e if it is malformed, was changed,
 * was made under another key or context.
 */
int secret_open(const struct secret_key *k, const char *context,
		const char *sealed, struct buf *out, struct err *e);

/* map.c */
/*
 * A string-keyed hash map to integers (open addressing). Keys are copied.
 * map_put returns 0, or 1 if the key was already there (value unchanged,
 * *old set when old is not NULL).
 */
struct map {
	char **keys;
	long long *vals;
	size_t *hashes; /* of the keys */
	size_t cap, len;
};
void map_init(struct map *m);
void map_cleanup(struct map *m);
int map_put(struct map *m, const char *key, long long val, long long *old);
/* 0 and *val set if present, -1 if not. */
int map_get(const struct map *m, const char *key, long long *val);

/* arena.c */
/*
 * A region allocator: many small allocations freed together (STYLE 6).
 * arena_alloc never fails (out of memory is fatal); memory is zeroed.
 */
struct arena_block;
struct arena {
	struct arena_block *head;
	size_t used, size;
};
void arena_init(struct arena *a);
void arena_cleanup(struct arena *a);
void *arena_alloc(struct arena *a, size_t n);
char *arena_strdup(struct arena *a, const char *s);
char *arena_printf(struct arena *a, const char *fmt, ...) PRINTF_LIKE(2, 3);
/* arena_alloc without the zeroing, for memory the caller fills at once. */
void *arena_alloc_raw(struct arena *a, size_t n);

/* big.c */
/*
 * Memory for a large array filled at once: a mapping of n bytes (rounded
 * up to 2 MB) with transparent huge pages asked for, zeroed. big_realloc
 * keeps the contents (old: the size it was asked for last); big_free
 * takes that size too. Out of memory is fatal.
 */
void *big_alloc(size_t n);
void *big_realloc(void *p, size_t old, size_t n);
void big_free(void *p, size_t n);
/*
 * Memory for an array that may stay small or grow large: on the C heap
 * below 1 MB, from there in a huge-page mapping (the contents copied once).
 * big_grow takes the size in bytes asked for before (0 with p NULL) and
 * now (never smaller), and keeps the contents, not zeroed beyond them;
 * big_zalloc gives n zeroed bytes; big_grow_free takes the last size.
 */
void *big_grow(void *p, size_t old, size_t n);
void *big_zalloc(size_t n);
void big_grow_free(void *p, size_t n);

/* sidx.c */
/*
 * An index of n records (each stride bytes from base) by the string key
 * each holds at offset off (a char *; NULL: not indexed). The keys are not
 * copied: the records and their keys must stay put while it is used.
 * Of equal keys the first is found. sidx_find: the record's index or -1
 * (also for a NULL key). Lookups may run from several threads at once.
 */
struct sidx {
	uint64_t *slots; /* key hash << 32 | index + 1; 0: empty */
	size_t cap;
	const void *base;
	size_t stride, off;
};
void sidx_build(struct sidx *x, const void *base, size_t n, size_t stride,
		size_t off);
long sidx_find(const struct sidx *x, const char *key);
void sidx_cleanup(struct sidx *x);

/* net.c */
/* Parses a listen setting named what ("[console] listen") into ss (and its
 * length; sslen may be NULL); with numeric, host names are refused (no DNS
 * at start). 0, or -1 with e naming the setting. */
int net_listen_addr(const char *what, const char *listen, int numeric,
		    struct sockaddr_storage *ss, socklen_t *sslen,
		    struct err *e);
/* A listening TCP socket on the numeric listen address of the setting
 * what; the descriptor, or -1 with e set. The caller closes it. */
int net_listen_tcp(const char *what, const char *addr, struct err *e);
/* Checks a unix: listen path (absolute, fits sun_path) and the socket's
 * group (NULL or "": none; *gid = -1) into sun and gid. 0 or -1. */
struct sockaddr_un;
int net_unix_check(const char *what, const char *path, const char *group,
		   struct sockaddr_un *sun, gid_t *gid, struct err *e);
/* A listening Unix stream socket at the absolute path (a stale socket
 * there is replaced, any other file is an error), with the file mode and,
 * unless group is NULL or "", that group. The descriptor, or -1 with e
 * naming the setting what. The caller closes it and unlinks path. */
int net_listen_unix(const char *what, const char *path, int mode,
		    const char *group, struct err *e);

/* privs.c */
/*
 * Who govsecd runs as: [daemon] user and group, switched to by privs_drop()
 * once the listeners are bound. Without [daemon] user it stays who it was
 * started as, which must not be root (GOVSEC_ALLOW_ROOT=yes in the
 * environment allows it, for development).
 */
struct privs {
	uid_t uid;     /* the user it runs as (after privs_drop) */
	gid_t gid;     /* its only group */
	int drop;      /* started as root: privs_drop() switches */
	int as_root;   /* stays root (GOVSEC_ALLOW_ROOT=yes) */
	char name[96]; /* "'nobody' (uid 65534)", for messages */
};
/* Works out p from c and who runs the process. 0, or -1 with e naming the
 * setting (root without [daemon] user, an unknown user, root's ids). */
int privs_resolve(struct privs *p, const struct config *c, struct err *e);
/*
 * For a while, acts as p's user (effective ids; p's group the only one)
 * so that what it creates is that user's, then as root again; no-ops
 * unless p->drop. 0 or -1 with e set.
 */
int privs_enter(const struct privs *p, struct err *e);
int privs_leave(const struct privs *p, struct err *e);
/*
 * Switches to p's user and group (setgroups, setresgid, setresuid) and
 * checks that root cannot be regained. A no-op unless p->drop. 0 or -1.
 */
int privs_drop(const struct privs *p, struct err *e);
/*
 * Refuses files others could change or read, each named in e with how to
 * mend it: the config file and its directory (written by group or others,
 * or not root's or p's user's), the SQLite store, its directory and its
 * -wal/-shm/-journal files (not p's user's, any access for others or
 * write for the group, links), key files ([store] key or <store>.key if
 * it exists, [public] leave_key: not private, links) and the pid file
 * (pidfile or NULL; privs_pidfile_check). 0 or -1.
 */
int privs_check_files(const struct privs *p, const struct config *c,
		      const char *store, const char *pidfile, struct err *e);
/* The pid file path may be written: its directory is root's or p's
 * user's (who can then remove it at stop) and not writable by group or
 * others, and path is no link. 0 or -1. */
int privs_pidfile_check(const struct privs *p, const char *path, struct err *e);
/* Writes the process id to path (privs_pidfile_check first): opened
 * without following links, a regular file of ours with one link, mode
 * 0644. 0, or -1 with e set. */
int privs_pidfile_write(const struct privs *p, const char *path, struct err *e);

/* config.c */
/*
 * govsec.conf, a small INI file (inih), immutable once loaded: reload means
 * load a new one and swap. Every setting has a default (govsec.conf(5)).
 */
/* [check] defaults shared with check_opts_init (src/rules) */
#define CHECK_WHITELIST_MAX_DAYS 90 /* SEC-4: longest whitelist entry */
#define CHECK_SEGMENT_PREFIX4	 8  /* SEC-3: segments cover at most a /8 */
#define CHECK_SEGMENT_PREFIX6	 32 /* ... and at most an IPv6 /32 */
#define CHECK_GATE_WINDOW_DAYS	 30 /* gate decisions counted: last 30 days */
#define CHECK_GATE_STALE_MINUTES 60 /* gate silent longer: evidence stale */
#define CHECK_CF_SCAN_HOURS	 48 /* CF-1: a feed scanned this often */
#define CHECK_CF_ANSWER_DAYS	 7  /* CF-1: a complaint examined within */
#define CHECK_CF_CONFIRM_DAYS	 15 /* CF-2: a suspect decided within */
#define CHECK_CF_TAKEDOWN_DAYS	 3  /* CF-3: a counterfeit taken down */

/* MAIL-3: an e-mail system's mail was recorded this recently (days) */
#define CHECK_MAIL_FLOW_STALE_DAYS 3
/* Limits of an HTTP listener: [console] and [public] (govsec.conf(5)). */
struct listen_limits {
	int connections;    /* connections: open at once (1024) */
	int per_address;    /* per_address: open from one address (32, 0 off) */
	int header_timeout; /* header_timeout: seconds for the head (10) */
	int body_timeout;   /* body_timeout: seconds for a request body (60) */
	int idle_timeout;   /* idle_timeout: seconds without a byte (60) */
};

/* [console] two_factor: who must log in with a second factor. */
enum { TWO_FACTOR_OPTIONAL, TWO_FACTOR_ADMIN, TWO_FACTOR_ALL };
struct config {
	char path[4096];	  /* the file read, "" if none */
	char store[4096];	  /* [store] path */
	char store_key[4096];	  /* [store] key: key file, "" = beside */
	int store_lease_seconds;  /* [store] lease_seconds: a job's (60) */
	char ecert_kek[4096];	  /* [ecert] kek: CA key-encryption key */
	char ecert_url[512];	  /* [ecert] public_url: the badges' base */
	char badge_urls[2048];	  /* [ecert] badge_urls: its former bases */
	char ecert_monitor[4096]; /* [ecert] monitor lines "URL [ROOT]" */
	int ecert_mon_interval;	  /* [ecert] monitor_interval s (300) */
	char platforms[4096];	  /* [registry] platforms */
	char console_listen[128]; /* [console] listen, "127.0.0.1:8440" */
	int session_idle;	  /* [console] session_idle seconds (900) */
	int session_max;	  /* [console] session_max seconds (28800) */
	int secure_cookies;	  /* [console] secure_cookies (yes) */
	int login_attempts;	  /* [console] login_attempts (5) */
	int lockout_seconds;	  /* [console] lockout_seconds (900) */
	int two_factor;		  /* [console] two_factor (TWO_FACTOR_ALL) */
	int password_min_length;  /* [console] password_min_length (12) */
	int password_max_days;	  /* [console] password_max_days (90) */
	long long body_max;	  /* [console] body_max bytes (16 MiB) */
	int threads;		  /* [console] threads (4) */
	int idle_max_minutes;	  /* [check] idle_max_minutes (30) */
	int lockout_max;	  /* [check] lockout_max (10) */
	int whitelist_max_days;	  /* [check] whitelist_max_days (90) */
	/* [check] max_segment_prefix4/6, gate_window_days,
	 * gate_stale_minutes (CHECK_* above) */
	int segment_prefix4, segment_prefix6, gate_window_days,
	    gate_stale_minutes;
	/* [console] connections, per_address, *_timeout */
	struct listen_limits console_limits;
	char console_hosts[1024]; /* [console] hosts, besides localhost */
	/* [gate]: the access gateway (docs/gate.md, govsec.conf(5)) */
	char public_listen[128];     /* [public] listen, "" = none */
	char public_leave_key[4096]; /* [public] leave_key: HMAC key file */
	/* [public] connections, per_address, *_timeout */
	struct listen_limits public_limits;

	char gate_listen[128];	     /* listen, "" = no gate listener */
	char gate_portal[128];	     /* portal path prefix, "/govsec" */
	char gate_proxies[1024];     /* trusted_proxies, "127.0.0.1,::1" */
	char gate_socket_group[64];  /* socket_group for unix: ("") */
	int gate_socket_mode;	     /* socket_mode for unix: (0660) */
	char gate_geoip[4096];	     /* geoip, MaxMind DB path or "" */
	char gate_geoip_csv[4096];   /* geoip_csv, range list path or "" */
	char gate_device_header[64]; /* device_header, "" = device cookie */
	char gate_portal_nets[1024]; /* portal_networks, "" = anywhere */
	char gate_mail_host[256];    /* mail_host, "" = no mail policy */
	char gate_pfpolicy[128];     /* postfix_policy listen, "" = none */
	int gate_session_idle;	     /* session_idle seconds (900) */
	int gate_session_max;	     /* session_max seconds (43200) */
	int gate_attempts;	     /* login_attempts per account (5) */
	int gate_addr_attempts;	     /* address_attempts per address (20) */
	int gate_fail_window;	     /* failure_window seconds (300) */
	int gate_lockout_seconds;    /* lockout_seconds (900) */
	int gate_allow_sample; /* allow_sample: audit 1 in N (100, 0 off) */
	int gate_threads;      /* threads (4) */
	int gate_peer_conns;   /* peer_connections per untrusted peer (64) */
	/* [probe]: availability probing in govsecd (GOVWEB-1) */
	int probe_enabled;	  /* enabled (no) */
	int probe_per_day;	  /* per_day: rounds a day (20) */
	int probe_timeout;	  /* timeout: seconds per probe (15) */
	int probe_allow_private;  /* allow_private (no) */
	char probe_resolve[1024]; /* resolve: test map, "" = DNS */
	/* [inspect]: scheduled inspections in govsecd (LINK-2) */
	int insp_enabled;	   /* enabled (no) */
	int insp_interval_hours;   /* interval_hours: between rounds (24) */
	int insp_interval_seconds; /* interval_seconds: instead, 0 = unset */
	int insp_max_pages;	   /* max_pages (10000, as govsec inspect) */
	int insp_max_seconds;	   /* max_seconds per site (1800) */
	int insp_concurrency;	   /* concurrency (16) */
	int insp_allow_private;	   /* allow_private (no) */
	char insp_resolve[1024];   /* resolve: test map, "" = DNS */
	char insp_cacert[1024];	   /* cacert: CA bundle, "" = the system's */
	/* [counterfeit]: scheduled scans in govsecd (docs/counterfeit.md) */
	char cf_feed_dir[4096]; /* feed_dir: "" = no scheduled scans */
	int cf_interval;	/* interval: seconds between rounds (3600) */
	char cf_regions[4096];	/* regions: GB/T 2260 table, "" = shipped */
	/* [daemon]: who govsecd runs as (privs.c) */
	char daemon_user[64];  /* user, "" = as started (never root) */
	char daemon_group[64]; /* group, "" = the user's own */
	/* [audit]: heads of the chain and the writer (docs/audit.md) */
	char audit_heads[4096];	 /* heads: file, "" = <store>.heads */
	int audit_heads_seconds; /* heads_seconds: a head at least (60) */
	int audit_syslog;	 /* syslog: heads to LOG_AUTHPRIV (yes) */
	int audit_aggregate;	 /* aggregate_seconds: failed logins (60) */
	/* [milter]: govsec-milter (docs/mail.md, govsec.conf(5)) */
	char milter_listen[256];   /* listen, "unix:PATH" or "inet:PORT@HOST" */
	char milter_domains[4096]; /* local_domains, besides the registry's */
	char milter_action[16];	   /* action (reject) */
	int milter_threshold;	   /* threshold score (50) */
	char milter_weights[512];  /* weights: "NAME=N ...", "" = defaults */
	char milter_hop[64];	   /* outbound_hop: its daemon name */
	char milter_exceptions[4096]; /* exceptions: "ADDR DATE, ..." */
	int milter_timeout;	      /* timeout seconds to the MTA (30) */
	/* [takedown]: counterfeit takedown outputs written by govsecd
	 * (docs/counterfeit.md) */
	char td_dir[4096];	   /* dir: where, "" = not written */
	char td_reload[1024];	   /* reload: command after a change, "" */
	char td_warning_host[256]; /* warning_host: CNAME target, "" */
	char td_zone[256];	   /* zone: the RPZ's name, "rpz.govsec." */
	int td_ttl;		   /* ttl: seconds (300) */
	int td_interval;	   /* interval_seconds: between looks (60) */
	/* [complaints]: the public complaint form */
	int cf_pow_bits; /* pow_bits: zero bits of the work (20) */
	int cf_per_hour; /* per_hour: complaints from one address (10) */
	/* [check] cf_*: deadlines of CF-1..3 (CHECK_CF_* defaults) */
	int cf_scan_hours, cf_answer_days, cf_confirm_days, cf_takedown_days;
	int mail_flow_stale_days; /* [check] mail_flow_stale_days (3) */
};
void config_defaults(struct config *c);
/* Reads path over the defaults; -1 with e naming file, line and key. */
int config_load(struct config *c, const char *path, struct err *e);
/*
 * The database path: --db (arg), else GOVSEC_DB, else the config file's,
 * else "govsec.db". Returns a pointer into c or the arguments.
 */
const char *config_store_path(const struct config *c, const char *arg);

#endif
