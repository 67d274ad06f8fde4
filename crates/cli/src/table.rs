//! Plain-text output: aligned tables and key/value blocks.
//!
//! Columns are separated by two spaces and padded to their widest cell (counted in
//! characters); text is left-aligned, numbers right-aligned. The last column is never padded,
//! so lines carry no trailing spaces. Missing values show as `-` in tables and are left out of
//! key/value blocks.

/// How a column's cells line up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Align {
    Left,
    Right,
}

/// A table with a header row.
#[derive(Debug)]
pub(crate) struct Table {
    columns: Vec<(&'static str, Align)>,
    rows: Vec<Vec<String>>,
}

/// The text of a cell: the value, or `-` when there is none.
pub(crate) fn cell(value: Option<impl AsRef<str>>) -> String {
    value.map_or_else(|| "-".to_owned(), |text| text.as_ref().to_owned())
}

impl Table {
    pub(crate) fn new(columns: &[(&'static str, Align)]) -> Table {
        Table { columns: columns.to_vec(), rows: Vec::new() }
    }

    /// Adds a row; it must have one cell per column.
    pub(crate) fn push(&mut self, row: Vec<String>) {
        debug_assert_eq!(row.len(), self.columns.len(), "one cell per column");
        self.rows.push(row);
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }

    /// The header and the rows, each line ending in a newline.
    pub(crate) fn render(&self) -> String {
        let mut widths: Vec<usize> = self.columns.iter().map(|(header, _)| header.chars().count()).collect();
        for row in &self.rows {
            for (width, text) in widths.iter_mut().zip(row) {
                *width = (*width).max(text.chars().count());
            }
        }
        let header: Vec<String> = self.columns.iter().map(|(header, _)| (*header).to_owned()).collect();
        let mut out = String::new();
        for row in std::iter::once(&header).chain(&self.rows) {
            let last = row.len().saturating_sub(1);
            let mut line = String::new();
            for (index, (text, ((_, align), width))) in row.iter().zip(self.columns.iter().zip(&widths)).enumerate() {
                if index > 0 {
                    line.push_str("  ");
                }
                let pad = width - text.chars().count();
                match align {
                    Align::Right => {
                        line.push_str(&" ".repeat(pad));
                        line.push_str(text);
                    }
                    Align::Left if index == last => line.push_str(text),
                    Align::Left => {
                        line.push_str(text);
                        line.push_str(&" ".repeat(pad));
                    }
                }
            }
            out.push_str(line.trim_end());
            out.push('\n');
        }
        out
    }
}

/// A key/value block: keys padded to the longest, pairs without a value left out.
pub(crate) fn key_values(pairs: &[(&str, Option<String>)]) -> String {
    let present: Vec<(&str, &String)> =
        pairs.iter().filter_map(|(key, value)| value.as_ref().map(|value| (*key, value))).collect();
    let width = present.iter().map(|(key, _)| key.chars().count()).max().unwrap_or(0);
    let mut out = String::new();
    for (key, value) in present {
        let pad = width - key.chars().count();
        out.push_str(&format!("{key}{}  {value}\n", " ".repeat(pad)));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_line_up_without_trailing_spaces() {
        let mut table = Table::new(&[("MARKET", Align::Left), ("NET", Align::Right), ("TITLE", Align::Left)]);
        table.push(vec!["nyc-rain".into(), "25.0000".into(), "Will it rain?".into()]);
        table.push(vec!["btc".into(), "-40".into(), cell(None::<&str>)]);
        assert_eq!(
            table.render(),
            concat!("MARKET        NET  TITLE\n", "nyc-rain  25.0000  Will it rain?\n", "btc           -40  -\n",)
        );
    }

    #[test]
    fn key_values_skip_missing() {
        let text = key_values(&[("id", Some("7".into())), ("price", None), ("state", Some("filled".into()))]);
        assert_eq!(text, "id     7\nstate  filled\n");
    }
}
