/*
 * check.c: the self-examination runner: the rule table (ordered as
 * REQUIREMENTS.md), the finding context with acknowledgements, and
 * acknowledgement records. Rules themselves live in rules_<chapter>.c.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "audit/audit.h"
#include "registry/registry.h"
#include "rules/internal.h"

static const struct rule_def rules[] = {
    {"scope.unit-kind", "SCOPE-1",
     "a unit's kind agrees with its credit code (organ 11, institution 12)",
     "单位类别与统一社会信用代码一致（机关11，事业单位12）",
     rule_scope_unit_kind},
    {"site.one-portal", "SITE-1",
     "one portal per unit, opened after review and filing",
     "每个单位至多开设一个门户网站，并经开办审核和备案", rule_site_one_portal},
    {"site.domains", "SITE-2",
     "one Chinese and one English domain, one main domain",
     "原则上注册一个中文域名和一个英文域名，多个时指定主域名",
     rule_site_domains},
    {"site.suffix", "SITE-3", "domain suffix matches the unit's kind",
     "党政机关使用.gov.cn或.政务，事业单位使用.cn或.公益", rule_site_suffix},
    {"site.county-pages", "SITE-4",
     "county departments and townships use the higher-level platform",
     "县级部门和乡镇不单独建设网站，在上级平台开设页面或栏目",
     rule_site_county},
    {"app.platforms", "APP-1",
     "apps distributed only on registered platforms or the unit's own site",
     "移动应用仅在已备案的分发平台或本单位网站分发", rule_app_platforms},
    {"app.not-bound", "APP-3",
     "service not bound to a single Internet platform",
     "不得与单一互联网平台绑定", rule_app_not_bound},
    {"name.unit-first", "NAME-1",
     "online name starts with the unit's name or short name",
     "网上名称使用单位名称或规范简称", rule_name_unit_first},
    {"ecert.name-approved", "NAME-2",
     "online name approved by the establishment department",
     "网上名称经机构编制部门审核通过", rule_ecert_name_approved},
    {"ecert.platform-verified", "APP-2",
     "identity proved to platforms through the verification service",
     "通过核验服务向平台证明身份", rule_ecert_platforms},
    {"ecert.certificate", "CERT-1", "a valid electronic certificate",
     "持有有效的电子证照", rule_ecert_certificate},
    {"ecert.authentication", "AUTH-5",
     "authentication with the electronic certificate (encouraged)",
     "使用电子证书认证（鼓励）", rule_ecert_auth},
    {"observe.link-relevance", "LINK-1",
     "linked content relates to the unit's functions (a person attests it)",
     "链接内容与单位职能相关或属便民服务（需人工核实）", rule_link_observed},
    {"observe.link-list", "LINK-2",
     "link list kept and checked (needs inspection)",
     "建立链接清单并定期检查（需巡检）", rule_link_observed},
    {"observe.leave-prompt", "LINK-3",
     "leave-site prompt before non-government sites (needs inspection)",
     "链接至非党政机关网站时有明确提示（需巡检）", rule_link_observed},
    {"observe.abnormal-links", "LINK-4", "no abnormal links (needs inspection)",
     "无异常链接（需巡检）", rule_link_observed},
    {"link.domain-expiry", "LINK-4",
     "domains renewed before they lapse, or cancelled",
     "域名到期前续费或及时注销", rule_link_domain_expiry},
    {"ecert.logo", "LOGO-1",
     "online logo issued by the establishment department",
     "网上标识由机构编制部门核发", rule_ecert_logo},
    {"observe.logo", "LOGO-1",
     "online logo at the middle of the homepage footer (needs inspection)",
     "网上标识置于网站首页底部中间位置（需巡检）", rule_link_observed},
    {"observe.availability", "GOVWEB-1", "site reachable (needs probing)",
     "网站可用性（需监测）", rule_link_observed},
    {"observe.freshness", "GOVWEB-2",
     "homepage and columns updated (needs inspection)",
     "首页及栏目更新（需巡检）", rule_link_observed},
    {"observe.footer-marks", "GOVWEB-3",
     "footer marks on every page (needs inspection)", "页脚标识齐全（需巡检）",
     rule_link_observed},
    {"sec.mlps-level3", "SEC-1", "MLPS level 3 where required",
     "按要求落实网络安全等级保护第三级", rule_sec_mlps},
    {"sec.assessment", "SEC-2",
     "security assessment within a year and after upgrades",
     "每年至少开展一次安全评估，升级上线前评估", rule_sec_assessment},
    {"sec.staff-access", "SEC-3",
     "staff functions and e-mail limited by IP segment or device",
     "工作人员功能和电子邮件限制IP地址段或设备访问", rule_gate_staff_access},
    {"sec.overseas", "SEC-4",
     "overseas access only by whitelist and time window",
     "境外访问仅按白名单在特定时段开放", rule_gate_overseas},
    {"sec.log-retention", "SEC-5", "logs kept at least a year and backed up",
     "日志留存不少于一年并定期备份", rule_sec_logs},
    {"out.contract", "OUT-1", "outsourcing contract fixes security duties",
     "外包合同明确网络和数据安全责任", rule_out_contract},
    {"out.no-subcontract", "OUT-2",
     "no subcontracting without the unit's consent", "未经同意不得转包分包",
     rule_out_subcontract},
    {"out.highest-admin", "OUT-3",
     "highest admin rights stay with the unit's own staff",
     "最高管理员权限由本单位人员负责", rule_out_highest_admin},
    {"out.least-privilege", "OUT-4",
     "outsourced staff on least privilege with expiry",
     "外包人员最小授权并及时收回到期权限", rule_out_least_privilege},
    {"auth.mfa", "AUTH-1", "multi-factor authentication", "多因素身份认证",
     rule_gate_mfa},
    {"auth.idle-timeout", "AUTH-2", "sessions end after inactivity",
     "会话超时自动退出", rule_gate_idle},
    {"auth.lockout", "AUTH-3", "repeated failed logins lock the account",
     "限制登录失败次数", rule_gate_lockout},
    {"auth.device-binding", "AUTH-4", "accounts bound to devices",
     "账号与终端绑定", rule_gate_device},
    {"mail.no-auto-forward", "MAIL-1", "automatic forwarding turned off",
     "关闭邮件自动转发", rule_mail_forward},
    {"mail.no-attachment-download", "MAIL-2",
     "automatic attachment download turned off", "关闭附件自动下载",
     rule_mail_attachments},
    {"mail.flow-records", "MAIL-3",
     "mail circulation recorded by govsec-milter and kept as long as the logs",
     "邮件流转由 govsec-milter 记录，留存期限与日志相同", rule_mail_flow},
    {"cf.scans", "CF-1", "counterfeit scans run on schedule",
     "按期开展仿冒应用监测", rule_cf_scans},
    {"cf.complaints", "CF-1", "complaints examined within the deadline",
     "举报在期限内受理核查", rule_cf_complaints},
    {"cf.confirmed", "CF-2", "suspected counterfeits confirmed in time",
     "疑似仿冒应用在期限内核实", rule_cf_confirmed},
    {"cf.stopped", "CF-3", "confirmed counterfeits taken down in time",
     "经核实的仿冒应用在期限内处置", rule_cf_stopped},
    {"sup.rectified", "SUP-1", "new applications comply; rectification on time",
     "新建应用合规，在用应用按期完成整改", rule_sup_rectified},
};

/*
 * The catalogue: every requirement ID of REQUIREMENTS.md, in its order,
 * with how a run can judge it. A requirement with rules in the table
 * above is judged by them (and by attestations where they cannot
 * decide); the others are judged only by a person's attestation, are
 * enforced when data enter the registry, or are no duty of a unit.
 */
enum req_kind {
	RK_RULE,   /* rules above */
	RK_PERSON, /* no rule: attestations (govsec attest) only */
	RK_ENTRY,  /* enforced on every registry input */
	RK_NODUTY  /* a duty of the supervising departments, or advice */
};

struct req_def {
	const char *id, *title, *title_zh;
	enum req_kind kind;
	const char *note;
	const char *rule; /* RK_PERSON: the rule id of its attestations */
};

#define PERSON_NOTE "no rule examines it: a person attests it (govsec attest)"

static const struct req_def catalogue[] = {
    {"SCOPE-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"SCOPE-2", "application types in scope", "适用的互联网政务应用类型",
     RK_ENTRY, "enforced on entry: every application has a known type", NULL},
    {"SITE-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"SITE-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"SITE-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"SITE-4", NULL, NULL, RK_RULE, NULL, NULL},
    {"APP-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"APP-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"APP-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"NAME-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"NAME-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"LOGO-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"CERT-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"LINK-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"LINK-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"LINK-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"LINK-4", NULL, NULL, RK_RULE, NULL, NULL},
    {"CONTENT-1", "publication reviewed and review records kept",
     "信息发布经审核并留存记录", RK_PERSON, PERSON_NOTE, "attest.content-1"},
    {"SEC-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"SEC-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"SEC-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"SEC-4", NULL, NULL, RK_RULE, NULL, NULL},
    {"SEC-5", NULL, NULL, RK_RULE, NULL, NULL},
    {"SEC-6", "data classified and graded, important data protected",
     "数据分类分级，重点保护重要数据和个人信息", RK_PERSON, PERSON_NOTE,
     "attest.sec-6"},
    {"MON-1", "running state and security events monitored",
     "实时监测运行状态和安全事件", RK_PERSON, PERSON_NOTE, "attest.mon-1"},
    {"OUT-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"OUT-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"OUT-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"OUT-4", NULL, NULL, RK_RULE, NULL, NULL},
    {"DEV-1", "security in development, code security detection",
     "开发全过程安全，开展代码安全检测", RK_PERSON, PERSON_NOTE,
     "attest.dev-1"},
    {"AUTH-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"AUTH-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"AUTH-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"AUTH-4", NULL, NULL, RK_RULE, NULL, NULL},
    {"AUTH-5", NULL, NULL, RK_RULE, NULL, NULL},
    {"MAIL-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"MAIL-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"MAIL-3", "mail circulation can be traced", "邮件流转可追溯", RK_PERSON,
     "judged from govsec-milter's mail-flow records where the store has "
     "any (mail.flow-records); otherwise a person attests it (govsec attest)",
     "attest.mail-3"},
    {"CF-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"CF-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"CF-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"SUP-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"SUP-2", "supervision and inspection by the issuing departments",
     "四部门监督检查", RK_NODUTY,
     "a duty of the supervising departments, not of a unit", NULL},
    {"GOVWEB-1", NULL, NULL, RK_RULE, NULL, NULL},
    {"GOVWEB-2", NULL, NULL, RK_RULE, NULL, NULL},
    {"GOVWEB-3", NULL, NULL, RK_RULE, NULL, NULL},
    {"GOVWEB-4", "unified social credit codes valid", "统一社会信用代码有效",
     RK_ENTRY, "enforced on entry: every credit code is validated", NULL},
    {"MLPS-3", "MLPS level 3 identity and audit items",
     "等级保护第三级身份鉴别和安全审计要求", RK_PERSON, PERSON_NOTE,
     "attest.mlps-3"},
    {"GMCRYPTO-1", "national cryptography (SM2, SM3, SM4)",
     "商用密码应用（SM2、SM3、SM4）", RK_PERSON, PERSON_NOTE,
     "attest.gmcrypto-1"},
};

_Static_assert(ARRAY_SIZE(catalogue) <= CHECK_REQ_MAX,
	       "CHECK_REQ_MAX is smaller than the catalogue");

static struct rule_info rule_infos[ARRAY_SIZE(rules)];

static void
rule_infos_init(void)
{
	for (size_t i = 0; i < ARRAY_SIZE(rules); i++) {
		rule_infos[i].id = rules[i].id;
		rule_infos[i].requirement = rules[i].requirement;
		rule_infos[i].title = rules[i].title;
		rule_infos[i].title_zh = rules[i].title_zh;
	}
}

const struct rule_info *
check_rules(size_t *n)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;

	pthread_once(&once, rule_infos_init);
	*n = ARRAY_SIZE(rules);
	return rule_infos;
}

void
check_opts_init(struct check_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->idle_max_minutes = CHECK_IDLE_MAX;
	o->lockout_max = CHECK_LOCKOUT_MAX;
	o->whitelist_max_days = CHECK_WHITELIST_MAX_DAYS;
	o->segment_prefix4 = CHECK_SEGMENT_PREFIX4;
	o->segment_prefix6 = CHECK_SEGMENT_PREFIX6;
	o->gate_window_days = CHECK_GATE_WINDOW_DAYS;
	o->gate_stale_minutes = CHECK_GATE_STALE_MINUTES;
	o->cf_scan_hours = CHECK_CF_SCAN_HOURS;
	o->cf_answer_days = CHECK_CF_ANSWER_DAYS;
	o->cf_confirm_days = CHECK_CF_CONFIRM_DAYS;
	o->cf_takedown_days = CHECK_CF_TAKEDOWN_DAYS;
	o->mail_flow_stale_days = CHECK_MAIL_FLOW_STALE_DAYS;
}

void
check_opts_config(struct check_opts *o, const struct config *cfg)
{
	check_opts_init(o);
	o->idle_max_minutes = cfg->idle_max_minutes;
	o->lockout_max = cfg->lockout_max;
	o->whitelist_max_days = cfg->whitelist_max_days;
	o->segment_prefix4 = cfg->segment_prefix4;
	o->segment_prefix6 = cfg->segment_prefix6;
	o->gate_window_days = cfg->gate_window_days;
	o->gate_stale_minutes = cfg->gate_stale_minutes;
	o->cf_scan_hours = cfg->cf_scan_hours;
	o->cf_answer_days = cfg->cf_answer_days;
	o->cf_confirm_days = cfg->cf_confirm_days;
	o->cf_takedown_days = cfg->cf_takedown_days;
	o->mail_flow_stale_days = cfg->mail_flow_stale_days;
}

const char *
check_status_str(enum fstatus s)
{
	static const char *names[] = {"pass", "fail", "not_applicable",
				      "unknown"};

	return s < ST__COUNT ? names[s] : "unknown";
}

int
check_status_parse(const char *s)
{
	for (int i = 0; i < ST__COUNT; i++)
		if (strcmp(s, check_status_str((enum fstatus)i)) == 0)
			return i;
	if (strcmp(s, "na") == 0)
		return ST_NA;
	return -1;
}

int
check_emits(const struct check_ctx *c, enum fstatus st)
{
	return c->sink != NULL && c->sink->emit != NULL &&
	       (c->sink->want == 0 || (c->sink->want & (1u << st)));
}

int
check_wants(struct check_ctx *c, const char *unit)
{
	return c->o->unit == NULL || (unit && strcmp(c->o->unit, unit) == 0);
}

int
app_live(const struct m_app *a)
{
	return a->live;
}

int
app_open(const struct check_ctx *c, const struct m_app *a)
{
	return a->open && (c->hidden == NULL || !c->hidden[a - c->m->apps]);
}

json_t *
check_json_list(const char *text)
{
	json_t *v;

	if (text == NULL)
		return NULL;
	v = jfast_loads(text);
	if (!json_is_array(v)) {
		json_decref(v);
		return json_array();
	}
	return v;
}

int
unit_is_organ(const struct m_unit *u)
{
	/* Party and government organs (党政机关); mass organizations and
	 * institutions are not bound to the organ suffixes. */
	static const char *const organs[] = {
	    "party",	   "npc",      "administrative", "cppcc",
	    "supervisory", "judicial", "procuratorial"};

	if (u == NULL)
		return 0;
	for (size_t i = 0; i < ARRAY_SIZE(organs); i++)
		if (strcmp(u->kind, organs[i]) == 0)
			return 1;
	return 0;
}

int
unit_is_institution(const struct m_unit *u)
{
	return u != NULL && strcmp(u->kind, "institution") == 0;
}

/* The attestation in force for requirement and object, or NULL: an
 * expired one (or one made after the evaluation date) counts as not
 * judged, and so does an older one hidden by a newer one. */
static const struct m_attest *
attestation(struct check_ctx *c, const char *req, const char *object)
{
	const struct m_attest *t;
	char key[512];
	long long idx;

	if (c->m->nattests == 0 || object == NULL ||
	    str_fmt(key, sizeof(key), "%s\t%s", req, object) < 0 ||
	    map_get(&c->att_idx, key, &idx) < 0)
		return NULL;
	t = &c->m->attests[idx];
	/* in force on the evaluation date: made by then, not yet expired */
	if (strcmp(t->date, c->today) > 0 || strcmp(t->expires, c->today) < 0)
		return NULL;
	return t;
}

/*
 * Findings of rules run out of order (on the second thread, or on the
 * first after the rules it handed the second), recorded in a temporary
 * file and handed to the sink in rule order at the end (rec_replay):
 * memory stays as it was, whatever the number of findings. A record is a
 * kind byte, the status, then for a finding its overdue flag and its
 * strings (REC_FIELDS), for a tally of a finding of no registered unit
 * the unit and its name; a string is its length (uint32, REC_NULL for
 * NULL) and its bytes.
 */
struct check_rec {
	FILE *f;
	int failed; /* a write fell short, or a read */
	long unit;  /* the model's index of the finding's unit, or -1 */
	/* where the records go (the run's sink and tally) once *turn is
	 * set by the thread that had them before: then those recorded so
	 * far are handed on and the next ones go there directly */
	const struct check_sink *out;
	const struct check_opts *o;
	const struct model *m;
	atomic_int *turn;
	int direct;
};

#define REC_FINDING 'F'
#define REC_TALLY   'T'
#define REC_NULL    UINT32_MAX

static const size_t rec_fields[] = {offsetof(struct finding, rule),
				    offsetof(struct finding, requirement),
				    offsetof(struct finding, title),
				    offsetof(struct finding, title_zh),
				    offsetof(struct finding, object),
				    offsetof(struct finding, object_type),
				    offsetof(struct finding, unit),
				    offsetof(struct finding, unit_name),
				    offsetof(struct finding, evidence),
				    offsetof(struct finding, fix),
				    offsetof(struct finding, evidence_zh),
				    offsetof(struct finding, fix_zh),
				    offsetof(struct finding, owner),
				    offsetof(struct finding, due),
				    offsetof(struct finding, note),
				    offsetof(struct finding, judged_by),
				    offsetof(struct finding, observed),
				    offsetof(struct finding, reviewer),
				    offsetof(struct finding, attested),
				    offsetof(struct finding, expires)};
#define REC_FIELDS ARRAY_SIZE(rec_fields)
#define REC_UNIT   6 /* rec_fields' index of unit */

static void
rec_str(struct check_rec *r, const char *s)
{
	size_t len = s != NULL ? strlen(s) : 0;
	uint32_t n = s != NULL ? (uint32_t)len : REC_NULL;

	if (len >= REC_NULL || fwrite(&n, sizeof(n), 1, r->f) != 1 ||
	    (len > 0 && fwrite(s, 1, len, r->f) != len))
		r->failed = 1;
}

static void rec_hand_on(struct check_rec *r);

/* 1 if r's findings go to the run's sink directly now (its turn came:
 * what it recorded is handed on first). */
static int
rec_take(struct check_rec *r)
{
	if (!r->direct && r->turn != NULL &&
	    atomic_load_explicit(r->turn, memory_order_acquire)) {
		rec_hand_on(r);
		r->direct = 1;
	}
	return r->direct;
}

static void
rec_emit(void *arg, const struct finding *f)
{
	struct check_rec *r = arg;
	int32_t unit = (int32_t)r->unit;

	if (rec_take(r)) {
		r->out->emit(r->out->arg, f);
		return;
	}

	putc(REC_FINDING, r->f);
	putc((int)f->status, r->f);
	putc(f->overdue != 0, r->f);
	if (fwrite(&unit, sizeof(unit), 1, r->f) != 1)
		r->failed = 1;
	for (size_t i = 0; i < REC_FIELDS; i++)
		rec_str(
		    r, *(const char *const *)((const char *)f + rec_fields[i]));
}

static void
rec_tally(struct check_rec *r, const char *unit, const char *name,
	  enum fstatus st)
{
	if (rec_take(r)) {
		r->o->tally(r->o->tally_arg, -1, unit, name, st);
		return;
	}
	putc(REC_TALLY, r->f);
	putc((int)st, r->f);
	rec_str(r, unit);
	rec_str(r, name);
}

/* Reads the next n strings of a record into *b (each NUL-terminated),
 * their offsets into off (-1: NULL). 0, or -1 if the file ends early. */
static int
rec_read_strs(FILE *f, char **b, size_t *cap, long long *off, size_t n)
{
	size_t used = 0;

	for (size_t i = 0; i < n; i++) {
		uint32_t len;

		if (fread(&len, sizeof(len), 1, f) != 1)
			return -1;
		if (len == REC_NULL) {
			off[i] = -1;
			continue;
		}
		if (used + len + 1 > *cap) {
			*cap = 2 * (used + len + 1);
			*b = xrealloc(*b, *cap);
		}
		if (len > 0 && fread(*b + used, 1, len, f) != len)
			return -1;
		(*b)[used + len] = '\0';
		off[i] = (long long)used;
		used += len + 1;
	}
	return 0;
}

/* Hands what r recorded to the run's sink and tally, in its order (in
 * the thread whose turn it is); r->failed if it cannot be read back. */
static void
rec_hand_on(struct check_rec *r)
{
	long long off[REC_FIELDS];
	char *b = NULL;
	size_t cap = 0;
	int kind;

	if (r->failed || fflush(r->f) != 0 || ferror(r->f) ||
	    fseek(r->f, 0, SEEK_SET) != 0)
		goto fail;
	while ((kind = getc(r->f)) != EOF) {
		int st = getc(r->f), overdue = 0;
		int32_t unit = -1;
		struct finding f;

		if (st < 0 || st >= ST__COUNT ||
		    (kind == REC_FINDING &&
		     ((overdue = getc(r->f)) == EOF ||
		      fread(&unit, sizeof(unit), 1, r->f) != 1 ||
		      unit >= (int32_t)r->m->nunits)) ||
		    (kind != REC_FINDING && kind != REC_TALLY) ||
		    rec_read_strs(r->f, &b, &cap, off,
				  kind == REC_FINDING ? REC_FIELDS : 2) < 0)
			goto fail;
		if (kind == REC_TALLY) {
			r->o->tally(
			    r->o->tally_arg, -1, off[0] < 0 ? NULL : b + off[0],
			    off[1] < 0 ? NULL : b + off[1], (enum fstatus)st);
			continue;
		}
		memset(&f, 0, sizeof(f));
		for (size_t i = 0; i < REC_FIELDS; i++)
			*(const char **)((char *)&f + rec_fields[i]) =
			    off[i] < 0 ? NULL : b + off[i];
		f.status = (enum fstatus)st;
		f.overdue = overdue;
		/* the model's text of the unit (the same), as emit_v passes
		 * it: the sink may know it by its address */
		f.unit_ix = -1;
		if (unit >= 0 && f.unit != NULL) {
			f.unit = r->m->units[unit].uscc;
			f.unit_ix = unit;
		}
		r->out->emit(r->out->arg, &f);
	}
	free(b);
	return;
fail:
	free(b);
	r->failed = 1;
}

/* At the end, in the thread that has the sink: hands on what r still
 * holds. 0, or -1 with e set if it could not be recorded or read back. */
static int
rec_finish(struct check_rec *r, struct err *e)
{
	if (!r->direct)
		rec_hand_on(r);
	r->direct = 1;
	if (!r->failed)
		return 0;
	err_set(e, "cannot record the findings of the second thread "
		   "(temporary file)");
	return -1;
}

/*
 * Emits a finding of unit (of application a, if not NULL, whose unit's
 * model entry uk is: then unit is not read, nor uk until the finding is
 * built, and the finding is counted with a until check_fold); returns the
 * status it was given (an attestation decides what the rule could not,
 * and a person's "fail" overrides a rule's "pass"; a rule's "fail"
 * stands).
 */
static enum fstatus VPRINTF_LIKE(8)
    emit_v(struct check_ctx *c, enum fstatus st, const char *otype,
	   const char *object, const char *unit, const struct m_app *a,
	   const char *fix, const char *fmt, va_list ap)
{
	struct finding f;
	const struct m_attest *t = NULL;
	const struct m_unit *u;
	const struct m_ack *k = NULL;
	const struct m_unit *uk = a != NULL ? a->u : NULL;
	char key[512];
	long long idx;
	int wanted, overdue = 0;
	va_list cp;

	if (st == ST_UNKNOWN || st == ST_PASS)
		t = attestation(c, c->rule->requirement, object);
	if (t != NULL && st == ST_PASS && strcmp(t->verdict, "fail") != 0)
		t = NULL; /* the rule's pass stands */
	if (t != NULL)
		st = strcmp(t->verdict, "pass") == 0 ? ST_PASS : ST_FAIL;
	if (uk != NULL && c->o->units != NULL)
		unit = uk->uscc;
	/* A scoped run neither shows nor counts other units' findings. */
	if (c->o->units != NULL &&
	    (unit == NULL || map_get(c->o->units, unit, &idx) < 0))
		return st;
	/* the application's unit (check_emit_app), else the last one or
	 * the one after it (a rule going through the units): look it up
	 * only when it is neither */
	u = c->last_unit;
	if (uk != NULL)
		u = uk;
	else if (unit != NULL && u != NULL && u->uscc != unit &&
		 u + 1 < c->m->units + c->m->nunits && u[1].uscc == unit)
		u = c->last_unit = u + 1;
	else if (unit != NULL &&
		 (u == NULL || (u->uscc != unit && strcmp(u->uscc, unit) != 0)))
		u = c->last_unit = model_unit(c->m, unit);
	else if (unit == NULL)
		u = NULL;
	/* Most findings are only counted (passes, what does not apply):
	 * the finding is built only for the sink. */
	wanted = c->sink != NULL && c->sink->emit != NULL &&
		 (c->sink->want == 0 || (c->sink->want & (1u << st)));
	if (c->m->nacks > 0 && (wanted || st == ST_FAIL) &&
	    str_fmt(key, sizeof(key), "%s\t%s", c->rule->id, object) >= 0 &&
	    map_get(&c->m->ack_idx, key, &idx) == 0) {
		k = &c->m->acks[idx];
		overdue = st == ST_FAIL && strcmp(k->due, c->today) < 0;
	}
	c->sum->count[st]++;
	if (c->req != NULL) {
		c->req->count[st]++;
		if (t != NULL)
			c->req->attested++;
		else if (st != ST_UNKNOWN && c->obs != NULL &&
			 strcmp(c->obs, c->req->observed) > 0)
			str_copy(c->req->observed, c->obs,
				 sizeof(c->req->observed));
	}
	if (overdue)
		c->sum->overdue++;
	/* by unit, handed over at the end (check_run): one call per
	 * finding to a table of 100,000 units cost as much as the rules;
	 * an application's by application first (the rules go through
	 * them in order, their units are all over the table) */
	if (c->o->tally != NULL && uk != NULL && c->atally != NULL)
		c->atally[a - c->m->apps][st]++;
	else if (c->o->tally != NULL && u != NULL)
		(c->utally != NULL ? c->utally[u - c->m->units]
				   : c->m->units[u - c->m->units].tally)[st]++;
	else if (c->o->tally != NULL && c->rec != NULL)
		rec_tally(c->rec, unit, NULL, st);
	else if (c->o->tally != NULL)
		c->o->tally(c->o->tally_arg, -1, unit, NULL, st);
	if (!wanted)
		return st;
	if (uk != NULL)
		unit = uk->uscc;
	memset(&f, 0, sizeof(f));
	f.rule = c->rule->id;
	f.requirement = c->rule->requirement;
	f.title = c->rule->title;
	f.title_zh = c->rule->title_zh;
	f.status = st;
	f.object = object;
	f.object_type = otype;
	f.unit = unit;
	f.unit_name = u != NULL ? u->name : NULL;
	f.unit_ix = u != NULL ? (long)(u - c->m->units) : -1;
	f.fix = st == ST_PASS || st == ST_NA || fix == NULL ? "" : fix;
	if (t != NULL) {
		f.judged_by = "attestation";
		f.reviewer = t->reviewer;
		f.attested = t->date;
		f.expires = t->expires;
		if (st == ST_FAIL)
			f.fix = "correct what the reviewer found, then record "
				"a new attestation (govsec attest)";
	} else if (st == ST_UNKNOWN) {
		f.judged_by = "none";
	} else if (c->obs != NULL) {
		f.judged_by = "observation";
		f.observed = c->obs;
	} else {
		f.judged_by = "rule";
	}
	if (k != NULL) {
		f.owner = k->owner;
		f.due = k->due;
		f.note = k->note;
		f.overdue = overdue;
	}
	if (c->rec != NULL)
		c->rec->unit = u != NULL ? (long)(u - c->m->units) : -1;
	buf_reset(&c->ev);
	if (t != NULL)
		buf_printf(&c->ev, "attested by %s on %s, expires %s: %s; ",
			   t->reviewer, t->date, t->expires, t->evidence);
	va_copy(cp, ap);
	if (buf_vprintf(&c->ev, fmt, ap) < 0)
		buf_addstr(&c->ev, "(evidence too long)");
	f.evidence = c->ev.data ? c->ev.data : "";
	/* The Chinese, where the catalogue (zh.c) has it: all or nothing
	 * (and nothing for a sink that shows none). */
	buf_reset(&c->ev_zh);
	if (t != NULL && !c->o->no_zh)
		buf_printf(&c->ev_zh, "%s于%s核实（有效期至%s）：%s；",
			   t->reviewer, t->date, t->expires, t->evidence);
	if (!c->o->no_zh && zh_vformat(&c->ev_zh, fmt, cp) == 0)
		f.evidence_zh = c->ev_zh.data;
	va_end(cp);
	buf_reset(&c->fix_zh);
	if (c->o->no_zh)
		f.fix_zh = NULL;
	else if (*f.fix == '\0')
		f.fix_zh = "";
	else if (zh_text(&c->fix_zh, f.fix) == 0)
		f.fix_zh = c->fix_zh.data;
	c->sink->emit(c->sink->arg, &f);
	return st;
}

void
check_emit(struct check_ctx *c, enum fstatus st, const char *otype,
	   const char *object, const char *unit, const char *fix,
	   const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit_v(c, st, otype, object, unit, NULL, fix, fmt, ap);
	va_end(ap);
}

void
check_emit_app(struct check_ctx *c, struct m_app *a, enum fstatus st,
	       const char *fix, const char *fmt, ...)
{
	long long overdue = c->sum->overdue;
	va_list ap;

	if (a->u != NULL)
		c->last_unit = a->u; /* its unit, known already */
	va_start(ap, fmt);
	/* its unit's entry: read only for a finding that is built */
	st = emit_v(c, st, "application", a->id, a->unit, a, fix, fmt, ap);
	va_end(ap);
	if (c->acount != NULL) {
		struct app_count *k = &c->acount[a - c->m->apps];

		k->fails += st == ST_FAIL;
		k->unknowns += st == ST_UNKNOWN;
		k->overdue += c->sum->overdue > overdue;
		return;
	}
	if (st == ST_FAIL)
		a->fails++;
	else if (st == ST_UNKNOWN)
		a->unknowns++;
	if (c->sum->overdue > overdue)
		a->overdue++;
}

/* The kind of object id names and the unit it belongs to. */
static const char *
object_of(struct check_ctx *c, const char *id, const char **unit)
{
	const struct m_app *a = model_app(c->m, id);

	if (a != NULL) {
		*unit = a->unit;
		return "application";
	}
	if (model_unit(c->m, id) != NULL) {
		*unit = id;
		return "unit";
	}
	for (size_t i = 0; i < c->m->ngrants; i++)
		if (strcmp(c->m->grants[i].id, id) == 0) {
			*unit = c->m->grants[i].owner;
			return "grant";
		}
	for (size_t i = 0; i < c->m->noutsourcers; i++)
		if (strcmp(c->m->outsourcers[i].id, id) == 0) {
			*unit = c->m->outsourcers[i].unit;
			return "outsourcer";
		}
	*unit = NULL;
	return "object";
}

void
rule_attested(struct check_ctx *c)
{
	const char *req = c->rule->requirement;
	struct map covered; /* units with an attestation of req in force */
	long long idx;
	char key[512];

	map_init(&covered);
	for (size_t i = 0; i < c->m->nattests; i++) {
		const struct m_attest *t = &c->m->attests[i];
		const char *unit, *type;

		/* the newest of each object, in force */
		if (strcmp(t->requirement, req) != 0 ||
		    attestation(c, req, t->object) != t)
			continue;
		/* a rule judged it (emit_v applied the attestation) */
		if (c->judged.len > 0 &&
		    str_fmt(key, sizeof(key), "%s\t%s", req, t->object) >= 0 &&
		    map_get(&c->judged, key, &idx) == 0)
			continue;
		type = object_of(c, t->object, &unit);
		/* an object removed since is judged no more */
		if (strcmp(type, "object") == 0 || !check_wants(c, unit))
			continue;
		/* emit_v finds the attestation and says who attested */
		check_emit(c, ST_UNKNOWN, type, t->object, unit, NULL,
			   "no rule examines %s", req);
		if (unit != NULL)
			map_put(&covered, unit, 1, NULL);
	}
	/* Judged only where a person looked: every unit in scope needs an
	 * attestation of its own (one unit's says nothing of another's). */
	for (size_t i = 0; c->req != NULL && i < c->m->nunits &&
			   map_get(&c->judged, req, &idx) < 0;
	     i++) {
		const char *u = c->m->units[i].uscc;

		if (!check_wants(c, u) ||
		    (c->o->units != NULL && map_get(c->o->units, u, &idx) < 0))
			continue;
		if (map_get(&covered, u, &idx) < 0)
			c->req->unjudged_units++;
	}
	map_cleanup(&covered);
}

int
check_attestable(const char *id)
{
	for (size_t i = 0; i < ARRAY_SIZE(catalogue); i++)
		if (strcmp(catalogue[i].id, id) == 0)
			return catalogue[i].kind == RK_RULE ||
			       catalogue[i].kind == RK_PERSON;
	return 0;
}

enum check_verdict
check_verdict(const struct check_summary *sum)
{
	if (sum->count[ST_FAIL] > 0)
		return V_FAILING;
	/* nreq 0: the run did not finish */
	if (sum->count[ST_UNKNOWN] > 0 || sum->not_judged > 0 || sum->nreq == 0)
		return V_INCOMPLETE;
	return V_COMPLIANT;
}

const char *
check_verdict_str(enum check_verdict v)
{
	return v == V_COMPLIANT ? "compliant"
	       : v == V_FAILING ? "failing"
				: "incomplete";
}

/* The requirement's verdict and what judged it, from its counts. */
static void
req_finish(struct check_summary *sum, struct check_req *q, enum req_kind k)
{
	long long decided = q->count[ST_PASS] + q->count[ST_FAIL] +
			    q->count[ST_NA] - q->attested;

	if (k == RK_NODUTY) {
		q->verdict = "not_applicable";
		q->judged_by = "none";
		return;
	}
	if (k == RK_ENTRY) {
		q->verdict = "pass";
		q->judged_by = "rule";
		return;
	}
	q->judged_by = *q->observed != '\0'	  ? "observation"
		       : decided > 0		  ? "rule"
		       : q->attested > 0	  ? "attestation"
		       : q->count[ST_UNKNOWN] > 0 ? "none"
		       : k == RK_RULE ? "rule" /* nothing in scope */
				      : "none";
	if (q->count[ST_FAIL] > 0)
		q->verdict = "fail";
	else if (q->count[ST_UNKNOWN] > 0)
		q->verdict = "unknown";
	else if (k == RK_PERSON && q->unjudged_units > 0)
		q->verdict = "not_judged";
	else if (q->count[ST_PASS] > 0)
		q->verdict = "pass";
	else if (k == RK_PERSON)
		q->verdict = "not_judged";
	else
		q->verdict = "not_applicable";
	if (strcmp(q->verdict, "not_judged") == 0)
		sum->not_judged++;
}

/* 1 if unit uscc is examined: the --unit filter and the account's. */
static int
unit_in_scope(struct check_ctx *c, const char *uscc)
{
	long long idx;

	return uscc != NULL && check_wants(c, uscc) &&
	       (c->o->units == NULL || map_get(c->o->units, uscc, &idx) == 0);
}

/* What the run examines, and when. */
static void
scope_fill(struct check_ctx *c, struct check_scope *s)
{
	time_fmt(c->now, s->at, sizeof(s->at));
	str_copy(s->date, c->today, sizeof(s->date));
	if (c->o->unit != NULL)
		str_copy(s->unit, c->o->unit, sizeof(s->unit));
	s->scoped = c->o->units != NULL;
	s->rules = ARRAY_SIZE(rules);
	for (size_t i = 0; i < c->m->nunits; i++)
		s->units += unit_in_scope(c, c->m->units[i].uscc);
	for (size_t i = 0; i < c->m->napps; i++)
		s->apps += app_open(c, &c->m->apps[i]) &&
			   unit_in_scope(c, c->m->apps[i].unit);
}

/* The catalogue entry of requirement id (every rule's is there). */
static struct check_req *
req_of(struct check_summary *sum, const char *id)
{
	for (size_t i = 0; i < sum->nreq; i++)
		if (strcmp(sum->req[i].id, id) == 0)
			return &sum->req[i];
	return NULL;
}

/* The context rules run in (on the store st, counting into sum). */
static void
ctx_init(struct check_ctx *c, struct model *m, const struct check_opts *o,
	 const struct check_sink *sink, struct check_summary *sum,
	 struct store *st, time_t now)
{
	memset(c, 0, sizeof(*c));
	c->m = m;
	c->o = o;
	c->sink = sink;
	c->sum = sum;
	c->st = st;
	c->now = now;
	buf_init(&c->ev, 64 * 1024);
	buf_init(&c->ev_zh, 64 * 1024);
	buf_init(&c->fix_zh, 8 * 1024);
	time_fmt_date(now + CHECK_UTC_OFFSET, c->today, sizeof(c->today));
	c->apps_to = m->napps;
	if (o->tally != NULL)
		c->atally = big_zalloc((m->napps + 1) * sizeof(*c->atally));
	map_init(&c->att_idx);
	map_init(&c->judged);
	for (size_t i = m->nattests; i-- > 0;) {
		char *key =
		    arena_printf(&m->a, "%s\t%s", m->attests[i].requirement,
				 m->attests[i].object);

		map_put(&c->att_idx, key, (long long)i, NULL); /* newest wins */
	}
}

static void
ctx_cleanup(struct check_ctx *c)
{
	map_cleanup(&c->att_idx);
	map_cleanup(&c->judged);
	buf_cleanup(&c->ev);
	buf_cleanup(&c->ev_zh);
	buf_cleanup(&c->fix_zh);
	map_cleanup(&c->insp_latest);
	check_link_free(c);
	check_gate_free(c);
	big_grow_free(c->utally, (c->m->nunits + 1) * sizeof(*c->utally));
	big_grow_free(c->atally, (c->m->napps + 1) * sizeof(*c->atally));
	big_grow_free(c->acount, (c->m->napps + 1) * sizeof(*c->acount));
}

/* Runs rules [from, to) in c. */
static void
run_rules(struct check_ctx *c, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++) {
		c->rule = &rules[i];
		c->req = req_of(c->sum, rules[i].requirement);
		rules[i].run(c);
	}
}

static size_t
rule_index(const char *id)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rules) && strcmp(rules[i].id, id) != 0; i++)
		;
	return i;
}

/* The second thread: its rules, its context, its records. */
struct worker {
	struct check_ctx c;
	struct check_summary sum;
	struct check_sink sink;
	struct check_rec rec;
	size_t from, to;
	int branched; /* its sink is a branch of the run's */
	pthread_t th;
	int started; /* th runs it; else the first thread does */
	/* the sink is handed on: by the first thread when the rules before
	 * the second's are done (first), by the second when it has handed
	 * on all of its own (second) */
	atomic_int first, second;
};

/* Adds what c counted by application to its units' counts (c->utally,
 * else the model's), once its rules are done. */
static void
check_fold(struct check_ctx *c)
{
	const struct model *m = c->m;

	if (c->atally == NULL)
		return;
	for (size_t i = 0; i < m->napps; i++) {
		const struct m_unit *u = m->apps[i].u;
		long long *t;

		if (u == NULL)
			continue;
		t = c->utally != NULL ? c->utally[u - m->units]
				      : m->units[u - m->units].tally;
		for (int k = 0; k < ST__COUNT; k++)
			t[k] += c->atally[i][k];
	}
	memset(c->atally, 0, m->napps * sizeof(*c->atally));
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;

	run_rules(&w->c, w->from, w->to);
	check_fold(&w->c);
	/* all handed on already (its turn came): the first thread's next */
	if (rec_take(&w->rec))
		atomic_store_explicit(&w->second, 1, memory_order_release);
	return NULL;
}

/* Adds what the second thread counted to what the first did. */
static void
worker_merge(struct check_ctx *c, const struct worker *w)
{
	struct model *m = c->m;

	for (size_t i = 0; i < m->nunits; i++)
		for (int k = 0; k < ST__COUNT; k++)
			m->units[i].tally[k] += w->c.utally[i][k];
	for (size_t i = 0; i < m->napps; i++) {
		m->apps[i].fails += w->c.acount[i].fails;
		m->apps[i].unknowns += w->c.acount[i].unknowns;
		m->apps[i].overdue += w->c.acount[i].overdue;
	}
	for (int k = 0; k < ST__COUNT; k++)
		c->sum->count[k] += w->sum.count[k];
	c->sum->overdue += w->sum.overdue;
	for (size_t i = 0; i < c->sum->nreq; i++) {
		struct check_req *q = &c->sum->req[i];
		const struct check_req *wq = &w->sum.req[i];

		for (int k = 0; k < ST__COUNT; k++)
			q->count[k] += wq->count[k];
		q->attested += wq->attested;
		q->unjudged_units += wq->unjudged_units;
		if (strcmp(wq->observed, q->observed) > 0)
			str_copy(q->observed, wq->observed,
				 sizeof(q->observed));
	}
}

/*
 * A second thread for rules [from, to), reading through twin (the same
 * snapshot), its counts kept apart and its findings recorded (check_rec),
 * or rendered into a branch of a sink that branches (then its records
 * keep only the tallies of findings of unregistered units); SUP-1 there
 * goes through the applications from apps_from on; it takes what pre
 * read for it (if not NULL). NULL if it cannot record (no temporary
 * file).
 */
static struct worker *
worker_new(struct check_ctx *c, struct store *twin, struct check_ctx *pre,
	   size_t from, size_t to, size_t apps_from, int branched)
{
	const struct check_sink *sink = c->sink;
	struct worker *w = xcalloc(1, sizeof(*w));

	w->rec.f = tmpfile();
	if (w->rec.f == NULL) {
		free(w);
		return NULL;
	}
	setvbuf(w->rec.f, NULL, _IOFBF, 1 << 16);
	atomic_init(&w->first, 0);
	atomic_init(&w->second, 0);
	w->rec.out = sink;
	w->rec.o = c->o;
	w->rec.m = c->m;
	w->rec.unit = -1;
	w->rec.turn = branched ? NULL : &w->first;
	/* the catalogue, nothing counted */
	w->sum = *c->sum;
	memset(w->sum.count, 0, sizeof(w->sum.count));
	w->sum.overdue = 0;
	for (size_t i = 0; i < w->sum.nreq; i++) {
		struct check_req *q = &w->sum.req[i];

		memset(q->count, 0, sizeof(q->count));
		q->attested = q->unjudged_units = 0;
		*q->observed = '\0';
	}
	w->sink = (struct check_sink){
	    sink != NULL && sink->emit != NULL ? rec_emit : NULL, &w->rec,
	    sink != NULL ? sink->want : 0, NULL, NULL};
	if (branched) {
		w->sink.emit = sink->emit;
		w->sink.arg = sink->branch(sink->arg);
		if (w->sink.arg == NULL) {
			fclose(w->rec.f);
			free(w);
			return NULL;
		}
	}
	ctx_init(&w->c, c->m, c->o, sink != NULL ? &w->sink : NULL, &w->sum,
		 twin, c->now);
	w->c.rec = &w->rec;
	if (pre != NULL) {
		w->c.link = pre->link;
		w->c.insp_latest = pre->insp_latest;
		w->c.insp_loaded = pre->insp_loaded;
		pre->link = NULL;
		pre->insp_loaded = 0;
		map_init(&pre->insp_latest);
	}
	w->c.apps_from = apps_from;
	w->c.utally = big_zalloc((c->m->nunits + 1) * sizeof(*w->c.utally));
	w->c.acount = big_zalloc((c->m->napps + 1) * sizeof(*w->c.acount));
	w->from = from;
	w->to = to;
	w->branched = branched;
	w->started = pthread_create(&w->th, NULL, worker_main, w) == 0;
	return w;
}

/* The first thread is done with what comes before w's findings: runs w
 * here if it could not start, then waits for it, merges its counts, puts
 * its findings after the first thread's and frees it. 0, or -1 with e
 * set if its records could not be read back. */
static int
worker_end(struct check_ctx *c, struct worker *w, struct err *e)
{
	int rc;

	atomic_store_explicit(&w->first, 1, memory_order_release);
	if (!w->started)
		worker_main(w);
	else
		pthread_join(w->th, NULL);
	worker_merge(c, w);
	if (w->branched)
		c->sink->join(c->sink->arg, w->sink.arg);
	/* what it still holds (it ended before its turn) */
	rc = rec_finish(&w->rec, e);
	ctx_cleanup(&w->c);
	fclose(w->rec.f);
	free(w);
	return rc;
}

/* 1 if findings for sink can be rendered in branches (check_sink). */
static int
sink_branches(const struct check_sink *sink)
{
	return sink != NULL && sink->emit != NULL && sink->branch != NULL &&
	       sink->join != NULL;
}

/*
 * Runs every rule on two threads, the second reading through twin (the
 * same snapshot): it takes the rules from NAME-1 to SEC-2 (the names,
 * e-certificates, and what reads the inspections and probes, which share
 * what they read), the first the others (the gate's rules share theirs):
 * about even halves on 100,000 units. What they emit reaches the sink in
 * rule order. A sink that branches (the text and HTML reports) takes the
 * first thread's rules before the second's directly, the second's and
 * the first thread's after them in a branch each, joined in that order
 * at the end. Otherwise the first thread's rules before the second's go
 * to the sink directly; the second's are recorded (check_rec) until those
 * are done, then handed on and emitted directly; the first thread's rules
 * after the second's likewise wait for the second to finish. The counts
 * by unit and application are merged before the last rule (SUP-1, which
 * reads them), which then runs on two threads too: the second takes the
 * second half of the applications, its findings after the first's. 1 if
 * it could not start (no temporary file: run them on one thread), 0 when
 * done, -1 with e set.
 */
static int
run_two(struct check_ctx *c, struct store *twin, struct check_ctx *pre,
	struct err *e)
{
	size_t from = rule_index("name.unit-first"),
	       to = rule_index("sec.staff-access"),
	       last = ARRAY_SIZE(rules) - 1;
	const struct check_sink *sink = c->sink;
	struct check_sink mine_sink;
	struct check_rec mine;
	struct worker *w;
	int branched = sink_branches(sink), rc;

	if (from >= to || to > last)
		return 1;
	memset(&mine, 0, sizeof(mine));
	if ((mine.f = tmpfile()) == NULL)
		return 1;
	mine_sink = (struct check_sink){
	    sink != NULL && sink->emit != NULL ? rec_emit : NULL, &mine,
	    sink != NULL ? sink->want : 0, NULL, NULL};
	if (branched) {
		mine_sink.emit = sink->emit;
		mine_sink.arg = sink->branch(sink->arg);
	}
	/* with the inspections read for it while the applications loaded */
	w = mine_sink.arg != NULL
		? worker_new(c, twin, pre, from, to, 0, branched)
		: NULL;
	if (w == NULL) {
		if (branched && mine_sink.arg != NULL)
			sink->join(sink->arg, mine_sink.arg); /* empty */
		fclose(mine.f);
		return 1;
	}
	setvbuf(mine.f, NULL, _IOFBF, 1 << 16);
	mine.out = sink;
	mine.o = c->o;
	mine.m = c->m;
	mine.unit = -1;
	mine.turn = branched ? NULL : &w->second;
	run_rules(c, 0, from);
	/* the sink is the second thread's now; this one's next findings
	 * are recorded until it hands the sink back */
	c->sink = sink != NULL ? &mine_sink : NULL;
	c->rec = &mine;
	atomic_store_explicit(&w->first, 1, memory_order_release);
	run_rules(c, to, last);
	c->sink = sink;
	c->rec = NULL;
	rc = worker_end(c, w, e);
	if (branched)
		sink->join(sink->arg, mine_sink.arg);
	/* then this one's */
	if (rec_finish(&mine, e) < 0)
		rc = -1;
	fclose(mine.f);
	if (rc < 0)
		return rc;
	/* SUP-1 over the second half of the applications */
	w = worker_new(c, twin, NULL, last, last + 1, c->m->napps / 2,
		       branched);
	if (w != NULL)
		c->apps_to = c->m->napps / 2;
	run_rules(c, last, last + 1);
	c->apps_to = c->m->napps;
	if (w != NULL)
		rc = worker_end(c, w, e);
	return rc;
}

/* model_load's meanwhile: the second thread's inspections. */
static void
preload(void *arg)
{
	check_link_preload(arg);
}

/* Frees what preload read if run_two did not take it. */
static void
pre_cleanup(struct check_ctx *pre)
{
	map_cleanup(&pre->insp_latest);
	check_link_free(pre);
}

/* 1 if the sink takes passing or not applicable findings (most of a
 * run's): recording those for a second thread would cost more than it
 * saves, unless the sink branches. */
static int
sink_takes_most(const struct check_sink *sink)
{
	return sink != NULL && sink->emit != NULL &&
	       (sink->want == 0 ||
		(sink->want & (1u << ST_PASS | 1u << ST_NA)) != 0);
}

int
check_run(struct store *st, const struct check_opts *o,
	  const struct check_sink *sink, struct check_summary *sum,
	  struct err *e)
{
	struct model m;
	struct check_ctx c;
	struct store *twin = NULL;
	struct check_ctx pre;
	time_t now = o->now ? o->now : time_now();
	int two = o->threads == 2 ||
		  (o->threads == 0 && o->unit == NULL &&
		   (!sink_takes_most(sink) || sink_branches(sink)));
	int rc = 1;

	memset(sum, 0, sizeof(*sum));
	/* APP-1 needs the platform list: no list, no verdicts. */
	if (platforms_ready(e) < 0)
		return -1;
	/* One read transaction: a consistent view, one file lock; a second
	 * connection on the same snapshot for a second thread. */
	store_read_hint(st, 1);
	if ((two ? store_begin_read_twin(st, &twin, e)
		 : store_begin_read(st, e)) < 0) {
		store_read_hint(st, 0);
		return -1;
	}
	if (twin != NULL)
		store_read_hint(twin, 1);
	/* the second thread's inspections read while the applications
	 * load (the first thread has less to read) */
	memset(&pre, 0, sizeof(pre));
	pre.o = o;
	pre.st = st;
	pre.now = now;
	if (model_load(&m, st, twin, twin != NULL ? preload : NULL, &pre, e) <
	    0)
		goto fail;
	if (o->unit != NULL && model_unit(&m, o->unit) == NULL) {
		err_set(e, "unit '%s' is not registered", o->unit);
		goto fail;
	}
	ctx_init(&c, &m, o, sink, sum, st, now);
	scope_fill(&c, &sum->scope);
	sum->nreq = ARRAY_SIZE(catalogue);
	for (size_t i = 0; i < ARRAY_SIZE(catalogue); i++) {
		struct check_req *q = &sum->req[i];

		q->id = catalogue[i].id;
		q->title = catalogue[i].title;
		q->title_zh = catalogue[i].title_zh;
		q->note = catalogue[i].note;
		for (size_t k = 0; q->title == NULL && k < ARRAY_SIZE(rules);
		     k++)
			if (strcmp(rules[k].requirement, q->id) == 0) {
				q->title = rules[k].title;
				q->title_zh = rules[k].title_zh;
			}
	}
	if (twin != NULL)
		rc = run_two(&c, twin, &pre, e);
	if (rc < 0) {
		ctx_cleanup(&c);
		goto fail;
	}
	if (rc > 0)
		run_rules(&c, 0, ARRAY_SIZE(rules));
	/* What no rule examines: the attestations of a person. */
	for (size_t i = 0; i < ARRAY_SIZE(catalogue); i++) {
		struct rule_def d = {catalogue[i].rule, catalogue[i].id,
				     sum->req[i].title, sum->req[i].title_zh,
				     rule_attested};

		if (catalogue[i].kind != RK_PERSON)
			continue;
		c.rule = &d;
		c.req = &sum->req[i];
		rule_attested(&c);
	}
	c.rule = NULL;
	check_fold(&c);
	for (size_t i = 0; o->tally != NULL && i < m.nunits; i++)
		for (int k = 0; k < ST__COUNT; k++) {
			const struct m_unit *u = &m.units[i];

			if (u->tally[k] > 0 && o->tally_n != NULL)
				o->tally_n(o->tally_arg, (long)i, u->uscc,
					   u->name, (enum fstatus)k,
					   u->tally[k]);
			else
				for (long long n = 0; n < u->tally[k]; n++)
					o->tally(o->tally_arg, (long)i, u->uscc,
						 u->name, (enum fstatus)k);
		}
	for (size_t i = 0; i < ARRAY_SIZE(catalogue); i++)
		req_finish(sum, &sum->req[i], catalogue[i].kind);
	ctx_cleanup(&c);
	pre_cleanup(&pre);
	if (twin != NULL) {
		store_commit(twin, NULL);
		store_free(twin);
	}
	store_commit(st, NULL); /* ends the read transaction */
	store_read_hint(st, 0);
	model_free(&m);
	return 0;
fail:
	pre_cleanup(&pre);
	if (twin != NULL) {
		store_rollback(twin);
		store_free(twin);
	}
	store_rollback(st);
	store_read_hint(st, 0);
	model_free(&m);
	return -1;
}

int
check_ack(struct store *st, const char *rule, const char *object,
	  const char *owner, const char *due, const char *note,
	  const char *actor, struct err *e)
{
	struct store_val v[6];
	char now[32], after[AUDIT_HASH_HEX], what[512];
	struct buf b = BUF_INIT(8192);
	int known = 0;

	for (size_t i = 0; i < ARRAY_SIZE(rules); i++)
		if (strcmp(rules[i].id, rule) == 0)
			known = 1;
	if (!known) {
		err_set(e, "rule '%s' does not exist (see govsec rules)", rule);
		return -1;
	}
	if (!time_is_date(due)) {
		err_set(e, "due date '%s' is not a date as YYYY-MM-DD", due);
		return -1;
	}
	/* Shown in one-line reports: no line breaks or controls. */
	if (*owner == '\0' || strlen(owner) > 200 || strlen(object) > 200 ||
	    (note != NULL && strlen(note) > 2000) ||
	    !str_utf8_valid(owner, strlen(owner)) ||
	    strpbrk(owner, "\t\r\n") != NULL ||
	    (note != NULL && (!str_utf8_valid(note, strlen(note)) ||
			      strpbrk(note, "\t\r\n") != NULL))) {
		err_set(e, "owner, object or note is empty, too long or not "
			   "valid UTF-8");
		return -1;
	}
	v[0] = SV_TEXT(object);
	v[1] = v[0];
	v[2] = v[0];
	v[3] = v[0];
	if (store_query_int(st,
			    "SELECT (SELECT count(*) FROM apps WHERE id = ?) + "
			    "(SELECT count(*) FROM grants WHERE id = ?) + "
			    "(SELECT count(*) FROM outsourcers WHERE id = ?) + "
			    "(SELECT count(*) FROM units WHERE uscc = ?)",
			    v, 4, 0) == 0) {
		err_set(e,
			"'%s' is no registered application, grant, "
			"outsourcing unit or unit",
			object);
		return -1;
	}
	time_fmt(time_now(), now, sizeof(now));
	v[0] = SV_TEXT(rule);
	v[1] = SV_TEXT(object);
	v[2] = SV_TEXT(owner);
	v[3] = SV_TEXT(due);
	v[4] = SV_TEXT(note);
	v[5] = SV_TEXT(now);
	buf_printf(&b, "%s\t%s\t%s\t%s\t%s", rule, object, owner, due,
		   note ? note : "");
	audit_digest(b.data, b.len, after);
	buf_cleanup(&b);
	str_fmt(what, sizeof(what), "finding:%s@%s", rule, object);
	if (store_begin(st, e) < 0)
		return -1;
	if (store_exec(st,
		       "INSERT INTO finding_acks(rule, object, owner, due, "
		       "note, acked) VALUES (?,?,?,?,?,?) ON CONFLICT(rule, "
		       "object) DO UPDATE SET owner = excluded.owner, due = "
		       "excluded.due, note = excluded.note, acked = "
		       "excluded.acked",
		       v, 6, e) < 0 ||
	    audit_append(st, actor, "finding.ack", what, NULL, after, e) < 0) {
		store_rollback(st);
		return -1;
	}
	return store_commit(st, e);
}
