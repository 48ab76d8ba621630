"""What the accounts app adds to the shell: the security admin's home, labels, demo accounts."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from zhiku.accounts.demo import seed_accounts
from zhiku.accounts.models import Approval
from zhiku.core.plugins import MenuItem, Plugin, register
from zhiku.core.roles import Right, Role

register(
    Plugin(
        app="zhiku.accounts",
        role_homes={
            Role.SECURITY_ADMIN: MenuItem(_("账户与权限"), "accounts:account_list", order=0),
        },
        menu=[
            MenuItem(_("权限审批"), "accounts:approval_list", order=5),
            MenuItem(_("新建账户"), "accounts:account_create", order=10),
            MenuItem(_("账户安全"), "accounts:account_security", order=1000),
        ],
        demo=seed_accounts,
        audit_labels={
            "accounts.login.succeeded": _("登录"),
            "accounts.login.failed": _("登录失败"),
            "accounts.logout": _("退出登录"),
            "accounts.password.changed": _("修改密码"),
            "accounts.password.reset": _("通过邮件链接设置密码"),
            "accounts.password.temporary": _("设置临时密码（首次登录须修改）"),
            "accounts.otp.enrolled": _("启用双因素认证"),
            "accounts.otp.verified": _("双因素认证通过"),
            "accounts.otp.failed": _("双因素认证失败"),
            "accounts.otp.recovery_used": _("使用恢复码登录"),
            "accounts.otp.recovery_renewed": _("重新生成恢复码"),
            "accounts.otp.removed": _("停用双因素认证"),
            "accounts.otp.reset": _("重置双因素认证"),
            "accounts.activation.sent": _("发送设置密码的邮件"),
            "accounts.account.created": _("创建账户"),
            "accounts.account.activated": _("启用账户"),
            "accounts.account.deactivated": _("停用账户"),
            "accounts.account.unlocked": _("解除登录锁定"),
            "accounts.role.changed": _("变更角色"),
            "accounts.right.granted": _("授予权限"),
            "accounts.right.revoked": _("撤销权限"),
            "accounts.access.refused": _("访问被拒绝"),
            "accounts.approval.requested": _("提交须经批准的账户变更申请"),
            "accounts.approval.approved": _("批准账户变更申请"),
            "accounts.approval.refused": _("拒绝账户变更申请"),
            "accounts.approval.withdrawn": _("撤回账户变更申请"),
        },
        audit_fields={
            "value": _("值"),
            "username": _("用户名"),
            "to": _("收件人"),
            "status": _("状态"),
            "kind": _("申请事项"),
            "account": _("账户"),
            "right": _("权限"),
            "role": _("角色"),
            "requested_by": _("申请人"),
            "approved_by": _("批准人"),
            "path": _("页面地址"),
            "view": _("页面"),
            "method": _("请求方式"),
            "policy": _("访问策略"),
            "policy_label": _("拒绝依据"),
            "times": _("当日累计次数"),
            "lockouts_cleared": _("随之解除的登录失败记录"),
            "agent": _("浏览器"),
            "step": _("环节"),
            "recovery_codes": _("生成的恢复码个数"),
            "left": _("剩余恢复码"),
            "count": _("个数"),
            "accounts.otp.failed:reason": _("失败原因"),
            "accounts.account.created:value": _("角色"),
            "accounts.role.changed:value": _("角色"),
            "accounts.right.granted:value": _("权限"),
            "accounts.right.revoked:value": _("权限"),
            "accounts.account.activated:value": _("账户状态"),
            "accounts.account.deactivated:value": _("账户状态"),
        },
        # A role, a right or an account state under "value" (their codes never overlap).
        audit_values={
            "value": {
                **dict(Role.choices),
                **dict(Right.choices),
                "active": _("启用"),
                "inactive": _("停用"),
            },
            "role": Role.choices,
            "right": Right.choices,
            "accounts.otp.failed:step": {
                "enrol": _("启用时确认"),
                "totp": _("身份验证器验证码"),
                "recovery": _("恢复码"),
            },
            "accounts.otp.failed:reason": {
                "wrong_code": _("验证码不正确"),
                "throttled": _("错误次数过多，暂缓验证"),
                "no_device": _("未启用该方式"),
            },
            **{
                f"accounts.approval.{step}:{key}": choices
                for step in ("requested", "approved", "refused", "withdrawn")
                for key, choices in (
                    ("status", Approval.Status.choices),
                    ("kind", Approval.Kind.choices),
                )
            },
        },
    )
)
