//! Moving a whole site between stores (SQLite to PostgreSQL, or back): `linkx export` writes
//! every table to a portable JSON Lines file, `linkx import-db` loads it into an empty store.
//!
//! The file: a header line `{"format":"linkx-export","version":1,"schema":N,"counts":{…}}`,
//! then for each table a line `{"table":T,"columns":[…],"types":[…]}` followed by one JSON
//! array per row. Values are integers, reals, text or null, which is all the schema uses.
//! Rows stream through in both directions, so a site of any size moves in constant memory.

use crate::{Backend, Result, Store, StoreError};
use futures_util::TryStreamExt;
use sqlx::any::{AnyRow, AnyTypeInfoKind};
use sqlx::{Column, Row, ValueRef};
use std::collections::BTreeMap;
use std::io::{BufRead, Write};

/// Every table of the site, parents before children (so foreign keys hold on the way in).
pub const TABLES: &[&str] = &[
    "sources",
    "articles",
    "fetch_log",
    "stories",
    "story_redirects",
    "site_secrets",
    "comments",
    "comment_subscribers",
    "notifications",
    "users",
    "admin_sessions",
    "login_failures",
    "audit_log",
    "site_settings",
    "jobs",
    "mentions",
    "webmention_sends",
    "partners",
    "blocks",
    "takedowns",
    "rules",
    "topics",
    "topic_articles",
];

/// Tables whose `id` is generated: after an import their counters continue after the
/// highest id moved.
const GENERATED_IDS: &[&str] = &[
    "sources",
    "articles",
    "fetch_log",
    "comments",
    "notifications",
    "users",
    "login_failures",
    "audit_log",
    "jobs",
    "mentions",
    "webmention_sends",
    "partners",
    "blocks",
    "rules",
    "topics",
];

const FORMAT: &str = "linkx-export";
const VERSION: i64 = 1;
/// Rows written to the target per transaction.
const BATCH: usize = 500;

/// Rows per table, in [`TABLES`] order.
pub type TableCounts = BTreeMap<String, i64>;

/// What an import found: the rows the file promised and the rows the store holds afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub expected: TableCounts,
    pub stored: TableCounts,
}

impl ImportReport {
    /// True when every table holds exactly the rows the file promised.
    pub fn verified(&self) -> bool {
        self.expected == self.stored
    }
}

fn bad_file(why: impl Into<String>) -> StoreError {
    StoreError::Refused(format!("not a Link Exchange export: {}", why.into()))
}

fn value_of(row: &AnyRow, i: usize) -> Result<serde_json::Value> {
    let raw = row.try_get_raw(i)?;
    if raw.is_null() {
        return Ok(serde_json::Value::Null);
    }
    Ok(match raw.type_info().kind() {
        AnyTypeInfoKind::Double | AnyTypeInfoKind::Real => {
            serde_json::json!(row.try_get::<f64, _>(i)?)
        }
        AnyTypeInfoKind::Text => serde_json::Value::String(row.try_get::<String, _>(i)?),
        AnyTypeInfoKind::Bool => serde_json::json!(i64::from(row.try_get::<bool, _>(i)?)),
        _ => serde_json::json!(row.try_get::<i64, _>(i)?),
    })
}

/// The column type as the file records it: `integer`, `real` or `text`.
fn type_name(kind: AnyTypeInfoKind) -> &'static str {
    match kind {
        AnyTypeInfoKind::Double | AnyTypeInfoKind::Real => "real",
        AnyTypeInfoKind::Text | AnyTypeInfoKind::Blob => "text",
        _ => "integer",
    }
}

impl Store {
    /// Rows per table now.
    pub async fn table_counts(&self) -> Result<TableCounts> {
        let mut counts = TableCounts::new();
        for table in TABLES {
            let n: i64 = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {table}")))
                .fetch_one(&self.pool)
                .await?
                .try_get(0)?;
            counts.insert((*table).to_string(), n);
        }
        Ok(counts)
    }

    /// Writes every table to `out`; `progress(rows_done, rows_total)` after each row.
    pub async fn export_to(
        &self,
        out: &mut dyn Write,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<TableCounts> {
        let counts = self.table_counts().await?;
        let total: i64 = counts.values().sum();
        let schema = crate::migrate::latest_version();
        let header = serde_json::json!({
            "format": FORMAT, "version": VERSION, "schema": schema, "counts": counts,
        });
        let io = |e: std::io::Error| StoreError::Refused(format!("cannot write: {e}"));
        writeln!(out, "{header}").map_err(io)?;
        let mut done = 0u64;
        for table in TABLES {
            // Declared types come from the table itself, so a column that is null in every row
            // still says what it holds.
            let mut rows = sqlx::query(sqlx::AssertSqlSafe(format!("SELECT * FROM {table}")))
                .fetch(&self.pool);
            let mut described = false;
            while let Some(row) = rows.try_next().await? {
                if !described {
                    let columns: Vec<&str> = row.columns().iter().map(|c| c.name()).collect();
                    let types: Vec<&str> = row
                        .columns()
                        .iter()
                        .map(|c| type_name(c.type_info().kind()))
                        .collect();
                    let line =
                        serde_json::json!({"table": table, "columns": columns, "types": types});
                    writeln!(out, "{line}").map_err(io)?;
                    described = true;
                }
                let values = (0..row.columns().len())
                    .map(|i| value_of(&row, i))
                    .collect::<Result<Vec<_>>>()?;
                writeln!(out, "{}", serde_json::Value::Array(values)).map_err(io)?;
                done += 1;
                progress(done, u64::try_from(total).unwrap_or(0));
            }
        }
        out.flush().map_err(io)?;
        Ok(counts)
    }

    /// Loads an export into this store, which must hold no site yet; `progress(rows_done,
    /// rows_total)` as rows go in. Returns the counts promised and found, for the caller to
    /// show (and to fail on when they differ).
    pub async fn import_from(
        &self,
        input: &mut dyn BufRead,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<ImportReport> {
        let mut lines = input.lines();
        let mut next_line = || -> Result<Option<String>> {
            lines
                .next()
                .transpose()
                .map_err(|e| bad_file(format!("cannot read: {e}")))
        };
        let header: serde_json::Value = match next_line()? {
            Some(line) => serde_json::from_str(&line).map_err(|e| bad_file(e.to_string()))?,
            None => return Err(bad_file("the file is empty")),
        };
        if header["format"] != FORMAT || header["version"] != VERSION {
            return Err(bad_file("no linkx-export header"));
        }
        let schema = header["schema"].as_i64().unwrap_or(i64::MAX);
        if schema > crate::migrate::latest_version() {
            return Err(bad_file(format!(
                "it comes from a newer Link Exchange (schema {schema}): upgrade this one first"
            )));
        }
        let expected: TableCounts = serde_json::from_value(header["counts"].clone())
            .map_err(|e| bad_file(format!("counts: {e}")))?;
        let already: i64 = self.table_counts().await?.values().sum();
        if already > 0 {
            return Err(StoreError::Refused(format!(
                "the target store is not empty ({already} rows): import into a new database"
            )));
        }
        let total = u64::try_from(expected.values().sum::<i64>()).unwrap_or(0);
        let mut done = 0u64;
        let mut table: Option<(String, Vec<String>, String)> = None;
        let mut batch: Vec<Vec<serde_json::Value>> = Vec::with_capacity(BATCH);
        while let Some(line) = next_line()? {
            if line.starts_with('{') {
                if let Some((_, types, sql)) = &table {
                    self.insert_rows(sql, types, &mut batch).await?;
                }
                let head: serde_json::Value =
                    serde_json::from_str(&line).map_err(|e| bad_file(e.to_string()))?;
                let name = head["table"].as_str().unwrap_or_default().to_string();
                if !TABLES.contains(&name.as_str()) {
                    return Err(bad_file(format!("unknown table {name:?}")));
                }
                let columns: Vec<String> = serde_json::from_value(head["columns"].clone())
                    .map_err(|e| bad_file(format!("columns of {name}: {e}")))?;
                let types: Vec<String> = serde_json::from_value(head["types"].clone())
                    .map_err(|e| bad_file(format!("types of {name}: {e}")))?;
                if columns.is_empty()
                    || columns.len() != types.len()
                    || columns.iter().any(|c| {
                        c.is_empty() || !c.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_')
                    })
                {
                    return Err(bad_file(format!("the columns of {name}")));
                }
                let placeholders: Vec<String> =
                    (1..=columns.len()).map(|i| format!("${i}")).collect();
                let sql = format!(
                    "INSERT INTO {name} ({}) VALUES ({})",
                    columns.join(", "),
                    placeholders.join(", ")
                );
                table = Some((name, types, sql));
                continue;
            }
            let Some((name, types, sql)) = &table else {
                return Err(bad_file("a row before its table"));
            };
            let row: Vec<serde_json::Value> =
                serde_json::from_str(&line).map_err(|e| bad_file(format!("{name}: {e}")))?;
            if row.len() != types.len() {
                return Err(bad_file(format!("a row of {name} has the wrong width")));
            }
            batch.push(row);
            done += 1;
            if batch.len() >= BATCH {
                self.insert_rows(sql, types, &mut batch).await?;
            }
            progress(done, total);
        }
        if let Some((_, types, sql)) = &table {
            self.insert_rows(sql, types, &mut batch).await?;
        }
        self.continue_ids().await?;
        self.bump_generation();
        let stored = self.table_counts().await?;
        let expected = TABLES
            .iter()
            .map(|t| ((*t).to_string(), expected.get(*t).copied().unwrap_or(0)))
            .collect();
        Ok(ImportReport { expected, stored })
    }

    async fn insert_rows(
        &self,
        sql: &str,
        types: &[String],
        batch: &mut Vec<Vec<serde_json::Value>>,
    ) -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let (_writer, mut tx) = self.begin_write().await?;
        for row in batch.drain(..) {
            let mut query = sqlx::query(sqlx::AssertSqlSafe(sql.to_string()));
            for (value, kind) in row.into_iter().zip(types) {
                query = match (value, kind.as_str()) {
                    (serde_json::Value::Null, "real") => query.bind(None::<f64>),
                    (serde_json::Value::Null, "text") => query.bind(None::<String>),
                    (serde_json::Value::Null, _) => query.bind(None::<i64>),
                    (serde_json::Value::String(s), _) => query.bind(s),
                    (serde_json::Value::Number(n), "real") => query.bind(n.as_f64()),
                    (serde_json::Value::Number(n), _) => query.bind(n.as_i64()),
                    (other, _) => {
                        return Err(bad_file(format!("a value {other} of no known type")));
                    }
                };
            }
            query.execute(&mut *tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// PostgreSQL's identity counters do not see ids inserted explicitly: set each to continue
    /// after the highest id now stored. (SQLite's row ids always do.)
    async fn continue_ids(&self) -> Result<()> {
        if self.backend != Backend::Postgres {
            return Ok(());
        }
        for table in GENERATED_IDS {
            sqlx::query(sqlx::AssertSqlSafe(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), \
                 COALESCE((SELECT MAX(id) FROM {table}), 0) + 1, false)"
            )))
            .execute(&self.pool)
            .await?;
        }
        Ok(())
    }
}
