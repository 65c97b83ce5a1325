using System.Text;
using Spectre.Console;

namespace Functional.Shell.Rendering;

/// <summary>
/// The process's stdout when it is a terminal: lines go straight to the console, except while a live progress bar is
/// drawn on the same terminal, when they go through that bar's console, which prints them above the bar instead of
/// through it.
/// </summary>
internal sealed class TerminalOut : TextWriter
{
    private readonly TextWriter _inner = Console.Out;
    private readonly StringBuilder _line = new();

    /// <summary>The console of the live display now drawn, if any (set by <see cref="Progress"/>).</summary>
    public static IAnsiConsole? Live { get; set; }

    /// <summary>Whether stdout and stderr are both this terminal (so a bar on stderr and lines on stdout share the screen).</summary>
    public static bool SharesTerminal => !Console.IsOutputRedirected && !Console.IsErrorRedirected;

    public override Encoding Encoding => _inner.Encoding;

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

    public override void Flush()
    {
        if (_line.Length > 0 && Live is null) _inner.Write(_line.ToString());
        if (Live is null) _line.Clear();
        _inner.Flush();
    }

    private void EmitLine()
    {
        var text = _line.ToString();
        _line.Clear();
        if (Live is { } live) live.WriteLine(text);
        else _inner.WriteLine(text);
    }
}

/// <summary>
/// A writer whose whole lines go through <see cref="Progress.WriteLine"/>: written at once, or held while a live progress
/// bar is drawn and written when it stops, so a message such as an interrupt's resume command is never drawn over.
/// </summary>
internal sealed class HeldLines(TextWriter inner) : TextWriter
{
    private readonly StringBuilder _line = new();

    public override Encoding Encoding => inner.Encoding;

    public override void Write(char value)
    {
        if (value == '\n') Emit();
        else if (value != '\r') _line.Append(value);
    }

    public override void Write(string? value)
    {
        foreach (var c in value ?? "") Write(c);
    }

    public override void WriteLine(string? value)
    {
        Write(value);
        Emit();
    }

    public override void WriteLine() => Emit();

    public override void Flush()
    {
        if (_line.Length > 0) Emit();
        inner.Flush();
    }

    private void Emit()
    {
        var text = _line.ToString();
        _line.Clear();
        Progress.WriteLine(inner, text);
    }
}
