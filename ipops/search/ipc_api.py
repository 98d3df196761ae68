"""API of IPC suggestion: suggest subclasses for a text (members of approved organisations), describe the
trained model (members), start a retraining job (platform operators). Errors use the platform's format:
400 for bad text, 503 while no model is trained, 403 for a refusal."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from django.conf import settings
from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.utils.translation import get_language
from ninja import Router, Schema
from ninja.errors import HttpError

from ipops.core.api import caller
from ipops.core.permissions import deny, is_member_of_active
from ipops.search.ipc_suggest import services, store
from ipops.search.ipc_suggest.training import start_training

router = Router(tags=["ipc-suggestion"])


class SuggestIn(Schema):
    text: str


class SubclassOut(Schema):
    code: str
    confidence: float
    suggested: bool
    title: str


class IndustryOut(Schema):
    scheme: str
    code: str
    name: str
    subclasses: list[str]


class ModelOut(Schema):
    trained_at: datetime | None = None
    patents: int = 0
    subclasses: int = 0
    threshold: float | None = None
    cv_micro_f1: float | None = None


class SuggestOut(Schema):
    suggested: list[str]
    subclasses: list[SubclassOut]
    technology_fields: list[IndustryOut]
    industries: list[IndustryOut]
    model: ModelOut


class JobOut(Schema):
    id: UUID
    kind: str
    status: str


def _model_out(meta: dict[str, Any]) -> dict[str, Any]:
    return {key: meta.get(key) for key in ModelOut.model_fields if meta.get(key) is not None}


@router.post("/search/ipc/suggest", response=SuggestOut, summary="IPC subclasses (and industries) for a text")
def suggest(request: HttpRequest, payload: SuggestIn) -> Any:
    try:
        result = services.suggest(
            actor=caller(request), text=payload.text, language=get_language() or settings.LANGUAGE_CODE
        )
    except services.SuggestInputError as exc:
        raise ValidationError({"text": str(exc)}) from exc
    except services.ModelNotTrainedError as exc:
        raise HttpError(503, str(exc)) from exc
    return {
        "suggested": [s.code for s in result.suggested],
        "subclasses": [s.__dict__ for s in result.subclasses],
        "technology_fields": [
            {**i.__dict__, "subclasses": list(i.subclasses)} for i in result.technology_fields
        ],
        "industries": [{**i.__dict__, "subclasses": list(i.subclasses)} for i in result.industries],
        "model": _model_out(result.model),
    }


@router.get("/search/ipc/model", response=ModelOut, summary="What the IPC suggestion model was trained on")
def model_info(request: HttpRequest) -> Any:
    user = caller(request)
    if not is_member_of_active(user):
        raise deny(user, "read the IPC suggestion model")
    meta = store.read_meta()
    if meta is None:
        raise HttpError(503, services.not_trained_message())
    return _model_out(meta)


@router.post(
    "/search/ipc/train", response={202: JobOut}, summary="Retrain the IPC suggestion model (operators)"
)
def train(request: HttpRequest) -> Any:
    job = start_training(actor=caller(request))
    return 202, {"id": job.pk, "kind": job.kind, "status": job.status}
