/*
 * probe.c: availability probing of registered portals (GOVWEB-1): one probe
 * is a GET of a portal's homepage (https first, http as a fallback) with a
 * hard time limit, redirects followed by hand so that every hop passes the
 * SSRF guard; results go to the store (probe_results) and a scheduler
 * thread for govsecd probes every live portal per_day times a day. Responses
 * are untrusted and only their status is used; the store and the
 * configuration are trusted.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <curl/curl.h>

#include "inspect/inspect.h"

#define PROBE_BODY_MAX (1 << 20) /* bytes read of a homepage */

void
probe_opts_init(struct probe_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->timeout = 15;
	o->max_redirects = 10;
	o->user_agent = "govsec-probe/" GOVSEC_VERSION;
}

int
probe_verdict(const long day[PROBE_DAYS], long failed)
{
	long total = 0;

	for (int i = 0; i < PROBE_DAYS; i++) {
		if (day[i] < PROBE_MIN_DAY)
			return -1;
		total += day[i];
	}
	/* the veto: a failure ratio of 5 % or more fails (exact) */
	return failed * 100 >= (long)PROBE_VETO_PERCENT * total ? 0 : 1;
}

static double
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

/* The resolve map's entry for key exactly (heap), or NULL. */
static char *
map_entry(const char *map, const char *key)
{
	const char *p = map;
	size_t kl = strlen(key);

	while (*p != '\0') {
		size_t n = strcspn(p, ","), k = strcspn(p, "=");

		if (k < n && k == kl && strncasecmp(p, key, k) == 0) {
			char *v = xmalloc(n - k);

			memcpy(v, p + k + 1, n - k - 1);
			v[n - k - 1] = '\0';
			return v;
		}
		p += n + (p[n] == ',');
	}
	return NULL;
}

/* "name:port", "name", "*:port", "*", else "none" (as the crawler). */
static char *
map_lookup(const char *map, const char *name, int port)
{
	char key[600];
	char *v = NULL;

	if (str_fmt(key, sizeof(key), "%s:%d", name, port) > 0)
		v = map_entry(map, key);
	if (v == NULL)
		v = map_entry(map, name);
	if (v == NULL && str_fmt(key, sizeof(key), "*:%d", port) > 0)
		v = map_entry(map, key);
	if (v == NULL)
		v = map_entry(map, "*");
	return v != NULL ? v : xstrdup("none");
}

struct hop {
	const struct probe_opts *o;
	int refused;
	long long bytes;
	int full;
};

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct hop *h = arg;

	(void)p;
	h->bytes += (long long)(size * n);
	if (h->bytes > PROBE_BODY_MAX) {
		h->full = 1; /* the status is known: enough */
		return 0;
	}
	return size * n;
}

static curl_socket_t
on_open(void *arg, curlsocktype purpose, struct curl_sockaddr *a)
{
	struct hop *h = arg;

	(void)purpose;
	if (!h->o->allow_private && addr_private(&a->addr)) {
		h->refused = 1;
		return CURL_SOCKET_BAD;
	}
	return socket(a->family, a->socktype, a->protocol);
}

static int
on_progress(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut,
	    curl_off_t un)
{
	struct hop *h = arg;

	(void)dt, (void)dn, (void)ut, (void)un;
	return h->o->cancel != NULL && h->o->cancel(h->o->cancel_arg);
}

/*
 * A connect-to entry for url's host from the test map into out: 0 with
 * out set ("" when the map has nothing to say), -1 when the map says the
 * name does not resolve.
 */
static int
connect_to(const struct probe_opts *o, const char *url, char *out, size_t n)
{
	char *host = url_host(url), *addr = NULL, *colon;
	const char *ip;
	int port = url_port(url), cport, rc = 0;
	long long v;

	out[0] = '\0';
	if (o->resolve == NULL || *o->resolve == '\0' || host == NULL ||
	    host[0] == '[' || strspn(host, "0123456789.") == strlen(host))
		goto done;
	addr = map_lookup(o->resolve, host, port);
	if (strcmp(addr, "none") == 0) {
		rc = -1;
		goto done;
	}
	/* "1.2.3.4", "1.2.3.4:8080", "::1", "[::1]", "[::1]:8080" */
	ip = addr;
	cport = port;
	if (addr[0] == '[') {
		char *close = strchr(addr, ']');

		ip = addr + 1;
		if (close != NULL) {
			*close = '\0';
			if (close[1] == ':' &&
			    str_to_ll(close + 2, 1, 65535, &v) == 0)
				cport = (int)v;
		}
	} else if ((colon = strrchr(addr, ':')) != NULL &&
		   strchr(addr, ':') == colon &&
		   str_to_ll(colon + 1, 1, 65535, &v) == 0) {
		*colon = '\0';
		cport = (int)v;
	}
	if (str_fmt(out, n, strchr(ip, ':') ? "%s:%d:[%s]:%d" : "%s:%d:%s:%d",
		    host, port, ip, cport) < 0)
		out[0] = '\0';
done:
	free(host);
	free(addr);
	return rc;
}

/*
 * One try of url and its redirects until deadline (monotonic ms); the
 * connection phase gets at most connect_ms. Fills r (url, status, error,
 * ok); returns 1 if an HTTP response was received, 0 if not.
 */
static int
try_url(const char *url, const struct probe_opts *o, double deadline,
	long connect_ms, struct probe_result *r)
{
	char *cur = xstrdup(url), ct[700], eb[CURL_ERROR_SIZE];
	int answered = 0;

	r->ok = 0;
	r->status = 0;
	r->error[0] = '\0';
	for (int hops = 0;; hops++) {
		struct hop h = {o, 0, 0, 0};
		struct curl_slist *cto = NULL;
		double left = deadline - mono_ms();
		char *loc = NULL;
		long status = 0;
		CURLcode rc;
		CURL *e;

		str_copy(r->url, cur, sizeof(r->url));
		if (hops > o->max_redirects) {
			str_copy(r->error, "too many redirects",
				 sizeof(r->error));
			break;
		}
		if (left < 1) {
			str_copy(r->error, "time limit reached",
				 sizeof(r->error));
			break;
		}
		if (connect_to(o, cur, ct, sizeof(ct)) < 0) {
			str_copy(r->error, "the name does not resolve",
				 sizeof(r->error));
			break;
		}
		e = curl_easy_init();
		if (e == NULL) {
			str_copy(r->error, "cannot start a transfer",
				 sizeof(r->error));
			break;
		}
		if (ct[0] != '\0') {
			cto = curl_slist_append(NULL, ct);
			curl_easy_setopt(e, CURLOPT_CONNECT_TO, cto);
		}
		eb[0] = '\0';
		curl_easy_setopt(e, CURLOPT_URL, cur);
		curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
		curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
		curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(e, CURLOPT_WRITEDATA, &h);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, on_open);
		curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, &h);
		curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
		curl_easy_setopt(e, CURLOPT_XFERINFODATA, &h);
		curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(e, CURLOPT_ERRORBUFFER, eb);
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)left);
		curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
				 (long)(connect_ms < left ? connect_ms : left));
		curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(e, CURLOPT_USERAGENT, o->user_agent);
		curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
		if (o->cacert != NULL)
			curl_easy_setopt(e, CURLOPT_CAINFO, o->cacert);
		rc = curl_easy_perform(e);
		curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
		if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && h.full)) {
			char *rl = NULL;

			answered = 1;
			r->status = (int)status;
			curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &rl);
			if (status >= 300 && status < 400 && rl != NULL)
				loc = xstrdup(rl);
			else if (status >= 200 && status < 400)
				r->ok = 1;
			else
				str_fmt(r->error, sizeof(r->error),
					"HTTP status %ld", status);
		} else if (rc == CURLE_ABORTED_BY_CALLBACK) {
			r->aborted = 1;
			str_copy(r->error, "stopped", sizeof(r->error));
		} else if (h.refused) {
			str_copy(r->error,
				 "the target resolves to a private, loopback "
				 "or link-local address (refused)",
				 sizeof(r->error));
		} else if (rc == CURLE_OPERATION_TIMEDOUT) {
			str_fmt(r->error, sizeof(r->error),
				"no answer within %d s", o->timeout);
		} else {
			str_fmt(r->error, sizeof(r->error), "%s",
				eb[0] ? eb : curl_easy_strerror(rc));
		}
		curl_easy_cleanup(e);
		curl_slist_free_all(cto);
		if (loc == NULL)
			break;
		free(cur);
		cur = loc;
	}
	free(cur);
	return answered;
}

int
probe_run(const char *target, const struct probe_opts *o,
	  struct probe_result *r, struct err *e)
{
	double t0 = mono_ms(), deadline = t0 + o->timeout * 1000.0;
	char url[1100], *norm;
	struct probe_result h;

	memset(r, 0, sizeof(*r));
	time_fmt(time_now(), r->at, sizeof(r->at));
	if (target == NULL || *target == '\0' || strlen(target) > 1024 ||
	    strspn(target, "\t\n\r /") != 0) {
		err_set(e, "'%.64s' is not a URL or host name",
			target ? target : "");
		return -1;
	}
	if (str_starts(target, "http://") || str_starts(target, "https://")) {
		norm = url_resolve(NULL, target, NULL);
		if (norm == NULL) {
			err_set(e, "'%.64s' is not an http(s) URL", target);
			return -1;
		}
		try_url(norm, o, deadline, o->timeout * 1000L, r);
		free(norm);
		goto done;
	}
	if (strpbrk(target, "/?#@ ") != NULL ||
	    str_fmt(url, sizeof(url), "https://%s/", target) < 0 ||
	    (norm = url_resolve(NULL, url, NULL)) == NULL) {
		err_set(e, "'%.64s' is not a host name", target);
		return -1;
	}
	/* https first; half the budget to connect leaves http a chance */
	if (try_url(norm, o, deadline, o->timeout * 500L, r) || r->aborted) {
		free(norm);
		goto done;
	}
	/* the normalised (A-label) URL, "https" -> "http" */
	str_fmt(url, sizeof(url), "http%s", norm + 5);
	free(norm);
	memset(&h, 0, sizeof(h));
	try_url(url, o, deadline, o->timeout * 1000L, &h);
	if (h.ok) {
		char https_err[sizeof(r->error)];

		str_copy(https_err, r->error, sizeof(https_err));
		str_copy(r->url, h.url, sizeof(r->url));
		r->ok = 1;
		r->status = h.status;
		str_fmt(r->error, sizeof(r->error),
			"answers over http only (https: %s)", https_err);
	} else {
		char both[sizeof(r->error)];

		str_fmt(both, sizeof(both), "https: %s; http: %s", r->error,
			h.error);
		str_copy(r->error, both, sizeof(r->error));
		if (r->status == 0)
			r->status = h.status;
		r->aborted |= h.aborted;
	}
done:
	r->ms = (long)(mono_ms() - t0);
	return 0;
}

int
probe_save(struct store *st, const char *app, const struct probe_result *r,
	   struct err *e)
{
	char cut[32];
	struct store_val v[7] = {SV_TEXT(app),	    SV_TEXT(r->at),
				 SV_TEXT(r->url),   SV_INT(r->ok),
				 SV_INT(r->status), SV_TEXT(r->error),
				 SV_INT(r->ms)};
	struct store_val p[2];

	if (r->status == 0)
		v[4] = SV_NULL;
	if (r->error[0] == '\0')
		v[5] = SV_NULL;
	time_fmt(time_now() - PROBE_KEEP_DAYS * 86400L, cut, sizeof(cut));
	p[0] = SV_TEXT(app);
	p[1] = SV_TEXT(cut);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st,
		       "INSERT INTO probe_results (app, at, url, ok, status, "
		       "error, ms) VALUES (?, ?, ?, ?, ?, ?, ?)",
		       v, 7, e) < 0 ||
	    store_exec(st,
		       "DELETE FROM probe_results WHERE app IS ? AND at < ?", p,
		       2, e) < 0 ||
	    probe_sum_add(st, app, r->at, r->ok, e) < 0)
		goto fail;
	return store_commit(st, e);
fail:
	store_rollback(st);
	return -1;
}

struct targets {
	struct probe_target *t;
	size_t n, cap;
};

static int
target_row(void *arg, struct store_row *row)
{
	struct targets *x = arg;
	const char *app = store_row_text(row, 0);
	const char *host = store_row_text(row, 1);

	if (app == NULL || host == NULL)
		return 0;
	if (x->n > 0 && strcmp(x->t[x->n - 1].app, app) == 0) {
		return 0; /* rows come main domain first: keep it */
	}
	if (x->n == x->cap) {
		x->cap = x->cap ? x->cap * 2 : 16;
		x->t = xrealloc(x->t, x->cap * sizeof(*x->t));
	}
	x->t[x->n].app = xstrdup(app);
	x->t[x->n].host = xstrdup(host);
	x->n++;
	return 0;
}

int
probe_targets(struct store *st, const char *app, struct probe_target **out,
	      size_t *n, struct err *e)
{
	struct targets x = {NULL, 0, 0};
	struct store_val v[1] = {SV_TEXT(app)};

	*out = NULL;
	*n = 0;
	if (store_query(st,
			"SELECT a.id, d.name, d.main FROM apps a JOIN domains "
			"d ON d.app = a.id WHERE (?1 IS NULL AND a.type = "
			"'portal' AND coalesce(a.status, 'live') = 'live') OR "
			"a.id = ?1 ORDER BY a.id, d.main DESC, d.name",
			v, 1, target_row, &x, e) < 0) {
		probe_targets_free(x.t, x.n);
		return -1;
	}
	*out = x.t;
	*n = x.n;
	return 0;
}

int
probe_target_items(struct store *st, int by_host, struct sched_item **items,
		   size_t *n, struct err *e)
{
	struct probe_target *t = NULL;
	size_t nt = 0;

	*items = NULL;
	*n = 0;
	if (probe_targets(st, NULL, &t, &nt, e) < 0)
		return -1;
	*items = xcalloc(nt > 0 ? nt : 1, sizeof(**items));
	for (size_t k = 0; k < nt; k++) {
		(*items)[k].name = by_host ? t[k].host : t[k].app;
		(*items)[k].data = by_host ? t[k].app : t[k].host;
		t[k].host = t[k].app = NULL;
	}
	*n = nt;
	probe_targets_free(t, nt);
	return 0;
}

void
probe_targets_free(struct probe_target *t, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(t[i].app);
		free(t[i].host);
	}
	free(t);
}

/* ---- the scheduler (govsecd): probes claimed as jobs (schedule.c) ---- */

struct probe_sched {
	struct sched *s;
	struct probe_opts o;
	char resolve[1024];
	double interval;
	/* this instance's probes since the last summary (its thread's) */
	size_t up, down;
	double since;
};

/* The jobs: one per live portal (name: the application, data: its main
 * domain); logs a summary of this instance's probes once an interval. */
static int
probe_list(struct sched *sc, struct store *st, void *arg,
	   struct sched_item **items, size_t *n)
{
	struct probe_sched *s = arg;
	struct err e;

	(void)sc;
	if (s->up + s->down > 0 &&
	    sched_now_ms() - s->since >= s->interval - 1) {
		log_info("probe: %zu portal(s) probed, %zu up, %zu down in "
			 "%.1f s",
			 s->up + s->down, s->up, s->down,
			 (sched_now_ms() - s->since) / 1000.0);
		s->up = s->down = 0;
		s->since = sched_now_ms();
	}
	if (probe_target_items(st, 0, items, n, &e) < 0) {
		log_warn("probe: cannot read the portals: %s", e.msg);
		return -1;
	}
	return 0;
}

/* the probes spread evenly over the interval, in the portals' order */
static double
probe_offset(const char *name, size_t k, size_t n, double interval_ms)
{
	(void)name;
	return interval_ms * (double)k / (double)(n > 0 ? n : 1);
}

static int
probe_job(struct sched *sc, struct store *st, void *arg,
	  const struct store_job *j)
{
	struct probe_sched *s = arg;
	struct probe_opts o = s->o;
	struct probe_result r;
	struct err e;

	o.cancel_arg = sc; /* a stop aborts the running probe */
	if (probe_run(j->data, &o, &r, &e) < 0) {
		log_warn("probe: '%s': %s", j->data, e.msg);
		return 0;
	}
	if (r.aborted)
		return 1;
	if (probe_save(st, j->name, &r, &e) < 0)
		log_warn("probe: cannot store the result of '%s': %s", j->name,
			 e.msg);
	if (r.ok)
		s->up++;
	else
		s->down++;
	return 0;
}

struct probe_sched *
probe_sched_start(const struct config *cfg, const char *store_path,
		  struct err *e)
{
	struct probe_sched *s = xcalloc(1, sizeof(*s));
	int per_day = cfg->probe_per_day > 0 ? cfg->probe_per_day : 20;
	struct sched_work w;

	probe_opts_init(&s->o);
	s->o.timeout = cfg->probe_timeout;
	s->o.allow_private = cfg->probe_allow_private;
	str_copy(s->resolve, cfg->probe_resolve, sizeof(s->resolve));
	s->o.resolve = s->resolve;
	s->interval = 86400000.0 / per_day;
	s->o.cancel = sched_stopping;
	s->since = sched_now_ms();
	memset(&w, 0, sizeof(w));
	w.kind = "probe";
	w.first_ms = 0; /* the first portal at once */
	w.interval_ms = s->interval;
	w.lease_ms = cfg->store_lease_seconds * 1000.0;
	w.list = probe_list;
	w.offset = probe_offset;
	w.run = probe_job;
	w.save_ends = 1; /* a result is stored in one transaction */
	w.arg = s;
	s->s = sched_work_start(store_path, &w, e);
	if (s->s == NULL) {
		free(s);
		return NULL;
	}
	log_info("probe: %d times a day, %d s limit per probe", per_day,
		 s->o.timeout);
	return s;
}

void
probe_sched_stop(struct probe_sched *s)
{
	if (s == NULL)
		return;
	sched_stop(s->s);
	free(s);
}
