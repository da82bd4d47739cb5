"""Access-matrix entries for this area's URLs (merged into tests/test_access_matrix.py).

ENTRIES: url name -> (kwargs key, method, roles allowed, POST data), as in MATRIX there.
build_targets(): kwargs for the keys used in ENTRIES, from the shared registry objects.

``activities:ical_feed`` is not here: it is reached by a secret token without a sign-in (it is
in PUBLIC there); its rules are tested in tests/test_activities.py.
"""

import datetime as dt

from django.core.files.base import ContentFile
from django.utils import timezone

from accounts.models import Role

# Roles with PROGRAMMES_VIEW. The programme below is in Kota Kupang with the standing partner
# (LKS Uji Kupang) taking part, so it is in each one's scope.
VIEWERS = frozenset(
    {
        Role.KEMENSOS_ANALYST,
        Role.PROVINCE_OFFICER,
        Role.HEAD_OF_DINSOS,
        Role.CASE_WORKER,
        Role.REGISTRAR,
        Role.FINANCE_OFFICER,
        Role.PARTNER_USER,
    }
)
# ACTIVITIES_MANAGE in the programme's region.
RECORDERS = frozenset({Role.PROVINCE_OFFICER, Role.HEAD_OF_DINSOS, Role.CASE_WORKER})
# policy.can_update_action: the recorders, plus every user of the owning organisation (Dinas
# Sosial Kota Kupang: the registrar and the finance officer report its progress too).
ACTION_UPDATERS = RECORDERS | {Role.REGISTRAR, Role.FINANCE_OFFICER}

ENTRIES: dict = {
    "activities:list": (None, "get", VIEWERS, {}),
    "activities:detail": ("activity", "get", VIEWERS, {}),
    "activities:create": ("programme_for_activity", "get", RECORDERS, {}),
    "activities:edit": ("activity", "get", RECORDERS, {}),
    # Empty POSTs: the page is shown again with the errors (200).
    "activities:attachment_add": ("activity", "post", RECORDERS, {}),
    "activities:attachment_download": ("attachment", "get", VIEWERS, {}),
    "activities:action_add": ("activity", "post", RECORDERS, {}),
    "activities:action_update": ("action", "post", ACTION_UPDATERS, {"status": "open"}),
    "activities:action_list": (None, "get", VIEWERS, {}),
    "activities:calendar": (None, "get", VIEWERS, {}),
    "activities:calendar_feed_manage": (None, "get", VIEWERS, {}),
}


def build_targets(*, users, orgs, site, person, census_round) -> dict:
    from activities.models import Activity, ActivityKind, ActivityStatus, Attachment, FollowUpAction
    from programmes.models import ClosureProgramme, ProgrammeSite

    programme = ClosureProgramme.objects.create(
        name="Penutupan Lokalisasi Karang Dempel (matriks kegiatan)",
        owner_organisation=orgs["dinsos_kupang"],
        region_id="53.71",
        deadline=dt.date(2019, 1, 1),
    )
    ProgrammeSite.objects.create(programme=programme, site=site)
    programme.partners.set([orgs["lks_kupang"]])
    activity = Activity.objects.create(
        programme=programme,
        kind=ActivityKind.COORDINATION,
        title="Rakor penutupan",
        starts_at=timezone.make_aware(dt.datetime(2018, 10, 30, 9, 0)),
        venue="Ruang Garuda, Balai Kota Kupang",
        organiser=orgs["dinsos_kupang"],
        status=ActivityStatus.HELD,
        attendance_female=12,
        attendance_male=20,
        region_code=programme.region_id,
    )
    action = FollowUpAction.objects.create(
        activity=activity,
        programme=programme,
        description="Sosialisasi kepada penghuni",
        owner_organisation=orgs["dinsos_kupang"],
        due_on=dt.date(2018, 11, 15),
        region_code=programme.region_id,
    )
    attachment = Attachment.objects.create(
        activity=activity,
        file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="notulen.pdf"),
        name="Notulen rakor.pdf",
        content_type="application/pdf",
        size=15,
        uploaded_by=users[Role.HEAD_OF_DINSOS],
    )
    return {
        "programme_for_activity": {"programme_pk": programme.pk},
        "activity": {"pk": activity.pk},
        "action": {"pk": action.pk},
        "attachment": {"pk": attachment.pk},
    }
