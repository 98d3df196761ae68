"""The test suite: same stack as dev, fast password hashing, jobs run by a real worker in-process.

Every test process has its own data directory (derived stores, search index, uploads, job files, cache), so
that `make test` can spread the suite over several processes (pytest-xdist) and a test run never touches the
developer's `var/`. Decoded report fonts are the exception: they are derived from the vendored files only,
written atomically, and shared under `var/cache/fonts` (decoding them costs ~1.5 s a subset).
"""

import atexit
import shutil
import tempfile

from .base import *
from .base import DATA_DIR as SHARED_DATA_DIR

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
IPOPS_FONT_CACHE_DIR = SHARED_DATA_DIR / "cache" / "fonts"
DATA_DIR = Path(tempfile.mkdtemp(prefix="ipops-test-data-"))
atexit.register(shutil.rmtree, DATA_DIR, ignore_errors=True)
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": str(DATA_DIR / "cache"),
    }
}
IPOPS_JOB_FILES_DIR = DATA_DIR / "jobs"
MEDIA_ROOT = DATA_DIR / "uploads"
STATIC_ROOT = DATA_DIR / "static"
