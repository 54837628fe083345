"""Run inside the app (a subprocess of bench/load_mixed.py): the load's extra accounts, and the
officers' list's filter numbers. Prints one JSON object.

    python bench/load_setup.py accounts N_OFFICERS N_HEADS PASSWORD
    python bench/load_setup.py filters
"""
from __future__ import annotations

import json
import sys


def accounts(n_officers: int, n_heads: int, password: str) -> dict:
    """Officers and heads of the demo office, made as `flask create-user` makes them."""
    from flask import current_app

    from app.auth.roles import HEAD, OFFICER
    from app.ops import bootstrap

    sm = current_app.appbuilder.sm
    code = sm.find_user(username="petugas1").office.code
    made = []
    for role, prefix, n in ((OFFICER, "petugas_load", n_officers), (HEAD, "kepala_load", n_heads)):
        for i in range(1, n + 1):
            name = f"{prefix}{i:02d}"
            if sm.find_user(username=name) is None:
                bootstrap.create_user(role, name, f"{name}.{code}@bps.example", password,
                                      "Beban", f"{prefix.split('_')[0].title()} {i:02d}",
                                      office_code=code)
                made.append(name)
    return {"office_code": code, "made": len(made)}


def filters() -> dict:
    from flask import current_app

    view = next(v for v in current_app.appbuilder.baseviews
                if type(v).__name__ == "ActivityRequestView")
    found = {}
    for column, wanted in (("state", "FilterEqual"), ("title", "FilterContains")):
        for i, flt in enumerate(view._filters.get_search_filters()[column]):
            if type(flt).__name__ == wanted:
                found[column] = i
                break
    return found


def main() -> None:
    from app import create_app

    app = create_app()
    with app.app_context():
        if sys.argv[1] == "accounts":
            out = accounts(int(sys.argv[2]), int(sys.argv[3]), sys.argv[4])
        else:
            out = filters()
    print(json.dumps(out))


if __name__ == "__main__":
    main()
