from __future__ import annotations

from rest_framework import serializers

from . import rules


class InsightQuerySerializer(serializers.Serializer[dict[str, object]]):
    rule = serializers.ChoiceField(
        choices=[], required=False, help_text="A rule's code: list its records with why they were flagged."
    )
    team = serializers.IntegerField(required=False, min_value=1, help_text="A team id: it and its subtree.")
    owner = serializers.IntegerField(required=False, min_value=1, help_text="A person's id: their records.")
    limit = serializers.IntegerField(
        required=False, min_value=1, max_value=rules.MAX_LIMIT, default=rules.PAGE_LIMIT
    )
    cursor = serializers.CharField(
        required=False, max_length=80, help_text="`next_cursor` of the previous page."
    )

    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["rule"].choices = sorted(rules.RULES)  # type: ignore[attr-defined]


class RuleCountSerializer(serializers.Serializer[object]):
    code = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]
    description = serializers.CharField()
    resource = serializers.CharField()
    count = serializers.IntegerField(help_text="Records flagged, counted up to `count_cap`.")
    more = serializers.BooleanField(help_text="True when the count stopped at `count_cap`.")


class FindingSerializer(serializers.Serializer[object]):
    record_type = serializers.CharField()
    record_id = serializers.IntegerField()
    title = serializers.CharField()
    url = serializers.CharField()
    owner = serializers.CharField()
    owner_id = serializers.IntegerField(allow_null=True)
    why = serializers.CharField(
        help_text="Why the rule flagged it, with the numbers, in the caller's language."
    )


class InsightListSerializer(serializers.Serializer[object]):
    results = RuleCountSerializer(many=True)
    count_cap = serializers.IntegerField()


class InsightRecordsSerializer(serializers.Serializer[object]):
    rule = RuleCountSerializer()
    records = FindingSerializer(many=True)
    next_cursor = serializers.CharField(allow_null=True)
    count_cap = serializers.IntegerField()
