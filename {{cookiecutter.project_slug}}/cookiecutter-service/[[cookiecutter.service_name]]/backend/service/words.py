"""The business rule of the example job: count the words and characters of a text."""

from [[ cookiecutter.service_name ]].backend.schemas import TaskRequest, TaskResult


def count_words(request: TaskRequest) -> TaskResult:
    return TaskResult(words=len(request.text.split()), characters=len(request.text))
