"""Files generated for the upload tests: valid ones, and one that breaks each rule. No downloads."""

import io

import pikepdf
from PIL import Image, ImageDraw

# Standard Type 1 font, so the text layer is plain ASCII that any extractor reads back.
_FONT = {"/Type": "/Font", "/Subtype": "/Type1", "/BaseFont": "/Helvetica"}


def jpeg(*, size: tuple[int, int] = (640, 400), gps: bool = False, colour: str = "#2050a0", text: str = "") -> bytes:
    """A JPEG like a phone photo of an ID card; with `gps`, EXIF carrying a GPS position."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, size[0] - 20, size[1] - 20), outline="white", width=6)
    if text:
        draw.text((40, 40), text, fill="white")
    out = io.BytesIO()
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0112] = 1  # Orientation
    if gps:
        gps_ifd = {1: "N", 2: (35.0, 40.0, 30.0), 3: "E", 4: (139.0, 45.0, 10.0)}
        exif[0x8825] = gps_ifd
    image.save(out, format="JPEG", exif=exif.tobytes(), quality=85)
    return out.getvalue()


def png(*, size: tuple[int, int] = (300, 200), alpha: bool = True) -> bytes:
    image = Image.new("RGBA" if alpha else "RGB", size, (20, 120, 60, 180) if alpha else (20, 120, 60))
    out = io.BytesIO()
    from PIL import PngImagePlugin

    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "secret note in a text chunk")
    image.save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG that declares huge dimensions (a decompression bomb) but holds almost no data."""
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00" * 16))
        + chunk(b"IEND", b"")
    )


def _pdf_with_text(text: str) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    pdf.add_blank_page(page_size=(595, 842))
    page = pdf.pages[0]
    page.Resources = pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=pikepdf.Dictionary(_FONT)))
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    page.Contents = pdf.make_stream(f"BT /F1 14 Tf 72 760 Td ({escaped}) Tj ET".encode("latin-1"))
    return pdf


def pdf(
    text: str = "Power of attorney / inin-jo",
    *,
    javascript: bool = False,
    open_action_js: bool = False,
    open_action_dest: bool = False,
    launch: bool = False,
    embedded: bool = False,
    xfa: bool = False,
    annotation_aa: bool = False,
    rich_media: bool = False,
    password: str = "",
    owner_password_only: bool = False,
    trailing: bytes = b"",
) -> bytes:
    """A one-page PDF (a 委任状 stand-in), optionally carrying one hostile feature."""
    document = _pdf_with_text(text)
    root = document.Root
    if javascript:
        js = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(1)"))
        root.Names = pikepdf.Dictionary(
            JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("a"), document.make_indirect(js)]))
        )
    if open_action_js:
        root.OpenAction = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(2)"))
    if open_action_dest:
        root.OpenAction = pikepdf.Array([document.pages[0].obj, pikepdf.Name.Fit])
    if launch:
        action = pikepdf.Dictionary(S=pikepdf.Name.Launch, F=pikepdf.String("calc.exe"))
        annot = pikepdf.Dictionary(Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.Link, Rect=[0, 0, 100, 100], A=action)
        document.pages[0].Annots = document.make_indirect(pikepdf.Array([document.make_indirect(annot)]))
    if embedded:
        eicar = b"X5O!P%@AP[4\\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*"
        document.attachments["eicar.com"] = pikepdf.AttachedFileSpec(document, eicar)
    if xfa:
        root.AcroForm = pikepdf.Dictionary(Fields=pikepdf.Array(), XFA=document.make_stream(b"<xdp:xdp/>"))
    if annotation_aa:
        document.pages[0].AA = pikepdf.Dictionary(
            O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String("app.alert(3)"))
        )
    if rich_media:
        annot = pikepdf.Dictionary(
            Type=pikepdf.Name.Annot, Subtype=pikepdf.Name.RichMedia, Rect=[0, 0, 10, 10],
            RichMediaContent=pikepdf.Dictionary(),
        )  # fmt: skip
        document.pages[0].Annots = pikepdf.Array([document.make_indirect(annot)])
    out = io.BytesIO()
    if password or owner_password_only:
        encryption = pikepdf.Encryption(owner="owner-secret", user="" if owner_password_only else password)
        document.save(out, encryption=encryption)
    else:
        document.save(out)
    return out.getvalue() + trailing
