"""Registration: a one-time code by e-mail or SMS, hashed, short-lived, few tries, throttled."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.test import Client

from zhiku.accounts.models import AccountChange, Role, User
from zhiku.accounts.tests.factories import make_account
from zhiku.core import sms
from zhiku.core.models import AuditEntry
from zhiku.recruitment import services
from zhiku.recruitment.models import VerificationCode
from zhiku.recruitment.services import RecruitmentError
from zhiku.recruitment.tests.factories import NOW, make_call

pytestmark = pytest.mark.django_db

PASSWORD = "Shen-Qing-2026!x"


def code_in(text: object) -> str:
    match = re.search(r"\b(\d{6})\b", str(text))
    assert match, text
    return match.group(1)


def send(
    address: str = "Lin@Example.org",
    channel: str = "email",
    *,
    ip: str = "203.0.113.5",
    now: dt.datetime = NOW,
) -> VerificationCode:
    return services.verification_code_send(channel=channel, address=address, ip=ip, now=now)


def register(row: VerificationCode, code: str, **kwargs: object) -> User:
    return services.applicant_register(
        code_id=row.pk,
        code=code,
        full_name=str(kwargs.get("full_name", "林申请")),
        username=str(kwargs.get("username", "lin@example.org")),
        password=str(kwargs.get("password", PASSWORD)),
        now=kwargs.get("now", NOW + dt.timedelta(minutes=2)),  # type: ignore[arg-type]
    )


def test_an_emailed_code_opens_an_applicant_account() -> None:
    row = send()
    message = mail.outbox[-1]
    assert message.to == ["lin@example.org"]  # normalised
    assert "注册验证码" in message.subject
    code = code_in(message.body)
    # Kept only as a salted hash; the address only encrypted.
    assert code not in str(VerificationCode.objects.values().get())
    assert "lin@example.org" not in str(VerificationCode.objects.values().get())
    user = register(row, code)
    assert (user.role, user.email, user.full_name) == (Role.EXPERT, "lin@example.org", "林申请")
    assert user.check_password(PASSWORD)
    change = AccountChange.objects.get(user=user)
    assert (change.kind, change.to_value, change.actor) == ("created", "expert", None)
    assert AuditEntry.objects.filter(action="recruitment.applicant.registered").count() == 1
    # A code opens one account only.
    with pytest.raises(RecruitmentError, match="已经使用过"):
        register(row, code, username="another")


def test_a_code_by_text_message_goes_through_the_sms_sender() -> None:
    row = send("138 1234 5678", channel="mobile")
    assert [m.number for m in sms.outbox] == ["13812345678"]
    user = register(row, code_in(sms.outbox[-1].text), username="lin138", full_name="林短信")
    # No e-mail yet: the application asks for one; the mobile is not the user name.
    assert user.email == ""
    assert "13812345678" not in User.objects.filter(pk=user.pk).values().get().values()


def test_a_wrong_code_is_counted_and_five_end_the_code() -> None:
    row = send()
    code = code_in(mail.outbox[-1].body)
    wrong = "000000" if code != "000000" else "111111"
    for left in (4, 3, 2, 1):
        with pytest.raises(RecruitmentError, match=f"还可以再试 {left} 次"):
            register(row, wrong)
    with pytest.raises(RecruitmentError, match="输错次数过多"):
        register(row, wrong)
    # Even the right code is now refused.
    with pytest.raises(RecruitmentError, match="输错次数过多"):
        register(row, code)
    assert not User.objects.filter(username="lin@example.org").exists()


def test_a_code_lasts_ten_minutes() -> None:
    row = send()
    code = code_in(mail.outbox[-1].body)
    with pytest.raises(RecruitmentError, match="已过期"):
        register(row, code, now=NOW + dt.timedelta(minutes=10))


def test_codes_are_throttled_per_recipient_and_per_network() -> None:
    send()
    with pytest.raises(RecruitmentError, match="秒后重新获取"):
        send(now=NOW + dt.timedelta(seconds=30))
    for minutes in (2, 4, 6, 8):
        send(now=NOW + dt.timedelta(minutes=minutes))
    with pytest.raises(RecruitmentError, match="该电子邮箱一小时内获取验证码的次数已达 5 次"):
        send(now=NOW + dt.timedelta(minutes=10))
    send(now=NOW + dt.timedelta(minutes=61))  # an hour later
    # Twenty codes from one address to twenty people, then the address waits.
    for i in range(14):
        send(f"p{i}@example.org", ip="198.51.100.7", now=NOW + dt.timedelta(seconds=i))
    for i in range(6):
        send(f"q{i}@example.org", ip="198.51.100.7", now=NOW + dt.timedelta(seconds=20 + i))
    with pytest.raises(RecruitmentError, match="您所在的网络"):
        send("r@example.org", ip="198.51.100.7", now=NOW + dt.timedelta(seconds=40))


@pytest.mark.parametrize(
    ("channel", "address", "message"),
    [("email", "not-an-address", "有效的电子邮箱"), ("mobile", "12345", "手机号码应为")],
)
def test_a_malformed_address_gets_no_code(channel: str, address: str, message: str) -> None:
    with pytest.raises(RecruitmentError, match=message):
        send(address, channel=channel)
    assert VerificationCode.objects.count() == 0


def test_an_address_that_has_an_account_is_told_to_sign_in() -> None:
    make_account("expert", username="old", email="lin@example.org")
    row = send()
    with pytest.raises(Exception, match="已开设账户，请直接登录"):
        register(row, code_in(mail.outbox[-1].body), username="new")


def test_a_weak_password_is_refused_and_the_code_stays_usable() -> None:
    row = send()
    code = code_in(mail.outbox[-1].body)
    with pytest.raises(Exception, match="密码"):
        register(row, code, password="12345678")
    assert register(row, code).username == "lin@example.org"


def test_registration_pages_sign_the_new_applicant_in_and_lead_back_to_the_call() -> None:
    call = make_call()
    client = Client()
    start_url = f"/me/applications/start/{call.pk}/"
    with time_machine.travel(NOW, tick=False):
        assert "注册并申请" in client.get(f"/calls/{call.pk}/").content.decode()
        response = client.post(
            "/calls/register/",
            {"channel": "email", "address": "lin@example.org", "privacy": "on", "next": start_url},
        )
        assert response.headers["Location"] == "/calls/register/verify/"
        verify = client.get("/calls/register/verify/").content.decode()
        assert "li***@example.org" in verify  # where the code went, masked
        response = client.post(
            "/calls/register/verify/",
            {
                "code": code_in(mail.outbox[-1].body),
                "full_name": "林申请",
                "username": "lin@example.org",
                "password1": PASSWORD,
                "password2": PASSWORD,
            },
        )
        assert response.headers["Location"] == start_url
        page = client.get(start_url).content.decode()
    assert "个人信息处理告知书" in page
    assert "同意并开始填写" in page


def test_the_register_page_refuses_without_consent_and_says_why() -> None:
    response = Client().post("/calls/register/", {"channel": "email", "address": "a@example.org"})
    assert "请先阅读并同意《个人信息处理告知书》" in response.content.decode()
    assert VerificationCode.objects.count() == 0
