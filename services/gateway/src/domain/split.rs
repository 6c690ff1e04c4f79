//! Splitting long replies at a channel's length limit, on paragraph, line,
//! sentence or word boundaries, in that order of preference; a single word
//! longer than the limit is cut.
//!
//! Lengths are counted in UTF-16 code units, which is how Telegram counts and
//! never less than what WhatsApp counts, so a piece that fits here fits there.

/// WhatsApp's limit for a text message body.
pub const WHATSAPP_TEXT_LIMIT: usize = 4096;
/// WhatsApp's limit for the body of an interactive message.
pub const WHATSAPP_INTERACTIVE_LIMIT: usize = 1024;
/// Telegram's limit for a message text.
pub const TELEGRAM_TEXT_LIMIT: usize = 4096;
/// Telegram's limit for a photo caption.
pub const TELEGRAM_CAPTION_LIMIT: usize = 1024;

fn units(s: &str) -> usize {
    s.encode_utf16().count()
}

/// Splits `text` into pieces of at most `limit` UTF-16 units each, trimmed,
/// none empty. A text within the limit comes back whole.
pub fn split_text(text: &str, limit: usize) -> Vec<String> {
    let limit = limit.max(1);
    let mut pieces = Vec::new();
    let mut rest = text.trim();
    while units(rest) > limit {
        // Byte index of the longest prefix within the limit.
        let mut end = 0;
        let mut used = 0;
        for (i, c) in rest.char_indices() {
            used += c.len_utf16();
            if used > limit {
                break;
            }
            end = i + c.len_utf8();
        }
        let window = &rest[..end];
        let cut = best_break(window).unwrap_or(end);
        let cut = if cut == 0 {
            end.max(first_char_len(rest))
        } else {
            cut
        };
        let piece = rest[..cut].trim();
        if !piece.is_empty() {
            pieces.push(piece.to_owned());
        }
        rest = rest[cut..].trim_start();
    }
    if !rest.is_empty() {
        pieces.push(rest.to_owned());
    }
    pieces
}

fn first_char_len(s: &str) -> usize {
    s.chars().next().map_or(0, char::len_utf8)
}

/// Where to cut `window` (byte index just after the break), best first:
/// a blank line, a line end, a sentence end, a space.
fn best_break(window: &str) -> Option<usize> {
    // Only breaks in the second half count, so pieces do not get tiny.
    let floor = window.len() / 2;
    let after = |pattern: &str| {
        window
            .rmatch_indices(pattern)
            .map(|(i, m)| i + m.len())
            .find(|&i| i > floor && i < window.len() + 1)
    };
    after("\n\n")
        .or_else(|| after("\n"))
        .or_else(|| {
            [". ", "! ", "? ", "。", "… "]
                .iter()
                .filter_map(|p| after(p))
                .max()
        })
        .or_else(|| after(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_short_text_is_kept_whole() {
        assert_eq!(split_text("  Hello there.  ", 50), ["Hello there."]);
        assert!(split_text("   ", 50).is_empty());
    }

    #[test]
    fn a_long_text_is_cut_after_a_sentence() {
        let text = "The red dress is in stock. It costs 49 euros. Shall I reserve one for you?";

        let pieces = split_text(text, 50);

        assert_eq!(
            pieces,
            [
                "The red dress is in stock. It costs 49 euros.",
                "Shall I reserve one for you?"
            ]
        );
    }

    #[test]
    fn lines_are_preferred_to_sentences() {
        let text = "Our shoes:\n- Runner, 80 €. Light.\n- Hiker, 120 €. Waterproof.";

        let pieces = split_text(text, 40);

        assert_eq!(
            pieces,
            [
                "Our shoes:\n- Runner, 80 €. Light.",
                "- Hiker, 120 €. Waterproof."
            ]
        );
    }

    #[test]
    fn every_piece_fits_and_nothing_is_lost() {
        let text = "word ".repeat(3000) + &"x".repeat(5000) + " 😀😀😀 end.";

        let pieces = split_text(&text, WHATSAPP_TEXT_LIMIT);

        assert!(pieces.iter().all(|p| units(p) <= WHATSAPP_TEXT_LIMIT));
        let rejoined: String = pieces.concat().split_whitespace().collect();
        let original: String = text.split_whitespace().collect();
        assert_eq!(rejoined, original);
    }

    #[test]
    fn a_wide_character_is_never_cut_in_half() {
        let pieces = split_text(&"😀".repeat(5), 3);

        assert_eq!(pieces, ["😀", "😀", "😀", "😀", "😀"]);
    }
}
