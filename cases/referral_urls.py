"""Referrals and transfers; included into ``cases/urls.py`` (namespace "cases")."""

from django.urls import path

from . import referral_views as views

urlpatterns = [
    path("<int:pk>/rujukan/baru/", views.referral_create, name="referral_create"),
    path("rujukan/", views.referral_inbox, name="referral_inbox"),
    path("rujukan/<int:pk>/", views.referral_detail, name="referral_detail"),
    path("rujukan/<int:pk>/identitas/", views.referral_identity, name="referral_identity"),
    path("rujukan/<int:pk>/jawab/", views.referral_respond, name="referral_respond"),
    path("rujukan/<int:pk>/tarik/", views.referral_withdraw, name="referral_withdraw"),
    path("rujukan/<int:pk>/selesai/", views.referral_complete, name="referral_complete"),
]
