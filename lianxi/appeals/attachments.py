"""Attachments on registration and reply: PDF, images and office documents, up to a size limit.

The type is decided by the file's first bytes, not only its name, so a renamed executable is refused.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

from django.conf import settings
from django.template.defaultfilters import filesizeformat

from lianxi.core.errors import InvalidInput

# extension -> (content type, accepted leading bytes)
_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)
ALLOWED_TYPES: dict[str, tuple[str, tuple[bytes, ...]]] = {
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".bmp": ("image/bmp", (b"BM",)),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".wps": ("application/vnd.ms-works", _OLE),
    ".ofd": ("application/ofd", _ZIP),
}
ALLOWED_LABEL = "PDF、图片（jpg/png/gif/webp/bmp）、Office 文档（doc/docx/xls/xlsx/ppt/pptx/wps/ofd）"
MAX_FILES = 10


def _leading_bytes(upload, n: int = 16) -> bytes:
    upload.seek(0)
    head = upload.read(n)
    upload.seek(0)
    return head


def validate_uploads(files: Sequence, field: str) -> None:
    """Raise InvalidInput naming ``field`` if any file is too big, empty or of a type not allowed."""
    errors = []
    limit = settings.LIANXI["MAX_ATTACHMENT_BYTES"]
    if len(files) > MAX_FILES:
        errors.append(f"附件最多 {MAX_FILES} 个")
    for f in files:
        ext = os.path.splitext(f.name)[1].lower()
        if ext not in ALLOWED_TYPES:
            errors.append(f"“{f.name}”类型不允许，只接受{ALLOWED_LABEL}")
        elif f.size == 0:
            errors.append(f"“{f.name}”是空文件")
        elif f.size > limit:
            errors.append(f"“{f.name}”超过大小限制（{filesizeformat(limit)}）")
        elif not _leading_bytes(f).startswith(ALLOWED_TYPES[ext][1]):
            errors.append(f"“{f.name}”的内容与扩展名不符")
    if errors:
        raise InvalidInput(fields={field: errors})


def save_attachments(appeal, event, files: Sequence, user) -> list:
    from .models import Attachment

    saved = []
    for f in files:
        ext = os.path.splitext(f.name)[1].lower()
        saved.append(Attachment.objects.create(
            appeal=appeal, event=event, file=f, name=os.path.basename(f.name)[:200], size=f.size,
            content_type=ALLOWED_TYPES[ext][0], uploaded_by=user))
    return saved
