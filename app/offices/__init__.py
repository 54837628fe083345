"""Offices and their settings, the working-day calendar and the clock, the SLA."""
