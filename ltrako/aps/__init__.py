"""Planning statistics (APS): figures, exports, charts and the parliamentary tables."""
