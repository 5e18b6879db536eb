from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import filters, mixins, viewsets

from lianxi.core.api import AtomicWritesMixin
from lianxi.core.permissions import ReadOrConfigure, ReadOrEditEnterprises

from .filters import EnterpriseFilter
from .models import Category, Channel, Department, Enterprise
from .serializers import CategorySerializer, ChannelSerializer, DepartmentSerializer, EnterpriseSerializer


class DirectoryViewSet(AtomicWritesMixin, mixins.CreateModelMixin, mixins.RetrieveModelMixin,
                       mixins.UpdateModelMixin, mixins.ListModelMixin, viewsets.GenericViewSet):
    """GET list/detail, POST, PATCH (and PUT); no DELETE — rows are deactivated, history keeps pointing at them."""

    permission_classes = [ReadOrConfigure]
    filter_backends = [filters.SearchFilter]
    search_fields = ["code", "name"]


class DepartmentViewSet(DirectoryViewSet):
    queryset = Department.objects.select_related("parent")
    serializer_class = DepartmentSerializer
    search_fields = ["code", "name", "remit"]


class CategoryViewSet(DirectoryViewSet):
    queryset = Category.objects.all()
    serializer_class = CategorySerializer


class ChannelViewSet(DirectoryViewSet):
    queryset = Channel.objects.all()
    serializer_class = ChannelSerializer


class EnterpriseViewSet(DirectoryViewSet):
    serializer_class = EnterpriseSerializer
    permission_classes = [ReadOrEditEnterprises]
    filter_backends = [DjangoFilterBackend]
    filterset_class = EnterpriseFilter  # the list page's: ?search= by name or USCC, town, industry, size, tag

    def get_queryset(self):
        return (Enterprise.objects.visible_to(self.request.user).select_related("town")
                .prefetch_related("tags").order_by("name", "id"))
