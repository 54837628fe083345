#!/usr/bin/env python
"""Django's command line for the peer baseline (issue 27): see bench/bench_peer.py.

    DATABASE_URL=sqlite:////tmp/x.db python bench/django_peer/manage.py migrate
"""
import os
import sys

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peer_project.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
