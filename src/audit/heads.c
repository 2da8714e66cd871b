/*
 * heads.c: the heads of the audit chain written outside the store: lines
 * "SEQ HASH AT MAC" appended to a file opened O_APPEND (chattr +a keeps
 * even its owner from rewriting it), MAC = HMAC-SM3 under the heads key
 * over the other three, and the same head sent to syslog (LOG_AUTHPRIV).
 * Reads a file anyone who can write it may have edited: every line is
 * checked, none is believed without its MAC.
 */
#include <syslog.h>
/* syslog.h and base.h both name LOG_INFO and LOG_DEBUG: keep base.h's */
static const int heads_syslog_prio = LOG_AUTHPRIV | LOG_NOTICE;
#undef LOG_INFO
#undef LOG_DEBUG

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "audit/audit.h"

#define HEADS_LINE_MAX 256
/* "1 " HASH " " "2024-07-01T00:00:00Z" " " MAC: a whole line at least */
#define HEADS_LINE_MIN (2 + 64 + 1 + 20 + 1 + 64)
#define HEADS_MAX      (8 << 20) /* lines read at most */

static int
line_mac(const unsigned char key[SM3_LEN], long long seq, const char *hash,
	 const char *at, char out[AUDIT_HASH_HEX])
{
	char msg[160];
	unsigned char md[SM3_LEN];
	int n;

	n = str_fmt(msg, sizeof(msg), "govsec-audit-head;%lld;%s;%s", seq, hash,
		    at);
	if (n < 0 || hmac_sm3(key, SM3_LEN, msg, (size_t)n, md) < 0)
		return -1;
	hex_encode(md, SM3_LEN, out);
	return 0;
}

int
heads_append(const char *path, const unsigned char key[SM3_LEN], long long seq,
	     const char *hash, const char *at, struct err *e)
{
	char line[HEADS_LINE_MAX + 1], mac[AUDIT_HASH_HEX], last;
	struct stat sb;
	int fd, n;

	if (line_mac(key, seq, hash, at, mac) < 0 ||
	    (n = str_fmt(line, sizeof(line), "%lld %s %s %s\n", seq, hash, at,
			 mac)) < 0) {
		err_set(e, "cannot make an audit head line");
		return -1;
	}
	fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW,
		  0600);
	if (fd < 0) {
		err_set(e, "cannot open audit heads '%s': %s", path,
			strerror(errno));
		return -1;
	}
	file_own_like_dir(fd, path);
	/* after a line a crash cut short, start a line of our own */
	if (fstat(fd, &sb) == 0 && sb.st_size > 0 &&
	    pread(fd, &last, 1, sb.st_size - 1) == 1 && last != '\n') {
		memmove(line + 1, line, (size_t)n + 1);
		line[0] = '\n';
		n++;
	}
	/* one write of one short line: lines of several writers never mix */
	if (write(fd, line, (size_t)n) != n) {
		err_set(e, "cannot write audit heads '%s': %s", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

void
heads_syslog(long long seq, const char *hash, const char *at)
{
	syslog(heads_syslog_prio, "govsec audit head %lld:%s at %s", seq, hash,
	       at);
}

/* Parses one line (without its newline) and checks its MAC; 0 or -1. */
static int
parse_line(char *s, const unsigned char key[SM3_LEN], struct heads_entry *h)
{
	char *f[4], mac[AUDIT_HASH_HEX];
	int n = 0;

	for (char *p = s; n < 4;) {
		f[n++] = p;
		p = strchr(p, ' ');
		if (p == NULL)
			break;
		*p++ = '\0';
	}
	if (n != 4 || strchr(f[3], ' ') != NULL ||
	    str_to_ll(f[0], 0, 1LL << 62, &h->seq) < 0 || strlen(f[1]) != 64 ||
	    strlen(f[3]) != 64 || str_copy(h->at, f[2], sizeof(h->at)) < 0 ||
	    line_mac(key, h->seq, f[1], f[2], mac) < 0 ||
	    !ct_equal(mac, f[3], 64))
		return -1;
	memcpy(h->hash, f[1], AUDIT_HASH_HEX);
	return 0;
}

static int
by_seq(const void *a, const void *b)
{
	const struct heads_entry *x = a, *y = b;

	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

int
heads_load(struct heads *h, const char *path, const unsigned char key[SM3_LEN],
	   struct err *e)
{
	char line[HEADS_LINE_MAX + 2];
	long long lineno = 0;
	FILE *f;

	memset(h, 0, sizeof(*h));
	f = fopen(path, "re");
	if (f == NULL) {
		if (errno == ENOENT) {
			h->missing = 1;
			return 0;
		}
		err_set(e, "cannot read audit heads '%s': %s", path,
			strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t len = strlen(line);
		struct heads_entry he;

		lineno++;
		if (len == 0 || line[len - 1] != '\n') {
			/* a last line cut short (a crash while writing it)
			 * says nothing; a line too long is not ours */
			if (feof(f) && len < HEADS_LINE_MIN)
				break;
			if (h->bad_line == 0)
				h->bad_line = lineno;
			while (len > 0 && line[len - 1] != '\n' &&
			       fgets(line, sizeof(line), f) != NULL)
				len = strlen(line);
			continue;
		}
		line[len - 1] = '\0';
		if (parse_line(line, key, &he) < 0) {
			/* too short to hold a MAC: a line cut short by a
			 * crash, which proves nothing either way */
			if (h->bad_line == 0 && len - 1 >= HEADS_LINE_MIN)
				h->bad_line = lineno;
			continue;
		}
		if (h->n == HEADS_MAX)
			break;
		if (h->n == h->cap) {
			h->cap = h->cap ? 2 * h->cap : 1024;
			h->v = xrealloc(h->v, h->cap * sizeof(*h->v));
		}
		h->v[h->n++] = he;
	}
	fclose(f);
	if (h->n > 1)
		qsort(h->v, h->n, sizeof(*h->v), by_seq);
	return 0;
}

void
heads_cleanup(struct heads *h)
{
	free(h->v);
	memset(h, 0, sizeof(*h));
}

int
heads_last(const char *path, const unsigned char key[SM3_LEN], long long *seq,
	   time_t *at)
{
	char tail[4 * HEADS_LINE_MAX + 1], *nl, *start;
	struct heads_entry he;
	ssize_t n;
	off_t end;
	int fd;

	*seq = 0;
	*at = 0;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? 0 : -1;
	end = lseek(fd, 0, SEEK_END);
	if (end < 0 ||
	    lseek(fd,
		  end > (off_t)sizeof(tail) - 1 ? end - (off_t)sizeof(tail) + 1
						: 0,
		  SEEK_SET) < 0 ||
	    (n = read(fd, tail, sizeof(tail) - 1)) < 0) {
		close(fd);
		return -1;
	}
	close(fd);
	tail[n] = '\0';
	/* the last whole line */
	while (n > 0 && tail[n - 1] == '\n')
		tail[--n] = '\0';
	nl = strrchr(tail, '\n');
	start = nl != NULL ? nl + 1 : tail;
	if (strlen(start) != (size_t)(tail + n - start) ||
	    parse_line(start, key, &he) < 0)
		return -1;
	*seq = he.seq;
	if (time_parse(he.at, at) < 0)
		*at = 0;
	return 0;
}
