"""Printable documents (PDF) and calendar feeds for the crews, the federal police and the ZFA.

Each document is built from the stored rows by a service that checks the policy and records
the read in the audit trail; the rendering itself (ltrako.documents.pdf) knows no rules.
"""
