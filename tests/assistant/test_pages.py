"""The home page: a minimal chat to test the assistant by hand."""

from fastapi.testclient import TestClient


def test_home_page_serves_french_chat(client: TestClient) -> None:
    response = client.get("/")
    assert response.status_code == 200
    assert '<html lang="fr">' in response.text
    assert 'aria-live="polite"' in response.text
    assert "/static/js/chat.js" in response.text
    assert client.get("/static/js/chat.js").status_code == 200
