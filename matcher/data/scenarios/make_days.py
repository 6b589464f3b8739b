#!/usr/bin/env python3
"""Generate simulated market days for a same-day gig-work matcher at a
零工市场 (day-labour market hall) in 黔东南州, Guizhou.

Standard library only; every day is produced from a fixed seed so the
output is reproducible.  Written independently of the matcher: it knows
only the skill-id list and the township list.

Usage:  python3 make_days.py [--skills PATH] [--townships PATH] [--out DIR]

Time conventions (all relative to 06:30 on the market day):
  worker.arrive_s, job.post_s   seconds
  worker.until_h, job.start_h   hours
"""
import argparse
import csv
import json
import math
import os
import random

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_SKILLS = "/tmp/kz_material/skill_ids.csv"
DEFAULT_TOWNSHIPS = "/tmp/kz_material/townships.txt"

# ---------------------------------------------------------------------------
# How common each skill is among people who turn up at a county hall.
# Construction labour, porters, cleaners, picking, kitchen help, drivers and
# care work are common; crafts and specialist trades are rare.
# ---------------------------------------------------------------------------
SUPPLY_W = {
    "general_laborer": 22, "porter": 10, "bricklayer": 3, "plasterer": 1.5,
    "tiler": 1.5, "carpenter": 2, "formwork_carpenter": 1.5, "rebar_worker": 1.5,
    "concrete_worker": 1.5, "scaffolder": 1, "plumber_electrician": 1.5,
    "electrician": 1, "welder": 1, "painter": 1.5, "waterproofer": 0.8,
    "decorator": 1.5, "stonemason": 0.6, "excavator_operator": 0.8,
    "road_worker": 1.5, "rural_builder": 1,
    "tea_picker": 6, "tea_processing": 1, "fruit_picker": 5,
    "vegetable_grower": 2, "rice_transplanting": 2, "seedling_raising": 0.8,
    "seed_production": 0.6, "rice_fish": 0.5, "livestock_keeper": 1.5,
    "farm_hand": 5, "crop_protection": 0.8, "farm_machinery": 0.8,
    "mushroom_grower": 0.8, "herb_grower": 1, "forestry_worker": 1,
    "forest_ranger": 0.3,
    "cleaner": 7, "housekeeper": 3, "hourly_helper": 2, "maternity_nurse": 0.6,
    "infant_care": 1, "elder_care": 2.5, "security_guard": 2, "chef": 1.5,
    "kitchen_helper": 4, "dishwasher": 3, "guizhou_cuisine_chef": 0.8,
    "noodle_cook": 0.8, "waiter": 3, "room_attendant": 1, "cashier": 1,
    "shop_assistant": 1, "gardener": 2, "auto_mechanic": 0.5, "butcher": 0.5,
    "tour_guide": 0.3, "homestay_staff": 0.8, "miao_embroidery": 0.6,
    "batik": 0.3, "silversmith": 0.2, "wooden_architecture": 0.3,
    "dong_weaving": 0.3, "handicraft": 0.4, "ethnic_performer": 0.4,
    "live_streamer": 0.3, "ecommerce_ops": 0.2,
    "driver": 3, "truck_driver": 1.5, "bus_driver": 0.3, "courier": 1,
    "parcel_sorter": 1.5, "delivery_rider": 1, "warehouse_keeper": 0.6,
    "forklift_driver": 0.6,
    "factory_worker": 2, "assembly_line": 1, "sewing_worker": 1, "packer": 1.5,
    "quality_inspector": 0.3, "food_processing": 1.5,
}

# Employers post general labour less often than workers offer it.
DEMAND_OVERRIDE = {"general_laborer": 13, "porter": 8}

# Skills a worker commonly adds to a specialist skill ("also does odd jobs").
COMMON_FALLBACK = ["general_laborer", "porter", "farm_hand", "cleaner",
                   "fruit_picker", "tea_picker", "kitchen_helper"]

# Jobs that are usually posted for several people at once.
BULK = {"general_laborer", "porter", "tea_picker", "fruit_picker", "farm_hand",
        "rice_transplanting", "cleaner", "parcel_sorter", "packer",
        "factory_worker", "assembly_line", "food_processing", "waiter",
        "dishwasher", "kitchen_helper", "road_worker", "vegetable_grower",
        "seed_production", "herb_grower", "forestry_worker", "concrete_worker",
        "rebar_worker", "room_attendant", "gardener", "security_guard"}
# Jobs that are almost always a single person.
SINGLE = {"maternity_nurse", "excavator_operator", "chef", "guizhou_cuisine_chef",
          "noodle_cook", "driver", "truck_driver", "bus_driver", "electrician",
          "auto_mechanic", "tour_guide", "live_streamer", "ecommerce_ops",
          "silversmith", "housekeeper", "hourly_helper", "infant_care",
          "forklift_driver", "warehouse_keeper", "cashier", "farm_machinery",
          "plumber_electrician", "welder"}

# Day-wage tiers (yuan/day) and matching hour-wage ranges (yuan/hour).
HIGH = {"bricklayer", "plasterer", "tiler", "carpenter", "formwork_carpenter",
        "rebar_worker", "scaffolder", "plumber_electrician", "electrician",
        "welder", "painter", "waterproofer", "decorator", "stonemason",
        "excavator_operator", "rural_builder", "wooden_architecture",
        "silversmith", "chef", "guizhou_cuisine_chef", "maternity_nurse",
        "truck_driver", "bus_driver", "forklift_driver", "farm_machinery",
        "auto_mechanic"}
MID = {"general_laborer", "porter", "rice_transplanting", "livestock_keeper",
       "crop_protection", "forestry_worker", "road_worker", "concrete_worker",
       "housekeeper", "elder_care", "infant_care", "courier", "delivery_rider",
       "warehouse_keeper", "sewing_worker", "quality_inspector",
       "tea_processing", "butcher", "noodle_cook", "miao_embroidery", "batik",
       "dong_weaving", "ethnic_performer", "live_streamer", "ecommerce_ops",
       "tour_guide", "driver"}
DAY_RANGE = {"low": (120, 170), "mid": (150, 220), "high": (220, 300)}
HOUR_RANGE = {"low": (18, 24), "mid": (22, 28), "high": (28, 35)}
HOURLY_P = {"hourly_helper": 0.9, "cleaner": 0.5, "housekeeper": 0.4,
            "dishwasher": 0.35, "kitchen_helper": 0.3, "waiter": 0.35,
            "room_attendant": 0.3, "parcel_sorter": 0.35, "packer": 0.3,
            "porter": 0.2, "general_laborer": 0.1, "security_guard": 0.2,
            "shop_assistant": 0.3, "cashier": 0.3, "delivery_rider": 0.2,
            "elder_care": 0.2, "infant_care": 0.2, "homestay_staff": 0.3,
            "gardener": 0.15, "food_processing": 0.15, "factory_worker": 0.15}


def tier(skill):
    return "high" if skill in HIGH else ("mid" if skill in MID else "low")


# ---------------------------------------------------------------------------
# What workers say at the kiosk.
# ---------------------------------------------------------------------------
WORKER_PHRASES = {
    "general_laborer": ["搬砖扛水泥都行", "工地小工", "做小工", "打杂 什么力气活都干",
                        "在工地干过小工", "拌砂浆 递砖", "工地上做小工活路", "啥子力气活都搞得"],
    "bricklayer": ["砌砖", "泥水工 砌墙", "会砌墙", "泥瓦匠 干了十几年", "砌墙砌砖 都是老手"],
    "plasterer": ["抹灰", "粉墙 抹灰", "批荡抹灰", "墙面抹灰找平"],
    "tiler": ["贴瓷砖", "铺地砖 贴墙砖", "贴砖师傅", "会贴砖"],
    "carpenter": ["木工活", "做木工", "会做木工 打柜子", "木匠"],
    "formwork_carpenter": ["支模板", "模板工 支模拆模", "工地钉模板", "搞模板"],
    "rebar_worker": ["绑钢筋", "扎钢筋", "钢筋工 绑扎都会", "钢筋下料 绑扎"],
    "concrete_worker": ["打混凝土", "浇灰 打地坪", "振捣混凝土", "打灰"],
    "scaffolder": ["搭架子", "搭脚手架", "架子工 有高空证", "搭拆架子"],
    "plumber_electrician": ["水电安装", "装水管 走电线", "做水电", "水电都会搞"],
    "electrician": ["电工 有证", "会接电 有电工证", "电工活", "低压电工证 接线"],
    "welder": ["电焊", "会烧电焊", "焊工 有焊工证", "氩弧焊 电焊都会"],
    "painter": ["刷油漆", "刷墙 喷漆", "油漆工 刷乳胶漆", "刮腻子刷漆"],
    "waterproofer": ["做防水", "屋顶防水 卫生间防水", "刷防水"],
    "decorator": ["搞装修", "装修 什么都会点", "室内装修", "装修师傅"],
    "stonemason": ["打石头", "石匠 砌石墙", "会凿石头", "砌堡坎 打石头"],
    "excavator_operator": ["会开挖机", "开挖掘机", "挖机师傅 开了八年", "开钩机"],
    "road_worker": ["修路", "修公路 铺沥青", "养路 扫边沟", "修村道"],
    "rural_builder": ["农村建房", "修房子 乡下盖房", "盖自建房", "在村里盖过房子"],
    "porter": ["搬运 卸货", "扛包 装车卸车", "下力 搬东西", "帮人搬家 卸车", "有力气 搬运"],
    "tea_picker": ["采茶", "摘茶叶", "摘茶 手快", "采春茶", "会摘茶"],
    "tea_processing": ["炒茶", "制茶 杀青揉捻", "会炒茶叶", "茶厂做过制茶"],
    "fruit_picker": ["摘杨梅", "摘果子", "摘蓝莓 摘葡萄", "摘水果", "摘脐橙"],
    "vegetable_grower": ["种菜", "种蔬菜 打理大棚", "大棚种菜", "种辣椒 种白菜"],
    "rice_transplanting": ["插秧", "栽秧", "会栽秧", "栽秧打田"],
    "seedling_raising": ["育秧", "育苗 育秧都会", "搞育秧", "大棚育苗"],
    "seed_production": ["制种 授粉", "杂交水稻制种", "赶粉 制种"],
    "rice_fish": ["稻田养鱼", "田里养鱼", "稻花鱼 会养"],
    "livestock_keeper": ["养猪", "喂牛喂猪", "养鸡养鸭", "养殖场干过"],
    "farm_hand": ["农活都会", "帮人做农活", "挖地 锄草", "种地", "地里的活路都做"],
    "crop_protection": ["打药", "背喷雾器打农药", "飞防 打药", "会打除草剂"],
    "farm_machinery": ["开旋耕机", "开收割机", "会开农机 微耕机", "开拖拉机"],
    "mushroom_grower": ["种菌子", "种香菇 木耳", "菌棚干过", "种食用菌"],
    "herb_grower": ["种中药材", "种天麻 太子参", "挖药材 种药", "种钩藤 黄精"],
    "forestry_worker": ["砍树 造林", "林场干活 栽树", "抚育林子", "栽杉树"],
    "forest_ranger": ["巡山", "看山 护林", "护林 防火"],
    "cleaner": ["打扫卫生", "做保洁", "扫地拖地 搞卫生", "保洁 开荒保洁也做", "搞卫生"],
    "housekeeper": ["做家政", "家政 做饭搞卫生", "给人家做家务", "做住家保姆"],
    "hourly_helper": ["钟点工", "按钟点做家务", "做几个钟头的家务", "做小时工 打扫"],
    "maternity_nurse": ["月嫂", "带月子 照顾产妇", "做过月嫂 有证", "伺候月子"],
    "infant_care": ["带小孩", "我在家带过孙子 会带娃", "育婴 照顾宝宝", "带娃娃"],
    "elder_care": ["照顾老人", "我在家带过孙子 会照顾老人", "护工 照顾病人老人",
                   "养老院干过", "陪护老人"],
    "security_guard": ["当保安", "保安 看大门", "守门 值夜班都行", "做保安"],
    "chef": ["炒菜 厨师", "会掌勺", "大厨 办酒席", "厨师 会炒菜"],
    "kitchen_helper": ["厨房帮工", "切菜 配菜", "打荷 帮厨", "后厨打杂", "帮厨"],
    "dishwasher": ["洗碗", "洗碗 洗菜", "在饭店洗过碗", "洗盘子"],
    "guizhou_cuisine_chef": ["会做酸汤鱼", "黔菜 做酸汤鱼 辣子鸡", "贵州菜师傅"],
    "noodle_cook": ["煮粉", "做米粉 煮面", "做包子馒头 煮粉", "凯里酸汤粉会做"],
    "waiter": ["服务员", "端盘子", "饭店服务员 传菜", "当服务员"],
    "room_attendant": ["酒店打扫房间", "宾馆做房", "客房 铺床", "酒店客房"],
    "cashier": ["收银", "超市收银", "会收银 用扫码枪"],
    "shop_assistant": ["站店 卖东西", "营业员", "商场卖衣服", "看店"],
    "gardener": ["绿化", "种花种草 修剪", "园林绿化 浇水除草", "修树 栽花"],
    "auto_mechanic": ["修车", "汽修 补胎换油", "修摩托车 汽车"],
    "butcher": ["杀猪", "屠宰 分肉", "会杀猪杀牛"],
    "tour_guide": ["导游 有证", "带团讲解", "景区讲解"],
    "homestay_staff": ["民宿帮忙", "民宿打扫 接待", "农家乐帮工"],
    "miao_embroidery": ["绣花 苗绣", "会绣花", "苗绣 破线绣"],
    "batik": ["蜡染", "画蜡 染布", "会点蜡 蜡染"],
    "silversmith": ["打银饰", "银匠 打银角", "做银饰"],
    "wooden_architecture": ["修吊脚楼", "木房子 会立屋", "掌墨师 修木楼"],
    "dong_weaving": ["织侗布", "织布 侗锦", "织锦"],
    "handicraft": ["编竹篮", "做手工 编织", "竹编 草编"],
    "ethnic_performer": ["唱歌跳舞", "会唱侗族大歌", "跳芦笙舞 表演"],
    "live_streamer": ["直播带货", "会做直播", "拍抖音 直播"],
    "ecommerce_ops": ["开网店", "电商 上架 客服", "做淘宝 拼多多"],
    "driver": ["开车 有C1", "会开车 有驾照", "开小车 面包车都行", "开车 驾龄十年"],
    "truck_driver": ["开大货车", "开货车 B2", "拉货 开货车", "开渣土车"],
    "bus_driver": ["开客车 A1", "开中巴", "开大巴"],
    "courier": ["送快递", "快递员 干过", "跑快递"],
    "parcel_sorter": ["分拣快递", "快递分拣", "分包裹"],
    "delivery_rider": ["送外卖", "跑外卖 有电瓶车", "骑手"],
    "warehouse_keeper": ["管仓库", "仓库记账 出入库", "仓管"],
    "forklift_driver": ["开叉车 有证", "叉车司机", "会开叉车"],
    "factory_worker": ["进厂 普工", "厂里普工", "工厂做过", "普工"],
    "assembly_line": ["流水线", "电子厂流水线", "流水线上干过"],
    "sewing_worker": ["踩缝纫机", "车工 缝衣服", "会踩平车"],
    "packer": ["打包 装箱", "包装", "贴标签 打包"],
    "quality_inspector": ["质检", "检查产品 挑次品", "品检"],
    "food_processing": ["食品厂", "做腊肉 香肠加工", "做糍粑 米豆腐", "食品加工"],
}
W_PREFIX = ["", "", "", "", "", "我", "本人"]
W_SUFFIX = ["", "", "", "", "", " 都行", " 能吃苦", " 日结的", " 附近的活优先",
            " 什么时候都可以", " 今天就能去"]
W_JOIN = [" ", " ", "，", "、", " 也会", " 还有", "  "]


def worker_text(rng, skills):
    """Colloquial description; sometimes names only one of the skills held."""
    phrases = [rng.choice(WORKER_PHRASES[s]) for s in skills]
    if len(skills) > 1 and rng.random() < 0.25:
        # names only one skill (usually the first, the one they think of first)
        phrases = [phrases[0] if rng.random() < 0.75 else rng.choice(phrases)]
    elif len(skills) > 2 and rng.random() < 0.3:
        phrases = phrases[:2]
    text = phrases[0]
    for p in phrases[1:]:
        j = rng.choice(W_JOIN)
        if j.endswith("会") and p.startswith("会"):
            p = p[1:]
        if p.startswith("我") and j.strip():
            j = " "
        text += j + p
    pre = rng.choice(W_PREFIX)
    if text.startswith("我"):
        pre = ""
    return (pre + text + rng.choice(W_SUFFIX)).strip()


# ---------------------------------------------------------------------------
# What employers type.  noun = what they call the worker, act = the task.
# ---------------------------------------------------------------------------
JOB_WORDS = {
    "general_laborer": (["小工", "杂工", "力工", "工地小工"], ["工地搬砖", "清理工地", "工地打杂", "拌砂浆"]),
    "bricklayer": (["泥工", "砌砖师傅", "泥瓦工"], ["砌围墙", "砌砖", "砌隔墙"]),
    "plasterer": (["抹灰工", "粉墙师傅"], ["墙面抹灰", "粉墙"]),
    "tiler": (["贴砖师傅", "瓷砖工"], ["贴瓷砖", "铺地砖", "卫生间贴砖"]),
    "carpenter": (["木工", "木工师傅"], ["做木工", "装门窗 木工活"]),
    "formwork_carpenter": (["模板工", "支模师傅"], ["支模板", "拆模板"]),
    "rebar_worker": (["钢筋工", "扎筋工"], ["绑钢筋", "扎钢筋"]),
    "concrete_worker": (["混凝土工", "打灰工"], ["浇混凝土", "打地坪", "打灰"]),
    "scaffolder": (["架子工"], ["搭脚手架", "拆架子"]),
    "plumber_electrician": (["水电工", "水电师傅"], ["水电安装", "改水电"]),
    "electrician": (["电工", "持证电工"], ["接电", "线路检修", "装配电箱"]),
    "welder": (["焊工", "电焊工", "电焊师傅"], ["烧电焊", "焊钢架", "焊防盗网"]),
    "painter": (["油漆工", "刷漆师傅"], ["刷墙", "刷乳胶漆", "刷油漆"]),
    "waterproofer": (["防水工", "防水师傅"], ["屋面防水", "卫生间做防水"]),
    "decorator": (["装修工", "装修师傅"], ["室内装修", "装修收尾"]),
    "stonemason": (["石匠"], ["砌堡坎", "砌石墙"]),
    "excavator_operator": (["挖机司机", "挖机师傅", "钩机师傅"], ["开挖机", "挖地基", "挖机平场"]),
    "road_worker": (["修路工", "筑路工"], ["修村道", "铺路", "清边沟"]),
    "rural_builder": (["建房师傅", "乡村工匠"], ["农村自建房", "盖房子"]),
    "porter": (["搬运工", "装卸工", "下力的"], ["卸货", "装车", "搬家", "卸水泥"]),
    "tea_picker": (["采茶工", "摘茶的"], ["摘茶", "采茶", "摘明前茶"]),
    "tea_processing": (["制茶师傅", "炒茶工"], ["炒茶", "茶厂制茶"]),
    "fruit_picker": (["采摘工", "摘果工"], ["摘杨梅", "摘蓝莓", "摘脐橙", "摘葡萄", "摘百香果"]),
    "vegetable_grower": (["种菜工", "大棚工"], ["大棚种菜", "栽辣椒苗", "蔬菜基地除草"]),
    "rice_transplanting": (["栽秧的", "插秧工"], ["栽秧", "插秧"]),
    "seedling_raising": (["育秧工"], ["育秧", "大棚育苗"]),
    "seed_production": (["制种工"], ["制种赶粉", "制种基地授粉"]),
    "rice_fish": (["养鱼的"], ["稻田放鱼苗", "稻田捉鱼"]),
    "livestock_keeper": (["养殖工", "饲养员"], ["养猪场喂料", "喂牛", "养鸡场"]),
    "farm_hand": (["帮工", "农活帮工"], ["挖地", "锄草", "地里帮忙", "栽苞谷"]),
    "crop_protection": (["打药的", "植保员"], ["打农药", "果园打药"]),
    "farm_machinery": (["农机手", "旋耕机手"], ["开旋耕机犁田", "开收割机"]),
    "mushroom_grower": (["菌棚工"], ["菌棚摘菇", "装菌棒"]),
    "herb_grower": (["药材工"], ["栽天麻", "挖太子参", "药材基地除草"]),
    "forestry_worker": (["林业工"], ["栽杉树苗", "林场抚育", "砍灌木"]),
    "forest_ranger": (["护林员"], ["巡山护林", "防火巡山"]),
    "cleaner": (["保洁", "保洁员", "清洁工"], ["开荒保洁", "搞卫生", "打扫卫生", "小区保洁"]),
    "housekeeper": (["家政", "家政阿姨", "保姆"], ["做家务", "做饭搞卫生"]),
    "hourly_helper": (["钟点工", "小时工"], ["打扫房子", "做家务"]),
    "maternity_nurse": (["月嫂", "月子阿姨"], ["照顾产妇", "伺候月子"]),
    "infant_care": (["育婴员", "带娃阿姨"], ["带小孩", "照顾宝宝"]),
    "elder_care": (["护工", "养老护理员"], ["照顾老人", "医院陪护", "陪护老人"]),
    "security_guard": (["保安"], ["看大门", "活动现场安保", "工地值守"]),
    "chef": (["厨师", "大厨", "掌勺师傅"], ["办酒席", "炒菜", "食堂做饭"]),
    "kitchen_helper": (["帮厨", "厨房杂工", "打荷"], ["切菜配菜", "后厨帮忙", "酒席帮厨"]),
    "dishwasher": (["洗碗工", "洗碗阿姨"], ["洗碗", "酒席洗碗"]),
    "guizhou_cuisine_chef": (["黔菜师傅", "酸汤鱼师傅"], ["做酸汤鱼", "做黔菜"]),
    "noodle_cook": (["煮粉师傅", "粉面师傅"], ["煮粉", "做米粉"]),
    "waiter": (["服务员", "传菜员"], ["端菜", "酒席端菜", "饭店帮忙"]),
    "room_attendant": (["客房服务员", "做房阿姨"], ["酒店做房", "打扫客房"]),
    "cashier": (["收银员"], ["超市收银", "店里收银"]),
    "shop_assistant": (["营业员", "店员"], ["看店", "卖衣服", "超市理货"]),
    "gardener": (["绿化工", "园林工"], ["修剪绿化带", "栽花种草", "小区绿化"]),
    "auto_mechanic": (["汽修师傅", "修车师傅"], ["修车", "补胎换油"]),
    "butcher": (["杀猪师傅", "屠宰工"], ["杀猪", "分肉"]),
    "tour_guide": (["导游", "讲解员"], ["带团", "景区讲解"]),
    "homestay_staff": (["民宿服务员", "民宿帮工"], ["民宿打扫", "农家乐帮忙"]),
    "miao_embroidery": (["绣娘", "苗绣师傅"], ["绣花", "苗绣"]),
    "batik": (["蜡染师傅"], ["画蜡", "蜡染"]),
    "silversmith": (["银匠", "银饰师傅"], ["打银饰", "做银饰"]),
    "wooden_architecture": (["木构师傅", "掌墨师"], ["修吊脚楼", "立木房子"]),
    "dong_weaving": (["织布工", "侗锦织娘"], ["织侗锦", "织侗布"]),
    "handicraft": (["手工艺人", "竹编师傅"], ["编竹篮", "做手工"]),
    "ethnic_performer": (["演员", "表演人员"], ["唱歌跳舞", "迎宾表演", "芦笙表演"]),
    "live_streamer": (["主播", "带货主播"], ["直播带货", "直播卖农产品"]),
    "ecommerce_ops": (["电商运营", "网店客服"], ["网店上架", "网店客服"]),
    "driver": (["司机", "驾驶员"], ["开车送货", "开面包车", "开车接人"]),
    "truck_driver": (["货车司机", "大车司机"], ["开货车拉货", "拉渣土"]),
    "bus_driver": (["客车司机"], ["开中巴", "开大巴接送"]),
    "courier": (["快递员"], ["送快递", "跑件"]),
    "parcel_sorter": (["分拣员", "分拣工"], ["快递分拣", "分包裹"]),
    "delivery_rider": (["骑手", "外卖骑手"], ["送外卖"]),
    "warehouse_keeper": (["仓管", "仓管员"], ["管仓库", "仓库盘点"]),
    "forklift_driver": (["叉车司机", "叉车工"], ["开叉车"]),
    "factory_worker": (["普工", "厂里普工"], ["进厂", "车间干活"]),
    "assembly_line": (["流水线工", "流水线普工"], ["流水线", "电子厂流水线"]),
    "sewing_worker": (["车工", "缝纫工"], ["踩缝纫机", "车衣服"]),
    "packer": (["包装工", "打包员"], ["打包装箱", "贴标签打包"]),
    "quality_inspector": (["质检员", "品检"], ["检查产品", "挑次品"]),
    "food_processing": (["食品厂工人", "加工工人"], ["做腊肉", "做糍粑", "灌香肠", "食品厂车间"]),
}
CN_NUM = {1: "一", 2: "两", 3: "三", 4: "四", 5: "五"}
CN_NUM2 = {1: "1", 2: "2", 3: "3", 4: "4", 5: "5"}
J_TEMPLATES_MANY = [
    "急招{noun}{n}名 日结", "招{noun}{n}人 {wage}", "{place}{act} 要{n}个人",
    "今天{act}，缺{n}个{noun}", "{noun}{n}名 {wage} 包中午饭", "找{n}个人{act}",
    "{act}{n}人 {hours}个小时", "{place}{act}，招{noun}{n}个，{wage}",
    "急！{act}差{n}个人", "{act} 要{n}个人 {wage}", "招{n}个{noun} 马上上班",
    "{place} {noun}{n}个 干一天",
]
J_TEMPLATES_ONE = [
    "招一个{noun} {wage}", "急招{noun} 日结", "找个{noun}{act}", "{place}{act} 要一个人",
    "{noun}一名 {wage}", "今天{act} 找个{noun}", "{act}，{wage}，要有经验",
    "急需{noun}一个 {place}", "{act}一天 {wage}",
]


def wage_text(rng, wage, unit):
    if unit == "day":
        return rng.choice(["{w}元/天", "{w}一天", "日结{w}", "一天{w}", "{w}元一天"]).format(w=wage)
    return rng.choice(["{w}元/小时", "{w}块一个钟", "一小时{w}", "{w}一小时"]).format(w=wage)


def short_place(rng, township):
    for suf in ("瑶族水族乡", "水族乡", "瑶族乡", "街道", "镇", "乡"):
        if township.endswith(suf) and len(township) - len(suf) >= 2 and rng.random() < 0.6:
            return township[: -len(suf)]
    return township


def job_text(rng, skill, n, wage, unit, hours, township):
    nouns, acts = JOB_WORDS[skill]
    tpl = rng.choice(J_TEMPLATES_ONE if n == 1 else J_TEMPLATES_MANY)
    place = short_place(rng, township) if "{place}" in tpl else ""
    num = (CN_NUM if rng.random() < 0.4 else CN_NUM2)[n]
    if num == "两" and "{n}名" in tpl:
        num = "2"
    return tpl.format(noun=rng.choice(nouns), act=rng.choice(acts), n=num,
                      wage=wage_text(rng, wage, unit), hours=hours, place=place)


# ---------------------------------------------------------------------------
# Inputs
# ---------------------------------------------------------------------------
def load_inputs(skills_path, townships_path):
    with open(skills_path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    skills = {r["skill_id"]: r for r in rows}
    counties = []  # [(adcode, name, [townships])], order kept
    with open(townships_path, encoding="utf-8") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            head, _, rest = line.partition(":")
            code, name = head.split(None, 1)
            counties.append((code, name.strip(), rest.split()))
    return skills, counties


def is_urban(county_towns, t):
    return t.endswith("街道") or t == county_towns[0]


def pick_weighted(rng, items, weights):
    return rng.choices(items, weights=weights, k=1)[0]


class Day:
    """Builds one market day."""

    def __init__(self, rng, skills, counties, market):
        self.rng = rng
        self.skills = skills
        self.counties = {name: towns for _, name, towns in counties}
        self.county_order = [name for _, name, _ in counties]
        self.market = market
        ids = [s for s in skills if s in SUPPLY_W]
        missing = set(skills) - set(SUPPLY_W)
        # any skill in the input list we have no weight for gets a small one
        self.ids = ids + sorted(missing)
        self.sw = [SUPPLY_W.get(s, 0.3) for s in self.ids]
        # employer demand: same mix, but labour is not over-posted (many
        # workers list 小工/搬运 as a fallback) and rare trades are damped more
        self.dw = [DEMAND_OVERRIDE.get(s, w) ** 1.4 for s, w in zip(self.ids, self.sw)]
        self.cats = {s: skills[s]["category"] for s in self.ids}

    # -- places -----------------------------------------------------------
    def pick_township(self, county, urban_share):
        """Urban townships (街道 / county seat) get `urban_share` of the draws
        together; each township's weight then falls off with list position
        (the first-listed towns tend to be the larger, nearer ones)."""
        towns = self.counties[county]
        urban = [t for t in towns if is_urban(towns, t)]
        rural = [t for t in towns if t not in urban]
        if not rural or self.rng.random() < urban_share:
            group = urban
        else:
            group = rural
        w = [1.0 / (1 + 0.15 * i) for i in range(len(group))]
        return pick_weighted(self.rng, group, w)

    def worker_township(self, county):
        return self.pick_township(county, 0.5)

    def job_township(self, county, skill):
        cat = self.cats.get(skill, "services")
        share = {"agriculture": 0.05, "construction": 0.45}.get(cat, 0.7)
        return self.pick_township(county, share)

    def other_county(self, exclude=(), favour=()):
        names = [c for c in self.county_order if c != self.market and c not in exclude]
        w = [3.0 if c in favour else (2.0 if c == "凯里市" else 1.0) for c in names]
        return pick_weighted(self.rng, names, w)

    # -- skills -----------------------------------------------------------
    def draw_skills(self, k, pool=None, pool_w=None, forbid=()):
        rng = self.rng
        ids, w = (pool, pool_w) if pool else (self.ids, self.sw)
        w = [0 if s in forbid else x for s, x in zip(ids, w)]
        first = pick_weighted(rng, ids, w)
        out = [first]
        while len(out) < k:
            if rng.random() < 0.5:    # same trade family
                cat = self.cats[first]
                cand = [s for s in ids if self.cats[s] == cat and s not in out and s not in forbid]
            else:                     # general fallback labour
                cand = [s for s in COMMON_FALLBACK if s not in out and s not in forbid
                        and (not pool or s in pool)]
            if not cand:
                cand = [s for s in ids if s not in out and s not in forbid]
            cw = [SUPPLY_W.get(s, 0.3) for s in cand]
            out.append(pick_weighted(rng, cand, cw))
        return out

    # -- people -----------------------------------------------------------
    def min_wage(self, skill):
        rng = self.rng
        if rng.random() < 0.35:
            return 0
        lo, hi = {"low": (100, 150), "mid": (130, 200), "high": (180, 260)}[tier(skill)]
        return int(round(rng.uniform(lo, hi) / 10.0)) * 10

    def react(self):
        rng = self.rng
        if rng.random() < 0.15:   # slow: phone in pocket, reading glasses...
            return rng.randint(160, 240)
        return int(min(240, max(30, rng.lognormvariate(math.log(70), 0.4))))

    def home_counties(self, n, frac=0.85, favour=()):
        """Exactly round(frac*n) workers from the market county, the rest elsewhere."""
        k = int(round(frac * n))
        out = [self.market] * k + [self.other_county(favour=favour) for _ in range(n - k)]
        self.rng.shuffle(out)
        return out

    def worker(self, arrive_s, skills, county=None, reach=None):
        rng = self.rng
        if county is None:
            county = self.market if rng.random() < 0.85 else self.other_county()
        if reach is None:
            if county == self.market:
                reach = pick_weighted(rng, ["township", "county", "prefecture"], [30, 50, 20])
            else:
                reach = pick_weighted(rng, ["county", "prefecture"], [15, 85])
        arrive_h = arrive_s / 3600.0
        until = rng.choice([6, 6.5, 7, 7.5, 8, 8.5, 9, 9.5, 10, 10.5, 11])
        until = max(until, math.ceil((arrive_h + 2.0) * 2) / 2.0)
        until = min(until, 11)
        return {"arrive_s": int(arrive_s), "skills": list(skills),
                "text": worker_text(rng, skills), "township": self.worker_township(county),
                "reach": reach, "min_wage_day": self.min_wage(skills[0]),
                "until_h": until, "react_s": self.react(), "_county": county}

    def job(self, post_s, skill, headcount, county=None):
        rng = self.rng
        county = county or self.market
        t = tier(skill)
        unit = "hour" if rng.random() < HOURLY_P.get(skill, 0.0) else "day"
        if unit == "day":
            lo, hi = DAY_RANGE[t]
            wage = int(round(rng.uniform(lo, hi) / 10.0)) * 10
            hours = rng.choice([8, 8, 8, 9, 10]) if self.cats[skill] != "services" else rng.choice([6, 8, 8, 9, 10])
        else:
            lo, hi = HOUR_RANGE[t]
            wage = rng.randint(lo, hi)
            hours = rng.choice([4, 4, 5, 6, 6, 8])
        post_h = post_s / 3600.0
        delay = rng.uniform(0.3, 2.0)
        start = math.ceil((post_h + delay) * 4) / 4.0
        if start <= post_h:
            start += 0.25
        town = self.job_township(county, skill)
        return {"post_s": post_s, "skill": skill,
                "text": job_text(rng, skill, headcount, wage, unit, hours, town),
                "headcount": headcount, "wage": wage, "unit": unit,
                "township": town, "start_h": start, "hours": hours, "_county": county}

    # -- bulk helpers -----------------------------------------------------
    def headcounts(self, skills, total):
        """Distribute `total` places over jobs (1-5 each), bulk jobs get more."""
        rng = self.rng
        n = len(skills)
        total = max(n, min(total, 5 * n))
        hc = [1] * n
        w = [3.0 if s in BULK else (0.15 if s in SINGLE else 1.0) for s in skills]
        for _ in range(total - n):
            cand = [i for i in range(n) if hc[i] < 5]
            i = pick_weighted(rng, cand, [w[j] for j in cand])
            hc[i] += 1
        return hc

    def job_skills(self, n, pool=None, forbid=()):
        ids, w = ((pool, [DEMAND_OVERRIDE.get(s, SUPPLY_W.get(s, 0.3)) ** 1.4 for s in pool])
                  if pool else (self.ids, self.dw))
        w = [0 if s in forbid else x for s, x in zip(ids, w)]
        return [pick_weighted(self.rng, ids, w) for _ in range(n)]


# ---------------------------------------------------------------------------
# Time helpers
# ---------------------------------------------------------------------------
def times_uniform(rng, n, a, b):
    return sorted(rng.uniform(a, b) for _ in range(n))


def times_mixture(rng, n, parts):
    """parts: [(weight, a, b)]"""
    out = []
    for _ in range(n):
        _, a, b = rng.choices(parts, weights=[p[0] for p in parts], k=1)[0]
        out.append(rng.uniform(a, b))
    return sorted(out)


def nskills(rng, lo=1, hi=3, w=None):
    w = w or {1: 55, 2: 35, 3: 10}
    ks = [k for k in range(lo, hi + 1)]
    return pick_weighted(rng, ks, [w.get(k, 1) for k in ks])


def jitter(rng, target, d=2):
    return target + rng.randint(-d, d)


# ---------------------------------------------------------------------------
# Scenarios: each returns (workers, jobs) with private _county fields.
# ---------------------------------------------------------------------------
def sc_day_one(day):
    rng = day.rng
    arr = times_mixture(rng, 120, [(3, 0, 900), (2, 900, 1800), (1, 1800, 2400)])
    homes = day.home_counties(len(arr))
    workers = [day.worker(t, day.draw_skills(nskills(rng, 1, 2, {1: 60, 2: 40})), county=c)
               for t, c in zip(arr, homes)]
    last = max(w["arrive_s"] for w in workers)
    skills = day.job_skills(50)
    hc = day.headcounts(skills, 77)
    posts = sorted(round(last + 0.001 + rng.random() * 0.998, 3) for _ in skills)
    jobs = [day.job(p, s, h) for p, s, h in zip(posts, skills, hc)]
    return workers, jobs


def sc_burst(day):
    rng = day.rng
    arr = times_uniform(rng, 150, 0, 3600)
    homes = day.home_counties(len(arr))
    workers = [day.worker(t, day.draw_skills(nskills(rng)), county=c) for t, c in zip(arr, homes)]
    b0 = max(3600, max(w["arrive_s"] for w in workers)) + rng.randint(30, 240)
    skills = day.job_skills(60)
    hc = day.headcounts(skills, 90)
    posts = sorted(b0 + rng.randint(0, 120) for _ in skills)
    jobs = [day.job(p, s, h) for p, s, h in zip(posts, skills, hc)]
    return workers, jobs


def sc_late(day):
    rng = day.rng
    skills = day.job_skills(50)
    hc = day.headcounts(skills, 75)
    posts = [int(t) for t in times_uniform(rng, 50, 0, 1800)]
    jobs = []
    for p, s, h in zip(posts, skills, hc):
        j = day.job(p, s, h)
        # employers posting at dawn want people a bit later in the morning
        j["start_h"] = max(j["start_h"], math.ceil(rng.uniform(1.0, 3.0) * 4) / 4.0)
        jobs.append(j)
    arr = times_mixture(rng, 130, [(3, 1800, 5400), (2, 5400, 9000), (1, 9000, 10800)])
    homes = day.home_counties(len(arr))
    workers = [day.worker(t, day.draw_skills(nskills(rng)), county=c) for t, c in zip(arr, homes)]
    return workers, jobs


SCARCE = ["welder", "electrician", "excavator_operator", "maternity_nurse"]
SCARCE_PARTNER = {  # common skill a scarce-trade worker also holds
    "welder": ["general_laborer", "porter"],
    "electrician": ["general_laborer", "porter"],
    "excavator_operator": ["general_laborer", "porter", "farm_hand"],
    "maternity_nurse": ["cleaner", "kitchen_helper"],
}
COMMON_JOBS = ["general_laborer", "porter", "cleaner", "farm_hand", "tea_picker",
               "fruit_picker", "kitchen_helper", "dishwasher"]


def interleaved_arrivals(rng, n):
    return times_mixture(rng, n, [(6, 0, 3600), (3, 3600, 7200), (1, 7200, 10800)])


def interleaved_posts(rng, n):
    return [int(t) for t in times_mixture(rng, n, [(2, 0, 1800), (5, 1800, 5400), (3, 5400, 10800)])]


def sc_scarce(day):
    rng = day.rng
    n_w = 120
    trades = rng.sample(SCARCE, rng.choice([3, 4]))
    n_scarce_w = rng.choice([9, 10, 10, 11])        # ~8% of 120
    arr = interleaved_arrivals(rng, n_w)
    scarce_idx = set(rng.sample(range(n_w), n_scarce_w))
    common_pool = COMMON_JOBS
    homes = day.home_counties(n_w)
    workers = []
    for i, t in enumerate(arr):
        if i in scarce_idx:
            tr = trades[len([k for k in scarce_idx if k < i]) % len(trades)]
            sk = [tr]
            if rng.random() < 0.85:
                sk.append(rng.choice(SCARCE_PARTNER[tr]))
            workers.append(day.worker(t, sk, county=homes[i]))
        else:
            k = nskills(rng, 1, 2, {1: 55, 2: 45})
            sk = day.draw_skills(1, pool=common_pool, pool_w=[SUPPLY_W[s] for s in common_pool])
            if k == 2:
                extra = day.draw_skills(1, forbid=set(SCARCE) | set(sk))
                sk += extra
            workers.append(day.worker(t, sk, county=homes[i]))
    total = jitter(rng, 75)
    scarce_places = int(round(total * rng.uniform(0.38, 0.42)))
    n_scarce_j = rng.randint(12, 15)
    sj = [trades[i % len(trades)] for i in range(n_scarce_j)]
    rng.shuffle(sj)
    shc = [1] * n_scarce_j
    for _ in range(scarce_places - n_scarce_j):
        cand = [i for i in range(n_scarce_j) if shc[i] < 4 and not (sj[i] == "maternity_nurse" and shc[i] >= 1)]
        if not cand:
            cand = [i for i in range(n_scarce_j) if shc[i] < 5]
        shc[rng.choice(cand)] += 1
    cj = day.job_skills(50 - n_scarce_j, pool=common_pool)
    chc = day.headcounts(cj, total - sum(shc))
    specs = list(zip(sj + cj, shc + chc))
    rng.shuffle(specs)
    posts = sorted(interleaved_posts(rng, 50))
    jobs = [day.job(p, s, h) for p, (s, h) in zip(posts, specs)]
    return workers, jobs


def sc_multi(day):
    rng = day.rng
    arr = interleaved_arrivals(rng, 120)
    homes = day.home_counties(len(arr))
    workers = [day.worker(t, day.draw_skills(nskills(rng, 2, 3, {2: 60, 3: 40})), county=c)
               for t, c in zip(arr, homes)]
    skills = day.job_skills(55)
    hc = day.headcounts(skills, jitter(rng, 82))
    posts = sorted(interleaved_posts(rng, 55))
    jobs = [day.job(p, s, h) for p, s, h in zip(posts, skills, hc)]
    return workers, jobs


def sc_mixed_reach(day):
    rng = day.rng
    others = [c for c in day.county_order if c != day.market]
    job_counties = rng.sample(others, 3)
    reaches = ["township"] * 40 + ["county"] * 40 + ["prefecture"] * 40
    rng.shuffle(reaches)
    arr = interleaved_arrivals(rng, 120)
    homes = day.home_counties(len(arr), frac=0.7, favour=job_counties)
    workers = []
    for t, r, county in zip(arr, reaches, homes):
        workers.append(day.worker(t, day.draw_skills(nskills(rng)), county=county, reach=r))
    total = jitter(rng, 75)
    skills = day.job_skills(50)
    hc = day.headcounts(skills, total)
    # choose jobs to sit outside the market county until ~30% of places
    target_out = int(round(0.30 * total))
    order = list(range(50))
    rng.shuffle(order)
    outside, acc = set(), 0
    for i in order:
        if acc + hc[i] <= target_out:
            outside.add(i)
            acc += hc[i]
        if acc == target_out:
            break
    posts = sorted(interleaved_posts(rng, 50))
    jobs = []
    for i, (p, s, h) in enumerate(zip(posts, skills, hc)):
        county = rng.choice(job_counties) if i in outside else day.market
        jobs.append(day.job(p, s, h, county=county))
    return workers, jobs


def sc_steady(day):
    rng = day.rng
    arr = times_mixture(rng, 120, [(7, 0, 1800), (2, 1800, 4500), (1, 4500, 7200)])
    homes = day.home_counties(len(arr))
    workers = [day.worker(t, day.draw_skills(nskills(rng)), county=c) for t, c in zip(arr, homes)]
    posts = []
    for _ in range(50):
        if rng.random() < 0.7:
            t = rng.gauss(3600, 900)
        else:
            t = rng.uniform(1800, 12600)
        posts.append(int(min(12600, max(1800, t))))
    posts.sort()
    skills = day.job_skills(50)
    hc = day.headcounts(skills, jitter(rng, 74))
    jobs = [day.job(p, s, h) for p, s, h in zip(posts, skills, hc)]
    return workers, jobs


SCENARIOS = [
    ("day_one", sc_day_one,
     "A brand-new market hall: 120 workers (1-2 skills, ~85% from the market county) all check "
     "in during the first 40 minutes, then 50 jobs with 77 places are posted inside a single "
     "1-second window right after the last check-in."),
    ("burst_after_checkins", sc_burst,
     "150 workers check in over the first hour; then 60 jobs (90 places) are posted in a "
     "2-minute burst."),
    ("late_workers", sc_late,
     "50 jobs (75 places) are posted 06:30-07:00 before anyone arrives; 130 workers then "
     "trickle in over 07:00-09:30."),
    ("scarce_trades", sc_scarce,
     "120 workers and 50 jobs; ~40% of places need 3-4 scarce trades (welder, electrician, "
     "excavator operator, maternity nurse) held by only ~8% of workers, who usually also hold "
     "a common skill that the remaining jobs need. Arrivals and posts interleaved."),
    ("multi_skill", sc_multi,
     "120 workers each holding 2-3 skills, 55 jobs (~82 places), arrivals and posts "
     "interleaved over the morning."),
    ("mixed_reach", sc_mixed_reach,
     "120 workers with reach split evenly township/county/prefecture (40 each); jobs spread "
     "over the market county and 3 other counties with ~30% of places outside the market "
     "county. Arrivals and posts interleaved."),
    ("steady_week_day", sc_steady,
     "An ordinary weekday: 120 workers arriving 06:30-08:30 (most by 07:00), 50 jobs "
     "(~74 places) posted 07:00-10:00, most around 07:30; interleaved."),
]
ODD_COUNTIES = ["黎平县", "榕江县", "剑河县"]


def finish(workers, jobs):
    """Order events by time, assign ids, drop private fields."""
    workers.sort(key=lambda w: w["arrive_s"])
    jobs.sort(key=lambda j: j["post_s"])
    out_w, out_j = [], []
    for i, w in enumerate(workers, 1):
        w.pop("_county", None)
        out_w.append({"id": "w%d" % i, **w})
    for i, j in enumerate(jobs, 1):
        j.pop("_county", None)
        out_j.append({"id": "j%d" % i, **j})
    return out_w, out_j


def build(skills, counties, out_dir):
    written = []
    for si, (name, fn, desc) in enumerate(SCENARIOS):
        odd_day = si % 3
        odd_county = ODD_COUNTIES[si % 3]
        days, seeds = [], []
        for d in range(3):
            seed = 20260000 + 100 * (si + 1) + d
            market = odd_county if d == odd_day else "凯里市"
            rng = random.Random(seed)
            day = Day(rng, skills, counties, market)
            workers, jobs = fn(day)
            workers, jobs = finish(workers, jobs)
            days.append({"market_county": market, "workers": workers, "jobs": jobs})
            seeds.append(seed)
        path = os.path.join(out_dir, name + ".json")
        with open(path, "w", encoding="utf-8") as f:
            json.dump({"scenario": name,
                       "description": desc + " (make_days.py seeds %s)" % ", ".join(map(str, seeds)),
                       "days": days},
                      f, ensure_ascii=False, indent=1)
            f.write("\n")
        written.append(path)
    return written


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--skills", default=DEFAULT_SKILLS)
    ap.add_argument("--townships", default=DEFAULT_TOWNSHIPS)
    ap.add_argument("--out", default=HERE)
    a = ap.parse_args()
    skills, counties = load_inputs(a.skills, a.townships)
    for p in build(skills, counties, a.out):
        print(p)


if __name__ == "__main__":
    main()
