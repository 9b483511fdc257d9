"""Regenerate ``parts.csv``, the demo parts catalogue, from the tables below.

Run ``python resources/demo/make_parts.py``; the output is deterministic. Part numbers
read ``<platform>-<group>-<variant>`` (``ZY210-6011-01``: the ZY210 platform's main
pump); universal parts (oils, greases, hoses, O-rings, fuses) use the prefix ``GEN``.
Prices are list prices in fen, labour in standard minutes.
"""

from __future__ import annotations

import csv
import zlib
from pathlib import Path

# fmt: off
# platform -> (operating weight t, crawler, wetland, wheeled, crane) models sharing it
PLATFORMS: dict[str, tuple[float, list[str], list[str], list[str], list[str]]] = {
    "ZY16": (1.6, ["ZY16"], [], [], []),
    "ZY35": (3.5, ["ZY28", "ZY35"], [], [], []),
    "ZY55": (5.5, ["ZY55"], [], ["ZYL40"], []),
    "ZY80": (8.0, ["ZY80"], ["ZY80SD"], ["ZYL80"], []),
    "ZY150": (15.0, ["ZY150"], ["ZY150SD"], ["ZYL160"], ["QUY20A"]),
    "ZY210": (21.0, ["ZY210"], ["ZY210SD"], [], ["QUY50A"]),
    "ZY260": (26.0, ["ZY260"], [], [], []),
    "ZY330": (33.0, ["ZY330"], [], [], []),
}

# Scope letters: E engine (all models of the platform, cranes too), X excavators,
# U crawler undercarriage (crawler + wetland), C crawler only, S wetland only.
# (group, name_zh, name_en, category, unit, price yuan at 21 t, labour min, warranty,
#  scope, smallest platform weight)
PER_PLATFORM: list[tuple[str, str, str, str, str, float, int, bool, str, float]] = [
    ("1012-01", "机油滤清器", "Engine oil filter", "filter", "件", 95, 20, False, "E", 0),
    ("1105-01", "柴油精滤器", "Fuel filter (fine)", "filter", "件", 110, 20, False, "E", 0),
    ("1105-02", "油水分离器滤芯", "Fuel pre-filter / water separator", "filter", "件", 160,
     20, False, "E", 5),
    ("1109-01", "空气滤清器外滤芯", "Air filter, outer element", "filter", "件", 320, 15,
     False, "E", 0),
    ("1109-02", "空气滤清器内滤芯", "Air filter, inner element", "filter", "件", 180, 15,
     False, "E", 5),
    ("1307-01", "风扇皮带", "Fan belt", "engine", "条", 160, 40, False, "E", 0),
    ("1301-01", "散热器总成", "Radiator assembly", "engine", "件", 5200, 240, True, "E", 0),
    ("1118-01", "增压器总成", "Turbocharger", "engine", "件", 6800, 180, True, "E", 8),
    ("1111-01", "喷油器", "Fuel injector", "engine", "件", 1650, 60, True, "E", 5),
    ("3708-01", "起动机", "Starter motor", "electrical", "件", 3200, 60, True, "E", 0),
    ("3701-01", "发电机", "Alternator", "electrical", "件", 2300, 60, True, "E", 0),
    ("6003-01", "液压回油滤芯", "Hydraulic return filter element", "filter", "件", 420, 30,
     False, "E", 0),
    ("6003-02", "先导滤芯", "Pilot filter element", "filter", "件", 120, 20, False, "X", 0),
    ("6003-03", "液压油吸油滤网", "Hydraulic suction strainer", "filter", "件", 380, 45,
     False, "E", 5),
    ("6003-04", "液压油箱呼吸器滤芯", "Hydraulic tank breather element", "filter", "件", 90,
     10, False, "E", 0),
    ("6011-01", "主泵总成", "Main hydraulic pump assembly", "hydraulic", "件", 52000, 480,
     True, "X", 0),
    ("6012-01", "主控制阀总成", "Main control valve assembly", "hydraulic", "件", 38000, 600,
     True, "X", 0),
    ("6013-01", "先导阀（左手柄）", "Pilot valve, left joystick", "hydraulic", "件", 3600, 90,
     True, "X", 0),
    ("6013-02", "先导阀（右手柄）", "Pilot valve, right joystick", "hydraulic", "件", 3600, 90,
     True, "X", 0),
    ("6013-03", "行走先导阀（脚踏）", "Travel pilot valve (pedal)", "hydraulic", "件", 4200,
     120, True, "U", 0),
    ("6014-01", "回转马达总成", "Swing motor assembly", "hydraulic", "件", 21000, 360, True,
     "X", 0),
    ("6014-02", "回转减速机总成", "Swing reduction gearbox", "hydraulic", "件", 18000, 420,
     True, "X", 5),
    ("6015-01", "中央回转接头", "Centre swivel joint", "hydraulic", "件", 6500, 300, True,
     "U", 0),
    ("6016-01", "主溢流阀", "Main relief valve", "hydraulic", "件", 2400, 60, True, "X", 0),
    ("6017-01", "行走马达总成", "Travel motor assembly", "hydraulic", "件", 32000, 360, True,
     "U", 0),
    ("6017-02", "行走减速机总成（终传动）", "Final drive assembly", "undercarriage", "件",
     24000, 420, True, "U", 0),
    ("6021-01", "动臂油缸总成", "Boom cylinder assembly", "hydraulic", "件", 16000, 300, True,
     "X", 5),
    ("6021-02", "动臂油缸密封包", "Boom cylinder seal kit", "seal", "套", 680, 240, True,
     "X", 0),
    ("6022-02", "斗杆油缸密封包", "Arm cylinder seal kit", "seal", "套", 620, 240, True, "X", 0),
    ("6023-02", "铲斗油缸密封包", "Bucket cylinder seal kit", "seal", "套", 520, 180, True,
     "X", 0),
    ("6024-01", "中央回转接头密封包", "Swivel joint seal kit", "seal", "套", 450, 240, True,
     "U", 5),
    ("7001-01", "支重轮", "Track roller", "undercarriage", "个", 650, 90, True, "U", 0),
    ("7002-01", "托链轮", "Carrier roller", "undercarriage", "个", 480, 60, True, "U", 5),
    ("7003-01", "引导轮总成", "Front idler assembly", "undercarriage", "个", 2800, 180, True,
     "U", 0),
    ("7004-01", "驱动轮（链轮）", "Sprocket", "undercarriage", "个", 1600, 180, True, "U", 0),
    ("7005-01", "链轨节总成（单边）", "Track chain assembly (one side)", "undercarriage", "条",
     8200, 240, True, "U", 0),
    ("7006-01", "履带板（标准）", "Track shoe (standard)", "undercarriage", "块", 360, 20,
     False, "C", 0),
    ("7006-05", "湿地加宽三角履带板", "Wide triangular track shoe (wetland)", "undercarriage",
     "块", 620, 25, False, "S", 0),
    ("7007-01", "张紧油缸总成", "Track adjuster (recoil cylinder)", "undercarriage", "件",
     2600, 180, True, "U", 0),
    ("8001-01", "斗齿（标准型）", "Bucket tooth (standard)", "ground_engaging", "个", 120, 10,
     False, "X", 0),
    ("8001-02", "斗齿（岩石型）", "Bucket tooth (rock)", "ground_engaging", "个", 165, 10,
     False, "X", 8),
    ("8002-01", "齿座", "Tooth adapter", "ground_engaging", "个", 420, 60, False, "X", 0),
    ("8003-01", "边齿（侧刃）", "Side cutter", "ground_engaging", "个", 520, 20, False, "X", 5),
    ("8004-01", "斗齿销及卡簧", "Tooth pin and retainer", "ground_engaging", "套", 18, 5,
     False, "X", 0),
    ("8005-01", "铲斗连接销轴", "Bucket linkage pin", "work_equipment", "件", 680, 90, True,
     "X", 0),
    ("8006-01", "铲斗衬套", "Bucket bushing", "work_equipment", "件", 260, 90, False, "X", 0),
    ("9001-01", "主泵压力传感器", "Pump pressure sensor", "sensor", "件", 880, 40, True, "X", 5),
    ("9001-02", "先导压力开关", "Pilot pressure switch", "sensor", "件", 320, 30, True, "X", 0),
    ("9002-01", "水温传感器", "Coolant temperature sensor", "sensor", "件", 260, 30, True,
     "E", 0),
    ("9002-02", "液压油温传感器", "Hydraulic oil temperature sensor", "sensor", "件", 280, 30,
     True, "X", 5),
    ("9003-01", "发动机转速传感器", "Engine speed sensor", "sensor", "件", 420, 40, True,
     "E", 8),
    ("9005-01", "先导安全电磁阀", "Pilot cut-off solenoid valve", "electrical", "件", 1100, 45,
     True, "X", 0),
    ("9005-02", "电磁阀组（行走高速/回转制动）", "Solenoid valve block (travel/swing brake)",
     "electrical", "件", 2600, 90, True, "X", 8),
    ("9006-01", "整机控制器", "Machine controller (ECU)", "electrical", "件", 9800, 90, True,
     "X", 5),
    ("9007-01", "监控显示器", "Monitor display", "electrical", "件", 4200, 45, True, "X", 5),
    ("9008-01", "主线束总成", "Main wiring harness", "electrical", "件", 3800, 480, True,
     "X", 0),
    ("9501-01", "驾驶室前挡风玻璃", "Cab front windscreen", "cab", "件", 880, 120, True, "E", 5),
    ("9501-02", "驾驶室门玻璃", "Cab door glass", "cab", "件", 420, 60, True, "E", 5),
    ("9502-01", "雨刮电机", "Wiper motor", "cab", "件", 380, 45, True, "E", 5),
    ("9502-02", "雨刮片", "Wiper blade", "cab", "件", 45, 5, False, "E", 0),
    ("9503-01", "司机座椅总成", "Operator seat assembly", "cab", "件", 2600, 45, True, "E", 0),
    ("9504-01", "空调滤芯", "Cab A/C filter", "filter", "件", 85, 10, False, "E", 5),
]

# Wheeled excavators: axles, gearbox, brakes, tyres (prefix: the wheeled model).
WHEELED: list[tuple[str, str, str, str, str, float, int, bool]] = [
    ("2201-01", "前驱动桥总成", "Front drive axle assembly", "drivetrain", "件", 26000, 480, True),
    ("2202-01", "后驱动桥总成", "Rear drive axle assembly", "drivetrain", "件", 24000, 480, True),
    ("1701-01", "变速箱总成", "Gearbox assembly", "drivetrain", "件", 21000, 420, True),
    ("1701-05", "变速箱滤芯", "Gearbox filter element", "filter", "件", 150, 20, False),
    ("3502-01", "制动片（一桥套）", "Brake pads (per axle)", "drivetrain", "套", 520, 120, False),
    ("3101-01", "轮胎 10.00-20 工程胎", "Tyre 10.00-20 (OTR)", "drivetrain", "条", 2100, 60,
     False),
    ("3401-02", "转向油缸密封包", "Steering cylinder seal kit", "seal", "套", 360, 150, True),
    ("6025-02", "支腿油缸密封包", "Outrigger cylinder seal kit", "seal", "套", 420, 180, True),
]

# Telescopic crawler cranes (prefix QUY20 / QUY50): price at 50 t.
CRANE: list[tuple[str, str, str, str, str, float, int, bool]] = [
    ("9101-01", "主卷扬钢丝绳", "Main winch wire rope", "crane", "米", 72, 4, False),
    ("9101-02", "副卷扬钢丝绳", "Auxiliary winch wire rope", "crane", "米", 58, 4, False),
    ("9102-01", "卷扬制动器总成", "Winch brake assembly", "crane", "件", 9800, 240, True),
    ("9102-02", "卷扬马达", "Winch motor", "crane", "件", 23000, 360, True),
    ("9103-01", "伸缩臂滑块（上）", "Boom slider pad, upper", "crane", "块", 320, 60, False),
    ("9103-02", "伸缩臂滑块（下）", "Boom slider pad, lower", "crane", "块", 360, 60, False),
    ("9103-03", "伸缩臂滑块（侧）", "Boom slider pad, side", "crane", "块", 210, 45, False),
    ("9104-01", "力矩限制器主机", "Load moment indicator (LMI) unit", "crane", "件", 28000, 180,
     True),
    ("9104-02", "长度角度传感器", "Boom length/angle sensor", "sensor", "件", 6200, 120, True),
    ("9104-03", "变幅油缸压力传感器", "Luffing cylinder pressure sensor", "sensor", "件", 1800,
     60, True),
    ("9105-01", "高度限位器", "Anti-two-block (height limit) switch", "crane", "件", 950, 45,
     True),
    ("9106-01", "主钩吊钩组", "Main hook block", "crane", "件", 16000, 120, True),
    ("9107-02", "伸缩油缸密封包", "Telescoping cylinder seal kit", "seal", "套", 1650, 600, True),
    ("9108-02", "变幅油缸密封包", "Luffing cylinder seal kit", "seal", "套", 1450, 480, True),
    ("9109-01", "风速仪", "Anemometer", "sensor", "件", 1200, 60, True),
]
CRANES = {"QUY20": ("QUY20A", 20.0), "QUY50": ("QUY50A", 50.0)}

# Universal parts: (part_no, name_zh, name_en, category, unit, price yuan, labour, warranty)
GENERIC: list[tuple[str, str, str, str, str, float, int, bool]] = [
    ("GEN-0501-01", "柴油机油 CH-4 15W-40（18L）", "Diesel engine oil CH-4 15W-40 (18 L)",
     "lubricant", "桶", 560, 0, False),
    ("GEN-0501-02", "柴油机油 CI-4 15W-40（200L）", "Diesel engine oil CI-4 15W-40 (200 L)",
     "lubricant", "桶", 5600, 0, False),
    ("GEN-0501-03", "柴油机油 CI-4 15W-40（散装）", "Diesel engine oil CI-4 15W-40 (bulk)",
     "lubricant", "升", 30, 0, False),
    ("GEN-0502-01", "抗磨液压油 HM46（18L）", "Anti-wear hydraulic oil HM46 (18 L)",
     "lubricant", "桶", 420, 0, False),
    ("GEN-0502-02", "抗磨液压油 HM46（200L）", "Anti-wear hydraulic oil HM46 (200 L)",
     "lubricant", "桶", 4300, 0, False),
    ("GEN-0502-03", "抗磨液压油 HM46（散装）", "Anti-wear hydraulic oil HM46 (bulk)",
     "lubricant", "升", 23, 0, False),
    ("GEN-0502-04", "低凝液压油 HV46（18L）", "Low-pour hydraulic oil HV46 (18 L)", "lubricant",
     "桶", 480, 0, False),
    ("GEN-0503-01", "重负荷齿轮油 GL-5 85W-90（18L）", "Gear oil GL-5 85W-90 (18 L)",
     "lubricant", "桶", 460, 0, False),
    ("GEN-0503-02", "重负荷齿轮油 GL-5 85W-90（4L）", "Gear oil GL-5 85W-90 (4 L)", "lubricant",
     "桶", 120, 0, False),
    ("GEN-0504-01", "长效防冻液 -35℃（4L）", "Long-life coolant -35 °C (4 L)", "lubricant", "桶",
     95, 0, False),
    ("GEN-0504-02", "长效防冻液 -45℃（18L）", "Long-life coolant -45 °C (18 L)", "lubricant",
     "桶", 360, 0, False),
    ("GEN-0505-01", "锂基润滑脂 2#（15kg）", "Lithium grease NLGI 2 (15 kg)", "lubricant", "桶",
     380, 0, False),
    ("GEN-0505-02", "极压锂基润滑脂（400g）", "EP lithium grease cartridge (400 g)", "lubricant",
     "支", 18, 0, False),
    ("GEN-0505-03", "二硫化钼润滑脂（15kg）", "Molybdenum disulphide grease (15 kg)",
     "lubricant", "桶", 520, 0, False),
    ("GEN-0505-04", "回转齿圈开式齿轮脂（15kg）", "Open-gear grease, swing ring (15 kg)",
     "lubricant", "桶", 610, 0, False),
    ("GEN-0601-01", "平面密封胶 587", "Flange sealant 587", "consumable", "支", 35, 0, False),
    ("GEN-0601-02", "螺纹锁固胶 243", "Thread locker 243", "consumable", "支", 45, 0, False),
    ("GEN-0601-03", "不锈钢喉箍（10只装）", "Stainless hose clamps (pack of 10)", "consumable",
     "包", 30, 0, False),
    ("GEN-0601-04", "尼龙扎带（100根）", "Cable ties (pack of 100)", "consumable", "包", 12, 0,
     False),
    ("GEN-0601-05", "液压系统清洗剂", "Hydraulic system flushing agent", "consumable", "桶",
     260, 0, False),
    ("GEN-0701-01", "插片式熔断器 10A", "Blade fuse 10 A", "electrical", "个", 3, 5, False),
    ("GEN-0701-02", "插片式熔断器 15A", "Blade fuse 15 A", "electrical", "个", 3, 5, False),
    ("GEN-0701-03", "插片式熔断器 20A", "Blade fuse 20 A", "electrical", "个", 3, 5, False),
    ("GEN-0701-04", "插片式熔断器 30A", "Blade fuse 30 A", "electrical", "个", 4, 5, False),
    ("GEN-0701-05", "片式主熔断器 60A", "Main fusible link 60 A", "electrical", "个", 28, 15,
     False),
    ("GEN-0702-01", "继电器 24V 四脚", "Relay 24 V, 4-pin", "electrical", "个", 45, 10, True),
    ("GEN-0702-02", "继电器 24V 五脚", "Relay 24 V, 5-pin", "electrical", "个", 52, 10, True),
    ("GEN-0702-03", "起动继电器 24V", "Starter relay 24 V", "electrical", "个", 120, 20, True),
    ("GEN-0702-04", "预热继电器 24V", "Glow plug relay 24 V", "electrical", "个", 160, 20, True),
    ("GEN-0703-01", "蓄电池 12V 120Ah", "Battery 12 V 120 Ah", "electrical", "块", 950, 20,
     True),
    ("GEN-0703-02", "蓄电池 12V 165Ah", "Battery 12 V 165 Ah", "electrical", "块", 1280, 20,
     True),
    ("GEN-0703-03", "蓄电池 12V 200Ah", "Battery 12 V 200 Ah", "electrical", "块", 1560, 20,
     True),
    ("GEN-0704-01", "倒车/行走报警器 24V", "Travel alarm 24 V", "electrical", "个", 85, 20, True),
    ("GEN-0704-02", "LED旋转警示灯 24V", "LED rotating beacon 24 V", "electrical", "个", 180,
     20, True),
    ("GEN-0704-03", "电源总开关", "Battery isolator switch", "electrical", "个", 160, 30, True),
    ("GEN-0705-01", "温度传感器插接件修理包", "Sensor connector repair kit", "electrical", "套",
     65, 20, False),
    ("GEN-0901-01", "灭火器 2kg 干粉", "Fire extinguisher 2 kg dry powder", "cab", "个", 75, 5,
     False),
]
O_RINGS = [(14, 2.4), (20, 2.4), (25, 3.1), (32, 3.1), (40, 3.5), (50, 3.5), (65, 5.7)]
HOSES = [("1/4", 400), ("3/8", 600), ("1/2", 800), ("1/2", 1200), ("3/4", 1000), ("1", 1500)]
HOSE_PRICE = {"1/4": 85, "3/8": 120, "1/2": 165, "3/4": 260, "1": 380}

# (old part_no, name suffix zh, name suffix en): the new part is the next variant.
SUPERSEDED = [
    ("ZY210-1012-01", "（加长型）", " (extended life)"),
    ("ZY150-1012-01", "（加长型）", " (extended life)"),
    ("ZY210-6021-02", "（改进型）", " (improved)"),
    ("ZY80-1109-02", "（纳米纤维）", " (nanofibre)"),
    ("ZY330-8001-02", "（加强型）", " (heavy duty)"),
    ("ZY210-9002-02", "（新款）", " (new type)"),
    ("QUY50-9103-03", "（MC尼龙）", " (MC nylon)"),
    ("GEN-0703-03", "（免维护）", " (maintenance-free)"),
]

# fmt: on

Row = dict[str, str | int]


def _price(part_no: str, yuan: float, factor: float) -> int:
    jitter = 1 + ((zlib.crc32(part_no.encode()) % 11) - 5) / 100
    fen = round(yuan * factor * jitter * 100)
    return max(100, fen // 100 * 100) if fen >= 1000 else fen


def _row(
    part_no: str,
    zh: str,
    en: str,
    cat: str,
    unit: str,
    price: int,
    labour: int,
    warranty: bool,
    models: list[str],
) -> Row:
    return {
        "part_no": part_no,
        "name_zh": zh,
        "name_en": en,
        "category": cat,
        "unit": unit,
        "price_cents": price,
        "labour_minutes": labour,
        "warranty_eligible": int(warranty),
        "superseded_by": "",
        "models": " ".join(models),
    }


def build() -> list[Row]:
    rows: list[Row] = []
    everything = [m for spec in PLATFORMS.values() for group in spec[1:] for m in group]
    for plat, (weight, crawler, wetland, wheeled, crane) in PLATFORMS.items():
        factor = (weight / 21) ** 0.65
        scopes = {
            "E": crawler + wetland + wheeled + crane,
            "X": crawler + wetland + wheeled,
            "U": crawler + wetland,
            "C": crawler,
            "S": wetland,
        }
        for group, zh, en, cat, unit, yuan, labour, warranty, scope, min_w in PER_PLATFORM:
            models = scopes[scope]
            if weight < min_w or not models:
                continue
            part_no = f"{plat}-{group}"
            minutes = max(5, round(labour * factor**0.3 / 5) * 5)
            rows.append(
                _row(
                    part_no,
                    zh,
                    en,
                    cat,
                    unit,
                    _price(part_no, yuan, factor),
                    minutes,
                    warranty,
                    models,
                )
            )
        for model in wheeled:
            wf = (weight / 16) ** 0.65
            for group, zh, en, cat, unit, yuan, labour, warranty in WHEELED:
                part_no = f"{model}-{group}"
                rows.append(
                    _row(
                        part_no,
                        zh,
                        en,
                        cat,
                        unit,
                        _price(part_no, yuan, wf),
                        labour,
                        warranty,
                        [model],
                    )
                )
    for prefix, (model, weight) in CRANES.items():
        cf = (weight / 50) ** 0.65
        for group, zh, en, cat, unit, yuan, labour, warranty in CRANE:
            part_no = f"{prefix}-{group}"
            rows.append(
                _row(
                    part_no, zh, en, cat, unit, _price(part_no, yuan, cf), labour, warranty, [model]
                )
            )
    for part_no, zh, en, cat, unit, yuan, labour, warranty in GENERIC:
        rows.append(
            _row(part_no, zh, en, cat, unit, _price(part_no, yuan, 1), labour, warranty, everything)
        )
    for i, (d, w) in enumerate(O_RINGS, start=1):
        part_no = f"GEN-0101-{i:02d}"
        rows.append(
            _row(
                part_no,
                f"O型圈 φ{d}×{w} 丁腈",
                f"O-ring {d} × {w} mm NBR",
                "seal",
                "个",
                round((1.5 + d / 20) * 100),
                10,
                False,
                everything,
            )
        )
    rows.append(
        _row(
            "GEN-0101-20",
            "O型圈修理盒（386件）",
            "O-ring assortment box (386 pcs)",
            "seal",
            "盒",
            16800,
            0,
            False,
            everything,
        )
    )
    for i, (size, length) in enumerate(HOSES, start=1):
        part_no = f"GEN-0201-{i:02d}"
        price = round(HOSE_PRICE[size] * (0.6 + length / 2000) * 100)
        rows.append(
            _row(
                part_no,
                f'高压胶管总成 {size}" ×{length}mm（两层钢丝）',
                f'High-pressure hose {size}" × {length} mm (2SN)',
                "hose",
                "条",
                price,
                40,
                True,
                everything,
            )
        )
    for i, size in enumerate(HOSE_PRICE, start=11):
        rows.append(
            _row(
                f"GEN-0201-{i:02d}",
                f'高压胶管（散管）{size}" 两层钢丝',
                f'High-pressure hose, bulk {size}" (2SN)',
                "hose",
                "米",
                HOSE_PRICE[size] * 60,
                0,
                True,
                everything,
            )
        )
    by_no = {str(r["part_no"]): r for r in rows}
    for old, zh_suffix, en_suffix in SUPERSEDED:
        base = by_no[old]
        head, variant = old.rsplit("-", 1)
        new_no = f"{head}-{int(variant) + 1:02d}"
        new = {
            **base,
            "part_no": new_no,
            "name_zh": f"{base['name_zh']}{zh_suffix}",
            "name_en": f"{base['name_en']}{en_suffix}",
            "price_cents": round(int(base["price_cents"]) * 1.08 / 100) * 100,
        }
        assert new_no not in by_no, new_no
        base["superseded_by"] = new_no
        rows.append(new)
        by_no[new_no] = new
    return sorted(rows, key=lambda r: str(r["part_no"]))


def main() -> None:
    rows = build()
    out = Path(__file__).with_name("parts.csv")
    with out.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


if __name__ == "__main__":
    main()
