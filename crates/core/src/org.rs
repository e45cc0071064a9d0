//! The organisation tree (city bureau → district bureaus → stations and specialised units) and
//! jurisdiction checks over it.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// Level of an organisation in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// City public-security bureau (市局).
    City,
    /// District or county bureau (分局).
    District,
    /// Police station (派出所).
    Station,
    /// Specialised unit (巡特警, 交警, …).
    Unit,
}

impl OrgKind {
    /// Parses the snake_case code.
    pub fn parse(s: &str) -> Option<Self> {
        serde_json::from_value(serde_json::Value::String(s.to_owned())).ok()
    }
    /// The snake_case code.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::City => "city",
            Self::District => "district",
            Self::Station => "station",
            Self::Unit => "unit",
        }
    }
}

/// One organisation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Org {
    /// Stable identifier, e.g. `jz-shashi`.
    pub id: String,
    /// Parent organisation; `None` only for the root.
    pub parent_id: Option<String>,
    /// Chinese name.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Level.
    pub kind: OrgKind,
}

/// The whole tree, for jurisdiction checks. Cheap to clone-and-replace when an organisation is added.
#[derive(Debug, Clone, Default)]
pub struct OrgTree {
    orgs: HashMap<String, Org>,
    /// The organisations that have an area (辖区), by id.
    areas: HashMap<String, crate::Area>,
}

impl OrgTree {
    /// Builds the tree; organisations whose parent is missing are kept but reach no ancestor.
    pub fn new(orgs: impl IntoIterator<Item = Org>) -> Self {
        Self {
            orgs: orgs.into_iter().map(|o| (o.id.clone(), o)).collect(),
            areas: HashMap::new(),
        }
    }

    /// The tree with these organisations' areas.
    pub fn with_areas(mut self, areas: impl IntoIterator<Item = (String, crate::Area)>) -> Self {
        self.areas.extend(areas);
        self
    }

    /// An organisation's area, if it has one.
    pub fn area(&self, id: &str) -> Option<&crate::Area> {
        self.areas.get(id)
    }

    /// The organisations with an area, by id.
    pub fn areas(&self) -> impl Iterator<Item = (&str, &crate::Area)> {
        self.areas.iter().map(|(id, a)| (id.as_str(), a))
    }

    /// How many levels below the root `id` sits (the root is 0).
    pub fn depth(&self, id: &str) -> usize {
        let mut d = 0;
        let mut cur = self.orgs.get(id).and_then(|o| o.parent_id.as_deref());
        while let Some(p) = cur {
            d += 1;
            if d > 64 {
                break;
            }
            cur = self.orgs.get(p).and_then(|o| o.parent_id.as_deref());
        }
        d
    }

    /// The deepest organisation whose area contains `p` (a station before its district), if
    /// any; ties at one depth (overlapping siblings, which the store refuses) go to the lower id.
    pub fn deepest_at(&self, p: &crate::LonLat) -> Option<&Org> {
        self.areas
            .iter()
            .filter(|(_, a)| a.contains(p))
            .filter_map(|(id, _)| self.orgs.get(id))
            .max_by(|a, b| {
                self.depth(&a.id)
                    .cmp(&self.depth(&b.id))
                    .then_with(|| b.id.cmp(&a.id))
            })
    }

    /// Looks an organisation up.
    pub fn get(&self, id: &str) -> Option<&Org> {
        self.orgs.get(id)
    }

    /// True when `org` is `ancestor` or lies below it: the jurisdiction rule.
    pub fn is_within(&self, org: &str, ancestor: &str) -> bool {
        let mut cur = Some(org);
        // The depth bound guards against a cycle in corrupted data.
        for _ in 0..64 {
            match cur {
                Some(id) if id == ancestor => return true,
                Some(id) => cur = self.orgs.get(id).and_then(|o| o.parent_id.as_deref()),
                None => return false,
            }
        }
        false
    }

    /// Every organisation within `root` (itself included), sorted by id.
    pub fn subtree(&self, root: &str) -> Vec<&Org> {
        let mut v: Vec<&Org> = self
            .orgs
            .values()
            .filter(|o| self.is_within(&o.id, root))
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// Ids of every organisation within `root`.
    pub fn subtree_ids(&self, root: &str) -> Vec<String> {
        self.subtree(root)
            .into_iter()
            .map(|o| o.id.clone())
            .collect()
    }

    /// The parent of `id`, if any (escalation goes there).
    pub fn parent(&self, id: &str) -> Option<&Org> {
        self.orgs
            .get(id)
            .and_then(|o| o.parent_id.as_deref())
            .and_then(|p| self.orgs.get(p))
    }

    /// All organisations.
    pub fn iter(&self) -> impl Iterator<Item = &Org> {
        self.orgs.values()
    }

    /// Number of organisations.
    pub fn len(&self) -> usize {
        self.orgs.len()
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.orgs.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn org(id: &str, parent: Option<&str>, kind: OrgKind) -> Org {
        Org {
            id: id.into(),
            parent_id: parent.map(Into::into),
            name: id.into(),
            name_en: id.into(),
            kind,
        }
    }

    #[test]
    fn jurisdiction_follows_the_tree() {
        let t = OrgTree::new([
            org("city", None, OrgKind::City),
            org("d1", Some("city"), OrgKind::District),
            org("s1", Some("d1"), OrgKind::Station),
            org("s2", Some("d1"), OrgKind::Station),
        ]);
        assert!(t.is_within("s1", "city"));
        assert!(t.is_within("s1", "d1"));
        assert!(t.is_within("s1", "s1"));
        assert!(!t.is_within("s2", "s1"));
        assert!(!t.is_within("d1", "s1"));
        assert_eq!(t.subtree_ids("d1"), vec!["d1", "s1", "s2"]);
        assert_eq!(t.parent("s1").unwrap().id, "d1");
    }

    #[test]
    fn cycle_does_not_hang() {
        let t = OrgTree::new([
            org("a", Some("b"), OrgKind::Station),
            org("b", Some("a"), OrgKind::Station),
        ]);
        assert!(!t.is_within("a", "city"));
    }
}
