from rest_framework import viewsets

from .models import Category, Channel, Department, Enterprise


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Department.objects.none()


class CategoryViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Category.objects.none()


class ChannelViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Channel.objects.none()


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = Enterprise.objects.none()
