/* timeutil.c: UTC time, RFC 3339 formatting and strict date parsing. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/base.h"

time_t
time_now(void)
{
	const char *fake = getenv("GOVSEC_NOW");
	time_t t;

	if (fake != NULL && *fake != '\0' && time_parse(fake, &t) == 0)
		return t;
	return time(NULL);
}

long long
time_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
time_fmt(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, n, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 && n > 0)
		out[0] = '\0';
}

void
time_fmt_date(time_t t, char *out, size_t n)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	if (strftime(out, n, "%Y-%m-%d", &tm) == 0 && n > 0)
		out[0] = '\0';
}

static int
digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

static int
days_in_month(int y, int m)
{
	static const int d[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

int
time_parse(const char *s, time_t *out)
{
	struct tm tm;
	int y, mo, d, h = 0, mi = 0, se = 0, off = 0;
	size_t len = strlen(s);
	const char *p;

	if (len < 10 || digits(s, 4, &y) || s[4] != '-' ||
	    digits(s + 5, 2, &mo) || s[7] != '-' || digits(s + 8, 2, &d))
		return -1;
	if (y < 1970 || y > 9999 || mo < 1 || mo > 12 || d < 1 ||
	    d > days_in_month(y, mo))
		return -1;
	p = s + 10;
	if (*p != '\0') {
		int oh, om;

		if ((*p != 'T' && *p != 't' && *p != ' ') || strlen(p) < 9 ||
		    digits(p + 1, 2, &h) || p[3] != ':' ||
		    digits(p + 4, 2, &mi) || p[6] != ':' ||
		    digits(p + 7, 2, &se))
			return -1;
		if (h > 23 || mi > 59 || se > 60)
			return -1;
		p += 9;
		if (*p == '.') {
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
			off = 0;
		} else if ((*p == '+' || *p == '-') && strlen(p) == 6 &&
			   !digits(p + 1, 2, &oh) && p[3] == ':' &&
			   !digits(p + 4, 2, &om) && oh < 24 && om < 60) {
			off = (oh * 60 + om) * 60 * (*p == '-' ? -1 : 1);
		} else {
			return -1;
		}
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	*out = timegm(&tm) - off;
	return 0;
}

int
time_is_date(const char *s)
{
	time_t t;

	return strlen(s) == 10 && time_parse(s, &t) == 0;
}
