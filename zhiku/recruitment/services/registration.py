"""Registration of applicants: an e-mail address or a mobile proven by a one-time code.

Codes are six digits, valid ten minutes, kept only as a salted keyed hash, and refused after
five wrong tries. Sending is throttled from this table (no cache needed): one code a minute and
five an hour per recipient, twenty an hour per client address.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from zhiku.accounts import services as accounts
from zhiku.accounts.models import User
from zhiku.core import crypto, sms
from zhiku.core.audit import log_action
from zhiku.core.masking import mask
from zhiku.core.tasks import send_email
from zhiku.experts import identity
from zhiku.recruitment.models import VerificationCode
from zhiku.recruitment.services._common import RecruitmentError

CODE_VALID = dt.timedelta(minutes=10)
MAX_ATTEMPTS = 5
RESEND_AFTER = dt.timedelta(seconds=60)
PER_RECIPIENT_PER_HOUR = 5
PER_CLIENT_PER_HOUR = 20
HOUR = dt.timedelta(hours=1)


def normalise_recipient(channel: str, address: str) -> str:
    """Return the address in its one stored form, or raise RecruitmentError saying what is wrong."""
    if channel == VerificationCode.Channel.EMAIL:
        email = identity.normalize_email(address)
        try:
            validate_email(email)
        except ValidationError:
            raise RecruitmentError(_("请填写有效的电子邮箱地址。")) from None
        return email
    if channel == VerificationCode.Channel.MOBILE:
        try:
            return identity.normalize_mobile(address)
        except identity.InvalidMobile as exc:
            raise RecruitmentError(str(exc)) from None
    raise RecruitmentError(_("请选择用电子邮箱还是手机号码接收验证码。"))


def mask_recipient(channel: str, address: str) -> str:
    """Show where a code went without showing the whole address: li***@example.org, 138****5678."""
    if channel == VerificationCode.Channel.EMAIL and "@" in address:
        local, _at, domain = address.partition("@")
        return f"{local[:2]}***@{domain}"
    return mask(address)


def _recipient_hash(channel: str, normalised: str) -> str:
    return crypto.lookup_hash(normalised, purpose=f"verify-{channel}")


def _code_hash(salt: str, code: str) -> str:
    key = settings.SECRET_KEY.encode("utf-8")
    return hmac.new(key, f"{salt}:{code}".encode(), hashlib.sha256).hexdigest()


def _throttle(channel: str, digest: str, ip: str | None, now: dt.datetime) -> None:
    recent = VerificationCode.objects.filter(recipient_hash=digest, created_at__gte=now - HOUR)
    last = recent.order_by("-created_at").first()
    if last is not None and now - last.created_at < RESEND_AFTER:
        wait = int((RESEND_AFTER - (now - last.created_at)).total_seconds()) + 1
        raise RecruitmentError(
            _("验证码已发送，请查收；如未收到，请在 %(s)d 秒后重新获取。") % {"s": wait}
        )
    if recent.count() >= PER_RECIPIENT_PER_HOUR:
        what = _("该电子邮箱") if channel == VerificationCode.Channel.EMAIL else _("该手机号码")
        raise RecruitmentError(
            _("%(what)s一小时内获取验证码的次数已达 %(n)d 次，请一小时后再试。")
            % {"what": what, "n": PER_RECIPIENT_PER_HOUR}
        )
    if (
        ip
        and VerificationCode.objects.filter(ip=ip, created_at__gte=now - HOUR).count()
        >= PER_CLIENT_PER_HOUR
    ):
        raise RecruitmentError(_("您所在的网络一小时内获取验证码的次数过多，请稍后再试。"))


@transaction.atomic
def verification_code_send(
    *, channel: str, address: str, ip: str | None, now: dt.datetime | None = None
) -> VerificationCode:
    """Send a one-time code to an e-mail address (mail backend) or a mobile (SMS sender)."""
    now = now or timezone.now()
    normalised = normalise_recipient(channel, address)
    digest = _recipient_hash(channel, normalised)
    _throttle(channel, digest, ip, now)
    code = f"{secrets.randbelow(10**6):06d}"
    salt = secrets.token_hex(8)
    row = VerificationCode.objects.create(
        channel=channel,
        recipient_hash=digest,
        recipient_token=crypto.encrypt(normalised),
        salt=salt,
        code_hash=_code_hash(salt, code),
        ip=ip,
        created_at=now,
        expires_at=now + CODE_VALID,
    )
    minutes = int(CODE_VALID.total_seconds() // 60)
    if channel == VerificationCode.Channel.EMAIL:
        body = render_to_string(
            "recruitment/email/verification_code.txt", {"code": code, "minutes": minutes}
        )
        subject, _sep, text = body.partition("\n")
        send_email.enqueue(subject=subject.strip(), body=text.lstrip("\n"), recipients=[normalised])
    else:
        text = _(
            "【广东省质量发展智库】您的注册验证码为 %(code)s，%(m)d 分钟内有效。如非本人操作，请忽略。"
        ) % {"code": code, "m": minutes}
        try:
            sms.send_sms(normalised, text)
        except sms.SmsError as exc:
            raise RecruitmentError(
                _("短信发送失败：%(e)s。请稍后再试，或改用电子邮箱注册。") % {"e": exc}
            ) from None
    log_action(
        "recruitment.verification.sent",
        data={"channel": channel, "to": mask_recipient(channel, normalised)},
    )
    return row


def _confirm(code_id: int | None, code: str, now: dt.datetime) -> VerificationCode:
    """Check a code; a wrong one is counted (committed even though an error follows)."""
    row = VerificationCode.objects.filter(pk=code_id).first() if code_id is not None else None
    if row is None:
        raise RecruitmentError(_("请先获取验证码。"))
    if row.used_at is not None:
        raise RecruitmentError(_("该验证码已经使用过，请重新获取。"))
    if now >= row.expires_at:
        raise RecruitmentError(
            _("验证码已过期（%(m)d 分钟内有效），请重新获取。")
            % {"m": int(CODE_VALID.total_seconds() // 60)}
        )
    if row.attempts >= MAX_ATTEMPTS:
        raise RecruitmentError(_("验证码输错次数过多，请重新获取。"))
    if not hmac.compare_digest(row.code_hash, _code_hash(row.salt, code.strip())):
        VerificationCode.objects.filter(pk=row.pk).update(attempts=F("attempts") + 1)
        left = MAX_ATTEMPTS - row.attempts - 1
        if left <= 0:
            raise RecruitmentError(_("验证码输错次数过多，请重新获取。"))
        raise RecruitmentError(_("验证码不正确，还可以再试 %(n)d 次。") % {"n": left})
    return row


def applicant_register(
    *,
    code_id: int | None,
    code: str,
    full_name: str,
    username: str,
    password: str,
    now: dt.datetime | None = None,
) -> User:
    """Open an applicant's account once their code is confirmed; the code is then spent.

    Not one transaction on purpose: a wrong code must stay counted when the error is raised.
    """
    now = now or timezone.now()
    row = _confirm(code_id, code, now)
    with transaction.atomic():
        row = VerificationCode.objects.select_for_update().get(pk=row.pk)
        if row.used_at is not None:
            raise RecruitmentError(_("该验证码已经使用过，请重新获取。"))
        address = crypto.decrypt(row.recipient_token)
        email = address if row.channel == VerificationCode.Channel.EMAIL else ""
        user = accounts.applicant_account_register(
            username=username, full_name=full_name, email=email, password=password
        )
        row.used_at = now
        row.save(update_fields=["used_at"])
        log_action(
            "recruitment.applicant.registered",
            actor=user,
            obj=user,
            data={"channel": row.channel, "to": mask_recipient(row.channel, address)},
        )
    return user


def pending_recipient(code_id: int | None) -> tuple[str, str] | None:
    """Return (channel, masked address) of a code not yet used, to remind the person where it went."""
    if code_id is None:
        return None
    row = VerificationCode.objects.filter(pk=code_id, used_at__isnull=True).first()
    if row is None:
        return None
    return row.channel, mask_recipient(row.channel, crypto.decrypt(row.recipient_token))
