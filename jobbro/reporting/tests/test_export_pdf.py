"""The PDF draws each chart from its SVG as an image (a data: address), fetches nothing else, and logs no warning."""

import base64
import datetime
import logging
import re

import pytest

from jobbro.reporting import charts, export
from jobbro.reporting.base import Report, Row, Scope, Table
from jobbro.reporting.tests import factories as f

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("in_english")]


def a_report(chart_count):
    programme, sites = f.programme_with_sites("Aarhus", "Randers")
    table = Table("t", "Citizens per site", ["Aarhus", "Randers", "Total"], [Row("n", "Citizens", [3, 4, 7])])
    drawn = [
        charts.bars(["Aarhus", "Randers"], {"Citizens": [3, 4 + n]}, description=f"Chart {n}")
        for n in range(chart_count)
    ]
    report = Report("sites", "Sites", Scope(programme, sites, datetime.date(2026, 3, 2)), [table], charts=drawn)
    return report


def test_each_chart_is_printed_as_an_image_of_its_svg_with_its_description():
    report = a_report(2)
    html = export.render_report_html(report, [])
    images = re.findall(r'<img src="data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)" alt="">', html)
    assert [base64.b64decode(image).decode() for image in images] == [chart.svg for chart in report.charts]
    assert "<svg" not in html
    assert "<figcaption>Chart 0</figcaption>" in html and "<figcaption>Chart 1</figcaption>" in html


def test_the_charts_are_drawn_in_the_pdf_and_nothing_is_logged(caplog):
    with caplog.at_level(logging.WARNING, logger="weasyprint"):
        without = export.report_pdf(a_report(0), [])
        with_charts = export.report_pdf(a_report(2), [])
    assert without.startswith(b"%PDF") and with_charts.startswith(b"%PDF")
    # A chart that could not be fetched would leave an empty box: the drawn charts make the document larger.
    assert len(with_charts) > len(without) + 5000
    assert [record.getMessage() for record in caplog.records] == []


def test_the_pdf_fetches_nothing_but_its_charts(caplog):
    from weasyprint import HTML

    with caplog.at_level(logging.ERROR, logger="weasyprint"):
        HTML(
            string='<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/hostname">',
            url_fetcher=export.url_fetcher(),
        ).render()
    refused = [record.getMessage() for record in caplog.records]
    assert len(refused) == 2 and all("disallowed protocol" in message for message in refused), refused
