/*
 * config.c: govsec.conf parsing with inih. The file is trusted to be the
 * operator's but still checked: unknown sections or keys and bad values
 * are errors naming the file, line and key.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <errno.h>

#include <ini.h>

#include "base/base.h"

static void
limits_defaults(struct listen_limits *l)
{
	l->connections = 1024;
	l->per_address = 32;
	l->header_timeout = 10;
	l->body_timeout = 60;
	l->idle_timeout = 60;
}

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
	c->two_factor = TWO_FACTOR_ALL;
	c->password_min_length = 12;
	c->password_max_days = 90;
	c->body_max = 16LL << 20;
	c->threads = 4;
	limits_defaults(&c->console_limits);
	limits_defaults(&c->public_limits);
	c->idle_max_minutes = 30;
	c->lockout_max = 10;
	c->whitelist_max_days = CHECK_WHITELIST_MAX_DAYS;
	c->segment_prefix4 = CHECK_SEGMENT_PREFIX4;
	c->segment_prefix6 = CHECK_SEGMENT_PREFIX6;
	c->gate_window_days = CHECK_GATE_WINDOW_DAYS;
	c->gate_stale_minutes = CHECK_GATE_STALE_MINUTES;
	str_copy(c->gate_portal, "/govsec", sizeof(c->gate_portal));
	str_copy(c->gate_proxies, "127.0.0.1,::1", sizeof(c->gate_proxies));
	c->gate_session_idle = 900;
	c->gate_session_max = 43200;
	c->gate_attempts = 5;
	c->gate_addr_attempts = 20;
	c->gate_fail_window = 300;
	c->gate_lockout_seconds = 900;
	c->gate_allow_sample = 100;
	c->gate_threads = 4;
	c->gate_peer_conns = 64;
	c->gate_socket_mode = 0660;
	c->probe_per_day = 20;
	c->store_lease_seconds = 60;
	c->ecert_mon_interval = 300;
	c->probe_timeout = 15;
	c->insp_interval_hours = 24;
	c->cf_interval = 3600;
	c->insp_max_pages = 10000;
	c->insp_max_seconds = 1800;
	c->insp_concurrency = 16;
	c->audit_heads_seconds = 60;
	c->audit_syslog = 1;
	c->audit_aggregate = 60;
	str_copy(c->milter_listen, "unix:/run/govsec/milter.sock",
		 sizeof(c->milter_listen));
	str_copy(c->milter_action, "reject", sizeof(c->milter_action));
	c->milter_threshold = 50;
	str_copy(c->milter_hop, "govsec-outbound", sizeof(c->milter_hop));
	c->milter_timeout = 30;
	str_copy(c->td_zone, "rpz.govsec.", sizeof(c->td_zone));
	c->td_ttl = 300;
	c->td_interval = 60;
	c->cf_pow_bits = 20;
	c->cf_per_hour = 10;
	c->cf_scan_hours = CHECK_CF_SCAN_HOURS;
	c->cf_answer_days = CHECK_CF_ANSWER_DAYS;
	c->cf_confirm_days = CHECK_CF_CONFIRM_DAYS;
	c->cf_takedown_days = CHECK_CF_TAKEDOWN_DAYS;
	c->mail_flow_stale_days = CHECK_MAIL_FLOW_STALE_DAYS;
}

struct ctx {
	struct config *c;
	struct err *e;
	int failed;
};

static int
set_bool(const char *v, int *out)
{
	return str_to_bool(v, out);
}

/* A list of base URLs (http or https, a host, no query, fragment, quote or
 * space inside one), separated by spaces or commas, into out with single
 * spaces and no trailing '/'; 0 or -1. */
static int
set_urls(const char *v, char *out, size_t n)
{
	size_t o = 0;

	out[0] = '\0';
	while (*v != '\0') {
		size_t k = strcspn(v, " ,\t"), h;

		if (k == 0) {
			v++;
			continue;
		}
		h = !strncmp(v, "https://", 8)	? 8
		    : !strncmp(v, "http://", 7) ? 7
						: 0;
		if (h == 0 || k == h || v[h] == '/' ||
		    strcspn(v, "?#@\"'<>\\`") < k)
			return -1;
		while (k > h + 1 && v[k - 1] == '/')
			k--;
		if (o + k + 2 > n)
			return -1;
		if (o > 0)
			out[o++] = ' ';
		memcpy(out + o, v, k);
		o += k;
		out[o] = '\0';
		v += strcspn(v, " ,\t");
	}
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

/* One listener limit of [console] or [public]: 0, -1 on a bad value, -2
 * for an unknown key. */
static int
limits_setting(struct listen_limits *l, const char *key, const char *value)
{
	if (!strcmp(key, "connections"))
		return set_int(value, 16, 65536, &l->connections);
	if (!strcmp(key, "per_address"))
		return set_int(value, 0, 65536, &l->per_address);
	if (!strcmp(key, "header_timeout"))
		return set_int(value, 1, 3600, &l->header_timeout);
	if (!strcmp(key, "body_timeout"))
		return set_int(value, 1, 86400, &l->body_timeout);
	if (!strcmp(key, "idle_timeout"))
		return set_int(value, 1, 3600, &l->idle_timeout);
	return -2;
}

/* [console] two_factor: required (everyone), admin, optional. */
static int
set_two_factor(const char *v, int *out)
{
	if (!strcmp(v, "required"))
		*out = TWO_FACTOR_ALL;
	else if (!strcmp(v, "admin"))
		*out = TWO_FACTOR_ADMIN;
	else if (!strcmp(v, "optional"))
		*out = TWO_FACTOR_OPTIONAL;
	else
		return -1;
	return 0;
}

/* One [gate] setting: 0, -1 on a bad value, -2 for an unknown key. */
static int
gate_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "listen"))
		return str_copy(c->gate_listen, value, sizeof(c->gate_listen));
	if (!strcmp(key, "portal"))
		return value[0] == '/' && value[1] != '\0' &&
			       value[strlen(value) - 1] != '/'
			   ? str_copy(c->gate_portal, value,
				      sizeof(c->gate_portal))
			   : -1;
	if (!strcmp(key, "trusted_proxies"))
		return str_copy(c->gate_proxies, value,
				sizeof(c->gate_proxies));
	if (!strcmp(key, "geoip"))
		return str_copy(c->gate_geoip, value, sizeof(c->gate_geoip));
	if (!strcmp(key, "geoip_csv"))
		return str_copy(c->gate_geoip_csv, value,
				sizeof(c->gate_geoip_csv));
	if (!strcmp(key, "device_header"))
		return str_copy(c->gate_device_header, value,
				sizeof(c->gate_device_header));
	if (!strcmp(key, "postfix_policy"))
		return str_copy(c->gate_pfpolicy, value,
				sizeof(c->gate_pfpolicy));
	if (!strcmp(key, "mail_host"))
		return str_copy(c->gate_mail_host, value,
				sizeof(c->gate_mail_host));
	if (!strcmp(key, "portal_networks"))
		return str_copy(c->gate_portal_nets, value,
				sizeof(c->gate_portal_nets));
	if (!strcmp(key, "session_idle"))
		return set_int(value, 1, 86400, &c->gate_session_idle);
	if (!strcmp(key, "session_max"))
		return set_int(value, 1, 30 * 86400, &c->gate_session_max);
	if (!strcmp(key, "login_attempts"))
		return set_int(value, 1, 1000, &c->gate_attempts);
	if (!strcmp(key, "address_attempts"))
		return set_int(value, 1, 100000, &c->gate_addr_attempts);
	if (!strcmp(key, "failure_window"))
		return set_int(value, 1, 86400, &c->gate_fail_window);
	if (!strcmp(key, "lockout_seconds"))
		return set_int(value, 1, 86400, &c->gate_lockout_seconds);
	if (!strcmp(key, "allow_sample"))
		return set_int(value, 0, 1000000, &c->gate_allow_sample);
	if (!strcmp(key, "threads"))
		return set_int(value, 1, 256, &c->gate_threads);
	if (!strcmp(key, "peer_connections"))
		return set_int(value, 1, 4096, &c->gate_peer_conns);
	if (!strcmp(key, "socket_group"))
		return str_copy(c->gate_socket_group, value,
				sizeof(c->gate_socket_group));
	if (!strcmp(key, "socket_mode")) {
		char *end;
		long m;

		errno = 0;
		m = strtol(value, &end, 8);
		if (errno != 0 || end == value || *end != '\0' || m < 0 ||
		    m > 0777)
			return -1;
		c->gate_socket_mode = (int)m;
		return 0;
	}
	return -2;
}

/* One [probe] setting: 0, -1 on a bad value, -2 for an unknown key. */
static int
probe_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "enabled"))
		return set_bool(value, &c->probe_enabled);
	if (!strcmp(key, "per_day"))
		return set_int(value, 1, 86400, &c->probe_per_day);
	if (!strcmp(key, "timeout"))
		return set_int(value, 1, 120, &c->probe_timeout);
	if (!strcmp(key, "allow_private"))
		return set_bool(value, &c->probe_allow_private);
	if (!strcmp(key, "resolve"))
		return str_copy(c->probe_resolve, value,
				sizeof(c->probe_resolve));
	return -2;
}

/* One [counterfeit] setting of the scheduled scans: 0, -1, -2. */
static int
scan_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "feed_dir"))
		return str_copy(c->cf_feed_dir, value, sizeof(c->cf_feed_dir));
	if (!strcmp(key, "interval"))
		return set_int(value, 1, 7 * 86400, &c->cf_interval);
	if (!strcmp(key, "regions"))
		return str_copy(c->cf_regions, value, sizeof(c->cf_regions));
	return -2;
}

/* One [inspect] setting: 0, -1 on a bad value, -2 for an unknown key;
 * the limits are those of govsec inspect's options. */
static int
insp_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "enabled"))
		return set_bool(value, &c->insp_enabled);
	if (!strcmp(key, "interval_hours"))
		return set_int(value, 1, 8760, &c->insp_interval_hours);
	if (!strcmp(key, "interval_seconds"))
		return set_int(value, 1, 8760 * 3600,
			       &c->insp_interval_seconds);
	if (!strcmp(key, "max_pages"))
		return set_int(value, 1, 10000000, &c->insp_max_pages);
	if (!strcmp(key, "max_seconds"))
		return set_int(value, 1, 7 * 86400, &c->insp_max_seconds);
	if (!strcmp(key, "concurrency"))
		return set_int(value, 1, 1024, &c->insp_concurrency);
	if (!strcmp(key, "allow_private"))
		return set_bool(value, &c->insp_allow_private);
	if (!strcmp(key, "resolve"))
		return str_copy(c->insp_resolve, value,
				sizeof(c->insp_resolve));
	if (!strcmp(key, "cacert"))
		return str_copy(c->insp_cacert, value, sizeof(c->insp_cacert));
	return -2;
}

/* One [audit] setting: 0, -1 on a bad value, -2 for an unknown key. */
static int
audit_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "heads"))
		return str_copy(c->audit_heads, value, sizeof(c->audit_heads));
	if (!strcmp(key, "heads_seconds"))
		return set_int(value, 1, 86400, &c->audit_heads_seconds);
	if (!strcmp(key, "syslog"))
		return set_bool(value, &c->audit_syslog);
	if (!strcmp(key, "aggregate_seconds"))
		return set_int(value, 1, 3600, &c->audit_aggregate);
	return -2;
}

/* Appends value as one more line of dst (a repeatable key); 0 or -1. */
static int
add_line(char *dst, size_t size, const char *value)
{
	size_t n = strlen(dst);

	if (n > 0 && n + 1 < size)
		dst[n++] = '\n';
	return str_copy(dst + n, value, size - n);
}

static int
milter_setting(struct config *c, const char *key, const char *value)
{
	if (!strcmp(key, "listen"))
		return value[0] != '\0' ? str_copy(c->milter_listen, value,
						    sizeof(c->milter_listen))
					 : -1;
	if (!strcmp(key, "local_domains"))
		return str_copy(c->milter_domains, value,
				sizeof(c->milter_domains));
	if (!strcmp(key, "action"))
		return strcmp(value, "reject") && strcmp(value, "quarantine") &&
				       strcmp(value, "discard")
			   ? -1
			   : str_copy(c->milter_action, value,
				      sizeof(c->milter_action));
	if (!strcmp(key, "threshold"))
		return set_int(value, 1, 1000, &c->milter_threshold);
	if (!strcmp(key, "weights"))
		return str_copy(c->milter_weights, value,
				sizeof(c->milter_weights));
	if (!strcmp(key, "outbound_hop"))
		return str_copy(c->milter_hop, value, sizeof(c->milter_hop));
	if (!strcmp(key, "exceptions"))
		return str_copy(c->milter_exceptions, value,
				sizeof(c->milter_exceptions));
	if (!strcmp(key, "timeout"))
		return set_int(value, 1, 3600, &c->milter_timeout);
	return -2;
}

/* One [takedown], [complaints] or [check] cf_* setting: 0, -1 on a bad
 * value, -2 for an unknown key. */
static int
cf_setting(struct config *c, const char *section, const char *key,
	   const char *value)
{
	if (!strcmp(section, "takedown")) {
		if (!strcmp(key, "dir"))
			return str_copy(c->td_dir, value, sizeof(c->td_dir));
		if (!strcmp(key, "reload"))
			return str_copy(c->td_reload, value,
					sizeof(c->td_reload));
		if (!strcmp(key, "warning_host"))
			return strpbrk(value, " \t\"\\;") != NULL
				   ? -1
				   : str_copy(c->td_warning_host, value,
					      sizeof(c->td_warning_host));
		if (!strcmp(key, "zone"))
			return value[0] == '\0' ||
				       strpbrk(value, " \t\"\\;") != NULL
				   ? -1
				   : str_copy(c->td_zone, value,
					      sizeof(c->td_zone));
		if (!strcmp(key, "ttl"))
			return set_int(value, 0, 86400, &c->td_ttl);
		if (!strcmp(key, "interval_seconds"))
			return set_int(value, 1, 86400, &c->td_interval);
	} else if (!strcmp(section, "complaints")) {
		if (!strcmp(key, "pow_bits"))
			return set_int(value, 8, 32, &c->cf_pow_bits);
		if (!strcmp(key, "per_hour"))
			return set_int(value, 1, 100000, &c->cf_per_hour);
	} else if (!strcmp(section, "check")) {
		if (!strcmp(key, "cf_scan_hours"))
			return set_int(value, 1, 8760, &c->cf_scan_hours);
		if (!strcmp(key, "cf_answer_days"))
			return set_int(value, 1, 365, &c->cf_answer_days);
		if (!strcmp(key, "cf_confirm_days"))
			return set_int(value, 1, 365, &c->cf_confirm_days);
		if (!strcmp(key, "cf_takedown_days"))
			return set_int(value, 1, 365, &c->cf_takedown_days);
		if (!strcmp(key, "mail_flow_stale_days"))
			return set_int(value, 1, 365, &c->mail_flow_stale_days);
	}
	return -2;
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
	else if (!strcmp(section, "store") && !strcmp(key, "key"))
		ok = str_copy(c->store_key, value, sizeof(c->store_key));
	else if (!strcmp(section, "store") && !strcmp(key, "lease_seconds"))
		ok = set_int(value, 2, 86400, &c->store_lease_seconds);
	else if (!strcmp(section, "ecert") && !strcmp(key, "kek"))
		ok = str_copy(c->ecert_kek, value, sizeof(c->ecert_kek));
	else if (!strcmp(section, "ecert") && !strcmp(key, "public_url"))
		ok = set_urls(value, c->ecert_url, sizeof(c->ecert_url)) < 0 ||
			     strchr(c->ecert_url, ' ') != NULL
			 ? -1
			 : 0;
	else if (!strcmp(section, "ecert") && !strcmp(key, "badge_urls"))
		ok = set_urls(value, c->badge_urls, sizeof(c->badge_urls));
	else if (!strcmp(section, "ecert") && !strcmp(key, "monitor"))
		ok =
		    add_line(c->ecert_monitor, sizeof(c->ecert_monitor), value);
	else if (!strcmp(section, "ecert") && !strcmp(key, "monitor_interval"))
		ok = set_int(value, 1, 86400, &c->ecert_mon_interval);
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
	else if (!strcmp(section, "console") && !strcmp(key, "two_factor"))
		ok = set_two_factor(value, &c->two_factor);
	else if (!strcmp(section, "console") &&
		 !strcmp(key, "password_min_length"))
		ok = set_int(value, 8, 256, &c->password_min_length);
	else if (!strcmp(section, "console") &&
		 !strcmp(key, "password_max_days"))
		ok = set_int(value, 0, 3660, &c->password_max_days);
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
	else if (!strcmp(section, "check") &&
		 !strcmp(key, "whitelist_max_days"))
		ok = set_int(value, 1, 3660, &c->whitelist_max_days);
	else if (!strcmp(section, "check") &&
		 !strcmp(key, "max_segment_prefix4"))
		ok = set_int(value, 0, 32, &c->segment_prefix4);
	else if (!strcmp(section, "check") &&
		 !strcmp(key, "max_segment_prefix6"))
		ok = set_int(value, 0, 128, &c->segment_prefix6);
	else if (!strcmp(section, "check") && !strcmp(key, "gate_window_days"))
		ok = set_int(value, 1, 400, &c->gate_window_days);
	else if (!strcmp(section, "check") &&
		 !strcmp(key, "gate_stale_minutes"))
		ok = set_int(value, 1, 44640, &c->gate_stale_minutes);
	else if (!strcmp(section, "daemon") && !strcmp(key, "user"))
		ok = value[0] != '\0' ? str_copy(c->daemon_user, value,
						 sizeof(c->daemon_user))
				      : -1;
	else if (!strcmp(section, "daemon") && !strcmp(key, "group"))
		ok = value[0] != '\0' ? str_copy(c->daemon_group, value,
						 sizeof(c->daemon_group))
				      : -1;
	else if (!strcmp(section, "public") && !strcmp(key, "listen"))
		ok =
		    str_copy(c->public_listen, value, sizeof(c->public_listen));
	else if (!strcmp(section, "public") && !strcmp(key, "leave_key"))
		ok = str_copy(c->public_leave_key, value,
			      sizeof(c->public_leave_key));
	else if (!strcmp(section, "console") && !strcmp(key, "hosts"))
		ok =
		    str_copy(c->console_hosts, value, sizeof(c->console_hosts));
	else if (!strcmp(section, "console") &&
		 (ok = limits_setting(&c->console_limits, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "public") &&
		   (ok = limits_setting(&c->public_limits, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "gate") &&
		   (ok = gate_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "probe") &&
		   (ok = probe_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "inspect") &&
		   (ok = insp_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "counterfeit") &&
		   (ok = scan_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "audit") &&
		   (ok = audit_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if (!strcmp(section, "milter") &&
		   (ok = milter_setting(c, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else if ((ok = cf_setting(c, section, key, value)) != -2) {
		/* ok is 0 or -1 */
	} else {
		if (!x->failed)
			err_set(x->e, "unknown setting [%s] %s", section, key);
		x->failed = 1;
		return 0;
	}
	if (ok < 0) {
		if (!x->failed)
			err_set(x->e, "bad value '%s' for [%s] %s", value,
				section, key);
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
		err_set(e, "config path '%.64s...' is too long", path);
		return -1;
	}
	rc = ini_parse(path, handler, &x);
	if (rc < 0) {
		err_set(e, "cannot read config '%s': %s", path,
			strerror(errno));
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
