"""The case-worker back office: inbox, case page, deadlines and service dashboards."""
