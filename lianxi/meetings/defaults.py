"""DOMAIN.md's meeting types, each feeding the channel of the same code: installed by a data migration,
editable (and extendable) by an admin afterwards."""

MEETING_TYPES = [
    ("symposium", "座谈会"),
    ("reception_day", "周二民企接待日"),
    ("bank_meeting", "政银企联席会"),
    ("legal_meeting", "五长联席会议"),
    ("industry_meeting", "行业恳谈会"),
    ("npc_inspection", "人大视察"),
    ("cppcc_consultation", "政协园区协商"),
]

# The channel whose meetings make up the weekly reception day (lianxi.meetings.reception).
RECEPTION_CHANNEL = "reception_day"
