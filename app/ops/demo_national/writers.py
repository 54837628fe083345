"""The national demo's writing (app/ops/demo_national): the columns of each table, one chunk's
rows in one transaction (``COPY`` on PostgreSQL, executemany Core inserts on SQLite) with the
catalogue's search index, and at the end the letter counters, the id sequences and ANALYZE.
``ctx`` is the run's generate._Ctx."""
from __future__ import annotations

import json

from sqlalchemy import func, insert, select, text
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from app.models import (
    ActivityRequest,
    AuditEvent,
    Complaint,
    Letter,
    LetterCounter,
    Rating,
    RequestVariable,
    Review,
)

# Columns written, in COPY order.
REQ_COLS = (
    "id", "tracking_code", "office_id", "applicant_id", "officer_id", "channel", "state",
    "recommendation_code", "title", "year", "kind", "sector", "agency_name", "agency_unit",
    "agency_head_title", "agency_address", "agency_phone", "agency_email", "resp_name",
    "resp_position", "resp_address", "resp_phone", "resp_email", "tech_name", "tech_position",
    "tech_address", "tech_phone", "tech_email", "background", "objectives", "benefits",
    "funding_source", "planning_start", "planning_end", "design_start", "design_end",
    "collection_start", "collection_end", "processing_start", "processing_end",
    "analysis_start", "analysis_end", "dissemination_start", "dissemination_end",
    "evaluation_start", "evaluation_end", "repetition", "frequency", "collection_type",
    "coverage", "coverage_area", "coverage_level", "presentation_level", "collection_methods",
    "collection_media", "collection_units", "is_census", "sample_stages", "selection_method",
    "selection_method_name", "sampling_frame", "sample_size", "sampling_error", "sample_unit",
    "observation_unit", "pilot_test", "nonresponse_adjustment", "field_staff_count",
    "field_staff_education", "field_staff_training", "analysis_method", "analysis_units",
    "analysis_unit", "result_level", "quality_control", "processing_stages",
    "dissemination_products", "release_date_printed", "release_date_digital",
    "release_date_microdata", "created_at", "updated_at", "submitted_at", "complete_at",
    "clock_paused_at", "due_date", "sent_at", "sent_working_days", "closed_at",
)
VAR_COLS = ("id", "request_id", "position", "name", "concept", "definition", "reference_period",
            "questionnaire_item")
REVIEW_COLS = ("id", "request_id", "round", "officer_id", "checklist", "notes", "outcome",
               "started_at", "finished_at")
LETTER_COLS = ("id", "request_id", "office_id", "number", "year", "sequence", "result",
               "suggestions", "body", "drafted_at", "letter_date", "issued_at", "sent_at",
               "drafted_by_id", "issued_by_id", "signer_name", "signer_nip", "sha256",
               "verification_code")
RATING_COLS = ("id", "request_id", "office_id", "rater_id", "e1", "e2", "e3", "e4", "e5", "e6",
               "e7", "e8", "e9", "comment", "created_at")
AUDIT_COLS = ("id", "at", "actor_id", "office_id", "object_type", "object_id", "action",
              "from_state", "to_state", "note")
COMPLAINT_COLS = ("id", "tracking_code", "office_id", "channel", "reporter_name",
                  "reporter_email", "reporter_phone", "reporter_id", "request_id", "subject",
                  "text", "state", "assignee_id", "answer", "created_at", "ack_due_date",
                  "due_date", "acknowledged_at", "answered_at", "closed_at")
# (table, columns, columns holding JSON), in the order a chunk writes them.
TABLES = (
    (ActivityRequest.__table__, REQ_COLS, ()),
    (RequestVariable.__table__, VAR_COLS, ()),
    (Review.__table__, REVIEW_COLS, ("checklist",)),
    (Letter.__table__, LETTER_COLS, ()),
    (Rating.__table__, RATING_COLS, ()),
    (AuditEvent.__table__, AUDIT_COLS, ()),
    (Complaint.__table__, COMPLAINT_COLS, ()),
)


def _max_ids(session) -> dict:
    return {t.name: session.scalar(select(func.coalesce(func.max(t.c.id), 0))) or 0
            for t, _, _ in TABLES}


def _may_skip_triggers(session) -> bool:
    """May this role turn the triggers off for its own transactions (a superuser)?"""
    return session.scalar(text("SELECT current_setting('is_superuser')")) == "on"


# --- Writing ---------------------------------------------------------------------------------

def _write(ctx, rows: dict, recommended: list[int]) -> None:
    """One chunk, one transaction: COPY (PostgreSQL) or executemany (SQLite)."""
    session = ctx.session
    if not ctx.pg:
        for table, cols, _json in TABLES:
            if rows[table.name]:
                session.execute(insert(table), [dict(zip(cols, row))
                                                for row in rows[table.name]])
        session.commit()
        return
    if ctx.trigger_free:
        session.execute(text("SET LOCAL session_replication_role = replica"))
    raw = session.connection().connection.driver_connection
    with raw.cursor() as cur:
        for table, cols, json_cols in TABLES:
            data = rows[table.name]
            if not data:
                continue
            js = [cols.index(c) for c in json_cols]
            with cur.copy(f"COPY {table.name} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in data:
                    if js:
                        row = list(row)
                        for i in js:
                            row[i] = json.dumps(row[i])
                    copy.write_row(row)
        if ctx.trigger_free and recommended:
            # What the triggers would have done: the search document of each recommended
            # request, by the triggers' own function.
            cur.execute("SELECT count(rekomstat_search_refresh(rid)) FROM unnest(%s::int[]) "
                        "AS rid", (recommended,))
    session.commit()


def _refresh_statistics(ctx, chunks_written: int) -> None:
    """PostgreSQL's statistics of the tables being filled, after the 1st, 2nd, 4th, 8th… chunk.

    Without them (autovacuum may be off, and is no match for a seed's pace anyway) the planner
    took the indexes of the "empty" tables as alike and found a request by ``id`` in the search
    refresh through a full scan of ``ix_request_created``, once per recommended request: the
    seed grew with the square of its size (at 1M, 342 000 requests in 19 minutes, each chunk
    slower than the last)."""
    if ctx.pg and chunks_written & (chunks_written - 1) == 0:
        ctx.session.execute(text("ANALYZE " + ", ".join(t.name for t, _, _ in TABLES)))
        ctx.session.commit()


def _finish(ctx, finals: dict, counts: dict) -> None:
    """The letter counters at their new values; PostgreSQL's id sequences past the ids used."""
    session = ctx.session
    if finals:
        ins = (pg_insert if ctx.pg else sqlite_insert)(LetterCounter.__table__)
        session.execute(ins.on_conflict_do_update(
            index_elements=["office_id", "year"],
            set_={"last_sequence": ins.excluded.last_sequence}),
            [dict(office_id=oid, year=year, last_sequence=seq)
             for (oid, year), seq in finals.items()])
        counts["letter_counter"] = len(finals)
    if ctx.pg:
        for table, _, _ in TABLES:
            session.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"(SELECT coalesce(max(id), 0) + 1 FROM {table.name}), false)"))
    session.commit()
    # The planner's statistics of the tables just filled: without them PostgreSQL planned the
    # dashboard's overdue list as a loop over every office (468-627 ms at 100k, 41-238 after;
    # bench/README.md), and SQLite never gathers them by itself.
    session.execute(text("ANALYZE"))
    session.commit()
