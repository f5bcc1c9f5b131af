//! The user's own text and the machinery around it: clear refusals (empty, binary, oversized), the UTF-8 fallback
//! to bytes, UTF-8 checked across chunk boundaries, data specs, the split, random windows and the epoch counter.

use compute::data::text::{check_bytes, check_size, split_text, Text, TextAccumulator, MAX_TEXT_BYTES};
use compute::data::{eval_batches, DataSpec, Dataset, TokenizerSpec};

fn refusal(bytes: &[u8]) -> String {
    check_bytes(bytes).unwrap_err().to_string()
}

#[test]
fn bad_files_are_refused_with_a_reason() {
    assert_eq!(refusal(b""), "the file is empty");
    assert!(refusal(b"  \n\t\n").contains("only whitespace"));
    let binary: Vec<u8> = (0..4096u32).map(|i| (i * 37 % 256) as u8).collect();
    assert!(refusal(&binary).contains("binary file"), "{}", refusal(&binary));
    let utf16: Vec<u8> = "hello there".encode_utf16().flat_map(|u| u.to_le_bytes()).collect();
    assert!(refusal(&utf16).contains("UTF-16"), "{}", refusal(&utf16));
    let mut acc = TextAccumulator::with_limit(10);
    acc.push(b"12345").unwrap();
    let err = acc.push(b"678901").unwrap_err().to_string();
    assert!(err.contains("over the limit of 10 B"), "{err}");
    let err = check_size(MAX_TEXT_BYTES as u64 + 1).unwrap_err().to_string();
    assert!(err.contains("over the limit of 256.0 MiB"), "{err}");
    assert!(check_size(MAX_TEXT_BYTES as u64).is_ok());
}

#[test]
fn text_that_is_not_utf8_falls_back_to_bytes_with_a_warning() {
    let latin1 = b"caf\xe9 cr\xe8me br\xfbl\xe9e, a dessert.\n".repeat(50);
    let checked = check_bytes(&latin1).unwrap();
    assert_eq!(checked.text, Text::Bytes(latin1.clone()));
    assert!(checked.warnings[0].contains("not valid UTF-8 (first bad byte at offset 3)"), "{:?}", checked.warnings);
    let data = Dataset::from_text(
        DataSpec::File("menu.txt".into()),
        compute::data::file_info("menu.txt", 10),
        checked,
        TokenizerSpec::Bpe(300),
    )
    .unwrap();
    assert_eq!(data.vocab_size(), 256);
    assert!(data.warnings.iter().any(|w| w.contains("using `byte` instead")), "{:?}", data.warnings);
    // A file that stops inside a character is not UTF-8 either.
    let cut = "naïve".as_bytes();
    assert!(matches!(check_bytes(&cut[..3]).unwrap().text, Text::Bytes(_)));
}

#[test]
fn utf8_is_checked_across_chunk_boundaries() {
    let text = "ünïcödé 🙂 everywhere — ".repeat(40);
    for chunk in [1, 2, 3, 5, 7, 64] {
        let mut acc = TextAccumulator::new();
        for piece in text.as_bytes().chunks(chunk) {
            acc.push(piece).unwrap();
        }
        let checked = acc.finish().unwrap();
        assert_eq!(checked.text, Text::Utf8(text.clone()), "chunks of {chunk}");
        assert!(checked.warnings.is_empty());
    }
}

#[test]
fn data_specs_parse_and_say_what_is_wrong() {
    assert_eq!("synthetic:easy".parse::<DataSpec>().unwrap(), DataSpec::Synthetic("easy".into()));
    assert_eq!("brown".parse::<DataSpec>().unwrap(), DataSpec::Brown);
    assert_eq!("file:a b.txt".parse::<DataSpec>().unwrap(), DataSpec::File("a b.txt".into()));
    assert_eq!(DataSpec::File("x.txt".into()).to_string(), "file:x.txt");
    let err = |s: &str| s.parse::<DataSpec>().unwrap_err().to_string();
    assert!(err("synthetic:huge").contains("choose one of tiny, easy, medium, hard"), "{}", err("synthetic:huge"));
    assert!(err("file:").contains("give a path"));
    assert!(err("shakespeare").contains("expected `synthetic:NAME`"));
    let json = serde_json::to_string(&DataSpec::Brown).unwrap();
    assert_eq!(serde_json::from_str::<DataSpec>(&json).unwrap(), DataSpec::Brown);
}

#[test]
fn split_windows_and_epochs() {
    let text: String = (0..3000).map(|i| format!("line {i} of the text.\n")).collect();
    let (train, val) = split_text(&text);
    assert!(val.len() * 12 > text.len() && val.len() * 8 < text.len());
    let checked = check_bytes(text.as_bytes()).unwrap();
    let data = Dataset::from_text(
        DataSpec::File("t.txt".into()),
        compute::data::file_info("t.txt", text.len()),
        checked,
        TokenizerSpec::Char,
    )
    .unwrap();
    assert_eq!(data.unique_train_tokens(), Some(train.chars().count() as u64));
    assert_eq!(data.val_tokens().len(), val.chars().count());
    assert_eq!(data.entropy_floor, None);
    assert!(data.check_context(64).is_ok());
    let err = data.check_context(1_000_000).unwrap_err().to_string();
    assert!(err.contains("too short for a context of 1000000"), "{err}");

    let (mut a, mut b) = (data.batcher(5), data.batcher(5));
    let (x, y) = a.next_batch(8, 16);
    assert_eq!((x.clone(), y.clone()), b.next_batch(8, 16));
    let stream = data.train_tokens().unwrap();
    for row in 0..8 {
        let (xs, ys) = (&x[row * 16..(row + 1) * 16], &y[row * 16..(row + 1) * 16]);
        let is_window = (0..stream.len() - 16).any(|s| &stream[s..s + 16] == xs && &stream[s + 1..s + 17] == ys);
        assert!(is_window, "row {row} is not a window of the training stream and its shifted targets");
    }
    let unique = data.unique_train_tokens().unwrap() as f64;
    let steps = (2.5 * unique / 128.0).ceil() as usize;
    for _ in 1..steps {
        a.next_batch(8, 16);
    }
    let epochs = a.epochs().unwrap();
    assert!(epochs > 2.5 && epochs < 2.5 + 256.0 / unique, "{epochs}");

    let eval = eval_batches(data.val_tokens(), 4, 32, 3);
    assert_eq!(eval.len(), 3);
    assert!(eval.iter().all(|(x, y)| x.len() == 128 && y.len() == 128));
    assert_eq!(eval, eval_batches(data.val_tokens(), 4, 32, 3));
}
