/*
 * schema.c: the versioned migrations of the store, applied in order by
 * store_migrate(). Never edit a released migration; add a new one.
 * Columns that are NULL mean "not declared" (rules answer "unknown").
 */
#include "store/store.h"

const struct migration store_migrations[] = {
    {1,
     "CREATE TABLE schema_version (version INTEGER PRIMARY KEY,"
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
     /* SITE-1: at most one live portal per unit */
     "CREATE UNIQUE INDEX apps_one_portal ON apps(unit)"
     "  WHERE type = 'portal' AND coalesce(status, 'live') <> 'closed';"
     "CREATE TABLE domains ("
     "  name TEXT PRIMARY KEY, app TEXT NOT NULL REFERENCES apps(id)"
     "  ON DELETE CASCADE, unicode TEXT NOT NULL, lang TEXT NOT NULL,"
     "  main INTEGER NOT NULL);"
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
};

const int store_nmigrations = (int)ARRAY_SIZE(store_migrations);
