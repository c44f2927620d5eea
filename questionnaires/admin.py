from django.contrib import admin

from .models import Administration, Instrument, Item, Response


class ItemInline(admin.TabularInline):
    model = Item
    extra = 0


@admin.register(Instrument)
class InstrumentAdmin(admin.ModelAdmin):
    list_display = ["code", "name"]
    inlines = [ItemInline]


class ResponseInline(admin.TabularInline):
    model = Response
    extra = 0
    can_delete = False
    fields = ["display_position", "item", "raw", "positive_on_left", "score", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Administration)
class AdministrationAdmin(admin.ModelAdmin):
    list_display = ["participant", "session_number", "timepoint", "submitted_at", "scores"]
    list_filter = ["timepoint", "participant__study"]
    search_fields = ["participant__code"]
    readonly_fields = ["scores", "submitted_at", "item_order", "positive_left"]
    inlines = [ResponseInline]
