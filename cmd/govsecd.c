/*
 * govsecd.c: the daemon's thin main: reads govsec.conf, opens and migrates
 * the store (and the platform list, if configured), starts the console
 * listener and, when [gate] listen is set, the gate listener (with its own
 * store connection), the availability prober when [probe] enabled is set
 * (a thread with its own store connection), the scheduled inspections when
 * [inspect] enabled is set (likewise), the monitor of other govsec
 * transparency logs when [ecert] monitor is set (likewise), the scheduled
 * counterfeit scans when [counterfeit] feed_dir is set (likewise), the
 * counterfeit takedown (a thread with its own store connection that takes
 * new scan hits into cases and, when [takedown] dir is set, one that
 * rewrites the takedown outputs on change and runs [takedown] reload), and
 * waits for SIGINT or SIGTERM. The periodic work other govsecd on the same
 * store would do too (all but the takedown outputs, which are each
 * machine's) is claimed as jobs (sched_work_start, sched_start_once) under
 * this process's instance id, which it logs.
 * Refuses files others could change (privs.c); started as root, it binds
 * the listeners, then runs as [daemon] user and group for good.
 * With -n it only checks the configuration and the files. Trusts its
 * command line and configuration file (the operator's); logs go to
 * standard error.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "audit/audit.h"
#include "base/base.h"
#include "ecert/ecert.h"
#include "counterfeit/counterfeit.h"
#include "counterfeit/cases.h"
#include "gate/gate.h"
#include "http/http.h"
#include "inspect/inspect.h"
#include "registry/registry.h"
#include "store/store.h"

#define EXIT_RUNTIME 1
#define EXIT_CONFIG  2

/* -h: the usage on standard output, exit 0; wrong usage: stderr, exit 2. */
static void
usage(int asked)
{
	fputs("usage: govsecd [-fhn] [-c config] [-d database] [-p pidfile]\n",
	      asked ? stdout : stderr);
	exit(asked ? 0 : EXIT_CONFIG);
}

/* Prints "govsecd: msg" and exits; in the background, tells the parent. */
static int notify_fd = -1;

static void
die(int status, const char *msg)
{
	fprintf(stderr, "govsecd: %s\n", msg);
	if (notify_fd >= 0) {
		unsigned char c = (unsigned char)status;

		if (write(notify_fd, &c, 1) < 0)
			status = EXIT_RUNTIME;
	}
	exit(status);
}

/*
 * Forks into the background. The parent waits until the child reports how
 * its start went (one byte: 0 or an exit status) and exits with that, so a
 * start that fails still fails in the shell that ran it.
 */
static void
daemonize(void)
{
	int p[2], fd;
	unsigned char c = EXIT_RUNTIME;
	pid_t pid;

	if (pipe(p) < 0)
		die(EXIT_RUNTIME, "cannot create a pipe");
	pid = fork();
	if (pid < 0)
		die(EXIT_RUNTIME, "cannot fork");
	if (pid > 0) {
		close(p[1]);
		while (read(p[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(c);
	}
	close(p[0]);
	notify_fd = p[1];
	if (setsid() < 0)
		die(EXIT_RUNTIME, "cannot start a new session");
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, STDIN_FILENO);
		dup2(fd, STDOUT_FILENO);
		if (fd > STDERR_FILENO)
			close(fd);
	}
}

/* What the daemon runs besides its main store; any may be NULL. */
struct running {
	struct http_server *srv, *pub;
	struct store *gst; /* the gate's store connection */
	struct store *pst; /* the public listener's */
	struct gate_server *gate;
	struct probe_sched *probe;
	struct insp_sched *insp;
	struct sched *takedown;
	struct sched *cases; /* scan hits into cases, once across instances */
	struct insp_jobs *jobs; /* inspections started from the console */
	struct sched *tmon;	/* [ecert] monitor: other logs checked */
	struct cf_sched *cf;	/* scheduled counterfeit scans */
};

/* One round of the transparency-log monitor (src/ecert/monitor.c). */
static void
tmon_round(struct sched *s, struct store *st, void *arg)
{
	tlog_monitor_round(st, arg, sched_stopping, s);
}

/* Stops what runs, the last started first. */
static void
running_stop(struct running *run)
{
	sched_stop(run->takedown);
	sched_stop(run->cases);
	cf_sched_stop(run->cf);
	sched_stop(run->tmon);
	insp_sched_stop(run->insp);
	probe_sched_stop(run->probe);
	gate_stop(run->gate);
	store_free(run->gst);
	http_stop(run->pub);
	store_free(run->pst);
	http_stop(run->srv);
	insp_jobs_free(run->jobs); /* no request can reach them now */
	run->jobs = NULL;
}

/* Runs [takedown] reload (through /bin/sh, as the daemon's user) and
 * waits for it; its failure is logged. */
static void
takedown_reload(const char *cmd)
{
	int status;
	pid_t pid = fork();

	if (pid < 0) {
		log_error("takedown: cannot fork for reload: %s",
			  strerror(errno));
		return;
	}
	if (pid == 0) {
		execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		log_info("takedown: reload command ran");
	else
		log_error("takedown: reload command '%s' failed (status %d)",
			  cmd, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
}

/* New counterfeit scan hits become cases (docs/counterfeit.md): once a
 * round across the instances on the store, so that two never open a case
 * for one hit at once. */
static void
cases_round(struct sched *s, struct store *st, void *arg)
{
	long long n;
	struct err e;

	(void)s, (void)arg;
	if (cf_case_open_hits(st, "govsecd", &n, &e) < 0)
		log_error("counterfeit: hits into cases: %s", e.msg);
	else if (n > 0)
		log_info("counterfeit: %lld new hits taken into cases", n);
}

/* One round of the counterfeit takedown on this instance: its outputs
 * are rewritten if the cases changed them, and then the resolver or
 * firewall is told (each machine has its own). */
static void
takedown_round(struct sched *s, struct store *st, void *arg)
{
	const struct config *cfg = arg;
	struct cf_takedown_opts o;
	struct cf_takedown_result r;
	struct err e;

	(void)s;
	cf_takedown_opts_init(&o);
	o.zone = cfg->td_zone;
	o.warning_host = cfg->td_warning_host;
	o.ttl = cfg->td_ttl;
	if (cf_takedown_write(st, cfg->td_dir, &o, &r, &e) < 0) {
		log_error("takedown: %s", e.msg);
		return;
	}
	if (!r.changed)
		return;
	log_info("takedown: serial %lld written to %s: %lld domains, %lld "
		 "addresses, %lld apps, %lld accounts",
		 r.serial, cfg->td_dir, r.domains, r.addresses, r.apps,
		 r.accounts);
	if (cfg->td_reload[0] != '\0')
		takedown_reload(cfg->td_reload);
}

/* A start that failed: stops what runs, removes the pid file, dies. */
static void
start_fail(struct running *run, const char *pidfile, const char *msg)
{
	running_stop(run);
	if (pidfile != NULL)
		unlink(pidfile);
	die(EXIT_RUNTIME, msg);
}

static void
started(void)
{
	unsigned char c = 0;

	if (notify_fd < 0)
		return;
	if (write(notify_fd, &c, 1) < 0)
		log_warn("cannot tell the parent process the start went well");
	close(notify_fd);
	notify_fd = -1;
}

int
main(int argc, char **argv)
{
	const char *conf = getenv("GOVSEC_CONF"), *db = NULL, *pidfile = NULL;
	int check_only = 0, foreground = 0, ch, sig;
	struct config cfg;
	struct store *st, *gst;
	struct secret_key key; /* the store's key file, loaded once */
	struct running run;
	struct privs pv;
	struct auditq *aq;
	sigset_t set;
	struct err e;
	char spill[4200] = "";
	double lease_ms;

	while ((ch = getopt(argc, argv, "c:d:fhnp:")) != -1) {
		switch (ch) {
		case 'c':
			conf = optarg;
			break;
		case 'd':
			db = optarg;
			break;
		case 'f':
			foreground = 1;
			break;
		case 'h':
			usage(1);
			break;
		case 'n':
			check_only = 1;
			break;
		case 'p':
			pidfile = optarg;
			break;
		default:
			usage(0);
		}
	}
	if (optind != argc)
		usage(0);
	memset(&run, 0, sizeof(run));
	umask(077); /* what it makes is its own unless said otherwise */
	config_defaults(&cfg);
	if (conf != NULL && *conf != '\0' && config_load(&cfg, conf, &e) < 0)
		die(EXIT_CONFIG, e.msg);
	/* one store path for every part, whichever way it was given */
	if (str_copy(cfg.store, config_store_path(&cfg, db),
		     sizeof(cfg.store)) < 0)
		die(EXIT_CONFIG, "the store's path is too long");
	if (http_check_config(&cfg, &e) < 0 ||
	    gate_check_config(&cfg, &e) < 0 ||
	    tlog_monitor_conf_check(cfg.ecert_monitor, &e) < 0)
		die(EXIT_CONFIG, e.msg);
	if (cfg.platforms[0] != '\0' && platforms_load(cfg.platforms, &e) < 0)
		die(EXIT_CONFIG, e.msg);
	if (privs_resolve(&pv, &cfg, &e) < 0 ||
	    privs_check_files(&pv, &cfg, config_store_path(&cfg, db), pidfile,
			      &e) < 0)
		die(EXIT_CONFIG, e.msg);
	if (check_only) {
		/* the store as the daemon will see it, by its user */
		if (privs_drop(&pv, &e) < 0)
			die(EXIT_RUNTIME, e.msg);
		st = store_open(config_store_path(&cfg, db), &e);
		if (st == NULL || store_migrate(st, &e) < 0 ||
		    audit_init(&cfg, config_store_path(&cfg, db), st, &e) < 0 ||
		    store_key_open(st, &cfg, config_store_path(&cfg, db), &key,
				   &e) < 0)
			die(EXIT_CONFIG, e.msg);
		secret_key_wipe(&key);
		store_free(st);
		audit_cleanup();
		puts("configuration OK");
		return 0;
	}
	if (!foreground)
		daemonize();
	/* Block the stop signals before any thread exists; main waits. */
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	if (pthread_sigmask(SIG_BLOCK, &set, NULL) != 0)
		die(EXIT_RUNTIME, "cannot block signals");
	signal(SIGPIPE, SIG_IGN);
	gate_tz_init();
	if (pv.as_root)
		log_warn("running as root (GOVSEC_ALLOW_ROOT=yes): for "
			 "development only, set [daemon] user");
	/* a store made now must be the daemon's user's */
	if (privs_enter(&pv, &e) < 0)
		die(EXIT_RUNTIME, e.msg);
	st = store_open(config_store_path(&cfg, db), &e);
	if (st == NULL || store_migrate(st, &e) < 0 ||
	    store_key_open(st, &cfg, config_store_path(&cfg, db), &key, &e) <
		0 ||
	    gate_db_seal_secrets(st, &key, &e) < 0)
		die(EXIT_CONFIG, e.msg);
	/* the chain's key (a new one is the daemon's user's too), and the
	 * writer that keeps audit records off the request paths
	 * (docs/audit.md); before any listener's thread */
	if (audit_init(&cfg, config_store_path(&cfg, db), st, &e) < 0)
		die(EXIT_CONFIG, e.msg);
	/* a PostgreSQL store has no file to spill beside: its key file's
	 * directory is the daemon's own (docs/deploy/multi-instance.md) */
	if (str_starts(config_store_path(&cfg, db), "postgres") &&
	    str_fmt(spill, sizeof(spill), "%s.audit-spill", cfg.store_key) < 0)
		die(EXIT_CONFIG, "the audit spill path is too long");
	aq = auditq_start(config_store_path(&cfg, db),
			  spill[0] != '\0' ? spill : NULL, 65536,
			  cfg.audit_aggregate, &e);
	if (aq == NULL)
		die(EXIT_RUNTIME, e.msg);
	if (privs_leave(&pv, &e) < 0)
		die(EXIT_RUNTIME, e.msg);
	if (pidfile != NULL && privs_pidfile_write(&pv, pidfile, &e) < 0)
		die(EXIT_RUNTIME, e.msg);
	run.srv = http_start(&cfg, st, &key, HTTP_CONSOLE, &e);
	if (run.srv != NULL && cfg.public_listen[0] != '\0') {
		/* the verification service's own connection (api_ecert.c) */
		run.pst = store_open(config_store_path(&cfg, db), &e);
		run.pub = run.pst == NULL ? NULL
					  : http_start(&cfg, run.pst, &key,
						       HTTP_PUBLIC, &e);
		if (run.pub == NULL) {
			http_stop(run.srv);
			run.srv = NULL;
		}
	}
	if (run.srv == NULL)
		start_fail(&run, pidfile, e.msg);
	run.jobs = insp_jobs_new(&cfg, config_store_path(&cfg, db));
	http_set_jobs(run.srv, run.jobs);
	if (cfg.gate_listen[0] != '\0') {
		/* a store gate_start did not take is left to exit */
		gst = store_open(config_store_path(&cfg, db), &e);
		if (gst != NULL)
			run.gate = gate_start(&cfg, gst, &key, &e);
		if (run.gate == NULL)
			start_fail(&run, pidfile, e.msg);
		run.gst = gst;
	}
	/* Every listener is bound: from here on, never root again. */
	if (privs_drop(&pv, &e) < 0)
		start_fail(&run, pidfile, e.msg);
	lease_ms = cfg.store_lease_seconds * 1000.0;
	if (cfg.probe_enabled) {
		run.probe =
		    probe_sched_start(&cfg, config_store_path(&cfg, db), &e);
		if (run.probe == NULL)
			start_fail(&run, pidfile, e.msg);
	}
	if (cfg.insp_enabled) {
		run.insp =
		    insp_sched_start(&cfg, config_store_path(&cfg, db), &e);
		if (run.insp == NULL)
			start_fail(&run, pidfile, e.msg);
	}
	if (cfg.ecert_monitor[0] != '\0') {
		run.tmon = sched_start_once(
		    config_store_path(&cfg, db), "tlog.monitor", 0,
		    cfg.ecert_mon_interval * 1000.0, lease_ms, tmon_round,
		    cfg.ecert_monitor, &e);
		if (run.tmon == NULL)
			start_fail(&run, pidfile, e.msg);
	}
	if (cfg.cf_feed_dir[0] != '\0') {
		run.cf = cf_sched_start(&cfg, config_store_path(&cfg, db), &e);
		if (run.cf == NULL)
			start_fail(&run, pidfile, e.msg);
	}
	run.cases = sched_start_once(
	    config_store_path(&cfg, db), "counterfeit.cases", 1000,
	    cfg.td_interval * 1000.0, lease_ms, cases_round, NULL, &e);
	if (run.cases == NULL)
		start_fail(&run, pidfile, e.msg);
	if (cfg.td_dir[0] != '\0') {
		run.takedown = sched_start(config_store_path(&cfg, db), 1000,
					   cfg.td_interval * 1000.0,
					   takedown_round, &cfg, &e);
		if (run.takedown == NULL)
			start_fail(&run, pidfile, e.msg);
	}
	log_info("govsecd %s started (store '%s', running as %s, instance "
		 "'%s')",
		 GOVSEC_VERSION, config_store_path(&cfg, db), pv.name,
		 sched_instance());
	started();
	do {
		if (sigwait(&set, &sig) != 0)
			sig = 0;
	} while (sig != SIGINT && sig != SIGTERM);
	log_info("stopping on signal %d", sig);
	running_stop(&run);
	auditq_stop(aq); /* after every producer */
	store_free(st);
	audit_cleanup();
	secret_key_wipe(&key);
	if (pidfile != NULL)
		unlink(pidfile);
	log_info("stopped");
	return 0;
}
