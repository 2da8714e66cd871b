/*
 * takedown.c: what stops a confirmed counterfeit (CF-3): the RPZ zone for
 * Unbound and BIND (resolution stopped: NXDOMAIN, or a CNAME to the
 * warning page's host), the nftables sets of its addresses (connection
 * blocked), plain text blocklists, and the notices that ask a platform to
 * take an app or account offline; all written atomically from the cases
 * decided counterfeit, with the zone's serial raised only on change. Also
 * the warning page govsecd shows for a stopped name. The cases come from
 * the store (trusted); the host a browser asked for is untrusted.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "audit/audit.h"
#include "counterfeit/cases.h"
#include "registry/registry.h"

#define OUT_MAX (64 << 20) /* bytes of one output file at most */

void
cf_takedown_opts_init(struct cf_takedown_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->zone = "rpz.govsec.";
	o->ttl = 300;
}

/* One case decided counterfeit. */
struct stopped {
	char *id, *kind, *candidate, *platform, *unit, *prot, *state,
	    *decided_by, *unit_name;
	long long decided;
	int refused; /* never stopped: a genuine name or a suffix */
};

struct tdset {
	struct arena a;
	struct stopped *v;
	size_t n, cap;
	char **addrs; /* sorted, unique */
	size_t naddrs, capaddrs;
	char **genuine; /* the registry's domains, A-labels */
	size_t ngenuine, capgenuine;
};

static char *
dup_or_null(struct arena *a, struct store_row *r, int col)
{
	return store_row_null(r, col) ? NULL
				      : arena_strdup(a, store_row_text(r, col));
}

static int
stopped_row(void *arg, struct store_row *r)
{
	struct tdset *t = arg;
	struct stopped *s;

	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->v = xrealloc(t->v, t->cap * sizeof(*t->v));
	}
	s = &t->v[t->n++];
	memset(s, 0, sizeof(*s));
	s->id = dup_or_null(&t->a, r, 0);
	s->kind = dup_or_null(&t->a, r, 1);
	s->candidate = dup_or_null(&t->a, r, 2);
	s->platform = dup_or_null(&t->a, r, 3);
	s->unit = dup_or_null(&t->a, r, 4);
	s->prot = dup_or_null(&t->a, r, 5);
	s->state = dup_or_null(&t->a, r, 6);
	s->decided = store_row_int(r, 7);
	s->decided_by = dup_or_null(&t->a, r, 8);
	s->unit_name = dup_or_null(&t->a, r, 9);
	return 0;
}

static void
add_str(char ***v, size_t *n, size_t *cap, struct arena *a, const char *s)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*v = xrealloc(*v, *cap * sizeof(**v));
	}
	(*v)[(*n)++] = arena_strdup(a, s);
}

static int
genuine_row(void *arg, struct store_row *r)
{
	struct tdset *t = arg;

	add_str(&t->genuine, &t->ngenuine, &t->capgenuine, &t->a,
		store_row_text(r, 0));
	return 0;
}

/* 1 if a is a valid address or prefix (as cases.c keeps them). */
static int
addr_ok(const char *a)
{
	char tmp[64];
	unsigned char bin[16];
	char *slash;

	if (str_copy(tmp, a, sizeof(tmp)) < 0)
		return 0;
	if ((slash = strchr(tmp, '/')) != NULL)
		*slash = '\0';
	return inet_pton(strchr(tmp, ':') ? AF_INET6 : AF_INET, tmp, bin) == 1;
}

/* The addresses of a JSON array text into t. */
static void
add_addrs(struct tdset *t, const char *text)
{
	json_t *arr = text != NULL ? json_loads(text, 0, NULL) : NULL;
	size_t i;
	json_t *v;

	if (json_is_object(arr)) { /* a hit's detail */
		json_t *in = json_incref(json_object_get(arr, "addresses"));

		json_decref(arr);
		arr = in;
	}
	json_array_foreach(arr, i, v)
	{
		const char *s = json_string_value(v);

		if (s != NULL && addr_ok(s))
			add_str(&t->addrs, &t->naddrs, &t->capaddrs, &t->a, s);
	}
	json_decref(arr);
}

static int
addr_row(void *arg, struct store_row *r)
{
	add_addrs(arg, store_row_text(r, 0));
	return 0;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void
tdset_cleanup(struct tdset *t)
{
	free(t->v);
	free(t->addrs);
	free(t->genuine);
	arena_cleanup(&t->a);
}

/* 1 if the stopped name d would stop a genuine name (itself or one under
 * it), or is the warning host. */
static int
hits_genuine(const struct tdset *t, const char *d, const char *warn)
{
	size_t n = strlen(d);

	for (size_t i = 0; i < t->ngenuine; i++) {
		const char *g = t->genuine[i];
		size_t gn = strlen(g);

		if (strcmp(g, d) == 0 || (gn > n && g[gn - n - 1] == '.' &&
					  strcmp(g + gn - n, d) == 0))
			return 1;
	}
	if (warn != NULL && *warn != '\0') {
		size_t wn = strlen(warn);

		if (warn[wn - 1] == '.')
			wn--;
		if ((wn == n && strncasecmp(warn, d, n) == 0) ||
		    (wn > n && warn[wn - n - 1] == '.' &&
		     strncasecmp(warn + wn - n, d, n) == 0))
			return 1;
	}
	return 0;
}

static int
tdset_load(struct store *st, struct tdset *t, const char *warn, struct err *e)
{
	memset(t, 0, sizeof(*t));
	arena_init(&t->a);
	if (store_query(
		st,
		"SELECT c.id, c.kind, c.candidate, c.platform, c.unit, "
		"c.protected, c.state, c.decided, c.decided_by, u.name "
		"FROM cf_cases c LEFT JOIN units u ON u.uscc = c.unit "
		"WHERE c.state IN ('counterfeit', 'takedown_requested', "
		"'taken_down', 'referred') ORDER BY c.kind, "
		"c.candidate, c.id",
		NULL, 0, stopped_row, t, e) < 0 ||
	    store_query(st, "SELECT name FROM domains", NULL, 0, genuine_row, t,
			e) < 0 ||
	    store_query(st,
			"SELECT e.addresses FROM cf_events e JOIN cf_cases c "
			"ON c.id = e.case_id WHERE e.addresses IS NOT NULL AND "
			"c.state IN ('counterfeit', 'takedown_requested', "
			"'taken_down', 'referred')",
			NULL, 0, addr_row, t, e) < 0 ||
	    store_query(st,
			"SELECT h.detail FROM cf_hits h JOIN cf_cases c ON "
			"c.id = h.case_id WHERE h.detail IS NOT NULL AND "
			"c.state IN ('counterfeit', 'takedown_requested', "
			"'taken_down', 'referred')",
			NULL, 0, addr_row, t, e) < 0)
		return -1;
	for (size_t i = 0; i < t->n; i++) {
		struct stopped *s = &t->v[i];
		struct domain_info di;
		struct err why;

		if (strcmp(s->kind, "domain") != 0)
			continue;
		/* stored as A-labels already; checked again all the same */
		if (domain_parse(s->candidate, &di, &why) < 0 ||
		    strcmp(di.alabel, s->candidate) != 0 ||
		    hits_genuine(t, s->candidate, warn)) {
			log_warn("case %s: '%s' is never stopped (a genuine "
				 "name, a suffix or not a domain)",
				 s->id, s->candidate);
			s->refused = 1;
		}
	}
	if (t->naddrs > 1) {
		size_t k = 1;

		qsort(t->addrs, t->naddrs, sizeof(*t->addrs), cmp_str);
		for (size_t i = 1; i < t->naddrs; i++)
			if (strcmp(t->addrs[i], t->addrs[k - 1]) != 0)
				t->addrs[k++] = t->addrs[i];
		t->naddrs = k;
	}
	return 0;
}

/* ---- the outputs --------------------------------------------------------- */

static void
rpz_body(struct buf *b, const struct tdset *t, const struct cf_takedown_opts *o)
{
	char target[300];
	const char *w = o->warning_host;

	if (w != NULL && *w != '\0')
		str_fmt(target, sizeof(target), "%s%s", w,
			w[strlen(w) - 1] == '.' ? "" : ".");
	else
		str_copy(target, ".", sizeof(target)); /* NXDOMAIN */
	for (size_t i = 0; i < t->n; i++) {
		const struct stopped *s = &t->v[i];

		if (strcmp(s->kind, "domain") != 0 || s->refused)
			continue;
		buf_printf(b, "; case %s (%s)\n", s->id, s->state);
		buf_printf(b, "%s\tCNAME\t%s\n*.%s\tCNAME\t%s\n", s->candidate,
			   target, s->candidate, target);
	}
}

static void
rpz_zone(struct buf *b, const struct buf *body,
	 const struct cf_takedown_opts *o, long long serial, const char *digest)
{
	const char *z = o->zone;

	buf_printf(b,
		   "; govsec counterfeit takedown: response policy zone "
		   "(RPZ), generated; do not edit\n; content %s\n"
		   "$ORIGIN %s%s\n$TTL %d\n"
		   "@\tSOA\tlocalhost. hostmaster.localhost. %lld 3600 600 "
		   "604800 %d\n@\tNS\tlocalhost.\n",
		   digest, z, z[strlen(z) - 1] == '.' ? "" : ".", o->ttl,
		   serial, o->ttl);
	buf_add(b, body->data != NULL ? body->data : "", body->len);
}

static void
nft_set(struct buf *b, const struct tdset *t, int v6)
{
	int any = 0;

	buf_printf(b,
		   "set govsec_cf_v%d {\n\ttype ipv%d_addr\n\tflags "
		   "interval\n",
		   v6 ? 6 : 4, v6 ? 6 : 4);
	for (size_t i = 0; i < t->naddrs; i++) {
		if ((strchr(t->addrs[i], ':') != NULL) != v6)
			continue;
		buf_printf(b, "%s%s", any ? ",\n\t\t" : "\telements = {\n\t\t",
			   t->addrs[i]);
		any = 1;
	}
	if (any)
		buf_addstr(b, "\n\t}\n");
	buf_addstr(b, "}\n");
}

static void
lists(struct buf *dom, struct buf *addr, struct buf *apps, struct buf *acc,
      struct buf *nft, const struct tdset *t)
{
	buf_addstr(nft, "# govsec counterfeit takedown: addresses to block, "
			"generated; include inside a table\n");
	nft_set(nft, t, 0);
	nft_set(nft, t, 1);
	for (size_t i = 0; i < t->naddrs; i++)
		buf_printf(addr, "%s\n", t->addrs[i]);
	for (size_t i = 0; i < t->n; i++) {
		const struct stopped *s = &t->v[i];

		if (strcmp(s->kind, "domain") == 0 && !s->refused)
			buf_printf(dom, "%s\n", s->candidate);
		else if (strcmp(s->kind, "app") == 0)
			buf_printf(apps, "%s\t%s\t%s\n", s->candidate,
				   s->platform ? s->platform : "-", s->id);
		else if (strcmp(s->kind, "account") == 0)
			buf_printf(acc, "%s\t%s\t%s\n",
				   s->platform ? s->platform : "-",
				   s->candidate, s->id);
	}
}

/* The notice of one stopped app or account as JSON (new reference). */
static json_t *
notice_json(const struct stopped *s)
{
	char dec[32];

	time_fmt((time_t)s->decided, dec, sizeof(dec));
	return json_pack(
	    "{s:s, s:s, s:s, s:s, s:s?, s:{s:s?, s:s?, s:s?}, s:s, s:s?, "
	    "s:s, s:s, s:s}",
	    "format", "govsec-cf-notice/1", "case", s->id, "kind", s->kind,
	    "name", s->candidate, "platform", s->platform, "imitates", "unit",
	    s->unit, "unit_name", s->unit_name, "protected", s->prot, "decided",
	    dec, "decided_by", s->decided_by, "state", s->state, "request",
	    "take the app or account offline: it was confirmed to be a "
	    "counterfeit of a government application (CF-3)",
	    "request_zh",
	    "请下架或关停该应用或账号：经核实为仿冒互联网政务应用");
}

static void
notice_html(struct buf *b, const struct stopped *s)
{
	char dec[32];
	static const struct {
		const char *zh, *en;
	} L[] = {{"仿冒互联网政务应用处置通知",
		  "Notice: counterfeit government application"},
		 {"案件编号", "Case"},
		 {"类型", "Kind"},
		 {"名称", "Name"},
		 {"平台", "Platform"},
		 {"被仿冒单位", "Imitated unit"},
		 {"核实时间", "Confirmed"},
		 {"要求", "Request"}};
	const char *vals[] = {
	    NULL,
	    s->id,
	    strcmp(s->kind, "app") == 0 ? "移动应用 / app"
					: "公众账号 / account",
	    s->candidate,
	    s->platform ? s->platform : "-",
	    s->unit_name ? s->unit_name : (s->prot ? s->prot : "-"),
	    dec,
	    "请立即下架或关停。Take it offline now."};

	time_fmt((time_t)s->decided, dec, sizeof(dec));
	buf_addstr(b, "<!doctype html>\n<html lang=\"zh-CN\"><head><meta "
		      "charset=\"utf-8\"><title>");
	buf_add_html(b, L[0].zh);
	buf_addstr(b, "</title><style>body{font-family:serif;max-width:42em;"
		      "margin:2em auto}th,td{text-align:left;padding:.4em 1em "
		      ".4em 0;vertical-align:top}th small{display:block;"
		      "font-weight:normal;color:#555}@media print{a{color:"
		      "inherit}}</style></head><body><h1>");
	buf_add_html(b, L[0].zh);
	buf_addstr(b, "<br><small>");
	buf_add_html(b, L[0].en);
	buf_addstr(b, "</small></h1><table>");
	for (size_t i = 1; i < ARRAY_SIZE(L); i++) {
		buf_addstr(b, "<tr><th>");
		buf_add_html(b, L[i].zh);
		buf_addstr(b, "<small>");
		buf_add_html(b, L[i].en);
		buf_addstr(b, "</small></th><td>");
		buf_add_html(b, vals[i]);
		buf_addstr(b, "</td></tr>");
	}
	buf_addstr(
	    b, "</table><p>经机构编制部门核实，上述应用或账号不属于已登记的"
	       "党政机关或事业单位，系仿冒互联网政务应用。请贵平台依法下架"
	       "或关停，并保留相关数据。</p><p>The establishment department "
	       "has confirmed that this app or account belongs to no "
	       "registered government unit: it is a counterfeit. Please "
	       "take it offline and keep its data.</p></body></html>\n");
}

/* The content digest and serial of the zone file in dir as last written
 * ("" and 0 if there is none). */
static void
zone_state(const char *dir, char digest[AUDIT_HASH_HEX], long long *serial)
{
	struct buf b = BUF_INIT(4096);
	char path[4096];
	const char *p;
	struct err e;

	digest[0] = '\0';
	*serial = 0;
	if (str_fmt(path, sizeof(path), "%s/govsec.rpz", dir) < 0)
		return;
	/* only its head: a file longer than that is read no further */
	if (buf_read_file(&b, path, &e) < 0) {
		FILE *f = fopen(path, "r");
		char head[1024];
		size_t n;

		buf_cleanup(&b);
		if (f == NULL)
			return;
		n = fread(head, 1, sizeof(head) - 1, f);
		fclose(f);
		head[n] = '\0';
		buf_init(&b, sizeof(head));
		buf_addstr(&b, head);
	}
	if (b.data != NULL && (p = strstr(b.data, "\n; content ")) != NULL &&
	    strspn(p + 11, "0123456789abcdef") == AUDIT_HASH_HEX - 1)
		str_copy(digest, p + 11, AUDIT_HASH_HEX);
	if (b.data != NULL &&
	    (p = strstr(b.data, "hostmaster.localhost. ")) != NULL) {
		char num[16];
		size_t n = strspn(p + 22, "0123456789");

		if (n > 0 && n < sizeof(num)) {
			memcpy(num, p + 22, n);
			num[n] = '\0';
			str_to_ll(num, 0, 4294967295LL, serial);
		}
	}
	buf_cleanup(&b);
}

/* Writes data to dir/name through a temporary file and a rename. */
static int
write_atomic(const char *dir, const char *name, const struct buf *data,
	     struct err *e)
{
	char path[4096], tmp[4200];
	size_t off = 0;
	int fd;

	if (str_fmt(path, sizeof(path), "%s/%s", dir, name) < 0 ||
	    str_fmt(tmp, sizeof(tmp), "%s/.%s.%ld.tmp", dir, name,
		    (long)getpid()) < 0) {
		err_set(e, "the path '%s/%s' is too long", dir, name);
		return -1;
	}
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC,
		  0644);
	if (fd < 0) {
		err_set(e, "cannot create '%s': %s", tmp, strerror(errno));
		return -1;
	}
	while (off < data->len) {
		ssize_t w = write(fd, data->data + off, data->len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			err_set(e, "cannot write '%s': %s", tmp,
				strerror(errno));
			goto fail;
		}
		off += (size_t)w;
	}
	if (fchmod(fd, 0644) < 0 || fsync(fd) < 0) {
		err_set(e, "cannot sync '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	if (close(fd) < 0) {
		fd = -1;
		err_set(e, "cannot close '%s': %s", tmp, strerror(errno));
		goto fail;
	}
	fd = -1;
	if (rename(tmp, path) < 0) {
		err_set(e, "cannot rename '%s' to '%s': %s", tmp, path,
			strerror(errno));
		goto fail;
	}
	return 0;
fail:
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	return -1;
}

enum { F_RPZ, F_NFT, F_DOM, F_ADDR, F_APPS, F_ACC, F__COUNT };
static const char *const fnames[F__COUNT] = {"govsec.rpz",  "govsec-cf.nft",
					     "domains.txt", "addresses.txt",
					     "apps.txt",    "accounts.txt"};

int
cf_takedown_write(struct store *st, const char *dir,
		  const struct cf_takedown_opts *o,
		  struct cf_takedown_result *r, struct err *e)
{
	struct buf out[F__COUNT], body = BUF_INIT(OUT_MAX),
				  zone = BUF_INIT(OUT_MAX);
	struct tdset t;
	char digest[AUDIT_HASH_HEX], old_digest[AUDIT_HASH_HEX],
	    *old_serial = NULL, val[32];
	struct buf all = BUF_INIT((size_t)F__COUNT * OUT_MAX + OUT_MAX);
	long long serial = 0, file_serial;
	int rc = -1;

	memset(r, 0, sizeof(*r));
	for (int i = 0; i < F__COUNT; i++)
		buf_init(&out[i], OUT_MAX);
	if (store_begin(st, e) < 0)
		goto done;
	if (tdset_load(st, &t, o->warning_host, e) < 0) {
		tdset_cleanup(&t);
		store_rollback(st);
		goto done;
	}
	rpz_body(&body, &t, o);
	lists(&out[F_DOM], &out[F_ADDR], &out[F_APPS], &out[F_ACC], &out[F_NFT],
	      &t);
	/* what the serial would not change: everything else, and the
	 * zone's settings */
	buf_printf(&all, "%s\n%s\n%d\n", o->zone,
		   o->warning_host ? o->warning_host : "", o->ttl);
	buf_add(&all, body.data ? body.data : "", body.len);
	for (int i = F_NFT; i < F__COUNT; i++)
		buf_add(&all, out[i].data ? out[i].data : "", out[i].len);
	for (size_t i = 0; i < t.n; i++) {
		const struct stopped *s = &t.v[i];

		r->domains += strcmp(s->kind, "domain") == 0 && !s->refused;
		r->apps += strcmp(s->kind, "app") == 0;
		r->accounts += strcmp(s->kind, "account") == 0;
		r->refused += s->refused;
		if (strcmp(s->kind, "domain") != 0)
			buf_printf(&all, "%s\t%s\t%s\n", s->id, s->state,
				   s->unit_name ? s->unit_name : "");
	}
	r->addresses = (long long)t.naddrs;
	audit_digest(all.data ? all.data : "", all.len, digest);
	/* each directory keeps its own state in its zone file; the store
	 * keeps the highest serial given, so that serials only go up */
	zone_state(dir, old_digest, &file_serial);
	old_serial = store_setting_get(st, "cf.takedown.serial");
	if (old_serial != NULL)
		str_to_ll(old_serial, 0, 4294967295LL, &serial);
	r->changed = strcmp(old_digest, digest) != 0;
	r->serial = file_serial;
	if (r->changed) {
		if (file_serial > serial)
			serial = file_serial;
		serial = serial >= 4294967295LL ? 1 : serial + 1;
		str_fmt(val, sizeof(val), "%lld", serial);
		if (store_setting_set(st, "cf.takedown.serial", val, e) < 0)
			goto rollback;
		r->serial = serial;
		rpz_zone(&zone, &body, o, serial, digest);
		out[F_RPZ] = zone;
		buf_init(&zone, OUT_MAX);
		/* notices first: the lists name only what has its notice */
		for (size_t i = 0; i < t.n; i++) {
			const struct stopped *s = &t.v[i];
			struct buf nb = BUF_INIT(1 << 20);
			char name[96];
			json_t *j;
			char *js;

			if (strcmp(s->kind, "domain") == 0)
				continue;
			j = notice_json(s);
			js = j ? json_dumps(j, JSON_INDENT(2) |
						   JSON_PRESERVE_ORDER)
			       : NULL;
			json_decref(j);
			if (js == NULL) {
				err_set(e, "cannot encode the notice of %s",
					s->id);
				goto rollback;
			}
			buf_addstr(&nb, js);
			buf_addch(&nb, '\n');
			free(js);
			str_fmt(name, sizeof(name), "notice-%s.json", s->id);
			if (write_atomic(dir, name, &nb, e) < 0) {
				buf_cleanup(&nb);
				goto rollback;
			}
			buf_reset(&nb);
			notice_html(&nb, s);
			str_fmt(name, sizeof(name), "notice-%s.html", s->id);
			if (write_atomic(dir, name, &nb, e) < 0) {
				buf_cleanup(&nb);
				goto rollback;
			}
			buf_cleanup(&nb);
		}
		/* the zone last: its serial says all is in place */
		for (int i = F__COUNT - 1; i >= 0; i--)
			if (write_atomic(dir, fnames[i], &out[i], e) < 0)
				goto rollback;
		{
			int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

			if (dfd >= 0) {
				fsync(dfd);
				close(dfd);
			}
		}
	}
	tdset_cleanup(&t);
	rc = store_commit(st, e);
	goto done;
rollback:
	tdset_cleanup(&t);
	store_rollback(st);
done:
	free(old_serial);
	for (int i = 0; i < F__COUNT; i++)
		buf_cleanup(&out[i]);
	buf_cleanup(&body);
	buf_cleanup(&zone);
	buf_cleanup(&all);
	return rc;
}

int
cf_takedown_notice(struct store *st, const char *id, int html, struct buf *out,
		   struct err *e)
{
	struct tdset t;
	int rc = -1;

	if (tdset_load(st, &t, NULL, e) < 0)
		goto done;
	for (size_t i = 0; i < t.n; i++) {
		const struct stopped *s = &t.v[i];
		json_t *j;
		char *js;

		if (strcmp(s->id, id) != 0)
			continue;
		if (strcmp(s->kind, "domain") == 0) {
			err_set(e,
				"case %s is a domain: it is stopped by the "
				"RPZ, not by a notice",
				id);
			goto done;
		}
		if (html) {
			notice_html(out, s);
			rc = 0;
			goto done;
		}
		j = notice_json(s);
		js = j ? json_dumps(j, JSON_INDENT(2) | JSON_PRESERVE_ORDER)
		       : NULL;
		json_decref(j);
		if (js == NULL) {
			err_set(e, "cannot encode the notice");
			goto done;
		}
		buf_addstr(out, js);
		buf_addch(out, '\n');
		free(js);
		rc = 0;
		goto done;
	}
	err_set(e,
		"case '%.60s' is not decided counterfeit (or does not "
		"exist)",
		id);
done:
	tdset_cleanup(&t);
	return rc;
}

json_t *
cf_takedown_json(struct store *st, struct err *e)
{
	struct tdset t;
	json_t *o, *dom, *addr, *apps, *acc, *refused;
	char *serial;

	if (tdset_load(st, &t, NULL, e) < 0) {
		tdset_cleanup(&t);
		return NULL;
	}
	dom = json_array();
	addr = json_array();
	apps = json_array();
	acc = json_array();
	refused = json_array();
	for (size_t i = 0; i < t.naddrs; i++)
		json_array_append_new(addr, json_string(t.addrs[i]));
	for (size_t i = 0; i < t.n; i++) {
		const struct stopped *s = &t.v[i];
		json_t *x = json_pack(
		    "{s:s, s:s, s:s?, s:s, s:s?, s:s?}", "case", s->id, "name",
		    s->candidate, "platform", s->platform, "state", s->state,
		    "unit", s->unit, "unit_name", s->unit_name);

		if (s->refused)
			json_array_append_new(refused, x);
		else if (strcmp(s->kind, "domain") == 0)
			json_array_append_new(dom, x);
		else if (strcmp(s->kind, "app") == 0)
			json_array_append_new(apps, x);
		else
			json_array_append_new(acc, x);
	}
	serial = store_setting_get(st, "cf.takedown.serial");
	o = json_pack("{s:o, s:o, s:o, s:o, s:o, s:s?}", "domains", dom,
		      "addresses", addr, "apps", apps, "accounts", acc,
		      "refused", refused, "serial", serial);
	free(serial);
	tdset_cleanup(&t);
	return o;
}

/* The genuine portal of unit (its main domain), or NULL (heap). */
static char *
genuine_portal(struct store *st, const char *unit)
{
	struct store_val v[1] = {SV_TEXT(unit)};

	if (unit == NULL)
		return NULL;
	return store_query_text(
	    st,
	    "SELECT d.unicode FROM domains d JOIN apps a ON "
	    "a.id = d.app WHERE a.unit = ? AND a.type = "
	    "'portal' AND coalesce(a.status, 'live') <> "
	    "'closed' ORDER BY d.main DESC, d.name LIMIT 1",
	    v, 1);
}

int
cf_warning_page(struct store *st, const char *host, const char *lang,
		struct buf *b)
{
	int en = lang != NULL && strcmp(lang, "en") == 0, status = 404;
	struct tdset t;
	const struct stopped *hit = NULL;
	char name[DOMAIN_MAX + 8] = "";
	char *portal = NULL;
	struct domain_info di;
	struct err e;

	if (host != NULL) {
		size_t n = strcspn(host, ":");

		if (host[0] != '[' && n < sizeof(name)) {
			memcpy(name, host, n);
			name[n] = '\0';
		}
	}
	if (tdset_load(st, &t, NULL, &e) < 0)
		log_warn("warning page: %s", e.msg);
	else if (name[0] != '\0' && domain_parse(name, &di, &e) == 0) {
		size_t n = strlen(di.alabel);

		for (size_t i = 0; i < t.n && hit == NULL; i++) {
			const struct stopped *s = &t.v[i];
			size_t cn = strlen(s->candidate);

			if (strcmp(s->kind, "domain") != 0 || s->refused)
				continue;
			if (strcmp(s->candidate, di.alabel) == 0 ||
			    (n > cn && di.alabel[n - cn - 1] == '.' &&
			     strcmp(di.alabel + n - cn, s->candidate) == 0))
				hit = s;
		}
	}
	if (host == NULL || hit != NULL)
		status = 200;
	if (hit != NULL)
		portal = genuine_portal(st, hit->unit);
	buf_printf(b,
		   "<!doctype html>\n<html lang=\"%s\"><head><meta "
		   "charset=\"utf-8\"><meta name=\"viewport\" content=\""
		   "width=device-width\"><title>%s</title><style>body{"
		   "font-family:sans-serif;max-width:40em;margin:3em auto;"
		   "padding:0 1em;line-height:1.6}h1{color:#b00}section{"
		   "margin-bottom:2em}</style></head><body>",
		   en ? "en" : "zh-CN",
		   en ? "Warning: counterfeit government site"
		      : "警告：仿冒政务网站");
	for (int pass = 0; pass < 2; pass++) {
		int e2 = pass == 0 ? en : !en;

		buf_printf(b, "<section lang=\"%s\"><h1>%s</h1>",
			   e2 ? "en" : "zh-CN",
			   status == 200 ? (e2 ? "Warning: counterfeit "
						 "government site"
					       : "警告：仿冒政务网站")
					 : (e2 ? "Unknown site" : "未知网站"));
		buf_addstr(b, "<p>");
		if (hit != NULL) {
			buf_addstr(b, e2 ? "The site <b>" : "网站 <b>");
			buf_add_html(b, name);
			buf_addstr(b, e2 ? "</b> has been confirmed to be a "
					   "counterfeit"
					 : "</b> 经核实为仿冒");
			if (hit->unit_name != NULL || hit->prot != NULL) {
				buf_addstr(b, e2 ? " of <b>" : "<b>");
				buf_add_html(b, hit->unit_name ? hit->unit_name
							       : hit->prot);
				buf_addstr(b, "</b>");
			}
			buf_addstr(b, e2 ? ". It has been stopped. Do not "
					   "enter passwords or personal "
					   "information there."
					 : "的网站，已被处置。请勿在该网站输入"
					   "密码或个人信息。");
			if (portal != NULL) {
				buf_addstr(b, e2 ? " The genuine site is <b>"
						 : "真实网站为 <b>");
				buf_add_html(b, portal);
				buf_addstr(b, "</b>.");
			}
		} else if (status == 200) {
			buf_addstr(b, e2 ? "The site you tried to reach has "
					   "been confirmed to be a "
					   "counterfeit of a government site "
					   "and has been stopped."
					 : "您访问的网站经核实为仿冒政务网站，"
					   "已被处置。");
		} else {
			buf_addstr(b, e2 ? "Nothing is known here of this "
					   "site."
					 : "本服务没有该网站的处置记录。");
		}
		buf_printf(b,
			   "</p><p><a href=\"/complaint?lang=%s\">%s</a>"
			   "</p></section>",
			   e2 ? "en" : "zh",
			   e2 ? "Report a counterfeit" : "举报仿冒政务应用");
	}
	buf_addstr(b, "</body></html>\n");
	free(portal);
	tdset_cleanup(&t);
	return status;
}
