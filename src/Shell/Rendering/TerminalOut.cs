using System.Text;
using Spectre.Console;

namespace Functional.Shell.Rendering;

/// <summary>
/// A writer that gathers what is written into whole lines ('\r' dropped) and hands each on without its '\n'.
/// </summary>
internal abstract class LineWriter(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    /// <summary>Where the lines end up.</summary>
    protected TextWriter Inner => inner;

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n') EmitLine();
        else if (value != '\r') _line.Append(value);
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        EmitLine();
    }

    public override void WriteLine() => EmitLine();

    /// <summary>Takes the unfinished line (empty when there is none).</summary>
    protected string TakePartial()
    {
        var text = _line.ToString();
        _line.Clear();
        return text;
    }

    /// <summary>Whether part of a line was written without its end.</summary>
    protected bool HasPartial => _line.Length > 0;

    /// <summary>Writes one whole line, without its '\n'.</summary>
    protected abstract void WriteWholeLine(string text);

    private void EmitLine() => WriteWholeLine(TakePartial());
}

/// <summary>
/// The process's stdout when it is a terminal: lines go straight to the console, except while a live progress bar is
/// drawn on the same terminal, when they go through that bar's console, which prints them above the bar instead of
/// through it.
/// </summary>
internal sealed class TerminalOut() : LineWriter(Console.Out)
{
    /// <summary>The console of the live display now drawn, if any (set by <see cref="Progress"/>).</summary>
    public static IAnsiConsole? Live { get; set; }

    /// <summary>Whether stdout and stderr are both this terminal (so a bar on stderr and lines on stdout share the screen).</summary>
    public static bool SharesTerminal => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    public override void Flush()
    {
        // An unfinished line waits while a bar is drawn (the bar's console writes whole lines only).
        if (HasPartial && Live is null) Inner.Write(TakePartial());
        Inner.Flush();
    }

    protected override void WriteWholeLine(string text)
    {
        if (Live is { } live) live.WriteLine(text);
        else Inner.WriteLine(text);
    }
}

/// <summary>
/// A writer whose whole lines go through <see cref="Progress.WriteLine"/>: written at once, or held while a live progress
/// bar is drawn and written when it stops, so a message such as an interrupt's resume command is never drawn over.
/// </summary>
internal sealed class HeldLines(TextWriter inner) : LineWriter(inner)
{
    public override void Flush()
    {
        if (HasPartial) WriteWholeLine(TakePartial());
        Inner.Flush();
    }

    protected override void WriteWholeLine(string text) => Progress.WriteLine(Inner, text);
}

/// <summary>
/// A writer that passes its whole lines on, except while held (<see cref="Hold"/>): then it keeps them until they are
/// released, in order, or discarded. A run's summary is held from the moment its plots start drawing in the background,
/// so a line such as "wrote … xor-loss.png" is printed only once the file is there.
/// </summary>
internal sealed class GatedLines(TextWriter inner) : LineWriter(inner)
{
    private List<string>? _held;

    /// <summary>From now on, keeps the lines written.</summary>
    public void Hold() => _held ??= [];

    /// <summary>Writes the kept lines, in order, and passes lines on again.</summary>
    public void Release()
    {
        if (_held is not { } lines) return;
        _held = null;
        foreach (var line in lines) Inner.WriteLine(line);
        Flush();
    }

    /// <summary>Drops the kept lines (what they said did not happen) and passes lines on again.</summary>
    public void Discard() => _held = null;

    public override void Flush()
    {
        if (_held is not null) return;
        if (HasPartial) Inner.Write(TakePartial());
        Inner.Flush();
    }

    protected override void WriteWholeLine(string text)
    {
        if (_held is { } lines) lines.Add(text);
        else Inner.WriteLine(text);
    }
}
