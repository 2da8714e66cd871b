/*
 * prompt.c: leave-site prompt detection (LINK-3) in untrusted page script:
 * onclick attributes that ask before leaving, document-level click handlers
 * that compare host names and then confirm or show a leaving notice, and
 * known prompt scripts by name. Pure text heuristics with bounded work.
 */
#include <ctype.h>
#include <pthread.h>
#include <string.h>

#include "inspect/inspect.h"

#define PROMPT_MAX (1u << 20)

/* Case-insensitive search of lit (lower-case ASCII or UTF-8) in s[0..n). */
static int
has(const char *s, size_t n, const char *lit)
{
	size_t k = strlen(lit);

	if (k == 0 || n < k)
		return 0;
	for (size_t i = 0; i + k <= n; i++) {
		size_t j = 0;

		while (j < k && tolower((unsigned char)s[i + j]) == lit[j])
			j++;
		if (j == k)
			return 1;
	}
	return 0;
}

static const char *const confirm_words[] = {"confirm(",	      "prompt(",
					    "window.confirm", "layer.confirm",
					    "$.confirm",      "modal("};
static const char *const handler_words[] = {"addeventlistener(\"click\"",
					    "addeventlistener('click'",
					    "addeventlistener(`click`",
					    ".on(\"click\"",
					    ".on('click'",
					    ".click(function",
					    "document.onclick",
					    "onclick=function",
					    "onclick = function",
					    ".delegate("};
static const char *const host_words[] = {
    "hostname", "location.host",      ".host ",		  ".host)", ".host!",
    ".host=",	"indexof(\"gov.cn\"", "indexof('gov.cn'", "gov.cn"};
static const char *const wording[] = {
    "即将离开",		"将要离开",	   "您将离开",
    "非党政机关网站",	"非政府网站",	   "leaving this site",
    "leaving the site", "you are leaving", "non-government website",
    "离开本网站"};

/* All four word lists in one automaton, made once. */
static struct ahoc *script_words;
static pthread_once_t script_once = PTHREAD_ONCE_INIT;

static void
script_init(void)
{
	static const struct {
		const char *const *words;
		size_t n;
		unsigned flag;
	} lists[] = {{confirm_words, ARRAY_SIZE(confirm_words), PROMPT_CONFIRM},
		     {handler_words, ARRAY_SIZE(handler_words), PROMPT_HANDLER},
		     {host_words, ARRAY_SIZE(host_words), PROMPT_HOST},
		     {wording, ARRAY_SIZE(wording), PROMPT_WORDING}};
	const char *pats[64];
	unsigned flags[64];
	size_t n = 0;

	for (size_t l = 0; l < ARRAY_SIZE(lists); l++)
		for (size_t i = 0; i < lists[l].n && n < ARRAY_SIZE(pats);
		     i++) {
			pats[n] = lists[l].words[i];
			flags[n++] = lists[l].flag;
		}
	script_words = ahoc_new(pats, flags, n, 1);
}

unsigned
prompt_scan_script(const char *js, size_t n)
{
	if (n > PROMPT_MAX)
		n = PROMPT_MAX;
	pthread_once(&script_once, script_init);
	return ahoc_flags(script_words, js, n,
			  PROMPT_CONFIRM | PROMPT_HANDLER | PROMPT_HOST |
			      PROMPT_WORDING);
}

int
prompt_global(unsigned f)
{
	return (f & PROMPT_HANDLER) && (f & PROMPT_HOST) &&
	       (f & (PROMPT_CONFIRM | PROMPT_WORDING));
}

int
prompt_onclick(const char *attr)
{
	size_t n = strlen(attr);

	if (n > 8192)
		n = 8192;
	if (has(attr, n, "confirm(") || has(attr, n, "prompt("))
		return 1;
	for (size_t i = 0; i < ARRAY_SIZE(wording); i++)
		if (has(attr, n, wording[i]))
			return 1;
	return has(attr, n, "leave") || has(attr, n, "outlink") ||
	       has(attr, n, "exitnotice") || has(attr, n, "waibu");
}

int
prompt_known_script(const char *src)
{
	static const char *const names[] = {
	    "leave-site",   "leavesite",    "leave_site",  "outlink",
	    "out-link",	    "exitnotice",   "exit-notice", "external-link",
	    "externallink", "waibulianjie", "wailian",	   "govsec-leave"};
	size_t n = strlen(src);
	const char *slash = strrchr(src, '/');

	if (slash != NULL) {
		n -= (size_t)(slash + 1 - src);
		src = slash + 1;
	}
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (has(src, n, names[i]))
			return 1;
	return 0;
}
