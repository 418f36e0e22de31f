//! The feed model builder: turns the tag/text events of any RSS, RDF, Atom or CDF dialect into
//! one normalized dictionary shaped like Python feedparser's result (`feed`, `entries`, with
//! `*_detail` objects), so behaviour can be checked against feedparser's own test suite.
//!
//! It keeps a stack of open elements and collects their text; what an element means is
//! decided when it closes. Never fails: unknown elements are kept under their namespaced name.

use crate::dates::parse_date;
use crate::html::{HtmlOptions, clean_html};
use crate::urls::{join_url, safe_join};
use crate::value::{Dict, Key, Value};
use std::borrow::Cow;
use std::rc::Rc;

/// Known namespace URIs (lowercased) and the prefix their elements are known by; the empty
/// prefix means "core feed vocabulary".
const NAMESPACES: &[(&str, &str)] = &[
    ("", ""),
    ("http://backend.userland.com/rss", ""),
    ("http://blogs.law.harvard.edu/tech/rss", ""),
    ("http://purl.org/rss/1.0/", ""),
    ("http://my.netscape.com/rdf/simple/0.9/", ""),
    ("http://example.com/newformat#", ""),
    ("http://example.com/necho", ""),
    ("http://purl.org/echo/", ""),
    ("uri/of/echo/namespace#", ""),
    ("http://purl.org/pie/", ""),
    ("http://purl.org/atom/ns#", ""),
    ("http://www.w3.org/2005/atom", ""),
    ("http://purl.org/rss/1.0/modules/rss091#", ""),
    ("http://webns.net/mvcb/", "admin"),
    ("http://purl.org/rss/1.0/modules/aggregation/", "ag"),
    ("http://purl.org/rss/1.0/modules/annotate/", "annotate"),
    ("http://media.tangent.org/rss/1.0/", "audio"),
    (
        "http://backend.userland.com/blogchannelmodule",
        "blogChannel",
    ),
    ("http://creativecommons.org/ns#license", "cc"),
    ("http://web.resource.org/cc/", "cc"),
    (
        "http://cyber.law.harvard.edu/rss/creativecommonsrssmodule.html",
        "creativeCommons",
    ),
    (
        "http://backend.userland.com/creativecommonsrssmodule",
        "creativeCommons",
    ),
    ("http://purl.org/rss/1.0/modules/company", "co"),
    ("http://purl.org/rss/1.0/modules/content/", "content"),
    ("http://my.theinfo.org/changed/1.0/rss/", "cp"),
    ("http://purl.org/dc/elements/1.1/", "dc"),
    ("http://purl.org/dc/terms/", "dcterms"),
    ("http://purl.org/rss/1.0/modules/email/", "email"),
    ("http://purl.org/rss/1.0/modules/event/", "ev"),
    ("http://rssnamespace.org/feedburner/ext/1.0", "feedburner"),
    ("http://freshmeat.net/rss/fm/", "fm"),
    ("http://xmlns.com/foaf/0.1/", "foaf"),
    ("http://www.w3.org/2003/01/geo/wgs84_pos#", "geo"),
    ("http://www.georss.org/georss", "georss"),
    ("http://www.opengis.net/gml", "gml"),
    ("http://postneo.com/icbm/", "icbm"),
    ("http://purl.org/rss/1.0/modules/image/", "image"),
    ("http://www.itunes.com/dtds/podcast-1.0.dtd", "itunes"),
    ("http://example.com/dtds/podcast-1.0.dtd", "itunes"),
    ("http://purl.org/rss/1.0/modules/link/", "l"),
    ("http://search.yahoo.com/mrss", "media"),
    ("http://search.yahoo.com/mrss/", "media"),
    (
        "http://madskills.com/public/xml/rss/module/pingback/",
        "pingback",
    ),
    ("http://prismstandard.org/namespaces/1.2/basic/", "prism"),
    ("http://www.w3.org/1999/02/22-rdf-syntax-ns#", "rdf"),
    ("http://www.w3.org/2000/01/rdf-schema#", "rdfs"),
    ("http://purl.org/rss/1.0/modules/reference/", "ref"),
    ("http://purl.org/rss/1.0/modules/richequiv/", "reqv"),
    ("http://purl.org/rss/1.0/modules/search/", "search"),
    ("http://purl.org/rss/1.0/modules/slash/", "slash"),
    ("http://schemas.xmlsoap.org/soap/envelope/", "soap"),
    ("http://purl.org/rss/1.0/modules/servicestatus/", "ss"),
    ("http://hacks.benhammersley.com/rss/streaming/", "str"),
    ("http://purl.org/rss/1.0/modules/subscription/", "sub"),
    ("http://purl.org/rss/1.0/modules/syndication/", "sy"),
    ("http://schemas.pocketsoap.com/rss/mydescmodule/", "szf"),
    ("http://purl.org/rss/1.0/modules/taxonomy/", "taxo"),
    ("http://purl.org/rss/1.0/modules/threading/", "thr"),
    ("http://purl.org/syndication/thread/1.0", "thr"),
    ("http://purl.org/rss/1.0/modules/textinput/", "ti"),
    (
        "http://madskills.com/public/xml/rss/module/trackback/",
        "trackback",
    ),
    ("http://wellformedweb.org/commentapi/", "wfw"),
    ("http://purl.org/rss/1.0/modules/wiki/", "wiki"),
    ("http://www.w3.org/1999/xhtml", "xhtml"),
    ("http://www.w3.org/1999/xlink", "xlink"),
    ("http://www.w3.org/xml/1998/namespace", "xml"),
    ("http://podlove.org/simple-chapters", "psc"),
];

/// The canonical prefix for a namespace URI, if the URI is one we know.
pub fn canonical_prefix(uri: &str) -> Option<&'static str> {
    let lower = uri.to_ascii_lowercase();
    let lower = if lower.contains("backend.userland.com/rss") {
        "http://backend.userland.com/rss".to_string()
    } else {
        lower
    };
    NAMESPACES
        .iter()
        .find(|(u, _)| *u == lower)
        .map(|(_, prefix)| *prefix)
}

const CAN_BE_RELATIVE_URI: &[&str] = &[
    "comments",
    "docs",
    "href",
    "icon",
    "id",
    "link",
    "logo",
    "url",
    "wfw_comment",
    "wfw_commentrss",
];

const CAN_CONTAIN_MARKUP: &[&str] = &[
    "content",
    "copyright",
    "description",
    "info",
    "rights",
    "subtitle",
    "summary",
    "tagline",
    "title",
];

const XHTML: &str = "application/xhtml+xml";

#[derive(Debug, Default, Clone)]
struct ContentParams {
    kind: String,
    language: Option<String>,
    base: String,
    base64: bool,
    src: Option<String>,
}

impl ContentParams {
    fn to_dict(&self, value: &str) -> Value {
        let mut d = detail_dict(&self.kind, self.language.as_deref(), &self.base, value);
        if let Some(src) = &self.src {
            d.insert("src".into(), Value::String(src.clone()));
        }
        Value::Object(d)
    }
}

/// A `*_detail` object: the text construct's type, language and base with its value.
pub fn detail_dict(kind: &str, language: Option<&str>, base: &str, value: &str) -> Dict {
    let mut d = Dict::new();
    d.insert("type".into(), Value::String(kind.to_string()));
    d.insert(
        "language".into(),
        language.map_or(Value::Null, |l| Value::String(l.to_string())),
    );
    d.insert("base".into(), Value::String(base.to_string()));
    d.insert("value".into(), Value::String(value.to_string()));
    d
}

struct Open {
    element: String,
    expecting_text: bool,
    pieces: Vec<String>,
    /// No markup piece yet: text can be appended to the last piece instead of a new one.
    plain_only: bool,
}

enum Ctx {
    Source,
    Image,
    TextInput,
    Entry,
    Feed,
}

/// Options that shape the model.
#[derive(Debug, Clone, Copy)]
pub struct BuildOptions {
    pub sanitize: bool,
    pub resolve_relative_uris: bool,
}

pub struct FeedBuilder {
    pub feed: Dict,
    pub entries: Vec<Dict>,
    pub version: String,
    pub namespaces_in_use: Dict,
    options: BuildOptions,
    source: Dict,
    infeed: bool,
    inentry: bool,
    incontent: u32,
    intextinput: bool,
    inimage: bool,
    inauthor: bool,
    incontributor: bool,
    inpublisher: bool,
    insource: bool,
    content: ContentParams,
    summary_key: Option<&'static str>,
    stack: Vec<Open>,
    basestack: Vec<Rc<str>>,
    langstack: Vec<Option<Rc<str>>>,
    baseuri: Rc<str>,
    lang: Option<Rc<str>>,
    svg_ok: u32,
    title_depth: i32,
    depth: i32,
    has_content: bool,
    guidislink: bool,
    /// Depth at which each key of the current entry was set (deeper values do not override).
    entry_depths: Vec<(String, i32)>,
}

impl FeedBuilder {
    pub fn new(baseuri: &str, lang: Option<&str>, options: BuildOptions) -> Self {
        let mut feed = Dict::new();
        let lang: Option<Rc<str>> = lang.map(str::trim).filter(|l| !l.is_empty()).map(Rc::from);
        if let Some(l) = &lang {
            feed.insert("language".into(), Value::String(l.replace('_', "-")));
        }
        Self {
            feed,
            entries: Vec::new(),
            version: String::new(),
            namespaces_in_use: Dict::new(),
            options,
            source: Dict::new(),
            infeed: false,
            inentry: false,
            incontent: 0,
            intextinput: false,
            inimage: false,
            inauthor: false,
            incontributor: false,
            inpublisher: false,
            insource: false,
            content: ContentParams::default(),
            summary_key: None,
            stack: Vec::new(),
            basestack: Vec::new(),
            langstack: Vec::new(),
            baseuri: Rc::from(baseuri),
            lang,
            svg_ok: 0,
            title_depth: -1,
            depth: 0,
            has_content: false,
            guidislink: false,
            entry_depths: Vec::new(),
        }
    }

    pub fn track_namespace(&mut self, prefix: Option<&str>, uri: &str) {
        let lower = uri.to_ascii_lowercase();
        if self.version.is_empty() {
            if prefix.is_none() && lower == "http://my.netscape.com/rdf/simple/0.9/" {
                self.version = "rss090".into();
            } else if lower == "http://purl.org/rss/1.0/" {
                self.version = "rss10".into();
            } else if lower == "http://www.w3.org/2005/atom" {
                self.version = "atom10".into();
            }
        }
        match canonical_prefix(uri) {
            Some(canonical) => {
                self.namespaces_in_use
                    .insert(canonical.into(), Value::String(uri.to_string()));
            }
            None => {
                self.namespaces_in_use.insert(
                    prefix.unwrap_or("").to_string().into(),
                    Value::String(uri.to_string()),
                );
            }
        }
    }

    fn ctx_kind(&self) -> Ctx {
        if self.insource {
            Ctx::Source
        } else if self.inimage && self.feed.contains_key("image") {
            Ctx::Image
        } else if self.intextinput {
            Ctx::TextInput
        } else if self.inentry {
            Ctx::Entry
        } else {
            Ctx::Feed
        }
    }

    fn ctx(&mut self) -> &mut Dict {
        match self.ctx_kind() {
            Ctx::Source => &mut self.source,
            Ctx::Image => child_dict(&mut self.feed, "image"),
            Ctx::TextInput => child_dict(&mut self.feed, "textinput"),
            Ctx::Entry => match self.entries.last_mut() {
                Some(e) => e,
                None => &mut self.feed,
            },
            Ctx::Feed => &mut self.feed,
        }
    }

    // ----- events -------------------------------------------------------------------------

    /// An element opens. `tag` is `prefix:local` with the canonical prefix, lowercased.
    pub fn start(&mut self, tag: &str, attrs: Vec<(String, String)>) {
        self.depth += 1;
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        let base = get("xml:base").or_else(|| get("base")).unwrap_or("");
        if !base.is_empty() {
            let joined = if self.baseuri.is_empty() {
                join_url("", base)
            } else {
                safe_join(&self.baseuri, base)
            };
            if !joined.is_empty() {
                self.baseuri = Rc::from(joined);
            }
        }
        let lang = match get("xml:lang").or_else(|| get("lang")) {
            Some("") => None,
            Some(l) => Some(Rc::from(l)),
            None => self.lang.clone(),
        };
        if let Some(l) = &lang
            && matches!(tag, "feed" | "rss" | "rdf:rdf")
        {
            self.feed
                .insert("language".into(), Value::String(l.replace('_', "-")));
        }
        self.lang = lang.clone();
        self.basestack.push(self.baseuri.clone());
        self.langstack.push(lang);

        if self.incontent > 0 && !self.content.kind.ends_with("xml") {
            if matches!(tag, "xhtml:div" | "div") {
                return; // typepad wraps escaped markup in a div
            }
            self.content.kind = XHTML.into();
        }
        if self.incontent > 0 && self.content.kind == XHTML {
            let local = tag.rsplit(':').next().unwrap_or(tag);
            if local == "svg" {
                self.svg_ok += 1;
            }
            let mut markup = format!("<{local}");
            for (k, v) in &attrs {
                markup.push(' ');
                markup.push_str(k);
                markup.push_str("=\"");
                markup.push_str(&xml_escape_attr(v));
                markup.push('"');
            }
            markup.push('>');
            self.handle_markup(markup);
            return;
        }
        let (prefix, suffix) = match tag.split_once(':') {
            Some((p, s)) => (p, s),
            None => ("", tag),
        };
        if prefix.is_empty() && !matches!(tag, "title" | "link" | "description" | "name") {
            self.intextinput = false;
        }
        if prefix.is_empty()
            && !matches!(
                tag,
                "title" | "link" | "description" | "url" | "href" | "width" | "height"
            )
        {
            self.inimage = false;
        }
        let name: Cow<'_, str> = if prefix.is_empty() {
            Cow::Borrowed(suffix)
        } else {
            Cow::Owned(format!("{prefix}_{suffix}"))
        };
        let mut attrs = attrs;
        if !self.dispatch_start(&name, &mut attrs) {
            if attrs.is_empty() {
                self.push(&name, true);
            } else {
                let d = attrs_dict(&attrs);
                self.ctx().set(&name, Value::Object(d));
            }
        }
    }

    pub fn end(&mut self, tag: &str) {
        let (prefix, suffix) = match tag.split_once(':') {
            Some((p, s)) => (p, s),
            None => ("", tag),
        };
        if suffix == "svg" && self.svg_ok > 0 {
            self.svg_ok -= 1;
        }
        let name: Cow<'_, str> = if prefix.is_empty() {
            Cow::Borrowed(suffix)
        } else {
            Cow::Owned(format!("{prefix}_{suffix}"))
        };
        if self.svg_ok > 0 || !self.dispatch_end(&name) {
            self.pop(&name, true);
        }
        if self.incontent > 0 && !self.content.kind.ends_with("xml") {
            if matches!(tag, "xhtml:div" | "div") {
                self.pop_scopes();
                return;
            }
            self.content.kind = XHTML.into();
        }
        if self.incontent > 0 && self.content.kind == XHTML {
            let local = tag.rsplit(':').next().unwrap_or(tag);
            self.handle_markup(format!("</{local}>"));
        }
        self.pop_scopes();
    }

    fn pop_scopes(&mut self) {
        if self.basestack.pop().is_some()
            && let Some(b) = self.basestack.last()
            && !b.is_empty()
        {
            self.baseuri = b.clone();
        }
        if self.langstack.pop().is_some()
            && let Some(l) = self.langstack.last()
        {
            self.lang = l.clone();
        }
        self.depth -= 1;
    }

    /// Character data (references already resolved).
    pub fn text(&mut self, text: &str) {
        let xhtml = self.content.kind == XHTML && self.incontent > 0;
        if let Some(top) = self.stack.last_mut() {
            if xhtml {
                top.pieces.push(xml_escape(text));
            } else if let Some(last) = top.pieces.last_mut().filter(|_| top.plain_only) {
                last.push_str(text);
            } else {
                top.pieces.push(text.to_string());
            }
        }
    }

    fn handle_markup(&mut self, markup: String) {
        if let Some(top) = self.stack.last_mut() {
            top.plain_only = false;
            top.pieces.push(markup);
        }
    }

    // ----- element handlers ---------------------------------------------------------------

    /// Runs the start handler for `name`; `false` when there is none.
    fn dispatch_start(&mut self, name: &str, attrs: &mut Vec<(String, String)>) -> bool {
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        match name {
            "rss" => {
                if !self.version.starts_with("rss") {
                    let v = get("version").unwrap_or_default();
                    self.version = match v.as_str() {
                        "0.91" => "rss091u".into(),
                        "0.92" => "rss092".into(),
                        "0.93" => "rss093".into(),
                        "0.94" => "rss094".into(),
                        v if v.starts_with("2.") => "rss20".into(),
                        _ => "rss".into(),
                    };
                }
            }
            "channel" => {
                if self.version.is_empty() && self.depth == 1 {
                    self.version = "cdf".into(); // a bare <CHANNEL> root: Microsoft CDF
                }
                self.infeed = true;
                self.cdf_common(attrs);
            }
            "feed" => {
                self.infeed = true;
                if self.version.is_empty() {
                    self.version = match get("version").as_deref() {
                        Some("0.1") => "atom01".into(),
                        Some("0.2") => "atom02".into(),
                        Some("0.3") => "atom03".into(),
                        _ => "atom".into(),
                    };
                }
            }
            "image" => {
                if !self.inentry {
                    let ctx = self.ctx();
                    if !ctx.contains_key("image") {
                        ctx.insert("image".into(), Value::Object(Dict::new()));
                    }
                }
                self.inimage = true;
                self.title_depth = -1;
                self.push("image", false);
            }
            "textinput" => {
                let ctx = self.ctx();
                if !ctx.contains_key("textinput") {
                    ctx.insert("textinput".into(), Value::Object(Dict::new()));
                }
                self.intextinput = true;
                self.title_depth = -1;
                self.push("textinput", false);
            }
            "author" | "managingeditor" | "dc_author" | "dc_creator" | "itunes_author" => {
                self.inauthor = true;
                self.push("author", true);
                list_push(self.ctx(), "authors", Value::Object(Dict::new()));
            }
            "contributor" => {
                self.incontributor = true;
                list_push(self.ctx(), "contributors", Value::Object(Dict::new()));
                self.push("contributor", false);
            }
            "dc_contributor" => {
                self.incontributor = true;
                list_push(self.ctx(), "contributors", Value::Object(Dict::new()));
                self.push("name", false);
            }
            "name" | "itunes_name" => self.push("name", false),
            "width" => self.push("width", false),
            "height" => self.push("height", false),
            "url" | "homepage" | "uri" => self.push("href", true),
            "email" | "itunes_email" => self.push("email", false),
            "subtitle" | "tagline" | "itunes_subtitle" => {
                self.push_content("subtitle", attrs, "text/plain", true)
            }
            "rights" | "copyright" | "dc_rights" => {
                self.push_content("rights", attrs, "text/plain", true)
            }
            "item" | "entry" => {
                self.entries.push(Dict::new());
                self.entry_depths.clear();
                self.push("item", false);
                self.inentry = true;
                self.guidislink = false;
                self.title_depth = -1;
                if let Some(id) = get("rdf:about") {
                    self.ctx().insert("id".into(), Value::String(id));
                }
                self.cdf_common(attrs);
            }
            "language" | "dc_language" => self.push("language", true),
            "webmaster" | "dc_publisher" => self.push("publisher", true),
            "published" | "issued" | "pubdate" | "dcterms_issued" => self.push("published", true),
            "updated" | "modified" | "lastbuilddate" | "dc_date" | "dcterms_modified" => {
                self.push("updated", true)
            }
            "created" | "dcterms_created" => self.push("created", true),
            "expirationdate" => self.push("expired", true),
            "dcterms_valid" => self.push("validity", true),
            "category" | "keywords" | "dc_subject" => {
                let term = get("term");
                let scheme = get("scheme").or_else(|| get("domain"));
                let label = get("label");
                self.add_tag(term, scheme, label);
                self.push("category", true);
            }
            "itunes_category" => {
                self.add_tag(get("text"), Some("http://www.itunes.com/".into()), None);
                self.push("category", true);
            }
            "itunes_keywords" => self.push("itunes_keywords", true),
            "tags" => self.push("tags", true),
            "cloud" => {
                let d = attrs_dict(attrs);
                self.ctx().insert("cloud".into(), Value::Object(d));
            }
            "link" => self.start_link(attrs),
            "guid" | "id" => {
                self.guidislink = get("ispermalink").is_none_or(|v| v == "true");
                self.push("id", true);
            }
            "title" | "dc_title" | "media_title" => {
                if self.svg_ok > 0 {
                    return false;
                }
                let expecting = self.infeed || self.inentry || self.insource;
                self.push_content("title", attrs, "text/plain", expecting);
            }
            "description" | "dc_description" | "media_description" => {
                if self.ctx().contains_key("summary") && !self.has_content {
                    self.summary_key = Some("content");
                    self.start_content(attrs);
                } else {
                    let expecting = self.infeed || self.inentry || self.insource;
                    self.push_content("description", attrs, "text/html", expecting);
                }
            }
            "abstract" => {
                let expecting = self.infeed || self.inentry || self.insource;
                self.push_content("description", attrs, "text/plain", expecting);
            }
            "info" | "feedburner_browserfriendly" => {
                self.push_content("info", attrs, "text/plain", true)
            }
            "generator" => {
                enforce_href(attrs);
                let mut d = attrs_dict(attrs);
                if let Some(Value::String(h)) = d.get("href") {
                    let resolved = self.resolve_uri(h);
                    d.insert("href".into(), Value::String(resolved));
                }
                self.ctx()
                    .insert("generator_detail".into(), Value::Object(d));
                self.push("generator", true);
            }
            "admin_generatoragent" => {
                self.push("generator", true);
                let value = get("rdf:resource").unwrap_or_default();
                self.elementstack_set(value);
                self.pop("generator", true);
                let mut d = Dict::new();
                if let Some(Value::String(g)) = self.ctx().get("generator").cloned() {
                    d.insert("href".into(), Value::String(g));
                }
                self.ctx()
                    .insert("generator_detail".into(), Value::Object(d));
            }
            "admin_errorreportsto" => {
                self.push("errorreportsto", true);
                let value = get("rdf:resource").unwrap_or_default();
                self.elementstack_set(value);
                self.pop("errorreportsto", true);
            }
            "summary" | "itunes_summary" => {
                if self.ctx().contains_key("summary") && !self.has_content {
                    self.summary_key = Some("content");
                    self.start_content(attrs);
                } else {
                    self.summary_key = Some("summary");
                    self.push_content("summary", attrs, "text/plain", true);
                }
            }
            "enclosure" => {
                enforce_href(attrs);
                let mut d = attrs_dict(attrs);
                d.insert("rel".into(), Value::String("enclosure".into()));
                list_push(self.ctx(), "links", Value::Object(d));
            }
            "source" => {
                if let Some(url) = get("url") {
                    self.source.insert("href".into(), Value::String(url));
                }
                self.push("source", true);
                self.insource = true;
                self.title_depth = -1;
            }
            "content" => self.start_content(attrs),
            "body" | "xhtml_body" => self.push_content("content", attrs, XHTML, true),
            "content_encoded" | "fullitem" => {
                self.has_content = true;
                self.push_content("content", attrs, "text/html", true);
            }
            "newlocation" => self.push("newlocation", true),
            "itunes_owner" => {
                self.inpublisher = true;
                self.push("publisher", false);
            }
            "itunes_image" | "itunes_link" => {
                self.push("itunes_image", false);
                if let Some(href) = get("href").filter(|h| !h.is_empty()).or_else(|| get("url")) {
                    let mut d = Dict::new();
                    d.insert("href".into(), Value::String(href));
                    self.ctx().insert("image".into(), Value::Object(d));
                }
            }
            "itunes_block" | "itunes_explicit" => self.push(name, false),
            "media_content" => {
                let d = attrs_dict(attrs);
                list_push(self.ctx(), "media_content", Value::Object(d));
            }
            "media_thumbnail" => {
                let d = attrs_dict(attrs);
                list_push(self.ctx(), "media_thumbnail", Value::Object(d));
                self.push("url", true);
            }
            "media_group" => {}
            "media_credit" => {
                let d = attrs_dict(attrs);
                list_push(self.ctx(), "media_credit", Value::Object(d));
                self.push("credit", true);
            }
            "media_keywords" => self.push("media_keywords", true),
            "media_player" => {
                self.push("media_player", false);
                let d = attrs_dict(attrs);
                self.ctx().insert("media_player".into(), Value::Object(d));
            }
            "media_category" => {
                let term = get("term");
                let scheme = get("scheme")
                    .or_else(|| Some("http://search.yahoo.com/mrss/category_schema".into()));
                self.add_tag(term, scheme, get("label"));
                self.push("category", true);
            }
            "media_license" | "media_rating" | "media_restriction" => self.push(name, true),
            "cc_license" => {
                let href = get("rdf:resource");
                if let Some(href) = href {
                    let mut d = Dict::new();
                    d.insert("rel".into(), Value::String("license".into()));
                    d.insert("href".into(), Value::String(href));
                    list_push(self.ctx(), "links", Value::Object(d));
                }
            }
            "creativecommons_license" => self.push("license", true),
            "georss_point" | "georss_line" | "georss_polygon" | "georss_box" => {
                self.push("geometry", false);
                self.ctx()
                    .insert("where".into(), Value::Object(Dict::new()));
            }
            "where" | "georss_where" => {
                self.push("where", false);
                self.ctx()
                    .insert("where".into(), Value::Object(Dict::new()));
            }
            "gml_point" | "gml_linestring" | "gml_polygon" | "gml_exterior" | "gml_linearring" => {
                let kind = match name {
                    "gml_point" => Some("Point"),
                    "gml_linestring" => Some("LineString"),
                    "gml_polygon" => Some("Polygon"),
                    _ => None,
                };
                let dims = get("srsdimension").and_then(|d| d.parse::<u64>().ok());
                let srs = get("srsname");
                let ctx = self.ctx();
                let w = child_dict(ctx, "where");
                if let Some(srs) = srs {
                    w.insert("srsName".into(), Value::String(srs));
                }
                if let Some(kind) = kind {
                    w.insert("type".into(), Value::String(kind.into()));
                }
                if let Some(d) = dims {
                    w.insert("srsDimension".into(), Value::from(d));
                }
                self.push("geometry", false);
            }
            "gml_pos" | "gml_poslist" => self.push("pos", false),
            "psc_chapters" => {
                if self.inentry && !self.ctx().contains_key("psc_chapters") {
                    let mut d = Dict::new();
                    d.insert(
                        "version".into(),
                        Value::String(get("version").unwrap_or_default()),
                    );
                    d.insert("chapters".into(), Value::Array(Vec::new()));
                    self.ctx().insert("psc_chapters".into(), Value::Object(d));
                    self.push("psc_chapters", false);
                }
            }
            "psc_chapter" => {
                let Some(Value::Object(chapters)) = self.ctx().get_mut("psc_chapters") else {
                    return true;
                };
                let mut d = attrs_dict(attrs);
                if let Some(Value::String(start)) = d.get("start").cloned() {
                    d.insert("start_parsed".into(), Value::String(start));
                }
                if let Some(Value::Array(list)) = chapters.get_mut("chapters") {
                    list.push(Value::Object(d));
                }
            }
            _ => return false,
        }
        true
    }

    /// Runs the end handler for `name`; `false` when there is none.
    fn dispatch_end(&mut self, name: &str) -> bool {
        match name {
            "channel" | "feed" => self.infeed = false,
            "image" => {
                self.pop("image", true);
                self.inimage = false;
            }
            "textinput" => {
                self.pop("textinput", true);
                self.intextinput = false;
            }
            "author" | "managingeditor" | "dc_author" | "dc_creator" | "itunes_author" => {
                self.pop("author", true);
                self.inauthor = false;
                self.sync_author_detail("author");
            }
            "contributor" => {
                self.pop("contributor", true);
                self.incontributor = false;
            }
            "dc_contributor" => {
                let value = self.pop("name", true).unwrap_or_default();
                self.save_contributor("name", value);
                self.incontributor = false;
            }
            "name" | "itunes_name" => {
                let value = self.pop("name", true).unwrap_or_default();
                if self.inpublisher {
                    self.save_author("name", value, "publisher");
                } else if self.inauthor {
                    self.save_author("name", value, "author");
                } else if self.incontributor {
                    self.save_contributor("name", value);
                } else if self.intextinput {
                    self.ctx().insert("name".into(), Value::String(value));
                }
            }
            "width" | "height" => {
                let value = self.pop(name, true).unwrap_or_default();
                let n = value.trim().parse::<i64>().unwrap_or(0);
                if self.inimage {
                    self.ctx().set(name, Value::from(n));
                }
            }
            "url" | "homepage" | "uri" => {
                let value = self.pop("href", true).unwrap_or_default();
                if self.inauthor {
                    self.save_author("href", value, "author");
                } else if self.incontributor {
                    self.save_contributor("href", value);
                }
            }
            "email" | "itunes_email" => {
                let value = self.pop("email", true).unwrap_or_default();
                if self.inpublisher {
                    self.save_author("email", value, "publisher");
                } else if self.inauthor {
                    self.save_author("email", value, "author");
                } else if self.incontributor {
                    self.save_contributor("email", value);
                }
            }
            "subtitle" | "tagline" | "itunes_subtitle" => {
                self.pop_content("subtitle");
            }
            "rights" | "copyright" | "dc_rights" => {
                self.pop_content("rights");
            }
            "item" | "entry" => {
                self.pop("item", true);
                self.inentry = false;
                self.has_content = false;
            }
            "language" | "dc_language" => {
                self.lang = self.pop("language", true).map(Rc::from);
            }
            "webmaster" | "dc_publisher" => {
                self.pop("publisher", true);
                self.sync_author_detail("publisher");
            }
            "published" | "issued" | "pubdate" | "dcterms_issued" => self.end_date("published"),
            "updated" | "modified" | "lastbuilddate" | "dc_date" | "dcterms_modified" => {
                self.end_date("updated")
            }
            "created" | "dcterms_created" => self.end_date("created"),
            "expirationdate" => self.end_date("expired"),
            "dcterms_valid" => {
                let value = self.pop("validity", true).unwrap_or_default();
                for part in value.split(';') {
                    if let Some((k, v)) = part.split_once('=') {
                        let k = k.trim();
                        let key = match k {
                            "start" => "validity_start",
                            "end" => "validity_end",
                            _ => continue,
                        };
                        let v = v.trim().to_string();
                        let parsed = parse_date(&v);
                        let ctx = self.ctx();
                        ctx.insert(key.into(), Value::String(v));
                        ctx.insert(format!("{key}_parsed").into(), date_value(parsed));
                    }
                }
            }
            "category" | "keywords" | "dc_subject" | "itunes_category" | "media_category" => {
                let Some(value) = self.pop("category", true).filter(|v| !v.is_empty()) else {
                    return true;
                };
                let ctx = self.ctx();
                let last_term_empty = match ctx.get_mut("tags") {
                    Some(Value::Array(tags)) => match tags.last_mut() {
                        Some(Value::Object(last)) if !truthy(last.get("term")) => {
                            last.insert("term".into(), Value::String(value.clone()));
                            true
                        }
                        _ => false,
                    },
                    _ => false,
                };
                if !last_term_empty {
                    self.add_tag(Some(value), None, None);
                }
            }
            "itunes_keywords" => {
                let value = self.pop("itunes_keywords", true).unwrap_or_default();
                for term in value.split(',').map(str::trim).filter(|t| !t.is_empty()) {
                    self.add_tag(
                        Some(term.to_string()),
                        Some("http://www.itunes.com/".into()),
                        None,
                    );
                }
            }
            "tags" => {
                let value = self.pop("tags", true).unwrap_or_default();
                for term in value.split(',') {
                    self.add_tag(Some(term.trim().to_string()), None, None);
                }
            }
            "link" => {
                self.pop("link", true);
            }
            "guid" | "id" => {
                let value = self.pop("id", true).unwrap_or_default();
                let islink = self.guidislink && !self.ctx().contains_key("link");
                self.save("guidislink", Value::Bool(islink), false);
                if self.guidislink {
                    self.save("link", Value::String(value), false);
                }
            }
            "title" | "dc_title" | "media_title" => {
                if self.svg_ok > 0 {
                    return false;
                }
                let before = self.title_depth;
                let value = self.pop_content("title");
                if value.is_some_and(|v| !v.is_empty()) {
                    self.title_depth = self.depth;
                }
                if name == "media_title" {
                    // A media title is a fallback: it must not shadow the item's own title.
                    self.title_depth = before;
                }
            }
            "description" | "dc_description" | "media_description" | "abstract" => {
                if self.summary_key == Some("content") {
                    self.end_content();
                } else {
                    self.pop_content("description");
                }
                self.summary_key = None;
            }
            "info" | "feedburner_browserfriendly" => {
                self.pop_content("info");
            }
            "generator" => {
                let value = self.pop("generator", true).unwrap_or_default();
                if let Some(Value::Object(d)) = self.ctx().get_mut("generator_detail") {
                    d.insert("name".into(), Value::String(value));
                }
            }
            "summary" | "itunes_summary" => {
                if self.summary_key == Some("content") {
                    self.end_content();
                } else {
                    let key = self.summary_key.unwrap_or("summary");
                    self.pop_content(key);
                }
                self.summary_key = None;
            }
            "source" => {
                self.insource = false;
                let value = self.pop("source", true);
                if let Some(v) = value.filter(|v| !v.is_empty()) {
                    self.source.insert("title".into(), Value::String(v));
                }
                let source = std::mem::take(&mut self.source);
                self.ctx().insert("source".into(), Value::Object(source));
            }
            "content" | "body" | "xhtml_body" | "content_encoded" | "fullitem" => {
                self.end_content()
            }
            "newlocation" => {
                let url = self.pop("newlocation", true).unwrap_or_default();
                if matches!(self.ctx_kind(), Ctx::Feed) {
                    let resolved = safe_join(&self.baseuri, url.trim());
                    self.feed
                        .insert("newlocation".into(), Value::String(resolved));
                }
            }
            "itunes_owner" => {
                self.pop("publisher", true);
                self.inpublisher = false;
                self.sync_author_detail("publisher");
            }
            "itunes_block" => {
                let value = self.pop("itunes_block", false).unwrap_or_default();
                let v = i64::from(value == "yes" || value == "Yes");
                self.ctx().insert("itunes_block".into(), Value::from(v));
            }
            "itunes_explicit" => {
                let value = self.pop("itunes_explicit", false).unwrap_or_default();
                let v = match value.as_str() {
                    "yes" | "true" => Value::Bool(true),
                    "clean" | "false" | "no" => Value::Bool(false),
                    _ => Value::Null,
                };
                self.ctx().insert("itunes_explicit".into(), v);
            }
            "media_thumbnail" => {
                let url = self.pop("url", true).unwrap_or_default();
                if let Some(Value::Array(list)) = self.ctx().get_mut("media_thumbnail")
                    && let Some(Value::Object(last)) = list.last_mut()
                    && !url.is_empty()
                    && !last.contains_key("url")
                {
                    last.insert("url".into(), Value::String(url));
                }
            }
            "media_credit" => {
                let value = self.pop("credit", true).unwrap_or_default();
                if let Some(Value::Array(list)) = self.ctx().get_mut("media_credit")
                    && let Some(Value::Object(last)) = list.last_mut()
                {
                    last.insert("content".into(), Value::String(value));
                }
            }
            "media_player" => {
                let value = self.pop("media_player", true).unwrap_or_default();
                if let Some(Value::Object(p)) = self.ctx().get_mut("media_player") {
                    p.insert("content".into(), Value::String(value));
                }
            }
            "media_group" => {}
            "creativecommons_license" => {
                let value = self.pop("license", true).unwrap_or_default();
                let mut d = Dict::new();
                d.insert("rel".into(), Value::String("license".into()));
                d.insert("href".into(), Value::String(value));
                list_push(self.ctx(), "links", Value::Object(d));
                self.ctx().remove("license");
            }
            "georss_point" | "georss_line" | "georss_polygon" | "georss_box" => {
                let value = self.pop("geometry", true).unwrap_or_default();
                let geometry = crate::geo::georss(name, &value);
                let ctx = self.ctx();
                match geometry {
                    Some(g) => {
                        let w = child_dict(ctx, "where");
                        w.extend(g);
                    }
                    None => {
                        ctx.remove("where");
                    }
                }
            }
            "where" | "georss_where" => {
                self.pop("where", true);
            }
            "gml_point" | "gml_linestring" | "gml_polygon" | "gml_exterior" | "gml_linearring" => {
                self.pop("geometry", true);
            }
            "gml_pos" | "gml_poslist" => {
                let value = self.pop("pos", true).unwrap_or_default();
                let ctx = self.ctx();
                let w = child_dict(ctx, "where");
                crate::geo::gml_pos(w, &value, name == "gml_poslist");
            }
            "psc_chapters" => {
                self.pop("psc_chapters", true);
            }
            _ => return false,
        }
        true
    }

    fn elementstack_set(&mut self, value: String) {
        if let Some(top) = self.stack.last_mut() {
            top.pieces = vec![value];
        }
    }

    fn cdf_common(&mut self, attrs: &[(String, String)]) {
        let get = |k: &str| attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
        if let Some(lastmod) = get("lastmod") {
            self.push("updated", true);
            self.elementstack_set(lastmod);
            self.end_date("updated");
        }
        if let Some(href) = get("href") {
            self.start_link(&mut Vec::new());
            self.elementstack_set(href);
            self.pop("link", true);
        }
    }

    fn start_link(&mut self, attrs: &mut Vec<(String, String)>) {
        let get = |attrs: &Vec<(String, String)>, k: &str| {
            attrs.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone())
        };
        if get(attrs, "rel").is_none() {
            attrs.push(("rel".into(), "alternate".into()));
        }
        if get(attrs, "type").is_none() {
            let kind = if get(attrs, "rel").as_deref() == Some("self") {
                "application/atom+xml"
            } else {
                "text/html"
            };
            attrs.push(("type".into(), kind.into()));
        }
        enforce_href(attrs);
        if let Some(href) = get(attrs, "href") {
            let resolved = self.resolve_uri(&href);
            set_attr(attrs, "href", resolved);
        }
        let expecting = self.infeed || self.inentry || self.insource;
        let d = attrs_dict(attrs);
        let skip = self.inentry && self.inimage;
        let ctx = self.ctx();
        if !ctx.contains_key("links") {
            ctx.insert("links".into(), Value::Array(Vec::new()));
        }
        if !skip {
            list_push(ctx, "links", Value::Object(d));
        }
        match get(attrs, "href") {
            Some(href) => {
                let alternate = get(attrs, "rel").as_deref() == Some("alternate");
                let html = matches!(
                    map_content_type(&get(attrs, "type").unwrap_or_default()).as_str(),
                    "text/html" | XHTML
                );
                if alternate && html {
                    self.ctx().insert("link".into(), Value::String(href));
                }
            }
            None => self.push("link", expecting),
        }
    }

    fn start_content(&mut self, attrs: &[(String, String)]) {
        self.has_content = true;
        self.push_content("content", attrs, "text/plain", true);
        if let Some((_, src)) = attrs.iter().find(|(n, _)| n == "src")
            && !src.is_empty()
        {
            self.content.src = Some(src.clone());
        }
    }

    fn end_content(&mut self) {
        let kind = map_content_type(&self.content.kind);
        let copy_to_summary = matches!(kind.as_str(), "text/plain" | "text/html" | XHTML);
        let value = self.pop_content("content");
        if copy_to_summary && let Some(v) = value {
            self.save("summary", Value::String(v), false);
        }
    }

    fn end_date(&mut self, element: &str) {
        let value = self.pop(element, true).unwrap_or_default();
        let parsed = parse_date(&value);
        self.save(&format!("{element}_parsed"), date_value(parsed), true);
    }

    // ----- the element stack --------------------------------------------------------------

    fn push(&mut self, element: &str, expecting_text: bool) {
        self.stack.push(Open {
            element: element.to_string(),
            expecting_text,
            pieces: Vec::new(),
            plain_only: true,
        });
    }

    fn push_content(
        &mut self,
        tag: &str,
        attrs: &[(String, String)],
        default_type: &str,
        expecting_text: bool,
    ) {
        self.incontent += 1;
        if let Some(l) = &self.lang
            && l.contains('_')
        {
            self.lang = Some(Rc::from(l.replace('_', "-")));
        }
        let declared = attrs
            .iter()
            .find(|(n, _)| n == "type")
            .map_or(default_type, |(_, v)| v.as_str());
        let kind = map_content_type(declared);
        let mode_base64 = attrs.iter().any(|(n, v)| n == "mode" && v == "base64");
        let base64 = mode_base64
            || !(kind.starts_with("text/") || kind.ends_with("+xml") || kind.ends_with("/xml"));
        self.content = ContentParams {
            kind,
            language: self.lang.as_deref().map(str::to_string),
            base: self.baseuri.to_string(),
            base64,
            src: None,
        };
        self.push(tag, expecting_text);
    }

    fn pop_content(&mut self, tag: &str) -> Option<String> {
        let value = self.pop(tag, true);
        self.incontent = self.incontent.saturating_sub(1);
        self.content = ContentParams::default();
        value
    }

    /// Closes `element` and stores its text where it belongs; returns the text.
    fn pop(&mut self, element: &str, strip_whitespace: bool) -> Option<String> {
        if self.stack.last().is_none_or(|top| top.element != element) {
            return None;
        }
        let open = self.stack.pop()?;
        let mut pieces = open.pieces;
        if self.version == "atom10" && self.content.kind == XHTML {
            unwrap_xhtml_div(&mut pieces);
        }
        let mut output = if pieces.len() == 1 {
            pieces.pop().unwrap_or_default()
        } else {
            pieces.concat()
        };
        if strip_whitespace {
            trim_in_place(&mut output);
        }
        if !open.expecting_text {
            return Some(output);
        }
        let element = open.element;
        if self.content.base64
            && let Some(decoded) = decode_base64(&output)
        {
            output = decoded;
        }
        if CAN_BE_RELATIVE_URI.contains(&element.as_str())
            && !output.is_empty()
            && (element != "id" || self.guidislink)
        {
            output = self.resolve_uri(&output);
        }
        if !self.version.starts_with("atom")
            && self.content.kind == "text/plain"
            && looks_like_html(&output)
        {
            self.content.kind = "text/html".into();
        }
        self.content.base64 = false;
        let kind = if self.content.kind.is_empty() {
            "text/html".to_string()
        } else {
            map_content_type(&self.content.kind)
        };
        let is_htmlish = kind == "text/html" || kind == XHTML;
        if is_htmlish && CAN_CONTAIN_MARKUP.contains(&element.as_str()) {
            let options = HtmlOptions {
                base: if self.options.resolve_relative_uris {
                    &self.baseuri
                } else {
                    ""
                },
                sanitize: self.options.sanitize,
                xhtml: kind == XHTML,
            };
            // Without sanitizing, only markup with a base to resolve against needs rewriting.
            let rewrite = self.options.sanitize
                || (!options.base.is_empty() && output.contains('<') && output.contains('='));
            if rewrite {
                output = clean_html(&output, options);
            }
        }
        // U+0080–U+00FF are the only code points whose UTF-8 starts with 0xC2 or 0xC3.
        let latin1_range = output.bytes().any(|b| b == 0xC2 || b == 0xC3);
        // The document is UTF-8 by now, so UTF-8 read as Latin-1 upstream can be repaired.
        if latin1_range {
            output = fix_double_utf8(output);
        }
        if latin1_range && output.chars().any(|c| ('\u{80}'..='\u{9f}').contains(&c)) {
            output = output
                .chars()
                .map(|c| crate::cp1252(u32::from(c)).unwrap_or(c))
                .collect();
        }
        if matches!(element.as_str(), "category" | "tags" | "itunes_keywords") {
            return Some(output);
        }
        if element == "title" && self.title_depth > -1 && self.title_depth <= self.depth {
            return Some(output);
        }
        // Values are copied into the model only where they are stored.
        if self.inentry && !self.insource {
            let in_content = self.incontent > 0;
            let depth = self.depth;
            let Some(entry) = self.entries.last_mut() else {
                return Some(output);
            };
            if element == "content" {
                list_push(entry, "content", self.content.to_dict(&output));
            } else if element == "link" {
                let last_rel = match entry.get("links") {
                    Some(Value::Array(links)) => links
                        .last()
                        .and_then(|l| l.get("rel"))
                        .and_then(Value::as_str)
                        .map(str::to_string),
                    _ => None,
                };
                // An enclosure's text must not replace the alternate link already found.
                let takes_link = last_rel.as_deref().is_none_or(|r| r == "alternate")
                    || !entry.contains_key("link");
                if !self.inimage {
                    let fixed = fix_query_entities(&output.replace("&amp;", "&"));
                    if takes_link {
                        entry.insert("link".into(), Value::String(fixed.clone()));
                    }
                    if !fixed.is_empty()
                        && let Some(Value::Array(links)) = entry.get_mut("links")
                        && let Some(Value::Object(last)) = links.last_mut()
                    {
                        last.insert("href".into(), Value::String(fixed));
                    }
                }
            } else {
                let key = if element == "description" {
                    "summary".to_string()
                } else {
                    element
                };
                let slot = self.entry_depths.iter_mut().find(|(k, _)| *k == key);
                let replace = slot.as_ref().is_none_or(|(_, old)| depth <= *old);
                if replace {
                    match slot {
                        Some(slot) => slot.1 = depth,
                        None => self.entry_depths.push((key.clone(), depth)),
                    }
                    entry.set(&key, Value::String(output.clone()));
                }
                if in_content {
                    entry.set(&detail_key(&key), self.content.to_dict(&output));
                }
            }
        } else if self.infeed || self.insource {
            let detail = (self.incontent > 0).then(|| self.content.to_dict(&output));
            let key = if element == "description" {
                "subtitle".to_string()
            } else {
                element
            };
            let ctx = self.ctx();
            if key == "link" {
                let fixed = fix_query_entities(&output);
                ctx.insert("link".into(), Value::String(fixed.clone()));
                if let Some(Value::Array(links)) = ctx.get_mut("links")
                    && let Some(Value::Object(last)) = links.last_mut()
                {
                    last.insert("href".into(), Value::String(fixed));
                }
            } else {
                ctx.set(&key, Value::String(output.clone()));
                if let Some(detail) = detail {
                    ctx.set(&detail_key(&key), detail);
                }
            }
        }
        Some(output)
    }

    fn resolve_uri(&self, uri: &str) -> String {
        join_url(&self.baseuri, uri)
    }

    fn save(&mut self, key: &str, value: Value, overwrite: bool) {
        let ctx = self.ctx();
        if overwrite || !ctx.contains_key(key) {
            ctx.set(key, value);
        }
    }

    fn save_author(&mut self, key: &str, value: String, prefix: &str) {
        let ctx = self.ctx();
        child_dict(ctx, &format!("{prefix}_detail")).set(key, Value::String(value.clone()));
        self.sync_author_detail("author");
        set_on_last_person(self.ctx(), "authors", key, value);
    }

    fn save_contributor(&mut self, key: &str, value: String) {
        set_on_last_person(self.ctx(), "contributors", key, value);
    }

    /// Keeps `author` (a display string) and `author_detail` (name, email) in step.
    fn sync_author_detail(&mut self, key: &'static str) {
        let ctx = self.ctx();
        let detail = match ctx.get(&format!("{key}s")) {
            Some(Value::Array(list)) => list.last().and_then(Value::as_object).cloned(),
            _ => None,
        }
        .unwrap_or_default();
        if !detail.is_empty() {
            let name = detail.get("name").and_then(Value::as_str).unwrap_or("");
            let email = detail.get("email").and_then(Value::as_str).unwrap_or("");
            let display = match (name.is_empty(), email.is_empty()) {
                (false, false) => format!("{name} ({email})"),
                (false, true) => name.to_string(),
                (true, false) => email.to_string(),
                (true, true) => return,
            };
            ctx.insert(key.into(), Value::String(display));
            return;
        }
        let Some(author) = ctx.get(key).and_then(Value::as_str).map(str::to_string) else {
            return;
        };
        if author.is_empty() {
            return;
        }
        let (name, email) = split_author(&author);
        if name.is_none() && email.is_none() {
            return;
        }
        let mut detail = Dict::new();
        if let Some(n) = name {
            detail.insert("name".into(), Value::String(n));
        }
        if let Some(e) = email {
            detail.insert("email".into(), Value::String(e));
        }
        // The parsed name also completes the last entry of the list (`authors[-1]`).
        if let Some(Value::Array(list)) = ctx.get_mut(&format!("{key}s"))
            && let Some(Value::Object(last)) = list.last_mut()
        {
            last.extend(detail.clone());
        }
        let detail_key = format!("{key}_detail");
        if !ctx.contains_key(&detail_key) {
            ctx.insert(detail_key.into(), Value::Object(detail));
        }
    }

    fn add_tag(&mut self, term: Option<String>, scheme: Option<String>, label: Option<String>) {
        let ctx = self.ctx();
        if !ctx.contains_key("tags") {
            ctx.insert("tags".into(), Value::Array(Vec::new()));
        }
        let empty = |v: &Option<String>| v.as_deref().is_none_or(str::is_empty);
        if empty(&term) && empty(&scheme) && empty(&label) {
            return;
        }
        let opt = |v: Option<String>| v.map_or(Value::Null, Value::String);
        let mut d = Dict::new();
        d.insert("term".into(), opt(term));
        d.insert("scheme".into(), opt(scheme));
        d.insert("label".into(), opt(label));
        let value = Value::Object(d);
        if let Some(Value::Array(tags)) = ctx.get_mut("tags")
            && !tags.contains(&value)
        {
            tags.push(value);
        }
    }
}

/// The nested dictionary under `key`, created (or replaced, if it held something else).
pub fn child_dict<'d>(parent: &'d mut Dict, key: &str) -> &'d mut Dict {
    let slot = parent.get_or_insert_with(key, || Value::Object(Dict::new()));
    if !slot.is_object() {
        *slot = Value::Object(Dict::new());
    }
    match slot {
        Value::Object(d) => d,
        _ => unreachable_dict(),
    }
}

/// Never reached (the slot was just made an object); returns a leaked empty map rather than
/// panicking, to keep the no-panic guarantee without `unreachable!`.
fn unreachable_dict() -> &'static mut Dict {
    Box::leak(Box::new(Dict::new()))
}

fn list_push(ctx: &mut Dict, key: &str, value: Value) {
    let slot = ctx.get_or_insert_with(key, || Value::Array(Vec::new()));
    if !slot.is_array() {
        *slot = Value::Array(Vec::new());
    }
    if let Value::Array(list) = slot {
        list.push(value);
    }
}

fn truthy(v: Option<&Value>) -> bool {
    match v {
        None | Some(Value::Null) => false,
        Some(Value::String(s)) => !s.is_empty(),
        Some(_) => true,
    }
}

fn attrs_dict(attrs: &[(String, String)]) -> Dict {
    attrs
        .iter()
        .map(|(k, v)| (k.clone(), Value::String(v.clone())))
        .collect()
}

fn set_attr(attrs: &mut Vec<(String, String)>, key: &str, value: String) {
    match attrs.iter_mut().find(|(k, _)| k == key) {
        Some(slot) => slot.1 = value,
        None => attrs.push((key.to_string(), value)),
    }
}

/// `url=` / `uri=` become `href=`.
fn enforce_href(attrs: &mut Vec<(String, String)>) {
    let get = |attrs: &Vec<(String, String)>, k: &str| {
        attrs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .filter(|v| !v.is_empty())
    };
    let href = get(attrs, "url")
        .or_else(|| get(attrs, "uri"))
        .or_else(|| get(attrs, "href"));
    if let Some(href) = href {
        attrs.retain(|(k, _)| k != "url" && k != "uri");
        set_attr(attrs, "href", href);
    }
}

pub fn map_content_type(kind: &str) -> String {
    let lower = kind.to_ascii_lowercase();
    match lower.as_str() {
        "text" | "plain" => "text/plain".into(),
        "html" => "text/html".into(),
        "xhtml" => XHTML.into(),
        _ => lower,
    }
}

fn date_value(parsed: Option<chrono::DateTime<chrono::Utc>>) -> Value {
    parsed.map_or(Value::Null, |d| {
        Value::String(crate::dates::rfc3339_utc(&d))
    })
}

/// Atom 1.0 XHTML content comes wrapped in one `<div>`: drop it when it wraps everything.
fn unwrap_xhtml_div(pieces: &mut Vec<String>) {
    while pieces.len() > 1 && pieces.last().is_some_and(|p| p.trim().is_empty()) {
        pieces.pop();
    }
    while pieces.len() > 1 && pieces.first().is_some_and(|p| p.trim().is_empty()) {
        pieces.remove(0);
    }
    let wraps = pieces
        .first()
        .is_some_and(|p| p == "<div>" || p.starts_with("<div "))
        && pieces.last().is_some_and(|p| p == "</div>");
    if !wraps {
        return;
    }
    let mut depth = 0;
    for piece in &pieces[..pieces.len() - 1] {
        if piece.starts_with("</") {
            depth -= 1;
            if depth == 0 {
                return;
            }
        } else if piece.starts_with('<') && !piece.ends_with("/>") {
            depth += 1;
        }
    }
    pieces.pop();
    pieces.remove(0);
}

fn decode_base64(s: &str) -> Option<String> {
    let mut bits: u32 = 0;
    let mut nbits = 0;
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    for c in s.bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            c if c.is_ascii_whitespace() => continue,
            _ => return None,
        };
        bits = (bits << 6) | u32::from(v);
        nbits += 6;
        if nbits >= 8 {
            nbits -= 8;
            out.push((bits >> nbits) as u8);
            bits &= (1 << nbits) - 1;
        }
    }
    String::from_utf8(out).ok()
}

/// Text that was UTF-8, misread as Latin-1 and re-encoded ("Ã©" for "é") is repaired.
fn fix_double_utf8(s: String) -> String {
    if s.chars().any(|c| u32::from(c) > 0xFF) {
        return s;
    }
    let bytes: Vec<u8> = s.chars().map(|c| u32::from(c) as u8).collect();
    String::from_utf8(bytes).unwrap_or(s)
}

/// `?a=1&b;=2` (query variables mistaken for entities) back to `?a=1&b=2`.
fn fix_query_entities(s: &str) -> String {
    if !s.contains('&') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..=i]);
        let tail = &rest[i + 1..];
        let len = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        if len > 0 && tail[len..].starts_with(';') {
            out.push_str(&tail[..len]);
            rest = &tail[len + 1..];
        } else {
            rest = tail;
        }
    }
    out.push_str(rest);
    out
}

/// Plain text that is really HTML: has an end tag or a reference, and only known HTML tags
/// and entities.
fn looks_like_html(s: &str) -> bool {
    let has_end_tag = s.match_indices("</").any(|(i, _)| {
        let rest = &s[i + 2..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        len > 0 && rest[len..].starts_with('>')
    });
    let has_reference = s.match_indices('&').any(|(i, _)| {
        let rest = &s[i + 1..];
        let rest = rest.strip_prefix('#').unwrap_or(rest);
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        len > 0 && rest[len..].starts_with(';')
    });
    if !has_end_tag && !has_reference {
        return false;
    }
    for (i, _) in s.match_indices('<') {
        let rest = &s[i + 1..];
        let rest = rest.strip_prefix('/').unwrap_or(rest);
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0 && !crate::html::is_acceptable_element(&rest[..len].to_ascii_lowercase()) {
            return false;
        }
    }
    for (i, _) in s.match_indices('&') {
        let rest = &s[i + 1..];
        let len = rest
            .find(|c: char| !(c.is_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len > 0
            && rest[len..].starts_with(';')
            && crate::entities::html_entity(&rest[..len]).is_none()
        {
            return false;
        }
    }
    true
}

/// `Jane Doe (jane@example.com)` → name and email.
fn split_author(author: &str) -> (Option<String>, Option<String>) {
    let Some(at) = author.find('@') else {
        return (Some(author.to_string()), None);
    };
    let is_local = |c: char| c.is_ascii_alphanumeric() || "_-.+".contains(c);
    let is_domain = |c: char| c.is_ascii_alphanumeric() || "-.[]".contains(c);
    // The email starts after the last character that cannot be in its local part (which may
    // be several bytes long).
    let start = author[..at]
        .char_indices()
        .rfind(|&(_, c)| !is_local(c))
        .map_or(0, |(i, c)| i + c.len_utf8());
    let mut end = at
        + 1
        + author[at + 1..]
            .find(|c: char| !is_domain(c))
            .unwrap_or(author.len() - at - 1);
    if author[end..].starts_with("?subject=") {
        end += author[end..]
            .find(char::is_whitespace)
            .unwrap_or(author.len() - end);
    }
    let email = author[start..end].trim_end_matches('.').to_string();
    if start == at || !email[at - start + 1..].contains('.') {
        return (Some(author.to_string()), None);
    }
    let mut name = author.replacen(&email, "", 1);
    for junk in ["()", "<>", "&lt;&gt;"] {
        name = name.replace(junk, "");
    }
    let mut name = name.trim().to_string();
    if name.starts_with('(') {
        name.remove(0);
    }
    if name.ends_with(')') {
        name.pop();
    }
    let name = name.trim().to_string();
    ((!name.is_empty()).then_some(name), Some(email))
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn xml_escape_attr(s: &str) -> String {
    xml_escape(s).replace('"', "&quot;")
}

/// Adds the keys feedparser computes on access: `enclosures` (links with rel `enclosure`) and
/// `license` (the first link with rel `license`).
pub fn add_derived_keys(d: &mut Dict) {
    let Some(Value::Array(links)) = d.get("links") else {
        return;
    };
    let rel = |l: &Value| l.get("rel").and_then(Value::as_str).map(str::to_string);
    let enclosures: Vec<Value> = links
        .iter()
        .filter(|l| rel(l).as_deref() == Some("enclosure"))
        .map(|l| {
            let mut e = l.as_object().cloned().unwrap_or_default();
            e.remove("rel");
            Value::Object(e)
        })
        .collect();
    let license = links
        .iter()
        .find(|l| rel(l).as_deref() == Some("license") && l.get("href").is_some())
        .and_then(|l| l.get("href").cloned());
    if !enclosures.is_empty() {
        d.insert("enclosures".into(), Value::Array(enclosures));
    }
    if let Some(license) = license {
        d.insert("license".into(), license);
    }
}

fn trim_in_place(s: &mut String) {
    let end = s.trim_end().len();
    s.truncate(end);
    let start = s.len() - s.trim_start().len();
    if start > 0 {
        s.drain(..start);
    }
}

/// Sets `key` on the last person of the `list` (`authors`, `contributors`), starting the list
/// with one person if there is none.
fn set_on_last_person(ctx: &mut Dict, list: &str, key: &str, value: String) {
    if !ctx.contains_key(list) {
        ctx.set(list, Value::Array(vec![Value::Object(Dict::new())]));
    }
    if let Some(Value::Array(people)) = ctx.get_mut(list)
        && let Some(Value::Object(last)) = people.last_mut()
    {
        last.set(key, Value::String(value));
    }
}

/// `title` → `title_detail`: the key of a text construct's detail object.
fn detail_key(key: &str) -> Key {
    match key {
        "title" => "title_detail".into(),
        "summary" => "summary_detail".into(),
        "subtitle" => "subtitle_detail".into(),
        "rights" => "rights_detail".into(),
        "info" => "info_detail".into(),
        _ => format!("{key}_detail").into(),
    }
}
