from django.contrib import admin

from .models import ChatSession, Message


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = ["turn", "sender", "text", "created_at", "backend", "latency_ms"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ChatSession)
class ChatSessionAdmin(admin.ModelAdmin):
    list_display = [
        "participant",
        "number",
        "status",
        "participant_turns",
        "started_at",
        "ended_at",
    ]
    list_filter = ["status", "participant__study"]
    search_fields = ["participant__code"]
    inlines = [MessageInline]


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["session", "turn", "sender", "text", "created_at"]
    list_filter = ["sender", "session__participant__study"]
    search_fields = ["text", "session__participant__code"]

    def has_change_permission(self, request, obj=None):
        return False  # messages are a record: never edited in place
