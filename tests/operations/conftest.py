import pytest

from tests.operations.processes import claim_redis_database, release_redis_database


@pytest.fixture
def logs(tmp_path):
    directory = tmp_path / "logs"
    directory.mkdir()
    return directory


@pytest.fixture
def mailbox(tmp_path):
    """The directory the processes' MailboxBackend writes to."""
    directory = tmp_path / "mailbox"
    for part in ("sent", "sending"):
        (directory / part).mkdir(parents=True)
    return directory


@pytest.fixture
def started():
    """Processes a test starts; each is stopped when the test ends, before its data is flushed."""
    processes = []
    yield processes
    for process in reversed(processes):
        process.stop()


@pytest.fixture
def redis_database():
    client = claim_redis_database()
    yield client
    release_redis_database(client)
