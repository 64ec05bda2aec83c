"""The annual evaluations' synthetic data (``manage.py generate_data``, ``accounts.generator``).

Last year's annual evaluation (总结评估) of the province, built the way the 15 January job
builds it: a scheduled build request (``EvaluationBuild``) run at once by
``reports.services.build_run`` — every section's figures over the rows the other apps made (and
any others in the database), the workbook, the PDF and the CSV — with nobody notified. A draft,
version 1, built by nobody (as the job's). Left as it is when the province already has an
evaluation of that year. The cities and counties are left to the job (``yearly_builds_start``):
each build takes 3–5 s even at scale 0.1, most of it the files, so the 21 cities would add
over a minute; the province takes about 5 s at scale 0.1 and 16 s at 1.0.

The build writes its files under MEDIA_ROOT when it runs, not when the generator's transaction
commits: a generation that fails after this step leaves those files behind (a later build of
the same version writes over them), as a build whose worker died does.
"""

from __future__ import annotations

from django.utils.translation import pgettext

from accounts.generator import Context


def generate(ctx: Context) -> None:
    from accounts.models import Region
    from reports import services
    from reports.models import AnnualEvaluation, EvaluationBuild

    year = ctx.today.year - 1
    done = AnnualEvaluation.objects.filter(year=year).values("region_id")
    regions = list(
        Region.objects.filter(
            level=Region.Level.PROVINCE,
            valid_to__isnull=True,
            is_synthetic=False,
        )
        .exclude(code__in=done)
        .order_by("code")
    )
    built = 0
    for region in regions:
        with ctx.step(region.name):
            build = EvaluationBuild.objects.create(region=region, year=year, scheduled=True)
            if services.build_run(build_id=build.pk, tell=False) is not None:
                built += 1
    ctx.record(pgettext("generated rows", "annual evaluations"), built)
