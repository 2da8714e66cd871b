/*
 * privs.c: who govsecd runs as ([daemon] user and group, taken on after the
 * listeners are bound) and the checks that keep its files out of other
 * users' hands: the configuration, the store and its siblings, the key
 * files and the pid file. Trusts the configuration (the operator's) and
 * the system's account database; the files it checks may have been made
 * by anyone, so it looks at what they are, never only at their names.
 */
#define _GNU_SOURCE /* setresuid, getresuid and their gid twins */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/base.h"

#define ACCT_BUF 16384 /* bytes for getpwnam_r/getgrnam_r */

/* The directory part of path into out: "." for a bare name. 0 or -1. */
static int
dir_of(const char *path, char *out, size_t n)
{
	size_t len;
	char *slash;

	if (str_copy(out, path, n) < 0)
		return -1;
	len = strlen(out);
	while (len > 1 && out[len - 1] == '/')
		out[--len] = '\0';
	slash = strrchr(out, '/');
	if (slash == NULL)
		return str_copy(out, ".", n);
	if (slash == out)
		slash[1] = '\0';
	else
		*slash = '\0';
	return 0;
}

/* "uid N (name)" for messages. */
static void
user_name(uid_t uid, char *out, size_t n)
{
	struct passwd pw, *res = NULL;
	char buf[ACCT_BUF];

	if (getpwuid_r(uid, &pw, buf, sizeof(buf), &res) == 0 && res != NULL)
		str_fmt(out, n, "'%s' (uid %ld)", pw.pw_name, (long)uid);
	else
		str_fmt(out, n, "uid %ld", (long)uid);
}

int
privs_resolve(struct privs *p, const struct config *c, struct err *e)
{
	struct passwd pw, *pres = NULL;
	struct group gr, *gres = NULL;
	char buf[ACCT_BUF];
	const char *allow = getenv("GOVSEC_ALLOW_ROOT");
	int rc;

	memset(p, 0, sizeof(*p));
	p->uid = geteuid();
	p->gid = getegid();
	if (c->daemon_user[0] == '\0') {
		if (c->daemon_group[0] != '\0') {
			err_set(e, "[daemon] group '%s' needs [daemon] user",
				c->daemon_group);
			return -1;
		}
		if (p->uid == 0 && (allow == NULL || strcmp(allow, "yes"))) {
			err_set(e, "govsecd will not run as root: set "
				   "[daemon] user (and [daemon] group) to "
				   "the unprivileged account it should run "
				   "as");
			return -1;
		}
		p->as_root = p->uid == 0;
		user_name(p->uid, p->name, sizeof(p->name));
		return 0;
	}
	rc = getpwnam_r(c->daemon_user, &pw, buf, sizeof(buf), &pres);
	if (rc != 0 || pres == NULL) {
		err_set(e, "[daemon] user '%s': %s", c->daemon_user,
			rc != 0 ? strerror(rc) : "no such user");
		return -1;
	}
	if (pw.pw_uid == 0) {
		err_set(e,
			"[daemon] user '%s' is root: name an "
			"unprivileged account",
			c->daemon_user);
		return -1;
	}
	p->uid = pw.pw_uid;
	p->gid = pw.pw_gid;
	if (c->daemon_group[0] != '\0') {
		rc = getgrnam_r(c->daemon_group, &gr, buf, sizeof(buf), &gres);
		if (rc != 0 || gres == NULL) {
			err_set(e, "[daemon] group '%s': %s", c->daemon_group,
				rc != 0 ? strerror(rc) : "no such group");
			return -1;
		}
		if (gr.gr_gid == 0) {
			err_set(e,
				"[daemon] group '%s' is root's group: "
				"name an unprivileged group",
				c->daemon_group);
			return -1;
		}
		p->gid = gr.gr_gid;
	}
	if (p->gid == 0) {
		err_set(e,
			"[daemon] user '%s' has root's group: set "
			"[daemon] group",
			c->daemon_user);
		return -1;
	}
	user_name(p->uid, p->name, sizeof(p->name));
	if (geteuid() == 0) {
		p->drop = 1;
		return 0;
	}
	if (geteuid() != p->uid || getegid() != p->gid) {
		err_set(e,
			"[daemon] user '%s': govsecd runs as uid %ld gid "
			"%ld and cannot switch to uid %ld gid %ld (start "
			"it as root or as that user)",
			c->daemon_user, (long)geteuid(), (long)getegid(),
			(long)p->uid, (long)p->gid);
		return -1;
	}
	return 0;
}

int
privs_enter(const struct privs *p, struct err *e)
{
	if (!p->drop)
		return 0;
	if (setgroups(1, &p->gid) < 0 || setegid(p->gid) < 0 ||
	    seteuid(p->uid) < 0) {
		err_set(e, "cannot act as %s: %s", p->name, strerror(errno));
		return -1;
	}
	return 0;
}

int
privs_leave(const struct privs *p, struct err *e)
{
	if (!p->drop)
		return 0;
	if (seteuid(0) < 0 || setegid(0) < 0) {
		err_set(e, "cannot act as root again: %s", strerror(errno));
		return -1;
	}
	return 0;
}

int
privs_drop(const struct privs *p, struct err *e)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	int n;

	if (!p->drop)
		return 0;
	if (setgroups(1, &p->gid) < 0 ||
	    setresgid(p->gid, p->gid, p->gid) < 0 ||
	    setresuid(p->uid, p->uid, p->uid) < 0) {
		err_set(e, "cannot switch to %s: %s", p->name, strerror(errno));
		return -1;
	}
	/* Make sure: no way back to root, nothing of it left. */
	if (setuid(0) == 0 || seteuid(0) == 0 || setgid(0) == 0 ||
	    getresuid(&ru, &eu, &su) < 0 || getresgid(&rg, &eg, &sg) < 0 ||
	    ru != p->uid || eu != p->uid || su != p->uid || rg != p->gid ||
	    eg != p->gid || sg != p->gid ||
	    (n = getgroups((int)ARRAY_SIZE(groups), groups)) != 1 ||
	    groups[0] != p->gid) {
		err_set(e, "switching to %s left root privileges behind",
			p->name);
		return -1;
	}
	return 0;
}

/*
 * Checks st (of path, named what) against the owners allowed (owner, and
 * root when root_ok) and the mode bits forbidden; fix says how to mend a
 * bad mode. 0 or -1 with e set.
 */
static int
check_stat(const char *what, const char *path, const struct stat *st,
	   uid_t owner, int root_ok, mode_t forbid, const char *fix,
	   struct err *e)
{
	char who[96];

	if ((st->st_mode & forbid) != 0) {
		err_set(e, "%s '%s' has mode %04o: %s (chmod %s '%s')", what,
			path, (unsigned)(st->st_mode & 07777),
			forbid == 022	? "group and others must not write it"
			: forbid == 077 ? "group and others must have no access"
					: "the group must not write it and "
					  "others must have no access",
			fix, path);
		return -1;
	}
	if (st->st_uid != owner && !(root_ok && st->st_uid == 0)) {
		user_name(owner, who, sizeof(who));
		err_set(e,
			"%s '%s' belongs to uid %ld, not to %s%s (chown "
			"it)",
			what, path, (long)st->st_uid, who,
			root_ok && owner != 0 ? " or root" : "");
		return -1;
	}
	return 0;
}

/* A directory path (named what) that must exist; see check_stat. */
static int
check_dir(const char *what, const char *path, uid_t owner, int root_ok,
	  mode_t forbid, const char *fix, struct err *e)
{
	struct stat st;

	if (stat(path, &st) < 0) {
		err_set(e, "%s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		err_set(e, "%s '%s' is not a directory", what, path);
		return -1;
	}
	return check_stat(what, path, &st, owner, root_ok, forbid, fix, e);
}

/* The configuration file and its directory: only root or the daemon's
 * user may change them. */
static int
check_config(const struct privs *p, const char *path, struct err *e)
{
	char dir[4096];
	struct stat st;

	if (stat(path, &st) < 0) {
		err_set(e, "config '%s': %s", path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "config '%s' is not a regular file", path);
		return -1;
	}
	if (check_stat("config", path, &st, p->uid, 1, 022, "644", e) < 0)
		return -1;
	if (dir_of(path, dir, sizeof(dir)) < 0) {
		err_set(e, "config '%s': the path is too long", path);
		return -1;
	}
	return check_dir("config directory", dir, p->uid, 1, 022, "755", e);
}

/*
 * One file of an SQLite store (path, named what), if it exists: not a
 * link, a regular file of the daemon's user, nothing for others, no write
 * for the group.
 */
static int
check_store_file(const struct privs *p, const char *what, const char *path,
		 struct err *e)
{
	struct stat st;

	if (lstat(path, &st) < 0) {
		if (errno == ENOENT)
			return 0;
		err_set(e, "%s '%s': %s", what, path, strerror(errno));
		return -1;
	}
	if (S_ISLNK(st.st_mode)) {
		err_set(e, "%s '%s' is a symbolic link", what, path);
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, "%s '%s' is not a regular file", what, path);
		return -1;
	}
	return check_stat(what, path, &st, p->uid, 0, 027, "600", e);
}

/* An SQLite store: its directory (where SQLite makes -wal, -shm and
 * -journal files) and the files. A PostgreSQL store is not a file. */
static int
check_store(const struct privs *p, const char *store, struct err *e)
{
	static const char *const sib[] = {"-wal", "-shm", "-journal"};
	char dir[4096], f[4200];

	if (str_starts(store, "postgresql:") ||
	    str_starts(store, "postgres:") || !strcmp(store, ":memory:"))
		return 0;
	if (str_starts(store, "sqlite:"))
		store += strlen("sqlite:");
	if (dir_of(store, dir, sizeof(dir)) < 0) {
		err_set(e, "store '%s': the path is too long", store);
		return -1;
	}
	if (check_dir("store directory", dir, p->uid, 0, 027, "700", e) < 0 ||
	    check_store_file(p, "store", store, e) < 0)
		return -1;
	for (size_t i = 0; i < ARRAY_SIZE(sib); i++) {
		if (str_fmt(f, sizeof(f), "%s%s", store, sib[i]) < 0) {
			err_set(e, "store '%s': the path is too long", store);
			return -1;
		}
		if (check_store_file(p, "store file", f, e) < 0)
			return -1;
	}
	return 0;
}

/*
 * A key file (named what): not a link, private (file_check_private), of
 * root or of the daemon's user. With optional, a missing file is no error.
 */
static int
check_key(const struct privs *p, const char *what, const char *path,
	  int optional, struct err *e)
{
	struct stat st;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		if (optional && errno == ENOENT)
			return 0;
		err_set(e, "%s '%s': %s", what, path,
			errno == ELOOP ? "is a symbolic link"
				       : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0) {
		err_set(e, "%s '%s': %s", what, path, strerror(errno));
		goto done;
	}
	if (st.st_uid == p->uid && st.st_uid != geteuid()) {
		/* the daemon's user, seen by root before the switch */
		if (!S_ISREG(st.st_mode))
			err_set(e, "%s '%s' is not a regular file", what, path);
		else
			rc = check_stat(what, path, &st, p->uid, 1, 077, "600",
					e);
		goto done;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		err_set(e, "%s '%s' belongs to another user (uid %ld)", what,
			path, (long)st.st_uid);
		goto done;
	}
	rc = file_check_private(what, path, fd, e);
done:
	close(fd);
	return rc;
}

int
privs_check_files(const struct privs *p, const struct config *c,
		  const char *store, const char *pidfile, struct err *e)
{
	char key[4200];

	if (c->path[0] != '\0' && check_config(p, c->path, e) < 0)
		return -1;
	if (check_store(p, store, e) < 0)
		return -1;
	if (c->store_key[0] != '\0') {
		if (check_key(p, "[store] key", c->store_key, 0, e) < 0)
			return -1;
	} else if (!str_starts(store, "postgresql:") &&
		   !str_starts(store, "postgres:")) {
		if (str_starts(store, "sqlite:"))
			store += strlen("sqlite:");
		if (str_fmt(key, sizeof(key), "%s.key", store) < 0) {
			err_set(e, "store '%s': the path is too long", store);
			return -1;
		}
		if (check_key(p, "store key", key, 1, e) < 0)
			return -1;
	}
	if (c->public_leave_key[0] != '\0' &&
	    check_key(p, "[public] leave_key", c->public_leave_key, 0, e) < 0)
		return -1;
	if (pidfile != NULL && privs_pidfile_check(p, pidfile, e) < 0)
		return -1;
	return 0;
}

int
privs_pidfile_check(const struct privs *p, const char *path, struct err *e)
{
	char dir[4096];
	struct stat st;

	if (dir_of(path, dir, sizeof(dir)) < 0) {
		err_set(e, "pid file '%s': the path is too long", path);
		return -1;
	}
	if (check_dir("pid file directory", dir, p->uid, 1, 022, "755", e) <
	    0) {
		err_prefix(e, "pid file '%s'", path);
		return -1;
	}
	if (lstat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		err_set(e, "pid file '%s' %s", path,
			S_ISLNK(st.st_mode) ? "is a symbolic link"
					    : "is not a regular file");
		return -1;
	}
	return 0;
}

int
privs_pidfile_write(const struct privs *p, const char *path, struct err *e)
{
	char s[32];
	struct stat st;
	int fd, n;

	if (privs_pidfile_check(p, path, e) < 0)
		return -1;
	n = str_fmt(s, sizeof(s), "%ld\n", (long)getpid());
	fd =
	    open(path, O_WRONLY | O_CREAT | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC,
		 0644);
	if (fd < 0) {
		err_set(e, "cannot write pid file '%s': %s", path,
			errno == ELOOP ? "it is a symbolic link"
				       : strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_nlink != 1 ||
	    st.st_uid != geteuid()) {
		err_set(e,
			"pid file '%s' is not a regular file of its own "
			"that belongs to uid %ld",
			path, (long)geteuid());
		close(fd);
		return -1;
	}
	if (n < 0 || ftruncate(fd, 0) < 0 || fchmod(fd, 0644) < 0 ||
	    write(fd, s, (size_t)n) != n) {
		err_set(e, "cannot write pid file '%s': %s", path,
			strerror(errno));
		close(fd);
		return -1;
	}
	if (close(fd) < 0) {
		err_set(e, "cannot write pid file '%s': %s", path,
			strerror(errno));
		return -1;
	}
	return 0;
}
