"""The hall board."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # -- hall board and ops (issue 4)
    "board.page_title": ("大屏", "Hall board"),
    "board.title": ("今日招工", "Jobs today"),
    "board.jobs": ("在招的活", "Open jobs"),
    "board.jobs_count": ("共 {n} 个", "{n} in all"),
    # Under the list: the open jobs it leaves out (it shows the first BOARD_JOBS).
    "board.more": ("还有 {n} 个", "{n} more"),
    "board.col.skill": ("工种", "Work"),
    "board.col.wage": ("工钱", "Pay"),
    "board.col.left": ("还差", "Still needed"),
    "board.col.place": ("地点", "Place"),
    "board.wage": ("{amount} 元/{unit}", "¥{amount}/{unit}"),
    "board.left": ("还差 {n} 人", "{n} needed"),
    "board.page": ("第 {n}/{total} 页", "Page {n} of {total}"),
    "board.calls": ("叫号", "Calls to the desks"),
    "board.call.who": ("请 {phone}", "{phone}, please"),
    "board.call.where": ("到 {place}", "go to {place}"),
    "board.no_calls": ("现在没有叫号", "Nobody is being called"),
    "board.hired": ("今日录用", "Hired today"),
    "board.bookings": ("今日预约面试", "Interviews today"),
    "board.date": ("{month}月{day}日 {weekday}", "{weekday} {day}/{month}"),
    "board.offline": ("网络断了，正在重连…", "Connection lost, reconnecting…"),
    "board.rule": (
        "配对规则：会这门活、离得不远、开工时有空、工钱不低于本人最低价，才推荐。"
        "条件差不多时，本周干活最少的先得，再看谁等得最久。"
        "长期没活、低收入、残疾、年长、易地搬迁、退役军人经本人同意登记后加分。"
        "无故没来每次减 2 分（30 天最多 4 分）。"
        "会多种活的人，可能先留给后面少有人能干的活（最多留 3 小时）。"
        "今天的活里，只有您能干的那个先问您；别人也能干的活先问别人。",
        "How we match: the right skill, close enough, free when the work starts, and pay "
        "at or above the worker's own minimum. Among near-equals, whoever has worked least "
        "this week goes first, then whoever has waited longest today. Priority groups "
        "(long out of work, low income, disabled, older, relocated, veterans; with consent) "
        "get a set boost. A no-show without a reason costs 2 points (at most 4 in 30 days). "
        "Someone who can do many kinds of work may be kept for later work few others can "
        "do (at most 3 hours). Among today's jobs, you are asked first for the one only you "
        "can do; jobs others can do ask them first.",
    ),
    "board.empty": ("暂时没有在招的活", "No open jobs right now"),
    "weekday.0": ("星期一", "Mon"),
    "weekday.1": ("星期二", "Tue"),
    "weekday.2": ("星期三", "Wed"),
    "weekday.3": ("星期四", "Thu"),
    "weekday.4": ("星期五", "Fri"),
    "weekday.5": ("星期六", "Sat"),
    "weekday.6": ("星期日", "Sun"),
    "ops.title": ("今日概况", "Today at a glance"),
    "ops.market": ("市场", "Market"),
    "ops.total": ("合计", "Total"),
    "ops.board_link": ("大屏", "Board"),
    "ops.board_of": ("{market} 大屏", "{market} hall board"),
    "ops.updated": ("更新于 {time}", "Updated {time}"),
    "ops.median_fill": ("招满用时", "Time to fill"),
    "ops.median_fill.unit": ("分钟，中位数", "minutes, median"),
    "stats.jobs_posted": ("发布岗位", "Jobs posted"),
    "stats.headcount_posted": ("招工人数", "Headcount posted"),
    "stats.checkins": ("登记工人", "Workers checked in"),
    "stats.offers": ("推荐次数", "Offers made"),
    "stats.bookings": ("预约面试", "Interviews booked"),
    "stats.hired": ("录用", "Hired"),
    "stats.no_shows": ("没来", "No-shows"),
    "stats.fill_rate": ("招满率", "Fill rate"),
    "stats.median_minutes_to_fill": ("招满用时（分钟，中位数）", "Minutes to fill (median)"),
}
