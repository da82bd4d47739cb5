"""The person record: encrypted identity, blind indexes, NIK checks, safeguards, consent."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.core.management import call_command

from accounts.models import Role
from audit.models import Action, AuditEvent
from people import services
from people.crypto import blind_index
from people.identity import Identity, reveal, unseal
from people.models import AlertKind, ConsentKind, ConsentRecord, LegalBasis, NameToken, Person, SafeguardingAlert
from people.names import canonical_name, name_tokens
from people.nik import check_nik
from people.origin import origin_class
from people.services import PersonAttributes

pytestmark = pytest.mark.django_db

# A structurally valid NIK: Kota Kupang, kecamatan Alak (53.71.01), woman born 5 June 1990.
NIK_KUPANG_1990 = "5371014506900001"


# --- Names ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Sri Rahayoe", "Sri Rahayu"),
        ("Djuwita", "Juwita"),
        ("Tjahjani", "Cahyani"),
        ("Sjarifah", "Syarifah"),
        ("Nji Roro", "Nyi Roro"),
        ("Chadijah", "Khadijah"),
        ("Sry Wahyuni", "Sri Wahyuni"),
        ("Ny. Hj. Siti Aminah", "SITI AMINAH"),
        ("St. Aminah", "Siti Aminah"),
        ("Annisa", "Anisa"),
        ("Rahayu Sri", "Sri Rahayu"),
    ],
)
def test_spelling_variants_share_one_key(a, b):
    assert canonical_name(a) == canonical_name(b)


def test_different_names_keep_different_keys():
    assert canonical_name("Sri Rahayu") != canonical_name("Sri Wahyuni")
    # Initials are too weak to match on.
    assert name_tokens("Sri R.") == ["sri"]


# --- NIK -----------------------------------------------------------------------------------


def test_a_valid_nik_offers_what_it_encodes():
    result = check_nik(NIK_KUPANG_1990)
    assert result.valid
    assert result.birth_date == dt.date(1990, 6, 5)
    assert result.sex == "P"
    assert result.regency_code == "53.71"


@pytest.mark.parametrize(
    ("nik", "words"),
    [
        ("53710145069", "16 digit"),
        ("9971014506900001", "kode provinsi"),
        ("5371017313900001", "bukan tanggal"),
        ("5371014506900000", "0000"),
    ],
)
def test_an_impossible_nik_is_explained_in_plain_words(nik, words):
    result = check_nik(nik)
    assert not result.valid
    assert any(words in message for message in result.errors), result.errors


def test_conflicts_with_what_was_stated_are_warnings():
    result = check_nik(
        NIK_KUPANG_1990, stated_birth_date=dt.date(1991, 6, 5), stated_sex="L", stated_regency_code="35.06"
    )
    assert result.valid
    assert len(result.warnings) == 3


def test_a_missing_nik_is_allowed():
    result = check_nik("")
    assert not result.errors and not result.valid


# --- Origin class -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("regency", "expected"),
    [("53.71", "local"), ("53.01", "same_province"), ("35.06", "other_province"), (None, "unknown")],
)
def test_origin_class_is_relative_to_the_site(regency, expected):
    assert origin_class(origin_regency=regency, origin_province=None, site_region="53.71.01.1001") == expected


# --- Registering -----------------------------------------------------------------------------


def register(users, site, role=Role.REGISTRAR, **identity_fields):
    attrs = identity_fields.pop("attrs", PersonAttributes(origin_regency="53.71"))
    identity = Identity(**({"full_name": "Maria Goreti Ndun"} | identity_fields))
    return services.person_register(actor=users[role], site=site, identity=identity, attrs=attrs)


def test_registering_gives_a_case_code_that_does_not_derive_from_identity(users, site_kd):
    first, _warnings = register(users, site_kd, nik=NIK_KUPANG_1990)
    second, _warnings = register(users, site_kd, full_name="Yuliana Bessie")
    assert first.case_code == "5371-KD-0001"
    assert second.case_code == "5371-KD-0002"
    assert "Maria" not in first.identity_ciphertext and NIK_KUPANG_1990 not in first.identity_ciphertext
    assert first.nik_hash == blind_index("nik", NIK_KUPANG_1990)


def test_clear_attributes_are_derived_from_the_nik_when_not_stated(users, site_kd):
    person, _warnings = register(users, site_kd, nik=NIK_KUPANG_1990)
    assert person.birth_year == 1990 and person.sex == "P"
    assert person.origin_province_id == "53"


def test_name_tokens_are_keyed_hashes_including_aliases(users, site_kd):
    person, _warnings = register(users, site_kd, full_name="Sri Rahayoe", aliases=["Mawar"])
    hashes = set(NameToken.objects.filter(person=person).values_list("token_hash", "is_alias"))
    assert (blind_index("name", "rahayu"), False) in hashes
    assert (blind_index("name", "mawar"), True) in hashes


def test_registration_is_refused_outside_the_region_and_for_roles_without_the_right(users, make_site, make_user, orgs):
    kukar_site = make_site("Km 10", short_code="KM10", region="64.02", owner_organisation=orgs["dinsos_kukar"])
    with pytest.raises(PermissionDenied):
        register(users, kukar_site)
    with pytest.raises(PermissionDenied):
        register(users, kukar_site, role=Role.FINANCE_OFFICER)


def test_an_invalid_record_is_refused_with_reasons_per_field(users, site_kd):
    with pytest.raises(ValidationError) as exc:
        register(users, site_kd, full_name=" ", nik="12345", birth_date=dt.date(2999, 1, 1))
    assert set(exc.value.message_dict) == {"full_name", "nik", "birth_date"}
    assert Person.objects.count() == 0


def test_a_child_is_flagged_at_once_and_alerted(users, site_kd):
    sixteen = dt.date.today().replace(year=dt.date.today().year - 16) - dt.timedelta(days=3)
    person, _warnings = register(users, site_kd, birth_date=sixteen)
    assert person.is_child
    alert = SafeguardingAlert.objects.get(person=person)
    assert alert.kind == AlertKind.CHILD and alert.acknowledged_at is None


def test_a_child_is_recognised_from_the_nik_alone(users, site_kd):
    born = dt.date.today().replace(year=dt.date.today().year - 15)
    nik = f"537101{born.day + 40:02d}{born:%m%y}0007"
    person, _warnings = register(users, site_kd, nik=nik)
    assert person.is_child


def test_a_trafficking_indicator_flags_and_alerts(users, site_kd):
    attrs = PersonAttributes(origin_regency="35.06", trafficking_indicators=["debt_bondage", "documents_confiscated"])
    person, _warnings = register(users, site_kd, attrs=attrs)
    assert person.trafficking_flag
    assert SafeguardingAlert.objects.filter(person=person, kind=AlertKind.TRAFFICKING).exists()


def test_an_alert_is_acknowledged_once_and_not_raised_twice(users, site_kd):
    attrs = PersonAttributes(trafficking_indicators=["confinement"])
    person, _warnings = register(users, site_kd, attrs=attrs)
    alert = SafeguardingAlert.objects.get(person=person)
    services.alert_acknowledge(actor=users[Role.HEAD_OF_DINSOS], alert=alert)
    assert SafeguardingAlert.objects.get(pk=alert.pk).acknowledged_by == users[Role.HEAD_OF_DINSOS]
    services.raise_safeguarding_alerts(person, actor=users[Role.REGISTRAR])
    assert SafeguardingAlert.objects.filter(person=person, acknowledged_at__isnull=True).count() == 1
    # Still only one open alert of a kind when raised again.
    services.raise_safeguarding_alerts(person, actor=users[Role.REGISTRAR])
    assert SafeguardingAlert.objects.filter(person=person, acknowledged_at__isnull=True).count() == 1


def test_nik_conflicts_come_back_as_warnings(users, site_kd):
    _person, warnings = register(
        users, site_kd, nik=NIK_KUPANG_1990, birth_date=dt.date(1990, 6, 6), attrs=PersonAttributes(sex="P")
    )
    assert len(warnings) == 1 and "Tanggal lahir" in warnings[0]


# --- Identity is revealed only through the policy, and audited ---------------------------------


def test_reveal_is_audited_for_allowed_roles(users, site_kd):
    person, _warnings = register(users, site_kd, nik=NIK_KUPANG_1990)
    identity = reveal(person, user=users[Role.CASE_WORKER])
    assert identity.full_name == "Maria Goreti Ndun" and identity.nik == NIK_KUPANG_1990
    event = AuditEvent.objects.filter(action=Action.VIEW_IDENTITY).latest("id")
    assert event.object_label == person.case_code and event.actor == users[Role.CASE_WORKER]
    assert "Maria" not in str(event.detail)


@pytest.mark.parametrize("role", [Role.KEMENSOS_ANALYST, Role.SYSADMIN, Role.AUDITOR, Role.PARTNER_USER])
def test_reveal_is_refused_and_the_attempt_audited(users, site_kd, role):
    person, _warnings = register(users, site_kd)
    with pytest.raises(PermissionDenied):
        reveal(person, user=users[role])
    assert AuditEvent.objects.filter(action=Action.PERMISSION_DENIED, actor=users[role]).exists()


def test_reveal_is_refused_outside_the_region(users, site_kd, make_user, orgs):
    person, _warnings = register(users, site_kd)
    kukar_worker = make_user(Role.CASE_WORKER, organisation=orgs["dinsos_kukar"], region="64.02")
    with pytest.raises(PermissionDenied):
        reveal(person, user=kukar_worker)


def test_updating_identity_rebuilds_the_indexes_and_audits_field_names_only(users, site_kd):
    person, _warnings = register(users, site_kd, full_name="Sri Rahayu")
    services.person_update_identity(
        actor=users[Role.REGISTRAR], person=person, identity=Identity(full_name="Sri Wahyuni", nik=NIK_KUPANG_1990)
    )
    person.refresh_from_db()
    tokens = set(NameToken.objects.filter(person=person).values_list("token_hash", flat=True))
    assert blind_index("name", "wahyuni") in tokens and blind_index("name", "rahayu") not in tokens
    assert person.nik_hash == blind_index("nik", NIK_KUPANG_1990)
    event = AuditEvent.objects.filter(action=Action.UPDATE, object_label=person.case_code).latest("id")
    assert event.detail["identity_fields"] == ["full_name", "nik"]
    assert "Wahyuni" not in str(event.detail)


# --- Legal basis and consent -------------------------------------------------------------------


def test_consent_history_is_kept_through_withdrawal(users, site_kd):
    attrs = PersonAttributes(legal_basis=LegalBasis.CONSENT, share_consent=True)
    person, _warnings = register(users, site_kd, attrs=attrs)
    assert person.share_consent is True
    services.consent_withdraw(actor=users[Role.CASE_WORKER], person=person, on=dt.date.today())
    person.refresh_from_db()
    assert person.share_consent is False
    history = list(ConsentRecord.objects.filter(person=person, kind=ConsentKind.SHARE_WITH_PARTNERS))
    assert [r.given for r in history] == [False, True]
    assert history[0].withdrawn_on == dt.date.today()
    processing = ConsentRecord.objects.get(person=person, kind=ConsentKind.PROCESSING)
    assert processing.legal_basis == LegalBasis.CONSENT and processing.given is True


def test_a_childs_consent_needs_a_guardian(users, site_kd):
    person, _warnings = register(users, site_kd, birth_date=dt.date.today().replace(year=dt.date.today().year - 14))
    with pytest.raises(ValidationError) as exc:
        services.consent_record(
            actor=users[Role.CASE_WORKER],
            person=person,
            kind=ConsentKind.SHARE_WITH_PARTNERS,
            given=True,
            on=dt.date.today(),
        )
    assert "by_guardian" in exc.value.message_dict
    services.consent_record(
        actor=users[Role.CASE_WORKER],
        person=person,
        kind=ConsentKind.SHARE_WITH_PARTNERS,
        given=True,
        on=dt.date.today(),
        by_guardian=True,
    )
    assert ConsentRecord.objects.filter(person=person, by_guardian=True, given=True).exists()


# --- Key rotation -----------------------------------------------------------------------------


def test_rows_stay_readable_after_a_key_rotation_and_reencrypt_moves_them(users, site_kd, settings):
    person, _warnings = register(users, site_kd, nik=NIK_KUPANG_1990)
    old_ciphertext = person.identity_ciphertext
    old_key = settings.PULIH_FIELD_KEYS[0]

    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-rotasi", old_key]
    person.refresh_from_db()
    assert unseal(person.identity_ciphertext).nik == NIK_KUPANG_1990

    call_command("reencrypt", stdout=io.StringIO())
    person.refresh_from_db()
    assert person.identity_ciphertext != old_ciphertext

    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-rotasi"]
    assert unseal(person.identity_ciphertext).full_name == "Maria Goreti Ndun"
    # A row never re-encrypted would now be unreadable: the command is what makes removal safe.
    with pytest.raises(ImproperlyConfigured):
        unseal(old_ciphertext)


def test_reindex_follows_a_new_index_key(users, site_kd, settings):
    person, _warnings = register(users, site_kd, nik=NIK_KUPANG_1990, full_name="Sri Rahayu")
    settings.PULIH_INDEX_KEY = "kunci-indeks-baru-untuk-uji"
    assert person.nik_hash != blind_index("nik", NIK_KUPANG_1990)
    call_command("reencrypt", "--reindex", stdout=io.StringIO())
    person.refresh_from_db()
    assert person.nik_hash == blind_index("nik", NIK_KUPANG_1990)
    assert NameToken.objects.filter(person=person, token_hash=blind_index("name", "rahayu")).exists()


def test_reencrypt_also_rotates_pending_census_import_files(users, site_kd, make_round, settings):
    from census.imports import read_upload, stored_rows
    from census.models import ImportBatch

    csv = b"Nama lengkap;Tanggal lahir\nSri Rahayu;17-08-1990\nMaria Ndun;01-02-1988\n"
    stored, count = read_upload(csv)
    batch = ImportBatch.objects.create(
        round=make_round(), filename="uji.csv", file_ciphertext=stored, created_by=users[Role.REGISTRAR]
    )
    old_key = settings.PULIH_FIELD_KEYS[0]
    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-impor", old_key]
    call_command("reencrypt", stdout=io.StringIO())
    settings.PULIH_FIELD_KEYS = ["kunci-baru-untuk-uji-impor"]  # the old key is gone
    batch.refresh_from_db()
    rows = list(stored_rows(bytes(batch.file_ciphertext), 0, count))
    assert [values["nama_lengkap"] for _number, values in rows] == ["Sri Rahayu", "Maria Ndun"]
