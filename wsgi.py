"""Production entry point for a WSGI server:  gunicorn --workers 4 wsgi:app

Settings come from the environment (config.py). Unlike run.py nothing is migrated or seeded
here: run `flask --app app:create_app init` once per release, before the servers start.
"""
from app import create_app
from app.letters import document as letters
from app.requests import uploads

app = create_app()
# Uploads interrupted by a killed worker leave ``.part`` files: removed at every start, once
# older than an hour (one walk of the folder, no SQL; `flask cleanup` does the rest).
uploads.remove_leftovers(app.config["UPLOAD_FOLDER"])
# The first letter's PDF of a process costs ~0.5 s of imports and set-up. WARM_UP_LETTERS=true
# pays it here, in gunicorn's master with --preload, so no head waits for it; it is off by
# default because every worker then holds the PDF renderer (~30 MB more RSS per worker).
if app.config.get("WARM_UP_LETTERS"):
    letters.warm_up()
