"""A typed HTTP client for the [[ cookiecutter.service_name ]] API, for other modules to use."""

import httpx

from [[ cookiecutter.service_name ]].backend.schemas import Task, TaskRequest


class [[ cookiecutter.service_class ]]Client:
    def __init__(self, base_url: str = "http://127.0.0.1:8000", http: httpx.Client | None = None) -> None:
        self._http = http if http is not None else httpx.Client(base_url=base_url, timeout=10.0)

    def submit(self, text: str) -> Task:
        response = self._http.post("/tasks", json=TaskRequest(text=text).model_dump())
        response.raise_for_status()
        return Task.model_validate(response.json())

    def get(self, task_id: str) -> Task:
        response = self._http.get(f"/tasks/{task_id}")
        response.raise_for_status()
        return Task.model_validate(response.json())
