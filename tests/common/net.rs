//! A TCP proxy that can stall every connection: packets dropped rather than refused, as in a
//! network partition. Nothing is forwarded and nothing is closed until the test heals it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use tokio::{
    io::{AsyncReadExt, AsyncWriteExt},
    net::{TcpListener, TcpStream},
    sync::watch,
};

pub struct Partition {
    pub port: u16,
    stalled: watch::Sender<bool>,
}

impl Partition {
    pub async fn start(upstream: String) -> Partition {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let (stalled, _) = watch::channel(false);
        let tx = stalled.clone();
        tokio::spawn(async move {
            while let Ok((inbound, _)) = listener.accept().await {
                let (upstream, tx) = (upstream.clone(), tx.clone());
                tokio::spawn(async move {
                    let Ok(outbound) = TcpStream::connect(upstream).await else {
                        return;
                    };
                    let (ri, wi) = inbound.into_split();
                    let (ro, wo) = outbound.into_split();
                    tokio::spawn(pump(ri, wo, tx.subscribe()));
                    tokio::spawn(pump(ro, wi, tx.subscribe()));
                });
            }
        });
        Partition { port, stalled }
    }

    /// From now on no byte crosses (connections stay open, new ones are accepted and stall).
    pub fn stall(&self) {
        self.stalled.send_replace(true);
    }

    pub fn heal(&self) {
        self.stalled.send_replace(false);
    }
}

async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    mut stalled: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        if stalled.wait_for(|s| !*s).await.is_err() {
            return;
        }
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        // Bytes read while healthy but caught by a stall wait for the heal, like packets in flight.
        if stalled.wait_for(|s| !*s).await.is_err() {
            return;
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}
