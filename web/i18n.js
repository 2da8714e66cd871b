/*
 * i18n.js: the console's labels in Chinese and English, and the requirement
 * catalogue (REQUIREMENTS.md IDs with short bilingual titles). Pure data and
 * lookups; trusts nothing it is given (parameters are inserted as text by the
 * caller, never as markup). Loaded before app.js; exposes window.GovsecI18n.
 */
(function () {
	'use strict';

	var STORAGE_KEY = 'govsec.lang';

	var L = {
		en: {
			'app.title': 'govsec console',
			'app.subtitle': 'Internet Government Application Security',
			'app.skip': 'Skip to content',
			'app.loading': 'Loading…',
			'app.footer': 'govsec — self-examination under the Regulations on the Security Management of Internet Government Applications',
			'lang.toggle': '中文',
			'lang.toggle.label': 'Switch to Chinese (切换到中文)',
			'nav.label': 'Main navigation',
			'nav.dashboard': 'Dashboard',
			'nav.units': 'Units',
			'nav.applications': 'Applications',
			'nav.findings': 'Self-examination',
			'nav.audit': 'Audit trail',
			'user.signed_in': 'Signed in as {user} ({role})',
			'logout': 'Log out',

			'login.title': 'Sign in',
			'login.intro': 'Sign in to the govsec administration console.',
			'login.name': 'User name',
			'login.password': 'Password',
			'login.submit': 'Sign in',
			'login.busy': 'Signing in…',
			'login.failed': 'Wrong user name or password.',
			'login.locked': 'Too many failed attempts; the account is locked. Try again in {s} seconds.',
			'login.locked_later': 'Too many failed attempts; the account is locked. Try again later.',
			'login.error': 'Sign-in failed: {msg}',
			'login.expired': 'Your session has ended. Please sign in again.',

			'err.generic': 'Request failed ({status}): {msg}',
			'err.network': 'The server cannot be reached.',
			'err.forbidden': 'Not allowed: {msg}',
			'err.not_found': 'Not found: {msg}',

			'status.pass': 'Pass',
			'status.fail': 'Fail',
			'status.not_applicable': 'Not applicable',
			'status.unknown': 'Unknown',
			'status.overdue': 'Overdue',
			'status.any': 'All statuses',
			'status.open': 'Fail or unknown',

			'dash.title': 'Compliance dashboard',
			'dash.intro': 'Result of the latest self-examination over the registry (SUP-1).',
			'dash.summary': 'Summary of findings',
			'dash.rate': 'Pass rate',
			'dash.rate.help': 'pass ÷ (pass + fail + unknown)',
			'dash.counts': 'Registry',
			'dash.count.units': 'Units',
			'dash.count.applications': 'Applications',
			'dash.count.people': 'People',
			'dash.count.grants': 'Outsourcing grants',
			'dash.by_unit': 'By unit',
			'dash.by_requirement': 'By requirement',
			'dash.none': 'No findings yet. Import the registry and run a check.',

			'col.unit': 'Unit',
			'col.uscc': 'Credit code',
			'col.requirement': 'Requirement',
			'col.title': 'Title',
			'col.total': 'Total',
			'col.distribution': 'Distribution',
			'col.name': 'Name',
			'col.kind': 'Kind',
			'col.level': 'Level',
			'col.region': 'Region',
			'col.id': 'ID',
			'col.type': 'Type',
			'col.status': 'Status',
			'col.domains': 'Domains',
			'col.object': 'Object',
			'col.rule': 'Rule',
			'col.evidence': 'Evidence',
			'col.owner': 'Owner',
			'col.due': 'Due',
			'col.seq': 'No.',
			'col.time': 'Time (UTC+8)',
			'col.actor': 'Actor',
			'col.action': 'Action',
			'col.hash': 'Hash',
			'col.details': 'Details',

			'units.title': 'Units',
			'units.intro': 'Party and government organs and public institutions in the registry (SCOPE-1).',
			'units.none': 'No units in the registry.',
			'unit.title': 'Unit',
			'unit.record': 'Registration',
			'unit.apps': 'Applications of this unit',
			'unit.findings': 'Findings of this unit',
			'unit.apps.none': 'This unit has no applications.',

			'apps.title': 'Applications',
			'apps.intro': 'Portal websites, mobile apps, mini-programs, public accounts and e-mail systems (SCOPE-2).',
			'apps.none': 'No applications in the registry.',
			'apps.filter.unit': 'Unit',
			'app.title': 'Application',
			'app.record': 'Registration',
			'app.findings': 'Findings for this application',

			'findings.title': 'Self-examination findings',
			'findings.intro': 'Every rule over the registry; open a finding to see its evidence, how to fix it and to record rectification.',
			'findings.filters': 'Filters',
			'findings.filter.unit': 'Unit',
			'findings.filter.status': 'Status',
			'findings.filter.requirement': 'Requirement',
			'findings.filter.apply': 'Apply',
			'findings.filter.reset': 'Reset',
			'findings.any_unit': 'All units',
			'findings.any_requirement': 'All requirements',
			'findings.count': '{n} findings shown',
			'findings.none': 'No findings match the filters.',
			'findings.open': 'Open',

			'finding.title': 'Finding',
			'finding.back': '← Back to findings',
			'finding.requirement': 'Requirement',
			'finding.rule': 'Rule',
			'finding.status': 'Status',
			'finding.object': 'Object',
			'finding.unit': 'Unit',
			'finding.evidence': 'Evidence (what was seen)',
			'finding.fix': 'How to fix',
			'finding.nofix': 'Nothing to fix.',
			'finding.ack': 'Rectification',
			'finding.ack.none': 'Not acknowledged yet.',
			'finding.ack.owner': 'Responsible person',
			'finding.ack.due': 'Due date',
			'finding.ack.note': 'Note',
			'finding.ack.submit': 'Save acknowledgement',
			'finding.ack.saved': 'Acknowledgement saved.',
			'finding.ack.overdue': 'Overdue: the due date has passed and the finding still fails.',
			'finding.notfound': 'This finding is no longer reported.',

			'audit.title': 'Audit trail',
			'audit.intro': 'Tamper-evident, hash-chained log of every change and access decision (SEC-5, MON-1). Newest first.',
			'audit.verify': 'Verify chain',
			'audit.verifying': 'Verifying…',
			'audit.ok': 'Chain intact: {n} records checked; head is record {seq} ({hash}).',
			'audit.bad': 'Chain BROKEN at record {seq}: {reason}',
			'audit.more': 'Load older records',
			'audit.none': 'No audit records.',
			'audit.end': 'End of the log.',

			'objtype.application': 'application',
			'objtype.unit': 'unit',
			'objtype.grant': 'outsourcing grant',
			'objtype.outsourcer': 'outsourcing unit',
			'objtype.person': 'person',
			'yes': 'Yes',
			'no': 'No',
			'none': '—',
			'back.units': '← Back to units',
			'back.apps': '← Back to applications',

			'kind.party': 'Party organ',
			'kind.npc': "People's congress organ",
			'kind.administrative': 'Administrative organ',
			'kind.cppcc': 'CPPCC organ',
			'kind.supervisory': 'Supervisory organ',
			'kind.judicial': 'Judicial organ',
			'kind.procuratorial': 'Procuratorial organ',
			'kind.mass': 'Mass organization',
			'kind.institution': 'Public institution',
			'level.central': 'Central',
			'level.provincial': 'Provincial',
			'level.prefecture': 'Prefecture',
			'level.county': 'County',
			'level.township': 'Township',
			'type.portal': 'Portal website',
			'type.app': 'Mobile app',
			'type.miniprogram': 'Mini-program',
			'type.account': 'Public account',
			'type.email': 'E-mail system',
			'appstatus.live': 'Live',
			'appstatus.planned': 'Planned',
			'appstatus.closed': 'Closed',

			'field.uscc': 'Unified social credit code',
			'field.name': 'Name',
			'field.short_name': 'Short name',
			'field.kind': 'Kind',
			'field.level': 'Level',
			'field.region': 'Region code',
			'field.region_name': 'Region',
			'field.parent': 'Parent unit',
			'field.establishment': 'Establishment department',
			'field.id': 'ID',
			'field.unit': 'Unit',
			'field.type': 'Type',
			'field.status': 'Status',
			'field.filed': 'Filed',
			'field.domains': 'Domains',
			'field.platforms': 'Distribution platforms',
			'field.login_channels': 'Login channels',
			'field.mlps_level': 'MLPS level',
			'field.critical_infrastructure': 'Critical information infrastructure',
			'field.important_business': 'Carries important business',
			'field.last_assessment': 'Last security assessment',
			'field.last_upgrade': 'Last upgrade',
			'field.staff_functions': 'Has staff functions',
			'field.personal_safety': 'Touches personal or property safety',
			'field.outsourcer': 'Outsourcing unit',
			'field.security.mfa': 'Multi-factor authentication',
			'field.security.idle_timeout_minutes': 'Idle timeout (minutes)',
			'field.security.lockout_threshold': 'Lockout after failed logins',
			'field.security.device_binding': 'Device binding',
			'field.security.ip_segments': 'Allowed IP segments',
			'field.security.device_restriction': 'Device restriction',
			'field.security.overseas_access': 'Overseas access',
			'field.security.overseas_whitelist': 'Overseas whitelist',
			'field.security.log_retention_days': 'Log retention (days)',
			'field.security.log_backup': 'Log backup',
			'field.mail.auto_forward': 'Mail auto-forwarding',
			'field.mail.attachment_autodownload': 'Attachment auto-download',
			'field.lang': 'Language',
			'field.main': 'Main',
			'field.account': 'Account',
			'field.device': 'Device',
			'field.from': 'From',
			'field.until': 'Until',
			'field.reason': 'Reason'
		},
		zh: {
			'app.title': 'govsec 管理控制台',
			'app.subtitle': '互联网政务应用安全管理',
			'app.skip': '跳到正文',
			'app.loading': '正在加载…',
			'app.footer': 'govsec —— 依据《互联网政务应用安全管理规定》开展自查',
			'lang.toggle': 'English',
			'lang.toggle.label': '切换到英文 (Switch to English)',
			'nav.label': '主导航',
			'nav.dashboard': '仪表盘',
			'nav.units': '单位',
			'nav.applications': '政务应用',
			'nav.findings': '自查',
			'nav.audit': '审计日志',
			'user.signed_in': '当前用户：{user}（{role}）',
			'logout': '退出登录',

			'login.title': '登录',
			'login.intro': '登录 govsec 管理控制台。',
			'login.name': '用户名',
			'login.password': '密码',
			'login.submit': '登录',
			'login.busy': '正在登录…',
			'login.failed': '用户名或密码错误。',
			'login.locked': '登录失败次数过多，账号已临时锁定，请在 {s} 秒后重试。',
			'login.locked_later': '登录失败次数过多，账号已临时锁定，请稍后重试。',
			'login.error': '登录失败：{msg}',
			'login.expired': '会话已结束，请重新登录。',

			'err.generic': '请求失败（{status}）：{msg}',
			'err.network': '无法连接服务器。',
			'err.forbidden': '无权操作：{msg}',
			'err.not_found': '未找到：{msg}',

			'status.pass': '通过',
			'status.fail': '不通过',
			'status.not_applicable': '不适用',
			'status.unknown': '待核实',
			'status.overdue': '已逾期',
			'status.any': '全部状态',
			'status.open': '不通过或待核实',

			'dash.title': '合规仪表盘',
			'dash.intro': '基于登记信息的最近一次自查结果（SUP-1）。',
			'dash.summary': '检查结果汇总',
			'dash.rate': '通过率',
			'dash.rate.help': '通过 ÷（通过 + 不通过 + 待核实）',
			'dash.counts': '登记信息',
			'dash.count.units': '单位',
			'dash.count.applications': '政务应用',
			'dash.count.people': '人员',
			'dash.count.grants': '外包授权',
			'dash.by_unit': '按单位',
			'dash.by_requirement': '按条款',
			'dash.none': '暂无检查结果。请导入登记信息并运行自查。',

			'col.unit': '单位',
			'col.uscc': '统一社会信用代码',
			'col.requirement': '条款',
			'col.title': '名称',
			'col.total': '合计',
			'col.distribution': '分布',
			'col.name': '名称',
			'col.kind': '类别',
			'col.level': '层级',
			'col.region': '行政区划',
			'col.id': '标识',
			'col.type': '类型',
			'col.status': '状态',
			'col.domains': '域名',
			'col.object': '检查对象',
			'col.rule': '规则',
			'col.evidence': '证据',
			'col.owner': '责任人',
			'col.due': '整改期限',
			'col.seq': '序号',
			'col.time': '时间（北京时间）',
			'col.actor': '操作人',
			'col.action': '操作',
			'col.hash': '哈希',
			'col.details': '详情',

			'units.title': '单位',
			'units.intro': '登记的党政机关和事业单位（SCOPE-1）。',
			'units.none': '尚未登记单位。',
			'unit.title': '单位',
			'unit.record': '登记信息',
			'unit.apps': '本单位的政务应用',
			'unit.findings': '本单位的自查结果',
			'unit.apps.none': '本单位没有政务应用。',

			'apps.title': '政务应用',
			'apps.intro': '门户网站、移动应用、小程序、公众账号和互联网电子邮件系统（SCOPE-2）。',
			'apps.none': '尚未登记政务应用。',
			'apps.filter.unit': '单位',
			'app.title': '政务应用',
			'app.record': '登记信息',
			'app.findings': '本应用的自查结果',

			'findings.title': '自查结果',
			'findings.intro': '按规则逐项检查登记信息；打开一条结果可查看证据、整改方法并登记整改。',
			'findings.filters': '筛选',
			'findings.filter.unit': '单位',
			'findings.filter.status': '状态',
			'findings.filter.requirement': '条款',
			'findings.filter.apply': '筛选',
			'findings.filter.reset': '重置',
			'findings.any_unit': '全部单位',
			'findings.any_requirement': '全部条款',
			'findings.count': '共 {n} 条结果',
			'findings.none': '没有符合条件的结果。',
			'findings.open': '查看',

			'finding.title': '自查结果',
			'finding.back': '← 返回自查结果',
			'finding.requirement': '条款',
			'finding.rule': '规则',
			'finding.status': '状态',
			'finding.object': '检查对象',
			'finding.unit': '单位',
			'finding.evidence': '证据（检查所见）',
			'finding.fix': '整改方法',
			'finding.nofix': '无需整改。',
			'finding.ack': '整改登记',
			'finding.ack.none': '尚未登记整改。',
			'finding.ack.owner': '责任人',
			'finding.ack.due': '整改期限',
			'finding.ack.note': '备注',
			'finding.ack.submit': '保存整改登记',
			'finding.ack.saved': '整改登记已保存。',
			'finding.ack.overdue': '已逾期：整改期限已过，问题仍未解决。',
			'finding.notfound': '该结果已不再出现。',

			'audit.title': '审计日志',
			'audit.intro': '防篡改的哈希链日志，记录每一次变更和访问决定（SEC-5、MON-1），最新的在前。',
			'audit.verify': '校验哈希链',
			'audit.verifying': '正在校验…',
			'audit.ok': '哈希链完整：已校验 {n} 条记录；最新为第 {seq} 条（{hash}）。',
			'audit.bad': '哈希链在第 {seq} 条记录处断裂：{reason}',
			'audit.more': '加载更早的记录',
			'audit.none': '没有审计记录。',
			'audit.end': '已到日志开头。',

			'objtype.application': '政务应用',
			'objtype.unit': '单位',
			'objtype.grant': '外包授权',
			'objtype.outsourcer': '外包单位',
			'objtype.person': '人员',
			'yes': '是',
			'no': '否',
			'none': '—',
			'back.units': '← 返回单位列表',
			'back.apps': '← 返回政务应用列表',

			'kind.party': '党的机关',
			'kind.npc': '人大机关',
			'kind.administrative': '行政机关',
			'kind.cppcc': '政协机关',
			'kind.supervisory': '监察机关',
			'kind.judicial': '审判机关',
			'kind.procuratorial': '检察机关',
			'kind.mass': '群团机关',
			'kind.institution': '事业单位',
			'level.central': '中央',
			'level.provincial': '省级',
			'level.prefecture': '地市级',
			'level.county': '县级',
			'level.township': '乡镇',
			'type.portal': '门户网站',
			'type.app': '移动应用',
			'type.miniprogram': '小程序',
			'type.account': '公众账号',
			'type.email': '电子邮件系统',
			'appstatus.live': '运行中',
			'appstatus.planned': '规划中',
			'appstatus.closed': '已关闭',

			'field.uscc': '统一社会信用代码',
			'field.name': '名称',
			'field.short_name': '规范简称',
			'field.kind': '单位类别',
			'field.level': '层级',
			'field.region': '行政区划代码',
			'field.region_name': '行政区划',
			'field.parent': '上级单位',
			'field.establishment': '机构编制部门',
			'field.id': '标识',
			'field.unit': '所属单位',
			'field.type': '类型',
			'field.status': '状态',
			'field.filed': '已备案',
			'field.domains': '域名',
			'field.platforms': '分发平台',
			'field.login_channels': '登录渠道',
			'field.mlps_level': '等级保护级别',
			'field.critical_infrastructure': '关键信息基础设施',
			'field.important_business': '承载重要业务',
			'field.last_assessment': '最近安全检测评估',
			'field.last_upgrade': '最近升级',
			'field.staff_functions': '含工作人员功能',
			'field.personal_safety': '涉及人身财产安全',
			'field.outsourcer': '外包单位',
			'field.security.mfa': '多因素认证',
			'field.security.idle_timeout_minutes': '空闲超时（分钟）',
			'field.security.lockout_threshold': '登录失败锁定阈值',
			'field.security.device_binding': '设备绑定',
			'field.security.ip_segments': '允许的 IP 地址段',
			'field.security.device_restriction': '设备限制',
			'field.security.overseas_access': '境外访问',
			'field.security.overseas_whitelist': '境外访问白名单',
			'field.security.log_retention_days': '日志留存（天）',
			'field.security.log_backup': '日志备份',
			'field.mail.auto_forward': '邮件自动转发',
			'field.mail.attachment_autodownload': '附件自动下载',
			'field.lang': '语种',
			'field.main': '主域名',
			'field.account': '账号',
			'field.device': '设备',
			'field.from': '起',
			'field.until': '止',
			'field.reason': '理由'
		}
	};

	/* REQUIREMENTS.md catalogue: ID -> [English, Chinese] short titles. */
	var REQ = {
		'SCOPE-1': ['Units covered', '适用单位范围'],
		'SCOPE-2': ['Application types', '政务应用类型'],
		'SITE-1': ['At most one portal website per unit; review and filing', '一个单位最多开设一个门户网站，开办审核和备案'],
		'SITE-2': ['One Chinese and one English domain; a main domain', '原则上注册一个中文域名和一个英文域名，指定主域名'],
		'SITE-3': ['Domain suffix by unit kind (.gov.cn, .政务, .cn, .公益)', '按单位类别使用 .gov.cn、.政务 或 .cn、.公益 域名'],
		'SITE-4': ['County departments and townships do not build own websites', '县级部门和乡镇不单独建设网站'],
		'APP-1': ['Apps distributed only on registered platforms', '移动应用仅在备案的分发平台或本单位网站分发'],
		'APP-2': ['Unit identity proven with its electronic certificate', '以电子证书向平台证明单位身份'],
		'APP-3': ['Not bound to a single Internet platform', '不得绑定单一互联网平台'],
		'NAME-1': ["Online names start with the unit's name", '网上名称以单位名称或规范简称开头'],
		'NAME-2': ['Online names approved by the establishment department', '网上名称由同级机构编制部门审核'],
		'LOGO-1': ['Online logo at the bottom middle of the homepage', '网上标识置于网站首页底部中间'],
		'CERT-1': ['Unit electronic certificate', '机关事业单位电子证书'],
		'LINK-1': ["Linked content relates to the unit's functions", '链接内容与单位职能或便民服务相关'],
		'LINK-2': ['Link list kept and checked regularly', '建立链接清单并定期检查'],
		'LINK-3': ['Prompt before leaving for a non-government site', '链接至非党政机关网站前明确提示'],
		'LINK-4': ['Abnormal links: re-registered domains, tampering', '异常链接：域名被抢注、链接被篡改'],
		'CONTENT-1': ['Publication reviewed, review records kept', '信息发布审核并留存记录'],
		'SEC-1': ['MLPS level 3 and national cryptography', '网络安全等级保护第三级及商用密码要求'],
		'SEC-2': ['Security assessment at least once a year', '每年至少开展一次安全检测评估'],
		'SEC-3': ['Staff functions restricted by IP segment or device', '工作人员功能按 IP 地址段或设备限制'],
		'SEC-4': ['Overseas access by whitelist only', '境外访问仅限白名单'],
		'SEC-5': ['Logs kept at least one year and backed up', '日志留存不少于一年并定期备份'],
		'SEC-6': ['Data classified and graded', '数据分类分级保护'],
		'MON-1': ['Real-time monitoring of running state and events', '实时监测运行状态和安全事件'],
		'OUT-1': ['Outsourcer chosen for capability; duties in contract', '外包单位选择及合同安全责任'],
		'OUT-2': ['Outsourcers use data only as agreed; no subcontracting', '外包单位按约定使用数据，不得擅自转包'],
		'OUT-3': ['Highest administrator rights stay with own staff', '最高管理员权限由本单位人员掌握'],
		'OUT-4': ['Least privilege for outsourced staff; rights withdrawn', '外包人员最小授权并及时收回权限'],
		'DEV-1': ['Security in development; code security detection', '开发全流程安全及代码安全检测'],
		'AUTH-1': ['Multi-factor authentication', '多因素身份认证'],
		'AUTH-2': ['Sessions end after inactivity', '会话空闲超时自动退出'],
		'AUTH-3': ['Lockout after repeated failed logins', '多次登录失败临时锁定'],
		'AUTH-4': ['Accounts bound to devices', '账号绑定设备或终端'],
		'AUTH-5': ['Authentication with electronic certificates', '鼓励使用电子证书认证'],
		'MAIL-1': ['Automatic mail forwarding turned off', '关闭邮件自动转发'],
		'MAIL-2': ['Automatic attachment download turned off', '关闭附件自动下载'],
		'CF-1': ['Counterfeits scanned for; complaints accepted', '仿冒政务应用监测及举报受理'],
		'CF-2': ['Establishment department confirms registration', '机构编制部门核实是否为登记单位'],
		'CF-3': ['Confirmed counterfeits stopped', '处置确认的仿冒政务应用'],
		'SUP-1': ['Self-examination and rectification', '开展自查并完成整改'],
		'SUP-2': ['Supervision and inspection', '监督检查'],
		'GOVWEB-1': ['Site reachability (2019 indicators)', '网站可用性（2019 年考核指标）'],
		'GOVWEB-2': ['Homepage and column freshness', '首页及栏目更新'],
		'GOVWEB-3': ['Footer marks on every page', '页面底部标识'],
		'GOVWEB-4': ['Unified social credit code format', '统一社会信用代码格式'],
		'MLPS-3': ['MLPS level 3 identity and audit items', '等级保护第三级身份鉴别与安全审计'],
		'GMCRYPTO-1': ['SM2/SM3/SM4 cryptography', '商用密码 SM2/SM3/SM4 应用']
	};

	var lang = 'en';

	function stored() {
		try {
			return window.localStorage.getItem(STORAGE_KEY);
		} catch (e) {
			return null;
		}
	}

	/* The saved choice, else the first of navigator.languages that is
	 * Chinese or English, else English. */
	function detect() {
		var s = stored();
		var list, i, tag;

		if (s === 'zh' || s === 'en')
			return s;
		list = navigator.languages && navigator.languages.length ?
		    navigator.languages : [navigator.language || 'en'];
		for (i = 0; i < list.length; i++) {
			tag = String(list[i]).toLowerCase();
			if (tag === 'zh' || tag.indexOf('zh-') === 0)
				return 'zh';
			if (tag === 'en' || tag.indexOf('en-') === 0)
				return 'en';
		}
		return 'en';
	}

	function setLang(l, persist) {
		lang = l === 'zh' ? 'zh' : 'en';
		document.documentElement.lang = lang === 'zh' ? 'zh-CN' : 'en';
		if (persist) {
			try {
				window.localStorage.setItem(STORAGE_KEY, lang);
			} catch (e) {
				/* storage disabled: the choice lasts this page only */
			}
		}
	}

	/* The label for key in the current language with {name} replaced by
	 * params[name]; falls back to English, then to the key itself. */
	function t(key, params) {
		var s = L[lang][key];

		if (s === undefined)
			s = L.en[key];
		if (s === undefined)
			return key;
		if (params) {
			s = s.replace(/\{(\w+)\}/g, function (m, name) {
				return Object.prototype.hasOwnProperty.call(params,
				    name) ? String(params[name]) : m;
			});
		}
		return s;
	}

	function has(key) {
		return Object.prototype.hasOwnProperty.call(L.en, key);
	}

	/* [English, Chinese] title of a requirement ID, or null. */
	function requirement(id) {
		return Object.prototype.hasOwnProperty.call(REQ, id) ?
		    REQ[id] : null;
	}

	setLang(detect(), false);

	window.GovsecI18n = {
		t: t,
		has: has,
		requirement: requirement,
		lang: function () { return lang; },
		setLang: setLang,
		detect: detect
	};
})();
