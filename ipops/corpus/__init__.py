"""Derived read models rebuilt from the relational store: the Parquet analytics snapshot and its query API."""
