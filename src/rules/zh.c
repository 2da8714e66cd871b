/*
 * zh.c: the Chinese of the self-examination's evidence and fix texts: a
 * catalogue from each English format string the rules pass to check_emit
 * (and each fixed phrase they pass as an argument) to its Chinese, with
 * the same conversions in the same order, and a formatter that writes the
 * Chinese of a finding from the English format and the rule's arguments.
 * Looked up by a hash of the English. The catalogue is ours; arguments
 * come from the registry and are copied
 * as text, never used as formats. An entry whose conversions differ from
 * its English is never used (the tests name it), so a wrong translation
 * cannot make printf read the wrong argument.
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "rules/internal.h"

/* The catalogue, grouped by the file of the rules that use it; kept in
 * any order (indexed once, on first use). */
static const struct zh_entry zh_entries[] = {
    /* check.c */
    {"no rule examines %s", "没有规则检查 %s"},
    {"correct what the reviewer found, then record a new attestation (govsec "
     "attest)",
     "整改核实人员发现的问题后，重新登记人工核实结论（govsec attest）"},
    /* rules_scope.c */
    {"correct the unit's kind or its credit code; a unit that is neither an "
     "organ nor a public institution is outside the regulation's scope",
     "更正单位类别或统一社会信用代码；既非党政机关也非事业单位的单位不属于本规"
     "定的适用范围"},
    {"unit '%s' (%s) is recorded as kind '%s' but its credit code is not %s",
     "单位“%s”（%s）登记的类别为“%s”，但其统一社会信用代码不是%s"},
    {"kind '%s' agrees with the credit code",
     "单位类别“%s”与统一社会信用代码一致"},
    {"an organ's (11...)", "机关的代码（11开头）"},
    {"a public institution's (12...)", "事业单位的代码（12开头）"},
    /* rules_open.c */
    {"close all but one portal website, or make the others columns of the one",
     "仅保留一个门户网站，关闭其余网站或将其整合为该门户网站的栏目"},
    {"unit '%s' has %d portal websites: %s",
     "单位“%s”开设了 %d 个门户网站：%s"},
    {"the unit's only portal; opening reviewed and filed",
     "为本单位唯一的门户网站，已履行开办审核和备案手续"},
    {"complete the opening review and filing (开办审核和备案) with the "
     "establishment department",
     "向机构编制部门履行开办审核和备案手续"},
    {"portal '%s' was opened without review and filing",
     "门户网站“%s”未经开办审核和备案即已开设"},
    {"declare 'filed' for the application", "申报该应用的备案情况（'filed'）"},
    {"whether the opening was reviewed and filed is not declared",
     "未申报是否履行开办审核和备案手续"},
    {"register the portal's domain names", "登记门户网站的域名"},
    {"the portal has no domain name registered", "门户网站未登记域名"},
    {"designate one domain as the main domain ('main': true)",
     "指定一个域名为主域名（'main': true）"},
    {"%d domains and none designated main: %s",
     "共 %d 个域名，未指定主域名：%s"},
    {"designate one domain only as the main domain", "只指定一个域名为主域名"},
    {"%d domains are designated main: %s", "%d 个域名被指定为主域名：%s"},
    {"domains: %s", "域名：%s"},
    {"move the service to a domain under .gov.cn or .政务",
     "将服务迁移至以.gov.cn或.政务结尾的域名"},
    {"domain '%s' has a suffix of class '%s'; a Party or government organ must "
     "use .gov.cn or .政务",
     "域名“%s”的后缀类别为“%s”；党政机关应当使用以.gov.cn或.政务结尾的域名"},
    {"public institutions may not use organ suffixes: move to .cn or .公益",
     "事业单位不得使用党政机关域名后缀，应迁移至以.cn或.公益结尾的域名"},
    {"move the service to a domain under .cn or .公益",
     "将服务迁移至以.cn或.公益结尾的域名"},
    {"domain '%s' has a suffix of class '%s'; a public institution must use "
     ".cn or .公益",
     "域名“%s”的后缀类别为“%s”；事业单位应当使用以.cn或.公益结尾的域名"},
    {"only Party and government organs may use .gov.cn or .政务: move to "
     "another domain",
     "仅党政机关可以使用.gov.cn或.政务域名，应迁移至其他域名"},
    {"domain '%s' has the organ suffix, but the unit is a %s, not an organ",
     "域名“%s”使用党政机关域名后缀，但该单位类别为“%s”，不是党政机关"},
    {"all %d domains carry %s suffix", "全部 %d 个域名均使用%s后缀"},
    {"the organ (.gov.cn/.政务)", "党政机关（.gov.cn/.政务）"},
    {"the institution (.cn/.公益)", "事业单位（.cn/.公益）"},
    {"a non-organ", "非党政机关"},
    {"close the site and open a page or column on the county platform",
     "关闭该网站，在县级政府门户网站开设页面或栏目"},
    {"township unit '%s' runs its own website", "乡镇单位“%s”单独建设了网站"},
    {"close the site and open a page or column on the county's platform",
     "关闭该网站，在本县政府门户网站开设页面或栏目"},
    {"county-level department '%s' (under '%s') runs its own website",
     "县级部门“%s”（隶属“%s”）单独建设了网站"},
    {"'%s' (kind %s) is not a Party or government organ: SITE-4 does not bind "
     "it",
     "“%s”（单位类别“%s”）不属于党政机关，不受 SITE-4 约束"},
    {"declare the unit's 'parent' (the prefecture for a county's own organs, "
     "the county organ for a department)",
     "申报该单位的上级单位（'parent'"
     "）：县级党政机关本级填报所属地市，县级部门填报所属县级机关"},
    {"county-level organ '%s' has no parent declared: whether it is a county's "
     "own organ or one of its departments cannot be told",
     "县级党政机关“%"
     "s”未申报上级单位，无法判定其为县级党政机关本级还是县级部门"},
    {"%s-level unit may run its own website", "%s单位可以单独建设网站"},
    {"central", "中央"},
    {"provincial", "省级"},
    {"prefecture", "地市级"},
    {"county", "县级"},
    {"township", "乡镇级"},
    {"declare the distribution platforms ('platforms')",
     "申报分发平台（'platforms'）"},
    {"distribution platforms not declared", "未申报分发平台"},
    {"withdraw the app from unregistered platforms; distribute only on "
     "registered ones or the unit's own site",
     "从未备案的平台下架该应用，仅通过已备案的分发平台或本单位网站分发"},
    {"distributed on %d unregistered platform%s: %s",
     "在 %d 个未备案的平台上分发%.0s：%s"},
    {"all platforms registered: %s", "分发平台均已备案：%s"},
    {"declare the login channels ('login_channels')",
     "申报登录方式（'login_channels'）"},
    {"login channels not declared", "未申报登录方式"},
    {"no login required", "无需登录"},
    {"add a login that needs no third-party platform (password, SMS code, "
     "e-certificate or the national identity service)",
     "增加不依赖第三方平台的登录方式（口令、短信验证码、电子证书或国家网络身份"
     "认证公共服务）"},
    {"the only ways in are platform logins (%s): people without that platform "
     "cannot use the service",
     "仅可通过互联网平台账号登录（%s），未使用该平台的群众无法使用该服务"},
    {"login channels: %s", "登录方式：%s"},
    {"'%s': %s", "“%s”：%s"},
    {"make sure the unit's name is shown prominently, or rename the "
     "application to start with the unit's name",
     "确保显著展示单位名称，或将应用更名为以单位名称开头"},
    {"rename the application to start with the unit's name or standard short "
     "name, approved by the establishment department (NAME-2)",
     "将应用更名为以单位名称或规范简称开头，并报机构编制部门审核（NAME-2）"},
    /* rules_sec.c */
    {"level 3 is not required; declared level %d",
     "无须落实第三级等级保护；申报等级为第 %d 级"},
    {"level 3 is not required", "无须落实第三级等级保护"},
    {"level %d protected; level 3 is required because %s",
     "已按第 %d 级保护；因%s，须落实第三级等级保护"},
    {"protect and file the system at MLPS level 3 (GB/T 22239-2019)",
     "按网络安全等级保护第三级要求开展保护并备案（GB/T 22239-2019）"},
    {"protected at level %d, but level 3 is required because %s",
     "按第 %d 级保护，但因%s，须落实第三级等级保护"},
    {"declare the MLPS level ('mlps_level')",
     "申报等级保护级别（'mlps_level'）"},
    {"level 3 is required because %s; no level is declared",
     "因%s，须落实第三级等级保护；未申报等级保护级别"},
    {"it is critical information infrastructure", "该系统属于关键信息基础设施"},
    {"it is an Internet e-mail system", "该系统为互联网电子邮件系统"},
    {"it carries important business applications", "该系统承载重要业务应用"},
    {"it is the portal of an organ at prefecture level or above",
     "该系统为地市级以上党政机关门户网站"},
    {"record the date of the last security assessment ('last_assessment')",
     "登记最近一次安全评估的日期（'last_assessment'）"},
    {"no security assessment is recorded", "未登记安全评估"},
    {"carry out a security assessment now; then at least once a year",
     "立即开展安全评估，此后每年至少开展一次"},
    {"last security assessment on %s, %ld days ago (more than a year)",
     "最近一次安全评估于 %s，距今 %ld 天（超过一年）"},
    {"assess the upgrade before it goes live", "升级改造上线前开展安全评估"},
    {"upgraded on %s after the last security assessment on %s",
     "于 %s 升级改造，晚于最近一次安全评估（%s）"},
    {"last security assessment on %s (%ld days ago)",
     "最近一次安全评估于 %s（距今 %ld 天）"},
    {"no functions for unit staff", "无面向单位工作人员的功能"},
    {"declare 'staff_functions'",
     "申报是否有工作人员功能（'staff_functions'）"},
    {"whether it has functions for unit staff is not declared",
     "未申报是否有面向单位工作人员的功能"},
    {"replace the catch-all segment with the unit's own address segments",
     "以本单位的IP地址段替换不作限制的地址段"},
    {"IP segments include a catch-all /0 (%s), which restricts nothing",
     "IP地址段包含不作任何限制的 /0 地址段（%s）"},
    {"declare only the unit's own address segments",
     "仅申报本单位自有的IP地址段"},
    {"IP segments (%s) together cover as many public IPv4 addresses as a /%d, "
     "more than a /%d ([check] max_segment_prefix4)",
     "IP地址段（%s）合计覆盖的公网IPv4地址数量相当于一个 /%d 地址段，超过 /%d "
     "的上限（[check] max_segment_prefix4）"},
    {"IP segments (%s) together cover as many public IPv6 addresses as a /%d, "
     "more than a /%d ([check] max_segment_prefix6)",
     "IP地址段（%s）合计覆盖的公网IPv6地址数量相当于一个 /%d 地址段，超过 /%d "
     "的上限（[check] max_segment_prefix6）"},
    {"staff access limited to %s%s", "工作人员访问限于 %s%s"},
    {" and to registered devices", "，并限于已登记设备"},
    {"staff access limited to registered devices",
     "工作人员访问限于已登记设备"},
    {"declare 'security.ip_segments' or 'security.device_restriction'",
     "申报IP地址段（'security.ip_segments'）或设备限制（'security.device_"
     "restriction'）"},
    {"no IP segment or device restriction is declared",
     "未申报IP地址段或设备限制"},
    {"restrict staff functions to the unit's IP segments or registered devices "
     "(govsec gate)",
     "将工作人员功能限制为本单位IP地址段或已登记设备访问（govsec gate）"},
    {"staff functions are reachable from any address and any device",
     "工作人员功能可从任意地址、任意设备访问"},
    {"overseas access is closed", "已关闭境外访问"},
    {"declare 'security.overseas_access'",
     "申报境外访问情况（'security.overseas_access'）"},
    {"whether overseas access is open is not declared",
     "未申报是否开放境外访问"},
    {"close overseas access, or open it only for whitelisted accounts or "
     "devices in set time windows",
     "关闭境外访问，或仅对白名单内的账号或设备在特定时段开放"},
    {"overseas access is open without a whitelist", "境外访问开放且未设白名单"},
    {"name the account or the device of every whitelist entry",
     "为每条白名单条目指明账号或设备"},
    {"whitelist entry %zu names no account and no device",
     "第 %zu 条白名单条目未指明账号或设备"},
    {"give the entry a window that ends after it starts",
     "为该条目设置结束时间晚于开始时间的开放时段"},
    {"whitelist entry %zu ends (%s) before it starts (%s)",
     "第 %zu 条白名单条目的结束时间（%s）早于开始时间（%s）"},
    {"end the entry with the trip it is for",
     "在相关出境事由结束时终止该白名单条目"},
    {"whitelist entry %zu (%s to %s) opens overseas access for %lld days, more "
     "than %d ([check] whitelist_max_days)",
     "第 %zu 条境外访问白名单条目（%s 至 %s）开放境外访问 %lld 天，超过 %d "
     "天的上限（[check] whitelist_max_days）"},
    {"overseas access by whitelist only: %zu entries, %d open now",
     "境外访问仅按白名单开放：共 %zu 条，当前开放 %d 条"},
    {"declare 'security.log_retention_days'",
     "申报日志留存天数（'security.log_retention_days'）"},
    {"log retention is not declared", "未申报日志留存期限"},
    {"keep firewall, host, access and database logs at least 365 days",
     "防火墙、主机、访问和数据库日志留存不少于365天"},
    {"logs are kept %d days, less than a year", "日志留存 %d 天，不足一年"},
    {"back the logs up regularly", "定期备份日志"},
    {"logs are kept %d days but not backed up", "日志留存 %d 天，但未备份"},
    {"declare 'security.log_backup'",
     "申报日志备份情况（'security.log_backup'）"},
    {"logs are kept %d days; backup is not declared",
     "日志留存 %d 天；未申报是否备份"},
    {"logs kept %d days and backed up", "日志留存 %d 天并已备份"},
    {"the contract with '%s' fixes its security duties",
     "与“%s”签订的合同已明确其安全责任"},
    {"add network and data security duties (protection, incident response, "
     "regular assessment and audit) to the contract",
     "在合同中明确网络和数据安全责任（安全保护、事件处置、定期评估和审计）"},
    {"the contract with '%s' fixes no security duties",
     "与“%s”签订的合同未明确安全责任"},
    {"declare 'security_duties'",
     "申报合同是否明确安全责任（'security_duties'）"},
    {"whether the contract with '%s' fixes security duties is not declared",
     "未申报与“%s”签订的合同是否明确安全责任"},
    {"'%s' may subcontract only with the unit's consent",
     "“%s”须经本单位同意方可转包、分包"},
    {"require the unit's written consent for any subcontracting and data use",
     "约定任何转包、分包及数据使用须经本单位书面同意"},
    {"'%s' may subcontract without the unit's consent",
     "“%s”可未经本单位同意转包、分包"},
    {"declare 'subcontract_consent'",
     "申报转包分包是否须经同意（'subcontract_consent'）"},
    {"whether '%s' needs consent to subcontract is not declared",
     "未申报“%s”转包、分包是否须经本单位同意"},
    {"give the highest admin rights to the owning unit's own staff",
     "将最高管理员权限交由本单位工作人员负责"},
    {"highest admin rights on '%s' are held by '%s', staff of another unit "
     "(%s)",
     "“%s”的最高管理员权限由人员“%s”持有，该人员属于其他单位（%s）"},
    {"highest admin rights on '%s' held by in-house staff '%s'",
     "“%s”的最高管理员权限由本单位人员“%s”持有"},
    {"outsourced '%s' holds highest admin rights on '%s', authorized by %s",
     "外包人员“%s”持有“%s”的最高管理员权限，经 %s 授权"},
    {"withdraw the grant, or record the unit's authorization "
     "('authorized_by'); highest admin rights stay with in-house staff",
     "收回该授权，或登记本单位的授权（'authorized_by'"
     "）；最高管理员权限应由本单位人员负责"},
    {"outsourced '%s' holds highest admin rights on '%s' without authorization",
     "外包人员“%s”未经授权持有“%s”的最高管理员权限"},
    {"withdraw the grant, or record who of the unit authorised it "
     "('authorizer'); highest admin rights stay with in-house staff",
     "收回该授权，或登记本单位的授权人（'authorizer'"
     "）；最高管理员权限应由本单位人员负责"},
    {"have a person of the unit authorise the grant, or withdraw it",
     "改由本单位人员授权，或收回该授权"},
    {"outsourced '%s' holds highest admin rights on '%s' on the authority of "
     "'%s', which names its own outsourcing unit '%s'",
     "外包人员“%s”持有“%s”的最高管理员权限，登记的授权方“%s”为其所属外包单位“%"
     "s”，而非本单位"},
    {"record the authoriser as a registered person ('authorizer': the person's "
     "id)",
     "将授权人登记为已登记人员（'authorizer'：填报该人员的编号）"},
    {"outsourced '%s' holds highest admin rights on '%s', authorized by '%s', "
     "who is no registered person: whether the authoriser is of the unit "
     "cannot be told",
     "外包人员“%s”持有“%s”的最高管理员权限，授权人“%"
     "s”不是已登记人员，无法判定授权人是否属于本单位"},
    {"outsourced '%s' holds highest admin rights on '%s' on the authority of "
     "'%s', the grantee itself",
     "外包人员“%s”持有“%s”的最高管理员权限，授权人“%s”即被授权人本人"},
    {"outsourced '%s' holds highest admin rights on '%s' on the authority of "
     "'%s' (%s), staff of outsourcing unit '%s', not of the unit",
     "外包人员“%s”持有“%s”的最高管理员权限，授权人“%s”（%s）系外包单位“%"
     "s”的人员，不是本单位人员"},
    {"outsourced '%s' holds highest admin rights on '%s' on the authority of "
     "'%s' (%s), staff of another unit (%s)",
     "外包人员“%s”持有“%s”的最高管理员权限，授权人“%s”（%s）属于其他单位（%"
     "s）"},
    {"outsourced '%s' holds highest admin rights on '%s', authorized by '%s' "
     "(%s), staff of the unit",
     "外包人员“%s”持有“%s”的最高管理员权限，经本单位人员“%s”（%s）授权"},
    {"grant of '%s' to outsourced '%s' has been withdrawn",
     "“%s”权限（外包人员“%s”）已收回"},
    {"give the grant an expiry date and the least privilege needed",
     "为该授权设置到期日期，并按最小权限授予"},
    {"grant of '%s' (%s) to outsourced '%s' has no expiry",
     "授予外包人员的“%s”（%s）权限（人员“%s”）未设到期日期"},
    {"withdraw the expired grant now", "立即收回已到期的权限"},
    {"grant of '%s' (%s) to outsourced '%s' expired on %s but is still active",
     "授予外包人员的“%s”（%s）权限（人员“%s”）已于 %s 到期，但仍然有效"},
    {"grant of '%s' (%s) to outsourced '%s' expires on %s",
     "授予外包人员的“%s”（%s）权限（人员“%s”）将于 %s 到期"},
    {"set the expiry to the end of the work or contract, and renew it when "
     "needed",
     "将到期日期设为工作任务或合同结束之日，确有需要时再予续期"},
    {"grant of '%s' (%s) to outsourced '%s' expires on %s, %ld days away: an "
     "expiry more than %d days ahead is no expiry",
     "授予外包人员的“%s”（%s）权限（人员“%s”）将于 %s 到期，距今 %ld "
     "天；到期日期超过 %d 天的，视同未设到期日期"},
    {"lower the grant to the privilege its scope needs",
     "将该授权降至其工作范围所需的权限"},
    {"grant of '%s' to outsourced '%s' gives %s, but its scope needs only %s",
     "授予外包人员的“%s”权限（人员“%s”）为 %s，但其工作范围仅需 %s"},
    {"grant of '%s' (%s, as its scope needs) to outsourced '%s' expires on %s",
     "授予外包人员的“%s”（%s，为其工作范围所需）权限（人员“%s”）将于 %s 到期"},
    {"declare the privilege the grant's scope needs ('needed_privilege')",
     "申报该授权工作范围所需的权限（'needed_privilege'）"},
    {"grant of '%s' (%s) to outsourced '%s' expires on %s; whether %s is the "
     "least privilege its scope needs is not declared",
     "授予外包人员的“%s”（%s）权限（人员“%s”）将于 %s 到期；未申报 %s "
     "是否为其工作范围所需的最小权限"},
    {"does not touch personal or property safety or the public interest",
     "不涉及人身财产安全和社会公共利益"},
    {"declare 'personal_safety'",
     "申报是否涉及人身财产安全（'personal_safety'）"},
    {"whether it touches personal or property safety is not declared",
     "未申报是否涉及人身财产安全"},
    {"logins use two or more factors", "登录采用两种以上认证因素"},
    {"require a second factor (TOTP, SMS code or e-certificate) at login",
     "登录时增加第二种认证因素（动态口令、短信验证码或电子证书）"},
    {"logins use a single factor", "登录仅采用单一认证因素"},
    {"declare 'security.mfa'", "申报多因素认证情况（'security.mfa'）"},
    {"multi-factor login is not declared", "未申报是否采用多因素认证"},
    {"declare 'security.idle_timeout_minutes'",
     "申报会话超时时间（'security.idle_timeout_minutes'）"},
    {"idle timeout is not declared", "未申报会话超时时间"},
    {"end sessions after a period of inactivity", "设置会话无操作超时自动退出"},
    {"sessions never time out", "会话不会超时退出"},
    {"shorten the idle timeout", "缩短会话超时时间"},
    {"idle timeout of %d minutes is longer than the %d-minute limit",
     "会话超时时间为 %d 分钟，超过 %d 分钟的上限"},
    {"sessions end after %d idle minutes", "会话无操作 %d 分钟后自动退出"},
    {"declare 'security.lockout_threshold'",
     "申报登录失败锁定阈值（'security.lockout_threshold'）"},
    {"login lockout is not declared", "未申报登录失败锁定措施"},
    {"lock the account after repeated failed logins", "多次登录失败后锁定账号"},
    {"failed logins are never locked out", "登录失败不会锁定账号"},
    {"lower the lockout threshold", "降低登录失败锁定阈值"},
    {"lockout after %d failures allows more guessing than the limit of %d",
     "登录失败 %d 次后才锁定，超过 %d 次的上限"},
    {"accounts lock after %d failed logins", "登录失败 %d 次后锁定账号"},
    {"accounts can be bound to devices", "账号可与终端设备绑定"},
    {"bind accounts to registered devices (govsec gate)",
     "将账号与已登记的终端设备绑定（govsec gate）"},
    {"accounts are not bound to devices", "账号未与终端设备绑定"},
    {"declare 'security.device_binding'",
     "申报账号与设备绑定情况（'security.device_binding'）"},
    {"device binding is not declared", "未申报账号是否与设备绑定"},
    /* rules_gate.c */
    {"give each allowing gate rule for this host networks or devices",
     "为该主机的每条放行网关规则限定网络或设备"},
    {"gate rules %s admit any address and any device",
     "网关规则 %s 放行任意地址和任意设备"},
    {"give each allowing gate rule for this host networks of the unit's own "
     "addresses, or devices",
     "为该主机的每条放行网关规则限定本单位自有地址的网络或设备"},
    {"gate rules %s admit any device from more public addresses than an IPv4 "
     "/%d or an IPv6 /%d ([check] max_segment_prefix4, max_segment_prefix6)",
     "网关规则 %s 放行任意设备从超出 IPv4 /%d 或 IPv6 /%d "
     "范围的公网地址访问（[check] max_segment_prefix4、max_segment_prefix6）"},
    {"the gate enforces: %d allowing rules, each limited by network, device or "
     "whitelist; everything else denied",
     "网关已强制执行：%d "
     "条放行规则均限定了网络、设备或白名单，其余访问一律拒绝"},
    {"limit these gate rules to CN or internal networks, or to whitelist "
     "entries",
     "将这些网关规则限定为境内或内部网络，或限定为白名单条目"},
    {"gate rules %s admit overseas addresses without a whitelist",
     "网关规则 %s 未经白名单放行境外地址"},
    {"end these whitelist entries with the trip they are for",
     "在相关出境事由结束时终止这些白名单条目"},
    {"%d whitelist entr%s %s open%s overseas access for more than %d days",
     "%d 条白名单条目%.0s（%s）开放境外访问%.0s超过 %d 天"},
    {"the gate enforces: overseas access only by %zu time-limited whitelist "
     "entries",
     "网关已强制执行：境外访问仅按 %zu 条限时白名单条目开放"},
    {"make these gate rules two_factor",
     "将这些网关规则设为 two_factor（双因素认证）"},
    {"gate rules %s log in with one factor", "网关规则 %s 仅采用单一因素登录"},
    {"require two_factor for the staff functions",
     "对工作人员功能要求 two_factor（双因素认证）"},
    {"no gate rule for this host asks for a login with two factors",
     "该主机没有要求双因素登录的网关规则"},
    {"move the two_factor rules before the rules that let the same requests in "
     "with less, or narrow those",
     "将 "
     "two_"
     "factor（双因素认证）规则移至以较低认证要求放行相同请求的规则之前，或缩小"
     "后者的适用范围"},
    {"gate rules %s ask for two factors, but an earlier rule lets the same "
     "requests in with less",
     "网关规则 %s "
     "要求双因素认证，但排在其前的规则以较低认证要求放行了相同请求"},
    {"let the gate's users set up TOTP or a security key (govsec gate invite "
     "NAME)",
     "组织网关用户配置动态口令或安全密钥（govsec gate invite NAME）"},
    {"no enabled gate user has a second factor: the %d two_factor rules count "
     "for nobody",
     "已启用的网关用户均未配置第二认证因素，%d 条 "
     "two_factor（双因素认证）规则无人能够通过"},
    {"the gate enforces two factors (password and TOTP or a security key) on "
     "%d rules; %lld users have a second factor; without one (they cannot pass "
     "these rules): %s",
     "网关已在 %d 条规则上强制双因素认证（口令加动态口令或安全密钥）；%lld "
     "名用户已配置第二因素；未配置的用户（无法通过这些规则）：%s"},
    {"the gate enforces two factors (password and TOTP or a security key) on "
     "%d rules; %lld users have a second factor",
     "网关已在 %d 条规则上强制双因素认证（口令加动态口令或安全密钥）；%lld "
     "名用户已配置第二因素"},
    {"start govsecd with the gate", "启动带访问网关的 govsecd"},
    {"start govsecd with the gate, or find why it stopped reporting",
     "启动带访问网关的 govsecd，或查明网关停止报告状态的原因"},
    {"the gate protects it, but last reported at %s, more than %d minutes ago "
     "([check] gate_stale_minutes)",
     "该应用受访问网关保护，但网关最近一次报告状态的时间为 %s，已超过 %d "
     "分钟（[check] gate_stale_minutes）"},
    {"an unknown time", "未知时间"},
    {"the gate recorded no idle timeout", "网关未记录会话超时时间"},
    {"lower [gate] session_idle", "调低 [gate] session_idle"},
    {"the gate ends sessions after %lld idle seconds, more than %d minutes",
     "网关在会话无操作 %lld 秒后退出，超过 %d 分钟"},
    {"the gate ends sessions after %lld idle seconds",
     "网关在会话无操作 %lld 秒后自动退出"},
    {"the gate recorded no lockout limit", "网关未记录登录失败锁定阈值"},
    {"lower [gate] login_attempts", "调低 [gate] login_attempts"},
    {"the gate locks accounts after %lld failures, more than %d",
     "网关在登录失败 %lld 次后锁定账号，超过 %d 次"},
    {"the gate locks accounts (and source addresses) after %lld failures",
     "网关在登录失败 %lld 次后锁定账号（及来源地址）"},
    {"require approved devices in these gate rules or bind every gate user",
     "在这些网关规则中要求使用已批准设备，或为每个网关用户绑定设备"},
    {"gate rules %s admit unbound accounts from any device (%lld of %lld users "
     "bound)",
     "网关规则 %s 放行未绑定设备的账号从任意设备登录（%lld/%lld "
     "名用户已绑定）"},
    {"the gate admits accounts only from approved devices (%lld of %lld users "
     "bound)",
     "网关仅允许账号从已批准设备登录（%lld/%lld 名用户已绑定）"},
    /* rules_sup.c */
    {"fix the failing requirements before the application opens",
     "在应用上线前整改不符合项"},
    {"a new application must comply from the start; %d requirement checks fail",
     "新建应用应当自上线起即符合要求；有 %d 项检查不通过"},
    {"rectify the failures reported under their own requirements now; an "
     "acknowledgement does not extend the deadline",
     "立即整改在相应要求下列出的不符合项；确认问题不延长整改期限"},
    {"date not declared", "未申报"},
    {"a new application, opened %s, must comply from that day; %d requirement "
     "checks fail; %d findings acknowledged, due by %s at the latest (an "
     "acknowledgement is not a rectification)",
     "新建应用（上线日期：%s）应当自上线之日起符合要求；有 %d 项检查不通过；%d "
     "项问题已确认，整改期限最迟至 %s（确认问题不等于完成整改）"},
    {"a new application, opened %s, must comply from that day; %d requirement "
     "checks fail",
     "新建应用（上线日期：%s）应当自上线之日起符合要求；有 %d 项检查不通过"},
    {"in use before the Regulations took effect (opened %s); %d requirement "
     "checks still fail after the rectification deadline %s; %d findings "
     "acknowledged, due by %s at the latest (an acknowledgement is not a "
     "rectification)",
     "本规定施行前已投入使用（上线日期：%s）；有 %d 项检查在整改期限 %s "
     "届满后仍不通过；%d 项问题已确认，整改期限最迟至 "
     "%s（确认问题不等于完成整改）"},
    {"in use before the Regulations took effect (opened %s); %d requirement "
     "checks still fail after the rectification deadline %s",
     "本规定施行前已投入使用（上线日期：%s）；有 %d 项检查在整改期限 %s "
     "届满后仍不通过"},
    {"declare the application's opening date ('opened')",
     "申报该应用的上线日期（'opened'）"},
    {"%d requirement checks fail and the opening date is not declared: a new "
     "application must already comply, one in use by %s",
     "有 %d "
     "项检查不通过，且未申报上线日期：新建应用应当自上线起即符合要求，本规定施"
     "行前已投入使用的应用应当于 %s 前完成整改"},
    {"in rectification until %s; %d open findings are reported under their own "
     "requirements",
     "整改期限至 %s；%d 项未整改问题已在相应要求下列出"},
    {"finish the rectification or agree a new due date",
     "完成整改，或重新商定整改期限"},
    {"%d acknowledged findings are past their rectification due date",
     "%d 项已确认的问题已超过整改期限"},
    {"observe or attest what could not be decided (govsec check --status "
     "unknown)",
     "对无法判定的事项开展观测或人工核实（govsec check --status unknown）"},
    {"%d requirement checks of the application could not be decided",
     "该应用有 %d 项检查无法判定"},
    {"self-examined; %d open findings are reported under their own "
     "requirements, none past an agreed due date",
     "已开展自查；%d 项未整改问题已在相应要求下列出，均未超过商定的整改期限"},
    {"self-examined; no failing checks", "已开展自查；无不通过的检查项"},
    /* src/mail/mailaudit.c: govsec mail audit */
    {"the alias include file could not be read: %s",
     "别名包含文件无法读取：%s"},
    {"alias '%s' hands mail to a program (%s), which can send it anywhere",
     "别名“%s”将邮件交给程序（%s）处理，该程序可将邮件发往任何地方"},
    {"alias '%s' forwards to the outside address %s",
     "别名“%s”将邮件转发至外部地址 %s"},
    {"virtual alias '%s' forwards to the outside address %s",
     "虚拟别名“%s”将邮件转发至外部地址 %s"},
    {"the map could not be read: %s", "映射表无法读取：%s"},
    {"the Dovecot configuration could not be read: %s",
     "Dovecot 配置无法读取：%s"},
    {"local(8) follows users' .forward files (forward_path is '%s')",
     "local(8) 会执行用户的 .forward 文件（forward_path 为“%s”）"},
    {"govsec-milter is not in Postfix's path: nothing stops forwarding when "
     "the mail is sent",
     "Postfix 邮件路径中没有 govsec-milter：发信时无任何机制阻止转发"},
    {"govsec-milter sees mail only where it arrives: forwarding by aliases, "
     ".forward and virtual aliases happens after it",
     "govsec-milter 仅在邮件进入时检查：别名、.forward "
     "和虚拟别名的转发发生在其之后"},
    {"milter_default_action is 'accept': mail passes unchecked while "
     "govsec-milter is down",
     "milter_default_action 为“accept”：govsec-milter "
     "停止时邮件未经检查即放行"},
    {"the Sieve script redirects mail to an address known only when it runs "
     "(%s)",
     "Sieve 脚本将邮件重定向至运行时才确定的地址（%s）"},
    {"the Sieve script redirects mail to the outside address %s",
     "Sieve 脚本将邮件重定向至外部地址 %s"},
    {"the Sieve script sends notifications to the outside address %s",
     "Sieve 脚本向外部地址 %s 发送通知"},
    {"the Sieve script hands mail to a program (%s)",
     "Sieve 脚本将邮件交给程序处理（%s）"},
    {"the Sieve script could not be read: %s", "Sieve 脚本无法读取：%s"},
    {"Pigeonhole lets a Sieve script redirect each message %s times "
     "(sieve_max_redirects)",
     "Pigeonhole 允许 Sieve 脚本将每封邮件重定向 %s 次（sieve_max_redirects）"},
    {"Sieve scripts may hand mail to programs (%s)",
     "Sieve 脚本可将邮件交给程序处理（%s）"},
    {"Dovecot sends Sieve's mail with sendmail_path, not submission_host: a "
     "refusal by govsec-milter becomes a bounce",
     "Dovecot 通过 sendmail_path 而非 submission_host 发送 Sieve "
     "邮件：govsec-milter 的拒绝会变成退信"},
    {"Roundcube's managesieve plugin lets users set up redirects",
     "Roundcube 的 managesieve 插件允许用户设置重定向"},
    {"Roundcube has the forwarding plugin %s", "Roundcube 启用了转发插件 %s"},
    {"Roundcube loads remote content of messages without asking (show_images = "
     "%s)",
     "Roundcube 不经询问即加载邮件中的远程内容（show_images = %s）"},
    {"Roundcube downloads and shows attached images without asking "
     "(inline_images)",
     "Roundcube 不经询问即下载并显示附件图片（inline_images）"},
    {"set an empty forward_path in main.cf",
     "在 main.cf 中将 forward_path 设为空"},
    {"remove the outside address from the alias map", "从别名表中删除外部地址"},
    {"remove the program delivery from the alias map, or have it checked",
     "从别名表中删除程序投递，或对其进行检查"},
    {"remove the outside address from the virtual alias map",
     "从虚拟别名表中删除外部地址"},
    {"route outside mail through the inspection hop with govsec-milter "
     "(docs/deploy/postfix.md)",
     "让外发邮件经过装有 govsec-milter 的检查节点（docs/deploy/postfix.md）"},
    {"set milter_default_action = tempfail",
     "设置 milter_default_action = tempfail"},
    {"make the file readable to the audit", "使该文件可供审计读取"},
    {"set sieve_max_redirects = 0 in Dovecot's plugin section",
     "在 Dovecot 的 plugin 段设置 sieve_max_redirects = 0"},
    {"remove vnd.dovecot.pipe and vnd.dovecot.execute from the Sieve "
     "extensions",
     "从 Sieve 扩展中移除 vnd.dovecot.pipe 和 vnd.dovecot.execute"},
    {"set submission_host to the Postfix inspection hop",
     "将 submission_host 设为 Postfix 检查节点"},
    {"remove the redirect from the user's Sieve script",
     "从用户的 Sieve 脚本中删除重定向"},
    {"remove the notification from the user's Sieve script",
     "从用户的 Sieve 脚本中删除通知"},
    {"remove the program call from the Sieve script",
     "从 Sieve 脚本中删除程序调用"},
    {"correct the script or remove it", "修正或删除该脚本"},
    {"add 'redirect' and 'redirect_copy' to managesieve_disabled_actions",
     "将“redirect”和“redirect_copy”加入 managesieve_disabled_actions"},
    {"disable the forwarding plugin", "停用转发插件"},
    {"set show_images = 0 in Roundcube", "在 Roundcube 中设置 show_images = 0"},
    {"set inline_images = false in Roundcube",
     "在 Roundcube 中设置 inline_images = false"},
    /* rules_mail.c */
    {"%s is off", "已关闭%s"},
    {"%s is off (declared; no govsec mail audit recorded)",
     "已关闭%s（申报；无 govsec 邮件审计记录）"},
    {"govsec mail audit of %s found %d way(s) of %s: %s",
     "%s 的 govsec 邮件审计发现 %d 处%s：%s"},
    {"govsec mail audit of %s found no way of %s",
     "%s 的 govsec 邮件审计未发现%s"},
    {"declare 'mail.attachment_autodownload' or record a govsec mail audit",
     "申报附件自动下载设置（'mail.attachment_autodownload'）或登记 govsec "
     "邮件审计"},
    {"declare 'mail.auto_forward' or record a govsec mail audit",
     "申报自动转发设置（'mail.auto_forward'）或登记 govsec 邮件审计"},
    {"turn automatic attachment download off", "关闭附件自动下载"},
    {"turn automatic forwarding off (and enforce it with govsec-milter)",
     "关闭邮件自动转发（并以 govsec-milter 强制执行）"},
    {"%s is on", "已开启%s"},
    {"declare 'mail.attachment_autodownload'",
     "申报附件自动下载设置（'mail.attachment_autodownload'）"},
    {"declare 'mail.auto_forward'", "申报自动转发设置（'mail.auto_forward'）"},
    {"whether %s is on is not declared", "未申报是否开启%s"},
    {"automatic attachment download", "附件自动下载"},
    {"automatic forwarding", "邮件自动转发"},
    /* rules_mail.c: MAIL-3 from govsec-milter's records */
    {"govsec-milter has recorded no mail of '%s' (domains %s) since %s",
     "“%s”（域名 %s）的邮件自 %s 以来未经 govsec-milter 记录"},
    {"route the mail of the application's domains through govsec-milter "
     "(docs/mail.md), correct its registered domains, or record a person's "
     "verdict (govsec attest MAIL-3)",
     "使该应用域名的邮件经由 govsec-milter 传递（docs/mail.md），更正其登记的"
     "域名，或登记人工核实结论（govsec attest MAIL-3）"},
    {"govsec-milter has recorded no mail of '%s' (%s) since %s, more than %d "
     "days ago ([check] mail_flow_stale_days): the milter is down or the mail "
     "bypasses it",
     "“%s”（%s）的邮件自 %s 以来未经 govsec-milter 记录，已超过 %d 天（[check] "
     "mail_flow_stale_days）：milter 已停止运行或邮件绕过了它"},
    {"start govsec-milter and route the application's mail through it "
     "(docs/mail.md)",
     "启动 govsec-milter 并使该应用的邮件经由其传递（docs/mail.md）"},
    {"mail of '%s' (%s) is recorded until %s, but the records start at %s: the "
     "record of a stop the audit chain holds from %s is gone, though younger "
     "than the %d days the logs are kept (SEC-5)",
     "“%s”（%s）的邮件记录至 %s，但记录始于 %s：审计链中 %s 的一次拦截的记录已"
     "不存在，而其未满日志留存的 %d 天（SEC-5）"},
    {"keep mail-flow records as long as the logs (govsec audit retention) and "
     "delete them only with govsec mail prune",
     "邮件流转记录的留存期限应与日志相同（govsec audit retention），且只能通过 "
     "govsec mail prune 删除"},
    {"mail of '%s' (%s) is recorded until %s, but the prune of %s kept only %d "
     "days, fewer than the %d days the logs are kept (SEC-5)",
     "“%s”（%s）的邮件记录至 %s，但 %s 的清理仅保留了 %d 天，少于日志留存的 %d "
     "天（SEC-5）"},
    {"mail of '%s' (%s) is recorded until %s, but govsec mail prune keeps the "
     "records %d days, fewer than the %d days the logs are kept (SEC-5)",
     "“%s”（%s）的邮件记录至 %s，但 govsec mail prune 仅保留记录 %d 天，少于日"
     "志留存的 %d 天（SEC-5）"},
    {"set govsec audit retention to the days the logs are kept",
     "将 govsec audit retention 设为日志留存的天数"},
    {"govsec-milter records the mail of '%s' (%s): last record %s; records "
     "since %s, kept %d days (SEC-5: %d)",
     "govsec-milter 记录“%s”（%s）的邮件：最近一条记录 %s；记录始于 %s，"
     "留存 %d 天（SEC-5：%d 天）"},
    {"govsec-milter records the mail of '%s' (%s): last record %s; records "
     "since %s (less than the %d days SEC-5 keeps: the milter started then), "
     "kept %d days",
     "govsec-milter 记录“%s”（%s）的邮件：最近一条记录 %s；记录始于 %s（不足 "
     "SEC-5 要求的 %d 天：milter 自那时起运行），留存 %d 天"},
    /* rules_link.c */
    {"fix what the inspection lists (govsec inspect %s), then inspect again",
     "按巡检列出的问题整改（govsec inspect %s），整改后重新巡检"},
    {"review the external links (govsec links list --external) and record the "
     "verdict: govsec attest LINK-1 --object ID",
     "人工核查外部链接（govsec links list --external）并登记结论：govsec "
     "attest LINK-1 --object ID"},
    {"LINK-1 needs a person: whether linked content relates to the unit's "
     "functions (inspection of %s on %s)",
     "LINK-1 须人工核实：链接内容是否与单位职能相关（%s 的巡检，时间 %s）"},
    {"%ld %s on %s (inspected %s): %s%s",
     "%ld 处%s，网站 %s（巡检时间 %s）：%s%s"},
    {"broken links", "失效链接"},
    {"outbound links without a leave-site prompt", "未设离站提示的外部链接"},
    {"abnormal links", "异常链接"},
    {"logo problems", "网上标识问题"},
    {"show the application's govsec badge (govsec logo issue APP; its image "
     "linking to its verification page) in the middle of the homepage footer, "
     "then inspect again",
     "在网站首页底部中间位置展示本应用的网上标识（govsec logo issue "
     "APP；标识图片链接至其核验页面），然后重新巡检"},
    {"no govsec badge on %s (inspected %s): in the e-certificate pilot the "
     "online logo is the badge the establishment department issued; a link to "
     "conac.cn or another logo is no proof",
     "%s 上未发现网上标识（巡检时间 "
     "%s）：在电子证照试点地区，网上标识为机构编制"
     "部门核发的标识；指向 conac.cn 的链接或其他标志不能作为证明"},
    {"freshness problems", "更新不及时问题"},
    {"missing or inconsistent footer marks", "页脚标识缺失或不一致问题"},
    {"the link list of %s was last checked %s, more than %d days ago",
     "%s 的链接清单最近一次检查于 %s，已超过 %d 天"},
    {"%s could not be decided from the inspection of %s on %s%s%s%s%s",
     "%s 无法根据 %s 的巡检结果（时间 %s）判定%s%s%s%s"},
    {"inspection of %s on %s: %s", "%s 的巡检（时间 %s）：%s"},
    {"no findings", "未发现问题"},
    {"probe the portal on a schedule: govsecd with [probe] enabled = yes (or "
     "govsec probe --app %s)",
     "定期监测门户网站可用性：在 govsecd 中设置 [probe] enabled = yes（或运行 "
     "govsec probe --app %s）"},
    {"restore the site's availability and find the cause of the outages "
     "(govsec probe --app ID shows each probe)",
     "恢复网站可用性并查明中断原因（govsec probe --app ID 可查看每次监测）"},
    {"%ld of %ld probes failed in the last 7 days (%.1f %%), the veto is %d %%",
     "近7天 %ld/%ld 次监测失败（%.1f %%），单项否决线为 %d %%"},
    {"%ld of %ld probes failed in the last 7 days (%.1f %%)",
     "近7天 %ld/%ld 次监测失败（%.1f %%）"},
    {"not enough probes: %ld in the last 7 days, at least %d needed; govsecd "
     "[probe] enabled",
     "监测次数不足：近7天 %ld 次，至少需要 %d 次；请在 govsecd 中启用 [probe]"},
    {"not enough probes: %ld in the last 7 days, per day %s (oldest first); at "
     "least %d each day are needed; govsecd [probe] enabled",
     "监测次数不足：近7天共 %ld 次，每日分别为 "
     "%s（按日期由远及近）；每天至少需要 %d 次；请在 govsecd 中启用 [probe]"},
    {"observe the site with: govsec inspect https://%s/",
     "使用 govsec inspect https://%s/ 巡检网站"},
    {"%s has not been observed: no inspection of https://%s/ is recorded",
     "%s 尚未观测：无 https://%s/ 的巡检记录"},
    {"register the portal's domain, then run govsec inspect on it",
     "登记门户网站域名，然后运行 govsec inspect 巡检"},
    {"renew the domain's registration now, or cancel it with the registrar; "
     "check that it still points at the unit's service",
     "立即办理域名续费，或向域名注册服务机构申请注销；并核查该域名是否仍指向本"
     "单位的服务"},
    {"the registration of domain '%s' lapsed on %s and the domain was neither "
     "renewed nor cancelled: anyone may register it",
     "域名“%s”已于 %s 注册到期，既未续费也未注销，可能被他人抢注"},
    {"renew the domain's registration, or cancel it if it is no longer used",
     "办理域名续费；如不再使用，应当申请注销"},
    {"the registration of domain '%s' lapses on %s, in %ld days, and is not "
     "renewed",
     "域名“%s”将于 %s 注册到期（剩余 %ld 天），尚未续费"},
    {"declare the domain's registration expiry ('registered_until') or its "
     "cancellation ('cancelled')",
     "申报该域名的注册到期日期（'registered_until'）或注销日期（'cancelled'）"},
    {"the registration expiry of domain '%s' is not declared",
     "未申报域名“%s”的注册到期日期"},
    {"%d domains registered beyond the next %d days, %d cancelled",
     "%d 个域名的注册有效期超过未来 %d 天，%d 个已注销"},
    /* rules_cf.c */
    {"find why the scans of the feed fail and run one (govsec counterfeit "
     "scan)",
     "查明该数据源监测失败的原因并重新监测（govsec counterfeit scan）"},
    {"feed '%s' has no successful scan (last error: %s)",
     "数据源“%s”没有一次成功的监测（最近的错误：%s）"},
    {"none recorded", "无记录"},
    {"scan the feed on schedule (govsecd's scheduled scans, or govsec "
     "counterfeit scan)",
     "按期监测该数据源（govsecd 定时监测，或 govsec counterfeit scan）"},
    {"feed '%s' last scanned %s, more than %lld hours ago",
     "数据源“%s”最近一次监测于 %s，已超过 %lld 小时"},
    {"feed '%s' scanned %s, within %lld hours",
     "数据源“%s”于 %s 完成监测，在 %lld 小时之内"},
    {"complaint received %s, examined %s", "举报于 %s 受理，%s 开始核查"},
    {"examine the complaint's case now (govsec counterfeit case confirm)",
     "立即核查该举报对应的案件（govsec counterfeit case confirm）"},
    {"complaint received %s not examined after %lld days (deadline %lld "
     "days)",
     "举报于 %s 受理，%lld 天后仍未核查（期限 %lld 天）"},
    {"complaint received %s, to be examined by %s",
     "举报于 %s 受理，应于 %s 前核查"},
    {"suspect %s '%s' opened %s, decided %s on %s",
     "疑似仿冒（%s）“%s”于 %s 立案，已认定为 %s（%s）"},
    {"confirm with the registry whether a unit operates it and record the "
     "decision (govsec counterfeit case decide)",
     "对照登记信息核实其是否由已登记单位开办，并记录认定结论（govsec "
     "counterfeit case decide）"},
    {"suspect %s '%s' opened %s is still %s after %lld days (deadline %lld "
     "days)",
     "疑似仿冒（%s）“%s”于 %s 立案，%s 状态已持续 %lld 天（期限 %lld 天）"},
    {"suspect %s '%s' opened %s, to be decided by %s",
     "疑似仿冒（%s）“%s”于 %s 立案，应于 %s 前认定"},
    {"counterfeit %s '%s' decided %s, taken down %s",
     "仿冒（%s）“%s”于 %s 认定，%s 已处置"},
    {"stop it (govsec counterfeit takedown write, the platform's notice), "
     "then record it (govsec counterfeit case done)",
     "予以处置（govsec counterfeit takedown write，向平台发出通知），并记录"
     "（govsec counterfeit case done）"},
    {"counterfeit %s '%s' decided %s is %s, not taken down after %lld days "
     "(deadline %lld days)",
     "仿冒（%s）“%s”于 %s 认定，当前为 %s，%lld 天后仍未处置（期限 %lld 天）"},
    {"counterfeit %s '%s' decided %s, to be taken down by %s",
     "仿冒（%s）“%s”于 %s 认定，应于 %s 前处置"},
    /* rules_ecert.c */
    {"not in an e-certificate pilot area ('ecert_pilot'): %s bind units of "
     "pilot areas only (interp. Q4-Q6)",
     "不在电子证照试点地区（'ecert_pilot'）：%s 仅约束试点地区的单位（解读问答 "
     "4-6）"},
    {"use the unit's valid certificate; have the revoked one withdrawn from "
     "every platform",
     "使用本单位有效的电子证照；请各平台撤下已吊销的证照"},
    {"platform operators were shown a revoked certificate of the unit %lld "
     "times in the last year",
     "近一年内平台运营者 %lld 次收到本单位已吊销的电子证照"},
    {"certificate %s is valid until %s", "电子证照 %s 有效期至 %s"},
    {"issue the unit a new certificate (govsec cert issue)",
     "为该单位签发新的电子证照（govsec cert issue）"},
    {"no valid certificate: %s was revoked on %s",
     "无有效电子证照：%s 已于 %s 吊销"},
    {"no valid certificate: %d expired", "无有效电子证照：%d 个已过期"},
    {"issue the unit its certificate (govsec cert issue)",
     "为该单位签发电子证照（govsec cert issue）"},
    {"no electronic certificate has been issued to the unit",
     "尚未向该单位签发电子证照"},
    {"not in an e-certificate pilot area ('ecert_pilot'): online names bind "
     "units of pilot areas only (interp. Q4-Q6)",
     "不在电子证照试点地区（'ecert_pilot'"
     "）：网上名称审核仅约束试点地区的单位（解读问答 4-6）"},
    {"online name '%s' is approved", "网上名称“%s”已审核通过"},
    {"have the establishment department decide the application",
     "请机构编制部门对该申请作出审核决定"},
    {"online name '%s' awaits the establishment department's decision",
     "网上名称“%s”待机构编制部门审核"},
    {"rename the application and apply again (govsec name apply)",
     "更改应用名称后重新申请（govsec name apply）"},
    {"online name '%s' was rejected: %s", "网上名称“%s”未获通过：%s"},
    {"apply for the online name (govsec name apply NAME --unit USCC --app ID)",
     "申请网上名称（govsec name apply NAME --unit USCC --app ID）"},
    {"online name '%s' is not approved: no application was made",
     "网上名称“%s”未经审核：尚未提出申请"},
    {"not in an e-certificate pilot area ('ecert_pilot'): proof by "
     "e-certificate binds units of pilot areas only (interp. Q4-Q6)",
     "不在电子证照试点地区（'ecert_pilot'"
     "）：以电子证照证明身份仅约束试点地区的单位（解读问答 4-6）"},
    {"%lld platform operators verified the unit's certificate through the "
     "service in the last year",
     "近一年内有 %lld 个平台运营者通过核验服务核验了本单位的电子证照"},
    {"have the platform verify the unit's certificate through the "
     "verification service, or attest how the unit proved itself (govsec "
     "attest APP-2)",
     "请平台通过核验服务核验本单位的电子证照，或由人员证明单位以何种方式证明身"
     "份（govsec attest APP-2）"},
    {"no platform operator verified the unit through the service in the "
     "last year: how the unit proved its identity to the platform is not "
     "known",
     "近一年内没有平台运营者通过核验服务核验本单位：单位以何种方式向平台证明身"
     "份无从得知"},
    {"the unit authenticated with its certificate's key %lld times in the "
     "last year",
     "近一年内本单位 %lld 次使用电子证照密钥进行认证"},
    {"encouraged, not required: the unit has not authenticated with its "
     "certificate's key in the last year",
     "鼓励而非强制：近一年内本单位未使用电子证照密钥进行认证"},
    {"not in an e-certificate pilot area ('ecert_pilot'): online logos bind "
     "units of pilot areas only (interp. Q4-Q6)",
     "不在电子证照试点地区（'ecert_pilot'"
     "）：网上标识仅约束试点地区的单位（解读问答 4-6）"},
    {"online logo %s issued on %s", "网上标识 %s 已于 %s 核发"},
    {"issue the application a new online logo for its domains (govsec logo "
     "issue APP) and revoke the old one",
     "为该应用按其现用域名核发新的网上标识（govsec logo issue "
     "APP），并撤销原标识"},
    {"the application's online logo was issued for %s, not for its domain %s",
     "该应用的网上标识核发给域名 %s，而非其现用域名 %s"},
    {"issue the application a new online logo (govsec logo issue APP)",
     "为该应用核发新的网上标识（govsec logo issue APP）"},
    {"no valid online logo: %s was revoked on %s",
     "无有效网上标识：%s 已于 %s 撤销"},
    {"once its online name is approved, issue the application its online logo "
     "(govsec logo issue APP)",
     "网上名称审核通过后，为该应用核发网上标识（govsec logo issue APP）"},
    {"no online logo has been issued to the application",
     "尚未向该应用核发网上标识"},
    {"%s has not been observed: the portal has no domain to inspect",
     "%s 尚未观测：门户网站没有可巡检的域名"},
    /* registry/naming.c: name_check's reasons, an argument of NAME-1's
     * evidence */
    {"the unit has no name to compare with", "该单位没有可供比对的名称"},
    {"the unit's names are not valid UTF-8", "该单位的名称不是有效的UTF-8文本"},
    {"online name is empty", "网上名称为空"},
    {"online name is not valid UTF-8 or has control characters",
     "网上名称不是有效的UTF-8文本或含有控制字符"},
    {"online name '%s' starts with the unit name '%s'",
     "网上名称“%s”以单位名称“%s”开头"},
    {"online name '%s' starts with the unit short name '%s'",
     "网上名称“%s”以单位规范简称“%s”开头"},
    {"online name '%s' is region name '%s' plus a function name: the unit name "
     "'%s' must be shown prominently",
     "网上名称“%s”由地名“%s”加职能名称构成，须显著展示单位名称“%s”"},
    {"online name '%s' starts with neither the unit name '%s' nor its short "
     "name '%s'",
     "网上名称“%s”既未以单位名称“%s”开头，也未以其规范简称“%s”开头"},
    {"online name '%s' does not start with the unit name '%s'",
     "网上名称“%s”未以单位名称“%s”开头"},
};

/* Longest conversion specification copied ("%-*.*lld" and the like). */
#define SPEC_MAX 32
/* Fewest characters before the first conversion of a format that a %s
 * argument is matched against (short ones like "%s is on" would match
 * too much). */
#define ANCHOR 8
/* Most conversions in one entry (for matching a formatted fix back). */
#define CONV_MAX 16

/* The entries whose conversions agree with their English, and an index
 * of them by English (built once, read-only after). */
static const struct zh_entry *valid[ARRAY_SIZE(zh_entries)];
static size_t nvalid;
static struct map idx;

/*
 * Reads the conversion at *p (just after '%') into spec (with its '%'),
 * advancing *p; sets *conv to the conversion character and *len to the
 * length modifier ("", "l", "ll", "z", ...), *stars to the number of '*'
 * (each takes an int argument). Returns 0, or -1 if it is not one this
 * file formats (%n, %p, wide characters, positional arguments).
 */
static int
spec_parse(const char **p, char *spec, char *conv, char len[3], int *stars,
	   int *precision)
{
	const char *s = *p, *start = *p;
	size_t n;

	*stars = 0;
	*precision = -1;
	while (*s != '\0' && strchr("-+ #0", *s) != NULL)
		s++;
	if (*s == '*') {
		(*stars)++;
		s++;
	} else
		while (*s >= '0' && *s <= '9')
			s++;
	if (*s == '$')
		return -1;
	if (*s == '.') {
		s++;
		if (*s == '*') {
			(*stars)++;
			s++;
		} else {
			*precision = 0;
			while (*s >= '0' && *s <= '9')
				*precision = *precision * 10 + (*s++ - '0');
		}
	}
	n = 0;
	while (*s != '\0' && strchr("hlzjt", *s) != NULL && n < 2)
		len[n++] = *s++;
	len[n] = '\0';
	if (*s == '\0' || strchr("diuxXofeEgGsc", *s) == NULL)
		return -1;
	*conv = *s++;
	if ((size_t)(s - start) + 2 > SPEC_MAX)
		return -1;
	spec[0] = '%';
	memcpy(spec + 1, start, (size_t)(s - start));
	spec[s - start + 1] = '\0';
	*p = s;
	return 0;
}

/* The argument class of a conversion: 'i' int, 'l' long, 'L' long long,
 * 'z' size_t, 'f' double, 's' string; 0 if not formatted here. */
static char
arg_class(char conv, const char *len)
{
	if (conv == 's')
		return *len == '\0' ? 's' : 0;
	if (strchr("feEgG", conv) != NULL)
		return *len == '\0' ? 'f' : 0;
	if (strcmp(len, "ll") == 0)
		return 'L';
	if (strcmp(len, "l") == 0)
		return 'l';
	if (strcmp(len, "z") == 0)
		return 'z';
	return *len == '\0' ? 'i' : 0;
}

int
zh_conversions(const char *fmt, char *out, size_t n)
{
	size_t k = 0;

	for (const char *p = fmt; *p != '\0';) {
		char spec[SPEC_MAX], conv, len[3], cls;
		int stars, prec;

		if (*p++ != '%')
			continue;
		if (*p == '%') {
			p++;
			continue;
		}
		if (spec_parse(&p, spec, &conv, len, &stars, &prec) < 0 ||
		    (cls = arg_class(conv, len)) == 0)
			return -1;
		for (int i = 0; i <= stars; i++) {
			if (k + 2 > n)
				return -1;
			out[k++] = i < stars ? '*' : cls;
		}
	}
	if (k + 1 > n)
		return -1;
	out[k] = '\0';
	return 0;
}

/*
 * reverse() tries the formats in catalogue order; a text can only match a
 * format whose words before its first conversion it starts with. So the
 * formats with at least KEY_LEN such characters are listed by them
 * (by_key: those KEY_LEN bytes -> a list of valid[] indexes, ascending),
 * the others in one list (shorts); reverse() tries only the formats of
 * the text's first KEY_LEN bytes and the short ones, still in order.
 */
#define KEY_LEN 8
struct zh_list {
	unsigned short *i;
	size_t n, cap;
};
_Static_assert(ARRAY_SIZE(zh_entries) < 65536, "indexes are shorts");
static struct map by_key;
static struct zh_list *keyed, shorts;
static size_t nkeyed;

static void
list_add(struct zh_list *l, size_t i)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? 2 * l->cap : 8;
		l->i = xrealloc(l->i, l->cap * sizeof(*l->i));
	}
	l->i[l->n++] = (unsigned short)i;
}

static void
zh_init(void)
{
	map_init(&idx);
	map_init(&by_key);
	keyed = xcalloc(ARRAY_SIZE(zh_entries), sizeof(*keyed));
	for (size_t i = 0; i < ARRAY_SIZE(zh_entries); i++) {
		char a[64], b[64], key[KEY_LEN + 1];
		const char *en = zh_entries[i].en;
		long long k;

		if (zh_conversions(en, a, sizeof(a)) < 0 ||
		    zh_conversions(zh_entries[i].zh, b, sizeof(b)) < 0 ||
		    strcmp(a, b) != 0)
			continue;
		map_put(&idx, en, (long long)nvalid, NULL);
		if (strchr(en, '%') != NULL) {
			if (strcspn(en, "%") < KEY_LEN) {
				list_add(&shorts, nvalid);
			} else {
				memcpy(key, en, KEY_LEN);
				key[KEY_LEN] = '\0';
				if (map_get(&by_key, key, &k) < 0) {
					k = (long long)nkeyed++;
					map_put(&by_key, key, k, NULL);
				}
				list_add(&keyed[k], nvalid);
			}
		}
		valid[nvalid++] = &zh_entries[i];
	}
}

static int reverse(struct buf *b, const char *s, size_t anchor);

static const struct zh_entry *
find(const char *en)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	long long i;

	if (en == NULL)
		return NULL;
	pthread_once(&once, zh_init);
	return map_get(&idx, en, &i) == 0 ? valid[i] : NULL;
}

const char *
zh_lookup(const char *en)
{
	const struct zh_entry *e = find(en);

	return e != NULL ? e->zh : NULL;
}

const struct zh_entry *
zh_table(size_t *n)
{
	*n = ARRAY_SIZE(zh_entries);
	return zh_entries;
}

/* The Chinese of a fixed phrase given as a %s argument ("it is critical
 * information infrastructure"), else s itself. */
static const char *
phrase(const char *s)
{
	const struct zh_entry *e;

	if (s == NULL)
		return "";
	e = find(s);
	return e != NULL && strchr(e->en, '%') == NULL ? e->zh : s;
}

#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
/* One conversion of a catalogue entry (checked against its English by
 * zh_init) with its argument. */
static int
put_one(struct buf *b, const char *spec, char cls, int w1, int w2, int stars,
	va_list *ap)
{
	switch (cls) {
	case 's': {
		const char *arg = va_arg(*ap, const char *), *s = phrase(arg);
		struct buf t = BUF_INIT(1 << 16);
		int rc;

		/* an English sentence another part formatted (name_check's
		 * reason): the format it matches, if it starts with enough of
		 * a format's words to tell */
		if (s == arg && arg != NULL && *arg >= 'a' && *arg <= 'z' &&
		    strchr(arg, ' ') != NULL && reverse(&t, arg, ANCHOR) == 0)
			s = t.data;
		rc = stars == 2	  ? buf_printf(b, spec, w1, w2, s)
		     : stars == 1 ? buf_printf(b, spec, w1, s)
				  : buf_printf(b, spec, s);
		buf_cleanup(&t);
		return rc;
	}
	case 'f': {
		double v = va_arg(*ap, double);

		return stars == 2   ? buf_printf(b, spec, w1, w2, v)
		       : stars == 1 ? buf_printf(b, spec, w1, v)
				    : buf_printf(b, spec, v);
	}
	case 'L': {
		long long v = va_arg(*ap, long long);

		return stars == 2   ? buf_printf(b, spec, w1, w2, v)
		       : stars == 1 ? buf_printf(b, spec, w1, v)
				    : buf_printf(b, spec, v);
	}
	case 'l': {
		long v = va_arg(*ap, long);

		return stars == 2   ? buf_printf(b, spec, w1, w2, v)
		       : stars == 1 ? buf_printf(b, spec, w1, v)
				    : buf_printf(b, spec, v);
	}
	case 'z': {
		size_t v = va_arg(*ap, size_t);

		return stars == 2   ? buf_printf(b, spec, w1, w2, v)
		       : stars == 1 ? buf_printf(b, spec, w1, v)
				    : buf_printf(b, spec, v);
	}
	default: {
		int v = va_arg(*ap, int);

		return stars == 2   ? buf_printf(b, spec, w1, w2, v)
		       : stars == 1 ? buf_printf(b, spec, w1, v)
				    : buf_printf(b, spec, v);
	}
	}
}
#pragma GCC diagnostic pop

int
zh_vformat(struct buf *b, const char *en, va_list ap)
{
	const struct zh_entry *e = find(en);
	va_list cp;
	int rc = 0;

	if (e == NULL)
		return -1;
	va_copy(cp, ap);
	for (const char *p = e->zh; *p != '\0' && rc == 0;) {
		char spec[SPEC_MAX], conv, len[3];
		int stars, prec, w1 = 0, w2 = 0;
		size_t n = strcspn(p, "%");

		if (n > 0) {
			rc = buf_add(b, p, n);
			p += n;
			continue;
		}
		p++;
		if (*p == '%') {
			rc = buf_addch(b, '%');
			p++;
			continue;
		}
		/* zh_init checked it parses and agrees with the English */
		if (spec_parse(&p, spec, &conv, len, &stars, &prec) < 0) {
			rc = -1;
			break;
		}
		if (stars > 0)
			w1 = va_arg(cp, int);
		if (stars > 1)
			w2 = va_arg(cp, int);
		rc = put_one(b, spec, arg_class(conv, len), w1, w2, stars, &cp);
	}
	va_end(cp);
	return rc;
}

/* Most steps of matching one text against one format: a %s tries every
 * length, so formats with several could take long on a long text. */
#define MATCH_BUDGET 100000

/* Matches text s against English format pat (its %s take any text, its
 * integer conversions digits), capturing each conversion's text; *budget
 * counts down the steps. */
static int
match(const char *pat, const char *s, const char **cap, size_t *caplen, int k,
      long *budget)
{
	while (*pat != '\0') {
		char spec[SPEC_MAX], conv, len[3];
		int stars, prec;
		const char *p;

		if (--*budget < 0)
			return -1;

		if (*pat != '%' || pat[1] == '%') {
			if (*s != *pat)
				return -1;
			pat += *pat == '%' ? 2 : 1;
			s++;
			continue;
		}
		p = pat + 1;
		if (k == CONV_MAX ||
		    spec_parse(&p, spec, &conv, len, &stars, &prec) < 0 ||
		    stars > 0)
			return -1;
		cap[k] = s;
		if (conv == 's') {
			/* shortest text first, then longer */
			for (const char *end = s;; end++) {
				caplen[k] = (size_t)(end - s);
				if (match(p, end, cap, caplen, k + 1, budget) ==
				    0)
					return 0;
				if (*end == '\0')
					return -1;
			}
		}
		if (strchr("diu", conv) == NULL)
			return -1;
		{
			const char *end = s + (*s == '-');

			if (*end < '0' || *end > '9')
				return -1;
			while (*end >= '0' && *end <= '9')
				end++;
			caplen[k] = (size_t)(end - s);
			return match(p, end, cap, caplen, k + 1, budget);
		}
	}
	return *s == '\0' ? 0 : -1;
}

/* Appends the Chinese of text s formatted from one of the catalogue's
 * formats (anchored: only those whose English starts with at least
 * anchor characters of text); -1 if none matches. */
static int
reverse(struct buf *b, const char *s, size_t anchor)
{
	const char *cap[CONV_MAX];
	size_t caplen[CONV_MAX];
	const struct zh_list none = {NULL, 0, 0}, *kl = &none;
	const struct zh_list *sl = anchor < KEY_LEN ? &shorts : &none;
	size_t ki = 0, si = 0;

	if (strnlen(s, KEY_LEN) == KEY_LEN) {
		char key[KEY_LEN + 1];
		long long k;

		memcpy(key, s, KEY_LEN);
		key[KEY_LEN] = '\0';
		if (map_get(&by_key, key, &k) == 0)
			kl = &keyed[k];
	}
	/* the two lists merged, in catalogue order */
	while (ki < kl->n || si < sl->n) {
		size_t i = si >= sl->n || (ki < kl->n && kl->i[ki] < sl->i[si])
			       ? kl->i[ki++]
			       : sl->i[si++];
		const struct zh_entry *e = valid[i];
		long budget = MATCH_BUDGET;
		int k = 0, rc = 0;

		if (strcspn(e->en, "%") < anchor || e->en[anchor] == '\0' ||
		    strchr(e->en, '%') == NULL ||
		    match(e->en, s, cap, caplen, 0, &budget) < 0)
			continue;
		for (const char *p = e->zh; *p != '\0' && rc == 0;) {
			char spec[SPEC_MAX], conv, len[3];
			int stars, prec;
			size_t n = strcspn(p, "%");

			if (n > 0) {
				rc = buf_add(b, p, n);
				p += n;
				continue;
			}
			p++;
			if (*p == '%') {
				rc = buf_addch(b, '%');
				p++;
				continue;
			}
			if (spec_parse(&p, spec, &conv, len, &stars, &prec) < 0)
				return -1;
			if (prec != 0)
				rc = buf_add(b, cap[k], caplen[k]);
			k++;
		}
		return rc;
	}
	return -1;
}

int
zh_text(struct buf *b, const char *s)
{
	const char *t = phrase(s);

	if (s == NULL || *s == '\0')
		return -1;
	if (t != s)
		return buf_addstr(b, t);
	/* A text a rule formatted itself: the entry its format matches. */
	return reverse(b, s, 0);
}
