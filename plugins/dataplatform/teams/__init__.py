"""Teams sharing one Airflow, at run time: the roster from Airflow's config, the cluster policy that gives each
DAG its team's access, and the sync command that creates the teams' UI roles and pools (docs/teams.md)."""
