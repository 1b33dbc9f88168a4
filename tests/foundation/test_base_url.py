"""Links in emails follow the address the server listens on (issue 18: they said port 5000 while
the server ran on 5101)."""
from __future__ import annotations

import socket

from tracker.core import base_url


def test_the_listening_address_becomes_the_link():
    assert base_url.listening_url("127.0.0.1", 5101) == "http://127.0.0.1:5101"
    assert base_url.listening_url("0.0.0.0", 8000) == f"http://{socket.getfqdn()}:8000"
    assert base_url.listening_url("::1", 8000) == "http://[::1]:8000"
    assert base_url.warning_for("0.0.0.0", "http://x:1") and "TRACKER_BASE_URL" in base_url.warning_for("0.0.0.0", "x")
    assert base_url.warning_for("127.0.0.1", "http://127.0.0.1:1") is None


def test_the_recorded_address_serves_other_processes(tmp_path, monkeypatch):
    from tracker.config import load_config

    monkeypatch.setenv("TRACKER_INSTANCE", str(tmp_path))
    monkeypatch.delenv("TRACKER_BASE_URL", raising=False)
    assert load_config()["BASE_URL"] == base_url.DEFAULT
    base_url.record(tmp_path, "http://127.0.0.1:5101")
    assert load_config()["BASE_URL"] == "http://127.0.0.1:5101"  # what `tracker remind` links to
    monkeypatch.setenv("TRACKER_BASE_URL", "https://tracker.example.org")
    config = load_config()
    assert config["BASE_URL"] == "https://tracker.example.org" and config["BASE_URL_SET"]
