from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import filters, mixins, serializers, viewsets
from rest_framework.authtoken.views import ObtainAuthToken

from lianxi.core.api import AtomicWritesMixin
from lianxi.core.permissions import ConfiguresOnly

from .access import user_scope
from .models import User
from .serializers import UserSerializer


class ObtainTokenView(ObtainAuthToken):
    """POST {"username", "password"} → {"token"}; then send `Authorization: Token <token>`."""

    @extend_schema(request=inline_serializer("TokenRequest", {"username": serializers.CharField(),
                                                               "password": serializers.CharField()}),
                   responses=inline_serializer("TokenResponse", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):
        return super().post(request, *args, **kwargs)


class UserViewSet(AtomicWritesMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                  mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """Accounts: platform admins only. Deactivate (is_active=false) instead of deleting."""

    serializer_class = UserSerializer
    permission_classes = [ConfiguresOnly]
    filter_backends = [filters.SearchFilter]
    search_fields = ["username", "name", "phone"]

    def get_queryset(self):
        return user_scope(User.objects.all(), self.request.user).prefetch_related("role_grants").order_by("id")
