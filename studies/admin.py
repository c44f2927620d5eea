from django.contrib import admin

from .models import Condition, Endpoint, Participant, Study


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


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Where agent turns may send prompts, and which variable holds each key (never the key:
    keys stay in the environment of the processes that run agent turns)."""

    list_display = ["name", "base_url", "api_key_env", "description", "created_at"]
    search_fields = ["name", "base_url"]
