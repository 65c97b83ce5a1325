namespace Functional.FSharp

open System
open TorchSharp
open Functional.Model
open Functional.Training

/// <summary>
/// Checking a gradient against finite differences: the core's <c>Gradients.Check</c> (autograd vs central differences in
/// float64, eps 1e-6) as a Result.
/// </summary>
module Gradients =
    /// <summary>
    /// The gradient of loss at parameters by central differences in float64 (eps 1e-6): new float64 tensors with the
    /// same names and shapes, yours. The loss sees float64 params: what it combines them with must be float64 too.
    /// </summary>
    let finiteDifferences (loss: Params -> torch.Tensor) (parameters: Params) : Params =
        Functional.Training.Gradients.FiniteDifferences(Func<_, _> loss, parameters)

    /// <summary>
    /// Compares autograd's gradient of loss at parameters with central differences, both in float64, element by element:
    /// |analytic − numeric| ≤ atol + rtol·|numeric|. Ok with the whole comparison (its entries worst first), or Error
    /// with the elements outside the tolerance, worst first. The loss sees float64 params and must return one element;
    /// parameters are untouched, and no tensor outlives the check.
    /// </summary>
    let checkWithin (atol: float) (rtol: float) (loss: Params -> torch.Tensor) (parameters: Params) : Result<GradientCheck, GradientEntry list> =
        let check = Functional.Training.Gradients.Check(Func<_, _> loss, parameters, atol, rtol)
        if check.Passed then Ok check else Error(List.ofSeq check.Failures)

    /// checkWithin with torch.autograd.gradcheck's tolerances: atol 1e-5, rtol 1e-3.
    let check (loss: Params -> torch.Tensor) (parameters: Params) : Result<GradientCheck, GradientEntry list> =
        checkWithin GradientCheck.DefaultAtol GradientCheck.DefaultRtol loss parameters
