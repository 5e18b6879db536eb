from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .models import Role, User
from .rules import membership_errors


class UserSerializer(serializers.ModelSerializer):
    roles = serializers.ListField(child=serializers.ChoiceField(choices=Role.choices), allow_empty=False,
                                  source="role_list")
    password = serializers.CharField(write_only=True, required=False, style={"input_type": "password"})

    class Meta:
        model = User
        fields = ["id", "username", "password", "name", "phone", "email", "roles", "department", "enterprise",
                  "is_active", "last_login", "date_joined"]
        read_only_fields = ["last_login", "date_joined"]

    def validate_password(self, value):
        try:
            validate_password(value)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(list(exc.messages))
        return value

    def validate(self, attrs):
        if self.instance is None and not attrs.get("password"):
            raise serializers.ValidationError({"password": ["此项为必填项"]})
        department = attrs.get("department", getattr(self.instance, "department", None))
        enterprise = attrs.get("enterprise", getattr(self.instance, "enterprise", None))
        roles = attrs.get("role_list", getattr(self.instance, "role_codes", ()))
        errors = membership_errors(roles, department, enterprise)
        if errors:
            raise serializers.ValidationError({field: [message] for field, message in errors.items()})
        return attrs

    def create(self, validated_data):
        roles = validated_data.pop("role_list")
        password = validated_data.pop("password")
        user = User(**validated_data)
        user.set_password(password)
        user.save()
        user.set_roles(roles)
        return user

    def update(self, instance, validated_data):
        roles = validated_data.pop("role_list", None)
        password = validated_data.pop("password", None)
        for key, value in validated_data.items():
            setattr(instance, key, value)
        if password:
            instance.set_password(password)
        instance.save()
        if roles is not None:
            instance.set_roles(roles)
        return instance
