"""Importers: read, validate and reshape input files before anything reaches the store."""
