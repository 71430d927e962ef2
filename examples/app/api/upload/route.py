"""POST /api/upload — multipart forms: fields are str, files are UploadFile."""

from approute import NextRequest, NextResponse, UploadFile


async def POST(request: NextRequest) -> NextResponse:
    form = await request.form_data()
    result: dict[str, object] = {}
    for name, value in form.items():
        if isinstance(value, UploadFile):
            result[name] = {"file": value.name, "type": value.type, "size": value.size}
        else:
            result[name] = value
    return NextResponse.json(result)
