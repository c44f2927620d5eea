from django.contrib import admin

from .models import Condition, Participant, Study


class ConditionInline(admin.StackedInline):
    model = Condition
    extra = 0


@admin.register(Study)
class StudyAdmin(admin.ModelAdmin):
    list_display = ["title", "slug", "status", "sessions_per_participant", "created_at"]
    list_filter = ["status"]
    prepopulated_fields = {"slug": ["title"]}
    filter_horizontal = ["owners", "collaborators"]
    inlines = [ConditionInline]


@admin.register(Participant)
class ParticipantAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "study",
        "condition",
        "progress",
        "entered_at",
        "consented_at",
        "completed_at",
    ]
    list_filter = ["study", "condition"]
    search_fields = ["code"]
    readonly_fields = ["code", "entered_at", "consented_at", "declined_at", "completed_at"]
