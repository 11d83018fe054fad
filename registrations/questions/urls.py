"""The builder's addresses, for a session (by id) and for a series (by slug); mounted in
registrations/urls.py, so their names are registrations:questions, registrations:series-…"""

from django.urls import path

from registrations.questions import views

# (route after the owner, view, name)
ROUTES = [
    ("", views.questions, "questions"),
    ("add/", views.question_add, "question-add"),
    ("preview/", views.questions_preview, "questions-preview"),
    ("<slug:question>/", views.question_edit, "question-edit"),
    ("<slug:question>/delete/", views.question_delete, "question-delete"),
    ("<slug:question>/move/", views.question_move, "question-move"),
]

urlpatterns = [
    *(
        path(f"manage/sessions/<int:pk>/questions/<slug:purpose>/{route}", view, name=name)
        for route, view, name in ROUTES
    ),
    *(
        path(
            f"manage/series/<slug:slug>/questions/<slug:purpose>/{route}",
            view,
            name=f"series-{name}",
        )
        for route, view, name in ROUTES
    ),
]
