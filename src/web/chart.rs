//! Bar charts drawn on the server as SVG: no script, no image files, readable by a screen
//! reader through the table each chart sits beside.

use maud::{Markup, html};

/// Each item is a line of label over its bar, then a gap, in SVG units.
const LABEL: u32 = 20;
const BAR: u32 = 18;
const GAP: u32 = 10;
/// The longest bar, and room beside it for the figure.
const BARS: u32 = 520;
const FIGURE: u32 = 80;

/// Horizontal bars, one per `(label, value, shown)` with its label above it, scaled to the
/// largest value. Bars start at the page's reading start: the right in Persian, the left in
/// English. Labels get a line of their own: service and stage names are long.
pub fn bars(title: &str, items: &[(String, f64, String)], right_to_left: bool) -> Markup {
    let max = items.iter().map(|(_, v, _)| *v).fold(0.0_f64, f64::max);
    let width = BARS + FIGURE;
    let step = LABEL + BAR + GAP;
    let height = (items.len() as u32).max(1) * step;
    html! {
        svg.chart xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
            viewBox=(format!("0 0 {width} {height}")) width=(width) height=(height) {
            title { (title) }
            @for (i, (label, value, shown)) in items.iter().enumerate() {
                @let y = i as u32 * step;
                @let length = if max > 0.0 { (value / max * f64::from(BARS)).round() as u32 } else { 0 };
                @if right_to_left {
                    // In right-to-left text "start" is the right edge: each text runs leftwards
                    // from its x.
                    text x=(width) y=(y + LABEL - 5) text-anchor="start" direction="rtl" { (label) }
                    rect x=(width - length) y=(y + LABEL) width=(length) height=(BAR) rx="3" {}
                    text x=(width - length - 6) y=(y + LABEL + BAR - 4) text-anchor="start" direction="rtl" { (shown) }
                } @else {
                    text x="0" y=(y + LABEL - 5) { (label) }
                    rect x="0" y=(y + LABEL) width=(length) height=(BAR) rx="3" {}
                    text x=(length + 6) y=(y + LABEL + BAR - 4) { (shown) }
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_are_scaled_to_the_largest_and_escaped() {
        let items = vec![
            ("<a>".to_owned(), 10.0, "10".to_owned()),
            ("b".to_owned(), 5.0, "5".to_owned()),
        ];
        let svg = bars("t", &items, false).into_string();
        assert!(svg.contains(&format!("width=\"{BARS}\"")), "{svg}");
        assert!(svg.contains(&format!("width=\"{}\"", BARS / 2)), "{svg}");
        assert!(svg.contains("&lt;a&gt;") && !svg.contains("<a>"), "{svg}");
        let none = bars("t", &[("z".to_owned(), 0.0, "0".to_owned())], true).into_string();
        assert!(none.contains("width=\"0\""), "{none}");
    }
}
