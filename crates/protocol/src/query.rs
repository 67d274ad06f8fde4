//! Query-string parameters of the GET endpoints, shared by the server (parsing) and clients
//! (building).
//!
//! The SDKs send arrays as repeated keys (`?slugs=a&slugs=b`), booleans as `true`/`false`,
//! and numbers as plain digits (docs/sdk.md §3). `from_pairs` takes the decoded key/value
//! pairs and:
//! - reads a repeated key as an array, and a single value as a one-element array (`key[]`
//!   is accepted as the same key);
//! - takes the last value of a repeated scalar key;
//! - treats an empty value as absent;
//! - ignores unknown keys (the SDKs send names outside the schema, e.g. `volumeMin`);
//! - refuses a bad value with a message naming the parameter and what it expects.
//!
//! `to_pairs` writes the same form back, in a fixed order.

use std::str::FromStr;

use crate::enums::{ActivityType, SortOrder};

type Pairs = Vec<(String, String)>;

/// The values of the parameters one query type knows, in the order given.
struct Params<'a> {
    pairs: &'a [(String, String)],
}

impl<'a> Params<'a> {
    fn values(&self, key: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.pairs
            .iter()
            .filter(move |(name, _)| name.strip_suffix("[]").unwrap_or(name) == key)
            .map(|(_, value)| value.as_str())
            .filter(|value| !value.is_empty())
    }

    fn string(&self, key: &'a str) -> Option<String> {
        self.values(key).last().map(str::to_owned)
    }

    fn strings(&self, key: &'a str) -> Vec<String> {
        self.values(key).map(str::to_owned).collect()
    }

    fn parse<T: FromStr>(&self, key: &'a str, expected: &str) -> Result<Option<T>, String> {
        self.values(key).last().map(|value| parse_value(key, value, expected)).transpose()
    }

    fn parse_all<T: FromStr>(&self, key: &'a str, expected: &str) -> Result<Vec<T>, String> {
        self.values(key).map(|value| parse_value(key, value, expected)).collect()
    }

    fn boolean(&self, key: &'a str) -> Result<Option<bool>, String> {
        self.values(key)
            .last()
            .map(|value| match value.to_ascii_lowercase().as_str() {
                "true" | "1" => Ok(true),
                "false" | "0" => Ok(false),
                _ => Err(format!("query parameter `{key}`: `{value}` is not a boolean; use true or false")),
            })
            .transpose()
    }
}

fn parse_value<T: FromStr>(key: &str, value: &str, expected: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("query parameter `{key}`: `{value}` is not {expected}"))
}

const INTEGER: &str = "an integer";

fn push(pairs: &mut Pairs, key: &str, value: impl ToString) {
    pairs.push((key.to_owned(), value.to_string()));
}

fn push_opt(pairs: &mut Pairs, key: &str, value: Option<impl ToString>) {
    if let Some(value) = value {
        push(pairs, key, value);
    }
}

fn push_all<T: ToString>(pairs: &mut Pairs, key: &str, values: &[T]) {
    for value in values {
        push(pairs, key, value.to_string());
    }
}

/// `GET /v1/orders/open`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OpenOrdersQuery {
    /// Only these markets; empty = all.
    pub slugs: Vec<String>,
}

impl OpenOrdersQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<OpenOrdersQuery, String> {
        let params = Params { pairs };
        Ok(OpenOrdersQuery { slugs: params.strings("slugs") })
    }

    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Pairs::new();
        push_all(&mut pairs, "slugs", &self.slugs);
        pairs
    }
}

/// `GET /v1/portfolio/positions`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PositionsQuery {
    /// Only this market slug.
    pub market: Option<String>,
    /// Page size (the server's default is 100).
    pub limit: Option<i64>,
    /// `nextCursor` of the previous page.
    pub cursor: Option<String>,
}

impl PositionsQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<PositionsQuery, String> {
        let params = Params { pairs };
        Ok(PositionsQuery {
            market: params.string("market"),
            limit: params.parse("limit", INTEGER)?,
            cursor: params.string("cursor"),
        })
    }

    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Pairs::new();
        push_opt(&mut pairs, "market", self.market.as_ref());
        push_opt(&mut pairs, "limit", self.limit);
        push_opt(&mut pairs, "cursor", self.cursor.as_ref());
        pairs
    }
}

/// `GET /v1/portfolio/activities`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ActivitiesQuery {
    pub limit: Option<i64>,
    pub cursor: Option<String>,
    pub market_slug: Option<String>,
    /// Only these types; empty = all.
    pub types: Vec<ActivityType>,
    /// Absent = newest first.
    pub sort_order: Option<SortOrder>,
}

impl ActivitiesQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<ActivitiesQuery, String> {
        let params = Params { pairs };
        let types = params
            .values("types")
            .map(|value| value.parse::<ActivityType>().map_err(|error| format!("query parameter `types`: {error}")))
            .collect::<Result<_, _>>()?;
        let sort_order = params
            .values("sortOrder")
            .last()
            .map(|value| value.parse::<SortOrder>().map_err(|error| format!("query parameter `sortOrder`: {error}")))
            .transpose()?;
        Ok(ActivitiesQuery {
            limit: params.parse("limit", INTEGER)?,
            cursor: params.string("cursor"),
            market_slug: params.string("marketSlug"),
            types,
            sort_order,
        })
    }

    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Pairs::new();
        push_opt(&mut pairs, "limit", self.limit);
        push_opt(&mut pairs, "cursor", self.cursor.as_ref());
        push_opt(&mut pairs, "marketSlug", self.market_slug.as_ref());
        push_all(&mut pairs, "types", &self.types);
        push_opt(&mut pairs, "sortOrder", self.sort_order);
        pairs
    }
}

/// Sort direction of the markets list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OrderDirection {
    Asc,
    Desc,
}

impl OrderDirection {
    pub const fn as_str(self) -> &'static str {
        match self {
            OrderDirection::Asc => "asc",
            OrderDirection::Desc => "desc",
        }
    }
}

impl std::fmt::Display for OrderDirection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderDirection {
    type Err = ();

    fn from_str(text: &str) -> Result<OrderDirection, ()> {
        match text.to_ascii_lowercase().as_str() {
            "asc" => Ok(OrderDirection::Asc),
            "desc" => Ok(OrderDirection::Desc),
            _ => Err(()),
        }
    }
}

/// `GET /v1/markets`. Parameters pmx does not implement (volume, date and tag filters...)
/// are ignored like unknown ones.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MarketsQuery {
    pub limit: Option<i64>,
    pub offset: Option<i64>,
    /// Sort fields, e.g. `createdAt`.
    pub order_by: Vec<String>,
    pub order_direction: Option<OrderDirection>,
    /// Market ids.
    pub id: Vec<i64>,
    /// Market slugs.
    pub slug: Vec<String>,
    pub archived: Option<bool>,
    pub active: Option<bool>,
    pub closed: Option<bool>,
    pub include_hidden: Option<bool>,
    pub categories: Vec<String>,
}

impl MarketsQuery {
    pub fn from_pairs(pairs: &[(String, String)]) -> Result<MarketsQuery, String> {
        let params = Params { pairs };
        Ok(MarketsQuery {
            limit: params.parse("limit", INTEGER)?,
            offset: params.parse("offset", INTEGER)?,
            order_by: params.strings("orderBy"),
            order_direction: params.parse("orderDirection", "asc or desc")?,
            id: params.parse_all("id", "a market id (an integer)")?,
            slug: params.strings("slug"),
            archived: params.boolean("archived")?,
            active: params.boolean("active")?,
            closed: params.boolean("closed")?,
            include_hidden: params.boolean("includeHidden")?,
            categories: params.strings("categories"),
        })
    }

    pub fn to_pairs(&self) -> Vec<(String, String)> {
        let mut pairs = Pairs::new();
        push_opt(&mut pairs, "limit", self.limit);
        push_opt(&mut pairs, "offset", self.offset);
        push_all(&mut pairs, "orderBy", &self.order_by);
        push_opt(&mut pairs, "orderDirection", self.order_direction);
        push_all(&mut pairs, "id", &self.id);
        push_all(&mut pairs, "slug", &self.slug);
        push_opt(&mut pairs, "archived", self.archived);
        push_opt(&mut pairs, "active", self.active);
        push_opt(&mut pairs, "closed", self.closed);
        push_opt(&mut pairs, "includeHidden", self.include_hidden);
        push_all(&mut pairs, "categories", &self.categories);
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
        list.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())).collect()
    }

    #[test]
    fn repeated_keys_are_arrays() {
        let query = OpenOrdersQuery::from_pairs(&pairs(&[("slugs", "a"), ("other", "x"), ("slugs", "b")])).unwrap();
        assert_eq!(query.slugs, ["a", "b"]);
        let single = OpenOrdersQuery::from_pairs(&pairs(&[("slugs", "a")])).unwrap();
        assert_eq!(single.slugs, ["a"]);
        let bracketed = OpenOrdersQuery::from_pairs(&pairs(&[("slugs[]", "a"), ("slugs", "")])).unwrap();
        assert_eq!(bracketed.slugs, ["a"]);
        assert_eq!(OpenOrdersQuery::from_pairs(&[]).unwrap(), OpenOrdersQuery::default());
        assert_eq!(query.to_pairs(), pairs(&[("slugs", "a"), ("slugs", "b")]));
    }

    #[test]
    fn positions() {
        let query =
            PositionsQuery::from_pairs(&pairs(&[("market", "m"), ("limit", "50"), ("cursor", "c1"), ("x", "y")]))
                .unwrap();
        assert_eq!(query, PositionsQuery { market: Some("m".into()), limit: Some(50), cursor: Some("c1".into()) });
        assert_eq!(PositionsQuery::from_pairs(&query.to_pairs()).unwrap(), query);
        let error = PositionsQuery::from_pairs(&pairs(&[("limit", "ten")])).unwrap_err();
        assert_eq!(error, "query parameter `limit`: `ten` is not an integer");
        // A non-positive page size is the server's to judge.
        assert_eq!(PositionsQuery::from_pairs(&pairs(&[("limit", "-1")])).unwrap().limit, Some(-1));
    }

    #[test]
    fn activities() {
        let query = ActivitiesQuery::from_pairs(&pairs(&[
            ("types", "ACTIVITY_TYPE_TRADE"),
            ("types", "ACTIVITY_TYPE_ACCOUNT_DEPOSIT"),
            ("sortOrder", "SORT_ORDER_ASCENDING"),
            ("marketSlug", "m"),
            ("limit", "10"),
        ]))
        .unwrap();
        assert_eq!(query.types, [ActivityType::Trade, ActivityType::AccountDeposit]);
        assert_eq!(query.sort_order, Some(SortOrder::Ascending));
        assert_eq!(
            query.to_pairs(),
            pairs(&[
                ("limit", "10"),
                ("marketSlug", "m"),
                ("types", "ACTIVITY_TYPE_TRADE"),
                ("types", "ACTIVITY_TYPE_ACCOUNT_DEPOSIT"),
                ("sortOrder", "SORT_ORDER_ASCENDING"),
            ])
        );
        assert_eq!(ActivitiesQuery::from_pairs(&query.to_pairs()).unwrap(), query);
        let error = ActivitiesQuery::from_pairs(&pairs(&[("types", "TRADE")])).unwrap_err();
        assert!(error.starts_with("query parameter `types`: unknown ActivityType `TRADE`: expected one of"), "{error}");
        let error = ActivitiesQuery::from_pairs(&pairs(&[("sortOrder", "asc")])).unwrap_err();
        assert!(error.contains("SORT_ORDER_DESCENDING"), "{error}");
    }

    #[test]
    fn markets() {
        let query = MarketsQuery::from_pairs(&pairs(&[
            ("limit", "20"),
            ("offset", "40"),
            ("active", "true"),
            ("closed", "False"),
            ("slug", "a"),
            ("slug", "b"),
            ("id", "7"),
            ("orderDirection", "ASC"),
            ("volumeMin", "100"),
            ("liquidityMax", "x"),
        ]))
        .unwrap();
        assert_eq!(query.limit, Some(20));
        assert_eq!(query.offset, Some(40));
        assert_eq!(query.active, Some(true));
        assert_eq!(query.closed, Some(false));
        assert_eq!(query.slug, ["a", "b"]);
        assert_eq!(query.id, [7]);
        assert_eq!(query.order_direction, Some(OrderDirection::Asc));
        assert_eq!(MarketsQuery::from_pairs(&query.to_pairs()).unwrap(), query);
        let error = MarketsQuery::from_pairs(&pairs(&[("active", "yes")])).unwrap_err();
        assert_eq!(error, "query parameter `active`: `yes` is not a boolean; use true or false");
        assert!(MarketsQuery::from_pairs(&pairs(&[("id", "x")])).unwrap_err().contains("market id"));
        assert!(MarketsQuery::from_pairs(&pairs(&[("orderDirection", "up")])).unwrap_err().contains("asc or desc"));
    }
}
