"""The staff lists' data interface: FAB's SQLAInterface, with what a list page reads done once
or for the whole page (list_widgets.py renders the page; this module queries it).

* ``RekomInterface`` converts each column to its search filters once (``MemoFilterConverter``):
  FAB converted all the model's columns (88 for a request) for each ``Filters`` it made, five
  per page; a request or an account is filtered by its typed code (web/lookups.py);
* it loads only the columns a list's cells read (``list_load``), the page's related rows in one
  statement each (``list_relations``), and counts a long list up to ``count_cap`` (``CountPast``:
  "more than 10.000").
"""
from __future__ import annotations

import flask_babel
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.utils.base import is_column_dotted
from markupsafe import escape
from sqlalchemy import func, select
from sqlalchemy.orm import MANYTOMANY, MANYTOONE, Load
from sqlalchemy.orm.attributes import set_committed_value

from app.web.formats import number_text
from app.web.lookups import LookupEqual, LookupNotEqual, lookup_of, related_row


class MemoFilterConverter(SQLAFilterConverter):
    """A column's search filters depend only on its type: converted once per column.

    Callers get a new list each time (FAB's ``Filters`` extends these lists in place); the
    filter objects in it hold no request state (column, model) and FAB shares them between
    requests already (``ModelView._filters``).
    """

    def convert(self, col_name):
        cache = self.datamodel._filter_conversions
        if col_name not in cache:
            # A request or an account is typed, not picked (web/lookups.py).
            cache[col_name] = ([flt(col_name, self.datamodel)
                                for flt in (LookupEqual, LookupNotEqual)]
                               if lookup_of(self.datamodel, col_name) is not None
                               else super().convert(col_name))
        converted = cache[col_name]
        return None if converted is None else list(converted)


class CountPast(int):
    """A list's record count past the view's cap: FAB's pages are counted from it as a number
    (the cap), the page reads "more than <cap>"."""

    def __html__(self) -> str:
        return str(escape(flask_babel.gettext("more than %(count)s",
                                              count=number_text(int(self)))))


# A long list's count stops here (RekomInterface.count_cap): "more than 10.000".
COUNT_CAP = 10_000


class RekomInterface(SQLAInterface):
    """FAB's interface; ``list_load`` names the columns a list page loads (FAB's query loads
    them alone: ``load_only``). For a wide table: a page of requests selected all ~100 columns,
    and PostgreSQL sorted those ~6 kB rows for a deep page's OFFSET (bench/README.md, "Peer
    baseline"). A column the page reads and the list omits would load row by row: the list's
    tests count the statements of a page."""

    filter_converter_class = MemoFilterConverter

    def __init__(self, *args, list_load=None, **kwargs):
        self._filter_conversions: dict = {}
        self._plain: dict = {}
        self.list_load = list(list_load) if list_load else None
        # Many-to-one relations a list page shows (its views add theirs: screens.py): read for
        # the page's rows in one statement each. FAB's list loads them lazily, one statement a
        # row (a variables' list: 25 requests of ~100 columns, 30 statements a page).
        self.list_relations: tuple = ()
        # Set by a view over a history that only grows (variables, reviews, the audit log...):
        # its list counts at most this many rows, then says "more than" (CountPast). An exact
        # count read every matching row on every page: at 100 000 requests the nation's audit
        # log counted 810 000 rows (72 ms a page), ten times that at a million.
        self.count_cap: int | None = None
        super().__init__(*args, **kwargs)

    def query(self, filters=None, order_column="", order_direction="", page=None,
              page_size=None, select_columns=None, outer_default_load=False):
        if select_columns is None and self.list_load:
            select_columns = self.list_load
        count, rows = super().query(filters, order_column, order_direction, page, page_size,
                                    select_columns, outer_default_load)
        for name in self.list_relations:
            self._load_related(rows, name)
        return count, rows

    def _load_related(self, rows, name: str) -> None:
        prop = self.obj.__mapper__.relationships[name]
        if prop.direction is MANYTOMANY:
            self._load_collection(rows, name, prop)
            return
        [(local, remote)] = prop.local_remote_pairs  # a plain foreign key (checked by the view)
        key = self.obj.__mapper__.get_property_by_column(local).key
        wanted = {getattr(row, key) for row in rows} - {None}
        found = {}
        if wanted:
            target = prop.mapper.class_
            found = {getattr(obj, remote.key): obj for obj in self.session.scalars(
                select(target).where(remote.in_(wanted)))}
        for row in rows:
            set_committed_value(row, name, found.get(getattr(row, key)))

    def _load_collection(self, rows, name: str, prop) -> None:
        """A many-to-many (an account's roles): the page's links with their rows, one
        statement."""
        [(parent_col, link_parent)] = prop.synchronize_pairs
        [(target_col, link_target)] = prop.secondary_synchronize_pairs
        key = self.obj.__mapper__.get_property_by_column(parent_col).key
        wanted = {getattr(row, key) for row in rows} - {None}
        found: dict = {}
        if wanted:
            target = prop.mapper.class_
            for owner, obj in self.session.execute(
                    select(link_parent, target).select_from(prop.secondary)
                    .join(target, target_col == link_target)
                    .where(link_parent.in_(wanted)).order_by(link_parent, target_col)):
                found.setdefault(owner, []).append(obj)
        for row in rows:
            set_committed_value(row, name, found.get(getattr(row, key), []))

    def add_list_relations(self, columns) -> None:
        """Load these of a list's columns for the whole page at once: the many-to-one
        relations over one foreign key column, and the many-to-many over a link table of two
        (an account's roles)."""
        rels = self.obj.__mapper__.relationships

        def by_page(rel) -> bool:
            if rel.direction is MANYTOONE:
                return len(rel.local_remote_pairs) == 1
            return (rel.direction is MANYTOMANY and len(rel.synchronize_pairs) == 1
                    and len(rel.secondary_synchronize_pairs) == 1)

        self.list_relations = tuple(sorted({*self.list_relations, *(
            col for col in columns if col in rels and by_page(rels[col]))}))

    def _plain_columns(self, select_columns) -> bool:
        if not select_columns:
            return False
        key = tuple(select_columns)
        plain = self._plain.get(key)
        if plain is None:  # FAB's checks walk the model's attributes: once per column list
            plain = self._plain[key] = all(
                not is_column_dotted(col) and not self.is_relation(col)
                and not self.is_property_or_function(col) for col in select_columns)
        return plain

    def query_count(self, query, filters=None, select_columns=None) -> int:
        if self.count_cap is not None:
            # Keys of the filtered rows, at most one past the cap: the count stops there.
            keys = self.apply_filters(
                self.session.query(*self.obj.__mapper__.primary_key),
                self.get_inner_filters(filters)).limit(self.count_cap + 1).subquery()
            found = self.session.query(func.count()).select_from(keys).scalar()
            return CountPast(found - 1) if found > self.count_cap else found
        # count(*) of the filtered table. FAB counts over a sub-select of the page's columns,
        # each with its load_only option: the same plan, but ~1 ms of Python a page to build.
        if not self._plain_columns(select_columns):
            return super().query_count(query, filters, select_columns)
        counted = self.session.query(func.count()).select_from(self.obj)
        return self.apply_filters(counted, self.get_inner_filters(filters)).scalar()

    def apply_inner_select_joins(self, query, select_columns=None, aliases_mapping=None):
        # One load_only for the page's columns where FAB chains one per column.
        if not self._plain_columns(select_columns):
            return super().apply_inner_select_joins(query, select_columns, aliases_mapping)
        return query.options(
            Load(self.obj).load_only(*(getattr(self.obj, col) for col in select_columns)))

    def get_related_obj(self, col_name, value):
        # FAB loads by key; a lookup relation also by its code (web/lookups.py).
        lookup = lookup_of(self, col_name)
        if lookup is None:
            return super().get_related_obj(col_name, value)
        return related_row(self.get_related_interface(col_name), lookup, value)

    def get_search_columns_list(self) -> list[str]:
        # FAB filters a JSON column as text; PostgreSQL has no text operators on json, so every
        # such filter failed there: not offered (a view may still name one).
        return [col for col in super().get_search_columns_list() if not self.is_json(col)]
