"""The project boots: anonymous visitors are sent to the login page."""


def test_home_redirects_anonymous_visitor_to_login(client):
    response = client.get("/")
    assert response.status_code == 302
    assert response.url.startswith("/login/")
