//! The Unicode class names Go's `regexp` knows (`unicode.Categories`, `unicode.Scripts` as of
//! Unicode 15, Go 1.21 and later, plus `Any`). Rust's engine accepts more (aliases such as
//! `Latn`, loose spellings such as `greek`, binary properties such as `Emoji`), which Go
//! rejects; names are case-sensitive in Go.

const CATEGORIES: &str = "C Cc Cf Co Cs L Ll Lm Lo Lt Lu M Mc Me Mn N Nd Nl No P Pc Pd Pe Pf Pi Po Ps S Sc Sk Sm So Z Zl Zp Zs";

const SCRIPTS: &str = "Adlam Ahom Anatolian_Hieroglyphs Arabic Armenian Avestan Balinese Bamum Bassa_Vah \
     Batak Bengali Bhaiksuki Bopomofo Brahmi Braille Buginese Buhid Canadian_Aboriginal \
     Carian Caucasian_Albanian Chakma Cham Cherokee Chorasmian Common Coptic Cuneiform \
     Cypriot Cypro_Minoan Cyrillic Deseret Devanagari Dives_Akuru Dogra Duployan \
     Egyptian_Hieroglyphs Elbasan Elymaic Ethiopic Georgian Glagolitic Gothic Grantha \
     Greek Gujarati Gunjala_Gondi Gurmukhi Han Hangul Hanifi_Rohingya Hanunoo Hatran \
     Hebrew Hiragana Imperial_Aramaic Inherited Inscriptional_Pahlavi \
     Inscriptional_Parthian Javanese Kaithi Kannada Katakana Kawi Kayah_Li Kharoshthi \
     Khitan_Small_Script Khmer Khojki Khudawadi Lao Latin Lepcha Limbu Linear_A Linear_B \
     Lisu Lycian Lydian Mahajani Makasar Malayalam Mandaic Manichaean Marchen \
     Masaram_Gondi Medefaidrin Meetei_Mayek Mende_Kikakui Meroitic_Cursive \
     Meroitic_Hieroglyphs Miao Modi Mongolian Mro Multani Myanmar Nabataean Nag_Mundari \
     Nandinagari New_Tai_Lue Newa Nko Nushu Nyiakeng_Puachue_Hmong Ogham Ol_Chiki \
     Old_Hungarian Old_Italic Old_North_Arabian Old_Permic Old_Persian Old_Sogdian \
     Old_South_Arabian Old_Turkic Old_Uyghur Oriya Osage Osmanya Pahawh_Hmong Palmyrene \
     Pau_Cin_Hau Phags_Pa Phoenician Psalter_Pahlavi Rejang Runic Samaritan Saurashtra \
     Sharada Shavian Siddham SignWriting Sinhala Sogdian Sora_Sompeng Soyombo Sundanese \
     Syloti_Nagri Syriac Tagalog Tagbanwa Tai_Le Tai_Tham Tai_Viet Takri Tamil Tangsa \
     Tangut Telugu Thaana Thai Tibetan Tifinagh Tirhuta Toto Ugaritic Vai Vithkuqi Wancho \
     Warang_Citi Yezidi Yi Zanabazar_Square";

pub(super) fn is_known(name: &str) -> bool {
    name == "Any"
        || CATEGORIES.split(' ').any(|known| known == name)
        || SCRIPTS.split_ascii_whitespace().any(|known| known == name)
}

#[cfg(test)]
pub(super) fn tests_all_names() -> Vec<&'static str> {
    let mut names = vec!["Any"];
    names.extend(CATEGORIES.split(' '));
    names.extend(SCRIPTS.split_ascii_whitespace());
    names
}
