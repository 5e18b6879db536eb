from rest_framework import viewsets

from .models import Appeal


class AppealViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Appeal.objects.none()
