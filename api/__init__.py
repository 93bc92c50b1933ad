"""The HTTP API (FastAPI) under /api/v1: thin routes over ltrako's services."""
