namespace Functional.Shell.Verdicts;

/// <summary>The perceptron walkthrough's numbers: shapes, the forward pass, the loss, the bias gradient, and both updates' agreement.</summary>
/// <param name="Layer">The layer's name (<c>fc</c>).</param>
/// <param name="InputShape">Shape of the random input.</param>
/// <param name="WeightShape">Shape of the layer's weight.</param>
/// <param name="BiasShape">Shape of its bias.</param>
/// <param name="OutputShape">Shape of the output.</param>
/// <param name="Output">The output's values.</param>
/// <param name="Target">The random target's values.</param>
/// <param name="Loss">MSE of output against target.</param>
/// <param name="BiasGradient">d loss / d bias, by autograd.</param>
/// <param name="Lr">The update's learning rate.</param>
/// <param name="UpdateDifference">Largest |manual update − optimizer step| over every parameter.</param>
internal sealed record PerceptronSummary(string Layer, long[] InputShape, long[] WeightShape, long[] BiasShape, long[] OutputShape,
    double[] Output, double[] Target, double Loss, double[] BiasGradient, double Lr, double UpdateDifference) : RunSummary;

/// <summary>What the perceptron walkthrough says: the shapes, the output's range, the loss, the bias gradient (checked against the chain rule), and whether a manual update equals the optimizer's.</summary>
internal static class PerceptronVerdict
{
    public static IReadOnlyList<string> Lines(PerceptronSummary s)
    {
        var (weight, bias) = ($"{s.Layer}.weight", $"{s.Layer}.bias");
        var n = s.Output.Length;
        var parameters = s.WeightShape.Aggregate(1L, (a, b) => a * b) + s.BiasShape.Aggregate(1L, (a, b) => a * b);
        var unreachable = s.Target.Count(t => t <= 0 || t >= 1);
        // MSE = mean((y − t)²) over n outputs and y = sigmoid(z): d loss/d b_j = 2/n · (y_j − t_j) · y_j (1 − y_j).
        var chain = s.Output.Select((y, j) => 2.0 / n * (y - s.Target[j]) * y * (1 - y)).ToArray();
        var chainGap = chain.Select((g, j) => Math.Abs(g - s.BiasGradient[j])).DefaultIfEmpty(0).Max();
        return
        [
            $"shapes: input {Shape(s.InputShape)} → {weight} {Shape(s.WeightShape)} and {bias} {Shape(s.BiasShape)} → output {Shape(s.OutputShape)} "
            + $"({Say.Count(parameters, "parameter")})",
            $"output: the sigmoid puts each of the {n} values in (0, 1); here they run from {Say.Num(s.Output.Min())} to {Say.Num(s.Output.Max())}",
            $"loss: MSE against a random target = {Say.Loss(s.Loss)}"
            + (unreachable > 0 ? $"; {unreachable} of the target's {n} values lie outside (0, 1), where a sigmoid never reaches, so this loss can never be 0" : ""),
            $"bias gradient: before backpropagation there is none (PyTorch prints None); after it, d loss/d {bias} = 2/{n}·(output − target)·output·(1 − output), "
            + $"the chain rule through MSE and the sigmoid (autograd's values agree with that formula to {Say.Num(chainGap)})",
            s.UpdateDifference == 0
                ? $"manual update (w ← w − {s.Lr.ToString(Inv)}·grad) and the optimizer's SGD step give the same weights, to the bit"
                : $"manual update (w ← w − {s.Lr.ToString(Inv)}·grad) and the optimizer's SGD step give the same weights up to float32 rounding "
                  + $"(largest difference {Say.Num(s.UpdateDifference)}: w − (lr·g) rounds lr·g first, the optimizer computes w + (−lr)·g in one go)",
        ];
    }

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
