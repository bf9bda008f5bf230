//! The agreement data a coordinator keeps in a pack: the framework, the partner organisations
//! and the information sharing protocols between them, as typed Rust values parsed from JSON.
//!
//! The doc comments here are also the descriptions editors show: `countersign schema` derives
//! its JSON Schema from these types. This module knows nothing of DOCX, XML, hashes or keys;
//! the rules that tie fields together live in [`crate::document::validate`].

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The text forms the schema requires of some fields, each with what to tell a person who wrote
/// something else. One table: the schema and the hints validation gives both come from it.
pub mod forms {
    /// Ids: lower-case letters, digits and hyphens.
    pub const ID: &str = r"^[a-z0-9][a-z0-9-]*$";
    /// Versions: numbers with dots.
    pub const VERSION: &str = r"^[0-9]+(\.[0-9]+)*$";
    /// ICO registration numbers.
    pub const ICO_REGISTRATION: &str = r"^Z[A-Z0-9]{7}$";
    /// NHS ODS codes.
    pub const ODS_CODE: &str = r"^[A-Z0-9]{3,5}$";
    /// Email addresses.
    pub const EMAIL: &str = r"^[^@\s]+@[^@\s]+\.[^@\s]+$";
    /// A letter of UK GDPR Article 6(1).
    pub const ARTICLE6: &str = r"^[a-f]$";
    /// A letter of UK GDPR Article 9(2).
    pub const ARTICLE9: &str = r"^[a-j]$";

    /// Each form with its hint.
    const HINTS: [(&str, &str); 7] = [
        (
            ID,
            "ids use lower-case letters, digits and hyphens, for example \"cambs-cc\"",
        ),
        (
            VERSION,
            "write versions as numbers with dots, for example \"2.6\"",
        ),
        (
            ICO_REGISTRATION,
            "ICO registration numbers have 8 characters and start with Z, for example \"Z5735887\"",
        ),
        (
            ODS_CODE,
            "ODS codes have 3 to 5 capital letters or digits, for example \"RGT\"",
        ),
        (
            EMAIL,
            "write a whole email address, for example \"dpo@example.gov.uk\"",
        ),
        (
            ARTICLE6,
            "use one letter of Article 6(1), from \"a\" to \"f\"",
        ),
        (
            ARTICLE9,
            "use one letter of Article 9(2), from \"a\" to \"j\"",
        ),
    ];

    /// What to tell someone whose text does not match `pattern`.
    pub fn hint(pattern: &str) -> Option<&'static str> {
        HINTS.iter().find(|(p, _)| *p == pattern).map(|(_, h)| *h)
    }
}

/// A calendar date written `YYYY-MM-DD`.
pub type Date = String;

/// `framework.json`: the overarching information sharing framework every partner signs.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    /// The JSON Schema this file follows, for editors (ignored by countersign).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// A stable id for the pack and its framework, e.g. `cambs-pboro-isf`.
    #[schemars(regex(pattern = forms::ID))]
    pub id: String,
    /// The framework's title, e.g. "Cambridgeshire and Peterborough Information Sharing Framework".
    #[schemars(length(min = 1))]
    pub title: String,
    /// The area it covers, e.g. "Cambridgeshire and Peterborough".
    #[schemars(length(min = 1))]
    pub area: String,
    /// The version being issued, e.g. "2.6".
    #[schemars(regex(pattern = forms::VERSION))]
    pub version: String,
    /// Where the document is in its life.
    pub status: Status,
    /// When the framework was approved.
    #[schemars(extend("format" = "date"))]
    pub approved: Date,
    /// When this version takes effect.
    #[schemars(extend("format" = "date"))]
    pub valid_from: Date,
    /// When it must be reviewed by.
    #[schemars(extend("format" = "date"))]
    pub review_by: Date,
    /// Who wrote, developed, approved and ratified the framework.
    pub document_control: DocumentControl,
    /// The revision history, oldest first.
    #[serde(default)]
    pub revisions: Vec<Revision>,
    /// The framework's text: introduction, principles, responsibilities, security, breaches…
    #[schemars(length(min = 1))]
    pub sections: Vec<Section>,
    /// Legislation and guidance the framework relies on.
    #[serde(default)]
    pub legislation: Vec<Legislation>,
    /// Terms and their meanings.
    #[serde(default)]
    pub glossary: Vec<GlossaryEntry>,
    /// How another organisation joins as an affiliate.
    pub joining: Joining,
    /// The paper form an organisation signs by hand: its declaration and where it goes back
    /// to (worded by default when left out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub paper_form: Option<PaperForm>,
}

/// The wording of the paper form each organisation signs by hand.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PaperForm {
    /// What the signatory declares on the organisation's behalf, e.g. "I accept the
    /// requirements of the framework and confirm that my organisation will process information
    /// lawfully under it."
    #[schemars(length(min = 1))]
    pub declaration: String,
    /// Who the signed form goes back to, and how: a name with a postal or email address.
    #[schemars(length(min = 1))]
    pub return_to: String,
}

impl Framework {
    /// The paper form's declaration and return address: the framework's own, or words that
    /// fit any framework.
    pub fn paper_form_or_default(&self) -> PaperForm {
        self.paper_form.clone().unwrap_or_else(|| PaperForm {
            declaration: format!(
                "I accept the {}, version {}, on behalf of my organisation, and confirm that my organisation will share personal information lawfully, under the framework's principles and the information sharing protocols it joins.",
                self.title, self.version
            ),
            return_to: format!(
                "{}, who coordinates the framework",
                self.document_control.lead_author
            ),
        })
    }
}

/// The life stage of a framework or protocol.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum Status {
    // Being written.
    Draft,
    // Out for comment.
    Consultation,
    // Approved and in force.
    Approved,
    // Replaced by a later version.
    Superseded,
}

impl Status {
    /// The word used in documents.
    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "Draft",
            Status::Consultation => "Consultation draft",
            Status::Approved => "Approved",
            Status::Superseded => "Superseded",
        }
    }

    /// Where the document stands, as its subtitle says it after the version: "approved on
    /// 14 April 2026", "consultation draft".
    pub fn phrase(self, approved: &str) -> String {
        match self {
            Status::Approved => format!("approved on {}", crate::time::long_date(approved)),
            Status::Superseded => format!(
                "approved on {}, since superseded",
                crate::time::long_date(approved)
            ),
            Status::Draft => "draft".to_string(),
            Status::Consultation => "consultation draft".to_string(),
        }
    }
}

/// The ratification and document control details of the framework.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DocumentControl {
    /// Who wrote it, e.g. "Information Sharing Framework Group".
    pub lead_author: String,
    /// Who developed it, e.g. "Multi-agency information governance leads".
    pub developed_by: String,
    /// Who approved it, e.g. "Each organisation's information governance committee".
    pub approved_by: String,
    /// Who ratified it, e.g. "Each organisation's board".
    pub ratified_by: String,
    /// How it is made known to staff.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dissemination: Option<String>,
    /// How its use is monitored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit: Option<String>,
    /// Who coordinates the pack: circulates it and collects the signatures sent back.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub coordinator: Option<Contact>,
}

/// One row of the revision history.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Revision {
    /// The version, e.g. "2.5".
    #[schemars(regex(pattern = forms::VERSION))]
    pub version: String,
    /// When the revision was approved.
    #[schemars(extend("format" = "date"))]
    pub date: Date,
    /// What changed.
    pub description: String,
}

/// A numbered section of text.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Section {
    /// The heading, without its number (numbers are added when the document is assembled).
    #[schemars(length(min = 1))]
    pub heading: String,
    /// Paragraphs of text.
    #[serde(default)]
    pub paragraphs: Vec<String>,
    /// Bulleted points after the paragraphs.
    #[serde(default)]
    pub bullets: Vec<String>,
}

/// A piece of legislation or guidance.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Legislation {
    /// Its title, e.g. "Data Protection Act 2018".
    pub title: String,
    /// Where to read it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
}

/// A term of the glossary.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GlossaryEntry {
    /// The term.
    pub term: String,
    /// What it means.
    pub definition: String,
}

/// How an organisation joins the framework as an affiliate.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Joining {
    /// Paragraphs explaining the process (sponsorship by a core member, the assurance checklist).
    #[schemars(length(min = 1))]
    pub paragraphs: Vec<String>,
}

/// `organisations.json`: every partner organisation of the pack.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganisationsFile {
    /// The JSON Schema this file follows, for editors (ignored by countersign).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// The organisations, core members first by convention.
    #[schemars(length(min = 1))]
    pub organisations: Vec<Organisation>,
}

/// A partner organisation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Organisation {
    /// A stable id used everywhere else in the pack, e.g. `cambs-cc`. Never reuse one.
    #[schemars(regex(pattern = forms::ID))]
    pub id: String,
    /// The organisation's name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// The kind of organisation.
    pub sector: Sector,
    /// Whether it is a public authority (under the Data Protection Act 2018). When left out,
    /// the sector decides: charities, housing associations and private companies are not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub public_authority: Option<bool>,
    /// Core member or affiliate.
    pub membership: Membership,
    /// The ICO registration number, e.g. `Z5735887`.
    #[schemars(regex(pattern = forms::ICO_REGISTRATION))]
    pub ico_registration: String,
    /// The NHS ODS code, where the organisation has one, e.g. `RGT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = forms::ODS_CODE))]
    pub ods_code: Option<String>,
    /// The chief executive or accountable officer.
    pub chief_executive: Person,
    /// The data protection officer or single point of contact.
    pub data_protection_officer: Contact,
    /// Who signs for the organisation.
    pub signatory: Signatory,
    /// Information governance assurance (required for affiliates).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assurance: Option<Assurance>,
}

impl Organisation {
    /// Whether the organisation is a public authority, explicitly or by its sector.
    pub fn is_public_authority(&self) -> bool {
        self.public_authority.unwrap_or(self.sector.is_public())
    }
}

/// The kinds of organisation found in regional sharing frameworks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum Sector {
    // A county, district, city or borough council.
    LocalAuthority,
    // A combined authority.
    CombinedAuthority,
    // An NHS trust or foundation trust.
    NhsTrust,
    // An integrated care board or clinical commissioning group.
    NhsCommissioner,
    // A police force.
    Police,
    // A fire and rescue service.
    FireAndRescue,
    // An ambulance service.
    Ambulance,
    // Prison and probation services.
    PrisonAndProbation,
    // A school, college or university.
    Education,
    // A charity or voluntary organisation.
    Charity,
    // A housing association.
    Housing,
    // A private company providing services.
    Private,
}

impl Sector {
    /// Whether organisations of this sector are public authorities by default.
    pub fn is_public(self) -> bool {
        !matches!(self, Sector::Charity | Sector::Housing | Sector::Private)
    }

    /// The words used in documents.
    pub fn label(self) -> &'static str {
        match self {
            Sector::LocalAuthority => "Local authority",
            Sector::CombinedAuthority => "Combined authority",
            Sector::NhsTrust => "NHS trust",
            Sector::NhsCommissioner => "NHS commissioner",
            Sector::Police => "Police",
            Sector::FireAndRescue => "Fire and rescue",
            Sector::Ambulance => "Ambulance service",
            Sector::PrisonAndProbation => "Prison and probation",
            Sector::Education => "Education",
            Sector::Charity => "Charity",
            Sector::Housing => "Housing",
            Sector::Private => "Private provider",
        }
    }
}

/// Membership of the framework.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Membership {
    /// Core member or affiliate.
    pub kind: MembershipKind,
    /// For an affiliate: the id of the core member that sponsors it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sponsor: Option<String>,
    /// When the organisation joined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub joined: Option<Date>,
}

/// Core member or affiliate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum MembershipKind {
    // One of the organisations that own the framework.
    Core,
    // An organisation that joined with a core member's sponsorship.
    Affiliate,
}

/// A named person.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Person {
    /// Full name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Job title, e.g. "Chief Constable".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// A contact point.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Contact {
    /// Full name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Role, e.g. "Data Protection Officer".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    /// Email address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(regex(pattern = forms::EMAIL))]
    pub email: Option<String>,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// The person who signs for an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Signatory {
    /// Full name.
    #[schemars(length(min = 1))]
    pub name: String,
    /// Position, e.g. "Chief Executive", "Senior Information Risk Owner", "Caldicott Guardian".
    #[schemars(length(min = 1))]
    pub position: String,
    /// The Caldicott Guardian who recommended signing, where there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommended_by: Option<String>,
}

impl Signatory {
    /// Who recommended signing, left empty when it is the signatory: a Caldicott Guardian who
    /// signs need not recommend themselves.
    pub fn recommender(&self) -> String {
        self.recommended_by
            .clone()
            .filter(|r| r != &self.name)
            .unwrap_or_default()
    }
}

/// Information governance assurance offered by an organisation.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Assurance {
    /// The version of the member assurance checklist these answers make. The checklist has its
    /// own cycle: it is re-issued when this is raised, not when the framework is revised.
    #[schemars(regex(pattern = forms::VERSION))]
    pub version: String,
    /// When the checklist was completed (the affiliate's answers, seen by its sponsor).
    #[schemars(extend("format" = "date"))]
    pub completed: Date,
    /// When the checklist is next reviewed.
    #[schemars(extend("format" = "date"))]
    pub review_by: Date,
    /// Whether it provides health or social care services.
    pub health_or_social_care: bool,
    /// NHS Data Security and Protection Toolkit.
    pub dsp_toolkit: Evidence,
    /// Cyber Essentials certification.
    pub cyber_essentials: Evidence,
    /// Cyber Essentials Plus certification.
    pub cyber_essentials_plus: Evidence,
    /// ISO/IEC 27001 certification.
    pub iso27001: Evidence,
    /// Public Services Network compliance.
    pub psn: Evidence,
    /// What else is in place, needed when none of the above is held.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_measures: Option<String>,
}

/// One assurance answer.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Evidence {
    /// Whether the organisation holds it (or, for the toolkit, completes it).
    pub held: bool,
    /// Whether the sponsor has seen the certificate or evidence.
    pub evidence_seen: bool,
    /// Certificate number or toolkit status, where known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
}

/// `protocols/<id>.json`: a specific information sharing protocol (agreement) for one flow.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Protocol {
    /// The JSON Schema this file follows, for editors (ignored by countersign).
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    /// A stable id, e.g. `mash`. Matches the file name.
    #[schemars(regex(pattern = forms::ID))]
    pub id: String,
    /// The protocol's title.
    #[schemars(length(min = 1))]
    pub title: String,
    /// The version being issued, e.g. "1.0".
    #[schemars(regex(pattern = forms::VERSION))]
    pub version: String,
    /// Where the protocol is in its life.
    pub status: Status,
    /// When it was approved.
    #[schemars(extend("format" = "date"))]
    pub approved: Date,
    /// When it must be reviewed by.
    #[schemars(extend("format" = "date"))]
    pub review_by: Date,
    /// Its revision history, one row per version, the version being issued among them; may be
    /// left out for a protocol whose earlier versions were not recorded.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revisions: Vec<Revision>,
    /// The id of the organisation that asked for the data and wrote the protocol.
    pub requesting_organisation: String,
    /// The ids of every organisation party to it (including the requesting one).
    #[schemars(length(min = 2))]
    pub parties: Vec<String>,
    /// Why the information is shared.
    #[schemars(length(min = 1))]
    pub purpose: Vec<String>,
    /// Whether the sharing is systematic (routine) or ad hoc (one-off decisions).
    pub sharing: SharingKind,
    /// Whose information is shared, e.g. "Children referred to the safeguarding hub".
    #[schemars(length(min = 1))]
    pub data_subjects: Vec<String>,
    /// What is shared.
    #[schemars(length(min = 1))]
    pub data_items: Vec<DataItem>,
    /// The lawful bases under UK GDPR.
    pub lawful_basis: LawfulBasis,
    /// Other legislation that gives the power or duty to share, e.g. "Children Act 2004, section 11".
    #[serde(default)]
    pub legal_powers: Vec<String>,
    /// How consent is dealt with (or why it is not the basis).
    pub consent: String,
    /// How the data moves and is kept secure in transit.
    pub transfer: Transfer,
    /// How long it is kept and how it is destroyed.
    pub retention: Retention,
    /// Who may access the shared data.
    #[schemars(length(min = 1))]
    pub access: Vec<String>,
    /// Whom to tell about a breach, one per party at least.
    #[schemars(length(min = 1))]
    pub breach_contacts: Vec<BreachContact>,
    /// Whether the people whose information is shared include children.
    pub involves_children: bool,
    /// The data protection impact assessment made before sharing (or why none was needed).
    pub dpia: Dpia,
    /// Each party's role as a controller: separate, or joint (with the Article 26 arrangement).
    pub roles: Roles,
    /// Where each party's privacy information (UK GDPR Articles 13 and 14) tells people about
    /// this sharing, one entry per party.
    #[schemars(length(min = 1))]
    pub transparency: Vec<PrivacyInformation>,
    /// How individuals' rights (access, rectification, objection…) are handled across the
    /// parties.
    pub individual_rights: IndividualRights,
    /// How the parties keep the shared data accurate and up to date.
    #[schemars(length(min = 1))]
    pub accuracy: String,
    /// Transfers outside the UK; an empty list means none.
    pub international_transfers: Vec<InternationalTransfer>,
    /// What happens when a party leaves or the sharing ends.
    pub termination: Termination,
}

/// A data protection impact assessment.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Dpia {
    /// Whether one was carried out.
    pub carried_out: bool,
    /// Its reference, e.g. "DPIA-2025-014".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// When it was completed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(extend("format" = "date"))]
    pub completed: Option<Date>,
    /// What it concluded: the risks found and how they are reduced.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub outcome: Option<String>,
    /// Why none was needed, when none was carried out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub not_needed_because: Option<String>,
}

/// Whether the parties are separate or joint controllers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum ControllerRelationship {
    // Each party decides for itself why and how it uses the data it receives.
    Separate,
    // The parties decide together (UK GDPR Article 26).
    Joint,
}

/// The parties' roles as controllers.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Roles {
    /// Separate or joint controllers.
    pub relationship: ControllerRelationship,
    /// For joint controllers: the arrangement under Article 26 (what it covers, where it is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article26_arrangement: Option<String>,
    /// For joint controllers: who is responsible for what.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub responsibilities: Vec<Responsibility>,
}

/// One party's responsibilities as a joint controller.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Responsibility {
    /// The organisation's id.
    pub organisation: String,
    /// What it is responsible for.
    pub responsibility: String,
}

/// Where a party tells people about the sharing.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PrivacyInformation {
    /// The organisation's id.
    pub organisation: String,
    /// Where its privacy information says so, e.g. a privacy notice's address and section.
    #[schemars(length(min = 1))]
    pub notice: String,
}

/// How individuals' rights are handled across the parties.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IndividualRights {
    /// The party that is the single point of contact for requests (its id).
    pub point_of_contact: String,
    /// How to reach it, e.g. a team and email address.
    #[schemars(length(min = 1))]
    pub contact: String,
    /// How a request received by one party is passed to the others, and how quickly.
    #[schemars(length(min = 1))]
    pub process: String,
}

/// A transfer of shared data outside the UK.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct InternationalTransfer {
    /// Where the data goes.
    pub country: String,
    /// Who receives it there, and why.
    pub recipient: String,
    /// The safeguard that makes it lawful (adequacy regulations, an international data
    /// transfer agreement, binding corporate rules…).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safeguard: Option<String>,
}

/// What happens when a party leaves or the sharing ends.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Termination {
    /// How a party leaves: notice, who is told.
    #[schemars(length(min = 1))]
    pub party_leaves: String,
    /// How the sharing as a whole ends.
    #[schemars(length(min = 1))]
    pub sharing_ends: String,
    /// What happens to data already shared: kept, returned or destroyed, and how that is
    /// confirmed.
    #[schemars(length(min = 1))]
    pub data_already_shared: String,
}

/// Systematic or ad hoc sharing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum SharingKind {
    // Routine sharing of the same data for an established purpose.
    Systematic,
    // One-off decisions to share, case by case.
    AdHoc,
}

impl SharingKind {
    /// The words used in documents.
    pub fn label(self) -> &'static str {
        match self {
            SharingKind::Systematic => {
                "Systematic (routine sharing of the same information for an established purpose)"
            }
            SharingKind::AdHoc => "Ad hoc (a decision to share is made case by case)",
        }
    }
}

/// An item of data shared.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataItem {
    /// What it is, e.g. "Name, date of birth and address".
    pub item: String,
    /// Its category under UK GDPR.
    pub category: DataCategory,
}

/// The category of a data item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "kebab-case")]
// Variant meanings are plain comments: doc comments would turn the schema's list of
// allowed values into a `oneOf` that editors and error messages show less clearly.
#[allow(missing_docs)]
pub enum DataCategory {
    // Personal data (Article 6 basis needed).
    Personal,
    // Special category data (Article 9 condition needed as well).
    SpecialCategory,
    // Criminal offence data (Article 10 and a Schedule 1 condition).
    CriminalOffence,
}

impl DataCategory {
    /// The words used in documents.
    pub fn label(self) -> &'static str {
        match self {
            DataCategory::Personal => "Personal data",
            DataCategory::SpecialCategory => "Special category data",
            DataCategory::CriminalOffence => "Criminal offence data",
        }
    }
}

/// The lawful bases of a protocol.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LawfulBasis {
    /// UK GDPR Article 6(1) bases: letters `a` to `f`. At least one is needed.
    pub article6: Vec<Article6>,
    /// UK GDPR Article 9(2) conditions for special category data: letters `a` to `j`.
    #[serde(default)]
    pub article9: Vec<Article9>,
    /// For criminal offence data (Article 10): the DPA 2018 Schedule 1 condition relied on,
    /// e.g. "Part 2, paragraph 10: preventing or detecting unlawful acts".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub article10: Option<String>,
}

/// An Article 6(1) basis.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Article6 {
    /// The letter of Article 6(1), `a` to `f`.
    #[schemars(regex(pattern = forms::ARTICLE6))]
    pub basis: String,
    /// How it applies here, e.g. the statutory task relied on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// An Article 9(2) condition.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Article9 {
    /// The letter of Article 9(2), `a` to `j`.
    #[schemars(regex(pattern = forms::ARTICLE9))]
    pub condition: String,
    /// The DPA 2018 Schedule 1 condition, needed for (b), (g), (h), (i) and (j), e.g.
    /// "Part 1, paragraph 2: health or social care purposes".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule1: Option<String>,
}

/// How data moves between the parties.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Transfer {
    /// The method, e.g. "Secure email between nhs.net and gcsx accounts".
    pub method: String,
    /// The security measures in place.
    #[schemars(length(min = 1))]
    pub security: Vec<String>,
}

/// Retention and destruction.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// How long shared data is kept.
    pub period: String,
    /// How it is destroyed at the end.
    pub destruction: String,
}

/// A contact for breaches.
#[derive(Debug, Clone, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BreachContact {
    /// The organisation's id.
    pub organisation: String,
    /// The contact's name or team.
    pub name: String,
    /// Email address.
    #[schemars(regex(pattern = forms::EMAIL))]
    pub email: String,
    /// Telephone number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
}

/// Article 6(1) bases in words.
pub fn article6_text(letter: &str) -> Option<&'static str> {
    Some(match letter {
        "a" => "Article 6(1)(a): the data subject has given consent",
        "b" => "Article 6(1)(b): necessary for a contract with the data subject",
        "c" => "Article 6(1)(c): necessary to comply with a legal obligation",
        "d" => "Article 6(1)(d): necessary to protect someone's vital interests",
        "e" => {
            "Article 6(1)(e): necessary for a task in the public interest or in the exercise of official authority"
        }
        "f" => "Article 6(1)(f): necessary for legitimate interests",
        _ => return None,
    })
}

/// Article 9(2) conditions in words.
pub fn article9_text(letter: &str) -> Option<&'static str> {
    Some(match letter {
        "a" => "Article 9(2)(a): explicit consent",
        "b" => "Article 9(2)(b): employment, social security and social protection law",
        "c" => "Article 9(2)(c): vital interests where consent cannot be given",
        "d" => "Article 9(2)(d): not-for-profit bodies",
        "e" => "Article 9(2)(e): made public by the data subject",
        "f" => "Article 9(2)(f): legal claims or judicial acts",
        "g" => "Article 9(2)(g): substantial public interest",
        "h" => "Article 9(2)(h): health or social care",
        "i" => "Article 9(2)(i): public health",
        "j" => "Article 9(2)(j): archiving, research and statistics",
        _ => return None,
    })
}

/// Article 9(2) conditions that need a DPA 2018 Schedule 1 condition as well (section 10).
pub const NEEDS_SCHEDULE1: [&str; 5] = ["b", "g", "h", "i", "j"];
