using ScottPlot;

namespace Functional.Shell.Rendering;

/// <summary>A named line or point series for a chart.</summary>
internal sealed record Series(string Label, double[] X, double[] Y)
{
    /// <summary>Draw points only (no connecting line).</summary>
    public bool Points { get; init; }
    /// <summary>Colour as a hex string (e.g. <c>#1f77b4</c>, or <c>#1f77b440</c> with alpha); null picks the next palette colour.</summary>
    public string? Color { get; init; }
    /// <summary>Marker shape for point series (null: filled circle).</summary>
    public MarkerShape? Marker { get; init; }
    /// <summary>Marker size for point series (default 4).</summary>
    public float MarkerSize { get; init; } = 4;
    /// <summary>Line width for line series (default 2).</summary>
    public float LineWidth { get; init; } = 2;
    /// <summary>Dashed line (line series only).</summary>
    public bool Dashed { get; init; }
}

/// <summary>
/// A function of two variables sampled on a regular grid: <c>Values[i, j]</c> is its value at
/// (<c>XMin + j·(XMax−XMin)/(columns−1)</c>, <c>YMin + i·(YMax−YMin)/(rows−1)</c>), i.e. row 0 is the bottom.
/// </summary>
internal sealed record Grid(double[,] Values, double XMin, double XMax, double YMin, double YMax)
{
    /// <summary>The x coordinate of column <paramref name="j"/>.</summary>
    public double X(int j) => XMin + j * (XMax - XMin) / (Values.GetLength(1) - 1);
    /// <summary>The y coordinate of row <paramref name="i"/>.</summary>
    public double Y(int i) => YMin + i * (YMax - YMin) / (Values.GetLength(0) - 1);
}

/// <summary>A chart's background: a grid of values as colours, with a labelled colour bar and contour lines at given levels.</summary>
/// <param name="Values">The grid.</param>
/// <param name="ColorBarLabel">What the colours mean (the colour bar's label).</param>
/// <param name="Contours">Levels drawn as contour lines (e.g. 0.5, the decision boundary), labelled in the legend.</param>
/// <param name="Colors">The colour map: two or more hex colours from low to high (null: viridis).</param>
/// <param name="Range">The values the colour map spans (null: the grid's own range).</param>
internal sealed record Heat(Grid Values, string ColorBarLabel, IReadOnlyList<double> Contours, IReadOnlyList<string>? Colors = null, (double Min, double Max)? Range = null)
{
    /// <summary>The contour lines' colour (hex).</summary>
    public string ContourColor { get; init; } = "#000000";
}

/// <summary>
/// What a chart shows, as data: title, axes, series in drawing order (the last on top), and how the axes are ticked.
/// <see cref="Charts"/> draws it; tests read it (<see cref="Charts.Record"/>) instead of pixels.
/// </summary>
internal sealed record Chart(string Title, string XLabel, string YLabel, IReadOnlyList<Series> Series)
{
    /// <summary>A log10 y axis labelled with plain decimals (0.01, not 1e-2); non-positive values are dropped.</summary>
    public bool LogY { get; init; }
    /// <summary>A log10 x axis, labelled likewise.</summary>
    public bool LogX { get; init; }
    /// <summary>Ticks on the x axis only at whole numbers (a count such as a hidden width).</summary>
    public bool IntegerX { get; init; }
    /// <summary>A fixed y range (null: fitted to the data), e.g. [0, 1] for a share, the same on charts to be compared.</summary>
    public (double Min, double Max)? YRange { get; init; }
    /// <summary>A background of values with its colour bar and contours (null for none).</summary>
    public Heat? Heat { get; init; }
    /// <summary>Width of the PNG in pixels.</summary>
    public int Width { get; init; } = Charts.Width;
    /// <summary>Height of the PNG in pixels.</summary>
    public int Height { get; init; } = Charts.Height;
}

/// <summary>
/// PNG charts with ScottPlot. Every legend sits outside the data area (right of it), so it never covers data. Each
/// chart is written to a temporary file in the target folder and renamed into place, so an interrupted run never
/// leaves a half-written image.
/// </summary>
internal static class Charts
{
    public const int Width = 1000;
    public const int Height = 560;

    private static readonly AsyncLocal<List<(string Path, Chart Chart)>?> Recorder = new();

    // The open deferral of this flow, if any (see Defer).
    private static readonly AsyncLocal<Deferral?> Deferred = new();

    /// <summary>
    /// Until the result is disposed, the charts this flow saves are drawn in the background: <see cref="SaveAll"/> and
    /// <see cref="SavePanels"/> start their drawing on the thread pool and return, so the caller goes on (a run writes
    /// its report.html meanwhile). <paramref name="started"/> is called when the first drawing starts. The files exist
    /// only once <see cref="Deferral.Wait"/> has returned.
    /// </summary>
    public static Deferral Defer(Action? started = null)
    {
        var deferral = new Deferral(Deferred.Value, started);
        Deferred.Value = deferral;
        return deferral;
    }

    /// <summary>Drawings started in the background (<see cref="Defer"/>). Dispose waits for them and ends the deferral.</summary>
    public sealed class Deferral : IDisposable
    {
        private readonly Deferral? _outer;
        private readonly Action? _started;
        private readonly List<Task> _drawings = [];
        private bool _ended;

        internal Deferral(Deferral? outer, Action? started) => (_outer, _started) = (outer, started);

        /// <summary>Whether a drawing was started.</summary>
        public bool Started => _drawings.Count > 0;

        internal void Start(Action draw)
        {
            if (_drawings.Count == 0) _started?.Invoke();
            // The drawing does not see this flow's deferral (or recorder): what it saves, it saves at once.
            using (ExecutionContext.SuppressFlow()) _drawings.Add(Task.Run(draw));
        }

        /// <summary>Waits for every drawing started; returns the first one's failure (by start order), or null.</summary>
        public Exception? Wait()
        {
            foreach (var d in _drawings)
                try
                {
                    d.Wait();
                }
                catch (AggregateException)
                {
                    // Read below, in start order, once every drawing has ended.
                }
            return _drawings.Select(d => d.Exception?.InnerExceptions.FirstOrDefault()).FirstOrDefault(e => e is not null);
        }

        /// <summary>Waits for the drawings (a failure is <see cref="Wait"/>'s to report) and ends the deferral.</summary>
        public void Dispose()
        {
            if (_ended) return;
            _ended = true;
            Wait();
            Deferred.Value = _outer;
        }
    }

    // Draws now, or in the background while a deferral is open.
    private static void Draw(Action draw)
    {
        if (Deferred.Value is { } deferral) deferral.Start(draw);
        else draw();
    }

    /// <summary>
    /// Runs <paramref name="action"/> and returns every chart it saved, in order, with the file it went to (a figure of
    /// panels gives one entry per panel): the numbers a chart is drawn from, for tests.
    /// </summary>
    public static List<(string Path, Chart Chart)> Record(Action action)
    {
        var previous = Recorder.Value;
        var charts = new List<(string Path, Chart Chart)>();
        Recorder.Value = charts;
        try
        {
            action();
        }
        finally
        {
            Recorder.Value = previous;
        }
        return charts;
    }

    /// <summary>Draws <paramref name="chart"/> into a PNG at <paramref name="path"/>.</summary>
    public static void Save(string path, Chart chart) => SaveAll([(path, chart)]);

    /// <summary>
    /// Draws each chart into a PNG at its path, the charts side by side on the machine's cores (each plot and file is
    /// its own; ScottPlot's shared font cache is thread-safe), and returns once all are written, or under a deferral
    /// (<see cref="Defer"/>) once started. The first failure is thrown after the others finished; every file is written
    /// atomically, so none is left half-written.
    /// </summary>
    public static void SaveAll(IReadOnlyList<(string Path, Chart Chart)> charts)
    {
        foreach (var c in charts) Recorder.Value?.Add(c);
        var copy = charts.ToList();
        if (copy.Count > 0) Draw(() => SaveNow(copy));
    }

    private static void SaveNow(IReadOnlyList<(string Path, Chart Chart)> charts)
    {
        if (charts.Count == 1)
        {
            SavePng(Build(charts[0].Chart), charts[0].Path, charts[0].Chart.Width, charts[0].Chart.Height);
            return;
        }
        var failures = new Exception?[charts.Count];
        Parallel.For(0, charts.Count, i =>
        {
            try
            {
                var (path, chart) = charts[i];
                SavePng(Build(chart), path, chart.Width, chart.Height);
            }
            catch (Exception e)
            {
                failures[i] = e;
            }
        });
        if (failures.FirstOrDefault(e => e is not null) is { } first) System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
    }

    /// <summary>
    /// Draws <paramref name="panels"/> side by side into one PNG, sharing one y axis (each panel's <see cref="Chart.YRange"/>
    /// should be the same). Every panel keeps its legend, so their data areas line up.
    /// </summary>
    public static void SavePanels(string path, IReadOnlyList<Chart> panels, int width, int height)
    {
        foreach (var p in panels) Recorder.Value?.Add((path, p));
        var charts = panels.ToList();
        Draw(() =>
        {
            var plots = charts.Select(c => Build(c)).ToList();
            var figure = new Multiplot(plots[0]);
            foreach (var plot in plots.Skip(1)) figure.AddPlot(plot);
            figure.Layout = new ScottPlot.MultiplotLayouts.Columns();
            figure.SharedAxes.ShareY(plots);
            WriteAtomically(path, temp => figure.SavePng(temp, width, height));
        });
    }

    /// <summary>The ScottPlot plot of <paramref name="chart"/> (its legend, if any, outside the data area when <paramref name="legend"/>).</summary>
    internal static Plot Build(Chart chart, bool legend = true)
    {
        var plot = New(chart.Title, chart.XLabel, chart.YLabel);
        plot.Axes.Title.Label.FontSize = 14; // two lines: what it shows, and which run made it
        if (chart.Heat is { } heat) AddHeat(plot, heat);
        foreach (var s in chart.Series) Add(plot, s, chart.LogY, chart.LogX);
        if (chart.LogY) plot.Axes.Left.TickGenerator = LogTicks(chart.Series.SelectMany(s => s.Y));
        if (chart.LogX) plot.Axes.Bottom.TickGenerator = LogTicks(chart.Series.SelectMany(s => s.X));
        if (chart.IntegerX) plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic { IntegerTicksOnly = true };
        if (chart.YRange is { } y) plot.Axes.SetLimitsY(y.Min, y.Max);
        if (chart.Heat is { } h) plot.Axes.SetLimits(h.Values.XMin, h.Values.XMax, h.Values.YMin, h.Values.YMax);
        plot.Legend.IsVisible = false;
        if (legend && (chart.Series.Any(s => s.Label.Length > 0) || chart.Heat is { Contours.Count: > 0 }))
        {
            plot.ShowLegend(Edge.Bottom);
            plot.Legend.Orientation = Orientation.Horizontal;
        }
        return plot;
    }

    /// <summary>A new plot with title and axis labels (a report's panels start from it too).</summary>
    public static Plot New(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    /// <summary>Adds one series to <paramref name="plot"/>, on log10 axes where asked (non-positive values dropped there).</summary>
    public static void Add(Plot plot, Series s, bool logY = false, bool logX = false)
    {
        var keep = Enumerable.Range(0, Math.Min(s.X.Length, s.Y.Length))
            .Where(i => (!logX || s.X[i] > 0 && double.IsFinite(s.X[i])) && (!logY || s.Y[i] > 0 && double.IsFinite(s.Y[i]))).ToArray();
        var xs = keep.Select(i => logX ? Math.Log10(s.X[i]) : s.X[i]).ToArray();
        var ys = keep.Select(i => logY ? Math.Log10(s.Y[i]) : s.Y[i]).ToArray();
        if (!s.Points) (xs, ys) = Decimate(xs, ys, LineBuckets);
        var scatter = plot.Add.Scatter(xs, ys);
        scatter.LegendText = s.Label;
        if (s.Color is not null) scatter.Color = ScottPlot.Color.FromHex(s.Color);
        if (s.Points)
        {
            scatter.LineWidth = 0;
            scatter.MarkerSize = s.MarkerSize;
            if (s.Marker is { } shape) scatter.MarkerShape = shape;
        }
        else
        {
            scatter.MarkerSize = 0;
            scatter.LineWidth = s.LineWidth;
            if (s.Dashed) scatter.LinePattern = LinePattern.Dashed;
        }
    }

    // More columns than any plot here is pixels wide.
    private const int LineBuckets = 2048;

    /// <summary>
    /// A line of many more points than its plot has pixel columns, reduced to what can be seen (M4): the x range cut
    /// into <paramref name="buckets"/> equal parts, and of each part's points the first, the lowest, the highest and the
    /// last, in their order. Drawn, it covers the same pixels as every point would (a 50,000-step loss curve: 8,192 points
    /// at most instead of 50,000, a fifth of the drawing time). Returned unchanged when it is short enough, when x ever
    /// decreases, or when a value is not finite.
    /// </summary>
    internal static (double[] X, double[] Y) Decimate(double[] xs, double[] ys, int buckets)
    {
        var n = Math.Min(xs.Length, ys.Length);
        if (n <= 4 * buckets || xs[n - 1] <= xs[0]) return (xs, ys);
        for (var i = 0; i < n; i++)
            if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i]) || i > 0 && xs[i] < xs[i - 1]) return (xs, ys);
        var (x0, span) = (xs[0], xs[n - 1] - xs[0]);
        var kept = new List<int>(4 * buckets);
        var start = 0;
        while (start < n)
        {
            var bucket = Math.Min(buckets - 1, (int)((xs[start] - x0) / span * buckets));
            var (end, low, high) = (start, start, start);
            while (end + 1 < n && Math.Min(buckets - 1, (int)((xs[end + 1] - x0) / span * buckets)) == bucket)
            {
                end++;
                if (ys[end] < ys[low]) low = end;
                if (ys[end] > ys[high]) high = end;
            }
            foreach (var i in new[] { start, low, high, end }.Distinct().Order()) kept.Add(i);
            start = end + 1;
        }
        return ([.. kept.Select(i => xs[i])], [.. kept.Select(i => ys[i])]);
    }

    private static void AddHeat(Plot plot, Heat heat)
    {
        var heatmap = AddHeatmap(plot, heat.Values);
        heatmap.Colormap = heat.Colors is { Count: >= 2 } colors
            ? new ScottPlot.Colormaps.Custom([.. colors.Select(ScottPlot.Color.FromHex)])
            : new ScottPlot.Colormaps.Viridis();
        var bar = plot.Add.ColorBar(heatmap);
        bar.Label = heat.ColorBarLabel;
        if (heat.Range is { } range)
        {
            heatmap.ManualRange = new ScottPlot.Range(range.Min, range.Max);
            // Five labels across a fixed range: the automatic ones crowd into the colour bar's label.
            var ticks = new ScottPlot.TickGenerators.NumericManual();
            for (var k = 0; k <= 4; k++)
            {
                var v = range.Min + k * (range.Max - range.Min) / 4;
                ticks.AddMajor(v, v.ToString("0.##", Inv));
            }
            bar.Axis.TickGenerator = ticks;
        }
        foreach (var level in heat.Contours)
        {
            var first = true;
            // ScottPlot's own contour lines come out as cell-edge staircases: trace the level with marching squares instead.
            foreach (var (a, b) in Contour(heat.Values, level))
            {
                var line = plot.Add.Line(a.X, a.Y, b.X, b.Y);
                line.Color = ScottPlot.Color.FromHex(heat.ContourColor);
                line.LineWidth = 2.5f;
                line.MarkerSize = 0;
                line.LegendText = first ? $"{heat.ColorBarLabel} = {level.ToString(Inv)}" : "";
                first = false;
            }
        }
    }

    /// <summary>A heatmap of <paramref name="grid"/> whose cells are centred on the grid points, row 0 at the bottom.</summary>
    private static ScottPlot.Plottables.Heatmap AddHeatmap(Plot plot, Grid grid)
    {
        var rows = grid.Values.GetLength(0);
        var columns = grid.Values.GetLength(1);
        // ScottPlot draws row 0 of a heatmap at the top; the grid's row 0 is the bottom.
        var flipped = new double[rows, columns];
        for (var i = 0; i < rows; i++)
            for (var j = 0; j < columns; j++)
                flipped[rows - 1 - i, j] = grid.Values[i, j];
        var heatmap = plot.Add.Heatmap(flipped);
        var cellW = (grid.XMax - grid.XMin) / Math.Max(1, columns - 1);
        var cellH = (grid.YMax - grid.YMin) / Math.Max(1, rows - 1);
        heatmap.Extent = new CoordinateRect(grid.XMin - cellW / 2, grid.XMax + cellW / 2, grid.YMin - cellH / 2, grid.YMax + cellH / 2);
        return heatmap;
    }

    /// <summary>
    /// The segments where <paramref name="grid"/> crosses <paramref name="level"/> (marching squares with linear
    /// interpolation along cell edges; a saddle cell pairs its crossings in edge order).
    /// </summary>
    public static IEnumerable<(Coordinates A, Coordinates B)> Contour(Grid grid, double level)
    {
        var v = grid.Values;
        for (var i = 0; i + 1 < v.GetLength(0); i++)
            for (var j = 0; j + 1 < v.GetLength(1); j++)
            {
                // corners counter-clockwise from bottom left; edge k joins corner k and corner k+1
                (int I, int J)[] corners = [(i, j), (i, j + 1), (i + 1, j + 1), (i + 1, j)];
                var crossings = new List<Coordinates>(4);
                for (var k = 0; k < 4; k++)
                {
                    var (i0, j0) = corners[k];
                    var (i1, j1) = corners[(k + 1) % 4];
                    var (a, b) = (v[i0, j0] - level, v[i1, j1] - level);
                    if (a < 0 == b < 0 || a == b) continue;
                    var t = a / (a - b);
                    crossings.Add(new Coordinates(grid.X(j0) + t * (grid.X(j1) - grid.X(j0)), grid.Y(i0) + t * (grid.Y(i1) - grid.Y(i0))));
                }
                for (var k = 0; k + 1 < crossings.Count; k += 2)
                    yield return (crossings[k], crossings[k + 1]);
            }
    }

    // Numbers the temporary files WriteAtomically makes.
    private static long _temps;

    /// <summary>Writes <paramref name="plot"/> as a PNG, atomically.</summary>
    private static void SavePng(Plot plot, string path, int width, int height) => WriteAtomically(path, temp => plot.SavePng(temp, width, height));

    /// <summary>
    /// Has <paramref name="save"/> write a temporary file beside <paramref name="path"/>, then renames it into place: an
    /// interrupted run never leaves a half-written image.
    /// </summary>
    private static void WriteAtomically(string path, Action<string> save)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        // Unique per call: drawings in the background may write the same plot at once (the last rename wins).
        var temp = Path.Combine(dir, $".{Path.GetFileName(path)}.{Environment.ProcessId}.{Interlocked.Increment(ref _temps)}.tmp.png");
        try
        {
            save(temp);
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp)) File.Delete(temp);
        }
    }

    /// <summary>The ticks of a log10 axis over <paramref name="values"/> (<see cref="Ticks.Log"/>) for a ScottPlot axis.</summary>
    internal static ScottPlot.TickGenerators.NumericManual LogTicks(IEnumerable<double> values)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        foreach (var t in Ticks.Log(values))
            if (t.Minor) ticks.AddMinor(t.At);
            else ticks.AddMajor(t.At, t.Label);
        return ticks;
    }

    /// <summary>The trailing moving average of <paramref name="values"/> over <paramref name="window"/> values (fewer at the start).</summary>
    public static double[] MovingAverage(IReadOnlyList<double> values, int window)
    {
        var result = new double[values.Count];
        var sum = 0.0;
        for (var i = 0; i < values.Count; i++)
        {
            sum += values[i];
            if (i >= window) sum -= values[i - window];
            result[i] = sum / Math.Min(i + 1, window);
        }
        return result;
    }
}
