using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Functional.Shell.Verdicts;

/// <summary>
/// A run's final numbers: what its verdict is computed from. Written as the log's <c>summary</c> event (the record's
/// fields in snake_case, <c>exercise</c> naming the record) and read back from it by <see cref="Summaries.Read"/>, so
/// anything that shows a run folder (a report) says the same words as the console did.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "exercise")]
[JsonDerivedType(typeof(LogicSummary), "logic")]
[JsonDerivedType(typeof(RegressionSummary), "regression")]
[JsonDerivedType(typeof(PerceptronSummary), "perceptron")]
[JsonDerivedType(typeof(BlobsSummary), "blobs")]
[JsonDerivedType(typeof(XorSummary), "xor")]
[JsonDerivedType(typeof(SuiteSummary), "xor-experiments")]
[JsonDerivedType(typeof(MnistSummary), "mnist")]
internal abstract record RunSummary;

/// <summary>A named tensor's values, row-major, with its shape.</summary>
internal sealed record NamedValues(string Name, long[] Shape, double[] Values);

/// <summary>The summary event's text, and the verdict of any summary: one entry point for the console and for reports.</summary>
internal static class Summaries
{
    /// <summary>The log's <c>summary</c> event for <paramref name="summary"/>: one JSON object, <c>event</c> and <c>exercise</c> first.</summary>
    public static string Event(RunSummary summary)
    {
        // The serializer writes the discriminator first ({"exercise":…,…}); the event's name goes in front of it.
        var fields = JsonSerializer.Serialize(summary, SummaryJson.Default.RunSummary);
        return "{\"event\":\"summary\"," + fields[1..];
    }

    /// <summary>The summary a log's <c>summary</c> event holds (the line as the log has it).</summary>
    public static RunSummary Read(string summaryEvent)
    {
        var node = JsonNode.Parse(summaryEvent)?.AsObject() ?? throw new InvalidDataException("a summary event must be a JSON object");
        if (node["event"]?.GetValue<string>() != "summary") throw new InvalidDataException("not a summary event");
        node.Remove("event");
        return node.Deserialize(SummaryJson.Default.RunSummary) ?? throw new InvalidDataException("an empty summary event");
    }

    /// <summary>The verdict of <paramref name="summary"/>: the sentences that answer the exercise's questions from its numbers.</summary>
    public static IReadOnlyList<string> Verdict(RunSummary summary) => summary switch
    {
        LogicSummary s => LogicVerdict.Lines(s),
        RegressionSummary s => RegressionVerdict.Lines(s),
        PerceptronSummary s => PerceptronVerdict.Lines(s),
        BlobsSummary s => BlobsVerdict.Lines(s),
        XorSummary s => XorVerdict.Lines(s),
        SuiteSummary s => SuiteVerdict.Lines(s),
        MnistSummary s => MnistVerdict.Lines(s),
        _ => throw new ArgumentException($"no verdict for {summary.GetType().Name}"),
    };

    /// <summary>A tensor's values as a <see cref="NamedValues"/>.</summary>
    public static NamedValues Values(string name, TorchSharp.torch.Tensor t)
    {
        using var c = t.detach().to(TorchSharp.torch.ScalarType.Float64).cpu().contiguous();
        return new NamedValues(name, c.shape, c.data<double>().ToArray());
    }
}

/// <summary>
/// The summaries' JSON contract, generated at compile time: the reflection-based serializer emits IL for its accessors on
/// first use, which cost every training run's start-up tens of milliseconds (docs/perf.md).
/// </summary>
[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    // NaN and infinities are written as the log writes them: "NaN", "Infinity", "-Infinity".
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    AllowOutOfOrderMetadataProperties = true,
    // A summary missing a field, or with null where the record has none, is not read as zeros and nulls.
    RespectRequiredConstructorParameters = true,
    RespectNullableAnnotations = true)]
[JsonSerializable(typeof(RunSummary))]
internal sealed partial class SummaryJson : JsonSerializerContext;
