"""Every admin page of every registered model is refused to anonymous visitors and to staff without permissions."""

from __future__ import annotations

import pytest
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from integrations.models import Connection


def admin_urls(object_id: int) -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        for view, args in (
            ("changelist", []),
            ("add", []),
            ("change", [object_id]),
            ("delete", [object_id]),
            ("history", [object_id]),
        ):
            try:
                urls.append(reverse(f"admin:{info[0]}_{info[1]}_{view}", args=args))
            except NoReverseMatch:
                continue
    urls += [
        reverse("admin:integrations_connection_test", args=[object_id]),
        reverse("admin:integrations_connection_permissions", args=[object_id]),
    ]
    return urls


@pytest.fixture
def stored_connection(db) -> Connection:
    return Connection.objects.create(name="C", company_id="c", public_key="p", private_key="k", client_id="i")


def test_anonymous_visitors_are_sent_to_log_in_from_every_admin_page(client, stored_connection):
    urls = admin_urls(stored_connection.pk)
    assert len(urls) > 60  # every cache table, template, run, schedule… is covered
    for url in urls:
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url


def test_staff_without_permissions_see_no_admin_data(client, django_user_model, stored_connection):
    staff = django_user_model.objects.create_user("nobody", password="pw", is_staff=True)
    client.force_login(staff)
    for url in admin_urls(stored_connection.pk):
        response = client.get(url)
        assert response.status_code in (302, 403), f"{url} answered {response.status_code}"
    assert Connection.objects.get(pk=stored_connection.pk).last_tested_at is None


def test_non_staff_users_with_every_permission_cannot_open_the_admin(client, django_user_model, stored_connection):
    from django.contrib.auth.models import Permission

    user = django_user_model.objects.create_user("clerk", password="pw", is_staff=False)
    user.user_permissions.set(Permission.objects.all())
    client.force_login(user)
    for url in admin_urls(stored_connection.pk):
        response = client.get(url)
        assert response.status_code == 302 and "login" in response["Location"], url
