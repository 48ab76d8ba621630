"""The staff page of the ways people write coded values in rosters (设置 › 导入值对照)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from zhiku.accounts.http import AuthenticatedHttpRequest
from zhiku.core import permissions as perm
from zhiku.core.forms import describe_errors
from zhiku.core.http import act
from zhiku.experts.models import ValueAlias
from zhiku.experts.services import aliases
from zhiku.experts.spreadsheets import rows

# The same staff who edit the catalogues of fields and industries edit this reference table.
EDITOR = perm.STAFF


class ValueAliasForm(forms.Form):
    column = forms.ChoiceField(label=gettext_lazy("列"), choices=ValueAlias.Column.choices)
    written = forms.CharField(
        label=gettext_lazy("名单中的写法"), max_length=aliases.MAX_WRITTEN, strip=True
    )
    meaning = forms.CharField(
        label=gettext_lazy("对应的标准值"),
        max_length=80,
        help_text=gettext_lazy("按模板中的写法填写，如 正高级、广州市、06.03 电梯、C 制造业。"),
    )


@perm.policy(EDITOR)
def value_alias_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    lookups = rows.Lookups.load(timezone.localdate())
    labels = {
        **{name: v.labels for name, v in lookups.vocabularies.items()},
        ValueAlias.Column.FIELDS: {
            label.split(" ")[0]: label for label in lookups.fields.labels.values()
        },
        ValueAlias.Column.INDUSTRIES: {
            label.split(" ")[0]: label for label in lookups.industries.labels.values()
        },
    }
    entries = [
        (alias, labels.get(alias.column, {}).get(alias.canonical, alias.canonical))
        for alias in ValueAlias.objects.select_related("created_by")
    ]
    return render(
        request,
        "experts/workspace/value_aliases.html",
        {"entries": entries, "form": ValueAliasForm(), "columns": ValueAlias.Column},
    )


@perm.policy(EDITOR)
@require_POST
def value_alias_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = ValueAliasForm(request.POST)
    back = reverse("experts:value_alias_list")
    if not form.is_valid():
        messages.error(request, describe_errors(form))
        return redirect(back)
    return act(
        request,
        lambda: aliases.value_alias_create(actor=request.user, **form.cleaned_data),
        back=back,
        success=_("已添加：名单中写作“%(w)s”的值将按“%(m)s”导入。")
        % {"w": form.cleaned_data["written"], "m": form.cleaned_data["meaning"]},
    )


@perm.policy(EDITOR)
@require_POST
def value_alias_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    alias = get_object_or_404(ValueAlias, pk=pk)
    return act(
        request,
        lambda: aliases.value_alias_delete(actor=request.user, alias=alias),
        back=reverse("experts:value_alias_list"),
        success=_("已删除“%(w)s”。") % {"w": alias.written},
    )
