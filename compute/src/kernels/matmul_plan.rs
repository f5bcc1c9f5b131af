//! Tile variants of matmul.wgsl, the WGSL each one compiles to, and the choice of variant and split-K per shape.
//!
//! Big tiles reuse each loaded value most (a 128×128 tile does 64 FMAs per 4 vec4 reads from workgroup memory),
//! but the lab's problems are small (2048 rows, 64..1280 columns): a 128×128 tiling of them leaves most of a
//! 132-SM GPU idle. Measured on an H200 (compute/examples/bench_matmul.rs), the 64×64 tile with 4×4 per thread
//! beat the 8×8-per-thread tiles on every bench product but one, and splitting K beat smaller tiles wherever
//! the 64×64 tiles were too few. So the planner takes 128×128 only for problems that fill the GPU with it, else
//! 64×64, splitting K where that gives too few workgroups and K is long (weight gradients: K = batch·T).

/// One tile variant: WX×WY threads, each computing RM×RN outputs (multiples of 4: vec4 accumulators), over K
/// steps of TK. The tile is (WY·RM) × (WX·RN); each operand tile is loaded as whole vec4s, LA/LB per thread.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tile {
    pub wx: usize,
    pub wy: usize,
    pub rm: usize,
    pub rn: usize,
    pub tk: usize,
    /// The launch's label for the profiler.
    pub label: &'static str,
}

/// The variants, biggest first. Each fits WebGPU's default limits (checked by a test): ≤ 256 invocations and
/// ≤ 16384 bytes of workgroup memory (two buffers of the A and B tiles).
/// (A 64×64 tile of 8×8 per thread on 64 threads lost everywhere on the H200, so it is gone.)
pub const TILES: [Tile; 3] = [
    Tile { wx: 16, wy: 16, rm: 8, rn: 8, tk: 8, label: "matmul 128x128" },
    Tile { wx: 16, wy: 16, rm: 4, rn: 4, tk: 16, label: "matmul 64x64" },
    Tile { wx: 8, wy: 8, rm: 4, rn: 4, tk: 16, label: "matmul 32x32" },
];

impl Tile {
    pub fn tm(&self) -> usize {
        self.wy * self.rm
    }
    pub fn tn(&self) -> usize {
        self.wx * self.rn
    }
    pub fn threads(&self) -> usize {
        self.wx * self.wy
    }
    /// vec4 loads per thread per K step: of A, of B.
    pub fn loads(&self) -> (usize, usize) {
        (self.tm() * self.tk / 4 / self.threads(), self.tn() * self.tk / 4 / self.threads())
    }
    /// Workgroup memory: the A and B tiles, double-buffered.
    pub fn workgroup_bytes(&self) -> usize {
        2 * (self.tm() + self.tn()) * self.tk * 4
    }
    /// Workgroups for an (m, n) output over `batches`.
    pub fn groups(&self, m: usize, n: usize, batches: usize) -> usize {
        m.div_ceil(self.tm()) * n.div_ceil(self.tn()) * batches
    }
}

/// Workgroups that keep a large GPU busy: about 4 per SM of a 132-SM H100/H200 (the H200 kept speeding up
/// to about that many). Smaller GPUs are full sooner.
pub const TARGET_GROUPS: usize = 480;
/// Fewest K values one split handles: below this the partial sums' traffic outweighs the parallelism.
const MIN_SPLIT_K: usize = 128;
/// Most partial-sum floats one split-K launch may write (32 MiB, well inside WebGPU's 128 MiB binding limit).
pub const MAX_SCRATCH: usize = 8 << 20;
/// The workhorse: 64×64, 4×4 per thread, 256 threads, so even few workgroups hold many warps.
const MID: usize = 1;

/// How one multiply runs: which tile variant, and K cut into `splits` chunks of `k_chunk` (a multiple of TK).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Plan {
    pub tile: usize,
    pub splits: usize,
    pub k_chunk: usize,
}

impl Plan {
    /// `tile` with K cut into (at most) `splits` chunks; splits = 1 runs unsplit.
    pub fn new(tile: usize, splits: usize, k: usize) -> Plan {
        let tk = TILES[tile].tk;
        let k_chunk = k.div_ceil(splits.max(1)).next_multiple_of(tk).max(tk);
        Plan { tile, splits: k.div_ceil(k_chunk).max(1), k_chunk }
    }

    /// Partial-sum floats this plan writes to scratch (0 when unsplit).
    pub fn scratch_len(&self, m: usize, n: usize, batches: usize) -> usize {
        if self.splits > 1 {
            self.splits * m * n * batches
        } else {
            0
        }
    }

    /// The plan for a C (m, n) = A (m, k) · B (k, n) over `batches`; `may_split` where a scratch buffer exists.
    pub fn choose(m: usize, n: usize, k: usize, batches: usize, may_split: bool) -> Plan {
        let batches = batches.max(1);
        if TILES[0].groups(m, n, batches) >= TARGET_GROUPS {
            return Plan::new(0, 1, k);
        }
        let groups = TILES[MID].groups(m, n, batches);
        if may_split && groups < TARGET_GROUPS {
            let by_scratch = MAX_SCRATCH / (m * n * batches).max(1);
            let splits = TARGET_GROUPS.div_ceil(groups).min(k / MIN_SPLIT_K).min(by_scratch);
            if splits > 1 {
                return Plan::new(MID, splits, k);
            }
        }
        // Tiny problems (tests, toy models): smaller tiles, more workgroups.
        Plan::new(if groups < TARGET_GROUPS / 8 { TILES.len() - 1 } else { MID }, 1, k)
    }
}

/// The WGSL of one variant: the tile's constants, then matmul.wgsl with its `// @...` lines expanded into
/// unrolled code (every accumulator and prefetch register a named vec4).
pub fn source(tile: &Tile) -> String {
    let (la, lb) = tile.loads();
    let (hs, gs) = (tile.rm / 4, tile.rn / 4);
    let mut out = format!(
        "const WX: u32 = {}u;\nconst WY: u32 = {}u;\nconst RM: u32 = {}u;\nconst RN: u32 = {}u;\nconst TK: u32 = {}u;\n",
        tile.wx, tile.wy, tile.rm, tile.rn, tile.tk
    );
    let accs = || (0..hs).flat_map(move |h| (0..4).flat_map(move |c| (0..gs).map(move |g| (h, c, g))));
    for line in include_str!("matmul.wgsl").lines() {
        let Some(directive) = line.trim().strip_prefix("// @") else {
            out.push_str(line);
            out.push('\n');
            continue;
        };
        let indent = &line[..line.len() - line.trim_start().len()];
        let (word, arg) = directive.split_once(' ').unwrap_or((directive, ""));
        let mut emit = |s: String| out.push_str(&format!("{indent}{s}\n"));
        match word {
            "acc" => accs().for_each(|(h, c, g)| emit(format!("var acc{h}{c}{g} = vec4<f32>(0.0);"))),
            "load" | "reload" => {
                let decl = if word == "load" { "var " } else { "" };
                for l in 0..la {
                    emit(format!("{decl}ra{l} = load_a(a_base, row0, {arg}, k1, li + {l}u * NT);"));
                }
                for l in 0..lb {
                    emit(format!("{decl}rb{l} = load_b(b_base, col0, {arg}, k1, li + {l}u * NT);"));
                }
            }
            "store" => {
                (0..la).for_each(|l| emit(format!("store_a({arg}, li + {l}u * NT, ra{l});")));
                (0..lb).for_each(|l| emit(format!("store_b({arg}, li + {l}u * NT, rb{l});")));
            }
            "fma" => {
                (0..hs).for_each(|h| emit(format!("let a{h} = a_tile[ao + {h}u * WY];")));
                (0..gs).for_each(|g| emit(format!("let b{g} = b_tile[bo + {g}u * WX];")));
                let xyzw = ["x", "y", "z", "w"];
                accs().for_each(|(h, c, g)| {
                    emit(format!("acc{h}{c}{g} = fma(vec4<f32>(a{h}.{}), b{g}, acc{h}{c}{g});", xyzw[c]))
                });
            }
            "emit" => accs().for_each(|(h, c, g)| {
                emit(format!(
                    "emit(wg.z, row0 + (lid.y + {h}u * WY) * 4u + {c}u, col0 + (lid.x + {g}u * WX) * 4u, acc{h}{c}{g});"
                ))
            }),
            other => panic!("matmul.wgsl: unknown directive {other}"),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_tile_fits_webgpu_default_limits_and_loads_whole_tiles() {
        for t in TILES {
            assert!(t.threads() <= 256, "{t:?}");
            assert!(t.workgroup_bytes() <= 16384, "{t:?}: {} bytes", t.workgroup_bytes());
            assert!(t.rm % 4 == 0 && t.rn % 4 == 0 && t.tk % 4 == 0, "{t:?}");
            let (la, lb) = t.loads();
            assert_eq!(la * t.threads() * 4, t.tm() * t.tk, "{t:?}: A tile not covered by whole loads");
            assert_eq!(lb * t.threads() * 4, t.tn() * t.tk, "{t:?}: B tile not covered by whole loads");
            assert!(!source(&t).lines().any(|l| l.trim().starts_with("// @")), "{t:?}: directive left");
        }
    }

    #[test]
    fn big_problems_get_big_tiles_and_thin_long_ones_split_k() {
        assert_eq!(Plan::choose(4096, 4096, 512, 1, true), Plan::new(0, 1, 512));
        // Weight gradient of a 320×320 layer over 2048 rows: 25 tiles of 64, so K is split.
        let p = Plan::choose(320, 320, 2048, 1, true);
        assert!(p.splits > 1 && p.splits * p.k_chunk >= 2048 && (p.splits - 1) * p.k_chunk < 2048, "{p:?}");
        // Without scratch, or with short K, never split.
        assert_eq!(Plan::choose(320, 320, 2048, 1, false).splits, 1);
        assert_eq!(Plan::choose(7, 5, 100, 1, true).splits, 1);
    }
}
