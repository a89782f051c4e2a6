import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import reverse

from closeloop.directory.models import Department, DutyRota, User
from closeloop.directory.services import department_create, user_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client() -> Client:
    user_create(username="root", roles=["admin"], password="s3cret-pass")
    client = Client()
    # The lockout backend needs the request; the test client's login passes it on.
    assert client.login(request=HttpRequest(), username="root", password="s3cret-pass")
    return client


@pytest.fixture
def tree() -> Department:
    top = department_create(code="hq", name="总部")
    department_create(code="hq-tax", name="税政科", parent_code="hq")
    user_create(username="lia", roles=["liaison"], department_code="hq-tax")
    return top


@pytest.mark.parametrize(
    "url",
    [
        "admin:directory_department_changelist",
        "admin:directory_user_changelist",
        "admin:directory_dutyrota_changelist",
        "admin:directory_department_add",
        "admin:directory_user_add",
        "admin:directory_dutyrota_add",
    ],
)
def test_pages_render(admin_client: Client, tree: Department, url: str) -> None:
    assert admin_client.get(reverse(url)).status_code == 200


def test_user_list_filters_by_role_and_department(admin_client: Client, tree: Department) -> None:
    url = reverse("admin:directory_user_changelist")
    page = admin_client.get(url, {"role": "liaison"}).content.decode()
    assert "lia" in page and "root" not in page.split("result_list")[1]
    dep = Department.objects.get(code="hq-tax")
    page = admin_client.get(url, {"department__id__exact": dep.pk}).content.decode()
    assert ">lia<" in page


def test_department_change_shows_sub_departments(admin_client: Client, tree: Department) -> None:
    page = admin_client.get(reverse("admin:directory_department_change", args=[tree.pk]))
    assert "hq-tax" in page.content.decode()


def _user_form(user: User, **extra: str) -> dict[str, str]:
    data = {
        "username": user.username,
        "display_name": "",
        "department": "",
        "email": "",
        "phone": "",
        "is_active": "on",
        "date_joined_0": "2025-01-01",
        "date_joined_1": "00:00:00",
        "roles-TOTAL_FORMS": "1",
        "roles-INITIAL_FORMS": "0",
        "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000",
        "roles-0-role": "handler",
    }
    data.update(extra)
    return data


def test_admin_refuses_handler_without_department(admin_client: Client) -> None:
    user = user_create(username="u", roles=["agent"])
    url = reverse("admin:directory_user_change", args=[user.pk])
    response = admin_client.post(url, _user_form(user))
    assert response.status_code == 200  # the form again, with the error
    assert "needs a department" in response.content.decode() or "需要" in response.content.decode()
    user.refresh_from_db()
    assert user.role_set == {"agent"}


def test_admin_accepts_handler_with_department(admin_client: Client, tree: Department) -> None:
    user = user_create(username="u", roles=["agent"])
    url = reverse("admin:directory_user_change", args=[user.pk])
    response = admin_client.post(url, _user_form(user, department=str(tree.pk)))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert User.objects.get(pk=user.pk).role_set == {"agent", "handler"}


def test_duty_rota_listed(admin_client: Client, tree: Department) -> None:
    DutyRota.objects.create(
        department=Department.objects.get(code="hq-tax"),
        user=User.objects.get(username="lia"),
        day="2025-03-03",
    )
    page = admin_client.get(reverse("admin:directory_dutyrota_changelist")).content.decode()
    assert "2025" in page and "lia" in page
