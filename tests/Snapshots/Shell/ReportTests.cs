using System.Globalization;
using System.Text.Json;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// Each training exercise's <c>report.html</c>, parsed as a browser parses it: self-contained (every image a PNG data
/// URI, no script, nothing that names the network), its numbers the log's own, every plot of the folder inlined byte for
/// byte, the checkpoint it names the newest one; how it says a run ended; <c>runs report</c> making it again from the
/// folder alone, verdict lines escaped; and its refusals.
/// </summary>
public sealed class ReportTests
{
    private static readonly CultureInfo Inv = CultureInfo.InvariantCulture;

    public static TheoryData<string[]> Runs() => new()
    {
        { ["logic", "--epochs", "8"] },
        { ["regression", "--split", "0.8", "--epochs", "12"] },
        { ["regression", "--compare-weight-decay", "0.001", "--epochs", "6"] },
        { ["blobs", "--epochs", "5"] },
        { ["xor", "--epochs", "2"] },
        { ["xor-experiments", "--repeats", "1", "--epochs", "2", "--max-hidden", "2"] },
        { ["mnist", "--limit", "100", "--epochs", "2"] },
    };

    [Theory]
    [MemberData(nameof(Runs))]
    public void A_run_writes_a_self_contained_report_whose_numbers_are_its_logs(string[] command)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var r = ShellRunner.Run([.. command, "--out", dir, "--quiet"]);
        Assert.True(r.ExitCode == 0, r.Stderr);
        Assert.Contains($"report: {Path.Combine(dir, "report.html")}", r.Stdout);
        var (html, doc) = Parse(Path.Combine(dir, "report.html"));
        var log = Log.Read(dir);

        AssertSelfContained(html, doc, dir);
        Assert.Equal("completed", doc.QuerySelector("#status")!.TextContent);
        Assert.Equal("./functional " + log.Header.GetProperty("command").GetString(), doc.QuerySelector("#command")!.TextContent);
        foreach (var id in new[] { "run", "data", "curves", "results", "verdicts", "plots", "checkpoint", "files" })
            Assert.NotNull(doc.QuerySelector($"section#{id} h2"));
        // The training curves are drawn as SVG (no raster library on the run's path), the loss panel always among them.
        var curves = SvgDataUri(doc.QuerySelector("#curves-figure img")!.GetAttribute("src")!);
        Assert.Contains("Loss per epoch", curves.Descendants().Where(e => e.Name.LocalName == "text").Select(t => t.Value));

        // The verdicts are the console's own sentences (one verdict function for both), not a second set; the suite's
        // report names each line's experiment, which the console prints under that experiment's table.
        var verdicts = doc.QuerySelectorAll("#verdicts p.verdict").Select(p => p.TextContent).ToList();
        Assert.True(verdicts.Count > 0, doc.QuerySelector("#verdicts")!.TextContent);
        var printed = r.Stdout.ReplaceLineEndings("\n").Split('\n').Select(l => l.Trim()).ToHashSet();
        foreach (var v in verdicts)
            Assert.Contains(System.Text.RegularExpressions.Regex.Replace(v, "^experiment [0-9]: ", ""), printed);

        // Every epoch's numbers, row by row, are the log's to the bit; what a person reads is them rounded.
        var rows = doc.QuerySelectorAll("table.epochs tbody tr");
        Assert.Equal(log.Epochs.Count, rows.Length);
        var multi = log.Epochs.Select(e => e.Part).Distinct().Count() > 1;
        for (var i = 0; i < rows.Length; i++)
        {
            var cells = rows[i].QuerySelectorAll("td");
            var e = log.Epochs[i];
            var k = 0;
            if (multi) Assert.Equal(e.Part.ToString(Inv), cells[k++].TextContent);
            Assert.Equal(e.Epoch.ToString(Inv), cells[k++].TextContent);
            AssertNumber(e.Loss, cells[k++], percent: false);
            if (e.Val is { } v) AssertNumber(v, cells[k++], percent: false);
            if (e.Accuracy is { } a) AssertNumber(a, cells[k++], percent: true);
        }

        // The last epoch of each part.
        var last = doc.QuerySelectorAll("table.last-epoch tbody tr");
        var parts = log.Epochs.Select(e => e.Part).Distinct().ToList();
        Assert.Equal(parts.Count, last.Length);
        for (var p = 0; p < parts.Count; p++)
        {
            var e = log.Epochs.Last(x => x.Part == parts[p]);
            var cells = last[p].QuerySelectorAll("td");
            Assert.Equal(e.Epoch.ToString(Inv), cells[1].TextContent);
            AssertNumber(e.Loss, cells[2], percent: false);
            if (e.Val is { } v) AssertNumber(v, cells[3], percent: false);
            if (e.Accuracy is { } a) AssertNumber(a, cells[e.Val is null ? 3 : 4], percent: true);
        }

        // The summary, field by field.
        if (log.Summary is { } summary)
        {
            var shown = doc.QuerySelectorAll("table.summary > tbody > tr").ToDictionary(tr => tr.Children[0].TextContent, tr => tr.Children[1]);
            foreach (var field in summary.EnumerateObject().Where(f => f.Name != "event"))
            {
                Assert.True(shown.ContainsKey(field.Name), $"summary field {field.Name} not shown");
                if (field.Value.ValueKind == JsonValueKind.Number) AssertNumber(field.Value.GetDouble(), shown[field.Name], field.Name.Contains("accuracy"));
            }
        }

        // Every plot in the folder, inlined as its own bytes.
        var plots = Directory.GetFiles(dir, "*.png").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
        if (plots.Count == 0) Assert.Equal("This run wrote no plot.", doc.QuerySelector("#plots p")!.TextContent); // logic draws none
        var figures = doc.QuerySelectorAll("figure.plot").ToDictionary(f => f.GetAttribute("data-file")!, f => f.QuerySelector("img")!.GetAttribute("src")!);
        Assert.Equal(plots, figures.Keys.Order(StringComparer.Ordinal));
        foreach (var plot in plots) Assert.Equal(File.ReadAllBytes(Path.Combine(dir, plot!)), DataUri(figures[plot!]));

        // The checkpoint it names is the newest, at its step.
        var newest = Directory.GetDirectories(Path.Combine(dir, "checkpoints"), "step-*").Order(StringComparer.Ordinal).Last();
        var where = doc.QuerySelector("#checkpoint-path")!;
        Assert.Contains(newest, where.TextContent);
        Assert.Equal(long.Parse(Path.GetFileName(newest)["step-".Length..], Inv).ToString(Inv), where.QuerySelector(".num")!.GetAttribute("data-value"));
        Assert.NotEmpty(doc.QuerySelectorAll("table.model tbody tr"));

        if (command[0] == "xor-experiments")
        {
            using var results = JsonDocument.Parse(File.ReadAllText(Path.Combine(dir, "xor-experiments.json")));
            var experiments = results.RootElement.GetProperty("experiments").EnumerateArray().ToList();
            Assert.Equal(6, experiments.Count);
            foreach (var x in experiments)
            {
                var n = x.GetProperty("experiment").GetInt32();
                var section = doc.QuerySelector($"#experiment-{n}")!;
                Assert.Equal(x.GetProperty("rows").GetArrayLength(), section.QuerySelectorAll("table.experiment-table tbody tr").Length);
                // Experiments 1-3 share one figure (panels on one y axis), drawn under experiment 1; 2 and 3 point to it.
                if (n is 2 or 3) Assert.NotNull(section.QuerySelector("a[href='#experiment-1']"));
                else Assert.NotEmpty(section.QuerySelectorAll("img"));
                var firstRow = section.QuerySelector("table.experiment-table tbody tr")!;
                Assert.Equal(x.GetProperty("rows")[0].GetProperty("setting").GetString(), firstRow.Children[0].TextContent);
            }
        }
    }

    [Fact]
    public void Runs_report_makes_the_report_again_from_the_folder_and_shows_verdict_lines_escaped()
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        Assert.Equal(0, ShellRunner.Run("logic", "--epochs", "1", "--out", dir, "--quiet").ExitCode);
        var logPath = Path.Combine(dir, "log.jsonl");
        // The summary's gate, which its verdict names, edited into markup: the verdict is made again from the folder's numbers, and escaped.
        var lines = File.ReadAllLines(logPath).Select(l => l.StartsWith("{\"event\":\"summary\"", StringComparison.Ordinal)
            ? l.Replace("\"gate\":\"and\"", "\"gate\":\"<script>alert('x')</script> & <b>bold</b>\"", StringComparison.Ordinal)
            : l).ToArray();
        Assert.Contains(lines, l => l.Contains("<b>bold</b>", StringComparison.Ordinal));
        File.WriteAllLines(logPath, lines);
        File.Delete(Path.Combine(dir, "report.html"));
        var r = ShellRunner.Run("runs", "report", dir);
        Assert.Equal(0, r.ExitCode);
        Assert.Equal($"wrote {Path.Combine(dir, "report.html")}\n", r.Stdout.ReplaceLineEndings("\n"));
        var (html, doc) = Parse(Path.Combine(dir, "report.html"));
        AssertSelfContained(html, doc, dir);
        var verdicts = doc.QuerySelectorAll("#verdicts p.verdict").Select(p => p.TextContent).ToList();
        Assert.Contains(verdicts, v => v.Contains("the network did not learn <SCRIPT>ALERT('X')</SCRIPT> & <B>BOLD</B>", StringComparison.Ordinal));
        Assert.Empty(doc.QuerySelectorAll("#verdicts b, #verdicts script"));
        // The verdict is not a summary field: it is computed from them.
        Assert.DoesNotContain("verdict", doc.QuerySelectorAll("table.summary > tbody > tr > td:first-child").Select(td => td.TextContent));

        // --out writes elsewhere and leaves the folder's report alone.
        var elsewhere = Path.Combine(ShellRunner.TempDir(), "copy.html");
        var before = File.ReadAllBytes(Path.Combine(dir, "report.html"));
        Assert.Equal(0, ShellRunner.Run("runs", "report", dir, "--out", elsewhere).ExitCode);
        Assert.True(File.Exists(elsewhere));
        Assert.Equal(before, File.ReadAllBytes(Path.Combine(dir, "report.html")));
    }

    [Theory]
    [InlineData("interrupted", "interrupted", "This run was interrupted")]
    [InlineData(null, "killed", "its process was killed")]
    public void A_report_says_how_a_stopped_run_ended_and_how_to_continue_it(string? outcome, string status, string note)
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        Assert.Equal(0, ShellRunner.Run("logic", "--epochs", "6", "--out", dir, "--quiet").ExitCode);
        // The log of a run that stopped: no summary, and an end that says so (or none at all: a kill).
        var logPath = Path.Combine(dir, "log.jsonl");
        var kept = File.ReadAllLines(logPath).Where(l => !l.Contains("\"event\":\"summary\"") && !l.Contains("\"event\":\"end\"")).ToList();
        if (outcome is not null) kept.Add($"{{\"event\":\"end\",\"outcome\":\"{outcome}\"}}");
        File.WriteAllLines(logPath, kept);
        Assert.Equal(0, ShellRunner.Run("runs", "report", dir).ExitCode);
        var (_, doc) = Parse(Path.Combine(dir, "report.html"));
        Assert.Equal(status, doc.QuerySelector("#status")!.TextContent);
        var text = doc.QuerySelector("#status-note")!.TextContent;
        Assert.Contains(note, text);
        Assert.Contains($"./functional logic --epochs 6 --quiet --resume {dir}", text);
        Assert.Contains("No verdict: the run did not complete.", doc.QuerySelector("#verdicts")!.TextContent);
    }

    [Fact]
    public void A_diverged_run_reports_where_its_loss_stopped_being_finite()
    {
        var dir = Path.Combine(ShellRunner.TempDir(), "run");
        var r = ShellRunner.Run("xor", "--epochs", "2", "--lr", "1e30", "--out", dir, "--quiet");
        Assert.Equal(3, r.ExitCode);
        Assert.Contains($"report: {Path.Combine(dir, "report.html")}", r.Stdout);
        var (html, doc) = Parse(Path.Combine(dir, "report.html"));
        AssertSelfContained(html, doc, dir);
        Assert.Equal("diverged", doc.QuerySelector("#status")!.TextContent);
        var steps = Log.Read(dir).Steps;
        var bad = steps.FindIndex(s => !double.IsFinite(s.Loss));
        Assert.Contains($"the loss became non-finite ({steps[bad].Loss.ToString(Inv)}) at epoch {steps[bad].Epoch}, batch {steps[bad].Batch}", doc.QuerySelector("#status-note")!.TextContent);
    }

    [Theory]
    [InlineData("missing", "error: runs report {0}: no such folder")]
    [InlineData("empty", "error: runs report {0}: not a run folder (it has no log.jsonl)")]
    public void Runs_report_of_a_folder_that_is_not_a_run_is_one_line_and_exit_2(string kind, string expected)
    {
        var root = ShellRunner.TempDir();
        var dir = Path.Combine(root, kind);
        if (kind == "empty") Directory.CreateDirectory(dir);
        var r = ShellRunner.Run("runs", "report", dir);
        Assert.Equal(2, r.ExitCode);
        Assert.Equal(string.Format(Inv, expected, dir) + "\n", r.Stderr.ReplaceLineEndings("\n"));
        Assert.False(File.Exists(Path.Combine(dir, "report.html")));
    }

    // ---- helpers shared with the compare tests ----

    internal static (string Html, IDocument Doc) Parse(string path)
    {
        var html = File.ReadAllText(path);
        return (html, new HtmlParser().ParseDocument(html));
    }

    /// <summary>No script, nothing that names the network, every image a PNG or SVG data URI (or a file that exists).</summary>
    internal static void AssertSelfContained(string html, IDocument doc, string folder)
    {
        Assert.DoesNotContain("http://", html, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("https://", html, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(doc.QuerySelectorAll("script"));
        Assert.Empty(doc.QuerySelectorAll("link[rel=stylesheet], iframe, object, embed"));
        Assert.NotEmpty(doc.QuerySelectorAll("img"));
        foreach (var img in doc.QuerySelectorAll("img"))
        {
            var src = img.GetAttribute("src")!;
            if (src.StartsWith("data:image/svg+xml;", StringComparison.Ordinal)) AssertSelfContainedSvg(SvgDataUri(src));
            else if (src.StartsWith("data:", StringComparison.Ordinal)) Assert.True(IsPng(DataUri(src)), $"{img.GetAttribute("alt")}: not a PNG");
            else Assert.True(File.Exists(Path.Combine(folder, src)), $"image {src} does not exist");
            Assert.False(string.IsNullOrWhiteSpace(img.GetAttribute("alt")));
        }
    }

    internal static byte[] DataUri(string src)
    {
        const string prefix = "data:image/png;base64,";
        Assert.StartsWith(prefix, src);
        return Convert.FromBase64String(src[prefix.Length..]);
    }

    /// <summary>The SVG document of an SVG data URI, parsed (it must be well-formed XML).</summary>
    internal static System.Xml.Linq.XDocument SvgDataUri(string src)
    {
        const string prefix = "data:image/svg+xml;base64,";
        Assert.StartsWith(prefix, src);
        return System.Xml.Linq.XDocument.Parse(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(src[prefix.Length..])));
    }

    /// <summary>An SVG drawing with nothing in it that could run or fetch: no script, no foreign object, no image, no link but to itself.</summary>
    internal static void AssertSelfContainedSvg(System.Xml.Linq.XDocument svg)
    {
        Assert.Equal("svg", svg.Root!.Name.LocalName);
        var elements = svg.Descendants().ToList();
        Assert.DoesNotContain(elements, e => e.Name.LocalName is "script" or "foreignObject" or "image" or "a" or "use");
        Assert.DoesNotContain(elements.SelectMany(e => e.Attributes()), a => a.Name.LocalName == "href" || a.Value.Contains("url(", StringComparison.Ordinal) && !a.Value.StartsWith("url(#", StringComparison.Ordinal));
    }

    private static bool IsPng(byte[] b) => b.Length > 8 && b[0] == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';

    /// <summary>A number cell: its exact value is the log's, and what it shows is that value rounded as the page rounds.</summary>
    internal static void AssertNumber(double expected, IElement cell, bool percent)
    {
        var num = cell.ClassList.Contains("num") ? cell : cell.QuerySelector(".num") ?? throw new Xunit.Sdk.XunitException($"no number in <{cell.OuterHtml}>");
        Assert.Equal(expected.ToString("R", Inv), num.GetAttribute("data-value"));
        var shown = num.TextContent;
        if (percent)
        {
            Assert.EndsWith(" %", shown);
            Assert.Equal(100 * expected, double.Parse(shown[..^2], Inv), 0.05 + 1e-9);
        }
        else Assert.Equal(expected.ToString("G6", Inv), shown);
    }

    /// <summary>A run's log read here, independently of the shell's reader.</summary>
    internal sealed record Log(JsonElement Header, List<(int Part, int Epoch, double Loss, double? Val, double? Accuracy)> Epochs,
        List<(int Epoch, int Batch, double Loss)> Steps, JsonElement? Summary)
    {
        public static Log Read(string folder)
        {
            var lines = File.ReadAllLines(Path.Combine(folder, "log.jsonl"));
            var header = JsonDocument.Parse(lines[0]).RootElement;
            var epochs = new List<(int, int, double, double?, double?)>();
            var steps = new List<(int, int, double)>();
            JsonElement? summary = null;
            foreach (var line in lines.Skip(1))
            {
                var e = JsonDocument.Parse(line).RootElement;
                var part = e.TryGetProperty("part", out var p) ? p.GetInt32() : 1;
                switch (e.GetProperty("event").GetString())
                {
                    case "epoch":
                        epochs.Add((part, e.GetProperty("epoch").GetInt32(), Number(e.GetProperty("loss")),
                            e.TryGetProperty("val_loss", out var v) ? Number(v) : null, e.TryGetProperty("accuracy", out var a) ? Number(a) : null));
                        break;
                    case "member_epoch":
                        static double Mean(JsonElement xs) => xs.EnumerateArray().Select(Number).Where(double.IsFinite).DefaultIfEmpty(double.NaN).Average();
                        epochs.Add((part, e.GetProperty("epoch").GetInt32(), Mean(e.GetProperty("loss")),
                            e.TryGetProperty("val_loss", out var mv) ? Mean(mv) : null, e.TryGetProperty("accuracy", out var ma) ? Mean(ma) : null));
                        break;
                    case "step":
                        steps.Add((e.GetProperty("epoch").GetInt32(), e.GetProperty("batch").GetInt32(), Number(e.GetProperty("loss"))));
                        break;
                    case "summary":
                        summary = e;
                        break;
                }
            }
            return new Log(header, epochs, steps, summary);
        }

        public static double Number(JsonElement v) => v.ValueKind == JsonValueKind.Number ? v.GetDouble() : double.Parse(v.GetString()!, Inv);
    }
}
