"""Loaded with `-p` before pytest-django reads the settings: puts shinbun in test mode
(tasks run inline, no secret key needed, cookies without Secure) and gives the run a
cache directory of its own, so that runs side by side never share cached pages."""

import os
import shutil
import tempfile

os.environ.setdefault("SHINBUN_TESTING", "true")
if "SHINBUN_CACHE_DIR" not in os.environ:
    CACHE_DIR = tempfile.mkdtemp(prefix="shinbun-test-cache-")
    os.environ["SHINBUN_CACHE_DIR"] = CACHE_DIR
else:
    CACHE_DIR = None


def pytest_unconfigure(config):
    if CACHE_DIR is not None:
        shutil.rmtree(CACHE_DIR, ignore_errors=True)
