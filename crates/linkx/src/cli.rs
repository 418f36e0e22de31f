//! The command line of DESIGN.md. Names here are a stable contract.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "linkx",
    version,
    about = "Link Exchange: a self-hosted news exchange",
    propagate_version = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Args, Debug, Clone)]
pub struct Global {
    /// Configuration file (default: ./linkx.toml when present).
    #[arg(long, global = true, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Data directory: SQLite database and search index (default: ./linkx-data).
    #[arg(long, global = true, value_name = "DIR")]
    pub data: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the site and poll sources in the background.
    Serve {
        /// Address to listen on.
        #[arg(long, value_name = "ADDR", default_value = crate::settings::DEFAULT_LISTEN)]
        listen: String,
        /// Import the bundled offline sample and add no network sources.
        #[arg(long)]
        demo: bool,
        /// web: serve pages only; worker: poll sources and run queued jobs only (no listener);
        /// all: both. Several processes of each can share one PostgreSQL store.
        #[arg(long, value_enum, default_value_t = Role::All)]
        role: Role,
    },
    /// Fetch the sources that are due (all of them with --once).
    Poll {
        /// Poll every source once, now, then exit.
        #[arg(long)]
        once: bool,
    },
    /// Import feed files (RSS, Atom, JSON Feed; .gz accepted) into the pipeline.
    Import {
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Cluster a JSONL stream of items offline, with the server's clustering code: reads
    /// {"id","title","text","published"?,"source"?} lines, writes {"id","story","duplicate_of"?,"original"?}.
    Cluster {
        #[arg(value_name = "FILE.jsonl")]
        file: PathBuf,
    },
    /// Extract the article from saved pages (`.html` or `.html.gz`): one JSON object per file
    /// on stdout with title, byline, dates, language, site name, image, canonical URL,
    /// excerpt, text, cleaned HTML and the page's kind.
    Extract {
        /// The URL the pages came from (relative links and images resolve against it).
        #[arg(long, value_name = "URL")]
        url: Option<String>,
        #[arg(value_name = "FILE", required = true)]
        files: Vec<PathBuf>,
    },
    /// Feed tools.
    Feed {
        #[command(subcommand)]
        command: FeedCommand,
    },
    /// Manage sources.
    Source {
        #[command(subcommand)]
        command: SourceCommand,
    },
    /// Moderate readers' comments.
    Comments {
        #[command(subcommand)]
        command: CommentsCommand,
    },
    /// Take an article, a URL (with `*` wildcards) or a whole domain off the site now, from
    /// every page, feed, the sitemap and search, and never store it again. Its pages answer
    /// 410 Gone.
    Takedown {
        /// An article id or a URL (`https://example.org/sponsored/*` for a pattern).
        #[arg(
            value_name = "ID|URL",
            required_unless_present = "domain",
            conflicts_with = "domain"
        )]
        target: Option<String>,
        /// Everything from this domain and its subdomains.
        #[arg(long, value_name = "DOMAIN")]
        domain: Option<String>,
        /// Why (kept on record for the operator).
        #[arg(long)]
        reason: String,
    },
    /// Apply `[retention]` now: drop the full text of old articles, delete older ones (the
    /// server does this daily).
    Retention {
        /// Only say what would change.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a consistent snapshot of the database to FILE while the site keeps running (the
    /// search index is not included: it is rebuilt on restore).
    Backup {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// Replace the database with a backup (the current one is kept beside it, renamed) and
    /// rebuild the search index. Stop `linkx serve` first.
    Restore {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// Webmention tools.
    Webmention {
        #[command(subcommand)]
        command: WebmentionCommand,
    },
    /// Operator accounts for the browser desk at /admin.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Search the archive: one story per result, its best-matching article first. Words,
    /// "a phrase", -excluded, source:name, author:name, after:2026-11-01, before:2026-12.
    Search {
        #[arg(required = true, value_name = "QUERY")]
        query: Vec<String>,
        /// Newest first instead of best match first.
        #[arg(long)]
        newest: bool,
        /// Page of results (10 stories per page).
        #[arg(long, default_value_t = 1)]
        page: usize,
    },
    /// Write the whole site (every table) to FILE, a portable JSON Lines export, to move it to
    /// another store (SQLite to PostgreSQL or back) with `linkx import-db`.
    Export {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// Load an export into the configured store, which must be empty (a new database), then
    /// compare every table's rows with the export's counts.
    ImportDb {
        #[arg(value_name = "FILE")]
        file: std::path::PathBuf,
    },
    /// Rebuild the search index from the database, with a progress bar.
    Reindex,
    /// Check the configuration file and print what it sets.
    CheckConfig,
    /// Apply pending database migrations.
    Migrate,
}

#[derive(Subcommand, Debug)]
pub enum FeedCommand {
    /// Parse a feed file with Link Exchange's liberal parser and print the normalized result
    /// as JSON, in the shape of Python feedparser's result. Exits 2 only when nothing could be
    /// parsed; a malformed but readable feed prints with `"bozo": true`.
    Parse {
        file: PathBuf,
        /// A response header the file is read as if served with (Content-Type,
        /// Content-Location, Content-Language); repeatable.
        #[arg(long = "header", value_name = "NAME: VALUE")]
        headers: Vec<String>,
        /// The URL the file was fetched from: the base for relative links.
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Keep HTML as the feed has it (relative links are still resolved).
        #[arg(long)]
        no_sanitize: bool,
    },
}

#[derive(Subcommand, Debug)]
pub enum CommentsCommand {
    /// List comments, newest first (default: those awaiting moderation).
    List {
        #[arg(long, value_enum, default_value_t = CommentStatusArg::Pending)]
        status: CommentStatusArg,
        /// At most this many.
        #[arg(long, default_value_t = 50)]
        limit: i64,
    },
    /// Publish comments.
    Approve {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Mark comments as spam (never shown).
    Spam {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Delete comments (a placeholder stays where replies hang off one).
    Delete {
        #[arg(required = true, value_name = "ID")]
        ids: Vec<i64>,
    },
    /// Anonymise every comment of one person (GDPR erasure): name, email, website and IP
    /// address hash are removed, the text stays.
    Erase {
        #[arg(long, value_name = "ADDRESS")]
        email: String,
    },
    /// Import the comments of a WordPress export (WXR file): each post is matched to an
    /// article by its URL or, failing that, its exact title; threads, held and spam status and
    /// dates are kept, pingbacks and trashed comments are left out. Running it again adds
    /// nothing twice.
    ImportWxr {
        #[arg(value_name = "FILE.xml")]
        file: PathBuf,
    },
}

#[derive(Subcommand, Debug)]
pub enum WebmentionCommand {
    /// Print the Webmention endpoint a page advertises (exit 1 when it has none).
    Discover { url: String },
    /// Discover TARGET's endpoint and send it a mention from SOURCE; prints the result.
    Send { source: String, target: String },
}

#[derive(Subcommand, Debug)]
pub enum UserCommand {
    /// Add an account. Without --password-stdin a strong password is generated and printed
    /// once.
    Add {
        name: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a new password (ends the account's sessions and lifts a login lockout).
    Passwd {
        name: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// List accounts.
    List,
    /// Delete an account.
    Remove { name: String },
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum RoleArg {
    Admin,
    Moderator,
}

impl From<RoleArg> for linkx_core::account::Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Admin => linkx_core::account::Role::Admin,
            RoleArg::Moderator => linkx_core::account::Role::Moderator,
        }
    }
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum CommentStatusArg {
    Pending,
    Approved,
    Spam,
    Deleted,
}

impl From<CommentStatusArg> for linkx_core::comment::CommentStatus {
    fn from(s: CommentStatusArg) -> Self {
        use linkx_core::comment::CommentStatus;
        match s {
            CommentStatusArg::Pending => CommentStatus::Pending,
            CommentStatusArg::Approved => CommentStatus::Approved,
            CommentStatusArg::Spam => CommentStatus::Spam,
            CommentStatusArg::Deleted => CommentStatus::Deleted,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum SourceCommand {
    /// Follow a feed, or a site whose feed is discovered.
    Add {
        url: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long, value_enum, default_value_t = DisplayArg::Excerpt)]
        display: DisplayArg,
        #[arg(long = "full-text", value_enum, default_value_t = FullTextArg::Auto)]
        full_text: FullTextArg,
        /// The licence the source publishes under, shown with its items (e.g. "CC BY 4.0").
        #[arg(long)]
        licence: Option<String>,
        /// A note of your permission to show full text (`--display full` needs this or a licence).
        #[arg(long)]
        permission: Option<String>,
    },
    /// List sources with their health, failing ones first.
    List,
    /// Stop following a source and delete its articles.
    Remove { id: i64 },
    /// Add every feed of an OPML file.
    ImportOpml { file: PathBuf },
    /// Print all sources as OPML.
    ExportOpml,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum DisplayArg {
    Excerpt,
    Full,
}

#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum FullTextArg {
    Auto,
    Always,
    Never,
}

impl From<DisplayArg> for linkx_core::Display {
    fn from(d: DisplayArg) -> Self {
        match d {
            DisplayArg::Excerpt => linkx_core::Display::Excerpt,
            DisplayArg::Full => linkx_core::Display::Full,
        }
    }
}

impl From<FullTextArg> for linkx_core::FullText {
    fn from(f: FullTextArg) -> Self {
        match f {
            FullTextArg::Auto => linkx_core::FullText::Auto,
            FullTextArg::Always => linkx_core::FullText::Always,
            FullTextArg::Never => linkx_core::FullText::Never,
        }
    }
}

/// What a `linkx serve` process does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Role {
    Web,
    Worker,
    All,
}
