//! Argument parsing, terminal output and exit codes. No XML, hashing or crypto logic here:
//! every command calls the library and turns its result into words and an exit code.

use std::path::{Path, PathBuf};

use clap::{Parser, Subcommand};

use countersign::fsio::{self, Overwrite, WriteError};
use countersign::{Template, TemplateError};

/// Success.
pub const EXIT_OK: i32 = 0;
/// Bad usage, unreadable or invalid input; nothing was written.
pub const EXIT_INPUT: i32 = 2;

const EXIT_CODES: &str = "Exit codes:
  0  success
  1  verification failed (reserved for `verify`)
  2  bad usage, or input that cannot be used (file missing, not a DOCX, bad JSON,
     template or data problems); nothing was written";

#[derive(Parser)]
#[command(name = "countersign", version, about = "Assemble information-sharing agreement packs from data and DOCX templates, and countersign them.", after_help = EXIT_CODES)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Render a DOCX template with JSON data.
    ///
    /// Tags use handlebars syntax: {{field}}, {{#each list}}…{{/each}}, {{#if x}}…{{else}}…{{/if}},
    /// {{#unless x}}, {{#with x}}, {{this}}, @index/@first/@last, and the helpers date, join,
    /// upper, lower, default and count. See README.md for the full syntax.
    #[command(after_help = EXIT_CODES)]
    Render(RenderArgs),
}

#[derive(clap::Args)]
struct RenderArgs {
    /// The DOCX template.
    template: PathBuf,
    /// The JSON data.
    data: PathBuf,
    /// Where to write the rendered DOCX.
    #[arg(short, long, value_name = "OUT.docx")]
    output: PathBuf,
    /// Replace OUT.docx if it exists.
    #[arg(long)]
    force: bool,
}

/// A failure to report: what happened, and what to do next.
struct Failure {
    message: String,
    hint: Option<String>,
    code: i32,
}

impl Failure {
    fn input(message: String, hint: impl Into<Option<String>>) -> Failure {
        Failure {
            message,
            hint: hint.into(),
            code: EXIT_INPUT,
        }
    }
}

fn read_file(path: &Path, what: &str) -> Result<Vec<u8>, Failure> {
    std::fs::read(path).map_err(|e| {
        let hint = match e.kind() {
            std::io::ErrorKind::NotFound => Some(format!("check the path of the {what}")),
            std::io::ErrorKind::PermissionDenied => {
                Some("check that you may read the file".to_string())
            }
            _ => None,
        };
        Failure::input(
            format!(
                "cannot read the {what} '{}' ({})",
                path.display(),
                io_reason(&e)
            ),
            hint,
        )
    })
}

fn io_reason(e: &std::io::Error) -> String {
    match e.kind() {
        std::io::ErrorKind::NotFound => "no such file".into(),
        std::io::ErrorKind::PermissionDenied => "permission denied".into(),
        std::io::ErrorKind::IsADirectory => "it is a folder".into(),
        _ => e.to_string(),
    }
}

fn render(args: &RenderArgs) -> Result<String, Failure> {
    let template_bytes = read_file(&args.template, "template")?;
    let data_bytes = read_file(&args.data, "data file")?;
    let data = countersign::data::parse_json(&data_bytes).map_err(|e| {
        Failure::input(
            format!("cannot use the data file '{}': {e}", args.data.display()),
            Some("fix the JSON at that place; a JSON-aware editor shows it".to_string()),
        )
    })?;
    let tpl_name = args.template.display();
    let template = Template::from_bytes(template_bytes)
        .map_err(|e| template_failure(&e, &format!("cannot use the template '{tpl_name}'")))?;
    let bytes = template.render(&data).map_err(|e| {
        template_failure(
            &e,
            &format!("cannot render '{tpl_name}' with '{}'", args.data.display()),
        )
    })?;
    let overwrite = if args.force {
        Overwrite::Replace
    } else {
        Overwrite::Refuse
    };
    fsio::write_atomic(&args.output, &bytes, overwrite).map_err(|e| match e {
        WriteError::Exists(p) => Failure::input(
            format!("'{}' already exists; nothing was written", p.display()),
            Some("choose another output name, or add --force to replace it".to_string()),
        ),
        WriteError::NoFolder(p) => Failure::input(
            format!(
                "cannot write the output: the folder '{}' does not exist",
                p.display()
            ),
            Some("create the folder first".to_string()),
        ),
        other => Failure::input(format!("cannot write the output: {other}"), None),
    })?;
    Ok(format!(
        "rendered '{}' ({} bytes)",
        args.output.display(),
        bytes.len()
    ))
}

fn template_failure(e: &TemplateError, lead: &str) -> Failure {
    let hint = match e {
        TemplateError::Package(_) | TemplateError::NotUtf8(_) => {
            Some("open the template in Word or LibreOffice and save it as .docx".to_string())
        }
        TemplateError::Template(_) => {
            Some("fix the tags listed above in the template and save it again".to_string())
        }
        TemplateError::Data { .. } => Some(
            "fix the data (or the tags) at the places listed above; nothing was written"
                .to_string(),
        ),
        _ => None,
    };
    Failure::input(format!("{lead}: {e}"), hint)
}

/// Runs the command line and returns the process exit code.
pub fn run() -> i32 {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let code = if e.use_stderr() { EXIT_INPUT } else { EXIT_OK };
            let _ = e.print();
            return code;
        }
    };
    let result = match &cli.command {
        Command::Render(args) => render(args),
    };
    match result {
        Ok(summary) => {
            eprintln!("{summary}");
            EXIT_OK
        }
        Err(f) => {
            eprintln!("error: {}", f.message);
            if let Some(hint) = f.hint {
                eprintln!("hint: {hint}");
            }
            f.code
        }
    }
}
