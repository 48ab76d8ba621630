"""Every change the exits app makes. Keyword-only, one transaction, one audit entry each."""

from zhiku.exits.services._common import ExitError
from zhiku.exits.services.cases import (
    exit_case_drop,
    exit_case_raise,
    exit_case_verify,
    exit_evidence_add,
    exit_file_for_staff,
    exit_notice_for_expert,
    exit_request_submit,
    exit_request_withdraw,
    system_case_raise,
)
from zhiku.exits.services.steps import exit_case_notify, exit_cases_announce, notice_pdf
from zhiku.exits.services.system import exits_deadlines

__all__ = [
    "ExitError",
    "exit_case_drop",
    "exit_case_notify",
    "exit_case_raise",
    "exit_case_verify",
    "exit_cases_announce",
    "exit_evidence_add",
    "exit_file_for_staff",
    "exit_notice_for_expert",
    "exit_request_submit",
    "exit_request_withdraw",
    "exits_deadlines",
    "notice_pdf",
    "system_case_raise",
]
