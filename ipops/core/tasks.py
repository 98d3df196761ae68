"""The one Django task the worker runs: execute a platform job by id."""

from django_tasks import task

from ipops.core.jobs import execute_job


@task()
def run_job(job_id: str) -> str:
    return execute_job(job_id).status
