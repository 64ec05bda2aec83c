"""The report pages, files and API in the user's scope: the owner, the tier above, a
neighbouring county (404 everywhere), a social worker and a charity (no reports at all).

The crawl: a county officer follows every link of the report pages and the API and reads every
file; no other county's name, code or figure appears anywhere.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from urllib.parse import urljoin, urlparse

import pytest
from django.urls import reverse
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import services
from reports.models import AnnualEvaluation, EvaluationBuild, ReportExport

from ..factories import DEMO_PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def officers(regions):
    return {
        "yingde": UserFactory(
            username="yd", name="英德市民政局", role="civil_affairs", region=regions["county_a"]
        ),
        "qingxin": UserFactory(
            username="qx", name="清新区民政局", role="civil_affairs", region=regions["county_b"]
        ),
        "city": UserFactory(
            username="qy", name="清远市民政局", role="civil_affairs", region=regions["city"]
        ),
    }


@pytest.fixture
def built(evaluation_data, administrator, django_capture_on_commit_callbacks):
    """Built evaluations of 2025 for both counties and the city, with their files."""
    regions = evaluation_data["regions"]
    with django_capture_on_commit_callbacks(execute=True):
        for key in ("county_a", "county_b", "city"):
            services.build_request(user=administrator, region=regions[key], year=2025)
    return {
        key: AnnualEvaluation.objects.get(region=regions[key], is_current=True)
        for key in ("county_a", "county_b", "city")
    }


def client_for(client, user):
    client.force_login(user)
    return client


# --- The crawl -------------------------------------------------------------------------------

OUTSIDE = ("清新区", "太和镇", "441803", "清新助老", "太和社工")


def _text_of(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "pdf" in content_type:
        return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(body)).pages)
    if "spreadsheetml" in content_type:
        wb = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            " ".join(str(v) for v in row if v is not None)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
        )
    if "zip" in content_type:
        with zipfile.ZipFile(io.BytesIO(body)) as archive:
            return "\n".join(archive.namelist())
    return body.decode("utf-8", errors="replace")


def _links(response, text: str) -> list[str]:
    """Links a person or a client would follow: href and hx-get of pages, URLs in JSON."""
    content_type = response.get("Content-Type", "")
    if "html" in content_type:
        return re.findall(r'(?:href|hx-get)="([^"#]+)', text)
    if "json" in content_type:
        return re.findall(r'"(/(?:reports|api/reports)/[^"]*)"', text)
    return []


def test_a_county_officer_crawling_every_report_page_file_and_api_sees_no_other_county(
    real_pdf, client, built, officers
):
    client_for(client, officers["yingde"])
    start = [
        reverse("reports:dashboard"),
        reverse("reports:evaluation_list"),
        reverse("reports:dashboard_card"),
        reverse("reports_api:evaluation_list"),
        reverse("reports_api:evaluation_list") + "?current=false",
        reverse("reports_api:metrics"),
        reverse("reports_api:evaluation_detail", args=[built["county_a"].pk]),
        reverse("reports_api:evaluation_files", args=[built["county_a"].pk]),
    ]
    seen: set[str] = set()
    queue = list(start)
    texts = 0
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        assert response.status_code == 200, url
        text = _text_of(response)
        texts += 1
        for word in OUTSIDE:
            assert word not in text, (url, word)
        for target in _links(response, text):
            target = urljoin("http://testserver" + url, target.replace("&amp;", "&"))
            parsed = urlparse(target)
            if parsed.path.startswith(("/reports/", "/api/reports/")):
                queue.append(parsed.path + (f"?{parsed.query}" if parsed.query else ""))
    assert texts >= 15
    downloads = [u for u in seen if "download" in u]
    assert len(downloads) >= 3  # the PDF, workbook and CSV were read
    assert any("/reports/evaluations/" in u for u in seen)


@pytest.mark.parametrize("who", ["qingxin", "worker", "charity"])
def test_strangers_get_404_for_every_report_of_yingde(client, built, officers, who, request):
    user = officers.get(who) or request.getfixturevalue(
        {"worker": "outsider", "charity": "charity_user"}[who]
    )
    client_for(client, user)
    evaluation = built["county_a"]
    export = evaluation.exports.first()
    for url in [
        reverse("reports:evaluation_detail", args=[evaluation.pk]),
        reverse("reports:export_download", args=[export.pk]),
        reverse("reports:export_status", args=[export.pk]),
        reverse("reports_api:evaluation_detail", args=[evaluation.pk]),
        reverse("reports_api:evaluation_files", args=[evaluation.pk]),
        reverse("reports_api:file_download", args=[export.pk]),
        reverse("reports:dashboard") + "?region=441881000000",
        reverse("reports_api:metrics") + "?region=441881000000",
    ]:
        assert client.get(url).status_code == 404, url
    for url in [
        reverse("reports:narrative_save", args=[evaluation.pk, "needs"]),
        reverse("reports:evaluation_submit", args=[evaluation.pk]),
        reverse("reports:evaluation_return", args=[evaluation.pk]),
        reverse("reports:evaluation_accept", args=[evaluation.pk]),
        reverse("reports:export_create", args=[evaluation.pk]),
    ]:
        assert client.post(url, {"comment": "x", "kind": "pdf"}).status_code == 404, url
    listed = client.get(reverse("reports_api:evaluation_list")).json()
    assert all(row["region"]["code"] != "441881000000" for row in listed.get("results", []))


def test_social_workers_and_charities_have_no_report_pages(client, built, worker, charity_user):
    for user in (worker, charity_user):
        client_for(client, user)
        assert client.get(reverse("reports:dashboard")).status_code == 404
        assert client.get(reverse("reports:evaluation_list")).status_code == 404
        assert client.get(reverse("reports_api:evaluation_list")).json()["count"] == 0


def test_the_city_sees_its_counties_side_by_side(client, built, officers):
    client_for(client, officers["city"])
    page = client.get(reverse("reports:evaluation_detail", args=[built["city"].pk]))
    html = page.content.decode()
    assert page.status_code == 200
    side = html[html.index('id="side-by-side"') :]
    assert "英德市" in side and "清新区" in side
    listed = client.get(reverse("reports:evaluation_list") + "?year=2025").content.decode()
    assert "英德市" in listed and "清新区" in listed and "清远市" in listed


def test_the_dashboard_drills_down_and_refuses_bad_days_with_a_message(
    client, built, officers, frozen_clock
):
    client_for(client, officers["city"])
    page = client.get(reverse("reports:dashboard") + "?start=2025-01-01&end=2025-12-31")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="dashboard-data"' in html and "echarts.min.js" in html
    assert "?region=441881000000" in html.replace("&amp;", "&")  # a drill-down link
    county = client.get(
        reverse("reports:dashboard") + "?region=441881000000&start=2025-01-01&end=2025-12-31"
    )
    assert county.status_code == 200
    assert "沙口镇" in county.content.decode()
    bad = client.get(reverse("reports:dashboard") + "?start=2025-12-31&end=2025-01-01")
    assert bad.status_code == 400
    assert "结束日期不能早于开始日期" in bad.content.decode() or "end comes" in bad.content.decode()
    assert 'value="2025-12-31"' in bad.content.decode()  # the input is kept
    nonsense = client.get(reverse("reports:dashboard") + "?start=２０２５&end=abc")
    assert nonsense.status_code == 400


def test_the_county_writes_and_submits_through_the_pages(client, built, officers):
    evaluation = built["county_a"]
    client_for(client, officers["yingde"])
    refused = client.post(reverse("reports:evaluation_submit", args=[evaluation.pk]))
    assert refused.status_code == 400
    assert 'id="refusal"' in refused.content.decode()
    for section in evaluation.metrics["sections"]:
        response = client.post(
            reverse("reports:narrative_save", args=[evaluation.pk, section]),
            {f"{section}-worked": "成效明显", f"{section}-not_worked": "", f"{section}-plans": ""},
        )
        assert response.status_code == 302
    assert (
        client.post(reverse("reports:evaluation_submit", args=[evaluation.pk])).status_code == 302
    )
    evaluation.refresh_from_db()
    assert evaluation.status == AnnualEvaluation.Status.SUBMITTED
    client_for(client, officers["city"])
    empty = client.post(reverse("reports:evaluation_return", args=[evaluation.pk]), {"comment": ""})
    assert empty.status_code == 400
    ok = client.post(
        reverse("reports:evaluation_return", args=[evaluation.pk]), {"comment": "补充"}
    )
    assert ok.status_code == 302
    evaluation.refresh_from_db()
    assert evaluation.status == AnnualEvaluation.Status.RETURNED


def test_an_export_is_built_by_a_task_and_downloaded_through_the_scope(
    client, built, officers, django_capture_on_commit_callbacks
):
    evaluation = built["county_a"]
    client_for(client, officers["yingde"])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(
            reverse("reports:export_create", args=[evaluation.pk]),
            {"kind": "csv"},
            HTTP_HX_REQUEST="true",
        )
    export = ReportExport.objects.latest("pk")
    # The request only queued it: the file is built by the task after commit.
    assert export.status == ReportExport.Status.QUEUED and not export.file
    assert response.status_code == 200 and "hx-trigger" in response.content.decode()
    assert len(callbacks) == 1
    callbacks[0]()
    export.refresh_from_db()
    assert export.is_ready
    status = client.get(reverse("reports:export_status", args=[export.pk])).content.decode()
    assert "hx-trigger" not in status and reverse("reports:export_download", args=[export.pk]) in (
        status
    )
    download = client.get(reverse("reports:export_download", args=[export.pk]))
    assert download.status_code == 200
    assert "attachment" in download["Content-Disposition"]
    # Never from MEDIA_URL: the media folder is not served
    assert client.get(f"/media/{export.file.name}").status_code == 404


def test_an_administrator_builds_and_downloads_the_zip_of_every_county(
    client, built, administrator, django_capture_on_commit_callbacks
):
    client_for(client, administrator)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reports:zip_create"), {"zip-year": "2025"})
    assert response.status_code == 302
    export = ReportExport.objects.get(kind="zip")
    assert export.is_ready
    data = b"".join(
        client.get(reverse("reports:export_download", args=[export.pk])).streaming_content
    )
    names = zipfile.ZipFile(io.BytesIO(data)).namelist()
    assert sorted(n.rsplit(".", 1)[1] for n in names) == [
        "csv",
        "csv",
        "pdf",
        "pdf",
        "xlsx",
        "xlsx",
    ]
    assert any("英德市" in n for n in names) and any("清新区" in n for n in names)
    assert not any("清远市-2025" in n for n in names)  # counties only


def test_a_county_officer_cannot_ask_for_the_zip(client, built, officers):
    client_for(client, officers["yingde"])
    assert client.post(reverse("reports:zip_create"), {"zip-year": "2025"}).status_code == 404


def test_the_build_form_refuses_a_region_out_of_reach_with_a_message(
    client, built, officers, administrator
):
    client_for(client, officers["yingde"])
    response = client.post(
        reverse("reports:build_create"), {"region": "441803102000", "year": "2025"}
    )
    assert response.status_code == 400
    assert "is-invalid" in response.content.decode()
    assert not EvaluationBuild.objects.filter(region_id="441803102000").exists()


def test_the_evaluation_list_runs_a_bounded_number_of_queries(
    client, built, administrator, django_assert_max_num_queries
):
    client_for(client, administrator)
    with django_assert_max_num_queries(20):
        assert client.get(reverse("reports:evaluation_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("reports_api:evaluation_list")).status_code == 200


def test_the_csv_is_chinese_and_opens_in_excel(built):
    export = built["county_a"].exports.get(kind="csv")
    text = services.bytes_of(export).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert rows[0] == ["板块", "指标", "单位", "区划代码", "区划", "今年", "上年"]


def test_login_password_is_the_demo_one():
    assert DEMO_PASSWORD
