from __future__ import annotations

from rest_framework import serializers

from .models import Category, Channel, Department, Enterprise, Tag
from .validators import normalize_phone, normalize_uscc


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "code", "name", "kind", "parent", "remit", "is_active", "sort_order"]

    def validate_parent(self, parent):
        node = parent
        while node is not None:  # a department cannot sit below itself
            if self.instance is not None and node.pk == self.instance.pk:
                raise serializers.ValidationError("上级单位不能是本单位或其下级")
            node = node.parent
        return parent


class ChannelSerializer(serializers.ModelSerializer):
    class Meta:
        model = Channel
        fields = ["id", "code", "name", "is_active", "sort_order"]


class CategorySerializer(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "code", "name", "default_department", "accept_days", "urgent_days", "general_days",
                  "complex_days", "followup_days", "rectify_days", "is_active", "sort_order"]
        extra_kwargs = {f: {"min_value": 1} for f in
                        ["accept_days", "urgent_days", "general_days", "complex_days", "followup_days",
                         "rectify_days"]}


class TagListField(serializers.ListField):
    """Tags as a list of names; unknown names are created."""

    child = serializers.CharField(max_length=30)

    def to_representation(self, manager):
        return [t.name for t in manager.all()]


class EnterpriseSerializer(serializers.ModelSerializer):
    tags = TagListField(required=False)
    town_name = serializers.CharField(source="town.name", read_only=True, default=None)

    class Meta:
        model = Enterprise
        fields = ["id", "name", "uscc", "legal_representative", "contact_person", "contact_phone", "industry",
                  "size", "ownership", "town", "town_name", "address", "tags", "created_at", "updated_at"]

    def to_internal_value(self, data):
        # Normalise before the field validators run, so " 91520181ma6dl8xx4a " is accepted as its compact form.
        if hasattr(data, "copy"):
            data = data.copy()
        for name, normalize in (("uscc", normalize_uscc), ("contact_phone", normalize_phone)):
            if isinstance(data.get(name), str):
                data[name] = normalize(data[name])
        return super().to_internal_value(data)

    def validate_town(self, town):
        if town is not None and town.kind not in (town.Kind.TOWN, town.Kind.PARK):
            raise serializers.ValidationError("所在乡镇/园区须为乡镇（街道）或园区")
        return town

    def _save_tags(self, enterprise, names):
        if names is None:
            return
        tags = []
        for name in dict.fromkeys(n.strip() for n in names if n.strip()):
            tags.append(Tag.objects.get_or_create(name=name)[0])
        enterprise.tags.set(tags)

    def create(self, validated_data):
        names = validated_data.pop("tags", None)
        enterprise = super().create(validated_data)
        self._save_tags(enterprise, names)
        return enterprise

    def update(self, instance, validated_data):
        names = validated_data.pop("tags", None)
        enterprise = super().update(instance, validated_data)
        self._save_tags(enterprise, names)
        return enterprise
