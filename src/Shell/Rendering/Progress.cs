using System.Diagnostics;
using System.Globalization;
using Spectre.Console;

namespace Functional.Shell.Rendering;

/// <summary>
/// Reports progress of a long run: completed units so far and a short status (e.g. the running loss). A count lower than
/// the last one starts the bar over (e.g. one bar per epoch).
/// </summary>
internal delegate void ReportProgress(long done, string status);

/// <summary>
/// Progress on stderr: a Spectre.Console bar (with rate and remaining time) when stderr is a terminal, plain lines
/// at every tenth otherwise, nothing when quiet. Never writes to stdout, so stdout stays clean for results.
/// </summary>
internal static class Progress
{
    /// <summary>Whether <paramref name="stderr"/> is the process's real, unredirected stderr on a terminal.</summary>
    public static bool IsTerminal(TextWriter stderr) => ReferenceEquals(stderr, Console.Error) && !Console.IsErrorRedirected;

    /// <summary>Runs <paramref name="work"/>, which reports progress out of <paramref name="total"/> units.</summary>
    public static T Run<T>(TextWriter stderr, bool quiet, string label, long total, string unit, Func<ReportProgress, T> work)
    {
        if (quiet) return work((_, _) => { });
        if (!IsTerminal(stderr)) return Plain(stderr, label, total, unit, work);
        // stderr was checked to be a terminal above; Spectre would otherwise judge by stdout, which may be redirected.
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(Console.Error),
            Interactive = InteractionSupport.Yes,
            Ansi = AnsiSupport.Detect,
        });
        lock (Gate) _held = [];
        try
        {
            return Live(console, label, total, unit, work);
        }
        finally
        {
            // The bar is gone (cleared): now the lines it would have drawn over, in the order they came.
            List<(TextWriter Writer, string Line)> held;
            lock (Gate)
            {
                held = _held ?? [];
                _held = null;
            }
            foreach (var (writer, line) in held) writer.WriteLine(line);
            Console.Error.Flush();
        }
    }

    private static readonly object Gate = new();
    private static List<(TextWriter Writer, string Line)>? _held;

    /// <summary>
    /// Writes <paramref name="line"/> to <paramref name="writer"/>, or, while a live bar is drawn, holds it until the bar
    /// has stopped: a line written under a live bar would be wiped by the bar's next redraw (an interrupt's resume command
    /// among them). Safe from any thread (a signal handler's).
    /// </summary>
    public static void WriteLine(TextWriter writer, string line)
    {
        lock (Gate)
        {
            if (_held is { } held)
            {
                held.Add((writer, line));
                return;
            }
            writer.WriteLine(line);
        }
    }

    private static T Live<T>(IAnsiConsole console, string label, long total, string unit, Func<ReportProgress, T> work) =>
        console.Progress()
            .AutoClear(true)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask(Markup.Escape(label), maxValue: Math.Max(1, total));
                var clock = Stopwatch.StartNew();
                var lastDraw = TimeSpan.Zero;
                long last = 0;
                long? first = null; // a resumed run starts past 0: the rate counts only this process's units
                TerminalOut.Live = console; // stdout lines now print above the bar
                try
                {
                    return work((done, status) =>
                    {
                        if (done < last || first is null)
                        {
                            clock.Restart();
                            lastDraw = TimeSpan.Zero;
                            first = done;
                        }
                        last = done;
                        // Redrawing on every step would cost more than a small network's step.
                        if (clock.Elapsed - lastDraw < TimeSpan.FromMilliseconds(100) && done < total) return;
                        lastDraw = clock.Elapsed;
                        var rate = (done - first.Value) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
                        task.Value = done;
                        task.Description = Markup.Escape($"{label}  {status}  {rate.ToString("N0", CultureInfo.InvariantCulture)} {unit}/s");
                    });
                }
                finally
                {
                    TerminalOut.Live = null;
                }
            });

    private static T Plain<T>(TextWriter stderr, string label, long total, string unit, Func<ReportProgress, T> work)
    {
        var clock = Stopwatch.StartNew();
        var nextTenth = 1;
        long last = 0;
        long? first = null; // a resumed run starts past 0: the rate counts only this process's units
        return work((done, status) =>
        {
            if (done < last || first is null)
            {
                nextTenth = 1;
                clock.Restart();
                first = done;
            }
            last = done;
            if (total <= 0 || done * 10 < nextTenth * total) return;
            while (done * 10 >= nextTenth * total) nextTenth++;
            var rate = (done - first.Value) / Math.Max(clock.Elapsed.TotalSeconds, 1e-9);
            stderr.WriteLine(string.Format(CultureInfo.InvariantCulture, "{0}: {1}/{2} {3} ({4:N0} {3}/s) {5}", label, done, total, unit, rate, status));
        });
    }
}
