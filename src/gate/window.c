/*
 * window.c: time windows ("mon-fri 09:00-18:00 2026-01-01..2026-12-31
 * Asia/Shanghai") and the time-zone offsets they need. Window strings are
 * untrusted (policy documents); zone names are checked against the TZ
 * database before use.
 *
 * Zones: the C library's TZ handling is process-global, so offsets are
 * looked up under one mutex by switching TZ, calling tzset() and
 * localtime_r(), then switching back; results are cached per zone for the
 * quarter hour (UTC) that contains the instant: every offset in use today
 * is a multiple of 15 minutes and transitions happen at whole local
 * minutes of such offsets, so a busy gate switches TZ at most once per zone
 * and quarter hour. Historical offsets of odd minutes (before 1980) may be
 * off by a quarter hour around a transition.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gate/gate.h"

#define ZONEINFO  "/usr/share/zoneinfo/"
#define CACHE_MAX 64

static const char *const day_names[] = {"sun", "mon", "tue", "wed",
					"thu", "fri", "sat"};

static pthread_mutex_t tz_lock = PTHREAD_MUTEX_INITIALIZER;
static struct {
	char zone[64];
	time_t hour; /* t / 900 */
	long off;
} cache[CACHE_MAX];
static int cache_next;

void
gate_tz_init(void)
{
	if (getenv("TZ") == NULL)
		setenv("TZ", ":/etc/localtime", 1);
}

/* 1 if zone is a safe name of a TZif file in the TZ database (or
 * "UTC"): a directory or another file would make the C library fall back
 * to UTC without a word. */
static int
zone_ok(const char *zone)
{
	char path[128], magic[4];
	struct stat sb;
	int fd, ok;

	if (zone[0] == '\0' || strlen(zone) >= 64 || zone[0] == '/' ||
	    strstr(zone, "..") != NULL)
		return 0;
	for (const char *p = zone; *p; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		      (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' ||
		      *p == '-' || *p == '+'))
			return 0;
	if (!strcmp(zone, "UTC"))
		return 1;
	if (str_fmt(path, sizeof(path), "%s%s", ZONEINFO, zone) < 0)
		return 0;
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NONBLOCK);
	if (fd < 0 && errno == ELOOP)
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0)
		return 0;
	ok = fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) &&
	     read(fd, magic, 4) == 4 && !memcmp(magic, "TZif", 4);
	close(fd);
	return ok;
}

int
gate_tz_offset(const char *zone, time_t t, long *off)
{
	time_t hour = t / 900;
	char *saved = NULL, tzv[128];
	const char *old;
	struct tm tm;
	int rc = -1;

	if (!strcmp(zone, "UTC")) {
		*off = 0;
		return 0;
	}
	pthread_mutex_lock(&tz_lock);
	for (int i = 0; i < CACHE_MAX; i++)
		if (cache[i].hour == hour && !strcmp(cache[i].zone, zone)) {
			*off = cache[i].off;
			pthread_mutex_unlock(&tz_lock);
			return 0;
		}
	if (!zone_ok(zone) ||
	    str_fmt(tzv, sizeof(tzv), ":%s%s", ZONEINFO, zone) < 0)
		goto out;
	old = getenv("TZ");
	if (old != NULL)
		saved = xstrdup(old);
	setenv("TZ", tzv, 1);
	tzset();
	if (localtime_r(&t, &tm) != NULL) {
		*off = tm.tm_gmtoff;
		str_copy(cache[cache_next].zone, zone, sizeof(cache[0].zone));
		cache[cache_next].hour = hour;
		cache[cache_next].off = *off;
		cache_next = (cache_next + 1) % CACHE_MAX;
		rc = 0;
	}
	if (saved != NULL)
		setenv("TZ", saved, 1);
	else
		unsetenv("TZ");
	tzset();
	free(saved);
out:
	pthread_mutex_unlock(&tz_lock);
	return rc;
}

/* Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant). */
static long
days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

static int
parse_date(const char *s, size_t n, long *days)
{
	char tmp[11];
	long long y, m, d;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};

	if (n != 10 || s[4] != '-' || s[7] != '-')
		return -1;
	memcpy(tmp, s, 10);
	tmp[4] = tmp[7] = tmp[10] = '\0';
	if (str_to_ll(tmp, 1970, 9999, &y) < 0 ||
	    str_to_ll(tmp + 5, 1, 12, &m) < 0 ||
	    str_to_ll(tmp + 8, 1, 31, &d) < 0 || d > mdays[m - 1])
		return -1;
	if (m == 2 && d == 29 &&
	    !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -1;
	*days = days_from_civil((long)y, (int)m, (int)d);
	return 0;
}

/* "HH:MM" (00:00..24:00) into minutes. */
static int
parse_hhmm(const char *s, size_t n, int16_t *min)
{
	char tmp[6];
	long long h, m;

	if (n != 5 || s[2] != ':')
		return -1;
	memcpy(tmp, s, 5);
	tmp[2] = tmp[5] = '\0';
	if (tmp[0] < '0' || tmp[0] > '9' || tmp[3] < '0' || tmp[3] > '9')
		return -1;
	if (str_to_ll(tmp, 0, 24, &h) < 0 || str_to_ll(tmp + 3, 0, 59, &m) < 0)
		return -1;
	if (h == 24 && m != 0)
		return -1;
	*min = (int16_t)(h * 60 + m);
	return 0;
}

static int
day_index(const char *s, size_t n)
{
	if (n != 3)
		return -1;
	for (int i = 0; i < 7; i++)
		if (!strncmp(s, day_names[i], 3))
			return i;
	return -1;
}

static int
parse_days(struct gate_window *w, const char *s, size_t n)
{
	size_t i = 0;

	if (n == 5 && !strncmp(s, "daily", 5)) {
		w->days = 0x7f;
		return 0;
	}
	while (i < n) {
		size_t j = i;
		int a, b;

		while (j < n && s[j] != ',')
			j++;
		if (j - i == 7 && s[i + 3] == '-') {
			a = day_index(s + i, 3);
			b = day_index(s + i + 4, 3);
			if (a < 0 || b < 0)
				return -1;
			for (int d = a;; d = (d + 1) % 7) {
				w->days |= (uint8_t)(1 << d);
				if (d == b)
					break;
			}
		} else {
			a = day_index(s + i, j - i);
			if (a < 0)
				return -1;
			w->days |= (uint8_t)(1 << a);
		}
		if (j < n && j + 1 == n)
			return -1; /* trailing comma */
		i = j + 1;
	}
	return w->days != 0 ? 0 : -1;
}

static int
parse_times(struct gate_window *w, const char *s, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != ',')
			j++;
		if (w->ntimes == GATE_TIMES_MAX || j - i != 11 ||
		    s[i + 5] != '-' ||
		    parse_hhmm(s + i, 5, &w->from[w->ntimes]) < 0 ||
		    parse_hhmm(s + i + 6, 5, &w->to[w->ntimes]) < 0 ||
		    w->from[w->ntimes] == 24 * 60 ||
		    w->from[w->ntimes] == w->to[w->ntimes])
			return -1;
		w->ntimes++;
		if (j < n && j + 1 == n)
			return -1;
		i = j + 1;
	}
	return w->ntimes > 0 ? 0 : -1;
}

int
gate_window_parse(struct gate_window *w, const char *s, struct err *e)
{
	int have_days = 0, have_dates = 0, have_zone = 0, parts = 0;
	size_t len = strlen(s), i = 0;

	memset(w, 0, sizeof(*w));
	w->date_from = LONG_MIN;
	w->date_to = LONG_MAX;
	str_copy(w->zone, GATE_DEFAULT_TZ, sizeof(w->zone));
	if (len > GATE_WINDOW_MAX) {
		err_set(e, "time window longer than %d bytes", GATE_WINDOW_MAX);
		return -1;
	}
	while (i < len) {
		const char *tok;
		const char *dots;
		size_t n;

		while (i < len && s[i] == ' ')
			i++;
		if (i == len)
			break;
		tok = s + i;
		while (i < len && s[i] != ' ')
			i++;
		n = (size_t)(s + i - tok);
		parts++;
		dots = NULL;
		for (size_t k = 0; k + 1 < n; k++)
			if (tok[k] == '.' && tok[k + 1] == '.') {
				dots = tok + k;
				break;
			}
		if (tok[0] >= '0' && tok[0] <= '9' && dots != NULL) {
			size_t a = (size_t)(dots - tok);

			if (have_dates ||
			    parse_date(tok, a, &w->date_from) < 0 ||
			    parse_date(dots + 2, n - a - 2, &w->date_to) < 0 ||
			    w->date_to < w->date_from)
				goto bad;
			have_dates = 1;
		} else if (tok[0] >= '0' && tok[0] <= '9') {
			if (w->ntimes > 0 || parse_times(w, tok, n) < 0)
				goto bad;
		} else if (n >= 3 && tok[0] >= 'a' && tok[0] <= 'z' &&
			   memchr(tok, '/', n) == NULL) {
			if (have_days || parse_days(w, tok, n) < 0)
				goto bad;
			have_days = 1;
		} else {
			char zone[64];

			if (have_zone || n >= sizeof(zone))
				goto bad;
			memcpy(zone, tok, n);
			zone[n] = '\0';
			if (!zone_ok(zone)) {
				err_set(e,
					"time window '%.*s': unknown time "
					"zone '%s'",
					(int)(len > 80 ? 80 : len), s, zone);
				goto clean;
			}
			str_copy(w->zone, zone, sizeof(w->zone));
			have_zone = 1;
		}
	}
	if (parts == 0) {
		err_set(e, "empty time window");
		return -1;
	}
	if (!have_days)
		w->days = 0x7f;
	return 0;
bad:
	err_set(e,
		"time window '%.*s' is not [DAYS] [HH:MM-HH:MM] "
		"[YYYY-MM-DD..YYYY-MM-DD] [ZONE]",
		(int)(len > 80 ? 80 : len), s);
clean:
	for (char *c = e != NULL ? e->msg : ""; *c; c++)
		if ((unsigned char)*c < 0x20 || *c == 0x7f)
			*c = '?';
	return -1;
}

int
gate_window_contains(const struct gate_window *w, time_t t)
{
	long off, day, min, wday;
	long long local;
	int in = 0;

	if (gate_tz_offset(w->zone, t, &off) < 0)
		return -1;
	local = (long long)t + off;
	day = (long)(local >= 0 ? local / 86400 : (local - 86399) / 86400);
	min = (long)((local - (long long)day * 86400) / 60);
	wday = (day % 7 + 7 + 4) % 7; /* 1970-01-01 was a Thursday */
	if (day < w->date_from || day > w->date_to)
		return 0;
	if (!(w->days & (1 << wday)))
		return 0;
	if (w->ntimes == 0)
		return 1;
	for (int i = 0; i < w->ntimes && !in; i++) {
		if (w->from[i] < w->to[i])
			in = min >= w->from[i] && min < w->to[i];
		else
			in = min >= w->from[i] || min < w->to[i];
	}
	return in;
}
