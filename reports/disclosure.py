"""Disclosure control for counts of people that leave the owning team (DOMAIN.md, "Small numbers
identify"): Kemensos and province views, and exports marked for publication.

- **Primary suppression**: a cell of 1–4 people is shown as "<5".
- **Complementary (secondary) suppression**: a published total would give a lone suppressed cell
  back (total minus the others), so in every line (a row or a column with its total) that holds
  exactly one suppressed cell, the next smallest non-zero cell of that line is suppressed too
  (shown "×"). Repeated until nothing changes (a fixpoint), because each new suppression can leave
  another line with a single one.
- Two further checks close the gaps that the line rule alone leaves:
  - *intervals*: "<5" says 1–4 and "×" says 5 or more, so in a line like ``[1, 5 | 6]`` the two
    suppressed cells pin each other down (1 + 5 = 6); such a line gets one more suppressed cell;
  - *linear algebra*: with several lines the published figures can still determine a cell (a
    suppressed cell that is a "bridge" between two groups of suppressed cells). Every suppressed
    cell is checked against the system of all line equations; a determined cell gets another
    suppressed cell beside it.

Zeros are never suppressed: "nobody" identifies nobody, and hiding it would not protect others.
Tables are small (a few hundred cells), so the checks are cheap.
"""

from __future__ import annotations

import math
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

# Counts 1..THRESHOLD-1 identify.
THRESHOLD = 5
SMALL_TEXT = "<5"
SECONDARY_TEXT = "×"
NOTE = _(
    "Angka 1–4 orang ditampilkan sebagai <5; angka lain yang ditandai × disembunyikan agar angka kecil "
    "tidak dapat dihitung ulang dari jumlahnya."
)

PUBLISHED, PRIMARY, SECONDARY = "published", "primary", "secondary"
# A quantity that is never shown but that the tables add up from (e.g. the regencies summed into
# "others"): it links equations without needing protection of its own.
LATENT = "latent"
HIDDEN = frozenset({PRIMARY, SECONDARY})
_INFINITY = 10**18
# A large prime: the rank computation below is exact with overwhelming probability for 0/±1 rows.
_PRIME = 2**61 - 1


def is_small(n: int | None) -> bool:
    return n is not None and 0 < n < THRESHOLD


@dataclass(frozen=True)
class Line:
    """A published relation: the sum of ``members`` equals ``total`` (cell keys)."""

    members: tuple[Hashable, ...]
    total: Hashable

    @property
    def cells(self) -> tuple[Hashable, ...]:
        return (*self.members, self.total)


def suppress(
    values: dict[Hashable, int],
    lines: Sequence[Line],
    *,
    fixed: Iterable[Hashable] = (),
    latent: Iterable[Hashable] = (),
    frozen: dict[Hashable, str] | None = None,
) -> dict[Hashable, str]:
    """The mark of every cell (PUBLISHED, PRIMARY, SECONDARY, or LATENT) for the cells ``values``
    related by ``lines``. Cells are chosen deterministically: the smallest value first, then table
    order. ``fixed`` cells are chosen as secondary only as a last resort (a total that another
    table shows anyway); ``latent`` cells are never shown; ``frozen`` cells keep the mark another
    table gave them (shown there as such) and are never chosen."""
    fixed = frozenset(fixed)
    latent = frozenset(latent)
    frozen = dict(frozen or {})
    order = {key: i for i, key in enumerate(values)}
    marks = {}
    for key, value in values.items():
        if key in latent:
            marks[key] = LATENT
        elif key in frozen:
            marks[key] = frozen[key]
        else:
            marks[key] = PRIMARY if is_small(value) else PUBLISHED
    if not any(mark in HIDDEN for mark in marks.values()):
        return marks
    by_cell: dict[Hashable, list[Line]] = {}
    for line in lines:
        for key in line.cells:
            by_cell.setdefault(key, []).append(line)

    def cheapest(candidates: Iterable[Hashable]) -> Hashable | None:
        """The smallest shown non-zero cell; a ``fixed`` one only when nothing else is left."""
        open_ = [k for k in candidates if marks[k] == PUBLISHED and values[k] > 0 and k not in frozen]
        if not open_:
            return None
        return min(open_, key=lambda k: (k in fixed, values[k], order[k]))

    def mark(key: Hashable | None) -> bool:
        if key is None:
            return False
        marks[key] = SECONDARY
        return True

    safe_groups: dict = {}
    while True:
        if _line_rule(lines, marks, cheapest, mark):
            continue
        pinned = _pinned_by_intervals(lines, values, marks, order)
        if pinned:
            # One more cell beside the first pinned cell of each group of suppressed cells, in one
            # pass: the groups are independent, and the others of a group may be free after it.
            done_groups: set[int] = set()
            group_of = {k: g for g, (cells, _lines) in enumerate(_components(lines, marks)) for k in cells}
            changed = False
            for key in pinned:
                if group_of[key] in done_groups:
                    continue
                done_groups.add(group_of[key])
                changed |= mark(cheapest([k for line in by_cell.get(key, []) for k in line.cells]))
            if changed:
                continue
        determined = pinned[0] if pinned else _first_determined(lines, marks, order)
        if determined is None:
            determined = _pinned_by_programme(lines, values, marks, order, safe_groups)
        if determined is None:
            return marks
        neighbours = [k for line in by_cell.get(determined, []) for k in line.cells]
        extra = cheapest(neighbours)
        if extra is None:
            extra = cheapest(values)
        if not mark(extra):
            return marks  # everything non-zero is suppressed already: nothing more to hide


def _line_rule(lines, marks, cheapest, mark) -> bool:
    """A line with exactly one suppressed cell: suppress the next smallest non-zero cell in it."""
    changed = False
    for line in lines:
        hidden = [k for k in line.cells if marks[k] != PUBLISHED]
        if len(hidden) == 1 and marks[hidden[0]] in HIDDEN:
            changed |= mark(cheapest(line.cells))
    return changed


# Bounds propagation stops after this many passes over the lines (it converges in a few on real
# tables; a long chain of small steps is cut short, and the exact check covers small groups).
_PROPAGATION_ROUNDS = 40


def _pinned_by_intervals(lines, values, marks, order) -> list[Hashable]:
    """What a reader knows of a suppressed cell from its symbol ("<5": 1–4; "×": 5 or more),
    tightened through every line equation until nothing changes (bounds propagation). Returns
    the suppressed cells left with a single possible value, in table order. Sound (a cell it pins
    is truly pinned); not complete, which ``tests/test_disclosure.py`` checks by brute force on
    small tables."""
    low: dict[Hashable, int] = {}
    high: dict[Hashable, int] = {}
    for key, mark in marks.items():
        if mark == PUBLISHED:
            low[key] = high[key] = values[key]
        elif mark == PRIMARY:
            low[key], high[key] = 1, THRESHOLD - 1
        elif mark == LATENT:
            low[key], high[key] = 0, _INFINITY
        else:
            low[key], high[key] = THRESHOLD, _INFINITY
    relevant = [line for line in lines if any(marks[k] != PUBLISHED for k in line.cells)]
    for _round in range(_PROPAGATION_ROUNDS):
        changed = False
        for line in relevant:
            members_low = sum(low[k] for k in line.members)
            members_high = min(sum(high[k] for k in line.members), _INFINITY)
            total = line.total
            # The total lies between the members' sums; each member between the total and the others.
            new_low, new_high = max(low[total], members_low), min(high[total], members_high)
            if (new_low, new_high) != (low[total], high[total]):
                low[total], high[total], changed = new_low, new_high, True
            for key in line.members:
                if marks[key] == PUBLISHED:
                    continue
                others_low = members_low - low[key]
                others_high = members_high - high[key] if members_high < _INFINITY else _INFINITY
                new_low = max(low[key], low[total] - others_high)
                new_high = min(high[key], high[total] - others_low)
                if (new_low, new_high) != (low[key], high[key]):
                    low[key], high[key], changed = new_low, new_high, True
        if not changed:
            break
    return sorted((k for k, m in marks.items() if m in HIDDEN and low[k] >= high[k]), key=order.__getitem__)


def _first_determined(lines, marks, order) -> Hashable | None:
    """The first suppressed cell whose value follows from the published cells through the line
    equations, or None. A cell is determined exactly when its unit vector lies in the row space
    of the equations restricted to the suppressed cells: in the reduced row echelon form, it is a
    pivot whose row has no other non-zero entry."""
    unknowns = sorted((k for k, m in marks.items() if m != PUBLISHED), key=order.__getitem__)
    index = {k: i for i, k in enumerate(unknowns)}
    rows = []
    for line in lines:
        row = {}
        for key in line.members:
            if key in index:
                row[index[key]] = 1
        if line.total in index:
            row[index[line.total]] = _PRIME - 1  # −1
        if row:
            rows.append(row)
    for col, row in _rref_pivots(rows, len(unknowns)):
        if len(row) == 1 and marks[unknowns[col]] in HIDDEN:
            return unknowns[col]
    return None


def _rref_pivots(rows: list[dict[int, int]], width: int) -> list[tuple[int, dict[int, int]]]:
    """Reduced row echelon form over GF(p) of sparse rows; returns (pivot column, row) pairs."""
    pivots: list[tuple[int, dict[int, int]]] = []
    remaining = [dict(r) for r in rows]
    for col in range(width):
        pivot_row = next((r for r in remaining if r.get(col)), None)
        if pivot_row is None:
            continue
        remaining.remove(pivot_row)
        inverse = pow(pivot_row[col], _PRIME - 2, _PRIME)
        pivot_row = {c: v * inverse % _PRIME for c, v in pivot_row.items()}
        for other in [*remaining, *(r for _c, r in pivots)]:
            factor = other.get(col)
            if factor:
                for c, v in pivot_row.items():
                    value = (other.get(c, 0) - factor * v) % _PRIME
                    if value:
                        other[c] = value
                    else:
                        other.pop(c, None)
        pivots.append((col, pivot_row))
    return pivots


# Groups up to this many suppressed cells get the exact check below (it is cheap at that size);
# bigger ones (a national table of many small cells) keep the checks above, and have so many
# unknowns per equation that a pinned value is far less likely.
LP_LIMIT = 12


def _components(lines, marks) -> list[tuple[list[Hashable], list[Line]]]:
    """Groups of suppressed cells joined by shared lines, with their lines. The line equations
    split along these groups, so each group can be solved on its own."""
    parent: dict[Hashable, Hashable] = {}

    def find(k):
        while parent.setdefault(k, k) != k:
            parent[k] = parent[parent[k]]
            k = parent[k]
        return k

    involved = []
    for line in lines:
        hidden = [k for k in line.cells if marks[k] != PUBLISHED]
        if not hidden:
            continue
        involved.append((line, hidden[0]))
        for k in hidden[1:]:
            parent[find(k)] = find(hidden[0])
    groups: dict[Hashable, tuple[list, list]] = {}
    for key, mark in marks.items():
        if mark != PUBLISHED:
            groups.setdefault(find(key), ([], []))[0].append(key)
    for line, first in involved:
        groups[find(first)][1].append(line)
    return list(groups.values())


def _pinned_by_programme(lines, values, marks, order, cache: dict | None = None) -> Hashable | None:
    """The exact check: for each suppressed cell of a small group, the least and the greatest
    value the published figures and the symbols allow (two linear programmes). A single whole
    number in between means the cell can be recomputed. ``cache`` remembers groups found safe,
    since one new suppression changes one group only."""
    cache = {} if cache is None else cache
    for cells, group_lines in _components(lines, marks):
        if len(cells) > LP_LIMIT:
            continue
        signature = tuple(sorted((order[k], marks[k]) for k in cells))
        if cache.get(signature):
            continue
        cells = sorted(cells, key=order.__getitem__)
        index = {k: i for i, k in enumerate(cells)}
        lower = [1 if marks[k] == PRIMARY else 0 if marks[k] == LATENT else THRESHOLD for k in cells]
        upper = [THRESHOLD - 1 if marks[k] == PRIMARY else None for k in cells]
        equations = []
        for line in group_lines:
            row = [0] * len(cells)
            rhs = 0
            for key in line.members:
                if key in index:
                    row[index[key]] += 1
                else:
                    rhs -= values[key]
            if line.total in index:
                row[index[line.total]] -= 1
            else:
                rhs += values[line.total]
            equations.append((row, rhs))
        for i, key in enumerate(cells):
            if marks[key] not in HIDDEN:
                continue  # a latent quantity may well be determined: it is never shown
            objective = [0] * len(cells)
            objective[i] = 1
            try:
                highest = _lp_max(equations, lower, upper, objective)
                objective[i] = -1
                lowest = _lp_max(equations, lower, upper, objective)
            except _Stuck:
                return key
            if highest is None or lowest is None:
                continue  # unbounded (or no solution, which true figures always have)
            if math.floor(highest + 1e-6) <= math.ceil(-lowest - 1e-6):
                return key
        cache[signature] = True
    return None


_EPS = 1e-9
_MAX_PIVOTS = 5000


class _Stuck(Exception):
    """The simplex did not finish (rounding): the caller then hides one more cell, to be safe."""


def _lp_max(equations, lower, upper, objective) -> float | None:
    """max objective·x subject to the equations and lower ≤ x ≤ upper (None: no upper bound).
    A textbook two-phase simplex with Bland's rule (no cycling), in floating point: the
    equations of a table's lines form a network matrix, whose vertices are whole numbers, so the
    optimum comes out as a whole number up to rounding. Returns None when unbounded or infeasible."""
    n = len(lower)
    # x = lower + y, y ≥ 0; an upper bound becomes y + slack = upper − lower.
    bounded = [i for i in range(n) if upper[i] is not None]
    width = n + len(bounded)
    rows: list[list[float]] = []
    for row, b in equations:
        coefficients = [float(v) for v in row]
        rhs = float(b) - sum(coefficients[i] * lower[i] for i in range(n))
        rows.append([*coefficients, *([0.0] * len(bounded)), rhs])
    for j, i in enumerate(bounded):
        row = [0.0] * (width + 1)
        row[i] = row[n + j] = 1.0
        row[-1] = float(upper[i] - lower[i])
        rows.append(row)
    m = len(rows)
    # One artificial variable per row (columns width .. width+m-1), right-hand sides made ≥ 0.
    table = []
    for r, row in enumerate(rows):
        sign = -1.0 if row[-1] < 0 else 1.0
        table.append([sign * v for v in row[:-1]] + [1.0 if k == r else 0.0 for k in range(m)] + [sign * row[-1]])
    basis = [width + r for r in range(m)]
    total = width + m

    def pivot(r: int, c: int, cost: list[float]) -> None:
        factor = table[r][c]
        table[r] = [v / factor for v in table[r]]
        for other in range(m):
            if other != r and abs(table[other][c]) > _EPS:
                f = table[other][c]
                table[other] = [a - f * b for a, b in zip(table[other], table[r], strict=True)]
        if abs(cost[c]) > _EPS:
            f = cost[c]
            cost[:] = [a - f * b for a, b in zip(cost, table[r], strict=True)]
        basis[r] = c

    def run(cost: list[float], allowed: int) -> bool:
        """Maximise; ``cost`` holds the reduced costs (and −value in its last place). False when unbounded."""
        for _step in range(_MAX_PIVOTS):
            entering = next((c for c in range(allowed) if cost[c] > _EPS), None)
            if entering is None:
                return True
            candidates = [
                (max(table[r][-1], 0.0) / table[r][entering], basis[r], r)
                for r in range(m)
                if table[r][entering] > _EPS
            ]
            if not candidates:
                return False
            pivot(min(candidates)[2], entering, cost)
        raise _Stuck

    def reduced(c_full: list[float]) -> list[float]:
        # Reduced costs of the current basis, with the objective's value (negated) at the end.
        cost = [*c_full, 0.0]
        for r in range(m):
            f = c_full[basis[r]]
            if f:
                cost = [a - f * b for a, b in zip(cost, table[r], strict=True)]
        return cost

    phase_one = reduced([0.0] * width + [-1.0] * m)
    run(phase_one, total)
    if any(table[r][-1] > 1e-7 for r in range(m) if basis[r] >= width):
        return None
    # Drive the artificials left at zero out of the basis where a real column can replace them.
    for r in range(m):
        if basis[r] >= width:
            column = next((c for c in range(width) if abs(table[r][c]) > _EPS and c not in basis), None)
            if column is not None:
                pivot(r, column, [0.0] * (total + 1))
    cost = reduced([float(v) for v in objective] + [0.0] * (total - n))
    if not run(cost, width):
        return None
    value = sum(float(objective[basis[r]]) * table[r][-1] for r in range(m) if basis[r] < n)
    return value + sum(float(objective[i]) * lower[i] for i in range(n))


# --- Tables ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """One shown count. ``value`` is None when suppressed: nothing downstream (a chart, an export)
    can leak what the table hides."""

    value: int | None
    mark: str = PUBLISHED

    @property
    def suppressed(self) -> bool:
        return self.mark != PUBLISHED

    @property
    def text(self) -> str:
        if self.mark == PRIMARY:
            return SMALL_TEXT
        if self.mark == SECONDARY:
            return SECONDARY_TEXT
        return f"{self.value:,}".replace(",", ".")

    @property
    def export(self) -> int | str:
        """For a spreadsheet: the number, or the symbol."""
        return self.text if self.suppressed else self.value

    def __str__(self) -> str:
        return self.text


def number(n: int, *, protect: bool) -> Cell:
    """A lone headline count (no total beside it)."""
    return Cell(None, PRIMARY) if protect and is_small(n) else Cell(n)


@dataclass
class Column:
    """A 1-D table: cells and their total."""

    cells: list[Cell]
    total: Cell

    @property
    def any_suppressed(self) -> bool:
        return self.total.suppressed or any(c.suppressed for c in self.cells)


def column(values: Sequence[int], *, protect: bool, total: int | None = None) -> Column:
    """Cells of one column and its total (the sum unless given, e.g. with an "others" row
    already among the values)."""
    values = list(values)
    grand = sum(values) if total is None else total
    if not protect:
        return Column([Cell(v) for v in values], Cell(grand))
    cells = {i: v for i, v in enumerate(values)} | {"total": grand}
    # The total is shown elsewhere too (a headline figure): hidden only as a last resort.
    marks = suppress(cells, [Line(tuple(range(len(values))), "total")], fixed={"total"})
    return Column(
        [Cell(None if marks[i] != PUBLISHED else v, marks[i]) for i, v in enumerate(values)],
        Cell(None if marks["total"] != PUBLISHED else grand, marks["total"]),
    )


@dataclass
class Grid:
    """A 2-D table with row totals, column totals and the grand total."""

    cells: list[list[Cell]]
    row_totals: list[Cell]
    col_totals: list[Cell]
    grand: Cell
    suppressed_count: int = field(default=0)


def grid(values: Sequence[Sequence[int]], *, protect: bool, width: int | None = None) -> Grid:
    """Protect an R×C table of counts and its margins together: every row with its total,
    every column with its total, and the two margins with the grand total."""
    rows = [list(r) for r in values]
    n_cols = width if width is not None else (len(rows[0]) if rows else 0)
    row_totals = [sum(r) for r in rows]
    col_totals = [sum(r[c] for r in rows) for c in range(n_cols)]
    grand = sum(row_totals)
    if not protect:
        return Grid(
            [[Cell(v) for v in r] for r in rows],
            [Cell(t) for t in row_totals],
            [Cell(t) for t in col_totals],
            Cell(grand),
        )
    cells: dict[Hashable, int] = {}
    for r, row in enumerate(rows):
        for c, v in enumerate(row):
            cells[(r, c)] = v
        cells[(r, "T")] = row_totals[r]
    for c in range(n_cols):
        cells[("T", c)] = col_totals[c]
    cells[("T", "T")] = grand
    lines = [Line(tuple((r, c) for c in range(n_cols)), (r, "T")) for r in range(len(rows))]
    lines += [Line(tuple((r, c) for r in range(len(rows))), ("T", c)) for c in range(n_cols)]
    lines.append(Line(tuple((r, "T") for r in range(len(rows))), ("T", "T")))
    lines.append(Line(tuple(("T", c) for c in range(n_cols)), ("T", "T")))
    marks = suppress(cells, lines, fixed={("T", "T")})

    def cell(key) -> Cell:
        return Cell(None if marks[key] != PUBLISHED else cells[key], marks[key])

    return Grid(
        [[cell((r, c)) for c in range(n_cols)] for r in range(len(rows))],
        [cell((r, "T")) for r in range(len(rows))],
        [cell(("T", c)) for c in range(n_cols)],
        cell(("T", "T")),
        suppressed_count=sum(1 for m in marks.values() if m != PUBLISHED),
    )


class System:
    """Several tables that share cells and add up to each other (a province and its
    kabupaten/kota, a class of origin and the province it is counted in), protected together:
    each table alone may be safe while one of them gives a hidden cell of another back."""

    def __init__(self) -> None:
        self.values: dict[Hashable, int] = {}
        self.lines: list[Line] = []
        self.latent: set[Hashable] = set()
        self.frozen: dict[Hashable, str] = {}
        self.fixed: set[Hashable] = set()

    def cell(self, key: Hashable, value: int, *, latent: bool = False) -> Hashable:
        self.values.setdefault(key, value)
        if latent:
            self.latent.add(key)
        return key

    def line(self, members: Iterable[Hashable], total: Hashable) -> None:
        members = tuple(members)
        if members:
            self.lines.append(Line(members, total))

    def solve(self, *, protect: bool) -> dict[Hashable, Cell]:
        if not protect:
            return {key: Cell(value) for key, value in self.values.items()}
        marks = suppress(self.values, self.lines, fixed=self.fixed, latent=self.latent, frozen=self.frozen)
        return {
            key: Cell(None if marks[key] != PUBLISHED else value, marks[key])
            for key, value in self.values.items()
            if marks[key] != LATENT
        }
