"""Match the registry: the nightly job behind the review queue.

    manage.py match_people               # the whole country (finds people who moved between regions)
    manage.py match_people --region 53.71

Identities are decrypted in this process's memory only; the queue receives pairs by person id,
score and explanation. Decisions already taken are kept ("different" is never proposed again).
"""

from __future__ import annotations

from django.core.management.base import BaseCommand

from matching.engine import DEFAULT_LOWER, DEFAULT_UPPER
from matching.services import run_matching


class Command(BaseCommand):
    help = "Find people recorded more than once (rounds, sites, regions) and refresh the review queue."

    def add_arguments(self, parser):
        parser.add_argument("--region", default=None, help="Kemendagri code, e.g. 53.71 (default: national)")
        parser.add_argument("--upper", type=float, default=DEFAULT_UPPER)
        parser.add_argument("--lower", type=float, default=DEFAULT_LOWER)

    def handle(self, *args, region=None, upper=DEFAULT_UPPER, lower=DEFAULT_LOWER, **options):
        run = run_matching(region=region, upper=upper, lower=lower)
        self.stdout.write(
            f"{run.scope_region_code or 'nasional'}: {run.records} data, {run.pairs_compared} pasangan dibandingkan, "
            f"{run.proposed} diusulkan sama, {run.needs_review} perlu diperiksa ({run.seconds:.1f} detik)."
        )
