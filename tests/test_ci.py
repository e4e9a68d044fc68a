"""The CI switch of the test suite: a missing service skips locally and fails in CI."""

import socket

import pytest

from tests.conftest import in_ci, require_service


@pytest.mark.parametrize("value", ["1", "true", "True", "TRUE", "yes", "on", " true ", "github-actions"])
def test_any_true_ci_value_means_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert in_ci()


@pytest.mark.parametrize("value", ["", "0", "false", "False", "no", "off", "  "])
def test_an_empty_or_false_ci_value_does_not(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    assert not in_ci()


def test_no_ci_variable_does_not(monkeypatch):
    monkeypatch.delenv("CI", raising=False)
    assert not in_ci()


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_a_missing_service_is_skipped_locally(monkeypatch):
    monkeypatch.setenv("CI", "0")
    with pytest.raises(pytest.skip.Exception, match="Redis is not reachable"):
        require_service("Redis", "127.0.0.1", closed_port())


@pytest.mark.parametrize("value", ["1", "yes", "True"])
def test_a_missing_service_fails_in_ci(monkeypatch, value):
    monkeypatch.setenv("CI", value)
    with pytest.raises(pytest.fail.Exception, match="in CI this service is required"):
        require_service("Redis", "127.0.0.1", closed_port())


def test_a_reachable_service_passes(monkeypatch):
    monkeypatch.setenv("CI", "1")
    with socket.socket() as server:
        server.bind(("127.0.0.1", 0))
        server.listen()
        require_service("A local server", "127.0.0.1", server.getsockname()[1])  # neither skips nor fails
