//! The rules that tie fields and files together: lawful bases under UK GDPR and the DPA 2018,
//! references between organisations and protocols, unique ids, membership and assurance,
//! dates in order. This is the part a data-protection expert reads and edits; each rule adds a
//! finding with the place and the fix. No parsing, no files.

use crate::pack::layout::{FRAMEWORK_FILE, ORGANISATIONS_FILE, PROTOCOLS_DIR};
use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::Finding;
use super::positions::Positions;
use crate::document::model::{
    ControllerRelationship, DataCategory, Framework, MembershipKind, NEEDS_SCHEDULE1, Organisation,
    Protocol, Revision,
};
use crate::time::parse_date;

pub(super) struct Rules<'a> {
    pub(super) findings: &'a mut Vec<Finding>,
    /// The files' texts, scanned for positions only when a finding needs one.
    pub(super) files: &'a [super::DataFile],
    pub(super) positions: BTreeMap<String, Positions>,
}

impl Rules<'_> {
    fn add(
        &mut self,
        file: &str,
        path: impl Into<String>,
        message: impl Into<String>,
        hint: impl Into<String>,
    ) {
        let path = path.into();
        // A path may point at a field that is absent; fall back to its parent's position.
        if !self.positions.contains_key(file)
            && let Some(data) = self.files.iter().find(|f| f.name == file)
        {
            self.positions.insert(
                file.to_string(),
                super::positions::positions(&String::from_utf8_lossy(&data.bytes)),
            );
        }
        let mut probe = path.as_str();
        let position = loop {
            if let Some(p) = self.positions.get(file).and_then(|m| m.get(probe)) {
                break Some(*p);
            }
            match probe.rfind(['.', '[']) {
                Some(i) => probe = &probe[..i],
                None => break self.positions.get(file).and_then(|m| m.get("")).copied(),
            }
        };
        self.findings.push(Finding {
            file: file.to_string(),
            path,
            position,
            message: message.into(),
            hint: hint.into(),
        });
    }

    fn date_order(
        &mut self,
        file: &str,
        earlier: (&str, &str),
        later: (&str, &str),
        strictly: bool,
    ) {
        let (Some(a), Some(b)) = (parse_date(earlier.1), parse_date(later.1)) else {
            return;
        };
        if b < a || (strictly && b == a) {
            self.add(
                file,
                later.0,
                format!(
                    "{} {} is {} {} {}",
                    later.0,
                    later.1,
                    if strictly { "not after" } else { "before" },
                    earlier.0,
                    earlier.1
                ),
                format!("set {} to a date after {}", later.0, earlier.1),
            );
        }
    }

    // Why this is long: one rule after another between the pack's files (framework,
    // organisations, protocols), each adding its finding with the place and the fix, in the
    // README's order.
    pub(super) fn check(
        &mut self,
        framework: &Framework,
        organisations: &[Organisation],
        protocols: &[(String, Protocol)],
    ) {
        let fw = FRAMEWORK_FILE;
        self.date_order(
            fw,
            ("approved", &framework.approved),
            ("review_by", &framework.review_by),
            true,
        );
        self.date_order(
            fw,
            ("approved", &framework.approved),
            ("valid_from", &framework.valid_from),
            false,
        );
        self.revisions(fw, &framework.revisions, &framework.version);

        let of = ORGANISATIONS_FILE;
        let mut ids: BTreeMap<&str, usize> = BTreeMap::new();
        for (i, org) in organisations.iter().enumerate() {
            if let Some(first) = ids.insert(&org.id, i) {
                self.add(
                    of,
                    format!("organisations[{i}].id"),
                    format!(
                        "the id \"{}\" is already used by organisations[{first}]",
                        org.id
                    ),
                    "give every organisation its own id",
                );
            }
        }
        // Looked up by id once for every reference below, the first of a duplicated id winning.
        let mut by_id: HashMap<&str, &Organisation> = HashMap::with_capacity(organisations.len());
        for org in organisations {
            by_id.entry(org.id.as_str()).or_insert(org);
        }
        for (i, org) in organisations.iter().enumerate() {
            let at = format!("organisations[{i}]");
            match (org.membership.kind, &org.membership.sponsor) {
                (MembershipKind::Affiliate, None) => self.add(
                    of,
                    format!("{at}.membership.sponsor"),
                    format!("the affiliate \"{}\" has no sponsor", org.name),
                    "name the id of the core member that sponsors it",
                ),
                (MembershipKind::Affiliate, Some(s)) => match by_id.get(s.as_str()).copied() {
                    None => self.add(
                        of,
                        format!("{at}.membership.sponsor"),
                        format!("the sponsor \"{s}\" is not an organisation of this pack"),
                        "use the id of a core member from organisations.json",
                    ),
                    Some(o) if o.membership.kind != MembershipKind::Core => self.add(
                        of,
                        format!("{at}.membership.sponsor"),
                        format!("the sponsor \"{s}\" is not a core member"),
                        "affiliates are sponsored by a core member",
                    ),
                    Some(_) => {}
                },
                (MembershipKind::Core, Some(_)) => self.add(
                    of,
                    format!("{at}.membership.sponsor"),
                    "a core member has no sponsor",
                    "remove \"sponsor\", or make the organisation an affiliate",
                ),
                (MembershipKind::Core, None) => {}
            }
            if org.membership.kind == MembershipKind::Affiliate {
                match &org.assurance {
                    None => self.add(
                        of,
                        format!("{at}.assurance"),
                        format!("the affiliate \"{}\" has no assurance answers", org.name),
                        "fill in \"assurance\" from the member assurance checklist",
                    ),
                    Some(a) => {
                        let any = [
                            &a.dsp_toolkit,
                            &a.cyber_essentials,
                            &a.cyber_essentials_plus,
                            &a.iso27001,
                            &a.psn,
                        ]
                        .iter()
                        .any(|e| e.held);
                        if !any
                            && a.other_measures
                                .as_deref()
                                .is_none_or(|s| s.trim().is_empty())
                        {
                            self.add(of, format!("{at}.assurance.other_measures"), "none of the certifications is held and no other measures are described", "describe what is in place to meet data protection and cyber security requirements");
                        }
                    }
                }
            }
            if let Some(a) = &org.assurance {
                for (name, e) in [
                    ("dsp_toolkit", &a.dsp_toolkit),
                    ("cyber_essentials", &a.cyber_essentials),
                    ("cyber_essentials_plus", &a.cyber_essentials_plus),
                    ("iso27001", &a.iso27001),
                    ("psn", &a.psn),
                ] {
                    if e.evidence_seen && !e.held {
                        self.add(of, format!("{at}.assurance.{name}.evidence_seen"), "evidence is marked as seen for something the organisation does not hold", "set \"held\" to true, or \"evidence_seen\" to false");
                    }
                }
            }
        }

        let mut protocol_ids: BTreeMap<&str, &str> = BTreeMap::new();
        for (file, p) in protocols {
            if let Some(other) = protocol_ids.insert(&p.id, file) {
                self.add(
                    file,
                    "id",
                    format!("the protocol id \"{}\" is also used in {other}", p.id),
                    "give every protocol its own id",
                );
            }
            let stem = file
                .trim_start_matches(&format!("{PROTOCOLS_DIR}/"))
                .trim_end_matches(".json");
            if stem != p.id {
                self.add(
                    file,
                    "id",
                    format!(
                        "the id \"{}\" does not match the file name \"{stem}.json\"",
                        p.id
                    ),
                    format!("rename the file to {}.json, or change the id", p.id),
                );
            }
            self.check_protocol(file, p, &by_id);
        }
    }

    /// A revision history: a row for the version being issued, and one row per version.
    fn revisions(&mut self, file: &str, revisions: &[Revision], version: &str) {
        if !revisions.iter().any(|r| r.version == version) {
            self.add(file, "revisions", format!("the revision history has no row for version {version}, the version being issued"), format!("add {{\"version\": \"{version}\", \"date\": \"…\", \"description\": \"…\"}} to \"revisions\""));
        }
        let mut seen_versions = BTreeMap::new();
        for (i, r) in revisions.iter().enumerate() {
            if let Some(first) = seen_versions.insert(r.version.clone(), i) {
                self.add(
                    file,
                    format!("revisions[{i}].version"),
                    format!(
                        "version {} is listed twice (also at revisions[{first}])",
                        r.version
                    ),
                    "keep one row per version",
                );
            }
        }
    }

    // Why this is long: one rule after another for a protocol file, each adding its finding with
    // the place and the fix; the list is what the README's validation section states, in its
    // order.
    fn check_protocol(
        &mut self,
        file: &str,
        p: &Protocol,
        organisations: &HashMap<&str, &Organisation>,
    ) {
        let org = |id: &str| organisations.get(id).copied();
        self.date_order(
            file,
            ("approved", &p.approved),
            ("review_by", &p.review_by),
            true,
        );
        if !p.revisions.is_empty() {
            self.revisions(file, &p.revisions, &p.version);
        }
        let mut parties = BTreeSet::new();
        for (i, id) in p.parties.iter().enumerate() {
            if org(id).is_none() {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("\"{id}\" is not an organisation of this pack"),
                    "use an id from organisations.json, or add the organisation there",
                );
            }
            if !parties.insert(id.as_str()) {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("\"{id}\" is listed twice"),
                    "list each party once",
                );
            }
        }
        if org(&p.requesting_organisation).is_none() {
            self.add(
                file,
                "requesting_organisation",
                format!(
                    "\"{}\" is not an organisation of this pack",
                    p.requesting_organisation
                ),
                "use an id from organisations.json",
            );
        } else if !parties.contains(p.requesting_organisation.as_str()) {
            self.add(
                file,
                "requesting_organisation",
                format!(
                    "\"{}\" is not one of the parties",
                    p.requesting_organisation
                ),
                "add it to \"parties\"",
            );
        }
        let mut contacted = BTreeSet::new();
        for (i, c) in p.breach_contacts.iter().enumerate() {
            if !parties.contains(c.organisation.as_str()) {
                self.add(
                    file,
                    format!("breach_contacts[{i}].organisation"),
                    format!("\"{}\" is not a party to this protocol", c.organisation),
                    "give breach contacts for the parties only",
                );
            }
            contacted.insert(c.organisation.as_str());
        }
        for (i, id) in p.parties.iter().enumerate() {
            if org(id).is_some() && !contacted.contains(id.as_str()) {
                self.add(
                    file,
                    format!("parties[{i}]"),
                    format!("the party \"{id}\" has no breach contact"),
                    "add an entry for it to \"breach_contacts\"",
                );
            }
        }

        let lb = &p.lawful_basis;
        let special = p
            .data_items
            .iter()
            .any(|d| d.category == DataCategory::SpecialCategory);
        let criminal = p
            .data_items
            .iter()
            .any(|d| d.category == DataCategory::CriminalOffence);
        if lb.article6.is_empty() {
            let message = if lb.article9.is_empty() {
                "there is no Article 6 lawful basis"
            } else {
                "an Article 9 condition needs an Article 6 basis as well, and there is none"
            };
            self.add(file, "lawful_basis.article6", message, "add the UK GDPR Article 6(1) basis relied on, for example {\"basis\": \"e\"} for a public task");
        }
        let mut letters = BTreeSet::new();
        for (i, b) in lb.article6.iter().enumerate() {
            if !letters.insert(b.basis.as_str()) {
                self.add(
                    file,
                    format!("lawful_basis.article6[{i}]"),
                    format!("Article 6(1)({}) is listed twice", b.basis),
                    "list each basis once",
                );
            }
        }
        if let Some(i) = lb.article6.iter().position(|b| b.basis == "f") {
            let public: Vec<&str> = p
                .parties
                .iter()
                .filter_map(|id| org(id))
                .filter(|o| o.is_public_authority())
                .map(|o| o.name.as_str())
                .collect();
            if !public.is_empty() {
                self.add(
                    file,
                    format!("lawful_basis.article6[{i}].basis"),
                    format!(
                        "legitimate interests (Article 6(1)(f)) cannot be relied on by public authorities for their public tasks, and {} {}",
                        public.join(", "),
                        if public.len() == 1 { "is a public authority" } else { "are public authorities" }
                    ),
                    "use Article 6(1)(e) public task (or (c) legal obligation) for public authorities",
                );
            }
        }
        if special && lb.article9.is_empty() {
            let i = p
                .data_items
                .iter()
                .position(|d| d.category == DataCategory::SpecialCategory)
                .unwrap_or(0);
            self.add(
                file,
                format!("data_items[{i}].category"),
                "special category data is shared but there is no Article 9 condition",
                "add the Article 9(2) condition relied on to \"lawful_basis.article9\"",
            );
        }
        let mut letters = BTreeSet::new();
        for (i, c) in lb.article9.iter().enumerate() {
            if !letters.insert(c.condition.as_str()) {
                self.add(
                    file,
                    format!("lawful_basis.article9[{i}]"),
                    format!("Article 9(2)({}) is listed twice", c.condition),
                    "list each condition once",
                );
            }
            if NEEDS_SCHEDULE1.contains(&c.condition.as_str())
                && c.schedule1.as_deref().is_none_or(|s| s.trim().is_empty())
            {
                self.add(
                    file,
                    format!("lawful_basis.article9[{i}].schedule1"),
                    format!("Article 9(2)({}) needs a condition from Schedule 1 of the Data Protection Act 2018", c.condition),
                    "add \"schedule1\", for example \"Part 1, paragraph 2: health or social care purposes\"",
                );
            }
        }
        if criminal && lb.article10.as_deref().is_none_or(|s| s.trim().is_empty()) {
            let i = p
                .data_items
                .iter()
                .position(|d| d.category == DataCategory::CriminalOffence)
                .unwrap_or(0);
            self.add(file, format!("data_items[{i}].category"), "criminal offence data is shared but no Schedule 1 condition is given for it (Article 10)", "add \"lawful_basis.article10\", for example \"Part 2, paragraph 10: preventing or detecting unlawful acts\"");
        }
        self.check_data_sharing_code(file, p, &parties, special, criminal);
    }

    /// What the ICO's Data Sharing Code of Practice asks an agreement to settle, beyond the
    /// lawful basis: a DPIA before high-risk sharing, each party's role, how people are told,
    /// how their rights are handled, and safeguards for data leaving the UK.
    // Why this is long: one rule after another from the ICO Data Sharing Code (DPIA, Article 26,
    // safeguards, contacts, privacy information), each with its place and fix, in the README's
    // order.
    fn check_data_sharing_code(
        &mut self,
        file: &str,
        p: &Protocol,
        parties: &BTreeSet<&str>,
        special: bool,
        criminal: bool,
    ) {
        let blank = |s: &Option<String>| s.as_deref().is_none_or(|s| s.trim().is_empty());
        let d = &p.dpia;
        if !d.carried_out {
            let why = [
                (special, "special category data"),
                (criminal, "criminal offence data"),
                (p.involves_children, "children's data"),
            ]
            .iter()
            .filter(|(yes, _)| *yes)
            .map(|(_, what)| *what)
            .collect::<Vec<_>>();
            if !why.is_empty() {
                self.add(
                    file,
                    "dpia.carried_out",
                    format!("this protocol shares {} but records no completed data protection impact assessment", why.join(" and ")),
                    "carry out a DPIA before the sharing starts and record it: \"carried_out\": true with \"reference\", \"completed\" and \"outcome\" (the ICO's Data Sharing Code expects one for sharing like this)",
                );
            } else if blank(&d.not_needed_because) {
                self.add(
                    file,
                    "dpia.not_needed_because",
                    "no DPIA was carried out and the protocol does not say why none was needed",
                    "add \"not_needed_because\" with the screening's conclusion, or carry one out",
                );
            }
        } else {
            for (field, missing) in [
                ("reference", blank(&d.reference)),
                ("completed", d.completed.is_none()),
                ("outcome", blank(&d.outcome)),
            ] {
                if missing {
                    self.add(
                        file,
                        format!("dpia.{field}"),
                        format!("the DPIA is recorded as carried out but has no \"{field}\""),
                        "give the DPIA's reference, the date it was completed and what it concluded",
                    );
                }
            }
            if let Some(completed) = &d.completed
                && parse_date(completed) > parse_date(&p.approved)
            {
                self.add(
                    file,
                    "dpia.completed",
                    format!("the DPIA was completed on {completed}, after the protocol was approved on {}", p.approved),
                    "a DPIA comes before the sharing is agreed: check the dates",
                );
            }
        }

        let roles = &p.roles;
        if roles.relationship == ControllerRelationship::Joint {
            if blank(&roles.article26_arrangement) {
                self.add(
                    file,
                    "roles.article26_arrangement",
                    "the parties are joint controllers but no Article 26 arrangement is described",
                    "describe the arrangement that sets out each controller's responsibilities (UK GDPR Article 26), and where its essence is published",
                );
            }
            if roles.responsibilities.is_empty() {
                self.add(
                    file,
                    "roles.responsibilities",
                    "the parties are joint controllers but their responsibilities are not split",
                    "add one entry per party: {\"organisation\": \"…\", \"responsibility\": \"…\"}",
                );
            }
        }
        for (i, r) in roles.responsibilities.iter().enumerate() {
            if !parties.contains(r.organisation.as_str()) {
                self.add(
                    file,
                    format!("roles.responsibilities[{i}].organisation"),
                    format!("\"{}\" is not a party to this protocol", r.organisation),
                    "give responsibilities for the parties only",
                );
            }
        }

        let mut told = BTreeSet::new();
        for (i, t) in p.transparency.iter().enumerate() {
            if !parties.contains(t.organisation.as_str()) {
                self.add(
                    file,
                    format!("transparency[{i}].organisation"),
                    format!("\"{}\" is not a party to this protocol", t.organisation),
                    "give privacy information for the parties only",
                );
            }
            told.insert(t.organisation.as_str());
        }
        let untold: Vec<&str> = p
            .parties
            .iter()
            .map(String::as_str)
            .filter(|id| !told.contains(id))
            .collect();
        if !untold.is_empty() {
            self.add(
                file,
                "transparency",
                format!("no privacy information is given for {}", untold.join(", ")),
                "add, for each party, where its privacy notice tells people about this sharing (UK GDPR Articles 13 and 14)",
            );
        }

        if !parties.contains(p.individual_rights.point_of_contact.as_str()) {
            self.add(
                file,
                "individual_rights.point_of_contact",
                format!(
                    "\"{}\" is not a party to this protocol",
                    p.individual_rights.point_of_contact
                ),
                "name the party that is the single point of contact for individuals' requests",
            );
        }

        for (i, t) in p.international_transfers.iter().enumerate() {
            if blank(&t.safeguard) {
                self.add(
                    file,
                    format!("international_transfers[{i}].safeguard"),
                    format!("data is transferred to {} with no safeguard", t.country),
                    "give the safeguard that makes the transfer lawful: UK adequacy regulations, an international data transfer agreement, or binding corporate rules",
                );
            }
        }
    }
}
