"""The test suite: same stack as dev, fast password hashing, jobs run by a real worker in-process."""

import tempfile

from .base import *

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
CACHES = {
    "default": {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": tempfile.mkdtemp(prefix="ipops-test-cache-"),
    }
}
IPOPS_JOB_FILES_DIR = Path(tempfile.mkdtemp(prefix="ipops-test-jobs-"))
MEDIA_ROOT = Path(tempfile.mkdtemp(prefix="ipops-test-uploads-"))
