"""FilterSets shared by the HTML pages and the API."""

from __future__ import annotations

import datetime as dt

import django_filters
from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field

from accounts import identifiers
from accounts.filters import CountFilter, IdFilter, YesNoFilter
from accounts.models import Region
from accounts.scope import NOTHING, region_scope
from accounts.taxonomies import AidForm, AssistanceStatus, CharityArea, GapClass, VulnerabilityTag

from .models import Household, Member, Need, code_range, household_flag
from .selectors import region_choices_for_user


@extend_schema_field({"type": "string", "pattern": "^[0-9]{12}$"})
class DivisionCodeFilter(django_filters.ModelChoiceFilter):
    """A region chosen by its 12-digit division code."""


#: An address is searched from this many characters: the trigram index serves no fewer.
ADDRESS_MIN_LENGTH = 3
#: Up to this many households found by a search are fetched by their ids.
SEARCH_IDS_LIMIT = 2000


class HouseholdFilterSet(django_filters.FilterSet):
    """The household list's filters. The region select lists the townships and villages of one
    county at most: an officer of a city or the province chooses the county first (a select of
    every township in Guangdong had 1,757 options, more with the villages)."""

    q = django_filters.CharFilter(
        label=_("Name (its beginning), address or number"), method="search"
    )
    county = DivisionCodeFilter(
        label=_("County or district"), queryset=None, method="in_region", empty_label=_("Any")
    )
    region = django_filters.ModelChoiceFilter(
        label=_("Village or township"), queryset=None, method="in_region", empty_label=_("Any")
    )
    gap_class = django_filters.ChoiceFilter(
        label=_("Difficulty group"), choices=GapClass.choices, empty_label=_("All")
    )
    status = django_filters.ChoiceFilter(
        label=_("Assistance status"),
        choices=AssistanceStatus.choices,
        method="with_status",
        empty_label=_("All"),
    )
    tag = django_filters.ChoiceFilter(
        label=_("Vulnerability"),
        choices=VulnerabilityTag.choices,
        method="with_tag",
        empty_label=_("All"),
    )
    need_area = django_filters.ChoiceFilter(
        label=_("Open need in area"),
        choices=CharityArea.choices,
        method="with_need_area",
        empty_label=_("All"),
    )
    urgent = YesNoFilter(label=_("Urgent need"), method="with_urgent")
    unvisited_days = CountFilter(
        label=_("Not visited for (days)"), method="unvisited_for", min_value=1, max_value=36500
    )
    mine = YesNoFilter(label=_("Only mine"), method="only_mine")

    class Meta:
        model = Household
        fields = [
            "q",
            "county",
            "region",
            "gap_class",
            "status",
            "tag",
            "need_area",
            "urgent",
            "unvisited_days",
            "mine",
        ]

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        scope = region_scope(user) if user else NOTHING
        self.scope_prefix = scope.prefix or ""
        # Validation looks a choice up by its code (one query); only the options rendered are
        # limited (``form``).
        self.filters["region"].queryset = (
            region_choices_for_user(user) if user else Region.objects.none()
        )
        if scope.everything or (scope.prefix and len(scope.prefix) < 6):
            # The regions townships hang from: counties and districts, and the cities without
            # counties (东莞市, 中山市).
            townships = Region.objects.filter(
                code__startswith=self.scope_prefix,
                level=Region.Level.TOWNSHIP,
                valid_to__isnull=True,
            )
            self.filters["county"].queryset = Region.objects.filter(
                pk__in=townships.values("parent_id")
            ).order_by("code")
        else:  # a county officer or a township worker: their own county at most
            del self.filters["county"]

    @property
    def form(self):
        form = super().form
        if not getattr(self, "_options_limited", False):
            self._options_limited = True
            self._limit_region_options(form)
        return form

    def _limit_region_options(self, form) -> None:
        """Render the villages and townships of one county at most: the chosen county's, or the
        user's own county or township; none before a county is chosen above that."""
        field = form.fields["region"]
        focus = self.scope_prefix if len(self.scope_prefix) >= 6 else ""
        county = form.data.get("county") if form.is_bound else None
        if not focus and county and "county" in self.filters:
            chosen = self.filters["county"].queryset.filter(code=str(county)[:12]).first()
            focus = chosen.prefix if chosen else ""
        selected = str(form.data.get("region") or "") if form.is_bound else ""
        options = field.queryset.filter(code__startswith=focus) if focus else field.queryset.none()
        if selected:
            options = options | field.queryset.filter(code=selected[:12])
        field.widget.choices = [("", field.empty_label)] + [
            (r.code, r.name) for r in options.order_by("code")
        ]
        if not focus:
            field.help_text = _("Choose a county first.")

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        """By the beginning of a current member's name, a part of the address (three
        characters or more), or the whole household number.

        Each set comes from its own index, within the user's scope (PostgreSQL: a pattern
        index on the name, a trigram index on the address, the unique code), and the list keeps
        its order. Names are matched from their beginning: a Chinese name is looked up by its
        surname and given name, and a two-character name has no trigram an index could use
        (``UPPER(name) LIKE '%…%'`` read every member: 2.2 s for a county). An address is
        matched from three characters, which the trigram index serves; one or two characters
        would read every address in the scope."""
        value = value.strip()
        if not value:
            return queryset
        households = Household.objects.all()
        current = Member.objects.filter(left_at__isnull=True)
        named = current.filter(name__istartswith=value)
        # Within a county, city or township the members are read by the station code they
        # carry, one station after another (``station_code IN (…)`` on the index on (station
        # code, UPPER(name)): each station's run of the name, not the whole scope's members nor
        # every member of the province bearing the name). The province reads the name alone.
        scoped = len(self.scope_prefix) > 2
        if self.scope_prefix:
            households = households.within(self.scope_prefix)
        if scoped:
            named = named.filter(station_code__in=self._stations())
            if len(self.scope_prefix) > 9:  # a village: its households within the station
                named = named.filter(household__in=households.order_by().values("pk"))
        elif self.scope_prefix:
            named = named.filter(household__in=households.order_by().values("pk"))
        sets = [
            named.order_by().values("household_id"),
            households.filter(code=identifiers.nfkc(value).upper()).order_by().values("pk"),
        ]
        if len(value) >= ADDRESS_MIN_LENGTH:
            sets.append(households.filter(address__icontains=value).order_by().values("pk"))
        # The matching households, if not too many, by their ids: the list then fetches those
        # rows and sorts them. A common beginning (a surname across a city) is kept as a
        # condition instead: the list walks its index in order and stops at the page's end.
        # Over the province a surname alone is common by nature: collecting its households
        # first would read every member bearing it. Within a smaller scope the stations' runs
        # of the name are read from the index alone and stop at the limit.
        if len(value) > 1 or scoped:
            ids = list(
                sets[0]
                .union(*sets[1:], all=True)
                .values_list("household_id", flat=True)[: SEARCH_IDS_LIMIT + 1]
            )
            if len(ids) <= SEARCH_IDS_LIMIT:
                return queryset.filter(pk__in=set(ids))
        # A common beginning: each household of the list is probed for a current member so
        # named, in the list's order — the page stops at its end and the count at its cap (a
        # search counts to 200).
        if scoped and len(sets) == 2:
            # Within a scope, the name alone made the sets large (a number matches one
            # household at most): borne in more than SEARCH_IDS_LIMIT households of the
            # scope, it is found within a few probes. A scalar subquery, which PostgreSQL
            # keeps as a probe per household from the index of current members: an EXISTS
            # alone becomes a semi-join that collects every bearer of the scope first and
            # sorts their households (0.2 s for a city's page).
            first_named = (
                current.filter(household=OuterRef("pk"), name__istartswith=value)
                .order_by()
                .values("pk")[:1]
            )
            queryset = queryset.alias(named_member=Subquery(first_named))
            matches = Q(named_member__isnull=False)
        else:
            # Over the province, PostgreSQL runs the EXISTS alone as a semi-join in the list's
            # order (collecting the households first would read every member bearing the
            # surname: 0.7-1.6 s at DOMAIN.md's scale). OR-ed with an address's households it
            # is a subplan hashed over the name's members of the scope: few, from the index.
            matches = Q(Exists(named.filter(household=OuterRef("pk"))))
        # The number and the address found nothing (as for any surname): the condition alone.
        # Over the province, OR-ed with another set the EXISTS would be a subplan hashed over
        # every member bearing the name (0.5-0.7 s).
        for ids_query in (q for q in sets[1:] if q.exists()):
            matches |= Q(pk__in=ids_query)
        return queryset.filter(matches)

    def _stations(self) -> list[str]:
        """The township codes under the user's scope: the stations its households can have
        (a household's station is its township, ``services._stations_for``)."""
        return list(
            Region.objects.filter(
                code__range=code_range(self.scope_prefix[:9]), level=Region.Level.TOWNSHIP
            ).values_list("code", flat=True)
        )

    def in_region(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        return queryset.within(value.prefix)

    # The household's own flags (``needs.flags``), kept by the services: the list walks its
    # index over the scope and reads them there, instead of a semi-join over the members'
    # statuses or tags or the live needs (0.3-0.7 s for a city at DOMAIN.md's scale).

    def with_status(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(flags__has_bits=household_flag("status", value))

    def with_tag(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(flags__has_bits=household_flag("tag", value))

    def with_need_area(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(flags__has_bits=household_flag("area", value))

    def with_urgent(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        # The flag the services keep (``needs.flags``).
        return queryset if value is None else queryset.filter(has_urgent_need=value)

    def unvisited_for(self, queryset: QuerySet, name: str, value) -> QuerySet:
        if not value:
            return queryset
        cutoff = timezone.localdate() - dt.timedelta(days=int(value))
        return queryset.filter(Q(last_visited_on__isnull=True) | Q(last_visited_on__lt=cutoff))

    def only_mine(self, queryset: QuerySet, name: str, value: bool | None) -> QuerySet:
        return queryset.filter(worker=self.user) if value and self.user else queryset


class NeedFilterSet(django_filters.FilterSet):
    status = django_filters.MultipleChoiceFilter(label=_("Status"), choices=Need.Status.choices)
    area = django_filters.ChoiceFilter(
        label=_("Charity area"), choices=CharityArea.choices, empty_label=_("All")
    )
    form = django_filters.ChoiceFilter(
        label=_("Form of aid"), choices=AidForm.choices, empty_label=_("All")
    )
    urgent = YesNoFilter(label=_("Urgent"))
    household = IdFilter(label=_("Household"), field_name="household_id")

    class Meta:
        model = Need
        fields = ["status", "area", "form", "urgent", "household"]
