"""Every write of the reports: building evaluations, their files, and the workflow up the tiers.

Builds and exports are claimed by a worker with a lease (a conditional update), like the
notification e-mails of accounts: a retry or a second worker does nothing while the lease runs,
and a worker that dies leaves a lease that runs out, after which the sweep hands the job to
another. A build computes everything first and writes the evaluation, its files and the end of
the build in one transaction, guarded by its own claim: a worker killed half-way leaves no
evaluation, and two workers cannot both write one.

The workflow moves by conditional updates on the status read (``filter(status=...).update``),
so two people acting at once cannot both win. The county writes its narrative to each section
and submits to the city; the city returns it with a comment or accepts it; once every county is
accepted, the city writes its own narrative and submits to the province, which accepts or
returns it. Only the current version moves.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import tempfile
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.files import save_in_place
from accounts.models import Region, User
from accounts.services import notify

from . import exports, metrics
from .models import AnnualEvaluation, EvaluationBuild, ReportExport, YearlyRun
from .presentation import NARRATIVE_PARTS

log = logging.getLogger(__name__)

S = AnnualEvaluation.Status
#: A worker holding a build or an export longer than this is taken as dead.
LEASE = dt.timedelta(minutes=20)
#: Regions that have an evaluation: the yearly job down to counties, townships on demand.
EVALUATED_LEVELS = (
    Region.Level.PROVINCE,
    Region.Level.PREFECTURE,
    Region.Level.COUNTY,
    Region.Level.TOWNSHIP,
)
YEARLY_LEVELS = (Region.Level.PROVINCE, Region.Level.PREFECTURE, Region.Level.COUNTY)
#: Tiers that submit their evaluation to the tier above (a township has no department).
SUBMITTING_LEVELS = (Region.Level.PREFECTURE, Region.Level.COUNTY)
FILE_KINDS = (ReportExport.Kind.XLSX, ReportExport.Kind.PDF, ReportExport.Kind.CSV)


class EvaluationError(ValidationError):
    """A refused step; ``code`` names why (``illegal_transition``, ``not_allowed`` ...)."""

    def __init__(self, message: Any, code: str | None = None) -> None:
        super().__init__(message, code)
        self.code = code


def _url(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


def _officers_of(region_code: str) -> list[User]:
    return list(
        User.objects.filter(role=User.Role.CIVIL_AFFAIRS, region_id=region_code, is_active=True)
    )


def _administrators() -> list[User]:
    return list(
        User.objects.filter(is_active=True).filter(
            Q(role=User.Role.ADMINISTRATOR) | Q(is_superuser=True)
        )
    )


# --- Who may do what -------------------------------------------------------------------------


def is_author(user: Any, evaluation: AnnualEvaluation) -> bool:
    """The region's own civil affairs write its narrative and submit it."""
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.CIVIL_AFFAIRS
        and user.region_id == evaluation.region_id
    )


def is_reviewer(user: Any, evaluation: AnnualEvaluation) -> bool:
    """Civil affairs of the tier above (the city for a county, the province for a city)."""
    parent = evaluation.region.parent_id
    return bool(
        user.is_authenticated
        and user.is_active
        and user.role == User.Role.CIVIL_AFFAIRS
        and parent
        and user.region_id == parent
    )


def may_build(user: Any, region: Region) -> bool:
    """Administrators build any region's evaluation; civil affairs build a township of their
    area on demand (the yearly job builds everything down to the counties)."""
    if not (user.is_authenticated and user.is_active):
        return False
    if user.is_administrator:
        return region.level in EVALUATED_LEVELS
    return (
        user.role == User.Role.CIVIL_AFFAIRS
        and region.level == Region.Level.TOWNSHIP
        and user.region is not None
        and region.code.startswith(user.region.prefix)
    )


# --- Building --------------------------------------------------------------------------------


def _check_year(year: int) -> None:
    if not 2000 <= year <= timezone.localdate().year:
        raise EvaluationError(
            {"year": [_("Choose a year from 2000 to this year.")]}, code="bad_year"
        )


def build_request(*, user: Any, region: Region, year: int) -> EvaluationBuild:
    """Ask for a region's evaluation of a year (a new version if one exists); the build runs
    in a Celery task. A build already waiting or running for the region and year is returned
    instead of a second."""
    if not may_build(user, region):
        raise EvaluationError(
            {"region": [_("You cannot build the evaluation of this region.")]}, code="not_allowed"
        )
    _check_year(year)
    try:
        with transaction.atomic():
            build = EvaluationBuild.objects.create(region=region, year=year, requested_by=user)
    except IntegrityError:
        return EvaluationBuild.objects.get(region=region, year=year, finished_at__isnull=True)
    from .tasks import build_evaluation

    build_evaluation.delay_on_commit(build.pk)
    return build


def yearly_builds_start(*, year: int) -> list[int]:
    """The 15 January job: a build of ``year`` for the province, every city and every county
    that has no evaluation of that year yet, one task each (they run in parallel on the
    workers). Idempotent: a second run makes no second build (one scheduled build per region
    and year), and hands out again only the builds that are neither finished nor held."""
    YearlyRun.objects.get_or_create(year=year)
    done = AnnualEvaluation.objects.filter(year=year).values("region_id")
    regions = (
        Region.objects.filter(level__in=YEARLY_LEVELS, valid_to__isnull=True)
        .exclude(code__in=done)
        .values_list("code", flat=True)
    )
    EvaluationBuild.objects.bulk_create(
        [EvaluationBuild(region_id=code, year=year, scheduled=True) for code in regions],
        ignore_conflicts=True,
    )
    return builds_resume(year=year, scheduled=True)


def builds_resume(*, year: int | None = None, scheduled: bool | None = None) -> list[int]:
    """Enqueue the builds that no worker holds: never claimed, or whose lease ran out (a dead
    worker). Run by the sweep every few minutes and by the yearly job."""
    from .tasks import build_evaluation

    now = timezone.now()
    pending = EvaluationBuild.objects.filter(finished_at__isnull=True).filter(
        Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE)
    )
    if year is not None:
        pending = pending.filter(year=year)
    if scheduled is not None:
        pending = pending.filter(scheduled=scheduled)
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    for build_id in ids:
        build_evaluation.delay_on_commit(build_id)
    return ids


def _claim(model: type, pk: int, now: dt.datetime, **extra: Any) -> bool:
    return bool(
        model.objects.filter(pk=pk, finished_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .update(claimed_at=now, **extra)
    )


def _progress(build: EvaluationBuild, value: int) -> None:
    EvaluationBuild.objects.filter(pk=build.pk, claimed_at=build.claimed_at).update(progress=value)


def _digest(data: Any) -> str:
    return hashlib.sha256(
        json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
    ).hexdigest()


def build_run(*, build_id: int, tell: bool = True) -> AnnualEvaluation | None:
    """Build one evaluation, if this worker can claim the build. Returns the evaluation, or
    None when the build is finished or held by another worker. ``tell=False``: nobody is
    notified (the synthetic data generator builds evaluations nobody asked for)."""
    from django.db.models import F

    now = timezone.now()
    if not _claim(EvaluationBuild, build_id, now, attempts=F("attempts") + 1, progress=5):
        return None
    build = EvaluationBuild.objects.select_related("region").get(pk=build_id)
    try:
        evaluation = _build(build)
    except Exception as exc:
        # Released for the sweep to retry; what failed is kept for the page.
        EvaluationBuild.objects.filter(pk=build.pk, claimed_at=build.claimed_at).update(
            claimed_at=None, error=str(exc)[:300], progress=0
        )
        raise
    if evaluation is not None and tell:
        _tell_built(build, evaluation)
    return evaluation


def _build(build: EvaluationBuild) -> AnnualEvaluation | None:
    region = build.region
    figures = metrics.compute(region, metrics.Period.year(build.year))
    _progress(build, 40)
    previous = (
        AnnualEvaluation.objects.filter(region=region, year=build.year, is_current=True)
        .only("narrative")
        .first()
    )
    top = AnnualEvaluation.objects.filter(region=region, year=build.year).aggregate(
        v=Max("version")
    )["v"]
    draft = AnnualEvaluation(
        region=region,
        year=build.year,
        version=(top or 0) + 1,
        metrics=figures,
        narrative=previous.narrative if previous else {},
        built_at=timezone.now(),
        built_by=build.requested_by,
    )
    rendered = {}
    for step, kind in enumerate(FILE_KINDS):
        rendered[kind] = exports.RENDERERS[kind](draft)
        _progress(build, 50 + 15 * step)
    saved: list[ReportExport] = []
    try:
        with transaction.atomic():
            return _write(build, draft, rendered, saved)
    except Exception:
        for export in saved:  # files written before the transaction rolled back
            export.file.delete(save=False)
        raise


def _write(
    build: EvaluationBuild,
    draft: AnnualEvaluation,
    rendered: dict[str, bytes],
    saved: list[ReportExport],
) -> AnnualEvaluation | None:
    # The end of the build, first and conditional on this worker's claim: a worker whose lease
    # ran out and was taken over writes nothing.
    ended = EvaluationBuild.objects.filter(
        pk=build.pk, claimed_at=build.claimed_at, finished_at__isnull=True
    ).update(finished_at=timezone.now(), progress=100, error="")
    if not ended:
        transaction.set_rollback(True)
        return None
    current = list(
        AnnualEvaluation.objects.select_for_update().filter(
            region=draft.region, year=draft.year, is_current=True
        )
    )
    AnnualEvaluation.objects.filter(pk__in=[e.pk for e in current]).update(is_current=False)
    top = AnnualEvaluation.objects.filter(region=draft.region, year=draft.year).aggregate(
        v=Max("version")
    )["v"]
    if (top or 0) + 1 != draft.version:
        # Another version was written since the files were rendered: render them again.
        raise EvaluationError(_("Another version was built meanwhile."), code="conflict")
    draft.is_current = True
    draft.metrics_sha256 = _digest(draft.metrics)
    draft.save()
    for kind, data in rendered.items():
        export = ReportExport(
            kind=kind,
            evaluation=draft,
            year=draft.year,
            status=ReportExport.Status.DONE,
            progress=100,
            requested_by=build.requested_by,
            finished_at=timezone.now(),
        )
        _attach(export, data, f"{exports.file_stem(draft)}.{kind}")
        saved.append(export)
        export.save()
    EvaluationBuild.objects.filter(pk=build.pk).update(evaluation=draft)
    return draft


def _attach(export: ReportExport, data: bytes, filename: str) -> None:
    export.filename = filename
    export.sha256 = hashlib.sha256(data).hexdigest()
    export.size = len(data)
    # Over the file of an attempt killed before its commit, if any (the version's row, unique,
    # is inserted before: no other build is writing this name now).
    save_in_place(export.file, filename, ContentFile(data))


def _tell_built(build: EvaluationBuild, evaluation: AnnualEvaluation) -> None:
    url = _url("reports:evaluation_detail", evaluation.pk)
    title = _("The %(year)s evaluation of %(region)s is ready (version %(version)s)") % {
        "year": evaluation.year,
        "region": evaluation.region.name,
        "version": evaluation.version,
    }
    recipients = _officers_of(evaluation.region_id)
    if build.requested_by is not None:
        recipients.append(build.requested_by)
    notify(recipients=recipients, title=title, url=url, kind="evaluation_built")
    if build.scheduled:
        _tell_administrators_when_done(build.year)


def _tell_administrators_when_done(year: int) -> None:
    """The last build of the yearly job tells the administrators, once."""
    if EvaluationBuild.objects.filter(year=year, scheduled=True, finished_at__isnull=True).exists():
        return
    claimed = YearlyRun.objects.filter(year=year, notified_at__isnull=True).update(
        notified_at=timezone.now()
    )
    if not claimed:
        return
    count = AnnualEvaluation.objects.filter(year=year, is_current=True).count()
    notify(
        recipients=_administrators(),
        title=_("The %(year)s evaluations are built: %(count)s regions")
        % {
            "year": year,
            "count": count,
        },
        url=_url("reports:evaluation_list") + f"?year={year}",
        kind="evaluations_built",
    )


# --- Files -----------------------------------------------------------------------------------


def export_request(*, user: Any, evaluation: AnnualEvaluation, kind: str) -> ReportExport:
    """A fresh file of an evaluation (with its narrative as it stands), built by Celery."""
    if kind not in FILE_KINDS:
        raise EvaluationError({"kind": [_("Choose a kind of file.")]}, code="bad_kind")
    export = ReportExport.objects.create(
        kind=kind, evaluation=evaluation, year=evaluation.year, requested_by=user
    )
    from .tasks import build_export

    build_export.delay_on_commit(export.pk)
    return export


def year_zip_request(*, user: Any, year: int) -> ReportExport:
    """Administrators: every county's evaluation of a year (PDF, workbook and CSV) in one zip."""
    if not (user.is_authenticated and user.is_administrator):
        raise EvaluationError(_("Only administrators download every county."), code="not_allowed")
    _check_year(year)
    if not AnnualEvaluation.objects.filter(
        year=year, is_current=True, region__level=Region.Level.COUNTY
    ).exists():
        raise EvaluationError(
            {"year": [_("No county has an evaluation of %(year)s yet.") % {"year": year}]},
            code="nothing",
        )
    export = ReportExport.objects.create(kind=ReportExport.Kind.ZIP, year=year, requested_by=user)
    from .tasks import build_export

    build_export.delay_on_commit(export.pk)
    return export


def exports_resume() -> list[int]:
    from .tasks import build_export

    now = timezone.now()
    ids = list(
        ReportExport.objects.filter(finished_at__isnull=True)
        .filter(Q(claimed_at__isnull=True) | Q(claimed_at__lt=now - LEASE))
        .filter(created_at__lt=now - dt.timedelta(minutes=2))
        .values_list("pk", flat=True)
    )
    for export_id in ids:
        build_export.delay_on_commit(export_id)
    return ids


def _export_progress(export: ReportExport, value: int) -> None:
    ReportExport.objects.filter(pk=export.pk, claimed_at=export.claimed_at).update(progress=value)


def export_run(*, export_id: int) -> ReportExport | None:
    """Render one file, if this worker can claim it."""
    from django.db.models import F

    now = timezone.now()
    claimed = _claim(
        ReportExport,
        export_id,
        now,
        attempts=F("attempts") + 1,
        status=ReportExport.Status.RUNNING,
        progress=5,
    )
    if not claimed:
        return None
    export = ReportExport.objects.select_related("evaluation__region").get(pk=export_id)
    try:
        if export.kind == ReportExport.Kind.ZIP:
            data_file, name = _year_zip(export), f"evaluations-{export.year}-counties.zip"
        else:
            data = exports.RENDERERS[export.kind](export.evaluation)
            data_file = ContentFile(data)
            name = f"{exports.file_stem(export.evaluation)}.{export.kind}"
        _export_progress(export, 95)
        digest = hashlib.sha256()
        data_file.seek(0)
        size = 0
        for chunk in iter(lambda: data_file.read(1024 * 1024), b""):
            digest.update(chunk)
            size += len(chunk)
        data_file.seek(0)
        export.file.save(name, File(data_file, name=name), save=False)
        data_file.close()
        with transaction.atomic():
            done = ReportExport.objects.filter(
                pk=export.pk, claimed_at=export.claimed_at, finished_at__isnull=True
            ).update(
                status=ReportExport.Status.DONE,
                progress=100,
                file=export.file.name,
                filename=name,
                sha256=digest.hexdigest(),
                size=size,
                finished_at=timezone.now(),
                error="",
            )
        if not done:
            export.file.delete(save=False)
            return None
    except Exception as exc:
        ReportExport.objects.filter(pk=export.pk, claimed_at=export.claimed_at).update(
            claimed_at=None, status=ReportExport.Status.QUEUED, error=str(exc)[:300]
        )
        raise
    export.refresh_from_db()
    return export


def _latest_file(evaluation: AnnualEvaluation, kind: str) -> bytes:
    export = (
        ReportExport.objects.filter(
            evaluation=evaluation, kind=kind, status=ReportExport.Status.DONE
        )
        .exclude(file="")
        .order_by("-finished_at", "-pk")
        .first()
    )
    if export is not None:
        try:
            with export.file.open("rb") as handle:
                return handle.read()
        except FileNotFoundError:
            log.warning("report file %s is missing; rendering it again", export.file.name)
    return exports.RENDERERS[kind](evaluation)


def _year_zip(export: ReportExport) -> Any:
    """Every county's current evaluation of the year, by city: the latest file of each kind
    (rendered now if there is none), into a temporary file."""
    counties = list(
        AnnualEvaluation.objects.filter(
            year=export.year, is_current=True, region__level=Region.Level.COUNTY
        )
        .select_related("region__parent")
        .order_by("region_id")
    )

    def items():
        for index, evaluation in enumerate(counties, start=1):
            city = evaluation.region.parent.name if evaluation.region.parent else ""
            stem = f"{evaluation.region_id}-{evaluation.region.name}-{evaluation.year}"
            for kind in FILE_KINDS:
                yield f"{city}/{stem}-v{evaluation.version}.{kind}", _latest_file(evaluation, kind)
            _export_progress(export, 5 + int(85 * index / max(len(counties), 1)))

    # Closed by export_run once the storage has copied it.
    target = tempfile.TemporaryFile()  # noqa: SIM115
    exports.counties_zip(items(), target, day=dt.date(export.year + 1, 1, 1))
    target.seek(0)
    return File(target)


# --- The workflow ----------------------------------------------------------------------------


def _require_current(evaluation: AnnualEvaluation) -> None:
    if not evaluation.is_current:
        raise EvaluationError(
            _("This is an old version; open the current one."), code="not_current"
        )


def _move(
    evaluation: AnnualEvaluation, to: str, *, expected: tuple[str, ...], **values: Any
) -> None:
    if evaluation.status not in expected or not evaluation.can_move_to(to):
        raise EvaluationError(
            _("An evaluation that is “%(current)s” cannot become “%(target)s”.")
            % {"current": evaluation.get_status_display(), "target": S(to).label},
            code="illegal_transition",
        )
    now = timezone.now()
    updated = AnnualEvaluation.objects.filter(
        pk=evaluation.pk, status__in=list(expected), is_current=True
    ).update(status=to, updated_at=now, **values)
    if not updated:
        raise EvaluationError(
            _("The evaluation was changed by someone else meanwhile. Reload and try again."),
            code="conflict",
        )
    evaluation.status = to
    for name, value in values.items():
        setattr(evaluation, name, value)


def narrative_missing(evaluation: AnnualEvaluation) -> list[str]:
    """Sections of the evaluation with no narrative yet (their titles)."""
    missing = []
    for section in metrics.SECTIONS:
        if section.key not in evaluation.metrics.get("sections", {}):
            continue
        parts = evaluation.narrative.get(section.key) or {}
        if not any((parts.get(key) or "").strip() for key, _label in NARRATIVE_PARTS):
            missing.append(str(section.title))
    return missing


MAX_NARRATIVE = 5000


@transaction.atomic
def narrative_save(
    *, user: Any, evaluation: AnnualEvaluation, section: str, parts: dict[str, str]
) -> AnnualEvaluation:
    """The region's own civil affairs write what worked, what did not and the plans for a
    section, while the evaluation is a draft or returned."""
    if not is_author(user, evaluation):
        raise EvaluationError(
            _("Only the civil affairs of %(region)s write its narrative.")
            % {"region": evaluation.region.name},
            code="not_allowed",
        )
    if section not in metrics.SECTION_BY_KEY or section not in evaluation.metrics.get(
        "sections", {}
    ):
        raise EvaluationError({"section": [_("Unknown section.")]}, code="bad_section")
    errors = {
        key: [_("At most %(count)s characters.") % {"count": MAX_NARRATIVE}]
        for key, _label in NARRATIVE_PARTS
        if len(parts.get(key) or "") > MAX_NARRATIVE
    }
    if errors:
        raise EvaluationError(errors, code="too_long")
    locked = AnnualEvaluation.objects.select_for_update().get(pk=evaluation.pk)
    _require_current(locked)
    if locked.status not in AnnualEvaluation.EDITABLE:
        raise EvaluationError(
            _("The evaluation is “%(status)s”: the narrative can no longer be changed.")
            % {"status": locked.get_status_display()},
            code="not_editable",
        )
    narrative = dict(locked.narrative or {})
    narrative[section] = {key: (parts.get(key) or "").strip() for key, _label in NARRATIVE_PARTS}
    AnnualEvaluation.objects.filter(pk=locked.pk).update(
        narrative=narrative, updated_at=timezone.now()
    )
    evaluation.narrative = narrative
    return evaluation


@transaction.atomic
def evaluation_submit(*, user: Any, evaluation: AnnualEvaluation) -> AnnualEvaluation:
    """The county (or the city) sends its evaluation to the tier above: with a narrative for
    every section, and for a city once every county's evaluation is accepted."""
    if not is_author(user, evaluation):
        raise EvaluationError(
            _("Only the civil affairs of %(region)s submit its evaluation.")
            % {"region": evaluation.region.name},
            code="not_allowed",
        )
    _require_current(evaluation)
    if evaluation.region.level not in SUBMITTING_LEVELS:
        raise EvaluationError(
            _("A province's evaluation is not submitted to another tier."), code="no_tier_above"
        )
    missing = narrative_missing(evaluation)
    if missing:
        raise EvaluationError(
            _("Write the narrative of every section first: %(sections)s.")
            % {"sections": "、".join(missing)},
            code="narrative_missing",
        )
    if evaluation.region.level == Region.Level.PREFECTURE:
        waiting = counties_not_accepted(evaluation)
        if waiting:
            raise EvaluationError(
                _("Every county's evaluation must be accepted first: %(counties)s.")
                % {"counties": "、".join(waiting)},
                code="counties_waiting",
            )
    _move(
        evaluation,
        S.SUBMITTED,
        expected=(S.DRAFT, S.RETURNED),
        submitted_at=timezone.now(),
        submitted_by=user,
    )
    parent = evaluation.region.parent_id
    if parent:
        notify(
            recipients=_officers_of(parent),
            title=_("%(region)s submitted its %(year)s evaluation")
            % {"region": evaluation.region.name, "year": evaluation.year},
            url=_url("reports:evaluation_detail", evaluation.pk),
            kind="evaluation_submitted",
        )
    return evaluation


def counties_not_accepted(evaluation: AnnualEvaluation) -> list[str]:
    """The child counties of a city whose current evaluation of the year is not accepted (or
    missing)."""
    counties = Region.objects.filter(
        parent=evaluation.region, level=Region.Level.COUNTY, valid_to__isnull=True
    ).order_by("code")
    accepted = set(
        AnnualEvaluation.objects.filter(
            region__in=counties, year=evaluation.year, is_current=True, status=S.ACCEPTED
        ).values_list("region_id", flat=True)
    )
    return [county.name for county in counties if county.code not in accepted]


def _require_reviewer(user: Any, evaluation: AnnualEvaluation) -> None:
    if not is_reviewer(user, evaluation):
        parent = evaluation.region.parent
        raise EvaluationError(
            _("Only the civil affairs of %(region)s review this evaluation.")
            % {"region": parent.name if parent else "—"},
            code="not_allowed",
        )
    _require_current(evaluation)


@transaction.atomic
def evaluation_return(*, user: Any, evaluation: AnnualEvaluation, comment: str) -> AnnualEvaluation:
    """The tier above sends a submitted evaluation back with a comment."""
    _require_reviewer(user, evaluation)
    comment = (comment or "").strip()
    if not comment:
        raise EvaluationError({"comment": [_("Say what must change.")]}, code="comment_missing")
    _move(
        evaluation,
        S.RETURNED,
        expected=(S.SUBMITTED,),
        reviewed_at=timezone.now(),
        reviewed_by=user,
        review_comment=comment[:MAX_NARRATIVE],
    )
    notify(
        recipients=_officers_of(evaluation.region_id),
        title=_("Your %(year)s evaluation was returned by %(region)s")
        % {"year": evaluation.year, "region": user.region.name},
        body=comment,
        url=_url("reports:evaluation_detail", evaluation.pk),
        kind="evaluation_returned",
    )
    return evaluation


@transaction.atomic
def evaluation_accept(*, user: Any, evaluation: AnnualEvaluation) -> AnnualEvaluation:
    _require_reviewer(user, evaluation)
    _move(
        evaluation,
        S.ACCEPTED,
        expected=(S.SUBMITTED,),
        reviewed_at=timezone.now(),
        reviewed_by=user,
    )
    notify(
        recipients=_officers_of(evaluation.region_id),
        title=_("Your %(year)s evaluation was accepted by %(region)s")
        % {"year": evaluation.year, "region": user.region.name},
        url=_url("reports:evaluation_detail", evaluation.pk),
        kind="evaluation_accepted",
    )
    return evaluation


def bytes_of(export: ReportExport) -> bytes:
    with export.file.open("rb") as handle:
        return handle.read()
