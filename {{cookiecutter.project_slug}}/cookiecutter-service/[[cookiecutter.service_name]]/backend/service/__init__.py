from [[ cookiecutter.service_name ]].backend.service.jobs import JOBS
from [[ cookiecutter.service_name ]].backend.service.words import count_words

__all__ = ["JOBS", "count_words"]
