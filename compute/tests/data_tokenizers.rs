//! Tokenizers: encode→decode gives the text back (byte, BPE, char within its vocabulary), characters outside a
//! char vocabulary become the unknown token, BPE training is deterministic, JSON round trips, specs parse.

use compute::data::tokenizer::{CharTokenizer, UNKNOWN_CHAR};
use compute::data::{Tokenizer, TokenizerSpec};

const SAMPLE: &str = "The jury said, \"It's fine.\"\nNaïve café — 3½ tests; emoji 🙂 and tabs\tend.\n\n  Two  spaces.";

fn english(n: usize) -> String {
    let words = ["the", "jury", "said", "that", "it", "would", "be", "fine", "and", "then", "went", "home"];
    (0..n).map(|i| words[(i * 7 + i / 3) % words.len()]).collect::<Vec<_>>().join(" ")
}

#[test]
fn byte_tokens_round_trip_any_text() {
    let t = Tokenizer::Byte;
    let ids = t.encode(SAMPLE);
    assert_eq!(ids.len(), SAMPLE.len());
    assert_eq!(t.decode(&ids), SAMPLE);
    assert_eq!(t.vocab_size(), 256);
}

#[test]
fn bpe_round_trips_merges_and_is_deterministic() {
    let train = english(20_000) + SAMPLE;
    let t = Tokenizer::train(TokenizerSpec::Bpe(400), &train).unwrap();
    assert!(t.vocab_size() <= 400 && t.vocab_size() > 256, "vocabulary {}", t.vocab_size());
    for text in [SAMPLE, &english(500), "unseen: ß∂ƒ©˙∆˚¬ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢", ""] {
        assert_eq!(t.decode(&t.encode(text)), text);
    }
    let common = english(500);
    assert!(t.encode(&common).len() * 3 < common.len(), "BPE should compress its own training text");
    // Encoding in pieces gives the ids of the whole text.
    let long = english(40_000);
    let whole = match &t {
        Tokenizer::Bpe(b) => {
            let tok: tokenizers::Tokenizer = b.hf_json().parse().unwrap();
            tok.encode(long.as_str(), false).unwrap().get_ids().to_vec()
        }
        _ => unreachable!(),
    };
    assert_eq!(t.encode(&long), whole);
    let again = Tokenizer::train(TokenizerSpec::Bpe(400), &train).unwrap();
    assert_eq!(t.to_json(), again.to_json(), "same text, same vocabulary");
}

#[test]
fn char_vocabulary_comes_from_the_text_and_the_rest_is_unknown() {
    let t = Tokenizer::train(TokenizerSpec::Char, "hello world").unwrap();
    assert_eq!(t.vocab_size(), 9, "8 distinct characters plus the unknown token");
    assert_eq!(t.decode(&t.encode("hello world")), "hello world");
    let ids = t.encode("hex!");
    let Tokenizer::Char(c) = &t else { unreachable!() };
    assert_eq!(ids[2], c.unknown_id());
    assert_eq!(ids[3], c.unknown_id());
    assert_eq!(t.decode(&ids), format!("he{UNKNOWN_CHAR}{UNKNOWN_CHAR}"));
    assert_eq!(CharTokenizer::from_chars("cba".chars()).chars(), ['a', 'b', 'c']);
}

#[test]
fn tokenizers_survive_json() {
    let train = english(5000);
    for spec in [TokenizerSpec::Char, TokenizerSpec::Byte, TokenizerSpec::Bpe(300)] {
        let t = Tokenizer::train(spec, &train).unwrap();
        let json = t.to_json();
        let back = Tokenizer::from_json(&json).unwrap();
        assert_eq!(back.to_json(), json, "{spec}");
        assert_eq!(back.encode(&train[..2000]), t.encode(&train[..2000]), "{spec}");
        assert_eq!(back.vocab_size(), t.vocab_size());
    }
    assert!(Tokenizer::from_json("{\"kind\":\"morse\"}").unwrap_err().to_string().contains("tokenizer JSON"));
}

#[test]
fn tokenizer_specs_parse_and_say_what_is_wrong() {
    assert_eq!("char".parse::<TokenizerSpec>().unwrap(), TokenizerSpec::Char);
    assert_eq!("byte".parse::<TokenizerSpec>().unwrap(), TokenizerSpec::Byte);
    assert_eq!("bpe:2048".parse::<TokenizerSpec>().unwrap(), TokenizerSpec::Bpe(2048));
    assert_eq!(TokenizerSpec::Bpe(2048).to_string(), "bpe:2048");
    let err = |s: &str| s.parse::<TokenizerSpec>().unwrap_err().to_string();
    assert!(err("bpe:lots").contains("not a whole number"), "{}", err("bpe:lots"));
    assert!(err("bpe:100").contains("outside 257..=16384"), "{}", err("bpe:100"));
    assert!(err("words").contains("expected `char`, `byte` or `bpe:SIZE`"), "{}", err("words"));
    let json = serde_json::to_string(&TokenizerSpec::Bpe(512)).unwrap();
    assert_eq!(json, "\"bpe:512\"");
    assert_eq!(serde_json::from_str::<TokenizerSpec>(&json).unwrap(), TokenizerSpec::Bpe(512));
}
