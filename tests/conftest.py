"""Shared test settings."""

from __future__ import annotations

import os

import matplotlib
from hypothesis import HealthCheck, settings

matplotlib.use("Agg")

settings.register_profile(
    "default",
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "thorough",
    max_examples=400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
# Continuous integration replays the same examples every run, so that a submission's result
# does not depend on the draw; developers' runs keep exploring new ones.
settings.register_profile(
    "ci",
    parent=settings.get_profile("default"),
    derandomize=True,
    database=None,
)
default_profile = "ci" if os.environ.get("CI") == "true" else "default"
settings.load_profile(os.environ.get("STEEPEST_HYPOTHESIS_PROFILE", default_profile))
