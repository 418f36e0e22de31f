//! Reply notifications by email: the job that works through the store's queue and sends over
//! SMTP with lettre. The web layer only queues (through the store); this job is the only code
//! that reads a commenter's address back, and only to write to it.
//!
//! Rules: nothing to an unsubscribed address; one mail, with a confirmation link, to an address
//! that has not confirmed, and nothing more until it does; every mail has a one-click
//! unsubscribe link and `List-Unsubscribe` headers. Names, titles and addresses go through
//! lettre's typed headers, so no value can add a header line.

use lettre::message::header::{
    ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, Message};
use lettre::{AsyncSmtpTransport, AsyncTransport, Tokio1Executor};
use linkx_core::config::SmtpConfig;
use linkx_store::{NotificationJob, NotificationOutcome, Store};
use linkx_web::keys::Keys;
use std::collections::HashSet;

/// A failed send is retried this many times in all, with growing pauses.
const MAX_ATTEMPTS: i64 = 5;
const BATCH: i64 = 50;

pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    base_url: String,
    keys: Keys,
}

#[derive(Debug, Default, PartialEq, Eq)]
pub struct MailRound {
    pub sent: usize,
    pub skipped: usize,
    pub failed: usize,
}

impl Mailer {
    /// A mailer for `[smtp]`, or `None` when no SMTP server is configured.
    pub async fn from_config(
        smtp: &SmtpConfig,
        base_url: &str,
        store: &Store,
    ) -> anyhow::Result<Option<Mailer>> {
        let (Some(url), Some(from)) = (&smtp.url, &smtp.from) else {
            return Ok(None);
        };
        let _ = rustls::crypto::ring::default_provider().install_default();
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("smtp.url: {e}"))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from: Mailbox = from
            .parse()
            .map_err(|e| anyhow::anyhow!("smtp.from {from:?}: {e}"))?;
        let secret = store
            .secret("site", &linkx_web::keys::random_hex(32))
            .await?;
        Ok(Some(Mailer {
            transport,
            from,
            base_url: base_url.trim_end_matches('/').to_string(),
            keys: Keys::from_secret(&secret),
        }))
    }

    /// Sends (or settles) every mail due at `now`.
    pub async fn send_due(&self, store: &Store, now: i64) -> anyhow::Result<MailRound> {
        let mut round = MailRound::default();
        // Within one round the store's "one unconfirmed mail sent" flag lags behind: remember.
        let mut unconfirmed_sent: HashSet<String> = HashSet::new();
        for job in store.due_notifications(now, BATCH).await? {
            let outcome = if !job.reply_visible {
                NotificationOutcome::Skipped("the reply is no longer shown".into())
            } else if job.unsubscribed {
                NotificationOutcome::Skipped("unsubscribed".into())
            } else if !job.confirmed
                && (job.unconfirmed_mail_sent || unconfirmed_sent.contains(&job.recipient_key))
            {
                NotificationOutcome::Skipped("address not confirmed after the first mail".into())
            } else {
                match compose(&job, &self.from, &self.base_url, &self.keys) {
                    Err(e) => NotificationOutcome::Failed(e),
                    Ok(message) => match self.transport.send(message).await {
                        Ok(_) => {
                            if !job.confirmed {
                                unconfirmed_sent.insert(job.recipient_key.clone());
                            }
                            NotificationOutcome::Sent {
                                unconfirmed: !job.confirmed,
                            }
                        }
                        Err(e) if job.attempts + 1 >= MAX_ATTEMPTS || e.is_permanent() => {
                            NotificationOutcome::Failed(e.to_string())
                        }
                        Err(e) => NotificationOutcome::Retry {
                            error: e.to_string(),
                            at: now + 60 * 4_i64.pow(job.attempts.clamp(0, 4) as u32),
                        },
                    },
                }
            };
            match &outcome {
                NotificationOutcome::Sent { .. } => round.sent += 1,
                NotificationOutcome::Skipped(_) => round.skipped += 1,
                NotificationOutcome::Retry { error, .. } | NotificationOutcome::Failed(error) => {
                    tracing::warn!(notification = job.id, %error, "reply mail not sent");
                    round.failed += 1;
                }
            }
            store.finish_notification(&job, &outcome, now).await?;
        }
        Ok(round)
    }
}

macro_rules! text_header {
    ($name:ident, $header:literal) => {
        #[derive(Debug, Clone)]
        struct $name(String);

        impl Header for $name {
            fn name() -> HeaderName {
                HeaderName::new_from_ascii_str($header)
            }

            fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
                Ok($name(s.to_string()))
            }

            fn display(&self) -> HeaderValue {
                HeaderValue::new(Self::name(), self.0.clone())
            }
        }
    };
}

text_header!(ListUnsubscribe, "List-Unsubscribe");
text_header!(ListUnsubscribePost, "List-Unsubscribe-Post");

/// One line, without control characters: nothing from a comment or a feed can start a header.
fn one_line(s: &str) -> String {
    s.split(|c: char| c.is_control())
        .filter(|p| !p.trim().is_empty())
        .map(str::trim)
        .collect::<Vec<_>>()
        .join(" ")
}

/// The mail for one job.
pub fn compose(
    job: &NotificationJob,
    from: &Mailbox,
    base_url: &str,
    keys: &Keys,
) -> Result<Message, String> {
    let address = job
        .recipient_email
        .parse()
        .map_err(|e| format!("recipient address: {e}"))?;
    let to = Mailbox::new(Some(one_line(&job.recipient_name)), address);
    let token = linkx_web::comments::notify_token(keys, &job.recipient_key);
    let query: String = url::form_urlencoded::Serializer::new(String::new())
        .append_pair("t", &token)
        .finish();
    let unsubscribe = format!("{base_url}/notify/unsubscribe?{query}");
    let confirm = format!("{base_url}/notify/confirm?{query}");
    let page = format!(
        "{base_url}/a/{}/{}#comment-{}",
        job.article_id, job.article_slug, job.reply_id
    );
    let title = one_line(&job.article_title);
    let reply_author = one_line(&job.reply_author);
    let quoted: String = job.reply_text.lines().map(|l| format!("> {l}\n")).collect();
    let mut body = format!(
        "{reply_author} replied to your comment on “{title}”:\n\n{quoted}\nRead the thread and reply:\n{page}\n\n"
    );
    if !job.confirmed {
        body.push_str(&format!(
            "You get this email because you asked to be notified of replies when you commented. \
             To keep getting these emails, confirm your address:\n{confirm}\n\
             Until you do, this is the only email we send you.\n\n"
        ));
    }
    body.push_str(&format!(
        "No more emails about replies, in one click:\n{unsubscribe}\n"
    ));
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("New reply to your comment on “{title}”"))
        .header(ListUnsubscribe(format!("<{unsubscribe}>")))
        .header(ListUnsubscribePost("List-Unsubscribe=One-Click".into()))
        .header(ContentType::TEXT_PLAIN)
        // Quoted-printable keeps long links intact through any relay, 8BITMIME or not.
        .body(
            Body::new_with_encoding(body, ContentTransferEncoding::QuotedPrintable)
                .map_err(|_| "cannot encode the message body".to_string())?,
        )
        .map_err(|e| format!("cannot build the message: {e}"))
}
