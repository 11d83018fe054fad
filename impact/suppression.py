"""The small-number rule: which counts an outside audience (the public, a co-host) may not see.

One rule, in pure functions, for every page and export an outside audience reads:

1. A count is *sensitive* when the part of it this audience does not already know person by
   person is below the threshold but not zero: 1 to 4 people. (A co-host knows the people who
   agreed to share their details with it: a count made only of them is no secret to it.)
2. What an audience sees is a set of linked tables: totals, rows, columns, headlines and
   drill-downs of the same registrations. Each `Relation` says that a total is the sum of its
   parts (a region of its economies, a session of its economies, firms of their women-led and
   other firms…). Hiding only the sensitive cells is not enough: a region total minus its shown
   economies gives the hidden one. So `protect` plays the adversary (`attack`) on what would
   be shown, and while any hidden cell can be worked out to an exact value it hides one more
   cell beside it: the smallest one that is visible, not zero, in a relation with it
   (complementary suppression). A total made small this way is hidden with what reveals it.
3. Hidden cells are never zero (a zero is no secret), so the adversary may assume each hidden
   cell is at least 1 more than what it knows; `attack` assumes so too, and still pins nothing
   in what `protect` returns.
4. Shares and averages are shown only when the counts they are computed from, and the
   complement of a share, are shown (`shown_share`): a share of a known total is a count.

The adversary (`attack`) works out exact values in two ways, together: linear algebra over every
relation at once (what any chain of subtractions can give), and bounds (hidden cells are at least
their lower bound, so "total 2 over two hidden cells" gives 1 and 1).

`tabulate` builds the linked tables from plain records (one per registration or survey answer):
the cells of each marginal, and the relations between marginals, so that the database layer
only reads rows and the pages only pick cells.
"""

from collections import defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

THRESHOLD = 5

# A cell: (measure, ((dimension, value), …)) with the dimensions sorted.
Key = tuple[str, tuple[tuple[str, Hashable], ...]]


def key(measure: str, **dims) -> Key:
    return (measure, tuple(sorted(dims.items())))


@dataclass(frozen=True)
class Relation:
    """total = sum(parts)."""

    total: Hashable
    parts: tuple

    @property
    def members(self) -> tuple:
        return (self.total, *self.parts)


# --- The adversary --------------------------------------------------------------------------

_PRIME = (1 << 61) - 1  # exact enough: elimination modulo a large prime finds the same rank


def _determined_by_algebra(hidden: set, relations: list[Relation]) -> set:
    """The hidden cells whose value follows from the relations by linear algebra alone (some
    combination of sums and differences of visible numbers), each connected group apart."""
    rows = []
    for relation in relations:
        row = {}
        for member, sign in ((relation.total, 1), *((part, -1) for part in relation.parts)):
            if member in hidden:
                row[member] = (row.get(member, 0) + sign) % _PRIME
        row = {member: coefficient for member, coefficient in row.items() if coefficient}
        if row:
            rows.append(row)
    # Sparse Gauss-Jordan elimination modulo a prime.
    pivots: dict = {}  # pivot variable -> reduced row (pivot coefficient 1)
    for row in rows:
        row = dict(row)
        for variable in [v for v in row if v in pivots]:
            if variable in row:
                factor = row[variable]
                for other, coefficient in pivots[variable].items():
                    value = (row.get(other, 0) - factor * coefficient) % _PRIME
                    if value:
                        row[other] = value
                    else:
                        row.pop(other, None)
        if not row:
            continue
        pivot = min(row, key=repr)
        inverse = pow(row[pivot], _PRIME - 2, _PRIME)
        row = {variable: coefficient * inverse % _PRIME for variable, coefficient in row.items()}
        for other_row in pivots.values():
            if pivot in other_row:
                factor = other_row[pivot]
                for variable, coefficient in row.items():
                    value = (other_row.get(variable, 0) - factor * coefficient) % _PRIME
                    if value:
                        other_row[variable] = value
                    else:
                        other_row.pop(variable, None)
        pivots[pivot] = row
    return {pivot for pivot, row in pivots.items() if len(row) == 1}


def attack(
    shown: Mapping[Hashable, int],
    lower: Mapping[Hashable, int],
    relations: Iterable[Relation],
    *,
    values: Mapping[Hashable, int] | None = None,
) -> dict[Hashable, int]:
    """What an adversary pins down: {hidden cell: its one possible value}.

    `shown` holds the visible numbers, `lower` the hidden cells with the least each can be.
    `values`, if given, are the true values (used only to name the value of a cell that linear
    algebra determines; an adversary would compute it)."""
    relations = [r for r in relations if all(m in shown or m in lower for m in r.members)]
    hidden = set(lower)
    useful = [r for r in relations if any(m in hidden for m in r.members)]
    low = {cell: lower[cell] for cell in hidden}
    high: dict = dict.fromkeys(hidden)  # None: no upper bound known
    for cell in _determined_by_algebra(hidden, useful):
        value = (values or {}).get(cell)
        if value is not None:
            low[cell] = high[cell] = value
    # Bounds, propagated through each relation until nothing moves.
    for _round in range(100):
        moved = False
        for relation in useful:
            bounds = {}
            for member in relation.members:
                if member in shown:
                    bounds[member] = (shown[member], shown[member])
                else:
                    bounds[member] = (low[member], high[member])
            total_low, total_high = bounds[relation.total]
            parts_low = sum(bounds[p][0] for p in relation.parts)
            parts_high = (
                None
                if any(bounds[p][1] is None for p in relation.parts)
                else sum(bounds[p][1] for p in relation.parts)
            )
            updates = {relation.total: (parts_low, parts_high)}
            for part in relation.parts:
                others_low = parts_low - bounds[part][0]
                others_high = (
                    None
                    if any(bounds[p][1] is None for p in relation.parts if p != part)
                    else sum(bounds[p][1] for p in relation.parts if p != part)
                )
                new_high = None if total_high is None else total_high - others_low
                new_low = total_low - others_high if others_high is not None else None
                updates[part] = (new_low, new_high)
            for member, (new_low, new_high) in updates.items():
                if member not in hidden:
                    continue
                if new_low is not None and new_low > low[member]:
                    low[member] = new_low
                    moved = True
                if new_high is not None and (high[member] is None or new_high < high[member]):
                    high[member] = new_high
                    moved = True
        if not moved:
            break
    return {
        cell: low[cell] for cell in hidden if high[cell] is not None and high[cell] <= low[cell]
    }


# --- The rule -------------------------------------------------------------------------------


def sensitive(value: int, known: int = 0, *, threshold: int = THRESHOLD) -> bool:
    """A count whose unknown part is 1 to threshold - 1 people."""
    return 0 < value - known < threshold


def protect(
    cells: Mapping[Hashable, int],
    relations: Iterable[Relation],
    *,
    known: Mapping[Hashable, int] | None = None,
    threshold: int = THRESHOLD,
    unpublished: frozenset = frozenset(),
) -> frozenset:
    """The cells to hide: the sensitive ones, and enough others that no hidden cell can be
    worked out from the visible ones through the relations (see the module's docstring).

    `unpublished` cells are shown nowhere but tie others together (registrations that did not
    attend: registrations minus attendees); they count as hidden, may be zero, and are never
    chosen to hide."""
    known = known or {}
    relations = [r for r in relations if all(m in cells for m in r.members)]
    by_member = defaultdict(list)
    for relation in relations:
        for member in relation.members:
            by_member[member].append(relation)
    # Cells that are one and the same count (a total with a single part: an economy whose
    # registrants all came to one session) are hidden together, as one group.
    same = {cell: cell for cell in cells}

    def find(cell):
        while same[cell] != cell:
            same[cell] = same[same[cell]]
            cell = same[cell]
        return cell

    for relation in relations:
        # Shown zeros are never hidden (no secret in them), so a total with one part that is
        # not a shown zero is that part (if the audience knows as much of both).
        nonzero = [p for p in relation.parts if cells[p] != 0 or p in unpublished]
        if (
            len(nonzero) == 1
            and find(relation.total) != find(nonzero[0])
            and known.get(relation.total, 0) == known.get(nonzero[0], 0)
        ):
            same[find(relation.total)] = find(nonzero[0])
    classes = defaultdict(set)
    for cell in cells:
        classes[find(cell)].add(cell)

    def residual(cell) -> int:
        if cell in unpublished:
            return 0  # never a candidate
        return cells[cell] - known.get(cell, 0)

    primary = {
        cell
        for cell, value in cells.items()
        if sensitive(value, known.get(cell, 0), threshold=threshold) and cell not in unpublished
    }
    hidden = set(unpublished)
    for cell in primary:
        hidden |= classes[find(cell)]

    def pinned_by(hidden: set) -> dict:
        shown = {cell: value for cell, value in cells.items() if cell not in hidden}
        lower = {cell: known.get(cell, 0) + (cell not in unpublished) for cell in hidden}
        found = attack(shown, lower, relations, values=cells)
        return {cell: value for cell, value in found.items() if cell not in unpublished}

    pinned = pinned_by(hidden)
    while pinned:
        # One group of cells more per round, tried before it is chosen: the smallest that
        # frees the smallest pinned cell (hiding one often frees many: an economy hidden frees
        # all its rows on the other pages), else the smallest beside it.
        cell = min(pinned, key=lambda c: (cells[c], repr(c)))
        candidates = sorted(
            {
                find(member)
                for relation in by_member[cell]
                for member in relation.members
                if member not in hidden and residual(member) > 0
            },
            key=lambda c: (
                cells[c],
                any(r.total in classes[c] for r in by_member[cell]),
                repr(c),
            ),
        )
        if not candidates:
            # Nothing beside it can be hidden (every neighbour hidden or known): look no
            # further for this one.
            pinned.pop(cell)
            continue
        # Parts before totals, so that totals stay shown where they can.
        parts = [c for c in candidates if not any(r.total in classes[c] for r in by_member[cell])]
        chosen = None
        for candidate in (parts or candidates)[:6]:
            trial = pinned_by(hidden | classes[candidate])
            if cell not in trial:
                chosen, next_pinned = candidate, trial
                break
        if chosen is None:
            chosen = (parts or candidates)[0]
            next_pinned = pinned_by(hidden | classes[chosen])
        hidden |= classes[chosen]
        pinned = next_pinned
    # Greedy choices made early may have become needless: show again, largest first, every
    # group of cells hidden only to protect others whose showing still pins nothing.
    needed = {find(cell) for cell in primary} | {find(cell) for cell in unpublished}
    for group in sorted(
        {find(cell) for cell in hidden} - needed, key=lambda c: (-cells[c], repr(c))
    ):
        trial = hidden - classes[group]
        if not pinned_by(trial):
            hidden = trial
    return frozenset(hidden)


def shown_share(hidden: frozenset, part: Hashable, rest: Hashable) -> bool:
    """Whether a share part / (part + rest) may be shown: only if both counts are."""
    return part not in hidden and rest not in hidden


# --- Linked tables from records -------------------------------------------------------------


@dataclass(frozen=True)
class Measure:
    """A count over records: `count(record)` adds to a sum; with `distinct`, the distinct
    values it gives (not None) are counted instead, e.g. organisations. Distinct counts add up
    over the organisation's facts (`additive_over`) but not over sessions: an organisation at
    two sessions is one organisation."""

    count: Callable[[dict], object]
    distinct: bool = False


@dataclass
class Tables:
    """The cells of the marginals asked for, and the relations between them; `unpublished`
    cells only tie others together (see `protect`)."""

    cells: dict = field(default_factory=dict)
    relations: list = field(default_factory=list)
    unpublished: set = field(default_factory=set)

    def merge(self, other: "Tables") -> None:
        self.cells.update(other.cells)
        self.relations.extend(other.relations)
        self.unpublished |= other.unpublished


# Dimensions over which a distinct count of organisations adds up: an organisation keeps its
# economy, size and kind across the records counted (see Measure).
FACT_DIMENSIONS = frozenset({"economy", "region", "size", "kind"})
# Dimensions that are groups of another: (group, member).
HIERARCHY = (("region", "economy"), ("quarter", "session"), ("language", "session"))


def tabulate(
    records: Iterable[dict],
    measures: Mapping[str, Measure],
    marginals: Iterable[tuple[str, ...]],
) -> Tables:
    """Every measure over every marginal (a tuple of dimensions, () for the total), and the
    relations: a marginal's cell is the sum of the cells of a marginal with one more dimension
    (or with a group's members, e.g. a region's economies), for distinct counts only over an
    organisation's facts."""
    records = list(records)
    marginals = list(dict.fromkeys(tuple(sorted(m)) for m in marginals))
    tables = Tables()
    index = defaultdict(list)  # (measure, marginal) -> [(cell, dims)]
    members_of = defaultdict(lambda: defaultdict(set))  # group dim -> group value -> members
    for record in records:
        for group, member in HIERARCHY:
            if group in record and member in record:
                members_of[group][record[group]].add(record[member])
    for name, measure in measures.items():
        for marginal in marginals:
            groups = defaultdict(set if measure.distinct else int)
            for record in records:
                value = measure.count(record)
                cell = key(name, **{dim: record[dim] for dim in marginal})
                if measure.distinct:
                    groups[cell]
                    if value is not None:
                        groups[cell].add(value)
                else:
                    groups[cell] += int(value)
            for cell, value in groups.items():
                tables.cells[cell] = len(value) if measure.distinct else value
                index[name, marginal].append((cell, dict(cell[1])))
        for marginal in marginals:
            for finer in marginals:
                extra = set(finer) - set(marginal)
                if set(marginal) <= set(finer) and len(extra) == 1:
                    (dim,) = extra
                    if measure.distinct and dim not in FACT_DIMENSIONS:
                        continue
                    tables.relations += _relations(index, name, marginal, finer)
            for group, member in HIERARCHY:
                if group not in marginal:
                    continue
                finer = tuple(sorted({*marginal} - {group} | {member}))
                if finer not in marginals or (measure.distinct and member not in FACT_DIMENSIONS):
                    continue
                tables.relations += _group_relations(
                    index, name, marginal, finer, group, member, members_of[group]
                )
    return tables


def _relations(index: dict, measure: str, marginal: tuple, finer: tuple) -> list[Relation]:
    parts = defaultdict(list)
    for cell, dims in index[measure, finer]:
        parts[key(measure, **{dim: dims[dim] for dim in marginal})].append(cell)
    return [
        Relation(total, tuple(parts[total]))
        for total, _dims in index[measure, marginal]
        if parts[total]
    ]


def _group_relations(index, measure, marginal, finer, group, member, members_of) -> list[Relation]:
    finer_cells = {cell for cell, _dims in index[measure, finer]}
    relations = []
    for total, dims in index[measure, marginal]:
        rest = {dim: value for dim, value in dims.items() if dim != group}
        parts = tuple(
            cell
            for value in sorted(members_of[dims[group]], key=repr)
            if (cell := key(measure, **rest, **{member: value})) in finer_cells
        )
        if parts:
            relations.append(Relation(total, parts))
    return relations


def split_relations(tables: Tables, whole: str, parts: tuple[str, ...]) -> list[Relation]:
    """Relations whole(cell) = sum of parts(cell) for every cell where all exist, e.g.
    firms = women-led firms + other firms, on every marginal where all three are counted."""
    relations = []
    for cell in list(tables.cells):
        if cell[0] != whole:
            continue
        members = tuple((part, cell[1]) for part in parts)
        if all(member in tables.cells for member in members):
            relations.append(Relation(cell, members))
    return relations


@dataclass(frozen=True)
class Protected:
    """What one outside audience may see: `value(measure, **dims)` is the count, or None where
    it is hidden (0 where no record falls in the cell)."""

    cells: Mapping
    hidden: frozenset

    def value(self, measure: str, **dims) -> int | None:
        cell = key(measure, **dims)
        if cell in self.hidden:
            return None
        return self.cells.get(cell, 0)

    def shows(self, measure: str, **dims) -> bool:
        return key(measure, **dims) not in self.hidden

    def keys(self, measure: str, by: str, **within) -> list:
        """The values of `by` that have a cell of `measure` within these dimensions."""
        wanted = tuple(sorted({*within, by}))
        found = []
        for cell in self.cells:
            if cell[0] != measure or tuple(dim for dim, _v in cell[1]) != wanted:
                continue
            dims = dict(cell[1])
            if all(dims[dim] == value for dim, value in within.items()):
                found.append(dims[by])
        return found

    @property
    def shown(self) -> dict:
        return {cell: value for cell, value in self.cells.items() if cell not in self.hidden}


def protected(
    tables: Tables, *, known: Mapping | None = None, threshold: int = THRESHOLD
) -> Protected:
    """The tables with the rule applied."""
    hidden = protect(
        tables.cells,
        tables.relations,
        known=known,
        threshold=threshold,
        unpublished=frozenset(tables.unpublished),
    )
    return Protected(
        cells={c: v for c, v in tables.cells.items() if c not in tables.unpublished},
        hidden=hidden - tables.unpublished,
    )
