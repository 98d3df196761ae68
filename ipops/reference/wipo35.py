"""Chinese names of WIPO's 35 technology fields and five sectors (IPC–technology concordance, Schmoch 2008).

The concordance file carries English, French and Spanish labels only; these are the Chinese names used
in WIPO's and CNIPA's Chinese statistical publications. The English names are kept beside them so that
the loader can tell when a file numbers the fields differently.
"""

from __future__ import annotations

SECTORS_ZH: dict[str, str] = {
    "Electrical engineering": "电气工程",
    "Instruments": "仪器",
    "Chemistry": "化学",
    "Mechanical engineering": "机械工程",
    "Other fields": "其他领域",
}

# number: (English name as in WIPO's table, Chinese name)
FIELDS: dict[int, tuple[str, str]] = {
    1: ("Electrical machinery, apparatus, energy", "电机、电气装置、电能"),
    2: ("Audio-visual technology", "音像技术"),
    3: ("Telecommunications", "电信"),
    4: ("Digital communication", "数字通信"),
    5: ("Basic communication processes", "基础通信程序"),
    6: ("Computer technology", "计算机技术"),
    7: ("IT methods for management", "管理用信息技术方法"),
    8: ("Semiconductors", "半导体"),
    9: ("Optics", "光学"),
    10: ("Measurement", "测量"),
    11: ("Analysis of biological materials", "生物材料分析"),
    12: ("Control", "控制"),
    13: ("Medical technology", "医学技术"),
    14: ("Organic fine chemistry", "有机精细化学"),
    15: ("Biotechnology", "生物技术"),
    16: ("Pharmaceuticals", "药品"),
    17: ("Macromolecular chemistry, polymers", "高分子化学、聚合物"),
    18: ("Food chemistry", "食品化学"),
    19: ("Basic materials chemistry", "基础材料化学"),
    20: ("Materials, metallurgy", "材料、冶金"),
    21: ("Surface technology, coating", "表面技术、涂层"),
    22: ("Micro-structural and nano-technology", "微观结构和纳米技术"),
    23: ("Chemical engineering", "化学工程"),
    24: ("Environmental technology", "环境技术"),
    25: ("Handling", "装卸"),
    26: ("Machine tools", "机床"),
    27: ("Engines, pumps, turbines", "发动机、泵、涡轮机"),
    28: ("Textile and paper machines", "纺织和造纸机器"),
    29: ("Other special machines", "其他特殊机械"),
    30: ("Thermal processes and apparatus", "热工过程和器具"),
    31: ("Mechanical elements", "机械元件"),
    32: ("Transport", "运输"),
    33: ("Furniture, games", "家具、游戏"),
    34: ("Other consumer goods", "其他消费品"),
    35: ("Civil engineering", "土木工程"),
}
