"""Production entry point for a WSGI server:  gunicorn --workers 4 wsgi:app

Settings come from the environment (config.py). Unlike run.py nothing is migrated or seeded
here: run `flask --app app:create_app init` once per release, before the servers start.
"""
from app import create_app

app = create_app()
