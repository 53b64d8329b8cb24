from fastapi.testclient import TestClient

from [[ cookiecutter.service_name ]].backend.api.app import create_app, get_tasks


def test_health_submit_and_read(tasks, queue) -> None:
    app = create_app()
    app.dependency_overrides[get_tasks] = lambda: tasks
    with TestClient(app) as client:
        assert client.get("/health").json() == {"status": "ok"}
        created = client.post("/tasks", json={"text": "a b c"})
        assert created.status_code == 202
        tasks.process(queue.messages[0])
        read = client.get(f"/tasks/{created.json()['task_id']}")
        assert read.json()["result"] == {"words": 3, "characters": 5}
        assert client.get("/tasks/unknown").status_code == 404
        assert client.post("/tasks", json={"text": ""}).status_code == 422
