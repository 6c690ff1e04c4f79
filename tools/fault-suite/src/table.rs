//! The table of a run: printed, and written into `docs/faults.md` between
//! its markers with the command that reproduced it.

use std::path::Path;

use anyhow::Context as _;

use crate::ledger::Row;

/// Where the table goes in the document.
const BEGIN: &str = "<!-- fault-suite table: begin -->";
const END: &str = "<!-- fault-suite table: end -->";

/// The rows as a Markdown table.
pub fn markdown(rows: &[Row]) -> String {
    let mut out = String::from(
        "| fault | sent | accepted | answered | lost | doubled | orders | recovery s | stock | notes |\n|---|---:|---:|---:|---:|---:|---:|---:|---|---|\n",
    );
    for row in rows {
        out.push_str(&line(row));
        out.push('\n');
    }
    out
}

/// One row as a line of the Markdown table.
pub fn line(row: &Row) -> String {
    format!(
        "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |",
        row.fault,
        row.sent,
        row.accepted,
        row.answered,
        row.lost,
        row.doubled,
        row.orders,
        row.recovery
            .map_or("—".to_owned(), |d| format!("{:.1}", d.as_secs_f64())),
        row.stock,
        row.notes.join("; ").replace('|', "/"),
    )
}

/// Writes `table` into the document at `path` between its markers, with
/// the command and the date; the rest of the document stays.
pub fn write_into(path: &Path, table: &str, command: &str) -> anyhow::Result<()> {
    let doc = std::fs::read_to_string(path)
        .with_context(|| format!("Failed to read {}", path.display()))?;
    let (Some(begin), Some(end)) = (doc.find(BEGIN), doc.find(END)) else {
        anyhow::bail!("{} has no table markers ({BEGIN} … {END})", path.display());
    };
    anyhow::ensure!(begin < end, "the table markers are out of order");
    let block = format!(
        "{BEGIN}\n\nLatest run ({}), `{command}`:\n\n{table}\n",
        today()
    );
    let updated = format!("{}{block}{}", &doc[..begin], &doc[end..]);
    std::fs::write(path, updated).with_context(|| format!("Failed to write {}", path.display()))
}

fn today() -> String {
    let output = std::process::Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output();
    output
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_goes_between_the_markers_and_the_rest_stays() {
        let dir =
            std::env::temp_dir().join(format!("fault-table-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).expect("dir");
        let path = dir.join("faults.md");
        std::fs::write(
            &path,
            format!("# Faults\n\nintro\n\n{BEGIN}\nold\n{END}\n\nafter\n"),
        )
        .expect("write");
        let row = Row {
            fault: "baseline".to_owned(),
            sent: 4,
            accepted: 4,
            answered: 4,
            stock: "ok".to_owned(),
            notes: vec!["a | b".to_owned()],
            ..Row::default()
        };
        write_into(&path, &markdown(&[row]), "fault-suite").expect("written");
        let doc = std::fs::read_to_string(&path).expect("read");
        assert!(doc.starts_with("# Faults\n\nintro\n\n"));
        assert!(doc.ends_with(&format!("{END}\n\nafter\n")));
        assert!(!doc.contains("old"));
        assert!(
            doc.contains("| baseline | 4 | 4 | 4 | 0 | 0 | 0 | — | ok | a / b |"),
            "{doc}"
        );
        let _ = std::fs::remove_dir_all(&dir);
    }
}
