"""The reports, in the order the reports page lists them. Each module has TITLE, SUMMARY and build(scope) -> Report."""

import importlib
from dataclasses import dataclass


@dataclass(frozen=True)
class Entry:
    slug: str
    module_name: str

    @property
    def module(self):
        return importlib.import_module(f"jobbro.reporting.{self.module_name}")

    @property
    def title(self):
        return self.module.TITLE

    @property
    def summary(self):
        return self.module.SUMMARY

    def build(self, scope):
        return self.module.build(scope)


REPORTS = [
    Entry("result-goals", "goals_report"),
    Entry("status", "status"),
    Entry("hours", "hours"),
    Entry("sites", "sites"),
    Entry("follow-up", "follow_up"),
    Entry("funnel", "funnel"),
    Entry("progression", "progression"),
    Entry("fidelity", "fidelity"),
    Entry("meetings", "meetings_report"),
    Entry("attendance", "attendance"),
    Entry("continuity", "continuity"),
]

BY_SLUG = {entry.slug: entry for entry in REPORTS}
