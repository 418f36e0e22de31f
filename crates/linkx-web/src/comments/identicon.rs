//! Identicons: a small symmetric SVG pattern drawn from a commenter key, so each commenter has
//! a recognisable picture without any third-party request.

/// The SVG for a key (any hex string; the first bytes choose colour and pattern).
pub fn svg(key: &str) -> String {
    let bytes: Vec<u8> = key
        .as_bytes()
        .chunks(2)
        .filter_map(|pair| std::str::from_utf8(pair).ok())
        .filter_map(|pair| u8::from_str_radix(pair, 16).ok())
        .collect();
    let byte = |i: usize| bytes.get(i).copied().unwrap_or(0);
    let hue = u32::from(byte(0)) * 360 / 256;
    let mut cells = String::new();
    // A 5×5 grid mirrored around its middle column: 15 bits decide it.
    for row in 0..5u32 {
        for col in 0..3u32 {
            let bit = row * 3 + col;
            let on = byte(1 + (bit / 8) as usize) >> (bit % 8) & 1 == 1;
            if !on {
                continue;
            }
            for x in [col, 4 - col] {
                cells.push_str(&format!(
                    "<rect x=\"{}\" y=\"{}\" width=\"10\" height=\"10\"/>",
                    5 + x * 10,
                    5 + row * 10
                ));
                if col == 2 {
                    break;
                }
            }
        }
    }
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 60 60\" width=\"48\" height=\"48\">\
         <rect width=\"60\" height=\"60\" fill=\"#f0f0f0\"/><g fill=\"hsl({hue},55%,45%)\">{cells}</g></svg>"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn identicons_differ_by_key_and_ignore_junk() {
        assert_ne!(super::svg("00ff00aa"), super::svg("ff00ff55"));
        assert_eq!(super::svg("zz"), super::svg(""));
    }
}
