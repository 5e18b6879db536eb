"""One error hierarchy, rendered one way by the API (lianxi.core.api) and one way by the pages.

Every error carries a Chinese message for people and a stable ``code`` for programs.
"""

from __future__ import annotations


class LianxiError(Exception):
    status = 400
    code = "error"
    default_message = "请求无法处理"

    def __init__(self, message: str | None = None, *, fields: dict[str, list[str]] | None = None):
        self.message = message or self.default_message
        self.fields = fields or {}
        super().__init__(self.message)

    def as_dict(self) -> dict:
        body: dict = {"code": self.code, "detail": self.message}
        body.update(self.fields)
        return body


class InvalidInput(LianxiError):
    """Bad input: ``fields`` maps each field name to its messages."""

    status = 400
    code = "invalid"
    default_message = "输入有误，请检查标出的字段"


class NotPermitted(LianxiError):
    """The user can see the object but may not do this to it."""

    status = 403
    code = "forbidden"
    default_message = "您没有执行此操作的权限"


class NotFound(LianxiError):
    """Missing, or not visible to this user: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"
    default_message = "未找到"


class StateConflict(LianxiError):
    """The action does not apply to the object's current state, or a concurrent change got there first."""

    status = 409
    code = "conflict"
    default_message = "当前状态下不能执行此操作"
