"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.
"""

ENTRIES: dict = {}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    return {}
