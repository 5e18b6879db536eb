"""Users and their roles (DOMAIN.md "Roles"). A user may hold several roles; staff belong to a department,
enterprise users to an enterprise."""

from __future__ import annotations

from functools import cached_property

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Q


class Role(models.TextChoices):
    ADMIN = "admin", "平台管理员"
    CLERK = "clerk", "受理员"
    DISPATCHER = "dispatcher", "派单员"
    HANDLER = "handler", "部门承办人"
    HEAD = "head", "部门负责人"
    SUPERVISOR = "supervisor", "督办员"
    LEADER = "leader", "领导"
    ENTERPRISE = "enterprise", "企业用户"
    DEPUTY = "deputy", "人大代表/政协委员"


# Roles of a department's own staff: they see the appeals their department leads or co-handles.
DEPARTMENT_ROLES = frozenset({Role.HANDLER, Role.HEAD})

# Roles whose holders work for the government and therefore see the enterprise directory and every appeal.
CITYWIDE_ROLES = frozenset({Role.ADMIN, Role.CLERK, Role.DISPATCHER, Role.SUPERVISOR, Role.LEADER})


class User(AbstractUser):
    name = models.CharField("姓名", max_length=50, blank=True)
    phone = models.CharField("手机号", max_length=30, blank=True)
    department = models.ForeignKey("directory.Department", verbose_name="所属部门", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="staff")
    enterprise = models.ForeignKey("directory.Enterprise", verbose_name="所属企业", null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="users")

    objects = UserManager()

    class Meta:
        verbose_name = verbose_name_plural = "用户"
        constraints = [
            # A person works for a department or for an enterprise, never both.
            models.CheckConstraint(name="user_department_or_enterprise",
                                   condition=Q(department__isnull=True) | Q(enterprise__isnull=True)),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.name or self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        if not self.pk:
            return frozenset()
        return frozenset(g.role for g in self.role_grants.all())  # uses a prefetch when there is one

    @property
    def role_list(self) -> list[str]:
        return sorted(self.role_codes)

    def has_role(self, *roles: str) -> bool:
        return bool(self.role_codes.intersection(roles))

    def set_roles(self, roles) -> None:
        """Replace this user's roles (call inside the transaction that saves the user)."""
        roles = set(roles)
        self.role_grants.exclude(role__in=roles).delete()
        existing = set(self.role_grants.values_list("role", flat=True))
        UserRole.objects.bulk_create([UserRole(user=self, role=r) for r in roles - existing])
        self.__dict__.pop("role_codes", None)

    @property
    def role_labels(self) -> list[str]:
        return [Role(r).label for r in sorted(self.role_codes)]


class UserRole(models.Model):
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_grants")
    role = models.CharField("角色", max_length=16, choices=Role.choices)

    class Meta:
        verbose_name = verbose_name_plural = "角色授予"
        constraints = [models.UniqueConstraint(fields=["user", "role"], name="user_role_unique")]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()}"
