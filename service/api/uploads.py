"""`POST /api/v1/uploads`: an integrator's file, checked as the portal checks residents' files.

The upload belongs to the client that sent it; only that client's case submissions may
name it, and once a case names it, it belongs to that case.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.api import problems, trust
from service.api.auth import client_id
from service.api.blueprints import ApiBlueprint
from service.api.constants import API_PREFIX, Scope
from service.api.problems import ApiProblem, _, api_language
from service.api.schemas import UploadFileSchema, UploadFormSchema, UploadSchema
from service.api.views import secured
from service.attachments.services import Owner, store_upload
from service.definitions.registry import UnknownDefinition
from service.definitions.services import current_registry
from service.forms.services import upload_field

uploads_blp = ApiBlueprint(
    "api_uploads", __name__, url_prefix=API_PREFIX + "/uploads",
    description="Files to name in a case's file answers",
)  # fmt: skip
problems.attach(uploads_blp)


def _invalid(path: str, message: str) -> ApiProblem:
    return ApiProblem(
        422,
        _("The request is invalid."),
        kind="validation",
        errors=[{"path": path, "message": message}],
    )


@uploads_blp.route("")
class UploadCollection(MethodView):
    @secured(uploads_blp, Scope.CASES_WRITE)
    @uploads_blp.arguments(UploadFormSchema, location="form")
    @uploads_blp.arguments(UploadFileSchema, location="files")
    @uploads_blp.response(201, UploadSchema)
    def post(self, form: dict[str, Any], files: dict[str, Any]) -> Any:
        """Upload a file for a file field of a service's form (multipart/form-data).

        With `transition`, the file is for that transition's `file` input (name the
        returned object as the input's value when firing it).

        The content is checked as in the portal: its type by content, not by name, and
        the field's size limit. Name the returned object in the case's answer for that
        field; only this client's submissions may name it.
        """
        registry = current_registry()
        try:
            service = registry.service(form["service"])
            if service.draft:  # a draft service takes nothing from integrators yet
                raise UnknownDefinition(form["service"])
        except UnknownDefinition:
            raise _invalid("service", _("There is no service with this key.")) from None
        if form.get("transition"):
            field = trust.input_file_field(service, form["transition"], form["field"])
            if field is None:
                raise _invalid("field", _("The transition has no file input with this key."))
        else:
            try:
                field = upload_field(registry.form(service.form_key), form["field"])
            except KeyError:
                raise _invalid("field", _("The form has no file field with this key.")) from None
        incoming = files["file"]
        upload = store_upload(
            Owner.client(client_id()),
            field,
            incoming.read(),
            incoming.filename or "",
            api_language(),
            path="file",  # refused under the request's own field
        )
        return upload.as_answer(), 201
