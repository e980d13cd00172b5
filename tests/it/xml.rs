//! XML reports and workbook parts read back with roxmltree, as a tree of plain elements
//! (local names, attributes, direct text).

use std::collections::BTreeMap;

/// An element: its local name, attributes (by local name), its own text (its text children,
/// not its descendants'), and its child elements.
#[derive(Debug, Default, Clone)]
pub struct Element {
    pub name: String,
    pub attrs: BTreeMap<String, String>,
    pub text: String,
    pub children: Vec<Element>,
}

/// An element of [`Element::flatten`]: the index of its parent in that list, if any.
#[derive(Debug, Clone)]
pub struct Flat<'a> {
    pub element: &'a Element,
    pub parent: Option<usize>,
}

impl Element {
    pub fn attr(&self, name: &str) -> &str {
        self.attrs
            .get(name)
            .unwrap_or_else(|| panic!("<{}> has no {name} attribute", self.name))
    }

    pub fn all(&self, name: &str) -> Vec<&Element> {
        self.children.iter().filter(|c| c.name == name).collect()
    }

    pub fn one(&self, name: &str) -> &Element {
        let all = self.all(name);
        assert_eq!(all.len(), 1, "<{}> has {} <{name}>", self.name, all.len());
        all[0]
    }

    pub fn child_names(&self) -> Vec<&str> {
        self.children.iter().map(|c| c.name.as_str()).collect()
    }

    /// This element and every descendant, in document order.
    pub fn flatten(&self) -> Vec<Flat<'_>> {
        fn walk<'a>(e: &'a Element, parent: Option<usize>, out: &mut Vec<Flat<'a>>) {
            let me = out.len();
            out.push(Flat { element: e, parent });
            for child in &e.children {
                walk(child, Some(me), out);
            }
        }
        let mut out = Vec::new();
        walk(self, None, &mut out);
        out
    }
}

/// Parses a whole document (well-formed, or the test fails); returns its root element.
pub fn parse(xml: &str) -> Element {
    let document =
        roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("not well-formed: {e}"));
    element(document.root_element())
}

fn element(node: roxmltree::Node<'_, '_>) -> Element {
    Element {
        name: node.tag_name().name().to_string(),
        attrs: node
            .attributes()
            .map(|a| (a.name().to_string(), a.value().to_string()))
            .collect(),
        text: node
            .children()
            .filter(|c| c.is_text())
            .filter_map(|c| c.text())
            .collect(),
        children: node
            .children()
            .filter(|c| c.is_element())
            .map(element)
            .collect(),
    }
}
