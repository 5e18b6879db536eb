"""DOMAIN.md's default channels and categories: installed by a data migration, editable afterwards."""

CHANNELS = [
    ("symposium", "季度民营企业发展座谈会"),
    ("reception_day", "周二民企接待日"),
    ("window", "企业之家窗口"),
    ("online", "企业自助（网上/移动端）"),
    ("hotline", "电话"),
    ("npc_inspection", "人大视察/代表建议"),
    ("cppcc_consultation", "政协园区协商/委员提案"),
    ("united_front_station", "统战工作站"),
    ("leader_pairing", "领导结对走访"),
    ("bank_meeting", "政银企联席会"),
    ("legal_meeting", "五长联席会议"),
    ("industry_meeting", "行业恳谈会"),
]

CATEGORIES = [
    ("policy", "政策咨询与兑现"),
    ("finance", "融资信贷"),
    ("labour", "用工与人才"),
    ("land", "用地与规划"),
    ("approval", "项目审批与工程建设"),
    ("utilities", "要素保障（水电气网）"),
    ("market_regulation", "市场监管与涉企执法"),
    ("tax", "税费"),
    ("legal", "涉法涉诉与权益保护"),
    ("service", "政务服务效能与作风"),
    ("park", "园区配套与基础设施"),
    ("other", "其他"),
]
