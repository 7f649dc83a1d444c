//! CTC greedy decoding of the recognition network's output.
//!
//! The network gives, for each of `steps` horizontal positions along the
//! line, a probability for each of `classes` classes: class 0 is the CTC
//! blank, class `i` the `i`-th entry of the character dictionary. Greedy
//! decoding takes the most likely class at each step, merges repeats of the
//! same class at neighbouring steps, and drops blanks.

/// One decoded character with where the network saw it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Decoded {
    /// The dictionary entry (one character, or a space).
    pub text: String,
    /// The mean of the best probability over the steps it covers, 0..=1.
    pub prob: f32,
    /// The first step it was seen at.
    pub first: usize,
    /// The last step it was seen at (inclusive).
    pub last: usize,
}

/// Decodes `probs` (`steps` rows of `classes` probabilities, row-major)
/// with `dict` (entry `i` is class `i + 1`). A class past the dictionary
/// decodes as nothing.
pub(crate) fn greedy(probs: &[f32], steps: usize, classes: usize, dict: &[String]) -> Vec<Decoded> {
    let mut out: Vec<Decoded> = Vec::new();
    let mut prev = 0usize;
    // Probability sum and step count of the character being read.
    let mut sum = 0.0f32;
    let mut n = 0usize;
    for (t, row) in probs.chunks_exact(classes.max(1)).take(steps).enumerate() {
        let (best, p) = row
            .iter()
            .copied()
            .enumerate()
            .fold((0, f32::MIN), |a, (i, p)| if p > a.1 { (i, p) } else { a });
        // A class past the dictionary counts as a blank.
        let best = if best > dict.len() { 0 } else { best };
        if best != 0 && best == prev {
            if let Some(last) = out.last_mut() {
                last.last = t;
                sum += p;
                n += 1;
                last.prob = sum / n as f32;
            }
        } else if let Some(text) = best.checked_sub(1).and_then(|i| dict.get(i)) {
            sum = p;
            n = 1;
            out.push(Decoded {
                text: text.clone(),
                prob: p,
                first: t,
                last: t,
            });
        }
        prev = best;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One row of `classes` probabilities with `p` on class `c` and the
    /// rest shared out evenly.
    fn row(classes: usize, c: usize, p: f32) -> Vec<f32> {
        let rest = (1.0 - p) / (classes - 1) as f32;
        (0..classes)
            .map(|i| if i == c { p } else { rest })
            .collect()
    }

    #[test]
    fn merges_repeats_drops_blanks_and_keeps_doubled_letters() {
        let dict: Vec<String> = ["猫", "で", "あ", " "]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let classes = dict.len() + 1;
        // 猫 猫 _ で で _ _ あ _ あ (blank = class 0): 猫である with あ
        // twice because a blank separates the two.
        let seq = [
            (1, 0.9),
            (1, 0.7),
            (0, 0.99),
            (2, 0.8),
            (2, 0.6),
            (0, 0.9),
            (0, 0.9),
            (3, 0.95),
            (0, 0.9),
            (3, 0.5),
        ];
        let probs: Vec<f32> = seq.iter().flat_map(|&(c, p)| row(classes, c, p)).collect();
        let out = greedy(&probs, seq.len(), classes, &dict);
        let text: String = out.iter().map(|d| d.text.as_str()).collect();
        assert_eq!(text, "猫でああ");
        assert_eq!(out.len(), 4);
        assert_eq!((out[0].first, out[0].last), (0, 1));
        assert!((out[0].prob - 0.8).abs() < 1e-6);
        assert_eq!((out[1].first, out[1].last), (3, 4));
        assert!((out[1].prob - 0.7).abs() < 1e-6);
        assert_eq!((out[2].first, out[2].last), (7, 7));
        assert_eq!((out[3].first, out[3].last), (9, 9));
        assert!((out[3].prob - 0.5).abs() < 1e-6);
    }

    #[test]
    fn all_blank_or_empty_gives_nothing() {
        let dict = vec!["a".to_string()];
        let probs: Vec<f32> = (0..5).flat_map(|_| row(2, 0, 0.9)).collect();
        assert!(greedy(&probs, 5, 2, &dict).is_empty());
        assert!(greedy(&[], 0, 2, &dict).is_empty());
        // A class the dictionary does not have decodes as nothing.
        let probs: Vec<f32> = row(3, 2, 0.9);
        assert!(greedy(&probs, 1, 3, &dict).is_empty());
    }
}
