from rest_framework import viewsets
from rest_framework.authtoken.views import ObtainAuthToken

from .models import User


class ObtainTokenView(ObtainAuthToken):
    pass


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.none()
