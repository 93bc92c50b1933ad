"""Transport requests: submission, lifecycle, execution, reference data, Dublin transfers."""
