"""Local development and `make demo`: embedded SQLite, debug pages on."""

from .base import *

DEBUG = env_bool("IPOPS_DEBUG", True)
