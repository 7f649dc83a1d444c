//! Katakana and kanji drawn alike (`カ` and `力`, `ロ` and `口`, `ー` and
//! `一`, ...). The recognizer reads each character on its own and takes
//! one for the other; the characters around it tell which it is, since
//! katakana stand among katakana and kanji among kanji:
//! - a katakana between a kanji and a hiragana is the kanji (`入カし` is
//!   `入力し`). Not before a kanji: older texts write their particles in
//!   katakana after kanji (`我輩ハ猫デアル`), and `カ` counts (`数カ所`);
//! - a kanji after a katakana and before no kanji is the katakana
//!   (`プ口グラム` is `プログラム`);
//! - a long-vowel mark `ー` before a kanji and after no katakana is `一`
//!   (`のー覧` is `の一覧`).

use super::ctc::Decoded;
use crate::result::{is_hiragana, is_kanji, is_katakana};

/// The look-alike pairs: (katakana, kanji).
const PAIRS: &[(char, char)] = &[
    ('カ', '力'),
    ('ロ', '口'),
    ('エ', '工'),
    ('ニ', '二'),
    ('ー', '一'),
    ('タ', '夕'),
    ('ト', '卜'),
    ('ハ', '八'),
];

/// `chars` (one line, in reading order) with each look-alike set to what
/// its neighbours say it is; spaces are not neighbours.
pub(crate) fn settle(chars: &mut [Decoded]) {
    let one = |d: &Decoded| {
        let mut it = d.text.chars();
        match (it.next(), it.next()) {
            (Some(c), None) => Some(c),
            _ => None,
        }
    };
    let read: Vec<(usize, char)> = chars
        .iter()
        .enumerate()
        .filter_map(|(i, d)| one(d).filter(|c| !c.is_whitespace()).map(|c| (i, c)))
        .collect();
    for (k, &(i, c)) in read.iter().enumerate() {
        let prev = k.checked_sub(1).map(|p| read[p].1);
        let next = read.get(k + 1).map(|n| n.1);
        if let Some(to) = settled(prev, c, next) {
            chars[i].text = to.to_string();
        }
    }
}

/// What `c` is between `prev` and `next`, when it is a look-alike read as
/// the other of its pair (see the module documentation).
fn settled(prev: Option<char>, c: char, next: Option<char>) -> Option<char> {
    let kanji = |c: Option<char>| c.is_some_and(is_kanji);
    let katakana = |c: Option<char>| c.is_some_and(is_katakana);
    if let Some(&(_, to)) = PAIRS.iter().find(|p| p.0 == c) {
        let after_kanji = kanji(prev) && next.is_some_and(is_hiragana);
        let long_one = c == 'ー' && kanji(next) && !katakana(prev);
        if after_kanji || long_one {
            return Some(to);
        }
    }
    if let Some(&(to, _)) = PAIRS.iter().find(|p| p.1 == c) {
        if katakana(prev) && !kanji(next) {
            return Some(to);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settle_text(text: &str) -> String {
        let mut chars: Vec<Decoded> = text
            .chars()
            .enumerate()
            .map(|(i, c)| Decoded {
                text: c.to_string(),
                prob: 0.9,
                first: i,
                last: i,
            })
            .collect();
        settle(&mut chars);
        chars.iter().map(|d| d.text.as_str()).collect()
    }

    #[test]
    fn look_alikes_take_the_script_of_their_neighbours() {
        assert_eq!(settle_text("キーボード入カします"), "キーボード入力します");
        assert_eq!(settle_text("強カな"), "強力な");
        assert_eq!(settle_text("どのプ口グラム"), "どのプログラム");
        assert_eq!(settle_text("ファイルのー覧"), "ファイルの一覧");
        // Left as read: katakana words after kanji, counters, particles in
        // katakana, kanji compounds after katakana, a long vowel after kana.
        for kept in [
            "新カメラ",
            "数カ所",
            "何カ月",
            "我輩ハ猫デアル",
            "東京ニ於テ",
            "ビル一階",
            "すごーい",
            "入力",
            "日本ハム",
        ] {
            assert_eq!(settle_text(kept), kept);
        }
    }
}
