"""Chinese everywhere, the rules behind the crawl (tests/accounts/test_chinese_everywhere.py):
Django's own messages in good Chinese, one catalogue that does not change Django's words by
accident, one term for one thing, labels instead of stored values (field names, choices,
periods, the change history), our error pages with DEBUG on."""

from __future__ import annotations

import glob
from pathlib import Path

import polib
import pytest
from django import forms
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.functional import Promise

from accounts.text import join_sentences

CATALOGUE = Path(settings.BASE_DIR) / "locale/zh_Hans/LC_MESSAGES/django.po"


def ours() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


# --- Django's messages ------------------------------------------------------------------------


def test_a_text_too_long_is_told_in_plain_chinese():
    field = forms.CharField(max_length=50)
    with pytest.raises(forms.ValidationError) as error:
        field.clean("长" * 51)
    assert error.value.messages == ["最多 50 个字(现有 51 个)。"]


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (forms.CharField(), "", "此项必填。"),
        (forms.CharField(min_length=2), "长", "最少 2 个字(现有 1 个)。"),
        (forms.IntegerField(max_value=10), "11", "不能大于 10。"),
        (forms.IntegerField(min_value=1), "0", "不能小于 1。"),
        (forms.DecimalField(max_digits=5, decimal_places=2), "1.234", "小数最多 2 位。"),
        (forms.DateField(), "明天", "请填写有效的日期,例如 2026-03-01。"),
        (forms.EmailField(), "不是邮箱", "请填写有效的电子邮箱地址。"),
        (forms.ChoiceField(choices=[("a", "甲")]), "b", "请从列表中选择:没有“b”这一项。"),
    ],
)
def test_djangos_messages_next_to_a_field_read_as_chinese_people_write(field, value, message):
    with pytest.raises(forms.ValidationError) as error:
        field.clean(value)
    assert error.value.messages == [message]


#: Django msgids our catalogue translates differently from Django's own catalogues, on purpose:
#: Django's wording reads badly (accounts/django_strings.py lists these), or ours is better for
#: the same meaning everywhere it appears (the admin included).
DELIBERATE = {
    "Administration",
    "Filter",
    "Action",
    "Log out",
    "Page not found",
    "Hold down “Control”, or “Command” on a Mac, to select more than one.",
    # 移除, not 删除: taking a choice out of a list deletes nothing (the admin's too).
    "Remove",
}


def _djangos() -> dict[tuple[str | None, str], str]:
    site = Path(forms.__file__).resolve().parents[2]
    translations: dict[tuple[str | None, str], str] = {}
    for path in glob.glob(str(site / "**/locale/zh_Hans/LC_MESSAGES/django.po"), recursive=True):
        for entry in polib.pofile(path):
            if entry.msgstr and not entry.obsolete:
                translations.setdefault((entry.msgctxt, entry.msgid), entry.msgstr)
    return translations


def test_our_catalogue_changes_djangos_words_only_on_purpose():
    """Our catalogue comes first: a msgid of ours that Django also uses ("Change") changes the
    admin's word too (it read 变化, "variation", on every admin page). A word that means
    something else in our pages gets a context (pgettext) instead."""
    from accounts import django_strings

    overriding = DELIBERATE | set(_msgids_of(django_strings))
    djangos = _djangos()
    changed = sorted(
        entry.msgid
        for entry in ours()
        if (entry.msgctxt, entry.msgid) in djangos
        and entry.msgstr
        and entry.msgstr != djangos[(entry.msgctxt, entry.msgid)]
        and entry.msgid not in overriding
    )
    assert changed == []


def _msgids_of(module) -> list[str]:
    import ast
    import inspect

    tree = ast.parse(inspect.getsource(module))
    return [
        node.args[0].value
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and getattr(node.func, "id", "") in {"gettext", "ngettext"}
        and isinstance(node.args[0], ast.Constant)
    ]


def test_every_django_and_library_string_we_keep_is_translated():
    from accounts import django_strings

    entries = {e.msgid: e for e in ours()}
    listed = _msgids_of(django_strings)
    assert len(listed) > 80
    untranslated = [
        m
        for m in listed
        if m not in entries or not (entries[m].msgstr or any(entries[m].msgstr_plural.values()))
    ]
    assert untranslated == []


# --- One term for one thing --------------------------------------------------------------------

#: A term people read, and the words for the same thing that must not appear beside it.
GLOSSARY = {"简化程序": ["简易程序"]}


def test_one_thing_has_one_name_in_the_catalogue():
    texts = [e.msgstr for e in ours()] + [s for e in ours() for s in e.msgstr_plural.values()]
    clashes = [
        (term, other)
        for term, others in GLOSSARY.items()
        for other in others
        for t in texts
        if other in t
    ]
    assert clashes == []


def test_sentences_are_put_together_without_stray_punctuation():
    assert join_sentences(["家庭已保存。", "已撤回 2 项申请。"]) == "家庭已保存。已撤回 2 项申请。"
    assert join_sentences(["请在 10 天内答复。", ""]) == "请在 10 天内答复。"
    assert join_sentences(["Saved.", "Withdrawn."]) == "Saved. Withdrawn."


# --- Labels, not stored values ------------------------------------------------------------------


def test_every_field_and_model_of_ours_has_a_translated_name():
    """The admin, the change history and the forms read verbose names: one left to Django
    ("answered by", "ledger removal") shows in English."""
    untranslated = []
    for app in ("accounts", "needs", "supply", "matching", "referrals", "reports", "oversight"):
        for model in apps.get_app_config(app).get_models():
            meta = model._meta
            if not isinstance(meta.verbose_name, Promise):
                untranslated.append(meta.label)
            if (
                "{}s" in str(getattr(meta.verbose_name_plural, "_args", ""))
                or not str(meta.verbose_name_plural).strip()
            ):
                untranslated.append(f"{meta.label} (plural)")
            for field in meta.concrete_fields:
                if not field.primary_key and not isinstance(field.verbose_name, Promise):
                    untranslated.append(f"{meta.label}.{field.name}")
    assert untranslated == []


def test_a_half_year_is_said_in_words():
    from supply.periods import period_label

    assert period_label("2026-H2") == "2026年下半年"
    assert period_label("2027-H1") == "2027年上半年"


def test_every_empty_choice_says_please_choose(db):
    from accounts.models import Region, User

    class PersonForm(forms.ModelForm):
        class Meta:
            model = User
            fields = ["region"]

    class RegionForm(forms.ModelForm):
        class Meta:
            model = Region
            fields = ["kind"]

    assert PersonForm().fields["region"].empty_label == "请选择"
    assert next(iter(RegionForm().fields["kind"].choices)) == ("", "请选择")
    assert [(value, str(label)) for value, label in models.BLANK_CHOICE_DASH] == [("", "请选择")]


def test_every_kind_of_sensitive_read_has_a_name():
    from accounts.audit import access_field_label
    from accounts.models import User
    from needs.excel import FULL_EXPORT_FIELD
    from needs.id_lookups import CHECK, SEARCH
    from needs.models import Member

    assert access_field_label(Member, "phone") == "联系电话"
    assert access_field_label(Member, "id_number") == "身份证号码"
    assert access_field_label(User, "phone") == "手机号码"
    for name in (CHECK, SEARCH, FULL_EXPORT_FIELD):
        label = access_field_label(Member, name)
        assert label != name and label.isascii() is False


# --- Error pages with DEBUG on -----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("address", ["/no-such-page/", "/needs/households/999999999/"])
def test_a_wrong_address_gets_our_chinese_page_with_debug_on(client, settings, worker, address):
    settings.DEBUG = True
    client.force_login(worker)
    response = client.get(address)
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "返回首页" in page
    assert "URLconf" not in page and "Django" not in page


@pytest.mark.django_db
def test_a_developer_may_keep_djangos_technical_page(client, settings):
    settings.DEBUG = True
    settings.TECHNICAL_ERROR_PAGES = True
    page = client.get("/no-such-page/").content.decode()
    assert "URLconf" in page


@pytest.mark.django_db
def test_a_wrong_api_address_still_answers_json_with_debug_on(client, settings, worker):
    settings.DEBUG = True
    client.force_login(worker)
    response = client.get("/api/needs/needs/abc/")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.django_db
def test_a_missing_slash_is_still_added_with_debug_on(client, settings):
    settings.DEBUG = True
    response = client.get("/login")
    assert response.status_code == 301 and response["Location"] == "/login/"


def _broken(request):
    raise RuntimeError("boom")


def _bad(request):
    from django.core.exceptions import BadRequest

    raise BadRequest("bad")


def _urls():
    from django.urls import path

    import config.urls

    return [path("boom/", _broken), path("bad/", _bad), *config.urls.urlpatterns]


urlpatterns = _urls()
handler404 = "accounts.api.errors.page_not_found"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_an_uncaught_error_shows_our_page_with_debug_on_and_is_still_raised(client, settings):
    settings.DEBUG = True
    with pytest.raises(RuntimeError):  # the test client raises what Django signalled and logged
        client.get("/boom/")
    client.raise_request_exception = False
    response = client.get("/boom/")
    page = response.content.decode()
    assert response.status_code == 500
    assert "系统出现错误" in page
    assert "Traceback" not in page and "RuntimeError" not in page


# --- The audit pages and the admin -------------------------------------------------------------


@pytest.fixture
def admin_client(client, administrator):
    administrator.is_superuser = True
    administrator.save()
    client.force_login(administrator)
    return client


@pytest.fixture
def household(worker, regions):
    from ..needs.factories import make_household, member_input

    code = regions["township_a1"].code
    return make_household(
        worker,
        regions["township_a1"],
        members=[
            member_input("王秀英", sex="female", region_code=code),
            member_input("王小明", relation="child", age=9, region_code=code),
        ],
        gap_class="covered_still_in_difficulty",
    )


def _visible(html: str) -> str:
    from .test_chinese_everywhere import VisibleText

    page = VisibleText()
    page.feed(html)
    return page.text


@pytest.mark.django_db
def test_the_change_history_says_what_changed_in_words(admin_client, household, regions):
    """GIVEN a household recorded with its members
    WHEN an administrator reads the change history (audit page and Django admin)
    THEN fields are named by their labels, values by their choices' labels, relations by the
    related record's name; no None, no field name, no model label, no internal id."""
    from auditlog.models import LogEntry

    page = _visible(admin_client.get("/audit/", {"tab": "changes"}).content.decode())
    assert "性别:— → 女" in page
    assert "与户主关系:— → 子女" in page
    assert "沙口镇" in page  # the household's region, by name
    assert "王秀英" in page  # the member, by name
    for raw in ("None", "sex", "female", "needs.", "covered_still_in_difficulty", "#"):
        assert raw not in page, raw

    entry = LogEntry.objects.filter(content_type__model="member").first()
    admin_page = _visible(
        admin_client.get(f"/admin/auditlog/logentry/{entry.pk}/change/").content.decode()
    )
    assert "性别" in admin_page and "女" in admin_page
    assert "None" not in admin_page and "Correlation" not in admin_page


@pytest.mark.django_db
def test_a_sensitive_read_names_the_record_and_the_field(admin_client, household, colleague):
    from accounts.services import sensitive_field_reveal

    member = household.members.get(name="王秀英")
    sensitive_field_reveal(user=colleague, instance=member, field_name="id_number", reason="核对")

    page = _visible(admin_client.get("/audit/").content.decode())
    assert f"成员 王秀英 · {household.code}" in page
    assert "身份证号码" in page
    assert "id_number" not in page and "#" not in page


@pytest.mark.django_db
def test_the_admin_names_the_libraries_pages_in_chinese(admin_client):
    page = _visible(admin_client.get("/admin/").content.decode())
    for name in ("登录锁定", "登录尝试", "登录记录", "变更记录", "敏感信息查看记录"):
        assert name in page, name
    for english in ("Axes", "Audit log", "Access attempts", "变化"):
        assert english not in page, english
    assert "修改" in page  # Django's word for "Change", not ours for an import's changes


@pytest.mark.django_db
def test_group_permissions_read_as_words(admin_client):
    page = _visible(admin_client.get("/admin/auth/group/add/").content.decode())
    assert "需求台账 | 家庭 | 可增加" in page
    assert "Can add" not in page and "Control" not in page


@pytest.mark.django_db
def test_the_change_history_page_runs_a_bounded_number_of_queries(
    admin_client, worker, regions, django_assert_max_num_queries
):
    """Names of related records are read once per related model for the whole page."""
    from ..needs.factories import make_household, member_input

    code = regions["township_a1"].code
    for n in range(8):
        make_household(
            worker,
            regions["township_a1"],
            members=[member_input(f"测试{n}", region_code=code)],
            address=f"沙口村 {n} 号",
        )
    with django_assert_max_num_queries(14):
        response = admin_client.get("/audit/", {"tab": "changes"})
    assert response.status_code == 200


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_bad_request_shows_our_page_with_debug_on(client, settings):
    settings.DEBUG = True
    response = client.get("/bad/")
    page = response.content.decode()
    assert response.status_code == 400
    assert "请求有误" in page and "无法处理该请求" in page
    assert "Traceback" not in page and "BadRequest" not in page
