import pytest
from rest_framework.authtoken.models import Token

from closeloop.common.errors import NotFound, ValidationFailed
from closeloop.directory.models import Department, User, UserRole
from closeloop.directory.services import (
    department_create,
    user_create,
    user_roles_set,
    user_token,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def office() -> Department:
    return department_create(code="office", name="办公室")


class TestDepartmentCreate:
    def test_creates_a_tree(self, office: Department) -> None:
        child = department_create(code="office-it", name="信息科", parent_code="office")
        assert child.parent == office
        assert list(office.children.all()) == [child]

    def test_strips_whitespace(self) -> None:
        dep = department_create(code="  tax ", name=" 税政科 ")
        assert (dep.code, dep.name) == ("tax", "税政科")

    @pytest.mark.parametrize("code", ["", "a b", "税务", "-lead", "x" * 51, "a/b"])
    def test_refuses_bad_codes(self, code: str) -> None:
        with pytest.raises(ValidationFailed, match="Invalid department code"):
            department_create(code=code, name="x")
        assert not Department.objects.exists()

    def test_refuses_empty_and_long_names(self) -> None:
        with pytest.raises(ValidationFailed, match="needs a name"):
            department_create(code="a", name="  ")
        with pytest.raises(ValidationFailed, match="longer than 100"):
            department_create(code="a", name="名" * 101)
        assert not Department.objects.exists()

    def test_refuses_duplicate_code(self, office: Department) -> None:
        with pytest.raises(ValidationFailed, match="'office' already exists"):
            department_create(code="office", name="another")
        assert Department.objects.get().name == "办公室"

    def test_refuses_unknown_parent(self) -> None:
        with pytest.raises(ValidationFailed, match="Unknown department 'nowhere'") as info:
            department_create(code="a", name="A", parent_code="nowhere")
        assert info.value.details == {"parent": "unknown department 'nowhere'"}
        assert not Department.objects.exists()


class TestUserCreate:
    def test_agent_without_department(self) -> None:
        user = user_create(username="agent1", roles=["agent"], password="s3cret-pass")
        assert user.role_set == {"agent"}
        assert user.department is None
        assert user.check_password("s3cret-pass")
        assert not user.is_staff

    def test_several_roles_deduplicated(self, office: Department) -> None:
        user = user_create(
            username="lia",
            roles=["liaison", "handler", "liaison"],
            department_code="office",
            display_name="联络员甲",
        )
        assert sorted(UserRole.objects.filter(user=user).values_list("role", flat=True)) == [
            "handler",
            "liaison",
        ]
        assert user.department == office
        assert str(user) == "联络员甲"

    def test_without_password_cannot_log_in(self) -> None:
        user = user_create(username="bot", roles=["agent"])
        assert not user.has_usable_password()

    def test_admin_role_opens_the_django_admin(self) -> None:
        user = user_create(username="root", roles=["admin"], password="s3cret-pass")
        assert user.is_staff and user.is_superuser

    @pytest.mark.parametrize("role", ["liaison", "handler"])
    def test_department_required_for(self, role: str) -> None:
        with pytest.raises(ValidationFailed, match=f"role '{role}' needs a department"):
            user_create(username="u", roles=[role])
        assert not User.objects.exists()

    def test_unknown_role(self) -> None:
        with pytest.raises(ValidationFailed, match="Unknown role 'boss'; roles are: agent"):
            user_create(username="u", roles=["agent", "boss"])
        assert not User.objects.exists()

    def test_no_role(self) -> None:
        with pytest.raises(ValidationFailed, match="at least one role"):
            user_create(username="u", roles=[])
        assert not User.objects.exists()

    def test_unknown_department(self) -> None:
        with pytest.raises(ValidationFailed, match="Unknown department 'nowhere'"):
            user_create(username="u", roles=["handler"], department_code="nowhere")
        assert not User.objects.exists()

    def test_duplicate_username(self) -> None:
        user_create(username="u", roles=["agent"])
        with pytest.raises(ValidationFailed, match="User 'u' already exists"):
            user_create(username="u", roles=["leader"])
        assert User.objects.get().role_set == {"agent"}

    @pytest.mark.parametrize("username", ["", "   ", "a b", "a/b", "x" * 151])
    def test_bad_username(self, username: str) -> None:
        with pytest.raises(ValidationFailed):
            user_create(username=username, roles=["agent"])
        assert not User.objects.exists()

    def test_short_password_refused(self) -> None:
        with pytest.raises(ValidationFailed, match="Password refused"):
            user_create(username="u", roles=["agent"], password="short")
        assert not User.objects.exists()


class TestUserRolesSet:
    def test_replaces_roles(self, office: Department) -> None:
        user_create(username="u", roles=["agent", "admin"], department_code="office")
        user = user_roles_set(username="u", roles=["handler", "inspector"])
        assert user.role_set == {"handler", "inspector"}
        assert not user.is_superuser

    def test_handler_without_department_refused(self) -> None:
        user_create(username="u", roles=["agent"])
        with pytest.raises(ValidationFailed, match="needs a department"):
            user_roles_set(username="u", roles=["handler"])
        assert User.objects.get().role_set == {"agent"}

    def test_unknown_user(self) -> None:
        with pytest.raises(NotFound, match="Unknown user 'ghost'"):
            user_roles_set(username="ghost", roles=["agent"])


class TestUserToken:
    def test_created_once_then_reused(self) -> None:
        user_create(username="u", roles=["agent"])
        key = user_token("u")
        assert len(key) == 40
        assert user_token("u") == key
        assert Token.objects.count() == 1

    def test_unknown_user(self) -> None:
        with pytest.raises(NotFound, match="Unknown user 'ghost'"):
            user_token("ghost")
        assert not Token.objects.exists()

    def test_inactive_user(self) -> None:
        user = user_create(username="u", roles=["agent"])
        User.objects.filter(pk=user.pk).update(is_active=False)
        with pytest.raises(ValidationFailed, match="deactivated"):
            user_token("u")
        assert not Token.objects.exists()
