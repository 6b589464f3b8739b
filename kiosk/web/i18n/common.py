"""The chrome every page shares, the market picker and home, and error messages."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
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
        "手机号应为 11 位，以 1 开头",
        "must be an 11-digit mobile number starting with 1",
    ),
    "err.headcount": ("人数应在 1 到 50 之间", "must be between 1 and 50"),
    "err.wage": ("工钱应大于 0 且不超过 {max} 元", "must be above 0 and at most {max} yuan"),
    "err.min_wage": ("期望工钱应在 0 到 2000 元之间", "must be between 0 and 2000 yuan"),
    "err.unknown_skill": ("没有这个工种：{value}", "unknown skill: {value}"),
    "err.no_skill": ("没认出是什么活，请选工种", "no skill recognised; please choose one"),
    "err.unknown_place": ("找不到这个地方：{value}", "unknown place: {value}"),
    "err.too_long": ("太长了，最多 {max} 个字", "too long: at most {max} characters"),
    "err.too_many": ("最多选 {max} 个", "choose at most {max}"),
    "err.time_format": ("时间格式不对", "is not a valid time (ISO 8601 with offset)"),
    "err.not_today": ("只能是今天", "must be today"),
    "err.past": ("这个时间已经过了", "is in the past"),
    "err.end_before_start": ("收工要晚于开工", "must be after the start"),
    "err.interview_after_start": ("面试要在开工之前", "must be before the start"),
    "err.interview_after_hours": (
        "大厅 {closes} 关门，请选关门前的时间，或者在工地面试",
        "the hall closes at {closes}: choose an earlier time, or interview on site",
    ),
    "err.unknown_field": ("不认识这一项", "is not a known field"),
    "err.invalid": ("填得不对", "is not valid"),
    # why_*: each ground the field breaks, with the field and its words (screen.found).
    "err.screening": ("{why_zh}。建议：{fix_zh}", "{why_en}. Suggestion: {fix_en}"),
    # Pay is judged per hour of the job (a day rate over its hours, up to 8).
    "err.wage_floor": (
        "低于最低工资标准：{detail_zh}，本市场每小时至少 {hour} 元（8 小时 {day} 元）",
        "below the minimum wage: {detail_en}; this market's floor is {hour} yuan an hour "
        "({day} yuan for 8 hours)",
    ),
    "err.job_review": ("这个岗位不在待审核状态", "this job is not waiting for review"),
    "err.rate_limited": (
        "操作太频繁，请稍等一分钟再试",
        "too many requests; please wait a minute and try again",
    ),
    "err.no_ticket": ("没有这张凭条", "no such ticket"),
    "err.not_hired": ("录用后才能确认工钱", "pay can be confirmed only after a hire"),
    "err.employer_blocked": (
        "这位老板有未处理的欠薪，暂停发布招工，请到服务台",
        "this employer has unpaid wages on record and may not post; please see the desk",
    ),
    "err.consent": (
        "优先照顾身份须经本人同意才能记录",
        "a priority group is recorded only with the worker's consent",
    ),
    "err.choice": ("只能选：{choices}", "must be one of: {choices}"),
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
