"""The directory: departments, enterprises, categories and channels. Admins edit all of it."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .validators import validate_phone, validate_uscc


class Department(models.Model):
    class Kind(models.TextChoices):
        BUREAU = "bureau", "市直部门"
        TOWN = "town", "乡镇（街道）"
        PARK = "park", "园区"
        OTHER = "other", "其他单位"

    code = models.CharField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=100, unique=True)
    kind = models.CharField("类型", max_length=16, choices=Kind.choices, default=Kind.BUREAU)
    parent = models.ForeignKey("self", verbose_name="上级单位", null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    remit = models.TextField("职责", blank=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "部门"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Channel(models.Model):
    """Where an appeal was collected (DOMAIN.md "Channels"). Data, not code: admins add new ones."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "渠道"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class Category(models.Model):
    """What an appeal is about; carries its time limits (working days) and the department it usually goes to."""

    code = models.SlugField("代码", max_length=32, unique=True)
    name = models.CharField("名称", max_length=60, unique=True)
    default_department = models.ForeignKey(Department, verbose_name="默认主办单位", null=True, blank=True,
                                           on_delete=models.SET_NULL, related_name="+")
    accept_days = models.PositiveSmallIntegerField("签收时限（工作日）", default=1)
    urgent_days = models.PositiveSmallIntegerField("紧急件办结时限", default=2)
    general_days = models.PositiveSmallIntegerField("一般件办结时限", default=7)
    complex_days = models.PositiveSmallIntegerField("复杂件办结时限", default=15)
    followup_days = models.PositiveSmallIntegerField("回访时限", default=3)
    rectify_days = models.PositiveSmallIntegerField("差评整改时限", default=5)
    is_active = models.BooleanField("启用", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "诉求类别"
        ordering = ["sort_order", "code"]
        constraints = [
            models.CheckConstraint(name="category_limits_positive",
                                   condition=Q(accept_days__gte=1, urgent_days__gte=1, general_days__gte=1,
                                               complex_days__gte=1, followup_days__gte=1, rectify_days__gte=1)),
        ]

    def __str__(self) -> str:
        return self.name

    def reply_days(self, urgency: str) -> int:
        return {"urgent": self.urgent_days, "complex": self.complex_days}.get(urgency, self.general_days)


class Industry(models.TextChoices):
    """国民经济行业分类 (GB/T 4754-2017) sections."""

    A = "A", "A 农、林、牧、渔业"
    B = "B", "B 采矿业"
    C = "C", "C 制造业"
    D = "D", "D 电力、热力、燃气及水生产和供应业"
    E = "E", "E 建筑业"
    F = "F", "F 批发和零售业"
    G = "G", "G 交通运输、仓储和邮政业"
    H = "H", "H 住宿和餐饮业"
    I = "I", "I 信息传输、软件和信息技术服务业"  # noqa: E741
    J = "J", "J 金融业"
    K = "K", "K 房地产业"
    L = "L", "L 租赁和商务服务业"
    M = "M", "M 科学研究和技术服务业"
    N = "N", "N 水利、环境和公共设施管理业"
    O = "O", "O 居民服务、修理和其他服务业"  # noqa: E741
    P = "P", "P 教育"
    Q = "Q", "Q 卫生和社会工作"
    R = "R", "R 文化、体育和娱乐业"
    S = "S", "S 公共管理、社会保障和社会组织"
    T = "T", "T 国际组织"


class Size(models.TextChoices):
    LARGE = "large", "大型"
    MEDIUM = "medium", "中型"
    SMALL = "small", "小型"
    MICRO = "micro", "微型"


class Ownership(models.TextChoices):
    PRIVATE = "private", "民营"
    STATE = "state", "国有"
    FOREIGN = "foreign", "外资"
    HMT = "hmt", "港澳台"
    INDIVIDUAL = "individual", "个体"


class Tag(models.Model):
    name = models.CharField("名称", max_length=30, unique=True)

    class Meta:
        verbose_name = verbose_name_plural = "企业标签"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class EnterpriseQuerySet(models.QuerySet):
    def visible_to(self, user) -> "EnterpriseQuerySet":
        """The access rule for enterprises: staff see the directory; an enterprise user sees only its own."""
        from lianxi.accounts.access import enterprise_scope

        return enterprise_scope(self, user)


class Enterprise(models.Model):
    name = models.CharField("企业名称", max_length=200, db_index=True)
    uscc = models.CharField("统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc])
    legal_representative = models.CharField("法定代表人", max_length=50, blank=True)
    contact_person = models.CharField("联系人", max_length=50, blank=True)
    contact_phone = models.CharField("联系电话", max_length=30, blank=True, validators=[validate_phone])
    industry = models.CharField("行业门类", max_length=1, choices=Industry.choices, blank=True)
    size = models.CharField("企业规模", max_length=8, choices=Size.choices, blank=True)
    ownership = models.CharField("经济类型", max_length=12, choices=Ownership.choices, default=Ownership.PRIVATE)
    town = models.ForeignKey(Department, verbose_name="所在乡镇/园区", null=True, blank=True,
                             on_delete=models.PROTECT, related_name="enterprises",
                             limit_choices_to={"kind__in": [Department.Kind.TOWN, Department.Kind.PARK]})
    address = models.CharField("地址", max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name="标签", blank=True, related_name="enterprises")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    objects = EnterpriseQuerySet.as_manager()

    class Meta:
        verbose_name = verbose_name_plural = "企业"
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
