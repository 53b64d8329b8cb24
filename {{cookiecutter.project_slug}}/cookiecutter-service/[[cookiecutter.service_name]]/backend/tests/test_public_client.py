from fastapi.testclient import TestClient

from [[ cookiecutter.service_name ]].backend.api.app import create_app, get_tasks
from [[ cookiecutter.service_name ]].backend.public import [[ cookiecutter.service_class ]]Client, TaskState


def test_client_round_trip(tasks, queue) -> None:
    app = create_app()
    app.dependency_overrides[get_tasks] = lambda: tasks
    with TestClient(app) as http:
        client = [[ cookiecutter.service_class ]]Client(http=http)
        task = client.submit("hello there")
        tasks.process(queue.messages[0])
        assert client.get(task.task_id).state is TaskState.DONE
