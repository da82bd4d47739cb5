"""Pages show times in the user's own region's time zone (WIB, WITA, WIT)."""

import pytest

from pulih.timezones import zone_for_region


@pytest.mark.parametrize(
    ("region", "zone"),
    [("53.71", "Asia/Makassar"), ("64.02", "Asia/Makassar"), ("35.06", "Asia/Jakarta"), ("91.71", "Asia/Jayapura")],
)
def test_each_region_has_its_zone(region, zone):
    assert zone_for_region(region) == zone


def test_national_users_see_the_project_default(settings):
    assert zone_for_region(None) == settings.TIME_ZONE
