from __future__ import annotations

from typing import Any

from rest_framework import serializers

from tandem.core.ids import MAX_ID
from tandem.org.models import User

from .models import AssignmentMember, AssignmentRule, Resource


class MemberSerializer(serializers.ModelSerializer[AssignmentMember]):
    user = serializers.PrimaryKeyRelatedField(queryset=User.objects.all())
    user_name = serializers.CharField(source="user.__str__", read_only=True)

    class Meta:
        model = AssignmentMember
        fields = ["id", "user", "user_name", "capacity", "is_active"]
        read_only_fields = ["id"]


class RuleSerializer(serializers.ModelSerializer[AssignmentRule]):
    members = MemberSerializer(many=True, source="memberships", required=False)
    conditions = serializers.SerializerMethodField()

    class Meta:
        model = AssignmentRule
        fields = [
            "id",
            "name",
            "resource",
            "is_active",
            "order",
            "strategy",
            "provinces",
            "cities",
            "industries",
            "sources",
            "levels",
            "conditions",
            "members",
            "last_assigned_member",
            "created_by",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "last_assigned_member", "created_by", "created_at", "updated_at"]

    def get_conditions(self, rule: AssignmentRule) -> str:
        from .services import describe_conditions

        return describe_conditions(rule)


class AssignInputSerializer(serializers.Serializer[Any]):
    resource = serializers.ChoiceField(choices=Resource.choices)
    ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=MAX_ID), min_length=1, max_length=500
    )


class ResultSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    name = serializers.CharField()
    assigned = serializers.BooleanField()
    assignee = serializers.DictField(allow_null=True)
    rule = serializers.DictField(allow_null=True)
    reason = serializers.CharField()
