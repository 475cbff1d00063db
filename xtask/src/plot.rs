//! Horizontal bar charts as hand-written SVG, for the plots `docs/results.md` shows.
//!
//! No plotting crate: a chart is a few `<rect>`s and `<text>`s. The output depends only on the
//! data (fixed sizes, fixed palette, coordinates to one decimal), so a plot changes in git only
//! when its figures do. Charts are written to `docs/plots/<name>.svg` ([`write`]).

use crate::{root, Failure};
use std::fmt::Write as _;

/// Colours of the series, in order (distinguishable in colour and in grey).
const PALETTE: [&str; 5] = ["#3b6ea5", "#e08a2c", "#4f9a55", "#c44e52", "#8172b2"];
/// Width of the picture.
const WIDTH: f64 = 760.0;
/// Height of one bar.
const BAR: f64 = 16.0;
/// Space between two categories.
const GAP: f64 = 10.0;
/// Approximate width of a character of the 12 px sans-serif font, for the label column.
const CHAR: f64 = 6.6;

/// How the series of one category are drawn.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Layout {
    /// One bar per series, one under the other.
    Grouped,
    /// The series' values end to end in one bar (all values must be at least 0).
    Stacked,
}

/// One series: a value per category, `None` where there is none ("n/a" is drawn).
pub struct Series {
    /// The legend's name.
    pub name: String,
    /// One value per category.
    pub values: Vec<Option<f64>>,
}

/// A chart.
pub struct Chart {
    /// The title, drawn at the top.
    pub title: String,
    /// What the axis measures, with its unit.
    pub axis: String,
    /// The categories, top to bottom.
    pub categories: Vec<String>,
    /// The series.
    pub series: Vec<Series>,
    /// Grouped or stacked.
    pub layout: Layout,
    /// How a value is written beside its bar.
    pub format: fn(f64) -> String,
}

/// Writes `chart` to `docs/plots/<name>.svg`; returns the path relative to `docs/` (for a link
/// from `docs/results.md`).
pub fn write(name: &str, chart: &Chart) -> Result<String, Failure> {
    let dir = root().join("docs/plots");
    std::fs::create_dir_all(&dir).map_err(|e| Failure::new(format!("{}: {e}", dir.display())))?;
    let path = dir.join(format!("{name}.svg"));
    std::fs::write(&path, svg(chart)).map_err(|e| Failure::new(format!("{}: {e}", path.display())))?;
    Ok(format!("plots/{name}.svg"))
}

/// The chart as an SVG document.
pub fn svg(chart: &Chart) -> String {
    let bars_per_category = match chart.layout {
        Layout::Grouped => chart.series.len().max(1),
        Layout::Stacked => 1,
    };
    let row_height = bars_per_category as f64 * BAR + GAP;
    let label_width = chart.categories.iter().map(|c| c.chars().count()).max().unwrap_or(0) as f64 * CHAR + 24.0;
    let legend_rows = if chart.series.len() > 1 { 1.0 } else { 0.0 };
    let top = 34.0 + legend_rows * 20.0;
    let left = label_width.min(WIDTH / 2.0);
    let right = WIDTH - 90.0;
    let plot_height = chart.categories.len() as f64 * row_height;
    let height = top + plot_height + 48.0;

    // The axis spans 0 and every value (or every stack's total).
    let totals: Vec<f64> = match chart.layout {
        Layout::Grouped => chart.series.iter().flat_map(|s| s.values.iter().flatten().copied()).collect(),
        Layout::Stacked => (0..chart.categories.len())
            .map(|i| chart.series.iter().filter_map(|s| s.values.get(i).copied().flatten()).sum())
            .collect(),
    };
    let low = totals.iter().copied().fold(0.0, f64::min);
    let high = totals.iter().copied().fold(0.0, f64::max);
    let (low, high, step) = axis(low, high);
    let x = |value: f64| left + (value - low) / (high - low) * (right - left);

    let mut out = String::new();
    let _ = writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{height:.0}\" \
         viewBox=\"0 0 {WIDTH} {height:.0}\" font-family=\"sans-serif\" font-size=\"12\">"
    );
    let _ = writeln!(out, "<title>{}</title>", escape(&chart.title));
    let _ = writeln!(out, "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>");
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"20\" font-size=\"14\" font-weight=\"bold\">{}</text>",
        8.0,
        escape(&chart.title)
    );
    if legend_rows > 0.0 {
        let mut legend_x = left;
        for (index, series) in chart.series.iter().enumerate() {
            let _ = writeln!(
                out,
                "<rect x=\"{legend_x:.1}\" y=\"32\" width=\"12\" height=\"12\" fill=\"{}\"/>\
                 <text x=\"{:.1}\" y=\"42\">{}</text>",
                PALETTE[index % PALETTE.len()],
                legend_x + 16.0,
                escape(&series.name)
            );
            legend_x += 16.0 + series.name.chars().count() as f64 * CHAR + 24.0;
        }
    }
    // Grid and tick labels.
    let mut tick = low;
    while tick <= high + step / 1e6 {
        let _ = writeln!(
            out,
            "<line x1=\"{0:.1}\" y1=\"{top:.1}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#dddddd\"/>\
             <text x=\"{0:.1}\" y=\"{2:.1}\" text-anchor=\"middle\" fill=\"#555555\">{3}</text>",
            x(tick),
            top + plot_height,
            top + plot_height + 16.0,
            tick_label(tick, step)
        );
        tick += step;
    }
    let _ = writeln!(
        out,
        "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
        (left + right) / 2.0,
        top + plot_height + 36.0,
        escape(&chart.axis)
    );
    // Bars.
    for (row, category) in chart.categories.iter().enumerate() {
        let row_top = top + row as f64 * row_height + GAP / 2.0;
        let _ = writeln!(
            out,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>",
            left - 8.0,
            row_top + bars_per_category as f64 * BAR / 2.0 + 4.0,
            escape(category)
        );
        let mut stacked = 0.0;
        for (index, series) in chart.series.iter().enumerate() {
            let colour = PALETTE[index % PALETTE.len()];
            let value = series.values.get(row).copied().flatten();
            let bar_top = match chart.layout {
                Layout::Grouped => row_top + index as f64 * BAR,
                Layout::Stacked => row_top,
            };
            match (value, chart.layout) {
                (None, Layout::Grouped) => {
                    let _ = writeln!(
                        out,
                        "<text x=\"{:.1}\" y=\"{:.1}\" fill=\"#777777\">n/a</text>",
                        x(0.0) + 4.0,
                        bar_top + BAR - 4.0
                    );
                }
                (None, Layout::Stacked) => {}
                (Some(value), Layout::Grouped) => {
                    let (from, to) = (x(0.0_f64.min(value)), x(0.0_f64.max(value)));
                    let _ = writeln!(
                        out,
                        "<rect x=\"{from:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\">\
                         <title>{}: {}</title></rect><text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                        bar_top + 1.0,
                        (to - from).max(0.5),
                        BAR - 2.0,
                        escape(&series.name),
                        escape(&(chart.format)(value)),
                        to + 4.0,
                        bar_top + BAR - 4.0,
                        escape(&(chart.format)(value))
                    );
                }
                (Some(value), Layout::Stacked) => {
                    let (from, to) = (x(stacked), x(stacked + value));
                    stacked += value;
                    let _ = writeln!(
                        out,
                        "<rect x=\"{from:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" fill=\"{colour}\">\
                         <title>{}: {}</title></rect>",
                        bar_top + 1.0,
                        (to - from).max(0.0),
                        BAR - 2.0,
                        escape(&series.name),
                        escape(&(chart.format)(value))
                    );
                }
            }
        }
        if chart.layout == Layout::Stacked {
            let _ = writeln!(
                out,
                "<text x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x(stacked) + 4.0,
                row_top + BAR - 4.0,
                escape(&(chart.format)(stacked))
            );
        }
    }
    let _ = writeln!(
        out,
        "<line x1=\"{0:.1}\" y1=\"{top:.1}\" x2=\"{0:.1}\" y2=\"{1:.1}\" stroke=\"#333333\"/>",
        x(0.0),
        top + plot_height
    );
    out.push_str("</svg>\n");
    out
}

/// The axis from `low` to `high` (0 included), widened to whole steps of 1, 2 or 5 × 10^n.
fn axis(low: f64, high: f64) -> (f64, f64, f64) {
    let span = if high - low > 0.0 { high - low } else { 1.0 };
    let rough = span / 5.0;
    let magnitude = 10f64.powf(rough.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0].iter().map(|m| m * magnitude).find(|s| *s >= rough).unwrap_or(10.0 * magnitude);
    ((low / step).floor() * step, ((high / step).ceil() * step).max(step), step)
}

fn tick_label(value: f64, step: f64) -> String {
    let decimals = if step >= 1.0 { 0 } else { (-step.log10().floor()) as usize };
    let text = format!("{:.*}", decimals, if value.abs() < step / 1e6 { 0.0 } else { value });
    if decimals == 0 {
        group_digits(&text)
    } else {
        text
    }
}

/// "12345" → "12,345" (also with a sign).
pub fn group_digits(integer: &str) -> String {
    let (sign, digits) = integer.strip_prefix('-').map_or(("", integer), |rest| ("-", rest));
    let mut out = String::from(sign);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index) % 3 == 0 {
            out.push(',');
        }
        out.push(digit);
    }
    out
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chart(layout: Layout) -> Chart {
        Chart {
            title: "Overhead <per> scenario & mode".into(),
            axis: "overhead (%)".into(),
            categories: vec!["CTask".into(), "FFTTask".into(), "SimpleFFT".into()],
            series: vec![
                Series { name: "fully virtualized".into(), values: vec![Some(2.97), Some(0.17), Some(0.0)] },
                Series { name: "para-virtualized".into(), values: vec![None, Some(0.5), None] },
            ],
            layout,
            format: |v| format!("{v:.2} %"),
        }
    }

    #[test]
    fn a_grouped_chart_draws_a_bar_per_value_and_n_a_for_the_missing() {
        let svg = svg(&chart(Layout::Grouped));
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<title>fully virtualized:").count(), 3);
        assert_eq!(svg.matches("<title>para-virtualized:").count(), 1);
        assert_eq!(svg.matches(">n/a</text>").count(), 2);
        assert!(svg.contains("Overhead &lt;per&gt; scenario &amp; mode"), "text is escaped");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
    }

    #[test]
    fn a_stacked_chart_labels_each_total_and_the_output_is_deterministic() {
        let stacked = Chart {
            title: "Footprint".into(),
            axis: "bytes".into(),
            categories: vec!["basis".into(), "+trap statistics".into()],
            series: vec![
                Series { name: "code".into(), values: vec![Some(9952.0), Some(10284.0)] },
                Series { name: "static data".into(), values: vec![Some(1880.0), Some(2408.0)] },
            ],
            layout: Layout::Stacked,
            format: |v| format!("{} B", group_digits(&format!("{v:.0}"))),
        };
        let first = svg(&stacked);
        assert_eq!(first, svg(&stacked));
        assert!(first.contains(">11,832 B</text>") && first.contains(">12,692 B</text>"), "{first}");
    }

    #[test]
    fn the_axis_takes_whole_steps_and_includes_zero() {
        assert_eq!(axis(0.0, 2.97), (0.0, 3.0, 1.0));
        assert_eq!(axis(0.0, 0.17), (0.0, 0.2, 0.05));
        assert_eq!(axis(0.0, 467.0), (0.0, 500.0, 100.0));
        assert_eq!(axis(-1.0, 9.0), (-2.0, 10.0, 2.0));
        assert_eq!(axis(0.0, 0.0), (0.0, 0.2, 0.2));
        assert_eq!(tick_label(12000.0, 2000.0), "12,000");
        assert_eq!(tick_label(0.5, 0.5), "0.5");
    }
}
