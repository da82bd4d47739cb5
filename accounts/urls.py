from django.urls import path

from . import views

app_name = "accounts"
urlpatterns = [
    path("masuk/", views.login_view, name="login"),
    path("keluar/", views.logout_view, name="logout"),
    path("dua-faktor/", views.two_factor, name="two_factor"),
    path("kode-pemulihan/", views.recovery_codes, name="recovery_codes"),
    path("profil/", views.profile, name="profile"),
    path("profil/kata-sandi/", views.password_change, name="password_change"),
    path("pengguna/", views.user_list, name="user_list"),
    path("pengguna/baru/", views.user_create, name="user_create"),
    path("pengguna/<int:pk>/", views.user_edit, name="user_edit"),
    path("pengguna/<int:pk>/status/", views.user_set_active, name="user_set_active"),
    path("pengguna/<int:pk>/buka-kunci/", views.user_unlock, name="user_unlock"),
]
