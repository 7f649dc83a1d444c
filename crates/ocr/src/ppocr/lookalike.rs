//! Characters drawn alike: katakana and kanji (`カ` and `力`, `ロ` and
//! `口`, `ー` and `一`, ...), katakana and hiragana (`ヘ` and `へ`), and
//! katakana and ASCII marks (`ノ` and `/`). The recognizer reads each
//! character on its own and takes one for the other; the characters around
//! it tell which it is, since katakana stand among katakana, kanji among
//! kanji and hiragana among hiragana:
//! - a katakana between a kanji and a hiragana is the kanji (`入カし` is
//!   `入力し`). Not before a kanji: older texts write their particles in
//!   katakana after kanji (`我輩ハ猫デアル`), and `カ` counts (`数カ所`);
//! - a kanji after a katakana and before no kanji is the katakana
//!   (`プ口グラム` is `プログラム`);
//! - a long-vowel mark `ー` lengthens a kana: before a kanji and after no
//!   katakana, or after a kanji, it is `一` (`のー覧` is `の一覧`, `第ー`
//!   is `第一`);
//! - `ヘ`, `ベ` and `ペ` are the hiragana `へ`, `べ` and `ぺ` (the same
//!   strokes) beside a hiragana and no katakana (`くベき` is `くべき`; not
//!   between kanji: `ヘ長調`, `東京ヘ行ク` in older prose), and `べ`, `ぺ`
//!   between two katakana are the katakana (not `へ`, the particle:
//!   `サーバーへアクセス`);
//! - `ー` and `ノ` between two ASCII marks or letters are `-` and `/`
//!   (`~ノ.bashrc` is `~/.bashrc`).
//!
//! Straight and curly double quotation marks are alike too, and some fonts
//! draw the straight one slanted (Ume Mincho's `"` is two slanted wedges):
//! the network reads a quotation's closing mark after text as `”` even
//! where it read the opening one straight (`"info”`). A quotation opens and
//! closes with marks of one kind, and only curly ones have a direction:
//! two marks that disagree (`"…”`, `“…"`) or point the same way (`”…”`)
//! are straight.

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

/// The look-alike pairs: (katakana, hiragana).
const KANA: &[(char, char)] = &[('ヘ', 'へ'), ('ベ', 'べ'), ('ペ', 'ぺ')];

/// The look-alike pairs: (katakana, ASCII).
const ASCII: &[(char, char)] = &[('ー', '-'), ('ノ', '/')];

/// `chars` (one line, in reading order) with each look-alike set to what
/// its neighbours say it is (spaces are not neighbours), and each
/// quotation's marks to one kind.
pub(crate) fn settle(chars: &mut [Decoded]) {
    pair_quotes(chars);
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

/// Sets the two marks of each quotation in `chars` (one line) to one kind
/// (see the module documentation). The line's double quotation marks pair
/// up in order; a line with an odd number of them starts or ends inside a
/// quotation, and its pairs are not known, so it is left as read. A
/// closing mark before an opening one (`”…“`) is such a line too.
fn pair_quotes(chars: &mut [Decoded]) {
    const STRAIGHT: &str = "\"";
    let marks: Vec<usize> = (0..chars.len())
        .filter(|&i| matches!(chars[i].text.as_str(), STRAIGHT | "\u{201c}" | "\u{201d}"))
        .collect();
    if !marks.len().is_multiple_of(2) {
        return;
    }
    for pair in marks.chunks_exact(2) {
        let kinds = (chars[pair[0]].text.as_str(), chars[pair[1]].text.as_str());
        if !matches!(
            kinds,
            (STRAIGHT, STRAIGHT) | ("\u{201c}", "\u{201d}") | ("\u{201d}", "\u{201c}")
        ) {
            for &i in pair {
                chars[i].text = STRAIGHT.to_string();
            }
        }
    }
}

/// What `c` is between `prev` and `next`, when it is a look-alike read as
/// the other of its pair (see the module documentation).
fn settled(prev: Option<char>, c: char, next: Option<char>) -> Option<char> {
    let kanji = |c: Option<char>| c.is_some_and(is_kanji);
    let katakana = |c: Option<char>| c.is_some_and(is_katakana);
    let hiragana = |c: Option<char>| c.is_some_and(is_hiragana);
    let ascii = |c: Option<char>| c.is_some_and(|c| c.is_ascii_graphic());
    // The other of `c`'s pair in `table`, where `c` is the katakana (the
    // pair's first) or the other one.
    let other = |table: &[(char, char)], from_katakana: bool| {
        table.iter().find_map(|&(k, o)| {
            if from_katakana {
                (k == c).then_some(o)
            } else {
                (o == c).then_some(k)
            }
        })
    };
    let to_ascii = ascii(prev) && ascii(next);
    let to_kanji = (kanji(prev) && hiragana(next))
        || (c == 'ー' && (kanji(prev) || (kanji(next) && !katakana(prev))));
    let from_kanji = katakana(prev) && !kanji(next);
    let to_hiragana = !katakana(prev) && !katakana(next) && (hiragana(prev) || hiragana(next));
    let from_hiragana = katakana(prev) && katakana(next) && c != 'へ';
    other(ASCII, true)
        .filter(|_| to_ascii)
        .or(other(PAIRS, true).filter(|_| to_kanji))
        .or(other(PAIRS, false).filter(|_| from_kanji))
        .or(other(KANA, true).filter(|_| to_hiragana))
        .or(other(KANA, false).filter(|_| from_hiragana))
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
        assert_eq!(settle_text("マウスの第ーボタン"), "マウスの第一ボタン");
        assert_eq!(settle_text("覚えておくベきこと"), "覚えておくべきこと");
        assert_eq!(settle_text("*.extヘのマッチ"), "*.extへのマッチ");
        assert_eq!(settle_text("スぺース"), "スペース");
        assert_eq!(settle_text("私の~ノ.bashrc"), "私の~/.bashrc");
        assert_eq!(settle_text("'ー-color'"), "'--color'");
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
            "ヘルプ",
            "ページ",
            "ベーコン",
            "新ヘルメット",
            "ソノ",
            "データー",
            "OKー",
            "サーバーへアクセス",
            "ヘ長調",
            "東京ヘ行ク",
            "イロハニホヘト",
        ] {
            assert_eq!(settle_text(kept), kept);
        }
    }

    #[test]
    fn a_quotation_has_marks_of_one_kind() {
        assert_eq!(settle_text("で\"info”を"), "で\"info\"を");
        assert_eq!(settle_text("“a\" と ”b”"), "\"a\" と \"b\"");
        // Left as read: pairs of one kind, a line that closes a quotation
        // and opens another, and a line with an unpaired mark.
        for kept in [
            "“a” と \"b\"",
            "終わり” と “始まり",
            "“a” と ”b",
            "\"a” と “b",
        ] {
            assert_eq!(settle_text(kept), kept);
        }
    }
}
