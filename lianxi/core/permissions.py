"""DRF permission classes that defer to the access rule in lianxi.accounts.access."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from lianxi.accounts.access import may_configure, may_edit_enterprises


class _SignedInReadsWhoMayWrites(BasePermission):
    """Any signed-in user reads; ``may_write(user)`` decides the rest."""

    reads_for_all = True

    @staticmethod
    def may_write(user) -> bool:
        raise NotImplementedError

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False  # DRF answers 401
        return (self.reads_for_all and request.method in SAFE_METHODS) or self.may_write(request.user)


class ReadOrConfigure(_SignedInReadsWhoMayWrites):
    """Departments, categories, channels: platform admins write."""

    message = "只有平台管理员可以修改配置"
    may_write = staticmethod(may_configure)


class ReadOrEditEnterprises(_SignedInReadsWhoMayWrites):
    message = "只有平台管理员和受理员可以维护企业名录"
    may_write = staticmethod(may_edit_enterprises)


class ConfiguresOnly(_SignedInReadsWhoMayWrites):
    message = "只有平台管理员可以管理用户"
    reads_for_all = False
    may_write = staticmethod(may_configure)
