//! Text normalisation before matching: what people type to dodge a filter or by habit must not
//! change what a post says. Full-width forms become half-width, ASCII is lower-cased, Weibo's
//! bracketed emoji (`[笑cry]`, `[泪]`) and zero-width or decorative characters are dropped,
//! spaces and punctuation wedged between Chinese characters (`跳 楼`, `跳.楼`) are removed, and a
//! run of one character is cut to two (`啊啊啊啊` → `啊啊`), and Cyrillic or Greek letters that
//! look like Latin ones become those (`zіsha` → `zisha`).
//!
//! Traditional characters become simplified ones first (`fast2s`, MIT: one character for one,
//! with the phrase exceptions of its tables), so `跳樓` and `遺書` read as `跳楼` and `遗书`.

/// Whether `c` is a CJK ideograph.
pub fn is_cjk(c: char) -> bool {
    matches!(c, '\u{4e00}'..='\u{9fff}' | '\u{3400}'..='\u{4dbf}' | '\u{f900}'..='\u{faff}')
}

/// Characters that carry nothing: zero-width spaces and joiners, the byte-order mark, variation
/// selectors.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}' | '\u{fe00}'..='\u{fe0f}')
}

/// What may be wedged between two Chinese characters to split a word without changing it.
fn filler(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '.' | '·'
                | '-'
                | '_'
                | '*'
                | '/'
                | '\\'
                | '|'
                | '~'
                | '^'
                | '`'
                | '\''
                | '"'
                | '+'
                | '='
        )
}

/// Cyrillic and Greek letters that look like Latin ones, as the Latin letter (`zіsha` with a
/// Ukrainian і reads as `zisha`).
fn homoglyph(c: char) -> char {
    match c {
        'а' | 'А' | 'α' => 'a',
        'в' | 'В' | 'β' => 'b',
        'с' | 'С' | 'ϲ' => 'c',
        'е' | 'Е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'І' | 'ι' => 'i',
        'ј' | 'Ј' => 'j',
        'к' | 'К' | 'κ' => 'k',
        'м' | 'М' => 'm',
        'н' | 'Н' => 'h',
        'η' => 'n',
        'о' | 'О' | 'ο' => 'o',
        'р' | 'Р' | 'ρ' => 'p',
        'ѕ' | 'Ѕ' => 's',
        'т' | 'Т' | 'τ' => 't',
        'υ' => 'u',
        'х' | 'Х' | 'χ' => 'x',
        'у' | 'У' | 'γ' => 'y',
        _ => c,
    }
}

/// Full-width ASCII forms and the ideographic space as their half-width selves.
fn half_width(c: char) -> char {
    match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        '\u{3000}' => ' ',
        _ => c,
    }
}

/// Normalises `text` (see the module documentation).
pub fn normalize(text: &str) -> String {
    normalize_with_offsets(text).0
}

/// Normalises `text` and tells, for each character of the result, the index of the character of
/// `text` it came from, so that evidence found in the normalised text can be shown in the post
/// as written. (Should the traditional → simplified step ever change the number of characters,
/// the map points each character at its own index, clamped to the text.)
pub fn normalize_with_offsets(text: &str) -> (String, Vec<usize>) {
    // 0. Traditional → simplified (one character for one, so offsets keep their meaning).
    let simplified = fast2s::convert(text);
    let original_len = text.chars().count();
    let same_length = simplified.chars().count() == original_len;
    let origin = |i: usize| {
        if same_length {
            i
        } else {
            i.min(original_len.saturating_sub(1))
        }
    };
    // 1. Character-wise: half width, lower case, drop the invisible.
    let chars: Vec<(char, usize)> = simplified
        .chars()
        .enumerate()
        .map(|(i, c)| (homoglyph(half_width(c)), origin(i)))
        .filter(|(c, _)| !invisible(*c))
        .map(|(c, i)| (c.to_ascii_lowercase(), i))
        .collect();
    // 2. Weibo emoji: `[` + 1 to 8 characters without brackets + `]`.
    let mut no_emoji: Vec<(char, usize)> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i].0 == '[' {
            if let Some(len) = chars[i + 1..]
                .iter()
                .take(9)
                .position(|c| c.0 == ']')
                .filter(|&n| n >= 1 && !chars[i + 1..i + 1 + n].iter().any(|c| c.0 == '['))
            {
                i += len + 2;
                continue;
            }
        }
        no_emoji.push(chars[i]);
        i += 1;
    }
    // 3. Fillers between two Chinese characters go; a run of one character is cut to two.
    let mut out = String::with_capacity(text.len());
    let mut map = Vec::with_capacity(no_emoji.len());
    let mut last: Option<char> = None;
    let mut run = 0;
    let n = no_emoji.len();
    let mut k = 0;
    while k < n {
        let (c, from) = no_emoji[k];
        // Between two Chinese characters, or a Chinese character and a Latin letter or digit
        // (`tiao 楼`), fillers go; between two Latin words a space stays.
        let word = |c: char| is_cjk(c) || c.is_ascii_alphanumeric();
        if filler(c) && last.is_some_and(word) {
            let mut j = k;
            while j < n && filler(no_emoji[j].0) {
                j += 1;
            }
            if j < n && word(no_emoji[j].0) && (is_cjk(no_emoji[j].0) || last.is_some_and(is_cjk)) {
                k = j;
                continue;
            }
        }
        if Some(c) == last {
            run += 1;
            if run >= 2 {
                k += 1;
                continue;
            }
        } else {
            run = 0;
        }
        out.push(c);
        map.push(from);
        last = Some(c);
        k += 1;
    }
    (out, map)
}

/// The span of `text` (character offsets, end exclusive) that the normalised span `start..end`
/// came from, given the map of [`normalize_with_offsets`].
pub fn original_span(map: &[usize], start: usize, end: usize) -> Option<(usize, usize)> {
    if start >= end || end > map.len() {
        return None;
    }
    Some((map[start], map[end - 1] + 1))
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn tricks_and_habits_do_not_change_the_words() {
        assert_eq!(normalize("我想跳 楼"), "我想跳楼");
        assert_eq!(normalize("跳.楼"), "跳楼");
        assert_eq!(normalize("跳\u{200b}楼"), "跳楼");
        assert_eq!(normalize("不想活了[泪][笑cry]"), "不想活了");
        assert_eq!(normalize("ＡＢＣ１２３　好"), "abc123好");
        assert_eq!(normalize("救命啊啊啊啊啊"), "救命啊啊");
        assert_eq!(
            normalize("hello world"),
            "hello world",
            "spaces between Latin words stay"
        );
        assert_eq!(normalize("[未闭合"), "[未闭合");
        assert_eq!(
            normalize("我要跳樓,遺書寫好了"),
            "我要跳楼,遗书写好了",
            "traditional to simplified"
        );
        assert_eq!(normalize(""), "");
        assert_eq!(normalize("zіshа"), "zisha", "Cyrillic і and а");
        assert_eq!(normalize("ТІАО楼"), "tiao楼");
        assert_eq!(normalize("去 tiao 楼"), "去tiao楼");
        assert_eq!(normalize("用 iPhone 15 拍的"), "用iphone 15拍的");
    }

    #[test]
    fn offsets_lead_back_to_the_text_as_written() {
        let text = "今天[泪]我要跳 樓啊啊啊";
        let (norm, map) = super::normalize_with_offsets(text);
        assert_eq!(norm, "今天我要跳楼啊啊");
        assert_eq!(map.len(), norm.chars().count());
        let start = norm.chars().position(|c| c == '跳').unwrap();
        let (a, b) = super::original_span(&map, start, start + 2).unwrap();
        let written: String = text.chars().skip(a).take(b - a).collect();
        assert_eq!(written, "跳 樓", "the term as the author wrote it");
        assert_eq!(super::original_span(&map, 3, 3), None);
    }
}
