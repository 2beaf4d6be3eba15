from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from tandem.core.api import NamesField

from .models import Access, DefaultTeamMember, MemberRole, RecordMember

MAX_ID = 2**63 - 1


class MemberRoleSerializer(serializers.ModelSerializer[MemberRole]):
    display_name = serializers.CharField(read_only=True, help_text=_("The name in the caller's language."))

    class Meta:
        model = MemberRole
        fields = ["id", "code", "name", "names", "display_name", "order", "is_builtin"]
        read_only_fields = fields


class MemberRoleInputSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(max_length=40)
    name = serializers.CharField(max_length=100)
    names = NamesField(required=False)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)


class PersonSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    username = serializers.CharField()
    display_name = serializers.CharField()


class RecordMemberSerializer(serializers.ModelSerializer[RecordMember]):
    user = PersonSerializer(read_only=True)
    role: serializers.SlugRelatedField[MemberRole] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )
    role_name = serializers.CharField(source="role.display_name", read_only=True)
    is_active = serializers.BooleanField(read_only=True, help_text=_("False once the end date has passed."))
    added_by = serializers.IntegerField(source="added_by_id", read_only=True, allow_null=True)

    class Meta:
        model = RecordMember
        fields = ["user", "role", "role_name", "access", "until", "is_active", "added_by", "added_at"]
        read_only_fields = fields


class RecordMemberInputSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(min_value=1, max_value=MAX_ID, help_text=_("The person's id."))
    role = serializers.CharField(max_length=40, help_text=_("A member role's code (GET member-roles/)."))
    access = serializers.ChoiceField(choices=Access.choices, default=Access.READ)
    until = serializers.DateField(
        required=False, allow_null=True, help_text=_("Last day of access; null: no end.")
    )


class RecordMemberPatchSerializer(serializers.Serializer[Any]):
    role = serializers.CharField(max_length=40, required=False)
    access = serializers.ChoiceField(choices=Access.choices, required=False)
    until = serializers.DateField(required=False, allow_null=True)


class DefaultTeamMemberSerializer(serializers.ModelSerializer[DefaultTeamMember]):
    user = PersonSerializer(read_only=True)
    role: serializers.SlugRelatedField[MemberRole] = serializers.SlugRelatedField(
        slug_field="code", read_only=True
    )

    class Meta:
        model = DefaultTeamMember
        fields = ["id", "user", "role", "access"]
        read_only_fields = fields


class DefaultTeamMemberInputSerializer(serializers.Serializer[Any]):
    user = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    role = serializers.CharField(max_length=40)
    access = serializers.ChoiceField(choices=Access.choices, default=Access.READ)
