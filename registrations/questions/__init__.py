"""The question builder: questions in three languages asked by surveys (after a session, months
later) and by registration forms; their form fields (`fields.py`), their answers (`answers.py`)
and the organisers' writes, which version a survey once it has answers (`services.py`)."""
