//! Sending email with lettre: SMTP (STARTTLS, implicit TLS, or plain to loopback only), a pooled
//! transport, every send bounded by a timeout. Without an SMTP host, mail is written as .eml files.

use std::{path::PathBuf, time::Duration};

use lettre::{
    AsyncFileTransport, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{PoolConfig, authentication::Credentials},
};
use secrecy::ExposeSecret;

use super::{
    EmailAddress,
    templates::{RenderedEmail, Templates},
};
use crate::config::{Settings, SmtpTls};

enum Transport {
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    Files {
        transport: AsyncFileTransport<Tokio1Executor>,
        dir: PathBuf,
    },
}

pub struct Mailer {
    transport: Transport,
    templates: Templates,
    from: Mailbox,
    timeout: Duration,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("invalid email: {0}")]
    Invalid(String),
    #[error("sending failed: {0}")]
    Send(String),
    #[error("sending timed out after {0:?}")]
    Timeout(Duration),
}

impl Mailer {
    pub fn from_settings(s: &Settings) -> anyhow::Result<Mailer> {
        let from: Mailbox = s.mail_from.parse()?;
        let timeout = Duration::from_secs(s.smtp_timeout_secs.max(1));
        let transport = if s.smtp_host.is_empty() {
            let dir = s.data_dir.join("mail");
            std::fs::create_dir_all(&dir)?;
            tracing::info!(dir = %dir.display(), "no SMTP server configured: emails are written as .eml files");
            Transport::Files {
                transport: AsyncFileTransport::new(&dir),
                dir,
            }
        } else {
            let builder = match s.smtp_tls {
                SmtpTls::Starttls => {
                    AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&s.smtp_host)?
                }
                SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&s.smtp_host)?,
                // Config validation allows this only to a loopback host.
                SmtpTls::None => {
                    AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(&s.smtp_host)
                }
            };
            let mut builder = builder
                .port(s.smtp_port)
                .timeout(Some(timeout))
                .pool_config(PoolConfig::new().max_size(s.smtp_pool_size.max(1)));
            if !s.smtp_username.is_empty() {
                builder = builder.credentials(Credentials::new(
                    s.smtp_username.clone(),
                    s.smtp_password.expose_secret().to_owned(),
                ));
            }
            Transport::Smtp(builder.build())
        };
        Ok(Mailer {
            transport,
            templates: Templates::load()?,
            from,
            timeout,
        })
    }

    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    /// Sends one email. `message_id` is stable per outbox job, so a receiver can recognise a resend.
    /// `unsubscribe`: the one-click URL (RFC 8058) of an email its recipient may turn off.
    pub async fn send(
        &self,
        to: &EmailAddress,
        mail: RenderedEmail,
        message_id: &str,
        unsubscribe: Option<&str>,
    ) -> Result<(), MailError> {
        let to: Mailbox = to
            .as_str()
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Invalid(e.to_string()))?;
        let mut builder = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject)
            .message_id(Some(format!("<{message_id}@social-jobs.almaty.kz>")));
        if let Some(url) = unsubscribe {
            use lettre::message::header::{HeaderName, HeaderValue};
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = builder
            .multipart(MultiPart::alternative_plain_html(mail.text, mail.html))
            .map_err(|e| MailError::Invalid(e.to_string()))?;
        let sending = async {
            match &self.transport {
                Transport::Smtp(t) => t
                    .send(message)
                    .await
                    .map(|_| ())
                    .map_err(|e| MailError::Send(e.to_string())),
                Transport::Files { transport, dir } => {
                    let id = transport
                        .send(message)
                        .await
                        .map_err(|e| MailError::Send(e.to_string()))?;
                    tracing::info!(file = %dir.join(format!("{id}.eml")).display(), "email written to a file");
                    Ok(())
                }
            }
        };
        // lettre's own timeout covers connecting only; this bounds the whole send.
        tokio::time::timeout(self.timeout, sending)
            .await
            .map_err(|_| MailError::Timeout(self.timeout))?
    }
}
