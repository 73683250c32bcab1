//! A stream of rows that fetches page after page on demand.

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use futures_core::Stream;

use super::execute::{self, Spec};
use super::SessionInner;
use crate::error::QueryError;
use crate::result::{PagingState, QueryResult};
use crate::rows::Row;

type PageFuture = Pin<Box<dyn Future<Output = Result<QueryResult, QueryError>> + Send>>;

/// The rows of a paged query, as a [`Stream`]. The first page is fetched
/// when the stream is made; each next page when the rows of the previous
/// one have all been taken, so at most one page is held at a time.
///
/// ```no_run
/// # async fn demo(session: cql_driver::Session) -> Result<(), Box<dyn std::error::Error>> {
/// use futures_util::StreamExt;
///
/// let mut rows = session.query_iter("SELECT id FROM ks.events", ()).await?;
/// while let Some(row) = rows.next().await {
///     let id: i32 = row?.get(0)?;
///     println!("{id}");
/// }
/// # Ok(())
/// # }
/// ```
pub struct RowStream {
    inner: Arc<SessionInner>,
    spec: Spec,
    rows: VecDeque<Row>,
    next_page: Option<PagingState>,
    fetching: Option<PageFuture>,
    pages: usize,
}

impl std::fmt::Debug for RowStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RowStream")
            .field("buffered", &self.rows.len())
            .field("pages", &self.pages)
            .field("more", &self.next_page.is_some())
            .finish()
    }
}

impl RowStream {
    pub(crate) async fn start(inner: Arc<SessionInner>, spec: Spec) -> Result<Self, QueryError> {
        let first = execute::run(&inner, Arc::new(spec.clone())).await?;
        let mut stream = RowStream {
            inner,
            spec,
            rows: VecDeque::new(),
            next_page: None,
            fetching: None,
            pages: 0,
        };
        stream.take_page(first);
        Ok(stream)
    }

    fn take_page(&mut self, page: QueryResult) {
        self.pages += 1;
        self.next_page = page.paging_state().cloned();
        if let Ok(rows) = page.into_rows() {
            self.rows.extend(rows.iter());
        }
    }

    /// How many pages have been fetched so far.
    pub fn pages_fetched(&self) -> usize {
        self.pages
    }

    /// Whether the server has more pages after the rows already fetched.
    pub fn has_more_pages(&self) -> bool {
        self.next_page.is_some()
    }

    fn fetch(&mut self, state: PagingState) {
        let inner = self.inner.clone();
        let mut spec = self.spec.clone();
        spec.paging_state = Some(state.as_bytes().clone());
        self.fetching = Some(Box::pin(async move {
            execute::run(&inner, Arc::new(spec)).await
        }));
    }
}

impl Stream for RowStream {
    type Item = Result<Row, QueryError>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            if let Some(row) = self.rows.pop_front() {
                return Poll::Ready(Some(Ok(row)));
            }
            if let Some(fetching) = self.fetching.as_mut() {
                let page = match fetching.as_mut().poll(cx) {
                    Poll::Pending => return Poll::Pending,
                    Poll::Ready(page) => page,
                };
                self.fetching = None;
                match page {
                    Ok(page) => {
                        self.take_page(page);
                        continue;
                    }
                    Err(error) => {
                        // The failed page can be asked for again on the next poll.
                        return Poll::Ready(Some(Err(error)));
                    }
                }
            }
            match self.next_page.clone() {
                // The state stays until the page arrives, so that an error
                // can be followed by another attempt on the next poll.
                Some(state) => self.fetch(state),
                None => return Poll::Ready(None),
            }
        }
    }
}
