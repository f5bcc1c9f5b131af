//! The exact entropy rate of a synthetic language (see the module documentation of [`super`]): the sparse transition
//! rows, the stationary distribution by power iteration, and Σ_s π(s)·H(P(·|s)) summed in closed form.

use super::SyntheticSource;

/// Sparse rows of the transition matrix: for each state, the words with explicit probabilities and their next states.
pub(super) struct Transitions {
    start: Vec<usize>, // (states + 1)
    target: Vec<u32>,  // (entries,) next state; its newest word is the emitted word
    prob: Vec<f64>,    // (entries,) P(word | state)
}

impl SyntheticSource {
    /// Weight of P0 in the row of `state`: (1 − λ)^depth.
    fn base_weight(&self, state: u32) -> f64 {
        (1.0 - self.preset.lambda).powi(self.nodes[state as usize].depth as i32)
    }

    /// The explicit part of every row: the favoured words along each state's suffix chain. Every other word w has
    /// probability base_weight·P0(w) and leads to the single-word context (w).
    pub(super) fn transitions(&self) -> Transitions {
        let mut t = Transitions { start: vec![0], target: Vec::new(), prob: Vec::new() };
        let mut words: Vec<u32> = Vec::new();
        for s in 0..self.nodes.len() as u32 {
            words.clear();
            let mut a = s;
            while a != 0 {
                words.extend(self.nodes[a as usize].favored.iter().map(|&(w, _)| w));
                words.extend(self.extensions(a).map(|(w, _)| w));
                a = self.nodes[a as usize].suffix;
            }
            words.sort_unstable();
            words.dedup();
            for &w in &words {
                t.target.push(self.next_state(s, w));
                t.prob.push(self.prob(s, w));
            }
            t.start.push(t.target.len());
        }
        t
    }

    /// Stationary distribution by power iteration, the dense P0 part of all rows applied as one rank-one update.
    pub(super) fn stationary(&self, t: &Transitions) -> Vec<f64> {
        let n = self.nodes.len();
        let base: Vec<f64> = (0..n as u32).map(|s| self.base_weight(s)).collect();
        let mut pi = vec![0.0; n];
        pi[1..=self.p0.len()].copy_from_slice(&self.p0);
        let mut next = vec![0.0; n];
        for _ in 0..10_000 {
            next.iter_mut().for_each(|x| *x = 0.0);
            let z: f64 = pi.iter().zip(&base).map(|(p, b)| p * b).sum();
            for (w, p) in self.p0.iter().enumerate() {
                next[w + 1] = z * p;
            }
            for s in 1..n {
                let mass = pi[s];
                if mass == 0.0 {
                    continue;
                }
                let removed = mass * base[s];
                for e in t.start[s]..t.start[s + 1] {
                    let target = t.target[e] as usize;
                    let w = self.nodes[target].word as usize;
                    next[target] += mass * t.prob[e];
                    next[w + 1] -= removed * self.p0[w];
                }
            }
            let total: f64 = next.iter().map(|x| x.max(0.0)).sum();
            let mut change = 0.0;
            for (p, x) in pi.iter_mut().zip(&next) {
                let x = x.max(0.0) / total;
                change += (x - *p).abs();
                *p = x;
            }
            if change < 1e-13 {
                break;
            }
        }
        pi
    }

    /// Σ_s π(s)·H(P(·|s)) in nats, each row's implicit part summed in closed form.
    pub(super) fn entropy(&self, t: &Transitions) -> f64 {
        let p0_plogp: f64 = self.p0.iter().map(|p| p * p.ln()).sum();
        let mut h = 0.0;
        for s in 1..self.nodes.len() {
            if self.pi[s] == 0.0 {
                continue;
            }
            let c = self.base_weight(s as u32);
            let (mut explicit, mut p0_in, mut p0_plogp_in) = (0.0, 0.0, 0.0);
            for e in t.start[s]..t.start[s + 1] {
                let p = t.prob[e];
                let q = self.p0[self.nodes[t.target[e] as usize].word as usize];
                explicit -= p * p.ln();
                p0_in += q;
                p0_plogp_in += q * q.ln();
            }
            // −Σ_{w∉E} c·P0(w)·ln(c·P0(w)) = −c·ln c·(1 − ΣE P0) − c·(Σ P0 ln P0 − ΣE P0 ln P0)
            let implicit = -c * c.ln() * (1.0 - p0_in) - c * (p0_plogp - p0_plogp_in);
            h += self.pi[s] * (explicit + implicit);
        }
        h
    }
}
