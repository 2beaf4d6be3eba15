from django.urls import path

from . import views

app_name = "customers"

urlpatterns = [
    path("accounts/", views.account_list, name="account-list"),
    path("accounts/new/", views.account_create, name="account-create"),
    path("accounts/bulk/", views.account_bulk, name="account-bulk"),
    path("accounts/options/", views.account_options, name="account-options"),
    path("accounts/<int:pk>/", views.account_detail, name="account-detail"),
    path("accounts/<int:pk>/edit/", views.account_edit, name="account-edit"),
    path("accounts/<int:pk>/timeline/", views.account_timeline, name="account-timeline"),
    path("accounts/<int:pk>/claim/", views.account_claim, name="account-claim"),
    path("accounts/<int:pk>/release/", views.account_release, name="account-release"),
    path("accounts/<int:pk>/assign/", views.account_assign, name="account-assign"),
    path("accounts/<int:pk>/lifecycle/", views.account_lifecycle, name="account-lifecycle"),
    path("accounts/<int:pk>/delete/", views.account_delete, name="account-delete"),
    path("contacts/", views.contact_list, name="contact-list"),
    path("contacts/new/", views.contact_create, name="contact-create"),
    path("contacts/<int:pk>/", views.contact_detail, name="contact-detail"),
    path("contacts/<int:pk>/edit/", views.contact_edit, name="contact-edit"),
    path("contacts/<int:pk>/delete/", views.contact_delete, name="contact-delete"),
    path("pools/", views.pool_list, name="pool-list"),
    path("pools/new/", views.pool_create, name="pool-create"),
    path("pools/<int:pk>/", views.pool_detail, name="pool-detail"),
    path("pools/<int:pk>/edit/", views.pool_edit, name="pool-edit"),
    path("pools/<int:pk>/members/", views.pool_members, name="pool-members"),
    path("pools/<int:pk>/members/<int:user_id>/remove/", views.pool_member_remove, name="pool-member-remove"),
    path("pools/<int:pk>/members/<int:user_id>/admin/", views.pool_member_admin, name="pool-member-admin"),
    path("levels/", views.account_level_list, name="account-level-list"),
    path("levels/new/", views.account_level_create, name="account-level-create"),
    path("levels/<int:pk>/edit/", views.account_level_edit, name="account-level-edit"),
    path("duplicates/", views.duplicates, name="duplicates"),
    path("duplicates/merge/", views.account_merge, name="account-merge"),
]
