//! `countersign validate` through the real binary: one case per rule, each asserting the exact
//! message with its file and JSON path, on a copy of the small example pack.

mod support;
use support::copy_pack;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::{Value, json};

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/small")
}

const PROTOCOL: &str = "protocols/hospital-discharge.json";

/// An edit of one pack file's JSON: (file, edit).
type Edit<'a> = (&'a str, &'a dyn Fn(&mut Value));

/// A copy of the small example with each edit applied to the JSON of its file.
fn pack_with(edits: &[Edit]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_pack(&example(), dir.path());
    for (file, edit) in edits {
        let path = dir.path().join(file);
        let mut value: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
        edit(&mut value);
        std::fs::write(&path, serde_json::to_vec_pretty(&value).unwrap()).unwrap();
    }
    dir
}

fn validate_fails(dir: &Path) -> String {
    let out = Command::cargo_bin("countersign")
        .unwrap()
        .arg("validate")
        .arg(dir)
        .assert()
        .code(2);
    String::from_utf8_lossy(&out.get_output().stderr).into_owned()
}

fn assert_finding(edits: &[Edit], expected: &[&str]) {
    let dir = pack_with(edits);
    let stderr = validate_fails(dir.path());
    for e in expected {
        assert!(stderr.contains(e), "expected {e:?} in:\n{stderr}");
    }
}

fn set(pointer: &'static str, v: Value) -> impl Fn(&mut Value) {
    move |doc: &mut Value| {
        *doc.pointer_mut(pointer)
            .unwrap_or_else(|| panic!("{pointer}")) = v.clone()
    }
}

fn remove(pointer: &'static str) -> impl Fn(&mut Value) {
    move |doc: &mut Value| {
        let (parent, key) = pointer.rsplit_once('/').unwrap();
        doc.pointer_mut(parent)
            .unwrap()
            .as_object_mut()
            .unwrap()
            .remove(key);
    }
}

#[test]
fn the_examples_are_valid() {
    for pack in ["examples/small", "examples/cambs"] {
        Command::cargo_bin("countersign")
            .unwrap()
            .arg("validate")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join(pack))
            .assert()
            .success()
            .stderr(predicates::str::contains("is valid"));
    }
}

#[test]
fn invalid_json_gives_file_line_and_column() {
    let dir = pack_with(&[]);
    std::fs::write(
        dir.path().join("framework.json"),
        "{\n  \"id\": \"x\",\n  oops\n}",
    )
    .unwrap();
    let stderr = validate_fails(dir.path());
    assert!(
        stderr.contains("framework.json:3:3: it is not valid JSON: key must be a string"),
        "{stderr}"
    );
}

#[test]
fn schema_problems_name_file_path_line_and_fix() {
    assert_finding(
        &[("organisations.json", &remove("/organisations/0/name"))],
        &[
            "organisations.json:4:5: organisations[0]: the field \"name\" is missing",
            "hint: add \"name\" here",
        ],
    );
    assert_finding(
        &[(
            "organisations.json",
            &set("/organisations/1/ico_registration", json!("123")),
        )],
        &[
            "organisations.json",
            "organisations[1].ico_registration: \"123\" is not in the expected form",
            "ICO registration numbers have 8 characters and start with Z",
        ],
    );
    assert_finding(
        &[("framework.json", &set("/approved", json!("1 April 2026")))],
        &[
            "framework.json:8:15: approved: \"1 April 2026\" is not a date",
            "write dates as YYYY-MM-DD",
        ],
    );
    assert_finding(
        &[("framework.json", &set("/approved", json!("2026-02-30")))],
        &["approved: \"2026-02-30\" is not a date"],
    );
    assert_finding(
        &[("framework.json", &set("/status", json!("final")))],
        &[
            "status: \"final\" is not one of the allowed values",
            "use one of \"draft\", \"consultation\", \"approved\", \"superseded\"",
        ],
    );
    assert_finding(
        &[(PROTOCOL, &set("/parties", json!("riverside-council")))],
        &[
            "protocols/hospital-discharge.json",
            "parties: \"riverside-council\" is not of type \"array\"",
        ],
    );
    let typo = |v: &mut Value| v["sharng"] = json!("x");
    assert_finding(
        &[(PROTOCOL, &typo)],
        &[
            "protocols/hospital-discharge.json:114:13: sharng: unknown field(s): sharng",
            "check the spelling",
        ],
    );
    assert_finding(
        &[(PROTOCOL, &set("/lawful_basis/article6/0/basis", json!("g")))],
        &[
            "lawful_basis.article6[0].basis: \"g\" is not in the expected form",
            "from \"a\" to \"f\"",
        ],
    );
    assert_finding(
        &[(
            "organisations.json",
            &set("/organisations/0/id", json!("Riverside Council")),
        )],
        &["ids use lower-case letters, digits and hyphens"],
    );
}

#[test]
fn review_dates_must_follow_approval_dates() {
    assert_finding(
        &[("framework.json", &set("/review_by", json!("2026-04-01")))],
        &["framework.json:10:16: review_by: review_by 2026-04-01 is not after approved 2026-04-01"],
    );
    assert_finding(
        &[("framework.json", &set("/valid_from", json!("2026-03-01")))],
        &["framework.json:9:17: valid_from: valid_from 2026-03-01 is before approved 2026-04-01"],
    );
    assert_finding(
        &[(PROTOCOL, &set("/review_by", json!("2025-01-01")))],
        &[
            "protocols/hospital-discharge.json:8:16: review_by: review_by 2025-01-01 is not after approved 2026-04-15",
            "hint: set review_by to a date after 2026-04-15",
        ],
    );
}

#[test]
fn an_article9_condition_needs_an_article6_basis() {
    assert_finding(
        &[(PROTOCOL, &set("/lawful_basis/article6", json!([])))],
        &[
            "lawful_basis.article6: an Article 9 condition needs an Article 6 basis as well, and there is none",
        ],
    );
    let no_bases = |v: &mut Value| {
        v["lawful_basis"] = json!({"article6": []});
        v["data_items"] = json!([{"item": "Name", "category": "personal"}]);
    };
    assert_finding(
        &[(PROTOCOL, &no_bases)],
        &["lawful_basis.article6: there is no Article 6 lawful basis"],
    );
}

#[test]
fn article9_conditions_b_g_h_i_j_need_a_schedule1_condition() {
    for letter in ["b", "g", "h", "i", "j"] {
        let edit =
            move |v: &mut Value| v["lawful_basis"]["article9"] = json!([{"condition": letter}]);
        assert_finding(
            &[(PROTOCOL, &edit)],
            &[&format!(
                "lawful_basis.article9[0].schedule1: Article 9(2)({letter}) needs a condition from Schedule 1 of the Data Protection Act 2018"
            )],
        );
    }
    // (a) explicit consent needs none.
    let edit = |v: &mut Value| v["lawful_basis"]["article9"] = json!([{"condition": "a"}]);
    let dir = pack_with(&[(PROTOCOL, &edit)]);
    Command::cargo_bin("countersign")
        .unwrap()
        .arg("validate")
        .arg(dir.path())
        .assert()
        .success();
}

#[test]
fn special_category_and_criminal_offence_data_need_their_conditions() {
    assert_finding(
        &[(PROTOCOL, &set("/lawful_basis/article9", json!([])))],
        &[
            "data_items[2].category: special category data is shared but there is no Article 9 condition",
        ],
    );
    let criminal = |v: &mut Value| {
        v["data_items"]
            .as_array_mut()
            .unwrap()
            .push(json!({"item": "Convictions", "category": "criminal-offence"}))
    };
    assert_finding(
        &[(PROTOCOL, &criminal)],
        &[
            "data_items[3].category: criminal offence data is shared but no Schedule 1 condition is given for it (Article 10)",
        ],
    );
}

#[test]
fn public_authorities_cannot_rely_on_legitimate_interests() {
    assert_finding(
        &[(PROTOCOL, &set("/lawful_basis/article6/0/basis", json!("f")))],
        &[
            "lawful_basis.article6[0].basis: legitimate interests (Article 6(1)(f)) cannot be relied on by public authorities for their public tasks, and Riverside Borough Council, Riverside Hospitals NHS Foundation Trust are public authorities",
            "use Article 6(1)(e) public task",
        ],
    );
    // Two charities may rely on legitimate interests.
    let charities = |v: &mut Value| {
        for org in v["organisations"].as_array_mut().unwrap() {
            org["sector"] = json!("charity");
        }
    };
    let ok = pack_with(&[
        ("organisations.json", &charities),
        (PROTOCOL, &set("/lawful_basis/article6/0/basis", json!("f"))),
    ]);
    Command::cargo_bin("countersign")
        .unwrap()
        .arg("validate")
        .arg(ok.path())
        .assert()
        .success();
}

#[test]
fn parties_and_contacts_must_be_organisations_of_the_pack() {
    let add_party = |v: &mut Value| {
        v["parties"]
            .as_array_mut()
            .unwrap()
            .push(json!("nowhere-trust"))
    };
    assert_finding(
        &[(PROTOCOL, &add_party)],
        &[
            "parties[2]: \"nowhere-trust\" is not an organisation of this pack",
            "use an id from organisations.json",
        ],
    );
    assert_finding(
        &[(PROTOCOL, &set("/requesting_organisation", json!("ghost")))],
        &["requesting_organisation: \"ghost\" is not an organisation of this pack"],
    );
    let drop_party = |v: &mut Value| {
        v["parties"] = json!(["riverside-hospital", "riverside-hospital"]);
    };
    assert_finding(
        &[(PROTOCOL, &drop_party)],
        &[
            "requesting_organisation: \"riverside-council\" is not one of the parties",
            "parties[1]: \"riverside-hospital\" is listed twice",
            "breach_contacts[0].organisation: \"riverside-council\" is not a party to this protocol",
        ],
    );
    let one_contact = |v: &mut Value| {
        v["breach_contacts"].as_array_mut().unwrap().pop();
    };
    assert_finding(
        &[(PROTOCOL, &one_contact)],
        &["parties[1]: the party \"riverside-hospital\" has no breach contact"],
    );
}

#[test]
fn ids_are_unique_and_protocol_files_are_named_after_them() {
    let dup = |v: &mut Value| v["organisations"][1]["id"] = json!("riverside-council");
    assert_finding(
        &[("organisations.json", &dup)],
        &["organisations[1].id: the id \"riverside-council\" is already used by organisations[0]"],
    );
    let dir = pack_with(&[]);
    std::fs::copy(
        dir.path().join(PROTOCOL),
        dir.path().join("protocols/copy.json"),
    )
    .unwrap();
    let stderr = validate_fails(dir.path());
    assert!(stderr.contains("protocols/hospital-discharge.json:3:9: id: the protocol id \"hospital-discharge\" is also used in protocols/copy.json"), "{stderr}");
    assert!(stderr.contains("protocols/hospital-discharge.json:3:9: id: the id \"hospital-discharge\" does not match the file name \"hospital-discharge.json\"") || stderr.contains("the id \"hospital-discharge\" does not match the file name \"copy.json\""), "{stderr}");
}

#[test]
fn affiliates_need_a_core_sponsor_and_assurance() {
    let affiliate = |sponsor: Option<&'static str>| {
        move |v: &mut Value| {
            v["organisations"][1]["membership"] = match sponsor {
                Some(s) => json!({"kind": "affiliate", "sponsor": s}),
                None => json!({"kind": "affiliate"}),
            };
        }
    };
    assert_finding(
        &[("organisations.json", &affiliate(None))],
        &[
            "organisations[1].membership.sponsor: the affiliate \"Riverside Hospitals NHS Foundation Trust\" has no sponsor",
            "organisations[1].assurance: the affiliate \"Riverside Hospitals NHS Foundation Trust\" has no assurance answers",
        ],
    );
    assert_finding(
        &[("organisations.json", &affiliate(Some("nobody")))],
        &[
            "organisations[1].membership.sponsor: the sponsor \"nobody\" is not an organisation of this pack",
        ],
    );
    let both = |v: &mut Value| {
        v["organisations"][0]["membership"] =
            json!({"kind": "affiliate", "sponsor": "riverside-hospital"});
        v["organisations"][1]["membership"] =
            json!({"kind": "affiliate", "sponsor": "riverside-council"});
    };
    assert_finding(
        &[("organisations.json", &both)],
        &[
            "organisations[0].membership.sponsor: the sponsor \"riverside-hospital\" is not a core member",
        ],
    );
    assert_finding(
        &[(
            "organisations.json",
            &set(
                "/organisations/0/membership",
                json!({"kind": "core", "sponsor": "riverside-hospital"}),
            ),
        )],
        &["organisations[0].membership.sponsor: a core member has no sponsor"],
    );
    let nothing_held = |v: &mut Value| {
        let no = json!({"held": false, "evidence_seen": false});
        v["organisations"][1]["membership"] =
            json!({"kind": "affiliate", "sponsor": "riverside-council"});
        v["organisations"][1]["assurance"] = json!({"version": "1.0", "completed": "2026-04-01", "review_by": "2027-04-01", "health_or_social_care": true, "dsp_toolkit": no, "cyber_essentials": no, "cyber_essentials_plus": no, "iso27001": {"held": false, "evidence_seen": true}, "psn": no});
    };
    assert_finding(
        &[("organisations.json", &nothing_held)],
        &[
            "organisations[1].assurance.other_measures: none of the certifications is held and no other measures are described",
            "organisations[1].assurance.iso27001.evidence_seen: evidence is marked as seen for something the organisation does not hold",
        ],
    );
}

#[test]
fn revision_versions_are_listed_once() {
    let dup = |v: &mut Value| {
        let first = v["revisions"][0].clone();
        v["revisions"].as_array_mut().unwrap().push(first);
    };
    assert_finding(
        &[("framework.json", &dup)],
        &["revisions[1].version: version 1.0 is listed twice (also at revisions[0])"],
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let dir = pack_with(&[
        (PROTOCOL, &set("/review_by", json!("2025-01-01"))),
        (
            "organisations.json",
            &set(
                "/organisations/0/membership",
                json!({"kind": "core", "sponsor": "riverside-hospital"}),
            ),
        ),
        ("framework.json", &set("/review_by", json!("2020-01-01"))),
    ]);
    let stderr = validate_fails(dir.path());
    assert!(
        stderr.contains("the pack's data has 3 problem(s):"),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: fix the places listed above"),
        "{stderr}"
    );
}

#[test]
fn a_folder_that_is_not_a_pack_is_refused_clearly() {
    let dir = tempfile::tempdir().unwrap();
    Command::cargo_bin("countersign")
        .unwrap()
        .arg("validate")
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(
            predicates::str::contains("is not a pack: it has no framework.json")
                .and(predicates::str::contains("countersign init")),
        );
}

use predicates::prelude::PredicateBooleanExt;

/// The ICO's Data Sharing Code: a DPIA before high-risk sharing, each party's role, how people
/// are told, a single point of contact for their rights, and a safeguard for data leaving the UK.
#[test]
fn the_data_sharing_code_rules() {
    // Special category data without a completed DPIA.
    assert_finding(
        &[(PROTOCOL, &set("/dpia", json!({"carried_out": false})))],
        &[
            "protocols/hospital-discharge.json:84:20: dpia.carried_out: this protocol shares special category data but records no completed data protection impact assessment",
            "hint: carry out a DPIA before the sharing starts and record it",
        ],
    );
    // Children's data, personal data only: still a DPIA.
    let personal_only = |v: &mut Value| {
        v["data_items"] = json!([{"item": "Name", "category": "personal"}]);
        v["lawful_basis"]["article9"] = json!([]);
        v["involves_children"] = json!(true);
        v["dpia"] = json!({"carried_out": false});
    };
    assert_finding(
        &[(PROTOCOL, &personal_only)],
        &[
            "protocols/hospital-discharge.json:71:20: dpia.carried_out: this protocol shares children's data but records no completed data protection impact assessment",
        ],
    );
    // Neither: no DPIA is needed, but the protocol must say why.
    let no_reason = |v: &mut Value| {
        personal_only(v);
        v["involves_children"] = json!(false);
    };
    assert_finding(
        &[(PROTOCOL, &no_reason)],
        &[
            "protocols/hospital-discharge.json:70:11: dpia.not_needed_because: no DPIA was carried out and the protocol does not say why none was needed",
        ],
    );
    // A DPIA recorded without its reference, or after the protocol was approved.
    assert_finding(
        &[(PROTOCOL, &remove("/dpia/reference"))],
        &[
            "protocols/hospital-discharge.json:83:11: dpia.reference: the DPIA is recorded as carried out but has no \"reference\"",
        ],
    );
    assert_finding(
        &[(PROTOCOL, &set("/dpia/completed", json!("2026-05-01")))],
        &[
            "protocols/hospital-discharge.json:86:18: dpia.completed: the DPIA was completed on 2026-05-01, after the protocol was approved on 2026-04-15",
        ],
    );
    // Joint controllers without an Article 26 arrangement or a split of responsibilities.
    assert_finding(
        &[(PROTOCOL, &set("/roles", json!({"relationship": "joint"})))],
        &[
            "protocols/hospital-discharge.json:89:12: roles.article26_arrangement: the parties are joint controllers but no Article 26 arrangement is described",
            "protocols/hospital-discharge.json:89:12: roles.responsibilities: the parties are joint controllers but their responsibilities are not split",
        ],
    );
    // A transfer abroad with no safeguard.
    assert_finding(
        &[(
            PROTOCOL,
            &set(
                "/international_transfers",
                json!([{"country": "United States", "recipient": "A cloud provider's support team"}]),
            ),
        )],
        &[
            "protocols/hospital-discharge.json:109:5: international_transfers[0].safeguard: data is transferred to United States with no safeguard",
        ],
    );
    // The point of contact must be a party; every party must tell people.
    assert_finding(
        &[(
            PROTOCOL,
            &set("/individual_rights/point_of_contact", json!("nobody")),
        )],
        &[
            "protocols/hospital-discharge.json:103:25: individual_rights.point_of_contact: \"nobody\" is not a party to this protocol",
        ],
    );
    assert_finding(
        &[(PROTOCOL, &|v: &mut Value| {
            v["transparency"].as_array_mut().unwrap().pop();
        })],
        &[
            "protocols/hospital-discharge.json:92:19: transparency: no privacy information is given for riverside-hospital",
        ],
    );
    // A protocol stripped of its DPIA is refused, with the fix.
    assert_finding(
        &[(PROTOCOL, &remove("/dpia"))],
        &[
            "protocols/hospital-discharge.json:1:1: the field \"dpia\" is missing",
            "hint: add \"dpia\" here",
        ],
    );
}
