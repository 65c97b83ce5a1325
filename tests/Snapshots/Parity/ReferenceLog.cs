using System.Globalization;
using System.IO.Compression;
using System.Text.Json;

namespace Functional.Snapshots.Parity;

/// <summary>One line of a JSON Lines run log (docs/run-format.md): its kind (<c>event</c>) and its other fields in order.</summary>
internal sealed record LogLine(int Index, string Kind, IReadOnlyList<KeyValuePair<string, JsonElement>> Fields)
{
    public JsonElement? this[string name] => Fields.FirstOrDefault(f => f.Key == name) is { Key: not null } f ? f.Value : null;

    /// <summary>Where the line is in the run: <c>step 12 of epoch 3</c>, <c>end of epoch 3</c>, <c>summary</c>.</summary>
    public string Where => (Kind, this["epoch"]?.GetRawText(), this["batch"]?.GetRawText()) switch
    {
        ("step", { } e, { } b) => $"step {b} of epoch {e}",
        ("epoch", { } e, _) => $"end of epoch {e}",
        (var k, { } e, _) => $"{k} of epoch {e}",
        (var k, _, _) => k,
    };
}

/// <summary>A log file read whole: the header line (absent in logs written before the header existed) and the events.</summary>
internal sealed record RunLog(LogLine? Header, IReadOnlyList<LogLine> Events)
{
    /// <summary>The kinds compared between two logs: what a training run logs as it goes (not the header, not extras such as the perceptron's walkthrough).</summary>
    public static IReadOnlySet<string> EventKinds { get; } = new HashSet<string> { "step", "epoch", "member_epoch", "summary" };

    /// <summary>Reads a <c>.jsonl</c> or gzipped <c>.jsonl.gz</c> log.</summary>
    public static RunLog Read(string path)
    {
        using var file = File.OpenRead(path);
        using Stream stream = path.EndsWith(".gz", StringComparison.Ordinal) ? new GZipStream(file, CompressionMode.Decompress) : file;
        using var reader = new StreamReader(stream);
        LogLine? header = null;
        var events = new List<LogLine>();
        var all = new List<LogLine>();
        while (reader.ReadLine() is { } text)
        {
            if (string.IsNullOrWhiteSpace(text)) continue;
            using var doc = JsonDocument.Parse(text);
            var kind = doc.RootElement.GetProperty("event").GetString()!;
            var fields = doc.RootElement.EnumerateObject().Where(p => p.Name != "event")
                .Select(p => KeyValuePair.Create(p.Name, p.Value.Clone())).ToList();
            all.Add(new LogLine(all.Count, kind, fields));
        }
        foreach (var line in all)
        {
            if (line.Kind == "header") header = line;
            else if (EventKinds.Contains(line.Kind)) events.Add(line with { Index = events.Count });
        }
        return new RunLog(header, events) { Extras = [.. all.Where(l => l.Kind != "header" && !EventKinds.Contains(l.Kind))] };
    }

    /// <summary>Lines that are neither the header nor a compared event (e.g. the perceptron fixture's walkthrough values).</summary>
    public IReadOnlyList<LogLine> Extras { get; init; } = [];
}

/// <summary>
/// How closely our numbers must follow the reference's: <c>torch.allclose</c>'s rule |ours − theirs| ≤ atol + rtol·|theirs|
/// with atol 1e-7; an accuracy (a fraction of <see cref="AccuracyOf"/> test samples) may differ by one sample.
/// </summary>
/// <param name="Rtol">The relative tolerance of every loss.</param>
/// <param name="AccuracyOf">The number of test samples behind an accuracy; null compares accuracies like losses.</param>
internal sealed record Tolerance(double Rtol, int? AccuracyOf = null)
{
    public const double Atol = 1e-7;

    public bool Allows(string field, double ours, double theirs) =>
        field == "accuracy" && AccuracyOf is { } n
            ? Math.Abs(ours - theirs) <= 1.0 / n + Atol
            : Math.Abs(ours - theirs) <= Atol + Rtol * Math.Abs(theirs);

    public string Describe(string field) =>
        field == "accuracy" && AccuracyOf is { } n
            ? $"within one sample of {n}: |a − b| ≤ {Num(1.0 / n)} + {Num(Atol)}"
            : $"|a − b| ≤ {Num(Atol)} + {Num(Rtol)}·|b|";

    private static string Num(double x) => x.ToString("G3", CultureInfo.InvariantCulture);
}

/// <summary>The outcome of comparing our log with a reference log, event by event.</summary>
/// <param name="Failure">Null when every event matches and the counts are equal; otherwise what differs first, in one message.</param>
/// <param name="Worst">Per compared field (<c>step.loss</c>, <c>epoch.val_loss</c>, …): how many values, and the largest relative difference |a − b| / |b| and where.</param>
internal sealed record Comparison(string? Failure, IReadOnlyDictionary<string, (int Count, double Relative, string Where)> Worst);

/// <summary>Compares two run logs event by event.</summary>
internal static class LogComparison
{
    /// <summary>Fields that are not compared: the first epoch with 100% accuracy follows from the accuracies, which may differ by one sample.</summary>
    private static readonly HashSet<string> Derived = ["summary.first_perfect_epoch"];

    /// <summary>
    /// Compares <paramref name="ours"/> with <paramref name="theirs"/> (the reference): the same kinds of events in the same
    /// order, the same fields, <c>epoch</c> and <c>batch</c> equal, every other number within <paramref name="tolerance"/>,
    /// and the same number of events. A step's loss is a float32 in both logs (<c>loss.item()</c> of a float32 tensor;
    /// the reference writes float32's shortest form), so it is compared as the float32 it is.
    /// </summary>
    public static Comparison Compare(RunLog ours, RunLog theirs, Tolerance tolerance)
    {
        var worst = new Dictionary<string, (int Count, double Relative, string Where)>();
        string? first = null;
        var common = Math.Min(ours.Events.Count, theirs.Events.Count);
        for (var i = 0; i < common && first is null; i++)
            first = Difference(ours.Events[i], theirs.Events[i], tolerance, worst);
        string? count = ours.Events.Count == theirs.Events.Count ? null
            : $"ours has {ours.Events.Count} events, the reference {theirs.Events.Count}"
              + (first is null
                  ? $"; the first unmatched is event #{common}: {(ours.Events.Count > common ? "ours " + ours.Events[common].Where : "theirs " + theirs.Events[common].Where)}"
                  : "");
        var failure = (first, count) switch
        {
            (null, null) => null,
            (null, _) => count,
            (_, null) => first,
            _ => first + "\n" + count,
        };
        return new Comparison(failure, worst);
    }

    private static string? Difference(LogLine a, LogLine b, Tolerance tolerance, Dictionary<string, (int, double, string)> worst)
    {
        var at = $"first differing event #{a.Index} ({b.Where})";
        if (a.Kind != b.Kind) return $"{at}: ours is a '{a.Kind}' event ({a.Where}), the reference's a '{b.Kind}'";
        var names = a.Fields.Select(f => f.Key).Union(b.Fields.Select(f => f.Key)).Where(n => !Derived.Contains($"{b.Kind}.{n}"));
        foreach (var name in names)
        {
            var (va, vb) = (a[name], b[name]);
            if (va is null || vb is null)
                return $"{at}, field {name}: {(va is null ? "ours lacks it" : "ours has it")}, {(vb is null ? "the reference lacks it" : "the reference has " + vb.Value.GetRawText())}";
            if (name is "epoch" or "batch" || va.Value.ValueKind != JsonValueKind.Number || vb.Value.ValueKind != JsonValueKind.Number)
            {
                if (va.Value.GetRawText() != vb.Value.GetRawText())
                    return $"{at}, field {name}: ours {va.Value.GetRawText()}, theirs {vb.Value.GetRawText()}";
                continue;
            }
            var float32 = a.Kind == "step" && name == "loss";
            var x = float32 ? va.Value.GetSingle() : va.Value.GetDouble();
            var y = float32 ? vb.Value.GetSingle() : vb.Value.GetDouble();
            var relative = Relative(x, y);
            var key = $"{b.Kind}.{name}";
            var (count, max, where) = worst.GetValueOrDefault(key, (0, 0.0, ""));
            worst[key] = relative > max ? (count + 1, relative, b.Where) : (count + 1, max, where);
            if (!tolerance.Allows(name, x, y))
                return string.Format(CultureInfo.InvariantCulture, "{0}, field {1}: ours {2:R}, theirs {3:R}, relative difference {4:G3} (allowed: {5})",
                    at, name, x, y, relative, tolerance.Describe(name));
        }
        return null;
    }

    /// <summary>|a − b| / |b|; 0 when both are 0.</summary>
    public static double Relative(double a, double b) => a == b ? 0 : Math.Abs(a - b) / Math.Abs(b);
}
