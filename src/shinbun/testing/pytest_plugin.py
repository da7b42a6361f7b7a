"""Loaded with `-p` before pytest-django reads the settings: puts shinbun in test mode
(tasks run inline, no secret key needed, cookies without Secure)."""

import os

os.environ.setdefault("SHINBUN_TESTING", "true")
