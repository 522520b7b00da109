//! Bar charts drawn on the server as SVG: the geometry is computed here (pure, tested) and the
//! template only writes the shapes. No script, so the page works as it is printed.

use serde::Serialize;

/// One bar: where it is, which series it belongs to (its colour) and what it says on hover.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bar {
    pub x: u32,
    pub y: u32,
    pub width: u32,
    pub height: u32,
    pub series: usize,
    pub title: String,
}

/// A text at a position (axis labels).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Label {
    pub x: u32,
    pub y: u32,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Chart {
    pub width: u32,
    pub height: u32,
    pub bars: Vec<Bar>,
    pub labels: Vec<Label>,
    /// Horizontal grid lines with their value (at 0, half and the top).
    pub grid: Vec<Label>,
}

const LEFT: u32 = 56;
const TOP: u32 = 10;
const PLOT: u32 = 170;
const BAR: u32 = 10;
const GAP: u32 = 12;

/// Bars of several series side by side per category (e.g. months); `format` writes a value.
pub fn grouped_bars(
    categories: &[String],
    series: &[(String, Vec<i64>)],
    format: impl Fn(i64) -> String,
) -> Chart {
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .max()
        .unwrap_or(0)
        .max(1);
    let group = (series.len() as u32).max(1) * BAR + GAP;
    let mut bars = Vec::new();
    let mut labels = Vec::new();
    for (i, category) in categories.iter().enumerate() {
        let x0 = LEFT + i as u32 * group + GAP / 2;
        for (s, (name, values)) in series.iter().enumerate() {
            let v = values.get(i).copied().unwrap_or(0).max(0);
            // Integer scaling: a value of 1 against a large maximum still shows as a sliver.
            let h = ((v as i128 * i128::from(PLOT)) / i128::from(max)) as u32;
            let h = if v > 0 { h.max(1) } else { 0 };
            bars.push(Bar {
                x: x0 + s as u32 * BAR,
                y: TOP + PLOT - h,
                width: BAR - 1,
                height: h,
                series: s,
                title: format!("{category} · {name}: {}", format(v)),
            });
        }
        labels.push(Label {
            x: x0 + (group - GAP) / 2,
            y: TOP + PLOT + 16,
            text: category.clone(),
        });
    }
    let grid = [0, max / 2, max]
        .into_iter()
        .map(|v| Label {
            x: LEFT - 6,
            y: TOP + PLOT - ((v as i128 * i128::from(PLOT)) / i128::from(max)) as u32,
            text: format(v),
        })
        .collect();
    Chart {
        width: LEFT + categories.len() as u32 * group + GAP,
        height: TOP + PLOT + 24,
        bars,
        labels,
        grid,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_tallest_bar_fills_the_plot_and_zero_draws_nothing() {
        let c = grouped_bars(
            &["2026-05".into(), "2026-06".into()],
            &[("a".into(), vec![10, 0]), ("b".into(), vec![5, 1])],
            |v| v.to_string(),
        );
        assert_eq!(c.bars.len(), 4);
        assert_eq!(c.bars[0].height, PLOT);
        assert_eq!(c.bars[1].height, PLOT / 2);
        assert_eq!(c.bars[2].height, 0);
        assert_eq!(c.bars[3].height, 17);
        assert!(c.bars[1].title.ends_with("b: 5"));
        assert_eq!(c.labels[1].text, "2026-06");
    }

    proptest! {
        #[test]
        fn bars_stay_inside_the_picture(
            values in proptest::collection::vec(proptest::collection::vec(0i64..i64::MAX / 2, 12), 1..5)
        ) {
            let months: Vec<String> = (1..=12).map(|m| format!("2026-{m:02}")).collect();
            let series: Vec<(String, Vec<i64>)> =
                values.into_iter().enumerate().map(|(i, v)| (i.to_string(), v)).collect();
            let c = grouped_bars(&months, &series, |v| v.to_string());
            for b in &c.bars {
                prop_assert!(b.x + b.width <= c.width && b.y + b.height <= TOP + PLOT && b.y >= TOP);
            }
        }
    }
}
