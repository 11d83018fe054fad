"""Economies for the public forms without a query per request: every economy by its code, and
the choices in each language (names and order as `Economy.objects.order_by("sort_name")` gives
them in that language).

Economies are reference data: migrations load them and staff may correct one in the admin. A
process keeps one copy in memory, checked on each use against a generation token held in the
shared cache (one cache read: no query); the rows themselves are in the shared cache too, so a
process that starts, or sees a new generation, reads them from there rather than from the
database. What makes the copy stale changes the generation:

- saving or deleting an Economy (the admin, the ORM): `post_save`/`post_delete` call
  `invalidate()` at once, and again when the transaction commits, so that a process that read
  the rows between the save and the commit reads them again; until then the saving transaction
  reads the rows from the database, so that a rolled-back change is never kept;
- `migrate` (`post_migrate`), and every deploy: the keys carry a version made of the project's
  migration files and this module, so a release with a new migration, or a new shape of what is
  kept here, never reads what an older one stored;
- an emptied cache: a missing generation is replaced by a new one.

`QuerySet.update()`, `bulk_create()` and raw SQL send no signal: call `invalidate()` after them.
"""

import hashlib
import threading
import uuid
from dataclasses import dataclass
from functools import cache as memoise
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, transaction
from django.db.models.base import ModelState

from outreach.models import Economy

# How long the rows of one generation stay in the shared cache once nobody asks for them.
ROWS_TIMEOUT = 7 * 24 * 3600


@dataclass(frozen=True)
class Economies:
    generation: str
    by_code: dict[str, Economy]
    # (code, name) pairs per language, in the order the database sorts that language's names.
    choices: dict[str, tuple[tuple[str, str], ...]]


_memo: Economies | None = None
# The outermost atomic block of a transaction that changed an economy and has not committed yet,
# per thread (each thread has its own connection).
_changing = threading.local()


@memoise
def deploy_version() -> str:
    """Names this release's view of the economies: the migration files of the project's apps
    (a migration may load or change economies) and this module's own source."""
    digest = hashlib.sha256(Path(__file__).read_bytes())
    root = Path(settings.BASE_DIR).resolve()
    for config in sorted(apps.get_app_configs(), key=lambda config: config.label):
        folder = Path(config.path).resolve() / "migrations"
        if root not in folder.parents or not folder.is_dir():
            continue
        for path in sorted(folder.glob("*.py")):
            digest.update(f"{config.label}/{path.name}\0".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _generation_key() -> str:
    return f"economies:{deploy_version()}:generation"


def _rows_key(generation: str) -> str:
    return f"economies:{deploy_version()}:rows:{generation}"


def languages() -> tuple[str, ...]:
    return tuple(code for code, _name in settings.LANGUAGES)


def current() -> Economies:
    """Every economy and the choices in every language, as of the latest change."""
    global _memo
    if _changed_in_this_transaction():
        return _build("", _read_rows())
    generation = cache.get(_generation_key())
    if generation is None:
        cache.add(_generation_key(), uuid.uuid4().hex, timeout=None)
        generation = cache.get(_generation_key())
    memo = _memo
    if memo is not None and memo.generation == generation:
        return memo
    key = _rows_key(generation)
    rows = cache.get(key)
    if rows is None:
        rows = _read_rows()
        cache.set(key, rows, timeout=ROWS_TIMEOUT)
    memo = _build(generation, rows)
    _memo = memo
    return memo


def get(code: str) -> Economy | None:
    """The economy with this ISO code (exactly: "CL", not "cl"), as a fresh instance the caller
    may change; None if there is none."""
    economy = current().by_code.get(code)
    if economy is None:
        return None
    copy = Economy.__new__(Economy)
    copy.__dict__.update(economy.__dict__)
    copy._state = ModelState()
    copy._state.db, copy._state.adding = economy._state.db, False
    return copy


def choices(language: str) -> tuple[tuple[str, str], ...]:
    """(code, name) for every economy, named and sorted in `language` (the site's default
    language for one the site does not have)."""
    by_language = current().choices
    return by_language.get(language) or by_language[settings.LANGUAGE_CODE]


def invalidate(**_kwargs) -> None:
    """Make every process read the economies again (from the shared cache, filled again from
    the database by the first process that asks)."""
    global _memo
    _memo = None
    cache.set(_generation_key(), uuid.uuid4().hex, timeout=None)


def economy_changed(sender=None, using=DEFAULT_DB_ALIAS, **kwargs) -> None:
    """post_save and post_delete of Economy (outreach/apps.py connects it)."""
    invalidate()
    connection = transaction.get_connection(using)
    if connection.in_atomic_block:
        _changing.block = connection.atomic_blocks[0]
        _changing.using = using
        transaction.on_commit(_committed, using=using)


def _committed() -> None:
    _changing.block = None
    invalidate()


def _changed_in_this_transaction() -> bool:
    block = getattr(_changing, "block", None)
    if block is None:
        return False
    connection = transaction.get_connection(_changing.using)
    if connection.in_atomic_block and connection.atomic_blocks[0] is block:
        return True
    _changing.block = None  # that transaction is over (rolled back: nothing to invalidate)
    return False


def _read_rows() -> dict:
    """What the shared cache keeps: every economy, and the codes in each language's order."""
    economies = list(Economy.objects.order_by("code"))
    order = {
        language: list(
            Economy.objects.order_by(f"sort_name_{language}", "code").values_list("code", flat=True)
        )
        for language in languages()
    }
    return {"economies": economies, "order": order}


def _build(generation: str, rows: dict) -> Economies:
    by_code = {economy.code: economy for economy in rows["economies"]}
    return Economies(
        generation=generation,
        by_code=by_code,
        choices={
            language: tuple(
                (code, getattr(by_code[code], f"name_{language}"))
                for code in codes
                if code in by_code
            )
            for language, codes in rows["order"].items()
        },
    )
