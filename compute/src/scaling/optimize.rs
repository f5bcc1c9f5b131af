//! One L-BFGS minimisation (argmin, More–Thuente line search) of a function with an analytic gradient.

use argmin::core::{CostFunction, Error, Executor, Gradient};
use argmin::solver::linesearch::MoreThuenteLineSearch;
use argmin::solver::quasinewton::LBFGS;
use std::cell::RefCell;

/// A smooth objective: `eval` returns f(x) and, when asked, writes ∇f(x) into `grad`.
pub(crate) trait Objective {
    fn eval(&self, x: &[f64], grad: Option<&mut [f64]>) -> f64;
}

/// The objective plus the best point evaluated so far, so a line search that fails late loses nothing.
struct Problem<'a, O: Objective> {
    objective: &'a O,
    best: &'a RefCell<(Vec<f64>, f64)>,
}

impl<O: Objective> Problem<'_, O> {
    fn record(&self, x: &[f64], f: f64) {
        let mut best = self.best.borrow_mut();
        if f.is_finite() && f < best.1 {
            *best = (x.to_vec(), f);
        }
    }
}

impl<O: Objective> CostFunction for Problem<'_, O> {
    type Param = Vec<f64>;
    type Output = f64;
    fn cost(&self, x: &Vec<f64>) -> Result<f64, Error> {
        let f = self.objective.eval(x, None);
        self.record(x, f);
        Ok(f)
    }
}

impl<O: Objective> Gradient for Problem<'_, O> {
    type Param = Vec<f64>;
    type Gradient = Vec<f64>;
    fn gradient(&self, x: &Vec<f64>) -> Result<Vec<f64>, Error> {
        let mut g = vec![0.0; x.len()];
        let f = self.objective.eval(x, Some(&mut g));
        self.record(x, f);
        Ok(g)
    }
}

/// Minimises `objective` from `start` with L-BFGS (history 7) for at most `max_iters` iterations; returns the best point
/// evaluated and its value (the start itself if nothing better was found), or `None` if f(start) is not finite.
pub(crate) fn lbfgs<O: Objective>(objective: &O, start: &[f64], max_iters: u64) -> Option<(Vec<f64>, f64)> {
    let f0 = objective.eval(start, None);
    if !f0.is_finite() {
        return None;
    }
    let best = RefCell::new((start.to_vec(), f0));
    let problem = Problem { objective, best: &best };
    let solver =
        LBFGS::new(MoreThuenteLineSearch::new(), 7).with_tolerance_grad(1e-12).ok()?.with_tolerance_cost(1e-15).ok()?;
    // The outcome is read from `best`: argmin's error (a line search that cannot progress on a flat start) only ends
    // this start early.
    let run = Executor::new(problem, solver)
        .configure(|state| state.param(start.to_vec()).max_iters(max_iters))
        .timer(false)
        .run();
    drop(run);
    Some(best.into_inner())
}
