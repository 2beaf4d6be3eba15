"""Web routes: discussions:comments, discussions:comment-post, discussions:comment-edit, ..."""

from __future__ import annotations

from django.urls import path

from . import views

app_name = "discussions"

urlpatterns = [
    path("comments/<slug:resource>/<int:pk>/", views.comments_card, name="comments"),
    path("comments/<slug:resource>/<int:pk>/post/", views.comment_post, name="comment-post"),
    path("comments/<int:pk>/edit/", views.comment_edit, name="comment-edit"),
    path("comments/<int:pk>/delete/", views.comment_delete, name="comment-delete"),
    path("comments/<int:pk>/add-to-team/", views.mention_add, name="mention-add"),
    path("announcements/", views.announcement_list, name="announcement-list"),
    path("announcements/<int:pk>/", views.announcement_detail, name="announcement-detail"),
    path("feed/", views.feed_page, name="feed"),
    path("feed/<int:pk>/react/", views.feed_react, name="feed-react"),
]
