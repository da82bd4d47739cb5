"""Access-matrix entries for dashboards and monthly reports (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): Kota Kupang's monthly reports of January (draft), February (signed) and March
2019 (sent up: the province and Kemensos see it).
"""

from accounts.models import Role

# DASHBOARD_VIEW: the head of Dinsos (own region), the province officer, the Kemensos analyst.
DASHBOARD = frozenset({Role.KEMENSOS_ANALYST, Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS})
# REPORTS_SIGN: the head of Dinsos generates, signs and sends.
SIGNERS = frozenset({Role.HEAD_OF_DINSOS})

ENTRIES: dict = {
    "reports:dashboard": (None, "get", DASHBOARD, {}),
    "reports:origins": (None, "get", DASHBOARD, {}),
    "reports:monthly": (None, "get", DASHBOARD, {}),
    "reports:generate": (None, "post", SIGNERS, {"month": "2019-01"}),
    "reports:report_list": (None, "get", DASHBOARD, {}),
    "reports:report_detail": ("sent_report", "get", DASHBOARD, {}),
    "reports:report_file": ("sent_report_pdf", "get", DASHBOARD, {}),
    "reports:sign": ("draft_report", "post", SIGNERS, {}),
    "reports:send": ("signed_report", "post", SIGNERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    import datetime as dt

    from regions.models import Region
    from reports import services

    head = users[Role.HEAD_OF_DINSOS]
    kupang = Region.objects.get(code="53.71")
    draft = services.generate(region=kupang, month=dt.date(2019, 1, 1))
    signed = services.sign(services.generate(region=kupang, month=dt.date(2019, 2, 1)), actor=head)
    sent = services.send(
        services.sign(services.generate(region=kupang, month=dt.date(2019, 3, 1)), actor=head), actor=head
    )
    return {
        "draft_report": {"pk": draft.pk},
        "signed_report": {"pk": signed.pk},
        "sent_report": {"pk": sent.pk},
        "sent_report_pdf": {"pk": sent.pk, "fmt": "pdf"},
    }
