"""Applicant address → GB/T 2260 administrative codes (pure: no database, no network).

CNIPA records carry the first applicant's address as free text, typically
``"226634 江苏省南通市海安县老坝港镇海港村16组"``: a 6-digit postcode, then province, prefecture city and
county-level unit, then the street. Foreign applicants get a country name (``"美国加利福尼亚州"``,
``"日本国东京都…"``), Hong Kong / Macao / Taiwan applicants ``"中国香港…"`` / ``"中国台湾…"``.

:class:`AddressNormaliser` reads the bundled GB/T 2260 tables once (``ipops/reference/data/gbt2260``) and
parses an address left to right:

1. postcode (leading 6 digits, or after 邮编): its first two digits name a province (:data:`POSTCODE_PROVINCE`);
2. a foreign country or HK/MO/TW at the start (Chinese names), or anywhere for a Latin-script address;
3. province, prefecture and county by full name, then by a short form (``广西``, ``南通``, ``海安`` for the
   renamed 海安县 → 海安市), then by a small table of abolished names (``闸北区`` → 静安区); each name is
   looked up among the divisions of the province / city already found, a name shared by several divisions
   (``鼓楼区``, ``朝阳区``) is settled by that context, else by the postcode's province, else left empty.

Every result carries ``evidence``: short English notes for operators on how the codes were found.
"""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CHINESE_COUNTRY_NAMES",
    "ENGLISH_COUNTRY_NAMES",
    "POSTCODE_PROVINCE",
    "AddressNormaliser",
    "RegionMatch",
    "default_normaliser",
]

DEFAULT_DATA_DIR: Path = Path(__file__).resolve().parents[2] / "reference" / "data" / "gbt2260"

# First two digits of a mainland postcode → province code (2 digits). Official allocation, verified on the
# real addresses (2019-07-09 gazette + CNIPA sample): it agrees with the province named in the address on
# 33,757 of 33,767 rows; the 10 others are border areas (prefix 16 also covers east Hulunbuir and 75 Alxa
# League, both Inner Mongolia; 25 a corner of Hebei). Used as evidence and as a fallback only.
POSTCODE_PROVINCE: dict[str, str] = {
    "01": "15", "02": "15",  # 内蒙古
    "03": "14", "04": "14",  # 山西
    "05": "13", "06": "13", "07": "13",  # 河北
    "10": "11",  # 北京
    "11": "21", "12": "21",  # 辽宁
    "13": "22",  # 吉林
    "15": "23", "16": "23",  # 黑龙江
    "20": "31",  # 上海
    "21": "32", "22": "32",  # 江苏
    "23": "34", "24": "34",  # 安徽
    "25": "37", "26": "37", "27": "37",  # 山东
    "30": "12",  # 天津
    "31": "33", "32": "33",  # 浙江
    "33": "36", "34": "36",  # 江西
    "35": "35", "36": "35",  # 福建
    "40": "50",  # 重庆
    "41": "43", "42": "43",  # 湖南
    "43": "42", "44": "42",  # 湖北
    "45": "41", "46": "41", "47": "41",  # 河南
    "51": "44", "52": "44",  # 广东
    "53": "45", "54": "45",  # 广西
    "55": "52", "56": "52",  # 贵州
    "57": "46",  # 海南
    "61": "51", "62": "51", "63": "51", "64": "51",  # 四川
    "65": "53", "66": "53", "67": "53",  # 云南
    "71": "61", "72": "61",  # 陕西
    "73": "62", "74": "62",  # 甘肃
    "75": "64",  # 宁夏
    "81": "63",  # 青海
    "83": "65", "84": "65",  # 新疆
    "85": "54", "86": "54",  # 西藏
}  # fmt: skip

# Chinese country names as CNIPA writes them at the start of a foreign applicant's address → ISO 3166 alpha-2.
CHINESE_COUNTRY_NAMES: dict[str, str] = {
    "美国": "US", "美利坚合众国": "US", "日本": "JP", "日本国": "JP", "德国": "DE", "德意志联邦共和国": "DE",
    "韩国": "KR", "大韩民国": "KR", "朝鲜": "KP", "法国": "FR", "法兰西共和国": "FR", "英国": "GB",
    "大不列颠及北爱尔兰联合王国": "GB", "瑞士": "CH", "瑞典": "SE", "荷兰": "NL", "意大利": "IT", "丹麦": "DK",
    "芬兰": "FI", "挪威": "NO", "冰岛": "IS", "爱尔兰": "IE", "比利时": "BE", "卢森堡": "LU", "奥地利": "AT",
    "列支敦士登": "LI", "摩纳哥": "MC", "西班牙": "ES", "葡萄牙": "PT", "希腊": "GR", "马耳他": "MT",
    "塞浦路斯": "CY", "波兰": "PL", "捷克": "CZ", "斯洛伐克": "SK", "斯洛文尼亚": "SI", "匈牙利": "HU",
    "罗马尼亚": "RO", "保加利亚": "BG", "克罗地亚": "HR", "塞尔维亚": "RS", "爱沙尼亚": "EE", "拉脱维亚": "LV",
    "立陶宛": "LT", "俄罗斯": "RU", "俄罗斯联邦": "RU", "乌克兰": "UA", "白俄罗斯": "BY", "土耳其": "TR",
    "以色列": "IL", "沙特阿拉伯": "SA", "阿联酋": "AE", "阿拉伯联合酋长国": "AE", "卡塔尔": "QA", "科威特": "KW",
    "巴林": "BH", "伊朗": "IR", "印度": "IN", "巴基斯坦": "PK", "孟加拉国": "BD", "斯里兰卡": "LK", "尼泊尔": "NP",
    "新加坡": "SG", "马来西亚": "MY", "泰国": "TH", "越南": "VN", "印度尼西亚": "ID", "印尼": "ID",
    "菲律宾": "PH", "柬埔寨": "KH", "缅甸": "MM", "老挝": "LA", "文莱": "BN", "蒙古国": "MN",
    "哈萨克斯坦": "KZ", "乌兹别克斯坦": "UZ", "澳大利亚": "AU", "新西兰": "NZ", "加拿大": "CA", "墨西哥": "MX",
    "巴西": "BR", "阿根廷": "AR", "智利": "CL", "哥伦比亚": "CO", "秘鲁": "PE", "委内瑞拉": "VE", "乌拉圭": "UY",
    "古巴": "CU", "巴拿马": "PA", "哥斯达黎加": "CR", "波多黎各": "PR", "巴巴多斯": "BB", "百慕大": "BM",
    "百慕大群岛": "BM", "开曼群岛": "KY", "英属开曼群岛": "KY", "英属维尔京群岛": "VG", "英属维京群岛": "VG",
    "根西": "GG", "根西岛": "GG", "泽西": "JE", "泽西岛": "JE", "马恩岛": "IM", "萨摩亚": "WS",
    "塞舌尔": "SC", "毛里求斯": "MU", "马绍尔群岛": "MH", "南非": "ZA", "埃及": "EG", "尼日利亚": "NG",
    "肯尼亚": "KE", "摩洛哥": "MA", "突尼斯": "TN", "阿尔及利亚": "DZ", "库拉索": "CW", "安道尔": "AD",
}  # fmt: skip

# English country names and common abbreviations (matched case-insensitively on word boundaries).
ENGLISH_COUNTRY_NAMES: dict[str, str] = {
    "united states of america": "US", "united states": "US", "usa": "US", "u.s.a.": "US", "u.s.a": "US",
    "u.s.": "US", "us": "US", "japan": "JP", "germany": "DE", "federal republic of germany": "DE",
    "deutschland": "DE", "republic of korea": "KR", "south korea": "KR", "korea": "KR",
    "democratic people's republic of korea": "KP", "north korea": "KP", "france": "FR",
    "united kingdom": "GB", "great britain": "GB", "england": "GB", "scotland": "GB", "uk": "GB",
    "switzerland": "CH", "sweden": "SE", "netherlands": "NL", "the netherlands": "NL", "holland": "NL",
    "italy": "IT", "denmark": "DK", "finland": "FI", "norway": "NO", "iceland": "IS", "ireland": "IE",
    "belgium": "BE", "luxembourg": "LU", "austria": "AT", "liechtenstein": "LI", "monaco": "MC",
    "spain": "ES", "portugal": "PT", "greece": "GR", "malta": "MT", "cyprus": "CY", "poland": "PL",
    "czech republic": "CZ", "czechia": "CZ", "slovakia": "SK", "slovenia": "SI", "hungary": "HU",
    "romania": "RO", "bulgaria": "BG", "croatia": "HR", "serbia": "RS", "estonia": "EE", "latvia": "LV",
    "lithuania": "LT", "russia": "RU", "russian federation": "RU", "ukraine": "UA", "belarus": "BY",
    "turkey": "TR", "israel": "IL", "saudi arabia": "SA", "united arab emirates": "AE", "uae": "AE",
    "qatar": "QA", "kuwait": "KW", "bahrain": "BH", "iran": "IR", "india": "IN", "pakistan": "PK",
    "bangladesh": "BD", "sri lanka": "LK", "nepal": "NP", "singapore": "SG", "malaysia": "MY",
    "thailand": "TH", "vietnam": "VN", "viet nam": "VN", "indonesia": "ID", "philippines": "PH",
    "cambodia": "KH", "myanmar": "MM", "laos": "LA", "brunei": "BN", "mongolia": "MN", "kazakhstan": "KZ",
    "uzbekistan": "UZ", "australia": "AU", "new zealand": "NZ", "canada": "CA", "mexico": "MX",
    "brazil": "BR", "argentina": "AR", "chile": "CL", "colombia": "CO", "peru": "PE", "venezuela": "VE",
    "uruguay": "UY", "cuba": "CU", "panama": "PA", "costa rica": "CR", "puerto rico": "PR", "barbados": "BB",
    "bermuda": "BM", "cayman islands": "KY", "british virgin islands": "VG", "guernsey": "GG",
    "isle of man": "IM", "samoa": "WS", "seychelles": "SC", "mauritius": "MU", "marshall islands": "MH",
    "south africa": "ZA", "egypt": "EG", "nigeria": "NG", "kenya": "KE", "morocco": "MA", "tunisia": "TN",
    "algeria": "DZ", "curacao": "CW", "andorra": "AD", "china": "CN", "p.r. china": "CN", "p.r.china": "CN",
    "pr china": "CN", "prc": "CN", "p.r.c.": "CN", "people's republic of china": "CN", "hong kong": "HK",
    "hongkong": "HK", "macau": "MO", "macao": "MO", "taiwan": "TW",
}  # fmt: skip

# Two-letter codes accepted only as the last comma-separated part of a Latin-script address ("…, US").
_ISO_TAIL_CODES: frozenset[str] = frozenset(
    {"US", "JP", "DE", "KR", "FR", "GB", "CH", "SE", "NL", "IT", "DK", "FI", "NO", "BE", "AT", "ES", "CA",
     "AU", "SG", "IL", "IN", "CN", "HK", "TW", "MO", "IE", "LU", "NZ", "BR"}
)  # fmt: skip

_US_STATES: frozenset[str] = frozenset(
    {"AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS",
     "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC",
     "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY"}
)  # fmt: skip

# Province names in pinyin / English, for Latin-script mainland addresses ("Shenzhen, Guangdong, China").
_PINYIN_PROVINCES: dict[str, str] = {
    "beijing": "11", "tianjin": "12", "hebei": "13", "shanxi": "14", "inner mongolia": "15", "nei mongol": "15",
    "liaoning": "21", "jilin": "22", "heilongjiang": "23", "shanghai": "31", "jiangsu": "32", "zhejiang": "33",
    "anhui": "34", "fujian": "35", "jiangxi": "36", "shandong": "37", "henan": "41", "hubei": "42",
    "hunan": "43", "guangdong": "44", "guangxi": "45", "hainan": "46", "chongqing": "50", "sichuan": "51",
    "guizhou": "52", "yunnan": "53", "tibet": "54", "xizang": "54", "shaanxi": "61", "gansu": "62",
    "qinghai": "63", "ningxia": "64", "xinjiang": "65",
}  # fmt: skip

# Province-level units that CNIPA treats as separate origins.
_SEPARATE_ORIGINS: dict[str, str] = {"71": "TW", "81": "HK", "82": "MO"}
_MUNICIPALITIES: frozenset[str] = frozenset({"11", "12", "31", "50"})

# The 55 ethnic minorities as they appear in autonomous-area names (with or without the trailing 族).
_ETHNIC = (
    "蒙古|回|藏|维吾尔|苗|彝|壮|布依|朝鲜|满|侗|瑶|白|土家|哈尼|哈萨克|傣|黎|傈僳|佤|畲|高山|拉祜|水|东乡|纳西|"
    "景颇|柯尔克孜|土|达斡尔|仫佬|羌|布朗|撒拉|毛南|仡佬|锡伯|阿昌|普米|塔吉克|怒|乌孜别克|俄罗斯|鄂温克|德昂|"
    "保安|裕固|京|塔塔尔|独龙|鄂伦春|赫哲|门巴|珞巴|基诺|各"
)
_AUTONOMOUS_RE = re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC})族?)+自治(?:县|旗|州)$")
_AUTONOMOUS_BARE_RE = re.compile(r"^(.{2,}?)族?自治(?:县|旗|州)$")
_PROVINCE_SUFFIXES = ("特别行政区", "维吾尔自治区", "壮族自治区", "回族自治区", "自治区", "省", "市")
_CITY_SUFFIXES = ("地区", "市", "盟")
_DISTRICT_SUFFIXES = ("新区", "林区", "特区", "区", "县", "市", "旗")

# A short form ("海安", "长沙") counts only when an administrative suffix or a development-zone word follows,
# so that street names such as 雁塔路 or 中山路 are not read as districts.
_STEM_FOLLOWERS = "县市区旗盟州"
_DISTRICT_SUFFIX_CHARS = frozenset("县市区旗")
_STEM_FOLLOWER_WORDS = (
    "地区", "经济", "开发", "高新", "工业", "新区", "新城", "科技", "国家", "保税", "出口", "综合", "自治",
)  # fmt: skip

_STREET_WORDS = frozenset("路街道巷弄")
_STEM_BREAKERS = frozenset("0123456789号村镇乡里桥楼厦苑园庄湾湖山河江门口")

_CJK_RE = re.compile(r"[\u3400-\u9fff]")
_LATIN_RE = re.compile(r"[A-Za-z]")
_LEADING_POSTCODE_RE = re.compile(r"^[\s(\[【]*(?:邮编|邮政编码)?[:\s]*(\d{6})(?!\d)")
_ANY_POSTCODE_RE = re.compile(r"(?<!\d)(\d{6})(?!\d)")
_LABELLED_POSTCODE_RE = re.compile(
    r"(?:邮编|邮政编码|postcode|post code|zip)\D{0,3}(\d{6})(?!\d)", re.IGNORECASE
)
_US_STATE_ZIP_RE = re.compile(r"\b([A-Z]{2})\s+\d{5}(?:-\d{4})?\b")
_SPACE_RE = re.compile(r"\s+")
_LEADING_NOISE = " \t,，.。;；:：、-—()（）[]【】\"'“”"
_CHINA_PREFIXES = ("中华人民共和国", "中国")

_FULL, _ALIAS, _STEM = 3, 2, 1  # ranking of name forms: full official name > abolished name > short form
_PROVINCE, _CITY, _DISTRICT = 1, 2, 3


@dataclass(frozen=True)
class RegionMatch:
    """Where an address is: a country, and for China the GB/T 2260 codes of its three levels."""

    country: str = ""
    province_code: str = ""
    city_code: str = ""
    district_code: str = ""
    postcode: str = ""
    evidence: tuple[str, ...] = ()

    @property
    def best_code(self) -> str:
        """The most specific GB/T 2260 code found ("" when none, e.g. for a foreign address)."""
        return self.district_code or self.city_code or self.province_code

    @property
    def is_empty(self) -> bool:
        return not (self.country or self.province_code or self.city_code or self.district_code)


@dataclass(frozen=True)
class _Division:
    code: str
    name: str
    level: int


@dataclass(frozen=True)
class _Form:
    """One way of writing a division: its official name, a short form, or an abolished name."""

    division: _Division
    kind: int
    note: str = ""
    scope: str = ""  # an abolished name is accepted only inside this code prefix (city or province)
    needs_scope: bool = False


@dataclass(frozen=True)
class _Alias:
    name: str
    scope: str  # where the old name is understood: a province (2 digits) or city (4 digits) code prefix
    code: str
    note: str
    needs_scope: bool = False  # too generic to be read before that province or city has been found


# Divisions abolished or renamed since the 2000s whose old names still appear in CNIPA addresses and whose
# area went (wholly or in the main) to one current division. Short forms already cover plain renamings of
# the kind 海安县 → 海安市, 章丘市 → 章丘区, 璧山县 → 璧山区; splits into several divisions (巢湖市 2011,
# 江干区 2021) are left out on purpose.
_ALIASES: tuple[_Alias, ...] = (
    _Alias("崇文区", "1101", "110101", "merged into 东城区 2010"),
    _Alias("宣武区", "1101", "110102", "merged into 西城区 2010"),
    _Alias("塘沽区", "1201", "120116", "merged into 滨海新区 2009"),
    _Alias("汉沽区", "1201", "120116", "merged into 滨海新区 2009"),
    _Alias("大港区", "1201", "120116", "merged into 滨海新区 2009"),
    _Alias("蓟县", "1201", "120119", "became 蓟州区 2016"),
    _Alias("闸北区", "3101", "310106", "merged into 静安区 2015"),
    _Alias("卢湾区", "3101", "310101", "merged into 黄浦区 2011"),
    _Alias("南汇区", "3101", "310115", "merged into 浦东新区 2009"),
    _Alias("白下区", "3201", "320104", "merged into 秦淮区 2013"),
    _Alias("下关区", "3201", "320106", "merged into 鼓楼区 2013"),
    _Alias("崇安区", "3202", "320213", "merged into 梁溪区 2015"),
    _Alias("南长区", "3202", "320213", "merged into 梁溪区 2015"),
    _Alias("北塘区", "3202", "320213", "merged into 梁溪区 2015"),
    _Alias("新区", "3202", "320214", "无锡新区 became 新吴区 2015", needs_scope=True),
    _Alias("沧浪区", "3205", "320508", "merged into 姑苏区 2012"),
    _Alias("平江区", "3205", "320508", "merged into 姑苏区 2012"),
    _Alias("金阊区", "3205", "320508", "merged into 姑苏区 2012"),
    _Alias("楚州区", "3208", "320803", "became 淮安区 2012"),
    _Alias("清河区", "3208", "320812", "merged into 清江浦区 2016"),
    _Alias("清浦区", "3208", "320812", "merged into 清江浦区 2016"),
    _Alias("维扬区", "3210", "321003", "merged into 邗江区 2011"),
    _Alias("江东区", "3302", "330212", "merged into 鄞州区 2016"),
    _Alias("四方区", "3702", "370203", "merged into 市北区 2012"),
    _Alias("胶南市", "3702", "370211", "merged into 黄岛区 2012"),
    _Alias("莱芜市", "37", "370100", "merged into 济南市 2019"),
    _Alias("莱城区", "37", "370116", "became 莱芜区 2019"),
    _Alias("襄樊市", "42", "420600", "became 襄阳市 2010"),
    _Alias("萝岗区", "4401", "440112", "merged into 黄埔区 2014"),
    _Alias("小河区", "5201", "520111", "merged into 花溪区 2012"),
    _Alias("东陵区", "2101", "210112", "became 浑南区 2014"),
    _Alias("开县", "50", "500154", "became 开州区 2016"),
    _Alias("郫县", "5101", "510117", "became 郫都区 2016"),
    _Alias("户县", "6101", "610118", "became 鄠邑区 2016"),
    _Alias("遵义县", "5203", "520304", "became 播州区 2016"),
    _Alias("巴州", "65", "652800", "usual short name", needs_scope=True),
    _Alias("万盛区", "5001", "500110", "merged into 綦江区 2011"),
    _Alias("双桥区", "5001", "500111", "merged into 大足区 2011"),
    _Alias("思茅市", "53", "530800", "became 普洱市 2007"),
    _Alias("市中区", "3708", "370811", "merged into 任城区 2013", needs_scope=True),
    _Alias("城区", "1402", "140213", "merged into 平城区 2018", needs_scope=True),
    _Alias("矿区", "1402", "140214", "merged into 云冈区 2018", needs_scope=True),
    _Alias("大同县", "1402", "140215", "became 云州区 2018"),
    _Alias("城区", "1404", "140403", "merged into 潞州区 2018", needs_scope=True),
    _Alias("郊区", "1404", "140403", "merged into 潞州区 2018", needs_scope=True),
    _Alias("长治县", "1404", "140404", "became 上党区 2018"),
    _Alias("桥东区", "1305", "130502", "became 襄都区 2020", needs_scope=True),
    _Alias("桥西区", "1305", "130503", "became 信都区 2020", needs_scope=True),
    _Alias("任县", "1305", "130505", "became 任泽区 2020"),
)

# Abolished names whose area was split between several current divisions: the district is left empty.
_SPLIT_NAMES: dict[str, dict[str, str]] = {
    "1301": {"桥东区": "石家庄市桥东区 was split between 长安区 and 桥西区 in 2014"},
}


@dataclass
class _Parse:
    """Mutable state of one Chinese-address parse."""

    text: str
    postcode: str
    postcode_province: str
    province: _Division | None = None
    city: _Division | None = None
    district: _Division | None = None
    ambiguous: bool = False
    evidence: list[str] = field(default_factory=list)


def _stems(name: str, level: int) -> list[str]:
    """Short forms of an official name: 江苏省 → 江苏, 海安市 → 海安, 长阳土家族自治县 → 长阳."""
    found: list[str] = []
    if level == _PROVINCE:
        for suffix in _PROVINCE_SUFFIXES:
            if name.endswith(suffix) and len(name) > len(suffix):
                found.append(name[: -len(suffix)])
                break
    else:
        if name.endswith(("自治县", "自治旗", "自治州")):
            match = _AUTONOMOUS_RE.match(name) or _AUTONOMOUS_BARE_RE.match(name)
            if match:
                found.append(match.group(1))
        else:
            for suffix in _CITY_SUFFIXES if level == _CITY else _DISTRICT_SUFFIXES:
                if name.endswith(suffix) and len(name) > len(suffix):
                    found.append(name[: -len(suffix)])
                    break
    return [stem for stem in found if len(stem) >= 2 and stem != name]


def _normalise_text(address: str) -> str:
    return unicodedata.normalize("NFKC", address).strip()


def _empty(postcode: str, *notes: str) -> RegionMatch:
    return RegionMatch(postcode=postcode, evidence=tuple(notes))


class AddressNormaliser:
    """Loads the GB/T 2260 tables once; :meth:`normalise` is then pure and cheap (no I/O, ~0.1 ms).

    One instance can be shared (see :func:`default_normaliser`): its only mutable state is an internal
    lookup cache that is filled idempotently.
    """

    def __init__(self, data_dir: Path | None = None) -> None:
        directory = DEFAULT_DATA_DIR if data_dir is None else Path(data_dir)
        self.data_dir: Path = directory
        self._divisions: dict[str, _Division] = {}
        self._forms: dict[str, list[_Form]] = {}
        self._full_district_names: dict[str, list[_Division]] = {}
        self._scoped_district_names: dict[str, list[tuple[str, _Division]]] = {}
        self._load(directory)
        self._max_form_len: int = max(len(surface) for surface in self._forms)
        self._chinese_countries: list[tuple[str, str]] = sorted(
            CHINESE_COUNTRY_NAMES.items(), key=lambda item: -len(item[0])
        )
        self._english_country_res: list[tuple[re.Pattern[str], str, str]] = [
            (re.compile(rf"(?<![a-z]){re.escape(name)}(?![a-z])", re.IGNORECASE), name, code)
            for name, code in sorted(ENGLISH_COUNTRY_NAMES.items(), key=lambda item: -len(item[0]))
            if len(name) > 3
        ]
        self._pinyin_res: list[tuple[re.Pattern[str], str, str]] = [
            (re.compile(rf"\b{re.escape(name)}\b", re.IGNORECASE), name, code)
            for name, code in _PINYIN_PROVINCES.items()
        ]

    # ------------------------------------------------------------------ loading

    @staticmethod
    def _rows(path: Path) -> Iterable[dict[str, str]]:
        with path.open(encoding="utf-8", newline="") as handle:
            yield from csv.DictReader(handle)

    def _add_form(self, surface: str, form: _Form) -> None:
        """Index one way of writing a division; per division and text, the strongest kind of form is kept."""
        forms = self._forms.setdefault(surface, [])
        same = [existing for existing in forms if existing.division.code == form.division.code]
        if any(existing.kind >= form.kind for existing in same):
            return
        forms[:] = [existing for existing in forms if existing not in same] + [form]

    def _add_division(self, code: str, name: str, level: int) -> None:
        division = _Division(code=code, name=name, level=level)
        self._divisions[code] = division
        self._add_form(name, _Form(division, _FULL))
        for stem in _stems(name, level):
            self._add_form(stem, _Form(division, _STEM))
        if level == _DISTRICT:
            self._full_district_names.setdefault(name, []).append(division)

    def _load(self, directory: Path) -> None:
        for row in self._rows(directory / "province.csv"):
            self._add_division(row["code"], row["name"], _PROVINCE)
        for row in self._rows(directory / "city.csv"):
            code, name = row["code"], row["name"]
            # "河南省-省直辖县级行政区划": a real code (419000), but not a name anyone writes
            if "直辖" in name:
                self._divisions[code] = _Division(code=code, name=name, level=_CITY)
            else:
                self._add_division(code, name, _CITY)
        for row in self._rows(directory / "area.csv"):
            self._add_division(row["code"], row["name"], _DISTRICT)
        for province in [d for d in self._divisions.values() if d.level == _PROVINCE]:
            if province.code[:2] in _MUNICIPALITIES:  # 北京市 → 110100 市辖区 (and 500200 县 for Chongqing)
                prefixes = {code[:4] for code in self._divisions if code[:2] == province.code[:2]} - {
                    province.code[:4]
                }
                for prefix in prefixes:
                    label = "市辖区" if prefix.endswith("01") else "县"
                    self._divisions[prefix + "00"] = _Division(prefix + "00", province.name + label, _CITY)
        for surface, code in (("臺灣", "710000"), ("台灣", "710000"), ("澳門", "820000"), ("内蒙", "150000")):
            if code in self._divisions:
                self._add_form(surface, _Form(self._divisions[code], _STEM))
        for alias in _ALIASES:
            target = self._divisions.get(alias.code)
            if target is not None:
                form = _Form(
                    target, _ALIAS, note=alias.note, scope=alias.scope, needs_scope=alias.needs_scope
                )
                self._add_form(alias.name, form)

    # ------------------------------------------------------------------ public API

    def normalise(self, address: str) -> RegionMatch:
        """Codes for one address; never raises, returns an empty match with a reason instead."""
        if not isinstance(address, str):
            return _empty("", f"not a text value ({type(address).__name__})")
        text = _normalise_text(address)
        if not text:
            return _empty("", "empty address")
        postcode = self._postcode(text)
        if _CJK_RE.search(text) or not _LATIN_RE.search(text):
            return self._normalise_chinese(text, postcode)
        return self._normalise_latin(text, postcode)

    def division_name(self, code: str) -> str:
        """The official name of a code in the bundled table ("" if unknown)."""
        division = self._divisions.get(code)
        return division.name if division else ""

    # ------------------------------------------------------------------ helpers

    @staticmethod
    def _postcode(text: str) -> str:
        match = _LEADING_POSTCODE_RE.match(text) or _LABELLED_POSTCODE_RE.search(text)
        return match.group(1) if match else ""

    @staticmethod
    def _without_postcode(text: str) -> str:
        """The address with its postcode (and a 邮编 label before it) cut out."""
        match = _LEADING_POSTCODE_RE.match(text) or _LABELLED_POSTCODE_RE.search(text)
        return text[: match.start()] + " " + text[match.end() :] if match else text

    def _postcode_province(self, postcode: str) -> str:
        return POSTCODE_PROVINCE.get(postcode[:2], "") if postcode else ""

    def _forms_at(self, text: str, pos: int) -> list[tuple[str, _Form]]:
        found: list[tuple[str, _Form]] = []
        for length in range(min(self._max_form_len, len(text) - pos), 0, -1):
            surface = text[pos : pos + length]
            for form in self._forms.get(surface, ()):
                found.append((surface, form))
        return found

    def _stem_followed_well(self, text: str, end: int, division: _Division, scope: str) -> bool:
        """Whether a short form at ``text[:end]`` names a division rather than starting a street name."""
        if end >= len(text) or division.level == _PROVINCE:  # 广西南宁市, 内蒙古包头市, 中国香港九龙
            return True
        if text[end - 1] in _DISTRICT_SUFFIX_CHARS:  # 赣县 (now 赣县区): the short form is the old full name
            return True
        if text[end] in _STEM_FOLLOWERS or text.startswith(_STEM_FOLLOWER_WORDS, end):
            return True
        if division.level == _CITY:
            # "广东揭阳榕城区": a short city name directly followed by one of its districts
            return any(
                form.kind == _FULL
                and form.division.level == _DISTRICT
                and form.division.code[:4] == division.code[:4]
                for _surface, form in self._forms_at(text, end)
            )
        if not scope:
            return False
        # inside a known province or city, a county written without its suffix ("江门市鹤山桃源镇",
        # "宁波市江北投资创业园") counts unless a street name goes on ("思明南路", "黄埔大道", "长安南路")
        return text[end] not in _STEM_BREAKERS and not any(
            char in _STREET_WORDS for char in text[end : end + 4]
        )

    @staticmethod
    def _in_scope(code: str, scope: str) -> bool:
        return code.startswith(scope)

    def _pick(
        self,
        state: _Parse,
        pos: int,
        levels: frozenset[int],
        scope: str,
        *,
        strict: bool = False,
        full_only: bool = False,
        min_length: int = 1,
    ) -> tuple[_Division, str, _Form, list[_Division]] | None:
        """Best division named at ``pos``: full names beat abolished names beat short forms, then longer wins.

        Returns the division, the text matched, its form, and — if the name is ambiguous even after
        narrowing by scope and postcode — the competing divisions (the division is then unreliable).
        ``strict`` takes a short form only with its suffix ("无为县"), ``full_only`` official names only.
        """
        text = state.text
        candidates: list[tuple[int, int, str, _Form]] = []
        for surface, form in self._forms_at(text, pos):
            division = form.division
            if division.level not in levels or not self._in_scope(division.code, scope):
                continue
            if (full_only and form.kind != _FULL) or len(surface) < min_length:
                continue
            if (
                strict
                and form.kind == _STEM
                and text[pos + len(surface) : pos + len(surface) + 1] not in _DISTRICT_SUFFIX_CHARS
            ):
                continue
            if form.kind == _ALIAS and not (scope.startswith(form.scope) or form.scope.startswith(scope)):
                continue
            if form.kind == _ALIAS and form.needs_scope and not scope.startswith(form.scope):
                continue  # a generic name ("新区") needs its city to be known already
            if form.kind == _STEM and not self._stem_followed_well(text, pos + len(surface), division, scope):
                continue
            if form.kind == _STEM and division.level == _DISTRICT and state.city is not None:
                # "长沙市长沙经济技术开发区" repeats the city's name; it does not name 长沙县
                repeats_city = surface in _stems(state.city.name, _CITY)
                if (
                    repeats_city
                    and text[pos + len(surface) : pos + len(surface) + 1] not in _DISTRICT_SUFFIX_CHARS
                ):
                    continue
            candidates.append((form.kind, len(surface), surface, form))
        if not candidates:
            return None
        best_kind, best_len = max((kind, length) for kind, length, _s, _f in candidates)
        top = [
            (surface, form)
            for kind, length, surface, form in candidates
            if (kind, length) == (best_kind, best_len)
        ]
        # a higher level wins a tie only when it is the same text (吉林 province vs 吉林 city short form)
        min_level = min(form.division.level for _s, form in top)
        top = [(surface, form) for surface, form in top if form.division.level == min_level]
        if len(top) > 1 and state.postcode_province:
            narrowed = [(s, f) for s, f in top if f.division.code.startswith(state.postcode_province)]
            if narrowed:
                top = narrowed
        surface, form = top[0]
        rivals = [f.division for _s, f in top[1:]]
        return form.division, surface, form, rivals

    @staticmethod
    def _consumed(text: str, pos: int, surface: str, form: _Form) -> int:
        """Length of the matched name, with the suffix a short form was written with ("海安" + "县")."""
        end = pos + len(surface)
        if form.kind == _STEM and end < len(text) and text[end] in _STEM_FOLLOWERS:
            return len(surface) + 1
        return len(surface)

    def _note(self, text: str, pos: int, surface: str, form: _Form) -> str:
        division = form.division
        written = text[pos : pos + self._consumed(text, pos, surface, form)]
        if form.kind == _FULL:
            return f"name {written}"
        if form.kind == _ALIAS:
            return f"name {written} → {division.name} ({form.note})"
        if written == division.name:
            return f"name {written}"
        return f"name {written} → {division.name}"

    def _set(self, state: _Parse, division: _Division) -> None:
        """Record a division and fill in the levels above it from its code."""
        code = division.code
        province = self._divisions.get(code[:2] + "0000")
        if division.level == _PROVINCE:
            state.province = division
            return
        state.province = state.province or province
        if division.level == _CITY:
            state.city = division
            return
        state.district = division
        city = self._divisions.get(code[:4] + "00")
        if city is not None:
            state.city = city

    # ------------------------------------------------------------------ Chinese script

    def _foreign_prefix(self, text: str) -> tuple[str, str] | None:
        for name, iso in self._chinese_countries:
            if text.startswith(name):
                if name == "朝鲜" and text.startswith("朝鲜族"):
                    continue
                longest_admin = max(
                    (len(s) for s, f in self._forms_at(text, 0) if f.kind == _FULL), default=0
                )
                if longest_admin >= len(name):  # 巴林左旗 is in Inner Mongolia, not Bahrain
                    continue
                return name, iso
        return None

    def _normalise_chinese(self, text: str, postcode: str) -> RegionMatch:
        evidence: list[str] = []
        body = text
        if postcode:
            evidence.append(f"postcode {postcode}")
            body = self._without_postcode(body)
        body = _SPACE_RE.sub("", body).lstrip(_LEADING_NOISE)
        for prefix in _CHINA_PREFIXES:
            if body.startswith(prefix):
                body = body[len(prefix) :].lstrip(_LEADING_NOISE)
                break
        foreign = self._foreign_prefix(body)
        if foreign is not None:
            name, iso = foreign
            return RegionMatch(
                country=iso, postcode=postcode, evidence=(*evidence, f"country {name} → {iso}")
            )
        state = _Parse(text=body, postcode=postcode, postcode_province=self._postcode_province(postcode))
        state.evidence = evidence
        self._parse_divisions(state)
        return self._finish(state)

    def _take(
        self,
        state: _Parse,
        pos: int,
        levels: frozenset[int],
        scope: str,
        *,
        strict: bool = False,
        full_only: bool = False,
        min_length: int = 1,
        remark: str = "",
    ) -> int | None:
        """Record the division named at ``pos`` and return the position after it (None: none found).

        A name that stays ambiguous is noted and sets ``state.ambiguous``: nothing more is guessed.
        """
        picked = self._pick(
            state, pos, levels, scope, strict=strict, full_only=full_only, min_length=min_length
        )
        if picked is None:
            return None
        division, surface, form, rivals = picked
        if rivals:
            state.evidence.append(self._ambiguity_note(surface, [division, *rivals]))
            state.ambiguous = True
            return None
        self._set(state, division)
        state.evidence.append(self._note(state.text, pos, surface, form) + remark)
        return pos + self._consumed(state.text, pos, surface, form)

    def _parse_divisions(self, state: _Parse) -> None:
        # 1. whatever comes first: a province, or (without one) a city or county-level unit
        pos = self._take(state, 0, frozenset({_PROVINCE, _CITY, _DISTRICT}), "")
        if pos is None or state.district is not None or state.province is None:
            return
        if state.city is None:
            # 2. after a province: its prefecture, or directly a county-level unit ("浙江省桐乡市")
            scope = state.province.code[:2]
            if scope in _SEPARATE_ORIGINS:
                return
            after = self._take(state, pos, frozenset({_CITY, _DISTRICT}), scope)
            if state.ambiguous:
                return
            if after is not None:
                pos = after
                if state.district is not None:
                    # "安徽省巢湖市无为县": a second county-level name right after the first is the more
                    # specific one (the first was an old prefecture)
                    first = state.district
                    evidence = len(state.evidence)
                    remark = f" (after {first.name})"
                    self._take(state, pos, frozenset({_DISTRICT}), scope, strict=True, remark=remark)
                    second = state.district
                    if second.code[:4] != first.code[:4] and second.name.endswith("区"):
                        # "陕西省韩城市新城区": a neighbourhood of 韩城, not 西安市新城区
                        self._set(state, first)
                        del state.evidence[evidence:]
                    return
        if state.city is not None and state.city.code[:2] not in _MUNICIPALITIES:
            self._search_district(state, pos, state.city.code[:4])
        else:
            self._search_district(state, pos, state.province.code[:2])

    def _search_district(self, state: _Parse, pos: int, scope: str, *, other_city: bool = True) -> None:
        """3. The county-level unit inside ``scope``: right at ``pos``, else further on."""
        for name, note in _SPLIT_NAMES.get(scope, {}).items():
            if state.text.startswith(name, pos):
                state.evidence.append(f"name {name}: {note}; district left empty")
                return
        if self._take(state, pos, frozenset({_DISTRICT}), scope) is not None or state.ambiguous:
            return
        if other_city and len(scope) == 4 and state.province is not None:
            # the address names another prefecture or county of the province right here: "广州市河源市紫金县",
            # "荆门市当阳市" (当阳 belongs to 宜昌): the later, more specific name wins
            city = state.city
            province_scope = state.province.code[:2]
            after = self._take(
                state, pos, frozenset({_CITY, _DISTRICT}), province_scope, full_only=True, min_length=3
            )
            if after is not None:
                if state.district is not None:
                    if city is not None and state.district.code[:4] != city.code[:4]:
                        state.evidence[-1] += f" (not in {city.name})"
                    return
                if city is not None and state.city is not None and state.city.code != city.code:
                    state.evidence[-1] += f" (instead of {city.name})"
                if state.city is not None:
                    self._search_district(state, after, state.city.code[:4], other_city=False)
                return
            if state.ambiguous:
                return
        # a full district name of that city further on ("营口市中国辽宁营口市西市区", "青岛市青岛平度市")
        text = state.text
        best: tuple[int, str, _Division] | None = None
        for name, division in self._district_names_in(scope):
            where = text.find(name, pos)
            if where >= 0 and (
                best is None or where < best[0] or (where == best[0] and len(name) > len(best[1]))
            ):
                best = (where, name, division)
        if best is not None:
            self._set(state, best[2])
            state.evidence.append(f"name {best[1]} (later in the address)")

    def _district_names_in(self, scope: str) -> list[tuple[str, _Division]]:
        """Full district names of 3+ characters that name exactly one division inside ``scope``."""
        cached = self._scoped_district_names.get(scope)
        if cached is None:
            cached = []
            for name, divisions in self._full_district_names.items():
                local = [d for d in divisions if d.code.startswith(scope)]
                if len(name) >= 3 and len(local) == 1:
                    cached.append((name, local[0]))
            self._scoped_district_names[scope] = cached
        return cached

    def _ambiguity_note(self, surface: str, divisions: list[_Division]) -> str:
        codes = ", ".join(sorted(d.code for d in divisions))
        return f"ambiguous {surface}: {codes}"

    def _finish(self, state: _Parse) -> RegionMatch:
        evidence = state.evidence
        postcode_province = state.postcode_province
        province_code = state.province.code if state.province else ""
        if state.postcode and not postcode_province:
            evidence.append(
                f"postcode {state.postcode}: prefix {state.postcode[:2]} is not a mainland province"
            )
        if province_code and postcode_province and province_code[:2] != postcode_province:
            named = self._divisions.get(postcode_province + "0000")
            evidence.append(
                f"postcode prefix {state.postcode[:2]} suggests {named.name if named else postcode_province}; "
                "kept the name"
            )
        if not province_code and postcode_province and postcode_province + "0000" in self._divisions:
            province_code = postcode_province + "0000"
            evidence.append(f"province from postcode prefix {state.postcode[:2]}")
        if not province_code:
            evidence.append("no Chinese division name found")
            return RegionMatch(postcode=state.postcode, evidence=tuple(evidence))
        city_code = state.city.code if state.city else ""
        district_code = state.district.code if state.district else ""
        if not city_code and province_code[:2] in _MUNICIPALITIES:
            only = {
                code[:4]
                for code, d in self._divisions.items()
                if d.level == _CITY and code[:2] == province_code[:2]
            }
            if len(only) == 1:
                city_code = only.pop() + "00"
        country = _SEPARATE_ORIGINS.get(province_code[:2], "CN")
        if country != "CN":
            evidence.append(f"{country}: a separate origin in CNIPA statistics")
        return RegionMatch(
            country=country,
            province_code=province_code,
            city_code=city_code,
            district_code=district_code,
            postcode=state.postcode,
            evidence=tuple(evidence),
        )

    # ------------------------------------------------------------------ Latin script

    def _normalise_latin(self, text: str, postcode: str) -> RegionMatch:
        evidence: list[str] = []
        parts = [part.strip(_LEADING_NOISE) for part in re.split(r"[,;\n]", text)]
        parts = [part for part in parts if part]
        country = ""
        if parts:
            tail = parts[-1]
            tail_lower = tail.lower()
            if tail in _ISO_TAIL_CODES:
                country = tail
                evidence.append(f"country code {tail}")
            elif tail_lower in ENGLISH_COUNTRY_NAMES:
                country = ENGLISH_COUNTRY_NAMES[tail_lower]
                evidence.append(f"country {tail} → {country}")
        if not country:
            for match in _US_STATE_ZIP_RE.finditer(text):
                if match.group(1) in _US_STATES:
                    country = "US"
                    evidence.append(f"US state and ZIP {match.group(0)}")
                    break
        if not country:
            # the country usually comes last; of names ending at the same place the longest wins
            # ("Democratic People's Republic of Korea" over "Korea")
            hits = [
                (match.end(), name, iso)
                for pattern, name, iso in self._english_country_res
                for match in pattern.finditer(text)
            ]
            if hits:
                _end, name, iso = max(hits, key=lambda hit: (hit[0], len(hit[1])))
                country = iso
                evidence.append(f"country {name} → {iso}")
        if not country:
            return _empty(postcode, "no country or Chinese division name found")
        if country in ("HK", "MO", "TW"):
            code = {"HK": "810000", "MO": "820000", "TW": "710000"}[country]
            evidence.append(f"{country}: a separate origin in CNIPA statistics")
            return RegionMatch(
                country=country, province_code=code, postcode=postcode, evidence=tuple(evidence)
            )
        if country != "CN":
            return RegionMatch(country=country, postcode=postcode, evidence=tuple(evidence))
        if not postcode:  # "…, Beijing 100083, China"
            found = _ANY_POSTCODE_RE.search(text)
            postcode = found.group(1) if found else ""
        province = ""
        for pattern, name, code in self._pinyin_res:
            if pattern.search(text):
                province = code + "0000"
                evidence.append(f"province name {name}")
                break
        postcode_province = self._postcode_province(postcode)
        if postcode:
            evidence.insert(0, f"postcode {postcode}")
        if not province and postcode_province:
            province = postcode_province + "0000"
            evidence.append(f"province from postcode prefix {postcode[:2]}")
        city = province[:2] + "0100" if province and province[:2] in ("11", "12", "31") else ""
        return RegionMatch(
            country="CN", province_code=province, city_code=city, postcode=postcode, evidence=tuple(evidence)
        )


@functools.lru_cache(maxsize=1)
def default_normaliser() -> AddressNormaliser:
    """The process-wide normaliser over the bundled tables (loaded on first use)."""
    return AddressNormaliser()
