//! Upstream HTML and URLs, made safe to render.

use std::collections::HashSet;
use std::sync::LazyLock;

use url::Url;

/// HN's comment markup (`<p>`, `<a>`, `<i>`, `<pre><code>`) and nothing more.
static CLEANER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::empty();
    builder
        .tags(HashSet::from(["p", "a", "i", "em", "b", "strong", "pre", "code", "br"]))
        .tag_attributes(std::collections::HashMap::from([("a", HashSet::from(["href"]))]))
        .url_schemes(HashSet::from(["http", "https"]))
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some("nofollow noopener noreferrer"))
        .strip_comments(true);
    builder
});

/// Sanitised HTML for `inner_html`: no scripts, no handlers, links only to http(s).
pub fn clean_html(raw: &str) -> String {
    CLEANER.clean(raw).to_string()
}

/// `raw` if it is an absolute http(s) URL, else `None` (so it is never rendered as a link).
pub fn safe_http_url(raw: &str) -> Option<String> {
    let url = Url::parse(raw.trim()).ok()?;
    let is_web = matches!(url.scheme(), "http" | "https") && url.host_str().is_some_and(|h| !h.is_empty());
    is_web.then(|| url.to_string())
}

/// The host shown next to a title, without `www.`.
pub fn display_domain(url: &str) -> Option<String> {
    let url = Url::parse(url).ok()?;
    let host = url.host_str()?;
    Some(host.strip_prefix("www.").unwrap_or(host).to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let out = clean_html(r#"<p onclick="x()">hi<script>alert(1)</script><img src=x onerror=alert(1)></p>"#);
        assert_eq!(out, "<p>hi</p>");
    }

    #[test]
    fn hn_markup_survives() {
        let raw = r#"<p>See <a href="https://example.com/a?b=1&amp;c=2">this</a></p><pre><code>fn main() {}</code></pre><i>x</i>"#;
        let out = clean_html(raw);
        assert!(
            out.contains(r#"<a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">this</a>"#),
            "{out}"
        );
        assert!(out.contains("<pre><code>fn main() {}</code></pre>"));
        assert!(out.contains("<i>x</i>"));
    }

    #[test]
    fn dangerous_link_schemes_lose_their_href() {
        for href in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "data:text/html,<script>",
            "vbscript:x",
            "/relative",
            "//evil.example",
        ] {
            let out = clean_html(&format!(r#"<a href="{href}">x</a>"#));
            assert!(!out.contains("href"), "{href} kept: {out}");
        }
    }

    #[test]
    fn styles_iframes_and_forms_go() {
        let out =
            clean_html(r#"<style>*{}</style><iframe src="https://x"></iframe><form><input></form><p style="x">t</p>"#);
        assert_eq!(out, "<p>t</p>");
    }

    #[test]
    fn text_that_reads_like_a_link_stays_text() {
        // Found by `make fuzz` (fuzz/corpus/sanitize_html/regression-text-reads-like-href).
        let out = clean_html(r#"x href="javascript:alert(1)" <a href="javascript:y">z</a>"#);
        assert_eq!(
            out,
            r#"x href="javascript:alert(1)" <a rel="nofollow noopener noreferrer">z</a>"#
        );
    }

    #[test]
    fn control_characters_cannot_smuggle_a_scheme() {
        // Browsers drop leading C0 controls and inner tabs/newlines; so does the URL check.
        for href in [
            "\u{1}javascript:alert(1)",
            " javascript:alert(1)",
            "java\tscript:alert(1)",
            "java\nscript:x",
        ] {
            let out = clean_html(&format!(r#"<a href="{href}">x</a>"#));
            assert!(!out.contains("href"), "{href:?} kept: {out}");
        }
        // Found by `make fuzz`: odd but genuine https links stay links.
        let out = clean_html("<a href=\"\u{1e}https:/.example.com/a\">x</a>");
        assert!(out.contains("href="), "{out}");
    }

    #[test]
    fn only_http_urls_are_links() {
        assert_eq!(
            safe_http_url("https://example.com/x").as_deref(),
            Some("https://example.com/x")
        );
        assert_eq!(
            safe_http_url(" http://example.com ").as_deref(),
            Some("http://example.com/")
        );
        for bad in [
            "javascript:alert(1)",
            "data:text/html,x",
            "ftp://example.com",
            "example.com",
            "",
            "http://",
        ] {
            assert_eq!(safe_http_url(bad), None, "{bad}");
        }
    }

    #[test]
    fn domains_drop_www() {
        assert_eq!(
            display_domain("https://www.example.com/a").as_deref(),
            Some("example.com")
        );
        assert_eq!(
            display_domain("https://blog.example.co.uk").as_deref(),
            Some("blog.example.co.uk")
        );
    }
}
