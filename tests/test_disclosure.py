"""Disclosure control (reports/disclosure.py): small cells become "<5", and enough other cells are
hidden ("×") that no hidden count can be recomputed from what is shown — checked here with
independent code: exact rational linear algebra, and brute force over every table that fits."""

from __future__ import annotations

import itertools
import random
from fractions import Fraction

import pytest

from reports import disclosure as d
from reports.disclosure import PRIMARY, PUBLISHED, SECONDARY, Line


def texts(column: d.Column) -> list[str]:
    return [c.text for c in column.cells]


# --- One column with its total ------------------------------------------------------------------


def test_unprotected_figures_are_shown_as_they_are():
    col = d.column([3, 10, 12], protect=False)
    assert texts(col) == ["3", "10", "12"] and col.total.text == "25"
    grid = d.grid([[1, 2], [3, 4]], protect=False)
    assert grid.suppressed_count == 0 and grid.grand.value == 10


def test_a_small_cell_and_the_next_smallest_are_hidden_so_the_total_does_not_give_it_back():
    # Kota Kupang: 3 local residents, 6 from elsewhere in NTT, 14 from other provinces.
    col = d.column([3, 6, 14], protect=True)
    assert texts(col) == ["<5", "×", "14"]
    assert col.total.text == "23"
    assert col.cells[0].value is None and col.cells[1].value is None  # nothing left to leak


def test_nothing_is_hidden_without_small_cells():
    col = d.column([5, 10, 0, 120], protect=True)
    assert texts(col) == ["5", "10", "0", "120"] and not col.any_suppressed


def test_zeros_are_never_hidden():
    col = d.column([0, 3, 0, 9], protect=True)
    assert texts(col) == ["0", "<5", "0", "×"]


def test_a_small_total_is_hidden_too():
    col = d.column([0, 2, 0], protect=True)
    assert texts(col) == ["0", "<5", "0"] and col.total.text == "<5"


def test_two_small_cells_protect_each_other_unless_their_sum_pins_them():
    assert texts(d.column([2, 3, 40], protect=True)) == ["<5", "<5", "40"]  # 2 + 3 = 5: 1+4, 2+3, 3+2, 4+1
    # 1 + 1 = 2 leaves only 1 and 1; 4 + 4 = 8 only 4 and 4: one more cell must go.
    assert texts(d.column([1, 1, 40], protect=True)) == ["<5", "<5", "×"]
    assert texts(d.column([4, 4, 40, 50], protect=True)) == ["<5", "<5", "×", "50"]


def test_symbols_are_taken_into_account():
    # "<5" means 1–4 and "×" means 5 or more: with 1 and 5 hidden and the total 46 shown, 41 is
    # their sum only if 40 were shown — so 40 is hidden as well: 1 + 5 = 6 would pin both.
    assert texts(d.column([1, 5, 40], protect=True)) == ["<5", "×", "×"]


def test_the_total_shown_elsewhere_is_hidden_only_as_a_last_resort():
    col = d.column([3, 0, 0, 0], protect=True)
    assert col.total.text == "<5"  # small itself
    col = d.column([3, 50], protect=True)
    assert col.total.text == "53" and texts(col) == ["<5", "×"]


def test_cell_text_and_export():
    assert d.Cell(1234567).text == "1.234.567" and d.Cell(1234567).export == 1234567
    assert d.Cell(None, PRIMARY).export == "<5" and d.Cell(None, SECONDARY).export == "×"
    assert d.number(3, protect=True).text == "<5" and d.number(3, protect=False).text == "3"
    assert d.number(0, protect=True).text == "0" and d.number(5, protect=True).text == "5"


def test_the_result_is_deterministic():
    values = [[3, 10, 12, 7], [20, 30, 40, 9], [15, 8, 9, 6]]
    first = d.grid(values, protect=True)
    again = d.grid(values, protect=True)
    assert [[c.mark for c in row] for row in first.cells] == [[c.mark for c in row] for row in again.cells]


# --- Two-way tables with margins ----------------------------------------------------------------


def grid_cells(g: d.Grid) -> dict:
    cells = {}
    for r, row in enumerate(g.cells):
        for c, cell in enumerate(row):
            cells[(r, c)] = cell
        cells[(r, "T")] = g.row_totals[r]
    for c, cell in enumerate(g.col_totals):
        cells[("T", c)] = cell
    cells[("T", "T")] = g.grand
    return cells


def grid_lines(rows: int, cols: int) -> list[Line]:
    lines = [Line(tuple((r, c) for c in range(cols)), (r, "T")) for r in range(rows)]
    lines += [Line(tuple((r, c) for r in range(rows)), ("T", c)) for c in range(cols)]
    lines.append(Line(tuple((r, "T") for r in range(rows)), ("T", "T")))
    lines.append(Line(tuple(("T", c) for c in range(cols)), ("T", "T")))
    return lines


def true_values(values: list[list[int]]) -> dict:
    rows, cols = len(values), len(values[0])
    out = {(r, c): values[r][c] for r in range(rows) for c in range(cols)}
    for r in range(rows):
        out[(r, "T")] = sum(values[r])
    for c in range(cols):
        out[("T", c)] = sum(values[r][c] for r in range(rows))
    out[("T", "T")] = sum(map(sum, values))
    return out


def test_the_classic_case_hides_a_rectangle():
    g = d.grid([[3, 10, 12], [20, 30, 40], [15, 8, 9]], protect=True)
    assert [[c.text for c in row] for row in g.cells] == [["<5", "×", "12"], ["20", "30", "40"], ["×", "×", "9"]]
    assert [c.text for c in g.row_totals] == ["25", "90", "32"] and g.grand.text == "147"


def test_every_line_has_no_or_at_least_two_hidden_cells():
    rnd = random.Random(7)
    for _ in range(200):
        rows, cols = rnd.randint(1, 6), rnd.randint(1, 6)
        values = [[rnd.choice([0, 0, 1, 2, 3, 4, 5, 7, 9, 15, 40]) for _c in range(cols)] for _r in range(rows)]
        cells = grid_cells(d.grid(values, protect=True))
        for line in grid_lines(rows, cols):
            hidden = sum(1 for key in line.cells if cells[key].suppressed)
            assert hidden != 1, (values, line)
        for key, n in true_values(values).items():
            if d.is_small(n):
                assert cells[key].mark == PRIMARY
            if cells[key].suppressed:
                assert n > 0  # zeros are never hidden


def rank(matrix: list[list[Fraction]]) -> int:
    rows = [list(r) for r in matrix]
    rank_ = 0
    width = len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank_, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank_], rows[pivot] = rows[pivot], rows[rank_]
        for i in range(len(rows)):
            if i != rank_ and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank_][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank_], strict=True)]
        rank_ += 1
    return rank_


def determined_cells(cells: dict, lines: list[Line]) -> list:
    """Hidden cells whose value follows from the shown ones through the line equations: those
    whose unit vector lies in the row space (the rank does not grow when it is added)."""
    hidden = [k for k, cell in cells.items() if cell.suppressed]
    index = {k: i for i, k in enumerate(hidden)}
    matrix = []
    for line in lines:
        row = [Fraction(0)] * len(hidden)
        for key in line.members:
            if key in index:
                row[index[key]] += 1
        if line.total in index:
            row[index[line.total]] -= 1
        if any(row):
            matrix.append(row)
    if not matrix:
        return []
    base = rank(matrix)
    found = []
    for key, i in index.items():
        unit = [Fraction(0)] * len(hidden)
        unit[i] = Fraction(1)
        if rank([*matrix, unit]) == base:
            found.append(key)
    return found


@pytest.mark.parametrize("seed", range(3))
def test_no_hidden_cell_follows_from_the_totals(seed):
    """Exact rational linear algebra over random tables up to 8×6: every hidden cell keeps at
    least one degree of freedom, whatever combination of rows, columns and totals is used."""
    rnd = random.Random(seed)
    for _ in range(25):
        rows, cols = rnd.randint(2, 8), rnd.randint(2, 6)
        pool = rnd.choice([[0, 1, 2, 3, 5, 8, 20], [0, 0, 0, 1, 2, 9, 30, 100], [1, 2, 3, 4, 5, 6]])
        values = [[rnd.choice(pool) for _c in range(cols)] for _r in range(rows)]
        cells = grid_cells(d.grid(values, protect=True))
        assert determined_cells(cells, grid_lines(rows, cols)) == [], values


def test_a_bridge_between_two_hidden_rectangles_is_caught():
    """Two rectangles of hidden cells joined by one hidden cell: every row and column holds two
    hidden cells, yet the joining cell is determined (it is the only link between the groups)."""
    # Rows 0-1 × columns 0-1 form one rectangle, rows 2-3 × columns 2-3 another; (1, 2) joins them.
    values = {(r, c): 10 for r in range(4) for c in range(4)}
    marks = {key: PUBLISHED for key in values}
    for key in [(0, 0), (0, 1), (1, 0), (1, 1), (2, 2), (2, 3), (3, 2), (3, 3), (1, 2)]:
        marks[key] = SECONDARY
    lines = [Line(tuple((r, c) for c in range(4)), ("R", r)) for r in range(4)]
    lines += [Line(tuple((r, c) for r in range(4)), ("C", c)) for c in range(4)]
    for r in range(4):
        values[("R", r)], marks[("R", r)] = 40, PUBLISHED
        values[("C", r)], marks[("C", r)] = 40, PUBLISHED
    order = {key: i for i, key in enumerate(values)}
    assert d._first_determined(lines, marks, order) == (1, 2)


def feasible(values: list[list[int]], g: d.Grid) -> dict:
    """Every value each hidden cell can take in some table consistent with everything shown,
    the symbols included ("<5": 1–4, "×": 5 or more)."""
    rows, cols = len(values), len(values[0])
    shown = grid_cells(g)
    cap = 2 * sum(map(sum, values)) + 5

    def options(cell, limit):
        if not cell.suppressed:
            return [cell.value]
        return range(1, 5) if cell.mark == PRIMARY else range(5, limit + 1)

    grand_limit = g.grand.value if not g.grand.suppressed else cap
    col_limits = [c.value if not c.suppressed else grand_limit for c in g.col_totals]
    seen: dict = {}

    def walk(r, acc):
        if r == rows:
            col_sums = [sum(acc[i][c] for i in range(rows)) for c in range(cols)]
            if any(s not in options(shown[("T", c)], grand_limit) for c, s in enumerate(col_sums)):
                return
            if sum(col_sums) not in options(shown[("T", "T")], cap):
                return
            candidate = true_values(acc)
            for key, value in candidate.items():
                seen.setdefault(key, set()).add(value)
            return
        for combo in itertools.product(*(options(shown[(r, c)], col_limits[c]) for c in range(cols))):
            if sum(combo) in options(shown[(r, "T")], grand_limit):
                walk(r + 1, [*acc, list(combo)])

    walk(0, [])
    return seen


def test_brute_force_no_hidden_cell_has_a_single_possible_value():
    """Small tables, every consistent table enumerated: each hidden cell can take at least two
    values. (This is what the interval and linear-programme checks guarantee.)"""
    rnd = random.Random(2019)
    checked = 0
    while checked < 15:
        rows, cols = rnd.choice([(2, 2), (2, 3), (3, 2)])
        values = [[rnd.choice([0, 1, 2, 3, 4, 5, 6]) for _c in range(cols)] for _r in range(rows)]
        g = d.grid(values, protect=True)
        if not g.suppressed_count:
            continue
        checked += 1
        seen = feasible(values, g)
        for key, cell in grid_cells(g).items():
            if cell.suppressed:
                assert len(seen[key]) >= 2, (values, key, seen[key])


def test_large_tables_are_protected_in_reasonable_time():
    rnd = random.Random(3)
    values = [[rnd.choice([0, 0, 0, 1, 2, 3, 4, 6, 9, 30]) for _c in range(7)] for _r in range(60)]
    g = d.grid(values, protect=True)
    cells = grid_cells(g)
    lines = grid_lines(60, 7)
    for line in lines:
        assert sum(1 for key in line.cells if cells[key].suppressed) != 1
