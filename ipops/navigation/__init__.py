"""Patent navigation (专利导航) projects, publication, regional statistics (issue 5)."""
