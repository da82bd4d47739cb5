"""Counting census rounds: present, new, left, and origin classes — all in the database."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Value

from people.models import OriginClass, Person
from people.origin import origin_class_expression

from .models import CensusEntry, CensusRound


@dataclass
class RoundSummary:
    round: CensusRound
    previous: CensusRound | None
    present: int = 0
    new: int = 0
    left: int = 0
    by_origin: dict[str, int] = field(default_factory=dict)
    children: int = 0
    trafficking: int = 0

    previous_present: int | None = None

    @property
    def change(self) -> int | None:
        """Present now minus present in the previous round (None for a site's first round)."""
        return None if self.previous_present is None else self.present - self.previous_present

    def origin_rows(self) -> list[tuple[str, str, int]]:
        return [(value, label, self.by_origin.get(value, 0)) for value, label in OriginClass.choices]


def round_people(census_round: CensusRound) -> QuerySet:
    return Person.objects.filter(census_entries__round=census_round)


def people_with_origin(qs: QuerySet, census_round: CensusRound) -> QuerySet:
    site = census_round.site
    return qs.annotate(site_regency=Value(site.regency_code), site_province=Value(site.province_code)).annotate(
        origin_class=origin_class_expression(site_regency="site_regency", site_province="site_province")
    )


def round_summary(census_round: CensusRound) -> RoundSummary:
    previous = census_round.previous()
    summary = RoundSummary(round=census_round, previous=previous)
    entries = CensusEntry.objects.filter(round=census_round)
    summary.present = entries.count()
    origin_counts = (
        people_with_origin(round_people(census_round), census_round).values("origin_class").annotate(n=Count("id"))
    )
    summary.by_origin = {row["origin_class"]: row["n"] for row in origin_counts}
    flags = round_people(census_round).aggregate(
        children=Count("id", filter=Q(is_child=True)), trafficking=Count("id", filter=Q(trafficking_flag=True))
    )
    summary.children, summary.trafficking = flags["children"], flags["trafficking"]
    if previous is not None:
        in_previous = CensusEntry.objects.filter(round=previous, person=OuterRef("person"))
        in_current = CensusEntry.objects.filter(round=census_round, person=OuterRef("person"))
        summary.new = entries.exclude(Exists(in_previous)).count()
        previous_entries = CensusEntry.objects.filter(round=previous)
        summary.left = previous_entries.exclude(Exists(in_current)).count()
        summary.previous_present = previous_entries.count()
    else:
        summary.new = summary.present
    return summary


def left_people(census_round: CensusRound) -> QuerySet:
    """People present in the previous round and not in this one."""
    previous = census_round.previous()
    if previous is None:
        return Person.objects.none()
    return Person.objects.filter(census_entries__round=previous).exclude(census_entries__round=census_round)


def new_people(census_round: CensusRound) -> QuerySet:
    previous = census_round.previous()
    qs = round_people(census_round)
    return qs if previous is None else qs.exclude(census_entries__round=previous)
