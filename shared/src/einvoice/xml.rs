//! A small XML writer: elements opened and closed in order, text and attributes escaped,
//! characters XML 1.0 does not allow dropped. Enough for the two e-invoice syntaxes, whose
//! element order the writers spell out.

pub struct Xml {
    out: String,
    open: Vec<&'static str>,
}

/// `s` with `& < > " '` escaped and characters outside XML 1.0 removed.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

impl Xml {
    pub fn new() -> Self {
        Self {
            out: String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"),
            open: Vec::new(),
        }
    }

    fn start(&mut self, tag: &'static str, attrs: &[(&str, &str)]) {
        self.out.push('<');
        self.out.push_str(tag);
        for (k, v) in attrs {
            self.out.push(' ');
            self.out.push_str(k);
            self.out.push_str("=\"");
            self.out.push_str(&escape(v));
            self.out.push('"');
        }
        self.out.push('>');
    }

    /// Opens `tag`; [`Self::close`] closes it.
    pub fn open(&mut self, tag: &'static str, attrs: &[(&str, &str)]) -> &mut Self {
        self.start(tag, attrs);
        self.open.push(tag);
        self
    }

    pub fn close(&mut self) -> &mut Self {
        let tag = self.open.pop().expect("an open element");
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// `<tag attrs>text</tag>`.
    pub fn leaf(&mut self, tag: &'static str, attrs: &[(&str, &str)], text: &str) -> &mut Self {
        self.start(tag, attrs);
        self.out.push_str(&escape(text));
        self.out.push_str("</");
        self.out.push_str(tag);
        self.out.push('>');
        self
    }

    /// [`Self::leaf`] without attributes.
    pub fn text(&mut self, tag: &'static str, text: &str) -> &mut Self {
        self.leaf(tag, &[], text)
    }

    /// [`Self::text`] when there is a value.
    pub fn opt(&mut self, tag: &'static str, text: Option<&str>) -> &mut Self {
        if let Some(t) = text {
            self.text(tag, t);
        }
        self
    }

    /// Opens `tag`, writes what `f` writes, closes it.
    pub fn with(&mut self, tag: &'static str, f: impl FnOnce(&mut Self)) -> &mut Self {
        self.open(tag, &[]);
        f(self);
        self.close()
    }

    pub fn finish(self) -> String {
        assert!(self.open.is_empty(), "unclosed elements: {:?}", self.open);
        self.out
    }
}

impl Default for Xml {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_text_and_attributes() {
        let mut x = Xml::new();
        x.open("a", &[("k", "\"<&>'")])
            .text("b", "x < y & \u{1} z")
            .close();
        assert!(
            x.finish()
                .ends_with("<a k=\"&quot;&lt;&amp;&gt;&apos;\"><b>x &lt; y &amp;  z</b></a>")
        );
    }
}
