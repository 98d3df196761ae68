"""Where the trained model lives: ``settings.DATA_DIR / "derived" / "ipc_suggest"`` (or
``settings.IPOPS_IPC_SUGGEST_DIR``). ``model.joblib`` holds the model, ``model.json`` what it was trained on
(patents, subclasses, time, cross-validated F1). Both are written under temporary names and renamed into
place, the model first, so a reader sees either the old pair or the new one (the JSON names the model's
checksum, a torn pair is refused). Rebuild with ``manage.py train_ipc_suggester``."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings

from ipops.search.ipc_suggest.model import IpcSuggester

MODEL_FILE = "model.joblib"
META_FILE = "model.json"
FORMAT = "ipops-ipc-suggest"
FORMAT_VERSION = 2  # 2: kernel ridge model (a version-1 file is an SVM model: retrain)


class ModelMissingError(RuntimeError):
    """No trained model yet (or an unreadable one)."""


def model_dir() -> Path:
    configured = getattr(settings, "IPOPS_IPC_SUGGEST_DIR", None)
    return Path(configured) if configured else Path(settings.DATA_DIR) / "derived" / "ipc_suggest"


def _write_atomically(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    tmp.replace(path)


def save(model: IpcSuggester, meta: dict[str, Any]) -> dict[str, Any]:
    folder = model_dir()
    folder.mkdir(parents=True, exist_ok=True)
    data = model.to_bytes()
    meta = {
        **meta,
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "sha256": hashlib.sha256(data).hexdigest(),
        "bytes": len(data),
    }
    _write_atomically(folder / MODEL_FILE, data)
    _write_atomically(folder / META_FILE, json.dumps(meta, ensure_ascii=False, indent=2).encode("utf-8"))
    return meta


def read_meta() -> dict[str, Any] | None:
    try:
        meta: dict[str, Any] = json.loads((model_dir() / META_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return meta if meta.get("format") == FORMAT else None


@dataclass
class _Loaded:
    key: tuple[str, str]
    model: IpcSuggester
    meta: dict[str, Any]


_cache: _Loaded | None = None
_lock = threading.Lock()


def load() -> tuple[IpcSuggester, dict[str, Any]]:
    """The trained model and its description; cached in the process until the files change."""
    global _cache
    folder = model_dir()
    meta = read_meta()
    if meta is None or meta.get("format_version") != FORMAT_VERSION:
        raise ModelMissingError(str(folder))
    key = (str(folder), str(meta.get("sha256")))
    with _lock:
        if _cache is not None and _cache.key == key:
            return _cache.model, _cache.meta
        try:
            data = (folder / MODEL_FILE).read_bytes()
        except OSError as exc:
            raise ModelMissingError(str(folder)) from exc
        if hashlib.sha256(data).hexdigest() != meta.get("sha256"):
            raise ModelMissingError(str(folder))  # written half-way through a retrain: try again
        try:
            model = IpcSuggester.from_bytes(data)
        except Exception as exc:
            raise ModelMissingError(str(folder)) from exc
        _cache = _Loaded(key=key, model=model, meta=meta)
        return model, meta
