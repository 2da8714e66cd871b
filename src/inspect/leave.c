/*
 * leave.c: LINK-3's unified leave-site prompt: signed links
 * /leave?to=URL&sig=MAC (HMAC-SHA256 with a key from a file) and the page
 * govsecd's public listener serves for them, in Chinese and English with
 * a disclaimer. The query string is untrusted: an unsigned or badly
 * signed target is never linked, so the page cannot be an open redirect.
 */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "inspect/inspect.h"

#define LEAVE_URL_MAX 4096
#define LEAVE_SIG_HEX 64

static int
sign(const char *url, const unsigned char *key, size_t keylen,
     char out[LEAVE_SIG_HEX + 1])
{
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (HMAC(EVP_sha256(), key, (int)keylen, (const unsigned char *)url,
		 strlen(url), mac, &n) == NULL ||
	    n != 32)
		return -1;
	hex_encode(mac, 32, out);
	return 0;
}

static int
url_ok(const char *url)
{
	size_t n = strlen(url);

	if (n == 0 || n > LEAVE_URL_MAX || !str_utf8_valid(url, n))
		return 0;
	if (!str_starts(url, "http://") && !str_starts(url, "https://"))
		return 0;
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p <= ' ')
			return 0;
	return 1;
}

static void
escape_param(struct buf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";

	for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("-._~", *p))
			buf_addch(b, (char)*p);
		else {
			buf_addch(b, '%');
			buf_addch(b, hex[*p >> 4]);
			buf_addch(b, hex[*p & 15]);
		}
	}
}

int
leave_link(const char *base, const char *url, const unsigned char *key,
	   size_t keylen, struct buf *out, struct err *e)
{
	char sig[LEAVE_SIG_HEX + 1];
	size_t bl = strlen(base);

	if (!url_ok(url)) {
		err_set(e,
			"'%.200s' is not an absolute http(s) URL of at most "
			"4096 bytes",
			url);
		return -1;
	}
	if (keylen < LEAVE_KEY_MIN) {
		err_set(e, "the leave-site key is shorter than %d bytes",
			LEAVE_KEY_MIN);
		return -1;
	}
	if (sign(url, key, keylen, sig) < 0) {
		err_set(e, "cannot compute the HMAC");
		return -1;
	}
	buf_add(out, base, bl > 0 && base[bl - 1] == '/' ? bl - 1 : bl);
	buf_addstr(out, "/leave?to=");
	escape_param(out, url);
	buf_addstr(out, "&sig=");
	buf_addstr(out, sig);
	return 0;
}

int
leave_key_load(const char *path, struct buf *key, struct err *e)
{
	buf_init(key, 4096);
	if (buf_read_file(key, path, e) < 0)
		return -1;
	while (key->len > 0 && (key->data[key->len - 1] == '\n' ||
				key->data[key->len - 1] == '\r'))
		key->data[--key->len] = '\0';
	if (key->len < LEAVE_KEY_MIN) {
		err_set(e, "'%s': the key needs at least %d bytes", path,
			LEAVE_KEY_MIN);
		if (key->data != NULL)
			OPENSSL_cleanse(key->data, key->len);
		buf_cleanup(key);
		return -1;
	}
	return 0;
}

static void
page(struct buf *out, const char *title_zh, const char *title_en,
     const char *to)
{
	buf_addstr(out,
		   "<!doctype html>\n<html lang=\"zh-CN\"><head><meta "
		   "charset=\"utf-8\"><meta name=\"viewport\" "
		   "content=\"width=device-width\"><meta name=\"referrer\" "
		   "content=\"no-referrer\"><title>");
	buf_add_html(out, title_zh);
	buf_addstr(out, " / ");
	buf_add_html(out, title_en);
	buf_addstr(out, "</title><style>body{font-family:sans-serif;max-width:"
			"40em;margin:3em auto;padding:0 1em;line-height:1.6}"
			".to{word-break:break-all;background:#f4f4f4;padding:"
			".5em}.d{color:#555;font-size:.9em}</style></head>"
			"<body><h1>");
	buf_add_html(out, title_zh);
	buf_addstr(out, "</h1><p lang=\"en\"><strong>");
	buf_add_html(out, title_en);
	buf_addstr(out, "</strong></p>\n");
	if (to != NULL) {
		buf_addstr(out,
			   "<p>您即将离开本网站，前往非党政机关网站：</p>"
			   "<p lang=\"en\">You are leaving this website for a "
			   "site that is not a Party or government "
			   "website:</p><p class=\"to\">");
		buf_add_html(out, to);
		buf_addstr(out, "</p><p><a rel=\"noopener noreferrer "
				"nofollow\" href=\"");
		buf_add_html(out, to);
		buf_addstr(
		    out,
		    /* No script may run here (the page's CSP): to stay,
		     * the browser's own Back button or closing the page. */
		    "\">继续访问 / Continue</a></p><p>如不继续，请返回上一页或关闭"
		    "本页。 / To stay, go back or close this page.</p>\n<p "
		    "class=\"d\">免责声明：该网站不属于党政机关"
		    "网站，其内容由其开办者负责，本网站不对其内容承担责任。</p>"
		    "<p class=\"d\" lang=\"en\">Disclaimer: the "
		    "destination is not a Party or government website. "
		    "Its operator is responsible for its content; this "
		    "website accepts no liability for it.</p>\n");
	} else {
		buf_addstr(out,
			   "<p>链接无效或签名错误，未进行跳转。</p><p "
			   "lang=\"en\">The link is invalid or its "
			   "signature is wrong; nothing was opened.</p>\n");
	}
	buf_addstr(out, "</body></html>\n");
}

int
leave_render(const char *to, const char *sig, const unsigned char *key,
	     size_t keylen, struct buf *out)
{
	char expect[LEAVE_SIG_HEX + 1];

	if (to == NULL || sig == NULL || !url_ok(to) ||
	    strlen(sig) != LEAVE_SIG_HEX) {
		page(out, "链接无效", "Invalid link", NULL);
		return 400;
	}
	if (keylen < LEAVE_KEY_MIN || sign(to, key, keylen, expect) < 0 ||
	    !ct_equal(expect, sig, LEAVE_SIG_HEX)) {
		page(out, "签名错误", "Bad signature", NULL);
		return 403;
	}
	page(out, "即将离开本网站", "You are leaving this website", to);
	return 200;
}

int
leave_page(const char *query, const unsigned char *key, size_t keylen,
	   struct buf *out)
{
	char *to, *sig;
	struct buf q = BUF_INIT(3 * LEAVE_URL_MAX + 256);
	int status;

	if (query == NULL || strlen(query) > 3 * LEAVE_URL_MAX + 200) {
		page(out, "链接无效", "Invalid link", NULL);
		return 400;
	}
	buf_addch(&q, '?');
	buf_addstr(&q, query);
	to = url_query_param(q.data, "to");
	sig = url_query_param(q.data, "sig");
	buf_cleanup(&q);
	status = leave_render(to, sig, key, keylen, out);
	free(to);
	free(sig);
	return status;
}
