//! Text normalisation before matching: what people type to dodge a filter or by habit must not
//! change what a post says. Full-width forms become half-width, ASCII is lower-cased, Weibo's
//! bracketed emoji (`[笑cry]`, `[泪]`) and zero-width or decorative characters are dropped,
//! spaces and punctuation wedged between Chinese characters (`跳 楼`, `跳.楼`) are removed, and a
//! run of one character is cut to two (`啊啊啊啊` → `啊啊`).
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
    // 0. Traditional → simplified (one character for one, so offsets keep their meaning).
    let simplified = fast2s::convert(text);
    // 1. Character-wise: half width, lower case, drop the invisible.
    let chars: Vec<char> = simplified
        .chars()
        .map(half_width)
        .filter(|c| !invisible(*c))
        .map(|c| c.to_ascii_lowercase())
        .collect();
    // 2. Weibo emoji: `[` + 1 to 8 characters without brackets + `]`.
    let mut no_emoji: Vec<char> = Vec::with_capacity(chars.len());
    let mut i = 0;
    while i < chars.len() {
        if chars[i] == '[' {
            if let Some(len) = chars[i + 1..]
                .iter()
                .take(9)
                .position(|&c| c == ']')
                .filter(|&n| n >= 1 && !chars[i + 1..i + 1 + n].contains(&'['))
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
    let mut last: Option<char> = None;
    let mut run = 0;
    let n = no_emoji.len();
    let mut k = 0;
    while k < n {
        let c = no_emoji[k];
        if filler(c) && last.is_some_and(is_cjk) {
            let mut j = k;
            while j < n && filler(no_emoji[j]) {
                j += 1;
            }
            if j < n && is_cjk(no_emoji[j]) {
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
        last = Some(c);
        k += 1;
    }
    out
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
        assert_eq!(normalize("ＡＢＣ１２３　好"), "abc123 好");
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
    }
}
