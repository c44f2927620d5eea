import json

from django.contrib import admin
from django.utils.html import format_html

from .models import AgentTurn, ChatSession, Identity, Message, Revision
from .selectors import identity_view


class MessageInline(admin.TabularInline):
    model = Message
    extra = 0
    can_delete = False
    fields = [
        "turn",
        "sender",
        "text",
        "created_at",
        "backend",
        "model",
        "ttft_ms",
        "latency_ms",
        "prompt_tokens",
        "completion_tokens",
        "finish_reason",
        "retries",
        "identity_version",
        "prompt_hash",
    ]
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


class RevisionInline(admin.TabularInline):
    model = Revision
    fk_name = "identity"
    extra = 0
    can_delete = False
    fields = [
        "id",
        "version",
        "author",
        "status",
        "target",
        "before",
        "after",
        "rationale",
        "resolves",
        "session",
        "turn",
        "created_at",
    ]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Identity)
class IdentityAdmin(admin.ModelAdmin):
    list_display = ["participant", "created_at", "version"]
    search_fields = ["participant__code"]
    readonly_fields = ["participant", "created_at", "version", "current_state"]
    inlines = [RevisionInline]

    @admin.display(description="version")
    def version(self, obj):
        return identity_view(obj).version

    @admin.display(description="current state")
    def current_state(self, obj):
        state = json.dumps(identity_view(obj).state, indent=2, ensure_ascii=False)
        return format_html("<pre>{}</pre>", state)


@admin.register(Revision)
class RevisionAdmin(admin.ModelAdmin):
    list_display = ["id", "identity", "version", "author", "status", "target", "created_at"]
    list_filter = ["author", "status", "identity__participant__study"]
    search_fields = ["identity__participant__code", "target"]

    def has_change_permission(self, request, obj=None):
        return False  # the ledger is a record: append, never edit

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AgentTurn)
class AgentTurnAdmin(admin.ModelAdmin):
    """Where researchers see why an agent turn failed (the participant sees a calm note)."""

    list_display = ["prompted", "status", "attempts", "last_error", "queued_at", "finished_at"]
    list_filter = ["status", "prompted__session__participant__study"]
    search_fields = ["prompted__session__participant__code"]
    readonly_fields = [
        "prompted",
        "status",
        "attempts",
        "errors",
        "queued_at",
        "heartbeat_at",
        "finished_at",
    ]

    @admin.display(description="last error")
    def last_error(self, obj):
        return obj.errors[-1]["error"] if obj.errors else ""
