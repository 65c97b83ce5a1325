namespace Functional.Training;

/// <summary>
/// The largest sizes the exercises accept, checked by the options records' <c>Validate()</c> before anything is
/// allocated. Beyond them a run outgrows the machine (a hidden width of 2·10⁹ asks for a 16 GB weight) or dies in
/// native code. Each keeps its exercise's worst case within about 2 GB: the peak resident memory of the worst
/// combination, measured with <c>/usr/bin/time</c> over one epoch (the process alone is 0.17 GB), is in each comment.
/// </summary>
public static class Limits
{
    /// <summary>
    /// A hidden layer's width: logic, xor, regression, blobs, and each of MNIST's layers. XOR at 1024 with its 121²-point
    /// decision surface ([14 641, 1024] float32, 60 MB per activation): 0.31 GB.
    /// </summary>
    public const int Width = 1024;

    /// <summary>MNIST's hidden layers: 8 of width 1024 are 7.1 M parameters (28 MB), with Adam's moments, gradients and checkpoints 1.34 GB (16 layers: 2.45 GB).</summary>
    public const int MnistLayers = 8;

    /// <summary>Curve-fit points: 100 000 through a hidden layer of 1024, full batch ([100 000, 1024] float32 = 410 MB per activation): 1.77 GB.</summary>
    public const int Points = 100_000;

    /// <summary>Blob points, train and test each: 100 000 of both through a hidden layer of 1024, with the plot: 1.78 GB.</summary>
    public const int Samples = 100_000;

    /// <summary>The perceptron's inputs and outputs, each: a 4096 × 4096 weight is 67 MB, and the walkthrough holds about six such tensors: 0.56 GB.</summary>
    public const int PerceptronSize = 4096;

    /// <summary>Input bits of the XOR/parity run (2 = XOR): 16 bits with a hidden width of 1024: 0.20 GB.</summary>
    public const int ParityInputs = 16;

    /// <summary>Seeds per configuration of the XOR suite (its first ensemble is 10 × repeats + 21 runs).</summary>
    public const int Repeats = 100;

    /// <summary>The largest hidden width the XOR suite's parity experiment tries (with at most <see cref="EnsembleRuns"/> runs in all).</summary>
    public const int SuiteHidden = 32;

    /// <summary>
    /// Runs of one XOR ensemble: the suite's parity experiment (3 input sizes × widths × repeats) and the throughput
    /// benchmark's sizes. 3000 parity runs, as 100 repeats of widths 1–10: 1.44 GB; as 31 repeats of widths 1–32 (every
    /// run padded to width 32): 1.61 GB (4800 runs: 2.40 GB; widths 1–64: 2.16 GB); the benchmark's 4096 two-input runs: 0.94 GB.
    /// </summary>
    public const int EnsembleRuns = 3000;

    /// <summary>torch threads: beyond a few per core they only wait on each other, and each is a native thread with its own stack.</summary>
    public const int Threads = 64;

    /// <summary>
    /// The largest learning rate or weight decay: float32 ends at 3.4·10³⁸, and Adam's first step scales the learning rate
    /// by 1 / (1 − β₁) = 10 before torch converts it to float32; a round bound well inside that keeps every such scalar finite.
    /// </summary>
    public const double Float32Number = 1e30;
}
