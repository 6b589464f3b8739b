"""The employer's job post."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # -- employer
    "employer.title": ("发布招工", "Post a job"),
    "employer.phone": ("老板手机号", "Employer mobile"),
    "employer.name": ("老板怎么称呼", "Employer name"),
    "employer.what": ("招什么活？（一句话）", "What work? (one line)"),
    "employer.skills": ("选工种", "Choose the trade"),
    "employer.headcount": ("要几个人", "How many people"),
    "employer.wage": ("工钱（元）", "Pay (yuan)"),
    "employer.wage_unit": ("计价", "Per"),
    "unit.day": ("天", "day"),
    "unit.hour": ("小时", "hour"),
    "unit.piece": ("件", "piece"),
    "unit_choice.day": ("按天", "per day"),
    "unit_choice.hour": ("按小时", "per hour"),
    "unit_choice.piece": ("计件", "per piece"),
    "employer.township": ("干活地点（镇）", "Work place (township)"),
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
    "employer.offers_out": ("已推荐 {n} 人，等回复", "{n} workers asked, waiting"),
    "employer.bookings": ("已预约的工人", "Booked workers"),
    "employer.no_bookings": ("还没有人接，请稍等", "Nobody yet, please wait"),
    "employer.cancel": ("取消招工", "Cancel the job"),
    "outcome.hired": ("录用", "Hired"),
    "outcome.not_hired": ("未录用", "Not hired"),
    "outcome.no_show": ("没来", "No-show"),
    "employer.rate": ("评价这位工人：", "Rate this worker:"),
    "employer.rate.up": ("好", "Good"),
    "employer.rate.down": ("不好", "Not good"),
    "employer.rated.up": ("您的评价：好", "Your rating: good"),
    "employer.rated.down": ("您的评价：不好", "Your rating: not good"),
    "err.rate_after_outcome": (
        "先选录用、未录用或没来，再评价",
        "Say how the interview went before rating",
    ),
    "job.status.open": ("招工中", "Open"),
    "job.status.filled": ("已招满", "Filled"),
    "job.status.cancelled": ("已取消", "Cancelled"),
    "job.status.expired": ("已过期", "Expired"),
    "job.status.closed": ("已结束", "Closed"),
    "job.people": ("{n} 人", "{n} people"),
    # -- reaching each other (issue 14)
    "employer.interview_address": (
        "现场地址或标志性地点（在干活现场面试时必填）",
        "Site address or landmark (needed for an on-site interview)",
    ),
    "err.interview_address": (
        "在干活现场面试，请写上地址或标志性地点，工人才找得到。",
        "An on-site interview needs an address or landmark, so the worker can find it.",
    ),
    "employer.worker_phone": ("工人电话", "Worker's phone"),
    "employer.code": ("招工码", "Job code"),
    "employer.code_hint": (
        "请记下招工码：以后在本市场任何一台招聘机上，输入手机号和招工码，就能回到这个活，记录录用或没来。",
        "Keep this job code: at any kiosk of this market, your phone number and this code "
        "bring you back to this job to record who was hired or did not come.",
    ),
    "employer.print_code": ("打印招工码", "Print the job code"),
    "employer.outcomes_from": (
        "面试时间 {time} 到了以后，可以在这里记录录用、未录用或没来。",
        "From the interview time ({time}) you can record here who was hired, not hired "
        "or did not come.",
    ),
    "err.too_early": (
        "面试时间还没到，到了以后再记录结果。",
        "The interview has not begun yet; record the outcome from its time on.",
    ),
    "employer.have_code": ("我是老板，输入招工码", "I posted this job: type its code"),
    "ask.code": ("请输入这个活的招工码", "Type this job's code"),
    "employer.code_label": ("招工码（6 位数字）", "Job code (6 digits)"),
    "employer.code_where": (
        "招工码在发布后的招工页面和招工码凭条上。",
        "The code is on the job page shown after posting and on its printed slip.",
    ),
    "err.code_wrong": ("招工码不对，请再看一下。", "That code is not right; please check it."),
    "err.code_locked": (
        "输错太多次了，请 15 分钟后再试，或者找工作人员。",
        "Too many wrong tries: try again in 15 minutes, or ask the staff.",
    ),
    # -- screening every free text, pay per hour, hall hours, night shifts (issue 14)
    "screen.field.title": ("招工标题", "job title"),
    "screen.field.description": ("说明", "description"),
    "screen.field.employer_name": ("老板称呼", "employer name"),
    "screen.field.interview_place": ("面试地点", "interview place"),
    "screen.field.interview_address": ("面试地址", "interview address"),
    "screen.field.say": ("您说的话", "what you said"),
    "screen.found": ("{why}：{field}里写了“{match}”", "{why}: the {field} says “{match}”"),
    "pay.per_hour.day": (
        "{wage} 元按 {hours} 小时算，每小时 {rate} 元",
        "{wage} yuan over {hours} hours is {rate} yuan an hour",
    ),
    "pay.per_hour.hour": ("每小时 {rate} 元", "{rate} yuan an hour"),
    "err.end_before_start_at": (
        "收工要晚于开工：开工 {start}，收工 {end}。通宵班请把收工写成次日的日期和时间",
        "must be after the start (start {start}, end {end}); for a night shift give the "
        "next day's date",
    ),
    "err.end_before_start_kiosk": (
        "收工要晚于开工：您选的是开工 {start}，收工 {end}。要是干到第二天，请点“次日收工”",
        "The end must be after the start: you chose start {start}, end {end}. If the work "
        "ends the next day, tap “Ends next day”",
    ),
    "err.shift_too_long": (
        "一个班最长 {max} 小时，请改一下收工时间",
        "a shift is at most {max} hours; please change the end",
    ),
    "err.shift_too_long_kiosk": (
        "从开工 {start} 到次日 {end} 超过 {max} 小时，请改一下收工时间",
        "From {start} to {end} the next day is more than {max} hours; please change the end",
    ),
    "err.start_past_kiosk": (
        "开工 {start} 已经过了，请往后改一改",
        "The start {start} has passed; please choose a later time",
    ),
    "err.interview_past": ("面试时间 {at} 已经过了", "the interview time {at} has passed"),
    "err.interview_before_hours": (
        "大厅 {opens} 才开门，请选开门以后的时间，或者在干活的地方面试",
        "the hall opens at {opens}: choose a later time, or interview on site",
    ),
    "time.next_day": ("次日", "next day"),
    "employer.ends_today": ("当天收工", "Ends today"),
    "employer.ends_next_day": ("次日收工（夜班）", "Ends next day (night shift)"),
    "employer.end_next_day": ("几点收工（次日）", "End time (next day)"),
    "employer.overnight_hint": (
        "开工是今天，收工是第二天（次日）",
        "The work starts today and ends the next day",
    ),
    "employer.hall_closed": (
        "大厅 {closes} 已经关门，洽谈桌明天早上 {opens} 开。今天的活请在干活的地方面试。",
        "The hall closed at {closes}; the desks open again tomorrow at {opens}. Today's "
        "jobs are interviewed on site.",
    ),
    "employer.wage_floor_note": (
        "到底了：本市场最低工资每小时 {hour} 元，干 {hours} 小时不能少于 {low} 元。",
        "This is the lowest: the minimum wage here is {hour} yuan an hour, so {hours} hours "
        "pay at least {low} yuan.",
    ),
    "employer.wage_floor_note_hour": (
        "到底了：本市场最低工资每小时 {hour} 元。",
        "This is the lowest: the minimum wage here is {hour} yuan an hour.",
    ),
    "employer.wage_floor_shorter": (
        "活不到 {hours} 小时的，先改干活时间，工钱还能再少。",
        "If the work is shorter than {hours} hours, change the hours first; the pay can "
        "then be lower.",
    ),
    "employer.change_hours": ("改干活时间", "Change the hours"),
}
