"""Who may belong where: the rules an account must satisfy, shared by the admin page and the API."""

from __future__ import annotations

from .models import Role


def membership_errors(roles, department, enterprise) -> dict[str, str]:
    """{field: message} for every rule the combination breaks (empty: it is a valid account)."""
    roles = set(roles or ())
    errors: dict[str, str] = {}
    if department and enterprise:
        errors["enterprise"] = "用户只能属于一个部门或一家企业，不能同时属于两者"
    elif Role.ENTERPRISE in roles and not enterprise:
        errors["enterprise"] = "企业用户必须指定所属企业"
    elif enterprise and roles - {Role.ENTERPRISE}:
        errors["roles"] = "企业的账号只能拥有“企业用户”角色"
    if Role.HANDLER in roles and not department:
        errors["department"] = "部门承办人必须指定所属部门"
    elif Role.HEAD in roles and not department:
        errors["department"] = "部门负责人必须指定所属部门"
    return errors
