"""DRF permission classes that defer to the access rule in lianxi.accounts.access."""

from rest_framework.permissions import SAFE_METHODS, BasePermission

from lianxi.accounts.access import may_configure, may_edit_enterprises


class ReadOrConfigure(BasePermission):
    """Any signed-in user reads; platform admins write (departments, categories, channels)."""

    message = "只有平台管理员可以修改配置"

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or may_configure(request.user)


class ReadOrEditEnterprises(BasePermission):
    message = "只有平台管理员和受理员可以维护企业名录"

    def has_permission(self, request, view):
        if not request.user.is_authenticated:
            return False
        return request.method in SAFE_METHODS or may_edit_enterprises(request.user)


class ConfiguresOnly(BasePermission):
    message = "只有平台管理员可以管理用户"

    def has_permission(self, request, view):
        return may_configure(request.user)
