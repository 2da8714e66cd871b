/*
 * regex.c: how much a policy's path regular expression may cost to
 * compile. glibc's regcomp builds an automaton whose size grows with
 * repetition: a{1,32767} takes seconds, twenty nested (x+)+ seconds more,
 * adjacent repetitions (a+++, or a slash and many stars; undefined in
 * POSIX) minutes. The policy comes from an administrator, but a slip must
 * not stall an import or the start of govsecd: the text (untrusted as to
 * its shape) is estimated here before regcomp sees it.
 */
#include <string.h>

#include "gate/gate.h"

#define DEPTH_MAX 32 /* groups open at once */

/* min(a * b, REGEX_COST_MAX + 1): costs saturate past the limit. */
static long
mul(long a, long b)
{
	if (a > 0 && b > (REGEX_COST_MAX + 1) / a)
		return REGEX_COST_MAX + 1;
	a *= b;
	return a > REGEX_COST_MAX ? REGEX_COST_MAX + 1 : a;
}

static long
add(long a, long b)
{
	return a + b > REGEX_COST_MAX ? REGEX_COST_MAX + 1 : a + b;
}

/* The length of the interval "{m}", "{m,}", "{m,n}" or "{,n}" (glibc)
 * at s, its largest count (m + 1 for "{m,}") in *n; 0 if s does not
 * start one. */
static size_t
interval(const char *s, long *n)
{
	size_t i = 1;
	long m = 0, k = -1;

	if ((s[i] < '0' || s[i] > '9') && s[i] != ',')
		return 0;
	for (; s[i] >= '0' && s[i] <= '9'; i++)
		m = m > 100000 ? m : m * 10 + (s[i] - '0');
	if (s[i] == ',') {
		i++;
		if (s[i] >= '0' && s[i] <= '9')
			for (k = 0; s[i] >= '0' && s[i] <= '9'; i++)
				k = k > 100000 ? k : k * 10 + (s[i] - '0');
		else if (s[1] == ',')
			return 0; /* "{,}" */
		else
			k = m + 1;
	}
	if (s[i] != '}')
		return 0;
	*n = k > m ? k : m;
	if (*n < 1)
		*n = 1;
	return i + 1;
}

/* The length of the bracket expression at s ("[...]"), or 1 if it does
 * not end (regcomp refuses it). */
static size_t
bracket(const char *s)
{
	size_t i = 1;

	if (s[i] == '^')
		i++;
	if (s[i] == ']')
		i++; /* a leading ] is a member */
	for (; s[i] != '\0' && s[i] != ']'; i++)
		if (s[i] == '[' &&
		    (s[i + 1] == ':' || s[i + 1] == '=' || s[i + 1] == '.')) {
			const char *end =
			    strstr(s + i + 2, s[i + 1] == ':'	? ":]"
					      : s[i + 1] == '=' ? "=]"
								: ".]");

			if (end == NULL)
				return 1;
			i = (size_t)(end - s) + 1;
		}
	return s[i] == ']' ? i + 1 : 1;
}

int
regex_bounded(const char *re)
{
	long sum[DEPTH_MAX + 1], last[DEPTH_MAX + 1];
	int d = 0, quantified = 0;

	sum[0] = last[0] = 0;
	for (const char *p = re; *p != '\0';) {
		long n = 0;
		size_t len = 0;

		if (*p == '*' || *p == '+' || *p == '?' ||
		    (*p == '{' && (len = interval(p, &n)) > 0)) {
			/* a repetition: of the last atom, whose cost grows
			 * (glibc copies x+ as xx*, x{m,n} n times) */
			if (quantified)
				return -1; /* a+*, a**, a{2}+: undefined */
			if (n > REGEX_DUP_MAX)
				return -1; /* one is quadratic in its count */
			if (*p == '+')
				n = 2;
			else if (*p != '{')
				n = 1;
			p += *p == '{' ? len : 1;
			sum[d] = add(sum[d] - last[d], mul(last[d], n));
			last[d] = mul(last[d], n);
			if (sum[d] > REGEX_COST_MAX)
				return -1;
			quantified = 1;
			continue;
		}
		quantified = 0;
		if (*p == '(') {
			if (d == DEPTH_MAX)
				return -1;
			d++;
			sum[d] = last[d] = 0;
			p++;
			continue;
		}
		if (*p == ')' && d > 0) {
			long group = sum[d] > 0 ? sum[d] : 1;

			d--;
			sum[d] = add(sum[d], group);
			last[d] = group;
			if (sum[d] > REGEX_COST_MAX)
				return -1;
			p++;
			continue;
		}
		if (*p == '[')
			len = bracket(p);
		else if (*p == '\\' && p[1] != '\0')
			len = 2;
		else
			len = 1;
		p += len;
		sum[d] = add(sum[d], 1);
		last[d] = 1;
		if (sum[d] > REGEX_COST_MAX)
			return -1;
	}
	while (d > 0) { /* unclosed: regcomp refuses it; cost it anyway */
		long group = sum[d];

		d--;
		sum[d] = add(sum[d], group);
	}
	return sum[0] > REGEX_COST_MAX ? -1 : 0;
}
