[%- if cookiecutter.has_database == "yes" -%]
from [[ cookiecutter.service_name ]].backend.service.jobs import JOBS, recording_jobs
from [[ cookiecutter.service_name ]].backend.service.words import count_words

__all__ = ["JOBS", "count_words", "recording_jobs"]
[%- else -%]
from [[ cookiecutter.service_name ]].backend.service.jobs import JOBS
from [[ cookiecutter.service_name ]].backend.service.words import count_words

__all__ = ["JOBS", "count_words"]
[%- endif %]
