"""Progress toward 100%: coverage, actions, trend, teams, monthly reports."""
