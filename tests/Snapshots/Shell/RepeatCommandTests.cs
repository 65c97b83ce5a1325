using System.CommandLine;
using System.Diagnostics;
using System.Runtime.Versioning;
using System.Text;
using Functional.Shell;
using Xunit;

namespace Functional.Snapshots.Shell;

/// <summary>
/// The resume hint's command line: ./functional (or the launcher as typed) and the run's arguments without --resume,
/// each quoted so that a POSIX shell splits the line back into exactly those arguments.
/// </summary>
[UnsupportedOSPlatform("windows")]
public sealed class RepeatCommandTests
{
    [Theory]
    [InlineData("runs/logic", "runs/logic")]
    [InlineData("-e", "-e")]
    [InlineData("--lr=0.5", "--lr=0.5")]
    [InlineData("a_b@c%d+e:f,g", "a_b@c%d+e:f,g")]
    [InlineData("", "''")]
    [InlineData("my runs", "'my runs'")]
    [InlineData("it's", "'it'\\''s'")]
    [InlineData("'", "''\\'''")]
    [InlineData("say \"hi\"", "'say \"hi\"'")]
    [InlineData("$HOME", "'$HOME'")]
    [InlineData("~/runs", "'~/runs'")]
    [InlineData("a*b", "'a*b'")]
    [InlineData("tab\there", "'tab\there'")]
    [InlineData("naïve", "'naïve'")]
    public void A_word_is_left_alone_only_when_it_is_made_of_safe_characters(string word, string quoted) =>
        Assert.Equal(quoted, CommonOptions.ShellQuote(word));

    [Fact]
    public void The_command_is_the_launcher_then_the_arguments_without_resume()
    {
        Assert.Equal("./functional logic --epochs 5 --out 'my runs'",
            CommonOptions.RepeatCommand(["logic", "--epochs", "5", "--resume", "runs/x.safetensors", "--out", "my runs"], launcher: null));
        Assert.Equal("'/opt/my tools/functional' xor",
            CommonOptions.RepeatCommand(["xor", "--resume", "a", "--resume", "b"], launcher: "/opt/my tools/functional"));
    }

    [Fact]
    public void What_names_a_new_run_is_left_out_so_that_resume_continues_the_same_one()
    {
        Assert.Equal("./functional xor --epochs 5",
            CommonOptions.RepeatCommand(["xor", "--name", "first try", "--force", "--epochs", "5"], launcher: null));
    }

    [Fact]
    public void A_resume_option_in_either_spelling_is_left_out_of_the_parsed_command()
    {
        var command = new Command("logic") { new Option<string>("--resume"), new Option<string>("--out"), new Option<int>("--epochs") };
        var root = new RootCommand { command };
        foreach (var args in new[] { "logic --out o --resume r.safetensors --epochs 3", "logic --out o --resume=r.safetensors --epochs 3", "logic --out o --resume:r.safetensors --epochs 3" })
        {
            var parsed = root.Parse(args);
            Assert.Empty(parsed.Errors);
            Assert.Equal("./functional logic --out o --epochs 3", CommonOptions.RepeatCommand(parsed.Tokens.Select(t => t.Value), launcher: null));
        }
    }

    [Fact]
    public void A_posix_shell_splits_the_command_back_into_the_arguments()
    {
        string[] args = ["logic", "--out", "my runs", "it's", "", "a\"b", "back\\slash", "$(touch pwned)", "`id`", "*", "~", "a;b|c&d", "new\nline",
            "tab\tx", "naïve", "--", "-", "'", "''", "!", "#not a comment", "{a,b}", "x=y"];
        var dir = ShellRunner.TempDir();
        var launcher = Path.Combine(dir, "a launcher's name");
        // Prints each argument it gets, NUL-terminated, so the split is visible exactly.
        File.WriteAllText(launcher, "#!/bin/sh\nprintf '%s\\0' \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        var line = CommonOptions.RepeatCommand([.. args, "--resume", "x y.safetensors"], launcher) + " --resume " + CommonOptions.ShellQuote(Path.Combine(dir, "x y'.safetensors"));
        var start = new ProcessStartInfo("/bin/sh") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dir, StandardOutputEncoding = Encoding.UTF8 };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add(line);
        using var sh = Process.Start(start)!;
        var stdout = sh.StandardOutput.ReadToEnd();
        var stderr = sh.StandardError.ReadToEnd();
        sh.WaitForExit();

        Assert.True(sh.ExitCode == 0, $"sh -c {line}\nexit {sh.ExitCode}: {stderr}");
        Assert.Equal([.. args, "--resume", Path.Combine(dir, "x y'.safetensors")], stdout.Split('\0')[..^1]);
        Assert.False(File.Exists(Path.Combine(dir, "pwned")));
    }
}
