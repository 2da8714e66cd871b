#!/usr/bin/python3
"""counterfeit_gen.py: data for bench/counterfeit (deterministic, --seed).

  registry   a registry in the import format with N protected domains:
             N/50 units (valid credit codes, real GB/T 2260 regions), 50
             portals each with one domain whose brand looks like Chinese
             government domains do (region pinyin plus a department
             abbreviation, initials, pinyin syllables), under gov.cn (60 %),
             cn, com, org.cn, edu.cn, com.cn.
  candidates M candidate domains of the same look (pinyin and initials,
             English-like words) under common suffixes, 1 % of them
             dnstwist permutations of protected domains; one per line.
  sample     K protected domains (one per line) for the recall and the
             dnstwist-way comparison.
"""
import argparse
import json
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from gen_registry import pick, uscc  # noqa: E402 (valid GB 32100 codes)

SYLLABLES = (
    "a ai an ang ao ba bai ban bang bao bei ben bi bian biao bin bo bu ca "
    "cai can cang cao ce cen cha chai chan chang chao che chen cheng chi "
    "chong chou chu chuan chuang chun ci cong cu cui cun cuo da dai dan "
    "dang dao de deng di dian diao ding dong dou du duan dui dun duo e en "
    "er fa fan fang fei fen feng fo fou fu ga gai gan gang gao ge gei gen "
    "geng gong gou gu gua guai guan guang gui gun guo ha hai han hang hao "
    "he hei hen heng hong hou hu hua huai huan huang hui hun huo ji jia "
    "jian jiang jiao jie jin jing jiong jiu ju juan jue jun ka kai kan kang "
    "kao ke ken keng kong kou ku kua kuai kuan kuang kui kun kuo la lai lan "
    "lang lao le lei leng li lia lian liang liao lie lin ling liu long lou "
    "lu luan lun luo lv ma mai man mang mao mei men meng mi mian miao mie "
    "min ming mo mou mu na nai nan nang nao ne nei nen neng ni nian niang "
    "niao nie nin ning niu nong nu nuan nuo nv ou pa pai pan pang pao pei "
    "pen peng pi pian piao pie pin ping po pu qi qia qian qiang qiao qie "
    "qin qing qiong qiu qu quan que qun ran rang rao re ren reng ri rong "
    "rou ru ruan rui run ruo sa sai san sang sao se sen seng sha shai shan "
    "shang shao she shen sheng shi shou shu shua shuai shuan shuang shui "
    "shun shuo si song sou su suan sui sun suo ta tai tan tang tao te teng "
    "ti tian tiao tie ting tong tou tu tuan tui tun tuo wa wai wan wang wei "
    "wen weng wo wu xi xia xian xiang xiao xie xin xing xiong xiu xu xuan "
    "xue xun ya yan yang yao ye yi yin ying yong you yu yuan yue yun za zai "
    "zan zang zao ze zei zen zeng zha zhai zhan zhang zhao zhe zhen zheng "
    "zhi zhong zhou zhu zhua zhuai zhuan zhuang zhui zhun zhuo zi zong zou "
    "zu zuan zui zun zuo").split()
DEPTS = ["edu", "ga", "gaj", "sw", "rs", "wjw", "fgw", "jxj", "zrzy", "sthj",
         "zjj", "jtj", "slj", "nync", "sjj", "wlj", "tjj", "yjgl", "scjg",
         "ybj", "hospital", "lib", "court", "jcy", "sfj", "mzj", "czj", "tyj",
         "rd", "zx", "xw", "tzb", "zzb", "gh", "fl", "tw", "kx", "ql"]
WORDS = ("shop home cloud tech data online news info game music photo "
         "travel food health market trade media design studio service "
         "digital smart mobile global best my web net link star sun moon "
         "city world team group center focus prime blue green red gold "
         "river lake hill stone wood fire water light bright fast easy "
         "happy lucky good top one").split()
GOV_SFX = [("gov.cn", 60), ("cn", 15), ("com", 10), ("org.cn", 5),
           ("edu.cn", 5), ("com.cn", 5)]
CAND_SFX = [("com", 40), ("cn", 20), ("net", 8), ("com.cn", 6), ("top", 6),
            ("xyz", 4), ("org", 4), ("cc", 3), ("vip", 3), ("info", 2),
            ("net.cn", 2), ("site", 2)]


def regions(src):
    rows = []
    with open(os.path.join(src, "data", "gbt2260.tsv"), encoding="utf-8") as f:
        for line in f:
            if not line.startswith("#"):
                code, name, core, py, ini = line.rstrip("\n").split("\t")
                rows.append((code, name, py, ini))
    return rows


def pinyin_word(rng, lo, hi):
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(lo, hi)))


def brand(rng, regs):
    r = rng.random()
    code, name, py, ini = rng.choice(regs)
    if r < 0.35:
        return py + rng.choice(DEPTS)
    if r < 0.55:
        return ini + rng.choice(DEPTS) + rng.choice(
            ["", "", str(rng.randint(1, 9))])
    if r < 0.75:
        return py
    return pinyin_word(rng, 2, 4)


def registry(args, rng, regs):
    seen, units, apps = set(), [], []
    per = 50
    nunits = (args.protected + per - 1) // per
    for u in range(nunits):
        code, name, py, ini = rng.choice(regs)
        us = uscc("11", code, 10_000_000 + u)
        units.append({"uscc": us, "name": f"{name}第{u}局", "kind":
                      "administrative", "level": "county", "region": code,
                      "region_name": name})
        for a in range(per):
            if len(apps) >= args.protected:
                break
            while True:
                d = brand(rng, regs) + "." + pick(rng, GOV_SFX)
                if d not in seen and len(d) < 60:
                    seen.add(d)
                    break
            apps.append({"id": f"p{len(apps)}", "unit": us, "type": "portal",
                         "name": f"{name}网站{len(apps)}",
                         "domains": [{"name": "www." + d}]})
    doc = {"format": "govsec-registry/1", "units": units, "outsourcers": [],
           "applications": apps, "people": [], "grants": []}
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump(doc, f, ensure_ascii=False)
    return sorted(seen)


def candidates(args, rng, regs, protected):
    import dnstwist
    out = open(args.out, "w")
    perms_every = 100  # 1 %
    pool = []
    for i in range(args.candidates):
        if i % perms_every == 0:
            if not pool:
                f = dnstwist.Fuzzer(rng.choice(protected))
                f.generate(fuzzers=["addition", "bitsquatting", "homoglyph",
                                    "hyphenation", "insertion", "omission",
                                    "repetition", "replacement", "subdomain",
                                    "transposition", "vowel-swap", "various"])
                pool = [p["domain"] for p in f.domains
                        if p["fuzzer"] != "*original"]
                rng.shuffle(pool)
                pool = pool[:200]
            out.write(pool.pop() + "\n")
            continue
        r = rng.random()
        if r < 0.03:    # government-looking names
            b = brand(rng, regs)
        elif r < 0.33:  # pinyin words, some with an English word
            b = pinyin_word(rng, 1, 3) + (rng.choice(WORDS)
                                          if rng.random() < 0.3 else "")
        elif r < 0.78:  # English word pairs, some with digits
            b = rng.choice(WORDS) + rng.choice(WORDS) + (
                str(rng.randint(0, 99)) if rng.random() < 0.3 else "")
        else:           # random strings
            b = "".join(rng.choice("abcdefghijklmnopqrstuvwxyz0123456789")
                        for _ in range(rng.randint(5, 12)))
        pre = "www." if rng.random() < 0.1 else ""
        out.write(pre + b + "." + pick(rng, CAND_SFX) + "\n")
    out.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["registry", "candidates", "sample"])
    ap.add_argument("--protected", type=int, default=50000)
    ap.add_argument("--candidates", type=int, default=5000000)
    ap.add_argument("--sample", type=int, default=500)
    ap.add_argument("--seed", type=int, default=20261206)
    ap.add_argument("--src", default=os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    ap.add_argument("-o", "--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    regs = regions(args.src)
    # the registry is made first in every mode so the protected domains
    # are the same for the same seed
    out = args.out
    args.out = out if args.what == "registry" else os.devnull
    protected = registry(args, rng, regs)
    args.out = out
    if args.what == "candidates":
        candidates(args, random.Random(args.seed + 1), regs, protected)
    elif args.what == "sample":
        r = random.Random(args.seed + 2)
        with open(args.out, "w") as f:
            for d in r.sample(protected, args.sample):
                f.write(d + "\n")


if __name__ == "__main__":
    main()
