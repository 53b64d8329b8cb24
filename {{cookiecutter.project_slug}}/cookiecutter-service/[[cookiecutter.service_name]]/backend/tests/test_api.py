from fastapi.testclient import TestClient

from [[ cookiecutter.service_name ]].backend.api.app import create_app, get_tasks
from [[ cookiecutter.service_name ]].backend.schemas import TaskMessage


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


def test_request_id_is_answered_and_queued_with_the_task(aws) -> None:
    app = create_app()
    app.dependency_overrides[get_tasks] = lambda: aws.tasks
    with TestClient(app) as client:
        given = client.post("/tasks", json={"text": "traced"}, headers={"X-Request-ID": "req-7"})
        made = client.get("/health")
    assert given.headers["x-request-id"] == "req-7"
    assert len(made.headers["x-request-id"]) == 32

    (message,) = aws.sqs.receive_message(QueueUrl=aws.queue_url, MessageAttributeNames=["All"])["Messages"]
    assert message["MessageAttributes"]["RequestId"]["StringValue"] == "req-7"
    assert TaskMessage.model_validate_json(message["Body"]).task_id == given.json()["task_id"]
