"""The browsable API page, without the one inline <style> (Pygments' colours) that the site's
Content-Security-Policy refuses: its JSON is shown plain."""

from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    def get_context(self, data, accepted_media_type, renderer_context):
        context = super().get_context(data, accepted_media_type, renderer_context)
        context["code_style"] = None
        return context
