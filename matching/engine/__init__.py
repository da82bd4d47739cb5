"""The matching engine: plain Python and numpy, usable without Django (CSV command, benchmark).

from matching.engine import Record, link
result = link([Record(id=1, name="Sri Rahayoe", birth_date="1990-06-05"), ...])
result.prob, result.groups, result.explanation(k)
"""

from .features import Record, Table, prepare
from .pipeline import DEFAULT_LOWER, DEFAULT_UPPER, Result, link, score_pairs

__all__ = ["DEFAULT_LOWER", "DEFAULT_UPPER", "Record", "Result", "Table", "link", "prepare", "score_pairs"]
