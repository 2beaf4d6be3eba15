from django.urls import path

from . import views

app_name = "core"

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.set_language, name="set-language"),
    path("recycle-bin/", views.recycle_bin, name="recycle-bin"),
    path("recycle-bin/<str:kind>/<int:pk>/restore/", views.recycle_restore, name="recycle-restore"),
    path("recycle-bin/<str:kind>/<int:pk>/purge/", views.recycle_purge, name="recycle-purge"),
    # Answered by core.middleware.ProbeMiddleware before host and HTTPS checks; named here for reverse().
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("views/save/", views.saved_view_save, name="saved-view-save"),
    path("people/options/", views.people_options, name="people-options"),
    path("views/<int:pk>/delete/", views.saved_view_remove, name="saved-view-delete"),
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/menu/", views.notifications_menu, name="notifications-menu"),
    path("notifications/read-all/", views.notifications_read_all, name="notifications-read-all"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification-open"),
]
