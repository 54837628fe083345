"""Roles and the permission matrix (importable by the domain), the FAB security manager,
registration and accounts, access rules for our own pages, passwords, one-time form tokens."""
