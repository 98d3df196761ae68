"""Navigation analyses written once as Ibis expressions over the Parquet snapshot; report rendering (issue 5)."""
