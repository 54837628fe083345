"""Complaints and ratings (SKM): domain, public pages, staff screens, API."""
