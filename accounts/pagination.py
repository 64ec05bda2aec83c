"""Pages of long lists that count only as far as they need to.

An exact count of a city's or the province's filtered households read every member (1.0-1.45 s
at the province's size, DOMAIN.md §2) for one figure on the page. Above ``COUNT_CAP`` rows a
list says "1,000+" instead; a page further on is counted as far as that page.
"""

from __future__ import annotations

from collections import OrderedDict
from functools import cached_property
from typing import Any

from django.core.paginator import Paginator
from django.db.models import QuerySet
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response

#: Above this many rows a list says "1,000+" instead of counting them all.
COUNT_CAP = 1000
#: A search counts less far: past 200 households found, the person refines the search (a
#: surname alone over a city is counted by probing each household in the list's order).
SEARCH_COUNT_CAP = 200


def capped_count(queryset: QuerySet, cap: int | None = None) -> int:
    """The number of rows, counted up to ``cap + 1`` at most (``cap + 1`` means "more")."""
    cap = COUNT_CAP if cap is None else cap
    # Only the ids: the page's annotations (head, members, needs) are not computed to count.
    return queryset.order_by().values("pk")[: cap + 1].count()


class CappedPaginator(Paginator):
    """Counts up to ``COUNT_CAP`` rows, or to the page asked for if that lies further.
    ``more`` says the list goes on past ``cap`` (the page reads "1,000+ 户")."""

    def __init__(
        self, object_list: Any, per_page: int, *, page: Any = None, cap: int | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        try:
            number = max(int(str(page)), 1)
        except ValueError:
            number = 1
        # A page number past any list (a probe's 10**25) counts everything, within SQL's LIMIT.
        self.cap = min(max(COUNT_CAP if cap is None else cap, number * per_page), 2**31)

    @cached_property
    def count(self) -> int:
        return capped_count(self.object_list, self.cap)

    @property
    def more(self) -> bool:
        return self.count > self.cap


def capped_page(request: Any, queryset: QuerySet, per_page: int, *, cap: int | None = None) -> Any:
    """The page of a list asked for by ``?page=``, counted up to ``cap`` (or that page): every
    HTML list of the apps goes through here (the API through ``CappedPageNumberPagination``).
    Its template shows "1,000+" when ``page.paginator.more`` (``includes/pagination.html``
    then offers previous and next only)."""
    number = request.GET.get("page")
    return CappedPaginator(queryset, per_page, page=number, cap=cap).get_page(number)


class CappedPageNumberPagination(PageNumberPagination):
    """The API's pages of a long list: ``count`` is exact up to the cap; past it, ``count`` is
    the cap and ``more`` is true ("more than ``count``"). ``next`` leads on either way."""

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        page = request.query_params.get(self.page_query_param)
        self.django_paginator_class = lambda rows, per_page: CappedPaginator(
            rows, per_page, page=page
        )
        return super().paginate_queryset(queryset, request, view)

    def get_paginated_response(self, data: Any) -> Response:
        paginator = self.page.paginator
        return Response(
            OrderedDict(
                [
                    ("count", min(paginator.count, paginator.cap)),
                    ("more", paginator.more),
                    ("next", self.get_next_link()),
                    ("previous", self.get_previous_link()),
                    ("results", data),
                ]
            )
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count"]["description"] = (
            "Rows in the list, exact up to the cap; past it, the cap (see `more`)."
        )
        response["properties"]["more"] = {
            "type": "boolean",
            "description": "The list goes on past `count` (counted up to the cap only).",
        }
        response["required"] = [*response.get("required", []), "more"]
        return response
