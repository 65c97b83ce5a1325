using Functional.Shell;
using Functional.Shell.Rendering;
using Nito.AsyncEx;

StartupTrace.Mark("main");
NativeMemory.Configure();
// AsyncContext keeps every continuation on this thread, so TorchSharp's thread-local DisposeScopes survive awaits.
using var signals = new Signals();
// On a shared terminal, stdout's lines must not cut through a live progress bar on stderr.
var stdout = TerminalOut.SharesTerminal ? new TerminalOut() : Console.Out;
var exit = AsyncContext.Run(() => Cli.RunAsync(args, stdout, Console.Error, signals.Token));
stdout.Flush();
StartupTrace.Mark("main returns");
NativeTeardown.SkipAtExit();
return exit;
