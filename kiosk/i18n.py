"""The one translation catalog: every user-facing string, simplified Chinese first.

Templates call ``t("key")``; code that returns errors uses ``message(key, **kw)`` for
the bilingual API form ("中文 (English)").
"""

from __future__ import annotations

from typing import Literal

Lang = Literal["zh", "en"]
LANGS: tuple[Lang, ...] = ("zh", "en")

CATALOG: dict[str, tuple[str, str]] = {
    # -- chrome
    "app.name": ("快招", "kuaizhao"),
    "app.tagline": ("即时快招 · 当日面试到岗", "Instant hiring · interview and start today"),
    "lang.switch": ("English", "中文"),
    "nav.home": ("首页", "Home"),
    "nav.back": ("返回", "Back"),
    "nav.markets": ("选择市场", "Choose a market"),
    "nav.board": ("大屏", "Hall board"),
    "nav.ops": ("管理", "Operators"),
    # -- market picker and home
    "picker.title": ("请选择零工市场", "Choose your gig market"),
    "home.worker": ("我要找活", "I want work"),
    "home.worker.hint": ("登记今天能干的活", "Check in for today"),
    "home.employer": ("我要招工", "I want to hire"),
    "home.employer.hint": ("发布今天的用工", "Post a job for today"),
    "home.today": ("今天", "Today"),
    "home.open_jobs": ("在招岗位", "Open jobs"),
    "home.checked_in": ("已登记", "Checked in"),
    # -- worker check-in
    "worker.title": ("找活登记", "Check in for work"),
    "worker.phone": ("手机号", "Mobile number"),
    "worker.name": ("怎么称呼 (可不填)", "Your name (optional)"),
    "worker.skills": ("会干什么活?", "What work can you do?"),
    "worker.skills_text": ("或者说/写出来", "Or say / type it"),
    "worker.township": ("住在哪个镇?", "Which township do you live in?"),
    "worker.reach": ("能去多远?", "How far can you go?"),
    "reach.township": ("只在本镇", "My township only"),
    "reach.county": ("本县都行", "Anywhere in the county"),
    "reach.prefecture": ("全州都行", "Anywhere in the prefecture"),
    "worker.min_wage": ("最低日薪 (元)", "Lowest day wage (yuan)"),
    "worker.submit": ("登记", "Check in"),
    "worker.done": ("已登记, 有活会叫您", "You are checked in; we will call you"),
    "worker.number": ("您的号码", "Your number"),
    "worker.offers": ("给您的活", "Jobs for you"),
    "worker.no_offers": ("还没有合适的活, 请稍等", "No job for you yet, please wait"),
    "worker.booked": ("您已预约面试", "Your interview is booked"),
    "worker.returning": (
        "上次: {skills}, {place} — 今天一样吗?",
        "Last time: {skills}, {place} — same today?",
    ),
    "worker.same": ("一样, 登记", "Same, check me in"),
    "worker.change": ("换一换", "Change"),
    "offer.accept": ("接这个活", "Take this job"),
    "offer.decline": ("不要", "No thanks"),
    "offer.expires": ("{time} 前决定", "Decide before {time}"),
    "offer.status.pending": ("待确认", "Waiting for you"),
    "offer.status.accepted": ("已接受", "Accepted"),
    "offer.status.declined": ("已拒绝", "Declined"),
    "offer.status.expired": ("已过期", "Expired"),
    "offer.status.withdrawn": ("已撤回", "Withdrawn"),
    # -- ticket
    "ticket.title": ("面试凭条", "Interview ticket"),
    "ticket.ref": ("凭条号", "Reference"),
    "ticket.when": ("面试时间", "Interview at"),
    "ticket.where": ("面试地点", "Interview place"),
    "ticket.employer": ("老板", "Employer"),
    "ticket.job": ("活", "Job"),
    "ticket.print": ("打印凭条", "Print ticket"),
    "ticket.work": ("干活时间地点", "Work time and place"),
    "ticket.wage": ("工钱", "Pay"),
    "ticket.status.booked": ("已预约", "Booked"),
    "ticket.status.hired": ("已录用", "Hired"),
    "ticket.status.not_hired": ("未录用", "Not hired"),
    "ticket.status.no_show": ("没来", "No-show"),
    "ticket.status.cancelled": ("已取消", "Cancelled"),
    # -- employer
    "employer.title": ("发布招工", "Post a job"),
    "employer.phone": ("老板手机号", "Employer mobile"),
    "employer.name": ("老板怎么称呼", "Employer name"),
    "employer.what": ("招什么活? (一句话)", "What work? (one line)"),
    "employer.skills": ("选工种", "Choose the trade"),
    "employer.headcount": ("要几个人", "How many people"),
    "employer.wage": ("工钱 (元)", "Pay (yuan)"),
    "employer.wage_unit": ("计价", "Per"),
    "unit.day": ("天", "day"),
    "unit.hour": ("小时", "hour"),
    "unit.piece": ("件", "piece"),
    "unit_choice.day": ("按天", "per day"),
    "unit_choice.hour": ("按小时", "per hour"),
    "unit_choice.piece": ("计件", "per piece"),
    "employer.township": ("干活地点 (镇)", "Work place (township)"),
    "employer.start": ("几点开工", "Start time"),
    "employer.end": ("几点收工", "End time"),
    "employer.interview": ("几点面试", "Interview time"),
    "employer.interview_place": ("面试地点", "Interview place"),
    "employer.meals": ("管饭", "Meals provided"),
    "employer.transport": ("接送", "Transport provided"),
    "employer.tools": ("带工具", "Tools provided"),
    "employer.submit": ("发布", "Post"),
    "employer.job": ("招工详情", "Your job"),
    "employer.remaining": ("还差 {n} 人", "{n} more needed"),
    "employer.offers_out": ("已推荐 {n} 人, 等回复", "{n} workers asked, waiting"),
    "employer.bookings": ("已预约的工人", "Booked workers"),
    "employer.no_bookings": ("还没有人接, 请稍等", "Nobody yet, please wait"),
    "employer.cancel": ("取消招工", "Cancel the job"),
    "outcome.hired": ("录用", "Hired"),
    "outcome.not_hired": ("未录用", "Not hired"),
    "outcome.no_show": ("没来", "No-show"),
    "job.status.open": ("招工中", "Open"),
    "job.status.filled": ("已招满", "Filled"),
    "job.status.cancelled": ("已取消", "Cancelled"),
    "job.status.expired": ("已过期", "Expired"),
    "job.status.closed": ("已结束", "Closed"),
    "job.people": ("{n} 人", "{n} people"),
    # -- board and ops
    "board.title": ("今日招工", "Jobs today"),
    "board.calls": ("请到洽谈桌", "Please come to the desk"),
    "board.call": ("请 {phone} 到 {place}", "{phone}, please go to {place}"),
    "board.rule": (
        "配对规则: 技能相符、路程近、工钱够的优先; 条件差不多时, 今天等得最久的先得。",
        "Matching rule: right skill, close by, pay met first; among equals, "
        "whoever has waited longest today goes first.",
    ),
    "board.empty": ("暂时没有在招的活", "No open jobs right now"),
    "ops.title": ("今日概况", "Today at a glance"),
    "stats.jobs_posted": ("发布岗位", "Jobs posted"),
    "stats.headcount_posted": ("招工人数", "Headcount posted"),
    "stats.checkins": ("登记工人", "Workers checked in"),
    "stats.offers": ("推荐次数", "Offers made"),
    "stats.bookings": ("预约面试", "Interviews booked"),
    "stats.hired": ("录用", "Hired"),
    "stats.no_shows": ("没来", "No-shows"),
    "stats.fill_rate": ("招满率", "Fill rate"),
    "stats.median_minutes_to_fill": ("招满用时 (分钟, 中位数)", "Minutes to fill (median)"),
    # -- errors
    "error.title": ("出错了", "Something went wrong"),
    "error.fix_fields": ("请改一下标红的地方", "Please fix the fields marked in red"),
    "error.not_found": ("找不到这个页面", "Page not found"),
    "error.conflict": (
        "这个请求已用别的内容提交过",
        "This request was already sent with other content",
    ),
    "err.required": ("必须填写", "is required"),
    "err.phone": (
        "手机号应为 11 位, 以 1 开头",
        "must be an 11-digit mobile number starting with 1",
    ),
    "err.headcount": ("人数应在 1 到 50 之间", "must be between 1 and 50"),
    "err.wage": ("工钱应大于 0 且不超过 {max} 元", "must be above 0 and at most {max} yuan"),
    "err.min_wage": ("期望工钱应在 0 到 2000 元之间", "must be between 0 and 2000 yuan"),
    "err.unknown_skill": ("没有这个工种: {value}", "unknown skill: {value}"),
    "err.no_skill": ("没认出是什么活, 请选工种", "no skill recognised; please choose one"),
    "err.unknown_place": ("找不到这个地方: {value}", "unknown place: {value}"),
    "err.too_long": ("太长了, 最多 {max} 个字", "too long: at most {max} characters"),
    "err.too_many": ("最多选 {max} 个", "choose at most {max}"),
    "err.time_format": ("时间格式不对", "is not a valid time (ISO 8601 with offset)"),
    "err.not_today": ("只能是今天", "must be today"),
    "err.past": ("这个时间已经过了", "is in the past"),
    "err.end_before_start": ("收工要晚于开工", "must be after the start"),
    "err.interview_after_start": ("面试要在开工之前", "must be before the start"),
    "err.unknown_field": ("不认识这一项", "is not a known field"),
    "err.invalid": ("填得不对", "is not valid"),
    "err.screening": (
        "{why_zh}（“{match}”）。建议：{fix_zh}",
        '{why_en} ("{match}"). Suggestion: {fix_en}',
    ),
    "err.wage_floor": (
        "低于最低工资标准：每天至少 {day} 元，或每小时至少 {hour} 元",
        "below the minimum wage: at least {day} yuan a day or {hour} yuan an hour",
    ),
    "err.job_review": ("这个岗位不在待审核状态", "this job is not waiting for review"),
    "err.rate_limited": ("操作太频繁, 请稍等一分钟再试", "too many requests; please wait a minute and try again"),
    "err.no_ticket": ("没有这张凭条", "no such ticket"),
    "err.not_hired": ("录用后才能确认工钱", "pay can be confirmed only after a hire"),
    "err.employer_blocked": (
        "这位老板有未处理的欠薪, 暂停发布招工, 请到服务台",
        "this employer has unpaid wages on record and may not post; please see the desk",
    ),
    "err.consent": (
        "优先照顾身份须经本人同意才能记录",
        "a priority group is recorded only with the worker's consent",
    ),
    "err.choice": ("只能选: {choices}", "must be one of: {choices}"),
    "err.number": ("应填数字", "must be a number"),
    "err.body": ("请求内容应为 JSON 对象", "the body must be a JSON object"),
    "err.auth": ("需要有效的令牌", "a valid bearer token is required"),
    "err.forbidden": ("这个令牌不能操作这个市场", "this token may not act on this market"),
    "err.no_market": ("没有这个市场", "no such market"),
    "err.no_job": ("没有这个岗位", "no such job"),
    "err.no_offer": ("没有这个推荐", "no such offer"),
    "err.no_worker": ("今天没有这个工人的登记", "no check-in today for this worker"),
    "err.job_full": ("这个活已经招满了", "this job is already full"),
    "err.offer_expired": ("这个推荐已过期", "this offer has expired"),
    "err.offer_declined": ("这个推荐已拒绝", "this offer was declined"),
    "err.offer_withdrawn": ("这个推荐已撤回", "this offer was withdrawn"),
    "err.worker_booked": ("您已经有一个预约了", "the worker already holds a booking"),
    "err.worker_hired": ("今天已经录用了", "the worker is already hired today"),
    "err.no_booking": ("这个工人没有预约这个活", "this worker has no booking on this job"),
    "err.job_closed": ("这个活已经结束", "this job is closed"),
    "err.idempotency_conflict": (
        "同一个请求号已用于不同的内容",
        "the Idempotency-Key was already used with a different body",
    ),
    "err.ticket_cancelled": ("凭条已取消", "the ticket was cancelled"),
    "err.too_large": ("请求太大", "the request body is too large"),
}


def t(key: str, lang: Lang = "zh", **kw: object) -> str:
    zh, en = CATALOG.get(key, (key, key))
    text = zh if lang == "zh" else en
    return text.format(**kw) if kw else text


def message(key: str, **kw: object) -> str:
    """Both languages, for API errors read by people on either side."""
    zh, en = t(key, "zh", **kw), t(key, "en", **kw)
    return zh if zh == en else f"{zh} ({en})"
