"""A report's figures as JSON: the same Report the page builds (reporting/registry.py), table by table and cell by
cell, so a business-intelligence system reads the very numbers the page shows."""

import datetime
from decimal import Decimal

from jobbro.reporting import presentation
from jobbro.reporting.base import Fixed, Scored, Share, Withheld


def _number(value):
    if isinstance(value, Fixed):
        return str(round(Decimal(str(value.value)), value.decimals))
    if isinstance(value, float):
        return str(Decimal(str(value)))
    return str(value)


def cell(value):
    """{kind, value, part, whole, light, text}: the figure itself and the text the page shows for it."""
    data = {
        "kind": "text",
        "value": None,
        "part": None,
        "whole": None,
        "light": None,
        "text": presentation.cell_text(value),
    }
    inner = value.value if isinstance(value, Scored) else value
    if isinstance(value, Scored):
        data["light"] = value.light
    if inner is None:
        data["kind"] = "empty"
    elif isinstance(inner, Withheld):
        data["kind"] = "withheld"
    elif isinstance(inner, Share):
        data.update(kind="share", part=inner.part, whole=inner.whole)
        data["value"] = None if inner.percent is None else str(inner.percent)
    elif isinstance(inner, bool):
        data["kind"] = "text"
    elif isinstance(inner, int):
        data.update(kind="count", value=str(inner))
    elif isinstance(inner, (Decimal, float, Fixed)):
        data.update(kind="measure", value=_number(inner))
    elif isinstance(inner, datetime.date):
        data["value"] = inner.isoformat()
    if isinstance(value, Scored):
        data["kind"] = "scored" if data["kind"] != "empty" else "empty"
    return data


def table(report_table):
    return {
        "key": str(report_table.key),
        "title": str(report_table.title),
        "first_column_label": str(report_table.first_column_label or ""),
        "columns": [str(column) for column in report_table.columns],
        "rows": [
            {"key": str(row.key), "label": str(row.label), "cells": [cell(value) for value in row.cells]}
            for row in report_table.rows
        ],
        "note": str(report_table.note or ""),
    }


def report_data(entry, report):
    return {
        "slug": entry.slug,
        "title": str(report.title),
        "scope": {
            "programme": report.scope.programme.pk,
            "sites": report.scope.site_ids,
            "on": report.scope.on.isoformat(),
        },
        "tables": [table(report_table) for report_table in report.tables],
        "notes": [str(note) for note in report.notes],
        "problems": [str(problem) for problem in report.problems()],
    }
