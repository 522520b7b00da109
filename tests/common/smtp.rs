//! A real SMTP server on loopback for tests (mailin-embedded, in-process), and a TCP proxy in front
//! of any server that a test can cut and restore to simulate it going down.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::{
    net::IpAddr,
    sync::{Arc, Mutex},
};

use mailin_embedded::{Handler, Response, Server, SslConfig, response};
use tokio::{net::TcpListener, task::JoinSet};

#[derive(Debug, Clone)]
pub struct ReceivedMail {
    pub to: Vec<String>,
    pub raw: Vec<u8>,
}

impl ReceivedMail {
    pub fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default()
            .parse(&self.raw)
            .expect("unparseable message")
    }
}

#[derive(Clone)]
struct Collect {
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
    to: Vec<String>,
    data: Vec<u8>,
}

impl Handler for Collect {
    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }

    fn data_start(&mut self, _domain: &str, _from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.to = to.to_vec();
        self.data.clear();
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        self.data.extend_from_slice(buf);
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        self.inbox.lock().unwrap().push(ReceivedMail {
            to: self.to.clone(),
            raw: std::mem::take(&mut self.data),
        });
        response::OK
    }
}

/// An SMTP server on 127.0.0.1 that keeps every message it accepts.
pub struct SmtpSink {
    pub port: u16,
    inbox: Arc<Mutex<Vec<ReceivedMail>>>,
}

impl SmtpSink {
    pub fn start() -> SmtpSink {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let handler = Collect {
            inbox: inbox.clone(),
            to: Vec::new(),
            data: Vec::new(),
        };
        std::thread::spawn(move || {
            let mut server = Server::new(handler);
            server
                .with_name("sink.test")
                .with_ssl(SslConfig::None)
                .unwrap()
                // One thread per open connection: room for every connection the mailer keeps.
                .with_num_threads(32)
                .with_tcp_listener(listener);
            // Runs until the test process ends; its error type is not Send, so it stays here.
            let _ = server.serve();
        });
        SmtpSink { port, inbox }
    }

    pub fn received(&self) -> Vec<ReceivedMail> {
        self.inbox.lock().unwrap().clone()
    }

    /// The token in the newest link (`…?token=…`) delivered to `to`, waiting up to 15 s for it.
    /// With a worker running, this is where a test reads tokens: once sent, an email's link is
    /// gone from the queue.
    pub async fn token_for(&self, to: &str) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let token = self
                .received()
                .iter()
                .rev()
                .filter(|m| m.to == vec![to.to_owned()])
                .find_map(|m| {
                    let text = m.parsed().body_text(0)?.into_owned();
                    let after = text.split("token=").nth(1)?.to_owned();
                    Some(
                        after
                            .chars()
                            .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
                            .collect::<String>(),
                    )
                });
            if let Some(token) = token {
                return token;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "no link with a token reached {to}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
    }
}

/// A TCP proxy in front of `upstream` that the test can cut (every connection closed, new ones
/// refused) and restore on the same port: a server going down and coming back.
pub struct Outage {
    pub port: u16,
    upstream: String,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Outage {
    pub async fn start(upstream: String) -> Outage {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let mut proxy = Outage {
            port,
            upstream,
            task: None,
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&mut self, listener: TcpListener) {
        let upstream = self.upstream.clone();
        self.task = Some(tokio::spawn(async move {
            // Dropping the set (when this task is aborted) closes every proxied connection.
            let mut connections = JoinSet::new();
            while let Ok((mut inbound, _)) = listener.accept().await {
                let upstream = upstream.clone();
                connections.spawn(async move {
                    if let Ok(mut outbound) = tokio::net::TcpStream::connect(upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                    }
                });
            }
        }));
    }

    pub fn cut(&mut self) {
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }

    pub async fn restore(&mut self) {
        let listener = TcpListener::bind(("127.0.0.1", self.port)).await.unwrap();
        self.serve(listener);
    }
}
