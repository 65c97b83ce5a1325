using System.Globalization;
using System.Text;
using System.Text.Json;
using Functional.Shell.Reports;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The report's fast reading of <c>step</c> events (<see cref="RunRecord.TryStep"/>) against reading the same line as a
/// JSON document: whatever the fast path accepts, the document says the same; whatever it declines is left to the document.
/// </summary>
public sealed class RunRecordTests
{
    // What the document path reads from a line: the step, or null when the line is not a readable step event.
    private static (int, int, double)? ByDocument(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            var e = doc.RootElement;
            if (e.ValueKind != JsonValueKind.Object || !e.TryGetProperty("event", out var kind) || kind.ValueKind != JsonValueKind.String || kind.GetString() != "step")
                return null;
            return (e.GetProperty("epoch").GetInt32(), e.GetProperty("batch").GetInt32(), RunRecord.Number(e.GetProperty("loss")));
        }
        catch (Exception x) when (x is JsonException or InvalidDataException or KeyNotFoundException or InvalidOperationException or FormatException)
        {
            return null;
        }
    }

    private static (int, int, double)? Fast(string line) =>
        RunRecord.TryStep(Encoding.UTF8.GetBytes(line), out var step) ? step : null;

    [Fact]
    public void A_logs_event_lines_are_every_whole_line_after_the_first_across_read_buffers_of_any_length()
    {
        // Lines of every length around the 64 KB read buffer, one longer than two buffers, a multi-byte character on a
        // boundary, empty lines, and a last line without its newline (still being written: not an event yet).
        var random = new Random(11);
        var lines = new List<string> { "{\"event\":\"header\"}" };
        for (var i = 0; i < 400; i++) lines.Add(new string('x', random.Next(0, 700)) + (i % 7 == 0 ? "é−" : "") + i);
        lines.Add("");
        lines.Add(new string('y', 150_000));
        lines.Add("");
        var text = string.Join("\n", lines) + "\n" + "{\"event\":\"st";
        var log = Path.Combine(ShellRunner.TempDir(), "log.jsonl");
        File.WriteAllText(log, text);

        Assert.Equal(lines.Skip(1), Functional.Shell.RunFolder.EventLines(log));
        Assert.Equal(lines.Skip(1), Functional.Shell.RunFolder.EventLineBytes(log).Select(l => Encoding.UTF8.GetString(l.Span)).ToList());
    }

    [Theory]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":0.25}""")]
    [InlineData("""{"loss":0.25,"batch":7,"event":"step","epoch":3}""")]
    [InlineData("""{"event":"step","part":2,"epoch":3,"batch":7,"loss":1e-3,"extra":{"a":[1,2,{"b":null}]}}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":"NaN"}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":"-Infinity"}""")]
    [InlineData(""" { "event" : "step" , "epoch" : 0 , "batch" : 0 , "loss" : -0.0 } """)]
    [InlineData("""{"\u0065vent":"step","epoch":3,"batch":7,"loss":0.5}""")]
    public void A_step_line_is_read_fast_and_as_the_document_reads_it(string line)
    {
        var fast = Fast(line);
        Assert.NotNull(fast);
        Assert.Equal(ByDocument(line), fast);
    }

    [Theory]
    [InlineData("""{"event":"epoch","epoch":3,"loss":0.25}""")]
    [InlineData("""{"event":"step","epoch":3.5,"batch":7,"loss":0.25}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":0.25,"loss":0.5}""")]
    [InlineData("""{"event":"step","event":"epoch","epoch":3,"batch":7,"loss":0.25}""")]
    [InlineData("""{"event":"step","epoch":"3","batch":7,"loss":0.25}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":"lots"}""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":0.25} trailing""")]
    [InlineData("""{"event":"step","epoch":3,"batch":7,"loss":0.25""")]
    [InlineData("""[{"event":"step","epoch":3,"batch":7,"loss":0.25}]""")]
    [InlineData("""{"event":"step","epoch":99999999999,"batch":7,"loss":0.25}""")]
    [InlineData("")]
    public void Anything_else_is_left_to_the_document(string line)
    {
        Assert.Null(Fast(line));
    }

    [Fact]
    public void Over_many_generated_lines_the_fast_path_never_disagrees_with_the_document()
    {
        var random = new Random(20261130);
        // Each field mostly well formed, sometimes not; sometimes left out or written twice; extras and any order.
        string[][] variants =
        [
            ["\"event\":\"step\"", "\"event\":\"step\"", "\"event\":\"epoch\"", "\"event\":1", "\"\\u0065vent\":\"step\""],
            ["\"epoch\":4", "\"epoch\":0", "\"epoch\":1.5", "\"epoch\":\"4\"", "\"e\\u0070och\":4"],
            ["\"batch\":2", "\"batch\":9", "\"batch\":null", "\"batch\":-3"],
            ["\"loss\":0.125", "\"loss\":1e300", "\"loss\":\"Infinity\"", "\"loss\":\"NaN\"", "\"loss\":\"x\"", "\"loss\":[1]"],
        ];
        string[] extras = ["\"part\":2", "\"x\":{\"loss\":1,\"event\":\"epoch\"}", "\"seconds\":0.5", "\"y\":[\"step\"]"];
        var accepted = 0;
        for (var i = 0; i < 5000; i++)
        {
            var fields = new List<string>();
            foreach (var v in variants)
            {
                var copies = random.Next(10) switch { 0 => 0, 1 => 2, _ => 1 };
                for (var c = 0; c < copies; c++) fields.Add(v[random.Next(10) < 6 ? 0 : random.Next(v.Length)]);
            }
            for (var x = random.Next(3); x > 0; x--) fields.Add(extras[random.Next(extras.Length)]);
            var line = "{" + string.Join(",", fields.OrderBy(_ => random.Next())) + "}";
            var fast = Fast(line);
            if (fast is null) continue;
            accepted++;
            Assert.True(Equals(ByDocument(line), fast), $"{line}: fast {fast}, document {ByDocument(line)}");
        }
        Assert.True(accepted > 500, $"only {accepted} generated lines took the fast path");
    }
}
