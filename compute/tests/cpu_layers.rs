//! Each CPU layer's backward against central finite differences of its forward, in f64, plus known forward values.
//!
//! Every check takes L = Σ out ⊙ w for a fixed random w (so dout = w) and compares each analytic input gradient with
//! (L(x + h) - L(x - h)) / 2h. Gradient buffers start filled with random values, which are subtracted afterwards:
//! this also checks that every backward *adds* into its gradients rather than overwriting them.

mod common;

use common::check_close_f64;
use compute::cpu::attention::{attention_backward, attention_forward};
use compute::cpu::crossentropy::{crossentropy_backward, crossentropy_forward};
use compute::cpu::encoder::{encoder_backward, encoder_forward};
use compute::cpu::gelu::{gelu_backward, gelu_forward};
use compute::cpu::layernorm::{layernorm_backward, layernorm_forward};
use compute::cpu::matmul::{matmul_backward, matmul_forward};
use compute::cpu::residual::{residual_backward, residual_forward};
use compute::cpu::Real;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// Step for central differences in f64. Truncation error is ~h²·|f'''|/6 ≈ 1e-10 and rounding ~1e-16·|L|/h ≈ 1e-10
/// for these O(1..10) losses, so a correct gradient agrees to ~1e-9.
const H: f64 = 1e-5;
/// |analytic - numeric| <= TOL·(1 + |numeric|): 1000x above the expected error above, and 1000x below what any wrong
/// term produces (errors of order 1e-3..1 on these O(1) inputs). `tolerance_catches_a_small_error` shows it can fail.
const TOL: f64 = 1e-6;

fn rng(seed: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(seed)
}

fn randn(rng: &mut ChaCha8Rng, n: usize) -> Vec<f64> {
    (0..n).map(|_| rng.random_range(-1.0..1.0)).collect()
}

/// Σ a ⊙ b.
fn dot(a: &[f64], b: &[f64]) -> f64 {
    a.iter().zip(b).map(|(x, y)| x * y).sum()
}

/// Central differences of `loss` with respect to every element of `x`.
fn numeric_grad(x: &[f64], loss: impl Fn(&[f64]) -> f64) -> Vec<f64> {
    let mut x = x.to_vec();
    (0..x.len())
        .map(|i| {
            let orig = x[i];
            x[i] = orig + H;
            let plus = loss(&x);
            x[i] = orig - H;
            let minus = loss(&x);
            x[i] = orig;
            (plus - minus) / (2.0 * H)
        })
        .collect()
}

/// A gradient buffer prefilled with noise, and the same noise to subtract after the backward pass.
fn prefilled(rng: &mut ChaCha8Rng, n: usize) -> (Vec<f64>, Vec<f64>) {
    let noise = randn(rng, n);
    (noise.clone(), noise)
}

/// The analytic gradient accumulated on top of `noise`, minus the noise, checked against the numeric one.
fn check_grad(label: &str, accumulated: &[f64], noise: &[f64], numeric: &[f64]) {
    let analytic: Vec<f64> = accumulated.iter().zip(noise).map(|(a, n)| a - n).collect();
    check_close_f64(&analytic, numeric, TOL, label);
}

#[test]
fn encoder_backward_matches_finite_differences() {
    let (b, t, c, v, n_ctx) = (2, 5, 4, 7, 6);
    let mut r = rng(1);
    let tokens: Vec<u32> = vec![3, 1, 3, 6, 0, 2, 2, 5, 3, 1]; // repeats: rows of dwte gather several positions
    let (wte, wpe, w) = (randn(&mut r, v * c), randn(&mut r, n_ctx * c), randn(&mut r, b * t * c));
    let loss = |wte: &[f64], wpe: &[f64]| {
        let mut out = vec![0.0; b * t * c];
        encoder_forward(&mut out, &tokens, wte, wpe, b, t, c);
        dot(&out, &w)
    };
    let ((mut dwte, nte), (mut dwpe, npe)) = (prefilled(&mut r, v * c), prefilled(&mut r, n_ctx * c));
    encoder_backward(&mut dwte, &mut dwpe, &w, &tokens, b, t, c);
    check_grad("encoder dwte", &dwte, &nte, &numeric_grad(&wte, |x| loss(x, &wpe)));
    check_grad("encoder dwpe", &dwpe, &npe, &numeric_grad(&wpe, |x| loss(&wte, x)));
}

#[test]
fn layernorm_backward_matches_finite_differences() {
    let (n, c) = (6, 5);
    for with_bias in [true, false] {
        let mut r = rng(2);
        let (inp, weight, bias, w) = (randn(&mut r, n * c), randn(&mut r, c), randn(&mut r, c), randn(&mut r, n * c));
        let loss = |inp: &[f64], weight: &[f64], bias: &[f64]| {
            let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
            layernorm_forward(&mut out, &mut mean, &mut rstd, inp, weight, with_bias.then_some(bias), n, c);
            dot(&out, &w)
        };
        let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
        layernorm_forward(&mut out, &mut mean, &mut rstd, &inp, &weight, with_bias.then_some(&bias[..]), n, c);
        let (mut dinp, ni) = prefilled(&mut r, n * c);
        let (mut dweight, nw) = prefilled(&mut r, c);
        let (mut dbias, nb) = prefilled(&mut r, c);
        let db = with_bias.then_some(&mut dbias[..]);
        layernorm_backward(&mut dinp, &mut dweight, db, &w, &inp, &weight, &mean, &rstd, n, c);
        check_grad("layernorm dinp", &dinp, &ni, &numeric_grad(&inp, |x| loss(x, &weight, &bias)));
        check_grad("layernorm dweight", &dweight, &nw, &numeric_grad(&weight, |x| loss(&inp, x, &bias)));
        if with_bias {
            check_grad("layernorm dbias", &dbias, &nb, &numeric_grad(&bias, |x| loss(&inp, &weight, x)));
        } else {
            assert_eq!(dbias, nb, "layernorm without bias must not touch dbias");
        }
    }
}

#[test]
fn layernorm_forward_normalises_rows() {
    let (n, c) = (3, 8);
    let inp = randn(&mut rng(3), n * c).iter().map(|x| 5.0 * x + 2.0).collect::<Vec<_>>();
    let (mut out, mut mean, mut rstd) = (vec![0.0; n * c], vec![0.0; n], vec![0.0; n]);
    layernorm_forward(&mut out, &mut mean, &mut rstd, &inp, &[1.0; 8], None, n, c);
    for row in out.chunks(c) {
        let m = row.iter().sum::<f64>() / c as f64;
        let var = row.iter().map(|x| (x - m) * (x - m)).sum::<f64>() / c as f64;
        assert!(m.abs() < 1e-12 && (var - 1.0).abs() < 1e-3, "row mean {m}, variance {var}");
    }
}

#[test]
fn matmul_backward_matches_finite_differences() {
    let (n, c, oc) = (5, 4, 3);
    for with_bias in [true, false] {
        let mut r = rng(4);
        let (inp, weight, bias, w) =
            (randn(&mut r, n * c), randn(&mut r, oc * c), randn(&mut r, oc), randn(&mut r, n * oc));
        let loss = |inp: &[f64], weight: &[f64], bias: &[f64]| {
            let mut out = vec![0.0; n * oc];
            matmul_forward(&mut out, inp, weight, with_bias.then_some(bias), n, c, oc);
            dot(&out, &w)
        };
        let (mut dinp, ni) = prefilled(&mut r, n * c);
        let (mut dweight, nw) = prefilled(&mut r, oc * c);
        let (mut dbias, nb) = prefilled(&mut r, oc);
        let db = with_bias.then_some(&mut dbias[..]);
        matmul_backward(&mut dinp, &mut dweight, db, &w, &inp, &weight, n, c, oc);
        check_grad("matmul dinp", &dinp, &ni, &numeric_grad(&inp, |x| loss(x, &weight, &bias)));
        check_grad("matmul dweight", &dweight, &nw, &numeric_grad(&weight, |x| loss(&inp, x, &bias)));
        if with_bias {
            check_grad("matmul dbias", &dbias, &nb, &numeric_grad(&bias, |x| loss(&inp, &weight, x)));
        }
    }
}

#[test]
fn matmul_forward_is_nn_linear() {
    // inp (1, 2) · W (3, 2)ᵀ + b, by hand.
    let mut out = [0.0; 3];
    matmul_forward(&mut out, &[1.0, 2.0], &[1.0, 0.0, 0.0, 1.0, 1.0, 1.0], Some(&[0.5, 0.0, -1.0]), 1, 2, 3);
    assert_eq!(out, [1.5, 2.0, 2.0]);
}

#[test]
fn attention_backward_matches_finite_differences() {
    let (b, t, c, nh) = (2, 5, 8, 2);
    let mut r = rng(5);
    let (qkv, w) = (randn(&mut r, b * t * 3 * c), randn(&mut r, b * t * c));
    let forward = |qkv: &[f64]| {
        let (mut out, mut att) = (vec![0.0; b * t * c], vec![0.0; b * nh * t * t]);
        attention_forward(&mut out, &mut att, qkv, b, t, c, nh);
        (out, att)
    };
    let (_, att) = forward(&qkv);
    let (mut dqkv, noise) = prefilled(&mut r, b * t * 3 * c);
    attention_backward(&mut dqkv, &w, &qkv, &att, b, t, c, nh);
    check_grad("attention dqkv", &dqkv, &noise, &numeric_grad(&qkv, |x| dot(&forward(x).0, &w)));
}

#[test]
fn attention_is_causal_and_rows_are_distributions() {
    let (b, t, c, nh) = (1, 6, 8, 4);
    let mut qkv = randn(&mut rng(6), b * t * 3 * c);
    let (mut out, mut att) = (vec![0.0; b * t * c], vec![0.0; b * nh * t * t]);
    attention_forward(&mut out, &mut att, &qkv, b, t, c, nh);
    for (row, p) in att.chunks(t).enumerate() {
        let i = row % t;
        assert!((p.iter().sum::<f64>() - 1.0).abs() < 1e-12, "attention row {row} does not sum to 1");
        assert!(p[i + 1..].iter().all(|&x| x == 0.0), "attention row {row} looks at the future");
    }
    // Changing the last position's q, k and v must leave every earlier output unchanged.
    qkv[(t - 1) * 3 * c..].iter_mut().for_each(|x| *x += 1.0);
    let mut out2 = vec![0.0; b * t * c];
    attention_forward(&mut out2, &mut att, &qkv, b, t, c, nh);
    assert_eq!(out[..(t - 1) * c], out2[..(t - 1) * c]);
    assert_ne!(out[(t - 1) * c..], out2[(t - 1) * c..]);
}

#[test]
fn gelu_backward_matches_finite_differences() {
    let mut r = rng(7);
    let inp: Vec<f64> = randn(&mut r, 40).iter().map(|x| 4.0 * x).collect();
    let w = randn(&mut r, 40);
    let loss = |inp: &[f64]| {
        let mut out = vec![0.0; inp.len()];
        gelu_forward(&mut out, inp);
        dot(&out, &w)
    };
    let mut out = vec![0.0; inp.len()];
    gelu_forward(&mut out, &inp);
    let (mut dinp, noise) = prefilled(&mut r, 40);
    gelu_backward(&mut dinp, &inp, &out, &w);
    check_grad("gelu dinp", &dinp, &noise, &numeric_grad(&inp, loss));
}

/// The backward reads Φ(x) back from the forward's output as out/x; around zero (and for subnormal x, where out has
/// lost its digits) it must still give GELU'(x) = Φ(x) + x·φ(x), here against that formula in f64.
#[test]
fn gelu_backward_is_exact_near_zero_and_in_the_tails() {
    let x: [f32; 12] = [-12.0, -5.0, -1e-3, -2e-6, -1e-6, -1e-40, 0.0, 1e-40, 1e-6, 3e-6, 1.0, 9.0];
    let mut out = [0.0f32; 12];
    gelu_forward(&mut out, &x);
    let mut got = [0.0f32; 12];
    gelu_backward(&mut got, &x, &out, &[1.0; 12]);
    for (&x, &g) in x.iter().zip(&got) {
        let x = x as f64;
        let want =
            0.5 * (1.0 + libm::erf(x / 2f64.sqrt())) + x * (-0.5 * x * x).exp() / (2.0 * std::f64::consts::PI).sqrt();
        assert!((g as f64 - want).abs() < 2e-6 * want.abs().max(0.05), "GELU'({x}) = {g}, want {want}");
    }
}

/// The f32 erf (the GPU kernel's Chebyshev fit, one exp) against libm's f64 erf over [-8, 8] and at the edges: within
/// 4e-7, about 3 ulp of f32 at 1 (the fit's 1.2e-7 plus rounding 1 − erfc).
#[test]
fn f32_erf_is_within_3_ulp_of_the_exact_erf() {
    let mut worst = 0.0f64;
    for i in -16_000..=16_000 {
        let x = i as f32 * 5e-4;
        worst = worst.max((Real::erf(x) as f64 - libm::erf(x as f64)).abs());
    }
    assert!(worst < 4e-7, "worst absolute error {worst}");
    assert_eq!(Real::erf(f32::INFINITY), 1.0);
    assert_eq!(Real::erf(f32::NEG_INFINITY), -1.0);
    assert!(Real::erf(f32::NAN).is_nan());
}

/// PyTorch's exact nn.GELU() evaluated in float64 (torch 2.15), against our f64 and f32 forward passes.
#[test]
fn gelu_matches_pytorch_exact_gelu() {
    let x = [-6.0, -3.0, -1.5, -0.5, -1e-3, 0.0, 0.7, 1.0, 2.0, 4.5];
    let want = [
        -5.919525869479969e-09,
        -0.00404969409489031,
        -0.10021080190328704,
        -0.15426876936299344,
        -0.000499601057786089,
        0.0,
        0.5306254434438489,
        0.841344746068543,
        1.9544997361036416,
        4.4999847104709385,
    ];
    let mut out = [0.0f64; 10];
    gelu_forward(&mut out, &x);
    check_close_f64(&out, &want, 1e-14, "gelu f64");
    let mut out32 = [0.0f32; 10];
    gelu_forward(&mut out32, &x.map(|v| v as f32));
    // f32 carries ~6e-8 relative rounding per operation; 1e-6 absolute is well inside PyTorch's own f32 error.
    let got: Vec<f64> = out32.iter().map(|&v| v as f64).collect();
    for (i, (g, w)) in got.iter().zip(want).enumerate() {
        assert!((g - w).abs() < 1e-6, "gelu f32 at {}: got {g} want {w}", x[i]);
    }
}

#[test]
fn residual_backward_matches_finite_differences() {
    let mut r = rng(8);
    let (a, b, w) = (randn(&mut r, 12), randn(&mut r, 12), randn(&mut r, 12));
    let loss = |a: &[f64], b: &[f64]| {
        let mut out = vec![0.0; 12];
        residual_forward(&mut out, a, b);
        dot(&out, &w)
    };
    let ((mut da, na), (mut db, nb)) = (prefilled(&mut r, 12), prefilled(&mut r, 12));
    residual_backward(&mut da, &mut db, &w);
    check_grad("residual dinp1", &da, &na, &numeric_grad(&a, |x| loss(x, &b)));
    check_grad("residual dinp2", &db, &nb, &numeric_grad(&b, |x| loss(&a, x)));
}

#[test]
fn crossentropy_backward_matches_finite_differences() {
    let (n, v) = (4, 6);
    let mut r = rng(9);
    let logits: Vec<f64> = randn(&mut r, n * v).iter().map(|x| 3.0 * x).collect();
    let targets = [0u32, 5, 2, 2];
    let loss = |logits: &[f64]| {
        let (mut losses, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
        crossentropy_forward(&mut losses, &mut probs, logits, &targets, n, v)
    };
    let (mut losses, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
    crossentropy_forward(&mut losses, &mut probs, &logits, &targets, n, v);
    let (mut dlogits, noise) = prefilled(&mut r, n * v);
    crossentropy_backward(&mut dlogits, &probs, &targets, n, v);
    check_grad("crossentropy dlogits", &dlogits, &noise, &numeric_grad(&logits, loss));
}

#[test]
fn crossentropy_of_uniform_logits_is_ln_v_and_survives_huge_logits() {
    let (n, v) = (2, 5);
    let (mut losses, mut probs) = (vec![0.0; n], vec![0.0; n * v]);
    let mean = crossentropy_forward(&mut losses, &mut probs, &[0.0; 10], &[1, 4], n, v);
    assert!((mean - (v as f64).ln()).abs() < 1e-12);
    // The target's probability underflows f32 here; the loss must still be exact, not inf.
    let logits = [200.0f32, 0.0, 0.0, 0.0, 0.0];
    let (mut l32, mut p32) = (vec![0.0f32; 1], vec![0.0f32; 5]);
    let mean = crossentropy_forward(&mut l32, &mut p32, &logits, &[1], 1, 5);
    assert!((mean - 200.0).abs() < 1e-3, "loss {mean}");
}

/// The tolerance is tight enough to notice an error of 1e-4 relative in one gradient element.
#[test]
#[should_panic(expected = "mismatches beyond")]
fn tolerance_catches_a_small_error() {
    let numeric = [0.3, -1.2, 0.05];
    let mut wrong = numeric;
    wrong[1] *= 1.0 + 1e-4;
    check_grad("deliberately wrong", &wrong, &[0.0; 3], &numeric);
}

/// The f32 exp the layers use (a vectorisable polynomial) against f64's over the whole range where e^x is a normal
/// f32, plus its edges: NaN stays NaN, and beyond the range it saturates instead of overflowing or going subnormal.
#[test]
fn f32_fast_exp_is_within_3e7_relative_and_keeps_nan() {
    let mut worst = 0.0f64;
    for i in -87_000..=88_300 {
        let x = i as f32 * 1e-3 + 3.7e-4;
        let want = (x as f64).exp();
        worst = worst.max(((Real::fast_exp(x) as f64) - want).abs() / want);
    }
    assert!(worst < 3e-7, "worst relative error {worst}");
    assert_eq!(Real::fast_exp(0.0f32), 1.0);
    assert!(Real::fast_exp(f32::NAN).is_nan());
    assert!(Real::fast_exp(-1e4f32) > 0.0 && Real::fast_exp(-1e4f32) < 1.2e-38);
    assert!(Real::fast_exp(1e4f32).is_finite() && Real::fast_exp(1e4f32) > 2e38);
}
