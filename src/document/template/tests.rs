//! Engine tests at the XML level. Independent-reader checks (python-docx, LibreOffice) live in
//! `tests/`.

use serde_json::json;

use super::tests_support::docx_with_body;
use super::*;

fn document_xml(docx: Vec<u8>) -> String {
    let pkg = Package::read(docx, Limits::default(), |n| n == "word/document.xml").unwrap();
    let entry = pkg
        .entries()
        .iter()
        .find(|e| e.name == "word/document.xml")
        .unwrap();
    String::from_utf8(entry.content.clone().unwrap()).unwrap()
}

fn body_of(xml: &str) -> &str {
    let start = xml.find("<w:body>").unwrap() + "<w:body>".len();
    &xml[start..xml.rfind("</w:body>").unwrap()]
}

fn render_body(body: &str, data: Value) -> Result<String, TemplateError> {
    let out = Template::from_bytes(docx_with_body(body))?.render(&data)?;
    Ok(body_of(&document_xml(out)).to_string())
}

fn p(text: &str) -> String {
    format!("<w:p><w:r><w:t>{text}</w:t></w:r></w:p>")
}

fn cell(text: &str) -> String {
    format!("<w:tc>{}</w:tc>", p(text))
}

/// Visible text per paragraph, as a person reads it.
fn paragraphs(body: &str) -> Vec<String> {
    body.split("</w:p>")
        .filter(|chunk| chunk.contains("<w:p"))
        .map(|chunk| {
            let mut text = String::new();
            let mut rest = chunk;
            while let Some(i) = rest
                .find("<w:t>")
                .into_iter()
                .chain(rest.find("<w:t "))
                .min()
            {
                let after = &rest[i..];
                let open_end = after.find('>').unwrap();
                if after[..open_end].ends_with('/') {
                    rest = &after[open_end..];
                    continue;
                }
                let close = after.find("</w:t>").unwrap();
                text.push_str(&after[open_end + 1..close]);
                rest = &after[close..];
            }
            text
        })
        .collect()
}

#[test]
fn tag_split_across_runs_proof_marks_and_bookmarks_is_found_and_keeps_first_run_format() {
    let body = concat!(
        "<w:p><w:r><w:rPr><w:b/></w:rPr><w:t>Title: {{fra</w:t></w:r>",
        "<w:proofErr w:type=\"spellStart\"/><w:bookmarkStart w:id=\"0\" w:name=\"x\"/>",
        "<w:r><w:rPr><w:i/></w:rPr><w:t>mework.ti</w:t></w:r><w:bookmarkEnd w:id=\"0\"/>",
        "<w:proofErr w:type=\"spellEnd\"/><w:r><w:t>tle}} end</w:t></w:r></w:p>"
    );
    let out = render_body(body, json!({"framework": {"title": "Smith & Sons <Ltd>"}})).unwrap();
    assert!(out.contains("<w:r><w:rPr><w:b/></w:rPr><w:t xml:space=\"preserve\">Title: Smith &amp; Sons &lt;Ltd&gt;</w:t></w:r>"), "{out}");
    assert_eq!(
        paragraphs(&out),
        ["Title: Smith &amp; Sons &lt;Ltd&gt; end"]
    );
    assert!(out.contains("<w:bookmarkStart w:id=\"0\" w:name=\"x\"/>"));
}

#[test]
fn loop_tags_in_first_and_last_cell_repeat_the_row() {
    let body = format!(
        "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
        cell("Name"),
        cell("Role"),
        cell("{{#each members}}{{name}}"),
        cell("{{role}}{{/each}}")
    );
    let data = json!({"members": [{"name": "Zoë", "role": "SIRO"}, {"name": "Łukasz", "role": "DPO"}, {"name": "A", "role": "B"}]});
    let out = render_body(&body, data).unwrap();
    assert_eq!(out.matches("<w:tr>").count(), 4);
    assert_eq!(
        paragraphs(&out),
        ["Name", "Role", "Zoë", "SIRO", "Łukasz", "DPO", "A", "B"]
    );
    let empty = render_body(&body, json!({"members": []})).unwrap();
    assert_eq!(
        empty.matches("<w:tr>").count(),
        1,
        "an empty list removes the row"
    );
}

#[test]
fn block_tags_on_paragraphs_of_their_own_repeat_the_paragraphs_between_and_vanish() {
    let body = [
        p("Before"),
        p("{{#each items}}"),
        p("Item {{@index}}: {{this}}{{#if @last}}.{{/if}}"),
        p("{{/each}}"),
        p("After"),
    ]
    .concat();
    let out = render_body(&body, json!({"items": ["a", "b"]})).unwrap();
    assert_eq!(
        paragraphs(&out),
        ["Before", "Item 0: a", "Item 1: b.", "After"]
    );
}

#[test]
fn inline_blocks_repeat_text_inside_one_paragraph() {
    let body = p("Parties: {{#each parties}}{{name}}{{#unless @last}}; {{/unless}}{{/each}}.");
    let out = render_body(
        &body,
        json!({"parties": [{"name": "A"}, {"name": "B"}, {"name": "C"}]}),
    )
    .unwrap();
    assert_eq!(paragraphs(&out), ["Parties: A; B; C."]);
}

#[test]
fn if_else_in_paragraphs_and_inline() {
    let body = [
        p("{{#if signed}}"),
        p("Signed"),
        p("{{else}}"),
        p("Outstanding"),
        p("{{/if}}"),
        p("{{#if dpo}}DPO: {{dpo}}{{else}}No DPO{{/if}}"),
    ]
    .concat();
    let out = render_body(&body, json!({"signed": false, "dpo": ""})).unwrap();
    assert_eq!(paragraphs(&out), ["Outstanding", "No DPO"]);
    let out = render_body(&body, json!({"signed": true, "dpo": "Ann"})).unwrap();
    assert_eq!(paragraphs(&out), ["Signed", "DPO: Ann"]);
}

#[test]
fn rows_holding_only_block_tags_vanish_and_the_rows_between_repeat() {
    let tbl = format!(
        "<w:tbl><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr><w:tr>{}{}</w:tr></w:tbl>",
        cell("Org"),
        cell("Sector"),
        cell("{{#each orgs}}"),
        cell(""),
        cell("{{name}}"),
        cell("{{sector}}"),
        cell("{{/each}}"),
        cell("")
    );
    let out = render_body(&tbl, json!({"orgs": [{"name": "Council", "sector": "Local"}, {"name": "Trust", "sector": "NHS"}]})).unwrap();
    assert_eq!(out.matches("<w:tr>").count(), 3);
    assert_eq!(
        paragraphs(&out),
        ["Org", "Sector", "Council", "Local", "Trust", "NHS"]
    );
}

#[test]
fn nested_loops_and_helpers() {
    let body = format!(
        "<w:tbl><w:tr>{}{}</w:tr></w:tbl>{}",
        cell("{{#each protocols}}{{upper id}}"),
        cell(
            "{{join parties \", \" \" and \"}} from {{date from}} ({{date from \"short\"}}){{/each}}"
        ),
        p("{{default note \"none\"}} / {{count protocols}} / {{lower @root.area}}")
    );
    let data = json!({"area": "CAMBS", "protocols": [
        {"id": "mash", "parties": ["Police", "Council", "NHS"], "from": "2026-04-01"},
        {"id": "dis", "parties": ["Trust"], "from": "2025-12-25"}]});
    let out = render_body(&body, data).unwrap();
    assert_eq!(
        paragraphs(&out),
        [
            "MASH",
            "Police, Council and NHS from 1 April 2026 (01/04/2026)",
            "DIS",
            "Trust from 25 December 2025 (25/12/2025)",
            "none / 2 / cambs"
        ]
    );
}

#[test]
fn newlines_and_tabs_become_word_breaks_and_tabs() {
    let out = render_body(
        &p("{{address}}"),
        json!({"address": "1 High St\nCambridge\tCB1"}),
    )
    .unwrap();
    assert!(out.contains("1 High St</w:t><w:br/><w:t xml:space=\"preserve\">Cambridge</w:t><w:tab/><w:t xml:space=\"preserve\">CB1"), "{out}");
}

#[test]
fn every_missing_field_is_reported_with_its_place() {
    let body = format!(
        "{}<w:tbl><w:tr>{}{}</w:tr></w:tbl>",
        p("Title: {{title}}"),
        cell("{{#each m}}{{name}}"),
        cell("{{role}}{{/each}}")
    );
    let err = render_body(&body, json!({"m": [{"name": "A"}, {"role": "x"}]})).unwrap_err();
    let TemplateError::Data { problems, .. } = &err else {
        panic!("{err}")
    };
    let summary: Vec<_> = problems
        .iter()
        .map(|p| (p.location.as_str(), p.tag.as_str(), p.message.as_str()))
        .collect();
    assert_eq!(
        summary,
        [
            (
                "paragraph 1",
                "{{title}}",
                "the field 'title' is missing from the data"
            ),
            (
                "table 1, row 1, cell 2, paragraph 1",
                "{{role}}",
                "the field 'role' is missing from the data (in m[0])"
            ),
            (
                "table 1, row 1, cell 1, paragraph 1",
                "{{name}}",
                "the field 'name' is missing from the data (in m[1])"
            ),
        ]
    );
    assert!(problems[0].hint.contains("{{default title"));
}

#[test]
fn template_faults_are_all_reported_together() {
    let body = [
        p("{{#each a}}"),
        p("{{nosuch x}}"),
        p("{{{raw}}}"),
        p("{{open"),
        p("x }} y"),
    ]
    .concat();
    let Err(TemplateError::Template(problems)) = Template::from_bytes(docx_with_body(&body)) else {
        panic!("expected template errors")
    };
    let messages: Vec<_> = problems
        .iter()
        .map(|p| format!("{}: {}", p.location, p.message))
        .collect();
    assert_eq!(
        messages,
        [
            "paragraph 2: 'nosuch' is not a helper",
            "paragraph 3: triple braces {{{ }}} would insert unescaped text and are not allowed",
            "paragraph 4: this tag is not closed",
            "paragraph 5: '}}' closes no tag",
        ]
    );
    let Err(TemplateError::Template(problems)) =
        Template::from_bytes(docx_with_body(&[p("{{#each a}}"), p("{{/if}}")].concat()))
    else {
        panic!()
    };
    assert_eq!(
        problems[0].message,
        "{{/if}} closes {{#each a}} opened as {{#each}}"
    );
    let Err(TemplateError::Template(problems)) =
        Template::from_bytes(docx_with_body(&p("{{#if a}}")))
    else {
        panic!()
    };
    assert_eq!(problems[0].message, "this block is never closed");
}

#[test]
fn block_tag_sharing_a_paragraph_with_text_is_refused_with_a_hint() {
    let body = [p("Members: {{#each m}}"), p("{{name}}"), p("{{/each}}")].concat();
    let Err(TemplateError::Template(problems)) = Template::from_bytes(docx_with_body(&body)) else {
        panic!()
    };
    assert_eq!(
        problems[0].message,
        "this block tag shares its paragraph with other text or tags"
    );
}

#[test]
fn control_characters_in_data_are_refused_naming_the_field() {
    let err = render_body(&p("{{name}}"), json!({"name": "bad\u{7}bell"})).unwrap_err();
    assert!(
        err.to_string()
            .contains("the value of 'name' holds the control character U+0007 at character 4"),
        "{err}"
    );
}

#[test]
fn values_of_the_wrong_kind_are_reported() {
    let err = render_body(
        &p("{{list}} {{obj}} {{nul}}"),
        json!({"list": [1], "obj": {}, "nul": null}),
    )
    .unwrap_err();
    let text = err.to_string();
    assert!(
        text.contains("'list' is a list, not a piece of text"),
        "{text}"
    );
    assert!(text.contains("'obj' is a group of fields"), "{text}");
    assert!(text.contains("the field 'nul' is empty (null)"), "{text}");
}

#[test]
fn rendering_is_byte_reproducible() {
    let tpl = Template::from_bytes(docx_with_body(&p("{{a}}"))).unwrap();
    let one = tpl.render(&json!({"a": "x"})).unwrap();
    let two = tpl.render(&json!({"a": "x"})).unwrap();
    assert_eq!(one, two);
}

#[test]
fn a_block_that_ends_a_cell_leaves_a_paragraph_when_it_renders_nothing() {
    let body = format!(
        "<w:tbl><w:tr><w:tc>{}{}{}</w:tc></w:tr></w:tbl>",
        p("{{#each notes}}"),
        p("{{this}}"),
        p("{{/each}}")
    );
    let empty = render_body(&body, json!({"notes": []})).unwrap();
    assert_eq!(empty, "<w:tbl><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>");
    let full = render_body(&body, json!({"notes": ["a"]})).unwrap();
    assert_eq!(paragraphs(&full), ["a"]);
    assert!(!full.contains("<w:p/>"));
}

#[test]
fn a_row_block_that_is_a_whole_table_leaves_a_row_when_it_renders_nothing() {
    let body = format!(
        "<w:tbl><w:tblGrid/><w:tr>{}{}</w:tr></w:tbl>",
        cell("{{#each m}}{{name}}"),
        cell("{{role}}{{/each}}")
    );
    let empty = render_body(&body, json!({"m": []})).unwrap();
    assert_eq!(
        empty,
        "<w:tbl><w:tblGrid/><w:tr><w:tc><w:p/></w:tc></w:tr></w:tbl>"
    );
    let full = render_body(&body, json!({"m": [{"name": "A", "role": "B"}]})).unwrap();
    assert_eq!(full.matches("<w:tr>").count(), 1);
    assert_eq!(paragraphs(&full), ["A", "B"]);
}

mod properties {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(200))]

        /// Any printable text, XML specials and all, comes out of a rendered document exactly.
        #[test]
        fn any_printable_text_round_trips(text in "[\\PC&<>\"']{0,120}") {
            let out = render_body(&p("[{{x}}]"), json!({"x": text})).unwrap();
            let seen = paragraphs(&out).concat();
            let unescaped = quick_xml::escape::unescape(&seen).unwrap().into_owned();
            prop_assert_eq!(unescaped, format!("[{text}]"));
        }

        /// Tags split at any point between runs are still found.
        #[test]
        fn a_tag_split_anywhere_is_found(cut1 in 0usize..9, cut2 in 0usize..9) {
            let tag = "{{value}}";
            let (a, b) = (cut1.min(cut2), cut1.max(cut2));
            let body = format!(
                "<w:p><w:r><w:t>{}</w:t></w:r><w:proofErr w:type=\"spellStart\"/><w:r><w:rPr><w:b/></w:rPr><w:t>{}</w:t></w:r><w:r><w:t>{}</w:t></w:r></w:p>",
                &tag[..a], &tag[a..b], &tag[b..]
            );
            let out = render_body(&body, json!({"value": "Zoë & Łukasz"})).unwrap();
            prop_assert_eq!(paragraphs(&out).concat(), "Zoë &amp; Łukasz");
        }
    }
}
