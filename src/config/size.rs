//! Sizes as flags and the config file write them.

use std::str::FromStr;

use serde::Deserialize;

/// A size in bytes, written as `8192`, `16KiB`, `10MiB` or `1GiB`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(try_from = "SizeText")]
pub struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let digits = text.bytes().take_while(u8::is_ascii_digit).count();
        let (number, unit) = text.split_at(digits);
        let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" => 1 << 10,
            "mib" => 1 << 20,
            "gib" => 1 << 30,
            _ => return Err(format!("{text:?} is not a size (4096, 16KiB, 10MiB, 1GiB)")),
        };
        number
            .parse::<u64>()
            .ok()
            .and_then(|number| number.checked_mul(scale))
            .map(ByteSize)
            .ok_or_else(|| format!("{text:?} is not a size (4096, 16KiB, 10MiB, 1GiB)"))
    }
}

/// A size in the config file: a number of bytes, or text with a unit.
#[derive(Deserialize)]
#[serde(untagged)]
enum SizeText {
    Bytes(u64),
    Text(String),
}

impl TryFrom<SizeText> for ByteSize {
    type Error = String;

    fn try_from(size: SizeText) -> Result<Self, Self::Error> {
        match size {
            SizeText::Bytes(bytes) => Ok(ByteSize(bytes)),
            SizeText::Text(text) => text.parse(),
        }
    }
}
