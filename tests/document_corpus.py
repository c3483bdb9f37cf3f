"""Crafted documents for the blind copies: each plants a marker in every place an author's name,
path or e-mail has been found hiding (metadata, custom XML, template paths, comments, revision
authors, embedded files, scripts, image EXIF, bytes after an image's end), next to a body a reader
needs. Built by code here, never committed as binaries.

Every builder takes `mark(place) -> str`: the text planted at that place. The corpus test gives each
place its own marker (so a failure names the place); tests/canary.py gives them all the canary name.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from collections.abc import Callable
from xml.sax.saxutils import quoteattr

import pikepdf
from PIL import Image, PngImagePlugin

BODY = "Body text of the plan"
Mark = Callable[[str], str]

W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"
XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'


# ------------------------------------------------------------------ images


def jpeg(mark: Mark, prefix: str) -> bytes:
    """A real JPEG with the marker as EXIF Artist, in a comment, and in bytes after its end marker."""
    image = Image.new("RGB", (16, 12), (30, 120, 200))
    exif = Image.Exif()
    exif[0x013B] = mark(f"{prefix} EXIF Artist")  # Artist
    exif[0x8298] = mark(f"{prefix} EXIF Copyright")  # Copyright
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes(), comment=mark(f"{prefix} JPEG comment").encode())
    return out.getvalue() + mark(f"{prefix} after JPEG end").encode()


def png(mark: Mark, prefix: str) -> bytes:
    """A real PNG with the marker in text chunks, EXIF and after its end chunk."""
    image = Image.new("RGB", (16, 12), (200, 80, 30))
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", mark(f"{prefix} PNG tEXt"))
    info.add_itxt("Comment", mark(f"{prefix} PNG iTXt"))
    exif = Image.Exif()
    exif[0x013B] = mark(f"{prefix} PNG EXIF Artist")
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info, exif=exif.tobytes())
    return out.getvalue() + mark(f"{prefix} after PNG end").encode()


# ------------------------------------------------------------------ Office documents


def _rels(*relationships: tuple[str, str, str] | tuple[str, str, str, str]) -> str:
    items = []
    for rel in relationships:
        rid, kind, target = rel[:3]
        external = ' TargetMode="External"' if len(rel) > 3 else ""
        items.append(f'<Relationship Id="{rid}" Type="{kind}" Target={quoteattr(target)}{external}/>')
    return f'{XML_HEAD}<Relationships xmlns="{RELS}">{"".join(items)}</Relationships>'


def _types(overrides: dict[str, str]) -> str:
    items = "".join(f'<Override PartName="/{name}" ContentType="{kind}"/>' for name, kind in overrides.items())
    return (
        f'{XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Default Extension="jpeg" ContentType="image/jpeg"/><Default Extension="png" ContentType="image/png"/>'
        '<Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.oleObject"/>'
        f"{items}</Types>"
    )


def _doc_props(mark: Mark) -> dict[str, str]:
    core = (
        f'{XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
        'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{mark('core title')}</dc:title><dc:subject>{mark('core subject')}</dc:subject>"
        f"<dc:creator>{mark('core creator')}</dc:creator><cp:keywords>{mark('core keywords')}</cp:keywords>"
        f"<dc:description>{mark('core description')}</dc:description>"
        f"<cp:lastModifiedBy>{mark('core last modified by')}</cp:lastModifiedBy>"
        f"<cp:category>{mark('core category')}</cp:category><cp:revision>3</cp:revision>"
        '<dcterms:created xsi:type="dcterms:W3CDTF">2025-01-01T09:00:00Z</dcterms:created>'
        '<dcterms:modified xsi:type="dcterms:W3CDTF">2025-01-02T09:00:00Z</dcterms:modified>'
        "</cp:coreProperties>"
    )
    app = (
        f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        f"<Template>C:\\Users\\{mark('app template')}\\Normal.dotm</Template><TotalTime>5</TotalTime>"
        f"<Pages>1</Pages><Words>5</Words><Application>Microsoft Office Word</Application>"
        f"<Company>{mark('app company')}</Company><Manager>{mark('app manager')}</Manager>"
        f"<HyperlinkBase>\\\\{mark('app hyperlink base')}\\share</HyperlinkBase>"
        f'<TitlesOfParts><vt:vector size="1" baseType="lpstr"><vt:lpstr>{mark("app titles of parts")}</vt:lpstr>'
        "</vt:vector></TitlesOfParts><AppVersion>16.0000</AppVersion></Properties>"
    )
    custom = (
        f'{XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/custom-properties" '
        'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes">'
        '<property fmtid="{D5CDD505-2E9C-101B-9397-08002B2CF9AE}" pid="2" name="Owner">'
        f"<vt:lpwstr>{mark('custom property')}</vt:lpwstr></property></Properties>"
    )
    return {"docProps/core.xml": core, "docProps/app.xml": app, "docProps/custom.xml": custom}


def _root_rels(main: str, mark: Mark) -> str:
    return _rels(
        ("rId1", f"{REL}/officeDocument", main),
        ("rId2", f"{PKG_REL}/metadata/core-properties", "docProps/core.xml"),
        ("rId3", f"{REL}/extended-properties", "docProps/app.xml"),
        ("rId4", f"{REL}/custom-properties", "docProps/custom.xml"),
        ("rId5", f"{PKG_REL}/metadata/thumbnail", "docProps/thumbnail.jpeg"),
    )


def _custom_xml(mark: Mark) -> dict[str, str]:
    return {
        "customXml/item1.xml": f"{XML_HEAD}<properties><owner>{mark('custom XML owner')}</owner></properties>",
        "customXml/itemProps1.xml": (
            f'{XML_HEAD}<ds:datastoreItem ds:itemID="{{6A1B}}" xmlns:ds="http://schemas.'
            'openxmlformats.org/officeDocument/2006/customXml"><ds:schemaRefs/>'
            "</ds:datastoreItem>"
        ),
        "customXml/_rels/item1.xml.rels": _rels(("rId1", f"{REL}/customXmlProps", "itemProps1.xml")),
    }


def _zip(parts: dict[str, str | bytes], mark: Mark) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, content in parts.items():
            z.writestr(name, content)
        z.comment = mark("zip comment").encode()
    return out.getvalue()


def _embedded_workbook(mark: Mark) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", f"<workbook><name>{mark('embedded workbook')}</name></workbook>")
    return out.getvalue()


def docx(mark: Mark) -> bytes:
    """A Word document with the marker in every place it has been found."""
    m = mark
    document = (
        f'{XML_HEAD}<w:document xmlns:w="{W}" xmlns:r="{R}" '
        'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
        'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
        'xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture" '
        'xmlns:o="urn:schemas-microsoft-com:office:office" xmlns:v="urn:schemas-microsoft-com:vml"><w:body>'
        f'<w:p><w:pPr><w:pStyle w:val="Heading1"/></w:pPr><w:r><w:t>{BODY}</w:t></w:r></w:p>'
        f'<w:p><w:commentRangeStart w:id="0"/><w:r><w:t>Reviewed section</w:t></w:r><w:commentRangeEnd w:id="0"/>'
        '<w:r><w:commentReference w:id="0"/></w:r></w:p>'
        f'<w:p><w:permStart w:id="5" w:ed="{m("permission editor")}"/>'
        f'<w:ins w:id="1" w:author="{m("tracked insertion author")}" w:date="2025-01-01T00:00:00Z">'
        "<w:r><w:t>Inserted words</w:t></w:r></w:ins>"
        f'<w:del w:id="2" w:author="{m("tracked deletion author")}" w:date="2025-01-01T00:00:00Z">'
        "<w:r><w:delText>Deleted words</w:delText></w:r></w:del></w:p>"
        '<w:p><w:hyperlink r:id="rId20"><w:r><w:t>GOV.UK</w:t></w:r></w:hyperlink>'
        '<w:hyperlink r:id="rId21"><w:r><w:t>Our shared drive</w:t></w:r></w:hyperlink></w:p>'
        '<w:p><w:r><w:drawing><wp:inline><wp:extent cx="952500" cy="714375"/><wp:docPr id="1" name="Picture 1"/>'
        '<a:graphic><a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture"><pic:pic>'
        '<pic:nvPicPr><pic:cNvPr id="1" name="chart.jpeg"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:embed="rId10" r:link="rId14"/></pic:blipFill><pic:spPr/></pic:pic>'
        "</a:graphicData></a:graphic>"
        "</wp:inline></w:drawing></w:r></w:p>"
        '<w:p><w:r><w:object><v:shape id="ole1"><v:imagedata r:id="rId11"/></v:shape>'
        '<o:OLEObject Type="Embed" ProgID="Excel.Sheet.12" ShapeID="ole1" r:id="rId12"/></w:object></w:r></w:p>'
        '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'
    )
    settings = (
        f'{XML_HEAD}<w:settings xmlns:w="{W}" xmlns:r="{R}"><w:attachedTemplate r:id="rId1"/>'
        f'<w:docVars><w:docVar w:name="Owner" w:val="{m("document variable")}"/></w:docVars>'
        '<w:defaultTabStop w:val="720"/></w:settings>'
    )
    comments = (
        f'{XML_HEAD}<w:comments xmlns:w="{W}"><w:comment w:id="0" w:author="{m("comment author")}" '
        f'w:initials="ZQ"><w:p><w:r><w:t>Ask {m("comment e-mail")}@riverside.example</w:t></w:r></w:p>'
        "</w:comment></w:comments>"
    )
    people = (
        f'{XML_HEAD}<w15:people xmlns:w15="http://schemas.microsoft.com/office/word/2012/wordml">'
        f'<w15:person w15:author="{m("people author")}"><w15:presenceInfo w15:providerId="AD" '
        f'w15:userId="{m("people user id")}"/></w15:person></w15:people>'
    )
    styles = (
        f'{XML_HEAD}<w:styles xmlns:w="{W}"><w:style w:type="paragraph" w:styleId="Heading1">'
        '<w:name w:val="heading 1"/></w:style></w:styles>'
    )
    numbering = f'{XML_HEAD}<w:numbering xmlns:w="{W}"><w:abstractNum w:abstractNumId="0"/></w:numbering>'
    fonts = f'{XML_HEAD}<w:fonts xmlns:w="{W}"><w:font w:name="Arial"/></w:fonts>'
    wt = "application/vnd.openxmlformats-officedocument.wordprocessingml"
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _types(
            {
                "word/document.xml": "application/vnd.ms-word.document.macroEnabled.main+xml",
                "word/styles.xml": f"{wt}.styles+xml",
                "word/vbaProject.bin": "application/vnd.ms-office.vbaProject",
                "word/numbering.xml": f"{wt}.numbering+xml",
                "word/fontTable.xml": f"{wt}.fontTable+xml",
                "word/settings.xml": f"{wt}.settings+xml",
                "word/comments.xml": f"{wt}.comments+xml",
                "word/people.xml": "application/vnd.ms-word.people+xml",
                "customXml/itemProps1.xml": "application/vnd.openxmlformats-officedocument.customXmlProperties+xml",
                "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
                "docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
                "docProps/custom.xml": "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            }
        ),
        "_rels/.rels": _root_rels("word/document.xml", m),
        "word/document.xml": document,
        "word/_rels/document.xml.rels": _rels(
            ("rId1", f"{REL}/styles", "styles.xml"),
            ("rId2", f"{REL}/numbering", "numbering.xml"),
            ("rId3", f"{REL}/fontTable", "fontTable.xml"),
            ("rId4", f"{REL}/settings", "settings.xml"),
            ("rId5", f"{REL}/comments", "comments.xml"),
            ("rId6", "http://schemas.microsoft.com/office/2011/relationships/people", "people.xml"),
            ("rId7", f"{REL}/customXml", "../customXml/item1.xml"),
            ("rId10", f"{REL}/image", "media/image1.jpeg"),
            ("rId11", f"{REL}/image", "media/image2.png"),
            ("rId12", f"{REL}/package", "embeddings/Microsoft_Excel_Worksheet.xlsx"),
            ("rId13", "http://schemas.microsoft.com/office/2006/relationships/vbaProject", "vbaProject.bin"),
            ("rId14", f"{REL}/image", f"https://images.example/{m('linked picture address')}.png", "External"),
            ("rId20", f"{REL}/hyperlink", "https://www.gov.uk/", "External"),
            ("rId21", f"{REL}/hyperlink", f"file:///C:/Users/{m('hyperlink path')}/plan.docx", "External"),
        ),
        "word/settings.xml": settings,
        "word/_rels/settings.xml.rels": _rels(
            (
                "rId1",
                f"{REL}/attachedTemplate",
                f"file:///C:\\Users\\jane.smith\\{m('template path')}\\Templates\\Council.dotx",
                "External",
            )
        ),
        "word/styles.xml": styles,
        "word/numbering.xml": numbering,
        "word/fontTable.xml": fonts,
        "word/comments.xml": comments,
        "word/people.xml": people,
        "word/media/image1.jpeg": jpeg(m, "docx image"),
        "word/media/image2.png": png(m, "docx OLE preview"),
        "word/embeddings/Microsoft_Excel_Worksheet.xlsx": _embedded_workbook(m),
        "word/vbaProject.bin": f"Attribute VB_Name = {m('macro')}".encode(),
        "docProps/thumbnail.jpeg": jpeg(m, "docx thumbnail"),
        **_custom_xml(m),
        **_doc_props(m),
    }
    return _zip(parts, m)


def xlsx(mark: Mark) -> bytes:
    """An Excel workbook with the marker in every place it has been found."""
    m = mark
    s = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    workbook = (
        f'{XML_HEAD}<workbook xmlns="{s}" xmlns:r="{R}" '
        'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" mc:Ignorable="x15ac" '
        'xmlns:x15ac="http://schemas.microsoft.com/office/spreadsheetml/2010/11/ac">'
        f'<fileVersion appName="xl"/><fileSharing readOnlyRecommended="1" userName="{m("file sharing user")}"/>'
        '<workbookPr defaultThemeVersion="166925"/>'
        '<mc:AlternateContent><mc:Choice Requires="x15">'
        f'<x15ac:absPath url="C:\\Users\\{m("absolute path")}\\Documents\\"/></mc:Choice></mc:AlternateContent>'
        '<sheets><sheet name="Results" sheetId="1" r:id="rId1"/></sheets>'
        '<externalReferences><externalReference r:id="rId5"/></externalReferences></workbook>'
    )
    sheet = (
        f'{XML_HEAD}<worksheet xmlns="{s}" xmlns:r="{R}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c>'
        '</row></sheetData><legacyDrawing r:id="rId2"/></worksheet>'
    )
    strings = f'{XML_HEAD}<sst xmlns="{s}" count="1" uniqueCount="1"><si><t>{BODY}</t></si></sst>'
    comments = (
        f'{XML_HEAD}<comments xmlns="{s}"><authors><author>{m("sheet comment author")}</author></authors>'
        '<commentList><comment ref="A1" authorId="0"><text><t>Check</t></text></comment></commentList>'
        "</comments>"
    )
    persons = (
        f'{XML_HEAD}<personList xmlns="http://schemas.microsoft.com/office/spreadsheetml/2018/threadedcomments">'
        f'<person displayName="{m("person display name")}" id="{{1}}" userId="{m("person user id")}" '
        'providerId="AD"/></personList>'
    )
    external = f'{XML_HEAD}<externalLink xmlns="{s}"><externalBook xmlns:r="{R}" r:id="rId1"/></externalLink>'
    st = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _types(
            {
                "xl/workbook.xml": f"{st}.sheet.main+xml",
                "xl/worksheets/sheet1.xml": f"{st}.worksheet+xml",
                "xl/sharedStrings.xml": f"{st}.sharedStrings+xml",
                "xl/comments1.xml": f"{st}.comments+xml",
                "xl/persons/person.xml": "application/vnd.ms-excel.person+xml",
                "xl/externalLinks/externalLink1.xml": f"{st}.externalLink+xml",
                "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
                "docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
                "docProps/custom.xml": "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            }
        ),
        "_rels/.rels": _root_rels("xl/workbook.xml", m),
        "xl/workbook.xml": workbook,
        "xl/_rels/workbook.xml.rels": _rels(
            ("rId1", f"{REL}/worksheet", "worksheets/sheet1.xml"),
            ("rId3", f"{REL}/sharedStrings", "sharedStrings.xml"),
            ("rId4", "http://schemas.microsoft.com/office/2017/10/relationships/person", "persons/person.xml"),
            ("rId5", f"{REL}/externalLink", "externalLinks/externalLink1.xml"),
            ("rId6", f"{REL}/customXml", "../customXml/item1.xml"),
        ),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/worksheets/_rels/sheet1.xml.rels": _rels(
            ("rId1", f"{REL}/comments", "../comments1.xml"),
            ("rId2", f"{REL}/vmlDrawing", "../drawings/vmlDrawing1.vml"),
        ),
        "xl/drawings/vmlDrawing1.vml": f"<xml><x:Author>{m('vml drawing')}</x:Author></xml>",
        "xl/sharedStrings.xml": strings,
        "xl/comments1.xml": comments,
        "xl/persons/person.xml": persons,
        "xl/externalLinks/externalLink1.xml": external,
        "xl/externalLinks/_rels/externalLink1.xml.rels": _rels(
            ("rId1", f"{REL}/externalLinkPath", f"file:///\\\\{m('external link path')}\\share\\book.xlsx", "External")
        ),
        "xl/printerSettings/printerSettings1.bin": m("printer settings").encode("utf-16-le"),
        **_custom_xml(m),
        **_doc_props(m),
    }
    return _zip(parts, m)


def pptx(mark: Mark) -> bytes:
    """A PowerPoint presentation with the marker in its comments, tags, custom XML and properties."""
    m = mark
    p = "http://schemas.openxmlformats.org/presentationml/2006/main"
    a = "http://schemas.openxmlformats.org/drawingml/2006/main"
    presentation = (
        f'{XML_HEAD}<p:presentation xmlns:p="{p}" xmlns:r="{R}" xmlns:a="{a}">'
        '<p:sldIdLst><p:sldId id="256" r:id="rId2"/></p:sldIdLst><p:sldSz cx="9144000" cy="6858000"/>'
        '<p:custDataLst><p:tags r:id="rId9"/></p:custDataLst></p:presentation>'
    )
    slide = (
        f'{XML_HEAD}<p:sld xmlns:p="{p}" xmlns:r="{R}" xmlns:a="{a}"><p:cSld><p:spTree><p:sp><p:txBody>'
        f"<a:bodyPr/><a:p><a:r><a:t>{BODY}</a:t></a:r></a:p></p:txBody></p:sp></p:spTree></p:cSld></p:sld>"
    )
    authors = (
        f'{XML_HEAD}<p:cmAuthorLst xmlns:p="{p}"><p:cmAuthor id="0" name="{m("comment author name")}" '
        'initials="ZQ" lastIdx="1" clrIdx="0"/></p:cmAuthorLst>'
    )
    comment = (
        f'{XML_HEAD}<p:cmLst xmlns:p="{p}"><p:cm authorId="0" idx="1"><p:pos x="10" y="10"/>'
        f"<p:text>Ask {m('slide comment text')}</p:text></p:cm></p:cmLst>"
    )
    tags = f'{XML_HEAD}<p:tagLst xmlns:p="{p}"><p:tag name="OWNER" val="{m("presentation tag")}"/></p:tagLst>'
    pt = "application/vnd.openxmlformats-officedocument.presentationml"
    parts: dict[str, str | bytes] = {
        "[Content_Types].xml": _types(
            {
                "ppt/presentation.xml": f"{pt}.presentation.main+xml",
                "ppt/slides/slide1.xml": f"{pt}.slide+xml",
                "ppt/commentAuthors.xml": f"{pt}.commentAuthors+xml",
                "ppt/comments/comment1.xml": f"{pt}.comments+xml",
                "ppt/tags/tag1.xml": f"{pt}.tags+xml",
                "docProps/core.xml": "application/vnd.openxmlformats-package.core-properties+xml",
                "docProps/app.xml": "application/vnd.openxmlformats-officedocument.extended-properties+xml",
                "docProps/custom.xml": "application/vnd.openxmlformats-officedocument.custom-properties+xml",
            }
        ),
        "_rels/.rels": _root_rels("ppt/presentation.xml", m),
        "ppt/presentation.xml": presentation,
        "ppt/_rels/presentation.xml.rels": _rels(
            ("rId2", f"{REL}/slide", "slides/slide1.xml"),
            ("rId3", f"{REL}/commentAuthors", "commentAuthors.xml"),
            ("rId9", f"{REL}/tags", "tags/tag1.xml"),
        ),
        "ppt/slides/slide1.xml": slide,
        "ppt/slides/_rels/slide1.xml.rels": _rels(
            ("rId1", f"{REL}/comments", "../comments/comment1.xml"), ("rId2", f"{REL}/image", "../media/image1.png")
        ),
        "ppt/media/image1.png": png(m, "pptx image"),
        "ppt/commentAuthors.xml": authors,
        "ppt/comments/comment1.xml": comment,
        "ppt/tags/tag1.xml": tags,
        **_custom_xml(m),
        **_doc_props(m),
    }
    return _zip(parts, m)


# ------------------------------------------------------------------ PDF


def pdf(mark: Mark) -> bytes:
    """A PDF with the marker in its document information, XMP, scripts, embedded files, comments,
    an attached file, a bookmark and an image's EXIF and trailing bytes."""
    m = mark
    document = pikepdf.new()
    document.add_blank_page(page_size=(595, 842))
    page = document.pages[0]
    font = document.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name.Helvetica)
    )
    photo = jpeg(m, "pdf image")
    image = pikepdf.Stream(document, photo)
    image.Type, image.Subtype = pikepdf.Name.XObject, pikepdf.Name.Image
    image.Width, image.Height, image.BitsPerComponent = 16, 12, 8
    image.ColorSpace, image.Filter = pikepdf.Name.DeviceRGB, pikepdf.Name.DCTDecode
    image.Metadata = document.make_stream(f'<x:xmpmeta xmlns:x="adobe:ns:meta/">{m("image XMP")}</x:xmpmeta>'.encode())
    picture = io.BytesIO()  # a JPEG 2000 image whose codestream carries a comment
    Image.new("RGB", (16, 12), (90, 90, 20)).save(picture, "JPEG2000", comment=m("pdf JPEG 2000 comment").encode())
    image2 = pikepdf.Stream(document, picture.getvalue())
    image2.Type, image2.Subtype, image2.Width, image2.Height = pikepdf.Name.XObject, pikepdf.Name.Image, 16, 12
    image2.Filter = pikepdf.Name.JPXDecode
    page.obj.Resources = pikepdf.Dictionary(
        Font=pikepdf.Dictionary(F1=font), XObject=pikepdf.Dictionary(Im1=image, Im2=image2)
    )
    page.obj.Contents = document.make_stream(
        f"BT /F1 18 Tf 72 760 Td ({BODY}) Tj ET q 160 0 0 120 72 600 cm /Im1 Do Q "
        "q 160 0 0 120 272 600 cm /Im2 Do Q".encode()
    )
    page.obj.PieceInfo = pikepdf.Dictionary(App=pikepdf.Dictionary(Private=pikepdf.String(m("page piece info"))))
    page.obj.AA = pikepdf.Dictionary(
        O=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{m('page open JS')}')"))
    )

    def embedded(name: str, content: str):
        stream = document.make_stream(content.encode())
        stream.Type = pikepdf.Name.EmbeddedFile
        return pikepdf.Dictionary(
            Type=pikepdf.Name.Filespec, F=pikepdf.String(name), UF=pikepdf.String(name), EF=pikepdf.Dictionary(F=stream)
        )

    comment = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Text,
        Rect=[10, 10, 30, 30],
        T=pikepdf.String(m("comment author")),
        Contents=pikepdf.String(f"Ask {m('comment text')}"),
    )
    attached = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.FileAttachment,
        Rect=[40, 10, 60, 30],
        FS=embedded(f"{m('attached file name')}.txt", m("attached file content")),
    )
    script_link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[72, 700, 200, 720],
        A=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(m("link JS"))),
    )
    web_link = pikepdf.Dictionary(
        Type=pikepdf.Name.Annot,
        Subtype=pikepdf.Name.Link,
        Rect=[72, 740, 300, 760],
        Border=[0, 0, 0],
        A=pikepdf.Dictionary(S=pikepdf.Name.URI, URI=pikepdf.String("https://www.gov.uk/")),
    )
    page.obj.Annots = pikepdf.Array([document.make_indirect(a) for a in (comment, attached, script_link, web_link)])

    root = document.Root
    root.OpenAction = pikepdf.Dictionary(
        S=pikepdf.Name.JavaScript, JS=pikepdf.String(f"app.alert('{m('open action JS')}')")
    )
    root.AA = pikepdf.Dictionary(WC=pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=pikepdf.String(m("close JS"))))
    script = pikepdf.Dictionary(S=pikepdf.Name.JavaScript, JS=document.make_stream(m("named JS").encode()))
    root.Names = pikepdf.Dictionary(
        JavaScript=pikepdf.Dictionary(Names=pikepdf.Array([pikepdf.String("init"), script])),
        EmbeddedFiles=pikepdf.Dictionary(
            Names=pikepdf.Array(
                [
                    pikepdf.String(m("embedded file key")),
                    embedded(f"{m('embedded file name')}.docx", m("embedded file content")),
                ]
            )
        ),
    )
    outline = document.make_indirect(pikepdf.Dictionary(Title=pikepdf.String(m("bookmark title"))))
    outlines = document.make_indirect(
        pikepdf.Dictionary(Type=pikepdf.Name.Outlines, First=outline, Last=outline, Count=1)
    )
    outline.Parent = outlines
    root.Outlines = outlines
    with document.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
        meta["dc:creator"] = [m("XMP creator")]
        meta["pdf:Producer"] = m("XMP producer")
    document.docinfo["/Author"] = m("info author")
    document.docinfo["/Creator"] = m("info creator")
    document.docinfo["/Producer"] = m("info producer")
    document.docinfo["/Title"] = m("info title")
    out = io.BytesIO()
    document.save(out, compress_streams=False)
    return out.getvalue()


# ------------------------------------------------------------------ reading everything inside a file


def unpacked(data: bytes) -> list[tuple[str, bytes]]:
    """The file and everything inside it, decoded: every zip part (and zips inside those), every
    PDF object and stream decompressed, every text chunk of a PNG decompressed."""
    parts = [("raw bytes", data)]
    if data.startswith(b"PK\x03\x04"):
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parts.append(("zip comment", z.comment))
            for name in z.namelist():
                parts += [(f"{name} > {where}", content) for where, content in unpacked(z.read(name))]
    elif data.startswith(b"%PDF"):
        with pikepdf.open(io.BytesIO(data)) as document:
            parts.append(("trailer", repr(document.trailer).encode()))
            for obj in document.objects:
                if isinstance(obj, pikepdf.Stream):
                    try:
                        content = obj.read_bytes()
                    except pikepdf.PdfError:
                        content = obj.read_raw_bytes()
                    parts.append((f"stream {obj.objgen}", content))
                    parts.append((f"stream {obj.objgen} raw", obj.read_raw_bytes()))
                    parts.append(
                        (f"stream dictionary {obj.objgen}", repr(pikepdf.Dictionary(obj.stream_dict)).encode())
                    )
                elif isinstance(obj, (pikepdf.Dictionary, pikepdf.Array)):
                    parts.append((f"object {obj.objgen}", repr(obj).encode()))
    elif data.startswith(b"\x89PNG"):
        i = 8
        while i + 8 <= len(data):
            length = int.from_bytes(data[i : i + 4], "big")
            kind, body = data[i + 4 : i + 8], data[i + 8 : i + 8 + length]
            if kind == b"zTXt":
                parts.append(("zTXt", zlib.decompress(body.split(b"\0", 1)[1][1:])))
            i += 12 + length
    return parts
