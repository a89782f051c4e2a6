"""The admin shows packs and lets an admin rename or retire a category, nothing more."""

from typing import Any

from closeloop.policy.models import Category
from tests.conftest import person


def test_admin_pages(client: Any, pack: Any) -> None:
    admin = person("root", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    assert client.get("/admin/policy/policypack/").status_code == 200
    category = Category.objects.order_by("code").first()
    assert category is not None
    page = f"/admin/policy/category/{category.pk}/change/"
    assert client.get(page).status_code == 200
    response = client.post(
        page,
        {
            "name": "改名后的分类",
            "parent": category.parent_id or "",
            "department": "",
            "is_active": "",
        },
    )
    assert response.status_code == 302, response.content[:500]
    category.refresh_from_db()
    assert (category.name, category.is_active) == ("改名后的分类", False)
    assert client.get("/admin/policy/category/add/").status_code == 403
