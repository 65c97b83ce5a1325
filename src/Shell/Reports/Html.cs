using System.Text;

namespace Functional.Shell.Reports;

/// <summary>
/// The pieces of a self-contained HTML page: escaping (everything that comes from data goes through <see cref="Esc"/>),
/// numbers with their exact value kept in <c>data-value</c>, tables, images as data URIs, and the page around them with
/// its inline style and a content security policy that lets the page load nothing but its own inline images.
/// </summary>
internal static class Html
{
    /// <summary>Text or an attribute value with <c>&amp; &lt; &gt; " '</c> escaped.</summary>
    public static string Esc(string? text)
    {
        if (string.IsNullOrEmpty(text)) return "";
        var sb = new StringBuilder(text.Length + 16);
        foreach (var c in text)
            sb.Append(c switch
            {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => c.ToString(),
            });
        return sb.ToString();
    }

    /// <summary>A number as shown (6 significant digits; a fraction named accuracy as a percentage), exact value in <c>data-value</c>.</summary>
    public static string Num(double x, bool percent = false) =>
        $"<span class=\"num\" data-value=\"{Esc(Exact(x))}\">{Esc(Show(x, percent))}</span>";

    /// <summary>A number in its shortest round-trip form (NaN and ±∞ as .NET writes them, as the log does).</summary>
    public static string Exact(double x) => x.ToString("R", Inv);

    /// <summary>A number as a person reads it: 6 significant digits, or a percentage with one decimal.</summary>
    public static string Show(double x, bool percent = false) =>
        !double.IsFinite(x) ? x.ToString(Inv)
        : percent ? (100 * x).ToString("0.0", Inv) + " %"
        : x.ToString("G6", Inv);

    /// <summary>Whether a value named <paramref name="key"/> is a fraction best read as a percentage.</summary>
    public static bool IsFraction(string key) => key.Contains("accuracy", StringComparison.OrdinalIgnoreCase);

    /// <summary>A table: a header row and rows of cells that are already HTML.</summary>
    public static string Table(IEnumerable<string> head, IEnumerable<IEnumerable<string>> rows, string? cssClass = null)
    {
        var sb = new StringBuilder($"<table{(cssClass is null ? "" : $" class=\"{cssClass}\"")}><thead><tr>");
        foreach (var h in head) sb.Append("<th>").Append(h).Append("</th>");
        sb.Append("</tr></thead><tbody>");
        foreach (var row in rows)
        {
            sb.Append("<tr>");
            foreach (var cell in row) sb.Append("<td>").Append(cell).Append("</td>");
            sb.Append("</tr>");
        }
        return sb.Append("</tbody></table>").ToString();
    }

    /// <summary>A two-column table of names and values (both plain text, escaped here).</summary>
    public static string KeyValues(IEnumerable<(string Key, string Value)> pairs, string keyHead = "name", string valueHead = "value") =>
        Table([keyHead, valueHead], pairs.Select(p => new[] { $"<code>{Esc(p.Key)}</code>", Esc(p.Value) }), "kv");

    /// <summary>An SVG document as an inline image (a data URI: the drawing cannot reach anything outside it); null for null.</summary>
    public static string? SvgImage(string? svg, string alt) =>
        svg is null ? null : $"<img src=\"data:image/svg+xml;base64,{Convert.ToBase64String(Encoding.UTF8.GetBytes(svg))}\" alt=\"{Esc(alt)}\"/>";

    /// <summary>A PNG as an inline image (a data URI); null when <paramref name="png"/> is not a PNG.</summary>
    public static string? Image(byte[]? png, string alt)
    {
        if (png is null || !IsPng(png)) return null;
        return $"<img src=\"data:image/png;base64,{Convert.ToBase64String(png)}\" alt=\"{Esc(alt)}\"/>";
    }

    /// <summary>Whether the bytes start with the PNG signature.</summary>
    public static bool IsPng(ReadOnlySpan<byte> bytes) => bytes.StartsWith((ReadOnlySpan<byte>)[0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);

    /// <summary>
    /// The whole page: <paramref name="title"/>, the inline style, and <paramref name="body"/>. The content security
    /// policy allows only inline styles and data-URI images, so nothing can be fetched, from the network or the disk.
    /// </summary>
    public static string Page(string title, string body) => $$"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8"/>
        <meta name="viewport" content="width=device-width, initial-scale=1"/>
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'"/>
        <title>{{Esc(title)}}</title>
        <style>{{Style}}</style>
        </head>
        <body>
        {{body}}
        </body>
        </html>

        """;

    private const string Style = """
        :root { color-scheme: light; --fg: #1d2430; --muted: #5b6575; --line: #d8dde6; --accent: #1f5fa8; --bg-soft: #f4f6f9; }
        body { font: 15px/1.5 "DejaVu Sans", "Segoe UI", Helvetica, Arial, sans-serif; color: var(--fg); background: #fff; margin: 0 auto; max-width: 1080px; padding: 24px 28px 64px; }
        h1 { font-size: 26px; margin: 0 0 4px; }
        h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid var(--line); }
        h3 { font-size: 16px; margin: 24px 0 8px; }
        p { margin: 8px 0; }
        code, pre { font-family: "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: 13px; }
        pre { background: var(--bg-soft); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-all; }
        table { border-collapse: collapse; margin: 8px 0 12px; font-size: 14px; display: block; max-width: 100%; overflow-x: auto; }
        th, td { border: 1px solid var(--line); padding: 4px 10px; text-align: left; vertical-align: top; }
        th { background: var(--bg-soft); font-weight: 600; }
        td .num, td.num { font-variant-numeric: tabular-nums; }
        table.kv td:first-child { white-space: nowrap; }
        table.kv td + td { overflow-wrap: anywhere; }
        img { max-width: 100%; height: auto; border: 1px solid var(--line); border-radius: 4px; margin: 6px 0; }
        figure { margin: 12px 0 20px; }
        figcaption { color: var(--muted); font-size: 13px; }
        nav { margin: 14px 0; padding: 8px 12px; background: var(--bg-soft); border-radius: 6px; font-size: 14px; }
        nav a { margin-right: 14px; color: var(--accent); text-decoration: none; }
        .status { display: inline-block; padding: 2px 10px; border-radius: 12px; font-weight: 600; font-size: 13px; color: #fff; background: #6b7280; vertical-align: middle; }
        .status.completed { background: #2e7d32; }
        .status.interrupted, .status.killed, .status.running { background: #b26a00; }
        .status.diverged, .status.failed { background: #c62828; }
        .muted { color: var(--muted); }
        .verdict { font-size: 16px; padding: 8px 12px; border-left: 4px solid var(--accent); background: var(--bg-soft); margin: 8px 0; }
        .note { padding: 8px 12px; border-left: 4px solid #b26a00; background: #fff7e6; margin: 8px 0; }
        details { margin: 8px 0; }
        summary { cursor: pointer; color: var(--accent); }
        .swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: middle; margin-right: 6px; }
        .columns { display: flex; flex-wrap: wrap; gap: 0 28px; align-items: flex-start; }
        .columns > div { flex: 1 1 360px; min-width: 0; }
        footer { margin-top: 40px; color: var(--muted); font-size: 13px; }
        """;
}
