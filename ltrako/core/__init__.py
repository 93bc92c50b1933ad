"""Foundations every domain uses: settings, database, runtime, clock, errors, security, audit."""
