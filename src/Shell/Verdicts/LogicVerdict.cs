namespace Functional.Shell.Verdicts;

/// <summary>A logic-gate run's final numbers: the truth table's targets and the network's outputs, and the learned weights.</summary>
/// <param name="Gate">The gate (<c>and</c>, <c>xor</c>, …).</param>
/// <param name="Hidden">Hidden width; 0 is a single neuron.</param>
/// <param name="Activation">The hidden activation's name (ReLU in this exercise).</param>
/// <param name="Inputs">The four input rows, in the order of <paramref name="Targets"/>.</param>
/// <param name="Targets">The gate's output per row.</param>
/// <param name="Outputs">The network's output per row after training.</param>
/// <param name="Weights">The learned parameters, in layer order (l1.weight, l1.bias, …).</param>
internal sealed record LogicSummary(string Gate, int Hidden, string Activation, double[][] Inputs, double[] Targets, double[] Outputs,
    IReadOnlyList<NamedValues> Weights) : RunSummary
{
    /// <summary>Rows whose output rounds to the target.</summary>
    public int Correct => Enumerable.Range(0, Targets.Length).Count(i => Math.Round(Outputs[i]) + 0.0 == Targets[i]);
}

/// <summary>
/// What a logic-gate run says: was the gate learned, what the learned weights do (dead ReLU units, the function the
/// network computes), and whether one neuron could learn it (linear separability), with a hint when XOR was not learned.
/// </summary>
internal static class LogicVerdict
{
    public static IReadOnlyList<string> Lines(LogicSummary s)
    {
        var gate = s.Gate.ToUpperInvariant();
        var lines = new List<string>();
        var wrong = Enumerable.Range(0, s.Targets.Length).Where(i => Math.Round(s.Outputs[i]) + 0.0 != s.Targets[i]).ToList();
        lines.Add($"{s.Correct}/{s.Targets.Length} rows right (an output counts as the value it rounds to): "
                  + (wrong.Count == 0 ? $"the network learned {gate}" : $"the network did not learn {gate}, wrong on {Say.List(wrong.Select(i => Row(s, i)))}"));
        lines.AddRange(Weights(s));
        var separable = !(s.Gate is "xor" or "xnor");
        if (separable)
        {
            lines.Add($"{gate} is linearly separable (one straight line puts the rows where it is 1 on one side and the rest on the other), so a single neuron learns it too (--hidden 0); "
                      + "XOR is not: no straight line puts (0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other, so logic --gate xor --hidden 0 cannot learn it");
            if (wrong.Count > 0) lines.Add("try more --epochs or another --seed");
        }
        else if (s.Hidden == 0)
            lines.Add($"{gate} is not linearly separable: no straight line puts (0, 1) and (1, 0) on one side and (0, 0) and (1, 1) on the other, "
                      + "so a single neuron cannot learn it; a hidden layer can (--hidden 2 or more)");
        else if (wrong.Count == 0)
            lines.Add($"{gate} is not linearly separable, so a single neuron (--hidden 0) cannot learn it: the hidden layer is what bends the boundary");
        else
            lines.Add($"{gate} is not linearly separable: it needs its hidden units working together, "
                      + (Dead(s).Count > 0 ? $"and here {Say.Count(Dead(s).Count, "unit is", "units are")} dead. " : "and these did not find the way. ")
                      + "Try a wider hidden layer (--hidden 4) or another --seed");
        return lines;
    }

    private static string Row(LogicSummary s, int i) => $"({s.Inputs[i][0].ToString(Inv)}, {s.Inputs[i][1].ToString(Inv)})";

    // The hidden pre-activations z[k][row] = W1[k]·x + b1[k].
    private static double[][] PreActivations(LogicSummary s)
    {
        var (w, b) = (s.Weights[0], s.Weights[1]);
        var columns = (int)w.Shape[1];
        return [.. Enumerable.Range(0, (int)w.Shape[0]).Select(k => s.Inputs.Select(x => b.Values[k] + Enumerable.Range(0, columns).Sum(j => w.Values[k * columns + j] * x[j])).ToArray())];
    }

    private static List<int> Dead(LogicSummary s) =>
        s.Hidden == 0 || s.Activation != "relu" ? [] : [.. PreActivations(s).Select((z, k) => (z, k)).Where(u => u.z.All(v => v <= 0)).Select(u => u.k)];

    private static IEnumerable<string> Weights(LogicSummary s)
    {
        if (s.Hidden == 0)
        {
            var (w, b) = (s.Weights[0].Values, s.Weights[1].Values[0]);
            var ones = Enumerable.Range(0, s.Inputs.Length).Where(i => s.Outputs[i] >= 0.5).Select(i => Row(s, i)).ToList();
            yield return $"a single neuron: output = {Term(w[0], "x1", first: true)}{Term(w[1], "x2")}{Constant(b)}, a linear function: it is above 0.5 (rounds to 1) on "
                         + (ones.Count == 0 ? "no row" : Say.List(ones)) + ", and one straight line (output = 0.5) is all it can draw between the rows";
            yield break;
        }
        var z = PreActivations(s);
        var dead = Dead(s);
        foreach (var k in dead)
            yield return $"hidden unit {k + 1} is dead: its ReLU input is negative on all four rows, so it outputs 0 and gets no gradient (its weights no longer change)";
        if (s.Hidden > 4 || s.Activation != "relu") yield break;
        var alive = Enumerable.Range(0, s.Hidden).Except(dead).ToList();
        foreach (var k in alive)
        {
            var on = Enumerable.Range(0, s.Inputs.Length).Where(i => z[k][i] > 0).Select(i => Row(s, i)).ToList();
            yield return $"hidden unit {k + 1} is active (input above 0) on {(on.Count == 4 ? "every row" : Say.List(on))}";
        }
        var (w1, b1, w2, b2) = (s.Weights[0].Values, s.Weights[1].Values, s.Weights[2].Values, s.Weights[3].Values[0]);
        var terms = alive.Select((k, n) => $"{Coefficient(w2[k], n == 0)}relu({Term(w1[2 * k], "x1", first: true)}{Term(w1[2 * k + 1], "x2")}{Constant(b1[k])})");
        yield return alive.Count == 0
            ? $"every hidden unit is dead, so the output is the constant {Say.Num(b2)}"
            : $"so the network computes output = {string.Join("", terms)}{Constant(b2)}";
    }

    private static string Term(double w, string x, bool first = false) => Coefficient(w, first) + x;

    private static string Coefficient(double w, bool first) =>
        first ? $"{(w < 0 ? "−" : "")}{Say.Num(Math.Abs(w))}·" : $" {(w < 0 ? "−" : "+")} {Say.Num(Math.Abs(w))}·";

    private static string Constant(double b) => $" {(b < 0 ? "−" : "+")} {Say.Num(Math.Abs(b))}";
}
