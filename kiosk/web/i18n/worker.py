"""The worker's check-in and the ticket."""

from __future__ import annotations

STRINGS: dict[str, tuple[str, str]] = {
    # -- worker check-in
    "worker.title": ("找活登记", "Check in for work"),
    "worker.phone": ("手机号", "Mobile number"),
    "worker.name": ("怎么称呼（可不填）", "Your name (optional)"),
    "worker.skills": ("会干什么活？", "What work can you do?"),
    "worker.skills_text": ("或者说/写出来", "Or say / type it"),
    "worker.township": ("住在哪个镇？", "Which township do you live in?"),
    "worker.reach": ("能去多远？", "How far can you go?"),
    "reach.township": ("只在本镇", "My township only"),
    "reach.county": ("本县都行", "Anywhere in the county"),
    "reach.prefecture": ("全州都行", "Anywhere in the prefecture"),
    "worker.min_wage": ("最低日薪（元）", "Lowest day wage (yuan)"),
    "worker.submit": ("登记", "Check in"),
    "worker.done": ("已登记，有活会叫您", "You are checked in; we will call you"),
    "worker.number": ("您的号码", "Your number"),
    "worker.offers": ("给您的活", "Jobs for you"),
    "worker.no_offers": ("还没有合适的活，请稍等", "No job for you yet, please wait"),
    "worker.booked": ("您已预约面试", "Your interview is booked"),
    "worker.returning": (
        "上次：{skills}, {place} — 今天一样吗？",
        "Last time: {skills}, {place} — same today?",
    ),
    "worker.same": ("一样，登记", "Same, check me in"),
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
    # -- reaching each other (issue 14)
    "ticket.employer_phone": ("老板电话", "Employer's phone"),
    "ticket.address": ("面试地址", "Interview address"),
    "ticket.already": (
        "您今天已经约好了面试，不用再登记。",
        "You already have an interview booked today; no need to check in again.",
    ),
    "ticket.scan": (
        "用手机扫这个码，随时看这张凭条。",
        "Scan with a phone to see this ticket any time.",
    ),
    "ticket.public.note": (
        "这是凭条的公开页面，电话号码已隐藏。",
        "This is the ticket's public page; phone numbers are hidden.",
    ),
    "ticket.public.until": ("这个链接 {day} 以后失效。", "This link stops working after {day}."),
    "ticket.public.gone": (
        "这个链接已经失效或不对。凭条号可以到服务台查。",
        "This link has expired or is not right. Staff at the desk can look up the reference.",
    ),
    "err.worker_overlap": (
        "这个时间您已经有别的活了，不能再接。",
        "You already have work at that time.",
    ),
    # -- an offer never changes silently
    "offer.gone": ("刚才的活没有了", "That job is gone"),
    "offer.why.moved": (
        "为了让今天更多人有活干，这个活给了别人。我们接着给您找。",
        "So that more people get work today, this job went to someone else. "
        "We keep looking for you.",
    ),
    "offer.why.filled": ("这个活已经招满了。", "This job has been filled."),
    "offer.why.cancelled": ("老板取消了这个活。", "The employer cancelled this job."),
    "offer.why.day_end": ("这个活今天已经结束了。", "This job has ended for today."),
    "offer.why.expired": (
        "{time} 前没有回答，这个推荐已经过期。",
        "Not answered before {time}: this offer has expired.",
    ),
    "offer.why.withdrawn": ("这个推荐已经撤回。", "This offer was withdrawn."),
    "offer.ok": ("知道了", "OK"),
    "offer.new": ("新的活", "New job"),
}
