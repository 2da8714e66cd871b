/*
 * portal.c: the gate's login portal: a server-rendered form (no
 * JavaScript, Chinese and English) taking user name, password and TOTP or
 * recovery code; lockout per account and per source address counted in
 * the store inside one transaction, so parallel guesses cannot pass the
 * limit; device registration and the device credential; logout. Form
 * bodies, cookies and headers are untrusted; passwords and codes are
 * never logged.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>

#include <jansson.h>

#include "audit/audit.h"
#include "gate/internal.h"
#include "gate/webauthn.h"
#include "gate/wire.h"
#include "http/assets.h"

enum msg {
	M_NONE,
	M_BAD,
	M_LOCKED,
	M_DEVICE,
	M_MFA,
	M_OK,
	M_OUT,
	M_ENROL_BAD,
	M_ENROL_GONE,
	M_DEVICE_2FA
};

struct text {
	const char *title, *user, *password, *code, *code_hint, *submit, *other,
	    *other_lang;
	const char *msg[10];
	/* TOTP enrolment at the portal, and its recovery codes */
	const char *enrol_title, *enrol_intro, *enrol_qr, *enrol_key,
	    *enrol_open, *enrol_code, *enrol_submit, *done_title, *done_intro,
	    *done_continue;
	/* security keys (portal.js shows these) */
	const char *key_login, *key_enrol, *key_none, *key_refused, *key_bad,
	    *key_wait, *key_done, *key_unsupported;
	/* what the user reads to the administrator who approves a device */
	const char *device_code;
};

static const struct text en = {
    "Sign in",
    "User name",
    "Password",
    "One-time code or recovery code",
    "6 digits from your authenticator app; leave empty if you have none",
    "Sign in",
    "中文",
    "zh",
    {"", "Wrong user name, password or code.",
     "Too many failed attempts: sign-in is locked for a while.",
     "This device is waiting for an administrator's approval.",
     "This page needs a second factor: enter your one-time code.",
     "You are signed in.", "You are signed out.",
     "That code is not right. Check the time on your phone and enter the "
     "code shown now.",
     "This enrolment has expired or was already used: sign in again.",
     "This device is not registered yet: sign in with your one-time code "
     "or security key to register it."},
    "Set up your second factor",
    "Your administrator asked you to add a one-time code to your sign-in. "
    "Scan the QR code with an authenticator app, or type the key into it, "
    "then enter the 6-digit code the app shows.",
    "QR code for your authenticator app",
    "Key",
    "Open in an authenticator app on this device",
    "Code from the app",
    "Confirm",
    "Second factor set up",
    "You are signed in. Keep these recovery codes offline: each one signs "
    "you in once if you lose your phone. They are not shown again.",
    "Continue",
    "Sign in with a security key",
    "Use a security key instead",
    "No security key is registered for this account.",
    "The security key was not accepted.",
    "The request was not understood: reload the page and try again.",
    "Touch your security key now.",
    "Security key registered: you are signed in.",
    "This browser cannot use security keys here.",
    "Before approving it, your administrator should hear this device's "
    "code from you"};

static const struct text zh = {
    "登录",
    "用户名",
    "密码",
    "动态验证码或恢复码",
    "身份验证器应用中的 6 位数字；没有可留空",
    "登录",
    "English",
    "en",
    {"", "用户名、密码或验证码错误。", "失败次数过多，登录已暂时锁定。",
     "此设备正在等待管理员批准。", "此页面需要第二因素：请输入动态验证码。",
     "您已登录。", "您已退出。",
     "验证码不正确。请检查手机时间，并输入当前显示的验证码。",
     "此次绑定已过期或已完成：请重新登录。",
     "此设备尚未登记：请使用动态验证码或安全密钥登录以登记此设备。"},
    "设置第二因素",
    "管理员要求您在登录时增加动态验证码。请用身份验证器应用扫描二维码，"
    "或手动输入密钥，然后输入应用显示的 6 位数字。",
    "身份验证器应用的二维码",
    "密钥",
    "在本设备的身份验证器应用中打开",
    "应用中的验证码",
    "确认",
    "第二因素已设置",
    "您已登录。请离线保存以下恢复码：手机丢失时，每个恢复码可登录一次。"
    "恢复码不会再次显示。",
    "继续",
    "使用安全密钥登录",
    "改用安全密钥",
    "此账号尚未登记安全密钥。",
    "安全密钥未被接受。",
    "请求无法识别：请刷新页面后重试。",
    "请现在触摸您的安全密钥。",
    "安全密钥已登记，您已登录。",
    "此浏览器无法在此使用安全密钥。",
    "管理员批准前应向您本人核对此设备的编号"};

static const struct text *
lang_of(struct gate_req *r, const char *asked)
{
	const char *al;

	if (asked != NULL && !strcmp(asked, "zh"))
		return &zh;
	if (asked != NULL && !strcmp(asked, "en"))
		return &en;
	al = gate_req_in(r, "Accept-Language");
	return al != NULL && !strncasecmp(al, "zh", 2) ? &zh : &en;
}

/* Query argument name of the request, decoded into out; NULL if absent,
 * malformed or longer than outlen - 1. */
static const char *
query(struct gate_req *r, const char *name, char *out, size_t outlen)
{
	return gate_form_get(r->rq->query, name, out, outlen) == 0 ? out : NULL;
}

/* The start of a portal page, up to and including <h1>. */
static void
page_head(struct buf *b, const struct text *t, const char *title)
{
	buf_printf(b,
		   "<!doctype html>\n<html lang=\"%s\">\n<head>\n"
		   "<meta charset=\"utf-8\">\n<meta name=\"viewport\" "
		   "content=\"width=device-width, initial-scale=1\">\n"
		   "<title>%s - govsec</title>\n<style>body{font-family:"
		   "sans-serif;max-width:24rem;margin:3rem auto;padding:0 "
		   "1rem}label{display:block;margin-top:1rem}input{width:"
		   "100%%;padding:.4rem;font-size:1rem}button{margin-top:"
		   "1.2rem;padding:.5rem 1.2rem;font-size:1rem}"
		   "[role=alert]{border:2px solid #a00;padding:.5rem}"
		   "code{font-size:1.1rem}svg{display:block;margin:1rem 0}"
		   "</style>\n</head>\n<body>\n<main>\n<h1>%s</h1>\n",
		   t == &zh ? "zh-CN" : "en", title, title);
}

/* The language link, the end of the page, and the answer on r. */
static void
page_tail(struct gate_req *r, int status, const struct text *t, struct buf *b)
{
	static const char *const names[] = {"login",   "enrol", "none",
					    "refused", "bad",	"wait",
					    "done",    "ok",	"unsupported"};
	const char *vals[] = {t->key_login,   t->key_enrol, t->key_none,
			      t->key_refused, t->key_bad,   t->key_wait,
			      t->key_done,    t->msg[M_OK], t->key_unsupported};
	const char *portal = r->g->cfg->gate_portal;

	buf_printf(b,
		   "<p><a href=\"%s/login?lang=%s\" lang=\"%s\">%s</a></p>\n"
		   "<div id=\"key-text\" hidden",
		   portal, t->other_lang, t->other_lang, t->other);
	for (size_t i = 0; i < ARRAY_SIZE(names); i++) {
		buf_printf(b, " data-%s=\"", names[i]);
		buf_add_html(b, vals[i]);
		buf_addch(b, '"');
	}
	buf_printf(b,
		   " data-portal=\"%s\" data-lang=\"%s\"></div>\n"
		   "<script src=\"%s/portal.js\" defer></script>\n"
		   "</main>\n</body>\n</html>\n",
		   portal, t == &zh ? "zh" : "en", portal);
	if (b->data == NULL) {
		buf_cleanup(b);
		r->status = 500;
		return;
	}
	gate_req_header(r, "Content-Security-Policy",
			"default-src 'none'; style-src 'unsafe-inline'; "
			"script-src 'self'; connect-src 'self'; "
			"form-action 'self'; frame-ancestors 'none'; "
			"base-uri 'none'");
	gate_req_body(r, status, "text/html; charset=utf-8", b);
}

static void
hidden(struct buf *b, const char *name, const char *value)
{
	buf_printf(b, "<input type=\"hidden\" name=\"%s\" value=\"", name);
	buf_add_html(b, value);
	buf_addstr(b, "\">\n");
}

static void
message(struct buf *b, const struct text *t, enum msg m)
{
	if (m != M_NONE)
		buf_printf(b, "<p role=\"%s\" id=\"msg\">%s</p>\n",
			   m == M_OK || m == M_OUT || m == M_MFA ? "status"
								 : "alert",
			   t->msg[m]);
}

static void
page(struct gate_req *r, int status, const struct text *t, enum msg m,
     const char *rd, int mfa)
{
	struct buf b = BUF_INIT(16384);
	const char *portal = r->g->cfg->gate_portal;

	page_head(&b, t, t->title);
	message(&b, t, m == M_NONE && mfa ? M_MFA : m);
	buf_printf(&b, "<form method=\"post\" action=\"%s/login\">\n", portal);
	buf_printf(&b,
		   "<label for=\"username\">%s</label>\n<input id=\"username\" "
		   "name=\"username\" autocomplete=\"username\" required "
		   "maxlength=\"64\">\n"
		   "<label for=\"password\">%s</label>\n<input id=\"password\" "
		   "name=\"password\" type=\"password\" "
		   "autocomplete=\"current-password\" required "
		   "maxlength=\"1024\">\n"
		   "<label for=\"code\">%s</label>\n<input id=\"code\" "
		   "name=\"code\" inputmode=\"numeric\" "
		   "autocomplete=\"one-time-code\" maxlength=\"16\" "
		   "aria-describedby=\"code-hint\">\n<small id=\"code-hint\">"
		   "%s</small>\n",
		   t->user, t->password, t->code, t->code_hint);
	hidden(&b, "lang", t == &zh ? "zh" : "en");
	if (rd != NULL)
		hidden(&b, "rd", rd);
	buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n",
		   t->submit);
	page_tail(r, status, t, &b);
}

int
gate_portal_get(struct gate_req *r)
{
	char *rd = xmalloc(4097), lang[4], mfa[4];

	page(r, 200, lang_of(r, query(r, "lang", lang, sizeof(lang))), M_NONE,
	     query(r, "rd", rd, 4097),
	     query(r, "mfa", mfa, sizeof(mfa)) != NULL);
	free(rd);
	return 0;
}

/* ---- devices ------------------------------------------------------------ */

int
gate_device_read(struct gate_req *r, char id[GATE_NAME_MAX + 1],
		 unsigned char key[32])
{
	const struct config *cfg = r->g->cfg;
	char val[128];
	const char *c;

	if (cfg->gate_device_header[0] != '\0') {
		/* e.g. nginx's $ssl_client_fingerprint: only a trusted proxy
		 * may say it */
		const char *h = gate_req_in(r, cfg->gate_device_header);
		unsigned char d[32];
		char hex[65];

		if (h == NULL || strlen(h) < 16 || strlen(h) > 512 ||
		    !gate_peer_trusted(r->g->proxies, r->peer))
			return 0;
		gate_sha256(h, strlen(h), d);
		hex_encode(d, 32, hex);
		id[0] = 'c';
		memcpy(id + 1, hex, 31);
		id[32] = '\0';
		gate_sha256(hex, 64, key);
		return 1;
	}
	c = gate_req_in(r, "Cookie");
	if (c == NULL ||
	    gate_cookie_get(c, GATE_DEVICE_COOKIE, val, sizeof(val)) < 0 ||
	    strlen(val) != 16 + 1 + 32 || val[16] != '.' ||
	    strspn(val, "0123456789abcdef") != 16 ||
	    strspn(val + 17, "0123456789abcdef") != 32)
		return 0;
	memcpy(id, val, 16);
	id[16] = '\0';
	gate_sha256(val + 17, 32, key);
	return 1;
}

struct dev_row {
	int found, approved;
	char user[GATE_NAME_MAX + 1], key_hash[65];
};

static int
dev_row(void *arg, struct store_row *row)
{
	struct dev_row *d = arg;

	d->found = 1;
	str_copy(d->user, store_row_text(row, 0), sizeof(d->user));
	str_copy(d->key_hash, store_row_text(row, 1), sizeof(d->key_hash));
	d->approved = (int)store_row_int(row, 2);
	return 1;
}

/*
 * The device this login comes from: a registered device of user whose
 * credential matches, or else a new one registered now, pending approval
 * (its cookie set on r), but only by a login that proved every factor
 * the user has: two, or one for a user without a second factor (second
 * == 0). Fills id ("" when there is no device) and key; *approved says
 * whether an administrator approved it. 0 or -1.
 */
static int
login_device(struct gate_req *r, const char *user, const char *ip, int level,
	     int second, char id[GATE_NAME_MAX + 1], unsigned char key[32],
	     int *approved)
{
	struct gate_server *g = r->g;
	struct dev_row d;
	struct store_val v[1];
	char hex[65], secret[33], cookie[256];
	const char *ua = gate_req_in(r, "User-Agent");
	char label[129];
	unsigned char rnd[24];
	struct err e;
	int have = gate_device_read(r, id, key), rc;

	*approved = 0;
	if (have) {
		memset(&d, 0, sizeof(d));
		hex_encode(key, 32, hex);
		v[0] = SV_TEXT(id);
		rc = gate_query(g,
				"SELECT user, key_hash, approved FROM "
				"gate_devices WHERE id = ?",
				v, 1, dev_row, &d, &e);
		if (rc < 0)
			return -1;
		if (d.found && !strcmp(d.user, user) &&
		    ct_equal(d.key_hash, hex, 64)) {
			*approved = d.approved;
			return 0;
		}
		/* another user's device (or a certificate seen first):
		 * with a device header the id is the certificate's, so it
		 * can only be registered once */
		if (d.found && g->cfg->gate_device_header[0] != '\0')
			return -1;
		if (g->cfg->gate_device_header[0] == '\0')
			have = 0;
	}
	if (second && level < 2) {
		/* a password alone does not register a device of a user who
		 * has a second factor: an administrator could approve the
		 * browser of whoever stole it */
		id[0] = '\0';
		memset(key, 0, 32);
		return 0;
	}
	if (!have) {
		if (rand_bytes(rnd, sizeof(rnd)) < 0)
			return -1;
		hex_encode(rnd, 8, id);
		hex_encode(rnd + 8, 16, secret);
		gate_sha256(secret, 32, key);
		str_fmt(cookie, sizeof(cookie),
			"%s=%s.%s; Path=/; Max-Age=31536000; Secure; "
			"HttpOnly; SameSite=Lax",
			GATE_DEVICE_COOKIE, id, secret);
		gate_req_header(r, "Set-Cookie", cookie);
		OPENSSL_cleanse(secret, sizeof(secret));
		OPENSSL_cleanse(rnd, sizeof(rnd));
	}
	hex_encode(key, 32, hex);
	label[0] = '\0';
	if (ua != NULL && str_utf8_valid(ua, strlen(ua)))
		str_copy(label, ua, sizeof(label)); /* truncation is fine */
	pthread_mutex_lock(&g->st_lock);
	rc = gate_db_device_register(g->st, id, user, hex,
				     label[0] != '\0' ? label : NULL, level, ip,
				     "gate", &e);
	pthread_mutex_unlock(&g->st_lock);
	if (rc < 0)
		log_error("gate: cannot register a device: %s", e.msg);
	return rc;
}

/* ---- lockout ------------------------------------------------------------ */

struct fail_row {
	int found;
	long long failures, first, locked_until;
};

static int
fail_row(void *arg, struct store_row *row)
{
	struct fail_row *f = arg;

	f->found = 1;
	f->failures = store_row_int(row, 0);
	f->first = store_row_int(row, 1);
	f->locked_until = store_row_int(row, 2);
	return 1;
}

/*
 * Counts an attempt against the account and the source address before the
 * password is checked, in one transaction under the store lock: of any
 * number of parallel attempts, exactly as many as the limit allows are
 * admitted. Returns 0 if admitted, 1 if locked, -1 on error.
 */
int
gate_attempt_begin(struct gate_server *g, const char *user, const char *ip,
		   time_t now)
{
	const struct config *cfg = g->cfg;
	char keys[2][128];
	int limits[2] = {cfg->gate_attempts, cfg->gate_addr_attempts};
	struct fail_row f[2];
	struct err e;
	int locked = 0;

	str_fmt(keys[0], sizeof(keys[0]), "user:%s", user);
	str_fmt(keys[1], sizeof(keys[1]), "addr:%s", ip);
	pthread_mutex_lock(&g->st_lock);
	if (store_begin(g->st, &e) < 0)
		goto fail;
	for (int i = 0; i < 2; i++) {
		struct store_val v[1] = {SV_TEXT(keys[i])};

		memset(&f[i], 0, sizeof(f[i]));
		if (store_query(g->st,
				"SELECT failures, first, locked_until FROM "
				"gate_failures WHERE key = ?",
				v, 1, fail_row, &f[i], &e) < 0)
			goto undo;
		if (f[i].locked_until > now)
			locked = 1;
	}
	for (int i = 0; i < 2 && !locked; i++) {
		struct store_val v[4];

		if (!f[i].found || f[i].first + cfg->gate_fail_window <= now ||
		    (f[i].locked_until != 0 && f[i].locked_until <= now)) {
			f[i].failures = 0;
			f[i].first = now;
			f[i].locked_until = 0;
		}
		f[i].failures++;
		if (f[i].failures >= limits[i]) {
			char object[160], after[64];

			f[i].locked_until = now + cfg->gate_lockout_seconds;
			str_fmt(object, sizeof(object), "gate %s '%s'",
				i == 0 ? "account" : "address", keys[i] + 5);
			str_fmt(after, sizeof(after),
				"%lld failures, locked for %d s", f[i].failures,
				cfg->gate_lockout_seconds);
			if (audit_append(g->st, "gate", "gate.lockout", object,
					 NULL, after, &e) < 0)
				goto undo;
		}
		v[0] = SV_TEXT(keys[i]);
		v[1] = SV_INT(f[i].failures);
		v[2] = SV_INT(f[i].first);
		v[3] = SV_INT(f[i].locked_until);
		if (store_exec(
			g->st,
			"INSERT INTO gate_failures(key, failures, first, "
			"locked_until) VALUES (?,?,?,?) ON "
			"CONFLICT(key) DO UPDATE SET failures = "
			"excluded.failures, first = excluded.first, "
			"locked_until = excluded.locked_until",
			v, 4, &e) < 0)
			goto undo;
	}
	if (store_commit(g->st, &e) < 0)
		goto undo;
	pthread_mutex_unlock(&g->st_lock);
	return locked;
undo:
	store_rollback(g->st);
fail:
	pthread_mutex_unlock(&g->st_lock);
	log_error("gate: lockout counters: %s", e.msg);
	return -1;
}

/* A successful login takes its attempt back: the account starts afresh,
 * the address loses one count (and a lock that count set). */
void
gate_attempt_success(struct gate_server *g, const char *user, const char *ip)
{
	char k0[128], k1[128];
	struct store_val v[2];
	struct err e;

	str_fmt(k0, sizeof(k0), "user:%s", user);
	str_fmt(k1, sizeof(k1), "addr:%s", ip);
	pthread_mutex_lock(&g->st_lock);
	v[0] = SV_TEXT(k0);
	if (store_exec(g->st, "DELETE FROM gate_failures WHERE key = ?", v, 1,
		       &e) < 0)
		log_error("gate: lockout counters: %s", e.msg);
	v[0] = SV_INT(g->cfg->gate_addr_attempts);
	v[1] = SV_TEXT(k1);
	if (store_exec(g->st,
		       "UPDATE gate_failures SET failures = max(failures - 1, "
		       "0), locked_until = CASE WHEN failures - 1 < ? THEN 0 "
		       "ELSE locked_until END WHERE key = ?",
		       v, 2, &e) < 0)
		log_error("gate: lockout counters: %s", e.msg);
	pthread_mutex_unlock(&g->st_lock);
}

/* ---- login -------------------------------------------------------------- */

struct user_row {
	int found;
	char *password, *totp, *recovery, *groups, *display;
	int bound, disabled;
	long long enrol_until; /* invited to enrol TOTP until then */
	long long keys;	       /* security keys registered */
};

static int
user_row(void *arg, struct store_row *row)
{
	struct user_row *u = arg;
	const char *s;

	u->found = 1;
	u->password = xstrdup(store_row_text(row, 0));
	s = store_row_text(row, 1);
	u->totp = s != NULL ? xstrdup(s) : NULL;
	s = store_row_text(row, 2);
	u->recovery = s != NULL ? xstrdup(s) : NULL;
	u->groups =
	    xstrdup(store_row_text(row, 3) ? store_row_text(row, 3) : "");
	s = store_row_text(row, 4);
	u->display = s != NULL ? xstrdup(s) : NULL;
	u->bound = (int)store_row_int(row, 5);
	u->enrol_until = store_row_int(row, 6);
	u->disabled = (int)store_row_int(row, 7);
	u->keys = store_row_int(row, 8);
	return 1;
}

static void
user_row_free(struct user_row *u)
{
	free(u->password);
	if (u->totp != NULL)
		OPENSSL_cleanse(u->totp, strlen(u->totp));
	free(u->totp);
	free(u->recovery);
	free(u->groups);
	free(u->display);
}

/* The gate user named user into u (u->found 0 if none), the caller
 * holding the store lock or not (locked says which); 0 or -1. */
static int
user_load(struct gate_server *g, const char *user, int locked,
	  struct user_row *u, struct err *e)
{
	struct store_val v[1] = {SV_TEXT(user)};
	static const char sql[] =
	    "SELECT password, totp_secret, recovery, groups, display, bound, "
	    "enrol_until, disabled, (SELECT count(*) FROM gate_webauthn w "
	    "WHERE w.user = gate_users.name) FROM gate_users WHERE name = ?";

	return locked ? store_query(g->st, sql, v, 1, user_row, u, e)
		      : gate_query(g, sql, v, 1, user_row, u, e);
}

/* Checks a TOTP code and records its step, atomically: 1 if accepted. */
static int
check_totp(struct gate_server *g, const char *user, const char *code,
	   time_t now)
{
	struct store_val v[2];
	char *secret, ctx[GATE_NAME_MAX + 64];
	long long last;
	int ok = 0;
	struct err e;

	v[0] = SV_TEXT(user);
	gate_db_totp_context(user, ctx, sizeof(ctx));
	pthread_mutex_lock(&g->st_lock);
	secret = store_query_text(
	    g->st, "SELECT totp_secret FROM gate_users WHERE name = ?", v, 1);
	last = store_query_int(
	    g->st, "SELECT totp_last FROM gate_users WHERE name = ?", v, 1, 0);
	if (secret != NULL) {
		ok = gate_totp_check_sealed(g->key, ctx, secret, code, now,
					    &last, &e);
		if (ok < 0) {
			log_error("gate: TOTP of '%s' cannot be checked: %s",
				  user, e.msg);
			ok = 0;
		}
	}
	if (ok) {
		v[0] = SV_INT(last);
		v[1] = SV_TEXT(user);
		ok = store_exec(g->st,
				"UPDATE gate_users SET totp_last = ? WHERE "
				"name = ? AND totp_last < ?1",
				v, 2, &e) == 0 &&
		     store_changes(g->st) == 1;
	}
	pthread_mutex_unlock(&g->st_lock);
	free(secret);
	return ok;
}

/* Checks a recovery code and spends it: 1 if accepted. */
static int
check_recovery(struct gate_server *g, const char *user, const char *code)
{
	char *list, *rest = NULL;
	struct store_val v[2];
	int ok = 0;
	struct err e;

	v[0] = SV_TEXT(user);
	pthread_mutex_lock(&g->st_lock);
	list = store_query_text(
	    g->st, "SELECT recovery FROM gate_users WHERE name = ?", v, 1);
	if (gate_recovery_spend(list, code, &rest)) {
		v[0] = SV_TEXT(rest);
		v[1] = SV_TEXT(user);
		ok = store_exec(g->st,
				"UPDATE gate_users SET recovery = ? WHERE "
				"name = ?",
				v, 2, &e) == 0;
	}
	pthread_mutex_unlock(&g->st_lock);
	free(rest);
	free(list);
	return ok;
}

/* 1 if rd may be redirected to: an http(s) URL on the portal's host. */
static int
safe_rd(struct gate_req *r, const char *rd)
{
	struct gate_url *u;
	const char *host = gate_req_in(r, "Host");
	int ok;

	if (rd == NULL || host == NULL)
		return 0;
	u = xcalloc(1, sizeof(*u));
	ok = gate_url_parse(rd, u) == 0 && !strcasecmp(u->hostport, host);
	free(u);
	return ok;
}

/* 1 unless the request carries an Origin of another site (login and
 * logout CSRF); browsers send Origin with every cross-site POST. */
static int
same_origin(struct gate_req *r)
{
	const char *o = gate_req_in(r, "Origin"),
		   *host = gate_req_in(r, "Host");
	const char *h;

	if (o == NULL)
		return 1;
	if (host == NULL)
		return 0;
	if (str_starts(o, "https://"))
		h = o + 8;
	else if (str_starts(o, "http://"))
		h = o + 7;
	else
		return 0;
	return !strcasecmp(h, host);
}

/* The answer to a bound account's login on a device waiting for
 * approval: the message and the device's id, which the user reads to the
 * administrator who approves it. */
static void
device_page(struct gate_req *r, const struct text *t, const char *did)
{
	struct buf b = BUF_INIT(16384);

	page_head(&b, t, t->title);
	message(&b, t, M_DEVICE);
	buf_printf(&b, "<p>%s: <code id=\"device-id\">", t->device_code);
	buf_add_html(&b, did);
	buf_addstr(&b, "</code></p>\n");
	page_tail(r, 403, t, &b);
}

/*
 * The end of every login that passed its factors: the device (AUTH-4), a
 * bound account's refusal on an unapproved one, the session replacing the
 * browser's old one, its cookie on r, the audit. 0, or -1 with the answer
 * page set on r.
 */
static int
login_finish(struct gate_req *r, const struct text *t, const char *user,
	     const char *ip, const struct user_row *u, int level,
	     const char *object)
{
	struct gate_server *g = r->g;
	char did[GATE_NAME_MAX + 1], token[65], cookie[256], after[160];
	unsigned char dkey[32];
	int approved = 0;

	if (login_device(r, user, ip, level, u->totp != NULL || u->keys > 0,
			 did, dkey, &approved) < 0) {
		page(r, 500, t, M_BAD, NULL, 0);
		return -1;
	}
	if (u->bound && !approved && did[0] == '\0') {
		gate_audit(g, "gate", "gate.login.device", object,
			   "a new device needs the second factor");
		page(r, 401, t, M_DEVICE_2FA, NULL, 0);
		return -1;
	}
	if (u->bound && !approved) {
		str_fmt(after, sizeof(after), "device '%s' not approved", did);
		gate_audit(g, "gate", "gate.login.device", object, after);
		device_page(r, t, did);
		return -1;
	}
	/* a new login replaces the session the browser had (step-up) */
	{
		const char *c = gate_req_in(r, "Cookie");
		char old[96];

		if (c != NULL &&
		    gate_cookie_get(c, GATE_COOKIE, old, sizeof(old)) == 0) {
			gate_sess_drop(g, old);
			OPENSSL_cleanse(old, sizeof(old));
		}
	}
	if (gate_sess_create(g, user, u->groups, u->display,
			     did[0] != '\0' ? did : NULL,
			     did[0] != '\0' ? dkey : NULL, level, token) < 0) {
		page(r, 503, t, M_BAD, NULL, 0);
		return -1;
	}
	str_fmt(cookie, sizeof(cookie),
		"%s=%s; Path=/; Secure; HttpOnly; SameSite=Lax", GATE_COOKIE,
		token);
	OPENSSL_cleanse(token, sizeof(token));
	gate_req_header(r, "Set-Cookie", cookie);
	OPENSSL_cleanse(cookie, sizeof(cookie));
	if (did[0] == '\0')
		str_fmt(after, sizeof(after),
			"%d factor%s, no device (registering one needs the "
			"second factor)",
			level, level > 1 ? "s" : "");
	else
		str_fmt(after, sizeof(after), "%d factor%s, device '%s'%s",
			level, level > 1 ? "s" : "", did,
			approved ? "" : " (not approved)");
	gate_audit(g, "gate", "gate.login", object, after);
	return 0;
}

/* ---- TOTP enrolment at the portal --------------------------------------- */

/* Keeps a new ceremony of kind for user (one per user and kind) for
 * GATE_PENDING_TTL seconds with secret; its handle (32 hex digits) into
 * handle. 0, or -1 when all slots are taken. */
static int
pending_put(struct gate_server *g, enum gate_pending_kind kind,
	    const char *user, const char *secret, char handle[33])
{
	unsigned char rnd[16];
	time_t now = time_now();
	int slot = -1, rc = -1;

	if (rand_bytes(rnd, sizeof(rnd)) < 0)
		return -1;
	hex_encode(rnd, sizeof(rnd), handle);
	pthread_mutex_lock(&g->pend_lock);
	for (int i = 0; i < GATE_PENDING_MAX; i++) {
		struct gate_pending *p = &g->pending[i];

		if (p->expires != 0 &&
		    (p->expires <= now ||
		     (p->kind == kind && !strcmp(p->user, user))))
			OPENSSL_cleanse(p, sizeof(*p)); /* expired, replaced */
		if (p->expires == 0 && slot < 0)
			slot = i;
	}
	if (slot >= 0) {
		struct gate_pending *p = &g->pending[slot];

		gate_sha256(handle, 32, p->key);
		p->kind = kind;
		str_copy(p->user, user, sizeof(p->user));
		str_copy(p->secret, secret, sizeof(p->secret));
		p->expires = now + GATE_PENDING_TTL;
		rc = 0;
	}
	pthread_mutex_unlock(&g->pend_lock);
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

/* The live ceremony of kind named by handle: 1 with user and secret
 * (96 bytes) copied out, 0 if none. With drop the slot is freed (the
 * ceremony is over, whatever comes of it). */
static int
pending_get(struct gate_server *g, enum gate_pending_kind kind,
	    const char *handle, int drop, char user[GATE_NAME_MAX + 1],
	    char secret[96])
{
	unsigned char key[32];
	time_t now = time_now();
	int found = 0;

	if (strlen(handle) != 32)
		return 0;
	gate_sha256(handle, 32, key);
	pthread_mutex_lock(&g->pend_lock);
	for (int i = 0; i < GATE_PENDING_MAX && !found; i++) {
		struct gate_pending *p = &g->pending[i];

		if (p->expires == 0 || p->kind != kind ||
		    !ct_equal(p->key, key, 32))
			continue;
		if (p->expires > now) {
			str_copy(user, p->user, GATE_NAME_MAX + 1);
			str_copy(secret, p->secret, 96);
			found = 1;
		}
		if (drop || p->expires <= now)
			OPENSSL_cleanse(p, sizeof(*p));
	}
	pthread_mutex_unlock(&g->pend_lock);
	return found;
}

/* The enrolment page: the QR code, the key, the code field. */
static void
enrol_page(struct gate_req *r, int status, const struct text *t, enum msg m,
	   const char *user, const char *secret, const char *handle,
	   const char *rd)
{
	struct buf b = BUF_INIT(65536), uri = BUF_INIT(1024);

	if (gate_totp_uri(&uri, "govsec", user, secret) < 0) {
		r->status = 500;
		return;
	}
	page_head(&b, t, t->enrol_title);
	message(&b, t, m);
	buf_printf(&b, "<p>%s</p>\n", t->enrol_intro);
	gate_qr_svg(&b, uri.data, t->enrol_qr);
	buf_printf(&b, "\n<p>%s: <code id=\"secret\">", t->enrol_key);
	for (size_t i = 0; secret[i] != '\0'; i++) {
		if (i > 0 && i % 4 == 0)
			buf_addch(&b, ' ');
		buf_addch(&b, secret[i]);
	}
	buf_addstr(&b, "</code></p>\n<p><a id=\"otpauth\" href=\"");
	buf_add_html(&b, uri.data);
	buf_printf(&b, "\">%s</a></p>\n", t->enrol_open);
	buf_printf(&b,
		   "<form method=\"post\" action=\"%s/enrol\">\n"
		   "<label for=\"code\">%s</label>\n<input id=\"code\" "
		   "name=\"code\" inputmode=\"numeric\" "
		   "autocomplete=\"one-time-code\" maxlength=\"8\" required>\n",
		   r->g->cfg->gate_portal, t->enrol_code);
	hidden(&b, "handle", handle);
	hidden(&b, "lang", t == &zh ? "zh" : "en");
	if (rd != NULL && rd[0] != '\0')
		hidden(&b, "rd", rd);
	buf_printf(&b, "<button type=\"submit\">%s</button>\n</form>\n",
		   t->enrol_submit);
	buf_cleanup(&uri);
	page_tail(r, status, t, &b);
}

/* After the password of an invited user without TOTP: a new secret,
 * kept pending until the user types a code it makes. */
static void
enrol_start(struct gate_req *r, const struct text *t, const char *user,
	    const char *rd)
{
	char secret[40], handle[33];

	if (gate_totp_secret(secret) < 0 ||
	    pending_put(r->g, PEND_TOTP, user, secret, handle) < 0) {
		page(r, 503, t, M_BAD, NULL, 0);
		return;
	}
	enrol_page(r, 200, t, M_NONE, user, secret, handle, rd);
	OPENSSL_cleanse(secret, sizeof(secret));
}

int
gate_portal_enrol(struct gate_req *r)
{
	struct gate_server *g = r->g;
	const char *body = r->body;
	char handle[40], code[10], lang[4], ip[64], user[GATE_NAME_MAX + 1],
	    secret[96], object[192], actor[96], rec[10][10];
	char *rd = xcalloc(1, 4097);
	const struct text *t;
	struct user_row u;
	time_t now = time_now();
	long long last = 0;
	struct buf b = BUF_INIT(16384);
	struct err e;
	int rc;

	memset(&u, 0, sizeof(u));
	t = lang_of(r, gate_form_get(body, "lang", lang, sizeof(lang)) == 0
			   ? lang
			   : NULL);
	if (gate_form_get(body, "rd", rd, 4097) < 0)
		rd[0] = '\0';
	if (!same_origin(r) ||
	    gate_form_get(body, "handle", handle, sizeof(handle)) < 0 ||
	    gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		page(r, 400, t, M_BAD, NULL, 0);
		goto out;
	}
	if (gate_form_get(body, "code", code, sizeof(code)) < 0)
		code[0] = '\0';
	if (!pending_get(g, PEND_TOTP, handle, 0, user, secret)) {
		page(r, 410, t, M_ENROL_GONE, rd[0] ? rd : NULL, 0);
		goto out;
	}
	str_fmt(object, sizeof(object), "gate user '%s' from %s", user, ip);
	rc = gate_attempt_begin(g, user, ip, now);
	if (rc != 0) {
		if (rc > 0)
			gate_audit(g, "gate", "gate.login.locked", object,
				   NULL);
		page(r, rc > 0 ? 429 : 500, t, M_LOCKED, NULL, 0);
		goto out;
	}
	if (!gate_totp_check(secret, code, now, &last)) {
		gate_audit(g, "gate", "gate.login.fail", object,
			   "wrong enrolment code");
		enrol_page(r, 401, t, M_ENROL_BAD, user, secret, handle, rd);
		goto out;
	}
	/* one enrolment per handle, even with two right codes in flight */
	if (!pending_get(g, PEND_TOTP, handle, 1, user, secret)) {
		page(r, 410, t, M_ENROL_GONE, rd[0] ? rd : NULL, 0);
		goto out;
	}
	str_fmt(actor, sizeof(actor), "gate:%s", user);
	pthread_mutex_lock(&g->st_lock);
	rc = user_load(g, user, 1, &u, &e);
	/* the invitation may have been withdrawn meanwhile */
	if (rc == 0 && u.found && !u.disabled && u.totp == NULL &&
	    u.enrol_until > now)
		rc = gate_db_totp_set(g->st, g->key, user, secret, last, rec,
				      actor, &e);
	else if (rc == 0)
		rc = 1;
	pthread_mutex_unlock(&g->st_lock);
	if (rc != 0) {
		if (rc < 0)
			log_error("gate: enrolment of '%s': %s", user, e.msg);
		page(r, rc < 0 ? 500 : 410, t, M_ENROL_GONE, NULL, 0);
		goto out;
	}
	gate_attempt_success(g, user, ip);
	if (login_finish(r, t, user, ip, &u, 2, object) < 0)
		goto out;
	page_head(&b, t, t->done_title);
	buf_printf(
	    &b, "<p role=\"status\" id=\"msg\">%s</p>\n<ol id=\"recovery\">\n",
	    t->done_intro);
	for (int i = 0; i < 10; i++)
		buf_printf(&b, "<li><code>%s</code></li>\n", rec[i]);
	buf_addstr(&b, "</ol>\n");
	if (rd[0] != '\0' && safe_rd(r, rd)) {
		buf_addstr(&b, "<p><a id=\"continue\" href=\"");
		buf_add_html(&b, rd);
		buf_printf(&b, "\">%s</a></p>\n", t->done_continue);
	}
	page_tail(r, 200, t, &b);
	OPENSSL_cleanse(rec, sizeof(rec));
out:
	OPENSSL_cleanse(secret, sizeof(secret));
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(handle, sizeof(handle));
	user_row_free(&u);
	free(rd);
	return 0;
}

int
gate_portal_login(struct gate_req *r)
{
	struct gate_server *g = r->g;
	const char *body = r->body;
	char user[GATE_NAME_MAX + 1], pw[1025], code[17], lang[4], ip[64],
	    object[192], after[160];
	char *rd = xcalloc(1, 4097);
	const struct text *t;
	struct user_row u;
	time_t now = time_now();
	int ok, level = 1, rc;
	struct err e;

	memset(&u, 0, sizeof(u));
	t = lang_of(r, gate_form_get(body, "lang", lang, sizeof(lang)) == 0
			   ? lang
			   : NULL);
	if (gate_form_get(body, "rd", rd, 4097) < 0)
		rd[0] = '\0';
	if (!same_origin(r)) {
		page(r, 403, t, M_BAD, NULL, 0);
		goto out;
	}
	if (gate_form_get(body, "username", user, sizeof(user)) < 0 ||
	    gate_form_get(body, "password", pw, sizeof(pw)) < 0 ||
	    user[0] == '\0') {
		page(r, 400, t, M_BAD, rd[0] ? rd : NULL, 0);
		goto out;
	}
	if (gate_form_get(body, "code", code, sizeof(code)) < 0)
		code[0] = '\0';
	if (gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		page(r, 400, t, M_BAD, NULL, 0);
		goto out;
	}
	for (char *c = user; *c; c++)
		if (!((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') ||
		      (*c >= '0' && *c <= '9') || strchr("._-@", *c) != NULL))
			*c = '_'; /* never matches a user; still counted */
	str_fmt(object, sizeof(object), "gate user '%s' from %s", user, ip);
	rc = gate_attempt_begin(g, user, ip, now);
	if (rc != 0) {
		if (rc > 0)
			gate_audit(g, "gate", "gate.login.locked", object,
				   NULL);
		page(r, rc > 0 ? 429 : 500, t, M_LOCKED, rd[0] ? rd : NULL, 0);
		goto out;
	}
	rc = user_load(g, user, 0, &u, &e);
	if (rc < 0) {
		page(r, 500, t, M_BAD, NULL, 0);
		goto out;
	}
	ok = password_verify(u.found ? u.password : g->dummy_hash, pw) &&
	     u.found;
	str_copy(after, "wrong password or unknown user", sizeof(after));
	if (ok && u.disabled) {
		/* answered like a wrong password: nothing to learn */
		ok = 0;
		str_copy(after, "account disabled", sizeof(after));
	}
	if (ok && u.totp != NULL && code[0] != '\0') {
		if (strchr(code, '-') != NULL)
			ok = check_recovery(g, user, code);
		else
			ok = check_totp(g, user, code, now);
		level = 2;
		if (!ok)
			str_copy(after, "wrong, used or expired code",
				 sizeof(after));
	}
	if (!ok) {
		/* unknown names are counted per address, not one record each
		 * (an enumeration writes ~40 a second) */
		if (u.found ||
		    auditq_count("gate", "gate.login.unknown", ip) < 0)
			gate_audit(g, "gate", "gate.login.fail", object, after);
		page(r, 401, t, M_BAD, rd[0] ? rd : NULL, 0);
		goto out;
	}
	gate_attempt_success(g, user, ip);
	if (u.totp == NULL && u.enrol_until > now) {
		/* invited: the second factor is set up before the login */
		enrol_start(r, t, user, rd);
		goto out;
	}
	if (login_finish(r, t, user, ip, &u, level, object) < 0)
		goto out;
	if (rd[0] != '\0' && safe_rd(r, rd)) {
		gate_req_header(r, "Location", rd);
		r->status = 302;
		goto out;
	}
	page(r, 200, t, M_OK, NULL, 0);
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(code, sizeof(code));
	user_row_free(&u);
	free(rd);
	return 0;
}

int
gate_portal_logout(struct gate_req *r)
{
	const char *c = gate_req_in(r, "Cookie");
	char token[96], cookie[128];

	if (!same_origin(r)) {
		r->status = 403;
		return 0;
	}
	if (c != NULL &&
	    gate_cookie_get(c, GATE_COOKIE, token, sizeof(token)) == 0) {
		gate_sess_drop(r->g, token);
		OPENSSL_cleanse(token, sizeof(token));
		gate_audit(r->g, "gate", "gate.logout", "gate session", NULL);
	}
	str_fmt(cookie, sizeof(cookie),
		"%s=; Path=/; Max-Age=0; Secure; HttpOnly; SameSite=Lax",
		GATE_COOKIE);
	gate_req_header(r, "Set-Cookie", cookie);
	page(r, 200, lang_of(r, NULL), M_OUT, NULL, 0);
	return 0;
}

/* ---- security keys (WebAuthn) ------------------------------------------- */

/* An answer of JSON o (taken) with status. */
static void
json_reply(struct gate_req *r, int status, json_t *o)
{
	char *s = o != NULL ? json_dumps(o, JSON_COMPACT) : NULL;
	struct buf b = BUF_INIT(65536);

	json_decref(o);
	if (s == NULL || buf_addstr(&b, s) < 0) {
		free(s);
		buf_cleanup(&b);
		r->status = 500;
		return;
	}
	free(s);
	gate_req_body(r, status, "application/json", &b);
}

static void
json_fail(struct gate_req *r, int status, const char *msg)
{
	json_reply(r, status, json_pack("{s:s}", "error", msg));
}

/* A string member of o, or NULL. */
static const char *
jstr(const json_t *o, const char *name)
{
	return json_string_value(json_object_get(o, name));
}

/*
 * What a ceremony is bound to: the page's origin, which the browser sends
 * and same_origin checks against Host (so another site cannot stand in),
 * and the RP ID, the host without its port. 0, or -1 if either is missing
 * or unusable (an IP literal in brackets).
 */
static int
key_origin(struct gate_req *r, char origin[300], char rpid[256])
{
	const char *o = gate_req_in(r, "Origin");

	if (o == NULL || !same_origin(r) || str_copy(origin, o, 300) < 0)
		return -1;
	return ceremony_rpid(gate_req_in(r, "Host"), rpid);
}

/* The user's security keys as [{"type": "public-key", "id": ...}]. */
static json_t *
key_ids(struct gate_server *g, const char *user)
{
	json_t *a = json_array();
	struct store_val v[1] = {SV_TEXT(user)};
	struct err e;

	if (gate_query(g,
		       "SELECT id FROM gate_webauthn WHERE user = ? ORDER BY "
		       "created",
		       v, 1, ceremony_id_row, a, &e) < 0)
		log_error("gate: security keys of '%s': %s", user, e.msg);
	return a;
}

/*
 * POST {portal}/key/login/begin {"username", "password", "lang"}: the
 * password is checked and counted as at the form (a login that stops here
 * stays a counted attempt); with keys registered, a challenge for them.
 */
static void
key_login_begin(struct gate_req *r, const json_t *in)
{
	struct gate_server *g = r->g;
	const struct text *t = lang_of(r, jstr(in, "lang"));
	const char *user = jstr(in, "username"), *pw = jstr(in, "password");
	char ip[64], origin[300], rpid[256], object[192], b64[64], handle[33];
	struct user_row u;
	json_t *ids;
	struct err e;
	int rc;

	memset(&u, 0, sizeof(u));
	if (user == NULL || pw == NULL || user[0] == '\0' ||
	    strlen(user) > GATE_NAME_MAX || strlen(pw) > 1024 ||
	    strspn(user, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			 "0123456789._-@") != strlen(user) ||
	    key_origin(r, origin, rpid) < 0 ||
	    gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		json_fail(r, 400, t->key_bad);
		return;
	}
	str_fmt(object, sizeof(object), "gate user '%s' from %s", user, ip);
	rc = gate_attempt_begin(g, user, ip, time_now());
	if (rc != 0) {
		if (rc > 0)
			gate_audit(g, "gate", "gate.login.locked", object,
				   NULL);
		json_fail(r, rc > 0 ? 429 : 500, t->msg[M_LOCKED]);
		return;
	}
	rc = user_load(g, user, 0, &u, &e);
	if (rc < 0 ||
	    !password_verify(u.found ? u.password : g->dummy_hash, pw) ||
	    !u.found || u.disabled) {
		if (rc == 0 &&
		    (u.found ||
		     auditq_count("gate", "gate.login.unknown", ip) < 0))
			gate_audit(g, "gate", "gate.login.fail", object,
				   u.found && u.disabled
				       ? "account disabled"
				       : "wrong password or unknown user");
		json_fail(r, rc < 0 ? 500 : 401, t->msg[M_BAD]);
		goto out;
	}
	ids = key_ids(g, user);
	if (json_array_size(ids) == 0) {
		json_decref(ids);
		json_fail(r, 409, t->key_none);
		goto out;
	}
	if (ceremony_challenge(b64) < 0 ||
	    pending_put(g, PEND_KEY_LOGIN, user, b64, handle) < 0) {
		json_decref(ids);
		json_fail(r, 503, t->key_bad);
		goto out;
	}
	json_reply(r, 200,
		   json_pack("{s:s,s:o}", "handle", handle, "publicKey",
			     ceremony_get_options(b64, rpid, ids)));
out:
	user_row_free(&u);
}

/*
 * POST {portal}/key/login/finish {"handle", "id", "clientDataJSON",
 * "authenticatorData", "signature", "rd"}: the assertion of one of the
 * user's keys over the challenge; a two-factor session.
 */
static void
key_login_finish(struct gate_req *r, const json_t *in)
{
	struct gate_server *g = r->g;
	const struct text *t = lang_of(r, jstr(in, "lang"));
	const char *handle = jstr(in, "handle"), *id = jstr(in, "id"),
		   *rd = jstr(in, "rd");
	char user[GATE_NAME_MAX + 1], chal[96], ip[64], origin[300], rpid[256],
	    object[192], after[300], at[32];
	struct ceremony_key k;
	struct user_row u;
	struct store_val v[4];
	uint32_t count = 0;
	struct err e;
	int rc;

	memset(&u, 0, sizeof(u));
	memset(&k, 0, sizeof(k));
	if (handle == NULL || id == NULL || strlen(id) > 2 * WA_MAX_CRED_ID ||
	    key_origin(r, origin, rpid) < 0 ||
	    gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		json_fail(r, 400, t->key_bad);
		return;
	}
	if (!pending_get(g, PEND_KEY_LOGIN, handle, 1, user, chal)) {
		json_fail(r, 410, t->msg[M_ENROL_GONE]);
		return;
	}
	str_fmt(object, sizeof(object), "gate user '%s' from %s", user, ip);
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(user);
	rc = gate_query(g,
			"SELECT alg, pubkey, sign_count FROM gate_webauthn "
			"WHERE id = ? AND user = ?",
			v, 2, ceremony_key_row, &k, &e);
	if (rc < 0 || !k.found) {
		err_set(&e, "%s",
			rc < 0 ? "store error" : "not one of the user's keys");
		goto fail;
	}
	if (ceremony_assert(in, chal, origin, rpid, &k.c, &count, &e) < 0)
		goto fail;
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_INT(count);
	v[1] = SV_TEXT(at);
	v[2] = SV_TEXT(id);
	v[3] = SV_TEXT(user);
	pthread_mutex_lock(&g->st_lock);
	rc = store_exec(g->st,
			"UPDATE gate_webauthn SET sign_count = ?, last_used = "
			"? WHERE id = ? AND user = ?",
			v, 4, &e);
	if (rc == 0)
		rc = user_load(g, user, 1, &u, &e);
	pthread_mutex_unlock(&g->st_lock);
	if (rc < 0 || !u.found) {
		json_fail(r, 500, t->key_bad);
		goto out;
	}
	if (u.disabled) {
		err_set(&e, "account disabled");
		goto fail;
	}
	gate_attempt_success(g, user, ip);
	if (login_finish(r, t, user, ip, &u, 2, object) < 0) {
		/* the page login_finish set is HTML: say it in JSON */
		int st = r->status;

		json_fail(r, st, st == 403 ? t->msg[M_DEVICE] : t->msg[M_BAD]);
		goto out;
	}
	json_reply(r, 200,
		   json_pack("{s:b,s:s?}", "ok", 1, "redirect",
			     rd != NULL && safe_rd(r, rd) ? rd : NULL));
	goto out;
fail:
	str_fmt(after, sizeof(after), "security key: %s", e.msg);
	gate_audit(g, "gate", "gate.login.fail", object, after);
	json_fail(r, 401, t->key_refused);
out:
	user_row_free(&u);
}

/*
 * Who may register a key: the user of a TOTP enrolment under way (the
 * handle of the enrolment page: password checked, invited), or a user
 * signed in with two factors (adding another key). 1 with user set and
 * *enrol saying which, else 0.
 */
static int
key_registrant(struct gate_req *r, const json_t *in,
	       char user[GATE_NAME_MAX + 1], int *enrol)
{
	const char *h = jstr(in, "enrol");
	char secret[96];
	struct sess_view v;
	struct user_row u;
	unsigned char key[32];
	struct err e;
	int ok = 0;

	*enrol = 0;
	if (h != NULL) {
		ok = pending_get(r->g, PEND_TOTP, h, 0, user, secret);
		OPENSSL_cleanse(secret, sizeof(secret));
		*enrol = ok;
	} else if (gate_sess_of(r, time_now(), &v, key) && v.level >= 2) {
		str_copy(user, v.user, GATE_NAME_MAX + 1);
		ok = 1;
	}
	if (!ok)
		return 0;
	/* disabled (or deleted) since the enrolment or session began */
	memset(&u, 0, sizeof(u));
	ok = user_load(r->g, user, 0, &u, &e) == 0 && u.found && !u.disabled;
	user_row_free(&u);
	if (!ok)
		*enrol = 0;
	return ok;
}

/* POST {portal}/key/register/begin {"enrol"?}: options for
 * navigator.credentials.create. */
static void
key_register_begin(struct gate_req *r, const json_t *in)
{
	const struct text *t = lang_of(r, jstr(in, "lang"));
	char user[GATE_NAME_MAX + 1], origin[300], rpid[256], b64[64],
	    handle[33], uid[64];
	unsigned char uhash[32];
	int enrol;

	if (key_origin(r, origin, rpid) < 0) {
		json_fail(r, 400, t->key_bad);
		return;
	}
	if (!key_registrant(r, in, user, &enrol)) {
		json_fail(r, 403, t->msg[M_ENROL_GONE]);
		return;
	}
	/* the user handle: stable, and not the name itself */
	gate_sha256(user, strlen(user), uhash);
	if (ceremony_challenge(b64) < 0 ||
	    b64url_encode(uhash, sizeof(uhash), uid, sizeof(uid)) < 0 ||
	    pending_put(r->g, PEND_KEY_REGISTER, user, b64, handle) < 0) {
		json_fail(r, 503, t->key_bad);
		return;
	}
	json_reply(
	    r, 200,
	    json_pack("{s:s,s:o}", "handle", handle, "publicKey",
		      ceremony_create_options(b64, rpid, "govsec", uid, user,
					      key_ids(r->g, user))));
}

/*
 * POST {portal}/key/register/finish {"handle", "clientDataJSON",
 * "attestationObject", "label", "enrol"?, "rd"?}: stores the new key;
 * from an enrolment, also ends the invitation and signs the user in with
 * two factors (password and this key).
 */
static void
key_register_finish(struct gate_req *r, const json_t *in)
{
	struct gate_server *g = r->g;
	const struct text *t = lang_of(r, jstr(in, "lang"));
	const char *handle = jstr(in, "handle"), *label = jstr(in, "label"),
		   *rd = jstr(in, "rd"), *eh = jstr(in, "enrol");
	char user[GATE_NAME_MAX + 1], who[GATE_NAME_MAX + 1], chal[96],
	    origin[300], rpid[256], ip[64], object[192], actor[96], at[32],
	    aaguid[33], *id = NULL, *pk = NULL, *lab = NULL;
	struct wa_credential *c = NULL;
	struct user_row u;
	struct store_val v[8];
	struct err e;
	int verdict, enrol, rc = -1;

	memset(&u, 0, sizeof(u));
	if (handle == NULL || key_origin(r, origin, rpid) < 0 ||
	    (label != NULL && strlen(label) > 256) ||
	    gate_client_addr(g->proxies, r->peer,
			     gate_req_in(r, "X-Forwarded-For"), ip,
			     sizeof(ip)) < 0) {
		json_fail(r, 400, t->key_bad);
		return;
	}
	if (!key_registrant(r, in, who, &enrol) ||
	    !pending_get(g, PEND_KEY_REGISTER, handle, 1, user, chal) ||
	    strcmp(who, user) != 0) {
		json_fail(r, 410, t->msg[M_ENROL_GONE]);
		return;
	}
	str_fmt(object, sizeof(object), "gate user '%s'", user);
	str_fmt(actor, sizeof(actor), "gate:%s", user);
	c = xcalloc(1, sizeof(*c));
	verdict = ceremony_register(in, chal, origin, rpid, c, &e);
	if (verdict == -1) {
		json_fail(r, 400, t->key_bad);
		goto out;
	}
	if (verdict < 0) {
		gate_audit(g, actor, "gate.webauthn.refused", object, e.msg);
		json_fail(r, 422, e.msg);
		goto out;
	}
	ceremony_encode(c, &id, &pk);
	hex_encode(c->aaguid, sizeof(c->aaguid), aaguid);
	lab = str_utf8_sanitize(label != NULL ? label : "");
	time_fmt(time_now(), at, sizeof(at));
	v[0] = SV_TEXT(id);
	v[1] = SV_TEXT(user);
	v[2] = SV_INT(c->alg);
	v[3] = SV_TEXT(pk);
	v[4] = SV_INT(c->sign_count);
	v[5] = SV_TEXT(aaguid);
	v[6] = SV_TEXT(lab[0] != '\0' ? lab : NULL);
	v[7] = SV_TEXT(at);
	pthread_mutex_lock(&g->st_lock);
	if (store_begin(g->st, &e) == 0) {
		rc = store_query_int(g->st,
				     "SELECT count(*) FROM gate_webauthn WHERE "
				     "id = ?",
				     v, 1, 0) > 0
			 ? 1
			 : 0;
		if (rc == 0 &&
		    (store_exec(g->st,
				"INSERT INTO gate_webauthn(id, user, alg, "
				"pubkey, sign_count, aaguid, label, created) "
				"VALUES (?,?,?,?,?,?,?,?)",
				v, 8, &e) < 0 ||
		     (enrol && store_exec(g->st,
					  "UPDATE gate_users SET enrol_until = "
					  "0 WHERE name = ?",
					  &v[1], 1, &e) < 0) ||
		     audit_append(g->st, actor, "gate.webauthn.register",
				  object, NULL, lab[0] != '\0' ? lab : NULL,
				  &e) < 0 ||
		     store_commit(g->st, &e) < 0))
			rc = -1;
		if (rc != 0)
			store_rollback(g->st);
		if (rc == 0 && enrol && user_load(g, user, 1, &u, &e) < 0)
			rc = -1;
	}
	pthread_mutex_unlock(&g->st_lock);
	if (rc != 0) {
		json_fail(r, rc > 0 ? 409 : 500, t->key_refused);
		goto out;
	}
	if (!enrol) {
		json_reply(r, 200, json_pack("{s:b}", "ok", 1));
		goto out;
	}
	/* the enrolment is over: its TOTP secret is never used */
	{
		char sink[96];

		pending_get(g, PEND_TOTP, eh, 1, who, sink);
		OPENSSL_cleanse(sink, sizeof(sink));
	}
	str_fmt(object, sizeof(object), "gate user '%s' from %s", user, ip);
	if (!u.found || login_finish(r, t, user, ip, &u, 2, object) < 0) {
		int st = u.found ? r->status : 500;

		json_fail(r, st, st == 403 ? t->msg[M_DEVICE] : t->msg[M_BAD]);
		goto out;
	}
	json_reply(r, 200,
		   json_pack("{s:b,s:s?}", "ok", 1, "redirect",
			     rd != NULL && safe_rd(r, rd) ? rd : NULL));
out:
	free(c);
	free(id);
	free(pk);
	free(lab);
	user_row_free(&u);
}

int
gate_portal_key(struct gate_req *r, const char *what)
{
	static const struct {
		const char *name;
		void (*fn)(struct gate_req *, const json_t *);
	} ops[] = {{"login/begin", key_login_begin},
		   {"login/finish", key_login_finish},
		   {"register/begin", key_register_begin},
		   {"register/finish", key_register_finish}};
	json_t *in;

	for (size_t i = 0; i < ARRAY_SIZE(ops); i++) {
		if (strcmp(what, ops[i].name) != 0)
			continue;
		in = json_loads(r->body, JSON_REJECT_DUPLICATES, NULL);
		if (in == NULL || !json_is_object(in)) {
			json_decref(in);
			json_fail(r, 400, "the body must be a JSON object");
			return 0;
		}
		ops[i].fn(r, in);
		json_decref(in);
		return 0;
	}
	r->status = 404;
	return 0;
}

int
gate_portal_js(struct gate_req *r)
{
	for (const struct asset *a = assets; a->path != NULL; a++)
		if (!strcmp(a->path, "/portal.js")) {
			struct buf b = BUF_INIT(a->len + 1);

			if (buf_add(&b, a->data, a->len) < 0) {
				r->status = 500;
				return 0;
			}
			gate_req_body(r, 200, "text/javascript; charset=utf-8",
				      &b);
			return 0;
		}
	r->status = 404;
	return 0;
}
