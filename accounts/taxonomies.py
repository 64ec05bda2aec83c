"""The domain's shared vocabularies (DOMAIN.md §4), used by needs, supply and matching alike.

They live in accounts, the lowest app, so that supply can describe a project's eligibility in
the same terms as needs describes a person without either importing the other.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AssistanceStatus(models.TextChoices):
    """Assistance status of a person (may hold several, each with dates)."""

    DIBAO = "dibao", _("Minimum living allowance (dibao)")
    TEKUN = "tekun", _("Person in extreme poverty (tekun)")
    DIBAO_MARGINAL = "dibao_marginal", _("Dibao-marginal family member")
    RIGID_EXPENDITURE_HARDSHIP = "rigid_expenditure_hardship", _("Rigid-expenditure hardship")
    RELAPSE_MONITORED = "relapse_monitored", _("Monitored against relapse into poverty")
    TEMPORARY_ASSISTANCE = "temporary_assistance", _("Temporary assistance")


#: Statuses classified by civil affairs: a charity helping them uses a simplified procedure.
CLASSIFIED_STATUSES = frozenset(
    {
        AssistanceStatus.DIBAO,
        AssistanceStatus.TEKUN,
        AssistanceStatus.DIBAO_MARGINAL,
        AssistanceStatus.RIGID_EXPENDITURE_HARDSHIP,
    }
)


class GapClass(models.TextChoices):
    """The two groups the home visits look for (seed 000)."""

    NOT_ELIGIBLE_IN_DIFFICULTY = (
        "not_eligible_in_difficulty",
        _("Not eligible for safety-net aid but in difficulty"),
    )
    COVERED_STILL_IN_DIFFICULTY = (
        "covered_still_in_difficulty",
        _("Covered by safety-net aid but still in difficulty"),
    )


class VulnerabilityTag(models.TextChoices):
    ORPHAN = "orphan", _("Orphan")
    DE_FACTO_UNSUPPORTED_CHILD = "de_facto_unsupported_child", _("De-facto unsupported child")
    CHILD_IN_DIFFICULTY = "child_in_difficulty", _("Child in difficulty")
    LEFT_BEHIND_CHILD = "left_behind_child", _("Left-behind child")
    DISABLED = "disabled", _("Person with disability")
    SERIOUS_ILLNESS = "serious_illness", _("Serious illness")
    ELDER_ALONE = "elder_alone", _("Elder living alone")
    ELDER_NO_FAMILY = "elder_no_family", _("Elder without family")
    ELDER_LEFT_BEHIND = "elder_left_behind", _("Left-behind elder")
    ELDER_DEPENDENT = "elder_dependent", _("Elder unable to care for themselves")


#: Tags that also call for the simplified procedure (DOMAIN.md §5).
CLASSIFIED_TAGS = frozenset({VulnerabilityTag.ORPHAN, VulnerabilityTag.DE_FACTO_UNSUPPORTED_CHILD})


class CharityArea(models.TextChoices):
    POVERTY_RELIEF = "poverty_relief", _("Poverty relief")
    ELDERLY_SUPPORT = "elderly_support", _("Elderly support")
    CHILD_SUPPORT = "child_support", _("Orphans and children")
    DISABILITY_SUPPORT = "disability_support", _("Disability support")
    MEDICAL_AID = "medical_aid", _("Medical aid")
    EDUCATION_AID = "education_aid", _("Education aid")
    VETERANS_CARE = "veterans_care", _("Veterans care")
    DISASTER_RELIEF = "disaster_relief", _("Disaster relief")
    RURAL_REVITALIZATION = "rural_revitalization", _("Rural revitalisation")
    COMMUNITY = "community", _("Community governance")
    OTHER = "other", _("Other")


class AidForm(models.TextChoices):
    CASH = "cash", _("Cash")
    IN_KIND = "in_kind", _("Goods in kind")
    CARE = "care", _("Care")
    DAILY_LIVING = "daily_living", _("Daily living (meals, cleaning, bathing)")
    CARING_VISIT = "caring_visit", _("Caring visits and psychological support")
    REHABILITATION = "rehabilitation", _("Rehabilitation")
    EDUCATION = "education", _("Education")
    LEGAL_AID = "legal_aid", _("Legal aid")
    EMPLOYMENT = "employment", _("Employment")
    HOME_MODIFICATION = "home_modification", _("Home modification (accessibility)")
    EXPERTISE = "expertise", _("Expertise")


class DisabilityType(models.TextChoices):
    VISUAL = "visual", _("Visual")
    HEARING = "hearing", _("Hearing")
    SPEECH = "speech", _("Speech")
    PHYSICAL = "physical", _("Physical")
    INTELLECTUAL = "intellectual", _("Intellectual")
    MENTAL = "mental", _("Mental")
    MULTIPLE = "multiple", _("Multiple")
