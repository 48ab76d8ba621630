"""Every change to the expert registry. Keyword-only, one transaction, one audit entry each."""

from zhiku.experts.services._common import (
    ID_HASH_PURPOSE,
    MOBILE_HASH_PURPOSE,
    PLAIN_FIELDS,
    PROTECTED,
    SELF_SERVICE_FIELDS,
    ExpertError,
)
from zhiku.experts.services.catalogue import expertise_field_save, industry_rename
from zhiku.experts.services.exports import expert_list_export, expert_list_export_refused
from zhiku.experts.services.imports import (
    import_error_file_open,
    import_files_purge,
    import_job_create,
    import_job_run,
    import_job_send_activations,
)
from zhiku.experts.services.portal import (
    change_request_decide,
    change_request_submit,
    conflict_declare,
    conflict_withdraw,
    exit_request_submit,
    unavailability_add,
    unavailability_remove,
    unfamiliar_fields_set,
)
from zhiku.experts.services.registry import (
    employment_add,
    employment_remove,
    expert_admit,
    expert_age_override,
    expert_create,
    expert_identity_reveal,
    expert_mobile_reveal,
    expert_status_change,
    expert_update,
    protected_data_rotate,
)

__all__ = [
    "ID_HASH_PURPOSE",
    "MOBILE_HASH_PURPOSE",
    "PLAIN_FIELDS",
    "PROTECTED",
    "SELF_SERVICE_FIELDS",
    "ExpertError",
    "change_request_decide",
    "change_request_submit",
    "conflict_declare",
    "conflict_withdraw",
    "employment_add",
    "employment_remove",
    "exit_request_submit",
    "expert_admit",
    "expert_age_override",
    "expert_create",
    "expert_identity_reveal",
    "expert_list_export",
    "expert_list_export_refused",
    "expert_mobile_reveal",
    "expert_status_change",
    "expert_update",
    "expertise_field_save",
    "import_error_file_open",
    "import_files_purge",
    "import_job_create",
    "import_job_run",
    "import_job_send_activations",
    "industry_rename",
    "protected_data_rotate",
    "unavailability_add",
    "unavailability_remove",
    "unfamiliar_fields_set",
]
