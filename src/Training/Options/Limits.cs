namespace Functional.Training;

/// <summary>
/// The largest sizes the exercises accept. Each keeps a run of its exercise within about 1.5 GB of resident memory at
/// the worst combination of its options (measured peaks are in each comment); beyond them a run would grow past the
/// machine (a hidden width of 2·10⁹ asks libtorch for 16 GB for one weight) or die in native code. Options records check
/// them in <c>Validate()</c>, before anything is allocated.
/// </summary>
public static class Limits
{
    /// <summary>
    /// A hidden layer's width (logic, xor, regression, blobs, and each of MNIST's layers). The widest tensors are the
    /// pre- and post-activation of a batch: XOR's decision surface evaluates 121² points, [14 641, 1024] float32 = 60 MB each.
    /// </summary>
    public const int Width = 1024;

    /// <summary>MNIST's hidden layers: 16 of width 1024 hold 16.8 M parameters, 67 MB, about 340 MB with Adam's two moments, the gradient and the next step's copies.</summary>
    public const int MnistLayers = 16;

    /// <summary>Curve-fit points: a full batch of 100 000 points through a hidden layer of 1024 is [100 000, 1024] float32 = 410 MB per activation.</summary>
    public const int Points = 100_000;

    /// <summary>Blob points (train and test each): a full batch through a hidden layer of 1024 is 410 MB per activation, as for <see cref="Points"/>.</summary>
    public const int Samples = 100_000;

    /// <summary>The perceptron's inputs and outputs (each): a 4096 × 4096 weight is 67 MB, and the walkthrough keeps six such tensors (params, gradient, two updates, the trained state and its optimizer's).</summary>
    public const int PerceptronSize = 4096;

    /// <summary>Input bits of the XOR/parity run (2 = XOR); 500 training batches of 10 samples of 16 bits are 320 KB.</summary>
    public const int ParityInputs = 16;

    /// <summary>
    /// Seeds per configuration of the XOR suite. Its largest ensemble, parity (3 input sizes × max-hidden widths ×
    /// repeats runs), holds about 130 KB of data per run: 100 repeats × 16 widths × 3 is 4800 runs, 630 MB.
    /// </summary>
    public const int Repeats = 100;

    /// <summary>The largest hidden width the XOR suite's parity experiment tries (see <see cref="Repeats"/>).</summary>
    public const int SuiteHidden = 16;

    /// <summary>Members of one XOR ensemble the throughput benchmark trains: 66 KB of data each, 270 MB at 4096.</summary>
    public const int EnsembleMembers = 4096;

    /// <summary>torch threads: beyond a few per core they only wait on each other, and each is a native thread with its own stack.</summary>
    public const int Threads = 64;

    /// <summary>
    /// The largest learning rate or weight decay: float32 ends at 3.4·10³⁸, and Adam's first step scales the learning rate
    /// by 1 / (1 − β₁) = 10 before torch converts it to float32; a round bound well inside that keeps every such scalar finite.
    /// </summary>
    public const double Float32Number = 1e30;
}
