using System.Globalization;
using System.Xml.Linq;
using Functional.Shell.Reports;
using Functional.Shell.Rendering;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The report's training curves as SVG (<see cref="SvgPanels"/>), read back as the drawing they are: where each curve's
/// points land, where a curve breaks, what the axes and the legend say; and the ticks both drawings share.
/// </summary>
public sealed class SvgPanelsTests
{
    private static XDocument Draw(params Panel[] panels) => XDocument.Parse(SvgPanels.Svg(panels, "epoch", columns: 2)!);

    private static List<XElement> All(XDocument doc, string name) => [.. doc.Descendants().Where(e => e.Name.LocalName == name)];

    private static List<(double X, double Y)> Points(XElement polyline) =>
        [.. polyline.Attribute("points")!.Value.Split(' ').Select(p => p.Split(',')).Select(p => (double.Parse(p[0], CultureInfo.InvariantCulture), double.Parse(p[1], CultureInfo.InvariantCulture)))];

    private static List<string> Texts(XDocument doc) => [.. All(doc, "text").Select(t => t.Value)];

    [Fact]
    public void Each_curve_is_a_line_through_its_points_broken_where_its_values_are_not_finite()
    {
        var falling = new Curve("training loss", "#1f77b4", [1, 2, 3, 4, 5, 6], [0.9, 0.7, double.NaN, 0.5, 0.4, 0.35]);
        var val = new Curve("test loss", "#ff7f0e", [1, 2, 3, 4, 5, 6], [0.95, 0.8, 0.75, 0.7, 0.68, 0.66]) { Dashed = true };
        var doc = Draw(new Panel("Loss per epoch", "loss", [falling, val]));

        var lines = All(doc, "polyline");
        Assert.Equal(3, lines.Count); // the training loss in two pieces around its NaN, the test loss in one
        Assert.Equal([2, 3, 6], lines.Select(l => Points(l).Count).Order());
        var dashed = Assert.Single(lines, l => l.Attribute("stroke-dasharray") is not null);
        Assert.Equal("#ff7f0e", dashed.Attribute("stroke")!.Value);
        // Later epochs further right; a smaller loss lower on the page (a larger y in SVG).
        var test = Points(dashed);
        Assert.True(test.Zip(test.Skip(1)).All(p => p.Second.X > p.First.X && p.Second.Y > p.First.Y), string.Join(" ", test));
        // The same value lands at the same height in both curves: 0.7 is epoch 2 of one and epoch 4 of the other.
        var trainAt2 = Points(lines.Single(l => Points(l).Count == 2))[1];
        Assert.Equal(test[3].Y, trainAt2.Y, 1);

        var texts = Texts(doc);
        Assert.Contains("Loss per epoch", texts);
        Assert.Contains("epoch", texts);
        Assert.Contains("loss", texts);
        Assert.Contains("training loss", texts);
        Assert.Contains("test loss", texts);
        Assert.Equal(["1", "2", "3", "4", "5", "6"], texts.Where(t => t.Length == 1 && char.IsDigit(t[0])));
    }

    [Fact]
    public void A_loss_falling_by_orders_of_magnitude_is_drawn_on_a_log_axis_labelled_with_plain_decimals()
    {
        var doc = Draw(new Panel("Loss per epoch", "loss", [new Curve("training loss", "#1f77b4", [1, 2, 3, 4], [1, 0.1, 0.01, 0.002])]));
        var texts = Texts(doc);
        Assert.Contains("loss (log scale)", texts);
        Assert.Contains("0.01", texts);
        Assert.Contains("0.1", texts);
        Assert.DoesNotContain(texts, t => t.Contains('e') && double.TryParse(t, CultureInfo.InvariantCulture, out _));
        // Equal ratios are equal distances: 1 → 0.1 → 0.01 in equal steps down the page.
        var p = Points(Assert.Single(All(doc, "polyline")));
        Assert.Equal(p[1].Y - p[0].Y, p[2].Y - p[1].Y, 1);
    }

    [Fact]
    public void A_single_epoch_is_a_dot_an_accuracy_panel_stands_beside_the_loss_and_labels_are_escaped()
    {
        var doc = Draw(
            new Panel("Loss per epoch", "loss", [new Curve("loss <of> A & B", "#1f77b4", [1], [0.25])]),
            new Panel("Accuracy per epoch", "accuracy (%)", [new Curve("test accuracy", "#2ca02c", [1], [75])]));
        Assert.Equal("1280", doc.Root!.Attribute("width")!.Value);
        Assert.Equal(2, All(doc, "circle").Count);
        Assert.Empty(All(doc, "polyline"));
        Assert.Contains("loss <of> A & B", Texts(doc)); // read back unescaped: it was escaped in the markup
        Assert.Contains("Accuracy per epoch", Texts(doc));
    }

    [Fact]
    public void No_panel_draws_nothing()
    {
        Assert.Null(SvgPanels.Svg([], "epoch"));
    }

    [Fact]
    public void Linear_ticks_are_round_numbers_whole_for_epochs_and_fractions_only_within_one_epoch()
    {
        Assert.Equal(["5", "10", "15", "20", "25", "30"], Ticks.Linear(0.1, 30.9, integers: true).Select(t => t.Label));
        Assert.Equal(["1", "2", "3"], Ticks.Linear(0.9, 3.1, integers: true).Select(t => t.Label));
        Assert.Equal(["0.3", "0.4", "0.5", "0.6", "0.7", "0.8", "0.9", "1.0"], Ticks.Linear(0.3, 1.05, integers: true).Select(t => t.Label));
        Assert.Equal(["0.25", "0.30", "0.35"], Ticks.Linear(0.22, 0.38, target: 3).Select(t => t.Label));
        Assert.Empty(Ticks.Linear(2, 2));
        Assert.All(Ticks.Linear(-0.37, 0.91), t => Assert.Equal(t.At, double.Parse(t.Label, CultureInfo.InvariantCulture), 9));
    }
}
