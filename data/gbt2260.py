#!/usr/bin/python3
"""gbt2260.py: makes data/gbt2260.tsv, the GB/T 2260 region code table with
pinyin that src/counterfeit/protect.c reads.

Input: the CSV files provinces.csv, cities.csv and areas.csv of
modood/Administrative-divisions-of-China (MIT licence, data of the National
Bureau of Statistics), given as a directory. Pinyin comes from ICU's
Han-Latin transliterator (uconv, Debian icu-devtools), character by
character, with the place-name readings below where ICU picks another.

Usage: data/gbt2260.py DIR > data/gbt2260.tsv
"""
import csv
import subprocess
import sys

# Readings in place names that ICU's first reading gets wrong.
CHAR = {'长': 'chang', '厦': 'xia', '蚌': 'beng', '莞': 'guan', '重': 'chong',
        '乐': 'le', '朝': 'chao', '都': 'du', '行': 'xing', '曲': 'qu',
        '单': 'shan', '阆': 'lang', '荥': 'xing', '涡': 'guo', '歙': 'she',
        '铅': 'yan', '番': 'pan', '会': 'hui', '莎': 'sha', '沈': 'shen',
        '蔚': 'yu', '大': 'da', '华': 'hua', '尉': 'wei', '济': 'ji'}
WORD = {'六安': ('luan', 'la'), '乐清': ('yueqing', 'yq'),
        '乐亭': ('laoting', 'lt'), '东阿': ('donge', 'de'),
        '黄陂': ('huangpi', 'hp'), '番禺': ('panyu', 'py'),
        '台州': ('taizhou', 'tz'), '天台': ('tiantai', 'tt')}
ETHNIC = ('维吾尔', '蒙古族', '回族', '藏族', '苗族', '彝族', '壮族', '布依族',
          '朝鲜族', '满族', '侗族', '瑶族', '白族', '土家族', '哈尼族', '哈萨克',
          '傣族', '黎族', '傈僳族', '佤族', '畲族', '拉祜族', '水族', '东乡族',
          '纳西族', '景颇族', '柯尔克孜', '土族', '达斡尔族', '仫佬族', '羌族',
          '布朗族', '撒拉族', '毛南族', '仡佬族', '锡伯族', '普米族', '塔吉克',
          '怒族', '鄂温克族', '保安族', '裕固族', '独龙族', '鄂伦春', '各族',
          '蒙古')
SUFFIX = ('特别行政区', '自治区', '自治州', '自治县', '自治旗', '林区', '地区',
          '新区', '矿区', '省', '市', '县', '区', '盟', '旗')
SKIP = ('市辖区', '县', '省直辖县级行政区划', '自治区直辖县级行政区划')


def core(name):
    """The name without its administrative suffix and ethnic names."""
    c = name
    for s in SUFFIX:
        if c.endswith(s) and len(c) - len(s) >= 2:
            c = c[:-len(s)]
            break
    cut = min([c.find(e) for e in ETHNIC if c.find(e) >= 2] or [len(c)])
    return c[:cut]


def translit(chars):
    out = subprocess.run(['uconv', '-x', 'Han-Latin; Latin-ASCII; Lower'],
                         input='\n'.join(chars), capture_output=True,
                         text=True, check=True).stdout.split('\n')
    return dict(zip(chars, out))


def main():
    d = sys.argv[1]
    rows = []
    for f, width in (('provinces', 2), ('cities', 4), ('areas', 6)):
        with open(f'{d}/{f}.csv', encoding='utf-8') as fh:
            for r in csv.DictReader(fh):
                code = r['code'].ljust(6, '0')
                # xxxx7x: development zones, not GB/T 2260 divisions
                if (r['name'] in SKIP or len(r['code']) != width or
                        (width == 6 and code[4] == '7')):
                    continue
                rows.append((code, r['name'], core(r['name'])))
    chars = sorted({ch for _, _, c in rows for ch in c})
    py = translit(chars)
    print('# gbt2260.tsv: GB/T 2260 administrative region codes (province, '
          'prefecture and county levels)')
    print('# with the core name (suffix and ethnic names removed), its pinyin '
          'and initials.')
    print('# Source: modood/Administrative-divisions-of-China, dist/'
          '{provinces,cities,areas}.csv')
    print('# (commit 57a0aa9c, 2024-11-28), MIT licence, Copyright (c) 2017 '
          'mwn; data of the')
    print('# National Bureau of Statistics of China. Pinyin: ICU Han-Latin '
          '(uconv) with the')
    print('# place-name readings of data/gbt2260.py. Made by: data/gbt2260.py '
          'DIR > data/gbt2260.tsv')
    print('# code\tname\tcore\tpinyin\tinitials')
    for code, name, c in rows:
        if c in WORD:
            full, ini = WORD[c]
        else:
            syl = [CHAR.get(ch, py[ch]).replace(' ', '') for ch in c]
            full, ini = ''.join(syl), ''.join(s[:1] for s in syl)
        if not full.isascii() or not full.isalpha():
            continue
        print(f'{code}\t{name}\t{c}\t{full}\t{ini}')


if __name__ == '__main__':
    main()
