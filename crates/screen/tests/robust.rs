//! Whatever a post holds — any Unicode, broken brackets, control characters, mixed scripts — the
//! screen answers without panicking, and every span it reports points into the text as written.

use proptest::prelude::*;
use zhihui_screen::places::PlaceFinder;
use zhihui_screen::{normalize_with_offsets, Screener};

fn posts() -> impl Strategy<Value = String> {
    prop_oneof![
        // Anything at all.
        any::<String>(),
        // Chinese with the characters the normaliser treats specially mixed in.
        proptest::collection::vec(
            prop_oneof![
                Just("跳楼".to_owned()),
                Just("遗书".to_owned()),
                Just("不".to_owned()),
                Just("[泪]".to_owned()),
                Just("[".to_owned()),
                Just("]".to_owned()),
                Just(" ".to_owned()),
                Just(".".to_owned()),
                Just("\u{200b}".to_owned()),
                Just("樓".to_owned()),
                Just("路".to_owned()),
                Just("大桥".to_owned()),
                Just("新乡".to_owned()),
                Just("ТІАО".to_owned()),
                "[\u{4e00}-\u{9fff}]{1,3}",
                "[a-zA-Z0-9]{1,4}",
            ],
            0..40,
        )
        .prop_map(|v| v.concat()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn any_post_is_screened_and_every_span_points_into_it(text in posts()) {
        static BUILT: std::sync::OnceLock<(Screener, PlaceFinder)> = std::sync::OnceLock::new();
        let (screener, finder) =
            BUILT.get_or_init(|| (Screener::with_default_lexicon(), PlaceFinder::new([])));
        let chars: Vec<char> = text.chars().collect();
        let (norm, map) = normalize_with_offsets(&text);
        let norm_len = norm.chars().count();
        prop_assert_eq!(map.len(), norm_len);
        prop_assert!(map.windows(2).all(|w| w[0] <= w[1]), "offsets go forward");
        prop_assert!(map.iter().all(|&i| i < chars.len().max(1)));
        for r in screener.screen(&text) {
            for e in &r.evidence {
                prop_assert!(e.start < e.end && e.end <= norm_len);
            }
        }
        for p in finder.find(&text) {
            prop_assert!(p.start < p.end && p.end <= chars.len());
            let span: String = chars[p.start..p.end].iter().collect();
            prop_assert_eq!(span, p.text);
        }
    }
}
