/*
 * schema.c: the versioned migrations of the store, applied in order by
 * store_migrate(). Never edit a released migration; add a new one.
 * Columns that are NULL mean "not declared" (rules answer "unknown").
 */
#include "store/store.h"

const struct migration store_migrations[] = {
    {1, "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
	"  applied TEXT NOT NULL);"
	"CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	/* registry */
	"CREATE TABLE units ("
	"  uscc TEXT PRIMARY KEY, name TEXT NOT NULL, short_name TEXT,"
	"  kind TEXT NOT NULL, level TEXT NOT NULL, region TEXT NOT NULL,"
	"  region_name TEXT, parent TEXT REFERENCES units(uscc)"
	"  DEFERRABLE INITIALLY DEFERRED, establishment INTEGER,"
	"  updated TEXT NOT NULL);"
	"CREATE INDEX units_parent ON units(parent);"
	"CREATE TABLE outsourcers ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL, uscc TEXT,"
	"  unit TEXT NOT NULL REFERENCES units(uscc),"
	"  security_duties INTEGER, subcontract_consent INTEGER,"
	"  updated TEXT NOT NULL);"
	"CREATE TABLE apps ("
	"  id TEXT PRIMARY KEY, unit TEXT NOT NULL REFERENCES units(uscc),"
	"  type TEXT NOT NULL, name TEXT NOT NULL, status TEXT,"
	"  filed INTEGER, domains TEXT, platforms TEXT, login_channels TEXT,"
	"  mlps_level INTEGER, critical INTEGER, important_business INTEGER,"
	"  last_assessment TEXT, last_upgrade TEXT, staff_functions INTEGER,"
	"  personal_safety INTEGER, mfa INTEGER, idle_timeout INTEGER,"
	"  lockout_threshold INTEGER, device_binding INTEGER,"
	"  ip_segments TEXT, device_restriction INTEGER,"
	"  overseas_access INTEGER, overseas_whitelist TEXT,"
	"  log_retention_days INTEGER, log_backup INTEGER,"
	"  auto_forward INTEGER, attachment_autodownload INTEGER,"
	"  outsourcer TEXT REFERENCES outsourcers(id),"
	"  updated TEXT NOT NULL);"
	"CREATE INDEX apps_unit ON apps(unit);"
	/* SITE-1 (one live portal per unit) is checked by the registry on the
	 * end state of each change, so an import can replace a portal */
	"CREATE INDEX apps_portal ON apps(unit)"
	"  WHERE type = 'portal' AND coalesce(status, 'live') <> 'closed';"
	"CREATE TABLE domains ("
	"  name TEXT PRIMARY KEY, app TEXT NOT NULL REFERENCES apps(id)"
	"  ON DELETE CASCADE, unicode TEXT NOT NULL, lang TEXT NOT NULL,"
	"  main INTEGER NOT NULL, suffix INTEGER NOT NULL);"
	"CREATE INDEX domains_app ON domains(app);"
	"CREATE TABLE people ("
	"  id TEXT PRIMARY KEY, name TEXT NOT NULL,"
	"  unit TEXT NOT NULL REFERENCES units(uscc), kind TEXT NOT NULL,"
	"  outsourcer TEXT REFERENCES outsourcers(id),"
	"  updated TEXT NOT NULL);"
	"CREATE TABLE grants ("
	"  id TEXT PRIMARY KEY,"
	"  person TEXT NOT NULL REFERENCES people(id),"
	"  app TEXT REFERENCES apps(id), scope TEXT NOT NULL,"
	"  privilege TEXT NOT NULL, expires TEXT, active INTEGER,"
	"  authorized_by TEXT, updated TEXT NOT NULL);"
	"CREATE INDEX grants_person ON grants(person);"
	/* self-examination */
	"CREATE TABLE finding_acks ("
	"  rule TEXT NOT NULL, object TEXT NOT NULL, owner TEXT NOT NULL,"
	"  due TEXT NOT NULL, note TEXT, acked TEXT NOT NULL,"
	"  PRIMARY KEY (rule, object));"
	"CREATE TABLE check_runs ("
	"  id INTEGER PRIMARY KEY, at TEXT NOT NULL, pass INTEGER NOT NULL,"
	"  fail INTEGER NOT NULL, not_applicable INTEGER NOT NULL,"
	"  unknown INTEGER NOT NULL);"
	/* audit: a hash chain (SM3); seq is dense from 1 */
	"CREATE TABLE audit ("
	"  seq INTEGER PRIMARY KEY, at TEXT NOT NULL, actor TEXT NOT NULL,"
	"  action TEXT NOT NULL, object TEXT NOT NULL, before TEXT,"
	"  after TEXT, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	/* console accounts and sessions */
	"CREATE TABLE console_users ("
	"  name TEXT PRIMARY KEY, password TEXT NOT NULL,"
	"  role TEXT NOT NULL, failures INTEGER NOT NULL DEFAULT 0,"
	"  locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE console_sessions ("
	"  token_hash TEXT PRIMARY KEY,"
	"  user TEXT NOT NULL REFERENCES console_users(name)"
	"  ON DELETE CASCADE, csrf TEXT NOT NULL,"
	"  created INTEGER NOT NULL, seen INTEGER NOT NULL);"},
    /* the access gateway (src/gate, docs/gate.md) */
    {2, "CREATE TABLE gate_policy ("
	"  id INTEGER PRIMARY KEY CHECK (id = 1), doc TEXT NOT NULL,"
	"  serial INTEGER NOT NULL, updated TEXT NOT NULL);"
	"CREATE TABLE gate_users ("
	"  name TEXT PRIMARY KEY, display TEXT, groups TEXT NOT NULL,"
	"  password TEXT NOT NULL, totp_secret TEXT,"
	"  totp_last INTEGER NOT NULL DEFAULT 0, recovery TEXT,"
	"  bound INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL);"
	"CREATE TABLE gate_devices ("
	"  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES"
	"  gate_users(name) ON DELETE CASCADE, key_hash TEXT NOT NULL,"
	"  label TEXT, approved INTEGER NOT NULL DEFAULT 0,"
	"  created TEXT NOT NULL, approved_by TEXT, approved_at TEXT);"
	"CREATE INDEX gate_devices_user ON gate_devices(user);"
	"CREATE TABLE gate_sessions ("
	"  token_hash TEXT PRIMARY KEY, user TEXT NOT NULL, device TEXT,"
	"  level INTEGER NOT NULL, created INTEGER NOT NULL,"
	"  seen INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE INDEX gate_sessions_user ON gate_sessions(user);"
	"CREATE TABLE gate_failures ("
	"  key TEXT PRIMARY KEY, failures INTEGER NOT NULL,"
	"  first INTEGER NOT NULL, locked_until INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE gate_rule_stats ("
	"  rule TEXT PRIMARY KEY, allows INTEGER NOT NULL DEFAULT 0,"
	"  denies INTEGER NOT NULL DEFAULT 0, updated TEXT NOT NULL);"},
    /* 3: the inspector's link list (LINK-2): one row per run and per
     * link of a run; the newest run of a host is its current list */
    {3, "CREATE TABLE insp_runs ("
	"  id INTEGER PRIMARY KEY, host TEXT NOT NULL, start TEXT NOT NULL,"
	"  started TEXT NOT NULL, finished TEXT NOT NULL,"
	"  pages INTEGER NOT NULL, links INTEGER NOT NULL,"
	"  broken INTEGER NOT NULL, blocked INTEGER NOT NULL,"
	"  marks TEXT NOT NULL, findings TEXT NOT NULL);"
	"CREATE INDEX insp_runs_host ON insp_runs(host, id);"
	"CREATE TABLE insp_links ("
	"  run INTEGER NOT NULL REFERENCES insp_runs(id) ON DELETE CASCADE,"
	"  url TEXT NOT NULL, found_on TEXT NOT NULL, status TEXT NOT NULL,"
	"  reason TEXT NOT NULL, class TEXT NOT NULL, kind TEXT,"
	"  prompt TEXT, http INTEGER, final TEXT, fingerprint TEXT,"
	"  etag TEXT, last_modified TEXT, internal INTEGER NOT NULL,"
	"  first_seen TEXT NOT NULL, last_checked TEXT NOT NULL,"
	"  PRIMARY KEY (run, url));"},
    /* 4: availability probes (GOVWEB-1, src/inspect/probe.c); app is NULL
     * for a URL that is not a registered portal */
    {4, "CREATE TABLE probe_results ("
	"  app TEXT, at TEXT NOT NULL, url TEXT NOT NULL,"
	"  ok INTEGER NOT NULL, status INTEGER, error TEXT,"
	"  ms INTEGER NOT NULL);"
	"CREATE INDEX probe_results_app ON probe_results(app, at);"},
    /* 5: the columns (栏目) of an inspection run and their freshness
     * (GOVWEB-2, src/inspect/marks.c): kind news, notice or other; status
     * fresh, stale or empty; newest and age_days NULL without a date */
    {5, "CREATE TABLE insp_columns ("
	"  run INTEGER NOT NULL REFERENCES insp_runs(id) ON DELETE CASCADE,"
	"  url TEXT NOT NULL, name TEXT NOT NULL, kind TEXT NOT NULL,"
	"  items INTEGER NOT NULL, newest TEXT, age_days INTEGER,"
	"  limit_days INTEGER NOT NULL, status TEXT NOT NULL,"
	"  PRIMARY KEY (run, url));"},
    /* 6: second factors users add themselves (src/gate/portal.c): an
     * administrator's invitation to enrol (Unix time it ends, 0: none),
     * and WebAuthn credentials (id and DER SPKI public key base64url) */
    {6, "ALTER TABLE gate_users ADD COLUMN enrol_until INTEGER NOT NULL "
	"  DEFAULT 0;"
	"CREATE TABLE gate_webauthn ("
	"  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES"
	"  gate_users(name) ON DELETE CASCADE, alg INTEGER NOT NULL,"
	"  pubkey TEXT NOT NULL, sign_count INTEGER NOT NULL,"
	"  aaguid TEXT, label TEXT, created TEXT NOT NULL, last_used TEXT);"
	"CREATE INDEX gate_webauthn_user ON gate_webauthn(user);"},
    /* 7: gate administration (src/gate/db.c): a disabled account, and
     * how a device was registered: the factors of the login that
     * registered it, the client address it came from, and the order of
     * registrations (the oldest pending device is replaced first) */
    {7, "ALTER TABLE gate_users ADD COLUMN disabled INTEGER NOT NULL "
	"  DEFAULT 0;"
	"ALTER TABLE gate_devices ADD COLUMN factors INTEGER NOT NULL "
	"  DEFAULT 1;"
	"ALTER TABLE gate_devices ADD COLUMN address TEXT;"
	"ALTER TABLE gate_devices ADD COLUMN serial INTEGER NOT NULL "
	"  DEFAULT 0;"},
    /* 8: console accounts scoped to a unit and its subordinates (a
     * credit code) or to a region (a GB/T 2260 code prefix); both NULL:
     * all units, as every account was before */
    {8, "ALTER TABLE console_users ADD COLUMN scope_unit TEXT;"
	"ALTER TABLE console_users ADD COLUMN scope_region TEXT;"},
    /* 9: the console's own second factor and password rules
     * (src/http/account.c): the TOTP seed sealed under the store's key
     * file (secret_seal), recovery code digests, when the password was
     * set (0: unknown, counted from the next login), a forced change, the
     * previous passwords' argon2id hashes, a session's stage ('' a full
     * session, 'code' waiting for the second factor, 'password' waiting
     * for a new password) and its WebAuthn challenge under way, and the
     * console's security keys (as gate_webauthn; times are Unix) */
    {9, "ALTER TABLE console_users ADD COLUMN totp_secret TEXT;"
	"ALTER TABLE console_users ADD COLUMN totp_last INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE console_users ADD COLUMN recovery TEXT;"
	"ALTER TABLE console_users ADD COLUMN password_changed INTEGER"
	"  NOT NULL DEFAULT 0;"
	"ALTER TABLE console_users ADD COLUMN must_change INTEGER NOT NULL"
	"  DEFAULT 0;"
	"ALTER TABLE console_sessions ADD COLUMN stage TEXT NOT NULL"
	"  DEFAULT '';"
	"CREATE TABLE console_password_history ("
	"  user TEXT NOT NULL REFERENCES console_users(name)"
	"  ON DELETE CASCADE, hash TEXT NOT NULL, changed INTEGER NOT NULL);"
	"CREATE INDEX console_password_history_user ON"
	"  console_password_history(user, changed);"
	"ALTER TABLE console_sessions ADD COLUMN challenge TEXT;"
	"CREATE TABLE console_webauthn ("
	"  id TEXT PRIMARY KEY, user TEXT NOT NULL REFERENCES"
	"  console_users(name) ON DELETE CASCADE, alg INTEGER NOT NULL,"
	"  pubkey TEXT NOT NULL, sign_count INTEGER NOT NULL, label TEXT,"
	"  created INTEGER NOT NULL, last_used INTEGER);"
	"CREATE INDEX console_webauthn_user ON console_webauthn(user);"},
    /* 10: the keyed audit chain (src/audit/audit.c): 0 for the records
     * linked with plain SM3 before it, 1 for HMAC-SM3 under the key file */
    {10, "ALTER TABLE audit ADD COLUMN keyed INTEGER NOT NULL DEFAULT 0;"},
    /* 11: a person's verdict on what no rule can judge (govsec attest,
     * src/rules/attest.c): requirement, object (an application, grant,
     * outsourcing unit or unit) and the unit it belongs to, pass or fail,
     * evidence, reviewer, dates YYYY-MM-DD; revoked: when, NULL if not */
    {11, "CREATE TABLE attestations ("
	 "  id INTEGER PRIMARY KEY, requirement TEXT NOT NULL,"
	 "  object TEXT NOT NULL, unit TEXT, verdict TEXT NOT NULL,"
	 "  evidence TEXT NOT NULL, reviewer TEXT NOT NULL,"
	 "  attested TEXT NOT NULL, expires TEXT NOT NULL,"
	 "  actor TEXT NOT NULL, revoked TEXT);"
	 "CREATE INDEX attestations_object ON"
	 "  attestations(requirement, object);"},
    /* 12: what the registry's own rules need (src/registry/entity.c):
     * an application's opening date (SUP-1), a domain's registration
     * expiry and cancellation date (LINK-4), the person who authorised
     * a grant and the privilege its scope of work needs (OUT-3, OUT-4);
     * NULL: not declared */
    {12, "ALTER TABLE apps ADD COLUMN opened TEXT;"
	 "ALTER TABLE domains ADD COLUMN registered_until TEXT;"
	 "ALTER TABLE domains ADD COLUMN cancelled TEXT;"
	 "ALTER TABLE grants ADD COLUMN authorizer TEXT;"
	 "ALTER TABLE grants ADD COLUMN needed_privilege TEXT;"},
    /* 13: the gate's decisions per rule and UTC day (src/gate/db.c), so
     * `govsec check` judges what the gate did lately, not in its whole
     * life (gate_rule_stats); days older than GATE_DAYS_KEEP are pruned */
    {13, "CREATE TABLE gate_rule_days ("
	 "  rule TEXT NOT NULL, day TEXT NOT NULL,"
	 "  allows INTEGER NOT NULL DEFAULT 0,"
	 "  denies INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (rule, day));"
	 "CREATE INDEX gate_rule_days_day ON gate_rule_days(day);"},
    /* 17: the e-certificate authority (src/ecert): the root, issuing and
     * receipt-signing certificates with their keys sealed under [ecert]
     * kek; every unit certificate issued (serial in upper-case hex, SM3 digest
     * of the DER, revoked: when, NULL if not); the CRLs signed, newest by
     * number */
    {17, "CREATE TABLE ecert_ca ("
	 "  role TEXT PRIMARY KEY, cert_pem TEXT NOT NULL,"
	 "  key_sealed TEXT NOT NULL, created TEXT NOT NULL);"
	 "CREATE TABLE ecert_certs ("
	 "  serial TEXT PRIMARY KEY, unit TEXT NOT NULL, name TEXT NOT NULL,"
	 "  cert_pem TEXT NOT NULL, not_before TEXT NOT NULL,"
	 "  not_after TEXT NOT NULL, key_source TEXT NOT NULL,"
	 "  digest TEXT NOT NULL, issued TEXT NOT NULL,"
	 "  issued_by TEXT NOT NULL, revoked TEXT, reason TEXT);"
	 "CREATE INDEX ecert_certs_unit ON ecert_certs(unit);"
	 "CREATE TABLE ecert_crls ("
	 "  number INTEGER PRIMARY KEY, this_update TEXT NOT NULL,"
	 "  next_update TEXT NOT NULL, crl_pem TEXT NOT NULL);"
	 /* the verification service: platform operators, their API keys
	  * (the SM3 digest of the secret only) and single-use challenges
	  * (the digest of the challenge, bound to a key and a unit) */
	 "CREATE TABLE ecert_operators ("
	 "  name TEXT PRIMARY KEY, rate INTEGER NOT NULL,"
	 "  created TEXT NOT NULL, created_by TEXT NOT NULL, disabled TEXT);"
	 "CREATE TABLE ecert_keys ("
	 "  id TEXT PRIMARY KEY, operator TEXT NOT NULL REFERENCES"
	 "  ecert_operators(name), digest TEXT NOT NULL,"
	 "  created TEXT NOT NULL, revoked TEXT);"
	 "CREATE TABLE ecert_challenges ("
	 "  digest TEXT PRIMARY KEY, key_id TEXT NOT NULL, unit TEXT NOT NULL,"
	 "  expires INTEGER NOT NULL);"
	 /* the transparency log (src/ecert/tlog.c): its entries in order and
	  * the SM3 hash of every complete aligned subtree (level 0: leaves) */
	 "CREATE TABLE tlog_entries ("
	 "  idx INTEGER PRIMARY KEY, at TEXT NOT NULL, kind TEXT NOT NULL,"
	 "  entry TEXT NOT NULL);"
	 "CREATE TABLE tlog_nodes ("
	 "  level INTEGER NOT NULL, idx INTEGER NOT NULL, hash TEXT NOT NULL,"
	 "  PRIMARY KEY (level, idx));"},
    /* 18: online names (src/ecert/names.c): each application with its
     * key under which confusable names are equal (indexed: the conflict
     * search is a lookup), NAME-1's verdict, and the decision */
    {18,
     "CREATE TABLE ecert_names ("
     "  id INTEGER PRIMARY KEY, unit TEXT NOT NULL, app TEXT,"
     "  name TEXT NOT NULL, name_key TEXT NOT NULL, state TEXT NOT NULL,"
     "  applied TEXT NOT NULL, applied_by TEXT NOT NULL,"
     "  name1 TEXT NOT NULL, decided TEXT, decided_by TEXT, reason TEXT);"
     "CREATE INDEX ecert_names_key ON ecert_names(name_key, state);"
     /* a unit in an e-certificate pilot area (interp. Q4-Q6: CERT-1,
      * NAME-2, APP-2, AUTH-5 bind it), and each receipt the service gave
      * (APP-2, AUTH-5 and CERT-1 judged from them) */
     "ALTER TABLE units ADD COLUMN ecert_pilot INTEGER;"
     "CREATE TABLE ecert_verifications ("
     "  id INTEGER PRIMARY KEY, unit TEXT NOT NULL, operator TEXT NOT NULL,"
     "  method TEXT NOT NULL, status TEXT NOT NULL, serial TEXT,"
     "  at TEXT NOT NULL);"
     "CREATE INDEX ecert_verifications_unit ON ecert_verifications(unit, at);"},
    /* 19: online logos (src/ecert/logo.c): per application, its unit's
     * category, the domains it was issued for (JSON), and revocation */
    {19, "CREATE TABLE ecert_logos ("
	 "  id TEXT PRIMARY KEY, unit TEXT NOT NULL, app TEXT NOT NULL,"
	 "  category TEXT NOT NULL, domains TEXT NOT NULL,"
	 "  issued TEXT NOT NULL, issued_by TEXT NOT NULL, revoked TEXT,"
	 "  reason TEXT);"
	 "CREATE INDEX ecert_logos_unit ON ecert_logos(unit);"},
    /* 22: the logs govsecd monitors (src/ecert/monitor.c, [ecert]
     * monitor): per log, the pinned root's digest, the last good state
     * (JSON: size, root, compact range) and the last check's outcome; and
     * each head or outcome that changed, as evidence; and the domains
     * approved names protect */
    {22, "CREATE TABLE tlog_monitors ("
	 "  url TEXT PRIMARY KEY, pin TEXT NOT NULL, state TEXT NOT NULL,"
	 "  checked TEXT NOT NULL, status TEXT NOT NULL,"
	 "  message TEXT NOT NULL);"
	 "CREATE TABLE tlog_monitor_seen ("
	 "  url TEXT NOT NULL, at TEXT NOT NULL, size INTEGER,"
	 "  root TEXT, status TEXT NOT NULL, message TEXT NOT NULL);"
	 "CREATE INDEX tlog_monitor_seen_url ON tlog_monitor_seen(url, at);"
	 /* the domains approved online names protect (src/ecert/names.c),
	  * by their look-alike key: e-mail domains are searched against
	  * them (seed Q5) */
	 "CREATE TABLE ecert_name_domains ("
	 "  domain TEXT PRIMARY KEY, unit TEXT NOT NULL,"
	 "  name_id INTEGER NOT NULL, key TEXT NOT NULL);"
	 "CREATE INDEX ecert_name_domains_key ON ecert_name_domains(key);"},
    /* 23: mail-flow records (src/mail/flow.c, MAIL-3): one row per
     * message a milter hop saw, with its envelope, Message-ID, signals
     * and decision (id: 8 hex digits of the time, then random, so rows
     * arrive in key order); one row per (address, message) for the lookup
     * by address (roles: bits 1 sender, 2 recipient, 4 original
     * recipient); kept as long as the audit log (SEC-5) */
    {23, "CREATE TABLE mail_flow ("
	 "  id TEXT PRIMARY KEY, at INTEGER NOT NULL, hop TEXT NOT NULL,"
	 "  queue_id TEXT NOT NULL, client TEXT NOT NULL,"
	 "  sender TEXT NOT NULL, message_id TEXT, rcpts TEXT NOT NULL,"
	 "  signals TEXT NOT NULL, score INTEGER NOT NULL,"
	 "  decision TEXT NOT NULL, reason TEXT NOT NULL);"
	 "CREATE INDEX mail_flow_at ON mail_flow(at);"
	 "CREATE INDEX mail_flow_msgid ON mail_flow(message_id, at);"
	 "CREATE TABLE mail_flow_addr ("
	 "  addr TEXT NOT NULL, at INTEGER NOT NULL, flow TEXT NOT NULL,"
	 "  roles INTEGER NOT NULL, PRIMARY KEY (addr, at, flow));"
	 "CREATE INDEX mail_flow_addr_flow ON mail_flow_addr(flow);"},
    /* 24: forwarding exceptions of the milter (an address or "@domain",
     * until: the first second it no longer applies) */
    {24, "CREATE TABLE mail_exceptions ("
	 "  address TEXT PRIMARY KEY, until INTEGER NOT NULL,"
	 "  reason TEXT NOT NULL, created INTEGER NOT NULL,"
	 "  created_by TEXT NOT NULL);"},
    /* 25: what `govsec mail audit` found in an e-mail system's
     * configuration (src/mail/mailaudit.c): the evidence of MAIL-1 and
     * MAIL-2 for that application, newest first */
    {25, "CREATE TABLE mail_audits ("
	 "  id TEXT PRIMARY KEY, app TEXT NOT NULL, at INTEGER NOT NULL,"
	 "  by_actor TEXT NOT NULL, forwarding_read INTEGER NOT NULL,"
	 "  attachments_read INTEGER NOT NULL, mail1_fails INTEGER NOT NULL,"
	 "  mail2_fails INTEGER NOT NULL, report TEXT NOT NULL,"
	 "  seq INTEGER NOT NULL);"
	 "CREATE INDEX mail_audits_app ON mail_audits(app, seq);"},
    /* 26: counterfeit monitoring (src/counterfeit): each scan of a feed,
     * and each hit with its reason and score; a hit is reported once per
     * (kind, candidate, protected) and becomes a case (case_id) */
    {26, "CREATE TABLE cf_scans ("
	 "  id TEXT PRIMARY KEY, feed TEXT NOT NULL, kind TEXT NOT NULL,"
	 "  started INTEGER NOT NULL, finished INTEGER,"
	 "  candidates INTEGER NOT NULL DEFAULT 0,"
	 "  hits INTEGER NOT NULL DEFAULT 0, error TEXT);"
	 "CREATE TABLE cf_hits ("
	 "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, candidate TEXT NOT NULL,"
	 "  detail TEXT, unit TEXT, protected TEXT NOT NULL,"
	 "  reason TEXT NOT NULL, score INTEGER NOT NULL, scan TEXT,"
	 "  first_seen INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	 "  case_id TEXT);"
	 "CREATE UNIQUE INDEX cf_hits_key ON cf_hits(kind, candidate,"
	 "  protected);"
	 "CREATE INDEX cf_hits_case ON cf_hits(case_id);"},
    /* 27: counterfeit cases (src/counterfeit/cases.c): each case with its
     * state and the times it reached each, its history (every step: who,
     * when, what was observed), public complaints (the tracking code's
     * digest only; the contact sealed), single-use proof-of-work
     * challenges, and referrals to public security with their evidence */
    {27, "CREATE TABLE cf_cases ("
	 "  id TEXT PRIMARY KEY, kind TEXT NOT NULL, candidate TEXT NOT NULL,"
	 "  platform TEXT, unit TEXT, protected TEXT, source TEXT NOT NULL,"
	 "  state TEXT NOT NULL, opened INTEGER NOT NULL,"
	 "  opened_by TEXT NOT NULL, updated INTEGER NOT NULL,"
	 "  confirming INTEGER, decided INTEGER, decided_by TEXT,"
	 "  requested INTEGER, taken_down INTEGER, referred INTEGER,"
	 "  detail TEXT);"
	 "CREATE INDEX cf_cases_state ON cf_cases(state);"
	 "CREATE INDEX cf_cases_candidate ON cf_cases(kind, candidate);"
	 "CREATE TABLE cf_events ("
	 "  case_id TEXT NOT NULL, seq INTEGER NOT NULL, at INTEGER NOT NULL,"
	 "  actor TEXT NOT NULL, action TEXT NOT NULL, state TEXT NOT NULL,"
	 "  note TEXT, addresses TEXT, PRIMARY KEY (case_id, seq));"
	 "CREATE TABLE cf_complaints ("
	 "  id TEXT PRIMARY KEY, tracking TEXT NOT NULL UNIQUE,"
	 "  case_id TEXT NOT NULL, kind TEXT NOT NULL, target TEXT NOT NULL,"
	 "  platform TEXT, description TEXT, contact TEXT, lang TEXT,"
	 "  received INTEGER NOT NULL);"
	 "CREATE INDEX cf_complaints_case ON cf_complaints(case_id);"
	 "CREATE TABLE cf_pow ("
	 "  challenge TEXT PRIMARY KEY, bits INTEGER NOT NULL,"
	 "  expires INTEGER NOT NULL);"
	 "CREATE TABLE cf_referrals ("
	 "  case_id TEXT PRIMARY KEY, at INTEGER NOT NULL,"
	 "  actor TEXT NOT NULL, agency TEXT NOT NULL, reference TEXT,"
	 "  bundle TEXT NOT NULL, digest TEXT NOT NULL);"},
    /* 28: the packages and signing certificates of applications, which
     * the application record lacks (counterfeit monitor, issue 12) */
    {28, "CREATE TABLE cf_app_ids ("
	 "  app TEXT NOT NULL REFERENCES apps(id) ON DELETE CASCADE,"
	 "  package TEXT NOT NULL, cert TEXT NOT NULL,"
	 "  added INTEGER NOT NULL, PRIMARY KEY (app, package, cert));"},
    /* 29: periodic work claimed as jobs by several govsecd on one store
     * (src/store/store_jobs.c): per (kind, name), e.g. ("inspect",
     * host), when it is next due and which instance holds it until when
     * (epoch ms), and how often it was done, last by whom */
    {29, "CREATE TABLE sched_jobs ("
	 "  kind TEXT NOT NULL, name TEXT NOT NULL, data TEXT,"
	 "  due INTEGER NOT NULL, owner TEXT,"
	 "  lease_until INTEGER NOT NULL DEFAULT 0,"
	 "  runs INTEGER NOT NULL DEFAULT 0, last_owner TEXT,"
	 "  last_done INTEGER, PRIMARY KEY (kind, name));"
	 "CREATE INDEX sched_jobs_due ON sched_jobs(kind, due);"},
    /* 30: what `govsec check` reads instead of the raw evidence: each
     * inspection run's findings summed up per requirement, written with
     * the run (src/inspect/store.c; a run without one is summed up from
     * its findings), and each application's recent probes in one row
     * (src/inspect/probesum.c), complete (the row of app '') once
     * probe_results is empty or `govsec summarize` has made them */
    {30, "CREATE TABLE insp_run_sums ("
	 "  run INTEGER NOT NULL REFERENCES insp_runs(id) ON DELETE CASCADE,"
	 "  sums TEXT NOT NULL, PRIMARY KEY (run));"
	 "CREATE TABLE probe_sums ("
	 "  app TEXT NOT NULL, since TEXT NOT NULL, probes TEXT NOT NULL,"
	 "  PRIMARY KEY (app));"
	 "INSERT INTO probe_sums (app, since, probes) SELECT '', '', ''"
	 "  WHERE NOT EXISTS (SELECT 1 FROM probe_results);"},
    /* 33: the audit records of one action in time order, so that
     * `govsec check` finds govsec-milter's stops and prunes (MAIL-3,
     * src/mail/flow.c mail_flow_evidence) without reading the chain */
    {33, "CREATE INDEX audit_action_at ON audit(action, at);"},
    /* 34: whether the probes' summaries are complete is a setting, not a
     * row of probe_sums (migration 30's row of app ''): a store is made
     * complete, and only one whose summaries still lack probes says so
     * (src/inspect/probesum.c, until `govsec summarize`); a new store
     * holds no rows of its own (govsec store copy) */
    {34, "INSERT INTO settings (key, value) SELECT "
	 "  'probe_sums.incomplete', 'probes stored before migration 30'"
	 "  WHERE NOT EXISTS (SELECT 1 FROM probe_sums WHERE app = '');"
	 "DELETE FROM probe_sums WHERE app = '';"},
    /* 36: each claim of a job counts one more (token): the holder's
     * renewals, end and every write of its work's results check it in
     * their transaction, so that an instance whose lease was taken over
     * stores nothing (src/store/store_jobs.c, fencing) */
    {36, "ALTER TABLE sched_jobs ADD COLUMN token INTEGER NOT NULL "
	 "DEFAULT 0;"},
};

const int store_nmigrations = (int)ARRAY_SIZE(store_migrations);
