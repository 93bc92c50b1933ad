"""Background work: the job queue with its planning workers and the nightly batch."""
