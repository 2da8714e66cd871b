#!/usr/bin/env python3
"""gen_registry.py: writes a synthetic registry in the govsec import format
(govsec-registry/1) for benchmarks: N units (default 100,000), 3N
applications, N/20 outsourcing units, N people and N grants.

Deterministic: the same --units and --seed give the same bytes. Every record
is valid for import (credit codes with correct GB 32100 and GB 11714 check
characters, unique domains, at most one live portal per unit, references
resolve), and a realistic share of them carries planted violations for the
self-examination (organ on .com, institution on .gov.cn, stale assessments,
catch-all IP segments, single-factor logins, township portals, outsourced
highest admins, expired grants, ...).

usage: gen_registry.py [--units N] [--seed S] [-o FILE]   (stdout by default)
Stdlib only.
"""
import argparse
import json
import random
import sys

ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
ORG_WEIGHTS = [3, 7, 9, 10, 5, 8, 4, 2]

# (province code, province, [(prefecture code, prefecture, [counties])])
REGIONS = [
    ("440000", "广东省", [
        ("440700", "江门市", ["蓬江区", "江海区", "新会区", "台山市", "开平市",
                              "鹤山市", "恩平市"]),
        ("440100", "广州市", ["越秀区", "海珠区", "天河区", "白云区", "番禺区",
                              "花都区", "增城区"]),
        ("440600", "佛山市", ["禅城区", "南海区", "顺德区", "三水区", "高明区"]),
    ]),
    ("320000", "江苏省", [
        ("320100", "南京市", ["玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区",
                              "栖霞区"]),
        ("320500", "苏州市", ["姑苏区", "虎丘区", "吴中区", "相城区", "吴江区",
                              "常熟市", "昆山市"]),
    ]),
    ("510000", "四川省", [
        ("510100", "成都市", ["锦江区", "青羊区", "金牛区", "武侯区", "成华区",
                              "都江堰市"]),
        ("510700", "绵阳市", ["涪城区", "游仙区", "安州区", "江油市"]),
    ]),
]

ORGAN_KINDS = [("administrative", 55), ("party", 15), ("npc", 4),
               ("cppcc", 4), ("supervisory", 4), ("judicial", 6),
               ("procuratorial", 6), ("mass", 6)]
LEVELS = [("central", 1), ("provincial", 20), ("prefecture", 120),
          ("county", 520), ("township", 339)]
FUNCTIONS = {
    "administrative": ["人民政府", "教育局", "公安局", "卫生健康局", "财政局",
                       "民政局", "自然资源局", "生态环境局", "交通运输局",
                       "市场监督管理局", "人力资源和社会保障局", "农业农村局"],
    "party": ["委员会办公室", "委员会组织部", "委员会宣传部", "机构编制委员会办公室"],
    "npc": ["人民代表大会常务委员会"],
    "cppcc": ["政协委员会"],
    "supervisory": ["监察委员会"],
    "judicial": ["人民法院", "司法局"],
    "procuratorial": ["人民检察院"],
    "mass": ["总工会", "妇女联合会", "共青团委员会"],
    "institution": ["人民医院", "中心医院", "图书馆", "博物馆", "职业技术学院",
                    "中学", "疾病预防控制中心", "档案馆", "广播电视台"],
}
PLATFORMS_OK = ["华为应用市场", "小米应用商店", "应用宝", "App Store",
                "OPPO软件商店", "vivo应用商店", "own-website"]
PLATFORMS_BAD = ["快快下载站", "某某手机乐园"]
MINI_PLATFORMS = ["微信小程序平台", "支付宝小程序平台", "百度智能小程序平台"]
ACCOUNT_PLATFORMS = ["微信公众平台", "新浪微博", "抖音", "今日头条"]


def org_code(serial):
    """A GB 11714 organization code: 8 digits and its check character."""
    s8 = f"{serial:08d}"
    c = 11 - sum(int(d) * w for d, w in zip(s8, ORG_WEIGHTS)) % 11
    return s8 + ("X" if c == 10 else "0" if c == 11 else str(c))


def uscc(category, region, serial):
    body = category + region + org_code(serial)
    c = 31 - sum(ALPHABET.index(ch) * w for ch, w in zip(body, WEIGHTS)) % 31
    return body + ALPHABET[0 if c == 31 else c]


def pick(rng, weighted):
    total = sum(w for _, w in weighted)
    x = rng.random() * total
    for v, w in weighted:
        x -= w
        if x < 0:
            return v
    return weighted[-1][0]


def day(rng, lo, hi):
    """A date lo..hi days before 2026-11-26, as YYYY-MM-DD."""
    import datetime
    d = datetime.date(2026, 11, 26) - datetime.timedelta(
        days=rng.randint(lo, hi))
    return d.isoformat()


class Gen:
    def __init__(self, n, seed):
        self.n = n
        self.rng = random.Random(seed)
        self.units = []       # dicts
        self.by_level = {l: [] for l, _ in LEVELS}
        self.outsourcers = []
        self.counties = []
        for pcode, pname, prefs in REGIONS:
            for fcode, fname, counties in prefs:
                for k, cname in enumerate(counties):
                    ccode = fcode[:4] + f"{k + 2:02d}"
                    self.counties.append((pcode, pname, fcode, fname, ccode,
                                          cname))

    def make_units(self):
        rng = self.rng
        # Heads of each level first, so that children have parents.
        for i in range(self.n):
            level = pick(rng, LEVELS) if i >= 64 else (
                "central" if i < 4 else "provincial" if i < 16 else
                "prefecture" if i < 40 else "county")
            institution = rng.random() < 0.38
            kind = "institution" if institution else pick(rng, ORGAN_KINDS)
            pcode, pname, fcode, fname, ccode, cname = rng.choice(
                self.counties)
            if level == "central":
                region, rname = "100000", "国家"
            elif level == "provincial":
                region, rname = pcode, pname
            elif level == "prefecture":
                region, rname = fcode, fname
            elif level == "county":
                region, rname = ccode, fname + cname
            else:
                region, rname = ccode, fname + cname + f"第{i % 97 + 1}镇"
            func = rng.choice(FUNCTIONS[kind])
            name = f"{rname}{func}（{i:06d}）"
            u = {"uscc": uscc("12" if institution else "11", region, i + 1),
                 "name": name, "kind": kind, "level": level,
                 "region": region, "region_name": rname}
            if rng.random() < 0.3:
                u["short_name"] = f"{rname}{func[:2]}{i:06d}"
            # Parent: a unit of the level above, where there is one.
            up = {"provincial": "central", "prefecture": "provincial",
                  "county": "prefecture", "township": "county"}.get(level)
            if up and self.by_level[up] and rng.random() < 0.85:
                u["parent"] = rng.choice(self.by_level[up][-500:])["uscc"]
            elif level == "county" and self.by_level["county"] and \
                    rng.random() < 0.5:
                # county-level department under a county (SITE-4 if it
                # runs a portal)
                u["parent"] = rng.choice(self.by_level["county"][-500:])[
                    "uscc"]
            if func == "机构编制委员会办公室":
                u["establishment"] = True
            self.units.append(u)
            self.by_level[level].append(u)
        return self.units

    def make_outsourcers(self):
        rng = self.rng
        for k in range(max(1, self.n // 20)):
            u = rng.choice(self.units)
            self.outsourcers.append({
                "id": f"os-{k:06d}",
                "name": f"信息技术服务有限公司{k:06d}",
                "uscc": uscc("91", u["region"], 50_000_000 + k),
                "unit": u["uscc"],
                "security_duties": rng.random() < 0.9,
                "subcontract_consent": rng.random() < 0.9,
            })
        return self.outsourcers

    def security(self, staff, personal, email=False):
        rng = self.rng
        s = {"log_retention_days": rng.choice([365, 400, 730, 1095])
             if rng.random() < 0.95 else rng.choice([90, 180, 364]),
             "log_backup": rng.random() < 0.97}
        if personal or email:
            s["mfa"] = rng.random() < 0.9
            s["idle_timeout_minutes"] = rng.choice([10, 15, 20, 30]) \
                if rng.random() < 0.95 else rng.choice([0, 60, 120])
            s["lockout_threshold"] = rng.choice([3, 5, 10]) \
                if rng.random() < 0.95 else rng.choice([0, 20])
            s["device_binding"] = rng.random() < 0.9
        if staff or email:
            r = rng.random()
            if r < 0.03:
                s["ip_segments"] = ["0.0.0.0/0"]
            elif r < 0.9:
                a, b = rng.randint(1, 254), rng.randint(0, 255)
                s["ip_segments"] = [f"10.{a}.{b}.0/24"]
                if rng.random() < 0.2:
                    s["ip_segments"].append(f"2001:db8:{a:x}{b:02x}::/48")
            s["device_restriction"] = rng.random() < 0.6
            s["overseas_access"] = rng.random() < 0.08
            if s["overseas_access"] and rng.random() < 0.8:
                s["overseas_whitelist"] = [{
                    "account": f"user{rng.randint(1, 9999)}",
                    "from": "2026-11-01T00:00:00+08:00",
                    "until": "2026-12-31T23:59:59+08:00",
                    "reason": "出访交流"}]
        return s

    def portal_domains(self, i, u):
        rng = self.rng
        organ = u["kind"] != "institution"
        r = rng.random()
        if organ:
            en = f"www.u{i:06d}.gov.cn" if r > 0.02 else f"www.u{i:06d}.com"
        elif r < 0.02:
            en = f"www.u{i:06d}.gov.cn"
        else:
            en = rng.choice([f"www.u{i:06d}.cn", f"www.u{i:06d}.edu.cn",
                             f"www.u{i:06d}.org.cn"])
        doms = [{"name": en, "lang": "en", "main": True}]
        if rng.random() < 0.25:
            zh = u["name"].split("（")[0][:12] + f"{i}"
            doms.append({"name": zh + (".政务" if organ else ".公益"),
                         "lang": "zh"})
        if rng.random() < 0.01 and len(doms) > 1:
            doms[0]["main"] = False   # SITE-2: none main
        return doms

    def app(self, i, slot, u):
        rng = self.rng
        uname = u["name"]
        personal = rng.random() < 0.35
        staff = rng.random() < 0.4
        a = {"id": f"a{i:06d}-{slot}", "unit": u["uscc"]}
        if slot == 0 and (u["level"] != "township" or rng.random() < 0.04):
            a["type"] = "portal"
            a["name"] = uname + "门户网站"
            a["status"] = "live" if rng.random() < 0.97 else "planned"
            a["filed"] = rng.random() < 0.98
            a["domains"] = self.portal_domains(i, u)
            a["login_channels"] = ["password", "sms"] if rng.random() < 0.97 \
                else ["wechat"]
        else:
            t = rng.choice(["app", "miniprogram", "account", "account",
                            "email"] if slot == 2 else
                           ["app", "miniprogram", "account"])
            a["type"] = t
            a["name"] = uname + {"app": "掌上办", "miniprogram": "小程序",
                                 "account": "发布", "email": "电子邮件系统"}[t]
            if rng.random() < 0.02:
                a["name"] = "智慧" + a["name"][len(u["region_name"]):]
            a["status"] = "live" if rng.random() < 0.95 else "planned"
            if t == "app":
                a["platforms"] = rng.sample(PLATFORMS_OK, 2)
                if rng.random() < 0.03:
                    a["platforms"].append(rng.choice(PLATFORMS_BAD))
            elif t == "miniprogram":
                a["platforms"] = [rng.choice(MINI_PLATFORMS)]
            elif t == "account":
                a["platforms"] = [rng.choice(ACCOUNT_PLATFORMS)]
            if t == "email":
                a["domains"] = [{"name": f"mail{slot}.u{i:06d}" + (
                    ".gov.cn" if u["kind"] != "institution" else ".cn"),
                    "main": True}]
                a["mail"] = {"auto_forward": rng.random() < 0.05,
                             "attachment_autodownload": rng.random() < 0.05}
            if t in ("app", "miniprogram"):
                a["login_channels"] = rng.choice(
                    [["password", "sms"], ["wechat", "password"], ["wechat"],
                     ["alipay", "sms"], ["password"]])
        level3 = a["type"] == "email" or (
            a["type"] == "portal" and u["kind"] != "institution" and
            u["level"] in ("central", "provincial", "prefecture"))
        a["mlps_level"] = 3 if (level3 and rng.random() < 0.95) else \
            rng.choice([1, 2, 2, 3])
        if rng.random() < 0.05:
            a["important_business"] = True
        if rng.random() < 0.005:
            a["critical_infrastructure"] = True
        a["last_assessment"] = day(rng, 1, 360) if rng.random() < 0.93 \
            else day(rng, 366, 900)
        if rng.random() < 0.1:
            a["last_upgrade"] = day(rng, 1, 400)
        a["staff_functions"] = staff
        a["personal_safety"] = personal
        if self.outsourcers and rng.random() < 0.3:
            a["outsourcer"] = rng.choice(self.outsourcers)["id"]
        a["security"] = self.security(staff, personal, a["type"] == "email")
        if a["type"] == "account":
            a["security"] = {"log_retention_days": 365, "log_backup": True}
        return a

    def people_and_grants(self, out, write_section):
        rng = self.rng
        n = self.n
        people = []

        def person(k):
            u = self.units[(k * 7919) % n]
            p = {"id": f"p{k:06d}", "name": f"工作人员{k:06d}",
                 "unit": u["uscc"]}
            if k % 3 == 0 and self.outsourcers:
                p["kind"] = "outsourced"
                p["outsourcer"] = self.outsourcers[k % len(
                    self.outsourcers)]["id"]
            else:
                p["kind"] = "staff"
            people.append(p["kind"])
            return p
        write_section(out, "people", (person(k) for k in range(n)))

        def grant(k):
            pk = rng.randrange(n)
            g = {"id": f"g{k:06d}", "person": f"p{pk:06d}",
                 "app": f"a{(pk * 7919) % n:06d}-1",
                 "scope": "系统运维", "privilege": rng.choice(
                     ["read", "operate", "operate", "admin"]),
                 "active": rng.random() < 0.9}
            if people[pk] == "staff" and rng.random() < 0.2:
                g["privilege"] = "highest_admin"
            if people[pk] == "outsourced":
                if rng.random() < 0.03:
                    g["privilege"] = "highest_admin"
                r = rng.random()
                if r < 0.85:
                    g["expires"] = day(rng, -365, -1)
                elif r < 0.95:
                    g["expires"] = day(rng, 1, 300)
            return g
        write_section(out, "grants", (grant(k) for k in range(n)))


def write_section(out, name, records, first=False):
    out.write(f'{"" if first else ","}\n  "{name}": [')
    sep = "\n    "
    for r in records:
        out.write(sep)
        out.write(json.dumps(r, ensure_ascii=False, separators=(",", ":")))
        sep = ",\n    "
    out.write("\n  ]")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--units", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=20240701)
    ap.add_argument("-o", "--output", default="-")
    a = ap.parse_args()
    if a.units < 1 or a.units > 99_999_999:
        ap.error("--units must be 1..99999999")
    out = sys.stdout if a.output == "-" else open(a.output, "w",
                                                   encoding="utf-8")
    g = Gen(a.units, a.seed)
    out.write('{\n  "format": "govsec-registry/1"')
    write_section(out, "units", g.make_units())
    write_section(out, "outsourcers", g.make_outsourcers())
    units = g.units
    write_section(out, "applications",
                  (g.app(i, slot, units[i]) for i in range(a.units)
                   for slot in range(3)))
    g.people_and_grants(out, write_section)
    out.write("\n}\n")
    if out is not sys.stdout:
        out.close()


if __name__ == "__main__":
    main()
