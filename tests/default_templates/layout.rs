//! The layout of the default DOCX templates (`templates/*.docx`), built from code with docx-rs so
//! that it is reviewable in one place and reproducible byte for byte.
//!
//! Each function lays out one document with handlebars tags where the pack's data goes; the
//! tags and the data they expect are documented in README.md. The built package is repacked
//! through the library's `package` module so that it is as reproducible as anything we render.
//! This module decides layout and wording; it does not render data or touch files. It lives
//! with the tests (docx-rs is a dev-dependency), so the library does not build docx-rs.

use docx_rs::{
    AbstractNumbering, AlignmentType, Docx, Footer, Header, IndentLevel, Level, LevelJc, LevelText,
    LineSpacing, NumPages, NumberFormat, Numbering, NumberingId, PageMargin, PageNum, Paragraph,
    Run, RunFonts, Shading, SpecialIndentType, Start, Style, StyleType, Table, TableCell, TableRow,
    WidthType,
};

use countersign::document::package::{Limits, Package, PackageError};

// docx-rs defines numbering 1 itself (decimal); ours must not collide with it.
const BULLETS: usize = 2;
const ACCENT: &str = "1F3864";
const HEADER_FILL: &str = "D9E2F3";
/// Text width of an A4 page with 2 cm margins, in twentieths of a point.
const TEXT_WIDTH: usize = 9638;

/// Builds the named default template.
pub fn build(name: &str) -> Option<Result<Vec<u8>, PackageError>> {
    let docx = match name {
        "framework.docx" => framework(),
        "protocol.docx" => protocol(),
        "signature-sheet.docx" => signature_sheet(),
        "assurance-checklist.docx" => assurance_checklist(),
        "signature-report.docx" => signature_report(),
        "changes.docx" => changes(),
        "code-checklist.docx" => code_checklist(),
        _ => return None,
    };
    Some(finish(docx))
}

/// Packs a document, replaces its properties with tagged ones (title and dates come from the
/// data, never the clock), makes it accessible where docx-rs has no words for it (see
/// [`accessible`]), and rewrites the zip reproducibly.
fn finish(docx: Docx) -> Result<Vec<u8>, PackageError> {
    let mut raw = std::io::Cursor::new(Vec::new());
    docx.build()
        .pack(&mut raw)
        .map_err(|e| PackageError::Write(e.to_string()))?;
    let edited = ["word/document.xml", "word/styles.xml", "word/footer1.xml"];
    let package = Package::read(raw.into_inner(), Limits::default(), |name| {
        edited.contains(&name)
    })?;
    let replaced: Vec<Option<Vec<u8>>> = package
        .entries()
        .iter()
        .map(|e| match e.name.as_str() {
            "docProps/core.xml" => Some(CORE_PROPERTIES.as_bytes().to_vec()),
            name if edited.contains(&name) => {
                let xml = String::from_utf8(e.content.clone().unwrap_or_default()).ok()?;
                Some(accessible(name, xml).into_bytes())
            }
            _ => None,
        })
        .collect();
    package.write(|i| replaced[i].as_deref())
}

/// What docx-rs cannot say, said in the XML it wrote (its output is fixed, so these edits are
/// too; each panics if what it edits is not there, so a docx-rs upgrade cannot drop one):
/// - every table's first row is its header row, repeated on each page (`w:tblHeader`), which
///   is how screen readers and Word's accessibility checker know a header;
/// - the document's language is British English, and Normal is the default paragraph style;
/// - the footer's page numbers are the size of the words around them;
/// - the framework's contents is a Word field that updates ([`CONTENTS`]).
fn accessible(part: &str, mut xml: String) -> String {
    fn replace(part: &str, xml: &mut String, from: &str, to: &str, count: usize) {
        assert_eq!(
            xml.matches(from).count(),
            count,
            "{part}: docx-rs wrote {from}"
        );
        *xml = xml.replace(from, to);
    }
    match part {
        "word/document.xml" => {
            let tables = xml.matches("<w:tbl>").count();
            replace(
                part,
                &mut xml,
                "</w:tblGrid><w:tr><w:trPr />",
                "</w:tblGrid><w:tr><w:trPr><w:tblHeader /></w:trPr>",
                tables,
            );
            if let Some(at) = xml.find(CONTENTS) {
                let start = xml[..at].rfind("<w:p ").expect("the contents paragraph");
                let end = start + xml[start..].find("</w:p>").expect("its end") + "</w:p>".len();
                xml.replace_range(start..end, &contents_field());
            }
        }
        "word/styles.xml" => {
            replace(
                part,
                &mut xml,
                "<w:rPrDefault><w:rPr>",
                "<w:rPrDefault><w:rPr><w:lang w:val=\"en-GB\" w:eastAsia=\"en-GB\" w:bidi=\"ar-SA\" />",
                1,
            );
            replace(
                part,
                &mut xml,
                "<w:style w:type=\"paragraph\" w:styleId=\"Normal\">",
                "<w:style w:type=\"paragraph\" w:default=\"1\" w:styleId=\"Normal\">",
                1,
            );
        }
        "word/footer1.xml" => replace(
            part,
            &mut xml,
            "<w:r><w:rPr /><w:fldChar",
            "<w:r><w:rPr><w:sz w:val=\"18\" /><w:szCs w:val=\"18\" /></w:rPr><w:fldChar",
            2,
        ),
        _ => {}
    }
    xml
}

/// Where the framework's contents goes: a paragraph replaced by [`contents_field`].
const CONTENTS: &str = "CONTENTS-FIELD-GOES-HERE";

/// The framework's contents: a TOC field over the level-1 headings, marked dirty so that Word
/// fills in the page numbers when the document is opened. Its result is written out already
/// (each heading, the sections from the data), so a reader or converter that does not update
/// fields still shows a true list.
fn contents_field() -> String {
    let entry = |text: &str| {
        format!(
            "<w:p><w:pPr><w:pStyle w:val=\"TOC1\" /></w:pPr><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>"
        )
    };
    let tag =
        |text: &str| format!("<w:p><w:r><w:t xml:space=\"preserve\">{text}</w:t></w:r></w:p>");
    let mut xml = String::from(
        "<w:p><w:pPr><w:pStyle w:val=\"TOCHeading\" /><w:keepNext /></w:pPr><w:r><w:t>Contents</w:t></w:r></w:p>",
    );
    xml.push_str(concat!(
        "<w:p><w:pPr><w:pStyle w:val=\"TOC1\" /></w:pPr>",
        "<w:r><w:fldChar w:fldCharType=\"begin\" w:dirty=\"true\" /></w:r>",
        "<w:r><w:instrText xml:space=\"preserve\"> TOC \\o \"1-1\" \\h \\z \\u </w:instrText></w:r>",
        "<w:r><w:fldChar w:fldCharType=\"separate\" /></w:r>",
        "<w:r><w:t xml:space=\"preserve\">Document control</w:t></w:r></w:p>",
    ));
    xml.push_str(&entry("Revision history"));
    xml.push_str(&tag("{{#each framework.sections}}"));
    xml.push_str(&entry("{{number}}. {{heading}}"));
    xml.push_str(&tag("{{/each}}"));
    let (last, before) = FRAMEWORK_CLOSING_HEADINGS.split_last().expect("headings");
    for heading in before {
        xml.push_str(&entry(heading));
    }
    // The field ends in its last entry's paragraph, so no empty paragraph follows the list.
    xml.push_str(&entry(last).replace(
        "</w:t></w:r></w:p>",
        "</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\" /></w:r></w:p>",
    ));
    xml
}

/// The framework's level-1 headings after its numbered sections, in order (the contents
/// lists them; [`framework`] writes them).
const FRAMEWORK_CLOSING_HEADINGS: [&str; 6] = [
    "Legislation and guidance",
    "Appendix A: core members",
    "Appendix B: affiliate partners",
    "Appendix C: glossary",
    "Appendix D: joining the framework",
    "Agreement",
];

const CORE_PROPERTIES: &str = concat!(
    "<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n",
    "<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" ",
    "xmlns:dc=\"http://purl.org/dc/elements/1.1/\" xmlns:dcterms=\"http://purl.org/dc/terms/\" ",
    "xmlns:dcmitype=\"http://purl.org/dc/dcmitype/\" xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\">",
    "<dc:title>{{document.title}}</dc:title>",
    "<dc:subject>{{framework.area}} information sharing</dc:subject>",
    "<dc:creator>{{framework.document_control.lead_author}}</dc:creator>",
    "<cp:keywords>{{document.kind}} {{document.id}} version {{document.version}}</cp:keywords>",
    "<cp:revision>1</cp:revision>",
    "<dcterms:created xsi:type=\"dcterms:W3CDTF\">{{document.date}}T00:00:00Z</dcterms:created>",
    "<dcterms:modified xsi:type=\"dcterms:W3CDTF\">{{document.date}}T00:00:00Z</dcterms:modified>",
    "</cp:coreProperties>"
);

fn base(header_text: &str) -> Docx {
    let bullets = AbstractNumbering::new(BULLETS).add_level(
        Level::new(
            0,
            Start::new(1),
            NumberFormat::new("bullet"),
            LevelText::new("•"),
            LevelJc::new("left"),
        )
        .indent(Some(720), Some(SpecialIndentType::Hanging(360)), None, None),
    );
    let header = Header::new().add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text(header_text).size(18).color("595959"))
            .align(AlignmentType::Right),
    );
    let footer = Footer::new().add_paragraph(
        Paragraph::new()
            .add_run(Run::new().add_text("Page ").size(18))
            .add_page_num(PageNum::new())
            .add_run(Run::new().add_text(" of ").size(18))
            .add_num_pages(NumPages::new())
            .align(AlignmentType::Center),
    );
    Docx::new()
        .default_fonts(
            RunFonts::new()
                .ascii("Arial")
                .hi_ansi("Arial")
                .cs("Arial")
                .east_asia("Arial"),
        )
        .default_size(22)
        .page_size(11906, 16838)
        .page_margin(
            PageMargin::new()
                .top(1134)
                .bottom(1134)
                .left(1134)
                .right(1134)
                .header(567)
                .footer(567),
        )
        .add_style(
            Style::new("Title", StyleType::Paragraph)
                .name("Title")
                .based_on("Normal")
                .next("Normal")
                .size(44)
                .bold()
                .color(ACCENT)
                .line_spacing(LineSpacing::new().after(120)),
        )
        .add_style(
            Style::new("Subtitle", StyleType::Paragraph)
                .name("Subtitle")
                .based_on("Normal")
                .next("Normal")
                .size(24)
                .color("404040")
                .line_spacing(LineSpacing::new().after(240)),
        )
        .add_style(
            Style::new("Heading1", StyleType::Paragraph)
                .name("heading 1")
                .based_on("Normal")
                .next("Normal")
                .size(30)
                .bold()
                .color(ACCENT)
                .outline_lvl(0)
                .line_spacing(LineSpacing::new().before(360).after(120)),
        )
        .add_style(
            Style::new("Heading2", StyleType::Paragraph)
                .name("heading 2")
                .based_on("Normal")
                .next("Normal")
                .size(24)
                .bold()
                .color(ACCENT)
                .outline_lvl(1)
                .line_spacing(LineSpacing::new().before(240).after(80)),
        )
        .add_style(
            Style::new("TOCHeading", StyleType::Paragraph)
                .name("TOC Heading")
                .based_on("Normal")
                .next("Normal")
                .size(30)
                .bold()
                .color(ACCENT)
                .line_spacing(LineSpacing::new().before(360).after(120)),
        )
        .add_style(
            Style::new("TOC1", StyleType::Paragraph)
                .name("toc 1")
                .based_on("Normal")
                .next("Normal")
                .line_spacing(LineSpacing::new().after(60)),
        )
        .add_style(
            Style::new("ListBullet", StyleType::Paragraph)
                .name("List Bullet")
                .based_on("Normal"),
        )
        .add_style(
            Style::new("Note", StyleType::Paragraph)
                .name("Note")
                .based_on("Normal")
                .size(18)
                .italic()
                .color("595959"),
        )
        .add_abstract_numbering(bullets)
        .add_numbering(Numbering::new(BULLETS, BULLETS))
        .header(header)
        .footer(footer)
}

fn para(text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(text))
        .line_spacing(LineSpacing::new().before(80).after(120))
}

fn styled(style: &str, text: &str) -> Paragraph {
    Paragraph::new()
        .add_run(Run::new().add_text(text))
        .style(style)
}

fn heading(text: &str) -> Paragraph {
    styled("Heading1", text).keep_next(true)
}

fn bullet(text: &str) -> Paragraph {
    styled("ListBullet", text).numbering(NumberingId::new(BULLETS), IndentLevel::new(0))
}

/// A paragraph holding only a block tag: it vanishes when the document is rendered.
fn tag(text: &str) -> Paragraph {
    Paragraph::new().add_run(Run::new().add_text(text))
}

fn cell(text: &str, width: usize) -> TableCell {
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(text).size(20)))
        .width(width, WidthType::Dxa)
}

fn header_cell(text: &str, width: usize) -> TableCell {
    TableCell::new()
        .add_paragraph(Paragraph::new().add_run(Run::new().add_text(text).bold().size(20)))
        .shading(Shading::new().fill(HEADER_FILL))
        .width(width, WidthType::Dxa)
}

fn widths(parts: &[usize]) -> Vec<usize> {
    let total: usize = parts.iter().sum();
    parts.iter().map(|p| TEXT_WIDTH * p / total).collect()
}

/// A table with a shaded header row and one row per item of `list` (the row is repeated).
fn list_table(headers: &[&str], proportions: &[usize], list: &str, cells: &[&str]) -> Table {
    let w = widths(proportions);
    let head = TableRow::new(
        headers
            .iter()
            .zip(&w)
            .map(|(h, w)| header_cell(h, *w))
            .collect(),
    );
    let last = cells.len() - 1;
    let body = TableRow::new(
        cells
            .iter()
            .zip(&w)
            .enumerate()
            .map(|(i, (c, w))| {
                let mut text = String::new();
                if i == 0 {
                    text.push_str(&format!("{{{{#each {list}}}}}"));
                }
                text.push_str(c);
                if i == last {
                    text.push_str("{{/each}}");
                }
                cell(&text, *w)
            })
            .collect(),
    )
    .cant_split();
    Table::new(vec![head, body])
        .set_grid(w)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

/// A revision history: one row per version, with when it was approved and when the register
/// recorded its issue ("this version" for the one being issued).
fn revision_table(list: &str) -> Table {
    list_table(
        &[
            "Version",
            "Description of change",
            "Approved",
            "Issued for signature",
        ],
        &[2, 7, 3, 3],
        list,
        &[
            "{{version}}",
            "{{description}}",
            "{{date date}}",
            "{{#if current}}this version{{else}}{{#if issued}}{{date issued}}{{else}}not recorded{{/if}}{{/if}}",
        ],
    )
}

/// A two-column table of labels and values, under a header row naming the two columns.
fn facts_table(columns: [&str; 2], rows: &[(&str, &str)]) -> Table {
    let w = widths(&[1, 2]);
    let head = TableRow::new(vec![
        header_cell(columns[0], w[0]),
        header_cell(columns[1], w[1]),
    ]);
    let label = |text: &str| {
        TableCell::new()
            .add_paragraph(Paragraph::new().add_run(Run::new().add_text(text).bold().size(20)))
            .width(w[0], WidthType::Dxa)
    };
    Table::new(
        std::iter::once(head)
            .chain(
                rows.iter().map(|(l, value)| {
                    TableRow::new(vec![label(l), cell(value, w[1])]).cant_split()
                }),
            )
            .collect(),
    )
    .set_grid(w)
    .width(TEXT_WIDTH, WidthType::Dxa)
}

/// The signature block: one row per signatory organisation.
fn signature_table() -> Table {
    list_table(
        &["Organisation", "Signatory", "Position", "Date", "Signature"],
        &[5, 4, 4, 2, 3],
        "signatories",
        &[
            "{{organisation}}",
            "{{name}}{{#if recommended_by}} (on the recommendation of {{recommended_by}}, Caldicott Guardian){{/if}}",
            "{{position}}",
            "",
            "",
        ],
    )
}

fn framework() -> Docx {
    base("{{framework.title}}, version {{framework.version}}")
        .add_paragraph(styled("Title", "{{framework.title}}"))
        .add_paragraph(styled("Subtitle", "Version {{framework.version}}, {{framework.status_phrase}}"))
        .add_paragraph(tag(CONTENTS))
        .add_paragraph(heading("Document control"))
        .add_table(facts_table(["Document control", "Details"], &[
            ("Lead author", "{{framework.document_control.lead_author}}"),
            ("Developed by", "{{framework.document_control.developed_by}}"),
            ("Approved by", "{{framework.document_control.approved_by}}"),
            ("Ratified by", "{{framework.document_control.ratified_by}}"),
            ("Version", "{{framework.version}} ({{framework.status_label}})"),
            ("Approved", "{{date framework.approved}}"),
            ("Valid from", "{{date framework.valid_from}}"),
            ("Review by", "{{date framework.review_by}}, or sooner if the law or national guidance changes"),
        ]))
        .add_paragraph(tag("{{#if framework.document_control.dissemination}}"))
        .add_paragraph(para("Dissemination: {{framework.document_control.dissemination}}"))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(tag("{{#if framework.document_control.audit}}"))
        .add_paragraph(para("Audit: {{framework.document_control.audit}}"))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading("Revision history"))
        .add_table(revision_table("framework.revisions"))
        .add_paragraph(tag("{{#each framework.sections}}"))
        .add_paragraph(heading("{{number}}. {{heading}}"))
        .add_paragraph(tag("{{#each paragraphs}}"))
        .add_paragraph(para("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(tag("{{#each bullets}}"))
        .add_paragraph(bullet("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[0]))
        .add_paragraph(para("The partners share information within the law, in particular:"))
        .add_paragraph(tag("{{#each framework.legislation}}"))
        .add_paragraph(bullet("{{title}}{{#if url}} ({{url}}){{/if}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[1]))
        .add_table(list_table(
            &["Organisation", "Chief executive / accountable officer", "Data protection contact"],
            &[5, 4, 4],
            "core_members",
            &["{{name}}", "{{chief_executive.name}}{{#if chief_executive.title}}, {{chief_executive.title}}{{/if}}", "{{data_protection_officer.name}}{{#if data_protection_officer.role}}, {{data_protection_officer.role}}{{/if}}"],
        ))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[2]))
        .add_paragraph(tag("{{#if affiliates}}"))
        .add_paragraph(para("These organisations have joined the framework with the sponsorship of a core member:"))
        .add_table(list_table(
            &["Organisation", "Chief executive / accountable officer", "Data protection contact", "Sponsor"],
            &[4, 3, 3, 3],
            "affiliates",
            &["{{name}}", "{{chief_executive.name}}", "{{data_protection_officer.name}}", "{{sponsor_name}}"],
        ))
        .add_paragraph(tag("{{else}}"))
        .add_paragraph(para("No affiliate partners have joined yet."))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[3]))
        .add_table(list_table(&["Term", "Meaning"], &[1, 3], "framework.glossary", &["{{term}}", "{{definition}}"]))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[4]))
        .add_paragraph(tag("{{#each framework.joining.paragraphs}}"))
        .add_paragraph(para("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading(FRAMEWORK_CLOSING_HEADINGS[5]))
        .add_paragraph(para(
            "By signing below, each organisation agrees to the {{framework.title}}, version {{framework.version}}: to share personal information lawfully, under the principles above and under specific information sharing protocols, and to meet the responsibilities it sets out.",
        ))
        .add_table(signature_table())
        .add_paragraph(styled("Note", "Each organisation signs once, electronically or on paper. An electronic signature covers this exact version of the document, and anyone can check it against the copy they hold; the coordinator records each signature and can say who has signed."))
}

fn protocol() -> Docx {
    base("{{protocol.title}}, version {{protocol.version}}")
        .add_paragraph(styled("Title", "{{protocol.title}}"))
        .add_paragraph(styled("Subtitle", "Information sharing protocol under the {{framework.title}}. Version {{protocol.version}}, {{protocol.status_phrase}}"))
        .add_table(facts_table(["Document control", "Details"], &[
            ("Version", "{{protocol.version}} ({{protocol.status_label}})"),
            ("Requested by", "{{protocol.requesting.name}}"),
            ("Type of sharing", "{{protocol.sharing_label}}"),
            ("Approved", "{{date protocol.approved}}"),
            ("Review by", "{{date protocol.review_by}}"),
        ]))
        .add_paragraph(heading("Revision history"))
        .add_paragraph(tag("{{#if protocol.revisions}}"))
        .add_table(revision_table("protocol.revisions"))
        .add_paragraph(tag("{{else}}"))
        .add_paragraph(para("Earlier versions of this protocol are not recorded here."))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading("1. Parties"))
        .add_paragraph(para("This protocol is agreed between the following organisations, all signatories to the {{framework.title}}:"))
        .add_table(list_table(&["Organisation", "Sector", "ICO number", "Data protection contact"], &[5, 3, 3, 5], "protocol.parties", &["{{name}}", "{{sector_label}}", "{{ico_registration}}", "{{data_protection_officer.name}}{{#if data_protection_officer.email}} ({{data_protection_officer.email}}){{/if}}"]))
        .add_paragraph(heading("2. Purpose"))
        .add_paragraph(tag("{{#each protocol.purpose}}"))
        .add_paragraph(para("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading("3. Whose information and what is shared"))
        .add_paragraph(para("The information is about:"))
        .add_paragraph(tag("{{#each protocol.data_subjects}}"))
        .add_paragraph(bullet("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_table(list_table(&["Information shared", "Category"], &[3, 1], "protocol.data_items", &["{{item}}", "{{category_label}}"]))
        .add_paragraph(heading("4. Lawful basis"))
        .add_paragraph(para("The parties rely on these lawful bases under the UK General Data Protection Regulation:"))
        .add_paragraph(tag("{{#each protocol.lawful_basis.article6}}"))
        .add_paragraph(bullet("{{text}}{{#if detail}}: {{detail}}{{/if}}."))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(tag("{{#if protocol.lawful_basis.article9}}"))
        .add_paragraph(para("For special category data:"))
        .add_paragraph(tag("{{#each protocol.lawful_basis.article9}}"))
        .add_paragraph(bullet("{{text}}{{#if schedule1}}, with the Data Protection Act 2018, Schedule 1, {{schedule1}}{{/if}}."))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(tag("{{#if protocol.lawful_basis.article10}}"))
        .add_paragraph(para("For criminal offence data (Article 10): Data Protection Act 2018, Schedule 1, {{protocol.lawful_basis.article10}}."))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(tag("{{#if protocol.legal_powers}}"))
        .add_paragraph(para("The power or duty to share comes from: {{join protocol.legal_powers \"; \"}}."))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(para("Consent: {{protocol.consent}}"))
        .add_paragraph(heading("5. Roles of the parties"))
        .add_paragraph(para("{{protocol.roles.relationship_label}}"))
        .add_paragraph(tag("{{#if protocol.roles.joint}}"))
        .add_paragraph(para("Arrangement under Article 26 UK GDPR: {{protocol.roles.article26_arrangement}}"))
        .add_table(list_table(&["Organisation", "Responsible for"], &[1, 3], "protocol.roles.responsibilities", &["{{organisation_name}}", "{{responsibility}}"]))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading("6. Data protection impact assessment"))
        .add_paragraph(para("{{protocol.dpia.summary}}"))
        .add_paragraph(heading("7. Telling people about the sharing"))
        .add_paragraph(para("Each party's privacy information (UK GDPR Articles 13 and 14) tells people about this sharing:"))
        .add_table(list_table(&["Organisation", "Where its privacy information says so"], &[1, 2], "protocol.transparency", &["{{organisation_name}}", "{{notice}}"]))
        .add_paragraph(heading("8. Individuals' rights"))
        .add_paragraph(para("{{protocol.individual_rights.point_of_contact_name}} is the single point of contact for requests from individuals about information shared under this protocol: {{protocol.individual_rights.contact}}."))
        .add_paragraph(para("{{protocol.individual_rights.process}}"))
        .add_paragraph(heading("9. Keeping the information accurate"))
        .add_paragraph(para("{{protocol.accuracy}}"))
        .add_paragraph(heading("10. How information moves and is kept secure"))
        .add_paragraph(para("{{protocol.transfer.method}}."))
        .add_paragraph(tag("{{#each protocol.transfer.security}}"))
        .add_paragraph(bullet("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading("11. Who may see it"))
        .add_paragraph(tag("{{#each protocol.access}}"))
        .add_paragraph(bullet("{{this}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(heading("12. Transfers outside the UK"))
        .add_paragraph(tag("{{#if protocol.international_transfers}}"))
        .add_table(list_table(&["Country", "Recipient", "Safeguard"], &[1, 2, 2], "protocol.international_transfers", &["{{country}}", "{{recipient}}", "{{safeguard}}"]))
        .add_paragraph(tag("{{else}}"))
        .add_paragraph(para("No information shared under this protocol is transferred outside the United Kingdom."))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading("13. Retention and destruction"))
        .add_paragraph(para("Retention: {{protocol.retention.period}}."))
        .add_paragraph(para("Destruction: {{protocol.retention.destruction}}."))
        .add_paragraph(heading("14. Breaches"))
        .add_paragraph(para("A party that finds a breach involving information shared under this protocol tells the other parties straight away:"))
        .add_table(list_table(&["Organisation", "Contact", "Email", "Telephone"], &[4, 3, 4, 2], "protocol.breach_contacts", &["{{organisation_name}}", "{{name}}", "{{email}}", "{{phone}}"]))
        .add_paragraph(heading("15. When a party leaves or the sharing ends"))
        .add_paragraph(para("A party leaving: {{protocol.termination.party_leaves}}"))
        .add_paragraph(para("The sharing ending: {{protocol.termination.sharing_ends}}"))
        .add_paragraph(para("Information already shared: {{protocol.termination.data_already_shared}}"))
        .add_paragraph(heading("16. Review"))
        .add_paragraph(para("The parties review this protocol by {{date protocol.review_by}}, or sooner if the purpose, the law or the parties change."))
        .add_paragraph(heading("17. Agreement"))
        .add_paragraph(para("By signing below, each party agrees to share information as this protocol sets out, version {{protocol.version}}."))
        .add_table(signature_table())
}

fn signature_sheet() -> Docx {
    base("{{framework.title}}, version {{framework.version}}: signature sheet")
        .add_paragraph(styled("Title", "Signature sheet"))
        .add_paragraph(styled("Subtitle", "{{framework.title}}, version {{framework.version}}"))
        .add_paragraph(para(
            "Each organisation below approves the {{framework.title}}, version {{framework.version}}, approved {{date framework.approved}}, once: by signing it electronically, or by signing this sheet by hand and returning a scan of it to the coordinator.",
        ))
        .add_paragraph(para(
            "As at {{date document.date}}: {{counts.electronic}} signed electronically (the key's fingerprint is shown; compare it with the one the organisation published), {{counts.paper}} signed on paper, {{counts.outstanding}} still to sign, each on a form of its own on the pages that follow.",
        ))
        .add_table(list_table(
            &["Organisation", "Signatory", "Position", "Date", "Signature"],
            &[5, 4, 4, 2, 4],
            "signatories",
            &[
                "{{organisation}}",
                "{{name}}{{#if recommended_by}} (on the recommendation of {{recommended_by}}, Caldicott Guardian){{/if}}",
                "{{position}}",
                "{{date_signed}}",
                "{{signature}}",
            ],
        ))
        .add_paragraph(styled("Note", "{{count signatories}} organisations. A sheet signed by hand counts once the coordinator has recorded its scan."))
        .add_paragraph(tag("{{#each forms}}"))
        .add_paragraph(heading("Approval form: {{organisation}}").page_break_before(true))
        .add_paragraph(para("This form approves the {{@root.framework.title}}, version {{@root.framework.version}}, approved on {{date @root.framework.approved}}, on behalf of {{organisation}}."))
        .add_paragraph(para("It approves exactly one document: the one whose SHA-256 fingerprint is {{@root.document.sha256}}. The coordinator, or anyone holding a copy, can check that fingerprint against the copy they were sent."))
        .add_paragraph(styled("Heading2", "Declaration").keep_next(true))
        .add_paragraph(para("{{@root.paper_form.declaration}}"))
        .add_table(form_table())
        .add_paragraph(para("Please return the signed form to {{@root.paper_form.return_to}}. A scan or a clear photograph of this whole page is enough."))
        .add_paragraph(tag("{{/each}}"))
}

/// The boxes of one organisation's paper form: one row per person who signs (a recommending
/// Caldicott Guardian, then the signatory), each at least 2.6 cm tall to sign in by hand.
fn form_table() -> Table {
    /// 2.6 cm in twentieths of a point: above the 2.5 cm a signature needs.
    const SIGNING_ROW: f32 = 1474.0;
    let w = widths(&[3, 4, 5, 2]);
    let head = TableRow::new(vec![
        header_cell("Role", w[0]),
        header_cell("Name and position", w[1]),
        header_cell("Signature", w[2]),
        header_cell("Date", w[3]),
    ]);
    let row = TableRow::new(vec![
        cell("{{#each rows}}{{role}}", w[0]),
        cell("{{name}}, {{position}}", w[1]),
        cell("", w[2]),
        cell("{{/each}}", w[3]),
    ])
    .row_height(SIGNING_ROW)
    .height_rule(docx_rs::HeightRule::AtLeast)
    .cant_split();
    Table::new(vec![head, row])
        .set_grid(w)
        .width(TEXT_WIDTH, WidthType::Dxa)
}

fn assurance_checklist() -> Docx {
    let w = widths(&[5, 1, 3]);
    let question = |q: &str, answer: &str, evidence: &str| {
        TableRow::new(vec![
            cell(q, w[0]),
            cell(answer, w[1]),
            cell(evidence, w[2]),
        ])
        .cant_split()
    };
    let checklist = Table::new(vec![
        TableRow::new(vec![header_cell("Question", w[0]), header_cell("Answer", w[1]), header_cell("Evidence", w[2])]),
        question("Is the organisation registered with the Information Commissioner's Office?", "Yes", "Registration number {{organisation.ico_registration}}"),
        question("Does the organisation provide health or social care services?", "{{organisation.assurance.health_or_social_care}}", ""),
        question("Does the organisation complete the NHS Data Security and Protection Toolkit?", "{{organisation.assurance.dsp_toolkit.held}}", "{{organisation.assurance.dsp_toolkit.evidence}}{{#if organisation.ods_code}} (ODS code {{organisation.ods_code}}){{/if}}"),
        question("Does the organisation hold Cyber Essentials certification?", "{{organisation.assurance.cyber_essentials.held}}", "{{organisation.assurance.cyber_essentials.evidence}}"),
        question("Does the organisation hold Cyber Essentials Plus certification?", "{{organisation.assurance.cyber_essentials_plus.held}}", "{{organisation.assurance.cyber_essentials_plus.evidence}}"),
        question("Does the organisation hold ISO/IEC 27001 certification?", "{{organisation.assurance.iso27001.held}}", "{{organisation.assurance.iso27001.evidence}}"),
        question("Does the organisation have a current Public Services Network certificate?", "{{organisation.assurance.psn.held}}", "{{organisation.assurance.psn.evidence}}"),
    ])
    .set_grid(w)
    .width(TEXT_WIDTH, WidthType::Dxa);
    let c = widths(&[2, 3, 1]);
    let confirm = Table::new(vec![
        TableRow::new(vec![header_cell("Confirmed on behalf of", c[0]), header_cell("Name and position", c[1]), header_cell("Date", c[2])]),
        TableRow::new(vec![cell("{{organisation.name}} (applying)", c[0]), cell("{{organisation.signatory.name}}, {{organisation.signatory.position}}", c[1]), cell("", c[2])]),
        TableRow::new(vec![cell("{{organisation.sponsor.name}} (sponsor)", c[0]), cell("{{organisation.sponsor.signatory.name}}, {{organisation.sponsor.signatory.position}}", c[1]), cell("", c[2])]),
    ])
    .set_grid(c)
    .width(TEXT_WIDTH, WidthType::Dxa);
    base("{{framework.title}}: member assurance, {{organisation.name}}")
        .add_paragraph(styled("Title", "Member assurance checklist"))
        .add_paragraph(styled("Subtitle", "{{organisation.name}}, joining the {{framework.title}} as an affiliate partner"))
        .add_table(facts_table(["Document control", "Details"], &[
            ("Checklist version", "{{organisation.assurance.version}}"),
            ("Completed", "{{date organisation.assurance.completed}}"),
            ("Review by", "{{date organisation.assurance.review_by}}"),
        ]))
        .add_paragraph(heading("The organisation"))
        .add_table(facts_table(["About the organisation", "Details"], &[
            ("Organisation", "{{organisation.name}}"),
            ("Sector", "{{organisation.sector_label}}"),
            ("Data protection officer or lead", "{{organisation.data_protection_officer.name}}{{#if organisation.data_protection_officer.email}}, {{organisation.data_protection_officer.email}}{{/if}}"),
            ("Sponsoring core member", "{{organisation.sponsor.name}}"),
        ]))
        .add_paragraph(heading("Assurance"))
        .add_paragraph(para("The sponsor confirms below that it has seen the evidence marked as seen."))
        .add_table(checklist)
        .add_paragraph(tag("{{#if organisation.assurance.other_measures}}"))
        .add_paragraph(para("Other measures in place: {{organisation.assurance.other_measures}}"))
        .add_paragraph(tag("{{/if}}"))
        .add_paragraph(heading("Confirmation"))
        .add_table(confirm)
}

fn signature_report() -> Docx {
    base("{{pack.title}}: signature report")
        .add_paragraph(styled("Title", "Signature report"))
        .add_paragraph(styled("Subtitle", "Certificate of completion for {{pack.title}}, version {{pack.version}}"))
        .add_paragraph(para(
            "This report lists every document of the pack, its SHA-256 digest, and each organisation's electronic signature as verified on {{date generated_at}}. Anyone can check it again, offline, by opening the verification page that comes with the circulated pack and choosing the pack. Compare each key fingerprint with the one the organisation itself published: a fingerprint is only as trustworthy as where you got it from.",
        ))
        .add_paragraph(tag("{{#each documents}}"))
        .add_paragraph(heading("{{title}}, version {{version}}"))
        .add_paragraph(para("This version is {{state}}. SHA-256: {{sha256}}"))
        .add_table(list_table(
            &["Organisation", "Key fingerprint", "Signatory and role", "Signed (UTC)", "Register record"],
            &[4, 5, 4, 3, 2],
            "signatures",
            &["{{organisation}}", "{{key_id}}", "{{signatory}}, {{role}}", "{{signed_at}}", "{{register_record}}"],
        ))
        .add_paragraph(para("{{#if outstanding}}Not yet signed by: {{join outstanding \"; \"}}.{{else}}Signed by every party.{{/if}}"))
        .add_paragraph(tag("{{/each}}"))
        .add_paragraph(styled("Note", "Register: {{register.records}} records, head {{register.head}}."))
}

fn code_checklist() -> Docx {
    base("{{document.title}}")
        .add_paragraph(styled("Title", "Data Sharing Code checklist"))
        .add_paragraph(styled("Subtitle", "{{protocol.title}}, version {{protocol.version}}"))
        .add_table(facts_table(["Document control", "Details"], &[
            ("Protocol version checked", "{{protocol.version}}"),
            ("Protocol approved", "{{date protocol.approved}}"),
            ("Review by", "{{date protocol.review_by}}"),
        ]))
        .add_paragraph(para("The Information Commissioner's Data Sharing Code of Practice (in force since 5 October 2021, under section 121 of the Data Protection Act 2018) sets out what a data sharing agreement should settle. This annex shows, for each item, where the protocol settles it, or why it does not apply."))
        .add_paragraph(para("{{counts.covered}} covered, {{counts.missing}} missing, {{counts.not_applicable}} not applicable."))
        .add_table(list_table(&["What the Code expects", "Status", "Where, or why not"], &[5, 2, 3], "items", &["{{item}}", "{{status_label}}", "{{note}}"]))
}

fn changes() -> Docx {
    base("{{document.title}}: summary of changes")
        .add_paragraph(styled("Title", "Summary of changes"))
        .add_paragraph(styled("Subtitle", "{{document.title}}: version {{from}} to version {{to}}"))
        .add_paragraph(para("This summary lists what changed between the version each organisation signed and the new version, so that signatories can see what they are asked to agree to."))
        .add_paragraph(tag("{{#if changes}}"))
        .add_table(list_table(&["Part of the document", "What changed"], &[1, 3], "changes", &["{{area}}", "{{change}}"]))
        .add_paragraph(tag("{{else}}"))
        .add_paragraph(para("The content is unchanged."))
        .add_paragraph(tag("{{/if}}"))
}
