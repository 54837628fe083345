"""Operations: the CLI, bootstrap, demo data, backup and restore."""
