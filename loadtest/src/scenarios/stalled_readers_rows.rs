//! The rows of the stalled-readers scenario: its figures, compared and described.

use super::stalled_readers::{
    CSV_ORDERS, METALINK_FILES, PER_CALLER, READ_FOR, READERS, SETUP_READS, STALL_TIMEOUT_SECS,
    STALLED_CSVS, STALLED_METALINKS,
};
use crate::load::LoadResult;
use crate::procfs::Descriptors;
use crate::report::Row;
use crate::stalled::Ending;
use std::time::Duration;

/// Descriptors other than the database's connections, which the pool keeps open once
/// opened (an idle connection lives 10 minutes).
pub(super) fn others(d: Descriptors) -> usize {
    d.total.saturating_sub(d.database)
}

/// Everything the rows report.
pub(super) struct Figures {
    pub(super) calm: (LoadResult, LoadResult),
    /// While the stalled answers were produced.
    pub(super) setup: (LoadResult, LoadResult),
    pub(super) stormy: (LoadResult, LoadResult),
    pub(super) quiet_in: Duration,
    pub(super) released: Option<Duration>,
    pub(super) before: Descriptors,
    pub(super) held: Descriptors,
    pub(super) after: Descriptors,
    pub(super) endings: Vec<Ending>,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn describe(r: &LoadResult) -> String {
    format!(
        "p50 {:.2} / p99 {:.2} / max {:.1} ms ({} ok, {} failed)",
        ms(r.p50),
        ms(r.p99),
        ms(r.max),
        r.ok,
        r.failed
    )
}

impl Figures {
    pub(super) fn rows(&self) -> Vec<Row> {
        let worst = self.stormy.0.p99.max(self.stormy.1.p99);
        let mut rows = vec![
            self.read_row(
                "GET /user/orders",
                &self.calm.0,
                &self.setup.0,
                &self.stormy.0,
            ),
            self.read_row(
                "GET /user/orders/{id}",
                &self.calm.1,
                &self.setup.1,
                &self.stormy.1,
            ),
            Row::below(
                "stalled-readers",
                "worst p99 of those reads while stalled",
                ms(worst),
                "ms",
                1000.0,
            ),
        ];
        rows.extend(self.release_rows());
        rows
    }

    /// What became of the stalled clients and what they held.
    fn release_rows(&self) -> [Row; 2] {
        let stalls = STALLED_METALINKS + STALLED_CSVS;
        let cut = self.endings.iter().filter(|e| **e == Ending::Cut).count();
        let extra = others(self.after).saturating_sub(others(self.before));
        [
            Row::ratio(
                "stalled-readers",
                "stalled clients cut after the stall timeout",
                cut as f64,
                "clients",
                "stalled clients",
                stalls as f64,
                1.0,
            )
            .note(self.describe_release()),
            Row::below(
                "stalled-readers",
                "descriptors above the baseline once they were cut",
                extra as f64,
                "fds",
                1.0,
            )
            .note(self.describe_descriptors()),
        ]
    }

    fn describe_descriptors(&self) -> String {
        let show =
            |d: &Descriptors| format!("{} ({} HTTP, {} database)", d.total, d.http, d.database);
        format!(
            "/proc/<pid>/fd, database connections aside (the pool keeps what it opened): {} \
             before, {} while stalled, {} after",
            show(&self.before),
            show(&self.held),
            show(&self.after)
        )
    }

    fn read_row(
        &self,
        figure: &str,
        calm: &LoadResult,
        setup: &LoadResult,
        stormy: &LoadResult,
    ) -> Row {
        let stalls = STALLED_METALINKS + STALLED_CSVS;
        Row::ratio_at_most(
            "stalled-readers",
            &format!("{figure} p99 while {stalls} streams stall"),
            ms(stormy.p99),
            "ms",
            "same reads without stalls, p99 ms",
            ms(calm.p99),
            2.0,
        )
        .note(format!(
            "{READERS} workers for {:.0} s; stalled: {}; without: {}; while the stalled answers \
             were produced (first {:.0} s): {}",
            READ_FOR.as_secs_f64(),
            describe(stormy),
            describe(calm),
            SETUP_READS.as_secs_f64(),
            describe(setup)
        ))
    }

    fn describe_release(&self) -> String {
        let complete = self
            .endings
            .iter()
            .filter(|e| **e == Ending::Complete)
            .count();
        let open = self.endings.iter().filter(|e| **e == Ending::Open).count();
        format!(
            "{STALLED_METALINKS} metalinks of {METALINK_FILES} files, {STALLED_CSVS} CSV exports \
             of {CSV_ORDERS} orders, from {} callers; the service idle {:.1} s after the first was \
             sent; descriptors back to the baseline {} after it (stall timeout {STALL_TIMEOUT_SECS} \
             s); read again afterwards: {complete} complete, {open} still open",
            STALLED_METALINKS.div_ceil(PER_CALLER) + STALLED_CSVS.div_ceil(PER_CALLER),
            self.quiet_in.as_secs_f64(),
            self.released
                .map_or("never".to_owned(), |d| format!("{:.1} s", d.as_secs_f64()))
        )
    }
}
