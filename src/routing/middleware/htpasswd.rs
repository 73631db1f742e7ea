//! htpasswd users and the password hashes Traefik's basic auth checks
//! (`containous/go-http-auth`'s `CheckSecret`): bcrypt (`$2a$`, `$2b$`, `$2x$`, `$2y$`),
//! SHA-1 (`{SHA}` + base64), and anything else as MD5-crypt with the magic the hash names
//! (`$apr1$` for Apache, `$1$`). A password stored in plain text never matches, as in
//! Traefik. Comparisons take the same time whatever the input.

use std::collections::HashMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};
use sha1::Sha1;
use subtle::ConstantTimeEq;

/// A stored password hash.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PasswordHash {
    Bcrypt(String),
    Sha1(String),
    /// `$magic$salt$hash`, compared whole.
    Md5Crypt {
        magic: String,
        salt: String,
        whole: String,
    },
    /// Not a hash Traefik can check (plain text, most likely): nothing matches it.
    Unusable,
}

impl PasswordHash {
    pub fn parse(secret: &str) -> Self {
        if ["$2a$", "$2b$", "$2x$", "$2y$"]
            .iter()
            .any(|prefix| secret.starts_with(prefix))
        {
            return PasswordHash::Bcrypt(secret.to_owned());
        }
        if let Some(digest) = secret.strip_prefix("{SHA}") {
            return PasswordHash::Sha1(digest.to_owned());
        }
        let parts: Vec<&str> = secret.splitn(4, '$').collect();
        match parts[..] {
            ["", magic, salt, _] => PasswordHash::Md5Crypt {
                magic: format!("${magic}$"),
                salt: salt.to_owned(),
                whole: secret.to_owned(),
            },
            _ => PasswordHash::Unusable,
        }
    }

    /// Why Traefik would never accept a password against this hash, if it would not.
    pub fn problem(&self) -> Option<&'static str> {
        match self {
            PasswordHash::Unusable => {
                Some("is not hashed (Traefik accepts bcrypt, MD5 (apr1) or SHA1 hashes only)")
            }
            PasswordHash::Md5Crypt { magic, .. } if magic != "$apr1$" && magic != "$1$" => {
                Some("has a hash Traefik cannot check (bcrypt, MD5 (apr1) or SHA1 only)")
            }
            _ => None,
        }
    }

    /// bcrypt takes tens of milliseconds on purpose: too long to spend on a worker thread.
    pub fn is_slow(&self) -> bool {
        matches!(self, PasswordHash::Bcrypt(_))
    }

    pub fn verify(&self, password: &str) -> bool {
        match self {
            PasswordHash::Bcrypt(hash) => bcrypt::verify(password, hash).unwrap_or(false),
            PasswordHash::Sha1(digest) => {
                let computed = STANDARD.encode(Sha1::digest(password.as_bytes()));
                computed.as_bytes().ct_eq(digest.as_bytes()).into()
            }
            PasswordHash::Md5Crypt { magic, salt, whole } => {
                md5_crypt(password.as_bytes(), salt.as_bytes(), magic.as_bytes())
                    .as_bytes()
                    .ct_eq(whole.as_bytes())
                    .into()
            }
            PasswordHash::Unusable => false,
        }
    }
}

/// Users by name. One that is not there is still checked against some hash, so that an
/// unknown name takes as long to refuse as a wrong password (as Traefik does).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Users {
    by_name: HashMap<String, PasswordHash>,
    /// Checked, and ignored, for an unknown name.
    stand_in: Option<PasswordHash>,
}

impl Users {
    /// `name:hash` lines; a later line wins over an earlier one for the same name. The line
    /// that is not `name:hash` is the error.
    pub fn parse<'l>(lines: impl IntoIterator<Item = &'l str>) -> Result<Users, &'l str> {
        let mut users = Users::default();
        for line in lines {
            let mut parts = line.split(':');
            let (Some(name), Some(secret), None) = (parts.next(), parts.next(), parts.next())
            else {
                return Err(line);
            };
            let hash = PasswordHash::parse(secret);
            users.stand_in.get_or_insert_with(|| hash.clone());
            users.by_name.insert(name.to_owned(), hash);
        }
        Ok(users)
    }

    /// An htpasswd file: blank lines and `#` comments skipped, each line trimmed.
    pub fn parse_file(text: &str) -> Result<Users, &str> {
        Users::parse(
            text.split('\n')
                .map(str::trim)
                .filter(|line| !line.is_empty() && !line.starts_with('#')),
        )
    }

    pub fn is_empty(&self) -> bool {
        self.by_name.is_empty()
    }

    pub fn names_with_problems(&self) -> Vec<(&str, &'static str)> {
        let mut found: Vec<(&str, &'static str)> = self
            .by_name
            .iter()
            .filter_map(|(name, hash)| Some((name.as_str(), hash.problem()?)))
            .collect();
        found.sort();
        found
    }

    /// The hash `user` is checked against: `first`'s, else `then`'s, else a stand-in.
    pub fn hash_for<'u>(
        first: &'u Users,
        then: Option<&'u Users>,
        user: &str,
    ) -> Option<(&'u PasswordHash, bool)> {
        let known = first.by_name.get(user).or_else(|| then?.by_name.get(user));
        match known {
            Some(hash) => Some((hash, true)),
            None => first
                .stand_in
                .as_ref()
                .or_else(|| then?.stand_in.as_ref())
                .map(|hash| (hash, false)),
        }
    }

    /// Whether `password` is `user`'s, looking in `first`, then in `then`.
    pub fn verify(first: &Users, then: Option<&Users>, user: &str, password: &str) -> bool {
        match Users::hash_for(first, then, user) {
            Some((hash, known)) => hash.verify(password) && known,
            None => false,
        }
    }
}

/// The MD5-based crypt of FreeBSD (`$1$`), which Apache's `$apr1$` is with another magic:
/// the digest of password, magic and salt, mixed with a digest of password, salt, password,
/// then 1000 rounds, printed in crypt's base-64 alphabet.
pub fn md5_crypt(password: &[u8], salt: &[u8], magic: &[u8]) -> String {
    let alternate = Md5::new()
        .chain_update(password)
        .chain_update(salt)
        .chain_update(password)
        .finalize();
    let mut context = Md5::new()
        .chain_update(password)
        .chain_update(magic)
        .chain_update(salt);
    for chunk in (0..password.len()).step_by(16) {
        let len = (password.len() - chunk).min(16);
        context.update(&alternate[..len]);
    }
    let mut length = password.len();
    while length != 0 {
        if length & 1 == 1 {
            context.update([0u8]);
        } else {
            context.update(&password[..1]);
        }
        length >>= 1;
    }
    let mut digest = context.finalize();
    for round in 0..1000 {
        let mut step = Md5::new();
        if round % 2 == 1 {
            step.update(password);
        } else {
            step.update(digest);
        }
        if round % 3 != 0 {
            step.update(salt);
        }
        if round % 7 != 0 {
            step.update(password);
        }
        if round % 2 == 1 {
            step.update(digest);
        } else {
            step.update(password);
        }
        digest = step.finalize();
    }
    const ALPHABET: &[u8; 64] = b"./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut out = String::with_capacity(magic.len() + salt.len() + 23);
    out.push_str(&String::from_utf8_lossy(magic));
    out.push_str(&String::from_utf8_lossy(salt));
    out.push('$');
    let mut encode = |value: u32, chars: usize| {
        let mut value = value;
        for _ in 0..chars {
            out.push(char::from(ALPHABET[(value & 0x3f) as usize]));
            value >>= 6;
        }
    };
    let byte = |index: usize| u32::from(digest[index]);
    for [a, b, c] in [[0, 6, 12], [1, 7, 13], [2, 8, 14], [3, 9, 15], [4, 10, 5]] {
        encode(byte(a) << 16 | byte(b) << 8 | byte(c), 4);
    }
    encode(byte(11), 2);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_hashes_verify() {
        // pkg/middlewares/auth/basic_auth_test.go and go-http-auth's basic_test.go
        let cases = [
            ("test", "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"),
            ("test2", "$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0"),
            ("overridden", "$apr1$mK.GtItK$ncnLYvNLek0weXdxo68690"),
            ("hello", "{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00="),
            ("hello2", "$apr1$a0j62R97$mYqFkloXH0/UOaUnAiV2b0"),
            (
                "hello3",
                "$2y$05$ih3C91zUBSTFcAh2mQnZYuob0UOZVEf16wl/ukgjDhjvj.xgM1WwS",
            ),
            ("topsecret", "$apr1$JI4wh3am$AmhephVqLTUyAVpFQeHZC0"),
            (
                "test",
                "$2a$04$.8sTYfcxbSplCtoxt5TdJOgpBYkarKtZYsYfYxQ1edbYRuO1DNi0e",
            ),
        ];
        for (password, secret) in cases {
            let hash = PasswordHash::parse(secret);
            assert!(hash.verify(password), "{password} against {secret}");
            assert!(!hash.verify("wrong"), "wrong against {secret}");
            assert_eq!(hash.problem(), None);
        }
    }

    #[test]
    fn md5_crypt_matches_freebsd_and_apache() {
        // FreeBSD's $1$ (the same algorithm as apr1, another magic): passlib's documented
        // md5_crypt example, which `openssl passwd -1 -salt 3azHgidD password` also prints
        assert_eq!(
            md5_crypt(b"password", b"3azHgidD", b"$1$"),
            "$1$3azHgidD$SrJPt7B.9rekpmwJwtON31"
        );
        assert_eq!(
            md5_crypt(b"test", b"H6uskkkW", b"$apr1$"),
            "$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/"
        );
        let long = [b'x'; 40];
        let hash = md5_crypt(&long, b"abc", b"$apr1$");
        assert!(PasswordHash::parse(&hash).verify(&String::from_utf8_lossy(&long)));
    }

    #[test]
    fn plain_text_and_unknown_schemes_never_match() {
        // basic_auth_test.go TestBasicAuthFail: "test:test" refuses the password "test"
        for secret in ["test", "$5$rounds=5000$salt$hash", "{SSHA}abc"] {
            let hash = PasswordHash::parse(secret);
            assert!(!hash.verify("test"), "{secret}");
            assert!(hash.problem().is_some(), "{secret}");
        }
    }

    #[test]
    fn users_parse_like_traefik() {
        // basic_auth_test.go: "test" alone is an error; later lines win
        assert_eq!(Users::parse(["test"]), Err("test"));
        assert_eq!(Users::parse(["a:b:c"]), Err("a:b:c"));
        let users = Users::parse([
            "test:$apr1$H6uskkkW$IgXLP6ewTrSuBkTrqE8wj/",
            "test:{SHA}qvTGHdzF6KLavt4PO0gs2a6pQ00=",
        ])
        .expect("valid");
        assert!(Users::verify(&users, None, "test", "hello"));
        assert!(!Users::verify(&users, None, "test", "test"));
        assert!(
            !Users::verify(&users, None, "nobody", "hello"),
            "an unknown user never passes"
        );
        let file =
            Users::parse_file("# comment\n\n  test2:$apr1$d9hr9HBB$4HxwgUir3HP4EsggP/QNo0  \n")
                .expect("valid");
        assert!(Users::verify(&users, Some(&file), "test2", "test2"));
        assert!(Users::verify(
            &Users::default(),
            Some(&file),
            "test2",
            "test2"
        ));
    }
}
