"""Pages of IPC suggestion: paste a text, see the subclasses the platform would tag it with (titles,
confidence bars) and their industries (members of approved organisations); operators start a retraining
job. Thin: `ipc_suggest.services` answers, `ipc_suggest.training.start_training` starts the job."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib import messages
from django.http import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ipops.accounts.roles import Role
from ipops.core.forms import StyledFormMixin
from ipops.core.http import AuthedRequest
from ipops.core.permissions import has_role, role_required
from ipops.patents.views import member_required
from ipops.search.ipc_suggest import services, store
from ipops.search.ipc_suggest.training import start_training


class SuggestForm(StyledFormMixin, forms.Form):
    text = forms.CharField(
        label=gettext_lazy("Text"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy(
            "A patent's title and abstract, a technology need or a listing, in Chinese or English."
        ),
        # the service checks emptiness and length with its own messages
        required=False,
        strip=True,
    )


@member_required
@require_http_methods(["GET", "POST"])
def ipc_suggest(request: AuthedRequest) -> HttpResponseBase:
    form = SuggestForm(request.POST or None)
    result: services.Suggestion | None = None
    not_trained = store.read_meta() is None
    if request.method == "POST" and form.is_valid():
        try:
            result = services.suggest(
                actor=request.user,
                text=form.cleaned_data["text"],
                language=get_language() or settings.LANGUAGE_CODE,
            )
        except services.SuggestInputError as exc:
            form.add_error("text", str(exc))
        except services.ModelNotTrainedError:
            not_trained = True
    context: dict[str, Any] = {
        "form": form,
        "result": result,
        "not_trained": not_trained,
        "model": store.read_meta() or {},
        "can_train": has_role(request.user, Role.OPERATOR),
    }
    return render(request, "search/ipc_suggest.html", context)


@role_required(Role.OPERATOR)
@require_POST
def ipc_train(request: AuthedRequest) -> HttpResponseBase:
    job = start_training(actor=request.user)
    messages.success(
        request, _("The IPC suggestion model is being trained; follow its progress on the job page.")
    )
    return redirect("core:job_detail", pk=job.pk)
