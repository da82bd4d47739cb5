from django.urls import path

from . import views

app_name = "assistance"

urlpatterns = [
    path("", views.index, name="index"),
    path("anggaran/baru/", views.budget_create, name="budget_create"),
    path("anggaran/<int:pk>/", views.budget_detail, name="budget_detail"),
    path("anggaran/<int:pk>/ubah/", views.budget_edit, name="budget_edit"),
    path("anggaran/<int:pk>/buku-kas/", views.budget_ledger, name="budget_ledger"),
    path("program/baru/", views.programme_create, name="programme_create"),
    path("program/<int:pk>/", views.programme_detail, name="programme_detail"),
    path("program/<int:pk>/ubah/", views.programme_edit, name="programme_edit"),
    path("program/<int:pk>/syarat/", views.programme_rules, name="programme_rules"),
    path("program/syarat/baris/", views.rule_row, name="rule_row"),
    path("program/<int:pk>/siklus/baru/", views.cycle_create, name="cycle_create"),
    path("siklus/<int:pk>/", views.cycle_preview, name="cycle_preview"),
    path("siklus/<int:pk>/usulkan/", views.run_propose, name="run_propose"),
    path("usulan/<int:pk>/", views.run_detail, name="run_detail"),
    path("usulan/<int:pk>/setujui/", views.run_approve, name="run_approve"),
    path("usulan/<int:pk>/batalkan/", views.run_cancel, name="run_cancel"),
    path("usulan/<int:pk>/bayar/", views.run_disburse, name="run_disburse"),
    path("usulan/<int:pk>/daftar-bayar.xlsx", views.run_payment_list, name="run_payment_list"),
    path("hak/<int:pk>/", views.entitlement_detail, name="entitlement_detail"),
    path("hak/<int:pk>/bayar/", views.entitlement_disburse, name="entitlement_disburse"),
    path("hak/<int:pk>/batalkan/", views.entitlement_cancel, name="entitlement_cancel"),
    path("hak/<int:pk>/balik/", views.entitlement_reverse, name="entitlement_reverse"),
    path("hak/<int:pk>/kuitansi.pdf", views.receipt, name="receipt"),
    path("laporan/", views.report, name="report"),
    path("laporan/ekspor.xlsx", views.report_export, name="report_export"),
]
