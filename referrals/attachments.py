"""Files sent with a referral: checked by their content, stored encrypted, read back whole.

A scan of an ID card or a hospital report is among the most sensitive things AidBridge holds,
so the file is checked before anything is written (size from settings, PDF/JPEG/PNG by their
first bytes, the name's extension agreeing), encrypted with the field keys (Fernet, as the
personal fields) and written under a random name in the media folder, which nothing serves
publicly; the person's file name stays in the row, encrypted. It is read only through the
referral's scoped view (``views.attachment_download``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePath
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from accounts import crypto

from .models import ReferralAttachment

Kind = ReferralAttachment.Kind

#: What a file of each kind starts with (its "magic" bytes).
SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", Kind.PDF),
    (b"\xff\xd8\xff", Kind.JPEG),
    (b"\x89PNG\r\n\x1a\n", Kind.PNG),
)
EXTENSIONS = {
    ".pdf": Kind.PDF,
    ".jpg": Kind.JPEG,
    ".jpeg": Kind.JPEG,
    ".png": Kind.PNG,
}


@dataclass(frozen=True)
class CheckedFile:
    name: str
    kind: str
    content: bytes


def max_bytes() -> int:
    return settings.REFERRAL_ATTACHMENT_MAX_BYTES


def sniff(head: bytes) -> str | None:
    """The kind of file these first bytes begin, or None for anything but PDF, JPEG, PNG."""
    for signature, kind in SIGNATURES:
        if head.startswith(signature):
            return kind
    return None


def _size_text(size: int) -> str:
    return f"{size / (1024 * 1024):.1f} MB" if size >= 1024 * 1024 else f"{size // 1024} KB"


def check(upload: Any) -> CheckedFile:
    """Read and check one uploaded file (a Django ``UploadedFile``); ValidationError with a
    message for the person who sent it. The size is checked before the content is read."""
    name = PurePath(str(getattr(upload, "name", "") or "")).name[:200] or "file"
    limit = max_bytes()
    size = getattr(upload, "size", None)
    if size is not None and size > limit:
        raise ValidationError(
            _("%(name)s is too large (%(size)s): at most %(limit)s per file.")
            % {"name": name, "size": _size_text(size), "limit": _size_text(limit)},
            code="too_large",
        )
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ValidationError(
            _("%(name)s is too large: at most %(limit)s per file.")
            % {"name": name, "limit": _size_text(limit)},
            code="too_large",
        )
    if not content:
        raise ValidationError(_("%(name)s is empty.") % {"name": name}, code="empty")
    kind = sniff(content[:16])
    expected = EXTENSIONS.get(PurePath(name).suffix.lower())
    if kind is None or expected is None or expected != kind:
        raise ValidationError(
            _("%(name)s is not a PDF, JPEG or PNG file: only scans and photos are accepted.")
            % {"name": name},
            code="wrong_type",
        )
    return CheckedFile(name=name, kind=kind, content=content)


def store(attachment: ReferralAttachment, checked: CheckedFile) -> None:
    """Encrypt the content and save the row with its file under a random name."""
    token = crypto.fernet().encrypt(checked.content)
    attachment.name = checked.name
    attachment.kind = checked.kind
    attachment.size = len(checked.content)
    attachment.file.save("upload.bin", ContentFile(token), save=False)
    attachment.save()


def read(attachment: ReferralAttachment) -> bytes:
    """The decrypted content of a stored attachment."""
    with attachment.file.open("rb") as handle:
        return crypto.fernet().decrypt(handle.read())


def rotate(attachment: ReferralAttachment) -> None:
    """Re-encrypt the stored file under the newest key (``manage.py rotate_attachment_keys``)."""
    with attachment.file.open("rb") as handle:
        token = handle.read()
    rotated = crypto.fernet().rotate(token)
    if rotated != token:
        storage, path = attachment.file.storage, attachment.file.name
        storage.delete(path)
        storage.save(path, ContentFile(rotated))
