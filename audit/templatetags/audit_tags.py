"""How an audit action looks in a table: failures and refusals stand out, then exports and
identity views (what an auditor looks for first), then everything else."""

from django import template

from audit.models import Action

register = template.Library()

_TONES = {
    Action.LOGIN_FAILED: "danger",
    Action.ACCOUNT_LOCKED: "danger",
    Action.TWO_FACTOR_FAILED: "danger",
    Action.PERMISSION_DENIED: "danger",
    Action.VIEW_IDENTITY: "warn",
    Action.EXPORT_IDENTITY: "warn",
    Action.EXPORT: "warn",
    Action.DELETE: "warn",
    Action.LOGIN: "ok",
}


@register.filter
def action_tone(action: str) -> str:
    """CSS badge modifier (``danger``, ``warn``, ``ok``, ``muted``) for an action code."""
    return _TONES.get(action, "muted")
