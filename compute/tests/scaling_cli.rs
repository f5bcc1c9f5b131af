//! `lab calc` and `lab fit` from the outside: flag combinations, JSON keys, and the errors a person sees.

use std::process::Command;

fn lab(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_lab")).args(args).output().expect("run lab");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(args: &[&str]) -> serde_json::Value {
    let (ok, stdout, stderr) = lab(args);
    assert!(ok, "lab {args:?} failed: {stderr}");
    serde_json::from_str(&stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn calc_budget_gives_every_fit_with_the_documented_keys() {
    let v = json(&["calc", "--flops", "1e21", "--json"]);
    assert_eq!(v["mode"], "budget");
    let results = v["results"].as_array().unwrap();
    let fits: Vec<&str> = results.iter().map(|r| r["fit"].as_str().unwrap()).collect();
    assert_eq!(fits, ["hoffmann", "hoffmann-rounded", "epoch", "kaplan"]);
    for r in results {
        for key in ["n_opt", "d_opt", "flops", "tokens_per_param", "loss", "lr", "b_crit", "source"] {
            assert!(r.get(key).is_some(), "missing {key} in {r}");
        }
        let (n, d) = (r["n_opt"].as_f64().unwrap(), r["d_opt"].as_f64().unwrap());
        assert!((6.0 * n * d / 1e21 - 1.0).abs() < 1e-9);
    }
    let (ok, text, _) = lab(&["calc", "--flops", "1e21"]);
    assert!(ok && text.contains("hoffmann-rounded") && text.contains("Besiroglu et al. 2024"), "{text}");
}

#[test]
fn calc_params_tokens_and_hardware_modes() {
    let v = json(&["calc", "--params", "7e10", "--tokens", "1.4e12", "--fit", "hoffmann", "--json"]);
    assert_eq!(v["mode"], "point");
    let r = &v["results"][0];
    assert!((r["flops"].as_f64().unwrap() - 5.88e23).abs() < 1e18);
    assert!(r["loss"].as_f64().unwrap() > 1.9 && r["optimal"]["n_opt"].as_f64().unwrap() > 3e10);

    let v = json(&["calc", "--params", "1e9", "--fit", "epoch", "--json"]);
    assert_eq!(v["mode"], "params");
    assert!((v["results"][0]["n_opt"].as_f64().unwrap() / 1e9 - 1.0).abs() < 1e-9);

    let v = json(&["calc", "--tokens", "2e10", "--json"]);
    assert_eq!(v["mode"], "tokens");
    assert!(v["results"].as_array().unwrap().iter().all(|r| (r["d_opt"].as_f64().unwrap() / 2e10 - 1.0).abs() < 1e-9));

    // 1000 device-hours of 1e15 FLOP/s at 40%: 1.44e21 FLOPs, 125 wall-clock hours on 8 devices.
    let v = json(&["calc", "--gpu-hours", "1000", "--peak-flops", "1e15", "--mfu", "0.4", "--gpus", "8", "--json"]);
    let r = &v["results"][0];
    assert!((r["flops"].as_f64().unwrap() / 1.44e21 - 1.0).abs() < 1e-12);
    assert!((r["time"]["wall_hours"].as_f64().unwrap() - 125.0).abs() < 1e-9);

    // A budget with a size: D = C/(6N).
    let v = json(&["calc", "--flops", "6e21", "--params", "1e9", "--fit", "kaplan", "--json"]);
    assert!((v["results"][0]["d"].as_f64().unwrap() - 1e12).abs() < 1.0);
}

#[test]
fn calc_refuses_bad_input_with_a_clear_message() {
    let cases: [(&[&str], &str); 10] = [
        (&["calc"], "nothing to calculate"),
        (&["calc", "--flops", "-1"], "flops = -1: must be greater than zero"),
        (&["calc", "--flops", "0"], "must be greater than zero"),
        (&["calc", "--flops", "NaN"], "not a number"),
        (&["calc", "--flops", "1e300"], "absurdly large"),
        (&["calc", "--flops", "abc"], "invalid value 'abc' for '--flops <C>'"),
        (
            &["calc", "--flops", "1e21", "--fit", "chinchilla"],
            "possible values: hoffmann, hoffmann-rounded, epoch, kaplan",
        ),
        (&["calc", "--flops", "1e21", "--params", "1e9", "--tokens", "1e9"], "at most two"),
        (&["calc", "--gpu-hours", "100", "--peak-flops", "1e15"], "--peak-flops and --mfu go together"),
        (&["calc", "--gpu-hours", "100", "--peak-flops", "1e15", "--mfu", "40"], "at most 1"),
    ];
    for (args, want) in cases {
        let (ok, stdout, stderr) = lab(args);
        assert!(!ok, "lab {args:?} should fail, printed {stdout}");
        assert!(stderr.contains(want), "lab {args:?}: expected '{want}' in: {stderr}");
        assert!(!stdout.contains("NaN"));
    }
}

/// A committed file's path as an argument for `lab`.
fn repository_file(path: &str) -> String {
    compute::repository_dir().join(path).to_str().expect("a UTF-8 checkout path").to_string()
}

#[test]
fn fit_reads_the_fixture_and_reports_both_approaches() {
    let file = repository_file("compute/tests/fixtures/scaling_isoflop.csv");
    let v = json(&["fit", &file, "--bootstrap", "20", "--json"]);
    assert_eq!(v["points"], 63);
    for key in ["E", "A", "B", "alpha", "beta"] {
        let e = &v["approach3"][key];
        assert!(e["value"].is_f64() && e["lo"].is_f64() && e["hi"].is_f64(), "{key}: {e}");
    }
    assert!(v["approach3"]["goodness"]["r2_log"].as_f64().unwrap() > 0.99);
    let a = v["approach2"]["a"]["value"].as_f64().unwrap();
    assert!((a - 0.5126).abs() < 0.03, "approach 2 a = {a}");
    let (ok, text, _) = lab(&["fit", &file, "--bootstrap", "0"]);
    assert!(ok && text.contains("Approach 3") && text.contains("Approach 2") && text.contains("alpha"), "{text}");
}

#[test]
fn fit_errors_name_the_file_and_line() {
    let dir = std::env::temp_dir().join(format!("lab-fit-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "N,D,loss\n1e6,1e9,3.0\n1e7,1e9,oops\n").unwrap();
    let (ok, _, stderr) = lab(&["fit", bad.to_str().unwrap()]);
    assert!(!ok && stderr.contains("bad.csv: line 3: column loss is not a number"), "{stderr}");
    let few = dir.join("few.json");
    std::fs::write(&few, r#"[{"n": 1e6, "d": 1e9, "loss": 3.0}]"#).unwrap();
    let (ok, _, stderr) = lab(&["fit", few.to_str().unwrap()]);
    assert!(!ok && stderr.contains("needs at least 6 points"), "{stderr}");
    let (ok, _, stderr) = lab(&["fit", dir.join("missing.csv").to_str().unwrap()]);
    assert!(!ok && stderr.contains("cannot read"), "{stderr}");
    std::fs::remove_dir_all(&dir).ok();
}

/// `lab fit SWEEP.json` prints a sweep's own fits (here the batch sweep's critical batch), recomputed from its runs;
/// a joint L(N, D) fit is only attempted where the runs span sizes and token counts, and a record with too few runs
/// says so and fails.
#[test]
fn fit_prints_a_sweep_records_own_analysis() {
    let file = repository_file("public/reference/batch-medium.json");
    let (ok, text, stderr) = lab(&["fit", &file]);
    assert!(ok, "{stderr}");
    assert!(text.contains("batch sweep") && text.contains("B_crit") && !text.contains("Approach 3"), "{text}");
    let v = json(&["fit", &file, "--json"]);
    assert!(v["sweep"]["targets"].is_array() && v.get("approach3").is_none(), "{v}");

    let lr = compute::repository_dir().join("public/reference/lr-tiny.json");
    let mut record: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(lr).unwrap()).unwrap();
    let planned = record["plan"]["runs"].as_array().unwrap().len();
    record["runs"].as_array_mut().unwrap().truncate(1);
    let one = std::env::temp_dir().join(format!("lab-fit-sweep-{}.json", std::process::id()));
    std::fs::write(&one, record.to_string()).unwrap();
    let (ok, _, stderr) = lab(&["fit", one.to_str().unwrap()]);
    let want = format!("lr tiny sweep with 1 of {planned} runs: no analysis yet");
    assert!(!ok && stderr.contains(&want), "{stderr}");
    std::fs::remove_file(&one).ok();
}

/// An IsoFLOP record's tables are its analysis's own fits, recomputed with the command's bootstrap options: the
/// summary and the tables quote the same intervals.
#[test]
fn fit_tables_of_an_isoflop_record_are_its_analysis() {
    let file = repository_file("public/reference/isoflop-tiny.json");
    let default = json(&["fit", &file, "--json"]);
    let other = json(&["fit", &file, "--json", "--bootstrap", "40", "--seed", "7"]);
    for v in [&default, &other] {
        assert!(v["approach3"].is_object(), "{v}");
        assert_eq!(v["approach3"], v["sweep"]["approach3"], "Approach 3: table and summary differ");
        assert_eq!(v["approach2"], v["sweep"]["approach2"], "Approach 2: table and summary differ");
    }
    assert_ne!(default["approach3"], other["approach3"], "--bootstrap and --seed reach the record's analysis");
}
