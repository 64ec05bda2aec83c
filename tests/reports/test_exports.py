"""The evaluation's files: the PDF reads in Chinese with its totals and embeds a CJK font (its
first two pages are saved as PNG to look at), the workbook's totals are the frozen figures, with
a sheet per section, a row per child region and a native chart, and the CSV says the same."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader

from reports import exports, metrics
from reports.models import AnnualEvaluation
from reports.presentation import display

pytestmark = pytest.mark.django_db

SCREENSHOTS = Path(__file__).resolve().parents[2] / "artifacts" / "screenshots"


@pytest.fixture
def city_evaluation(evaluation_data):
    region = evaluation_data["regions"]["city"]
    return AnnualEvaluation.objects.create(
        region=region,
        year=2025,
        version=1,
        metrics=metrics.compute(region, metrics.Period.year(2025)),
        metrics_sha256="0" * 64,
        narrative={
            "needs": {
                "worked": "全市完成入户走访,台账覆盖全部困难家庭。",
                "not_worked": "望埠镇走访不足。",
                "plans": "明年实现每季度走访一次。",
            }
        },
    )


def _fonts(reader: PdfReader) -> set[str]:
    names = set()
    for page in reader.pages:
        fonts = page.get("/Resources", {}).get("/Font", {})
        for font in fonts.values():
            names.add(str(font.get_object().get("/BaseFont")))
    return names


def test_the_pdf_has_chinese_headings_totals_and_an_embedded_cjk_font(real_pdf, city_evaluation):
    data = exports.evaluation_pdf(city_evaluation)
    reader = PdfReader(io.BytesIO(data))
    text = "\n".join(page.extract_text() for page in reader.pages)
    compact = "".join(text.split())
    for heading in (
        "清远市2025年度慈善帮扶资源供需精准对接总结评估",
        "目录",
        "一、需求摸底情况",
        "二、资源提供方式和规模",
        "三、对接频次",
        "四、匹配情况",
        "五、供需双方满意度",
        "六、信息公开情况",
        "七、双向转介",
        "八、投诉举报",
        "九、面向慈善力量的需求信号",
        "分区划情况",
        "主要成效",
    ):
        assert heading in compact, heading
    sections = city_evaluation.metrics["sections"]
    # Totals as the tables print them: label then this year's figure
    assert "提交的申请8" in compact  # 7 in Yingde + 1 in Qingxin
    assert f"帮扶金额{display(sections['results']['figures']['value_delivered'])}" in compact
    assert "台账在册人数6" in compact
    assert "合计" in compact and "英德市" in compact and "清新区" in compact
    fonts = _fonts(reader)
    assert any("CJK" in name for name in fonts), fonts
    for page in reader.pages:  # every font is embedded (a font file in its descriptor)
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendants = font.get("/DescendantFonts")
            descriptor = (descendants[0].get_object() if descendants else font)["/FontDescriptor"]
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
    # The first two pages as pictures, to look at.
    import pypdfium2

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    document = pypdfium2.PdfDocument(data)
    for index in (0, 1, 2, 3):
        image = document[index].render(scale=1.4).to_pil()
        image.save(SCREENSHOTS / f"reports-pdf-page-{index + 1}.png")
        assert image.size[0] > 700


def test_the_workbook_totals_are_the_frozen_figures(city_evaluation):
    wb = load_workbook(io.BytesIO(exports.evaluation_xlsx(city_evaluation)))
    sections = city_evaluation.metrics["sections"]
    assert wb.sheetnames == [
        "概览",
        "1.需求摸底情况",
        "2.资源提供方式和规模",
        "3.对接频次",
        "4.匹配情况",
        "5.供需双方满意度",
        "6.信息公开情况",
        "7.双向转介",
        "8.投诉举报",
        "9.面向慈善力量的需求信号",
    ]
    for number, section in enumerate(metrics.SECTIONS, start=1):
        ws = wb.worksheets[number]
        rows = list(ws.iter_rows(values_only=True))
        headers = rows[0]
        assert headers[:2] == ("区划代码", "区划")
        assert list(headers[2:]) == [str(f.label) for f in section.child_figures]
        children = sections[section.key]["children"]
        for row, child in zip(rows[1:], children, strict=False):
            assert row[0] == child["code"] and row[1] == child["name"]
            assert list(row[2 : 2 + len(section.child_figures)]) == [
                child["figures"][f.key] for f in section.child_figures
            ]
        total = rows[1 + len(children)]
        assert total[1] == "清远市(合计)"
        assert list(total[2 : 2 + len(section.child_figures)]) == [
            sections[section.key]["figures"][f.key] for f in section.child_figures
        ]
        # a native bar chart of the child regions on each section's sheet
        assert len(ws._charts) == 1
    summary = list(wb["概览"].iter_rows(values_only=True))
    assert summary[2] == ("板块", "指标", "单位", "今年", "上年")
    by_label = {(row[0], row[1]): (row[3], row[4]) for row in summary[3:]}
    assert by_label[("对接频次", "提交的申请")] == (8, 1)
    assert by_label[("匹配情况", "帮扶金额")] == (
        sections["results"]["figures"]["value_delivered"],
        sections["results"]["previous"]["value_delivered"],
    )


def test_the_workbook_is_the_same_bytes_for_the_same_figures(city_evaluation):
    assert exports.evaluation_xlsx(city_evaluation) == exports.evaluation_xlsx(city_evaluation)


def test_a_formula_like_name_stays_text(city_evaluation):
    city_evaluation.metrics["sections"]["needs"]["children"][0]["name"] = "=HYPERLINK(1)"
    wb = load_workbook(io.BytesIO(exports.evaluation_xlsx(city_evaluation)))
    cell = wb["1.需求摸底情况"]["B2"]
    assert cell.value == "=HYPERLINK(1)" and cell.data_type == "s"
    rows = list(
        csv.reader(io.StringIO(exports.evaluation_csv(city_evaluation).decode("utf-8-sig")))
    )
    assert any(row[4] == "'=HYPERLINK(1)" for row in rows)


def test_the_csv_has_the_totals_and_a_row_per_child_region(city_evaluation):
    rows = list(
        csv.reader(io.StringIO(exports.evaluation_csv(city_evaluation).decode("utf-8-sig")))
    )
    assert rows[0] == ["板块", "指标", "单位", "区划代码", "区划", "今年", "上年"]
    assert ["对接频次", "提交的申请", "条", "441800000000", "清远市", "8", "1"] in rows
    assert ["对接频次", "提交的申请", "条", "441881000000", "英德市", "7", ""] in rows


def test_an_evaluation_without_a_section_leaves_it_out(city_evaluation):
    """An evaluation frozen before a section existed (referrals, later) renders the rest."""
    del city_evaluation.metrics["sections"]["disclosure"]
    wb = load_workbook(io.BytesIO(exports.evaluation_xlsx(city_evaluation)))
    assert "6.信息公开情况" not in wb.sheetnames
