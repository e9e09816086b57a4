from .api import api

# Mounted at api/v1/ by the root URL configuration, under the API's namespace.
urlpatterns = api.urls[0]
app_name = "api"
