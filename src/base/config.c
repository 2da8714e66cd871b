/*
 * config.c: govsec.conf parsing with inih. The file is trusted to be the
 * operator's but still checked: unknown sections or keys and bad values
 * are errors naming the file, line and key.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ini.h>

#include "base/base.h"

void
config_defaults(struct config *c)
{
	memset(c, 0, sizeof(*c));
	str_copy(c->console_listen, "127.0.0.1:8440",
		 sizeof(c->console_listen));
	c->session_idle = 900;
	c->session_max = 28800;
	c->secure_cookies = 1;
	c->login_attempts = 5;
	c->lockout_seconds = 900;
	c->body_max = 16LL << 20;
	c->threads = 4;
	c->idle_max_minutes = 30;
	c->lockout_max = 10;
}

struct ctx {
	struct config *c;
	struct err *e;
	int failed;
};

static int
set_bool(const char *v, int *out)
{
	if (!strcasecmp(v, "yes") || !strcasecmp(v, "true") ||
	    !strcmp(v, "1") || !strcasecmp(v, "on"))
		*out = 1;
	else if (!strcasecmp(v, "no") || !strcasecmp(v, "false") ||
		 !strcmp(v, "0") || !strcasecmp(v, "off"))
		*out = 0;
	else
		return -1;
	return 0;
}

static int
set_int(const char *v, long long lo, long long hi, int *out)
{
	long long n;

	if (str_to_ll(v, lo, hi, &n) < 0)
		return -1;
	*out = (int)n;
	return 0;
}

static int
handler(void *user, const char *section, const char *key, const char *value)
{
	struct ctx *x = user;
	struct config *c = x->c;
	int ok = -1;
	long long n;

	if (!strcmp(section, "store") && !strcmp(key, "path"))
		ok = str_copy(c->store, value, sizeof(c->store));
	else if (!strcmp(section, "registry") && !strcmp(key, "platforms"))
		ok = str_copy(c->platforms, value, sizeof(c->platforms));
	else if (!strcmp(section, "console") && !strcmp(key, "listen"))
		ok = str_copy(c->console_listen, value,
			      sizeof(c->console_listen));
	else if (!strcmp(section, "console") && !strcmp(key, "session_idle"))
		ok = set_int(value, 60, 86400, &c->session_idle);
	else if (!strcmp(section, "console") && !strcmp(key, "session_max"))
		ok = set_int(value, 60, 7 * 86400, &c->session_max);
	else if (!strcmp(section, "console") && !strcmp(key, "secure_cookies"))
		ok = set_bool(value, &c->secure_cookies);
	else if (!strcmp(section, "console") && !strcmp(key, "login_attempts"))
		ok = set_int(value, 1, 100, &c->login_attempts);
	else if (!strcmp(section, "console") && !strcmp(key, "lockout_seconds"))
		ok = set_int(value, 1, 86400, &c->lockout_seconds);
	else if (!strcmp(section, "console") && !strcmp(key, "threads"))
		ok = set_int(value, 1, 64, &c->threads);
	else if (!strcmp(section, "console") && !strcmp(key, "body_max")) {
		ok = str_to_ll(value, 1024, 1LL << 30, &n);
		if (ok == 0)
			c->body_max = n;
	} else if (!strcmp(section, "check") &&
		   !strcmp(key, "idle_max_minutes"))
		ok = set_int(value, 1, 1440, &c->idle_max_minutes);
	else if (!strcmp(section, "check") && !strcmp(key, "lockout_max"))
		ok = set_int(value, 1, 1000, &c->lockout_max);
	else {
		if (!x->failed)
			err_set(x->e, "'%s': unknown setting [%s] %s", c->path,
				section, key);
		x->failed = 1;
		return 0;
	}
	if (ok < 0) {
		if (!x->failed)
			err_set(x->e, "'%s': bad value '%s' for [%s] %s",
				c->path, value, section, key);
		x->failed = 1;
		return 0;
	}
	return 1;
}

int
config_load(struct config *c, const char *path, struct err *e)
{
	struct ctx x = {c, e, 0};
	int rc;

	if (str_copy(c->path, path, sizeof(c->path)) < 0) {
		err_set(e, "config path too long");
		return -1;
	}
	rc = ini_parse(path, handler, &x);
	if (rc < 0) {
		err_set(e, "cannot read config '%s'", path);
		return -1;
	}
	if (rc > 0) {
		/* inih reports the first failing line; keep our message. */
		char msg[sizeof(e->msg)];

		if (e != NULL) {
			str_copy(msg, x.failed ? e->msg : "syntax error",
				 sizeof(msg));
			err_set(e, "%s:%d: %s", path, rc, msg);
		}
		return -1;
	}
	return 0;
}

const char *
config_store_path(const struct config *c, const char *arg)
{
	const char *env = getenv("GOVSEC_DB");

	if (arg != NULL && *arg != '\0')
		return arg;
	if (env != NULL && *env != '\0')
		return env;
	if (c->store[0] != '\0')
		return c->store;
	return "govsec.db";
}
