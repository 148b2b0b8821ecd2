//! The HTTP server loop: accepts connections and serves the routes over HTTP/1.1.
//!
//! Owns what `warp::serve` does not offer: a cap on the connections served at once
//! (`api.max_connections`; the rest wait in the kernel's backlog), a limit on the
//! time a client may take to send a request's header (`api.header_timeout_ms`;
//! half-sent requests are dropped), a limit on how long a body may stall
//! (`api.body_timeout_ms`, [`super::body::IdleTimeout`]: 408), and a bounded shutdown: once the shutdown future
//! completes no connection is accepted, open ones get [`SHUTDOWN_GRACE`] to finish
//! (live streams end by themselves on the same signal), then the loop returns
//! whatever is still open, so the service exits, and checkpoints, well within
//! systemd's stop timeout.

use std::future::Future;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use warp::filters::BoxedFilter;

use super::body::IdleTimeout;

/// How long open connections may take to finish once shutdown began.
pub const SHUTDOWN_GRACE: Duration = Duration::from_millis(1_000);

/// Limits of the server loop.
#[derive(Debug, Clone, Copy)]
pub struct ServeLimits {
    pub max_connections: usize,
    pub header_timeout: Duration,
    pub body_timeout: Duration,
}

impl ServeLimits {
    pub fn from_config(api: &crate::config::ApiConfig) -> ServeLimits {
        ServeLimits {
            max_connections: api.max_connections.max(1) as usize,
            header_timeout: Duration::from_millis(api.header_timeout_ms),
            body_timeout: Duration::from_millis(api.body_timeout_ms),
        }
    }
}

/// Serves `routes` on `listener` until `shutdown` completes (then at most
/// [`SHUTDOWN_GRACE`] more).
pub async fn serve(
    routes: BoxedFilter<(warp::reply::Response,)>,
    listener: TcpListener,
    limits: ServeLimits,
    shutdown: impl Future<Output = ()>,
) {
    let permits = Arc::new(tokio::sync::Semaphore::new(limits.max_connections));
    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        // A free slot first: past the cap, connections wait in the backlog rather
        // than each costing a task, buffers and a file descriptor here.
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit,
            () = &mut shutdown => break,
        };
        let Ok(permit) = permit else { break };
        let stream = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let stream = match stream {
            Ok((stream, _)) => stream,
            Err(error) => {
                if !is_connection_error(&error) {
                    // EMFILE and the like: wait for descriptors to be freed.
                    tracing::error!(%error, "accept failed");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
                continue;
            }
        };
        let service = TowerToHyperService::new(StallGuard {
            inner: warp::service(routes.clone()),
            idle: limits.body_timeout,
        });
        let watcher = graceful.watcher();
        let header_timeout = limits.header_timeout;
        tokio::spawn(async move {
            // hyper's header timer starts with the first byte: a client that sends
            // nothing at all would hold its slot for ever.
            // (`readable()` may wake without data; a peek waits for a byte or EOF.)
            let mut first = [0u8; 1];
            if tokio::time::timeout(header_timeout, stream.peek(&mut first))
                .await
                .is_err()
            {
                drop(permit);
                return;
            }
            let mut builder = auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            if let Err(error) = watcher.watch(connection).await {
                tracing::debug!(%error, "connection ended with an error");
            }
            drop(permit);
        });
    }
    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => {}
        () = tokio::time::sleep(SHUTDOWN_GRACE) => {
            tracing::warn!(
                grace_ms = SHUTDOWN_GRACE.as_millis() as u64,
                "connections still open at shutdown; closing them"
            );
        }
    }
}

/// The routes' service with every request body under [`IdleTimeout`].
#[derive(Clone)]
struct StallGuard<S> {
    inner: S,
    idle: Duration,
}

impl<S, B> tower_service::Service<http::Request<B>> for StallGuard<S>
where
    S: tower_service::Service<http::Request<IdleTimeout<B>>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, req: http::Request<B>) -> Self::Future {
        let idle = self.idle;
        self.inner
            .call(req.map(|body| IdleTimeout::new(body, idle)))
    }
}

fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
    )
}
