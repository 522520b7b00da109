//! Sending email with lettre: SMTP (STARTTLS, implicit TLS, or plain to loopback only) over a small
//! bounded pool of connections, every send bounded by a timeout. Without an SMTP host, mail is
//! written as .eml files.
//!
//! The pool is ours, not lettre's: lettre 0.11 opens its sockets without `TCP_NODELAY`, so each
//! message waits ~40 ms for the server's delayed ACK (Nagle), capping a connection at ~22
//! emails/s. Here the socket is opened with `TCP_NODELAY` and handed to lettre's
//! `AsyncSmtpConnection::connect_with_transport`, which then speaks SMTP (and STARTTLS) as usual.

use std::{
    io,
    net::SocketAddr,
    path::PathBuf,
    pin::Pin,
    sync::{Mutex, PoisonError},
    task::{Context, Poll},
    time::{Duration, Instant},
};

use lettre::{
    AsyncFileTransport, AsyncTransport, Message, Tokio1Executor,
    message::{Mailbox, MultiPart},
    transport::smtp::{
        Error as SmtpError,
        authentication::{Credentials, DEFAULT_MECHANISMS},
        client::{AsyncSmtpConnection, AsyncTokioStream, TlsParameters},
        extension::ClientId,
    },
};
use secrecy::ExposeSecret;
use tokio::{
    io::{AsyncRead, AsyncWrite, ReadBuf},
    net::TcpStream,
    sync::Semaphore,
};
use tokio_native_tls::native_tls;

use super::{
    EmailAddress,
    templates::{RenderedEmail, Templates},
};
use crate::config::{Settings, SmtpTls};

enum Transport {
    Smtp(SmtpPool),
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

impl From<SmtpError> for MailError {
    fn from(e: SmtpError) -> Self {
        MailError::Send(e.to_string())
    }
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
            Transport::Smtp(SmtpPool::new(s)?)
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
                Transport::Smtp(pool) => pool.send(&message).await,
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
        // Bounds the whole send: waiting for a pooled connection, connecting, and the dialogue.
        tokio::time::timeout(self.timeout, sending)
            .await
            .map_err(|_| MailError::Timeout(self.timeout))?
    }
}

/// An idle connection parked since an instant.
struct Parked {
    conn: AsyncSmtpConnection,
    since: Instant,
}

/// At most `smtp_pool_size` SMTP connections, open or in use; idle ones are reused. A connection
/// that failed is dropped (never parked), and a parked one must answer NOOP before it is reused.
/// Small on purpose: a semaphore and a list are all it takes (lettre's own pool opens its sockets
/// itself, without `TCP_NODELAY`).
struct SmtpPool {
    host: String,
    port: u16,
    credentials: Option<Credentials>,
    hello: ClientId,
    /// For STARTTLS (lettre upgrades the connection).
    starttls: Option<TlsParameters>,
    /// For implicit TLS (the stream is encrypted before lettre reads the greeting).
    tls_connector: Option<tokio_native_tls::TlsConnector>,
    slots: Semaphore,
    idle: Mutex<Vec<Parked>>,
}

/// Parked longer than this, a connection is closed instead of reused (lettre's default; servers
/// drop idle clients after a few minutes).
const IDLE_LIMIT: Duration = Duration::from_secs(60);

impl SmtpPool {
    fn new(s: &Settings) -> anyhow::Result<SmtpPool> {
        let tls_connector = match s.smtp_tls {
            // As lettre's `TlsParameters::new`: the system's roots, the host name checked, TLS 1.2 or newer.
            SmtpTls::Tls => Some(tokio_native_tls::TlsConnector::from(
                native_tls::TlsConnector::builder()
                    .min_protocol_version(Some(native_tls::Protocol::Tlsv12))
                    .build()?,
            )),
            // Config validation allows `none` only to a loopback host.
            SmtpTls::Starttls | SmtpTls::None => None,
        };
        let starttls = match s.smtp_tls {
            SmtpTls::Starttls => Some(TlsParameters::new(s.smtp_host.clone())?),
            SmtpTls::Tls | SmtpTls::None => None,
        };
        let credentials = (!s.smtp_username.is_empty()).then(|| {
            Credentials::new(
                s.smtp_username.clone(),
                s.smtp_password.expose_secret().to_owned(),
            )
        });
        Ok(SmtpPool {
            host: s.smtp_host.clone(),
            port: s.smtp_port,
            credentials,
            hello: ClientId::default(),
            starttls,
            tls_connector,
            slots: Semaphore::new(s.smtp_pool_size.max(1) as usize),
            idle: Mutex::new(Vec::new()),
        })
    }

    async fn send(&self, message: &Message) -> Result<(), MailError> {
        let _slot = self
            .slots
            .acquire()
            .await
            .map_err(|e| MailError::Send(e.to_string()))?;
        let mut conn = match self.reuse().await {
            Some(conn) => conn,
            None => self.connect().await?,
        };
        // On an error lettre has already sent QUIT and marked the connection broken; dropping it
        // closes the socket. A send cut short by the timeout drops it too.
        conn.send(message.envelope(), &message.formatted()).await?;
        if !conn.has_broken() {
            self.park(conn);
        }
        Ok(())
    }

    /// A parked connection that still answers, if there is one.
    async fn reuse(&self) -> Option<AsyncSmtpConnection> {
        loop {
            let parked = self
                .idle
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .pop()?;
            let mut conn = parked.conn;
            if parked.since.elapsed() < IDLE_LIMIT && conn.test_connected().await {
                return Some(conn);
            }
            // Idle too long, or the server has gone (restarted, timed us out): dropping it closes
            // the socket.
        }
    }

    fn park(&self, conn: AsyncSmtpConnection) {
        self.idle
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(Parked {
                conn,
                since: Instant::now(),
            });
    }

    async fn connect(&self) -> Result<AsyncSmtpConnection, MailError> {
        let tcp = TcpStream::connect((self.host.as_str(), self.port))
            .await
            .map_err(|e| MailError::Send(format!("connecting to the SMTP server: {e}")))?;
        // SMTP is a dialogue of small writes: without this each message waits for a delayed ACK.
        tcp.set_nodelay(true)
            .map_err(|e| MailError::Send(format!("setting TCP_NODELAY: {e}")))?;
        let stream: Box<dyn AsyncTokioStream> = match &self.tls_connector {
            Some(connector) => Box::new(TlsOverTcp(
                connector
                    .connect(&self.host, tcp)
                    .await
                    .map_err(|e| MailError::Send(format!("TLS with the SMTP server: {e}")))?,
            )),
            None => Box::new(tcp),
        };
        let mut conn = AsyncSmtpConnection::connect_with_transport(stream, &self.hello).await?;
        if let Some(parameters) = &self.starttls {
            // Required, as `AsyncSmtpTransport::starttls_relay` did: no STARTTLS, no email.
            conn.starttls(parameters.clone(), &self.hello).await?;
        }
        if let Some(credentials) = &self.credentials {
            conn.auth(DEFAULT_MECHANISMS, credentials).await?;
        }
        Ok(conn)
    }
}

/// Implicit TLS over a socket this mailer opened, in the form lettre takes a stream.
#[derive(Debug)]
struct TlsOverTcp(tokio_native_tls::TlsStream<TcpStream>);

impl AsyncRead for TlsOverTcp {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_read(cx, buf)
    }
}

impl AsyncWrite for TlsOverTcp {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.0).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.0).poll_shutdown(cx)
    }
}

impl AsyncTokioStream for TlsOverTcp {
    fn peer_addr(&self) -> io::Result<SocketAddr> {
        self.0.get_ref().get_ref().get_ref().peer_addr()
    }
}
