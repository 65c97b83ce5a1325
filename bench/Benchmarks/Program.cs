using BenchmarkDotNet.Running;

// Every benchmark class in this assembly; BenchmarkDotNet's own arguments select and configure them
// (--filter '*' runs all, --job short for a quick run, --list flat to list them).
BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
