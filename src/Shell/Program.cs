using Functional.Shell;
using Nito.AsyncEx;

// AsyncContext keeps every continuation on this thread, so TorchSharp's thread-local DisposeScopes survive awaits.
using var signals = new Signals();
return AsyncContext.Run(() => Cli.RunAsync(args, Console.Out, Console.Error, signals.Token));
